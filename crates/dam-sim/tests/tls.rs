//! `tls: true`: HTTPS with a generated certificate whose CA is written next to the database.

mod common;

use common::*;
use dam_sim::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_the_written_ca_and_find_across_tls() {
    let dir = tempfile::tempdir().unwrap();
    let mut sc = config(Role::Subscriber, dir.path(), "sub.db");
    sc.tls = true;
    let subscriber = start(sc).await;
    assert!(
        subscriber.url().starts_with("https://127.0.0.1:"),
        "{}",
        subscriber.url()
    );
    let ca = subscriber.ca_pem_path().expect("a CA file").to_path_buf();
    assert_eq!(ca, dir.path().join("sub.db.ca.pem"));
    let pem = std::fs::read(&ca).unwrap();
    assert!(String::from_utf8_lossy(&pem).contains("BEGIN CERTIFICATE"));

    // Verified by default: a client that does not trust the CA is refused.
    let plain = reqwest::Client::new();
    let err = plain
        .post(format!("{}{RING}/auth/login", subscriber.url()))
        .send()
        .await;
    assert!(
        err.is_err(),
        "an untrusted certificate must fail verification"
    );

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let mut s = Api::with_client(subscriber.url(), trusting.clone());
    s.login(dam_sim::DEFAULT_USERNAME, dam_sim::DEFAULT_PASSWORD)
        .await;
    // `localhost` is in the certificate too.
    let mut s2 = Api::with_client(
        &subscriber.url().replace("127.0.0.1", "localhost"),
        trusting,
    );
    s2.login(dam_sim::DEFAULT_USERNAME, dam_sim::DEFAULT_PASSWORD)
        .await;

    // A plain-HTTP publisher that trusts the subscriber's CA finds mismatches over HTTPS.
    let mut pc = config(Role::Publisher, dir.path(), "pub.db");
    pc.trusted_ca_pems = vec![ca];
    let publisher = start(pc).await;
    assert!(publisher.ca_pem_path().is_none());
    let p = Api::admin(publisher.url()).await;
    p.seed(1, 4).await;
    s.seed(1, 4).await;
    let expected = expected_logs(&s.mutate("COLLECTION", "alter", 1).await);
    let sub_id = p.register(subscriber.url()).await;
    assert_eq!(
        p.trigger_and_wait(&sub_id, "FIND_MISMATCH_START").await,
        "FIND_MISMATCH_COMPLETED"
    );
    assert_eq!(p.logs(&sub_id, 10).await, expected);
    assert_eq!(
        p.trigger_and_wait(&sub_id, "RESYNC_TRIGGER_START").await,
        "RESYNC_TRIGGER_COMPLETED"
    );
    assert!(s.wait_sync_done().await.is_empty());
}
