//! Streaming CSV reader for mismatch reports: ours and foreign ones (DXClient-like).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cell::neutralised_prefix_len;
use crate::error::{show_record, ReportError};
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

/// How a report file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReaderOptions {
    /// Malformed lines (wrong number of fields, text that is not UTF-8): fatal or skipped.
    pub on_malformed: OnMalformed,
    /// Undo the writer's formula neutralisation (drop the `'` it added; see [`crate::cell`]).
    pub unneutralise: bool,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            on_malformed: OnMalformed::Fail,
            unneutralise: true,
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
                column: header.raw.get(i).cloned().unwrap_or_default(),
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

/// Reads the header record into strings (line 1).
pub(crate) fn header_from_fields(fields: &[&[u8]]) -> Result<HeaderMap, ReportError> {
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

/// Reads mismatch rows one at a time from a CSV source.
///
/// The header is matched by [`crate::header::match_header`]; a BOM, CRLF or LF line ends and quoted
/// newlines are handled; unknown columns become [`MismatchRow::extra`]. Iterate to get rows;
/// with [`OnMalformed::Skip`], see [`skipped`](Self::skipped) afterwards.
pub struct ReportReader<R: Read> {
    csv: csv::Reader<BufReader<R>>,
    header: HeaderMap,
    options: ReaderOptions,
    record: csv::ByteRecord,
    skipped: Skipped,
    done: bool,
}

impl ReportReader<File> {
    /// Opens a report file.
    pub fn open(path: impl AsRef<Path>, options: ReaderOptions) -> Result<Self, ReportError> {
        let path = path.as_ref();
        let f = File::open(path).map_err(|e| ReportError::io("opening", path, e))?;
        Self::from_reader(f, options)
    }
}

fn csv_error(e: csv::Error) -> ReportError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ReportError::io("reading", "the report", io),
        other => ReportError::Malformed {
            line,
            reason: format!("{other:?}"),
            record: String::new(),
        },
    }
}

impl<R: Read> ReportReader<R> {
    /// Reads from any byte source (the header is read immediately).
    pub fn from_reader(source: R, options: ReaderOptions) -> Result<Self, ReportError> {
        // Binary files are recognised by a NUL byte near the start, before any CSV parsing.
        let mut source = BufReader::with_capacity(1 << 16, source);
        let head = source
            .fill_buf()
            .map_err(|e| ReportError::io("reading", "the report", e))?;
        if let Some(i) = memchr::memchr(0, head) {
            return Err(ReportError::Binary { offset: i as u64 });
        }
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(source);
        let mut record = csv::ByteRecord::new();
        if !csv.read_byte_record(&mut record).map_err(csv_error)? {
            return Err(ReportError::Empty);
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        let header = header_from_fields(&fields)?;
        Ok(ReportReader {
            csv,
            header,
            options,
            record,
            skipped: Skipped::default(),
            done: false,
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
        loop {
            if !self
                .csv
                .read_byte_record(&mut self.record)
                .map_err(csv_error)?
            {
                return Ok(None);
            }
            let (line, byte) = self
                .record
                .position()
                .map_or((0, 0), |p| (p.line(), p.byte()));
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
