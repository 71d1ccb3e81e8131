//! HTTPS against `dam-sim` with its generated certificate: refused by default with the TLS
//! error and its hint, accepted with the CA file.

mod common;

use common::*;
use dx_staging::TlsMode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_fails_by_default_and_succeeds_with_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dam_sim::Role::Publisher, dir.path(), "tls.db", 0);
    c.tls = true;
    let env = dam_sim::start(c).await.expect("TLS environment starts");
    assert!(env.url().starts_with("https://"), "{}", env.url());
    let ca = env.ca_pem_path().expect("CA file").to_path_buf();

    let e = client_tls(env.url(), TlsMode::Verify)
        .subscribers()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.code(), "tls", "{e}");
    assert!(e.to_string().contains("custom CA"), "{e}");

    let ok = client_tls(env.url(), TlsMode::CustomCa { ca_pem_path: ca })
        .subscribers()
        .list()
        .await
        .unwrap();
    assert!(ok.is_empty());

    let insecure = client_tls(env.url(), TlsMode::AcceptInvalid);
    assert!(insecure.is_insecure());
    insecure.subscribers().list().await.unwrap();
}
