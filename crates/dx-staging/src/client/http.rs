//! Sending requests: session cookie, one re-login on 401, read retries, error mapping.

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Client, Secret};
use crate::error::{Error, Result};

/// Whether a call may be retried blindly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A read (or an idempotent delete): retried with back-off on transient errors.
    Read,
    /// A trigger: sent once; the caller decides what to do on an unclear outcome.
    Trigger,
}

/// What a 404 means for this call.
#[derive(Debug, Clone)]
pub(crate) enum NotFound {
    /// The subscriber id is unknown.
    Subscriber(String),
    /// Anything else.
    Other,
}

/// One DAM request.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<Value>,
    pub kind: Kind,
    pub not_found: NotFound,
    /// Name of the call, for messages.
    pub what: &'static str,
}

impl<'a> Call<'a> {
    pub fn get(path: impl Into<String>, what: &'static str) -> Self {
        Call {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            kind: Kind::Read,
            not_found: NotFound::Other,
            what,
        }
    }
}

const EXCERPT_CHARS: usize = 160;

/// The first characters of an answer, for error messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT_CHARS * 4)]);
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}

/// DX's own message from a DAM (`{"error":{"statusCode","message","name","details"}}`) or Ring
/// (`{"error":{"code","message","reason"}}`) error body.
pub(crate) fn dx_message(bytes: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let err = v.get("error").unwrap_or(&v);
    let text = |k: &str| {
        err.get(k)
            .and_then(|x| x.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let message = text("message");
    let extra = text("details").or_else(|| text("reason"));
    match (message, extra) {
        (Some(m), Some(d)) if d != m => Some(format!("{m} ({d})")),
        (Some(m), _) => Some(m),
        (None, Some(d)) => Some(d),
        (None, None) => None,
    }
}

/// Maps a non-success, non-401 status to an error.
pub(crate) fn status_error(status: StatusCode, bytes: &[u8], not_found: &NotFound) -> Error {
    let message = dx_message(bytes).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string()
    });
    match status.as_u16() {
        400 => Error::BadRequest { message },
        403 => Error::NotAdmin { message },
        404 => match not_found {
            NotFound::Subscriber(id) => Error::UnknownSubscriber {
                id: id.clone(),
                message,
            },
            NotFound::Other => Error::NotFound { message },
        },
        409 => Error::JobAlreadyRunning { message },
        code => Error::Server {
            status: code,
            message,
        },
    }
}

fn find_tls_cause(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r.to_string());
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                    return Some(r.to_string());
                }
            }
        }
        cur = e.source();
    }
    None
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    let mut io_inner: Option<String> = None;
    loop {
        if let Some(io) = cur.downcast_ref::<std::io::Error>() {
            if io.get_ref().is_some() || io_inner.is_none() {
                io_inner = Some(io.to_string());
            }
        }
        match cur.source() {
            Some(next) => cur = next,
            None => break,
        }
    }
    io_inner.unwrap_or_else(|| cur.to_string())
}

/// Maps a transport error to an error naming `host`.
pub(crate) fn transport_error(e: &reqwest::Error, host: &str) -> Error {
    let host = host.to_string();
    if let Some(detail) = find_tls_cause(e) {
        return Error::Tls { host, detail };
    }
    let detail = root_cause(e);
    let lower = detail.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("handshake") {
        return Error::Tls { host, detail };
    }
    if e.is_timeout() {
        return Error::Timeout { host };
    }
    if e.is_connect() {
        return Error::ConnectionRefused { host, detail };
    }
    Error::Network { host, detail }
}

fn parse_ltpa(resp: &reqwest::Response) -> Option<Secret> {
    for value in resp.headers().get_all(reqwest::header::SET_COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        let first = text.split(';').next().unwrap_or("");
        if let Some((name, token)) = first.split_once('=') {
            if name.trim() == "LtpaToken2" && !token.trim().is_empty() {
                return Some(Secret::new(token.trim()));
            }
        }
    }
    None
}

