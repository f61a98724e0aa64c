//! The harness the supplier-onboarding tests share: xecm-sim and tgrid-sim on loopback, real
//! clients, storage from `gridlink_store::testing`, the function driven through `Handler`.

#![allow(dead_code)]

use std::sync::Arc;

use gridlink_core::clock::{Clock, ManualClock};
use gridlink_flow::Function;
use gridlink_lambda::FunctionError;
use gridlink_tests::kit;
use gridlink_tests::stack::Stack;
use gridlink_tgrid::TgClient;
use gridlink_tgrid::events::{Event, EventType};
use gridlink_xecm::{AttributeValue, CategoryId, NamedAttributes, NodeId, Workspaces, XecmClient};
use serde_json::{Value, json};
use supplier_onboarding::{NAME, OnboardingConfig, SupplierOnboarding};

pub const BRIGHTWIRE: &str = "prt_onb_brightwire";
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

pub struct World {
    pub function: Function<SupplierOnboarding>,
    pub xecm: XecmClient,
    pub tg: TgClient,
    pub tg_base: url::Url,
    /// The new US supplier's workspace.
    pub brightwire: NodeId,
    pub clock: Arc<ManualClock>,
    pub stack: Stack,
}

pub use gridlink_tests::kit::manual_clock_stack as stack_on;

pub async fn world(stack: Stack) -> World {
    world_crashing_after(stack, None).await
}

pub async fn world_crashing_after(stack: Stack, crash_after: Option<&str>) -> World {
    world_configured(stack, crash_after, |_| {}).await
}

/// A world whose function's configuration `configure` changes from the demo's.
pub async fn world_configured(
    stack: Stack,
    crash_after: Option<&str>,
    configure: impl FnOnce(&mut OnboardingConfig),
) -> World {
    if let Some(kind) = crash_after {
        stack.crash.arm(kind);
    }
    let clock = stack.clock.clone().expect("a manual clock (stack_on)");
    let brightwire = supplier_numbered(&stack.xecm, "0000100150").await;
    let mut config = OnboardingConfig::from_source(stack.config()).expect("the demo configuration");
    configure(&mut config);
    let function = SupplierOnboarding::function(stack.platform(NAME), config);
    World {
        function,
        xecm: stack.xecm.clone(),
        tg: stack.tg.clone(),
        tg_base: stack.tg_sim.base_url.clone(),
        brightwire,
        clock,
        stack,
    }
}

pub async fn supplier_numbered(xecm: &XecmClient, number: &str) -> NodeId {
    kit::workspace_with(xecm, 21, 9001, "Supplier Number", number).await
}

pub async fn fire(world: &World, schedule: &str) -> Result<Value, FunctionError> {
    kit::fire(&world.function, schedule).await
}

pub async fn poll(world: &World) -> Value {
    fire(world, "supplier-onboarding-poll-xecm")
        .await
        .expect("the poll succeeds")
}

pub async fn sweep(world: &World) -> Value {
    fire(world, "supplier-onboarding-renewals")
        .await
        .expect("the sweep succeeds")
}

async fn sim_get(world: &World, path: &str) -> Value {
    kit::sim_json(&world.tg_base, path).await
}

