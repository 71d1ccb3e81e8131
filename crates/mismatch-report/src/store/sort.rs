//! Sort orders: per column, a stable ascending permutation and the boundaries of its groups of
//! equal values, computed once (in parallel) and reused by every query that sorts on that column.
//!
//! Strings are sorted by packed keys rather than by comparing strings: each key holds 11 bytes of
//! the value (from some offset, zero padded), a byte telling how many of them are real (or that
//! the value goes on) and the row number, so that one `u128` comparison orders two rows by text
//! and, for equal text, by file order. The first pass sorts every row by the key at offset 0;
//! only runs of equal keys whose values go on are re-keyed at the next offset and sorted again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::error::ReportError;
use crate::header::Column;

use super::build::{slot, Slot};
use super::column::{decode_id, Arena, IdColumn};
use super::query::Direction;
use super::ReportStore;

/// The ascending order of a column.
#[derive(Debug)]
pub struct SortIndex {
    /// Rows in ascending order of the column, ties in row order.
    pub perm: Vec<u32>,
    /// Bit `k` is set when `perm[k]` starts a group of equal values (bit 0 is always set).
    pub starts: Vec<u64>,
    /// Dense rank of each row's value (equal values, equal rank), built on first use.
    rank: OnceLock<Vec<u32>>,
}

impl SortIndex {
    fn new(perm: Vec<u32>, starts: Vec<u64>) -> Self {
        SortIndex {
            perm,
            starts,
            rank: OnceLock::new(),
        }
    }

    #[inline]
    fn is_start(&self, k: usize) -> bool {
        self.starts[k >> 6] & (1 << (k & 63)) != 0
    }

    /// The start of the group holding position `k` of `perm`.
    #[inline]
    fn group_start(&self, k: usize) -> usize {
        let mut w = k >> 6;
        // Bits at positions <= k within the word.
        let mut bits = self.starts[w] & (u64::MAX >> (63 - (k & 63)));
        while bits == 0 {
            // Bit 0 is always set, so this stops at word 0 at the latest.
            w -= 1;
            bits = self.starts[w];
        }
        (w << 6) + 63 - bits.leading_zeros() as usize
    }

    /// Dense rank of each row's value.
    pub fn rank(&self) -> &[u32] {
        self.rank.get_or_init(|| {
            let mut rank = vec![0u32; self.perm.len()];
            let mut r = 0u32;
            for (k, &row) in self.perm.iter().enumerate() {
                if k > 0 && self.is_start(k) {
                    r += 1;
                }
                rank[row as usize] = r;
            }
            rank
        })
    }
}

/// Sort indexes built so far.
///
/// One cell per column: the first caller builds the index, and a caller that comes while it is
/// being built (a query during the background warm-up) waits for that build instead of starting
/// its own.
#[derive(Debug, Default)]
pub struct SortCache {
    pub indexes: HashMap<Column, Arc<OnceLock<Arc<SortIndex>>>>,
}

/// Bytes of the value in each key.
const CHUNK: usize = 11;
/// The length byte of a key whose value goes on past the chunk.
const GOES_ON: u8 = CHUNK as u8 + 1;

/// The key of row `row` whose value is `v`, at byte offset `off`: the bytes `off..off + 11`
/// (zero padded), then their real count (or [`GOES_ON`]), then the row number. A shorter value
/// whose bytes match a longer one's padded chunk is a prefix of it, so the count orders them.
#[inline]
fn chunk_key(v: &[u8], off: usize, row: u32) -> u128 {
    let rest = v.get(off..).unwrap_or(&[]);
    let mut b = [0u8; 16];
    let n = rest.len().min(CHUNK);
    b[..n].copy_from_slice(&rest[..n]);
    b[CHUNK] = if rest.len() > CHUNK {
        GOES_ON
    } else {
        rest.len() as u8
    };
    b[12..].copy_from_slice(&row.to_be_bytes());
    u128::from_be_bytes(b)
}

/// The key without its row number: equal for rows whose chunks are equal.
#[inline]
fn group(k: u128) -> u128 {
    k >> 32
}

#[inline]
fn goes_on(k: u128) -> bool {
    (k >> 32) as u8 == GOES_ON
}

#[inline]
fn set_bit(bits: &mut [u64], k: usize) {
    bits[k >> 6] |= 1 << (k & 63);
}

/// Calls `f(start, end)` for each run of keys with equal groups.
fn runs(keys: &[u128], mut f: impl FnMut(usize, usize)) {
    let mut a = 0;
    while a < keys.len() {
        let g = group(keys[a]);
        let mut b = a + 1;
        while b < keys.len() && group(keys[b]) == g {
            b += 1;
        }
        f(a, b);
        a = b;
    }
}

