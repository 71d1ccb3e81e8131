//! One test per transition of the run state machine.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::model::{Operation, OperationStatus, ResyncStatus};
use crate::workflow::driver::describe_outcome;
use crate::workflow::state::{RunConfig, Warning, REMEDY_REREGISTER};

// Most tests below model a DX before CF218 (the 30-minute rule, here 60 s); those of the
// progress rule (CF218 and later) start from `run_cf218`.

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
}

fn run(kind: RunKind) -> RunState {
    let config = RunConfig {
        find_watch: FindWatch::TimeLimit,
        stuck_limit_secs: 60,
        max_unreachable_secs: 30,
        ..RunConfig::default()
    };
    RunState::new(kind, "sub-1", config, t0())
}

fn sub(status: Option<ResyncStatus>) -> Subscriber {
    Subscriber {
        id: Some("sub-1".into()),
        resync_status: status,
        ..Subscriber::default()
    }
}

fn ok_preflight() -> PreflightReport {
    PreflightReport {
        subscriber_env_checked: true,
        blocking: vec![],
        two_way: Some(false),
        ..PreflightReport::default()
    }
}

fn blocking(status: &str) -> PreflightReport {
    PreflightReport {
        subscriber_env_checked: true,
        blocking: vec![BlockingOperation {
            id: "op1".into(),
            trigger_function: "syncStagingMediaContent".into(),
            status: status.into(),
        }],
        two_way: Some(false),
        ..PreflightReport::default()
    }
}

/// A run of `kind` moved to `Watching job` with a trigger at t0.
fn watching(kind: RunKind, job: TriggerKind) -> RunState {
    let mut s = run(kind);
    s.phase = Phase::Watching { job };
    s.triggered_at = Some(t0());
    s.triggers_sent = 1;
    s
}

fn status_at(st: ResyncStatus, secs: i64) -> Event {
    Event::StatusRead {
        subscriber: sub(Some(st)),
        at: t0() + Duration::seconds(secs),
    }
}

fn outcome(s: &RunState) -> &Outcome {
    assert_eq!(s.phase, Phase::Done);
    s.outcome.as_ref().unwrap()
}

#[test]
fn a_new_run_starts_with_preflight() {
    assert_eq!(start(&run(RunKind::Find)), vec![Action::CheckPreflight]);
}

#[test]
fn find_preflight_ok_prepares_the_trigger() {
    let (s, a) = step(run(RunKind::Find), Event::PreflightChecked(ok_preflight()));
    assert_eq!(
        s.phase,
        Phase::PreparingTrigger {
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::ReadBeforeTrigger(TriggerKind::Find)]);
    assert!(s.warnings.contains(&Warning::PauseAuthoring));
}

#[test]
fn find_preflight_without_subscriber_profile_warns_and_goes_on() {
    let report = PreflightReport::default();
    let (s, a) = step(run(RunKind::Find), Event::PreflightChecked(report));
    assert_eq!(a, vec![Action::ReadBeforeTrigger(TriggerKind::Find)]);
    assert!(s.warnings.contains(&Warning::SubscriberEnvUnchecked));
}

#[test]
fn find_preflight_with_sync_in_progress_is_refused() {
    let (s, a) = step(
        run(RunKind::Find),
        Event::PreflightChecked(blocking("PROCESSING")),
    );
    assert!(a.is_empty());
    assert!(matches!(outcome(&s), Outcome::Refused { rule, message }
        if *rule == Rule::PreflightFind && message.contains("syncStagingMediaContent")));
    assert_eq!(s.triggers_sent, 0);
}

#[test]
fn verify_preflight_archives_then_deletes_then_triggers_find() {
    let (s, a) = step(
        run(RunKind::Verify),
        Event::PreflightChecked(ok_preflight()),
    );
    assert_eq!(
        (s.phase.clone(), a),
        (Phase::Archiving, vec![Action::ArchiveReport])
    );
    let (s, a) = step(s, Event::Archived(Some("old.csv".into())));
    assert_eq!(s.phase, Phase::DeletingLogs);
    assert_eq!(a, vec![Action::DeleteLogs]);
    assert_eq!(
        s.archived_report.as_deref(),
        Some(std::path::Path::new("old.csv"))
    );
    let (s, a) = step(s, Event::LogsDeleted);
    assert_eq!(
        s.phase,
        Phase::PreparingTrigger {
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::ReadBeforeTrigger(TriggerKind::Find)]);
}

#[test]
fn verify_preflight_blocked_is_refused() {
    let (s, _) = step(
        run(RunKind::Verify),
        Event::PreflightChecked(blocking("TODO")),
    );
    assert!(matches!(outcome(&s), Outcome::Refused { rule, .. } if *rule == Rule::PreflightFind));
}

