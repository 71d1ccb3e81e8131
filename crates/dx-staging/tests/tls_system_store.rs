//! Trust through the operating system's store alone. On Linux (and other non-Apple Unix) the
//! store is the CA bundle that `SSL_CERT_FILE` names when set, so this test, alone in its own
//! process (environment variables are process-wide), points `SSL_CERT_FILE` at a bundle it
//! controls before any client is built: with the simulator's CA in the bundle a profile with no
//! CA file connects; with an unrelated CA in it the handshake fails with `tls`; with no
//! certificate at all the client says the system store could not be loaded. Windows and macOS
//! verify through the OS itself, which a test cannot change without administrator rights.
#![cfg(all(unix, not(target_vendor = "apple")))]

mod common;

use common::*;
use dx_staging::{Client, TlsMode};

/// A CA certificate PEM that signed nothing the simulator serves.
fn unrelated_ca() -> String {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "unrelated test CA");
    p.self_signed(&rcgen::KeyPair::generate().unwrap())
        .unwrap()
        .pem()
}

#[test]
fn a_ca_trusted_only_through_the_system_store() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("system-bundle.pem");
    // Before any thread or client exists: the verifier reads the bundle each time a client is
    // built, so the file's content can change below while the variable stays.
    std::env::set_var("SSL_CERT_FILE", &bundle);
    std::env::remove_var("SSL_CERT_DIR");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = config(dam_sim::Role::Publisher, dir.path(), "tls.db", 0);
        c.tls = true;
        let env = dam_sim::start(c).await.expect("TLS environment starts");
        let sim_ca = std::fs::read_to_string(env.ca_pem_path().unwrap()).unwrap();

        // The simulator's CA is in the system store (with another CA beside it): trusted.
        std::fs::write(&bundle, format!("{}{sim_ca}", unrelated_ca())).unwrap();
        let list = client_tls(env.url(), TlsMode::Verify)
            .subscribers()
            .list()
            .await
            .expect("trusted through SSL_CERT_FILE, with no CA file in the profile");
        assert!(list.is_empty());

        // Not in the system store: refused, with the TLS error code.
        std::fs::write(&bundle, unrelated_ca()).unwrap();
        let e = client_tls(env.url(), TlsMode::Verify)
            .subscribers()
            .list()
            .await
            .unwrap_err();
        assert_eq!(e.code(), "tls", "{e}");

        // The profile's CA file is trusted beside the system store.
        let ca_file = dir.path().join("profile-ca.pem");
        std::fs::write(&ca_file, &sim_ca).unwrap();
        client_tls(
            env.url(),
            TlsMode::CustomCa {
                ca_pem_path: ca_file.clone(),
                ca_original: None,
            },
        )
        .subscribers()
        .list()
        .await
        .expect("the profile's CA file is trusted too");

        // A system store with no certificate: HTTPS cannot be verified, and the error says why.
        std::fs::write(&bundle, "").unwrap();
        let e = Client::builder(&profile_for(env.url()), dam_sim::DEFAULT_PASSWORD)
            .build()
            .unwrap_err();
        assert_eq!(e.code(), "tls", "{e}");
        assert!(e.to_string().contains("SSL_CERT_FILE"), "{e}");
        // …while plain http and a profile's own CA file still work.
        client_for("http://127.0.0.1:9");
        client_tls(
            env.url(),
            TlsMode::CustomCa {
                ca_pem_path: ca_file,
                ca_original: None,
            },
        )
        .subscribers()
        .list()
        .await
        .expect("the CA file alone is enough");
    });
}
