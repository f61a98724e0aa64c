//! A case that keeps changing after it was mirrored: action requests with due dates, new
//! versions of shared documents, a document unflagged. Simulators on loopback, storage on
//! files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use futures::TryStreamExt;
use gridlink_lambda::{Handler, Invocation, ScheduleFiring};
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::{Attachments, Collaboration, ThreadId};
use gridlink_xecm::{
    AttributeValue, BytesSource, CategoryId, NamedAttributes, NewVersion, NodeId, Workspaces,
};
use serde_json::Value;
use time::PrimitiveDateTime;
use time::macros::datetime;

/// Writes the case's `Partner Actions` rows: (request, kind, due).
async fn request_actions(world: &World, rows: &[(&str, &str, PrimitiveDateTime)]) {
    let rows = rows
        .iter()
        .map(|(request, kind, due)| {
            let mut row = NamedAttributes::new();
            row.insert("Request".into(), (*request).into());
            row.insert("Kind".into(), (*kind).into());
            row.insert("Due".into(), AttributeValue::Date(*due));
            row
        })
        .collect();
    let mut values = NamedAttributes::new();
    values.insert("Partner Actions".into(), AttributeValue::Rows(rows));
    world
        .xecm
        .write_attributes(world.case, CategoryId::new(9300).expect("id"), &values)
        .await
        .expect("the case worker saves the actions");
}

/// The action requests in the thread as the partner sees them.
async fn partner_action_requests(world: &World, thread: &ThreadId) -> Vec<Value> {
    partner_view(world, thread)
        .await
        .into_iter()
        .filter(|m| m.get("action_request").is_some_and(|a| !a.is_null()))
        .collect()
}

async fn an_action_request_is_posted_once_and_again_once_when_its_due_date_moves(stack: Stack) {
    let world = world(stack, None).await;
    request_actions(
        &world,
        &[(
            "Send a credit note for 12 pallets",
            "Send credit note",
            datetime!(2026-12-05 00:00),
        )],
    )
    .await;
    let summary = poll(&world).await;
    let thread = case_thread(&world).await;
    let requests = partner_action_requests(&world, &thread).await;
    assert_eq!(requests.len(), 1, "{summary}");
    assert_eq!(
        requests[0]["action_request"],
        serde_json::json!({"kind": "send_credit_note", "due_at": "2026-12-05T23:59:59Z"}),
        "the partner sees the kind and the end of the due day"
    );
    assert!(
        requests[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("Send a credit note for 12 pallets")),
        "{}",
        requests[0]
    );

    poll(&world).await;
    assert_eq!(
        partner_action_requests(&world, &thread).await.len(),
        1,
        "a replayed sync posts no second request"
    );

    request_actions(
        &world,
        &[
            (
                "Send a credit note for 12 pallets",
                "Send credit note",
                datetime!(2026-12-12 00:00),
            ),
            (
                "Confirm the new delivery date",
                "confirm_ship_date",
                datetime!(2026-12-01 12:00),
            ),
        ],
    )
    .await;
    poll(&world).await;
    poll(&world).await;
    let requests = partner_action_requests(&world, &thread).await;
    assert_eq!(
        requests.len(),
        3,
        "one update for the moved due date, one new request: {requests:#?}"
    );
    let update = requests
        .iter()
        .find(|m| m["structured"]["revision"] == 2)
        .expect("the moved due date is posted as revision 2");
    assert_eq!(update["action_request"]["due_at"], "2026-12-12T23:59:59Z");
    assert_eq!(
        update["structured"]["previous_due_at"],
        "2026-12-05T23:59:59Z"
    );
    assert_eq!(
        update["structured"]["action_request_id"], requests[0]["structured"]["action_request_id"],
        "the update names the request it supersedes"
    );
    let confirm = requests
        .iter()
        .find(|m| m["action_request"]["kind"] == "confirm_ship_date")
        .expect("the second request");
    assert_eq!(
        confirm["action_request"]["due_at"], "2026-12-01T12:00:00Z",
        "a due date with a time is taken as UTC"
    );
}

