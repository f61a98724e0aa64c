//! The Trading Grid inbox poller: the safety net beside webhooks. New documents in the
//! tenant's mailbox become inbox items exactly as a webhook delivery would, so both paths
//! feed the same pending list the use-case runtime processes.

use bytes::Bytes;
use gridlink_flow::{Acceptance, Platform, TG_SOURCE};
use gridlink_tgrid::MailboxId;
use gridlink_tgrid::PageRequest;
use gridlink_tgrid::model::{DocumentStatus, InboxFilter};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::error::InboundError;

/// How many pages one poll reads at most, of `new` documents here as of events in
/// [`gridlink_flow::feed`] (the rest wait for the next firing).
pub use gridlink_flow::feed::MAX_POLL_PAGES;

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

pub use gridlink_flow::feed::{EVENT_CURSOR_FEED, EVENT_PAGE, EventPollSummary};

/// [`gridlink_flow::feed::poll_tg_events`] with its error as an [`InboundError`]: the TG
/// event-feed poll, the safety net for events the TG inbox poll cannot see (a
/// `document.status_changed` is not a new document).
pub async fn poll_tg_events(
    platform: &Platform,
    takes: &(dyn Fn(&gridlink_tgrid::Event) -> bool + Sync),
) -> Result<EventPollSummary, InboundError> {
    Ok(gridlink_flow::feed::poll_tg_events(platform, takes).await?)
}
