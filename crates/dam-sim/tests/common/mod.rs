//! Helpers shared by the integration tests: environments on port 0 and a small cookie client.
#![allow(dead_code)]

pub mod spec;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use dam_sim::{EnvConfig, Role, RunningEnv};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const DAM: &str = "/dx/api/dam/v1";
pub const RING: &str = "/dx/api/core/v1";
pub const NOT_COMPLETE: [&str; 7] = [
    "TODO",
    "PROCESSING",
    "SUCCESS",
    "READ",
    "RETRY",
    "WAIT",
    "PENDING",
];

/// A test configuration: small batches so the find job goes through many windows.
pub fn config(role: Role, dir: &Path, name: &str) -> EnvConfig {
    let mut c = EnvConfig::new(role, dir.join(name));
    c.max_records_to_compare = 7;
    c.success_retention = Duration::from_millis(300);
    c.worker_interval = Duration::from_millis(50);
    c
}

pub async fn start(c: EnvConfig) -> RunningEnv {
    dam_sim::start(c).await.expect("environment starts")
}

/// An HTTP client of one environment holding one `LtpaToken2` cookie.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api::with_client(base, reqwest::Client::new())
    }

    pub fn with_client(base: &str, http: reqwest::Client) -> Api {
        Api {
            http,
            base: base.to_string(),
            cookie: None,
        }
    }

    /// Logs in; panics unless it succeeds.
    pub async fn login(&mut self, user: &str, password: &str) {
        let (status, body, cookie) = self.login_raw(user, password).await;
        assert_eq!(status, StatusCode::OK, "login as {user}: {body}");
        self.cookie = Some(cookie.expect("login sets LtpaToken2"));
    }

    pub async fn admin(base: &str) -> Api {
        let mut a = Api::new(base);
        a.login(dam_sim::DEFAULT_USERNAME, dam_sim::DEFAULT_PASSWORD)
            .await;
        a
    }

    /// Answers status, body and the `LtpaToken2` value of the `Set-Cookie` header.
    pub async fn login_raw(
        &self,
        user: &str,
        password: &str,
    ) -> (StatusCode, Value, Option<String>) {
        let resp = self
            .http
            .post(format!("{}{RING}/auth/login", self.base))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .expect("login request");
        let status = resp.status();
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                assert!(
                    v.contains("Path=/") && v.contains("HttpOnly"),
                    "cookie attributes: {v}"
                );
                v.split(';')
                    .next()?
                    .strip_prefix("LtpaToken2=")
                    .map(str::to_string)
            });
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body, cookie)
    }

    /// Sends a request with the cookie (if any) and a raw body; answers status and JSON body
    /// (`Null` when empty).
    pub async fn raw(&self, method: Method, path: &str, body: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", format!("LtpaToken2={c}"));
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{path}: body is not JSON ({e}): {bytes:?}"))
        };
        (status, v)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let text = body.map(|b| b.to_string());
        self.raw(method, path, text.as_deref()).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, v) = self.call(method.clone(), path, body).await;
        assert!(s.is_success(), "{method} {path} answered {s}: {v}");
        v
    }

    pub async fn seed(&self, collections: u64, items: u64) {
        self.ok(
            Method::POST,
            "/sim/v1/seed",
            Some(json!({"collections": collections, "itemsPerCollection": items})),
        )
        .await;
    }

    /// Mutates and answers the touched records as (type, id, effect).
    pub async fn mutate(&self, t: &str, op: &str, count: u64) -> Vec<(String, String, String)> {
        let v = self
            .ok(
                Method::POST,
                "/sim/v1/mutate",
                Some(json!({"recordType": t, "op": op, "count": count})),
            )
            .await;
        v.as_array()
            .expect("mutate answers an array")
            .iter()
            .map(|t| {
                (
                    t["recordType"].as_str().unwrap().to_string(),
                    t["id"].as_str().unwrap().to_string(),
                    t["effect"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    pub async fn register(&self, target_host: &str) -> String {
        let v = self
            .ok(
                Method::POST,
                &format!("{DAM}/staging/subscriber"),
                Some(json!({"targetHost": target_host, "cycleLength": 30, "status": true})),
            )
            .await;
        v["id"].as_str().expect("subscriber id").to_string()
    }

    pub async fn resync_status(&self, sub: &str) -> String {
        let v = self
            .ok(
                Method::GET,
                &format!("{DAM}/staging/subscriber/{sub}"),
                None,
            )
            .await;
        v["resyncStatus"].as_str().unwrap_or_default().to_string()
    }

    /// PATCHes a trigger and waits (≤ 60 s) until `resyncStatus` leaves the start status.
    pub async fn trigger_and_wait(&self, sub: &str, start: &str) -> String {
        self.ok(
            Method::PATCH,
            &format!("{DAM}/staging/subscriber/{sub}"),
            Some(json!({"resyncStatus": start})),
        )
        .await;
        self.wait_status(sub, start).await
    }

    pub async fn wait_status(&self, sub: &str, start: &str) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.resync_status(sub).await;
            if s != start {
                return s;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(180),
                "still {start} after 180 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The operations matching a query string (`triggerFunctions=…&status=…`), up to 100,000.
    pub async fn ops(&self, query: &str) -> Vec<Value> {
        let v = self
            .ok(
                Method::GET,
                &format!("{DAM}/operations?limit=100000&{query}"),
                None,
            )
            .await;
        v.as_array().expect("operations array").clone()
    }

    /// The subscriber registration.
    pub async fn subscriber(&self, sub: &str) -> Value {
        self.ok(
            Method::GET,
            &format!("{DAM}/staging/subscriber/{sub}"),
            None,
        )
        .await
    }

    /// How many mismatch logs a subscriber has (duplicates counted).
    pub async fn log_count(&self, sub: &str) -> usize {
        let v = self
            .ok(
                Method::GET,
                &format!("{DAM}/staging/mismatches?subscriberId={sub}&limit=100000"),
                None,
            )
            .await;
        v.as_array().expect("logs").len()
    }

    /// PATCHes a trigger without waiting; answers status and body.
    pub async fn trigger(&self, sub: &str, start: &str) -> (StatusCode, Value) {
        self.call(
            Method::PATCH,
            &format!("{DAM}/staging/subscriber/{sub}"),
            Some(json!({"resyncStatus": start})),
        )
        .await
    }

    /// Waits (≤ 60 s) until no `sync*` operation is waiting or running (`SUCCESS` ones may stay
    /// listed); answers the operations that ended `FAILED`.
    pub async fn wait_sync_settled(&self) -> Vec<Value> {
        let t0 = Instant::now();
        loop {
            let ops = self.ops("").await;
            let busy = ops.iter().any(|o| {
                o["triggerFunction"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("sync")
                    && ["TODO", "PROCESSING", "RETRY", "WAIT", "PENDING", "READ"]
                        .contains(&o["status"].as_str().unwrap_or_default())
            });
            if !busy {
                return ops
                    .into_iter()
                    .filter(|o| o["status"] == "FAILED")
                    .collect();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "sync operations still running after 60 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// All mismatch logs of a subscriber as (type, action, id), paging with `limit`.
    pub async fn logs(&self, sub: &str, limit: u64) -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        let mut offset = 0;
        loop {
            let v = self
                .ok(
                    Method::GET,
                    &format!(
                        "{DAM}/staging/mismatches?subscriberId={sub}&offset={offset}&limit={limit}"
                    ),
                    None,
                )
                .await;
            let page = v.as_array().expect("mismatches answer an array");
            for l in page {
                let row = (
                    l["recordType"].as_str().unwrap().to_string(),
                    l["recordAction"].as_str().unwrap().to_string(),
                    l["recordId"].as_str().unwrap().to_string(),
                );
                assert!(out.insert(row.clone()), "duplicate log {row:?}");
            }
            if (page.len() as u64) < limit {
                return out;
            }
            offset += limit;
        }
    }

    /// Waits (≤ 60 s) until no `sync*` operation is in a not-complete status; answers the
    /// operations that ended `FAILED`.
    pub async fn wait_sync_done(&self) -> Vec<Value> {
        let t0 = Instant::now();
        loop {
            let ops = self
                .ok(Method::GET, &format!("{DAM}/operations?limit=100000"), None)
                .await;
            let ops = ops.as_array().expect("operations array").clone();
            let pending = ops.iter().any(|o| {
                o["triggerFunction"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("sync")
                    && NOT_COMPLETE.contains(&o["status"].as_str().unwrap_or_default())
            });
            if !pending {
                return ops
                    .into_iter()
                    .filter(|o| o["status"] == "FAILED")
                    .collect();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "sync operations still running after 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Polls `f` every 10 ms until it answers `Some`, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let t0 = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "{what}: not within {secs} s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The logs a set of mutations on the subscriber must produce: deleted → CREATE,
/// altered → UPDATE, added → DELETE.
pub fn expected_logs(touched: &[(String, String, String)]) -> BTreeSet<(String, String, String)> {
    touched
        .iter()
        .map(|(t, id, effect)| {
            let action = match effect.as_str() {
                "deleted" => "CREATE",
                "altered" => "UPDATE",
                "added" => "DELETE",
                other => panic!("unknown effect {other}"),
            };
            (t.clone(), action.to_string(), id.clone())
        })
        .collect()
}

pub const TYPES: [&str; 12] = [
    "COLLECTION",
    "MEDIA_ITEM",
    "COLLECTION_MEDIA_RELATION",
    "RENDITION",
    "VERSION",
    "FAVORITE",
    "KEYWORD",
    "CUSTOM_URL",
    "MEDIA_TYPE",
    "MEDIA_TYPE_GROUP",
    "PERMISSION",
    "RESOURCE",
];

/// The record types of HCL's records endpoints (no `PERMISSION`, no `RESOURCE`).
pub const SPEC_RECORD_TYPES: [&str; 10] = [
    "COLLECTION",
    "MEDIA_ITEM",
    "COLLECTION_MEDIA_RELATION",
    "RENDITION",
    "VERSION",
    "FAVORITE",
    "KEYWORD",
    "CUSTOM_URL",
    "MEDIA_TYPE",
    "MEDIA_TYPE_GROUP",
];

/// Breaks the subscriber with every op on every type (deletes, then alters, then adds, so
/// the touched sets are disjoint) and answers everything touched.
pub async fn break_everything(sub: &Api) -> Vec<(String, String, String)> {
    let mut touched = Vec::new();
    for op in ["delete", "alter", "add"] {
        for t in TYPES {
            let got = sub.mutate(t, op, 1).await;
            assert!(!got.is_empty(), "{op} {t} touched nothing");
            touched.extend(got);
        }
    }
    touched
}
