//! `POST /staging/subscriber` and `DELETE /staging/subscriber/{id}`: registering and
//! deregistering a subscriber (DXClient's `register-dam-subscriber` and
//! `deregister-dam-subscriber`). Methods on [`super::Subscribers`].
//!
//! A registration is not idempotent (each `POST` makes a new one), so it is never retried
//! blindly: when its answer is lost (timeout, broken connection, 500, 502–504) the subscribers
//! are listed again and a registration of the same `targetHost` that was not there before proves
//! that it landed; only a proof that it did not land sends it again (at most
//! [`MAX_TRIGGER_SENDS`](super::MAX_TRIGGER_SENDS) sends), as [`Subscribers::trigger_after`] does
//! for triggers. A deregistration is checked the same way (a lost answer, then the subscriber
//! unknown: it landed).
//!
//! What the API does not do: the credentials the publisher uses to transfer assets to the
//! subscriber are not part of the registration. HCL keeps them in the publisher's Kubernetes
//! secret `<release>-dam-staging`, which DXClient or an operator sets ([`CREDENTIALS_NOT_SET`]).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::http::{decode, Call, Kind, NotFound};
use super::subscribers::encode_segment;
use super::{Subscribers, MAX_TRIGGER_SENDS};
use crate::error::{Error, Result};
use crate::model::Subscriber;
use crate::profile::same_host;

/// HCL's default staging cycle length in minutes (DXClient `-interval`).
pub const DEFAULT_CYCLE_LENGTH_MINUTES: u64 = 2;

/// HCL's longest staging cycle: 24 hours, in minutes.
pub const MAX_CYCLE_LENGTH_MINUTES: u64 = 24 * 60;

/// What a registration through the API leaves undone, in the user's words: the transfer
/// credentials live outside the API.
pub const CREDENTIALS_NOT_SET: &str = "the credentials the publisher uses to transfer assets to the subscriber are not part of the DAM API: DX keeps them in the publisher's Kubernetes secret `<release>-dam-staging` (<release>: the Helm release name), which DXClient or an operator sets. Set that secret with the subscriber's portal administrator user and password; until then staging cannot transfer assets to this subscriber";

/// A subscriber registration as HCL's "Registering the subscriber using REST API" sends it:
/// `{"targetHost", "cycleLength", "status"}` and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Where the subscriber environment is (DXClient `-targetHostname`), sent as given.
    pub target_host: String,
    /// The periodic staging cycle in minutes (DXClient `-interval`; HCL: default 2, at most
    /// 24 hours).
    pub cycle_length: u64,
    /// Whether periodic staging to the subscriber is enabled.
    pub status: bool,
}

impl Registration {
    /// An enabled registration of `target_host` with HCL's default cycle length.
    pub fn new(target_host: impl Into<String>) -> Self {
        Registration {
            target_host: target_host.into(),
            cycle_length: DEFAULT_CYCLE_LENGTH_MINUTES,
            status: true,
        }
    }

    /// Checks the request; the error names the field (`targetHost`, `cycleLength`).
    pub fn validate(&self) -> Result<()> {
        let h = self.target_host.trim();
        if h.is_empty() {
            return Err(Error::invalid("targetHost", "is empty"));
        }
        if h.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
                "targetHost",
                format!("{h:?} contains a space"),
            ));
        }
        if !(1..=MAX_CYCLE_LENGTH_MINUTES).contains(&self.cycle_length) {
            return Err(Error::invalid(
                "cycleLength",
                format!(
                    "{} minutes is not a staging cycle length: give 1 to {MAX_CYCLE_LENGTH_MINUTES} minutes (24 hours); HCL's default is {DEFAULT_CYCLE_LENGTH_MINUTES}",
                    self.cycle_length
                ),
            ));
        }
        Ok(())
    }

    /// The `POST` body.
    fn body(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The `POST /staging/subscriber` call, sent once.
fn register_call(req: &Registration) -> Call<'static> {
    Call {
        method: Method::POST,
        path: "/staging/subscriber".into(),
        query: Vec::new(),
        body: Some(req.body()),
        kind: Kind::Trigger,
        not_found: NotFound::Other,
        what: "register subscriber",
    }
}

