//! DAM Staging Console: the Tauri 2 desktop app. Commands are thin and delegate to
//! `dx-staging`; see `ARCHITECTURE.md` (Layers).

pub mod audit;
pub mod bindings;
pub mod commands;
pub mod connections;
pub mod demo;
pub mod dto;
pub mod error;
pub mod fleet;
pub mod logging;
pub mod paths;
pub mod reports;
pub mod runs;
pub mod schedules;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
pub mod tray;
pub mod webview_env;

use tauri::Manager;

use crate::connections::Connections;
use crate::runs::RunManager;
use crate::secrets::Secrets;
use crate::state::AppState;
use crate::store::ProfileStore;

/// The app identifier: the keyring service name and the data folder name.
pub const IDENTIFIER: &str = "io.github.dam-staging-console";

/// Starts the app. `--demo` starts demo mode.
pub fn run() {
    let demo = std::env::args().any(|a| a == "--demo");
    let specta = bindings::builder();
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            // Also a window closed to the tray (scheduled checks) comes back.
            tray::show_main(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(specta.invoke_handler())
        // A file dropped on the window may be opened: the drop comes from the system, never
        // from the page, and reaches Rust before the page can ask for the file.
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) => {
                approve_dropped(window.app_handle(), paths);
            }
            tauri::WindowEvent::CloseRequested { api, .. }
                if keep_running_for_schedules(window.app_handle()) =>
            {
                api.prevent_close();
                let _ = window.hide();
            }
            _ => {}
        })
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                approve_dropped(webview.app_handle(), paths);
            }
        })
        .setup(move |app| {
            let paths = app.path();
            let data_dir = paths.app_data_dir()?;
            let log_dir = paths.app_log_dir()?;
            let cache_dir = paths.app_cache_dir()?;
            if let Some(guard) = logging::init(&log_dir) {
                app.manage(LogGuard(guard));
            }
            tracing::info!(version = env!("CARGO_PKG_VERSION"), demo, "starting");
            startup::remove_leftover_temp_files(&data_dir);
            let store = ProfileStore::open(&data_dir)?;
            let export_dir =
                reports::default_export_dir(paths.document_dir().ok(), paths.home_dir().ok());
            app.manage(AppState::new(
                Connections::new(store, Secrets::new(IDENTIFIER), cache_dir),
                RunManager::in_data_dir(&data_dir),
                export_dir,
                log_dir,
            ));
            if demo {
                let handle = app.handle().clone();
                tauri::async_runtime::block_on(async move {
                    let state = handle.state::<AppState>();
                    if let Err(e) = demo::ensure_started(&state.connections).await {
                        tracing::error!(error = %e, "demo mode could not start");
                    }
                });
            }
            let state = app.state::<AppState>();
            let runs = state.runs.clone();
            runs::resume_unfinished(app.handle(), &runs);
            // Scheduled checks run while the app runs; a slot missed while it was closed runs
            // once now.
            if state.schedules.any() {
                tray::ensure(app.handle());
            }
            tauri::async_runtime::spawn(schedules::run_scheduler(
                app.handle().clone(),
                runs,
                state.schedules.clone(),
                schedules::tick(),
            ));
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("dam-staging-console: {e}");
            std::process::exit(1);
        });
}

/// Whether closing the window should keep the app running (hidden, in the tray): when a
/// publisher has scheduled checks. The first time, a notification says so.
fn keep_running_for_schedules(app: &tauri::AppHandle) -> bool {
    let Some(state) = app.try_state::<AppState>() else {
        return false;
    };
    if !state.schedules.any() {
        return false;
    }
    let tray = tray::ensure(app);
    if state.schedules.first_tray_notice() {
        use tauri_plugin_notification::NotificationExt;
        let how = if tray {
            "Open it again from its tray icon; Quit there stops the checks."
        } else {
            "Start it again to bring the window back."
        };
        let body = format!("DAM Staging Console keeps running for its scheduled checks. {how}");
        if let Err(e) = app
            .notification()
            .builder()
            .title("Still running")
            .body(body)
            .show()
        {
            tracing::warn!(error = %e, "notification not shown");
        }
    }
    true
}

/// Lets the window read the files the user dropped on it.
fn approve_dropped(app: &tauri::AppHandle, paths: &[std::path::PathBuf]) {
    if let Some(state) = app.try_state::<AppState>() {
        for p in paths {
            state.paths.approve(p, paths::Access::Read);
        }
    }
}

/// Keeps the log writer flushing until the app ends.
struct LogGuard(#[allow(dead_code)] tracing_appender::non_blocking::WorkerGuard);
