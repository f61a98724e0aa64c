//! Partner side of collaboration: profile, attachments, spaces, threads, messages.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gridlink_tgrid::model::{
    Attachment, Author, AuthorKind, Message, Page, Partner, PartnerStatus, Space, Thread,
    ThreadStatus,
};
use gridlink_tgrid::{AttachmentId, EventType, MessageId, PartnerId, SpaceId, ThreadId};

use super::{PartnerBody, known_partner};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, PageQuery};
use crate::routes::attachments::serve_attachment;
use crate::routes::collaboration::{messages_page, writable_thread};
use crate::sim::Sim;
use crate::state::{State as SimState, limit};

pub(crate) async fn profile(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
) -> ApiResult<Json<Partner>> {
    known_partner(&sim, &PartnerId::new(partner_id)).map(Json)
}

/// Changes a partner's status, name or contacts and emits `partner.updated`.
pub(crate) async fn update_profile(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
    request: Request,
) -> ApiResult<Json<Partner>> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    let body = PartnerBody::read(&sim, &partner_id, request).await?;
    let status = body
        .fields
        .get("status")
        .map(
            |s| match serde_json::from_value::<PartnerStatus>(s.clone()) {
                Ok(PartnerStatus::Unknown) | Err(_) => Err(ApiError::invalid_field(
                    "status",
                    "status must be active, onboarding or suspended",
                )),
                Ok(status) => Ok(status),
            },
        )
        .transpose()?;
    let contacts = body
        .fields
        .get("contacts")
        .map(|c| {
            serde_json::from_value(c.clone())
                .map_err(|e| ApiError::invalid_field("contacts", e.to_string()))
        })
        .transpose()?;
    sim.write(|state| {
        let record = state
            .partners
            .get_mut(&partner_id)
            .ok_or_else(|| ApiError::not_found("partner", partner_id.as_str()))?;
        if let Some(status) = status {
            record.partner.status = status;
        }
        if let Some(name) = body.text("name") {
            record.partner.name = name;
        }
        if let Some(contacts) = contacts {
            record.partner.contacts = contacts;
        }
        let partner = record.partner.clone();
        sim.emit(
            state,
            EventType::PartnerUpdated,
            serde_json::to_value(&partner).unwrap_or_default(),
        );
        Ok(Json(partner))
    })
}

/// Uploads files as the partner (multipart `file` parts); answers the attachments.
pub(crate) async fn upload(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    let body = PartnerBody::read(&sim, &partner_id, request).await?;
    if body.files.is_empty() {
        return Err(ApiError::invalid_field(
            "file",
            "send at least one multipart file part",
        ));
    }
    let files: Vec<Attachment> = body.files;
    Ok((
        StatusCode::CREATED,
        Json(Page {
            items: files,
            next_cursor: None,
        }),
    )
        .into_response())
}

/// Downloads an attachment the partner can see (its own, or one the tenant sent it).
pub(crate) async fn attachment_content(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, attachment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    let id = AttachmentId::new(&attachment_id);
    sim.read(|state| {
        if !state.attachments.contains_key(&id) {
            return Err(ApiError::not_found("attachment", &attachment_id));
        }
        if state.attachment_visible_to(&id, &partner_id) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "attachment {id} is not visible to partner {partner_id}"
            )))
        }
    })?;
    serve_attachment(&sim, &attachment_id, &headers).await
}

pub(crate) async fn spaces(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
) -> ApiResult<Json<Page<Space>>> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    sim.read(|state| {
        Ok(Json(Page {
            items: state
                .spaces
                .values()
                .filter(|s| s.partner_id == partner_id)
                .cloned()
                .collect(),
            next_cursor: None,
        }))
    })
}

/// The space, if it is the partner's (404 unknown, 403 another partner's).
fn own_space<'a>(
    state: &'a SimState,
    partner_id: &PartnerId,
    space_id: &SpaceId,
) -> ApiResult<&'a Space> {
    let space = state
        .spaces
        .get(space_id)
        .ok_or_else(|| ApiError::not_found("space", space_id.as_str()))?;
    if &space.partner_id != partner_id {
        return Err(ApiError::forbidden(format!(
            "space {space_id} is not shared with partner {partner_id}"
        )));
    }
    Ok(space)
}

