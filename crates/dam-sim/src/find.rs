//! The find job: compares every record type with the subscriber over HTTP, window by window
//! (`maxRecordsToCompare` records): range hash first, id/hash lists only for windows whose hash
//! differs; writes one mismatch log per differing record.
//!
//! Its operations on the publisher follow `EnvConfig::find_operations`: today's DX
//! ([`FindOperations::Current`]) runs the find as an `initiateCollectionTreeTraversal`
//! operation (it creates the logs) with a `compareRecords` operation per window, wrapped by
//! `processCollection` (the `COLLECTION` records), `processCollectionItems` (the records inside
//! collections) and `findStagingPermissionsMismatch` (`RESOURCE` and `PERMISSION`, compared
//! through the subscriber's internal `/sim/v1/staging/records…` routes); each goes
//! `PROCESSING → SUCCESS`, the running ones' `updated` changing as the find progresses. The
//! older DX ([`FindOperations::Legacy`]) has one `findStagingMismatch` operation.
//!
//! A failed attempt is retried from the start (`RETRY`, `retryCounter` + 1, its logs
//! discarded) until `max_retries` attempts; the operations the failed attempt had open are
//! `ABORT`ed (superseded), except after the last attempt, when they end `FAILED` with the
//! error, like the main operation.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::api_error::ApiError;
use crate::config::FindOperations;
use crate::model::{
    Operation, Subscriber, COMPARE_TRIGGER, FIND_COMPLETED, FIND_FAILED, FIND_START, FIND_TRIGGER,
    PERMISSIONS_TRIGGER, PROCESS_COLLECTION_TRIGGER, PROCESS_ITEMS_TRIGGER, TRAVERSAL_TRIGGER,
};
use crate::peer::{records_base, Peer};
use crate::records::{range_hash, RecordType};
use crate::state::SharedEnv;
use crate::timefmt;

#[derive(Deserialize)]
struct HashResponse {
    hash: String,
    count: u64,
}

#[derive(Deserialize)]
struct HashEntry {
    id: String,
    hash: String,
}

#[derive(Deserialize)]
struct HashList {
    #[serde(default)]
    contents: Vec<HashEntry>,
}

/// One publisher record of a window.
struct Local {
    id: String,
    hash: String,
    collection_id: Option<String>,
    name: Option<String>,
}

/// A log to write.
struct Found {
    rtype: RecordType,
    action: &'static str,
    record_id: String,
    collection_id: Option<String>,
    name: Option<String>,
    publisher_hash: Option<String>,
    subscriber_hash: Option<String>,
}

/// The main operation's trigger function of a find in this environment.
pub(crate) fn main_trigger(env: &SharedEnv) -> &'static str {
    match env.cfg.find_operations {
        FindOperations::Legacy => FIND_TRIGGER,
        _ => TRAVERSAL_TRIGGER,
    }
}

/// The operation that wraps the comparison of `t` in today's DX, if any.
fn phase_trigger(t: RecordType) -> Option<&'static str> {
    match t {
        RecordType::MediaTypeGroup | RecordType::MediaType => None,
        RecordType::Collection => Some(PROCESS_COLLECTION_TRIGGER),
        RecordType::Resource | RecordType::Permission => Some(PERMISSIONS_TRIGGER),
        _ => Some(PROCESS_ITEMS_TRIGGER),
    }
}

/// Starts a find for `sub` (the PATCH trigger). `None` if a find or resync already runs for it.
pub(crate) async fn start(
    env: &SharedEnv,
    sub: Subscriber,
) -> Result<Option<Subscriber>, ApiError> {
    let Some(token) = env.try_busy(&sub.id) else {
        return Ok(None);
    };
    let sub_id = sub.id.clone();
    let target = sub.target_host.clone();
    let keep_old_logs = env.cfg.keep_logs_on_find;
    let trigger = main_trigger(env);
    let created = env
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let op = Operation::create(
                &tx,
                trigger,
                &json!({"subscriberId": sub_id, "targetHost": target}),
            )?;
            if !keep_old_logs {
                tx.execute("DELETE FROM mismatches WHERE subscriber_id = ?1", [&sub_id])?;
            }
            Subscriber::set_resync_status(&tx, &sub_id, FIND_START, false)?;
            let s = Subscriber::load(&tx, &sub_id)?;
            tx.commit()?;
            Ok((op, s))
        })
        .await;
    let (op, s) = match created {
        Ok(v) => v,
        Err(e) => {
            env.release(&sub.id);
            return Err(e);
        }
    };
    env.stats.find_triggers.fetch_add(1, Ordering::Relaxed);
    spawn(
        env.clone(),
        sub.id.clone(),
        sub.target_host.clone(),
        op,
        token,
    );
    s.map(Some)
        .ok_or_else(|| ApiError::not_found(format!("subscriber {} was deregistered", sub.id)))
}

