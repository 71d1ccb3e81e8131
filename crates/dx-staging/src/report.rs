//! Fetching a mismatch report: pages requested concurrently (bounded), written in order into
//! the `mismatch-report` CSV writer (temporary file, renamed at the end), with a sidecar JSON
//! that records whether the report may be inaccurate.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mismatch_report::{
    MismatchRow, RecordAction, RecordType, ReportWriter, Summary, SummaryCounter, WriterOptions,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::client::{Client, PagingSummary};
use crate::error::{Error, Result};
use crate::fsname::portable_file_name;
use crate::model::ResyncStatus;
use crate::workflow::state::{write_atomic, ReportInfo};

/// Which logs a report holds (DXClient's `-subscriberId -recordType -recordAction`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRequest {
    /// One subscriber, or all.
    pub subscriber_id: Option<String>,
    /// One record type, or all.
    pub record_type: Option<RecordType>,
    /// One action, or all.
    pub record_action: Option<RecordAction>,
    /// Only the logs created at or after this time: those of a find started then. Today's DX
    /// keeps a subscriber's logs across finds until they are deleted, so a find that left the
    /// earlier ones on the server (a scheduled check, or the user's choice) reports only its
    /// own. A log without a readable `created` is kept. `None`: every log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_since: Option<DateTime<Utc>>,
}

impl ReportRequest {
    /// Whether a log created at `created` (DX's text) belongs in the report.
    pub fn selects_created(&self, created: &str) -> bool {
        let Some(since) = self.created_since else {
            return true;
        };
        crate::model::dx_time(created).is_none_or(|t| t >= since)
    }
}

/// How a report is fetched and written.
///
/// The defaults ([`DEFAULT_REPORT_PAGE_SIZE`] logs per request, [`DEFAULT_REPORT_CONCURRENCY`]
/// requests in flight) fetch a 1,000,000-log report from `dam-sim` in a few seconds with a
/// bounded memory (see the crate README for figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchOptions {
    /// Logs per request (the `limit` query parameter).
    pub page_size: u64,
    /// Requests in flight at once. Pages are still written in order; at most about
    /// `3 × concurrency` pages are held in memory at a time.
    pub concurrency: usize,
    /// Start the CSV with a UTF-8 BOM.
    pub bom: bool,
}

/// Logs per request when fetching a report.
///
/// Every request costs a DX server a login-checked HTTP round trip, a database query and a
/// JSON encoding, whatever its size, so 1,000,000 logs in pages of 1,000 is 1,000 requests of
/// fixed overhead; servers that page with SQL `OFFSET` also pay per request for every row before
/// the page. 5,000 logs (≈ 2 MB of JSON) cuts that to 200 requests while a page still takes well
/// under a second to serve and decode, stays far below any sensible server `limit` cap
/// (`dam-sim` accepts up to 100,000) and keeps the memory in flight to a few tens of MB. Larger
/// pages gain little more and make every retry of a failed page costlier.
pub const DEFAULT_REPORT_PAGE_SIZE: u64 = 5000;

/// Requests in flight at once when fetching a report: enough to overlap the network, the
/// server's work and the client's decoding, without hammering the server.
pub const DEFAULT_REPORT_CONCURRENCY: usize = 4;

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            page_size: DEFAULT_REPORT_PAGE_SIZE,
            concurrency: DEFAULT_REPORT_CONCURRENCY,
            bom: false,
        }
    }
}

/// The sidecar JSON written next to a report (`<report>.meta.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportMeta {
    /// The DAM API the logs came from.
    pub source: String,
    /// What was asked.
    pub request: ReportRequest,
    /// When the fetch began.
    pub fetched_at: DateTime<Utc>,
    /// Rows written.
    pub rows: u64,
    /// Fetched while a status was not `FIND_MISMATCH_COMPLETED`: may be inaccurate.
    pub possibly_inaccurate: bool,
    /// The subscriber's status(es) when the fetch began.
    pub status_at_fetch: Option<String>,
    /// Every page was read, up to the server's empty last page (see the paging rules in
    /// [`crate::client`]). `None` for reports written before this was recorded, whose reading
    /// stopped at the first short page and may have missed rows behind a server's silent
    /// `limit` cap.
    #[serde(default)]
    pub complete: Option<bool>,
    /// When the find that wrote these logs was started, if known (see
    /// [`record_find_start`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub find_started_at: Option<DateTime<Utc>>,
    /// Why the report may be partial (it does not explain the record counts of both
    /// environments; see [`crate::coverage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possibly_partial: Option<String>,
    /// The report's counts by type × action, taken while it was written (`None` for reports
    /// written before this was recorded; [`summary_of`] counts those once and keeps the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    /// Logs left out because an earlier find created them ([`ReportRequest::created_since`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub earlier_logs_left_out: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ReportMeta {
    /// The report can be read as the whole of its find's logs: fetched after the find completed
    /// (not [`possibly_inaccurate`](Self::possibly_inaccurate)), every page read (`complete` not
    /// `Some(false)`; unknown for reports written before it was recorded), and it explains both
    /// environments' record counts (no [`possibly_partial`](Self::possibly_partial)).
    pub fn is_complete(&self) -> bool {
        !self.possibly_inaccurate && self.complete != Some(false) && self.possibly_partial.is_none()
    }
}

