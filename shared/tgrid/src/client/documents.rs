//! `/v1/documents…` and `/v1/mailboxes/{id}/inbox`.

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::Method;
use reqwest::multipart::{Form, Part};

use super::attachments::file_part;
use super::partners::seg;
use super::{Build, TgClient, Timing, page_query, read_json};
use crate::error::TgError;
use crate::ids::{DocumentId, IdempotencyKey, MailboxId};
use crate::model::{
    Direction, Document, DocumentMetadata, DocumentStatus, InboxFilter, Page, SubmittedDocument,
};
use crate::ports::{DocumentPayload, Mailbox, PageRequest};
use crate::stream::{ByteRange, Download};

/// The largest payload sent inline as base64.
pub const INLINE_PAYLOAD_LIMIT: usize = 5 * 1024 * 1024;

#[async_trait]
impl Mailbox for TgClient {
    async fn send_document(
        &self,
        key: &IdempotencyKey,
        metadata: &DocumentMetadata,
        payload: DocumentPayload,
    ) -> Result<SubmittedDocument, TgError> {
        const WHAT: &str = "send document";
        match payload {
            DocumentPayload::Inline {
                file_name,
                content_type,
                bytes,
            } => {
                if bytes.len() > INLINE_PAYLOAD_LIMIT {
                    return Err(TgError::InvalidInput {
                        what: WHAT,
                        reason: format!(
                            "inline payload is {} bytes; stream anything over 5 MiB",
                            bytes.len()
                        ),
                    });
                }
                let mut body = serde_json::to_value(metadata)
                    .map_err(|source| TgError::Decode { what: WHAT, source })?;
                if let Some(object) = body.as_object_mut() {
                    object.insert(
                        "payload_base64".into(),
                        base64::engine::general_purpose::STANDARD
                            .encode(&bytes)
                            .into(),
                    );
                    object.insert("file_name".into(), file_name.into());
                    object.insert("content_type".into(), content_type.into());
                }
                self.json(WHAT, Method::POST, "v1/documents", Some(key), Some(&body))
                    .await
            }
            DocumentPayload::Streamed(upload) => {
                let timing = Timing::Upload(upload.source.content_length());
                let metadata = serde_json::to_string(metadata)
                    .map_err(|source| TgError::Decode { what: WHAT, source })?;
                let build: Build<'_> = Box::new(move |request| {
                    let metadata = Part::text(metadata.clone())
                        .mime_str("application/json")
                        .map_err(|_| TgError::InvalidInput {
                            what: WHAT,
                            reason: "metadata part".into(),
                        })?;
                    let form = Form::new()
                        .part("metadata", metadata)
                        .part("payload", file_part(WHAT, &upload)?);
                    Ok(request.multipart(form))
                });
                let response = self
                    .send(WHAT, Method::POST, "v1/documents", Some(key), timing, build)
                    .await?;
                read_json(WHAT, response).await
            }
        }
    }

    async fn document(&self, document_id: &DocumentId) -> Result<Document, TgError> {
        self.get(
            "get document",
            &format!("v1/documents/{}", seg(document_id.as_str())),
            Vec::new(),
        )
        .await
    }

    async fn document_content(
        &self,
        document_id: &DocumentId,
        range: Option<ByteRange>,
    ) -> Result<Download, TgError> {
        let path = format!("v1/documents/{}/content", seg(document_id.as_str()));
        if gridlink_core::dry_run::active() {
            // Opening a `new` inbound document marks it `read` in Trading Grid (and tells every
            // subscriber): a write, refused inside a dry run. Any other is read as always.
            let document = self.document(document_id).await?;
            if document.direction == Direction::Inbound
                && document.status == DocumentStatus::New
                && let Some(refusal) = gridlink_core::dry_run::refuse("tg", "GET", &path, || {
                    format!(
                        "read the content of new inbound document {} ({} {}): Trading Grid marks it read",
                        document_id.as_str(),
                        document.metadata.doc_type,
                        document.file_name
                    )
                })
            {
                return Err(TgError::DryRun(refusal));
            }
        }
        self.download("download document", &path, range).await
    }

    async fn inbox_page(
        &self,
        mailbox_id: &MailboxId,
        filter: &InboxFilter,
        page: PageRequest,
    ) -> Result<Page<Document>, TgError> {
        let mut query = page_query(&page);
        if let Some(status) = filter.status {
            query.push(("where_status", status.as_str().to_owned()));
        }
        if let Some(doc_type) = &filter.doc_type {
            query.push(("where_doc_type", doc_type.clone()));
        }
        if let Some(sender) = &filter.sender {
            query.push(("where_sender", sender.to_string()));
        }
        self.get(
            "list inbox",
            &format!("v1/mailboxes/{}/inbox", seg(mailbox_id.as_str())),
            query,
        )
        .await
    }

    async fn mark_downloaded(&self, document_id: &DocumentId) -> Result<Document, TgError> {
        let path = format!("v1/documents/{}/download", seg(document_id.as_str()));
        self.json::<_, ()>("mark document downloaded", Method::POST, &path, None, None)
            .await
    }
}
