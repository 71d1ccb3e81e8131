//! `/staging/records…`: per-type range hashes, id/hash lists, counts and single records.
//! The path/query enums of HCL's spec list ten types: with `strict_record_types` (the default)
//! `PERMISSION` and `RESOURCE` are a 400 there, as for any other value outside the enum. The
//! same handlers also serve the simulator's internal `/sim/v1/staging/records…` routes, which
//! take all twelve types: the find compares `PERMISSION` and `RESOURCE` (DX's
//! `findStagingPermissionsMismatch`) and the worker fetches them through those, not through
//! the public records API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::OptionalExtension;
use serde_json::json;

use super::{params, path_params, uint_param, Params, PathParams};
use crate::api_error::ApiError;
use crate::records::{range_hash, Record, RecordType};
use crate::state::SharedEnv;

/// Largest `limit` of the range hash endpoint.
pub(crate) const MAX_HASH_LIMIT: u64 = 100_000;

/// Which record types an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Types {
    /// The spec's ten (no `PERMISSION`, no `RESOURCE`).
    Spec,
    /// All twelve.
    All,
}

impl Types {
    /// The public endpoints' types in this environment.
    fn public(env: &SharedEnv) -> Types {
        if env.cfg.strict_record_types {
            Types::Spec
        } else {
            Types::All
        }
    }
}

fn record_type(v: &str, name: &str, types: Types) -> Result<RecordType, ApiError> {
    let allowed = match types {
        Types::Spec => RecordType::spec_records_list(),
        Types::All => RecordType::valid_list(),
    };
    RecordType::parse(v)
        .filter(|t| types == Types::All || !t.is_permission_type())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} has an unknown value `{v}` (allowed: {allowed})"
            ))
        })
}

/// `GET /staging/records/{recordType}?offset&limit` → `HashResponseDto`: the hash over the
/// window's `id:hash` lines, the window's size, and the first id in it (`""` when empty).
async fn window_hash_answer(
    env: SharedEnv,
    rtype: RecordType,
    offset: u64,
    limit: u64,
) -> Result<Response, ApiError> {
    let cursor = {
        let map = env.hash_cursor.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&rtype)
            .filter(|(o, _)| *o == offset)
            .map(|(_, id)| id.clone())
    };
    let rows = env
        .db
        .call(move |c| {
            let t = rtype.as_str();
            let mut out: Vec<(String, String)> = Vec::new();
            let mut push = |r: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
                out.push((r.get(0)?, r.get(1)?));
                Ok(())
            };
            match (&cursor, offset) {
                (Some(after), _) => {
                    let mut s = c.prepare_cached("SELECT id, hash FROM records WHERE type = ?1 AND id > ?2 ORDER BY id LIMIT ?3")?;
                    let mut rows = s.query(rusqlite::params![t, after, limit as i64])?;
                    while let Some(r) = rows.next()? {
                        push(r)?;
                    }
                }
                (None, o) => {
                    let mut s = c.prepare_cached("SELECT id, hash FROM records WHERE type = ?1 ORDER BY id LIMIT ?2 OFFSET ?3")?;
                    let mut rows = s.query(rusqlite::params![t, limit as i64, o.min(i64::MAX as u64) as i64])?;
                    while let Some(r) = rows.next()? {
                        push(r)?;
                    }
                }
            }
            Ok(out)
        })
        .await?;
    if let Some((last, _)) = rows.last() {
        env.hash_cursor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(rtype, (offset + rows.len() as u64, last.clone()));
    }
    let hash = range_hash(rows.iter().map(|(i, h)| (i.as_str(), h.as_str())));
    let first = rows.first().map(|(i, _)| i.clone()).unwrap_or_default();
    Ok(Json(json!({"hash": hash, "count": rows.len(), "id": first})).into_response())
}

pub(crate) async fn window_hash(
    State(env): State<SharedEnv>,
    rt: PathParams<String>,
    q: Params,
) -> Result<Response, ApiError> {
    let types = Types::public(&env);
    window_hash_of(env, rt, q, types).await
}

/// The internal `/sim/v1/staging/records/{recordType}` (all twelve types).
pub(crate) async fn window_hash_internal(
    State(env): State<SharedEnv>,
    rt: PathParams<String>,
    q: Params,
) -> Result<Response, ApiError> {
    window_hash_of(env, rt, q, Types::All).await
}

async fn window_hash_of(
    env: SharedEnv,
    rt: PathParams<String>,
    q: Params,
    types: Types,
) -> Result<Response, ApiError> {
    let rt = path_params(rt)?;
    let rtype = record_type(&rt, "path parameter `recordType`", types)?;
    let q = params(q)?;
    let offset = uint_param(&q, "offset")?
        .ok_or_else(|| ApiError::bad_request("query parameter `offset` is required"))?;
    let limit = uint_param(&q, "limit")?
        .ok_or_else(|| ApiError::bad_request("query parameter `limit` is required"))?;
    if limit == 0 || limit > MAX_HASH_LIMIT {
        return Err(ApiError::bad_request(format!(
            "query parameter `limit` must be between 1 and {MAX_HASH_LIMIT}, got {limit}"
        )));
    }
    window_hash_answer(env, rtype, offset, limit).await
}

