//! The report shapes that cross to the UI: sort, windows of rows, counts, files. The filter is
//! `mismatch_report`'s own [`Filter`], sent as is.
//! Counts are `u32` (a report of more than four billion rows is not a report a person browses).

use mismatch_report::{
    Column, Direction, Filter, RecordAction, RecordType, Summary, CANONICAL_HEADER,
};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{AppError, AppResult};

/// A sort: a column key (see [`ColumnDto::key`]) and its direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ViewSort {
    /// Column key.
    pub column: String,
    /// Largest first.
    pub descending: bool,
}

impl ViewSort {
    /// The store's sort; an unknown column key is an error naming it.
    pub fn to_sort(&self, extras: usize) -> AppResult<(Column, Direction)> {
        let column = column_of(&self.column, extras).ok_or_else(|| AppError::UnknownColumn {
            column: self.column.clone(),
        })?;
        let dir = if self.descending {
            Direction::Desc
        } else {
            Direction::Asc
        };
        Ok((column, dir))
    }
}

/// The column of a key: a canonical header name, or `extra:N`.
pub fn column_of(key: &str, extras: usize) -> Option<Column> {
    if let Some(i) = CANONICAL_HEADER.iter().position(|h| *h == key) {
        return Some(Column::CANONICAL[i]);
    }
    let n: u16 = key.strip_prefix("extra:")?.parse().ok()?;
    ((n as usize) < extras).then_some(Column::Extra(n))
}

/// A column of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ColumnDto {
    /// Key for sorting (`recordType`, ..., `extra:0`).
    pub key: String,
    /// Header as shown.
    pub label: String,
}

/// The columns of a report with `extras` extra columns: the canonical ten, then the extras.
pub fn columns(extras: &[String]) -> Vec<ColumnDto> {
    let canonical = CANONICAL_HEADER.iter().map(|h| ColumnDto {
        key: (*h).to_string(),
        label: label_of(h).to_string(),
    });
    let extra = extras.iter().enumerate().map(|(i, name)| ColumnDto {
        key: format!("extra:{i}"),
        label: name.clone(),
    });
    canonical.chain(extra).collect()
}

fn label_of(header: &str) -> &str {
    match header {
        "subscriberId" => "Subscriber",
        "recordType" => "Type",
        "recordAction" => "Action",
        "recordId" => "Record",
        "collectionId" => "Collection",
        "name" => "Name",
        "publisherHash" => "Publisher hash",
        "subscriberHash" => "Subscriber hash",
        "created" => "Created",
        "logId" => "Log id",
        other => other,
    }
}

/// Asks for a window of rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WindowRequest {
    /// Which rows (fields left out mean "any").
    pub filter: Filter,
    /// In which order (`None`: file order).
    pub sort: Option<ViewSort>,
    /// First row of the window within the matches.
    pub offset: u32,
    /// Rows wanted (at most [`MAX_WINDOW`]).
    pub limit: u32,
}

/// The largest window the grid may ask for at once.
pub const MAX_WINDOW: u32 = 1000;

/// A window of rows and the number of matches, column by column: no object per row, so a
/// window crosses to the grid as a few arrays of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GridWindow {
    /// Row numbers in the report file (0-based), one per row of the window, for the row panel.
    pub indexes: Vec<u32>,
    /// `columns[c][k]`: the cell of column `c` (in the order of [`columns`]) in row `k`.
    pub columns: Vec<Vec<String>>,
    /// Rows matching the filter.
    pub total: u32,
    /// The window's offset, as asked.
    pub offset: u32,
    /// Microseconds the store took.
    pub micros: u32,
}

/// The count of one type × action pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SummaryCellDto {
    /// Record type.
    pub record_type: RecordType,
    /// Record action.
    pub record_action: RecordAction,
    /// Rows.
    pub count: u32,
}

/// Counts by type × action (non-zero cells, DX's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SummaryDto {
    /// Rows counted.
    pub total: u32,
    /// Non-zero cells.
    pub cells: Vec<SummaryCellDto>,
}

impl From<&Summary> for SummaryDto {
    fn from(s: &Summary) -> Self {
        SummaryDto {
            total: clamp(s.total),
            cells: s
                .cells
                .iter()
                .map(|c| SummaryCellDto {
                    record_type: c.record_type.clone(),
                    record_action: c.record_action.clone(),
                    count: clamp(c.count),
                })
                .collect(),
        }
    }
}

/// What the sidecar of a fetched report says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportMetaDto {
    /// The DAM API the logs came from.
    pub source: String,
    /// The subscriber the report is about (`None`: all).
    pub subscriber_id: Option<String>,
    /// When it was fetched (ISO time).
    pub fetched_at: String,
    /// Fetched before `FIND_MISMATCH_COMPLETED`: may be inaccurate.
    pub possibly_inaccurate: bool,
    /// The status when the fetch began.
    pub status_at_fetch: Option<String>,
    /// Why the report may be partial (it does not explain both environments' record counts).
    pub possibly_partial: Option<String>,
    /// Complete by every rule of [`dx_staging::ReportMeta::is_complete`] (fetched after the find
    /// completed, every page read, both environments' counts explained).
    pub complete: bool,
}

