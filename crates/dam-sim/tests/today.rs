//! Today's DX (CF218 and later) by default, and the older DX of HCL's first feature page with
//! `EnvConfig::older_dx`: find and resync operations, a second trigger, mismatch logs across
//! finds, the records endpoints' record types, a long find on a fast clock, and per-peer
//! credentials.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::spec::{message, Checked, Spec};
use common::*;
use dam_sim::{EnvConfig, Role, RunningEnv};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A publisher and a subscriber seeded alike (2 collections × 3 items), the subscriber
/// registered; `tweak` adjusts both configurations.
struct Pair {
    _publisher: RunningEnv,
    _subscriber: RunningEnv,
    p: Api,
    s: Api,
    sub_id: String,
}

async fn pair(tweak: impl Fn(&mut EnvConfig)) -> (tempfile::TempDir, Pair) {
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    tweak(&mut pc);
    tweak(&mut sc);
    let publisher = start(pc).await;
    let subscriber = start(sc).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    p.seed(2, 3).await;
    s.seed(2, 3).await;
    let sub_id = p
        .register(&format!("127.0.0.1:{}", subscriber.port()))
        .await;
    (
        dir,
        Pair {
            _publisher: publisher,
            _subscriber: subscriber,
            p,
            s,
            sub_id,
        },
    )
}

fn triggers(ops: &[Value]) -> BTreeSet<String> {
    ops.iter()
        .map(|o| o["triggerFunction"].as_str().unwrap().to_string())
        .collect()
}

