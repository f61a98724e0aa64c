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

/// New documents in `mailbox` become inbox items (`poll-{document_id}`, event type
/// `document.received`), then are marked `downloaded`. A document seen by both paths is
/// filed once: filing is claimed by business identity.
pub async fn poll_tg_inbox(platform: &Platform, mailbox: &str) -> Result<usize, InboundError> {
    let mailbox = MailboxId::new(mailbox);
    let filter = InboxFilter {
        status: Some(DocumentStatus::New),
        ..InboxFilter::default()
    };
    let page = platform
        .tg
        .inbox_page(&mailbox, &filter, PageRequest::after(None))
        .await?;
    let mut accepted = 0;
    for document in page.items {
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
            accepted += 1;
        }
        platform.tg.mark_downloaded(&document.document_id).await?;
    }
    Ok(accepted)
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
