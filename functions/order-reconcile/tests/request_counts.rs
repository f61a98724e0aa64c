//! What one partner document costs in storage requests — the figures docs/cost.md prices.
//!
//! Acme's 810 invoices for PO 4500001234 reach order-reconcile through TG's signed webhook and
//! are filed in the order's workspace and acknowledged (997), inline in the webhook's call, as
//! deployed. Every ledger call (a DynamoDB request in the cloud) and every blob call (an S3
//! request) the function makes is counted, per document, on both stacks: the counts are the
//! function's, not the backend's, so they are the same on SQLite and on DynamoDB. They are
//! pinned here: a change that adds a storage request per document fails this test and must
//! update docs/cost.md ("Requests per document") with it.

mod common;

use std::collections::BTreeMap;

use std::sync::Arc;

use common::{World, fixture, world_on};
use gridlink_lambda::HttpRequest;
use gridlink_store::testing::{CountingBlobs, CountingLedger};
use gridlink_tests::on_both_stacks;
use gridlink_tests::stack::Stack;

/// Acme's invoice `n` for PO 4500001234 (a new invoice number, so a new document each time).
fn invoice(n: usize) -> Vec<u8> {
    String::from_utf8(fixture("x12/810_invoice.x12"))
        .expect("the fixture is text")
        .replace("INV-90017", &format!("INV-C{n:06}"))
        .replace("PO-2024-0042", "4500001234")
        .into_bytes()
}

type Counts = BTreeMap<&'static str, u64>;

/// xECM REST calls per filed invoice (pinned with the storage calls: docs/cost.md).
const XECM_CALLS_PER_INVOICE: u64 = 13;

/// The storage calls of one delivery of `request`, which must be answered 202.
async fn cost_of(
    world: &World,
    counted: &(Arc<CountingLedger>, Arc<CountingBlobs>),
    request: HttpRequest,
) -> (Counts, Counts, u64) {
    let (ledger, blobs) = counted;
    ledger.calls().reset();
    blobs.calls().reset();
    let xecm_before = world.stack.xecm_sim.calls();
    let response = world.call(request).await;
    let mut xecm_calls = 0;
    for (route, count) in world.stack.xecm_sim.calls() {
        let new = count - xecm_before.get(&route).copied().unwrap_or(0);
        if new > 0 {
            eprintln!("  xECM {route}: {new}");
            xecm_calls += new;
        }
    }
    assert_eq!(
        response.status,
        202,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    (ledger.calls().all(), blobs.calls().all(), xecm_calls)
}

fn counts(pairs: &[(&'static str, u64)]) -> Counts {
    pairs.iter().copied().collect()
}

async fn an_invoice_costs_the_same_storage_requests_every_time(stack: Stack) {
    let counted = stack.counted_platform(order_reconcile::NAME);
    let counters = (counted.ledger.clone(), counted.blobs.clone());
    let config = stack.config().clone();
    let world = world_on(stack, counted.platform, &config);
    // The first document also creates what every later one finds (the order's folders).
    world
        .deliver(world.partner_sends("prt_acme", invoice(0)).await)
        .await;

    let mut per_document = Vec::new();
    for n in 1..=3 {
        let request = world.partner_sends("prt_acme", invoice(n)).await;
        per_document.push((n, cost_of(&world, &counters, request).await));
    }
    for (n, (ledger, blobs, xecm)) in &per_document {
        eprintln!("invoice {n}: ledger {ledger:?}, blobs {blobs:?}, xECM calls {xecm}");
    }
    // Pinned: docs/cost.md, "Requests per document". Update both together.
    // The timeline (an invoice is about its PO and its invoice number: two keys) adds an entry
    // per key for each of the 5 effects done, each a put of its own (10 `create`), and the
    // inbox item's settling becomes a transaction with its `received` and `done` entries (the
    // `update` becomes a second `transact`).
    let ledger_per_invoice = counts(&[
        ("claim", 8),
        ("complete_claim", 5),
        ("create", 2 + 10),
        ("get", 5),
        // The index read of the run, and the pauses in force (gridlink_flow::pause).
        ("query", 2),
        ("release_claim", 1),
        ("transact", 2),
    ]);
    for (n, (ledger, blobs, xecm)) in &per_document {
        assert_eq!(*xecm, XECM_CALLS_PER_INVOICE, "xECM calls of invoice {n}");
        assert_eq!(ledger, &ledger_per_invoice, "ledger calls of invoice {n}");
        // Reconciling the order needs every document of it kept so far, but the function
        // keeps what it has parsed (reconcile::ledger::CanonicalCache, seeded when a document
        // is recorded): no blob read grows with the order (before: one more per invoice
        // already filed on it).
        assert_eq!(
            blobs,
            &counts(&[("get", 3), ("put", 3)]),
            "blob calls of invoice {n}"
        );
    }

    // A duplicate delivery of a filed invoice (TG redelivering): what it costs.
    let request = world.partner_sends("prt_acme", invoice(9)).await;
    world.deliver(request.clone()).await;
    let (ledger, blobs, xecm) = cost_of(&world, &counters, request).await;
    eprintln!("duplicate: ledger {ledger:?}, blobs {blobs:?}, xECM calls {xecm}");
    assert_eq!(xecm, 0, "xECM calls per duplicate");
    assert_eq!(ledger, counts(&[("get", 1)]), "ledger calls per duplicate");
    assert_eq!(blobs, counts(&[]), "blob calls per duplicate");
}

on_both_stacks!(
    with common::stack_on;
    an_invoice_costs_the_same_storage_requests_every_time,
);
