//! A partner's reply on a case thread, filed back into the case workspace: the message as a
//! text document (author, time, body, attachment names) and each attachment as its own
//! document, streamed from Trading Grid. Each is filed once, even after a crash between the
//! filing and its ledger confirmation: the re-run finds the document by name first.

use gridlink_flow::content::tg_attachment_content;
use gridlink_flow::{EffectKey, Filing};
use gridlink_store::RecordId;
use gridlink_tgrid::events::{Event, EventType, MessagePosted};
use gridlink_tgrid::model::AuthorKind;
use gridlink_xecm::{BytesSource, ContentSource, DocumentSpec, NodeId};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::CaseCollab;
use crate::case::{CaseLink, THREAD_LINK_KIND};
use crate::error::CaseError;

/// What filing one reply did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FiledReply {
    /// Why nothing was filed, if so.
    pub ignored: Option<String>,
    /// The case workspace.
    pub workspace_id: Option<i64>,
    /// The message document and the attachment documents.
    pub documents: Vec<i64>,
}

fn safe_name(text: &str) -> String {
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

impl CaseCollab {
    /// Files a `message.posted` event's message into its case workspace.
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub async fn file_partner_reply(&self, event: &Event) -> Result<FiledReply, CaseError> {
        if event.event_type != EventType::MessagePosted {
            return Ok(FiledReply {
                ignored: Some(format!("{} is not for case-collab", event.event_type)),
                ..FiledReply::default()
            });
        }
        let posted: MessagePosted =
            serde_json::from_value(event.data.clone()).map_err(|e| CaseError::Malformed {
                event_id: event.event_id.as_str().to_owned(),
                reason: e.to_string(),
            })?;
        if posted.message.author.kind != AuthorKind::Partner {
            return Ok(FiledReply {
                ignored: Some("not a partner message".into()),
                ..FiledReply::default()
            });
        }
        let Some(record) = self
            .platform
            .ledger
            .get(&RecordId::new(THREAD_LINK_KIND, posted.thread_id.as_str())?)
            .await?
        else {
            return Ok(FiledReply {
                ignored: Some("not a case thread".into()),
                ..FiledReply::default()
            });
        };
        let link: CaseLink =
            serde_json::from_value(record.data).map_err(|e| CaseError::Malformed {
                event_id: event.event_id.as_str().to_owned(),
                reason: e.to_string(),
            })?;
        gridlink_flow::timeline::about("case", &link.workspace_id.to_string());
        let message = &posted.message;
        if message
            .author
            .partner_id
            .as_ref()
            .is_some_and(|p| p.as_str() != link.partner_id)
        {
            return Ok(FiledReply {
                ignored: Some("author is not the case's partner".into()),
                ..FiledReply::default()
            });
        }
        let workspace = NodeId::new(link.workspace_id)?;
        let author = message
            .author
            .name
            .clone()
            .or_else(|| {
                message
                    .author
                    .partner_id
                    .as_ref()
                    .map(|p| p.as_str().to_owned())
            })
            .unwrap_or_default();
        let posted_at = message.posted_at.format(&Rfc3339).unwrap_or_default();
        let stamp = message
            .posted_at
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour][minute][second]"
            ))
            .unwrap_or_default();
        let prefix = safe_name(&format!(
            "Partner reply {stamp} {author} {}",
            message.message_id.as_str()
        ));
        let mut filed = FiledReply {
            workspace_id: Some(link.workspace_id),
            ..FiledReply::default()
        };

        let mut attachment_names = Vec::new();
        for attachment_id in &message.attachment_ids {
            let attachment = self.platform.tg.attachment(attachment_id).await?;
            let name = safe_name(&format!("{prefix} - {}", attachment.file_name));
            attachment_names.push(attachment.file_name.clone());
            let content = tg_attachment_content(self.platform.tg.clone(), &attachment);
            let spec = DocumentSpec {
                name: name.clone(),
                description: format!(
                    "Attachment of a reply by {author} at {posted_at} ({} bytes, sha256 {})",
                    attachment.size_bytes, attachment.sha256
                ),
                file_name: Some(attachment.file_name.clone()),
                mime_type: Some(attachment.content_type.clone()),
                categories: Vec::new(),
            };
            let node = self
                .file_once(
                    workspace,
                    &format!("{}/{}", message.message_id.as_str(), attachment_id.as_str()),
                    spec,
                    &content,
                )
                .await?;
            filed.documents.push(node);
        }

        let text = format!(
            "From: {author}\nPartner: {}\nPosted: {posted_at}\nThread: {}\nMessage: {}\nAttachments: {}\n\n{}\n",
            link.partner_id,
            link.thread_id,
            message.message_id.as_str(),
            if attachment_names.is_empty() {
                "none".to_owned()
            } else {
                attachment_names.join(", ")
            },
            message.body
        );
        let spec = DocumentSpec {
            name: format!("{prefix}.txt"),
            description: format!("Reply by {author} at {posted_at}"),
            file_name: Some(format!("{prefix}.txt")),
            mime_type: Some("text/plain".into()),
            categories: Vec::new(),
        };
        let node = self
            .file_once(
                workspace,
                message.message_id.as_str(),
                spec,
                &BytesSource(text.into()),
            )
            .await?;
        filed.documents.insert(0, node);
        tracing::info!(workspace_id = link.workspace_id, partner_id = %link.partner_id, "partner reply filed");
        Ok(filed)
    }

    /// Files a document once per business key through the one filer
    /// ([`gridlink_flow::filing`]).
    async fn file_once(
        &self,
        workspace: NodeId,
        business_key: &str,
        spec: DocumentSpec,
        content: &dyn ContentSource,
    ) -> Result<i64, CaseError> {
        let filing = Filing::new(
            EffectKey::new("xecm-case-reply", business_key),
            workspace,
            self.config.reply_folder.clone(),
            spec,
        );
        let outcome = self
            .platform
            .file_once(&filing, content)
            .await
            .map_err(CaseError::from_xecm_effect)?;
        Ok(outcome.into_inner().document_id)
    }
}
