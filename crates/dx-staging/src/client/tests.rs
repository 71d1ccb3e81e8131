//! Error mapping, re-login and retries against a tiny scripted HTTP server on 127.0.0.1:0.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::*;
use crate::model::{OperationStatus, ResyncStatus};

/// One request as the mock saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: String,
    cookie: String,
}

impl Seen {
    /// A query parameter's value, as sent.
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find_map(|(k, v)| (k == name).then_some(v))
    }

    /// A numeric query parameter (0 when absent or not a number).
    fn number(&self, name: &str) -> usize {
        self.param(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
}

type Script = dyn Fn(&Seen, usize) -> Response + Send + Sync;

struct Mock {
    addr: std::net::SocketAddr,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Mock {
    async fn start(script: impl Fn(&Seen, usize) -> Response + Send + Sync + 'static) -> Mock {
        let script: Arc<Script> = Arc::new(script);
        let counts = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (c, s) = (counts.clone(), seen.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, _body: Bytes| {
                let (script, c, s) = (script.clone(), c.clone(), s.clone());
                async move {
                    let req = Seen {
                        method: method.clone(),
                        path: uri.path().to_string(),
                        query: uri.query().unwrap_or("").to_string(),
                        cookie: headers
                            .get("cookie")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_string(),
                    };
                    let key = format!("{} {}", method, uri.path());
                    let n = {
                        let mut m = c.lock().unwrap();
                        let e = m.entry(key).or_insert(0);
                        *e += 1;
                        *e
                    };
                    s.lock().unwrap().push(req.clone());
                    script(&req, n)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Mock {
            addr,
            counts,
            seen,
            _shutdown: tx,
        }
    }

    fn count(&self, key: &str) -> usize {
        *self.counts.lock().unwrap().get(key).unwrap_or(&0)
    }

    fn client(&self) -> Client {
        let mut p = Profile::new("127.0.0.1", "admin");
        p.dx_protocol = "http".into();
        p.ring_api_port = self.addr.port().into();
        p.dam_api_port = self.addr.port().into();
        p.timeouts.request_secs = 1;
        Client::builder(&p, "pw")
            .retry(RetryPolicy {
                min_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                max_retries: 4,
            })
            .build()
            .unwrap()
    }
}

const LOGIN: &str = "POST /dx/api/core/v1/auth/login";
const SUBS: &str = "/dx/api/dam/v1/staging/subscriber";

fn login_ok(n: usize) -> Response {
    (
        StatusCode::OK,
        [("set-cookie", format!("LtpaToken2=tok{n}; Path=/; HttpOnly"))],
        axum::Json(json!({"statusCode": 200, "message": "ok"})),
    )
        .into_response()
}

fn dam_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"statusCode": status.as_u16().to_string(), "message": message, "name": "Err"}})),
    )
        .into_response()
}

fn subscriber(id: &str, status: &str, t: &str) -> Value {
    json!({"id": id, "targetHost": "127.0.0.1:1", "status": true, "created": t, "updated": t,
           "resyncStatus": status, "lastResyncTime": t})
}

#[tokio::test]
async fn bad_credentials_at_login() {
    let mock = Mock::start(|_, _| {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(
                json!({"error": {"code": "401", "message": "Unauthorized", "reason": "bad"}}),
            ),
        )
            .into_response()
    })
    .await;
    let e = mock.client().subscribers().list().await.unwrap_err();
    assert_eq!(e.code(), "bad_credentials", "{e}");
    assert!(e.to_string().contains("127.0.0.1"));
    assert_eq!(mock.count(LOGIN), 1);
}

