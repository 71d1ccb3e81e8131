//! Differences between two reports (before and after a resync), keyed by type, action and
//! record id.

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use super::build::{D_ACTION, D_TYPE, I_RECORD};
use super::ReportStore;

const NONE: u32 = u32::MAX;

/// Rows only in report A, only in report B, and in both.
///
/// Rows are matched on (record type, record action, record id); duplicate keys pair up in file
/// order. Row numbers are 0-based file order of their report (see [`ReportStore::row`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDiff {
    /// Rows of A without a match in B (fixed by the resync, typically), ascending.
    pub only_a: Vec<u32>,
    /// Rows of B without a match in A (new drift), ascending.
    pub only_b: Vec<u32>,
    /// Matched pairs `(row in A, row in B)`, in B's order.
    pub both: Vec<(u32, u32)>,
}

/// One side of a diff, for callers that show one list at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DiffSide {
    /// Only in the first report.
    OnlyA,
    /// Only in the second report.
    OnlyB,
    /// In both.
    Both,
}

impl ReportDiff {
    /// Row numbers of one side (for `Both`, the rows of B).
    pub fn rows(&self, side: DiffSide) -> Vec<u32> {
        match side {
            DiffSide::OnlyA => self.only_a.clone(),
            DiffSide::OnlyB => self.only_b.clone(),
            DiffSide::Both => self.both.iter().map(|&(_, b)| b).collect(),
        }
    }
}

impl ReportStore {
    /// Compares two reports: which mismatches went away, which are new, which remain.
    pub fn diff(a: &ReportStore, b: &ReportStore) -> ReportDiff {
        // B's type/action codes in A's dictionaries (None: value absent from A).
        let map = |d: usize| -> Vec<u32> {
            let (da, db) = (&a.dicts[d].dict, &b.dicts[d].dict);
            (0..db.len())
                .map(|j| {
                    (0..da.len())
                        .find(|&i| da.get(i) == db.get(j))
                        .map_or(NONE, |i| i as u32)
                })
                .collect()
        };
        let (type_map, action_map) = (map(D_TYPE), map(D_ACTION));
        let (at, aa) = (&a.dicts[D_TYPE].codes, &a.dicts[D_ACTION].codes);
        let (bt, ba) = (&b.dicts[D_TYPE].codes, &b.dicts[D_ACTION].codes);
        let (aid, bid) = (&a.ids[I_RECORD], &b.ids[I_RECORD]);

        // Chains of A's rows per key, in file order.
        type Heads<'a> = HashMap<(u32, u32, &'a [u8]), (u32, u32), foldhash::fast::RandomState>;
        let mut heads: Heads<'_> = HashMap::with_capacity_and_hasher(a.rows, Default::default());
        let mut next = vec![NONE; a.rows];
        for r in 0..a.rows {
            let key = (at[r], aa[r], aid.encoded(r));
            match heads.get_mut(&key) {
                Some((_, tail)) => {
                    next[*tail as usize] = r as u32;
                    *tail = r as u32;
                }
                None => {
                    heads.insert(key, (r as u32, r as u32));
                }
            }
        }
        let mut paired = vec![false; a.rows];
        let mut diff = ReportDiff::default();
        for r in 0..b.rows {
            let (t, ac) = (type_map[bt[r] as usize], action_map[ba[r] as usize]);
            let hit = if t == NONE || ac == NONE {
                None
            } else {
                heads.get_mut(&(t, ac, bid.encoded(r)))
            };
            match hit {
                Some((head, _)) if *head != NONE => {
                    let ar = *head;
                    *head = next[ar as usize];
                    paired[ar as usize] = true;
                    diff.both.push((ar, r as u32));
                }
                _ => diff.only_b.push(r as u32),
            }
        }
        diff.only_a = (0..a.rows as u32)
            .filter(|&r| !paired[r as usize])
            .collect();
        diff
    }
}
