//! `GET/DELETE /staging/mismatches`: the mismatch logs a find wrote on the publisher.

use mismatch_report::{MismatchRow, RecordAction, RecordType};
use reqwest::Method;
use serde_json::Value;

use super::http::{decode, undecodable, Call, Kind, NotFound};
use super::Client;
use crate::error::Result;
use crate::model::{list_items, mismatch_row_from_json};

/// Page size used when none is given.
pub const DEFAULT_PAGE_SIZE: u64 = 1000;

/// Handler for mismatch logs; from [`Client::mismatches`].
#[derive(Debug, Clone, Copy)]
pub struct Mismatches<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Mismatches<'a> {
    /// A query of the logs, for one subscriber or (with `None`) all of them.
    pub fn list(&self, subscriber_id: Option<&str>) -> MismatchQuery<'a> {
        MismatchQuery {
            client: self.client,
            subscriber_id: subscriber_id.map(str::to_string),
            record_type: None,
            record_action: None,
            offset: 0,
            limit: DEFAULT_PAGE_SIZE,
        }
    }

    /// `DELETE /staging/mismatches[?subscriberId]`: deletes the logs of one subscriber, or of
    /// every subscriber with `None`. Idempotent, so retried like a read.
    pub async fn delete(&self, subscriber_id: Option<&str>) -> Result<()> {
        let mut call = Call::get("/staging/mismatches", "delete mismatch logs");
        call.method = Method::DELETE;
        call.kind = Kind::Read;
        if let Some(id) = subscriber_id {
            call.query.push(("subscriberId", id.to_string()));
            call.not_found = NotFound::Subscriber(id.to_string());
        }
        self.client.send(&call).await.map(|_| ())
    }
}

/// A query of mismatch logs; its fields are the query parameters.
#[derive(Debug, Clone)]
pub struct MismatchQuery<'a> {
    client: &'a Client,
    /// `subscriberId`.
    pub subscriber_id: Option<String>,
    /// `recordType`.
    pub record_type: Option<RecordType>,
    /// `recordAction`.
    pub record_action: Option<RecordAction>,
    /// `offset`.
    pub offset: u64,
    /// `limit`.
    pub limit: u64,
}

impl<'a> MismatchQuery<'a> {
    /// Only logs of this record type.
    pub fn record_type(mut self, t: Option<RecordType>) -> Self {
        self.record_type = t;
        self
    }

    /// Only logs with this action.
    pub fn record_action(mut self, a: Option<RecordAction>) -> Self {
        self.record_action = a;
        self
    }

    /// The page window.
    pub fn page(mut self, offset: u64, limit: u64) -> Self {
        self.offset = offset;
        self.limit = limit.max(1);
        self
    }