/// Records in a report's sidecar when the find that wrote its logs was started, so that logs
/// left from an earlier find (created before it) can be told apart.
pub fn record_find_start(report: &Path, started: DateTime<Utc>) -> Result<()> {
    update_meta(report, |m| m.find_started_at = Some(started))
}

/// Records in a report's sidecar why it may be partial.
pub fn record_possibly_partial(report: &Path, why: &str) -> Result<()> {
    update_meta(report, |m| m.possibly_partial = Some(why.to_string()))
}

fn update_meta(report: &Path, change: impl FnOnce(&mut ReportMeta)) -> Result<()> {
    let Some(mut meta) = read_meta(report) else {
        return Ok(());
    };
    change(&mut meta);
    let json = serde_json::to_vec_pretty(&meta).map_err(|e| Error::file(report, e))?;
    write_atomic(&meta_path(report), &json)
}

/// The sidecar path of a report.
pub fn meta_path(report: &Path) -> PathBuf {
    let mut name = report.file_name().unwrap_or_default().to_os_string();
    name.push(".meta.json");
    report.with_file_name(name)
}

/// DXClient's download folder, relative to the working folder: `store/outputFiles` (joined
/// with the system's separator).
pub fn default_output_dir() -> PathBuf {
    Path::new("store").join("outputFiles")
}

/// A timestamped report path in `dir` that does not exist yet, like DXClient's
/// `store/outputFiles/` downloads: `staging-mismatch-report-<subscriber or all>-<UTC time>.csv`.
/// The name is valid on every system (no `:` in the time; see [`crate::fsname`]); the check
/// for an existing file follows the file system, so on a case-insensitive one a name that
/// differs only by case counts as taken.
pub fn default_report_path(dir: &Path, subscriber_id: Option<&str>, now: DateTime<Utc>) -> PathBuf {
    let sub: String = subscriber_id
        .map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(36)
                .collect()
        })
        .unwrap_or_else(|| "all".to_string());
    let stamp = now.format("%Y%m%dT%H%M%S%3fZ");
    let base = format!("staging-mismatch-report-{sub}-{stamp}");
    let mut candidate = dir.join(portable_file_name(&base, ".csv"));
    let mut n = 2;
    while candidate.exists() || meta_path(&candidate).exists() {
        candidate = dir.join(portable_file_name(&base, &format!("-{n}.csv")));
        n += 1;
    }
    candidate
}

/// Reads the status(es) that decide whether a report is accurate.
async fn accuracy(client: &Client, req: &ReportRequest) -> Result<(bool, Option<String>)> {
    // One rule with the download check (`readiness`): the logs of a finished find are accurate,
    // also while or after a resync uses them.
    let not_ready = |s: Option<&ResyncStatus>| crate::readiness::why_not_ready(s).is_some();
    match &req.subscriber_id {
        Some(id) => {
            let s = client.subscribers().get(id).await?;
            let status = s.resync_status.clone();
            Ok((not_ready(status.as_ref()), status.map(|x| x.to_string())))
        }
        None => {
            let subs = client.subscribers().list().await?;
            // A subscriber no find has run for has no logs: it cannot make the report wrong.
            let inaccurate = subs
                .iter()
                .any(|s| s.resync_status.is_some() && not_ready(s.resync_status.as_ref()));
            let statuses: Vec<String> = subs
                .iter()
                .map(|s| {
                    format!(
                        "{}={}",
                        s.id_str(),
                        s.resync_status.as_ref().map_or("", |x| x.as_str())
                    )
                })
                .collect();
            Ok((inaccurate, Some(statuses.join(","))))
        }
    }
}

