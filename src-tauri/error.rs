//! The app's one error type and its wire form: every command error reaches the UI as
//! `{code, message, field, location}` so the UI can match on `code` and show `message` as is.

use std::path::PathBuf;

use mismatch_report::ReportError;
use serde::{Serialize, Serializer};

/// Everything a command can fail with.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Talking to DX (or a profile rule of `dx-staging`) failed.
    #[error(transparent)]
    Dx(#[from] dx_staging::Error),
    /// The OS keyring cannot be used; the password is kept in memory only.
    #[error("no keyring available: {reason}. The password is kept in memory until the app closes")]
    KeyringUnavailable {
        /// Why, in plain words.
        reason: String,
    },
    /// The keyring answered with something else than "unavailable".
    #[error("the keyring refused the password: {detail}")]
    Keyring {
        /// What the keyring said (never the secret).
        detail: String,
    },
    /// A profile needs a password and none is stored or was given.
    #[error("no password is stored for profile {profile}: enter it to connect")]
    PasswordNeeded {
        /// The profile's name.
        profile: String,
    },
    /// No profile with this id.
    #[error("there is no profile with id {id}")]
    UnknownProfile {
        /// The id asked for.
        id: String,
    },
    /// A publisher profile has no linked subscriber-environment profile.
    #[error("profile {profile} has no linked subscriber environment: link one in Profiles")]
    NoLinkedProfile {
        /// The publisher profile's name.
        profile: String,
    },
    /// The settings file could not be read or written.
    #[error("settings file {path}: {detail}")]
    Settings {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// Demo mode could not start.
    #[error("the demo could not start: {detail}")]
    Demo {
        /// What went wrong.
        detail: String,
    },
    /// A run id that cannot name a run (only letters, digits, `-` and `_`).
    #[error("{run_id:?} is not a run id")]
    NotARunId {
        /// The id as sent.
        run_id: String,
    },
    /// A run is being watched, so it cannot be forgotten.
    #[error("the run is being watched: stop watching it first")]
    RunBeingWatched,
    /// Runs were asked for without a subscriber.
    #[error("choose at least one subscriber")]
    NoSubscriberChosen,
    /// The system's file manager could not show a folder.
    #[error("could not open {path}: {detail}")]
    OpenFolderFailed {
        /// The folder.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// A report file could not be read or written; where in the file, when known, reaches the
    /// UI as the payload's [`CsvLocation`].
    #[error("{}: {source}", path.display())]
    ReportFile {
        /// The file.
        path: PathBuf,
        /// What `mismatch-report` said (with the line, column and record text it knows).
        source: ReportError,
    },
    /// The rows of a report could not be kept in a store (a comparison side, for example).
    #[error("the report could not be built: {source}")]
    ReportRows {
        /// What `mismatch-report` said.
        source: ReportError,
    },
    /// A sort or query named a column the report does not have.
    #[error("there is no column {column:?} in this report")]
    UnknownColumn {
        /// The column key asked for.
        column: String,
    },
    /// A row number past the end of the report.
    #[error("row {index} does not exist (the report has {rows} rows)")]
    NoSuchRow {
        /// The row asked for (0-based).
        index: u64,
        /// Rows in the report.
        rows: u64,
    },
    /// A report handle that is not open (never was, or closed since).
    #[error("this report is no longer open: open it again from the library")]
    ReportClosed,
    /// Work handed to a background task ended without an answer (the task panicked or was
    /// stopped).
    #[error("the {task} failed: {detail}")]
    TaskFailed {
        /// Which work, in plain words (`report task`, `comparison`).
        task: &'static str,
        /// What the runtime said.
        detail: String,
    },
    /// A run's saved file could not be read or written.
    #[error("{path}: {detail}")]
    RunFile {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// A report file or folder could not be created or removed.
    #[error("{action} {path}: {detail}")]
    FileSystem {
        /// What was being done (`creating the folder`, `removing`).
        action: &'static str,
        /// The file or folder.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// An export was asked without a target file.
    #[error("choose where to save the export")]
    ExportPathMissing,
    /// Long work was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
    /// A file path the window sent that did not come from a dialog or drop of this run of the
    /// app and is not inside the app's library or export folder.
    #[error("{path} is not allowed: choose the file with the app's dialog, drop it on the window, or use the library or export folder")]
    PathNotAllowed {
        /// The path as the window sent it.
        path: String,
    },
    /// An export target that does not end in `.csv`.
    #[error("{path} is neither a .csv nor a .xlsx file: exports are CSV files or Excel workbooks")]
    ExportUnknownFormat {
        /// The target.
        path: String,
    },
    /// An export target that exists, and replacing it was not confirmed.
    #[error("{path} exists already: confirm to replace it")]
    ExportExists {
        /// The target.
        path: String,
    },
    /// A re-register deregistered the subscriber, then could not register it again: it is not
    /// registered now.
    #[error("the subscriber was deregistered, but registering {target_host} again failed: {detail}. It is not registered now: register {target_host} again (staging every {cycle_length} min) with \"Register subscriber…\" or DXClient's register-dam-subscriber")]
    Reregister {
        /// The target host to register again.
        target_host: String,
        /// Its staging cycle, minutes.
        cycle_length: u64,
        /// What went wrong.
        detail: String,
    },
    /// A schedule with a value out of range.
    #[error("the schedule's {field} is not valid: {message}")]
    InvalidSchedule {
        /// The field: `hour`, `minute` or `minutes`.
        field: dx_staging::ScheduleField,
        /// What is wrong with it.
        message: String,
    },
}

/// The machine code of an error of the app itself (snake_case on the wire).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AppCode {
    /// [`AppError::KeyringUnavailable`].
    KeyringUnavailable,
    /// [`AppError::Keyring`].
    Keyring,
    /// [`AppError::PasswordNeeded`].
    PasswordNeeded,
    /// [`AppError::UnknownProfile`].
    UnknownProfile,
    /// [`AppError::NoLinkedProfile`].
    NoLinkedProfile,
    /// [`AppError::Settings`].
    #[serde(rename = "settings_file")]
    Settings,
    /// [`AppError::Demo`].
    Demo,
    /// [`AppError::NotARunId`].
    NotARunId,
    /// [`AppError::RunBeingWatched`].
    RunBeingWatched,
    /// [`AppError::NoSubscriberChosen`].
    NoSubscriberChosen,
    /// [`AppError::OpenFolderFailed`].
    OpenFolderFailed,
    /// [`AppError::ReportFile`].
    ReportFile,
    /// [`AppError::ReportRows`].
    ReportRows,
    /// [`AppError::UnknownColumn`].
    UnknownColumn,
    /// [`AppError::NoSuchRow`].
    NoSuchRow,
    /// [`AppError::ReportClosed`].
    ReportClosed,
    /// [`AppError::TaskFailed`].
    TaskFailed,
    /// [`AppError::RunFile`].
    RunFile,
    /// [`AppError::FileSystem`].
    FileSystem,
    /// [`AppError::ExportPathMissing`].
    ExportPathMissing,
    /// [`AppError::Cancelled`].
    Cancelled,
    /// [`AppError::PathNotAllowed`].
    PathNotAllowed,
    /// [`AppError::ExportUnknownFormat`].
    ExportUnknownFormat,
    /// [`AppError::ExportExists`].
    ExportExists,
    /// [`AppError::InvalidSchedule`].
    InvalidSchedule,
    /// [`AppError::Reregister`].
    ReregisterIncomplete,
}

impl AppCode {
    /// The code as text.
    pub fn as_str(self) -> &'static str {
        match self {
            AppCode::KeyringUnavailable => "keyring_unavailable",
            AppCode::Keyring => "keyring",
            AppCode::PasswordNeeded => "password_needed",
            AppCode::UnknownProfile => "unknown_profile",
            AppCode::NoLinkedProfile => "no_linked_profile",
            AppCode::Settings => "settings_file",
            AppCode::Demo => "demo",
            AppCode::NotARunId => "not_a_run_id",
            AppCode::RunBeingWatched => "run_being_watched",
            AppCode::NoSubscriberChosen => "no_subscriber_chosen",
            AppCode::OpenFolderFailed => "open_folder_failed",
            AppCode::ReportFile => "report_file",
            AppCode::ReportRows => "report_rows",
            AppCode::UnknownColumn => "unknown_column",
            AppCode::NoSuchRow => "no_such_row",
            AppCode::ReportClosed => "report_closed",
            AppCode::TaskFailed => "task_failed",
            AppCode::RunFile => "run_file",
            AppCode::FileSystem => "file_system",
            AppCode::ExportPathMissing => "export_path_missing",
            AppCode::Cancelled => "cancelled",
            AppCode::PathNotAllowed => "path_not_allowed",
            AppCode::ExportUnknownFormat => "export_unknown_format",
            AppCode::ExportExists => "export_exists",
            AppCode::InvalidSchedule => "invalid_schedule",
            AppCode::ReregisterIncomplete => "reregister_incomplete",
        }
    }
}

/// The machine code the UI receives: the app's own, or `dx-staging`'s for errors talking to DX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, specta::Type)]
#[serde(untagged)]
pub enum AppErrorCode {
    /// An error of the app.
    App(AppCode),
    /// An error of `dx-staging` (DX, the network, a workflow rule).
    Dx(dx_staging::ErrorCode),
}

impl AppErrorCode {
    /// The code as text (`bad_credentials`, `path_not_allowed`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AppErrorCode::App(c) => c.as_str(),
            AppErrorCode::Dx(c) => c.as_str(),
        }
    }
}

