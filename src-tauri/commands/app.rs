//! App-level commands: start-up facts, demo mode, the logs folder.

use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::dto::{AppInfo, ProfileView};
use crate::error::{AppError, AppResult};
use crate::secrets::KeyringStatus;
use crate::startup::StartupNotice;
use crate::state::AppState;
use crate::sync::blocking;

/// Version, demo flag and the last selected profile: nothing slow (the keyring is
/// [`keyring_status`]), so the first frame does not wait.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn app_info(app: AppHandle, state: State<'_, AppState>) -> AppResult<AppInfo> {
    let demo = state.connections.demo.lock().await.is_some();
    Ok(AppInfo {
        version: app.package_info().version.to_string(),
        demo,
        selected_profile_id: state.connections.store().selected().map(str::to_string),
        log_dir: state.log_dir.display().to_string(),
    })
}

/// Whether the OS keyring works, checked with a harmless read. Asked after the first frame: a
/// Secret Service that is slow to answer never delays the window.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn keyring_status(state: State<'_, AppState>) -> AppResult<KeyringStatus> {
    let secrets = state.connections.secrets.clone();
    blocking("keyring call", move || Ok(secrets.status())).await
}

/// What the user must know about the start (a profiles file moved aside, ...), each notice
/// once: a second call returns what is new since.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn startup_notices(state: State<'_, AppState>) -> AppResult<Vec<StartupNotice>> {
    Ok(notices(&state))
}

/// The logic of [`startup_notices`].
pub fn notices(state: &AppState) -> Vec<StartupNotice> {
    state.take_notices()
}

/// Starts the demo (a simulated publisher and subscriber on loopback) if it is not running,
/// and returns the profiles, the demo ones included.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn start_demo(state: State<'_, AppState>) -> AppResult<Vec<ProfileView>> {
    crate::demo::ensure_started(&state.connections).await?;
    super::profiles::views(&state).await
}

/// Opens the folder of the log files in the system's file manager.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err)]
pub async fn open_log_folder(app: AppHandle, state: State<'_, AppState>) -> AppResult<()> {
    app.opener()
        .open_path(state.log_dir.display().to_string(), None::<&str>)
        .map_err(|e| AppError::OpenFolderFailed {
            path: state.log_dir.display().to_string(),
            detail: e.to_string(),
        })
}
