//! Business metrics (CloudWatch EMF lines, `gridlink_flow::metrics`) counted by the runtime
//! and the inbound path, on embedded storage and on S3 + DynamoDB (moto), against the
//! simulators: a document processed, filed and acknowledged counts once each, a redelivery
//! counts nothing, an unknown order counts as unmatched, and an item past the attempt cap as
//! a dead letter.

mod common;

use std::sync::Arc;

use common::{World, acme_855, initech, world_on};
use gridlink_flow::metrics::MemorySink;
use gridlink_flow::{Metric, MetricsChoice};
use gridlink_tests::stack::Stack;
use serde_json::json;

fn counted(stack: Stack) -> (World, Arc<MemorySink>) {
    let sink = Arc::new(MemorySink::default());
    let config = stack.config().clone();
    let platform = stack
        .platform(order_reconcile::NAME)
        .with_metrics(&MetricsChoice::Sink {
            sink: sink.clone(),
            namespace: "gridlink/test".into(),
        });
    (world_on(stack, platform, &config), sink)
}

async fn a_document_filed_and_acknowledged_counts_once_and_a_redelivery_counts_nothing(
    stack: Stack,
) {
    let (world, sink) = counted(stack);
    let before = world.xecm_documents().await;
    let request = world
        .partner_sends("prt_acme", acme_855("4500001234"))
        .await;
    world.deliver(request.clone()).await;
    // The confirmation and what reconciling the order files with it: each document new in
    // xECM counts once.
    let filed = usize::try_from(world.xecm_documents().await - before).expect("small");
    assert!(filed >= 1);
    assert_eq!(sink.count(Metric::EventsProcessed), 1);
    assert_eq!(sink.count(Metric::DocumentsFiled), filed);
    assert_eq!(sink.count(Metric::AcknowledgmentsSent), 1);
    assert_eq!(sink.count(Metric::Unmatched), 0);
    let latency: Vec<_> = sink
        .lines()
        .into_iter()
        .filter(|l| l.get("EndToEndLatency").is_some())
        .collect();
    assert_eq!(latency.len(), 1, "one latency per item done");
    let line = &latency[0];
    assert_eq!(line["function"], "order-reconcile");
    assert!(
        line["item_id"]
            .as_str()
            .is_some_and(|i| i.starts_with("tg:"))
    );
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "gridlink/test"
    );
    let ack = sink
        .lines()
        .into_iter()
        .find(|l| l.get("AcknowledgmentsSent").is_some())
        .expect("ack line");
    assert_eq!(ack["partner"], "ZZ:ACMESUPPLY", "{ack}");

    // TG delivers the same event again: nothing new happened, nothing new is counted.
    world.deliver(request).await;
    assert_eq!(sink.count(Metric::EventsProcessed), 1);
    assert_eq!(sink.count(Metric::DocumentsFiled), filed);
    assert_eq!(sink.count(Metric::AcknowledgmentsSent), 1);
}

async fn unmatched_and_dead_lettered_items_are_counted(stack: Stack) {
    let (world, sink) = counted(stack);
    // Initech's own reference "PO-77" names no order workspace: parked.
    world
        .deliver(
            world
                .partner_sends(
                    "prt_initech",
                    initech("edifact/ordrsp_order_ack.edi", "PO-77"),
                )
                .await,
        )
        .await;
    assert_eq!(sink.count(Metric::Unmatched), 1);

    let cap = world.function.policy().max_attempts;
    world.fail_uploads(100_000).await;
    world
        .deliver(
            world
                .partner_sends("prt_acme", acme_855("4500001234"))
                .await,
        )
        .await;
    for _ in 1..cap {
        world.schedule("order-reconcile-poll-inbox").await;
    }
    world.xecm_faults(json!({})).await;
    assert_eq!(sink.count(Metric::DeadLettered), 1);
    let retried = usize::try_from(cap - 1).expect("small");
    assert_eq!(sink.count(Metric::EventsRetried), retried);
    assert_eq!(sink.count(Metric::DocumentsFiled), 0);
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_document_filed_and_acknowledged_counts_once_and_a_redelivery_counts_nothing,
    unmatched_and_dead_lettered_items_are_counted,
);
