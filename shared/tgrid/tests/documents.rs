//! Business documents: sending (streamed and inline), statuses, the inbox, ranges, and
//! 997/CONTRL acknowledgment in both directions.

mod common;

use common::{key, start};
use futures::TryStreamExt;
use gridlink_tgrid::model::{
    BusinessRefs, ControlNumbers, Direction, DocumentMetadata, DocumentStatus, InboxFilter,
    Standard,
};
use gridlink_tgrid::{
    ByteRange, DocumentId, DocumentPayload, Mailbox, MailboxId, PartyId, TgError, Upload,
};

const PO_850: &str = "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ACMESUPPLY     *261124*1200*U*00401*000000101*0*P*>~GS*PO*BUYERCO*ACMESUPPLY*20261124*1200*101*X*004010~ST*850*0001~BEG*00*SA*PO-1001**20261124~SE*3*0001~GE*1*101~IEA*1*000000101~";
const ACK_997: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*1300*U*00401*000000555*0*P*>~GS*FA*ACMESUPPLY*BUYERCO*20261124*1300*555*X*004010~ST*997*0001~AK1*PO*101~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*555~IEA*1*000000555~";
const PO_ACK_855: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*1400*U*00401*000000888*0*P*>~GS*PR*ACMESUPPLY*BUYERCO*20261124*1400*888*X*004010~ST*855*0007~BAK*00*AD*PO-1001*20261124~SE*3*0007~GE*1*888~IEA*1*000000888~";

fn metadata(doc_type: &str, receiver: &str) -> DocumentMetadata {
    DocumentMetadata {
        sender: PartyId::new("ZZ", "BUYERCO"),
        receiver: PartyId::parse(receiver).expect("party"),
        standard: Standard::X12,
        doc_type: doc_type.into(),
        business_refs: BusinessRefs {
            po_number: Some("PO-1001".into()),
            ..BusinessRefs::default()
        },
        control_numbers: ControlNumbers::default(),
        ack_requested: true,
    }
}

#[tokio::test]
async fn an_outbound_order_moves_to_acknowledged_when_the_partners_997_arrives() {
    let h = start().await;
    let payload = DocumentPayload::Streamed(Upload::from_bytes(
        "po-1001.x12",
        "application/edi-x12",
        PO_850.as_bytes().to_vec(),
    ));
    let sent = h
        .client
        .send_document(
            &key("doc:po-1001"),
            &metadata("850", "ZZ:ACMESUPPLY"),
            payload,
        )
        .await
        .expect("send");
    assert_eq!(sent.status, DocumentStatus::Submitted);
    let document = h.client.document(&sent.document_id).await.expect("get");
    assert_eq!(document.direction, Direction::Outbound);
    assert_eq!(
        document.metadata.control_numbers.group.as_deref(),
        Some("101"),
        "read from the envelope"
    );
    assert_eq!(document.size_bytes, PO_850.len() as u64);

    h.controls
        .move_document(sent.document_id.as_str(), "delivered", None)
        .await
        .expect("deliver");
    let delivered = h.client.document(&sent.document_id).await.expect("get");
    let statuses: Vec<_> = delivered.status_history.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [
            DocumentStatus::Submitted,
            DocumentStatus::Validated,
            DocumentStatus::Sent,
            DocumentStatus::Delivered
        ]
    );

    h.controls
        .send_document(
            "prt_acme",
            ACK_997.as_bytes().to_vec(),
            "application/edi-x12",
            &[],
        )
        .await
        .expect("997");
    let acknowledged = h.client.document(&sent.document_id).await.expect("get");
    assert_eq!(acknowledged.status, DocumentStatus::Acknowledged);
    assert!(
        acknowledged
            .status_history
            .last()
            .and_then(|c| c.detail.as_deref())
            .is_some_and(|d| d.contains("code A"))
    );
}

