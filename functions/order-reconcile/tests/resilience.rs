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

use common::{World, acme_810, acme_855, body_text, world};
use gridlink_flow::InboxPolicy;
use gridlink_lambda::{Handler, Invocation, ScheduleFiring};
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
    world.fail_uploads(1000).await;
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

/// ACME's 855 for PO 4500001234, filed while writing the order's Match Status (a category
/// update) fails from now on: the item stays pending. Its event id.
async fn acme_855_pending_on_a_match_status_outage(world: &World) -> String {
    world
        .xecm_faults(json!({"error_500_next": 1000, "only_path_containing": "/categories/9100", "only_method": "PUT"}))
        .await;
    let request = world
        .partner_sends("prt_acme", acme_855("4500001234"))
        .await;
    let record = world.deliver(request).await;
    let event_id = record["event_id"].as_str().expect("event id").to_owned();
    assert_eq!(pending_count(world).await, 1, "{record}");
    event_id
}

/// Two schedules fire at once in one process (the TG inbox poll and the unmatched retry): one
/// run works through the pending list, the other leaves it to that run
/// (`"already_running": true`) instead of racing it for the same items.
async fn one_pending_run_per_process_at_a_time(stack: Stack) {
    let world = world(stack);
    let event_id = acme_855_pending_on_a_match_status_outage(&world).await;
    // Every xECM call of the run now takes 200 ms: the first run holds the list a while.
    world.xecm_faults(json!({"latency_ms": 200})).await;
    let (one, two) = tokio::join!(
        world.function.process_pending(),
        world.function.process_pending()
    );
    let (one, two) = (one.expect("a run"), two.expect("a run"));
    let (ran, left) = if one.already_running {
        (two, one)
    } else {
        (one, two)
    };
    assert!(!ran.already_running, "one run works: {ran:?} {left:?}");
    assert_eq!((ran.pending, ran.done), (1, 1), "{ran:?}");
    assert!(left.already_running, "the other leaves it: {left:?}");
    assert_eq!(
        (left.pending, left.done, left.retrying),
        (0, 0, 0),
        "{left:?}"
    );
    world.xecm_faults(json!({})).await;
    let done = world.inbox_record(&event_id).await;
    assert!(
        done["outcome"]["documents"][0]["match_status"].is_string(),
        "{done}"
    );
    assert_eq!(pending_count(&world).await, 0);
}

