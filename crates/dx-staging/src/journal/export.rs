//! The journal as CSV, safe to open in a spreadsheet.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use chrono::SecondsFormat;

use super::entry::JournalEntry;
use super::redact::redact_secrets;
use crate::error::{Error, Result};
use crate::workflow::state::write_atomic;

/// The CSV's header row.
pub const CSV_HEADER: [&str; 11] = [
    "Time (UTC)",
    "Action",
    "Connection",
    "Host",
    "Subscriber",
    "DX user",
    "Asked",
    "Outcome",
    "HTTP status",
    "Message",
    "Detail",
];

/// Writes `entries`, in the order given, as CSV with a header ([`CSV_HEADER`]) to `writer`.
///
/// Times are ISO-8601 in UTC (`2025-03-01T12:00:00Z`), actions in words. A text cell that a
/// spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a leading `'`. Messages and details are redacted again ([`redact_secrets`]).
/// A failure to write is an [`Error::File`] about "CSV output" (see [`export_csv`] for a file).
pub fn write_csv<'a, W: Write>(
    entries: impl IntoIterator<Item = &'a JournalEntry>,
    writer: W,
) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| Error::File {
        path: "CSV output".to_string(),
        message: e.to_string(),
    };
    let mut csv = ::csv::Writer::from_writer(writer);
    csv.write_record(CSV_HEADER).map_err(|e| fail(&e))?;
    for e in entries {
        let status = e.answer.status.map(|s| s.to_string()).unwrap_or_default();
        let row: [Cow<'_, str>; 11] = [
            e.at.to_rfc3339_opts(SecondsFormat::Secs, true).into(),
            e.action.label().into(),
            cell(opt(&e.connection)),
            cell(opt(&e.host)),
            cell(opt(&e.subscriber_id)),
            cell(opt(&e.dx_user)),
            cell(&redact_secrets(&e.asked)).into_owned().into(),
            e.answer.outcome.label().into(),
            status.into(),
            cell(&redact_secrets(opt(&e.answer.message)))
                .into_owned()
                .into(),
            cell(&redact_secrets(opt(&e.detail))).into_owned().into(),
        ];
        csv.write_record(row.iter().map(|c| c.as_bytes()))
            .map_err(|e| fail(&e))?;
    }
    csv.flush().map_err(|e| fail(&e))?;
    csv.into_inner().map_err(|e| fail(e.error()))?;
    Ok(())
}

/// Writes `entries` as CSV ([`write_csv`]) to the file at `path`, whole or not at all (a
/// temporary file beside it, renamed at the end); errors name the path.
pub fn export_csv<'a>(
    entries: impl IntoIterator<Item = &'a JournalEntry>,
    path: &Path,
) -> Result<()> {
    let mut bytes = Vec::new();
    write_csv(entries, &mut bytes).map_err(|e| match e {
        Error::File { message, .. } => Error::file(path, message),
        other => other,
    })?;
    write_atomic(path, &bytes)
}

/// The text of an optional field, empty when unset.
fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// The cell as written: a leading `'` when a spreadsheet would read it as a formula.
fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AnswerOutcome, JournalAction, JournalAnswer};
    use super::*;
    use chrono::{TimeZone, Utc};

    fn rows(entries: &[JournalEntry]) -> (String, Vec<csv::StringRecord>) {
        let mut out = Vec::new();
        write_csv(entries, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect();
        (text, rows)
    }

    #[test]
    fn journal_csv_header_and_escaping() {
        let e = JournalEntry::new(
            JournalAction::MismatchDataDeleted,
            "Delete mismatch data of \"sub, one\"\nsecond line",
            JournalAnswer::new(AnswerOutcome::Refused)
                .with_status(409)
                .with_message("already running; password=hunter2"),
        )
        .with_time(Utc.with_ymd_and_hms(2025, 3, 1, 12, 30, 5).unwrap())
        .with_connection("Prod, EU", "p-1")
        .with_host("dx.example.com")
        .with_subscriber("sub-1")
        .with_dx_user("wpsadmin");
        let (text, rows) = rows(&[e]);
        assert!(text.starts_with(
            "Time (UTC),Action,Connection,Host,Subscriber,DX user,Asked,Outcome,HTTP status,Message,Detail\n"
        ), "{text}");
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(&r[0], "2025-03-01T12:30:05Z");
        assert_eq!(&r[1], "Mismatch data deleted");
        assert_eq!(&r[2], "Prod, EU");
        assert_eq!(&r[3], "dx.example.com");
        assert_eq!(&r[4], "sub-1");
        assert_eq!(&r[5], "wpsadmin");
        assert_eq!(&r[6], "Delete mismatch data of \"sub, one\"\nsecond line");
        assert_eq!(&r[7], "refused");
        assert_eq!(&r[8], "409");
        assert_eq!(&r[9], "already running; password=***");
        assert_eq!(&r[10], "");
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn journal_csv_is_formula_injection_safe() {
        let mut e = JournalEntry::new(
            JournalAction::ReportExported,
            "=HYPERLINK(\"http://evil\")",
            JournalAnswer::done().with_message("+1+1"),
        )
        .with_connection("@SUM(A1)", "p")
        .with_subscriber("-2+3")
        .with_dx_user("\tuser")
        .with_detail("safe = text");
        e.host = Some("=cmd|' /C calc'!A0".into());
        let (_, rows) = rows(&[e]);
        let r = &rows[0];
        assert_eq!(&r[2], "'@SUM(A1)");
        assert_eq!(&r[3], "'=cmd|' /C calc'!A0");
        assert_eq!(&r[4], "'-2+3");
        assert_eq!(&r[5], "'\tuser");
        assert_eq!(&r[6], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(&r[9], "'+1+1");
        assert_eq!(&r[10], "safe = text");
    }

    #[test]
    fn journal_csv_export_to_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out/journal.csv");
        export_csv(&[] as &[JournalEntry], &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
    }
}
