//! The harness of the simulator's HTTP tests: the demo company on a loopback port, a raw
//! client logged in to it, and the key lists and checks the shape tests share.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses part of it; helpers are test code

use gridlink_xecm_sim::{RunningSim, Seed, SeedSource, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const DEMO_SEED: &str = include_str!("../../seeds/demo.json");
pub const PO_CATEGORY: i64 = 9100;
pub const INVALID: &str = "One or more parameters are invalid";
pub const NO_SUCH_ROUTE: &str = "The REST API URL could not be found in the mappings registry";

pub fn demo_seed() -> Seed {
    serde_json::from_str(DEMO_SEED).unwrap()
}

pub async fn start() -> RunningSim {
    gridlink_xecm_sim::start(
        SimConfig {
            seed: Some(SeedSource::Inline(Box::new(demo_seed()))),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

/// A logged-in raw HTTP client.
pub struct Api {
    pub sim: RunningSim,
    pub http: reqwest::Client,
    pub ticket: String,
}

impl Api {
    pub async fn new() -> Self {
        Self::login(start().await).await
    }

    /// Logs in to a simulator already started.
    pub async fn login(sim: RunningSim) -> Self {
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{}/api/v1/auth", sim.base_url))
            .form(&[("username", "otadmin"), ("password", "gridlink-demo")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ticket = login["ticket"].as_str().unwrap().to_owned();
        Self { sim, http, ticket }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/api{path}", self.sim.base_url))
            .header("OTCSTicket", &self.ticket);
        if method != Method::GET && method != Method::DELETE {
            request = request.form(form);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path} answered {status} with non-JSON {text:?}"));
        (status, body)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(Method::GET, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn refused(&self, method: Method, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, body) = self.call(method.clone(), path, form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {body}");
        body
    }

    pub async fn workspace(&self, name: &str) -> i64 {
        let query = serde_urlencoded::to_string([("where_name", name)]).unwrap();
        let body = self.get(&format!("/v2/businessworkspaces?{query}")).await;
        body["results"][0]["data"]["properties"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no workspace named {name}: {body}"))
    }

    pub async fn child(&self, parent: i64, name: &str) -> i64 {
        let query = serde_urlencoded::to_string([("where_name", name)]).unwrap();
        let body = self.get(&format!("/v2/nodes/{parent}/nodes?{query}")).await;
        body["results"][0]["data"]["properties"]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no {name} in {parent}: {body}"))
    }

    /// The order document of PO 4500001234 (`Order/PO 4500001234.txt`).
    pub async fn order_document(&self) -> i64 {
        let workspace = self.workspace("PO 4500001234").await;
        let folder = self.child(workspace, "Order").await;
        self.child(folder, "PO 4500001234.txt").await
    }
}

/// The keys of an object, sorted.
pub fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

pub fn assert_has_keys(value: &Value, expected: &[&str], what: &str) {
    let present = keys(value);
    let missing: Vec<_> = expected.iter().filter(|k| !present.contains(k)).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}: {value}");
}

pub fn assert_utc(value: &Value, what: &str) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a date: {value}"));
    assert!(
        text.len() == 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T',
        "{what} is not YYYY-MM-DDTHH:MM:SSZ: {text}"
    );
}

pub fn assert_refused_naming(body: &Value, parameter: &str) {
    assert_eq!(body["error"], INVALID, "{body}");
    let detail = body["errorDetail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(parameter),
        "errorDetail should name {parameter}: {body}"
    );
}

/// Keys pyxecm's `get_node` and `search` examples show on every node.
pub const NODE_KEYS: [&str; 38] = [
    "id",
    "parent_id",
    "name",
    "name_multilingual",
    "type",
    "type_name",
    "description",
    "description_multilingual",
    "advanced_versioning",
    "container",
    "container_size",
    "create_date",
    "create_user_id",
    "modify_date",
    "modify_user_id",
    "owner",
    "owner_user_id",
    "owner_group_id",
    "external_create_date",
    "external_identity",
    "external_identity_type",
    "external_modify_date",
    "external_source",
    "favorite",
    "hidden",
    "icon",
    "icon_large",
    "mime_type",
    "permissions_model",
    "reserved",
    "reserved_date",
    "reserved_shared_collaboration",
    "reserved_user_id",
    "size",
    "size_formatted",
    "status",
    "versionable",
    "volume_id",
];

/// Keys of pyxecm's `get_document_versions` example.
pub const VERSION_KEYS: [&str; 26] = [
    "create_date",
    "description",
    "external_create_date",
    "external_identity",
    "external_identity_type",
    "external_modify_date",
    "external_source",
    "file_create_date",
    "file_modify_date",
    "file_name",
    "file_size",
    "file_type",
    "has_generation",
    "id",
    "locked",
    "locked_date",
    "locked_user_id",
    "mime_type",
    "modify_date",
    "name",
    "owner_id",
    "provider_id",
    "version_id",
    "version_number",
    "version_number_major",
    "version_number_minor",
];
