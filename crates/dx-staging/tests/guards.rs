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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_is_refused_while_sync_operations_run_on_the_subscriber() {
    let pair = pair_with(|c| c.sync_op_delay = Duration::from_millis(400)).await;
    let p = Sim::login(pair.publisher.url()).await;
    let s = Sim::login(pair.subscriber.url()).await;
    break_subscriber(&s).await;
    let publisher = client_for(pair.publisher.url());
    let runner = Runner::new(publisher.clone())
        .subscriber_env(Some(client_for(pair.subscriber.url())))
        .options(fast_driver())
        .report_dir(pair.dir.path().join("reports"));
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    runner.run(find).await.unwrap();
    // A resync whose operations are still running on the subscriber.
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
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner.run(find).await.unwrap();
    assert!(
        matches!(&done.outcome, Some(Outcome::Refused { rule, .. }) if *rule == Rule::PreflightFind),
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
