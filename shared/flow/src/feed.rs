//! Trading Grid's event feed (`GET /v1/events?after=`) as the safety net beside webhooks.
//!
//! TG redelivers a failed webhook for a while, then gives up; an event it never delivered is
//! still in its feed for 14 days. A function's poll schedule reads the feed from where its
//! previous poll stopped and takes the events it wants into its inbox **under the event's own
//! id**, the id the webhook delivery carries: an event both paths see is one inbox item,
//! processed once. Every function whose work starts with a partner's answer polls it
//! ([`poll_subscribed_tg_events`]: the event types of its TG webhook subscription, exactly
//! what a webhook would have brought), and the inbound functions poll it for the events their
//! TG inbox poll cannot see (a `document.status_changed` is not a new document).

use std::sync::Arc;

use bytes::Bytes;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_store::LedgerError;
use gridlink_tgrid::TgError;
use serde_json::json;

use crate::cursor::{LedgerCursor, Saved};
use crate::function::TG_SOURCE;
use crate::inbox::{Acceptance, InboxError};
use crate::platform::Platform;
use crate::usecase::UseCaseSpec;

/// How many pages one poll reads at most (the rest wait for the next firing).
pub const MAX_POLL_PAGES: usize = 10;

/// Why a poll of the event feed stopped (what it took before stays taken; its cursor is where
/// it stopped, so the next firing resumes there).
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Trading Grid failed.
    #[error("Trading Grid: {0}")]
    Tg(#[from] TgError),
    /// The ledger (the cursor) failed.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The durable inbox failed.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// An event read from the feed could not be written back as JSON (a bug).
    #[error("event {event_id} could not be stored: {reason}")]
    Encode {
        /// The event.
        event_id: String,
        /// Why.
        reason: String,
    },
}

impl Classify for FeedError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Tg(e) => e.kind(),
            Self::Ledger(e) => e.kind(),
            Self::Inbox(e) => e.kind(),
            Self::Encode { .. } => ErrorKind::Internal,
        }
    }
}

/// [`poll_tg_events`] for the event types of `U`'s TG webhook subscription (its manifest's
/// `tg_event_types`): whatever a webhook would have brought `U` and did not.
pub async fn poll_subscribed_tg_events<U: UseCaseSpec>(
    platform: &Platform,
) -> Result<EventPollSummary, FeedError> {
    let types = U::spec().tg_event_types;
    poll_tg_events(platform, &|event: &gridlink_tgrid::Event| {
        types.contains(&event.event_type.as_str())
    })
    .await
}

/// The feed name of the TG event-feed cursor: ledger record `poll-cursor /
/// <function>:tg-events` ([`LedgerCursor`]), data `{"after":"evt_…"}` (the
/// last event the poll read).
pub const EVENT_CURSOR_FEED: &str = "tg-events";

/// How many events one page of the event feed asks for.
pub const EVENT_PAGE: u32 = 200;

/// What one poll of Trading Grid's event feed did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EventPollSummary {
    /// Events read from the feed.
    pub read: usize,
    /// Events of this function's interest taken into its inbox (a webhook had not taken them).
    pub taken: usize,
    /// Events of this function's interest a webhook had already delivered.
    pub already_delivered: usize,
    /// The cursor had expired (TG keeps events 14 days): the poll began again at the oldest
    /// kept event, and events older than that were not seen by this path.
    pub cursor_expired: bool,
}

/// Reads Trading Grid's event feed (`GET /v1/events?after=`) from where the previous poll of
/// `platform.function` stopped and takes the events `takes(event)` wants into the inbox,
/// **under the event's own id** — the id its webhook delivery carries, so an event both paths
/// see is one inbox item. This is the safety net for events the TG inbox poll cannot see
/// (a `document.status_changed` is not a new document). The cursor is the last event read,
/// kept in the ledger after each page, so a failed poll resumes where it stopped; an expired
/// cursor (TG answers 404 for an `after` older than its 14 days) restarts at the oldest kept
/// event and says so in the summary and the log.
pub async fn poll_tg_events(
    platform: &Platform,
    takes: &(dyn Fn(&gridlink_tgrid::Event) -> bool + Sync),
) -> Result<EventPollSummary, FeedError> {
    use gridlink_tgrid::EventId;

    let cursor = LedgerCursor::new(
        Arc::clone(&platform.ledger),
        platform.function,
        EVENT_CURSOR_FEED,
    )?;
    let mut record = cursor.read().await?;
    let mut after = record
        .as_ref()
        .and_then(|r| r.data.get("after").and_then(serde_json::Value::as_str))
        .map(EventId::new);
    let mut summary = EventPollSummary::default();
    for _ in 0..MAX_POLL_PAGES {
        let page = match platform
            .tg
            .events_after(after.as_ref(), Some(EVENT_PAGE))
            .await
        {
            Ok(page) => page,
            Err(e) if after.is_some() && e.status() == Some(404) => {
                tracing::warn!(
                    function = platform.function,
                    after = after.as_ref().map(EventId::as_str),
                    "TG event cursor expired; reading again from the oldest kept event"
                );
                summary.cursor_expired = true;
                after = None;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let Some(last) = page.items.last().map(|e| e.event_id.clone()) else {
            break;
        };
        for event in &page.items {
            summary.read += 1;
            if !takes(event) {
                continue;
            }
            let raw = Bytes::from(serde_json::to_vec(event).map_err(|e| FeedError::Encode {
                event_id: event.event_id.as_str().to_owned(),
                reason: e.to_string(),
            })?);
            match platform
                .inbox
                .accept(
                    TG_SOURCE,
                    event.event_id.as_str(),
                    event.event_type.as_str(),
                    raw,
                )
                .await?
            {
                Acceptance::Accepted(_) => summary.taken += 1,
                Acceptance::Duplicate(_) => summary.already_delivered += 1,
            }
        }
        match cursor
            .save(record.as_ref(), json!({ "after": last.as_str() }))
            .await?
        {
            Saved::Moved(saved) => record = Some(*saved),
            // Another poll moved the cursor meanwhile: both read the same feed, and every
            // event is one inbox item whichever took it; keep the other's position.
            Saved::MovedByAnother => break,
        }
        after = Some(last);
        if page.next_cursor.is_none() {
            break;
        }
    }
    Ok(summary)
}
