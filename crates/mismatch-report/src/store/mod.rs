//! The in-memory, column-oriented report store.
//!
//! Type, action, subscriber, collection, name and created are dictionary-coded (`u32` per row
//! into a dictionary of distinct strings); record id, hashes, log id and extra columns are stored
//! compactly per row (lower-case UUIDs and hex packed to bytes, see [`column::encode_id`]), all
//! strings in arenas. The store is `Send + Sync`; queries take `&self` and share a small cache of
//! match sets and sort orders behind a mutex.

mod build;
pub mod column;
mod diff;
mod export;
mod load;
mod parse;
mod query;
mod sort;
mod summary;
mod xlsx;

use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, OnceLock};

use crate::error::ReportError;
use crate::header::{Column, HeaderMap};
use crate::model::{MismatchRow, RecordAction, RecordType, CANONICAL_HEADER};
use crate::reader::{ReaderOptions, Skipped};

use build::{slot, Builder, Slot, D_ACTION, D_TYPE, N_DICT, N_TEXT};
use column::{Arena, DictColumn, IdColumn};

pub use diff::{DiffSide, ReportDiff};
pub use load::LoadProgress;
pub use query::{ColumnWindow, Direction, Filter, Query, QueryResult, WindowRow};
pub use sort::WarmUp;
pub use summary::{Summary, SummaryCell, SummaryCounter};
pub use xlsx::{XlsxAbout, XlsxSummary};

/// A mismatch report loaded into memory for fast filtering, sorting and counting.
pub struct ReportStore {
    rows: usize,
    header: HeaderMap,
    extra: Vec<String>,
    dicts: [DictColumn; N_DICT],
    texts: [Arena; N_TEXT],
    ids: Vec<IdColumn>,
    types: Vec<RecordType>,
    actions: Vec<RecordAction>,
    skipped: Skipped,
    /// Lower-cased dictionaries and text columns, built on the first text search (or ahead of
    /// it: [`prepare_search`](Self::prepare_search)).
    lower: [OnceLock<Arena>; N_DICT],
    lower_text: [OnceLock<Arena>; N_TEXT],
    whole: OnceLock<Summary>,
    cache: Mutex<query::Cache>,
    sorts: Mutex<sort::SortCache>,
}

impl std::fmt::Debug for ReportStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportStore")
            .field("rows", &self.rows)
            .field("extra", &self.extra)
            .finish_non_exhaustive()
    }
}

