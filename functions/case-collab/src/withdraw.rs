//! Access follows the record: what xECM no longer shares with the partner is withdrawn in
//! Trading Grid, once, with evidence filed in the workspace.
//!
//! - **A document** shared to the case thread that is no longer selected (its `Share with
//!   partner` flag cleared, moved out of the `Shared with Partner` folder or out of the
//!   workspace, or deleted): a withdrawal message is posted to the thread once per share
//!   (`tg-case-document-withdraw`, `{workspace}/{document}/w{n}`), naming the message and
//!   attachment it withdraws. Trading Grid has no delete for a message or an attachment (see
//!   `docs/trading-grid-api.md`), so the withdrawn attachment stays in the thread's history;
//!   the message is what tells the partner, and no later version of the document is posted
//!   while it stays unselected. Selected again, its newest version is shared again (a new
//!   share: its effect keys carry `/s{n}`, the number of withdrawals before it).
//! - **An action request** whose row was removed from `Partner Actions` (or whose request
//!   text or kind changed — that is a new request): a withdrawal message once per request
//!   revision (`tg-case-action-withdraw`, `{workspace}/{request id}/r{revision}`), carrying
//!   the same `action_request_id` and `supersedes_message_id`, so the partner's side closes
//!   the open request. The row added back is requested again (the next revision).
//! - **The case archived** (`Case Status` in `CASE_ARCHIVED_STATUSES`) **or deleted**: a last
//!   message says access ended (`tg-case-access-end`, `{workspace}`), then the thread is set
//!   `closed` (`tg-case-thread-close`, `{workspace}`) — Trading Grid refuses any further
//!   message on it from either side (409). The contract has no archive or delete for a
//!   space: the space and its history stay readable to the partner, nothing is added to
//!   them. An ended case is not reopened by a later status change (a new case is). A case
//!   *closed* (`CASE_CLOSED_STATUSES`) only resolves its thread ([`crate::case`]): the partner
//!   may still answer, which reopens it.
//!
//! A deletion is seen when xECM pushes it, when a sync finds the workspace gone, or by the
//! poll alone: every case with an open thread is registered
//! ([`gridlink_outbound::LiveWorkspaces`]) and each poll sweeps a batch of the register for
//! workspaces xECM no longer has.
//!
//! # Once, crash-safe
//! The decision is written first (the ledger record moves to `WITHDRAWING` with who, when,
//! why, by compare-and-set — taken once), then the message is posted (an effect), then the
//! evidence is filed (an effect, [`gridlink_flow::Filing`]), last the record reads
//! `WITHDRAWN`. A crash anywhere in between leaves a decided, unfinished withdrawal that the
//! next sync of the case finishes: one message, one evidence document.
//!
//! # Evidence
//! In `WITHDRAWAL_FOLDER` of the workspace (not for a deleted one: the ledger keeps the
//! decision), e.g. `Withdrawal of document 4711 v2.txt`:
//! ```text
//! Withdrawn: "Claim letter.txt" version 2 (document 4711), shared in message msg_… (attachment att_…)
//! Partner: prt_acme
//! Why: the document is no longer selected for the partner (its Share with partner flag was cleared, or it left the Shared with Partner folder)
//! Changed in xECM by: user 1000 at 2026-12-02T09:58:00Z
//! Decided: 2026-12-02T10:00:00Z by gridlink case-collab
//! Trading Grid: withdrawal message msg_… posted to thread thr_…; Trading Grid keeps posted messages and attachments, so the original stays in the thread's history
//! ```
//! "Changed in xECM by" is read from the node's audit (the newest change of the flag, or of
//! the `Partner Actions` set); `not recorded in xECM's audit` when there is none.
//!
//! # Format
//! Ledger record `case-shared-document / {workspace}/{document}` (index one
//! `case-shared#{workspace}`), status `SHARED` | `WITHDRAWING` | `WITHDRAWN`, data
//! `{"document_id","name","version","message_id","attachment_id","withdrawals",
//! "withdrawal":{"why","at","by"}?}`. Action requests keep theirs in `case-action`
//! ([`crate::actions`]): `REQUESTED` | `WITHDRAWING` | `WITHDRAWN`.

