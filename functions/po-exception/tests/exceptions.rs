//! po-exception end to end: exception rows published, answers filed, the buyer's decisions,
//! the timeline, bad input parked, partner isolation. Simulators on loopback; storage on
//! files + SQLite and on S3 + DynamoDB.

mod common;

use common::*;
use gridlink_core::clock::Clock;
use gridlink_lambda::{Handler, Invocation, Reply};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::events::EventType;
use gridlink_xecm::{AttributeValue, CategoryId, NamedAttributes, Workspaces};
use serde_json::json;

async fn a_seeded_exception_is_published_once_linked_both_ways_and_projected(stack: Stack) {
    let world = world(stack).await;
    let first = poll(&world).await;
    let published = first["polled"]["published"]
        .as_array()
        .expect("list")
        .clone();
    assert_eq!(
        published.len(),
        2,
        "the ACME and the Nordic Fasteners exceptions: {first}"
    );
    let (_, thread) = acme_thread(&world).await;
    let messages = partner_messages(&world, "prt_acme", &thread).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let structured = &messages[0]["structured"];
    assert_eq!(structured["exception_id"], ACME_EXC);
    assert_eq!(structured["po_number"], ACME_PO);
    assert_eq!(structured["lines"][0]["line"], 20);
    assert_eq!(structured["lines"][0]["field"], "unit_price");
    assert_eq!(structured["lines"][0]["expected"], "0.08 EUR");
    assert_eq!(structured["lines"][0]["actual"], "0.09 EUR");
    assert_eq!(
        structured["allowed_responses"].as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(
        messages[0]["action_request"]["kind"],
        "resolve_po_exception"
    );
    assert!(messages[0]["action_request"]["due_at"].is_string());
    let threads = get_json(
        &world,
        &format!(
            "__sim/partners/prt_acme/spaces/{}/threads",
            acme_thread(&world).await.0
        ),
    )
    .await;
    assert_eq!(
        threads["items"][0]["external_ref"]["id"],
        format!("{}#{ACME_EXC}", world.acme_order).as_str(),
        "the thread names the exception"
    );
    let row = row_of(&world, world.acme_order, ACME_EXC).await;
    assert_eq!(
        text_of(&row, "TG Thread ID"),
        thread,
        "linked back in the row"
    );
    assert_eq!(text_of(&row, "Status"), "Awaiting Supplier");
    assert_eq!(
        text_of(&row, "Expected"),
        "0.08 EUR",
        "the buyer's columns are kept"
    );
    assert_eq!(
        status_of(&world, world.nordfast_order, NORDFAST_EXC).await,
        "Awaiting Supplier"
    );
    let nordfast = partner_spaces(&world, "prt_nordfast", world.nordfast_order).await;
    assert_eq!(
        nordfast.len(),
        1,
        "the EDIFACT partner's exception is in its own space"
    );
    assert!(
        partner_spaces(&world, "prt_nordfast", world.acme_order)
            .await
            .is_empty(),
        "ACME's order is never shown to another partner"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let events: Vec<_> = tl["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(events, ["detected", "published", "awaiting_supplier"]);
    let again = poll(&world).await;
    assert_eq!(again["polled"]["published"], json!([]), "{again}");
    assert_eq!(partner_messages(&world, "prt_acme", &thread).await.len(), 1);
}

async fn a_corrected_document_is_filed_once_and_the_buyer_accepts_to_resolved(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    let (status, message) = reply(
        &world,
        "prt_acme",
        &thread,
        "Corrected confirmation attached: 0.08 EUR.",
        "corrected_document",
        Some(("855-corrected.txt", b"855 corrected: line 20 at 0.08 EUR\n")),
    )
    .await;
    assert_eq!(status, 201, "{message}");
    let event = posted_event(&world, message["message_id"].as_str().expect("id")).await;
    let first = deliver(&world, &event).await;
    assert_eq!(first["duplicate"], false, "{first}");
    let duplicate = deliver(&world, &event).await;
    assert_eq!(duplicate["duplicate"], true, "{duplicate}");
    let docs = filed(&world, world.acme_order, ACME_EXC).await;
    let names: Vec<_> = docs.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(
        docs.len(),
        4,
        "message, file, timeline.json, timeline.html: {names:?}"
    );
    let attachment = docs
        .iter()
        .find(|(n, _)| n.ends_with("855-corrected.txt"))
        .expect("the corrected document is filed");
    assert_eq!(
        content(&world, attachment.1).await,
        "855 corrected: line 20 at 0.08 EUR\n"
    );
    let category = world
        .xecm
        .read_attributes(attachment.1, CategoryId::new(9400).expect("id"))
        .await
        .expect("Partner Document");
    assert_eq!(
        category.get("Document Type"),
        Some(&AttributeValue::Text("corrected_document".into()))
    );
    assert_eq!(
        category.get("Trading Partner ID"),
        Some(&AttributeValue::Text("prt_acme".into()))
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Supplier Responded"
    );

    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Status",
        "Accepted".into(),
    )
    .await;
    let decided = poll(&world).await;
    assert_eq!(
        decided["polled"]["decided"],
        json!([format!("{ACME_EXC}: Resolved")]),
        "{decided}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Resolved"
    );
    let tenant_thread = get_json(
        &world,
        &format!(
            "__sim/partners/prt_acme/spaces/{}/threads",
            acme_thread(&world).await.0
        ),
    )
    .await;
    assert_eq!(
        tenant_thread["items"][0]["status"], "resolved",
        "resolved in Trading Grid too"
    );
    let (tl, versions) = timeline(&world, world.acme_order, ACME_EXC).await;
    let states: Vec<_> = tl["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["state"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        states,
        [
            "detected",
            "published",
            "awaiting_supplier",
            "supplier_responded",
            "accepted",
            "resolved"
        ]
    );
    assert!(
        versions >= 3,
        "a new timeline version per transition: {versions}"
    );
    let answered = &tl["entries"][3];
    assert_eq!(answered["actor"], "partner:prt_acme (ACME Supply)");
    assert_eq!(answered["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        answered["files"][1]["sha256"].as_str().map(str::len),
        Some(64)
    );
    assert!(answered["tg"]["message_id"].is_string());
    // a reply on the resolved exception reopens it
    let (status, again) = reply(
        &world,
        "prt_acme",
        &thread,
        "One more thing.",
        "explain",
        None,
    )
    .await;
    assert_eq!(status, 201, "{again}");
    deliver(
        &world,
        &posted_event(&world, again["message_id"].as_str().expect("id")).await,
    )
    .await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Supplier Responded"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let last = tl["entries"]
        .as_array()
        .expect("entries")
        .last()
        .cloned()
        .expect("entry");
    assert!(
        last["event"]
            .as_str()
            .unwrap_or_default()
            .starts_with("reopened"),
        "{last}"
    );
}

async fn replies_delivered_out_of_order_are_each_filed_once(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    let (_, one) = reply(
        &world,
        "prt_acme",
        &thread,
        "First: we explain.",
        "explain",
        None,
    )
    .await;
    let (_, two) = reply(
        &world,
        "prt_acme",
        &thread,
        "Second: disputed.",
        "dispute",
        None,
    )
    .await;
    let one = posted_event(&world, one["message_id"].as_str().expect("id")).await;
    let two = posted_event(&world, two["message_id"].as_str().expect("id")).await;
    for event in [&two, &one, &two, &one] {
        deliver(&world, event).await;
    }
    let docs = filed(&world, world.acme_order, ACME_EXC).await;
    let messages: Vec<_> = docs
        .iter()
        .filter(|(n, _)| !n.starts_with("timeline"))
        .collect();
    assert_eq!(messages.len(), 2, "{docs:?}");
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let answered = tl["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["state"] == "supplier_responded")
        .count();
    assert_eq!(answered, 2);
}

/// TG gave up redelivering Acme's reply (no webhook ever arrives): the `poll-xecm` schedule
/// takes it from TG's event feed under its own event id and files it exactly as the webhook
/// would; the webhook arriving at last is the same inbox item and files nothing twice.
async fn the_poll_takes_a_reply_no_webhook_delivered_from_the_event_feed(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    let messages = |docs: Vec<(String, gridlink_xecm::NodeId)>| -> Vec<String> {
        docs.into_iter()
            .map(|(n, _)| n)
            .filter(|n| !n.starts_with("timeline"))
            .collect()
    };
    let (_, posted) = reply(
        &world,
        "prt_acme",
        &thread,
        "We explain: the line was split.",
        "explain",
        None,
    )
    .await;
    assert!(
        messages(filed(&world, world.acme_order, ACME_EXC).await).is_empty(),
        "no webhook: nothing filed yet"
    );

    let run = poll(&world).await;
    let taken = run["events"]["taken"]
        .as_u64()
        .expect("the feed poll's summary");
    assert!(
        taken >= 1,
        "the reply (and gridlink's own posts on the thread, ignored): {run}"
    );
    let after = messages(filed(&world, world.acme_order, ACME_EXC).await);
    assert_eq!(after.len(), 1, "filed as the webhook would: {after:?}");

    let event = posted_event(&world, posted["message_id"].as_str().expect("id")).await;
    let late = deliver(&world, &event).await;
    assert_eq!(late["duplicate"], true, "the same inbox item: {late}");
    assert_eq!(
        messages(filed(&world, world.acme_order, ACME_EXC).await),
        after,
        "nothing filed twice"
    );
}

async fn another_partners_message_on_the_thread_is_refused_and_never_filed(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    // Trading Grid keeps the other partner out of the thread (the first lock) …
    let (status, _) = reply(&world, "prt_globex", &thread, "Let me in.", "dispute", None).await;
    assert!(
        status == 403 || status == 404,
        "the simulator refuses: {status}"
    );
    // … and a message.posted on the thread by another partner is refused here (the second).
    let (_, own) = reply(&world, "prt_acme", &thread, "ours", "explain", None).await;
    let mut forged = posted_event(&world, own["message_id"].as_str().expect("id")).await;
    forged.event_id = gridlink_tgrid::EventId::new("evt_forged_1");
    forged.data["message"]["author"]["partner_id"] = json!("prt_globex");
    forged.data["message"]["message_id"] = json!("msg_forged_1");
    deliver(&world, &forged).await;
    let answer = world
        .function
        .usecase()
        .file_answer(&forged)
        .await
        .expect("a refusal is an outcome, not a failure");
    assert_eq!(
        answer.refused.as_deref(),
        Some(format!("prt_globex is not the partner of exception {ACME_EXC}").as_str())
    );
    assert!(answer.documents.is_empty());
    let docs = filed(&world, world.acme_order, ACME_EXC).await;
    assert!(
        docs.iter().all(|(n, _)| !n.contains("msg_forged_1")),
        "nothing of the other partner is filed: {docs:?}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier"
    );
}

async fn a_row_edited_while_awaiting_is_republished_once(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Actual",
        "0.10 EUR".into(),
    )
    .await;
    let polled = poll(&world).await;
    assert_eq!(
        polled["polled"]["published"].as_array().map(Vec::len),
        Some(1),
        "{polled}"
    );
    poll(&world).await;
    let push = serde_json::to_vec(&json!({"event_type": "workspace.changed", "node_id": world.acme_order.get(), "occurred_at": "2026-11-25T01:00:00Z"})).expect("json");
    let reply = world
        .function
        .handle(Invocation::Http(gridlink_tests::stack::signed_xecm_push(
            po_exception::NAME,
            &push,
            PUSH_SECRET,
            world.clock.unix_seconds(),
        )))
        .await
        .expect("the push is accepted");
    let Reply::Http(response) = reply else {
        panic!("a push answers over HTTP")
    };
    assert_eq!(response.status, 202);
    let messages = partner_messages(&world, "prt_acme", &thread).await;
    assert_eq!(
        messages.len(),
        2,
        "the first publication and one revision: {messages:?}"
    );
    assert_eq!(messages[1]["structured"]["lines"][0]["actual"], "0.10 EUR");
    assert!(
        messages[1]["body"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Revised")
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier"
    );
}

/// Writes the `Trading Partner ID` of Nordic Fasteners' supplier workspace (supplier
/// 0000100077), as an operator would.
async fn set_nordic_partner_id(world: &World, id: &str) {
    let supplier = world
        .xecm
        .find_workspace_by_business_object(
            &gridlink_xecm::BusinessObject::new("SAP_ERP", "LFA1", "0000100077").expect("bo"),
        )
        .await
        .expect("lookup")
        .expect("supplier");
    let mut values = NamedAttributes::new();
    values.insert("Trading Partner ID".into(), id.into());
    world
        .xecm
        .write_attributes(supplier.id, CategoryId::new(9001).expect("id"), &values)
        .await
        .expect("written");
}

async fn bad_rows_and_a_supplier_without_a_partner_are_parked_with_the_reason(stack: Stack) {
    let world = world(stack).await;
    let mut bad = Vec::new();
    for (id, kind, line) in [
        ("EXC-NO-LINE", Some("quantity"), None),
        ("EXC-NO-TYPE", None, Some(10)),
        ("", Some("price"), Some(10)),
    ] {
        let mut row = NamedAttributes::new();
        row.insert("Exception ID".into(), id.into());
        row.insert("Type".into(), kind.unwrap_or("").into());
        row.insert("Expected".into(), "1".into());
        if let Some(line) = line {
            row.insert("Line".into(), AttributeValue::Integer(line));
        }
        bad.push(row);
    }
    let mut all = rows(&world, world.acme_order).await;
    all.extend(bad);
    write_rows(&world, world.acme_order, all).await;
    let polled = poll(&world).await;
    let parked = polled["polled"]["parked"].to_string();
    assert!(parked.contains("EXC-NO-LINE: `Line`"), "{polled}");
    assert!(parked.contains("EXC-NO-TYPE: `Type`"), "{polled}");
    assert!(parked.contains("`Exception ID` is empty"), "{polled}");
    assert!(
        status_of(&world, world.acme_order, "EXC-NO-LINE")
            .await
            .starts_with("Parked: `Line`")
    );
    assert!(
        status_of(&world, world.acme_order, "EXC-NO-TYPE")
            .await
            .starts_with("Parked: `Type`")
    );
    let (_, thread) = acme_thread(&world).await;
    assert_eq!(
        partner_messages(&world, "prt_acme", &thread).await.len(),
        1,
        "only the valid one"
    );

    // The Nordic Fasteners supplier loses its TG partner: its new exception is parked …
    set_nordic_partner_id(&world, "ZZ:NOBODY").await;
    let mut all = rows(&world, world.nordfast_order).await;
    let mut row = NamedAttributes::new();
    row.insert("Exception ID".into(), "EXC-4500001235-02".into());
    row.insert("Type".into(), "quantity".into());
    row.insert("Line".into(), AttributeValue::Integer(10));
    all.push(row);
    write_rows(&world, world.nordfast_order, all).await;
    poll(&world).await;
    let status = status_of(&world, world.nordfast_order, "EXC-4500001235-02").await;
    assert_eq!(
        status,
        "Parked: supplier 0000100077 (ZZ:NOBODY) is no Trading Grid partner"
    );
    // … and published once the supplier is fixed.
    set_nordic_partner_id(&world, "NORDFAST").await;
    set_column(
        &world,
        world.nordfast_order,
        "EXC-4500001235-02",
        "Expected",
        "20000".into(),
    )
    .await;
    poll(&world).await;
    assert_eq!(
        status_of(&world, world.nordfast_order, "EXC-4500001235-02").await,
        "Awaiting Supplier"
    );
}

/// Partner isolation through identifier qualifiers: Nordic Fasteners' supplier workspace names
/// its partner `NORDFAST` without a qualifier (as the demo seed does). Once Trading Grid also
/// holds `01:NORDFAST` for another company, that id no longer names one partner: Nordic's
/// exception is parked naming both addresses and nothing is posted to either partner — never
/// to whichever TG lists first. Qualified as `ZZ:NORDFAST`, it goes to Nordic alone.
async fn an_unqualified_partner_id_two_partners_hold_is_parked_never_guessed(stack: Stack) {
    let world = world(stack).await;
    let spoof = serde_json::json!({
        "partner_id": "prt_spoof",
        "name": "Nordfast Trading (another company)",
        "status": "active",
        "van": "Interconnect",
        "edi_addresses": ["01:NORDFAST"],
        "contacts": [],
        "partnerships": [{
            "my_address": "ZZ:BUYERCO",
            "partner_address": "01:NORDFAST",
            "send": ["ORDCHG"],
            "receive": ["ORDRSP"],
            "status": "active"
        }]
    });
    let response = reqwest::Client::new()
        .post(world.tg_base.join("__sim/partners").expect("url"))
        .json(&spoof)
        .send()
        .await
        .expect("added");
    assert!(response.status().is_success(), "{}", response.status());

    let polled = poll(&world).await;
    let status = status_of(&world, world.nordfast_order, NORDFAST_EXC).await;
    assert_eq!(
        status,
        "Parked: supplier 0000100077's `Trading Partner ID` NORDFAST is ambiguous: Trading Grid holds 01:NORDFAST, ZZ:NORDFAST; qualify it (QUALIFIER:ID)",
        "{polled}"
    );
    for partner in ["prt_spoof", "prt_nordfast"] {
        assert!(
            partner_spaces(&world, partner, world.nordfast_order)
                .await
                .is_empty(),
            "nothing about Nordic's order reaches {partner}"
        );
    }
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier",
        "the other supplier's exception is published as before"
    );

    // Qualified, the id names Nordic alone.
    set_nordic_partner_id(&world, "ZZ:NORDFAST").await;
    set_column(
        &world,
        world.nordfast_order,
        NORDFAST_EXC,
        "Expected",
        "20000".into(),
    )
    .await;
    poll(&world).await;
    assert_eq!(
        status_of(&world, world.nordfast_order, NORDFAST_EXC).await,
        "Awaiting Supplier"
    );
    assert_eq!(
        partner_spaces(&world, "prt_nordfast", world.nordfast_order)
            .await
            .len(),
        1
    );
    assert!(
        partner_spaces(&world, "prt_spoof", world.nordfast_order)
            .await
            .is_empty(),
        "never to the other company"
    );
}

async fn a_push_for_an_unknown_node_is_skipped_not_dead_lettered(stack: Stack) {
    let world = world(stack).await;
    let push = serde_json::to_vec(&json!({"event_type": "workspace.changed", "node_id": 987_654_321, "occurred_at": "2026-11-25T01:00:00Z"})).expect("json");
    let reply = world
        .function
        .handle(Invocation::Http(gridlink_tests::stack::signed_xecm_push(
            po_exception::NAME,
            &push,
            PUSH_SECRET,
            world.clock.unix_seconds(),
        )))
        .await
        .expect("answered");
    let Reply::Http(response) = reply else {
        panic!("a push answers over HTTP")
    };
    assert_eq!(
        response.status, 202,
        "the door cannot know a node is missing: it may be the news"
    );
    let show = |path: String| {
        world
            .function
            .handle(Invocation::Http(gridlink_lambda::HttpRequest {
                method: "GET".into(),
                path,
                ..gridlink_lambda::HttpRequest::default()
            }))
    };
    let Reply::Http(dead) = show("/po-exception/dead-letters".into())
        .await
        .expect("listed")
    else {
        panic!("http")
    };
    let listed = String::from_utf8_lossy(&dead.body).to_string();
    assert_eq!(dead.status, 200, "{listed}");
    assert!(
        !listed.contains("987654321"),
        "a push about a missing node is no dead letter: {listed}"
    );
    let Reply::Http(item) = show(format!(
        "/po-exception/dead-letters/xecm:xecm-987654321-{}-workspacechanged",
        time::macros::datetime!(2026-11-25 01:00 UTC).unix_timestamp()
    ))
    .await
    .expect("shown") else {
        panic!("http")
    };
    let item: serde_json::Value = serde_json::from_slice(&item.body).expect("json");
    assert_eq!(item["status"], "done", "{item}");
    assert_eq!(
        item["outcome"]["skipped"], "node 987654321 not found in xECM",
        "{item}"
    );
}

/// The buyer deletes an exception's row: the exception is withdrawn (its thread closed, the
/// timeline saying why) and the deadline sweep no longer chases the partner; the other
/// order's exception is untouched.
async fn a_removed_row_withdraws_its_exception_and_nobody_is_chased(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (space, _) = acme_thread(&world).await;
    let kept: Vec<NamedAttributes> = rows(&world, world.acme_order)
        .await
        .into_iter()
        .filter(|r| text_of(r, "Exception ID") != ACME_EXC)
        .collect();
    write_rows(&world, world.acme_order, kept).await;
    let polled = poll(&world).await;
    assert_eq!(polled["polled"]["withdrawn"], json!([ACME_EXC]), "{polled}");
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let last = tl["entries"].as_array().expect("entries").last().cloned();
    assert_eq!(
        last.as_ref().map(|e| e["state"].clone()),
        Some(json!("withdrawn")),
        "{tl}"
    );
    assert!(
        last.as_ref()
            .and_then(|e| e["event"].as_str())
            .is_some_and(|e| e.contains("row was removed")),
        "{tl}"
    );
    let threads = get_json(
        &world,
        &format!("__sim/partners/prt_acme/spaces/{space}/threads"),
    )
    .await;
    assert_eq!(threads["items"][0]["status"], "closed", "{threads}");
    assert_eq!(poll(&world).await["polled"]["withdrawn"], json!([]), "once");

    world
        .clock
        .advance(std::time::Duration::from_secs(48 * 3600 + 60));
    let swept = deadlines(&world).await;
    let reminded = swept["deadlines"]["reminded"].to_string();
    assert!(
        !reminded.contains(ACME_EXC) && reminded.contains(NORDFAST_EXC),
        "only the exception still on its order is chased: {swept}"
    );
}

async fn a_reply_on_a_closed_thread_is_refused_by_trading_grid(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Status",
        "Withdrawn".into(),
    )
    .await;
    poll(&world).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Withdrawn"
    );
    let (status, body) = reply(&world, "prt_acme", &thread, "too late", "explain", None).await;
    assert_eq!(status, 409, "a closed thread takes no reply: {body}");
    let events = events_of(&world, EventType::MessagePosted).await;
    assert!(
        events
            .iter()
            .all(|e| e.data["message"]["body"] != "too late")
    );
}

/// Issue 14's scale case: ACME's order with 99 lines and 10 exceptions on them (the seeded
/// one and nine more, every type). Each is published exactly once on its own thread; ACME
/// answers all ten with a file; the answers' webhooks arrive in reverse order and twice each;
/// every answer is filed once into its own exception's folder and nothing is lost.
async fn ten_exceptions_on_a_99_line_order_are_published_once_and_answered_into_their_own_folders(
    stack: Stack,
) {
    let world = world(stack).await;
    let lines: Vec<NamedAttributes> = (1..=99)
        .map(|n| {
            let mut line = NamedAttributes::new();
            line.insert("Line".into(), AttributeValue::Integer(n));
            line.insert("Material".into(), format!("MAT-{n:03}").into());
            line.insert("Quantity".into(), AttributeValue::Integer(100));
            line.insert("Unit Price".into(), "0.08 EUR".into());
            line
        })
        .collect();
    let mut order = NamedAttributes::new();
    order.insert("Lines".into(), AttributeValue::Rows(lines));
    world
        .xecm
        .write_attributes(world.acme_order, CategoryId::new(9100).expect("id"), &order)
        .await
        .expect("99 order lines written");
    assert_eq!(
        gridlink_tests::kit::rows(&world.xecm, world.acme_order, 9100, "Lines")
            .await
            .len(),
        99
    );
    let types = po_exception::row::TYPES;
    let mut all = rows(&world, world.acme_order).await;
    let mut ids = vec![ACME_EXC.to_owned()];
    for (i, line) in [1_i64, 11, 31, 42, 55, 63, 77, 88, 99]
        .into_iter()
        .enumerate()
    {
        let id = format!("EXC-{ACME_PO}-L{line:02}");
        let mut row = NamedAttributes::new();
        row.insert("Exception ID".into(), id.clone().into());
        row.insert("Type".into(), types[i % types.len()].into());
        row.insert("Line".into(), AttributeValue::Integer(line));
        row.insert("Expected".into(), format!("expected on line {line}").into());
        row.insert("Actual".into(), format!("actual on line {line}").into());
        row.insert("Status".into(), "Open".into());
        all.push(row);
        ids.push(id);
    }
    write_rows(&world, world.acme_order, all).await;

    let first = poll(&world).await;
    let published: Vec<String> = first["polled"]["published"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p.as_str().unwrap_or_default().to_owned())
        .collect();
    for id in &ids {
        assert_eq!(
            published.iter().filter(|p| p.contains(id.as_str())).count(),
            1,
            "{id} published once: {published:?}"
        );
    }
    let again = poll(&world).await;
    assert_eq!(again["polled"]["published"], json!([]), "{again}");

    let spaces = partner_spaces(&world, "prt_acme", world.acme_order).await;
    assert_eq!(spaces.len(), 1, "one space for the order and ACME");
    let space = spaces[0]["space_id"].as_str().expect("id");
    let threads = partner_threads(&world, "prt_acme", space).await;
    assert_eq!(threads.len(), 10, "one thread per exception");
    let mut thread_of = std::collections::BTreeMap::new();
    for thread in &threads {
        let thread_id = thread["thread_id"].as_str().expect("id").to_owned();
        let messages = partner_messages(&world, "prt_acme", &thread_id).await;
        let publications: Vec<_> = messages
            .iter()
            .filter(|m| m["structured"]["allowed_responses"].is_array())
            .collect();
        assert_eq!(publications.len(), 1, "{thread_id}: {messages:?}");
        let id = publications[0]["structured"]["exception_id"]
            .as_str()
            .expect("exception id")
            .to_owned();
        assert_eq!(
            text_of(&row_of(&world, world.acme_order, &id).await, "TG Thread ID"),
            thread_id,
            "{id} linked to its own thread"
        );
        assert!(thread_of.insert(id, thread_id).is_none(), "one thread each");
    }
    assert_eq!(
        thread_of.keys().cloned().collect::<Vec<_>>(),
        {
            let mut sorted = ids.clone();
            sorted.sort();
            sorted
        },
        "every exception has its thread"
    );

    let mut events = Vec::new();
    for (id, thread) in &thread_of {
        let (status, message) = reply(
            &world,
            "prt_acme",
            thread,
            &format!("About {id}: corrected document attached."),
            "corrected_document",
            Some((
                format!("answer-{id}.txt").as_str(),
                format!("answer for {id}\n").as_bytes(),
            )),
        )
        .await;
        assert_eq!(status, 201, "{message}");
        events.push(posted_event(&world, message["message_id"].as_str().expect("id")).await);
    }
    for event in events.iter().rev().chain(events.iter()) {
        deliver(&world, event).await;
    }

    let mut answers = 0;
    for id in &ids {
        let docs = filed(&world, world.acme_order, id).await;
        let names: Vec<_> = docs.iter().map(|(n, _)| n.as_str()).collect();
        let answered: Vec<_> = docs
            .iter()
            .filter(|(n, _)| !n.starts_with("timeline"))
            .collect();
        assert_eq!(
            answered.len(),
            2,
            "{id}: the message and its file, once: {names:?}"
        );
        let file = answered
            .iter()
            .find(|(n, _)| n.ends_with(&format!("answer-{id}.txt")))
            .unwrap_or_else(|| panic!("{id}'s own answer is in its folder: {names:?}"));
        assert_eq!(content(&world, file.1).await, format!("answer for {id}\n"));
        assert_eq!(
            status_of(&world, world.acme_order, id).await,
            "Supplier Responded",
            "{id}"
        );
        let (tl, _) = timeline(&world, world.acme_order, id).await;
        let responded = tl["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["state"] == "supplier_responded")
            .count();
        assert_eq!(responded, 1, "{id}: {tl}");
        answers += answered.len();
    }
    assert_eq!(answers, 20, "ten messages and ten files, nothing lost");
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_seeded_exception_is_published_once_linked_both_ways_and_projected,
    a_corrected_document_is_filed_once_and_the_buyer_accepts_to_resolved,
    replies_delivered_out_of_order_are_each_filed_once,
    the_poll_takes_a_reply_no_webhook_delivered_from_the_event_feed,
    another_partners_message_on_the_thread_is_refused_and_never_filed,
    a_row_edited_while_awaiting_is_republished_once,
    bad_rows_and_a_supplier_without_a_partner_are_parked_with_the_reason,
    an_unqualified_partner_id_two_partners_hold_is_parked_never_guessed,
    a_push_for_an_unknown_node_is_skipped_not_dead_lettered,
    a_reply_on_a_closed_thread_is_refused_by_trading_grid,
    a_removed_row_withdraws_its_exception_and_nobody_is_chased,
    ten_exceptions_on_a_99_line_order_are_published_once_and_answered_into_their_own_folders,
);
