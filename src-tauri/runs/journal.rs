//! What a run puts in the audit journal, decided from its steps: a trigger DX accepted (the run
//! moved on from `Triggering`), mismatch logs deleted (a verify moved on from `DeletingLogs`),
//! and a run that ended refused or failed before or while asking DX. Pure: the driver passes
//! the steps and appends what comes back.

use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::workflow::{Outcome, Phase, RunKind};
use dx_staging::{Profile, ResyncStatus, TriggerKind};

/// One journal line a run step calls for: what was done, asked in words, and DX's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunJournalLine {
    /// What was done.
    pub action: JournalAction,
    /// What was asked, in words.
    pub asked: String,
    /// What came back.
    pub answer: JournalAnswer,
}

impl RunJournalLine {
    /// The journal entry of this line for the run `run_id` of `subscriber` on `publisher`.
    pub fn entry(self, publisher: &Profile, subscriber: &str, run_id: &str) -> JournalEntry {
        JournalEntry::new(self.action, self.asked, self.answer)
            .with_profile(publisher)
            .with_subscriber(subscriber)
            .with_detail(format!("run {run_id}"))
    }
}

fn trigger_action(job: TriggerKind) -> JournalAction {
    match job {
        TriggerKind::Find => JournalAction::FindTriggered,
        TriggerKind::Resync => JournalAction::ResyncTriggered,
    }
}

fn asked_trigger(job: TriggerKind, subscriber: &str) -> String {
    match job {
        TriggerKind::Find => format!("Find mismatches on subscriber {subscriber}"),
        TriggerKind::Resync => format!("Resync subscriber {subscriber}"),
    }
}

fn asked_delete(subscriber: &str) -> String {
    format!("Delete the mismatch logs of subscriber {subscriber} (archived first)")
}

/// The line for a run moving from `from` to `to` (`status`: the subscriber's `resyncStatus`
/// then), if the move means DX accepted something.
pub fn on_step(
    subscriber: &str,
    from: Option<&Phase>,
    to: &Phase,
    status: Option<&ResyncStatus>,
) -> Option<RunJournalLine> {
    if matches!(to, Phase::Done) || from == Some(to) {
        return None;
    }
    match from? {
        Phase::Triggering { job } => Some(RunJournalLine {
            action: trigger_action(*job),
            asked: asked_trigger(*job, subscriber),
            answer: match status {
                Some(s) => JournalAnswer::accepted(None)
                    .with_message(format!("resyncStatus {}", s.as_str())),
                None => JournalAnswer::accepted(None),
            },
        }),
        Phase::DeletingLogs => Some(RunJournalLine {
            action: JournalAction::MismatchDataDeleted,
            asked: asked_delete(subscriber),
            answer: JournalAnswer::done(),
        }),
        _ => None,
    }
}

