//! Periodic staging (DX's staging cycle): every subscriber registered with `status: true` is
//! synced every `cycleLength` simulated minutes (missing or not a positive number: HCL's default
//! 2; clamped to 1..=1440, HCL's maximum of 24 hours). A cycle creates an `initiateNextSync`
//! operation on the publisher, sends the publisher's authoring changes since the subscriber's
//! last cycle (the `changes` journal, coalesced per record) plus `cycle_sync_operations`
//! routine events to the subscriber's `POST /eventlogs` (which creates `sync*` operations there)
//! and sets the registration's `lastSyncTime` and `syncStatus`. Cycles run while a find or a
//! resync runs for the same subscriber (DX keeps staging), never two at once for one subscriber.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use crate::api_error::ApiError;
use crate::model::{Operation, Subscriber, NEXT_SYNC_TRIGGER};
use crate::records::RecordType;
use crate::state::{CycleSlot, SharedEnv};
use crate::timefmt;

/// Events per `POST /eventlogs` call.
const BATCH: usize = 500;
/// HCL's default cycle length in minutes.
pub(crate) const DEFAULT_CYCLE_MINUTES: f64 = 2.0;
/// HCL's maximum cycle length in minutes (24 hours).
pub(crate) const MAX_CYCLE_MINUTES: f64 = 1440.0;
/// The simulator's minimum cycle length in minutes.
pub(crate) const MIN_CYCLE_MINUTES: f64 = 1.0;

/// `syncStatus` after a cycle that delivered its events.
pub(crate) const SYNC_SUCCESS: &str = "SUCCESS";
/// `syncStatus` after a cycle that failed (`syncFailureLogs` says why).
pub(crate) const SYNC_FAILED: &str = "FAILED";

/// The cycle length in minutes the simulator uses for a registration's `cycleLength`.
pub(crate) fn cycle_minutes(cycle_length: Option<f64>) -> f64 {
    match cycle_length {
        Some(v) if v.is_finite() && v > 0.0 => v.clamp(MIN_CYCLE_MINUTES, MAX_CYCLE_MINUTES),
        _ => DEFAULT_CYCLE_MINUTES,
    }
}

/// The real time between two cycles of a subscriber.
fn cycle_period(env: &SharedEnv, cycle_length: Option<f64>) -> Duration {
    env.cfg.minute.mul_f64(cycle_minutes(cycle_length))
}

/// How one cycle ended.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CycleReport {
    pub subscriber_id: String,
    pub operation_id: String,
    pub status: &'static str,
    /// Events sent to the subscriber (each one `sync*` operation there).
    pub sync_operations: usize,
    /// Of those, routine ones.
    pub routine_operations: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Starts the scheduler of an environment; it stops with the environment.
pub(crate) fn spawn(env: SharedEnv) {
    let tasks = env.tasks.clone();
    tasks.spawn(async move {
        let tick = (env.cfg.minute / 4).clamp(Duration::from_millis(5), Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = env.cancel.cancelled() => return,
                _ = tokio::time::sleep(tick) => {}
            }
            if !env.cycles.enabled.load(Ordering::Relaxed) {
                continue;
            }
            let subs = match env.db.call(|c| Ok(Subscriber::all(c)?)).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "staging cycles could not read the subscribers");
                    continue;
                }
            };
            for (sub, token) in due(&env, &subs) {
                let env2 = env.clone();
                env.tasks.spawn(async move {
                    run(&env2, sub, token).await;
                });
            }
        }
    });
}

/// The subscribers whose cycle is due now, each marked running; forgets deregistered ones.
fn due(env: &SharedEnv, subs: &[Subscriber]) -> Vec<(Subscriber, CancellationToken)> {
    let now = tokio::time::Instant::now();
    let mut slots = env.cycles.slots.lock().unwrap_or_else(|p| p.into_inner());
    slots.retain(|id, slot| {
        let keep = subs.iter().any(|s| &s.id == id);
        if !keep {
            if let Some(t) = slot.running.take() {
                t.cancel();
            }
        }
        keep
    });
    let mut out = Vec::new();
    for sub in subs {
        let slot = slots.entry(sub.id.clone()).or_insert_with(|| CycleSlot {
            last: now,
            running: None,
            count: 0,
        });
        if !sub.status || slot.running.is_some() {
            continue;
        }
        if now >= slot.last + cycle_period(env, sub.cycle_length) {
            let t = env.cancel.child_token();
            slot.running = Some(t.clone());
            out.push((sub.clone(), t));
        }
    }
    out
}

