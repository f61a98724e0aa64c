//! The timeline by business key: "where is PO 4711?" answered from the ledger.
//!
//! While a function works on something — an inbox item, an operator's request, one document
//! of a schedule's run — a task-local **scope** holds the business keys that work is about
//! (`po:4711`, `shipment:SH-1`, `case:2001`…). A use case names them as soon as it knows them
//! with [`about`]. The runtime then writes a **timeline entry** (ledger kind `timeline`) for
//! each key in scope whenever something happens that an operator asks about:
//! - an inbox item settled: the event as it was received (`received`), then `done` with the
//!   item's outcome, `failed` (an attempt that will be retried) or `dead_letter` — written in
//!   **the same transaction** as the inbox record's update;
//! - an effect done through [`Effects::once`](crate::Effects::once) (`effect`: a document or
//!   version filed, attributes written, a TG document or message sent, with the ids the
//!   effect's result names), written right after its claim is completed (claims are not
//!   transactional with records); a failed effect (`effect_failed`);
//! - a document parked in, or closed out of, the unmatched queue (`unmatched`,
//!   `unmatched_closed`), in the same transaction as the queue's record;
//! - a dead letter requeued by an operator (`requeued`), with its record.
//!
//! Keys named after an entry was written are caught up at the next write of the scope, so
//! every entry of a scope ends up under every key the scope was about. Entries live for
//! [`RETENTION`] (400 days) through the ledger's expiry.
//!
//! # Format
//! Record `("timeline", "{key}|{entry id}")`, status = the entry's kind, index two partition
//! `timeline#{key}`, sort `{at}_{seq:05}_{8 hex}` (`at` RFC 3339 UTC to the millisecond; `seq`
//! orders the entries of one scope written in the same millisecond; the hex keeps sort values
//! unique, so the last one read is a cursor). The data is what [`read`] answers per entry:
//! ```json
//! {"at": "2025-06-15T09:00:00.123Z", "key": "po:4711", "function": "order-reconcile",
//!  "kind": "effect", "system": "xecm", "effect": "xecm-file", "effect_key": "ZZ:ACME|810|INV-1",
//!  "item_id": "tg:evt_1", "ids": {"xecm": {"document_id": 123}}, "result": {…}}
//! ```
//! Entry ids are stable per happening (an item's `received`, an effect's completion), so a
//! write repeated after a failure finds the entry there and leaves it.
//!
//! Outside a scope (a test calling a use case directly) nothing is recorded, and neither is
//! anything inside a dry run (`gridlink_core::dry_run`: an operator's replay with `dry_run`).

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_store::{
    IndexName, Ledger, LedgerError, LedgerRecord, LedgerWrite, NewRecord, Query, RecordChange,
    RecordId, SortRange,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

/// The ledger kind of timeline entries.
pub const TIMELINE_KIND: &str = "timeline";

/// How long an entry is kept.
pub const RETENTION: Duration = Duration::from_secs(400 * 86_400);

/// The kinds of business key a timeline is kept for: `{kind}:{value}`.
pub const KEY_KINDS: &[&str] = &[
    "po",
    "shipment",
    "bol",
    "invoice",
    "case",
    "contract",
    "supplier",
    "recall",
    "partner",
    "exception",
];

/// Longest value of a key, in characters.
pub const MAX_VALUE_CHARS: usize = 200;

/// Most entries one [`read`] answers.
pub const MAX_LIMIT: usize = 500;

/// Entries [`read`] answers when no limit is given.
pub const DEFAULT_LIMIT: usize = 100;

/// The most bytes of JSON an entry keeps of a result or an outcome.
const MAX_DETAIL_BYTES: usize = 4096;

/// The most writes of one transaction (the ledger's limit).
const MAX_TRANSACTION: usize = 100;

const AT_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Why a timeline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    /// The key is not `{kind}:{value}` of a known kind.
    #[error(
        "`key` `{0}` is not `{{kind}}:{{value}}` with a kind of po, shipment, bol, invoice, case, contract, supplier, recall, partner, exception and a value of 1-200 characters without control characters (e.g. `po:4711`)"
    )]
    BadKey(String),
    /// The limit is not a number in range.
    #[error("`limit` `{0}` must be a whole number from 1 to 500")]
    BadLimit(String),
    /// The cursor is not one this route handed out.
    #[error("`after` `{0}` is not a cursor a timeline answered (copy `cursor` from the last page)")]
    BadCursor(String),
    /// The ledger failed.
    #[error("reading the timeline failed: {0}")]
    Ledger(#[from] LedgerError),
}

