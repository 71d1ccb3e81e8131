//! The persisted state of a run (find, resync, verify) and its file.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::client::TriggerKind;
use crate::error::{Error, ErrorCode, Result, Rule};
use crate::model::{OperationStatus, ResyncStatus, Subscriber};

/// The version of the state file format.
pub const STATE_VERSION: u32 = 1;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum RunKind {
    /// Pre-flight, find staging mismatch, watch, (optionally) fetch the report.
    Find,
    /// Two-way guard and pre-flight, resync, watch, watch the subscriber's sync operations.
    Resync,
    /// Archive the previous report, delete the server's logs, find again, fetch, diff.
    Verify,
}

/// HCL's rule before CF218: a find still in `FIND_MISMATCH_START` after 30 minutes is stuck (the
/// default of [`RunConfig::stuck_limit_secs`], applied with [`FindWatch::TimeLimit`]).
pub const STUCK_LIMIT_SECS: u64 = 30 * 60;

/// Since CF218 a healthy find may take longer than 30 minutes: with [`FindWatch::Progress`] a find
/// is stalled only when none of its operations changed for this long (the default of
/// [`RunConfig::find_stall_secs`]).
pub const FIND_STALL_SECS: u64 = 20 * 60;

/// How a running find is judged: by the progress of its operations (DX CF218 and later) or by
/// the clock (the 30-minute limit of DX before CF218).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum FindWatch {
    /// CF218 and later ("there is no longer a 30-minute limitation for finding the staging
    /// mismatch"): a find whose operations progress is healthy however long it takes; it is
    /// stalled when none of them changed for [`RunConfig::find_stall_secs`].
    #[default]
    Progress,
    /// Before CF218: a find still in `FIND_MISMATCH_START` after [`RunConfig::stuck_limit_secs`]
    /// (HCL: 30 minutes) is stuck.
    TimeLimit,
}

impl FindWatch {
    /// The rule in the user's words, for the timeline, the CLI and the journal.
    pub fn describe(self, s: &RunConfig) -> String {
        match self {
            FindWatch::Progress => format!(
                "DX CF218 or later: the find is judged by its operations' progress (stalled after {} min without any change)",
                s.find_stall_secs / 60
            ),
            FindWatch::TimeLimit => format!(
                "DX before CF218: a find still running after {} min is stuck (HCL's 30-minute limit)",
                s.stuck_limit_secs / 60
            ),
        }
    }
}

/// Settings of a run, saved with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunConfig {
    /// How a running find is judged (progress since CF218, or the clock before). Run files
    /// written before this was kept judge by progress.
    #[serde(default)]
    pub find_watch: FindWatch,
    /// [`FindWatch::Progress`]: a find none of whose operations changed for this long is
    /// stalled (default [`FIND_STALL_SECS`]).
    #[serde(default = "default_find_stall_secs")]
    pub find_stall_secs: u64,
    /// [`FindWatch::TimeLimit`]: a find still in `FIND_MISMATCH_START` after this long is
    /// diagnosed as stuck (HCL before CF218: 30 min). Also how long a server may stay
    /// unreachable before a watch gives up.
    pub stuck_limit_secs: u64,
    /// How long polls may keep failing with network errors before the run gives up watching.
    pub max_unreachable_secs: u64,
    /// Fetch the report when a find completes (always on for verify).
    pub fetch_report: bool,
    /// Where the report goes (find and verify).
    pub report_path: Option<PathBuf>,
    /// Verify: the report from before, to archive and compare with.
    pub previous_report: Option<PathBuf>,
    /// Verify: where the previous report is archived (default: `archive/` beside it).
    pub archive_dir: Option<PathBuf>,
    /// Resync: after `RESYNC_TRIGGER_COMPLETED`, watch the subscriber's sync operations.
    pub watch_operations: bool,
    /// Find: before triggering, keep a checked copy of the subscriber's existing mismatch logs
    /// and delete them on the server (HCL: delete the mismatch data before re-running a find;
    /// a server may otherwise mix old logs into the new report). Default false here; the app's
    /// wizard and the CLI turn it on unless the user opts out.
    #[serde(default)]
    pub clear_stale_logs: bool,
    /// Resync: when the count of this resync's not-complete sync operations has not gone down
    /// for this long, the watch ends with a diagnosis instead of waiting on (default 15 min).
    #[serde(default = "default_operations_stall_secs")]
    pub operations_stall_secs: u64,
    /// Pre-flight: `sync*` operations in progress on the subscriber that changed within this
    /// long are a routine staging cycle at work (waited for); older ones are stuck (refused).
    /// Default 10 min (HCL's cycle: every 2 min by default).
    #[serde(default = "default_routine_window_secs")]
    pub routine_window_secs: u64,
    /// Pre-flight: the longest wait for a routine staging cycle before the run is refused
    /// (default 30 min).
    #[serde(default = "default_cycle_wait_secs")]
    pub cycle_wait_secs: u64,
    /// Resync: how far the subscriber environment's clock may be behind this machine's. The
    /// watch counts the sync operations created at or after the trigger, less this margin, as
    /// this resync's (default 2 min).
    #[serde(default = "default_clock_skew_secs")]
    pub clock_skew_secs: u64,
}

