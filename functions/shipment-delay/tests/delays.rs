//! shipment-delay end to end against the xECM and Trading Grid simulators, on embedded
//! storage and on S3 + DynamoDB (moto): partners send 214 / IFTSTA documents and post
//! messages on shipment threads; the outcome is read back from xECM, TG and the inbox.

mod common;

use common::{PO, date, nordfast_iftsta, text, world, x12_214};
use gridlink_lambda::{Handler, Invocation};
use gridlink_tests::stack::Stack;

async fn a_214_delay_is_filed_with_its_attributes_status_and_note_and_acknowledged(stack: Stack) {
    let world = world(stack).await;
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 811),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(status["po_number"], PO, "{outcome}");
    let shipping = world.shipping(PO).await;
    let document = status["document_id"].as_i64().expect("filed");
    let filed = shipping
        .iter()
        .find(|n| n.id.get() == document)
        .unwrap_or_else(|| panic!("filed in Shipping: {shipping:?}"));
    assert!(
        filed
            .name
            .starts_with("214 SHP-77001 SD 2026-11-24 ACMESUPPLY"),
        "{}",
        filed.name
    );
    let values = world.values(document, 9600).await;
    assert_eq!(text(&values, "Partner").as_deref(), Some("ZZ:ACMESUPPLY"));
    assert_eq!(text(&values, "PO Number").as_deref(), Some(PO));
    assert_eq!(text(&values, "Shipment ID").as_deref(), Some("SHP-77001"));
    assert_eq!(text(&values, "Status Code").as_deref(), Some("SD"));
    assert_eq!(text(&values, "Reason").as_deref(), Some("AO"));
    assert_eq!(
        date(&values, "Expected Date").as_deref(),
        Some("2026-12-04")
    );
    let partner_document = world.values(document, 9400).await;
    assert_eq!(
        text(&partner_document, "Document Type").as_deref(),
        Some("214")
    );
    let expected = "SD shipment delayed (AO weather or natural disaster) on 2026-11-24 08:00; expected 2026-12-04; shipment SHP-77001; 214 from ZZ:ACMESUPPLY";
    assert_eq!(world.shipment_status(PO).await.as_deref(), Some(expected));
    let note = status["note_document_id"].as_i64().expect("note");
    assert!(
        shipping.iter().any(|n| n.id.get() == note),
        "the note is in Shipping"
    );
    let note = world.note_text(note).await;
    assert!(
        note.contains("purchase order 4500001234") && note.contains(expected),
        "{note}"
    );
    assert_eq!(outcome["ack"]["rejecting"], false, "{outcome}");
    assert!(
        world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "a 997 went back to ACME"
    );
}

async fn an_iftsta_is_filed_with_its_attributes_status_and_note_and_acknowledged(stack: Stack) {
    let world = world(stack).await;
    let request = world.partner_sends("prt_nordfast", nordfast_iftsta()).await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(outcome["syntax"], "EDIFACT", "{outcome}");
    assert_eq!(status["po_number"], "4500001235", "{outcome}");
    let document = status["document_id"].as_i64().expect("filed");
    let values = world.values(document, 9600).await;
    assert_eq!(text(&values, "Shipment ID").as_deref(), Some("SHP-88002"));
    assert_eq!(
        text(&values, "Bill of Lading").as_deref(),
        Some("BOL-88002")
    );
    assert_eq!(text(&values, "Status Code").as_deref(), Some("6"));
    assert_eq!(text(&values, "Reason").as_deref(), Some("AS"));
    assert_eq!(date(&values, "Status Date").as_deref(), Some("2026-11-24"));
    assert_eq!(
        date(&values, "Expected Date").as_deref(),
        Some("2026-11-30")
    );
    let shown = world
        .shipment_status("4500001235")
        .await
        .expect("Shipment Status");
    assert!(
        shown.starts_with(
            "6 (AS hold due to customs documentation) on 2026-11-24 07:00; expected 2026-11-30"
        ),
        "{shown}"
    );
    let names: Vec<String> = world
        .shipping("4500001235")
        .await
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names.len(), 2, "the IFTSTA and its note: {names:?}");
    assert!(names.iter().any(|n| n.starts_with("Note")), "{names:?}");
    assert!(
        world
            .partner_inbox("prt_nordfast")
            .await
            .iter()
            .any(|d| d["doc_type"] == "CONTRL"),
        "a CONTRL went back to Nordic Fasteners"
    );
}

