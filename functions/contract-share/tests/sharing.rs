//! contract-share end to end: xecm-sim and tgrid-sim on loopback, real clients, storage on
//! files + SQLite and on S3 + DynamoDB (moto).

use std::sync::Arc;
use std::time::Duration;

use contract_share::{ContractShare, ContractShareConfig, NAME};
use futures::TryStreamExt;
use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_core::retry::RetryPolicy;
use gridlink_flow::{EffectKey, FaultInjector, Platform, Secrets};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply, ScheduleFiring};
use gridlink_store::testing::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
};
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::{EventFeed, TenantId, TgClient, TgConfig};
use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NodeId, WorkspaceTypeId, Workspaces, XecmAuth, XecmClient, XecmConfig,
};
use secrecy::SecretString;
use sha2::Digest;

const WEBHOOK_SECRET: &str = "contract-share-test-webhook-secret";
const APPROVED_TEXT: &str = "Framework agreement 2026, signed version: prices fixed until Q4.\n";

struct World {
    function: ContractShare,
    xecm: XecmClient,
    tg: TgClient,
    tg_base: url::Url,
    contract: NodeId,
    _xecm_sim: gridlink_xecm_sim::RunningSim,
    _tg_sim: gridlink_tgrid_sim::RunningSim,
    _blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
}

/// Crashes once, after the first effect of the armed kind ran and before it was confirmed.
#[derive(Debug)]
struct CrashAfter(std::sync::Mutex<Option<String>>);

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

async fn world(blobs: BlobsUnderTest, ledger: LedgerUnderTest) -> World {
    world_crashing_after(blobs, ledger, None).await
}

