//! The `manage-dam-staging` commands.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use dx_staging::record_compare::{compare_record, SubscriberSide};
use dx_staging::report::{default_output_dir, default_report_path};
use dx_staging::workflow::{describe_outcome, DriverOptions, PublisherTurns, Turn};
use dx_staging::{
    fetch_report, Client, Error, FetchOptions, Profile, ReportRequest, RetryPolicy, RunConfig,
    RunKind, RunState, Runner, Secret, TlsMode,
};
use mismatch_report::{RecordAction, RecordType};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::args::{dx_values, Command, Connection, SubscriberEnv, WaitArgs};
use crate::{exit, output};

/// Default folder of run state files, `store/runs` beside DXClient's `store/outputFiles`
/// (relative to the working folder; joined with the system's separator).
fn runs_dir() -> PathBuf {
    Path::new("store").join("runs")
}

/// Runs one command; returns the exit code.
pub async fn run(command: Command) -> u8 {
    let json = match &command {
        Command::GetAllSubscribers { conn }
        | Command::FindStagingMismatch { conn, .. }
        | Command::GetStagingMismatchReport { conn, .. }
        | Command::DeleteStagingMismatch { conn, .. }
        | Command::StartStagingResync { conn, .. }
        | Command::CompareRecord { conn, .. } => conn.json,
    };
    match dispatch(command).await {
        Ok(code) => code,
        Err(Failure::Usage(m)) => {
            output::usage(json, &m);
            exit::USAGE
        }
        Err(Failure::Dx(e)) => {
            output::error(json, &e);
            exit::for_error(&e)
        }
    }
}

enum Failure {
    Usage(String),
    Dx(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidProfile { .. } => Failure::Usage(e.to_string()),
            other => Failure::Dx(other),
        }
    }
}

type Outcome<T> = Result<T, Failure>;

fn password(conn: &Connection) -> Outcome<Secret> {
    if let Some(p) = &conn.dx_password {
        return Ok(Secret::new(p.clone()));
    }
    if let Ok(p) = std::env::var("DX_PASSWORD") {
        if !p.is_empty() {
            return Ok(Secret::new(p));
        }
    }
    if conn.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Usage(format!("cannot read the password from stdin: {e}")))?;
        let p = line.trim_end_matches(['\r', '\n']).to_string();
        if p.is_empty() {
            return Err(Failure::Usage(
                "the password read from stdin is empty".into(),
            ));
        }
        return Ok(Secret::new(p));
    }
    Err(Failure::Usage(
        "no password: use -dxPassword, the DX_PASSWORD environment variable, or --password-stdin"
            .into(),
    ))
}

/// The value of filter flag `-{flag}`, if given and not empty: one of `known` (read as `parse`
/// reads it), else a usage error listing every known value as DX spells it.
fn known_value<T: PartialEq>(
    flag: &str,
    text: Option<String>,
    parse: fn(&str) -> T,
    known: &[T],
    spell: fn(&T) -> &str,
) -> Outcome<Option<T>> {
    let Some(t) = text.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let v = parse(&t);
    if !known.contains(&v) {
        return Err(Failure::Usage(format!(
            "-{flag} {t:?} is not one of {}",
            dx_values(known, spell)
        )));
    }
    Ok(Some(v))
}

fn profile(conn: &Connection) -> Profile {
    let mut p = Profile::new(conn.hostname.clone(), conn.dx_username.clone());
    p.dx_protocol = conn.dx_protocol.clone();
    p.dx_port = conn.dx_port;
    p.ring_api_port = conn.ring_api_port;
    p.dam_api_port = conn.dam_api_port;
    p.ring_api_version = conn.ring_api_version.clone();
    p.dam_api_version = conn.dam_api_version.clone();
    p.timeouts.request_secs = conn.timeout_secs.max(1);
    p.tls = match (&conn.ca_file, conn.insecure) {
        (_, true) => TlsMode::AcceptInvalid,
        (Some(ca), false) => TlsMode::CustomCa {
            ca_pem_path: ca.clone(),
            ca_original: None,
        },
        (None, false) => TlsMode::Verify,
    };
    p
}

