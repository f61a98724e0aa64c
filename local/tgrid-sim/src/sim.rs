//! The shared simulator value every handler reaches: state, blob store, clock, faults,
//! event emission and persistence.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gridlink_core::clock::SharedClock;
use gridlink_tgrid::model::SubscriptionFilter;
use gridlink_tgrid::{Event, EventId, EventType};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::SimConfig;
use crate::blobs::Blobs;
use crate::delivery::DeliveryQueue;
use crate::error::ApiError;
use crate::state::State;

/// How long events are kept for `/v1/events` (14 days).
pub(crate) const EVENT_RETENTION_SECS: i64 = 14 * 24 * 3600;
/// How long idempotency keys are kept (24 h).
pub(crate) const IDEMPOTENCY_RETENTION_SECS: i64 = 24 * 3600;

/// Faults injected into the next API calls (`POST /__sim/faults`).
///
/// # Format
/// `{"rate_limited":2,"retry_after_secs":1,"unavailable":1}`: the next 2 calls under `/v1`
/// answer 429 with `Retry-After: 1`, the one after that 503 (with `Retry-After` when
/// `retry_after_secs` is set). With `"only":"POST /v1/campaigns"` only calls of that method
/// and exact path take the faults (a storm on one operation); the others pass.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Faults {
    /// Calls still to answer 429.
    #[serde(default)]
    pub rate_limited: u32,
    /// Calls still to answer 503.
    #[serde(default)]
    pub unavailable: u32,
    /// The `Retry-After` value to send.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// `<METHOD> <path>`: only these calls take the faults (every call when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
}

/// The simulator.
pub(crate) struct Sim {
    pub config: SimConfig,
    pub clock: SharedClock,
    pub state: std::sync::Mutex<State>,
    pub blobs: Blobs,
    pub delivery: DeliveryQueue,
    pub faults: std::sync::Mutex<Faults>,
    pub idempotency_locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub api_requests: AtomicU64,
    pub tokens_issued: AtomicU64,
    pub state_file: Option<PathBuf>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").finish_non_exhaustive()
    }
}

impl Sim {
    /// The simulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Runs `change` on the state, then saves it (when persistence is on).
    pub fn write<R>(
        &self,
        change: impl FnOnce(&mut State) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| ApiError::internal("state lock poisoned"))?;
        let result = change(&mut state)?;
        if let Some(path) = &self.state_file {
            save(path, &state)?;
        }
        Ok(result)
    }

    /// Runs `look` on the state without saving.
    pub fn read<R>(&self, look: impl FnOnce(&State) -> Result<R, ApiError>) -> Result<R, ApiError> {
        let state = self
            .state
            .lock()
            .map_err(|_| ApiError::internal("state lock poisoned"))?;
        look(&state)
    }

    /// Records an event, keeps it for polling and queues it for every matching subscription.
    pub fn emit(&self, state: &mut State, event_type: EventType, data: serde_json::Value) {
        let now = self.now();
        let event = Event {
            event_id: EventId::new(state.new_id("evt_")),
            event_type,
            occurred_at: now,
            tenant_id: state.tenant.tenant_id.clone(),
            data,
        };
        tracing::debug!(event_id = %event.event_id, event_type = %event.event_type, "event");
        let horizon = now.unix_timestamp() - EVENT_RETENTION_SECS;
        state
            .events
            .retain(|e| e.occurred_at.unix_timestamp() >= horizon);
        for record in state.subscriptions.values() {
            let subscription = &record.subscription;
            if subscription.event_types.contains(&event.event_type)
                && matches(subscription.filter.as_ref(), &event)
            {
                self.delivery.enqueue(
                    subscription.subscription_id.clone(),
                    subscription.url.clone(),
                    record.secret.clone(),
                    event.clone(),
                );
            }
        }
        state.events.push(event);
    }

    /// Takes one injected fault for a `method` call of `path`, if any is pending.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<ApiError> {
        let mut faults = self.faults.lock().ok()?;
        if let Some(only) = &faults.only {
            let (m, p) = only.split_once(' ').unwrap_or(("", only));
            if !m.eq_ignore_ascii_case(method) || p != path {
                return None;
            }
        }
        if faults.rate_limited > 0 {
            faults.rate_limited -= 1;
            return Some(ApiError::rate_limited(faults.retry_after_secs.unwrap_or(1)));
        }
        if faults.unavailable > 0 {
            faults.unavailable -= 1;
            return Some(ApiError::unavailable(faults.retry_after_secs));
        }
        None
    }

    /// Counts an API call.
    pub fn count_request(&self) {
        self.api_requests.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whether an event passes a subscription's filter.
fn matches(filter: Option<&SubscriptionFilter>, event: &Event) -> bool {
    let Some(filter) = filter else { return true };
    let text = |pointer: &str| {
        event
            .data
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    match event.event_type {
        EventType::MessagePosted => filter.thread_kinds.as_ref().is_none_or(|kinds| {
            text("/thread_kind").is_some_and(|kind| {
                kinds
                    .iter()
                    .any(|k| serde_json::to_value(k).ok() == Some(kind.clone().into()))
            })
        }),
        EventType::DocumentReceived | EventType::DocumentStatusChanged => {
            filter.doc_types.as_ref().is_none_or(|types| {
                text("/doc_type").is_some_and(|doc_type| types.contains(&doc_type))
            })
        }
        EventType::CampaignResponseReceived => filter.campaign_kinds.as_ref().is_none_or(|kinds| {
            text("/campaign_kind").is_some_and(|kind| {
                kinds
                    .iter()
                    .any(|k| serde_json::to_value(k).ok() == Some(kind.clone().into()))
            })
        }),
        _ => true,
    }
}

/// Writes the state atomically (temp file, then rename).
fn save(path: &std::path::Path, state: &State) -> Result<(), ApiError> {
    let body = serde_json::to_vec(state)
        .map_err(|e| ApiError::internal(format!("cannot serialise state: {e}")))?;
    let temp = path.with_extension("json.tmp");
    std::fs::write(&temp, body)
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| ApiError::internal(format!("cannot save state: {e}")))
}
