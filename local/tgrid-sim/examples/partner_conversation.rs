//! A full partner conversation, played through the simulator's partner controls.
//!
//! Run: `cargo run -p gridlink-tgrid-sim --example partner_conversation`
//!
//! The tenant side uses the real `TgClient`; the partners (ACME Supply, Initech Components,
//! Umbrella Plastics) act through `/__sim/partners/…`. Every step checks what it expects and
//! the example exits non-zero if anything is off.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, ensure};
use futures::TryStreamExt;
use gridlink_core::retry::RetryPolicy;
use gridlink_tgrid::model::{
    AckStatus, BusinessRefs, CampaignKind, ControlNumbers, DocumentMetadata, DocumentStatus,
    ExternalRef, FieldType, FormField, InboxFilter, ItemReview, NewCampaign, NewDocumentRequest,
    NewMessage, NewRequestItem, NewShare, NewSpace, NewThread, RequestStatus, ResponseForm,
    ReviewDecision, Standard, ThreadKind,
};
use gridlink_tgrid::{
    Attachments, Campaigns, Collaboration, DocumentPayload, DocumentRequests, EventFeed,
    IdempotencyKey, Mailbox, MailboxId, PartnerId, PartyId, Shares, TenantId, TgClient, TgConfig,
    Upload,
};
use gridlink_tgrid_sim::controls::{FileArg, SimControls};
use gridlink_tgrid_sim::{Seed, SimConfig};
use secrecy::SecretString;

const PO_850: &str = "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ACMESUPPLY     *261124*0900*U*00401*000000101*0*P*>~GS*PO*BUYERCO*ACMESUPPLY*20261124*0900*101*X*004010~ST*850*0001~BEG*00*SA*PO-1001**20261124~PO1*1*100*EA*9.50**VP*WIDGET-A~PO1*2*100*EA*4.25**VP*BOLT-7~SE*5*0001~GE*1*101~IEA*1*000000101~";
const ACK_997: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*0915*U*00401*000000555*0*P*>~GS*FA*ACMESUPPLY*BUYERCO*20261124*0915*555*X*004010~ST*997*0001~AK1*PO*101~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*555~IEA*1*000000555~";
const PO_ACK_855: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*1000*U*00401*000000556*0*P*>~GS*PR*ACMESUPPLY*BUYERCO*20261124*1000*556*X*004010~ST*855*0002~BAK*00*AC*PO-1001*20261124~PO1*1*100*EA*9.50**VP*WIDGET-A~ACK*IA*100*EA~PO1*2*100*EA*4.25**VP*BOLT-7~ACK*IQ*60*EA~SE*7*0002~GE*1*556~IEA*1*000000556~";

fn key(purpose: &str, ledger_key: &str) -> IdempotencyKey {
    IdempotencyKey::derive(purpose, ledger_key)
}