impl From<dx_staging::ReportMeta> for ReportMetaDto {
    fn from(m: dx_staging::ReportMeta) -> Self {
        let complete = m.is_complete();
        ReportMetaDto {
            complete,
            source: m.source,
            subscriber_id: m.request.subscriber_id,
            fetched_at: m.fetched_at.to_rfc3339(),
            possibly_inaccurate: m.possibly_inaccurate,
            status_at_fetch: m.status_at_fetch,
            possibly_partial: m.possibly_partial,
        }
    }
}

/// An open report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportInfoDto {
    /// Handle for the other report commands.
    pub handle: String,
    /// What it is ("file name", or "only in A" for a comparison side).
    pub title: String,
    /// The file, when it is one.
    pub path: Option<String>,
    /// Rows.
    pub rows: u32,
    /// Columns in grid order.
    pub columns: Vec<ColumnDto>,
    /// Record types present.
    pub types: Vec<RecordType>,
    /// Record actions present.
    pub actions: Vec<RecordAction>,
    /// Subscribers present.
    pub subscribers: Vec<String>,
    /// Counts of the whole report.
    pub summary: SummaryDto,
    /// The sidecar, for reports fetched by the app or the CLI.
    pub meta: Option<ReportMetaDto>,
    /// Malformed lines skipped while loading.
    pub skipped_lines: u32,
    /// Milliseconds the load took.
    pub load_ms: u32,
}

/// Progress of a load.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LoadProgressDto {
    /// Bytes read.
    pub bytes: f64,
    /// File size.
    pub total_bytes: f64,
    /// Rows loaded.
    pub rows: u32,
}

/// One field of a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FieldDto {
    /// Header name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A row with every field, for the row panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RowDetail {
    /// Row number in the file (0-based).
    pub index: u32,
    /// Record type (for "Compare on both environments").
    pub record_type: RecordType,
    /// Record id.
    pub record_id: String,
    /// Every field, header names as in the file's canonical form, extras last.
    pub fields: Vec<FieldDto>,
}

/// What an export writes, told by the file name's extension (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    /// `.csv`: DX's columns, UTF-8 with a BOM, formulas neutralised.
    Csv,
    /// `.xlsx`: an Excel workbook with a summary sheet and the rows.
    Xlsx,
}

impl ExportFormat {
    /// The format a file name asks for, if it is one of ours.
    pub fn of(path: &std::path::Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("csv") {
            Some(ExportFormat::Csv)
        } else if ext.eq_ignore_ascii_case("xlsx") {
            Some(ExportFormat::Xlsx)
        } else {
            None
        }
    }
}

/// A written export.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    /// The file written.
    pub path: String,
    /// Rows written.
    pub rows: u32,
    /// Bytes written.
    pub bytes: f64,
}

/// A comparison of two reports, each side a report of its own (filterable like any report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonDto {
    /// Rows only in A (fixed, typically).
    pub only_a: ReportInfoDto,
    /// Rows only in B (new drift).
    pub only_b: ReportInfoDto,
    /// Rows in both (B's rows).
    pub both: ReportInfoDto,
    /// A's file.
    pub path_a: String,
    /// B's file.
    pub path_b: String,
}

/// `u64` → `u32`, saturating.
pub fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mismatch_report::{RecordAction, RecordType};

    #[test]
    fn column_keys_round_trip() {
        let cols = columns(&["tenant".into()]);
        assert_eq!(cols.len(), 11);
        for c in &cols {
            assert!(column_of(&c.key, 1).is_some(), "{}", c.key);
        }
        assert_eq!(column_of("extra:1", 1), None);
        assert_eq!(column_of("nope", 1), None);
        assert_eq!(cols[1].label, "Type");
        let bad = ViewSort {
            column: "nope".into(),
            descending: false,
        };
        assert_eq!(bad.to_sort(0).unwrap_err().code(), "unknown_column");
    }

    #[test]
    fn filters_arrive_in_dx_spellings_and_default_to_any() {
        let r: WindowRequest = serde_json::from_str(
            r#"{"filter":{"types":["RENDITION","NEW_TYPE"],"actions":["DELETE"],"text":"jpg"},"sort":null,"offset":0,"limit":5}"#,
        )
        .unwrap();
        let f = &r.filter;
        assert_eq!(f.types[0], RecordType::Rendition);
        assert_eq!(f.types[1], RecordType::Other("NEW_TYPE".into()));
        assert_eq!(f.actions, vec![RecordAction::Delete]);
        assert!(f.subscribers.is_empty());
        assert_eq!(f.text, "jpg");
        let empty: Filter = serde_json::from_str("{}").unwrap();
        assert!(empty.is_empty());
        let r: WindowRequest =
            serde_json::from_str(r#"{"filter":{},"sort":null,"offset":0,"limit":5}"#).unwrap();
        assert_eq!(r.filter, Filter::default());
    }
}