fn client(conn: &Connection, password: &Secret) -> Outcome<Client> {
    let p = profile(conn);
    warn_plaintext(conn.json, &p, "-hostname");
    let c = Client::builder(&p, password.clone())
        .retry(retry_policy(conn))
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

/// The read retries the connection flags ask for.
fn retry_policy(conn: &Connection) -> RetryPolicy {
    RetryPolicy {
        min_delay: Duration::from_millis(conn.retry_min_ms),
        max_retries: conn.retries,
        ..RetryPolicy::default()
    }
}

/// Warns on stderr (text or a JSON line) when `p` sends the password over plain http to a host
/// that is not this machine; `flag` names the option that set the host.
fn warn_plaintext(json: bool, p: &Profile, flag: &str) {
    if p.is_plaintext_remote() {
        output::warning(
            json,
            "plaintext_remote",
            &format!(
                "-dxProtocol http to {} ({flag}), not this machine: the password and the session \
                 cookie cross the network unencrypted; use https",
                p.hostname.trim()
            ),
        );
    }
}

fn subscriber_client(
    conn: &Connection,
    env: &SubscriberEnv,
    password: &Secret,
) -> Outcome<Option<Client>> {
    let Some(host) = &env.subscriber_hostname else {
        return Ok(None);
    };
    let mut p = profile(conn);
    p.hostname = host.clone();
    p.ring_api_port = env.subscriber_port;
    p.dam_api_port = env.subscriber_port;
    p.dx_port = env.subscriber_port;
    if let Some(ca) = &env.subscriber_ca_file {
        p.tls = TlsMode::CustomCa {
            ca_pem_path: ca.clone(),
            ca_original: None,
        };
    }
    warn_plaintext(conn.json, &p, "--subscriber-hostname");
    Ok(Some(
        Client::builder(&p, password.clone())
            .retry(retry_policy(conn))
            .build()?,
    ))
}

/// A report path from `-reportPath` (a folder, or a `.csv` file that must not exist yet).
fn report_path(arg: Option<&Path>, subscriber: Option<&str>) -> Outcome<PathBuf> {
    let now = Utc::now();
    match arg {
        None => Ok(default_report_path(&default_output_dir(), subscriber, now)),
        Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => {
            if p.exists() {
                Err(Failure::Usage(format!(
                    "-reportPath {} exists already; reports never overwrite (give a folder or a new name)",
                    p.display()
                )))
            } else {
                Ok(p.to_path_buf())
            }
        }
        Some(dir) => Ok(default_report_path(dir, subscriber, now)),
    }
}

fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            t.cancel();
        }
    });
    token
}

/// Waits for the publisher's turn: one run at a time per publisher, shared with the app and
/// every other `dam-staging` of this user (see `dx_staging::workflow::turns`).
async fn publisher_turn(conn: &Connection, cancel: &CancellationToken) -> Outcome<Turn> {
    let publisher = PublisherTurns::publisher_of(&profile(conn));
    let quiet = conn.json;
    let said = || {
        if !quiet {
            eprintln!(
                "waiting for another run on {publisher} (in the app or another dam-staging) to end"
            );
        }
    };
    PublisherTurns::shared()
        .wait(&publisher, cancel, said)
        .await?
        .ok_or_else(|| Error::Cancelled.into())
}