/// The ids of the operations a running find has open besides its main one.
type OpenOps = Arc<Mutex<Vec<String>>>;

fn take_open(open: &OpenOps) -> Vec<String> {
    std::mem::take(&mut *open.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Runs (or resumes) the find operation `op_id` in the background.
pub(crate) fn spawn(
    env: SharedEnv,
    sub_id: String,
    target: String,
    op_id: String,
    token: CancellationToken,
) {
    let tasks = env.tasks.clone();
    let open: OpenOps = Arc::default();
    tasks.spawn(async move {
        tokio::select! {
            _ = token.cancelled() => {
                if !env.cancel.is_cancelled() {
                    // Deregistered while running: the operations are aborted.
                    let op = op_id.clone();
                    let subs = take_open(&open);
                    let _ = env.db.call(move |c| {
                        let msg = "the subscriber was deregistered";
                        c.execute("DELETE FROM mismatches WHERE find_op = ?1", [&op])?;
                        for s in &subs {
                            Operation::set(c, s, "ABORT", 0, Some(msg))?;
                        }
                        Ok(Operation::set(c, &op, "ABORT", 0, Some(msg))?)
                    }).await;
                }
            }
            _ = run(&env, &sub_id, &target, &op_id, &open) => {
                env.release(&sub_id);
            }
        }
    });
}

async fn run(env: &SharedEnv, sub_id: &str, target: &str, op_id: &str, open: &OpenOps) {
    let injected_failure = env.faults.take_fail_next_find();
    let stall = env.faults.take_stall_next_find();
    loop {
        let op = op_id.to_string();
        let retry = env
            .db
            .call(move |c| {
                let retry = Operation::load(c, &op)?.map_or(0, |o| o.retry_counter);
                Operation::set(c, &op, "PROCESSING", retry, None)?;
                Ok(retry)
            })
            .await
            .unwrap_or(0);
        if stall {
            std::future::pending::<()>().await;
        }
        let mut job = Job {
            env,
            sub_id,
            target,
            op_id,
            current: env.cfg.find_operations != FindOperations::Legacy,
            open: open.clone(),
            injected: injected_failure,
            phase: None,
            pace: None,
        };
        let result = job.compare_all().await;
        let (op, sub) = (op_id.to_string(), sub_id.to_string());
        let max = i64::from(env.cfg.max_retries);
        let left_open = take_open(open);
        let again = env
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let again = match &result {
                    Ok(_) => {
                        Operation::set(&tx, &op, "SUCCESS", retry, None)?;
                        Subscriber::set_resync_status(&tx, &sub, FIND_COMPLETED, false)?;
                        false
                    }
                    Err(msg) => {
                        tx.execute("DELETE FROM mismatches WHERE find_op = ?1", [&op])?;
                        if retry + 1 < max {
                            let why = format!(
                                "superseded: attempt {} of the find failed and the find starts again ({msg})",
                                retry + 1
                            );
                            for s in &left_open {
                                Operation::set(&tx, s, "ABORT", retry, Some(&why))?;
                            }
                            Operation::set(&tx, &op, "RETRY", retry + 1, Some(msg))?;
                            true
                        } else {
                            for s in &left_open {
                                Operation::set(&tx, s, "FAILED", retry, Some(msg))?;
                            }
                            Operation::set(&tx, &op, "FAILED", retry, Some(msg))?;
                            Subscriber::set_resync_status(&tx, &sub, FIND_FAILED, false)?;
                            false
                        }
                    }
                };
                tx.commit()?;
                Ok(again)
            })
            .await
            .unwrap_or(false);
        if !again {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200 * (retry as u64 + 1))).await;
    }
}

