//! Streaming CSV reader for mismatch reports: ours and foreign ones (DXClient-like).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cell::neutralised_prefix_len;
use crate::error::{shorten, show_record, ReportError};
use crate::header::{Column, HeaderMap};
use crate::model::{MismatchRow, RecordAction, RecordType};

/// What to do with a line that cannot be read as a mismatch row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OnMalformed {
    /// Stop with an error naming the line (the default).
    #[default]
    Fail,
    /// Skip the line, count it and keep the first [`MAX_KEPT_ERRORS`] errors.
    Skip,
}

/// How many skipped-line errors are kept for display.
pub const MAX_KEPT_ERRORS: usize = 100;

/// The most columns a report's header may have: 1,000. A report has the ten columns of a
/// mismatch log and a few extra fields; the store keeps a column per header cell and reserves
/// room per column, so a hostile header (a line of a million commas) is refused before that
/// ([`ReportError::TooManyColumns`]).
pub const MAX_COLUMNS: usize = 1000;

/// Default of [`ReaderOptions::max_bytes`]: 8 GiB. The store holds a report in about its size in
/// memory (a 1,000,000-row report is 260 MB on disk and ~240 MB loaded), so this is ~30 times the
/// largest reports DX produces and about the memory of a desktop; a larger file (or a device, a
/// disk image picked by mistake) is refused at once instead of filling the memory.
pub const DEFAULT_MAX_BYTES: u64 = 8 << 30;

/// Default of [`ReaderOptions::max_line_bytes`]: 1 MiB. A row of a mismatch report is ~260
/// bytes (ids, hashes, a name); 1 MiB is thousands of times that, yet bounds what a line without
/// an end (or an unclosed quote) makes the parser buffer.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 1 << 20;

/// The header line is parsed from the first block read (4 MiB), so it is never longer than
/// this, whatever [`ReaderOptions::max_line_bytes`] says.
pub(crate) const MAX_HEADER_BYTES: u64 = 4 << 20;

/// How a report file is read.
///
/// Missing fields take their defaults when deserialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReaderOptions {
    /// Malformed lines (wrong number of fields, text that is not UTF-8): fatal or skipped.
    pub on_malformed: OnMalformed,
    /// Undo the writer's formula neutralisation (drop the `'` it added; see [`crate::cell`]).
    pub unneutralise: bool,
    /// The largest file (or stream) opened, in bytes ([`DEFAULT_MAX_BYTES`]); a file's size is
    /// checked before anything is read or reserved, a stream's as it is read
    /// ([`ReportError::FileTooLarge`]).
    pub max_bytes: u64,
    /// The longest record (a line, with its line end; or several lines when a quoted field holds
    /// line ends), in bytes ([`DEFAULT_MAX_LINE_BYTES`]); also bounds the header line (never
    /// more than 4 MiB). A longer one stops reading ([`ReportError::LineTooLong`], never skipped).
    pub max_line_bytes: u64,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            on_malformed: OnMalformed::Fail,
            unneutralise: true,
            max_bytes: DEFAULT_MAX_BYTES,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

impl ReaderOptions {
    /// The longest header line accepted.
    pub(crate) fn max_header_bytes(&self) -> u64 {
        self.max_line_bytes.min(MAX_HEADER_BYTES)
    }

    /// The error for a file or stream of `size` bytes (or more) at `path`.
    pub(crate) fn too_large(&self, path: impl Into<PathBuf>, size: u64) -> ReportError {
        ReportError::FileTooLarge {
            path: path.into(),
            size,
            limit: self.max_bytes,
        }
    }
}

/// Lines skipped while reading, with the first few reasons.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Number of lines skipped.
    pub count: u64,
    /// The first [`MAX_KEPT_ERRORS`] errors, in file order.
    pub errors: Vec<ReportError>,
}

impl Skipped {
    pub(crate) fn add(&mut self, e: ReportError) {
        self.count += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(e);
        }
    }
}

