//! Connection profiles: what DXClient's flags hold, plus TLS, timeouts, the DX release (its CF
//! level) and, on a publisher, the link from each of its subscribers to that subscriber
//! environment's own profile. Passwords are never part of a profile.
//!
//! ## Subscriber environments
//!
//! A publisher stages to several subscribers (blue/green rendering environments, say), each its
//! own DX with its own connection. A publisher's profile links each subscriber, by its
//! registration id, to that environment's profile ([`SubscriberLink`]); a run, a pre-flight, the
//! two-way staging guard, the operations watch and a record comparison of subscriber `S` use the
//! environment linked to `S` ([`Profile::subscriber_env`]). A saved profile whose host is a
//! subscriber's `targetHost` ([`same_host`]) is *offered* for it ([`offered_environment`]), never
//! used before the user links it.
//!
//! Profiles saved before this knew one subscriber environment per publisher
//! (`subscriberProfileId`). Such a file loads unchanged and that one link is kept as the
//! publisher's **fallback**: it stands for the subscriber whose `targetHost` is that profile's
//! host when one is; when none is, for every subscriber not linked otherwise (the old
//! behaviour). An explicit link always wins; saving the publisher's form writes explicit links.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::workflow::FindWatch;

/// The first DX release (CF level) whose finds are judged by their progress rather than by
/// HCL's 30-minute limit ([`FindWatch::Progress`]).
pub const FIND_PROGRESS_SINCE_CF: u16 = 218;

/// One subscriber of a publisher linked to the profile of that subscriber's own environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberLink {
    /// The subscriber's registration id on the publisher.
    pub subscriber_id: String,
    /// The profile of the subscriber's environment.
    pub profile_id: String,
}

/// How a subscriber's environment was found ([`Profile::subscriber_env`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum EnvSource {
    /// The publisher links this subscriber to it.
    Linked,
    /// The publisher's older single link (`subscriberProfileId`), kept as a fallback.
    Fallback,
}

/// The profile of one subscriber's environment and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberEnv {
    /// The environment's profile id.
    pub profile_id: String,
    /// Linked, or the fallback.
    pub source: EnvSource,
}

/// A subscriber as the links rules read it: its id and its `targetHost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriberTarget<'a> {
    /// Registration id.
    pub id: &'a str,
    /// `targetHost`, when DX gave one.
    pub target_host: Option<&'a str>,
}

/// How the server's TLS certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum TlsMode {
    /// Verify against the operating system's trust store (the default): the platform verifier
    /// on Windows and macOS, the system CA bundle on Linux (`SSL_CERT_FILE` / `SSL_CERT_DIR`
    /// replace it when set). No root list is compiled into the binary.
    #[default]
    Verify,
    /// Trust the OS store and also the certificate(s) in this PEM file (a private CA, or a
    /// self-signed server certificate given as its own CA).
    CustomCa {
        /// Path of the PEM file that is read when connecting. The app keeps its own copy and
        /// points here at the copy.
        #[serde(rename = "caPemPath")]
        ca_pem_path: PathBuf,
        /// Where the file was chosen from, when `caPemPath` is a copy kept by the app. Shown to
        /// the user only; never read.
        #[serde(
            rename = "caOriginal",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        ca_original: Option<PathBuf>,
    },
    /// Accept any certificate. Insecure; shown as a visible warning wherever the profile is used.
    AcceptInvalid,
}

impl TlsMode {
    /// Whether this mode turns certificate checking off (to be flagged in every UI).
    pub fn is_insecure(&self) -> bool {
        matches!(self, TlsMode::AcceptInvalid)
    }
}

/// Network time limits of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeouts {
    /// Time allowed to open a connection, seconds.
    pub connect_secs: u64,
    /// Time allowed for one whole request, seconds.
    pub request_secs: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_secs: 10,
            request_secs: 60,
        }
    }
}

/// How DX is reached (DXClient `-dxProtocol`): lower case on the wire.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Plain `http://` (flagged unless the host is this machine).
    Http,
    /// `https://` (the default).
    #[default]
    Https,
}

impl Protocol {
    /// The scheme as DXClient spells it (`http`, `https`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }

    /// `text` as a protocol, in any case (`HTTPS`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Protocol> {
        [Protocol::Http, Protocol::Https]
            .into_iter()
            .find(|p| text.eq_ignore_ascii_case(p.as_str()))
    }
}

