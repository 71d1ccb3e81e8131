//! Saved connection profiles: one JSON file in the app's data folder, written to a temporary
//! name and renamed so a crash never leaves a half file. Holds no secret.
//!
//! Demo profiles live beside the saved ones in memory only and are never written. A file that is
//! not a profiles file is moved aside (`profiles.json.corrupt-<time>`) and the app starts with
//! no profiles; [`ProfileStore::moved_aside`] says so.

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

/// A profiles file that could not be used and was moved aside when the store opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    /// Where the profiles file was.
    pub path: PathBuf,
    /// Where it is now.
    pub moved_to: PathBuf,
    /// Why it could not be used.
    pub reason: String,
}

/// The profiles, saved and demo.
#[derive(Debug)]
pub struct ProfileStore {
    path: PathBuf,
    saved: Vec<Profile>,
    demo: Vec<Profile>,
    selected: Option<String>,
    moved_aside: Option<MovedAside>,
}

impl ProfileStore {
    /// Loads `profiles.json` from `dir` (an absent file is an empty store). A file that is not a
    /// profiles file (corrupt JSON, not UTF-8, wrong shape) is renamed to
    /// `profiles.json.corrupt-<UTC time>` and the store starts empty ([`Self::moved_aside`]).
    /// A file that cannot be read at all is an error naming it, and is left untouched.
    pub fn open(dir: &Path) -> AppResult<Self> {
        let path = dir.join("profiles.json");
        let (file, moved_aside) = match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<ProfilesFile>(&bytes) {
                Ok(file) => (file, None),
                Err(e) => {
                    let moved_to = move_aside(&path).map_err(|io| {
                        settings_err(
                            &path,
                            format!("not a profiles file ({e}) and it could not be moved aside ({io}); fix or move it away"),
                        )
                    })?;
                    tracing::warn!(path = %path.display(), moved_to = %moved_to.display(), error = %e, "the profiles file was not readable and was moved aside");
                    let moved = MovedAside {
                        path: path.clone(),
                        moved_to,
                        reason: e.to_string(),
                    };
                    (ProfilesFile::default(), Some(moved))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (ProfilesFile::default(), None),
            Err(e) => return Err(settings_err(&path, e.to_string())),
        };
        Ok(ProfileStore {
            path,
            saved: file.profiles,
            demo: Vec::new(),
            selected: file.selected_profile_id,
            moved_aside,
        })
    }

    /// The profiles file that was moved aside when the store opened, if it was.
    pub fn moved_aside(&self) -> Option<&MovedAside> {
        self.moved_aside.as_ref()
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
            p.unlink_profile(id);
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

/// Renames an unusable file to `<name>.corrupt-<UTC time>` (a free name: `-2`, `-3`... when
/// taken) in its folder, then syncs the folder. Returns the new path.
pub(crate) fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut n = 1u32;
    let target = loop {
        let suffix = if n == 1 {
            format!(".corrupt-{stamp}")
        } else {
            format!(".corrupt-{stamp}-{n}")
        };
        let candidate = dir.join(dx_staging::fsname::portable_file_name(&name, &suffix));
        if fs::symlink_metadata(&candidate).is_err() {
            break candidate;
        }
        n += 1;
    };
    fs::rename(path, &target)?;
    sync_dir(dir)?;
    Ok(target)
}

/// Makes the entries of `dir` (a rename into it, a new file) durable: on Unix the folder is
/// opened and synced. Elsewhere it does nothing (Windows cannot open a folder as a file
/// without `FILE_FLAG_BACKUP_SEMANTICS`, and NTFS journals renames itself).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, closes it, renames it
/// over `path`, then syncs the folder ([`sync_dir`]). On Windows the rename (`MoveFileEx` with `REPLACE_EXISTING`) replaces the old
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
        fs::rename(&tmp, path)?;
        sync_dir(dir)
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
        s.upsert(profile("b", "render.example.com")).unwrap();
        let mut a = s.get("a").unwrap().clone();
        a.set_link("sub-1", Some("b"));
        s.upsert(a).unwrap();
        s.add_demo(vec![profile("demo-pub", "127.0.0.1")]);
        s.select("a").unwrap();

        let s2 = ProfileStore::open(dir.path()).unwrap();
        assert_eq!(s2.all().count(), 2);
        assert_eq!(s2.get("a").unwrap().link_for("sub-1"), Some("b"));
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
        a.fallback_subscriber_profile_id = Some("b".into());
        a.set_link("sub-1", Some("b"));
        a.set_link("sub-2", Some("c"));
        s.upsert(a).unwrap();
        s.upsert(profile("b", "render.example.com")).unwrap();
        s.remove("b").unwrap();
        let a = s.get("a").unwrap();
        assert_eq!(a.fallback_subscriber_profile_id, None);
        assert_eq!(a.link_for("sub-1"), None);
        assert_eq!(a.link_for("sub-2"), Some("c"));
        assert!(matches!(
            s.remove("zz"),
            Err(AppError::UnknownProfile { .. })
        ));
    }