/// Finishes a run of rows whose values agree on their first `off` bytes and go on: re-keys and
/// sorts it chunk by chunk, marking group starts (relative to `base`) in `starts`.
fn refine<'a>(
    get: &(impl Fn(usize) -> &'a [u8] + Sync),
    run: &mut [u128],
    base: usize,
    off: usize,
    starts: &[AtomicU64],
) {
    let mut todo = vec![(0usize, run.len(), off)];
    while let Some((a, b, off)) = todo.pop() {
        let part = &mut run[a..b];
        for k in part.iter_mut() {
            let row = *k as u32;
            *k = chunk_key(get(row as usize), off, row);
        }
        part.sort_unstable();
        runs(part, |s, e| {
            if s > 0 {
                let p = base + a + s;
                starts[p >> 6].fetch_or(1 << (p & 63), AtomicOrdering::Relaxed);
            }
            if e - s > 1 && goes_on(part[s]) {
                todo.push((a + s, a + e, off + CHUNK));
            }
        });
    }
}

/// Sorts the values `get(0..n)` by their bytes (stable: ties in row order).
fn sort_values<'a>(n: usize, get: impl Fn(usize) -> &'a [u8] + Sync) -> SortIndex {
    let mut keys: Vec<u128> = (0..n)
        .into_par_iter()
        .with_min_len(1 << 12)
        .map(|i| chunk_key(get(i), 0, i as u32))
        .collect();
    keys.par_sort_unstable();
    let mut starts = vec![0u64; n.div_ceil(64)];
    // Runs still tied after the first chunk, as disjoint slices with their positions.
    let mut tied: Vec<(usize, &mut [u128])> = Vec::new();
    let mut rest: &mut [u128] = &mut keys;
    let mut pos = 0;
    while !rest.is_empty() {
        let g = group(rest[0]);
        let mut e = 1;
        while e < rest.len() && group(rest[e]) == g {
            e += 1;
        }
        set_bit(&mut starts, pos);
        let (run, tail) = std::mem::take(&mut rest).split_at_mut(e);
        if e > 1 && goes_on(run[0]) {
            tied.push((pos, run));
        }
        pos += e;
        rest = tail;
    }
    let starts: Vec<AtomicU64> = starts.into_iter().map(AtomicU64::new).collect();
    tied.into_par_iter()
        .with_min_len(64)
        .for_each(|(base, run)| refine(&get, run, base, CHUNK, &starts));
    let starts = starts.into_iter().map(AtomicU64::into_inner).collect();
    let perm = keys.into_par_iter().map(|k| k as u32).collect();
    SortIndex::new(perm, starts)
}

/// Sorts the strings of an arena (stable: ties in index order).
fn sort_arena(a: &Arena) -> SortIndex {
    sort_values(a.len(), |i| a.get(i))
}

/// Sorts an id column. When every non-empty value has the same encoding, the encoded bytes
/// after the tag order like the text (empty values first); otherwise values are decoded first.
fn sort_ids(col: &IdColumn, n: usize) -> SortIndex {
    const NONE: u16 = 0x100;
    const MIXED: u16 = 0x200;
    let tag = (0..n)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|i| col.encoded(i).first().map_or(NONE, |&t| u16::from(t)))
        .reduce(
            || NONE,
            |a, b| match (a, b) {
                (NONE, x) | (x, NONE) => x,
                (x, y) if x == y => x,
                _ => MIXED,
            },
        );
    if tag != MIXED {
        return sort_values(n, |i| col.encoded(i).get(1..).unwrap_or(&[]));
    }
    // Mixed encodings: sort the decoded text.
    let mut text = Arena::with_capacity(n, n * 40);
    let mut buf = Vec::with_capacity(72);
    for i in 0..n {
        buf.clear();
        decode_id(col.encoded(i), &mut buf);
        if text.push(&buf).is_err() {
            // Over 4 GiB of text: compare decoded values directly.
            return sort_ids_slow(col, n);
        }
    }
    sort_arena(&text)
}

/// Sorts an id column by decoding values pairwise (for columns too large to decode at once).
fn sort_ids_slow(col: &IdColumn, n: usize) -> SortIndex {
    use super::column::cmp_encoded;
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.par_sort_by(|&a, &b| {
        cmp_encoded(col.encoded(a as usize), col.encoded(b as usize)).then(a.cmp(&b))
    });
    let mut starts = vec![0u64; n.div_ceil(64)];
    for k in 0..n {
        if k == 0
            || cmp_encoded(
                col.encoded(perm[k - 1] as usize),
                col.encoded(perm[k] as usize),
            )
            .is_ne()
        {
            set_bit(&mut starts, k);
        }
    }
    SortIndex::new(perm, starts)
}

