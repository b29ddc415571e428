//! Refusals: a stranger in either direction, and each handshake field.

use std::sync::Arc;

use duet_core::Role;
use duet_net::{Field, Handshake, IdentityPaths, Listener, NetError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{connect, ids, quick, JOB};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_dial_in() {
    let [a, b, c] = ids();
    let cfg = quick();
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    // A listens pinning B; C dials pretending to be the peer (and pins A).
    let (l, d) = connect((a, b, h0, &cfg), (c, a, h1, &cfg)).await;
    match l {
        Err(NetError::PinMismatch { seen, expected }) => {
            assert_eq!(seen, c.fingerprint());
            assert_eq!(expected, b.fingerprint());
        }
        other => panic!("listener: expected PinMismatch, got {other:?}"),
    }
    assert!(d.is_err(), "the stranger must not get a channel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_cannot_be_dialled() {
    let [a, b, c] = ids();
    let cfg = quick();
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    // C listens (pinning A); A dials expecting B.
    let (l, d) = connect((c, a, h1, &cfg), (a, b, h0, &cfg)).await;
    match d {
        Err(NetError::PinMismatch { seen, expected }) => {
            assert_eq!(seen, c.fingerprint());
            assert_eq!(expected, b.fingerprint());
        }
        other => panic!("dialer: expected PinMismatch, got {other:?}"),
    }
    assert!(l.is_err(), "the stranger must not get a channel");
}

/// Connects A (P0 unless `hs0` says otherwise) and B with the given
/// handshakes; both must fail naming `field`.
async fn both_refuse(hs0: Handshake, hs1: Handshake, field: Field) {
    let [a, b, _] = ids();
    let cfg = quick();
    let (l, d) = connect((a, b, hs0, &cfg), (b, a, hs1, &cfg)).await;
    for (side, r) in [("listener", l), ("dialer", d)] {
        match r {
            Err(NetError::HandshakeMismatch { field: f, .. }) => assert_eq!(f, field, "{side}"),
            other => panic!("{side}: expected a {field} mismatch, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_job_hash_version_and_role_each_fail_with_their_field() {
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    let mut other_job = h1;
    other_job.job_hash[31] ^= 1;
    both_refuse(h0, other_job, Field::JobHash).await;
    let mut other_version = h1;
    other_version.version += 1;
    both_refuse(h0, other_version, Field::Version).await;
    both_refuse(h0, h0, Field::Role).await;
    both_refuse(h1, h1, Field::Role).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_lane_counts_are_refused() {
    let [a, b, _] = ids();
    let cfg = quick();
    let mut more = quick();
    more.lanes(7);
    let h0 = Handshake::new(JOB, Role::P0);
    let h1 = Handshake::new(JOB, Role::P1);
    let (l, d) = connect((a, b, h0, &cfg), (b, a, h1, &more)).await;
    for r in [l, d] {
        assert!(matches!(
            r,
            Err(NetError::HandshakeMismatch {
                field: Field::Lanes,
                ..
            })
        ));
    }
}

/// Accepts any server certificate: the impostor below only wants to reach
/// the listener's check of its own certificate.
#[derive(Debug)]
struct AnyServer(rustls::crypto::WebPkiSupportedAlgorithms);

impl rustls::client::danger::ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.2".into()))
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Presents B's certificate but signs with the stranger's key.
#[derive(Debug)]
struct StolenCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for StolenCert {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pinned_certificate_without_its_key_is_refused() {
    let [a, b, c] = ids();
    let dir = tempfile::tempdir().unwrap();
    let paths = IdentityPaths::in_dir(dir.path(), "stranger");
    c.write(&paths, false).unwrap();
    let key = PrivateKeyDer::from_pem_file(&paths.key).unwrap();
    let provider = rustls::crypto::ring::default_provider();
    let signer = provider.key_provider.load_private_key(key).unwrap();
    let cert = CertificateDer::from(b.cert_der().to_vec());
    let stolen = rustls::sign::CertifiedKey::new(vec![cert], signer);
    let mut tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider.clone()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer(
            provider.signature_verification_algorithms,
        )))
        .with_client_cert_resolver(Arc::new(StolenCert(Arc::new(stolen))));
    tls.alpn_protocols = vec![duet_net::ALPN.to_vec()];
    let quic = quinn::crypto::rustls::QuicClientConfig::try_from(tls).unwrap();

    let cfg = quick();
    let listener = Listener::bind(crate::LOOPBACK, a, b.fingerprint(), &cfg).unwrap();
    let addr = listener.local_addr().unwrap();
    let endpoint = quinn::Endpoint::client(crate::LOOPBACK).unwrap();
    let impostor = async {
        let conn = endpoint
            .connect_with(
                quinn::ClientConfig::new(Arc::new(quic)),
                addr,
                "duet.invalid",
            )
            .unwrap()
            .await;
        match conn {
            Ok(conn) => conn.closed().await.to_string(),
            Err(e) => e.to_string(),
        }
    };
    let h0 = Handshake::new(JOB, Role::P0);
    let mut r = crate::rng(3);
    let (l, why) = tokio::time::timeout(crate::STEP, async {
        tokio::join!(listener.accept(&h0, &mut r), impostor)
    })
    .await
    .unwrap();
    // The pin matched; the handshake signature, made with another key, did not.
    match l {
        Err(NetError::TlsHandshake(reason)) => assert!(reason.contains("BadSignature"), "{reason}"),
        other => panic!("expected a refused handshake, got {other:?}"),
    }
    assert!(why.contains("BadSignature"), "{why}");
    endpoint.close(0u8.into(), b"");
    endpoint.wait_idle().await;
}
