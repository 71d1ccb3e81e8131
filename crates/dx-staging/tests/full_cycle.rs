//! The full find → report → resync → verify cycle through the library, over real HTTP.

mod common;

use chrono::Utc;
use common::*;
use dx_staging::workflow::{DiffCounts, Runner};
use dx_staging::{Outcome, RunConfig, RunKind, RunState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_report_resync_verify() {
    let pair = pair().await;
    let p = Sim::login(pair.publisher.url()).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    assert!(!want.is_empty());

    let reports = pair.dir.path().join("reports");
    let runner = Runner::new(client_for(pair.publisher.url()))
        .subscriber_env(Some(client_for(pair.subscriber.url())))
        .options(fast_driver())
        .report_dir(&reports)
        .state_file(pair.dir.path().join("run.json"));

    // Find, with the report.
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner.clone().progress(tx).run(find).await.unwrap();
    assert!(done.is_done());
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        })
    );
    let report = done.report.clone().unwrap();
    assert!(!report.possibly_inaccurate);
    assert_eq!(
        report_set(&report.path),
        want,
        "the CSV holds exactly the damage"
    );
    let meta = dx_staging::report::read_meta(&report.path).unwrap();
    assert_eq!(meta.rows, want.len() as u64);
    let mut phases = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        phases.push(ev.phase);
    }
    for ph in ["preflight", "watching", "fetchingReport", "done"] {
        assert!(
            phases.iter().any(|x| x.name() == ph),
            "no {ph} progress in {phases:?}"
        );
    }
    // the saved state is the final one
    let saved = RunState::load(&pair.dir.path().join("run.json")).unwrap();
    assert_eq!(saved, done);

    // Resync, watching the subscriber's operations to the end.
    let resync = RunState::new(
        RunKind::Resync,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner.run(resync).await.unwrap();
    assert_eq!(
        done.outcome,
        Some(Outcome::ResyncDone {
            operations_watched: true,
            operations_failed: 0
        })
    );

    // Verify: archive, delete server logs, find again, diff.
    let config = RunConfig {
        previous_report: Some(report.path.clone()),
        ..RunConfig::default()
    };
    let verify = RunState::new(RunKind::Verify, &pair.sub_id, config, Utc::now());
    let done = runner.run(verify).await.unwrap();
    assert_eq!(
        done.outcome,
        Some(Outcome::Verified {
            remaining: 0,
            diff: Some(DiffCounts {
                only_before: want.len() as u64,
                only_after: 0,
                in_both: 0
            })
        })
    );
    let archived = done.archived_report.clone().unwrap();
    assert_eq!(report_set(&archived), want);
    assert!(report_set(&done.report.unwrap().path).is_empty());

    let st = p.stats().await;
    assert_eq!(st["findTriggers"], 2, "{st}");
    assert_eq!(st["resyncTriggers"], 1, "{st}");
    assert!(temp_files(pair.dir.path()).is_empty());
}
