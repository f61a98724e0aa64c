//! `/v1/spaces…`, `/v1/threads…` (tenant side).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gridlink_tgrid::model::{
    Author, AuthorKind, ExternalRef, Message, NewMessage, NewSpace, NewThread, Page, Space, Thread,
    ThreadKind, ThreadStatus, ThreadUpdate,
};
use gridlink_tgrid::{MessageId, PartnerId, SpaceId, ThreadId};
use serde::Deserialize;

use super::created;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, PageQuery, Tenant};
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::{State as SimState, limit, page};

pub(crate) async fn create_space(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewSpace>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint("POST /v1/spaces", &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    if new.title.trim().is_empty() {
        return Err(ApiError::invalid_field("title", "title must not be empty"));
    }
    sim.write(|state| {
        state.partner(&new.partner_id).map_err(|_| {
            ApiError::unprocessable(format!("partner {} does not exist", new.partner_id))
        })?;
        let space = Space {
            space_id: SpaceId::new(state.new_id("spc_")),
            partner_id: new.partner_id,
            title: new.title,
            external_ref: new.external_ref,
            context: new.context,
            created_at: sim.now(),
            extra: serde_json::Map::new(),
        };
        state.spaces.insert(space.space_id.clone(), space.clone());
        created(&sim, state, &lock, &print, StatusCode::CREATED, &space)
    })
}

pub(crate) async fn get_space(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Space>> {
    sim.read(|state| {
        state
            .spaces
            .get(&SpaceId::new(&id))
            .cloned()
            .map(Json)
            .ok_or_else(|| ApiError::not_found("space", &id))
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct SpaceQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    where_partner_id: Option<String>,
    where_external_ref: Option<String>,
}

pub(crate) async fn list_spaces(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    ApiQuery(q): ApiQuery<SpaceQuery>,
) -> ApiResult<Json<Page<Space>>> {
    let limit = limit(q.limit)?;
    let external_ref = q
        .where_external_ref
        .as_deref()
        .map(|r| {
            ExternalRef::parse(r).ok_or_else(|| {
                ApiError::invalid_field(
                    "where_external_ref",
                    "where_external_ref must be system:id",
                )
            })
        })
        .transpose()?;
    let partner = q.where_partner_id.map(PartnerId::new);
    sim.read(|state| {
        let items = state
            .spaces
            .values()
            .filter(|s| partner.as_ref().is_none_or(|p| &s.partner_id == p))
            .filter(|s| {
                external_ref
                    .as_ref()
                    .is_none_or(|r| s.external_ref.as_ref() == Some(r))
            })
            .map(|s| (s.space_id.to_string(), s.clone()))
            .collect();
        Ok(Json(page(items, q.cursor.as_deref(), limit)))
    })
}

pub(crate) async fn create_thread(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(space_id): Path<String>,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewThread>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint(&format!("POST /v1/spaces/{space_id}/threads"), &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    if new.subject.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "subject",
            "subject must not be empty",
        ));
    }
    if new.kind == ThreadKind::Unknown {
        return Err(ApiError::invalid_field(
            "kind",
            "kind must be one of case, po_exception, contract, shipment, order, onboarding, recall, general",
        ));
    }
    let space_id = SpaceId::new(space_id);
    sim.write(|state| {
        if !state.spaces.contains_key(&space_id) {
            return Err(ApiError::not_found("space", space_id.as_str()));
        }
        let thread = Thread {
            thread_id: ThreadId::new(state.new_id("thr_")),
            space_id,
            subject: new.subject,
            kind: new.kind,
            status: ThreadStatus::Open,
            external_ref: new.external_ref,
            created_at: sim.now(),
            extra: serde_json::Map::new(),
        };
        state
            .threads
            .insert(thread.thread_id.clone(), thread.clone());
        created(&sim, state, &lock, &print, StatusCode::CREATED, &thread)
    })
}

pub(crate) async fn list_threads(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(space_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Thread>>> {
    let limit = limit(q.limit)?;
    let space_id = SpaceId::new(space_id);
    sim.read(|state| {
        if !state.spaces.contains_key(&space_id) {
            return Err(ApiError::not_found("space", space_id.as_str()));
        }
        let items = state
            .threads
            .values()
            .filter(|t| t.space_id == space_id)
            .map(|t| (t.thread_id.to_string(), t.clone()))
            .collect();
        Ok(Json(page(items, q.cursor.as_deref(), limit)))
    })
}

pub(crate) async fn get_thread(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Thread>> {
    sim.read(|state| {
        state
            .threads
            .get(&ThreadId::new(&id))
            .cloned()
            .map(Json)
            .ok_or_else(|| ApiError::not_found("thread", &id))
    })
}

pub(crate) async fn update_thread(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
    ApiJson(update, _): ApiJson<ThreadUpdate>,
) -> ApiResult<Json<Thread>> {
    if update.status == ThreadStatus::Unknown {
        return Err(ApiError::invalid_field(
            "status",
            "status must be open, resolved or closed",
        ));
    }
    sim.write(|state| {
        let thread = state
            .threads
            .get_mut(&ThreadId::new(&id))
            .ok_or_else(|| ApiError::not_found("thread", &id))?;
        thread.status = update.status;
        Ok(Json(thread.clone()))
    })
}

pub(crate) async fn post_message(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(thread_id): Path<String>,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewMessage>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint(&format!("POST /v1/threads/{thread_id}/messages"), &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    if new.body.trim().is_empty() && new.attachment_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "body",
            "a message needs a body or attachments",
        ));
    }
    let thread_id = ThreadId::new(thread_id);
    sim.write(|state| {
        let partner_id = writable_thread(state, &thread_id)?;
        for attachment_id in &new.attachment_ids {
            state.attachment_usable_for(attachment_id, &partner_id)?;
        }
        let message = Message {
            message_id: MessageId::new(state.new_id("msg_")),
            thread_id,
            posted_at: sim.now(),
            author: Author {
                kind: AuthorKind::Internal,
                partner_id: None,
                name: None,
            },
            body: new.body,
            attachment_ids: new.attachment_ids,
            structured: new.structured,
            action_request: new.action_request,
            extra: serde_json::Map::new(),
        };
        state
            .messages
            .insert(message.message_id.clone(), message.clone());
        created(&sim, state, &lock, &print, StatusCode::CREATED, &message)
    })
}

/// The partner of a thread that accepts messages (404 unknown, 409 closed).
pub(crate) fn writable_thread(state: &SimState, thread_id: &ThreadId) -> ApiResult<PartnerId> {
    let thread = state
        .threads
        .get(thread_id)
        .ok_or_else(|| ApiError::not_found("thread", thread_id.as_str()))?;
    if thread.status == ThreadStatus::Closed {
        return Err(ApiError::conflict(format!("thread {thread_id} is closed")));
    }
    let space = state
        .spaces
        .get(&thread.space_id)
        .ok_or_else(|| ApiError::internal("thread without space"))?;
    Ok(space.partner_id.clone())
}

pub(crate) async fn list_messages(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(thread_id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Message>>> {
    let limit = limit(q.limit)?;
    let thread_id = ThreadId::new(thread_id);
    sim.read(|state| messages_page(state, &thread_id, q.cursor.as_deref(), limit).map(Json))
}

/// A page of a thread's messages, oldest first.
pub(crate) fn messages_page(
    state: &SimState,
    thread_id: &ThreadId,
    cursor: Option<&str>,
    limit: usize,
) -> ApiResult<Page<Message>> {
    if !state.threads.contains_key(thread_id) {
        return Err(ApiError::not_found("thread", thread_id.as_str()));
    }
    let items = state
        .messages
        .values()
        .filter(|m| &m.thread_id == thread_id)
        .map(|m| (m.message_id.to_string(), m.clone()))
        .collect();
    Ok(page(items, cursor, limit))
}
