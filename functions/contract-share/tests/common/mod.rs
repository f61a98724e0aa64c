//! The harness the contract-share tests share: xecm-sim and tgrid-sim on loopback, real
//! clients, storage from `gridlink_store::testing`, the function driven through `Handler`.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use contract_share::{ContractShare, ContractShareConfig, NAME};
use futures::TryStreamExt;
use gridlink_core::clock::{Clock, ManualClock, SharedClock};
use gridlink_core::retry::RetryPolicy;
use gridlink_flow::{EffectKey, FaultInjector, Platform, Secrets};
use gridlink_lambda::{FunctionError, Handler, HttpRequest, Invocation, Reply, ScheduleFiring};
use gridlink_store::testing::{BlobsUnderTest, LedgerUnderTest};
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::{EventFeed, TenantId, TgClient, TgConfig};
use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NewVersion, NodeId, WorkspaceTypeId, Workspaces, XecmAuth, XecmClient, XecmConfig,
};
use secrecy::SecretString;

pub const WEBHOOK_SECRET: &str = "contract-share-test-webhook-secret";
pub const PUSH_SECRET: &str = "contract-share-test-push-secret";
pub const APPROVED_TEXT: &str =
    "Framework agreement 2026, signed version: prices fixed until Q4.\n";

pub struct World {
    pub function: ContractShare,
    pub xecm: XecmClient,
    pub tg: TgClient,
    pub tg_base: url::Url,
    pub contract: NodeId,
    /// The function's clock (starts at the real time; the sims keep real time).
    pub clock: Arc<ManualClock>,
    pub _xecm_sim: gridlink_xecm_sim::RunningSim,
    pub _tg_sim: gridlink_tgrid_sim::RunningSim,
    pub _blobs: BlobsUnderTest,
    pub ledger: LedgerUnderTest,
}

/// Crashes once, after the first effect of the armed kind ran and before it was confirmed.
#[derive(Debug)]
pub struct CrashAfter(std::sync::Mutex<Option<String>>);

impl FaultInjector for CrashAfter {
    fn crash_after_effect(&self, key: &EffectKey) -> bool {
        let mut armed = self.0.lock().expect("lock");
        if armed.as_deref() == Some(key.kind()) {
            *armed = None;
            return true;
        }
        false
    }
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_attempts: 3,
        max_elapsed: Duration::from_secs(10),
    }
}

pub async fn world(blobs: BlobsUnderTest, ledger: LedgerUnderTest) -> World {
    world_crashing_after(blobs, ledger, None).await
}

pub async fn world_crashing_after(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
    crash_after: Option<&str>,
) -> World {
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let seed = serde_json::from_str(include_str!("../../../../local/xecm-sim/seeds/demo.json"))
        .expect("seed");
    let xecm_sim = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::Inline(Box::new(seed))),
            ..Default::default()
        },
        loopback,
    )
    .await
    .expect("xecm-sim starts");
    let tg_sim = gridlink_tgrid_sim::start(
        gridlink_tgrid_sim::SimConfig::new(gridlink_tgrid_sim::Seed::demo()),
        loopback,
    )
    .await
    .expect("tgrid-sim starts");
    let mut xecm_config = XecmConfig::new(
        xecm_sim.base_url.as_str(),
        XecmAuth::Password {
            user: "otadmin".into(),
            password: SecretString::from("gridlink-demo"),
        },
    )
    .expect("config");
    xecm_config.retry = fast_retry();
    let xecm = XecmClient::new(xecm_config).expect("xecm client");
    let tg_config = || TgConfig {
        base_url: tg_sim.base_url.clone(),
        tenant_id: TenantId::new("buyerco"),
        client_id: "gridlink-local".into(),
        client_secret: SecretString::from("local-test-secret"),
        retry: fast_retry(),
        timeout: Duration::from_secs(30),
    };
    let tg = TgClient::new(tg_config()).expect("tg client");
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    let shared_clock: SharedClock = clock.clone();
    let mut platform = Platform::assemble(
        NAME,
        shared_clock,
        blobs.store.clone(),
        ledger.ledger.clone(),
        Arc::new(xecm.clone()),
        Arc::new(TgClient::new(tg_config()).expect("tg client")),
        Secrets {
            tg_webhook: SecretString::from(WEBHOOK_SECRET),
            xecm_push: Some(SecretString::from(PUSH_SECRET)),
        },
    );
    if let Some(kind) = crash_after {
        platform.effects =
            platform
                .effects
                .clone()
                .with_faults(Arc::new(CrashAfter(std::sync::Mutex::new(Some(
                    kind.to_owned(),
                )))));
    }
    let contract = contract_numbered(&xecm, "4600000012").await;
    let function = ContractShare::new(platform, ContractShareConfig::demo(), xecm.clone());
    World {
        function,
        xecm,
        tg,
        tg_base: tg_sim.base_url.clone(),
        contract,
        clock,
        _xecm_sim: xecm_sim,
        _tg_sim: tg_sim,
        _blobs: blobs,
        ledger,
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

pub fn signed_webhook(world: &World, body: Vec<u8>, secret: &str) -> HttpRequest {
    let now = world.clock.unix_seconds();
    let signature = gridlink_core::webhook::sign(secret.as_bytes(), now, &body);
    HttpRequest {
        method: "POST".into(),
        path: "/contract-share/tg/events".into(),
        query: Vec::new(),
        headers: [
            ("tg-timestamp".to_owned(), now.to_string()),
            ("tg-signature".to_owned(), signature),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]
        .into(),
        body,
        request_id: None,
    }
}

/// Delivers a TG event as a signed webhook; the 202 body.
pub async fn deliver(world: &World, event: &Event) -> serde_json::Value {
    let request = signed_webhook(
        world,
        serde_json::to_vec(event).expect("json"),
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
    let headers = gridlink_outbound::sign_push(
        &SecretString::from(secret),
        world.clock.unix_seconds(),
        body,
    );
    HttpRequest {
        method: "POST".into(),
        path: "/contract-share/xecm/events".into(),
        query: Vec::new(),
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .chain([("content-type".to_owned(), "application/json".to_owned())])
            .collect(),
        body: body.to_vec(),
        request_id: None,
    }
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