enum ToWriter {
    Rows(Vec<MismatchRow>),
    Finish,
}

/// Writes the rows it receives into the report at `path`. The header's extra columns are the
/// extra fields of the first page; a field first seen on a later page is kept aside with its row
/// number, and at the end the report is rewritten once with that column added (so nothing the
/// server sent is dropped, and the common case costs no second pass).
fn writer_thread(
    path: PathBuf,
    bom: bool,
    mut rx: tokio::sync::mpsc::Receiver<ToWriter>,
) -> Result<(u64, Summary)> {
    let open = |extra: Vec<String>| {
        ReportWriter::create(
            &path,
            WriterOptions {
                bom,
                extra_columns: Some(extra),
                ..WriterOptions::default()
            },
        )
        .map_err(Error::from)
    };
    let mut writer: Option<ReportWriter> = None;
    let mut header_extra: Vec<String> = Vec::new();
    let mut late = LateFields::default();
    let mut written = 0u64;
    let mut counts = SummaryCounter::default();
    while let Some(msg) = rx.blocking_recv() {
        match msg {
            ToWriter::Rows(rows) => {
                if writer.is_none() {
                    // The header's extra columns: every extra field of the first page, in order.
                    for r in &rows {
                        for (k, _) in &r.extra {
                            if !header_extra.contains(k) {
                                header_extra.push(k.clone());
                            }
                        }
                    }
                    writer = Some(open(header_extra.clone())?);
                }
                if let Some(w) = writer.as_mut() {
                    for mut r in rows {
                        counts.add(&r.record_type, &r.record_action);
                        late.take_from(&mut r, written, &header_extra);
                        w.write_row(&r)?;
                        written += 1;
                    }
                }
            }
            ToWriter::Finish => {
                let w = match writer.take() {
                    Some(w) => w,
                    None => open(Vec::new())?,
                };
                let summary = w.finish()?;
                if !late.is_empty() {
                    late.rewrite(&path, bom, header_extra)?;
                }
                return Ok((summary.rows, counts.finish()));
            }
        }
    }
    // The sender went away without Finish: dropping the writer removes the temporary file.
    Err(Error::Cancelled)
}

/// Extra fields that were not in the report's header when their row was written.
#[derive(Default)]
struct LateFields {
    /// Their names, in order of first appearance.
    names: Vec<String>,
    /// Row number → its late fields.
    by_row: std::collections::HashMap<u64, Vec<(String, String)>>,
}

impl LateFields {
    fn is_empty(&self) -> bool {
        self.by_row.is_empty()
    }

    /// Moves the fields of `row` that the header lacks into this set.
    fn take_from(&mut self, row: &mut MismatchRow, index: u64, header: &[String]) {
        if row.extra.iter().all(|(k, _)| header.contains(k)) {
            return;
        }
        let (keep, late): (Vec<_>, Vec<_>) = std::mem::take(&mut row.extra)
            .into_iter()
            .partition(|(k, _)| header.contains(k));
        row.extra = keep;
        for (k, _) in &late {
            if !self.names.contains(k) {
                self.names.push(k.clone());
            }
        }
        self.by_row.insert(index, late);
    }

    /// Rewrites the finished report at `path` with the late columns added after the header's.
    fn rewrite(mut self, path: &Path, bom: bool, mut columns: Vec<String>) -> Result<()> {
        tracing::info!(
            columns = ?self.names,
            "fields first seen on a later page: rewriting the report with them"
        );
        columns.extend(self.names.iter().cloned());
        let reader = mismatch_report::ReportReader::open(path, Default::default())?;
        let mut out = ReportWriter::create(
            path,
            WriterOptions {
                bom,
                extra_columns: Some(columns),
                ..WriterOptions::default()
            },
        )?;
        for (i, row) in reader.enumerate() {
            let mut row = row?;
            if let Some(fields) = self.by_row.remove(&(i as u64)) {
                row.extra.extend(fields);
            }
            out.write_row(&row)?;
        }
        // The reader is done (and its file closed) before the new file replaces it.
        out.finish()?;
        Ok(())
    }
}