fn default_find_stall_secs() -> u64 {
    FIND_STALL_SECS
}

fn default_routine_window_secs() -> u64 {
    10 * 60
}

fn default_cycle_wait_secs() -> u64 {
    30 * 60
}

fn default_operations_stall_secs() -> u64 {
    15 * 60
}

fn default_clock_skew_secs() -> u64 {
    120
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            find_watch: FindWatch::default(),
            find_stall_secs: FIND_STALL_SECS,
            stuck_limit_secs: STUCK_LIMIT_SECS,
            max_unreachable_secs: 10 * 60,
            fetch_report: true,
            report_path: None,
            previous_report: None,
            archive_dir: None,
            watch_operations: true,
            clear_stale_logs: false,
            operations_stall_secs: default_operations_stall_secs(),
            routine_window_secs: default_routine_window_secs(),
            cycle_wait_secs: default_cycle_wait_secs(),
            clock_skew_secs: default_clock_skew_secs(),
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub enum Phase {
    /// Checking the documented pre-conditions.
    Preflight,
    /// Verify: archiving the previous report.
    Archiving,
    /// Verify: deleting the server's logs for the subscriber.
    DeletingLogs,
    /// Reading the subscriber just before a trigger.
    PreparingTrigger {
        /// Which job.
        job: TriggerKind,
    },
    /// A trigger (PATCH) is being sent; on resume its outcome is confirmed by re-reading.
    Triggering {
        /// Which job.
        job: TriggerKind,
    },
    /// Polling `resyncStatus`.
    Watching {
        /// Which job.
        job: TriggerKind,
    },
    /// The pre-flight found a routine staging cycle at work on the subscriber (its `sync*`
    /// operations progressing): waiting for it to finish before the trigger, then checking again.
    WaitingForStaging,
    /// Looking at the job's operations (a find's, or a resync's `resyncSubscriber`) after it
    /// failed, stalled or passed its time limit.
    Diagnosing {
        /// The job ended in its FAILED status (otherwise: stalled or past the limit).
        failed: bool,
        /// Which job (run files from before resyncs were diagnosed: a find).
        #[serde(default = "find_job")]
        job: TriggerKind,
    },
    /// Resync: watching the subscriber's `sync*` operations until none is not complete.
    WatchingOperations,
    /// Fetching the mismatch report.
    FetchingReport,
    /// Verify: comparing the new report with the previous one.
    Diffing,
    /// Finished; see [`RunState::outcome`].
    Done,
}

impl Phase {
    /// A short name for progress lines.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Preflight => "preflight",
            Phase::Archiving => "archiving",
            Phase::DeletingLogs => "deletingLogs",
            Phase::PreparingTrigger { .. } => "preparingTrigger",
            Phase::Triggering { .. } => "triggering",
            Phase::Watching { .. } => "watching",
            Phase::WaitingForStaging => "waitingForStaging",
            Phase::Diagnosing { .. } => "diagnosing",
            Phase::WatchingOperations => "watchingOperations",
            Phase::FetchingReport => "fetchingReport",
            Phase::Diffing => "diffing",
            Phase::Done => "done",
        }
    }
}

