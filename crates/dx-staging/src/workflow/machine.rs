//! The pure state machine of a run: `step(state, event) -> (state, actions)`. No I/O, no clock:
//! times arrive inside events.
//!
//! Changing a polling rule (the 30-minute stuck rule, the pre-flights): ARCHITECTURE.md, "Where
//! to change things → A polling rule".

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::{
    Diagnosis, DiffCounts, FindActivity, FindWatch, Outcome, Phase, ReportInfo, RunKind, RunState,
    Warning,
};
use crate::client::{TriggerKind, MAX_TRIGGER_SENDS};
use crate::error::{Error, ErrorCode, Rule};
use crate::model::Subscriber;

/// An operation that blocks a pre-flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockingOperation {
    /// Operation id.
    pub id: String,
    /// Trigger function.
    pub trigger_function: String,
    /// Status.
    pub status: String,
}

/// What the pre-flight checks found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PreflightReport {
    /// Whether the subscriber environment could be checked (needs its profile).
    pub subscriber_env_checked: bool,
    /// Find: `sync*` operations in progress that stopped changing (stuck); resync: `sync*`
    /// operations `FAILED`.
    pub blocking: Vec<BlockingOperation>,
    /// `sync*` operations in progress that changed recently: a routine staging cycle at work,
    /// waited for (see [`crate::workflow::RunConfig::routine_window_secs`]).
    #[serde(default)]
    pub routine: Vec<BlockingOperation>,
    /// When the check ran.
    #[serde(default)]
    pub checked_at: Option<DateTime<Utc>>,
    /// Resync: the subscriber environment lists this publisher as one of its subscribers.
    pub two_way: Option<bool>,
}

/// Something that happened, fed to [`step`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The pre-flight checks ran.
    PreflightChecked(PreflightReport),
    /// Verify: the previous report was archived (or there was none).
    Archived(Option<std::path::PathBuf>),
    /// Verify: the server's logs for the subscriber were deleted.
    LogsDeleted,
    /// The subscriber was read just before a trigger.
    BeforeTrigger(Subscriber),
    /// The trigger was accepted (or a re-read confirmed it landed), at this time.
    Triggered {
        /// The subscriber as answered / re-read.
        subscriber: Subscriber,
        /// When.
        at: DateTime<Utc>,
    },
    /// On resume from [`Phase::Triggering`]: the re-read shows whether the trigger landed.
    TriggerConfirmed {
        /// The subscriber as re-read.
        subscriber: Subscriber,
        /// Whether the PATCH reached DX.
        landed: bool,
        /// Now.
        at: DateTime<Utc>,
    },
    /// A poll of `resyncStatus` answered.
    StatusRead {
        /// The subscriber.
        subscriber: Subscriber,
        /// Now.
        at: DateTime<Utc>,
    },
    /// A poll failed; `transient` errors are tolerated for a while.
    PollFailed {
        /// The error.
        error: ErrorInfo,
        /// Whether it was a network/gateway error.
        transient: bool,
        /// Now.
        at: DateTime<Utc>,
    },
    /// The watched job's operations were read (`None`: DX would not list them).
    ActivityRead {
        /// What they showed.
        activity: Option<FindActivity>,
        /// Now.
        at: DateTime<Utc>,
    },
    /// The job's operations were looked at after it failed, stalled or passed its limit.
    Diagnosed(Diagnosis),
    /// The subscriber's `sync*` operations were counted.
    OperationsRead {
        /// This resync's operations not yet complete.
        pending: u64,
        /// This resync's operations failed.
        failed: u64,
        /// Other `sync*` operations not yet complete (created before the trigger).
        others: u64,
        /// Now.
        at: DateTime<Utc>,
    },
    /// The report was fetched.
    ReportFetched(ReportInfo),
    /// Verify: the diff was computed.
    Diffed(DiffCounts),
    /// The current step failed with a non-retryable error.
    Failed(ErrorInfo),
}

