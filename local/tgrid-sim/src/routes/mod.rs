//! The tenant-facing API: one file per area of the contract.

pub(crate) mod attachments;
pub(crate) mod auth;
pub(crate) mod campaigns;
pub(crate) mod collaboration;
pub(crate) mod documents;
pub(crate) mod events;
pub(crate) mod partners;
pub(crate) mod requests;
pub(crate) mod shares;
pub(crate) mod subscriptions;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use gridlink_tgrid::{AttachmentId, PartnerId};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::idempotency::KeyLock;
use crate::sim::Sim;
use crate::state::State;

/// Every `/v1` route and the token endpoint.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/tenants/{tenant_id}/oauth2/token", post(auth::token))
        .route("/v1/partners", get(partners::list))
        .route("/v1/partners/{partner_id}", get(partners::get_one))
        .route("/v1/documents", post(documents::send))
        .route("/v1/documents/{document_id}", get(documents::get_one))
        .route(
            "/v1/documents/{document_id}/content",
            get(documents::content),
        )
        .route(
            "/v1/documents/{document_id}/download",
            post(documents::mark_downloaded),
        )
        .route("/v1/mailboxes/{mailbox_id}/inbox", get(documents::inbox))
        .route("/v1/attachments", post(attachments::upload))
        .route("/v1/attachments/{attachment_id}", get(attachments::get_one))
        .route(
            "/v1/attachments/{attachment_id}/content",
            get(attachments::content),
        )
        .route(
            "/v1/spaces",
            post(collaboration::create_space).get(collaboration::list_spaces),
        )
        .route("/v1/spaces/{space_id}", get(collaboration::get_space))
        .route(
            "/v1/spaces/{space_id}/threads",
            post(collaboration::create_thread).get(collaboration::list_threads),
        )
        .route(
            "/v1/threads/{thread_id}",
            get(collaboration::get_thread).patch(collaboration::update_thread),
        )
        .route(
            "/v1/threads/{thread_id}/messages",
            post(collaboration::post_message).get(collaboration::list_messages),
        )
        .route("/v1/shares", post(shares::create))
        .route("/v1/shares/{share_id}", get(shares::get_one))
        .route(
            "/v1/shares/{share_id}/acknowledgments",
            get(shares::acknowledgments),
        )
        .route("/v1/shares/{share_id}/revoke", post(shares::revoke))
        .route(
            "/v1/document_requests",
            post(requests::create).get(requests::list),
        )
        .route(
            "/v1/document_requests/{request_id}/cancel",
            post(requests::cancel),
        )
        .route("/v1/document_requests/{request_id}", get(requests::get_one))
        .route(
            "/v1/document_requests/{request_id}/items/{item_id}/review",
            post(requests::review),
        )
        .route(
            "/v1/campaigns",
            post(campaigns::create).get(campaigns::list),
        )
        .route("/v1/campaigns/{campaign_id}", get(campaigns::get_one))
        .route(
            "/v1/campaigns/{campaign_id}/responses",
            get(campaigns::responses),
        )
        .route(
            "/v1/campaigns/{campaign_id}/reminders",
            post(campaigns::remind),
        )
        .route(
            "/v1/subscriptions",
            post(subscriptions::create).get(subscriptions::list),
        )
        .route(
            "/v1/subscriptions/{subscription_id}",
            delete(subscriptions::delete),
        )
        .route("/v1/events", get(events::list))
}

/// Answers a create: remembers the answer under the idempotency key, then sends it.
pub(crate) fn created<T: Serialize>(
    sim: &Sim,
    state: &mut State,
    lock: &KeyLock,
    print: &str,
    status: StatusCode,
    resource: &T,
) -> ApiResult<Response> {
    let body = serde_json::to_value(resource).map_err(|e| ApiError::internal(e.to_string()))?;
    sim.remember(state, lock, print, status, &body);
    Ok((status, Json(body)).into_response())
}

/// Checks a recipient list: at least one, no duplicates, every partner known (422), and
/// every attachment usable for every recipient (403 for another partner's file).
pub(crate) fn check_recipients(
    state: &State,
    partner_ids: &[PartnerId],
    attachment_ids: &[AttachmentId],
) -> ApiResult<()> {
    if partner_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "partner_ids",
            "name at least one partner",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for partner_id in partner_ids {
        if !seen.insert(partner_id) {
            return Err(ApiError::invalid_field(
                "partner_ids",
                format!("partner {partner_id} is listed twice"),
            ));
        }
        state
            .partner(partner_id)
            .map_err(|_| ApiError::unprocessable(format!("partner {partner_id} does not exist")))?;
        for attachment_id in attachment_ids {
            state.attachment_usable_for(attachment_id, partner_id)?;
        }
    }
    Ok(())
}
