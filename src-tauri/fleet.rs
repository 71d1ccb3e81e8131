//! The fleet at a glance: every subscriber of every saved publisher connection with its last
//! find, resync and verify and its state in words, and a subscriber's drift over time from the
//! report library.
//!
//! This module only gathers: the library's reports (with their sidecars' counts, see
//! [`dx_staging::report::summary_of`]) and the saved runs, handed to `dx-staging`'s fleet rules
//! ([`facts`], [`assess`]) as [`ReportPoint`]s and [`RunEnd`]s. Only a subscriber list is asked
//! of DX, one publisher at a time and all publishers at once.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use dx_staging::fleet::{assess, facts, Assessment, ReportPoint, RunEnd, SubscriberFacts};
use mismatch_report::{RecordAction, RecordType, Summary, SummaryCell};
use serde::Serialize;
use specta::Type;

use crate::dto::SubscriberEnvView;
use crate::error::ErrorPayload;
use crate::reports::dto::clamp;
use crate::reports::library::{self, LibraryEntry};
use crate::runs::view::RunView;

/// One report of a subscriber in the library: a point of its drift over time.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DriftPoint {
    /// The report file.
    pub path: String,
    /// Its name.
    pub file_name: String,
    /// When it was fetched (ISO).
    pub at: String,
    /// Mismatches in it.
    pub total: u32,
    /// Mismatches per record action (DX's order).
    pub by_action: Vec<(RecordAction, u32)>,
    /// Mismatches per record type (DX's order).
    pub by_type: Vec<(RecordType, u32)>,
    /// The report explains both environments and was fetched after the find completed.
    pub complete: bool,
}

/// One subscriber in the fleet overview.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FleetSubscriber {
    /// The subscriber's registration id.
    pub subscriber_id: String,
    /// Its target host, when the publisher said.
    pub host: Option<String>,
    /// What the app knows of it.
    pub facts: SubscriberFacts,
    /// Its state in words.
    pub assessment: Assessment,
    /// Its environment's connection (or the one offered by host); `None` for a subscriber the
    /// publisher did not list.
    pub environment: Option<SubscriberEnvView>,
}

/// One publisher connection and its subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FleetPublisher {
    /// The connection profile.
    pub profile_id: String,
    /// Its display name.
    pub profile_name: String,
    /// The DX host.
    pub hostname: String,
    /// Why the subscriber list could not be read (the rows then come from the app's history).
    pub problem: Option<ErrorPayload>,
    /// Its subscribers.
    pub subscribers: Vec<FleetSubscriber>,
}

/// The fleet overview.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FleetOverview {
    /// Every publisher connection (profiles linked as another's subscriber environment are not
    /// publishers and are left out).
    pub publishers: Vec<FleetPublisher>,
    /// A find older than this many days makes a subscriber stale.
    pub stale_after_days: u32,
    /// When the overview was made (ISO).
    pub at: String,
}

fn pairs<K: PartialEq>(summary: &Summary, key: impl Fn(&SummaryCell) -> K) -> Vec<(K, u32)> {
    let mut out: Vec<(K, u32)> = Vec::new();
    for cell in &summary.cells {
        let k = key(cell);
        match out.iter_mut().find(|(name, _)| *name == k) {
            Some((_, n)) => *n = n.saturating_add(clamp(cell.count)),
            None => out.push((k, clamp(cell.count))),
        }
    }
    out
}

/// Counts by action in the order an administrator reads them: `RecordAction`'s own order, that
/// is DX's documented actions as in [`RecordAction::KNOWN`] (CREATE, UPDATE, DELETE), then any
/// other action DX may add, alphabetically.
fn in_action_order(mut pairs: Vec<(RecordAction, u32)>) -> Vec<(RecordAction, u32)> {
    pairs.sort_by(|(a, _), (b, _)| a.cmp(b));
    pairs
}

