//! `/v1/subscriptions…`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gridlink_tgrid::model::{NewSubscription, Page, Subscription};
use gridlink_tgrid::{EventType, SubscriptionId};
use secrecy::ExposeSecret;

use super::created;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Tenant};
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::{State as SimState, SubscriptionRecord};

pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewSubscription>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint("POST /v1/subscriptions", &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    sim.write(|state| {
        let subscription = add(&sim, state, new)?;
        created(
            &sim,
            state,
            &lock,
            &print,
            StatusCode::CREATED,
            &subscription,
        )
    })
}

/// Checks and stores a subscription (also used for seeded ones).
pub(crate) fn add(
    sim: &Sim,
    state: &mut SimState,
    new: NewSubscription,
) -> ApiResult<Subscription> {
    let url = url::Url::parse(&new.url)
        .map_err(|e| ApiError::invalid_field("url", format!("url is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::invalid_field("url", "url must be http or https"));
    }
    if new.event_types.is_empty() {
        return Err(ApiError::invalid_field(
            "event_types",
            "subscribe to at least one event type",
        ));
    }
    if let Some(unknown) = new
        .event_types
        .iter()
        .find(|t| matches!(t, EventType::Unknown(_)))
    {
        return Err(ApiError::invalid_field(
            "event_types",
            format!("unknown event type {unknown}"),
        ));
    }
    if new.secret.expose_secret().len() < 8 {
        return Err(ApiError::invalid_field(
            "secret",
            "secret must be at least 8 characters",
        ));
    }
    let subscription = Subscription {
        subscription_id: SubscriptionId::new(state.new_id("sub_")),
        url: new.url,
        event_types: new.event_types,
        filter: new.filter,
        created_at: sim.now(),
        extra: serde_json::Map::new(),
    };
    state.subscriptions.insert(
        subscription.subscription_id.clone(),
        SubscriptionRecord {
            subscription: subscription.clone(),
            secret: new.secret.expose_secret().to_owned(),
        },
    );
    Ok(subscription)
}

pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
) -> ApiResult<Json<Page<Subscription>>> {
    sim.read(|state| {
        Ok(Json(Page {
            items: state
                .subscriptions
                .values()
                .map(|r| r.subscription.clone())
                .collect(),
            next_cursor: None,
        }))
    })
}

pub(crate) async fn delete(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    sim.write(|state| {
        state
            .subscriptions
            .remove(&SubscriptionId::new(&id))
            .ok_or_else(|| ApiError::not_found("subscription", &id))?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