fn find_job() -> TriggerKind {
    TriggerKind::Find
}

/// The operations of a find, by the names DX gives them: today's (HCL's operations framework
/// page: the collection tree traversal, its collections and items, the record comparison and
/// the permissions comparison) and `findStagingMismatch` (DX before those names).
pub const FIND_OPERATIONS: [&str; 6] = [
    "initiateCollectionTreeTraversal",
    "processCollection",
    "processCollectionItems",
    "compareRecords",
    "findStagingPermissionsMismatch",
    "findStagingMismatch",
];

/// The operation of a resync trigger on the publisher (HCL's operations framework page:
/// "Re-synchronizes items based on the mismatch logs"); the `sync*` operations it causes run on
/// the subscriber.
pub const RESYNC_OPERATIONS: [&str; 1] = ["resyncSubscriber"];

/// The publisher operations of a job.
pub fn job_operations(job: TriggerKind) -> &'static [&'static str] {
    match job {
        TriggerKind::Find => &FIND_OPERATIONS,
        TriggerKind::Resync => &RESYNC_OPERATIONS,
    }
}

/// What a running find's operations showed at one read (CF218 and later judge a find by this).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FindActivity {
    /// The find's operations listed (created since its trigger, less the clock-skew margin).
    #[specta(type = u32)]
    pub operations: u64,
    /// Of those, not finished (`TODO`, `PROCESSING`, `READ`, `RETRY`, `WAIT`, `PENDING`).
    #[specta(type = u32)]
    pub in_progress: u64,
    /// Of those, `FAILED`.
    #[specta(type = u32)]
    pub failed: u64,
    /// One of them is `FAILED` with `retryCounter > 0`: the data-volume failure HCL describes.
    pub failed_with_retries: bool,
    /// The newest `updated` (else `created`) among them, as DX wrote it.
    pub latest_change: Option<String>,
}

impl FindActivity {
    /// Reads the activity of the operations `ops` listed for `job`, counting only those created
    /// at or after `since` (an operation without a readable time counts).
    pub fn of(
        ops: &[crate::model::Operation],
        job: TriggerKind,
        since: Option<DateTime<Utc>>,
    ) -> FindActivity {
        let names = job_operations(job);
        let mut a = FindActivity::default();
        for o in ops {
            if !o
                .trigger_function
                .as_deref()
                .is_some_and(|f| names.contains(&f))
            {
                continue;
            }
            if !o.created_since(since) {
                continue;
            }
            a.operations += 1;
            if o.status.is_in_progress() {
                a.in_progress += 1;
            }
            if o.status == OperationStatus::Failed {
                a.failed += 1;
                if o.retry_counter.unwrap_or(0) > 0 {
                    a.failed_with_retries = true;
                }
            }
            let changed = o.updated.clone().or_else(|| o.created.clone());
            if changed > a.latest_change {
                a.latest_change = changed;
            }
        }
        a
    }

    /// Whether `self` shows a change since `before` (more or fewer operations, other statuses, a
    /// newer `updated`).
    pub fn changed_since(&self, before: &FindActivity) -> bool {
        self != before
    }
}

/// The diagnosis of a find or resync from its operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// A `findStagingMismatch` operation is `FAILED` with `retryCounter > 0`: the find failed
    /// because of the amount of data.
    pub failed_with_retries: bool,
    /// That operation's id, if one was found.
    pub operation_id: Option<String>,
    /// Its retry counter.
    #[specta(type = Option<u32>)]
    pub retry_counter: Option<u64>,
    /// Its status.
    pub operation_status: Option<OperationStatus>,
    /// What to do, in the user's words.
    pub advice: String,
}

/// The documented remedies when a find failed because of the amount of data (HCL's "DAM
/// Staging Mismatch and Resync", troubleshooting; CF218: "The recommended `maxRecordsToCompare`
/// value is now 1000").
pub const REMEDY_REREGISTER: &str = "The find failed because of the large amount of data to process (one of its operations FAILED with retryCounter > 0). HCL's remedies: lower maxRecordsToCompare in the DAM Helm values (HCL recommends 1000 since CF218) and find again, or deregister the subscriber and register it again, so that staging syncs the data between publisher and subscriber.";

