//! A partner's acknowledgment or decline, filed into the contract workspace as evidence —
//! with any files the partner returned — and the contract's standing and `Acknowledgment
//! Status` updated. Each document is filed once, even after a crash between the filing and
//! its ledger confirmation: the re-run finds it by name first.
//!
//! An answer can arrive before its share is confirmed in the ledger (a crash between the
//! share and its record, webhooks out of order): the share's `external_ref` names the
//! document, so the contract is synced first — which finishes the share record — and the
//! answer processed after; while the share is still being made elsewhere the item stays
//! pending in the inbox for the next run.
//!
//! An answer for a share that a newer version superseded (the partner answered just before
//! the revoke, or its webhook came late) is **filed** — it is evidence of what the partner
//! said about that version — marked as being for a superseded version, and never changes the
//! status, which speaks for the newer version.
//!
//! # Format
//! The evidence document `Acknowledgment <share id> <partner id> <decision>.txt` in the
//! `Acknowledgments` folder:
//! ```text
//! Decision: acknowledged
//! Partner: prt_acme
//! By: Jane Buyer
//! At: 2026-11-24T10:00:00Z
//! Comment: ok
//! Share: shr_…
//! Document: 123456 version 1 (Framework Agreement.pdf)
//! SHA-256 of the version shared: 9f86d0…
//! Returned file: signed.pdf (att_…, sha256 4e07…) filed as document 123470
//! Superseded: version 1 was replaced by version 2 before this answer was processed; it does not change the status
//! Event: evt_…
//! ```
//! (`Returned file` once per file the partner returned, `Superseded` only when it applies.)
//! `By` and `Comment` are the partner's own text on one line: a line break or other control
//! character in it is written as its escape (`\n`, `\r`, `\t`, `\u{..}`, a backslash as
//! `\\`), so the partner can never add a line of its own — the document has exactly one
//! `Decision` and one `SHA-256` line.
//! A returned file is filed beside it as `<share id> <partner id> <attachment id> <file name>`.

use gridlink_flow::content::tg_attachment_content;
use gridlink_flow::{EffectKey, Filing};
use gridlink_tgrid::AttachmentId;
use gridlink_tgrid::events::{Event, EventType, ShareAnswered};
use gridlink_tgrid::model::AckStatus;
use gridlink_xecm::{BytesSource, ContentSource, DocumentSpec, NodeId};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::ContractShare;
use crate::error::ShareError;
use crate::share::SharedVersion;
use crate::standing::{Answer, ShareEntry};

/// What filing one answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FiledEvidence {
    /// Why nothing was filed, if so.
    pub ignored: Option<String>,
    /// The contract workspace.
    pub workspace_id: Option<i64>,
    /// The evidence document.
    pub document_id: Option<i64>,
    /// Documents filed from the files the partner returned.
    pub returned_files: Vec<i64>,
    /// Whether the answer is for a version a newer one superseded.
    pub superseded: bool,
    /// The contract's acknowledgment status afterwards.
    pub status: Option<String>,
}

fn ignored(why: impl Into<String>) -> FiledEvidence {
    FiledEvidence {
        ignored: Some(why.into()),
        ..FiledEvidence::default()
    }
}

pub(crate) fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Partner-supplied text (`by`, `comment`) as it goes into one `Key: value` line of the
/// evidence: a line break or other control character is written as its escape (`\n`, `\r`,
/// `\t`, `\u{..}`) and a backslash as `\\`, so the partner's text stays readable and can
/// never start a line of its own (a forged `Decision:` or `SHA-256` line).
pub(crate) fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => line.push_str("\\\\"),
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push_str("\\t"),
            // Unicode line and paragraph separators break lines in some viewers too.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') => {
                line.push_str(&c.escape_unicode().to_string());
            }
            c => line.push(c),
        }
    }
    line
}

fn malformed(event: &Event, reason: impl Into<String>) -> ShareError {
    ShareError::Malformed {
        event_id: event.event_id.as_str().to_owned(),
        reason: reason.into(),
    }
}

