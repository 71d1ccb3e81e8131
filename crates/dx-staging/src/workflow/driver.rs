//! The async driver of a run: performs the machine's actions against DX, polls with back-off,
//! saves the state after every step, sends progress events, and stops watching on cancel
//! (the server's job is never cancelled).

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::machine::{
    resume_actions, step, Action, BlockingOperation, ErrorInfo, Event, PreflightReport,
};
use super::state::{job_operations, Diagnosis, FindActivity, Outcome, Phase, RunKind, RunState};
use crate::client::{Client, TriggerKind};
use crate::error::{Error, Result};
use crate::model::{OperationStatus, ResyncStatus, Subscriber};
use crate::report::{default_report_path, fetch_report, FetchOptions, ReportRequest};

/// Timing and fetching settings of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriverOptions {
    /// First poll delay (HCL-friendly default 1 s).
    pub poll_min: Duration,
    /// Largest poll delay (default 10 s).
    pub poll_max: Duration,
    /// How the report is fetched.
    pub fetch: FetchOptions,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions {
            poll_min: Duration::from_secs(1),
            poll_max: Duration::from_secs(10),
            fetch: FetchOptions::default(),
        }
    }
}

/// A progress event of a run, sent on the driver's channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The run.
    pub run_id: String,
    /// What it does.
    pub kind: RunKind,
    /// Where it is.
    pub phase: Phase,
    /// The last `resyncStatus` read.
    pub status: Option<ResyncStatus>,
    /// Milliseconds since the trigger (or since the run started, before it).
    pub elapsed_ms: u64,
    /// Report rows fetched so far.
    pub rows_fetched: u64,
    /// Sync operations not yet complete on the subscriber.
    pub operations_pending: Option<u64>,
    /// A line for humans.
    pub message: String,
    /// The run stopped watching because of a cancel (it can be resumed).
    pub cancelled: bool,
    /// Set when the run has ended.
    pub outcome: Option<Outcome>,
}

/// Drives runs against a publisher (and, when its profile is linked, the subscriber environment).
#[derive(Debug, Clone)]
pub struct Runner {
    publisher: Client,
    subscriber_env: Option<Client>,
    options: DriverOptions,
    state_file: Option<PathBuf>,
    report_dir: PathBuf,
    progress: Option<mpsc::Sender<Progress>>,
    cancel: CancellationToken,
}

impl Runner {
    /// A runner for `publisher`.
    pub fn new(publisher: Client) -> Self {
        Runner {
            publisher,
            subscriber_env: None,
            options: DriverOptions::default(),
            state_file: None,
            report_dir: crate::report::default_output_dir(),
            progress: None,
            cancel: CancellationToken::new(),
        }
    }

    /// The client of the subscriber environment (pre-flight, two-way guard, operations watch).
    pub fn subscriber_env(mut self, client: Option<Client>) -> Self {
        self.subscriber_env = client;
        self
    }

    /// Timing and fetching settings.
    pub fn options(mut self, options: DriverOptions) -> Self {
        self.options = options;
        self
    }

