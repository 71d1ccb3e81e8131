//! Streaming CSV writer for mismatch reports: rows in, bytes out, temp file renamed on finish.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tempfile::{NamedTempFile, TempPath};

use crate::cell::needs_neutralising;
use crate::error::ReportError;
use crate::model::{MismatchRow, CANONICAL_HEADER};

/// How a report file is written.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Start the file with a UTF-8 byte order mark (helps spreadsheet programs detect UTF-8).
    pub bom: bool,
    /// Extra columns after the canonical ones, in this order.
    ///
    /// The header is fixed when the first line is written, so the set of extra columns must be
    /// known then: `Some(names)` fixes it up front; `None` (the default) takes the extra column
    /// names of the **first row** written, in that row's order. A later row that carries an extra
    /// column not in the header is an error ([`ReportError::UnknownExtraColumn`]) rather than being
    /// silently dropped; a row lacking one of the header's extra columns gets an empty cell.
    pub extra_columns: Option<Vec<String>>,
    /// Prefix cells a spreadsheet would run as a formula with `'` (on by default; see [`crate::cell`]).
    pub neutralise_formulas: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            bom: false,
            extra_columns: None,
            neutralise_formulas: true,
        }
    }
}

/// What [`ReportWriter::finish`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteSummary {
    /// The final path of the report.
    pub path: PathBuf,
    /// Data rows written (the header not counted).
    pub rows: u64,
    /// Bytes in the file.
    pub bytes: u64,
}

struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a mismatch report as CSV, one row at a time.
///
/// The file is UTF-8, RFC 4180 (fields quoted only when needed, `"` doubled, CRLF line ends),
/// the canonical header first ([`CANONICAL_HEADER`] then the extra columns). Bytes go to a
/// temporary file `<name>.tmp-XXXXXX` in the target's directory, which [`finish`](Self::finish)
/// flushes, syncs and renames onto the target; dropping the writer without `finish` removes it,
/// so a crash never leaves a half report that looks whole.
pub struct ReportWriter {
    csv: csv::Writer<CountingWriter<BufWriter<File>>>,
    temp_path: TempPath,
    path: PathBuf,
    options: WriterOptions,
    extra: Option<Vec<String>>,
    rows: u64,
    scratch: Vec<u8>,
    extra_cells: Vec<usize>,
}

