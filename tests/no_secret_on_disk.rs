//! No secret on disk, proven: a full find → resync → verify cycle through the app's command
//! logic against the in-process `dam-sim` demo, with faults (503 answers, expired session
//! tokens, failing sync operations), logging everything at debug/trace into the app's log
//! folder; then every file under the app's data, log and export folders is scanned for the
//! password and for every `LtpaToken2` session token the simulators issued. 0 hits.
//!
//! The simulators keep only SHA-256 digests of the tokens they issue (in their databases);
//! every 64-hex-digit run in every file is hashed and looked up among them, so a token is found
//! in any form it may take (cookie header, JSON, debug output). Any `LtpaToken2` name followed
//! by a value that is not `***` is a hit as well.
//!
//! The cycle is the only test of this binary that logs: it installs the process's global
//! tracing subscriber.

mod headless;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dam_staging_console::commands::runs::{start, StartRunsRequest};
use dam_staging_console::commands::{data, library as library_cmds, profiles, reports};
use dam_staging_console::demo::{self, DEMO_PUBLISHER_ID, DEMO_SUBSCRIBER_ID};
use dam_staging_console::runs::view::RunView;
use dam_staging_console::runs::RunManager;
use dam_staging_console::state::AppState;
use dx_staging::workflow::{DriverOptions, RunKind};
use headless::Host;
use mismatch_report::Filter;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One simulated environment's test interface, with an admin session of the test's own.
struct Sim {
    url: String,
    cookie: String,
    http: reqwest::Client,
}

impl Sim {
    async fn login(url: &str, user: &str, password: &str) -> Sim {
        let http = reqwest::Client::new();
        // The login is a DX call: the faults set on the environment (503s) apply to it too.
        let mut attempts = 0;
        let res = loop {
            let res = http
                .post(format!("{url}/dx/api/core/v1/auth/login"))
                .json(&json!({"username": user, "password": password}))
                .send()
                .await
                .expect("login to the simulator");
            attempts += 1;
            if res.status().is_server_error() && attempts < 20 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            break res;
        };
        assert!(res.status().is_success(), "login: {}", res.status());
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().filter(|c| c.starts_with("LtpaToken2=")))
            .expect("a LtpaToken2 cookie")
            .to_string();
        Sim {
            url: url.trim_end_matches('/').to_string(),
            cookie,
            http,
        }
    }

    /// Calls `/sim/v1/...`; expired tokens make the test log in again first.
    async fn call(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        for _ in 0..2 {
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.url))
                .header("cookie", &self.cookie);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let res = req.send().await.expect("simulator call");
            let status = res.status();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                let (user, pw) = CREDS.get().expect("credentials").clone();
                *self = Sim::login(&self.url, &user, &pw).await;
                continue;
            }
            assert!(status.is_success(), "{method} {path}: {status}");
            return res.json().await.unwrap_or(Value::Null);
        }
        panic!("{method} {path}: still unauthorised after a new login");
    }

    async fn faults(&mut self, faults: Value) {
        self.call(reqwest::Method::POST, "/sim/v1/faults", Some(faults))
            .await;
    }

    async fn clear_faults(&mut self) {
        self.call(reqwest::Method::DELETE, "/sim/v1/faults", None)
            .await;
    }

    async fn expire_tokens(&mut self) {
        self.call(reqwest::Method::POST, "/sim/v1/tokens/expire", None)
            .await;
    }
}

static CREDS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

fn url_of(state: &AppState, id: &str) -> String {
    let p = state.connections.profile(id).unwrap();
    format!("{}://{}:{}", p.dx_protocol, p.hostname, p.dx_port)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => files_under(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

/// The digests of every session token the simulators have issued (their `tokens` tables).
fn token_digests(cache: &Path) -> HashSet<String> {
    let mut files = Vec::new();
    files_under(cache, &mut files);
    let mut out = HashSet::new();
    for db in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "db"))
    {
        let Ok(c) = rusqlite::Connection::open(db) else {
            continue;
        };
        let Ok(mut s) = c.prepare("SELECT token_hash FROM tokens") else {
            continue;
        };
        let rows = s.query_map([], |r| r.get::<_, String>(0));
        if let Ok(rows) = rows {
            out.extend(rows.flatten());
        }
    }
    out
}

/// Snapshots the digests while the cycle runs: a logout removes a token's row.
fn collect(cache: &Path, digests: &mut HashSet<String>) {
    digests.extend(token_digests(cache));
}

