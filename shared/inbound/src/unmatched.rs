//! The unmatched queue: documents that found no workspace they may go into, kept (ledger
//! record + the content already in the blob store) for an operator or the retry schedule.
//!
//! ## Lifecycle
//! [`park`] (once per business identity and content) → `open` → either
//! - [`assign`]: an operator names the workspace; the function's filing runs (exactly once per
//!   business identity, so a re-run after a crash between filing and closing files nothing
//!   new) and the item is closed `assigned` with what was filed and `"by":"operator"`;
//! - [`retry_open`]: the schedule re-correlates open items, least recently tried first, in
//!   bounded batches; an item that now matches is filed and closed `assigned` with
//!   `"by":"retry"`; one that does not stays open with its attempts counted and its last
//!   reason (or error) recorded;
//! - [`close`] with `rejected`: an operator drops it.
//!
//! What "filing" means is the function's business: both [`assign`] and [`retry_open`] take
//! it as a closure, so shipment-delay and order-reconcile share the queue mechanics.
//!
//! # Format
//! Ledger record `("unmatched", "{function}/{item_id}")`, status `open`, `assigned` or
//! `rejected`; open items indexed (index one) under `unmatched#{function}#open` by arrival,
//! and (index two) under `unmatched#{function}#retry` by their last attempt (arrival at
//! first), which is the order the retry schedule takes them in:
//! ```json
//! {"item_id":"um-…","reason":{"reason":"partner_mismatch","po_number":"…","sender":"ZZ:…"},
//!  "reason_text":"…","tg_document_id":"doc_…","sender":"ZZ:…","doc_type":"855",
//!  "blob_key":"documents/…","sha256":"…","identity":"…","event_id":"evt_…",
//!  "received_at":"…","document":{…TG document…},"attempts":0,
//!  "last_attempt_at":"…","last_error":"…"}
//! ```
//! A closed item adds `"outcome":{"by":"operator"|"retry", …what was filed…}` and
//! `"closed_at"`.

use std::future::Future;

use gridlink_flow::{Metric, Platform, timeline};
use gridlink_store::{
    BlobKey, ByteRange, IndexEntry, IndexName, LedgerError, LedgerRecord, NewRecord, Query,
    RecordId,
};
use gridlink_tgrid::model::Document;
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;

use crate::correlate::UnmatchedReason;
use crate::error::InboundError;
use crate::ingress::event_of;
use crate::received::ReceivedDocument;
use gridlink_flow::TG_SOURCE;

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
    /// A text field of the record (`blob_key`, `sha256`, `identity`, `sender`, `event_id`…).
    pub fn text(&self, field: &str) -> Option<&str> {
        self.details.get(field).and_then(Value::as_str)
    }

    /// How many retries failed so far.
    pub fn attempts(&self) -> u64 {
        self.details
            .get("attempts")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// The Trading Grid document as it arrived, if the record kept it.
    pub fn document(&self) -> Option<Document> {
        self.details
            .get("document")
            .and_then(|d| serde_json::from_value(d.clone()).ok())
    }

    /// Whether the item still waits for an operator or a retry.
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }

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

fn retry_partition(platform: &Platform) -> String {
    format!("unmatched#{}#retry", platform.function)
}

fn now_text(platform: &Platform) -> String {
    platform.clock.now().format(&Rfc3339).unwrap_or_default()
}

/// The timeline keys an item's record keeps (those its work was about when it was parked),
/// named again for the current work on it.
fn about_item(details: &Value) {
    for key in details
        .get("timeline_keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        timeline::about_key(key.to_owned());
    }
}

