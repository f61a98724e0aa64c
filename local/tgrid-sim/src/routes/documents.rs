//! `/v1/documents…` and `/v1/mailboxes/{mailbox_id}/inbox` (tenant side).

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use gridlink_tgrid::model::{
    Direction, Document, DocumentMetadata, DocumentStatus, Page, SubmittedDocument,
};
use gridlink_tgrid::{DocumentId, MailboxId, PartyId};
use serde::Deserialize;

use super::attachments::{ReceivedFile, receive_file};
use crate::documents::{check_route, commit, complete_control_numbers, move_status, prepare};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, JSON_LIMIT, Tenant, parse_json};
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::{limit, page};

/// The largest inline (`payload_base64`) payload.
pub(crate) const INLINE_LIMIT: u64 = 5 * 1024 * 1024;

/// The JSON form of a send: metadata plus the payload in base64.
#[derive(Debug, Deserialize)]
struct InlineDocument {
    #[serde(flatten)]
    metadata: DocumentMetadata,
    payload_base64: String,
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
}

/// Reads a document send (multipart `metadata` + `payload`, or JSON with `payload_base64`):
/// the metadata, the stored payload and the request's fingerprint.
pub(crate) async fn read_send(
    sim: &Sim,
    request: Request,
    limit: u64,
) -> ApiResult<(DocumentMetadata, ReceivedFile, serde_json::Value)> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &())
            .await
            .map_err(|e| ApiError::invalid(e.body_text()))?;
        let (mut metadata, mut payload) = (None, None);
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::invalid(e.body_text()))?
        {
            match field.name() {
                Some("metadata") if metadata.is_none() => {
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| ApiError::invalid(e.body_text()))?;
                    metadata = Some(parse_json::<DocumentMetadata>(&bytes)?);
                }
                Some("payload") if payload.is_none() => {
                    payload = Some(receive_file(sim, field, limit).await?);
                }
                _ => {}
            }
        }
        let crate::extract::ApiJson(metadata, raw) = metadata.ok_or_else(|| {
            ApiError::invalid_field(
                "metadata",
                "the multipart body needs a `metadata` JSON part",
            )
        })?;
        let payload = payload.ok_or_else(|| {
            ApiError::invalid_field("payload", "the multipart body needs a `payload` file part")
        })?;
        let print = serde_json::json!({"metadata": raw, "file_name": payload.file_name, "content_type": payload.content_type, "sha256": payload.written.sha256});
        return Ok((metadata, payload, print));
    }
    if content_type.starts_with("application/json") {
        let bytes = axum::body::to_bytes(request.into_body(), JSON_LIMIT)
            .await
            .map_err(|_| ApiError::too_large(INLINE_LIMIT))?;
        let crate::extract::ApiJson(inline, raw) = parse_json::<InlineDocument>(&bytes)?;
        let content = base64::engine::general_purpose::STANDARD
            .decode(inline.payload_base64.as_bytes())
            .map_err(|e| {
                ApiError::invalid_field(
                    "payload_base64",
                    format!("payload_base64 is not base64: {e}"),
                )
            })?;
        if content.len() as u64 > INLINE_LIMIT {
            return Err(ApiError::too_large(INLINE_LIMIT));
        }
        let written = sim
            .blobs
            .write(
                futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes::Bytes::from(
                    content,
                ))]),
                INLINE_LIMIT,
            )
            .await?;
        let file = ReceivedFile {
            file_name: inline
                .file_name
                .unwrap_or_else(|| format!("{}.edi", inline.metadata.doc_type)),
            content_type: inline
                .content_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            written,
        };
        return Ok((inline.metadata, file, raw));
    }
    Err(ApiError::invalid(
        "send multipart/form-data (metadata + payload) or application/json with payload_base64",
    ))
}

