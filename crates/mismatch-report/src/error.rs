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
    /// A query named a column the report does not have.
    #[error("the report has no column {column}")]
    NoSuchColumn {
        /// The column asked for.
        column: String,
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

/// Shortens a record for an error message.
pub(crate) fn show_record(fields: &[&[u8]]) -> String {
    let mut s = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&String::from_utf8_lossy(f));
        if s.chars().count() > 200 {
            let cut: String = s.chars().take(200).collect();
            return cut + "…";
        }
    }
    s
}
