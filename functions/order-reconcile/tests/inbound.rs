//! order-reconcile end to end against the xECM and Trading Grid simulators, on embedded
//! storage and on S3 + DynamoDB (moto): a partner sends EDI into the tenant's TG inbox, the
//! signed `document.received` webhook reaches the function, and the document is filed in the
//! purchase-order workspace (or parked, or rejected) and acknowledged through TG.

mod common;

use common::{World, acme_810, fixture, world};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::Stack;
use serde_json::Value;

async fn an_order_acknowledgment_is_filed_in_its_order_workspace_and_acknowledged(stack: Stack) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", common::acme_855("4500001234"))
        .await;
    let record = world.deliver(request).await;
    assert_eq!(
        record["outcome"]["documents"][0]["po_number"], "4500001234",
        "{record}"
    );
    let workspace = world.workspace("4500001234").await;
    let filed = world.documents_in(workspace.id, "Confirmations").await;
    assert_eq!(filed.len(), 1, "one document in Confirmations: {filed:?}");
    assert!(
        filed[0].name.starts_with("855 4500001234 ACMESUPPLY"),
        "{}",
        filed[0].name
    );
    let acks = world.partner_inbox("prt_acme").await;
    assert!(
        acks.iter().any(|d| d["doc_type"] == "997"),
        "a 997 went back to the partner: {acks:?}"
    );
    assert_eq!(record["outcome"]["ack"]["rejecting"], false);
}

/// Two different invoices whose file names come out the same (`/` and `:` both become `-`)
/// are both filed: the second under a distinct name, each found again by its own identity —
/// never one taken for the other (issue 20, defect 1).
async fn two_invoices_whose_names_collide_are_both_filed(stack: Stack) {
    let world = world(stack);
    let mut documents = Vec::new();
    for (number, control) in [("INV/COL-1", 4801), ("INV:COL-1", 4802)] {
        let request = world
            .partner_sends("prt_acme", acme_810(number, control))
            .await;
        let record = world.deliver(request).await;
        documents.push(
            record["outcome"]["documents"][0]["document_id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{number} filed: {record}")),
        );
    }
    assert_ne!(documents[0], documents[1], "two invoices, two documents");
    let workspace = world.workspace("4500001234").await;
    let filed = world.documents_in(workspace.id, "Invoices").await;
    assert_eq!(filed.len(), 2, "{filed:?}");
    assert_ne!(filed[0].name, filed[1].name, "{filed:?}");
    for node in &filed {
        assert!(
            node.description.contains("[gridlink gl-"),
            "each carries its identity: {node:?}"
        );
    }
}

/// ACME's 855 for PO 4500001234 as the seed orders it (lines 10 and 20, 5000 each), with
/// `line_20` confirmed on line 20 and `control` as interchange control number.
fn acme_855(line_20: u32, control: u32) -> Vec<u8> {
    format!(
        "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*0915*U*00401*{control:09}*0*P*>~\n\
GS*PR*ACMESUPPLY*BUYERCO*20261124*0915*{control}*X*004010~\n\
ST*855*0001~\n\
BAK*00*AC*4500001234*20261102****SO-90412*20261124~\n\
PO1*10*5000*EA*0.12**BP*M-STEEL-BOLT-12~\n\
ACK*IA*5000*EA*068*20261120~\n\
PO1*20*5000*EA*0.08**BP*M-STEEL-NUT-12~\n\
ACK*IA*{line_20}*EA*068*20261120~\n\
CTT*2~\n\
SE*8*0001~\n\
GE*1*{control}~\n\
IEA*1*{control:09}~\n"
    )
    .into_bytes()
}

async fn match_status(world: &World) -> Option<String> {
    let workspace = world.workspace("4500001234").await;
    let values = world
        .function
        .platform()
        .xecm
        .read_attributes(
            workspace.id,
            gridlink_xecm::CategoryId::new(9100).expect("id"),
        )
        .await
        .expect("order attributes");
    match values.get("Match Status") {
        Some(gridlink_xecm::AttributeValue::Text(text)) => Some(text.clone()),
        _ => None,
    }
}

async fn an_order_acknowledgment_is_reconciled_against_the_order_lines(stack: Stack) {
    let world = world(stack);
    let request = world.partner_sends("prt_acme", acme_855(5000, 4711)).await;
    let record = world.deliver(request).await;
    // Acknowledged as ordered; the ship notice and the invoice are still to come.
    assert_eq!(
        record["outcome"]["documents"][0]["match_status"], "waiting_for_documents",
        "{record}"
    );
    assert_eq!(
        match_status(&world).await.as_deref(),
        Some("waiting_for_documents")
    );
    // A revision confirming less on line 20 becomes a new version and a discrepancy.
    let request = world.partner_sends("prt_acme", acme_855(4000, 4712)).await;
    let record = world.deliver(request).await;
    let expected = "exceptions";
    assert_eq!(
        record["outcome"]["documents"][0]["match_status"], expected,
        "{record}"
    );
    assert_eq!(record["outcome"]["documents"][0]["new_version"], true);
    assert_eq!(match_status(&world).await.as_deref(), Some(expected));
}

