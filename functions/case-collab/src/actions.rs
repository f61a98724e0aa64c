//! Action requests: what the case team asks the partner to do, by when, posted to the case
//! thread with an `action_request {kind, due_at}`.
//!
//! In xECM an action is a row of the `Partner Actions` set on the Case category — columns
//! `Request` (what to do, in words), `Kind` (a machine kind such as `send_credit_note`;
//! `respond` when empty) and `Due` (a date). A set is what an xECM administrator configures
//! for "several open items, each with a deadline": case workers add a row in the workspace's
//! properties, a workflow step can fill it, and it shows in the workspace header.
//!
//! A request's identity is the workspace plus its kind and request text; rows without a
//! request text are ignored. For each request:
//! - the first sync that sees it posts "Action requested: …" once;
//! - a changed due date posts "Action request updated: …" once per change (revision 2, 3, …),
//!   carrying the new `due_at`, the previous one and the same `action_request_id`, so the
//!   partner's side can supersede the earlier message; changing it back is a change too;
//! - a row removed, or its text or kind changed (the new text is a new request), withdraws
//!   the request in Trading Grid once ([`crate::withdraw`]); the row added back is requested
//!   again as the next revision; nothing new is requested on a closed case.
//!
//! The ledger keeps one record per request (`case-action`, `{workspace}/{request id}`, in
//! index one under `case-action#{workspace}`: status `REQUESTED` | `WITHDRAWING` | `WITHDRAWN`;
//! revision, due date, message id, request, kind), written after the message is posted; the message itself
//! is the effect `tg-case-action` keyed `{workspace}/{request id}/r{revision}/{due date}`.
//! A crash between the post and the ledger confirmation re-runs with the same key, body and
//! idempotency key — Trading Grid answers with the original message.
//!
//! Due dates are xECM dates without a zone: a date (midnight) means the end of that day in
//! UTC (`23:59:59Z`); a date with a time is taken as UTC.
//!
//! # Format
//! ```json
//! {"body": "Action requested: Send a credit note for 12 pallets (due 2026-12-05)",
//!  "structured": {"xecm_workspace_id": 4711, "action_request_id": "9f2c…", "revision": 1,
//!                 "request": "Send a credit note for 12 pallets"},
//!  "action_request": {"kind": "send_credit_note", "due_at": "2026-12-05T23:59:59Z"}}
//! ```

use gridlink_flow::EffectKey;
use gridlink_store::{
    IndexEntry, IndexName, LedgerError, LedgerRecord, NewRecord, Query, RecordId,
};
use gridlink_tgrid::model::{ActionRequest, NewMessage};
use gridlink_xecm::Node;
use gridlink_xecm::{AttributeValue, NamedAttributes};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, Time};

use crate::CaseCollab;
use crate::case::CaseLink;
use crate::error::CaseError;
use crate::withdraw::{WITHDRAWING, Withdrawal, Withdrawn, malformed};

/// The ledger kind holding the last posted revision of each action request.
pub const ACTION_KIND: &str = "case-action";

/// The status of a request the partner has open.
pub const REQUESTED: &str = "REQUESTED";

/// One action request as read from the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerAction {
    /// What to do, in words.
    pub request: String,
    /// The machine kind (`send_credit_note`).
    pub kind: String,
    /// By when.
    pub due_at: Option<OffsetDateTime>,
}

impl PartnerAction {
    /// The request's identity within its workspace: kind and text, hashed.
    pub fn id(&self) -> String {
        let digest = Sha256::new_with_prefix(self.kind.as_bytes())
            .chain_update([0u8])
            .chain_update(self.request.as_bytes())
            .finalize();
        hex::encode(digest)[..20].to_owned()
    }

    fn due_text(&self) -> String {
        self.due_at.map_or_else(
            || "none".to_owned(),
            |at| at.format(&Rfc3339).unwrap_or_default(),
        )
    }
}

/// An action request posted in a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedAction {
    /// Its identity.
    pub action_request_id: String,
    /// 1 when first requested; more after due date changes.
    pub revision: u32,
    /// The request text.
    pub request: String,
    /// The due date posted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
}

/// The last posted revision of a request, kept in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ActionState {
    revision: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    due_at: Option<OffsetDateTime>,
    message_id: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    withdrawal: Option<Withdrawal>,
}

/// The index-one partition of a case's action requests.
fn actions_partition(workspace: i64) -> String {
    format!("{ACTION_KIND}#{workspace}")
}

/// `kind` as a machine kind: lower case, words joined by `_`.
fn machine_kind(text: &str, default: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        default.to_owned()
    } else {
        words.join("_")
    }
}

fn column_text(row: &NamedAttributes, name: &str) -> Option<String> {
    match row.get(name) {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        _ => None,
    }
}

fn due(row: &NamedAttributes, name: &str) -> Option<OffsetDateTime> {
    match row.get(name) {
        Some(AttributeValue::Date(at)) if at.time() == Time::MIDNIGHT => Some(
            at.replace_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT))
                .assume_utc(),
        ),
        Some(AttributeValue::Date(at)) => Some(at.assume_utc()),
        _ => None,
    }
}

