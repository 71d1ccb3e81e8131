//! Which journal entries a screen shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::entry::{AnswerOutcome, JournalAction, JournalEntry};

/// A filter over journal entries; every field left empty lets everything through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct JournalFilter {
    /// Text to find, in any case, in the connection's name, the subscriber id, the DX user, what
    /// was asked or the answer's message. Blank = no text filter.
    pub text: Option<String>,
    /// The actions to show; empty = all.
    pub actions: Vec<JournalAction>,
    /// Only this connection profile (by id).
    pub connection_id: Option<String>,
    /// Only entries at or after this time.
    #[specta(type = Option<String>)]
    pub since: Option<DateTime<Utc>>,
    /// Only entries at or before this time.
    #[specta(type = Option<String>)]
    pub until: Option<DateTime<Utc>>,
    /// Only entries that ended this way.
    pub outcome: Option<AnswerOutcome>,
}

impl JournalFilter {
    /// Whether `entry` passes the filter.
    pub fn matches(&self, entry: &JournalEntry) -> bool {
        self.matches_with(entry, self.needle().as_deref())
    }

    /// The entries that pass, newest first (entries of the same time: the later in `entries`
    /// first).
    pub fn apply<'a>(&self, entries: &'a [JournalEntry]) -> Vec<&'a JournalEntry> {
        let needle = self.needle();
        let mut out: Vec<&JournalEntry> = entries
            .iter()
            .rev()
            .filter(|e| self.matches_with(e, needle.as_deref()))
            .collect();
        // Stable: among equal times the reversed file order (later first) stays.
        out.sort_by_key(|e| std::cmp::Reverse(e.at));
        out
    }

    /// The text to find, lower-cased; `None` when blank.
    fn needle(&self) -> Option<String> {
        self.text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
    }

    fn matches_with(&self, e: &JournalEntry, needle: Option<&str>) -> bool {
        if !self.actions.is_empty() && !self.actions.contains(&e.action) {
            return false;
        }
        if self
            .connection_id
            .as_ref()
            .is_some_and(|id| e.connection_id.as_ref() != Some(id))
        {
            return false;
        }
        if self.since.is_some_and(|t| e.at < t) || self.until.is_some_and(|t| e.at > t) {
            return false;
        }
        if self.outcome.is_some_and(|o| e.answer.outcome != o) {
            return false;
        }
        let Some(needle) = needle else {
            return true;
        };
        [
            e.connection.as_deref(),
            e.subscriber_id.as_deref(),
            e.dx_user.as_deref(),
            Some(e.asked.as_str()),
            e.answer.message.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|field| field.to_lowercase().contains(needle))
    }
}

#[cfg(test)]
mod tests {
    use super::super::JournalAnswer;
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, h, 0, 0).unwrap()
    }

    fn entries() -> Vec<JournalEntry> {
        vec![
            JournalEntry::new(
                JournalAction::FindTriggered,
                "Find mismatches on subscriber AAA",
                JournalAnswer::accepted(Some(200)),
            )
            .with_time(at(1))
            .with_connection("Prod Publisher", "p-1")
            .with_subscriber("aaa-1")
            .with_dx_user("wpsadmin"),
            JournalEntry::new(
                JournalAction::ResyncTriggered,
                "Resync subscriber BBB",
                JournalAnswer::new(AnswerOutcome::Refused)
                    .with_status(409)
                    .with_message("A Staging Job is already RUNNING"),
            )
            .with_time(at(2))
            .with_connection("Prod Publisher", "p-1")
            .with_subscriber("bbb-2"),
            JournalEntry::new(
                JournalAction::ProfileChanged,
                "Change connection Test",
                JournalAnswer::done(),
            )
            .with_time(at(3))
            .with_connection("Test Ünïcode", "p-2")
            .with_dx_user("Jörg"),
            JournalEntry::new(
                JournalAction::FindTriggered,
                "Find mismatches on subscriber CCC",
                JournalAnswer::new(AnswerOutcome::Failed).with_message("timeout"),
            )
            .with_time(at(2))
            .with_connection("Test Ünïcode", "p-2")
            .with_subscriber("ccc-3"),
        ]
    }

    fn asked(f: &JournalFilter) -> Vec<String> {
        f.apply(&entries())
            .into_iter()
            .map(|e| e.asked.clone())
            .collect()
    }

    #[test]
    fn journal_filter_empty_shows_all_newest_first() {
        assert_eq!(
            asked(&JournalFilter::default()),
            [
                "Change connection Test",
                "Find mismatches on subscriber CCC",
                "Resync subscriber BBB",
                "Find mismatches on subscriber AAA",
            ]
        );
        let blank = JournalFilter {
            text: Some("   ".into()),
            ..Default::default()
        };
        assert_eq!(asked(&blank).len(), 4);
    }

    #[test]
    fn journal_filter_text_is_case_insensitive_over_its_fields() {
        let text = |t: &str| JournalFilter {
            text: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(asked(&text("prod publisher")).len(), 2); // connection
        assert_eq!(asked(&text("BBB-2")), ["Resync subscriber BBB"]); // subscriber
        assert_eq!(asked(&text("JÖRG")), ["Change connection Test"]); // user, Unicode case
        assert_eq!(asked(&text("staging job")), ["Resync subscriber BBB"]); // message
        assert_eq!(asked(&text("subscriber ccc")).len(), 1); // asked
        assert!(asked(&text("nowhere")).is_empty());
    }

    #[test]
    fn journal_filter_combinations() {
        let f = JournalFilter {
            actions: vec![JournalAction::FindTriggered],
            ..Default::default()
        };
        assert_eq!(
            asked(&f),
            [
                "Find mismatches on subscriber CCC",
                "Find mismatches on subscriber AAA"
            ]
        );
        let f = JournalFilter {
            actions: vec![JournalAction::FindTriggered, JournalAction::ResyncTriggered],
            connection_id: Some("p-1".into()),
            ..Default::default()
        };
        assert_eq!(asked(&f).len(), 2);
        let f = JournalFilter {
            since: Some(at(2)),
            until: Some(at(2)),
            ..Default::default()
        };
        assert_eq!(
            asked(&f),
            ["Find mismatches on subscriber CCC", "Resync subscriber BBB"]
        );
        let f = JournalFilter {
            since: Some(at(2)),
            outcome: Some(AnswerOutcome::Failed),
            text: Some("ccc".into()),
            connection_id: Some("p-2".into()),
            actions: vec![JournalAction::FindTriggered],
            ..Default::default()
        };
        assert_eq!(asked(&f), ["Find mismatches on subscriber CCC"]);
        let f = JournalFilter {
            connection_id: Some("p-1".into()),
            outcome: Some(AnswerOutcome::Done),
            ..Default::default()
        };
        assert!(asked(&f).is_empty());
        assert!(!f.matches(&entries()[2]));
        assert!(JournalFilter::default().matches(&entries()[2]));
    }

    #[test]
    fn journal_filter_reads_from_the_ui_with_missing_fields() {
        let f: JournalFilter = serde_json::from_str(
            r#"{"actions":["resync_triggered"],"since":"2025-03-01T02:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(f.actions, [JournalAction::ResyncTriggered]);
        assert_eq!(f.since, Some(at(2)));
        assert_eq!(asked(&f), ["Resync subscriber BBB"]);
    }
}
