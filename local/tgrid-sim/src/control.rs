//! Simulator controls that are not partner actions: delivery misbehaviour, injected API
//! faults, token revocation and counters, and adding a partner to the running simulator.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Serialize;

use crate::delivery::{DeliveryAttempt, DeliveryMode};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::seed::PartnerSeed;
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
        .route("/__sim/partners", post(put_partner))
}

/// `POST /__sim/partners` with a partner in the seed format ([`PartnerSeed`]): adds it to the
/// running simulator, or replaces the partner with that id (addresses, contacts,
/// partnerships). 201 when added, 200 when replaced, with the partner as
/// `GET /v1/partners/{id}` shows it; `partner.updated` is emitted. An inconsistent partner →
/// 400 listing every problem; an EDI address another partner holds → 409 naming both.
async fn put_partner(
    State(sim): State<Arc<Sim>>,
    ApiJson(seed, _): ApiJson<PartnerSeed>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let added = sim.write(|state| {
        let problems = seed.problems(&state.tenant.addresses());
        if !problems.is_empty() {
            return Err(ApiError::invalid(problems.join("; ")));
        }
        let record = seed.record();
        for address in &record.partner.edi_addresses {
            if let Some(other) = state.partners.values().find(|p| {
                p.partner.partner_id != seed.partner_id && p.partner.edi_addresses.contains(address)
            }) {
                return Err(ApiError::conflict(format!(
                    "edi_addresses: {address} belongs to partner {}, not {}",
                    other.partner.partner_id, seed.partner_id
                )));
            }
        }
        let partner = record.partner.clone();
        let added = state
            .partners
            .insert(seed.partner_id.clone(), record)
            .is_none();
        sim.emit(
            state,
            gridlink_tgrid::EventType::PartnerUpdated,
            serde_json::to_value(&partner).unwrap_or_default(),
        );
        Ok((added, partner))
    })?;
    let (added, partner) = added;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(serde_json::to_value(partner).unwrap_or_default()),
    ))
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