impl Classify for TimelineError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadKey(_) | Self::BadLimit(_) | Self::BadCursor(_) => ErrorKind::BadRequest,
            Self::Ledger(e) => e.kind(),
        }
    }
}

/// A business key as the timeline keeps it: `{kind}:{value}`, the value trimmed.
///
/// # Errors
/// [`TimelineError::BadKey`] for an unknown kind or an empty, long or control-character value.
pub fn key(kind: &str, value: &str) -> Result<String, TimelineError> {
    let value = value.trim();
    let bad = || TimelineError::BadKey(format!("{kind}:{}", shorten(value)));
    if !KEY_KINDS.contains(&kind)
        || value.is_empty()
        || value.chars().count() > MAX_VALUE_CHARS
        || value.chars().any(char::is_control)
    {
        return Err(bad());
    }
    Ok(format!("{kind}:{value}"))
}

/// A key as an operator writes it (`po:4711`), checked.
///
/// # Errors
/// [`TimelineError::BadKey`].
pub fn parse_key(text: &str) -> Result<String, TimelineError> {
    let (kind, value) = text
        .split_once(':')
        .ok_or_else(|| TimelineError::BadKey(shorten(text)))?;
    key(kind, value).map_err(|_| TimelineError::BadKey(shorten(text)))
}

fn shorten(text: &str) -> String {
    text.chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Where a scope writes: the function, its clock and its ledger.
#[derive(Debug, Clone)]
pub struct Context {
    /// The function the entries are of.
    pub function: &'static str,
    /// The clock entries are timed by.
    pub clock: SharedClock,
    /// The ledger they go to.
    pub ledger: Arc<dyn Ledger>,
}

#[derive(Debug)]
struct Scope {
    context: Context,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    keys: Vec<String>,
    /// Fields every entry of the scope carries (the inbox item it works on).
    common: Map<String, Value>,
    entries: Vec<Entry>,
    /// `(entry, key)` pairs written (or not to be written).
    written: HashSet<(usize, usize)>,
    seq: u32,
}

#[derive(Debug, Clone)]
struct Entry {
    /// Stable id of the happening, unique under one key.
    id: String,
    at: OffsetDateTime,
    seq: u32,
    data: Map<String, Value>,
}

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

fn with_state<T>(f: impl FnOnce(&Context, &mut State) -> T) -> Option<T> {
    // A dry run (an operator's replay with `dry_run`) writes nothing, so it records nothing:
    // the entries would be written when the scope ends, outside the dry run.
    if gridlink_core::dry_run::active() {
        return None;
    }
    SCOPE
        .try_with(|scope| {
            let mut state = scope.state.lock().unwrap_or_else(PoisonError::into_inner);
            f(&scope.context, &mut state)
        })
        .ok()
}

/// Runs `work` in a fresh scope of `context`, and writes what it recorded when it ends.
/// `work` is boxed, so the scope adds a pointer, not `work`'s size, to the caller's future.
pub fn scoped<F: Future>(context: Context, work: F) -> impl Future<Output = F::Output> {
    let work = Box::pin(work);
    let scope = Arc::new(Scope {
        context,
        state: Mutex::new(State::default()),
    });
    SCOPE.scope(scope, async {
        let output = work.await;
        flush().await;
        output
    })
}

/// Runs `work` — one item of a run over many (a schedule's documents) — in a fresh scope of
/// the current scope's context, so its keys and entries are its own; without a current scope
/// it just runs `work`.
pub fn item<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let work = Box::pin(work);
    let context = SCOPE.try_with(|scope| scope.context.clone()).ok();
    async move {
        match context {
            Some(context) => scoped(context, work).await,
            None => work.await,
        }
    }
}

