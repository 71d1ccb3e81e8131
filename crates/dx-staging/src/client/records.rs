//! `GET /staging/records/{recordType}/{id}?details=true`: one record's staging details.

use serde_json::Value;

use super::http::{Call, NotFound};
use super::subscribers::encode_segment;
use super::Client;
use crate::error::Result;

/// Handler for staging records; from [`Client::records`].
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    pub(crate) client: &'a Client,
}

impl Records<'_> {
    /// `GET /staging/records/{recordType}/summary`: how many records of this type the
    /// environment holds; `None` when it does not know the type (404) or sends no count.
    pub async fn count(&self, record_type: &str) -> Result<Option<u64>> {
        let mut call = Call::get(
            format!("/staging/records/{}/summary", encode_segment(record_type)),
            "record count",
        );
        call.not_found = NotFound::Other;
        match self.client.send(&call).await {
            Ok(bytes) => {
                let v: serde_json::Value = super::http::decode(&bytes, call.what)?;
                Ok(match v.get("count") {
                    Some(serde_json::Value::Number(n)) => n.as_u64(),
                    Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                    _ => None,
                })
            }
            Err(crate::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The details of one record (`StagingRecordDetailsResponseDto`), or `None` when DX says it
    /// does not exist here (404) or answers 204 without details.
    pub async fn details(&self, record_type: &str, id: &str) -> Result<Option<Value>> {
        let mut call = Call::get(
            format!(
                "/staging/records/{}/{}",
                encode_segment(record_type),
                encode_segment(id)
            ),
            "record details",
        );
        call.query.push(("details", "true".into()));
        call.not_found = NotFound::Other;
        match self.client.send(&call).await {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(None),
            Ok(bytes) => super::http::decode(&bytes, call.what).map(Some),
            Err(crate::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