impl std::fmt::Debug for ReportWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportWriter")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl ReportWriter {
    /// Starts a report at `path` (the file appears there only on [`finish`](Self::finish)).
    pub fn create(path: impl AsRef<Path>, options: WriterOptions) -> Result<Self, ReportError> {
        let path = path.as_ref().to_path_buf();
        let (file, temp_path) = temp_file_beside(&path, "report.csv")?;
        let mut counting = CountingWriter {
            inner: BufWriter::with_capacity(256 * 1024, file),
            bytes: 0,
        };
        if options.bom {
            counting
                .write_all("\u{feff}".as_bytes())
                .map_err(|e| ReportError::io("writing", &path, e))?;
        }
        let csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(false)
            .from_writer(counting);
        let extra = options.extra_columns.clone();
        let mut w = ReportWriter {
            csv,
            temp_path,
            path,
            options,
            extra,
            rows: 0,
            scratch: Vec::new(),
            extra_cells: Vec::new(),
        };
        if w.extra.is_some() {
            w.write_header()?;
        }
        Ok(w)
    }

    /// The extra columns of the header (known once the header is written).
    pub fn extra_columns(&self) -> Option<&[String]> {
        self.extra.as_deref()
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn write_error(&self, e: impl Into<io::Error>) -> ReportError {
        ReportError::io("writing", &self.path, e.into())
    }

    fn csv_error(&self, e: csv::Error) -> ReportError {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => self.write_error(io),
            other => self.write_error(io::Error::other(format!("{other:?}"))),
        }
    }

    fn write_header(&mut self) -> Result<(), ReportError> {
        let extra = self.extra.clone().unwrap_or_default();
        let neutralise = self.options.neutralise_formulas;
        for h in CANONICAL_HEADER
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
        {
            self.cell(h, neutralise)?;
        }
        self.end_record()
    }

    fn cell(&mut self, text: &str, neutralise: bool) -> Result<(), ReportError> {
        let r = if neutralise && needs_neutralising(text.as_bytes()) {
            self.scratch.clear();
            self.scratch.push(b'\'');
            self.scratch.extend_from_slice(text.as_bytes());
            self.csv.write_field(&self.scratch)
        } else {
            self.csv.write_field(text)
        };
        r.map_err(|e| self.csv_error(e))
    }

    fn end_record(&mut self) -> Result<(), ReportError> {
        self.csv
            .write_record(None::<&[u8]>)
            .map_err(|e| self.csv_error(e))
    }

    /// Appends one row.
    pub fn write_row(&mut self, row: &MismatchRow) -> Result<(), ReportError> {
        if self.extra.is_none() {
            self.extra = Some(row.extra.iter().map(|(k, _)| k.clone()).collect());
            self.write_header()?;
        }
        // Match the row's extras to the header's extra columns by name.
        let header_extra = self.extra.as_deref().unwrap_or(&[]);
        self.extra_cells.clear();
        self.extra_cells.resize(header_extra.len(), usize::MAX);
        for (i, (k, _)) in row.extra.iter().enumerate() {
            match header_extra.iter().position(|h| h == k) {
                Some(j) => self.extra_cells[j] = i,
                None => {
                    return Err(ReportError::UnknownExtraColumn {
                        row: self.rows + 1,
                        column: crate::error::shorten(k),
                    })
                }
            }
        }
        let canonical = [
            row.subscriber_id.as_str(),
            row.record_type.as_str(),
            row.record_action.as_str(),
            &row.record_id,
            &row.collection_id,
            &row.name,
            &row.publisher_hash,
            &row.subscriber_hash,
            &row.created,
            &row.log_id,
        ];
        let neutralise = self.options.neutralise_formulas;
        for c in canonical {
            self.cell(c, neutralise)?;
        }
        for j in 0..self.extra_cells.len() {
            let i = self.extra_cells[j];
            let v = if i == usize::MAX {
                ""
            } else {
                row.extra[i].1.as_str()
            };
            // `row` is borrowed separately from `self`, so no clone is needed.
            self.cell(v, neutralise)?;
        }
        self.end_record()?;
        self.rows += 1;
        Ok(())
    }

    /// Appends one row given as its canonical cells and the cells of the header's extra columns
    /// (same order as [`extra_columns`](Self::extra_columns), which must be fixed already).
    pub(crate) fn write_cells(
        &mut self,
        canonical: &[&str; 10],
        extras: &[&str],
    ) -> Result<(), ReportError> {
        if self.extra.is_none() {
            self.extra = Some(Vec::new());
            self.write_header()?;
        }
        let neutralise = self.options.neutralise_formulas;
        for c in canonical {
            self.cell(c, neutralise)?;
        }
        let n = self.extra.as_ref().map_or(0, Vec::len);
        for j in 0..n {
            self.cell(extras.get(j).copied().unwrap_or(""), neutralise)?;
        }
        self.end_record()?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes, syncs and renames the temporary file onto the target path.
    pub fn finish(mut self) -> Result<WriteSummary, ReportError> {
        if self.extra.is_none() {
            self.extra = Some(Vec::new());
            self.write_header()?;
        }
        self.csv.flush().map_err(|e| self.write_error(e))?;
        let ReportWriter {
            csv,
            temp_path,
            path,
            rows,
            ..
        } = self;
        let counting = csv
            .into_inner()
            .map_err(|e| ReportError::io("writing", &path, e.into_error()))?;
        let bytes = counting.bytes;
        let file = counting
            .inner
            .into_inner()
            .map_err(|e| ReportError::io("writing", &path, e.into_error()))?;
        file.sync_all()
            .map_err(|e| ReportError::io("syncing", &path, e))?;
        persist_onto(file, temp_path, &path)?;
        Ok(WriteSummary { path, rows, bytes })
    }
}