#[test]
fn resync_two_way_staging_is_refused() {
    let report = PreflightReport {
        two_way: Some(true),
        ..ok_preflight()
    };
    let (s, a) = step(run(RunKind::Resync), Event::PreflightChecked(report));
    assert!(a.is_empty());
    assert!(matches!(outcome(&s), Outcome::Refused { rule, .. } if *rule == Rule::TwoWayStaging));
}

#[test]
fn resync_with_failed_sync_operations_is_refused() {
    let (s, _) = step(
        run(RunKind::Resync),
        Event::PreflightChecked(blocking("FAILED")),
    );
    assert!(matches!(outcome(&s), Outcome::Refused { rule, message }
        if *rule == Rule::PreflightResync && message.contains("FAILED")));
}

#[test]
fn resync_preflight_ok_prepares_the_trigger() {
    let (s, a) = step(
        run(RunKind::Resync),
        Event::PreflightChecked(ok_preflight()),
    );
    assert_eq!(
        s.phase,
        Phase::PreparingTrigger {
            job: TriggerKind::Resync
        }
    );
    assert_eq!(a, vec![Action::ReadBeforeTrigger(TriggerKind::Resync)]);
}

#[test]
fn before_trigger_is_kept_and_the_trigger_sent_once() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::PreparingTrigger {
        job: TriggerKind::Find,
    };
    let before = sub(Some(ResyncStatus::FindMismatchCompleted));
    let (s, a) = step(s, Event::BeforeTrigger(before.clone()));
    assert_eq!(
        s.phase,
        Phase::Triggering {
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::SendTrigger(TriggerKind::Find)]);
    assert_eq!(s.before_trigger, Some(before));
    assert_eq!(s.triggers_sent, 1);
}

#[test]
fn accepted_trigger_starts_watching() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::Triggering {
        job: TriggerKind::Find,
    };
    let (s, a) = step(
        s,
        Event::Triggered {
            subscriber: sub(Some(ResyncStatus::FindMismatchStart)),
            at: t0(),
        },
    );
    assert_eq!(
        s.phase,
        Phase::Watching {
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::PollStatus]);
    assert_eq!(s.triggered_at, Some(t0()));
}

#[test]
fn trigger_answer_already_completed_goes_straight_on() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::Triggering {
        job: TriggerKind::Find,
    };
    let (s, a) = step(
        s,
        Event::Triggered {
            subscriber: sub(Some(ResyncStatus::FindMismatchCompleted)),
            at: t0(),
        },
    );
    assert_eq!(s.phase, Phase::FetchingReport);
    assert_eq!(a, vec![Action::FetchReport]);
}

#[test]
fn resumed_trigger_that_landed_is_watched_not_resent() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::Triggering {
        job: TriggerKind::Find,
    };
    s.triggers_sent = 1;
    assert_eq!(
        resume_actions(&s),
        vec![Action::ConfirmTrigger(TriggerKind::Find)]
    );
    let (s, a) = step(
        s,
        Event::TriggerConfirmed {
            subscriber: sub(Some(ResyncStatus::FindMismatchStart)),
            landed: true,
            at: t0(),
        },
    );
    assert_eq!(
        s.phase,
        Phase::Watching {
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::PollStatus]);
    assert_eq!(s.triggers_sent, 1);
}

#[test]
fn resumed_trigger_that_did_not_land_is_sent_again_up_to_the_limit() {
    let mut s = run(RunKind::Resync);
    s.phase = Phase::Triggering {
        job: TriggerKind::Resync,
    };
    s.triggers_sent = 1;
    let confirm = Event::TriggerConfirmed {
        subscriber: sub(Some(ResyncStatus::FindMismatchCompleted)),
        landed: false,
        at: t0(),
    };
    for sent in 2..=crate::client::MAX_TRIGGER_SENDS {
        let (next, a) = step(s, confirm.clone());
        assert_eq!(
            next.phase,
            Phase::PreparingTrigger {
                job: TriggerKind::Resync
            }
        );
        assert_eq!(a, vec![Action::ReadBeforeTrigger(TriggerKind::Resync)]);
        let (next, a) = step(next, Event::BeforeTrigger(sub(None)));
        assert_eq!(next.triggers_sent, sent);
        assert_eq!(a, vec![Action::SendTrigger(TriggerKind::Resync)]);
        // The send's answer is lost: the machine re-reads before anything else.
        let lost = Event::PollFailed {
            error: ErrorInfo {
                code: ErrorCode::ServerError,
                message: "DX answered 502".into(),
            },
            transient: true,
            at: t0(),
        };
        let (next, a) = step(next, lost);
        assert_eq!(a, vec![Action::ConfirmTrigger(TriggerKind::Resync)]);
        s = next;
    }
    let (s, a) = step(s, confirm);
    assert!(a.is_empty());
    assert!(
        matches!(outcome(&s), Outcome::Error { code, .. } if *code == ErrorCode::TriggerNotConfirmed)
    );
}