impl AppError {
    /// The machine code; `dx-staging` errors keep their own.
    pub fn kind(&self) -> AppErrorCode {
        let app = match self {
            AppError::Dx(e) => return AppErrorCode::Dx(e.kind()),
            AppError::KeyringUnavailable { .. } => AppCode::KeyringUnavailable,
            AppError::Keyring { .. } => AppCode::Keyring,
            AppError::PasswordNeeded { .. } => AppCode::PasswordNeeded,
            AppError::UnknownProfile { .. } => AppCode::UnknownProfile,
            AppError::NoLinkedProfile { .. } => AppCode::NoLinkedProfile,
            AppError::Settings { .. } => AppCode::Settings,
            AppError::Demo { .. } => AppCode::Demo,
            AppError::NotARunId { .. } => AppCode::NotARunId,
            AppError::RunBeingWatched => AppCode::RunBeingWatched,
            AppError::NoSubscriberChosen => AppCode::NoSubscriberChosen,
            AppError::OpenFolderFailed { .. } => AppCode::OpenFolderFailed,
            AppError::ReportFile { .. } => AppCode::ReportFile,
            AppError::ReportRows { .. } => AppCode::ReportRows,
            AppError::UnknownColumn { .. } => AppCode::UnknownColumn,
            AppError::NoSuchRow { .. } => AppCode::NoSuchRow,
            AppError::ReportClosed => AppCode::ReportClosed,
            AppError::TaskFailed { .. } => AppCode::TaskFailed,
            AppError::RunFile { .. } => AppCode::RunFile,
            AppError::FileSystem { .. } => AppCode::FileSystem,
            AppError::ExportPathMissing => AppCode::ExportPathMissing,
            AppError::Cancelled => AppCode::Cancelled,
            AppError::PathNotAllowed { .. } => AppCode::PathNotAllowed,
            AppError::ExportUnknownFormat { .. } => AppCode::ExportUnknownFormat,
            AppError::ExportExists { .. } => AppCode::ExportExists,
            AppError::InvalidSchedule { .. } => AppCode::InvalidSchedule,
            AppError::Reregister { .. } => AppCode::ReregisterIncomplete,
        };
        AppErrorCode::App(app)
    }