#[tokio::test]
async fn status_codes_map_to_kinds_with_dx_message() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        match req.path.as_str() {
            p if p.ends_with("/subscriber/missing") => {
                dam_error(StatusCode::NOT_FOUND, "Subscriber missing not found")
            }
            p if p.ends_with("/subscriber/forbidden") => {
                dam_error(StatusCode::FORBIDDEN, "admin only")
            }
            p if p.ends_with("/subscriber/busy") && req.method == Method::PATCH => {
                dam_error(StatusCode::CONFLICT, "find already running")
            }
            // Read as finished, then a 409 on the PATCH: another trigger won the race.
            p if p.ends_with("/subscriber/busy") => {
                axum::Json(subscriber("busy", "FIND_MISMATCH_COMPLETED", "t")).into_response()
            }
            // Read as running (DXClient or another workstation started it).
            p if p.ends_with("/subscriber/running") => {
                axum::Json(subscriber("running", "RESYNC_TRIGGER_START", "t")).into_response()
            }
            p if p.ends_with("/subscriber/broken") => {
                dam_error(StatusCode::INTERNAL_SERVER_ERROR, "database is down")
            }
            p if p.ends_with("/subscriber/garbage") => {
                (StatusCode::OK, "<html>proxy login page</html>").into_response()
            }
            _ => StatusCode::IM_A_TEAPOT.into_response(),
        }
    })
    .await;
    let c = mock.client();
    let subs = c.subscribers();
    let e = subs.get("missing").await.unwrap_err();
    assert!(
        matches!(&e, Error::UnknownSubscriber { id, message } if id == "missing" && message.contains("not found"))
    );
    let e = subs.get("forbidden").await.unwrap_err();
    assert_eq!(e.code(), "not_admin");
    assert!(e.to_string().contains("admin only"));
    let e = subs.start_find("busy").await.unwrap_err();
    assert_eq!(e.code(), "job_already_running");
    assert!(e.to_string().contains("find already running"));
    assert_eq!(mock.count(&format!("PATCH {SUBS}/busy")), 1);
    // A job already running is never triggered over: refused before any PATCH.
    let e = subs.start_find("running").await.unwrap_err();
    assert!(
        matches!(&e, Error::Refused { rule: crate::Rule::JobRunning, message } if message.contains("a resync is already running for subscriber running (RESYNC_TRIGGER_START since t)")),
        "{e}"
    );
    assert_eq!(mock.count(&format!("PATCH {SUBS}/running")), 0);
    let e = subs.get("broken").await.unwrap_err();
    assert!(matches!(&e, Error::Server { status: 500, message } if message == "database is down"));
    let e = subs.get("garbage").await.unwrap_err();
    assert_eq!(e.code(), "undecodable_answer");
    assert!(e.to_string().contains("proxy login page"));
    // exactly one login for all of these, and the cookie was sent
    assert_eq!(mock.count(LOGIN), 1);
    let seen = mock.seen.lock().unwrap().clone();
    assert!(seen
        .iter()
        .filter(|s| s.path.starts_with("/dx/api/dam"))
        .all(|s| s.cookie == "LtpaToken2=tok1"));
}

#[tokio::test]
async fn expired_token_relogs_once_and_retries_once() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        if req.cookie == "LtpaToken2=tok1" {
            return dam_error(StatusCode::UNAUTHORIZED, "token expired");
        }
        axum::Json(json!([subscriber("s1", "FIND_MISMATCH_COMPLETED", "t")])).into_response()
    })
    .await;
    let list = mock.client().subscribers().list().await.unwrap();
    assert_eq!(list[0].id_str(), "s1");
    assert_eq!(mock.count(LOGIN), 2);
    assert_eq!(mock.count(&format!("GET {SUBS}")), 2);
}

#[tokio::test]
async fn persistent_401_is_session_rejected_after_one_relogin() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        dam_error(StatusCode::UNAUTHORIZED, "nope")
    })
    .await;
    let e = mock.client().subscribers().list().await.unwrap_err();
    assert_eq!(e.code(), "session_rejected");
    assert_eq!(mock.count(LOGIN), 2);
    assert_eq!(mock.count(&format!("GET {SUBS}")), 2);
}

#[tokio::test]
async fn reads_retry_on_gateway_errors() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        if n <= 2 {
            return dam_error(StatusCode::SERVICE_UNAVAILABLE, "busy");
        }
        axum::Json(json!({"contents": [subscriber("s1", "FIND_MISMATCH_START", "t")]}))
            .into_response()
    })
    .await;
    let list = mock.client().subscribers().list().await.unwrap();
    assert_eq!(list[0].resync_status, Some(ResyncStatus::FindMismatchStart));
    assert_eq!(mock.count(&format!("GET {SUBS}")), 3);
}

