//! `GET/PATCH /staging/subscriber[/{id}]`: subscriber registrations and the find/resync triggers.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::http::{Call, Kind, NotFound};
use super::Client;
use crate::error::{Error, Result};
use crate::model::{ResyncStatus, Subscriber};

/// Handler for subscriber registrations; from [`Client::subscribers`].
#[derive(Debug, Clone, Copy)]
pub struct Subscribers<'a> {
    pub(crate) client: &'a Client,
}

/// Which staging job a trigger starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TriggerKind {
    /// Find staging mismatch (`FIND_MISMATCH_START`).
    Find,
    /// Resync (`RESYNC_TRIGGER_START`).
    Resync,
}

impl TriggerKind {
    /// The status the PATCH sets.
    pub fn start_status(self) -> ResyncStatus {
        match self {
            TriggerKind::Find => ResyncStatus::FindMismatchStart,
            TriggerKind::Resync => ResyncStatus::ResyncTriggerStart,
        }
    }

    /// The status that means the job finished well.
    pub fn completed_status(self) -> ResyncStatus {
        match self {
            TriggerKind::Find => ResyncStatus::FindMismatchCompleted,
            TriggerKind::Resync => ResyncStatus::ResyncTriggerCompleted,
        }
    }

    /// The status that means the job failed.
    pub fn failed_status(self) -> ResyncStatus {
        match self {
            TriggerKind::Find => ResyncStatus::FindMismatchFailed,
            TriggerKind::Resync => ResyncStatus::ResyncTriggerFailed,
        }
    }

    /// Whether `after` (read after a trigger whose answer was lost) shows that the trigger
    /// reached DX, given `before` (read just before it).
    pub fn landed(self, before: &Subscriber, after: &Subscriber) -> bool {
        let Some(status) = &after.resync_status else {
            return false;
        };
        if *status == self.start_status() {
            return true;
        }
        let ours_finished = *status == self.completed_status() || *status == self.failed_status();
        let changed = after.last_resync_time != before.last_resync_time
            || after.updated != before.updated
            || after.resync_status != before.resync_status;
        ours_finished && changed
    }
}

/// What a trigger did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerOutcome {
    /// The subscriber as DX answered (or as re-read when the answer was lost).
    pub subscriber: Subscriber,
    /// The answer to a PATCH was lost and a re-read confirmed the job started.
    pub confirmed_by_reread: bool,
    /// How many PATCH requests were sent (2 only when a re-read proved the first did not land).
    pub patches_sent: u32,
}

