//! The harness the po-exception tests share: xecm-sim and tgrid-sim on loopback, real
//! clients, storage from `gridlink_store::testing` (both stacks), the function driven
//! through `Handler`, the partner played through the TG simulator's partner controls.

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
use po_exception::{NAME, PoException, PoExceptionConfig};
use serde_json::Value;

#[allow(unused_imports)]
pub use gridlink_tests::stack::{PUSH_SECRET, WEBHOOK_SECRET};

pub const ACME_PO: &str = "4500001234";
pub const ACME_EXC: &str = "EXC-4500001234-01";
pub const NORDFAST_PO: &str = "4500001235";
pub const NORDFAST_EXC: &str = "EXC-4500001235-01";

pub fn exception_category() -> CategoryId {
    CategoryId::new(9700).expect("id")
}

pub struct World {
    pub function: Function<PoException>,
    pub xecm: XecmClient,
    pub tg: TgClient,
    pub tg_base: url::Url,
    pub acme_order: NodeId,
    pub nordfast_order: NodeId,
    pub clock: Arc<ManualClock>,
    pub stack: Stack,
}

/// A stack whose use cases read a manual clock.
pub use gridlink_tests::kit::manual_clock_stack as stack_on;

pub async fn world(stack: Stack) -> World {
    world_with(stack, None, |_| {}).await
}

/// The world on `stack` (manual clock): po-exception built through the production
/// configuration path, adjusted by `adjust`; with `crash_after`, the first effect of that
/// kind "crashes" before its confirmation.
pub async fn world_with(
    stack: Stack,
    crash_after: Option<&str>,
    adjust: impl FnOnce(&mut PoExceptionConfig),
) -> World {
    if let Some(kind) = crash_after {
        stack.crash.arm(kind);
    }
    let clock = stack.clock.clone().expect("a manual clock (stack_on)");
    let acme_order = order_numbered(&stack.xecm, ACME_PO).await;
    let nordfast_order = order_numbered(&stack.xecm, NORDFAST_PO).await;
    let mut config =
        PoExceptionConfig::from_source(stack.config()).expect("the demo configuration");
    adjust(&mut config);
    let function = PoException::function(stack.platform(NAME), config);
    World {
        function,
        xecm: stack.xecm.clone(),
        tg: stack.tg.clone(),
        tg_base: stack.tg_sim.base_url.clone(),
        acme_order,
        nordfast_order,
        clock,
        stack,
    }
}

pub async fn order_numbered(xecm: &XecmClient, number: &str) -> NodeId {
    kit::workspace_with(xecm, 31, 9100, "PO Number", number).await
}

pub async fn fire(world: &World, schedule: &str) -> Result<Value, FunctionError> {
    kit::fire(&world.function, schedule).await
}

pub async fn poll(world: &World) -> Value {
    fire(world, "po-exception-poll-xecm")
        .await
        .expect("the poll succeeds")
}

pub async fn deadlines(world: &World) -> Value {
    fire(world, "po-exception-deadlines")
        .await
        .expect("the deadline sweep succeeds")
}

/// The exception rows of an order.
pub async fn rows(world: &World, order: NodeId) -> Vec<NamedAttributes> {
    kit::rows(&world.xecm, order, 9700, "Exceptions").await
}

pub use gridlink_tests::kit::text_of;

/// The row of an exception.
pub async fn row_of(world: &World, order: NodeId, exception: &str) -> NamedAttributes {
    rows(world, order)
        .await
        .into_iter()
        .find(|r| text_of(r, "Exception ID") == exception)
        .expect("the exception's row")
}

pub async fn status_of(world: &World, order: NodeId, exception: &str) -> String {
    text_of(&row_of(world, order, exception).await, "Status")
}

/// Writes the set's rows (as the buyer or the ERP integration would).
pub async fn write_rows(world: &World, order: NodeId, rows: Vec<NamedAttributes>) {
    let mut values = NamedAttributes::new();
    values.insert("Exceptions".into(), AttributeValue::Rows(rows));
    world
        .xecm
        .write_attributes(order, exception_category(), &values)
        .await
        .expect("rows written");
}