/// Creates a parked item's record with its timeline entry (`unmatched`) in one transaction;
/// an item parked before is answered as it is.
async fn create_parked(
    platform: &Platform,
    mut record: NewRecord,
    item_id: &str,
    reason: &UnmatchedReason,
    ids: Value,
) -> Result<(UnmatchedItem, bool), InboundError> {
    let keys = timeline::keys();
    if !keys.is_empty()
        && let Some(data) = record.data.as_object_mut()
    {
        data.insert("timeline_keys".to_owned(), json!(keys));
    }
    timeline::record(
        "unmatched",
        format!("{}|unmatched|{item_id}", platform.function),
        json!({
            "system": "gridlink",
            "item_id": item_id,
            "event_id": record.data.get("event_id"),
            "doc_type": record.data.get("doc_type"),
            "reason": reason.to_string(),
            "ids": ids,
        }),
    );
    match timeline::create(platform.ledger.as_ref(), record).await {
        Ok(record) => Ok((UnmatchedItem::from_record(record), true)),
        Err(LedgerError::AlreadyExists { existing, .. }) => {
            Ok((UnmatchedItem::from_record(*existing), false))
        }
        Err(e) => Err(e.into()),
    }
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
    let now = now_text(platform);
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
            "document": received.document,
            "attempts": 0,
        }),
    )
    .with_index1(open_partition(platform), format!("{now}#{item_id}"))
    .with_index2(retry_partition(platform), format!("{now}#{item_id}"));
    let ids = json!({"tg": {"document_id": received.document.document_id.as_str()}});
    let (item, new) = create_parked(platform, record, &item_id, reason, ids).await?;
    if new {
        tracing::warn!(item_id = %item_id, reason = %reason, "document parked as unmatched");
        platform.metrics.count(
            Metric::Unmatched,
            &[
                ("item_id", item_id.as_str()),
                ("doc_type", &metadata.doc_type),
            ],
        );
    }
    Ok(item)
}

/// The parked document of `item` as it arrived — the TG document kept in the record (or, for
/// items parked before the record kept it, read from the inbox event that brought it) and its
/// content in the blob store — ready to be parsed and filed again without asking TG.
pub async fn parked_document(
    platform: &Platform,
    item: &UnmatchedItem,
) -> Result<ReceivedDocument, InboundError> {
    let unreadable = |reason: &str| InboundError::UnreadableEvent {
        event_id: item.text("event_id").unwrap_or_default().to_owned(),
        reason: format!("unmatched item {}: {reason}", item.item_id),
    };
    let blob_key = BlobKey::parse(
        item.text("blob_key")
            .ok_or_else(|| unreadable("no blob key"))?,
    )?;
    let document = if let Some(document) = item.document() {
        document
    } else {
        let event_id = item
            .text("event_id")
            .ok_or_else(|| unreadable("no event id"))?;
        let inbox_item = platform
            .inbox
            .get(TG_SOURCE, event_id)
            .await?
            .ok_or_else(|| unreadable("its inbox event is gone"))?;
        event_of(platform, &inbox_item)
            .await?
            .document()
            .ok_or_else(|| unreadable("its event carries no document"))?
    };
    Ok(ReceivedDocument {
        document,
        blob_key,
        sha256: item.text("sha256").unwrap_or_default().to_owned(),
    })
}

/// The most bytes of a parked document [`content`] shows (an operator reads a preview; the
/// whole document stays in the blob store under its key, with its sha256).
pub const CONTENT_PREVIEW_BYTES: u64 = 256 * 1024;

/// The content of `item_id`'s parked document as it arrived, for an operator to read: the
/// first `limit` bytes as text (`encoding` `utf-8`, or `utf-8-lossy` when the bytes are not
/// UTF-8 — an ISO-8859 EDIFACT interchange — with U+FFFD for what is not), the whole size,
/// whether it was cut, its blob key and sha256.
///
/// # Format
/// ```json
/// {"item_id":"um-…","blob_key":"documents/…","sha256":"…","content_type":"application/edi-x12",
///  "size_bytes":1234,"shown_bytes":1234,"truncated":false,"encoding":"utf-8","content":"ISA*00*…"}
/// ```
///
/// # Errors
/// [`InboundError::NoSuchItem`] for an unknown item; a store error when the content is gone
/// or (read whole) does not match its hash.
pub async fn content(
    platform: &Platform,
    item_id: &str,
    limit: u64,
) -> Result<Value, InboundError> {
    let item = get(platform, item_id).await?;
    let blob_key =
        BlobKey::parse(
            item.text("blob_key")
                .ok_or_else(|| InboundError::UnreadableEvent {
                    event_id: item.text("event_id").unwrap_or_default().to_owned(),
                    reason: format!("unmatched item {item_id}: no blob key"),
                })?,
        )?;
    let meta = platform.blobs.head(&blob_key).await?;
    let bytes = if meta.size == 0 {
        bytes::Bytes::new()
    } else if meta.size <= limit {
        // Read whole, so the store checks it against its hash.
        platform.blobs.get(&blob_key, None).await?.bytes().await?
    } else {
        platform
            .blobs
            .get(&blob_key, Some(ByteRange::new(0, limit)?))
            .await?
            .bytes()
            .await?
    };
    let truncated = meta.size > bytes.len() as u64;
    let (text, encoding) = preview_text(&bytes, truncated);
    Ok(json!({
        "item_id": item.item_id,
        "blob_key": blob_key.as_str(),
        "sha256": meta.sha256.or_else(|| item.text("sha256").map(str::to_owned)),
        "content_type": meta.content_type,
        "size_bytes": meta.size,
        "shown_bytes": text.len(),
        "truncated": truncated,
        "encoding": encoding,
        "content": text,
    }))
}