impl ContractShare {
    /// Files a `share.acknowledged` / `share.declined` event as evidence in its workspace.
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub async fn file_evidence(&self, event: &Event) -> Result<FiledEvidence, ShareError> {
        let (decision, answer, expected) = match event.event_type {
            EventType::ShareAcknowledged => (
                "acknowledged",
                Answer::Acknowledged,
                AckStatus::Acknowledged,
            ),
            EventType::ShareDeclined => ("declined", Answer::Declined, AckStatus::Declined),
            _ => {
                return Ok(ignored(format!(
                    "{} is not for contract-share",
                    event.event_type
                )));
            }
        };
        let answered = event
            .share_answered()
            .ok_or_else(|| malformed(event, "the data is not a share answer"))?;
        let ack = &answered.acknowledgment;
        if ack.status != expected {
            return Err(malformed(
                event,
                format!(
                    "a {} event carries status {:?}",
                    event.event_type, ack.status
                ),
            ));
        }
        let Some(shared) = self.find_share(&answered).await? else {
            return Ok(ignored("not a share contract-share made"));
        };
        if ack.partner_id.as_str() != shared.partner_id {
            return Ok(ignored("the answer is not from the share's partner"));
        }
        gridlink_flow::timeline::about("contract", &shared.workspace_id.to_string());
        let workspace = NodeId::new(shared.workspace_id)?;
        let (standing, _) = self.standing(shared.workspace_id).await?;
        let superseded_by = standing
            .entry(&shared.share_id)
            .and_then(|e| e.superseded_by);
        let business_key = format!("{}/{}/{decision}", shared.share_id, shared.partner_id);
        let mut returned = Vec::new();
        for attachment in &ack.attachment_ids {
            returned.push(self.file_returned(workspace, &shared, attachment).await?);
        }
        let at = ack
            .at
            .and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_else(|| "unknown".into());
        let mut text = format!(
            "Decision: {decision}\nPartner: {}\nBy: {}\nAt: {at}\nComment: {}\nShare: {}\nDocument: {} version {} ({})\nSHA-256 of the version shared: {}\n",
            shared.partner_id,
            one_line(ack.by.as_deref().unwrap_or("unknown")),
            one_line(ack.comment.as_deref().unwrap_or("")),
            shared.share_id,
            shared.document_id,
            shared.version,
            shared.file_name,
            shared.sha256,
        );
        let mut lines: Vec<String> = returned
            .iter()
            .map(|file| {
                format!(
                    "Returned file: {} ({}, sha256 {}) filed as document {}\n",
                    one_line(&file.file_name),
                    file.attachment_id,
                    file.sha256,
                    file.document_id
                )
            })
            .collect();
        if let Some(newer) = superseded_by {
            lines.push(format!(
                "Superseded: version {} was replaced by version {newer} before this answer was processed; it does not change the status\n",
                shared.version
            ));
        }
        lines.push(format!("Event: {}\n", event.event_id.as_str()));
        text.extend(lines);
        let name = safe_name(&format!(
            "Acknowledgment {} {} {decision}.txt",
            shared.share_id, shared.partner_id
        ));
        let spec = DocumentSpec {
            name: name.clone(),
            description: format!(
                "{} {decision} version {} of document {} (sha256 {}) at {at}{}",
                shared.partner_id,
                shared.version,
                shared.document_id,
                shared.sha256,
                if superseded_by.is_some() {
                    " — a superseded version"
                } else {
                    ""
                }
            ),
            file_name: Some(name.clone()),
            mime_type: Some("text/plain".into()),
            categories: Vec::new(),
        };
        let document = self
            .file_once(
                workspace,
                EffectKey::new("xecm-ack-evidence", &business_key),
                spec,
                &BytesSource(text.into()),
            )
            .await?;
        let entry = ShareEntry {
            share_id: shared.share_id.clone(),
            document_id: shared.document_id,
            version: shared.version,
            partner_id: shared.partner_id.clone(),
            answer: Answer::Pending,
            superseded_by: None,
            overdue: false,
            revoked: None,
        };
        self.change_standing(shared.workspace_id, |s| {
            let added = s.add(entry.clone());
            s.answer(&entry.share_id, answer) || added
        })
        .await?;
        self.close_share(&shared.share_id).await?;
        let status = self.publish_standing(workspace).await?;
        tracing::info!(
            workspace_id = shared.workspace_id,
            partner_id = %shared.partner_id,
            share_id = %shared.share_id,
            decision,
            superseded = superseded_by.is_some(),
            "acknowledgment evidence filed"
        );
        Ok(FiledEvidence {
            ignored: None,
            workspace_id: Some(shared.workspace_id),
            document_id: Some(document),
            returned_files: returned.iter().map(|f| f.document_id).collect(),
            superseded: superseded_by.is_some(),
            status,
        })
    }

