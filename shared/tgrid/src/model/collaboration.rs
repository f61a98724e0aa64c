//! Active Community collaboration: spaces, threads and messages.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ExternalRef, Extra};
use crate::ids::{AttachmentId, MessageId, PartnerId, SpaceId, ThreadId};

/// The body of `POST /v1/spaces`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSpace {
    /// The one partner who can see the space.
    pub partner_id: PartnerId,
    /// Title shown to both sides.
    pub title: String,
    /// The record this space mirrors (e.g. the xECM workspace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// Free-form context (PO number, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
}

/// A space as `GET /v1/spaces/{space_id}` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Space {
    /// The space's id.
    pub space_id: SpaceId,
    /// The partner who can see it.
    pub partner_id: PartnerId,
    /// Title.
    pub title: String,
    /// The record this space mirrors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// Free-form context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Filters for `GET /v1/spaces`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpaceFilter {
    /// Only spaces of this partner.
    pub partner_id: Option<PartnerId>,
    /// Only the space mirroring this record.
    pub external_ref: Option<ExternalRef>,
}

/// What a thread is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadKind {
    /// A general case.
    Case,
    /// A purchase-order exception.
    PoException,
    /// A contract.
    Contract,
    /// A shipment.
    Shipment,
    /// An order.
    Order,
    /// Partner onboarding.
    Onboarding,
    /// A product recall.
    Recall,
    /// Anything else.
    General,
    /// A kind this client does not know.
    #[serde(other)]
    Unknown,
}

/// The body of `POST /v1/spaces/{space_id}/threads`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewThread {
    /// Subject line.
    pub subject: String,
    /// What it is about.
    pub kind: ThreadKind,
    /// The record this thread mirrors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
}

/// A thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    /// The thread's id.
    pub thread_id: ThreadId,
    /// The space it is in.
    pub space_id: SpaceId,
    /// Subject line.
    pub subject: String,
    /// What it is about.
    pub kind: ThreadKind,
    /// Open, resolved or closed.
    pub status: ThreadStatus,
    /// The record this thread mirrors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A thread's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    /// Being worked on.
    Open,
    /// Answered.
    Resolved,
    /// No more messages expected.
    Closed,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// The body of `PATCH /v1/threads/{thread_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadUpdate {
    /// The new status.
    pub status: ThreadStatus,
}

/// Something the message asks the partner to do, by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRequest {
    /// What to do (`confirm_ship_date`, `send_credit_note`, …).
    pub kind: String,
    /// Deadline.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
}

/// The body of `POST /v1/threads/{thread_id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Text.
    pub body: String,
    /// Attachments uploaded before.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// Machine-readable content (e.g. exception lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured: Option<serde_json::Value>,
    /// What the partner is asked to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_request: Option<ActionRequest>,
}

/// A message, from either side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The message's id.
    pub message_id: MessageId,
    /// The thread it is in.
    pub thread_id: ThreadId,
    /// When it was posted.
    #[serde(with = "time::serde::rfc3339")]
    pub posted_at: OffsetDateTime,
    /// Who wrote it.
    pub author: Author,
    /// Text.
    pub body: String,
    /// Attachments.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// Machine-readable content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured: Option<serde_json::Value>,
    /// What the reader is asked to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_request: Option<ActionRequest>,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Who wrote a message.
///
/// # Format
/// `{"kind":"internal"}` or `{"kind":"partner","partner_id":"prt_…","name":"ACME Supply"}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Tenant user (`internal`) or partner.
    pub kind: AuthorKind,
    /// The partner, for partner messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
    /// The partner's name, for partner messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Which side wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// The tenant.
    Internal,
    /// The space's partner.
    Partner,
    /// A kind this client does not know.
    #[serde(other)]
    Unknown,
}
