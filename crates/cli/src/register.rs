//! `register-dam-subscriber` and `deregister-dam-subscriber` (DXClient's names and flags, HCL's
//! "Staging DAM to rendering environments").

use std::path::PathBuf;

use chrono::Utc;
use dx_staging::client::{
    Registration, CREDENTIALS_NOT_SET, DEFAULT_CYCLE_LENGTH_MINUTES, MAX_CYCLE_LENGTH_MINUTES,
};
use dx_staging::report::{default_output_dir, default_report_path};
use dx_staging::{Client, Error, FetchOptions, RetryPolicy, Secret};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::conn::Conn;
use crate::failure::{Context, Failure, Outcome};
use crate::{exit, output};

/// Most retries of the target's login check (fewer than `--retries` when that is larger).
const TARGET_CHECK_RETRIES: usize = 2;

/// `-interval`: the staging cycle length in minutes, 1 to 1440 (HCL: default 2, at most 24 h).
pub fn interval_minutes(text: Option<&str>) -> Outcome<u64> {
    let Some(t) = text.map(str::trim) else {
        return Ok(DEFAULT_CYCLE_LENGTH_MINUTES);
    };
    match t.parse::<u64>() {
        Ok(m) if (1..=MAX_CYCLE_LENGTH_MINUTES).contains(&m) => Ok(m),
        _ => Err(Failure::Usage(format!(
            "-interval {t:?} is not a staging cycle length: give 1 to {MAX_CYCLE_LENGTH_MINUTES} minutes (24 hours); HCL's default is {DEFAULT_CYCLE_LENGTH_MINUTES}"
        ))),
    }
}

/// The target (subscriber) environment of a registration, as the flags give it.
pub struct Target {
    /// `-targetHostname`, sent to DX as given.
    pub hostname: String,
    /// `-targetServerUsername`.
    pub username: String,
    /// Its password (`-targetServerPassword`, `DX_TARGET_PASSWORD`, `--target-password-stdin`).
    pub password: Secret,
    /// `--target-port`.
    pub port: Option<u32>,
    /// `--target-ca-file`.
    pub ca_file: Option<PathBuf>,
}

/// Where the target's Ring API is, from `-targetHostname` (`host`, `host:port`, or a URL):
/// its protocol when a URL names one, its host, and its port when given.
fn split_target(text: &str) -> (Option<&str>, &str, Option<&str>) {
    let t = text.trim();
    let (scheme, rest) = match t.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, t),
    };
    let rest = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (host, port) = if let Some(end) = rest.strip_prefix('[').and_then(|r| r.find(']')) {
        let host = &rest[..end + 2];
        (host, rest[end + 2..].strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            _ => (rest, None),
        }
    };
    (scheme, host, port)
}

impl Target {
    /// A client of the target's Ring API for the login check: the protocol and port of
    /// `-targetHostname` when it names them, else the publisher's protocol and `--target-port`
    /// (default: the publisher's Ring API port).
    fn client(&self, conn: &Conn) -> Outcome<(Client, String)> {
        let (scheme, host, port) = split_target(&self.hostname);
        let bad = |m: String| Failure::Usage(format!("-targetHostname {:?}: {m}", self.hostname));
        let port = match (self.port, port) {
            (Some(p), _) => p,
            (None, Some(p)) => p
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=65535).contains(p))
                .ok_or_else(|| bad(format!("{p:?} is not a port")))?,
            (None, None) => match scheme {
                Some(s) if s.eq_ignore_ascii_case("http") => 80,
                Some(_) => 443,
                None => conn.profile.ring_api_port,
            },
        };
        let mut p = conn.env_profile(host, port, self.ca_file.as_deref(), &self.username);
        if let Some(s) = scheme {
            p.dx_protocol = s.to_ascii_lowercase();
        }
        let shown = format!("{}://{}:{port}", p.dx_protocol, p.hostname);
        // A check, not the work: a target that does not answer fails in seconds, not minutes.
        let retry = RetryPolicy {
            max_retries: conn.retry.max_retries.min(TARGET_CHECK_RETRIES),
            ..conn.retry
        };
        let client = Client::builder(&p, self.password.clone())
            .retry(retry)
            .build()
            .map_err(|e| match e {
                Error::InvalidProfile { message, .. } => bad(message),
                other => Failure::from(other),
            })?;
        if p.is_plaintext_remote() {
            output::warning(
                conn.json,
                "plaintext_remote",
                &format!(
                    "the target login check goes over http to {} (-targetHostname), not this machine: the target's password crosses the network unencrypted; use https",
                    p.hostname
                ),
            );
        }
        Ok((client, shown))
    }
}

