//! The fleet's rules: which saved connections are publishers ([`publishers`]), what a
//! subscriber's reports and finished runs say of it ([`facts`]), its state in words for a fleet
//! overview: in sync, drifted, unknown or stale, with the reason and since when ([`assess`]),
//! and the queue of finds for "check stale" ([`stale_candidates`]).
//!
//! Pure: no I/O and no clock (`now` is a parameter). The caller gathers the inputs
//! ([`ReportPoint`], [`RunEnd`]) from its saved runs and reports.

use chrono::{DateTime, Duration, TimeDelta, Utc};
use mismatch_report::RecordAction;
use serde::{Deserialize, Serialize};

use crate::counts::{self, count};
use crate::profile::Profile;
use crate::workflow::{Outcome, RunKind};

/// What the last find of a subscriber found. A verify's find counts as a find here: the caller
/// passes the latest find, whether a find run or a verify made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FindFacts {
    /// When the find ran (its report was fetched).
    #[specta(type = String)]
    pub at: DateTime<Utc>,
    /// Mismatches in its report.
    #[specta(type = u32)]
    pub mismatches: u64,
    /// Mismatches per action (`CREATE`, `UPDATE`, `DELETE`, …), in the order to show them.
    #[specta(type = Vec<(RecordAction, u32)>)]
    pub by_action: Vec<(RecordAction, u64)>,
    /// False when the report was fetched before DX said the find completed, or is otherwise
    /// possibly partial.
    pub complete: bool,
    /// The find failed (or was stuck): it says nothing about the subscriber.
    pub failed: bool,
}

/// When a resync or a verify last ran and whether it succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RunFacts {
    /// When the run ended.
    #[specta(type = String)]
    pub at: DateTime<Utc>,
    /// It ended well.
    pub succeeded: bool,
}

/// Everything [`assess`] looks at for one subscriber.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberFacts {
    /// The latest find (including a verify's find).
    pub last_find: Option<FindFacts>,
    /// The latest resync.
    pub last_resync: Option<RunFacts>,
    /// The latest verify.
    pub last_verify: Option<RunFacts>,
    /// The time of the earliest find of the current unbroken series of finds with mismatches
    /// (the caller computes it from the report history); `since` of a drifted assessment.
    #[specta(type = Option<String>)]
    pub drift_since: Option<DateTime<Utc>>,
}

/// A subscriber's state in the fleet overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum FleetState {
    /// The last find, recent and complete, found no mismatch.
    InSync,
    /// The last find, recent, found mismatches (at least that many if it may be partial).
    Drifted,
    /// No find yet, or the last one failed or may be partial without showing a mismatch.
    Unknown,
    /// The last find is older than the stale limit.
    Stale,
}

impl FleetState {
    /// A short label: "In sync", "Drifted", "Unknown", "Stale".
    pub fn label(&self) -> &'static str {
        match self {
            FleetState::InSync => "In sync",
            FleetState::Drifted => "Drifted",
            FleetState::Unknown => "Unknown",
            FleetState::Stale => "Stale",
        }
    }
}

/// The state of one subscriber, in words ([`assess`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    /// The state.
    pub state: FleetState,
    /// Why, in the user's words ("12 mismatches found 3 days ago: 8 UPDATE, 4 CREATE").
    pub reason: String,
    /// Since when: for [`FleetState::Drifted`] the facts' `drift_since` (the last find's time
    /// when that is unknown); otherwise the last find's time; `None` without a find.
    #[specta(type = Option<String>)]
    pub since: Option<DateTime<Utc>>,
}

