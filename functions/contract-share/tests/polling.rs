//! One contract that cannot be shared (Trading Grid refuses its partner) never holds the other
//! contracts back: the poll shares the rest, names the refused partner in that contract's
//! status (a refusal is not a failure to retry: no poll-failure record), and shares the
//! contract once its partner is fixed — clearing the status.
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

async fn a_contract_whose_partner_is_refused_names_it_and_the_others_are_still_shared(
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
    assert!(
        failed.is_empty(),
        "a refused partner is not a failure: {first}"
    );
    assert_eq!(
        ack_status(&world).await,
        Some(text("Not shared with prt_nobody: refused by Trading Grid")),
        "{first}"
    );
    assert_eq!(
        partner_shares(&world, "prt_initech").await.len(),
        1,
        "the other contract is shared: {first}"
    );
    assert!(partner_shares(&world, "prt_acme").await.is_empty());
    assert!(failure_records(&world).await.is_empty());

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
    assert!(failure_records(&world).await.is_empty());
    assert_eq!(
        ack_status(&world).await,
        Some(text("Pending")),
        "status cleared"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_contract_whose_partner_is_refused_names_it_and_the_others_are_still_shared,);
