//! The operation worker: runs `sync*` operations `TODO → PROCESSING → SUCCESS` (removed after
//! `success_retention`), or `RETRY` / `FAILED` with `errorInfo`, fetching record content from
//! the publisher named in the operation's inputs (`PERMISSION` and `RESOURCE` through the
//! publisher's internal `/sim/v1/staging/records…` routes). A staging cycle's routine
//! operation (`routine: true`) reads its record and writes nothing.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::model::{Operation, OP_COLS};
use crate::records::{content_from_details, Record, RecordType};
use crate::seed::{insert, INSERT_SQL};
use crate::state::SharedEnv;
use crate::timefmt;

/// A `RETRY` operation waits this long before its next attempt.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// Starts the worker of an environment; it stops with the environment.
pub(crate) fn spawn(env: SharedEnv) {
    let tasks = env.tasks.clone();
    tasks.spawn(async move {
        loop {
            let busy = tokio::select! {
                _ = env.cancel.cancelled() => return,
                r = round(&env) => r,
            };
            if !busy {
                tokio::select! {
                    _ = env.cancel.cancelled() => return,
                    _ = env.worker_wake.notified() => {}
                    _ = tokio::time::sleep(env.cfg.worker_interval) => {}
                }
            }
        }
    });
}

/// One round: clean up, claim a batch, run it. True if the batch was full (more work waits).
async fn round(env: &SharedEnv) -> bool {
    let batch = env.cfg.worker_batch;
    let retention = env.cfg.success_retention;
    let claimed = env
        .db
        .call(move |c| {
            c.execute(
                "DELETE FROM operations WHERE status = 'SUCCESS' AND updated <= ?1",
                [timefmt::before(retention)],
            )?;
            let tx = c.transaction()?;
            let ops: Vec<Operation> = {
                let mut s = tx.prepare_cached(&format!(
                    "SELECT {OP_COLS} FROM operations WHERE trigger_function LIKE 'sync%' AND (status = 'TODO' OR (status = 'RETRY' AND updated <= ?1)) ORDER BY seq LIMIT ?2"
                ))?;
                let v = s
                    .query_map(rusqlite::params![timefmt::before(RETRY_DELAY), batch as i64], Operation::from_row)?
                    .collect::<Result<_, _>>()?;
                v
            };
            for o in &ops {
                Operation::set(&tx, &o.id, "PROCESSING", o.retry_counter, None)?;
            }
            tx.commit()?;
            Ok(ops)
        })
        .await;
    let ops = match claimed {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!(error = %e, "operation worker could not claim work");
            return false;
        }
    };
    if ops.is_empty() {
        return false;
    }
    let full = ops.len() == batch;
    let results: Vec<(Operation, Result<(), String>)> = futures::stream::iter(ops)
        .map(|op| async move {
            let r = process(env, &op).await;
            (op, r)
        })
        .buffer_unordered(env.cfg.worker_concurrency)
        .collect()
        .await;
    let max = i64::from(env.cfg.max_retries);
    let (mut ok, mut failed) = (0u64, 0u64);
    for (_, r) in &results {
        match r {
            Ok(()) => ok += 1,
            Err(_) => failed += 1,
        }
    }
    let stored = env
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let mut final_failures = 0u64;
            for (op, r) in &results {
                match r {
                    Ok(()) => Operation::set(&tx, &op.id, "SUCCESS", op.retry_counter, None)?,
                    Err(msg) if op.retry_counter + 1 < max => {
                        Operation::set(&tx, &op.id, "RETRY", op.retry_counter + 1, Some(msg))?
                    }
                    Err(msg) => {
                        final_failures += 1;
                        Operation::set(&tx, &op.id, "FAILED", op.retry_counter, Some(msg))?
                    }
                }
            }
            tx.commit()?;
            Ok(final_failures)
        })
        .await;
    env.stats
        .sync_operations_done
        .fetch_add(ok, Ordering::Relaxed);
    match stored {
        Ok(n) => {
            env.stats
                .sync_operations_failed
                .fetch_add(n, Ordering::Relaxed);
        }
        Err(e) => tracing::warn!(error = %e, failed, "operation worker could not store results"),
    }
    full
}

/// Runs one `sync*` operation.
async fn process(env: &SharedEnv, op: &Operation) -> Result<(), String> {
    let inputs: Value =
        serde_json::from_str(&op.inputs).map_err(|e| format!("inputs are not JSON: {e}"))?;
    let field = |k: &str| -> Result<String, String> {
        inputs
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("inputs have no `{k}`"))
    };
    let t = field("recordType")?;
    let rtype = RecordType::parse(&t).ok_or_else(|| format!("unknown recordType `{t}`"))?;
    let id = field("recordId")?;
    let action = field("action")?;
    if env.faults.sync_attempt_fails(&op.id) {
        return Err("injected fault: the sync operation failed".into());
    }
    if !env.cfg.sync_op_delay.is_zero() {
        tokio::time::sleep(env.cfg.sync_op_delay).await;
    }
    if action == "DELETE" {
        env.db
            .call(move |c| {
                c.execute(
                    "DELETE FROM records WHERE type = ?1 AND id = ?2",
                    [rtype.as_str(), id.as_str()],
                )?;
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let host = field("publisherHost")?;
    let peer = env.peers.get(&host);
    if inputs.get("routine").and_then(Value::as_bool) == Some(true) {
        // A staging cycle's routine operation: the record is read and left as it is (it never
        // repairs drift); a record gone meanwhile is nothing to do.
        peer.record_details(rtype, &id).await.map_err(|e| e.0)?;
        return Ok(());
    }
    let details = peer
        .record_details(rtype, &id)
        .await
        .map_err(|e| e.0)?
        .ok_or_else(|| {
            format!(
                "{t} record {id} no longer exists on the publisher {}",
                peer.base
            )
        })?;
    let content = content_from_details(rtype, &details).ok_or_else(|| {
        format!(
            "the publisher's details of {t} {id} carry no `{}`",
            rtype.details_key()
        )
    })?;
    let rec = Record::from_content(rtype, &content)?;
    if rec.id != id {
        return Err(format!(
            "the publisher answered record {} for {t} {id}",
            rec.id
        ));
    }
    env.db
        .call(move |c| {
            let mut s = c.prepare_cached(INSERT_SQL)?;
            insert(&mut s, &rec)?;
            Ok::<(), ApiError>(())
        })
        .await
        .map_err(|e| e.to_string())
}