async fn a_new_version_is_shared_once_and_an_unflagged_document_no_longer_leaves_xecm(
    stack: Stack,
) {
    let world = world(stack, None).await;
    let (photo, letter) = select_documents(&world).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    assert_eq!(
        shared_file_names(&world, &thread).await,
        ["Claim letter.txt", "Delivery photo.txt"]
    );

    add_version(&world, letter, "we claim 14 pallets").await;
    let mut unflag = NamedAttributes::new();
    unflag.insert("Share with partner".into(), AttributeValue::Boolean(false));
    world
        .xecm
        .write_attributes(photo, CategoryId::new(9500).expect("id"), &unflag)
        .await
        .expect("unflag");
    add_version(&world, photo, "photo with the internal damage notes").await;
    let summary = poll(&world).await;
    assert_eq!(
        summary["polled"]["cases"][0]["documents_shared"],
        serde_json::json!([{"document_id": letter.get(), "version": 2}]),
        "{summary}"
    );
    poll(&world).await;
    assert_eq!(
        shared_file_names(&world, &thread).await,
        ["Claim letter.txt", "Claim letter.txt", "Delivery photo.txt"],
        "version 2 of the letter once; nothing more of the unflagged photo"
    );

    let messages: Vec<_> = world
        .tg
        .messages(&thread)
        .try_collect()
        .await
        .expect("messages");
    let second = messages
        .iter()
        .find(|m| m.body == "Document shared from case: Claim letter.txt (version 2)")
        .expect("the new version is posted");
    let content = attachment_text(&world, second).await;
    assert_eq!(
        content, "we claim 14 pallets",
        "the attachment is version 2"
    );
    let first = messages
        .iter()
        .find(|m| m.body == "Document shared from case: Claim letter.txt")
        .expect("version 1 stays");
    assert_eq!(attachment_text(&world, first).await, "we claim 12 pallets");
    for message in &messages {
        for id in &message.attachment_ids {
            let text = attachment_content(&world, id).await;
            assert!(
                !text.contains("internal") && !text.contains("penalty"),
                "nothing internal reached TG: {text}"
            );
        }
    }
}

async fn add_version(world: &World, document: NodeId, content: &'static str) {
    let node = world.xecm.get_node(document).await.expect("node");
    world
        .xecm
        .add_document_version(
            document,
            &NewVersion {
                file_name: node.name,
                ..NewVersion::default()
            },
            &BytesSource(content.into()),
        )
        .await
        .expect("a case worker adds a version");
}

async fn attachment_text(world: &World, message: &gridlink_tgrid::model::Message) -> String {
    let [id] = message.attachment_ids.as_slice() else {
        panic!("one attachment per shared version: {message:?}");
    };
    attachment_content(world, id).await
}

async fn attachment_content(world: &World, id: &gridlink_tgrid::AttachmentId) -> String {
    let bytes = world
        .tg
        .attachment_content(id, None)
        .await
        .expect("content")
        .stream
        .map_ok(|chunk| chunk.to_vec())
        .try_concat()
        .await
        .expect("bytes");
    String::from_utf8(bytes).expect("text")
}

async fn a_crash_after_posting_an_action_request_posts_it_once(aws: bool) {
    for kind in [
        "tg-case-action",
        "tg-case-attachment",
        "tg-case-document-message",
    ] {
        let stack = if aws {
            Stack::start(Storage::Moto).await
        } else {
            Stack::start(Storage::Embedded).await
        };
        let world = world(stack, None).await;
        let (_, letter) = select_documents(&world).await;
        poll(&world).await;
        let thread = case_thread(&world).await;
        // Arm the crash only now, for the effects of the second sync.
        let world = rearm(world, kind);
        add_version(&world, letter, "we claim 14 pallets").await;
        request_actions(
            &world,
            &[(
                "Send a credit note",
                "send_credit_note",
                datetime!(2026-12-05 00:00),
            )],
        )
        .await;
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
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        poll(&world).await;
        poll(&world).await;
        assert_eq!(
            partner_action_requests(&world, &thread).await.len(),
            1,
            "one action request after a crash after {kind}"
        );
        assert_eq!(
            shared_file_names(&world, &thread).await,
            ["Claim letter.txt", "Claim letter.txt", "Delivery photo.txt"],
            "one new version after a crash after {kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_update_effect_leaves_exactly_one_of_each_on_embedded_storage() {
    a_crash_after_posting_an_action_request_posts_it_once(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_update_effect_leaves_exactly_one_of_each_on_aws_storage() {
    a_crash_after_posting_an_action_request_posts_it_once(true).await;
}

gridlink_tests::on_both_stacks!(
    an_action_request_is_posted_once_and_again_once_when_its_due_date_moves,
    a_new_version_is_shared_once_and_an_unflagged_document_no_longer_leaves_xecm,
);