/// A new temporary file in the folder of `path` (the current folder for a bare name), named
/// after it (`fallback_name` when `path` has no name), to be renamed onto it by
/// [`persist_onto`]; deleted if dropped before.
pub(crate) fn temp_file_beside(
    path: &Path,
    fallback_name: &str,
) -> Result<(File, TempPath), ReportError> {
    let dir = folder_of(path);
    let file_name = path.file_name().map_or_else(
        || fallback_name.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let temp: NamedTempFile = tempfile::Builder::new()
        .prefix(&format!("{}.tmp-", temp_stem(&file_name)))
        .tempfile_in(&dir)
        .map_err(|e| ReportError::io("creating a temporary file in", &dir, e))?;
    Ok(temp.into_parts())
}

/// The folder a file at `path` goes in (the current folder for a bare name).
pub(crate) fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Closes the (synced) temporary file and renames it onto `path`.
pub(crate) fn persist_onto(
    file: File,
    temp_path: TempPath,
    path: &Path,
) -> Result<(), ReportError> {
    // Closed before the rename: Windows cannot rename a file that is open without sharing.
    drop(file);
    temp_path
        .persist(path)
        .map_err(|e| ReportError::io(persist_action(&e.error, cfg!(windows)), path, e.error))
}

/// Longest part of the target's name used in the temporary file's name: with `.tmp-` and six
/// random characters it stays under the 255 bytes every file system allows.
const MAX_TEMP_STEM_BYTES: usize = 200;

/// The target's name shortened (on a character boundary) for the temporary file's name.
fn temp_stem(file_name: &str) -> &str {
    let mut end = file_name.len().min(MAX_TEMP_STEM_BYTES);
    while !file_name.is_char_boundary(end) {
        end -= 1;
    }
    &file_name[..end]
}

/// What the rename onto the target was, for the error message. On Windows replacing a file
/// fails with "access denied" (5) or a sharing violation (32, 33) while another program, such as
/// a spreadsheet, has it open; the message says so.
fn persist_action(e: &io::Error, windows: bool) -> &'static str {
    let in_use = windows
        && (e.kind() == io::ErrorKind::PermissionDenied
            || matches!(e.raw_os_error(), Some(5 | 32 | 33)));
    if in_use {
        "replacing (is it open in another program? close it and try again)"
    } else {
        "renaming the temporary file onto"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordAction, RecordType};

    fn row(id: &str, name: &str) -> MismatchRow {
        MismatchRow {
            subscriber_id: "sub-1".into(),
            record_type: RecordType::MediaItem,
            record_action: RecordAction::Create,
            record_id: id.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn writes_header_rows_quoting_and_neutralisation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut w = ReportWriter::create(&path, WriterOptions::default()).unwrap();
        w.write_row(&row("a", "plain.jpg")).unwrap();
        w.write_row(&row("b", "a, \"quoted\"\nname")).unwrap();
        w.write_row(&row("c", "=HYPERLINK(1)")).unwrap();
        assert!(!path.exists(), "target appears only on finish");
        let s = w.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(s.rows, 3);
        assert_eq!(s.bytes, text.len() as u64);
        let expected = "subscriberId,recordType,recordAction,recordId,collectionId,name,publisherHash,subscriberHash,created,logId\r\n\
sub-1,MEDIA_ITEM,CREATE,a,,plain.jpg,,,,\r\n\
sub-1,MEDIA_ITEM,CREATE,b,,\"a, \"\"quoted\"\"\nname\",,,,\r\n\
sub-1,MEDIA_ITEM,CREATE,c,,'=HYPERLINK(1),,,,\r\n";
        assert_eq!(text, expected);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );
    }

    #[test]
    fn bom_and_extras_from_first_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let opts = WriterOptions {
            bom: true,
            ..Default::default()
        };
        let mut w = ReportWriter::create(&path, opts).unwrap();
        let mut r = row("a", "n");
        r.extra = vec![("tenant".into(), "t1".into()), ("zone".into(), "z".into())];
        w.write_row(&r).unwrap();
        // Missing extra → empty cell; different order is matched by name.
        r.extra = vec![("zone".into(), "z2".into())];
        w.write_row(&r).unwrap();
        r.extra = vec![("other".into(), "x".into())];
        let err = w.write_row(&r).unwrap_err();
        assert!(
            matches!(&err, ReportError::UnknownExtraColumn { row: 3, column } if column == "other")
        );
        w.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with("\u{feff}subscriberId".as_bytes()));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].ends_with(",logId,tenant,zone"));
        assert!(lines[1].ends_with(",t1,z"));
        assert!(lines[2].ends_with(",,z2"));
    }

    #[test]
    fn empty_report_has_header_and_drop_removes_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.csv");
        let s = ReportWriter::create(&path, WriterOptions::default())
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(s.rows, 0);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, CANONICAL_HEADER.join(",") + "\r\n");

        let other = dir.path().join("dropped.csv");
        let mut w = ReportWriter::create(&other, WriterOptions::default()).unwrap();
        w.write_row(&row("a", "n")).unwrap();
        drop(w);
        assert!(!other.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn long_target_names_get_a_temporary_name_that_fits() {
        // 250 bytes: valid everywhere, but `<name>.tmp-XXXXXX` would pass the 255-byte limit.
        let dir = tempfile::tempdir().unwrap();
        let name = format!("{}.csv", "é".repeat(123));
        assert_eq!(name.len(), 250);
        let path = dir.path().join(&name);
        let mut w = ReportWriter::create(&path, WriterOptions::default()).unwrap();
        w.write_row(&row("a", "n")).unwrap();
        assert_eq!(w.finish().unwrap().rows, 1);
        assert!(path.exists());
        assert_eq!(temp_stem(&"é".repeat(150)).len(), MAX_TEMP_STEM_BYTES);
        assert_eq!(temp_stem("r.csv"), "r.csv");
    }

    #[test]
    fn a_target_open_elsewhere_on_windows_is_explained() {
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let sharing = io::Error::from_raw_os_error(32);
        assert!(persist_action(&denied, true).contains("open in another program"));
        assert!(persist_action(&sharing, true).contains("open in another program"));
        assert_eq!(
            persist_action(&denied, false),
            "renaming the temporary file onto"
        );
        let other = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(
            persist_action(&other, true),
            "renaming the temporary file onto"
        );
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let err = ReportWriter::create("/nonexistent-dir-xyz/r.csv", WriterOptions::default())
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent-dir-xyz"), "{err}");
    }
}
