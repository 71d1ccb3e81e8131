//! HTTP error answers in HCL's shapes: DAM `{"error":{"statusCode","message","name","details"}}`
//! (all strings, as the DAM OpenAPI file types them) and Ring `{"error":{"code","message","reason"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Which API family an error answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Dam,
    Ring,
}

/// An error answered to an HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub details: String,
    pub family: Family,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            details: String::new(),
            family: Family::Dam,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = details.into();
        self
    }
    pub fn ring(mut self) -> Self {
        self.family = Family::Ring;
        self
    }

    fn name(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "BadRequestError",
            401 => "UnauthorizedError",
            403 => "ForbiddenError",
            404 => "NotFoundError",
            405 => "MethodNotAllowedError",
            409 => "ConflictError",
            503 => "ServiceUnavailableError",
            _ => "InternalServerError",
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)?;
        if !self.details.is_empty() {
            write!(f, " ({})", self.details)?;
        }
        Ok(())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal("simulator database error").with_details(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.family {
            Family::Dam => {
                let details = if self.details.is_empty() {
                    self.message.clone()
                } else {
                    self.details.clone()
                };
                json!({"error": {
                    "statusCode": self.status.as_u16().to_string(),
                    "message": self.message,
                    "name": self.name(),
                    "details": details,
                }})
            }
            Family::Ring => {
                let reason = if self.details.is_empty() {
                    self.message.clone()
                } else {
                    self.details.clone()
                };
                json!({"error": {
                    "code": self.status.as_u16().to_string(),
                    "message": self.message,
                    "reason": reason,
                }})
            }
        };
        (self.status, Json(body)).into_response()
    }
}

/// Parses a JSON request body; a malformed body is a 400 that quotes the parser.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON request body: {e}")))
}
