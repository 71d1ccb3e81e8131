//! The report library: past reports per profile, compare two, remove a local copy.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{AppError, AppResult};
use crate::reports::dto::ComparisonDto;
use crate::reports::library::{self, LibraryEntry};
use crate::workbench::Workbench;

/// The reports of a profile, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(wb), err)]
pub async fn list_library(
    wb: State<'_, Workbench>,
    profile_id: String,
) -> AppResult<Vec<LibraryEntry>> {
    Ok(library::list(wb.runs.library(), &profile_id))
}

/// Removes a local copy of a report (the server keeps its logs).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(wb), err)]
pub async fn remove_library_report(wb: State<'_, Workbench>, path: String) -> AppResult<()> {
    library::remove(wb.runs.library(), &PathBuf::from(path))
}

/// Compares two reports: only in A, only in B, in both; each side opens like any report.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err)]
pub async fn compare_reports(
    app: AppHandle,
    path_a: String,
    path_b: String,
) -> AppResult<ComparisonDto> {
    tokio::task::spawn_blocking(move || {
        let wb = app.state::<Workbench>();
        wb.reports
            .compare_files(&PathBuf::from(path_a), &PathBuf::from(path_b))
    })
    .await
    .map_err(|e| AppError::Report {
        detail: format!("the comparison failed: {e}"),
    })?
}

/// Opens the library folder of a profile in the system's file manager.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, wb), err)]
pub async fn open_library_folder(
    app: AppHandle,
    wb: State<'_, Workbench>,
    profile_id: String,
) -> AppResult<()> {
    let dir = library::profile_dir(wb.runs.library(), &profile_id);
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Report {
        detail: format!("{}: {e}", dir.display()),
    })?;
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| AppError::Refused(format!("could not open {}: {e}", dir.display())))
}