/// A saved connection to one DX environment, with DXClient's setting names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The app's id for this profile (any string; empty when unsaved).
    #[serde(default)]
    pub id: String,
    /// A display name.
    #[serde(default)]
    pub name: String,
    /// `http` or `https` (DXClient `-dxProtocol`).
    #[serde(rename = "dxProtocol", default = "default_protocol")]
    pub dx_protocol: String,
    /// Host name or IP address, without scheme, port or path (DXClient `-hostname`).
    pub hostname: String,
    /// DX portal port (DXClient `-dxPort`).
    #[serde(rename = "dxPort", default = "default_port")]
    pub dx_port: u32,
    /// Ring (core) API port (DXClient `-ringAPIPort`).
    #[serde(rename = "ringAPIPort", default = "default_port")]
    pub ring_api_port: u32,
    /// DAM API port (DXClient `-damAPIPort`).
    #[serde(rename = "damAPIPort", default = "default_port")]
    pub dam_api_port: u32,
    /// Ring API version, like `v1` (DXClient `-ringAPIVersion`).
    #[serde(rename = "ringAPIVersion", default = "default_version")]
    pub ring_api_version: String,
    /// DAM API version, like `v1` (DXClient `-damAPIVersion`).
    #[serde(rename = "damAPIVersion", default = "default_version")]
    pub dam_api_version: String,
    /// User name (DXClient `-dxUsername`).
    #[serde(rename = "dxUsername", default)]
    pub dx_username: String,
    /// Certificate checking.
    #[serde(default)]
    pub tls: TlsMode,
    /// Time limits.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// Each subscriber of this publisher linked to its environment's profile (see the module
    /// documentation).
    #[serde(
        rename = "subscriberLinks",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subscriber_links: Vec<SubscriberLink>,
    /// The one subscriber environment of profiles saved before [`subscriber_links`]
    /// (`subscriberProfileId`), kept as the fallback (see the module documentation).
    ///
    /// [`subscriber_links`]: Self::subscriber_links
    #[serde(
        rename = "subscriberProfileId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub fallback_subscriber_profile_id: Option<String>,
    /// The DX release's CF level (`224` for CF224); `None`: a current release. Decides how a
    /// running find is judged ([`Profile::find_watch`]).
    #[serde(rename = "dxCfLevel", default, skip_serializing_if = "Option::is_none")]
    pub dx_cf_level: Option<u16>,
}

fn default_protocol() -> String {
    "https".into()
}
fn default_port() -> u32 {
    443
}
fn default_version() -> String {
    "v1".into()
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            id: String::new(),
            name: String::new(),
            dx_protocol: default_protocol(),
            hostname: String::new(),
            dx_port: 443,
            ring_api_port: 443,
            dam_api_port: 443,
            ring_api_version: default_version(),
            dam_api_version: default_version(),
            dx_username: String::new(),
            tls: TlsMode::Verify,
            timeouts: Timeouts::default(),
            subscriber_links: Vec::new(),
            fallback_subscriber_profile_id: None,
            dx_cf_level: None,
        }
    }
}

impl Profile {
    /// A profile for `hostname` with every other setting at DXClient's defaults.
    pub fn new(hostname: impl Into<String>, username: impl Into<String>) -> Self {
        Profile {
            hostname: hostname.into(),
            dx_username: username.into(),
            ..Profile::default()
        }
    }