/// Fetches the logs `req` selects into a CSV at `path` (appears only when complete), then
/// writes the sidecar JSON. `on_rows` is called with the running row count after each page.
pub async fn fetch_report(
    client: &Client,
    req: &ReportRequest,
    path: &Path,
    opts: &FetchOptions,
    mut on_rows: impl FnMut(u64) + Send,
    cancel: &CancellationToken,
) -> Result<ReportInfo> {
    let fetched_at = Utc::now();
    let (possibly_inaccurate, status_at_fetch) = accuracy(client, req).await?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<ToWriter>(opts.concurrency.max(1) * 2);
    let writer_path = path.to_path_buf();
    let bom = opts.bom;
    let writer = tokio::task::spawn_blocking(move || writer_thread(writer_path, bom, rx));

    let query = client
        .mismatches()
        .list(req.subscriber_id.as_deref())
        .record_type(req.record_type.clone())
        .record_action(req.record_action.clone())
        .page(0, opts.page_size.max(1));
    let mut left_out = 0u64;
    let fetch = async {
        let mut total = 0u64;
        let summary = query
            .read_all(opts.concurrency, |mut rows| {
                if req.created_since.is_some() {
                    let before = rows.len();
                    rows.retain(|r| req.selects_created(&r.created));
                    left_out += (before - rows.len()) as u64;
                }
                total += rows.len() as u64;
                on_rows(total);
                let tx = tx.clone();
                async move {
                    // A closed channel means the writer failed; its error is reported below.
                    tx.send(ToWriter::Rows(rows))
                        .await
                        .map_err(|_| Error::Report("the report writer stopped".into()))
                }
            })
            .await?;
        let _ = tx.send(ToWriter::Finish).await;
        Ok::<PagingSummary, Error>(summary)
    };
    let fetched: Result<PagingSummary> = tokio::select! {
        r = fetch => r,
        _ = cancel.cancelled() => Err(Error::Cancelled),
    };
    drop(tx);
    let written = writer
        .await
        .map_err(|e| Error::Report(format!("writer task failed: {e}")))?;
    let (rows, counts) = match (fetched, written) {
        // The writer's own error says more than "the writer stopped".
        (Err(_), Err(w)) if !matches!(w, Error::Cancelled) => return Err(w),
        (Err(f), _) => return Err(f),
        (Ok(_), Err(w)) => return Err(w),
        (Ok(summary), Ok((rows, counts))) => {
            debug_assert_eq!(rows + left_out, summary.rows);
            tracing::info!(
                rows,
                earlier_logs_left_out = left_out,
                duplicates = summary.duplicates,
                requests = summary.requests,
                server_page_size = ?summary.server_page_size,
                limit_capped = summary.limit_capped,
                "report fetched"
            );
            (rows, counts)
        }
    };
    let meta = ReportMeta {
        source: client.dam_base().to_string(),
        request: req.clone(),
        fetched_at,
        rows,
        possibly_inaccurate,
        status_at_fetch: status_at_fetch.clone(),
        complete: Some(true),
        find_started_at: None,
        possibly_partial: None,
        summary: Some(counts.clone()),
        earlier_logs_left_out: left_out,
    };
    let json = serde_json::to_vec_pretty(&meta).map_err(|e| Error::file(path, e))?;
    write_atomic(&meta_path(path), &json)?;
    Ok(ReportInfo {
        path: path.to_path_buf(),
        rows,
        possibly_inaccurate,
        status_at_fetch,
        find_started_at: None,
        possibly_partial: None,
        summary: Some(counts),
        earlier_logs_left_out: left_out,
    })
}

/// A report's counts by type × action: from its sidecar when recorded there, otherwise counted
/// by reading the file once (rows the reader cannot use are left out, as in the viewer) and
/// kept in the sidecar when the report has one, so the next call reads them.
pub fn summary_of(report: &Path) -> Result<Summary> {
    if let Some(summary) = read_meta(report).and_then(|m| m.summary) {
        return Ok(summary);
    }
    let reader =
        mismatch_report::ReportReader::open(report, mismatch_report::ReaderOptions::default())
            .map_err(|e| Error::file(report, e))?;
    let mut counts = SummaryCounter::default();
    for row in reader {
        let row = row.map_err(|e| Error::file(report, e))?;
        counts.add(&row.record_type, &row.record_action);
    }
    let summary = counts.finish();
    let kept = summary.clone();
    if let Err(e) = update_meta(report, |m| m.summary = Some(kept)) {
        tracing::warn!(error = %e, "the report's counts were not kept in its sidecar");
    }
    Ok(summary)
}

