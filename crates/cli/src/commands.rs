//! The `manage-dam-staging` commands.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use dx_staging::readiness::{self, Readiness};
use dx_staging::record_compare::{compare_record, SubscriberSide};
use dx_staging::report::{default_output_dir, default_report_path};
use dx_staging::workflow::{describe_outcome, DriverOptions, PublisherTurns, Turn};
use dx_staging::{
    fetch_report, Client, Error, FetchOptions, FindWatch, ReportRequest, Rule, RunConfig, RunKind,
    RunState, Runner, Subscriber,
};
use mismatch_report::{RecordAction, RecordType};
use serde::Serialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::args::{dx_values, Command, MismatchExit, WaitArgs};
use crate::conn::Conn;
use crate::failure::{Failure, Outcome};
use crate::{exit, output, register};

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
        | Command::CompareRecord { conn, .. }
        | Command::RegisterDamSubscriber { conn, .. }
        | Command::DeregisterDamSubscriber { conn, .. } => conn.json,
    };
    match dispatch(command).await {
        Ok(code) => code,
        Err(f) => f.report(json),
    }
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
async fn publisher_turn(conn: &Conn, cancel: &CancellationToken) -> Outcome<Turn> {
    let publisher = PublisherTurns::publisher_of(&conn.profile);
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
            let conn = Conn::resolve(&conn)?;
            let list = conn.client()?.subscribers().list().await?;
            output::result(conn.json, &list, &output::subscribers_table(&list));
            Ok(exit::OK)
        }
        Command::CompareRecord {
            conn,
            record_type,
            record_id,
            subscriber_env,
            mismatch_exit,
        } => {
            let record_type = known_value(
                "recordType",
                Some(record_type),
                RecordType::parse,
                RecordType::KNOWN,
                RecordType::as_str,
            )?
            .ok_or_else(|| Failure::Usage("-recordType is required".into()))?;
            let conn = Conn::resolve(&conn)?;
            let publisher = conn.client()?;
            let subscriber = conn.subscriber_client(&subscriber_env)?;
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
            Ok(exit::found(differs, mismatch_exit.exit_code_on_mismatch))
        }
        Command::DeleteStagingMismatch {
            conn,
            subscriber_id,
            archive_dir,
        } => {
            let conn = Conn::resolve(&conn)?;
            let c = conn.client()?;
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
            force_download,
            mismatch_exit,
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
            let conn = Conn::resolve(&conn)?;
            let c = conn.client()?;
            let req = ReportRequest {
                subscriber_id,
                record_type,
                record_action,
                ..ReportRequest::default()
            };
            get_report(&conn, &c, req, path, bom, force_download, mismatch_exit).await
        }
        Command::FindStagingMismatch {
            conn,
            subscriber_id,
            report_path: path_arg,
            keep_old_logs,
            wait,
            mismatch_exit,
        } => {
            let conn = Conn::resolve(&conn)?;
            if wait.wait || wait.resume.is_some() {
                let path = match &path_arg {
                    Some(p) => Some(report_path(Some(p), subscriber_id.as_deref())?),
                    None => None,
                };
                let clear = !keep_old_logs;
                let kind = RunKind::Find;
                follow(
                    kind,
                    &conn,
                    subscriber_id,
                    path,
                    clear,
                    &wait,
                    mismatch_exit,
                )
                .await
            } else {
                let publisher = conn.client()?;
                if !keep_old_logs {
                    clear_stale_logs(&conn, &publisher, subscriber_id.as_deref()).await?;
                }
                let kind = dx_staging::TriggerKind::Find;
                trigger_only(&conn, &publisher, subscriber_id, kind).await
            }
        }
        Command::StartStagingResync {
            conn,
            subscriber_id,
            wait,
        } => {
            let conn = Conn::resolve(&conn)?;
            if wait.wait || wait.resume.is_some() {
                let no_mismatch_code = MismatchExit {
                    exit_code_on_mismatch: false,
                };
                let kind = RunKind::Resync;
                follow(
                    kind,
                    &conn,
                    subscriber_id,
                    None,
                    false,
                    &wait,
                    no_mismatch_code,
                )
                .await
            } else {
                let publisher = conn.client()?;
                let kind = dx_staging::TriggerKind::Resync;
                trigger_only(&conn, &publisher, subscriber_id, kind).await
            }
        }
        Command::RegisterDamSubscriber {
            conn,
            target_hostname,
            target_server_username,
            target_server_password,
            target_password_stdin,
            interval,
            target_port,
            target_ca_file,
        } => {
            let cycle = register::interval_minutes(interval.as_deref())?;
            let conn = Conn::resolve(&conn)?;
            let target = register::Target {
                hostname: target_hostname,
                username: target_server_username,
                password: crate::conn::target_password(
                    target_server_password.as_deref(),
                    target_password_stdin,
                )?,
                port: target_port,
                ca_file: target_ca_file,
            };
            register::register(&conn, &target, cycle).await
        }
        Command::DeregisterDamSubscriber {
            conn,
            subscriber_id,
            archive_dir,
        } => {
            let conn = Conn::resolve(&conn)?;
            register::deregister(&conn, &subscriber_id, archive_dir).await
        }
    }
}

