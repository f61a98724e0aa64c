//! Partner side of the mailbox: sending inbound EDI into the tenant's inbox, seeing what
//! was exchanged, and moving documents through their statuses.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use gridlink_tgrid::model::{
    BusinessRefs, ControlNumbers, Direction, Document, DocumentMetadata, DocumentStatus, Standard,
};
use gridlink_tgrid::{DocumentId, PartnerId, PartyId};
use serde::{Deserialize, Serialize};

use super::known_partner;
use crate::documents::{check_route, commit, complete_control_numbers, move_status, prepare};
use crate::edi;
use crate::error::{ApiError, ApiResult};
use crate::routes::attachments::ReceivedFile;
use crate::routes::documents::read_send;
use crate::sim::Sim;
use crate::state::State as SimState;

/// Query parameters of a raw-body send. Everything is optional: the document type, standard
/// and control numbers are read from the EDI envelope when absent; sender and receiver
/// default to the first active partnership that allows the type.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawSend {
    doc_type: Option<String>,
    standard: Option<Standard>,
    sender: Option<String>,
    receiver: Option<String>,
    po_number: Option<String>,
    invoice_number: Option<String>,
    shipment_id: Option<String>,
    bol: Option<String>,
    interchange: Option<String>,
    group: Option<String>,
    transaction: Option<String>,
    file_name: Option<String>,
    #[serde(default)]
    ack_requested: bool,
}

/// Sends a document from the partner into the tenant's inbox (`document.received`). A
/// 997/999/CONTRL marks the outbound documents it references `acknowledged`.
///
/// # Format
/// Either multipart (`metadata` JSON + `payload` file, as `POST /v1/documents`), or the raw
/// payload as the body with metadata in the query string:
/// `POST /__sim/partners/prt_acme/documents?doc_type=855&po_number=PO-1001`.
pub(crate) async fn send(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
    Query(raw): Query<RawSend>,
    request: Request,
) -> ApiResult<Response> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (mut metadata, file) = if is_multipart {
        let (metadata, file, _) = read_send(&sim, request, sim.config.max_document_bytes).await?;
        (metadata, file)
    } else {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let stream = request
            .into_body()
            .into_data_stream()
            .map_err(|e| e.to_string());
        let written = sim
            .blobs
            .write(stream, sim.config.max_document_bytes)
            .await?;
        let head = crate::documents::read_head(&written.temp)
            .await
            .unwrap_or_default();
        let envelope = edi::envelope(&head);
        let metadata =
            match sim.read(|state| raw_metadata(state, &partner_id, &raw, envelope.as_ref())) {
                Ok(metadata) => metadata,
                Err(error) => {
                    sim.blobs.discard(&written).await;
                    return Err(error);
                }
            };
        let file_name = raw
            .file_name
            .clone()
            .unwrap_or_else(|| format!("{}.edi", metadata.doc_type));
        (
            metadata,
            ReceivedFile {
                file_name,
                content_type,
                written,
            },
        )
    };
    let (routed_partner, mailbox) = match sim
        .read(|state| check_route(state, Direction::Inbound, &metadata, Some(&partner_id)))
    {
        Ok(route) => route,
        Err(error) => {
            sim.blobs.discard(&file.written).await;
            return Err(error);
        }
    };
    complete_control_numbers(&mut metadata, &file).await;
    let accepted = prepare(
        &sim,
        Direction::Inbound,
        metadata,
        &file,
        routed_partner,
        mailbox,
    )
    .await?;
    let document = accepted.document.clone();
    sim.write(|state| {
        commit(&sim, state, accepted);
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

/// Builds metadata for a raw send from the query, the envelope and the partnerships.
fn raw_metadata(
    state: &SimState,
    partner_id: &PartnerId,
    raw: &RawSend,
    envelope: Option<&edi::Envelope>,
) -> ApiResult<DocumentMetadata> {
    let doc_type = raw
        .doc_type
        .clone()
        .or_else(|| envelope.and_then(|e| e.doc_type.clone()))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "doc_type",
                "give doc_type (it could not be read from the payload)",
            )
        })?;
    let party = |field: &str, text: &Option<String>| {
        text.as_deref()
            .map(|t| PartyId::parse(t).map_err(|e| ApiError::invalid_field(field, e.to_string())))
            .transpose()
    };
    let (sender, receiver) = (
        party("sender", &raw.sender)?,
        party("receiver", &raw.receiver)?,
    );
    let record = state.partner(partner_id)?;
    if let Some(sender) = &sender
        && !record.partner.edi_addresses.contains(sender)
    {
        return Err(ApiError::forbidden(format!(
            "{sender} is not an EDI address of partner {partner_id}"
        )));
    }
    let ship = record
        .partnerships
        .iter()
        .filter(|s| s.status == "active" && s.receive.iter().any(|t| t == "*" || t == &doc_type))
        .find(|s| {
            sender.as_ref().is_none_or(|p| p == &s.partner_address)
                && receiver.as_ref().is_none_or(|p| p == &s.my_address)
        });
    let sender = sender
        .or_else(|| ship.map(|s| s.partner_address.clone()))
        .or_else(|| record.partner.edi_addresses.first().cloned());
    let receiver = receiver.or_else(|| ship.map(|s| s.my_address.clone()));
    let (Some(sender), Some(receiver)) = (sender, receiver) else {
        return Err(ApiError::unprocessable(format!(
            "partner {partner_id} has no active partnership receiving {doc_type}"
        )));
    };
    let standard = raw.standard.unwrap_or(match envelope {
        Some(e) if e.edifact => Standard::Edifact,
        Some(_) => Standard::X12,
        None => Standard::Other,
    });
    Ok(DocumentMetadata {
        sender,
        receiver,
        standard,
        doc_type,
        business_refs: BusinessRefs {
            po_number: raw.po_number.clone(),
            invoice_number: raw.invoice_number.clone(),
            shipment_id: raw.shipment_id.clone(),
            bol: raw.bol.clone(),
        },
        control_numbers: ControlNumbers {
            interchange: raw.interchange.clone(),
            group: raw.group.clone(),
            transaction: raw.transaction.clone(),
        },
        ack_requested: raw.ack_requested,
    })
}

