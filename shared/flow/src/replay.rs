//! Replay of an inbox item (operators, IAM-authorised when deployed):
//! `POST /{function}/inbox/{item_id}/replay` with `{"dry_run": true}` or `{"dry_run": false}`.
//!
//! `item_id` is the inbox item as the dead-letter routes name it, `{source}:{event id}`
//! (`tg:evt_123`, `xecm:…`), or a Trading Grid event id alone (`evt_123`, read as
//! `tg:evt_123`). Every item the inbox keeps can be replayed — its raw event is read back
//! from the blob store — whatever its status.
//!
//! # A real replay
//! The item goes through the normal path — one attempt of the use case, with the usual
//! effects — and, as every effect is claimed under its business key
//! ([`Effects::once`](crate::Effects::once)), an effect that already happened is not done
//! again: its stored result is used. Replaying a done item is a no-op where its effects
//! happened (exactly-once by construction); the item stays done, and its history (and the
//! timeline) records the replay, who asked and how it went. A pending item is processed now,
//! as a requeued one is (settled by the retry rule). A dead letter is requeued, not replayed
//! (`409` naming the route); a discarded item is never processed again (`409`); an item a
//! pause holds is not processed while it holds (`409`).
//!
//! # A dry run
//! The same attempt inside a dry run (`gridlink_core::dry_run`): the xECM and TG clients and
//! the platform's ledger and blob store refuse every write before it leaves, so **nothing is
//! written** — no ledger record, no blob, nothing in xECM or TG, not even the item's history.
//! The answer says what a real replay would do:
//!
//! ```json
//! {"item_id": "tg:evt_1", "status": "pending", "dry_run": true,
//!  "verdict": "stops_at_a_write", "would_be_done": false,
//!  "already_done": [{"effect": "xecm-file:ZZ:ACME|810|INV-1", "result": {"document_id": 4711}}],
//!  "would": [{"effect": "tg-ack:…", "system": "tg", "method": "POST", "path": "v1/documents",
//!             "summary": "send document, doc_type \"997\", …"}],
//!  "would_record": [], "would_stage": [{"key": "documents/order-reconcile/doc_1", "size": 912}],
//!  "outcome": null, "stopped": "dry run: would POST tg v1/documents (…)"}
//! ```
//! - `already_done`: effects done before, with the result stored then (a real replay uses it);
//! - `would`: the first write(s) a real replay would make, each with the effect it belongs
//!   to (`null` for a write outside an effect), the method, path and a short summary (the
//!   file, name and folder in xECM; the document type, partner, file in TG). The dry run stops
//!   the item at its first effect not done yet: what comes after depends on its result;
//! - `would_record`: effects whose work a real replay would find done in xECM or TG without
//!   having recorded it (an earlier attempt's lost answer), and would record;
//! - `would_stage`: blobs a real replay would write to the blob store as working copies (a
//!   received document's content, read from TG again); the dry run held them in memory;
//! - `verdict`: `done` — the whole path ran without a write stopping it (`would_be_done`:
//!   with nothing in `would`, a real replay changes nothing); `stops_at_a_write` — a real
//!   replay would make the writes in `would` and go on; `fails` — the path fails before any
//!   write (`stopped` says why; a real run would fail the same way).

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use serde_json::{Value, json};

use crate::function::{Function, TG_SOURCE};
use crate::inbox::{DEAD_LETTER, DISCARDED, DONE, InboxError, InboxItem, PAUSED};
use crate::usecase::UseCase;

fn bad_request(message: String) -> FunctionError {
    FunctionError::new(ErrorKind::BadRequest, message)
}

fn conflict(message: String) -> FunctionError {
    FunctionError::new(ErrorKind::Conflict, message)
}

/// Reads the body of a replay: `{"dry_run": true}` or `{"dry_run": false}`, nothing else.
/// `dry_run` is required: a replay that writes is asked for by name.
pub fn replay_dry_run(body: &[u8]) -> Result<bool, FunctionError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("replay body: not a JSON object ({e})")))?;
    let Value::Object(object) = value else {
        return Err(bad_request(
            "replay body: not a JSON object (expected {\"dry_run\": true|false})".into(),
        ));
    };
    if let Some(unknown) = object.keys().find(|k| k.as_str() != "dry_run") {
        return Err(bad_request(format!(
            "replay body: unknown field `{unknown}` (a replay takes only `dry_run`)"
        )));
    }
    match object.get("dry_run") {
        Some(Value::Bool(dry_run)) => Ok(*dry_run),
        None | Some(Value::Null) => Err(bad_request(
            "replay body: `dry_run` is missing: say true (show what would happen) or false (replay)"
                .into(),
        )),
        Some(_) => Err(bad_request(
            "replay body: `dry_run` must be true or false".into(),
        )),
    }
}

/// The inbox item an operator names: `{source}:{event id}`, or a TG event id alone.
pub fn replay_item_id(item_id: &str) -> String {
    if item_id.contains(':') {
        item_id.to_owned()
    } else {
        format!("{TG_SOURCE}:{item_id}")
    }
}

