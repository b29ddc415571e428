//! A listener presenting the pinned certificate without its key: the pin
//! matches, the handshake signature (made with another key) does not, and
//! the dialer refuses it. The listener's side of the same attack is
//! `refusals.rs` `the_pinned_certificate_without_its_key_is_refused`.

use std::sync::Arc;

use duet_net::{IdentityPaths, NetError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

use crate::{ids, quick, LOOPBACK, STEP};

/// Presents A's certificate but signs with the stranger's key.
#[derive(Debug)]
struct StolenServerCert(Arc<CertifiedKey>);

impl rustls::server::ResolvesServerCert for StolenServerCert {
    fn resolve(&self, _: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// A QUIC server presenting `cert` and signing with the stranger's key.
fn impostor(cert: &[u8]) -> quinn::Endpoint {
    let dir = tempfile::tempdir().unwrap();
    let paths = IdentityPaths::in_dir(dir.path(), "stranger");
    ids()[2].write(&paths, false).unwrap();
    let key = PrivateKeyDer::from_pem_file(&paths.key).unwrap();
    let provider = rustls::crypto::ring::default_provider();
    let signer = provider.key_provider.load_private_key(key).unwrap();
    let stolen = CertifiedKey::new(vec![CertificateDer::from(cert.to_vec())], signer);
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(StolenServerCert(Arc::new(stolen))));
    tls.alpn_protocols = vec![duet_net::ALPN.to_vec()];
    let quic = quinn::crypto::rustls::QuicServerConfig::try_from(tls).unwrap();
    let server = quinn::ServerConfig::with_crypto(Arc::new(quic));
    quinn::Endpoint::server(server, LOOPBACK).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_with_the_pinned_certificate_but_another_key_is_refused() {
    let [a, b, _] = ids();
    let endpoint = impostor(a.cert_der());
    let addr = endpoint.local_addr().unwrap();
    let listening = async { endpoint.accept().await.unwrap().await };
    // B dials pinning A: the impostor's certificate passes the pin.
    let cfg = quick();
    let (d, l) = tokio::time::timeout(STEP, async {
        tokio::join!(duet_net::connect(addr, b, a.fingerprint(), &cfg), listening)
    })
    .await
    .unwrap();
    match d {
        Err(NetError::TlsHandshake(reason)) => assert!(reason.contains("BadSignature"), "{reason}"),
        Err(other) => panic!("expected a refused handshake, got {other:?}"),
        Ok(_) => panic!("the dialer accepted a listener without the pinned key"),
    }
    let why = match l {
        Ok(conn) => conn.closed().await.to_string(),
        Err(e) => e.to_string(),
    };
    assert!(why.contains("BadSignature"), "{why}");
    endpoint.close(0u8.into(), b"");
    endpoint.wait_idle().await;
}
