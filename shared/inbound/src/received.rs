//! A received document's content: streamed from Trading Grid to the blob store, then read.

use bytes::Bytes;
use futures::TryStreamExt;
use gridlink_flow::Platform;
use gridlink_store::BlobKey;
use gridlink_store::blob::PutOptions;
use gridlink_tgrid::model::{Document, Standard};

use crate::error::InboundError;

/// A document whose content is kept in the blob store.
#[derive(Debug, Clone)]
pub struct ReceivedDocument {
    /// What Trading Grid says about it.
    pub document: Document,
    /// Where its content is.
    pub blob_key: BlobKey,
    /// The content's SHA-256 (hex) as stored.
    pub sha256: String,
}

impl ReceivedDocument {
    /// Whether the payload is EDI that gridlink parses.
    pub fn is_edi(&self) -> bool {
        matches!(
            self.document.metadata.standard,
            Standard::X12 | Standard::Edifact
        )
    }

    /// The content as an upload source for xECM, read back from the blob store on each attempt.
    pub fn content(&self, platform: &Platform) -> BlobContent {
        BlobContent {
            blobs: platform.blobs.clone(),
            key: self.blob_key.clone(),
        }
    }

    /// The `Partner Document` category values of this document: `Document Type`, `Direction`
    /// (`inbound`), `Trading Partner ID` (`ZZ:ACMESUPPLY`), `Control Number` (the
    /// interchange's, when known) and `Received` (TG's arrival date).
    pub fn partner_document_values(&self) -> gridlink_xecm::NamedAttributes {
        use gridlink_xecm::AttributeValue;
        let metadata = &self.document.metadata;
        let mut values = gridlink_xecm::NamedAttributes::new();
        values.insert(
            "Document Type".to_owned(),
            AttributeValue::Text(metadata.doc_type.clone()),
        );
        values.insert(
            "Direction".to_owned(),
            AttributeValue::Text("inbound".to_owned()),
        );
        values.insert(
            "Trading Partner ID".to_owned(),
            AttributeValue::Text(format!(
                "{}:{}",
                metadata.sender.qualifier, metadata.sender.id
            )),
        );
        if let Some(control) = &metadata.control_numbers.interchange {
            values.insert(
                "Control Number".to_owned(),
                AttributeValue::Text(control.clone()),
            );
        }
        values.insert(
            "Received".to_owned(),
            AttributeValue::from(self.document.created_at.date()),
        );
        values
    }

    /// The whole content (EDI payloads are at most 100 MiB; PDFs are never read whole).
    pub async fn bytes(&self, platform: &Platform) -> Result<Bytes, InboundError> {
        Ok(platform
            .blobs
            .get(&self.blob_key, None)
            .await?
            .bytes()
            .await?)
    }
}

/// Streams the document's content from Trading Grid into the blob store under
/// `documents/{function}/{document_id}`, in bounded memory.
#[tracing::instrument(skip_all, fields(document_id = %document.document_id.as_str()))]
pub async fn fetch_content(
    platform: &Platform,
    document: Document,
) -> Result<ReceivedDocument, InboundError> {
    let key = BlobKey::parse(format!(
        "documents/{}/{}",
        platform.function,
        document.document_id.as_str()
    ))?;
    let download = platform
        .tg
        .document_content(&document.document_id, None)
        .await?;
    let body = download
        .stream
        .map_err(|e| std::io::Error::other(e.to_string()));
    let meta = platform
        .blobs
        .put(
            &key,
            Box::pin(body),
            PutOptions::with_content_type(document.content_type.clone())
                .with_metadata("tg-document", document.document_id.as_str()),
        )
        .await?;
    let sha256 = meta.sha256.clone().unwrap_or_default();
    if !document.sha256.is_empty() && !document.sha256.eq_ignore_ascii_case(&sha256) {
        return Err(InboundError::ContentMismatch {
            document_id: document.document_id.as_str().to_owned(),
            stored: sha256,
            announced: document.sha256.clone(),
        });
    }
    Ok(ReceivedDocument {
        document,
        blob_key: key,
        sha256,
    })
}

/// A blob as re-openable upload content (streamed, bounded memory).
#[derive(Debug, Clone)]
pub struct BlobContent {
    blobs: std::sync::Arc<dyn gridlink_store::BlobStore>,
    key: BlobKey,
}

#[async_trait::async_trait]
impl gridlink_xecm::ContentSource for BlobContent {
    async fn open(&self) -> std::io::Result<gridlink_xecm::ContentStream> {
        let blob = self
            .blobs
            .get(&self.key, None)
            .await
            .map_err(std::io::Error::other)?;
        Ok(blob.body)
    }
}

/// A partner's message attachment whose content is kept in the blob store.
#[derive(Debug, Clone)]
pub struct ReceivedAttachment {
    /// What Trading Grid says about it.
    pub attachment: gridlink_tgrid::model::Attachment,
    /// Where its content is.
    pub blob_key: BlobKey,
    /// The content's SHA-256 (hex) as stored.
    pub sha256: String,
}

impl ReceivedAttachment {
    /// The content as an upload source for xECM, read back from the blob store on each attempt.
    pub fn content(&self, platform: &Platform) -> BlobContent {
        BlobContent {
            blobs: platform.blobs.clone(),
            key: self.blob_key.clone(),
        }
    }
}

/// Streams a message attachment from Trading Grid into the blob store under
/// `attachments/{function}/{attachment_id}`, in bounded memory (attachments can be GiB-sized;
/// nothing reads them whole). A re-run writes the same key again.
#[tracing::instrument(skip_all, fields(attachment_id = %attachment_id.as_str()))]
pub async fn fetch_attachment(
    platform: &Platform,
    attachment_id: &gridlink_tgrid::AttachmentId,
) -> Result<ReceivedAttachment, InboundError> {
    let attachment = platform.tg.attachment(attachment_id).await?;
    let key = BlobKey::parse(format!(
        "attachments/{}/{}",
        platform.function,
        attachment_id.as_str()
    ))?;
    let download = platform.tg.attachment_content(attachment_id, None).await?;
    let body = download
        .stream
        .map_err(|e| std::io::Error::other(e.to_string()));
    let meta = platform
        .blobs
        .put(
            &key,
            Box::pin(body),
            PutOptions::with_content_type(attachment.content_type.clone())
                .with_metadata("tg-attachment", attachment_id.as_str()),
        )
        .await?;
    let sha256 = meta.sha256.clone().unwrap_or_default();
    if !attachment.sha256.is_empty() && !attachment.sha256.eq_ignore_ascii_case(&sha256) {
        return Err(InboundError::ContentMismatch {
            document_id: attachment_id.as_str().to_owned(),
            stored: sha256,
            announced: attachment.sha256.clone(),
        });
    }
    Ok(ReceivedAttachment {
        attachment,
        blob_key: key,
        sha256,
    })
}

/// The hex SHA-256 of `bytes` (content identities of small texts gridlink writes itself).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