#[tokio::test]
async fn reads_give_up_after_the_retry_limit() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        dam_error(StatusCode::BAD_GATEWAY, "gateway")
    })
    .await;
    let e = mock.client().subscribers().list().await.unwrap_err();
    assert!(matches!(e, Error::Server { status: 502, .. }));
    assert_eq!(mock.count(&format!("GET {SUBS}")), 5);
}

#[tokio::test]
async fn lost_trigger_answer_is_confirmed_by_rereading_not_resent() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        match req.method {
            Method::PATCH => dam_error(StatusCode::BAD_GATEWAY, "proxy lost it"),
            // 1st GET = before (completed at t1); later GETs show the job running
            _ if n == 1 => {
                axum::Json(subscriber("s1", "FIND_MISMATCH_COMPLETED", "t1")).into_response()
            }
            _ => axum::Json(subscriber("s1", "FIND_MISMATCH_START", "t2")).into_response(),
        }
    })
    .await;
    let out = mock.client().subscribers().start_find("s1").await.unwrap();
    assert!(out.confirmed_by_reread);
    assert_eq!(out.patches_sent, 1);
    assert_eq!(mock.count(&format!("PATCH {SUBS}/s1")), 1);
}

#[tokio::test]
async fn trigger_that_did_not_land_is_sent_again_up_to_five_times_then_gives_up() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        match req.method {
            Method::PATCH => dam_error(StatusCode::GATEWAY_TIMEOUT, "timeout"),
            _ => axum::Json(subscriber("s1", "FIND_MISMATCH_COMPLETED", "t1")).into_response(),
        }
    })
    .await;
    let e = mock
        .client()
        .subscribers()
        .start_find("s1")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Server { status: 504, .. }));
    // Every send after the first only after a re-read proved the previous did not land.
    assert_eq!(
        mock.count(&format!("PATCH {SUBS}/s1")),
        MAX_TRIGGER_SENDS as usize
    );
    assert!(mock.count(&format!("GET {SUBS}/s1")) > MAX_TRIGGER_SENDS as usize);
}

#[tokio::test]
async fn trigger_sends_the_documented_body_once() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        match req.method {
            Method::PATCH => {
                axum::Json(subscriber("s1", "RESYNC_TRIGGER_START", "t2")).into_response()
            }
            _ => axum::Json(subscriber("s1", "FIND_MISMATCH_COMPLETED", "t1")).into_response(),
        }
    })
    .await;
    let out = mock
        .client()
        .subscribers()
        .start_resync("s1")
        .await
        .unwrap();
    assert_eq!(
        out.subscriber.resync_status,
        Some(ResyncStatus::ResyncTriggerStart)
    );
    assert!(!out.confirmed_by_reread);
    assert_eq!(mock.count(&format!("PATCH {SUBS}/s1")), 1);
}

#[tokio::test]
async fn mismatch_pages_until_an_empty_page_with_filters() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        let (offset, limit) = (req.number("offset"), req.number("limit"));
        let total = 7;
        let rows: Vec<Value> = (offset..total.min(offset + limit))
            .map(|i| json!({"id": format!("log{i}"), "subscriberId": req.param("subscriberId"),
                            "recordType": req.param("recordType"), "recordAction": "CREATE", "recordId": i}))
            .collect();
        axum::Json(rows).into_response()
    })
    .await;
    let c = mock.client();
    let rows = c
        .mismatches()
        .list(Some("s1"))
        .record_type(Some(mismatch_report::RecordType::Rendition))
        .page(0, 3)
        .all()
        .await
        .unwrap();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[6].log_id, "log6");
    assert_eq!(rows[0].subscriber_id, "s1");
    assert_eq!(rows[0].record_type, mismatch_report::RecordType::Rendition);
    // 3 + 3 + 1, then the empty page that ends the list.
    assert_eq!(mock.count("GET /dx/api/dam/v1/staging/mismatches"), 4);
}

