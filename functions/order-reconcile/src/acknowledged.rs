//! Rule 6, the way in: a partner's functional acknowledgment (997 / 999 / CONTRL) of a
//! document the buyer sent for an order (850 / ORDERS, 860 / ORDCHG) is tracked on that order.
//!
//! ## Which event, and why
//! Trading Grid matches a partner's acknowledgment to the document it answers (by control
//! numbers, `docs/trading-grid-api.md`): the buyer's outbound document turns `acknowledged`,
//! names the acknowledgment in `acknowledged_by`, and TG emits `document.status_changed` for
//! it. That event carries what the inbound 997 alone does not: the order (`business_refs`
//! `po_number`), the control numbers the partner answered, and the receiver the answer must
//! come from. So the function takes **the outbound document's status change**:
//!
//! 1. `document.status_changed`, `direction: outbound`, `status: acknowledged`, `doc_type`
//!    850 / 860 / ORDERS / ORDCHG, `acknowledged_by` set (anything else is skipped);
//! 2. `GET /v1/documents/{acknowledged_by}`: the acknowledgment must come from the outbound
//!    document's receiver (partner isolation), else nothing is recorded;
//! 3. its content is streamed to the blob store, parsed, and classified; the answers naming
//!    the outbound document's control numbers (group GS06 + set ST02 for X12, UNH 0062 or the
//!    interchange UNB 0020 for EDIFACT) are kept — steps 2 and 3 are
//!    [`gridlink_inbound::functional_ack::read_acknowledgment`], shared with po-exception;
//! 4. the order is the outbound document's `po_number` (else the BEG03 / BGM 1004 of its own
//!    content), correlated like any partner document (the acknowledgment's sender must be the
//!    order's `Trading Partner ID`); no such order → parked in the unmatched queue with the
//!    reason;
//! 5. each answer → [`run::after_functional_ack`]: one ledger entry per
//!    `po | functional_ack | sender | acknowledged control number | acknowledgment content`,
//!    then the order is reconciled (accepted → listed among the order's documents in the
//!    report; errors / rejection → an exception carrying the partner's codes).
//!
//! The inbound 997 itself (`document.received`, webhook or inbox poll) is only recorded on
//! its inbox item and never answered. Redelivered status changes are recorded once (the
//! ledger key), and the report is filed once per content ([`gridlink_inbound::file_once`]).
//!
//! Reliability: status changes come by webhook (TG retries a delivery for 24 h) and, as the
//! safety net, by the function's poll of TG's event feed (`GET /v1/events?after=`, on the
//! `poll-inbox` schedule, [`gridlink_inbound::ingress::poll_tg_events`]): the TG inbox poll
//! cannot see them, a status change not being a new document. The feed's events keep their
//! ids, so an event both paths deliver is one inbox item. The feed keeps 14 days: a function
//! stopped for longer misses what is older (the poll says `cursor_expired`).

use gridlink_flow::InboxItem;
use gridlink_inbound::correlate::Correlation;
use gridlink_inbound::functional_ack::{AcknowledgmentRead, read_acknowledgment};
use gridlink_inbound::{InboundError, correlate_order, fetch_content, unmatched};
use gridlink_tgrid::model::{Direction, Document, DocumentStatus};
use serde_json::{Value, json};

use crate::OrderReconcile;
use crate::reconcile::run::{self, AcknowledgedForOrder};

/// Buyer documents whose functional acknowledgment is tracked on the order.
fn is_order_document(doc_type: &str) -> bool {
    matches!(doc_type.trim(), "850" | "860" | "ORDERS" | "ORDCHG")
}

/// The PO number of the outbound document: TG's `business_refs`, else its own content.
async fn po_number_of(
    function: &OrderReconcile,
    outbound: &Document,
) -> Result<Option<String>, InboundError> {
    if let Some(po) = outbound
        .metadata
        .business_refs
        .po_number
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        return Ok(Some(po.to_owned()));
    }
    let received = fetch_content(function.platform(), outbound.clone()).await?;
    let bytes = received.bytes(function.platform()).await?;
    Ok(gridlink_edi::parse_interchanges(&bytes)
        .ok()
        .into_iter()
        .flatten()
        .flat_map(|i| i.documents)
        .find_map(|d| d.business_keys().po_number))
}