    /// Saves the run state to this file after every step.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Where reports go when the run config names no path.
    pub fn report_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.report_dir = dir.into();
        self
    }

    /// Sends progress events on this channel.
    pub fn progress(mut self, tx: mpsc::Sender<Progress>) -> Self {
        self.progress = Some(tx);
        self
    }

    /// Stops watching when this token is cancelled.
    pub fn cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    fn progress_of(&self, s: &RunState, message: String, cancelled: bool) -> Progress {
        let since = s.triggered_at.unwrap_or(s.started_at);
        Progress {
            run_id: s.run_id.clone(),
            kind: s.kind,
            phase: s.phase.clone(),
            status: s.last_status.clone(),
            elapsed_ms: (Utc::now() - since).num_milliseconds().max(0) as u64,
            rows_fetched: s.report.as_ref().map_or(0, |r| r.rows),
            operations_pending: s.operations_pending,
            message,
            cancelled,
            outcome: s.outcome.clone(),
        }
    }

    async fn emit(&self, p: Progress) {
        if let Some(tx) = &self.progress {
            let _ = tx.send(p).await;
        }
    }

    fn persist(&self, s: &RunState) -> Result<()> {
        match &self.state_file {
            Some(path) => s.save(path),
            None => Ok(()),
        }
    }

    /// Runs (or resumes) `state` until it ends or the token is cancelled. Returns the state as
    /// saved: [`RunState::is_done`] tells whether it ended; if not, it was cancelled and can be
    /// resumed later with another call.
    pub async fn run(&self, state: RunState) -> Result<RunState> {
        let mut state = state;
        if self.subscriber_env.is_none() && state.config.watch_operations {
            state.config.watch_operations = false;
        }
        let mut queue: std::collections::VecDeque<Action> = resume_actions(&state).into();
        let mut delay = self.options.poll_min;
        self.persist(&state)?;
        self.emit(self.progress_of(&state, describe(&state), false))
            .await;
        while let Some(action) = queue.pop_front() {
            if matches!(
                action,
                Action::PollStatus | Action::PollOperations | Action::CheckPreflightLater
            ) {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = self.cancel.cancelled() => return self.stopped(state).await,
                }
                delay = (delay * 2).min(self.options.poll_max);
            }
            if self.cancel.is_cancelled() {
                return self.stopped(state).await;
            }
            let event = tokio::select! {
                e = self.perform(&state, &action) => e,
                _ = self.cancel.cancelled() => return self.stopped(state).await,
            };
            let Some(event) = event else {
                return self.stopped(state).await;
            };
            let before = state.phase.clone();
            let (next, actions) = step(state, event);
            state = next;
            if state.phase != before {
                delay = self.options.poll_min;
            }
            self.persist(&state)?;
            self.emit(self.progress_of(&state, describe(&state), false))
                .await;
            queue.extend(actions);
        }
        Ok(state)
    }

    async fn stopped(&self, state: RunState) -> Result<RunState> {
        self.persist(&state)?;
        let msg = "stopped watching; the job on the server goes on (resume the run to look again)"
            .to_string();
        self.emit(self.progress_of(&state, msg, true)).await;
        Ok(state)
    }

    /// Does one action; `None` when cancelled mid-way.
    async fn perform(&self, s: &RunState, action: &Action) -> Option<Event> {
        let id = s.subscriber_id.as_str();
        let subs = self.publisher.subscribers();
        let failed = |e: Error| Event::Failed(ErrorInfo::from(&e));
        Some(match action {
            Action::CheckPreflight | Action::CheckPreflightLater => match self.preflight(s).await {
                Ok(r) => Event::PreflightChecked(r),
                Err(e) => failed(e),
            },
            Action::ArchiveReport => match archive(s) {
                Ok(p) => Event::Archived(p),
                Err(e) => failed(e),
            },
            // The server's logs go only once a complete copy of them is kept and checked
            // (see `keep_then_delete`): in the run's archive folder, beside the archived report.
            Action::DeleteLogs => {
                let dir = s
                    .config
                    .archive_dir
                    .clone()
                    .unwrap_or_else(|| self.report_dir.join("archive"));
                let copy = default_report_path(&dir, Some(id), Utc::now());
                match crate::keep_then_delete::archive_then_delete_logs(
                    &self.publisher,
                    Some(id),
                    &copy,
                    &self.options.fetch,
                    &self.cancel,
                )
                .await
                {
                    Ok(_) => Event::LogsDeleted,
                    Err(Error::Cancelled) => return None,
                    Err(e) => failed(e),
                }
            }
            // Reads around a trigger that fail transiently are tried again (the machine
            // decides how long); a definite answer ends the step.
            Action::ReadBeforeTrigger(_) => match subs.get(id).await {
                Ok(sub) => Event::BeforeTrigger(sub),
                Err(e) if e.is_transient() => poll_failed(&e),
                Err(e) => failed(e),
            },
            Action::SendTrigger(job) => {
                let before = s.before_trigger.clone().unwrap_or_default();
                match subs.trigger_after(id, *job, &before).await {
                    Ok(out) => Event::Triggered {
                        subscriber: out.subscriber,
                        at: Utc::now(),
                    },
                    // The answer was lost and the client could not prove either way: the
                    // machine re-reads the status before anything is sent again.
                    Err(e) if e.is_transient() || e.is_unclear_outcome() => poll_failed(&e),
                    Err(e) => failed(e),
                }
            }
            Action::ConfirmTrigger(job) => match subs.get(id).await {
                Ok(after) => {
                    let before = s.before_trigger.clone().unwrap_or_default();
                    Event::TriggerConfirmed {
                        landed: job.landed(&before, &after),
                        subscriber: after,
                        at: Utc::now(),
                    }
                }
                Err(e) if e.is_transient() => poll_failed(&e),
                Err(e) => failed(e),
            },
            Action::PollStatus => match subs.get(id).await {
                Ok(sub) => Event::StatusRead {
                    subscriber: sub,
                    at: Utc::now(),
                },
                Err(e) => poll_failed(&e),
            },
            Action::ReadActivity(job) => {
                let since = s.triggered_less_skew();
                match self
                    .publisher
                    .operations()
                    .list()
                    .trigger_functions(job_operations(*job).iter().copied())
                    .send()
                    .await
                {
                    Ok(ops) => Event::ActivityRead {
                        activity: Some(FindActivity::of(&ops, *job, since)),
                        at: Utc::now(),
                    },
                    Err(e) if e.is_transient() => poll_failed(&e),
                    Err(e) => {
                        tracing::warn!(
                            "the find's operations could not be read ({e}); the time limit applies"
                        );
                        Event::ActivityRead {
                            activity: None,
                            at: Utc::now(),
                        }
                    }
                }
            }
            Action::Diagnose(job) => Event::Diagnosed(self.diagnose(*job).await),
            Action::PollOperations => match self.count_sync_operations(s).await {
                Ok(count) => Event::OperationsRead {
                    pending: count.pending,
                    failed: count.failed,
                    others: count.others,
                    at: Utc::now(),
                },
                Err(e) => poll_failed(&e),
            },
            Action::FetchReport => {
                let path =
                    s.config.report_path.clone().unwrap_or_else(|| {
                        default_report_path(&self.report_dir, Some(id), Utc::now())
                    });
                // Today's DX keeps the logs of earlier finds until they are deleted: a find
                // that left them on the server reports only the logs created since its trigger.
                let created_since = (!s.config.clear_stale_logs && s.kind == RunKind::Find)
                    .then(|| this_finds_logs_since(s))
                    .flatten();
                let req = ReportRequest {
                    subscriber_id: Some(id.to_string()),
                    created_since,
                    ..ReportRequest::default()
                };
                let progress = self.progress.clone();
                let base = self.progress_of(s, String::new(), false);
                let on_rows = move |rows: u64| {
                    if let Some(tx) = &progress {
                        let mut p = base.clone();
                        p.rows_fetched = rows;
                        p.message = format!("fetched {rows} mismatch logs");
                        let _ = tx.try_send(p);
                    }
                };
                match fetch_report(
                    &self.publisher,
                    &req,
                    &path,
                    &self.options.fetch,
                    on_rows,
                    &self.cancel,
                )
                .await
                {
                    Ok(mut info) => {
                        // The report keeps the find's start time (logs before it are stale).
                        if let Some(t) = s.triggered_at {
                            info.find_started_at = Some(t);
                            if let Err(e) = crate::report::record_find_start(&info.path, t) {
                                tracing::warn!("could not record the find's start time: {e}");
                            }
                        }
                        // Does the report explain both environments' record counts?
                        match self.coverage(&info.path).await {
                            Ok(Some(why)) => {
                                if let Err(e) =
                                    crate::report::record_possibly_partial(&info.path, &why)
                                {
                                    tracing::warn!("could not record the coverage check: {e}");
                                }
                                info.possibly_partial = Some(why);
                            }
                            Ok(None) => {}
                            Err(e) => tracing::warn!("could not check the report's coverage: {e}"),
                        }
                        Event::ReportFetched(info)
                    }
                    Err(Error::Cancelled) => return None,
                    Err(e) => failed(e),
                }
            }
            Action::Diff => match diff_reports(s) {
                Ok(d) => Event::Diffed(d),
                Err(e) => failed(e),
            },
        })
    }

    async fn preflight(&self, s: &RunState) -> Result<PreflightReport> {
        // The subscriber must exist on the publisher (404 → unknown subscriber).
        self.publisher.subscribers().get(&s.subscriber_id).await?;
        let Some(env) = &self.subscriber_env else {
            return Ok(PreflightReport::default());
        };
        let now = Utc::now();
        let mut report = PreflightReport {
            subscriber_env_checked: true,
            checked_at: Some(now),
            ..PreflightReport::default()
        };
        let mut statuses: Vec<OperationStatus> = OperationStatus::KNOWN
            .iter()
            .filter(|x| x.is_in_progress())
            .cloned()
            .collect();
        if s.kind == RunKind::Resync {
            statuses.push(OperationStatus::Failed);
        }
        let ops = env.operations().list().status(statuses).send().await?;
        let window = s.config.routine_window_secs + s.config.clock_skew_secs;
        let sorted = SyncOperations::sort(&ops, now, window);
        report.routine = sorted.routine;
        report.blocking = match s.kind {
            RunKind::Find | RunKind::Verify => sorted.stuck,
            RunKind::Resync => sorted.failed,
        };
        if s.kind == RunKind::Resync {
            let theirs = env.subscribers().list().await?;
            report.two_way = Some(lists_publisher(&theirs, self.publisher.dam_base()));
        }
        Ok(report)
    }

    async fn diagnose(&self, job: TriggerKind) -> Diagnosis {
        let names = job_operations(job);
        match self
            .publisher
            .operations()
            .list()
            .trigger_functions(names.iter().copied())
            .send()
            .await
        {
            Ok(ops) => Diagnosis::of_job(&ops, job),
            Err(e) => Diagnosis {
                failed_with_retries: false,
                operation_id: None,
                retry_counter: None,
                operation_status: None,
                advice: format!(
                    "Could not read the DAM operations to diagnose ({e}). Check the {} operations on the publisher: FAILED with retryCounter > 0 means the data was too large (lower maxRecordsToCompare, or deregister and register the subscriber again).",
                    names.join(", ")
                ),
            },
        }
    }

    /// Why the report at `path` may be partial (see [`crate::coverage`]); `None` when it
    /// explains both environments' record counts or there is no subscriber environment.
    async fn coverage(&self, path: &std::path::Path) -> Result<Option<String>> {
        let Some(env) = &self.subscriber_env else {
            return Ok(None);
        };
        let file = path.to_path_buf();
        let logs =
            tokio::task::spawn_blocking(move || crate::coverage::count_creates_and_deletes(&file))
                .await
                .map_err(|e| Error::Report(format!("the report count failed: {e}")))??;
        let unexplained = crate::coverage::unexplained_counts(&self.publisher, env, &logs).await?;
        Ok((!unexplained.is_empty()).then(|| crate::coverage::describe(&unexplained)))
    }

    /// Counts the subscriber environment's `sync*` operations: this resync's (created at or
    /// after the trigger, less the allowed clock skew; an operation without a readable
    /// `created` counts as this resync's, so the watch never ends early) and the others.
    async fn count_sync_operations(&self, s: &RunState) -> Result<SyncCount> {
        let Some(env) = &self.subscriber_env else {
            return Ok(SyncCount::default());
        };
        let mut statuses: Vec<OperationStatus> = OperationStatus::KNOWN
            .iter()
            .filter(|x| x.is_not_complete())
            .cloned()
            .collect();
        statuses.push(OperationStatus::Failed);
        let ops = env.operations().list().status(statuses).send().await?;
        Ok(SyncCount::of(&ops, s.triggered_less_skew()))
    }
}

