//! DX's staging objects as this client reads them: subscriber registrations, operations,
//! mismatch logs. Tolerant: fields may be omitted or `null`, unknown enum values are kept.

use chrono::{DateTime, Utc};
use mismatch_report::{MismatchRow, RecordAction, RecordType};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

mismatch_report::domain_enum! {
    /// A subscriber registration's `resyncStatus`.
    ResyncStatus {
        /// A find mismatch job is running.
        FindMismatchStart => "FIND_MISMATCH_START",
        /// The find finished; the mismatch logs are complete.
        FindMismatchCompleted => "FIND_MISMATCH_COMPLETED",
        /// The find failed.
        FindMismatchFailed => "FIND_MISMATCH_FAILED",
        /// The resync trigger is creating sync operations.
        ResyncTriggerStart => "RESYNC_TRIGGER_START",
        /// The sync operations were created (not yet done).
        ResyncTriggerCompleted => "RESYNC_TRIGGER_COMPLETED",
        /// The resync trigger failed.
        ResyncTriggerFailed => "RESYNC_TRIGGER_FAILED",
    }
}

mismatch_report::domain_enum! {
    /// An operation's `status` in DAM's operation framework.
    OperationStatus {
        /// Queued.
        Todo => "TODO",
        /// Running.
        Processing => "PROCESSING",
        /// Done, not yet cleaned up.
        Success => "SUCCESS",
        /// Aborted.
        Abort => "ABORT",
        /// Failed.
        Failed => "FAILED",
        /// Picked up.
        Read => "READ",
        /// Waiting to be retried.
        Retry => "RETRY",
        /// Waiting.
        Wait => "WAIT",
        /// Pending.
        Pending => "PENDING",
    }
}

impl OperationStatus {
    /// "Not yet complete" as the documentation's verification section defines it:
    /// `TODO, PROCESSING, SUCCESS, READ, RETRY, WAIT, PENDING`.
    pub fn is_not_complete(&self) -> bool {
        matches!(
            self,
            OperationStatus::Todo
                | OperationStatus::Processing
                | OperationStatus::Success
                | OperationStatus::Read
                | OperationStatus::Retry
                | OperationStatus::Wait
                | OperationStatus::Pending
        )
    }

    /// "In progress" as the documentation's find pre-flight defines it:
    /// `TODO, PROCESSING, READ, RETRY, WAIT, PENDING` (not `SUCCESS`).
    pub fn is_in_progress(&self) -> bool {
        self.is_not_complete() && *self != OperationStatus::Success
    }
}

impl ResyncStatus {
    /// Whether this status means a job is still running.
    pub fn is_running(&self) -> bool {
        matches!(
            self,
            ResyncStatus::FindMismatchStart | ResyncStatus::ResyncTriggerStart
        )
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_resync<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ResyncStatus>, D::Error> {
    Ok(lenient_string(d)?
        .filter(|s| !s.trim().is_empty())
        .map(|s| ResyncStatus::parse(&s)))
}

/// A subscriber registration on the publisher (`SubscriberRegistration`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Subscriber {
    /// Registration id (the `-subscriberId` of DXClient).
    #[serde(default, deserialize_with = "lenient_string")]
    pub id: Option<String>,
    /// Where the subscriber environment is.
    #[serde(default, deserialize_with = "lenient_string")]
    pub target_host: Option<String>,
    /// Staging sync status.
    #[serde(default, deserialize_with = "lenient_string")]
    pub sync_status: Option<String>,
    /// Sync failure logs.
    #[serde(default, deserialize_with = "lenient_string")]
    pub sync_failure_logs: Option<String>,
    /// Last sync.
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_sync_time: Option<String>,
    /// The status every find/resync wait polls.
    #[serde(default, deserialize_with = "lenient_resync")]
    pub resync_status: Option<ResyncStatus>,
    /// Last find/resync.
    #[serde(default, deserialize_with = "lenient_string")]
    pub last_resync_time: Option<String>,
    /// Staging cycle length.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub cycle_length: Option<u64>,
    /// Whether the registration is enabled.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub status: Option<bool>,
    /// Created.
    #[serde(default, deserialize_with = "lenient_string")]
    pub created: Option<String>,
    /// Updated.
    #[serde(default, deserialize_with = "lenient_string")]
    pub updated: Option<String>,
}

impl Subscriber {
    /// The id, or an empty string when DX left it out.
    pub fn id_str(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }
}

/// An operation of DAM's operation framework (`Operation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Operation id.
    #[serde(default, deserialize_with = "lenient_string")]
    pub id: Option<String>,
    /// What it does (`syncStagingMediaContent`, `findStagingMismatch`, ...).
    #[serde(default, deserialize_with = "lenient_string")]
    pub trigger_function: Option<String>,
    /// Its inputs.
    #[serde(default)]
    pub inputs: Value,
    /// Its status (`null`, a number or a value unknown to this version are kept as
    /// [`OperationStatus::Other`], never a decoding error).
    #[serde(default = "unknown_status", deserialize_with = "lenient_status")]
    pub status: OperationStatus,
    /// Error details, when it failed.
    #[serde(default)]
    pub error_info: Value,
    /// How often it was retried.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub retry_counter: Option<u64>,
    /// Created.
    #[serde(default, deserialize_with = "lenient_string")]
    pub created: Option<String>,
    /// Updated.
    #[serde(default, deserialize_with = "lenient_string")]
    pub updated: Option<String>,
}

