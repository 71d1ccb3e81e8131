//! Export of the current filter and sort as an Excel workbook (`.xlsx`), beside the CSV export
//! of [`export`](super::ReportStore::export).
//!
//! The workbook has a "Summary" sheet (what the report is, how many rows were exported, and
//! their counts by record type × record action) and the rows themselves on "Rows" ("Rows 2",
//! "Rows 3"… past Excel's 1,048,576 lines a sheet). The row sheets are written in
//! `rust_xlsxwriter`'s constant-memory mode: each row goes to a scratch file as soon as the next
//! one starts, so a million-row export never holds a second copy of the report in memory.

use std::io::{BufWriter, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::header::Column;
use crate::model::{RecordAction, RecordType, CANONICAL_HEADER};
use crate::writer::{folder_of, persist_onto, temp_file_beside};

use super::query::{Direction, Filter};
use super::summary::Summary;
use super::ReportStore;

/// What the "Summary" sheet of an Excel export states that the report store does not know: the
/// run and the file the report came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct XlsxAbout {
    /// The subscriber's display name (as the connection profile names it).
    pub subscriber_name: String,
    /// The subscriber's id in DX.
    pub subscriber_id: String,
    /// When the find that produced the report ran, as the caller shows it (written as given).
    pub find_time: String,
    /// Whether the report explains both environments' record counts; `false` is stated as
    /// "possibly partial".
    pub complete: bool,
    /// The name of the report file the rows were loaded from.
    pub source_file: String,
}

/// What [`ReportStore::export_xlsx`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct XlsxSummary {
    /// The final path of the workbook.
    pub path: PathBuf,
    /// Data rows written over all row sheets (headers not counted).
    pub rows: u64,
    /// Sheets in the workbook: "Summary" and the row sheets ("Rows", "Rows 2"…).
    pub sheets: u32,
    /// Bytes in the file.
    pub bytes: u64,
    /// Cells longer than Excel's 32,767 characters, cut to fit and ended with `…` (0 for any
    /// report DX writes).
    pub truncated_cells: u64,
}

/// Deflate level of the workbook's zip container (see [`ReportStore::export_xlsx`]).
const ZIP_LEVEL: u8 = 3;
/// Lines of an Excel sheet (1,048,576) less its header line: data rows per row sheet.
const MAX_DATA_ROWS_PER_SHEET: usize = 1_048_575;
/// Columns of an Excel sheet.
const MAX_SHEET_COLUMNS: usize = 16_384;
/// Characters an Excel cell holds (counted in UTF-16 units, as Excel does).
const MAX_CELL_CHARS: usize = 32_767;
/// Widest column set, in characters (a long name is cut on screen, never in the cell).
const MAX_COLUMN_WIDTH: usize = 60;
/// Narrowest column set, in characters.
const MIN_COLUMN_WIDTH: usize = 6;
/// Room for the autofilter's drop-down button beside a header, in characters.
const FILTER_BUTTON_WIDTH: usize = 3;

/// The name of the `n`-th row sheet (0-based): "Rows", "Rows 2", "Rows 3"…
fn rows_sheet_name(n: usize) -> String {
    if n == 0 {
        "Rows".to_string()
    } else {
        format!("Rows {}", n + 1)
    }
}

/// Row sheets needed for `rows` data rows at `per_sheet` rows a sheet (one, with only the
/// header, for an empty export).
const fn rows_sheets(rows: usize, per_sheet: usize) -> usize {
    if rows == 0 {
        1
    } else {
        rows.div_ceil(per_sheet)
    }
}

