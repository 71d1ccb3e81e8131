//! Tauri commands: short, instrumented, delegating to `dx-staging` through [`crate::state`].
//! Every command returns `Result<_, AppError>`, which reaches the UI as `{code, message, field}`.

pub mod app;
pub mod data;
pub mod library;
pub mod profiles;
pub mod reports;
pub mod runs;

use crate::error::{AppError, AppResult};

/// Runs blocking work (keyring calls) off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Keyring {
            detail: format!("keyring task failed: {e}"),
        })?
}
