//! case-collab end to end: xecm-sim and tgrid-sim on loopback, real clients, storage on
//! files + SQLite and on S3 + DynamoDB (moto).

use std::sync::Arc;
use std::time::Duration;

use case_collab::{CaseCollab, CaseCollabConfig, NAME};
use futures::TryStreamExt;
use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_core::retry::RetryPolicy;
use gridlink_flow::{EffectKey, FaultInjector, Platform, Secrets};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply, ScheduleFiring};
use gridlink_store::testing::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
};
use gridlink_tgrid::events::EventType;
use gridlink_tgrid::model::{ExternalRef, SpaceFilter, ThreadStatus};
use gridlink_tgrid::{Collaboration, EventFeed, TenantId, TgClient, TgConfig, ThreadId};
use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NodeId, WorkspaceTypeId, Workspaces, XecmAuth, XecmClient, XecmConfig,
};
use secrecy::SecretString;

const WEBHOOK_SECRET: &str = "case-collab-test-webhook-secret";

struct World {
    function: CaseCollab,
    xecm: XecmClient,
    tg: TgClient,
    tg_base: url::Url,
    case: NodeId,
    _xecm_sim: gridlink_xecm_sim::RunningSim,
    _tg_sim: gridlink_tgrid_sim::RunningSim,
    _blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_attempts: 3,
        max_elapsed: Duration::from_secs(10),
    }
}

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

async fn world(blobs: BlobsUnderTest, ledger: LedgerUnderTest, crash_after: Option<&str>) -> World {
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
    let case = xecm
        .find_workspace_by_attribute(&AttributeLookup {
            workspace_type: WorkspaceTypeId::new(51).expect("id"),
            category: CategoryId::new(9300).expect("id"),
            attribute: "Case Number".into(),
            value: "CASE-2026-0042".into(),
        })
        .await
        .expect("lookup")
        .expect("the demo case exists")
        .id;
    let function = CaseCollab::new(platform, CaseCollabConfig::demo(), Arc::new(xecm.clone()));
    World {
        function,
        xecm,
        tg,
        tg_base: tg_sim.base_url.clone(),
        case,
        _xecm_sim: xecm_sim,
        _tg_sim: tg_sim,
        _blobs: blobs,
        ledger,
    }
}

async fn poll(world: &World) -> serde_json::Value {
    let firing = ScheduleFiring {
        schedule: "case-collab-poll-xecm".into(),
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

async fn select_documents(world: &World) {
    let mut flag = NamedAttributes::new();
    flag.insert("Share with partner".into(), AttributeValue::Boolean(true));
    let flagged = DocumentSpec {
        name: "Delivery photo.txt".into(),
        categories: vec![(CategoryId::new(9500).expect("id"), flag)],
        ..DocumentSpec::default()
    };
    world
        .xecm
        .file_document(
            world.case,
            "Evidence",
            &flagged,
            &BytesSource("photo of damaged pallets".into()),
        )
        .await
        .expect("flagged document");
    let in_folder = DocumentSpec {
        name: "Claim letter.txt".into(),
        ..DocumentSpec::default()
    };
    world
        .xecm
        .file_document(
            world.case,
            "Shared with Partner",
            &in_folder,
            &BytesSource("we claim 12 pallets".into()),
        )
        .await
        .expect("shared-folder document");
}

async fn case_thread(world: &World) -> ThreadId {
    let filter = SpaceFilter {
        partner_id: None,
        external_ref: Some(ExternalRef::new("xecm", world.case.to_string())),
    };
    let spaces: Vec<_> = world
        .tg
        .spaces(&filter)
        .try_collect()
        .await
        .expect("spaces");
    assert_eq!(spaces.len(), 1, "exactly one space mirrors the case");
    assert_eq!(spaces[0].partner_id.as_str(), "prt_acme");
    let values = world
        .xecm
        .read_attributes(world.case, CategoryId::new(9300).expect("id"))
        .await
        .expect("case values");
    assert_eq!(
        values.get("TG Space ID"),
        Some(&AttributeValue::Text(
            spaces[0].space_id.as_str().to_owned()
        )),
        "the workspace links to the space"
    );
    match values.get("TG Thread ID") {
        Some(AttributeValue::Text(thread)) => ThreadId::new(thread),
        other => panic!("the workspace links to the thread, got {other:?}"),
    }
}

async fn shared_file_names(world: &World, thread: &ThreadId) -> Vec<String> {
    let messages: Vec<_> = world
        .tg
        .messages(thread)
        .try_collect()
        .await
        .expect("messages");
    let mut names = Vec::new();
    for message in messages {
        for id in &message.attachment_ids {
            names.push(
                gridlink_tgrid::Attachments::attachment(&world.tg, id)
                    .await
                    .expect("attachment")
                    .file_name,
            );
        }
    }
    names.sort();
    names
}

async fn partner_replies(world: &World, thread: &ThreadId) {
    let form = reqwest::multipart::Form::new()
        .text(
            "body",
            "Pallets were damaged in transit; see the carrier report.",
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"carrier report: 12 pallets crushed".to_vec())
                .file_name("carrier-report.txt")
                .mime_str("text/plain")
                .expect("mime"),
        );
    let url = world
        .tg_base
        .join(&format!(
            "__sim/partners/prt_acme/threads/{}/messages",
            thread.as_str()
        ))
        .expect("url");
    let answer = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .expect("partner posts");
    assert!(
        answer.status().is_success(),
        "partner post answered {}",
        answer.status()
    );
}

async fn deliver_message_posted(world: &World) -> serde_json::Value {
    let page = world
        .tg
        .events_after(None, Some(500))
        .await
        .expect("events");
    let event = page
        .items
        .into_iter()
        .rev()
        .find(|e| e.event_type == EventType::MessagePosted)
        .expect("a message.posted event");
    let body = serde_json::to_vec(&event).expect("json");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = gridlink_core::webhook::sign(WEBHOOK_SECRET.as_bytes(), now, &body);
    let request = HttpRequest {
        method: "POST".into(),
        path: "/case-collab/tg/events".into(),
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
        Reply::Scheduled(_) => panic!("an HTTP request gets an HTTP reply"),
    }
}

async fn reply_folder_documents(world: &World) -> Vec<String> {
    let mut current = world.case;
    for segment in ["Correspondence", "Partner"] {
        let Some(folder) = world
            .xecm
            .list_children(current)
            .await
            .expect("children")
            .into_iter()
            .find(|c| c.name == segment)
        else {
            return Vec::new();
        };
        current = folder.id;
    }
    let mut names: Vec<String> = world
        .xecm
        .list_children(current)
        .await
        .expect("children")
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    names
}

async fn a_partner_case_is_mirrored_and_only_selected_documents_leave_xecm(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger, None).await;
    select_documents(&world).await;
    let summary = poll(&world).await;
    assert!(
        summary["polled"]["cases"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "the case was synced: {summary}"
    );
    let thread = case_thread(&world).await;
    assert_eq!(
        shared_file_names(&world, &thread).await,
        ["Claim letter.txt", "Delivery photo.txt"],
        "the unflagged internal estimate never leaves xECM"
    );

    poll(&world).await;
    assert_eq!(
        shared_file_names(&world, &thread).await.len(),
        2,
        "a second poll shares nothing twice"
    );
    case_thread(&world).await;

    partner_replies(&world, &thread).await;
    let first = deliver_message_posted(&world).await;
    assert_eq!(first["duplicate"], false);
    let filed = reply_folder_documents(&world).await;
    assert_eq!(
        filed.len(),
        2,
        "the reply and its attachment are filed: {filed:?}"
    );
    assert!(
        filed.iter().any(|n| n.ends_with("carrier-report.txt")),
        "{filed:?}"
    );
    assert!(
        filed.iter().any(|n| n.starts_with("Partner reply")
            && std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "txt")
            && n.contains("ACME Supply")),
        "{filed:?}"
    );

    let again = deliver_message_posted(&world).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(
        reply_folder_documents(&world).await.len(),
        2,
        "a redelivery files nothing twice"
    );
}

