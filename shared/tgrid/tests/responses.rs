//! Shares, document requests and campaigns, answered by partners through the controls.

mod common;

use common::{key, start};
use gridlink_tgrid::model::{
    AckStatus, CampaignKind, FieldType, FormField, ItemReview, ItemStatus, NewCampaign,
    NewDocumentRequest, NewReminder, NewRequestItem, NewShare, RequestStatus, ResponseForm,
    ResponseStatus, ReviewDecision, ShareStatus,
};
use gridlink_tgrid::{
    Attachments, Campaigns, DocumentRequests, PartnerId, Shares, TgError, Upload,
};
use gridlink_tgrid_sim::controls::FileArg;

async fn upload(h: &common::Harness, name: &str) -> gridlink_tgrid::AttachmentId {
    h.client
        .upload_attachment(
            &key(name),
            Upload::from_bytes(name, "application/pdf", name.as_bytes().to_vec()),
        )
        .await
        .expect("upload")
        .attachment_id
}

#[tokio::test]
async fn a_share_collects_acknowledgments_and_declines_and_can_be_revoked() {
    let h = start().await;
    let spec = upload(&h, "spec-v3.pdf").await;
    let share = h
        .client
        .share_documents(
            &key("share:spec-v3"),
            &NewShare {
                partner_ids: vec![PartnerId::new("prt_acme"), PartnerId::new("prt_initech")],
                title: "Spec v3".into(),
                message: "Please acknowledge".into(),
                attachment_ids: vec![spec],
                ack_required: true,
                due_at: None,
                external_ref: None,
            },
        )
        .await
        .expect("share");
    assert!(
        share
            .recipients
            .iter()
            .all(|r| r.status == AckStatus::Pending)
    );
    h.controls
        .answer_share(
            "prt_acme",
            share.share_id.as_str(),
            "acknowledge",
            Some("Ana Diaz"),
            Some("Received"),
            &[],
        )
        .await
        .expect("ack");
    h.controls
        .answer_share(
            "prt_initech",
            share.share_id.as_str(),
            "decline",
            None,
            Some("Wrong revision"),
            &[],
        )
        .await
        .expect("decline");
    let acks = h
        .client
        .acknowledgments(&share.share_id)
        .await
        .expect("acks");
    let acme = acks
        .iter()
        .find(|a| a.partner_id.as_str() == "prt_acme")
        .expect("acme");
    assert_eq!(acme.status, AckStatus::Acknowledged);
    assert_eq!(acme.by.as_deref(), Some("Ana Diaz"));
    assert!(acme.at.is_some());
    assert_eq!(
        acks.iter()
            .find(|a| a.partner_id.as_str() == "prt_initech")
            .expect("initech")
            .status,
        AckStatus::Declined
    );
    let changed_mind = h
        .controls
        .answer_share(
            "prt_initech",
            share.share_id.as_str(),
            "acknowledge",
            None,
            None,
            &[],
        )
        .await
        .expect_err("409");
    assert_eq!(changed_mind.status(), Some(409));

    let revoked = h
        .client
        .revoke_share(&share.share_id)
        .await
        .expect("revoke");
    assert_eq!(revoked.status, ShareStatus::Revoked);
    assert_eq!(
        h.client.share(&share.share_id).await.expect("get").status,
        ShareStatus::Revoked
    );
}

#[tokio::test]
async fn a_document_request_is_fulfilled_item_by_item() {
    let h = start().await;
    let request = h
        .client
        .request_documents(
            &key("req:onboarding"),
            &NewDocumentRequest {
                partner_id: PartnerId::new("prt_umbrella"),
                items: vec![
                    NewRequestItem {
                        kind: "w9".into(),
                        description: "Signed W-9".into(),
                        required: true,
                    },
                    NewRequestItem {
                        kind: "insurance_certificate".into(),
                        description: String::new(),
                        required: true,
                    },
                ],
                due_at: None,
                external_ref: None,
            },
        )
        .await
        .expect("request");
    assert_eq!(request.status, RequestStatus::Open);
    let dir = tempfile::tempdir().expect("tmp");
    let w9 = dir.path().join("w9.pdf");
    std::fs::write(&w9, b"%PDF w9").expect("write");
    let (w9_item, coi_item) = (&request.items[0].item_id, &request.items[1].item_id);
    h.controls
        .submit_item(
            "prt_umbrella",
            request.request_id.as_str(),
            w9_item.as_str(),
            None,
            None,
            &[FileArg::new(&w9)],
        )
        .await
        .expect("submit w9");
    h.controls
        .submit_item(
            "prt_umbrella",
            request.request_id.as_str(),
            coi_item.as_str(),
            Some("2026-01-01"),
            Some("2026-12-31"),
            &[FileArg::new(&w9)],
        )
        .await
        .expect("submit coi");
    let accepted = h
        .client
        .review_item(
            &request.request_id,
            w9_item,
            &ItemReview {
                decision: ReviewDecision::Accept,
                reason: String::new(),
            },
        )
        .await
        .expect("accept");
    assert_eq!(accepted.status, RequestStatus::PartiallyFulfilled);
    let rejected = h
        .client
        .review_item(
            &request.request_id,
            coi_item,
            &ItemReview {
                decision: ReviewDecision::Reject,
                reason: "expired".into(),
            },
        )
        .await
        .expect("reject");
    assert_eq!(rejected.items[1].status, ItemStatus::Rejected);
    assert_eq!(rejected.items[1].valid_until.as_deref(), Some("2026-12-31"));
    h.controls
        .submit_item(
            "prt_umbrella",
            request.request_id.as_str(),
            coi_item.as_str(),
            None,
            None,
            &[FileArg::new(&w9)],
        )
        .await
        .expect("resubmit");
    h.client
        .review_item(
            &request.request_id,
            coi_item,
            &ItemReview {
                decision: ReviewDecision::Accept,
                reason: String::new(),
            },
        )
        .await
        .expect("accept");
    let done = h
        .client
        .document_request(&request.request_id)
        .await
        .expect("get");
    assert_eq!(done.status, RequestStatus::Fulfilled);
    let again = h
        .client
        .review_item(
            &request.request_id,
            coi_item,
            &ItemReview {
                decision: ReviewDecision::Reject,
                reason: String::new(),
            },
        )
        .await
        .expect_err("409");
    assert_eq!(again.status(), Some(409));
}