fn of<'a>(ops: &'a [Value], trigger: &str) -> Vec<&'a Value> {
    ops.iter()
        .filter(|o| o["triggerFunction"] == trigger)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_find_runs_as_todays_operations_with_visible_progress() {
    let (_dir, x) = pair(|c| {
        c.success_retention = Duration::from_secs(120);
        c.find_batch_delay = Duration::from_millis(40);
    })
    .await;
    let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
    let mut touched = s.mutate("PERMISSION", "delete", 1).await;
    touched.extend(s.mutate("RESOURCE", "alter", 1).await);
    touched.extend(s.mutate("KEYWORD", "add", 1).await);
    touched.extend(s.mutate("MEDIA_ITEM", "alter", 1).await);
    let expected = expected_logs(&touched);

    let (st, v) = p.trigger(sub, "FIND_MISMATCH_START").await;
    assert_eq!(
        (st, v["resyncStatus"].as_str()),
        (StatusCode::OK, Some("FIND_MISMATCH_START"))
    );
    // Watch the operations while the find runs.
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut main_updated: BTreeSet<String> = BTreeSet::new();
    let mut counts: BTreeSet<usize> = BTreeSet::new();
    let t0 = Instant::now();
    while p.resync_status(sub).await == "FIND_MISMATCH_START" {
        let ops = p.ops("").await;
        counts.insert(ops.len());
        for o in &ops {
            seen.insert((
                o["triggerFunction"].as_str().unwrap().into(),
                o["status"].as_str().unwrap().into(),
            ));
            if o["triggerFunction"] == "initiateCollectionTreeTraversal"
                && o["status"] == "PROCESSING"
            {
                main_updated.insert(o["updated"].as_str().unwrap().into());
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "the find runs on");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(p.resync_status(sub).await, "FIND_MISMATCH_COMPLETED");
    assert_eq!(p.logs(sub, 100).await, expected);
    for t in [
        "initiateCollectionTreeTraversal",
        "compareRecords",
        "processCollection",
        "processCollectionItems",
        "findStagingPermissionsMismatch",
    ] {
        assert!(
            seen.contains(&(t.to_string(), "PROCESSING".to_string())),
            "{t} never seen PROCESSING: {seen:?}"
        );
    }
    assert!(
        main_updated.len() >= 3,
        "the main operation's `updated` moves while it runs: {main_updated:?}"
    );
    assert!(counts.len() >= 3, "the operations' count grows: {counts:?}");

    let ops = p.ops("").await;
    assert_eq!(
        triggers(&ops),
        [
            "compareRecords",
            "findStagingPermissionsMismatch",
            "initiateCollectionTreeTraversal",
            "processCollection",
            "processCollectionItems",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        "no findStagingMismatch in today's DX"
    );
    assert!(ops.iter().all(|o| o["status"] == "SUCCESS"), "{ops:?}");
    for o in &ops {
        assert_eq!(o["inputs"]["subscriberId"], sub, "{o}");
        assert!(o["updated"].as_str() >= o["created"].as_str(), "{o}");
    }
    let main = of(&ops, "initiateCollectionTreeTraversal");
    assert_eq!(main.len(), 1);
    assert!(main[0]["updated"].as_str() > main[0]["created"].as_str());
    // compareRecords: one or more per non-permission type; permissions under their own op.
    let compared: BTreeSet<&str> = of(&ops, "compareRecords")
        .iter()
        .map(|o| o["inputs"]["recordType"].as_str().unwrap())
        .collect();
    assert_eq!(compared, SPEC_RECORD_TYPES.iter().copied().collect());
    assert_eq!(
        of(&ops, "findStagingPermissionsMismatch")[0]["inputs"]["recordTypes"],
        json!(["RESOURCE", "PERMISSION"])
    );
    assert_eq!(
        of(&ops, "processCollection")[0]["inputs"]["recordTypes"],
        json!(["COLLECTION"])
    );

    // A resync is a resyncSubscriber operation on the publisher.
    assert_eq!(
        p.trigger_and_wait(sub, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    let resyncs = p.ops("triggerFunctions=resyncSubscriber").await;
    assert_eq!(resyncs.len(), 1, "{resyncs:?}");
    assert_eq!(resyncs[0]["status"], "SUCCESS");
    assert_eq!(resyncs[0]["inputs"]["subscriberId"], sub);
    assert!(s.wait_sync_settled().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_older_dx_has_one_find_staging_mismatch_operation_and_none_for_a_resync() {
    // Older DX on purpose: the single findStagingMismatch operation of HCL's first page.
    let (_dir, x) = pair(|c| {
        c.set_older_dx();
        c.success_retention = Duration::from_secs(120);
    })
    .await;
    let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
    let expected = expected_logs(&s.mutate("PERMISSION", "alter", 2).await);
    assert_eq!(
        p.trigger_and_wait(sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(p.logs(sub, 100).await, expected);
    assert_eq!(
        p.trigger_and_wait(sub, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    let ops = p.ops("").await;
    assert_eq!(triggers(&ops), ["findStagingMismatch".to_string()].into());
    assert_eq!(ops.len(), 1);
    assert!(s.wait_sync_settled().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_find_failure_ends_failed_with_retries_and_error_info() {
    let (_dir, x) = pair(|c| c.success_retention = Duration::from_secs(120)).await;
    let (p, sub) = (&x.p, x.sub_id.as_str());
    p.ok(
        Method::POST,
        "/sim/v1/faults",
        Some(json!({"failNextFind": true})),
    )
    .await;
    assert_eq!(
        p.trigger_and_wait(sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_FAILED"
    );
    let ops = p.ops("").await;
    let failed: Vec<&Value> = ops.iter().filter(|o| o["status"] == "FAILED").collect();
    assert_eq!(
        triggers(&failed.iter().map(|o| (*o).clone()).collect::<Vec<_>>()),
        [
            "compareRecords".to_string(),
            "initiateCollectionTreeTraversal".to_string()
        ]
        .into(),
        "{ops:?}"
    );
    for o in &failed {
        assert_eq!(o["retryCounter"], json!(2), "{o}");
        assert!(
            message(&json!({"error": o["errorInfo"]})).contains("injected fault"),
            "{o}"
        );
    }
    // The two earlier attempts' window operations were superseded, not failed.
    let aborted = p.ops("status=ABORT").await;
    assert_eq!(aborted.len(), 2, "{aborted:?}");
    assert!(aborted
        .iter()
        .all(|o| o["triggerFunction"] == "compareRecords"
            && o["errorInfo"]["message"]
                .as_str()
                .unwrap()
                .starts_with("superseded")));
    assert_eq!(p.log_count(sub).await, 0);

    // A failed resync ends its resyncSubscriber operation FAILED with the error.
    p.ok(
        Method::POST,
        "/sim/v1/faults",
        Some(json!({"failNextResync": true})),
    )
    .await;
    assert_eq!(
        p.trigger_and_wait(sub, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_FAILED"
    );
    let resync = p.ops("triggerFunctions=resyncSubscriber").await;
    assert_eq!(resync.len(), 1);
    assert_eq!(resync[0]["status"], "FAILED");
    assert!(resync[0]["errorInfo"]["message"]
        .as_str()
        .unwrap()
        .contains("injected fault"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_trigger_answers_200_and_leaves_the_running_find_alone() {
    let (_dir, x) = pair(|c| c.success_retention = Duration::from_secs(120)).await;
    let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
    let expected = expected_logs(&s.mutate("RENDITION", "alter", 3).await);
    s.ok(
        Method::POST,
        "/sim/v1/faults",
        Some(json!({"latencyMs": 150})),
    )
    .await;
    let mut c = Checked {
        api: p,
        dam: Spec::dam(),
        ring: Spec::ring(),
    };
    let one_t = format!("{DAM}/staging/subscriber/{{subscriber_id}}");
    let one = format!("{DAM}/staging/subscriber/{sub}");
    let (st, first) = c
        .call(
            Method::PATCH,
            &one_t,
            &one,
            Some(json!({"resyncStatus": "FIND_MISMATCH_START"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let main = p
        .ops("triggerFunctions=initiateCollectionTreeTraversal")
        .await;
    assert_eq!(main.len(), 1);
    let created = main[0]["created"].clone();
    for again in ["FIND_MISMATCH_START", "RESYNC_TRIGGER_START"] {
        let (st, v) = c
            .call(
                Method::PATCH,
                &one_t,
                &one,
                Some(json!({"resyncStatus": again})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{again}: {v}");
        assert_eq!(v["resyncStatus"], "FIND_MISMATCH_START", "{v}");
        assert_eq!(v["created"], first["created"]);
    }
    let main = p
        .ops("triggerFunctions=initiateCollectionTreeTraversal")
        .await;
    assert_eq!(main.len(), 1, "not doubled: {main:?}");
    assert_eq!(main[0]["created"], created, "not restarted");
    assert_eq!(main[0]["retryCounter"], json!(0));
    s.ok(Method::DELETE, "/sim/v1/faults", None).await;
    assert_eq!(
        p.wait_status(sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(p.logs(sub, 100).await, expected, "one find's logs, once");
    let stats = p.ok(Method::GET, "/sim/v1/stats", None).await;
    assert_eq!(stats["findTriggers"], json!(1));
    assert_eq!(stats["resyncTriggers"], json!(0));
    assert!(p.ops("triggerFunctions=resyncSubscriber").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_older_dx_refuses_a_second_trigger_with_409() {
    // Older DX on purpose: conflict_on_second_trigger.
    let (_dir, x) = pair(|c| *c = c.clone().older_dx()).await;
    let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
    s.ok(
        Method::POST,
        "/sim/v1/faults",
        Some(json!({"latencyMs": 150})),
    )
    .await;
    assert_eq!(
        p.trigger(sub, "FIND_MISMATCH_START").await.0,
        StatusCode::OK
    );
    for again in ["FIND_MISMATCH_START", "RESYNC_TRIGGER_START"] {
        let (st, v) = p.trigger(sub, again).await;
        assert_eq!(st, StatusCode::CONFLICT, "{again}: {v}");
        assert!(message(&v).contains("already running"), "{v}");
    }
    s.ok(Method::DELETE, "/sim/v1/faults", None).await;
    assert_eq!(
        p.wait_status(sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_endpoints_refuse_permission_and_resource_but_the_find_finds_their_drift() {
    let (_dir, x) = pair(|_| {}).await;
    let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
    for api in [p, s] {
        for (path, name) in [
            (
                "/staging/records/PERMISSION?offset=0&limit=5",
                "path parameter `recordType`",
            ),
            (
                "/staging/records/RESOURCE/summary",
                "path parameter `recordType`",
            ),
            (
                "/staging/records/RESOURCE/x?details=true",
                "path parameter `recordType`",
            ),
            (
                "/staging/records?recordType=PERMISSION",
                "query parameter `recordType`",
            ),
        ] {
            let (st, v) = api.get(&format!("{DAM}{path}")).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{path}: {v}");
            assert!(
                message(&v).contains(name) && message(&v).contains("allowed: COLLECTION"),
                "{v}"
            );
        }
    }
    let mut touched = Vec::new();
    for op in ["delete", "alter", "add"] {
        for t in ["PERMISSION", "RESOURCE"] {
            touched.extend(s.mutate(t, op, 1).await);
        }
    }
    let expected = expected_logs(&touched);
    assert!(expected.iter().any(|(t, _, _)| t == "RESOURCE"));
    assert!(expected.iter().any(|(t, _, _)| t == "PERMISSION"));
    assert_eq!(
        p.trigger_and_wait(sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(p.logs(sub, 100).await, expected);
    // The resync's sync operations fetch them through the internal route too.
    assert_eq!(
        p.trigger_and_wait(sub, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    assert!(s.wait_sync_settled().await.is_empty());
    p.ok(
        Method::DELETE,
        &format!("{DAM}/staging/mismatches?subscriberId={sub}"),
        None,
    )
    .await;
    assert_eq!(
        p.trigger_and_wait(sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert!(p.logs(sub, 100).await.is_empty(), "repaired");

    // Older DX on purpose: the public endpoints took all twelve types.
    let dir = tempfile::tempdir().unwrap();
    let old = start(config(Role::Subscriber, dir.path(), "old.db").older_dx()).await;
    let o = Api::admin(old.url()).await;
    o.seed(1, 2).await;
    let (st, v) = o
        .get(&format!(
            "{DAM}/staging/records/PERMISSION?offset=0&limit=5"
        ))
        .await;
    assert_eq!((st, v["count"].as_u64()), (StatusCode::OK, Some(2)), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mismatch_logs_are_kept_across_finds_and_replaced_by_the_older_dx() {
    for older in [false, true] {
        // `older`: the older DX on purpose (a find replaced the logs).
        let (_dir, x) = pair(|c| {
            if older {
                c.set_older_dx();
            }
        })
        .await;
        let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
        s.mutate("KEYWORD", "alter", 2).await;
        for round in 1..=3 {
            assert_eq!(
                p.trigger_and_wait(sub, "FIND_MISMATCH_START").await,
                "FIND_MISMATCH_COMPLETED"
            );
            let want = if older { 2 } else { 2 * round };
            assert_eq!(p.log_count(sub).await, want, "older {older}, find {round}");
        }
        // Deleting them first (HCL's advice) gives one find's logs.
        p.ok(
            Method::DELETE,
            &format!("{DAM}/staging/mismatches?subscriberId={sub}"),
            None,
        )
        .await;
        assert_eq!(
            p.trigger_and_wait(sub, "FIND_MISMATCH_START").await,
            "FIND_MISMATCH_COMPLETED"
        );
        assert_eq!(p.log_count(sub).await, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_45_minute_find_on_a_fast_clock_completes_with_progressing_operations() {
    let minute = Duration::from_millis(40);
    let (_dir, x) = pair(|c| {
        c.minute = minute;
        c.find_duration_minutes = Some(45);
        c.success_retention = Duration::from_secs(120);
    })
    .await;
    let (p, s, sub) = (&x.p, &x.s, x.sub_id.as_str());
    let expected = expected_logs(&s.mutate("VERSION", "alter", 2).await);
    let t0 = Instant::now();
    assert_eq!(
        p.trigger(sub, "FIND_MISMATCH_START").await.0,
        StatusCode::OK
    );
    // The main operation's `updated` over the find (distinct values, in order).
    let mut updates: Vec<String> = Vec::new();
    let mut windows: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let status = p.resync_status(sub).await;
        for o in p.ops("").await {
            if o["triggerFunction"] == "initiateCollectionTreeTraversal"
                && o["status"] == "PROCESSING"
            {
                let u = o["updated"].as_str().unwrap().to_string();
                if updates.last() != Some(&u) {
                    updates.push(u);
                }
            }
            if o["triggerFunction"] == "compareRecords" {
                windows.insert(
                    o["id"].as_str().unwrap().into(),
                    o["status"].as_str().unwrap().into(),
                );
            }
        }
        if status != "FIND_MISMATCH_START" {
            assert_eq!(status, "FIND_MISMATCH_COMPLETED");
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(8)).await;
    }
    let took = t0.elapsed();
    assert!(
        took >= minute * 45 * 9 / 10,
        "45 simulated minutes of {minute:?}: took {took:?}"
    );
    assert_eq!(p.logs(sub, 100).await, expected);
    assert!(
        updates.len() >= 30,
        "progress at least every simulated minute: {} updates",
        updates.len()
    );
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> = updates
        .iter()
        .map(|u| chrono::DateTime::parse_from_rfc3339(u).unwrap())
        .collect();
    let gaps: Vec<i64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).num_milliseconds())
        .collect();
    let mut sorted = gaps.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    assert!(
        median <= 2 * minute.as_millis() as i64,
        "updated changes about every simulated minute: median gap {median} ms ({gaps:?})"
    );
    assert!(windows.len() > 10, "{windows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_with_other_admin_credentials_needs_the_staging_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    sc.username = "subadmin".into();
    sc.password = "sub-secret".into();
    let subscriber = start(sc).await;
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    pc.success_retention = Duration::from_secs(120);
    let publisher = start(pc.clone()).await;
    let p = Api::admin(publisher.url()).await;
    let mut s = Api::new(subscriber.url());
    s.login("subadmin", "sub-secret").await;
    p.seed(1, 3).await;
    s.seed(1, 3).await;
    let expected = expected_logs(&s.mutate("COLLECTION", "alter", 1).await);
    let target = format!("127.0.0.1:{}", subscriber.port());
    let sub = p.register(&target).await;

    // The publisher's own credentials do not open the subscriber.
    assert_eq!(
        p.trigger_and_wait(&sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_FAILED"
    );
    let failed = p.ops("status=FAILED&triggerFunctions=compareRecords").await;
    assert!(
        failed[0]["errorInfo"]["message"]
            .as_str()
            .unwrap()
            .contains("peer-credentials"),
        "{failed:?}"
    );

    // The secret, set at runtime: the find works; the subscriber's worker needs the
    // publisher's credentials the same way.
    let listed = p
        .ok(
            Method::POST,
            "/sim/v1/peer-credentials",
            Some(json!({"targetHost": target, "username": "subadmin", "password": "sub-secret"})),
        )
        .await;
    assert_eq!(
        listed,
        json!([{"targetHost": target, "username": "subadmin"}])
    );
    assert!(!listed.to_string().contains("sub-secret"));
    s.ok(
        Method::POST,
        "/sim/v1/peer-credentials",
        Some(
            json!({"targetHost": publisher.url(), "username": "wpsadmin", "password": "wpsadmin"}),
        ),
    )
    .await;
    assert_eq!(
        p.trigger_and_wait(&sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(p.logs(&sub, 100).await, expected);
    assert_eq!(
        p.trigger_and_wait(&sub, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    assert!(s.wait_sync_settled().await.is_empty());

    // Removed again: refused again.
    let (st, _) = p
        .call(
            Method::DELETE,
            &format!("/sim/v1/peer-credentials?targetHost={target}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(p.get("/sim/v1/peer-credentials").await.1, json!([]));
    p.ok(
        Method::DELETE,
        &format!("{DAM}/staging/mismatches?subscriberId={sub}"),
        None,
    )
    .await;
    assert_eq!(
        p.trigger_and_wait(&sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_FAILED"
    );

    // The same through EnvConfig::peer_credentials.
    publisher.shutdown().await;
    pc.port = 0;
    pc.db_path = dir.path().join("pub2.db");
    pc.peer_credentials
        .insert(target.clone(), ("subadmin".into(), "sub-secret".into()));
    let publisher = start(pc).await;
    let p = Api::admin(publisher.url()).await;
    p.seed(1, 3).await;
    let sub = p.register(&target).await;
    assert_eq!(
        p.trigger_and_wait(&sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert!(p.logs(&sub, 100).await.is_empty(), "repaired by the resync");
}

#[test]
fn the_older_dx_preset_switches_every_option_back() {
    let now = EnvConfig::new(Role::Publisher, "x.db");
    assert_eq!(now.find_operations, dam_sim::FindOperations::Current);
    assert!(now.keep_logs_on_find);
    assert!(!now.conflict_on_second_trigger);
    assert!(now.strict_record_types);
    assert!(now.staging_cycles);
    assert_eq!(now.minute, Duration::from_secs(60));
    assert!(now.peer_credentials.is_empty());
    assert_eq!(now.find_duration_minutes, None);
    let old = now.clone().older_dx();
    assert_eq!(old.find_operations, dam_sim::FindOperations::Legacy);
    assert!(!old.keep_logs_on_find);
    assert!(old.conflict_on_second_trigger);
    assert!(!old.strict_record_types);
    assert!(!old.staging_cycles);
    assert_eq!(old.minute, now.minute, "other fields are left as they are");
    let mut again = now;
    again.set_older_dx();
    assert_eq!(again.find_operations, old.find_operations);
}