/// The state of one subscriber at `now`, with the reason in words.
///
/// The rules, in order (the first that applies decides):
///
/// 1. No find → [`FleetState::Unknown`], "No find yet".
/// 2. The last find failed → Unknown, "Last find failed 2 hours ago".
/// 3. The last find is older than `stale_after` (strictly) → [`FleetState::Stale`], whatever it
///    found: "Last find 9 days ago, older than 7 days".
/// 4. The last find may be partial (`complete` false) and found no mismatch → Unknown, "Last find
///    2 hours ago may be partial (fetched before the find completed)".
/// 5. It found no mismatch → [`FleetState::InSync`], "No mismatches found 3 days ago".
/// 6. It found mismatches → [`FleetState::Drifted`], "12 mismatches found 3 days ago: 8 UPDATE,
///    4 CREATE" ("At least 12 mismatches …, may be partial" when not complete). When a resync
///    ended after that find, the state stays Drifted (only a find can show it in sync) and the
///    reason adds what happened since: "; resynced since, verify to confirm", or "; resynced
///    since, the verify after it failed" when a verify after the resync failed, or "; a resync
///    since failed". A verify that ran after the resync passes its find as the last find, so
///    with 0 mismatches it is rule 5 (in sync).
pub fn assess(facts: &SubscriberFacts, now: DateTime<Utc>, stale_after: Duration) -> Assessment {
    let Some(find) = &facts.last_find else {
        return Assessment {
            state: FleetState::Unknown,
            reason: "No find yet".to_string(),
            since: None,
        };
    };
    let when = ago(find.at, now);
    let found = |state: FleetState, reason: String| Assessment {
        state,
        reason,
        since: Some(find.at),
    };
    if find.failed {
        return found(FleetState::Unknown, format!("Last find failed {when}"));
    }
    if now - find.at > stale_after {
        return found(
            FleetState::Stale,
            format!("Last find {when}, older than {}", span(stale_after)),
        );
    }
    if find.mismatches == 0 {
        return if find.complete {
            found(FleetState::InSync, format!("No mismatches found {when}"))
        } else {
            found(
                FleetState::Unknown,
                format!("Last find {when} may be partial (fetched before the find completed)"),
            )
        };
    }
    let mut reason = format!(
        "{}{} found {when}",
        if find.complete { "" } else { "At least " },
        count(find.mismatches, "mismatch", "mismatches"),
    );
    let actions: Vec<String> = find
        .by_action
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(action, n)| format!("{} {action}", counts::grouped(*n)))
        .collect();
    if !actions.is_empty() {
        reason.push_str(": ");
        reason.push_str(&actions.join(", "));
    }
    if !find.complete {
        reason.push_str(" (may be partial)");
    }
    if let Some(resync) = facts.last_resync.filter(|r| r.at > find.at) {
        let failed_verify = facts
            .last_verify
            .is_some_and(|v| v.at > resync.at && !v.succeeded);
        reason.push_str(match (resync.succeeded, failed_verify) {
            (false, _) => "; a resync since failed",
            (true, true) => "; resynced since, the verify after it failed",
            (true, false) => "; resynced since, verify to confirm",
        });
    }
    Assessment {
        state: FleetState::Drifted,
        reason,
        since: facts.drift_since.or(Some(find.at)),
    }
}

/// The finds that "check stale" runs: every subscriber whose state is [`FleetState::Stale`] or
/// [`FleetState::Unknown`] (no recent, complete find tells its state), grouped per publisher so
/// that the finds go one publisher at a time. Publishers come in the order of their first entry,
/// subscribers in the order given (each once); publishers with nothing to check are left out.
pub fn stale_candidates(entries: &[(String, String, Assessment)]) -> Vec<(String, Vec<String>)> {
    let mut queue: Vec<(String, Vec<String>)> = Vec::new();
    for (publisher, subscriber, assessment) in entries {
        if !matches!(assessment.state, FleetState::Stale | FleetState::Unknown) {
            continue;
        }
        let index = match queue.iter().position(|(p, _)| p == publisher) {
            Some(i) => i,
            None => {
                queue.push((publisher.clone(), Vec::new()));
                queue.len() - 1
            }
        };
        let subscribers = &mut queue[index].1;
        if !subscribers.contains(subscriber) {
            subscribers.push(subscriber.clone());
        }
    }
    queue
}

/// The publisher connections among `profiles`: those no other profile names as one of its
/// subscribers' environments (a link, or the older single link kept as the fallback), in the
/// given order.
pub fn publishers(profiles: &[Profile]) -> Vec<Profile> {
    profiles
        .iter()
        .filter(|p| {
            !profiles
                .iter()
                .any(|o| o.id != p.id && o.names_environment(&p.id))
        })
        .cloned()
        .collect()
}

/// One report of a subscriber, as [`facts`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPoint {
    /// When it was fetched.
    pub at: DateTime<Utc>,
    /// Mismatches in it.
    pub total: u64,
    /// Mismatches per action, in the order to show them.
    pub by_action: Vec<(RecordAction, u64)>,
    /// The report is the whole of its find's logs
    /// ([`ReportMeta::is_complete`](crate::report::ReportMeta::is_complete)).
    pub complete: bool,
}

