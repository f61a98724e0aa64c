//! The CLI signs its requests with SigV4 for the deployed API. API Gateway's IAM authoriser is
//! stood in for by a loopback proxy in front of the real local stack: it recomputes each
//! request's signature with the aws-sigv4 crate from what it received and a known static test
//! credential, refuses a request whose signature differs (`403`, as API Gateway does) and
//! forwards the others to the stack. Not tried against a real API Gateway (docs/operator.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use gridlink_local::stack::{RunningStack, StackConfig};
use serde_json::Value;

const KEY_ID: &str = "AKIDGRIDLINKCLITEST";
const SECRET: &str = "gridlink/cli/test/secret/not/a/real/one";
const REGION: &str = "eu-central-1";

#[derive(Clone)]
struct Proxy {
    upstream: String,
    verified: Arc<AtomicUsize>,
    http: reqwest::Client,
}

/// The expected `authorization` header of a request, recomputed from what arrived.
fn expected_authorization(
    method: &str,
    url: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<String, String> {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no authorization header")?;
    let signed = authorization
        .split(", ")
        .find_map(|p| p.strip_prefix("SignedHeaders="))
        .ok_or("no SignedHeaders")?;
    let scope = format!("/{REGION}/execute-api/aws4_request");
    if !authorization.starts_with(&format!("AWS4-HMAC-SHA256 Credential={KEY_ID}/"))
        || !authorization.contains(&scope)
    {
        return Err(format!(
            "credential scope is not {KEY_ID}/…{scope}: {authorization}"
        ));
    }
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or("no x-amz-date")?;
    let at = time::PrimitiveDateTime::parse(
        amz_date,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map_err(|e| format!("x-amz-date {amz_date}: {e}"))?
    .assume_utc();
    let at = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(at.unix_timestamp()).map_err(|e| e.to_string())?);
    let signed_headers: Vec<(String, String)> = signed
        .split(';')
        .filter(|name| *name != "x-amz-date")
        .map(|name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| (name.to_owned(), v.to_owned()))
                .ok_or(format!("signed header {name} is missing"))
        })
        .collect::<Result<_, _>>()?;
    let identity = Credentials::new(KEY_ID, SECRET, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("execute-api")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        signed_headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    instructions
        .headers()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.to_owned())
        .ok_or_else(|| "aws-sigv4 made no authorization header".to_owned())
}

async fn serve(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let host = parts
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let url = format!("http://{host}{path}");
    let verdict = expected_authorization(parts.method.as_str(), &url, &parts.headers, &body)
        .and_then(|expected| {
            let got = parts
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if expected == got {
                Ok(())
            } else {
                Err(format!(
                    "signature mismatch: expected {expected}, got {got}"
                ))
            }
        });
    if let Err(why) = verdict {
        let mut response = Response::new(Body::from(
            serde_json::json!({"message": format!("Forbidden: {why}")}).to_string(),
        ));
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    proxy.verified.fetch_add(1, Ordering::SeqCst);
    let mut forward = proxy
        .http
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body.to_vec());
    if let Some(ct) = parts.headers.get("content-type") {
        forward = forward.header("content-type", ct);
    }
    let answer = forward.send().await.expect("the stack answers");
    let status = answer.status();
    let mut response = Response::new(Body::from(answer.bytes().await.unwrap_or_default()));
    *response.status_mut() = status;
    response
}

