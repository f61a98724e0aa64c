//! Exceptions from order-reconcile's result: the order's `Match Status` and the discrepancy
//! report order-reconcile files in `Reconciliation` (made here by order-reconcile's own
//! engine and report writer from ACME's 855) become `REC-` exception rows, published once;
//! a re-reconciliation that no longer finds one resolves it (timeline entry naming the
//! report); one found again is reopened and published anew. Simulators on loopback; storage
//! on files + SQLite and on S3 + DynamoDB.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::*;
use gridlink_tests::stack::{Stack, Storage};
use gridlink_xecm::{
    AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes, NewVersion, NodeId,
    Workspaces,
};
use order_reconcile::reconcile::offline::{InputFile, reconcile_files};
use order_reconcile::reconcile::policy::Rules;
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);

/// The order as its `Purchase Order` category holds it (the demo seed's ACME order).
const ORDER: &[u8] = br#"{"PO Number": "4500001234", "Currency": "EUR", "Lines": [
  {"Line": 10, "Material": "M-STEEL-BOLT-12", "Quantity": 5000, "Delivery Date": "2026-11-20", "Unit Price": "0.12"},
  {"Line": 20, "Material": "M-STEEL-NUT-12", "Quantity": 5000, "Delivery Date": "2026-11-20", "Unit Price": "0.08"}]}"#;

/// ACME's 855 confirming line 10 with `qty_10` and line 20 at `price_20`.
fn ack(qty_10: u32, price_20: &str, control: u32) -> String {
    let code_10 = if qty_10 == 5000 { "IA" } else { "IC" };
    let code_20 = if price_20 == "0.08" { "IA" } else { "IC" };
    [
        format!("ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*0915*U*00401*{control:09}*0*P*>~"),
        format!("GS*PR*ACMESUPPLY*BUYERCO*20261124*0915*{control}*X*004010~"),
        "ST*855*0001~".to_owned(),
        "BAK*00*AC*4500001234*20261102****SO-90412*20261124~".to_owned(),
        "PO1*10*5000*EA*0.12**BP*M-STEEL-BOLT-12~".to_owned(),
        format!("ACK*{code_10}*{qty_10}*EA*068*20261120~"),
        format!("PO1*20*5000*EA*{price_20}**BP*M-STEEL-NUT-12~"),
        format!("ACK*{code_20}*5000*EA*068*20261120~"),
        "CTT*2~".to_owned(),
        "SE*8*0001~".to_owned(),
        format!("GE*1*{control}~"),
        format!("IEA*1*{control:09}~"),
    ]
    .join("\n")
}

/// What order-reconcile does after a filed acknowledgment: reconcile (its engine), file the
/// report in `Reconciliation` (a new version when it exists) and write `Match Status`.
/// The match status.
async fn reconciled(world: &World, order: NodeId, acknowledgment: &str) -> String {
    let run = reconcile_files(
        InputFile {
            name: "order.json",
            bytes: ORDER,
        },
        &[InputFile {
            name: "855.x12",
            bytes: acknowledgment.as_bytes(),
        }],
        Some(ACME_PO),
        |_| Rules::default(),
    )
    .expect("the engine reconciles");
    let json = order_reconcile::reconcile::report::to_json(&run.reconciliation);
    let name = format!("Reconciliation {ACME_PO}.json");
    let content = BytesSource(Bytes::from(json));
    match world
        .xecm
        .node_at_path(order, &format!("Reconciliation/{name}"))
        .await
        .expect("lookup")
    {
        Some(existing) => {
            world
                .xecm
                .add_document_version(
                    existing.id,
                    &NewVersion {
                        file_name: name.clone(),
                        mime_type: Some("application/json".into()),
                        description: "re-reconciled".into(),
                        major: false,
                    },
                    &content,
                )
                .await
                .expect("a new version");
        }
        None => {
            world
                .xecm
                .file_document(
                    order,
                    "Reconciliation",
                    &DocumentSpec {
                        name: name.clone(),
                        description: "discrepancy report".into(),
                        file_name: Some(name.clone()),
                        mime_type: Some("application/json".into()),
                        categories: Vec::new(),
                    },
                    &content,
                )
                .await
                .expect("filed");
        }
    }
    let status = run.reconciliation.status.as_str().to_owned();
    let mut values = NamedAttributes::new();
    values.insert("Match Status".into(), AttributeValue::Text(status.clone()));
    world
        .xecm
        .write_attributes(order, CategoryId::new(9100).expect("id"), &values)
        .await
        .expect("Match Status written");
    status
}

/// The `REC-` rows of an order: (id, status).
async fn reconciliation_rows(world: &World, order: NodeId) -> Vec<(String, String)> {
    rows(world, order)
        .await
        .iter()
        .map(|r| (text_of(r, "Exception ID"), text_of(r, "Status")))
        .filter(|(id, _)| id.starts_with("REC-"))
        .collect()
}

