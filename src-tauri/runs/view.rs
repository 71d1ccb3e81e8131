//! What the UI sees of a run: its saved state (from `dx-staging`), who owns it, and what this
//! process knows live (watching, queued, the last progress line).

use dx_staging::workflow::{describe_outcome, Outcome, RunKind, RunState};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::ErrorPayload;
use crate::reports::dto::clamp;

/// Who a run belongs to; saved beside its state as `<run id>.owner.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOwner {
    /// The publisher profile the run talks to.
    pub profile_id: String,
    /// The wizard this run belongs to (the id of its first run): find → resync → verify of one
    /// subscriber share it.
    pub journey_id: String,
}

/// Verify's comparison with the report from before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiffCountsDto {
    /// Mismatches fixed (only in the previous report).
    pub only_before: u32,
    /// New mismatches (only in the new report).
    pub only_after: u32,
    /// Mismatches still there.
    pub in_both: u32,
}

/// The 30-minute rule's diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisDto {
    /// A `findStagingMismatch` operation is `FAILED` with `retryCounter > 0`.
    pub failed_with_retries: bool,
    /// That operation.
    pub operation_id: Option<String>,
    /// Its retry counter.
    pub retry_counter: Option<u32>,
    /// Its status.
    pub operation_status: Option<String>,
    /// What to do.
    pub advice: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeDto {
    /// `findCompleted`, `inSync`, `mismatchesFound`, `findFailed`, `stuck`, `resyncDone`,
    /// `resyncFailed`, `verified`, `refused`, `error`.
    pub result: String,
    /// One line in the user's words.
    pub summary: String,
    /// Mismatches found (find) or remaining (verify).
    pub rows: Option<u32>,
    /// Verify: the diff against the previous report.
    pub diff: Option<DiffCountsDto>,
    /// Find failed or stuck: what the operations say.
    pub diagnosis: Option<DiagnosisDto>,
    /// Stuck: minutes since the trigger.
    pub minutes: Option<u32>,
    /// Resync: the subscriber's operations were watched.
    pub operations_watched: Option<bool>,
    /// Resync: `sync*` operations left `FAILED`.
    pub operations_failed: Option<u32>,
    /// Refused: which rule (`preflight_find`, `preflight_resync`, `two_way_staging`).
    pub rule: Option<String>,
    /// Error: its code.
    pub code: Option<String>,
    /// Refused or error: the message.
    pub message: Option<String>,
}

impl From<&Outcome> for OutcomeDto {
    fn from(o: &Outcome) -> Self {
        let mut d = OutcomeDto {
            result: String::new(),
            summary: describe_outcome(o),
            rows: None,
            diff: None,
            diagnosis: None,
            minutes: None,
            operations_watched: None,
            operations_failed: None,
            rule: None,
            code: None,
            message: None,
        };
        let diag = |x: &dx_staging::workflow::Diagnosis| DiagnosisDto {
            failed_with_retries: x.failed_with_retries,
            operation_id: x.operation_id.clone(),
            retry_counter: x.retry_counter.map(clamp),
            operation_status: x.operation_status.clone(),
            advice: x.advice.clone(),
        };
        d.result = match o {
            Outcome::FindCompleted => "findCompleted",
            Outcome::InSync => {
                d.rows = Some(0);
                "inSync"
            }
            Outcome::MismatchesFound { rows } => {
                d.rows = Some(clamp(*rows));
                "mismatchesFound"
            }
            Outcome::FindFailed { diagnosis } => {
                d.diagnosis = Some(diag(diagnosis));
                "findFailed"
            }
            Outcome::Stuck { minutes, diagnosis } => {
                d.minutes = Some(clamp(*minutes));
                d.diagnosis = Some(diag(diagnosis));
                "stuck"
            }
            Outcome::ResyncDone {
                operations_watched,
                operations_failed,
            } => {
                d.operations_watched = Some(*operations_watched);
                d.operations_failed = Some(clamp(*operations_failed));
                "resyncDone"
            }
            Outcome::ResyncFailed => "resyncFailed",
            Outcome::Verified { remaining, diff } => {
                d.rows = Some(clamp(*remaining));
                d.diff = diff.as_ref().map(|x| DiffCountsDto {
                    only_before: clamp(x.only_before),
                    only_after: clamp(x.only_after),
                    in_both: clamp(x.in_both),
                });
                "verified"
            }
            Outcome::Refused { rule, message } => {
                d.rule = Some(rule.clone());
                d.message = Some(message.clone());
                "refused"
            }
            Outcome::Error { code, message } => {
                d.code = Some(code.clone());
                d.message = Some(message.clone());
                "error"
            }
        }
        .to_string();
        d
    }
}

