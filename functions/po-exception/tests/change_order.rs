//! The PO change path end to end: the buyer's `Change Order` sends one X12 860 (EDIFACT
//! ORDCHG for an EDIFACT supplier) through Trading Grid, filed once in `Exceptions/<id>`;
//! the partner's 865 / ORDRSP (the TG simulator's partner side answering the change) closes
//! it or sends it back to awaiting the supplier; another partner's answer never moves it; a
//! crash after each effect leaves one of each. The partner's 997 / CONTRL of the change (TG's
//! `document.status_changed`, `acknowledged_by`): accepting → a timeline entry; rejecting →
//! back to awaiting the supplier with the partner's codes; from another partner → nothing;
//! redelivered → once. Simulators on loopback; storage on files + SQLite and on S3 + DynamoDB.

mod common;

use std::time::Duration;

use common::*;
use gridlink_edi::{BusinessDocument, LineChange, PurchaseOrderChange};
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::DocumentId;
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::ports::Mailbox;
use gridlink_xecm::NodeId;
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);

/// The buyer decides `Change Order` on an exception already published; the poll sends it.
async fn change_ordered(world: &World, order: NodeId, exception: &str) {
    poll(world).await;
    set_column(world, order, exception, "Status", "Change Order".into()).await;
    poll(world).await;
}

/// The order changes Trading Grid holds for a partner, as the partner sees them.
async fn changes_sent_to(world: &World, partner: &str) -> Vec<Value> {
    get_json(world, &format!("__sim/partners/{partner}/documents")).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|d| {
            d["partner_direction"] == "received"
                && matches!(d["document"]["doc_type"].as_str(), Some("860" | "ORDCHG"))
        })
        .collect()
}

/// The bytes of a document (the tenant's own view).
async fn content_of(world: &World, document_id: &str) -> Vec<u8> {
    use futures::TryStreamExt;
    let download = world
        .tg
        .document_content(&DocumentId::new(document_id), None)
        .await
        .expect("content");
    let chunks: Vec<bytes::Bytes> = download.stream.try_collect().await.expect("bytes");
    chunks.concat()
}

async fn the_change(world: &World, document_id: &str) -> PurchaseOrderChange {
    let interchange =
        gridlink_edi::parse_interchange(&content_of(world, document_id).await).expect("reads");
    match interchange.documents.first() {
        Some(BusinessDocument::PurchaseOrderChange(change)) => change.clone(),
        other => panic!("not an order change: {other:?}"),
    }
}

/// The partner answers the change through the simulator; the `document.received` event.
async fn partner_answers(world: &World, partner: &str, document_id: &str, decision: &str) -> Event {
    let response = reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/documents/{document_id}/answer_change"
                ))
                .expect("url"),
        )
        .json(&json!({"decision": decision}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 201, "the answer is sent");
    let answer: Value = response.json().await.expect("json");
    received_event(world, answer["document_id"].as_str().expect("id")).await
}

async fn received_event(world: &World, document_id: &str) -> Event {
    events_of(world, EventType::DocumentReceived)
        .await
        .into_iter()
        .find(|e| e.data["document_id"] == document_id)
        .expect("the answer's document.received is in the feed")
}