/// Registers the target with the publisher, after logging in to the target with its
/// credentials (a failure there registers nothing), and says what the API left undone.
pub async fn register(conn: &Conn, target: &Target, cycle_length: u64) -> Outcome<u8> {
    let req = Registration {
        target_host: target.hostname.trim().to_string(),
        cycle_length,
        status: true,
    };
    req.validate().map_err(|e| match e {
        Error::InvalidProfile { message, .. } => {
            Failure::Usage(format!("-targetHostname {:?}: {message}", target.hostname))
        }
        other => Failure::from(other),
    })?;
    let publisher = conn.client()?;
    let (target_client, target_at) = target.client(conn)?;
    target_client.login().await.during(|| {
        format!(
            "the target environment {target_at} (-targetHostname {}) did not accept the login of {} (-targetServerUsername); nothing was registered",
            target.hostname, target.username
        )
    })?;
    if !conn.json {
        eprintln!(
            "logged in to the target environment {target_at} as {}: its credentials work",
            target.username
        );
    }
    let publisher_at = conn.publisher_at();
    let s = publisher
        .subscribers()
        .register(&req)
        .await
        .during(|| format!("registering {} on {publisher_at}", req.target_host))?;
    let id = s.id_str().to_string();
    let to_do = format!(
        "not done through the API: {CREDENTIALS_NOT_SET}. The credentials checked here are those of {} on {target_at}",
        target.username
    );
    output::warning(conn.json, "transfer_credentials_not_set", &to_do);
    let text = format!(
        "registered subscriber {id} on {publisher_at} through the DAM API: targetHost {}, periodic staging every {} min (cycleLength), status enabled\n\
         the operator must still set the publisher's `<release>-dam-staging` secret with the subscriber's administrator credentials (see the warning on stderr)",
        req.target_host, req.cycle_length
    );
    output::result(
        conn.json,
        &json!({
            "subscriberId": id,
            "subscriber": s,
            "registeredThroughApi": req,
            "targetLoginChecked": {"url": target_at, "username": target.username},
            "transferCredentialsSet": false,
            "operatorMustStill": CREDENTIALS_NOT_SET,
        }),
        &text,
    );
    Ok(exit::OK)
}

/// Deregisters a subscriber: keeps a checked copy of its mismatch logs first (DX deletes them
/// with the registration), then `DELETE /staging/subscriber/{id}`, and says what stopped.
pub async fn deregister(conn: &Conn, id: &str, archive_dir: Option<PathBuf>) -> Outcome<u8> {
    let c = conn.client()?;
    let publisher_at = conn.publisher_at();
    let not_registered = |e: Error| {
        match e {
        Error::UnknownSubscriber { .. } => Failure::Dx {
            error: e,
            context: Some(format!(
                "subscriber {id} is not registered on {publisher_at}; nothing was deregistered"
            )),
            hint: Some(
                "it may have been deregistered already: list the subscribers with get-all-subscribers"
                    .into(),
            ),
        },
        other => Failure::from(other),
    }
    };
    let s = c.subscribers().get(id).await.map_err(not_registered)?;
    let dir = archive_dir.unwrap_or_else(|| default_output_dir().join("archive"));
    let copy = default_report_path(&dir, Some(id), Utc::now());
    let kept = dx_staging::archive_then_delete_logs(
        &c,
        Some(id),
        &copy,
        &FetchOptions::default(),
        &CancellationToken::new(),
    )
    .await
    .during(|| format!("keeping a copy of subscriber {id}'s mismatch logs before deregistering it; nothing was deregistered"))?;
    c.subscribers()
        .deregister(id)
        .await
        .map_err(not_registered)?;
    let target = s.target_host.clone().unwrap_or_default();
    let logs = if kept.rows > 0 {
        format!(
            "its {} mismatch logs on the publisher are deleted (a copy checked against a fresh count is in {})",
            kept.rows,
            kept.path.display()
        )
    } else {
        "it had no mismatch logs on the publisher".to_string()
    };
    let text = format!(
        "deregistered subscriber {id} (targetHost {target}) from {publisher_at}: periodic staging to it stops, and {logs}. \
         The publisher's `<release>-dam-staging` secret is not changed by the API"
    );
    output::result(
        conn.json,
        &json!({
            "deregistered": true,
            "subscriberId": id,
            "targetHost": target,
            "stopped": "periodic staging to this subscriber; its mismatch logs on the publisher are deleted",
            "archive": (kept.rows > 0).then_some(&kept.path),
            "archivedRows": kept.rows,
        }),
        &text,
    );
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(r: Outcome<u64>) -> String {
        match r {
            Err(Failure::Usage(m)) => m,
            _ => panic!("expected a usage error"),
        }
    }

    #[test]
    fn the_interval_is_1_to_1440_minutes_default_2() {
        assert_eq!(interval_minutes(None).ok(), Some(2));
        assert_eq!(interval_minutes(Some("1")).ok(), Some(1));
        assert_eq!(interval_minutes(Some(" 1440 ")).ok(), Some(1440));
        for bad in ["0", "1441", "-5", "abc", "", "2.5"] {
            let m = usage(interval_minutes(Some(bad)));
            assert!(m.starts_with("-interval "), "{m}");
            assert!(m.contains("1440"), "{m}");
        }
    }

    #[test]
    fn the_target_host_names_its_protocol_and_port_when_given() {
        assert_eq!(
            split_target("dx.example.com"),
            (None, "dx.example.com", None)
        );
        assert_eq!(
            split_target("127.0.0.1:10039"),
            (None, "127.0.0.1", Some("10039"))
        );
        assert_eq!(
            split_target("https://dx.example.com/"),
            (Some("https"), "dx.example.com", None)
        );
        assert_eq!(
            split_target("http://dx.example.com:8080/x"),
            (Some("http"), "dx.example.com", Some("8080"))
        );
        assert_eq!(split_target("[::1]:443"), (None, "[::1]", Some("443")));
        assert_eq!(split_target("[::1]"), (None, "[::1]", None));
    }
}
