//! One run at a time per publisher. DX runs one find or resync per publisher at a time (a
//! second trigger meanwhile is refused or mixes two jobs' logs), so a run takes the
//! publisher's [`Turn`] before its pre-flight and keeps it until it ends. Turns are lock files,
//! so the app and the CLI — any process of this user on this machine — wait for each other.
//! The operating system releases a lock when its process ends, so a crash never leaves a
//! publisher locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::profile::Profile;

/// How often a waiting run looks whether the turn is free.
const POLL: Duration = Duration::from_millis(200);

/// The turns of every publisher, as lock files in one folder.
#[derive(Debug, Clone)]
pub struct PublisherTurns {
    dir: PathBuf,
}

/// A publisher's turn; the next run's when dropped.
#[derive(Debug)]
pub struct Turn {
    _lock: File,
}

impl PublisherTurns {
    /// Turns kept in `dir` (created when first needed).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PublisherTurns { dir: dir.into() }
    }

    /// The folder that the app and the CLI share: `dam-staging-turns-<user>` in the system's
    /// temporary folder.
    pub fn shared() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_default();
        let user: String = user
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        Self::new(std::env::temp_dir().join(format!("dam-staging-turns-{user}")))
    }

    /// Which publisher a profile talks to: its host and DAM API port, so two profiles of one
    /// server share their turns.
    pub fn publisher_of(profile: &Profile) -> String {
        let host = profile.hostname.trim().to_ascii_lowercase();
        format!("{host}:{}", profile.dam_api_port)
    }

    fn lock_path(&self, publisher: &str) -> PathBuf {
        let name: String = publisher
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.lock"))
    }

    fn open(&self, publisher: &str) -> Result<(File, PathBuf)> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::file(&self.dir, e))?;
        let path = self.lock_path(publisher);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::file(&path, e))?;
        Ok((file, path))
    }

    /// The publisher's turn if it is free now; `None` while another run has it.
    pub fn try_take(&self, publisher: &str) -> Result<Option<Turn>> {
        let (file, path) = self.open(publisher)?;
        take(file, &path)
    }

    /// Waits for the publisher's turn; `None` when `cancel` fires first. `on_wait` is called once
    /// if the turn is not free at once (to say that the run waits).
    pub async fn wait(
        &self,
        publisher: &str,
        cancel: &CancellationToken,
        on_wait: impl FnOnce(),
    ) -> Result<Option<Turn>> {
        let (file, path) = self.open(publisher)?;
        let mut on_wait = Some(on_wait);
        loop {
            let file = file.try_clone().map_err(|e| Error::file(&path, e))?;
            if let Some(turn) = take(file, &path)? {
                return Ok(Some(turn));
            }
            if let Some(f) = on_wait.take() {
                f();
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = cancel.cancelled() => return Ok(None),
            }
        }
    }
}

fn take(file: File, path: &Path) -> Result<Option<Turn>> {
    match file.try_lock() {
        Ok(()) => Ok(Some(Turn { _lock: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(Error::file(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_turn_per_publisher_and_the_next_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let turns = PublisherTurns::new(dir.path());
        let a = turns.try_take("pub-a:443").unwrap().expect("free at first");
        assert!(turns.try_take("pub-a:443").unwrap().is_none(), "taken");
        let b = turns.try_take("pub-b:443").unwrap();
        assert!(b.is_some(), "another publisher has its own turn");
        drop(a);
        assert!(turns.try_take("pub-a:443").unwrap().is_some(), "free again");
    }

    #[test]
    fn two_profiles_of_one_server_share_a_turn() {
        let mut p = Profile::new("DX.example.com ", "admin");
        let mut q = Profile::new("dx.example.com", "other");
        p.dam_api_port = 443;
        q.dam_api_port = 443;
        assert_eq!(
            PublisherTurns::publisher_of(&p),
            PublisherTurns::publisher_of(&q)
        );
        q.dam_api_port = 8443;
        assert_ne!(
            PublisherTurns::publisher_of(&p),
            PublisherTurns::publisher_of(&q)
        );
    }

    #[test]
    fn a_publisher_name_cannot_leave_the_folder() {
        let turns = PublisherTurns::new("/turns");
        let path = turns.lock_path("../../etc/passwd:1");
        assert_eq!(path.parent(), Some(Path::new("/turns")));
    }

    #[tokio::test]
    async fn a_waiting_run_gets_the_turn_when_it_is_freed_or_stops_when_cancelled() {
        let dir = tempfile::tempdir().unwrap();
        let turns = PublisherTurns::new(dir.path());
        let first = turns.try_take("p:1").unwrap().unwrap();
        let cancel = CancellationToken::new();
        let waited = std::sync::atomic::AtomicBool::new(false);
        let (got, ()) = tokio::join!(
            turns.wait("p:1", &cancel, || waited
                .store(true, std::sync::atomic::Ordering::SeqCst)),
            async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                drop(first);
            }
        );
        assert!(got.unwrap().is_some());
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));

        let _held = turns.try_take("p:2").unwrap().unwrap();
        let cancel = CancellationToken::new();
        cancel.cancel();
        assert!(turns.wait("p:2", &cancel, || {}).await.unwrap().is_none());
    }
}
