//! Connection profiles: what DXClient's flags hold, plus TLS, timeouts and a link to the
//! subscriber environment's profile. Passwords are never part of a profile.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::secret::Secret;

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
    /// The id of the profile of this publisher's subscriber environment, used for pre-flight
    /// checks, the two-way staging guard and watching resync operations.
    #[serde(
        rename = "subscriberProfileId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub subscriber_profile_id: Option<String>,
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
            subscriber_profile_id: None,
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
        out
    }

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