/// The current work is about business key `{kind}:{value}` (`about("po", "4711")`). A value
/// that is not a key (empty, too long) is logged and ignored; outside a scope nothing happens.
pub fn about(kind: &str, value: &str) {
    match key(kind, value) {
        Ok(key) => about_key(key),
        Err(error) => tracing::debug!(kind, error = %error, "not a timeline key; not recorded"),
    }
}

/// [`about`] for a key already in `{kind}:{value}` form (as [`keys`] gives them).
pub fn about_key(key: String) {
    with_state(|_, state| {
        if !state.keys.contains(&key) {
            tracing::debug!(timeline_key = %key, "about");
            state.keys.push(key);
        }
    });
}

/// Every entry the current work records from now on carries `fields` (unless it has its
/// own): `{"item_id": "tg:evt_1", "event_id": "evt_1"}` for an inbox item's work.
pub fn describe(fields: Value) {
    if let Value::Object(fields) = fields {
        with_state(|_, state| state.common.extend(fields));
    }
}

/// The keys the current work is about, in the order they were named.
pub fn keys() -> Vec<String> {
    with_state(|_, state| state.keys.clone()).unwrap_or_default()
}

/// The scope's clock now, if in a scope.
pub fn now() -> Option<OffsetDateTime> {
    with_state(|context, _| context.clock.now())
}

/// The time as entries carry it.
pub fn format_at(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(AT_FORMAT)
        .unwrap_or_default()
}

/// Records an entry of `kind` with the stable `id`, now, for every key of the scope (those
/// named later too); `data` adds to the entry's fields.
pub fn record(kind: &str, id: String, data: Value) {
    record_at(kind, id, None, data, &[]);
}

/// [`record`] at `at` (the scope's clock if `None`), for every key but those in `skip`.
pub fn record_at(kind: &str, id: String, at: Option<OffsetDateTime>, data: Value, skip: &[String]) {
    with_state(|context, state| {
        // An entry of an earlier time (an event as received) goes before the scope's own
        // entries of the same millisecond.
        let seq = if at.is_some() {
            0
        } else {
            state.seq += 1;
            state.seq
        };
        let at = at.unwrap_or_else(|| context.clock.now());
        let mut fields = state.common.clone();
        fields.insert("function".to_owned(), json!(context.function));
        fields.insert("kind".to_owned(), json!(kind));
        if let Value::Object(data) = data {
            fields.extend(data);
        }
        let index = state.entries.len();
        state.entries.push(Entry {
            id,
            at,
            seq,
            data: fields,
        });
        for (k, key) in state.keys.iter().enumerate() {
            if skip.contains(key) {
                state.written.insert((index, k));
            }
        }
    });
}

/// Which system an effect of `effect_kind` touched (`xecm-file` → `xecm`, `tg-ack` → `tg`).
pub fn system_of(effect_kind: &str) -> &'static str {
    if effect_kind.starts_with("xecm") {
        "xecm"
    } else if effect_kind.starts_with("tg") {
        "tg"
    } else {
        "gridlink"
    }
}

/// The ids a result names — its top-level fields called `id` or ending in `_id` / `_ids` — by
/// system: gridlink names xECM nodes by number and Trading Grid objects by text id
/// (`prt_…`, `doc_…`, `msg_…`), so numbers go under `xecm` and texts under `tg`.
///
/// # Format
/// `{"xecm": {"document_id": 123, "workspace_id": 45}, "tg": {"share_id": "shr_1"}}`
pub fn ids_of(result: &Value) -> Value {
    let mut xecm = Map::new();
    let mut tg = Map::new();
    if let Value::Object(fields) = result {
        for (name, value) in fields {
            if !(name == "id" || name.ends_with("_id") || name.ends_with("_ids")) {
                continue;
            }
            let first = match value {
                Value::Array(items) if !items.is_empty() => &items[0],
                other => other,
            };
            let same = |v: &Value| std::mem::discriminant(v) == std::mem::discriminant(first);
            let all_alike = value.as_array().is_none_or(|items| items.iter().all(same));
            match first {
                Value::Number(_) if all_alike => {
                    xecm.insert(name.clone(), value.clone());
                }
                Value::String(_) if all_alike => {
                    tg.insert(name.clone(), value.clone());
                }
                _ => {}
            }
        }
    }
    let mut ids = Map::new();
    if !xecm.is_empty() {
        ids.insert("xecm".to_owned(), Value::Object(xecm));
    }
    if !tg.is_empty() {
        ids.insert("tg".to_owned(), Value::Object(tg));
    }
    Value::Object(ids)
}

