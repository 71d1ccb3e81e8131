//! A generated local CA and a server certificate signed by it (for `--tls`).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::SimError;

/// Where the CA PEM of an environment goes: next to its database, `<db file name>.ca.pem`.
pub(crate) fn ca_path(db: &Path) -> PathBuf {
    let mut name = db
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "dam-sim".into());
    name.push(".ca.pem");
    db.with_file_name(name)
}

/// Generates a CA and a server certificate for `localhost`, `127.0.0.1`, `::1` and `bind`,
/// writes the CA PEM to `ca_file`, and answers the rustls server configuration.
pub(crate) fn server_config(
    bind: IpAddr,
    ca_file: &Path,
) -> Result<Arc<rustls::ServerConfig>, SimError> {
    let tls = |e: rcgen::Error| SimError::Tls(e.to_string());
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "dam-sim local CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(tls)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(tls)?;

    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !bind.is_unspecified() && !bind.is_loopback() {
        names.push(bind.to_string());
    }
    let mut leaf = CertificateParams::new(names).map_err(tls)?;
    leaf.distinguished_name.push(DnType::CommonName, "dam-sim");
    let leaf_key = KeyPair::generate().map_err(tls)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).map_err(tls)?;

    std::fs::write(ca_file, ca_cert.pem()).map_err(|source| SimError::Io {
        path: ca_file.to_path_buf(),
        source,
    })?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(leaf_cert.der().to_vec()),
                CertificateDer::from(ca_cert.der().to_vec()),
            ],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(|e| SimError::Tls(e.to_string()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ca_file_sits_next_to_the_database() {
        let p = super::ca_path(std::path::Path::new("/tmp/x/pub.db"));
        assert_eq!(p, std::path::Path::new("/tmp/x/pub.db.ca.pem"));
    }
}
