//! What the app does with whatever the disk holds when it starts: leftover temporary files of
//! interrupted writes are removed, and what the user must know (a profiles file moved aside)
//! becomes a [`StartupNotice`] that the window shows once.

use std::path::Path;

use serde::Serialize;
use specta::Type;

use crate::store::MovedAside;

/// Something the window tells the user once after the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StartupNotice {
    /// The profiles file could not be used: it was moved aside and the app started without
    /// saved profiles.
    #[serde(rename_all = "camelCase")]
    ProfilesMovedAside {
        /// Where the profiles file was.
        path: String,
        /// Where it is now.
        moved_to: String,
        /// Why it could not be used.
        reason: String,
    },
}

impl From<&MovedAside> for StartupNotice {
    fn from(m: &MovedAside) -> Self {
        StartupNotice::ProfilesMovedAside {
            path: m.path.display().to_string(),
            moved_to: m.moved_to.display().to_string(),
            reason: m.reason.clone(),
        }
    }
}

/// Whether `name` is a temporary file of one of the app's atomic writers:
/// `.<name>.tmp` (the archive copy of a verify), `.<name>.<pid>.tmp` (the profiles file),
/// `.tmp-XXXXXX` (run states, sidecars), `<name>.tmp-XXXXXX` (reports, exports).
pub fn is_leftover_temp_name(name: &str) -> bool {
    if name.starts_with('.') && name.len() > ".tmp".len() + 1 && name.ends_with(".tmp") {
        return true;
    }
    // `tempfile`'s names: the prefix, then six random letters or digits.
    match name.rfind(".tmp-") {
        Some(i) => {
            let rand = &name[i + ".tmp-".len()..];
            rand.len() == 6 && rand.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        None => false,
    }
}

fn remove_in(dir: &Path, removed: &mut usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if is_file && is_leftover_temp_name(&name) {
            match std::fs::remove_file(e.path()) {
                Ok(()) => *removed += 1,
                Err(err) => {
                    tracing::warn!(path = %e.path().display(), error = %err, "a leftover temporary file could not be removed")
                }
            }
        }
    }
}

/// Removes the leftover temporary files of interrupted writes from the app's data folder: the
/// folder itself (profiles), `runs/`, and every profile folder of the library `reports/` with
/// its `archive/`. Call it before anything writes (the app runs as a single instance). Returns
/// how many were removed.
pub fn remove_leftover_temp_files(data_dir: &Path) -> usize {
    let mut removed = 0;
    remove_in(data_dir, &mut removed);
    remove_in(&data_dir.join("runs"), &mut removed);
    let library = data_dir.join("reports");
    remove_in(&library, &mut removed);
    if let Ok(rd) = std::fs::read_dir(&library) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_in(&e.path(), &mut removed);
                remove_in(&e.path().join("archive"), &mut removed);
            }
        }
    }
    if removed > 0 {
        tracing::info!(removed, "removed leftover temporary files");
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn temporary_names_of_every_writer_are_recognised() {
        for name in [
            ".profiles.json.4242.tmp",
            ".r-archived-20240101T000000Z-0a1b2c3d.csv.tmp",
            ".tmp-AbC123",
            "report.csv.tmp-x9Y8z7",
        ] {
            assert!(is_leftover_temp_name(name), "{name}");
        }
        for name in [
            "profiles.json",
            "profiles.json.corrupt-20240101T000000Z",
            "report.csv",
            "report.csv.meta.json",
            "notes.tmp",
            ".tmp",
            "a.tmp-toolong",
            "a.tmp-abc",
            "20240501T120000Z-0a1b2c3d.json",
        ] {
            assert!(!is_leftover_temp_name(name), "{name}");
        }
    }

    #[test]
    fn leftovers_are_removed_from_the_data_folders_only() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let profile = data.join("reports").join("p1");
        let archive = profile.join("archive");
        let runs = data.join("runs");
        for d in [&archive, &runs] {
            std::fs::create_dir_all(d).unwrap();
        }
        let leftovers = [
            data.join(".profiles.json.99.tmp"),
            runs.join(".tmp-a1B2c3"),
            profile.join("r.csv.tmp-Zz9yY8"),
            profile.join(".tmp-q1w2e3"),
            archive.join(".r-archived-x.csv.tmp"),
        ];
        let kept = [
            data.join("profiles.json"),
            runs.join("20240501T120000Z-0a1b2c3d.json"),
            profile.join("r.csv"),
            profile.join("r.csv.meta.json"),
            archive.join("r-archived-x.csv"),
        ];
        for p in leftovers.iter().chain(&kept) {
            std::fs::write(p, "x").unwrap();
        }
        // A folder with a temporary-looking name is not a file of a writer.
        std::fs::create_dir(runs.join(".tmp-dir123")).unwrap();
        // Outside the data folder nothing is touched.
        let elsewhere = dir.path().join(".tmp-abcdef");
        std::fs::write(&elsewhere, "x").unwrap();
        assert_eq!(remove_leftover_temp_files(&data), leftovers.len());
        assert!(leftovers.iter().all(|p| !p.exists()));
        assert!(kept.iter().all(|p| p.exists()));
        assert!(runs.join(".tmp-dir123").is_dir() && elsewhere.exists());
        assert_eq!(remove_leftover_temp_files(&data), 0);
        assert_eq!(remove_leftover_temp_files(&dir.path().join("none")), 0);
    }

    #[test]
    fn notices_are_tagged_for_the_window() {
        let n = StartupNotice::from(&MovedAside {
            path: "/d/profiles.json".into(),
            moved_to: "/d/profiles.json.corrupt-20240101T000000Z".into(),
            reason: "expected value at line 1 column 1".into(),
        });
        assert_eq!(
            serde_json::to_value(&n).unwrap(),
            json!({
                "kind": "profilesMovedAside",
                "path": "/d/profiles.json",
                "movedTo": "/d/profiles.json.corrupt-20240101T000000Z",
                "reason": "expected value at line 1 column 1"
            })
        );
    }
}