/// A document as the partner sees it.
#[derive(Debug, Serialize)]
pub(crate) struct PartnerDocument {
    /// `sent` (partner → tenant) or `received` (tenant → partner).
    partner_direction: &'static str,
    /// The status in the partner's own Sendbox/Inbox.
    partner_status: DocumentStatus,
    document: Document,
}

pub(crate) async fn documents(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
) -> ApiResult<Response> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    sim.read(|state| {
        let items: Vec<PartnerDocument> = state
            .documents
            .values()
            .filter(|r| r.partner_id == partner_id)
            .map(|r| PartnerDocument {
                partner_direction: if r.document.direction == Direction::Inbound {
                    "sent"
                } else {
                    "received"
                },
                partner_status: r.partner_status.unwrap_or(r.document.status),
                document: r.document.clone(),
            })
            .collect();
        Ok(Json(serde_json::json!({"items": items, "next_cursor": null})).into_response())
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusMove {
    status: DocumentStatus,
    #[serde(default)]
    detail: Option<String>,
}

/// Moves a document to a status (`POST /__sim/documents/{id}/status {"status":"delivered"}`):
/// outbound along submitted → validated → sent → delivered → acknowledged (one
/// `document.status_changed` per step), or to `translation_error`, `send_failed`, `failed`
/// where that can happen; inbound along new → read → downloaded → turned_around. 409 when
/// the move is impossible.
pub(crate) async fn move_document(
    State(sim): State<Arc<Sim>>,
    Path(document_id): Path<String>,
    crate::extract::ApiJson(change, _): crate::extract::ApiJson<StatusMove>,
) -> ApiResult<Json<Document>> {
    if change.status == DocumentStatus::Unknown {
        return Err(ApiError::invalid_field("status", "unknown status"));
    }
    let id = DocumentId::new(document_id);
    sim.write(|state| {
        move_status(&sim, state, &id, change.status, change.detail.as_deref()).map(Json)
    })
}
