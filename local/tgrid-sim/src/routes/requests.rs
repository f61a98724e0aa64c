//! `/v1/document_requests…` (tenant side).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gridlink_tgrid::model::{
    DocumentRequest, ItemReview, ItemStatus, NewDocumentRequest, RequestItem, RequestStatus,
    ReviewDecision,
};
use gridlink_tgrid::{RequestId, RequestItemId};
use time::OffsetDateTime;

use super::created;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Tenant};
use crate::idempotency::fingerprint;
use crate::sim::Sim;

pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewDocumentRequest>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint("POST /v1/document_requests", &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    if new.items.is_empty() {
        return Err(ApiError::invalid_field(
            "items",
            "a document request needs at least one item",
        ));
    }
    if let Some(position) = new.items.iter().position(|i| i.kind.trim().is_empty()) {
        return Err(ApiError::invalid_field(
            &format!("items[{position}].kind"),
            "every item needs a kind",
        ));
    }
    sim.write(|state| {
        state.partner(&new.partner_id).map_err(|_| {
            ApiError::unprocessable(format!("partner {} does not exist", new.partner_id))
        })?;
        let request_id = RequestId::new(state.new_id("req_"));
        let items = new
            .items
            .into_iter()
            .map(|item| RequestItem {
                item_id: RequestItemId::new(state.new_id("itm_")),
                kind: item.kind,
                description: item.description,
                required: item.required,
                status: ItemStatus::Pending,
                attachment_ids: Vec::new(),
                valid_from: None,
                valid_until: None,
                submitted_at: None,
                review_reason: None,
            })
            .collect();
        let request = DocumentRequest {
            request_id,
            partner_id: new.partner_id,
            status: RequestStatus::Open,
            items,
            due_at: new.due_at,
            external_ref: new.external_ref,
            created_at: sim.now(),
            extra: serde_json::Map::new(),
        };
        state
            .requests
            .insert(request.request_id.clone(), request.clone());
        created(&sim, state, &lock, &print, StatusCode::CREATED, &request)
    })
}

/// The request's overall status from its items and the clock.
pub(crate) fn settle(request: &mut DocumentRequest, now: OffsetDateTime) {
    if request.status == RequestStatus::Cancelled {
        return;
    }
    let required: Vec<&RequestItem> = request.items.iter().filter(|i| i.required).collect();
    let counted = if required.is_empty() {
        request.items.iter().collect()
    } else {
        required
    };
    request.status = if counted.iter().all(|i| i.status == ItemStatus::Accepted) {
        RequestStatus::Fulfilled
    } else if request.due_at.is_some_and(|due| due < now) {
        RequestStatus::Expired
    } else if request
        .items
        .iter()
        .any(|i| i.status == ItemStatus::Accepted)
    {
        RequestStatus::PartiallyFulfilled
    } else {
        RequestStatus::Open
    };
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<DocumentRequest>> {
    let now = sim.now();
    sim.write(|state| {
        let request = state
            .requests
            .get_mut(&RequestId::new(&id))
            .ok_or_else(|| ApiError::not_found("document request", &id))?;
        settle(request, now);
        Ok(Json(request.clone()))
    })
}

/// Accepts or rejects a submitted item (409 unless it is `submitted`; the same decision
/// again is a no-op).
pub(crate) async fn review(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path((request_id, item_id)): Path<(String, String)>,
    ApiJson(review, _): ApiJson<ItemReview>,
) -> ApiResult<Json<DocumentRequest>> {
    let now = sim.now();
    sim.write(|state| {
        let request = state
            .requests
            .get_mut(&RequestId::new(&request_id))
            .ok_or_else(|| ApiError::not_found("document request", &request_id))?;
        let item = request
            .items
            .iter_mut()
            .find(|i| i.item_id.as_str() == item_id)
            .ok_or_else(|| ApiError::not_found("request item", &item_id))?;
        let decided = match review.decision {
            ReviewDecision::Accept => ItemStatus::Accepted,
            ReviewDecision::Reject => ItemStatus::Rejected,
        };
        if item.status != decided {
            if item.status != ItemStatus::Submitted {
                return Err(ApiError::conflict(format!(
                    "item {item_id} is not awaiting review"
                )));
            }
            item.status = decided;
            item.review_reason = Some(review.reason).filter(|r| !r.is_empty());
        }
        settle(request, now);
        Ok(Json(request.clone()))
    })
}