fn states(timeline: &Value) -> Vec<String> {
    timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_change_order_sends_one_860_and_the_accepting_865_resolves_it(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent"
    );
    poll(&world).await;
    let sent = changes_sent_to(&world, "prt_acme").await;
    assert_eq!(sent.len(), 1, "one 860: {sent:?}");
    assert_eq!(sent[0]["document"]["doc_type"], "860");
    assert_eq!(sent[0]["document"]["receiver"]["id"], "ACMESUPPLY");
    let document_id = sent[0]["document"]["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let change = the_change(&world, &document_id).await;
    assert_eq!(change.po_number, ACME_PO);
    assert_eq!(change.lines.len(), 1);
    assert_eq!(change.lines[0].line_number, "20");
    assert_eq!(change.lines[0].change, LineChange::PriceChange);
    assert_eq!(
        change.lines[0].unit_price.map(|p| p.to_string()).as_deref(),
        Some("0.09"),
        "the order takes the supplier's price"
    );
    let folder = filed(&world, world.acme_order, ACME_EXC).await;
    let ours: Vec<_> = folder
        .iter()
        .filter(|(n, _)| n.starts_with("860 "))
        .collect();
    assert_eq!(ours.len(), 1, "the 860 filed once: {folder:?}");
    let (timeline_now, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let sent_entry = timeline_now["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["state"] == "change_sent")
        .expect("a change_sent entry")
        .clone();
    assert_eq!(sent_entry["tg"]["document_id"], document_id.as_str());
    assert!(sent_entry["tg"]["control_numbers"].is_string());

    let event = partner_answers(&world, "prt_acme", &document_id, "accept").await;
    deliver(&world, &event).await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Resolved"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let all = states(&tl);
    assert!(
        all.ends_with(&[
            "change_requested".into(),
            "change_sent".into(),
            "change_acknowledged".into(),
            "resolved".into()
        ]),
        "{all:?}"
    );
    assert_eq!(
        all.iter().filter(|s| *s == "change_acknowledged").count(),
        1,
        "a duplicate 865 webhook moves nothing"
    );
    let folder = filed(&world, world.acme_order, ACME_EXC).await;
    assert!(
        !folder.iter().any(|(n, _)| n.contains("865")),
        "the 865 is order-reconcile's to file, not po-exception's: {folder:?}"
    );
}

/// A message from the partner on the exception's thread while the change is out (a "got it,
/// will confirm") is filed, but the exception keeps waiting for the 865: the accepting 865 that
/// follows still resolves it.
async fn a_partner_message_while_the_change_is_out_keeps_it_waiting_for_the_865(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let sent = changes_sent_to(&world, "prt_acme").await;
    let document_id = sent[0]["document"]["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, thread) = acme_thread(&world).await;
    let (status, message) = reply(
        &world,
        "prt_acme",
        &thread,
        "Got your change, our 865 follows.",
        "explanation",
        None,
    )
    .await;
    assert_eq!(status, 201, "{message}");
    let posted = posted_event(&world, message["message_id"].as_str().expect("id")).await;
    deliver(&world, &posted).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent",
        "the change is still out"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    assert_eq!(
        entries_saying(&tl, "while the order change is change sent").len(),
        1,
        "the message is on the timeline: {tl}"
    );

    let event = partner_answers(&world, "prt_acme", &document_id, "accept").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Resolved"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    assert!(
        states(&tl).ends_with(&["change_acknowledged".into(), "resolved".into()]),
        "{:?}",
        states(&tl)
    );
}

/// An 865 that accepts the change with changes of its own (`ACK*IC`) is not the change the buyer
/// ordered: the exception goes back to the buyer (Supplier Responded), never Resolved.
async fn an_865_accepting_with_changes_goes_back_to_the_buyer_not_resolved(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let sent = changes_sent_to(&world, "prt_acme").await;
    let document_id = sent[0]["document"]["document_id"].as_str().expect("id");
    let event = partner_answers(&world, "prt_acme", document_id, "accept_with_changes").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Supplier Responded"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    assert!(
        states(&tl).ends_with(&["change_sent".into(), "supplier_responded".into()]),
        "{:?}",
        states(&tl)
    );
    assert_eq!(
        entries_saying(&tl, "answers the change with changes of its own").len(),
        1,
        "{tl}"
    );
}

/// The buyer edits the row while its order change is out: the exception is not republished
/// (which would drop the change); the partner's accepting 865 still resolves it.
async fn a_row_edited_while_the_change_is_out_keeps_the_change(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let sent = changes_sent_to(&world, "prt_acme").await;
    let document_id = sent[0]["document"]["document_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, thread) = acme_thread(&world).await;
    let before = partner_messages(&world, "prt_acme", &thread).await.len();
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Expected",
        "0.085 EUR".into(),
    )
    .await;
    let polled = poll(&world).await;
    assert_eq!(polled["polled"]["published"], json!([]), "{polled}");
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent"
    );
    assert_eq!(
        partner_messages(&world, "prt_acme", &thread).await.len(),
        before,
        "nothing posted"
    );
    let event = partner_answers(&world, "prt_acme", &document_id, "accept").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Resolved"
    );
}

