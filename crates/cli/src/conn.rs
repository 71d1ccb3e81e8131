//! The connection a command uses: DXClient's flags, else DXClient's `store/config.json` (or
//! `--config`), else the defaults; the passwords (publisher, subscriber environment, target);
//! and the DX clients built from them.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dx_staging::{Client, Profile, RetryPolicy, Secret, TlsMode};
use serde_json::Value;

use crate::args::{Connection, SubscriberEnv};
use crate::failure::{Failure, Outcome};
use crate::output;

/// DXClient's settings file, relative to the working folder (beside `store/outputFiles`).
pub fn default_config_path() -> PathBuf {
    Path::new("store").join("config.json")
}

/// The defaults read from a DXClient settings file: the connection keys (spelled as the flags),
/// each `None` when absent or empty (DXClient's own file holds `""` for unset values).
#[derive(Debug, Default)]
pub struct FileDefaults {
    /// The file read.
    pub path: Option<PathBuf>,
    /// The profile its keys describe (defaults where a key is absent).
    profile: Profile,
    /// Whether `hostname` was given.
    has_hostname: bool,
    /// Whether `dxUsername` was given.
    has_username: bool,
    /// `dxPassword`, when given.
    password: Option<Secret>,
}

/// Reads the settings file: `explicit` (`--config`, which must exist), else
/// `store/config.json` when it exists, else nothing. A file that cannot be used is a
/// [`Failure::Config`] naming the file and the key (or the line and column); the password is
/// never part of a message.
pub fn read_defaults(explicit: Option<&Path>) -> Outcome<FileDefaults> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = default_config_path();
            if !p.is_file() {
                return Ok(FileDefaults::default());
            }
            p
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Config(format!("cannot read the settings file {name}: {e}")))?;
    parse_defaults(&text, &name).map(|mut d| {
        d.path = Some(path);
        d
    })
}

/// Parses a settings file's text; `name` names it in errors.
fn parse_defaults(text: &str, name: &str) -> Outcome<FileDefaults> {
    let bad = |m: String| Failure::Config(format!("{name}: {m}"));
    let v: Value = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "not valid JSON at line {}, column {}: {}",
            e.line(),
            e.column(),
            // serde's message ends with its own " at line L column C"; said once above.
            e.to_string()
                .rsplit_once(" at line ")
                .map_or_else(|| e.to_string(), |(m, _)| m.to_string())
        ))
    })?;
    let Some(obj) = v.as_object() else {
        return Err(bad(
            "must hold a JSON object ({\"hostname\": ..., ...})".into()
        ));
    };
    // The password's value is never shown, whatever is wrong with it.
    match obj.get("dxPassword") {
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(_) => {
            return Err(bad(
                "key \"dxPassword\" must be a string (its value is not shown)".into(),
            ))
        }
    }
    let (profile, password) = Profile::from_dxclient_settings(text).map_err(|e| match e {
        dx_staging::Error::InvalidProfile { field, message } => {
            bad(format!("key {field:?}: {message}"))
        }
        other => bad(other.to_string()),
    })?;
    let given = |key: &str| match obj.get(key) {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    Ok(FileDefaults {
        path: None,
        has_hostname: given("hostname"),
        has_username: given("dxUsername"),
        profile,
        password,
    })
}

/// Where a password comes from, in order: a flag, an environment variable, a line of standard
/// input, then a fallback.
struct PasswordSource<'a> {
    /// The flag's value and its name as written (`-dxPassword`).
    flag: (Option<&'a str>, &'a str),
    /// The environment variable.
    env: &'a str,
    /// Read a line of standard input, and the flag that asks for it.
    stdin: (bool, &'a str),
}

impl PasswordSource<'_> {
    /// The password, or `None` when no source gave one.
    fn read(&self) -> Outcome<Option<Secret>> {
        if let Some(p) = self.flag.0 {
            if p.is_empty() {
                return Err(Failure::Usage(format!("{} is empty", self.flag.1)));
            }
            return Ok(Some(Secret::new(p.to_string())));
        }
        if let Ok(p) = std::env::var(self.env) {
            if !p.is_empty() {
                return Ok(Some(Secret::new(p)));
            }
        }
        if self.stdin.0 {
            // Standard input is read line by line in one buffer: the publisher's password is
            // the first line, the next one asked for the second.
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| {
                Failure::Usage(format!(
                    "cannot read the password of {} from stdin: {e}",
                    self.stdin.1
                ))
            })?;
            let p = line.trim_end_matches(['\r', '\n']).to_string();
            if p.is_empty() {
                return Err(Failure::Usage(format!(
                    "the password read from stdin for {} is empty",
                    self.stdin.1
                )));
            }
            return Ok(Some(Secret::new(p)));
        }
        Ok(None)
    }
}

