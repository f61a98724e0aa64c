//! Carriers (issue 22, part 1), end to end on both storage stacks: a carrier the supplier's
//! ship notice names, or one an operator assigned, files its 214 for that shipment of that
//! order without an operator; every other carrier report is parked and nothing is filed; a
//! carrier's ship notice or invoice goes through order-reconcile's partner check and is
//! parked too.

mod common;

use common::{PO, World, world, x12_214};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::Stack;
use order_reconcile::{OrderReconcile, OrderReconcileConfig};
use serde_json::Value;

/// Nordic Fasteners' order: another supplier's PO.
const NORDFAST_PO: &str = "4500001235";
/// The shipment ACME's demo 856 announces for PO 4500001234, carried by SCAC ACMF.
const SHIPMENT: &str = "SHP-2026-1118";

const ACME_856: &str = include_str!("../../../fixtures/demo/856_4500001234.x12");
const ACME_810: &str = include_str!("../../../fixtures/demo/810_4500001234.x12");

/// `fixture` as Apex Freight Lines (`ZZ:APEXFREIGHT`, SCAC ACMF) would send it.
fn as_apex(fixture: &str) -> Vec<u8> {
    fixture
        .replace("ZZ*ACMESUPPLY     ", "ZZ*APEXFREIGHT    ")
        .replace("*ACMESUPPLY*", "*APEXFREIGHT*")
        .into_bytes()
}

/// ACME's ship notice reaches shipment-delay: ACMF is authorised on SHP-2026-1118 of the PO.
async fn acme_ships(world: &World) {
    let request = world
        .partner_sends("prt_acme", ACME_856.as_bytes().to_vec())
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(outcome["ship_notice"][0]["carrier"], "02:ACMF", "{outcome}");
    assert_eq!(outcome["ship_notice"][0]["granted"], true, "{outcome}");
    assert_eq!(outcome["ship_notice"][0]["po_number"], PO, "{outcome}");
}

async fn apex_reports(world: &World, po: Option<&str>, shipment: &str, control: u32) -> Value {
    let request = world
        .partner_sends(
            "prt_sd_apex",
            x12_214("APEXFREIGHT", po, shipment, "SD", control),
        )
        .await;
    world.outcome_of(request).await
}

fn parked_reason(outcome: &Value) -> String {
    assert!(
        outcome["statuses"][0]["unmatched"].is_string(),
        "parked: {outcome}"
    );
    outcome["statuses"][0]["reason"]
        .as_str()
        .expect("reason")
        .to_owned()
}

async fn the_carrier_a_ship_notice_names_files_its_214_without_an_operator(stack: Stack) {
    let world = world(stack).await;
    acme_ships(&world).await;
    // No PO in the 214: the carrier does not know it; the shipment it carries names the order.
    let request = world
        .partner_sends(
            "prt_sd_apex",
            x12_214("APEXFREIGHT", None, SHIPMENT, "SD", 901),
        )
        .await;
    let outcome = world.outcome_of(request.clone()).await;
    let status = &outcome["statuses"][0];
    assert_eq!(status["routed_by"], "carrier", "{outcome}");
    assert_eq!(status["po_number"], PO, "{outcome}");
    assert_eq!(status["carrier_grant"]["carrier"], "02:ACMF", "{outcome}");
    assert_eq!(
        status["carrier_grant"]["source"], "ship_notice",
        "{outcome}"
    );
    assert_eq!(
        status["carrier_grant"]["granted_by"], "ZZ:ACMESUPPLY",
        "{outcome}"
    );
    let document = status["document_id"].as_i64().expect("filed");
    let shipping = world.shipping(PO).await;
    assert!(
        shipping.iter().any(|n| n.id.get() == document),
        "filed in the order's Shipping folder"
    );
    assert!(world.shipment_status(PO).await.is_some());
    assert!(
        world
            .partner_inbox("prt_sd_apex")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "the carrier gets its 997"
    );
    // The same status redelivered, and sent again as a new TG document: one filed document.
    world.deliver(request).await;
    let again = apex_reports(&world, Some(PO), SHIPMENT, 901).await;
    assert_eq!(again["statuses"][0]["document_id"], document, "{again}");
    let count = |nodes: &[gridlink_xecm::Node]| {
        nodes
            .iter()
            .filter(|n| n.name.starts_with("214 ") && n.name.contains(SHIPMENT))
            .count()
    };
    assert_eq!(count(&world.shipping(PO).await), 1);
}

async fn a_carrier_naming_a_shipment_it_does_not_carry_is_parked(stack: Stack) {
    let world = world(stack).await;
    acme_ships(&world).await;
    let outcome = apex_reports(&world, Some(PO), "SHP-NOT-OURS", 911).await;
    assert!(
        parked_reason(&outcome).contains("is not the trading partner"),
        "{outcome}"
    );
    let outcome = apex_reports(&world, None, "SHP-NOT-OURS", 912).await;
    assert!(
        parked_reason(&outcome).contains("names no purchase order"),
        "{outcome}"
    );
    assert!(
        world.shipping(PO).await.is_empty(),
        "nothing filed in ACME's order"
    );
    // Globex (SCAC GLBX) quoting ACMF's shipment is a stranger to it.
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", Some(PO), SHIPMENT, "SD", 913),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    parked_reason(&outcome);
    assert!(world.shipping(PO).await.is_empty());
}

