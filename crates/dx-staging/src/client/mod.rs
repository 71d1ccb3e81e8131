//! The DX client: Ring login with the `LtpaToken2` cookie, DAM staging calls, retries.
//!
//! One handler per resource, like octocrab: [`Client::subscribers`], [`Client::mismatches`],
//! [`Client::operations`], [`Client::records`].
//!
//! Changing a DX path or parameter: ARCHITECTURE.md, "Where to change things → A DX API path or
//! parameter".

mod http;
mod mismatches;
mod operations;
mod paging;
mod records;
mod registration;
mod subscribers;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::profile::{load_ca, Profile, TlsMode};
use crate::secret::Secret;

pub use mismatches::{MismatchQuery, Mismatches};
pub use operations::{Operations, OperationsQuery};
pub(crate) use paging::read_all_pages;
pub use paging::PagingSummary;
pub use records::Records;
pub use registration::{
    Registration, CREDENTIALS_NOT_SET, DEFAULT_CYCLE_LENGTH_MINUTES, MAX_CYCLE_LENGTH_MINUTES,
};
pub use subscribers::{running_job, Subscribers, TriggerKind, TriggerOutcome, MAX_TRIGGER_SENDS};

/// How reads are retried: exponential back-off with jitter between `min_delay` and `max_delay`,
/// at most `max_retries` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First delay.
    pub min_delay: Duration,
    /// Largest delay.
    pub max_delay: Duration,
    /// Retries after the first attempt.
    pub max_retries: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            // A DX behind a busy proxy answers 5xx in bursts: ten retries (about a minute at
            // most) make a lost read rare even at 30 % errors (0.3¹¹ ≈ 2 in a million).
            max_retries: 10,
        }
    }
}

/// The most bytes read from one DX answer unless [`ClientBuilder::max_answer_bytes`] says
/// otherwise: 64 MiB. The largest answers are list pages: a page of 5,000 mismatch logs (the
/// default page size) is about 2 MB, so this leaves room for servers with far larger pages or
/// fields while a broken server or proxy cannot make the client read without end.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 64 << 20;

/// A client for one DX environment. Cheap to clone, `Send + Sync`; clones share the session.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("ring_base", &self.inner.ring_base)
            .field("dam_base", &self.inner.dam_base)
            .field("username", &self.inner.username)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Session {
    pub(crate) token: Option<Secret>,
    pub(crate) generation: u64,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) ring_base: String,
    pub(crate) dam_base: String,
    pub(crate) ring_host: String,
    pub(crate) dam_host: String,
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) session: Mutex<Session>,
    pub(crate) retry: RetryPolicy,
    pub(crate) insecure: bool,
    /// The most bytes read from one answer.
    pub(crate) max_answer_bytes: u64,
}

/// Builds a [`Client`] from a profile and a password.
#[derive(Debug)]
pub struct ClientBuilder {
    profile: Profile,
    password: Secret,
    ring_base: Option<String>,
    dam_base: Option<String>,
    retry: RetryPolicy,
    max_answer_bytes: u64,
}

impl ClientBuilder {
    /// Overrides the Ring base URL (normally from the profile), e.g. for a proxy or tests.
    pub fn ring_base(mut self, url: impl Into<String>) -> Self {
        self.ring_base = Some(url.into());
        self
    }

    /// Overrides the DAM base URL (normally from the profile).
    pub fn dam_base(mut self, url: impl Into<String>) -> Self {
        self.dam_base = Some(url.into());
        self
    }