/// An error as the machine keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    /// [`Error::kind`], or a run-level code.
    pub code: ErrorCode,
    /// The message.
    pub message: String,
}

impl From<&Error> for ErrorInfo {
    fn from(e: &Error) -> Self {
        ErrorInfo {
            code: e.kind(),
            message: e.to_string(),
        }
    }
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run the pre-flight checks for this run kind.
    CheckPreflight,
    /// Wait (as between polls), then run the pre-flight checks again: a routine staging cycle
    /// is at work on the subscriber.
    CheckPreflightLater,
    /// Verify: archive the previous report.
    ArchiveReport,
    /// Verify: delete the server's logs for the subscriber.
    DeleteLogs,
    /// Read the subscriber just before triggering.
    ReadBeforeTrigger(TriggerKind),
    /// Send the trigger (never blindly resent: the client re-reads on a lost answer).
    SendTrigger(TriggerKind),
    /// Resume: re-read the subscriber to learn whether an interrupted trigger landed.
    ConfirmTrigger(TriggerKind),
    /// Poll `resyncStatus` (after the back-off delay).
    PollStatus,
    /// Read the watched job's operations on the publisher (a find judged by progress).
    ReadActivity(TriggerKind),
    /// Look at the job's operations (a find's, or a resync's `resyncSubscriber`).
    Diagnose(TriggerKind),
    /// Count the subscriber's not-complete and failed `sync*` operations (after the delay).
    PollOperations,
    /// Fetch the report.
    FetchReport,
    /// Verify: diff the archived report with the new one.
    Diff,
}

fn finish(mut s: RunState, outcome: Outcome) -> (RunState, Vec<Action>) {
    s.phase = Phase::Done;
    s.outcome = Some(outcome);
    (s, Vec::new())
}

fn fail(s: RunState, e: &ErrorInfo) -> (RunState, Vec<Action>) {
    let during = Some(s.phase.clone());
    finish(
        s,
        Outcome::Error {
            code: e.code,
            message: e.message.clone(),
            during,
        },
    )
}

fn ignore(s: RunState) -> (RunState, Vec<Action>) {
    // An event that does not fit the phase (a stale answer): change nothing, redo the phase.
    let actions = resume_actions(&s);
    (s, actions)
}

fn elapsed_secs(s: &RunState, at: DateTime<Utc>) -> u64 {
    s.triggered_at
        .map(|t| (at - t).num_seconds().max(0) as u64)
        .unwrap_or(0)
}

fn go_trigger(mut s: RunState, job: TriggerKind) -> (RunState, Vec<Action>) {
    s.phase = Phase::PreparingTrigger { job };
    (s, vec![Action::ReadBeforeTrigger(job)])
}

/// The actions that (re)start the current phase: used when a saved run is loaded.
pub fn resume_actions(s: &RunState) -> Vec<Action> {
    match &s.phase {
        Phase::Preflight => vec![Action::CheckPreflight],
        Phase::WaitingForStaging => vec![Action::CheckPreflightLater],
        Phase::Archiving => vec![Action::ArchiveReport],
        Phase::DeletingLogs => vec![Action::DeleteLogs],
        Phase::PreparingTrigger { job } => vec![Action::ReadBeforeTrigger(*job)],
        Phase::Triggering { job } => vec![Action::ConfirmTrigger(*job)],
        Phase::Watching { .. } => vec![Action::PollStatus],
        Phase::Diagnosing { job, .. } => vec![Action::Diagnose(*job)],
        Phase::WatchingOperations => vec![Action::PollOperations],
        Phase::FetchingReport => vec![Action::FetchReport],
        Phase::Diffing => vec![Action::Diff],
        Phase::Done => Vec::new(),
    }
}

/// The actions that start a new run.
pub fn start(s: &RunState) -> Vec<Action> {
    resume_actions(s)
}