    /// The machine code as text.
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The profile field the error is about, when there is one (DXClient spelling).
    pub fn field(&self) -> Option<String> {
        match self {
            AppError::Dx(dx_staging::Error::InvalidProfile { field, .. }) => Some(field.clone()),
            AppError::PasswordNeeded { .. } => Some("dxPassword".into()),
            AppError::InvalidSchedule { field, .. } => Some(field.as_str().to_string()),
            _ => None,
        }
    }

    /// Where in a report file the error is, when it is about one.
    pub fn location(&self) -> Option<CsvLocation> {
        match self {
            AppError::ReportFile { path, source } => Some(CsvLocation::of(path, source)),
            _ => None,
        }
    }

    /// What the audit journal records of this error: DX's own answer (refused or failed, its
    /// HTTP status) when it came from DX, else a failure with the message.
    pub fn journal_answer(&self) -> dx_staging::journal::JournalAnswer {
        use dx_staging::journal::{AnswerOutcome, JournalAnswer};
        match self {
            AppError::Dx(e) => JournalAnswer::from_error(e),
            other => JournalAnswer::new(AnswerOutcome::Failed).with_message(other.to_string()),
        }
    }

    /// The wire form.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.kind(),
            message: self.to_string(),
            field: self.field(),
            location: self.location(),
        }
    }
}

/// Where in a CSV report file an error is: the file, and the line, column and record text when
/// `mismatch-report` knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CsvLocation {
    /// The file.
    pub path: String,
    /// 1-based line where the record starts (1 for the header).
    pub line: Option<u32>,
    /// The column: its header as in the file, or the canonical name of a missing one.
    pub column: Option<String>,
    /// The record as read, shortened to 200 characters.
    pub record: Option<String>,
}

