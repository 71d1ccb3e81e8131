//! Seek positions for paging the mismatch logs, so that a deep `offset` costs what a shallow
//! one does.
//!
//! `GET /staging/mismatches?offset=O&limit=L` answers the rows at positions `O..O+L` of the
//! filtered logs in `seq` order. SQLite's `LIMIT ? OFFSET ?` steps over every one of the `O`
//! earlier rows, so reading a report page by page is quadratic (a 1,000,000-log report in pages of
//! 1,000 steps over ~500 million rows). This cache remembers, per filter, *positions*: "the first
//! filtered row with `seq >= S` is at offset `O`" (equivalently: exactly `O` filtered rows have
//! `seq < S`). Every page served adds the position of its first row and of the row after its
//! last, so the next page of a sequential reader starts with an index seek on `seq` instead of a
//! skip. A request between known positions seeks to the nearest one before it and skips only
//! the rest.
//!
//! The positions are only true for the data they were read from: the cache is tagged with the
//! connection's `total_changes()` (every row inserted, updated or deleted through it, including
//! `DELETE` without `WHERE`) and SQLite's `data_version` (changes through any other
//! connection), and emptied when either moves. Both are read under the same connection lock as
//! the page query, so a page never uses a stale position.

use std::collections::{BTreeMap, HashMap};

/// Most positions kept in all (≈ 40 bytes each); beyond it the cache starts again empty.
const MAX_POSITIONS: usize = 100_000;

/// A database generation: `(total_changes, data_version)`.
pub(crate) type Generation = (u64, i64);

/// Known positions per filter, valid for one database generation.
#[derive(Debug, Default)]
pub(crate) struct SeekCache {
    generation: Option<Generation>,
    positions: HashMap<String, BTreeMap<u64, i64>>,
    len: usize,
}

impl SeekCache {
    /// Forgets every position if the database changed since they were recorded.
    pub fn sync(&mut self, generation: Generation) {
        if self.generation != Some(generation) {
            self.positions.clear();
            self.len = 0;
            self.generation = Some(generation);
        }
    }

    /// The nearest known position at or before `offset` for `filter`: `(its offset, its seq)`;
    /// `(0, i64::MIN)` (the start) when none is known.
    pub fn nearest(&self, filter: &str, offset: u64) -> (u64, i64) {
        self.positions
            .get(filter)
            .and_then(|m| m.range(..=offset).next_back())
            .map_or((0, i64::MIN), |(&o, &s)| (o, s))
    }

    /// Records that the first row of `filter` with `seq >= seq` is at `offset`.
    pub fn record(&mut self, filter: &str, offset: u64, seq: i64) {
        if self.len >= MAX_POSITIONS {
            self.positions.clear();
            self.len = 0;
        }
        let m = match self.positions.get_mut(filter) {
            Some(m) => m,
            None => self.positions.entry(filter.to_string()).or_default(),
        };
        if m.insert(offset, seq).is_none() {
            self.len += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_position_at_or_before_the_offset() {
        let mut c = SeekCache::default();
        c.sync((1, 1));
        assert_eq!(c.nearest("a", 500), (0, i64::MIN));
        c.record("a", 0, 10);
        c.record("a", 1000, 1510);
        c.record("b", 400, 7);
        assert_eq!(c.nearest("a", 999), (0, 10));
        assert_eq!(c.nearest("a", 1000), (1000, 1510));
        assert_eq!(c.nearest("a", 5000), (1000, 1510));
        assert_eq!(c.nearest("b", 300), (0, i64::MIN));
        assert_eq!(c.nearest("c", 1000), (0, i64::MIN));
    }

    #[test]
    fn a_new_generation_forgets_everything() {
        let mut c = SeekCache::default();
        c.sync((1, 1));
        c.record("a", 1000, 1510);
        c.sync((1, 1));
        assert_eq!(c.nearest("a", 1000), (1000, 1510));
        c.sync((2, 1));
        assert_eq!(c.nearest("a", 1000), (0, i64::MIN));
        c.record("a", 1000, 1510);
        c.sync((2, 2));
        assert_eq!(c.nearest("a", 1000), (0, i64::MIN));
    }

    #[test]
    fn bounded() {
        let mut c = SeekCache::default();
        c.sync((0, 0));
        for i in 0..(MAX_POSITIONS as u64 + 10) {
            c.record("a", i, i as i64);
        }
        assert!(c.len <= MAX_POSITIONS);
        assert_eq!(
            c.nearest("a", MAX_POSITIONS as u64 + 9).0,
            MAX_POSITIONS as u64 + 9
        );
    }
}