async fn a_free_text_message_with_an_attachment_is_filed_in_the_order(stack: Stack) {
    let world = world(stack).await;
    let thread = world.shipment_thread().await;
    let request = world
        .partner_posts(
            &thread,
            "Shipment SHP-99003 is held at customs, see the attached notice. New ETA 2026-12-08.",
            r#"{"shipment_id":"SHP-99003","status_code":"SD","reason":"AS","expected_date":"2026-12-08"}"#,
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(outcome["po_number"], PO, "{outcome}");
    let shipping = world.shipping(PO).await;
    let attachment = outcome["attachments"][0]
        .as_i64()
        .expect("attachment filed");
    let attached = shipping
        .iter()
        .find(|n| n.id.get() == attachment)
        .expect("attachment in Shipping");
    assert!(
        attached.name.ends_with("customs-hold.txt"),
        "{}",
        attached.name
    );
    assert_eq!(
        world.note_text(attachment).await,
        "Customs hold notice: missing commercial invoice\n"
    );
    let message = outcome["document_id"].as_i64().expect("message filed");
    assert!(world.note_text(message).await.contains("held at customs"));
    let values = world.values(message, 9600).await;
    assert_eq!(text(&values, "Source").as_deref(), Some("message"));
    assert_eq!(text(&values, "Shipment ID").as_deref(), Some("SHP-99003"));
    assert_eq!(
        date(&values, "Expected Date").as_deref(),
        Some("2026-12-08")
    );
    let shown = world.shipment_status(PO).await.expect("Shipment Status");
    assert!(
        shown.starts_with("SD (AS hold due to customs documentation)")
            || shown.starts_with("SD shipment delayed"),
        "{shown}"
    );
    assert!(shown.contains("message from ZZ:ACMESUPPLY"), "{shown}");
    assert_eq!(shipping.len(), 3, "message, attachment, note: {shipping:?}");
    // The message taught its shipment id: a 214 naming only SHP-99003 finds the order.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-99003", "X1", 812),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(
        outcome["statuses"][0]["routed_by"], "shipment_reference",
        "{outcome}"
    );
}

async fn three_concurrent_deliveries_of_one_214_file_it_once(stack: Stack) {
    let world = world(stack).await;
    let payload = x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 821);
    let request = world.partner_sends("prt_acme", payload.clone()).await;
    let (a, b, c) = tokio::join!(
        world.deliver(request.clone()),
        world.deliver(request.clone()),
        world.deliver(request.clone())
    );
    let duplicates = [&a, &b, &c]
        .iter()
        .filter(|r| r["duplicate"] == true)
        .count();
    assert_eq!(duplicates, 2, "one acceptance, two duplicates: {a} {b} {c}");
    // The same interchange again as a new TG document is the same business document.
    let again = world.partner_sends("prt_acme", payload).await;
    world.deliver(again).await;
    world
        .function
        .process_pending()
        .await
        .expect("schedule run");
    let names: Vec<String> = world
        .shipping(PO)
        .await
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names.len(), 2, "one 214 and one note: {names:?}");
    assert!(
        world
            .function
            .platform()
            .inbox
            .pending(10)
            .await
            .expect("pending")
            .is_empty(),
        "nothing left pending"
    );
}