fn day(at: Option<OffsetDateTime>) -> String {
    at.map_or_else(
        || "no due date".to_owned(),
        |at| format!("due {}", at.date()),
    )
}

impl CaseCollab {
    /// The action requests in the case's values, in row order, without duplicates.
    pub fn partner_actions(&self, values: &NamedAttributes) -> Vec<PartnerAction> {
        let Some(AttributeValue::Rows(rows)) = values.get(&self.config.actions_attribute) else {
            return Vec::new();
        };
        let mut actions: Vec<PartnerAction> = Vec::new();
        for row in rows {
            let Some(request) = column_text(row, &self.config.action_request_column) else {
                continue;
            };
            let action = PartnerAction {
                kind: machine_kind(
                    &column_text(row, &self.config.action_kind_column).unwrap_or_default(),
                    &self.config.action_default_kind,
                ),
                request,
                due_at: due(row, &self.config.action_due_column),
            };
            if !actions.iter().any(|a| a.id() == action.id()) {
                actions.push(action);
            }
        }
        actions
    }

    /// Posts each action request that is new or has a new due date, once.
    pub(crate) async fn request_actions(
        &self,
        link: &CaseLink,
        values: &NamedAttributes,
    ) -> Result<Vec<PostedAction>, CaseError> {
        let mut posted = Vec::new();
        for action in self.partner_actions(values) {
            if let Some(done) = self.request_action(link, &action).await? {
                posted.push(done);
            }
        }
        Ok(posted)
    }

    #[tracing::instrument(skip_all, fields(workspace_id = link.workspace_id, action_request_id = %action.id()))]
    async fn request_action(
        &self,
        link: &CaseLink,
        action: &PartnerAction,
    ) -> Result<Option<PostedAction>, CaseError> {
        let record_id = RecordId::new(
            ACTION_KIND,
            format!("{}/{}", link.workspace_id, action.id()),
        )?;
        let existing = self.platform.ledger.get(&record_id).await?;
        let last: Option<ActionState> = match &existing {
            Some(record) => Some(serde_json::from_value(record.data.clone()).map_err(|e| {
                CaseError::Malformed {
                    event_id: record_id.to_string(),
                    reason: e.to_string(),
                }
            })?),
            None => None,
        };
        let withdrawn = existing.as_ref().is_some_and(|r| r.status != REQUESTED);
        if let Some(record) = &existing
            && !withdrawn
            && last.as_ref().is_some_and(|l| l.due_at == action.due_at)
        {
            if record.index1.is_none() {
                // Recorded before requests were indexed: indexed now, so a removal is seen.
                let mut change = record.change();
                change.index1 = Some(IndexEntry::new(
                    actions_partition(link.workspace_id),
                    action.id(),
                ));
                self.platform.ledger.update(change).await?;
            }
            return Ok(None);
        }
        if existing.as_ref().is_some_and(|r| r.status == WITHDRAWING) {
            // A withdrawal a crash interrupted is finished first (by the withdrawal pass).
            return Ok(None);
        }
        let revision = last.as_ref().map_or(1, |l| l.revision + 1);
        let message = action_message(link, action, revision, last.as_ref().filter(|_| !withdrawn));
        let key = EffectKey::new(
            "tg-case-action",
            format!(
                "{}/{}/r{revision}/{}",
                link.workspace_id,
                action.id(),
                action.due_text()
            ),
        );
        let (message_id, ran_now) = self.post_once(link, key, message).await?;
        let state = ActionState {
            revision,
            due_at: action.due_at,
            message_id,
            request: action.request.clone(),
            kind: action.kind.clone(),
            withdrawal: None,
        };
        let data = serde_json::to_value(&state).map_err(|e| CaseError::Malformed {
            event_id: record_id.to_string(),
            reason: e.to_string(),
        })?;
        match existing {
            None => match self
                .platform
                .ledger
                .create(
                    NewRecord::new(record_id, REQUESTED, data)
                        .with_index1(actions_partition(link.workspace_id), action.id()),
                )
                .await
            {
                Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
                Err(error) => return Err(error.into()),
            },
            Some(record) => {
                let mut change = record.change();
                change.data = data;
                change.status = REQUESTED.into();
                change.index1 = Some(IndexEntry::new(
                    actions_partition(link.workspace_id),
                    action.id(),
                ));
                self.platform.ledger.update(change).await?;
            }
        }
        if ran_now {
            tracing::info!(revision, thread_id = %link.thread_id, "action requested from the partner");
        }
        Ok(ran_now.then(|| PostedAction {
            action_request_id: action.id(),
            revision,
            request: action.request.clone(),
            due_at: action.due_at,
        }))
    }
}

