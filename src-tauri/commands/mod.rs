//! Tauri commands: short, instrumented, delegating to `dx-staging` through [`crate::state::AppState`].
//! Every command returns `Result<_, AppError>`, which reaches the UI as `{code, message, field}`.

pub mod app;
pub mod data;
pub mod fleet;
pub mod journal;
pub mod library;
pub mod profiles;
pub mod reports;
pub mod runs;
pub mod subscribers;