async fn a_rejecting_865_sends_the_exception_back_to_awaiting_the_supplier(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let sent = changes_sent_to(&world, "prt_acme").await;
    let document_id = sent[0]["document"]["document_id"].as_str().expect("id");
    let event = partner_answers(&world, "prt_acme", document_id, "reject").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let last = tl["entries"]
        .as_array()
        .expect("entries")
        .last()
        .expect("an entry")
        .clone();
    assert_eq!(last["state"], "awaiting_supplier");
    assert!(
        last["event"]
            .as_str()
            .unwrap_or_default()
            .contains("rejected by the partner"),
        "the reason is on the timeline: {last}"
    );
}

async fn another_partners_865_never_moves_the_exception(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let sent = changes_sent_to(&world, "prt_acme").await;
    let document_id = sent[0]["document"]["document_id"].as_str().expect("id");
    let change = the_change(&world, document_id).await;
    let ordrsp = change.answer_edifact(None, |_| gridlink_edi::LineStatus::Accepted);
    let params = gridlink_edi::EnvelopeParams {
        sender: gridlink_edi::PartyId::new("ZZ", "NORDFAST"),
        receiver: gridlink_edi::PartyId::new("ZZ", "BUYERCO"),
        interchange_control_number: 77,
        group_control_number: 77,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: time::macros::datetime!(2026-01-05 10:00),
        test: false,
    };
    let bytes =
        gridlink_edi::write_edifact(&BusinessDocument::OrderAcknowledgment(ordrsp), &params)
            .expect("written");
    let response = reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_nordfast/documents?doc_type=ORDRSP&po_number={ACME_PO}"
                ))
                .expect("url"),
        )
        .body(bytes)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
    let answer: Value = response.json().await.expect("json");
    let event = received_event(&world, answer["document_id"].as_str().expect("id")).await;
    let outcome = deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent",
        "Nordic Fasteners' answer to ACME's change moves nothing: {outcome}"
    );
}

async fn an_edifact_supplier_gets_an_ordchg_and_its_ordrsp_closes_it(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.nordfast_order, NORDFAST_EXC).await;
    assert!(changes_sent_to(&world, "prt_acme").await.is_empty());
    let sent = changes_sent_to(&world, "prt_nordfast").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["document"]["doc_type"], "ORDCHG");
    let document_id = sent[0]["document"]["document_id"].as_str().expect("id");
    let change = the_change(&world, document_id).await;
    assert_eq!(change.po_number, NORDFAST_PO);
    assert_eq!(change.lines[0].line_number, "10");
    assert_eq!(
        change.lines[0]
            .requested_delivery
            .map(|d| d.0.to_string())
            .as_deref(),
        Some("2026-12-15"),
        "the order takes the supplier's date"
    );
    let event = partner_answers(&world, "prt_nordfast", document_id, "accept").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.nordfast_order, NORDFAST_EXC).await,
        "Resolved"
    );
}

