//! Periodic staging (DX's staging cycle) on a fast clock: `initiateNextSync` on the publisher,
//! `sync*` operations on the subscriber, authoring carried and drift left, routine operations,
//! deregistered and disabled subscribers not cycled.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use dam_sim::{EnvConfig, Role};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn fast(c: &mut EnvConfig, minute_ms: u64) {
    c.minute = Duration::from_millis(minute_ms);
    c.success_retention = Duration::from_secs(120);
}

async fn register(p: &Api, target: &str, body: Value) -> String {
    let mut b = body;
    b["targetHost"] = json!(target);
    let v = p
        .ok(Method::POST, &format!("{DAM}/staging/subscriber"), Some(b))
        .await;
    v["id"].as_str().unwrap().to_string()
}

/// The `{id, hash}` of one record on an environment (public or internal route by type).
async fn hash_of(api: &Api, t: &str, id: &str) -> Option<String> {
    let base = if t == "PERMISSION" || t == "RESOURCE" {
        "/sim/v1/staging/records".to_string()
    } else {
        format!("{DAM}/staging/records")
    };
    let v = api
        .ok(
            Method::GET,
            &format!("{base}?recordType={t}&firstId={id}&lastId={id}"),
            None,
        )
        .await;
    v["contents"][0]["hash"].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_carry_authoring_to_the_subscriber_and_leave_drift_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    fast(&mut pc, 20);
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    fast(&mut sc, 20);
    let publisher = start(pc).await;
    let subscriber = start(sc).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    p.seed(2, 3).await;
    s.seed(2, 3).await;
    let sub = register(
        &p,
        &format!("127.0.0.1:{}", subscriber.port()),
        json!({"cycleLength": 2, "status": true}),
    )
    .await;
    // Authoring on the publisher (staging carries it), drift on the subscriber (it does not).
    let authored = {
        let authoring = |t: &str, op: &str, n: u64| {
            let body = json!({"recordType": t, "op": op, "count": n, "authoring": true});
            let p = &p;
            async move { p.ok(Method::POST, "/sim/v1/mutate", Some(body)).await }
        };
        let mut v = Vec::new();
        for (t, op, n) in [
            ("KEYWORD", "alter", 2),
            ("MEDIA_ITEM", "add", 1),
            ("RENDITION", "delete", 1),
            ("PERMISSION", "alter", 1),
        ] {
            for r in authoring(t, op, n).await.as_array().unwrap() {
                v.push((
                    r["recordType"].as_str().unwrap().to_string(),
                    r["id"].as_str().unwrap().to_string(),
                    r["effect"].as_str().unwrap().to_string(),
                ));
            }
        }
        v
    };
    let drift = s.mutate("VERSION", "alter", 1).await;

    // Every authored record reaches the subscriber (a deleted one is deleted there).
    let (pr, sr) = (&p, &s);
    for (t, id, effect) in &authored {
        eventually(30, &format!("{effect} {t} {id} staged"), || async move {
            let want = hash_of(pr, t, id).await;
            (hash_of(sr, t, id).await == want).then_some(())
        })
        .await;
        if effect == "deleted" {
            assert_eq!(hash_of(sr, t, id).await, None);
        }
    }

    // The cycles: initiateNextSync on the publisher, the registration updated.
    let cycles = p.ops("triggerFunctions=initiateNextSync").await;
    assert!(!cycles.is_empty());
    assert!(cycles
        .iter()
        .all(|o| o["inputs"]["subscriberId"] == sub.as_str()));
    assert!(cycles
        .iter()
        .any(|o| o["status"] == "SUCCESS" && o["retryCounter"] == json!(0)));
    let cycle_ids: BTreeSet<String> = cycles
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    let reg = p.subscriber(&sub).await;
    assert!(reg["lastSyncTime"].is_string(), "{reg}");
    assert_eq!(reg["syncStatus"], "SUCCESS", "{reg}");

    // On the subscriber: sync* operations of those cycles, authored ones and routine ones.
    let ops = s.ops("").await;
    let of_cycles: Vec<&Value> = ops
        .iter()
        .filter(|o| {
            o["inputs"]["cycleId"]
                .as_str()
                .is_some_and(|c| cycle_ids.contains(c))
        })
        .collect();
    assert!(of_cycles.iter().all(|o| o["triggerFunction"]
        .as_str()
        .unwrap()
        .starts_with("syncStaging")));
    let carried: BTreeSet<(String, String)> = of_cycles
        .iter()
        .filter(|o| o["inputs"]["routine"].is_null())
        .map(|o| {
            (
                o["inputs"]["recordType"].as_str().unwrap().to_string(),
                o["inputs"]["recordId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = authored
        .iter()
        .map(|(t, id, _)| (t.clone(), id.clone()))
        .collect();
    assert_eq!(carried, want, "each authored record carried once");
    assert!(
        of_cycles
            .iter()
            .any(|o| o["inputs"]["routine"] == json!(true)),
        "routine operations every cycle"
    );
    assert!(of_cycles
        .iter()
        .any(|o| o["triggerFunction"] == "syncStagingCreatePermission"));

    // The drift is still there: a find (cycles keep running meanwhile) reports exactly it.
    assert_eq!(
        p.trigger_and_wait(&sub, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(p.logs(&sub, 100).await, expected_logs(&drift));
    let stats = p.ok(Method::GET, "/sim/v1/stats", None).await;
    assert!(stats["cycles"].as_u64().unwrap() >= 1, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_without_changes_creates_initiate_next_sync_and_routine_sync_operations() {
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    fast(&mut pc, 60_000);
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    fast(&mut sc, 60_000);
    sc.sync_op_delay = Duration::from_millis(300);
    let publisher = start(pc).await;
    let subscriber = start(sc).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    p.seed(1, 2).await;
    s.seed(1, 2).await;
    let sub = register(
        &p,
        &format!("127.0.0.1:{}", subscriber.port()),
        json!({"cycleLength": 2, "status": true}),
    )
    .await;

    // No routine operations: a cycle still runs, with nothing to send.
    let v = p
        .ok(
            Method::POST,
            "/sim/v1/cycles",
            Some(json!({"syncOperations": 0})),
        )
        .await;
    assert_eq!(v["syncOperations"], json!(0));
    assert_eq!(v["minuteMs"], json!(60_000));
    let r = p.ok(Method::POST, "/sim/v1/cycles/run", None).await;
    assert_eq!(r[0]["status"], "SUCCESS", "{r}");
    assert_eq!(r[0]["syncOperations"], json!(0));
    let op = p
        .ok(
            Method::GET,
            &format!("{DAM}/operations/{}", r[0]["operationId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        (op["triggerFunction"].as_str(), op["status"].as_str()),
        (Some("initiateNextSync"), Some("SUCCESS"))
    );
    assert!(s.ops("").await.is_empty());

    // Three routine operations each cycle: TODO → PROCESSING → SUCCESS on the subscriber.
    p.ok(
        Method::POST,
        "/sim/v1/cycles",
        Some(json!({"syncOperations": 3})),
    )
    .await;
    let r = p
        .ok(
            Method::POST,
            "/sim/v1/cycles/run",
            Some(json!({"subscriberId": sub})),
        )
        .await;
    assert_eq!(
        (
            r[0]["syncOperations"].as_u64(),
            r[0]["routineOperations"].as_u64()
        ),
        (Some(3), Some(3)),
        "{r}"
    );
    let cycle = r[0]["operationId"].as_str().unwrap().to_string();
    let sref = &s;
    let processing = eventually(10, "routine operations PROCESSING", || async move {
        let ops = sref.ops("status=PROCESSING").await;
        (!ops.is_empty()).then_some(ops)
    })
    .await;
    assert!(
        processing
            .iter()
            .all(|o| o["inputs"]["routine"] == json!(true)
                && o["inputs"]["cycleId"] == cycle.as_str())
    );
    assert!(s.wait_sync_settled().await.is_empty());
    let ops = s.ops("").await;
    assert_eq!(ops.len(), 3);
    assert!(ops.iter().all(|o| o["status"] == "SUCCESS"
        && o["updated"].as_str() > o["created"].as_str()
        && o["inputs"]["publisherHost"] == publisher.url()));
    // Nothing was written: the subscriber's records are as they were.
    assert_eq!(
        s.ok(Method::GET, "/sim/v1/stats", None).await["records"],
        p.ok(Method::GET, "/sim/v1/stats", None).await["records"]
    );
    let reg = p.subscriber(&sub).await;
    assert_eq!(reg["syncStatus"], "SUCCESS");

    // A cycle that fails (the subscriber refuses the publisher's login).
    p.ok(
        Method::POST,
        "/sim/v1/peer-credentials",
        Some(json!({"targetHost": format!("127.0.0.1:{}", subscriber.port()), "username": "wpsadmin", "password": "wrong"})),
    )
    .await;
    let r = p.ok(Method::POST, "/sim/v1/cycles/run", None).await;
    assert_eq!(r[0]["status"], "FAILED", "{r}");
    let op = p
        .ok(
            Method::GET,
            &format!("{DAM}/operations/{}", r[0]["operationId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(op["status"], "FAILED");
    assert!(op["errorInfo"]["message"].is_string(), "{op}");
    let reg = p.subscriber(&sub).await;
    assert_eq!(reg["syncStatus"], "FAILED", "{reg}");
    assert!(reg["syncFailureLogs"].is_string(), "{reg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deregistered_and_disabled_subscribers_are_not_cycled() {
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    fast(&mut pc, 10);
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    fast(&mut sc, 10);
    let publisher = start(pc).await;
    let subscriber = start(sc).await;
    let p = Api::admin(publisher.url()).await;
    let s = Api::admin(subscriber.url()).await;
    p.seed(1, 2).await;
    s.seed(1, 2).await;
    let port = subscriber.port();
    let active = register(
        &p,
        &format!("127.0.0.1:{port}"),
        json!({"cycleLength": 2, "status": true}),
    )
    .await;
    let disabled = register(
        &p,
        &format!("localhost:{port}"),
        json!({"cycleLength": 2, "status": false}),
    )
    .await;
    // HCL's registration sends only targetHost, cycleLength and status; no cycleLength: 2.
    let default_length = register(&p, &format!("http://127.0.0.1:{port}"), json!({})).await;

    let cycles_of = |id: String| {
        let p = &p;
        async move {
            p.ops("triggerFunctions=initiateNextSync")
                .await
                .into_iter()
                .filter(|o| o["inputs"]["subscriberId"] == id.as_str())
                .count()
        }
    };
    let c = &cycles_of;
    let a = active.clone();
    eventually(30, "three cycles of the active subscriber", || {
        let a = a.clone();
        async move { (c(a).await >= 3).then_some(()) }
    })
    .await;
    assert_eq!(
        cycles_of(disabled.clone()).await,
        0,
        "status false: not cycled"
    );
    let view = p.ok(Method::GET, "/sim/v1/cycles", None).await;
    let entry = |id: &str| {
        view["subscribers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["subscriberId"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(entry(&default_length)["cycleLengthMinutes"], json!(2.0));
    assert_eq!(entry(&disabled)["cycles"], json!(0));
    assert_eq!(entry(&disabled)["nextCycleInMs"], Value::Null);
    assert!(entry(&active)["cycles"].as_u64().unwrap() >= 3);
    let (st, _) = p
        .call(
            Method::POST,
            "/sim/v1/cycles/run",
            Some(json!({"subscriberId": disabled})),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::CONFLICT,
        "status false is not cycled on request either"
    );

    // Deregistered: no more cycles.
    p.ok(
        Method::DELETE,
        &format!("{DAM}/staging/subscriber/{active}"),
        None,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = cycles_of(active.clone()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        cycles_of(active.clone()).await,
        before,
        "20 cycle lengths later, still no new cycle"
    );
    assert!(p
        .ops("status=PROCESSING&triggerFunctions=initiateNextSync")
        .await
        .iter()
        .all(|o| o["inputs"]["subscriberId"] != active.as_str()));
    let view = p.ok(Method::GET, "/sim/v1/cycles", None).await;
    assert!(!view.to_string().contains(&active));
    // Turned off at runtime: no more cycles for anyone.
    p.ok(
        Method::POST,
        "/sim/v1/cycles",
        Some(json!({"enabled": false})),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let n = p.ops("triggerFunctions=initiateNextSync").await.len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(p.ops("triggerFunctions=initiateNextSync").await.len(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_older_dx_has_no_staging_cycles() {
    // Older DX on purpose: no periodic staging.
    let dir = tempfile::tempdir().unwrap();
    let mut pc = config(Role::Publisher, dir.path(), "pub.db").older_dx();
    fast(&mut pc, 10);
    let publisher = start(pc).await;
    let p = Api::admin(publisher.url()).await;
    p.seed(1, 1).await;
    register(&p, "127.0.0.1:9", json!({"cycleLength": 1, "status": true})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(p.ops("triggerFunctions=initiateNextSync").await.is_empty());
    let v = p.ok(Method::GET, "/sim/v1/cycles", None).await;
    assert_eq!(v["enabled"], json!(false));
}
