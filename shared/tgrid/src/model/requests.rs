//! Document requests: onboarding and compliance evidence asked of a partner.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ExternalRef, Extra};
use crate::ids::{AttachmentId, PartnerId, RequestId, RequestItemId};

/// The body of `POST /v1/document_requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDocumentRequest {
    /// Who is asked.
    pub partner_id: PartnerId,
    /// What is asked for (at least one item).
    pub items: Vec<NewRequestItem>,
    /// Deadline.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The record this request belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
}

/// One requested document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequestItem {
    /// `w9`, `w8ben`, `insurance_certificate`, `iso9001`, `code_of_conduct`, `bank_letter`, …
    pub kind: String,
    /// What exactly is wanted.
    #[serde(default)]
    pub description: String,
    /// Whether the request is fulfilled without it.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// A document request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRequest {
    /// The request's id.
    pub request_id: RequestId,
    /// Who is asked.
    pub partner_id: PartnerId,
    /// Overall state.
    pub status: RequestStatus,
    /// Each item's state.
    pub items: Vec<RequestItem>,
    /// Deadline.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The record this request belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A request's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Nothing accepted yet.
    Open,
    /// Some required items accepted.
    PartiallyFulfilled,
    /// Every required item accepted.
    Fulfilled,
    /// Past the deadline, not fulfilled.
    Expired,
    /// Withdrawn.
    Cancelled,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// One item of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestItem {
    /// The item's id.
    pub item_id: RequestItemId,
    /// What is asked for.
    pub kind: String,
    /// Details.
    #[serde(default)]
    pub description: String,
    /// Whether it is required.
    #[serde(default)]
    pub required: bool,
    /// Where it is.
    pub status: ItemStatus,
    /// The files submitted.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// First day the evidence is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// Last day the evidence is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// When the partner submitted it.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub submitted_at: Option<OffsetDateTime>,
    /// The reviewer's reason, after review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_reason: Option<String>,
    /// Structured fields the partner filled in with the submission (`tax_id`,
    /// `legal_name`, `signature_date`, coverage limits, `endorsements`, …): each a text,
    /// number, boolean or list of texts.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// An item's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not submitted.
    Pending,
    /// Submitted, awaiting review.
    Submitted,
    /// Accepted.
    Accepted,
    /// Rejected; the partner may submit again.
    Rejected,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// The filter of `GET /v1/document_requests` (every condition given must hold; at least
/// one is required).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentRequestFilter {
    /// `where_partner_id`: requests addressed to this partner.
    pub partner_id: Option<PartnerId>,
    /// `where_external_ref`: requests whose external reference is this (`system:id`).
    pub external_ref: Option<ExternalRef>,
    /// `where_status`: requests in this status.
    pub status: Option<RequestStatus>,
}

/// The body of `POST /v1/document_requests/{request_id}/items/{item_id}/review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemReview {
    /// Accept or reject.
    pub decision: ReviewDecision,
    /// Why (shown to the partner).
    #[serde(default)]
    pub reason: String,
}

/// A review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The evidence is good.
    Accept,
    /// The evidence is not good enough.
    Reject,
}
