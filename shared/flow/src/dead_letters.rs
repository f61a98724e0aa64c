//! The dead-letter routes every function serves to operators (IAM-authorised when
//! deployed), written once for all seven:
//!
//! | Route | What it does |
//! |---|---|
//! | `GET /{function}/dead-letters` | the dead letters, oldest first (at most 100) |
//! | `GET /{function}/dead-letters/{item_id}` | one inbox item, whatever its status: its summary, every attempt and its error (`history`), the raw event |
//! | `POST /{function}/dead-letters/{item_id}/requeue` | back to pending with a fresh attempt count, then processed once, inline |
//! | `POST /{function}/dead-letters/requeue` | up to [`REQUEUE_ALL_BATCH`] dead letters requeued and processed (oldest first, after the cursor `after`); the answer says how many are left |
//! | `POST /{function}/dead-letters/{item_id}/discard` | `{"reason": "…"}`: discarded with who, when and why; kept with its raw event, never processed, no longer a dead letter |
//!
//! The caller recorded on a requeue or a discard is the identity API Gateway's IAM authoriser
//! vouched for ([`HttpRequest::caller`]); `null` on the local stack, which checks none.

use std::time::{Duration, Instant};

use gridlink_core::error::ErrorKind;
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use gridlink_store::StoreError;
use serde_json::{Value, json};

use crate::function::Function;
use crate::inbox::{InboxError, InboxItem};
use crate::usecase::UseCase;

/// The most dead letters one `POST /{function}/dead-letters/requeue` takes.
pub const REQUEUE_ALL_BATCH: usize = 25;

/// How long one requeue-all call processes the items it requeued: the rest stay pending for
/// the next inbox run (every schedule firing), so the answer comes within API Gateway's 30 s.
const REQUEUE_ALL_BUDGET: Duration = Duration::from_secs(20);

/// The most remaining dead letters a requeue-all answer counts (`more_remaining` beyond).
const REMAINING_COUNT_CAP: usize = 100;

/// The longest discard reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

fn bad_request(message: String) -> FunctionError {
    FunctionError::new(ErrorKind::BadRequest, message)
}

fn failure(error: &InboxError) -> FunctionError {
    FunctionError::from_error(error)
}