/// The `DELETE /staging/subscriber/{id}` call, sent once.
fn deregister_call(id: &str) -> Call<'static> {
    Call {
        method: Method::DELETE,
        path: format!("/staging/subscriber/{}", encode_segment(id)),
        query: Vec::new(),
        body: None,
        kind: Kind::Trigger,
        not_found: NotFound::Subscriber(id.to_string()),
        what: "deregister subscriber",
    }
}

/// The registration of `target_host` among `after` that is not among `before` (by id).
fn new_registration(
    before: &[Subscriber],
    after: Vec<Subscriber>,
    target_host: &str,
) -> Option<Subscriber> {
    after.into_iter().find(|s| {
        s.target_host
            .as_deref()
            .is_some_and(|t| same_host(t, target_host) || t.trim() == target_host.trim())
            && !before.iter().any(|b| b.id.is_some() && b.id == s.id)
    })
}

/// A 409 to a registration is DX saying the target is registered already, not a running job.
fn registration_error(e: Error) -> Error {
    match e {
        Error::JobAlreadyRunning { message } => Error::Server {
            status: 409,
            message,
        },
        other => other,
    }
}

/// The answer to a `POST`: the registration, unless DX said it failed (`isSuccess: false`).
fn registered(bytes: &[u8]) -> Result<Option<Subscriber>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let v: Value = decode(bytes, "register subscriber")?;
    if v.get("isSuccess").and_then(Value::as_bool) == Some(false) {
        let message = v
            .get("errorMessage")
            .and_then(Value::as_str)
            .filter(|m| !m.trim().is_empty())
            .unwrap_or("no message");
        return Err(Error::Server {
            status: 200,
            message: format!("the registration was not made (isSuccess false): {message}"),
        });
    }
    let s: Subscriber = serde_json::from_value(v).unwrap_or_default();
    let has_id = s.id.as_deref().is_some_and(|id| !id.trim().is_empty());
    Ok(has_id.then_some(s))
}