async fn wait_done(
    wb: &AppState,
    run_id: &str,
    cache: &Path,
    digests: &mut HashSet<String>,
) -> RunView {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let v = wb.runs.view(run_id).unwrap();
        if v.done || (v.problem.is_some() && !v.watching && !v.queued) {
            return v;
        }
        assert!(Instant::now() < deadline, "run did not end: {v:#?}");
        collect(cache, digests);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the run has sent its trigger (or ended).
async fn wait_triggered(wb: &AppState, run_id: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = wb.runs.view(run_id).unwrap();
        if v.triggered_at.is_some() || v.done || v.problem.is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "run was not triggered: {v:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What the scan found in one file.
fn hits_in(path: &Path, bytes: &[u8], password: &str, digests: &HashSet<String>) -> Vec<String> {
    let mut hits = Vec::new();
    let show = |at: usize| {
        let from = at.saturating_sub(60);
        let to = (at + 100).min(bytes.len());
        format!(
            "{}: …{}…",
            path.display(),
            String::from_utf8_lossy(&bytes[from..to])
        )
    };
    if let Some(at) = find(bytes, password.as_bytes()) {
        hits.push(format!("password in {}", show(at)));
    }
    // The cookie's name followed by a value that is not redacted.
    let lower = bytes.to_ascii_lowercase();
    let name = b"ltpatoken2";
    let mut from = 0;
    while let Some(i) = find(&lower[from..], name) {
        let at = from + i;
        let mut j = at + name.len();
        while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b'\\' | b' ' | b':' | b'=') {
            j += 1;
        }
        // A key and its value (`=` or `:` between them), not the name in a sentence.
        let keyed = bytes[at + name.len()..j]
            .iter()
            .any(|b| matches!(b, b'=' | b':'));
        if keyed && j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
            hits.push(format!("LtpaToken2 value in {}", show(at)));
        }
        from = at + name.len();
    }
    // Every run of exactly 64 hex digits that is the token of a session.
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
            i += 1;
        }
        if i - start == 64 {
            let run = std::str::from_utf8(&bytes[start..i]).unwrap_or_default();
            let digest = hex::encode(Sha256::digest(run.to_ascii_lowercase().as_bytes()));
            if digests.contains(&digest) {
                hits.push(format!("session token in {}", show(start)));
            }
        }
    }
    hits
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_cycle_with_faults_leaves_no_secret_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let logs = dir.path().join("logs");
    let cache = dir.path().join("cache");
    let exports = headless::exports_dir(dir.path());
    let guard = dam_staging_console::logging::init_with(
        &logs,
        tracing_subscriber::EnvFilter::new(
            "debug,dam_staging_console=trace,dx_staging=trace,dam_sim=trace",
        ),
        false,
    )
    .expect("logging starts");

    let runs = RunManager::with_options(
        data.join("runs"),
        data.join("reports"),
        DriverOptions {
            poll_min: Duration::from_millis(50),
            poll_max: Duration::from_millis(250),
            ..DriverOptions::default()
        },
    );
    let state = Arc::new(headless::app_state_with_runs(dir.path(), runs));
    demo::ensure_started(&state.connections)
        .await
        .expect("demo starts");
    let host = Host(state.clone());
    let wb = &*state;

    let password = state
        .connections
        .secrets
        .get(DEMO_PUBLISHER_ID)
        .unwrap()
        .unwrap()
        .expose()
        .to_string();
    assert!(password.len() >= 8, "a real password to look for");
    let publisher = state.connections.profile(DEMO_PUBLISHER_ID).unwrap();
    CREDS
        .set((publisher.dx_username.clone(), password.clone()))
        .unwrap();
    let mut pub_sim = Sim::login(
        &url_of(&state, DEMO_PUBLISHER_ID),
        &publisher.dx_username,
        &password,
    )
    .await;
    let mut sub_sim = Sim::login(
        &url_of(&state, DEMO_SUBSCRIBER_ID),
        &publisher.dx_username,
        &password,
    )
    .await;

    // A saved connection, imported from a DXClient settings file with its password, tested and
    // saved: profiles.json is written and the password goes to the (memory) password store.
    let settings = json!({
        "dxProtocol": "http", "hostname": publisher.hostname, "dxPort": publisher.dx_port,
        "ringAPIPort": publisher.ring_api_port.to_string(), "damAPIPort": publisher.dam_api_port,
        "dxUsername": publisher.dx_username, "dxPassword": password,
        "damAPIVersion": "v1", "ringAPIVersion": "v1"
    });
    let imported = profiles::import(&state, settings.to_string())
        .await
        .unwrap();
    let token = imported.password_token.clone().expect("a password token");
    profiles::test_unsaved(&state, imported.profile.clone(), None, Some(token.clone()))
        .await
        .unwrap();
    let mut draft = imported.profile;
    draft.name = "Staging".into();
    draft.subscriber_profile_id = Some(DEMO_SUBSCRIBER_ID.into());
    let saved = profiles::save(&state, draft, None, Some(token), true)
        .await
        .unwrap();
    let profile_id = saved.profile.id.clone();
    // A wrong password typed once: refused, and never written either.
    let wrong =
        profiles::test_saved(&state, profile_id.clone(), Some(format!("{password}x"))).await;
    assert!(wrong.is_err());
    let subscriber_id = data::subscribers(&state.connections, profile_id.clone())
        .await
        .unwrap()[0]
        .id
        .clone();

    let mut digests = HashSet::new();
    let request = |kind: RunKind, journey: Option<String>| StartRunsRequest {
        profile_id: profile_id.clone(),
        subscriber_ids: vec![subscriber_id.clone()],
        kind,
        journey_id: journey,
        previous_report: None,
        clear_stale_logs: None,
    };

    // Find: the session expires before the trigger; 503s and another expiry while it watches
    // and fetches the report.
    pub_sim.expire_tokens().await;
    sub_sim.expire_tokens().await;
    let find = start(&host, wb, request(RunKind::Find, None))
        .unwrap()
        .remove(0);
    wait_triggered(wb, &find.run_id).await;
    pub_sim
        .faults(json!({"errorRate": 0.2, "latencyMs": 2}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    pub_sim.expire_tokens().await;
    let find = wait_done(wb, &find.run_id, &cache, &mut digests).await;
    pub_sim.clear_faults().await;
    assert!(find.done, "the find ended: {find:#?}");
    let report = find.report.clone().expect("the find fetched a report");
    assert!(report.rows > 0, "the demo subscriber is drifted");

    // Resync: two sync operations fail for good; 503s and an expiry while it watches.
    sub_sim.faults(json!({"failSyncOperations": 2})).await;
    let resync = start(
        &host,
        wb,
        request(RunKind::Resync, Some(find.journey_id.clone())),
    )
    .unwrap()
    .remove(0);
    wait_triggered(wb, &resync.run_id).await;
    pub_sim.faults(json!({"errorRate": 0.2})).await;
    sub_sim.expire_tokens().await;
    pub_sim.expire_tokens().await;
    let resync = wait_done(wb, &resync.run_id, &cache, &mut digests).await;
    pub_sim.clear_faults().await;
    sub_sim.clear_faults().await;
    assert!(resync.done, "the resync ended: {resync:#?}");

    // Verify: archive, delete the server's logs, find again; the session expires midway.
    let verify = start(
        &host,
        wb,
        request(RunKind::Verify, Some(find.journey_id.clone())),
    )
    .unwrap()
    .remove(0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    pub_sim.expire_tokens().await;
    let verify = wait_done(wb, &verify.run_id, &cache, &mut digests).await;
    assert!(verify.done, "the verify ended: {verify:#?}");

    // The report viewer: open the find's report from the library, export it, compare.
    let info = reports::open(wb, &report.path, "load-1", &mut |_| {}).unwrap();
    let out = exports.join("cycle.csv");
    reports::export(
        wb,
        &info.handle,
        &Filter::default(),
        None,
        &out.display().to_string(),
        false,
        None,
    )
    .unwrap();
    if let Some(after) = verify.report.as_ref() {
        library_cmds::compare(wb, &report.path, &after.path).unwrap();
    }

    collect(&cache, &mut digests);
    drop(guard); // flushes the log writer
    assert!(
        digests.len() >= 4,
        "the expiries made the app log in again ({} tokens)",
        digests.len()
    );

    // Everything the app wrote: the scan must be about something.
    let mut files = Vec::new();
    for d in [&data, &logs, &exports] {
        files_under(d, &mut files);
    }
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("profiles.json")),
        "{names:#?}"
    );
    assert!(names.iter().any(|n| n.contains("runs")), "{names:#?}");
    assert!(
        names.iter().any(|n| n.ends_with(".meta.json")),
        "{names:#?}"
    );
    assert!(names.iter().any(|n| n.ends_with("cycle.csv")), "{names:#?}");
    let log_bytes: usize = files
        .iter()
        .filter(|p| p.starts_with(&logs))
        .map(|p| std::fs::metadata(p).map(|m| m.len() as usize).unwrap_or(0))
        .sum();
    assert!(
        log_bytes > 100_000,
        "trace logs were written ({log_bytes} bytes)"
    );

    eprintln!(
        "scanned {} files ({log_bytes} bytes of logs) for the password and {} session tokens; find: {:?}, resync: {:?}, verify: {:?}",
        files.len(),
        digests.len(),
        find.message,
        resync.message,
        verify.message,
    );
    let mut hits = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        hits.extend(hits_in(f, &bytes, &password, &digests));
    }
    // To look at what was scanned: DSC_KEEP_SCAN_DIR=/some/new/folder.
    if let Some(keep) = std::env::var_os("DSC_KEEP_SCAN_DIR") {
        let _ = std::fs::remove_dir_all(&keep);
        std::fs::rename(dir.path(), &keep).ok();
    }
    assert!(
        hits.is_empty(),
        "{} secret(s) on disk:\n{}",
        hits.len(),
        hits.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    let token = "ab".repeat(32);
    let digests: HashSet<String> = [hex::encode(Sha256::digest(token.as_bytes()))].into();
    let p = Path::new("f");
    let scan = |text: &str| hits_in(p, text.as_bytes(), "pässwörd-1", &digests);
    assert_eq!(scan(&format!("cookie {token} sent")).len(), 1);
    assert_eq!(scan(&format!("x{}y", token.to_uppercase())).len(), 1);
    assert_eq!(scan("LtpaToken2=abc; Path=/").len(), 1);
    assert_eq!(scan(r#"{\"LtpaToken2\":\"zz\"}"#).len(), 1);
    assert_eq!(scan("the pässwörd-1 is").len(), 1);
    assert!(scan("Cookie: LtpaToken2=***; the LtpaToken2 cookie has expired").is_empty());
    // A hash of something else (a report's record hash) is not a token.
    assert!(scan(&"cd".repeat(32)).is_empty());
}