/// Reads a report's sidecar, if there is one.
pub fn read_meta(report: &Path) -> Option<ReportMeta> {
    let bytes = std::fs::read(meta_path(report)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsname::is_portable_name;
    use chrono::TimeZone;

    #[test]
    fn default_paths_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
        let a = default_report_path(dir.path(), Some("8c72ef60-e8d4/x"), now);
        assert!(a
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("staging-mismatch-report-8c72ef60-e8d4x-20240501T120000"));
        std::fs::write(&a, "x").unwrap();
        let b = default_report_path(dir.path(), Some("8c72ef60-e8d4/x"), now);
        assert_ne!(a, b);
        assert!(b.to_string_lossy().ends_with("-2.csv"));
        assert!(default_report_path(dir.path(), None, now)
            .to_string_lossy()
            .contains("-all-"));
        for sub in [None, Some("CON"), Some("a:b\\c"), Some("..")] {
            let p = default_report_path(dir.path(), sub, now);
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(is_portable_name(name) && !name.contains(':'), "{name}");
            assert_eq!(p.parent(), Some(dir.path()));
        }
        assert_eq!(default_output_dir(), Path::new("store").join("outputFiles"));
        assert_eq!(default_output_dir().components().count(), 2);
        assert_eq!(
            meta_path(Path::new("/r/a.csv")),
            PathBuf::from("/r/a.csv.meta.json")
        );
    }

    fn write_report(path: &Path, rows: &[(RecordType, RecordAction)]) {
        let mut w = ReportWriter::create(path, WriterOptions::default()).unwrap();
        for (i, (t, a)) in rows.iter().enumerate() {
            w.write_row(&MismatchRow {
                subscriber_id: "sub-1".into(),
                record_type: t.clone(),
                record_action: a.clone(),
                record_id: format!("r{i}"),
                ..Default::default()
            })
            .unwrap();
        }
        w.finish().unwrap();
    }

    #[test]
    fn a_reports_counts_come_from_its_sidecar_or_are_counted_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let rows = [
            (RecordType::MediaItem, RecordAction::Create),
            (RecordType::MediaItem, RecordAction::Create),
            (RecordType::Rendition, RecordAction::Delete),
        ];
        write_report(&path, &rows);
        // No sidecar: counted, nothing written beside the report.
        let s = summary_of(&path).unwrap();
        assert_eq!(s.total, 3);
        assert_eq!(s.count(&RecordType::MediaItem, &RecordAction::Create), 2);
        assert!(!meta_path(&path).exists());
        // A sidecar written before counts were recorded: counted once, then kept in it.
        let meta = ReportMeta {
            rows: 3,
            ..whole_report()
        };
        std::fs::write(meta_path(&path), serde_json::to_vec(&meta).unwrap()).unwrap();
        assert_eq!(summary_of(&path).unwrap(), s);
        assert_eq!(read_meta(&path).unwrap().summary.as_ref(), Some(&s));
        // From then on the sidecar answers, even if the file changes.
        write_report(&path, &rows[..1]);
        assert_eq!(summary_of(&path).unwrap().total, 3);
        // A missing report is an error naming it.
        let err = summary_of(&dir.path().join("gone.csv")).unwrap_err();
        assert!(err.to_string().contains("gone.csv"), "{err}");
    }

    /// The sidecar of an empty report fetched after its find completed, every page read.
    fn whole_report() -> ReportMeta {
        ReportMeta {
            source: "https://dx.example.com/dx/api/dam/v1".into(),
            request: ReportRequest::default(),
            fetched_at: Utc::now(),
            rows: 0,
            possibly_inaccurate: false,
            status_at_fetch: None,
            complete: Some(true),
            find_started_at: None,
            possibly_partial: None,
            summary: None,
            earlier_logs_left_out: 0,
        }
    }

    #[test]
    fn a_report_is_complete_when_fetched_after_the_find_fully_read_and_explaining_both_sides() {
        let whole = whole_report();
        assert!(whole.is_complete());
        // Written before page completeness was recorded: not known to be cut.
        assert!(ReportMeta {
            complete: None,
            ..whole.clone()
        }
        .is_complete());
        assert!(!ReportMeta {
            complete: Some(false),
            ..whole.clone()
        }
        .is_complete());
        assert!(!ReportMeta {
            possibly_inaccurate: true,
            ..whole.clone()
        }
        .is_complete());
        assert!(!ReportMeta {
            possibly_partial: Some("the subscriber's counts are not explained".into()),
            ..whole
        }
        .is_complete());
    }
}
