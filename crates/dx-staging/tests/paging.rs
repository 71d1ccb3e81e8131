//! Reading the mismatch logs from a server that pages differently from `dam-sim`'s strict
//! defaults, in each way HCL's spec leaves open (a silent `limit` cap, its own default page
//! size, an ignored `offset`): nothing is lost, nothing repeated, and a server that cannot be
//! read completely gives a clear error and no report.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dam_sim::EnvConfig;
use dx_staging::{Outcome, ReportRequest, RunConfig, RunKind, RunState};

fn find_run(sub_id: &str) -> RunState {
    RunState::new(RunKind::Find, sub_id, RunConfig::default(), Utc::now())
}

/// Triggers a find on the publisher and waits for `FIND_MISMATCH_COMPLETED`.
async fn find_and_wait(pair: &Pair) {
    let c = client_for(pair.publisher.url());
    c.subscribers().start_find(&pair.sub_id).await.unwrap();
    for _ in 0..400 {
        let s = c.subscribers().get(&pair.sub_id).await.unwrap();
        if s.resync_status.as_ref().map(|x| x.as_str()) == Some("FIND_MISMATCH_COMPLETED") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the find did not complete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_limit_cap_loses_no_log() {
    // The client asks 5 logs a page (fast_driver); the server serves 2, silently. Before the
    // paging rules, the first short page ended the report: 2 logs of 7.
    let pair = pair_with(|c: &mut EnvConfig| c.paging.limit_cap = Some(2)).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    assert!(want.len() > 4, "enough logs for several pages");
    let done = runner(&pair).run(find_run(&pair.sub_id)).await.unwrap();
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        }),
        "{done:#?}"
    );
    let report = done.report.unwrap().path;
    assert_eq!(report_set(&report), want);
    let meta = dx_staging::report::read_meta(&report).unwrap();
    assert_eq!(meta.complete, Some(true));
    assert_eq!(meta.rows, want.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_size_above_the_servers_is_followed_page_by_page() {
    // A cap of 3 and a client page of 5000: every log once, in pages of the server's size.
    let pair = pair_with(|c: &mut EnvConfig| c.paging.limit_cap = Some(3)).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    find_and_wait(&pair).await;
    let c = client_for(pair.publisher.url());
    let rows = c
        .mismatches()
        .list(Some(&pair.sub_id))
        .page(0, 5000)
        .all()
        .await
        .unwrap();
    assert_eq!(rows.len(), want.len());
    let ids: std::collections::BTreeSet<_> = rows.iter().map(|r| r.log_id.clone()).collect();
    assert_eq!(ids.len(), rows.len(), "no log twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ignored_offset_is_a_clear_error_and_leaves_no_report() {
    let pair = pair_with(|c: &mut EnvConfig| {
        c.paging.ignore_offset = true;
        c.paging.limit_cap = Some(3);
    })
    .await;
    let s = Sim::login(pair.subscriber.url()).await;
    break_subscriber(&s).await;
    find_and_wait(&pair).await;
    let c = client_for(pair.publisher.url());
    let path = pair.dir.path().join("reports/ignored-offset.csv");
    let req = ReportRequest {
        subscriber_id: Some(pair.sub_id.clone()),
        ..Default::default()
    };
    let e = dx_staging::fetch_report(
        &c,
        &req,
        &path,
        &Default::default(),
        |_| {},
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "paging_broken", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("offset 3") && msg.contains("127.0.0.1"),
        "{msg}"
    );
    assert!(!path.exists(), "no report that looks whole");
    assert!(!dx_staging::report::meta_path(&path).exists());
    assert!(temp_files(&pair.dir.path().join("reports")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_default_page_size_applies_without_a_limit() {
    let pair = pair_with(|c: &mut EnvConfig| c.paging.default_limit = Some(2)).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    find_and_wait(&pair).await;
    let p = Sim::login(pair.publisher.url()).await;
    let path = format!(
        "/dx/api/dam/v1/staging/mismatches?subscriberId={}",
        pair.sub_id
    );
    let page = p.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(page.as_array().map(Vec::len), Some(2), "{page}");
    let page = p
        .send(reqwest::Method::GET, &format!("{path}&limit=100"), None)
        .await;
    assert_eq!(page.as_array().map(Vec::len), Some(want.len()), "{page}");
    // The client reads them all whatever the server's default.
    let c = client_for(pair.publisher.url());
    let rows = c.mismatches().list(Some(&pair.sub_id)).all().await.unwrap();
    assert_eq!(rows.len(), want.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_that_cannot_be_read_whole_are_not_deleted() {
    let pair = pair_with(|c: &mut EnvConfig| {
        c.paging.ignore_offset = true;
        c.paging.limit_cap = Some(3);
    })
    .await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    find_and_wait(&pair).await;
    let c = client_for(pair.publisher.url());
    let copy = pair.dir.path().join("archive/kept.csv");
    let e = dx_staging::archive_then_delete_logs(
        &c,
        Some(&pair.sub_id),
        &copy,
        &Default::default(),
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), "paging_broken", "{e}");
    // Every log is still on the server (read without paging: the cap is 3, so count by type).
    let p = Sim::login(pair.publisher.url()).await;
    let st = p.stats().await;
    assert_eq!(st["findTriggers"], 1, "{st}");
    let first = p
        .send(
            reqwest::Method::GET,
            &format!(
                "/dx/api/dam/v1/staging/mismatches?subscriberId={}",
                pair.sub_id
            ),
            None,
        )
        .await;
    assert_eq!(first.as_array().map(Vec::len), Some(3.min(want.len())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checked_complete_copy_is_kept_before_the_logs_are_deleted() {
    let pair = pair_with(|c: &mut EnvConfig| c.paging.limit_cap = Some(2)).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    find_and_wait(&pair).await;
    let c = client_for(pair.publisher.url());
    let copy = pair.dir.path().join("archive/kept.csv");
    let kept = dx_staging::archive_then_delete_logs(
        &c,
        Some(&pair.sub_id),
        &copy,
        &Default::default(),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(kept.rows, want.len() as u64);
    assert_eq!(report_set(&copy), want);
    let left = c.mismatches().list(Some(&pair.sub_id)).all().await.unwrap();
    assert!(left.is_empty(), "deleted after the copy: {left:?}");
}