/// Advances a run by one event.
pub fn step(state: RunState, event: Event) -> (RunState, Vec<Action>) {
    let mut s = state;
    if s.phase == Phase::Done {
        return (s, Vec::new());
    }
    if let Event::Failed(e) = &event {
        return fail(s, e);
    }
    match (s.phase.clone(), event) {
        (Phase::Preflight | Phase::WaitingForStaging, Event::PreflightChecked(report)) => {
            preflight(s, report)
        }

        (Phase::Archiving, Event::Archived(path)) => {
            s.archived_report = path;
            s.phase = Phase::DeletingLogs;
            (s, vec![Action::DeleteLogs])
        }

        (Phase::DeletingLogs, Event::LogsDeleted) => go_trigger(s, TriggerKind::Find),

        (Phase::PreparingTrigger { job }, Event::BeforeTrigger(sub)) => {
            s.unreachable_since = None;
            // A find or resync already runs for this subscriber (started by anyone): never
            // trigger over it.
            if let Some(message) = crate::client::running_job(&s.subscriber_id, &sub) {
                s.before_trigger = Some(sub);
                return finish(
                    s,
                    Outcome::Refused {
                        rule: Rule::JobRunning,
                        message,
                    },
                );
            }
            s.before_trigger = Some(sub);
            s.phase = Phase::Triggering { job };
            s.triggers_sent += 1;
            (s, vec![Action::SendTrigger(job)])
        }

        (Phase::Triggering { job }, Event::Triggered { subscriber, at }) => {
            s.triggered_at = Some(at);
            if subscriber.resync_status == Some(job.start_status()) {
                s.server_triggered_at = subscriber.updated.clone();
            }
            s.phase = Phase::Watching { job };
            watch(s, job, subscriber, at)
        }

        (
            Phase::Triggering { job },
            Event::TriggerConfirmed {
                subscriber,
                landed,
                at,
            },
        ) => {
            if landed {
                if s.triggered_at.is_none() {
                    s.triggered_at = Some(at);
                }
                s.phase = Phase::Watching { job };
                watch(s, job, subscriber, at)
            } else if s.triggers_sent >= MAX_TRIGGER_SENDS {
                let msg = format!(
                    "the {} trigger did not reach DX after {} attempts",
                    job_name(job),
                    s.triggers_sent
                );
                fail(
                    s,
                    &ErrorInfo {
                        code: ErrorCode::TriggerNotConfirmed,
                        message: msg,
                    },
                )
            } else {
                // Proven not to have landed: read again and send once more (not blind).
                go_trigger(s, job)
            }
        }

        (Phase::Watching { job }, Event::StatusRead { subscriber, at }) => {
            s.unreachable_since = None;
            watch(s, job, subscriber, at)
        }

        // A transient failure (timeout, reset, 500, 502–504) while watching, or on a read or
        // send around a trigger, is not an answer: the phase is tried again (a trigger only after
        // a re-read) until the server has been unreachable for the stuck limit.
        (
            Phase::Watching { .. }
            | Phase::WatchingOperations
            | Phase::PreparingTrigger { .. }
            | Phase::Triggering { .. },
            Event::PollFailed {
                error,
                transient,
                at,
            },
        ) => {
            let since = *s.unreachable_since.get_or_insert(at);
            let secs = (at - since).num_seconds().max(0) as u64;
            let patience = s.config.stuck_limit_secs.max(s.config.max_unreachable_secs);
            if transient && secs < patience {
                let actions = resume_actions(&s);
                (s, actions)
            } else {
                let message = format!(
                    "{}; stopped watching (the job on the server is not cancelled; resume the run to look again)",
                    error.message
                );
                fail(
                    s,
                    &ErrorInfo {
                        code: error.code,
                        message,
                    },
                )
            }
        }

        (Phase::Watching { job }, Event::ActivityRead { activity, at }) => {
            activity_read(s, job, activity, at)
        }

        (Phase::Diagnosing { failed, job }, Event::Diagnosed(diagnosis)) => {
            s.diagnosis = Some(diagnosis.clone());
            match job {
                TriggerKind::Resync => finish(s, Outcome::ResyncFailed),
                // A find whose operation FAILED with retries failed on the amount of data,
                // whatever resyncStatus still says (HCL's troubleshooting).
                TriggerKind::Find if failed || diagnosis.failed_with_retries => {
                    finish(s, Outcome::FindFailed { diagnosis })
                }
                TriggerKind::Find => {
                    let minutes = s.elapsed_secs / 60;
                    let rule = if time_rule_applies(&s) {
                        FindWatch::TimeLimit
                    } else {
                        FindWatch::Progress
                    };
                    finish(
                        s,
                        Outcome::Stuck {
                            minutes,
                            diagnosis,
                            rule,
                        },
                    )
                }
            }
        }

        (
            Phase::WatchingOperations,
            Event::OperationsRead {
                pending,
                failed,
                others,
                at,
            },
        ) => {
            s.unreachable_since = None;
            let progressed = s.operations_pending.is_none_or(|before| pending < before);
            if progressed || s.operations_progress_at.is_none() {
                s.operations_progress_at = Some(at);
            }
            s.operations_pending = Some(pending);
            s.operations_others = Some(others);
            let still_secs = s
                .operations_progress_at
                .map_or(0, |t| (at - t).num_seconds().max(0) as u64);
            if pending > 0 && still_secs >= s.config.operations_stall_secs {
                let message = format!(
                    "{} of this resync {} not progressed for {} min on the subscriber environment{}. \
                     Its operation worker may be stopped or overloaded: look at the subscriber's Operations (status PROCESSING, RETRY or WAIT and their errorInfo). \
                     The operations go on on the server; resume the run to watch them again.",
                    crate::counts::count(pending, "sync operation", "sync operations"),
                    if pending == 1 { "has" } else { "have" },
                    still_secs / 60,
                    if failed > 0 {
                        format!(" ({failed} already FAILED)")
                    } else {
                        String::new()
                    }
                );
                return fail(
                    s,
                    &ErrorInfo {
                        code: ErrorCode::ResyncStalled,
                        message,
                    },
                );
            }
            if pending == 0 {
                finish(
                    s,
                    Outcome::ResyncDone {
                        operations_watched: true,
                        operations_failed: failed,
                    },
                )
            } else {
                (s, vec![Action::PollOperations])
            }
        }

        (Phase::FetchingReport, Event::ReportFetched(info)) => {
            let rows = info.rows;
            s.report = Some(info);
            match s.kind {
                RunKind::Verify if s.archived_report.is_some() => {
                    s.phase = Phase::Diffing;
                    (s, vec![Action::Diff])
                }
                RunKind::Verify => finish(
                    s,
                    Outcome::Verified {
                        remaining: rows,
                        diff: None,
                    },
                ),
                _ if rows == 0 => finish(s, Outcome::InSync),
                _ => finish(s, Outcome::MismatchesFound { rows }),
            }
        }

        (Phase::Diffing, Event::Diffed(diff)) => {
            let remaining = s.report.as_ref().map_or(0, |r| r.rows);
            finish(
                s,
                Outcome::Verified {
                    remaining,
                    diff: Some(diff),
                },
            )
        }

        _ => ignore(s),
    }
}

