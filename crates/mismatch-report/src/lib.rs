//! Mismatch reports of HCL DX DAM staging: the row model, CSV reading and writing, an in-memory
//! column store with filtered/sorted windows, summaries and diffs. No HTTP, no Tauri.

// `domain_enum!` names this crate by its name, from inside it as from outside.
extern crate self as mismatch_report;

/// What [`domain_enum!`] expands to refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use specta;
}

pub mod cell;
pub mod error;
pub mod header;
pub mod model;
pub mod writer;

pub use error::ReportError;
pub use header::{Column, HeaderMap};
pub use model::{MismatchRow, RecordAction, RecordType, CANONICAL_HEADER};
pub use writer::{ReportWriter, WriteSummary, WriterOptions};
pub mod reader;
pub use reader::{OnMalformed, ReaderOptions, ReportReader, Skipped};
pub mod store;
pub use store::{
    ColumnWindow, Direction, Filter, LoadProgress, Query, QueryResult, ReportDiff, ReportStore,
    Summary, SummaryCell, SummaryCounter, WarmUp, WindowRow, XlsxAbout, XlsxSummary,
};