async fn a_carrier_naming_another_suppliers_po_is_parked(stack: Stack) {
    let world = world(stack).await;
    acme_ships(&world).await;
    let outcome = apex_reports(&world, Some(NORDFAST_PO), SHIPMENT, 921).await;
    assert!(parked_reason(&outcome).contains(NORDFAST_PO), "{outcome}");
    assert!(world.shipping(NORDFAST_PO).await.is_empty());
    assert!(world.shipping(PO).await.is_empty());
}

fn reconcile(stack: &Stack) -> gridlink_flow::Function<OrderReconcile> {
    OrderReconcile::function(
        stack.platform(order_reconcile::NAME),
        OrderReconcileConfig::from_source(stack.config()).expect("the demo configuration"),
    )
}

/// `request` (signed for shipment-delay) delivered to order-reconcile; its outcome.
async fn reconcile_outcome(
    reconcile: &gridlink_flow::Function<OrderReconcile>,
    request: &HttpRequest,
) -> Value {
    let signed = gridlink_tests::stack::tg_webhook_now(order_reconcile::NAME, &request.body);
    let Reply::Http(response) = reconcile
        .handle(Invocation::Http(signed))
        .await
        .expect("answered")
    else {
        panic!("http")
    };
    assert_eq!(response.status, 202);
    let answer: Value = serde_json::from_slice(&response.body).expect("json");
    let event_id = answer["accepted"].as_str().expect("event id");
    let item = reconcile
        .platform()
        .inbox
        .get("tg", event_id)
        .await
        .expect("inbox")
        .expect("item");
    item.record.data["outcome"].clone()
}

fn assert_parked_by_reconcile(outcome: &Value) {
    let documents = outcome["documents"].as_array().expect("documents");
    assert!(!documents.is_empty(), "{outcome}");
    for document in documents {
        assert!(
            document["unmatched"].is_string()
                && document["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("is not the trading partner"))
                && document.get("document_id").is_none(),
            "parked by order-reconcile as a partner mismatch, nothing filed: {outcome}"
        );
    }
}

async fn a_carriers_ship_notice_or_invoice_is_parked_and_authorises_nobody(stack: Stack) {
    let reconcile = reconcile(&stack);
    let world = world(stack).await;
    // Apex sends an 856 for ACME's order naming itself as the carrier.
    let notice = world.partner_sends("prt_sd_apex", as_apex(ACME_856)).await;
    let outcome = world.outcome_of(notice.clone()).await;
    assert_eq!(outcome["ship_notice"][0]["granted"], false, "{outcome}");
    let filed = reconcile_outcome(&reconcile, &notice).await;
    assert_parked_by_reconcile(&filed);
    // …so its 214 for that shipment is parked.
    let outcome = apex_reports(&world, None, SHIPMENT, 931).await;
    parked_reason(&outcome);
    // An authorised carrier cannot send reconciliation documents either.
    acme_ships(&world).await;
    let invoice = world.partner_sends("prt_sd_apex", as_apex(ACME_810)).await;
    let skipped = world.outcome_of(invoice.clone()).await;
    assert!(skipped["skipped"].is_string(), "{skipped}");
    let filed = reconcile_outcome(&reconcile, &invoice).await;
    assert_parked_by_reconcile(&filed);
    assert!(
        world
            .shipping(PO)
            .await
            .iter()
            .all(|n| !n.name.starts_with("810") && !n.name.starts_with("856")),
    );
    let children = world
        .function
        .platform()
        .xecm
        .list_children(world.workspace(PO).await.id)
        .await
        .expect("children");
    for folder in children {
        let names: Vec<String> = world
            .function
            .platform()
            .xecm
            .list_children(folder.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert!(
            names.iter().all(|n| !n.contains("APEXFREIGHT")),
            "nothing of Apex's filed in {}: {names:?}",
            folder.name
        );
    }
}

async fn an_operator_assignment_authorises_the_carrier_on_that_shipment(stack: Stack) {
    let world = world(stack).await;
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", Some(PO), "SHP-66006", "SD", 941),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let item_id = outcome["statuses"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {outcome}"))
        .to_owned();
    let path = format!("/shipment-delay/unmatched/{item_id}/assign");
    let (status, answer) = world
        .call("POST", &path, &format!(r#"{{"po_number":"{PO}"}}"#))
        .await;
    assert_eq!(status, 200, "{answer}");
    // Globex's next status for SHP-66006 is filed without an operator…
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", Some(PO), "SHP-66006", "X1", 942),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(status["routed_by"], "carrier", "{outcome}");
    assert_eq!(status["carrier_grant"]["source"], "operator", "{outcome}");
    assert_eq!(status["carrier_grant"]["evidence"], item_id.as_str());
    // …but not for another shipment, nor another supplier's order.
    let outcome = world
        .outcome_of(
            world
                .partner_sends(
                    "prt_globex",
                    x12_214("GLOBEXLOG", Some(PO), "SHP-66007", "X1", 943),
                )
                .await,
        )
        .await;
    parked_reason(&outcome);
    let outcome = world
        .outcome_of(
            world
                .partner_sends(
                    "prt_globex",
                    x12_214("GLOBEXLOG", Some(NORDFAST_PO), "SHP-66006", "X1", 944),
                )
                .await,
        )
        .await;
    parked_reason(&outcome);
    assert!(world.shipping(NORDFAST_PO).await.is_empty());
}

gridlink_tests::on_both_stacks!(
    the_carrier_a_ship_notice_names_files_its_214_without_an_operator,
    a_carrier_naming_a_shipment_it_does_not_carry_is_parked,
    a_carrier_naming_another_suppliers_po_is_parked,
    a_carriers_ship_notice_or_invoice_is_parked_and_authorises_nobody,
    an_operator_assignment_authorises_the_carrier_on_that_shipment,
);