/// `bytes` as text for an operator: `utf-8` when they are (a preview cut inside a multi-byte
/// character loses only that character's first bytes), else `utf-8-lossy` with U+FFFD for
/// each byte that is not.
fn preview_text(bytes: &[u8], truncated: bool) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), "utf-8"),
        Err(e) if truncated && e.error_len().is_none() => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            "utf-8",
        ),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), "utf-8-lossy"),
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
    about_item(&record.data);
    timeline::record(
        "unmatched_closed",
        format!("{}|unmatched_closed|{item_id}", platform.function),
        json!({
            "system": "gridlink",
            "item_id": item_id,
            "status": status,
            "by": outcome.get("by"),
            "ids": timeline::ids_of(outcome.get("filed").unwrap_or(&Value::Null)),
        }),
    );
    let mut change = record.change();
    change.status = status.to_owned();
    change.index1 = None;
    change.index2 = None;
    if let Some(data) = change.data.as_object_mut() {
        data.insert("outcome".to_owned(), outcome);
        data.insert("closed_at".to_owned(), json!(now_text(platform)));
    }
    match timeline::update(platform.ledger.as_ref(), record.created_at, change).await {
        Ok(record) => Ok(UnmatchedItem::from_record(record)),
        // A twin (the operator, or the schedule) closed it a moment ago.
        Err(LedgerError::VersionConflict { .. }) => {
            let now = get(platform, item_id).await?;
            Err(InboundError::AlreadyResolved {
                item_id: item_id.to_owned(),
                status: now.status,
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Files an open item where the operator said (`file` does the function's filing and
/// answers what was filed), then closes it `assigned` with `{"by":"operator", …}`.
///
/// `file` must be exactly-once per business identity (file through
/// [`file_once`](crate::file_once)): a crash after filing and before closing leaves the item
/// open, and assigning it again files nothing new and closes it.
///
/// # Errors
/// [`InboundError::NoSuchItem`] (404), [`InboundError::AlreadyResolved`] (409), or what `file`
/// failed with (the item stays open).
#[tracing::instrument(skip_all, fields(function = platform.function, item_id = %item_id))]
pub async fn assign<F, Fut>(
    platform: &Platform,
    item_id: &str,
    file: F,
) -> Result<UnmatchedItem, InboundError>
where
    F: FnOnce(UnmatchedItem) -> Fut,
    Fut: Future<Output = Result<Value, InboundError>>,
{
    let item = get(platform, item_id).await?;
    if !item.is_open() {
        return Err(InboundError::AlreadyResolved {
            item_id: item_id.to_owned(),
            status: item.status,
        });
    }
    about_item(&item.details);
    let filed = file(item).await?;
    let closed = close(
        platform,
        item_id,
        "assigned",
        json!({"by": "operator", "filed": filed}),
    )
    .await?;
    tracing::info!("unmatched item assigned by an operator");
    Ok(closed)
}

/// What re-correlating one open item found.
#[derive(Debug, Clone)]
pub enum RetryVerdict {
    /// It matched and was filed; this is what was filed.
    Filed(Value),
    /// Still nowhere to go, and why.
    StillUnmatched(UnmatchedReason),
}

/// What one retry run did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RetrySummary {
    /// Items looked at.
    pub tried: usize,
    /// Items that matched, were filed and closed `assigned`.
    pub assigned: usize,
    /// Items still unmatched (left open, attempts counted).
    pub still_unmatched: usize,
    /// Items whose retry failed (left open with the error).
    pub failed: usize,
}

/// Re-correlates up to `limit` open items, least recently tried first, with `retry` (the
/// function's correlation and filing, exactly-once per business identity). Matched items are
/// closed `assigned` with `{"by":"retry", …}`; the others stay open with `attempts` counted
/// and `last_reason` or `last_error` recorded, and go to the back of the retry line. A
/// failure of one item never stops the run.
#[tracing::instrument(skip_all, fields(function = platform.function))]
pub async fn retry_open<F, Fut>(
    platform: &Platform,
    limit: usize,
    retry: F,
) -> Result<RetrySummary, InboundError>
where
    F: Fn(UnmatchedItem) -> Fut,
    Fut: Future<Output = Result<RetryVerdict, InboundError>>,
{
    let query = Query::partition(IndexName::Two, retry_partition(platform)).limit(limit);
    let mut summary = RetrySummary::default();
    for record in platform.ledger.query(query).await? {
        let item = UnmatchedItem::from_record(record.clone());
        if !item.is_open() {
            continue;
        }
        summary.tried += 1;
        let item_id = item.item_id.clone();
        // Each item's work is about its own keys (a timeline scope of its own).
        timeline::item(async {
            about_item(&item.details);
            match retry(item).await {
                Ok(RetryVerdict::Filed(filed)) => {
                    match close(
                        platform,
                        &item_id,
                        "assigned",
                        json!({"by": "retry", "filed": filed}),
                    )
                    .await
                    {
                        Ok(_) => {
                            tracing::info!(item_id = %item_id, "unmatched item matched on retry and filed");
                            summary.assigned += 1;
                        }
                        Err(InboundError::AlreadyResolved { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(RetryVerdict::StillUnmatched(reason)) => {
                    summary.still_unmatched += 1;
                    note_attempt(platform, &record, Some(&reason), None).await?;
                }
                Err(error) => {
                    tracing::warn!(item_id = %item_id, error = %error, "unmatched item retry failed");
                    summary.failed += 1;
                    note_attempt(platform, &record, None, Some(&error)).await?;
                }
            }
            Ok(())
        })
        .await?;
    }
    Ok(summary)
}

/// Counts a retry that did not file the item and moves it to the back of the retry line.
async fn note_attempt(
    platform: &Platform,
    record: &LedgerRecord,
    reason: Option<&UnmatchedReason>,
    error: Option<&InboundError>,
) -> Result<(), InboundError> {
    let now = now_text(platform);
    let mut change = record.change();
    let item_id = record
        .data
        .get("item_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(data) = change.data.as_object_mut() {
        let attempts = data.get("attempts").and_then(Value::as_u64).unwrap_or(0) + 1;
        data.insert("attempts".to_owned(), json!(attempts));
        data.insert("last_attempt_at".to_owned(), json!(now));
        if let Some(reason) = reason {
            data.insert("last_reason".to_owned(), json!(reason));
            data.insert("reason".to_owned(), json!(reason));
            data.insert("reason_text".to_owned(), json!(reason.to_string()));
            data.remove("last_error");
        }
        if let Some(error) = error {
            data.insert("last_error".to_owned(), json!(error.to_string()));
        }
    }
    change.index2 = Some(IndexEntry::new(
        retry_partition(platform),
        format!("{now}#{item_id}"),
    ));
    match platform.ledger.update(change).await {
        // Closed or retried by a twin meanwhile: its write stands.
        Ok(_) | Err(LedgerError::VersionConflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
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
    .with_index1(open_partition(platform), format!("{now}#{item_id}"))
    .with_index2(retry_partition(platform), format!("{now}#{item_id}"));
    let ids = json!({"tg": {"message_id": message.message_id, "thread_id": message.thread_id}});
    let (item, new) = create_parked(platform, record, &item_id, reason, ids).await?;
    if new {
        tracing::warn!(item_id = %item_id, reason = %reason, "message parked as unmatched");
        platform.metrics.count(
            Metric::Unmatched,
            &[("item_id", item_id.as_str()), ("doc_type", "message")],
        );
    }
    Ok(item)
}

#[cfg(test)]
mod preview_tests {
    use super::preview_text;

    #[test]
    fn a_preview_is_utf8_text_or_says_it_is_lossy() {
        assert_eq!(
            preview_text(b"UNA:+.? 'UNB+UNOC:3", false),
            ("UNA:+.? 'UNB+UNOC:3".to_owned(), "utf-8")
        );
        // "Müller" in ISO-8859-1 (an UNOC interchange): not UTF-8, shown with U+FFFD.
        assert_eq!(
            preview_text(b"NAD+SU+++M\xfcller'", false),
            ("NAD+SU+++M\u{fffd}ller'".to_owned(), "utf-8-lossy")
        );
        // A preview cut inside "ü" (0xC3 0xBC): the text up to the cut, still UTF-8.
        assert_eq!(
            preview_text(b"NAD+SU+++M\xc3", true),
            ("NAD+SU+++M".to_owned(), "utf-8")
        );
        // The same bytes at the end of the whole document are not UTF-8.
        assert_eq!(preview_text(b"M\xc3", false).1, "utf-8-lossy");
    }
}
