//! `/v1/attachments…`: multipart upload streamed to disk, streamed download.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use gridlink_tgrid::AttachmentId;
use gridlink_tgrid::model::Attachment;

use crate::blobs::Written;
use crate::error::{ApiError, ApiResult};
use crate::extract::Tenant;
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::{AttachmentRecord, Owner};

/// A file part read off a multipart body.
pub(crate) struct ReceivedFile {
    pub file_name: String,
    pub content_type: String,
    pub written: Written,
}

/// Streams one multipart field to the blob store.
pub(crate) async fn receive_file(
    sim: &Sim,
    field: axum::extract::multipart::Field<'_>,
    limit: u64,
) -> ApiResult<ReceivedFile> {
    let file_name = field.file_name().unwrap_or("upload.bin").to_owned();
    let content_type = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_owned();
    let written = sim
        .blobs
        .write(field.map_err(|e| e.body_text()), limit)
        .await?;
    Ok(ReceivedFile {
        file_name,
        content_type,
        written,
    })
}

/// Stores a received file as an attachment owned by `owner` (inside a state change).
pub(crate) async fn keep_attachment(
    sim: &Sim,
    file: &ReceivedFile,
    owner: Owner,
) -> ApiResult<Attachment> {
    let id = sim.write(|state| Ok(AttachmentId::new(state.new_id("att_"))))?;
    let blob = sim.blobs.keep(&file.written, id.as_str()).await?;
    let attachment = Attachment {
        attachment_id: id.clone(),
        file_name: file.file_name.clone(),
        content_type: file.content_type.clone(),
        size_bytes: file.written.size_bytes,
        sha256: file.written.sha256.clone(),
        created_at: Some(sim.now()),
        extra: serde_json::Map::new(),
    };
    sim.write(|state| {
        state.attachments.insert(
            id,
            AttachmentRecord {
                attachment: attachment.clone(),
                blob,
                owner,
            },
        );
        Ok(())
    })?;
    Ok(attachment)
}

pub(crate) async fn upload(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::invalid(e.body_text()))?
    {
        if field.name() == Some("file") && file.is_none() {
            file = Some(receive_file(&sim, field, sim.config.max_attachment_bytes).await?);
        }
    }
    let file = file
        .ok_or_else(|| ApiError::invalid_field("file", "the multipart body needs a `file` part"))?;
    let print = fingerprint(
        "POST /v1/attachments",
        &serde_json::json!({"file_name": file.file_name, "content_type": file.content_type, "sha256": file.written.sha256}),
    );
    match sim.replay(&lock, &print) {
        Ok(Some(replayed)) => {
            sim.blobs.discard(&file.written).await;
            return Ok(replayed);
        }
        Ok(None) => {}
        Err(conflict) => {
            sim.blobs.discard(&file.written).await;
            return Err(conflict);
        }
    }
    let attachment = keep_attachment(&sim, &file, Owner::Tenant).await?;
    let body = serde_json::to_value(&attachment).map_err(|e| ApiError::internal(e.to_string()))?;
    sim.write(|state| {
        sim.remember(state, &lock, &print, StatusCode::CREATED, &body);
        Ok(())
    })?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Attachment>> {
    sim.read(|state| {
        state
            .attachments
            .get(&AttachmentId::new(&id))
            .map(|r| Json(r.attachment.clone()))
            .ok_or_else(|| ApiError::not_found("attachment", &id))
    })
}

pub(crate) async fn content(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    serve_attachment(&sim, &id, &headers).await
}

/// Streams an attachment's content.
pub(crate) async fn serve_attachment(
    sim: &Sim,
    id: &str,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let record = sim.read(|state| {
        state
            .attachments
            .get(&AttachmentId::new(id))
            .cloned()
            .ok_or_else(|| ApiError::not_found("attachment", id))
    })?;
    sim.blobs
        .serve(
            &record.blob,
            record.attachment.size_bytes,
            &record.attachment.content_type,
            headers,
        )
        .await
}