pub(crate) async fn send(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    request: Request,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let (mut metadata, file, raw) = read_send(&sim, request, sim.config.max_document_bytes).await?;
    let print = fingerprint("POST /v1/documents", &raw);
    let routed = sim
        .replay(&lock, &print)
        .and_then(|replayed| match replayed {
            Some(response) => Ok(Err(response)),
            None => sim
                .read(|state| check_route(state, Direction::Outbound, &metadata, None))
                .map(Ok),
        });
    let (partner_id, mailbox_id) = match routed {
        Ok(Ok(route)) => route,
        Ok(Err(replayed)) => {
            sim.blobs.discard(&file.written).await;
            return Ok(replayed);
        }
        Err(error) => {
            sim.blobs.discard(&file.written).await;
            return Err(error);
        }
    };
    complete_control_numbers(&mut metadata, &file).await;
    let accepted = prepare(
        &sim,
        Direction::Outbound,
        metadata,
        &file,
        partner_id,
        mailbox_id,
    )
    .await?;
    let answer = SubmittedDocument {
        document_id: accepted.document.document_id.clone(),
        status: DocumentStatus::Submitted,
    };
    let body = serde_json::to_value(&answer).map_err(|e| ApiError::internal(e.to_string()))?;
    sim.write(|state| {
        commit(&sim, state, accepted);
        sim.remember(state, &lock, &print, StatusCode::ACCEPTED, &body);
        Ok(())
    })?;
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Document>> {
    sim.read(|state| {
        state
            .documents
            .get(&DocumentId::new(&id))
            .map(|r| Json(r.document.clone()))
            .ok_or_else(|| ApiError::not_found("document", &id))
    })
}

/// Streams the payload; opening an inbound document that is `new` marks it `read`.
pub(crate) async fn content(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = DocumentId::new(id);
    let record = sim.write(|state| {
        let record = state
            .documents
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("document", id.as_str()))?;
        if record.document.direction == Direction::Inbound
            && record.document.status == DocumentStatus::New
        {
            move_status(&sim, state, &id, DocumentStatus::Read, None)?;
        }
        Ok(record)
    })?;
    sim.blobs
        .serve(
            &record.blob,
            record.document.size_bytes,
            &record.document.content_type,
            &headers,
        )
        .await
}

/// Marks an inbound document `downloaded` (again is a no-op).
pub(crate) async fn mark_downloaded(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Document>> {
    let id = DocumentId::new(id);
    sim.write(|state| {
        let record = state
            .documents
            .get(&id)
            .ok_or_else(|| ApiError::not_found("document", id.as_str()))?;
        if record.document.direction != Direction::Inbound {
            return Err(ApiError::conflict(format!(
                "document {id} is outbound; only inbound documents are downloaded"
            )));
        }
        match record.document.status {
            DocumentStatus::Downloaded | DocumentStatus::TurnedAround => {
                Ok(Json(record.document.clone()))
            }
            _ => move_status(&sim, state, &id, DocumentStatus::Downloaded, None).map(Json),
        }
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct InboxQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    where_status: Option<String>,
    where_doc_type: Option<String>,
    where_sender: Option<String>,
}

pub(crate) async fn inbox(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(mailbox_id): Path<String>,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<Page<Document>>> {
    let limit = limit(q.limit)?;
    let status = q
        .where_status
        .as_deref()
        .map(
            |s| match serde_json::from_value::<DocumentStatus>(s.into()) {
                Ok(DocumentStatus::Unknown) | Err(_) => Err(ApiError::invalid_field(
                    "where_status",
                    format!("unknown status {s:?}"),
                )),
                Ok(status) => Ok(status),
            },
        )
        .transpose()?;
    let sender = q
        .where_sender
        .as_deref()
        .map(|s| {
            PartyId::parse(s).map_err(|e| ApiError::invalid_field("where_sender", e.to_string()))
        })
        .transpose()?;
    let mailbox_id = MailboxId::new(mailbox_id);
    sim.read(|state| {
        if !state
            .tenant
            .mailboxes
            .iter()
            .any(|m| m.mailbox_id == mailbox_id)
        {
            return Err(ApiError::not_found("mailbox", mailbox_id.as_str()));
        }
        let items = state
            .documents
            .values()
            .map(|r| &r.document)
            .filter(|d| {
                d.direction == Direction::Inbound && d.mailbox_id.as_ref() == Some(&mailbox_id)
            })
            .filter(|d| status.is_none_or(|s| d.status == s))
            .filter(|d| {
                q.where_doc_type
                    .as_ref()
                    .is_none_or(|t| &d.metadata.doc_type == t)
            })
            .filter(|d| sender.as_ref().is_none_or(|s| &d.metadata.sender == s))
            .map(|d| (d.document_id.to_string(), d.clone()))
            .collect();
        Ok(Json(page(items, q.cursor.as_deref(), limit)))
    })
}
