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
//! right after acceptance, and again from every schedule firing), and settles each attempt
//! by the one retry rule, [`InboxPolicy`]: done, still pending, or a **dead letter** an
//! operator lists ([`Inbox::dead_letters`]), inspects, requeues ([`Inbox::requeue`]) or
//! discards with a reason ([`Inbox::discard`]).
//!
//! Every item keeps its **history** ([`InboxItem::history`]): each attempt with its time,
//! error and what followed (still pending, a dead letter, done), each requeue and the discard,
//! with who asked — the last [`MAX_HISTORY`] entries (the number dropped before them is
//! counted), so an operator sees every attempt of a dead letter, not only the last error.
//!
//! Functions do not call this directly: `crate::function::Function` accepts, processes and
//! settles for every use case.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt as _;
use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_lambda::HttpResponse;
use gridlink_store::blob::body_from_bytes;
use gridlink_store::{
    BlobKey, BlobStore, IndexName, Ledger, LedgerError, LedgerRecord, NewRecord, PutOptions, Query,
    RecordChange, RecordId, StoreError,
};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::metrics::{Metric, Metrics};
use crate::pause::partners_named;
use crate::timeline;

/// The ledger kind of inbox records.
pub const INBOX_KIND: &str = "inbox";

/// The status of an item waiting to be processed.
pub const PENDING: &str = "pending";
/// The status of a processed item.
pub const DONE: &str = "done";
/// The status of an item that failed for good: a dead letter.
pub const DEAD_LETTER: &str = "dead_letter";
/// The status of a dead letter an operator discarded with a reason: kept (with its raw event),
/// never processed, no longer a dead letter.
pub const DISCARDED: &str = "discarded";

/// The most history entries an item keeps; older ones are dropped and counted
/// (`history_dropped`), so a record stays far below the ledger's item size.
pub const MAX_HISTORY: usize = 50;

/// The most characters of an error a history entry keeps.
const MAX_HISTORY_ERROR_CHARS: usize = 1000;

/// The status of an item set aside because its partner is paused ([`crate::pause`]).
pub const PAUSED: &str = "paused";

/// How long a processed item is kept (and redeliveries of it recognised): longer than
/// Trading Grid's 24 h redelivery window and its 14-day event feed.
pub const DONE_RETENTION: Duration = Duration::from_secs(30 * 86_400);

