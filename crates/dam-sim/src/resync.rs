//! The resync trigger: sends the subscriber's mismatch logs to its `POST /eventlogs` (which
//! creates the `sync*` operations there) and ends in `RESYNC_TRIGGER_COMPLETED`. Progress is
//! kept per log (`pushed_run`), so a restart continues where it stopped.

use std::sync::atomic::Ordering;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::api_error::ApiError;
use crate::model::{Subscriber, RESYNC_COMPLETED, RESYNC_FAILED, RESYNC_START};
use crate::state::SharedEnv;

/// Events per `POST /eventlogs` call.
const BATCH: i64 = 500;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InterfaceResponse {
    is_success: bool,
}

/// Starts a resync for `sub` (the PATCH trigger). 409 if a find or resync runs for it.
pub(crate) async fn start(env: &SharedEnv, sub: Subscriber) -> Result<Subscriber, ApiError> {
    let Some(token) = env.try_busy(&sub.id) else {
        return Err(ApiError::conflict(format!(
            "a find staging mismatch or resync job is already running for subscriber {}; wait until it ends",
            sub.id
        )));
    };
    let run = uuid::Uuid::new_v4().to_string();
    let (sub_id, run2) = (sub.id.clone(), run.clone());
    let saved = env
        .db
        .call(move |c| {
            c.execute(
                "UPDATE subscribers SET resync_run = ?2 WHERE id = ?1",
                [&sub_id, &run2],
            )?;
            Subscriber::set_resync_status(c, &sub_id, RESYNC_START, false)?;
            Ok(Subscriber::load(c, &sub_id)?)
        })
        .await;
    let s = match saved {
        Ok(Some(s)) => s,
        Ok(None) | Err(_) => {
            env.release(&sub.id);
            return saved.and_then(|s| {
                s.ok_or_else(|| {
                    ApiError::not_found(format!("subscriber {} was deregistered", sub.id))
                })
            });
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
    Ok(s)
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
            _ = token.cancelled() => {}
            r = push(&env, &sub_id, &target, &run) => {
                let status = match &r {
                    Ok(()) => RESYNC_COMPLETED,
                    Err(e) => {
                        tracing::warn!(subscriber = %sub_id, error = %e, "resync trigger failed");
                        RESYNC_FAILED
                    }
                };
                let sub = sub_id.clone();
                let _ = env.db.call(move |c| Ok(Subscriber::set_resync_status(c, &sub, status, r.is_ok())?)).await;
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
        let resp: InterfaceResponse = peer
            .post_json("/dx/api/dam/v1/eventlogs", &Value::Array(events))
            .await
            .map_err(|e| e.0)?;
        if !resp.is_success {
            return Err(format!(
                "{}/dx/api/dam/v1/eventlogs answered isSuccess false",
                peer.base
            ));
        }
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
                tx.commit()?;
                Ok(())
            })
            .await
            .map_err(|e| e.to_string())?;
    }
}
