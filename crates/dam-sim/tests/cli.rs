//! The `dam-sim` binary: `serve` and `demo` print one JSON line and serve.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use reqwest::Method;
use serde_json::Value;

/// Kills the child when the test ends, even on failure.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dam-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dam-sim starts");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("one line");
    let v: Value =
        serde_json::from_str(line.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    (running, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_its_url_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let (_child, v) = spawn(&[
        "serve",
        "--role",
        "publisher",
        "--port",
        "0",
        "--db",
        db.to_str().unwrap(),
        "--user",
        "admin",
        "--password",
        "s3cret",
    ]);
    assert_eq!(v["role"], "publisher");
    let url = v["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let mut api = Api::new(url);
    let (st, _, _) = api.login_raw("wpsadmin", "wpsadmin").await;
    assert_eq!(st, reqwest::StatusCode::UNAUTHORIZED);
    api.login("admin", "s3cret").await;
    let subs = api
        .ok(Method::GET, &format!("{DAM}/staging/subscriber"), None)
        .await;
    assert_eq!(subs, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_its_environments_and_is_slightly_broken() {
    let dir = tempfile::tempdir().unwrap();
    let (_child, v) = spawn(&[
        "demo",
        "--dir",
        dir.path().to_str().unwrap(),
        "--assets",
        "100",
    ]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "{v}");
    let (user, pass) = (
        v["username"].as_str().unwrap(),
        v["password"].as_str().unwrap(),
    );
    assert_eq!(user, "wpsadmin");
    assert!(pass.len() >= 16);
    let mut p = Api::new(v["publisher"].as_str().unwrap());
    p.login(user, pass).await;
    let mut s = Api::new(v["subscriber"].as_str().unwrap());
    s.login(user, pass).await;
    let sub_id = v["subscriberId"].as_str().unwrap();
    let sub = p
        .ok(
            Method::GET,
            &format!("{DAM}/staging/subscriber/{sub_id}"),
            None,
        )
        .await;
    let port = v["subscriber"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        sub["targetHost"].as_str().unwrap(),
        format!("127.0.0.1:{port}")
    );
    assert_eq!(
        p.trigger_and_wait(sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    let logs = p.logs(sub_id, 1000).await;
    assert!(
        !logs.is_empty() && logs.len() < 100,
        "slightly broken: {} logs",
        logs.len()
    );
    for a in ["CREATE", "UPDATE", "DELETE"] {
        assert!(
            logs.iter().any(|(_, la, _)| la == a),
            "no {a} in the demo drift"
        );
    }
}
