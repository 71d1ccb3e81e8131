//! The app's audit trail: every trigger, resync, deletion of mismatch data, export and profile
//! change goes to `dx-staging`'s journal (`<app data>/journal.jsonl`, one JSON line each, never a
//! secret). Writing it never stands in the way of what the user asked: a journal that cannot be
//! written is logged, and the next entry tries again.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use dx_staging::journal::{Journal, JournalEntry, JournalFilter, JournalRead, SkippedLine};
use dx_staging::Profile;
use serde::Serialize;
use specta::Type;

use crate::error::{AppError, AppResult};
use crate::reports::dto::clamp;
use crate::sync::lock;

/// The journal file's name in the app's data folder.
pub const JOURNAL_FILE: &str = "journal.jsonl";

/// The journal of this app, opened on first use.
#[derive(Debug)]
pub struct AuditTrail {
    path: PathBuf,
    journal: Mutex<Option<Journal>>,
}

/// What the Journal screen shows: the entries that match, newest first, and what could not be
/// read (never silently lost).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalPage {
    /// Matching entries, newest first (at most the `limit` asked).
    pub entries: Vec<JournalEntry>,
    /// Entries that match, before the limit.
    pub matched: u32,
    /// Entries in the journal.
    pub total: u32,
    /// Lines that are not entries (damaged), with their line numbers.
    pub skipped: Vec<SkippedLine>,
    /// The last line was cut short (the app stopped while writing it) and was left out.
    pub torn_tail: bool,
    /// The journal file.
    pub path: String,
}

impl AuditTrail {
    /// The journal at `<data_dir>/journal.jsonl`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        AuditTrail {
            path: data_dir.join(JOURNAL_FILE),
            journal: Mutex::new(None),
        }
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry`. A failure is logged, never returned: the action it records happened.
    pub fn record(&self, entry: JournalEntry) {
        let mut slot = lock(&self.journal);
        if slot.is_none() {
            match Journal::open(&self.path) {
                Ok(j) => *slot = Some(j),
                Err(e) => {
                    tracing::error!(error = %e, action = ?entry.action, "audit journal not writable; entry lost");
                    return;
                }
            }
        }
        if let Some(j) = slot.as_ref() {
            if let Err(e) = j.append(&entry) {
                tracing::error!(error = %e, action = ?entry.action, "audit journal entry not written");
            }
        }
    }

    /// Every entry of the journal (appends wait meanwhile).
    fn read_all(&self) -> AppResult<JournalRead> {
        let _appends_wait = lock(&self.journal);
        dx_staging::journal::read_journal(&self.path).map_err(AppError::from)
    }

    /// The entries matching `filter`, newest first, at most `limit` of them.
    pub fn read(&self, filter: &JournalFilter, limit: usize) -> AppResult<JournalPage> {
        let read = self.read_all()?;
        let matching = filter.apply(&read.entries);
        Ok(JournalPage {
            matched: clamp(matching.len() as u64),
            total: clamp(read.entries.len() as u64),
            entries: matching.into_iter().take(limit).cloned().collect(),
            skipped: read.skipped,
            torn_tail: read.torn_tail,
            path: self.path.display().to_string(),
        })
    }

    /// Writes the entries matching `filter` (newest first) as CSV to `path`; returns how many.
    pub fn export_csv(&self, filter: &JournalFilter, path: &Path) -> AppResult<u32> {
        let read = self.read_all()?;
        let matching = filter.apply(&read.entries);
        dx_staging::journal::export_csv(matching.iter().copied(), path).map_err(AppError::from)?;
        Ok(clamp(matching.len() as u64))
    }
}

/// What changed between two versions of a profile, in words: the names of the fields that
/// differ ("hostname, dxPort"). Profiles hold no secret, so neither does this.
pub fn changed_fields(before: &Profile, after: &Profile) -> String {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return String::new();
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use dx_staging::journal::{JournalAction, JournalAnswer};

    #[test]
    fn entries_are_recorded_read_newest_first_and_exported() {
        let dir = tempfile::tempdir().unwrap();
        let trail = AuditTrail::in_data_dir(&dir.path().join("data"));
        let profile = Profile::new("dx.example.com", "wpsadmin");
        for n in 0..3 {
            trail.record(
                JournalEntry::new(
                    JournalAction::FindTriggered,
                    format!("Find mismatches on sub-{n}"),
                    JournalAnswer::accepted(None),
                )
                .with_profile(&profile)
                .with_subscriber(format!("sub-{n}")),
            );
        }
        let page = trail.read(&JournalFilter::default(), 2).unwrap();
        assert_eq!((page.total, page.matched, page.entries.len()), (3, 3, 2));
        assert_eq!(page.entries[0].subscriber_id.as_deref(), Some("sub-2"));
        assert_eq!(page.entries[0].dx_user.as_deref(), Some("wpsadmin"));
        let only = JournalFilter {
            text: Some("SUB-1".into()),
            ..JournalFilter::default()
        };
        assert_eq!(trail.read(&only, 10).unwrap().matched, 1);
        let csv = dir.path().join("out").join("journal.csv");
        std::fs::create_dir_all(csv.parent().unwrap()).unwrap();
        assert_eq!(trail.export_csv(&only, &csv).unwrap(), 1);
        let text = std::fs::read_to_string(&csv).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("sub-1") && !text.contains("sub-2"));
    }

    #[test]
    fn a_journal_that_cannot_be_written_loses_the_entry_but_not_the_action() {
        let dir = tempfile::tempdir().unwrap();
        // The data "folder" is a file: the journal cannot be created.
        let blocker = dir.path().join("data");
        std::fs::write(&blocker, "x").unwrap();
        let trail = AuditTrail::in_data_dir(&blocker);
        trail.record(JournalEntry::new(
            JournalAction::ReportExported,
            "Export",
            JournalAnswer::done(),
        ));
        let err = trail.read(&JournalFilter::default(), 10);
        // Reading names the file (a missing journal would read as empty).
        if let Err(e) = err {
            assert!(e.to_string().contains("journal.jsonl"), "{e}");
        }
    }

    #[test]
    fn a_profile_change_names_the_fields_that_changed() {
        let a = Profile::new("dx.example.com", "wpsadmin");
        let mut b = a.clone();
        b.hostname = "dx2.example.com".into();
        b.dx_port = 10039;
        assert_eq!(changed_fields(&a, &b), "dxPort, hostname");
        assert_eq!(changed_fields(&a, &a), "");
    }
}