/// The report a run fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunReportDto {
    /// The CSV file (in the library).
    pub path: String,
    /// Rows.
    pub rows: u32,
    /// Fetched before `FIND_MISMATCH_COMPLETED`.
    pub possibly_inaccurate: bool,
    /// The status when the fetch began.
    pub status_at_fetch: Option<String>,
    /// Why the report may be partial: it does not explain both environments' record counts.
    pub possibly_partial: Option<String>,
}

/// What this process knows live about a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    /// Being watched now.
    pub watching: bool,
    /// Waiting for its turn (one run at a time per publisher, as DX requires).
    pub queued: bool,
    /// The last progress line.
    pub message: Option<String>,
    /// Rows fetched so far (during the report fetch).
    pub rows_fetched: u64,
    /// The most `sync*` operations seen not complete (the progress bar's 100 %).
    pub operations_max: u64,
    /// Why the run could not be driven (connection, password), when it could not.
    pub problem: Option<ErrorPayload>,
}

/// A run as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    /// Run id.
    pub run_id: String,
    /// The wizard it belongs to.
    pub journey_id: String,
    /// The publisher profile.
    pub profile_id: String,
    /// `find`, `resync` or `verify`.
    pub kind: String,
    /// The subscriber registration id.
    pub subscriber_id: String,
    /// Where it is (`preflight`, `watching`, `watchingOperations`, `fetchingReport`, `done`, ...).
    pub phase: String,
    /// The job being watched (`find` / `resync`) in trigger and watch phases.
    pub job: Option<String>,
    /// The last `resyncStatus` read, DX's spelling.
    pub status: Option<String>,
    /// When the run started (ISO).
    pub started_at: String,
    /// When the current job was triggered (ISO).
    pub triggered_at: Option<String>,
    /// Seconds from the trigger to the last status read.
    pub elapsed_secs: u32,
    /// Report rows fetched so far.
    pub rows_fetched: u32,
    /// `sync*` operations not yet complete on the subscriber.
    pub operations_pending: Option<u32>,
    /// Other `sync*` operations not yet complete on the subscriber (created before this
    /// resync's trigger): shown apart, not waited for.
    pub operations_others: Option<u32>,
    /// The most seen not complete (for the progress bar).
    pub operations_max: u32,
    /// The last progress line, in the user's words.
    pub message: String,
    /// Being watched by this app now.
    pub watching: bool,
    /// Waiting for another run of the same publisher to end.
    pub queued: bool,
    /// Ended.
    pub done: bool,
    /// How it ended.
    pub outcome: Option<OutcomeDto>,
    /// What could not be checked, and other warnings.
    pub warnings: Vec<String>,
    /// The fetched report.
    pub report: Option<RunReportDto>,
    /// Verify: the report it compares with.
    pub previous_report: Option<String>,
    /// Verify: where the previous report was archived.
    pub archived_report: Option<String>,
    /// Why the run could not be driven, when it could not.
    pub problem: Option<ErrorPayload>,
}

/// `find`, `resync`, `verify`.
pub fn kind_name(k: RunKind) -> &'static str {
    match k {
        RunKind::Find => "find",
        RunKind::Resync => "resync",
        RunKind::Verify => "verify",
    }
}

/// Parses a run kind.
pub fn parse_kind(s: &str) -> Option<RunKind> {
    match s {
        "find" => Some(RunKind::Find),
        "resync" => Some(RunKind::Resync),
        "verify" => Some(RunKind::Verify),
        _ => None,
    }
}