#[test]
fn running_find_before_the_limit_keeps_polling() {
    let s = watching(RunKind::Find, TriggerKind::Find);
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 30));
    assert_eq!(a, vec![Action::PollStatus]);
    assert_eq!(s.elapsed_secs, 30);
    assert_eq!(s.last_status, Some(ResyncStatus::FindMismatchStart));
}

#[test]
fn find_past_the_stuck_limit_is_diagnosed_then_stuck() {
    let s = watching(RunKind::Find, TriggerKind::Find);
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 125));
    assert_eq!(
        s.phase,
        Phase::Diagnosing {
            failed: false,
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::Diagnose(TriggerKind::Find)]);
    let d = Diagnosis::from_operations(&[]);
    let (s, a) = step(s, Event::Diagnosed(d.clone()));
    assert!(a.is_empty());
    assert_eq!(
        outcome(&s),
        &Outcome::Stuck {
            minutes: 2,
            diagnosis: d,
            rule: FindWatch::TimeLimit,
        }
    );
}

#[test]
fn failed_find_is_diagnosed_with_the_documented_remedy() {
    let s = watching(RunKind::Find, TriggerKind::Find);
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchFailed, 5));
    assert_eq!(
        s.phase,
        Phase::Diagnosing {
            failed: true,
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::Diagnose(TriggerKind::Find)]);
    let op: Operation = serde_json::from_value(serde_json::json!({
        "id": "op9", "triggerFunction": "findStagingMismatch", "status": "FAILED", "retryCounter": 3
    }))
    .unwrap();
    let d = Diagnosis::from_operations(&[op]);
    assert!(d.failed_with_retries);
    assert_eq!(d.advice, REMEDY_REREGISTER);
    let (s, _) = step(s, Event::Diagnosed(d));
    assert!(
        matches!(outcome(&s), Outcome::FindFailed { diagnosis } if diagnosis.operation_id.as_deref() == Some("op9"))
    );
}

#[test]
fn diagnosis_without_failed_retries_says_keep_watching() {
    let op: Operation = serde_json::from_value(serde_json::json!({
        "id": "op1", "triggerFunction": "findStagingMismatch", "status": "FAILED", "retryCounter": 0
    }))
    .unwrap();
    let d = Diagnosis::from_operations(&[op]);
    assert!(!d.failed_with_retries);
    assert_eq!(
        d.operation_status,
        Some(crate::model::OperationStatus::Failed)
    );
    assert_ne!(d.advice, REMEDY_REREGISTER);
}

#[test]
fn completed_find_fetches_the_report() {
    let s = watching(RunKind::Find, TriggerKind::Find);
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchCompleted, 5));
    assert_eq!(s.phase, Phase::FetchingReport);
    assert_eq!(a, vec![Action::FetchReport]);
}

#[test]
fn completed_find_without_report_ends() {
    let mut s = watching(RunKind::Find, TriggerKind::Find);
    s.config.fetch_report = false;
    let (s, _) = step(s, status_at(ResyncStatus::FindMismatchCompleted, 5));
    assert_eq!(outcome(&s), &Outcome::FindCompleted);
}

#[test]
fn completed_resync_watches_operations() {
    let s = watching(RunKind::Resync, TriggerKind::Resync);
    let (s, a) = step(s, status_at(ResyncStatus::ResyncTriggerCompleted, 5));
    assert_eq!(s.phase, Phase::WatchingOperations);
    assert_eq!(a, vec![Action::PollOperations]);
}

#[test]
fn completed_resync_without_subscriber_profile_ends_unwatched() {
    let mut s = watching(RunKind::Resync, TriggerKind::Resync);
    s.config.watch_operations = false;
    let (s, _) = step(s, status_at(ResyncStatus::ResyncTriggerCompleted, 5));
    assert_eq!(
        outcome(&s),
        &Outcome::ResyncDone {
            operations_watched: false,
            operations_failed: 0
        }
    );
}

#[test]
fn failed_resync_is_diagnosed_from_its_resync_subscriber_operation() {
    let s = watching(RunKind::Resync, TriggerKind::Resync);
    let (s, a) = step(s, status_at(ResyncStatus::ResyncTriggerFailed, 5));
    assert_eq!(a, vec![Action::Diagnose(TriggerKind::Resync)]);
    let op: Operation = serde_json::from_value(serde_json::json!({
        "id": "rs1", "triggerFunction": "resyncSubscriber", "status": "FAILED", "retryCounter": 2,
        "errorInfo": {"message": "subscriber eventlogs answered 503"}
    }))
    .unwrap();
    let d = Diagnosis::of_job(&[op], TriggerKind::Resync);
    assert!(
        d.advice
            .contains("resyncSubscriber rs1 FAILED: subscriber eventlogs answered 503"),
        "{}",
        d.advice
    );
    let (s, _) = step(s, Event::Diagnosed(d.clone()));
    assert_eq!(outcome(&s), &Outcome::ResyncFailed);
    assert_eq!(s.diagnosis, Some(d));
}