/// `value` if its JSON is small, else a note of its size.
pub fn bounded(value: &Value) -> Value {
    let size = serde_json::to_vec(value).map_or(usize::MAX, |json| json.len());
    if size <= MAX_DETAIL_BYTES {
        value.clone()
    } else {
        json!({"truncated": true, "bytes": size})
    }
}

/// Text cut to 1 000 characters (an error as an entry keeps it).
pub fn bounded_text(text: &str) -> String {
    text.chars().take(1000).collect()
}

/// The entries recorded in the scope and not yet written, as records, with their pairs.
fn pending() -> Vec<((usize, usize), NewRecord)> {
    with_state(|context, state| {
        let mut out = Vec::new();
        for (e, entry) in state.entries.iter().enumerate() {
            for (k, key) in state.keys.iter().enumerate() {
                if state.written.contains(&(e, k)) {
                    continue;
                }
                match entry_record(context, key, entry) {
                    Ok(record) => out.push(((e, k), record)),
                    Err(error) => {
                        tracing::warn!(timeline_key = %key, error = %error, "timeline entry not recordable; skipped");
                    }
                }
            }
        }
        out
    })
    .unwrap_or_default()
}

fn mark_written(pairs: &[(usize, usize)]) {
    with_state(|_, state| state.written.extend(pairs.iter().copied()));
}

fn entry_record(context: &Context, key: &str, entry: &Entry) -> Result<NewRecord, LedgerError> {
    let mut record_key = format!("{key}|{}", entry.id);
    if record_key.len() > 1000 {
        record_key = format!(
            "{key}|h:{}",
            hex::encode(Sha256::digest(entry.id.as_bytes()))
        );
    }
    let at = format_at(entry.at);
    let tag = &hex::encode(Sha256::digest(record_key.as_bytes()))[..8];
    let sort = format!("{at}_{:05}_{tag}", entry.seq);
    let mut data = entry.data.clone();
    data.insert("at".to_owned(), json!(at));
    data.insert("key".to_owned(), json!(key));
    let kind = data
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("entry")
        .to_owned();
    Ok(NewRecord::new(
        RecordId::new(TIMELINE_KIND, record_key)?,
        kind,
        Value::Object(data),
    )
    .with_index2(partition(key), sort)
    .expiring_at(context.clock.now() + RETENTION))
}

fn partition(key: &str) -> String {
    format!("timeline#{key}")
}

/// How a transaction of a main write and entries went.
enum Transacted {
    /// All written.
    Written,
    /// An entry was there already (a repeated write): write one by one instead.
    EntryConflict,
    /// The main write failed (its own error, unwrapped from the transaction).
    Main(LedgerError),
}

/// Runs a transaction whose first write is the main one.
async fn transact(ledger: &dyn Ledger, writes: Vec<LedgerWrite>) -> Transacted {
    match ledger.transact(writes).await {
        Ok(()) => Transacted::Written,
        Err(LedgerError::TransactionCancelled { index: 0, cause }) => Transacted::Main(*cause),
        Err(LedgerError::TransactionCancelled { .. }) => Transacted::EntryConflict,
        Err(error) => Transacted::Main(error),
    }
}

/// Writes `records` one by one (a conditional put each: half the write units of a
/// transaction, which only a main write needs); an entry already there counts as written.
/// A failure is logged and the entry stays pending for the scope's next write.
async fn write_each(ledger: &dyn Ledger, records: Vec<((usize, usize), NewRecord)>) {
    for (pair, record) in records {
        match ledger.create(record).await {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => mark_written(&[pair]),
            Err(error) => {
                tracing::warn!(error = %error, "timeline entry not written; retried at the scope's next write");
            }
        }
    }
}