/// A JSON object body with only `allowed` fields (an empty body reads as `{}` when `empty_ok`);
/// the error names the field, or `body`.
fn object_body(
    route: &str,
    body: &[u8],
    allowed: &[&str],
    empty_ok: bool,
) -> Result<serde_json::Map<String, Value>, FunctionError> {
    if empty_ok && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("{route} body: not a JSON object ({e})")))?;
    let Value::Object(object) = value else {
        return Err(bad_request(format!(
            "{route} body: not a JSON object (expected {{{}}})",
            allowed
                .iter()
                .map(|f| format!("\"{f}\": …"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    if let Some(unknown) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad_request(format!(
            "{route} body: unknown field `{unknown}` (a {route} takes only {})",
            allowed
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(object)
}

/// Reads the body of a discard: `{"reason": "…"}`, 1–[`MAX_REASON_CHARS`] printable
/// characters (not only spaces), no other field. The reason comes back trimmed.
pub fn discard_reason(body: &[u8]) -> Result<String, FunctionError> {
    let object = object_body("discard", body, &["reason"], false)?;
    let refuse = |what: &str| bad_request(format!("discard body: `reason` {what}"));
    match object.get("reason") {
        None | Some(Value::Null) => Err(refuse("is missing: say why the dead letter is discarded")),
        Some(Value::String(text)) => {
            let reason = text.trim();
            if reason.is_empty() {
                Err(refuse("is empty: say why the dead letter is discarded"))
            } else if text.chars().count() > MAX_REASON_CHARS {
                Err(refuse(&format!(
                    "must be at most {MAX_REASON_CHARS} characters"
                )))
            } else if text.chars().any(char::is_control) {
                Err(refuse(
                    "must be printable text (no control characters such as line breaks)",
                ))
            } else {
                Ok(reason.to_owned())
            }
        }
        Some(_) => Err(refuse("must be a string")),
    }
}

/// Reads the body of a requeue-all: empty, `{}`, or `{"after": "<next_after of the last
/// answer>"}`.
pub fn requeue_all_cursor(body: &[u8]) -> Result<Option<String>, FunctionError> {
    let object = object_body("requeue", body, &["after"], true)?;
    match object.get("after") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(after))
            if !after.is_empty() && after.len() <= 512 && !after.chars().any(char::is_control) =>
        {
            Ok(Some(after.clone()))
        }
        Some(_) => Err(bad_request(
            "requeue body: `after` must be the `next_after` text of the previous answer".into(),
        )),
    }
}

fn json_reply(body: &Value) -> Reply {
    Reply::Http(HttpResponse::json(200, body))
}

impl<U: UseCase> Function<U> {
    /// One of the dead-letter routes (`template` relative to the function), for the item
    /// `item_id` when the route names one.
    pub(crate) async fn dead_letter_route(
        &self,
        template: &str,
        request: &HttpRequest,
        item_id: &str,
    ) -> Result<Reply, FunctionError> {
        let inbox = &self.platform().inbox;
        let caller = request.caller.as_deref();
        match template {
            "dead-letters" => {
                let items = inbox.dead_letters(100).await.map_err(|e| failure(&e))?;
                let items: Vec<Value> = items.iter().map(InboxItem::summary).collect();
                return Ok(json_reply(&json!({"items": items})));
            }
            "dead-letters/requeue" => {
                return self.requeue_all(request).await.map(|b| json_reply(&b));
            }
            _ => {}
        }
        // A discard's body is read before the item is looked up: a bad body is refused the
        // same whether or not the item exists.
        let reason = if template == "dead-letters/{item_id}/discard" {
            Some(discard_reason(&request.body)?)
        } else {
            None
        };
        let item = self.find_item(item_id).await?;
        match (template, reason) {
            ("dead-letters/{item_id}", _) => self.show(&item).await.map(|b| json_reply(&b)),
            ("dead-letters/{item_id}/discard", Some(reason)) => {
                let discarded = inbox
                    .discard(&item, &reason, caller)
                    .await
                    .map_err(|e| failure(&e))?;
                Ok(json_reply(&discarded.summary()))
            }
            _ => {
                let requeued = inbox
                    .requeue(&item, caller)
                    .await
                    .map_err(|e| failure(&e))?;
                let settled = self.process_one(&requeued).await;
                let now = inbox
                    .find(item_id)
                    .await
                    .map_err(|e| failure(&e))?
                    .unwrap_or(requeued);
                let mut body = now.summary();
                body["processed"] = json!(settled.as_str());
                Ok(json_reply(&body))
            }
        }
    }

    /// The inbox item `item_id` names, or a `404`.
    pub(crate) async fn find_item(&self, item_id: &str) -> Result<InboxItem, FunctionError> {
        self.platform()
            .inbox
            .find(item_id)
            .await
            .map_err(|e| failure(&e))?
            .ok_or_else(|| {
                FunctionError::new(
                    ErrorKind::NotFound,
                    format!("{}: no inbox item {item_id}", U::NAME),
                )
            })
    }

    /// An item as an operator inspects it: its summary, its history and the raw event.
    async fn show(&self, item: &InboxItem) -> Result<Value, FunctionError> {
        let mut body = item.summary();
        body["history"] = json!(item.history());
        if let Some(dropped) = item.record.data.get("history_dropped") {
            body["history_dropped"] = dropped.clone();
        }
        match self.platform().inbox.raw(item).await {
            Ok(raw) => {
                body["event"] = serde_json::from_slice(&raw)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw).into_owned()));
            }
            Err(InboxError::Blob(StoreError::NotFound { .. })) => {
                body["event"] = Value::Null;
                body["event_missing"] = json!(
                    "the raw event is no longer in the blob store (raw/ expires after the bucket's RawMessageRetentionDays)"
                );
            }
            Err(error) => return Err(failure(&error)),
        }
        Ok(body)
    }

    /// Requeues up to [`REQUEUE_ALL_BATCH`] dead letters after the body's cursor, oldest
    /// first, and processes them once each while the time budget lasts (the others wait,
    /// pending, for the next inbox run).
    ///
    /// # Format
    /// ```json
    /// {"requeued": 2, "items": [{"item_id": "tg:evt_1", "processed": "done"},
    ///                           {"item_id": "tg:evt_2", "processed": "dead_letter"}],
    ///  "remaining": 0, "more_remaining": false,
    ///  "next_after": "2026-11-24T10:00:00Z#evt_2"}
    /// ```
    /// `processed` is `done`, `pending` (failed again, to be retried), `dead_letter` (failed
    /// for good again) or `queued` (not tried in this call; the next inbox run takes it). To
    /// requeue every dead letter, call again with `{"after": next_after}` until `remaining` is
    /// 0: an item that fails again keeps its place before the cursor and is not taken twice.
    async fn requeue_all(&self, request: &HttpRequest) -> Result<Value, FunctionError> {
        let after = requeue_all_cursor(&request.body)?;
        let inbox = &self.platform().inbox;
        let batch = inbox
            .dead_letters_after(after.as_deref(), REQUEUE_ALL_BATCH)
            .await
            .map_err(|e| failure(&e))?;
        let started = Instant::now();
        let mut items = Vec::with_capacity(batch.len());
        let mut next_after = None;
        for item in &batch {
            next_after = Some(item.sort_key());
            let requeued = match inbox.requeue(item, request.caller.as_deref()).await {
                Ok(requeued) => requeued,
                // Requeued, discarded or settled by someone else since it was listed.
                Err(InboxError::Ledger(gridlink_store::LedgerError::VersionConflict {
                    ..
                })) => continue,
                Err(error) => return Err(failure(&error)),
            };
            let processed = if started.elapsed() < REQUEUE_ALL_BUDGET {
                self.process_one(&requeued).await.as_str()
            } else {
                "queued"
            };
            items.push(json!({"item_id": item.item_id(), "processed": processed}));
        }
        let rest = inbox
            .dead_letters_after(
                next_after.as_deref().or(after.as_deref()),
                REMAINING_COUNT_CAP + 1,
            )
            .await
            .map_err(|e| failure(&e))?;
        tracing::info!(
            requeued = items.len(),
            remaining = rest.len(),
            "dead letters requeued"
        );
        Ok(json!({
            "requeued": items.len(),
            "items": items,
            "remaining": rest.len().min(REMAINING_COUNT_CAP),
            "more_remaining": rest.len() > REMAINING_COUNT_CAP,
            "next_after": next_after,
        }))
    }
}
