//! Rows of the subscribers, operations and mismatches tables, rendered in HCL's JSON shapes
//! (absent values are omitted, never `null`).

use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{Map, Value};

use crate::timefmt;

/// Operation statuses of DX's operation framework.
pub(crate) const OPERATION_STATUSES: [&str; 9] = [
    "TODO",
    "PROCESSING",
    "SUCCESS",
    "ABORT",
    "FAILED",
    "READ",
    "RETRY",
    "WAIT",
    "PENDING",
];

/// Trigger function of the find job of the older DX ([`crate::FindOperations::Legacy`]).
pub(crate) const FIND_TRIGGER: &str = "findStagingMismatch";
/// Today's find: traverses the collections and creates the mismatch logs (the find's main
/// operation).
pub(crate) const TRAVERSAL_TRIGGER: &str = "initiateCollectionTreeTraversal";
/// Today's find, while it compares the `COLLECTION` records.
pub(crate) const PROCESS_COLLECTION_TRIGGER: &str = "processCollection";
/// Today's find, while it compares the records inside collections (media items, relations,
/// renditions, versions, keywords, favorites, custom URLs).
pub(crate) const PROCESS_ITEMS_TRIGGER: &str = "processCollectionItems";
/// Today's find: one window of records compared with the subscriber.
pub(crate) const COMPARE_TRIGGER: &str = "compareRecords";
/// Today's find, while it compares `RESOURCE` and `PERMISSION` records.
pub(crate) const PERMISSIONS_TRIGGER: &str = "findStagingPermissionsMismatch";
/// Today's resync.
pub(crate) const RESYNC_TRIGGER: &str = "resyncSubscriber";
/// One periodic staging cycle on the publisher.
pub(crate) const NEXT_SYNC_TRIGGER: &str = "initiateNextSync";
/// The operations a find creates besides its main one (today's DX).
pub(crate) const FIND_SUB_TRIGGERS: [&str; 4] = [
    PROCESS_COLLECTION_TRIGGER,
    PROCESS_ITEMS_TRIGGER,
    COMPARE_TRIGGER,
    PERMISSIONS_TRIGGER,
];

pub(crate) const FIND_START: &str = "FIND_MISMATCH_START";
pub(crate) const FIND_COMPLETED: &str = "FIND_MISMATCH_COMPLETED";
pub(crate) const FIND_FAILED: &str = "FIND_MISMATCH_FAILED";
pub(crate) const RESYNC_START: &str = "RESYNC_TRIGGER_START";
pub(crate) const RESYNC_COMPLETED: &str = "RESYNC_TRIGGER_COMPLETED";
pub(crate) const RESYNC_FAILED: &str = "RESYNC_TRIGGER_FAILED";

fn put_str(m: &mut Map<String, Value>, k: &str, v: Option<String>) {
    if let Some(v) = v {
        m.insert(k.into(), Value::String(v));
    }
}

fn number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::from(0), Value::Number)
    }
}

/// A registered subscriber.
#[derive(Debug, Clone)]
pub(crate) struct Subscriber {
    pub id: String,
    pub target_host: String,
    pub sync_status: Option<String>,
    pub sync_failure_logs: Option<String>,
    pub last_sync_time: Option<String>,
    pub resync_status: Option<String>,
    pub last_resync_time: Option<String>,
    pub cycle_length: Option<f64>,
    pub status: bool,
    pub created: String,
    pub updated: String,
    pub resync_run: Option<String>,
}

const SUB_COLS: &str = "id, target_host, sync_status, sync_failure_logs, last_sync_time, resync_status, last_resync_time, cycle_length, status, created, updated, resync_run";

impl Subscriber {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Subscriber> {
        Ok(Subscriber {
            id: r.get(0)?,
            target_host: r.get(1)?,
            sync_status: r.get(2)?,
            sync_failure_logs: r.get(3)?,
            last_sync_time: r.get(4)?,
            resync_status: r.get(5)?,
            last_resync_time: r.get(6)?,
            cycle_length: r.get(7)?,
            status: r.get(8)?,
            created: r.get(9)?,
            updated: r.get(10)?,
            resync_run: r.get(11)?,
        })
    }

