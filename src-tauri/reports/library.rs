//! The report library: the reports the app fetched (and any CSV put there), per profile, in
//! `<app data>/reports/<profile id>/`, with archived ones in its `archive/` folder. What is
//! known about each comes from its sidecar (`<report>.meta.json`, written by `dx-staging`).

use std::path::{Path, PathBuf};

use serde::Serialize;
use specta::Type;

use super::dto::clamp;
use crate::error::{AppError, AppResult};

/// One report of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LibraryEntry {
    /// The CSV file.
    pub path: String,
    /// Its name.
    pub file_name: String,
    /// The subscriber it is about (`None`: all subscribers, or unknown).
    pub subscriber_id: Option<String>,
    /// When it was fetched (ISO), else the file's modification time.
    pub fetched_at: Option<String>,
    /// Data rows, when the sidecar says.
    pub rows: Option<u32>,
    /// Fetched before `FIND_MISMATCH_COMPLETED`.
    pub possibly_inaccurate: bool,
    /// The status when it was fetched.
    pub status_at_fetch: Option<String>,
    /// Archived (by a verify run or before deleting the server's logs).
    pub archived: bool,
    /// The app (or the CLI) fetched it: it has a sidecar.
    pub fetched: bool,
    /// File size in bytes.
    pub bytes: f64,
}

/// The library folder of a profile: `<root>/<profile id>` for the app's own (lowercase UUID)
/// ids; any other id gets a folder name valid on every system that stays distinct from every
/// other profile's even where file names ignore case (Windows, macOS), see
/// [`dx_staging::fsname::portable_key`].
pub fn profile_dir(root: &Path, profile_id: &str) -> PathBuf {
    root.join(dx_staging::fsname::portable_key(profile_id))
}

/// The archive folder of a profile.
pub fn archive_dir(root: &Path, profile_id: &str) -> PathBuf {
    profile_dir(root, profile_id).join("archive")
}

/// The library's entry for the report at `path` (`None` when the file is not there).
pub fn entry(path: &Path, archived: bool) -> Option<LibraryEntry> {
    let md = std::fs::metadata(path).ok()?;
    let meta = dx_staging::report::read_meta(path);
    let modified = md
        .modified()
        .ok()
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339());
    Some(LibraryEntry {
        path: path.display().to_string(),
        file_name: path.file_name()?.to_string_lossy().into_owned(),
        subscriber_id: meta.as_ref().and_then(|m| m.request.subscriber_id.clone()),
        fetched_at: meta
            .as_ref()
            .map(|m| m.fetched_at.to_rfc3339())
            .or(modified),
        rows: meta.as_ref().map(|m| clamp(m.rows)),
        possibly_inaccurate: meta.as_ref().is_some_and(|m| m.possibly_inaccurate),
        status_at_fetch: meta.as_ref().and_then(|m| m.status_at_fetch.clone()),
        archived,
        fetched: meta.is_some(),
        bytes: md.len() as f64,
    })
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv"))
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect()
}

/// The reports of a profile, newest first (current ones before archived ones of the same time).
pub fn list(root: &Path, profile_id: &str) -> Vec<LibraryEntry> {
    let dir = profile_dir(root, profile_id);
    let mut out: Vec<LibraryEntry> = csv_files(&dir)
        .iter()
        .filter_map(|p| entry(p, false))
        .chain(
            csv_files(&dir.join("archive"))
                .iter()
                .filter_map(|p| entry(p, true)),
        )
        .collect();
    out.sort_by(|a, b| {
        b.fetched_at
            .cmp(&a.fetched_at)
            .then_with(|| a.archived.cmp(&b.archived))
            .then_with(|| a.file_name.cmp(&b.file_name))
    });
    out
}

