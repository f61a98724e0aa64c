//! The tenant mailbox order-reconcile shares with shipment-delay, on embedded storage and on
//! S3 + DynamoDB (moto), against the simulators:
//! - `document.status_changed` is not an arrival (issue 20, defect 7): once ACME's 855 is read
//!   and filed, TG emits `document.status_changed` for it;
//!   delivering that event is accepted and recorded as skipped — no second correlation,
//!   filing or acknowledgment;
//! - the inbox poll (the safety net beside webhooks) takes only order-reconcile's kinds: a 214
//!   is left `new` for shipment-delay's poll, never marked downloaded where nobody files it.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Options, acme_855, fixture, signed, world_with};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::DocumentId;
use gridlink_tgrid::model::DocumentStatus;

const PO: &str = "4500001234";

fn polling(stack: Stack) -> common::World {
    world_with(
        stack,
        &Options {
            config: vec![("TG_MAILBOX_ID".into(), "mbx_buyerco".into())],
            ..Options::default()
        },
    )
}

async fn a_status_change_of_a_filed_document_is_skipped_not_filed_again(stack: Stack) {
    let world = polling(stack);
    let request = world.partner_sends("prt_acme", acme_855(PO)).await;
    let received: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    let document_id = received["data"]["document_id"]
        .as_str()
        .map_or_else(|| panic!("a TG document id: {received}"), str::to_owned);
    let record = world.deliver(request).await;
    assert!(
        record["outcome"]["documents"][0]["document_id"].is_number(),
        "filed: {record}"
    );
    // Reading its content moved it on from `new`; TG emitted the status change.
    let workspace = world.workspace(PO).await;
    let filed_before = world.documents_in(workspace.id, "Confirmations").await;
    let acks_before = world.partner_inbox("prt_acme").await.len();

    let events = world
        .function
        .platform()
        .tg
        .events_after(None, Some(500))
        .await
        .unwrap()
        .items;
    let status_change = events
        .iter()
        .find(|e| {
            e.event_type.as_str() == "document.status_changed"
                && e.document()
                    .is_some_and(|d| d.document_id.as_str() == document_id)
        })
        .expect("TG emitted document.status_changed when the 855 was read");
    let answer = world
        .deliver(signed(&serde_json::to_vec(status_change).unwrap()))
        .await;
    assert!(
        answer["outcome"]["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("document.status_changed")),
        "recorded as skipped: {answer}"
    );
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        filed_before.len()
    );
    assert_eq!(world.partner_inbox("prt_acme").await.len(), acks_before);
}

async fn the_inbox_poll_leaves_a_shipment_status_new_for_shipment_delay(stack: Stack) {
    let world = polling(stack);
    let request = world
        .partner_sends("prt_acme", fixture("x12/214_shipment_status.x12"))
        .await;
    let received: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    let document_id = DocumentId::new(received["data"]["document_id"].as_str().unwrap());
    let polled = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(polled["polled"], 0, "{polled}");
    assert_eq!(polled["left_for_others"], 1, "{polled}");
    let document = world
        .function
        .platform()
        .tg
        .document(&document_id)
        .await
        .unwrap();
    assert_eq!(
        document.status,
        DocumentStatus::New,
        "still there for shipment-delay's poll"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_status_change_of_a_filed_document_is_skipped_not_filed_again,
    the_inbox_poll_leaves_a_shipment_status_new_for_shipment_delay,
);