impl CsvLocation {
    /// The location `error` names in the file at `path`.
    pub fn of(path: &std::path::Path, error: &ReportError) -> Self {
        let line = |n: u64| Some(u32::try_from(n).unwrap_or(u32::MAX));
        let (line, column, record) = match error {
            ReportError::Malformed {
                line: n, record, ..
            } => (line(*n), None, Some(record.clone())),
            ReportError::NotUtf8 { line: n, column } => (line(*n), Some(column.clone()), None),
            ReportError::LineTooLong { line: n, .. } => (line(*n), None, None),
            ReportError::MissingColumn { column } => (line(1), Some((*column).to_string()), None),
            ReportError::DuplicateColumn { second, .. } => (line(1), Some(second.clone()), None),
            ReportError::UnrecognisedHeader { .. } | ReportError::TooManyColumns { .. } => {
                (line(1), None, None)
            }
            ReportError::UnknownExtraColumn { column, .. } => (None, Some(column.clone()), None),
            _ => (None, None, None),
        };
        CsvLocation {
            path: path.display().to_string(),
            line,
            column,
            record,
        }
    }
}

/// What the UI receives when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
pub struct ErrorPayload {
    /// Stable machine code (`bad_credentials`, `tls`, `keyring_unavailable`, ...).
    pub code: AppErrorCode,
    /// What happened, in plain words; never contains a secret.
    pub message: String,
    /// The profile field concerned, if any (`hostname`, `dxPort`, ...).
    pub field: Option<String>,
    /// Where in a report file, for errors about one (`report_file`); absent in payloads saved
    /// before it existed.
    pub location: Option<CsvLocation>,
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.payload().serialize(s)
    }
}

impl specta::Type for AppError {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <ErrorPayload as specta::Type>::definition(types)
    }
}