/// Checks one record against the header: field count, UTF-8, NUL bytes.
/// `Err(Ok(e))` is a malformed line (skippable), `Err(Err(e))` is fatal.
pub(crate) fn check_record(
    header: &HeaderMap,
    fields: &[&[u8]],
    line: u64,
    byte: u64,
) -> Result<(), Result<ReportError, ReportError>> {
    if let Some(i) = fields.iter().find_map(|f| memchr::memchr(0, f)) {
        // Binary garbage is never a skippable line.
        let _ = i;
        return Err(Err(ReportError::Binary { offset: byte }));
    }
    if fields.len() != header.fields.len() {
        return Err(Ok(ReportError::Malformed {
            line,
            reason: format!(
                "{} fields where the header has {}",
                fields.len(),
                header.fields.len()
            ),
            record: show_record(fields),
        }));
    }
    for (i, f) in fields.iter().enumerate() {
        if std::str::from_utf8(f).is_err() {
            return Err(Ok(ReportError::NotUtf8 {
                line,
                column: header.raw.get(i).map(|c| shorten(c)).unwrap_or_default(),
            }));
        }
    }
    Ok(())
}

/// The cell text with the neutralisation prefix removed when asked.
#[inline]
pub(crate) fn cell(f: &[u8], unneutralise: bool) -> &[u8] {
    if unneutralise && f.first() == Some(&b'\'') {
        &f[neutralised_prefix_len(f)..]
    } else {
        f
    }
}

/// Reads the header record into strings (line 1); refuses more than [`MAX_COLUMNS`] columns
/// before building anything per column.
pub(crate) fn header_from_fields(fields: &[&[u8]]) -> Result<HeaderMap, ReportError> {
    if fields.len() > MAX_COLUMNS {
        return Err(ReportError::TooManyColumns {
            columns: fields.len(),
            limit: MAX_COLUMNS,
        });
    }
    let mut cells = Vec::with_capacity(fields.len());
    for f in fields {
        if memchr::memchr(0, f).is_some() {
            return Err(ReportError::Binary { offset: 0 });
        }
        let s = std::str::from_utf8(f).map_err(|_| ReportError::NotUtf8 {
            line: 1,
            column: "(header)".into(),
        })?;
        cells.push(s.trim().to_string());
    }
    HeaderMap::from_header(&cells)
}

/// Bytes the reader may hold ahead of the record it parses (its own 64 KiB buffer and the CSV
/// parser's 8 KiB), with a margin: a line is measured exactly once read, and this bounds what
/// a line without an end makes it read before that.
const READ_AHEAD_BYTES: u64 = 128 << 10;

/// Which bound a [`Bounded`] source reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hit {
    /// More than [`ReaderOptions::max_bytes`] in all.
    File,
    /// More than a line's worth since the last record.
    Line,
}

/// A byte source that refuses to hand out more than `max_total` bytes in all, or more than
/// `max_since_mark` since the last [`mark`](Self::mark) (the end of the last record).
struct Bounded<R> {
    inner: R,
    total: u64,
    since_mark: u64,
    max_total: u64,
    max_since_mark: u64,
    hit: Option<Hit>,
}

impl<R> Bounded<R> {
    fn mark(&mut self, max_since_mark: u64) {
        self.since_mark = 0;
        self.max_since_mark = max_since_mark;
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.hit.is_none() {
            let n = self.inner.read(buf)?;
            self.total += n as u64;
            self.since_mark += n as u64;
            if self.total > self.max_total {
                self.hit = Some(Hit::File);
            } else if self.since_mark > self.max_since_mark {
                self.hit = Some(Hit::Line);
            } else {
                return Ok(n);
            }
        }
        Err(io::Error::other("a limit of the report reader was reached"))
    }
}

type Source<R> = BufReader<Bounded<R>>;

/// Reads mismatch rows one at a time from a CSV source.
///
/// The header is matched by [`crate::header::match_header`]; a BOM, CRLF or LF line ends and quoted
/// newlines are handled; unknown columns become [`MismatchRow::extra`]. Iterate to get rows;
/// with [`OnMalformed::Skip`], see [`skipped`](Self::skipped) afterwards. Memory stays bounded
/// by [`ReaderOptions::max_line_bytes`] whatever the input.
pub struct ReportReader<R: Read> {
    csv: csv::Reader<Source<R>>,
    header: HeaderMap,
    options: ReaderOptions,
    record: csv::ByteRecord,
    skipped: Skipped,
    done: bool,
    /// The file, for messages (`None` for a stream).
    path: Option<PathBuf>,
    /// The line after the last record read (where the next one starts, blank lines aside).
    next_line: u64,
}