/// Spreads a find over `find_duration_minutes` simulated minutes.
struct Pace {
    start: tokio::time::Instant,
    total: Duration,
    windows: u64,
    done: u64,
}

/// One attempt of a find.
struct Job<'a> {
    env: &'a SharedEnv,
    sub_id: &'a str,
    target: &'a str,
    /// The main operation.
    op_id: &'a str,
    /// Today's operations (else the one `findStagingMismatch`).
    current: bool,
    open: OpenOps,
    injected: bool,
    /// The open wrapping operation (`processCollection`, …) and its trigger function.
    phase: Option<(&'static str, String)>,
    pace: Option<Pace>,
}

const INJECTED: &str = "injected fault: the find staging mismatch job failed";

impl Job<'_> {
    /// Creates an operation in `PROCESSING` and notes it open.
    async fn open_op(&self, trigger: &'static str, inputs: Value) -> Result<String, String> {
        let id = self
            .env
            .db
            .call(move |c| Ok(Operation::create_in(c, trigger, &inputs, "PROCESSING")?))
            .await
            .map_err(|e| e.to_string())?;
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(id.clone());
        Ok(id)
    }

    fn closed(&self, id: &str) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|o| o != id);
    }

    /// Ends the open wrapping operation (`SUCCESS`), if any.
    async fn close_phase(&mut self) -> Result<(), String> {
        if let Some((_, id)) = self.phase.take() {
            let i = id.clone();
            self.env
                .db
                .call(move |c| Ok(Operation::set(c, &i, "SUCCESS", 0, None)?))
                .await
                .map_err(|e| e.to_string())?;
            self.closed(&id);
        }
        Ok(())
    }

    /// The operations whose `updated` shows the find's progress.
    fn progress_ops(&self) -> Vec<String> {
        let mut v = vec![self.op_id.to_string()];
        if let Some((_, p)) = &self.phase {
            v.push(p.clone());
        }
        v
    }

    async fn compare_all(&mut self) -> Result<u64, String> {
        if self.injected && !self.current {
            return Err(INJECTED.into());
        }
        let peer = self.env.peers.get(self.target);
        if let Some(minutes) = self.env.cfg.find_duration_minutes {
            let n = self.env.cfg.max_records_to_compare as i64;
            let stops = self.env.cfg.find_stops_after_first_batch;
            let counts: Vec<i64> = self
                .env
                .db
                .call(|c| {
                    let mut s = c.prepare("SELECT count(*) FROM records WHERE type = ?1")?;
                    let v = RecordType::ALL
                        .iter()
                        .map(|t| s.query_row([t.as_str()], |r| r.get(0)))
                        .collect::<Result<_, _>>()?;
                    Ok(v)
                })
                .await
                .map_err(|e| e.to_string())?;
            let windows: i64 = counts
                .iter()
                .map(|c| if stops { 1 } else { c / n + 1 })
                .sum();
            self.pace = Some(Pace {
                start: tokio::time::Instant::now(),
                total: self.env.cfg.minute * minutes,
                windows: windows.max(1) as u64,
                done: 0,
            });
        }
        let mut total = 0;
        for t in RecordType::ALL {
            if self.current {
                let want = phase_trigger(t);
                if self.phase.as_ref().map(|p| p.0) != want {
                    self.close_phase().await?;
                    if let Some(trigger) = want {
                        let types: Vec<&str> = RecordType::ALL
                            .iter()
                            .filter(|x| phase_trigger(**x) == Some(trigger))
                            .map(|x| x.as_str())
                            .collect();
                        let id = self
                            .open_op(
                                trigger,
                                json!({"subscriberId": self.sub_id, "targetHost": self.target, "recordTypes": types}),
                            )
                            .await?;
                        self.phase = Some((trigger, id));
                    }
                }
            }
            total += self.compare_type(&peer, t).await?;
        }
        self.close_phase().await?;
        Ok(total)
    }

    async fn compare_type(&mut self, peer: &Peer, t: RecordType) -> Result<u64, String> {
        let env = self.env;
        let n = env.cfg.max_records_to_compare;
        let base = records_base(t);
        let mut sub_offset: u64 = 0;
        let mut prev_last: Option<String> = None;
        let mut drilling = false;
        let mut tail_done = false;
        let mut written = 0u64;
        loop {
            let after = prev_last.clone().unwrap_or_default();
            let window: Vec<Local> = env
                .db
                .call(move |c| {
                    let mut s = c.prepare_cached(
                        "SELECT id, hash, collection_id, name FROM records WHERE type = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                    )?;
                    let v = s
                        .query_map(rusqlite::params![t.as_str(), after, n as i64], |r| {
                            Ok(Local { id: r.get(0)?, hash: r.get(1)?, collection_id: r.get(2)?, name: r.get(3)? })
                        })?
                        .collect::<Result<_, _>>()?;
                    Ok(v)
                })
                .await
                .map_err(|e| e.to_string())?;
            let final_window = window.len() < n;
            if window.is_empty() && tail_done {
                break;
            }
            let window_op = if self.current && !t.is_permission_type() {
                Some(
                    self.open_op(
                        COMPARE_TRIGGER,
                        json!({"subscriberId": self.sub_id, "targetHost": self.target, "recordType": t.as_str(), "offset": sub_offset, "limit": n}),
                    )
                    .await?,
                )
            } else {
                None
            };
            if std::mem::take(&mut self.injected) {
                return Err(INJECTED.into());
            }
            // Modelled: a find that stopped at maxRecordsToCompare (and says nothing of it).
            let stops_now = env.cfg.find_stops_after_first_batch && !window.is_empty();
            let mut found = Vec::new();
            if let Some(last) = window.last().map(|l| l.id.clone()) {
                let same = if drilling {
                    false
                } else {
                    let q = [("offset", sub_offset.to_string()), ("limit", n.to_string())];
                    let h: HashResponse = peer
                        .get_json(&format!("{base}/{}", t.as_str()), &q)
                        .await
                        .map_err(|e| e.0)?;
                    h.count == window.len() as u64
                        && h.hash
                            == range_hash(window.iter().map(|l| (l.id.as_str(), l.hash.as_str())))
                };
                if same {
                    sub_offset += window.len() as u64;
                } else {
                    let upto = if final_window {
                        None
                    } else {
                        Some(last.as_str())
                    };
                    let list = subscriber_list(peer, t, prev_last.as_deref(), upto).await?;
                    sub_offset += list.len() as u64;
                    tail_done |= final_window;
                    found = diff(t, window, list);
                    drilling = !found.is_empty();
                }
                prev_last = Some(last);
            }
            if final_window && !tail_done && !stops_now {
                // Records on the subscriber after the publisher's last id (or all, if the
                // publisher has none).
                let q = [
                    ("offset", sub_offset.to_string()),
                    ("limit", "1".to_string()),
                ];
                let h: HashResponse = peer
                    .get_json(&format!("{base}/{}", t.as_str()), &q)
                    .await
                    .map_err(|e| e.0)?;
                if h.count > 0 {
                    let list = subscriber_list(peer, t, prev_last.as_deref(), None).await?;
                    found.extend(diff(t, Vec::new(), list));
                }
                tail_done = true;
            }
            written += self.finish_window(window_op, found).await?;
            if !env.cfg.find_batch_delay.is_zero() {
                tokio::time::sleep(env.cfg.find_batch_delay).await;
            }
            self.paced().await?;
            if stops_now || final_window {
                break;
            }
        }
        Ok(written)
    }

    /// Writes a window's logs, ends its operation and shows the progress, in one transaction.
    async fn finish_window(
        &self,
        window_op: Option<String>,
        found: Vec<Found>,
    ) -> Result<u64, String> {
        let (sub, op) = (self.sub_id.to_string(), self.op_id.to_string());
        let touch = if self.current {
            self.progress_ops()
        } else {
            Vec::new()
        };
        let w = window_op.clone();
        let n = self
            .env
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                {
                    let mut s = tx.prepare_cached(
                        "INSERT INTO mismatches(id, subscriber_id, record_type, record_action, record_id, collection_id, name, publisher_hash, subscriber_hash, created, find_op) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )?;
                    let now = timefmt::now();
                    for f in &found {
                        s.execute(rusqlite::params![
                            uuid::Uuid::new_v4().to_string(),
                            sub,
                            f.rtype.as_str(),
                            f.action,
                            f.record_id,
                            f.collection_id,
                            f.name,
                            f.publisher_hash,
                            f.subscriber_hash,
                            now,
                            op
                        ])?;
                    }
                }
                if let Some(w) = &w {
                    Operation::set(&tx, w, "SUCCESS", 0, None)?;
                }
                for o in &touch {
                    Operation::touch(&tx, o)?;
                }
                tx.commit()?;
                Ok(found.len() as u64)
            })
            .await
            .map_err(|e| e.to_string())?;
        if let Some(w) = &window_op {
            self.closed(w);
        }
        Ok(n)
    }

    /// With `find_duration_minutes`: waits until this window's share of the duration has
    /// passed, showing progress (`updated`) at least every simulated minute.
    async fn paced(&mut self) -> Result<(), String> {
        let Some(p) = self.pace.as_mut() else {
            return Ok(());
        };
        p.done = (p.done + 1).min(p.windows);
        let until = p.start + p.total.mul_f64(p.done as f64 / p.windows as f64);
        let minute = self.env.cfg.minute;
        loop {
            let now = tokio::time::Instant::now();
            if now >= until {
                return Ok(());
            }
            tokio::time::sleep((until - now).min(minute)).await;
            let touch = self.progress_ops();
            self.env
                .db
                .call(move |c| {
                    for o in &touch {
                        Operation::touch(c, o)?;
                    }
                    Ok(())
                })
                .await
                .map_err(|e| e.to_string())?;
        }
    }
}