#[tokio::test]
async fn impossible_status_moves_are_refused() {
    let h = start().await;
    let payload = DocumentPayload::Inline {
        file_name: "po.x12".into(),
        content_type: "application/edi-x12".into(),
        bytes: PO_850.into(),
    };
    let sent = h
        .client
        .send_document(
            &key("doc:inline"),
            &metadata("850", "ZZ:ACMESUPPLY"),
            payload,
        )
        .await
        .expect("send");
    h.controls
        .move_document(sent.document_id.as_str(), "delivered", None)
        .await
        .expect("deliver");
    let refused = h
        .controls
        .move_document(sent.document_id.as_str(), "validated", None)
        .await
        .expect_err("backwards");
    assert_eq!(refused.status(), Some(409));
}

#[tokio::test]
async fn documents_without_an_active_partnership_are_unprocessable() {
    let h = start().await;
    let inline = || DocumentPayload::Inline {
        file_name: "x.edi".into(),
        content_type: "application/edi-x12".into(),
        bytes: PO_850.into(),
    };
    let wrong_type = h
        .client
        .send_document(&key("d1"), &metadata("810", "ZZ:ACMESUPPLY"), inline())
        .await
        .expect_err("no 810 partnership");
    assert_eq!(wrong_type.status(), Some(422));
    let pending = h
        .client
        .send_document(&key("d2"), &metadata("850", "ZZ:UMBRELLA"), inline())
        .await
        .expect_err("pending partnership");
    assert_eq!(pending.status(), Some(422));
    let unknown = h
        .client
        .send_document(&key("d3"), &metadata("850", "ZZ:NOBODY"), inline())
        .await
        .expect_err("unknown receiver");
    assert!(
        matches!(&unknown, TgError::Api { status: 422, details: Some(d), .. } if d["field"] == "receiver"),
        "{unknown:?}"
    );
    let too_big = DocumentPayload::Inline {
        file_name: "x".into(),
        content_type: "x/y".into(),
        bytes: vec![b'x'; 5 * 1024 * 1024 + 1].into(),
    };
    let local = h
        .client
        .send_document(&key("d4"), &metadata("850", "ZZ:ACMESUPPLY"), too_big)
        .await
        .expect_err("over 5 MiB inline");
    assert!(matches!(local, TgError::InvalidInput { .. }));
}

#[tokio::test]
async fn inbound_documents_arrive_in_the_inbox_and_move_through_read_and_downloaded() {
    let h = start().await;
    h.controls
        .send_document(
            "prt_acme",
            PO_ACK_855.as_bytes().to_vec(),
            "application/edi-x12",
            &[("po_number", "PO-1001".into())],
        )
        .await
        .expect("855");
    let mailbox = MailboxId::new("mbx_buyerco");
    let new_only = InboxFilter {
        status: Some(DocumentStatus::New),
        doc_type: Some("855".into()),
        sender: Some(PartyId::new("ZZ", "ACMESUPPLY")),
    };
    let inbox: Vec<_> = h
        .client
        .inbox(&mailbox, &new_only)
        .try_collect()
        .await
        .expect("inbox");
    assert_eq!(inbox.len(), 1);
    let document = &inbox[0];
    assert_eq!(
        document.metadata.business_refs.po_number.as_deref(),
        Some("PO-1001")
    );
    assert_eq!(
        document.metadata.control_numbers.transaction.as_deref(),
        Some("0007")
    );

    let range = h
        .client
        .document_content(
            &document.document_id,
            Some(ByteRange {
                start: 0,
                end: Some(2),
            }),
        )
        .await
        .expect("range");
    assert_eq!(range.content_length, Some(3));
    assert_eq!(&range.into_bytes().await.expect("bytes")[..], b"ISA");
    assert_eq!(
        h.client
            .document(&document.document_id)
            .await
            .expect("get")
            .status,
        DocumentStatus::Read
    );

    let downloaded = h
        .client
        .mark_downloaded(&document.document_id)
        .await
        .expect("download");
    assert_eq!(downloaded.status, DocumentStatus::Downloaded);
    let still_new: Vec<_> = h
        .client
        .inbox(&mailbox, &new_only)
        .try_collect()
        .await
        .expect("inbox");
    assert!(still_new.is_empty());
    let missing = h
        .client
        .inbox(&MailboxId::new("mbx_other"), &InboxFilter::default())
        .try_collect::<Vec<_>>()
        .await;
    assert!(matches!(missing, Err(TgError::Api { status: 404, .. })));
}

