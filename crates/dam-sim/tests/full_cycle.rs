//! Seed, break the subscriber every way, find, resync, verify — all over real HTTP.

mod common;

use common::*;
use dam_sim::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_reports_exactly_the_damage_and_resync_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = start(config(Role::Publisher, dir.path(), "pub.db")).await;
    let subscriber = start(config(Role::Subscriber, dir.path(), "sub.db")).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    p.seed(4, 6).await;
    s.seed(4, 6).await;
    let sub_id = p
        .register(&format!("127.0.0.1:{}", subscriber.port()))
        .await;

    // In sync after seeding.
    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert!(p.logs(&sub_id, 10).await.is_empty());

    let touched = break_everything(&s).await;
    let expected = expected_logs(&touched);
    for t in TYPES {
        for a in ["CREATE", "UPDATE", "DELETE"] {
            assert!(
                expected.iter().any(|(et, ea, _)| et == t && ea == a),
                "no {a} for {t} in the damage"
            );
        }
    }

    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    let logs = p.logs(&sub_id, 10).await;
    assert_eq!(
        logs, expected,
        "mismatch logs must equal exactly what mutate reported"
    );

    // Filters: each type × action page has exactly its share.
    for (t, a, _) in expected.iter().take(5) {
        let v = p
            .ok(Method::GET, &format!("{DAM}/staging/mismatches?subscriberId={sub_id}&recordType={t}&recordAction={a}"), None)
            .await;
        let n = expected
            .iter()
            .filter(|(et, ea, _)| et == t && ea == a)
            .count();
        assert_eq!(v.as_array().unwrap().len(), n, "{t} {a}");
        assert!(v
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["recordType"] == t.as_str() && l["recordAction"] == a.as_str()));
    }

    assert_eq!(
        p.trigger_and_wait(&sub_id, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    let ops = s
        .ok(Method::GET, &format!("{DAM}/operations?limit=100000"), None)
        .await;
    let _ = ops; // operations may already be finishing; completion is awaited next
    let failed = s.wait_sync_done().await;
    assert!(failed.is_empty(), "failed sync operations: {failed:?}");

    let stats = s.ok(Method::GET, "/sim/v1/stats", None).await;
    assert_eq!(
        stats["syncOperationsSucceeded"].as_u64(),
        Some(expected.len() as u64),
        "{stats}"
    );

    p.ok(
        Method::DELETE,
        &format!("{DAM}/staging/mismatches?subscriberId={sub_id}"),
        None,
    )
    .await;
    assert!(p.logs(&sub_id, 10).await.is_empty());
    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert!(
        p.logs(&sub_id, 10).await.is_empty(),
        "after a clean resync a find yields no logs"
    );

    let stats = p.ok(Method::GET, "/sim/v1/stats", None).await;
    assert_eq!(stats["findTriggers"], json!(3));
    assert_eq!(stats["resyncTriggers"], json!(1));
    assert_eq!(stats["mismatchLogs"], json!(0));
    assert!(stats["requests"].as_u64().unwrap() > 10);

    publisher.shutdown().await;
    subscriber.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_on_both_sides_and_empty_types_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = start(config(Role::Publisher, dir.path(), "pub.db")).await;
    let subscriber = start(config(Role::Subscriber, dir.path(), "sub.db")).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    // The subscriber is empty: everything is CREATE.
    p.seed(1, 3).await;
    let sub_id = p
        .register(&format!("http://127.0.0.1:{}", subscriber.port()))
        .await;
    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    let logs = p.logs(&sub_id, 1000).await;
    let total: u64 = {
        let st = p.ok(Method::GET, "/sim/v1/stats", None).await;
        st["records"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum()
    };
    assert_eq!(logs.len() as u64, total);
    assert!(logs.iter().all(|(_, a, _)| a == "CREATE"));

    // Now the publisher is emptied of keywords (re-seed both, delete on the publisher side).
    // Today's DX keeps mismatch logs across finds, so they are deleted first, as HCL advises.
    p.ok(
        Method::DELETE,
        &format!("{DAM}/staging/mismatches?subscriberId={sub_id}"),
        None,
    )
    .await;
    p.seed(2, 8).await;
    s.seed(2, 8).await;
    let gone = p.mutate("KEYWORD", "delete", 100).await;
    let added = p.mutate("CUSTOM_URL", "add", 3).await;
    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    let logs = p.logs(&sub_id, 1000).await;
    let mut want: std::collections::BTreeSet<_> = gone
        .iter()
        .map(|(t, id, _)| (t.clone(), "DELETE".to_string(), id.clone()))
        .collect();
    want.extend(
        added
            .iter()
            .map(|(t, id, _)| (t.clone(), "CREATE".to_string(), id.clone())),
    );
    assert_eq!(logs, want);
}