impl Subscribers<'_> {
    /// `GET /staging/subscriber`: every registration on this publisher.
    pub async fn list(&self) -> Result<Vec<Subscriber>> {
        let call = Call::get("/staging/subscriber", "list subscribers");
        self.client.send_list(&call).await
    }

    /// `GET /staging/subscriber/{id}`.
    pub async fn get(&self, id: &str) -> Result<Subscriber> {
        let mut call = Call::get(subscriber_path(id), "get subscriber");
        call.not_found = NotFound::Subscriber(id.to_string());
        self.client.send_json(&call).await
    }

    /// One `PATCH /staging/subscriber/{id} {"resyncStatus": ...}`, sent once, never retried.
    pub async fn patch_resync_status(&self, id: &str, status: &ResyncStatus) -> Result<Value> {
        let call = Call {
            method: Method::PATCH,
            path: subscriber_path(id),
            query: Vec::new(),
            body: Some(json!({ "resyncStatus": status.as_str() })),
            kind: Kind::Trigger,
            not_found: NotFound::Subscriber(id.to_string()),
            what: "trigger",
        };
        let bytes = self.client.send(&call).await?;
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Starts a find staging mismatch job for subscriber `id`. See [`Subscribers::trigger`].
    pub async fn start_find(&self, id: &str) -> Result<TriggerOutcome> {
        self.trigger(id, TriggerKind::Find).await
    }

    /// Starts a resync for subscriber `id`. See [`Subscribers::trigger`].
    pub async fn start_resync(&self, id: &str) -> Result<TriggerOutcome> {
        self.trigger(id, TriggerKind::Resync).await
    }

    /// Starts a job without ever retrying blindly: reads the subscriber, sends the PATCH once,
    /// and when the answer is lost (timeout, broken connection, 500, 502–504) reads the
    /// subscriber again (a read, retried with back-off); only if that read proves the PATCH did
    /// not land is it sent again, after a pause, up to [`MAX_TRIGGER_SENDS`] sends in all, each
    /// logged.
    pub async fn trigger(&self, id: &str, kind: TriggerKind) -> Result<TriggerOutcome> {
        let before = self.get(id).await?;
        self.trigger_after(id, kind, &before).await
    }

    /// Like [`Subscribers::trigger`], with `before` already read by the caller.
    pub async fn trigger_after(
        &self,
        id: &str,
        kind: TriggerKind,
        before: &Subscriber,
    ) -> Result<TriggerOutcome> {
        if let Some(message) = running_job(id, before) {
            return Err(Error::Refused {
                rule: crate::error::Rule::JobRunning,
                message,
            });
        }
        let mut patches_sent = 0;
        let mut first_error = None;
        let mut pauses = backon::BackoffBuilder::build(self.client.backoff());
        while patches_sent < MAX_TRIGGER_SENDS {
            if patches_sent > 0 {
                // Proven not to have landed: wait a little before sending again.
                let pause = pauses.next().unwrap_or(self.client.inner.retry.max_delay);
                tokio::time::sleep(pause).await;
            }
            patches_sent += 1;
            tracing::info!(
                subscriber = id,
                job = ?kind,
                attempt = patches_sent,
                "sending the trigger (PATCH resyncStatus)"
            );
            match self.patch_resync_status(id, &kind.start_status()).await {
                Ok(answer) => {
                    let subscriber = match serde_json::from_value::<Subscriber>(answer) {
                        Ok(s) if s.resync_status.is_some() => s,
                        _ => self.get(id).await?,
                    };
                    return Ok(TriggerOutcome {
                        subscriber,
                        confirmed_by_reread: false,
                        patches_sent,
                    });
                }
                Err(e) if e.is_unclear_outcome() => {
                    tracing::warn!(
                        code = e.code(),
                        attempt = patches_sent,
                        "trigger answer lost; re-reading status: {e}"
                    );
                    let after = self.get(id).await?;
                    if kind.landed(before, &after) {
                        return Ok(TriggerOutcome {
                            subscriber: after,
                            confirmed_by_reread: true,
                            patches_sent,
                        });
                    }
                    first_error.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(first_error.unwrap_or(Error::Cancelled))
    }
}

/// Why a trigger is refused ([`crate::Rule::JobRunning`]) when a job already runs for the
/// subscriber (`FIND_MISMATCH_START` or `RESYNC_TRIGGER_START`), whoever started it (this app,
/// DXClient, another workstation): DX's spec promises nothing for a second trigger, so none is
/// sent. `None` when nothing runs.
pub fn running_job(id: &str, before: &Subscriber) -> Option<String> {
    let status = before.resync_status.as_ref().filter(|s| s.is_running())?;
    let job = match status {
        ResyncStatus::FindMismatchStart => "a find staging mismatch",
        _ => "a resync",
    };
    let since = before
        .last_resync_time
        .as_deref()
        .map(|t| format!(" since {t}"))
        .unwrap_or_default();
    Some(format!(
        "{job} is already running for subscriber {id} ({status}{since}), started from this app, DXClient or another workstation. Nothing was started: wait until it ends, or follow it"
    ))
}

/// Most PATCHes one trigger sends, each only after a re-read proved the previous did not land.
pub const MAX_TRIGGER_SENDS: u32 = 5;

fn subscriber_path(id: &str) -> String {
    format!("/staging/subscriber/{}", encode_segment(id))
}

/// Percent-encodes one path segment.
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(status: Option<ResyncStatus>, t: &str) -> Subscriber {
        Subscriber {
            id: Some("s".into()),
            resync_status: status,
            last_resync_time: Some(t.into()),
            updated: Some(t.into()),
            ..Subscriber::default()
        }
    }

    #[test]
    fn landed_rules() {
        let before = sub(Some(ResyncStatus::FindMismatchCompleted), "t1");
        let k = TriggerKind::Find;
        assert!(k.landed(&before, &sub(Some(ResyncStatus::FindMismatchStart), "t1")));
        assert!(k.landed(
            &before,
            &sub(Some(ResyncStatus::FindMismatchCompleted), "t2")
        ));
        assert!(!k.landed(
            &before,
            &sub(Some(ResyncStatus::FindMismatchCompleted), "t1")
        ));
        assert!(!k.landed(&before, &sub(Some(ResyncStatus::ResyncTriggerStart), "t2")));
        assert!(!k.landed(&before, &sub(None, "t2")));
        let r = TriggerKind::Resync;
        assert!(r.landed(
            &before,
            &sub(Some(ResyncStatus::ResyncTriggerCompleted), "t1")
        ));
    }

    #[test]
    fn segment_encoding() {
        assert_eq!(encode_segment("8c72-ef60"), "8c72-ef60");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