fn step(text: &str) {
    println!("\n== {text}");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sim = gridlink_tgrid_sim::start(
        SimConfig::new(Seed::demo()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await?;
    println!("simulator at {}", sim.base_url);
    let tenant = TgClient::new(TgConfig {
        base_url: sim.base_url.clone(),
        tenant_id: TenantId::new("buyerco"),
        client_id: "gridlink-local".into(),
        client_secret: SecretString::from("local-test-secret".to_owned()),
        retry: RetryPolicy::standard(),
        timeout: Duration::from_secs(10),
    })?;
    let partners = SimControls::new(sim.base_url.clone());
    let files = tempfile::tempdir()?;
    let (acme, initech, umbrella) = (PartnerId::new("prt_acme"), "prt_initech", "prt_umbrella");

    step("BuyerCo sends purchase order PO-1001 (X12 850) to ACME Supply");
    let metadata = DocumentMetadata {
        sender: PartyId::new("ZZ", "BUYERCO"),
        receiver: PartyId::new("ZZ", "ACMESUPPLY"),
        standard: Standard::X12,
        doc_type: "850".into(),
        business_refs: BusinessRefs {
            po_number: Some("PO-1001".into()),
            ..BusinessRefs::default()
        },
        control_numbers: ControlNumbers::default(),
        ack_requested: true,
    };
    let payload = DocumentPayload::Streamed(Upload::from_bytes(
        "PO-1001.x12",
        "application/edi-x12",
        PO_850,
    ));
    let po = tenant
        .send_document(&key("document", "PO-1001"), &metadata, payload)
        .await?;
    println!("   {} is {}", po.document_id, po.status.as_str());
    partners
        .move_document(
            po.document_id.as_str(),
            "delivered",
            Some("in ACME's mailbox"),
        )
        .await?;
    partners
        .send_document(
            acme.as_str(),
            ACK_997.as_bytes().to_vec(),
            "application/edi-x12",
            &[],
        )
        .await?;
    let po_now = tenant.document(&po.document_id).await?;
    let history: Vec<&str> = po_now
        .status_history
        .iter()
        .map(|c| c.status.as_str())
        .collect();
    println!("   status history: {}", history.join(" → "));
    ensure!(
        po_now.status == DocumentStatus::Acknowledged,
        "the 997 should acknowledge PO-1001"
    );

    step("ACME answers with an 855 that short-ships line 2 (60 of 100 bolts)");
    partners
        .send_document(
            acme.as_str(),
            PO_ACK_855.as_bytes().to_vec(),
            "application/edi-x12",
            &[("po_number", "PO-1001".into())],
        )
        .await?;
    let inbox: Vec<_> = tenant
        .inbox(
            &MailboxId::new("mbx_buyerco"),
            &InboxFilter {
                doc_type: Some("855".into()),
                ..InboxFilter::default()
            },
        )
        .try_collect()
        .await?;
    let ack = inbox.first().context("the 855 should be in the inbox")?;
    println!(
        "   inbox: {} {} for {:?}",
        ack.document_id, ack.metadata.doc_type, ack.metadata.business_refs.po_number
    );
    tenant.mark_downloaded(&ack.document_id).await?;

    step("BuyerCo opens a PO-exception thread with ACME in the workspace's space");
    let space = tenant
        .open_space(
            &key("space", "xecm:48213"),
            &NewSpace {
                partner_id: acme.clone(),
                title: "ACME Supply — PO-1001".into(),
                external_ref: Some(ExternalRef::new("xecm", "48213")),
                context: Some(serde_json::json!({"po_number": "PO-1001"})),
            },
        )
        .await?;
    let thread = tenant
        .open_thread(
            &key("thread", "PO-1001:short"),
            &space.space_id,
            &NewThread {
                subject: "PO-1001 line 2 short by 40".into(),
                kind: ThreadKind::PoException,
                external_ref: None,
            },
        )
        .await?;
    tenant
        .post_message(
            &key("message", "PO-1001:short:1"),
            &thread.thread_id,
            &NewMessage {
                body: "Your 855 confirms 60 of 100 BOLT-7. When will the remaining 40 ship?".into(),
                attachment_ids: vec![],
                structured: Some(serde_json::json!({"exception_lines": [{"po_number": "PO-1001", "line": 2, "expected_qty": 100, "confirmed_qty": 60}]})),
                action_request: None,
            },
        )
        .await?;

    step("ACME replies with a packing list attached");
    let packing_list = files.path().join("packing-list-PO-1001.pdf");
    std::fs::write(
        &packing_list,
        b"%PDF-1.7 packing list: 60 x BOLT-7 shipped, 40 x BOLT-7 on 2026-11-28",
    )?;
    partners
        .reply(
            acme.as_str(),
            thread.thread_id.as_str(),
            "Remaining 40 ship on the 28th. Packing list attached.",
            None,
            &[FileArg::new(&packing_list)],
        )
        .await?;
    let messages: Vec<_> = tenant.messages(&thread.thread_id).try_collect().await?;
    for message in &messages {
        println!("   [{:?}] {}", message.author.kind, message.body);
    }
    let reply = messages.last().context("a reply")?;
    let attachment_id = reply
        .attachment_ids
        .first()
        .context("the reply carries the packing list")?;
    let content = tenant
        .attachment_content(attachment_id, None)
        .await?
        .into_bytes()
        .await?;
    println!(
        "   downloaded {} ({} bytes)",
        tenant.attachment(attachment_id).await?.file_name,
        content.len()
    );

    step("BuyerCo shares drawing rev C with ACME and Initech for acknowledgment");
    let drawing = tenant
        .upload_attachment(
            &key("attachment", "drawing-rev-c"),
            Upload::from_bytes(
                "drawing-rev-C.pdf",
                "application/pdf",
                &b"%PDF drawing rev C"[..],
            ),
        )
        .await?;
    let share = tenant
        .share_documents(
            &key("share", "drawing-rev-c"),
            &NewShare {
                partner_ids: vec![acme.clone(), PartnerId::new(initech)],
                title: "Drawing rev C".into(),
                message: "Please acknowledge rev C".into(),
                attachment_ids: vec![drawing.attachment_id],
                ack_required: true,
                due_at: None,
                external_ref: None,
            },
        )
        .await?;
    partners
        .answer_share(
            acme.as_str(),
            share.share_id.as_str(),
            "acknowledge",
            Some("Ana Diaz"),
            Some("Rev C received"),
            &[],
        )
        .await?;
    partners
        .answer_share(
            initech,
            share.share_id.as_str(),
            "decline",
            Some("Bill Lumbergh"),
            Some("We still build to rev B"),
            &[],
        )
        .await?;
    for row in tenant.acknowledgments(&share.share_id).await? {
        println!("   {}: {:?} {:?}", row.partner_id, row.status, row.comment);
    }

    step("BuyerCo asks Umbrella Plastics for onboarding documents");
    let request = tenant
        .request_documents(
            &key("request", "umbrella-onboarding"),
            &NewDocumentRequest {
                partner_id: PartnerId::new(umbrella),
                items: vec![NewRequestItem {
                    kind: "w9".into(),
                    description: "Signed W-9".into(),
                    required: true,
                }],
                due_at: None,
                external_ref: None,
            },
        )
        .await?;
    let w9 = files.path().join("w9-umbrella.pdf");
    std::fs::write(&w9, b"%PDF W-9 Umbrella Plastics")?;
    partners
        .submit_item(
            umbrella,
            request.request_id.as_str(),
            request.items[0].item_id.as_str(),
            Some("2026-01-01"),
            None,
            &[FileArg::new(&w9)],
        )
        .await?;
    let reviewed = tenant
        .review_item(
            &request.request_id,
            &request.items[0].item_id,
            &ItemReview {
                decision: ReviewDecision::Accept,
                reason: String::new(),
            },
        )
        .await?;
    println!(
        "   request {} is {:?}",
        reviewed.request_id, reviewed.status
    );
    ensure!(
        reviewed.status == RequestStatus::Fulfilled,
        "the request should be fulfilled"
    );

    step("BuyerCo sends a recall notice for lot 42; ACME answers the form");
    let campaign = tenant
        .start_campaign(
            &key("campaign", "recall-lot-42"),
            &NewCampaign {
                kind: CampaignKind::RecallNotice,
                title: "Recall: BOLT-7 lot 42".into(),
                message: "Quarantine lot 42 and report affected units".into(),
                partner_ids: vec![acme.clone(), PartnerId::new(initech)],
                attachment_ids: vec![],
                response_form: Some(ResponseForm {
                    fields: vec![FormField {
                        name: "affected_units".into(),
                        label: "Affected units".into(),
                        field_type: FieldType::Number,
                        required: true,
                    }],
                }),
                due_at: None,
                external_ref: None,
            },
        )
        .await?;
    partners
        .answer_campaign(
            acme.as_str(),
            campaign.campaign_id.as_str(),
            "respond",
            &serde_json::json!({"affected_units": 12}),
            &[],
        )
        .await?;
    for response in tenant.campaign_responses(&campaign.campaign_id).await? {
        println!(
            "   {}: {:?} {}",
            response.partner_id,
            response.status,
            serde_json::Value::Object(response.form_data)
        );
    }

    step("Everything BuyerCo would have been told, from the events feed");
    let events = tenant.events_after(None, Some(500)).await?;
    for event in &events.items {
        println!("   {} {}", event.event_id, event.event_type);
    }
    let acknowledged = tenant
        .acknowledgments(&share.share_id)
        .await?
        .iter()
        .filter(|a| a.status == AckStatus::Acknowledged)
        .count();
    ensure!(
        acknowledged == 1 && events.items.len() >= 8,
        "the conversation should have produced its events"
    );
    println!("\nconversation complete");
    sim.stop();
    Ok(())
}