/// Marks a cycle of `sub` running now (a `/sim/v1/cycles/run` request); `None` if one runs.
pub(crate) fn begin_now(env: &SharedEnv, sub: &Subscriber) -> Option<CancellationToken> {
    let mut slots = env.cycles.slots.lock().unwrap_or_else(|p| p.into_inner());
    let slot = slots.entry(sub.id.clone()).or_insert_with(|| CycleSlot {
        last: tokio::time::Instant::now(),
        running: None,
        count: 0,
    });
    if slot.running.is_some() {
        return None;
    }
    let t = env.cancel.child_token();
    slot.running = Some(t.clone());
    Some(t)
}

/// Runs one cycle of `sub` (marked running with `token`) and ends its mark.
pub(crate) async fn run(env: &SharedEnv, sub: Subscriber, token: CancellationToken) -> CycleReport {
    let (sid, target) = (sub.id.clone(), sub.target_host.clone());
    let created = env
        .db
        .call(move |c| {
            // Deregistered (or disabled) since the scheduler looked: no cycle.
            if !Subscriber::load(c, &sid)?.is_some_and(|s| s.status) {
                return Err(ApiError::not_found(format!(
                    "subscriber {sid} is no longer registered with status true"
                )));
            }
            Ok(Operation::create_in(
                c,
                NEXT_SYNC_TRIGGER,
                &json!({"subscriberId": sid, "targetHost": target}),
                "PROCESSING",
            )?)
        })
        .await;
    let mut report = CycleReport {
        subscriber_id: sub.id.clone(),
        operation_id: String::new(),
        status: "FAILED",
        sync_operations: 0,
        routine_operations: 0,
        error: None,
    };
    match created {
        Err(e) => report.error = Some(e.to_string()),
        Ok(op) => {
            report.operation_id = op.clone();
            tokio::select! {
                _ = token.cancelled() => {
                    report.status = "ABORT";
                    let o = op.clone();
                    if !env.cancel.is_cancelled() {
                        let _ = env.db.call(move |c| {
                            Ok(Operation::set(c, &o, "ABORT", 0, Some("the subscriber was deregistered"))?)
                        }).await;
                    }
                }
                r = push(env, &sub, &op) => finish(env, &sub, &op, r, &mut report).await,
            }
        }
    }
    let mut slots = env.cycles.slots.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(slot) = slots.get_mut(&sub.id) {
        slot.running = None;
        slot.last = tokio::time::Instant::now();
        slot.count += 1;
    }
    report
}

/// What a cycle sent: events, the routine ones among them, and the journal position reached.
struct Sent {
    events: usize,
    routine: usize,
    upto: i64,
}

