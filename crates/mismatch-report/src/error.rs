//! The one error type of this crate.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong reading, writing, loading or querying a mismatch report.
///
/// Every variant names the file, line or column at fault so that the UI can tell the user
/// what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`"creating"`, `"reading"`, …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The file has no header line (it is empty).
    #[error("the file is empty: a mismatch report starts with a header line")]
    Empty,
    /// The header names none of the columns a mismatch report needs.
    #[error("line 1: the header does not name the columns of a mismatch report (found: {found}); expected at least recordType, recordAction and recordId")]
    UnrecognisedHeader {
        /// The header as read, comma separated.
        found: String,
    },
    /// A required column is missing from the header.
    #[error("line 1: the header has no `{column}` column")]
    MissingColumn {
        /// The canonical name of the missing column.
        column: &'static str,
    },
    /// A line could not be read as a mismatch row (wrong number of fields, bad quoting).
    #[error("line {line}: {reason}: {record}")]
    Malformed {
        /// 1-based line number where the record starts.
        line: u64,
        /// What is wrong.
        reason: String,
        /// The record as read (lossily decoded, shortened to 200 characters).
        record: String,
    },
    /// A field is not valid UTF-8 text.
    #[error("line {line}, column `{column}`: the text is not valid UTF-8 (save the file as UTF-8 and open it again)")]
    NotUtf8 {
        /// 1-based line number.
        line: u64,
        /// The header of the column.
        column: String,
    },
    /// The file holds binary data (NUL bytes): it is not a CSV text file.
    #[error("byte {offset}: the file holds binary data, it is not a CSV report")]
    Binary {
        /// Offset of the first NUL byte.
        offset: u64,
    },
    /// A row carries an extra column that the file's header (fixed when the writer was created) lacks.
    #[error("row {row}: extra column `{column}` is not in the report header (declare it in WriterOptions::extra_columns)")]
    UnknownExtraColumn {
        /// 1-based data row number.
        row: u64,
        /// The column name.
        column: String,
    },
    /// Two columns of the header mean the same field.
    #[error("line 1: columns `{first}` and `{second}` both mean `{column}`")]
    DuplicateColumn {
        /// The canonical column.
        column: &'static str,
        /// The first header spelling.
        first: String,
        /// The second header spelling.
        second: String,
    },
    /// The caller cancelled a long operation.
    #[error("cancelled")]
    Cancelled,
    /// The report exceeds an internal limit of the store.
    #[error("the report is too large: {what}")]
    TooLarge {
        /// Which limit.
        what: String,
    },
    /// The file is larger than [`ReaderOptions::max_bytes`](crate::ReaderOptions::max_bytes);
    /// refused before its rows are read or memory is reserved for them.
    #[error("{path} is larger than {}, the limit for opening a report (it has {size} bytes or more); raise ReaderOptions::max_bytes to open it", human_bytes(*.limit))]
    FileTooLarge {
        /// The file (`the report` for a stream).
        path: PathBuf,
        /// Its size, or the bytes read when reading stopped (a stream).
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The header has more columns than [`crate::reader::MAX_COLUMNS`].
    #[error("line 1: the header has {columns} columns or more, more than the {limit} a report may have: this is not a mismatch report")]
    TooManyColumns {
        /// The columns found (counting stopped past the limit).
        columns: usize,
        /// The limit.
        limit: usize,
    },
    /// A record (a line, or several when a quoted field holds line ends) is longer than
    /// [`ReaderOptions::max_line_bytes`](crate::ReaderOptions::max_line_bytes).
    #[error("line {line}: a record longer than {}, the limit for one line of a report (a line without its end, an unclosed quote, or not a CSV report?)", human_bytes(*.limit))]
    LineTooLong {
        /// 1-based line number where the record starts.
        line: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A query named a column the report does not have.
    #[error("the report has no column {column}")]
    NoSuchColumn {
        /// The column asked for.
        column: String,
    },
    /// Writing an Excel workbook failed for a reason other than the file system's (which is
    /// [`ReportError::Io`]): the spreadsheet writer refused the content or stopped.
    #[error("writing the workbook {path}: {reason}")]
    Xlsx {
        /// The workbook being written.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A query named a row that does not exist.
    #[error("row {index} does not exist (the report has {rows} rows)")]
    NoSuchRow {
        /// The requested row index.
        index: u64,
        /// Rows in the report.
        rows: u64,
    },
}

impl ReportError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        ReportError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The most characters of a file's text quoted in an error message, the ellipsis included.
pub const MAX_EXCERPT_CHARS: usize = 200;

/// `text` cut to at most [`MAX_EXCERPT_CHARS`] characters on a character boundary, ending with
/// `…` when cut (or when `more` says text follows).
fn shorten_with(text: &str, more: bool) -> String {
    if !more && text.chars().nth(MAX_EXCERPT_CHARS).is_none() {
        return text.to_string();
    }
    let end = text
        .char_indices()
        .nth(MAX_EXCERPT_CHARS - 1)
        .map_or(text.len(), |(i, _)| i);
    format!("{}…", &text[..end])
}

/// `text` cut to at most [`MAX_EXCERPT_CHARS`] characters, for error messages that quote a file.
pub(crate) fn shorten(text: &str) -> String {
    shorten_with(text, false)
}

/// A record as comma-separated text for an error message, at most [`MAX_EXCERPT_CHARS`]
/// characters (only as many bytes as needed are decoded).
pub(crate) fn show_record(fields: &[&[u8]]) -> String {
    // A character takes at most 4 bytes (an invalid byte becomes one U+FFFD).
    let budget = MAX_EXCERPT_CHARS * 4;
    let mut raw: Vec<u8> = Vec::with_capacity(budget.min(256));
    let mut more = false;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            raw.push(b',');
        }
        let room = budget.saturating_sub(raw.len());
        if f.len() > room || (raw.len() >= budget && i + 1 < fields.len()) {
            raw.extend_from_slice(&f[..room.min(f.len())]);
            more = true;
            break;
        }
        raw.extend_from_slice(f);
    }
    shorten_with(&String::from_utf8_lossy(&raw), more)
}