async fn an_xecm_outage_after_filing_finishes_the_work_without_a_second_document(stack: Stack) {
    let world = world(stack);
    // The document goes in; writing the order's Match Status (a category update) fails.
    let event_id = acme_855_pending_on_a_match_status_outage(&world).await;
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
    world.fail_uploads(100_000).await;
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

/// The operator's identity as API Gateway's IAM authoriser passes it on.
const OPERATOR: &str = "arn:aws:sts::123456789012:assumed-role/gridlink-operator/ops-anna";

/// An operator call with the IAM caller API Gateway would vouch for.
async fn as_operator(world: &World, method: &str, path: &str, body: &str) -> (u16, Value) {
    world.operator_as(Some(OPERATOR), method, path, body).await
}

/// Dead letters through the operator routes, end to end: inspecting one shows every attempt
/// and its error; one is discarded with a reason (who — the IAM caller —, when and why kept on
/// it, with its raw event; no longer a dead letter; never filed; a second discard or a
/// requeue refused); the rest are requeued all at once and each processed once; the cursor
/// ends the pass.
async fn dead_letters_are_inspected_discarded_with_a_reason_and_requeued_all_at_once(stack: Stack) {
    let mut world = world(stack);
    let policy = InboxPolicy {
        batch: 25,
        max_attempts: 2,
    };
    world.function = world.function.with_policy(policy);
    world.fail_uploads(100_000).await;
    let mut item_ids = Vec::new();
    for (number, control) in [("INV-DL-1", 5101), ("INV-DL-2", 5102), ("INV-DL-3", 5103)] {
        let record = world
            .deliver(
                world
                    .partner_sends("prt_acme", acme_810(number, control))
                    .await,
            )
            .await;
        item_ids.push(format!("tg:{}", record["event_id"].as_str().expect("id")));
    }
    world.schedule("order-reconcile-poll-inbox").await;
    let (status, listed) = world
        .operator("GET", "/order-reconcile/dead-letters", "")
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(3),
        "{listed}"
    );

    // Inspect: every attempt, each with its error, and what followed it.
    let (status, shown) = world
        .operator(
            "GET",
            &format!("/order-reconcile/dead-letters/{}", item_ids[0]),
            "",
        )
        .await;
    assert_eq!(status, 200, "{shown}");
    let attempts: Vec<&Value> = shown["history"]
        .as_array()
        .expect("a history")
        .iter()
        .filter(|e| e["event"] == "attempt")
        .collect();
    assert_eq!(attempts.len(), 2, "{shown}");
    for (n, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt["attempt"], n + 1, "{shown}");
        assert!(
            attempt["error"]
                .as_str()
                .is_some_and(|e| e.contains("xECM")),
            "{shown}"
        );
        assert!(attempt["at"].is_string(), "{shown}");
    }
    assert_eq!(attempts[0]["then"], "pending");
    assert_eq!(attempts[1]["then"], "dead_letter");
    assert!(
        shown["event"]["event_id"].is_string(),
        "the raw event: {shown}"
    );

    // Discard the second one with a reason.
    let discard = |item_id: &str| format!("/order-reconcile/dead-letters/{item_id}/discard");
    let reason = "INV-DL-2 was sent by mistake; Acme confirmed by mail";
    let (status, refused) = as_operator(
        &world,
        "POST",
        &discard(&item_ids[1]),
        r#"{"reason": "   "}"#,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("reason"), "{refused}");
    let (status, discarded) = as_operator(
        &world,
        "POST",
        &discard(&item_ids[1]),
        &json!({ "reason": reason }).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{discarded}");
    assert_eq!(discarded["status"], "discarded");
    assert_eq!(discarded["discarded"]["by"], OPERATOR);
    assert_eq!(discarded["discarded"]["reason"], reason);
    assert!(discarded["discarded"]["at"].is_string(), "{discarded}");
    for (method, path, body) in [
        ("POST", discard(&item_ids[1]), r#"{"reason": "again"}"#),
        (
            "POST",
            format!("/order-reconcile/dead-letters/{}/requeue", item_ids[1]),
            "",
        ),
    ] {
        let (status, answer) = as_operator(&world, method, &path, body).await;
        assert_eq!(status, 409, "{path}: only a dead letter: {answer}");
    }
    let (status, _) = as_operator(
        &world,
        "POST",
        &discard("tg:evt_never_seen"),
        r#"{"reason": "x"}"#,
    )
    .await;
    assert_eq!(status, 404);
    let (status, kept) = world
        .operator(
            "GET",
            &format!("/order-reconcile/dead-letters/{}", item_ids[1]),
            "",
        )
        .await;
    assert_eq!(status, 200, "{kept}");
    assert!(
        kept["event"]["event_id"].is_string(),
        "the raw event is kept: {kept}"
    );
    assert_eq!(
        kept["history"].as_array().and_then(|h| h.last()),
        Some(
            &json!({"at": kept["discarded"]["at"], "event": "discarded", "by": OPERATOR, "reason": reason})
        ),
        "{kept}"
    );

    // xECM is back: requeue all. The discarded one is not among them.
    world.xecm_faults(json!({})).await;
    let (status, first) =
        as_operator(&world, "POST", "/order-reconcile/dead-letters/requeue", "").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["requeued"], 2, "{first}");
    assert_eq!(
        first["items"],
        json!([
            {"item_id": item_ids[0], "processed": "done"},
            {"item_id": item_ids[2], "processed": "done"},
        ]),
        "{first}"
    );
    assert_eq!(first["remaining"], 0, "{first}");
    let (status, second) = as_operator(
        &world,
        "POST",
        "/order-reconcile/dead-letters/requeue",
        &json!({"after": first["next_after"]}).to_string(),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(
        (second["requeued"].clone(), second["remaining"].clone()),
        (json!(0), json!(0)),
        "{second}"
    );

    let workspace = world.workspace("4500001234").await;
    let invoices = world.documents_in(workspace.id, "Invoices").await;
    let names: Vec<&str> = invoices.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        invoices.len(),
        2,
        "the two requeued, filed once each: {names:?}"
    );
    for (number, filed) in [("INV-DL-1", true), ("INV-DL-2", false), ("INV-DL-3", true)] {
        assert_eq!(
            names.iter().any(|n| n.contains(number)),
            filed,
            "{number}: the requeued are filed, the discarded one never: {names:?}"
        );
    }
    let (_, requeued) = world
        .operator(
            "GET",
            &format!("/order-reconcile/dead-letters/{}", item_ids[0]),
            "",
        )
        .await;
    let events: Vec<&str> = requeued["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert_eq!(
        events,
        ["attempt", "attempt", "requeued", "attempt"],
        "{requeued}"
    );
    assert_eq!(requeued["history"][2]["by"], OPERATOR);
    assert_eq!(requeued["history"][3]["then"], "done");
    let (_, listed) = world
        .operator("GET", "/order-reconcile/dead-letters", "")
        .await;
    assert_eq!(listed["items"], json!([]), "{listed}");
}

/// A schedule firing whose own poll fails (TG's event feed answering 503) still processes
/// the events already kept in the inbox: one failing poll never starves them. The firing
/// itself fails, with the poll's error, so the failure is seen.
async fn a_failing_poll_does_not_starve_the_pending_inbox(stack: Stack) {
    let world = world(stack);
    world.fail_uploads(1000).await;
    let record = world
        .deliver(
            world
                .partner_sends("prt_acme", acme_855("4500001234"))
                .await,
        )
        .await;
    let event_id = record["event_id"].as_str().expect("event id").to_owned();
    assert_eq!(pending_count(&world).await, 1, "kept for the next run");
    world.xecm_faults(json!({})).await;
    world
        .tg_faults(json!({"unavailable": 1000, "only": "GET /v1/events"}))
        .await;

    let fired = world
        .function
        .handle(Invocation::Schedule(ScheduleFiring {
            schedule: "order-reconcile-poll-inbox".into(),
            scheduled_at: None,
        }))
        .await;
    world.tg_faults(json!({})).await;
    let error = fired.expect_err("the poll failed, and the firing says so");
    assert!(
        error.to_string().contains("503"),
        "the poll's own error: {error}"
    );
    let done = world.inbox_record(&event_id).await;
    assert!(
        done["done_at"].is_string(),
        "processed despite the poll: {done}"
    );
    assert_eq!(pending_count(&world).await, 0);
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
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    dead_letters_are_inspected_discarded_with_a_reason_and_requeued_all_at_once,
    a_failing_poll_does_not_starve_the_pending_inbox,
    an_item_failing_past_the_attempt_cap_is_dead_lettered_listed_and_requeued_once,
    an_xecm_outage_during_the_upload_keeps_the_document_pending_and_the_next_run_files_it_once,
    an_xecm_outage_after_filing_finishes_the_work_without_a_second_document,
    one_pending_run_per_process_at_a_time,
    webhooks_during_a_storage_outage_are_refused_with_503_and_retry_after,
    a_crash_between_filing_and_closing_an_assignment_is_finished_by_a_rerun_without_a_second_document,
);