impl Diagnosis {
    /// Builds the diagnosis of a find from the operations DX listed (today's names and
    /// `findStagingMismatch`, see [`FIND_OPERATIONS`]).
    pub fn from_operations(ops: &[crate::model::Operation]) -> Diagnosis {
        Diagnosis::of_job(ops, TriggerKind::Find)
    }

    /// Builds the diagnosis of `job` from the operations DX listed: the first of the job's
    /// operations `FAILED` with retries, else a `FAILED` one, else any of them.
    pub fn of_job(ops: &[crate::model::Operation], job: TriggerKind) -> Diagnosis {
        let names = job_operations(job);
        let ours = || {
            ops.iter().filter(|o| {
                o.trigger_function
                    .as_deref()
                    .is_some_and(|f| names.contains(&f))
            })
        };
        let failed_with_retries = ours()
            .find(|o| o.status == OperationStatus::Failed && o.retry_counter.unwrap_or(0) > 0);
        let failed =
            failed_with_retries.or_else(|| ours().find(|o| o.status == OperationStatus::Failed));
        let any = failed
            .or_else(|| ours().find(|o| o.status.is_in_progress()))
            .or_else(|| ours().next_back());
        let what = |o: &crate::model::Operation| {
            format!(
                "{} {}",
                o.trigger_function.as_deref().unwrap_or("operation"),
                o.id.as_deref().unwrap_or("")
            )
        };
        let error = failed.and_then(|o| error_text(&o.error_info));
        let advice = match (job, failed_with_retries, failed) {
            (TriggerKind::Find, Some(_), _) => REMEDY_REREGISTER.to_string(),
            (TriggerKind::Find, None, Some(o)) => format!(
                "The find's operation {} FAILED{}. Look at it in the publisher's Operations, then find again.",
                what(o),
                error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
            ),
            (TriggerKind::Find, None, None) => format!(
                "None of the find's operations ({}) failed. The find may still be working through a large amount of data: resume the run to watch it again, and check its operations on the publisher.",
                names.join(", ")
            ),
            (TriggerKind::Resync, _, Some(o)) => format!(
                "The resync's operation {} FAILED{}. Look at it in the publisher's Operations; resync again once its cause is fixed.",
                what(o),
                error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
            ),
            (TriggerKind::Resync, _, None) => "DX lists no failed resyncSubscriber operation for this resync. Look at the publisher's DAM logs, then resync again.".to_string(),
        };
        Diagnosis {
            failed_with_retries: failed_with_retries.is_some(),
            operation_id: any.and_then(|o| o.id.clone()),
            retry_counter: any.and_then(|o| o.retry_counter),
            operation_status: any.map(|o| o.status.clone()),
            advice,
        }
    }
}

/// DX's error of a failed operation (`errorInfo`: a text, or an object with a `message`).
fn error_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o
            .get("message")
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .or_else(|| Some(v.to_string())),
        other => Some(other.to_string()),
    }
}

/// Counts of a diff between the previous report and the new one.
///
/// Counts cross to the UI as JavaScript numbers (declared `u32` for specta: `number`), exact up
/// to 2^53.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DiffCounts {
    /// Rows only in the previous report (fixed by the resync).
    #[specta(type = u32)]
    pub only_before: u64,
    /// Rows only in the new report (new drift).
    #[specta(type = u32)]
    pub only_after: u64,
    /// Rows in both (still mismatched).
    #[specta(type = u32)]
    pub in_both: u64,
}

/// Something a run wants the user to know that is not a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Warning {
    /// No subscriber environment profile is linked: its staging operations and two-way staging
    /// were not checked before the run.
    SubscriberEnvUnchecked,
    /// Authoring on the publisher should pause while the find runs.
    PauseAuthoring,
}

impl Warning {
    /// The warning in the user's words.
    pub fn message(self) -> &'static str {
        match self {
            Warning::SubscriberEnvUnchecked => "Could not check the subscriber environment (no subscriber profile linked): its staging operations and two-way staging were not verified.",
            Warning::PauseAuthoring => "Authoring on the publisher should pause while the find runs.",
        }
    }
}