fn job_name(job: TriggerKind) -> &'static str {
    match job {
        TriggerKind::Find => "find staging mismatch",
        TriggerKind::Resync => "resync",
    }
}

/// Whether the find is judged by the clock: the run says so (DX before CF218), or its
/// operations could not be read.
pub(crate) fn time_rule_applies(s: &RunState) -> bool {
    s.config.find_watch == FindWatch::TimeLimit || s.find_activity_unreadable
}

/// How often a find's operations are read while it runs: every 30 s, more often when the stall
/// limit is short.
fn activity_every_secs(s: &RunState) -> i64 {
    (s.config.find_stall_secs / 4).min(30) as i64
}

fn warn_once(s: &mut RunState, w: Warning) {
    if !s.warnings.contains(&w) {
        s.warnings.push(w);
    }
}

/// The find's operations were read: a change is progress; a FAILED one with retries is the
/// data-volume failure; no change for the stall limit is a stalled find.
fn activity_read(
    mut s: RunState,
    job: TriggerKind,
    activity: Option<FindActivity>,
    at: DateTime<Utc>,
) -> (RunState, Vec<Action>) {
    s.find_activity_at = Some(at);
    let Some(a) = activity else {
        // DX would not list them: the clock decides, as before CF218.
        s.find_activity_unreadable = true;
        return (s, vec![Action::PollStatus]);
    };
    let changed = s.find_activity.as_ref().is_none_or(|b| a.changed_since(b));
    if changed || s.find_progress_at.is_none() {
        s.find_progress_at = Some(at);
    }
    let data_volume_failure = a.failed_with_retries && a.in_progress == 0;
    s.find_activity = Some(a);
    let still = s
        .find_progress_at
        .map_or(0, |t| (at - t).num_seconds().max(0) as u64);
    if data_volume_failure || still >= s.config.find_stall_secs {
        s.elapsed_secs = elapsed_secs(&s, at);
        s.phase = Phase::Diagnosing { failed: false, job };
        return (s, vec![Action::Diagnose(job)]);
    }
    (s, vec![Action::PollStatus])
}

