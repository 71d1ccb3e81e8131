//! `/staging/mismatches`: the find job's logs, filtered and paged; delete per subscriber or all.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde_json::Value;

use super::{paging, params, Params};
use crate::api_error::ApiError;
use crate::db::SeekCache;
use crate::model::{MismatchLog, LOG_COLS};
use crate::records::RecordType;
use crate::state::SharedEnv;

/// Default page size of `GET /staging/mismatches`.
pub(crate) const DEFAULT_LIMIT: u64 = 1000;
/// Largest page size accepted (larger is a 400, never silently capped).
pub(crate) const MAX_LIMIT: u64 = 100_000;

/// Index of `seq` in a page query's columns (after [`LOG_COLS`]).
const SEQ_COL: usize = 10;

const ACTIONS: [&str; 3] = ["CREATE", "UPDATE", "DELETE"];

fn subscriber_exists(c: &Connection, id: &str) -> Result<(), ApiError> {
    let found: bool = c.query_row(
        "SELECT EXISTS(SELECT 1 FROM subscribers WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if found {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "no subscriber with id `{id}` (query parameter `subscriberId`)"
        )))
    }
}

pub(crate) async fn list(State(env): State<SharedEnv>, q: Params) -> Result<Response, ApiError> {
    let q: HashMap<String, String> = params(q)?;
    let (offset, limit) = paging(&q, DEFAULT_LIMIT, MAX_LIMIT, &env.cfg.paging)?;
    let mut clauses = Vec::new();
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(t) = q.get("recordType").filter(|v| !v.is_empty()) {
        if RecordType::parse(t).is_none() {
            return Err(ApiError::bad_request(format!(
                "query parameter `recordType` has an unknown value `{t}` (allowed: {})",
                RecordType::valid_list()
            )));
        }
        clauses.push("record_type = ?");
        args.push(SqlValue::Text(t.clone()));
    }
    if let Some(a) = q.get("recordAction").filter(|v| !v.is_empty()) {
        if !ACTIONS.contains(&a.as_str()) {
            return Err(ApiError::bad_request(format!(
                "query parameter `recordAction` has an unknown value `{a}` (allowed: CREATE, UPDATE, DELETE)"
            )));
        }
        clauses.push("record_action = ?");
        args.push(SqlValue::Text(a.clone()));
    }
    let sub = q.get("subscriberId").filter(|v| !v.is_empty()).cloned();
    if let Some(s) = &sub {
        clauses.push("subscriber_id = ?");
        args.push(SqlValue::Text(s.clone()));
    }
    // The filter's cache key: its clauses and their values.
    let key = format!("{clauses:?}{args:?}");
    let filter: String = clauses.iter().map(|c| format!("{c} AND ")).collect();
    let seek = env.db.seek_cache();
    let rows = env
        .db
        .call(move |c| {
            if let Some(s) = &sub {
                subscriber_exists(c, s)?;
            }
            page(c, &seek, &key, &filter, &args, offset, limit)
        })
        .await?;
    Ok(Json(rows).into_response())
}

/// The logs at positions `offset..offset + limit` of those `filter` selects, in `seq` order:
/// exactly `… ORDER BY seq LIMIT limit OFFSET offset`, but starting from the nearest known
/// position (see [`SeekCache`]) so that only the rows between it and `offset` are stepped over,
/// on the narrow `seq` index.
fn page(
    c: &Connection,
    seek: &Mutex<SeekCache>,
    key: &str,
    filter: &str,
    args: &[SqlValue],
    offset: u64,
    limit: u64,
) -> Result<Vec<Value>, ApiError> {
    let generation = (
        c.total_changes(),
        c.pragma_query_value(None, "data_version", |r| r.get::<_, i64>(0))?,
    );
    let mut cache = seek.lock().unwrap_or_else(|p| p.into_inner());
    cache.sync(generation);
    let (known, from_seq) = cache.nearest(key, offset);
    let skip = (offset - known).min(i64::MAX as u64) as i64;
    let mut st = c.prepare_cached(&format!(
        "SELECT {LOG_COLS}, seq FROM mismatches WHERE {filter}seq >= \
         (SELECT seq FROM mismatches WHERE {filter}seq >= ? ORDER BY seq LIMIT 1 OFFSET ?) \
         ORDER BY seq LIMIT ?"
    ))?;
    let params = args.iter().chain(args).cloned().chain([
        SqlValue::Integer(from_seq),
        SqlValue::Integer(skip),
        SqlValue::Integer(limit.min(i64::MAX as u64) as i64),
    ]);
    let mut out = Vec::new();
    let mut last = None;
    let mut rows = st.query(rusqlite::params_from_iter(params))?;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(SEQ_COL)?;
        if last.is_none() {
            cache.record(key, offset, seq);
        }
        last = Some(seq);
        out.push(MismatchLog::from_row(r)?.to_json());
    }
    if let Some(seq) = last {
        cache.record(key, offset + out.len() as u64, seq.saturating_add(1));
    }
    Ok(out)
}

