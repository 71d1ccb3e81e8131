//! Verify's comparison of two report files, through `mismatch-report`'s store and diff.

use std::path::Path;

use mismatch_report::{ReaderOptions, ReportStore};

use super::state::DiffCounts;
use crate::error::{Error, Result};

/// Loads both reports and counts the rows only in `before`, only in `after`, and in both
/// (matched on record type, action and id).
pub fn diff_files(before: &Path, after: &Path) -> Result<DiffCounts> {
    let open =
        |p: &Path| ReportStore::open(p, ReaderOptions::default()).map_err(|e| Error::file(p, e));
    let a = open(before)?;
    let b = open(after)?;
    let d = ReportStore::diff(&a, &b);
    Ok(DiffCounts {
        only_before: d.only_a.len() as u64,
        only_after: d.only_b.len() as u64,
        in_both: d.both.len() as u64,
    })
}