fn recall(partners: &[&str]) -> NewCampaign {
    NewCampaign {
        kind: CampaignKind::RecallNotice,
        title: "Recall lot 42".into(),
        message: "Check your stock of lot 42".into(),
        partner_ids: partners.iter().map(|p| PartnerId::new(*p)).collect(),
        attachment_ids: vec![],
        response_form: Some(ResponseForm {
            fields: vec![
                FormField {
                    name: "affected_units".into(),
                    label: "Affected units".into(),
                    field_type: FieldType::Number,
                    required: true,
                },
                FormField {
                    name: "quarantined".into(),
                    label: "Quarantined".into(),
                    field_type: FieldType::Boolean,
                    required: true,
                },
                FormField {
                    name: "checked_on".into(),
                    label: "Checked on".into(),
                    field_type: FieldType::Date,
                    required: false,
                },
            ],
        }),
        due_at: None,
        external_ref: None,
    }
}

#[tokio::test]
async fn a_campaign_collects_form_responses_and_reminds_the_rest() {
    let h = start().await;
    let campaign = h
        .client
        .start_campaign(
            &key("cmp:lot42"),
            &recall(&["prt_acme", "prt_globex", "prt_initech"]),
        )
        .await
        .expect("campaign");
    let incomplete = h
        .controls
        .answer_campaign(
            "prt_acme",
            campaign.campaign_id.as_str(),
            "respond",
            &serde_json::json!({"affected_units": 10}),
            &[],
        )
        .await
        .expect_err("422");
    assert_eq!(incomplete.status(), Some(422));
    let wrong_type =
        serde_json::json!({"affected_units": 10, "quarantined": true, "checked_on": "yesterday"});
    assert_eq!(
        h.controls
            .answer_campaign(
                "prt_acme",
                campaign.campaign_id.as_str(),
                "respond",
                &wrong_type,
                &[]
            )
            .await
            .expect_err("422")
            .status(),
        Some(422)
    );
    let answer =
        serde_json::json!({"affected_units": 10, "quarantined": true, "checked_on": "2026-11-24"});
    h.controls
        .answer_campaign(
            "prt_acme",
            campaign.campaign_id.as_str(),
            "respond",
            &answer,
            &[],
        )
        .await
        .expect("respond");
    h.controls
        .answer_campaign(
            "prt_globex",
            campaign.campaign_id.as_str(),
            "decline",
            &serde_json::json!({}),
            &[],
        )
        .await
        .expect("decline");

    let responses = h
        .client
        .campaign_responses(&campaign.campaign_id)
        .await
        .expect("responses");
    let acme = responses
        .iter()
        .find(|r| r.partner_id.as_str() == "prt_acme")
        .expect("acme");
    assert_eq!(acme.status, ResponseStatus::Responded);
    assert_eq!(acme.form_data["affected_units"], 10);
    let reminded = h
        .client
        .remind(
            &key("remind:1"),
            &campaign.campaign_id,
            &NewReminder {
                partner_ids: vec![],
                message: "Due Friday".into(),
            },
        )
        .await
        .expect("remind");
    assert_eq!(reminded.reminded, vec![PartnerId::new("prt_initech")]);
    assert_eq!(reminded.skipped.len(), 2);
    let stranger = h
        .client
        .remind(
            &key("remind:2"),
            &campaign.campaign_id,
            &NewReminder {
                partner_ids: vec![PartnerId::new("prt_umbrella")],
                message: String::new(),
            },
        )
        .await;
    assert!(matches!(stranger, Err(TgError::Api { status: 422, .. })));
    let fetched = h.client.campaign(&campaign.campaign_id).await.expect("get");
    assert_eq!(
        fetched
            .recipients
            .iter()
            .filter(|r| r.status == ResponseStatus::Invited)
            .count(),
        1
    );
}

#[tokio::test]
async fn shares_and_campaigns_validate_their_recipients() {
    let h = start().await;
    let nobody = recall(&[]);
    assert_eq!(
        h.client
            .start_campaign(&key("c0"), &nobody)
            .await
            .expect_err("400")
            .status(),
        Some(400)
    );
    let unknown = recall(&["prt_nobody"]);
    assert_eq!(
        h.client
            .start_campaign(&key("c1"), &unknown)
            .await
            .expect_err("422")
            .status(),
        Some(422)
    );
    let no_files = NewShare {
        partner_ids: vec![PartnerId::new("prt_acme")],
        title: "t".into(),
        message: String::new(),
        attachment_ids: vec![],
        ack_required: true,
        due_at: None,
        external_ref: None,
    };
    assert_eq!(
        h.client
            .share_documents(&key("s0"), &no_files)
            .await
            .expect_err("400")
            .status(),
        Some(400)
    );
}