    /// The share's ledger record; when it is missing but the share names one of our
    /// documents, the contract is synced first (which finishes a share whose record a crash
    /// left unwritten) and the record read again.
    async fn find_share(
        &self,
        answered: &ShareAnswered,
    ) -> Result<Option<SharedVersion>, ShareError> {
        let share_id = answered.share_id.as_str();
        if let Some(shared) = self.shared_version(share_id).await? {
            return Ok(Some(shared));
        }
        let Some(document) = answered
            .external_ref
            .as_ref()
            .filter(|r| r.system == "xecm")
            .and_then(|r| r.id.parse::<i64>().ok())
            .and_then(|id| NodeId::new(id).ok())
        else {
            return Ok(None);
        };
        let Some(workspace) = self.platform.xecm.enclosing_workspace(document).await? else {
            return Ok(None);
        };
        tracing::info!(share_id, workspace_id = %workspace, "answer for a share not in the ledger yet; syncing its contract first");
        self.sync_contract(workspace).await?;
        self.shared_version(share_id).await
    }

    /// Files one file the partner returned with its answer, streamed from Trading Grid.
    async fn file_returned(
        &self,
        workspace: NodeId,
        shared: &SharedVersion,
        attachment_id: &AttachmentId,
    ) -> Result<ReturnedFile, ShareError> {
        let attachment = self.platform.tg.attachment(attachment_id).await?;
        let name = safe_name(&format!(
            "{} {} {} {}",
            shared.share_id,
            shared.partner_id,
            attachment.attachment_id.as_str(),
            attachment.file_name
        ));
        let spec = DocumentSpec {
            name: name.clone(),
            description: format!(
                "returned by {} with its answer to share {} (sha256 {})",
                shared.partner_id, shared.share_id, attachment.sha256
            ),
            file_name: Some(attachment.file_name.clone()),
            mime_type: Some(attachment.content_type.clone()),
            categories: Vec::new(),
        };
        let content = tg_attachment_content(self.platform.tg.clone(), &attachment);
        let document_id = self
            .file_once(
                workspace,
                EffectKey::new(
                    "xecm-ack-file",
                    format!(
                        "{}/{}/{}",
                        shared.share_id,
                        shared.partner_id,
                        attachment.attachment_id.as_str()
                    ),
                ),
                spec,
                &content,
            )
            .await?;
        tracing::info!(
            share_id = %shared.share_id,
            partner_id = %shared.partner_id,
            attachment_id = %attachment.attachment_id,
            document_id,
            "file returned by the partner filed"
        );
        Ok(ReturnedFile {
            attachment_id: attachment.attachment_id.as_str().to_owned(),
            file_name: attachment.file_name,
            sha256: attachment.sha256,
            document_id,
        })
    }
}

impl ContractShare {
    /// Files a document into the acknowledgment folder once per `effect`, through the one
    /// filer ([`gridlink_flow::filing`]).
    pub(crate) async fn file_once(
        &self,
        workspace: NodeId,
        effect: EffectKey,
        spec: DocumentSpec,
        content: &dyn ContentSource,
    ) -> Result<i64, ShareError> {
        let filing = Filing::new(effect, workspace, self.config.ack_folder.clone(), spec);
        let outcome = self
            .platform
            .file_once(&filing, content)
            .await
            .map_err(ShareError::from_xecm_effect)?;
        Ok(outcome.into_inner().document_id)
    }
}

struct ReturnedFile {
    attachment_id: String,
    file_name: String,
    sha256: String,
    document_id: i64,
}