impl ReportStore {
    /// The sort index of a column, built on first use.
    pub(crate) fn sort_index(&self, column: Column) -> Arc<SortIndex> {
        let cell = match self.sorts.lock() {
            Ok(mut c) => Arc::clone(c.indexes.entry(column).or_default()),
            // A panic while holding the lock: build without caching.
            Err(_) => Arc::default(),
        };
        Arc::clone(cell.get_or_init(|| Arc::new(self.build_sort_index(column))))
    }

    /// The columns whose sorts a viewer prepares right after loading, most sorted first: name,
    /// created, type, action, collection, subscriber, record id, log id, the hashes, then the
    /// extra columns.
    pub fn sort_warm_up_order(&self) -> Vec<Column> {
        [
            Column::Name,
            Column::Created,
            Column::RecordType,
            Column::RecordAction,
            Column::CollectionId,
            Column::SubscriberId,
            Column::RecordId,
            Column::LogId,
            Column::PublisherHash,
            Column::SubscriberHash,
        ]
        .into_iter()
        .chain((0..self.extra.len()).map(|k| Column::Extra(k as u16)))
        .collect()
    }

    /// Whether the sort index of `column` is built.
    pub fn is_sort_ready(&self, column: Column) -> bool {
        self.sorts
            .lock()
            .ok()
            .and_then(|c| c.indexes.get(&column).map(|cell| cell.get().is_some()))
            .unwrap_or(false)
    }

    /// Builds the sort index of `column` now (for example on a background thread right after
    /// loading), so that the first query sorting on it does not pay for it. Queries build it on
    /// first use anyway; calling this twice does nothing the second time.
    pub fn prepare_sort(&self, column: Column) -> Result<(), ReportError> {
        self.check_column(column)?;
        self.sort_index(column);
        Ok(())
    }

    fn build_sort_index(&self, column: Column) -> SortIndex {
        let n = self.rows;
        match slot(column) {
            Slot::Dict(d) => {
                let col = &self.dicts[d];
                // Distinct values: one rank each, in byte order of the text.
                let dict_order = sort_arena(&col.dict).perm;
                let mut dict_rank = vec![0u32; dict_order.len()];
                for (r, &code) in dict_order.iter().enumerate() {
                    dict_rank[code as usize] = r as u32;
                }
                // Counting sort by rank: stable, O(n).
                let mut start = vec![0u32; dict_rank.len() + 1];
                for &c in &col.codes {
                    start[dict_rank[c as usize] as usize + 1] += 1;
                }
                for i in 1..start.len() {
                    start[i] += start[i - 1];
                }
                let mut starts = vec![0u64; n.div_ceil(64)];
                for w in start.windows(2) {
                    if w[0] < w[1] {
                        set_bit(&mut starts, w[0] as usize);
                    }
                }
                let mut perm = vec![0u32; n];
                for (row, &c) in col.codes.iter().enumerate() {
                    let slot = &mut start[dict_rank[c as usize] as usize];
                    perm[*slot as usize] = row as u32;
                    *slot += 1;
                }
                SortIndex::new(perm, starts)
            }
            Slot::Text(t) => sort_arena(&self.texts[t]),
            Slot::Id(j) => sort_ids(&self.ids[j], n),
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
                let rank = ix.rank();
                let mut v: Vec<(u32, u32)> = rows
                    .iter()
                    .map(|&r| {
                        let k = rank[r as usize];
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
                set_bit(&mut bits, r as usize);
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
                // Groups of equal values from the last, each in row order.
                let mut end = n;
                while end > 0 {
                    let start = ix.group_start(end - 1);
                    out.extend(ix.perm[start..end].iter().copied().filter(|&r| keep(r)));
                    end = start;
                }
            }
        }
        out
    }
}

/// Builds sort indexes ahead of their first use, on one thread of its own that yields to every
/// other (see [`yield_to_interactive_work`]): the queries a user is waiting for, the window's
/// drawing and the IPC go first. See [`ReportStore::sort_warm_up_order`].
pub struct WarmUp {
    pool: rayon::ThreadPool,
}

impl std::fmt::Debug for WarmUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarmUp").finish_non_exhaustive()
    }
}

