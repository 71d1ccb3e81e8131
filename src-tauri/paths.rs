//! Which file paths the window may name. A path that a command reads or writes must have come
//! from the native dialog or a drop on the window in this run of the app, or lie inside the
//! app's own folders (the report library, the export folder). Everything else is refused with
//! [`AppError::PathNotAllowed`], whatever the window sends.
//!
//! Paths are compared in canonical form: symbolic links resolved where the file (or its nearest
//! existing folder) exists, `..` never allowed to climb out of a folder, relative paths refused.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::error::{AppError, AppResult};
use crate::reports::dto::ExportFormat;
use crate::sync::lock;

/// What a command does with a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reads the file (open, compare, verify against it).
    Read,
    /// Writes the file (export).
    Write,
}

/// The folders of the app and the paths the user chose in this run.
#[derive(Debug, Default)]
pub struct PathGuard {
    read_roots: Vec<PathBuf>,
    write_roots: Vec<PathBuf>,
    approved: Mutex<HashSet<(Access, PathBuf)>>,
}

/// `path` in canonical form: absolute, links resolved for the part that exists, and the rest
/// made only of plain names (no `.`/`..` after the existing part). `None` for a relative path
/// or a `..` that cannot be resolved on disk.
pub fn canonical(path: &Path) -> Option<PathBuf> {
    if !path.is_absolute() {
        return None;
    }
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    // The nearest existing ancestor, canonical, then the missing names as they are.
    let mut missing: Vec<&std::ffi::OsStr> = Vec::new();
    let mut cur = path;
    loop {
        match cur.components().next_back()? {
            Component::Normal(name) => missing.push(name),
            Component::CurDir => {}
            // `..` over a folder that does not exist: refuse rather than guess.
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
        cur = cur.parent()?;
        if let Ok(base) = std::fs::canonicalize(cur) {
            let mut out = base;
            for name in missing.iter().rev() {
                out.push(name);
            }
            return Some(out);
        }
    }
}

impl PathGuard {
    /// A guard whose folders are readable (`read_roots`) and both readable and writable
    /// (`write_roots`). The folders need not exist yet.
    pub fn new(read_roots: &[&Path], write_roots: &[&Path]) -> Self {
        let canon = |roots: &[&Path]| -> Vec<PathBuf> {
            roots
                .iter()
                .map(|r| canonical(r).unwrap_or_else(|| r.to_path_buf()))
                .collect()
        };
        PathGuard {
            read_roots: canon(read_roots)
                .into_iter()
                .chain(canon(write_roots))
                .collect(),
            write_roots: canon(write_roots),
            approved: Mutex::new(HashSet::new()),
        }
    }

    /// Remembers a path the user chose in a native dialog or dropped on the window.
    pub fn approve(&self, path: &Path, access: Access) {
        if let Some(p) = canonical(path) {
            lock(&self.approved).insert((access, p));
        }
    }

    /// The canonical form of `path` when the window may use it for `access`, else
    /// [`AppError::PathNotAllowed`] naming the path as it was sent.
    pub fn check(&self, path: &Path, access: Access) -> AppResult<PathBuf> {
        let refused = || AppError::PathNotAllowed {
            path: path.display().to_string(),
        };
        let canon = canonical(path).ok_or_else(refused)?;
        let roots = match access {
            Access::Read => &self.read_roots,
            Access::Write => &self.write_roots,
        };
        let inside = roots.iter().any(|r| canon.starts_with(r) && canon != *r);
        if inside || lock(&self.approved).contains(&(access, canon.clone())) {
            Ok(canon)
        } else {
            Err(refused())
        }
    }

    /// Like [`PathGuard::check`] for a path given as text (from the window).
    pub fn check_str(&self, path: &str, access: Access) -> AppResult<PathBuf> {
        self.check(Path::new(path.trim()), access)
    }
}

/// Checks an export target: allowed for writing, ending in `.csv` or `.xlsx` (any case), and either new or
/// `overwrite` confirmed by the user. Returns the canonical target.
pub fn check_export_target(guard: &PathGuard, path: &str, overwrite: bool) -> AppResult<PathBuf> {
    let shown = path.trim().to_string();
    if ExportFormat::of(Path::new(&shown)).is_none() {
        return Err(AppError::ExportUnknownFormat { path: shown });
    }
    let target = guard.check_str(&shown, Access::Write)?;
    if !overwrite && std::fs::symlink_metadata(&target).is_ok() {
        return Err(AppError::ExportExists { path: shown });
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dirs {
        _tmp: tempfile::TempDir,
        library: PathBuf,
        exports: PathBuf,
        outside: PathBuf,
    }

    fn dirs() -> Dirs {
        let tmp = tempfile::tempdir().unwrap();
        let library = tmp.path().join("data/reports");
        let exports = tmp.path().join("docs/store/outputFiles");
        let outside = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&library).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        Dirs {
            _tmp: tmp,
            library,
            exports,
            outside,
        }
    }

    fn guard(d: &Dirs) -> PathGuard {
        PathGuard::new(&[&d.library], &[&d.exports])
    }

    #[test]
    fn folders_of_the_app_are_allowed_and_nothing_else() {
        let d = dirs();
        let g = guard(&d);
        let report = d.library.join("p1/r.csv");
        std::fs::create_dir_all(report.parent().unwrap()).unwrap();
        std::fs::write(&report, "x\n").unwrap();
        assert!(g.check(&report, Access::Read).is_ok());
        assert_eq!(
            g.check(&report, Access::Write).unwrap_err().code(),
            "path_not_allowed"
        );
        // The export folder does not exist yet: writing and reading inside it are allowed.
        let out = d.exports.join("a.csv");
        assert!(g.check(&out, Access::Write).is_ok());
        assert!(g.check(&out, Access::Read).is_ok());
        let outside = d.outside.join("x.csv");
        std::fs::write(&outside, "x\n").unwrap();
        for access in [Access::Read, Access::Write] {
            let e = g.check(&outside, access).unwrap_err();
            assert_eq!(e.code(), "path_not_allowed");
            assert!(e.to_string().contains("x.csv"), "{e}");
        }
        // The folder itself is not a file of it; relative paths are refused.
        assert!(g.check(&d.library, Access::Read).is_err());
        assert!(g
            .check(Path::new("reports/p1/r.csv"), Access::Read)
            .is_err());
    }

    #[test]
    fn dot_dot_cannot_climb_out() {
        let d = dirs();
        let g = guard(&d);
        let secret = d.outside.join("s.csv");
        std::fs::write(&secret, "x\n").unwrap();
        let sneaky = d
            .library
            .join("..")
            .join("..")
            .join("elsewhere")
            .join("s.csv");
        assert!(g.check(&sneaky, Access::Read).is_err());
        // Through a folder that does not exist: refused rather than guessed.
        let sneaky = d.exports.join("new").join("..").join("..").join("x.csv");
        assert!(g.check(&sneaky, Access::Write).is_err());
        assert_eq!(canonical(&d.exports.join("new/../x.csv")), None);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed() {
        let d = dirs();
        let g = guard(&d);
        let secret = d.outside.join("s.csv");
        std::fs::write(&secret, "x\n").unwrap();
        let link = d.library.join("link.csv");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert!(g.check(&link, Access::Read).is_err());
        let dir_link = d.library.join("dir");
        std::os::unix::fs::symlink(&d.outside, &dir_link).unwrap();
        assert!(g.check(&dir_link.join("s.csv"), Access::Read).is_err());
        assert!(g.check(&dir_link.join("new.csv"), Access::Read).is_err());
        // A library reached through a link is still the library.
        let alias = d.outside.join("lib-alias");
        std::os::unix::fs::symlink(&d.library, &alias).unwrap();
        let g = PathGuard::new(&[&alias], &[]);
        std::fs::write(d.library.join("r.csv"), "x\n").unwrap();
        assert!(g.check(&d.library.join("r.csv"), Access::Read).is_ok());
    }

    #[test]
    fn chosen_files_are_allowed_for_what_they_were_chosen_for() {
        let d = dirs();
        let g = guard(&d);
        let picked = d.outside.join("picked.csv");
        std::fs::write(&picked, "x\n").unwrap();
        assert!(g.check(&picked, Access::Read).is_err());
        g.approve(&picked, Access::Read);
        assert_eq!(
            g.check(&picked, Access::Read).unwrap(),
            std::fs::canonicalize(&picked).unwrap()
        );
        assert!(g.check(&picked, Access::Write).is_err());
        // A save dialog's answer need not exist yet.
        let save = d.outside.join("save.CSV");
        g.approve(&save, Access::Write);
        assert!(g.check(&save, Access::Write).is_ok());
        assert!(g
            .check(&d.outside.join("other.csv"), Access::Write)
            .is_err());
    }

    #[test]
    fn exports_are_csv_and_replace_only_when_confirmed() {
        let d = dirs();
        let g = guard(&d);
        let out = d.exports.join("a.CSV");
        let text = out.display().to_string();
        assert!(check_export_target(&g, &text, false).is_ok());
        std::fs::create_dir_all(&d.exports).unwrap();
        std::fs::write(&out, "old").unwrap();
        assert_eq!(
            check_export_target(&g, &text, false).unwrap_err().code(),
            "export_exists"
        );
        assert!(check_export_target(&g, &text, true).is_ok());
        let txt = d.exports.join("a.txt").display().to_string();
        assert_eq!(
            check_export_target(&g, &txt, true).unwrap_err().code(),
            "export_unknown_format"
        );
        let outside = d.outside.join("a.csv").display().to_string();
        assert_eq!(
            check_export_target(&g, &outside, true).unwrap_err().code(),
            "path_not_allowed"
        );
    }
}
