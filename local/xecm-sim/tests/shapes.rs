//! Response shapes, endpoint by endpoint, as a client written for the real Content Server
//! reads them: raw HTTP over loopback against the seeded simulator, each answer checked for
//! the keys, types and date styles the real server writes (pyxecm's docstring examples are
//! the evidence; see `docs/xecm-subset.md`).

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_node_record_carries_owner_icon_permissions_model_and_versionable() {
    let api = Api::new().await;
    let document = api.order_document().await;
    let body = api.get(&format!("/v2/nodes/{document}")).await;
    let properties = &body["results"]["data"]["properties"];
    assert_has_keys(properties, &NODE_KEYS, "a document");
    assert_eq!(properties["owner"], "otadmin");
    assert_eq!(properties["versionable"], true);
    assert_eq!(properties["permissions_model"], "advanced");
    assert_eq!(
        properties["volume_id"], -2000,
        "it lies in the Enterprise volume"
    );
    assert!(
        properties["icon"]
            .as_str()
            .unwrap()
            .starts_with("/cssupport/")
    );
    assert_utc(&properties["create_date"], "create_date");
    assert_utc(&properties["modify_date"], "modify_date");

    let template = api.get("/v2/nodes/9502").await;
    let template = &template["results"]["data"]["properties"];
    assert_eq!(
        template["volume_id"], -2004,
        "templates live in the templates volume"
    );
    assert_eq!(template["versionable"], false);

    let workspace = api.workspace("PO 4500001234").await;
    let children = api.get(&format!("/v2/nodes/{workspace}/nodes")).await;
    let folder = &children["results"][0]["data"]["properties"];
    assert_has_keys(folder, &NODE_KEYS, "a browsed folder");
    assert_eq!(folder["advanced_versioning"], Value::Null);
}

