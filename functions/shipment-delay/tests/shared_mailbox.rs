//! The tenant mailbox shipment-delay shares with order-reconcile, on embedded storage and on
//! S3 + DynamoDB (moto), against the simulators: shipment-delay's TG inbox poll (the safety
//! net when a webhook never came) takes the shipment statuses and files them, and leaves
//! ACME's 855 `new` for order-reconcile's poll instead of marking it downloaded where nobody
//! files it.

mod common;

use common::{PO, world_polling, x12_214};
use gridlink_lambda::{Handler as _, Invocation, Reply, ScheduleFiring};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::model::DocumentStatus;
use gridlink_tgrid::{DocumentId, Mailbox as _};
use serde_json::Value;

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(common::repo_path(&format!(
        "shared/edi/tests/fixtures/{path}"
    )))
    .expect("fixture")
}

async fn the_inbox_poll_files_shipment_statuses_and_leaves_the_rest_new(stack: Stack) {
    let world = world_polling(stack);
    let shipping_before = world.shipping(PO).await.len();
    // Both arrive while the webhooks are lost: nothing is delivered, only the poll finds them.
    let ack = world
        .partner_sends("prt_acme", fixture("x12/855_order_ack.x12"))
        .await;
    let ack: Value = serde_json::from_slice(&ack.body).expect("event json");
    let ack_id = DocumentId::new(ack["data"]["document_id"].as_str().expect("document id"));
    world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-61001", "SD", 861),
        )
        .await;

    let summary = match world
        .function
        .handle(Invocation::Schedule(ScheduleFiring {
            schedule: "shipment-delay-poll-inbox".into(),
            scheduled_at: None,
        }))
        .await
    {
        Ok(Reply::Scheduled(summary)) => summary,
        other => panic!("poll: {other:?}"),
    };
    assert_eq!(summary["polled"], 1, "{summary}");
    assert_eq!(summary["left_for_others"], 1, "{summary}");
    assert_eq!(summary["inbox"]["done"], 1, "{summary}");
    let shipping = world.shipping(PO).await;
    assert!(shipping.len() > shipping_before, "the 214 is filed");
    assert!(
        shipping.iter().any(|n| n.name.contains("SHP-61001")),
        "{:?}",
        shipping.iter().map(|n| &n.name).collect::<Vec<_>>()
    );
    assert_eq!(
        world.tg.document(&ack_id).await.expect("document").status,
        DocumentStatus::New,
        "the 855 is left for order-reconcile"
    );
}

gridlink_tests::on_both_stacks!(the_inbox_poll_files_shipment_statuses_and_leaves_the_rest_new);