/// A subscriber environment's `sync*` operations as a pre-flight sorts them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SyncOperations {
    /// In progress and changed within the window: a routine staging cycle at work.
    pub routine: Vec<BlockingOperation>,
    /// In progress but unchanged for longer (or with no readable time): stuck.
    pub stuck: Vec<BlockingOperation>,
    /// `FAILED`.
    pub failed: Vec<BlockingOperation>,
}

impl SyncOperations {
    /// Sorts the `sync*` operations of `ops` at `now`; `window_secs` is how recent a change of
    /// a routine cycle's operation is.
    pub(crate) fn sort(
        ops: &[crate::model::Operation],
        now: DateTime<Utc>,
        window_secs: u64,
    ) -> SyncOperations {
        let mut out = SyncOperations::default();
        let since = now - chrono::Duration::seconds(window_secs as i64);
        for o in ops.iter().filter(|o| o.is_sync()) {
            let b = BlockingOperation {
                id: o.id.clone().unwrap_or_default(),
                trigger_function: o.trigger_function.clone().unwrap_or_default(),
                status: o.status.to_string(),
            };
            if o.status == OperationStatus::Failed {
                out.failed.push(b);
                continue;
            }
            if !o.status.is_in_progress() {
                continue;
            }
            match o.changed_at() {
                Some(t) if t >= since => out.routine.push(b),
                _ => out.stuck.push(b),
            }
        }
        out
    }
}

