//! A partner's answer on an exception thread (`message.posted`), filed into the order
//! workspace's `Exceptions/<exception id>` folder with the `Partner Document` category — the
//! message as a text document, each attached file as its own document, each exactly once
//! (through the runtime's one filer) — and the exception moved to `supplier responded`.
//!
//! - Only the exception's partner may answer: a message on the thread by anyone else is
//!   **refused** — logged as a warning with the business keys, never filed, the exception
//!   unchanged. (Trading Grid itself keeps partners out of each other's threads; this is the
//!   second lock.)
//! - A reply on a resolved exception **reopens** it (Trading Grid reopens the thread too).
//! - A reply arriving before its thread's link is in the ledger (a crash between the thread
//!   and its link, or webhooks out of order) syncs the order named by the thread's
//!   `external_ref` first.
//!
//! # Routing rule (one filer per document)
//! po-exception files only thread messages and their attachments. A revised 855 (X12) or
//! ORDRSP (EDIFACT) that arrives **as EDI** through the mailbox is order-reconcile's to file
//! (into `Confirmations`, with the reconciliation after it); po-exception never files it,
//! even when it answers an exception. The same holds for the 865 / ORDRSP answering a
//! change we sent: po-exception only reads it to move the exception ([`crate::change`]).
//!
//! # Format
//! `structured.response` is one of [`crate::row::RESPONSES`]; another value or none is
//! filed as `message`. The message document: `<message id> <response>.txt` with author,
//! partner, time, response, body and attachment names; an attachment:
//! `<message id> <file name>`. `Partner Document` values: `Document Type` (the response),
//! `Direction` `inbound`, `Trading Partner ID` (the TG partner id), `Control Number` (the
//! message id), `Received` (the time posted).

use gridlink_flow::content::tg_attachment_content;
use gridlink_flow::{EffectKey, Filing};
use gridlink_store::RecordId;
use gridlink_tgrid::events::{Event, EventType, MessagePosted};
use gridlink_tgrid::model::AuthorKind;
use gridlink_xecm::{
    AttributeValue, BytesSource, ContentSource, DocumentSpec, NamedAttributes, NodeId,
};
use serde::Serialize;
use time::PrimitiveDateTime;

use crate::PoException;
use crate::error::ExceptionError;
use crate::machine::{self, FileRef, State, THREAD_LINK_KIND, TgIds, ThreadLink};
use crate::row::{RESPONSES, safe_name};
use crate::sync::rfc3339;

/// What one answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FiledAnswer {
    /// Why nothing was filed, if so.
    pub ignored: Option<String>,
    /// Why the message was refused (another partner), if so.
    pub refused: Option<String>,
    /// The order workspace.
    pub workspace_id: Option<i64>,
    /// The exception.
    pub exception_id: Option<String>,
    /// The documents filed (the message first).
    pub documents: Vec<i64>,
    /// The exception's state afterwards.
    pub state: Option<String>,
}

fn ignored(why: impl Into<String>) -> FiledAnswer {
    FiledAnswer {
        ignored: Some(why.into()),
        ..FiledAnswer::default()
    }
}

