//! `gridlink_core::tls` over real TLS on loopback: two reqwest clients built on the shared
//! configuration read the trust store once, at the first handshake and not before; a server
//! whose certificate chains to a CA the machine trusts (here through `SSL_CERT_FILE`, as a
//! corporate CA would be) is accepted, a self-signed one is refused.
//!
//! The trust store is read once per process, so the checks run in a child process of this test
//! binary started with its own `SSL_CERT_FILE` (`the_shared_configuration_in_a_fresh_process`,
//! ignored when run directly).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gridlink_core::tls::{client_config, trust_store_loads};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// An HTTPS server on loopback presenting `cert`: answers every request `200 ok`.
async fn https_server(cert: &str, key: &str) -> SocketAddr {
    let certs = CertificateDer::pem_file_iter(fixture(cert))
        .expect("certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificate");
    let key = PrivateKeyDer::from_pem_file(fixture(key)).expect("private key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0_u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(client_config().expect("TLS configuration"))
        .build()
        .expect("client")
}

#[tokio::test]
#[ignore = "run by `trust_store_read_once_at_the_first_handshake` in a process of its own"]
async fn the_shared_configuration_in_a_fresh_process() {
    let (first, second) = (client(), client());
    assert_eq!(
        trust_store_loads(),
        0,
        "building clients must not read the trust store"
    );

    let trusted = https_server("server.pem", "server.key").await;
    let url = format!("https://localhost:{}/", trusted.port());
    for client in [&first, &second, &first] {
        let response = client.get(&url).send().await.expect("trusted server");
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.expect("body"), "ok");
    }
    assert_eq!(
        trust_store_loads(),
        1,
        "three handshakes by two clients read the store once"
    );

    let untrusted = https_server("untrusted.pem", "untrusted.key").await;
    let refused = second
        .get(format!("https://localhost:{}/", untrusted.port()))
        .send()
        .await
        .expect_err("a self-signed certificate must be refused");
    let chain = std::iter::successors(Some(&refused as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .map(ToString::to_string)
    .collect::<Vec<_>>()
    .join(": ");
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("invalid peer certificate"),
        "refused for another reason: {chain}"
    );
    assert_eq!(trust_store_loads(), 1);
}

#[test]
fn trust_store_read_once_at_the_first_handshake() {
    let empty_dir = tempfile::tempdir().expect("temporary directory");
    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "the_shared_configuration_in_a_fresh_process",
            "--ignored",
            "--nocapture",
        ])
        .env("SSL_CERT_FILE", fixture("ca.pem"))
        .env("SSL_CERT_DIR", empty_dir.path())
        .output()
        .expect("the child test process");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child test failed:\n{printed}");
    assert!(
        printed.contains("1 passed"),
        "the child ran no test:\n{printed}"
    );
}
