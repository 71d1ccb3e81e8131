//! `/staging/mismatches`: the find job's logs, filtered and paged; delete per subscriber or all.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde_json::Value;

use super::{paging, params, Params};
use crate::api_error::ApiError;
use crate::model::{MismatchLog, LOG_COLS};
use crate::records::RecordType;
use crate::state::SharedEnv;

/// Default page size of `GET /staging/mismatches`.
pub(crate) const DEFAULT_LIMIT: u64 = 1000;
/// Largest page size accepted (larger is a 400, never silently capped).
pub(crate) const MAX_LIMIT: u64 = 100_000;

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
    let (offset, limit) = paging(&q, DEFAULT_LIMIT, MAX_LIMIT)?;
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
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    args.push(SqlValue::Integer(limit as i64));
    args.push(SqlValue::Integer(offset.min(i64::MAX as u64) as i64));
    let rows = env
        .db
        .call(move |c| {
            if let Some(s) = &sub {
                subscriber_exists(c, s)?;
            }
            let mut st = c.prepare(&format!(
                "SELECT {LOG_COLS} FROM mismatches {filter} ORDER BY seq LIMIT ? OFFSET ?"
            ))?;
            let v: Vec<Value> = st
                .query_map(rusqlite::params_from_iter(args), MismatchLog::from_row)?
                .map(|r| r.map(|l| l.to_json()))
                .collect::<Result<_, _>>()?;
            Ok(v)
        })
        .await?;
    Ok(Json(rows).into_response())
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