/// Two exceptions on the same line of an EDIFACT supplier's order, each with its own ORDCHG:
/// an ORDRSP names lines, not changes, so each answer closes the oldest change still out on
/// its line — the first ORDRSP the first exception, the second the second — and none stays
/// `Change Sent` for ever.
async fn two_changes_on_one_line_are_each_closed_by_their_ordrsp_in_turn(stack: Stack) {
    const SECOND: &str = "EXC-4500001235-02";
    let world = world(stack).await;
    let mut all = rows(&world, world.nordfast_order).await;
    let mut row = gridlink_xecm::NamedAttributes::new();
    row.insert("Exception ID".into(), SECOND.into());
    row.insert("Type".into(), "quantity".into());
    row.insert("Line".into(), gridlink_xecm::AttributeValue::Integer(10));
    row.insert("Expected".into(), "20000".into());
    row.insert("Actual".into(), "18000".into());
    all.push(row);
    write_rows(&world, world.nordfast_order, all).await;
    change_ordered(&world, world.nordfast_order, NORDFAST_EXC).await;
    change_ordered(&world, world.nordfast_order, SECOND).await;
    let sent = changes_sent_to(&world, "prt_nordfast").await;
    assert_eq!(sent.len(), 2, "two ORDCHGs: {sent:?}");
    for exception in [NORDFAST_EXC, SECOND] {
        assert_eq!(
            status_of(&world, world.nordfast_order, exception).await,
            "Change Sent",
            "{exception}"
        );
    }
    let first = sent[0]["document"]["document_id"].as_str().expect("id");
    let event = partner_answers(&world, "prt_nordfast", first, "accept").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.nordfast_order, NORDFAST_EXC).await,
        "Resolved",
        "the first answer closes the first change"
    );
    assert_eq!(
        status_of(&world, world.nordfast_order, SECOND).await,
        "Change Sent",
        "the second change is still out"
    );
    let second = sent[1]["document"]["document_id"].as_str().expect("id");
    let event = partner_answers(&world, "prt_nordfast", second, "accept").await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.nordfast_order, SECOND).await,
        "Resolved",
        "the second answer closes the second change"
    );
}

/// A partner sends a document (raw EDI) into the tenant's inbox through the simulator; its
/// TG document id.
async fn partner_sends(world: &World, partner: &str, doc_type: &str, body: String) -> String {
    let response = reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/documents?doc_type={doc_type}"
                ))
                .expect("url"),
        )
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
    let sent: Value = response.json().await.expect("json");
    sent["document_id"].as_str().expect("id").to_owned()
}

/// ACME's 997 answering group `group`, set 0001 of an 860 (interchange / group 901):
/// `AK5` / `AK9` `status`, with `extra` segments (AK3 / AK4) before the AK5.
fn acme_997(sender: &str, group: &str, status: &str, codes: &str, extra: &[&str]) -> String {
    let mut set = vec![
        "ST*997*0001".to_owned(),
        format!("AK1*PC*{group}"),
        "AK2*860*0001".to_owned(),
    ];
    set.extend(extra.iter().map(|s| (*s).to_owned()));
    set.push(format!("AK5*{status}{codes}"));
    set.push(format!("AK9*{status}*1*1*{}", u8::from(status == "A")));
    set.push(format!("SE*{}*0001", set.len() + 1));
    format!(
        "ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*BUYERCO        *260105*1000*U*00401*000000901*0*P*>~GS*FA*{sender}*BUYERCO*20260105*1000*901*X*004010~{}~GE*1*901~IEA*1*000000901~",
        set.join("~")
    )
}

/// A partner's CONTRL (interchange 0020 = 902) answering interchange `interchange`, message
/// `message` (`ORDCHG`) with UCM action `action` (`7` accepted, `4` rejected) and, when
/// rejecting, the error code 12 on segment 3.
fn contrl(sender: &str, interchange: &str, message: &str, action: &str) -> String {
    let mut segments = vec![
        "UNH+1+CONTRL:D:3:UN".to_owned(),
        format!("UCI+{interchange}+BUYERCO:ZZ+{sender}:ZZ+7"),
        format!("UCM+{message}+ORDCHG:D:96A:UN+{action}"),
    ];
    if action == "4" {
        segments.push("UCS+3+12".to_owned());
    }
    segments.push(format!("UNT+{}+1", segments.len() + 1));
    format!(
        "UNA:+.? 'UNB+UNOC:3+{sender}:ZZ+BUYERCO:ZZ+260105:1000+902'{}'UNZ+1+902'",
        segments.join("'")
    )
}

/// The `document.status_changed` TG emitted when a 997 turned the 860 `acknowledged`.
async fn acknowledged_event(world: &World, document_id: &str) -> Event {
    events_of(world, EventType::DocumentStatusChanged)
        .await
        .into_iter()
        .find(|e| e.data["document_id"] == document_id && e.data["status"] == "acknowledged")
        .expect("TG marked the 860 acknowledged")
}

