//! Filters: the simulator implements those of the subset (`location_id1` on search,
//! `where_name` and friends on related workspaces) and refuses every other one with the
//! server's error shape, naming it — a filter ignored would change what the caller acts on.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn search_is_scoped_by_location_id_and_refuses_what_it_cannot_search() {
    let api = Api::new().await;
    let workspace = api.workspace("PO 4500001234").await;
    let hits = |body: &Value| -> Vec<i64> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|hit| hit["data"]["properties"]["id"].as_i64().unwrap())
            .collect()
    };
    let (status, everywhere) = api
        .call(
            Method::POST,
            "/v2/search",
            &[("where", "OTSubType: 144"), ("limit", "50")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{everywhere}");
    assert!(
        hits(&everywhere).len() >= 2,
        "the demo holds documents in two workspaces"
    );
    let scope = workspace.to_string();
    let (status, scoped) = api
        .call(
            Method::POST,
            "/v2/search",
            &[
                ("where", "OTSubType: 144"),
                ("location_id1", &scope),
                ("lookfor", "complexQuery"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{scoped}");
    assert_eq!(
        hits(&scoped),
        [api.order_document().await],
        "only the workspace's document"
    );
    assert_has_keys(
        &scoped["results"][0]["data"]["properties"],
        &NODE_KEYS,
        "a search hit",
    );
    assert!(scoped["collection"]["paging"]["result_header_string"].is_string());
    let hit = &scoped["results"][0];
    assert_has_keys(
        &hit["data"]["versions"],
        &VERSION_KEYS,
        "a hit's current version",
    );
    let location = hit["data"]["regions"]["OTLocation"].as_str().unwrap();
    assert!(
        location.starts_with("2000 ") && location.contains(&format!(" {workspace} ")),
        "OTLocation runs from the volume down: {location}"
    );
    assert_eq!(
        hit["search_result_metadata"]["object_id"],
        format!("DataId={}&Version=1", hit["data"]["properties"]["id"])
    );

    let in_body = json!({"where": "OTSubType: 144", "location_id1": workspace}).to_string();
    let (_, also_scoped) = api
        .call(Method::POST, "/v2/search", &[("body", &in_body)])
        .await;
    assert_eq!(
        hits(&also_scoped),
        hits(&scoped),
        "location_id1 inside body works alike"
    );

    let missing = api
        .refused(
            Method::POST,
            "/v2/search",
            &[("where", "OTSubType: 144"), ("location_id1", "999999")],
        )
        .await;
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .starts_with("Sorry, the item")
    );
    for (key, value) in [
        ("lookfor", "allwords"),
        ("within", "content"),
        ("slice_id", "4711"),
        ("template_id", "12"),
        ("location", "2000"),
    ] {
        let refused = api
            .refused(
                Method::POST,
                "/v2/search",
                &[("where", "OTSubType: 144"), (key, value)],
            )
            .await;
        assert_refused_naming(&refused, key);
    }
}

#[tokio::test]
async fn related_workspaces_are_filtered_by_name_type_and_relation() {
    let api = Api::new().await;
    let supplier = api.workspace("Acme Industrial Supplies").await;
    let contract = api.workspace("Framework Agreement Acme 2026").await;
    let orders = [
        api.workspace("PO 4500001234").await,
        api.workspace("PO 4500001235").await,
    ];
    for child in [orders[0], orders[1], contract] {
        let child = child.to_string();
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/v2/businessworkspaces/{supplier}/relateditems"),
                &[("rel_bw_id", &child), ("rel_type", "child")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let related = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                item["data"]["properties"]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let base = format!("/v2/businessworkspaces/{supplier}/relateditems");
    let all = api.get(&base).await;
    assert_eq!(related(&all).len(), 3);
    assert!(all["paging"].is_object(), "paging at the top level");
    assert_eq!(all["results"][0]["data"]["properties"]["rel_type"], "child");

    let named = api.get(&format!("{base}?where_name=PO%204500001235")).await;
    assert_eq!(related(&named), ["PO 4500001235"]);
    let containing = api
        .get(&format!("{base}?where_name=contains_agreement"))
        .await;
    assert_eq!(related(&containing), ["Framework Agreement Acme 2026"]);
    let orders_only = api
        .get(&format!("{base}?where_workspace_type_ids=%7B31%7D"))
        .await;
    assert_eq!(related(&orders_only), ["PO 4500001234", "PO 4500001235"]);
    let parents = api
        .get(&format!("{base}?where_rel_types=%7B'parent'%7D"))
        .await;
    assert_eq!(related(&parents), Vec::<String>::new());
    let from_child = api
        .get(&format!(
            "/v2/businessworkspaces/{}/relateditems?where_relationtype=parent",
            orders[0]
        ))
        .await;
    assert_eq!(related(&from_child), ["Acme Industrial Supplies"]);

    let refused = api
        .refused(
            Method::GET,
            &format!("{base}?where_column_query=name%20LIKE%20'PO%25'"),
            &[],
        )
        .await;
    assert_refused_naming(&refused, "where_column_query");
}

#[tokio::test]
async fn filters_the_simulator_does_not_implement_are_refused_naming_them() {
    let api = Api::new().await;
    let workspace = api.workspace("PO 4500001234").await;
    for (path, parameter) in [
        (
            "/v2/businessworkspaces?where_column_query=name%20LIKE%20'X'",
            "where_column_query",
        ),
        ("/v2/businessworkspaces?where_barcode=123", "where_barcode"),
        (
            &format!("/v2/nodes/{workspace}/nodes?where_facet=2101:331") as &str,
            "where_facet",
        ),
        (
            &format!("/v2/nodes/{workspace}/audit?where_target_user_id=1000") as &str,
            "where_target_user_id",
        ),
    ] {
        let body = api.refused(Method::GET, path, &[]).await;
        assert_refused_naming(&body, parameter);
    }
}
