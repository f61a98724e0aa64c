//! Stored files.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Extra;
use crate::ids::AttachmentId;

/// An attachment as `POST /v1/attachments` and `GET /v1/attachments/{attachment_id}` return it.
///
/// # Format
/// `{"attachment_id":"att_…","file_name":"packing-list.pdf","content_type":"application/pdf",
///   "size_bytes":48213,"sha256":"<hex>","created_at":"…"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The attachment's id.
    pub attachment_id: AttachmentId,
    /// File name.
    pub file_name: String,
    /// Media type.
    pub content_type: String,
    /// Size.
    pub size_bytes: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// When it was stored.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<OffsetDateTime>,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
