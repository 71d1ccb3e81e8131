//! The run wizard: start find / resync / verify runs (several subscribers queue, one at a time),
//! list them, stop watching, resume, forget; delete the server's mismatch logs (archived first).

use std::path::PathBuf;

use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::workflow::RunKind;
use dx_staging::FetchOptions;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, State};
use tokio_util::sync::CancellationToken;

use crate::error::{AppError, AppResult};
use crate::paths::Access;
use crate::reports::dto::clamp;
use crate::reports::library;
use crate::runs::view::RunView;
use crate::runs::{drive, RunHost};
use crate::state::AppState;

/// Every saved run of a profile (or of all profiles), newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn list_runs(
    state: State<'_, AppState>,
    profile_id: Option<String>,
) -> AppResult<Vec<RunView>> {
    Ok(state.runs.list(profile_id.as_deref()))
}

/// What to start: a run of `kind` on each of `subscriber_ids` of the
/// publisher `profile_id`. `journey_id` ties a resync or verify to the wizard of its find;
/// `previous_report` is what a verify compares with (default: the newest report in the library).
#[derive(Debug, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartRunsRequest {
    /// The publisher's profile.
    pub profile_id: String,
    /// The subscribers; several queue and run one at a time.
    pub subscriber_ids: Vec<String>,
    /// What the runs do.
    pub kind: RunKind,
    /// The wizard a resync or verify continues (one subscriber only).
    pub journey_id: Option<String>,
    /// The report a verify compares with.
    pub previous_report: Option<String>,
    /// Find: keep a checked copy of each subscriber's existing mismatch logs and delete them
    /// before triggering (HCL's advice before re-running a find). `None`: yes.
    pub clear_stale_logs: Option<bool>,
}

/// Starts the runs of a [`StartRunsRequest`]; they queue and run one at a time.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err)]
pub async fn start_runs(
    app: AppHandle,
    state: State<'_, AppState>,
    request: StartRunsRequest,
) -> AppResult<Vec<RunView>> {
    start(&app, &state, request)
}

/// The logic of [`start_runs`]: creates the runs and starts watching them on the current
/// async runtime. A verify's `previous_report` must be a file the window may read.
pub fn start<H: RunHost>(
    host: &H,
    state: &AppState,
    request: StartRunsRequest,
) -> AppResult<Vec<RunView>> {
    let StartRunsRequest {
        profile_id,
        subscriber_ids,
        kind,
        journey_id,
        previous_report,
        clear_stale_logs,
    } = request;
    let find_watch = host.connections().profile(&profile_id)?.find_watch();
    if subscriber_ids.is_empty() {
        return Err(AppError::NoSubscriberChosen);
    }
    let previous_report = previous_report.filter(|p| !p.trim().is_empty());
    if let Some(p) = &previous_report {
        state.paths.check_str(p, Access::Read)?;
    }
    let mut views = Vec::new();
    for sub in &subscriber_ids {
        let journey = if subscriber_ids.len() == 1 {
            journey_id.clone()
        } else {
            None
        };
        let s = state.runs.create(
            &profile_id,
            sub,
            kind,
            journey,
            previous_report.as_deref().map(|p| PathBuf::from(p.trim())),
            clear_stale_logs.unwrap_or(true),
            find_watch,
        )?;
        tokio::spawn(drive(host.clone(), state.runs.clone(), s.run_id.clone()));
        views.push(state.runs.view(&s.run_id)?);
    }
    Ok(views)
}

/// Stops watching a run; the job on the server goes on. `false` when it was not watched.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn cancel_run(state: State<'_, AppState>, run_id: String) -> AppResult<bool> {
    Ok(state.runs.cancel(&run_id))
}

/// Watches a run again from where it stopped.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err)]
pub async fn resume_run(
    app: AppHandle,
    state: State<'_, AppState>,
    run_id: String,
) -> AppResult<RunView> {
    let v = state.runs.view(&run_id)?;
    if !v.done && !state.runs.is_active(&run_id) {
        tokio::spawn(drive(app, state.runs.clone(), run_id.clone()));
    }
    state.runs.view(&run_id)
}

/// Forgets a run that is not being watched (its reports stay in the library).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn remove_run(state: State<'_, AppState>, run_id: String) -> AppResult<()> {
    state.runs.remove(&run_id)
}

/// What deleting the server's mismatch logs did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeleteLogsResult {
    /// The archived copy of the logs, taken before deleting.
    pub archived_path: String,
    /// Rows archived.
    pub archived_rows: u32,
}

/// Deletes the server's mismatch logs of one subscriber (or of all), after archiving them in
/// the library.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn delete_mismatch_logs(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: Option<String>,
) -> AppResult<DeleteLogsResult> {
    delete_logs(&state, profile_id, subscriber_id).await
}

/// The logic of [`delete_mismatch_logs`]; the deletion, done or not, goes to the journal.
pub async fn delete_logs(
    state: &AppState,
    profile_id: String,
    subscriber_id: Option<String>,
) -> AppResult<DeleteLogsResult> {
    let profile = state.connections.profile(&profile_id)?;
    let result = archive_and_delete(state, &profile_id, subscriber_id.as_deref()).await;
    let asked = match &subscriber_id {
        Some(s) => format!("Delete the mismatch logs of subscriber {s} (archived first)"),
        None => "Delete the mismatch logs of every subscriber (archived first)".to_string(),
    };
    let answer = match &result {
        Ok(r) => JournalAnswer::done().with_message(format!(
            "Deleted; {} rows archived in {}",
            dx_staging::counts::grouped(u64::from(r.archived_rows)),
            r.archived_path
        )),
        Err(e) => e.journal_answer(),
    };
    let mut entry =
        JournalEntry::new(JournalAction::MismatchDataDeleted, asked, answer).with_profile(&profile);
    if let Some(s) = subscriber_id {
        entry = entry.with_subscriber(s);
    }
    state.runs.audit().record(entry);
    result
}

async fn archive_and_delete(
    state: &AppState,
    profile_id: &str,
    subscriber_id: Option<&str>,
) -> AppResult<DeleteLogsResult> {
    let client = state.connections.client(profile_id).await?;
    let dir = library::archive_dir(state.runs.library(), profile_id);
    let path = dx_staging::report::default_report_path(&dir, subscriber_id, chrono::Utc::now());
    // dx-staging's rule: a complete, checked copy first; a refused deletion says why.
    let info = dx_staging::archive_then_delete_logs(
        &client,
        subscriber_id,
        &path,
        &FetchOptions::default(),
        &CancellationToken::new(),
    )
    .await?;
    Ok(DeleteLogsResult {
        archived_path: info.path.display().to_string(),
        archived_rows: clamp(info.rows),
    })
}