/// The line for a run that ended with `outcome` having sent `triggers_sent` triggers: a refusal
/// (a pre-flight rule, or DX saying no), or a failure before or while triggering or deleting.
/// Runs that failed later (while watching or fetching) already have their trigger's line.
pub fn on_end(
    kind: RunKind,
    subscriber: &str,
    outcome: &Outcome,
    triggers_sent: u32,
) -> Option<RunJournalLine> {
    let job = match kind {
        RunKind::Resync => TriggerKind::Resync,
        RunKind::Find | RunKind::Verify => TriggerKind::Find,
    };
    match outcome {
        Outcome::Refused { message, .. } => Some(RunJournalLine {
            action: trigger_action(job),
            asked: asked_trigger(job, subscriber),
            answer: JournalAnswer::new(dx_staging::journal::AnswerOutcome::Refused)
                .with_message(message.clone()),
        }),
        Outcome::Error {
            message, during, ..
        } => {
            let failed = |action, asked| {
                Some(RunJournalLine {
                    action,
                    asked,
                    answer: JournalAnswer::new(dx_staging::journal::AnswerOutcome::Failed)
                        .with_message(message.clone()),
                })
            };
            match during {
                Some(Phase::DeletingLogs) => {
                    failed(JournalAction::MismatchDataDeleted, asked_delete(subscriber))
                }
                Some(Phase::Triggering { job }) => {
                    failed(trigger_action(*job), asked_trigger(*job, subscriber))
                }
                Some(Phase::Preflight | Phase::PreparingTrigger { .. }) | None
                    if triggers_sent == 0 =>
                {
                    failed(trigger_action(job), asked_trigger(job, subscriber))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dx_staging::journal::AnswerOutcome;
    use dx_staging::{ErrorCode, Rule};

    #[test]
    fn a_trigger_is_journaled_when_the_run_moves_past_it() {
        let triggering = Phase::Triggering {
            job: TriggerKind::Find,
        };
        let watching = Phase::Watching {
            job: TriggerKind::Find,
        };
        let line = on_step(
            "sub-1",
            Some(&triggering),
            &watching,
            Some(&ResyncStatus::FindMismatchStart),
        )
        .unwrap();
        assert_eq!(line.action, JournalAction::FindTriggered);
        assert_eq!(line.asked, "Find mismatches on subscriber sub-1");
        assert_eq!(line.answer.outcome, AnswerOutcome::Accepted);
        assert!(line.answer.message.unwrap().contains("FIND_MISMATCH_START"));
        // Other moves say nothing; a trigger that ends the run is journaled at its end.
        assert_eq!(on_step("sub-1", None, &triggering, None), None);
        assert_eq!(
            on_step("sub-1", Some(&watching), &Phase::FetchingReport, None),
            None
        );
        assert_eq!(
            on_step("sub-1", Some(&triggering), &Phase::Done, None),
            None
        );
        let resync = on_step(
            "sub-1",
            Some(&Phase::Triggering {
                job: TriggerKind::Resync,
            }),
            &Phase::WatchingOperations,
            None,
        )
        .unwrap();
        assert_eq!(resync.action, JournalAction::ResyncTriggered);
        let deleted = on_step("sub-1", Some(&Phase::DeletingLogs), &triggering, None).unwrap();
        assert_eq!(deleted.action, JournalAction::MismatchDataDeleted);
        assert_eq!(deleted.answer.outcome, AnswerOutcome::Done);
    }

    #[test]
    fn refusals_and_failures_before_a_trigger_are_journaled_at_the_end() {
        let refused = Outcome::Refused {
            rule: Rule::PreflightResync,
            message: "2 sync operations FAILED".into(),
        };
        let line = on_end(RunKind::Resync, "sub-1", &refused, 0).unwrap();
        assert_eq!(line.action, JournalAction::ResyncTriggered);
        assert_eq!(line.answer.outcome, AnswerOutcome::Refused);
        assert_eq!(
            line.answer.message.as_deref(),
            Some("2 sync operations FAILED")
        );
        let error = |during| Outcome::Error {
            code: ErrorCode::ServerError,
            message: "HTTP 500".into(),
            during,
        };
        let line = on_end(
            RunKind::Verify,
            "sub-1",
            &error(Some(Phase::Triggering {
                job: TriggerKind::Find,
            })),
            1,
        )
        .unwrap();
        assert_eq!(line.action, JournalAction::FindTriggered);
        assert_eq!(line.answer.outcome, AnswerOutcome::Failed);
        let line = on_end(
            RunKind::Verify,
            "sub-1",
            &error(Some(Phase::DeletingLogs)),
            0,
        )
        .unwrap();
        assert_eq!(line.action, JournalAction::MismatchDataDeleted);
        assert!(on_end(RunKind::Find, "sub-1", &error(Some(Phase::Preflight)), 0).is_some());
        // After the trigger, a failure watching or fetching is not a trigger's answer.
        assert_eq!(
            on_end(
                RunKind::Find,
                "sub-1",
                &error(Some(Phase::FetchingReport)),
                1
            ),
            None
        );
        assert_eq!(on_end(RunKind::Find, "sub-1", &error(None), 1), None);
        assert_eq!(on_end(RunKind::Find, "sub-1", &Outcome::InSync, 1), None);
    }
}