impl ReportStore {
    /// Writes the rows matching `filter`, in the order of `sort`, to a new Excel workbook at
    /// `path`: the same rows, order and columns (the report's extra columns included) as
    /// [`export`](Self::export) writes to CSV.
    ///
    /// - Sheet "Summary": a title, the facts of `about`, the rows exported and the filter and
    ///   order applied, then the exported rows counted by record type × record action (from
    ///   [`summary`](Self::summary), so a filtered export counts the filtered rows), with totals.
    /// - Sheet "Rows": a bold header row, frozen, an autofilter over the header and every data
    ///   row, and column widths that fit the content (at most 60 characters). Past Excel's
    ///   1,048,575 data rows a sheet, the rows go on on "Rows 2", "Rows 3"…, each with the same
    ///   header, freeze and autofilter.
    ///
    /// Every cell is written as text, exactly as the report holds it (no column of a report is
    /// numeric, and text keeps leading zeros and ids as they are); a text cell is never run as a
    /// formula, so no `'` is added as the CSV export does. A cell longer than Excel's 32,767
    /// characters is cut to fit ([`XlsxSummary::truncated_cells`]).
    ///
    /// Column widths are measured while the rows are written (the widest cell of each column,
    /// counted in characters, in one pass with the writing) and set once a sheet's rows are
    /// written: `rust_xlsxwriter` writes a sheet's `<cols>` when the workbook is saved, even in
    /// constant-memory mode, so no first pass over the cells and no sample is needed (the tests
    /// read the widths back from the file).
    ///
    /// The zip container is deflated at level 3 rather than the usual 6, deflate being most of
    /// the time: 1M rows took 9.5 s for 145 MB at level 3, 12.6 s for 137 MB at 6 and 7.1 s for
    /// 211 MB at 1 (`examples/xlsx_bench.rs`, 2 cores).
    ///
    /// The workbook is written to a temporary file `<name>.tmp-XXXXXX` in the destination
    /// folder (the row sheets' scratch files go to that folder too, and are deleted as soon as
    /// they are closed), then synced and renamed onto `path`: a failure leaves no file behind,
    /// and an existing file at `path` is only replaced by a complete workbook.
    pub fn export_xlsx(
        &self,
        filter: &Filter,
        sort: Option<(Column, Direction)>,
        path: impl AsRef<Path>,
        about: &XlsxAbout,
    ) -> Result<XlsxSummary, ReportError> {
        self.export_xlsx_split(filter, sort, path.as_ref(), about, MAX_DATA_ROWS_PER_SHEET)
    }

    /// [`export_xlsx`](Self::export_xlsx) with at most `per_sheet` data rows a row sheet.
    fn export_xlsx_split(
        &self,
        filter: &Filter,
        sort: Option<(Column, Direction)>,
        path: &Path,
        about: &XlsxAbout,
        per_sheet: usize,
    ) -> Result<XlsxSummary, ReportError> {
        let per_sheet = per_sheet.max(1);
        let columns = 10 + self.extra.len();
        if columns > MAX_SHEET_COLUMNS {
            return Err(ReportError::Xlsx {
                path: path.to_path_buf(),
                reason: format!(
                    "the report has {columns} columns, more than the {MAX_SHEET_COLUMNS} an Excel sheet holds"
                ),
            });
        }
        let rows = self.ordered(filter, sort)?;
        let (file, temp_path) = temp_file_beside(path, "report.xlsx")?;
        // rust_xlsxwriter's constant-memory scratch files go beside the workbook too.
        let dir = folder_of(path);
        let mut out = BufWriter::with_capacity(256 * 1024, file);

        let about_rows = AboutRows {
            about,
            rows: rows.len(),
            report_rows: self.rows,
            filter: describe_filter(filter),
            order: self.describe_order(sort),
        };
        let summary = self.summary(filter);
        // `rust_xlsxwriter` panics when a write to a sheet's scratch file fails (a full disk):
        // that becomes an error like any other, and the temporary file goes with it.
        let written = panic::catch_unwind(AssertUnwindSafe(|| -> Result<_, XlsxError> {
            let mut book = Workbook::new();
            book.set_tempdir(&dir)?;
            book.set_zip_compression_level(ZIP_LEVEL);
            write_summary_sheet(book.add_worksheet(), &about_rows, &summary)?;
            let written = self.write_rows_sheets(&mut book, &rows, per_sheet)?;
            book.save_to_writer(&mut out)?;
            Ok(written)
        }));
        let (sheets, truncated_cells) = match written {
            Ok(Ok(w)) => w,
            Ok(Err(e)) => return Err(xlsx_error(path, &dir, e)),
            Err(p) => {
                return Err(ReportError::Xlsx {
                    path: path.to_path_buf(),
                    reason: format!(
                        "the spreadsheet writer stopped: {} (is the disk full?)",
                        panic_text(p.as_ref())
                    ),
                })
            }
        };
        out.flush()
            .map_err(|e| ReportError::io("writing", path, e))?;
        let file = out
            .into_inner()
            .map_err(|e| ReportError::io("writing", path, e.into_error()))?;
        file.sync_all()
            .map_err(|e| ReportError::io("syncing", path, e))?;
        let bytes = file
            .metadata()
            .map_err(|e| ReportError::io("writing", path, e))?
            .len();
        persist_onto(file, temp_path, path)?;
        Ok(XlsxSummary {
            path: path.to_path_buf(),
            rows: rows.len() as u64,
            sheets: sheets as u32 + 1,
            bytes,
            truncated_cells,
        })
    }

