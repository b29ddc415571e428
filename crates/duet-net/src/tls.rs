//! TLS 1.3 configuration with certificate pinning on both sides.
//!
//! Each side accepts exactly the end-entity certificate whose SHA-256
//! fingerprint it was given (no CA, no names, no expiry: the pin is the
//! trust decision), and still verifies the handshake signatures with the
//! ring provider, which proves the peer holds the pinned certificate's key.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::error::NetError;
use crate::identity::{Fingerprint, Identity};

/// The ALPN protocol both sides require.
pub const ALPN: &[u8] = b"duet/1";

/// Checks the peer's certificate against the pin and records a mismatch
/// so the caller can report both fingerprints.
#[derive(Debug)]
pub(crate) struct Pin {
    expected: Fingerprint,
    seen: Arc<Mutex<Option<Fingerprint>>>,
    algs: WebPkiSupportedAlgorithms,
}

impl Pin {
    pub(crate) fn new(expected: Fingerprint) -> Arc<Pin> {
        Arc::new(Pin {
            expected,
            seen: Arc::new(Mutex::new(None)),
            algs: ring::default_provider().signature_verification_algorithms,
        })
    }

    /// The mismatch recorded during a failed handshake, if any (taken:
    /// the next handshake starts with none).
    pub(crate) fn mismatch(&self) -> Option<NetError> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner()).take();
        seen.map(|seen| NetError::PinMismatch {
            seen,
            expected: self.expected,
        })
    }

    fn check(&self, cert: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        let seen = Fingerprint::of_der(cert);
        if seen.ct_eq(&self.expected) {
            return Ok(());
        }
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(seen);
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::ApplicationVerificationFailure,
        ))
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }
}

#[derive(Debug)]
struct PinnedServer(Arc<Pin>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0
            .check(end_entity)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::Tls13RequiredForQuic,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.algs.supported_schemes()
    }
}

#[derive(Debug)]
struct PinnedClient(Arc<Pin>);

impl ClientCertVerifier for PinnedClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0
            .check(end_entity)
            .map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::Tls13RequiredForQuic,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.algs.supported_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn tls_err(e: impl std::fmt::Display) -> NetError {
    NetError::TlsConfig(e.to_string())
}

/// The server side: our certificate, the peer's certificate required and pinned.
pub(crate) fn server_config(
    identity: &Identity,
    pin: Arc<Pin>,
) -> Result<quinn::crypto::rustls::QuicServerConfig, NetError> {
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_err)?
        .with_client_cert_verifier(Arc::new(PinnedClient(pin)))
        .with_single_cert(vec![identity.cert()], identity.key())
        .map_err(tls_err)?;
    cfg.alpn_protocols = vec![ALPN.to_vec()];
    quinn::crypto::rustls::QuicServerConfig::try_from(cfg).map_err(tls_err)
}

/// The client side: the server's certificate pinned, ours presented.
pub(crate) fn client_config(
    identity: &Identity,
    pin: Arc<Pin>,
) -> Result<quinn::crypto::rustls::QuicClientConfig, NetError> {
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(tls_err)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer(pin)))
        .with_client_auth_cert(vec![identity.cert()], identity.key())
        .map_err(tls_err)?;
    cfg.alpn_protocols = vec![ALPN.to_vec()];
    quinn::crypto::rustls::QuicClientConfig::try_from(cfg).map_err(tls_err)
}