/// The drift points of one subscriber: its current (not archived) reports in the library,
/// oldest first. Archived copies repeat a report kept beside them and are left out.
pub fn drift_history(root: &Path, profile_id: &str, subscriber_id: &str) -> Vec<DriftPoint> {
    drift_points(&library::list(root, profile_id), subscriber_id)
}

/// [`drift_history`] from a library listing already read.
fn drift_points(entries: &[LibraryEntry], subscriber_id: &str) -> Vec<DriftPoint> {
    let mut points: Vec<DriftPoint> = entries
        .iter()
        .filter(|e| !e.archived && e.subscriber_id.as_deref() == Some(subscriber_id))
        .filter_map(|e| {
            let path = Path::new(&e.path);
            let meta = dx_staging::report::read_meta(path)?;
            let summary = match dx_staging::report::summary_of(path) {
                Ok(s) => s,
                Err(err) => {
                    tracing::warn!(error = %err, "a report of the library could not be counted");
                    return None;
                }
            };
            Some(DriftPoint {
                path: e.path.clone(),
                file_name: e.file_name.clone(),
                at: meta.fetched_at.to_rfc3339(),
                total: clamp(summary.total),
                by_action: in_action_order(pairs(&summary, |c| c.record_action.clone())),
                by_type: pairs(&summary, |c| c.record_type.clone()),
                complete: meta.is_complete(),
            })
        })
        .collect();
    points.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.file_name.cmp(&b.file_name)));
    points
}