impl WarmUp {
    /// A warm-up with its own one-thread pool; `None` when the OS refuses the thread.
    pub fn new() -> Option<Self> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "report-warm-up".into())
            .start_handler(|_| yield_to_interactive_work())
            .build()
            .ok()
            .map(|pool| WarmUp { pool })
    }

    /// Builds the sort index of `column` in `store` (nothing when it is built already).
    pub fn sort(&self, store: &ReportStore, column: Column) -> Result<(), ReportError> {
        self.pool.install(|| store.prepare_sort(column))
    }
}

/// Puts the calling thread behind every other: on Linux the idle scheduling class (it runs only
/// on a core nobody else wants, so a warm-up on a 2-core machine no longer slows the scrolling
/// it was built for), elsewhere the lowest priority. A refusal (a sandbox, an OS without the
/// class) leaves the thread as it was: the warm-up still works, only less politely.
fn yield_to_interactive_work() {
    #[cfg(target_os = "linux")]
    let _ = {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
        thread_priority::set_thread_priority_and_policy(
            thread_priority::thread_native_id(),
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        )
    };
    #[cfg(not(target_os = "linux"))]
    let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_warm_up_thread_runs_in_the_idle_class() {
        use thread_priority::{
            thread_schedule_policy, NormalThreadSchedulePolicy, ThreadSchedulePolicy,
        };
        let warm = WarmUp::new().expect("a thread");
        let policy = warm
            .pool
            .install(|| thread_schedule_policy().expect("its policy"));
        assert_eq!(
            policy,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle)
        );
        // The caller's own thread is left as it was.
        assert_eq!(
            thread_schedule_policy().expect("policy"),
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other)
        );
    }

    /// The reference: a stable sort by the bytes, groups where neighbours differ.
    fn naive(values: &[Vec<u8>]) -> (Vec<u32>, Vec<bool>) {
        let mut perm: Vec<u32> = (0..values.len() as u32).collect();
        perm.sort_by(|&a, &b| values[a as usize].cmp(&values[b as usize]));
        let starts = (0..perm.len())
            .map(|k| k == 0 || values[perm[k - 1] as usize] != values[perm[k] as usize])
            .collect();
        (perm, starts)
    }

    fn check(values: &[Vec<u8>]) {
        let ix = sort_values(values.len(), |i| &values[i]);
        let (perm, starts) = naive(values);
        assert_eq!(ix.perm, perm, "{values:?}");
        let got: Vec<bool> = (0..values.len()).map(|k| ix.is_start(k)).collect();
        assert_eq!(got, starts, "{values:?}");
        for k in 0..values.len() {
            let s = (0..=k).rev().find(|&s| starts[s]).unwrap_or(0);
            assert_eq!(ix.group_start(k), s);
        }
        let rank = ix.rank();
        for w in perm.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            assert_eq!(rank[a] == rank[b], values[a] == values[b]);
            assert!(rank[a] <= rank[b]);
        }
    }

    #[test]
    fn sorts_like_a_stable_byte_sort() {
        let v = |s: &[&[u8]]| s.iter().map(|b| b.to_vec()).collect::<Vec<_>>();
        check(&[]);
        check(&v(&[b""]));
        check(&v(&[b"b", b"a", b"", b"a", b"", b"b"]));
        // Zero bytes and prefixes: padding must not make them equal.
        check(&v(&[b"a\0", b"a", b"a\0\0", b"a", b"", b"\0", b"\0\0"]));
        // Shared 11- and 22-byte prefixes, values ending exactly at a chunk boundary.
        check(&v(&[
            b"asset-0000123.jpg",
            b"asset-0000123.jpg",
            b"asset-0000122.jpg",
            b"asset-00001",
            b"asset-00001\0",
            b"asset-000012",
            b"asset-0000123.jpg\0",
            b"asset-0000123.jpgxxxxxxxxxxxxx",
            b"asset-0000123.jpgxxxxxxxxxxxxx",
            b"asset-0000123.jpgxxxxxxxxxxxx",
            b"asset-0000123.jpgxxxxxxxxxxxxxy",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
        ]));
        // Many rows (exercises the parallel paths).
        let many: Vec<Vec<u8>> = (0..50_000u64)
            .map(|i| {
                let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                format!(
                    "IMG_{:05}.{}",
                    h % 3000,
                    ["jpg", "png"][(h >> 40) as usize % 2]
                )
                .into_bytes()
            })
            .collect();
        check(&many);
    }

    #[test]
    fn group_start_crosses_words() {
        let values: Vec<Vec<u8>> = (0..300).map(|i| vec![u8::from(i >= 1)]).collect();
        let ix = sort_values(values.len(), |i| &values[i]);
        assert_eq!(ix.group_start(299), 1);
        assert_eq!(ix.group_start(0), 0);
    }
}
