//! `GET /staging/records/{recordType}/{id}?details=true`: one record's staging details.

use mismatch_report::RecordType;
use serde_json::Value;

use super::http::{Call, NotFound};
use super::subscribers::encode_segment;
use super::Client;
use crate::error::Result;

/// Whether DX's records endpoints (`/staging/records/{recordType}`, its `summary` and
/// `/{id}`) serve this record type. HCL's OpenAPI types their `recordType` with 10 values: not
/// `PERMISSION` and not `RESOURCE`, which only `/staging/mismatches` adds (a find compares them
/// with its own `findStagingPermissionsMismatch` operation). A type this version does not know
/// is tried (DX may have added it).
pub fn served_by_records_endpoint(t: &RecordType) -> bool {
    !matches!(t, RecordType::Permission | RecordType::Resource)
}

/// Handler for staging records; from [`Client::records`].
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    pub(crate) client: &'a Client,
}

impl Records<'_> {
    /// `GET /staging/records/{recordType}/summary`: how many records of this type the
    /// environment holds; `None` when the type is not comparable there: not served by the
    /// endpoint ([`served_by_records_endpoint`], nothing is sent), refused (400, as the spec
    /// allows for a type outside its list), unknown (404), or answered without a count.
    pub async fn count(&self, record_type: &str) -> Result<Option<u64>> {
        if !served_by_records_endpoint(&RecordType::parse(record_type)) {
            return Ok(None);
        }
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
            Err(crate::Error::NotFound { .. } | crate::Error::BadRequest { .. }) => {
                tracing::info!(
                    record_type,
                    "the records summary does not serve this type: not comparable"
                );
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The details of one record (`StagingRecordDetailsResponseDto`), or `None` when DX says it
    /// does not exist here (404) or answers 204 without details.
    pub async fn details(&self, record_type: &str, id: &str) -> Result<Option<Value>> {
        if !served_by_records_endpoint(&RecordType::parse(record_type)) {
            return Err(crate::Error::NotComparable {
                record_type: record_type.to_string(),
            });
        }
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
