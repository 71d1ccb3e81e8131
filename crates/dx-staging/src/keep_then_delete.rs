//! The rule before any deletion of a server's mismatch logs (Verify, "Delete mismatch data",
//! the CLI's `delete-staging-mismatch`): the app never holds the only copy of anything, and the
//! server's logs are deleted only once a complete copy is kept.
//!
//! 1. The logs are read into an archive report (by the paging rules: to the empty last page,
//!    de-duplicated), written to a temporary file and renamed only when whole.
//! 2. The logs are counted again, afresh; the copy must hold exactly as many.
//! 3. Only then are they deleted.
//!
//! Logs that cannot be read completely end with the reading's error (no copy, nothing deleted);
//! a count that moved (a find still writing logs) refuses the deletion with [`Error::Refused`]
//! (rule `archive_incomplete`) and says why, and the copy made stays where it is.

use std::future::ready;
use std::path::Path;

use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::report::{fetch_report, FetchOptions, ReportRequest};
use crate::workflow::state::ReportInfo;

/// Archives the mismatch logs of `subscriber_id` (all subscribers with `None`) into `archive`,
/// checks the copy against a fresh count, then deletes them on the server. Returns the copy;
/// when there were no logs, nothing is kept or deleted (`rows` is 0 and no file is left).
pub async fn archive_then_delete_logs(
    client: &Client,
    subscriber_id: Option<&str>,
    archive: &Path,
    opts: &FetchOptions,
    cancel: &CancellationToken,
) -> Result<ReportInfo> {
    let req = ReportRequest {
        subscriber_id: subscriber_id.map(str::to_string),
        ..ReportRequest::default()
    };
    // `fetch_report` answers only for a copy read to the server's empty last page.
    let kept = fetch_report(client, &req, archive, opts, |_| {}, cancel).await?;
    let now = count_logs(client, subscriber_id, opts).await?;
    if kept.rows == 0 && now == 0 {
        // Nothing to keep and nothing to delete: no empty archive file, no DELETE.
        let _ = std::fs::remove_file(archive);
        let _ = std::fs::remove_file(crate::report::meta_path(archive));
        return Ok(kept);
    }
    if now != kept.rows {
        let whose = match subscriber_id {
            Some(id) => format!("subscriber {id}"),
            None => "all subscribers".to_string(),
        };
        return Err(Error::Refused {
            rule: crate::error::Rule::ArchiveIncomplete,
            message: format!(
                "the mismatch logs of {whose} were not deleted: the archived copy holds {} logs \
                 but the server now has {now} (is a find still running?); try again when the \
                 subscriber's find has ended. The copy is in {}",
                kept.rows,
                archive.display()
            ),
        });
    }
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    client.mismatches().delete(subscriber_id).await?;
    tracing::info!(
        subscriber = subscriber_id.unwrap_or("all"),
        rows = kept.rows,
        archive = %archive.display(),
        "mismatch logs archived, checked and deleted"
    );
    Ok(kept)
}

/// The logs of `subscriber_id` (all with `None`) on the server now, read afresh.
async fn count_logs(
    client: &Client,
    subscriber_id: Option<&str>,
    opts: &FetchOptions,
) -> Result<u64> {
    let summary = client
        .mismatches()
        .list(subscriber_id)
        .page(0, opts.page_size.max(1))
        .read_all(opts.concurrency, |_| ready(Ok(())))
        .await?;
    Ok(summary.rows)
}
