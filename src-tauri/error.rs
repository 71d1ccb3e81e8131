//! The app's one error type and its wire form: every command error reaches the UI as
//! `{code, message, field}` so the UI can match on `code` and show `message` as is.

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
    /// A demo-only action was asked outside the demo, or the reverse.
    #[error("{0}")]
    Refused(String),
    /// A report file could not be read, written or queried.
    #[error("{detail}")]
    Report {
        /// What went wrong, naming the file or line.
        detail: String,
    },
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
    #[error("{path} is not a .csv file: exports are CSV files")]
    ExportNotCsv {
        /// The target.
        path: String,
    },
    /// An export target that exists, and replacing it was not confirmed.
    #[error("{path} exists already: confirm to replace it")]
    ExportExists {
        /// The target.
        path: String,
    },
}

impl AppError {
    /// A stable machine code; `dx-staging` errors keep their own codes.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Dx(e) => e.code(),
            AppError::KeyringUnavailable { .. } => "keyring_unavailable",
            AppError::Keyring { .. } => "keyring",
            AppError::PasswordNeeded { .. } => "password_needed",
            AppError::UnknownProfile { .. } => "unknown_profile",
            AppError::NoLinkedProfile { .. } => "no_linked_profile",
            AppError::Settings { .. } => "settings_file",
            AppError::Demo { .. } => "demo",
            AppError::Refused(_) => "refused",
            AppError::Report { .. } => "report",
            AppError::Cancelled => "cancelled",
            AppError::PathNotAllowed { .. } => "path_not_allowed",
            AppError::ExportNotCsv { .. } => "export_not_csv",
            AppError::ExportExists { .. } => "export_exists",
        }
    }

    /// The profile field the error is about, when there is one (DXClient spelling).
    pub fn field(&self) -> Option<String> {
        match self {
            AppError::Dx(dx_staging::Error::InvalidProfile { field, .. }) => Some(field.clone()),
            AppError::PasswordNeeded { .. } => Some("dxPassword".into()),
            _ => None,
        }
    }

    /// The wire form.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code().to_string(),
            message: self.to_string(),
            field: self.field(),
        }
    }
}

/// What the UI receives when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
pub struct ErrorPayload {
    /// Stable machine code (`bad_credentials`, `tls`, `keyring_unavailable`, ...).
    pub code: String,
    /// What happened, in plain words; never contains a secret.
    pub message: String,
    /// The profile field concerned, if any (`hostname`, `dxPort`, ...).
    pub field: Option<String>,
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
                "field": "dxPort"
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
                "field": null
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
                "field": null
            })
        );
        let e = AppError::ExportNotCsv {
            path: "/x/out.txt".into(),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({
                "code": "export_not_csv",
                "message": "/x/out.txt is not a .csv file: exports are CSV files",
                "field": null
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
                "field": null
            })
        );
    }
}