async fn dispatch(command: Command) -> Outcome<u8> {
    match command {
        Command::GetAllSubscribers { conn } => {
            let c = client(&conn, &password(&conn)?)?;
            let list = c.subscribers().list().await?;
            output::result(conn.json, &list, &output::subscribers_table(&list));
            Ok(exit::OK)
        }
        Command::CompareRecord {
            conn,
            record_type,
            record_id,
            subscriber_env,
        } => {
            let record_type = known_value(
                "recordType",
                Some(record_type),
                RecordType::parse,
                RecordType::KNOWN,
                RecordType::as_str,
            )?
            .ok_or_else(|| Failure::Usage("-recordType is required".into()))?;
            let password = password(&conn)?;
            let publisher = client(&conn, &password)?;
            let subscriber = subscriber_client(&conn, &subscriber_env, &password)?;
            let side = match &subscriber {
                Some(c) => SubscriberSide::Client(c),
                None => SubscriberSide::Unavailable("no --subscriber-hostname given"),
            };
            let c = compare_record(&publisher, side, &record_type, &record_id).await?;
            output::result(conn.json, &c, &output::record_comparison(&c));
            // Differs: missing on the subscriber, or read on both with a field apart.
            let differs = match c.on_subscriber {
                Some(true) => c.fields.iter().any(|f| f.differs),
                Some(false) => true,
                None => false,
            };
            Ok(if differs { exit::MISMATCHES } else { exit::OK })
        }
        Command::DeleteStagingMismatch {
            conn,
            subscriber_id,
            archive_dir,
        } => {
            let c = client(&conn, &password(&conn)?)?;
            let dir = archive_dir.unwrap_or_else(|| default_output_dir().join("archive"));
            let copy = default_report_path(&dir, subscriber_id.as_deref(), Utc::now());
            let kept = dx_staging::archive_then_delete_logs(
                &c,
                subscriber_id.as_deref(),
                &copy,
                &FetchOptions::default(),
                &CancellationToken::new(),
            )
            .await?;
            let whose = match &subscriber_id {
                Some(id) => format!("subscriber {id}"),
                None => "all subscribers".to_string(),
            };
            let text = format!(
                "kept {} logs of {whose} in {} (checked against a fresh count), then deleted them on the server",
                kept.rows,
                kept.path.display()
            );
            output::result(
                conn.json,
                &json!({
                    "deleted": true,
                    "subscriberId": subscriber_id,
                    "archive": kept.path,
                    "archivedRows": kept.rows,
                }),
                &text,
            );
            Ok(exit::OK)
        }
        Command::GetStagingMismatchReport {
            conn,
            subscriber_id,
            record_type,
            record_action,
            report_path: path_arg,
            bom,
        } => {
            let record_type = known_value(
                "recordType",
                record_type,
                RecordType::parse,
                RecordType::KNOWN,
                RecordType::as_str,
            )?;
            let record_action = known_value(
                "recordAction",
                record_action,
                RecordAction::parse,
                RecordAction::KNOWN,
                RecordAction::as_str,
            )?;
            let path = report_path(path_arg.as_deref(), subscriber_id.as_deref())?;
            let c = client(&conn, &password(&conn)?)?;
            let req = ReportRequest {
                subscriber_id,
                record_type,
                record_action,
            };
            let opts = FetchOptions {
                bom,
                ..FetchOptions::default()
            };
            let cancel = cancel_on_ctrl_c();
            let json_mode = conn.json;
            let info = fetch_report(
                &c,
                &req,
                &path,
                &opts,
                move |rows| {
                    if !json_mode && rows > 0 && rows.is_multiple_of(100_000) {
                        eprintln!("fetched {rows} mismatch logs");
                    }
                },
                &cancel,
            )
            .await?;
            let mut text = if info.rows == 0 {
                format!(
                    "in sync: no mismatch logs (empty report written to {})",
                    info.path.display()
                )
            } else {
                format!(
                    "{} mismatch logs written to {}",
                    info.rows,
                    info.path.display()
                )
            };
            if info.possibly_inaccurate {
                text.push_str(&format!(
                    "\nWARNING: fetched while the status was {} (not FIND_MISMATCH_COMPLETED): the report may be inaccurate",
                    info.status_at_fetch.as_deref().unwrap_or("unknown")
                ));
            }
            output::result(conn.json, &info, &text);
            Ok(if info.rows == 0 {
                exit::OK
            } else {
                exit::MISMATCHES
            })
        }
        Command::FindStagingMismatch {
            conn,
            subscriber_id,
            report_path: path_arg,
            keep_old_logs,
            wait,
        } => {
            if wait.wait || wait.resume.is_some() {
                let path = match &path_arg {
                    Some(p) => Some(report_path(Some(p), subscriber_id.as_deref())?),
                    None => None,
                };
                let clear = !keep_old_logs;
                follow(RunKind::Find, &conn, subscriber_id, path, clear, &wait).await
            } else {
                if !keep_old_logs {
                    clear_stale_logs(&conn, subscriber_id.as_deref()).await?;
                }
                trigger_only(&conn, subscriber_id, dx_staging::TriggerKind::Find).await
            }
        }
        Command::StartStagingResync {
            conn,
            subscriber_id,
            wait,
        } => {
            if wait.wait || wait.resume.is_some() {
                follow(RunKind::Resync, &conn, subscriber_id, None, false, &wait).await
            } else {
                trigger_only(&conn, subscriber_id, dx_staging::TriggerKind::Resync).await
            }
        }
    }
}

