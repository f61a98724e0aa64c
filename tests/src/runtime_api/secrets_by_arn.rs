//! A function deployed with its secrets given by ARN (`TG_WEBHOOK_SECRET_ARN`…, as
//! `infra/template.yaml` sets them) starts without asking AWS anything — its first `GET
//! /invocation/next` comes before any request to Secrets Manager — and reads its secrets at its
//! first invocation; a secret it cannot read fails that invocation by its ARN variable, and the
//! next invocation reads again ([`check_secrets_by_arn_are_read_at_the_first_invocation`]).
//!
//! Secrets Manager is moto's ([`MotoServer::shared`]), reached through a proxy on loopback
//! that counts the `GetSecretValue` requests going through it: the function's
//! `AWS_ENDPOINT_URL`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use gridlink_store::testing::{MotoServer, unique_name};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::emulator::{Outcome, RuntimeApi};
use super::events::{ApiResponse, HttpApiRequest};

const INVOKE_TIMEOUT: Duration = Duration::from_secs(30);
const READ: &[u8] = b"secretsmanager.GetSecretValue";

/// A TCP proxy to moto that counts the `GetSecretValue` requests sent through it.
struct CountingProxy {
    endpoint: String,
    reads: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl CountingProxy {
    async fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy binds loopback");
        let endpoint = format!("http://{}", listener.local_addr().expect("a local address"));
        let reads = Arc::new(AtomicUsize::new(0));
        let counted = reads.clone();
        let server = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, counted) = (upstream.clone(), counted.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        relay(client, server, &counted).await;
                    }
                });
            }
        });
        Self {
            endpoint,
            reads,
            server,
        }
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

/// Copies both ways until either side closes, counting [`READ`] in what the client sends.
async fn relay(client: TcpStream, server: TcpStream, reads: &AtomicUsize) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        let mut buffer = vec![0_u8; 16 * 1024];
        // The end of the previous chunk, so a marker split between two reads counts once.
        let mut carry: Vec<u8> = Vec::new();
        while let Ok(n) = client_read.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            let mut seen = std::mem::take(&mut carry);
            let skip = seen.len();
            seen.extend_from_slice(&buffer[..n]);
            let found = seen
                .windows(READ.len())
                .enumerate()
                .filter(|(at, window)| *window == READ && at + READ.len() > skip)
                .count();
            reads.fetch_add(found, Ordering::SeqCst);
            carry = seen[seen.len().saturating_sub(READ.len() - 1)..].to_vec();
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(up, down);
}

async fn create_secret(client: &aws_sdk_secretsmanager::Client, name: &str, value: &str) -> String {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("moto creates the secret")
        .arn
        .expect("an ARN")
}

/// What one invocation of the health route answered: its status and error message, if any.
async fn health(rt: &RuntimeApi, name: &str) -> (u16, String) {
    invoke_http(rt, HttpApiRequest::get(&format!("/{name}/health"))).await
}

async fn invoke_http(rt: &RuntimeApi, request: HttpApiRequest) -> (u16, String) {
    match rt.invoke(&request.into_event(), INVOKE_TIMEOUT).await {
        Ok(Outcome::Response(value)) => {
            let response = ApiResponse::from_value(&value).expect("an API Gateway response");
            let message = response
                .error_detail()
                .map(|(code, message)| format!("{code}: {message}"))
                .unwrap_or_default();
            (response.status, message)
        }
        other => panic!(
            "an HTTP invocation answers: {other:?}\n{}",
            rt.function_output()
        ),
    }
}

/// A TG webhook delivery of `{}` to `name`, signed with `secret`: `400` (not an event) once
/// the signature is accepted, `401` if the function holds another secret.
fn webhook(name: &str, secret: &str) -> HttpApiRequest {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = b"{}".to_vec();
    let signature = gridlink_core::webhook::sign(secret.as_bytes(), now, &body);
    HttpApiRequest::new("POST", &format!("/{name}/tg/events"))
        .header("tg-timestamp", &now.to_string())
        .header("tg-signature", &signature)
        .header("content-type", "application/json")
        .body(body)
}