use gridlink_flow::{EffectKey, Filing};
use gridlink_store::{IndexName, LedgerError, LedgerRecord, Query, RecordId};
use gridlink_tgrid::ThreadId;
use gridlink_tgrid::model::{NewMessage, ThreadStatus};
use gridlink_xecm::{BytesSource, DocumentSpec, Node, NodeId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::CaseCollab;
use crate::case::{CaseLink, idempotency_key};
use crate::error::CaseError;

/// The ledger kind of a document shared to a case thread.
pub const DOCUMENT_KIND: &str = "case-shared-document";

/// Status of a share or request the partner has.
pub const SHARED: &str = "SHARED";
/// Status of a withdrawal decided and not yet finished.
pub const WITHDRAWING: &str = "WITHDRAWING";
/// Status of a withdrawal carried out.
pub const WITHDRAWN: &str = "WITHDRAWN";

/// Who, when and why a withdrawal was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// Why, in words.
    pub why: String,
    /// When gridlink decided it (RFC 3339).
    pub at: String,
    /// Who changed it in xECM, and when, as xECM's audit has it.
    #[serde(default)]
    pub by: Option<String>,
}

impl Withdrawal {
    /// The evidence document's text: what, for whom, why, who, when, and what Trading Grid
    /// did.
    pub(crate) fn evidence(&self, what: &str, partner: &str, trading_grid: &str) -> String {
        format!(
            "Withdrawn: {what}\nPartner: {partner}\nWhy: {}\nChanged in xECM by: {}\nDecided: {} by gridlink case-collab\nTrading Grid: {trading_grid}\n",
            self.why,
            self.by.as_deref().unwrap_or("not recorded in xECM's audit"),
            self.at
        )
    }
}

/// A document shared to the case thread, as kept in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedDocument {
    /// The xECM document.
    pub document_id: i64,
    /// Its name when shared.
    pub name: String,
    /// The version last shared.
    pub version: u32,
    /// The message that shared it.
    pub message_id: String,
    /// The attachment posted.
    #[serde(default)]
    pub attachment_id: String,
    /// How many times it was withdrawn (and shared again).
    #[serde(default)]
    pub withdrawals: u32,
    /// The withdrawal decided, while it is `WITHDRAWING` or `WITHDRAWN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
}

/// One withdrawal carried out in a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawn {
    /// `document` or `action`.
    pub what: &'static str,
    /// The document id or the action request id.
    pub id: String,
    /// The withdrawal message.
    pub message_id: String,
}

pub(crate) fn malformed(id: &RecordId, error: impl std::fmt::Display) -> CaseError {
    CaseError::Malformed {
        event_id: id.to_string(),
        reason: error.to_string(),
    }
}

/// The index-one partition of a case's shared documents.
pub(crate) fn documents_partition(workspace: i64) -> String {
    format!("case-shared#{workspace}")
}

pub(crate) fn document_record_id(workspace: i64, document: i64) -> Result<RecordId, CaseError> {
    Ok(RecordId::new(
        DOCUMENT_KIND,
        format!("{workspace}/{document}"),
    )?)
}

impl CaseCollab {
    pub(crate) fn now(&self) -> String {
        self.platform
            .clock
            .now()
            .format(&Rfc3339)
            .unwrap_or_default()
    }

    /// Who last changed `attribute` on `node`, from xECM's audit (`user N at T`).
    pub(crate) async fn who_changed(&self, node: NodeId, attribute: &str) -> Option<String> {
        gridlink_outbound::live::who_changed(self.platform.xecm.as_ref(), node, attribute).await
    }

