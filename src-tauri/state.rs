//! The app's one managed state: its connections, its runs, the reports open in the viewer,
//! which files the window may name, and its folders.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::connections::Connections;
use crate::paths::PathGuard;
use crate::reports::ReportRegistry;
use crate::runs::RunManager;
use crate::schedules::Schedules;
use crate::startup::StartupNotice;
use crate::sync::lock;

/// Everything the commands share, managed by Tauri.
pub struct AppState {
    /// Saved connections: profiles, passwords, DX clients, the demo.
    pub connections: Connections,
    /// Find / resync / verify runs.
    pub runs: Arc<RunManager>,
    /// Checks on a schedule, per publisher connection.
    pub schedules: Arc<Schedules>,
    /// Reports open in the viewer.
    pub reports: ReportRegistry,
    /// The files the window may read or write: the library, the export folder, and what the
    /// user chose in a dialog or dropped in this run.
    pub paths: PathGuard,
    /// Default folder of exports: `<documents>/store/outputFiles`, as DXClient users know it.
    pub export_dir: PathBuf,
    /// Where the rolling log files are.
    pub log_dir: PathBuf,
    /// What the window tells the user once after the start.
    notices: Mutex<Vec<StartupNotice>>,
}

impl AppState {
    /// The state over `connections` and `runs` (with their library). The window may read the
    /// library and read and write `export_dir`. A profiles file the store moved aside becomes a
    /// [`StartupNotice`].
    pub fn new(
        connections: Connections,
        runs: RunManager,
        export_dir: PathBuf,
        log_dir: PathBuf,
    ) -> Self {
        let notices = connections
            .store()
            .moved_aside()
            .map(StartupNotice::from)
            .into_iter()
            .collect();
        let paths = PathGuard::new(&[runs.library()], &[&export_dir]);
        // Beside the runs folder, in the app's data folder.
        let data_dir = runs.library().parent().unwrap_or(runs.library());
        let schedules = Arc::new(Schedules::in_data_dir(data_dir));
        AppState {
            schedules,
            connections,
            runs: Arc::new(runs),
            reports: ReportRegistry::new(),
            paths,
            export_dir,
            log_dir,
            notices: Mutex::new(notices),
        }
    }

    /// The start-up notices not shown yet; each is handed out once.
    pub fn take_notices(&self) -> Vec<StartupNotice> {
        std::mem::take(&mut *lock(&self.notices))
    }
}
