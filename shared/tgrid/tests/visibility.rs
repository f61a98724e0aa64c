//! Visibility: only the space's (share's, request's, campaign's) partner and the tenant see
//! it; acting as another partner is 403, and so is showing one partner's file to another.

mod common;

use common::{key, start};
use gridlink_tgrid::model::{
    CampaignKind, NewCampaign, NewDocumentRequest, NewMessage, NewRequestItem, NewShare, NewSpace,
    NewThread, ThreadKind,
};
use gridlink_tgrid::{
    Attachments, Campaigns, Collaboration, DocumentRequests, PartnerId, Shares, TgError, ThreadId,
    Upload,
};
use gridlink_tgrid_sim::controls::FileArg;

async fn acme_thread(h: &common::Harness) -> ThreadId {
    let space = h
        .client
        .open_space(
            &key("acme-space"),
            &NewSpace {
                partner_id: PartnerId::new("prt_acme"),
                title: "ACME".into(),
                external_ref: None,
                context: None,
            },
        )
        .await
        .expect("space");
    h.client
        .open_thread(
            &key("acme-thread"),
            &space.space_id,
            &NewThread {
                subject: "s".into(),
                kind: ThreadKind::Case,
                external_ref: None,
            },
        )
        .await
        .expect("thread")
        .thread_id
}

#[tokio::test]
async fn another_partner_cannot_read_or_post_in_a_space() {
    let h = start().await;
    let thread = acme_thread(&h).await;
    let read = h
        .controls
        .get(&format!(
            "__sim/partners/prt_globex/threads/{thread}/messages"
        ))
        .await
        .expect_err("403");
    assert_eq!(read.status(), Some(403));
    let post = h
        .controls
        .reply("prt_globex", thread.as_str(), "let me in", None, &[])
        .await
        .expect_err("403");
    assert_eq!(post.status(), Some(403));
    h.controls
        .get(&format!(
            "__sim/partners/prt_acme/threads/{thread}/messages"
        ))
        .await
        .expect("the space's partner reads");
    let spaces = h
        .controls
        .get("__sim/partners/prt_globex/spaces")
        .await
        .expect("list");
    assert!(spaces["items"].as_array().expect("items").is_empty());
}

#[tokio::test]
async fn a_partners_file_cannot_be_forwarded_to_another_partner() {
    let h = start().await;
    let acme_thread = acme_thread(&h).await;
    let dir = tempfile::tempdir().expect("tmp");
    let price_list = dir.path().join("acme-prices.csv");
    std::fs::write(&price_list, b"sku,price\nA,1.00\n").expect("write");
    let reply = h
        .controls
        .reply(
            "prt_acme",
            acme_thread.as_str(),
            "our prices",
            None,
            &[FileArg::new(&price_list)],
        )
        .await
        .expect("reply");
    let acme_file =
        gridlink_tgrid::AttachmentId::new(reply["attachment_ids"][0].as_str().expect("id"));

    let globex_space = h
        .client
        .open_space(
            &key("globex-space"),
            &NewSpace {
                partner_id: PartnerId::new("prt_globex"),
                title: "Globex".into(),
                external_ref: None,
                context: None,
            },
        )
        .await
        .expect("space");
    let globex_thread = h
        .client
        .open_thread(
            &key("globex-thread"),
            &globex_space.space_id,
            &NewThread {
                subject: "s".into(),
                kind: ThreadKind::Case,
                external_ref: None,
            },
        )
        .await
        .expect("thread");
    let forward = NewMessage {
        body: "FYI".into(),
        attachment_ids: vec![acme_file.clone()],
        structured: None,
        action_request: None,
    };
    let error = h
        .client
        .post_message(&key("fwd"), &globex_thread.thread_id, &forward)
        .await
        .expect_err("403");
    assert!(
        matches!(&error, TgError::Api { status: 403, code, .. } if code == "forbidden"),
        "{error:?}"
    );
    let share = NewShare {
        partner_ids: vec![PartnerId::new("prt_globex")],
        title: "prices".into(),
        message: String::new(),
        attachment_ids: vec![acme_file.clone()],
        ack_required: false,
        due_at: None,
        external_ref: None,
    };
    assert_eq!(
        h.client
            .share_documents(&key("fwd-share"), &share)
            .await
            .expect_err("403")
            .status(),
        Some(403)
    );

    let peek = h
        .controls
        .get(&format!(
            "__sim/partners/prt_globex/attachments/{acme_file}/content"
        ))
        .await
        .expect_err("403");
    assert_eq!(peek.status(), Some(403));
    h.client
        .attachment(&acme_file)
        .await
        .expect("the tenant sees every file");
}