/// Removes a local copy (and its sidecar). Only files inside the library can be removed.
pub fn remove(root: &Path, path: &Path) -> AppResult<()> {
    let inside = |p: &Path| -> Option<bool> {
        let r = std::fs::canonicalize(root).ok()?;
        let f = std::fs::canonicalize(p).ok()?;
        Some(f.starts_with(r) && f.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
    };
    if inside(path) != Some(true) {
        return Err(AppError::PathNotAllowed {
            path: path.display().to_string(),
        });
    }
    std::fs::remove_file(path).map_err(|e| AppError::FileSystem {
        action: "removing",
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    let meta = dx_staging::report::meta_path(path);
    if meta.exists() {
        let _ = std::fs::remove_file(meta);
    }
    Ok(())
}

/// The newest current (not archived) report of a subscriber, if any.
pub fn latest_for(root: &Path, profile_id: &str, subscriber_id: &str) -> Option<PathBuf> {
    list(root, profile_id)
        .into_iter()
        .find(|e| !e.archived && e.subscriber_id.as_deref() == Some(subscriber_id))
        .map(|e| PathBuf::from(e.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_folders_differ_where_case_is_ignored() {
        let root = Path::new("lib");
        let uuid = "8c72ef60-e8d4-4b1a-9f0e-2d1c3b4a5f60";
        assert_eq!(profile_dir(root, uuid), root.join(uuid));
        let ids = ["Prod", "prod", "PROD", "p/1", "p_1", "con", "", "a:b"];
        let mut names: Vec<String> = ids
            .iter()
            .map(|id| {
                let d = profile_dir(root, id);
                assert_eq!(d.parent(), Some(root), "{id:?}");
                d.file_name().unwrap().to_string_lossy().to_lowercase()
            })
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ids.len(), "{names:?}");
        assert_eq!(archive_dir(root, "prod"), root.join("prod").join("archive"));
    }

    fn write_report(dir: &Path, name: &str, sub: &str, at: &str, inaccurate: bool) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, "subscriberId,recordType,recordAction,recordId\n").unwrap();
        let meta = serde_json::json!({
            "source": "http://x/dx/api/dam/v1",
            "request": {"subscriberId": sub},
            "fetchedAt": at,
            "rows": 3,
            "possiblyInaccurate": inaccurate,
            "statusAtFetch": "FIND_MISMATCH_COMPLETED"
        });
        std::fs::write(dx_staging::report::meta_path(&p), meta.to_string()).unwrap();
        p
    }

    #[test]
    fn lists_removes_and_finds_the_latest() {
        let root = tempfile::tempdir().unwrap();
        let dir = profile_dir(root.path(), "p/1");
        assert_eq!(dir.parent(), Some(root.path()));
        assert!(dir.ends_with("p_1-92d196e3"), "{}", dir.display());
        write_report(&dir, "a.csv", "s1", "2024-01-01T00:00:00Z", false);
        let b = write_report(&dir, "b.csv", "s1", "2024-02-01T00:00:00Z", true);
        write_report(
            &dir.join("archive"),
            "old.csv",
            "s1",
            "2023-01-01T00:00:00Z",
            false,
        );
        std::fs::write(dir.join("plain.csv"), "x\n").unwrap();
        std::fs::write(dir.join(".tmp-1.csv"), "x\n").unwrap();
        let l = list(root.path(), "p/1");
        let names: Vec<&str> = l.iter().map(|e| e.file_name.as_str()).collect();
        assert_eq!(names.len(), 4, "{names:?}");
        let b_entry = l.iter().find(|e| e.file_name == "b.csv").unwrap();
        assert!(b_entry.possibly_inaccurate && b_entry.fetched);
        assert_eq!(b_entry.rows, Some(3));
        assert!(
            l.iter()
                .find(|e| e.file_name == "old.csv")
                .unwrap()
                .archived
        );
        assert!(
            !l.iter()
                .find(|e| e.file_name == "plain.csv")
                .unwrap()
                .fetched
        );
        assert_eq!(latest_for(root.path(), "p/1", "s1"), Some(b.clone()));
        remove(root.path(), &b).unwrap();
        assert!(!b.exists() && !dx_staging::report::meta_path(&b).exists());
        let outside = tempfile::NamedTempFile::new().unwrap();
        assert_eq!(
            remove(root.path(), outside.path()).unwrap_err().code(),
            "path_not_allowed"
        );
    }
}