/// A mock publisher whose subscriber `s1` has `first` logs at the first reading and `later`
/// at every reading after it (a find still writing); counts its DELETE calls.
async fn logs_that_change(first: usize, later: usize) -> Mock {
    Mock::start(move |req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        if req.path.ends_with("/staging/subscriber/s1") {
            return axum::Json(subscriber(
                "s1",
                "FIND_MISMATCH_COMPLETED",
                "2024-01-01T00:00:00Z",
            ))
            .into_response();
        }
        if req.method == Method::DELETE {
            return StatusCode::NO_CONTENT.into_response();
        }
        let (offset, limit) = (req.number("offset"), req.number("limit"));
        // Requests at offset 0 start a reading: the first one sees `first` logs.
        let total = if n == 1 || (offset > 0 && n <= 3) {
            first
        } else {
            later
        };
        let rows: Vec<Value> = (offset..total.min(offset + limit))
            .map(|i| {
                json!({"id": format!("log{i}"), "subscriberId": "s1",
                            "recordType": "RENDITION", "recordAction": "CREATE", "recordId": i})
            })
            .collect();
        axum::Json(rows).into_response()
    })
    .await
}

#[tokio::test]
async fn logs_are_deleted_only_after_a_checked_complete_copy() {
    let dir = tempfile::tempdir().unwrap();
    let opts = crate::report::FetchOptions {
        page_size: 2,
        concurrency: 1,
        bom: false,
    };
    // Unchanged logs: kept, checked, deleted.
    let mock = logs_that_change(3, 3).await;
    let copy = dir.path().join("kept.csv");
    let kept = crate::archive_then_delete_logs(
        &mock.client(),
        Some("s1"),
        &copy,
        &opts,
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(kept.rows, 3);
    assert_eq!(
        crate::report::read_meta(&copy).unwrap().complete,
        Some(true)
    );
    assert_eq!(mock.count("DELETE /dx/api/dam/v1/staging/mismatches"), 1);

    // A log more at the fresh count (a find still writing): refused, nothing deleted.
    let mock = logs_that_change(3, 4).await;
    let copy = dir.path().join("moved.csv");
    let e = crate::archive_then_delete_logs(
        &mock.client(),
        Some("s1"),
        &copy,
        &opts,
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "refused");
    let msg = e.to_string();
    assert!(
        msg.contains("holds 3 logs but the server now has 4") && msg.contains("not deleted"),
        "{msg}"
    );
    assert!(copy.exists(), "the copy made so far is kept");
    assert_eq!(mock.count("DELETE /dx/api/dam/v1/staging/mismatches"), 0);
}

#[tokio::test]
async fn operations_query_one_status_per_request() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        let status = req.param("status").unwrap_or("").to_string();
        if req.param("offset") != Some("0") {
            return axum::Json(json!([])).into_response();
        }
        axum::Json(
            json!([{"id": format!("op-{status}"), "triggerFunction": "syncStagingMediaContent",
            "inputs": {}, "status": status, "retryCounter": 0, "created": "t", "updated": "t"}]),
        )
        .into_response()
    })
    .await;
    let ops = mock
        .client()
        .operations()
        .list()
        .status([OperationStatus::Failed, OperationStatus::Todo])
        .send()
        .await
        .unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].status, OperationStatus::Failed);
    assert_eq!(ops[1].status, OperationStatus::Todo);
}

#[tokio::test]
async fn refused_connection_names_host_and_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut p = Profile::new("127.0.0.1", "admin");
    p.dx_protocol = "http".into();
    p.ring_api_port = port.into();
    p.dam_api_port = port.into();
    let c = Client::builder(&p, "pw")
        .retry(RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retries: 1,
        })
        .build()
        .unwrap();
    let e = c.subscribers().list().await.unwrap_err();
    assert_eq!(e.code(), "connection_refused", "{e}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")));
}

#[tokio::test]
async fn silent_server_is_a_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let mut p = Profile::new("127.0.0.1", "admin");
    p.dx_protocol = "http".into();
    p.ring_api_port = port.into();
    p.dam_api_port = port.into();
    p.timeouts.request_secs = 1;
    let c = Client::builder(&p, "pw")
        .retry(RetryPolicy {
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retries: 0,
        })
        .build()
        .unwrap();
    let e = c.subscribers().list().await.unwrap_err();
    assert_eq!(e.code(), "timeout", "{e}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")));
}