/// The `sync*` operations a resync watch looks at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyncCount {
    /// This resync's, not yet complete.
    pub pending: u64,
    /// This resync's, `FAILED`.
    pub failed: u64,
    /// Created before the resync, not yet complete.
    pub others: u64,
}

impl SyncCount {
    /// Splits `ops` into this resync's (created at or after `since`) and the others.
    pub(crate) fn of(ops: &[crate::model::Operation], since: Option<DateTime<Utc>>) -> SyncCount {
        let mut c = SyncCount::default();
        for o in ops.iter().filter(|o| o.is_sync()) {
            if !o.created_since(since) {
                if o.status.is_not_complete() {
                    c.others += 1;
                }
            } else if o.status.is_not_complete() {
                c.pending += 1;
            } else if o.status == OperationStatus::Failed {
                c.failed += 1;
            }
        }
        c
    }
}

/// When this find's logs begin: DX's own time of the trigger (when its answer carried one),
/// else this machine's, less the allowed clock skew.
fn this_finds_logs_since(s: &RunState) -> Option<DateTime<Utc>> {
    s.server_triggered_at
        .as_deref()
        .and_then(crate::model::dx_time)
        .or_else(|| s.triggered_less_skew())
}

fn poll_failed(e: &Error) -> Event {
    Event::PollFailed {
        error: ErrorInfo::from(e),
        transient: e.is_transient(),
        at: Utc::now(),
    }
}