async fn finish(
    env: &SharedEnv,
    sub: &Subscriber,
    op: &str,
    r: Result<Sent, String>,
    report: &mut CycleReport,
) {
    let (sid, op2) = (sub.id.clone(), op.to_string());
    let outcome = match &r {
        Ok(s) => Ok(s.upto),
        Err(e) => Err(e.clone()),
    };
    let stored = env
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let now = timefmt::now();
            match &outcome {
                Ok(upto) => {
                    Operation::set(&tx, &op2, "SUCCESS", 0, None)?;
                    let n = tx.execute(
                        "UPDATE subscribers SET last_sync_time = ?2, sync_status = ?3, updated = ?2 WHERE id = ?1",
                        rusqlite::params![sid, now, SYNC_SUCCESS],
                    )?;
                    if n > 0 {
                        tx.execute(
                            "INSERT INTO sync_cursors(subscriber_id, change_seq) VALUES (?1, ?2) ON CONFLICT(subscriber_id) DO UPDATE SET change_seq = max(change_seq, excluded.change_seq)",
                            rusqlite::params![sid, upto],
                        )?;
                    }
                    tx.execute(
                        "DELETE FROM changes WHERE seq <= (SELECT min(change_seq) FROM sync_cursors)",
                        [],
                    )?;
                }
                Err(msg) => {
                    Operation::set(&tx, &op2, "FAILED", 0, Some(msg))?;
                    tx.execute(
                        "UPDATE subscribers SET sync_status = ?2, sync_failure_logs = ?3, updated = ?4 WHERE id = ?1",
                        rusqlite::params![sid, SYNC_FAILED, msg, now],
                    )?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await;
    if let Err(e) = stored {
        tracing::warn!(subscriber = %sub.id, error = %e, "a staging cycle could not store its result");
    }
    match r {
        Ok(s) => {
            env.stats.cycles.fetch_add(1, Ordering::Relaxed);
            report.status = "SUCCESS";
            report.sync_operations = s.events;
            report.routine_operations = s.routine;
        }
        Err(e) => {
            tracing::warn!(subscriber = %sub.id, error = %e, "staging cycle failed");
            env.stats.cycles_failed.fetch_add(1, Ordering::Relaxed);
            report.error = Some(e);
        }
    }
}

/// One journaled change, coalesced per record.
struct Change {
    first_action: String,
    collection_id: Option<String>,
    created: String,
    last_seq: i64,
}

/// The subscriber's journal position (initialised to the journal's end: a subscriber gets the
/// changes made after it was first seen).
fn cursor(c: &rusqlite::Connection, sub_id: &str) -> rusqlite::Result<i64> {
    use rusqlite::OptionalExtension;
    let cur: Option<i64> = c
        .query_row(
            "SELECT change_seq FROM sync_cursors WHERE subscriber_id = ?1",
            [sub_id],
            |r| r.get(0),
        )
        .optional()?;
    match cur {
        Some(v) => Ok(v),
        None => register_cursor(c, sub_id),
    }
}

/// Starts a subscriber's journal position at the journal's end (at registration).
pub(crate) fn register_cursor(c: &rusqlite::Connection, sub_id: &str) -> rusqlite::Result<i64> {
    let end: i64 = c.query_row("SELECT COALESCE(max(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    c.execute(
        "INSERT OR REPLACE INTO sync_cursors(subscriber_id, change_seq) VALUES (?1, ?2)",
        rusqlite::params![sub_id, end],
    )?;
    Ok(end)
}

/// Builds the cycle's events: the coalesced changes since the subscriber's cursor (a record
/// created and deleted again is left out; one that exists is CREATE if its first change
/// created it, else UPDATE; one that is gone is DELETE) and `routine` routine events.
fn events(
    c: &rusqlite::Connection,
    sub_id: &str,
    host: &str,
    cycle_id: &str,
    routine: usize,
    round: u64,
) -> rusqlite::Result<(Vec<Value>, usize, i64)> {
    let from = cursor(c, sub_id)?;
    let mut changes: BTreeMap<(String, String), Change> = BTreeMap::new();
    let mut upto = from;
    {
        let mut s = c.prepare_cached(
            "SELECT seq, record_type, record_id, action, collection_id, created FROM changes WHERE seq > ?1 ORDER BY seq",
        )?;
        let mut rows = s.query([from])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            upto = upto.max(seq);
            let key = (r.get::<_, String>(1)?, r.get::<_, String>(2)?);
            let action: String = r.get(3)?;
            let collection_id: Option<String> = r.get(4)?;
            let created: String = r.get(5)?;
            changes
                .entry(key)
                .and_modify(|ch| {
                    ch.last_seq = seq;
                    ch.created = created.clone();
                    if collection_id.is_some() {
                        ch.collection_id = collection_id.clone();
                    }
                })
                .or_insert(Change {
                    first_action: action,
                    collection_id,
                    created,
                    last_seq: seq,
                });
        }
    }
    let mut ordered: Vec<((String, String), Change)> = changes.into_iter().collect();
    ordered.sort_by_key(|(_, ch)| ch.last_seq);
    let mut exists = c.prepare_cached("SELECT 1 FROM records WHERE type = ?1 AND id = ?2")?;
    let mut out = Vec::new();
    for ((t, id), ch) in ordered {
        let present = exists.exists([t.as_str(), id.as_str()])?;
        let action = match (present, ch.first_action.as_str()) {
            (true, "CREATE") => "CREATE",
            (true, _) => "UPDATE",
            (false, "CREATE") => continue,
            (false, _) => "DELETE",
        };
        let mut data = Map::new();
        data.insert("recordType".into(), Value::String(t.clone()));
        data.insert("id".into(), Value::String(id));
        if let Some(cid) = ch.collection_id.filter(|_| action != "DELETE") {
            data.insert("collectionId".into(), Value::String(cid));
        }
        data.insert("cycleId".into(), Value::String(cycle_id.to_string()));
        out.push(json!({
            "eventData": data, "host": host, "type": t, "action": action, "created": ch.created,
        }));
    }
    // Routine events: the first record of rotating types, re-read and left as it is.
    let mut routine_sent = 0;
    let mut first = c.prepare_cached(
        "SELECT id, collection_id FROM records WHERE type = ?1 ORDER BY id LIMIT 1",
    )?;
    let now = timefmt::now();
    let n = RecordType::ALL.len();
    let start = (round as usize).wrapping_mul(routine.max(1));
    let mut tried = 0;
    while routine_sent < routine && tried < n * routine.max(1) {
        let t = RecordType::ALL[(start + tried) % n];
        tried += 1;
        let row: Option<(String, Option<String>)> = {
            use rusqlite::OptionalExtension;
            first
                .query_row([t.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
        };
        let Some((id, cid)) = row else { continue };
        let mut data = Map::new();
        data.insert("recordType".into(), Value::String(t.as_str().into()));
        data.insert("id".into(), Value::String(id));
        if let Some(cid) = cid {
            data.insert("collectionId".into(), Value::String(cid));
        }
        data.insert("cycleId".into(), Value::String(cycle_id.to_string()));
        data.insert("routine".into(), Value::Bool(true));
        out.push(json!({
            "eventData": data, "host": host, "type": t.as_str(), "action": "UPDATE", "created": now,
        }));
        routine_sent += 1;
    }
    Ok((out, routine_sent, upto))
}

async fn push(env: &SharedEnv, sub: &Subscriber, op: &str) -> Result<Sent, String> {
    let round = env
        .cycles
        .slots
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&sub.id)
        .map_or(0, |s| s.count);
    let routine = env.cycles.sync_operations.load(Ordering::Relaxed);
    let (sid, host, cycle) = (sub.id.clone(), env.url.clone(), op.to_string());
    let (events, routine, upto) = env
        .db
        .call(move |c| Ok(events(c, &sid, &host, &cycle, routine, round)?))
        .await
        .map_err(|e| e.to_string())?;
    if !events.is_empty() {
        let peer = env.peers.get(&sub.target_host);
        for chunk in events.chunks(BATCH) {
            peer.post_eventlogs(chunk.to_vec()).await?;
            let o = op.to_string();
            let _ = env.db.call(move |c| Ok(Operation::touch(c, &o)?)).await;
        }
    }
    Ok(Sent {
        events: events.len(),
        routine,
        upto,
    })
}

/// Runs one cycle now for each subscriber asked for (all with `status: true` when `only` is
/// `None`); answers how each ended. 404 for an unknown id, 409 for one with `status: false` or
/// whose cycle is running.
pub(crate) async fn run_now(
    env: &SharedEnv,
    only: Option<String>,
) -> Result<Vec<CycleReport>, ApiError> {
    let subs = env.db.call(|c| Ok(Subscriber::all(c)?)).await?;
    let picked: Vec<Subscriber> = match &only {
        None => subs.into_iter().filter(|s| s.status).collect(),
        Some(id) => {
            let s = subs.into_iter().find(|s| &s.id == id).ok_or_else(|| {
                ApiError::not_found(format!(
                    "no subscriber with id `{id}` is registered on this environment"
                ))
            })?;
            if !s.status {
                return Err(ApiError::conflict(format!(
                    "subscriber {id} is registered with status false: it is not cycled"
                )));
            }
            vec![s]
        }
    };
    let mut started = Vec::new();
    for s in picked {
        match begin_now(env, &s) {
            Some(t) => started.push((s, t)),
            None if only.is_some() => {
                return Err(ApiError::conflict(format!(
                    "a staging cycle of subscriber {} is already running",
                    s.id
                )))
            }
            None => {}
        }
    }
    let runs = started.into_iter().map(|(s, t)| {
        let env = env.clone();
        async move { run(&env, s, t).await }
    });
    Ok(futures::future::join_all(runs).await)
}

/// The `/sim/v1/cycles` view: settings and, per subscriber, its cycles.
pub(crate) async fn view(env: &SharedEnv) -> Result<Value, ApiError> {
    let subs = env.db.call(|c| Ok(Subscriber::all(c)?)).await?;
    let ids: Vec<String> = subs.iter().map(|s| s.id.clone()).collect();
    let pending = env
        .db
        .call(move |c| {
            let mut out = Vec::new();
            for id in ids {
                let from = cursor(c, &id)?;
                let n: i64 = c.query_row(
                    "SELECT count(DISTINCT record_type || ':' || record_id) FROM changes WHERE seq > ?1",
                    [from],
                    |r| r.get(0),
                )?;
                out.push(n);
            }
            Ok(out)
        })
        .await?;
    let now = tokio::time::Instant::now();
    let slots = env.cycles.slots.lock().unwrap_or_else(|p| p.into_inner());
    let list: Vec<Value> = subs
        .iter()
        .zip(pending)
        .map(|(s, pending)| {
            let slot = slots.get(&s.id);
            let next = slot.filter(|_| s.status).map(|sl| {
                (sl.last + cycle_period(env, s.cycle_length))
                    .saturating_duration_since(now)
                    .as_millis() as u64
            });
            json!({
                "subscriberId": s.id,
                "targetHost": s.target_host,
                "status": s.status,
                "cycleLengthMinutes": cycle_minutes(s.cycle_length),
                "cycles": slot.map_or(0, |sl| sl.count),
                "running": slot.is_some_and(|sl| sl.running.is_some()),
                "pendingChanges": pending,
                "nextCycleInMs": next,
            })
        })
        .collect();
    Ok(json!({
        "enabled": env.cycles.enabled.load(Ordering::Relaxed),
        "minuteMs": env.cfg.minute.as_millis() as u64,
        "syncOperations": env.cycles.sync_operations.load(Ordering::Relaxed),
        "subscribers": list,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_length_defaults_to_two_minutes_and_is_clamped() {
        assert_eq!(cycle_minutes(None), 2.0);
        assert_eq!(cycle_minutes(Some(0.0)), 2.0);
        assert_eq!(cycle_minutes(Some(-3.0)), 2.0);
        assert_eq!(cycle_minutes(Some(f64::NAN)), 2.0);
        assert_eq!(cycle_minutes(Some(0.25)), 1.0);
        assert_eq!(cycle_minutes(Some(30.0)), 30.0);
        assert_eq!(cycle_minutes(Some(5000.0)), 1440.0);
    }

    #[test]
    fn changes_are_coalesced_per_record_and_routine_events_added() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("c.db")).unwrap();
        db.with(|c| {
            crate::seed::seed(c, 1, 2).unwrap();
            register_cursor(c, "s").unwrap();
            use crate::mutate::{mutate, MutateOp};
            let added = mutate(c, RecordType::Keyword, MutateOp::Add, 1, true).unwrap();
            mutate(c, RecordType::Keyword, MutateOp::Alter, 100, true).unwrap();
            let gone = mutate(c, RecordType::Rendition, MutateOp::Delete, 1, true).unwrap();
            // Drift is not journaled.
            mutate(c, RecordType::Version, MutateOp::Alter, 1, false).unwrap();
            let (ev, routine, upto) = events(c, "s", "http://p", "cyc", 2, 0).unwrap();
            assert_eq!(routine, 2);
            assert!(upto > 0);
            let of = |id: &str| {
                ev.iter()
                    .find(|e| e["eventData"]["id"] == id && e["eventData"]["routine"].is_null())
                    .cloned()
            };
            assert_eq!(of(&added[0].id).unwrap()["action"], "CREATE");
            assert_eq!(of(&gone[0].id).unwrap()["action"], "DELETE");
            assert!(ev.iter().all(|e| e["eventData"]["cycleId"] == "cyc"));
            assert!(!ev
                .iter()
                .any(|e| e["type"] == "VERSION" && e["eventData"]["routine"].is_null()));
            let keywords = ev
                .iter()
                .filter(|e| e["type"] == "KEYWORD" && e["eventData"]["routine"].is_null())
                .count();
            assert_eq!(keywords, 5, "4 seeded and 1 added keyword, each once");
        });
    }
}