#[test]
fn client_debug_hides_password() {
    let p = Profile::new("dx.example.com", "admin");
    let c = Client::builder(&p, "s3cret-pw").build().unwrap();
    let b = format!("{:?}", Client::builder(&p, "s3cret-pw"));
    assert!(!format!("{c:?}").contains("s3cret"));
    assert!(!b.contains("s3cret"));
}

#[tokio::test]
async fn a_404_for_the_logs_of_an_existing_subscriber_means_no_logs() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        if req.path.ends_with("/staging/subscriber/s1") {
            return axum::Json(subscriber("s1", "FIND_MISMATCH_COMPLETED", "t1")).into_response();
        }
        // Every other read (the logs of s1 and s2, subscriber s2) answers 404.
        dam_error(StatusCode::NOT_FOUND, "Not Found")
    })
    .await;
    let c = mock.client();
    let rows = c.mismatches().list(Some("s1")).all().await.unwrap();
    assert!(rows.is_empty());
    let e = c.mismatches().list(Some("s2")).all().await.unwrap_err();
    assert_eq!(e.code(), "unknown_subscriber", "{e}");
}

#[tokio::test]
async fn a_field_first_seen_on_a_later_page_is_kept_as_a_column() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        if req.path.ends_with("/staging/subscriber/s1") {
            return axum::Json(subscriber("s1", "FIND_MISMATCH_COMPLETED", "t1")).into_response();
        }
        let offset = req.number("offset");
        // Rows 0-1 without `tenant`, rows 2-3 with it (a later DX release, a mixed cluster).
        let rows: Vec<Value> = (offset..4.min(offset + 2))
            .map(|i| {
                let mut r = json!({"id": format!("log{i}"), "subscriberId": "s1",
                    "recordType": "RENDITION", "recordAction": "CREATE", "recordId": format!("r{i}")});
                if i >= 2 {
                    r["tenant"] = json!(format!("t{i}"));
                }
                r
            })
            .collect();
        axum::Json(rows).into_response()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.csv");
    let req = crate::report::ReportRequest {
        subscriber_id: Some("s1".into()),
        ..Default::default()
    };
    let opts = crate::report::FetchOptions {
        page_size: 2,
        concurrency: 2,
        bom: false,
    };
    let info = crate::report::fetch_report(
        &mock.client(),
        &req,
        &path,
        &opts,
        |_| {},
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(info.rows, 4);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].ends_with(",tenant"), "{}", lines[0]);
    assert!(lines[1].ends_with(','), "no tenant on row 0: {}", lines[1]);
    assert!(
        lines[3].ends_with(",t2") && lines[4].ends_with(",t3"),
        "{text}"
    );
    assert!(crate::report::read_meta(&path).unwrap().complete == Some(true));
}

/// A client of `mock` that reads at most `cap` bytes of one answer.
fn capped_client(mock: &Mock, cap: u64) -> Client {
    let mut p = Profile::new("127.0.0.1", "admin");
    p.dx_protocol = "http".into();
    p.ring_api_port = mock.addr.port().into();
    p.dam_api_port = mock.addr.port().into();
    p.timeouts.request_secs = 5;
    Client::builder(&p, "pw")
        .retry(RetryPolicy {
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retries: 2,
        })
        .max_answer_bytes(cap)
        .build()
        .unwrap()
}

/// A JSON list of subscribers of about `bytes` bytes.
fn big_subscriber_list(bytes: usize) -> Vec<u8> {
    let one = subscriber("s", "SUCCESS", "2024-01-01T00:00:00Z").to_string();
    let n = bytes / (one.len() + 1) + 1;
    format!("[{}]", vec![one; n].join(",")).into_bytes()
}

