//! The one error type of this crate, with a stable machine code per kind.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// The workflow rule that refused to go on ([`Error::Refused`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Find pre-flight: staging sync operations are still in progress on the subscriber.
    PreflightFind,
    /// Resync pre-flight: sync operations failed on the subscriber.
    PreflightResync,
    /// Resync is not supported with two-way staging.
    TwoWayStaging,
    /// The archive made before deleting mismatch logs was not complete, so nothing was deleted.
    ArchiveIncomplete,
    /// A find or resync is already running for the subscriber (`FIND_MISMATCH_START` or
    /// `RESYNC_TRIGGER_START`), whoever started it: nothing is triggered over it.
    JobRunning,
    /// The report of a find that is not `FIND_MISMATCH_COMPLETED` is downloaded only when asked
    /// to (DXClient's `-forceDownload true`, since CF221).
    FindNotComplete,
}

/// The stable machine code of an [`Error`] (serialised in snake_case: `bad_credentials`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// [`Error::InvalidProfile`].
    InvalidProfile,
    /// [`Error::BadCredentials`].
    BadCredentials,
    /// [`Error::SessionRejected`].
    SessionRejected,
    /// [`Error::NotAdmin`].
    NotAdmin,
    /// [`Error::UnknownSubscriber`].
    UnknownSubscriber,
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::JobAlreadyRunning`].
    JobAlreadyRunning,
    /// [`Error::BadRequest`].
    BadRequest,
    /// [`Error::Server`].
    ServerError,
    /// [`Error::Tls`].
    Tls,
    /// [`Error::Timeout`].
    Timeout,
    /// [`Error::ConnectionRefused`].
    ConnectionRefused,
    /// [`Error::Network`].
    Network,
    /// [`Error::Undecodable`].
    UndecodableAnswer,
    /// [`Error::AnswerTooLarge`].
    AnswerTooLarge,
    /// [`Error::PagingBroken`].
    PagingBroken,
    /// [`Error::Refused`].
    Refused,
    /// [`Error::File`].
    File,
    /// [`Error::Report`].
    Report,
    /// [`Error::Cancelled`].
    Cancelled,
    /// A run's trigger could not be confirmed after its attempts (a run outcome, no [`Error`]).
    TriggerNotConfirmed,
    /// The subscriber's status was not one the watched job can show (a run outcome).
    UnexpectedStatus,
    /// This resync's sync operations stopped progressing (a run outcome).
    ResyncStalled,
    /// [`Error::NotComparable`].
    NotComparable,
}

impl ErrorCode {
    /// The code as text (`bad_credentials`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidProfile => "invalid_profile",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::SessionRejected => "session_rejected",
            ErrorCode::NotAdmin => "not_admin",
            ErrorCode::UnknownSubscriber => "unknown_subscriber",
            ErrorCode::NotFound => "not_found",
            ErrorCode::JobAlreadyRunning => "job_already_running",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ServerError => "server_error",
            ErrorCode::Tls => "tls",
            ErrorCode::Timeout => "timeout",
            ErrorCode::ConnectionRefused => "connection_refused",
            ErrorCode::Network => "network",
            ErrorCode::UndecodableAnswer => "undecodable_answer",
            ErrorCode::AnswerTooLarge => "answer_too_large",
            ErrorCode::PagingBroken => "paging_broken",
            ErrorCode::Refused => "refused",
            ErrorCode::File => "file",
            ErrorCode::Report => "report",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::TriggerNotConfirmed => "trigger_not_confirmed",
            ErrorCode::UnexpectedStatus => "unexpected_status",
            ErrorCode::ResyncStalled => "resync_stalled",
            ErrorCode::NotComparable => "not_comparable",
        }
    }
}

/// Everything that can go wrong talking to DX or running a staging workflow.
///
/// Each variant has a stable [`Error::code`]; serialised it becomes `{"code": ..., "message": ...}`
/// so a UI can match on the code and show the message. Messages never contain secrets.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A profile or setting is invalid; `field` names it (DXClient spelling, e.g. `dxPort`).
    #[error("invalid {field}: {message}")]
    InvalidProfile {
        /// The offending field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The Ring login answered 401: user name or password is wrong.
    #[error("{host} rejected the user name or password (401 at login)")]
    BadCredentials {
        /// `host:port` of the Ring API.
        host: String,
    },
    /// A call was still unauthorised after logging in again once.
    #[error("{host} rejected the session even after logging in again: {message}")]
    SessionRejected {
        /// `host:port` of the API.
        host: String,
        /// DX's message.
        message: String,
    },
    /// DX answered 403: the user is not a DAM administrator.
    #[error("the user is not allowed to do this (403, staging calls need a DAM administrator): {message}")]
    NotAdmin {
        /// DX's message.
        message: String,
    },
    /// DX answered 404 for a subscriber id.
    #[error("unknown subscriber {id}: {message}")]
    UnknownSubscriber {
        /// The subscriber id asked for.
        id: String,
        /// DX's message.
        message: String,
    },
    /// DX answered 404 for something else.
    #[error("not found: {message}")]
    NotFound {
        /// DX's message.
        message: String,
    },
    /// DX answered 409: a find or resync is already running.
    #[error("a staging job is already running (409): {message}")]
    JobAlreadyRunning {
        /// DX's message.
        message: String,
    },
    /// A record type that DX's records endpoints do not serve (HCL's API lists 10 types there:
    /// not `PERMISSION` or `RESOURCE`), so one record of it cannot be read or compared.
    #[error("{record_type} records cannot be read one by one: DX's records endpoint serves 10 record types, not PERMISSION or RESOURCE (HCL's API). Compare them in each environment's DAM access control instead")]
    NotComparable {
        /// The record type asked for.
        record_type: String,
    },
    /// DX answered 400: the request was refused as invalid.
    #[error("DX refused the request as invalid (400): {message}")]
    BadRequest {
        /// DX's message.
        message: String,
    },
    /// DX answered another error status; `message` is DX's own message when its body had one.
    #[error("DX answered {status}: {message}")]
    Server {
        /// HTTP status code.
        status: u16,
        /// DX's message (or the status text).
        message: String,
    },
    /// The TLS handshake failed (certificate not trusted, wrong name, ...).
    #[error("TLS problem with {host}: {detail}. Hint: if the server uses a private or self-signed certificate, set a custom CA file (PEM) in the profile")]
    Tls {
        /// `host:port`.
        host: String,
        /// What the TLS layer said.
        detail: String,
    },
    /// The server did not answer in time.
    #[error("{host} did not answer in time (timeout)")]
    Timeout {
        /// `host:port`.
        host: String,
    },
    /// Nothing listens at the address (connection refused) or the name does not resolve.
    #[error("cannot connect to {host}: {detail}")]
    ConnectionRefused {
        /// `host:port`.
        host: String,
        /// Refused, unresolvable, ...
        detail: String,
    },
    /// The connection broke in another way (reset, closed mid-answer).
    #[error("network problem with {host}: {detail}")]
    Network {
        /// `host:port`.
        host: String,
        /// What broke.
        detail: String,
    },
    /// DX's answer could not be understood.
    #[error("could not understand the answer to {what}: {detail}; answer began with: {excerpt}")]
    Undecodable {
        /// Which call.
        what: String,
        /// The decoding problem.
        detail: String,
        /// The first characters of the answer.
        excerpt: String,
    },
    /// An answer was larger than the client's cap on one answer (see
    /// [`ClientBuilder::max_answer_bytes`](crate::ClientBuilder::max_answer_bytes); 64 MiB by
    /// default): reading stopped there, so a hostile or broken server or proxy cannot fill the
    /// memory. `url` is the address without its query; the cookie is never part of it.
    #[error("the answer of {url} is larger than {}, the most this client reads from one answer: this is not a DX answer of normal size (a proxy or a broken server?); check the server, or raise the limit", human_bytes(*.limit))]
    AnswerTooLarge {
        /// `scheme://host:port/path` of the request (no query).
        url: String,
        /// The cap in bytes.
        limit: u64,
        /// The size the server announced (`Content-Length`), when it announced one.
        announced: Option<u64>,
    },
    /// A list endpoint's pages do not fit together: a page held only rows already received, so
    /// the server ignores `offset` (or the list changed while it was read). Reading stops rather
    /// than loop or keep a report that repeats or misses rows.
    #[error("{host} returned, for {what} at offset {offset}, only rows it had already sent: the server ignores `offset` (or the list changed while it was read), so the list cannot be read completely; check the server or a proxy in front of it")]
    PagingBroken {
        /// `host:port` of the API.
        host: String,
        /// Which list.
        what: String,
        /// The offset of the page that repeated earlier rows.
        offset: u64,
    },
    /// A workflow rule refused to go on (pre-flight, two-way staging guard, ...).
    #[error("{message}")]
    Refused {
        /// Which rule.
        rule: Rule,
        /// Why, in the user's words.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("file {path}: {message}")]
    File {
        /// The path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The report writer or counter stopped (its task ended or panicked).
    #[error("report: {0}")]
    Report(String),
    /// A report file could not be read or written. The report error is kept as it is (its
    /// [`source`](std::error::Error::source)), with the line, column and record of a CSV error;
    /// the code is the same `report`.
    #[error("report: {0}")]
    ReportFile(#[from] mismatch_report::ReportError),
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// The stable machine code of this kind of error.
    pub fn kind(&self) -> ErrorCode {
        match self {
            Error::InvalidProfile { .. } => ErrorCode::InvalidProfile,
            Error::BadCredentials { .. } => ErrorCode::BadCredentials,
            Error::SessionRejected { .. } => ErrorCode::SessionRejected,
            Error::NotAdmin { .. } => ErrorCode::NotAdmin,
            Error::UnknownSubscriber { .. } => ErrorCode::UnknownSubscriber,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::JobAlreadyRunning { .. } => ErrorCode::JobAlreadyRunning,
            Error::NotComparable { .. } => ErrorCode::NotComparable,
            Error::BadRequest { .. } => ErrorCode::BadRequest,
            Error::Server { .. } => ErrorCode::ServerError,
            Error::Tls { .. } => ErrorCode::Tls,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::ConnectionRefused { .. } => ErrorCode::ConnectionRefused,
            Error::Network { .. } => ErrorCode::Network,
            Error::Undecodable { .. } => ErrorCode::UndecodableAnswer,
            Error::AnswerTooLarge { .. } => ErrorCode::AnswerTooLarge,
            Error::PagingBroken { .. } => ErrorCode::PagingBroken,
            Error::Refused { .. } => ErrorCode::Refused,
            Error::File { .. } => ErrorCode::File,
            Error::Report(_) | Error::ReportFile(_) => ErrorCode::Report,
            Error::Cancelled => ErrorCode::Cancelled,
        }
    }

    /// The machine code as text (`bad_credentials`): [`Error::kind`] spelt out.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Whether a read may be retried after this error: timeouts, broken connections, 500 (which
    /// HCL documents as "the portal server is not reachable") and 502–504.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::ConnectionRefused { .. } | Error::Network { .. } => true,
            Error::Server { status, .. } => matches!(status, 500 | 502..=504),
            _ => false,
        }
    }

    /// Whether the outcome of a call is unknown (it may or may not have reached DX):
    /// timeouts, broken connections and gateway errors.
    pub fn is_unclear_outcome(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Network { .. } => true,
            Error::Server { status, .. } => matches!(status, 500 | 502..=504),
            _ => false,
        }
    }

    pub(crate) fn file(path: &std::path::Path, err: impl std::fmt::Display) -> Self {
        Error::File {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }

    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::InvalidProfile {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Error", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// `n` bytes in words: whole MiB or KiB when exact, else bytes.
fn human_bytes(n: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = Error::JobAlreadyRunning {
            message: "find running".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "job_already_running");
        assert!(v["message"].as_str().unwrap().contains("find running"));
    }

    #[test]
    fn transient_and_unclear() {
        let t = Error::Timeout { host: "h:1".into() };
        assert!(t.is_transient() && t.is_unclear_outcome());
        let refused = Error::ConnectionRefused {
            host: "h:1".into(),
            detail: "refused".into(),
        };
        assert!(refused.is_transient() && !refused.is_unclear_outcome());
        let s503 = Error::Server {
            status: 503,
            message: "x".into(),
        };
        assert!(s503.is_transient());
        let s500 = Error::Server {
            status: 500,
            message: "x".into(),
        };
        assert!(s500.is_transient() && s500.is_unclear_outcome());
        let s501 = Error::Server {
            status: 501,
            message: "x".into(),
        };
        assert!(!s501.is_transient() && !s501.is_unclear_outcome());
        assert!(!Error::NotAdmin { message: "".into() }.is_transient());
    }

    #[test]
    fn a_report_file_error_keeps_its_place_in_the_file() {
        let e = Error::from(mismatch_report::ReportError::NotUtf8 {
            line: 12,
            column: "recordType".into(),
        });
        assert_eq!(e.code(), "report");
        assert!(e.to_string().starts_with("report: line 12"), "{e}");
        let source = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<mismatch_report::ReportError>());
        assert!(
            matches!(source, Some(mismatch_report::ReportError::NotUtf8 { line: 12, column }) if column == "recordType"),
            "{source:?}"
        );
    }

    #[test]
    fn tls_message_has_hint() {
        let e = Error::Tls {
            host: "dx:443".into(),
            detail: "UnknownIssuer".into(),
        };
        assert!(e.to_string().contains("custom CA"));
        assert_eq!(e.code(), "tls");
    }

    #[test]
    fn answer_too_large_serialises_with_url_and_limit() {
        let e = Error::AnswerTooLarge {
            url: "https://dx.example:443/dx/api/dam/v1/staging/mismatches".into(),
            limit: 64 << 20,
            announced: Some(100 << 20),
        };
        assert!(!e.is_transient() && !e.is_unclear_outcome());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "answer_too_large");
        let m = v["message"].as_str().unwrap();
        assert!(
            m.contains("https://dx.example:443/dx/api/dam/v1/staging/mismatches"),
            "{m}"
        );
        assert!(m.contains("64 MiB"), "{m}");
        assert_eq!(v.as_object().unwrap().len(), 2);
        assert_eq!(human_bytes(1000), "1000 bytes");
        assert_eq!(human_bytes(2048), "2 KiB");
    }
}
