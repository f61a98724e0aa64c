//! order-reconcile when things break, on embedded storage and on S3 + DynamoDB (moto): xECM
//! failing mid-way (xecm-sim's fault switches), storage down while TG delivers, and a crash
//! between filing an assigned item and closing it. Each time: nothing lost, nothing filed
//! twice, and the caller told to come back when nothing was kept.
//!
//! The bounded-memory check of a large PDF lives in `big_attachment.rs`, alone in its test
//! binary, so the peak memory it reads is its own.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{World, acme_855, body_text, world};
use gridlink_tests::stack::Stack;
use serde_json::{Value, json};

async fn pending_count(world: &World) -> usize {
    world
        .function
        .platform()
        .inbox
        .pending(50)
        .await
        .expect("pending")
        .len()
}

async fn acks_to_acme(world: &World) -> usize {
    world
        .partner_inbox("prt_acme")
        .await
        .iter()
        .filter(|d| d["doc_type"] == "997")
        .count()
}

async fn an_xecm_outage_during_the_upload_keeps_the_document_pending_and_the_next_run_files_it_once(
    stack: Stack,
) {
    let world = world(stack);
    // Every document upload fails (more 500s than the client's retries) until cleared.
    world
        .xecm_faults(json!({"error_500_next": 1000, "only_path_containing": "/nodes", "only_method": "POST"}))
        .await;
    let request = world
        .partner_sends("prt_acme", acme_855("4500001234"))
        .await;
    let record = world.deliver(request).await;
    let event_id = record["event_id"].as_str().expect("event id").to_owned();
    assert_eq!(
        world.inbox_record(&event_id).await["attempts"],
        1,
        "{record}"
    );
    assert_eq!(pending_count(&world).await, 1, "kept for the next run");
    let workspace = world.workspace("4500001234").await;
    assert!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .is_empty()
    );

    // Still down: the schedule tries again, the item stays pending.
    world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(world.inbox_record(&event_id).await["attempts"], 2);

    world.xecm_faults(json!({})).await;
    let summary = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(summary["inbox"]["done"], 1, "{summary}");
    let done = world.inbox_record(&event_id).await;
    assert!(
        done["outcome"]["documents"][0]["document_id"].is_i64(),
        "{done}"
    );
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
    assert_eq!(acks_to_acme(&world).await, 1, "acknowledged once");

    world
        .deliver(
            world
                .partner_sends("prt_acme", acme_855("4500001234"))
                .await,
        )
        .await;
    world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1,
        "the same business document again files nothing new"
    );
    assert_eq!(pending_count(&world).await, 0);
}

async fn an_xecm_outage_after_filing_finishes_the_work_without_a_second_document(stack: Stack) {
    let world = world(stack);
    // The document goes in; writing the order's Match Status (a category update) fails.
    world
        .xecm_faults(json!({"error_500_next": 1000, "only_path_containing": "/categories/9100", "only_method": "PUT"}))
        .await;
    let request = world
        .partner_sends("prt_acme", acme_855("4500001234"))
        .await;
    let record = world.deliver(request).await;
    let event_id = record["event_id"].as_str().expect("event id").to_owned();
    assert_eq!(pending_count(&world).await, 1, "{record}");
    let workspace = world.workspace("4500001234").await;
    let filed = world.documents_in(workspace.id, "Confirmations").await;
    assert_eq!(filed.len(), 1, "filed before the outage hit");

    world.xecm_faults(json!({})).await;
    world.schedule("order-reconcile-poll-inbox").await;
    let done = world.inbox_record(&event_id).await;
    assert_eq!(
        done["outcome"]["documents"][0]["document_id"].as_i64(),
        Some(filed[0].id.get()),
        "{done}"
    );
    assert!(
        done["outcome"]["documents"][0]["match_status"].is_string(),
        "{done}"
    );
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
    assert_eq!(acks_to_acme(&world).await, 1);
}

async fn webhooks_during_a_storage_outage_are_refused_with_503_and_retry_after(stack: Stack) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", acme_855("4500001234"))
        .await;
    world.storage_down.store(true, Ordering::SeqCst);
    let refused = world.call(request.clone()).await;
    assert_eq!(refused.status, 503, "{}", body_text(&refused));
    let retry_after = refused
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
        .map(|(_, v)| v.clone());
    assert!(
        retry_after
            .as_deref()
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s > 0),
        "Retry-After: {retry_after:?}"
    );
    world.storage_down.store(false, Ordering::SeqCst);
    assert_eq!(
        pending_count(&world).await,
        0,
        "nothing was kept, so nothing is pending"
    );

    // TG redelivers: accepted, processed, filed once.
    let answer = world.call(request).await;
    assert_eq!(answer.status, 202, "{}", body_text(&answer));
    let answer: Value = serde_json::from_slice(&answer.body).expect("json");
    assert_eq!(answer["duplicate"], false);
    let workspace = world.workspace("4500001234").await;
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
}

