//! Mismatch reports of HCL DX DAM staging: the row model, CSV reading and writing, an in-memory
//! column store with filtered/sorted windows, summaries and diffs. No HTTP, no Tauri.

pub mod model;

pub use model::{MismatchRow, RecordAction, RecordType};