/// Why an event could not be accepted or updated.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The event id cannot be used as a key.
    #[error("`event_id` `{0}` is not usable (1–200 characters of letters, digits, `_`, `-`, `.`)")]
    BadEventId(String),
    /// The blob store failed.
    #[error("storing the raw event failed: {0}")]
    Blob(#[from] StoreError),
    /// The ledger failed.
    #[error("recording the event failed: {0}")]
    Ledger(#[from] LedgerError),
    /// An operator's item id is not `{source}:{event_id}`.
    #[error("`item_id` `{0}` is not `{{source}}:{{event id}}` (e.g. `tg:evt_123`)")]
    BadItemId(String),
    /// Only a dead letter can be requeued or discarded.
    #[error("inbox item {item_id} is {status}, not a dead letter; only dead letters are {action}")]
    NotDeadLettered {
        /// The item.
        item_id: String,
        /// Its status.
        status: String,
        /// What was refused: `requeued`, `discarded`.
        action: &'static str,
    },
}

impl Classify for InboxError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadEventId(_) | Self::BadItemId(_) => ErrorKind::BadRequest,
            Self::NotDeadLettered { .. } => ErrorKind::Conflict,
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

    /// [`PENDING`], [`DONE`], [`DEAD_LETTER`] or [`DISCARDED`].
    pub fn status(&self) -> &str {
        &self.record.status
    }

    /// Where it came from: `tg` (a Trading Grid webhook or the inbox poller) or `xecm` (a
    /// push).
    pub fn source(&self) -> &str {
        self.record
            .data
            .get("source")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The partners the event names (partner ids and `QUALIFIER:ID` senders), as recorded
    /// when it was accepted; `None` for an item accepted before they were recorded.
    pub fn partners(&self) -> Option<Vec<String>> {
        self.record
            .data
            .get("partners")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
    }

    /// The paused partners that set this item aside, while it is set aside.
    pub fn paused_for(&self) -> Option<&Value> {
        self.record.data.get("paused_for")
    }

    /// How an operator names it: `{source}:{event_id}`.
    pub fn item_id(&self) -> String {
        format!("{}:{}", self.source(), self.event_id())
    }

    /// The last error an attempt recorded, if any.
    pub fn last_error(&self) -> Option<&str> {
        self.record.data.get("last_error").and_then(Value::as_str)
    }

    /// The timeline keys earlier attempts found it is about (its `received` entry is
    /// written under each of them).
    pub fn timeline_keys(&self) -> Vec<String> {
        self.record
            .data
            .get("timeline_keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What processing it came to, once it is done (the use case's answer, e.g.
    /// `{"skipped": "node 7 not found in xECM", "field": "node_id"}`).
    pub fn outcome(&self) -> Option<&Value> {
        self.record.data.get("outcome")
    }

    /// What happened to it, oldest first (the last [`MAX_HISTORY`] entries).
    ///
    /// # Format
    /// ```json
    /// [{"at": "…", "event": "attempt", "attempt": 1, "kind": "unavailable",
    ///   "error": "xECM: …", "then": "pending"},
    ///  {"at": "…", "event": "attempt", "counted": false, "kind": "held", "error": "…",
    ///   "then": "pending"},
    ///  {"at": "…", "event": "attempt", "attempt": 8, "kind": "unavailable", "error": "…",
    ///   "then": "dead_letter"},
    ///  {"at": "…", "event": "requeued", "by": "arn:aws:sts::…:assumed-role/ops/anna"},
    ///  {"at": "…", "event": "attempt", "then": "done"},
    ///  {"at": "…", "event": "discarded", "by": null, "reason": "duplicate of INV-7"}]
    /// ```
    /// `by` is the caller API Gateway's IAM authoriser vouched for, `null` without one (the
    /// local stack).
    pub fn history(&self) -> &[Value] {
        self.record
            .data
            .get("history")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Who discarded it, when and why, once discarded.
    pub fn discard(&self) -> Option<Value> {
        let data = &self.record.data;
        data.get("discarded_at").map(|at| {
            json!({
                "at": at,
                "by": data.get("discarded_by"),
                "reason": data.get("discard_reason"),
            })
        })
    }

    /// What an operator sees of it (no raw body, no history); a done item also shows its
    /// `outcome`, a discarded one its `discarded` (`at`, `by`, `reason`).
    ///
    /// # Format
    /// ```json
    /// {"item_id": "tg:evt_1", "status": "dead_letter", "event_type": "document.received",
    ///  "received_at": "…", "attempts": 8, "last_error": "xECM: …", "requeues": 0}
    /// ```
    pub fn summary(&self) -> Value {
        let data = &self.record.data;
        let mut summary = json!({
            "item_id": self.item_id(),
            "status": self.status(),
            "event_type": self.event_type(),
            "received_at": data.get("received_at"),
            "attempts": self.attempts(),
            "last_error": self.last_error(),
            "requeues": data.get("requeues").and_then(Value::as_u64).unwrap_or(0),
            "size_bytes": data.get("size_bytes"),
        });
        if let Some(outcome) = self.outcome() {
            summary["outcome"] = outcome.clone();
        }
        if let Some(discard) = self.discard() {
            summary["discarded"] = discard;
        }
        if let Some(paused_for) = self.paused_for() {
            summary["paused_for"] = paused_for.clone();
        }
        summary
    }

    /// Where the pending and dead-letter lists sort it: `{received_at}#{event_id}`.
    pub fn sort_key(&self) -> String {
        self.record
            .index1
            .as_ref()
            .map(|i| i.sort.clone())
            .unwrap_or_default()
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
/// {"pending": 3, "done": 1, "retrying": 1, "dead_lettered": 1}
/// ```
/// With pauses ([`crate::pause`]) also `"set_aside"` and `"resumed"` (when not 0) and
/// `"function_paused": true` (when the function is paused and nothing ran) and
/// `"already_running": true` (another run of the same process had the pending list).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    /// Items read from the pending list.
    pub pending: usize,
    /// Items marked done.
    pub done: usize,
    /// Items still pending after a transient failure (or an outcome not recorded).
    pub retrying: usize,
    /// Items moved to the dead-letter list.
    pub dead_lettered: usize,
    /// Items set aside because their partner is paused (not attempted).
    #[serde(skip_serializing_if = "is_zero")]
    pub set_aside: usize,
    /// Items set aside earlier whose partner is no longer paused: back on the pending list.
    #[serde(skip_serializing_if = "is_zero")]
    pub resumed: usize,
    /// The function is paused: nothing was processed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub function_paused: bool,
    /// Another run of this process was working through the pending list: this one left it
    /// to that run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_running: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl RunSummary {
    fn count(&mut self, settled: Settled) {
        match settled {
            Settled::Done => self.done += 1,
            Settled::Retrying => self.retrying += 1,
            Settled::DeadLettered => self.dead_lettered += 1,
        }
    }
}

/// Where an item is after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Processed; marked done.
    Done,
    /// Failed transiently; still pending for the next run.
    Retrying,
    /// Failed for good, or too often: in the dead-letter state.
    DeadLettered,
}

/// The one retry rule of every inbox.
///
/// An attempt that finds its work's claim held by another worker ([`ErrorKind::Held`]: an
/// effect in progress elsewhere, or a crashed worker's lease not yet ended) leaves the item
/// pending **without counting the attempt**: the lease ends within `EFFECT_LEASE`, so waiting
/// is bounded, and a kill mid-effect never spends an item's attempts on someone else's lease.
/// An attempt that fails with another transient kind ([`ErrorKind::is_transient`]: unavailable,
/// rate limited, internal) leaves the item pending, to be tried again by the next run (the
/// next webhook's schedule, every few minutes), until `max_attempts` attempts have failed;
/// then, or at once for any other kind (the event is malformed, names nothing that exists,
/// breaks a business rule), the item becomes a **dead letter**: listed and inspectable by an
/// operator, with its last error, and requeued by hand once the cause is fixed. Nothing is
/// retried for ever, and nothing is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxPolicy {
    /// Items one run takes from the pending list.
    pub batch: usize,
    /// Failed attempts after which a transiently failing item is dead-lettered.
    pub max_attempts: u64,
}

impl Default for InboxPolicy {
    fn default() -> Self {
        Self {
            batch: 25,
            max_attempts: 8,
        }
    }
}

impl InboxPolicy {
    /// Where an item goes after its `attempts`-th failed attempt with an error of `kind`.
    pub fn verdict(self, kind: ErrorKind, attempts: u64) -> Settled {
        if kind == ErrorKind::Held || kind.is_transient() && attempts < self.max_attempts {
            Settled::Retrying
        } else {
            Settled::DeadLettered
        }
    }
}

/// The durable inbox of one function.
#[derive(Debug, Clone)]
pub struct Inbox {
    function: &'static str,
    blobs: Arc<dyn BlobStore>,
    ledger: Arc<dyn Ledger>,
    clock: SharedClock,
    metrics: Metrics,
}

/// The event type as blob metadata: percent-encoded (S3 metadata is ASCII) and cut to
/// [`MAX_METADATA_VALUE_BYTES`] (S3 allows 2 KiB of metadata in all), at an escape boundary.
/// The record keeps the type in full.
fn metadata_value(event_type: &str) -> String {
    let mut value: String = url::form_urlencoded::byte_serialize(event_type.as_bytes()).collect();
    if value.len() > MAX_METADATA_VALUE_BYTES {
        let mut cut = MAX_METADATA_VALUE_BYTES;
        // Never split a `%XX` escape.
        if let Some(percent) = value[cut - 2..cut].rfind('%') {
            cut = cut - 2 + percent;
        }
        value.truncate(cut);
    }
    value
}

/// The most bytes of the event type kept as blob metadata.
const MAX_METADATA_VALUE_BYTES: usize = 1024;

pub(crate) fn check_event_id(event_id: &str) -> Result<(), InboxError> {
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

/// Appends `entry` to a record's history, keeping the last [`MAX_HISTORY`] entries and
/// counting the ones dropped.
fn push_history(data: &mut Value, entry: Value) {
    let Some(data) = data.as_object_mut() else {
        return;
    };
    let history = data
        .entry("history")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !history.is_array() {
        *history = Value::Array(Vec::new());
    }
    let Some(entries) = history.as_array_mut() else {
        return;
    };
    entries.push(entry);
    let over = entries.len().saturating_sub(MAX_HISTORY);
    if over > 0 {
        entries.drain(..over);
        let dropped = data
            .get("history_dropped")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        data.insert("history_dropped".to_owned(), json!(dropped + over as u64));
    }
}

/// An error as a history entry keeps it: at most [`MAX_HISTORY_ERROR_CHARS`] characters.
fn history_error(error: &str) -> String {
    if error.chars().count() <= MAX_HISTORY_ERROR_CHARS {
        error.to_owned()
    } else {
        let mut cut: String = error.chars().take(MAX_HISTORY_ERROR_CHARS).collect();
        cut.push('…');
        cut
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
            metrics: Metrics::off(function, clock.clone()),
            clock,
        }
    }

    /// The same inbox, counting what it settles in `metrics` ([`crate::metrics`]).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Counts a settled attempt: processed (with its end-to-end latency), retried or
    /// dead-lettered.
    fn count_settled(&self, item: &InboxItem, settled: Settled) {
        let item_id = item.item_id();
        let context = [
            ("item_id", item_id.as_str()),
            ("event_type", item.event_type()),
        ];
        match settled {
            Settled::Done => {
                self.metrics.count(Metric::EventsProcessed, &context);
                let received = item
                    .record
                    .data
                    .get("received_at")
                    .and_then(Value::as_str)
                    .and_then(|t| time::OffsetDateTime::parse(t, &Rfc3339).ok());
                if let Some(received) = received {
                    let millis = (self.clock.now() - received).whole_milliseconds().max(0);
                    let millis = f64::from(u32::try_from(millis).unwrap_or(u32::MAX));
                    self.metrics
                        .record(Metric::EndToEndLatency, millis, &context);
                }
            }
            Settled::Retrying => self.metrics.count(Metric::EventsRetried, &context),
            Settled::DeadLettered => self.metrics.count(Metric::DeadLettered, &context),
        }
    }

    fn pending_partition(&self) -> String {
        format!("inbox#{}#pending", self.function)
    }

    fn now_text(&self) -> String {
        self.clock.now().format(&Rfc3339).unwrap_or_default()
    }

    fn dead_letter_partition(&self) -> String {
        format!("inbox#{}#dead_letter", self.function)
    }

    fn paused_partition(&self) -> String {
        format!("inbox#{}#paused", self.function)
    }

    /// The item moved to `status` on `partition`, keeping its arrival-order sort key.
    async fn moved(
        &self,
        item: &InboxItem,
        status: &str,
        partition: String,
        data: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> Result<InboxItem, InboxError> {
        let mut change = item.record.change();
        status.clone_into(&mut change.status);
        if let Some(fields) = change.data.as_object_mut() {
            data(fields);
        }
        let sort = item
            .record
            .index1
            .as_ref()
            .map(|i| i.sort.clone())
            .unwrap_or_default();
        change.index1 = Some(gridlink_store::IndexEntry::new(partition, sort));
        Ok(InboxItem {
            record: self.ledger.update(change).await?,
        })
    }

    /// Sets a pending item aside because `partners` are paused: it leaves the pending list
    /// (so it never fills a batch) until [`Inbox::unpause`] puts it back.
    pub async fn set_aside(
        &self,
        item: &InboxItem,
        partners: &[&str],
    ) -> Result<InboxItem, InboxError> {
        let at = self.clock.now().format(&Rfc3339).unwrap_or_default();
        tracing::info!(event_id = item.event_id(), partners = ?partners, "event set aside: its partner is paused");
        self.moved(item, PAUSED, self.paused_partition(), |data| {
            data.insert("paused_for".to_owned(), json!(partners));
            data.insert("set_aside_at".to_owned(), json!(at));
        })
        .await
    }

    /// Items set aside for a paused partner, oldest first.
    pub async fn paused(&self, limit: usize) -> Result<Vec<InboxItem>, InboxError> {
        self.listed(self.paused_partition(), limit).await
    }

    /// Puts an item that was set aside back on the pending list, in its arrival order.
    pub async fn unpause(&self, item: &InboxItem) -> Result<InboxItem, InboxError> {
        tracing::info!(
            event_id = item.event_id(),
            "event back on the pending list: its partner was resumed"
        );
        self.moved(item, PENDING, self.pending_partition(), |data| {
            data.remove("paused_for");
        })
        .await
    }

    fn record_id(&self, source: &str, event_id: &str) -> Result<RecordId, InboxError> {
        Ok(RecordId::new(
            INBOX_KIND,
            format!("{}/{source}/{event_id}", self.function),
        )?)
    }

    /// Where this inbox's timeline entries go.
    pub fn timeline_context(&self) -> timeline::Context {
        timeline::Context {
            function: self.function,
            clock: self.clock.clone(),
            ledger: self.ledger.clone(),
        }
    }

    /// One attempt at `item` with `handler`, settled by the retry rule, in a timeline scope of
    /// its own (about the keys earlier attempts found, and those `handler` names).
    pub async fn attempt<F, Fut, E>(
        &self,
        item: &InboxItem,
        policy: InboxPolicy,
        handler: F,
    ) -> Settled
    where
        F: FnOnce(InboxItem) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: Classify + std::fmt::Display,
    {
        timeline::scoped(self.timeline_context(), async {
            for key in item.timeline_keys() {
                timeline::about_key(key);
            }
            timeline::describe(json!({"item_id": item.item_id(), "event_id": item.event_id()}));
            let result = handler(item.clone()).await;
            self.settle(item, &result, policy).await
        })
        .await
    }

    /// Writes `change` of `item`, with the timeline entries of the scope in the same
    /// transaction, and the keys the item is about kept on it.
    async fn write(
        &self,
        item: &InboxItem,
        mut change: RecordChange,
    ) -> Result<InboxItem, InboxError> {
        let keys = timeline::keys();
        if !keys.is_empty()
            && let Some(data) = change.data.as_object_mut()
        {
            data.insert("timeline_keys".to_owned(), json!(keys));
        }
        Ok(InboxItem {
            record: timeline::update(self.ledger.as_ref(), item.record.created_at, change).await?,
        })
    }

    /// Records the timeline entries of settling `item` (nothing without keys in scope): the
    /// event as received (once per key), then what the attempt came to.
    fn record_settled(&self, item: &InboxItem, kind: &str, detail: Value) {
        if timeline::keys().is_empty() {
            return;
        }
        let item_id = item.item_id();
        let received_at = item
            .record
            .data
            .get("received_at")
            .and_then(Value::as_str)
            .and_then(|t| time::OffsetDateTime::parse(t, &Rfc3339).ok());
        timeline::record_at(
            "received",
            format!("{}|{item_id}|received", self.function),
            received_at,
            json!({
                "system": item.source(),
                "item_id": item_id,
                "event_id": item.event_id(),
                "event_type": item.event_type(),
                "ids": {item.source(): {"event_id": item.event_id()}},
            }),
            &item.timeline_keys(),
        );
        let requeues = item
            .record
            .data
            .get("requeues")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let id = match kind {
            "done" => format!("{}|{item_id}|done", self.function),
            _ => format!(
                "{}|{item_id}|{kind}|{requeues}|{}",
                self.function,
                item.attempts() + 1
            ),
        };
        let mut data = json!({
            "system": "gridlink",
            "item_id": item_id,
            "event_id": item.event_id(),
            "attempts": item.attempts() + u64::from(kind != "done"),
        });
        if let (Value::Object(data), Value::Object(detail)) = (&mut data, detail) {
            data.extend(detail);
        }
        timeline::record(kind, id, data);
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
        // Which partners the event names, kept on the record so a partner's pause is judged
        // without reading the body again (an unreadable body names none).
        let partners = serde_json::from_slice::<Value>(&raw)
            .map(|event| partners_named(&event))
            .unwrap_or_default();
        self.blobs
            .put(
                &blob_key,
                body_from_bytes(raw),
                // Object metadata is ASCII only (S3): the type goes percent-encoded; the
                // record keeps it as sent.
                PutOptions::with_content_type("application/json")
                    .with_metadata("event-type", metadata_value(event_type)),
            )
            .await?;
        let received_at = now.format(&Rfc3339).unwrap_or_default();
        let record = NewRecord::new(
            id,
            PENDING,
            json!({
                "event_id": event_id,
                "event_type": event_type,
                "source": source,
                "blob_key": blob_key.as_str(),
                "size_bytes": size,
                "received_at": received_at,
                "attempts": 0,
                "partners": partners,
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
        self.listed(self.pending_partition(), limit).await
    }

    async fn listed(&self, partition: String, limit: usize) -> Result<Vec<InboxItem>, InboxError> {
        let query = Query::partition(IndexName::One, partition).limit(limit);
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
        DONE.clone_into(&mut change.status);
        let now = self.now_text();
        if let Some(data) = change.data.as_object_mut() {
            data.insert("outcome".to_owned(), outcome);
            data.insert("done_at".to_owned(), json!(now));
        }
        push_history(
            &mut change.data,
            json!({"at": now, "event": "attempt", "then": DONE}),
        );
        change.index1 = None;
        change.expires_at = Some(self.clock.now() + DONE_RETENTION);
        self.write(item, change).await
    }

    /// Records how processing `item` went, by the one retry rule ([`InboxPolicy::verdict`]),
    /// and says where the item is now. A twin that settled the same item first (a lost
    /// version race) leaves it as the twin did; any other failure to record is logged and
    /// leaves the item as it was, so a later run sees it again.
    pub async fn settle<E: Classify + std::fmt::Display>(
        &self,
        item: &InboxItem,
        result: &Result<Value, E>,
        policy: InboxPolicy,
    ) -> Settled {
        let (recorded, settled) = match result {
            Ok(outcome) => {
                self.record_settled(item, "done", json!({"outcome": timeline::bounded(outcome)}));
                (
                    self.mark_done(item, outcome.clone()).await.map(|_| ()),
                    Settled::Done,
                )
            }
            Err(error) if error.kind() == ErrorKind::Held => {
                tracing::info!(attempts = item.attempts(), error = %error, "work held by another worker's claim; the event stays pending, the attempt not counted");
                (
                    self.mark_held(item, &error.to_string()).await.map(|_| ()),
                    Settled::Retrying,
                )
            }
            Err(error) => {
                let settled = policy.verdict(error.kind(), item.attempts() + 1);
                let dead = settled == Settled::DeadLettered;
                self.record_settled(
                    item,
                    if dead { "dead_letter" } else { "failed" },
                    json!({"error": timeline::bounded_text(&error.to_string())}),
                );
                if dead {
                    tracing::error!(attempts = item.attempts() + 1, error = %error, "event dead-lettered: an operator can inspect and requeue it");
                } else {
                    tracing::warn!(attempts = item.attempts() + 1, error = %error, "event not processed; it stays pending for the next run");
                }
                (
                    self.record_failure(item, &error.to_string(), Some(error.kind()), dead)
                        .await
                        .map(|_| ()),
                    settled,
                )
            }
        };
        match recorded {
            Ok(()) => {
                self.count_settled(item, settled);
                settled
            }
            Err(InboxError::Ledger(LedgerError::VersionConflict { .. })) => {
                tracing::debug!("a twin settled this item first; it stays as the twin left it");
                Settled::Retrying
            }
            Err(error) => {
                tracing::warn!(error = %error, "outcome not recorded; the item stays as it was");
                Settled::Retrying
            }
        }
    }

    /// Processes up to `policy.batch` pending items, oldest first, one at a time with
    /// `handler`, settling each by the one retry rule. Only reading the pending list fails
    /// the run; each item's failure is recorded on the item.
    pub async fn process_pending<F, Fut, E>(
        &self,
        policy: InboxPolicy,
        handler: F,
    ) -> Result<RunSummary, InboxError>
    where
        F: Fn(InboxItem) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: Classify + std::fmt::Display,
    {
        self.process_pending_concurrently(policy, 1, handler).await
    }

    /// [`Inbox::process_pending`] with up to `concurrency` items attempted at the same time
    /// (at least 1). Items are independent — each effect is claimed once, each item settled
    /// under its version — so a run may work on several at once. One at a time, a run lasts
    /// the sum of its items, and an item that waits (a retry's backoff, order-reconcile's
    /// wait for an order's reconciliation turn) holds up every item behind it: a 200-item run
    /// of the 10 000-event chaos run took minutes (docs/chaos.md).
    pub async fn process_pending_concurrently<F, Fut, E>(
        &self,
        policy: InboxPolicy,
        concurrency: usize,
        handler: F,
    ) -> Result<RunSummary, InboxError>
    where
        F: Fn(InboxItem) -> Fut,
        Fut: Future<Output = Result<Value, E>>,
        E: Classify + std::fmt::Display,
    {
        let pending = self.pending(policy.batch).await?;
        let mut summary = RunSummary {
            pending: pending.len(),
            ..RunSummary::default()
        };
        // No stream combinator with a closure here: its future would not be provably `Send`
        // for every lifetime, which the handlers' boxed futures need.
        let mut waiting = pending.iter();
        let mut running = futures::stream::FuturesUnordered::new();
        for item in waiting.by_ref().take(concurrency.max(1)) {
            running.push(self.attempt(item, policy, &handler));
        }
        while let Some(settled) = running.next().await {
            summary.count(settled);
            if let Some(item) = waiting.next() {
                running.push(self.attempt(item, policy, &handler));
            }
        }
        Ok(summary)
    }

    /// Items in the dead-letter state, oldest first.
    pub async fn dead_letters(&self, limit: usize) -> Result<Vec<InboxItem>, InboxError> {
        self.listed(self.dead_letter_partition(), limit).await
    }

    /// Dead letters after `after` (a [`InboxItem::sort_key`]; all when `None`), oldest
    /// first.
    pub async fn dead_letters_after(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<InboxItem>, InboxError> {
        let Some(after) = after else {
            return self.dead_letters(limit).await;
        };
        let query = Query::partition(IndexName::One, self.dead_letter_partition())
            .range(gridlink_store::SortRange::After(after.to_owned()))
            .limit(limit);
        Ok(self
            .ledger
            .query(query)
            .await?
            .into_iter()
            .map(|record| InboxItem { record })
            .collect())
    }

    fn refuse_unless_dead(item: &InboxItem, action: &'static str) -> Result<(), InboxError> {
        if item.status() == DEAD_LETTER {
            Ok(())
        } else {
            Err(InboxError::NotDeadLettered {
                item_id: item.item_id(),
                status: item.status().to_owned(),
                action,
            })
        }
    }

    /// Puts a dead letter back on the pending list with a fresh attempt count; its last
    /// error, its history and the number of requeues stay on the item, the requeue joins the
    /// history with `by` (the operator, when known). Anything but a dead letter is refused
    /// ([`InboxError::NotDeadLettered`]).
    pub async fn requeue(
        &self,
        item: &InboxItem,
        by: Option<&str>,
    ) -> Result<InboxItem, InboxError> {
        Self::refuse_unless_dead(item, "requeued")?;
        let mut change = item.record.change();
        PENDING.clone_into(&mut change.status);
        let requeues = item
            .record
            .data
            .get("requeues")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let now = self.now_text();
        if let Some(data) = change.data.as_object_mut() {
            data.insert("attempts".to_owned(), json!(0));
            data.insert("requeues".to_owned(), json!(requeues + 1));
            data.insert("requeued_at".to_owned(), json!(now));
        }
        push_history(
            &mut change.data,
            json!({"at": now, "event": "requeued", "by": by}),
        );
        change.index1 = Some(gridlink_store::IndexEntry::new(
            self.pending_partition(),
            item.sort_key(),
        ));
        tracing::info!(event_id = item.event_id(), by, "dead letter requeued");
        for key in item.timeline_keys() {
            timeline::about_key(key);
        }
        let item_id = item.item_id();
        timeline::record(
            "requeued",
            format!("{}|{item_id}|requeued|{}", self.function, requeues + 1),
            json!({"system": "gridlink", "item_id": item_id, "event_id": item.event_id(), "requeues": requeues + 1, "by": by}),
        );
        self.write(item, change).await
    }

    /// Records an operator's real replay of a done item ([`crate::replay`]): a `replayed`
    /// history entry with who asked and how it went (`then`: `done`, or `failed` with the
    /// error). The item stays done with its outcome; a timeline entry says it was replayed.
    pub async fn mark_replayed(
        &self,
        item: &InboxItem,
        by: Option<&str>,
        error: Option<&str>,
    ) -> Result<InboxItem, InboxError> {
        let mut change = item.record.change();
        let now = self.now_text();
        let then = if error.is_some() { "failed" } else { DONE };
        let mut entry = json!({"at": now, "event": "replayed", "by": by, "then": then});
        if let Some(error) = error {
            entry["error"] = json!(history_error(error));
        }
        push_history(&mut change.data, entry);
        for key in item.timeline_keys() {
            timeline::about_key(key);
        }
        let item_id = item.item_id();
        timeline::record(
            "replayed",
            format!("{}|{item_id}|replayed|{now}", self.function),
            json!({"system": "gridlink", "item_id": item_id, "event_id": item.event_id(), "by": by, "then": then}),
        );
        tracing::info!(event_id = item.event_id(), by, then, "inbox item replayed");
        self.write(item, change).await
    }

    /// Discards a dead letter for good: status [`DISCARDED`], off the dead-letter list, never
    /// processed; the record (no expiry: a redelivery of the event stays recognised) keeps
    /// the raw event's key, its history, and who discarded it (`by`, when known), when and
    /// why. Anything but a dead letter is refused ([`InboxError::NotDeadLettered`]).
    pub async fn discard(
        &self,
        item: &InboxItem,
        reason: &str,
        by: Option<&str>,
    ) -> Result<InboxItem, InboxError> {
        Self::refuse_unless_dead(item, "discarded")?;
        let mut change = item.record.change();
        DISCARDED.clone_into(&mut change.status);
        let now = self.now_text();
        if let Some(data) = change.data.as_object_mut() {
            data.insert("discarded_at".to_owned(), json!(now));
            data.insert("discarded_by".to_owned(), json!(by));
            data.insert("discard_reason".to_owned(), json!(reason));
        }
        push_history(
            &mut change.data,
            json!({"at": now, "event": "discarded", "by": by, "reason": reason}),
        );
        change.index1 = None;
        change.expires_at = None;
        tracing::info!(
            event_id = item.event_id(),
            by,
            reason,
            "dead letter discarded"
        );
        for key in item.timeline_keys() {
            timeline::about_key(key);
        }
        let item_id = item.item_id();
        timeline::record(
            "discarded",
            format!("{}|{item_id}|discarded", self.function),
            json!({"system": "gridlink", "item_id": item_id, "event_id": item.event_id(), "by": by, "reason": timeline::bounded_text(reason)}),
        );
        self.write(item, change).await
    }

    /// The item an operator names as `{source}:{event_id}` ([`InboxItem::item_id`]).
    pub async fn find(&self, item_id: &str) -> Result<Option<InboxItem>, InboxError> {
        let Some((source, event_id)) = item_id.split_once(':') else {
            return Err(InboxError::BadItemId(item_id.chars().take(64).collect()));
        };
        check_event_id(event_id)?;
        check_event_id(source)?;
        self.get(source, event_id).await
    }

    /// Records the last error of an attempt that found its work held elsewhere; the attempt
    /// count stays as it was ([`InboxPolicy`]).
    pub async fn mark_held(&self, item: &InboxItem, error: &str) -> Result<InboxItem, InboxError> {
        let mut change = item.record.change();
        if let Some(data) = change.data.as_object_mut() {
            data.insert("last_error".to_owned(), json!(error));
        }
        push_history(
            &mut change.data,
            json!({
                "at": self.now_text(),
                "event": "attempt",
                "counted": false,
                "kind": ErrorKind::Held.code(),
                "error": history_error(error),
                "then": PENDING,
            }),
        );
        self.write(item, change).await
    }

    /// Records a failed attempt. A `dead` item moves to the dead-letter list (an operator
    /// looks at it, and may requeue it); otherwise it stays pending for the next run.
    pub async fn mark_failed(
        &self,
        item: &InboxItem,
        error: &str,
        dead: bool,
    ) -> Result<InboxItem, InboxError> {
        self.record_failure(item, error, None, dead).await
    }

    /// [`Inbox::mark_failed`], the error's kind (when known) kept in the history.
    async fn record_failure(
        &self,
        item: &InboxItem,
        error: &str,
        kind: Option<ErrorKind>,
        dead: bool,
    ) -> Result<InboxItem, InboxError> {
        let mut change = item.record.change();
        let attempt = item.attempts() + 1;
        if let Some(data) = change.data.as_object_mut() {
            data.insert("attempts".to_owned(), json!(attempt));
            data.insert("last_error".to_owned(), json!(error));
        }
        push_history(
            &mut change.data,
            json!({
                "at": self.now_text(),
                "event": "attempt",
                "attempt": attempt,
                "kind": kind.map(ErrorKind::code),
                "error": history_error(error),
                "then": if dead { DEAD_LETTER } else { PENDING },
            }),
        );
        if dead {
            DEAD_LETTER.clone_into(&mut change.status);
            change.index1 = Some(gridlink_store::IndexEntry::new(
                self.dead_letter_partition(),
                item.sort_key(),
            ));
        }
        self.write(item, change).await
    }
}

#[cfg(test)]
mod metadata_tests {
    use super::{MAX_METADATA_VALUE_BYTES, metadata_value};

    #[test]
    fn a_long_event_type_is_cut_to_fit_blob_metadata_never_inside_an_escape() {
        // A 10 000-character type once failed the S3 put: a 503 the sender retried forever.
        for text in ["x".repeat(10_000), "ä".repeat(2_000), "✓".repeat(1_000)] {
            let value = metadata_value(&text);
            assert!(value.len() <= MAX_METADATA_VALUE_BYTES, "{}", value.len());
            assert!(value.is_ascii());
            let tail = &value[value.len().saturating_sub(2)..];
            assert!(!tail.contains('%'), "an escape is cut: …{tail}");
        }
        assert_eq!(
            metadata_value("Dokument geändert"),
            "Dokument+ge%C3%A4ndert"
        );
    }
}