/// Why one subscriber's logs in a forced report may not be accurate.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NotAccurate {
    subscriber_id: String,
    why: String,
}

/// `get-staging-mismatch-report`'s JSON result: the report, and whether it was forced.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportResult<'a> {
    #[serde(flatten)]
    info: &'a dx_staging::workflow::ReportInfo,
    force_download: bool,
    /// Each subscriber whose find was not complete, and why (only with -forceDownload true).
    may_not_be_accurate: Vec<NotAccurate>,
}

/// The subscribers whose find decides whether a report may be downloaded: the one asked for;
/// for all subscribers' report, every subscriber a find has run for (a `resyncStatus`): one never
/// checked has no logs, so it cannot make the report inaccurate, and refusing every report
/// until each subscriber was checked once would make the all-subscribers report useless.
async fn report_subscribers(c: &Client, req: &ReportRequest) -> Outcome<Vec<Subscriber>> {
    Ok(match &req.subscriber_id {
        Some(id) => vec![c.subscribers().get(id).await?],
        None => c
            .subscribers()
            .list()
            .await?
            .into_iter()
            .filter(|s| s.resync_status.is_some())
            .collect(),
    })
}

/// Downloads a report, refused (exit 8) when a find it depends on is not complete unless forced
/// (DXClient's `-forceDownload`, since CF221; the rule is `dx_staging::readiness`).
async fn get_report(
    conn: &Conn,
    c: &Client,
    req: ReportRequest,
    path: PathBuf,
    bom: bool,
    force: bool,
    mismatch_exit: MismatchExit,
) -> Outcome<u8> {
    let mut forced = Vec::new();
    let mut refused = Vec::new();
    for s in report_subscribers(c, &req).await? {
        match readiness::check(&s, force) {
            Ok(Readiness::Complete) => {}
            Ok(Readiness::Forced(why)) => forced.push(NotAccurate {
                subscriber_id: s.id_str().to_string(),
                why,
            }),
            Err(Error::Refused { message, .. }) => refused.push(message),
            Err(e) => return Err(e.into()),
        }
    }
    if !refused.is_empty() {
        let message = if req.subscriber_id.is_some() {
            refused.join("; ")
        } else {
            format!(
                "the report of all subscribers was not downloaded: {}",
                refused.join("; ")
            )
        };
        return Err(Failure::Dx {
            error: Error::Refused {
                rule: Rule::FindNotComplete,
                message,
            },
            context: None,
            hint: Some(
                "use -forceDownload true to download it anyway (it is then not accurate)".into(),
            ),
        });
    }
    let opts = FetchOptions {
        bom,
        ..FetchOptions::default()
    };
    let cancel = cancel_on_ctrl_c();
    let json_mode = conn.json;
    let info = fetch_report(
        c,
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
    for f in &forced {
        let warning = format!(
            "downloaded with -forceDownload true: the report may not be accurate for subscriber {}: {}",
            f.subscriber_id, f.why
        );
        output::warning(conn.json, "report_may_not_be_accurate", &warning);
    }
    if !forced.is_empty() {
        text.push_str(
            "\nWARNING: downloaded with -forceDownload true before FIND_MISMATCH_COMPLETED: the report may not be accurate",
        );
    }
    let result = ReportResult {
        info: &info,
        force_download: force,
        may_not_be_accurate: forced,
    };
    output::result(conn.json, &result, &text);
    Ok(exit::found(
        info.rows > 0,
        mismatch_exit.exit_code_on_mismatch,
    ))
}

async fn trigger_only(
    conn: &Conn,
    c: &Client,
    subscriber_id: Option<String>,
    kind: dx_staging::TriggerKind,
) -> Outcome<u8> {
    let id = subscriber_id.ok_or_else(|| Failure::Usage("-subscriberId is required".into()))?;
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
async fn clear_stale_logs(conn: &Conn, c: &Client, subscriber_id: Option<&str>) -> Outcome<()> {
    let id = subscriber_id.ok_or_else(|| Failure::Usage("-subscriberId is required".into()))?;
    let copy = default_report_path(&default_output_dir().join("archive"), Some(id), Utc::now());
    let kept = dx_staging::archive_then_delete_logs(
        c,
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

/// The settings of a new run from the flags: the find watch (`--dx-before-cf218` selects HCL's
/// 30-minute limit of DX before CF218; by default a find is judged by its operations' progress,
/// DX CF218 and later), its limits, the report and the stale logs.
fn run_config(wait: &WaitArgs, report: Option<PathBuf>, clear_stale_logs: bool) -> RunConfig {
    RunConfig {
        find_watch: if wait.dx_before_cf218 {
            FindWatch::TimeLimit
        } else {
            FindWatch::Progress
        },
        find_stall_secs: wait.find_stall_secs.max(1),
        stuck_limit_secs: wait.stuck_limit_secs,
        report_path: report,
        clear_stale_logs,
        ..RunConfig::default()
    }
}

async fn follow(
    kind: RunKind,
    conn: &Conn,
    subscriber_id: Option<String>,
    report: Option<PathBuf>,
    clear_stale_logs: bool,
    wait: &WaitArgs,
    mismatch_exit: MismatchExit,
) -> Outcome<u8> {
    let publisher = conn.client()?;
    let subscriber_env = conn.subscriber_client(&wait.subscriber_env)?;
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
            let config = run_config(wait, report, clear_stale_logs);
            let state = RunState::new(kind, id, config, Utc::now());
            let file = wait
                .state_file
                .clone()
                .unwrap_or_else(|| runs_dir().join(format!("{}.json", state.run_id)));
            (state, file)
        }
    };
    // The rule a find is watched by (a resumed run keeps the one it was started with).
    let find_watch =
        (kind != RunKind::Resync).then(|| state.config.find_watch.describe(&state.config));
    if !conn.json {
        eprintln!(
            "run {} (state: {}; resume with --resume {})",
            state.run_id,
            state_file.display(),
            state_file.display()
        );
        if let Some(rule) = &find_watch {
            eprintln!("find watch: {rule}");
        }
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
    if let Some(rule) = &find_watch {
        text.push_str(&format!("\nfind watch: {rule}"));
    }
    for w in &state.warnings {
        text.push_str(&format!("\nnote: {}", w.message()));
    }
    output::result(conn.json, &state, &text);
    Ok(exit::for_outcome(
        &outcome,
        mismatch_exit.exit_code_on_mismatch,
    ))
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