pub(crate) async fn remove(State(env): State<SharedEnv>, q: Params) -> Result<Response, ApiError> {
    let q = params(q)?;
    let sub = q.get("subscriberId").filter(|v| !v.is_empty()).cloned();
    env.db
        .call(move |c| {
            match &sub {
                Some(s) => {
                    subscriber_exists(c, s)?;
                    c.execute("DELETE FROM mismatches WHERE subscriber_id = ?1", [s])?
                }
                None => c.execute("DELETE FROM mismatches", [])?,
            };
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[Value]) -> Vec<String> {
        v.iter()
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// The same page as a plain `LIMIT ? OFFSET ?` query.
    fn plain(
        c: &Connection,
        filter: &str,
        args: &[SqlValue],
        offset: u64,
        limit: u64,
    ) -> Vec<String> {
        let mut st = c
            .prepare(&format!(
                "SELECT id FROM mismatches WHERE {filter}1 ORDER BY seq LIMIT ? OFFSET ?"
            ))
            .unwrap();
        let p = args.iter().cloned().chain([
            SqlValue::Integer(limit as i64),
            SqlValue::Integer(offset as i64),
        ]);
        st.query_map(rusqlite::params_from_iter(p), |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn pages_equal_offset_paging_in_any_order_and_after_changes() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("p.db")).unwrap();
        let seek = db.seek_cache();
        db.with(|c| {
            for i in 0..500usize {
                c.execute(
                    "INSERT INTO mismatches(id, subscriber_id, record_type, record_action, record_id, created) VALUES (?1, ?2, ?3, ?4, ?5, 'now')",
                    rusqlite::params![
                        format!("log{i}"),
                        if i.is_multiple_of(3) { "s1" } else { "s2" },
                        if i.is_multiple_of(2) { "KEYWORD" } else { "COLLECTION" },
                        ACTIONS[i % 3],
                        format!("r{i}")
                    ],
                )
                .unwrap();
            }
            let filters: Vec<(Vec<&str>, Vec<SqlValue>)> = vec![
                (vec![], vec![]),
                (vec!["subscriber_id = ?"], vec![SqlValue::Text("s2".into())]),
                (
                    vec!["record_type = ?", "subscriber_id = ?"],
                    vec![SqlValue::Text("KEYWORD".into()), SqlValue::Text("s1".into())],
                ),
            ];
            let offsets = [0u64, 40, 20, 60, 59, 200, 100, 120, 499, 80, 1000, 140, 7];
            for round in 0..3 {
                for (clauses, args) in &filters {
                    let key = format!("{clauses:?}{args:?}");
                    let filter: String = clauses.iter().map(|c| format!("{c} AND ")).collect();
                    for &o in &offsets {
                        for limit in [20u64, 1, 77] {
                            let got = page(c, &seek, &key, &filter, args, o, limit).unwrap();
                            assert_eq!(
                                ids(&got),
                                plain(c, &filter, args, o, limit),
                                "round {round}, {clauses:?}, offset {o}, limit {limit}"
                            );
                        }
                    }
                }
                // Change the data between rounds: cached positions must not survive it.
                if round == 0 {
                    c.execute("DELETE FROM mismatches WHERE seq % 7 = 0", []).unwrap();
                } else {
                    c.execute("DELETE FROM mismatches", []).unwrap();
                    for i in 0..50 {
                        c.execute(
                            "INSERT INTO mismatches(id, subscriber_id, record_type, record_action, record_id, created) VALUES (?1, 's2', 'KEYWORD', 'CREATE', 'r', 'now')",
                            [format!("new{i}")],
                        )
                        .unwrap();
                    }
                }
            }
        });
    }
}
