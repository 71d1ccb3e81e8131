//! Killing and restarting an environment mid-job: jobs resume and end truthfully.

mod common;

use std::time::{Duration, Instant};

use common::*;
use dam_sim::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_and_sync_operations_resume_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    pc.max_records_to_compare = 4;
    pc.find_batch_delay = Duration::from_millis(40);
    let publisher = start(pc.clone()).await;
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    sc.worker_concurrency = 1;
    sc.worker_batch = 4;
    sc.sync_op_delay = Duration::from_millis(60);
    let subscriber = start(sc.clone()).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    p.seed(2, 5).await;
    s.seed(2, 5).await;
    let mut touched = s.mutate("MEDIA_ITEM", "delete", 2).await;
    touched.extend(s.mutate("KEYWORD", "alter", 3).await);
    touched.extend(s.mutate("RENDITION", "add", 2).await);
    let expected = expected_logs(&touched);
    let sub_id = p
        .register(&format!("127.0.0.1:{}", subscriber.port()))
        .await;

    // Start a find and kill the publisher while it runs.
    p.ok(
        Method::PATCH,
        &format!("{DAM}/staging/subscriber/{sub_id}"),
        Some(json!({"resyncStatus": "FIND_MISMATCH_START"})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        p.resync_status(&sub_id).await,
        "FIND_MISMATCH_START",
        "the find must still run when killed"
    );
    let port = publisher.port();
    publisher.shutdown().await;

    pc.port = port;
    let publisher = start(pc.clone()).await;
    assert_eq!(publisher.port(), port);
    let p = Api::admin(publisher.url()).await;
    assert_eq!(
        p.wait_status(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(
        p.logs(&sub_id, 5).await,
        expected,
        "the resumed find reports exactly the damage, once"
    );
    let ops = p
        .ok(
            Method::GET,
            &format!("{DAM}/operations?triggerFunctions=initiateCollectionTreeTraversal"),
            None,
        )
        .await;
    let op = &ops.as_array().unwrap()[0];
    assert_eq!(op["status"], "SUCCESS");
    assert_eq!(
        op["retryCounter"],
        json!(1),
        "the interrupted attempt counts: {op}"
    );
    // The interrupted attempt's window operations were superseded, not left running.
    let stale = p
        .ok(
            Method::GET,
            &format!("{DAM}/operations?triggerFunctions=compareRecords&status=PROCESSING"),
            None,
        )
        .await;
    assert_eq!(stale, json!([]), "no compareRecords left PROCESSING");

    // Resync, and kill the subscriber while its worker processes the sync operations.
    assert_eq!(
        p.trigger_and_wait(&sub_id, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    let t0 = Instant::now();
    loop {
        let st = s.ok(Method::GET, "/sim/v1/stats", None).await;
        if st["syncOperationsSucceeded"].as_u64().unwrap_or(0) >= 2 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let port = subscriber.port();
    subscriber.shutdown().await;
    sc.port = port;
    let subscriber = start(sc).await;
    let s = Api::admin(subscriber.url()).await;
    let ops = s
        .ok(Method::GET, &format!("{DAM}/operations?limit=1000"), None)
        .await;
    assert!(
        ops.as_array().unwrap().iter().any(|o| o["status"] == "TODO"
            || o["status"] == "RETRY"
            || o["status"] == "PROCESSING"),
        "work was left when the subscriber stopped"
    );
    let failed = s.wait_sync_done().await;
    assert!(failed.is_empty(), "{failed:?}");
    p.ok(
        Method::DELETE,
        &format!("{DAM}/staging/mismatches?subscriberId={sub_id}"),
        None,
    )
    .await;
    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert!(
        p.logs(&sub_id, 100).await.is_empty(),
        "resumed sync operations repaired everything"
    );
    drop(publisher);
    drop(subscriber);
}