impl<'de> Deserialize<'de> for Warning {
    /// The camelCase name; state files written before warnings were typed hold the message.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        [Warning::SubscriberEnvUnchecked, Warning::PauseAuthoring]
            .into_iter()
            .find(|w| {
                text == w.message()
                    || serde_json::to_value(w).is_ok_and(|v| v.as_str() == Some(text.as_str()))
            })
            .ok_or_else(|| serde::de::Error::custom(format!("unknown run warning {text:?}")))
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(
    tag = "result",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Outcome {
    /// The find completed (no report was fetched).
    FindCompleted,
    /// The report is empty: publisher and subscriber are in sync.
    InSync,
    /// The report holds mismatches.
    MismatchesFound {
        /// How many.
        #[specta(type = u32)]
        rows: u64,
    },
    /// The find failed.
    FindFailed {
        /// What the operations say.
        diagnosis: Diagnosis,
    },
    /// The find stayed in `FIND_MISMATCH_START` and, by `rule`, stopped being healthy: none of
    /// its operations changed for [`RunConfig::find_stall_secs`] (CF218 and later), or it ran
    /// past the 30-minute limit (before CF218). Watching stopped; the job may still finish
    /// (resume the run to look again).
    Stuck {
        /// Minutes since the trigger.
        #[specta(type = u32)]
        minutes: u64,
        /// What the operations say.
        diagnosis: Diagnosis,
        /// The rule that applied (run files from before it was kept: the time limit).
        #[serde(default = "time_limit")]
        rule: FindWatch,
    },
    /// The resync's operations were created and (when watched) none is left not complete.
    ResyncDone {
        /// Whether the subscriber's operations were watched (needs its profile).
        operations_watched: bool,
        /// `sync*` operations left `FAILED` on the subscriber.
        #[specta(type = u32)]
        operations_failed: u64,
    },
    /// The resync trigger failed.
    ResyncFailed,
    /// Verify finished.
    Verified {
        /// Mismatches still reported (0 = in sync).
        #[specta(type = u32)]
        remaining: u64,
        /// The diff against the previous report, when there was one.
        diff: Option<DiffCounts>,
    },
    /// A rule refused the run before anything was triggered.
    Refused {
        /// Which rule.
        rule: Rule,
        /// Why.
        message: String,
    },
    /// The run stopped on an error.
    Error {
        /// The error's code.
        code: ErrorCode,
        /// Its message.
        message: String,
        /// Where the run was when it stopped (`None` in state files from before this was kept).
        #[serde(default)]
        during: Option<Phase>,
    },
}

impl Outcome {
    /// An outcome from an error.
    pub fn from_error(e: &Error) -> Outcome {
        match e {
            Error::Refused { rule, message } => Outcome::Refused {
                rule: *rule,
                message: message.clone(),
            },
            other => Outcome::Error {
                code: other.kind(),
                message: other.to_string(),
                during: None,
            },
        }
    }
}

fn time_limit() -> FindWatch {
    FindWatch::TimeLimit
}

/// A fetched report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportInfo {
    /// The CSV file.
    pub path: PathBuf,
    /// Data rows.
    pub rows: u64,
    /// Fetched while the status was not `FIND_MISMATCH_COMPLETED`: may be inaccurate.
    pub possibly_inaccurate: bool,
    /// The subscriber's status when the fetch began.
    pub status_at_fetch: Option<String>,
    /// When the find that wrote these logs was started (this app's trigger time): logs created
    /// well before it are left over from an earlier find.
    #[serde(default)]
    pub find_started_at: Option<DateTime<Utc>>,
    /// Why the report may be partial: it does not explain the record counts of both
    /// environments (see [`crate::coverage`]). `None`: it does, or it could not be checked.
    #[serde(default)]
    pub possibly_partial: Option<String>,
    /// Counts by record type × action, taken while the report was written (`None` in run
    /// files from before they were kept).
    #[serde(default)]
    pub summary: Option<mismatch_report::Summary>,
    /// Logs on the server from an earlier find, left out of this find's report (today's DX
    /// keeps them until they are deleted).
    #[serde(default)]
    pub earlier_logs_left_out: u64,
}

/// Earlier builds wrote the fields of a `resyncDone` outcome in snake_case; they are camelCase
/// now, like every other field of the file.
fn upgrade_outcome_fields(state: &mut serde_json::Value) {
    let Some(outcome) = state.get_mut("outcome").and_then(|o| o.as_object_mut()) else {
        return;
    };
    for (old, new) in [
        ("operations_watched", "operationsWatched"),
        ("operations_failed", "operationsFailed"),
    ] {
        if let Some(v) = outcome.remove(old) {
            outcome.entry(new).or_insert(v);
        }
    }
}

/// Everything about a run; saved to a JSON file as it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunState {
    /// File format version.
    pub version: u32,
    /// Unique id of the run.
    pub run_id: String,
    /// What the run does.
    pub kind: RunKind,
    /// The subscriber registration id.
    pub subscriber_id: String,
    /// Settings.
    pub config: RunConfig,
    /// Where the run is.
    #[serde(flatten)]
    pub phase: Phase,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When the current job was triggered.
    pub triggered_at: Option<DateTime<Utc>>,
    /// The subscriber as read just before the trigger (to confirm a lost trigger answer).
    pub before_trigger: Option<Subscriber>,
    /// Seconds from the trigger to the last status read.
    #[serde(default)]
    pub elapsed_secs: u64,
    /// The last `resyncStatus` read.
    pub last_status: Option<ResyncStatus>,
    /// Sync operations of this resync not yet complete on the subscriber.
    pub operations_pending: Option<u64>,
    /// Other sync operations not yet complete on the subscriber (created before this resync's
    /// trigger): shown apart, not waited for.
    #[serde(default)]
    pub operations_others: Option<u64>,
    /// When the count of this resync's pending operations last went down (or was first read).
    #[serde(default)]
    pub operations_progress_at: Option<DateTime<Utc>>,
    /// Trigger attempts of this run (a lost answer is confirmed by re-reading, never resent blindly).
    pub triggers_sent: u32,
    /// The fetched report.
    pub report: Option<ReportInfo>,
    /// Verify: where the previous report was archived.
    pub archived_report: Option<PathBuf>,
    /// What could not be checked, and other warnings.
    pub warnings: Vec<Warning>,
    /// Since when polls have been failing with network errors.
    pub unreachable_since: Option<DateTime<Utc>>,
    /// How it ended (set with [`Phase::Done`]).
    pub outcome: Option<Outcome>,
    /// The last read of the watched job's operations (a find judged by progress).
    #[serde(default)]
    pub find_activity: Option<FindActivity>,
    /// When that activity was read.
    #[serde(default)]
    pub find_activity_at: Option<DateTime<Utc>>,
    /// When the job's operations last changed (or the watch began).
    #[serde(default)]
    pub find_progress_at: Option<DateTime<Utc>>,
    /// The job's operations could not be read: the time limit applies instead of progress.
    #[serde(default)]
    pub find_activity_unreadable: bool,
    /// Since when the pre-flight has been waiting for a routine staging cycle.
    #[serde(default)]
    pub waiting_since: Option<DateTime<Utc>>,
    /// The routine cycle's `sync*` operations in progress at the last pre-flight.
    #[serde(default)]
    pub routine_operations: Option<u64>,
    /// What the job's operations said after it failed or stalled (a resync's diagnosis lives
    /// only here; a find's is in its outcome too).
    #[serde(default)]
    pub diagnosis: Option<Diagnosis>,
    /// The trigger's time on DX's own clock: the `updated` of the subscriber DX answered the
    /// trigger with (its status the job's start status). Logs created before it are an earlier
    /// find's.
    #[serde(default)]
    pub server_triggered_at: Option<String>,
}