#[tokio::test]
async fn a_partner_sees_the_files_the_tenant_sent_it_and_no_others() {
    let h = start().await;
    let thread = acme_thread(&h).await;
    let drawing = h
        .client
        .upload_attachment(
            &key("drawing"),
            Upload::from_bytes("drawing.pdf", "application/pdf", b"%PDF drawing".to_vec()),
        )
        .await
        .expect("upload");
    let unsent = h
        .client
        .upload_attachment(
            &key("unsent"),
            Upload::from_bytes("unsent.pdf", "application/pdf", b"%PDF unsent".to_vec()),
        )
        .await
        .expect("upload");
    h.client
        .post_message(
            &key("m"),
            &thread,
            &NewMessage {
                body: "drawing".into(),
                attachment_ids: vec![drawing.attachment_id.clone()],
                structured: None,
                action_request: None,
            },
        )
        .await
        .expect("post");
    let seen = reqwest::get(
        h.sim
            .base_url
            .join(&format!(
                "__sim/partners/prt_acme/attachments/{}/content",
                drawing.attachment_id
            ))
            .expect("url"),
    )
    .await
    .expect("get");
    assert_eq!(seen.status(), 200);
    assert_eq!(&seen.bytes().await.expect("bytes")[..], b"%PDF drawing");
    let hidden = h
        .controls
        .get(&format!(
            "__sim/partners/prt_acme/attachments/{}/content",
            unsent.attachment_id
        ))
        .await
        .expect_err("403");
    assert_eq!(hidden.status(), Some(403));
}

#[tokio::test]
async fn shares_requests_and_campaigns_answer_only_their_recipients() {
    let h = start().await;
    let spec = h
        .client
        .upload_attachment(
            &key("spec"),
            Upload::from_bytes("spec.pdf", "application/pdf", b"%PDF".to_vec()),
        )
        .await
        .expect("upload");
    let share = h
        .client
        .share_documents(
            &key("share"),
            &NewShare {
                partner_ids: vec![PartnerId::new("prt_acme")],
                title: "t".into(),
                message: String::new(),
                attachment_ids: vec![spec.attachment_id],
                ack_required: true,
                due_at: None,
                external_ref: None,
            },
        )
        .await
        .expect("share");
    let ack = h
        .controls
        .answer_share(
            "prt_globex",
            share.share_id.as_str(),
            "acknowledge",
            None,
            None,
            &[],
        )
        .await
        .expect_err("403");
    assert_eq!(ack.status(), Some(403));

    let request = h
        .client
        .request_documents(
            &key("req"),
            &NewDocumentRequest {
                partner_id: PartnerId::new("prt_acme"),
                items: vec![NewRequestItem {
                    kind: "w9".into(),
                    description: String::new(),
                    required: true,
                }],
                due_at: None,
                external_ref: None,
            },
        )
        .await
        .expect("request");
    let dir = tempfile::tempdir().expect("tmp");
    let w9 = dir.path().join("w9.pdf");
    std::fs::write(&w9, b"%PDF").expect("write");
    let submit = h
        .controls
        .submit_item(
            "prt_globex",
            request.request_id.as_str(),
            request.items[0].item_id.as_str(),
            None,
            None,
            &[FileArg::new(&w9)],
        )
        .await
        .expect_err("403");
    assert_eq!(submit.status(), Some(403));

    let campaign = h
        .client
        .start_campaign(
            &key("cmp"),
            &NewCampaign {
                kind: CampaignKind::Announcement,
                title: "t".into(),
                message: String::new(),
                partner_ids: vec![PartnerId::new("prt_acme")],
                attachment_ids: vec![],
                response_form: None,
                due_at: None,
                external_ref: None,
            },
        )
        .await
        .expect("campaign");
    let respond = h
        .controls
        .answer_campaign(
            "prt_globex",
            campaign.campaign_id.as_str(),
            "respond",
            &serde_json::json!({}),
            &[],
        )
        .await
        .expect_err("403");
    assert_eq!(respond.status(), Some(403));
}

#[tokio::test]
async fn a_partner_cannot_send_documents_as_another_partner() {
    let h = start().await;
    let spoofed = h
        .controls
        .send_document(
            "prt_globex",
            b"ISA*...".to_vec(),
            "application/edi-x12",
            &[
                ("doc_type", "855".into()),
                ("sender", "ZZ:ACMESUPPLY".into()),
            ],
        )
        .await
        .expect_err("403");
    assert_eq!(spoofed.status(), Some(403));
}
