//! The gateway emulation, over real HTTP.

use std::net::SocketAddr;

use gridlink_local::stack::{RunningStack, StackConfig};

async fn stack() -> (RunningStack, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let stack = RunningStack::start(StackConfig {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        speed: None,
        external: false,
        body_timeout: std::time::Duration::from_secs(1),
    })
    .await
    .expect("stack starts");
    (stack, dir)
}

#[tokio::test]
async fn every_function_answers_its_health_route_through_the_gateway() {
    let (stack, _dir) = stack().await;
    let client = reqwest::Client::new();
    for f in gridlink_lambda::FUNCTIONS {
        let response = client
            .get(format!("{}/{}/health", stack.gateway_url, f.name))
            .send()
            .await
            .expect("gateway answers");
        assert_eq!(response.status(), 200, "{}", f.name);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["function"], f.name);
    }
}

#[tokio::test]
async fn every_route_of_every_function_is_built_none_answers_501_or_a_5xx_to_an_empty_request() {
    // All seven use cases are built (issues 14–16: "answers no route with 501"). An empty or
    // unsigned request is refused as bad input (4xx), never 501, never a server error.
    let (stack, _dir) = stack().await;
    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    for function in gridlink_lambda::FUNCTIONS {
        assert!(function.implemented, "{} is still a stub", function.name);
        for route in function.routes {
            let path = route
                .path
                .split('/')
                .map(|part| if part.starts_with('{') { "x-1" } else { part })
                .collect::<Vec<_>>()
                .join("/");
            let request = client.request(
                route.method.parse().expect("a method"),
                format!("{}{path}", stack.gateway_url),
            );
            let request = if route.method == "GET" {
                request
            } else {
                request.body("{}")
            };
            let status = request.send().await.expect("gateway answers").status();
            answers.push(format!("{} {path} → {status}", route.method));
            assert!(
                status.as_u16() != 501 && !status.is_server_error(),
                "{} {path} answered {status}",
                route.method
            );
        }
    }
    assert!(answers.len() > 20, "{answers:#?}");
}

#[tokio::test]
async fn an_unknown_route_is_404_as_api_gateway_answers_it() {
    let (stack, _dir) = stack().await;
    let response = reqwest::get(format!("{}/nowhere", stack.gateway_url))
        .await
        .expect("answers");
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.text().await.expect("text"),
        r#"{"message":"Not Found"}"#
    );
}

#[tokio::test]
async fn a_body_over_the_lambda_payload_limit_is_413() {
    let (stack, _dir) = stack().await;
    let response = reqwest::Client::new()
        .post(format!("{}/case-collab/tg/events", stack.gateway_url))
        .body(vec![b'x'; gridlink_local::gateway::MAX_BODY_BYTES + 1])
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408_not_waited_for() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (stack, _dir) = stack().await;
    let address = stack.gateway_url.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connects");
    socket
        .write_all(
            b"POST /order-reconcile/tg/events HTTP/1.1\r\nhost: localhost\r\n\
              content-type: application/json\r\ncontent-length: 100\r\n\r\n{\"half\":",
        )
        .await
        .expect("sends the head and part of the body");
    // The gateway gives up after its body timeout (1 s here); the connection is not held.
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut chunk = [0_u8; 1024];
        while !String::from_utf8_lossy(&answer).contains("Request Timeout") {
            let read = socket.read(&mut chunk).await.expect("reads");
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..read]);
        }
    })
    .await
    .expect("answered within the timeout, not held open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("Request Timeout"), "{answer}");
}

#[tokio::test]
async fn the_stack_serves_the_openapi_document_of_every_route() {
    let (stack, _dir) = stack().await;
    let response = reqwest::get(format!("{}/openapi.json", stack.gateway_url))
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(document["openapi"], "3.1.0");
    for f in gridlink_lambda::FUNCTIONS {
        for route in f.routes {
            assert!(
                document["paths"][route.path][route.method.to_ascii_lowercase()].is_object(),
                "{} is described",
                route.route_key()
            );
        }
    }
}

/// `docs/openapi.json` is valid OpenAPI 3.1 by a real validator (`openapi-spec-validator`,
/// installed by scripts/setup.sh), and the validator refuses a broken copy — so this test can
/// fail.
#[test]
fn docs_openapi_json_passes_a_real_openapi_validator() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let validate = |file: &std::path::Path| {
        std::process::Command::new("python3")
            .args(["-m", "openapi_spec_validator"])
            .arg(file)
            .output()
            .expect("python3 runs (scripts/setup.sh installs openapi-spec-validator)")
    };
    let output = validate(std::path::Path::new(path));
    assert!(
        output.status.success(),
        "docs/openapi.json is not valid OpenAPI (is openapi-spec-validator installed? run \
         scripts/setup.sh): {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut broken: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    broken["paths"]["/broken"] = serde_json::json!({"get": {"responses": "none"}});
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("broken.json");
    std::fs::write(&file, broken.to_string()).expect("write");
    assert!(
        !validate(&file).status.success(),
        "the validator refuses a broken document"
    );
}

#[tokio::test]
async fn the_stack_serves_the_operator_console_page() {
    let (stack, _dir) = stack().await;
    let response = reqwest::get(format!("{}/console", stack.gateway_url))
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert!(
        header("content-security-policy").contains("frame-ancestors 'none'"),
        "{}",
        header("content-security-policy")
    );
    let page = response.text().await.expect("text");
    assert_eq!(page, gridlink_local::console::PAGE);
    assert!(page.contains("<title>gridlink operator console</title>"));
}