impl RunState {
    /// A new run, not started.
    pub fn new(
        kind: RunKind,
        subscriber_id: impl Into<String>,
        config: RunConfig,
        now: DateTime<Utc>,
    ) -> Self {
        let mut config = config;
        if kind == RunKind::Verify {
            config.fetch_report = true;
        }
        RunState {
            version: STATE_VERSION,
            run_id: format!(
                "{}-{:08x}",
                now.format("%Y%m%dT%H%M%SZ"),
                rand::random::<u32>()
            ),
            kind,
            subscriber_id: subscriber_id.into(),
            config,
            phase: Phase::Preflight,
            started_at: now,
            triggered_at: None,
            before_trigger: None,
            elapsed_secs: 0,
            last_status: None,
            operations_pending: None,
            operations_others: None,
            operations_progress_at: None,
            triggers_sent: 0,
            report: None,
            archived_report: None,
            warnings: Vec::new(),
            unreachable_since: None,
            outcome: None,
            find_activity: None,
            find_activity_at: None,
            find_progress_at: None,
            find_activity_unreadable: false,
            waiting_since: None,
            routine_operations: None,
            diagnosis: None,
            server_triggered_at: None,
        }
    }

    /// When the job was triggered, less the allowed clock skew: operations and logs created
    /// from then on (on the subscriber environment's or DX's clock) are this run's.
    pub fn triggered_less_skew(&self) -> Option<DateTime<Utc>> {
        self.triggered_at
            .map(|t| t - chrono::Duration::seconds(self.config.clock_skew_secs as i64))
    }

