//! The state of the run wizard, the report viewer and the report library, managed by Tauri
//! beside [`crate::state::AppState`]: the open reports, the runs, their folders, and which file
//! paths the window may name ([`PathGuard`]).

use std::path::PathBuf;
use std::sync::Arc;

use crate::paths::PathGuard;
use crate::reports::ReportRegistry;
use crate::runs::RunManager;

/// Runs, open reports, the library and the export folder.
#[derive(Debug)]
pub struct Workbench {
    /// Open reports of the viewer.
    pub reports: ReportRegistry,
    /// Find / resync / verify runs.
    pub runs: Arc<RunManager>,
    /// Default folder of exports: `<documents>/store/outputFiles`, as DXClient users know it.
    pub export_dir: PathBuf,
    /// The files the window may read or write: the library, the export folder, and what the
    /// user chose in a dialog or dropped in this run.
    pub paths: PathGuard,
}

impl Workbench {
    /// Runs in `<data_dir>/runs`, the library in `<data_dir>/reports`.
    pub fn new(data_dir: &std::path::Path, export_dir: PathBuf) -> Self {
        Self::with_runs(
            RunManager::new(data_dir.join("runs"), data_dir.join("reports")),
            export_dir,
        )
    }

    /// A workbench over the given runs (and their library) and export folder. The window may
    /// read the library and read and write the export folder.
    pub fn with_runs(runs: RunManager, export_dir: PathBuf) -> Self {
        let paths = PathGuard::new(&[runs.library()], &[&export_dir]);
        Workbench {
            reports: ReportRegistry::new(),
            runs: Arc::new(runs),
            export_dir,
            paths,
        }
    }
}