/// The document requests a partner sees.
pub async fn partner_requests(world: &World, partner: &str) -> Vec<Value> {
    let page = sim_get(
        world,
        &format!("__sim/partners/{partner}/document_requests"),
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// The request a partner sees for a workspace (the latest), and its item of `kind`.
pub async fn request_item(
    world: &World,
    partner: &str,
    workspace: NodeId,
    kind: &str,
) -> (String, String, Value) {
    let external = format!("{workspace}");
    let requests = partner_requests(world, partner).await;
    let request = requests
        .iter()
        .filter(|r| {
            r["external_ref"]["id"].as_str() == Some(external.as_str())
                && r["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["kind"] == kind))
        })
        .max_by_key(|r| r["created_at"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("a request for {kind} of {workspace}: {requests:?}"))
        .clone();
    let item = request["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["kind"] == kind)
        .expect("item")
        .clone();
    (
        request["request_id"].as_str().expect("id").to_owned(),
        item["item_id"].as_str().expect("id").to_owned(),
        item,
    )
}

/// The partner submits one file with fields; the HTTP status.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    world: &World,
    partner: &str,
    request: &str,
    item: &str,
    file: &'static [u8],
    file_name: &str,
    valid: (Option<&str>, Option<&str>),
    fields: Value,
) -> reqwest::StatusCode {
    let mut form = reqwest::multipart::Form::new()
        .text("fields", fields.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file)
                .file_name(file_name.to_owned())
                .mime_str("application/pdf")
                .expect("mime"),
        );
    if let Some(from) = valid.0 {
        form = form.text("valid_from", from.to_owned());
    }
    if let Some(until) = valid.1 {
        form = form.text("valid_until", until.to_owned());
    }
    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/document_requests/{request}/items/{item}/submit"
                ))
                .expect("url"),
        )
        .multipart(form)
        .send()
        .await
        .expect("submit")
        .status()
}

pub fn w9_fields(tin: &str) -> Value {
    json!({"tax_id": tin, "legal_name": "BRIGHTWIRE ELECTRIC INC", "form_revision": "2024-03"})
}

pub fn insurance_fields() -> Value {
    json!({
        "general_liability_each_occurrence": 2_000_000,
        "general_liability_aggregate": 4_000_000,
        "endorsements": ["additional_insured", "waiver_of_subrogation"],
        "insured_name": "Brightwire Electric, Inc."
    })
}

/// The latest `document_request.item_submitted` event for an item.
pub async fn submitted_event(world: &World, item: &str) -> Event {
    kit::events_of(&world.tg, EventType::DocumentRequestItemSubmitted)
        .await
        .into_iter()
        .rev()
        .find(|e| {
            e.request_item_submitted()
                .is_some_and(|s| s.item_id.as_str() == item)
        })
        .expect("the event is in the feed")
}

/// Delivers a TG event as a signed webhook (202); its body.
pub async fn deliver(world: &World, event: &Event) -> Value {
    kit::deliver(&world.function, event, world.clock.unix_seconds()).await
}

/// Submits and delivers the event: the item as TG shows it afterwards.
pub async fn submit_and_deliver(
    world: &World,
    partner: &str,
    workspace: NodeId,
    kind: &str,
    file: &'static [u8],
    valid: (Option<&str>, Option<&str>),
    fields: Value,
) -> Value {
    let (request, item, _) = request_item(world, partner, workspace, kind).await;
    let status = submit(
        world,
        partner,
        &request,
        &item,
        file,
        &format!("{kind}.pdf"),
        valid,
        fields,
    )
    .await;
    assert!(status.is_success(), "the partner submits: {status}");
    let event = submitted_event(world, &item).await;
    deliver(world, &event).await;
    tg_item(world, &request, &item).await
}

