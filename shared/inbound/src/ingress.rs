//! The Trading Grid inbox poller: the safety net beside webhooks. New documents in the
//! tenant's mailbox become inbox items exactly as a webhook delivery would, so both paths
//! feed the same pending list the use-case runtime processes.

use std::sync::Arc;

use bytes::Bytes;
use gridlink_flow::{Acceptance, Platform, TG_SOURCE};
use gridlink_tgrid::MailboxId;
use gridlink_tgrid::PageRequest;
use gridlink_tgrid::model::{DocumentStatus, InboxFilter};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::error::InboundError;

/// How many pages of `new` documents one poll reads at most (the rest wait for the next).
pub const MAX_POLL_PAGES: usize = 10;

/// What one poll of the TG inbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PollSummary {
    /// New documents of this function's kinds taken into its inbox (then marked downloaded).
    pub polled: usize,
    /// New documents of other functions' kinds, left `new` for them.
    pub left_for_others: usize,
}

/// New documents in `mailbox` of the kinds this function files (`takes(doc_type)`) become
/// inbox items (`poll-{document_id}`, event type `document.received`), then are marked
/// `downloaded`. Documents of other kinds are left `new`: two functions poll the same
/// mailbox (order-reconcile and shipment-delay), and marking another's document downloaded
/// would hide it from the poll that is its safety net. A document seen by both paths (webhook
/// and poll) is filed once: filing is claimed by business identity.
pub async fn poll_tg_inbox(
    platform: &Platform,
    mailbox: &str,
    takes: &(dyn Fn(&str) -> bool + Sync),
) -> Result<PollSummary, InboundError> {
    let mailbox = MailboxId::new(mailbox);
    let filter = InboxFilter {
        status: Some(DocumentStatus::New),
        ..InboxFilter::default()
    };
    let mut summary = PollSummary::default();
    let mut cursor = None;
    for _ in 0..MAX_POLL_PAGES {
        let page = platform
            .tg
            .inbox_page(&mailbox, &filter, PageRequest::after(cursor))
            .await?;
        for document in page.items {
            if !takes(&document.metadata.doc_type) {
                summary.left_for_others += 1;
                continue;
            }
            let event_id = format!("poll-{}", document.document_id.as_str());
            let event = json!({
                "event_id": event_id,
                "event_type": "document.received",
                "occurred_at": platform.clock.now().format(&Rfc3339).unwrap_or_default(),
                "tenant_id": "polled",
                "data": document,
            });
            let raw = Bytes::from(
                serde_json::to_vec(&event).map_err(|e| InboundError::Internal(e.to_string()))?,
            );
            if let Acceptance::Accepted(_) = platform
                .inbox
                .accept(TG_SOURCE, &event_id, "document.received", raw)
                .await?
            {
                summary.polled += 1;
            }
            platform.tg.mark_downloaded(&document.document_id).await?;
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    Ok(summary)
}

/// The Trading Grid event an inbox item holds (an unmatched item's origin, read again).
pub async fn event_of(
    platform: &Platform,
    item: &gridlink_flow::InboxItem,
) -> Result<gridlink_tgrid::Event, InboundError> {
    let raw = platform.inbox.raw(item).await?;
    serde_json::from_slice(&raw).map_err(|e| InboundError::UnreadableEvent {
        event_id: item.event_id().to_owned(),
        reason: e.to_string(),
    })
}

/// The feed name of the TG event-feed cursor: ledger record `poll-cursor /
/// <function>:tg-events` ([`gridlink_flow::LedgerCursor`]), data `{"after":"evt_…"}` (the
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
) -> Result<EventPollSummary, InboundError> {
    use gridlink_flow::{LedgerCursor, Saved};
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
            let raw = Bytes::from(
                serde_json::to_vec(event).map_err(|e| InboundError::Internal(e.to_string()))?,
            );
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
