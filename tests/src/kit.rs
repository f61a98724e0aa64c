//! Steps every use case's tests take, whatever the use case: start a stack with a manual
//! clock, find a seeded workspace by its business key, fire a schedule, deliver a signed TG
//! event, call a route, read back what was filed, read the TG simulator's partner side.
//!
//! Each function's `tests/common` keeps only what is its own (its world, its categories, its
//! partner's answers) and calls these for the rest.

use futures::TryStreamExt;
use gridlink_lambda::{FunctionError, Handler, HttpRequest, Invocation, Reply};
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::{EventFeed, TgClient};
use gridlink_xecm::{
    AttributeLookup, AttributeValue, CategoryId, NamedAttributes, NodeId, WorkspaceTypeId,
    Workspaces, XecmClient,
};
use serde_json::Value;

use crate::stack::{Stack, StackOptions, Storage, WEBHOOK_SECRET, schedule, signed_tg_webhook};

/// A stack on `storage` whose use cases read a manual clock (starting at the real time).
pub async fn manual_clock_stack(storage: Storage) -> Stack {
    Stack::start_with(
        storage,
        StackOptions {
            manual_clock: true,
            ..StackOptions::default()
        },
    )
    .await
}

/// The workspace of `workspace_type` whose `attribute` in `category` is `value`.
///
/// # Panics
/// If the lookup fails or no such workspace is seeded.
pub async fn workspace_with(
    xecm: &XecmClient,
    workspace_type: i64,
    category: i64,
    attribute: &str,
    value: &str,
) -> NodeId {
    xecm.find_workspace_by_attribute(&AttributeLookup {
        workspace_type: WorkspaceTypeId::new(workspace_type).expect("a workspace type id"),
        category: CategoryId::new(category).expect("a category id"),
        attribute: attribute.into(),
        value: value.into(),
    })
    .await
    .expect("the workspace lookup answers")
    .unwrap_or_else(|| panic!("no workspace of type {workspace_type} with {attribute} = {value}"))
    .id
}

/// Fires the schedule `name` at `function`: its summary, or the invocation's error.
///
/// # Panics
/// If the function answers a schedule over HTTP.
pub async fn fire(function: &impl Handler, name: &str) -> Result<Value, FunctionError> {
    match function.handle(schedule(name)).await? {
        Reply::Scheduled(summary) => Ok(summary),
        Reply::Http(_) => panic!("a schedule answers with a summary"),
    }
}

/// Delivers `event` to `function`'s TG webhook, signed with [`WEBHOOK_SECRET`] at `now`;
/// asserts the 202 and gives its body.
pub async fn deliver(function: &impl Handler, event: &Event, now: i64) -> Value {
    let request = signed_tg_webhook(
        function.spec().name,
        &serde_json::to_vec(event).expect("an event serialises"),
        WEBHOOK_SECRET,
        now,
    );
    let (status, body) = http(function, request).await;
    assert_eq!(status, 202, "the webhook is accepted: {body}");
    serde_json::from_str(&body).expect("the 202 body is JSON")
}

/// `function`'s answer to `request`: (status, body as text).
///
/// # Panics
/// If the invocation fails or is answered as a schedule.
pub async fn http(function: &impl Handler, request: HttpRequest) -> (u16, String) {
    match function
        .handle(Invocation::Http(request))
        .await
        .expect("the request is answered")
    {
        Reply::Http(response) => (
            response.status,
            String::from_utf8_lossy(&response.body).into_owned(),
        ),
        Reply::Scheduled(_) => panic!("a route answers over HTTP"),
    }
}

/// `GET path` on one of `function`'s routes: (status, body).
pub async fn get(function: &impl Handler, path: &str) -> (u16, String) {
    let request = HttpRequest {
        method: "GET".into(),
        path: path.into(),
        ..HttpRequest::default()
    };
    http(function, request).await
}

/// Everything (name, id) directly in `path` below `workspace`, folders included; empty when
/// the folder is not there.
pub async fn children_in(
    xecm: &XecmClient,
    workspace: NodeId,
    path: &str,
) -> Vec<(String, NodeId)> {
    children(xecm, workspace, path, true).await
}

/// The documents (name, id) directly in `path` below `workspace`, without sub-folders; empty
/// when the folder is not there.
pub async fn documents_in(
    xecm: &XecmClient,
    workspace: NodeId,
    path: &str,
) -> Vec<(String, NodeId)> {
    children(xecm, workspace, path, false).await
}

async fn children(
    xecm: &XecmClient,
    workspace: NodeId,
    path: &str,
    folders: bool,
) -> Vec<(String, NodeId)> {
    let Some(folder) = xecm
        .node_at_path(workspace, path)
        .await
        .expect("the path lookup answers")
    else {
        return Vec::new();
    };
    xecm.list_children(folder.id)
        .await
        .expect("the folder's children")
        .into_iter()
        .filter(|n| folders || !n.container)
        .map(|n| (n.name, n.id))
        .collect()
}

/// A document's current content.
pub async fn content(xecm: &XecmClient, document: NodeId) -> Vec<u8> {
    let download = xecm
        .download_document(document)
        .await
        .expect("the document downloads");
    let chunks: Vec<bytes::Bytes> = download.body.try_collect().await.expect("its bytes");
    chunks.concat()
}

/// A document's current content as text.
pub async fn text(xecm: &XecmClient, document: NodeId) -> String {
    String::from_utf8(content(xecm, document).await).expect("the document is UTF-8")
}