    /// Whether the run has ended.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Loads a state file.
    pub fn load(path: &Path) -> Result<RunState> {
        let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
        let not_state =
            |e: serde_json::Error| Error::file(path, format!("not a run state file: {e}"));
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).map_err(not_state)?;
        upgrade_outcome_fields(&mut json);
        let state: RunState = serde_json::from_value(json).map_err(not_state)?;
        if state.version != STATE_VERSION {
            return Err(Error::file(
                path,
                format!("run state version {} is not supported", state.version),
            ));
        }
        Ok(state)
    }

    /// Saves the state atomically (temporary file in the same folder, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::file(path, e))?;
        write_atomic(path, &json)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
///
/// On Windows the rename (`MoveFileEx` with `REPLACE_EXISTING`, through `tempfile`) replaces an
/// existing file, also one this process reads with `std::fs` (opened with delete sharing), but
/// fails if another program holds the target open without sharing; the error names the file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(&dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&dir)
        .map_err(|e| Error::file(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::file(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::file(path, e))?;
    tmp.persist(path).map_err(|e| Error::file(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_files_from_before_the_typed_outcome_still_load() {
        // Written by an earlier build: snake_case outcome fields and warnings as their text.
        let mut file = serde_json::json!({"outcome": {
            "result": "resyncDone", "operations_watched": true, "operations_failed": 2
        }});
        super::upgrade_outcome_fields(&mut file);
        let outcome: Outcome = serde_json::from_value(file["outcome"].clone()).unwrap();
        assert_eq!(
            outcome,
            Outcome::ResyncDone {
                operations_watched: true,
                operations_failed: 2
            }
        );
        let old_error: Outcome = serde_json::from_value(serde_json::json!({
            "result": "error", "code": "timeout", "message": "m"
        }))
        .unwrap();
        assert!(matches!(old_error, Outcome::Error { during: None, .. }));
        let warnings: Vec<Warning> = serde_json::from_value(serde_json::json!([
            Warning::PauseAuthoring.message(),
            "subscriberEnvUnchecked"
        ]))
        .unwrap();
        assert_eq!(
            warnings,
            [Warning::PauseAuthoring, Warning::SubscriberEnvUnchecked]
        );
        // Written now: camelCase throughout.
        let wire = serde_json::to_value(&outcome).unwrap();
        assert_eq!(wire["operationsWatched"], true);
        assert_eq!(
            serde_json::to_value(Warning::PauseAuthoring).unwrap(),
            "pauseAuthoring"
        );
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        let mut s = RunState::new(RunKind::Find, "sub-1", RunConfig::default(), Utc::now());
        s.phase = Phase::Watching {
            job: TriggerKind::Find,
        };
        s.save(&path).unwrap();
        let back = RunState::load(&path).unwrap();
        assert_eq!(back, s);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"phase\": \"watching\""));
        std::fs::write(&path, "{").unwrap();
        assert_eq!(RunState::load(&path).unwrap_err().code(), "file");
    }

    #[test]
    fn verify_always_fetches() {
        let c = RunConfig {
            fetch_report: false,
            ..RunConfig::default()
        };
        assert!(
            RunState::new(RunKind::Verify, "s", c, Utc::now())
                .config
                .fetch_report
        );
    }
}
