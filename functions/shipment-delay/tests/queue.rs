//! shipment-delay's unmatched queue end to end (both simulators, embedded and moto storage):
//! another partner's order is parked and nothing filed; the operator lists, inspects, rejects
//! and assigns; the retry schedule files what a later document made routable.

mod common;

use common::{PO, world, x12_214};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::Stack;
use serde_json::Value;

async fn a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed(stack: Stack) {
    let world = world(stack).await;
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", Some(PO), "SHP-66006", "SD", 841),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let item_id = outcome["statuses"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {outcome}"))
        .to_owned();
    assert!(
        world.shipping(PO).await.is_empty(),
        "nothing filed in ACME's order"
    );
    assert_eq!(world.shipment_status(PO).await, None);
    let Reply::Http(list) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "GET".into(),
            path: "/shipment-delay/unmatched".into(),
            ..HttpRequest::default()
        }))
        .await
        .expect("list")
    else {
        panic!("http")
    };
    let list: Value = serde_json::from_slice(&list.body).expect("json");
    assert_eq!(list["items"][0]["item_id"], item_id.as_str(), "{list}");
    assert_eq!(
        list["items"][0]["details"]["reason"]["reason"],
        "partner_mismatch"
    );
    let Reply::Http(rejected) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "POST".into(),
            path: format!("/shipment-delay/unmatched/{item_id}/reject"),
            body: br#"{"comment":"Globex is not ACME's carrier"}"#.to_vec(),
            ..HttpRequest::default()
        }))
        .await
        .expect("reject")
    else {
        panic!("http")
    };
    assert_eq!(rejected.status, 200);
    let Reply::Http(inspected) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "GET".into(),
            path: format!("/shipment-delay/unmatched/{item_id}"),
            ..HttpRequest::default()
        }))
        .await
        .expect("inspect")
    else {
        panic!("http")
    };
    let inspected: Value = serde_json::from_slice(&inspected.body).expect("json");
    assert_eq!(inspected["status"], "rejected", "{inspected}");
    assert!(
        world
            .partner_inbox("prt_globex")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "the interchange itself is acknowledged"
    );
}

async fn an_operator_assigns_a_parked_214_and_its_shipment_id_is_taught(stack: Stack) {
    let world = world(stack).await;
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-44004", "SD", 871),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let item_id = outcome["statuses"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {outcome}"))
        .to_owned();
    let path = format!("/shipment-delay/unmatched/{item_id}/assign");
    let (status, answer) = world.call("POST", &path, r#"{"po_number":""}"#).await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = world
        .call("POST", &path, &format!(r#"{{"po_number":"{PO}"}}"#))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "assigned", "{answer}");
    let filed = &answer["details"]["outcome"]["filed"][0];
    assert_eq!(filed["routed_by"], "operator", "{answer}");
    let document = filed["document_id"].as_i64().expect("filed");
    assert!(
        world
            .shipping(PO)
            .await
            .iter()
            .any(|n| n.id.get() == document)
    );
    let (status, _) = world
        .call("POST", &path, &format!(r#"{{"po_number":"{PO}"}}"#))
        .await;
    assert_eq!(status, 409, "an assigned item cannot be assigned again");
    // The assignment taught SHP-44004: ACME's next status for it finds the order itself.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-44004", "X1", 872),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(
        outcome["statuses"][0]["routed_by"], "shipment_reference",
        "{outcome}"
    );
}

async fn the_retry_schedule_files_a_parked_message_once_its_shipment_is_known(stack: Stack) {
    let world = world(stack).await;
    let thread = world.thread_with(None).await;
    let request = world
        .partner_posts(
            &thread,
            "Shipment SHP-33003 missed the vessel; next sailing in a week.",
            r#"{"shipment_id":"SHP-33003","status_code":"SD","reason":"AJ"}"#,
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert!(outcome["unmatched"].is_string(), "{outcome}");
    assert!(world.shipping(PO).await.is_empty());
    let retried = world
        .function
        .handle(Invocation::Schedule(gridlink_lambda::ScheduleFiring {
            schedule: "shipment-delay-retry-unmatched".into(),
            scheduled_at: None,
        }))
        .await
        .expect("retry");
    let Reply::Scheduled(summary) = retried else {
        panic!("a schedule reply")
    };
    assert_eq!(summary["unmatched"]["still_unmatched"], 1, "{summary}");
    // ACME's 214 names the PO and SHP-33003; the next retry files the message.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-33003", "X3", 881),
        )
        .await;
    world.outcome_of(request).await;
    let Reply::Scheduled(summary) = world
        .function
        .handle(Invocation::Schedule(gridlink_lambda::ScheduleFiring {
            schedule: "shipment-delay-retry-unmatched".into(),
            scheduled_at: None,
        }))
        .await
        .expect("retry")
    else {
        panic!("a schedule reply")
    };
    assert_eq!(summary["unmatched"]["assigned"], 1, "{summary}");
    let names: Vec<String> = world
        .shipping(PO)
        .await
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Partner message") && n.ends_with("customs-hold.txt")),
        "the message's attachment is filed: {names:?}"
    );
    assert!(
        world.call("GET", "/shipment-delay/unmatched", "").await.1["items"]
            .as_array()
            .expect("items")
            .is_empty()
    );
}

gridlink_tests::on_both_stacks!(
    a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed,
    an_operator_assigns_a_parked_214_and_its_shipment_id_is_taught,
    the_retry_schedule_files_a_parked_message_once_its_shipment_is_known,
);