#[test]
fn resync_start_and_unknown_statuses_keep_polling_until_the_limit() {
    let s = watching(RunKind::Resync, TriggerKind::Resync);
    let (s, a) = step(s, status_at(ResyncStatus::ResyncTriggerStart, 5));
    assert_eq!(a, vec![Action::PollStatus]);
    let (s, a) = step(
        s,
        status_at(ResyncStatus::Other("RESYNC_QUEUED".into()), 10),
    );
    assert_eq!(a, vec![Action::PollStatus]);
    // a running resync is never "stuck": only the find has the 30-minute rule
    let (s, a) = step(s, status_at(ResyncStatus::ResyncTriggerStart, 500));
    assert_eq!(a, vec![Action::PollStatus]);
    let (s, _) = step(s, status_at(ResyncStatus::FindMismatchCompleted, 600));
    assert!(
        matches!(outcome(&s), Outcome::Error { code, .. } if *code == ErrorCode::UnexpectedStatus)
    );
}

#[test]
fn transient_poll_failures_are_tolerated_until_the_stuck_limit() {
    let mut s = watching(RunKind::Find, TriggerKind::Find);
    s.config.stuck_limit_secs = 30;
    s.config.max_unreachable_secs = 0;
    let err = ErrorInfo {
        code: ErrorCode::ConnectionRefused,
        message: "cannot connect".into(),
    };
    let failed = |secs| Event::PollFailed {
        error: err.clone(),
        transient: true,
        at: t0() + Duration::seconds(secs),
    };
    let (s, a) = step(s, failed(10));
    assert_eq!(a, vec![Action::PollStatus]);
    assert_eq!(s.unreachable_since, Some(t0() + Duration::seconds(10)));
    let (s, a) = step(s, failed(20));
    assert_eq!(a, vec![Action::PollStatus]);
    // an answer resets the clock
    let (s, _) = step(s, status_at(ResyncStatus::FindMismatchStart, 25));
    assert_eq!(s.unreachable_since, None);
    let (s, _) = step(s, failed(30));
    let (s, _) = step(s, failed(61));
    assert!(matches!(outcome(&s), Outcome::Error { code, message, .. }
        if *code == ErrorCode::ConnectionRefused && message.contains("not cancelled")));
}

#[test]
fn non_transient_poll_failure_ends_the_run() {
    let s = watching(RunKind::Resync, TriggerKind::Resync);
    let (s, _) = step(
        s,
        Event::PollFailed {
            error: ErrorInfo {
                code: ErrorCode::NotAdmin,
                message: "403".into(),
            },
            transient: false,
            at: t0(),
        },
    );
    assert!(matches!(outcome(&s), Outcome::Error { code, .. } if *code == ErrorCode::NotAdmin));
}

#[test]
fn operations_watch_ends_when_none_pending() {
    let mut s = run(RunKind::Resync);
    s.phase = Phase::WatchingOperations;
    let (s, a) = step(
        s,
        Event::OperationsRead {
            pending: 4,
            failed: 0,
            others: 3,
            at: t0(),
        },
    );
    assert_eq!(a, vec![Action::PollOperations]);
    assert_eq!(s.operations_pending, Some(4));
    assert_eq!(s.operations_others, Some(3));
    // Others still pending do not hold the watch: only this resync's operations count.
    let (s, a) = step(
        s,
        Event::OperationsRead {
            pending: 0,
            failed: 1,
            others: 3,
            at: t0() + Duration::seconds(5),
        },
    );
    assert!(a.is_empty());
    assert_eq!(
        outcome(&s),
        &Outcome::ResyncDone {
            operations_watched: true,
            operations_failed: 1
        }
    );
}

fn fetched(rows: u64) -> Event {
    Event::ReportFetched(ReportInfo {
        path: "r.csv".into(),
        rows,
        possibly_inaccurate: false,
        status_at_fetch: Some("FIND_MISMATCH_COMPLETED".into()),
        find_started_at: None,
        possibly_partial: None,
        summary: None,
        earlier_logs_left_out: 0,
    })
}

#[test]
fn empty_report_means_in_sync() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::FetchingReport;
    let (s, _) = step(s, fetched(0));
    assert_eq!(outcome(&s), &Outcome::InSync);
    assert_eq!(s.report.as_ref().unwrap().rows, 0);
}