async fn world_crashing_after(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
    crash_after: Option<&str>,
) -> World {
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let seed = serde_json::from_str(include_str!("../../../local/xecm-sim/seeds/demo.json"))
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
    let clock: SharedClock = Arc::new(SystemClock);
    let mut platform = Platform::assemble(
        NAME,
        clock,
        blobs.store.clone(),
        ledger.ledger.clone(),
        Arc::new(xecm.clone()),
        Arc::new(TgClient::new(tg_config()).expect("tg client")),
        Secrets {
            tg_webhook: SecretString::from(WEBHOOK_SECRET),
            xecm_push: Some(SecretString::from("push")),
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
    let contract = xecm
        .find_workspace_by_attribute(&AttributeLookup {
            workspace_type: WorkspaceTypeId::new(41).expect("id"),
            category: CategoryId::new(9200).expect("id"),
            attribute: "Contract Number".into(),
            value: "4600000012".into(),
        })
        .await
        .expect("lookup")
        .expect("the demo contract exists")
        .id;
    let function = ContractShare::new(platform, ContractShareConfig::demo(), xecm.clone());
    World {
        function,
        xecm,
        tg,
        tg_base: tg_sim.base_url.clone(),
        contract,
        _xecm_sim: xecm_sim,
        _tg_sim: tg_sim,
        _blobs: blobs,
        ledger,
    }
}

/// Files an approved and a draft document into the contract; returns (approved, draft).
async fn file_contract_documents(world: &World) -> (NodeId, NodeId) {
    let approval = |status: &str| {
        let mut values = NamedAttributes::new();
        values.insert(
            "Approval Status".into(),
            AttributeValue::Text(status.into()),
        );
        vec![(CategoryId::new(9500).expect("id"), values)]
    };
    let approved = DocumentSpec {
        name: "Framework Agreement signed.txt".into(),
        categories: approval("Approved"),
        ..DocumentSpec::default()
    };
    let approved = world
        .xecm
        .file_document(
            world.contract,
            "Signed",
            &approved,
            &BytesSource(APPROVED_TEXT.into()),
        )
        .await
        .expect("approved document")
        .document
        .id;
    let draft = DocumentSpec {
        name: "Amendment draft.txt".into(),
        categories: approval("In Review"),
        ..DocumentSpec::default()
    };
    let draft = world
        .xecm
        .file_document(
            world.contract,
            "Drafts",
            &draft,
            &BytesSource("draft: penalty clause to be negotiated\n".into()),
        )
        .await
        .expect("draft document")
        .document
        .id;
    (approved, draft)
}

async fn poll(world: &World) -> serde_json::Value {
    let firing = ScheduleFiring {
        schedule: "contract-share-poll-xecm".into(),
        scheduled_at: None,
    };
    match world
        .function
        .handle(Invocation::Schedule(firing))
        .await
        .expect("the poll succeeds")
    {
        Reply::Scheduled(summary) => summary,
        Reply::Http(_) => panic!("a schedule answers with a summary"),
    }
}

/// The shares the partner sees, through the simulator's partner view.
async fn partner_shares(world: &World) -> Vec<serde_json::Value> {
    let page: serde_json::Value = reqwest::Client::new()
        .get(
            world
                .tg_base
                .join("__sim/partners/prt_acme/shares")
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

async fn ack_status(world: &World) -> Option<AttributeValue> {
    world
        .xecm
        .read_attributes(world.contract, CategoryId::new(9200).expect("id"))
        .await
        .expect("contract attributes")
        .get("Acknowledgment Status")
        .cloned()
}

async fn evidence_documents(world: &World) -> Vec<(String, NodeId)> {
    let children = world
        .xecm
        .list_children(world.contract)
        .await
        .expect("children");
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

async fn content(world: &World, document: NodeId) -> String {
    let download = world
        .xecm
        .download_document(document)
        .await
        .expect("download");
    let chunks: Vec<bytes::Bytes> = download.body.try_collect().await.expect("bytes");
    String::from_utf8(chunks.concat()).expect("utf-8")
}

async fn latest_event(world: &World, event_type: EventType) -> Event {
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

async fn deliver(world: &World, event: &Event) -> serde_json::Value {
    let body = serde_json::to_vec(event).expect("json");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = gridlink_core::webhook::sign(WEBHOOK_SECRET.as_bytes(), now, &body);
    let request = HttpRequest {
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
    };
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

async fn an_approved_version_is_shared_once_and_an_unapproved_one_never(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let (approved, draft) = file_contract_documents(&world).await;

    let first = poll(&world).await;
    let shared = first["polled"]["shared"].as_array().expect("shared list");
    assert_eq!(shared.len(), 1, "exactly one version shared: {first}");
    assert_eq!(shared[0]["document_id"], approved.get());
    assert_eq!(shared[0]["version"], 1);
    assert_eq!(shared[0]["partner_id"], "prt_acme");
    let expected_sha = hex::encode(sha2::Sha256::digest(APPROVED_TEXT.as_bytes()));
    assert_eq!(shared[0]["sha256"], expected_sha.as_str());

    let shares = partner_shares(&world).await;
    assert_eq!(shares.len(), 1, "the partner sees one share: {shares:?}");
    let share = &shares[0];
    assert_eq!(share["ack_required"], true);
    assert_eq!(share["external_ref"]["system"], "xecm");
    assert_eq!(share["external_ref"]["id"], approved.to_string().as_str());
    assert!(
        !share.to_string().contains(&draft.to_string()),
        "the draft is not referenced by the share"
    );
    let due = time::OffsetDateTime::parse(
        share["due_at"].as_str().expect("due date"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    let days = (due - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((13 * 24..=14 * 24).contains(&days), "due in 14 days: {due}");
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Pending".into()))
    );

    let second = poll(&world).await;
    assert_eq!(
        second["polled"]["shared"].as_array().map(Vec::len),
        Some(0),
        "a second poll shares nothing more: {second}"
    );
    assert_eq!(partner_shares(&world).await.len(), 1);
}

async fn a_partner_acknowledgment_is_filed_once_as_evidence_with_the_shared_hash(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let shares = partner_shares(&world).await;
    let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();

    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/shares/{share_id}/acknowledge"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({"by": "Jane Partner", "comment": "Agreed as signed."}))
        .send()
        .await
        .expect("acknowledge")
        .error_for_status()
        .expect("the partner acknowledges");
    let event = latest_event(&world, EventType::ShareAcknowledged).await;

    let answer = deliver(&world, &event).await;
    assert_eq!(answer["duplicate"], false);
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
    let text = content(&world, evidence[0].1).await;
    let expected_sha = hex::encode(sha2::Sha256::digest(APPROVED_TEXT.as_bytes()));
    for line in [
        "Decision: acknowledged".to_owned(),
        "Partner: prt_acme".to_owned(),
        "By: Jane Partner".to_owned(),
        "Comment: Agreed as signed.".to_owned(),
        format!("Share: {share_id}"),
        format!("SHA-256 of the version shared: {expected_sha}"),
    ] {
        assert!(text.contains(&line), "evidence has {line:?}:\n{text}");
    }
    assert!(text.contains("\nAt: 20"), "evidence has the time:\n{text}");
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Acknowledged".into()))
    );

    let again = deliver(&world, &event).await;
    assert_eq!(again["duplicate"], true, "a redelivery is recognised");
    let refiled = world
        .function
        .file_evidence(&event)
        .await
        .expect("processing the same answer again");
    assert_eq!(refiled.document_id, Some(evidence[0].1.get()));
    assert_eq!(
        evidence_documents(&world).await.len(),
        1,
        "nothing is filed twice"
    );
    poll(&world).await;
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Acknowledged".into())),
        "a later poll does not reset the status to Pending"
    );
}

async fn a_decline_is_filed_as_evidence_and_sets_declined(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let shares = partner_shares(&world).await;
    let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();
    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/shares/{share_id}/decline"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({"by": "Jane Partner", "comment": "Clause 7 is wrong."}))
        .send()
        .await
        .expect("decline")
        .error_for_status()
        .expect("the partner declines");
    let event = latest_event(&world, EventType::ShareDeclined).await;
    deliver(&world, &event).await;
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
    let text = content(&world, evidence[0].1).await;
    assert!(text.contains("Decision: declined"), "{text}");
    assert!(text.contains("Comment: Clause 7 is wrong."), "{text}");
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Declined".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_signed_webhook_is_refused_and_files_nothing() {
    let world = world(fs_blobs().await, sqlite_ledger().await).await;
    let body = br#"{"event_id":"evt_forged","event_type":"share.acknowledged","data":{}}"#.to_vec();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let request = HttpRequest {
        method: "POST".into(),
        path: "/contract-share/tg/events".into(),
        query: Vec::new(),
        headers: [
            ("tg-timestamp".to_owned(), now.to_string()),
            (
                "tg-signature".to_owned(),
                gridlink_core::webhook::sign(b"not-the-secret", now, &body),
            ),
        ]
        .into(),
        body,
        request_id: None,
    };
    let error = world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect_err("a forged webhook is refused");
    assert_eq!(error.kind.http_status(), 401);
    assert!(evidence_documents(&world).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_push_route_and_the_reminder_schedule_answer_not_implemented() {
    let world = world(fs_blobs().await, sqlite_ledger().await).await;
    let firing = ScheduleFiring {
        schedule: "contract-share-ack-reminders".into(),
        scheduled_at: None,
    };
    let error = world
        .function
        .handle(Invocation::Schedule(firing))
        .await
        .expect_err("reminders are not built");
    assert_eq!(error.kind.lambda_error_type(), "NonRetryable");
    let request = HttpRequest {
        method: "POST".into(),
        path: "/contract-share/xecm/events".into(),
        query: Vec::new(),
        headers: [("content-type".to_owned(), "application/json".to_owned())].into(),
        body: b"{}".to_vec(),
        request_id: None,
    };
    let error = world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect_err("the push route is not built");
    assert_eq!(error.kind.http_status(), 501);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_share_and_one_evidence_document() {
    for kind in ["tg-share", "xecm-ack-pending", "xecm-ack-evidence"] {
        let world = world_crashing_after(fs_blobs().await, sqlite_ledger().await, Some(kind)).await;
        file_contract_documents(&world).await;
        let firing = ScheduleFiring {
            schedule: "contract-share-poll-xecm".into(),
            scheduled_at: None,
        };
        let first = world.function.handle(Invocation::Schedule(firing)).await;
        if kind == "xecm-ack-evidence" {
            first.expect("the poll succeeds");
        } else {
            assert!(
                first.is_err(),
                "the injected crash after {kind} fails the poll"
            );
            world.ledger.clock.advance(Duration::from_secs(3600));
            poll(&world).await;
        }
        let shares = partner_shares(&world).await;
        assert_eq!(shares.len(), 1, "one share after a crash after {kind}");
        assert_eq!(
            ack_status(&world).await,
            Some(AttributeValue::Text("Pending".into())),
            "Pending after a crash after {kind}"
        );
        if kind != "xecm-ack-evidence" {
            continue;
        }
        let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();
        reqwest::Client::new()
            .post(
                world
                    .tg_base
                    .join(&format!(
                        "__sim/partners/prt_acme/shares/{share_id}/acknowledge"
                    ))
                    .expect("url"),
            )
            .json(&serde_json::json!({"by": "Jane Partner"}))
            .send()
            .await
            .expect("acknowledge")
            .error_for_status()
            .expect("the partner acknowledges");
        let event = latest_event(&world, EventType::ShareAcknowledged).await;
        deliver(&world, &event).await;
        world.ledger.clock.advance(Duration::from_secs(3600));
        let refiled = world
            .function
            .file_evidence(&event)
            .await
            .expect("the re-run after the crash");
        let evidence = evidence_documents(&world).await;
        assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
        assert_eq!(refiled.document_id, Some(evidence[0].1.get()));
        assert_eq!(
            ack_status(&world).await,
            Some(AttributeValue::Text("Acknowledged".into()))
        );
    }
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    an_approved_version_is_shared_once_and_an_unapproved_one_never,
    a_partner_acknowledgment_is_filed_once_as_evidence_with_the_shared_hash,
    a_decline_is_filed_as_evidence_and_sets_declined,
);
