//! Sort orders: per column, a stable ascending permutation and a dense rank per row, computed
//! once (in parallel) and reused by every query that sorts on that column.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::header::Column;

use super::build::{slot, Slot};
use super::column::{cmp_encoded, Arena};
use super::query::Direction;
use super::ReportStore;

/// The ascending order of a column.
#[derive(Debug)]
pub struct SortIndex {
    /// Rows in ascending order of the column, ties in row order.
    pub perm: Vec<u32>,
    /// Dense rank of each row's value (equal values, equal rank).
    pub rank: Vec<u32>,
}

/// Sort indexes built so far.
#[derive(Debug, Default)]
pub struct SortCache {
    pub indexes: HashMap<Column, Arc<SortIndex>>,
}

#[inline]
fn prefix_key(b: &[u8]) -> u64 {
    let mut k = [0u8; 8];
    let n = b.len().min(8);
    k[..n].copy_from_slice(&b[..n]);
    u64::from_be_bytes(k)
}

/// The first 16 bytes of a string as an integer that orders like the bytes (zero padded).
#[inline]
fn prefix_key16(b: &[u8]) -> u128 {
    let mut k = [0u8; 16];
    let n = b.len().min(16);
    k[..n].copy_from_slice(&b[..n]);
    u128::from_be_bytes(k)
}

/// Sorts the strings of an arena (stable: ties in index order). The main sort compares only
/// 16-byte prefix keys extracted in one sequential pass; runs of equal keys are then finished
/// with full string comparisons, so most comparisons never touch the strings.
fn sort_arena(a: &Arena) -> SortIndex {
    let n = a.len();
    let mut keyed: Vec<(u128, u32)> = (0..n)
        .into_par_iter()
        .map(|i| (prefix_key16(a.get(i)), i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut rank = vec![0u32; n];
    let mut r = 0u32;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && keyed[j].0 == keyed[i].0 {
            j += 1;
        }
        let run = &mut keyed[i..j];
        if run.len() > 1 && a.get(run[0].1 as usize).len() >= 16 {
            run.sort_unstable_by(|x, y| {
                a.get(x.1 as usize)
                    .cmp(a.get(y.1 as usize))
                    .then(x.1.cmp(&y.1))
            });
        }
        for k in i..j {
            if k > i && a.get(keyed[k - 1].1 as usize) != a.get(keyed[k].1 as usize) {
                r += 1;
            }
            rank[keyed[k].1 as usize] = r;
        }
        r += 1;
        i = j;
    }
    let perm = keyed.into_iter().map(|(_, i)| i).collect();
    SortIndex { perm, rank }
}

/// Ranks of the distinct values of a dictionary, in byte order of the text.
fn dict_ranks(dict: &Arena) -> Vec<u32> {
    sort_arena(dict).rank
}

impl ReportStore {
    /// The sort index of a column, built on first use.
    pub(crate) fn sort_index(&self, column: Column) -> Arc<SortIndex> {
        if let Ok(c) = self.sorts.lock() {
            if let Some(ix) = c.indexes.get(&column) {
                return Arc::clone(ix);
            }
        }
        let ix = Arc::new(self.build_sort_index(column));
        if let Ok(mut c) = self.sorts.lock() {
            c.indexes.insert(column, Arc::clone(&ix));
        }
        ix
    }

    fn build_sort_index(&self, column: Column) -> SortIndex {
        let n = self.rows;
        match slot(column) {
            Slot::Dict(d) => {
                let col = &self.dicts[d];
                let dict_rank = dict_ranks(&col.dict);
                let rank: Vec<u32> = col
                    .codes
                    .par_iter()
                    .map(|&c| dict_rank[c as usize])
                    .collect();
                // Counting sort by rank: stable, O(n).
                let mut start = vec![0u32; dict_rank.len() + 1];
                for &r in &rank {
                    start[r as usize + 1] += 1;
                }
                for i in 1..start.len() {
                    start[i] += start[i - 1];
                }
                let mut perm = vec![0u32; n];
                for (row, &r) in rank.iter().enumerate() {
                    let slot = &mut start[r as usize];
                    perm[*slot as usize] = row as u32;
                    *slot += 1;
                }
                SortIndex { perm, rank }
            }
            Slot::Text(t) => sort_arena(&self.texts[t]),
            Slot::Id(j) => {
                let col = &self.ids[j];
                let mut keyed: Vec<(u64, u32)> = (0..n)
                    .map(|i| {
                        let e = col.encoded(i);
                        // Keys only order values of the same encoding; mixed ones compare fully.
                        (prefix_key(e), i as u32)
                    })
                    .collect();
                keyed.par_sort_by(|a, b| {
                    let (ea, eb) = (col.encoded(a.1 as usize), col.encoded(b.1 as usize));
                    if ea.first() == eb.first() {
                        a.0.cmp(&b.0).then_with(|| ea.cmp(eb))
                    } else {
                        cmp_encoded(ea, eb)
                    }
                    .then(a.1.cmp(&b.1))
                });
                let perm: Vec<u32> = keyed.into_iter().map(|(_, r)| r).collect();
                let mut rank = vec![0u32; n];
                let mut r = 0u32;
                for i in 0..n {
                    if i > 0
                        && cmp_encoded(
                            col.encoded(perm[i - 1] as usize),
                            col.encoded(perm[i] as usize),
                        ) != Ordering::Equal
                    {
                        r += 1;
                    }
                    rank[perm[i] as usize] = r;
                }
                SortIndex { perm, rank }
            }
        }
    }

    /// Orders `rows` (ascending row numbers, or all rows when `None`) by a column; stable in
    /// both directions (equal values keep file order).
    pub(crate) fn order(&self, rows: Option<&[u32]>, column: Column, dir: Direction) -> Vec<u32> {
        let ix = self.sort_index(column);
        let n = self.rows;
        let m = rows.map_or(n, <[u32]>::len);
        if let Some(rows) = rows {
            if m < n / 16 {
                let mut v: Vec<(u32, u32)> = rows
                    .iter()
                    .map(|&r| {
                        let k = ix.rank[r as usize];
                        (
                            if dir == Direction::Desc {
                                u32::MAX - k
                            } else {
                                k
                            },
                            r,
                        )
                    })
                    .collect();
                v.par_sort_unstable();
                return v.into_iter().map(|(_, r)| r).collect();
            }
        }
        let member: Option<Vec<u64>> = rows.map(|rows| {
            let mut bits = vec![0u64; n.div_ceil(64)];
            for &r in rows {
                bits[r as usize >> 6] |= 1 << (r & 63);
            }
            bits
        });
        let keep = |r: u32| {
            member
                .as_ref()
                .is_none_or(|b| b[r as usize >> 6] & (1 << (r & 63)) != 0)
        };
        let mut out = Vec::with_capacity(m);
        match dir {
            Direction::Asc => out.extend(ix.perm.iter().copied().filter(|&r| keep(r))),
            Direction::Desc => {
                let (perm, rank) = (&ix.perm, &ix.rank);
                let mut end = n;
                while end > 0 {
                    let r = rank[perm[end - 1] as usize];
                    let mut start = end - 1;
                    while start > 0 && rank[perm[start - 1] as usize] == r {
                        start -= 1;
                    }
                    out.extend(perm[start..end].iter().copied().filter(|&r| keep(r)));
                    end = start;
                }
            }
        }
        out
    }
}
