//! The HTTP surface: Ring auth, DAM staging/operations/eventlogs, and the `/sim/v1` test interface.

mod mismatches;
mod operations;
mod records;
mod ring;
mod sim;
mod subscribers;
mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api_error::ApiError;
use crate::config::PagingQuirks;
use crate::faults::RequestFault;
use crate::state::SharedEnv;

/// Query parameters as given (`Query` rejections become DAM 400 answers).
pub(crate) type Params =
    Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

pub(crate) fn params(p: Params) -> Result<HashMap<String, String>, ApiError> {
    p.map(|Query(m)| m)
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
}

/// Path parameters as given (`Path` rejections, such as a percent-encoded segment that is not
/// UTF-8, become DAM 400 answers instead of axum's plain-text ones).
pub(crate) type PathParams<T> = Result<Path<T>, axum::extract::rejection::PathRejection>;

/// The path parameters, or a DAM 400 naming the problem.
pub(crate) fn path_params<T>(p: PathParams<T>) -> Result<T, ApiError> {
    p.map(|Path(v)| v)
        .map_err(|e| ApiError::bad_request(format!("malformed path parameter: {e}")))
}

/// The row with key `id`, loaded by `load` on the database thread; a missing row is the 404
/// `not_found` builds from the id.
pub(crate) async fn load_one<T: Send + 'static>(
    env: &SharedEnv,
    id: &str,
    load: fn(&rusqlite::Connection, &str) -> rusqlite::Result<Option<T>>,
    not_found: impl FnOnce(&str) -> ApiError,
) -> Result<T, ApiError> {
    let key = id.to_string();
    env.db
        .call(move |c| Ok(load(c, &key)?))
        .await?
        .ok_or_else(|| not_found(id))
}

/// An optional non-negative integer parameter; the error names it.
pub(crate) fn uint_param(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    match q.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(Some)
            .or_else(|_| match v.parse::<f64>() {
                Ok(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e15 => Ok(Some(f as u64)),
                _ => Err(()),
            })
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "query parameter `{name}` must be a non-negative integer, got `{v}`"
                ))
            }),
    }
}

/// `offset` and `limit` with a default and a maximum limit; the error names the parameter.
/// The environment's [`PagingQuirks`] apply: another default, a silent cap instead of the
/// maximum, or an ignored offset.
pub(crate) fn paging(
    q: &HashMap<String, String>,
    default_limit: u64,
    max_limit: u64,
    quirks: &PagingQuirks,
) -> Result<(u64, u64), ApiError> {
    let offset = uint_param(q, "offset")?.unwrap_or(0);
    let default_limit = quirks.default_limit.unwrap_or(default_limit);
    let limit = uint_param(q, "limit")?.unwrap_or(default_limit);
    if limit == 0 || (quirks.limit_cap.is_none() && limit > max_limit) {
        return Err(ApiError::bad_request(format!(
            "query parameter `limit` must be between 1 and {max_limit}, got {limit}"
        )));
    }
    let limit = quirks.limit_cap.map_or(limit, |cap| limit.min(cap));
    let offset = if quirks.ignore_offset { 0 } else { offset };
    Ok((offset, limit))
}

