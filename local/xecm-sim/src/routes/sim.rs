//! `/__sim`: the simulator's own endpoints (no login), for tests, demos and pollers.
//!
//! # Format
//! ```text
//! GET  /__sim/faults                 {"config":{…FaultConfig…},"counts":{…}}
//! PUT  /__sim/faults  {FaultConfig}  replaces the switches (JSON body)
//! GET  /__sim/events?after=N&limit=M {"events":[{id,kind,node_id,parent_id,workspace_id,name,subtype,detail,at,user_id}],"last_event_id":N}
//! POST /__sim/seed    {Seed}         loads a seed into the running simulator → {"workspaces_created":N};
//!                                    all or nothing: 400 naming the entry (e.g. a duplicate workspace)
//! GET  /__sim/stats                  {"calls_total":N,"calls":{"POST /api/v2/nodes":N,…},"nodes":N,"documents":N,"faults":{…}}
//! ```

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::envelope::{ApiError, ApiResult, ok};
use crate::faults::FaultConfig;
use crate::model::subtype;
use crate::seed::{self, Seed};
use crate::server::AppState;

/// The `/__sim` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/faults", get(faults).put(set_faults).post(set_faults))
        .route("/events", get(events))
        .route("/seed", post(load_seed))
        .route("/stats", get(stats))
}

async fn faults(State(sim): State<AppState>) -> ApiResult {
    let faults = sim.faults();
    ok(&json!({"config": faults.config, "counts": faults.counts}))
}

async fn set_faults(
    State(sim): State<AppState>,
    body: Result<Json<FaultConfig>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(config) =
        body.map_err(|e| ApiError::bad_request(format!("not a fault configuration: {e}")))?;
    tracing::info!(?config, "fault switches changed");
    sim.faults().replace(config);
    faults(State(sim)).await
}

#[derive(Debug, Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: u64,
    #[serde(default = "default_event_limit")]
    limit: usize,
}

fn default_event_limit() -> usize {
    1000
}

async fn events(
    State(sim): State<AppState>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(query) =
        query.map_err(|e| ApiError::bad_request(format!("bad events query: {e}")))?;
    let store = sim.store();
    let events: Vec<Value> = store
        .events
        .iter()
        .filter(|event| event.id > query.after)
        .take(query.limit.max(1))
        .map(|event| serde_json::to_value(event).unwrap_or(Value::Null))
        .collect();
    ok(&json!({"events": events, "last_event_id": store.last_event_id}))
}

async fn load_seed(
    State(sim): State<AppState>,
    body: Result<Json<Seed>, axum::extract::rejection::JsonRejection>,
) -> ApiResult {
    let Json(seed) = body.map_err(|e| ApiError::bad_request(format!("not a seed: {e}")))?;
    let now = sim.now();
    let mut store = sim.store();
    let mut draft = store.clone();
    let created = seed::load(&mut draft, &seed, &sim.content, now)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    *store = draft;
    sim.save(&store);
    ok(&json!({"workspaces_created": created}))
}

async fn stats(State(sim): State<AppState>) -> ApiResult {
    let calls = sim
        .calls
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let counts = sim.faults().counts;
    let store = sim.store();
    ok(&json!({
        "calls_total": sim.call_total.load(std::sync::atomic::Ordering::Relaxed),
        "calls": calls,
        "nodes": store.nodes.len(),
        "documents": store.nodes.count_of_subtype(subtype::DOCUMENT),
        "faults": counts,
    }))
}
