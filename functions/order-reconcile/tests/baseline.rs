//! The order baseline from the buyer's own purchase order document (issue 17, rule 8), on
//! embedded storage and on S3 + DynamoDB (moto), against the simulators: PO 4500001237 is an
//! order workspace without category lines (as many ERP integrations leave it); the buyer's
//! 850 filed in its `Order` folder becomes the order record ACME's 855 is reconciled against.

#![allow(clippy::unwrap_used)]

mod common;

use common::{World, fixture, world};
use gridlink_tests::stack::Stack;
use gridlink_xecm::{BytesSource, DocumentSpec, Workspaces};
use serde_json::Value;

const PO: &str = "4500001237";

fn with_po(path: &str) -> Vec<u8> {
    String::from_utf8(fixture(path))
        .unwrap()
        .replace("PO-2024-0042", PO)
        .into_bytes()
}

async fn json_report(world: &World) -> Value {
    let workspace = world.workspace(PO).await;
    let report = world
        .documents_in(workspace.id, "Reconciliation")
        .await
        .into_iter()
        .find(|n| n.name == format!("Reconciliation {PO}.json"))
        .expect("the JSON report is filed");
    let mut bytes = Vec::new();
    world
        .xecm
        .download_document(report.id)
        .await
        .unwrap()
        .write_to(&mut bytes)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn acme_acknowledges(world: &World) -> Value {
    let request = world
        .partner_sends("prt_acme", with_po("x12/855_order_ack.x12"))
        .await;
    world.deliver(request).await["outcome"]["documents"][0].clone()
}

async fn without_category_lines_the_filed_850_is_the_order_baseline(stack: Stack) {
    let world = world(stack);
    let workspace = world.workspace(PO).await;
    world
        .xecm
        .file_document(
            workspace.id,
            "Order",
            &DocumentSpec {
                name: format!("850 {PO}.x12"),
                description: "the purchase order as sent".into(),
                file_name: None,
                mime_type: Some("application/edi-x12".into()),
                categories: Vec::new(),
            },
            &BytesSource(with_po("x12/850_purchase_order.x12").into()),
        )
        .await
        .unwrap();
    let acknowledged = acme_acknowledges(&world).await;
    assert!(acknowledged["document_id"].is_i64(), "{acknowledged}");
    let report = json_report(&world).await;
    let lines = report["lines"].as_array().expect("lines");
    assert_eq!(
        lines.len(),
        2,
        "the 850's two lines are the order: {report}"
    );
}

async fn without_lines_or_an_850_the_order_has_no_lines(stack: Stack) {
    let world = world(stack);
    acme_acknowledges(&world).await;
    let report = json_report(&world).await;
    assert_eq!(
        report["lines"].as_array().map(Vec::len),
        Some(0),
        "nothing to reconcile against: {report}"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    without_category_lines_the_filed_850_is_the_order_baseline,
    without_lines_or_an_850_the_order_has_no_lines,
);
