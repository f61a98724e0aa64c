//! Partner isolation through identifier qualifiers (issue 20, defect 2), on embedded storage
//! and on S3 + DynamoDB (moto), against the simulators: Nordic Fasteners' supplier workspace
//! names its trading partner `NORDFAST` without a qualifier, as the demo seed does. Another
//! partner whose Trading Grid address is `01:NORDFAST` must never write into Nordic's order
//! 4500001235 — whether Nordic's id is unqualified (then TG holds the id under two qualifiers
//! and nobody may use it until an operator qualifies it) or qualified (`ZZ:NORDFAST`: only that
//! address). Without a colliding address, the unqualified id still resolves to Nordic.

#![allow(clippy::unwrap_used)]

mod common;

use common::{World, fixture, world};
use gridlink_tests::stack::{Stack, StackOptions, Storage};
use gridlink_xecm::{AttributeValue, BusinessObject, CategoryId, NamedAttributes, Workspaces};
use serde_json::{Value, json};

const NORDIC_PO: &str = "4500001235";

/// The demo TG seed; with `spoof`, a partner `prt_spoof` whose address is `01:NORDFAST`.
fn tg_seed(spoof: bool) -> gridlink_tgrid_sim::Seed {
    let path = format!(
        "{}/../../local/tgrid-sim/seeds/demo.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut seed: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    if spoof {
        seed["partners"].as_array_mut().unwrap().push(json!({
            "partner_id": "prt_spoof",
            "name": "Nordfast Trading (another company)",
            "status": "active",
            "van": "Interconnect",
            "edi_addresses": ["01:NORDFAST"],
            "contacts": [],
            "partnerships": [{
                "my_address": "ZZ:BUYERCO",
                "partner_address": "01:NORDFAST",
                "send": ["CONTRL"],
                "receive": ["ORDRSP", "DESADV", "INVOIC", "CONTRL"],
                "status": "active"
            }]
        }));
    }
    serde_json::from_value(seed).unwrap()
}

async fn stack(storage: Storage, spoof: bool) -> Stack {
    Stack::start_with(
        storage,
        StackOptions {
            tg_seed: Some(tg_seed(spoof)),
            ..StackOptions::default()
        },
    )
    .await
}

async fn with_spoof(storage: Storage) -> Stack {
    stack(storage, true).await
}

async fn without_spoof(storage: Storage) -> Stack {
    stack(storage, false).await
}

/// An ORDRSP for Nordic's order, its interchange sent from `unb_sender` (`NORDFAST:01`).
fn ordrsp_from(unb_sender: &str) -> Vec<u8> {
    String::from_utf8(fixture("edifact/ordrsp_order_ack.edi"))
        .unwrap()
        .replace(
            "ACMESUPPLY:ZZZ+BUYERCO:ZZZ",
            &format!("{unb_sender}+BUYERCO:ZZZ"),
        )
        .replace("PO-2024-0042", NORDIC_PO)
        .into_bytes()
}

/// The outcome of the first document of a delivery, as the inbox recorded it.
async fn outcome(world: &World, partner: &str, payload: Vec<u8>) -> Value {
    let request = world.partner_sends(partner, payload).await;
    let record = world.deliver(request).await;
    record["outcome"]["documents"][0].clone()
}

async fn confirmations(world: &World) -> usize {
    let workspace = world.workspace(NORDIC_PO).await;
    world
        .documents_in(workspace.id, "Confirmations")
        .await
        .len()
}

/// Sets Nordic's supplier `Trading Partner ID`.
async fn qualify_nordic(world: &World, partner_id: &str) {
    let bo = BusinessObject::new("SAP_ERP", "LFA1", "0000100077").unwrap();
    let supplier = world
        .xecm
        .find_workspace_by_business_object(&bo)
        .await
        .unwrap()
        .expect("Nordic's supplier workspace");
    let mut values = NamedAttributes::new();
    values.insert(
        "Trading Partner ID".to_owned(),
        AttributeValue::Text(partner_id.to_owned()),
    );
    world
        .xecm
        .write_attributes(supplier.id, CategoryId::new(9001).unwrap(), &values)
        .await
        .unwrap();
}

async fn an_unqualified_id_held_under_two_qualifiers_files_for_nobody(stack: Stack) {
    let world = world(stack);
    let spoofed = outcome(&world, "prt_spoof", ordrsp_from("NORDFAST:01")).await;
    assert!(spoofed["unmatched"].is_string(), "parked: {spoofed}");
    let item = world.item(spoofed["unmatched"].as_str().unwrap()).await;
    assert_eq!(
        item["details"]["reason"]["reason"], "ambiguous_partner_id",
        "{item}"
    );
    assert_eq!(
        item["details"]["reason"]["holders"],
        json!(["01:NORDFAST", "ZZ:NORDFAST"]),
        "{item}"
    );
    // Nordic itself is parked too: the id cannot say which of the two is meant.
    let genuine = outcome(&world, "prt_nordfast", ordrsp_from("NORDFAST:ZZZ")).await;
    assert!(genuine["unmatched"].is_string(), "parked: {genuine}");
    assert_eq!(
        confirmations(&world).await,
        0,
        "nothing filed into Nordic's order"
    );
}

async fn a_qualified_id_files_only_for_that_address(stack: Stack) {
    let world = world(stack);
    qualify_nordic(&world, "ZZ:NORDFAST").await;
    let spoofed = outcome(&world, "prt_spoof", ordrsp_from("NORDFAST:01")).await;
    let item = world.item(spoofed["unmatched"].as_str().unwrap()).await;
    assert_eq!(
        item["details"]["reason"]["reason"], "partner_mismatch",
        "{item}"
    );
    assert_eq!(confirmations(&world).await, 0);
    let genuine = outcome(&world, "prt_nordfast", ordrsp_from("NORDFAST:ZZZ")).await;
    assert!(genuine["unmatched"].is_null(), "filed: {genuine}");
    assert_eq!(
        confirmations(&world).await,
        1,
        "Nordic's own answer is filed"
    );
}

gridlink_tests::on_both_stacks!(with with_spoof;
    an_unqualified_id_held_under_two_qualifiers_files_for_nobody,
    a_qualified_id_files_only_for_that_address,
);

/// The demo seed as it is: `NORDFAST` is held only as `ZZ:NORDFAST`.
mod unambiguous {
    use super::{Stack, confirmations, ordrsp_from, outcome, without_spoof, world};

    async fn an_unqualified_id_nobody_else_holds_resolves_to_its_partner(stack: Stack) {
        let world = world(stack);
        let genuine = outcome(&world, "prt_nordfast", ordrsp_from("NORDFAST:ZZZ")).await;
        assert!(genuine["unmatched"].is_null(), "filed: {genuine}");
        assert_eq!(confirmations(&world).await, 1);
    }

    gridlink_tests::on_both_stacks!(with without_spoof;
        an_unqualified_id_nobody_else_holds_resolves_to_its_partner,
    );
}
