//! Partners, spaces, threads and messages through the client, with partner replies.

mod common;

use common::{key, start};
use futures::TryStreamExt;
use gridlink_tgrid::model::{
    AuthorKind, ExternalRef, NewMessage, NewSpace, NewThread, PartnerFilter, SpaceFilter,
    ThreadKind, ThreadStatus,
};
use gridlink_tgrid::{Collaboration, PageRequest, PartnerId, Partners, PartyId, SpaceId, TgError};
use gridlink_tgrid_sim::controls::FileArg;

fn new_space(partner: &str, workspace: &str) -> NewSpace {
    NewSpace {
        partner_id: PartnerId::new(partner),
        title: format!("PO exceptions {workspace}"),
        external_ref: Some(ExternalRef::new("xecm", workspace)),
        context: Some(serde_json::json!({"po_number": "PO-1001"})),
    }
}

#[tokio::test]
async fn partners_are_listed_filtered_paged_and_read() {
    let h = start().await;
    let all: Vec<_> = h
        .client
        .partners(&PartnerFilter::default())
        .try_collect()
        .await
        .expect("list");
    // The demo seed's partners (tgrid-sim/seeds/demo.json), every one of them.
    assert_eq!(all.len(), gridlink_tgrid_sim::Seed::demo().partners.len());
    assert!(all.len() > 3, "enough partners to page through");
    let page = h
        .client
        .partners_page(
            &PartnerFilter::default(),
            PageRequest {
                limit: Some(3),
                cursor: None,
            },
        )
        .await
        .expect("page");
    assert_eq!(page.items.len(), 3);
    assert!(page.next_cursor.is_some());
    let by_address = PartnerFilter {
        name: None,
        edi_address: Some(PartyId::new("ZZ", "GLOBEXLOG")),
    };
    let found: Vec<_> = h
        .client
        .partners(&by_address)
        .try_collect()
        .await
        .expect("filtered");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "Globex Logistics");
    let by_name = PartnerFilter {
        name: Some("initech".into()),
        edi_address: None,
    };
    let found: Vec<_> = h
        .client
        .partners(&by_name)
        .try_collect()
        .await
        .expect("by name");
    assert_eq!(found[0].partner_id.as_str(), "prt_initech");
    let limit = h
        .client
        .partners_page(
            &PartnerFilter::default(),
            PageRequest {
                limit: Some(501),
                cursor: None,
            },
        )
        .await;
    assert!(
        matches!(limit, Err(TgError::Api { status: 400, .. })),
        "{limit:?}"
    );
}

#[tokio::test]
async fn a_thread_carries_messages_from_both_sides_with_attachments() {
    let h = start().await;
    let space = h
        .client
        .open_space(&key("space-1"), &new_space("prt_acme", "12345"))
        .await
        .expect("space");
    assert_eq!(
        h.client.space(&space.space_id).await.expect("get").title,
        "PO exceptions 12345"
    );
    let thread = h
        .client
        .open_thread(
            &key("thread-1"),
            &space.space_id,
            &NewThread {
                subject: "PO-1001 short shipment".into(),
                kind: ThreadKind::PoException,
                external_ref: None,
            },
        )
        .await
        .expect("thread");
    assert_eq!(thread.status, ThreadStatus::Open);
    let mine = NewMessage {
        body: "Line 2 arrived 40 short".into(),
        attachment_ids: Vec::new(),
        structured: Some(
            serde_json::json!({"exception_lines": [{"line": 2, "expected": 100, "actual": 60}]}),
        ),
        action_request: None,
    };
    let posted = h
        .client
        .post_message(&key("msg-1"), &thread.thread_id, &mine)
        .await
        .expect("post");
    assert_eq!(posted.author.kind, AuthorKind::Internal);

    let dir = tempfile::tempdir().expect("tmp");
    let packing = dir.path().join("packing-list.pdf");
    std::fs::write(&packing, b"%PDF-1.7 packing list").expect("write");
    h.controls
        .reply(
            "prt_acme",
            thread.thread_id.as_str(),
            "Remaining 40 ship Friday",
            None,
            &[FileArg::new(&packing)],
        )
        .await
        .expect("reply");

    let messages: Vec<_> = h
        .client
        .messages(&thread.thread_id)
        .try_collect()
        .await
        .expect("messages");
    assert_eq!(messages.len(), 2);
    let reply = &messages[1];
    assert_eq!(reply.author.kind, AuthorKind::Partner);
    assert_eq!(reply.author.name.as_deref(), Some("ACME Supply"));
    assert_eq!(reply.attachment_ids.len(), 1);
    let attachment = gridlink_tgrid::Attachments::attachment(&h.client, &reply.attachment_ids[0])
        .await
        .expect("attachment");
    assert_eq!(attachment.file_name, "packing-list.pdf");
    assert_eq!(attachment.content_type, "application/pdf");
    let bytes =
        gridlink_tgrid::Attachments::attachment_content(&h.client, &reply.attachment_ids[0], None)
            .await
            .expect("content")
            .into_bytes()
            .await
            .expect("bytes");
    assert_eq!(&bytes[..], b"%PDF-1.7 packing list");
}

