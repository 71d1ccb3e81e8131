//! The resync trigger: sends the subscriber's mismatch logs to its `POST /eventlogs` (which
//! creates the `sync*` operations there) and ends in `RESYNC_TRIGGER_COMPLETED`. Progress is
//! kept per log (`pushed_run`), so a restart continues where it stopped. In today's DX the
//! publisher shows it as a `resyncSubscriber` operation.

use std::sync::atomic::Ordering;

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::api_error::ApiError;
use crate::config::FindOperations;
use crate::model::{
    Operation, Subscriber, RESYNC_COMPLETED, RESYNC_FAILED, RESYNC_START, RESYNC_TRIGGER,
};
use crate::state::SharedEnv;

/// Events per `POST /eventlogs` call.
const BATCH: i64 = 500;

/// Starts a resync for `sub` (the PATCH trigger). `None` if a find or resync already runs for
/// it. In today's DX a `resyncSubscriber` operation (its id is the run's id) shows the resync:
/// `PROCESSING` while it pushes, then `SUCCESS` or `FAILED`.
pub(crate) async fn start(
    env: &SharedEnv,
    sub: Subscriber,
) -> Result<Option<Subscriber>, ApiError> {
    let Some(token) = env.try_busy(&sub.id) else {
        return Ok(None);
    };
    let current = env.cfg.find_operations != FindOperations::Legacy;
    let (sub_id, target) = (sub.id.clone(), sub.target_host.clone());
    let saved = env
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let run = if current {
                Operation::create_in(
                    &tx,
                    RESYNC_TRIGGER,
                    &json!({"subscriberId": sub_id, "targetHost": target}),
                    "PROCESSING",
                )?
            } else {
                uuid::Uuid::new_v4().to_string()
            };
            tx.execute(
                "UPDATE subscribers SET resync_run = ?2 WHERE id = ?1",
                [&sub_id, &run],
            )?;
            Subscriber::set_resync_status(&tx, &sub_id, RESYNC_START, false)?;
            let s = Subscriber::load(&tx, &sub_id)?;
            tx.commit()?;
            Ok((run, s))
        })
        .await;
    let (run, s) = match saved {
        Ok((run, Some(s))) => (run, s),
        Ok((_, None)) => {
            env.release(&sub.id);
            return Err(ApiError::not_found(format!(
                "subscriber {} was deregistered",
                sub.id
            )));
        }
        Err(e) => {
            env.release(&sub.id);
            return Err(e);
        }
    };
    env.stats.resync_triggers.fetch_add(1, Ordering::Relaxed);
    spawn(
        env.clone(),
        sub.id.clone(),
        sub.target_host.clone(),
        run,
        token,
    );
    Ok(Some(s))
}

/// Runs (or resumes) resync run `run` for a subscriber in the background.
pub(crate) fn spawn(
    env: SharedEnv,
    sub_id: String,
    target: String,
    run: String,
    token: CancellationToken,
) {
    let tasks = env.tasks.clone();
    tasks.spawn(async move {
        tokio::select! {
            _ = token.cancelled() => {
                if !env.cancel.is_cancelled() {
                    // Deregistered while running (today's DX: its operation is aborted).
                    let r = run.clone();
                    let _ = env.db.call(move |c| {
                        Ok(Operation::set(c, &r, "ABORT", 0, Some("the subscriber was deregistered"))?)
                    }).await;
                }
            }
            r = push(&env, &sub_id, &target, &run) => {
                let status = match &r {
                    Ok(()) => RESYNC_COMPLETED,
                    Err(e) => {
                        tracing::warn!(subscriber = %sub_id, error = %e, "resync trigger failed");
                        RESYNC_FAILED
                    }
                };
                let (sub, run) = (sub_id.clone(), run.clone());
                let _ = env.db.call(move |c| {
                    let tx = c.transaction()?;
                    // The run's operation, if it has one (today's DX).
                    let retry = Operation::load(&tx, &run)?.map_or(0, |o| o.retry_counter);
                    match &r {
                        Ok(()) => Operation::set(&tx, &run, "SUCCESS", retry, None)?,
                        Err(e) => Operation::set(&tx, &run, "FAILED", retry, Some(e))?,
                    }
                    Subscriber::set_resync_status(&tx, &sub, status, r.is_ok())?;
                    tx.commit()?;
                    Ok(())
                }).await;
                env.release(&sub_id);
            }
        }
    });
}

async fn push(env: &SharedEnv, sub_id: &str, target: &str, run: &str) -> Result<(), String> {
    if env.faults.take_fail_next_resync() {
        return Err("injected fault: the resync trigger failed".into());
    }
    let peer = env.peers.get(target);
    loop {
        let (sub, r) = (sub_id.to_string(), run.to_string());
        let batch: Vec<(i64, Value)> = env
            .db
            .call(move |c| {
                let mut s = c.prepare_cached(
                    "SELECT seq, record_type, record_action, record_id, collection_id, created FROM mismatches WHERE subscriber_id = ?1 AND (pushed_run IS NULL OR pushed_run <> ?2) ORDER BY seq LIMIT ?3",
                )?;
                let v = s
                    .query_map(rusqlite::params![sub, r, BATCH], |row| {
                        let mut data = json!({"recordType": row.get::<_, String>(1)?, "id": row.get::<_, String>(3)?});
                        if let (Some(cid), Some(o)) = (row.get::<_, Option<String>>(4)?, data.as_object_mut()) {
                            o.insert("collectionId".into(), Value::String(cid));
                        }
                        Ok((
                            row.get::<_, i64>(0)?,
                            json!({
                                "eventData": data,
                                "type": row.get::<_, String>(1)?,
                                "action": row.get::<_, String>(2)?,
                                "created": row.get::<_, String>(5)?,
                            }),
                        ))
                    })?
                    .collect::<Result<_, _>>()?;
                Ok(v)
            })
            .await
            .map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(());
        }
        let events: Vec<Value> = batch
            .iter()
            .map(|(_, e)| {
                let mut e = e.clone();
                if let Some(o) = e.as_object_mut() {
                    o.insert("host".into(), Value::String(env.url.clone()));
                }
                e
            })
            .collect();
        peer.post_eventlogs(events).await?;
        let seqs: Vec<i64> = batch.iter().map(|(s, _)| *s).collect();
        let r = run.to_string();
        env.db
            .call(move |c| {
                let tx = c.transaction()?;
                {
                    let mut s =
                        tx.prepare_cached("UPDATE mismatches SET pushed_run = ?1 WHERE seq = ?2")?;
                    for q in seqs {
                        s.execute(rusqlite::params![r, q])?;
                    }
                }
                // Progress of the run's operation (today's DX; none in the older one).
                Operation::touch(&tx, &r)?;
                tx.commit()?;
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())?;
    }
}
