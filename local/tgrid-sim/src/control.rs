//! Simulator controls that are not partner actions: delivery misbehaviour, injected API
//! faults, token revocation and counters.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Serialize;

use crate::delivery::{DeliveryAttempt, DeliveryMode};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::sim::{Faults, Sim};

/// The control routes.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route(
            "/__sim/delivery",
            get(delivery_mode).post(set_delivery_mode),
        )
        .route("/__sim/delivery/flush", post(flush))
        .route("/__sim/deliveries", get(deliveries))
        .route("/__sim/faults", post(set_faults))
        .route("/__sim/tokens/revoke", post(revoke_tokens))
        .route("/__sim/stats", get(stats))
}

async fn delivery_mode(State(sim): State<Arc<Sim>>) -> ApiResult<Json<DeliveryMode>> {
    sim.delivery
        .mode
        .lock()
        .map(|m| Json(m.clone()))
        .map_err(|_| ApiError::internal("mode lock"))
}

async fn set_delivery_mode(
    State(sim): State<Arc<Sim>>,
    ApiJson(mode, _): ApiJson<DeliveryMode>,
) -> ApiResult<Json<DeliveryMode>> {
    *sim.delivery
        .mode
        .lock()
        .map_err(|_| ApiError::internal("mode lock"))? = mode.clone();
    if mode.reorder_hold == 0 {
        sim.delivery.flush();
    }
    Ok(Json(mode))
}

async fn flush(State(sim): State<Arc<Sim>>) -> Json<serde_json::Value> {
    sim.delivery.flush();
    Json(serde_json::json!({"flushed": true}))
}

async fn deliveries(State(sim): State<Arc<Sim>>) -> ApiResult<Json<serde_json::Value>> {
    let log: Vec<DeliveryAttempt> = sim
        .delivery
        .log
        .lock()
        .map_err(|_| ApiError::internal("log lock"))?
        .clone();
    Ok(Json(serde_json::json!({"items": log})))
}

async fn set_faults(
    State(sim): State<Arc<Sim>>,
    ApiJson(faults, _): ApiJson<Faults>,
) -> ApiResult<Json<Faults>> {
    *sim.faults
        .lock()
        .map_err(|_| ApiError::internal("faults lock"))? = faults.clone();
    Ok(Json(faults))
}

async fn revoke_tokens(State(sim): State<Arc<Sim>>) -> ApiResult<Json<serde_json::Value>> {
    let revoked = sim.write(|state| {
        let count = state.tokens.len();
        state.tokens.clear();
        Ok(count)
    })?;
    Ok(Json(serde_json::json!({"revoked": revoked})))
}

/// Counters for tests and demos.
#[derive(Debug, Serialize)]
struct Stats {
    api_requests: u64,
    tokens_issued: u64,
    events: usize,
}

async fn stats(State(sim): State<Arc<Sim>>) -> ApiResult<Json<serde_json::Value>> {
    let events = sim.read(|state| Ok(state.events.len()))?;
    let stats = Stats {
        api_requests: sim.api_requests.load(Ordering::SeqCst),
        tokens_issued: sim.tokens_issued.load(Ordering::SeqCst),
        events,
    };
    Ok(Json(serde_json::to_value(stats).unwrap_or_default()))
}