/// A report without an event date (no AT705 / no DTM+334), sent again as a new TG document
/// (received at another moment), is the same business document: filed once.
async fn a_report_without_an_event_date_sent_again_as_a_new_tg_document_is_filed_once(
    stack: Stack,
) {
    let world = world(stack).await;
    let x12 =
        String::from_utf8(x12_214("ACMESUPPLY", Some(PO), "SHP-77009", "SD", 871)).expect("text");
    assert!(x12.contains("AT7*SD*AO***20261124*0800*LT"));
    let x12 = x12
        .replace("AT7*SD*AO***20261124*0800*LT", "AT7*SD*AO")
        .into_bytes();
    let iftsta = String::from_utf8(nordfast_iftsta()).expect("text");
    assert!(iftsta.contains("DTM+334:202611240700:203'\n") && iftsta.contains("UNT+11+1'"));
    let iftsta = iftsta
        .replace("DTM+334:202611240700:203'\n", "")
        .replace("UNT+11+1'", "UNT+10+1'")
        .into_bytes();
    for (partner, payload, po) in [
        ("prt_acme", x12, PO),
        ("prt_nordfast", iftsta, "4500001235"),
    ] {
        let first = world.partner_sends(partner, payload.clone()).await;
        let first = world.outcome_of(first).await;
        let document = first["statuses"][0]["document_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("filed: {first}"));
        // Trading Grid receives it again later, as a new document.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let again = world.partner_sends(partner, payload).await;
        let again = world.outcome_of(again).await;
        assert_eq!(again["statuses"][0]["document_id"], document, "{again}");
        assert_eq!(
            again["statuses"][0]["identity"], first["statuses"][0]["identity"],
            "{first} {again}"
        );
        let names: Vec<String> = world
            .shipping(po)
            .await
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(names.len(), 2, "{po}: one report and one note: {names:?}");
    }
}

async fn a_214_naming_only_a_shipment_id_goes_to_the_order_an_earlier_document_taught(
    stack: Stack,
) {
    let world = world(stack).await;
    // A status with no PO and an unknown shipment: nothing to route by.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-55005", "AF", 831),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert!(outcome["statuses"][0]["unmatched"].is_string(), "{outcome}");
    // The first status names the PO, and teaches SHP-55005.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-55005", "X3", 832),
        )
        .await;
    world.outcome_of(request).await;
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-55005", "SD", 833),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(status["po_number"], PO, "{outcome}");
    assert_eq!(status["routed_by"], "shipment_reference");
    let values = world
        .values(status["document_id"].as_i64().expect("filed"), 9600)
        .await;
    assert_eq!(text(&values, "PO Number").as_deref(), Some(PO));
    // What ACME taught does not route another partner's status for the same shipment id.
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", None, "SHP-55005", "SD", 834),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert!(outcome["statuses"][0]["unmatched"].is_string(), "{outcome}");
}

async fn a_malformed_214_gets_a_rejecting_ack_and_nothing_is_filed(stack: Stack) {
    let world = world(stack).await;
    let broken = String::from_utf8(x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 851))
        .expect("utf8")
        .replace("SE*9*0001", "SE*99*0001");
    let request = world.partner_sends("prt_acme", broken.into_bytes()).await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(outcome["rejected"], true, "{outcome}");
    assert_eq!(outcome["ack"]["rejecting"], true, "{outcome}");
    assert!(world.shipping(PO).await.is_empty());
    assert_eq!(world.shipment_status(PO).await, None);
    assert!(
        world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997")
    );
}

async fn a_bad_signature_is_refused_and_nothing_is_kept(stack: Stack) {
    let world = world(stack).await;
    let mut request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 861),
        )
        .await;
    request
        .headers
        .insert("tg-signature".into(), "v1=00".into());
    let error = world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect_err("refused");
    assert_eq!(error.kind.http_status(), 401);
    assert!(
        world
            .function
            .platform()
            .inbox
            .pending(10)
            .await
            .expect("pending")
            .is_empty()
    );
}

gridlink_tests::on_both_stacks!(
    a_214_delay_is_filed_with_its_attributes_status_and_note_and_acknowledged,
    an_iftsta_is_filed_with_its_attributes_status_and_note_and_acknowledged,
    a_free_text_message_with_an_attachment_is_filed_in_the_order,
    three_concurrent_deliveries_of_one_214_file_it_once,
    a_report_without_an_event_date_sent_again_as_a_new_tg_document_is_filed_once,
    a_214_naming_only_a_shipment_id_goes_to_the_order_an_earlier_document_taught,
    a_malformed_214_gets_a_rejecting_ack_and_nothing_is_filed,
    a_bad_signature_is_refused_and_nothing_is_kept,
);
