//! The simulator as a client written for the real server sees it: raw HTTP, the real paths,
//! form bodies, envelopes, status codes and error texts.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use gridlink_core::clock::{ManualClock, SharedClock};
use gridlink_xecm_sim::{SeedSource, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOT_ACCESSIBLE: &str = "Sorry, the item you requested could not be accessed.";

struct Raw {
    http: reqwest::Client,
    api: String,
    ticket: String,
}

impl Raw {
    async fn login(base_url: &str) -> Self {
        let http = reqwest::Client::new();
        let api = format!("{base_url}/api");
        let body: Value = http
            .post(format!("{api}/v1/auth"))
            .form(&[("username", USER), ("password", PASSWORD)])
            .send()
            .await
            .expect("the login answers")
            .json()
            .await
            .expect("the login answers JSON");
        let ticket = body["ticket"].as_str().expect("a ticket").to_owned();
        Self { http, api, ticket }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.api))
            .header("otcsticket", &self.ticket)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.api))
            .header("OTCSTICKET", &self.ticket)
            .form(form)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn a_call_without_a_ticket_is_answered_401_authentication_required() {
    let h = harness().await;
    let response = reqwest::get(format!("{}/api/v2/nodes/2000", h.sim.base_url))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "Authentication Required"})
    );
    let forged = reqwest::Client::new()
        .get(format!("{}/api/v2/nodes/2000", h.sim.base_url))
        .header(
            "OTCSTicket",
            "0000000000000001000001a20fc304a6eeefcc05f7bc59d3f23e44ab",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}

#[tokio::test]
async fn login_errors_are_answered_as_the_real_server_answers_them() {
    let h = harness().await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/auth", h.sim.base_url);
    let wrong = http
        .post(&url)
        .form(&[("username", USER), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"],
        "Invalid username/password specified"
    );
    let missing = http
        .post(&url)
        .form(&[("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 500);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["error"],
        "Argument username is required"
    );
}

#[tokio::test]
async fn missing_nodes_bad_ids_and_unknown_routes_are_answered_400() {
    let h = harness().await;
    let raw = Raw::login(&h.sim.linux_base_url).await;
    let (status, body) = raw.get("/v2/nodes/987654").await;
    assert_eq!(
        status, 400,
        "Content Server answers 400, not 404, for a missing node"
    );
    assert!(body["error"].as_str().unwrap().starts_with(NOT_ACCESSIBLE));
    let (status, body) = raw.get("/v2/nodes/abc").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str().unwrap()),
        (400, "Invalid datatype specified for argument 'id'")
    );
    let (status, body) = raw.get("/v2/nodes/987654?suppress_response_codes").await;
    assert_eq!(
        (status.as_u16(), body["statusCode"].as_u64()),
        (200, Some(400)),
        "suppress_response_codes: {body}"
    );
    let (status, body) = raw.get("/v2/no-such-thing").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str().unwrap()),
        (
            400,
            "The REST API URL could not be found in the mappings registry"
        )
    );
}