/// `GET /staging/records?recordType&firstId&lastId&collectionId` → `HashListResponseDto`,
/// ids in `[firstId, lastId]` (both inclusive, either optional), ordered by id.
pub(crate) async fn hash_list(
    State(env): State<SharedEnv>,
    q: Params,
) -> Result<Response, ApiError> {
    let types = Types::public(&env);
    hash_list_of(env, q, types).await
}

/// The internal `/sim/v1/staging/records?recordType…` (all twelve types).
pub(crate) async fn hash_list_internal(
    State(env): State<SharedEnv>,
    q: Params,
) -> Result<Response, ApiError> {
    hash_list_of(env, q, Types::All).await
}

async fn hash_list_of(env: SharedEnv, q: Params, types: Types) -> Result<Response, ApiError> {
    let q = params(q)?;
    let rt = q
        .get("recordType")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request("query parameter `recordType` is required"))?;
    let rtype = record_type(rt, "query parameter `recordType`", types)?;
    let first = q.get("firstId").filter(|v| !v.is_empty()).cloned();
    let last = q.get("lastId").filter(|v| !v.is_empty()).cloned();
    let collection = q.get("collectionId").filter(|v| !v.is_empty()).cloned();
    // Only the given bounds go into the statement, so SQLite seeks the (type, id) key range.
    let mut sql = String::from("SELECT id, hash FROM records WHERE type = ?");
    let mut args = vec![rtype.as_str().to_string()];
    for (cond, v) in [
        ("id >= ?", first),
        ("id <= ?", last),
        ("collection_id = ?", collection),
    ] {
        if let Some(v) = v {
            sql.push_str(" AND ");
            sql.push_str(cond);
            args.push(v);
        }
    }
    sql.push_str(" ORDER BY id");
    let contents = env
        .db
        .call(move |c| {
            let mut s = c.prepare_cached(&sql)?;
            let v: Vec<serde_json::Value> = s
                .query_map(rusqlite::params_from_iter(args), |r| {
                    Ok(json!({"id": r.get::<_, String>(0)?, "hash": r.get::<_, String>(1)?}))
                })?
                .collect::<Result<_, _>>()?;
            Ok(v)
        })
        .await?;
    Ok(Json(json!({ "contents": contents })).into_response())
}

/// `GET /staging/records/{recordType}/summary` → `{"count": n}`.
pub(crate) async fn summary(
    State(env): State<SharedEnv>,
    rt: PathParams<String>,
) -> Result<Response, ApiError> {
    let types = Types::public(&env);
    summary_of(env, rt, types).await
}

/// The internal `/sim/v1/staging/records/{recordType}/summary` (all twelve types).
pub(crate) async fn summary_internal(
    State(env): State<SharedEnv>,
    rt: PathParams<String>,
) -> Result<Response, ApiError> {
    summary_of(env, rt, Types::All).await
}

async fn summary_of(
    env: SharedEnv,
    rt: PathParams<String>,
    types: Types,
) -> Result<Response, ApiError> {
    let rt = path_params(rt)?;
    let rtype = record_type(&rt, "path parameter `recordType`", types)?;
    let n: i64 = env
        .db
        .call(move |c| {
            Ok(c.query_row(
                "SELECT count(*) FROM records WHERE type = ?1",
                [rtype.as_str()],
                |r| r.get(0),
            )?)
        })
        .await?;
    Ok(Json(json!({ "count": n })).into_response())
}

/// `GET /staging/records/{recordType}/{id}[?details=true]`: 200 with
/// `StagingRecordDetailsResponseDto`, 204 when it exists and details are not asked, 404 otherwise.
pub(crate) async fn record(
    State(env): State<SharedEnv>,
    p: PathParams<(String, String)>,
    q: Params,
) -> Result<Response, ApiError> {
    let types = Types::public(&env);
    record_of(env, p, q, types).await
}

/// The internal `/sim/v1/staging/records/{recordType}/{id}` (all twelve types).
pub(crate) async fn record_internal(
    State(env): State<SharedEnv>,
    p: PathParams<(String, String)>,
    q: Params,
) -> Result<Response, ApiError> {
    record_of(env, p, q, Types::All).await
}

async fn record_of(
    env: SharedEnv,
    p: PathParams<(String, String)>,
    q: Params,
    types: Types,
) -> Result<Response, ApiError> {
    let (rt, id) = path_params(p)?;
    let rtype = record_type(&rt, "path parameter `recordType`", types)?;
    let q = params(q)?;
    let details = match q.get("details").map(String::as_str) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "query parameter `details` must be true or false, got `{v}`"
            )))
        }
    };
    let id2 = id.clone();
    let rec = env
        .db
        .call(move |c| {
            let r = c
                .query_row(
                    "SELECT parent_id, collection_id, name, content, hash FROM records WHERE type = ?1 AND id = ?2",
                    [rtype.as_str(), id2.as_str()],
                    |r| {
                        Ok(Record {
                            rtype,
                            id: id2.clone(),
                            parent_id: r.get(0)?,
                            collection_id: r.get(1)?,
                            name: r.get(2)?,
                            content: r.get(3)?,
                            hash: r.get(4)?,
                        })
                    },
                )
                .optional()?;
            Ok(r)
        })
        .await?;
    let Some(rec) = rec else {
        return Err(ApiError::not_found(format!(
            "no {} record with id `{id}`",
            rtype.as_str()
        )));
    };
    if details {
        Ok(Json(rec.details()).into_response())
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}