/// One finished run of a subscriber, as [`facts`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEnd {
    /// What the run did.
    pub kind: RunKind,
    /// How it ended.
    pub outcome: Outcome,
    /// When it ended.
    pub ended: DateTime<Utc>,
}

impl RunEnd {
    /// The end of a saved run, which keeps its start and the seconds it ran: the start plus
    /// those seconds.
    pub fn after(
        kind: RunKind,
        outcome: Outcome,
        started: DateTime<Utc>,
        elapsed_secs: u64,
    ) -> RunEnd {
        let ran = i64::try_from(elapsed_secs)
            .ok()
            .and_then(TimeDelta::try_seconds)
            .unwrap_or(TimeDelta::MAX);
        RunEnd {
            kind,
            outcome,
            ended: started
                .checked_add_signed(ran)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }
}

/// What one subscriber's reports (in any order) and finished runs say of it:
///
/// - the last find: its newest report (with its counts), unless a find failed after it. A
///   failed find is a find or verify run that ended [`Outcome::FindFailed`], [`Outcome::Stuck`]
///   or [`Outcome::Error`]; it says nothing about the subscriber ([`FindFacts::failed`]).
/// - the last resync: the newest that asked DX something. [`Outcome::ResyncDone`] succeeded
///   when no `sync*` operation was left failed; [`Outcome::ResyncFailed`], `Stuck` and `Error`
///   failed; a refused one ([`Outcome::Refused`]: nothing was asked of DX) is left out.
/// - the last verify: [`Outcome::Verified`] and [`Outcome::InSync`] succeeded, a refused one is
///   left out, any other outcome failed.
/// - since when it drifts: the time of the oldest report of the unbroken series of reports with
///   mismatches up to the newest (`None` when the newest found none).
pub fn facts(reports: &[ReportPoint], runs: &[RunEnd]) -> SubscriberFacts {
    let mut reports: Vec<&ReportPoint> = reports.iter().collect();
    reports.sort_by_key(|r| r.at);
    let newest_report = reports.last().map(|r| FindFacts {
        at: r.at,
        mismatches: r.total,
        by_action: r.by_action.clone(),
        complete: r.complete,
        failed: false,
    });
    let failed_find = runs
        .iter()
        .filter(|r| is_failed_find(r))
        .map(|r| r.ended)
        .max();
    let last_find = match (newest_report, failed_find) {
        (Some(found), Some(failed)) if failed > found.at => Some(failed_find_facts(failed)),
        (Some(found), _) => Some(found),
        (None, Some(failed)) => Some(failed_find_facts(failed)),
        (None, None) => None,
    };
    let newest_run = |kind: RunKind, succeeded: fn(&Outcome) -> Option<bool>| {
        runs.iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| {
                Some(RunFacts {
                    at: r.ended,
                    succeeded: succeeded(&r.outcome)?,
                })
            })
            .max_by_key(|f| f.at)
    };
    let drift_since = reports
        .iter()
        .rev()
        .take_while(|r| r.total > 0)
        .last()
        .map(|r| r.at);
    SubscriberFacts {
        last_find,
        last_resync: newest_run(RunKind::Resync, resync_succeeded),
        last_verify: newest_run(RunKind::Verify, verify_succeeded),
        drift_since,
    }
}

/// A find or verify run whose find failed, was stuck or stopped on an error.
fn is_failed_find(run: &RunEnd) -> bool {
    matches!(run.kind, RunKind::Find | RunKind::Verify)
        && matches!(
            run.outcome,
            Outcome::FindFailed { .. } | Outcome::Stuck { .. } | Outcome::Error { .. }
        )
}

fn failed_find_facts(at: DateTime<Utc>) -> FindFacts {
    FindFacts {
        at,
        mismatches: 0,
        by_action: Vec::new(),
        complete: false,
        failed: true,
    }
}

/// Whether a resync succeeded; `None` when nothing was asked of DX.
fn resync_succeeded(outcome: &Outcome) -> Option<bool> {
    match outcome {
        Outcome::ResyncDone {
            operations_failed, ..
        } => Some(*operations_failed == 0),
        Outcome::ResyncFailed | Outcome::Stuck { .. } | Outcome::Error { .. } => Some(false),
        // Refused: nothing was asked of DX.
        _ => None,
    }
}