impl PoException {
    /// Files a partner's `message.posted` on an exception thread (see the module docs).
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub async fn file_answer(&self, event: &Event) -> Result<FiledAnswer, ExceptionError> {
        if event.event_type != EventType::MessagePosted {
            return Ok(ignored(format!(
                "{} is not for po-exception (EDI documents are order-reconcile's to file)",
                event.event_type
            )));
        }
        let posted: MessagePosted = serde_json::from_value(event.data.clone())
            .map_err(|e| ExceptionError::malformed(event.event_id.as_str(), e))?;
        let message = &posted.message;
        if message.author.kind != AuthorKind::Partner {
            return Ok(ignored("not a partner message"));
        }
        let Some(link) = self.thread_link(&posted).await? else {
            return Ok(ignored("not a po-exception thread"));
        };
        let author = message
            .author
            .partner_id
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        if author != link.partner_id {
            tracing::warn!(
                workspace_id = link.workspace_id,
                exception_id = %link.exception_id,
                partner_id = %link.partner_id,
                author = %author,
                thread_id = %posted.thread_id,
                message_id = %message.message_id,
                "message on an exception thread by another partner refused; nothing filed"
            );
            return Ok(FiledAnswer {
                refused: Some(format!(
                    "{author} is not the partner of exception {}",
                    link.exception_id
                )),
                workspace_id: Some(link.workspace_id),
                exception_id: Some(link.exception_id),
                ..FiledAnswer::default()
            });
        }
        let key = machine::key(link.workspace_id, &link.exception_id);
        let Some(record) = machine::get(self.platform.ledger.as_ref(), &key).await? else {
            return Ok(ignored("the exception is not in the ledger"));
        };
        record.about();
        let response = message
            .structured
            .as_ref()
            .and_then(|s| s.get("response"))
            .and_then(|r| r.as_str())
            .map(|r| r.trim().to_ascii_lowercase())
            .filter(|r| RESPONSES.contains(&r.as_str()))
            .unwrap_or_else(|| "message".to_owned());
        let workspace = NodeId::new(link.workspace_id)?;
        let folder = format!("{}/{}", self.config.folder, safe_name(&link.exception_id));
        let posted_at = PrimitiveDateTime::new(message.posted_at.date(), message.posted_at.time());
        let name_of_author = message
            .author
            .name
            .clone()
            .unwrap_or_else(|| author.clone());
        let message_id = message.message_id.as_str().to_owned();
        let mut files = Vec::new();
        let mut names = Vec::new();
        for attachment_id in &message.attachment_ids {
            let attachment = self.platform.tg.attachment(attachment_id).await?;
            let name = safe_name(&format!("{message_id} {}", attachment.file_name));
            let spec = DocumentSpec {
                name: name.clone(),
                description: format!(
                    "{response} from {author} on exception {} of PO {} ({} bytes, sha256 {})",
                    link.exception_id, record.po_number, attachment.size_bytes, attachment.sha256
                ),
                file_name: Some(attachment.file_name.clone()),
                mime_type: Some(attachment.content_type.clone()),
                categories: vec![(
                    self.config.document_category,
                    partner_document(&response, &author, &message_id, posted_at),
                )],
            };
            let content = tg_attachment_content(self.platform.tg.clone(), &attachment);
            let document_id = self
                .file_into(
                    workspace,
                    &folder,
                    EffectKey::new(
                        "xecm-pox-file",
                        format!("{message_id}/{}", attachment_id.as_str()),
                    ),
                    spec,
                    &content,
                )
                .await?;
            names.push(attachment.file_name.clone());
            files.push(FileRef {
                name,
                document_id,
                sha256: attachment.sha256,
                attachment_id: Some(attachment_id.as_str().to_owned()),
            });
        }
        let text = format!(
            "From: {name_of_author}\nPartner: {author}\nPosted: {}\nException: {} (PO {})\nResponse: {response}\nThread: {}\nMessage: {message_id}\nAttachments: {}\n\n{}\n",
            rfc3339(message.posted_at),
            link.exception_id,
            record.po_number,
            posted.thread_id.as_str(),
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            },
            message.body
        );
        let name = safe_name(&format!("{message_id} {response}.txt"));
        let sha256 = gridlink_flow::payload_hash(text.as_bytes());
        let spec = DocumentSpec {
            name: name.clone(),
            description: format!(
                "{response} from {author} on exception {} of PO {}",
                link.exception_id, record.po_number
            ),
            file_name: Some(name.clone()),
            mime_type: Some("text/plain".into()),
            categories: vec![(
                self.config.document_category,
                partner_document(&response, &author, &message_id, posted_at),
            )],
        };
        let document_id = self
            .file_into(
                workspace,
                &folder,
                EffectKey::new("xecm-pox-file", format!("{message_id}/message")),
                spec,
                &BytesSource(text.into()),
            )
            .await?;
        files.insert(
            0,
            FileRef {
                name,
                document_id,
                sha256,
                attachment_id: None,
            },
        );
        let at = rfc3339(self.platform.clock.now());
        let actor = format!("partner:{author} ({name_of_author})");
        let tg = TgIds {
            space_id: Some(posted.space_id.as_str().to_owned()),
            thread_id: Some(posted.thread_id.as_str().to_owned()),
            message_id: Some(message_id.clone()),
            attachment_ids: message
                .attachment_ids
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            ..TgIds::default()
        };
        let (record, changed) = machine::change(self.platform.ledger.as_ref(), &record, |r| {
            let reopened = r.state == State::Resolved;
            if r.state == State::Withdrawn {
                return false;
            }
            if matches!(r.state, State::ChangeRequested | State::ChangeSent) {
                // The order change is in flight: the message is filed and recorded, and the
                // exception keeps waiting for the change to go out and for the partner's
                // 865 / ORDRSP (or 997 / CONTRL) — a note on the thread must not drop them.
                let state = r.state;
                return r.transition(
                    state,
                    &at,
                    &actor,
                    format!(
                        "supplier responded ({response}) while the order change is {}; the change stays in flight",
                        state.label().to_ascii_lowercase()
                    ),
                    format!("msg:{message_id}"),
                    tg.clone(),
                    files.clone(),
                );
            }
            r.transition(
                State::SupplierResponded,
                &at,
                &actor,
                if reopened {
                    format!("reopened: supplier responded ({response}) on a resolved exception")
                } else {
                    format!("supplier responded: {response}")
                },
                format!("msg:{message_id}"),
                tg.clone(),
                files.clone(),
            )
        })
        .await?;
        if changed {
            tracing::info!(
                workspace_id = link.workspace_id,
                po_number = %record.po_number,
                exception_id = %link.exception_id,
                partner_id = %link.partner_id,
                response = %response,
                "partner answer filed"
            );
        }
        self.sync_order(workspace).await?;
        self.file_timeline(&record).await?;
        let record = machine::get(self.platform.ledger.as_ref(), &key)
            .await?
            .unwrap_or(record);
        Ok(FiledAnswer {
            ignored: None,
            refused: None,
            workspace_id: Some(link.workspace_id),
            exception_id: Some(link.exception_id),
            documents: files.iter().map(|f| f.document_id).collect(),
            state: Some(record.state.label().to_owned()),
        })
    }

    /// The thread's link; when missing but the thread names one of our exceptions, the
    /// order is synced first (which finishes a link a crash left unwritten).
    async fn thread_link(
        &self,
        posted: &MessagePosted,
    ) -> Result<Option<ThreadLink>, ExceptionError> {
        let id = RecordId::new(THREAD_LINK_KIND, posted.thread_id.as_str())?;
        let read = |record: gridlink_store::LedgerRecord| {
            serde_json::from_value::<ThreadLink>(record.data)
                .map_err(|e| ExceptionError::malformed(posted.thread_id.as_str(), e))
        };
        if let Some(record) = self.platform.ledger.get(&id).await? {
            return read(record).map(Some);
        }
        let Some(workspace) = posted
            .thread_external_ref
            .as_ref()
            .filter(|r| r.system == "xecm")
            .and_then(|r| r.id.split_once('#'))
            .and_then(|(ws, _)| ws.parse::<i64>().ok())
            .and_then(|ws| NodeId::new(ws).ok())
        else {
            return Ok(None);
        };
        tracing::info!(thread_id = %posted.thread_id, workspace_id = %workspace, "answer on a thread not linked yet; syncing its order first");
        self.sync_order(workspace).await?;
        match self.platform.ledger.get(&id).await? {
            Some(record) => read(record).map(Some),
            None => Ok(None),
        }
    }

    /// Files a document into `folder` once per `effect` ([`gridlink_flow::filing`]).
    pub(crate) async fn file_into(
        &self,
        workspace: NodeId,
        folder: &str,
        effect: EffectKey,
        spec: DocumentSpec,
        content: &dyn ContentSource,
    ) -> Result<i64, ExceptionError> {
        let filing = Filing::new(effect, workspace, folder.to_owned(), spec);
        let outcome = self
            .platform
            .file_once(&filing, content)
            .await
            .map_err(ExceptionError::from_xecm_effect)?;
        Ok(outcome.into_inner().document_id)
    }
}

fn partner_document(
    response: &str,
    partner: &str,
    message_id: &str,
    received: PrimitiveDateTime,
) -> NamedAttributes {
    let mut values = NamedAttributes::new();
    values.insert("Document Type".into(), response.into());
    values.insert("Direction".into(), "inbound".into());
    values.insert("Trading Partner ID".into(), partner.into());
    values.insert("Control Number".into(), message_id.into());
    values.insert("Received".into(), AttributeValue::Date(received));
    values
}