async fn a_crash_between_filing_and_closing_an_assignment_is_finished_by_a_rerun_without_a_second_document(
    stack: Stack,
) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", acme_855("4599999990"))
        .await;
    let record = world.deliver(request).await;
    let item_id = record["outcome"]["documents"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {record}"))
        .to_owned();
    let workspace = world.workspace("4500001237").await;

    // The document is filed in xECM, then the process "dies" before it records that.
    world.crash.arm("xecm-file");
    let (status, answer) = world
        .assign(&item_id, r#"{"po_number":"4500001237"}"#)
        .await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
    assert_eq!(world.item(&item_id).await["status"], "open");

    // While the dead worker's lease lasts, a re-run is told to come back later…
    let (status, answer) = world
        .assign(&item_id, r#"{"po_number":"4500001237"}"#)
        .await;
    assert_eq!(status, 503, "{answer}");
    // …after it, the re-run adopts the filed document and closes the item.
    world.stack.ledger_clock.advance(Duration::from_secs(301));
    let (status, closed) = world
        .assign(&item_id, r#"{"po_number":"4500001237"}"#)
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "assigned");
    let filed = world.documents_in(workspace.id, "Confirmations").await;
    assert_eq!(filed.len(), 1, "one document: {filed:?}");
    assert_eq!(
        closed["details"]["outcome"]["filed"]["document_id"].as_i64(),
        Some(filed[0].id.get())
    );

    // Filed and confirmed, then the process dies in the next step (the order's Match Status)
    // before the item is closed: the re-run replays the filing and closes it.
    let request = world
        .partner_sends("prt_acme", acme_855("4599999991"))
        .await;
    let record = world.deliver(request).await;
    let item_id = record["outcome"]["documents"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {record}"))
        .to_owned();
    let order = world.workspace("4500001234").await;
    world.crash.arm("xecm-match-status");
    let (status, answer) = world
        .assign(&item_id, r#"{"po_number":"4500001234"}"#)
        .await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(world.item(&item_id).await["status"], "open");
    assert_eq!(world.documents_in(order.id, "Confirmations").await.len(), 1);
    world.stack.ledger_clock.advance(Duration::from_secs(301));
    let (status, closed) = world
        .assign(&item_id, r#"{"po_number":"4500001234"}"#)
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(
        world.documents_in(order.id, "Confirmations").await.len(),
        1,
        "one document after the re-run"
    );
}

/// The one retry rule, end to end: an xECM outage that outlasts the attempt cap turns the
/// item into a dead letter — listed and inspectable by an operator, with its last error —
/// and once xECM is back, a requeue processes it once: one document, one acknowledgment.
async fn an_item_failing_past_the_attempt_cap_is_dead_lettered_listed_and_requeued_once(
    stack: Stack,
) {
    let world = world(stack);
    let cap = world.function.policy().max_attempts;
    world
        .xecm_faults(json!({"error_500_next": 100_000, "only_path_containing": "/nodes", "only_method": "POST"}))
        .await;
    let record = world
        .deliver(
            world
                .partner_sends("prt_acme", acme_855("4500001234"))
                .await,
        )
        .await;
    let event_id = record["event_id"].as_str().expect("event id").to_owned();
    for _ in 1..cap {
        world.schedule("order-reconcile-poll-inbox").await;
    }
    let dead = world.inbox_record(&event_id).await;
    assert_eq!(dead["attempts"], cap, "{dead}");
    assert_eq!(
        pending_count(&world).await,
        0,
        "nothing is retried for ever"
    );
    let summary = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(summary["inbox"]["pending"], 0, "{summary}");

    let (status, listed) = world
        .operator("GET", "/order-reconcile/dead-letters", "")
        .await;
    assert_eq!(status, 200, "{listed}");
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{listed}");
    let item_id = format!("tg:{event_id}");
    assert_eq!(items[0]["item_id"], item_id.as_str());
    assert_eq!(items[0]["status"], "dead_letter");
    assert!(
        items[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("xECM")),
        "the last error is kept: {listed}"
    );
    let (status, inspected) = world
        .operator(
            "GET",
            &format!("/order-reconcile/dead-letters/{item_id}"),
            "",
        )
        .await;
    assert_eq!(status, 200, "{inspected}");
    assert_eq!(
        inspected["event"]["event_id"],
        event_id.as_str(),
        "the raw event"
    );

    world.xecm_faults(json!({})).await;
    let (status, requeued) = world
        .operator(
            "POST",
            &format!("/order-reconcile/dead-letters/{item_id}/requeue"),
            "",
        )
        .await;
    assert_eq!(status, 200, "{requeued}");
    assert_eq!(requeued["processed"], "done", "{requeued}");
    let workspace = world.workspace("4500001234").await;
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1,
        "filed once"
    );
    assert_eq!(acks_to_acme(&world).await, 1, "acknowledged once");
    let (status, again) = world
        .operator(
            "POST",
            &format!("/order-reconcile/dead-letters/{item_id}/requeue"),
            "",
        )
        .await;
    assert_eq!(status, 409, "only a dead letter is requeued: {again}");
    let (status, _) = world
        .operator("GET", "/order-reconcile/dead-letters/tg:evt_unknown", "")
        .await;
    assert_eq!(status, 404);
    let (status, listed) = world
        .operator("GET", "/order-reconcile/dead-letters", "")
        .await;
    assert_eq!(
        (status, listed["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    an_item_failing_past_the_attempt_cap_is_dead_lettered_listed_and_requeued_once,
    an_xecm_outage_during_the_upload_keeps_the_document_pending_and_the_next_run_files_it_once,
    an_xecm_outage_after_filing_finishes_the_work_without_a_second_document,
    webhooks_during_a_storage_outage_are_refused_with_503_and_retry_after,
    a_crash_between_filing_and_closing_an_assignment_is_finished_by_a_rerun_without_a_second_document,
);
