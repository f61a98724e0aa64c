//! The seed loader refuses a workspace that duplicates one already there (same name in its
//! folder, or same business object), naming it — it never skips one silently.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use common::*;
use gridlink_xecm_sim::{SeedSource, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_seed_with_a_workspace_name_already_taken_is_refused_naming_it() {
    let sim = start().await;
    let http = reqwest::Client::new();
    let seed = json!({"workspaces": [
        {"type_id": 21, "name": "Brand New Supplier", "business_object": {"bo_id": "0000100900"}},
        {"type_id": 21, "name": "Acme Industrial Supplies", "business_object": {"bo_id": "0000100901"}}
    ]});
    let response = http
        .post(format!("{}/__sim/seed", sim.root_url))
        .json(&seed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = response.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("workspaces[1]"), "{error}");
    assert!(error.contains("'Acme Industrial Supplies'"), "{error}");
    assert!(error.contains("already exists"), "{error}");
    let store = sim.snapshot();
    assert!(
        !store.nodes.values().any(|n| n.name == "Brand New Supplier"),
        "all or nothing: the good entry before the duplicate is not half loaded"
    );

    let same_object = json!({"workspaces": [
        {"type_id": 21, "name": "Acme Again", "business_object": {"bo_id": "0000100042"}}
    ]});
    let response = http
        .post(format!("{}/__sim/seed", sim.root_url))
        .json(&same_object)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error = response.json::<Value>().await.unwrap()["error"].to_string();
    assert!(error.contains("0000100042"), "{error}");
}

#[tokio::test]
async fn a_seed_file_that_names_one_workspace_twice_does_not_start() {
    let mut seed = demo_seed();
    let again = seed.workspaces[0].clone();
    seed.workspaces.push(again);
    let error = gridlink_xecm_sim::start(
        SimConfig {
            seed: Some(SeedSource::Inline(Box::new(seed))),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("Acme Industrial Supplies"), "{shown}");
    assert!(shown.contains("already exists"), "{shown}");
}
