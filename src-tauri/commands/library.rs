//! The report library: past reports per profile, compare two, remove a local copy.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{AppError, AppResult};
use crate::paths::Access;
use crate::reports::dto::ComparisonDto;
use crate::reports::library::{self, LibraryEntry};
use crate::state::AppState;
use crate::sync::blocking;

/// The reports of a profile, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn list_library(
    state: State<'_, AppState>,
    profile_id: String,
) -> AppResult<Vec<LibraryEntry>> {
    Ok(library::list(state.runs.library(), &profile_id))
}

/// Removes a local copy of a report (the server keeps its logs). Only files of the library can
/// be removed (`path_not_allowed` otherwise), never a file chosen elsewhere.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn remove_library_report(state: State<'_, AppState>, path: String) -> AppResult<()> {
    remove(&state, &path)
}

/// The logic of [`remove_library_report`].
pub fn remove(state: &AppState, path: &str) -> AppResult<()> {
    library::remove(state.runs.library(), &PathBuf::from(path.trim()))
}

/// Compares two reports: only in A, only in B, in both; each side opens like any report. Both
/// files must be in the library or the export folder, or chosen in a dialog or dropped.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err)]
pub async fn compare_reports(
    app: AppHandle,
    path_a: String,
    path_b: String,
) -> AppResult<ComparisonDto> {
    blocking("comparison", move || {
        compare(&app.state::<AppState>(), &path_a, &path_b)
    })
    .await
}

/// The logic of [`compare_reports`] (blocking).
pub fn compare(state: &AppState, path_a: &str, path_b: &str) -> AppResult<ComparisonDto> {
    state.paths.check_str(path_a, Access::Read)?;
    state.paths.check_str(path_b, Access::Read)?;
    state
        .reports
        .compare_files(Path::new(path_a.trim()), Path::new(path_b.trim()))
}

/// Opens the library folder of a profile in the system's file manager.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err)]
pub async fn open_library_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    profile_id: String,
) -> AppResult<()> {
    let dir = library::profile_dir(state.runs.library(), &profile_id);
    std::fs::create_dir_all(&dir).map_err(|e| AppError::FileSystem {
        action: "creating the folder",
        path: dir.display().to_string(),
        detail: e.to_string(),
    })?;
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| AppError::OpenFolderFailed {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })
}