impl CaseCollab {
    /// Withdraws the requests whose rows are gone from the case's values, and finishes
    /// withdrawals a crash interrupted.
    pub(crate) async fn withdraw_removed_actions(
        &self,
        workspace: &Node,
        link: &CaseLink,
        values: &NamedAttributes,
    ) -> Result<Vec<Withdrawn>, CaseError> {
        let current: Vec<String> = self
            .partner_actions(values)
            .iter()
            .map(PartnerAction::id)
            .collect();
        let records = self
            .platform
            .ledger
            .query(Query::partition(
                IndexName::One,
                actions_partition(link.workspace_id),
            ))
            .await?;
        let mut withdrawn = Vec::new();
        let mut by: Option<Option<String>> = None;
        for record in records {
            let id = record
                .id
                .key()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let record = if record.status == REQUESTED && !current.contains(&id) {
                if by.is_none() {
                    by = Some(
                        self.who_changed(workspace.id, &self.config.actions_attribute)
                            .await,
                    );
                }
                let decision = Withdrawal {
                    why: format!(
                        "the request's row was removed from {} (or its request or kind changed, which makes it a new request)",
                        self.config.actions_attribute
                    ),
                    at: self.now(),
                    by: by.clone().flatten(),
                };
                tracing::info!(action_request_id = %id, thread_id = %link.thread_id, "action request removed in xECM: withdrawing");
                self.decide_withdrawal(record, REQUESTED, &decision).await?
            } else {
                record
            };
            if record.status == WITHDRAWING
                && let Some(done) = self
                    .finish_action_withdrawal(workspace, link, &id, &record)
                    .await?
            {
                withdrawn.push(done);
            }
        }
        Ok(withdrawn)
    }

    async fn finish_action_withdrawal(
        &self,
        workspace: &Node,
        link: &CaseLink,
        id: &str,
        record: &LedgerRecord,
    ) -> Result<Option<Withdrawn>, CaseError> {
        let state: ActionState =
            serde_json::from_value(record.data.clone()).map_err(|e| malformed(&record.id, e))?;
        let Some(decision) = state.withdrawal.clone() else {
            return Ok(None);
        };
        let key = format!("{}/{id}/r{}", link.workspace_id, state.revision);
        let what = if state.request.is_empty() {
            format!("request {id}")
        } else {
            state.request.clone()
        };
        let message = NewMessage {
            body: format!("Action request withdrawn: {what}. No action is needed any more."),
            attachment_ids: Vec::new(),
            structured: Some(json!({
                "xecm_workspace_id": link.workspace_id,
                "action_request_id": id,
                "revision": state.revision,
                "request": state.request,
                "withdrawn": true,
                "supersedes_message_id": state.message_id,
            })),
            action_request: None,
        };
        let (message_id, ran_now) = self
            .post_once(
                link,
                EffectKey::new("tg-case-action-withdraw", &key),
                message,
            )
            .await?;
        let text = decision.evidence(
            &format!(
                "action request \"{what}\" ({}, {}), revision {}, requested in message {}",
                if state.kind.is_empty() {
                    "respond"
                } else {
                    &state.kind
                },
                day(state.due_at),
                state.revision,
                state.message_id
            ),
            &link.partner_id,
            &format!(
                "withdrawal message {message_id} posted to thread {}, superseding {}",
                link.thread_id, state.message_id
            ),
        );
        self.file_withdrawal(
            workspace.id,
            format!("{}/action/{id}/r{}", link.workspace_id, state.revision),
            &format!(
                "Withdrawal of action request {} r{}.txt",
                &id[..id.len().min(8)],
                state.revision
            ),
            text,
        )
        .await?;
        self.mark_withdrawn(&record.id, |_| {}).await?;
        if ran_now {
            tracing::info!(action_request_id = %id, thread_id = %link.thread_id, message_id = %message_id, "action request withdrawn from the partner");
        }
        Ok(ran_now.then(|| Withdrawn {
            what: "action",
            id: id.to_owned(),
            message_id,
        }))
    }
}

/// The message posting one revision of a request.
fn action_message(
    link: &CaseLink,
    action: &PartnerAction,
    revision: u32,
    last: Option<&ActionState>,
) -> NewMessage {
    let body = match last {
        None => format!(
            "Action requested: {} ({})",
            action.request,
            day(action.due_at)
        ),
        Some(last) => format!(
            "Action request updated: {} ({}; was {})",
            action.request,
            day(action.due_at),
            day(last.due_at)
        ),
    };
    let mut structured = json!({
        "xecm_workspace_id": link.workspace_id,
        "action_request_id": action.id(),
        "revision": revision,
        "request": action.request,
    });
    if let Some(last) = last {
        structured["previous_due_at"] = json!(last.due_at.and_then(|at| at.format(&Rfc3339).ok()));
        structured["supersedes_message_id"] = json!(last.message_id);
    }
    NewMessage {
        body,
        attachment_ids: Vec::new(),
        structured: Some(structured),
        action_request: Some(ActionRequest {
            kind: action.kind.clone(),
            due_at: action.due_at,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::machine_kind;

    #[test]
    fn a_kind_in_words_becomes_a_machine_kind() {
        assert_eq!(
            machine_kind(" Send credit-note ", "respond"),
            "send_credit_note"
        );
        assert_eq!(
            machine_kind("confirm_ship_date", "respond"),
            "confirm_ship_date"
        );
        assert_eq!(machine_kind("  ", "respond"), "respond");
    }
}
