//! HTTP calls from one environment to another (publisher → subscriber hash endpoints and
//! eventlogs, subscriber → publisher record details). The caller logs in with the credentials
//! configured for that peer (`EnvConfig::peer_credentials`, `POST /sim/v1/peer-credentials`:
//! the stand-in for DX's `<release>-dam-staging` secret) or else with its own admin
//! credentials, re-logs in once on 401 and retries transport errors and 5xx answers with
//! exponential back-off.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::config::EnvConfig;
use crate::records::RecordType;
use crate::SimError;

/// Where a subscriber takes staging events.
const EVENTLOGS_PATH: &str = "/dx/api/dam/v1/eventlogs";

/// The public records endpoints (HCL's ten record types).
pub(crate) const PUBLIC_RECORDS: &str = "/dx/api/dam/v1/staging/records";
/// The simulator's internal records endpoints (all twelve types): how the find compares, and
/// the worker fetches, `PERMISSION` and `RESOURCE` records.
pub(crate) const INTERNAL_RECORDS: &str = "/sim/v1/staging/records";

/// The records endpoint base a peer call for `t` uses.
pub(crate) fn records_base(t: RecordType) -> &'static str {
    if t.is_permission_type() {
        INTERNAL_RECORDS
    } else {
        PUBLIC_RECORDS
    }
}

/// Attempts per call (transport errors and 5xx answers are retried).
const ATTEMPTS: u32 = 6;

/// An error of a peer call, as a message for `errorInfo` and logs.
#[derive(Debug, Clone)]
pub(crate) struct PeerError(pub String);

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The clients of one environment, one per peer base URL.
pub(crate) struct Peers {
    http: reqwest::Client,
    username: String,
    password: String,
    default_scheme: &'static str,
    map: Mutex<HashMap<String, Arc<Peer>>>,
    /// Per-peer credentials by `targetHost` or base URL (see `EnvConfig::peer_credentials`).
    credentials: Mutex<HashMap<String, (String, String)>>,
}

