//! Pausing and resuming (issue 18 item 4, `gridlink_flow::pause`), on embedded storage and on
//! S3 + DynamoDB (moto), against the simulators: paused traffic is accepted and kept (`202`),
//! not processed; resuming processes it once through the normal path; a paused partner's
//! documents are set aside while other partners' flow; bad requests are refused by name.

mod common;

use common::{World, acme_855, initech, world};
use gridlink_tests::stack::Stack;
use serde_json::Value;

async fn confirmations(world: &World, po: &str) -> usize {
    let workspace = world.workspace(po).await;
    world
        .documents_in(workspace.id, "Confirmations")
        .await
        .len()
}

async fn acks_to(world: &World, partner: &str) -> usize {
    world
        .partner_inbox(partner)
        .await
        .iter()
        .filter(|d| d["doc_type"] == "997" || d["doc_type"] == "CONTRL")
        .count()
}

async fn a_paused_function_keeps_what_arrives_and_processes_it_once_when_resumed(stack: Stack) {
    let world = world(stack);
    let (status, paused) = world
        .operator(
            "POST",
            "/order-reconcile/pause",
            r#"{"reason":"xECM maintenance window"}"#,
        )
        .await;
    assert_eq!(status, 201, "{paused}");
    assert_eq!(paused["status"], "active");
    assert_eq!(paused["target"]["function"], "order-reconcile");
    let (status, again) = world
        .operator("POST", "/order-reconcile/pause", r#"{"reason":"again"}"#)
        .await;
    assert_eq!(
        (status, &again["already_paused"]),
        (200, &Value::Bool(true))
    );
    assert_eq!(again["reason"], "xECM maintenance window", "unchanged");

    // Accepted and kept as always, not processed.
    let record = world
        .deliver(
            world
                .partner_sends("prt_acme", acme_855("4500001234"))
                .await,
        )
        .await;
    assert_eq!(record["attempts"], 0, "not attempted: {record}");
    assert!(record.get("done_at").is_none(), "{record}");
    let fired = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(fired["paused"], true, "{fired}");
    assert_eq!(confirmations(&world, "4500001234").await, 0);
    assert_eq!(acks_to(&world, "prt_acme").await, 0);
    let (status, listed) = world.operator("GET", "/order-reconcile/pauses", "").await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["pauses"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );

    let (status, resumed) = world.operator("POST", "/order-reconcile/resume", "").await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["was_paused"], true);
    assert_eq!(resumed["pause"]["status"], "resumed");
    assert_eq!(resumed["inbox"]["done"], 1, "{resumed}");
    assert_eq!(confirmations(&world, "4500001234").await, 1, "filed once");
    assert_eq!(acks_to(&world, "prt_acme").await, 1, "acknowledged once");

    let (status, again) = world
        .operator("POST", "/order-reconcile/resume", "{}")
        .await;
    assert_eq!((status, &again["was_paused"]), (200, &Value::Bool(false)));
    let (_, listed) = world.operator("GET", "/order-reconcile/pauses", "").await;
    assert_eq!(
        listed["pauses"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );
    // Paused again after a resume: in force again.
    let (status, _) = world
        .operator(
            "POST",
            "/order-reconcile/pause",
            r#"{"reason":"once more"}"#,
        )
        .await;
    assert_eq!(status, 201);
}

async fn a_paused_partners_documents_are_set_aside_while_others_flow(stack: Stack) {
    let world = world(stack);
    let (status, paused) = world
        .operator(
            "POST",
            "/order-reconcile/partners/prt_acme/pause",
            r#"{"reason":"Acme sends 855s with wrong prices"}"#,
        )
        .await;
    assert_eq!(status, 201, "{paused}");
    assert_eq!(paused["target"]["partner_id"], "prt_acme");
    assert!(
        paused["edi_addresses"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "ZZ:ACMESUPPLY")),
        "the partner's addresses from Trading Grid: {paused}"
    );

    let acme = world
        .deliver(
            world
                .partner_sends("prt_acme", acme_855("4500001234"))
                .await,
        )
        .await;
    let other = world
        .deliver(
            world
                .partner_sends(
                    "prt_initech",
                    initech("edifact/ordrsp_order_ack.edi", "4500001235"),
                )
                .await,
        )
        .await;
    assert!(
        other["done_at"].is_string(),
        "another partner flows: {other}"
    );
    assert!(acme.get("done_at").is_none(), "{acme}");
    assert_eq!(acme["paused_for"][0], "ZZ:ACMESUPPLY", "{acme}");
    let fired = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(
        fired["inbox"]["pending"], 0,
        "set aside, not pending: {fired}"
    );
    let (_, listed) = world.operator("GET", "/order-reconcile/pauses", "").await;
    let set_aside = listed["set_aside"].as_array().expect("set_aside");
    assert_eq!(set_aside.len(), 1, "{listed}");
    assert_eq!(set_aside[0]["status"], "paused");
    assert_eq!(confirmations(&world, "4500001234").await, 0);
    assert_eq!(acks_to(&world, "prt_acme").await, 0);

    let (status, resumed) = world
        .operator("POST", "/order-reconcile/partners/prt_acme/resume", "")
        .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["was_paused"], true);
    assert_eq!(resumed["inbox"]["resumed"], 1, "{resumed}");
    assert_eq!(resumed["inbox"]["done"], 1, "{resumed}");
    assert_eq!(confirmations(&world, "4500001234").await, 1, "filed once");
    assert_eq!(acks_to(&world, "prt_acme").await, 1, "acknowledged once");
    let fired = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(fired["inbox"]["pending"], 0, "{fired}");
    assert_eq!(confirmations(&world, "4500001234").await, 1);
}

async fn bad_pause_requests_are_refused_by_name_and_change_nothing(stack: Stack) {
    let world = world(stack);
    for (path, body, status, needle) in [
        ("/order-reconcile/pause", "", 400, "reason"),
        ("/order-reconcile/pause", "{}", 400, "reason"),
        ("/order-reconcile/pause", r#"{"reason":""}"#, 400, "reason"),
        (
            "/order-reconcile/pause",
            r#"{"reason":"x","until":"2027"}"#,
            400,
            "until",
        ),
        ("/order-reconcile/pause", "[1]", 400, "reason"),
        (
            "/order-reconcile/partners/prt$acme/pause",
            r#"{"reason":"x"}"#,
            400,
            "partner_id",
        ),
        (
            "/order-reconcile/partners/prt_nobody/pause",
            r#"{"reason":"x"}"#,
            404,
            "",
        ),
        ("/order-reconcile/resume", "[1]", 400, "body"),
        ("/order-reconcile/resume", r#"{"why":"x"}"#, 400, "why"),
    ] {
        let (got, answer) = world.operator("POST", path, body).await;
        assert_eq!(got, status, "{path} {body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{path} {body}: {message}");
    }
    let long = format!(r#"{{"reason":"{}"}}"#, "x".repeat(501));
    let (got, _) = world
        .operator("POST", "/order-reconcile/pause", &long)
        .await;
    assert_eq!(got, 400);
    let (_, listed) = world.operator("GET", "/order-reconcile/pauses", "").await;
    assert_eq!(
        listed["pauses"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_paused_function_keeps_what_arrives_and_processes_it_once_when_resumed,
    a_paused_partners_documents_are_set_aside_while_others_flow,
    bad_pause_requests_are_refused_by_name_and_change_nothing,
);