#[tokio::test]
async fn the_tenants_997_marks_the_partners_document_acknowledged_on_the_partner_side() {
    let h = start().await;
    let inbound = h
        .controls
        .send_document(
            "prt_acme",
            PO_ACK_855.as_bytes().to_vec(),
            "application/edi-x12",
            &[],
        )
        .await
        .expect("855");
    let ack = "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ACMESUPPLY     *261124*1500*U*00401*000000999*0*P*>~GS*FA*BUYERCO*ACMESUPPLY*20261124*1500*999*X*004010~ST*997*0001~AK1*PR*888~AK2*855*0007~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*999~IEA*1*000000999~";
    let payload = DocumentPayload::Inline {
        file_name: "997.x12".into(),
        content_type: "application/edi-x12".into(),
        bytes: ack.into(),
    };
    let sent = h
        .client
        .send_document(&key("ack:855"), &metadata("997", "ZZ:ACMESUPPLY"), payload)
        .await
        .expect("997");
    let inbound_id = DocumentId::new(inbound["document_id"].as_str().expect("id"));
    let seen_by_tenant = h.client.document(&inbound_id).await.expect("get");
    assert_eq!(
        seen_by_tenant.extra["acknowledged_by"],
        sent.document_id.as_str()
    );
    let partner_view = h
        .controls
        .get("__sim/partners/prt_acme/documents")
        .await
        .expect("partner documents");
    let row = partner_view["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["document"]["document_id"] == inbound_id.as_str())
        .expect("row");
    assert_eq!(row["partner_status"], "acknowledged");
}

#[tokio::test]
async fn an_edifact_contrl_from_the_partner_acknowledges_the_interchange() {
    let h = start().await;
    let orders = "UNA:+.? 'UNB+UNOC:3+4012345000009:14+5012345000017:14+261124:1200+ICR42'UNH+M1+ORDERS:D:96A:UN'BGM+220+PO-2002+9'UNT+3+M1'UNZ+1+ICR42'";
    let meta = DocumentMetadata {
        sender: PartyId::new("14", "4012345000009"),
        receiver: PartyId::new("14", "5012345000017"),
        standard: Standard::Edifact,
        doc_type: "ORDERS".into(),
        business_refs: BusinessRefs::default(),
        control_numbers: ControlNumbers::default(),
        ack_requested: true,
    };
    let payload = DocumentPayload::Inline {
        file_name: "orders.edi".into(),
        content_type: "application/edifact".into(),
        bytes: orders.into(),
    };
    let sent = h
        .client
        .send_document(&key("orders"), &meta, payload)
        .await
        .expect("send");
    let contrl = "UNA:+.? 'UNB+UNOC:3+5012345000017:14+4012345000009:14+261124:1300+CTL1'UNH+1+CONTRL:D:3:UN'UCI+ICR42+4012345000009:14+5012345000017:14+7'UCM+M1+ORDERS:D:96A:UN+7'UNT+4+1'UNZ+1+CTL1'";
    h.controls
        .send_document(
            "prt_initech",
            contrl.as_bytes().to_vec(),
            "application/edifact",
            &[],
        )
        .await
        .expect("contrl");
    assert_eq!(
        h.client
            .document(&sent.document_id)
            .await
            .expect("get")
            .status,
        DocumentStatus::Acknowledged
    );
}

/// Inside a dry run (`gridlink_core::dry_run`) the client sends no call that changes anything
/// — a JSON send, a streamed send, a status change — each refused before it leaves with a
/// typed error carrying the method, the path and what it would have sent (the document type
/// and file); reads go through. Trading Grid's state is as before. Outside the scope the same
/// send goes out.
#[tokio::test]
async fn a_dry_run_refuses_every_write_before_it_is_sent_and_reads_go_through() {
    let h = start().await;
    let sent = h
        .client
        .send_document(
            &key("doc:dry-0"),
            &metadata("850", "ZZ:ACMESUPPLY"),
            DocumentPayload::Inline {
                file_name: "po-1000.x12".into(),
                content_type: "application/edi-x12".into(),
                bytes: PO_850.into(),
            },
        )
        .await
        .expect("sent outside a dry run");
    h.controls
        .send_document(
            "prt_acme",
            PO_ACK_855.as_bytes().to_vec(),
            "application/edi-x12",
            &[("po_number", "PO-1001".into())],
        )
        .await
        .expect("an inbound 855");
    let new_inbound = h
        .client
        .inbox(&MailboxId::new("mbx_buyerco"), &InboxFilter::default())
        .try_collect::<Vec<_>>()
        .await
        .expect("the inbox")
        .remove(0);
    assert_eq!(new_inbound.status, DocumentStatus::New);
    let before = h.sim.snapshot();
    let inline = || DocumentPayload::Inline {
        file_name: "po-1001.x12".into(),
        content_type: "application/edi-x12".into(),
        bytes: PO_850.into(),
    };
    let (results, report) = gridlink_core::dry_run::scope(async {
        let read = h.client.document(&sent.document_id).await;
        let inline_send = h
            .client
            .send_document(
                &key("doc:dry-1"),
                &metadata("850", "ZZ:ACMESUPPLY"),
                inline(),
            )
            .await;
        let streamed_send = h
            .client
            .send_document(
                &key("doc:dry-2"),
                &metadata("850", "ZZ:ACMESUPPLY"),
                DocumentPayload::Streamed(Upload::from_bytes(
                    "po-1002.x12",
                    "application/edi-x12",
                    PO_850.as_bytes().to_vec(),
                )),
            )
            .await;
        let marked = h.client.mark_downloaded(&sent.document_id).await;
        // Opening a new inbound document marks it read in TG: refused; an outbound one's
        // content is read as always.
        let opened = h
            .client
            .document_content(&new_inbound.document_id, None)
            .await;
        let outbound = h.client.document_content(&sent.document_id, None).await;
        (read, inline_send, streamed_send, marked, opened, outbound)
    })
    .await;
    let (read, inline_send, streamed_send, marked, opened, outbound) = results;
    assert_eq!(
        read.expect("a read goes through").document_id,
        sent.document_id
    );
    assert!(outbound.is_ok(), "an outbound document's content is read");
    for error in [
        inline_send.map(|_| ()).expect_err("refused"),
        streamed_send.map(|_| ()).expect_err("refused"),
        marked.map(|_| ()).expect_err("refused"),
        opened.map(|_| ()).expect_err("refused"),
    ] {
        assert!(matches!(error, TgError::DryRun(_)), "{error}");
    }
    let refusals = report.refusals();
    let seen: Vec<(&str, &str)> = refusals
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("POST", "v1/documents"),
            ("POST", "v1/documents"),
            (
                "POST",
                format!("v1/documents/{}/download", sent.document_id.as_str()).as_str()
            ),
            (
                "GET",
                format!("v1/documents/{}/content", new_inbound.document_id.as_str()).as_str()
            ),
        ]
    );
    assert!(
        refusals[3].summary.contains("Trading Grid marks it read"),
        "{}",
        refusals[3].summary
    );
    assert!(
        refusals[0].summary.contains(r#"doc_type "850""#)
            && refusals[0].summary.contains(r#"file_name "po-1001.x12""#),
        "{}",
        refusals[0].summary
    );
    assert!(refusals.iter().all(|r| r.system == "tg"));
    assert_eq!(h.sim.snapshot(), before, "Trading Grid is as before");
    h.client
        .send_document(
            &key("doc:dry-1"),
            &metadata("850", "ZZ:ACMESUPPLY"),
            inline(),
        )
        .await
        .expect("outside a dry run the same send goes out");
    assert_ne!(h.sim.snapshot(), before);
}