async fn trigger_only(
    conn: &Connection,
    subscriber_id: Option<String>,
    kind: dx_staging::TriggerKind,
) -> Outcome<u8> {
    let id = subscriber_id.ok_or_else(|| Failure::Usage("-subscriberId is required".into()))?;
    let c = client(conn, &password(conn)?)?;
    let _turn = publisher_turn(conn, &cancel_on_ctrl_c()).await?;
    let out = c.subscribers().trigger(&id, kind).await?;
    let status = out
        .subscriber
        .resync_status
        .as_ref()
        .map_or("", |s| s.as_str())
        .to_string();
    let what = match kind {
        dx_staging::TriggerKind::Find => "find staging mismatch",
        dx_staging::TriggerKind::Resync => "staging resync",
    };
    output::result(
        conn.json,
        &json!({"subscriberId": id, "resyncStatus": status, "confirmedByReread": out.confirmed_by_reread}),
        &format!("{what} started for subscriber {id}: resyncStatus {status}"),
    );
    Ok(exit::OK)
}

/// Before a find without `--wait`: keeps a checked copy of the subscriber's existing logs in
/// store/outputFiles/archive and deletes them (see `dx_staging::keep_then_delete`).
async fn clear_stale_logs(conn: &Connection, subscriber_id: Option<&str>) -> Outcome<()> {
    let id = subscriber_id.ok_or_else(|| Failure::Usage("-subscriberId is required".into()))?;
    let c = client(conn, &password(conn)?)?;
    let copy = default_report_path(&default_output_dir().join("archive"), Some(id), Utc::now());
    let kept = dx_staging::archive_then_delete_logs(
        &c,
        Some(id),
        &copy,
        &FetchOptions::default(),
        &CancellationToken::new(),
    )
    .await?;
    if kept.rows > 0 && !conn.json {
        eprintln!(
            "kept the {} mismatch logs of an earlier find in {} and deleted them on the server",
            kept.rows,
            kept.path.display()
        );
    }
    Ok(())
}