/// The publisher's connection, resolved: flags, then the settings file, then the defaults.
#[derive(Debug, Clone)]
pub struct Conn {
    /// The publisher's profile.
    pub profile: Profile,
    /// Its password.
    pub password: Secret,
    /// `--json`.
    pub json: bool,
    /// The read retries asked for.
    pub retry: RetryPolicy,
}

impl Conn {
    /// Resolves the connection flags against the settings file and reads the password (flag,
    /// `DX_PASSWORD`, `--password-stdin`, then the file's `dxPassword`).
    pub fn resolve(args: &Connection) -> Outcome<Conn> {
        let file = read_defaults(args.config.as_deref())?;
        let from = |key: &str| match &file.path {
            Some(p) => format!("-{key}, or {key} in {}", p.display()),
            None => format!(
                "-{key}, or {key} in {} (none found)",
                default_config_path().display()
            ),
        };
        let mut p = file.profile.clone();
        p.hostname = match (&args.hostname, file.has_hostname) {
            (Some(h), _) => h.clone(),
            (None, true) => p.hostname,
            (None, false) => {
                return Err(Failure::Usage(format!(
                    "no publisher host name: give {}",
                    from("hostname")
                )))
            }
        };
        p.dx_username = match (&args.dx_username, file.has_username) {
            (Some(u), _) => u.clone(),
            (None, true) => p.dx_username,
            (None, false) => {
                return Err(Failure::Usage(format!(
                    "no user name: give {}",
                    from("dxUsername")
                )))
            }
        };
        if let Some(v) = &args.dx_protocol {
            p.dx_protocol = v.clone();
        }
        if let Some(v) = args.dx_port {
            p.dx_port = v;
        }
        if let Some(v) = args.dam_api_port {
            p.dam_api_port = v;
        }
        if let Some(v) = args.ring_api_port {
            p.ring_api_port = v;
        }
        if let Some(v) = &args.dam_api_version {
            p.dam_api_version = v.clone();
        }
        if let Some(v) = &args.ring_api_version {
            p.ring_api_version = v.clone();
        }
        p.timeouts.request_secs = args.timeout_secs.max(1);
        p.tls = match (&args.ca_file, args.insecure) {
            (_, true) => TlsMode::AcceptInvalid,
            (Some(ca), false) => TlsMode::CustomCa {
                ca_pem_path: ca.clone(),
                ca_original: None,
            },
            (None, false) => TlsMode::Verify,
        };
        let source = PasswordSource {
            flag: (args.dx_password.as_deref(), "-dxPassword"),
            env: "DX_PASSWORD",
            stdin: (args.password_stdin, "the publisher (--password-stdin)"),
        };
        let password = match source.read()? {
            Some(p) => p,
            None => file.password.clone().ok_or_else(|| {
                Failure::Usage(format!(
                    "no password: use -dxPassword, the DX_PASSWORD environment variable, --password-stdin, or dxPassword in {}",
                    file.path
                        .as_deref()
                        .map_or_else(|| default_config_path().display().to_string(), |p| p.display().to_string())
                ))
            })?,
        };
        Ok(Conn {
            profile: p,
            password,
            json: args.json,
            retry: RetryPolicy {
                min_delay: Duration::from_millis(args.retry_min_ms),
                max_retries: args.retries,
                ..RetryPolicy::default()
            },
        })
    }

    /// The publisher as messages name it: `host:damAPIPort`.
    pub fn publisher_at(&self) -> String {
        format!(
            "{}:{}",
            self.profile.hostname.trim(),
            self.profile.dam_api_port
        )
    }

    /// The publisher's client.
    pub fn client(&self) -> Outcome<Client> {
        build(self, &self.profile, &self.password, "-hostname")
    }

    /// The profile of another environment reached like the publisher (same protocol, API
    /// versions and timeouts): `host` on `port` as `username`, trusting `ca` when given.
    pub fn env_profile(&self, host: &str, port: u32, ca: Option<&Path>, username: &str) -> Profile {
        let mut p = self.profile.clone();
        p.hostname = host.to_string();
        p.ring_api_port = port;
        p.dam_api_port = port;
        p.dx_port = port;
        p.dx_username = username.to_string();
        if let Some(ca) = ca {
            p.tls = TlsMode::CustomCa {
                ca_pem_path: ca.to_path_buf(),
                ca_original: None,
            };
        }
        p
    }