impl ReportStore {
    /// Loads a report file (parallel, see [`load`](Self::load)).
    pub fn open(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, ReportError> {
        Self::load(path, options, &mut |_| {}, &AtomicBool::new(false))
    }

    /// Loads a report file, streaming it in chunks parsed on all cores. `progress` is called after
    /// each chunk (bytes and rows so far); setting `cancel` stops the load with
    /// [`ReportError::Cancelled`].
    pub fn load(
        path: impl AsRef<Path>,
        options: ReaderOptions,
        progress: &mut dyn FnMut(LoadProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, ReportError> {
        let l = load::load_path(path.as_ref(), &options, progress, cancel)?;
        Ok(Self::from_loaded(l))
    }

    /// Loads a report from any byte stream, in one pass on the calling thread.
    pub fn from_reader(source: impl Read, options: ReaderOptions) -> Result<Self, ReportError> {
        let l = load::load_sequential(source, 0, &options, &mut |_| {}, &AtomicBool::new(false))?;
        Ok(Self::from_loaded(l))
    }

    /// Builds a store from rows in memory (extra columns: the union of the rows' extras, in first
    /// seen order).
    pub fn from_rows<'a>(
        rows: impl IntoIterator<Item = &'a MismatchRow>,
    ) -> Result<Self, ReportError> {
        let rows: Vec<&MismatchRow> = rows.into_iter().collect();
        let mut extra: Vec<String> = Vec::new();
        for r in &rows {
            for (k, _) in &r.extra {
                if !extra.contains(k) {
                    extra.push(k.clone());
                }
            }
        }
        let raw: Vec<String> = CANONICAL_HEADER
            .iter()
            .map(|s| s.to_string())
            .chain(extra.iter().cloned())
            .collect();
        let header = HeaderMap::from_header(&raw)?;
        let mut columns = Builder::new(&header, false, rows.len(), 0);
        let mut block = Builder::new(&header, false, rows.len(), 0);
        let mut cells: Vec<&[u8]> = Vec::with_capacity(raw.len());
        for r in rows {
            cells.clear();
            cells.extend([
                r.subscriber_id.as_bytes(),
                r.record_type.as_str().as_bytes(),
                r.record_action.as_str().as_bytes(),
                r.record_id.as_bytes(),
                r.collection_id.as_bytes(),
                r.name.as_bytes(),
                r.publisher_hash.as_bytes(),
                r.subscriber_hash.as_bytes(),
                r.created.as_bytes(),
                r.log_id.as_bytes(),
            ]);
            for name in &extra {
                let v = r
                    .extra
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or("", |(_, v)| v);
                cells.push(v.as_bytes());
            }
            block.push(&cells[..])?;
        }
        columns.merge(block)?;
        Ok(Self::from_loaded(load::Loaded {
            header,
            columns,
            skipped: Skipped::default(),
        }))
    }

    fn from_loaded(l: load::Loaded) -> Self {
        let load::Loaded {
            header,
            columns,
            skipped,
        } = l;
        let Builder {
            rows,
            dicts,
            codes,
            mut texts,
            ids,
            ..
        } = columns;
        for t in texts.iter_mut() {
            t.shrink();
        }
        let mut dict_cols = dicts.into_iter().zip(codes).map(|(d, mut c)| {
            c.shrink_to_fit();
            DictColumn {
                codes: c,
                dict: d.into_values(),
            }
        });
        let dicts: [DictColumn; N_DICT] =
            std::array::from_fn(|_| dict_cols.next().unwrap_or_default());
        let ids: Vec<IdColumn> = ids
            .into_iter()
            .map(|mut a| {
                a.shrink();
                IdColumn { data: a }
            })
            .collect();
        let text = |a: &Arena, i: usize| String::from_utf8_lossy(a.get(i)).into_owned();
        let types = (0..dicts[D_TYPE].dict.len())
            .map(|i| RecordType::parse(&text(&dicts[D_TYPE].dict, i)))
            .collect();
        let actions = (0..dicts[D_ACTION].dict.len())
            .map(|i| RecordAction::parse(&text(&dicts[D_ACTION].dict, i)))
            .collect();
        ReportStore {
            rows,
            extra: header.extra.clone(),
            header,
            dicts,
            texts,
            ids,
            types,
            actions,
            skipped,
            lower: std::array::from_fn(|_| OnceLock::new()),
            lower_text: std::array::from_fn(|_| OnceLock::new()),
            whole: OnceLock::new(),
            cache: Mutex::new(query::Cache::default()),
            sorts: Mutex::new(sort::SortCache::default()),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether the report has no rows ("in sync").
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The names of the extra columns, in file order.
    pub fn extra_columns(&self) -> &[String] {
        &self.extra
    }

    /// The header of the source file as read.
    pub fn source_header(&self) -> &[String] {
        &self.header.raw
    }

    /// Lines skipped while loading (with [`crate::OnMalformed::Skip`]).
    pub fn skipped(&self) -> &Skipped {
        &self.skipped
    }

    /// The distinct values of a dictionary-coded column (subscriber, type, action, collection)
    /// in first-seen order; `None` for other columns.
    pub fn distinct_values(&self, column: Column) -> Option<Vec<String>> {
        match slot(column) {
            Slot::Dict(d) => {
                let a = &self.dicts[d].dict;
                Some(
                    (0..a.len())
                        .map(|i| String::from_utf8_lossy(a.get(i)).into_owned())
                        .collect(),
                )
            }
            Slot::Text(_) | Slot::Id(_) => None,
        }
    }

    /// Approximate heap memory held by the columns, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.dicts.iter().map(DictColumn::heap_bytes).sum::<usize>()
            + self.texts.iter().map(Arena::heap_bytes).sum::<usize>()
            + self
                .lower_text
                .iter()
                .filter_map(OnceLock::get)
                .map(Arena::heap_bytes)
                .sum::<usize>()
            + self.ids.iter().map(IdColumn::heap_bytes).sum::<usize>()
    }

    /// The cell of `column` in `row` as bytes written into `out` (cleared first).
    pub(crate) fn cell_into(&self, row: usize, column: Column, out: &mut Vec<u8>) {
        out.clear();
        match slot(column) {
            Slot::Dict(d) => out.extend_from_slice(self.dicts[d].get(row)),
            Slot::Text(t) => out.extend_from_slice(self.texts[t].get(row)),
            Slot::Id(j) => self.ids[j].decode_into(row, out),
        }
    }

    /// The cell as [`row`](Self::row) gives it: type and action in their parsed spelling.
    pub(crate) fn cell_text(&self, row: usize, column: Column, buf: &mut Vec<u8>) -> String {
        match column {
            Column::RecordType => self.types[self.dicts[D_TYPE].codes[row] as usize]
                .as_str()
                .to_string(),
            Column::RecordAction => self.actions[self.dicts[D_ACTION].codes[row] as usize]
                .as_str()
                .to_string(),
            c => self.cell_string(row, c, buf),
        }
    }

    fn cell_string(&self, row: usize, column: Column, buf: &mut Vec<u8>) -> String {
        self.cell_into(row, column, buf);
        String::from_utf8_lossy(buf).into_owned()
    }

    /// One row, materialised.
    pub fn row(&self, index: u64) -> Result<MismatchRow, ReportError> {
        let i = usize::try_from(index)
            .ok()
            .filter(|&i| i < self.rows)
            .ok_or(ReportError::NoSuchRow {
                index,
                rows: self.rows as u64,
            })?;
        Ok(self.row_at(i))
    }

    pub(crate) fn row_at(&self, i: usize) -> MismatchRow {
        let mut b = Vec::with_capacity(64);
        MismatchRow {
            subscriber_id: self.cell_string(i, Column::SubscriberId, &mut b),
            record_type: self.types[self.dicts[D_TYPE].codes[i] as usize].clone(),
            record_action: self.actions[self.dicts[D_ACTION].codes[i] as usize].clone(),
            record_id: self.cell_string(i, Column::RecordId, &mut b),
            collection_id: self.cell_string(i, Column::CollectionId, &mut b),
            name: self.cell_string(i, Column::Name, &mut b),
            publisher_hash: self.cell_string(i, Column::PublisherHash, &mut b),
            subscriber_hash: self.cell_string(i, Column::SubscriberHash, &mut b),
            created: self.cell_string(i, Column::Created, &mut b),
            log_id: self.cell_string(i, Column::LogId, &mut b),
            extra: self
                .extra
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    (
                        name.clone(),
                        self.cell_string(i, Column::Extra(k as u16), &mut b),
                    )
                })
                .collect(),
        }
    }

    /// All rows in file order (materialised; for tests and small reports).
    pub fn to_rows(&self) -> Vec<MismatchRow> {
        (0..self.rows).map(|i| self.row_at(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn store_is_send_sync() {
        assert_send_sync::<ReportStore>();
    }

    #[test]
    fn from_rows_round_trips() {
        let rows = vec![
            MismatchRow {
                subscriber_id: "s".into(),
                record_type: RecordType::Rendition,
                record_action: RecordAction::Delete,
                record_id: "0f8e2b7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b".into(),
                name: "=x".into(),
                extra: vec![("tenant".into(), "t".into())],
                ..Default::default()
            },
            MismatchRow {
                record_type: RecordType::Other("NEW".into()),
                ..Default::default()
            },
        ];
        let s = ReportStore::from_rows(&rows).unwrap();
        let mut back = s.to_rows();
        assert_eq!(back[0], rows[0]);
        back[1].extra.clear();
        assert_eq!(back[1], rows[1]);
        assert!(s.row(2).is_err());
    }
}
