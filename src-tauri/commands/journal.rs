//! The audit journal screen: the entries matching a filter, and their export as CSV.

use std::path::Path;

use dx_staging::journal::JournalFilter;
use tauri::State;

use crate::audit::JournalPage;
use crate::error::AppResult;
use crate::paths::check_export_target;
use crate::reports::dto::{ExportFormat, ExportResult};
use crate::state::AppState;
use crate::sync::blocking;

/// The most entries one answer carries (the screen says how many more match).
pub const JOURNAL_PAGE_MAX: u32 = 2000;

/// The journal's entries matching `filter`, newest first, at most `limit` (capped at
/// [`JOURNAL_PAGE_MAX`]), with the lines that could not be read.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn list_journal(
    state: State<'_, AppState>,
    filter: JournalFilter,
    limit: u32,
) -> AppResult<JournalPage> {
    let audit = state.runs.audit().clone();
    blocking("journal read", move || {
        audit.read(&filter, limit.min(JOURNAL_PAGE_MAX) as usize)
    })
    .await
}

/// Where a journal export goes by default: `<export folder>/dam-staging-journal-<date>.csv`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn default_journal_export_path(state: State<'_, AppState>) -> AppResult<String> {
    let name = format!(
        "dam-staging-journal-{}.csv",
        chrono::Local::now().format("%Y-%m-%d")
    );
    Ok(state.export_dir.join(name).display().to_string())
}

/// Writes the entries matching `filter` (newest first) as CSV to `path`, a `.csv` file in the
/// export folder or chosen in the save dialog; an existing file is replaced only with
/// `overwrite`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn export_journal(
    state: State<'_, AppState>,
    filter: JournalFilter,
    path: String,
    overwrite: bool,
) -> AppResult<ExportResult> {
    let target = check_export_target(&state.paths, &path, overwrite)?;
    if ExportFormat::of(&target) != Some(ExportFormat::Csv) {
        return Err(crate::error::AppError::ExportUnknownFormat { path });
    }
    let audit = state.runs.audit().clone();
    let written = path.trim().to_string();
    blocking("journal export", move || {
        export(&audit, &filter, Path::new(&written))
    })
    .await
}

/// The logic of [`export_journal`] once the target is allowed (blocking).
pub fn export(
    audit: &crate::audit::AuditTrail,
    filter: &JournalFilter,
    path: &Path,
) -> AppResult<ExportResult> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| crate::error::AppError::FileSystem {
            action: "creating the folder",
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
    }
    let rows = audit.export_csv(filter, path)?;
    let bytes = std::fs::metadata(path).map_or(0.0, |m| m.len() as f64);
    Ok(ExportResult {
        path: path.display().to_string(),
        rows,
        bytes,
    })
}