impl ReportReader<File> {
    /// Opens a report file; refuses one larger than [`ReaderOptions::max_bytes`] before reading.
    pub fn open(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, ReportError> {
        let path = path.as_ref();
        let f = File::open(path).map_err(|e| ReportError::io("opening", path, e))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        if size > options.max_bytes {
            return Err(options.too_large(path, size));
        }
        let mut r = Self::from_reader(f, options).map_err(|e| at_path(e, path))?;
        r.path = Some(path.to_path_buf());
        Ok(r)
    }
}

/// Names `path` in an error that names "the report".
pub(crate) fn at_path(e: ReportError, path: &Path) -> ReportError {
    match e {
        ReportError::Io { action, source, .. } => ReportError::io(action, path, source),
        ReportError::FileTooLarge { size, limit, .. } => ReportError::FileTooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        },
        other => other,
    }
}

fn csv_error(e: csv::Error) -> ReportError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ReportError::io("reading", "the report", io),
        other => ReportError::Malformed {
            line,
            reason: shorten(&format!("{other:?}")),
            record: String::new(),
        },
    }
}

/// The error for `e`, or for the bound the source reached (a line starting at `line`).
fn read_error<R: Read>(
    csv: &csv::Reader<Source<R>>,
    e: csv::Error,
    options: &ReaderOptions,
    line: u64,
    line_limit: u64,
) -> ReportError {
    let source = csv.get_ref().get_ref();
    match source.hit {
        Some(Hit::File) => options.too_large("the report", source.total),
        Some(Hit::Line) => ReportError::LineTooLong {
            line,
            limit: line_limit,
        },
        None => csv_error(e),
    }
}

impl<R: Read> ReportReader<R> {
    /// Reads from any byte source (the header is read immediately). The source may hold at most
    /// [`ReaderOptions::max_bytes`].
    pub fn from_reader(source: R, options: ReaderOptions) -> Result<Self, ReportError> {
        let header_limit = options.max_header_bytes();
        let source = Bounded {
            inner: source,
            total: 0,
            since_mark: 0,
            max_total: options.max_bytes,
            max_since_mark: header_limit.saturating_add(READ_AHEAD_BYTES),
            hit: None,
        };
        // Binary files are recognised by a NUL byte near the start, before any CSV parsing.
        let mut source = BufReader::with_capacity(1 << 16, source);
        let nul = match source.fill_buf() {
            Ok(head) => memchr::memchr(0, head),
            Err(e) => {
                let b = source.get_ref();
                return Err(if b.hit == Some(Hit::File) {
                    options.too_large("the report", b.total)
                } else {
                    ReportError::io("reading", "the report", e)
                });
            }
        };
        if let Some(i) = nul {
            return Err(ReportError::Binary { offset: i as u64 });
        }
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(source);
        let mut record = csv::ByteRecord::new();
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Err(ReportError::Empty),
            Err(e) => return Err(read_error(&csv, e, &options, 1, header_limit)),
        }
        if csv.position().byte() > header_limit {
            return Err(ReportError::LineTooLong {
                line: 1,
                limit: header_limit,
            });
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        let header = header_from_fields(&fields)?;
        let next_line = csv.position().line();
        csv.get_mut()
            .get_mut()
            .mark(options.max_line_bytes.saturating_add(READ_AHEAD_BYTES));
        Ok(ReportReader {
            csv,
            header,
            options,
            record,
            skipped: Skipped::default(),
            done: false,
            path: None,
            next_line,
        })
    }

    /// How the file's columns map onto rows.
    pub fn header(&self) -> &HeaderMap {
        &self.header
    }

    /// Lines skipped so far (only with [`OnMalformed::Skip`]).
    pub fn skipped(&self) -> &Skipped {
        &self.skipped
    }

