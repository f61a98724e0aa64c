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
async fn a_route_of_an_unbuilt_use_case_answers_501_with_a_body_naming_it() {
    let (stack, _dir) = stack().await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/supplier-onboarding/tg/events",
            stack.gateway_url
        ))
        .body("{}")
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(response.status(), 501);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_implemented");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("POST /supplier-onboarding/tg/events")
    );
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
