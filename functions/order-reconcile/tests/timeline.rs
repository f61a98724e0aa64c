//! The timeline by business key, end to end on the real simulators and both storage stacks:
//! the buyer's 850 for PO 4500001234 goes out through Trading Grid and Acme's 997 accepts it,
//! then Acme's 855, 856 and 810 arrive through signed webhooks; `GET
//! /order-reconcile/timeline/po:4500001234` then shows, in order, each document's inbound
//! event, its filing with the xECM document id, its acknowledgment with the TG document id,
//! and how the item ended — the ids checked against xECM, TG and the inbox. The shipment and
//! invoice have timelines of their own; pages follow cursors; bad input is a 400 naming the
//! field.

mod common;

use common::{
    World, acknowledged_event, acme_855, acme_997, buyer_sends_850, fixture, signed, world,
};
use gridlink_tests::on_both_stacks;
use gridlink_tests::stack::Stack;
use gridlink_xecm::Workspaces;
use serde_json::Value;

const PO: &str = "4500001234";

fn with_po(path: &str) -> Vec<u8> {
    String::from_utf8(fixture(path))
        .expect("text")
        .replace("PO-2024-0042", PO)
        .into_bytes()
}

/// `GET /order-reconcile/timeline/{key}` with `query` (as API Gateway hands it over:
/// decoded); status and body.
async fn timeline(world: &World, key: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let response = world
        .call(gridlink_lambda::HttpRequest {
            method: "GET".into(),
            path: format!("/order-reconcile/timeline/{key}"),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..gridlink_lambda::HttpRequest::default()
        })
        .await;
    let body = serde_json::from_slice(&response.body).expect("a JSON answer");
    (response.status, body)
}

/// Every entry of `key`, page by page (`limit` each), checking the cursors on the way.
async fn all_pages(world: &World, key: &str, limit: usize) -> Vec<Value> {
    let mut entries = Vec::new();
    let limit_text = limit.to_string();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut query = vec![("limit", limit_text.as_str())];
        if let Some(cursor) = &cursor {
            query.push(("after", cursor.as_str()));
        }
        let (status, page) = timeline(world, key, &query).await;
        assert_eq!(status, 200, "{page}");
        let got = page["entries"].as_array().expect("entries");
        assert!(got.len() <= limit, "{page}");
        entries.extend(got.iter().cloned());
        if page["more"] == false {
            assert_eq!(page["cursor"], Value::Null, "{page}");
            return entries;
        }
        assert_eq!(got.len(), limit, "a page with more is full: {page}");
        cursor = Some(
            page["cursor"]
                .as_str()
                .expect("a cursor when more")
                .to_owned(),
        );
    }
    panic!("the pages do not end");
}

/// Where the entry of `kind` (and `effect`, if given, with `effect_key` if given) of inbox
/// item `item_id` is.
fn position(
    entries: &[Value],
    item_id: &str,
    kind: &str,
    effect: Option<(&str, Option<&str>)>,
) -> usize {
    entries
        .iter()
        .position(|e| {
            e["item_id"] == item_id
                && e["kind"] == kind
                && effect.is_none_or(|(effect, key)| {
                    e["effect"] == effect && key.is_none_or(|key| e["effect_key"] == key)
                })
        })
        .unwrap_or_else(|| {
            panic!(
                "no {kind} {effect:?} entry of {item_id}: {}",
                serde_json::to_string_pretty(entries).expect("json")
            )
        })
}

