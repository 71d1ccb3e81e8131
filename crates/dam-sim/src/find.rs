//! The `findStagingMismatch` job: compares every record type with the subscriber over HTTP,
//! window by window (`maxRecordsToCompare` records): range hash first, id/hash lists only for
//! windows whose hash differs; writes one mismatch log per differing record.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::api_error::ApiError;
use crate::model::{Operation, Subscriber, FIND_COMPLETED, FIND_FAILED, FIND_START, FIND_TRIGGER};
use crate::peer::Peer;
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

/// Starts a find for `sub` (the PATCH trigger). 409 if a find or resync runs for it.
pub(crate) async fn start(env: &SharedEnv, sub: Subscriber) -> Result<Subscriber, ApiError> {
    let Some(token) = env.try_busy(&sub.id) else {
        return Err(ApiError::conflict(format!(
            "a find staging mismatch or resync job is already running for subscriber {}; wait until resyncStatus is no longer {FIND_START} or RESYNC_TRIGGER_START",
            sub.id
        )));
    };
    let sub_id = sub.id.clone();
    let target = sub.target_host.clone();
    let keep_old_logs = env.cfg.keep_logs_on_find;
    let created = env
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let op = Operation::create(
                &tx,
                FIND_TRIGGER,
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
    s.ok_or_else(|| ApiError::not_found(format!("subscriber {} was deregistered", sub.id)))
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
    tasks.spawn(async move {
        tokio::select! {
            _ = token.cancelled() => {
                if !env.cancel.is_cancelled() {
                    // Deregistered while running: the operation is aborted.
                    let op = op_id.clone();
                    let _ = env.db.call(move |c| {
                        c.execute("DELETE FROM mismatches WHERE find_op = ?1", [&op])?;
                        Ok(Operation::set(c, &op, "ABORT", 0, Some("the subscriber was deregistered"))?)
                    }).await;
                }
            }
            _ = run(&env, &sub_id, &target, &op_id) => {
                env.release(&sub_id);
            }
        }
    });
}

async fn run(env: &SharedEnv, sub_id: &str, target: &str, op_id: &str) {
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
        let result = if injected_failure {
            Err("injected fault: the find staging mismatch job failed".to_string())
        } else {
            compare_all(env, sub_id, target, op_id).await
        };
        let (op, sub) = (op_id.to_string(), sub_id.to_string());
        let max = i64::from(env.cfg.max_retries);
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
                            Operation::set(&tx, &op, "RETRY", retry + 1, Some(msg))?;
                            true
                        } else {
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
        tokio::time::sleep(std::time::Duration::from_millis(200 * (retry as u64 + 1))).await;
    }
}

async fn compare_all(
    env: &SharedEnv,
    sub_id: &str,
    target: &str,
    op_id: &str,
) -> Result<u64, String> {
    let peer = env.peers.get(target);
    let mut total = 0;
    for t in RecordType::ALL {
        total += compare_type(env, &peer, t, sub_id, op_id).await?;
    }
    Ok(total)
}

const HASH_PATH: &str = "/dx/api/dam/v1/staging/records";

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
    let list: HashList = peer.get_json(HASH_PATH, &q).await.map_err(|e| e.0)?;
    // firstId is inclusive: drop the previous window's last id (and anything before it).
    Ok(list
        .contents
        .into_iter()
        .filter(|e| after.is_none_or(|a| e.id.as_str() > a))
        .collect())
}

async fn compare_type(
    env: &SharedEnv,
    peer: &Peer,
    t: RecordType,
    sub_id: &str,
    op_id: &str,
) -> Result<u64, String> {
    let n = env.cfg.max_records_to_compare;
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
        let Some(last) = window.last().map(|l| l.id.clone()) else {
            break;
        };
        let final_window = window.len() < n;
        let same = if drilling {
            false
        } else {
            let q = [("offset", sub_offset.to_string()), ("limit", n.to_string())];
            let h: HashResponse = peer
                .get_json(&format!("{HASH_PATH}/{}", t.as_str()), &q)
                .await
                .map_err(|e| e.0)?;
            h.count == window.len() as u64
                && h.hash == range_hash(window.iter().map(|l| (l.id.as_str(), l.hash.as_str())))
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
            let found = diff(t, window, list);
            drilling = !found.is_empty();
            written += write_logs(env, sub_id, op_id, found).await?;
        }
        prev_last = Some(last);
        if !env.cfg.find_batch_delay.is_zero() {
            tokio::time::sleep(env.cfg.find_batch_delay).await;
        }
        if env.cfg.find_stops_after_first_batch {
            // Modelled: a find that stopped at maxRecordsToCompare (and says nothing of it).
            tail_done = true;
            break;
        }
    }
    if !tail_done {
        // Records on the subscriber after the publisher's last id (or all, if the publisher has none).
        let q = [
            ("offset", sub_offset.to_string()),
            ("limit", "1".to_string()),
        ];
        let h: HashResponse = peer
            .get_json(&format!("{HASH_PATH}/{}", t.as_str()), &q)
            .await
            .map_err(|e| e.0)?;
        if h.count > 0 {
            let list = subscriber_list(peer, t, prev_last.as_deref(), None).await?;
            written += write_logs(env, sub_id, op_id, diff(t, Vec::new(), list)).await?;
        }
    }
    Ok(written)
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

async fn write_logs(
    env: &SharedEnv,
    sub_id: &str,
    op_id: &str,
    found: Vec<Found>,
) -> Result<u64, String> {
    if found.is_empty() {
        return Ok(0);
    }
    let (sub, op) = (sub_id.to_string(), op_id.to_string());
    env.db
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
            tx.commit()?;
            Ok(found.len() as u64)
        })
        .await
        .map_err(|e| e.to_string())
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