#[test]
fn report_with_rows_means_mismatches() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::FetchingReport;
    let (s, _) = step(s, fetched(12));
    assert_eq!(outcome(&s), &Outcome::MismatchesFound { rows: 12 });
}

#[test]
fn verify_report_is_diffed_against_the_archive() {
    let mut s = run(RunKind::Verify);
    s.phase = Phase::FetchingReport;
    s.archived_report = Some("archive/old.csv".into());
    let (s, a) = step(s, fetched(1));
    assert_eq!(s.phase, Phase::Diffing);
    assert_eq!(a, vec![Action::Diff]);
    let d = DiffCounts {
        only_before: 9,
        only_after: 0,
        in_both: 1,
    };
    let (s, _) = step(s, Event::Diffed(d.clone()));
    assert_eq!(
        outcome(&s),
        &Outcome::Verified {
            remaining: 1,
            diff: Some(d)
        }
    );
}

#[test]
fn verify_without_previous_report_ends_after_fetch() {
    let mut s = run(RunKind::Verify);
    s.phase = Phase::FetchingReport;
    let (s, _) = step(s, fetched(0));
    assert_eq!(
        outcome(&s),
        &Outcome::Verified {
            remaining: 0,
            diff: None
        }
    );
}

#[test]
fn a_failure_in_any_phase_ends_with_its_code() {
    for phase in [
        Phase::Preflight,
        Phase::Archiving,
        Phase::DeletingLogs,
        Phase::PreparingTrigger {
            job: TriggerKind::Find,
        },
        Phase::Triggering {
            job: TriggerKind::Find,
        },
        Phase::Watching {
            job: TriggerKind::Find,
        },
        Phase::Diagnosing {
            failed: false,
            job: TriggerKind::Find,
        },
        Phase::WaitingForStaging,
        Phase::WatchingOperations,
        Phase::FetchingReport,
        Phase::Diffing,
    ] {
        let mut s = run(RunKind::Find);
        s.phase = phase.clone();
        let (s, a) = step(
            s,
            Event::Failed(ErrorInfo {
                code: ErrorCode::JobAlreadyRunning,
                message: "409".into(),
            }),
        );
        assert!(a.is_empty(), "{phase:?}");
        assert!(
            matches!(outcome(&s), Outcome::Error { code, during, .. }
                if *code == ErrorCode::JobAlreadyRunning && during.as_ref() == Some(&phase)),
            "the outcome keeps the phase the run failed in: {phase:?}"
        );
    }
}

#[test]
fn a_finished_run_ignores_events() {
    let mut s = run(RunKind::Find);
    s.phase = Phase::Done;
    s.outcome = Some(Outcome::InSync);
    let (s2, a) = step(s.clone(), Event::LogsDeleted);
    assert!(a.is_empty());
    assert_eq!(s2, s);
    assert!(resume_actions(&s).is_empty());
}

#[test]
fn a_stale_event_changes_nothing_and_redoes_the_phase() {
    let s = watching(RunKind::Find, TriggerKind::Find);
    let (s2, a) = step(s.clone(), Event::LogsDeleted);
    assert_eq!(s2, s);
    assert_eq!(a, vec![Action::PollStatus]);
}

#[test]
fn resume_actions_cover_every_phase() {
    let cases = [
        (Phase::Preflight, Action::CheckPreflight),
        (Phase::Archiving, Action::ArchiveReport),
        (Phase::DeletingLogs, Action::DeleteLogs),
        (
            Phase::PreparingTrigger {
                job: TriggerKind::Resync,
            },
            Action::ReadBeforeTrigger(TriggerKind::Resync),
        ),
        (
            Phase::Watching {
                job: TriggerKind::Find,
            },
            Action::PollStatus,
        ),
        (
            Phase::Diagnosing {
                failed: true,
                job: TriggerKind::Resync,
            },
            Action::Diagnose(TriggerKind::Resync),
        ),
        (Phase::WaitingForStaging, Action::CheckPreflightLater),
        (Phase::WatchingOperations, Action::PollOperations),
        (Phase::FetchingReport, Action::FetchReport),
        (Phase::Diffing, Action::Diff),
    ];
    for (phase, action) in cases {
        let mut s = run(RunKind::Verify);
        s.phase = phase;
        assert_eq!(resume_actions(&s), vec![action]);
    }
    let _ = OperationStatus::Todo;
}