async fn follow(
    kind: RunKind,
    conn: &Connection,
    subscriber_id: Option<String>,
    report: Option<PathBuf>,
    clear_stale_logs: bool,
    wait: &WaitArgs,
) -> Outcome<u8> {
    let password = password(conn)?;
    let publisher = client(conn, &password)?;
    let subscriber_env = subscriber_client(conn, &wait.subscriber_env, &password)?;
    let (state, state_file) = match &wait.resume {
        Some(path) => {
            let state = RunState::load(path)?;
            if state.kind != kind {
                return Err(Failure::Usage(format!(
                    "{} holds a {:?} run, not a {:?} run",
                    path.display(),
                    state.kind,
                    kind
                )));
            }
            if let Some(id) = &subscriber_id {
                if *id != state.subscriber_id {
                    return Err(Failure::Usage(format!(
                        "{} is a run for subscriber {}, not {id}",
                        path.display(),
                        state.subscriber_id
                    )));
                }
            }
            (state, path.clone())
        }
        None => {
            let id =
                subscriber_id.ok_or_else(|| Failure::Usage("-subscriberId is required".into()))?;
            let config = RunConfig {
                stuck_limit_secs: wait.stuck_limit_secs,
                report_path: report,
                clear_stale_logs,
                ..RunConfig::default()
            };
            let state = RunState::new(kind, id, config, Utc::now());
            let file = wait
                .state_file
                .clone()
                .unwrap_or_else(|| runs_dir().join(format!("{}.json", state.run_id)));
            (state, file)
        }
    };
    if !conn.json {
        eprintln!(
            "run {} (state: {}; resume with --resume {})",
            state.run_id,
            state_file.display(),
            state_file.display()
        );
    }
    let cancel = cancel_on_ctrl_c();
    let _turn = publisher_turn(conn, &cancel).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let json = conn.json;
    let printer = tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            output::progress(json, &p);
        }
    });
    let runner = Runner::new(publisher)
        .subscriber_env(subscriber_env)
        .options(DriverOptions {
            poll_min: Duration::from_millis(wait.poll_min_ms.max(1)),
            poll_max: Duration::from_millis(wait.poll_max_ms.max(wait.poll_min_ms).max(1)),
            fetch: FetchOptions::default(),
        })
        .state_file(&state_file)
        .report_dir(default_output_dir())
        .progress(tx)
        .cancel_token(cancel);
    let result = runner.run(state).await;
    drop(runner);
    let _ = printer.await;
    let state = result?;
    let Some(outcome) = state.outcome.clone().filter(|_| state.is_done()) else {
        output::result(
            conn.json,
            &state,
            &format!(
                "stopped watching (the job on the server goes on); resume with --resume {}",
                state_file.display()
            ),
        );
        return Ok(exit::INTERRUPTED);
    };
    let mut text = describe_outcome(&outcome);
    if let Some(r) = &state.report {
        text.push_str(&format!("\nreport: {} ({} rows)", r.path.display(), r.rows));
        if r.possibly_inaccurate {
            text.push_str(" - may be inaccurate (fetched before FIND_MISMATCH_COMPLETED)");
        }
    }
    for w in &state.warnings {
        text.push_str(&format!("\nnote: {}", w.message()));
    }
    output::result(conn.json, &state, &text);
    Ok(exit::for_outcome(&outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_folders_use_the_system_separator() {
        let runs = runs_dir();
        let parts: Vec<_> = runs
            .components()
            .map(|c| c.as_os_str().to_owned())
            .collect();
        assert_eq!(parts, ["store", "runs"]);
        let report = report_path(None, Some("a:b"))
            .ok()
            .expect("a default report path");
        assert_eq!(report.parent(), Some(default_output_dir().as_path()));
        let name = report.file_name().unwrap().to_string_lossy().into_owned();
        assert!(dx_staging::fsname::is_portable_name(&name), "{name}");
        assert!(!name.contains(':'), "{name}");
    }

    fn usage_message<T>(r: Outcome<Option<T>>) -> String {
        match r {
            Err(Failure::Usage(m)) => m,
            _ => panic!("expected a usage error"),
        }
    }

    #[test]
    fn an_unknown_record_type_or_action_lists_every_known_value() {
        let t = |v: &str| {
            known_value(
                "recordType",
                Some(v.into()),
                RecordType::parse,
                RecordType::KNOWN,
                RecordType::as_str,
            )
        };
        assert_eq!(
            t(" media_item ").ok().flatten(),
            Some(RecordType::MediaItem)
        );
        let m = usage_message(t("ASSET"));
        assert!(m.starts_with("-recordType \"ASSET\" is not one of "), "{m}");
        assert_eq!(RecordType::KNOWN.len(), 12);
        for k in RecordType::KNOWN {
            assert!(m.contains(k.as_str()), "{m} lacks {k}");
        }
        let a = |v: Option<&str>| {
            known_value(
                "recordAction",
                v.map(str::to_string),
                RecordAction::parse,
                RecordAction::KNOWN,
                RecordAction::as_str,
            )
        };
        assert_eq!(a(None).ok(), Some(None));
        assert_eq!(a(Some("")).ok(), Some(None));
        let m = usage_message(a(Some("MOVE")));
        assert_eq!(
            m,
            "-recordAction \"MOVE\" is not one of CREATE, UPDATE, DELETE"
        );
    }

    #[test]
    fn a_report_path_with_a_csv_extension_in_any_case_is_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Mine.CSV");
        assert_eq!(report_path(Some(&file), None).ok(), Some(file.clone()));
        std::fs::write(&file, "x").unwrap();
        assert!(report_path(Some(&file), None).is_err(), "never overwrites");
        let in_dir = report_path(Some(dir.path()), None).ok().unwrap();
        assert_eq!(in_dir.parent(), Some(dir.path()));
    }
}