    /// Changes a ledger record by compare-and-set: `change` edits status and data and says
    /// whether it changed anything. The record as it is after.
    pub(crate) async fn change_record(
        &self,
        id: &RecordId,
        mut change: impl FnMut(&mut String, &mut Value) -> bool,
    ) -> Result<Option<LedgerRecord>, CaseError> {
        for _ in 0..16 {
            let Some(record) = self.platform.ledger.get(id).await? else {
                return Ok(None);
            };
            let mut edit = record.change();
            if !change(&mut edit.status, &mut edit.data) {
                return Ok(Some(record));
            }
            match self.platform.ledger.update(edit).await {
                Ok(record) => return Ok(Some(record)),
                Err(LedgerError::VersionConflict { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(CaseError::Effect(
            format!("{id} kept changing under us"),
            gridlink_core::error::ErrorKind::Unavailable,
        ))
    }

    /// Takes the decision to withdraw what `record` holds (status `from`), once: the record
    /// as it is after (another writer's decision stands).
    pub(crate) async fn decide_withdrawal(
        &self,
        record: LedgerRecord,
        from: &str,
        decision: &Withdrawal,
    ) -> Result<LedgerRecord, CaseError> {
        let id = record.id.clone();
        Ok(self
            .change_record(&id, |status, value| {
                if status != from {
                    return false;
                }
                *status = WITHDRAWING.into();
                value["withdrawal"] = json!(decision);
                true
            })
            .await?
            .unwrap_or(record))
    }

    /// Marks a withdrawal carried out (`edit` records what else changed with it).
    pub(crate) async fn mark_withdrawn(
        &self,
        id: &RecordId,
        mut edit: impl FnMut(&mut Value),
    ) -> Result<(), CaseError> {
        self.change_record(id, |status, value| {
            if status != WITHDRAWING {
                return false;
            }
            *status = WITHDRAWN.into();
            edit(value);
            true
        })
        .await?;
        Ok(())
    }

    /// Files a withdrawal's evidence into the workspace, once per `key`.
    pub(crate) async fn file_withdrawal(
        &self,
        workspace: NodeId,
        key: String,
        name: &str,
        text: String,
    ) -> Result<(), CaseError> {
        let name = name.replace(['/', '\\', ':'], "-");
        let spec = DocumentSpec {
            name: name.clone(),
            description: text.lines().next().unwrap_or_default().to_owned(),
            file_name: Some(name),
            mime_type: Some("text/plain".into()),
            categories: Vec::new(),
        };
        let filing = Filing::new(
            EffectKey::new("xecm-case-withdrawal", key),
            workspace,
            self.config.withdrawal_folder.clone(),
            spec,
        );
        self.platform
            .file_once(&filing, &BytesSource(text.into()))
            .await
            .map_err(CaseError::from_xecm_effect)?;
        Ok(())
    }

    /// Posts `message` to the link's thread once under `key`; the message id.
    pub(crate) async fn post_once(
        &self,
        link: &CaseLink,
        key: EffectKey,
        message: NewMessage,
    ) -> Result<(String, bool), CaseError> {
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&link.thread_id);
        let outcome = self
            .platform
            .effects
            .once(&key, None, |k| async move {
                Ok::<_, CaseError>(
                    tg.post_message(&idempotency_key(&k)?, &thread, &message)
                        .await?,
                )
            })
            .await
            .map_err(CaseError::from_effect)?;
        let ran_now = outcome.ran_now();
        Ok((outcome.into_inner().message_id.as_str().to_owned(), ran_now))
    }

    /// Withdraws the documents shared to the thread that are no longer `selected`, and
    /// finishes withdrawals a crash interrupted.
    #[tracing::instrument(skip_all, fields(workspace_id = link.workspace_id))]
    pub(crate) async fn withdraw_unselected_documents(
        &self,
        workspace: &Node,
        link: &CaseLink,
        selected: &[Node],
    ) -> Result<Vec<Withdrawn>, CaseError> {
        let records = self
            .platform
            .ledger
            .query(Query::partition(
                IndexName::One,
                documents_partition(link.workspace_id),
            ))
            .await?;
        let mut withdrawn = Vec::new();
        for record in records {
            let data: SharedDocument = serde_json::from_value(record.data.clone())
                .map_err(|e| malformed(&record.id, e))?;
            let record = if record.status == SHARED
                && !selected.iter().any(|d| d.id.get() == data.document_id)
            {
                let decision = self.document_withdrawal(workspace, &data).await;
                tracing::info!(document_id = data.document_id, thread_id = %link.thread_id, why = %decision.why, "shared document no longer selected in xECM: withdrawing");
                self.decide_withdrawal(record, SHARED, &decision).await?
            } else {
                record
            };
            if record.status == WITHDRAWING
                && let Some(done) = self
                    .finish_document_withdrawal(workspace, link, &record)
                    .await?
            {
                withdrawn.push(done);
            }
        }
        Ok(withdrawn)
    }

    async fn document_withdrawal(&self, workspace: &Node, shared: &SharedDocument) -> Withdrawal {
        let at = self.now();
        let Ok(document) = NodeId::new(shared.document_id) else {
            return Withdrawal {
                why: "the document is gone".into(),
                at,
                by: None,
            };
        };
        let why = match self.platform.xecm.get_node(document).await {
            Err(_) => "the document was deleted in xECM".to_owned(),
            Ok(_) => match self.platform.xecm.enclosing_workspace(document).await {
                Ok(Some(w)) if w == workspace.id => format!(
                    "the document is no longer selected for the partner (its {} flag was cleared, or it left the {} folder)",
                    self.config.share_attribute, self.config.shared_folder
                ),
                _ => "the document was moved out of the case workspace".to_owned(),
            },
        };
        let by = self
            .who_changed(document, &self.config.share_attribute)
            .await;
        Withdrawal { why, at, by }
    }

    async fn finish_document_withdrawal(
        &self,
        workspace: &Node,
        link: &CaseLink,
        record: &LedgerRecord,
    ) -> Result<Option<Withdrawn>, CaseError> {
        let data: SharedDocument =
            serde_json::from_value(record.data.clone()).map_err(|e| malformed(&record.id, e))?;
        let Some(decision) = data.withdrawal.clone() else {
            return Ok(None);
        };
        let round = data.withdrawals + 1;
        let key = format!("{}/{}/w{round}", link.workspace_id, data.document_id);
        let message = NewMessage {
            body: format!(
                "Document withdrawn from case: {} (version {}). The buyer no longer shares it; please disregard it.",
                data.name, data.version
            ),
            attachment_ids: Vec::new(),
            structured: Some(json!({
                "withdrawn": {
                    "xecm_node_id": data.document_id,
                    "version": data.version,
                    "message_id": data.message_id,
                    "attachment_id": data.attachment_id,
                },
                "reason": decision.why,
            })),
            action_request: None,
        };
        let (message_id, ran_now) = self
            .post_once(
                link,
                EffectKey::new("tg-case-document-withdraw", &key),
                message,
            )
            .await?;
        let text = decision.evidence(
            &format!(
                "\"{}\" version {} (document {}), shared in message {} (attachment {})",
                data.name, data.version, data.document_id, data.message_id, data.attachment_id
            ),
            &link.partner_id,
            &format!(
                "withdrawal message {message_id} posted to thread {}; Trading Grid keeps posted messages and attachments, so the original stays in the thread's history",
                link.thread_id
            ),
        );
        self.file_withdrawal(
            workspace.id,
            format!(
                "{}/document/{}/w{round}",
                link.workspace_id, data.document_id
            ),
            &format!(
                "Withdrawal of document {} v{} ({round}).txt",
                data.document_id, data.version
            ),
            text,
        )
        .await?;
        self.mark_withdrawn(&record.id, |value| value["withdrawals"] = json!(round))
            .await?;
        if ran_now {
            tracing::info!(document_id = data.document_id, thread_id = %link.thread_id, message_id = %message_id, "document withdrawn from the partner");
        }
        Ok(ran_now.then(|| Withdrawn {
            what: "document",
            id: data.document_id.to_string(),
            message_id,
        }))
    }

    /// Ends the partner's access to the case (archived, or deleted: `workspace` is `None`):
    /// a last message, the thread closed, the evidence filed, the case unregistered. Each
    /// once; true when the thread was closed in this call.
    #[tracing::instrument(skip_all, fields(workspace_id = link.workspace_id, thread_id = %link.thread_id))]
    pub(crate) async fn end_access(
        &self,
        workspace: Option<&Node>,
        link: &CaseLink,
        why: &str,
    ) -> Result<bool, CaseError> {
        let ws = link.workspace_id.to_string();
        let message = NewMessage {
            body: format!(
                "Access to this case has ended: the case was {why} in the buyer's system. This thread is closed and nothing more will be shared in it."
            ),
            attachment_ids: Vec::new(),
            structured: Some(json!({
                "xecm_workspace_id": link.workspace_id,
                "case_access_ended": why,
            })),
            action_request: None,
        };
        let (message_id, _) = self
            .post_once(link, EffectKey::new("tg-case-access-end", &ws), message)
            .await?;
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&link.thread_id);
        let closed = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-case-thread-close", &ws),
                None,
                |_| async move {
                    Ok::<_, CaseError>(tg.set_thread_status(&thread, ThreadStatus::Closed).await?)
                },
            )
            .await
            .map_err(CaseError::from_effect)?
            .ran_now();
        if let Some(workspace) = workspace {
            let decision = Withdrawal {
                why: format!("the case was {why} in xECM"),
                at: self.now(),
                by: self
                    .who_changed(workspace.id, &self.config.status_attribute)
                    .await,
            };
            let text = decision.evidence(
                &format!(
                    "the partner's access to space {}, thread {} (case workspace {ws})",
                    link.space_id, link.thread_id
                ),
                &link.partner_id,
                &format!(
                    "last message {message_id} posted, thread {} closed (no more messages from either side); Trading Grid has no archive for a space, so the space and its history stay readable to the partner",
                    link.thread_id
                ),
            );
            self.file_withdrawal(
                workspace.id,
                format!("{ws}/access"),
                "Partner access ended.txt",
                text,
            )
            .await?;
        }
        let id = RecordId::new(crate::case::THREAD_LINK_KIND, &link.thread_id)?;
        self.change_record(&id, |status, _| {
            if status == crate::case::ENDED {
                return false;
            }
            *status = crate::case::ENDED.into();
            true
        })
        .await?;
        if let Ok(workspace_id) = NodeId::new(link.workspace_id) {
            self.live().unregister(workspace_id).await?;
        }
        if closed {
            tracing::info!(partner_id = %link.partner_id, why, "partner access to the case ended");
        }
        Ok(closed)
    }
}
