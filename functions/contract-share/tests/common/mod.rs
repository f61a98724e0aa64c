//! The harness the contract-share tests share: xecm-sim and tgrid-sim on loopback, real
//! clients, storage from `gridlink_store::testing`, the function driven through `Handler`.

#![allow(dead_code)]

use std::sync::Arc;

use contract_share::{ContractShare, ContractShareConfig, NAME};
use futures::TryStreamExt;
use gridlink_core::clock::{Clock, ManualClock};
use gridlink_flow::Function;
use gridlink_lambda::{FunctionError, Handler, HttpRequest, Invocation, Reply, ScheduleFiring};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::{EventFeed, TgClient};
use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NewVersion, NodeId, WorkspaceTypeId, Workspaces, XecmClient,
};

#[allow(unused_imports)]
pub use gridlink_tests::stack::{PUSH_SECRET, WEBHOOK_SECRET};
pub const APPROVED_TEXT: &str =
    "Framework agreement 2026, signed version: prices fixed until Q4.\n";

pub struct World {
    pub function: Function<ContractShare>,
    pub xecm: XecmClient,
    pub tg: TgClient,
    pub tg_base: url::Url,
    pub contract: NodeId,
    /// The function's clock (starts at the real time; the sims keep real time).
    pub clock: Arc<ManualClock>,
    pub stack: Stack,
}

/// A stack whose use cases read a manual clock.
pub use gridlink_tests::kit::manual_clock_stack as stack_on;

pub async fn world(stack: Stack) -> World {
    world_crashing_after(stack, None).await
}

/// The world on `stack` (which must have a manual clock, [`stack_on`]): contract-share built
/// through the production configuration path, the demo contract found; with `crash_after`,
/// the first effect of that kind "crashes" before its confirmation.
pub async fn world_crashing_after(stack: Stack, crash_after: Option<&str>) -> World {
    if let Some(kind) = crash_after {
        stack.crash.arm(kind);
    }
    let clock = stack
        .clock
        .clone()
        .expect("a contract-share stack has a manual clock (stack_on)");
    let contract = contract_numbered(&stack.xecm, "4600000012").await;
    let function = ContractShare::function(
        stack.platform(NAME),
        ContractShareConfig::from_source(stack.config()).expect("the demo configuration"),
    );
    World {
        function,
        xecm: stack.xecm.clone(),
        tg: stack.tg.clone(),
        tg_base: stack.tg_sim.base_url.clone(),
        contract,
        clock,
        stack,
    }
}

pub async fn contract_numbered(xecm: &XecmClient, number: &str) -> NodeId {
    xecm.find_workspace_by_attribute(&AttributeLookup {
        workspace_type: WorkspaceTypeId::new(41).expect("id"),
        category: CategoryId::new(9200).expect("id"),
        attribute: "Contract Number".into(),
        value: number.into(),
    })
    .await
    .expect("lookup")
    .expect("the demo contract exists")
    .id
}

pub fn approval(status: &str) -> Vec<(CategoryId, NamedAttributes)> {
    let mut values = NamedAttributes::new();
    values.insert(
        "Approval Status".into(),
        AttributeValue::Text(status.into()),
    );
    vec![(CategoryId::new(9500).expect("id"), values)]
}

/// Files a document with an approval status into a folder of `contract`.
pub async fn file_document(
    world: &World,
    contract: NodeId,
    folder: &str,
    name: &str,
    status: &str,
    text: &str,
) -> NodeId {
    let spec = DocumentSpec {
        name: name.into(),
        categories: approval(status),
        ..DocumentSpec::default()
    };
    world
        .xecm
        .file_document(
            contract,
            folder,
            &spec,
            &BytesSource(text.to_owned().into()),
        )
        .await
        .expect("document filed")
        .document
        .id
}

/// Files an approved and a draft document into the contract; returns (approved, draft).
pub async fn file_contract_documents(world: &World) -> (NodeId, NodeId) {
    let approved = file_document(
        world,
        world.contract,
        "Signed",
        "Framework Agreement signed.txt",
        "Approved",
        APPROVED_TEXT,
    )
    .await;
    let draft = file_document(
        world,
        world.contract,
        "Drafts",
        "Amendment draft.txt",
        "In Review",
        "draft: penalty clause to be negotiated\n",
    )
    .await;
    (approved, draft)
}

/// Adds a version with `text` to a document.
pub async fn add_version(world: &World, document: NodeId, text: &str) {
    world
        .xecm
        .add_document_version(
            document,
            &NewVersion {
                file_name: "Framework Agreement signed.txt".into(),
                description: "revised".into(),
                ..NewVersion::default()
            },
            &BytesSource(text.to_owned().into()),
        )
        .await
        .expect("version added");
}

pub async fn fire(world: &World, schedule: &str) -> Result<serde_json::Value, FunctionError> {
    let firing = ScheduleFiring {
        schedule: schedule.into(),
        scheduled_at: None,
    };
    match world.function.handle(Invocation::Schedule(firing)).await? {
        Reply::Scheduled(summary) => Ok(summary),
        Reply::Http(_) => panic!("a schedule answers with a summary"),
    }
}

pub async fn poll(world: &World) -> serde_json::Value {
    fire(world, "contract-share-poll-xecm")
        .await
        .expect("the poll succeeds")
}

pub async fn remind(world: &World) -> serde_json::Value {
    fire(world, "contract-share-ack-reminders")
        .await
        .expect("the reminder run succeeds")
}

