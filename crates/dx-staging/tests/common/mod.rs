//! Shared helpers: two `dam-sim` environments on port 0, driven only over HTTP.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dam_sim::{EnvConfig, Role, RunningEnv};
use dx_staging::workflow::DriverOptions;
use dx_staging::{Client, FetchOptions, Profile, RetryPolicy, TlsMode};
use serde_json::{json, Value};

/// A test configuration: small compare batches, fast worker.
pub fn config(role: Role, dir: &Path, name: &str, port: u16) -> EnvConfig {
    let mut c = EnvConfig::new(role, dir.join(name));
    c.port = port;
    c.max_records_to_compare = 25;
    c.success_retention = Duration::from_millis(200);
    c.worker_interval = Duration::from_millis(30);
    c
}

/// A publisher and a subscriber, seeded alike and registered.
pub struct Pair {
    pub dir: tempfile::TempDir,
    pub publisher: RunningEnv,
    pub subscriber: RunningEnv,
    pub sub_id: String,
}

pub async fn pair_with(tweak: impl Fn(&mut EnvConfig)) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db", 0);
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db", 0);
    tweak(&mut pc);
    tweak(&mut sc);
    let publisher = dam_sim::start(pc).await.expect("publisher starts");
    let subscriber = dam_sim::start(sc).await.expect("subscriber starts");
    let p = Sim::login(publisher.url()).await;
    let s = Sim::login(subscriber.url()).await;
    p.post(
        "/sim/v1/seed",
        json!({"collections": 3, "itemsPerCollection": 4}),
    )
    .await;
    s.post(
        "/sim/v1/seed",
        json!({"collections": 3, "itemsPerCollection": 4}),
    )
    .await;
    let reg = p
        .post(
            "/dx/api/dam/v1/staging/subscriber",
            json!({"targetHost": format!("127.0.0.1:{}", subscriber.port()), "cycleLength": 30, "status": true}),
        )
        .await;
    let sub_id = reg["id"].as_str().expect("subscriber id").to_string();
    Pair {
        dir,
        publisher,
        subscriber,
        sub_id,
    }
}

pub async fn pair() -> Pair {
    pair_with(|_| {}).await
}

/// A bare admin HTTP client for the `/sim/v1` test interface (and setup calls).
pub struct Sim {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Sim {
    pub async fn login(base: &str) -> Sim {
        Sim::login_with(base, reqwest::Client::new()).await
    }