fn parse_time(iso: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// What the app knows of one subscriber of `profile_id` (`dx-staging`'s [`facts`]): its drift
/// points and its finished runs among `runs`, as the core reads them.
fn subscriber_facts(
    points: &[DriftPoint],
    runs: &[RunView],
    profile_id: &str,
    subscriber_id: &str,
) -> SubscriberFacts {
    let reports: Vec<ReportPoint> = points
        .iter()
        .filter_map(|p| {
            Some(ReportPoint {
                at: parse_time(&p.at)?,
                total: u64::from(p.total),
                by_action: p
                    .by_action
                    .iter()
                    .map(|(a, n)| (a.clone(), u64::from(*n)))
                    .collect(),
                complete: p.complete,
            })
        })
        .collect();
    let ended: Vec<RunEnd> = runs
        .iter()
        .filter(|r| r.profile_id == profile_id && r.subscriber_id == subscriber_id && r.done)
        .filter_map(|r| {
            Some(RunEnd::after(
                r.kind,
                r.outcome.clone()?,
                parse_time(&r.started_at)?,
                u64::from(r.elapsed_secs),
            ))
        })
        .collect();
    facts(&reports, &ended)
}

/// One publisher's rows: each subscriber DX listed (with its host), then any the app has
/// history of that DX did not list (`None` hosts: unregistered since, or the list failed).
pub fn publisher_rows(
    root: &Path,
    profile_id: &str,
    listed: &[(String, Option<String>)],
    runs: &[RunView],
    now: DateTime<Utc>,
    stale_after: Duration,
) -> Vec<FleetSubscriber> {
    let mut ids: Vec<(String, Option<String>)> = listed.to_vec();
    let entries = library::list(root, profile_id);
    let known = entries
        .iter()
        .filter(|e| !e.archived)
        .filter_map(|e| e.subscriber_id.clone())
        .chain(
            runs.iter()
                .filter(|r| r.profile_id == profile_id)
                .map(|r| r.subscriber_id.clone()),
        );
    for id in known {
        if !ids.iter().any(|(i, _)| *i == id) {
            ids.push((id, None));
        }
    }
    ids.into_iter()
        .map(|(subscriber_id, host)| {
            let points = drift_points(&entries, &subscriber_id);
            let facts = subscriber_facts(&points, runs, profile_id, &subscriber_id);
            let assessment = assess(&facts, now, stale_after);
            FleetSubscriber {
                subscriber_id,
                host,
                facts,
                assessment,
                environment: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::view::{view_of, Live, RunOwner};
    use dx_staging::fleet::FleetState;
    use dx_staging::report::{meta_path, ReportMeta, ReportRequest};
    use dx_staging::workflow::{Outcome, Phase, RunConfig, RunKind, RunState};
    use mismatch_report::{MismatchRow, RecordAction, RecordType, ReportWriter, WriterOptions};

    fn write_report(
        root: &Path,
        profile: &str,
        sub: &str,
        name: &str,
        at: &str,
        rows: &[(RecordType, RecordAction)],
    ) {
        let dir = library::profile_dir(root, profile);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let mut w = ReportWriter::create(&path, WriterOptions::default()).unwrap();
        for (i, (t, a)) in rows.iter().enumerate() {
            w.write_row(&MismatchRow {
                subscriber_id: sub.into(),
                record_type: t.clone(),
                record_action: a.clone(),
                record_id: format!("r{i}"),
                ..Default::default()
            })
            .unwrap();
        }
        w.finish().unwrap();
        let meta = ReportMeta {
            source: "https://dx.example.com/dx/api/dam/v1".into(),
            request: ReportRequest {
                subscriber_id: Some(sub.into()),
                ..ReportRequest::default()
            },
            fetched_at: parse_time(at).unwrap(),
            rows: rows.len() as u64,
            possibly_inaccurate: false,
            status_at_fetch: None,
            complete: Some(true),
            find_started_at: None,
            possibly_partial: None,
            summary: None,
            earlier_logs_left_out: 0,
        };
        std::fs::write(meta_path(&path), serde_json::to_vec(&meta).unwrap()).unwrap();
    }

    const C: (RecordType, RecordAction) = (RecordType::MediaItem, RecordAction::Create);
    const D: (RecordType, RecordAction) = (RecordType::Rendition, RecordAction::Delete);

    #[test]
    fn actions_come_in_dx_order_then_unknown_ones_alphabetically() {
        let other = |s: &str| RecordAction::Other(s.into());
        let sorted = in_action_order(vec![
            (other("MOVE"), 1),
            (RecordAction::Delete, 2),
            (other("ARCHIVE"), 3),
            (RecordAction::Update, 4),
            (RecordAction::Create, 5),
        ]);
        let order: Vec<&str> = sorted.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(order, ["CREATE", "UPDATE", "DELETE", "ARCHIVE", "MOVE"]);
    }

    #[test]
    fn the_history_of_a_subscriber_is_its_reports_oldest_first_with_counts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_report(
            root,
            "p1",
            "sub-1",
            "b.csv",
            "2026-11-02T02:00:00Z",
            &[C, C, D],
        );
        write_report(root, "p1", "sub-1", "a.csv", "2026-11-01T02:00:00Z", &[C]);
        write_report(root, "p1", "sub-2", "c.csv", "2026-11-03T02:00:00Z", &[D]);
        let points = drift_history(root, "p1", "sub-1");
        assert_eq!(
            points
                .iter()
                .map(|p| p.file_name.as_str())
                .collect::<Vec<_>>(),
            ["a.csv", "b.csv"]
        );
        assert_eq!(points[1].total, 3);
        assert_eq!(
            points[1].by_action,
            vec![(RecordAction::Create, 2), (RecordAction::Delete, 1)]
        );
        assert_eq!(
            points[1].by_type,
            vec![(RecordType::MediaItem, 2), (RecordType::Rendition, 1)]
        );
        assert!(points[1].complete);
        // The counts are kept in the sidecars for the next time.
        assert!(dx_staging::report::read_meta(Path::new(&points[0].path))
            .unwrap()
            .summary
            .is_some());
    }

    #[test]
    fn a_subscribers_rows_say_its_state_and_since_when_it_drifts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_report(root, "p1", "sub-1", "a.csv", "2026-11-01T02:00:00Z", &[]);
        write_report(root, "p1", "sub-1", "b.csv", "2026-11-02T02:00:00Z", &[C]);
        write_report(
            root,
            "p1",
            "sub-1",
            "c.csv",
            "2026-11-03T02:00:00Z",
            &[C, D],
        );
        write_report(root, "p1", "sub-2", "d.csv", "2026-11-03T02:00:00Z", &[]);
        write_report(root, "p1", "gone", "e.csv", "2026-10-01T02:00:00Z", &[C]);
        let now = parse_time("2026-11-04T02:00:00Z").unwrap();
        let listed = vec![
            ("sub-1".to_string(), Some("sub1.example.com".to_string())),
            ("sub-2".to_string(), Some("sub2.example.com".to_string())),
            ("new".to_string(), Some("new.example.com".to_string())),
        ];
        let rows = publisher_rows(root, "p1", &listed, &[], now, Duration::days(7));
        let state = |id: &str| {
            rows.iter()
                .find(|r| r.subscriber_id == id)
                .map(|r| (r.assessment.state, r.host.clone()))
                .unwrap()
        };
        assert_eq!(state("sub-1").0, FleetState::Drifted);
        assert_eq!(state("sub-2").0, FleetState::InSync);
        assert_eq!(state("new").0, FleetState::Unknown);
        // Known from the library only: listed after the others, no host, stale.
        assert_eq!(state("gone"), (FleetState::Stale, None));
        assert_eq!(rows.last().unwrap().subscriber_id, "gone");
        let sub1 = &rows[0];
        assert_eq!(
            sub1.facts.drift_since,
            parse_time("2026-11-02T02:00:00Z"),
            "the drift began with the first of the unbroken series of reports with mismatches"
        );
        assert_eq!(sub1.facts.last_find.as_ref().unwrap().mismatches, 2);
    }

    /// A saved run of `kind` on `sub`, started at `at` and run for `secs`, ended with `outcome`
    /// when given (else still going).
    fn run(kind: RunKind, sub: &str, at: &str, secs: u64, outcome: Option<Outcome>) -> RunView {
        let mut s = RunState::new(kind, sub, RunConfig::default(), parse_time(at).unwrap());
        s.elapsed_secs = secs;
        if let Some(o) = outcome {
            s.phase = Phase::Done;
            s.outcome = Some(o);
        }
        let owner = RunOwner {
            profile_id: "p1".into(),
            journey_id: s.run_id.clone(),
        };
        view_of(&s, &owner, &Live::default())
    }

    #[test]
    fn a_subscribers_facts_take_its_finished_runs_ending_their_elapsed_time_after_their_start() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_report(root, "p1", "sub-1", "a.csv", "2026-11-01T02:00:00Z", &[C]);
        let failed = || {
            Some(Outcome::Error {
                code: dx_staging::ErrorCode::Network,
                message: "network".into(),
                during: None,
            })
        };
        let now = parse_time("2026-11-04T02:00:00Z").unwrap();
        let listed = [("sub-1".to_string(), None)];
        let state = |runs: &[RunView]| {
            let rows = publisher_rows(root, "p1", &listed, runs, now, Duration::days(7));
            rows[0].facts.clone()
        };
        // Another subscriber's failed find, and one of sub-1 not finished: the report stands.
        let others = [
            run(RunKind::Find, "sub-2", "2026-11-02T02:00:00Z", 60, failed()),
            run(RunKind::Find, "sub-1", "2026-11-02T02:00:00Z", 60, None),
        ];
        assert!(!state(&others).last_find.unwrap().failed);
        // sub-1's failed find ends 90 s after its start, after the report.
        let mine = [run(
            RunKind::Find,
            "sub-1",
            "2026-11-02T02:00:00Z",
            90,
            failed(),
        )];
        let find = state(&mine).last_find.unwrap();
        assert!(find.failed);
        assert_eq!(find.at, parse_time("2026-11-02T02:01:30Z").unwrap());
        let resync = [run(
            RunKind::Resync,
            "sub-1",
            "2026-11-02T02:00:00Z",
            30,
            Some(Outcome::ResyncFailed),
        )];
        assert_eq!(
            state(&resync).last_resync.map(|r| (r.at, r.succeeded)),
            Some((parse_time("2026-11-02T02:00:30Z").unwrap(), false))
        );
    }
}