#[test]
fn operations_that_stop_progressing_end_the_watch_with_a_diagnosis() {
    let mut s = run(RunKind::Resync);
    s.phase = Phase::WatchingOperations;
    s.config.operations_stall_secs = 600;
    let read = |pending, secs| Event::OperationsRead {
        pending,
        failed: 0,
        others: 0,
        at: t0() + Duration::seconds(secs),
    };
    let (s, _) = step(s, read(10, 0));
    // Going down is progress: the clock restarts.
    let (s, a) = step(s, read(6, 500));
    assert_eq!(a, vec![Action::PollOperations]);
    assert_eq!(
        s.operations_progress_at,
        Some(t0() + Duration::seconds(500))
    );
    let (s, a) = step(s, read(6, 1000));
    assert_eq!(a, vec![Action::PollOperations]);
    let (s, a) = step(s, read(6, 1100));
    assert!(a.is_empty());
    assert!(matches!(outcome(&s), Outcome::Error { code, message, .. }
        if *code == ErrorCode::ResyncStalled && message.contains("6 sync operations of this resync have not progressed") && message.contains("10 min")));
}

#[test]
fn a_find_that_clears_stale_logs_keeps_and_deletes_them_before_the_trigger() {
    let mut s = run(RunKind::Find);
    s.config.clear_stale_logs = true;
    let (s, a) = step(s, Event::PreflightChecked(ok_preflight()));
    assert_eq!(s.phase, Phase::DeletingLogs);
    assert_eq!(a, vec![Action::DeleteLogs]);
    let (s, a) = step(s, Event::LogsDeleted);
    assert_eq!(
        s.phase,
        Phase::PreparingTrigger {
            job: TriggerKind::Find
        }
    );
    assert_eq!(a, vec![Action::ReadBeforeTrigger(TriggerKind::Find)]);
}

// ---- DX CF218 and later: a find judged by its operations' progress ----

fn run_cf218(kind: RunKind) -> RunState {
    let config = RunConfig {
        find_watch: FindWatch::Progress,
        find_stall_secs: 600,
        stuck_limit_secs: 30 * 60,
        ..RunConfig::default()
    };
    let mut s = RunState::new(kind, "sub-1", config, t0());
    s.phase = Phase::Watching {
        job: TriggerKind::Find,
    };
    s.triggered_at = Some(t0());
    s.triggers_sent = 1;
    s
}

fn activity(operations: u64, in_progress: u64, latest: &str) -> FindActivity {
    FindActivity {
        operations,
        in_progress,
        latest_change: Some(latest.into()),
        ..FindActivity::default()
    }
}

fn activity_at(a: FindActivity, secs: i64) -> Event {
    Event::ActivityRead {
        activity: Some(a),
        at: t0() + Duration::seconds(secs),
    }
}

#[test]
fn cf218_a_find_that_progresses_is_healthy_past_thirty_minutes() {
    let mut s = run_cf218(RunKind::Find);
    // 45 minutes of FIND_MISMATCH_START, the find's operations changing every minute.
    for minute in 0..45i64 {
        let at = minute * 60;
        let (next, a) = step(s, status_at(ResyncStatus::FindMismatchStart, at));
        assert_eq!(
            a,
            vec![Action::ReadActivity(TriggerKind::Find)],
            "minute {minute}"
        );
        let (next, a) = step(
            next,
            activity_at(
                activity(minute as u64 + 1, 1, &format!("t{minute:02}")),
                at + 1,
            ),
        );
        assert_eq!(a, vec![Action::PollStatus], "minute {minute}");
        s = next;
    }
    assert!(matches!(s.phase, Phase::Watching { .. }));
    let (s, a) = step(
        s,
        status_at(ResyncStatus::FindMismatchCompleted, 45 * 60 + 5),
    );
    assert_eq!(a, vec![Action::FetchReport]);
    assert_eq!(s.phase, Phase::FetchingReport);
}

#[test]
fn cf218_the_same_find_under_the_older_rule_is_stuck_at_thirty_minutes() {
    let mut s = run_cf218(RunKind::Find);
    s.config.find_watch = FindWatch::TimeLimit;
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 30 * 60));
    assert_eq!(a, vec![Action::Diagnose(TriggerKind::Find)]);
    let (s, _) = step(s, Event::Diagnosed(Diagnosis::from_operations(&[])));
    assert!(matches!(
        outcome(&s),
        Outcome::Stuck {
            rule: FindWatch::TimeLimit,
            minutes: 30,
            ..
        }
    ));
}

#[test]
fn cf218_operations_are_read_every_so_often_not_at_every_poll() {
    let s = run_cf218(RunKind::Find);
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 0));
    assert_eq!(a, vec![Action::ReadActivity(TriggerKind::Find)]);
    let (s, _) = step(s, activity_at(activity(1, 1, "a"), 0));
    // 10 s later: a status poll only (reads every 30 s with a 10-minute stall limit).
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 10));
    assert_eq!(a, vec![Action::PollStatus]);
    let (_, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 31));
    assert_eq!(a, vec![Action::ReadActivity(TriggerKind::Find)]);
}