/// The ACME exception's 860: (TG document id, its GS06).
async fn acmes_860(world: &World) -> (String, String) {
    let sent = changes_sent_to(world, "prt_acme").await;
    let document = &sent[0]["document"];
    (
        document["document_id"].as_str().expect("id").to_owned(),
        document["control_numbers"]["group"]
            .as_str()
            .expect("GS06")
            .to_owned(),
    )
}

fn entries_saying(timeline: &Value, text: &str) -> Vec<Value> {
    timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["event"].as_str().unwrap_or_default().contains(text))
        .cloned()
        .collect()
}

/// The buyer's `Change Order` sends ACME's 860; ACME answers it with a 997 ([`acme_997`]'s
/// `status`, `codes`, `extra`); the 997's document id and the 860's `acknowledged` event.
async fn acme_997s_the_860(
    world: &World,
    status: &str,
    codes: &str,
    extra: &[&str],
) -> (String, Event) {
    change_ordered(world, world.acme_order, ACME_EXC).await;
    let (document_id, group) = acmes_860(world).await;
    let ack = partner_sends(
        world,
        "prt_acme",
        "997",
        acme_997("ACMESUPPLY", &group, status, codes, extra),
    )
    .await;
    let event = acknowledged_event(world, &document_id).await;
    assert_eq!(event.data["acknowledged_by"], ack.as_str());
    (ack, event)
}

async fn acmes_997_of_the_860_is_recorded_on_the_timeline(stack: Stack) {
    let world = world(stack).await;
    let (ack, event) = acme_997s_the_860(&world, "A", "", &[]).await;
    deliver(&world, &event).await;
    deliver(&world, &event).await;
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let acknowledged = entries_saying(&tl, "functionally acknowledged");
    assert_eq!(acknowledged.len(), 1, "{tl}");
    assert_eq!(
        acknowledged[0]["state"], "change_sent",
        "the 997 does not close the change"
    );
    assert_eq!(acknowledged[0]["tg"]["document_id"], ack.as_str());
    assert!(
        acknowledged[0]["event"]
            .as_str()
            .unwrap_or_default()
            .contains("set 0001 accepted"),
        "{tl}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent"
    );
}

async fn a_rejecting_997_of_the_860_sends_the_exception_back_with_the_partners_codes(stack: Stack) {
    let world = world(stack).await;
    let (ack, event) = acme_997s_the_860(&world, "R", "*5", &["AK3*POC*3**8", "AK4*2**7"]).await;
    let first = deliver(&world, &event).await;
    // Redelivered: TG retries the webhook, and the same change arrives as a new event id
    // (the event-feed poll) too — recorded once either way.
    deliver(&world, &event).await;
    let mut again = event.clone();
    again.event_id = gridlink_tgrid::ids::EventId::new("evt_redelivered_997");
    deliver(&world, &again).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier",
        "{first}"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let rejected = entries_saying(&tl, "rejected by the partner's 997");
    assert_eq!(rejected.len(), 1, "recorded once: {tl}");
    let entry = &rejected[0];
    assert_eq!(entry["state"], "awaiting_supplier");
    assert_eq!(entry["tg"]["document_id"], ack.as_str());
    let text = entry["event"].as_str().unwrap_or_default();
    assert!(
        text.contains("set 0001 rejected, codes 5, segment POC at 3: 8, element 2: 7"),
        "the partner's codes are on the timeline: {text}"
    );
    assert!(
        entries_saying(&tl, "functionally acknowledged").is_empty(),
        "a rejection is not recorded as accepted: {tl}"
    );
    let all = states(&tl);
    assert!(
        all.ends_with(&["change_sent".into(), "awaiting_supplier".into()]),
        "{all:?}"
    );
}