async fn three_concurrent_deliveries_of_one_document_file_it_once(stack: Stack) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", common::acme_855("4500001234"))
        .await;
    let (a, b, c) = tokio::join!(
        world.accept(request.clone()),
        world.accept(request.clone()),
        world.accept(request.clone())
    );
    let duplicates = [&a, &b, &c]
        .iter()
        .filter(|r| r["duplicate"] == true)
        .count();
    assert_eq!(duplicates, 2, "one acceptance, two duplicates: {a} {b} {c}");
    // The same interchange sent again as a new TG document is the same business document.
    let again = world
        .partner_sends("prt_acme", common::acme_855("4500001234"))
        .await;
    world.accept(again).await;
    world
        .function
        .process_pending()
        .await
        .expect("schedule run");
    let workspace = world.workspace("4500001234").await;
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
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

async fn a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed(stack: Stack) {
    let world = world(stack);
    let ordrsp = String::from_utf8(fixture("edifact/ordrsp_order_ack.edi"))
        .expect("utf8")
        .replace(
            "ACMESUPPLY:ZZZ+BUYERCO:ZZZ",
            "5012345000017:14+4012345000009:14",
        )
        .replace("PO-2024-0042", "4500001234");
    let request = world
        .partner_sends("prt_initech", ordrsp.into_bytes())
        .await;
    let record = world.deliver(request).await;
    assert!(
        record["outcome"]["documents"][0]["unmatched"].is_string(),
        "{record}"
    );
    let workspace = world.workspace("4500001234").await;
    assert!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .is_empty(),
        "nothing filed in Acme's order"
    );
    let Reply::Http(list) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "GET".into(),
            path: "/order-reconcile/unmatched".into(),
            ..HttpRequest::default()
        }))
        .await
        .expect("list")
    else {
        panic!("http")
    };
    let list: Value = serde_json::from_slice(&list.body).expect("json");
    assert_eq!(
        list["items"][0]["details"]["reason"]["reason"], "partner_mismatch",
        "{list}"
    );
    let acks = world.partner_inbox("prt_initech").await;
    assert!(
        acks.iter().any(|d| d["doc_type"] == "CONTRL"),
        "the interchange itself is acknowledged: {acks:?}"
    );
}

async fn a_malformed_interchange_gets_a_rejecting_ack_and_nothing_is_filed(stack: Stack) {
    let world = world(stack);
    let broken = String::from_utf8(common::acme_855("4500001234"))
        .expect("utf8")
        .replace("SE*12*0001", "SE*99*0001");
    let request = world.partner_sends("prt_acme", broken.into_bytes()).await;
    let record = world.deliver(request).await;
    assert_eq!(record["outcome"]["rejected"], true, "{record}");
    assert_eq!(record["outcome"]["ack"]["rejecting"], true, "{record}");
    let workspace = world.workspace("4500001234").await;
    assert!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .is_empty()
    );
    assert!(
        world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997")
    );
}

async fn a_shipment_status_is_left_to_shipment_delay_neither_filed_nor_acknowledged_here(
    stack: Stack,
) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", fixture("x12/214_shipment_status.x12"))
        .await;
    let record = world.deliver(request).await;
    assert!(
        record["outcome"]["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("shipment-delay")),
        "{record}"
    );
    assert!(
        !world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "shipment-delay sends the 997, not order-reconcile"
    );
}

async fn a_bad_signature_is_refused_and_nothing_is_kept(stack: Stack) {
    let world = world(stack);
    let mut request = world
        .partner_sends("prt_acme", common::acme_855("4500001234"))
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
    an_order_acknowledgment_is_filed_in_its_order_workspace_and_acknowledged,
    two_invoices_whose_names_collide_are_both_filed,
    an_order_acknowledgment_is_reconciled_against_the_order_lines,
    three_concurrent_deliveries_of_one_document_file_it_once,
    a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed,
    a_malformed_interchange_gets_a_rejecting_ack_and_nothing_is_filed,
    a_bad_signature_is_refused_and_nothing_is_kept,
    a_shipment_status_is_left_to_shipment_delay_neither_filed_nor_acknowledged_here,
);