/// Whether `event` is one this module processes: an outbound 850 / 860 / ORDERS / ORDCHG
/// turned `acknowledged` (what the event-feed poll takes into the inbox).
pub(crate) fn is_tracked_status_change(event: &gridlink_tgrid::Event) -> bool {
    match event.payload() {
        Ok(gridlink_tgrid::EventPayload::DocumentStatusChanged(document)) => {
            document.direction == Direction::Outbound
                && document.status == DocumentStatus::Acknowledged
                && is_order_document(&document.metadata.doc_type)
        }
        _ => false,
    }
}

/// Processes one `document.status_changed` item (see the module documentation).
pub(crate) async fn process_status_change(
    function: &OrderReconcile,
    item: &InboxItem,
    outbound: &Document,
) -> Result<Value, InboundError> {
    if outbound.direction != Direction::Outbound
        || outbound.status != DocumentStatus::Acknowledged
        || !is_order_document(&outbound.metadata.doc_type)
    {
        return Ok(json!({"skipped": format!(
            "status change of a {:?} {} document to {} (only an acknowledged 850 / 860 / ORDERS / ORDCHG is tracked)",
            outbound.direction, outbound.metadata.doc_type, outbound.status.as_str()
        )}));
    }
    let platform = function.platform();
    let acknowledgment = match read_acknowledgment(platform, outbound).await? {
        AcknowledgmentRead::Read(acknowledgment) => *acknowledgment,
        AcknowledgmentRead::Skipped(reason) => return Ok(json!({ "skipped": reason })),
        // Logged by the reader, with the document, its PO number and both parties.
        AcknowledgmentRead::ForeignSender(foreign) => {
            return Ok(json!({ "skipped": foreign.reason }));
        }
    };
    let ack_id = acknowledgment.acknowledged_by.as_str();
    let ack_document = &acknowledgment.document;
    let sender = &ack_document.metadata.sender;
    let received = &acknowledgment.received;
    let numbers = &outbound.metadata.control_numbers;
    let answered = &acknowledgment.answered;
    let sender_address = format!("{}:{}", sender.qualifier, sender.id);
    let identity = format!(
        "{sender_address}|{}|{}",
        ack_document.metadata.doc_type, ack_document.document_id
    );
    let park = |reason: gridlink_inbound::correlate::UnmatchedReason| {
        let identity = &identity;
        async move {
            let parked =
                unmatched::park(platform, received, identity, &reason, item.event_id()).await?;
            tracing::warn!(acknowledged_by = ack_id, reason = %reason, "a functional acknowledgment of an order document is parked");
            Ok::<_, InboundError>(
                json!({"unmatched": parked.item_id, "reason": reason.to_string(), "acknowledged_by": ack_id}),
            )
        }
    };
    if answered.is_empty() {
        // TG linked it, but it answers nothing we sent: a dead letter an operator sees.
        return Err(InboundError::UnreadableEvent {
            event_id: item.event_id().to_owned(),
            reason: format!(
                "acknowledgment {ack_id} names no control number of document {} (group {:?}, set {:?})",
                outbound.document_id, numbers.group, numbers.transaction
            ),
        });
    }
    let po_number = po_number_of(function, outbound).await?;
    if let Some(po) = &po_number {
        gridlink_flow::timeline::about("po", po);
    }
    let correlation = correlate_order(
        platform,
        &function.config.inbound,
        po_number.as_deref(),
        sender,
    )
    .await?;
    let (workspace, po_number) = match correlation {
        Correlation::Matched {
            workspace,
            po_number,
        } => (workspace, po_number),
        Correlation::Unmatched(reason) => return park(reason).await,
    };
    let mut outcomes = Vec::new();
    for transaction in answered {
        tracing::info!(po_number = %po_number, acknowledged = %outbound.document_id, acknowledged_by = ack_id, verdict = ?transaction.verdict, errors = ?transaction.errors, "a partner's functional acknowledgment of an order document");
        let outcome = run::after_functional_ack(
            function,
            AcknowledgedForOrder {
                workspace: workspace.id,
                po_number: &po_number,
                sender: &sender_address,
                received,
                transaction,
            },
        )
        .await?;
        outcomes.push(outcome);
    }
    Ok(json!({
        "po_number": po_number,
        "workspace_id": workspace.id.get(),
        "acknowledged": outbound.document_id,
        "acknowledged_by": ack_id,
        "functional_acks": answered,
        "reconciliation": outcomes,
        "match_status": outcomes.last().map(|o| o.match_status),
        "ack": null,
    }))
}
