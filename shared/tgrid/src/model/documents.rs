//! Business documents exchanged through Trading Grid mailboxes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Extra;
use crate::ids::{DocumentId, MailboxId, PartyId};

/// The envelope facts of a document, sent as the `metadata` part of `POST /v1/documents`.
///
/// # Format
/// ```json
/// {"sender":{"qualifier":"ZZ","id":"BUYERCO"},"receiver":{"qualifier":"ZZ","id":"ACMESUPPLY"},
///  "standard":"X12","doc_type":"850","business_refs":{"po_number":"PO-1001"},
///  "control_numbers":{"interchange":"000000101","group":"101","transaction":"0001"},
///  "ack_requested":true}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentMetadata {
    /// Who sends it.
    pub sender: PartyId,
    /// Who receives it.
    pub receiver: PartyId,
    /// The syntax of the payload.
    pub standard: Standard,
    /// Transaction set or message type (`850`, `997`, `ORDERS`, `CONTRL`, …).
    pub doc_type: String,
    /// Business numbers for matching.
    #[serde(default)]
    pub business_refs: BusinessRefs,
    /// Envelope control numbers (ISA13/GS06/ST02 or UNB 0020/UNG/UNH 0062).
    #[serde(default)]
    pub control_numbers: ControlNumbers,
    /// Whether a functional acknowledgment (997/999/CONTRL) is expected.
    #[serde(default)]
    pub ack_requested: bool,
}

/// The syntax of a document payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Standard {
    /// ANSI ASC X12.
    X12,
    /// UN/EDIFACT.
    Edifact,
    /// XML.
    Xml,
    /// PDF.
    Pdf,
    /// Anything else.
    Other,
    /// A standard this client does not know.
    #[serde(other)]
    Unknown,
}

/// Business numbers carried alongside the payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessRefs {
    /// Purchase order number (BEG03, BGM 1004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    /// Invoice number (BIG02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// Shipment id (BSN02).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<String>,
    /// Bill of lading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bol: Option<String>,
}

/// Envelope control numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlNumbers {
    /// ISA13 / UNB 0020.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interchange: Option<String>,
    /// GS06 / UNG 0048.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// ST02 / UNH 0062.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<String>,
}

/// The answer to `POST /v1/documents` (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedDocument {
    /// The new document.
    pub document_id: DocumentId,
    /// Always `submitted` at first.
    pub status: DocumentStatus,
}

/// A document as `GET /v1/documents/{document_id}` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The document's id.
    pub document_id: DocumentId,
    /// Envelope facts.
    #[serde(flatten)]
    pub metadata: DocumentMetadata,
    /// Sent by the tenant (`outbound`) or received by it (`inbound`).
    pub direction: Direction,
    /// The current status.
    pub status: DocumentStatus,
    /// Every status it has had, oldest first.
    #[serde(default)]
    pub status_history: Vec<StatusChange>,
    /// Payload size.
    pub size_bytes: u64,
    /// Hex SHA-256 of the payload.
    pub sha256: String,
    /// Payload file name.
    pub file_name: String,
    /// Payload media type.
    pub content_type: String,
    /// The tenant mailbox the document is in (inbound) or was sent from (outbound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_id: Option<MailboxId>,
    /// When Trading Grid took the document.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Which way a document travels, seen from the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Received from a partner.
    Inbound,
    /// Sent to a partner.
    Outbound,
    /// A direction this client does not know.
    #[serde(other)]
    Unknown,
}

/// Document statuses: the Trading Grid Sendbox vocabulary (outbound) and Inbox vocabulary
/// (inbound), in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Outbound: taken by Trading Grid.
    Submitted,
    /// Outbound: passed validation.
    Validated,
    /// Outbound: translation failed.
    TranslationError,
    /// Outbound: sent to the partner's network.
    Sent,
    /// Outbound: could not be sent.
    SendFailed,
    /// Outbound: delivered to the partner's mailbox.
    Delivered,
    /// Outbound: a 997/999/CONTRL referencing its control numbers arrived.
    Acknowledged,
    /// Outbound: failed for good.
    Failed,
    /// Inbound: not looked at yet.
    New,
    /// Inbound: looked at.
    Read,
    /// Inbound: downloaded by the tenant.
    Downloaded,
    /// Inbound: a new document was created from it.
    TurnedAround,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

impl DocumentStatus {
    /// The wire name (`submitted`, `turned_around`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Validated => "validated",
            Self::TranslationError => "translation_error",
            Self::Sent => "sent",
            Self::SendFailed => "send_failed",
            Self::Delivered => "delivered",
            Self::Acknowledged => "acknowledged",
            Self::Failed => "failed",
            Self::New => "new",
            Self::Read => "read",
            Self::Downloaded => "downloaded",
            Self::TurnedAround => "turned_around",
            Self::Unknown => "unknown",
        }
    }
}

/// One entry of a document's status history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// When the status was reached.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The status reached.
    pub status: DocumentStatus,
    /// Why (e.g. `997 AK5=A for GS06 101`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Filters for a mailbox inbox listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    /// Only documents in this status.
    pub status: Option<DocumentStatus>,
    /// Only this document type.
    pub doc_type: Option<String>,
    /// Only from this EDI address.
    pub sender: Option<PartyId>,
}
