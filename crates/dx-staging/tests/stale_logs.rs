//! A find re-run on a server that keeps the logs of the previous find (as today's DX does; HCL
//! tells administrators to delete the mismatch data first): with `clear_stale_logs` the old logs
//! are kept locally and deleted before the trigger; without, the report takes only the logs
//! created since the trigger. Either way the new report holds only the new find's logs, and it
//! records the find's start time.

mod common;

use chrono::Utc;
use common::*;
use dam_sim::EnvConfig;
use dx_staging::{Outcome, RunConfig, RunKind, RunState};

fn find(pair: &Pair, clear_stale_logs: bool) -> RunState {
    let config = RunConfig {
        clear_stale_logs,
        ..RunConfig::default()
    };
    RunState::new(RunKind::Find, &pair.sub_id, config, Utc::now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_find_archives_and_deletes_the_old_logs_first() {
    let pair = pair_with(|c: &mut EnvConfig| c.keep_logs_on_find = true).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let first = break_subscriber(&s).await;
    let done = runner(&pair).run(find(&pair, true)).await.unwrap();
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: first.len() as u64
        })
    );
    // More drift, then a second find: without clearing, this server would serve the first
    // find's logs too (every first-find record twice).
    let mut want = first.clone();
    want.extend(s.mutate("FAVORITE", "delete", 1).await);
    let started = Utc::now();
    let done = runner(&pair).run(find(&pair, true)).await.unwrap();
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        }),
        "{done:#?}"
    );
    let report = done.report.unwrap();
    assert_eq!(report_set(&report.path), want);
    let t = report.find_started_at.expect("the find's start time");
    assert!(t >= started, "{t} < {started}");
    let meta = dx_staging::report::read_meta(&report.path).unwrap();
    assert_eq!(meta.find_started_at, Some(t));
    // The old logs were kept before they went.
    let archived = csv_files(&pair.dir.path().join("reports").join("archive"));
    assert_eq!(archived.len(), 1, "{archived:?}");
    assert_eq!(report_set(&archived[0]), first);
}

/// Without clearing (a scheduled check, or the user's choice to keep the server's logs), the
/// server holds both finds' logs; the run's report takes only those created since its trigger,
/// and says how many earlier ones it left out. A plain download still gets them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_clearing_the_report_holds_only_this_finds_logs() {
    let pair = pair_with(|c: &mut EnvConfig| c.keep_logs_on_find = true).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let first = break_subscriber(&s).await;
    runner(&pair).run(find(&pair, false)).await.unwrap();
    let mut want = first.clone();
    want.extend(s.mutate("FAVORITE", "delete", 1).await);
    let done = runner(&pair).run(find(&pair, false)).await.unwrap();
    // The trigger's time on DX's clock, from its answer: no margin for clock skew needed.
    assert!(done.server_triggered_at.is_some());
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        }),
        "{done:#?}"
    );
    let report = done.report.unwrap();
    assert_eq!(report_set(&report.path), want);
    assert_eq!(report.earlier_logs_left_out, first.len() as u64);
    let meta = dx_staging::report::read_meta(&report.path).unwrap();
    assert_eq!(meta.earlier_logs_left_out, first.len() as u64);
    assert!(meta.request.created_since.is_some());
    // The server kept every log: a plain download (DXClient's) has both finds' logs.
    let all = dx_staging::fetch_report(
        &client_for(pair.publisher.url()),
        &dx_staging::ReportRequest {
            subscriber_id: Some(pair.sub_id.clone()),
            ..Default::default()
        },
        &pair.dir.path().join("all.csv"),
        &Default::default(),
        |_| {},
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(all.rows, (first.len() + want.len()) as u64);
    assert_eq!(all.earlier_logs_left_out, 0);
    // On a first find there is nothing to clear: no archive file, no DELETE.
    let fresh = pair_with(|c: &mut EnvConfig| c.keep_logs_on_find = true).await;
    let s = Sim::login(fresh.subscriber.url()).await;
    break_subscriber(&s).await;
    runner(&fresh).run(find(&fresh, true)).await.unwrap();
    assert!(csv_files(&fresh.dir.path().join("reports").join("archive")).is_empty());
}

/// A server whose find stops after `maxRecordsToCompare` records of each type and still
/// answers `FIND_MISMATCH_COMPLETED`: the report does not explain the record counts, and the run
/// and the report's sidecar say it may be partial. A complete find is not flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_that_stopped_early_is_flagged_possibly_partial() {
    for stops_early in [false, true] {
        let pair =
            pair_with(|c: &mut EnvConfig| c.find_stops_after_first_batch = stops_early).await;
        let s = Sim::login(pair.subscriber.url()).await;
        let publisher = client_for(pair.publisher.url());
        let renditions = publisher
            .records()
            .count("RENDITION")
            .await
            .unwrap()
            .unwrap();
        assert!(
            renditions > 25,
            "more renditions than one compared batch: {renditions}"
        );
        // Every rendition missing on the subscriber: one batch of 25 cannot find them all.
        let want = s.mutate("RENDITION", "delete", renditions).await;
        let done = runner(&pair).run(find(&pair, false)).await.unwrap();
        let report = done.report.expect("a report");
        let meta = dx_staging::report::read_meta(&report.path).unwrap();
        if stops_early {
            assert!(report.rows < want.len() as u64, "the find stopped early");
            let why = report.possibly_partial.expect("flagged");
            assert!(
                why.contains("RENDITION") && why.contains("may be partial"),
                "{why}"
            );
            assert_eq!(meta.possibly_partial, Some(why));
        } else {
            assert_eq!(report_set(&report.path), want);
            assert_eq!(report.possibly_partial, None);
            assert_eq!(meta.possibly_partial, None);
        }
    }
}
