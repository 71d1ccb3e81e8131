//! The documented safety rules, against dam-sim: two-way staging guard and pre-flights.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dx_staging::{Outcome, Rule, RunConfig, RunKind, RunState, Runner, Warning};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_is_refused_on_two_way_staging() {
    let pair = pair().await;
    let p = Sim::login(pair.publisher.url()).await;
    let s = Sim::login(pair.subscriber.url()).await;
    // The subscriber environment also publishes to this publisher.
    s.post(
        "/dx/api/dam/v1/staging/subscriber",
        json!({"targetHost": format!("127.0.0.1:{}", pair.publisher.port()), "cycleLength": 30, "status": true}),
    )
    .await;
    let runner = Runner::new(client_for(pair.publisher.url()))
        .subscriber_env(Some(client_for(pair.subscriber.url())))
        .options(fast_driver());
    let state = RunState::new(
        RunKind::Resync,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner.run(state).await.unwrap();
    assert!(
        matches!(&done.outcome, Some(Outcome::Refused { rule, .. }) if *rule == Rule::TwoWayStaging),
        "{done:#?}"
    );
    assert_eq!(p.stats().await["resyncTriggers"], 0);
}

/// A find, then a resync whose `sync*` operations are still running on the subscriber; answers
/// the runner (the subscriber environment linked) once the resync trigger completed.
async fn resync_operations_running(pair: &Pair, runner: &Runner) {
    let s = Sim::login(pair.subscriber.url()).await;
    break_subscriber(&s).await;
    let publisher = client_for(pair.publisher.url());
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    runner.run(find).await.unwrap();
    publisher
        .subscribers()
        .start_resync(&pair.sub_id)
        .await
        .unwrap();
    let mut waited = 0;
    while publisher
        .subscribers()
        .get(&pair.sub_id)
        .await
        .unwrap()
        .resync_status
        != Some(dx_staging::ResyncStatus::ResyncTriggerCompleted)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 500, "resync trigger never completed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_waits_for_sync_operations_at_work_then_runs() {
    let pair = pair_with(|c| c.sync_op_delay = Duration::from_millis(400)).await;
    let p = Sim::login(pair.publisher.url()).await;
    let runner = runner(&pair);
    resync_operations_running(&pair, &runner).await;
    // The sync operations change as they run: staging at work, waited for, then the find runs.
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let waited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = waited.clone();
    let done = run_with_hook(runner, find, "waitingForStaging", || async move {
        seen.store(true, std::sync::atomic::Ordering::SeqCst);
    })
    .await;
    assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
    assert!(
        matches!(
            &done.outcome,
            Some(Outcome::MismatchesFound { .. }) | Some(Outcome::InSync)
        ),
        "{done:#?}"
    );
    assert_eq!(done.waiting_since, None);
    assert_eq!(
        p.stats().await["findTriggers"],
        2,
        "the first find and this one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_is_refused_over_sync_operations_that_stopped_changing() {
    let pair = pair_with(|c| c.sync_op_delay = Duration::from_secs(4)).await;
    let p = Sim::login(pair.publisher.url()).await;
    let runner = runner(&pair);
    resync_operations_running(&pair, &runner).await;
    // Unchanged for longer than the routine window (1 s here): stuck, not a staging cycle.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let config = RunConfig {
        routine_window_secs: 1,
        clock_skew_secs: 0,
        ..RunConfig::default()
    };
    let find = RunState::new(RunKind::Find, &pair.sub_id, config, Utc::now());
    let done = runner.run(find).await.unwrap();
    assert!(
        matches!(&done.outcome, Some(Outcome::Refused { rule, message }) if *rule == Rule::PreflightFind && message.contains("not a routine staging cycle")),
        "{done:#?}"
    );
    assert_eq!(p.stats().await["findTriggers"], 1, "only the first find");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_subscriber_profile_the_run_says_what_was_not_checked() {
    let pair = pair().await;
    let runner = Runner::new(client_for(pair.publisher.url()))
        .options(fast_driver())
        .report_dir(pair.dir.path().join("reports"));
    let state = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner.run(state).await.unwrap();
    assert_eq!(done.outcome, Some(Outcome::InSync));
    assert!(done.warnings.contains(&Warning::SubscriberEnvUnchecked));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_subscriber_and_bad_password_are_named() {
    let pair = pair().await;
    let c = client_for(pair.publisher.url());
    let e = c.subscribers().get("no-such-id").await.unwrap_err();
    assert_eq!(e.code(), "unknown_subscriber", "{e}");
    let bad = dx_staging::Client::builder(&profile_for(pair.publisher.url()), "wrong")
        .build()
        .unwrap();
    assert_eq!(
        bad.subscribers().list().await.unwrap_err().code(),
        "bad_credentials"
    );
    let mut p = profile_for(pair.publisher.url());
    p.dx_username = dam_sim::DEFAULT_NON_ADMIN_USERNAME.into();
    let user = dx_staging::Client::builder(&p, dam_sim::DEFAULT_NON_ADMIN_PASSWORD)
        .build()
        .unwrap();
    assert_eq!(
        user.subscribers().list().await.unwrap_err().code(),
        "not_admin"
    );
}
