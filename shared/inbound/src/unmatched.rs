//! The unmatched queue: documents that found no workspace they may go into, kept (ledger
//! record + the content already in the blob store) for an operator or the retry schedule.
//!
//! # Format
//! Ledger record `("unmatched", "{function}/{item_id}")`, status `open`, `assigned` or
//! `rejected`; open items indexed under `unmatched#{function}#open` by arrival:
//! ```json
//! {"item_id":"um-…","reason":{"reason":"partner_mismatch","po_number":"…","sender":"ZZ:…"},
//!  "tg_document_id":"doc_…","sender":"ZZ:…","doc_type":"855","blob_key":"documents/…",
//!  "sha256":"…","identity":"…","event_id":"evt_…","received_at":"…"}
//! ```

use gridlink_flow::Platform;
use gridlink_store::{IndexName, LedgerError, LedgerRecord, NewRecord, Query, RecordId};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;

use crate::correlate::UnmatchedReason;
use crate::error::InboundError;
use crate::received::ReceivedDocument;

/// The ledger kind of unmatched items.
pub const UNMATCHED_KIND: &str = "unmatched";

/// One unmatched item as the operator routes show it.
#[derive(Debug, Clone, Serialize)]
pub struct UnmatchedItem {
    /// Its id.
    pub item_id: String,
    /// `open`, `assigned`, `rejected`.
    pub status: String,
    /// Everything recorded about it.
    pub details: Value,
}

impl UnmatchedItem {
    fn from_record(record: LedgerRecord) -> Self {
        let item_id = record
            .data
            .get("item_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Self {
            item_id,
            status: record.status,
            details: record.data,
        }
    }
}

fn record_id(platform: &Platform, item_id: &str) -> Result<RecordId, InboundError> {
    Ok(RecordId::new(
        UNMATCHED_KIND,
        format!("{}/{item_id}", platform.function),
    )?)
}

fn open_partition(platform: &Platform) -> String {
    format!("unmatched#{}#open", platform.function)
}

/// Parks a document in the queue (once per business identity and content).
pub async fn park(
    platform: &Platform,
    received: &ReceivedDocument,
    identity: &str,
    reason: &UnmatchedReason,
    event_id: &str,
) -> Result<UnmatchedItem, InboundError> {
    let digest = hex::encode(
        Sha256::new_with_prefix(identity.as_bytes())
            .chain_update(received.sha256.as_bytes())
            .finalize(),
    );
    let item_id = format!("um-{}", &digest[..20]);
    let now = platform.clock.now().format(&Rfc3339).unwrap_or_default();
    let metadata = &received.document.metadata;
    let record = NewRecord::new(
        record_id(platform, &item_id)?,
        "open",
        json!({
            "item_id": item_id,
            "reason": reason,
            "reason_text": reason.to_string(),
            "tg_document_id": received.document.document_id.as_str(),
            "sender": format!("{}:{}", metadata.sender.qualifier, metadata.sender.id),
            "doc_type": metadata.doc_type,
            "blob_key": received.blob_key.as_str(),
            "sha256": received.sha256,
            "identity": identity,
            "event_id": event_id,
            "received_at": now,
            "attempts": 0,
        }),
    )
    .with_index1(open_partition(platform), format!("{now}#{item_id}"));
    match platform.ledger.create(record).await {
        Ok(record) => {
            tracing::warn!(item_id = %item_id, reason = %reason, "document parked as unmatched");
            Ok(UnmatchedItem::from_record(record))
        }
        Err(LedgerError::AlreadyExists { existing, .. }) => {
            Ok(UnmatchedItem::from_record(*existing))
        }
        Err(e) => Err(e.into()),
    }
}

/// Open items, oldest first.
pub async fn list_open(
    platform: &Platform,
    limit: usize,
) -> Result<Vec<UnmatchedItem>, InboundError> {
    let query = Query::partition(IndexName::One, open_partition(platform)).limit(limit);
    Ok(platform
        .ledger
        .query(query)
        .await?
        .into_iter()
        .map(UnmatchedItem::from_record)
        .collect())
}

/// One item.
pub async fn get(platform: &Platform, item_id: &str) -> Result<UnmatchedItem, InboundError> {
    platform
        .ledger
        .get(&record_id(platform, item_id)?)
        .await?
        .map(UnmatchedItem::from_record)
        .ok_or_else(|| InboundError::NoSuchItem(item_id.to_owned()))
}

/// Closes an open item as `assigned` or `rejected`, with what was done.
pub async fn close(
    platform: &Platform,
    item_id: &str,
    status: &str,
    outcome: Value,
) -> Result<UnmatchedItem, InboundError> {
    let id = record_id(platform, item_id)?;
    let record = platform
        .ledger
        .get(&id)
        .await?
        .ok_or_else(|| InboundError::NoSuchItem(item_id.to_owned()))?;
    if record.status != "open" {
        return Err(InboundError::AlreadyResolved {
            item_id: item_id.to_owned(),
            status: record.status,
        });
    }
    let mut change = record.change();
    change.status = status.to_owned();
    change.index1 = None;
    if let Some(data) = change.data.as_object_mut() {
        data.insert("outcome".to_owned(), outcome);
        data.insert(
            "closed_at".to_owned(),
            json!(platform.clock.now().format(&Rfc3339).unwrap_or_default()),
        );
    }
    Ok(UnmatchedItem::from_record(
        platform.ledger.update(change).await?,
    ))
}

/// A partner message (free text on a TG thread) that found no order it may go into.
#[derive(Debug, Clone, Serialize)]
pub struct ParkedMessage {
    /// The TG message.
    pub message_id: String,
    /// Its thread.
    pub thread_id: String,
    /// The thread's kind (`shipment`, `order`).
    pub thread_kind: String,
    /// The author (TG partner id).
    pub partner_id: String,
    /// Its attachments (TG ids).
    pub attachment_ids: Vec<String>,
}

/// Parks a partner message in the queue, once per message. The event (body, structured
/// data) stays in the durable inbox under `event_id`; attachments stay in Trading Grid.
///
/// # Format
/// As documents, with `"doc_type":"message"` and the fields of [`ParkedMessage`] in place of
/// `tg_document_id` / `blob_key`.
pub async fn park_message(
    platform: &Platform,
    message: &ParkedMessage,
    identity: &str,
    reason: &UnmatchedReason,
    event_id: &str,
) -> Result<UnmatchedItem, InboundError> {
    let digest = hex::encode(Sha256::digest(identity.as_bytes()));
    let item_id = format!("um-{}", &digest[..20]);
    let now = platform.clock.now().format(&Rfc3339).unwrap_or_default();
    let record = NewRecord::new(
        record_id(platform, &item_id)?,
        "open",
        json!({
            "item_id": item_id,
            "reason": reason,
            "reason_text": reason.to_string(),
            "tg_message_id": message.message_id,
            "thread_id": message.thread_id,
            "thread_kind": message.thread_kind,
            "attachment_ids": message.attachment_ids,
            "sender": message.partner_id,
            "doc_type": "message",
            "identity": identity,
            "event_id": event_id,
            "received_at": now,
            "attempts": 0,
        }),
    )
    .with_index1(open_partition(platform), format!("{now}#{item_id}"));
    match platform.ledger.create(record).await {
        Ok(record) => {
            tracing::warn!(item_id = %item_id, reason = %reason, "message parked as unmatched");
            Ok(UnmatchedItem::from_record(record))
        }
        Err(LedgerError::AlreadyExists { existing, .. }) => {
            Ok(UnmatchedItem::from_record(*existing))
        }
        Err(e) => Err(e.into()),
    }
}