/// How many versions a document has.
pub async fn version_count(xecm: &XecmClient, document: NodeId) -> usize {
    xecm.versions(document).await.expect("versions").len()
}

/// The rows of a set attribute (`set`) of `category` on `node`; empty when there are none.
pub async fn rows(
    xecm: &XecmClient,
    node: NodeId,
    category: i64,
    set: &str,
) -> Vec<NamedAttributes> {
    match xecm
        .read_attributes(node, CategoryId::new(category).expect("a category id"))
        .await
        .expect("the category's attributes")
        .get(set)
    {
        Some(AttributeValue::Rows(rows)) => rows.clone(),
        _ => Vec::new(),
    }
}

/// A text column of a row (or a text attribute); empty when absent or not text.
pub fn text_of(row: &NamedAttributes, column: &str) -> String {
    match row.get(column) {
        Some(AttributeValue::Text(t)) => t.clone(),
        _ => String::new(),
    }
}

/// The first 500 events of TG's feed, in order.
pub async fn feed(tg: &TgClient) -> Vec<Event> {
    tg.events_after(None, Some(500))
        .await
        .expect("the event feed answers")
        .items
}

/// The events of one kind in TG's feed, in order.
pub async fn events_of(tg: &TgClient, event_type: EventType) -> Vec<Event> {
    feed(tg)
        .await
        .into_iter()
        .filter(|e| e.event_type == event_type)
        .collect()
}

/// `GET` a path of the TG simulator (its partner side or controls); the JSON of the 200.
pub async fn sim_json(base: &url::Url, path: &str) -> Value {
    reqwest::Client::new()
        .get(base.join(path).expect("a simulator URL"))
        .send()
        .await
        .expect("the simulator answers")
        .error_for_status()
        .expect("a 200 from the simulator")
        .json()
        .await
        .expect("JSON from the simulator")
}

/// The `items` of a simulator listing.
pub async fn sim_items(base: &url::Url, path: &str) -> Vec<Value> {
    sim_json(base, path).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Deletes a node in the xECM simulator as a user would (`DELETE /api/v2/nodes/{id}` with a
/// ticket of the service account) — xECM sends no event for it.
///
/// # Panics
/// If the simulator refuses.
pub async fn delete_node(stack: &Stack, node: NodeId) {
    let http = reqwest::Client::new();
    let base = stack.xecm_sim.base_url.trim_end_matches('/').to_owned();
    let ticket: Value = http
        .post(format!("{base}/api/v1/auth"))
        .form(&[("username", "gridlink"), ("password", "gridlink-service")])
        .send()
        .await
        .expect("auth")
        .error_for_status()
        .expect("a ticket")
        .json()
        .await
        .expect("json");
    http.delete(format!("{base}/api/v2/nodes/{node}"))
        .header("OTCSTicket", ticket["ticket"].as_str().expect("ticket"))
        .send()
        .await
        .expect("delete")
        .error_for_status()
        .expect("deleted");
}

/// The inbox item `function` keeps for a TG event, as it stands.
///
/// # Panics
/// If the inbox cannot be read or holds no such item.
pub async fn tg_inbox_item<U: gridlink_flow::UseCase>(
    function: &gridlink_flow::Function<U>,
    event: &Event,
) -> gridlink_flow::InboxItem {
    function
        .platform()
        .inbox
        .get(gridlink_flow::TG_SOURCE, event.event_id.as_str())
        .await
        .expect("the inbox answers")
        .unwrap_or_else(|| panic!("the inbox keeps event {}", event.event_id))
}

/// Serves `function`'s TG webhook route on `127.0.0.1:0` as API Gateway would (method, path,
/// headers and body handed to the handler) and subscribes it in Trading Grid for exactly the
/// event types its manifest entry declares — how the local runner and a deployment route TG
/// webhooks to functions. The server lives as long as the test's runtime.
///
/// # Panics
/// If the function has no TG webhook route, the port cannot be bound or TG refuses.
pub async fn subscribe_as_declared(tg: &TgClient, function: std::sync::Arc<dyn Handler>) {
    use gridlink_tgrid::model::subscriptions::NewSubscription;

    let spec = function.spec();
    let route = spec
        .routes
        .iter()
        .find(|r| r.path.ends_with("/tg/events"))
        .expect("a TG webhook route");
    let handler = function.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let handler = handler.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 6 * 1024 * 1024)
                .await
                .unwrap_or_default();
            let request = HttpRequest {
                method: parts.method.as_str().to_owned(),
                path: parts.uri.path().to_owned(),
                headers: parts
                    .headers
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect(),
                body: body.to_vec(),
                ..HttpRequest::default()
            };
            match handler.handle(Invocation::Http(request)).await {
                Ok(Reply::Http(response)) => (
                    axum::http::StatusCode::from_u16(response.status)
                        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                    response.body,
                ),
                _ => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, Vec::new()),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let subscription = NewSubscription {
        url: format!("http://{address}{}", route.path),
        event_types: spec
            .tg_event_types
            .iter()
            .map(|t| EventType::from(*t))
            .collect(),
        filter: None,
        secret: secrecy::SecretString::from(WEBHOOK_SECRET.to_owned()),
    };
    let key = gridlink_tgrid::IdempotencyKey::derive("test-subscription", &subscription.url);
    tg.subscribe(&key, &subscription)
        .await
        .expect("TG takes the subscription");
}