/// Whether a subscriber list (of the subscriber environment) names the publisher at `dam_base`
/// (host names compared as DX registers them: see [`crate::hostname`]).
fn lists_publisher(theirs: &[Subscriber], dam_base: &str) -> bool {
    theirs.iter().any(|s| {
        s.target_host
            .as_deref()
            .is_some_and(|t| crate::hostname::target_is(t, dam_base))
    })
}

fn archive(s: &RunState) -> Result<Option<PathBuf>> {
    let Some(prev) = &s.config.previous_report else {
        return Ok(None);
    };
    if !prev.exists() {
        return Err(Error::file(
            prev,
            "the previous report to archive does not exist",
        ));
    }
    let dir = s
        .config
        .archive_dir
        .clone()
        .unwrap_or_else(|| prev.parent().unwrap_or(Path::new(".")).join("archive"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e))?;
    let target = dir.join(archive_name(prev, &s.run_id));
    let tmp = dir.join(format!(
        ".{}.tmp",
        target.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::copy(prev, &tmp).map_err(|e| Error::file(prev, e))?;
    // Neither file is open here. On Windows the rename replaces an existing target
    // (MoveFileEx with REPLACE_EXISTING) but fails if another program has it open.
    if let Err(e) = std::fs::rename(&tmp, &target) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::file(&target, e));
    }
    let meta = crate::report::meta_path(prev);
    if meta.exists() {
        let _ = std::fs::copy(&meta, crate::report::meta_path(&target));
    }
    Ok(Some(target))
}

