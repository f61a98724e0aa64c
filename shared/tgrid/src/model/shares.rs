//! Shares: documents sent to partners for review or acknowledgment.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ExternalRef, Extra};
use crate::ids::{AttachmentId, PartnerId, ShareId};

/// The body of `POST /v1/shares`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewShare {
    /// Who receives it (at least one).
    pub partner_ids: Vec<PartnerId>,
    /// Title.
    pub title: String,
    /// Cover message.
    #[serde(default)]
    pub message: String,
    /// The shared files (at least one).
    pub attachment_ids: Vec<AttachmentId>,
    /// Whether recipients must acknowledge.
    #[serde(default)]
    pub ack_required: bool,
    /// Deadline for acknowledgment.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The record this share belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
}

/// A share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The share's id.
    pub share_id: ShareId,
    /// Title.
    pub title: String,
    /// Cover message.
    #[serde(default)]
    pub message: String,
    /// The shared files.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// Whether recipients must acknowledge.
    #[serde(default)]
    pub ack_required: bool,
    /// Deadline.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The record this share belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// `active`, or `revoked` once withdrawn.
    pub status: ShareStatus,
    /// Each recipient's state.
    pub recipients: Vec<ShareRecipient>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Whether a share is still live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    /// Visible to its recipients.
    Active,
    /// Withdrawn (e.g. superseded by a new version).
    Revoked,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// One recipient of a share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRecipient {
    /// The partner.
    pub partner_id: PartnerId,
    /// Where the partner is.
    pub status: AckStatus,
}

/// A recipient's acknowledgment state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Not opened yet.
    Pending,
    /// Opened.
    Viewed,
    /// Acknowledged.
    Acknowledged,
    /// Declined.
    Declined,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// One row of `GET /v1/shares/{share_id}/acknowledgments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgment {
    /// The partner.
    pub partner_id: PartnerId,
    /// Where the partner is.
    pub status: AckStatus,
    /// When the status was reached (absent while pending).
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub at: Option<OffsetDateTime>,
    /// Who at the partner acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Their comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Files they returned (e.g. a signed copy).
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
}