/// The shares a partner sees, through the simulator's partner view.
pub async fn partner_shares(world: &World, partner: &str) -> Vec<serde_json::Value> {
    let page: serde_json::Value = reqwest::Client::new()
        .get(
            world
                .tg_base
                .join(&format!("__sim/partners/{partner}/shares"))
                .expect("url"),
        )
        .send()
        .await
        .expect("partner shares")
        .error_for_status()
        .expect("200")
        .json()
        .await
        .expect("json");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// The partner answers a share (`acknowledge` / `decline`) with a JSON body.
pub async fn answer(
    world: &World,
    partner: &str,
    share_id: &str,
    action: &str,
    body: serde_json::Value,
) {
    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/shares/{share_id}/{action}"
                ))
                .expect("url"),
        )
        .json(&body)
        .send()
        .await
        .expect("answer")
        .error_for_status()
        .expect("the partner answers");
}

/// The partner answers with a file attached (multipart).
pub async fn answer_with_file(
    world: &World,
    partner: &str,
    share_id: &str,
    action: &str,
    file_name: &str,
    content: &'static [u8],
) {
    let form = reqwest::multipart::Form::new()
        .text("by", "Jane Partner")
        .text("comment", "Signed copy attached.")
        .part(
            "file",
            reqwest::multipart::Part::bytes(content)
                .file_name(file_name.to_owned())
                .mime_str("text/plain")
                .expect("mime"),
        );
    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/shares/{share_id}/{action}"
                ))
                .expect("url"),
        )
        .multipart(form)
        .send()
        .await
        .expect("answer")
        .error_for_status()
        .expect("the partner answers with a file");
}

pub async fn status_of(world: &World, contract: NodeId) -> Option<AttributeValue> {
    world
        .xecm
        .read_attributes(contract, CategoryId::new(9200).expect("id"))
        .await
        .expect("contract attributes")
        .get("Acknowledgment Status")
        .cloned()
}

pub async fn ack_status(world: &World) -> Option<AttributeValue> {
    status_of(world, world.contract).await
}

pub fn text(value: &str) -> AttributeValue {
    AttributeValue::Text(value.into())
}

pub async fn evidence_in(world: &World, contract: NodeId) -> Vec<(String, NodeId)> {
    let children = world.xecm.list_children(contract).await.expect("children");
    let Some(folder) = children.into_iter().find(|c| c.name == "Acknowledgments") else {
        return Vec::new();
    };
    world
        .xecm
        .list_children(folder.id)
        .await
        .expect("evidence")
        .into_iter()
        .map(|d| (d.name, d.id))
        .collect()
}

pub async fn evidence_documents(world: &World) -> Vec<(String, NodeId)> {
    evidence_in(world, world.contract).await
}

pub async fn content(world: &World, document: NodeId) -> String {
    let download = world
        .xecm
        .download_document(document)
        .await
        .expect("download");
    let chunks: Vec<bytes::Bytes> = download.body.try_collect().await.expect("bytes");
    String::from_utf8(chunks.concat()).expect("utf-8")
}

/// The answer event of one share, from the TG event feed.
pub async fn answer_event(world: &World, event_type: EventType, share_id: &str) -> Event {
    world
        .tg
        .events_after(None, Some(500))
        .await
        .expect("events")
        .items
        .into_iter()
        .rev()
        .find(|e| {
            e.event_type == event_type
                && e.share_answered()
                    .is_some_and(|a| a.share_id.as_str() == share_id)
        })
        .expect("the event is in the feed")
}

pub async fn latest_event(world: &World, event_type: EventType) -> Event {
    world
        .tg
        .events_after(None, Some(500))
        .await
        .expect("events")
        .items
        .into_iter()
        .rev()
        .find(|e| e.event_type == event_type)
        .expect("the event is in the feed")
}

pub fn signed_webhook(world: &World, body: &[u8], secret: &str) -> HttpRequest {
    gridlink_tests::stack::signed_tg_webhook(NAME, body, secret, world.clock.unix_seconds())
}

/// Delivers a TG event as a signed webhook; the 202 body.
pub async fn deliver(world: &World, event: &Event) -> serde_json::Value {
    let request = signed_webhook(
        world,
        &serde_json::to_vec(event).expect("json"),
        WEBHOOK_SECRET,
    );
    match world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect("the webhook is accepted")
    {
        Reply::Http(response) => {
            assert_eq!(response.status, 202);
            serde_json::from_slice(&response.body).expect("json")
        }
        Reply::Scheduled(_) => panic!("a webhook answers over HTTP"),
    }
}

/// An xECM push of `body`, signed with `secret`.
pub fn push_request(world: &World, body: &[u8], secret: &str) -> HttpRequest {
    gridlink_tests::stack::signed_xecm_push(NAME, body, secret, world.clock.unix_seconds())
}

/// Revoked / active status of a share as the tenant sees it.
pub async fn share_status(world: &World, share_id: &str) -> String {
    use gridlink_tgrid::Shares;
    let share = world
        .tg
        .share(&gridlink_tgrid::ShareId::new(share_id))
        .await
        .expect("share");
    serde_json::to_value(share.status)
        .expect("json")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The messages of a thread, as the partner reads them.
pub async fn partner_messages(
    world: &World,
    partner: &str,
    thread: &str,
) -> Vec<serde_json::Value> {
    let page: serde_json::Value = reqwest::Client::new()
        .get(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/{partner}/threads/{thread}/messages"
                ))
                .expect("url"),
        )
        .send()
        .await
        .expect("messages")
        .error_for_status()
        .expect("200")
        .json()
        .await
        .expect("json");
    page["items"].as_array().cloned().unwrap_or_default()
}