/// Builds the router of one environment.
pub(crate) fn router(env: SharedEnv) -> Router {
    let dam = Router::new()
        .route(
            "/staging/subscriber",
            get(subscribers::list).post(subscribers::create),
        )
        .route(
            "/staging/subscriber/{subscriber_id}",
            get(subscribers::one)
                .patch(subscribers::update)
                .delete(subscribers::remove),
        )
        .route(
            "/staging/mismatches",
            get(mismatches::list).delete(mismatches::remove),
        )
        .route("/staging/records", get(records::hash_list))
        .route("/staging/records/{record_type}", get(records::window_hash))
        .route(
            "/staging/records/{record_type}/summary",
            get(records::summary),
        )
        .route("/staging/records/{record_type}/{id}", get(records::record))
        .route("/operations", get(operations::list))
        .route("/operations/{operation_id}", get(operations::one))
        .route("/eventlogs", post(operations::eventlogs))
        .route_layer(from_fn_with_state(env.clone(), require_admin));
    let ring = Router::new()
        .route("/auth/login", post(ring::login))
        .route("/auth/validate", post(ring::validate))
        .route("/auth/logout", post(ring::logout));
    let sim = Router::new()
        .route("/seed", post(sim::seed))
        .route("/mutate", post(sim::mutate))
        .route(
            "/faults",
            post(sim::set_faults)
                .delete(sim::clear_faults)
                .get(sim::get_faults),
        )
        .route("/tokens/expire", post(sim::expire_tokens))
        .route("/stats", get(sim::stats))
        .route("/cycles", get(sim::get_cycles).post(sim::set_cycles))
        .route("/cycles/run", post(sim::run_cycles))
        .route(
            "/peer-credentials",
            get(sim::get_peer_credentials)
                .post(sim::set_peer_credentials)
                .delete(sim::remove_peer_credentials),
        )
        .route_layer(from_fn_with_state(env.clone(), require_admin))
        .route_layer(axum::middleware::from_fn(require_loopback));
    // The internal records routes other environments call (the find's PERMISSION and
    // RESOURCE comparison, the worker's fetch of those records): admin cookie, any client
    // address (environments may run on different hosts).
    let internal = Router::new()
        .route("/sim/v1/staging/records", get(records::hash_list_internal))
        .route(
            "/sim/v1/staging/records/{record_type}",
            get(records::window_hash_internal),
        )
        .route(
            "/sim/v1/staging/records/{record_type}/summary",
            get(records::summary_internal),
        )
        .route(
            "/sim/v1/staging/records/{record_type}/{id}",
            get(records::record_internal),
        )
        .route_layer(from_fn_with_state(env.clone(), require_admin));
    Router::new()
        .nest("/dx/api/dam/v1", dam)
        .nest("/dx/api/core/v1", ring)
        .nest("/sim/v1", sim)
        .merge(internal)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(env.clone(), faults_and_counting))
        .with_state(env)
}

fn family_error(path: &str, e: ApiError) -> ApiError {
    if path.starts_with("/dx/api/core/") {
        e.ring()
    } else {
        e
    }
}

async fn not_found(method: Method, uri: Uri) -> Response {
    let e = ApiError::not_found(format!(
        "no such route: {method} {} is not an HCL DX API endpoint served by dam-sim",
        uri.path()
    ));
    family_error(uri.path(), e).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method not allowed: {method} {} (the route exists with other methods)",
            uri.path()
        ),
    );
    family_error(uri.path(), e).into_response()
}

/// Counts requests and applies injected latency, 5xx answers and dropped connections
/// (never to the `/sim/v1` test interface; to its internal records routes, yes).
async fn faults_and_counting(State(env): State<SharedEnv>, req: Request, next: Next) -> Response {
    env.stats
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Faults never apply to the test interface, but do to the internal records routes, which
    // stand for DX's own publisher → subscriber calls.
    let path = req.uri().path();
    if path.starts_with("/sim/") && !path.starts_with("/sim/v1/staging/") {
        return next.run(req).await;
    }
    let (latency, fault) = env.faults.for_request();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        RequestFault::None => next.run(req).await,
        RequestFault::ServerError(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let e = ApiError::new(
                status,
                format!(
                    "injected fault: {}",
                    status.canonical_reason().unwrap_or("server error")
                ),
            );
            family_error(req.uri().path(), e).into_response()
        }
        RequestFault::Drop => {
            // Headers go out, then the body fails: the server closes the connection mid-answer.
            let stream = futures::stream::once(async {
                Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected fault: connection dropped",
                ))
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// 401 without a valid `LtpaToken2`, 403 for a non-admin user.
async fn require_admin(State(env): State<SharedEnv>, req: Request, next: Next) -> Response {
    match env.auth.validate(req.headers()) {
        Err(f) => ApiError::unauthorized(f.message()).into_response(),
        Ok(s) if !s.admin => ApiError::forbidden(format!(
            "user {} is not a DX administrator; staging calls need an admin",
            s.username
        ))
        .into_response(),
        Ok(_) => next.run(req).await,
    }
}

/// `/sim/v1` answers only loopback clients.
async fn require_loopback(req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    match peer {
        Some(a) if a.ip().is_loopback() => next.run(req).await,
        Some(a) => ApiError::forbidden(format!(
            "/sim/v1 answers loopback clients only, not {}",
            a.ip()
        ))
        .into_response(),
        None => ApiError::forbidden("/sim/v1 answers loopback clients only").into_response(),
    }
}
