//! `/sim/v1`: the test interface (seed, mutate, faults, token expiry, stats, staging cycles,
//! peer credentials).

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
    /// Authoring through DAM (journaled; staging cycles carry it) rather than drift staging
    /// missed (the default).
    #[serde(default)]
    authoring: bool,
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
        .call(move |c| crate::mutate::mutate(c, rtype, op, b.count, b.authoring))
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
        "cycles": st.cycles.load(Ordering::Relaxed),
        "cyclesFailed": st.cycles_failed.load(Ordering::Relaxed),
        "mismatchLogs": logs,
        "records": records,
        "operations": ops,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CyclesBody {
    enabled: Option<bool>,
    sync_operations: Option<usize>,
}

pub(crate) async fn get_cycles(State(env): State<SharedEnv>) -> Result<Response, ApiError> {
    Ok(Json(crate::cycles::view(&env).await?).into_response())
}

pub(crate) async fn set_cycles(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: CyclesBody = parse_body(&body)?;
    if let Some(v) = b.enabled {
        env.cycles.enabled.store(v, Ordering::Relaxed);
    }
    if let Some(v) = b.sync_operations {
        if v > 10_000 {
            return Err(ApiError::bad_request(format!(
                "property `syncOperations` must be at most 10000, got {v}"
            )));
        }
        env.cycles.sync_operations.store(v, Ordering::Relaxed);
    }
    Ok(Json(crate::cycles::view(&env).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RunCyclesBody {
    subscriber_id: Option<String>,
}

pub(crate) async fn run_cycles(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: RunCyclesBody = if body.iter().all(u8::is_ascii_whitespace) {
        RunCyclesBody::default()
    } else {
        parse_body(&body)?
    };
    let reports = crate::cycles::run_now(&env, b.subscriber_id).await?;
    Ok(Json(reports).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PeerCredentialsBody {
    target_host: String,
    username: Option<String>,
    password: Option<String>,
}

fn credential_list(env: &SharedEnv) -> Value {
    Value::Array(
        env.peers
            .credential_users()
            .into_iter()
            .map(|(h, u)| json!({"targetHost": h, "username": u}))
            .collect(),
    )
}

pub(crate) async fn get_peer_credentials(State(env): State<SharedEnv>) -> Response {
    Json(credential_list(&env)).into_response()
}

pub(crate) async fn set_peer_credentials(
    State(env): State<SharedEnv>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let b: PeerCredentialsBody = parse_body(&body)?;
    if b.target_host.trim().is_empty() {
        return Err(ApiError::bad_request(
            "property `targetHost` must not be empty",
        ));
    }
    let (Some(u), Some(p)) = (b.username, b.password) else {
        return Err(ApiError::bad_request(
            "properties `username` and `password` are required",
        ));
    };
    if u.is_empty() {
        return Err(ApiError::bad_request(
            "property `username` must not be empty",
        ));
    }
    env.peers.set_credentials(&b.target_host, Some((u, p)));
    Ok(Json(credential_list(&env)).into_response())
}

pub(crate) async fn remove_peer_credentials(
    State(env): State<SharedEnv>,
    q: super::Params,
) -> Result<Response, ApiError> {
    let q = super::params(q)?;
    match q.get("targetHost").filter(|v| !v.is_empty()) {
        Some(h) => env.peers.set_credentials(h, None),
        None => {
            for (h, _) in env.peers.credential_users() {
                env.peers.set_credentials(&h, None);
            }
        }
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
