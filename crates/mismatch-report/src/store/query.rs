//! Filters, sorted windows and the cache that lets repeated queries reuse work.
//!
//! Adding a report filter: ARCHITECTURE.md, "Where to change things → A report filter".

use std::sync::Arc;

use memchr::memmem;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::header::Column;
use crate::model::{MismatchRow, RecordAction, RecordType};

use super::build::{D_ACTION, D_COLLECTION, D_SUBSCRIBER, D_TYPE, I_RECORD, T_NAME};
use super::column::{is_packed, Arena};
use super::ReportStore;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Ascending (byte order of the text).
    #[default]
    Asc,
    /// Descending; equal values keep file order.
    Desc,
}

/// Which rows to show. Empty sets mean "any"; sets are OR'ed within, filters AND'ed together.
///
/// This is the one filter of the workspace: the app's commands take it as is and the UI's
/// TypeScript type is generated from it. Every field has a default (a missing field means
/// "any"), so a new field is added here and nowhere else in Rust.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct Filter {
    /// Record types to keep.
    pub types: Vec<RecordType>,
    /// Record actions to keep.
    pub actions: Vec<RecordAction>,
    /// Subscriber ids to keep.
    pub subscribers: Vec<String>,
    /// Free text, matched case-insensitively inside record id, name or collection id.
    pub text: String,
}

impl Filter {
    /// Whether the filter keeps every row.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
            && self.actions.is_empty()
            && self.subscribers.is_empty()
            && self.text.trim().is_empty()
    }

    /// The same filter in canonical form (sorted sets, lower-case trimmed text): the cache key.
    pub fn normalised(&self) -> Filter {
        let mut f = self.clone();
        f.types.sort();
        f.types.dedup();
        f.actions.sort();
        f.actions.dedup();
        f.subscribers.sort();
        f.subscribers.dedup();
        f.text = f.text.trim().to_lowercase();
        f
    }
}

/// A window over the filtered, sorted rows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Query {
    /// Which rows (on the wire, the filter's fields sit beside the window's).
    #[serde(flatten)]
    pub filter: Filter,
    /// Sort column and direction (`None`: file order).
    pub sort: Option<(Column, Direction)>,
    /// First row of the window (0-based, within the matches).
    pub offset: u64,
    /// Rows in the window.
    pub limit: u64,
}

/// One row of a window with its row number in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowRow {
    /// Row number in the report (0-based file order), for [`ReportStore::row`].
    pub index: u64,
    /// The row.
    #[serde(flatten)]
    pub row: MismatchRow,
}

/// The answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryResult {
    /// The rows of the window.
    pub rows: Vec<WindowRow>,
    /// Rows matching the filter (all windows together).
    pub total: u64,
    /// The window's offset, as asked.
    pub offset: u64,
}

/// The answer to a [`Query`] column by column, as a grid draws it: no object per row, one list
/// of cells per column (the ten canonical columns, then the extra ones, in file order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnWindow {
    /// Row numbers in the report (0-based file order), one per row of the window.
    pub indexes: Vec<u64>,
    /// `columns[c][k]`: the cell of column `c` in the window's row `k`.
    pub columns: Vec<Vec<String>>,
    /// Rows matching the filter (all windows together).
    pub total: u64,
    /// The window's offset, as asked.
    pub offset: u64,
}

/// Rows matching a filter.
#[derive(Debug)]
pub(crate) enum Matches {
    All(usize),
    Rows(Vec<u32>),
}

impl Matches {
    pub fn len(&self) -> usize {
        match self {
            Matches::All(n) => *n,
            Matches::Rows(v) => v.len(),
        }
    }

    pub fn rows(&self) -> Option<&[u32]> {
        match self {
            Matches::All(_) => None,
            Matches::Rows(v) => Some(v),
        }
    }
}

const MATCH_CACHE: usize = 8;
const ORDER_CACHE: usize = 4;

type OrderKey = (Filter, Column, Direction);

/// Recent match sets and sort orders, most recent last.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    matches: Vec<(Filter, Arc<Matches>)>,
    orders: Vec<(OrderKey, Arc<Vec<u32>>)>,
}

