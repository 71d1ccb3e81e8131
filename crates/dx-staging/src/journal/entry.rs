//! What one journal line holds: who asked what of which DX, and what came back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::redact::redact_secrets;
use crate::error::Error;
use crate::profile::Profile;

/// What was done or asked.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum JournalAction {
    /// A find of staging mismatches was triggered on a subscriber.
    FindTriggered,
    /// A resync was triggered on a subscriber.
    ResyncTriggered,
    /// Mismatch data (the server's mismatch logs) was deleted.
    MismatchDataDeleted,
    /// A mismatch report was exported to a file.
    ReportExported,
    /// A connection profile was created.
    ProfileCreated,
    /// A connection profile was changed.
    ProfileChanged,
    /// A connection profile was deleted.
    ProfileDeleted,
    /// A scheduled check ran.
    ScheduleRun,
    /// A subscriber was registered on a publisher (DXClient's `register-dam-subscriber`).
    SubscriberRegistered,
    /// A subscriber was deregistered from a publisher (DXClient's `deregister-dam-subscriber`).
    SubscriberDeregistered,
}

impl JournalAction {
    /// Every action, in the order a filter offers them.
    pub const ALL: [JournalAction; 10] = [
        JournalAction::FindTriggered,
        JournalAction::ResyncTriggered,
        JournalAction::MismatchDataDeleted,
        JournalAction::ReportExported,
        JournalAction::ProfileCreated,
        JournalAction::ProfileChanged,
        JournalAction::ProfileDeleted,
        JournalAction::ScheduleRun,
        JournalAction::SubscriberRegistered,
        JournalAction::SubscriberDeregistered,
    ];

    /// The action in words ("Find triggered").
    pub fn label(self) -> &'static str {
        match self {
            JournalAction::FindTriggered => "Find triggered",
            JournalAction::ResyncTriggered => "Resync triggered",
            JournalAction::MismatchDataDeleted => "Mismatch data deleted",
            JournalAction::ReportExported => "Report exported",
            JournalAction::ProfileCreated => "Connection profile created",
            JournalAction::ProfileChanged => "Connection profile changed",
            JournalAction::ProfileDeleted => "Connection profile deleted",
            JournalAction::ScheduleRun => "Scheduled check",
            JournalAction::SubscriberRegistered => "Subscriber registered",
            JournalAction::SubscriberDeregistered => "Subscriber deregistered",
        }
    }
}

/// How an ask ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AnswerOutcome {
    /// DX accepted the request (a trigger it will carry out).
    Accepted,
    /// DX or a rule of this app said no (a pre-flight, 400, 403, 409): nothing was done.
    Refused,
    /// It failed: DX could not be reached or answered an error, or a local step failed.
    Failed,
    /// It was done (a local change, an export, a deletion that went through).
    Done,
}

impl AnswerOutcome {
    /// The outcome as a word (`accepted`), as on the wire.
    pub fn label(self) -> &'static str {
        match self {
            AnswerOutcome::Accepted => "accepted",
            AnswerOutcome::Refused => "refused",
            AnswerOutcome::Failed => "failed",
            AnswerOutcome::Done => "done",
        }
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalAnswer {
    /// How it ended.
    pub outcome: AnswerOutcome,
    /// The HTTP status, when DX answered.
    pub status: Option<u16>,
    /// DX's message or the error text (secrets redacted, see [`redact_secrets`]).
    pub message: Option<String>,
}

impl JournalAnswer {
    /// An answer with this outcome, no status and no message.
    pub fn new(outcome: AnswerOutcome) -> Self {
        JournalAnswer {
            outcome,
            status: None,
            message: None,
        }
    }

    /// DX accepted the request, with the HTTP status it answered when known.
    pub fn accepted(status: Option<u16>) -> Self {
        JournalAnswer {
            status,
            ..JournalAnswer::new(AnswerOutcome::Accepted)
        }
    }

    /// Done (a local action, or one DX carried out).
    pub fn done() -> Self {
        JournalAnswer::new(AnswerOutcome::Done)
    }