    /// Writes the row sheets; returns how many and the cells cut to Excel's limit.
    fn write_rows_sheets(
        &self,
        book: &mut Workbook,
        rows: &super::query::OrderedRows,
        per_sheet: usize,
    ) -> Result<(usize, u64), XlsxError> {
        let columns: Vec<Column> = Column::CANONICAL
            .iter()
            .copied()
            .chain((0..self.extra.len()).map(|k| Column::Extra(k as u16)))
            .collect();
        let header: Vec<&str> = CANONICAL_HEADER
            .iter()
            .copied()
            .chain(self.extra.iter().map(String::as_str))
            .collect();
        let bold = Format::new().set_bold();
        let last_col = (columns.len() - 1) as u16;
        let sheets = rows_sheets(rows.len(), per_sheet);
        let mut buf: Vec<u8> = Vec::with_capacity(256);
        let mut truncated = 0u64;
        for s in 0..sheets {
            let ws = book.add_worksheet_with_constant_memory()?;
            ws.set_name(rows_sheet_name(s))?;
            // The widest cell of each column so far, in characters.
            let mut widths: Vec<usize> = header
                .iter()
                .map(|h| h.chars().count() + FILTER_BUTTON_WIDTH)
                .collect();
            for (c, h) in header.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)?;
            }
            let first = s * per_sheet;
            let last = rows.len().min(first + per_sheet);
            for (line, k) in (first..last).enumerate() {
                let i = rows.get(k);
                let line = line as u32 + 1;
                for (c, column) in columns.iter().enumerate() {
                    self.cell_into(i, *column, &mut buf);
                    if buf.is_empty() {
                        continue;
                    }
                    let mut text = match std::str::from_utf8(&buf) {
                        Ok(t) => t.to_string(),
                        Err(_) => String::from_utf8_lossy(&buf).into_owned(),
                    };
                    // UTF-8 takes at least as many bytes as UTF-16 takes units: most cells need
                    // no count.
                    if text.len() > MAX_CELL_CHARS && fit_cell(&mut text) {
                        truncated += 1;
                    }
                    // A cell has at most as many characters as bytes: count only when it could
                    // be the widest.
                    if text.len() > widths[c] && widths[c] < MAX_COLUMN_WIDTH {
                        widths[c] = widths[c].max(display_width(&text));
                    }
                    ws.write_string(line, c as u16, text)?;
                }
            }
            for (c, w) in widths.iter().enumerate() {
                let w = (*w + 1).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH);
                ws.set_column_width(c as u16, w as f64)?;
            }
            ws.set_freeze_panes(1, 0)?;
            ws.autofilter(0, 0, (last - first) as u32, last_col)?;
        }
        Ok((sheets, truncated))
    }

    /// The order of the export, in words.
    fn describe_order(&self, sort: Option<(Column, Direction)>) -> String {
        let Some((column, dir)) = sort else {
            return "as in the report".to_string();
        };
        let name = match column {
            Column::Extra(k) => self.extra.get(k as usize).cloned().unwrap_or_default(),
            c => c.canonical_name().unwrap_or_default().to_string(),
        };
        let dir = match dir {
            Direction::Asc => "ascending",
            Direction::Desc => "descending",
        };
        format!("by {name}, {dir}")
    }
}

/// The facts of the "Summary" sheet.
struct AboutRows<'a> {
    about: &'a XlsxAbout,
    rows: usize,
    report_rows: usize,
    filter: Option<String>,
    order: String,
}

/// The filter in words (`None` when it keeps every row).
fn describe_filter(filter: &Filter) -> Option<String> {
    if filter.is_empty() {
        return None;
    }
    // Every field by name, no `..`: a new filter field does not compile until it is described.
    let Filter {
        types,
        actions,
        subscribers,
        text,
    } = filter;
    let mut parts = Vec::new();
    let list = |v: Vec<&str>| v.join(", ");
    if !types.is_empty() {
        let v = types.iter().map(RecordType::as_str).collect();
        parts.push(format!("record types {}", list(v)));
    }
    if !actions.is_empty() {
        let v = actions.iter().map(RecordAction::as_str).collect();
        parts.push(format!("record actions {}", list(v)));
    }
    if !subscribers.is_empty() {
        let v = subscribers.iter().map(String::as_str).collect();
        parts.push(format!("subscribers {}", list(v)));
    }
    if !text.trim().is_empty() {
        parts.push(format!("text \"{}\"", text.trim()));
    }
    Some(parts.join("; "))
}