#[tokio::test]
async fn spaces_are_found_by_partner_and_external_reference() {
    let h = start().await;
    h.client
        .open_space(&key("s-a"), &new_space("prt_acme", "1"))
        .await
        .expect("a");
    h.client
        .open_space(&key("s-b"), &new_space("prt_globex", "2"))
        .await
        .expect("b");
    let by_ref = SpaceFilter {
        partner_id: None,
        external_ref: Some(ExternalRef::new("xecm", "2")),
    };
    let found: Vec<_> = h
        .client
        .spaces(&by_ref)
        .try_collect()
        .await
        .expect("by ref");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].partner_id.as_str(), "prt_globex");
    let by_partner = SpaceFilter {
        partner_id: Some(PartnerId::new("prt_acme")),
        external_ref: None,
    };
    let found: Vec<_> = h
        .client
        .spaces(&by_partner)
        .try_collect()
        .await
        .expect("by partner");
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn thread_status_changes_and_closed_threads_refuse_messages() {
    let h = start().await;
    let space = h
        .client
        .open_space(&key("s"), &new_space("prt_acme", "9"))
        .await
        .expect("space");
    let thread = h
        .client
        .open_thread(
            &key("t"),
            &space.space_id,
            &NewThread {
                subject: "Delay".into(),
                kind: ThreadKind::Shipment,
                external_ref: None,
            },
        )
        .await
        .expect("thread");
    let resolved = h
        .client
        .set_thread_status(&thread.thread_id, ThreadStatus::Resolved)
        .await
        .expect("resolve");
    assert_eq!(resolved.status, ThreadStatus::Resolved);
    h.controls
        .reply(
            "prt_acme",
            thread.thread_id.as_str(),
            "One more thing",
            None,
            &[],
        )
        .await
        .expect("partner reply");
    let reopened: Vec<_> = h
        .client
        .messages(&thread.thread_id)
        .try_collect()
        .await
        .expect("messages");
    assert_eq!(reopened.len(), 1);
    h.client
        .set_thread_status(&thread.thread_id, ThreadStatus::Closed)
        .await
        .expect("close");
    let refused = h
        .client
        .post_message(
            &key("late"),
            &thread.thread_id,
            &NewMessage {
                body: "late".into(),
                attachment_ids: vec![],
                structured: None,
                action_request: None,
            },
        )
        .await;
    assert!(
        matches!(refused, Err(TgError::Api { status: 409, .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn bad_requests_name_what_was_wrong() {
    let h = start().await;
    let empty_title = NewSpace {
        title: " ".into(),
        ..new_space("prt_acme", "1")
    };
    let error = h
        .client
        .open_space(&key("bad"), &empty_title)
        .await
        .expect_err("400");
    assert!(
        matches!(&error, TgError::Api { status: 400, details: Some(d), .. } if d["field"] == "title"),
        "{error:?}"
    );
    let unknown_partner = h
        .client
        .open_space(&key("bad2"), &new_space("prt_nobody", "1"))
        .await
        .expect_err("422");
    assert_eq!(unknown_partner.status(), Some(422));
    let missing = h
        .client
        .space(&SpaceId::new("spc_missing"))
        .await
        .expect_err("404");
    assert_eq!(missing.code(), Some("not_found"));
}