async fn a_po_timeline_shows_every_document_received_filed_and_acknowledged_in_order(stack: Stack) {
    let world = world(stack);
    let sent_850 = buyer_sends_850(&world, PO).await;
    world
        .deliver(world.partner_sends("prt_acme", acme_997(false)).await)
        .await;
    let acknowledged = world
        .deliver(signed(
            &serde_json::to_vec(&acknowledged_event(&world, &sent_850).await).expect("json"),
        ))
        .await;
    assert!(acknowledged["done_at"].is_string(), "{acknowledged}");
    let mut documents = Vec::new();
    for payload in [
        acme_855(PO),
        with_po("x12/856_ship_notice.x12"),
        with_po("x12/810_invoice.x12"),
    ] {
        let record = world
            .deliver(world.partner_sends("prt_acme", payload).await)
            .await;
        assert!(record["done_at"].is_string(), "{record}");
        documents.push(record);
    }

    let key = format!("po:{PO}");
    let entries = all_pages(&world, &key, 4).await;
    let (status, whole) = timeline(&world, &key, &[]).await;
    assert_eq!(status, 200, "{whole}");
    assert_eq!(whole["key"], key);
    assert_eq!(whole["more"], false);
    assert_eq!(
        whole["entries"].as_array().expect("entries"),
        &entries,
        "the pages put together are the whole timeline"
    );
    assert!(entries.iter().all(|e| e["key"] == key.as_str()));
    assert!(
        entries
            .iter()
            .all(|e| e["function"] == order_reconcile::NAME)
    );
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["at"].as_str().expect("at"))
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "oldest first: {times:?}"
    );

    // The 850's acknowledgment: received, then done with the TG id of the 850 it answers.
    let item_850 = format!("tg:{}", acknowledged["event_id"].as_str().expect("id"));
    let received_850 = position(&entries, &item_850, "received", None);
    let done_850 = position(&entries, &item_850, "done", None);
    assert!(received_850 < done_850);
    assert_eq!(
        entries[done_850]["outcome"]["acknowledged"], sent_850,
        "{}",
        entries[done_850]
    );

    // Each partner document: received → filed in xECM → acknowledged through TG → done,
    // one after the other, with the ids both systems gave.
    let mut last = done_850;
    let acks: Vec<Value> = world.partner_inbox("prt_acme").await;
    for record in &documents {
        let event_id = record["event_id"].as_str().expect("id");
        let item_id = format!("tg:{event_id}");
        let received = position(&entries, &item_id, "received", None);
        let identity = record["outcome"]["documents"][0]["identity"]
            .as_str()
            .expect("the filed document's identity");
        let filed = position(
            &entries,
            &item_id,
            "effect",
            Some(("xecm-file", Some(identity))),
        );
        let acked = position(&entries, &item_id, "effect", Some(("tg-ack", None)));
        let done = position(&entries, &item_id, "done", None);
        assert!(
            last < received && received < filed && filed < acked && acked < done,
            "{item_id}: {last} < {received} < {filed} < {acked} < {done}"
        );
        last = done;
        assert_eq!(entries[received]["system"], "tg");
        assert_eq!(entries[received]["ids"]["tg"]["event_id"], event_id);
        assert_eq!(entries[received]["event_type"], "document.received");

        let document_id = &record["outcome"]["documents"][0]["document_id"];
        assert!(document_id.is_i64(), "{record}");
        assert_eq!(entries[filed]["system"], "xecm");
        assert_eq!(entries[filed]["ids"]["xecm"]["document_id"], *document_id);
        let node = world
            .xecm
            .get_node(gridlink_xecm::NodeId::new(document_id.as_i64().expect("id")).expect("id"))
            .await
            .expect("the filed document is in xECM");
        assert_eq!(
            entries[filed]["result"]["name"], node.name,
            "{}",
            entries[filed]
        );

        let ack_id = record["outcome"]["ack"]["document_id"]
            .as_str()
            .expect("an ack");
        assert_eq!(entries[acked]["system"], "tg");
        assert_eq!(entries[acked]["ids"]["tg"]["document_id"], ack_id);
        assert!(
            acks.iter().any(|d| d["document_id"] == ack_id),
            "Acme got acknowledgment {ack_id}: {acks:?}"
        );
        assert_eq!(entries[done]["outcome"]["ack"]["document_id"], ack_id);
    }

    // The ship notice and the invoice have timelines of their own.
    let (status, shipment) = timeline(&world, "shipment:SHP-77001", &[]).await;
    assert_eq!(status, 200, "{shipment}");
    let event_856 = documents[1]["event_id"].as_str().expect("id");
    let item_856 = format!("tg:{event_856}");
    let shipment = shipment["entries"].as_array().expect("entries");
    assert!(!shipment.is_empty());
    assert!(
        shipment.iter().all(|e| e["event_id"] == event_856),
        "only the 856's event is about its shipment: {shipment:?}"
    );
    position(shipment, &item_856, "effect", Some(("xecm-file", None)));
    let (_, invoice) = timeline(&world, "invoice:INV-90017", &[]).await;
    let item_810 = format!("tg:{}", documents[2]["event_id"].as_str().expect("id"));
    position(
        invoice["entries"].as_array().expect("entries"),
        &item_810,
        "done",
        None,
    );

    // A key nothing happened to has an empty timeline; the same key written otherwise too.
    let (status, empty) = timeline(&world, "po:4599999999", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(empty["entries"], serde_json::json!([]));
    assert_eq!(empty["more"], false);
    let (status, encoded) = timeline(&world, &format!("po%3A{PO}"), &[]).await;
    assert_eq!(status, 200, "{encoded}");
    assert_eq!(encoded["entries"].as_array().expect("entries"), &entries);
}

async fn bad_timeline_requests_are_400_naming_the_field(stack: Stack) {
    let world = world(stack);
    let valid = "po:4500001234";
    for (key, query, field) in [
        ("4500001234", None, "`key`"),
        ("order:4500001234", None, "`key`"),
        ("po:", None, "`key`"),
        ("po:%01", None, "`key`"),
        (valid, Some(("limit", "0")), "`limit`"),
        (valid, Some(("limit", "501")), "`limit`"),
        (valid, Some(("limit", "ten")), "`limit`"),
        (valid, Some(("after", "x")), "`after`"),
        (
            valid,
            Some(("after", "2025-06-15T09:00:00.000Z#00001")),
            "`after`",
        ),
    ] {
        let (status, body) = timeline(&world, key, query.as_slice()).await;
        assert_eq!(status, 400, "{key} {query:?}: {body}");
        let message = body["error"]["message"].as_str().expect("a message");
        assert!(message.starts_with(field), "{key} {query:?}: {message}");
        assert_eq!(body["error"]["code"], "invalid_request", "{body}");
    }
    let (status, body) = timeline(&world, valid, &[("limit", "500")]).await;
    assert_eq!(status, 200, "{body}");
}

on_both_stacks!(
    with common::stack_on;
    a_po_timeline_shows_every_document_received_filed_and_acknowledged_in_order,
    bad_timeline_requests_are_400_naming_the_field,
);