#[tokio::test]
async fn every_success_carries_a_fresh_ticket_and_an_expired_one_is_refused() {
    let clock = Arc::new(ManualClock::at_unix(1_795_000_000));
    let shared: SharedClock = clock.clone();
    let sim = gridlink_xecm_sim::start(
        SimConfig {
            seed: Some(SeedSource::Inline(Box::new(demo_seed()))),
            clock: shared,
            ..SimConfig::default()
        },
        loopback(),
    )
    .await
    .unwrap();
    let raw = Raw::login(&sim.base_url).await;
    clock.advance(Duration::from_secs(1));
    let response = raw
        .http
        .get(format!("{}/v2/nodes/2000", raw.api))
        .header("OTCSTicket", &raw.ticket)
        .send()
        .await
        .unwrap();
    let fresh = response
        .headers()
        .get("otcsticket")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, raw.ticket);

    clock.advance(Duration::from_secs(20 * 60));
    let response = raw
        .http
        .get(format!("{}/v2/nodes/2000", raw.api))
        .header("otcsticket", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the fresh ticket slides the expiry");
    let newest = response
        .headers()
        .get("otcsticket")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    clock.advance(Duration::from_secs(15 * 60));
    let old = raw
        .http
        .get(format!("{}/v2/nodes/2000", raw.api))
        .header("otcsticket", &raw.ticket)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the first ticket is 35 minutes old");
    let cookie = raw
        .http
        .get(format!("{}/v2/nodes/2000", raw.api))
        .header("Cookie", format!("LLCookie={newest}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cookie.status(), 200, "LLCookie carries a ticket too");
    let stale = raw
        .http
        .get(format!("{}/v2/nodes/2000", raw.api))
        .header("otcsticket", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        401,
        "a ticket left unused for 35 minutes has expired"
    );
}

#[tokio::test]
async fn plain_fields_and_the_body_json_are_merged() {
    let h = harness().await;
    let raw = Raw::login(&h.sim.base_url).await;
    let (status, body) = raw
        .post_form(
            "/v2/nodes",
            &[
                ("type", "0"),
                ("parent_id", "2000"),
                ("body", r#"{"name":"Merged"}"#),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"]["data"]["properties"]["name"], "Merged");
    assert_eq!(body["results"]["data"]["properties"]["parent_id"], 2000);
    let (status, body) = raw
        .post_form(
            "/v2/nodes",
            &[("body", r#"{"type":0,"parent_id":2000,"name":"Merged"}"#)],
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str().unwrap()),
        (500, "An item with the name 'Merged' already exists.")
    );
    let (status, body) = raw.post_form("/v2/nodes", &[("body", "not json")]).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn workspace_lists_use_top_level_paging_and_answer_pages_past_the_end() {
    let h = harness().await;
    let raw = Raw::login(&h.sim.base_url).await;
    let (_, first) = raw
        .get("/v2/businessworkspaces?where_workspace_type_id=31&expanded_view=true&limit=3&page=1")
        .await;
    assert_eq!(first["paging"]["page_total"], 2);
    assert!(
        first["paging"]["actions"]["next"]["href"]
            .as_str()
            .unwrap()
            .contains("page=2")
    );
    assert_eq!(first["results"][0]["data"]["properties"]["type"], 848);
    assert!(first.get("collection").is_none());
    let (_, beyond) = raw
        .get("/v2/businessworkspaces?where_workspace_type_id=31&limit=3&page=9")
        .await;
    assert_eq!(
        beyond["results"].as_array().unwrap().len(),
        1,
        "page 9 of 2 answers data (the last page)"
    );
    let (_, browse) = raw.get("/v2/nodes/2000/nodes?limit=1").await;
    assert!(
        browse["collection"]["paging"]["page_total"]
            .as_u64()
            .unwrap()
            >= 1,
        "browse pages under collection"
    );
    let (status, body) = raw.get("/v2/businessworkspaces?sort=asc_colour").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str().unwrap()),
        (500, "Invalid column name (colour) specified for sorting")
    );
}

#[tokio::test]
async fn a_duplicate_business_object_is_answered_500_already_exists() {
    let h = harness().await;
    let raw = Raw::login(&h.sim.base_url).await;
    let body = json!({"template_id": 9502, "name": "Another", "bo_id": "4500001234", "ext_system_id": "SAP_ERP", "bo_type": "BUS2012"});
    let (status, answer) = raw
        .post_form("/v2/businessworkspaces", &[("body", &body.to_string())])
        .await;
    assert_eq!(status, 500);
    assert!(
        answer["error"].as_str().unwrap().contains("already exists"),
        "{answer}"
    );
    let fresh = json!({"template_id": 9502, "bo_id": "4500005555", "roles": {"categories": {"9100": {"9100_2": "4500005555"}}}});
    let (status, created) = raw
        .post_form("/v2/businessworkspaces", &[("body", &fresh.to_string())])
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["results"]["direct_open"], true);
    let id = created["results"]["id"].as_i64().unwrap();
    let (_, details) = raw
        .get(&format!("/v2/businessworkspaces/{id}?fields=categories"))
        .await;
    assert_eq!(
        details["results"]["data"]["properties"]["name"],
        "Purchase Order 4500005555"
    );
    assert_eq!(
        details["results"]["data"]["business_properties"]["business_object_id"],
        "4500005555"
    );
    assert_eq!(
        details["results"]["data"]["categories"][0]["9100_2"],
        "4500005555"
    );
}

#[tokio::test]
async fn bad_category_values_and_keys_are_answered_400_naming_them() {
    let h = harness().await;
    let raw = Raw::login(&h.sim.base_url).await;
    let (_, list) = raw
        .get("/v2/businessworkspaces?where_name=PO%204500001234&expanded_view=true")
        .await;
    let id = list["results"][0]["data"]["properties"]["id"]
        .as_i64()
        .unwrap();
    let put = |form: Vec<(&'static str, &'static str)>| {
        let raw = &raw;
        async move {
            let response = raw
                .http
                .put(format!("{}/v2/nodes/{id}/categories/9100", raw.api))
                .header("OTCSTicket", &raw.ticket)
                .form(&form)
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, body) = put(vec![("9100_8_1_11", "lots")]).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("'Quantity' (9100_8_1_11)"),
        "{body}"
    );
    let (status, body) = put(vec![("9100_99", "x")]).await;
    assert_eq!(status, 400);
    assert!(
        body["errorDetail"].as_str().unwrap().contains("9100_99"),
        "{body}"
    );
    let (status, _) = put(vec![
        ("9100_7", "a"),
        ("9100_7", "b"),
        ("9100_8_3_10", "M-7"),
    ])
    .await;
    assert_eq!(
        status, 200,
        "repeated plain fields make a multi-value list; row 3 is added"
    );
    let (_, category) = raw
        .get(&format!("/v2/nodes/{id}/categories/9100?metadata"))
        .await;
    assert_eq!(
        category["results"]["data"]["categories"]["9100_7"],
        json!(["a", "b"])
    );
    assert_eq!(
        category["results"]["data"]["categories"]["9100_8_3_10"],
        "M-7"
    );
    assert_eq!(
        category["results"]["metadata"]["categories"]["9100_8_x_10"]["name"],
        "Material"
    );
}

#[tokio::test]
async fn search_rejects_unreadable_lql_and_unknown_regions() {
    let h = harness().await;
    let raw = Raw::login(&h.sim.base_url).await;
    let (status, _) = raw
        .post_form("/v2/search", &[("where", "OTName: \"open")])
        .await;
    assert_eq!(status, 400);
    let (status, body) = raw
        .post_form("/v2/search", &[("where", "OTColour: red")])
        .await;
    assert_eq!(status, 400);
    assert!(
        body["errorDetail"].as_str().unwrap().contains("OTColour"),
        "{body}"
    );
    let (status, body) = raw
        .post_form(
            "/v2/search",
            &[(
                "body",
                r#"{"where":"OTSubType: 848 and Attr_9001_5: \"SE\""}"#,
            )],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["collection"]["paging"]["total_count"], 1);
    assert_eq!(
        body["results"][0]["data"]["properties"]["name"],
        "Nordic Fasteners AB"
    );
}

#[tokio::test]
async fn the_change_feed_lists_events_after_a_cursor() {
    let h = harness().await;
    let feed = |after: u64| {
        let url = format!("{}/__sim/events?after={after}", h.sim.root_url);
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let start = feed(0).await["last_event_id"].as_u64().unwrap();
    let raw = Raw::login(&h.sim.base_url).await;
    raw.post_form(
        "/v2/nodes",
        &[("type", "0"), ("parent_id", "2000"), ("name", "Fed")],
    )
    .await;
    let events = feed(start).await;
    assert_eq!(events["events"].as_array().unwrap().len(), 1);
    assert_eq!(events["events"][0]["kind"], "node_created");
    assert_eq!(events["events"][0]["name"], "Fed");
    let (_, audit) = raw
        .get(&format!(
            "/v2/nodes/{}/audit",
            events["events"][0]["node_id"]
        ))
        .await;
    assert_eq!(audit["results"]["data"]["audit"][0]["audit_name"], "Create");
}

#[tokio::test]
async fn a_data_directory_keeps_nodes_and_content_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let config = || SimConfig {
        seed: Some(SeedSource::Inline(Box::new(demo_seed()))),
        data_dir: Some(dir.path().to_path_buf()),
        ..SimConfig::default()
    };
    let sim = gridlink_xecm_sim::start(config(), loopback())
        .await
        .unwrap();
    let client = password_client(&sim.base_url);
    let folder = client.create_folder(node(2000), "Kept").await.unwrap();
    let doc = client
        .create_document(
            folder.id,
            &gridlink_xecm::NewDocument {
                name: "kept.txt".into(),
                ..Default::default()
            },
            &gridlink_xecm::BytesSource(bytes::Bytes::from_static(b"still here")),
        )
        .await
        .unwrap();
    sim.shutdown().await;

    let again = gridlink_xecm_sim::start(config(), loopback())
        .await
        .unwrap();
    let client = password_client(&again.base_url);
    assert_eq!(client.node(folder.id).await.unwrap().name, "Kept");
    let mut content = Vec::new();
    client
        .download(doc.id, None)
        .await
        .unwrap()
        .write_to(&mut content)
        .await
        .unwrap();
    assert_eq!(content, b"still here");
    let workspaces = again
        .snapshot()
        .nodes
        .values()
        .filter(|n| n.workspace.is_some())
        .count();
    assert_eq!(
        workspaces,
        demo_seed().workspaces.len(),
        "the seed is not loaded twice"
    );
}

#[tokio::test]
async fn the_demo_seed_file_loads_from_disk() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../local/xecm-sim/seeds/demo.json");
    let sim = gridlink_xecm_sim::start(
        SimConfig {
            seed: Some(SeedSource::File(path)),
            ..SimConfig::default()
        },
        loopback(),
    )
    .await
    .unwrap();
    let stats: Value = reqwest::get(format!("{}/__sim/stats", sim.root_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seeded_documents: usize = demo_seed()
        .workspaces
        .iter()
        .map(|w| w.documents.len())
        .sum();
    assert_eq!(stats["documents"], seeded_documents);
    assert!(seeded_documents >= 1);
    let bad = reqwest::Client::new()
        .post(format!("{}/__sim/seed", sim.root_url))
        .json(&json!({"workspaces": [{"type_id": 999, "name": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("no workspace type with id 999")
    );
}