/// Result of every command.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dx_errors_keep_their_code_and_field() {
        let e = AppError::from(dx_staging::Error::InvalidProfile {
            field: "dxPort".into(),
            message: "70000 is not a port (1-65535)".into(),
        });
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "invalid_profile",
                "message": "invalid dxPort: 70000 is not a port (1-65535)",
                "field": "dxPort",
                "location": null
            })
        );
        let e = AppError::from(dx_staging::Error::BadCredentials {
            host: "dx.example.com:443".into(),
        });
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "bad_credentials");
        assert_eq!(v["field"], serde_json::Value::Null);
    }

    #[test]
    fn app_errors_serialise_as_code_and_message() {
        let e = AppError::KeyringUnavailable {
            reason: "no Secret Service is running".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "keyring_unavailable",
                "message": "no keyring available: no Secret Service is running. The password is kept in memory until the app closes",
                "field": null,
                "location": null
            })
        );
        let e = AppError::PasswordNeeded {
            profile: "prod".into(),
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "password_needed");
        assert_eq!(v["field"], "dxPassword");
    }

    #[test]
    fn file_errors_name_the_path() {
        let e = AppError::PathNotAllowed {
            path: "/etc/passwd".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "path_not_allowed",
                "message": "/etc/passwd is not allowed: choose the file with the app's dialog, drop it on the window, or use the library or export folder",
                "field": null,
                "location": null
            })
        );
        let e = AppError::ExportUnknownFormat {
            path: "/x/out.txt".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "export_unknown_format",
                "message": "/x/out.txt is neither a .csv nor a .xlsx file: exports are CSV files or Excel workbooks",
                "field": null,
                "location": null
            })
        );
        let e = AppError::ExportExists {
            path: "/x/out.csv".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "export_exists",
                "message": "/x/out.csv exists already: confirm to replace it",
                "field": null,
                "location": null
            })
        );
    }

    #[test]
    fn report_file_errors_carry_their_line_column_and_record() {
        let path = PathBuf::from("/lib/r.csv");
        let e = AppError::ReportFile {
            path: path.clone(),
            source: ReportError::NotUtf8 {
                line: 12,
                column: "recordType".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "report_file",
                "message": "/lib/r.csv: line 12, column `recordType`: the text is not valid UTF-8 (save the file as UTF-8 and open it again)",
                "field": null,
                "location": {"path": "/lib/r.csv", "line": 12, "column": "recordType", "record": null}
            })
        );
        let e = AppError::ReportFile {
            path: path.clone(),
            source: ReportError::Malformed {
                line: 3,
                reason: "expected 10 fields, found 2".into(),
                record: "sub-1,RENDITION".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "report_file",
                "message": "/lib/r.csv: line 3: expected 10 fields, found 2: sub-1,RENDITION",
                "field": null,
                "location": {"path": "/lib/r.csv", "line": 3, "column": null, "record": "sub-1,RENDITION"}
            })
        );
        let e = AppError::ReportFile {
            path: path.clone(),
            source: ReportError::MissingColumn { column: "recordId" },
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap()["location"],
            json!({"path": "/lib/r.csv", "line": 1, "column": "recordId", "record": null})
        );
        // A file without a place in it: the location names the file only.
        let e = AppError::ReportFile {
            path,
            source: ReportError::Empty,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "report_file",
                "message": "/lib/r.csv: the file is empty: a mismatch report starts with a header line",
                "field": null,
                "location": {"path": "/lib/r.csv", "line": null, "column": null, "record": null}
            })
        );
    }

    #[test]
    fn report_store_task_and_file_errors_have_their_own_codes() {
        let cases = [
            (
                AppError::ReportRows {
                    source: ReportError::TooLarge {
                        what: "more than 4294967295 rows".into(),
                    },
                },
                "report_rows",
                "the report could not be built: the report is too large: more than 4294967295 rows",
            ),
            (
                AppError::UnknownColumn {
                    column: "nope".into(),
                },
                "unknown_column",
                "there is no column \"nope\" in this report",
            ),
            (
                AppError::NoSuchRow { index: 9, rows: 4 },
                "no_such_row",
                "row 9 does not exist (the report has 4 rows)",
            ),
            (
                AppError::ReportClosed,
                "report_closed",
                "this report is no longer open: open it again from the library",
            ),
            (
                AppError::ExportPathMissing,
                "export_path_missing",
                "choose where to save the export",
            ),
            (
                AppError::TaskFailed {
                    task: "comparison",
                    detail: "task 7 panicked".into(),
                },
                "task_failed",
                "the comparison failed: task 7 panicked",
            ),
            (
                AppError::RunFile {
                    path: "/runs/r1.json".into(),
                    detail: "expected value at line 1 column 1".into(),
                },
                "run_file",
                "/runs/r1.json: expected value at line 1 column 1",
            ),
            (
                AppError::FileSystem {
                    action: "removing",
                    path: "/lib/p1/r.csv".into(),
                    detail: "permission denied".into(),
                },
                "file_system",
                "removing /lib/p1/r.csv: permission denied",
            ),
        ];
        for (e, code, message) in cases {
            assert_eq!(
                serde_json::to_value(&e).unwrap(),
                json!({"code": code, "message": message, "field": null, "location": null})
            );
        }
    }

    #[test]
    fn every_other_app_error_has_its_own_code_and_message() {
        let cases = [
            (
                AppError::Keyring {
                    detail: "locked".into(),
                },
                "keyring",
                "the keyring refused the password: locked",
            ),
            (
                AppError::UnknownProfile { id: "p9".into() },
                "unknown_profile",
                "there is no profile with id p9",
            ),
            (
                AppError::NoLinkedProfile {
                    profile: "prod".into(),
                },
                "no_linked_profile",
                "profile prod has no linked subscriber environment: link one in Profiles",
            ),
            (
                AppError::Settings {
                    path: "/d/profiles.json".into(),
                    detail: "disk full".into(),
                },
                "settings_file",
                "settings file /d/profiles.json: disk full",
            ),
            (
                AppError::Demo {
                    detail: "port taken".into(),
                },
                "demo",
                "the demo could not start: port taken",
            ),
            (
                AppError::NotARunId {
                    run_id: "../x".into(),
                },
                "not_a_run_id",
                "\"../x\" is not a run id",
            ),
            (
                AppError::RunBeingWatched,
                "run_being_watched",
                "the run is being watched: stop watching it first",
            ),
            (
                AppError::NoSubscriberChosen,
                "no_subscriber_chosen",
                "choose at least one subscriber",
            ),
            (
                AppError::OpenFolderFailed {
                    path: "/logs".into(),
                    detail: "no file manager".into(),
                },
                "open_folder_failed",
                "could not open /logs: no file manager",
            ),
            (AppError::Cancelled, "cancelled", "cancelled"),
        ];
        for (e, code, message) in cases {
            assert_eq!(
                serde_json::to_value(&e).unwrap(),
                json!({"code": code, "message": message, "field": null, "location": null})
            );
        }
    }

    #[test]
    fn an_invalid_schedule_names_its_field() {
        let e = AppError::InvalidSchedule {
            field: dx_staging::ScheduleField::Minute,
            message: "The minute must be 0 to 59, not 60.".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "invalid_schedule",
                "message": "the schedule's minute is not valid: The minute must be 0 to 59, not 60.",
                "field": "minute",
                "location": null
            })
        );
    }

    /// Every [`AppCode`], one after the other. The match has no wildcard: a new code does not
    /// compile until it has its arm here, and so its place in the list.
    fn next_code(c: Option<AppCode>) -> Option<AppCode> {
        match c {
            None => Some(AppCode::KeyringUnavailable),
            Some(AppCode::KeyringUnavailable) => Some(AppCode::Keyring),
            Some(AppCode::Keyring) => Some(AppCode::PasswordNeeded),
            Some(AppCode::PasswordNeeded) => Some(AppCode::UnknownProfile),
            Some(AppCode::UnknownProfile) => Some(AppCode::NoLinkedProfile),
            Some(AppCode::NoLinkedProfile) => Some(AppCode::Settings),
            Some(AppCode::Settings) => Some(AppCode::Demo),
            Some(AppCode::Demo) => Some(AppCode::NotARunId),
            Some(AppCode::NotARunId) => Some(AppCode::RunBeingWatched),
            Some(AppCode::RunBeingWatched) => Some(AppCode::NoSubscriberChosen),
            Some(AppCode::NoSubscriberChosen) => Some(AppCode::OpenFolderFailed),
            Some(AppCode::OpenFolderFailed) => Some(AppCode::ReportFile),
            Some(AppCode::ReportFile) => Some(AppCode::ReportRows),
            Some(AppCode::ReportRows) => Some(AppCode::UnknownColumn),
            Some(AppCode::UnknownColumn) => Some(AppCode::NoSuchRow),
            Some(AppCode::NoSuchRow) => Some(AppCode::ReportClosed),
            Some(AppCode::ReportClosed) => Some(AppCode::TaskFailed),
            Some(AppCode::TaskFailed) => Some(AppCode::RunFile),
            Some(AppCode::RunFile) => Some(AppCode::FileSystem),
            Some(AppCode::FileSystem) => Some(AppCode::ExportPathMissing),
            Some(AppCode::ExportPathMissing) => Some(AppCode::Cancelled),
            Some(AppCode::Cancelled) => Some(AppCode::PathNotAllowed),
            Some(AppCode::PathNotAllowed) => Some(AppCode::ExportUnknownFormat),
            Some(AppCode::ExportUnknownFormat) => Some(AppCode::ExportExists),
            Some(AppCode::ExportExists) => Some(AppCode::InvalidSchedule),
            Some(AppCode::InvalidSchedule) => Some(AppCode::ReregisterIncomplete),
            Some(AppCode::ReregisterIncomplete) => None,
        }
    }

    #[test]
    fn every_app_code_is_its_own_snake_case_text() {
        let codes: Vec<AppCode> =
            std::iter::successors(next_code(None), |c| next_code(Some(*c))).collect();
        let mut seen = std::collections::HashSet::new();
        for c in &codes {
            let text = c.as_str();
            let snake = text.split('_').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            });
            assert!(
                snake && text.starts_with(|ch: char| ch.is_ascii_lowercase()),
                "{c:?}: {text:?}"
            );
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                text,
                "{c:?} crosses as its text"
            );
            assert_eq!(serde_json::from_value::<AppCode>(text.into()).unwrap(), *c);
            assert!(seen.insert(text), "{text} is the code of two variants");
        }
        assert_eq!(codes.len(), 26);
    }

    #[test]
    fn every_code_reads_back_as_the_same_code() {
        let dx = dx_staging::Error::Timeout { host: "h:1".into() };
        for e in [
            AppError::from(dx),
            AppError::RunBeingWatched,
            AppError::Settings {
                path: "p".into(),
                detail: "d".into(),
            },
        ] {
            let back: ErrorPayload =
                serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
            assert_eq!(back.code, e.kind());
        }
    }

    #[test]
    fn payloads_saved_without_a_location_still_read() {
        let p: ErrorPayload =
            serde_json::from_str(r#"{"code":"cancelled","message":"cancelled","field":null}"#)
                .unwrap();
        assert_eq!(p.location, None);
    }
}
