//! The fleet overview: every subscriber of every publisher connection and its state in words,
//! one subscriber's drift over time, and finds queued on several subscribers (one publisher at
//! a time, one subscriber at a time).

use chrono::{Duration, Utc};
use dx_staging::fleet::publishers;
use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::schedule::Schedule;
use serde::Deserialize;
use specta::Type;
use tauri::{AppHandle, State};

use crate::connections::environment_views;
use crate::error::{AppError, AppResult};
use crate::fleet::{drift_history, publisher_rows, DriftPoint, FleetOverview, FleetPublisher};
use crate::schedules::ScheduleView;
use crate::state::AppState;
use crate::sync::blocking;

/// The fleet overview; a find older than `stale_after_days` makes a subscriber stale.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn fleet_overview(
    state: State<'_, AppState>,
    stale_after_days: u32,
) -> AppResult<FleetOverview> {
    overview(&state, stale_after_days).await
}

/// The logic of [`fleet_overview`]: the subscriber lists are asked of every publisher at once.
pub async fn overview(state: &AppState, stale_after_days: u32) -> AppResult<FleetOverview> {
    let profiles: Vec<_> = state.connections.store().all().cloned().collect();
    let pubs = publishers(&profiles);
    let lists = futures::future::join_all(pubs.iter().map(|p| async {
        let client = state.connections.client(&p.id).await?;
        Ok::<_, AppError>(client.subscribers().list().await?)
    }))
    .await;
    let runs = state.runs.list(None);
    let root = state.runs.library().to_path_buf();
    let now = Utc::now();
    let stale_after = Duration::days(i64::from(stale_after_days.max(1)));
    let work: Vec<_> = pubs.into_iter().zip(lists).collect();
    let publishers = blocking("fleet overview", move || {
        Ok(work
            .into_iter()
            .map(|(p, list)| {
                let (listed, problem, envs) = match list {
                    Ok(subs) => (
                        subs.iter()
                            .map(|s| (s.id_str().to_string(), s.target_host.clone()))
                            .collect(),
                        None,
                        environment_views(&p, &subs, &profiles),
                    ),
                    Err(e) => (Vec::new(), Some(e.payload()), Vec::new()),
                };
                let mut rows = publisher_rows(&root, &p.id, &listed, &runs, now, stale_after);
                for row in &mut rows {
                    row.environment = envs
                        .iter()
                        .find(|e| e.subscriber_id == row.subscriber_id)
                        .cloned();
                }
                FleetPublisher {
                    subscribers: rows,
                    profile_id: p.id,
                    profile_name: p.name,
                    hostname: p.hostname,
                    problem,
                }
            })
            .collect())
    })
    .await?;
    Ok(FleetOverview {
        publishers,
        stale_after_days: stale_after_days.max(1),
        at: now.to_rfc3339(),
    })
}

/// The drift of one subscriber over time: its reports in the library, oldest first, with
/// counts by action and by type.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn subscriber_drift(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: String,
) -> AppResult<Vec<DriftPoint>> {
    state.connections.profile(&profile_id)?;
    let root = state.runs.library().to_path_buf();
    blocking("drift history", move || {
        Ok(drift_history(&root, &profile_id, &subscriber_id))
    })
    .await
}

/// Finds to run on some subscribers of one publisher connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FindBatch {
    /// The publisher's profile.
    pub profile_id: String,
    /// Its subscribers, in the order to check them.
    pub subscriber_ids: Vec<String>,
}

/// Queues finds on the subscribers of `batches`: one publisher after the other, one subscriber
/// at a time, as DX requires. Each run appears in Runs when it starts. These finds keep the
/// server's existing mismatch logs (nothing is deleted). Returns how many finds were queued.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err)]
pub async fn queue_finds(
    app: AppHandle,
    state: State<'_, AppState>,
    batches: Vec<FindBatch>,
) -> AppResult<u32> {
    let queue = checked(&state, batches)?;
    let queued = queue.iter().map(|(_, subs)| subs.len() as u32).sum();
    tokio::spawn(state.runs.clone().find_in_turn(app, queue));
    Ok(queued)
}

/// The queue of finds for [`RunManager::find_in_turn`](crate::runs::RunManager::find_in_turn):
/// the batches with at least one subscriber, as (publisher, subscribers), each publisher known.
pub fn checked(state: &AppState, batches: Vec<FindBatch>) -> AppResult<Vec<(String, Vec<String>)>> {
    let queue: Vec<(String, Vec<String>)> = batches
        .into_iter()
        .filter(|b| !b.subscriber_ids.is_empty())
        .map(|b| (b.profile_id, b.subscriber_ids))
        .collect();
    if queue.is_empty() {
        return Err(AppError::NoSubscriberChosen);
    }
    for (profile_id, _) in &queue {
        state.connections.profile(profile_id)?;
    }
    Ok(queue)
}

/// Every publisher's schedule, with its next check.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn list_schedules(state: State<'_, AppState>) -> AppResult<Vec<ScheduleView>> {
    Ok(state.schedules.list(chrono::Local::now().fixed_offset()))
}

/// Sets (or, with `None`, removes) the schedule of the publisher `profile_id`: finds on all
/// its subscribers while the app runs (never a resync, never a deletion). The change goes to
/// the journal.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn set_schedule(
    state: State<'_, AppState>,
    profile_id: String,
    schedule: Option<Schedule>,
) -> AppResult<Vec<ScheduleView>> {
    set(&state, &profile_id, schedule)?;
    Ok(state.schedules.list(chrono::Local::now().fixed_offset()))
}

/// The logic of [`set_schedule`].
pub fn set(state: &AppState, profile_id: &str, schedule: Option<Schedule>) -> AppResult<()> {
    let profile = state.connections.profile(profile_id)?;
    state.schedules.set(profile_id, schedule, Utc::now())?;
    let detail = match &schedule {
        Some(s) => format!("schedule: {} (finds only)", s.describe()),
        None => "schedule removed".to_string(),
    };
    state.runs.audit().record(
        JournalEntry::new(
            JournalAction::ProfileChanged,
            format!("Change the scheduled checks of {}", profile.name),
            JournalAnswer::done(),
        )
        .with_profile(&profile)
        .with_detail(detail),
    );
    Ok(())
}