#[tokio::test]
async fn nodes_list_answers_the_nodes_asked_for_and_a_json_error_for_the_wrong_method() {
    let api = Api::new().await;
    let document = api.order_document().await;
    let ids = json!({"ids": [document, 2000, 999_999]}).to_string();
    let (status, body) = api
        .call(Method::POST, "/v2/nodes/list", &[("body", &ids)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<i64> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["data"]["properties"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        listed,
        [document, 2000],
        "in the order asked, the missing one left out"
    );
    assert_has_keys(
        &body["results"][0]["data"]["properties"],
        &NODE_KEYS,
        "a listed node",
    );

    let none = api
        .refused(Method::POST, "/v2/nodes/list", &[("body", r#"{"ids":[]}"#)])
        .await;
    assert_refused_naming(&none, "ids");
    let not_ids = api
        .refused(Method::POST, "/v2/nodes/list", &[("ids", "two")])
        .await;
    assert_eq!(
        not_ids["error"],
        "Invalid datatype specified for argument 'ids'"
    );

    for (method, path) in [
        (Method::GET, "/v2/nodes/list"),
        (Method::PUT, "/v2/search"),
        (Method::DELETE, "/v2/businessworkspacetypes"),
    ] {
        let wrong = api.refused(method, path, &[]).await;
        assert_eq!(wrong["error"], NO_SUCH_ROUTE, "{path}: {wrong}");
    }
}

#[tokio::test]
async fn version_records_carry_name_modify_date_and_provider_id() {
    let api = Api::new().await;
    let document = api.order_document().await;
    let list = api.get(&format!("/v2/nodes/{document}/versions")).await;
    let version = &list["results"][0]["data"]["versions"];
    assert_has_keys(version, &VERSION_KEYS, "a listed version");
    assert_eq!(version["name"], "PO 4500001234.txt");
    assert_eq!(version["id"], document);
    assert_eq!(version["version_number_name"], "1");
    for key in [
        "create_date",
        "modify_date",
        "file_create_date",
        "file_modify_date",
    ] {
        assert_utc(&version[key], key);
    }

    let one = api.get(&format!("/v2/nodes/{document}/versions/1")).await;
    assert_eq!(
        one["results"]["data"]["versions"], *version,
        "`results` is an object"
    );
    let past = api
        .refused(
            Method::GET,
            &format!("/v2/nodes/{document}/versions/7"),
            &[],
        )
        .await;
    assert!(
        past["error"].as_str().unwrap().contains("no such version"),
        "{past}"
    );
    let not_a_number = api
        .refused(
            Method::GET,
            &format!("/v2/nodes/{document}/versions/latest"),
            &[],
        )
        .await;
    assert_eq!(
        not_a_number["error"],
        "Invalid datatype specified for argument 'version_number'"
    );

    let latest = api
        .get(&format!("/v1/nodes/{document}/versions/latest"))
        .await;
    assert_eq!(
        latest,
        json!({"data": version.clone()}),
        "v1: the version under `data`"
    );
    let v1_one = api.get(&format!("/v1/nodes/{document}/versions/1")).await;
    assert_eq!(v1_one["data"]["version_number"], 1);
    let v1_list = api.get(&format!("/v1/nodes/{document}/versions")).await;
    assert_eq!(v1_list["data"].as_array().unwrap().len(), 1);

    let folder = api.workspace("PO 4500001234").await;
    let not_a_document = api
        .refused(
            Method::GET,
            &format!("/v1/nodes/{folder}/versions/latest"),
            &[],
        )
        .await;
    assert!(
        not_a_document["error"]
            .as_str()
            .unwrap()
            .contains("not a document")
    );
}

#[tokio::test]
async fn category_metadata_lists_category_ids_in_its_order_and_sends_the_map() {
    let api = Api::new().await;
    let workspace = api.workspace("PO 4500001234").await;
    let body = api
        .get(&format!("/v2/nodes/{workspace}/categories?metadata"))
        .await;
    let results = body["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for item in results {
        let order = item["metadata_order"]["categories"].as_array().unwrap();
        let ids: Vec<i64> = order
            .iter()
            .map(|entry| entry.as_str().unwrap().parse::<i64>().unwrap())
            .collect();
        assert_eq!(ids.len(), 1, "one category per result: {order:?}");
        let category = ids[0].to_string();
        let mapped = item["metadata_map"]["categories"][&category]
            .as_array()
            .unwrap_or_else(|| panic!("metadata_map names {category}: {item}"));
        let prefix = format!("{category}_");
        for key in mapped {
            let key = key.as_str().unwrap();
            assert!(key.starts_with(&prefix) && !key.contains("_x_"), "{key}");
            assert!(
                item["metadata"]["categories"].get(key).is_some(),
                "{key} is defined"
            );
        }
        assert!(item["metadata"]["categories"][&category]["persona"] == "category");
    }
    let po = results
        .iter()
        .find(|item| item["metadata_order"]["categories"][0] == "9100")
        .unwrap();
    let mapped = &po["metadata_map"]["categories"]["9100"];
    assert!(
        mapped.as_array().unwrap().contains(&json!("9100_8")),
        "the Lines set is mapped"
    );
    assert!(
        po["metadata"]["categories"].get("9100_8_x_10").is_some(),
        "its columns defined"
    );

    let one = api
        .get(&format!(
            "/v2/nodes/{workspace}/categories/{PO_CATEGORY}?metadata"
        ))
        .await;
    assert_eq!(
        one["results"]["metadata_order"],
        json!({"categories": ["9100"]})
    );
    assert_eq!(
        one["results"]["metadata_map"]["categories"]["9100"],
        *mapped
    );
}

#[tokio::test]
async fn category_inheritance_passes_a_category_and_its_values_to_new_items() {
    let api = Api::new().await;
    let workspace = api.workspace("PO 4500001234").await;
    let folder = api.child(workspace, "Invoices").await;
    let apply = json!({"category_id": PO_CATEGORY, "9100_2": "4500001234"}).to_string();
    let (status, body) = api
        .call(
            Method::POST,
            &format!("/v2/nodes/{folder}/categories"),
            &[("body", &apply)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let inheritance = format!("/v2/nodes/{folder}/categories/{PO_CATEGORY}/inheritance");
    let (status, on) = api.call(Method::POST, &inheritance, &[]).await;
    assert_eq!(status, StatusCode::OK, "{on}");
    assert_eq!(on["results"], json!({}));

    let create = |name: &str| json!({"type": 0, "parent_id": folder, "name": name}).to_string();
    let (_, inheriting) = api
        .call(Method::POST, "/v2/nodes", &[("body", &create("2026-11"))])
        .await;
    let inheriting = inheriting["results"]["data"]["properties"]["id"]
        .as_i64()
        .unwrap();
    let values = api
        .get(&format!("/v2/nodes/{inheriting}/categories/{PO_CATEGORY}"))
        .await;
    assert_eq!(
        values["results"]["data"]["categories"]["9100_2"],
        "4500001234"
    );

    let (status, _) = api.call(Method::DELETE, &inheritance, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, plain) = api
        .call(Method::POST, "/v2/nodes", &[("body", &create("2026-12"))])
        .await;
    let plain = plain["results"]["data"]["properties"]["id"]
        .as_i64()
        .unwrap();
    let none = api.get(&format!("/v2/nodes/{plain}/categories")).await;
    assert_eq!(
        none["results"],
        json!([]),
        "inheritance off: nothing passed on"
    );

    let not_applied = api
        .refused(
            Method::POST,
            &format!("/v2/nodes/{folder}/categories/9200/inheritance"),
            &[],
        )
        .await;
    assert!(
        not_applied["error"]
            .as_str()
            .unwrap()
            .contains("is not applied")
    );
}

#[tokio::test]
async fn audit_entries_carry_the_node_id_and_dates_with_a_trailing_z() {
    let api = Api::new().await;
    let document = api.order_document().await;
    let update = json!({"9100_5": "Confirmed"}).to_string();
    let workspace = api.workspace("PO 4500001234").await;
    let (status, _) = api
        .call(
            Method::PUT,
            &format!("/v2/nodes/{workspace}/categories/{PO_CATEGORY}"),
            &[("body", &update)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for node in [document, workspace] {
        let body = api.get(&format!("/v2/nodes/{node}/audit")).await;
        let entries = body["results"]["data"]["audit"].as_array().unwrap();
        assert!(!entries.is_empty());
        for entry in entries {
            assert_eq!(
                keys(entry),
                [
                    "agent_id",
                    "attribute_changes",
                    "audit_date",
                    "audit_language_code",
                    "audit_name",
                    "event_type",
                    "id",
                    "target_user_id",
                    "user_id"
                ]
            );
            assert_eq!(entry["id"], node, "the entry's id is the node's");
            assert_utc(&entry["audit_date"], "audit_date");
        }
        assert!(body["collection"]["paging"].is_object());
        assert!(body["results"]["data"]["audit_event_types"].is_array());
    }
    let changed = api
        .get(&format!("/v2/nodes/{workspace}/audit?where_type=10"))
        .await;
    assert_eq!(
        changed["results"]["data"]["audit"][0]["audit_name"],
        "Attribute Value Changed"
    );
    let day = api
        .get(&format!(
            "/v2/nodes/{document}/audit?where_audit_date_end=2100-01-01"
        ))
        .await;
    assert_eq!(day["results"]["data"]["audit"].as_array().unwrap().len(), 2);
    let before = api
        .get(&format!(
            "/v2/nodes/{document}/audit?where_audit_date_end=2000-01-01"
        ))
        .await;
    assert_eq!(before["results"]["data"]["audit"], json!([]));
}

#[tokio::test]
async fn server_info_answers_the_release_url_and_session_settings_without_a_ticket() {
    let sim = start().await;
    let body: Value = reqwest::get(format!("{}/api/v1/serverinfo", sim.linux_base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_has_keys(
        &body,
        &["mobile", "server", "sessions", "viewer"],
        "serverinfo",
    );
    assert_eq!(body["server"]["version"], "24.4");
    assert_eq!(body["server"]["url"], sim.linux_base_url);
    assert_eq!(body["sessions"]["session_timeout"], 1_800_000);
    assert_eq!(body["sessions"]["expire_after_last_request"], true);
}

#[tokio::test]
async fn workspace_types_answer_in_the_v1_and_v2_shapes() {
    let api = Api::new().await;
    let v1 = api.get("/v1/businessworkspacetypes/31").await;
    assert_eq!(
        keys(&v1),
        ["icon_url", "is_policies_enabled", "workspace_type"]
    );
    assert_eq!(v1["workspace_type"], "Purchase Order");
    let unknown = api
        .refused(Method::GET, "/v1/businessworkspacetypes/99", &[])
        .await;
    assert!(
        unknown["error"].as_str().unwrap().contains("99"),
        "{unknown}"
    );

    let v2 = api
        .get("/v2/businessworkspacetypes?expand_templates=true")
        .await;
    let first = &v2["results"][0]["data"];
    assert_has_keys(
        &first["properties"],
        &["wksp_type_id", "wksp_type_name", "templates"],
        "a type",
    );
    assert!(first["wksp_info"]["wksp_type_icon"].is_string());
}

#[tokio::test]
async fn workspace_records_keep_their_envelopes_and_local_dates() {
    let api = Api::new().await;
    let list = api
        .get("/v2/businessworkspaces?where_workspace_type_id=31&limit=2")
        .await;
    assert_has_keys(
        &list,
        &["links", "paging", "results", "wksp_info"],
        "a workspace list",
    );
    assert!(list["paging"]["actions"]["next"]["href"].is_string());
    let properties = &list["results"][0]["data"]["properties"];
    assert_has_keys(properties, &NODE_KEYS, "a listed workspace");
    assert_eq!(properties["type"], 848);
    let date = properties["create_date"].as_str().unwrap();
    assert!(
        date.len() == 19 && !date.ends_with('Z'),
        "workspace lists write local dates: {date}"
    );

    let id = properties["id"].as_i64().unwrap();
    let one = api.get(&format!("/v2/businessworkspaces/{id}")).await;
    assert_has_keys(
        &one["results"]["data"],
        &["properties", "business_properties", "workspace_references"],
        "a workspace",
    );
    let by_object = api
        .get("/v2/externalsystems/SAP_ERP/botypes/BUS2012/boids/4500001234")
        .await;
    assert_eq!(by_object["results"][0]["data"]["properties"]["id"], id);
}

#[tokio::test]
async fn auth_calls_answer_a_ticket_the_user_and_an_empty_object() {
    let api = Api::new().await;
    assert!(
        !api.ticket.is_empty(),
        "the login answers {{\"ticket\": …}}"
    );
    let ping: Value = reqwest::get(format!("{}/api/v1/ping", api.sim.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ping["rest_api"].is_array(), "{ping}");
    let user = api.get("/v1/auth").await;
    assert_has_keys(
        &user["data"],
        &["id", "name", "display_name", "type"],
        "the user",
    );
    assert_eq!(user["data"]["name"], "otadmin");
    let (status, logout) = api.call(Method::DELETE, "/v1/auth", &[]).await;
    assert_eq!((status, logout), (StatusCode::OK, json!({})));
    let (status, after) = api.call(Method::GET, "/v1/auth", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(after, json!({"error": "Authentication Required"}));
}

#[tokio::test]
async fn workspace_writes_answer_in_the_real_envelopes() {
    let api = Api::new().await;
    let create = json!({"template_id": 9502, "name": "PO 4500009999", "bo_id": "4500009999",
                        "roles": {"categories": {"9100": {"9100_2": "4500009999"}}}})
    .to_string();
    let (status, created) = api
        .call(Method::POST, "/v2/businessworkspaces", &[("body", &create)])
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        keys(&created["results"]),
        ["direct_open", "id", "sub_folder_id"]
    );
    let workspace = created["results"]["id"].as_i64().unwrap();

    let supplier = api.workspace("Acme Industrial Supplies").await.to_string();
    let (status, related) = api
        .call(
            Method::POST,
            &format!("/v2/businessworkspaces/{workspace}/relateditems"),
            &[("rel_bw_id", &supplier), ("rel_type", "parent")],
        )
        .await;
    assert_eq!((status, &related["results"]), (StatusCode::OK, &json!({})));

    let folder = api.child(workspace, "Invoices").await;
    let enclosing = api
        .get(&format!("/v1/nodes/{folder}/businessworkspace"))
        .await;
    assert_has_keys(
        &enclosing,
        &["id", "type", "workspace_type_id", "isLinked"],
        "enclosing",
    );
    assert_eq!(
        (enclosing["id"].as_i64(), &enclosing["type"]),
        (Some(workspace), &json!(848))
    );
}

#[tokio::test]
async fn node_writes_answer_the_node_version_and_category_envelopes() {
    let api = Api::new().await;
    let folder = json!({"type": 0, "parent_id": 2000, "name": "Shapes"}).to_string();
    let (status, created) = api
        .call(Method::POST, "/v2/nodes", &[("body", &folder)])
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let properties = &created["results"]["data"]["properties"];
    assert_has_keys(properties, &NODE_KEYS, "a created folder");
    let folder = properties["id"].as_i64().unwrap();

    let rename = json!({"name": "Shapes 2"}).to_string();
    let (_, renamed) = api
        .call(
            Method::PUT,
            &format!("/v2/nodes/{folder}"),
            &[("body", &rename)],
        )
        .await;
    assert_eq!(renamed["results"]["data"]["properties"]["name"], "Shapes 2");

    let document = json!({"type": 144, "parent_id": folder, "name": "note.txt"}).to_string();
    let upload = reqwest::multipart::Form::new().text("body", document).part(
        "file",
        reqwest::multipart::Part::bytes(b"first".to_vec()).file_name("note.txt"),
    );
    let response = api
        .http
        .post(format!("{}/api/v2/nodes", api.sim.base_url))
        .header("OTCSTicket", &api.ticket)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    let created: Value = response.json().await.unwrap();
    let document = created["results"]["data"]["properties"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        created["results"]["data"]["properties"]["versionable"],
        true
    );

    let second = reqwest::multipart::Form::new()
        .text("description", "second")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"second".to_vec()).file_name("note.txt"),
        );
    let added: Value = api
        .http
        .post(format!(
            "{}/api/v2/nodes/{document}/versions",
            api.sim.base_url
        ))
        .header("OTCSTicket", &api.ticket)
        .multipart(second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = &added["results"]["data"]["versions"];
    assert_has_keys(version, &VERSION_KEYS, "an added version");
    assert_eq!(
        (version["version_number"].as_u64(), &version["description"]),
        (Some(2), &json!("second"))
    );

    let download = api
        .http
        .get(format!(
            "{}/api/v1/nodes/{document}/content",
            api.sim.base_url
        ))
        .header("OTCSTicket", &api.ticket)
        .send()
        .await
        .unwrap();
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"note.txt\"");
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"second");

    let apply = json!({"category_id": PO_CATEGORY}).to_string();
    let category = format!("/v2/nodes/{document}/categories");
    for (method, path, form) in [
        (
            Method::POST,
            category.clone(),
            vec![("body", apply.as_str())],
        ),
        (
            Method::PUT,
            format!("{category}/{PO_CATEGORY}"),
            vec![("9100_5", "Open")],
        ),
        (Method::DELETE, format!("{category}/{PO_CATEGORY}"), vec![]),
        (Method::DELETE, format!("/v2/nodes/{folder}"), vec![]),
    ] {
        let (status, body) = api.call(method.clone(), &path, &form).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {body}");
        assert_eq!(body["results"], json!({}), "{method} {path}");
        assert_eq!(body["links"]["data"]["self"]["method"], method.as_str());
    }
}
