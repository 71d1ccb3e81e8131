//! The app around its runs without a window, for the command-layer tests.

use std::sync::Arc;

use dam_staging_console::runs::view::RunView;
use dam_staging_console::runs::RunHost;
use dam_staging_console::state::AppState;

/// A [`RunHost`] with no window: progress and notifications go nowhere.
#[derive(Clone)]
pub struct Host(pub Arc<AppState>);

impl RunHost for Host {
    fn app_state(&self) -> &AppState {
        &self.0
    }
    fn progress(&self, _view: &RunView) {}
    fn notify(&self, _title: &str, _body: &str) {}
}
