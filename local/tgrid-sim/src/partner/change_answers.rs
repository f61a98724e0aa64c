//! A partner answering the tenant's purchase-order change: the 860 (X12) or ORDCHG (EDIFACT)
//! the tenant sent is read, and the partner's 865 (X12) or ORDRSP (EDIFACT) accepting or
//! rejecting every line is written with `gridlink-edi` and sent into the tenant's inbox, as
//! the partner's own send would (`document.received`).
//!
//! # Format
//! `POST /__sim/partners/{partner_id}/documents/{document_id}/answer_change`
//! `{"decision":"accept"|"accept_with_changes"|"reject"}` → 201 with the answering document (as the partner's
//! send answers). The document must be an outbound 860 / ORDCHG to this partner (else 403
//! for another partner's, 400 naming `document_id` for another kind); an unknown field or
//! decision is 400 naming it. Control numbers of the answer: the interchange and group
//! number of the change plus 500 000 000 (so the answer of one change is always the same).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use gridlink_edi::{BusinessDocument, EdiDate, EnvelopeParams, LineStatus};
use gridlink_tgrid::model::Direction;
use gridlink_tgrid::{DocumentId, PartnerId};
use serde::Deserialize;

use super::known_partner;
use super::mailbox::{RawSend, send};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::sim::Sim;

/// The body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeAnswer {
    decision: String,
}

/// Answers a change (see the module docs).
pub(crate) async fn answer_change(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, document_id)): Path<(String, String)>,
    ApiJson(answer, _): ApiJson<ChangeAnswer>,
) -> ApiResult<Response> {
    let partner = PartnerId::new(partner_id.clone());
    known_partner(&sim, &partner)?;
    let status = match answer.decision.as_str() {
        "accept" => LineStatus::Accepted,
        "accept_with_changes" => LineStatus::AcceptedWithChanges,
        "reject" => LineStatus::Rejected,
        other => {
            return Err(ApiError::invalid_field(
                "decision",
                format!("{other:?} is not accept, accept_with_changes or reject"),
            ));
        }
    };
    let id = DocumentId::new(document_id.clone());
    let record = sim.read(|state| {
        state
            .documents
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("document", id.as_str()))
    })?;
    if record.partner_id != partner {
        return Err(ApiError::forbidden(format!(
            "document {document_id} was not sent to partner {partner_id}"
        )));
    }
    let doc_type = record
        .document
        .metadata
        .doc_type
        .trim()
        .to_ascii_uppercase();
    if record.document.direction != Direction::Outbound
        || !matches!(doc_type.as_str(), "860" | "ORDCHG")
    {
        return Err(ApiError::invalid_field(
            "document_id",
            format!("document {document_id} is no 860 / ORDCHG the tenant sent"),
        ));
    }
    let served = sim
        .blobs
        .serve(
            &record.blob,
            record.document.size_bytes,
            &record.document.content_type,
            &HeaderMap::new(),
        )
        .await?;
    let bytes = axum::body::to_bytes(served.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let interchange = gridlink_edi::parse_interchange(&bytes).map_err(|e| {
        ApiError::unprocessable(format!("document {document_id} does not read: {e}"))
    })?;
    let Some(change) = interchange.documents.iter().find_map(|d| match d {
        BusinessDocument::PurchaseOrderChange(change) => Some(change.clone()),
        _ => None,
    }) else {
        return Err(ApiError::unprocessable(format!(
            "document {document_id} holds no order change"
        )));
    };
    let now = sim.now();
    let header = &interchange.header;
    let control = header
        .control_number
        .trim()
        .parse::<u32>()
        .unwrap_or(1)
        .saturating_add(500_000_000)
        % 1_000_000_000;
    let params = EnvelopeParams {
        sender: header.receiver.clone(),
        receiver: header.sender.clone(),
        interchange_control_number: control,
        group_control_number: control,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: time::PrimitiveDateTime::new(now.date(), time::Time::MIDNIGHT),
        test: false,
    };
    let today = Some(EdiDate(now.date()));
    let (answer_type, written) = if doc_type == "860" {
        let ack = change.answer_x12(today, |_| status.clone());
        (
            "865",
            gridlink_edi::write_x12(&BusinessDocument::PurchaseOrderChangeAck(ack), &params),
        )
    } else {
        let ack = change.answer_edifact(today, |_| status.clone());
        (
            "ORDRSP",
            gridlink_edi::write_edifact(&BusinessDocument::OrderAcknowledgment(ack), &params),
        )
    };
    let written = written.map_err(|e| ApiError::internal(e.to_string()))?;
    let query = format!(
        "doc_type={answer_type}&po_number={}&file_name={answer_type}-{}.edi",
        change.po_number, change.po_number
    );
    let uri: axum::http::Uri = format!("/?{query}")
        .parse()
        .map_err(|e: axum::http::uri::InvalidUri| ApiError::internal(e.to_string()))?;
    let Query(raw) = Query::<RawSend>::try_from_uri(&uri)
        .map_err(|e| ApiError::invalid_field("po_number", e.to_string()))?;
    let request = Request::builder()
        .header("content-type", "application/edi")
        .body(Body::from(written))
        .map_err(|e| ApiError::internal(e.to_string()))?;
    send(State(sim), Path(partner_id), Query(raw), request).await
}