    fn call(&self) -> Call<'static> {
        let mut call = Call::get("/staging/mismatches", "mismatch logs");
        if let Some(id) = &self.subscriber_id {
            call.query.push(("subscriberId", id.clone()));
            call.not_found = NotFound::Subscriber(id.clone());
        }
        if let Some(t) = &self.record_type {
            call.query.push(("recordType", t.as_str().to_string()));
        }
        if let Some(a) = &self.record_action {
            call.query.push(("recordAction", a.as_str().to_string()));
        }
        call.query.push(("offset", self.offset.to_string()));
        call.query.push(("limit", self.limit.to_string()));
        call
    }

    /// Fetches one page (`offset`, `limit`).
    ///
    /// A 404 for one subscriber's logs is told apart by reading the subscriber: a server may
    /// answer 404 for a subscriber that exists but has no logs (then this is an empty page),
    /// or for one that does not exist (then [`crate::Error::UnknownSubscriber`]).
    pub async fn send(&self) -> Result<Vec<MismatchRow>> {
        let call = self.call();
        match self.client.send(&call).await {
            Ok(bytes) => parse_page(&bytes),
            Err(e @ crate::Error::UnknownSubscriber { .. }) => match &self.subscriber_id {
                Some(id) => match self.client.subscribers().get(id).await {
                    Ok(_) => Ok(Vec::new()),
                    Err(_) => Err(e),
                },
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// Fetches every log the query selects (its `limit` is the first page's size; `offset` is
    /// ignored), one page at a time, by the rules of the paging module: the offset advances by
    /// the rows received, reading stops at an empty page, logs are de-duplicated by id.
    pub async fn all(&self) -> Result<Vec<MismatchRow>> {
        let mut out = Vec::new();
        self.read_all(1, |rows| {
            out.extend(rows);
            std::future::ready(Ok(()))
        })
        .await?;
        Ok(out)
    }

    /// Reads every log the query selects into `sink`, page by page in order, with `concurrency`
    /// pages in flight once the server's page size is known. See [`MismatchQuery::all`].
    pub async fn read_all<S>(
        &self,
        concurrency: usize,
        sink: impl FnMut(Vec<MismatchRow>) -> S,
    ) -> Result<super::PagingSummary>
    where
        S: std::future::Future<Output = Result<()>>,
    {
        let host = self.client.dam_host();
        let template = self.clone().into_owned();
        super::read_all_pages(
            "mismatch logs",
            &host,
            self.limit,
            concurrency,
            move |offset, limit| {
                let q = template.clone();
                async move { q.page_owned(offset, limit).await }
            },
            row_key,
            sink,
        )
        .await
    }

    fn into_owned(self) -> OwnedMismatchQuery {
        OwnedMismatchQuery {
            client: self.client.clone(),
            subscriber_id: self.subscriber_id,
            record_type: self.record_type,
            record_action: self.record_action,
        }
    }
}

/// A log's identity for de-duplication: its id, or, for a server that sends none, the fields
/// that tell two logs apart (a find logs a record at most once per subscriber and action).
fn row_key(r: &MismatchRow) -> u128 {
    if r.log_id.is_empty() {
        super::paging::digest(&(
            &r.subscriber_id,
            r.record_type.as_str(),
            r.record_action.as_str(),
            &r.record_id,
        ))
    } else {
        super::paging::digest(r.log_id.as_str())
    }
}

/// A query that owns its client, so its pages can be fetched on other tasks.
#[derive(Clone)]
struct OwnedMismatchQuery {
    client: Client,
    subscriber_id: Option<String>,
    record_type: Option<RecordType>,
    record_action: Option<RecordAction>,
}

impl OwnedMismatchQuery {
    async fn page_owned(self, offset: u64, limit: u64) -> Result<Vec<MismatchRow>> {
        MismatchQuery {
            client: &self.client,
            subscriber_id: self.subscriber_id,
            record_type: self.record_type,
            record_action: self.record_action,
            offset,
            limit,
        }
        .send()
        .await
    }
}

/// Parses one page of mismatch logs (a bare array or `{"contents": [...]}`).
pub(crate) fn parse_page(bytes: &[u8]) -> Result<Vec<MismatchRow>> {
    let what = "mismatch logs";
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let v: Value = decode(bytes, what)?;
    let items = list_items(v).ok_or_else(|| undecodable(what, bytes, "expected a list of logs"))?;
    items
        .into_iter()
        .map(|item| {
            mismatch_row_from_json(item)
                .ok_or_else(|| undecodable(what, bytes, "a log is not a JSON object"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_in_both_shapes() {
        let a = parse_page(br#"[{"id":"1","recordType":"COLLECTION","recordAction":"CREATE"}]"#)
            .unwrap();
        assert_eq!(a.len(), 1);
        let b =
            parse_page(br#"{"contents":[{"id":"1","type":"KEYWORD","action":"UPDATE"}]}"#).unwrap();
        assert_eq!(b[0].record_type, RecordType::Keyword);
        assert!(parse_page(b"").unwrap().is_empty());
        let e = parse_page(b"[1,2]").unwrap_err();
        assert_eq!(e.code(), "undecodable_answer");
        let e = parse_page(b"<html>oops</html>").unwrap_err();
        assert!(e.to_string().contains("<html>"));
    }
}
