//! Functional acknowledgments (997 for X12, CONTRL for EDIFACT) sent back through Trading
//! Grid, once per received interchange.

use gridlink_edi::{AckKind, AckOptions, Report, Syntax};
use gridlink_flow::{EffectKey, Metric, Platform};
use gridlink_store::Sequence;
use gridlink_tgrid::model::{ControlNumbers, DocumentMetadata, Standard, SubmittedDocument};
use gridlink_tgrid::{DocumentPayload, IdempotencyKey, PartyId, TgError};
use serde::{Deserialize, Serialize};

use crate::error::InboundError;
use crate::received::ReceivedDocument;

/// An acknowledgment that went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckSent {
    /// TG's id of the acknowledgment document.
    pub document_id: String,
    /// `997` or `CONTRL`.
    pub doc_type: String,
    /// Whether it rejects the interchange.
    pub rejecting: bool,
}

/// The sequence our acknowledgments' interchange control numbers come from: one per
/// sending address of ours (ISA06 / UNB 0004), numbers `000000001`–`999999999`. Each received
/// interchange keeps the number it was given first, so a re-run writes the very same bytes
/// (and TG's idempotency key answers with the first submission), and two acknowledgments
/// never share one, which the partner's duplicate detection would refuse.
fn ack_control_sequence(our_address: &PartyId) -> Result<Sequence, InboundError> {
    Ok(Sequence::new(
        format!("ack-control/{}:{}", our_address.qualifier, our_address.id),
        1,
        999_999_999,
    )?)
}

/// Sends the acknowledgment of `received` (validated as `report`), once. `None` when the
/// input carries no envelope to answer (garbage: nobody to acknowledge).
#[tracing::instrument(skip_all, fields(document_id = %received.document.document_id.as_str()))]
pub async fn acknowledge(
    platform: &Platform,
    received: &ReceivedDocument,
    syntax: Syntax,
    report: &Report,
) -> Result<Option<AckSent>, InboundError> {
    let metadata = &received.document.metadata;
    let identity = format!(
        "{}:{}|{}|{}",
        metadata.sender.qualifier,
        metadata.sender.id,
        metadata
            .control_numbers
            .interchange
            .clone()
            .unwrap_or_default(),
        received.sha256
    );
    // The preparation time (ISA09/10, GS04/05, UNB 0017/0019) is kept with the control
    // number: a re-run after TG took the first submission (a kill, a lost answer) must send
    // the very same bytes under the same idempotency key, or TG refuses it with 409.
    let (control, kept) = ack_control_sequence(&metadata.receiver)?
        .number_with(
            platform.ledger.as_ref(),
            &identity,
            serde_json::json!({ "prepared_at": platform.clock.now().unix_timestamp() }),
        )
        .await?;
    let control = u32::try_from(control)
        .map_err(|e| InboundError::Internal(format!("acknowledgment control number: {e}")))?;
    let now = kept
        .get("prepared_at")
        .and_then(serde_json::Value::as_i64)
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .unwrap_or_else(|| platform.clock.now());
    let options = AckOptions::for_syntax(
        syntax,
        control,
        time::PrimitiveDateTime::new(now.date(), now.time()),
    );
    let Ok(bytes) = gridlink_edi::ack_for(report, &options) else {
        tracing::warn!("input has no envelope to acknowledge");
        return Ok(None);
    };
    let rejecting = report.must_reject();
    let (doc_type, standard, extension) = match options.kind {
        AckKind::Contrl => ("CONTRL", Standard::Edifact, "edi"),
        AckKind::Ack999 => ("999", Standard::X12, "x12"),
        AckKind::Ack997 => ("997", Standard::X12, "x12"),
    };
    let key = EffectKey::new("tg-ack", identity);
    let ack_metadata = DocumentMetadata {
        sender: metadata.receiver.clone(),
        receiver: metadata.sender.clone(),
        standard,
        doc_type: doc_type.to_owned(),
        business_refs: gridlink_tgrid::model::BusinessRefs::default(),
        control_numbers: ControlNumbers {
            interchange: Some(format!("{control:09}")),
            group: None,
            transaction: None,
        },
        ack_requested: false,
    };
    let file_name = format!("{doc_type}-{control}.{extension}");
    let submitted = platform
        .effects
        .once(&key, None, |idempotency_key| async move {
            let idempotency_key =
                IdempotencyKey::parse(idempotency_key).map_err(|e| TgError::InvalidInput {
                    what: "acknowledgment",
                    reason: e.to_string(),
                })?;
            let payload = DocumentPayload::Inline {
                file_name,
                content_type: "application/edi".to_owned(),
                bytes: bytes::Bytes::from(bytes),
            };
            platform
                .tg
                .send_document(&idempotency_key, &ack_metadata, payload)
                .await
        })
        .await?;
    let sent_now = submitted.ran_now();
    let SubmittedDocument { document_id, .. } = submitted.into_inner();
    if sent_now {
        tracing::info!(ack_document = %document_id.as_str(), rejecting, "acknowledgment sent");
        let partner = format!("{}:{}", metadata.sender.qualifier, metadata.sender.id);
        platform.metrics.count(
            Metric::AcknowledgmentsSent,
            &[("partner", partner.as_str()), ("doc_type", doc_type)],
        );
    } else {
        tracing::debug!(ack_document = %document_id.as_str(), "acknowledgment sent before; not again");
    }
    Ok(Some(AckSent {
        document_id: document_id.as_str().to_owned(),
        doc_type: doc_type.to_owned(),
        rejecting,
    }))
}