async fn an_acknowledgment_from_another_partner_records_nothing(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let (document_id, group) = acmes_860(&world).await;
    let (before, versions_before) = timeline(&world, world.acme_order, ACME_EXC).await;
    let interchange =
        changes_sent_to(&world, "prt_acme").await[0]["document"]["control_numbers"]["interchange"]
            .as_str()
            .expect("ISA13")
            .to_owned();
    assert!(!group.is_empty());
    // Nordic Fasteners sends a CONTRL naming the numbers of ACME's 860, rejecting it.
    let foreign = partner_sends(
        &world,
        "prt_nordfast",
        "CONTRL",
        contrl("NORDFAST", &interchange, "0001", "4"),
    )
    .await;
    assert!(
        !events_of(&world, EventType::DocumentStatusChanged)
            .await
            .iter()
            .any(|e| e.data["document_id"] == document_id.as_str()
                && e.data["status"] == "acknowledged"),
        "TG does not link another partner's CONTRL to ACME's 860"
    );
    // A status change naming it anyway (a forged or misrouted webhook) records nothing.
    let mut forged = events_of(&world, EventType::DocumentReceived)
        .await
        .into_iter()
        .find(|e| e.data["document_id"] == foreign.as_str())
        .expect("the 997's document.received");
    let mut outbound = serde_json::to_value(
        world
            .tg
            .document(&DocumentId::new(&document_id))
            .await
            .expect("the 860"),
    )
    .expect("json");
    outbound["status"] = "acknowledged".into();
    outbound["acknowledged_by"] = foreign.as_str().into();
    forged.event_id = gridlink_tgrid::ids::EventId::new("evt_forged_contrl");
    forged.event_type = EventType::DocumentStatusChanged;
    forged.data = outbound;
    let outcome = deliver(&world, &forged).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent",
        "{outcome}"
    );
    let (after, versions_after) = timeline(&world, world.acme_order, ACME_EXC).await;
    assert_eq!(after, before, "nothing recorded: {outcome}");
    assert_eq!(versions_after, versions_before);
}

async fn nordfasts_contrl_rejecting_the_ordchg_sends_it_back(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.nordfast_order, NORDFAST_EXC).await;
    let sent = changes_sent_to(&world, "prt_nordfast").await;
    let document = &sent[0]["document"];
    let document_id = document["document_id"].as_str().expect("id").to_owned();
    let interchange = document["control_numbers"]["interchange"]
        .as_str()
        .expect("UNB 0020")
        .to_owned();
    let message = document["control_numbers"]["transaction"]
        .as_str()
        .expect("UNH 0062")
        .to_owned();
    let ack = partner_sends(
        &world,
        "prt_nordfast",
        "CONTRL",
        contrl("NORDFAST", &interchange, &message, "4"),
    )
    .await;
    let event = acknowledged_event(&world, &document_id).await;
    assert_eq!(event.data["acknowledged_by"], ack.as_str());
    deliver(&world, &event).await;
    deliver(&world, &event).await;
    assert_eq!(
        status_of(&world, world.nordfast_order, NORDFAST_EXC).await,
        "Awaiting Supplier"
    );
    let (tl, _) = timeline(&world, world.nordfast_order, NORDFAST_EXC).await;
    let rejected = entries_saying(&tl, "rejected by the partner's CONTRL");
    assert_eq!(rejected.len(), 1, "{tl}");
    assert_eq!(rejected[0]["state"], "awaiting_supplier");
    assert!(
        rejected[0]["event"]
            .as_str()
            .unwrap_or_default()
            .contains("rejected, codes"),
        "the partner's codes are on the timeline: {tl}"
    );
}

async fn a_change_order_the_row_cannot_state_is_parked_with_the_reason_and_nothing_sent(
    stack: Stack,
) {
    let world = world(stack).await;
    poll(&world).await;
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Actual",
        "see attached".into(),
    )
    .await;
    poll(&world).await;
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Status",
        "Change Order".into(),
    )
    .await;
    poll(&world).await;
    let status = status_of(&world, world.acme_order, ACME_EXC).await;
    assert!(
        status.starts_with("Parked: the change order cannot be written")
            && status.contains("number"),
        "{status}"
    );
    assert!(
        changes_sent_to(&world, "prt_acme").await.is_empty(),
        "no 860 went out"
    );
}