    /// The subscriber environment's client (`None` without `--subscriber-hostname`): its own
    /// user and password when given, else the publisher's.
    pub fn subscriber_client(&self, env: &SubscriberEnv) -> Outcome<Option<Client>> {
        let Some(host) = &env.subscriber_hostname else {
            return Ok(None);
        };
        let source = PasswordSource {
            flag: (env.subscriber_password.as_deref(), "--subscriber-password"),
            env: "DX_SUBSCRIBER_PASSWORD",
            stdin: (
                env.subscriber_password_stdin,
                "the subscriber environment (--subscriber-password-stdin)",
            ),
        };
        let password = source.read()?.unwrap_or_else(|| self.password.clone());
        let username = env
            .subscriber_username
            .as_deref()
            .unwrap_or(&self.profile.dx_username);
        let p = self.env_profile(
            host,
            env.subscriber_port,
            env.subscriber_ca_file.as_deref(),
            username,
        );
        build(self, &p, &password, "--subscriber-hostname").map(Some)
    }
}

/// The target environment's password for `register-dam-subscriber`: `-targetServerPassword`,
/// `DX_TARGET_PASSWORD` or `--target-password-stdin`; no default.
pub fn target_password(flag: Option<&str>, stdin: bool) -> Outcome<Secret> {
    let source = PasswordSource {
        flag: (flag, "-targetServerPassword"),
        env: "DX_TARGET_PASSWORD",
        stdin: (stdin, "the target (--target-password-stdin)"),
    };
    source.read()?.ok_or_else(|| {
        Failure::Usage(
            "no password for the target environment: use the DX_TARGET_PASSWORD environment variable, --target-password-stdin, or -targetServerPassword"
                .into(),
        )
    })
}

/// Builds a client for `p`, warning when it sends the password in the clear (`flag` set the
/// host) or does not check certificates.
fn build(conn: &Conn, p: &Profile, password: &Secret, flag: &str) -> Outcome<Client> {
    if p.is_plaintext_remote() {
        output::warning(
            conn.json,
            "plaintext_remote",
            &format!(
                "-dxProtocol http to {} ({flag}), not this machine: the password and the session \
                 cookie cross the network unencrypted; use https",
                p.hostname.trim()
            ),
        );
    }
    let c = Client::builder(p, password.clone())
        .retry(conn.retry)
        .build()?;
    if c.is_insecure() {
        output::warning(
            conn.json,
            "tls_not_checked",
            "TLS certificates are not checked (--insecure-accept-invalid-certs)",
        );
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_message(r: Outcome<FileDefaults>) -> String {
        match r {
            Err(Failure::Config(m)) => m,
            Err(_) => panic!("expected a settings file error"),
            Ok(d) => panic!("expected an error, read {d:?}"),
        }
    }

    #[test]
    fn dxclient_settings_give_the_defaults() {
        let d = parse_defaults(
            r#"{"dxProtocol": "http", "hostname": "dx.example.com", "dxPort": "10039",
                "dxUsername": "wpsadmin", "dxPassword": "s3cret", "damAPIPort": 4000,
                "ringAPIPort": "", "damAPIVersion": "v1", "ringAPIVersion": "",
                "xmlFile": "unrelated DXClient key"}"#,
            "store/config.json",
        )
        .ok()
        .unwrap();
        assert_eq!(d.profile.dx_protocol, "http");
        assert_eq!(d.profile.hostname, "dx.example.com");
        assert_eq!(d.profile.dx_port, 10039);
        assert_eq!(d.profile.dam_api_port, 4000);
        assert_eq!(d.profile.ring_api_port, 443, "empty: the default");
        assert!(d.has_hostname && d.has_username);
        assert_eq!(
            d.password.as_ref().map(|s| s.expose().to_string()),
            Some("s3cret".into())
        );
        let empty = parse_defaults(r#"{"hostname": "", "dxUsername": ""}"#, "f")
            .ok()
            .unwrap();
        assert!(!empty.has_hostname && !empty.has_username && empty.password.is_none());
    }

    #[test]
    fn a_bad_file_is_named_with_the_key_or_the_place() {
        let m = config_message(parse_defaults(
            "{\n  \"hostname\": \"h\",\n  \"dxPort\": 443,,\n}",
            "store/config.json",
        ));
        assert!(
            m.starts_with("store/config.json: not valid JSON at line 3, column"),
            "{m}"
        );
        assert_eq!(m.matches("line").count(), 1, "{m}");
        let m = config_message(parse_defaults(r#"{"dxPort": "abc"}"#, "c.json"));
        assert!(m.starts_with("c.json: key \"dxPort\""), "{m}");
        assert!(m.contains("abc"), "{m}");
        let m = config_message(parse_defaults(r#"["hostname"]"#, "c.json"));
        assert!(m.contains("JSON object"), "{m}");
        let m = config_message(parse_defaults(r#"{"dxPassword": ["hunter2"]}"#, "c.json"));
        assert!(m.contains("dxPassword") && !m.contains("hunter2"), "{m}");
    }

    #[test]
    fn an_explicit_settings_file_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let m = config_message(read_defaults(Some(&missing)));
        assert!(m.contains("nope.json"), "{m}");
    }
}
