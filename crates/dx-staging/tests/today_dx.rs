//! Today's DX (CF218 and later) against `dam-sim`'s defaults, and the same scenarios on the
//! older DX where the rule differs: a long find judged by its progress, staging cycling in the
//! background, a job started elsewhere, today's operation names in a diagnosis, the records
//! endpoints' ten types, host names as DX registers them.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use dx_staging::{FindWatch, Outcome, Rule, RunConfig, RunKind, RunState};
use serde_json::json;

/// A simulated minute of 33 ms: HCL's 30 minutes last about a second.
const MINUTE: Duration = Duration::from_millis(33);

/// A find of about 45 simulated minutes whose operations change every simulated minute.
fn forty_five_minute_find(c: &mut dam_sim::EnvConfig) {
    c.minute = MINUTE;
    c.find_duration_minutes = Some(45);
}

async fn long_find(rule: FindWatch) -> (RunState, Pair) {
    let pair = pair_with(forty_five_minute_find).await;
    let s = Sim::login(pair.subscriber.url()).await;
    break_subscriber(&s).await;
    let config = RunConfig {
        find_watch: rule,
        // The older rule's 30 minutes, on this clock (1 s ≈ 30 simulated minutes).
        stuck_limit_secs: 1,
        // Today's rule: stalled after about 30 simulated minutes without any change.
        find_stall_secs: 1,
        ..RunConfig::default()
    };
    let state = RunState::new(RunKind::Find, &pair.sub_id, config, Utc::now());
    let done = runner(&pair).run(state).await.unwrap();
    (done, pair)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_45_minute_find_that_progresses_completes_under_todays_rule() {
    let (done, pair) = long_find(FindWatch::Progress).await;
    assert!(
        matches!(done.outcome, Some(Outcome::MismatchesFound { rows }) if rows > 0),
        "{done:#?}"
    );
    let activity = done.find_activity.expect("the find's operations were read");
    assert!(activity.operations >= 2, "{activity:?}");
    let p = Sim::login(pair.publisher.url()).await;
    assert_eq!(p.stats().await["findTriggers"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_find_under_the_older_30_minute_rule_is_declared_stuck() {
    let (done, _pair) = long_find(FindWatch::TimeLimit).await;
    assert!(
        matches!(
            &done.outcome,
            Some(Outcome::Stuck {
                rule: FindWatch::TimeLimit,
                ..
            })
        ),
        "{done:#?}"
    );
    let words = dx_staging::workflow::describe_outcome(done.outcome.as_ref().unwrap());
    assert!(words.contains("before CF218"), "{words}");
}

/// Staging cycles every 20 simulated minutes of 25 ms (half a second; HCL's default is 2 minutes
/// of seconds-long operations), each with routine
/// `sync*` operations that take 60 ms on the subscriber.
fn cycling(c: &mut dam_sim::EnvConfig) {
    c.minute = Duration::from_millis(25);
    c.cycle_sync_operations = 3;
    c.sync_op_delay = Duration::from_millis(60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_resync_and_verify_complete_with_staging_cycling_in_the_background() {
    // Fails rather than hangs if a watch never saw the cycles' operations end.
    tokio::time::timeout(Duration::from_secs(120), full_cycle_while_staging_cycles())
        .await
        .expect("the cycle ended within two minutes");
}

async fn full_cycle_while_staging_cycles() {
    let pair = pair_with(cycling).await;
    let p = Sim::login(pair.publisher.url()).await;
    let s = Sim::login(pair.subscriber.url()).await;
    // The pair registered the subscriber with a 30-minute cycle; make it 20 (500 ms here).
    p.send(
        reqwest::Method::PATCH,
        &format!("/dx/api/dam/v1/staging/subscriber/{}", pair.sub_id),
        Some(json!({"cycleLength": 20})),
    )
    .await;
    let want = break_subscriber(&s).await;
    let cycles_before = p.stats().await["cycles"].as_u64().unwrap();
    let runner = runner(&pair);
    let config = RunConfig {
        clear_stale_logs: true,
        ..RunConfig::default()
    };
    let find = runner
        .run(RunState::new(
            RunKind::Find,
            &pair.sub_id,
            config.clone(),
            Utc::now(),
        ))
        .await
        .unwrap();
    assert_eq!(
        find.outcome,
        Some(Outcome::MismatchesFound {
            rows: want.len() as u64
        }),
        "{find:#?}"
    );
    let resync = runner
        .run(RunState::new(
            RunKind::Resync,
            &pair.sub_id,
            config.clone(),
            Utc::now(),
        ))
        .await
        .unwrap();
    assert!(
        matches!(
            resync.outcome,
            Some(Outcome::ResyncDone {
                operations_watched: true,
                operations_failed: 0
            })
        ),
        "{resync:#?}"
    );
    let mut verify_config = config;
    verify_config.previous_report = find.report.as_ref().map(|r| r.path.clone());
    let verify = runner
        .run(RunState::new(
            RunKind::Verify,
            &pair.sub_id,
            verify_config,
            Utc::now(),
        ))
        .await
        .unwrap();
    assert!(
        matches!(verify.outcome, Some(Outcome::Verified { remaining: 0, .. })),
        "{verify:#?}"
    );
    let st = p.stats().await;
    assert!(
        st["cycles"].as_u64().unwrap() > cycles_before,
        "staging cycled meanwhile: {st}"
    );
    assert_eq!(st["findTriggers"], 2);
    assert_eq!(st["resyncTriggers"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_waits_for_a_routine_staging_cycle_and_says_so() {
    let pair = pair_with(|c| {
        c.cycle_sync_operations = 4;
        c.sync_op_delay = Duration::from_millis(900);
    })
    .await;
    let p = Sim::login(pair.publisher.url()).await;
    // A cycle now: its routine sync operations run on the subscriber for about a second.
    p.post("/sim/v1/cycles/run", json!({"subscriberId": pair.sub_id}))
        .await;
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let runner = runner(&pair).progress(tx);
    let task = tokio::spawn(async move { runner.run(find).await });
    let mut waiting_line = None;
    while let Some(progress) = rx.recv().await {
        if progress.phase.name() == "waitingForStaging" && waiting_line.is_none() {
            waiting_line = Some(progress.message.clone());
        }
    }
    let done = task.await.unwrap().unwrap();
    let line = waiting_line.expect("the find waited for the cycle");
    assert!(
        line.contains("routine staging cycle") && line.contains("sync operation"),
        "{line}"
    );
    assert_eq!(done.outcome, Some(Outcome::InSync), "{done:#?}");
    assert_eq!(p.stats().await["findTriggers"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_started_elsewhere_is_never_triggered_over() {
    let pair = pair_with(|c| {
        c.minute = MINUTE;
        c.find_duration_minutes = Some(60);
    })
    .await;
    let p = Sim::login(pair.publisher.url()).await;
    // DXClient (or another workstation) starts a find.
    p.send(
        reqwest::Method::PATCH,
        &format!("/dx/api/dam/v1/staging/subscriber/{}", pair.sub_id),
        Some(json!({"resyncStatus": "FIND_MISMATCH_START"})),
    )
    .await;
    for kind in [RunKind::Find, RunKind::Resync] {
        let state = RunState::new(kind, &pair.sub_id, RunConfig::default(), Utc::now());
        let done = runner(&pair).run(state).await.unwrap();
        assert!(
            matches!(&done.outcome, Some(Outcome::Refused { rule: Rule::JobRunning, message }) if message.contains("FIND_MISMATCH_START")),
            "{kind:?}: {done:#?}"
        );
    }
    // The plain trigger (the CLI without --wait) refuses as well.
    let e = client_for(pair.publisher.url())
        .subscribers()
        .start_resync(&pair.sub_id)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            dx_staging::Error::Refused {
                rule: Rule::JobRunning,
                ..
            }
        ),
        "{e}"
    );
    let st = p.stats().await;
    assert_eq!(st["findTriggers"], 1, "{st}");
    assert_eq!(st["resyncTriggers"], 0, "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_find_and_a_failed_resync_are_diagnosed_by_todays_operation_names() {
    let pair = pair().await;
    let p = Sim::login(pair.publisher.url()).await;
    p.faults(json!({"failNextFind": true})).await;
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner(&pair).run(find).await.unwrap();
    let Some(Outcome::FindFailed { diagnosis }) = &done.outcome else {
        panic!("{done:#?}");
    };
    assert!(diagnosis.failed_with_retries, "{diagnosis:?}");
    assert!(
        diagnosis.advice.contains("maxRecordsToCompare")
            && diagnosis.advice.contains("register it again"),
        "{diagnosis:?}"
    );
    let op = client_for(pair.publisher.url())
        .operations()
        .get(diagnosis.operation_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_ne!(op.trigger_function.as_deref(), Some("findStagingMismatch"));

    // A resync whose trigger fails: its resyncSubscriber operation says why.
    let s = Sim::login(pair.subscriber.url()).await;
    break_subscriber(&s).await;
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    runner(&pair).run(find).await.unwrap();
    p.faults(json!({"failNextResync": true})).await;
    let resync = RunState::new(
        RunKind::Resync,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner(&pair).run(resync).await.unwrap();
    assert_eq!(done.outcome, Some(Outcome::ResyncFailed), "{done:#?}");
    let d = done.diagnosis.expect("the resync was diagnosed");
    assert!(d.advice.contains("resyncSubscriber"), "{d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_older_dx_is_diagnosed_by_find_staging_mismatch() {
    let pair = pair_with(dam_sim::EnvConfig::set_older_dx).await;
    let p = Sim::login(pair.publisher.url()).await;
    p.faults(json!({"failNextFind": true})).await;
    let find = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner(&pair).run(find).await.unwrap();
    let Some(Outcome::FindFailed { diagnosis }) = &done.outcome else {
        panic!("{done:#?}");
    };
    let op = client_for(pair.publisher.url())
        .operations()
        .get(diagnosis.operation_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(op.trigger_function.as_deref(), Some("findStagingMismatch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_endpoints_are_asked_only_for_the_types_the_spec_lists() {
    let pair = pair_with(|c| c.find_stops_after_first_batch = true).await;
    let s = Sim::login(pair.subscriber.url()).await;
    break_subscriber(&s).await;
    s.mutate("PERMISSION", "delete", 1).await;
    let publisher = client_for(pair.publisher.url());
    // PERMISSION and RESOURCE: not comparable, nothing asked.
    let before = s.stats().await["requests"].as_u64().unwrap();
    assert_eq!(publisher.records().count("PERMISSION").await.unwrap(), None);
    let e = publisher
        .records()
        .details("RESOURCE", "r-1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_comparable", "{e}");
    assert!(e.to_string().contains("10 record types"), "{e}");
    // A type the server refuses with 400: not comparable, no error.
    assert_eq!(publisher.records().count("SMART_TAG").await.unwrap(), None);
    assert_eq!(
        s.stats().await["requests"].as_u64().unwrap(),
        before + 1,
        "only the stats call itself reached the subscriber"
    );
    // The completeness check keeps the ten types: a find that stopped early is still flagged.
    let state = RunState::new(
        RunKind::Find,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner(&pair).run(state).await.unwrap();
    let why = done
        .report
        .and_then(|r| r.possibly_partial)
        .expect("flagged possibly partial");
    assert!(!why.contains("PERMISSION"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_way_staging_is_found_when_the_publisher_is_registered_by_another_spelling() {
    let pair = pair().await;
    let s = Sim::login(pair.subscriber.url()).await;
    // The subscriber environment registers this publisher as DX would let an operator type it.
    s.post(
        "/dx/api/dam/v1/staging/subscriber",
        json!({"targetHost": format!("HTTP://127.0.0.1.:{}/", pair.publisher.port()), "cycleLength": 30, "status": true}),
    )
    .await;
    let state = RunState::new(
        RunKind::Resync,
        &pair.sub_id,
        RunConfig::default(),
        Utc::now(),
    );
    let done = runner(&pair).run(state).await.unwrap();
    assert!(
        matches!(
            &done.outcome,
            Some(Outcome::Refused {
                rule: Rule::TwoWayStaging,
                ..
            })
        ),
        "{done:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_of_an_unfinished_find_is_refused_unless_forced() {
    let pair = pair_with(|c| {
        c.minute = MINUTE;
        c.find_duration_minutes = Some(60);
    })
    .await;
    let publisher = client_for(pair.publisher.url());
    publisher
        .subscribers()
        .start_find(&pair.sub_id)
        .await
        .unwrap();
    let sub = publisher.subscribers().get(&pair.sub_id).await.unwrap();
    let e = dx_staging::readiness::check(&sub, false).unwrap_err();
    assert!(
        matches!(
            &e,
            dx_staging::Error::Refused {
                rule: Rule::FindNotComplete,
                ..
            }
        ),
        "{e}"
    );
    let forced = dx_staging::readiness::check(&sub, true).unwrap();
    assert!(forced.possibly_inaccurate());
}