fn touch<K: PartialEq, V: Clone>(list: &mut Vec<(K, V)>, key: &K) -> Option<V> {
    let i = list.iter().position(|(k, _)| k == key)?;
    let e = list.remove(i);
    let v = e.1.clone();
    list.push(e);
    Some(v)
}

fn put<K, V>(list: &mut Vec<(K, V)>, key: K, value: V, cap: usize) {
    if list.len() >= cap {
        list.remove(0);
    }
    list.push((key, value));
}

/// The arena with every value lower-cased (ASCII in place, others by Unicode rules), built in
/// parallel blocks of rows.
fn lowercase_arena(a: &Arena) -> Arena {
    const BLOCK: usize = 1 << 15;
    let blocks: Vec<(Vec<u8>, Vec<u32>)> = (0..a.len().div_ceil(BLOCK))
        .into_par_iter()
        .map(|blk| {
            let (start, end) = (blk * BLOCK, ((blk + 1) * BLOCK).min(a.len()));
            let from = a.offsets()[start] as usize;
            let to = a.offsets()[end] as usize;
            let mut bytes = Vec::with_capacity(to - from + 64);
            let mut ends = Vec::with_capacity(end - start);
            for i in start..end {
                let v = a.get(i);
                if v.is_ascii() {
                    let start = bytes.len();
                    bytes.extend_from_slice(v);
                    bytes[start..].make_ascii_lowercase();
                } else {
                    bytes.extend_from_slice(String::from_utf8_lossy(v).to_lowercase().as_bytes());
                }
                ends.push(bytes.len() as u32);
            }
            (bytes, ends)
        })
        .collect();
    let total: usize = blocks.iter().map(|b| b.0.len()).sum();
    let mut bytes = Vec::with_capacity(total);
    let mut offsets = Vec::with_capacity(a.len() + 1);
    offsets.push(0u32);
    for (b, ends) in blocks {
        // Lower-casing can lengthen text; a column near 4 GiB saturates rather than wraps.
        let base = bytes.len() as u32;
        offsets.extend(ends.iter().map(|e| base.saturating_add(*e)));
        bytes.extend_from_slice(&b);
    }
    Arena::from_parts(bytes, offsets)
}

/// Values of an arena whose lower-case text contains `needle` (one pass of `memmem` over all
/// values; hits ascend, so the value holding each hit is found by walking the offsets forward).
fn dict_hits(lower: &Arena, needle: &[u8]) -> Vec<bool> {
    let mut hit = vec![false; lower.len()];
    let bytes = lower.bytes();
    let offsets = lower.offsets();
    let finder = memmem::Finder::new(needle);
    let mut pos = 0usize;
    let mut k = 0usize;
    while pos < bytes.len() {
        let Some(i) = finder.find(&bytes[pos..]) else {
            break;
        };
        let p = pos + i;
        // The value containing byte p: the last k with offsets[k] <= p (empty values skipped).
        while offsets[k + 1] as usize <= p {
            k += 1;
        }
        let end = offsets[k + 1] as usize;
        if p + needle.len() <= end {
            hit[k] = true;
            pos = end;
        } else {
            pos = p + 1;
        }
    }
    hit
}

impl ReportStore {
    fn lower(&self, d: usize) -> &Arena {
        self.lower[d].get_or_init(|| lowercase_arena(&self.dicts[d].dict))
    }

    /// Builds what a text search reads (see [`search_text`](Self::search_text)) now, so that the
    /// first search does not pay for it; searches build it on first use anyway.
    pub fn prepare_search(&self) {
        self.search_text();
    }

    /// What a text search reads: the lower-cased names, one per row, and the lower-cased
    /// collection dictionary (built on first use).
    fn search_text(&self) -> (&Arena, &Arena) {
        (self.lower_text(T_NAME), self.lower(D_COLLECTION))
    }

    fn lower_text(&self, t: usize) -> &Arena {
        self.lower_text[t].get_or_init(|| lowercase_arena(&self.texts[t]))
    }