fn unknown_status() -> OperationStatus {
    OperationStatus::Other(String::new())
}

fn lenient_status<'de, D: Deserializer<'de>>(d: D) -> Result<OperationStatus, D::Error> {
    Ok(match lenient_string(d)? {
        None => unknown_status(),
        Some(s) => {
            serde_json::from_value(Value::String(s.clone())).unwrap_or(OperationStatus::Other(s))
        }
    })
}

/// A time as DX writes it (RFC 3339, `2024-05-01T12:00:00.000Z`); `None` when it is not one.
pub fn dx_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Operation {
    /// When DX last changed the operation: its `updated`, else its `created`, read as a time.
    pub fn changed_at(&self) -> Option<DateTime<Utc>> {
        self.updated
            .as_deref()
            .or(self.created.as_deref())
            .and_then(dx_time)
    }

    /// Whether the operation was created at or after `since`; an operation without a readable
    /// `created` (or no `since`) counts as such, so a watch never ends early.
    pub fn created_since(&self, since: Option<DateTime<Utc>>) -> bool {
        match (since, self.created.as_deref().and_then(dx_time)) {
            (Some(since), Some(created)) => created >= since,
            _ => true,
        }
    }

    /// Whether this is a staging sync operation (trigger function begins with `sync`).
    pub fn is_sync(&self) -> bool {
        self.trigger_function
            .as_deref()
            .is_some_and(|t| t.starts_with("sync"))
    }
}

