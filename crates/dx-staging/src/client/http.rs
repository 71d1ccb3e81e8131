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

/// The most characters of a server's text quoted in an error message, the ellipsis included.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// The most bytes of an error answer (a status other than 2xx) read for DX's message; the rest
/// is left unread. A DX error body is a few hundred bytes; proxies' error pages a few KiB.
const ERROR_BODY_BYTES: u64 = 64 << 10;

/// The most bytes reserved ahead from an announced `Content-Length` (the rest grows as it comes,
/// so a size announced but never sent costs nothing).
const RESERVE_AHEAD_BYTES: u64 = 4 << 20;

/// `text` cut to at most [`EXCERPT_CHARS`] characters (on a character boundary, ending with `…`
/// when cut); `more` says the text is already a cut of a longer one.
fn shorten_with(text: &str, more: bool) -> String {
    if !more && text.chars().nth(EXCERPT_CHARS).is_none() {
        return text.to_string();
    }
    let end = text
        .char_indices()
        .nth(EXCERPT_CHARS - 1)
        .map_or(text.len(), |(i, _)| i);
    format!("{}…", &text[..end])
}

/// `text` cut to at most [`EXCERPT_CHARS`] characters, for error messages that quote a server.
pub(crate) fn shorten(text: &str) -> String {
    shorten_with(text, false)
}

/// The first characters of an answer (at most [`EXCERPT_CHARS`]), for error messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    // A character takes at most 4 bytes (an invalid byte becomes one U+FFFD), so these bytes
    // hold more characters than are shown.
    let head = &bytes[..bytes.len().min(EXCERPT_CHARS * 4)];
    let out = shorten_with(&String::from_utf8_lossy(head), head.len() < bytes.len());
    if out.is_empty() {
        "(empty)".to_string()
    } else {
        out
    }
}

/// The address of a request for messages: scheme, host, port and path (no query, no user).
fn answer_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