/// Starts `bin` (the function `name`, which has a TG webhook route) twice against moto's
/// Secrets Manager, its three required secrets given by ARN, and checks:
/// 1. with every secret there, its first `next` comes with no `GetSecretValue` sent; the first
///    invocation reads the three (all of them, at once) and answers; a webhook signed with the
///    secret's value is accepted (`400`: `{}` is no event), one signed otherwise is not
///    (`401`); nothing is read again;
/// 2. with the webhook secret missing, the start still succeeds and sends nothing; each
///    invocation fails `503` naming `TG_WEBHOOK_SECRET_ARN` (and no other variable) and reads
///    again; once the secret exists, the next invocation answers `200`.
///
/// Panics with the function's output on any failure.
pub async fn check_secrets_by_arn_are_read_at_the_first_invocation(
    bin: impl AsRef<std::path::Path>,
    name: &str,
) {
    let moto = MotoServer::shared();
    let admin = aws_sdk_secretsmanager::Client::new(
        &gridlink_store::testing::sdk_config(moto.endpoint()).await,
    );
    let prefix = unique_name("gridlink-arn-start");
    let mut env: Vec<(String, String)> = vec![
        ("GRIDLINK_STORAGE".into(), "local".into()),
        ("GRIDLINK_METRICS".into(), "off".into()),
        (
            "XECM_BASE_URL".into(),
            "http://127.0.0.1:9/otcs/cs.exe".into(),
        ),
        ("XECM_USERNAME".into(), "otadmin".into()),
        ("TG_BASE_URL".into(), "http://127.0.0.1:9".into()),
        ("TG_TENANT_ID".into(), "buyerco".into()),
        ("TG_CLIENT_ID".into(), "gridlink-arn".into()),
        ("AWS_ACCESS_KEY_ID".into(), "test".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_DEFAULT_REGION".into(), "us-east-1".into()),
    ];
    for key in ["XECM_PASSWORD", "TG_CLIENT_SECRET"] {
        let arn = create_secret(&admin, &format!("{prefix}/{key}"), &format!("{key} value")).await;
        env.push((gridlink_flow::platform::secret_arn_key(key), arn));
    }
    let webhook_secret = "the webhook secret, from Secrets Manager";
    let there = create_secret(&admin, &format!("{prefix}/webhook"), webhook_secret).await;
    // Secrets Manager takes a secret's name where it takes its ARN: one that is not there yet.
    let missing = format!("{prefix}/webhook-later");

    for (webhook_arn, present) in [(there, true), (missing.clone(), false)] {
        let proxy = CountingProxy::start(moto.endpoint()).await;
        let data = tempfile::tempdir().expect("a data directory");
        let mut run_env = env.clone();
        run_env.extend([
            ("TG_WEBHOOK_SECRET_ARN".into(), webhook_arn),
            ("AWS_ENDPOINT_URL".into(), proxy.endpoint.clone()),
            (
                "GRIDLINK_DATA_DIR".into(),
                data.path().display().to_string(),
            ),
        ]);
        let pairs: Vec<(&str, &str)> = run_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let rt = RuntimeApi::start()
            .await
            .expect("the Runtime API emulator binds 127.0.0.1:0");
        let _process = rt
            .spawn_function(bin.as_ref(), &pairs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            rt.first_next(INVOKE_TIMEOUT).await.is_some(),
            "{name} asks for its first event\n{}",
            rt.function_output()
        );
        // Give a start that would read its secrets before `next` no benefit of the doubt:
        // the reads are counted as they reach the proxy.
        assert_eq!(
            proxy.reads(),
            0,
            "{name}: nothing read before the first `next`"
        );

        if present {
            let (status, message) = health(&rt, name).await;
            assert_eq!(status, 200, "{name}: {message}\n{}", rt.function_output());
            assert_eq!(proxy.reads(), 3, "{name}: its three secrets, read once");
            let (status, message) = invoke_http(&rt, webhook(name, webhook_secret)).await;
            assert_eq!(status, 400, "{name}: the signature is accepted: {message}");
            let (status, message) = invoke_http(&rt, webhook(name, "another secret")).await;
            assert_eq!(status, 401, "{name}: another secret is refused: {message}");
            assert_eq!(proxy.reads(), 3, "{name}: nothing read again");
        } else {
            for attempt in 1..=2 {
                let (status, message) = health(&rt, name).await;
                assert_eq!(status, 503, "{name}: {message}");
                assert!(message.contains("TG_WEBHOOK_SECRET_ARN"), "{message}");
                assert!(!message.contains("TG_CLIENT_SECRET_ARN"), "{message}");
                assert!(!message.contains(webhook_secret), "{message}");
                assert_eq!(
                    proxy.reads(),
                    3 * attempt,
                    "{name}: attempt {attempt} reads the secrets again"
                );
            }
            create_secret(&admin, &missing, webhook_secret).await;
            let (status, message) = health(&rt, name).await;
            assert_eq!(status, 200, "{name}: {message}\n{}", rt.function_output());
            assert_eq!(proxy.reads(), 9);
            let (status, message) = invoke_http(&rt, webhook(name, webhook_secret)).await;
            assert_eq!(status, 400, "{name}: the signature is accepted: {message}");
            // Written before the failed invocations answered (read last: the output is
            // collected as the process writes it).
            let output = rt.function_output();
            assert!(
                output.contains("could not be built") && output.contains("TG_WEBHOOK_SECRET_ARN"),
                "{name}: the log names the function and the variable:\n{output}"
            );
            assert!(!output.contains(webhook_secret), "no secret in the log");
        }
        assert_eq!(rt.counts().init_errors, 0);
    }
}
