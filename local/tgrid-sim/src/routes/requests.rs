//! `/v1/document_requests…` (tenant side).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gridlink_tgrid::PartnerId;
use gridlink_tgrid::model::{
    DocumentRequest, ExternalRef, ItemReview, ItemStatus, NewDocumentRequest, Page, RequestItem,
    RequestStatus, ReviewDecision,
};
use gridlink_tgrid::{RequestId, RequestItemId};
use serde::Deserialize;
use time::OffsetDateTime;

use super::created;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Tenant};
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::{limit, page};

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
                fields: serde_json::Map::new(),
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

/// `GET /v1/document_requests` filters (unknown parameters are refused, never ignored).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    where_partner_id: Option<String>,
    where_external_ref: Option<String>,
    where_status: Option<String>,
}

/// Lists requests by partner, external reference and/or status (at least one filter:
/// a tenant-wide dump is not offered), oldest id first, paged.
pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<Page<DocumentRequest>>> {
    let limit = limit(q.limit)?;
    let external_ref = q
        .where_external_ref
        .as_deref()
        .map(|text| {
            ExternalRef::parse(text).ok_or_else(|| {
                ApiError::invalid_field("where_external_ref", "must read `system:id`")
            })
        })
        .transpose()?;
    let status = q
        .where_status
        .as_deref()
        .map(|text| {
            serde_json::from_value::<RequestStatus>(serde_json::Value::String(text.to_owned()))
                .ok()
                .filter(|s| *s != RequestStatus::Unknown)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "where_status",
                        "must be open, partially_fulfilled, fulfilled, expired or cancelled",
                    )
                })
        })
        .transpose()?;
    let partner = q.where_partner_id.map(PartnerId::new);
    if partner.is_none() && external_ref.is_none() && status.is_none() {
        return Err(ApiError::invalid_field(
            "where_partner_id",
            "give where_partner_id, where_external_ref or where_status",
        ));
    }
    let now = sim.now();
    sim.write(|state| {
        let mut items = Vec::new();
        for request in state.requests.values_mut() {
            settle(request, now);
            if partner.as_ref().is_some_and(|p| &request.partner_id != p)
                || external_ref
                    .as_ref()
                    .is_some_and(|r| request.external_ref.as_ref() != Some(r))
                || status.is_some_and(|s| request.status != s)
            {
                continue;
            }
            items.push((request.request_id.to_string(), request.clone()));
        }
        Ok(Json(page(items, q.cursor.as_deref(), limit)))
    })
}

/// Withdraws a request (a superseded one): its pending and rejected items can no longer be
/// submitted. Cancelling again is a no-op; a fulfilled request cannot be cancelled (409).
pub(crate) async fn cancel(
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
        match request.status {
            RequestStatus::Cancelled => {}
            RequestStatus::Fulfilled => {
                return Err(ApiError::conflict(format!(
                    "document request {id} is fulfilled and cannot be cancelled"
                )));
            }
            _ => request.status = RequestStatus::Cancelled,
        }
        Ok(Json(request.clone()))
    })
}

/// Reads the structured `fields` of a submission: an object whose values are texts,
/// numbers, booleans or lists of texts (400 naming `fields.<name>` otherwise).
pub(crate) fn submission_fields(
    value: Option<&serde_json::Value>,
) -> ApiResult<serde_json::Map<String, serde_json::Value>> {
    let Some(value) = value else {
        return Ok(serde_json::Map::new());
    };
    let serde_json::Value::Object(fields) = value else {
        return Err(ApiError::invalid_field(
            "fields",
            "must be an object of named values",
        ));
    };
    for (name, value) in fields {
        let fits = match value {
            serde_json::Value::String(_)
            | serde_json::Value::Number(_)
            | serde_json::Value::Bool(_) => true,
            serde_json::Value::Array(items) => items.iter().all(serde_json::Value::is_string),
            _ => false,
        };
        if name.trim().is_empty() || !fits {
            return Err(ApiError::invalid_field(
                &format!("fields.{name}"),
                "must be a text, a number, a boolean or a list of texts",
            ));
        }
    }
    Ok(fields.clone())
}
