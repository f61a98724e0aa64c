//! The harness every case-collab test uses: xecm-sim and tgrid-sim on loopback, real
//! clients, the function on a platform over the storage under test, and the steps a case
//! worker or the partner takes.

#![allow(dead_code)] // each test binary uses its own part of the harness

use case_collab::{CaseCollab, CaseCollabConfig, NAME};
use futures::TryStreamExt;
use gridlink_flow::Function;
use gridlink_lambda::{Handler, Invocation, Reply};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::events::EventType;
use gridlink_tgrid::model::{ExternalRef, SpaceFilter};
use gridlink_tgrid::{Collaboration, EventFeed, TgClient, ThreadId};
use gridlink_xecm::{
    AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes, NodeId, Workspaces,
    XecmClient,
};

pub struct World {
    pub function: Function<CaseCollab>,
    pub xecm: XecmClient,
    pub tg: TgClient,
    pub tg_base: url::Url,
    pub case: NodeId,
    pub stack: Stack,
}

/// The world on `stack`: case-collab built through the production configuration path, the
/// demo case found; with `crash_after`, the first effect of that kind "crashes" before its
/// confirmation.
pub async fn world(stack: Stack, crash_after: Option<&str>) -> World {
    if let Some(kind) = crash_after {
        stack.crash.arm(kind);
    }
    let function = CaseCollab::function(
        stack.platform(NAME),
        CaseCollabConfig::from_source(stack.config()).expect("the demo configuration"),
    );
    let case =
        gridlink_tests::kit::workspace_with(&stack.xecm, 51, 9300, "Case Number", "CASE-2026-0042")
            .await;
    World {
        function,
        xecm: stack.xecm.clone(),
        tg: stack.tg.clone(),
        tg_base: stack.tg_sim.base_url.clone(),
        case,
        stack,
    }
}

pub async fn poll(world: &World) -> serde_json::Value {
    gridlink_tests::kit::fire(&world.function, "case-collab-poll-xecm")
        .await
        .expect("the poll succeeds")
}

/// Files the two documents a case worker selects for the partner — `Evidence › Delivery
/// photo.txt` flagged `Share with partner`, `Shared with Partner › Claim letter.txt` — and
/// answers their ids (flagged, in the folder).
pub async fn select_documents(world: &World) -> (NodeId, NodeId) {
    let mut flag = NamedAttributes::new();
    flag.insert("Share with partner".into(), AttributeValue::Boolean(true));
    let flagged = DocumentSpec {
        name: "Delivery photo.txt".into(),
        categories: vec![(CategoryId::new(9500).expect("id"), flag)],
        ..DocumentSpec::default()
    };
    let photo = world
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
    let letter = world
        .xecm
        .file_document(
            world.case,
            "Shared with Partner",
            &in_folder,
            &BytesSource("we claim 12 pallets".into()),
        )
        .await
        .expect("shared-folder document");
    (photo.document.id, letter.document.id)
}

/// The thread's messages as the partner sees them in the TG simulator's partner view.
pub async fn partner_view(world: &World, thread: &ThreadId) -> Vec<serde_json::Value> {
    let url = world
        .tg_base
        .join(&format!(
            "__sim/partners/prt_acme/threads/{}/messages?limit=500",
            thread.as_str()
        ))
        .expect("url");
    let page: serde_json::Value = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("partner reads the thread")
        .json()
        .await
        .expect("json");
    page["items"].as_array().cloned().unwrap_or_default()
}

pub async fn case_thread(world: &World) -> ThreadId {
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

pub async fn shared_file_names(world: &World, thread: &ThreadId) -> Vec<String> {
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

pub async fn partner_replies(world: &World, thread: &ThreadId) {
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
    partner_posts(world, thread, form).await;
}

/// ACME posts `form` (a text `body` and `file` parts) as a message in `thread`, through the
/// TG simulator's partner side.
pub async fn partner_posts(world: &World, thread: &ThreadId, form: reqwest::multipart::Form) {
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

pub async fn deliver_message_posted(world: &World) -> serde_json::Value {
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
    let request = gridlink_tests::stack::tg_webhook_now(NAME, &body);
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

pub async fn reply_folder_documents(world: &World) -> Vec<String> {
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

/// Arms a crash after the next effect of `kind` (after the effect, before its
/// confirmation), for a step taken after the world was set up.
pub fn rearm(world: World, kind: &str) -> World {
    world.stack.crash.arm(kind);
    world
}
