//! What the UI sees of a run: its saved state (from `dx-staging`), who owns it, and what this
//! process knows live (watching, queued, the last progress line).

use dx_staging::workflow::{describe_outcome, Outcome, Phase, RunKind, RunState, Warning};
use dx_staging::ResyncStatus;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::ErrorPayload;
use crate::reports::dto::{clamp, SummaryDto};

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
    /// Counts by type × action, taken when the report was fetched (`None` for runs saved
    /// before they were kept: open the report to count).
    pub summary: Option<SummaryDto>,
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

/// A warning of a run with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WarningNote {
    /// Which warning.
    pub warning: Warning,
    /// In the user's words.
    pub message: String,
}

/// A run as the UI shows it: `dx-staging`'s own kind, phase (with its job), status and outcome,
/// plus who owns it and what this process knows live.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    /// Run id.
    pub run_id: String,
    /// The wizard it belongs to.
    pub journey_id: String,
    /// The publisher profile.
    pub profile_id: String,
    /// What the run does.
    pub kind: RunKind,
    /// The subscriber registration id.
    pub subscriber_id: String,
    /// Where it is: `{ phase: "watching", job: "find" }`, `{ phase: "done" }`, ...
    pub at: Phase,
    /// The last `resyncStatus` read.
    pub status: Option<ResyncStatus>,
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
    /// The last progress line, or the outcome, in the user's words.
    pub message: String,
    /// Being watched by this app now.
    pub watching: bool,
    /// Waiting for another run of the same publisher to end.
    pub queued: bool,
    /// Ended.
    pub done: bool,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// What could not be checked, and other warnings.
    pub warnings: Vec<WarningNote>,
    /// The fetched report.
    pub report: Option<RunReportDto>,
    /// Verify: the report it compares with.
    pub previous_report: Option<String>,
    /// Verify: where the previous report was archived.
    pub archived_report: Option<String>,
    /// Why the run could not be driven, when it could not.
    pub problem: Option<ErrorPayload>,
    /// Find and verify: how the running find is judged, in words (the DX release's rule saved
    /// with the run: its operations' progress since CF218, HCL's 30-minute limit before).
    pub find_rule: Option<String>,
}

/// The view of a run from its state, owner and live knowledge.
pub fn view_of(s: &RunState, owner: &RunOwner, live: &Live) -> RunView {
    let message = match (&s.outcome, &live.message) {
        (Some(o), _) => describe_outcome(o),
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
        kind: s.kind,
        subscriber_id: s.subscriber_id.clone(),
        at: s.phase.clone(),
        status: s.last_status.clone(),
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
        outcome: s.outcome.clone(),
        warnings: s
            .warnings
            .iter()
            .map(|w| WarningNote {
                warning: *w,
                message: w.message().to_string(),
            })
            .collect(),
        report: s.report.as_ref().map(|r| RunReportDto {
            path: r.path.display().to_string(),
            rows: clamp(r.rows),
            possibly_inaccurate: r.possibly_inaccurate,
            status_at_fetch: r.status_at_fetch.clone(),
            possibly_partial: r.possibly_partial.clone(),
            summary: r.summary.as_ref().map(SummaryDto::from),
        }),
        previous_report: s
            .config
            .previous_report
            .as_ref()
            .map(|p| p.display().to_string()),
        archived_report: s.archived_report.as_ref().map(|p| p.display().to_string()),
        problem: live.problem.clone(),
        find_rule: (s.kind != RunKind::Resync).then(|| s.config.find_watch.describe(&s.config)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dx_staging::workflow::RunConfig;
    use dx_staging::TriggerKind;

    fn owner() -> RunOwner {
        RunOwner {
            profile_id: "p".into(),
            journey_id: "j".into(),
        }
    }

    #[test]
    fn views_a_watched_find_in_the_domain_types() {
        let mut s = RunState::new(
            RunKind::Find,
            "sub",
            RunConfig::default(),
            chrono::Utc::now(),
        );
        s.phase = Phase::Watching {
            job: TriggerKind::Find,
        };
        s.last_status = Some(ResyncStatus::FindMismatchStart);
        s.warnings.push(Warning::PauseAuthoring);
        let live = Live {
            watching: true,
            message: Some("waiting".into()),
            ..Live::default()
        };
        let v = view_of(&s, &owner(), &live);
        let wire = serde_json::to_value(&v).unwrap();
        assert_eq!(wire["kind"], "find");
        assert_eq!(
            wire["at"],
            serde_json::json!({"phase": "watching", "job": "find"})
        );
        assert_eq!(wire["status"], "FIND_MISMATCH_START");
        assert_eq!(wire["warnings"][0]["warning"], "pauseAuthoring");
        assert!(!v.done && v.watching);
        let idle = view_of(&s, &owner(), &Live::default());
        assert!(idle.message.contains("resume"), "{}", idle.message);
    }

    #[test]
    fn an_outcome_crosses_as_the_domain_tagged_union() {
        let mut s = RunState::new(
            RunKind::Verify,
            "sub",
            RunConfig::default(),
            chrono::Utc::now(),
        );
        s.phase = Phase::Done;
        s.outcome = Some(Outcome::Error {
            code: dx_staging::ErrorCode::Timeout,
            message: "slow".into(),
            during: Some(Phase::FetchingReport),
        });
        let wire = serde_json::to_value(view_of(&s, &owner(), &Live::default())).unwrap();
        assert_eq!(
            wire["outcome"],
            serde_json::json!({"result": "error", "code": "timeout", "message": "slow", "during": {"phase": "fetchingReport"}})
        );
        assert_eq!(wire["message"], "slow");
    }
}