/// An answer streamed in pieces, without `Content-Length` (chunked).
fn streamed(status: StatusCode, body: Vec<u8>) -> Response {
    let pieces: Vec<std::result::Result<Bytes, std::io::Error>> = body
        .chunks(1000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut r = Response::new(axum::body::Body::from_stream(futures::stream::iter(pieces)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    r
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_with_or_without_content_length() {
    const CAP: u64 = 4096;
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        let body = big_subscriber_list(3 * CAP as usize);
        match req.path.as_str() {
            // axum sets Content-Length for a body it holds whole.
            p if p.ends_with("/subscriber") => {
                (StatusCode::OK, [("content-type", "application/json")], body).into_response()
            }
            p if p.ends_with("/subscriber/streamed") => streamed(StatusCode::OK, body),
            p if p.ends_with("/subscriber/small") => {
                axum::Json(subscriber("small", "SUCCESS", "t")).into_response()
            }
            _ => StatusCode::IM_A_TEAPOT.into_response(),
        }
    })
    .await;
    let c = capped_client(&mock, CAP);

    let e = c.subscribers().list().await.unwrap_err();
    assert_eq!(e.code(), "answer_too_large", "{e}");
    assert!(
        matches!(&e, Error::AnswerTooLarge { limit: CAP, announced: Some(n), .. } if *n > CAP),
        "{e:?}"
    );
    let m = e.to_string();
    assert!(
        m.contains(&format!("127.0.0.1:{}{SUBS}", mock.addr.port())),
        "{m}"
    );
    assert!(m.contains("4 KiB"), "{m}");
    assert!(!m.contains("LtpaToken2") && !m.contains("tok1"), "{m}");
    // Not worth retrying: one request.
    assert_eq!(mock.count(&format!("GET {SUBS}")), 1);

    let e = c.subscribers().get("streamed").await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::AnswerTooLarge {
                limit: CAP,
                announced: None,
                ..
            }
        ),
        "{e:?}"
    );
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["code"], "answer_too_large");
    let m = v["message"].as_str().unwrap();
    assert!(m.contains(&format!("{SUBS}/streamed")), "{m}");
    assert!(m.contains(&format!("{SUBS}/streamed is larger")), "{m}");
    assert!(!m.contains("tok1"), "{m}");

    // An answer under the cap is read as usual.
    let s = c.subscribers().get("small").await.unwrap();
    assert_eq!(s.id.as_deref(), Some("small"));
}

#[tokio::test]
async fn a_list_page_over_the_cap_names_the_path_not_the_query() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        streamed(StatusCode::OK, vec![b' '; 10_000])
    })
    .await;
    let c = capped_client(&mock, 2048);
    let e = c
        .mismatches()
        .list(Some("s1"))
        .page(0, 10)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "answer_too_large", "{e}");
    let m = e.to_string();
    assert!(m.contains("/dx/api/dam/v1/staging/"), "{m}");
    assert!(
        m.contains("/dx/api/dam/v1/staging/mismatches is larger"),
        "{m}"
    );
    assert!(!m.contains("offset") && !m.contains("limit="), "{m}");
}

#[tokio::test]
async fn an_error_answer_over_the_cap_keeps_its_status() {
    // A proxy's huge error page: the status decides (retried as a gateway error), the page is cut.
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        let page = format!("<html>{}</html>", "x".repeat(1 << 20)).into_bytes();
        if n.is_multiple_of(2) {
            streamed(StatusCode::BAD_GATEWAY, page)
        } else {
            (StatusCode::BAD_GATEWAY, page).into_response()
        }
    })
    .await;
    let c = capped_client(&mock, 8 << 20);
    let e = c.subscribers().list().await.unwrap_err();
    assert!(
        matches!(&e, Error::Server { status: 502, message } if message == "Bad Gateway"),
        "{e:?}"
    );
    assert_eq!(mock.count(&format!("GET {SUBS}")), 3);
}

#[tokio::test]
async fn long_server_texts_are_cut_to_200_characters() {
    let mock = Mock::start(|req, n| {
        if req.path.ends_with("/auth/login") {
            return login_ok(n);
        }
        if req.path.ends_with("/subscriber/garbage") {
            return (StatusCode::OK, "<html>".repeat(10_000)).into_response();
        }
        dam_error(StatusCode::NOT_FOUND, &"é".repeat(10_000))
    })
    .await;
    let c = mock.client();
    let e = c.subscribers().get("missing").await.unwrap_err();
    let Error::UnknownSubscriber { message, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(message.chars().count(), 200);
    assert!(message.ends_with('…'));
    let e = c.subscribers().get("garbage").await.unwrap_err();
    let Error::Undecodable {
        excerpt, detail, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(excerpt.chars().count(), 200);
    assert!(excerpt.starts_with("<html>") && excerpt.ends_with('…'));
    assert!(detail.chars().count() <= 200);
}