    /// Rows matching `filter` (cached).
    pub(crate) fn matches(&self, filter: &Filter) -> Arc<Matches> {
        let key = filter.normalised();
        if let Ok(mut c) = self.cache.lock() {
            if let Some(m) = touch(&mut c.matches, &key) {
                return m;
            }
        }
        let m = Arc::new(self.compute_matches(&key));
        if let Ok(mut c) = self.cache.lock() {
            put(&mut c.matches, key, Arc::clone(&m), MATCH_CACHE);
        }
        m
    }

    fn code_set(&self, d: usize, keep: impl Fn(usize, &[u8]) -> bool) -> Vec<bool> {
        let dict = &self.dicts[d].dict;
        (0..dict.len()).map(|i| keep(i, dict.get(i))).collect()
    }

    fn compute_matches(&self, f: &Filter) -> Matches {
        if f.is_empty() {
            return Matches::All(self.rows);
        }
        let type_ok = (!f.types.is_empty())
            .then(|| self.code_set(D_TYPE, |i, _| f.types.contains(&self.types[i])));
        let action_ok = (!f.actions.is_empty())
            .then(|| self.code_set(D_ACTION, |i, _| f.actions.contains(&self.actions[i])));
        let sub_ok = (!f.subscribers.is_empty()).then(|| {
            self.code_set(D_SUBSCRIBER, |_, v| {
                f.subscribers.iter().any(|s| s.as_bytes() == v)
            })
        });
        let needle = f.text.as_bytes();
        let text = (!needle.is_empty()).then(|| {
            // One row per value in the name column: a hit per row.
            let (names, collections) = self.search_text();
            let name_hit = dict_hits(names, needle);
            let coll_hit = dict_hits(collections, needle);
            let hexish = needle
                .iter()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase() || *b == b'-');
            (
                name_hit,
                coll_hit,
                hexish,
                memmem::Finder::new(needle).into_owned(),
            )
        });
        let codes = |d: usize| &self.dicts[d].codes;
        let (tc, ac, sc, cc) = (
            codes(D_TYPE),
            codes(D_ACTION),
            codes(D_SUBSCRIBER),
            codes(D_COLLECTION),
        );
        let ids = &self.ids[I_RECORD];
        const BLOCK: usize = 1 << 16;
        let blocks: Vec<Vec<u32>> = (0..self.rows.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let mut out = Vec::new();
                let mut buf = Vec::with_capacity(64);
                let end = ((b + 1) * BLOCK).min(self.rows);
                for i in b * BLOCK..end {
                    if let Some(ok) = &type_ok {
                        if !ok[tc[i] as usize] {
                            continue;
                        }
                    }
                    if let Some(ok) = &action_ok {
                        if !ok[ac[i] as usize] {
                            continue;
                        }
                    }
                    if let Some(ok) = &sub_ok {
                        if !ok[sc[i] as usize] {
                            continue;
                        }
                    }
                    if let Some((name_hit, coll_hit, hexish, finder)) = &text {
                        if !(name_hit[i] || coll_hit[cc[i] as usize]) {
                            let e = ids.encoded(i);
                            if e.is_empty() || (is_packed(e) && !*hexish) {
                                continue;
                            }
                            buf.clear();
                            ids.decode_into(i, &mut buf);
                            let found = if buf.is_ascii() {
                                buf.make_ascii_lowercase();
                                finder.find(&buf).is_some()
                            } else {
                                let s = String::from_utf8_lossy(&buf).to_lowercase();
                                finder.find(s.as_bytes()).is_some()
                            };
                            if !found {
                                continue;
                            }
                        }
                    }
                    out.push(i as u32);
                }
                out
            })
            .collect();
        let total = blocks.iter().map(Vec::len).sum();
        let mut rows = Vec::with_capacity(total);
        for b in blocks {
            rows.extend_from_slice(&b);
        }
        Matches::Rows(rows)
    }

    /// Rows matching `filter` in the order of `sort` (cached).
    pub(crate) fn ordered(
        &self,
        filter: &Filter,
        sort: Option<(Column, Direction)>,
    ) -> Result<OrderedRows, ReportError> {
        let m = self.matches(filter);
        let Some((column, dir)) = sort else {
            return Ok(OrderedRows::Matches(m));
        };
        self.check_column(column)?;
        let key = (filter.normalised(), column, dir);
        if let Ok(mut c) = self.cache.lock() {
            if let Some(o) = touch(&mut c.orders, &key) {
                return Ok(OrderedRows::Sorted(o));
            }
        }
        let o = Arc::new(self.order(m.rows(), column, dir));
        if let Ok(mut c) = self.cache.lock() {
            put(&mut c.orders, key, Arc::clone(&o), ORDER_CACHE);
        }
        Ok(OrderedRows::Sorted(o))
    }

    pub(crate) fn check_column(&self, c: Column) -> Result<(), ReportError> {
        if let Column::Extra(k) = c {
            if k as usize >= self.extra.len() {
                return Err(ReportError::NoSuchColumn {
                    column: format!("extra column {k}"),
                });
            }
        }
        Ok(())
    }

    /// Runs a query: the rows of the window and the total number of matches. Repeated queries
    /// with the same filter (and sort) reuse the match set (and order).
    pub fn query(&self, q: &Query) -> Result<QueryResult, ReportError> {
        let (rows, total) = self.window_rows(q)?;
        let rows = rows
            .into_iter()
            .map(|i| WindowRow {
                index: i as u64,
                row: self.row_at(i),
            })
            .collect();
        Ok(QueryResult {
            rows,
            total: total as u64,
            offset: q.offset,
        })
    }

    /// Runs a query and answers column by column (see [`ColumnWindow`]): the same rows and cells
    /// as [`query`](Self::query), without building a [`MismatchRow`](crate::MismatchRow) per row.
    pub fn query_columns(&self, q: &Query) -> Result<ColumnWindow, ReportError> {
        let (rows, total) = self.window_rows(q)?;
        let mut buf = Vec::with_capacity(64);
        let columns = Column::CANONICAL
            .into_iter()
            .chain((0..self.extra.len()).map(|k| Column::Extra(k as u16)))
            .map(|c| {
                rows.iter()
                    .map(|&i| self.cell_text(i, c, &mut buf))
                    .collect()
            })
            .collect();
        Ok(ColumnWindow {
            indexes: rows.iter().map(|&i| i as u64).collect(),
            columns,
            total: total as u64,
            offset: q.offset,
        })
    }

    /// The row numbers of a query's window, and the number of matches.
    fn window_rows(&self, q: &Query) -> Result<(Vec<usize>, usize), ReportError> {
        let o = self.ordered(&q.filter, q.sort)?;
        let total = o.len();
        let start = usize::try_from(q.offset).unwrap_or(usize::MAX).min(total);
        let end = start
            .saturating_add(usize::try_from(q.limit).unwrap_or(usize::MAX))
            .min(total);
        Ok(((start..end).map(|k| o.get(k)).collect(), total))
    }

    /// Number of rows matching a filter (cached like [`query`](Self::query)).
    pub fn count(&self, filter: &Filter) -> u64 {
        self.matches(filter).len() as u64
    }
}

/// Rows in query order.
pub(crate) enum OrderedRows {
    Matches(Arc<Matches>),
    Sorted(Arc<Vec<u32>>),
}

impl OrderedRows {
    pub fn len(&self) -> usize {
        match self {
            OrderedRows::Matches(m) => m.len(),
            OrderedRows::Sorted(v) => v.len(),
        }
    }

    #[inline]
    pub fn get(&self, k: usize) -> usize {
        match self {
            OrderedRows::Matches(m) => match m.rows() {
                None => k,
                Some(r) => r[k] as usize,
            },
            OrderedRows::Sorted(v) => v[k] as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dict_hits_respect_value_bounds() {
        let mut a = Arena::new();
        for v in ["abc", "dxy", "zab", "cab"] {
            a.push(v.as_bytes()).unwrap();
        }
        assert_eq!(dict_hits(&a, b"ab"), vec![true, false, true, true]);
        // "cd" only spans the boundary between "abc" and "dxy".
        assert_eq!(dict_hits(&a, b"cd"), vec![false; 4]);
    }
}