/// The view of a run from its state, owner and live knowledge.
pub fn view_of(s: &RunState, owner: &RunOwner, live: &Live) -> RunView {
    use dx_staging::workflow::Phase;
    let job = match &s.phase {
        Phase::PreparingTrigger { job } | Phase::Triggering { job } | Phase::Watching { job } => {
            Some(
                match job {
                    dx_staging::TriggerKind::Find => "find",
                    dx_staging::TriggerKind::Resync => "resync",
                }
                .to_string(),
            )
        }
        _ => None,
    };
    let outcome = s.outcome.as_ref().map(OutcomeDto::from);
    let message = match (&outcome, &live.message) {
        (Some(o), _) => o.summary.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) if !live.watching && !live.queued => {
            "not watched: resume to look again (the job on the server goes on)".into()
        }
        _ => String::new(),
    };
    let pending = s.operations_pending.map(clamp);
    RunView {
        run_id: s.run_id.clone(),
        journey_id: owner.journey_id.clone(),
        profile_id: owner.profile_id.clone(),
        kind: kind_name(s.kind).to_string(),
        subscriber_id: s.subscriber_id.clone(),
        phase: s.phase.name().to_string(),
        job,
        status: s.last_status.as_ref().map(|x| x.to_string()),
        started_at: s.started_at.to_rfc3339(),
        triggered_at: s.triggered_at.map(|t| t.to_rfc3339()),
        elapsed_secs: clamp(s.elapsed_secs),
        rows_fetched: clamp(
            s.report
                .as_ref()
                .map_or(live.rows_fetched, |r| r.rows.max(live.rows_fetched)),
        ),
        operations_pending: pending,
        operations_others: s.operations_others.map(clamp),
        operations_max: clamp(live.operations_max).max(pending.unwrap_or(0)),
        message,
        watching: live.watching,
        queued: live.queued,
        done: s.is_done(),
        outcome,
        warnings: s.warnings.clone(),
        report: s.report.as_ref().map(|r| RunReportDto {
            path: r.path.display().to_string(),
            rows: clamp(r.rows),
            possibly_inaccurate: r.possibly_inaccurate,
            status_at_fetch: r.status_at_fetch.clone(),
            possibly_partial: r.possibly_partial.clone(),
        }),
        previous_report: s
            .config
            .previous_report
            .as_ref()
            .map(|p| p.display().to_string()),
        archived_report: s.archived_report.as_ref().map(|p| p.display().to_string()),
        problem: live.problem.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dx_staging::workflow::{Diagnosis, DiffCounts, Phase, RunConfig};

    fn owner() -> RunOwner {
        RunOwner {
            profile_id: "p".into(),
            journey_id: "j".into(),
        }
    }

    #[test]
    fn views_a_watched_find() {
        let mut s = RunState::new(
            RunKind::Find,
            "sub",
            RunConfig::default(),
            chrono::Utc::now(),
        );
        s.phase = Phase::Watching {
            job: dx_staging::TriggerKind::Find,
        };
        s.last_status = Some(dx_staging::ResyncStatus::parse("FIND_MISMATCH_START"));
        let live = Live {
            watching: true,
            message: Some("waiting".into()),
            ..Live::default()
        };
        let v = view_of(&s, &owner(), &live);
        assert_eq!(v.kind, "find");
        assert_eq!(v.phase, "watching");
        assert_eq!(v.job.as_deref(), Some("find"));
        assert_eq!(v.status.as_deref(), Some("FIND_MISMATCH_START"));
        assert!(!v.done && v.watching);
        let idle = view_of(&s, &owner(), &Live::default());
        assert!(idle.message.contains("resume"), "{}", idle.message);
    }

    #[test]
    fn outcomes_keep_their_details() {
        let o = OutcomeDto::from(&Outcome::Verified {
            remaining: 0,
            diff: Some(DiffCounts {
                only_before: 5,
                only_after: 0,
                in_both: 0,
            }),
        });
        assert_eq!(o.result, "verified");
        assert_eq!(o.rows, Some(0));
        assert_eq!(o.diff.unwrap().only_before, 5);
        assert!(o.summary.contains("in sync"));
        let d = Diagnosis::from_operations(&[]);
        let o = OutcomeDto::from(&Outcome::Stuck {
            minutes: 31,
            diagnosis: d,
        });
        assert_eq!((o.result.as_str(), o.minutes), ("stuck", Some(31)));
        assert!(o.diagnosis.is_some());
        let o = OutcomeDto::from(&Outcome::Refused {
            rule: "two_way_staging".into(),
            message: "m".into(),
        });
        assert_eq!(o.rule.as_deref(), Some("two_way_staging"));
        assert_eq!(parse_kind("verify"), Some(RunKind::Verify));
        assert_eq!(parse_kind("x"), None);
    }
}
