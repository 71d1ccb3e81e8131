//! The report viewer: open a CSV (with progress and cancel), windows of rows, counts by type ×
//! action, one row, export, and one record compared on both environments. The report stays in
//! Rust ([`crate::reports`]); the grid asks for windows.

use std::path::{Path, PathBuf};

use dx_staging::journal::{JournalAction, JournalAnswer, JournalEntry};
use dx_staging::record_compare::{
    compare_record as compare_record_on_both, RecordComparison, SubscriberSide,
};
use mismatch_report::Filter;
use mismatch_report::RecordType;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::{AppError, AppResult};
use crate::paths::{check_export_target, Access};
use crate::reports::dto::{
    ExportFormat, ExportResult, GridWindow, LoadProgressDto, ReportInfoDto, RowDetail, SummaryDto,
    ViewSort, WindowRequest,
};
use crate::reports::export_file_name;
use crate::state::AppState;
use crate::sync::blocking;

/// Opens a report file; progress goes to `on_progress`; `cancel_report_load(load_id)` stops it.
/// The file must be in the library or the export folder, or chosen in a dialog or dropped.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, on_progress), err)]
pub async fn open_report(
    app: AppHandle,
    path: String,
    load_id: String,
    on_progress: Channel<LoadProgressDto>,
) -> AppResult<ReportInfoDto> {
    use tauri::Manager;
    blocking("report task", move || {
        let state = app.state::<AppState>();
        let mut last = std::time::Instant::now();
        open(&state, &path, &load_id, &mut |p| {
            if last.elapsed().as_millis() >= 50 || p.bytes >= p.total_bytes {
                last = std::time::Instant::now();
                let _ = on_progress.send(p);
            }
        })
    })
    .await
}

/// The logic of [`open_report`] (blocking).
pub fn open(
    state: &AppState,
    path: &str,
    load_id: &str,
    progress: &mut dyn FnMut(LoadProgressDto),
) -> AppResult<ReportInfoDto> {
    state.paths.check_str(path, Access::Read)?;
    state
        .reports
        .load_file(Path::new(path.trim()), load_id, progress)
}

/// Stops a load in progress.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn cancel_report_load(state: State<'_, AppState>, load_id: String) -> AppResult<bool> {
    Ok(state.reports.cancel_load(&load_id))
}

/// The native "open" dialog for a CSV report; `None` when dismissed. The chosen file may then
/// be opened or compared.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err)]
pub async fn pick_report_file(app: AppHandle) -> AppResult<Option<String>> {
    pick_file_to_read(app, "Open a mismatch report", ("CSV reports", &["csv"])).await
}

/// The native "open" dialog titled `title` showing files of `filter` (name, extensions); the
/// chosen file is approved for reading in this run. `None` when dismissed.
pub(crate) async fn pick_file_to_read(
    app: AppHandle,
    title: &'static str,
    filter: (&'static str, &'static [&'static str]),
) -> AppResult<Option<String>> {
    use tauri::Manager;
    blocking("report task", move || {
        let picked = app
            .dialog()
            .file()
            .set_title(title)
            .add_filter(filter.0, filter.1)
            .blocking_pick_file()
            .and_then(|f| f.into_path().ok());
        if let Some(p) = &picked {
            app.state::<AppState>().paths.approve(p, Access::Read);
        }
        Ok(picked.map(|p| p.display().to_string()))
    })
    .await
}

/// A window of filtered, sorted rows.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request), fields(offset = request.offset, limit = request.limit), err)]
pub async fn report_window(
    state: State<'_, AppState>,
    handle: String,
    request: WindowRequest,
) -> AppResult<GridWindow> {
    state.reports.window(&handle, &request)
}

/// Counts by type × action of the filtered rows.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn report_summary(
    state: State<'_, AppState>,
    handle: String,
    filter: Filter,
) -> AppResult<SummaryDto> {
    state.reports.summary(&handle, &filter)
}

/// Every field of one row.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn report_row(
    state: State<'_, AppState>,
    handle: String,
    index: u32,
) -> AppResult<RowDetail> {
    state.reports.row(&handle, index)
}

/// Closes a report (frees its memory).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn close_report(state: State<'_, AppState>, handle: String) -> AppResult<()> {
    state.reports.close(&handle);
    Ok(())
}

/// Where an export goes by default: `<documents>/store/outputFiles/<report>-filtered.csv`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn default_export_path(
    state: State<'_, AppState>,
    handle: String,
    filtered: bool,
) -> AppResult<String> {
    let r = state.reports.get(&handle)?;
    Ok(state
        .export_dir
        .join(export_file_name(&r.info.title, filtered))
        .display()
        .to_string())
}

/// The native "save" dialog for an export; `None` when dismissed. The dialog starts at
/// `suggested` when that is in the export folder (created if missing), else in the export
/// folder with the suggested name. The chosen file may then be written by [`export_report`].
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err)]
pub async fn pick_export_path(app: AppHandle, suggested: String) -> AppResult<Option<String>> {
    use tauri::Manager;
    blocking("report task", move || {
        let state = app.state::<AppState>();
        let (dir, name) = dialog_start(&state, &suggested);
        let mut d = app
            .dialog()
            .file()
            .set_title("Export")
            .add_filter("CSV", &["csv"])
            .add_filter("Excel workbook", &["xlsx"]);
        let _ = std::fs::create_dir_all(&dir);
        d = d.set_directory(&dir);
        if let Some(name) = name {
            d = d.set_file_name(name);
        }
        let picked = d.blocking_save_file().and_then(|f| f.into_path().ok());
        if let Some(p) = &picked {
            state.paths.approve(p, Access::Write);
        }
        Ok(picked.map(|p| p.display().to_string()))
    })
    .await
}

