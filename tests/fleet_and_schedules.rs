//! The fleet overview, queued finds, scheduled checks and the audit journal at the command layer,
//! against the in-process `dam-sim` demo (a publisher with one drifted subscriber).

mod headless;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{FixedOffset, TimeZone, Utc};
use dam_staging_console::commands::fleet::{self, FindBatch};
use dam_staging_console::commands::{data, profiles};
use dam_staging_console::connections::Connections;
use dam_staging_console::demo::{self, DEMO_PUBLISHER_ID, DEMO_SUBSCRIBER_ID};
use dam_staging_console::runs::view::RunView;
use dam_staging_console::runs::{RunHost, RunManager};
use dam_staging_console::schedules::{check_publisher, DueCheck};
use dam_staging_console::state::AppState;
use dx_staging::fleet::FleetState;
use dx_staging::journal::{AnswerOutcome, JournalAction, JournalFilter};
use dx_staging::schedule::Schedule;
use dx_staging::workflow::DriverOptions;

/// A host that keeps the notifications it was asked to show.
#[derive(Clone)]
struct Recorder {
    state: Arc<AppState>,
    alerts: Arc<Mutex<Vec<(String, String)>>>,
}

impl RunHost for Recorder {
    fn connections(&self) -> &Connections {
        &self.state.connections
    }
    fn progress(&self, _view: &RunView) {}
    fn notify(&self, _title: &str, _body: &str) {}
    fn alert(&self, title: &str, body: &str) {
        self.alerts
            .lock()
            .unwrap()
            .push((title.to_string(), body.to_string()));
    }
}

