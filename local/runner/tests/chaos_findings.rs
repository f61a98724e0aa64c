//! Minimal reproductions of what `gridlink-local chaos` found (docs/chaos.md, findings), kept
//! as regression tests now that they are fixed. Finding 2's tests on both storage stacks are
//! `shared/flow/tests/filing.rs`; the client's own, `shared/xecm/tests/category_answer_lost.rs`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use gridlink_xecm::{
    AttributeValue, BusinessObject, BytesSource, CategoryId, DocumentSpec, Workspaces as _,
    XecmAuth, XecmClient, XecmConfig,
};
use secrecy::SecretString;

/// Finding 2 (`--xecm-lost-answers`): xECM applies a category to a new document, the answer
/// is lost, the client retries the `POST …/categories`, Content Server answers 400 "Category
/// … is already applied to this item" — and filing fails for good (the inbox dead-letters
/// the partner document: 8 of 2 925 in an aborted 10 000-document run). A category applied
/// by our own lost request is a success, not an error.
#[tokio::test]
async fn filing_a_document_whose_category_answer_was_lost_succeeds() {
    let sim = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::File(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../xecm-sim/seeds/demo.json"),
            )),
            ..gridlink_xecm_sim::SimConfig::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the xECM simulator starts");
    let client = XecmClient::new(
        XecmConfig::new(
            &sim.base_url,
            XecmAuth::Password {
                user: "gridlink".to_owned(),
                password: SecretString::from("gridlink-service"),
            },
        )
        .expect("config"),
    )
    .expect("client");
    let workspace = client
        .find_workspace_by_business_object(
            &BusinessObject::new("SAP_ERP", "BUS2012", "4500001234").expect("bo"),
        )
        .await
        .expect("find")
        .expect("PO 4500001234");
    sim.set_faults(gridlink_xecm_sim::FaultConfig {
        lose_response_next: 1,
        only_path_containing: Some("/categories".to_owned()),
        only_method: Some("POST".to_owned()),
        ..gridlink_xecm_sim::FaultConfig::default()
    });
    let values: BTreeMap<String, AttributeValue> = [(
        "Document Type".to_owned(),
        AttributeValue::Text("214".to_owned()),
    )]
    .into_iter()
    .collect();
    let filed = client
        .file_document(
            workspace.id,
            "Shipping",
            &DocumentSpec {
                name: "214 lost answer.edi".to_owned(),
                description: "chaos finding 2".to_owned(),
                file_name: None,
                mime_type: Some("application/edi-x12".to_owned()),
                categories: vec![(CategoryId::new(9400).expect("category"), values)],
            },
            &BytesSource(bytes::Bytes::from_static(b"ISA*00~")),
        )
        .await;
    assert_eq!(
        sim.fault_counts().lost_responses,
        1,
        "the fault was injected"
    );
    filed.expect("filed: the category our lost request applied is applied");
}
