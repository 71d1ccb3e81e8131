//! Counts by record type × record action.

use serde::{Deserialize, Serialize};

use crate::model::{RecordAction, RecordType};

use super::build::{D_ACTION, D_TYPE};
use super::query::{Filter, Matches};
use super::ReportStore;

/// Rows of one (type, action) pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryCell {
    /// The record type.
    pub record_type: RecordType,
    /// The record action.
    pub record_action: RecordAction,
    /// Rows with both.
    pub count: u64,
}

/// Counts by type × action; only non-zero cells, in DX's documented order (unknown values last,
/// alphabetically).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Rows counted.
    pub total: u64,
    /// Non-zero cells.
    pub cells: Vec<SummaryCell>,
}

impl Summary {
    /// The count of one pair (0 if absent).
    pub fn count(&self, t: &RecordType, a: &RecordAction) -> u64 {
        self.cells
            .iter()
            .find(|c| &c.record_type == t && &c.record_action == a)
            .map_or(0, |c| c.count)
    }
}

fn type_order(t: &RecordType) -> (usize, String) {
    let i = RecordType::KNOWN
        .iter()
        .position(|k| k == t)
        .unwrap_or(usize::MAX);
    (i, t.as_str().to_string())
}

fn action_order(a: &RecordAction) -> (usize, String) {
    let i = RecordAction::KNOWN
        .iter()
        .position(|k| k == a)
        .unwrap_or(usize::MAX);
    (i, a.as_str().to_string())
}

impl ReportStore {
    fn summarise(&self, rows: Option<&[u32]>) -> Summary {
        let tc = &self.dicts[D_TYPE].codes;
        let ac = &self.dicts[D_ACTION].codes;
        let na = self.actions.len().max(1);
        let mut grid = vec![0u64; self.types.len().max(1) * na];
        let total = match rows {
            None => {
                for (t, a) in tc.iter().zip(ac) {
                    grid[*t as usize * na + *a as usize] += 1;
                }
                self.rows
            }
            Some(rows) => {
                for &r in rows {
                    let r = r as usize;
                    grid[tc[r] as usize * na + ac[r] as usize] += 1;
                }
                rows.len()
            }
        };
        let mut cells = Vec::new();
        for (t, rt) in self.types.iter().enumerate() {
            for (a, ra) in self.actions.iter().enumerate() {
                let count = grid[t * na + a];
                if count > 0 {
                    cells.push(SummaryCell {
                        record_type: rt.clone(),
                        record_action: ra.clone(),
                        count,
                    });
                }
            }
        }
        cells.sort_by_cached_key(|c| (type_order(&c.record_type), action_order(&c.record_action)));
        Summary {
            total: total as u64,
            cells,
        }
    }

    /// Counts by type × action of the rows matching `filter` (the whole report for an empty
    /// filter; that one is computed once).
    pub fn summary(&self, filter: &Filter) -> Summary {
        if filter.is_empty() {
            return self.whole.get_or_init(|| self.summarise(None)).clone();
        }
        let m = self.matches(filter);
        match &*m {
            Matches::All(_) => self.whole.get_or_init(|| self.summarise(None)).clone(),
            Matches::Rows(r) => self.summarise(Some(r)),
        }
    }
}
