//! `/v1/shares…` (tenant side).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gridlink_tgrid::ShareId;
use gridlink_tgrid::model::{
    AckStatus, Acknowledgment, NewShare, Page, Share, ShareRecipient, ShareStatus,
};

use super::{check_recipients, created};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Tenant};
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::ShareRecord;

pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewShare>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint("POST /v1/shares", &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    if new.title.trim().is_empty() {
        return Err(ApiError::invalid_field("title", "title must not be empty"));
    }
    if new.attachment_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "attachment_ids",
            "a share needs at least one attachment",
        ));
    }
    sim.write(|state| {
        check_recipients(state, &new.partner_ids, &new.attachment_ids)?;
        let share = Share {
            share_id: ShareId::new(state.new_id("shr_")),
            title: new.title,
            message: new.message,
            attachment_ids: new.attachment_ids,
            ack_required: new.ack_required,
            due_at: new.due_at,
            external_ref: new.external_ref,
            status: ShareStatus::Active,
            recipients: new
                .partner_ids
                .iter()
                .map(|p| ShareRecipient {
                    partner_id: p.clone(),
                    status: AckStatus::Pending,
                })
                .collect(),
            created_at: sim.now(),
            extra: serde_json::Map::new(),
        };
        let acknowledgments = new
            .partner_ids
            .iter()
            .map(|p| Acknowledgment {
                partner_id: p.clone(),
                status: AckStatus::Pending,
                at: None,
                by: None,
                comment: None,
                attachment_ids: Vec::new(),
            })
            .collect();
        state.shares.insert(
            share.share_id.clone(),
            ShareRecord {
                share: share.clone(),
                acknowledgments,
            },
        );
        created(&sim, state, &lock, &print, StatusCode::CREATED, &share)
    })
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Share>> {
    sim.read(|state| {
        state
            .shares
            .get(&ShareId::new(&id))
            .map(|r| Json(r.share.clone()))
            .ok_or_else(|| ApiError::not_found("share", &id))
    })
}

pub(crate) async fn acknowledgments(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<Acknowledgment>>> {
    sim.read(|state| {
        let record = state
            .shares
            .get(&ShareId::new(&id))
            .ok_or_else(|| ApiError::not_found("share", &id))?;
        Ok(Json(Page {
            items: record.acknowledgments.clone(),
            next_cursor: None,
        }))
    })
}

/// Withdraws a share; revoking again is a no-op.
pub(crate) async fn revoke(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Share>> {
    sim.write(|state| {
        let record = state
            .shares
            .get_mut(&ShareId::new(&id))
            .ok_or_else(|| ApiError::not_found("share", &id))?;
        record.share.status = ShareStatus::Revoked;
        Ok(Json(record.share.clone()))
    })
}