/// An item as the tenant sees it.
pub async fn tg_item(world: &World, request: &str, item: &str) -> Value {
    use gridlink_tgrid::DocumentRequests;
    let request = world
        .tg
        .document_request(&gridlink_tgrid::RequestId::new(request))
        .await
        .expect("request");
    let value = serde_json::to_value(request).expect("json");
    value["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["item_id"] == item)
        .expect("item")
        .clone()
}

pub async fn supplier_values(world: &World, workspace: NodeId) -> NamedAttributes {
    world
        .xecm
        .read_attributes(workspace, CategoryId::new(9001).expect("id"))
        .await
        .expect("supplier attributes")
}

pub async fn onboarding_status(world: &World, workspace: NodeId) -> String {
    match supplier_values(world, workspace)
        .await
        .get("Onboarding Status")
    {
        Some(AttributeValue::Text(t)) => t.clone(),
        other => format!("{other:?}"),
    }
}

pub async fn requirement_rows(world: &World, workspace: NodeId) -> Vec<NamedAttributes> {
    kit::rows(&world.xecm, workspace, 9800, "Requirements").await
}

pub use gridlink_tests::kit::text_of as row_text;

/// Documents (name, id) in a workspace folder path, empty when the folder is not there.
pub async fn documents_in(world: &World, workspace: NodeId, path: &str) -> Vec<(String, NodeId)> {
    kit::documents_in(&world.xecm, workspace, path).await
}

/// Every document below `Certificates` of a workspace.
pub async fn certificates(world: &World, workspace: NodeId) -> Vec<(String, NodeId)> {
    let mut all = Vec::new();
    for folder in [
        "Tax Forms",
        "Insurance",
        "Quality",
        "Attestations",
        "Banking",
        "Other",
    ] {
        all.extend(documents_in(world, workspace, &format!("Certificates/{folder}")).await);
    }
    all
}

pub async fn versions(world: &World, document: NodeId) -> usize {
    kit::version_count(&world.xecm, document).await
}

pub async fn content(world: &World, document: NodeId) -> Vec<u8> {
    kit::content(&world.xecm, document).await
}

/// `GET` an operator route of the function: (status, body).
pub async fn operator_get(world: &World, path: &str) -> (u16, String) {
    kit::get(&world.function, path).await
}

/// The `seq`th xECM push for a workspace (a category changed), signed; the HTTP status. The
/// same `seq` again is a redelivery of the same event.
pub async fn push(world: &World, workspace: NodeId, seq: u32) -> u16 {
    use gridlink_lambda::{Handler, Invocation, Reply};
    let body = serde_json::to_vec(&json!({"event_type": "workspace.changed",
        "node_id": workspace.get(), "occurred_at": format!("2026-12-01T00:00:{:02}Z", seq % 60)}))
    .expect("json");
    let reply = world
        .function
        .handle(Invocation::Http(gridlink_tests::stack::signed_xecm_push(
            NAME,
            &body,
            gridlink_tests::stack::PUSH_SECRET,
            world.clock.unix_seconds(),
        )))
        .await
        .expect("the push is handled");
    let Reply::Http(response) = reply else {
        panic!("a push answers over HTTP")
    };
    response.status
}

/// A buyer edits the `Requirements` row of `kind` in xECM: each (column, text) written.
pub async fn buyer_sets(world: &World, workspace: NodeId, kind: &str, changes: &[(&str, &str)]) {
    let category = CategoryId::new(9800).expect("id");
    let mut rows = requirement_rows(world, workspace).await;
    let row = rows
        .iter_mut()
        .find(|r| row_text(r, "Kind") == kind)
        .unwrap_or_else(|| panic!("a row for {kind}"));
    for (column, value) in changes {
        row.insert((*column).into(), AttributeValue::Text((*value).into()));
    }
    let mut values = NamedAttributes::new();
    values.insert("Requirements".into(), AttributeValue::Rows(rows));
    world
        .xecm
        .write_attributes(workspace, category, &values)
        .await
        .expect("the buyer's edit is saved");
}

/// The messages of a partner's `onboarding` threads, oldest first.
pub async fn onboarding_messages(world: &World, partner: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let spaces = kit::sim_items(&world.tg_base, &format!("__sim/partners/{partner}/spaces")).await;
    for space in spaces {
        let space_id = space["space_id"].as_str().expect("space id");
        let threads = kit::sim_items(
            &world.tg_base,
            &format!("__sim/partners/{partner}/spaces/{space_id}/threads"),
        )
        .await;
        for thread in threads.iter().filter(|t| t["kind"] == "onboarding") {
            let thread_id = thread["thread_id"].as_str().expect("thread id");
            all.extend(
                kit::sim_items(
                    &world.tg_base,
                    &format!("__sim/partners/{partner}/threads/{thread_id}/messages"),
                )
                .await,
            );
        }
    }
    all
}

/// The integer a row's column holds (0 when empty).
pub fn row_number(row: &NamedAttributes, column: &str) -> i64 {
    match row.get(column) {
        Some(AttributeValue::Integer(n)) => *n,
        _ => 0,
    }
}
