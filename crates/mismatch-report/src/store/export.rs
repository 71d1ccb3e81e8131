//! Export of the current filter and sort through the streaming writer.

use std::path::Path;

use crate::error::ReportError;
use crate::header::Column;
use crate::writer::{ReportWriter, WriteSummary, WriterOptions};

use super::query::{Direction, Filter};
use super::ReportStore;

impl ReportStore {
    /// Writes the rows matching `filter`, in the order of `sort`, to a new report at `path`
    /// (temp file + rename, see [`ReportWriter`]). The report's extra columns are kept;
    /// `options.extra_columns` is ignored.
    pub fn export(
        &self,
        filter: &Filter,
        sort: Option<(Column, Direction)>,
        path: impl AsRef<Path>,
        options: WriterOptions,
    ) -> Result<WriteSummary, ReportError> {
        let rows = self.ordered(filter, sort)?;
        let options = WriterOptions {
            extra_columns: Some(self.extra.clone()),
            ..options
        };
        let mut w = ReportWriter::create(path, options)?;
        let mut bufs: Vec<Vec<u8>> = vec![Vec::with_capacity(64); 10 + self.extra.len()];
        for k in 0..rows.len() {
            let i = rows.get(k);
            for (c, buf) in Column::CANONICAL.iter().zip(bufs.iter_mut()) {
                self.cell_into(i, *c, buf);
            }
            for (e, buf) in bufs[10..].iter_mut().enumerate() {
                self.cell_into(i, Column::Extra(e as u16), buf);
            }
            let text = |b: &Vec<u8>| -> String { String::from_utf8_lossy(b).into_owned() };
            // The store holds checked UTF-8, so the lossy path never allocates in practice.
            let cells: Vec<std::borrow::Cow<'_, str>> =
                bufs.iter().map(|b| String::from_utf8_lossy(b)).collect();
            let _ = text;
            let canonical: [&str; 10] = std::array::from_fn(|j| cells[j].as_ref());
            let extras: Vec<&str> = cells[10..].iter().map(|c| c.as_ref()).collect();
            w.write_cells(&canonical, &extras)?;
        }
        w.finish()
    }
}