fn read_ca(path: &Path) -> Result<reqwest::Certificate, SimError> {
    let pem = std::fs::read(path).map_err(|source| SimError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    reqwest::Certificate::from_pem(&pem).map_err(|e| {
        SimError::HttpClient(format!("{} is not a PEM certificate: {e}", path.display()))
    })
}

impl Peers {
    /// Builds the client; trusts the configured CAs plus `own_ca` (this environment's CA).
    pub fn new(cfg: &EnvConfig, own_ca: Option<&Path>) -> Result<Peers, SimError> {
        let mut b = reqwest::Client::builder()
            .timeout(cfg.peer_timeout)
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(16);
        for p in cfg
            .trusted_ca_pems
            .iter()
            .map(|p| p.as_path())
            .chain(own_ca)
        {
            b = b.add_root_certificate(read_ca(p)?);
        }
        let http = b.build().map_err(|e| SimError::HttpClient(e.to_string()))?;
        Ok(Peers {
            http,
            username: cfg.username.clone(),
            password: cfg.password.clone(),
            default_scheme: if cfg.tls { "https" } else { "http" },
            map: Mutex::new(HashMap::new()),
            credentials: Mutex::new(
                cfg.peer_credentials
                    .iter()
                    .map(|(k, v)| (credential_key(k), v.clone()))
                    .collect(),
            ),
        })
    }

    /// Sets (or, with `None`, removes) the credentials for a peer; the next call to that peer
    /// logs in again with them.
    pub fn set_credentials(&self, host: &str, creds: Option<(String, String)>) {
        {
            let mut m = self.credentials.lock().unwrap_or_else(|p| p.into_inner());
            match creds {
                Some(c) => {
                    m.insert(credential_key(host), c);
                }
                None => {
                    m.remove(&credential_key(host));
                }
            }
        }
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The hosts with their own credentials and the user names (never the passwords).
    pub fn credential_users(&self) -> Vec<(String, String)> {
        let m = self.credentials.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<(String, String)> =
            m.iter().map(|(h, (u, _))| (h.clone(), u.clone())).collect();
        v.sort();
        v
    }

    /// The credentials for a peer: an entry for the host as given, for its base URL, or for
    /// its host without a scheme; else this environment's own.
    fn credentials_for(&self, host: &str, base: &str) -> (String, String) {
        let m = self.credentials.lock().unwrap_or_else(|p| p.into_inner());
        let bare = base
            .trim_start_matches("http://")
            .trim_start_matches("https://");
        [
            credential_key(host),
            credential_key(base),
            credential_key(bare),
        ]
        .iter()
        .find_map(|k| m.get(k).cloned())
        .unwrap_or_else(|| (self.username.clone(), self.password.clone()))
    }

    /// The base URL of a `targetHost` or `host` value: kept if it has a scheme, otherwise
    /// `http://` (or `https://` when this environment itself serves TLS) is put in front.
    pub fn base_url(&self, host: &str) -> String {
        let h = host.trim().trim_end_matches('/');
        if h.starts_with("http://") || h.starts_with("https://") {
            h.to_string()
        } else {
            format!("{}://{h}", self.default_scheme)
        }
    }

    /// The client for a peer.
    pub fn get(&self, host: &str) -> Arc<Peer> {
        let base = self.base_url(host);
        let (username, password) = self.credentials_for(host, &base);
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let key = format!("{base}\u{0}{username}");
        map.entry(key)
            .or_insert_with(|| {
                Arc::new(Peer {
                    base,
                    http: self.http.clone(),
                    username,
                    password,
                    token: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }
}

/// The key of a credential entry: the host or URL trimmed, without a trailing slash.
fn credential_key(host: &str) -> String {
    host.trim().trim_end_matches('/').to_string()
}

/// A logged-in client of one peer environment.
pub(crate) struct Peer {
    pub base: String,
    http: reqwest::Client,
    username: String,
    password: String,
    token: tokio::sync::Mutex<Option<String>>,
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(5)).min(2000))
}

impl Peer {
    async fn login(&self) -> Result<String, PeerError> {
        let url = format!("{}/dx/api/core/v1/auth/login", self.base);
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let resp = match self
                .http
                .post(&url)
                .json(&json!({"username": self.username, "password": self.password}))
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    last = format!("cannot reach {url}: {e}");
                    continue;
                }
            };
            let status = resp.status();
            if status.is_server_error() {
                last = format!("login at {url} answered {status}");
                continue;
            }
            if status != StatusCode::OK {
                return Err(PeerError(format!(
                    "login at {url} as {} answered {status} (set this environment's credentials for the peer: EnvConfig::peer_credentials or POST /sim/v1/peer-credentials, the stand-in for DX's <release>-dam-staging secret)",
                    self.username
                )));
            }
            let token = resp
                .headers()
                .get_all(reqwest::header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(|v| v.split(';').next())
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| *k == crate::auth::COOKIE)
                .map(|(_, v)| v.to_string());
            return token
                .ok_or_else(|| PeerError(format!("login at {url} set no LtpaToken2 cookie")));
        }
        Err(PeerError(last))
    }

    /// Sends a request; answers the status and body of the first non-5xx answer.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(StatusCode, bytes_like::Bytes), PeerError> {
        let url = format!("{}{path}", self.base);
        let mut relogged = false;
        let mut last = String::new();
        let mut attempt = 0;
        while attempt < ATTEMPTS {
            let token = {
                let mut guard = self.token.lock().await;
                match guard.as_ref() {
                    Some(t) => t.clone(),
                    None => {
                        let t = self.login().await?;
                        *guard = Some(t.clone());
                        t
                    }
                }
            };
            let mut req = self.http.request(method.clone(), &url).header(
                reqwest::header::COOKIE,
                format!("{}={token}", crate::auth::COOKIE),
            );
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    match resp.bytes().await {
                        Ok(b) => Ok((status, b)),
                        Err(e) => Err(format!(
                            "{method} {url}: connection dropped while reading: {e}"
                        )),
                    }
                }
                Err(e) => Err(format!("{method} {url}: {e}")),
            };
            match outcome {
                Ok((StatusCode::UNAUTHORIZED, _)) if !relogged => {
                    relogged = true;
                    *self.token.lock().await = None;
                    continue;
                }
                Ok((status, b)) if status.is_server_error() => {
                    last = format!(
                        "{method} {url} answered {status}: {}",
                        String::from_utf8_lossy(&b)
                    );
                }
                Ok(ok) => return Ok(ok),
                Err(e) => last = e,
            }
            attempt += 1;
            if attempt < ATTEMPTS {
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
        Err(PeerError(format!("{last} (after {ATTEMPTS} attempts)")))
    }

    /// GET that must answer 200 with JSON of type `T`.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, PeerError> {
        let (status, body) = self.send(Method::GET, path, query, None).await?;
        if status != StatusCode::OK {
            return Err(PeerError(format!(
                "GET {}{path} answered {status}: {}",
                self.base,
                String::from_utf8_lossy(&body)
            )));
        }
        serde_json::from_slice(&body).map_err(|e| {
            PeerError(format!(
                "GET {}{path} answered unreadable JSON: {e}",
                self.base
            ))
        })
    }

    /// POST of a JSON body that must answer 200 with JSON of type `T`.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, PeerError> {
        let (status, resp) = self.send(Method::POST, path, &[], Some(body)).await?;
        if status != StatusCode::OK {
            return Err(PeerError(format!(
                "POST {}{path} answered {status}: {}",
                self.base,
                String::from_utf8_lossy(&resp)
            )));
        }
        serde_json::from_slice(&resp).map_err(|e| {
            PeerError(format!(
                "POST {}{path} answered unreadable JSON: {e}",
                self.base
            ))
        })
    }

    /// `POST /eventlogs` of `events` on the peer (a subscriber): creates its `sync*`
    /// operations; an answer with `isSuccess: false` is an error.
    pub async fn post_eventlogs(&self, events: Vec<Value>) -> Result<(), String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct InterfaceResponse {
            is_success: bool,
        }
        let resp: InterfaceResponse = self
            .post_json(EVENTLOGS_PATH, &Value::Array(events))
            .await
            .map_err(|e| e.0)?;
        if resp.is_success {
            Ok(())
        } else {
            Err(format!(
                "{}{EVENTLOGS_PATH} answered isSuccess false",
                self.base
            ))
        }
    }

    /// The record details (`?details=true`), or `None` when the peer answers 404.
    pub async fn record_details(
        &self,
        record_type: RecordType,
        id: &str,
    ) -> Result<Option<Value>, PeerError> {
        let path = format!(
            "{}/{}/{id}",
            records_base(record_type),
            record_type.as_str()
        );
        let (status, body) = self
            .send(Method::GET, &path, &[("details", "true".to_string())], None)
            .await?;
        match status {
            StatusCode::OK => serde_json::from_slice(&body).map(Some).map_err(|e| {
                PeerError(format!(
                    "GET {}{path} answered unreadable JSON: {e}",
                    self.base
                ))
            }),
            StatusCode::NOT_FOUND => Ok(None),
            s => Err(PeerError(format!(
                "GET {}{path} answered {s}: {}",
                self.base,
                String::from_utf8_lossy(&body)
            ))),
        }
    }
}

mod bytes_like {
    pub(crate) use axum::body::Bytes;
}