#[test]
fn cf218_a_find_whose_operations_stop_changing_is_stalled() {
    let s = run_cf218(RunKind::Find);
    let (s, _) = step(s, activity_at(activity(3, 1, "a"), 60));
    assert_eq!(s.find_progress_at, Some(t0() + Duration::seconds(60)));
    // Unchanged for 599 s: still healthy.
    let (s, a) = step(s, activity_at(activity(3, 1, "a"), 659));
    assert_eq!(a, vec![Action::PollStatus]);
    // Unchanged for the stall limit (600 s): diagnosed, then stuck by the progress rule.
    let (s, a) = step(s, activity_at(activity(3, 1, "a"), 660));
    assert_eq!(a, vec![Action::Diagnose(TriggerKind::Find)]);
    let d = Diagnosis::from_operations(&[]);
    let (s, _) = step(s, Event::Diagnosed(d));
    assert!(matches!(
        outcome(&s),
        Outcome::Stuck {
            rule: FindWatch::Progress,
            minutes: 11,
            ..
        }
    ));
    assert!(describe_outcome(outcome(&s)).starts_with("stalled"));
}

#[test]
fn cf218_a_failed_operation_with_retries_is_the_data_volume_failure() {
    let s = run_cf218(RunKind::Find);
    let a = FindActivity {
        operations: 4,
        in_progress: 0,
        failed: 1,
        failed_with_retries: true,
        latest_change: Some("t".into()),
    };
    let (s, actions) = step(s, activity_at(a, 90));
    assert_eq!(actions, vec![Action::Diagnose(TriggerKind::Find)]);
    let op: Operation = serde_json::from_value(serde_json::json!({
        "id": "c7", "triggerFunction": "compareRecords", "status": "FAILED", "retryCounter": 3
    }))
    .unwrap();
    let d = Diagnosis::from_operations(&[op]);
    assert!(d.failed_with_retries);
    assert!(d.advice.contains("maxRecordsToCompare") && d.advice.contains("register it again"));
    let (s, _) = step(s, Event::Diagnosed(d));
    assert!(
        matches!(outcome(&s), Outcome::FindFailed { diagnosis } if diagnosis.operation_id.as_deref() == Some("c7"))
    );
}

#[test]
fn cf218_operations_that_cannot_be_read_fall_back_to_the_time_limit() {
    let s = run_cf218(RunKind::Find);
    let (s, a) = step(
        s,
        Event::ActivityRead {
            activity: None,
            at: t0(),
        },
    );
    assert_eq!(a, vec![Action::PollStatus]);
    assert!(s.find_activity_unreadable);
    let (s, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 60));
    assert_eq!(a, vec![Action::PollStatus]);
    let (_, a) = step(s, status_at(ResyncStatus::FindMismatchStart, 30 * 60));
    assert_eq!(a, vec![Action::Diagnose(TriggerKind::Find)]);
}

#[test]
fn find_activity_counts_only_this_finds_operations() {
    let op = |f: &str, status: &str, created: &str, updated: &str, retries: u64| {
        serde_json::from_value::<Operation>(serde_json::json!({
            "id": format!("{f}-{created}"), "triggerFunction": f, "status": status,
            "created": created, "updated": updated, "retryCounter": retries
        }))
        .unwrap()
    };
    let ops = [
        op(
            "initiateCollectionTreeTraversal",
            "PROCESSING",
            "2024-05-01T12:00:01Z",
            "2024-05-01T12:05:00Z",
            0,
        ),
        op(
            "compareRecords",
            "SUCCESS",
            "2024-05-01T12:01:00Z",
            "2024-05-01T12:02:00Z",
            0,
        ),
        op(
            "findStagingPermissionsMismatch",
            "TODO",
            "2024-05-01T12:03:00Z",
            "2024-05-01T12:03:00Z",
            0,
        ),
        // An earlier find's failure, a day old: not this find's.
        op(
            "compareRecords",
            "FAILED",
            "2024-04-30T12:00:00Z",
            "2024-04-30T12:10:00Z",
            3,
        ),
        // Not a find operation.
        op(
            "syncStagingMediaContent",
            "PROCESSING",
            "2024-05-01T12:04:00Z",
            "2024-05-01T12:09:00Z",
            0,
        ),
    ];
    let a = FindActivity::of(&ops, TriggerKind::Find, Some(t0() - Duration::seconds(120)));
    assert_eq!(a.operations, 3);
    assert_eq!(a.in_progress, 2);
    assert_eq!(a.failed, 0);
    assert!(!a.failed_with_retries);
    assert_eq!(a.latest_change.as_deref(), Some("2024-05-01T12:05:00Z"));
    // The older DX's single operation is a find operation too.
    let legacy = [op(
        "findStagingMismatch",
        "PROCESSING",
        "2024-05-01T12:00:01Z",
        "2024-05-01T12:00:09Z",
        0,
    )];
    assert_eq!(
        FindActivity::of(&legacy, TriggerKind::Find, Some(t0())).in_progress,
        1
    );
}