impl Subscribers<'_> {
    /// Registers a subscriber on this publisher: `POST /staging/subscriber` with HCL's body
    /// (`targetHost`, `cycleLength`, `status`). Never sent again blindly: see the module
    /// documentation. The transfer credentials are not set by this ([`CREDENTIALS_NOT_SET`]).
    pub async fn register(&self, req: &Registration) -> Result<Subscriber> {
        req.validate()?;
        let before = self.list().await?;
        let call = register_call(req);
        let mut sends = 0;
        let mut first_error = None;
        let mut pauses = backon::BackoffBuilder::build(self.client.backoff());
        while sends < MAX_TRIGGER_SENDS {
            if sends > 0 {
                let pause = pauses.next().unwrap_or(self.client.inner.retry.max_delay);
                tokio::time::sleep(pause).await;
            }
            sends += 1;
            tracing::info!(target_host = %req.target_host, attempt = sends, "registering the subscriber (POST)");
            match self.client.send(&call).await {
                Ok(bytes) => {
                    if let Some(s) = registered(&bytes)? {
                        return Ok(s);
                    }
                    // An answer without the registration: find it in the list.
                    let after = self.list().await?;
                    return new_registration(&before, after, &req.target_host).ok_or_else(|| {
                        Error::Undecodable {
                            what: "register subscriber".into(),
                            detail: "the answer held no registration, and none of this targetHost is listed".into(),
                            excerpt: super::http::excerpt(&bytes),
                        }
                    });
                }
                Err(e) if e.is_unclear_outcome() => {
                    tracing::warn!(
                        code = e.code(),
                        attempt = sends,
                        "registration answer lost; listing the subscribers: {e}"
                    );
                    let after = self.list().await?;
                    if let Some(s) = new_registration(&before, after, &req.target_host) {
                        return Ok(s);
                    }
                    first_error.get_or_insert(e);
                }
                // Refused or unreachable: it did not reach DX, so it may be sent again.
                Err(e) if e.is_transient() => {
                    first_error.get_or_insert(e);
                }
                Err(e) => return Err(registration_error(e)),
            }
        }
        Err(first_error.unwrap_or(Error::Cancelled))
    }

    /// Deregisters subscriber `id`: `DELETE /staging/subscriber/{id}`. DX stops staging to it and
    /// deletes its mismatch logs on the publisher. An unknown id is
    /// [`Error::UnknownSubscriber`]; a lost answer is checked by reading the subscriber (unknown
    /// now: it landed) before the call is sent again.
    pub async fn deregister(&self, id: &str) -> Result<()> {
        let call = deregister_call(id);
        let mut sends = 0;
        let mut first_error = None;
        let mut pauses = backon::BackoffBuilder::build(self.client.backoff());
        while sends < MAX_TRIGGER_SENDS {
            if sends > 0 {
                let pause = pauses.next().unwrap_or(self.client.inner.retry.max_delay);
                tokio::time::sleep(pause).await;
            }
            sends += 1;
            tracing::info!(
                subscriber = id,
                attempt = sends,
                "deregistering the subscriber (DELETE)"
            );
            match self.client.send(&call).await {
                Ok(_) => return Ok(()),
                Err(e) if e.is_unclear_outcome() => {
                    tracing::warn!(
                        code = e.code(),
                        attempt = sends,
                        "deregistration answer lost; reading the subscriber: {e}"
                    );
                    match self.get(id).await {
                        Err(Error::UnknownSubscriber { .. }) => return Ok(()),
                        Ok(_) => {
                            first_error.get_or_insert(e);
                        }
                        Err(other) => return Err(other),
                    }
                }
                Err(e) if e.is_transient() => {
                    first_error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(first_error.unwrap_or(Error::Cancelled))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use axum::body::Bytes;
    use axum::http::{Method, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use serde_json::json;

    use super::*;
    use crate::client::{Client, RetryPolicy};
    use crate::profile::Profile;

    const SUBS: &str = "/dx/api/dam/v1/staging/subscriber";

    /// One request as the mock saw it: method, path and JSON body.
    #[derive(Debug, Clone)]
    struct Seen {
        method: Method,
        path: String,
        body: Value,
    }

    /// A mock DX on 127.0.0.1:0: logs in anyone, answers the rest with `script` (given the
    /// requests seen so far, this one last).
    struct Mock {
        port: u16,
        seen: Arc<Mutex<Vec<Seen>>>,
        _stop: tokio::sync::oneshot::Sender<()>,
    }

    impl Mock {
        async fn start(script: impl Fn(&[Seen]) -> Response + Send + Sync + 'static) -> Mock {
            let script = Arc::new(script);
            let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
            let s = seen.clone();
            let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
                let (script, s) = (script.clone(), s.clone());
                async move {
                    if uri.path().ends_with("/auth/login") {
                        return (
                            StatusCode::OK,
                            [("set-cookie", "LtpaToken2=tok; Path=/")],
                            "{}",
                        )
                            .into_response();
                    }
                    let req = Seen {
                        method,
                        path: uri.path().to_string(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    };
                    let all = {
                        let mut v = s.lock().unwrap();
                        v.push(req);
                        v.clone()
                    };
                    script(&all)
                }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
            Mock {
                port,
                seen,
                _stop: tx,
            }
        }

        fn client(&self) -> Client {
            let mut p = Profile::new("127.0.0.1", "admin");
            p.dx_protocol = "http".into();
            p.ring_api_port = self.port.into();
            p.dam_api_port = self.port.into();
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

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }

        fn count(&self, method: Method, path: &str) -> usize {
            self.seen()
                .iter()
                .filter(|s| s.method == method && s.path == path)
                .count()
        }
    }

    fn sub(id: &str, target: &str) -> Value {
        json!({"id": id, "targetHost": target, "status": true, "cycleLength": 5,
               "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"})
    }

    fn json_answer(v: Value) -> Response {
        axum::Json(v).into_response()
    }

    fn dam_error(status: StatusCode, message: &str) -> Response {
        (
            status,
            axum::Json(
                json!({"error": {"statusCode": status.as_u16().to_string(), "message": message}}),
            ),
        )
            .into_response()
    }

    #[test]
    fn the_body_is_hcls_three_fields() {
        let mut r = Registration::new("dx-subscriber.example.com");
        r.cycle_length = 30;
        assert_eq!(
            r.body(),
            json!({"targetHost": "dx-subscriber.example.com", "cycleLength": 30, "status": true})
        );
        assert_eq!(Registration::new("h").cycle_length, 2);
        let call = register_call(&r);
        assert_eq!(
            (call.method, call.path.as_str()),
            (Method::POST, "/staging/subscriber")
        );
        assert_eq!(
            call.kind,
            Kind::Trigger,
            "a registration is never retried blindly"
        );
        let call = deregister_call("a/b c");
        assert_eq!(
            (call.method, call.path.as_str()),
            (Method::DELETE, "/staging/subscriber/a%2Fb%20c")
        );
        assert!(matches!(call.not_found, NotFound::Subscriber(ref id) if id == "a/b c"));
    }

    #[test]
    fn validation_names_the_field() {
        for (target, minutes, field) in [
            ("", 2, "targetHost"),
            ("a b", 2, "targetHost"),
            ("h", 0, "cycleLength"),
            ("h", 1441, "cycleLength"),
        ] {
            let r = Registration {
                target_host: target.into(),
                cycle_length: minutes,
                status: true,
            };
            let e = r.validate().unwrap_err();
            assert!(
                matches!(&e, Error::InvalidProfile { field: f, .. } if f == field),
                "{e}"
            );
        }
        for minutes in [1, 2, 1440] {
            let r = Registration {
                cycle_length: minutes,
                ..Registration::new("h:1")
            };
            assert!(r.validate().is_ok(), "{minutes}");
        }
    }

    #[tokio::test]
    async fn register_posts_the_body_once_and_answers_the_registration() {
        let mock = Mock::start(|seen| {
            let last = seen.last().unwrap();
            match last.method {
                Method::GET => json_answer(json!([sub("old", "other.example.com")])),
                Method::POST => {
                    let mut s = sub("new-1", "sub.example.com");
                    s["isSuccess"] = json!(true);
                    s["errorMessage"] = json!("");
                    json_answer(s)
                }
                _ => StatusCode::IM_A_TEAPOT.into_response(),
            }
        })
        .await;
        let r = Registration {
            cycle_length: 5,
            ..Registration::new("sub.example.com")
        };
        let s = mock.client().subscribers().register(&r).await.unwrap();
        assert_eq!(s.id.as_deref(), Some("new-1"));
        assert_eq!(s.cycle_length, Some(5));
        let posts: Vec<Seen> = mock
            .seen()
            .into_iter()
            .filter(|s| s.method == Method::POST)
            .collect();
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].path, SUBS);
        assert_eq!(
            posts[0].body,
            json!({"targetHost": "sub.example.com", "cycleLength": 5, "status": true})
        );
    }

    #[tokio::test]
    async fn a_lost_answer_is_looked_for_in_the_list_not_sent_again() {
        // The POST lands but its answer is a 502; the list afterwards shows the registration.
        let mock = Mock::start(|seen| {
            let posted = seen.iter().any(|s| s.method == Method::POST);
            match seen.last().unwrap().method {
                Method::POST => dam_error(StatusCode::BAD_GATEWAY, "proxy lost it"),
                Method::GET if posted => json_answer(json!([
                    sub("old", "sub.example.com:1"),
                    sub("landed", "https://SUB.example.com/")
                ])),
                Method::GET => json_answer(json!([sub("old", "sub.example.com:1")])),
                _ => StatusCode::IM_A_TEAPOT.into_response(),
            }
        })
        .await;
        let s = mock
            .client()
            .subscribers()
            .register(&Registration::new("sub.example.com"))
            .await
            .unwrap();
        assert_eq!(s.id.as_deref(), Some("landed"));
        assert_eq!(mock.count(Method::POST, SUBS), 1, "never sent twice");
    }

    #[tokio::test]
    async fn a_lost_answer_that_did_not_land_is_sent_again() {
        let mock = Mock::start(|seen| {
            let posts = seen.iter().filter(|s| s.method == Method::POST).count();
            match seen.last().unwrap().method {
                Method::POST if posts == 1 => dam_error(StatusCode::SERVICE_UNAVAILABLE, "busy"),
                Method::POST => json_answer(sub("second", "sub.example.com")),
                Method::GET => json_answer(json!([])),
                _ => StatusCode::IM_A_TEAPOT.into_response(),
            }
        })
        .await;
        let s = mock
            .client()
            .subscribers()
            .register(&Registration::new("sub.example.com"))
            .await
            .unwrap();
        assert_eq!(s.id.as_deref(), Some("second"));
        assert_eq!(mock.count(Method::POST, SUBS), 2);
    }

    #[tokio::test]
    async fn refusals_are_not_retried_and_a_409_is_not_a_running_job() {
        let mock = Mock::start(|seen| match seen.last().unwrap().method {
            Method::POST => dam_error(StatusCode::CONFLICT, "targetHost already registered"),
            _ => json_answer(json!([])),
        })
        .await;
        let e = mock
            .client()
            .subscribers()
            .register(&Registration::new("sub.example.com"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::Server { status: 409, message } if message.contains("already registered")),
            "{e}"
        );
        assert_eq!(mock.count(Method::POST, SUBS), 1);
        // Invalid requests are refused before anything is sent.
        let bad = Registration {
            cycle_length: 0,
            ..Registration::new("h")
        };
        let e = mock
            .client()
            .subscribers()
            .register(&bad)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_profile");
        assert_eq!(mock.count(Method::POST, SUBS), 1);
    }

    #[tokio::test]
    async fn is_success_false_is_an_error_with_dx_message() {
        let mock = Mock::start(|seen| match seen.last().unwrap().method {
            Method::POST => json_answer(
                json!({"id": "", "targetHost": "h", "isSuccess": false, "errorMessage": "cannot reach target"}),
            ),
            _ => json_answer(json!([])),
        })
        .await;
        let e = mock
            .client()
            .subscribers()
            .register(&Registration::new("h"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("cannot reach target"), "{e}");
    }

    #[tokio::test]
    async fn deregister_deletes_and_a_404_is_an_unknown_subscriber() {
        let mock = Mock::start(|seen| {
            let last = seen.last().unwrap();
            let deletes = seen.iter().filter(|s| s.method == Method::DELETE).count();
            match (&last.method, last.path.as_str()) {
                (&Method::DELETE, p) if p.ends_with("/s-1") && deletes == 1 => {
                    StatusCode::NO_CONTENT.into_response()
                }
                (_, _) => dam_error(StatusCode::NOT_FOUND, "no subscriber with id `s-1`"),
            }
        })
        .await;
        let c = mock.client();
        c.subscribers().deregister("s-1").await.unwrap();
        assert_eq!(mock.count(Method::DELETE, &format!("{SUBS}/s-1")), 1);
        let e = c.subscribers().deregister("s-1").await.unwrap_err();
        assert!(
            matches!(&e, Error::UnknownSubscriber { id, message } if id == "s-1" && message.contains("no subscriber")),
            "{e}"
        );
        assert_eq!(mock.count(Method::DELETE, &format!("{SUBS}/s-1")), 2);
    }

    #[tokio::test]
    async fn a_lost_deregistration_answer_is_checked_by_reading_the_subscriber() {
        let mock = Mock::start(|seen| match seen.last().unwrap().method {
            Method::DELETE => dam_error(StatusCode::GATEWAY_TIMEOUT, "lost"),
            _ => dam_error(StatusCode::NOT_FOUND, "gone"),
        })
        .await;
        mock.client().subscribers().deregister("s-1").await.unwrap();
        assert_eq!(mock.count(Method::DELETE, &format!("{SUBS}/s-1")), 1);
    }
}