fn preflight(mut s: RunState, report: PreflightReport) -> (RunState, Vec<Action>) {
    if !report.subscriber_env_checked {
        warn_once(&mut s, Warning::SubscriberEnvUnchecked);
    }
    let list = |ops: &[BlockingOperation]| {
        ops.iter()
            .take(5)
            .map(|o| format!("{} {} ({})", o.trigger_function, o.id, o.status))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // "1 staging sync operation is", "1,204 staging sync operations are".
    let operations = |n: usize| {
        crate::counts::count(
            n as u64,
            "staging sync operation is",
            "staging sync operations are",
        )
    };
    let rule = match s.kind {
        RunKind::Find | RunKind::Verify => Rule::PreflightFind,
        RunKind::Resync => Rule::PreflightResync,
    };
    let stuck_or_failed = !report.blocking.is_empty() || report.two_way == Some(true);
    if !stuck_or_failed && !report.routine.is_empty() {
        // A routine staging cycle is at work on the subscriber: wait for it, then check again.
        let now = report.checked_at.unwrap_or(s.started_at);
        let since = *s.waiting_since.get_or_insert(now);
        let waited = (now - since).num_seconds().max(0) as u64;
        s.routine_operations = Some(report.routine.len() as u64);
        if waited >= s.config.cycle_wait_secs {
            let message = format!(
                "{} of a staging cycle still in progress on the subscriber after {} min of waiting: {}. Staging may be overloaded; look at the subscriber's Operations, then try again.",
                operations(report.routine.len()),
                waited / 60,
                list(&report.routine)
            );
            return finish(s, Outcome::Refused { rule, message });
        }
        s.phase = Phase::WaitingForStaging;
        return (s, vec![Action::CheckPreflightLater]);
    }
    s.waiting_since = None;
    s.routine_operations = None;
    match s.kind {
        RunKind::Find | RunKind::Verify => {
            if !report.blocking.is_empty() {
                let message = format!(
                    "{} in progress on the subscriber but not changing for more than {} min (stuck, not a routine staging cycle): {}. Wait until they complete or fail, or look at them in the subscriber's Operations, before finding mismatches.",
                    operations(report.blocking.len()),
                    s.config.routine_window_secs / 60,
                    list(&report.blocking)
                );
                return finish(
                    s,
                    Outcome::Refused {
                        rule: Rule::PreflightFind,
                        message,
                    },
                );
            }
            warn_once(&mut s, Warning::PauseAuthoring);
            if s.kind == RunKind::Verify {
                s.phase = Phase::Archiving;
                (s, vec![Action::ArchiveReport])
            } else if s.config.clear_stale_logs {
                // HCL: delete the mismatch data before re-running a find (kept first).
                s.phase = Phase::DeletingLogs;
                (s, vec![Action::DeleteLogs])
            } else {
                go_trigger(s, TriggerKind::Find)
            }
        }
        RunKind::Resync => {
            if report.two_way == Some(true) {
                return finish(
                    s,
                    Outcome::Refused {
                        rule: Rule::TwoWayStaging,
                        message: "The subscriber environment also lists this publisher as a subscriber (two-way staging). HCL does not support resync there: it would lose collections or assets on both environments.".into(),
                    },
                );
            }
            if !report.blocking.is_empty() {
                let message = format!(
                    "{} FAILED on the subscriber: {}. Resolve them (or wait for the failed-operations clean-up) before resyncing.",
                    operations(report.blocking.len()),
                    list(&report.blocking)
                );
                return finish(
                    s,
                    Outcome::Refused {
                        rule: Rule::PreflightResync,
                        message,
                    },
                );
            }
            go_trigger(s, TriggerKind::Resync)
        }
    }
}

fn watch(
    mut s: RunState,
    job: TriggerKind,
    subscriber: Subscriber,
    at: DateTime<Utc>,
) -> (RunState, Vec<Action>) {
    let status = subscriber.resync_status.clone();
    s.last_status = status.clone();
    let elapsed = elapsed_secs(&s, at);
    s.elapsed_secs = elapsed;
    let past_limit = elapsed >= s.config.stuck_limit_secs;
    match status {
        Some(st) if st == job.completed_status() => match job {
            TriggerKind::Find if s.config.fetch_report => {
                s.phase = Phase::FetchingReport;
                (s, vec![Action::FetchReport])
            }
            TriggerKind::Find => finish(s, Outcome::FindCompleted),
            TriggerKind::Resync if s.config.watch_operations => {
                s.phase = Phase::WatchingOperations;
                (s, vec![Action::PollOperations])
            }
            TriggerKind::Resync => finish(
                s,
                Outcome::ResyncDone {
                    operations_watched: false,
                    operations_failed: 0,
                },
            ),
        },
        Some(st) if st == job.failed_status() => match job {
            TriggerKind::Find => {
                s.phase = Phase::Diagnosing { failed: true, job };
                (s, vec![Action::Diagnose(job)])
            }
            TriggerKind::Resync => {
                s.phase = Phase::Diagnosing { failed: true, job };
                (s, vec![Action::Diagnose(job)])
            }
        },
        _ if past_limit && job == TriggerKind::Find && time_rule_applies(&s) => {
            s.phase = Phase::Diagnosing { failed: false, job };
            (s, vec![Action::Diagnose(job)])
        }
        Some(st) if st == job.start_status() => {
            // CF218 and later: a find is judged by its operations' progress, read every so often.
            let due = s
                .find_activity_at
                .is_none_or(|t| (at - t).num_seconds() >= activity_every_secs(&s));
            if job == TriggerKind::Find && !time_rule_applies(&s) && due {
                (s, vec![Action::ReadActivity(job)])
            } else {
                (s, vec![Action::PollStatus])
            }
        }
        other if past_limit => {
            let message = format!(
                "after {} min the status is {} instead of the {} statuses",
                elapsed / 60,
                other.map_or("empty".to_string(), |x| x.to_string()),
                job_name(job)
            );
            fail(
                s,
                &ErrorInfo {
                    code: ErrorCode::UnexpectedStatus,
                    message,
                },
            )
        }
        // An unknown or not-yet-updated status: keep watching until the limit.
        _ => (s, vec![Action::PollStatus]),
    }
}

#[cfg(test)]
mod tests;
