//! The journal file: JSON lines, appended whole, read back with damage reported.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use super::entry::JournalEntry;
use crate::error::{Error, Result};

/// A line of the journal that could not be read as an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SkippedLine {
    /// Its line number in the file, from 1.
    pub line: u32,
    /// Why it was skipped.
    pub reason: String,
}

/// Everything read from a journal file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalRead {
    /// The entries, in file order (oldest first as written).
    pub entries: Vec<JournalEntry>,
    /// Lines before the last that were not entries (damaged or edited by hand), skipped.
    pub skipped: Vec<SkippedLine>,
    /// The last line was cut off (the app or the machine stopped while writing it) and was
    /// ignored.
    pub torn_tail: bool,
}

/// A handle on one journal file, shared by the threads of a process (`Send + Sync`).
///
/// The app and the CLI may append to the same file at once: every entry is one `write_all` of
/// the whole line to a file opened in append mode, so lines never interleave.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    /// Opens (creating it and its folder if needed) the journal at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Journal> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| Error::file(&path, e))?;
        Ok(Journal {
            path,
            file: Mutex::new(file),
        })
    }

    /// The journal file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry as one line of JSON (its free texts redacted).
    ///
    /// The line, with its `'\n'`, goes out in a single `write_all` to the file opened in append
    /// mode. When the file does not end with `'\n'` (a line torn by a crash, here or in another
    /// process), a `'\n'` is written first in the same call, so the torn piece stays a line of
    /// its own and the new entry is read whole.
    ///
    /// Durability: each append ends with `sync_data`. Entries come at the pace of a person
    /// (triggers, deletions, exports, profile edits: a few a minute at most), so the few
    /// milliseconds it costs are never felt, and an audit record of something done to a server
    /// should survive a power cut or a system crash right after, not only a crash of the app.
    pub fn append(&self, entry: &JournalEntry) -> Result<()> {
        let json = serde_json::to_vec(&entry.redacted()).map_err(|e| Error::file(&self.path, e))?;
        let mut file = self.lock();
        let mut line = Vec::with_capacity(json.len() + 2);
        if !ends_with_newline(&mut file).map_err(|e| Error::file(&self.path, e))? {
            line.push(b'\n');
        }
        line.extend_from_slice(&json);
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.flush())
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::file(&self.path, e))
    }

    /// Reads the whole journal (see [`read_journal`]). Appends from this handle wait meanwhile.
    pub fn read(&self) -> Result<JournalRead> {
        let _appends_wait = self.lock();
        read_journal(&self.path)
    }

    fn lock(&self) -> MutexGuard<'_, File> {
        // A panic while holding the lock cannot leave the file in a state worse than a torn
        // line, which the next append and every read handle.
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Whether the file is empty or ends with `'\n'`.
fn ends_with_newline(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Reads every line of the journal at `path`; a missing file reads as empty.
///
/// Never fails on the content: a line that is not an entry is skipped and listed in
/// [`JournalRead::skipped`] with its line number, except the last one, which is taken for a
/// line torn by a crash and only flagged ([`JournalRead::torn_tail`]) — a last line without
/// its `'\n'` is torn too, unless it holds a whole entry (then only the `'\n'` was lost, and
/// the entry is kept). Blank lines are passed over. Errors are about the file itself
/// ([`Error::File`], naming the path).
pub fn read_journal(path: &Path) -> Result<JournalRead> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(JournalRead::default()),
        Err(e) => return Err(Error::file(path, e)),
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut read = JournalRead::default();
    let mut buf = Vec::new();
    let mut line_no: u32 = 0;
    // A bad line is only known to be in the middle once another line follows it.
    let mut bad: Option<SkippedLine> = None;
    loop {
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::file(path, e))?
            == 0
        {
            break;
        }
        line_no = line_no.saturating_add(1);
        let whole = buf.last() == Some(&b'\n');
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        read.skipped.extend(bad.take());
        match serde_json::from_slice::<JournalEntry>(text) {
            Ok(entry) => read.entries.push(entry),
            Err(_) if !whole => read.torn_tail = true,
            Err(e) => {
                bad = Some(SkippedLine {
                    line: line_no,
                    reason: format!("not a journal entry: {e}"),
                })
            }
        }
    }
    read.torn_tail |= bad.is_some();
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::super::{AnswerOutcome, JournalAction, JournalAnswer};
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(n: u32) -> JournalEntry {
        JournalEntry::new(
            JournalAction::FindTriggered,
            format!("Find mismatches on subscriber sub-{n}"),
            JournalAnswer::accepted(Some(200)).with_message("ok"),
        )
        .with_time(Utc.timestamp_opt(1_700_000_000 + i64::from(n), 0).unwrap())
        .with_connection("Prod", "p-1")
        .with_subscriber(format!("sub-{n}"))
    }

    fn open() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path().join("nested/folder/journal.jsonl")).unwrap();
        (dir, j)
    }

    #[test]
    fn journal_round_trip() {
        let (_dir, j) = open();
        let written: Vec<_> = (0..5).map(entry).collect();
        for e in &written {
            j.append(e).unwrap();
        }
        let failed = JournalEntry::new(
            JournalAction::ResyncTriggered,
            "Resync subscriber x",
            JournalAnswer::new(AnswerOutcome::Failed),
        );
        j.append(&failed).unwrap();
        let read = j.read().unwrap();
        assert_eq!(read.entries[..5], written[..]);
        assert_eq!(read.entries[5], failed);
        assert!(read.skipped.is_empty() && !read.torn_tail);
        // A second handle on the same file sees the same, and appends after it.
        let again = Journal::open(j.path()).unwrap();
        again.append(&entry(9)).unwrap();
        assert_eq!(read_journal(j.path()).unwrap().entries.len(), 7);
    }

    #[test]
    fn journal_missing_file_reads_empty() {
        let dir = tempfile::tempdir().unwrap();
        let read = read_journal(&dir.path().join("nothing.jsonl")).unwrap();
        assert_eq!(read, JournalRead::default());
    }

    #[test]
    fn journal_io_error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be: opening it for appending fails.
        let path = dir.path().join("journal.jsonl");
        std::fs::create_dir(&path).unwrap();
        let err = Journal::open(&path).unwrap_err();
        assert_eq!(err.code(), "file");
        assert!(err.to_string().contains("journal.jsonl"), "{err}");
        let err = read_journal(&path).unwrap_err();
        assert!(err.to_string().contains("journal.jsonl"), "{err}");
    }

    #[test]
    fn journal_torn_tail_is_ignored_and_next_append_starts_a_fresh_line() {
        let (_dir, j) = open();
        j.append(&entry(1)).unwrap();
        // The app died halfway through writing the second line.
        let whole = serde_json::to_string(&entry(2)).unwrap();
        let mut f = OpenOptions::new().append(true).open(j.path()).unwrap();
        f.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        drop(f);
        let read = read_journal(j.path()).unwrap();
        assert_eq!(read.entries, vec![entry(1)]);
        assert!(read.torn_tail);
        assert!(read.skipped.is_empty());

        // A fresh handle (the app restarted) and the existing one both start on a new line.
        Journal::open(j.path()).unwrap().append(&entry(3)).unwrap();
        j.append(&entry(4)).unwrap();
        let read = j.read().unwrap();
        assert_eq!(read.entries, vec![entry(1), entry(3), entry(4)]);
        assert!(!read.torn_tail);
        assert_eq!(read.skipped.len(), 1);
        assert_eq!(read.skipped[0].line, 2);
        let text = std::fs::read_to_string(j.path()).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn journal_whole_last_entry_without_newline_is_kept() {
        let (_dir, j) = open();
        let whole = serde_json::to_string(&entry(1)).unwrap();
        std::fs::write(j.path(), &whole).unwrap();
        let read = read_journal(j.path()).unwrap();
        assert_eq!((read.entries.len(), read.torn_tail), (1, false));
        j.append(&entry(2)).unwrap();
        assert_eq!(j.read().unwrap().entries, vec![entry(1), entry(2)]);
    }

    #[test]
    fn journal_bad_middle_line_is_skipped_with_its_line_number() {
        let (_dir, j) = open();
        let good = |n| serde_json::to_string(&entry(n)).unwrap();
        let content = format!(
            "{}\n{{\"at\":\"garbage\"}}\n\n{}\nnot json at all \u{0}\n{}\n\u{0}\u{0}\u{0}",
            good(1),
            good(2),
            good(3)
        );
        let mut bytes = content.into_bytes();
        bytes.splice(0..0, b"\xff\xfe broken\n".iter().copied());
        std::fs::write(j.path(), bytes).unwrap();
        let read = j.read().unwrap();
        assert_eq!(read.entries, vec![entry(1), entry(2), entry(3)]);
        let lines: Vec<u32> = read.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 3, 6]);
        assert!(read
            .skipped
            .iter()
            .all(|s| s.reason.contains("not a journal entry")));
        assert!(read.torn_tail, "the NUL-filled end is a torn tail");
    }

    #[test]
    fn journal_bad_last_line_with_newline_is_a_torn_tail() {
        let (_dir, j) = open();
        j.append(&entry(1)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap()
            .write_all(b"{\"at\":\n\n")
            .unwrap();
        let read = j.read().unwrap();
        assert_eq!((read.entries.len(), read.torn_tail), (1, true));
        assert!(read.skipped.is_empty());
    }

    #[test]
    fn journal_concurrent_appends_do_not_interleave() {
        let (_dir, j) = open();
        let j = std::sync::Arc::new(j);
        std::thread::scope(|s| {
            for t in 0..8u32 {
                let j = &j;
                s.spawn(move || {
                    for i in 0..200u32 {
                        j.append(&entry(t * 1000 + i)).unwrap();
                    }
                });
            }
        });
        let read = j.read().unwrap();
        assert!(read.skipped.is_empty() && !read.torn_tail);
        assert_eq!(read.entries.len(), 1600);
        let mut subs: Vec<_> = read
            .entries
            .iter()
            .map(|e| e.subscriber_id.clone().unwrap())
            .collect();
        subs.sort();
        subs.dedup();
        assert_eq!(subs.len(), 1600);
    }

    #[test]
    fn journal_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Journal>();
        assert_send_sync::<JournalRead>();
    }

    #[test]
    fn journal_reads_many_entries_in_order() {
        let (_dir, j) = open();
        let mut content = String::new();
        for n in 0..20_000 {
            content.push_str(&serde_json::to_string(&entry(n)).unwrap());
            content.push('\n');
        }
        std::fs::write(j.path(), content).unwrap();
        let read = j.read().unwrap();
        assert_eq!(read.entries.len(), 20_000);
        assert!(read.skipped.is_empty() && !read.torn_tail);
        assert_eq!(read.entries[19_999], entry(19_999));
    }
}