    pub fn load(c: &Connection, id: &str) -> rusqlite::Result<Option<Subscriber>> {
        c.query_row(
            &format!("SELECT {SUB_COLS} FROM subscribers WHERE id = ?1"),
            [id],
            Subscriber::from_row,
        )
        .optional()
    }

    pub fn all(c: &Connection) -> rusqlite::Result<Vec<Subscriber>> {
        let mut s = c.prepare(&format!(
            "SELECT {SUB_COLS} FROM subscribers ORDER BY created, id"
        ))?;
        let v = s.query_map([], Subscriber::from_row)?.collect();
        v
    }

    pub fn save(&self, c: &Connection) -> rusqlite::Result<()> {
        c.execute(
            &format!("INSERT OR REPLACE INTO subscribers({SUB_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            rusqlite::params![
                self.id,
                self.target_host,
                self.sync_status,
                self.sync_failure_logs,
                self.last_sync_time,
                self.resync_status,
                self.last_resync_time,
                self.cycle_length,
                self.status,
                self.created,
                self.updated,
                self.resync_run
            ],
        )?;
        Ok(())
    }

    /// Sets `resyncStatus` (and `updated`).
    pub fn set_resync_status(
        c: &Connection,
        id: &str,
        status: &str,
        completed: bool,
    ) -> rusqlite::Result<()> {
        let now = timefmt::now();
        if completed {
            c.execute(
                "UPDATE subscribers SET resync_status = ?2, updated = ?3, last_resync_time = ?3 WHERE id = ?1",
                [id, status, &now],
            )?;
        } else {
            c.execute(
                "UPDATE subscribers SET resync_status = ?2, updated = ?3 WHERE id = ?1",
                [id, status, &now],
            )?;
        }
        Ok(())
    }

    /// The `SubscriberRegistration` JSON.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.id.clone()));
        m.insert("targetHost".into(), Value::String(self.target_host.clone()));
        put_str(&mut m, "syncStatus", self.sync_status.clone());
        put_str(&mut m, "syncFailureLogs", self.sync_failure_logs.clone());
        put_str(&mut m, "lastSyncTime", self.last_sync_time.clone());
        put_str(&mut m, "resyncStatus", self.resync_status.clone());
        put_str(&mut m, "lastResyncTime", self.last_resync_time.clone());
        if let Some(c) = self.cycle_length {
            m.insert("cycleLength".into(), number(c));
        }
        m.insert("status".into(), Value::Bool(self.status));
        m.insert("created".into(), Value::String(self.created.clone()));
        m.insert("updated".into(), Value::String(self.updated.clone()));
        m
    }
}

/// An operation of DX's operation framework.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub id: String,
    pub trigger_function: String,
    pub inputs: String,
    pub status: String,
    pub error_info: Option<String>,
    pub retry_counter: i64,
    pub created: String,
    pub updated: String,
}

pub(crate) const OP_COLS: &str =
    "id, trigger_function, inputs, status, error_info, retry_counter, created, updated";

impl Operation {
    pub fn from_row(r: &Row<'_>) -> rusqlite::Result<Operation> {
        Ok(Operation {
            id: r.get(0)?,
            trigger_function: r.get(1)?,
            inputs: r.get(2)?,
            status: r.get(3)?,
            error_info: r.get(4)?,
            retry_counter: r.get(5)?,
            created: r.get(6)?,
            updated: r.get(7)?,
        })
    }

    pub fn load(c: &Connection, id: &str) -> rusqlite::Result<Option<Operation>> {
        c.query_row(
            &format!("SELECT {OP_COLS} FROM operations WHERE id = ?1"),
            [id],
            Operation::from_row,
        )
        .optional()
    }