// ---- A job already running, whoever started it ----

#[test]
fn a_job_already_running_is_never_triggered_over() {
    for running in [
        ResyncStatus::FindMismatchStart,
        ResyncStatus::ResyncTriggerStart,
    ] {
        let mut s = run(RunKind::Resync);
        s.phase = Phase::PreparingTrigger {
            job: TriggerKind::Resync,
        };
        let before = Subscriber {
            last_resync_time: Some("2024-05-01T11:50:00Z".into()),
            ..sub(Some(running.clone()))
        };
        let (s, a) = step(s, Event::BeforeTrigger(before));
        assert!(a.is_empty(), "nothing is sent");
        assert_eq!(s.triggers_sent, 0);
        assert!(
            matches!(outcome(&s), Outcome::Refused { rule: Rule::JobRunning, message }
                if message.contains(running.as_str()) && message.contains("2024-05-01T11:50:00Z") && message.contains("DXClient")),
            "{:?}",
            s.outcome
        );
    }
}

// ---- A routine staging cycle at work on the subscriber ----

fn routine(n: usize) -> PreflightReport {
    PreflightReport {
        subscriber_env_checked: true,
        routine: (0..n)
            .map(|i| BlockingOperation {
                id: format!("c{i}"),
                trigger_function: "syncStagingMediaContent".into(),
                status: "PROCESSING".into(),
            })
            .collect(),
        two_way: Some(false),
        checked_at: Some(t0()),
        ..PreflightReport::default()
    }
}

fn at(mut r: PreflightReport, secs: i64) -> Event {
    r.checked_at = Some(t0() + Duration::seconds(secs));
    Event::PreflightChecked(r)
}

#[test]
fn a_routine_staging_cycle_is_waited_for_then_the_find_goes_on() {
    let (s, a) = step(run(RunKind::Find), at(routine(3), 0));
    assert_eq!(s.phase, Phase::WaitingForStaging);
    assert_eq!(a, vec![Action::CheckPreflightLater]);
    assert_eq!(s.routine_operations, Some(3));
    let (s, a) = step(s, at(routine(1), 30));
    assert_eq!(a, vec![Action::CheckPreflightLater]);
    assert_eq!(s.waiting_since, Some(t0()));
    let (s, a) = step(s, at(ok_preflight(), 60));
    assert_eq!(
        a,
        vec![Action::ReadBeforeTrigger(TriggerKind::Find)],
        "the cycle ended: the find goes on"
    );
    assert_eq!(s.waiting_since, None);
    assert_eq!(
        s.warnings
            .iter()
            .filter(|w| **w == Warning::PauseAuthoring)
            .count(),
        1,
        "warnings once, however often the pre-flight ran"
    );
}

#[test]
fn a_resync_waits_for_a_routine_cycle_but_not_over_failed_operations() {
    let (s, a) = step(run(RunKind::Resync), at(routine(2), 0));
    assert_eq!(a, vec![Action::CheckPreflightLater]);
    assert_eq!(s.phase, Phase::WaitingForStaging);
    let mut failed = blocking("FAILED");
    failed.routine = routine(2).routine;
    let (s, _) = step(run(RunKind::Resync), at(failed, 0));
    assert!(matches!(
        outcome(&s),
        Outcome::Refused {
            rule: Rule::PreflightResync,
            ..
        }
    ));
}

#[test]
fn a_cycle_that_never_ends_is_refused_after_the_wait_limit() {
    let mut s = run(RunKind::Find);
    s.config.cycle_wait_secs = 600;
    let (s, _) = step(s, at(routine(2), 0));
    let (s, a) = step(s, at(routine(2), 599));
    assert_eq!(a, vec![Action::CheckPreflightLater]);
    let (s, _) = step(s, at(routine(2), 600));
    assert!(
        matches!(outcome(&s), Outcome::Refused { rule: Rule::PreflightFind, message }
        if message.contains("2 staging sync operations are") && message.contains("10 min of waiting"))
    );
}

#[test]
fn stuck_sync_operations_refuse_the_find_and_say_they_are_not_a_cycle() {
    let mut r = blocking("PROCESSING");
    r.routine = routine(1).routine;
    let (s, _) = step(run(RunKind::Find), Event::PreflightChecked(r));
    assert!(
        matches!(outcome(&s), Outcome::Refused { rule: Rule::PreflightFind, message }
        if message.contains("not a routine staging cycle"))
    );
}
