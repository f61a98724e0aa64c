//! The durable inbox: partner events are stored before they are acknowledged.
//!
//! A Trading Grid webhook (or an event found by the poller) is accepted in two writes, both
//! before the function answers `2xx`:
//! 1. the raw body, byte for byte, to the blob store under
//!    `raw/{source}/{function}/{yyyy-mm-dd}/{event_id}.json`;
//! 2. an inbox record `("inbox", "{function}/{source}/{event_id}")`, status `pending`, indexed
//!    under `inbox#{function}#pending` by arrival time.
//!
//! The record's create-if-absent makes redeliveries no-ops ([`Acceptance::Duplicate`]). If
//! either write fails the function answers `503` and the sender retries: nothing is
//! acknowledged that is not durably kept. Processing then reads [`Inbox::pending`] (inline
//! right after acceptance, and again from a schedule), and marks each item
//! [`Inbox::mark_done`] or [`Inbox::mark_failed`].
//!
//! A function's triggers need only three calls: [`Inbox::accept_and_process`] on the webhook
//! (answering [`Acceptance::answer`]), [`Inbox::process_pending`] on the schedule, both with
//! the function's handler for one item; [`Inbox::record_outcome`] holds the done / transient /
//! permanent rule they share.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_lambda::HttpResponse;
use gridlink_store::blob::body_from_bytes;
use gridlink_store::{
    BlobKey, BlobStore, IndexName, Ledger, LedgerError, LedgerRecord, NewRecord, PutOptions, Query,
    RecordId, StoreError,
};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

/// The ledger kind of inbox records.
pub const INBOX_KIND: &str = "inbox";

/// How long a processed item is kept (and redeliveries of it recognised): longer than
/// Trading Grid's 24 h redelivery window and its 14-day event feed.
pub const DONE_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// Why an event could not be accepted or updated.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The event id cannot be used as a key.
    #[error("event id `{0}` is not usable (1–200 characters of letters, digits, `_`, `-`, `.`)")]
    BadEventId(String),
    /// The blob store failed.
    #[error("storing the raw event failed: {0}")]
    Blob(#[from] StoreError),
    /// The ledger failed.
    #[error("recording the event failed: {0}")]
    Ledger(#[from] LedgerError),
}

impl Classify for InboxError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadEventId(_) => ErrorKind::BadRequest,
            // Either store being down means "not accepted, send again later".
            Self::Blob(_) | Self::Ledger(_) => ErrorKind::Unavailable,
        }
    }
}

/// One accepted event.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItem {
    /// Its ledger record.
    pub record: LedgerRecord,
}

