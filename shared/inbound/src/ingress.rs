//! Trading Grid events in: the signed webhook, the inbox poller, and processing of what the
//! durable inbox holds. Both paths feed the same pending list.

use std::future::Future;

use bytes::Bytes;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{Acceptance, InboxItem, Platform, tg_webhook};
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse};
use gridlink_tgrid::MailboxId;
use gridlink_tgrid::PageRequest;
use gridlink_tgrid::events::Event;
use gridlink_tgrid::model::{DocumentStatus, InboxFilter};
use serde_json::{Value, json};

use crate::error::InboundError;

/// The inbox source name of Trading Grid events.
pub const TG_SOURCE: &str = "tg";

/// Verifies a webhook delivery and stores it durably: `202 {"accepted", "duplicate"}`, `401`
/// for a bad signature, `400` for a body that is not an event, `503` + `Retry-After` when
/// storage is down. Nothing is answered `2xx` that is not kept.
pub async fn accept_tg_webhook(
    platform: &Platform,
    request: &HttpRequest,
) -> Result<HttpResponse, FunctionError> {
    let event = tg_webhook::verify_delivery(
        request,
        &platform.secrets.tg_webhook,
        platform.clock.as_ref(),
    )
    .map_err(|e| FunctionError::from_error(&e))?;
    let acceptance = platform
        .inbox
        .accept(
            TG_SOURCE,
            event.event_id.as_str(),
            event.event_type.as_str(),
            Bytes::from(request.body.clone()),
        )
        .await
        .map_err(|e| FunctionError::from_error(&e))?;
    let duplicate = matches!(acceptance, Acceptance::Duplicate(_));
    Ok(HttpResponse::json(
        202,
        &json!({"accepted": event.event_id.as_str(), "duplicate": duplicate}),
    ))
}

/// Reads the event an inbox item holds.
pub async fn event_of(platform: &Platform, item: &InboxItem) -> Result<Event, InboundError> {
    let raw = platform.inbox.raw(item).await?;
    serde_json::from_slice(&raw).map_err(|e| InboundError::UnreadableEvent {
        event_id: item.event_id().to_owned(),
        reason: e.to_string(),
    })
}

/// What one processing run did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RunSummary {
    /// Items marked done.
    pub done: usize,
    /// Items left pending after a transient failure.
    pub retrying: usize,
    /// Items moved to the failed list.
    pub failed: usize,
}

/// Processes up to `limit` pending items with `process`, marking each done, or failed
/// (transient failures stay pending for the next run; others go to the failed list).
pub async fn process_pending<F, Fut>(
    platform: &Platform,
    limit: usize,
    process: F,
) -> Result<RunSummary, InboundError>
where
    F: Fn(InboxItem, Event) -> Fut,
    Fut: Future<Output = Result<Value, InboundError>>,
{
    let mut summary = RunSummary::default();
    for item in platform.inbox.pending(limit).await? {
        let outcome = match event_of(platform, &item).await {
            Ok(event) => process(item.clone(), event).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(outcome) => match platform.inbox.mark_done(&item, outcome).await {
                Ok(_) => summary.done += 1,
                // A twin processed (or failed) the same item meanwhile; the next run replays it.
                Err(gridlink_flow::InboxError::Ledger(
                    gridlink_store::LedgerError::VersionConflict { .. },
                )) => summary.retrying += 1,
                Err(e) => return Err(e.into()),
            },
            Err(error) => {
                let transient = error.is_transient();
                tracing::warn!(event_id = item.event_id(), error = %error, transient, "inbound item not processed");
                // A twin marking the same item at the same moment loses the version race; the
                // item simply stays as the twin left it.
                match platform
                    .inbox
                    .mark_failed(&item, &error.to_string(), !transient)
                    .await
                {
                    Ok(_)
                    | Err(gridlink_flow::InboxError::Ledger(
                        gridlink_store::LedgerError::VersionConflict { .. },
                    )) => {}
                    Err(e) => return Err(e.into()),
                }
                if transient {
                    summary.retrying += 1;
                } else {
                    summary.failed += 1;
                }
            }
        }
    }
    Ok(summary)
}

/// The alternative to webhooks: new documents in the tenant's mailbox become inbox items
/// (`poll-{document_id}`, event type `document.received`), then are marked `downloaded`.
/// A document seen by both paths is filed once: filing is claimed by business identity.
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
            "occurred_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
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

/// An [`InboundError`] as the function's answer.
pub fn function_error(error: &InboundError) -> FunctionError {
    let e = FunctionError::from_error(error);
    if error.kind() == ErrorKind::Unavailable {
        e.retry_after(std::time::Duration::from_secs(30))
    } else {
        e
    }
}
