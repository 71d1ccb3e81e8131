//! `GET /operations[/{id}]`: DAM's operation framework (sync operations, the find job).

use super::http::{Call, NotFound};
use super::subscribers::encode_segment;
use super::Client;
use crate::error::Result;
use crate::model::{Operation, OperationStatus};

/// Page size used when listing all operations.
pub const OPERATIONS_PAGE_SIZE: u64 = 500;

/// Handler for operations; from [`Client::operations`].
#[derive(Debug, Clone, Copy)]
pub struct Operations<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Operations<'a> {
    /// A query of operations.
    pub fn list(&self) -> OperationsQuery<'a> {
        OperationsQuery {
            client: self.client,
            status: Vec::new(),
            trigger_functions: Vec::new(),
            offset: None,
            limit: None,
        }
    }

    /// `GET /operations/{id}`.
    pub async fn get(&self, id: &str) -> Result<Operation> {
        let call = Call::get(
            format!("/operations/{}", encode_segment(id)),
            "get operation",
        );
        self.client.send_json(&call).await
    }
}

/// A query of operations; its fields are the query parameters. HCL's `status` parameter takes
/// one value, so several statuses are asked one by one and the answers joined; several trigger
/// functions are sent comma-separated in `triggerFunctions`.
#[derive(Debug, Clone)]
pub struct OperationsQuery<'a> {
    client: &'a Client,
    /// `status` values (none = any).
    pub status: Vec<OperationStatus>,
    /// `triggerFunctions` values (none = any).
    pub trigger_functions: Vec<String>,
    /// `offset`; `None` with `limit: None` means "every page".
    pub offset: Option<u64>,
    /// `limit`.
    pub limit: Option<u64>,
}

impl<'a> OperationsQuery<'a> {
    /// Only these statuses.
    pub fn status(mut self, status: impl IntoIterator<Item = OperationStatus>) -> Self {
        self.status = status.into_iter().collect();
        self
    }

    /// Only these trigger functions.
    pub fn trigger_functions<S: Into<String>>(mut self, f: impl IntoIterator<Item = S>) -> Self {
        self.trigger_functions = f.into_iter().map(Into::into).collect();
        self
    }

    /// One page only.
    pub fn page(mut self, offset: u64, limit: u64) -> Self {
        self.offset = Some(offset);
        self.limit = Some(limit.max(1));
        self
    }

    async fn one(
        &self,
        status: Option<&OperationStatus>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Operation>> {
        let mut call = Call::get("/operations", "operations");
        call.not_found = NotFound::Other;
        if let Some(s) = status {
            call.query.push(("status", s.as_str().to_string()));
        }
        if !self.trigger_functions.is_empty() {
            call.query
                .push(("triggerFunctions", self.trigger_functions.join(",")));
        }
        call.query.push(("offset", offset.to_string()));
        call.query.push(("limit", limit.to_string()));
        self.client.send_list(&call).await
    }

    /// One page when [`OperationsQuery::page`] was set; else every page, read by the rules of
    /// the paging module (the offset advances by the rows received, reading stops at an empty
    /// page, operations are de-duplicated by id, an ignored `offset` is an error).
    async fn for_status(&self, status: Option<&OperationStatus>) -> Result<Vec<Operation>> {
        if let (Some(offset), Some(limit)) = (self.offset, self.limit) {
            return self.one(status, offset, limit).await;
        }
        let limit = self.limit.unwrap_or(OPERATIONS_PAGE_SIZE);
        let owned = OwnedOperationsQuery {
            client: self.client.clone(),
            trigger_functions: self.trigger_functions.clone(),
            status: status.cloned(),
        };
        let mut out = Vec::new();
        super::read_all_pages(
            "operations",
            &self.client.dam_host(),
            limit,
            1,
            move |offset, limit| {
                let q = owned.clone();
                async move { q.page(offset, limit).await }
            },
            // An operation without an id is told apart by everything it holds.
            |op: &Operation| match &op.id {
                Some(id) => super::paging::digest(id.as_str()),
                None => super::paging::digest(&format!("{op:?}")),
            },
            |ops| {
                out.extend(ops);
                std::future::ready(Ok(()))
            },
        )
        .await?;
        Ok(out)
    }

    /// Sends the query: every page unless [`OperationsQuery::page`] was set.
    pub async fn send(&self) -> Result<Vec<Operation>> {
        if self.status.is_empty() {
            return self.for_status(None).await;
        }
        let mut out = Vec::new();
        for s in &self.status {
            out.extend(self.for_status(Some(s)).await?);
        }
        Ok(out)
    }
}

/// An operations query that owns its client, so its pages can be fetched on other tasks.
#[derive(Clone)]
struct OwnedOperationsQuery {
    client: Client,
    trigger_functions: Vec<String>,
    status: Option<OperationStatus>,
}

impl OwnedOperationsQuery {
    async fn page(self, offset: u64, limit: u64) -> Result<Vec<Operation>> {
        let q = OperationsQuery {
            client: &self.client,
            status: Vec::new(),
            trigger_functions: self.trigger_functions.clone(),
            offset: None,
            limit: None,
        };
        q.one(self.status.as_ref(), offset, limit).await
    }
}