async fn subscriber_list(
    peer: &Peer,
    t: RecordType,
    after: Option<&str>,
    last: Option<&str>,
) -> Result<Vec<HashEntry>, String> {
    let mut q = vec![("recordType", t.as_str().to_string())];
    if let Some(f) = after {
        q.push(("firstId", f.to_string()));
    }
    if let Some(l) = last {
        q.push(("lastId", l.to_string()));
    }
    let list: HashList = peer.get_json(records_base(t), &q).await.map_err(|e| e.0)?;
    // firstId is inclusive: drop the previous window's last id (and anything before it).
    Ok(list
        .contents
        .into_iter()
        .filter(|e| after.is_none_or(|a| e.id.as_str() > a))
        .collect())
}

/// Compares a publisher window with the subscriber's records of the same id range.
fn diff(t: RecordType, window: Vec<Local>, list: Vec<HashEntry>) -> Vec<Found> {
    let mut theirs: HashMap<String, String> = list.into_iter().map(|e| (e.id, e.hash)).collect();
    let mut out = Vec::new();
    for l in window {
        match theirs.remove(&l.id) {
            None => out.push(Found {
                rtype: t,
                action: "CREATE",
                record_id: l.id,
                collection_id: l.collection_id,
                name: l.name,
                publisher_hash: Some(l.hash),
                subscriber_hash: None,
            }),
            Some(h) if h != l.hash => out.push(Found {
                rtype: t,
                action: "UPDATE",
                record_id: l.id,
                collection_id: l.collection_id,
                name: l.name,
                publisher_hash: Some(l.hash),
                subscriber_hash: Some(h),
            }),
            Some(_) => {}
        }
    }
    let mut extra: Vec<(String, String)> = theirs.into_iter().collect();
    extra.sort();
    out.extend(extra.into_iter().map(|(id, h)| Found {
        rtype: t,
        action: "DELETE",
        record_id: id,
        collection_id: None,
        name: None,
        publisher_hash: None,
        subscriber_hash: Some(h),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(id: &str, h: &str) -> Local {
        Local {
            id: id.into(),
            hash: h.into(),
            collection_id: None,
            name: None,
        }
    }
    fn e(id: &str, h: &str) -> HashEntry {
        HashEntry {
            id: id.into(),
            hash: h.into(),
        }
    }

    #[test]
    fn diff_classifies_create_update_delete() {
        let found = diff(
            RecordType::Keyword,
            vec![l("a", "1"), l("b", "2"), l("c", "3")],
            vec![e("b", "2"), e("c", "x"), e("d", "4")],
        );
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|f| (f.action, f.record_id.as_str()))
            .collect();
        assert_eq!(got, vec![("CREATE", "a"), ("UPDATE", "c"), ("DELETE", "d")]);
    }
}