/// Writes the scope's entries not written yet, now (after an effect, at the end of a scope),
/// one conditional put each. Never fails: a failure is logged and the entries are tried again
/// at the scope's next write.
pub async fn flush() {
    let Some(ledger) = with_state(|context, _| context.ledger.clone()) else {
        return;
    };
    let pending = pending();
    if !pending.is_empty() {
        write_each(ledger.as_ref(), pending).await;
    }
}

/// Writes `main` and the scope's pending entries: `main` and up to [`MAX_TRANSACTION`] - 1
/// entries in one transaction, any more right after. `Ok(true)` when `main` went in a transaction (the caller
/// then knows the record only from what it asked), `Ok(false)` when it was written alone by
/// `alone` (no entries pending, or one was there already), whose answer the caller keeps.
async fn write_with<T, F, Fut>(
    ledger: &dyn Ledger,
    main: LedgerWrite,
    alone: F,
) -> Result<Option<T>, LedgerError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, LedgerError>>,
{
    let mut pending = pending();
    if pending.is_empty() {
        return alone().await.map(Some);
    }
    let first: Vec<_> = pending
        .drain(..pending.len().min(MAX_TRANSACTION - 1))
        .collect();
    let mut writes = vec![main];
    writes.extend(
        first
            .iter()
            .map(|(_, record)| LedgerWrite::Create(record.clone())),
    );
    match transact(ledger, writes).await {
        Transacted::Written => {
            mark_written(&first.iter().map(|(pair, _)| *pair).collect::<Vec<_>>());
            write_each(ledger, pending).await;
            Ok(None)
        }
        Transacted::EntryConflict => {
            let answer = alone().await?;
            write_each(ledger, first).await;
            write_each(ledger, pending).await;
            Ok(Some(answer))
        }
        Transacted::Main(error) => Err(error),
    }
}

/// [`Ledger::update`] of `change` (of a record created at `created_at`) with the scope's
/// pending entries in the same transaction. Fails as the update alone would.
///
/// # Errors
/// What the update fails with (`VersionConflict`, `NotFound`, a backend error).
pub async fn update(
    ledger: &dyn Ledger,
    created_at: OffsetDateTime,
    change: RecordChange,
) -> Result<LedgerRecord, LedgerError> {
    let written = write_with(ledger, LedgerWrite::Update(change.clone()), || {
        ledger.update(change.clone())
    })
    .await?;
    Ok(written.unwrap_or_else(|| LedgerRecord {
        id: change.id,
        status: change.status,
        version: change.expected_version.saturating_add(1),
        data: change.data,
        index1: change.index1,
        index2: change.index2,
        created_at,
        updated_at: now().unwrap_or(created_at),
        expires_at: change.expires_at,
    }))
}

/// [`Ledger::create`] of `record` with the scope's pending entries in the same transaction.
/// Fails as the create alone would (`AlreadyExists` with the stored record).
///
/// # Errors
/// What the create fails with.
pub async fn create(ledger: &dyn Ledger, record: NewRecord) -> Result<LedgerRecord, LedgerError> {
    let written = write_with(ledger, LedgerWrite::Create(record.clone()), || {
        ledger.create(record.clone())
    })
    .await?;
    Ok(written.unwrap_or_else(|| {
        let at = now().unwrap_or(OffsetDateTime::UNIX_EPOCH);
        LedgerRecord {
            id: record.id,
            status: record.status,
            version: 1,
            data: record.data,
            index1: record.index1,
            index2: record.index2,
            created_at: at,
            updated_at: at,
            expires_at: record.expires_at,
        }
    }))
}

/// One page of a key's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The key.
    pub key: String,
    /// Its entries, oldest first.
    pub entries: Vec<Value>,
    /// Whether more entries follow.
    pub more: bool,
    /// What to pass as `after` for the next page, when there is one.
    pub cursor: Option<String>,
}