    /// Creates an operation in `TODO`; answers its id.
    pub fn create(c: &Connection, trigger: &str, inputs: &Value) -> rusqlite::Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = timefmt::now();
        c.execute(
            "INSERT INTO operations(id, trigger_function, inputs, status, retry_counter, created, updated) VALUES (?1, ?2, ?3, 'TODO', 0, ?4, ?4)",
            rusqlite::params![id, trigger, inputs.to_string(), now],
        )?;
        Ok(id)
    }

    /// Creates an operation directly in `status` (a job that starts working at once).
    pub fn create_in(
        c: &Connection,
        trigger: &str,
        inputs: &Value,
        status: &str,
    ) -> rusqlite::Result<String> {
        let id = Operation::create(c, trigger, inputs)?;
        c.execute(
            "UPDATE operations SET status = ?2 WHERE id = ?1",
            [&id, status],
        )?;
        Ok(id)
    }

    /// Sets `updated` to now (a running operation shows progress).
    pub fn touch(c: &Connection, id: &str) -> rusqlite::Result<()> {
        c.execute(
            "UPDATE operations SET updated = ?2 WHERE id = ?1",
            [id, &timefmt::now()],
        )?;
        Ok(())
    }

    /// Sets status, retry counter and error info of an operation.
    pub fn set(
        c: &Connection,
        id: &str,
        status: &str,
        retry_counter: i64,
        error: Option<&str>,
    ) -> rusqlite::Result<()> {
        let info = error.map(|m| serde_json::json!({"message": m}).to_string());
        c.execute(
            "UPDATE operations SET status = ?2, retry_counter = ?3, error_info = ?4, updated = ?5 WHERE id = ?1",
            rusqlite::params![id, status, retry_counter, info, timefmt::now()],
        )?;
        Ok(())
    }

    /// The `Operation` JSON.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.id.clone()));
        m.insert(
            "triggerFunction".into(),
            Value::String(self.trigger_function.clone()),
        );
        let inputs = serde_json::from_str::<Value>(&self.inputs)
            .ok()
            .filter(Value::is_object)
            .unwrap_or_else(|| Value::Object(Map::new()));
        m.insert("inputs".into(), inputs);
        m.insert("status".into(), Value::String(self.status.clone()));
        if let Some(e) = self
            .error_info
            .as_deref()
            .and_then(|e| serde_json::from_str::<Value>(e).ok())
            .filter(Value::is_object)
        {
            m.insert("errorInfo".into(), e);
        }
        m.insert("retryCounter".into(), Value::from(self.retry_counter));
        m.insert("created".into(), Value::String(self.created.clone()));
        m.insert("updated".into(), Value::String(self.updated.clone()));
        Value::Object(m)
    }
}

/// A mismatch log row: the fields of DX's `GET /staging/mismatches` logs.
#[derive(Debug, Clone)]
pub(crate) struct MismatchLog {
    pub id: String,
    pub subscriber_id: String,
    pub record_type: String,
    pub record_action: String,
    pub record_id: String,
    pub collection_id: Option<String>,
    pub name: Option<String>,
    pub publisher_hash: Option<String>,
    pub subscriber_hash: Option<String>,
    pub created: String,
}

pub(crate) const LOG_COLS: &str = "id, subscriber_id, record_type, record_action, record_id, collection_id, name, publisher_hash, subscriber_hash, created";

impl MismatchLog {
    pub fn from_row(r: &Row<'_>) -> rusqlite::Result<MismatchLog> {
        Ok(MismatchLog {
            id: r.get(0)?,
            subscriber_id: r.get(1)?,
            record_type: r.get(2)?,
            record_action: r.get(3)?,
            record_id: r.get(4)?,
            collection_id: r.get(5)?,
            name: r.get(6)?,
            publisher_hash: r.get(7)?,
            subscriber_hash: r.get(8)?,
            created: r.get(9)?,
        })
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(self.id.clone()));
        m.insert(
            "subscriberId".into(),
            Value::String(self.subscriber_id.clone()),
        );
        m.insert("recordType".into(), Value::String(self.record_type.clone()));
        m.insert(
            "recordAction".into(),
            Value::String(self.record_action.clone()),
        );
        m.insert("recordId".into(), Value::String(self.record_id.clone()));
        put_str(&mut m, "collectionId", self.collection_id.clone());
        put_str(&mut m, "name", self.name.clone());
        put_str(&mut m, "publisherHash", self.publisher_hash.clone());
        put_str(&mut m, "subscriberHash", self.subscriber_hash.clone());
        m.insert("created".into(), Value::String(self.created.clone()));
        Value::Object(m)
    }
}
