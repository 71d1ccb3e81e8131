//! What a (re)started environment does with jobs a previous run left unfinished.

use rusqlite::Connection;

use crate::api_error::ApiError;
use crate::model::{
    Operation, Subscriber, FIND_FAILED, FIND_START, FIND_SUB_TRIGGERS, FIND_TRIGGER,
    NEXT_SYNC_TRIGGER, OP_COLS, RESYNC_START, RESYNC_TRIGGER, TRAVERSAL_TRIGGER,
};
use crate::state::SharedEnv;
use crate::{find, resync};

struct Plan {
    finds: Vec<(String, String, String)>,
    resyncs: Vec<(String, String, String)>,
}

fn plan(c: &mut Connection, max_retries: i64) -> Result<Plan, ApiError> {
    let tx = c.transaction()?;
    // sync* operations interrupted mid-attempt: the attempt counts.
    let interrupted: Vec<Operation> = {
        let mut s = tx.prepare(&format!(
            "SELECT {OP_COLS} FROM operations WHERE status = 'PROCESSING' AND trigger_function LIKE 'sync%'"
        ))?;
        let v = s
            .query_map([], Operation::from_row)?
            .collect::<Result<_, _>>()?;
        v
    };
    for o in interrupted {
        let msg = "the environment stopped while the operation was processing";
        if o.retry_counter + 1 < max_retries {
            Operation::set(&tx, &o.id, "RETRY", o.retry_counter + 1, Some(msg))?;
        } else {
            Operation::set(&tx, &o.id, "FAILED", o.retry_counter, Some(msg))?;
        }
    }
    let open = |tx: &rusqlite::Transaction<'_>,
                triggers: &[&str]|
     -> rusqlite::Result<Vec<Operation>> {
        let marks = vec!["?"; triggers.len()].join(", ");
        let mut s = tx.prepare(&format!(
            "SELECT {OP_COLS} FROM operations WHERE trigger_function IN ({marks}) AND status IN ('TODO', 'PROCESSING', 'RETRY') ORDER BY seq"
        ))?;
        let v = s
            .query_map(rusqlite::params_from_iter(triggers), Operation::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(v)
    };
    // A find's wrapping and window operations: the find starts again from the beginning.
    for o in open(&tx, &FIND_SUB_TRIGGERS)? {
        let msg =
            "superseded: the environment stopped while the find was running; the find starts again";
        Operation::set(&tx, &o.id, "ABORT", o.retry_counter, Some(msg))?;
    }
    // A staging cycle cut short: its changes are still to be carried by the next cycle.
    for o in open(&tx, &[NEXT_SYNC_TRIGGER])? {
        let msg =
            "the environment stopped during the staging cycle; the next cycle carries its changes";
        Operation::set(&tx, &o.id, "ABORT", o.retry_counter, Some(msg))?;
    }
    let open_resyncs = open(&tx, &[RESYNC_TRIGGER])?;
    let mut finds = Vec::new();
    let mut resyncs = Vec::new();
    let open_finds = open(&tx, &[FIND_TRIGGER, TRAVERSAL_TRIGGER])?;
    for sub in Subscriber::all(&tx)? {
        let op = open_finds.iter().rev().find(|o| {
            serde_json::from_str::<serde_json::Value>(&o.inputs)
                .ok()
                .and_then(|v| {
                    v.get("subscriberId")
                        .and_then(|s| s.as_str())
                        .map(|s| s == sub.id)
                })
                .unwrap_or(false)
        });
        match (sub.resync_status.as_deref(), op) {
            (Some(FIND_START), Some(op)) => {
                // The interrupted attempt's logs are discarded; the job runs again.
                tx.execute("DELETE FROM mismatches WHERE find_op = ?1", [&op.id])?;
                let msg = "the environment stopped while the find was running";
                if op.status == "PROCESSING" && op.retry_counter + 1 >= max_retries {
                    Operation::set(&tx, &op.id, "FAILED", op.retry_counter, Some(msg))?;
                    Subscriber::set_resync_status(&tx, &sub.id, FIND_FAILED, false)?;
                } else {
                    let retry = if op.status == "PROCESSING" {
                        op.retry_counter + 1
                    } else {
                        op.retry_counter
                    };
                    Operation::set(&tx, &op.id, "RETRY", retry, Some(msg))?;
                    finds.push((sub.id.clone(), sub.target_host.clone(), op.id.clone()));
                }
            }
            (Some(FIND_START), None) => {
                Subscriber::set_resync_status(&tx, &sub.id, FIND_FAILED, false)?;
            }
            (Some(RESYNC_START), _) => {
                let run = sub
                    .resync_run
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                tx.execute(
                    "UPDATE subscribers SET resync_run = ?2 WHERE id = ?1",
                    [&sub.id, &run],
                )?;
                // Today's DX: the run's resyncSubscriber operation goes on (a new attempt).
                if let Some(o) = open_resyncs.iter().find(|o| o.id == run) {
                    let retry = if o.status == "PROCESSING" {
                        o.retry_counter + 1
                    } else {
                        o.retry_counter
                    };
                    Operation::set(&tx, &o.id, "PROCESSING", retry, None)?;
                }
                resyncs.push((sub.id.clone(), sub.target_host.clone(), run));
            }
            _ => {}
        }
    }
    // Find operations whose subscriber is gone or no longer waiting for them.
    for op in &open_finds {
        if !finds.iter().any(|(_, _, id)| id == &op.id) {
            let still = tx.query_row(
                "SELECT status FROM operations WHERE id = ?1",
                [&op.id],
                |r| r.get::<_, String>(0),
            )?;
            if still != "FAILED" {
                Operation::set(
                    &tx,
                    &op.id,
                    "ABORT",
                    op.retry_counter,
                    Some("no subscriber is waiting for this find"),
                )?;
            }
        }
    }
    // Resync operations whose subscriber is gone or no longer resyncing.
    for op in &open_resyncs {
        if !resyncs.iter().any(|(_, _, run)| run == &op.id) {
            Operation::set(
                &tx,
                &op.id,
                "ABORT",
                op.retry_counter,
                Some("no subscriber is waiting for this resync"),
            )?;
        }
    }
    tx.commit()?;
    Ok(Plan { finds, resyncs })
}

/// Resumes unfinished find and resync jobs and requeues interrupted operations.
pub(crate) async fn resume(env: &SharedEnv) -> Result<(), ApiError> {
    let max = i64::from(env.cfg.max_retries);
    let p = env.db.call(move |c| plan(c, max)).await?;
    for (sub, target, op) in p.finds {
        if let Some(token) = env.try_busy(&sub) {
            find::spawn(env.clone(), sub, target, op, token);
        }
    }
    for (sub, target, run) in p.resyncs {
        if let Some(token) = env.try_busy(&sub) {
            resync::spawn(env.clone(), sub, target, run, token);
        }
    }
    Ok(())
}