impl<U: UseCase> Function<U> {
    /// `POST /{function}/inbox/{item_id}/replay` (see the module docs).
    pub(crate) async fn replay_route(
        &self,
        request: &HttpRequest,
        item_id: &str,
    ) -> Result<Reply, FunctionError> {
        let dry_run = replay_dry_run(&request.body)?;
        let item = match self.platform().inbox.find(&replay_item_id(item_id)).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                return Err(FunctionError::new(
                    ErrorKind::NotFound,
                    format!("{}: no inbox item {item_id}", U::NAME),
                ));
            }
            Err(InboxError::BadEventId(_) | InboxError::BadItemId(_)) => {
                return Err(bad_request(format!(
                    "`item_id` `{}` is neither `{{source}}:{{event id}}` (e.g. `tg:evt_123`) nor a TG event id (1–200 letters, digits, `_`, `-`, `.`)",
                    item_id.chars().take(64).collect::<String>()
                )));
            }
            Err(error) => return Err(FunctionError::from_error(&error)),
        };
        let body = if dry_run {
            self.dry_run(&item).await
        } else {
            self.replay(&item, request.caller.as_deref()).await?
        };
        Ok(Reply::Http(HttpResponse::json(200, &body)))
    }

    /// One attempt at `item` inside a dry run; what it would do.
    async fn dry_run(&self, item: &InboxItem) -> Value {
        let (result, report) = gridlink_core::dry_run::scope(self.attempt(item)).await;
        let notes = report.notes();
        let refusals = report.refusals();
        let noted = |state: &str| -> Vec<Value> {
            notes
                .iter()
                .filter(|n| n["state"] == state)
                .map(|n| json!({"effect": n["effect"], "result": n["result"]}))
                .collect()
        };
        let would: Vec<Value> = refusals
            .iter()
            .map(|r| {
                json!({
                    "effect": r.effect,
                    "system": r.system,
                    "method": r.method,
                    "path": r.path,
                    "summary": r.summary,
                })
            })
            .collect();
        let verdict = match (&result, refusals.is_empty()) {
            (Ok(_), _) => "done",
            (Err(_), false) => "stops_at_a_write",
            (Err(_), true) => "fails",
        };
        tracing::info!(
            event_id = item.event_id(),
            verdict,
            would = refusals.len(),
            "dry run of an inbox item"
        );
        json!({
            "item_id": item.item_id(),
            "status": item.status(),
            "dry_run": true,
            "verdict": verdict,
            "would_be_done": result.is_ok(),
            "already_done": noted("already_done"),
            "would": would,
            "would_record": noted("would_record"),
            "would_stage": report
                .staged_keys()
                .into_iter()
                .map(|(key, size)| json!({"key": key, "size": size}))
                .collect::<Vec<_>>(),
            "outcome": result.as_ref().ok(),
            "stopped": result.as_ref().err().map(ToString::to_string),
        })
    }

    /// A real replay of `item` (see the module docs).
    async fn replay(&self, item: &InboxItem, by: Option<&str>) -> Result<Value, FunctionError> {
        let item_id = item.item_id();
        match item.status() {
            DEAD_LETTER => {
                return Err(conflict(format!(
                    "inbox item {item_id} is a dead letter: requeue it (POST /{}/dead-letters/{item_id}/requeue); a dry run shows what that would do",
                    U::NAME
                )));
            }
            DISCARDED => {
                return Err(conflict(format!(
                    "inbox item {item_id} was discarded: it is never processed again; a dry run shows what it would do"
                )));
            }
            PAUSED => {
                return Err(conflict(format!(
                    "inbox item {item_id} is set aside while its partner is paused: resume the partner first"
                )));
            }
            _ => {}
        }
        if item.status() != DONE {
            // Pending: processed now, as a requeued item is.
            let processed = self.process_one(item).await;
            let now = self
                .platform()
                .inbox
                .find(&item_id)
                .await
                .map_err(|e| FunctionError::from_error(&e))?
                .unwrap_or_else(|| item.clone());
            let mut body = now.summary();
            body["replayed"] = json!(true);
            body["processed"] = json!(processed.as_str());
            return Ok(body);
        }
        let active = self
            .pauses()
            .active()
            .await
            .map_err(|e| FunctionError::from_error(&e))?;
        if active.function_paused(U::NAME) {
            return Err(conflict(format!(
                "{} is paused: nothing is processed until it is resumed",
                U::NAME
            )));
        }
        let paused = self.paused_partners(item, &active).await;
        if !paused.is_empty() {
            return Err(conflict(format!(
                "inbox item {item_id} names a paused partner ({}): resume it first",
                paused.join(", ")
            )));
        }
        let result = self.attempt(item).await;
        let error = result.as_ref().err().map(ToString::to_string);
        let recorded = self
            .platform()
            .inbox
            .mark_replayed(item, by, error.as_deref())
            .await
            .map_err(|e| FunctionError::from_error(&e))?;
        let mut body = recorded.summary();
        body["replayed"] = json!(true);
        match result {
            Ok(outcome) => {
                body["replay_outcome"] = outcome;
                body["processed"] = json!("done");
            }
            Err(error) => {
                body["processed"] = json!("failed");
                body["error"] = json!({"code": error.kind().code(), "message": error.to_string()});
            }
        }
        Ok(body)
    }
}