/// Whether a verify succeeded; `None` when it was refused.
fn verify_succeeded(outcome: &Outcome) -> Option<bool> {
    match outcome {
        Outcome::Verified { .. } | Outcome::InSync => Some(true),
        Outcome::Refused { .. } => None,
        _ => Some(false),
    }
}

/// How long ago, in words: "just now", "5 minutes ago", "3 hours ago", "9 days ago". A time in
/// the future (clock skew) is "just now".
fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = now - at;
    if d < Duration::minutes(1) {
        "just now".to_string()
    } else {
        format!("{} ago", span(d))
    }
}

/// A duration in its largest whole unit: "7 days", "1 hour", "30 minutes" (at least minutes).
fn span(d: Duration) -> String {
    if d.num_days() >= 1 {
        count(d.num_days() as u64, "day", "days")
    } else if d.num_hours() >= 1 {
        count(d.num_hours() as u64, "hour", "hours")
    } else {
        count(d.num_minutes().max(0) as u64, "minute", "minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2024-03-10T12:00:00Z".parse().unwrap()
    }

    fn days_ago(d: i64) -> DateTime<Utc> {
        now() - Duration::days(d)
    }

    fn week() -> Duration {
        Duration::days(7)
    }

    fn find(at: DateTime<Utc>, mismatches: u64) -> FindFacts {
        FindFacts {
            at,
            mismatches,
            by_action: Vec::new(),
            complete: true,
            failed: false,
        }
    }

    fn with_find(f: FindFacts) -> SubscriberFacts {
        SubscriberFacts {
            last_find: Some(f),
            ..SubscriberFacts::default()
        }
    }

    #[test]
    fn no_find_is_unknown() {
        let a = assess(&SubscriberFacts::default(), now(), week());
        assert_eq!(a.state, FleetState::Unknown);
        assert_eq!(a.reason, "No find yet");
        assert_eq!(a.since, None);
    }

    #[test]
    fn failed_find_is_unknown_even_when_old() {
        let mut f = find(now() - Duration::hours(2), 0);
        f.failed = true;
        let a = assess(&with_find(f.clone()), now(), week());
        assert_eq!(a.state, FleetState::Unknown);
        assert_eq!(a.reason, "Last find failed 2 hours ago");
        assert_eq!(a.since, Some(f.at));
        f.at = days_ago(30);
        let a = assess(&with_find(f), now(), week());
        assert_eq!(a.state, FleetState::Unknown);
        assert_eq!(a.reason, "Last find failed 30 days ago");
    }

    #[test]
    fn old_find_is_stale_whatever_it_found() {
        for mismatches in [0, 12] {
            let a = assess(&with_find(find(days_ago(9), mismatches)), now(), week());
            assert_eq!(a.state, FleetState::Stale);
            assert_eq!(a.reason, "Last find 9 days ago, older than 7 days");
            assert_eq!(a.since, Some(days_ago(9)));
        }
        // Exactly at the limit is not stale yet.
        let a = assess(&with_find(find(days_ago(7), 0)), now(), week());
        assert_eq!(a.state, FleetState::InSync);
        let a = assess(&with_find(find(days_ago(2), 0)), now(), Duration::hours(12));
        assert_eq!(a.reason, "Last find 2 days ago, older than 12 hours");
    }

    #[test]
    fn zero_mismatches_is_in_sync() {
        let a = assess(&with_find(find(days_ago(3), 0)), now(), week());
        assert_eq!(a.state, FleetState::InSync);
        assert_eq!(a.reason, "No mismatches found 3 days ago");
        assert_eq!(a.since, Some(days_ago(3)));
        let a = assess(
            &with_find(find(now() - Duration::seconds(20), 0)),
            now(),
            week(),
        );
        assert_eq!(a.reason, "No mismatches found just now");
    }

    #[test]
    fn mismatches_are_drifted_with_counts_by_action() {
        let mut f = find(days_ago(3), 12);
        f.by_action = vec![
            (RecordAction::Update, 8),
            (RecordAction::Create, 4),
            (RecordAction::Delete, 0),
        ];
        let a = assess(&with_find(f), now(), week());
        assert_eq!(a.state, FleetState::Drifted);
        assert_eq!(
            a.reason,
            "12 mismatches found 3 days ago: 8 UPDATE, 4 CREATE"
        );
        assert_eq!(
            a.since,
            Some(days_ago(3)),
            "without drift_since: the find's time"
        );
        let a = assess(
            &with_find(find(now() - Duration::minutes(1), 1)),
            now(),
            week(),
        );
        assert_eq!(a.reason, "1 mismatch found 1 minute ago");
    }

    #[test]
    fn large_counts_group_their_thousands() {
        let mut f = find(days_ago(2), 12_345);
        f.by_action = vec![(RecordAction::Create, 12_000), (RecordAction::Delete, 345)];
        let a = assess(&with_find(f), now(), week());
        assert_eq!(
            a.reason,
            "12,345 mismatches found 2 days ago: 12,000 CREATE, 345 DELETE"
        );
    }

    #[test]
    fn drift_since_is_passed_through() {
        let facts = SubscriberFacts {
            drift_since: Some(days_ago(5)),
            ..with_find(find(days_ago(1), 3))
        };
        let a = assess(&facts, now(), week());
        assert_eq!(a.state, FleetState::Drifted);
        assert_eq!(a.since, Some(days_ago(5)));
    }

    #[test]
    fn incomplete_find() {
        let mut f = find(now() - Duration::hours(2), 0);
        f.complete = false;
        let a = assess(&with_find(f.clone()), now(), week());
        assert_eq!(a.state, FleetState::Unknown);
        assert_eq!(
            a.reason,
            "Last find 2 hours ago may be partial (fetched before the find completed)"
        );
        f.mismatches = 12;
        let a = assess(&with_find(f), now(), week());
        assert_eq!(a.state, FleetState::Drifted);
        assert_eq!(
            a.reason,
            "At least 12 mismatches found 2 hours ago (may be partial)"
        );
    }

    #[test]
    fn resync_after_the_find_stays_drifted_until_verified() {
        let resync = RunFacts {
            at: days_ago(2),
            succeeded: true,
        };
        let facts = SubscriberFacts {
            last_resync: Some(resync),
            ..with_find(find(days_ago(3), 12))
        };
        let a = assess(&facts, now(), week());
        assert_eq!(a.state, FleetState::Drifted);
        assert_eq!(
            a.reason,
            "12 mismatches found 3 days ago; resynced since, verify to confirm"
        );

        // A failed verify after the resync.
        let failed_verify = SubscriberFacts {
            last_verify: Some(RunFacts {
                at: days_ago(1),
                succeeded: false,
            }),
            ..facts.clone()
        };
        assert_eq!(
            assess(&failed_verify, now(), week()).reason,
            "12 mismatches found 3 days ago; resynced since, the verify after it failed"
        );

        // A failed resync.
        let failed_resync = SubscriberFacts {
            last_resync: Some(RunFacts {
                at: days_ago(2),
                succeeded: false,
            }),
            ..facts.clone()
        };
        assert_eq!(
            assess(&failed_resync, now(), week()).reason,
            "12 mismatches found 3 days ago; a resync since failed"
        );

        // A resync before the find changes nothing.
        let before = SubscriberFacts {
            last_resync: Some(RunFacts {
                at: days_ago(4),
                succeeded: true,
            }),
            ..with_find(find(days_ago(3), 12))
        };
        assert_eq!(
            assess(&before, now(), week()).reason,
            "12 mismatches found 3 days ago"
        );

        // The verify's find after the resync found nothing: in sync.
        let verified = SubscriberFacts {
            last_verify: Some(RunFacts {
                at: days_ago(1),
                succeeded: true,
            }),
            ..SubscriberFacts {
                last_find: Some(find(days_ago(1), 0)),
                ..facts
            }
        };
        let a = assess(&verified, now(), week());
        assert_eq!(a.state, FleetState::InSync);
        assert_eq!(a.reason, "No mismatches found 1 day ago");
    }

    #[test]
    fn serde_and_labels() {
        let a = assess(&with_find(find(days_ago(3), 0)), now(), week());
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::json!({
                "state": "inSync",
                "reason": "No mismatches found 3 days ago",
                "since": "2024-03-07T12:00:00Z"
            })
        );
        assert_eq!(FleetState::InSync.label(), "In sync");
        assert_eq!(FleetState::Stale.label(), "Stale");
    }

    #[test]
    fn stale_candidates_go_one_publisher_at_a_time() {
        let of = |state: FleetState| Assessment {
            state,
            reason: String::new(),
            since: None,
        };
        let e = |p: &str, s: &str, state| (p.to_string(), s.to_string(), of(state));
        let entries = vec![
            e("pub-b", "sub-1", FleetState::Stale),
            e("pub-a", "sub-9", FleetState::InSync),
            e("pub-a", "sub-2", FleetState::Unknown),
            e("pub-b", "sub-3", FleetState::Drifted),
            e("pub-b", "sub-4", FleetState::Stale),
            e("pub-a", "sub-5", FleetState::Stale),
            e("pub-b", "sub-1", FleetState::Stale),
            e("pub-c", "sub-6", FleetState::InSync),
        ];
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            stale_candidates(&entries),
            vec![
                ("pub-b".to_string(), s(&["sub-1", "sub-4"])),
                ("pub-a".to_string(), s(&["sub-2", "sub-5"])),
            ]
        );
        assert!(stale_candidates(&[]).is_empty());
    }

    #[test]
    fn profiles_named_as_a_subscriber_environment_are_not_publishers() {
        let mut publisher = Profile::new("pub.example.com", "wpsadmin");
        publisher.id = "pub".into();
        publisher.set_link("blue", Some("env-blue"));
        publisher.set_link("green", Some("env-green"));
        let mut older = Profile::new("pub2.example.com", "wpsadmin");
        older.id = "pub2".into();
        older.fallback_subscriber_profile_id = Some("subenv".into());
        let env = |id: &str| {
            let mut p = Profile::new(format!("{id}.example.com"), "wpsadmin");
            p.id = id.into();
            p
        };
        let mut other = Profile::new("other.example.com", "wpsadmin");
        other.id = "other".into();
        let ids: Vec<String> = publishers(&[
            publisher,
            env("env-blue"),
            older,
            env("subenv"),
            env("env-green"),
            other,
        ])
        .into_iter()
        .map(|p| p.id)
        .collect();
        assert_eq!(ids, ["pub", "pub2", "other"]);
    }

    fn report(at: DateTime<Utc>, total: u64) -> ReportPoint {
        ReportPoint {
            at,
            total,
            by_action: Vec::new(),
            complete: true,
        }
    }

    fn ended(kind: RunKind, outcome: Outcome, at: DateTime<Utc>) -> RunEnd {
        RunEnd {
            kind,
            outcome,
            ended: at,
        }
    }

    fn diagnosis() -> crate::workflow::Diagnosis {
        crate::workflow::Diagnosis::from_operations(&[])
    }

    fn error() -> Outcome {
        Outcome::Error {
            code: crate::ErrorCode::Network,
            message: "network".into(),
            during: None,
        }
    }

    fn refused() -> Outcome {
        Outcome::Refused {
            rule: crate::Rule::PreflightResync,
            message: "no".into(),
        }
    }

    #[test]
    fn the_last_find_is_the_newest_report_with_its_counts() {
        let mut newest = report(days_ago(1), 3);
        newest.by_action = vec![(RecordAction::Create, 2), (RecordAction::Delete, 1)];
        newest.complete = false;
        // In any order: the newest by time is the last find.
        let f = facts(&[newest.clone(), report(days_ago(2), 0)], &[]);
        assert_eq!(
            f.last_find,
            Some(FindFacts {
                at: days_ago(1),
                mismatches: 3,
                by_action: newest.by_action,
                complete: false,
                failed: false,
            })
        );
        assert_eq!(facts(&[], &[]), SubscriberFacts::default());
    }

    #[test]
    fn a_failed_find_newer_than_the_newest_report_wins() {
        let reports = [report(days_ago(3), 2)];
        for (kind, outcome) in [
            (
                RunKind::Find,
                Outcome::FindFailed {
                    diagnosis: diagnosis(),
                },
            ),
            (
                RunKind::Verify,
                Outcome::Stuck {
                    minutes: 31,
                    diagnosis: diagnosis(),
                    rule: crate::FindWatch::TimeLimit,
                },
            ),
            (RunKind::Find, error()),
        ] {
            let f = facts(&reports, &[ended(kind, outcome.clone(), days_ago(1))]);
            let find = f.last_find.unwrap();
            assert!(find.failed, "{kind:?} {outcome:?}");
            assert_eq!(find.at, days_ago(1));
            assert_eq!((find.mismatches, find.complete), (0, false));
            // Older than the newest report: the report is the last find.
            let f = facts(&reports, &[ended(kind, outcome, days_ago(4))]);
            assert!(!f.last_find.unwrap().failed);
        }
        // Without a report, a failed find is the last find.
        let f = facts(&[], &[ended(RunKind::Find, error(), days_ago(1))]);
        assert!(f.last_find.unwrap().failed);
        // A resync's error, a refused find and a find that found drift are no failed find.
        for (kind, outcome) in [
            (RunKind::Resync, error()),
            (RunKind::Find, refused()),
            (RunKind::Find, Outcome::MismatchesFound { rows: 2 }),
        ] {
            let f = facts(&reports, &[ended(kind, outcome, days_ago(1))]);
            assert!(!f.last_find.unwrap().failed);
        }
    }

    #[test]
    fn a_resync_succeeds_without_failed_operations_and_a_refused_one_is_left_out() {
        let resync = |outcome: Outcome| {
            facts(&[], &[ended(RunKind::Resync, outcome, days_ago(1))]).last_resync
        };
        let done = |operations_failed| Outcome::ResyncDone {
            operations_watched: true,
            operations_failed,
        };
        let at = |succeeded| {
            Some(RunFacts {
                at: days_ago(1),
                succeeded,
            })
        };
        assert_eq!(resync(done(0)), at(true));
        assert_eq!(resync(done(2)), at(false));
        assert_eq!(resync(Outcome::ResyncFailed), at(false));
        assert_eq!(
            resync(Outcome::Stuck {
                minutes: 40,
                diagnosis: diagnosis(),
                rule: crate::FindWatch::TimeLimit,
            }),
            at(false)
        );
        assert_eq!(resync(error()), at(false));
        assert_eq!(resync(refused()), None);
        // The newest counts; a refused one after it does not hide it.
        let f = facts(
            &[],
            &[
                ended(RunKind::Resync, done(0), days_ago(3)),
                ended(RunKind::Resync, Outcome::ResyncFailed, days_ago(2)),
                ended(RunKind::Resync, refused(), days_ago(1)),
                ended(RunKind::Verify, Outcome::InSync, days_ago(1)),
            ],
        );
        assert_eq!(
            f.last_resync,
            Some(RunFacts {
                at: days_ago(2),
                succeeded: false
            })
        );
    }

    #[test]
    fn a_verify_succeeds_when_verified_or_in_sync_and_a_refused_one_is_left_out() {
        let verify = |outcome: Outcome| {
            facts(&[], &[ended(RunKind::Verify, outcome, days_ago(1))])
                .last_verify
                .map(|v| v.succeeded)
        };
        assert_eq!(
            verify(Outcome::Verified {
                remaining: 0,
                diff: None
            }),
            Some(true)
        );
        assert_eq!(verify(Outcome::InSync), Some(true));
        assert_eq!(verify(Outcome::MismatchesFound { rows: 3 }), Some(false));
        assert_eq!(verify(error()), Some(false));
        assert_eq!(verify(refused()), None);
    }

    #[test]
    fn the_drift_began_with_the_first_of_the_unbroken_series_of_reports_with_mismatches() {
        let reports = [
            report(days_ago(3), 2),
            report(days_ago(1), 2),
            report(days_ago(4), 0),
            report(days_ago(2), 1),
        ];
        assert_eq!(facts(&reports, &[]).drift_since, Some(days_ago(3)));
        // The newest found none: no drift.
        let reports = [report(days_ago(2), 2), report(days_ago(1), 0)];
        assert_eq!(facts(&reports, &[]).drift_since, None);
        // Every report found mismatches: since the first.
        let reports = [report(days_ago(2), 2), report(days_ago(1), 1)];
        assert_eq!(facts(&reports, &[]).drift_since, Some(days_ago(2)));
    }

    #[test]
    fn a_saved_run_ends_its_elapsed_seconds_after_its_start() {
        let end = RunEnd::after(RunKind::Find, Outcome::InSync, days_ago(1), 90);
        assert_eq!(end.ended, days_ago(1) + Duration::seconds(90));
        let end = RunEnd::after(RunKind::Find, Outcome::InSync, days_ago(1), u64::MAX);
        assert_eq!(end.ended, DateTime::<Utc>::MAX_UTC);
    }
}
