//! Does a find's report account for every record? A check from the record counts of both
//! environments, for a server whose find stopped early (say at `maxRecordsToCompare`, the
//! records it compares per iteration) and still answered `FIND_MISMATCH_COMPLETED`.
//!
//! For each record type, a complete report explains the difference between the publisher's and
//! the subscriber's record counts (`GET /staging/records/{type}/summary` on each):
//! `publisher − subscriber = CREATE − DELETE` (a `CREATE` log is a record missing on the
//! subscriber, a `DELETE` log one only on the subscriber). When that does not hold, the find
//! missed records (or the data changed while it ran: authoring should pause during a find), and
//! the report is flagged as possibly partial. Missing `UPDATE` logs cannot be seen this way.

use std::collections::HashMap;
use std::path::Path;

use mismatch_report::{ReaderOptions, RecordAction, RecordType, ReportReader};

use crate::client::Client;
use crate::error::Result;

/// One record type whose counts the report does not explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexplained {
    /// The record type.
    pub record_type: RecordType,
    /// Records on the publisher.
    pub publisher: u64,
    /// Records on the subscriber.
    pub subscriber: u64,
    /// `CREATE` logs of this type in the report.
    pub creates: u64,
    /// `DELETE` logs of this type in the report.
    pub deletes: u64,
}

impl std::fmt::Display for Unexplained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} on the publisher, {} on the subscriber, but {} CREATE and {} DELETE logs",
            self.record_type, self.publisher, self.subscriber, self.creates, self.deletes
        )
    }
}

/// Counts `(CREATE, DELETE)` logs per record type in a report file.
pub fn count_creates_and_deletes(report: &Path) -> Result<HashMap<RecordType, (u64, u64)>> {
    let reader = ReportReader::open(report, ReaderOptions::default())?;
    let mut counts: HashMap<RecordType, (u64, u64)> = HashMap::new();
    for row in reader {
        let row = row?;
        let entry = counts.entry(row.record_type.clone()).or_default();
        match row.record_action {
            RecordAction::Create => entry.0 += 1,
            RecordAction::Delete => entry.1 += 1,
            _ => {}
        }
    }
    Ok(counts)
}

/// The record types whose counts on `publisher` and `subscriber` a report with these `(CREATE,
/// DELETE)` counts per type does not explain (empty: the report accounts for every record).
pub async fn unexplained_counts(
    publisher: &Client,
    subscriber: &Client,
    logs: &HashMap<RecordType, (u64, u64)>,
) -> Result<Vec<Unexplained>> {
    let mut out = Vec::new();
    for t in RecordType::KNOWN {
        let p = publisher.records().count(t.as_str()).await?;
        let s = subscriber.records().count(t.as_str()).await?;
        let (Some(p), Some(s)) = (p, s) else {
            // One side does not know this type (an older DX): nothing to compare.
            continue;
        };
        let (creates, deletes) = logs.get(t).copied().unwrap_or((0, 0));
        if i128::from(p) - i128::from(s) != i128::from(creates) - i128::from(deletes) {
            out.push(Unexplained {
                record_type: t.clone(),
                publisher: p,
                subscriber: s,
                creates,
                deletes,
            });
        }
    }
    Ok(out)
}

/// The words for a report that does not explain some counts.
pub fn describe(unexplained: &[Unexplained]) -> String {
    let list: Vec<String> = unexplained
        .iter()
        .take(4)
        .map(ToString::to_string)
        .collect();
    format!(
        "the report may be partial: it does not explain the record counts ({}{}). The find may \
         have stopped early (for example at maxRecordsToCompare) or the data changed while it \
         ran; run the find again with authoring paused",
        list.join("; "),
        if unexplained.len() > 4 { "; …" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_words() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(
            &p,
            "subscriberId,recordType,recordAction,recordId\ns,RENDITION,CREATE,a\ns,RENDITION,DELETE,b\ns,RENDITION,CREATE,c\ns,KEYWORD,UPDATE,d\n",
        )
        .unwrap();
        let c = count_creates_and_deletes(&p).unwrap();
        assert_eq!(c[&RecordType::Rendition], (2, 1));
        assert_eq!(c[&RecordType::Keyword], (0, 0));
        let u = Unexplained {
            record_type: RecordType::Rendition,
            publisher: 10,
            subscriber: 5,
            creates: 2,
            deletes: 1,
        };
        let words = describe(&[u]);
        assert!(words.contains("RENDITION: 10 on the publisher, 5 on the subscriber, but 2 CREATE and 1 DELETE logs"), "{words}");
        assert!(words.contains("may be partial"));
    }
}
