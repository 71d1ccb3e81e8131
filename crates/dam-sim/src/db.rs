//! The SQLite database of one environment: schema, and running statements off the async threads.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::api_error::ApiError;
use crate::SimError;

mod seek;
pub(crate) use seek::SeekCache;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS records(
    type TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT, collection_id TEXT, name TEXT,
    content TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY(type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscribers(
    id TEXT PRIMARY KEY, target_host TEXT NOT NULL UNIQUE, sync_status TEXT, sync_failure_logs TEXT,
    last_sync_time TEXT, resync_status TEXT, last_resync_time TEXT, cycle_length REAL,
    status INTEGER NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, resync_run TEXT);
CREATE TABLE IF NOT EXISTS mismatches(
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, subscriber_id TEXT NOT NULL,
    record_type TEXT NOT NULL, record_action TEXT NOT NULL, record_id TEXT NOT NULL,
    collection_id TEXT, name TEXT, publisher_hash TEXT, subscriber_hash TEXT, created TEXT NOT NULL,
    find_op TEXT, pushed_run TEXT);
CREATE INDEX IF NOT EXISTS mismatches_subscriber ON mismatches(subscriber_id, seq);
CREATE TABLE IF NOT EXISTS operations(
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, trigger_function TEXT NOT NULL,
    inputs TEXT NOT NULL, status TEXT NOT NULL, error_info TEXT, retry_counter INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS operations_status ON operations(status, seq);
CREATE TABLE IF NOT EXISTS tokens(token_hash TEXT PRIMARY KEY, username TEXT NOT NULL,
    admin INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, record_type TEXT NOT NULL, record_id TEXT NOT NULL,
    action TEXT NOT NULL, collection_id TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_cursors(subscriber_id TEXT PRIMARY KEY, change_seq INTEGER NOT NULL);
";

/// The index cascades follow (dropped and rebuilt around seeding).
pub(crate) const PARENT_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS records_parent ON records(parent_id)";

/// Page cache of a connection, in KiB (negative = KiB for SQLite's `cache_size`).
pub(crate) const CACHE_KIB: i64 = -32_000;

/// One connection per environment behind a mutex; statements run on the blocking pool.
#[derive(Clone)]
pub(crate) struct Db {
    conn: Arc<Mutex<Connection>>,
    /// Known page positions of `GET /staging/mismatches`; locked only while `conn` is held.
    seek: Arc<Mutex<SeekCache>>,
}

impl Db {
    /// Opens (creating if needed) the database and its schema, in WAL mode.
    pub fn open(path: &Path) -> Result<Db, SimError> {
        let wrap = |source| SimError::Database {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(wrap)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(wrap)?;
        conn.pragma_update(None, "cache_size", CACHE_KIB)
            .map_err(wrap)?;
        conn.execute_batch(SCHEMA).map_err(wrap)?;
        conn.execute(PARENT_INDEX, []).map_err(wrap)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            seek: Arc::default(),
        })
    }

    /// Runs `f` with the connection on the blocking thread pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, ApiError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` with the connection on the current thread (for start-up and shutdown).
    pub fn with<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> R {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// The page-position cache of the mismatch logs (lock it only inside [`Db::call`]).
    pub fn seek_cache(&self) -> Arc<Mutex<SeekCache>> {
        self.seek.clone()
    }
}

/// Reads a `meta` value.
pub(crate) fn meta_get(c: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

/// Writes a `meta` value.
pub(crate) fn meta_set(c: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}