/// The thread of an exception (its row's `TG Thread ID`) and its messages as ACME reads them.
async fn thread_messages(world: &World, exception: &str) -> (String, Vec<Value>) {
    let thread = text_of(
        &row_of(world, world.acme_order, exception).await,
        "TG Thread ID",
    );
    assert!(!thread.is_empty(), "{exception} has a thread");
    let messages = partner_messages(world, "prt_acme", &thread).await;
    (thread, messages)
}

async fn thread_status(world: &World, thread: &str) -> String {
    for space in partner_spaces(world, "prt_acme", world.acme_order).await {
        let space = space["space_id"].as_str().expect("id").to_owned();
        for t in partner_threads(world, "prt_acme", &space).await {
            if t["thread_id"] == thread {
                return t["status"].as_str().unwrap_or_default().to_owned();
            }
        }
    }
    panic!("thread {thread} not found")
}

const QTY: &str = "REC-10-ack_quantity_changed";
const PRICE: &str = "REC-20-ack_price_changed";

async fn the_reconciliations_exceptions_are_published_once_and_move_on_with_it(stack: Stack) {
    let world = world(stack).await;
    assert_eq!(
        reconciled(&world, world.acme_order, &ack(4990, "0.10", 1)).await,
        "exceptions"
    );
    let first = poll(&world).await;
    let published = first["polled"]["published"].to_string();
    assert!(
        published.contains(QTY) && published.contains(PRICE),
        "{first}"
    );
    assert_eq!(
        reconciliation_rows(&world, world.acme_order).await,
        [
            (QTY.to_owned(), "Awaiting Supplier".to_owned()),
            (PRICE.to_owned(), "Awaiting Supplier".to_owned())
        ],
        "one row per finding kind and line, next to the buyer's"
    );
    let price_row = row_of(&world, world.acme_order, PRICE).await;
    assert_eq!(text_of(&price_row, "Type"), "price");
    assert_eq!(text_of(&price_row, "Expected"), "0.08 EUR");
    assert_eq!(text_of(&price_row, "Actual"), "0.10 EUR");
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier",
        "the buyer's own exception is published as before"
    );
    let (price_thread, messages) = thread_messages(&world, PRICE).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let structured = &messages[0]["structured"];
    assert_eq!(structured["source"], "reconciliation");
    let evidence = structured["evidence"].to_string();
    assert!(
        evidence.contains(&format!("Reconciliation {ACME_PO}.json"))
            && evidence.contains("PO 4500001234.txt"),
        "the report it came from and the PO document are attached: {evidence}"
    );
    assert_eq!(
        messages[0]["attachment_ids"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(structured["lines"][0]["line"], 20);
    assert_eq!(structured["lines"][0]["field"], "unit_price");
    assert_eq!(structured["lines"][0]["expected"], "0.08 EUR");
    assert_eq!(structured["lines"][0]["actual"], "0.10 EUR");
    let (qty_thread, _) = thread_messages(&world, QTY).await;

    // The same result again (a poll, the same report re-filed): nothing new.
    let again = poll(&world).await;
    assert_eq!(again["polled"]["published"], json!([]), "{again}");
    reconciled(&world, world.acme_order, &ack(4990, "0.10", 2)).await;
    let same = poll(&world).await;
    assert_eq!(same["polled"]["published"], json!([]), "{same}");
    assert_eq!(reconciliation_rows(&world, world.acme_order).await.len(), 2);
    assert_eq!(thread_messages(&world, PRICE).await.1.len(), 1);

    // ACME's revised 855 fixes line 10: that exception is resolved, the price one stays.
    assert_eq!(
        reconciled(&world, world.acme_order, &ack(5000, "0.10", 3)).await,
        "exceptions"
    );
    let moved = poll(&world).await;
    assert!(
        moved["polled"]["decided"]
            .to_string()
            .contains(&format!("{QTY}: Resolved")),
        "{moved}"
    );
    assert_eq!(
        reconciliation_rows(&world, world.acme_order).await,
        [
            (QTY.to_owned(), "Resolved".to_owned()),
            (PRICE.to_owned(), "Awaiting Supplier".to_owned())
        ]
    );
    assert_eq!(thread_status(&world, &qty_thread).await, "resolved");
    let (tl, _) = timeline(&world, world.acme_order, QTY).await;
    let last = tl["entries"]
        .as_array()
        .expect("entries")
        .last()
        .cloned()
        .expect("entry");
    assert_eq!(last["state"], "resolved", "{tl}");
    assert!(
        last["event"]
            .as_str()
            .unwrap_or_default()
            .contains("re-reconciliation no longer finds 10-ack_quantity_changed"),
        "{last}"
    );
    assert!(
        last["files"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Reconciliation"),
        "the report that says so: {last}"
    );
    assert_eq!(last["files"][0]["sha256"].as_str().map(str::len), Some(64));
    let steady = poll(&world).await;
    assert_eq!(steady["polled"]["decided"], json!([]), "{steady}");
    assert_eq!(
        timeline(&world, world.acme_order, QTY).await.0,
        tl,
        "resolved once"
    );

    // Everything confirmed as ordered: the order is no longer `exceptions`.
    assert_ne!(
        reconciled(&world, world.acme_order, &ack(5000, "0.08", 4)).await,
        "exceptions"
    );
    poll(&world).await;
    assert_eq!(status_of(&world, world.acme_order, PRICE).await, "Resolved");
    assert_eq!(thread_status(&world, &price_thread).await, "resolved");

    // The price changes again: the exception reopens and is published anew, once.
    reconciled(&world, world.acme_order, &ack(5000, "0.10", 5)).await;
    let reopened = poll(&world).await;
    assert!(
        reopened["polled"]["published"].to_string().contains(PRICE),
        "{reopened}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, PRICE).await,
        "Awaiting Supplier"
    );
    assert_eq!(thread_status(&world, &price_thread).await, "open");
    poll(&world).await;
    assert_eq!(
        thread_messages(&world, PRICE).await.1.len(),
        2,
        "published anew once"
    );
    assert_eq!(
        status_of(&world, world.acme_order, QTY).await,
        "Resolved",
        "line 10 stays resolved"
    );
}

async fn without_a_readable_report_nothing_is_decided_on_a_guess(stack: Stack) {
    let world = world(stack).await;
    reconciled(&world, world.acme_order, &ack(4990, "0.10", 1)).await;
    poll(&world).await;
    assert_eq!(reconciliation_rows(&world, world.acme_order).await.len(), 2);
    // The report is replaced by something that is no report of this order.
    let report = world
        .xecm
        .node_at_path(
            world.acme_order,
            &format!("Reconciliation/Reconciliation {ACME_PO}.json"),
        )
        .await
        .expect("lookup")
        .expect("report");
    world
        .xecm
        .add_document_version(
            report.id,
            &NewVersion {
                file_name: "broken.json".into(),
                mime_type: Some("application/json".into()),
                description: "not a report".into(),
                major: false,
            },
            &BytesSource(Bytes::from_static(b"{\"po_number\": \"4599999999\"")),
        )
        .await
        .expect("version");
    let mut values = NamedAttributes::new();
    values.insert("Match Status".into(), "exceptions".into());
    world
        .xecm
        .write_attributes(
            world.acme_order,
            CategoryId::new(9100).expect("id"),
            &values,
        )
        .await
        .expect("Match Status written");
    let polled = poll(&world).await;
    assert_eq!(polled["polled"]["decided"], json!([]), "{polled}");
    assert_eq!(
        reconciliation_rows(&world, world.acme_order).await,
        [
            (QTY.to_owned(), "Awaiting Supplier".to_owned()),
            (PRICE.to_owned(), "Awaiting Supplier".to_owned())
        ],
        "nothing resolved, nothing added"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    the_reconciliations_exceptions_are_published_once_and_move_on_with_it,
    without_a_readable_report_nothing_is_decided_on_a_guess,
);

/// Runs a schedule until it succeeds, letting the crashed effect's lease run out in between.
async fn until_ok(world: &World) -> Value {
    for _ in 0..4 {
        match fire(world, "po-exception-poll-xecm").await {
            Ok(summary) => return summary,
            Err(error) => {
                println!("the poll failed (expected once after an injected crash): {error:?}");
                world.stack.ledger_clock.advance(HOUR);
            }
        }
    }
    panic!("the poll never succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_of_the_reconciliation_path_leaves_one_of_each() {
    for kind in [
        "tg-pox-thread",
        "tg-pox-publish",
        "xecm-pox-timeline",
        "tg-pox-thread-status",
    ] {
        let world = world_with(stack_on(Storage::Embedded).await, Some(kind), |_| {}).await;
        reconciled(&world, world.acme_order, &ack(4990, "0.10", 1)).await;
        until_ok(&world).await;
        until_ok(&world).await;
        reconciled(&world, world.acme_order, &ack(5000, "0.10", 2)).await;
        until_ok(&world).await;
        until_ok(&world).await;
        assert_eq!(
            reconciliation_rows(&world, world.acme_order).await,
            [
                (QTY.to_owned(), "Resolved".to_owned()),
                (PRICE.to_owned(), "Awaiting Supplier".to_owned())
            ],
            "after a crash after {kind}"
        );
        for exception in [QTY, PRICE] {
            let (thread, messages) = thread_messages(&world, exception).await;
            assert_eq!(
                messages.len(),
                1,
                "one publication of {exception} after a crash after {kind}"
            );
            let _ = thread;
            let (tl, _) = timeline(&world, world.acme_order, exception).await;
            let resolved = tl["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .filter(|e| e["state"] == "resolved")
                .count();
            assert_eq!(
                resolved,
                usize::from(exception == QTY),
                "{exception} resolved once after a crash after {kind}"
            );
        }
        let spaces = partner_spaces(&world, "prt_acme", world.acme_order).await;
        assert_eq!(spaces.len(), 1, "one space after a crash after {kind}");
    }
}
