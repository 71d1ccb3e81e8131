//! DAM Staging Console: the Tauri 2 desktop app. Commands are thin and delegate to
//! `dx-staging`; see `ARCHITECTURE.md` (Layers).

pub mod bindings;
pub mod commands;
pub mod connections;
pub mod demo;
pub mod dto;
pub mod error;
pub mod logging;
pub mod paths;
pub mod reports;
pub mod runs;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
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
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(specta.invoke_handler())
        // A file dropped on the window may be opened: the drop comes from the system, never
        // from the page, and reaches Rust before the page can ask for the file.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                approve_dropped(window.app_handle(), paths);
            }
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
            let runs = app.state::<AppState>().runs.clone();
            runs::resume_unfinished(app.handle(), &runs);
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("dam-staging-console: {e}");
            std::process::exit(1);
        });
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