async fn fixture() -> (tempfile::TempDir, Recorder) {
    let dir = tempfile::tempdir().unwrap();
    let runs = RunManager::with_options(
        dir.path().join("data/runs"),
        dir.path().join("data/reports"),
        DriverOptions {
            poll_min: Duration::from_millis(50),
            poll_max: Duration::from_millis(250),
            ..DriverOptions::default()
        },
    );
    let state = Arc::new(headless::app_state_with_runs(dir.path(), runs));
    demo::ensure_started(&state.connections)
        .await
        .expect("demo starts");
    let host = Recorder {
        state,
        alerts: Arc::new(Mutex::new(Vec::new())),
    };
    (dir, host)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fleet_says_unknown_then_drifted_after_queued_finds() {
    let (_dir, host) = fixture().await;
    let state = host.state.clone();
    let before = fleet::overview(&state, 7).await.unwrap();
    // The demo's subscriber environment is not a publisher.
    assert_eq!(before.publishers.len(), 1);
    let publisher = &before.publishers[0];
    assert_eq!(publisher.profile_id, DEMO_PUBLISHER_ID);
    assert!(publisher.problem.is_none());
    assert!(!before
        .publishers
        .iter()
        .any(|p| p.profile_id == DEMO_SUBSCRIBER_ID));
    let sub = &publisher.subscribers[0];
    assert_eq!(sub.assessment.state, FleetState::Unknown);
    assert!(
        sub.host.is_some(),
        "the publisher names the subscriber's host"
    );

    // Two finds, one after the other.
    let batch = FindBatch {
        profile_id: DEMO_PUBLISHER_ID.into(),
        subscriber_ids: vec![sub.subscriber_id.clone(), sub.subscriber_id.clone()],
    };
    let queue = fleet::checked(&state, vec![batch]).unwrap();
    state.runs.clone().find_in_turn(host.clone(), queue).await;
    let after = fleet::overview(&state, 7).await.unwrap();
    let sub = &after.publishers[0].subscribers[0];
    assert_eq!(sub.assessment.state, FleetState::Drifted, "{sub:#?}");
    let find = sub.facts.last_find.as_ref().unwrap();
    // Today's DX keeps a subscriber's mismatch logs across finds; queued finds leave them on the
    // server (schedules never delete) and report only the logs created since their trigger, so
    // the second report is complete on its own.
    assert!(
        find.mismatches > 0 && find.complete && !find.failed,
        "{find:#?}"
    );
    assert!(sub.assessment.reason.contains("mismatches found"));
    // Both finds are in the library: two points of drift, the oldest first.
    let points = dam_staging_console::fleet::drift_history(
        state.runs.library(),
        DEMO_PUBLISHER_ID,
        &sub.subscriber_id,
    );
    assert_eq!(points.len(), 2);
    assert!(points[0].at <= points[1].at);
    assert_eq!(points[1].total as u64, find.mismatches);
    // Both triggers are in the journal, accepted, with the connection and the DX user.
    let journal = state
        .runs
        .audit()
        .read(&JournalFilter::default(), 100)
        .unwrap();
    let finds: Vec<_> = journal
        .entries
        .iter()
        .filter(|e| e.action == JournalAction::FindTriggered)
        .collect();
    assert_eq!(finds.len(), 2, "{journal:#?}");
    assert!(finds
        .iter()
        .all(|e| e.answer.outcome == AnswerOutcome::Accepted
            && e.dx_user.is_some()
            && e.subscriber_id.as_deref() == Some(sub.subscriber_id.as_str())));
    // An empty batch is refused.
    assert!(fleet::checked(&state, vec![]).is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_check_finds_on_every_subscriber_notifies_drift_and_is_journaled() {
    let (_dir, host) = fixture().await;
    let state = host.state.clone();
    fleet::set(
        &state,
        DEMO_PUBLISHER_ID,
        Some(Schedule::Every { minutes: 15 }),
    )
    .unwrap();
    // Three slots missed: one check.
    let now = FixedOffset::east_opt(0)
        .unwrap()
        .from_utc_datetime(&(Utc::now() + chrono::Duration::hours(1)).naive_utc());
    let due = state.schedules.take_due(now);
    assert_eq!(due.len(), 1);
    assert!(due[0].missed >= 2, "{due:?}");
    assert!(state.schedules.take_due(now).is_empty());
    check_publisher(&host, &state.runs, &due[0]).await;

    let alerts = host.alerts.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].0.starts_with("Drift found on"), "{alerts:?}");
    let runs = state.runs.list(Some(DEMO_PUBLISHER_ID));
    assert_eq!(runs.len(), 1);
    assert!(runs[0].done);
    let journal = state
        .runs
        .audit()
        .read(&JournalFilter::default(), 100)
        .unwrap();
    let actions: Vec<JournalAction> = journal.entries.iter().map(|e| e.action).collect();
    // Newest first: the find's trigger, the check, the schedule set.
    assert_eq!(
        actions,
        [
            JournalAction::FindTriggered,
            JournalAction::ScheduleRun,
            JournalAction::ProfileChanged
        ]
    );
    // The find's trigger says which rule judges it (today's DX: its operations' progress).
    let trigger = journal.entries[0].detail.as_deref().unwrap_or_default();
    assert!(trigger.contains("CF218 or later"), "{trigger}");
    let check = &journal.entries[1];
    assert!(check
        .detail
        .as_deref()
        .unwrap()
        .contains("missed while the app was closed"));
    // Schedules only find: no deletion, no resync.
    assert!(!actions.contains(&JournalAction::MismatchDataDeleted));
    assert!(!actions.contains(&JournalAction::ResyncTriggered));

    // A check whose publisher refuses the login notifies and is journaled as failed.
    let mut draft = dam_staging_console::dto::ProfileDto::from(
        &state.connections.profile(DEMO_PUBLISHER_ID).unwrap(),
    );
    draft.id = String::new();
    draft.name = "Wrong password".into();
    draft.subscriber_profile_id = None;
    draft.subscriber_links.clear();
    let gone = profiles::save(&state, draft, Some("not-the-password".into()), None, false)
        .await
        .unwrap();
    let broken = DueCheck {
        profile_id: gone.profile.id.clone(),
        schedule: Schedule::Daily { hour: 2, minute: 0 },
        missed: 0,
    };
    check_publisher(&host, &state.runs, &broken).await;
    let alerts = host.alerts.lock().unwrap().clone();
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert_eq!(alerts[1].0, "Scheduled check of Wrong password failed");
    let newest = &state
        .runs
        .audit()
        .read(&JournalFilter::default(), 1)
        .unwrap()
        .entries[0];
    assert_eq!(newest.action, JournalAction::ScheduleRun);
    assert_eq!(newest.answer.outcome, AnswerOutcome::Failed);
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_changes_and_deletions_are_journaled_without_the_password() {
    let (_dir, host) = fixture().await;
    let state = host.state.clone();
    let mut draft = dam_staging_console::dto::ProfileDto::from(
        &state.connections.profile(DEMO_PUBLISHER_ID).unwrap(),
    );
    draft.id = String::new();
    draft.name = "Prod publisher".into();
    draft.subscriber_profile_id = None;
    draft.subscriber_links.clear();
    let secret = "s3cret-never-in-the-journal";
    let saved = profiles::save(&state, draft.clone(), Some(secret.into()), None, false)
        .await
        .unwrap();
    let mut changed = draft.clone();
    changed.id = saved.profile.id.clone();
    changed.dx_port = 10039;
    profiles::save(&state, changed, Some(secret.into()), None, false)
        .await
        .unwrap();
    fleet::set(
        &state,
        &saved.profile.id,
        Some(Schedule::Daily { hour: 2, minute: 0 }),
    )
    .unwrap();
    profiles::delete(&state, saved.profile.id.clone())
        .await
        .unwrap();
    assert!(
        state
            .schedules
            .list(chrono::Local::now().fixed_offset())
            .is_empty(),
        "a deleted profile's schedule goes with it"
    );
    let journal = state
        .runs
        .audit()
        .read(&JournalFilter::default(), 100)
        .unwrap();
    let actions: Vec<JournalAction> = journal.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            JournalAction::ProfileDeleted,
            JournalAction::ProfileChanged,
            JournalAction::ProfileChanged,
            JournalAction::ProfileCreated
        ]
    );
    assert_eq!(
        journal.entries[2].detail.as_deref(),
        Some("changed: dxPort, password")
    );
    assert!(journal.entries[1]
        .detail
        .as_deref()
        .unwrap()
        .contains("Daily at 02:00"));
    let file = std::fs::read_to_string(state.runs.audit().path()).unwrap();
    assert!(!file.contains(secret));
    // The subscriber list still works (nothing above touched the demo).
    assert!(
        !data::subscribers(&state.connections, DEMO_PUBLISHER_ID.into())
            .await
            .unwrap()
            .is_empty()
    );
}