    #[test]
    fn an_older_file_with_one_subscriber_environment_loads_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let old = r#"{"version": 1, "selectedProfileId": "pub", "profiles": [
            {"id": "pub", "name": "Prod", "dxProtocol": "https", "hostname": "pub.example.com",
             "dxPort": 443, "ringAPIPort": 443, "damAPIPort": 443, "ringAPIVersion": "v1",
             "damAPIVersion": "v1", "dxUsername": "wpsadmin", "tls": {"mode": "verify"},
             "timeouts": {"connectSecs": 10, "requestSecs": 60}, "subscriberProfileId": "env"},
            {"id": "env", "name": "Render", "hostname": "render.example.com", "dxUsername": "wpsadmin"}
        ]}"#;
        fs::write(dir.path().join("profiles.json"), old).unwrap();
        let mut s = ProfileStore::open(dir.path()).unwrap();
        assert!(s.moved_aside().is_none());
        let publisher = s.get("pub").unwrap().clone();
        assert_eq!(
            publisher.fallback_subscriber_profile_id.as_deref(),
            Some("env")
        );
        assert!(publisher.subscriber_links.is_empty());
        // Saved again, the older link keeps its key beside the new ones.
        let mut changed = publisher;
        changed.set_link("sub-9", Some("env"));
        s.upsert(changed).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(s.path()).unwrap()).unwrap();
        assert_eq!(v["profiles"][0]["subscriberProfileId"], "env");
        assert_eq!(
            v["profiles"][0]["subscriberLinks"][0]["subscriberId"],
            "sub-9"
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_the_store_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.json");
        for (i, bad) in [&b"{not json"[..], b"\xff\xfe", b"[1,2]"]
            .iter()
            .enumerate()
        {
            fs::write(&path, bad).unwrap();
            let s = ProfileStore::open(dir.path()).unwrap();
            assert_eq!(s.all().count(), 0);
            let moved = s.moved_aside().expect("moved aside").clone();
            assert_eq!(moved.path, path);
            assert!(!path.exists());
            assert_eq!(fs::read(&moved.moved_to).unwrap(), *bad);
            let name = moved
                .moved_to
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(name.starts_with("profiles.json.corrupt-"), "{name}");
            assert!(dx_staging::fsname::is_portable_name(&name), "{name}");
            assert!(!moved.reason.is_empty());
            // Several in the same second keep distinct names.
            let count = fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(count, i + 1);
        }
        // The empty store saves a fresh file; the next start is clean.
        let mut s = ProfileStore::open(dir.path()).unwrap();
        assert!(s.moved_aside().is_none());
        s.upsert(profile("a", "dx.example.com")).unwrap();
        let s = ProfileStore::open(dir.path()).unwrap();
        assert!(s.moved_aside().is_none());
        assert_eq!(s.all().count(), 1);
    }

    #[test]
    fn an_unreadable_file_is_an_error_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the file should be cannot be read as a file.
        fs::create_dir(dir.path().join("profiles.json")).unwrap();
        let err = ProfileStore::open(dir.path()).unwrap_err();
        assert_eq!(err.code(), "settings_file");
        assert!(err.to_string().contains("profiles.json"));
        assert!(dir.path().join("profiles.json").is_dir());
    }

    #[test]
    fn syncing_a_folder_works_on_a_real_folder() {
        let dir = tempfile::tempdir().unwrap();
        sync_dir(dir.path()).unwrap();
        #[cfg(unix)]
        assert!(sync_dir(&dir.path().join("missing")).is_err());
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
