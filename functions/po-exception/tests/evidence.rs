//! Evidence on the published message: the PO document (`EVIDENCE_FOLDERS`) and what the
//! buyer selects in the row's `Evidence` are streamed from xECM to Trading Grid as
//! attachments of the exception's message, each once, listed with their SHA-256 on the
//! timeline; a selected path that is not there parks the row naming it. Simulators on
//! loopback; storage on files + SQLite and on S3 + DynamoDB.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::*;
use futures::TryStreamExt;
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::AttachmentId;
use gridlink_tgrid::ports::Attachments;
use gridlink_xecm::{AttributeValue, BytesSource, DocumentSpec, Workspaces};
use serde_json::Value;

const PO_DOCUMENT: &str = "Purchase order 4500001234 for Acme Industrial Supplies\n";
const PHOTO: &[u8] = b"photo of the price list, 0.08 EUR per nut\n";

async fn attachment_text(world: &World, id: &str) -> String {
    let download = world
        .tg
        .attachment_content(&AttachmentId::new(id), None)
        .await
        .expect("content");
    let chunks: Vec<Bytes> = download.stream.try_collect().await.expect("bytes");
    String::from_utf8(chunks.concat()).expect("text")
}

fn attachment_ids(message: &Value) -> Vec<String> {
    message["attachment_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    gridlink_flow::payload_hash(bytes)
}

async fn the_po_document_and_the_buyers_selection_are_attached_once(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    let messages = partner_messages(&world, "prt_acme", &thread).await;
    assert_eq!(messages.len(), 1);
    let ids = attachment_ids(&messages[0]);
    assert_eq!(ids.len(), 1, "the PO document: {}", messages[0]);
    assert_eq!(attachment_text(&world, &ids[0]).await, PO_DOCUMENT);
    assert_eq!(
        messages[0]["structured"]["evidence"][0]["name"],
        "PO 4500001234.txt"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let published = tl["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["state"] == "published")
        .cloned()
        .expect("published entry");
    assert_eq!(
        published["files"][0]["sha256"],
        sha256(PO_DOCUMENT.as_bytes())
    );
    assert_eq!(published["tg"]["attachment_ids"][0], ids[0].as_str());

    // The buyer adds a photo from the workspace's `Evidence` folder: republished once, with
    // both files.
    world
        .xecm
        .file_document(
            world.acme_order,
            "Evidence",
            &DocumentSpec {
                name: "Price list photo.txt".into(),
                description: "the buyer's evidence".into(),
                file_name: None,
                mime_type: Some("text/plain".into()),
                categories: Vec::new(),
            },
            &BytesSource(Bytes::from_static(PHOTO)),
        )
        .await
        .expect("filed");
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Evidence",
        AttributeValue::Multi(vec!["Evidence/Price list photo.txt".into()]),
    )
    .await;
    poll(&world).await;
    poll(&world).await;
    let messages = partner_messages(&world, "prt_acme", &thread).await;
    assert_eq!(messages.len(), 2, "republished once for the new selection");
    let ids = attachment_ids(&messages[1]);
    assert_eq!(ids.len(), 2, "{}", messages[1]);
    let mut texts = Vec::new();
    for id in &ids {
        texts.push(attachment_text(&world, id).await);
    }
    texts.sort();
    assert_eq!(
        texts,
        [
            PO_DOCUMENT.to_owned(),
            String::from_utf8(PHOTO.to_vec()).expect("text")
        ]
    );

    // A selection naming something the workspace does not have: parked, naming it.
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Evidence",
        AttributeValue::Multi(vec!["Evidence/missing.pdf".into()]),
    )
    .await;
    let polled = poll(&world).await;
    assert!(
        polled["polled"]["parked"]
            .to_string()
            .contains("`Evidence` names \\\"Evidence/missing.pdf\\\""),
        "{polled}"
    );
    assert!(
        status_of(&world, world.acme_order, ACME_EXC)
            .await
            .starts_with("Parked: `Evidence`")
    );
    assert_eq!(
        partner_messages(&world, "prt_acme", &thread).await.len(),
        2,
        "nothing published"
    );
}

async fn no_evidence_folders_attach_nothing(stack: Stack) {
    let world = world_with(stack, None, |c| c.evidence_folders.clear()).await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    let messages = partner_messages(&world, "prt_acme", &thread).await;
    assert!(attachment_ids(&messages[0]).is_empty(), "{}", messages[0]);
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    the_po_document_and_the_buyers_selection_are_attached_once,
    no_evidence_folders_attach_nothing,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_an_upload_or_the_post_uploads_and_posts_once() {
    for kind in ["tg-pox-evidence", "tg-pox-publish"] {
        let world = world_with(stack_on(Storage::Embedded).await, Some(kind), |_| {}).await;
        for _ in 0..4 {
            match fire(&world, "po-exception-poll-xecm").await {
                Ok(_) => break,
                Err(error) => {
                    println!("the poll failed (expected once after a crash): {error:?}");
                    world.stack.ledger_clock.advance(Duration::from_secs(3600));
                }
            }
        }
        poll(&world).await;
        let (_, thread) = acme_thread(&world).await;
        let messages = partner_messages(&world, "prt_acme", &thread).await;
        assert_eq!(
            messages.len(),
            1,
            "one publication after a crash after {kind}"
        );
        assert_eq!(
            attachment_ids(&messages[0]).len(),
            1,
            "one attachment after a crash after {kind}"
        );
    }
}