async fn until_ok(world: &World) {
    for _ in 0..4 {
        match fire(world, "po-exception-poll-xecm").await {
            Ok(_) => return,
            Err(error) => {
                println!("poll failed (expected once after an injected crash): {error:?}");
                world.stack.ledger_clock.advance(HOUR);
            }
        }
    }
    panic!("the poll never succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_change_effect_sends_and_files_exactly_one() {
    for kind in ["tg-pox-change", "xecm-pox-change-file", "xecm-pox-timeline"] {
        let world = world_with(stack_on(Storage::Embedded).await, Some(kind), |_| {}).await;
        until_ok(&world).await;
        set_column(
            &world,
            world.acme_order,
            ACME_EXC,
            "Status",
            "Change Order".into(),
        )
        .await;
        until_ok(&world).await;
        until_ok(&world).await;
        let sent = changes_sent_to(&world, "prt_acme").await;
        assert_eq!(
            sent.len(),
            1,
            "one 860 after a crash after {kind}: {sent:?}"
        );
        let folder = filed(&world, world.acme_order, ACME_EXC).await;
        assert_eq!(
            folder.iter().filter(|(n, _)| n.starts_with("860 ")).count(),
            1,
            "the 860 filed once after a crash after {kind}: {folder:?}"
        );
        assert_eq!(
            status_of(&world, world.acme_order, ACME_EXC).await,
            "Change Sent",
            "after a crash after {kind}"
        );
    }
}

/// The rejecting 997's one effect of its own is the timeline's new version (`xecm-version`,
/// `gridlink_flow::file_once`; the row's Status is written by the sync). A crash after it,
/// then the event again and the poll: one entry, one timeline, the exception moved once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_timeline_version_of_a_rejecting_997_records_it_once() {
    let world = world(stack_on(Storage::Embedded).await).await;
    let (ack, event) = acme_997s_the_860(&world, "R", "*5", &[]).await;
    world.stack.crash.arm("xecm-version");
    deliver(&world, &event).await;
    assert!(
        !gridlink_flow::FaultInjector::crash_after_effect(
            world.stack.crash.as_ref(),
            &gridlink_flow::EffectKey::new("xecm-version", "probe")
        ),
        "the crash happened"
    );
    world.stack.ledger_clock.advance(HOUR);
    deliver(&world, &event).await;
    until_ok(&world).await;
    let mut again = event.clone();
    again.event_id = gridlink_tgrid::ids::EventId::new("evt_after_crash_997");
    deliver(&world, &again).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let rejected = entries_saying(&tl, "rejected by the partner's 997");
    assert_eq!(rejected.len(), 1, "once: {tl}");
    assert_eq!(rejected[0]["tg"]["document_id"], ack.as_str());
    let folder = filed(&world, world.acme_order, ACME_EXC).await;
    assert_eq!(
        folder.iter().filter(|(n, _)| n == "timeline.json").count(),
        1,
        "one timeline document: {folder:?}"
    );
}

/// The inbox item of a TG event (`tg / <event id>`): its record's data.
async fn inbox_record(world: &World, event_id: &str) -> Value {
    world
        .function
        .platform()
        .inbox
        .get("tg", event_id)
        .await
        .expect("the inbox answers")
        .expect("the event is an inbox item")
        .record
        .data
}

