//! Applying a category whose answer was lost (chaos finding 2, docs/chaos.md): Content
//! Server carried out the `POST /api/v2/nodes/{id}/categories`, the answer never arrived, the
//! retry is answered 400 "Category … is already applied to this item". The client reads the
//! node's values instead of failing: equal values are done (no second write), other values
//! are set with one `PUT`.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use bytes::Bytes;
use common::*;
use gridlink_xecm::{
    AttributeValue, BytesSource, DocumentSpec, NamedAttributes, NodeId, Workspaces, XecmClient,
};
use gridlink_xecm_sim::{FaultConfig, RunningSim};
use serde_json::{Map, Value, json};

/// A document without categories in PO 4500001234's `Shipping` folder.
async fn bare_document(client: &XecmClient, name: &str) -> NodeId {
    let workspace = client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .expect("PO 4500001234 is in the demo seed");
    client
        .file_document(
            workspace.id,
            "Shipping",
            &DocumentSpec {
                name: name.to_owned(),
                ..DocumentSpec::default()
            },
            &BytesSource(Bytes::from_static(b"ISA*00~")),
        )
        .await
        .unwrap()
        .document
        .id
}

fn lose_next_category_post(sim: &RunningSim) {
    sim.set_faults(FaultConfig {
        lose_response_next: 1,
        only_path_containing: Some("/categories".into()),
        only_method: Some("POST".into()),
        ..FaultConfig::default()
    });
}

fn partner_values(document_type: &str) -> Map<String, Value> {
    let mut values = Map::new();
    values.insert("9400_2".into(), json!(document_type));
    values.insert("9400_4".into(), json!("ZZ:ACMESUPPLY"));
    values
}

fn document_type(read: &NamedAttributes) -> Option<&AttributeValue> {
    read.get("Document Type")
}

#[tokio::test]
async fn a_category_applied_by_a_request_whose_answer_was_lost_is_applied_once() {
    let h = harness().await;
    let document = bare_document(&h.client, "214 lost answer.edi").await;
    lose_next_category_post(&h.sim);

    h.client
        .apply_category(
            document,
            category(PARTNER_DOCUMENT_CATEGORY),
            &partner_values("214"),
        )
        .await
        .expect("the category our lost request applied counts as applied");

    assert_eq!(
        h.sim.fault_counts().lost_responses,
        1,
        "the answer was lost"
    );
    assert_eq!(
        calls(&h.sim, "POST /api/v2/nodes/{id}/categories"),
        2,
        "the first apply (answer lost) and its retry (already applied)"
    );
    assert_eq!(
        calls(&h.sim, "PUT /api/v2/nodes/{id}/categories/{id}"),
        0,
        "equal values are not written again"
    );
    let read = h
        .client
        .read_attributes(document, category(PARTNER_DOCUMENT_CATEGORY))
        .await
        .unwrap();
    assert_eq!(
        document_type(&read),
        Some(&AttributeValue::Text("214".into()))
    );
    assert_eq!(
        read.get("Trading Partner ID"),
        Some(&AttributeValue::Text("ZZ:ACMESUPPLY".into()))
    );
}

#[tokio::test]
async fn a_category_already_applied_with_other_values_gets_the_values_asked_for() {
    let h = harness().await;
    let document = bare_document(&h.client, "810 other values.edi").await;
    h.client
        .apply_category(
            document,
            category(PARTNER_DOCUMENT_CATEGORY),
            &partner_values("855"),
        )
        .await
        .unwrap();

    h.client
        .apply_category(
            document,
            category(PARTNER_DOCUMENT_CATEGORY),
            &partner_values("810"),
        )
        .await
        .expect("applied: the values on the node are updated");

    assert_eq!(
        calls(&h.sim, "PUT /api/v2/nodes/{id}/categories/{id}"),
        1,
        "one update"
    );
    let read = h
        .client
        .read_attributes(document, category(PARTNER_DOCUMENT_CATEGORY))
        .await
        .unwrap();
    assert_eq!(
        document_type(&read),
        Some(&AttributeValue::Text("810".into()))
    );
}

#[tokio::test]
async fn filing_a_document_whose_category_answer_was_lost_files_it_once_with_its_values() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    lose_next_category_post(&h.sim);
    let values: NamedAttributes = [(
        "Document Type".to_owned(),
        AttributeValue::Text("214".into()),
    )]
    .into_iter()
    .collect();
    // A fresh client does not know category 9400's definition yet, so it applies the
    // category after the create: the path the chaos run found.
    let filed = h
        .client
        .file_document(
            workspace.id,
            "Shipping",
            &DocumentSpec {
                name: "214 filed with a lost category answer.edi".into(),
                categories: vec![(category(PARTNER_DOCUMENT_CATEGORY), values)],
                ..DocumentSpec::default()
            },
            &BytesSource(Bytes::from_static(b"ISA*00~")),
        )
        .await
        .expect("filed");
    assert_eq!(
        h.sim.fault_counts().lost_responses,
        1,
        "the answer was lost"
    );
    let read = h
        .client
        .read_attributes(filed.document.id, category(PARTNER_DOCUMENT_CATEGORY))
        .await
        .unwrap();
    assert_eq!(
        document_type(&read),
        Some(&AttributeValue::Text("214".into()))
    );
    let named: Vec<_> = h
        .client
        .list_children(filed.folder)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.name.starts_with("214 filed with a lost category answer"))
        .collect();
    assert_eq!(named.len(), 1, "one document");
}