/// Accepts a list as a bare JSON array or wrapped as `{"contents": [...]}` (also `items`, `data`).
pub(crate) fn list_items(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(mut o) => {
            for key in ["contents", "items", "data", "results"] {
                if let Some(Value::Array(a)) = o.remove(key) {
                    return Some(a);
                }
            }
            None
        }
        _ => None,
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Turns one mismatch log object into a report row. `type`/`action` are accepted as aliases of
/// `recordType`/`recordAction`; `id` is the log id; unknown fields become extra columns (in the
/// order DX sent them). Returns `None` if the value is not an object.
pub fn mismatch_row_from_json(v: Value) -> Option<MismatchRow> {
    let Value::Object(obj) = v else { return None };
    Some(mismatch_row_from_map(obj))
}

fn mismatch_row_from_map(obj: Map<String, Value>) -> MismatchRow {
    let mut row = MismatchRow::default();
    for (key, value) in obj {
        let text = value_text(&value);
        match key.as_str() {
            "subscriberId" => row.subscriber_id = text,
            "recordType" | "type" => row.record_type = RecordType::parse(&text),
            "recordAction" | "action" => row.record_action = RecordAction::parse(&text),
            "recordId" => row.record_id = text,
            "collectionId" => row.collection_id = text,
            "name" => row.name = text,
            "publisherHash" => row.publisher_hash = text,
            "subscriberHash" => row.subscriber_hash = text,
            "created" => row.created = text,
            "id" | "logId" => row.log_id = text,
            _ => row.extra.push((key, text)),
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subscriber_tolerates_omitted_null_and_unknown() {
        let s: Subscriber = serde_json::from_value(json!({
            "id": "s1", "targetHost": "127.0.0.1:1", "status": true,
            "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z",
            "resyncStatus": null, "cycleLength": 60.0, "brandNew": 1
        }))
        .unwrap();
        assert_eq!(s.id_str(), "s1");
        assert_eq!(s.resync_status, None);
        assert_eq!(s.cycle_length, Some(60));
        let s: Subscriber =
            serde_json::from_value(json!({"id": "s2", "resyncStatus": "FIND_MISMATCH_SOMETHING"}))
                .unwrap();
        assert_eq!(
            s.resync_status,
            Some(ResyncStatus::Other("FIND_MISMATCH_SOMETHING".into()))
        );
        let s: Subscriber =
            serde_json::from_value(json!({"resyncStatus": "find_mismatch_completed"})).unwrap();
        assert_eq!(s.resync_status, Some(ResyncStatus::FindMismatchCompleted));
    }

    #[test]
    fn operation_statuses() {
        let op: Operation = serde_json::from_value(json!({
            "id": "o", "triggerFunction": "syncStagingMediaContent", "inputs": {},
            "status": "FAILED", "retryCounter": 2, "created": "x", "updated": "y"
        }))
        .unwrap();
        assert!(op.is_sync());
        assert_eq!(op.status, OperationStatus::Failed);
        assert_eq!(op.retry_counter, Some(2));
        let not_complete: Vec<_> = OperationStatus::KNOWN
            .iter()
            .filter(|s| s.is_not_complete())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            not_complete,
            [
                "TODO",
                "PROCESSING",
                "SUCCESS",
                "READ",
                "RETRY",
                "WAIT",
                "PENDING"
            ]
        );
        assert!(!OperationStatus::Success.is_in_progress());
        assert!(OperationStatus::Retry.is_in_progress());
        let op: Operation = serde_json::from_value(json!({"status": "PAUSED"})).unwrap();
        assert_eq!(op.status, OperationStatus::Other("PAUSED".into()));
        // A status left null or sent as a number decodes, unknown, with the rest kept.
        let op: Operation =
            serde_json::from_value(json!({"id": "n", "status": null, "retryCounter": 1})).unwrap();
        assert_eq!(op.status, OperationStatus::Other(String::new()));
        assert_eq!(op.retry_counter, Some(1));
        let op: Operation = serde_json::from_value(json!({"status": 3})).unwrap();
        assert_eq!(op.status, OperationStatus::Other("3".into()));
        let op: Operation = serde_json::from_value(json!({"status": "RETRY"})).unwrap();
        assert_eq!(op.status, OperationStatus::Retry);
        assert!(!op.is_sync());
    }

    #[test]
    fn mismatch_log_variants() {
        let row = mismatch_row_from_json(json!({
            "id": "log1", "subscriberId": "s", "type": "RENDITION", "action": "DELETE",
            "recordId": "r1", "collectionId": null, "created": "2024", "shard": 3
        }))
        .unwrap();
        assert_eq!(row.log_id, "log1");
        assert_eq!(row.record_type, RecordType::Rendition);
        assert_eq!(row.record_action, RecordAction::Delete);
        assert_eq!(row.collection_id, "");
        assert_eq!(row.extra, vec![("shard".to_string(), "3".to_string())]);
        let row =
            mismatch_row_from_json(json!({"recordType": "SMART_TAG", "recordAction": "CREATE"}))
                .unwrap();
        assert_eq!(row.record_type, RecordType::Other("SMART_TAG".into()));
        assert!(mismatch_row_from_json(json!([1])).is_none());
    }

    #[test]
    fn list_shapes() {
        assert_eq!(list_items(json!([1, 2])).unwrap().len(), 2);
        assert_eq!(list_items(json!({"contents": [1]})).unwrap().len(), 1);
        assert!(list_items(json!({"x": 1})).is_none());
        assert!(list_items(json!("x")).is_none());
    }
}