/// Title, facts, then the type × action table.
fn write_summary_sheet(
    ws: &mut Worksheet,
    about: &AboutRows<'_>,
    summary: &Summary,
) -> Result<(), XlsxError> {
    ws.set_name("Summary")?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, "DAM staging mismatch report", &title)?;
    let a = about.about;
    let subscriber = match (a.subscriber_name.is_empty(), a.subscriber_id.is_empty()) {
        (false, false) => format!("{} ({})", a.subscriber_name, a.subscriber_id),
        (false, true) => a.subscriber_name.clone(),
        _ => a.subscriber_id.clone(),
    };
    let filter = match &about.filter {
        None => format!("none: all {} rows of the report", about.report_rows),
        Some(f) => format!("{f} ({} of {} rows)", about.rows, about.report_rows),
    };
    let completeness = if a.complete {
        "complete"
    } else {
        "possibly partial"
    };
    let facts: [(&str, Option<&str>); 7] = [
        ("Subscriber", Some(&subscriber)),
        ("Find time", Some(&a.find_time)),
        ("Report", Some(completeness)),
        ("Source file", Some(&a.source_file)),
        ("Rows exported", None),
        ("Filter", Some(&filter)),
        ("Order", Some(&about.order)),
    ];
    let mut width_b = 12usize;
    let mut line = 2u32;
    for (label, value) in facts {
        ws.write_string_with_format(line, 0, label, &bold)?;
        match value {
            Some(v) => {
                ws.write_string(line, 1, v)?;
                width_b = width_b.max(display_width(v));
            }
            None => {
                ws.write_number(line, 1, about.rows as f64)?;
            }
        }
        line += 1;
    }

    // The table: record types down, record actions across, totals right and below.
    line += 1;
    ws.write_string_with_format(line, 0, "Rows by record type and record action", &bold)?;
    line += 1;
    let mut types: Vec<&RecordType> = Vec::new();
    let mut actions: Vec<&RecordAction> = Vec::new();
    for cell in &summary.cells {
        if !types.contains(&&cell.record_type) {
            types.push(&cell.record_type);
        }
        if !actions.contains(&&cell.record_action) {
            actions.push(&cell.record_action);
        }
    }
    // The summary's cells come in DX's order of types, then of actions within a type.
    actions.sort_by_cached_key(|a| {
        let i = RecordAction::KNOWN.iter().position(|k| k == *a);
        (i.unwrap_or(usize::MAX), a.as_str().to_string())
    });
    ws.write_string_with_format(line, 0, "Record type", &bold)?;
    for (j, a) in actions.iter().enumerate() {
        ws.write_string_with_format(line, j as u16 + 1, a.as_str(), &bold)?;
        width_b = width_b.max(a.as_str().len());
    }
    let total_col = actions.len() as u16 + 1;
    ws.write_string_with_format(line, total_col, "Total", &bold)?;
    line += 1;
    let mut width_a = 24usize;
    let mut column_totals = vec![0u64; actions.len()];
    for t in &types {
        ws.write_string(line, 0, t.as_str())?;
        width_a = width_a.max(t.as_str().chars().count());
        let mut row_total = 0;
        for (j, a) in actions.iter().enumerate() {
            let n = summary.count(t, a);
            ws.write_number(line, j as u16 + 1, n as f64)?;
            row_total += n;
            column_totals[j] += n;
        }
        ws.write_number_with_format(line, total_col, row_total as f64, &bold)?;
        line += 1;
    }
    ws.write_string_with_format(line, 0, "Total", &bold)?;
    for (j, n) in column_totals.iter().enumerate() {
        ws.write_number_with_format(line, j as u16 + 1, *n as f64, &bold)?;
    }
    ws.write_number_with_format(line, total_col, summary.total as f64, &bold)?;

    ws.set_column_width(0, width_a.min(MAX_COLUMN_WIDTH) as f64 + 2.0)?;
    ws.set_column_width(1, width_b.min(MAX_COLUMN_WIDTH) as f64 + 2.0)?;
    for j in 1..actions.len() {
        ws.set_column_width(j as u16 + 1, 12)?;
    }
    if !actions.is_empty() {
        ws.set_column_width(total_col, 12)?;
    }
    Ok(())
}

