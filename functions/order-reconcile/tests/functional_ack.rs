//! Rule 6, end to end on the real simulators and both storage stacks: the buyer's 850 goes
//! out through Trading Grid, the partner answers it with a 997, TG marks the 850
//! `acknowledged` (`acknowledged_by`) and emits `document.status_changed`; order-reconcile
//! tracks the answer on the order — a rejection is an exception carrying the partner's codes,
//! an acceptance is recorded — once, and never answers the partner's 997 with one.

mod common;

use std::time::Duration;

use common::{acknowledged_event, acme_997, buyer_sends_850, signed, world};
use gridlink_tests::stack::Stack;
use gridlink_xecm::{Node, NodeId, Workspaces};
use serde_json::Value;

const PO: &str = "4500001234";

async fn report_nodes(world: &common::World, workspace: NodeId) -> Vec<Node> {
    world.documents_in(workspace, "Reconciliation").await
}

async fn report_json(world: &common::World, workspace: NodeId) -> Value {
    let json = report_nodes(world, workspace)
        .await
        .into_iter()
        .find(|n| {
            std::path::Path::new(&n.name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .expect("a JSON report");
    let mut bytes = Vec::new();
    world
        .xecm
        .download_document(json.id)
        .await
        .expect("test step")
        .write_to(&mut bytes)
        .await
        .expect("test step");
    serde_json::from_slice(&bytes).expect("test step")
}

fn functional_ack_documents(report: &Value) -> usize {
    report["documents"]
        .as_array()
        .expect("test step")
        .iter()
        .filter(|d| d["kind"] == "functional_ack")
        .count()
}

/// The partner's 997 comes in (never answered), then the 850's status change is delivered.
async fn partner_answers(world: &common::World, rejected: bool) -> Value {
    let sent = buyer_sends_850(world, PO).await;
    let received = world.partner_sends("prt_acme", acme_997(rejected)).await;
    let record = world.deliver(received).await;
    assert_eq!(record["outcome"]["ack"], Value::Null, "{record}");
    acknowledged_event(world, &sent).await
}

async fn a_rejected_850_becomes_an_exception_on_the_order_with_the_partners_codes_once(
    stack: Stack,
) {
    let world = world(stack);
    let event = partner_answers(&world, true).await;
    // Crash right after the order's Match Status is written; the re-run finishes it.
    world.crash.arm("xecm-match-status");
    let record = world
        .deliver(signed(&serde_json::to_vec(&event).expect("test step")))
        .await;
    let event_id = record["event_id"].as_str().expect("test step").to_owned();
    world.stack.ledger_clock.advance(Duration::from_secs(301));
    world.schedule("order-reconcile-poll-inbox").await;
    let done = world.inbox_record(&event_id).await;
    let outcome = &done["outcome"];
    assert_eq!(outcome["po_number"], PO, "{done}");
    assert_eq!(outcome["match_status"], "exceptions", "{done}");
    assert_eq!(outcome["functional_acks"][0]["verdict"], "rejected");

    let workspace = world.workspace(PO).await;
    let report = report_json(&world, workspace.id).await;
    let finding = report["findings"]
        .as_array()
        .expect("test step")
        .iter()
        .find(|f| f["code"] == "functional_ack_rejected")
        .unwrap_or_else(|| panic!("a functional_ack_rejected finding: {report}"));
    assert_eq!(finding["severity"], "exception");
    assert_eq!(finding["document"], "0001");
    assert_eq!(
        finding["message"],
        "the partner's system rejected 850 0001 (error codes 5, segment PO1 at 14: 8, \
         element 2: 6, segment BEG at 2: 8, element 3: 1)"
    );
    assert_eq!(report["status"], "exceptions");
    assert_eq!(functional_ack_documents(&report), 1);

    // TG delivers the status change again under another event id: recorded once, the
    // report not filed again, and nothing sent back to Acme for its 997.
    let mut again = event.clone();
    again["event_id"] = Value::from(format!(
        "{}-again",
        event["event_id"].as_str().expect("test step")
    ));
    let record = world
        .deliver(signed(&serde_json::to_vec(&again).expect("test step")))
        .await;
    assert_eq!(
        record["outcome"]["reconciliation"][0]["new_version"], false,
        "{record}"
    );
    let report = report_json(&world, workspace.id).await;
    assert_eq!(functional_ack_documents(&report), 1, "{report}");
    assert_eq!(report_nodes(&world, workspace.id).await.len(), 2);
    let answers = world.partner_inbox("prt_acme").await;
    assert!(
        !answers.iter().any(|d| d["doc_type"] == "997"),
        "a partner's 997 is never answered: {answers:?}"
    );
}

async fn an_accepted_850_is_recorded_on_the_order(stack: Stack) {
    let world = world(stack);
    let event = partner_answers(&world, false).await;
    let record = world
        .deliver(signed(&serde_json::to_vec(&event).expect("test step")))
        .await;
    let outcome = &record["outcome"];
    assert_eq!(
        outcome["functional_acks"][0]["verdict"], "accepted",
        "{record}"
    );
    assert_eq!(
        outcome["acknowledged_by"].as_str().map(str::is_empty),
        Some(false)
    );
    let workspace = world.workspace(PO).await;
    let report = report_json(&world, workspace.id).await;
    assert_eq!(functional_ack_documents(&report), 1, "{report}");
    let listed = report["documents"]
        .as_array()
        .expect("test step")
        .iter()
        .find(|d| d["kind"] == "functional_ack")
        .expect("test step");
    assert_eq!(listed["number"], "0001");
    assert_eq!(listed["sender"], "ZZ:ACMESUPPLY");
    assert!(
        !report["findings"]
            .as_array()
            .expect("test step")
            .iter()
            .any(|f| f["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("functional_ack"))),
        "an acceptance is no finding: {report}"
    );
}

/// No webhook arrives for the 850's status change (TG gave up, or none is subscribed): the
/// `poll-inbox` schedule's event-feed poll takes it — under its own event id, so the webhook
/// arriving late is the same inbox item — and reads past it only once.
async fn the_event_feed_poll_takes_a_status_change_no_webhook_delivered(stack: Stack) {
    let world = world(stack);
    let event = partner_answers(&world, true).await;
    let event_id = event["event_id"].as_str().expect("test step").to_owned();

    let summary = world.schedule("order-reconcile-poll-inbox").await;
    let events = &summary["events"];
    assert_eq!(
        events["taken"], 1,
        "only the 850's acknowledged status change: {summary}"
    );
    assert_eq!(events["already_delivered"], 0, "{summary}");
    assert!(
        events["read"].as_u64().expect("test step") > 1,
        "the feed holds the other events too, which are read past: {summary}"
    );
    let done = world.inbox_record(&event_id).await;
    assert_eq!(done["outcome"]["po_number"], PO, "{done}");
    assert_eq!(done["outcome"]["match_status"], "exceptions", "{done}");
    assert_eq!(
        done["outcome"]["functional_acks"][0]["verdict"], "rejected",
        "{done}"
    );
    let workspace = world.workspace(PO).await;
    let report = report_json(&world, workspace.id).await;
    assert_eq!(functional_ack_documents(&report), 1, "{report}");

    // The next poll starts after the cursor: nothing read again.
    let again = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(again["events"]["read"], 0, "{again}");
    assert_eq!(again["events"]["taken"], 0, "{again}");

    // The webhook arrives late: the same inbox item, nothing processed twice.
    let response = world
        .call(signed(&serde_json::to_vec(&event).expect("test step")))
        .await;
    assert_eq!(response.status, 202);
    let answer: Value = serde_json::from_slice(&response.body).expect("test step");
    assert_eq!(answer["accepted"], event_id.as_str(), "{answer}");
    assert_eq!(answer["duplicate"], true, "{answer}");
    let report = report_json(&world, workspace.id).await;
    assert_eq!(functional_ack_documents(&report), 1, "{report}");
    assert_eq!(report_nodes(&world, workspace.id).await.len(), 2);

    // A cursor TG no longer knows (its 14 days passed): the poll says so and reads the kept
    // events again; what it had taken is already in the inbox.
    let ledger = &world.function.platform().ledger;
    let id = gridlink_store::RecordId::new("poll-cursor", "order-reconcile:tg-events")
        .expect("test step");
    let mut change = ledger
        .get(&id)
        .await
        .expect("test step")
        .expect("the poll keeps its cursor in the ledger")
        .change();
    change.data = serde_json::json!({"after": "evt_expired"});
    ledger.update(change).await.expect("test step");
    let expired = world.schedule("order-reconcile-poll-inbox").await;
    assert_eq!(expired["events"]["cursor_expired"], true, "{expired}");
    assert_eq!(expired["events"]["taken"], 0, "{expired}");
    assert_eq!(expired["events"]["already_delivered"], 1, "{expired}");
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_rejected_850_becomes_an_exception_on_the_order_with_the_partners_codes_once,
    an_accepted_850_is_recorded_on_the_order,
    the_event_feed_poll_takes_a_status_change_no_webhook_delivered,
);