    fn next_row(&mut self) -> Result<Option<MismatchRow>, ReportError> {
        let max_line = self.options.max_line_bytes;
        loop {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(e) => {
                    let e = read_error(&self.csv, e, &self.options, self.next_line, max_line);
                    return Err(match &self.path {
                        Some(p) => at_path(e, p),
                        None => e,
                    });
                }
            }
            let (line, byte) = self
                .record
                .position()
                .map_or((0, 0), |p| (p.line(), p.byte()));
            let end = self.csv.position().byte();
            if end.saturating_sub(byte) > max_line {
                return Err(ReportError::LineTooLong {
                    line,
                    limit: max_line,
                });
            }
            self.next_line = self.csv.position().line();
            self.csv
                .get_mut()
                .get_mut()
                .mark(max_line.saturating_add(READ_AHEAD_BYTES));
            let fields: Vec<&[u8]> = self.record.iter().collect();
            if let Err(e) = check_record(&self.header, &fields, line, byte) {
                match e {
                    Err(fatal) => return Err(fatal),
                    Ok(bad) if self.options.on_malformed == OnMalformed::Fail => return Err(bad),
                    Ok(bad) => {
                        self.skipped.add(bad);
                        continue;
                    }
                }
            }
            let mut row = MismatchRow::default();
            for (i, f) in fields.iter().enumerate() {
                let text = cell(f, self.options.unneutralise);
                // Checked UTF-8 above; the prefix cut is at an ASCII byte.
                let text = String::from_utf8_lossy(text).into_owned();
                match self.header.fields[i] {
                    Column::SubscriberId => row.subscriber_id = text,
                    Column::RecordType => row.record_type = RecordType::parse(&text),
                    Column::RecordAction => row.record_action = RecordAction::parse(&text),
                    Column::RecordId => row.record_id = text,
                    Column::CollectionId => row.collection_id = text,
                    Column::Name => row.name = text,
                    Column::PublisherHash => row.publisher_hash = text,
                    Column::SubscriberHash => row.subscriber_hash = text,
                    Column::Created => row.created = text,
                    Column::LogId => row.log_id = text,
                    Column::Extra(k) => row
                        .extra
                        .push((self.header.extra[k as usize].clone(), text)),
                }
            }
            return Ok(Some(row));
        }
    }
}

impl<R: Read> Iterator for ReportReader<R> {
    type Item = Result<MismatchRow, ReportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_row() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8], on: OnMalformed) -> (Vec<Result<MismatchRow, ReportError>>, u64) {
        let opts = ReaderOptions {
            on_malformed: on,
            ..Default::default()
        };
        let mut r = ReportReader::from_reader(text, opts).unwrap();
        let rows: Vec<_> = r.by_ref().collect();
        (rows, r.skipped().count)
    }

    #[test]
    fn reads_foreign_header_and_extras() {
        let text =
            b"Type,ACTION,record_id,tenant\r\nrendition,delete,r1,t\r\nFUTURE,create,r2,u\r\n";
        let (rows, _) = read(text, OnMalformed::Fail);
        let rows: Vec<MismatchRow> = rows.into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].record_type, RecordType::Rendition);
        assert_eq!(rows[0].record_action, RecordAction::Delete);
        assert_eq!(rows[0].extra, vec![("tenant".to_string(), "t".to_string())]);
        assert_eq!(rows[1].record_type, RecordType::Other("FUTURE".into()));
    }

    #[test]
    fn malformed_line_fails_or_is_skipped() {
        let text =
            b"type,action,recordId\nMEDIA_ITEM,CREATE,a\nMEDIA_ITEM,CREATE\nMEDIA_ITEM,UPDATE,c\n";
        let (rows, _) = read(text, OnMalformed::Fail);
        assert_eq!(rows.len(), 2);
        let err = rows[1].as_ref().unwrap_err();
        assert!(
            matches!(err, ReportError::Malformed { line: 3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("MEDIA_ITEM,CREATE"));
        let (rows, skipped) = read(text, OnMalformed::Skip);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(Result::is_ok));
        assert_eq!(skipped, 1);
    }
}