/// Reads an answer's body as a stream, never more than `limit` bytes.
///
/// A successful answer that announces (`Content-Length`) or sends more is
/// [`Error::AnswerTooLarge`], naming the address; an error answer (any other status) is read up
/// to [`ERROR_BODY_BYTES`] (and `limit`) and cut there, so its status still decides the error.
pub(crate) async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
    host: &str,
) -> Result<(StatusCode, Vec<u8>)> {
    let status = resp.status();
    let fail = status.is_success();
    let announced = resp.content_length();
    let too_large = |resp: &reqwest::Response| Error::AnswerTooLarge {
        url: answer_url(resp.url()),
        limit,
        announced,
    };
    if fail && announced.is_some_and(|n| n > limit) {
        return Err(too_large(&resp));
    }
    let cap = if fail {
        limit
    } else {
        limit.min(ERROR_BODY_BYTES)
    };
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let reserve = announced.unwrap_or(0).min(RESERVE_AHEAD_BYTES);
    let mut body = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0).min(cap));
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e, host))? {
        let room = cap - body.len();
        if chunk.len() > room {
            if fail {
                return Err(too_large(&resp));
            }
            body.extend_from_slice(&chunk[..room]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
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
    let joined = match (message, extra) {
        (Some(m), Some(d)) if d != m => format!("{m} ({d})"),
        (Some(m), _) => m,
        (None, Some(d)) => d,
        (None, None) => return None,
    };
    Some(shorten(&joined))
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

/// Quick retries of a login that renews an expired session, inside one attempt of a call.
const LOGIN_RETRIES: usize = 3;

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
        // A session that expired mid-call is renewed here, inside one attempt of the call: a
        // few quick tries on transient errors (the login is idempotent), so that one lost login
        // answer does not cost the call a whole retry with back-off.
        let token = (|| self.login_once())
            .retry(
                ExponentialBuilder::default()
                    .with_min_delay(self.inner.retry.min_delay / 4)
                    .with_max_delay(self.inner.retry.min_delay)
                    .with_max_times(LOGIN_RETRIES)
                    .with_jitter(),
            )
            .when(Error::is_transient)
            .notify(|e, d| tracing::debug!(code = e.code(), "login again in {d:?}: {e}"))
            .await?;
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
        let (_, bytes) = read_body(resp, inner.max_answer_bytes, &inner.ring_host).await?;
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
        read_body(resp, inner.max_answer_bytes, &inner.dam_host).await
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

    /// Sends `call` and decodes a list answer (a bare array, or one wrapped as `contents`,
    /// `items`, ...: see [`list_items`](crate::model::list_items)) item by item.
    pub(crate) async fn send_list<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<Vec<T>> {
        let bytes = self.send(call).await?;
        let v: serde_json::Value = decode(&bytes, call.what)?;
        let items = crate::model::list_items(v)
            .ok_or_else(|| undecodable(call.what, &bytes, "expected a list"))?;
        items
            .into_iter()
            .map(|item| {
                serde_json::from_value(item)
                    .map_err(|e| undecodable(call.what, &bytes, &e.to_string()))
            })
            .collect()
    }
}

/// An undecodable-answer error with an excerpt of `bytes`.
pub(crate) fn undecodable(what: &str, bytes: &[u8], detail: &str) -> Error {
    Error::Undecodable {
        what: what.to_string(),
        detail: shorten(detail),
        excerpt: excerpt(bytes),
    }
}

/// Decodes JSON, with an excerpt of the answer on failure.
pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    // serde's messages quote the offending value (`invalid type: string "…"`), so they are cut too.
    serde_json::from_slice(bytes).map_err(|e| undecodable(what, bytes, &e.to_string()))
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
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(b""), "(empty)");
        assert_eq!(excerpt(b"short"), "short");
    }

    #[test]
    fn excerpts_cut_on_char_boundaries_at_200() {
        // Exactly 200 characters: kept whole.
        let exact = "é".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(exact.as_bytes()), exact);
        assert_eq!(shorten(&exact), exact);
        // 201 multi-byte characters: 199 of them and an ellipsis.
        let over = "€".repeat(EXCERPT_CHARS + 1);
        let e = excerpt(over.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert_eq!(e, format!("{}…", "€".repeat(EXCERPT_CHARS - 1)));
        assert_eq!(shorten(&over), e);
        // 200 four-byte characters fill the bytes looked at; more follow: still marked as cut.
        let emoji = "😀".repeat(EXCERPT_CHARS + 50);
        let e = excerpt(emoji.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…'));
        // A cut inside a character and invalid bytes never panic.
        let mut bad = "a".repeat(799).into_bytes();
        bad.extend_from_slice("€€".as_bytes());
        bad.extend_from_slice(&[0xff; 10]);
        assert_eq!(excerpt(&bad).chars().count(), EXCERPT_CHARS);
        assert_eq!(excerpt(&[0xff, 0xfe]), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn dx_messages_and_decode_details_are_cut() {
        let body = serde_json::json!({"error": {"message": "m".repeat(5000), "details": "d"}});
        let m = dx_message(body.to_string().as_bytes()).unwrap();
        assert_eq!(m.chars().count(), EXCERPT_CHARS);
        assert!(m.ends_with('…'));
        // serde quotes the bad value in its message; the error's text stays short.
        let bytes = format!("{{\"n\": \"{}\"}}", "v".repeat(10_000));
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct N {
            n: u64,
        }
        let e = decode::<N>(bytes.as_bytes(), "test").unwrap_err();
        let Error::Undecodable {
            detail, excerpt, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert!(detail.chars().count() <= EXCERPT_CHARS, "{detail}");
        assert!(excerpt.chars().count() <= EXCERPT_CHARS, "{excerpt}");
        assert!(e.to_string().chars().count() < 600);
    }

    #[test]
    fn answer_url_has_no_query_or_user() {
        let u = reqwest::Url::parse("https://u:p@dx.example/dx/api/x?offset=5&limit=9#f").unwrap();
        assert_eq!(answer_url(&u), "https://dx.example/dx/api/x");
    }
}