async fn closing_the_case_resolves_the_thread(blobs: BlobsUnderTest, ledger: LedgerUnderTest) {
    let world = world(blobs, ledger, None).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    let mut closed = NamedAttributes::new();
    closed.insert("Case Status".into(), "Closed".into());
    world
        .xecm
        .write_attributes(world.case, CategoryId::new(9300).expect("id"), &closed)
        .await
        .expect("close");
    poll(&world).await;
    let messages: Vec<_> = world
        .tg
        .messages(&thread)
        .try_collect()
        .await
        .expect("messages");
    assert!(
        messages.iter().any(|m| m.body == "Case status: Closed"),
        "the status change is posted"
    );
    let page = world
        .tg
        .spaces_page(
            &SpaceFilter::default(),
            gridlink_tgrid::PageRequest::default(),
        )
        .await
        .expect("spaces");
    assert!(!page.items.is_empty());
    let threads = reqwest::Client::new()
        .get(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/spaces/{}/threads",
                    page.items[0].space_id.as_str()
                ))
                .expect("url"),
        )
        .send()
        .await
        .expect("threads")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    let status = threads.to_string();
    assert!(
        status.contains(&format!("{:?}", ThreadStatus::Resolved).to_lowercase()),
        "the thread is resolved: {status}"
    );
}

async fn a_crash_after_each_effect_leaves_exactly_one_of_everything(aws: bool) {
    for kind in [
        "tg-space",
        "tg-case-thread",
        "xecm-case-link",
        "tg-case-attachment",
        "tg-case-document-message",
    ] {
        let (blobs, ledger) = if aws {
            (s3_blobs().await, dynamo_ledger().await)
        } else {
            (fs_blobs().await, sqlite_ledger().await)
        };
        let world = world(blobs, ledger, Some(kind)).await;
        select_documents(&world).await;
        let firing = ScheduleFiring {
            schedule: "case-collab-poll-xecm".into(),
            scheduled_at: None,
        };
        assert!(
            world
                .function
                .handle(Invocation::Schedule(firing))
                .await
                .is_err(),
            "the injected crash after {kind} fails the poll"
        );
        world.ledger.clock.advance(Duration::from_secs(3600));
        poll(&world).await;
        let thread = case_thread(&world).await;
        assert_eq!(
            shared_file_names(&world, &thread).await,
            ["Claim letter.txt", "Delivery photo.txt"],
            "after a crash after {kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_of_everything_on_embedded_storage() {
    a_crash_after_each_effect_leaves_exactly_one_of_everything(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_of_everything_on_aws_storage() {
    a_crash_after_each_effect_leaves_exactly_one_of_everything(true).await;
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    a_partner_case_is_mirrored_and_only_selected_documents_leave_xecm,
    closing_the_case_resolves_the_thread,
);