    /// Logs the test's own session in; retried a few times because a test may have injected
    /// 5xx answers or dropped connections into the simulator (its Ring login included).
    pub async fn login_with(base: &str, http: reqwest::Client) -> Sim {
        let mut last = String::new();
        for _ in 0..20 {
            match Sim::try_login(&http, base).await {
                Ok(cookie) => {
                    return Sim {
                        http,
                        base: base.to_string(),
                        cookie,
                    }
                }
                Err(e) => last = e,
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("test login to {base} failed 20 times; last: {last}");
    }

    async fn try_login(http: &reqwest::Client, base: &str) -> Result<String, String> {
        let resp = http
            .post(format!("{base}/dx/api/core/v1/auth/login"))
            .json(&json!({"username": dam_sim::DEFAULT_USERNAME, "password": dam_sim::DEFAULT_PASSWORD}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.split(';')
                    .next()?
                    .strip_prefix("LtpaToken2=")
                    .map(str::to_string)
            });
        // Read the body too: a dropped connection fails here, not at the headers.
        resp.bytes().await.map_err(|e| e.to_string())?;
        cookie.ok_or_else(|| format!("no LtpaToken2 cookie (status {status})"))
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("cookie", format!("LtpaToken2={}", self.cookie));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("sim request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        assert!(status.is_success(), "{method} {path}: {status} {bytes:?}");
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("json")
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn stats(&self) -> Value {
        self.send(reqwest::Method::GET, "/sim/v1/stats", None).await
    }

    pub async fn faults(&self, body: Value) {
        self.post("/sim/v1/faults", body).await;
    }

    pub async fn clear_faults(&self) {
        self.send(reqwest::Method::DELETE, "/sim/v1/faults", None)
            .await;
    }

    /// Mutates the environment; answers the mismatch logs a find should report, as
    /// (recordType, recordAction, recordId): deleted here → CREATE, altered → UPDATE,
    /// added here → DELETE (this being the subscriber).
    pub async fn mutate(
        &self,
        t: &str,
        op: &str,
        count: u64,
    ) -> BTreeSet<(String, String, String)> {
        let v = self
            .post(
                "/sim/v1/mutate",
                json!({"recordType": t, "op": op, "count": count}),
            )
            .await;
        v.as_array()
            .expect("mutate answers a list")
            .iter()
            .map(|x| {
                let action = match x["effect"].as_str().unwrap() {
                    "deleted" => "CREATE",
                    "altered" => "UPDATE",
                    "added" => "DELETE",
                    other => panic!("effect {other}"),
                };
                (
                    x["recordType"].as_str().unwrap().to_string(),
                    action.to_string(),
                    x["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

/// Breaks the subscriber in all three ways on a few types; answers the expected logs.
pub async fn break_subscriber(s: &Sim) -> BTreeSet<(String, String, String)> {
    let mut want = BTreeSet::new();
    want.extend(s.mutate("MEDIA_ITEM", "delete", 2).await);
    want.extend(s.mutate("COLLECTION", "alter", 1).await);
    want.extend(s.mutate("KEYWORD", "add", 2).await);
    want.extend(s.mutate("RENDITION", "alter", 2).await);
    want
}

pub fn profile_for(url: &str) -> Profile {
    let u = reqwest::Url::parse(url).unwrap();
    let mut p = Profile::new(u.host_str().unwrap(), dam_sim::DEFAULT_USERNAME);
    p.dx_protocol = u.scheme().to_string();
    let port = u.port_or_known_default().unwrap() as u32;
    p.dx_port = port;
    p.ring_api_port = port;
    p.dam_api_port = port;
    p.timeouts.request_secs = 5;
    p
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_retries: 8,
    }
}

pub fn client_for(url: &str) -> Client {
    Client::builder(&profile_for(url), dam_sim::DEFAULT_PASSWORD)
        .retry(fast_retry())
        .build()
        .unwrap()
}

pub fn client_tls(url: &str, tls: TlsMode) -> Client {
    let mut p = profile_for(url);
    p.tls = tls;
    Client::builder(&p, dam_sim::DEFAULT_PASSWORD)
        .retry(fast_retry())
        .build()
        .unwrap()
}

/// A runner on the pair's publisher, with its subscriber environment, fast polls, reports in
/// `<pair dir>/reports` and the run saved to `<pair dir>/run.json`.
pub fn runner(pair: &Pair) -> dx_staging::Runner {
    dx_staging::Runner::new(client_for(pair.publisher.url()))
        .subscriber_env(Some(client_for(pair.subscriber.url())))
        .options(fast_driver())
        .report_dir(pair.dir.path().join("reports"))
        .state_file(pair.dir.path().join("run.json"))
}

pub fn fast_driver() -> DriverOptions {
    DriverOptions {
        poll_min: Duration::from_millis(50),
        poll_max: Duration::from_millis(300),
        fetch: FetchOptions {
            page_size: 5,
            concurrency: 4,
            bom: false,
        },
    }
}

/// The (type, action, id) set of a report file.
pub fn report_set(path: &Path) -> BTreeSet<(String, String, String)> {
    let store = mismatch_report::ReportStore::open(path, mismatch_report::ReaderOptions::default())
        .expect("report loads");
    store
        .to_rows()
        .into_iter()
        .map(|r| {
            (
                r.record_type.to_string(),
                r.record_action.to_string(),
                r.record_id,
            )
        })
        .collect()
}

/// Files in `dir` (recursively) whose name shows a temporary (half-written) file.
pub fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(temp_files(&p));
        } else if p.file_name().unwrap().to_string_lossy().contains(".tmp") {
            out.push(p);
        }
    }
    out
}

/// CSV reports in `dir`.
pub fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect()
}

/// Runs `state` on `runner` and calls `hook` once, the first time the run reports `phase`.
pub async fn run_with_hook<F, Fut>(
    runner: dx_staging::Runner,
    state: dx_staging::RunState,
    phase: &str,
    hook: F,
) -> dx_staging::RunState
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let runner = runner.progress(tx);
    let task = tokio::spawn(async move { runner.run(state).await });
    let mut hook = Some(hook);
    while let Some(p) = rx.recv().await {
        if p.phase.name() == phase {
            if let Some(h) = hook.take() {
                h().await;
            }
        }
    }
    assert!(hook.is_none(), "the run never reached phase {phase}");
    task.await.unwrap().unwrap()
}
