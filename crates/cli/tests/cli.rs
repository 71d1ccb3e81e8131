//! The `dam-staging` binary against dam-sim over real HTTP: the full cycle, a kill mid-watch and
//! resume, exit codes, HTTPS.

#[path = "../../dx-staging/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::*;
use serde_json::Value;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dam-staging");

/// DXClient's connection flags for an environment at `url`.
fn conn(url: &str) -> Vec<String> {
    let u = reqwest::Url::parse(url).unwrap();
    let port = u.port().unwrap().to_string();
    [
        "-dxProtocol",
        u.scheme(),
        "-hostname",
        u.host_str().unwrap(),
        "-dxPort",
        &port,
        "-dxUsername",
        dam_sim::DEFAULT_USERNAME,
        "-damAPIPort",
        &port,
        "-ringAPIPort",
        &port,
        "-damAPIVersion",
        "v1",
        "-ringAPIVersion",
        "v1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn cmd(dir: &Path, command: &str, url: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env("DX_PASSWORD", dam_sim::DEFAULT_PASSWORD)
        .arg("manage-dam-staging")
        .arg(command)
        .args(conn(url))
        .args(extra)
        .kill_on_drop(true);
    c
}

async fn run(mut c: Command) -> Output {
    c.output().await.expect("dam-staging runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const FAST: [&str; 4] = ["--poll-min-ms", "50", "--poll-max-ms", "300"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_cycle_through_the_binary() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let p = Sim::login(&url).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    let sub_port = pair.subscriber.port().to_string();
    let id = pair.sub_id.as_str();

    let o = run(cmd(work, "get-all-subscribers", &url, &["--json"])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["id"], id);

    let mut args = vec!["-subscriberId", id, "--wait", "--json"];
    args.extend(FAST);
    let o = run(cmd(work, "find-staging-mismatch", &url, &args)).await;
    assert_eq!(code(&o), 10, "mismatches found: {}", show(&o));
    let state: Value = serde_json::from_slice(&o.stdout).unwrap();
    let report = state["report"]["path"].as_str().unwrap();
    assert_eq!(report_set(&work.join(report)), want);
    assert!(
        std::path::Path::new(report).starts_with(std::path::Path::new("store").join("outputFiles")),
        "{report}"
    );

    let o = run(cmd(
        work,
        "get-staging-mismatch-report",
        &url,
        &[
            "-subscriberId",
            id,
            "-recordType",
            "MEDIA_ITEM",
            "-recordAction",
            "CREATE",
        ],
    ))
    .await;
    assert_eq!(code(&o), 10, "{}", show(&o));
    let files = csv_files(&work.join("store").join("outputFiles"));
    assert_eq!(files.len(), 2, "a second report never overwrites the first");

    // One record deleted on the subscriber, compared on both environments.
    let (_, _, missing) = want.iter().find(|(t, _, _)| t == "MEDIA_ITEM").unwrap();
    let compare = |env: bool| {
        let mut args = vec!["-recordType", "MEDIA_ITEM", "-recordId", missing, "--json"];
        if env {
            args.extend([
                "--subscriber-hostname",
                "127.0.0.1",
                "--subscriber-port",
                &sub_port,
            ]);
        }
        cmd(work, "compare-record", &url, &args)
    };
    let o = run(compare(true)).await;
    assert_eq!(code(&o), 10, "missing on the subscriber: {}", show(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (&c["onPublisher"], &c["onSubscriber"]),
        (&Value::Bool(true), &Value::Bool(false)),
        "{c}"
    );
    let o = run(compare(false)).await;
    assert_eq!(code(&o), 0, "the subscriber side not read: {}", show(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(c["onSubscriber"].is_null(), "{c}");
    assert!(
        c["subscriberNote"]
            .as_str()
            .unwrap()
            .contains("--subscriber-hostname"),
        "{c}"
    );

    let mut args = vec![
        "-subscriberId",
        id,
        "--wait",
        "--subscriber-hostname",
        "127.0.0.1",
        "--subscriber-port",
        &sub_port,
    ];
    args.extend(FAST);
    let o = run(cmd(work, "start-staging-resync", &url, &args)).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("resync done"),
        "{}",
        show(&o)
    );

    let o = run(cmd(
        work,
        "delete-staging-mismatch",
        &url,
        &["-subscriberId", id],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    // The logs were kept before they were deleted: one complete copy in the archive folder.
    let archived = csv_files(&work.join("store").join("outputFiles").join("archive"));
    assert_eq!(archived.len(), 1, "{archived:?}: {}", show(&o));
    assert!(!report_set(&archived[0]).is_empty());
    assert!(String::from_utf8_lossy(&o.stdout).contains("checked against a fresh count"));
    let mut args = vec!["-subscriberId", id, "--wait"];
    args.extend(FAST);
    let o = run(cmd(work, "find-staging-mismatch", &url, &args)).await;
    assert_eq!(code(&o), 0, "in sync after resync: {}", show(&o));
    let o = run(cmd(
        work,
        "get-staging-mismatch-report",
        &url,
        &["-subscriberId", id, "-reportPath", "verify.csv"],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(report_set(&work.join("verify.csv")).is_empty());

    let st = p.stats().await;
    assert_eq!(st["findTriggers"], 2, "{st}");
    assert_eq!(st["resyncTriggers"], 1, "{st}");
    assert!(temp_files(work).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_watch_and_resumed() {
    let pair = pair_with(|c| c.find_batch_delay = Duration::from_millis(150)).await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let p = Sim::login(&url).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    let state_file = work.join("run-state.json");
    let sf = state_file.to_string_lossy().to_string();
    let mut args = vec![
        "-subscriberId",
        pair.sub_id.as_str(),
        "--wait",
        "--state-file",
        &sf,
    ];
    args.extend(FAST);
    let mut child = cmd(work, "find-staging-mismatch", &url, &args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the saved state says it is watching, then kill the process outright.
    let mut watching = false;
    for _ in 0..400 {
        if let Ok(text) = std::fs::read_to_string(&state_file) {
            if text.contains("\"phase\": \"watching\"") {
                watching = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(watching, "the run never saved a watching state");
    child.kill().await.unwrap();

    let mut args = vec!["--resume", sf.as_str()];
    args.extend(FAST);
    let o = run(cmd(work, "find-staging-mismatch", &url, &args)).await;
    assert_eq!(code(&o), 10, "{}", show(&o));
    let state = dx_staging::RunState::load(&state_file).unwrap();
    assert_eq!(report_set(&work.join(&state.report.unwrap().path)), want);
    assert_eq!(
        p.stats().await["findTriggers"],
        1,
        "resume never re-triggers"
    );
    assert!(temp_files(work).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_for_usage_auth_and_network() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();

    let mut c = cmd(work, "get-all-subscribers", &url, &[]);
    c.env_remove("DX_PASSWORD");
    let o = run(c).await;
    assert_eq!(code(&o), 2, "no password is a usage error: {}", show(&o));

    let o = run(cmd(
        work,
        "get-all-subscribers",
        &url,
        &["-dxPassword", "wrong"],
    ))
    .await;
    assert_eq!(code(&o), 3, "{}", show(&o));

    let o = run(cmd(
        work,
        "get-all-subscribers",
        &url,
        &["-hostname", "http://x"],
    ))
    .await;
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("hostname"));

    let o = run(cmd(
        work,
        "find-staging-mismatch",
        &url,
        &["-subscriberId", "nope"],
    ))
    .await;
    assert_eq!(code(&o), 4, "unknown subscriber: {}", show(&o));

    let mut c = cmd(
        work,
        "get-all-subscribers",
        &url,
        &["--password-stdin", "--json"],
    );
    c.env_remove("DX_PASSWORD")
        .stdin(std::process::Stdio::piped());
    c.stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"wpsadmin\n").await.unwrap();
    }
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(code(&o), 0, "{}", show(&o));

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://127.0.0.1:{}", dead.local_addr().unwrap().port());
    drop(dead);
    let o = run(cmd(work, "get-all-subscribers", &dead_url, &["--json"])).await;
    assert_eq!(code(&o), 5, "{}", show(&o));
    let err: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(err["error"]["code"], "connection_refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_needs_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dam_sim::Role::Publisher, dir.path(), "tls.db", 0);
    c.tls = true;
    let env = dam_sim::start(c).await.unwrap();
    let ca = env.ca_pem_path().unwrap().to_string_lossy().to_string();
    let o = run(cmd(dir.path(), "get-all-subscribers", env.url(), &[])).await;
    assert_eq!(code(&o), 5, "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("custom CA"),
        "{}",
        show(&o)
    );
    let o = run(cmd(
        dir.path(),
        "get-all-subscribers",
        env.url(),
        &["--ca-file", &ca],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));
}

/// The cycle find → report → resync → delete → find, 20 times, with 30 % of the publisher's
/// answers (logins and trigger PATCHes included) a 500, 502, 503 or 504 (a fixed seed) and every
/// session token expiring after 3 s: each cycle completes, and exactly one trigger per step
/// lands (the simulator counts the triggers it accepted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_cycles_through_transient_errors_and_expiring_tokens() {
    const CYCLES: u64 = 20;
    let pair = pair_with(|c| {
        if c.role == dam_sim::Role::Publisher {
            c.token_ttl = Duration::from_secs(3);
        }
    })
    .await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let sub_port = pair.subscriber.port().to_string();
    let id = pair.sub_id.as_str();
    let p = Sim::login(&url).await;
    p.faults(serde_json::json!({
        "errorRate": 0.3,
        "errorStatuses": [500, 502, 503, 504],
        "seed": 20261130
    }))
    .await;
    for cycle in 1..=CYCLES {
        let s = Sim::login(pair.subscriber.url()).await;
        let want = s.mutate("KEYWORD", "alter", 2).await;
        // Quick first retries keep the test short; the rule is the same as with the defaults.
        let mut find = vec![
            "-subscriberId",
            id,
            "--wait",
            "--json",
            "--retry-min-ms",
            "20",
        ];
        find.extend(FAST);
        let o = run(cmd(work, "find-staging-mismatch", &url, &find)).await;
        assert_eq!(code(&o), 10, "cycle {cycle}, find: {}", show(&o));
        let state: Value = serde_json::from_slice(&o.stdout).unwrap();
        let report = state["report"]["path"].as_str().unwrap();
        assert!(
            want.is_subset(&report_set(&work.join(report))),
            "cycle {cycle}"
        );

        let mut resync = vec![
            "-subscriberId",
            id,
            "--wait",
            "--subscriber-hostname",
            "127.0.0.1",
            "--subscriber-port",
            &sub_port,
            "--retry-min-ms",
            "20",
        ];
        resync.extend(FAST);
        let o = run(cmd(work, "start-staging-resync", &url, &resync)).await;
        assert_eq!(code(&o), 0, "cycle {cycle}, resync: {}", show(&o));

        let o = run(cmd(
            work,
            "delete-staging-mismatch",
            &url,
            &["-subscriberId", id, "--retry-min-ms", "20"],
        ))
        .await;
        assert_eq!(code(&o), 0, "cycle {cycle}, delete: {}", show(&o));

        let o = run(cmd(work, "find-staging-mismatch", &url, &find)).await;
        assert_eq!(
            code(&o),
            0,
            "cycle {cycle}, in sync after resync: {}",
            show(&o)
        );
    }
    let p = Sim::login(&url).await;
    let st = p.stats().await;
    assert_eq!(st["findTriggers"], 2 * CYCLES, "{st}");
    assert_eq!(st["resyncTriggers"], CYCLES, "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_host_is_flagged_on_stderr() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let port = reqwest::Url::parse(&url).unwrap().port().unwrap();
    let remote_url = format!("http://dx.example.com:{port}");
    // A host that is not this machine, reached through the simulator acting as the HTTP proxy
    // (the client honours HTTP_PROXY), so the command succeeds.
    let remote = |extra: &[&str]| {
        let mut c = cmd(work, "get-all-subscribers", &remote_url, extra);
        c.env("HTTP_PROXY", &url)
            .env("http_proxy", &url)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        c
    };

    let o = run(remote(&["--json"])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let list: Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON only");
    assert_eq!(list.as_array().unwrap().len(), 1, "{}", show(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let warning: Value = stderr
        .lines()
        .find_map(|l| {
            serde_json::from_str::<Value>(l)
                .ok()
                .filter(|v| v.get("warning").is_some())
        })
        .unwrap_or_else(|| panic!("no JSON warning line: {}", show(&o)));
    assert_eq!(warning["warning"]["code"], "plaintext_remote");
    assert!(
        warning["warning"]["message"]
            .as_str()
            .unwrap()
            .contains("dx.example.com"),
        "{warning}"
    );

    let o = run(remote(&[])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("WARNING: -dxProtocol http to dx.example.com"),
        "{}",
        show(&o)
    );

    // Loopback over http is not flagged.
    let o = run(cmd(work, "get-all-subscribers", &url, &["--json"])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        show(&o)
    );
}
