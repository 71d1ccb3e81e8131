//! Saved connection profiles: one JSON file in the app's data folder, written to a temporary
//! name and renamed so a crash never leaves a half file. Holds no secret.
//!
//! Demo profiles live beside the saved ones in memory only and are never written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use dx_staging::Profile;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

const FILE_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfilesFile {
    version: u32,
    #[serde(default)]
    profiles: Vec<Profile>,
    #[serde(default)]
    selected_profile_id: Option<String>,
}

/// The profiles, saved and demo.
#[derive(Debug)]
pub struct ProfileStore {
    path: PathBuf,
    saved: Vec<Profile>,
    demo: Vec<Profile>,
    selected: Option<String>,
}

impl ProfileStore {
    /// Loads `profiles.json` from `dir` (an absent file is an empty store). A file that cannot be
    /// read is an error naming it, and is left untouched.
    pub fn open(dir: &Path) -> AppResult<Self> {
        let path = dir.join("profiles.json");
        let file = match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<ProfilesFile>(&text).map_err(|e| {
                settings_err(
                    &path,
                    format!("not a profiles file ({e}); fix or move it away"),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ProfilesFile::default(),
            Err(e) => return Err(settings_err(&path, e.to_string())),
        };
        Ok(ProfileStore {
            path,
            saved: file.profiles,
            demo: Vec::new(),
            selected: file.selected_profile_id,
        })
    }

    /// The file the profiles are saved in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, saved first then demo ones.
    pub fn all(&self) -> impl Iterator<Item = &Profile> {
        self.saved.iter().chain(self.demo.iter())
    }

    /// One profile by id.
    pub fn get(&self, id: &str) -> AppResult<&Profile> {
        self.all()
            .find(|p| p.id == id)
            .ok_or_else(|| AppError::UnknownProfile { id: id.to_string() })
    }

    /// Whether the profile is a demo profile.
    pub fn is_demo(&self, id: &str) -> bool {
        self.demo.iter().any(|p| p.id == id)
    }

    /// The last selected profile, if it still exists.
    pub fn selected(&self) -> Option<&str> {
        self.selected
            .as_deref()
            .filter(|id| self.all().any(|p| p.id == *id))
    }

    /// Remembers the selected profile (saved only for saved profiles).
    pub fn select(&mut self, id: &str) -> AppResult<()> {
        self.get(id)?;
        self.selected = Some(id.to_string());
        if !self.is_demo(id) {
            self.write()?;
        }
        Ok(())
    }

    /// Inserts or replaces a saved profile and writes the file. On a write failure the store in
    /// memory is left as it was.
    pub fn upsert(&mut self, profile: Profile) -> AppResult<()> {
        if self.is_demo(&profile.id) {
            let slot = self.demo.iter_mut().find(|p| p.id == profile.id);
            if let Some(slot) = slot {
                *slot = profile;
            }
            return Ok(());
        }
        let before = self.saved.clone();
        match self.saved.iter_mut().find(|p| p.id == profile.id) {
            Some(slot) => *slot = profile,
            None => self.saved.push(profile),
        }
        self.write().inspect_err(|_| self.saved = before)
    }

    /// Removes a profile (and links to it) and writes the file.
    pub fn remove(&mut self, id: &str) -> AppResult<Profile> {
        if let Some(i) = self.demo.iter().position(|p| p.id == id) {
            return Ok(self.demo.remove(i));
        }
        let i = self
            .saved
            .iter()
            .position(|p| p.id == id)
            .ok_or_else(|| AppError::UnknownProfile { id: id.to_string() })?;
        let before = self.saved.clone();
        let removed = self.saved.remove(i);
        for p in &mut self.saved {
            if p.subscriber_profile_id.as_deref() == Some(id) {
                p.subscriber_profile_id = None;
            }
        }
        if self.selected.as_deref() == Some(id) {
            self.selected = None;
        }
        self.write().inspect_err(|_| self.saved = before)?;
        Ok(removed)
    }

    /// Adds profiles that live in memory only (demo mode).
    pub fn add_demo(&mut self, profiles: Vec<Profile>) {
        self.demo.retain(|p| !profiles.iter().any(|n| n.id == p.id));
        self.demo.extend(profiles);
    }

    fn write(&self) -> AppResult<()> {
        let file = ProfilesFile {
            version: FILE_VERSION,
            profiles: self.saved.clone(),
            selected_profile_id: self.selected.clone().filter(|id| !self.is_demo(id)),
        };
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| settings_err(&self.path, e.to_string()))?;
        write_atomically(&self.path, text.as_bytes())
            .map_err(|e| settings_err(&self.path, e.to_string()))
    }
}

fn settings_err(path: &Path, detail: impl Into<String>) -> AppError {
    AppError::Settings {
        path: path.display().to_string(),
        detail: detail.into(),
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, closes it, then renames
/// it over `path`. On Windows the rename (`MoveFileEx` with `REPLACE_EXISTING`) replaces the old
/// file but fails while another program holds it open without sharing (the OS error is passed
/// on).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        } // closed before the rename: Windows cannot rename a file open without sharing
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str, host: &str) -> Profile {
        let mut p = Profile::new(host, "admin");
        p.id = id.into();
        p.name = format!("{host} profile");
        p
    }

    #[test]
    fn saves_reloads_and_never_writes_demo_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ProfileStore::open(dir.path()).unwrap();
        s.upsert(profile("a", "dx.example.com")).unwrap();
        let mut b = profile("b", "render.example.com");
        b.subscriber_profile_id = None;
        s.upsert(b).unwrap();
        let mut a = s.get("a").unwrap().clone();
        a.subscriber_profile_id = Some("b".into());
        s.upsert(a).unwrap();
        s.add_demo(vec![profile("demo-pub", "127.0.0.1")]);
        s.select("a").unwrap();

        let s2 = ProfileStore::open(dir.path()).unwrap();
        assert_eq!(s2.all().count(), 2);
        assert_eq!(
            s2.get("a").unwrap().subscriber_profile_id.as_deref(),
            Some("b")
        );
        assert_eq!(s2.selected(), Some("a"));
        assert!(s2.get("demo-pub").is_err());
        let text = fs::read_to_string(s2.path()).unwrap();
        assert!(!text.contains("demo-pub"));
        assert!(!text.to_lowercase().contains("password"));
    }

    #[test]
    fn removing_a_profile_unlinks_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ProfileStore::open(dir.path()).unwrap();
        let mut a = profile("a", "dx.example.com");
        a.subscriber_profile_id = Some("b".into());
        s.upsert(a).unwrap();
        s.upsert(profile("b", "render.example.com")).unwrap();
        s.remove("b").unwrap();
        assert_eq!(s.get("a").unwrap().subscriber_profile_id, None);
        assert!(matches!(
            s.remove("zz"),
            Err(AppError::UnknownProfile { .. })
        ));
    }

    #[test]
    fn a_corrupt_file_is_reported_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.json");
        fs::write(&path, "{not json").unwrap();
        let err = ProfileStore::open(dir.path()).unwrap_err();
        assert_eq!(err.code(), "settings_file");
        assert!(err.to_string().contains("profiles.json"));
        assert_eq!(fs::read_to_string(&path).unwrap(), "{not json");
    }

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
