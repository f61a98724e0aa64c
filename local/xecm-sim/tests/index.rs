//! The store's indexes (children by parent, workspaces by type, counts by subtype) say what a
//! full scan of the nodes says after every kind of change made through the real HTTP API:
//! seeding, creating folders, documents and workspaces (whose template folders are copied),
//! renaming, moving, relating, deleting a subtree, loading a seed into the running simulator,
//! and reading the repository back from its data directory after a restart. And the listings
//! built on them answer what a scan answers.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use std::path::Path;

use common::*;
use gridlink_xecm_sim::store::Store;
use gridlink_xecm_sim::{SeedSource, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn start_in(dir: &Path) -> Api {
    let sim = gridlink_xecm_sim::start(
        SimConfig {
            seed: Some(SeedSource::Inline(Box::new(demo_seed()))),
            data_dir: Some(dir.to_owned()),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    Api::login(sim).await
}

/// The ids a full scan finds under `parent`, ascending.
fn scanned_children(store: &Store, parent: i64) -> Vec<i64> {
    store
        .nodes
        .values()
        .filter(|node| node.parent_id == parent)
        .map(|node| node.id)
        .collect()
}

/// The index agrees with a full scan, and so does every listing of these folders (a deleted
/// one has no children left).
async fn assert_index_true(api: &Api, step: &str, folders: &[i64]) {
    api.sim
        .with_store(|store| store.nodes.check_index())
        .unwrap_or_else(|error| panic!("after {step}: {error}"));
    for &folder in folders {
        let (exists, expected) = api.sim.with_store(|store| {
            (
                store.nodes.contains_key(&folder),
                scanned_children(store, folder),
            )
        });
        if !exists {
            assert_eq!(expected, Vec::<i64>::new(), "after {step}: under {folder}");
            continue;
        }
        let listed = api
            .get(&format!("/v2/nodes/{folder}/nodes?sort=asc_id&limit=1000"))
            .await;
        let ids: Vec<i64> = listed["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["data"]["properties"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, expected, "after {step}: the children of {folder}");
        let size = api.get(&format!("/v2/nodes/{folder}")).await["results"]["data"]
            ["properties"]["container_size"]
            .clone();
        assert_eq!(size, json!(expected.len()), "after {step}: {folder}'s size");
    }
    let workspaces: Vec<i64> = api.sim.with_store(|store| {
        store
            .nodes
            .values()
            .filter(|node| node.workspace.is_some())
            .map(|node| node.id)
            .collect()
    });
    let listed = api
        .get("/v2/businessworkspaces?sort=asc_id&limit=1000")
        .await;
    let ids: Vec<i64> = listed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["data"]["properties"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, workspaces, "after {step}: the workspace list");
}

async fn created_id(api: &Api, path: &str, body: &Value) -> i64 {
    let (status, created) = api
        .call(Method::POST, path, &[("body", &body.to_string())])
        .await;
    assert_eq!(status, StatusCode::OK, "POST {path}: {created}");
    created["results"]["data"]["properties"]["id"]
        .as_i64()
        .or_else(|| created["results"]["id"].as_i64())
        .unwrap()
}

async fn upload(api: &Api, parent: i64, name: &str) -> i64 {
    let body = json!({"type": 144, "parent_id": parent, "name": name}).to_string();
    let form = reqwest::multipart::Form::new().text("body", body).part(
        "file",
        reqwest::multipart::Part::bytes(name.as_bytes().to_vec()).file_name(name.to_owned()),
    );
    let created: Value = api
        .http
        .post(format!("{}/api/v2/nodes", api.sim.base_url))
        .header("OTCSTicket", &api.ticket)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["results"]["data"]["properties"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no document: {created}"))
}

#[tokio::test]
async fn the_index_says_what_a_scan_says_after_every_kind_of_change_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let api = start_in(dir.path()).await;
    let supplier = api.workspace("Acme Industrial Supplies").await;
    assert_index_true(&api, "seeding", &[2000, supplier]).await;

    let folder = created_id(
        &api,
        "/v2/nodes",
        &json!({"type": 0, "parent_id": supplier, "name": "Index Check"}),
    )
    .await;
    let first = upload(&api, folder, "first.txt").await;
    upload(&api, folder, "second.txt").await;
    assert_index_true(
        &api,
        "creating a folder and two documents",
        &[supplier, folder],
    )
    .await;

    let order = created_id(
        &api,
        "/v2/businessworkspaces",
        &json!({"template_id": 9502, "name": "PO 4500008888", "bo_id": "4500008888"}),
    )
    .await;
    let copied = api.child(order, "Invoices").await;
    assert_index_true(
        &api,
        "creating a workspace (its template's folders copied)",
        &[order, copied],
    )
    .await;
    let of_type: Value = api
        .get("/v2/businessworkspaces?where_workspace_type_id=31&where_name=PO 4500008888")
        .await;
    assert_eq!(of_type["results"][0]["data"]["properties"]["id"], order);

    let (status, moved) = api
        .call(
            Method::PUT,
            &format!("/v2/nodes/{folder}"),
            &[("body", &json!({"parent_id": order}).to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_index_true(&api, "moving a folder", &[supplier, order, folder]).await;
    let (status, moved) = api
        .call(
            Method::PUT,
            &format!("/v2/nodes/{first}"),
            &[(
                "body",
                &json!({"parent_id": copied, "name": "renamed.txt"}).to_string(),
            )],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_index_true(&api, "moving and renaming a document", &[folder, copied]).await;

    let relations = |api: &Api| {
        api.sim.with_store(|store| {
            store.nodes[&supplier]
                .workspace
                .as_ref()
                .unwrap()
                .relations
                .len()
        })
    };
    let unrelated = relations(&api);
    let (status, related) = api
        .call(
            Method::POST,
            &format!("/v2/businessworkspaces/{supplier}/relateditems"),
            &[("rel_bw_id", &order.to_string()), ("rel_type", "child")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{related}");
    let (status, deleted) = api
        .call(Method::DELETE, &format!("/v2/nodes/{order}"), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_index_true(
        &api,
        "deleting a workspace with its folders and documents",
        &[2000, supplier, order, folder, copied],
    )
    .await;
    assert_eq!(
        relations(&api),
        unrelated,
        "the relation to the deleted workspace is gone"
    );

    let response = api
        .http
        .post(format!("{}/__sim/seed", api.sim.root_url))
        .json(&json!({"workspaces": [
            {"type_id": 21, "name": "Index Supplier", "business_object": {"bo_id": "0000100777"}}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let seeded = api.workspace("Index Supplier").await;
    assert_index_true(&api, "loading a seed while running", &[seeded]).await;
    let stats: Value = reqwest::get(format!("{}/__sim/stats", api.sim.root_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (nodes, documents) = api.sim.with_store(|store| {
        (
            store.nodes.len(),
            store
                .nodes
                .values()
                .filter(|node| node.subtype == 144)
                .count(),
        )
    });
    assert_eq!(
        (stats["nodes"].as_u64(), stats["documents"].as_u64()),
        (Some(nodes as u64), Some(documents as u64))
    );

    let before = api.sim.snapshot();
    api.sim.shutdown().await;
    let again = start_in(dir.path()).await;
    let after = again.sim.snapshot();
    assert_eq!(
        serde_json::to_value(&after).unwrap(),
        serde_json::to_value(&before).unwrap(),
        "the restarted simulator carries on where it stopped"
    );
    assert_index_true(
        &again,
        "a restart from the data directory",
        &[2000, supplier],
    )
    .await;
}