/// The thread and its space, if the space is the partner's.
fn own_thread<'a>(
    state: &'a SimState,
    partner_id: &PartnerId,
    thread_id: &ThreadId,
) -> ApiResult<(&'a Thread, &'a Space)> {
    let thread = state
        .threads
        .get(thread_id)
        .ok_or_else(|| ApiError::not_found("thread", thread_id.as_str()))?;
    Ok((thread, own_space(state, partner_id, &thread.space_id)?))
}

pub(crate) async fn threads(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, space_id)): Path<(String, String)>,
) -> ApiResult<Json<Page<Thread>>> {
    let (partner_id, space_id) = (PartnerId::new(partner_id), SpaceId::new(space_id));
    sim.read(|state| {
        own_space(state, &partner_id, &space_id)?;
        Ok(Json(Page {
            items: state
                .threads
                .values()
                .filter(|t| t.space_id == space_id)
                .cloned()
                .collect(),
            next_cursor: None,
        }))
    })
}

pub(crate) async fn messages(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, thread_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Message>>> {
    let (partner_id, thread_id) = (PartnerId::new(partner_id), ThreadId::new(thread_id));
    let limit = limit(q.limit)?;
    sim.read(|state| {
        own_thread(state, &partner_id, &thread_id)?;
        messages_page(state, &thread_id, q.cursor.as_deref(), limit).map(Json)
    })
}

/// Posts a reply as the partner and emits `message.posted`. A reply reopens a resolved
/// thread; a closed thread refuses it (409).
pub(crate) async fn post_message(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, thread_id)): Path<(String, String)>,
    request: Request,
) -> ApiResult<Response> {
    let (partner_id, thread_id) = (PartnerId::new(partner_id), ThreadId::new(thread_id));
    let partner = known_partner(&sim, &partner_id)?;
    sim.read(|state| own_thread(state, &partner_id, &thread_id).map(drop))?;
    let body = PartnerBody::read(&sim, &partner_id, request).await?;
    let text = body.text("body").unwrap_or_default();
    let attachment_ids = body.attachment_ids();
    if text.trim().is_empty() && attachment_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "body",
            "a message needs a body or files",
        ));
    }
    sim.write(|state| {
        writable_thread(state, &thread_id)?;
        for id in &attachment_ids {
            if !state.attachment_visible_to(id, &partner_id) {
                return Err(ApiError::forbidden(format!(
                    "attachment {id} is not visible to partner {partner_id}"
                )));
            }
        }
        let (thread, space) = own_thread(state, &partner_id, &thread_id)?;
        let (thread_kind, thread_ref, space_id, space_ref) = (
            thread.kind,
            thread.external_ref.clone(),
            space.space_id.clone(),
            space.external_ref.clone(),
        );
        let message = Message {
            message_id: MessageId::new(state.new_id("msg_")),
            thread_id: thread_id.clone(),
            posted_at: sim.now(),
            author: Author {
                kind: AuthorKind::Partner,
                partner_id: Some(partner_id.clone()),
                name: Some(partner.name.clone()),
            },
            body: text,
            attachment_ids,
            structured: body
                .fields
                .get("structured")
                .cloned()
                .filter(|v| !v.is_string()),
            action_request: None,
            extra: serde_json::Map::new(),
        };
        state
            .messages
            .insert(message.message_id.clone(), message.clone());
        if let Some(thread) = state.threads.get_mut(&thread_id)
            && thread.status == ThreadStatus::Resolved
        {
            thread.status = ThreadStatus::Open;
        }
        let data = serde_json::json!({
            "space_id": space_id, "thread_id": thread_id, "thread_kind": thread_kind,
            "external_ref": space_ref, "thread_external_ref": thread_ref, "message": message,
        });
        sim.emit(state, EventType::MessagePosted, data);
        Ok((StatusCode::CREATED, Json(message)).into_response())
    })
}