async fn proxy_in_front_of_the_stack() -> (RunningStack, tempfile::TempDir, String, Arc<AtomicUsize>)
{
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = RunningStack::start(StackConfig {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        speed: None,
        external: false,
        body_timeout: Duration::from_secs(5),
    })
    .await
    .expect("the local stack starts");
    let verified = Arc::new(AtomicUsize::new(0));
    let proxy = Proxy {
        upstream: stack.gateway_url.clone(),
        verified: verified.clone(),
        http: reqwest::Client::new(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let router = axum::Router::new().fallback(serve).with_state(proxy);
    tokio::spawn(async move { axum::serve(listener, router).await });
    (stack, dir, url, verified)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `gridlink` with this credential in the environment (the standard chain's first source),
/// nothing else of the machine's AWS configuration.
async fn gridlink(endpoint: &str, secret: Option<&str>, args: &[&str]) -> Run {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gridlink"));
    command
        .args(args)
        .env("GRIDLINK_ENDPOINT", endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent/gridlink-cli-test")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/gridlink-cli-test",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_SESSION_TOKEN");
    match secret {
        Some(secret) => command
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", secret),
        None => command
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY"),
    };
    let output = command.output().await.expect("gridlink runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test]
async fn the_cli_signs_every_request_with_sigv4_and_a_proxy_verifying_it_lets_them_through() {
    let (_stack, _dir, proxy, verified) = proxy_in_front_of_the_stack().await;

    // A GET, a key with a space and a slash (percent-encoded in the path), and POSTs with a
    // JSON body (its hash and content type signed).
    let list = gridlink(
        &proxy,
        Some(SECRET),
        &[
            "--sign",
            "--region",
            REGION,
            "--json",
            "dead-letter",
            "list",
            "-f",
            "order-reconcile",
        ],
    )
    .await;
    assert_eq!(list.code, 0, "{}{}", list.stdout, list.stderr);
    let listed: Value = serde_json::from_str(&list.stdout).expect("json");
    assert_eq!(listed["items"], serde_json::json!([]));
    let timeline = gridlink(
        &proxy,
        Some(SECRET),
        &[
            "--sign",
            "--region",
            REGION,
            "--json",
            "timeline",
            "shipment:SH 1/2",
        ],
    )
    .await;
    assert_eq!(timeline.code, 0, "{}{}", timeline.stdout, timeline.stderr);
    let answer: Value = serde_json::from_str(&timeline.stdout).expect("json");
    assert_eq!(answer["key"], "shipment:SH 1/2");
    for args in [
        ["pause", "order-reconcile", "--reason", "signed pause"],
        ["resume", "order-reconcile", "--reason", "signed resume"],
    ] {
        let mut all = vec!["--sign", "--region", REGION];
        all.extend(args);
        let run = gridlink(&proxy, Some(SECRET), &all).await;
        assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
    }
    assert_eq!(verified.load(Ordering::SeqCst), 4, "every request verified");

    // The verifier refuses what it should: a wrong secret, and no signature at all.
    let wrong = gridlink(
        &proxy,
        Some("not-the-secret"),
        &[
            "--sign",
            "--region",
            REGION,
            "dead-letter",
            "list",
            "-f",
            "order-reconcile",
        ],
    )
    .await;
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("403") && wrong.stderr.contains("signature mismatch"),
        "{}",
        wrong.stderr
    );
    let unsigned = gridlink(
        &proxy,
        Some(SECRET),
        &["--no-sign", "dead-letter", "list", "-f", "order-reconcile"],
    )
    .await;
    assert_eq!(unsigned.code, 1, "{}", unsigned.stderr);
    assert!(unsigned.stderr.contains("403"), "{}", unsigned.stderr);
    assert_eq!(verified.load(Ordering::SeqCst), 4);

    // Signing without a region or without credentials: exit 4, saying what is missing.
    let no_region = gridlink(&proxy, Some(SECRET), &["--sign", "dead-letter", "list"]).await;
    assert_eq!(no_region.code, 4, "{}", no_region.stderr);
    assert!(no_region.stderr.contains("region"), "{}", no_region.stderr);
    let no_credentials = gridlink(
        &proxy,
        None,
        &["--sign", "--region", REGION, "dead-letter", "list"],
    )
    .await;
    assert_eq!(no_credentials.code, 4, "{}", no_credentials.stderr);
    assert!(
        no_credentials.stderr.contains("credentials"),
        "{}",
        no_credentials.stderr
    );
}