    /// Every problem of this profile, each naming its field. Empty when the profile is usable.
    pub fn problems(&self) -> Vec<Error> {
        let mut out = Vec::new();
        if self.protocol().is_none() {
            out.push(Error::invalid(
                "dxProtocol",
                format!("must be https or http, not {:?}", self.dx_protocol),
            ));
        }
        if let Err(e) = check_hostname(&self.hostname) {
            out.push(e);
        }
        for (field, port) in [
            ("dxPort", self.dx_port),
            ("ringAPIPort", self.ring_api_port),
            ("damAPIPort", self.dam_api_port),
        ] {
            if !(1..=65535).contains(&port) {
                out.push(Error::invalid(
                    field,
                    format!("{port} is not a port (1-65535)"),
                ));
            }
        }
        for (field, v) in [
            ("ringAPIVersion", &self.ring_api_version),
            ("damAPIVersion", &self.dam_api_version),
        ] {
            if !is_api_version(v) {
                out.push(Error::invalid(
                    field,
                    format!("{v:?} is not an API version like v1"),
                ));
            }
        }
        if self.dx_username.trim().is_empty() {
            out.push(Error::invalid("dxUsername", "is empty"));
        }
        if let TlsMode::CustomCa { ca_pem_path, .. } = &self.tls {
            if let Err(e) = load_ca(ca_pem_path) {
                out.push(e);
            }
        }
        if self.timeouts.connect_secs == 0 {
            out.push(Error::invalid("timeouts.connectSecs", "must be at least 1"));
        }
        if self.timeouts.request_secs == 0 {
            out.push(Error::invalid("timeouts.requestSecs", "must be at least 1"));
        }
        if let Some(cf) = self.dx_cf_level {
            if !(1..=MAX_CF_LEVEL).contains(&cf) {
                out.push(Error::invalid(
                    "dxCfLevel",
                    format!("{cf} is not a CF level: give the number of the DX release's cumulative fix, like 224 (1-{MAX_CF_LEVEL}), or leave it empty for a current release"),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for link in &self.subscriber_links {
            if link.subscriber_id.trim().is_empty() || link.profile_id.trim().is_empty() {
                out.push(Error::invalid(
                    "subscriberLinks",
                    "a link needs both a subscriber and a profile",
                ));
            } else if !seen.insert(link.subscriber_id.as_str()) {
                out.push(Error::invalid(
                    "subscriberLinks",
                    format!(
                        "subscriber {} is linked twice: a subscriber has one environment",
                        link.subscriber_id
                    ),
                ));
            }
            if !self.id.is_empty() && link.profile_id == self.id {
                out.push(Error::invalid(
                    "subscriberLinks",
                    "a profile cannot be its own subscriber's environment",
                ));
            }
        }
        if !self.id.is_empty() && self.fallback_subscriber_profile_id.as_deref() == Some(&self.id) {
            out.push(Error::invalid(
                "subscriberProfileId",
                "a profile cannot be its own subscriber environment",
            ));
        }
        out
    }

    /// How a running find is judged on this DX: by its operations' progress (CF218 and later,
    /// or no CF level given: a current release), or by HCL's 30-minute limit (before CF218).
    pub fn find_watch(&self) -> FindWatch {
        match self.dx_cf_level {
            Some(cf) if cf < FIND_PROGRESS_SINCE_CF => FindWatch::TimeLimit,
            _ => FindWatch::Progress,
        }
    }

    /// Where this profile's DX is, as a subscriber's `targetHost` names it:
    /// `{dxProtocol}://{hostname}:{dxPort}` (compare with [`same_host`]).
    pub fn host_and_port(&self) -> String {
        format!(
            "{}://{}:{}",
            self.dx_protocol.to_ascii_lowercase(),
            self.hostname.trim(),
            self.dx_port
        )
    }

    /// The profile explicitly linked to `subscriber_id`, if any.
    pub fn link_for(&self, subscriber_id: &str) -> Option<&str> {
        self.subscriber_links
            .iter()
            .find(|l| l.subscriber_id == subscriber_id)
            .map(|l| l.profile_id.as_str())
    }

    /// Links `subscriber_id` to `profile_id` (replacing its link), or unlinks it (`None`).
    pub fn set_link(&mut self, subscriber_id: &str, profile_id: Option<&str>) {
        self.subscriber_links
            .retain(|l| l.subscriber_id != subscriber_id);
        if let Some(p) = profile_id {
            self.subscriber_links.push(SubscriberLink {
                subscriber_id: subscriber_id.to_string(),
                profile_id: p.to_string(),
            });
        }
    }

    /// Every profile this one names as a subscriber environment (links and the fallback).
    pub fn environment_ids(&self) -> impl Iterator<Item = &str> {
        self.subscriber_links
            .iter()
            .map(|l| l.profile_id.as_str())
            .chain(self.fallback_subscriber_profile_id.as_deref())
    }

    /// Whether this profile names `profile_id` as a subscriber environment.
    pub fn names_environment(&self, profile_id: &str) -> bool {
        self.environment_ids().any(|id| id == profile_id)
    }

    /// Forgets every link to `profile_id` (a profile being deleted); whether one was removed.
    pub fn unlink_profile(&mut self, profile_id: &str) -> bool {
        let before = self.subscriber_links.len();
        self.subscriber_links.retain(|l| l.profile_id != profile_id);
        let mut removed = self.subscriber_links.len() != before;
        if self.fallback_subscriber_profile_id.as_deref() == Some(profile_id) {
            self.fallback_subscriber_profile_id = None;
            removed = true;
        }
        removed
    }

    /// Moves the link of a subscriber that was registered again under a new id.
    pub fn move_link(&mut self, from_subscriber: &str, to_subscriber: &str) {
        for l in &mut self.subscriber_links {
            if l.subscriber_id == from_subscriber {
                l.subscriber_id = to_subscriber.to_string();
            }
        }
    }

    /// The environment of subscriber `subscriber_id` of this publisher: its link; else the
    /// fallback, when it stands for this subscriber (module documentation). `subscribers` are
    /// the publisher's subscribers as DX lists them (`None`: not known, then the fallback stands
    /// for every subscriber not linked otherwise, as before links existed); `profile_host`
    /// gives a profile's [`host_and_port`](Self::host_and_port) by id (`None`: no such profile).
    pub fn subscriber_env(
        &self,
        subscriber_id: &str,
        subscribers: Option<&[SubscriberTarget<'_>]>,
        profile_host: impl Fn(&str) -> Option<String>,
    ) -> Option<SubscriberEnv> {
        if let Some(p) = self.link_for(subscriber_id) {
            return Some(SubscriberEnv {
                profile_id: p.to_string(),
                source: EnvSource::Linked,
            });
        }
        let fallback = self.fallback_subscriber_profile_id.as_deref()?;
        let stands_for_this = match (subscribers, profile_host(fallback)) {
            (Some(subs), Some(host)) => {
                let matches =
                    |s: &SubscriberTarget<'_>| s.target_host.is_some_and(|t| same_host(t, &host));
                if subs.iter().any(matches) {
                    subs.iter().any(|s| s.id == subscriber_id && matches(s))
                } else {
                    true
                }
            }
            _ => true,
        };
        stands_for_this.then(|| SubscriberEnv {
            profile_id: fallback.to_string(),
            source: EnvSource::Fallback,
        })
    }
}

/// The highest CF level accepted ([`Profile::dx_cf_level`]).
pub const MAX_CF_LEVEL: u16 = 999;

/// The profile among `profiles` (other than the publisher `publisher_id`) whose host is
/// `target_host` ([`same_host`]): the environment offered for a subscriber not linked yet.
pub fn offered_environment<'a>(
    target_host: &str,
    publisher_id: &str,
    profiles: impl IntoIterator<Item = &'a Profile>,
) -> Option<&'a Profile> {
    profiles
        .into_iter()
        .find(|p| p.id != publisher_id && same_host(&p.host_and_port(), target_host))
}

/// Whether two host names name the same DX ([`crate::hostname::same_host`]): compared without
/// case, a trailing dot, an `https://` or `http://` prefix, a path after the host, user
/// information, or a default port (443 or 80). `dx.example.com`, `DX.Example.com.:443` and
/// `https://dx.example.com/` are the same host; `dx.example.com:10039` is another. An empty
/// host is the same as none.
pub use crate::hostname::same_host;

impl Profile {
    /// Checks the profile; the error names the first bad field.
    pub fn validate(&self) -> Result<()> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Whether this profile talks plain `http://` to a host that is not this machine (not
    /// `localhost`, 127.0.0.0/8 or `::1`): the password and the session cookie then cross the
    /// network unencrypted. Flagged like [`TlsMode::is_insecure`] wherever the profile is used.
    pub fn is_plaintext_remote(&self) -> bool {
        self.protocol() == Some(Protocol::Http) && !is_loopback_host(&self.hostname)
    }

    /// [`dx_protocol`](Self::dx_protocol) as a [`Protocol`]; `None` when it is neither `http`
    /// nor `https` (a problem of [`problems`](Self::problems)).
    pub fn protocol(&self) -> Option<Protocol> {
        Protocol::parse(&self.dx_protocol)
    }

    fn host_for_url(&self) -> String {
        self.hostname.trim().to_string()
    }

    /// `{dxProtocol}://{hostname}:{ringAPIPort}/dx/api/core/{ringAPIVersion}`.
    pub fn ring_base_url(&self) -> String {
        format!(
            "{}://{}:{}/dx/api/core/{}",
            self.dx_protocol.to_ascii_lowercase(),
            self.host_for_url(),
            self.ring_api_port,
            self.ring_api_version
        )
    }

    /// `{dxProtocol}://{hostname}:{damAPIPort}/dx/api/dam/{damAPIVersion}`.
    pub fn dam_base_url(&self) -> String {
        format!(
            "{}://{}:{}/dx/api/dam/{}",
            self.dx_protocol.to_ascii_lowercase(),
            self.host_for_url(),
            self.dam_api_port,
            self.dam_api_version
        )
    }

    /// Reads a DXClient-style settings JSON (keys `dxProtocol, hostname, dxPort, ringAPIPort,
    /// damAPIPort, ringAPIVersion, damAPIVersion, dxUsername, dxPassword`; ports as numbers or
    /// strings; empty values take the defaults; other keys ignored) into a profile and the password
    /// it held, if any. The profile is returned unvalidated; call [`Profile::validate`].
    pub fn from_dxclient_settings(json: &str) -> Result<(Profile, Option<Secret>)> {
        let v: Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid("settings", format!("not valid JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| Error::invalid("settings", "must be a JSON object"))?;
        let text = |key: &str| -> Result<Option<String>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(other) => Err(Error::invalid(
                    key,
                    format!("must be a string, not {other}"),
                )),
            }
        };
        let port = |key: &str| -> Result<u32> {
            match text(key)? {
                None => Ok(443),
                Some(s) => s
                    .parse::<u32>()
                    .map_err(|_| Error::invalid(key, format!("{s:?} is not a port number"))),
            }
        };
        let mut p = Profile::default();
        if let Some(s) = text("dxProtocol")? {
            p.dx_protocol = s;
        }
        p.hostname = text("hostname")?.unwrap_or_default();
        p.dx_port = port("dxPort")?;
        p.ring_api_port = port("ringAPIPort")?;
        p.dam_api_port = port("damAPIPort")?;
        if let Some(s) = text("ringAPIVersion")? {
            p.ring_api_version = s;
        }
        if let Some(s) = text("damAPIVersion")? {
            p.dam_api_version = s;
        }
        p.dx_username = text("dxUsername")?.unwrap_or_default();
        let password = match obj.get("dxPassword") {
            Some(Value::String(s)) if !s.is_empty() => Some(Secret::new(s.clone())),
            _ => None,
        };
        Ok((p, password))
    }
}

fn is_api_version(v: &str) -> bool {
    let mut chars = v.chars();
    chars.next() == Some('v')
        && v.len() > 1
        && v[1..].chars().next().is_some_and(|c| c.is_ascii_digit())
        && v[1..].chars().all(|c| c.is_ascii_alphanumeric())
}

/// `localhost` (with or without a trailing dot), an address in 127.0.0.0/8, `::1` (bracketed
/// or not) or an IPv4-mapped loopback address.
fn is_loopback_host(host: &str) -> bool {
    let h = host.trim();
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    bare.parse::<IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

fn check_hostname(h: &str) -> Result<()> {
    let field = "hostname";
    if h.trim().is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    if h.contains("://") {
        return Err(Error::invalid(
            field,
            format!(
                "{h:?} contains a scheme; put only the host name here and the scheme in dxProtocol"
            ),
        ));
    }
    if h.chars().any(char::is_whitespace) {
        return Err(Error::invalid(field, format!("{h:?} contains a space")));
    }
    if h.contains('/') || h.contains('?') || h.contains('#') {
        return Err(Error::invalid(
            field,
            format!("{h:?} contains a path; put only the host name here"),
        ));
    }
    let bracketed_ipv6 = h.starts_with('[') && h.ends_with(']');
    if h.contains(':') && !bracketed_ipv6 {
        return Err(Error::invalid(
            field,
            format!("{h:?} contains a port; put the ports in dxPort, ringAPIPort and damAPIPort"),
        ));
    }
    if h.contains('@') {
        return Err(Error::invalid(
            field,
            format!("{h:?} contains user information"),
        ));
    }
    Ok(())
}

/// The name of the CA file field, for errors.
const CA_FIELD: &str = "tls.caPemPath";

/// Reads a CA file and checks it: PEM holding at least one certificate, each one usable as a
/// trust anchor. Answers the file's bytes (to keep a copy of exactly what was checked); the error
/// names the `tls.caPemPath` field and the path.
pub fn read_ca_file(path: &Path) -> Result<Vec<u8>> {
    read_checked(path).map(|(bytes, _)| bytes)
}

/// Reads and parses a PEM CA file into the certificates to trust; errors as [`read_ca_file`].
pub(crate) fn load_ca(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    read_checked(path).map(|(_, certs)| certs)
}

fn read_checked(path: &Path) -> Result<(Vec<u8>, Vec<CertificateDer<'static>>)> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::invalid(
            CA_FIELD,
            format!("cannot read CA file {}: {e}", path.display()),
        )
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::invalid(
                CA_FIELD,
                format!(
                    "{} is not a valid PEM certificate file: {e}",
                    path.display()
                ),
            )
        })?;
    if certs.is_empty() {
        return Err(Error::invalid(
            CA_FIELD,
            format!(
                "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            ),
        ));
    }
    let mut anchors = rustls::RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        anchors.add(cert.clone()).map_err(|e| {
            Error::invalid(
                CA_FIELD,
                format!(
                    "certificate {} of {} cannot be trusted as a CA: {e}",
                    i + 1,
                    path.display()
                ),
            )
        })?;
    }
    Ok((bytes, certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Profile {
        Profile::new("dx.example.com", "wpsadmin")
    }

    fn field_of(e: &Error) -> &str {
        match e {
            Error::InvalidProfile { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn defaults_and_urls() {
        let p = good();
        assert!(p.validate().is_ok());
        assert_eq!(
            p.ring_base_url(),
            "https://dx.example.com:443/dx/api/core/v1"
        );
        assert_eq!(p.dam_base_url(), "https://dx.example.com:443/dx/api/dam/v1");
    }

    #[test]
    fn hostname_problems_name_the_field() {
        for h in ["https://dx", "dx/wps", "dx host", "", "dx:443", "u@dx"] {
            let p = Profile {
                hostname: h.into(),
                ..good()
            };
            let e = p.validate().unwrap_err();
            assert_eq!(field_of(&e), "hostname", "{h}");
        }
        let p = Profile {
            hostname: "[::1]".into(),
            ..good()
        };
        assert!(p.validate().is_ok());
    }

    #[test]
    fn ports_and_versions() {
        let p = Profile {
            dam_api_port: 70000,
            ..good()
        };
        assert_eq!(field_of(&p.validate().unwrap_err()), "damAPIPort");
        let p = Profile {
            ring_api_port: 0,
            ..good()
        };
        assert_eq!(field_of(&p.validate().unwrap_err()), "ringAPIPort");
        let p = Profile {
            ring_api_version: "1".into(),
            ..good()
        };
        assert_eq!(field_of(&p.validate().unwrap_err()), "ringAPIVersion");
        let p = Profile {
            dam_api_version: "v".into(),
            ..good()
        };
        assert_eq!(field_of(&p.validate().unwrap_err()), "damAPIVersion");
        let p = Profile {
            dx_protocol: "ftp".into(),
            ..good()
        };
        assert_eq!(field_of(&p.validate().unwrap_err()), "dxProtocol");
        assert!(is_api_version("v2") && is_api_version("v10") && !is_api_version("vx"));
    }

    #[test]
    fn the_protocol_reads_in_any_case_and_crosses_in_lower_case() {
        assert_eq!(Protocol::parse("HTTPS"), Some(Protocol::Https));
        assert_eq!(Protocol::parse("http"), Some(Protocol::Http));
        assert_eq!(Protocol::parse("ftp"), None);
        let p = Profile {
            dx_protocol: "HTTP".into(),
            ..good()
        };
        assert_eq!(p.protocol(), Some(Protocol::Http));
        assert_eq!(Profile::default().protocol(), Some(Protocol::default()));
        assert_eq!(serde_json::to_value(Protocol::Https).unwrap(), "https");
        let back: Protocol = serde_json::from_value("http".into()).unwrap();
        assert_eq!(back, Protocol::Http);
    }

    #[test]
    fn unreadable_or_bad_ca_file() {
        let p = Profile {
            tls: TlsMode::CustomCa {
                ca_pem_path: "/nonexistent/ca.pem".into(),
                ca_original: None,
            },
            ..good()
        };
        let e = p.validate().unwrap_err();
        assert_eq!(field_of(&e), "tls.caPemPath");
        assert!(e.to_string().contains("/nonexistent/ca.pem"));

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ca.pem");
        std::fs::write(&f, "not a cert").unwrap();
        let p = Profile {
            tls: TlsMode::CustomCa {
                ca_pem_path: f.clone(),
                ca_original: None,
            },
            ..good()
        };
        assert_eq!(field_of(&p.validate().unwrap_err()), "tls.caPemPath");

        // PEM armour around bytes that are not a certificate.
        std::fs::write(
            &f,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = read_ca_file(&f).unwrap_err();
        assert_eq!(field_of(&e), "tls.caPemPath");
        assert!(e.to_string().contains("ca.pem"), "{e}");
        // A private key alone is PEM but holds no certificate.
        std::fs::write(
            &f,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let e = read_ca_file(&f).unwrap_err();
        assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
    }

    #[test]
    fn plaintext_to_another_host_is_flagged() {
        let http = |host: &str| Profile {
            dx_protocol: "http".into(),
            hostname: host.into(),
            ..good()
        };
        for remote in [
            "dx.example.com",
            "10.0.0.5",
            "[2001:db8::1]",
            "localhost.example.com",
            "128.0.0.1",
        ] {
            assert!(http(remote).is_plaintext_remote(), "{remote}");
        }
        for local in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1",
            "127.5.6.7",
            "[::1]",
            "::1",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(!http(local).is_plaintext_remote(), "{local}");
        }
        let upper = Profile {
            dx_protocol: "HTTP".into(),
            ..good()
        };
        assert!(upper.is_plaintext_remote());
        assert!(!good().is_plaintext_remote(), "https is never flagged");
    }

    #[test]
    fn serde_uses_dxclient_names() {
        let p = good();
        let v = serde_json::to_value(&p).unwrap();
        for key in [
            "dxProtocol",
            "hostname",
            "dxPort",
            "ringAPIPort",
            "damAPIPort",
            "ringAPIVersion",
            "damAPIVersion",
            "dxUsername",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        assert_eq!(v["tls"]["mode"], "verify");
        assert!(v.get("dxPassword").is_none());
        let back: Profile = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        let custom: TlsMode =
            serde_json::from_str(r#"{"mode":"customCa","caPemPath":"/x.pem"}"#).unwrap();
        assert_eq!(
            custom,
            TlsMode::CustomCa {
                ca_pem_path: "/x.pem".into(),
                ca_original: None,
            }
        );
        let copied = TlsMode::CustomCa {
            ca_pem_path: "/data/ca/p.pem".into(),
            ca_original: Some("/home/me/ca.pem".into()),
        };
        let v = serde_json::to_value(&copied).unwrap();
        assert_eq!(v["caOriginal"], "/home/me/ca.pem");
        assert_eq!(serde_json::from_value::<TlsMode>(v).unwrap(), copied);
        assert!(serde_json::to_value(&custom)
            .unwrap()
            .get("caOriginal")
            .is_none());
        assert!(TlsMode::AcceptInvalid.is_insecure());
    }

    #[test]
    fn same_host_ignores_case_scheme_trailing_dot_and_default_ports() {
        for (a, b) in [
            ("dx.example.com", "DX.Example.COM"),
            ("dx.example.com", "dx.example.com."),
            ("dx.example.com", "dx.example.com:443"),
            ("dx.example.com", "dx.example.com:80"),
            ("dx.example.com", "https://dx.example.com"),
            ("dx.example.com", "http://dx.example.com:80/"),
            ("https://dx.example.com:443/wps/portal", "dx.example.com."),
            (" 127.0.0.1:10040 ", "http://127.0.0.1:10040"),
            ("[::1]:8443", "https://[::1]:8443/"),
            ("[::1]", "[::1]:443"),
            ("admin@dx.example.com", "dx.example.com"),
        ] {
            assert!(same_host(a, b), "{a} / {b}");
            assert!(same_host(b, a), "{b} / {a}");
        }
        for (a, b) in [
            ("dx.example.com", "dx2.example.com"),
            ("dx.example.com:10039", "dx.example.com"),
            ("127.0.0.1:10040", "127.0.0.1:10041"),
            ("render-blue.example.com", "render-green.example.com"),
            ("", ""),
            ("dx.example.com", ""),
        ] {
            assert!(!same_host(a, b), "{a} / {b}");
        }
        let p = Profile {
            dx_protocol: "HTTP".into(),
            dx_port: 10040,
            ..Profile::new("127.0.0.1", "a")
        };
        assert_eq!(p.host_and_port(), "http://127.0.0.1:10040");
        assert!(same_host(&p.host_and_port(), "127.0.0.1:10040"));
    }

    fn targets<'a>(subs: &'a [(&'a str, &'a str)]) -> Vec<SubscriberTarget<'a>> {
        subs.iter()
            .map(|(id, host)| SubscriberTarget {
                id,
                target_host: Some(host),
            })
            .collect()
    }

    #[test]
    fn each_subscriber_has_its_own_environment() {
        let mut publisher = Profile {
            id: "pub".into(),
            ..good()
        };
        publisher.set_link("blue", Some("env-blue"));
        publisher.set_link("green", Some("env-green"));
        let hosts = |_: &str| None;
        let env = |id: &str| {
            publisher
                .subscriber_env(id, None, hosts)
                .map(|e| e.profile_id)
        };
        assert_eq!(env("blue").as_deref(), Some("env-blue"));
        assert_eq!(env("green").as_deref(), Some("env-green"));
        assert_eq!(env("other"), None);
        assert_eq!(
            publisher
                .subscriber_env("blue", None, hosts)
                .unwrap()
                .source,
            EnvSource::Linked
        );
        // Linking again replaces; unlinking removes.
        publisher.set_link("blue", Some("env-blue-2"));
        assert_eq!(publisher.link_for("blue"), Some("env-blue-2"));
        assert_eq!(publisher.subscriber_links.len(), 2);
        publisher.set_link("blue", None);
        assert_eq!(publisher.link_for("blue"), None);
        assert!(publisher.names_environment("env-green"));
        assert!(publisher.unlink_profile("env-green"));
        assert!(!publisher.names_environment("env-green"));
        assert!(!publisher.unlink_profile("env-green"));
        // A subscriber registered again keeps its environment.
        publisher.set_link("old-id", Some("env-x"));
        publisher.move_link("old-id", "new-id");
        assert_eq!(publisher.link_for("new-id"), Some("env-x"));
    }

    #[test]
    fn an_older_single_link_loads_and_stands_for_the_matching_subscriber_or_the_unlinked_ones() {
        let old = r#"{"id":"pub","name":"Prod","hostname":"pub.example.com","dxUsername":"a",
            "subscriberProfileId":"env-blue"}"#;
        let publisher: Profile = serde_json::from_str(old).unwrap();
        assert_eq!(
            publisher.fallback_subscriber_profile_id.as_deref(),
            Some("env-blue")
        );
        assert!(publisher.subscriber_links.is_empty());
        assert!(publisher.validate().is_ok());
        // Written back unchanged: the same key, no empty list added.
        let v = serde_json::to_value(&publisher).unwrap();
        assert_eq!(v["subscriberProfileId"], "env-blue");
        assert!(v.get("subscriberLinks").is_none());
        assert!(v.get("dxCfLevel").is_none());

        let host = |id: &str| {
            (id == "env-blue").then(|| "https://render-blue.example.com:443".to_string())
        };
        let subs = [
            ("blue", "render-blue.example.com"),
            ("green", "render-green.example.com"),
        ];
        let subs = targets(&subs);
        let env = |p: &Profile, id: &str| p.subscriber_env(id, Some(&subs), host);
        // Its host is blue's target host: it stands for blue only.
        let blue = env(&publisher, "blue").unwrap();
        assert_eq!(
            (blue.profile_id.as_str(), blue.source),
            ("env-blue", EnvSource::Fallback)
        );
        assert_eq!(env(&publisher, "green"), None);
        // No subscriber has its host: it stands for every subscriber not linked otherwise.
        let elsewhere = |_: &str| Some("https://somewhere.example.com".to_string());
        assert!(publisher
            .subscriber_env("green", Some(&subs), elsewhere)
            .is_some());
        let mut linked = publisher.clone();
        linked.set_link("green", Some("env-green"));
        assert_eq!(
            linked
                .subscriber_env("green", Some(&subs), elsewhere)
                .unwrap()
                .profile_id,
            "env-green"
        );
        // Subscribers not known: as before links existed.
        assert!(publisher.subscriber_env("green", None, host).is_some());
        // An explicit link wins over the fallback.
        let mut both = publisher.clone();
        both.set_link("blue", Some("env-blue-new"));
        assert_eq!(env(&both, "blue").unwrap().source, EnvSource::Linked);
    }

    #[test]
    fn an_environment_is_offered_by_host() {
        let mut publisher = Profile::new("pub.example.com", "a");
        publisher.id = "pub".into();
        let mut blue = Profile::new("render-blue.example.com", "a");
        blue.id = "blue".into();
        let mut green = Profile::new("render-green.example.com", "a");
        green.id = "green".into();
        green.dx_port = 10039;
        let all = [publisher.clone(), blue, green];
        let offer = |t: &str| offered_environment(t, "pub", &all).map(|p| p.id.clone());
        assert_eq!(
            offer("https://Render-Blue.example.com/").as_deref(),
            Some("blue")
        );
        assert_eq!(
            offer("render-green.example.com:10039").as_deref(),
            Some("green")
        );
        assert_eq!(offer("render-green.example.com"), None);
        assert_eq!(offer("pub.example.com"), None, "never the publisher itself");
    }

    #[test]
    fn the_cf_level_decides_the_find_watch_and_is_checked() {
        assert_eq!(good().find_watch(), FindWatch::Progress);
        for (cf, watch) in [
            (217, FindWatch::TimeLimit),
            (200, FindWatch::TimeLimit),
            (218, FindWatch::Progress),
            (224, FindWatch::Progress),
        ] {
            let p = Profile {
                dx_cf_level: Some(cf),
                ..good()
            };
            assert_eq!(p.find_watch(), watch, "CF{cf}");
            assert!(p.validate().is_ok());
        }
        for bad in [0, 1000] {
            let p = Profile {
                dx_cf_level: Some(bad),
                ..good()
            };
            let e = p.validate().unwrap_err();
            assert_eq!(field_of(&e), "dxCfLevel");
            assert!(e.to_string().contains("224"), "{e}");
        }
        let v = serde_json::to_value(Profile {
            dx_cf_level: Some(216),
            ..good()
        })
        .unwrap();
        assert_eq!(v["dxCfLevel"], 216);
    }

    #[test]
    fn links_are_checked() {
        let mut p = Profile {
            id: "pub".into(),
            ..good()
        };
        p.subscriber_links = vec![
            SubscriberLink {
                subscriber_id: "s1".into(),
                profile_id: "e1".into(),
            },
            SubscriberLink {
                subscriber_id: "s1".into(),
                profile_id: "e2".into(),
            },
        ];
        let e = p.validate().unwrap_err();
        assert_eq!(field_of(&e), "subscriberLinks");
        assert!(e.to_string().contains("twice"), "{e}");
        p.subscriber_links.truncate(1);
        p.subscriber_links[0].profile_id = "pub".into();
        assert_eq!(field_of(&p.validate().unwrap_err()), "subscriberLinks");
        p.subscriber_links.clear();
        p.fallback_subscriber_profile_id = Some("pub".into());
        assert_eq!(field_of(&p.validate().unwrap_err()), "subscriberProfileId");
    }

    #[test]
    fn imports_dxclient_settings() {
        let json = r#"{"dxProtocol":"https","hostname":"pub.example.com","dxPort":"443",
            "dxUsername":"admin","dxPassword":"pw","damAPIPort":4443,"ringAPIPort":"",
            "damAPIVersion":"v1","ringAPIVersion":"v1","contenthandlerPath":"/x"}"#;
        let (p, pw) = Profile::from_dxclient_settings(json).unwrap();
        assert_eq!(p.hostname, "pub.example.com");
        assert_eq!(p.dam_api_port, 4443);
        assert_eq!(p.ring_api_port, 443);
        assert_eq!(p.dx_username, "admin");
        assert_eq!(pw.unwrap().expose(), "pw");
        assert!(p.validate().is_ok());

        let e = Profile::from_dxclient_settings(r#"{"dxPort":"abc"}"#).unwrap_err();
        assert_eq!(field_of(&e), "dxPort");
        let e = Profile::from_dxclient_settings("[1]").unwrap_err();
        assert_eq!(field_of(&e), "settings");
        let (_, pw) = Profile::from_dxclient_settings(r#"{"hostname":"h"}"#).unwrap();
        assert!(pw.is_none());
    }
}
