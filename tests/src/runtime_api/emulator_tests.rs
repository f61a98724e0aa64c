//! The emulator on its own: a hand-written runtime (a plain HTTP client) and small shell
//! scripts stand in for a function, so each Runtime API rule and each failure report is seen
//! from both sides.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::{InvokeError, Outcome, ReportCounts, RuntimeApi};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// One HTTP/1.1 exchange with the emulator, as a runtime would make it.
async fn call(
    rt: &RuntimeApi,
    method: Method,
    path: &str,
    body: &str,
) -> (StatusCode, HeaderMap, Bytes) {
    let stream = tokio::net::TcpStream::connect(rt.address())
        .await
        .expect("the emulator accepts connections");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("an HTTP/1.1 handshake");
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, rt.address())
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("a valid request");
    let response = sender.send_request(request).await.expect("an answer");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("a body").to_bytes();
    (parts.status, parts.headers, body)
}

fn json_of(body: &Bytes) -> Value {
    serde_json::from_slice(body).expect("a JSON body")
}

/// Polls once and returns the request id and the event.
async fn next_event(rt: &RuntimeApi) -> (String, Value, HeaderMap) {
    let (status, headers, body) = call(rt, Method::GET, NEXT, "").await;
    assert_eq!(status, StatusCode::OK);
    let id = headers["lambda-runtime-aws-request-id"]
        .to_str()
        .expect("an ASCII request id")
        .to_owned();
    (id, json_of(&body), headers)
}

