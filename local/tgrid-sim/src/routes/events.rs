//! `GET /v1/events?after=&limit=`: the polling feed (14 days).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use gridlink_tgrid::Event;
use gridlink_tgrid::model::Page;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Tenant};
use crate::sim::Sim;
use crate::state::limit;

#[derive(Debug, Deserialize)]
pub(crate) struct EventQuery {
    after: Option<String>,
    limit: Option<u32>,
}

/// Events after `after`, oldest first. `next_cursor` is the last event id of the page when
/// more follow. An unknown (or expired) `after` is 404, so a poller knows it missed events.
pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<Page<Event>>> {
    let limit = limit(q.limit)?;
    sim.read(|state| {
        let start = match &q.after {
            None => 0,
            Some(after) => {
                state
                    .events
                    .iter()
                    .position(|e| e.event_id.as_str() == after)
                    .ok_or_else(|| ApiError::not_found("event", after))?
                    + 1
            }
        };
        let rest = &state.events[start..];
        let items: Vec<Event> = rest.iter().take(limit).cloned().collect();
        let next_cursor = (rest.len() > limit)
            .then(|| items.last().map(|e| e.event_id.to_string()))
            .flatten();
        Ok(Json(Page { items, next_cursor }))
    })
}
