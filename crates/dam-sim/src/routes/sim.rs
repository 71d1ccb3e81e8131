//! `/sim/v1`: the test interface (seed, mutate, faults, token expiry, stats).

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api_error::{parse_body, ApiError};
use crate::faults::FaultRequest;
use crate::mutate::MutateOp;
use crate::records::RecordType;
use crate::state::SharedEnv;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedBody {
    collections: u64,
    items_per_collection: u64,
}

pub(crate) async fn seed(State(env): State<SharedEnv>, body: Bytes) -> Result<Response, ApiError> {
    let b: SeedBody = parse_body(&body)?;
    if b.collections.saturating_mul(b.items_per_collection) > 5_000_000 {
        return Err(ApiError::bad_request(
            "collections × itemsPerCollection must be at most 5000000",
        ));
    }
    let started = std::time::Instant::now();
    let s = env
        .db
        .call(move |c| crate::seed::seed(c, b.collections, b.items_per_collection))
        .await?;
    Ok(Json(json!({
        "records": s.records, "mediaItems": s.media_items, "millis": started.elapsed().as_millis() as u64
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MutateBody {
    record_type: String,
    op: String,
    count: u64,
}

pub(crate) async fn mutate(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: MutateBody = parse_body(&body)?;
    let rtype = RecordType::parse(&b.record_type).ok_or_else(|| {
        ApiError::bad_request(format!(
            "property `recordType` has an unknown value `{}` (allowed: {})",
            b.record_type,
            RecordType::valid_list()
        ))
    })?;
    let op = MutateOp::parse(&b.op).ok_or_else(|| {
        ApiError::bad_request(format!(
            "property `op` must be delete, alter or add, got `{}`",
            b.op
        ))
    })?;
    let touched = env
        .db
        .call(move |c| crate::mutate::mutate(c, rtype, op, b.count))
        .await?;
    Ok(Json(touched).into_response())
}

pub(crate) async fn set_faults(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let r: FaultRequest = parse_body(&body)?;
    let s = env.faults.set(r).map_err(ApiError::bad_request)?;
    Ok(Json(s).into_response())
}

pub(crate) async fn get_faults(State(env): State<SharedEnv>) -> Response {
    Json(env.faults.snapshot()).into_response()
}

pub(crate) async fn clear_faults(State(env): State<SharedEnv>) -> Response {
    env.faults.clear();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn expire_tokens(State(env): State<SharedEnv>) -> Result<Response, ApiError> {
    let env2 = env.clone();
    let n = tokio::task::spawn_blocking(move || env2.auth.expire_all(&env2.db))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(json!({ "expired": n })).into_response())
}

pub(crate) async fn stats(State(env): State<SharedEnv>) -> Result<Response, ApiError> {
    let (logs, records, ops) = env
        .db
        .call(|c| {
            let logs: i64 = c.query_row("SELECT count(*) FROM mismatches", [], |r| r.get(0))?;
            let mut records = serde_json::Map::new();
            let mut s = c.prepare("SELECT type, count(*) FROM records GROUP BY type")?;
            for row in s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (t, n) = row?;
                records.insert(t, Value::from(n));
            }
            let mut ops = serde_json::Map::new();
            let mut s = c.prepare("SELECT status, count(*) FROM operations GROUP BY status")?;
            for row in s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
                let (t, n) = row?;
                ops.insert(t, Value::from(n));
            }
            Ok((logs, records, ops))
        })
        .await?;
    let st = &env.stats;
    Ok(Json(json!({
        "role": env.cfg.role.as_str(),
        "requests": st.requests.load(Ordering::Relaxed),
        "findTriggers": st.find_triggers.load(Ordering::Relaxed),
        "resyncTriggers": st.resync_triggers.load(Ordering::Relaxed),
        "syncOperationsSucceeded": st.sync_operations_done.load(Ordering::Relaxed),
        "syncOperationsFailed": st.sync_operations_failed.load(Ordering::Relaxed),
        "mismatchLogs": logs,
        "records": records,
        "operations": ops,
    }))
    .into_response())
}