    /// The answer an error stands for: [`AnswerOutcome::Refused`] when a rule of this app or
    /// DX said no to the request itself (a refused pre-flight, 400, 403, 409), otherwise
    /// [`AnswerOutcome::Failed`]; the status DX answered when the error carries one; the
    /// error's text (redacted) as the message.
    pub fn from_error(e: &Error) -> Self {
        let (outcome, status) = match e {
            Error::Refused { .. } => (AnswerOutcome::Refused, None),
            Error::BadRequest { .. } => (AnswerOutcome::Refused, Some(400)),
            Error::NotAdmin { .. } => (AnswerOutcome::Refused, Some(403)),
            Error::JobAlreadyRunning { .. } => (AnswerOutcome::Refused, Some(409)),
            Error::BadCredentials { .. } | Error::SessionRejected { .. } => {
                (AnswerOutcome::Failed, Some(401))
            }
            Error::UnknownSubscriber { .. } | Error::NotFound { .. } => {
                (AnswerOutcome::Failed, Some(404))
            }
            Error::Server { status, .. } => (AnswerOutcome::Failed, Some(*status)),
            _ => (AnswerOutcome::Failed, None),
        };
        JournalAnswer {
            outcome,
            status,
            message: Some(redact_secrets(&e.to_string()).into_owned()),
        }
    }

    /// Sets the HTTP status DX answered.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the message (DX's, or the error text); secrets in it are redacted.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(redacted(message.into()));
        self
    }
}

/// One journal line.
///
/// Built with [`JournalEntry::new`] and the `with_*` methods; none of them takes a password or
/// a token, and the free texts are redacted (see [`redact_secrets`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// When it happened (UTC; ISO-8601 on the wire).
    #[specta(type = String)]
    pub at: DateTime<Utc>,
    /// What was done.
    pub action: JournalAction,
    /// The connection profile's display name.
    pub connection: Option<String>,
    /// The connection profile's id.
    pub connection_id: Option<String>,
    /// The DX host name.
    pub host: Option<String>,
    /// The subscriber registration id concerned.
    pub subscriber_id: Option<String>,
    /// The user name on the DX side.
    pub dx_user: Option<String>,
    /// What was asked, in words ("Find mismatches on subscriber X").
    pub asked: String,
    /// What came back.
    pub answer: JournalAnswer,
    /// More, in words (a report's path, the fields of a profile that changed, ...).
    pub detail: Option<String>,
}

impl JournalEntry {
    /// An entry of now, with nothing known about the connection yet.
    pub fn new(action: JournalAction, asked: impl Into<String>, answer: JournalAnswer) -> Self {
        JournalEntry {
            at: Utc::now(),
            action,
            connection: None,
            connection_id: None,
            host: None,
            subscriber_id: None,
            dx_user: None,
            asked: redacted(asked.into()),
            answer,
            detail: None,
        }
    }

    /// Sets when it happened.
    pub fn with_time(mut self, at: DateTime<Utc>) -> Self {
        self.at = at;
        self
    }

    /// Takes the connection's name, id, host and DX user name from its profile (a profile
    /// holds no password; empty fields stay unset).
    pub fn with_profile(mut self, profile: &Profile) -> Self {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.connection = some(&profile.name);
        self.connection_id = some(&profile.id);
        self.host = some(&profile.hostname);
        self.dx_user = some(&profile.dx_username);
        self
    }

    /// Sets the connection's display name and id.
    pub fn with_connection(mut self, name: impl Into<String>, id: impl Into<String>) -> Self {
        self.connection = Some(name.into());
        self.connection_id = Some(id.into());
        self
    }

    /// Sets the DX host name.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets the subscriber registration id.
    pub fn with_subscriber(mut self, subscriber_id: impl Into<String>) -> Self {
        self.subscriber_id = Some(subscriber_id.into());
        self
    }

    /// Sets the user name on the DX side.
    pub fn with_dx_user(mut self, user: impl Into<String>) -> Self {
        self.dx_user = Some(user.into());
        self
    }