impl InboxItem {
    /// The sender's event id.
    pub fn event_id(&self) -> &str {
        self.record
            .data
            .get("event_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The event type (`document.received`, …).
    pub fn event_type(&self) -> &str {
        self.record
            .data
            .get("event_type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Where the raw body is.
    pub fn blob_key(&self) -> &str {
        self.record
            .data
            .get("blob_key")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// How many processing attempts failed so far.
    pub fn attempts(&self) -> u64 {
        self.record
            .data
            .get("attempts")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// `pending`, `done` or `failed`.
    pub fn status(&self) -> &str {
        &self.record.status
    }
}

/// The result of [`Inbox::accept`].
#[derive(Debug, Clone, PartialEq)]
pub enum Acceptance {
    /// Stored now.
    Accepted(InboxItem),
    /// Seen before (a redelivery or a concurrent twin): nothing written.
    Duplicate(InboxItem),
}

impl Acceptance {
    /// The item either way.
    pub fn item(&self) -> &InboxItem {
        match self {
            Self::Accepted(item) | Self::Duplicate(item) => item,
        }
    }
}

impl Acceptance {
    /// The webhook answer: `202 {"accepted": "<event id>", "duplicate": bool}`.
    ///
    /// # Format
    /// ```json
    /// {"accepted": "evt_123", "duplicate": false}
    /// ```
    pub fn answer(&self) -> HttpResponse {
        HttpResponse::json(
            202,
            &json!({
                "accepted": self.item().event_id(),
                "duplicate": matches!(self, Self::Duplicate(_)),
            }),
        )
    }
}

/// What one [`Inbox::process_pending`] run did.
///
/// # Format
/// ```json
/// {"pending": 3, "done": 1, "retrying": 1, "failed": 1}
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    /// Items read from the pending list.
    pub pending: usize,
    /// Items marked done.
    pub done: usize,
    /// Items still pending after a transient failure (or an outcome not recorded).
    pub retrying: usize,
    /// Items moved to the failed list.
    pub failed: usize,
}

/// Where an item is after processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Done,
    Retrying,
    Failed,
}

/// The durable inbox of one function.
#[derive(Debug, Clone)]
pub struct Inbox {
    function: &'static str,
    blobs: Arc<dyn BlobStore>,
    ledger: Arc<dyn Ledger>,
    clock: SharedClock,
}

fn check_event_id(event_id: &str) -> Result<(), InboxError> {
    let ok = !event_id.is_empty()
        && event_id.len() <= 200
        && event_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && event_id != "."
        && event_id != "..";
    if ok {
        Ok(())
    } else {
        Err(InboxError::BadEventId(event_id.chars().take(64).collect()))
    }
}

impl Inbox {
    /// The inbox of `function`.
    pub fn new(
        function: &'static str,
        blobs: Arc<dyn BlobStore>,
        ledger: Arc<dyn Ledger>,
        clock: SharedClock,
    ) -> Self {
        Self {
            function,
            blobs,
            ledger,
            clock,
        }
    }

    fn pending_partition(&self) -> String {
        format!("inbox#{}#pending", self.function)
    }

    fn failed_partition(&self) -> String {
        format!("inbox#{}#failed", self.function)
    }

    fn record_id(&self, source: &str, event_id: &str) -> Result<RecordId, InboxError> {
        Ok(RecordId::new(
            INBOX_KIND,
            format!("{}/{source}/{event_id}", self.function),
        )?)
    }

    /// Stores one event durably, or recognises it as seen before.
    #[tracing::instrument(skip_all, fields(function = self.function, event_id = %event_id, event_type = %event_type))]
    pub async fn accept(
        &self,
        source: &str,
        event_id: &str,
        event_type: &str,
        raw: Bytes,
    ) -> Result<Acceptance, InboxError> {
        check_event_id(event_id)?;
        let id = self.record_id(source, event_id)?;
        if let Some(record) = self.ledger.get(&id).await? {
            return Ok(Acceptance::Duplicate(InboxItem { record }));
        }
        let now = self.clock.now();
        let day = now.date();
        let blob_key = BlobKey::parse(format!(
            "raw/{source}/{}/{day}/{event_id}.json",
            self.function
        ))?;
        let size = raw.len();
        self.blobs
            .put(
                &blob_key,
                body_from_bytes(raw),
                PutOptions::with_content_type("application/json")
                    .with_metadata("event-type", event_type),
            )
            .await?;
        let received_at = now.format(&Rfc3339).unwrap_or_default();
        let record = NewRecord::new(
            id,
            "pending",
            json!({
                "event_id": event_id,
                "event_type": event_type,
                "source": source,
                "blob_key": blob_key.as_str(),
                "size_bytes": size,
                "received_at": received_at,
                "attempts": 0,
            }),
        )
        .with_index1(
            self.pending_partition(),
            format!("{received_at}#{event_id}"),
        );
        match self.ledger.create(record).await {
            Ok(record) => {
                tracing::info!("event accepted");
                Ok(Acceptance::Accepted(InboxItem { record }))
            }
            Err(LedgerError::AlreadyExists { existing, .. }) => {
                Ok(Acceptance::Duplicate(InboxItem { record: *existing }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The raw body of an item, as it arrived.
    pub async fn raw(&self, item: &InboxItem) -> Result<Bytes, InboxError> {
        let key = BlobKey::parse(item.blob_key())?;
        Ok(self.blobs.get(&key, None).await?.bytes().await?)
    }

    /// Items waiting to be processed, oldest first.
    pub async fn pending(&self, limit: usize) -> Result<Vec<InboxItem>, InboxError> {
        let query = Query::partition(IndexName::One, self.pending_partition()).limit(limit);
        Ok(self
            .ledger
            .query(query)
            .await?
            .into_iter()
            .map(|record| InboxItem { record })
            .collect())
    }

    /// Items that failed for good.
    pub async fn failed(&self, limit: usize) -> Result<Vec<InboxItem>, InboxError> {
        let query = Query::partition(IndexName::One, self.failed_partition()).limit(limit);
        Ok(self
            .ledger
            .query(query)
            .await?
            .into_iter()
            .map(|record| InboxItem { record })
            .collect())
    }

    /// The item as stored now.
    pub async fn get(&self, source: &str, event_id: &str) -> Result<Option<InboxItem>, InboxError> {
        let id = self.record_id(source, event_id)?;
        Ok(self
            .ledger
            .get(&id)
            .await?
            .map(|record| InboxItem { record }))
    }

    /// Marks an item processed, with a summary of what was done.
    pub async fn mark_done(
        &self,
        item: &InboxItem,
        outcome: Value,
    ) -> Result<InboxItem, InboxError> {
        let mut change = item.record.change();
        "done".clone_into(&mut change.status);
        if let Some(data) = change.data.as_object_mut() {
            data.insert("outcome".to_owned(), outcome);
            data.insert(
                "done_at".to_owned(),
                json!(self.clock.now().format(&Rfc3339).unwrap_or_default()),
            );
        }
        change.index1 = None;
        change.expires_at = Some(self.clock.now() + DONE_RETENTION);
        Ok(InboxItem {
            record: self.ledger.update(change).await?,
        })
    }

    /// Records how processing `item` went and says whether it is done: `Ok` marks it done with
    /// its outcome; an error is a failed attempt, permanent when the error is not transient
    /// (anything but unavailable / rate-limited) or when `max_attempts` is reached. A failure
    /// to record is logged and leaves the item as it was, so a later run sees it again.
    pub async fn record_outcome<E: Classify + std::fmt::Display>(
        &self,
        item: &InboxItem,
        result: &Result<Value, E>,
        max_attempts: u64,
    ) -> bool {
        self.settle(item, result, max_attempts).await;
        result.is_ok()
    }

    /// [`Inbox::record_outcome`], saying where the item is now.
    async fn settle<E: Classify + std::fmt::Display>(
        &self,
        item: &InboxItem,
        result: &Result<Value, E>,
        max_attempts: u64,
    ) -> Settled {
        let (recorded, settled) = match result {
            Ok(outcome) => (
                self.mark_done(item, outcome.clone()).await.map(|_| ()),
                Settled::Done,
            ),
            Err(error) => {
                let permanent = !matches!(
                    error.kind(),
                    ErrorKind::Unavailable | ErrorKind::RateLimited
                ) || item.attempts() + 1 >= max_attempts;
                tracing::warn!(event_id = item.event_id(), error = %error, permanent, "event not processed");
                (
                    self.mark_failed(item, &error.to_string(), permanent)
                        .await
                        .map(|_| ()),
                    if permanent {
                        Settled::Failed
                    } else {
                        Settled::Retrying
                    },
                )
            }
        };
        match recorded {
            Ok(()) => settled,
            Err(error) => {
                tracing::warn!(event_id = item.event_id(), error = %error, "outcome not recorded; the item stays as it was");
                Settled::Retrying
            }
        }
    }

    /// Processes one item with `handler` and records the outcome (see
    /// [`Inbox::record_outcome`]); true when the item is done.
    pub async fn process<F, Fut, E>(&self, item: &InboxItem, max_attempts: u64, handler: F) -> bool
    where
        F: FnOnce(InboxItem) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: Classify + std::fmt::Display,
    {
        let result = handler(item.clone()).await;
        self.settle(item, &result, max_attempts).await == Settled::Done
    }

    /// Stores one event durably (as [`Inbox::accept`]) and, when it is new, processes it
    /// inline with `handler`. A processing failure is recorded on the item, not returned:
    /// the event is accepted either way, and a transient failure is retried by
    /// [`Inbox::process_pending`].
    pub async fn accept_and_process<F, Fut, E>(
        &self,
        source: &str,
        event_id: &str,
        event_type: &str,
        raw: Bytes,
        max_attempts: u64,
        handler: F,
    ) -> Result<Acceptance, InboxError>
    where
        F: FnOnce(InboxItem) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: Classify + std::fmt::Display,
    {
        let acceptance = self.accept(source, event_id, event_type, raw).await?;
        if let Acceptance::Accepted(item) = &acceptance {
            self.process(item, max_attempts, handler).await;
        }
        Ok(acceptance)
    }

    /// Processes up to `limit` pending items, oldest first, one at a time with `handler`,
    /// recording each outcome (see [`Inbox::record_outcome`]). Only reading the pending list
    /// fails the run; each item's failure is recorded on the item.
    pub async fn process_pending<F, Fut, E>(
        &self,
        limit: usize,
        max_attempts: u64,
        handler: F,
    ) -> Result<RunSummary, InboxError>
    where
        F: Fn(InboxItem) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: Classify + std::fmt::Display,
    {
        let pending = self.pending(limit).await?;
        let mut summary = RunSummary {
            pending: pending.len(),
            ..RunSummary::default()
        };
        for item in &pending {
            let result = handler(item.clone()).await;
            match self.settle(item, &result, max_attempts).await {
                Settled::Done => summary.done += 1,
                Settled::Retrying => summary.retrying += 1,
                Settled::Failed => summary.failed += 1,
            }
        }
        Ok(summary)
    }

    /// Records a failed attempt. A `permanent` failure moves the item to the failed list
    /// (an operator looks at it); a transient one leaves it pending for the next run.
    pub async fn mark_failed(
        &self,
        item: &InboxItem,
        error: &str,
        permanent: bool,
    ) -> Result<InboxItem, InboxError> {
        let mut change = item.record.change();
        if let Some(data) = change.data.as_object_mut() {
            data.insert("attempts".to_owned(), json!(item.attempts() + 1));
            data.insert("last_error".to_owned(), json!(error));
        }
        if permanent {
            "failed".clone_into(&mut change.status);
            let sort = item
                .record
                .index1
                .as_ref()
                .map(|i| i.sort.clone())
                .unwrap_or_default();
            change.index1 = Some(gridlink_store::IndexEntry::new(
                self.failed_partition(),
                sort,
            ));
        }
        Ok(InboxItem {
            record: self.ledger.update(change).await?,
        })
    }
}
