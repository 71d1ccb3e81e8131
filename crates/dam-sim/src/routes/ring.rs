//! Ring (core) API authentication: `POST /auth/login|validate|logout`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::api_error::ApiError;
use crate::auth::COOKIE;
use crate::state::SharedEnv;

#[derive(Deserialize)]
struct LoginBody {
    username: Option<String>,
    password: Option<String>,
}

fn uid(username: &str) -> String {
    format!("uid={username},o=defaultWIMFileBasedRealm")
}

pub(crate) async fn login(State(env): State<SharedEnv>, body: Bytes) -> Response {
    let parsed: LoginBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return ApiError::bad_request(format!("malformed JSON request body: {e}"))
                .ring()
                .into_response()
        }
    };
    let (Some(user), Some(pass)) = (parsed.username, parsed.password) else {
        return ApiError::bad_request("both `username` and `password` are required")
            .ring()
            .into_response();
    };
    let env2 = env.clone();
    let user2 = user.clone();
    let issued =
        tokio::task::spawn_blocking(move || env2.auth.login(&env2.cfg, &env2.db, &user2, &pass))
            .await
            .ok()
            .flatten();
    let Some((token, _)) = issued else {
        return ApiError::unauthorized("Invalid credentials")
            .with_details(format!(
                "the user name or password of {user} is not correct"
            ))
            .ring()
            .into_response();
    };
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly");
    let mut resp = Json(json!({
        "statusCode": 200,
        "message": "Login successful",
        "data": {"UId": uid(&user)}
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

pub(crate) async fn validate(State(env): State<SharedEnv>, headers: HeaderMap) -> Response {
    match env.auth.validate(&headers) {
        Ok(s) => Json(json!({
            "statusCode": 200,
            "message": "User is authenticated",
            "data": {"UId": uid(&s.username)}
        }))
        .into_response(),
        Err(f) => ApiError::unauthorized(f.message()).ring().into_response(),
    }
}

pub(crate) async fn logout(State(env): State<SharedEnv>, headers: HeaderMap) -> Response {
    if let Err(f) = env.auth.validate(&headers) {
        return ApiError::unauthorized(f.message()).ring().into_response();
    }
    let env2 = env.clone();
    let _ = tokio::task::spawn_blocking(move || env2.auth.logout(&env2.db, &headers)).await;
    let mut resp = Json(json!({"statusCode": 200, "data": "Logout successful"})).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("LtpaToken2=; Path=/; HttpOnly; Max-Age=0"),
    );
    resp
}