    /// Sets the detail; secrets in it are redacted.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(redacted(detail.into()));
        self
    }

    /// This entry with its free texts (asked, message, detail) redacted again: the fields are
    /// public, so [`Journal::append`](super::Journal::append) and the CSV export do not rely on
    /// the builders alone.
    pub(crate) fn redacted(&self) -> JournalEntry {
        let mut e = self.clone();
        e.asked = redacted(e.asked);
        e.answer.message = e.answer.message.map(redacted);
        e.detail = e.detail.map(redacted);
        e
    }
}

fn redacted(s: String) -> String {
    match redact_secrets(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(o) => o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_profile_change_never_carries_the_password() {
        const PASSWORD: &str = "S3cr3t-Hunter2!";
        let mut profile = Profile::new("dx.example.com", "wpsadmin");
        profile.id = "p-1".into();
        profile.name = "Production publisher".into();
        // The password lives elsewhere (the keyring, a `Secret`); the journal never sees it,
        // even when a careless message or detail quotes it in a `password=` form.
        let secret = crate::Secret::new(PASSWORD);
        let entries = [
            JournalEntry::new(
                JournalAction::ProfileCreated,
                "Create connection Production publisher",
                JournalAnswer::done(),
            )
            .with_profile(&profile),
            JournalEntry::new(
                JournalAction::ProfileChanged,
                "Change connection Production publisher",
                JournalAnswer::done().with_message(format!("saved password={}", secret.expose())),
            )
            .with_profile(&profile)
            .with_detail(format!(
                "changed: hostname, password; Cookie: LtpaToken2={PASSWORD}"
            )),
            JournalEntry::new(
                JournalAction::ProfileDeleted,
                "Delete connection Production publisher",
                JournalAnswer::done(),
            )
            .with_profile(&profile),
        ];
        let mut raw = entries.clone();
        raw[1].detail = Some(format!("set by hand: password={PASSWORD}"));
        let dir = tempfile::tempdir().unwrap();
        let journal = super::super::Journal::open(dir.path().join("journal.jsonl")).unwrap();
        for e in entries.iter().chain(raw.iter()) {
            journal.append(e).unwrap();
        }
        let written = std::fs::read_to_string(journal.path()).unwrap();
        assert_eq!(written.lines().count(), 6);
        assert!(!written.contains(PASSWORD), "{written}");
        assert!(
            !written.to_lowercase().contains("\"password\""),
            "{written}"
        );
        let v = serde_json::to_value(&entries[1]).unwrap();
        assert_eq!(v["connection"], "Production publisher");
        assert_eq!(v["connectionId"], "p-1");
        assert_eq!(v["host"], "dx.example.com");
        assert_eq!(v["dxUser"], "wpsadmin");
        assert_eq!(v["action"], "profile_changed");
        assert_eq!(v["answer"]["outcome"], "done");
    }

    #[test]
    fn journal_answer_from_errors() {
        let a = JournalAnswer::from_error(&Error::JobAlreadyRunning {
            message: "find running".into(),
        });
        assert_eq!((a.outcome, a.status), (AnswerOutcome::Refused, Some(409)));
        assert!(a.message.unwrap().contains("find running"));
        let a = JournalAnswer::from_error(&Error::Server {
            status: 503,
            message: "down".into(),
        });
        assert_eq!((a.outcome, a.status), (AnswerOutcome::Failed, Some(503)));
        let a = JournalAnswer::from_error(&Error::Timeout { host: "h:1".into() });
        assert_eq!((a.outcome, a.status), (AnswerOutcome::Failed, None));
        let a = JournalAnswer::from_error(&Error::Refused {
            rule: crate::Rule::PreflightFind,
            message: "operations running".into(),
        });
        assert_eq!((a.outcome, a.status), (AnswerOutcome::Refused, None));
    }

    #[test]
    fn journal_actions_have_labels_and_snake_case_names() {
        for a in JournalAction::ALL {
            assert!(!a.label().is_empty());
            let wire = serde_json::to_value(a).unwrap();
            let wire = wire.as_str().unwrap();
            assert!(wire.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
        assert_eq!(
            serde_json::to_value(JournalAction::MismatchDataDeleted).unwrap(),
            "mismatch_data_deleted"
        );
        assert_eq!(
            serde_json::to_value(AnswerOutcome::Accepted).unwrap(),
            "accepted"
        );
    }
}
