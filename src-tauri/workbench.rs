//! The state of the run wizard, the report viewer and the report library, managed by Tauri
//! beside [`crate::state::AppState`]: the open reports, the runs, and their folders.

use std::path::PathBuf;
use std::sync::Arc;

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
}

impl Workbench {
    /// Runs in `<data_dir>/runs`, the library in `<data_dir>/reports`.
    pub fn new(data_dir: &std::path::Path, export_dir: PathBuf) -> Self {
        Workbench {
            reports: ReportRegistry::new(),
            runs: Arc::new(RunManager::new(
                data_dir.join("runs"),
                data_dir.join("reports"),
            )),
            export_dir,
        }
    }
}
