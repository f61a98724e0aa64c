//! One contract that cannot be shared (Trading Grid refuses its partner) never holds the other
//! contracts back: the poll shares the rest, records the failure on that contract, moves its
//! cursor on, and shares the contract once its partner is fixed — clearing the record.
//! Simulators on loopback; storage on files + SQLite and on S3 + DynamoDB (moto).

mod common;

use common::*;
use gridlink_store::{IndexName, Query};
use gridlink_tests::stack::Stack;
use gridlink_xecm::{AttributeValue, CategoryId, NamedAttributes, Workspaces};

async fn set_partner(world: &World, partner: &str) {
    let mut values = NamedAttributes::new();
    values.insert("Partner ID".into(), AttributeValue::Text(partner.into()));
    world
        .xecm
        .write_attributes(world.contract, CategoryId::new(9200).expect("id"), &values)
        .await
        .expect("partner written");
}

async fn failure_records(world: &World) -> Vec<serde_json::Value> {
    world
        .function
        .platform()
        .ledger
        .query(Query::partition(
            IndexName::One,
            "poll-failure#contract-share",
        ))
        .await
        .expect("query")
        .into_iter()
        .map(|r| r.data)
        .collect()
}

async fn a_contract_whose_partner_is_refused_is_recorded_and_the_others_are_still_shared(
    stack: Stack,
) {
    let world = world(stack).await;
    set_partner(&world, "prt_nobody").await;
    file_contract_documents(&world).await;
    let polymer = contract_numbered(&world.xecm, "4600000019").await;
    file_document(
        &world,
        polymer,
        "Signed",
        "Polymer supply signed.txt",
        "Approved",
        "Polymer supply contract, signed.\n",
    )
    .await;

    let first = poll(&world).await;
    let failed = first["polled"]["failed"].as_array().expect("failed list");
    assert_eq!(failed.len(), 1, "{first}");
    assert_eq!(failed[0]["workspace_id"], world.contract.get(), "{first}");
    assert_eq!(
        partner_shares(&world, "prt_initech").await.len(),
        1,
        "the other contract is shared: {first}"
    );
    assert!(partner_shares(&world, "prt_acme").await.is_empty());
    let records = failure_records(&world).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["workspace_id"], world.contract.get());

    set_partner(&world, "prt_acme").await;
    let second = poll(&world).await;
    assert!(
        second["polled"]["failed"]
            .as_array()
            .expect("failed list")
            .is_empty(),
        "{second}"
    );
    assert_eq!(
        partner_shares(&world, "prt_acme").await.len(),
        1,
        "shared once the partner is fixed: {second}"
    );
    assert_eq!(partner_shares(&world, "prt_initech").await.len(), 1);
    assert!(failure_records(&world).await.is_empty(), "record cleared");
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_contract_whose_partner_is_refused_is_recorded_and_the_others_are_still_shared,);