/// Where the save dialog starts for a suggested path: its folder when the window may write
/// there (a suggestion elsewhere is not a place the app creates folders in), else the export
/// folder; and the suggested file name, if any.
pub fn dialog_start(state: &AppState, suggested: &str) -> (PathBuf, Option<String>) {
    let suggested = PathBuf::from(suggested.trim());
    let name = suggested
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let dir = match state.paths.check(&suggested, Access::Write) {
        Ok(_) => suggested
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| state.export_dir.clone()),
        Err(_) => state.export_dir.clone(),
    };
    (dir, name)
}

/// Writes the rows matching `filter` (every row for an empty filter) to `path`: a `.csv` file or
/// an Excel workbook (`.xlsx`, with a summary sheet naming `subscriber_name`) in the export
/// folder or chosen in the save dialog. An existing file is replaced only with `overwrite` (the
/// window asks the user first); otherwise the error is `export_exists`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, filter, sort), err)]
pub async fn export_report(
    app: AppHandle,
    handle: String,
    filter: Filter,
    sort: Option<ViewSort>,
    path: String,
    overwrite: bool,
    subscriber_name: Option<String>,
) -> AppResult<ExportResult> {
    use tauri::Manager;
    blocking("report task", move || {
        let state = app.state::<AppState>();
        export(
            &state,
            &handle,
            &filter,
            sort.as_ref(),
            &path,
            overwrite,
            subscriber_name.as_deref(),
        )
    })
    .await
}

/// The logic of [`export_report`] (blocking).
pub fn export(
    state: &AppState,
    handle: &str,
    filter: &Filter,
    sort: Option<&ViewSort>,
    path: &str,
    overwrite: bool,
    subscriber_name: Option<&str>,
) -> AppResult<ExportResult> {
    if path.trim().is_empty() {
        return Err(AppError::ExportPathMissing);
    }
    check_export_target(&state.paths, path, overwrite)?;
    let target = Path::new(path.trim());
    let result = match ExportFormat::of(target) {
        Some(ExportFormat::Xlsx) => {
            state
                .reports
                .export_xlsx(handle, filter, sort, target, subscriber_name)
        }
        _ => state.reports.export(handle, filter, sort, target),
    };
    state
        .runs
        .audit()
        .record(export_entry(state, handle, filter, path.trim(), &result));
    result
}

/// The journal's line for an export: the report, the file written, the rows.
pub fn export_entry(
    state: &AppState,
    handle: &str,
    filter: &Filter,
    path: &str,
    result: &AppResult<ExportResult>,
) -> JournalEntry {
    let title = state
        .reports
        .get(handle)
        .map(|r| r.info.title.clone())
        .unwrap_or_else(|_| handle.to_string());
    let filtered = if filter.is_empty() { "" } else { " (filtered)" };
    let answer = match result {
        Ok(r) => JournalAnswer::done().with_message(format!(
            "{} rows written",
            dx_staging::counts::grouped(u64::from(r.rows))
        )),
        Err(e) => e.journal_answer(),
    };
    JournalEntry::new(
        JournalAction::ReportExported,
        format!("Export {title}{filtered}"),
        answer,
    )
    .with_detail(path.to_string())
}

/// One record from the publisher and from the environment of subscriber `subscriber_id` (the
/// report row's subscriber), field by field. Without a subscriber id: the environment all the
/// publisher's subscribers share, when they share one.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn compare_record(
    state: State<'_, AppState>,
    profile_id: String,
    subscriber_id: Option<String>,
    record_type: RecordType,
    record_id: String,
) -> AppResult<RecordComparison> {
    compare(&state, profile_id, subscriber_id, record_type, record_id).await
}

/// The logic of [`compare_record`]: finds the two clients; `dx-staging` compares.
pub async fn compare(
    state: &AppState,
    profile_id: String,
    subscriber_id: Option<String>,
    record_type: RecordType,
    record_id: String,
) -> AppResult<RecordComparison> {
    let conns = &state.connections;
    let publisher = conns.client(&profile_id).await?;
    let env = crate::commands::data::operations_profile(
        conns,
        &profile_id,
        crate::dto::Environment::Subscriber,
        subscriber_id.as_deref().filter(|s| !s.is_empty()),
    )
    .await;
    let subscriber = match env {
        Err(AppError::NoLinkedProfile { .. }) => Err(match &subscriber_id {
            Some(s) => format!("No environment is linked to subscriber {s} of this publisher: link one in Profiles to compare."),
            None => "No subscriber environment is linked to this profile: link one in Profiles to compare.".to_string(),
        }),
        Err(e) => Err(e.to_string()),
        Ok(id) => conns.client(&id).await.map_err(|e| e.to_string()),
    };
    let side = match &subscriber {
        Ok(c) => SubscriberSide::Client(c),
        Err(why) => SubscriberSide::Unavailable(why),
    };
    Ok(compare_record_on_both(&publisher, side, &record_type, &record_id).await?)
}