    /// Sets how reads are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the most bytes read from one answer ([`DEFAULT_MAX_ANSWER_BYTES`] by default); a
    /// larger successful answer is [`Error::AnswerTooLarge`] (an error answer is cut there).
    pub fn max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = bytes;
        self
    }

    /// Validates the profile and builds the client (no network traffic yet).
    ///
    /// HTTPS trusts the operating system's store (see [`TlsMode::Verify`]) plus the profile's
    /// CA file, if any; [`TlsMode::AcceptInvalid`] turns checking off.
    pub fn build(self) -> Result<Client> {
        self.profile.validate()?;
        let p = &self.profile;
        let ring_base = trim_slash(self.ring_base.unwrap_or_else(|| p.ring_base_url()));
        let dam_base = trim_slash(self.dam_base.unwrap_or_else(|| p.dam_base_url()));
        let mut http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(p.timeouts.connect_secs))
            .timeout(Duration::from_secs(p.timeouts.request_secs))
            .user_agent(concat!("dam-staging/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        let uses_https = [&ring_base, &dam_base].iter().any(|u| {
            u.get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        });
        http = match &p.tls {
            TlsMode::AcceptInvalid => http.use_rustls_tls().danger_accept_invalid_certs(true),
            // Plain http: no certificate to check, and no need for a trust store.
            _ if !uses_https => http.use_rustls_tls(),
            TlsMode::Verify => http.use_preconfigured_tls(tls_config(Vec::new(), &dam_base)?),
            TlsMode::CustomCa { ca_pem_path, .. } => {
                http.use_preconfigured_tls(tls_config(load_ca(ca_pem_path)?, &dam_base)?)
            }
        };
        let http = http
            .build()
            .map_err(|e| Error::invalid("tls", format!("cannot set up HTTPS: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                ring_host: host_port(&ring_base),
                dam_host: host_port(&dam_base),
                ring_base,
                dam_base,
                username: p.dx_username.clone(),
                password: self.password,
                session: Mutex::new(Session {
                    token: None,
                    generation: 0,
                }),
                retry: self.retry,
                max_answer_bytes: self.max_answer_bytes,
                insecure: p.tls.is_insecure(),
            }),
        })
    }
}

/// The rustls configuration of a verifying client: the platform verifier (Windows and macOS:
/// the OS's own certificate verification; Linux and other Unix: the system CA bundle, or
/// `SSL_CERT_FILE` / `SSL_CERT_DIR` when set) with `extra_roots` trusted besides.
fn tls_config(
    extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    base_url: &str,
) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let with_extra = !extra_roots.is_empty();
    let verifier = if with_extra {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new(provider.clone())
    }
    .map_err(|e| {
        if with_extra {
            Error::invalid("tls.caPemPath", format!("cannot trust the CA file: {e}"))
        } else {
            // Only on Linux and other Unix systems: no CA bundle was found or none could be read.
            tracing::warn!(error = %e, "the system's trusted certificates could not be loaded");
            Error::Tls {
                host: host_port(base_url),
                detail: format!(
                    "the system's trusted certificates could not be loaded ({e}); install the \
                     system's CA certificates (the ca-certificates package) or point \
                     SSL_CERT_FILE / SSL_CERT_DIR at a PEM bundle"
                ),
            }
        }
    })?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid("tls", format!("cannot set up HTTPS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

fn trim_slash(mut s: String) -> String {
    while s.ends_with('/') {
        s.pop();
    }
    s
}

/// `host:port` of a URL, for messages.
fn host_port(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}:{}",
            u.host_str().unwrap_or("?"),
            u.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => url.to_string(),
    }
}

impl Client {
    /// Starts building a client for `profile`, logging in with `password`.
    pub fn builder(profile: &Profile, password: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder {
            profile: profile.clone(),
            password: password.into(),
            ring_base: None,
            dam_base: None,
            retry: RetryPolicy::default(),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
        }
    }

    /// The DAM base URL this client calls.
    pub fn dam_base(&self) -> &str {
        &self.inner.dam_base
    }

    /// `host:port` of the DAM API, for messages.
    pub(crate) fn dam_host(&self) -> String {
        host_port(&self.inner.dam_base)
    }

    /// The Ring base URL this client logs in at.
    pub fn ring_base(&self) -> &str {
        &self.inner.ring_base
    }

    /// Whether certificate checking is off for this client (to be flagged in the UI).
    pub fn is_insecure(&self) -> bool {
        self.inner.insecure
    }

    /// Logs in now (the other calls log in on demand); useful as a connection test.
    pub async fn login(&self) -> Result<()> {
        use backon::Retryable;
        (|| self.relogin(None))
            .retry(self.backoff())
            .when(Error::is_transient)
            .await
            .map(|_| ())
    }

    /// Subscriber registrations on this (publisher) environment.
    pub fn subscribers(&self) -> Subscribers<'_> {
        Subscribers { client: self }
    }

    /// Staging mismatch logs on this (publisher) environment.
    pub fn mismatches(&self) -> Mismatches<'_> {
        Mismatches { client: self }
    }

    /// DAM operations of this environment.
    pub fn operations(&self) -> Operations<'_> {
        Operations { client: self }
    }

    /// Staging record details of this environment.
    pub fn records(&self) -> Records<'_> {
        Records { client: self }
    }
}

#[cfg(test)]
mod tests;
