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

/// Counts rows one at a time (a report being written), for a [`Summary`] at the end.
#[derive(Debug, Clone, Default)]
pub struct SummaryCounter {
    total: u64,
    /// The (type, action) pairs seen, a few dozen at most: a row finds its cell without
    /// allocating.
    cells: Vec<SummaryCell>,
}

impl SummaryCounter {
    /// Counts one row.
    pub fn add(&mut self, t: &RecordType, a: &RecordAction) {
        self.total += 1;
        match self
            .cells
            .iter_mut()
            .find(|c| &c.record_type == t && &c.record_action == a)
        {
            Some(c) => c.count += 1,
            None => self.cells.push(SummaryCell {
                record_type: t.clone(),
                record_action: a.clone(),
                count: 1,
            }),
        }
    }

    /// The counts, in DX's order.
    pub fn finish(self) -> Summary {
        Summary {
            total: self.total,
            cells: in_dx_order(self.cells),
        }
    }
}

fn in_dx_order(mut cells: Vec<SummaryCell>) -> Vec<SummaryCell> {
    cells.sort_by_cached_key(|c| (type_order(&c.record_type), action_order(&c.record_action)));
    cells
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
        Summary {
            total: total as u64,
            cells: in_dx_order(cells),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MismatchRow;

    fn row(t: &str, a: &str, id: &str) -> MismatchRow {
        MismatchRow {
            record_type: RecordType::parse(t),
            record_action: RecordAction::parse(a),
            record_id: id.into(),
            ..MismatchRow::default()
        }
    }

    #[test]
    fn counting_row_by_row_gives_the_summary_of_the_loaded_report() {
        let rows = [
            row("RENDITION", "UPDATE", "1"),
            row("MEDIA_ITEM", "CREATE", "2"),
            row("RENDITION", "UPDATE", "3"),
            row("ZZ_NEW_TYPE", "DELETE", "4"),
            row("MEDIA_ITEM", "DELETE", "5"),
        ];
        let mut counter = SummaryCounter::default();
        for r in &rows {
            counter.add(&r.record_type, &r.record_action);
        }
        let counted = counter.finish();
        let loaded = ReportStore::from_rows(rows.iter())
            .unwrap()
            .summary(&Filter::default());
        assert_eq!(counted, loaded);
        assert_eq!(counted.total, 5);
        assert_eq!(
            counted.cells[0].record_type,
            RecordType::parse("MEDIA_ITEM")
        );
        assert_eq!(
            counted.cells.last().unwrap().record_type,
            RecordType::parse("ZZ_NEW_TYPE"),
            "unknown types last"
        );
    }
}