/// `n` bytes in words: whole GiB, MiB or KiB when exact, else bytes.
pub(crate) fn human_bytes(n: u64) -> String {
    for (unit, name) in [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
        if n >= unit && n.is_multiple_of(unit) {
            return format!("{} {name}", n / unit);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_at_most_200_characters() {
        assert_eq!(show_record(&[b"a", b"b"]), "a,b");
        let exact = "é".repeat(MAX_EXCERPT_CHARS);
        assert_eq!(show_record(&[exact.as_bytes()]), exact);
        assert_eq!(shorten(&exact), exact);
        let long = "€".repeat(10_000);
        let s = show_record(&[b"x", long.as_bytes(), b"y"]);
        assert_eq!(s.chars().count(), MAX_EXCERPT_CHARS);
        assert!(s.starts_with("x,€") && s.ends_with('…'), "{s}");
        assert_eq!(shorten(&long).chars().count(), MAX_EXCERPT_CHARS);
        // Many short fields, invalid bytes, a cut inside a character: never more, never a panic.
        let many: Vec<&[u8]> = vec![b"ab"; 5000];
        let s = show_record(&many);
        assert_eq!(s.chars().count(), MAX_EXCERPT_CHARS);
        let bad = [0xffu8; 3000];
        assert_eq!(show_record(&[&bad]).chars().count(), MAX_EXCERPT_CHARS);
        let emoji = "😀".repeat(MAX_EXCERPT_CHARS);
        let s = show_record(&[emoji.as_bytes(), b"z"]);
        assert_eq!(s.chars().count(), MAX_EXCERPT_CHARS);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn limits_read_in_words() {
        assert_eq!(human_bytes(8 << 30), "8 GiB");
        assert_eq!(human_bytes(1 << 20), "1 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
        let e = ReportError::FileTooLarge {
            path: "r.csv".into(),
            size: 2000,
            limit: 1024,
        };
        let m = e.to_string();
        assert!(
            m.contains("r.csv") && m.contains("1 KiB") && m.contains("max_bytes"),
            "{m}"
        );
    }
}
