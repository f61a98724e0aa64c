//! One shipment carrying two orders: the carrier sends one 214 per PO with the same shipment
//! id, status code and time. Each report is its order's document, filed into that order's
//! Shipping folder — never a new version of the other order's report, nor its note.

mod common;

use common::{PO, text, world, x12_214};
use gridlink_tests::stack::Stack;

/// ACME's second order in the demo seeds.
const OTHER_PO: &str = "4500001237";

/// `x12_214` for shipment SHP-1 naming `po`, with the same PRO as every other report on it.
fn report_for(po: &str, control: u32) -> Vec<u8> {
    let text =
        String::from_utf8(x12_214("ACMESUPPLY", Some(po), "SHP-1", "SD", control)).expect("text");
    let b10 = format!("B10*PRO-{control}*SHP-1*ACMF");
    assert!(text.contains(&b10));
    text.replace(&b10, "B10*PRO*SHP-1*ACMF").into_bytes()
}

/// The 214s in `po`'s Shipping folder, with the PO Number each carries.
async fn reports_in(world: &common::World, po: &str) -> Vec<(String, Option<String>)> {
    let mut reports = Vec::new();
    for node in world.shipping(po).await {
        if node.name.starts_with("214 SHP-1 ") {
            let values = world.values(node.id.get(), 9600).await;
            reports.push((node.name.clone(), text(&values, "PO Number")));
        }
    }
    reports
}

async fn two_orders_on_one_shipment_each_get_their_own_report(stack: Stack) {
    let world = world(stack).await;
    let first = world.partner_sends("prt_acme", report_for(PO, 9301)).await;
    let second = world
        .partner_sends("prt_acme", report_for(OTHER_PO, 9302))
        .await;
    let a = world.outcome_of(first.clone()).await;
    let b = world.outcome_of(second.clone()).await;
    assert_eq!(a["statuses"][0]["po_number"], PO, "{a}");
    assert_eq!(b["statuses"][0]["po_number"], OTHER_PO, "{b}");
    assert_eq!(b["statuses"][0]["new_version"], false, "{b}");
    assert_ne!(
        a["statuses"][0]["document_id"], b["statuses"][0]["document_id"],
        "{a} {b}"
    );
    assert_ne!(
        a["statuses"][0]["note_document_id"], b["statuses"][0]["note_document_id"],
        "{a} {b}"
    );

    for (po, request) in [(PO, &first), (OTHER_PO, &second)] {
        let reports = reports_in(&world, po).await;
        assert_eq!(reports.len(), 1, "{po}: {reports:?}");
        assert_eq!(reports[0].1.as_deref(), Some(po), "{po}: {reports:?}");
        let notes = world
            .shipping(po)
            .await
            .iter()
            .filter(|n| n.name.starts_with("Note"))
            .count();
        assert_eq!(notes, 1, "{po}: one note");
        // A redelivery, and the same interchange as a new TG document, file nothing new.
        let again = world.deliver(request.clone()).await;
        assert_eq!(again["duplicate"], true, "{again}");
    }
    let resent = world
        .partner_sends("prt_acme", report_for(OTHER_PO, 9302))
        .await;
    let resent = world.outcome_of(resent).await;
    assert_eq!(resent["statuses"][0]["new_version"], false, "{resent}");
    assert_eq!(
        resent["statuses"][0]["document_id"], b["statuses"][0]["document_id"],
        "{resent}"
    );
    for po in [PO, OTHER_PO] {
        assert_eq!(
            world.shipping(po).await.len(),
            2,
            "{po}: one 214 and one note"
        );
    }
}

gridlink_tests::on_both_stacks!(two_orders_on_one_shipment_each_get_their_own_report);
