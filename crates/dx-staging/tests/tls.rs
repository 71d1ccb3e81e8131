//! HTTPS against `dam-sim` with its generated certificate: refused by default (the OS store does
//! not hold its CA) with the TLS error and its hint, accepted with the CA file; a self-signed
//! server certificate given as its own CA. Trust through the OS store alone: `tls_system_store.rs`.

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

    let ok = client_tls(
        env.url(),
        TlsMode::CustomCa {
            ca_pem_path: ca,
            ca_original: None,
        },
    )
    .subscribers()
    .list()
    .await
    .unwrap();
    assert!(ok.is_empty());

    let insecure = client_tls(env.url(), TlsMode::AcceptInvalid);
    assert!(insecure.is_insecure());
    insecure.subscribers().list().await.unwrap();
}

/// A one-certificate HTTPS server on loopback whose certificate is its own issuer (no CA),
/// answering every request with a Ring login's cookie. Answers its port and certificate PEM.
fn self_signed_server() -> (u16, String) {
    use std::io::{Read, Write};
    use std::sync::Arc;

    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    let pem = cert.pem();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(cfg).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head and the body its Content-Length announces.
                loop {
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\nSet-Cookie: LtpaToken2=self-signed; Path=/\r\n\
                      Content-Type: application/json\r\nContent-Length: 2\r\n\
                      Connection: close\r\n\r\n{}",
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (port, pem)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_server_certificate_given_as_its_own_ca_is_trusted() {
    let (port, pem) = self_signed_server();
    let url = format!("https://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("server.pem");
    std::fs::write(&ca, pem).unwrap();

    let e = client_tls(&url, TlsMode::Verify).login().await.unwrap_err();
    assert_eq!(e.code(), "tls", "{e}");

    let c = client_tls(
        &url,
        TlsMode::CustomCa {
            ca_pem_path: ca,
            ca_original: None,
        },
    );
    c.login()
        .await
        .expect("the self-signed certificate is trusted");
}

#[test]
fn plain_http_needs_no_trust_store() {
    // An http profile builds without touching TLS set-up (no store needed, nothing flagged).
    let c = client_for("http://127.0.0.1:9");
    assert!(!c.is_insecure());
}
