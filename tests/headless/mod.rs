//! The app around its runs without a window, for the command-layer tests (each test binary
//! uses part of it).
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use dam_staging_console::connections::Connections;
use dam_staging_console::runs::view::RunView;
use dam_staging_console::runs::{RunHost, RunManager};
use dam_staging_console::secrets::Secrets;
use dam_staging_console::state::AppState;
use dam_staging_console::store::ProfileStore;

/// A [`RunHost`] with no window: progress and notifications go nowhere.
#[derive(Clone)]
pub struct Host(pub Arc<AppState>);

impl RunHost for Host {
    fn connections(&self) -> &Connections {
        &self.0.connections
    }
    fn progress(&self, _view: &RunView) {}
    fn notify(&self, _title: &str, _body: &str) {}
}

/// The app's state in `dir` as the app lays it out: profiles and runs under `data/`, exports in
/// `Documents/store/outputFiles`, passwords in memory.
pub fn app_state(dir: &Path) -> AppState {
    let data = dir.join("data");
    app_state_with_runs(dir, RunManager::in_data_dir(&data))
}

/// [`app_state`] with the given runs (shorter polls, say).
pub fn app_state_with_runs(dir: &Path, runs: RunManager) -> AppState {
    AppState::new(
        Connections::new(
            ProfileStore::open(&dir.join("data")).unwrap(),
            Secrets::memory_only(),
            dir.join("cache"),
        ),
        runs,
        exports_dir(dir),
        dir.join("logs"),
    )
}

/// Where [`app_state`] exports.
pub fn exports_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("Documents/store/outputFiles")
}
