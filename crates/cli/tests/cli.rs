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
    assert_eq!(
        code(&o),
        0,
        "mismatches found exit 0, as DXClient: {}",
        show(&o)
    );
    let state: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(state["outcome"]["result"], "mismatchesFound", "{state}");
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
            "--exit-code-on-mismatch",
        ],
    ))
    .await;
    assert_eq!(code(&o), 10, "mismatches, asked for 10: {}", show(&o));
    let files = csv_files(&work.join("store").join("outputFiles"));
    assert_eq!(files.len(), 2, "a second report never overwrites the first");

    // One record deleted on the subscriber, compared on both environments.
    let (_, _, missing) = want.iter().find(|(t, _, _)| t == "MEDIA_ITEM").unwrap();
    let compare = |env: bool| {
        let mut args = vec![
            "-recordType",
            "MEDIA_ITEM",
            "-recordId",
            missing,
            "--json",
            "--exit-code-on-mismatch",
        ];
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

    let mut args = vec!["--resume", sf.as_str(), "--exit-code-on-mismatch"];
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
            "--exit-code-on-mismatch",
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

/// The variables that hold passwords, removed from a command so the test decides them.
const PASSWORD_VARS: [&str; 3] = [
    "DX_PASSWORD",
    "DX_SUBSCRIBER_PASSWORD",
    "DX_TARGET_PASSWORD",
];

/// `dam-staging manage-dam-staging <command> <extra>` in `dir`, without connection flags and
/// without any password variable.
fn bare(dir: &Path, command: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .arg("manage-dam-staging")
        .arg(command)
        .args(extra)
        .kill_on_drop(true);
    for v in PASSWORD_VARS {
        c.env_remove(v);
    }
    c
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The JSON lines of stderr (`--json`: warnings and errors).
fn stderr_json(o: &Output) -> Vec<Value> {
    stderr(o)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// An admin session on an environment with its own user and password (the `Sim` helper logs
/// in as the default admin only).
struct Admin {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Admin {
    async fn login(base: &str, user: &str, password: &str) -> Admin {
        let http = reqwest::Client::new();
        let resp = http
            .post(format!("{base}/dx/api/core/v1/auth/login"))
            .json(&serde_json::json!({"username": user, "password": password}))
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "login as {user}: {}",
            resp.status()
        );
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
            })
            .expect("a session cookie");
        Admin {
            http,
            base: base.to_string(),
            cookie,
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", format!("LtpaToken2={}", self.cookie))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }
}

/// The subscribers `get-all-subscribers --json` lists.
async fn listed(work: &Path, url: &str) -> Vec<Value> {
    let o = run(cmd(work, "get-all-subscribers", url, &["--json"])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_list_and_deregister_a_subscriber() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    // A second subscriber environment with its own administrator password.
    let mut c = config(dam_sim::Role::Subscriber, work, "sub2.db", 0);
    c.password = "second-subscriber-pw".into();
    let sub2 = dam_sim::start(c).await.unwrap();
    let target = format!("127.0.0.1:{}", sub2.port());
    let register = |password: &str, extra: &[&str]| {
        let mut args = vec![
            "-targetHostname",
            target.as_str(),
            "-targetServerUsername",
            dam_sim::DEFAULT_USERNAME,
        ];
        args.extend_from_slice(extra);
        let mut c = cmd(work, "register-dam-subscriber", &url, &args);
        c.env("DX_TARGET_PASSWORD", password);
        c
    };

    // The interval is checked before anything else.
    for bad in ["0", "1441", "soon"] {
        let o = run(register("second-subscriber-pw", &["-interval", bad])).await;
        assert_eq!(code(&o), 2, "-interval {bad}: {}", show(&o));
        assert!(stderr(&o).contains("-interval"), "{}", show(&o));
    }

    let o = run(register(
        "second-subscriber-pw",
        &["-interval", "5", "--json"],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = out["subscriberId"].as_str().unwrap().to_string();
    assert_eq!(
        out["registeredThroughApi"],
        serde_json::json!({"targetHost": target, "cycleLength": 5, "status": true})
    );
    assert_eq!(out["transferCredentialsSet"], false);
    assert!(
        out["operatorMustStill"]
            .as_str()
            .unwrap()
            .contains("<release>-dam-staging"),
        "{out}"
    );
    let warning = stderr_json(&o)
        .into_iter()
        .find(|v| v["warning"]["code"] == "transfer_credentials_not_set")
        .unwrap_or_else(|| panic!("no warning about the secret: {}", show(&o)));
    assert!(warning["warning"]["message"]
        .as_str()
        .unwrap()
        .contains("<release>-dam-staging"));

    let subs = listed(work, &url).await;
    let new = subs
        .iter()
        .find(|s| s["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not listed: {subs:?}"));
    assert_eq!(new["targetHost"], target.as_str());
    assert_eq!(new["cycleLength"], 5);

    // Registered already: DX's 409 is said as it is, not as a running job.
    let o = run(register("second-subscriber-pw", &[])).await;
    assert_eq!(code(&o), 4, "{}", show(&o));
    assert!(
        !stderr(&o).contains("job is already running"),
        "{}",
        show(&o)
    );

    let o = run(cmd(
        work,
        "deregister-dam-subscriber",
        &url,
        &["-subscriberId", &id],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let text = stdout(&o);
    assert!(text.contains("periodic staging to it stops"), "{text}");
    assert!(text.contains("mismatch logs"), "{text}");
    assert!(
        !listed(work, &url)
            .await
            .iter()
            .any(|s| s["id"] == id.as_str()),
        "still listed"
    );

    let o = run(cmd(
        work,
        "deregister-dam-subscriber",
        &url,
        &["-subscriberId", &id, "--json"],
    ))
    .await;
    assert_eq!(code(&o), 4, "a second deregister: {}", show(&o));
    let err = &stderr_json(&o)[0]["error"];
    assert_eq!(err["code"], "unknown_subscriber", "{err}");
    let m = err["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("subscriber {id} is not registered")),
        "{m}"
    );
    assert!(m.contains("deregistered already"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_refuses_the_login_is_not_registered() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let mut c = config(dam_sim::Role::Subscriber, work, "sub2.db", 0);
    c.password = "right-pw".into();
    let sub2 = dam_sim::start(c).await.unwrap();
    let target = format!("127.0.0.1:{}", sub2.port());
    let args = [
        "-targetHostname",
        target.as_str(),
        "-targetServerUsername",
        dam_sim::DEFAULT_USERNAME,
    ];

    let mut c = cmd(work, "register-dam-subscriber", &url, &args);
    c.env("DX_TARGET_PASSWORD", "wrong-pw");
    let o = run(c).await;
    assert_eq!(code(&o), 3, "bad target credentials: {}", show(&o));
    let e = stderr(&o);
    assert!(e.contains(&target), "names the target: {e}");
    assert!(e.contains("nothing was registered"), "{e}");
    assert!(!e.contains("wrong-pw"), "never prints the password: {e}");

    // No password at all: a usage error naming the ways to give it.
    let mut c = cmd(work, "register-dam-subscriber", &url, &args);
    c.env_remove("DX_TARGET_PASSWORD");
    let o = run(c).await;
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("DX_TARGET_PASSWORD"), "{}", show(&o));

    // A target that does not answer.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_target = format!("127.0.0.1:{}", dead.local_addr().unwrap().port());
    drop(dead);
    let mut c = cmd(
        work,
        "register-dam-subscriber",
        &url,
        &[
            "-targetHostname",
            &dead_target,
            "-targetServerUsername",
            dam_sim::DEFAULT_USERNAME,
        ],
    );
    c.env("DX_TARGET_PASSWORD", "right-pw");
    let o = run(c).await;
    assert_eq!(code(&o), 5, "{}", show(&o));
    assert!(stderr(&o).contains(&dead_target), "{}", show(&o));

    let subs = listed(work, &url).await;
    assert_eq!(subs.len(), 1, "nothing was registered: {subs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_before_the_find_completed_needs_force_download() {
    // Finds that take about 10 s, so one is still running while the reports are asked for.
    let pair = pair_with(|c| {
        c.minute = Duration::from_millis(500);
        c.find_duration_minutes = Some(20);
    })
    .await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let id = pair.sub_id.as_str();
    let report = |extra: &[&str]| {
        let mut args = vec!["-subscriberId", id];
        args.extend_from_slice(extra);
        cmd(work, "get-staging-mismatch-report", &url, &args)
    };

    // No find has run for the subscriber yet.
    let o = run(report(&[])).await;
    assert_eq!(code(&o), 8, "{}", show(&o));
    let e = stderr(&o);
    assert!(e.contains("was not downloaded"), "{e}");
    assert!(e.contains("no find has run"), "{e}");
    assert!(e.contains("-forceDownload true"), "{e}");
    assert!(csv_files(&work.join("store").join("outputFiles")).is_empty());

    let o = run(cmd(
        work,
        "find-staging-mismatch",
        &url,
        &["-subscriberId", id, "--keep-old-logs"],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));

    // The find runs: refused, with or without -forceDownload false, for one or all subscribers.
    for extra in [&[][..], &["-forceDownload", "false"][..]] {
        let o = run(report(extra)).await;
        assert_eq!(code(&o), 8, "{extra:?}: {}", show(&o));
        assert!(stderr(&o).contains("still running"), "{}", show(&o));
    }
    let o = run(cmd(work, "get-staging-mismatch-report", &url, &["--json"])).await;
    assert_eq!(code(&o), 8, "all subscribers: {}", show(&o));
    let err = &stderr_json(&o)[0]["error"];
    assert_eq!(err["code"], "refused", "{err}");
    assert_eq!(err["rule"], "find_not_complete", "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("all subscribers"),
        "{err}"
    );

    // Forced: downloaded, and said to be possibly inaccurate (and why).
    let o = run(report(&["-forceDownload", "true", "--json"])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["forceDownload"], true);
    let why = &out["mayNotBeAccurate"][0];
    assert_eq!(why["subscriberId"], id);
    assert!(
        why["why"].as_str().unwrap().contains("still running"),
        "{out}"
    );
    assert!(work.join(out["path"].as_str().unwrap()).exists(), "{out}");
    assert!(
        stderr_json(&o)
            .iter()
            .any(|v| v["warning"]["code"] == "report_may_not_be_accurate"),
        "{}",
        show(&o)
    );
    let o = run(report(&["-forceDownload", "true"])).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stdout(&o).contains("may not be accurate"), "{}", show(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mismatches_exit_0_as_dxclient_and_10_when_asked() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    let id = pair.sub_id.as_str();

    let mut args = vec!["-subscriberId", id, "--wait"];
    args.extend(FAST);
    let o = run(cmd(work, "find-staging-mismatch", &url, &args)).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stdout(&o).contains("mismatch"), "{}", show(&o));
    assert!(
        stderr(&o).contains("find watch: DX CF218 or later"),
        "the rule is said: {}",
        show(&o)
    );
    assert!(
        stdout(&o).contains("find watch: DX CF218 or later"),
        "{}",
        show(&o)
    );

    let o = run(cmd(
        work,
        "get-staging-mismatch-report",
        &url,
        &["-subscriberId", id, "--json"],
    ))
    .await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["rows"], want.len(), "{out}");
    let o = run(cmd(
        work,
        "get-staging-mismatch-report",
        &url,
        &["-subscriberId", id, "--exit-code-on-mismatch"],
    ))
    .await;
    assert_eq!(code(&o), 10, "{}", show(&o));

    // A find before CF218, watched by the 30-minute limit, asked for 10.
    let mut args = vec![
        "-subscriberId",
        id,
        "--wait",
        "--json",
        "--dx-before-cf218",
        "--exit-code-on-mismatch",
    ];
    args.extend(FAST);
    let o = run(cmd(work, "find-staging-mismatch", &url, &args)).await;
    assert_eq!(code(&o), 10, "{}", show(&o));
    let state: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(state["config"]["findWatch"], "timeLimit", "{state}");
    assert_eq!(state["outcome"]["result"], "mismatchesFound", "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscriber_environment_has_its_own_credentials() {
    const SUB_USER: &str = "subadmin";
    const SUB_PW: &str = "subscriber-only-pw";
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let mut sc = config(dam_sim::Role::Subscriber, work, "sub.db", 0);
    sc.username = SUB_USER.into();
    sc.password = SUB_PW.into();
    let subscriber = dam_sim::start(sc).await.unwrap();
    let target = format!("127.0.0.1:{}", subscriber.port());
    let mut pc = config(dam_sim::Role::Publisher, work, "pub.db", 0);
    // The publisher's stand-in for the `<release>-dam-staging` secret.
    pc.peer_credentials
        .insert(target.clone(), (SUB_USER.into(), SUB_PW.into()));
    let publisher = dam_sim::start(pc).await.unwrap();
    let url = publisher.url().to_string();
    let p = Sim::login(&url).await;
    let s = Admin::login(subscriber.url(), SUB_USER, SUB_PW).await;
    let seed = serde_json::json!({"collections": 3, "itemsPerCollection": 4});
    p.post("/sim/v1/seed", seed.clone()).await;
    s.post("/sim/v1/seed", seed).await;
    let reg = p
        .post(
            "/dx/api/dam/v1/staging/subscriber",
            serde_json::json!({"targetHost": target, "cycleLength": 30, "status": true}),
        )
        .await;
    let id = reg["id"].as_str().unwrap().to_string();
    let deleted = s
        .post(
            "/sim/v1/mutate",
            serde_json::json!({"recordType": "MEDIA_ITEM", "op": "delete", "count": 1}),
        )
        .await;
    let missing = deleted[0]["id"].as_str().unwrap().to_string();
    let sub_port = subscriber.port().to_string();
    let compare = |own: bool| {
        let mut args = vec![
            "-recordType",
            "MEDIA_ITEM",
            "-recordId",
            missing.as_str(),
            "--json",
            "--exit-code-on-mismatch",
            "--subscriber-hostname",
            "127.0.0.1",
            "--subscriber-port",
            sub_port.as_str(),
        ];
        if own {
            args.extend(["--subscriber-username", SUB_USER]);
        }
        let mut c = cmd(work, "compare-record", &url, &args);
        if own {
            c.env("DX_SUBSCRIBER_PASSWORD", SUB_PW);
        }
        c
    };

    // With the publisher's credentials the subscriber environment refuses the login.
    let o = run(compare(false)).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(c["onSubscriber"].is_null(), "{c}");
    assert!(
        c["subscriberNote"].as_str().unwrap().contains("rejected"),
        "{c}"
    );

    // With its own: read there, and missing.
    let o = run(compare(true)).await;
    assert_eq!(code(&o), 10, "{}", show(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["onSubscriber"], false, "{c}");
    assert!(!stderr(&o).contains(SUB_PW));

    // A followed find with the subscriber environment reached as its own administrator.
    let mut args = vec![
        "-subscriberId",
        id.as_str(),
        "--wait",
        "--json",
        "--subscriber-hostname",
        "127.0.0.1",
        "--subscriber-port",
        sub_port.as_str(),
        "--subscriber-username",
        SUB_USER,
    ];
    args.extend(FAST);
    let mut c = cmd(work, "find-staging-mismatch", &url, &args);
    c.env("DX_SUBSCRIBER_PASSWORD", SUB_PW);
    let o = run(c).await;
    assert_eq!(code(&o), 0, "{}", show(&o));
    let state: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(state["outcome"]["result"], "mismatchesFound", "{state}");
    let report = report_set(&work.join(state["report"]["path"].as_str().unwrap()));
    assert!(
        report.contains(&("MEDIA_ITEM".into(), "CREATE".into(), missing.clone())),
        "{report:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dxclient_config_json_gives_the_defaults_and_flags_win() {
    let pair = pair().await;
    let work = pair.dir.path();
    let url = pair.publisher.url().to_string();
    let port = reqwest::Url::parse(&url)
        .unwrap()
        .port()
        .unwrap()
        .to_string();
    let store = work.join("store");
    std::fs::create_dir_all(&store).unwrap();
    let write = |name: &str, text: &str| std::fs::write(store.join(name), text).unwrap();
    // As DXClient writes it: ports as strings, unset values empty, keys of other commands.
    write(
        "config.json",
        &serde_json::json!({
            "dxProtocol": "http",
            "hostname": "127.0.0.1",
            "dxPort": port,
            "dxUsername": dam_sim::DEFAULT_USERNAME,
            "dxPassword": dam_sim::DEFAULT_PASSWORD,
            "damAPIPort": port,
            "ringAPIPort": port,
            "damAPIVersion": "v1",
            "ringAPIVersion": "",
            "xmlConfigPath": "",
        })
        .to_string(),
    );
    let o = run(bare(work, "get-all-subscribers", &["--json"])).await;
    assert_eq!(code(&o), 0, "defaults from store/config.json: {}", show(&o));
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list[0]["id"], pair.sub_id.as_str());

    // Flags win over the file.
    let o = run(bare(
        work,
        "get-all-subscribers",
        &["-dxPassword", "not-the-password"],
    ))
    .await;
    assert_eq!(code(&o), 3, "the flag's password is used: {}", show(&o));

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port().to_string();
    drop(dead);
    let wrong = serde_json::json!({
        "dxProtocol": "http",
        "hostname": "127.0.0.1",
        "dxUsername": "nobody",
        "dxPassword": "wrong-password-in-file",
        "damAPIPort": dead_port,
        "ringAPIPort": dead_port,
    })
    .to_string();
    write("other.json", &wrong);
    let o = run(cmd(
        work,
        "get-all-subscribers",
        &url,
        &["--config", "store/other.json"],
    ))
    .await;
    assert_eq!(code(&o), 0, "flags and DX_PASSWORD win: {}", show(&o));
    let o = run(bare(
        work,
        "get-all-subscribers",
        &[
            "--config",
            "store/other.json",
            "-dxUsername",
            dam_sim::DEFAULT_USERNAME,
            "--retries",
            "0",
        ],
    ))
    .await;
    assert_eq!(code(&o), 5, "the file's ports are used: {}", show(&o));

    // A file that cannot be used is named, with the place or the key; never the password.
    write("config.json", "{\n  \"hostname\": \"127.0.0.1\",,\n}");
    let o = run(bare(work, "get-all-subscribers", &[])).await;
    assert_eq!(code(&o), 1, "{}", show(&o));
    let e = stderr(&o);
    let name = Path::new("store").join("config.json").display().to_string();
    assert!(e.contains(&name), "{e}");
    assert!(e.contains("line 2"), "{e}");
    write(
        "config.json",
        r#"{"hostname": "127.0.0.1", "dxPort": "eighty", "dxPassword": "secret-in-file"}"#,
    );
    let o = run(bare(work, "get-all-subscribers", &["--json"])).await;
    assert_eq!(code(&o), 1, "{}", show(&o));
    let err = &stderr_json(&o)[0]["error"];
    assert_eq!(err["code"], "config", "{err}");
    let m = err["message"].as_str().unwrap();
    assert!(
        m.contains(&name) && m.contains("dxPort") && m.contains("eighty"),
        "{m}"
    );
    assert!(!stderr(&o).contains("secret-in-file"), "{}", show(&o));
    let o = run(bare(
        work,
        "get-all-subscribers",
        &["--config", "store/missing.json"],
    ))
    .await;
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(stderr(&o).contains("missing.json"), "{}", show(&o));

    // Without a file, the host is asked for by its flag.
    std::fs::remove_file(store.join("config.json")).unwrap();
    let o = run(bare(work, "get-all-subscribers", &["-dxPassword", "x"])).await;
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("-hostname"), "{}", show(&o));
}