impl Page {
    /// The answer of the timeline route.
    ///
    /// # Format
    /// ```json
    /// {"key": "po:4711", "entries": [{"at": "…", "kind": "received", …}, …],
    ///  "more": true, "cursor": "2025-06-15T09:00:00.123Z_00003_1a2b3c4d"}
    /// ```
    pub fn answer(&self) -> Value {
        json!({
            "key": self.key,
            "entries": self.entries,
            "more": self.more,
            "cursor": self.cursor,
        })
    }
}

/// Whether `text` is a cursor [`read`] hands out.
fn is_cursor(text: &str) -> bool {
    text.len() <= 64
        && text.len() >= 24
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'.' | b'_'))
}

/// Reads up to `limit` entries of `key` (as [`parse_key`] takes it), oldest first, after the
/// cursor `after` if given. On DynamoDB the index is eventually consistent: an entry written
/// a moment ago may show a moment later.
///
/// # Errors
/// [`TimelineError`]: a bad key, limit or cursor (400), or the ledger (503).
pub async fn read(
    ledger: &dyn Ledger,
    key: &str,
    limit: Option<&str>,
    after: Option<&str>,
) -> Result<Page, TimelineError> {
    let key = parse_key(key)?;
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| TimelineError::BadLimit(shorten(text)))?,
    };
    let mut query = Query::partition(IndexName::Two, partition(&key)).limit(limit + 1);
    if let Some(after) = after {
        if !is_cursor(after) {
            return Err(TimelineError::BadCursor(shorten(after)));
        }
        query = query.range(SortRange::After(after.to_owned()));
    }
    let mut records = ledger.query(query).await?;
    let more = records.len() > limit;
    records.truncate(limit);
    let cursor = more
        .then(|| records.last().and_then(|r| r.index2.as_ref()))
        .flatten()
        .map(|entry| entry.sort.clone());
    Ok(Page {
        key,
        entries: records.into_iter().map(|r| r.data).collect(),
        more,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_a_known_kind_and_a_trimmed_printable_value() {
        assert_eq!(key("po", " 4711 ").expect("a key"), "po:4711");
        assert_eq!(
            parse_key("partner:ZZ:ACME").expect("a key"),
            "partner:ZZ:ACME"
        );
        for bad in ["4711", "pox:4711", "po:", "po:  ", "po:a\u{7}b", ""] {
            let error = parse_key(bad).expect_err(bad);
            assert!(error.to_string().starts_with("`key`"), "{error}");
            assert_eq!(error.kind(), ErrorKind::BadRequest);
        }
        assert!(parse_key(&format!("po:{}", "9".repeat(200))).is_ok());
        assert!(parse_key(&format!("po:{}", "9".repeat(201))).is_err());
    }

    #[test]
    fn ids_are_the_id_fields_of_a_result_numbers_in_xecm_texts_in_tg() {
        assert_eq!(
            ids_of(&json!({"document_id": 42, "name": "x", "new_version": false})),
            json!({"xecm": {"document_id": 42}})
        );
        assert_eq!(
            ids_of(
                &json!({"message_id": "msg_1", "attachment_ids": ["a", "b"], "thread": {"id": 1}})
            ),
            json!({"tg": {"message_id": "msg_1", "attachment_ids": ["a", "b"]}})
        );
        assert_eq!(
            ids_of(
                &json!({"share_id": "shr_1", "workspace_id": 7, "document_id": 9, "mixed_ids": [1, "a"]})
            ),
            json!({"xecm": {"workspace_id": 7, "document_id": 9}, "tg": {"share_id": "shr_1"}})
        );
        assert_eq!(ids_of(&json!("just text")), json!({}));
        assert_eq!(system_of("xecm-file"), "xecm");
        assert_eq!(system_of("tg-ack"), "tg");
    }

    #[test]
    fn times_have_a_fixed_width_and_cursors_are_checked() {
        let at = OffsetDateTime::from_unix_timestamp(1_750_000_000).expect("a time");
        assert_eq!(format_at(at), "2025-06-15T15:06:40.000Z");
        assert!(is_cursor("2025-06-15T15:06:40.000Z_00001_1a2b3c4d"));
        for bad in ["", "x", "2025-06-15T15:06:40.000Z#00001", &"9".repeat(65)] {
            assert!(!is_cursor(bad), "{bad}");
        }
    }
}
