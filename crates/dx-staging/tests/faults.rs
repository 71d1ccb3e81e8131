//! Each fault of the simulator in its own test: the run ends in a truthful state, exactly one
//! trigger per intended action reached DX, and no half-written report exists.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dx_staging::{FindWatch, Outcome, Phase, RunConfig, RunKind, RunState, Runner};
use serde_json::json;

fn find_run(sub_id: &str) -> RunState {
    RunState::new(RunKind::Find, sub_id, RunConfig::default(), Utc::now())
}

fn slow_find(c: &mut dam_sim::EnvConfig) {
    c.find_batch_delay = Duration::from_millis(60);
}

/// A find run disturbed by `fault` (sent to the publisher once the run is watching) still
/// reports exactly the damage, with one trigger.
async fn find_survives(fault: serde_json::Value) {
    let pair = pair_with(slow_find).await;
    let p = Sim::login(pair.publisher.url()).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    let done = run_with_hook(
        runner(&pair),
        find_run(&pair.sub_id),
        "watching",
        || async {
            if fault == json!("expireTokens") {
                p.post("/sim/v1/tokens/expire", json!({})).await;
            } else {
                p.faults(fault.clone()).await;
            }
        },
    )
    .await;
    // a fresh session for the test's own calls (the old one may have been expired)
    let p = Sim::login(pair.publisher.url()).await;
    p.clear_faults().await;
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        }),
        "{done:#?}"
    );
    assert_eq!(report_set(&done.report.unwrap().path), want);
    let st = p.stats().await;
    assert_eq!(st["findTriggers"], 1, "{st}");
    assert!(temp_files(pair.dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expired_mid_run() {
    find_survives(json!("expireTokens")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_server_errors_on_reads() {
    find_survives(json!({"errorRate": 0.3})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections() {
    find_survives(json!({"dropRate": 0.3})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_find_fails() {
    let pair = pair().await;
    let p = Sim::login(pair.publisher.url()).await;
    p.faults(json!({"failNextFind": true})).await;
    let done = runner(&pair).run(find_run(&pair.sub_id)).await.unwrap();
    let Some(Outcome::FindFailed { diagnosis }) = &done.outcome else {
        panic!("{done:#?}");
    };
    assert!(!diagnosis.advice.is_empty());
    assert_eq!(p.stats().await["findTriggers"], 1);
    assert!(csv_files(&pair.dir.path().join("reports")).is_empty());
    assert!(temp_files(pair.dir.path()).is_empty());
}

/// A DX before CF218 (the simulator's older preset): a find still running past the limit is
/// stuck, whatever its operations do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_find_stalls_past_the_stuck_limit() {
    let pair = pair_with(dam_sim::EnvConfig::set_older_dx).await;
    let p = Sim::login(pair.publisher.url()).await;
    p.faults(json!({"stallNextFind": true})).await;
    let config = RunConfig {
        find_watch: FindWatch::TimeLimit,
        stuck_limit_secs: 1,
        ..RunConfig::default()
    };
    let state = RunState::new(RunKind::Find, &pair.sub_id, config, Utc::now());
    let done = runner(&pair).run(state).await.unwrap();
    let Some(Outcome::Stuck {
        diagnosis,
        rule: FindWatch::TimeLimit,
        ..
    }) = &done.outcome
    else {
        panic!("{done:#?}");
    };
    assert!(
        diagnosis.advice.contains("findStagingMismatch"),
        "{diagnosis:?}"
    );
    assert_eq!(p.stats().await["findTriggers"], 1);
    assert!(csv_files(&pair.dir.path().join("reports")).is_empty());
}

/// Today's DX: a find none of whose operations changes for the stall limit is stalled (and a
/// find that changes is not: see `today_dx.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_whose_operations_stop_changing_is_stalled() {
    let pair = pair().await;
    let p = Sim::login(pair.publisher.url()).await;
    p.faults(json!({"stallNextFind": true})).await;
    let config = RunConfig {
        find_stall_secs: 1,
        ..RunConfig::default()
    };
    let state = RunState::new(RunKind::Find, &pair.sub_id, config, Utc::now());
    let done = runner(&pair).run(state).await.unwrap();
    let Some(Outcome::Stuck {
        rule: FindWatch::Progress,
        diagnosis,
        ..
    }) = &done.outcome
    else {
        panic!("{done:#?}");
    };
    assert!(
        diagnosis.advice.contains("initiateCollectionTreeTraversal"),
        "{diagnosis:?}"
    );
    assert!(done
        .find_activity
        .as_ref()
        .is_some_and(|a| a.in_progress >= 1));
    assert_eq!(p.stats().await["findTriggers"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_fetched_before_completion_is_marked_possibly_inaccurate() {
    let pair = pair().await;
    let p = Sim::login(pair.publisher.url()).await;
    p.faults(json!({"stallNextFind": true})).await;
    let c = client_for(pair.publisher.url());
    c.subscribers().start_find(&pair.sub_id).await.unwrap();
    let path = pair.dir.path().join("early.csv");
    let req = dx_staging::ReportRequest {
        subscriber_id: Some(pair.sub_id.clone()),
        ..Default::default()
    };
    let info = dx_staging::fetch_report(
        &c,
        &req,
        &path,
        &Default::default(),
        |_| {},
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(info.possibly_inaccurate);
    assert_eq!(info.status_at_fetch.as_deref(), Some("FIND_MISMATCH_START"));
    let meta = dx_staging::report::read_meta(&path).unwrap();
    assert!(meta.possibly_inaccurate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_watch_resumes_in_a_new_runner_without_a_second_trigger() {
    let pair = pair_with(|c| c.find_batch_delay = Duration::from_millis(100)).await;
    let p = Sim::login(pair.publisher.url()).await;
    let s = Sim::login(pair.subscriber.url()).await;
    let want = break_subscriber(&s).await;
    let cancel = tokio_util::sync::CancellationToken::new();
    let c2 = cancel.clone();
    let stopped = run_with_hook(
        runner(&pair).cancel_token(cancel),
        find_run(&pair.sub_id),
        "watching",
        || async move { c2.cancel() },
    )
    .await;
    assert!(!stopped.is_done());
    assert!(matches!(stopped.phase, Phase::Watching { .. }));
    // A new process: new clients, state from the file.
    let state = RunState::load(&pair.dir.path().join("run.json")).unwrap();
    assert_eq!(state, stopped);
    let done = runner(&pair).run(state).await.unwrap();
    assert_eq!(
        done.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        })
    );
    assert_eq!(p.stats().await["findTriggers"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_restarted_mid_resync() {
    let Pair {
        dir,
        publisher,
        subscriber,
        sub_id,
    } = pair_with(|c| c.sync_op_delay = Duration::from_millis(150)).await;
    let pub_url = publisher.url().to_string();
    let sub_port = subscriber.port();
    let p = Sim::login(&pub_url).await;
    let s = Sim::login(subscriber.url()).await;
    let want = break_subscriber(&s).await;
    let r = Runner::new(client_for(&pub_url))
        .subscriber_env(Some(client_for(subscriber.url())))
        .options(fast_driver())
        .report_dir(dir.path().join("reports"))
        .state_file(dir.path().join("run.json"));
    let found = r.run(find_run(&sub_id)).await.unwrap();
    assert_eq!(
        found.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        })
    );

    let resync = RunState::new(RunKind::Resync, &sub_id, RunConfig::default(), Utc::now());
    let slot = std::sync::Arc::new(tokio::sync::Mutex::new(Some(subscriber)));
    let slot2 = slot.clone();
    let db_dir = dir.path().to_path_buf();
    let done = run_with_hook(r.clone(), resync, "watchingOperations", || async move {
        let old = slot2.lock().await.take().unwrap();
        old.shutdown().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut cfg = config(dam_sim::Role::Subscriber, &db_dir, "sub.db", sub_port);
        cfg.sync_op_delay = Duration::from_millis(150);
        let again = dam_sim::start(cfg).await.expect("subscriber restarts");
        *slot2.lock().await = Some(again);
    })
    .await;
    assert!(
        matches!(
            done.outcome,
            Some(Outcome::ResyncDone {
                operations_watched: true,
                ..
            })
        ),
        "{done:#?}"
    );
    assert_eq!(p.stats().await["resyncTriggers"], 1);

    // Truthful: a new find after the restart-interrupted resync finds nothing left.
    p.send(
        reqwest::Method::DELETE,
        &format!("/dx/api/dam/v1/staging/mismatches?subscriberId={sub_id}"),
        None,
    )
    .await;
    let again = r.run(find_run(&sub_id)).await.unwrap();
    assert_eq!(again.outcome, Some(Outcome::InSync), "{again:#?}");
    assert!(temp_files(dir.path()).is_empty());
    drop(slot);
}