/// Sets one column of one exception's row (the buyer's edit).
pub async fn set_column(
    world: &World,
    order: NodeId,
    exception: &str,
    column: &str,
    value: AttributeValue,
) {
    let mut all = rows(world, order).await;
    for row in &mut all {
        if text_of(row, "Exception ID") == exception {
            row.insert(column.into(), value.clone());
        }
    }
    write_rows(world, order, all).await;
}

pub async fn get_json(world: &World, path: &str) -> Value {
    kit::sim_json(&world.tg_base, path).await
}

/// The partner's spaces for an order.
pub async fn partner_spaces(world: &World, partner: &str, order: NodeId) -> Vec<Value> {
    let spaces = get_json(world, &format!("__sim/partners/{partner}/spaces")).await;
    spaces["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s["external_ref"]["id"] == order.to_string().as_str())
        .collect()
}

/// The partner's threads in a space.
pub async fn partner_threads(world: &World, partner: &str, space: &str) -> Vec<Value> {
    let threads = get_json(
        world,
        &format!("__sim/partners/{partner}/spaces/{space}/threads"),
    )
    .await;
    threads["items"].as_array().cloned().unwrap_or_default()
}

/// The messages of a thread, as the partner reads them.
pub async fn partner_messages(world: &World, partner: &str, thread: &str) -> Vec<Value> {
    let page = get_json(
        world,
        &format!("__sim/partners/{partner}/threads/{thread}/messages"),
    )
    .await;
    page["items"].as_array().cloned().unwrap_or_default()
}

/// The partner replies on a thread with a structured response and optionally a file;
/// the simulator's answer (status, body).
pub async fn reply(
    world: &World,
    partner: &str,
    thread: &str,
    body: &str,
    response: &str,
    file: Option<(&str, &[u8])>,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new()
        .text("body", body.to_owned())
        .text(
            "structured",
            serde_json::json!({"response": response}).to_string(),
        );
    if let Some((name, bytes)) = file {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str("text/plain")
                .expect("mime"),
        );
    }
    let response = reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/threads/{thread}/messages"
                ))
                .expect("url"),
        )
        .multipart(form)
        .send()
        .await
        .expect("reply");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The `message.posted` event of a message, from the TG event feed.
pub async fn posted_event(world: &World, message_id: &str) -> Event {
    kit::events_of(&world.tg, EventType::MessagePosted)
        .await
        .into_iter()
        .find(|e| e.data["message"]["message_id"] == message_id)
        .expect("the event is in the feed")
}

/// Delivers a TG event as a signed webhook; the 202 body.
pub async fn deliver(world: &World, event: &Event) -> Value {
    kit::deliver(&world.function, event, world.clock.unix_seconds()).await
}

/// The documents in `Exceptions/<exception>` of an order: (name, id).
pub async fn filed(world: &World, order: NodeId, exception: &str) -> Vec<(String, NodeId)> {
    kit::children_in(&world.xecm, order, &format!("Exceptions/{exception}")).await
}

pub async fn content(world: &World, document: NodeId) -> String {
    kit::text(&world.xecm, document).await
}

/// The timeline JSON of an exception as filed (current version) and its version count.
pub async fn timeline(world: &World, order: NodeId, exception: &str) -> (Value, usize) {
    let docs = filed(world, order, exception).await;
    let (_, id) = docs
        .iter()
        .find(|(n, _)| n == "timeline.json")
        .expect("the timeline is filed");
    let versions = kit::version_count(&world.xecm, *id).await;
    let json = serde_json::from_str(&content(world, *id).await).expect("timeline json");
    (json, versions)
}

/// The ACME exception's space and thread ids, after a poll published it.
pub async fn acme_thread(world: &World) -> (String, String) {
    let spaces = partner_spaces(world, "prt_acme", world.acme_order).await;
    assert_eq!(
        spaces.len(),
        1,
        "one space per order and partner: {spaces:?}"
    );
    let space = spaces[0]["space_id"].as_str().expect("id").to_owned();
    let threads = partner_threads(world, "prt_acme", &space).await;
    assert_eq!(threads.len(), 1, "one thread per exception: {threads:?}");
    (
        space,
        threads[0]["thread_id"].as_str().expect("id").to_owned(),
    )
}

/// The events of a kind in the feed, in order.
pub async fn events_of(world: &World, event_type: EventType) -> Vec<Event> {
    kit::events_of(&world.tg, event_type).await
}