impl Client {
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        let r = self.inner.retry;
        ExponentialBuilder::default()
            .with_min_delay(r.min_delay)
            .with_max_delay(r.max_delay)
            .with_max_times(r.max_retries)
            .with_jitter()
    }

    /// Logs in unless another task already did since `seen_generation`; returns the token and
    /// its generation.
    pub(crate) async fn relogin(&self, seen_generation: Option<u64>) -> Result<(Secret, u64)> {
        let mut session = self.inner.session.lock().await;
        if let (Some(seen), Some(token)) = (seen_generation, &session.token) {
            if session.generation != seen {
                return Ok((token.clone(), session.generation));
            }
        }
        // Not retried here: reads retry around the whole call (login included), so a retry
        // here would multiply; `Client::login` retries on its own.
        let token = self.login_once().await?;
        session.generation += 1;
        session.token = Some(token.clone());
        Ok((token, session.generation))
    }

    async fn login_once(&self) -> Result<Secret> {
        let inner = &self.inner;
        let url = format!("{}/auth/login", inner.ring_base);
        let body = serde_json::json!({
            "username": inner.username,
            "password": inner.password.expose(),
        });
        let resp = inner
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&e, &inner.ring_host))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(Error::BadCredentials {
                host: inner.ring_host.clone(),
            });
        }
        if status.is_success() {
            let token = parse_ltpa(&resp);
            return token.ok_or_else(|| Error::Undecodable {
                what: "login".into(),
                detail: "the answer set no LtpaToken2 cookie".into(),
                excerpt: String::new(),
            });
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport_error(&e, &inner.ring_host))?;
        Err(status_error(status, &bytes, &NotFound::Other))
    }

    async fn current_token(&self) -> Result<(Secret, u64)> {
        {
            let session = self.inner.session.lock().await;
            if let Some(t) = &session.token {
                return Ok((t.clone(), session.generation));
            }
        }
        self.relogin(None).await
    }

    async fn send_once(&self, call: &Call<'_>, token: &Secret) -> Result<(StatusCode, Vec<u8>)> {
        let inner = &self.inner;
        let url = format!("{}{}", inner.dam_base, call.path);
        let mut req = inner
            .http
            .request(call.method.clone(), &url)
            .header(
                reqwest::header::COOKIE,
                format!("LtpaToken2={}", token.expose()),
            )
            .header(reqwest::header::ACCEPT, "application/json");
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(&e, &inner.dam_host))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| transport_error(&e, &inner.dam_host))?;
        Ok((status, bytes.to_vec()))
    }

    /// Sends once with the session, logging in again once on 401 and retrying once.
    async fn send_authed(&self, call: &Call<'_>) -> Result<Vec<u8>> {
        let (token, generation) = self.current_token().await?;
        let (mut status, mut bytes) = self.send_once(call, &token).await?;
        if status == StatusCode::UNAUTHORIZED {
            let (token, _) = self.relogin(Some(generation)).await?;
            (status, bytes) = self.send_once(call, &token).await?;
            if status == StatusCode::UNAUTHORIZED {
                return Err(Error::SessionRejected {
                    host: self.inner.dam_host.clone(),
                    message: dx_message(&bytes).unwrap_or_else(|| "401".into()),
                });
            }
        }
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(status_error(status, &bytes, &call.not_found))
        }
    }

    /// Sends a DAM call: reads retry with back-off on transient errors, triggers are sent once.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Vec<u8>> {
        match call.kind {
            Kind::Trigger => self.send_authed(call).await,
            Kind::Read => {
                (|| self.send_authed(call))
                    .retry(self.backoff())
                    .when(Error::is_transient)
                    .notify(|e, d| {
                        tracing::debug!(what = call.what, code = e.code(), "retrying in {d:?}: {e}")
                    })
                    .await
            }
        }
    }

    /// Sends a call and decodes its JSON answer.
    pub(crate) async fn send_json<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T> {
        let bytes = self.send(call).await?;
        decode(&bytes, call.what)
    }
}

/// An undecodable-answer error with an excerpt of `bytes`.
pub(crate) fn undecodable(what: &str, bytes: &[u8], detail: &str) -> Error {
    Error::Undecodable {
        what: what.to_string(),
        detail: detail.to_string(),
        excerpt: excerpt(bytes),
    }
}

/// Decodes JSON, with an excerpt of the answer on failure.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Undecodable {
        what: what.to_string(),
        detail: e.to_string(),
        excerpt: excerpt(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_from_dam_and_ring_bodies() {
        let dam = br#"{"error":{"statusCode":"404","message":"Subscriber not found","name":"NotFound","details":"id x"}}"#;
        assert_eq!(dx_message(dam).unwrap(), "Subscriber not found (id x)");
        let ring = br#"{"error":{"code":"401","message":"Unauthorized","reason":"bad token"}}"#;
        assert_eq!(dx_message(ring).unwrap(), "Unauthorized (bad token)");
        assert_eq!(dx_message(b"<html>"), None);
        let e = status_error(StatusCode::BAD_GATEWAY, b"<html>", &NotFound::Other);
        assert!(
            matches!(e, Error::Server { status: 502, ref message } if message == "Bad Gateway")
        );
    }

    #[test]
    fn excerpt_is_short() {
        let long = "x".repeat(1000);
        let e = excerpt(long.as_bytes());
        assert!(e.chars().count() <= EXCERPT_CHARS + 1);
        assert_eq!(excerpt(b""), "(empty)");
    }
}
