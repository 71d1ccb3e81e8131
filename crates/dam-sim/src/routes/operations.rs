//! `/operations` (list with `status`, `triggerFunctions`, paging), `/operations/{id}`, and
//! `POST /eventlogs`, which turns staging events into `sync*` operations.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::types::Value as SqlValue;
use serde_json::{json, Value};

use super::validate::{self, req, Prop, Ty};
use super::{load_one, paging, params, path_params, Params, PathParams};
use crate::api_error::{parse_body, ApiError};
use crate::model::{Operation, OPERATION_STATUSES, OP_COLS};
use crate::records::RecordType;
use crate::state::SharedEnv;

/// Default page size of `GET /operations`.
pub(crate) const DEFAULT_LIMIT: u64 = 1000;
/// Largest page size of `GET /operations` (larger is a 400).
pub(crate) const MAX_LIMIT: u64 = 100_000;

pub(crate) async fn list(State(env): State<SharedEnv>, q: Params) -> Result<Response, ApiError> {
    let q = params(q)?;
    let (offset, limit) = paging(&q, DEFAULT_LIMIT, MAX_LIMIT, &env.cfg.paging)?;
    let mut clauses = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(s) = q.get("status").filter(|v| !v.is_empty()) {
        if !OPERATION_STATUSES.contains(&s.as_str()) {
            return Err(ApiError::bad_request(format!(
                "query parameter `status` has an unknown value `{s}` (allowed: {})",
                OPERATION_STATUSES.join(", ")
            )));
        }
        clauses.push("status = ?".to_string());
        args.push(SqlValue::Text(s.clone()));
    }
    if let Some(t) = q.get("triggerFunctions").filter(|v| !v.is_empty()) {
        let names: Vec<&str> = t
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            return Err(ApiError::bad_request(
                "query parameter `triggerFunctions` must be a comma-separated list of trigger function names",
            ));
        }
        clauses.push(format!(
            "trigger_function IN ({})",
            vec!["?"; names.len()].join(", ")
        ));
        args.extend(names.into_iter().map(|n| SqlValue::Text(n.to_string())));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    args.push(SqlValue::Integer(limit as i64));
    args.push(SqlValue::Integer(offset.min(i64::MAX as u64) as i64));
    let ops = env
        .db
        .call(move |c| {
            let mut st = c.prepare(&format!(
                "SELECT {OP_COLS} FROM operations {filter} ORDER BY seq LIMIT ? OFFSET ?"
            ))?;
            let v: Vec<Value> = st
                .query_map(rusqlite::params_from_iter(args), Operation::from_row)?
                .map(|r| r.map(|o| o.to_json()))
                .collect::<Result<_, _>>()?;
            Ok(v)
        })
        .await?;
    Ok(Json(ops).into_response())
}

pub(crate) async fn one(
    State(env): State<SharedEnv>,
    id: PathParams<String>,
) -> Result<Response, ApiError> {
    let id = path_params(id)?;
    let op = load_one(&env, &id, Operation::load, |id| {
        ApiError::not_found(format!("no operation with id `{id}`"))
    })
    .await?;
    Ok(Json(op.to_json()).into_response())
}

/// One validated `SubscriberInterfaceReq`.
struct Event {
    rtype: RecordType,
    action: String,
    id: String,
    collection_id: Option<String>,
    host: String,
    /// `eventData.cycleId`: the publisher's `initiateNextSync` operation that sent the event.
    cycle_id: Option<String>,
    /// `eventData.routine: true`: a staging cycle's routine re-check.
    routine: bool,
}

/// The properties of `SubscriberInterfaceReq`, all required.
const EVENT: [Prop; 5] = [
    req("eventData", Ty::Obj),
    req("host", Ty::Str),
    req("type", Ty::Str),
    req("action", Ty::Str),
    req("created", Ty::DateTime),
];

/// Checks event `i` against `SubscriberInterfaceReq` (types, `created` a date-time, required
/// and unknown properties) and what the simulator needs of it: a known record `type`, an
/// `action` of CREATE/UPDATE/DELETE, `eventData.id` (and `eventData.collectionId`, if given)
/// strings. Errors name the event and the property.
fn event(i: usize, v: &Value) -> Result<Event, ApiError> {
    let ctx = format!("event {i}: ");
    let bad = |m: String| ApiError::bad_request(format!("{ctx}{m}"));
    let m = validate::object(v, "SubscriberInterfaceReq", &EVENT, &ctx)?;
    let text = |k: &str| {
        m.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let t = text("type");
    let rtype = RecordType::parse(&t).ok_or_else(|| {
        bad(format!(
            "property `type` has an unknown value `{t}` (allowed: {})",
            RecordType::valid_list()
        ))
    })?;
    let action = text("action");
    if !["CREATE", "UPDATE", "DELETE"].contains(&action.as_str()) {
        return Err(bad(format!(
            "property `action` must be CREATE, UPDATE or DELETE, got `{action}`"
        )));
    }
    let data = m.get("eventData").and_then(Value::as_object);
    let id = data
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("property `eventData.id` is required and must be a string".into()))?
        .to_string();
    let collection_id = match data.and_then(|d| d.get("collectionId")) {
        None => None,
        Some(Value::String(c)) => Some(c.clone()),
        Some(other) => {
            return Err(bad(format!(
                "property `eventData.collectionId` must be a string, got {other}"
            )))
        }
    };
    // Staging cycles' markers (ignored unless a string and a boolean).
    let cycle_id = data
        .and_then(|d| d.get("cycleId"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let routine = data
        .and_then(|d| d.get("routine"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Event {
        rtype,
        action,
        id,
        collection_id,
        host: text("host"),
        cycle_id,
        routine,
    })
}

pub(crate) async fn eventlogs(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let v: Value = parse_body(&body)?;
    let items = v.as_array().ok_or_else(|| {
        ApiError::bad_request("the request body must be an array of SubscriberInterfaceReq")
    })?;
    let events: Vec<Event> = items
        .iter()
        .enumerate()
        .map(|(i, v)| event(i, v))
        .collect::<Result<_, _>>()?;
    env.db
        .call(move |c| {
            let tx = c.transaction()?;
            for e in &events {
                let mut inputs = json!({
                    "recordType": e.rtype.as_str(), "recordId": e.id, "action": e.action, "publisherHost": e.host
                });
                if let Some(o) = inputs.as_object_mut() {
                    if let Some(cid) = &e.collection_id {
                        o.insert("collectionId".into(), Value::String(cid.clone()));
                    }
                    if let Some(cycle) = &e.cycle_id {
                        o.insert("cycleId".into(), Value::String(cycle.clone()));
                    }
                    if e.routine {
                        o.insert("routine".into(), Value::Bool(true));
                    }
                }
                Operation::create(&tx, e.rtype.sync_trigger(&e.action), &inputs)?;
            }
            tx.commit()?;
            Ok(())
        })
        .await?;
    env.worker_wake.notify_one();
    Ok(Json(json!({"isSuccess": true})).into_response())
}