/// The archived copy's file name: `<report stem>-archived-<run id>.csv`, valid on every system
/// (a long stem is shortened, the run id kept whole).
fn archive_name(prev: &Path, run_id: &str) -> String {
    let stem = prev
        .file_stem()
        .map(|x| x.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    crate::fsname::portable_file_name(&stem, &format!("-archived-{run_id}.csv"))
}

fn diff_reports(s: &RunState) -> Result<super::state::DiffCounts> {
    let (Some(before), Some(after)) = (&s.archived_report, &s.report) else {
        return Ok(Default::default());
    };
    super::diff::diff_files(before, &after.path)
}

fn describe(s: &RunState) -> String {
    let status = s
        .last_status
        .as_ref()
        .map(|x| x.to_string())
        .unwrap_or_default();
    match (&s.phase, &s.outcome) {
        (Phase::Done, Some(Outcome::ResyncFailed)) => match &s.diagnosis {
            Some(d) => format!("{} {}", describe_outcome(&Outcome::ResyncFailed), d.advice),
            None => describe_outcome(&Outcome::ResyncFailed),
        },
        (Phase::Done, Some(o)) => describe_outcome(o),
        (Phase::Preflight, _) => "checking pre-conditions".into(),
        (Phase::WaitingForStaging, _) => format!(
            "waiting for the routine staging cycle on the subscriber: {} in progress",
            crate::counts::count(
                s.routine_operations.unwrap_or(0),
                "sync operation",
                "sync operations"
            )
        ),
        (Phase::Archiving, _) => "archiving the previous report".into(),
        (Phase::DeletingLogs, _) => {
            "deleting the server's mismatch logs for this subscriber".into()
        }
        (Phase::PreparingTrigger { job } | Phase::Triggering { job }, _) => match job {
            TriggerKind::Find => "starting find staging mismatch".into(),
            TriggerKind::Resync => "starting resync".into(),
        },
        (
            Phase::Watching {
                job: TriggerKind::Find,
            },
            _,
        ) => match &s.find_activity {
            Some(a) if !super::machine::time_rule_applies(s) => format!(
                "waiting: {status}; {} of the find ({} in progress), last change {} ({})",
                crate::counts::count(a.operations, "operation", "operations"),
                a.in_progress,
                s.find_progress_at
                    .map(|t| format!("{} s ago", (Utc::now() - t).num_seconds().max(0)))
                    .unwrap_or_else(|| "not seen yet".into()),
                s.config.find_watch.describe(&s.config)
            ),
            _ => format!(
                "waiting: {status} ({})",
                if s.find_activity_unreadable {
                    super::state::FindWatch::TimeLimit.describe(&s.config)
                } else {
                    s.config.find_watch.describe(&s.config)
                }
            ),
        },
        (Phase::Watching { .. }, _) => format!("waiting: {status}"),
        (Phase::Diagnosing { job, .. }, _) => format!(
            "looking at the {} operations",
            job_operations(*job).join(", ")
        ),
        (Phase::WatchingOperations, _) => format!(
            "resync operations created; {} not yet complete on the subscriber",
            s.operations_pending
                .map_or("sync operations".to_string(), |n| {
                    crate::counts::count(n, "sync operation", "sync operations")
                })
        ),
        (Phase::FetchingReport, _) => "fetching the mismatch report".into(),
        (Phase::Diffing, _) => "comparing with the previous report".into(),
        (Phase::Done, None) => "done".into(),
    }
}

fn ago(minutes: u64) -> String {
    if minutes == 0 {
        "less than a minute ago".into()
    } else {
        format!("{minutes} min ago")
    }
}

/// A one-line description of an outcome, in the user's words.
pub fn describe_outcome(o: &Outcome) -> String {
    match o {
        Outcome::FindCompleted => "find staging mismatch completed".into(),
        Outcome::InSync => "in sync: the report is empty".into(),
        Outcome::MismatchesFound { rows } => format!("{rows} mismatch(es) found"),
        Outcome::FindFailed { diagnosis } => format!("the find failed. {}", diagnosis.advice),
        Outcome::Stuck {
            minutes,
            diagnosis,
            rule: super::state::FindWatch::Progress,
        } => format!(
            "stalled: none of the find's operations changed for the stall limit (the find started {}; DX CF218 or later: judged by progress). {}",
            ago(*minutes),
            diagnosis.advice
        ),
        Outcome::Stuck {
            minutes, diagnosis, ..
        } => format!(
            "stuck: the find is still running {} (past the stuck limit; DX before CF218: 30-minute rule). {}",
            if *minutes == 0 { "after less than a minute".to_string() } else { format!("after {minutes} min") },
            diagnosis.advice
        ),
        Outcome::ResyncDone {
            operations_watched: true,
            operations_failed,
        } => format!(
            "resync done: no sync operation left on the subscriber ({operations_failed} failed)"
        ),
        Outcome::ResyncDone { .. } => "resync operations created (the subscriber's operations were not watched: no subscriber profile)".into(),
        Outcome::ResyncFailed => "the resync trigger failed (RESYNC_TRIGGER_FAILED)".into(),
        Outcome::Verified { remaining: 0, .. } => "verified: in sync".into(),
        Outcome::Verified { remaining, .. } => format!("verified: {remaining} mismatch(es) remain"),
        Outcome::Refused { message, .. } => format!("refused: {message}"),
        Outcome::Error { message, .. } => message.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_resync_watch_counts_its_own_operations_and_the_others_apart() {
        let op = |id: &str, f: &str, status: &str, created: Option<&str>| {
            serde_json::from_value::<crate::model::Operation>(serde_json::json!({
                "id": id, "triggerFunction": f, "status": status, "created": created,
            }))
            .unwrap()
        };
        let trigger = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let since = trigger - chrono::Duration::seconds(120);
        let ops = [
            op(
                "a",
                "syncStagingMediaContent",
                "PROCESSING",
                Some("2024-05-01T12:00:05Z"),
            ),
            op(
                "b",
                "syncStagingMediaContent",
                "FAILED",
                Some("2024-05-01T12:00:06Z"),
            ),
            // 90 s before the trigger: within the clock-skew margin, counted as ours.
            op(
                "c",
                "syncStagingCollection",
                "TODO",
                Some("2024-05-01T11:58:30Z"),
            ),
            // An hour before: somebody else's.
            op(
                "d",
                "syncStagingMediaContent",
                "RETRY",
                Some("2024-05-01T11:00:00Z"),
            ),
            op(
                "e",
                "syncStagingMediaContent",
                "FAILED",
                Some("2024-05-01T11:00:00Z"),
            ),
            // No readable time: counted as ours, so the watch never ends early.
            op("f", "syncStagingMediaContent", "WAIT", Some("yesterday")),
            op(
                "g",
                "findStagingMismatch",
                "PROCESSING",
                Some("2024-05-01T12:00:05Z"),
            ),
        ];
        assert_eq!(
            SyncCount::of(&ops, Some(since)),
            SyncCount {
                pending: 3,
                failed: 1,
                others: 1
            }
        );
        // A run saved before the trigger time was recorded counts every operation.
        assert_eq!(SyncCount::of(&ops, None).pending, 4);
    }

    use super::*;

    fn target(t: &str) -> Subscriber {
        Subscriber {
            target_host: Some(t.into()),
            ..Subscriber::default()
        }
    }

    #[test]
    fn a_preflight_tells_a_routine_cycle_from_stuck_and_failed_operations() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let op = |id: &str, f: &str, status: &str, updated: Option<&str>| {
            serde_json::from_value::<crate::model::Operation>(serde_json::json!({
                "id": id, "triggerFunction": f, "status": status, "updated": updated,
            }))
            .unwrap()
        };
        let ops = [
            // Changed a minute ago: the routine cycle.
            op(
                "a",
                "syncStagingMediaContent",
                "PROCESSING",
                Some("2024-05-01T11:59:00Z"),
            ),
            op(
                "b",
                "syncStagingCollectionContent",
                "TODO",
                Some("2024-05-01T11:55:00Z"),
            ),
            // Unchanged for an hour: stuck.
            op(
                "c",
                "syncStagingMediaContent",
                "RETRY",
                Some("2024-05-01T11:00:00Z"),
            ),
            // No readable time: stuck (never waited for blindly).
            op("d", "syncStagingMediaContent", "WAIT", None),
            op(
                "e",
                "syncStagingRenditionContent",
                "FAILED",
                Some("2024-05-01T11:59:00Z"),
            ),
            // Not staging sync operations, or finished.
            op(
                "f",
                "initiateNextSync",
                "PROCESSING",
                Some("2024-05-01T11:59:00Z"),
            ),
            op(
                "g",
                "syncStagingMediaContent",
                "SUCCESS",
                Some("2024-05-01T11:59:00Z"),
            ),
        ];
        let sorted = SyncOperations::sort(&ops, now, 600);
        let ids = |v: &[BlockingOperation]| v.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&sorted.routine), ["a", "b"]);
        assert_eq!(ids(&sorted.stuck), ["c", "d"]);
        assert_eq!(ids(&sorted.failed), ["e"]);
    }

    #[test]
    fn two_way_detection_matches_host_and_port() {
        let base = "https://pub.example.com:443/dx/api/dam/v1";
        assert!(lists_publisher(&[target("pub.example.com")], base));
        assert!(lists_publisher(&[target("https://PUB.example.com/")], base));
        assert!(lists_publisher(&[target("pub.example.com:443")], base));
        assert!(!lists_publisher(&[target("pub.example.com:8443")], base));
        assert!(!lists_publisher(&[target("other.example.com")], base));
        assert!(!lists_publisher(&[], base));
        let local = "http://127.0.0.1:4100/dx/api/dam/v1";
        assert!(lists_publisher(&[target("127.0.0.1:4100")], local));
        assert!(!lists_publisher(&[target("127.0.0.1:4200")], local));
        // As DX registers them: bare names, any case, a trailing dot.
        assert!(lists_publisher(&[target("PUB.example.com.")], base));
        assert!(lists_publisher(
            &[target("other"), target("pub.example.com")],
            base
        ));
    }

    #[test]
    fn archive_names_are_portable_and_keep_the_run_id() {
        let run = "20240501T120000Z-0a1b2c3d";
        assert_eq!(
            archive_name(Path::new("lib").join("r.csv").as_path(), run),
            format!("r-archived-{run}.csv")
        );
        let long = format!("{}.csv", "é".repeat(120));
        let n = archive_name(Path::new(&long), run);
        assert!(crate::fsname::is_portable_name(&n), "{n}");
        assert!(n.len() <= crate::fsname::MAX_NAME_BYTES);
        assert!(n.ends_with(&format!("-archived-{run}.csv")), "{n}");
        assert_eq!(
            archive_name(Path::new("con.csv"), run),
            format!("con-archived-{run}.csv")
        );
    }
}