/// Characters a cell shows, the measure of a column's width.
fn display_width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// Cuts `text` to Excel's cell limit, ending it with `…`; whether it was cut.
fn fit_cell(text: &mut String) -> bool {
    if text.encode_utf16().count() <= MAX_CELL_CHARS {
        return false;
    }
    let mut units = 0;
    let mut end = text.len();
    for (i, ch) in text.char_indices() {
        if units + ch.len_utf16() > MAX_CELL_CHARS - 1 {
            end = i;
            break;
        }
        units += ch.len_utf16();
    }
    text.truncate(end);
    text.push('…');
    true
}

/// A `rust_xlsxwriter` error as this crate's, naming the workbook (or the folder of a scratch
/// file).
fn xlsx_error(path: &Path, dir: &Path, e: XlsxError) -> ReportError {
    match e {
        XlsxError::IoError(source) => ReportError::io("writing", path, source),
        XlsxError::TempFileError(_, source) => {
            ReportError::io("creating a scratch file in", dir, source)
        }
        other => ReportError::Xlsx {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

/// The message of a panic's payload.
fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown failure".to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::model::MismatchRow;
    use crate::store::Query;

    fn row(i: usize) -> MismatchRow {
        let name = match i % 5 {
            0 => format!("=HYPERLINK(\"x\") {i}.jpg"),
            1 => format!("café 東京 {i}.png"),
            2 => format!("multi\nline {i}.jpg"),
            3 => format!("{}-{i}.jpg", "very-long-name".repeat(8)),
            _ => format!("IMG_{i:05}.jpg"),
        };
        MismatchRow {
            subscriber_id: format!("sub-{}", i % 2),
            record_type: [
                RecordType::Rendition,
                RecordType::MediaItem,
                RecordType::Version,
                RecordType::Other("ZZ_NEW".into()),
            ][i % 7 % 4]
                .clone(),
            record_action: [
                RecordAction::Create,
                RecordAction::Update,
                RecordAction::Delete,
            ][i % 3]
                .clone(),
            record_id: format!("{i:08x}-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
            collection_id: format!("col-{}", i % 5),
            name,
            publisher_hash: format!("{:032x}", i * 7919),
            subscriber_hash: if i.is_multiple_of(3) {
                String::new()
            } else {
                format!("{:032x}", i)
            },
            created: format!("2025-05-01T10:00:{:02}.000Z", i % 60),
            log_id: format!("log-{i}"),
            extra: vec![("tenant".into(), format!("t{}", i % 2))],
        }
    }

    fn store(n: usize) -> ReportStore {
        let rows: Vec<MismatchRow> = (0..n).map(row).collect();
        ReportStore::from_rows(&rows).unwrap()
    }

    fn about() -> XlsxAbout {
        XlsxAbout {
            subscriber_name: "Production EU".into(),
            subscriber_id: "b1c2d3e4-0000-4000-8000-000000000001".into(),
            find_time: "2025-05-01 10:00 UTC".into(),
            complete: false,
            source_file: "mismatch-2025-05-01.csv".into(),
        }
    }

    /// A sheet's cells as text, row by row (empty cells as "").
    fn cells(path: &Path, sheet: &str) -> Vec<Vec<String>> {
        let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
        let range = book.worksheet_range(sheet).unwrap();
        assert_eq!(range.start(), Some((0, 0)), "{sheet} starts at A1");
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|d| match d {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    fn sheet_names(path: &Path) -> Vec<String> {
        let book: Xlsx<_> = calamine::open_workbook(path).unwrap();
        book.sheet_names()
    }

    /// The XML of the `n`-th sheet (1-based, "Summary" is 1).
    fn sheet_xml(path: &Path, n: usize) -> String {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut entry = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap();
        let mut xml = String::new();
        entry.read_to_string(&mut xml).unwrap();
        xml
    }

    /// `(first column, last column, width)` of each `<col>` element (1-based columns).
    fn col_widths(xml: &str) -> Vec<(usize, usize, f64)> {
        let attr = |el: &str, name: &str| -> String {
            let start = el.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            el[start..].split('"').next().unwrap().to_string()
        };
        xml.split("<col ")
            .skip(1)
            .map(|el| {
                let el = format!(" {}", el.split("/>").next().unwrap());
                let el = el.as_str();
                (
                    attr(el, "min").parse().unwrap(),
                    attr(el, "max").parse().unwrap(),
                    attr(el, "width").parse().unwrap(),
                )
            })
            .collect()
    }

    /// What the store's query gives, as the cells of the row sheets.
    fn expected(
        s: &ReportStore,
        filter: &Filter,
        sort: Option<(Column, Direction)>,
    ) -> Vec<Vec<String>> {
        let q = Query {
            filter: filter.clone(),
            sort,
            limit: u64::MAX,
            ..Default::default()
        };
        s.query(&q)
            .unwrap()
            .rows
            .into_iter()
            .map(|w| {
                let r = w.row;
                let mut v: Vec<String> = vec![
                    r.subscriber_id,
                    r.record_type.as_str().to_string(),
                    r.record_action.as_str().to_string(),
                    r.record_id,
                    r.collection_id,
                    r.name,
                    r.publisher_hash,
                    r.subscriber_hash,
                    r.created,
                    r.log_id,
                ];
                v.extend(r.extra.into_iter().map(|(_, x)| x));
                v
            })
            .collect()
    }

    fn header() -> Vec<String> {
        CANONICAL_HEADER
            .iter()
            .map(|h| h.to_string())
            .chain(["tenant".to_string()])
            .collect()
    }

    #[test]
    fn filtered_sorted_export_reads_back_with_its_summary() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(60);
        let filter = Filter {
            types: vec![RecordType::Rendition, RecordType::MediaItem],
            subscribers: vec!["sub-1".into()],
            ..Default::default()
        };
        let sort = Some((Column::Name, Direction::Desc));
        let path = dir.path().join("export.xlsx");
        let out = s.export_xlsx(&filter, sort, &path, &about()).unwrap();
        let want = expected(&s, &filter, sort);
        assert!(want.len() > 5 && want.len() < 60, "{}", want.len());
        assert_eq!(out.rows, want.len() as u64);
        assert_eq!(out.sheets, 2);
        assert_eq!(out.truncated_cells, 0);
        assert_eq!(out.path, path);
        assert_eq!(out.bytes, std::fs::metadata(&path).unwrap().len());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec!["export.xlsx"], "no temporary file left");
        assert_eq!(sheet_names(&path), vec!["Summary", "Rows"]);

        // Rows: the header, then the rows in the query's order, formula-like text as is.
        let rows = cells(&path, "Rows");
        assert_eq!(rows[0], header());
        assert_eq!(rows[1..], want[..]);
        let names: Vec<&str> = rows[1..].iter().map(|r| r[5].as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(names, sorted, "name descending");
        assert!(rows
            .iter()
            .all(|r| r[0] == "sub-1" || r[0] == "subscriberId"));
        assert!(names.iter().any(|n| n.starts_with("=HYPERLINK")));
        assert!(names.iter().any(|n| n.contains("東京")));
        assert!(names.iter().any(|n| n.contains('\n')));

        // Summary: the facts, then the type × action table of the exported rows.
        let sum = cells(&path, "Summary");
        let value = |label: &str| -> String {
            sum.iter()
                .find(|r| r[0] == label)
                .unwrap_or_else(|| panic!("no {label}"))[1]
                .clone()
        };
        assert_eq!(sum[0][0], "DAM staging mismatch report");
        assert_eq!(
            value("Subscriber"),
            "Production EU (b1c2d3e4-0000-4000-8000-000000000001)"
        );
        assert_eq!(value("Find time"), "2025-05-01 10:00 UTC");
        assert_eq!(value("Report"), "possibly partial");
        assert_eq!(value("Source file"), "mismatch-2025-05-01.csv");
        assert_eq!(value("Rows exported"), want.len().to_string());
        assert_eq!(
            value("Filter"),
            format!(
                "record types RENDITION, MEDIA_ITEM; subscribers sub-1 ({} of 60 rows)",
                want.len()
            )
        );
        assert_eq!(value("Order"), "by name, descending");
        let top = sum.iter().position(|r| r[0] == "Record type").unwrap();
        let actions: Vec<&str> = sum[top][1..].iter().map(String::as_str).collect();
        assert_eq!(actions, ["CREATE", "UPDATE", "DELETE", "Total"]);
        let count = |t: &str, a: &str| -> u64 {
            want.iter().filter(|r| r[1] == t && r[2] == a).count() as u64
        };
        let mut grand = 0;
        for (k, t) in ["MEDIA_ITEM", "RENDITION"].iter().enumerate() {
            let line = &sum[top + 1 + k];
            assert_eq!(line[0], *t, "types in DX's order");
            let mut total = 0;
            for (j, a) in ["CREATE", "UPDATE", "DELETE"].iter().enumerate() {
                assert_eq!(line[1 + j], count(t, a).to_string(), "{t} {a}");
                total += count(t, a);
            }
            assert_eq!(line[4], total.to_string());
            grand += total;
        }
        let totals = &sum[top + 3];
        assert_eq!(totals[0], "Total");
        assert_eq!(totals[4], want.len().to_string());
        assert_eq!(grand, want.len() as u64);
        assert_eq!(sum.len(), top + 4, "nothing after the totals");
    }

    #[test]
    fn rows_sheet_has_a_bold_frozen_header_an_autofilter_and_fitted_widths() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(30);
        let path = dir.path().join("all.xlsx");
        let mut about = about();
        about.complete = true;
        let out = s
            .export_xlsx(&Filter::default(), None, &path, &about)
            .unwrap();
        assert_eq!(out.rows, 30);
        let rows = cells(&path, "Rows");
        assert_eq!(rows.len(), 31);
        assert_eq!(rows[1..], expected(&s, &Filter::default(), None)[..]);
        let sum = cells(&path, "Summary");
        let value = |label: &str| sum.iter().find(|r| r[0] == label).unwrap()[1].clone();
        assert_eq!(value("Report"), "complete");
        assert_eq!(value("Filter"), "none: all 30 rows of the report");
        assert_eq!(value("Order"), "as in the report");
        let top = sum.iter().position(|r| r[0] == "Record type").unwrap();
        let types: Vec<&str> = sum[top + 1..sum.len() - 1]
            .iter()
            .map(|r| r[0].as_str())
            .collect();
        assert_eq!(
            types,
            ["MEDIA_ITEM", "RENDITION", "VERSION", "ZZ_NEW"],
            "unknown types last"
        );

        let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let styles = book.worksheet_style("Rows").unwrap();
        let bold = |r: u32, c: u32| {
            styles
                .get((r, c))
                .and_then(|s| s.font.as_ref())
                .is_some_and(|f| f.is_bold())
        };
        assert!((0..11).all(|c| bold(0, c)), "header bold");
        assert!(!bold(1, 0), "data not bold");

        let xml = sheet_xml(&path, 2);
        assert!(
            xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
            "header frozen"
        );
        assert!(xml.contains(r#"<autoFilter ref="A1:K31"/>"#), "autofilter");
        // Widths: the widest cell (or the header and its filter button), plus one, capped.
        let widths = col_widths(&xml);
        for c in 0..11 {
            let widest = rows
                .iter()
                .enumerate()
                .map(|(k, r)| r[c].chars().count() + if k == 0 { 3 } else { 0 })
                .max()
                .unwrap();
            let want = (widest + 1).clamp(6, 60) as f64;
            let got = widths
                .iter()
                .find(|(a, b, _)| (*a..=*b).contains(&(c + 1)))
                .unwrap_or_else(|| panic!("no width for column {c}"))
                .2;
            assert!((got - want).abs() < 1.0, "column {c}: {got} for {want}");
        }
        let name = widths.iter().find(|(a, _, _)| *a == 6).unwrap().2;
        assert!(name > 59.0 && name < 61.0, "long names capped: {name}");
    }

    #[test]
    fn rows_past_the_sheet_limit_go_on_on_further_sheets() {
        assert_eq!(rows_sheets(0, 4), 1);
        assert_eq!(rows_sheets(4, 4), 1);
        assert_eq!(rows_sheets(5, 4), 2);
        assert_eq!(rows_sheets(1_048_575, MAX_DATA_ROWS_PER_SHEET), 1);
        assert_eq!(rows_sheets(1_048_576, MAX_DATA_ROWS_PER_SHEET), 2);
        assert_eq!(rows_sheets(5_000_000, MAX_DATA_ROWS_PER_SHEET), 5);

        let dir = tempfile::tempdir().unwrap();
        let s = store(10);
        let sort = Some((Column::LogId, Direction::Asc));
        let path = dir.path().join("split.xlsx");
        let out = s
            .export_xlsx_split(&Filter::default(), sort, &path, &about(), 4)
            .unwrap();
        assert_eq!((out.rows, out.sheets), (10, 4));
        assert_eq!(sheet_names(&path), ["Summary", "Rows", "Rows 2", "Rows 3"]);
        let want = expected(&s, &Filter::default(), sort);
        let mut got = Vec::new();
        for (n, (sheet, lines)) in [("Rows", 4), ("Rows 2", 4), ("Rows 3", 2)]
            .into_iter()
            .enumerate()
        {
            let rows = cells(&path, sheet);
            assert_eq!(rows[0], header(), "{sheet} has the header");
            assert_eq!(rows.len(), lines + 1, "{sheet}");
            got.extend(rows[1..].iter().cloned());
            let xml = sheet_xml(&path, n + 2);
            assert!(xml.contains(r#"state="frozen""#), "{sheet} frozen");
            let filter = format!(r#"<autoFilter ref="A1:K{}"/>"#, lines + 1);
            assert!(xml.contains(&filter), "{sheet}: {filter}");
        }
        assert_eq!(got, want, "every row once, in order");
        let sum = cells(&path, "Summary");
        let exported = sum.iter().find(|r| r[0] == "Rows exported").unwrap();
        assert_eq!(exported[1], "10");

        // Exactly full sheets: no empty one after them.
        let even = dir.path().join("even.xlsx");
        let out = s
            .export_xlsx_split(&Filter::default(), None, &even, &about(), 5)
            .unwrap();
        assert_eq!(out.sheets, 3);
        assert_eq!(sheet_names(&even), ["Summary", "Rows", "Rows 2"]);
    }

    #[test]
    fn an_empty_export_has_the_header_and_an_empty_table() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(12);
        let filter = Filter {
            text: "no such text".into(),
            ..Default::default()
        };
        let path = dir.path().join("none.xlsx");
        let out = s.export_xlsx(&filter, None, &path, &about()).unwrap();
        assert_eq!((out.rows, out.sheets), (0, 2));
        assert_eq!(cells(&path, "Rows"), vec![header()]);
        assert!(sheet_xml(&path, 2).contains(r#"<autoFilter ref="A1:K1"/>"#));
        let sum = cells(&path, "Summary");
        let total = sum.last().unwrap();
        assert_eq!((total[0].as_str(), total[1].as_str()), ("Total", "0"));
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-folder");
        let path = missing.join("r.xlsx");
        let err = store(3)
            .export_xlsx(&Filter::default(), None, &path, &about())
            .unwrap_err();
        assert!(matches!(err, ReportError::Io { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );
        assert!(!path.exists() && !missing.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failed_rename_names_the_target_and_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a folder: the workbook is written, the rename onto it fails.
        let path = dir.path().join("taken.xlsx");
        std::fs::create_dir(&path).unwrap();
        let err = store(3)
            .export_xlsx(&Filter::default(), None, &path, &about())
            .unwrap_err();
        assert!(err.to_string().contains("taken.xlsx"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec!["taken.xlsx"], "only the folder that was there");
        assert!(path.is_dir());
    }

    #[test]
    fn a_cell_past_excels_limit_is_cut_to_fit() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = row(4);
        r.name = "é".repeat(40_000);
        let s = ReportStore::from_rows([&r, &row(5)]).unwrap();
        let path = dir.path().join("long.xlsx");
        let out = s
            .export_xlsx(&Filter::default(), None, &path, &about())
            .unwrap();
        assert_eq!(out.truncated_cells, 1);
        let rows = cells(&path, "Rows");
        let name = &rows[1][5];
        assert_eq!(name.chars().count(), MAX_CELL_CHARS);
        assert!(name.ends_with('…') && name.starts_with("éé"));
        assert_eq!(rows[2][5], row(5).name);

        let mut short = "x".repeat(MAX_CELL_CHARS);
        assert!(!fit_cell(&mut short), "exactly the limit fits");
        let mut wide = "😀".repeat(MAX_CELL_CHARS / 2 + 1);
        assert!(fit_cell(&mut wide));
        assert!(wide.encode_utf16().count() <= MAX_CELL_CHARS);
    }

    #[test]
    fn xlsx_errors_name_the_workbook() {
        let e = xlsx_error(
            Path::new("/out/r.xlsx"),
            Path::new("/out"),
            XlsxError::RowColumnLimitError,
        );
        assert!(matches!(e, ReportError::Xlsx { .. }));
        assert!(e.to_string().contains("/out/r.xlsx"), "{e}");
        let e = xlsx_error(
            Path::new("/out/r.xlsx"),
            Path::new("/out"),
            XlsxError::IoError(std::io::Error::other("disk full")),
        );
        assert!(e.to_string().contains("/out/r.xlsx") && e.to_string().contains("disk full"));
    }
}