fn script(dir: &tempfile::TempDir, name: &str, body: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("the script is written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .expect("the script is executable");
    path
}

#[tokio::test]
async fn a_runtime_that_polls_gets_the_event_with_lambdas_headers_and_its_answer_is_the_outcome() {
    let rt = RuntimeApi::start().await.expect("starts");
    let runtime = async {
        let (id, event, headers) = next_event(&rt).await;
        assert_eq!(event, json!({"ping": 1}));
        let deadline: u128 = headers["lambda-runtime-deadline-ms"]
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("milliseconds");
        assert!(
            deadline > 1_700_000_000_000,
            "a Unix time in ms: {deadline}"
        );
        let arn = headers["lambda-runtime-invoked-function-arn"]
            .to_str()
            .expect("ASCII");
        assert!(
            arn.starts_with("arn:aws:lambda:eu-west-1:123456789012:function:"),
            "{arn}"
        );
        let trace = headers["lambda-runtime-trace-id"].to_str().expect("ASCII");
        assert!(trace.starts_with("Root=1-"), "{trace}");
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        let (status, _, body) = call(&rt, Method::POST, &path, r#"{"pong":1}"#).await;
        assert_eq!(
            (status, json_of(&body)),
            (StatusCode::ACCEPTED, json!({"status": "OK"}))
        );

        let (status, _, body) = call(&rt, Method::POST, &path, r#"{"pong":2}"#).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "an invocation is answered once"
        );
        assert_eq!(json_of(&body)["errorType"], "InvalidRequestID");
    };
    let event = json!({"ping": 1});
    let (outcome, ()) = tokio::join!(rt.invoke(&event, Duration::from_secs(5)), runtime);
    assert_eq!(
        outcome.expect("answered"),
        Outcome::Response(json!({"pong": 1}))
    );
    assert_eq!(
        rt.counts(),
        ReportCounts {
            events_delivered: 1,
            responses: 1,
            errors: 0,
            init_errors: 0
        }
    );
}

#[tokio::test]
async fn an_error_report_is_an_invocation_error_and_a_malformed_one_is_refused() {
    let rt = RuntimeApi::start().await.expect("starts");
    let runtime = async {
        let (id, _, _) = next_event(&rt).await;
        let path = format!("/2018-06-01/runtime/invocation/{id}/error");
        let report = r#"{"errorType":"NonRetryable","errorMessage":"nothing was processed"}"#;
        let (status, _, _) = call(&rt, Method::POST, &path, report).await;
        assert_eq!(status, StatusCode::ACCEPTED);

        let (id, _, _) = next_event(&rt).await;
        let path = format!("/2018-06-01/runtime/invocation/{id}/error");
        let (status, _, body) = call(&rt, Method::POST, &path, r#"{"message":"oops"}"#).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json_of(&body)["errorType"], "InvalidErrorReport");
    };
    let invocations = async {
        let first = rt.invoke(&json!({}), Duration::from_secs(5)).await;
        let second = rt.invoke(&json!({}), Duration::from_secs(5)).await;
        (first, second)
    };
    let ((first, second), ()) = tokio::join!(invocations, runtime);
    assert_eq!(
        first.expect("answered"),
        Outcome::Error {
            error_type: "NonRetryable".into(),
            error_message: "nothing was processed".into()
        }
    );
    let error = second.expect_err("a malformed report is not an outcome");
    assert!(
        matches!(&error, InvokeError::MalformedReport { what: "error report", body, .. } if body.contains("oops")),
        "{error}"
    );
}

#[tokio::test]
async fn an_init_error_ends_the_waiting_invocation_and_every_later_one() {
    let rt = RuntimeApi::start().await.expect("starts");
    let runtime = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let report =
            r#"{"errorType":"Runtime.InitError","errorMessage":"GRIDLINK_TABLE is not set"}"#;
        let (status, _, _) =
            call(&rt, Method::POST, "/2018-06-01/runtime/init/error", report).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    };
    let event = json!({});
    let (outcome, ()) = tokio::join!(rt.invoke(&event, Duration::from_secs(5)), runtime);
    let expected = Outcome::InitError {
        error_type: "Runtime.InitError".into(),
        error_message: "GRIDLINK_TABLE is not set".into(),
    };
    assert_eq!(outcome.expect("an outcome"), expected);
    let later = tokio::time::timeout(
        Duration::from_secs(1),
        rt.invoke(&json!({}), Duration::from_secs(30)),
    )
    .await
    .expect("answered at once, not after the timeout");
    assert_eq!(later.expect("an outcome"), expected);
}

#[tokio::test]
async fn an_unanswered_invocation_times_out_and_is_withdrawn_from_the_queue() {
    let rt = RuntimeApi::start().await.expect("starts");
    let error = rt
        .invoke(&json!({"stale": true}), Duration::from_millis(100))
        .await
        .expect_err("nobody polls");
    let text = error.to_string();
    assert!(matches!(error, InvokeError::TimedOut { .. }), "{text}");
    assert!(text.contains("no function process was started"), "{text}");

    let late_poll = tokio::time::timeout(Duration::from_millis(300), next_event(&rt)).await;
    assert!(
        late_poll.is_err(),
        "a timed-out event is never handed out later"
    );
}

#[tokio::test]
async fn an_invoke_to_a_process_that_exits_reports_its_exit_status_and_last_words() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let bin = script(
        &dir,
        "broken-function",
        "echo \"starting $AWS_LAMBDA_FUNCTION_NAME against $AWS_LAMBDA_RUNTIME_API\"\n\
         echo 'GRIDLINK_TABLE is not set' >&2\nexit 3",
    );
    let rt = RuntimeApi::start().await.expect("starts");
    let process = rt.spawn_function(&bin, &[]).expect("spawns");
    let error = rt
        .invoke(&json!({}), Duration::from_secs(20))
        .await
        .expect_err("the process is gone");
    let text = error.to_string();
    assert!(matches!(error, InvokeError::ProcessExited { .. }), "{text}");
    assert!(text.contains("exit status: 3"), "{text}");
    assert!(text.contains("stderr| GRIDLINK_TABLE is not set"), "{text}");
    assert!(
        text.contains(&format!(
            "stdout| starting broken-function against {}",
            rt.address()
        )),
        "the Lambda environment reached the process: {text}"
    );
    assert_eq!(process.exit_status().as_deref(), Some("exit status: 3"));
}

#[tokio::test]
async fn the_environment_is_lambdas_plus_the_given_variables_and_nothing_else_from_the_test() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let bin = script(&dir, "env-dump", "env | sort >&2\nexit 0");
    let rt = RuntimeApi::start().await.expect("starts");
    let process = rt
        .spawn_function(
            &bin,
            &[("AWS_REGION", "us-east-2"), ("GRIDLINK_MODE", "test")],
        )
        .expect("spawns");
    process
        .wait_for_exit(Duration::from_secs(20))
        .await
        .expect("exits");
    let output = process.output();
    for expected in [
        "AWS_LAMBDA_FUNCTION_NAME=env-dump",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
        "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/env-dump",
        "AWS_LAMBDA_LOG_STREAM_NAME=",
        "AWS_REGION=us-east-2",
        "GRIDLINK_MODE=test",
        &format!("AWS_LAMBDA_RUNTIME_API={}", rt.address()),
    ] {
        assert!(
            output.contains(&format!("stderr| {expected}")),
            "{expected} in\n{output}"
        );
    }
    assert!(
        !output.contains("CARGO"),
        "the test's own variables stay out:\n{output}"
    );
}

#[tokio::test]
async fn dropping_the_process_handle_kills_the_function() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let bin = script(&dir, "sleeper", "exec sleep 60");
    let rt = RuntimeApi::start().await.expect("starts");
    let process = rt.spawn_function(&bin, &[]).expect("spawns");
    let error = rt
        .invoke(&json!({}), Duration::from_millis(200))
        .await
        .expect_err("a sleeper never polls");
    assert!(matches!(error, InvokeError::TimedOut { .. }), "{error}");
    assert!(
        error.to_string().contains("did the function start"),
        "{error}"
    );

    let proc_entry = PathBuf::from(format!("/proc/{}", process.pid()));
    assert!(proc_entry.exists(), "still sleeping before the drop");
    drop(process);
    for _ in 0..100 {
        if !proc_entry.exists() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the function process outlived its handle");
}
