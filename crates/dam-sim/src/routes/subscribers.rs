//! `/staging/subscriber…`: register, list, read, update (find and resync triggers), deregister
//! (which also ends the subscriber's running job and its staging cycles).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use super::validate::{self, opt, req, Prop, Ty};
use super::{load_one, path_params, PathParams};
use crate::api_error::{parse_body, ApiError};
use crate::model::{Subscriber, FIND_START, RESYNC_START};
use crate::state::SharedEnv;
use crate::{find, resync, timefmt};

/// The properties of `SubscriberRegistrationReq` (`targetHost` required) as HCL types them.
const REQ: [Prop; 10] = [
    req("targetHost", Ty::Str),
    opt("cycleLength", Ty::Num),
    opt("status", Ty::Bool),
    opt("lastSyncTime", Ty::DateTime),
    opt("syncStatus", Ty::Str),
    opt("resyncStatus", Ty::Str),
    opt("lastResyncTime", Ty::DateTime),
    opt("syncFailureLogs", Ty::Str),
    opt("created", Ty::DateTime),
    opt("updated", Ty::DateTime),
];

/// `SubscriberRegistrationReqPartial`: the same properties, none required.
const REQ_PARTIAL: [Prop; 10] = {
    let mut p = REQ;
    p[0].required = false;
    p
};

/// Checks a request body against `SubscriberRegistrationReq` (or its partial form): types,
/// date-time formats, required and unknown properties; errors name the property.
fn checked_body(body: &[u8], schema: &str, props: &[Prop]) -> Result<Map<String, Value>, ApiError> {
    let v: Value = parse_body(body)?;
    let mut m = validate::object(&v, schema, props, "")?.clone();
    if let Some(h) = m.get("targetHost").and_then(Value::as_str) {
        if h.trim().is_empty() || h.chars().any(char::is_whitespace) {
            return Err(ApiError::bad_request(format!(
                "property `targetHost` must be a host name (host[:port] or a URL), got `{h}`"
            )));
        }
    }
    // `created` and `updated` are the simulator's to set; checked above, not stored.
    m.remove("created");
    m.remove("updated");
    Ok(m)
}

fn s(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_string)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no subscriber with id `{id}` is registered on this environment"
    ))
}

pub(crate) async fn list(State(env): State<SharedEnv>) -> Result<Response, ApiError> {
    let subs = env.db.call(|c| Ok(Subscriber::all(c)?)).await?;
    let v: Vec<Value> = subs.iter().map(|s| Value::Object(s.to_json())).collect();
    Ok(Json(v).into_response())
}

pub(crate) async fn one(
    State(env): State<SharedEnv>,
    id: PathParams<String>,
) -> Result<Response, ApiError> {
    let id = path_params(id)?;
    let sub = load_one(&env, &id, Subscriber::load, not_found).await?;
    Ok(Json(Value::Object(sub.to_json())).into_response())
}

pub(crate) async fn create(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = checked_body(&body, "SubscriberRegistrationReq", &REQ)?;
    let target = s(&m, "targetHost")
        .ok_or_else(|| ApiError::bad_request("property `targetHost` is required"))?;
    let now = timefmt::now();
    let sub = Subscriber {
        id: uuid::Uuid::new_v4().to_string(),
        target_host: target.clone(),
        sync_status: s(&m, "syncStatus"),
        sync_failure_logs: s(&m, "syncFailureLogs"),
        last_sync_time: s(&m, "lastSyncTime"),
        resync_status: None,
        last_resync_time: s(&m, "lastResyncTime"),
        cycle_length: m.get("cycleLength").and_then(Value::as_f64),
        status: m.get("status").and_then(Value::as_bool).unwrap_or(true),
        created: now.clone(),
        updated: now,
        resync_run: None,
    };
    let sub2 = sub.clone();
    env.db
        .call(move |c| {
            let exists: bool = c.query_row(
                "SELECT EXISTS(SELECT 1 FROM subscribers WHERE target_host = ?1)",
                [&sub2.target_host],
                |r| r.get(0),
            )?;
            if exists {
                return Err(ApiError::conflict(format!(
                    "a subscriber with targetHost `{}` is already registered",
                    sub2.target_host
                )));
            }
            sub2.save(c)?;
            // Staging cycles carry the authoring done from now on.
            crate::cycles::register_cursor(c, &sub2.id)?;
            Ok(())
        })
        .await?;
    let mut out = sub.to_json();
    out.insert("isSuccess".into(), Value::Bool(true));
    out.insert("errorMessage".into(), Value::String(String::new()));
    Ok(Json(Value::Object(out)).into_response())
}