/// No webhook reaches po-exception (TG gave up after 24 h of retries): the `poll-xecm`
/// schedule's event-feed poll takes ACME's 865 — under its own event id — and it closes the
/// change exactly as the webhook would; another firing reads nothing again, and the webhook
/// arriving late is the same inbox item: nothing moves twice.
async fn the_event_feed_poll_takes_the_865_no_webhook_delivered(stack: Stack) {
    let world = world(stack).await;
    change_ordered(&world, world.acme_order, ACME_EXC).await;
    let (document_id, _) = acmes_860(&world).await;
    let event = partner_answers(&world, "prt_acme", &document_id, "accept").await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Change Sent",
        "no webhook: nothing moved yet"
    );

    let summary = poll(&world).await;
    let events = &summary["events"];
    assert_eq!(events["taken"], 1, "the 865 only: {summary}");
    assert_eq!(events["already_delivered"], 0, "{summary}");
    let done = inbox_record(&world, event.event_id.as_str()).await;
    assert_eq!(
        done["outcome"]["changes"][0]["exception_id"], ACME_EXC,
        "{done}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Resolved"
    );
    let (tl, versions) = timeline(&world, world.acme_order, ACME_EXC).await;
    let all = states(&tl);
    assert!(
        all.ends_with(&[
            "change_sent".into(),
            "change_acknowledged".into(),
            "resolved".into()
        ]),
        "as the webhook would: {all:?}"
    );

    // Another firing: the cursor is past the 865, which is not read again (the feed holds
    // only what the close itself caused since, e.g. the thread's status).
    let again = poll(&world).await;
    assert_eq!(again["events"]["taken"], 0, "{again}");
    assert_eq!(again["events"]["already_delivered"], 0, "{again}");
    // The webhook arrives late: the same inbox item, not processed again.
    let late = deliver(&world, &event).await;
    assert_eq!(late["accepted"], event.event_id.as_str(), "{late}");
    assert_eq!(late["duplicate"], true, "{late}");
    poll(&world).await;
    let (after, versions_after) = timeline(&world, world.acme_order, ACME_EXC).await;
    assert_eq!(after, tl, "nothing recorded twice");
    assert_eq!(versions_after, versions);
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Resolved"
    );
    let folder = filed(&world, world.acme_order, ACME_EXC).await;
    assert!(
        !folder.iter().any(|(n, _)| n.contains("865")),
        "the 865 is order-reconcile's to file, polled or not: {folder:?}"
    );
}

/// The same safety net for the 997 of our 860: no webhook for its `document.status_changed`,
/// the schedule's feed poll takes it and the rejection sends the exception back, once.
async fn the_event_feed_poll_takes_the_997_of_the_860_no_webhook_delivered(stack: Stack) {
    let world = world(stack).await;
    let (ack, event) = acme_997s_the_860(&world, "R", "*5", &[]).await;
    let summary = poll(&world).await;
    assert_eq!(
        summary["events"]["taken"], 1,
        "the 860's acknowledged status change only (the 997's own document.received is not a change answer): {summary}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier",
        "{summary}"
    );
    let late = deliver(&world, &event).await;
    assert_eq!(late["duplicate"], true, "{late}");
    poll(&world).await;
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let rejected = entries_saying(&tl, "rejected by the partner's 997");
    assert_eq!(rejected.len(), 1, "once: {tl}");
    assert_eq!(rejected[0]["tg"]["document_id"], ack.as_str());
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_row_edited_while_the_change_is_out_keeps_the_change,
    two_changes_on_one_line_are_each_closed_by_their_ordrsp_in_turn,
    an_865_accepting_with_changes_goes_back_to_the_buyer_not_resolved,
    a_partner_message_while_the_change_is_out_keeps_it_waiting_for_the_865,
    a_change_order_sends_one_860_and_the_accepting_865_resolves_it,
    a_rejecting_865_sends_the_exception_back_to_awaiting_the_supplier,
    another_partners_865_never_moves_the_exception,
    an_edifact_supplier_gets_an_ordchg_and_its_ordrsp_closes_it,
    acmes_997_of_the_860_is_recorded_on_the_timeline,
    a_rejecting_997_of_the_860_sends_the_exception_back_with_the_partners_codes,
    an_acknowledgment_from_another_partner_records_nothing,
    nordfasts_contrl_rejecting_the_ordchg_sends_it_back,
    a_change_order_the_row_cannot_state_is_parked_with_the_reason_and_nothing_sent,
    the_event_feed_poll_takes_the_865_no_webhook_delivered,
    the_event_feed_poll_takes_the_997_of_the_860_no_webhook_delivered,
);
