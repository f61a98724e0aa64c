//! One TLS client configuration for the whole process (feature `tls`).
//!
//! Every HTTPS client of gridlink's own (the xECM client, the Trading Grid client) is built on
//! [`client_config`]: one `rustls` configuration whose certificates are checked against the
//! operating system's trust store — the same rules as reqwest's default
//! (`rustls-platform-verifier`), so an on-premises Content Server behind a corporate CA is
//! trusted exactly when the machine trusts that CA (on Linux the system bundle, or the file
//! named by `SSL_CERT_FILE` / the directory named by `SSL_CERT_DIR`).
//!
//! Why not reqwest's default: each reqwest client built with it reads the whole trust store
//! when it is built (292 certificate files on a Debian machine), and a function builds two
//! clients before the Lambda runtime asks for its first event — the largest part of a cold
//! start that was 6.5 times a hello-world function's (issue 19, item 4). Here the trust store
//! is read **once per process**, and **only when the first TLS handshake needs it**: building a
//! client costs nothing, a function that only ever talks plain HTTP (the local stack) never
//! reads it, and every later handshake of every client reuses what was read.
//! [`trust_store_loads`] counts the reads, for the tests that hold this.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

static CONFIG: OnceLock<Result<ClientConfig, String>> = OnceLock::new();
static LOADS: AtomicUsize = AtomicUsize::new(0);

/// The process's TLS client configuration (built on first call, then cloned: clones share the
/// verifier and so the trust store). ALPN offers HTTP/2 and HTTP/1.1, as reqwest's default.
///
/// # Errors
/// Only for a crypto provider that supports no TLS version (a build mistake, not input).
pub fn client_config() -> Result<ClientConfig, String> {
    CONFIG
        .get_or_init(|| {
            let provider = CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
            let verifier = Arc::new(LazyPlatformVerifier {
                provider: provider.clone(),
                inner: OnceLock::new(),
            });
            let mut config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("the TLS crypto provider supports no TLS version: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth();
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(config)
        })
        .clone()
}

/// How many times this process has read the trust store (0 until the first TLS handshake).
pub fn trust_store_loads() -> usize {
    LOADS.load(Ordering::Relaxed)
}

/// The platform verifier, created — and the trust store read — at the first certificate it is
/// asked to check. Signature checks need no trust store and go straight to the provider.
#[derive(Debug)]
struct LazyPlatformVerifier {
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<rustls_platform_verifier::Verifier, String>>,
}

impl LazyPlatformVerifier {
    fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.inner
            .get_or_init(|| {
                LOADS.fetch_add(1, Ordering::Relaxed);
                rustls_platform_verifier::Verifier::new(self.provider.clone()).map_err(|e| {
                    tracing::error!(error = %e, "cannot read the system's trust store");
                    format!("cannot read the system's trust store: {e}")
                })
            })
            .as_ref()
            .map_err(|e| rustls::Error::General(e.clone()))
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