pub(crate) async fn update(
    State(env): State<SharedEnv>,
    id: PathParams<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_params(id)?;
    let m = checked_body(&body, "SubscriberRegistrationReqPartial", &REQ_PARTIAL)?;
    let trigger = s(&m, "resyncStatus");
    if let Some(t) = &trigger {
        if t != FIND_START && t != RESYNC_START {
            return Err(ApiError::bad_request(format!(
                "property `resyncStatus` can only be set to {FIND_START} or {RESYNC_START}, got `{t}`"
            )));
        }
    }
    // Load, change and save in one database call, so that a job or a staging cycle updating
    // the registration meanwhile is not overwritten with what was read before.
    let id2 = id.clone();
    let sub = env
        .db
        .call(move |c| {
            let Some(mut sub) = Subscriber::load(c, &id2)? else {
                return Err(not_found(&id2));
            };
            if let Some(v) = s(&m, "targetHost") {
                sub.target_host = v;
            }
            if let Some(v) = m.get("cycleLength").and_then(Value::as_f64) {
                sub.cycle_length = Some(v);
            }
            if let Some(v) = m.get("status").and_then(Value::as_bool) {
                sub.status = v;
            }
            for (k, slot) in [
                ("syncStatus", &mut sub.sync_status),
                ("syncFailureLogs", &mut sub.sync_failure_logs),
                ("lastSyncTime", &mut sub.last_sync_time),
                ("lastResyncTime", &mut sub.last_resync_time),
            ] {
                if let Some(v) = s(&m, k) {
                    *slot = Some(v);
                }
            }
            sub.updated = timefmt::now();
            let clash: bool = c.query_row(
                "SELECT EXISTS(SELECT 1 FROM subscribers WHERE target_host = ?1 AND id <> ?2)",
                [&sub.target_host, &sub.id],
                |r| r.get(0),
            )?;
            if clash {
                return Err(ApiError::conflict(format!(
                    "another subscriber already has targetHost `{}`",
                    sub.target_host
                )));
            }
            sub.save(c)?;
            Ok(sub)
        })
        .await?;
    let Some(t) = trigger.as_deref() else {
        return Ok(Json(Value::Object(sub.to_json())).into_response());
    };
    let started = if t == FIND_START {
        find::start(&env, sub).await?
    } else {
        resync::start(&env, sub).await?
    };
    let sub = match started {
        Some(s) => s,
        None if env.cfg.conflict_on_second_trigger => {
            return Err(ApiError::conflict(format!(
                "a find staging mismatch or resync job is already running for subscriber {id}; wait until resyncStatus is no longer {FIND_START} or {RESYNC_START}"
            )));
        }
        None => {
            // Today's DX: HCL's spec lists no 409 here; the running job goes on, neither
            // restarted nor doubled, and the answer is the subscriber as it is.
            tracing::info!(subscriber = %id, trigger = t, "a find or resync already runs for this subscriber; the trigger changes nothing");
            load_one(&env, &id, Subscriber::load, not_found).await?
        }
    };
    Ok(Json(Value::Object(sub.to_json())).into_response())
}

pub(crate) async fn remove(
    State(env): State<SharedEnv>,
    id: PathParams<String>,
) -> Result<Response, ApiError> {
    let id = path_params(id)?;
    let id2 = id.clone();
    let found = env
        .db
        .call(move |c| {
            let n = c.execute("DELETE FROM subscribers WHERE id = ?1", [&id2])?;
            if n > 0 {
                c.execute("DELETE FROM mismatches WHERE subscriber_id = ?1", [&id2])?;
                c.execute("DELETE FROM sync_cursors WHERE subscriber_id = ?1", [&id2])?;
            }
            Ok(n > 0)
        })
        .await?;
    if !found {
        return Err(not_found(&id));
    }
    env.stop_job(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
