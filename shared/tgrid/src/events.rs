//! Events: what Trading Grid tells the tenant, by webhook or through `/v1/events`.
//!
//! # Format
//! ```json
//! {"event_id":"evt_…","event_type":"message.posted","occurred_at":"2026-11-24T10:00:00Z",
//!  "tenant_id":"buyerco","data":{…}}
//! ```
//! `data` holds the resource as its GET returns it; see [`EventPayload`] for each type.
//! Unknown event types and unknown fields are kept, never rejected.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{CampaignId, EventId, RequestItemId, ShareId, SpaceId, TenantId, ThreadId};
use crate::model::{
    Acknowledgment, CampaignKind, CampaignResponse, Document, DocumentRequest, ExternalRef,
    Message, Partner, ThreadKind,
};

/// The type of an event. Types this client does not know are kept as [`EventType::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum EventType {
    /// `document.received`: an inbound document arrived in a tenant mailbox.
    DocumentReceived,
    /// `document.status_changed`: an outbound (or inbound) document changed status.
    DocumentStatusChanged,
    /// `message.posted`: a partner posted a message (partner side only).
    MessagePosted,
    /// `share.acknowledged`.
    ShareAcknowledged,
    /// `share.declined`.
    ShareDeclined,
    /// `document_request.item_submitted`.
    DocumentRequestItemSubmitted,
    /// `campaign.response_received`.
    CampaignResponseReceived,
    /// `partner.updated`.
    PartnerUpdated,
    /// Any other type.
    Unknown(String),
}

impl EventType {
    /// Every type this client knows.
    pub const KNOWN: [EventType; 8] = [
        Self::DocumentReceived,
        Self::DocumentStatusChanged,
        Self::MessagePosted,
        Self::ShareAcknowledged,
        Self::ShareDeclined,
        Self::DocumentRequestItemSubmitted,
        Self::CampaignResponseReceived,
        Self::PartnerUpdated,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::DocumentReceived => "document.received",
            Self::DocumentStatusChanged => "document.status_changed",
            Self::MessagePosted => "message.posted",
            Self::ShareAcknowledged => "share.acknowledged",
            Self::ShareDeclined => "share.declined",
            Self::DocumentRequestItemSubmitted => "document_request.item_submitted",
            Self::CampaignResponseReceived => "campaign.response_received",
            Self::PartnerUpdated => "partner.updated",
            Self::Unknown(name) => name,
        }
    }
}

impl From<String> for EventType {
    fn from(name: String) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|known| known.as_str() == name)
            .unwrap_or(Self::Unknown(name))
    }
}

impl From<&str> for EventType {
    fn from(name: &str) -> Self {
        Self::from(name.to_owned())
    }
}

impl From<EventType> for String {
    fn from(event_type: EventType) -> Self {
        event_type.as_str().to_owned()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique id; a duplicate delivery carries the same id.
    pub event_id: EventId,
    /// What happened.
    pub event_type: EventType,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// The resource, as its GET returns it.
    pub data: serde_json::Value,
}

/// `data` of `message.posted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePosted {
    /// The space.
    pub space_id: SpaceId,
    /// The thread.
    pub thread_id: ThreadId,
    /// The thread's kind.
    pub thread_kind: ThreadKind,
    /// The space's external reference (e.g. the xECM workspace).
    #[serde(default)]
    pub external_ref: Option<ExternalRef>,
    /// The thread's external reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_external_ref: Option<ExternalRef>,
    /// The message.
    pub message: Message,
}

/// `data` of `share.acknowledged` and `share.declined`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareAnswered {
    /// The share.
    pub share_id: ShareId,
    /// The share's external reference.
    #[serde(default)]
    pub external_ref: Option<ExternalRef>,
    /// The partner's acknowledgment row.
    pub acknowledgment: Acknowledgment,
}

/// `data` of `document_request.item_submitted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestItemSubmitted {
    /// The item that was submitted.
    pub item_id: RequestItemId,
    /// The whole request after the submission.
    pub request: DocumentRequest,
}

/// `data` of `campaign.response_received`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignResponseReceived {
    /// The campaign.
    pub campaign_id: CampaignId,
    /// Its kind.
    pub campaign_kind: CampaignKind,
    /// Its external reference.
    #[serde(default)]
    pub external_ref: Option<ExternalRef>,
    /// The partner's response.
    pub response: CampaignResponse,
}

/// An event's `data`, typed by its `event_type`.
#[derive(Debug, Clone, PartialEq)]
pub enum EventPayload {
    /// `document.received`.
    DocumentReceived(Document),
    /// `document.status_changed`.
    DocumentStatusChanged(Document),
    /// `message.posted`.
    MessagePosted(Box<MessagePosted>),
    /// `share.acknowledged`.
    ShareAcknowledged(ShareAnswered),
    /// `share.declined`.
    ShareDeclined(ShareAnswered),
    /// `document_request.item_submitted`.
    DocumentRequestItemSubmitted(RequestItemSubmitted),
    /// `campaign.response_received`.
    CampaignResponseReceived(CampaignResponseReceived),
    /// `partner.updated`.
    PartnerUpdated(Partner),
    /// An event type this client does not know; its data untouched.
    Unknown {
        /// The type's wire name.
        event_type: String,
        /// The raw data.
        data: serde_json::Value,
    },
}

impl Event {
    /// Reads `data` as the payload its type promises.
    pub fn payload(&self) -> Result<EventPayload, serde_json::Error> {
        let data = || self.data.clone();
        Ok(match &self.event_type {
            EventType::DocumentReceived => {
                EventPayload::DocumentReceived(serde_json::from_value(data())?)
            }
            EventType::DocumentStatusChanged => {
                EventPayload::DocumentStatusChanged(serde_json::from_value(data())?)
            }
            EventType::MessagePosted => {
                EventPayload::MessagePosted(Box::new(serde_json::from_value(data())?))
            }
            EventType::ShareAcknowledged => {
                EventPayload::ShareAcknowledged(serde_json::from_value(data())?)
            }
            EventType::ShareDeclined => {
                EventPayload::ShareDeclined(serde_json::from_value(data())?)
            }
            EventType::DocumentRequestItemSubmitted => {
                EventPayload::DocumentRequestItemSubmitted(serde_json::from_value(data())?)
            }
            EventType::CampaignResponseReceived => {
                EventPayload::CampaignResponseReceived(serde_json::from_value(data())?)
            }
            EventType::PartnerUpdated => {
                EventPayload::PartnerUpdated(serde_json::from_value(data())?)
            }
            EventType::Unknown(name) => EventPayload::Unknown {
                event_type: name.clone(),
                data: data(),
            },
        })
    }

    /// The document, for `document.received` and `document.status_changed`.
    pub fn document(&self) -> Option<Document> {
        matches!(
            self.event_type,
            EventType::DocumentReceived | EventType::DocumentStatusChanged
        )
        .then(|| serde_json::from_value(self.data.clone()).ok())
        .flatten()
    }

    /// The posted message and its place, for `message.posted`.
    pub fn message_posted(&self) -> Option<MessagePosted> {
        (self.event_type == EventType::MessagePosted)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }

    /// The acknowledgment, for `share.acknowledged` and `share.declined`.
    pub fn share_answered(&self) -> Option<ShareAnswered> {
        matches!(
            self.event_type,
            EventType::ShareAcknowledged | EventType::ShareDeclined
        )
        .then(|| serde_json::from_value(self.data.clone()).ok())
        .flatten()
    }

    /// The submitted item and its request, for `document_request.item_submitted`.
    pub fn request_item_submitted(&self) -> Option<RequestItemSubmitted> {
        (self.event_type == EventType::DocumentRequestItemSubmitted)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }

    /// The response, for `campaign.response_received`.
    pub fn campaign_response(&self) -> Option<CampaignResponseReceived> {
        (self.event_type == EventType::CampaignResponseReceived)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }

    /// The partner, for `partner.updated`.
    pub fn partner(&self) -> Option<Partner> {
        (self.event_type == EventType::PartnerUpdated)
            .then(|| serde_json::from_value(self.data.clone()).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_event_types_and_fields_are_kept() {
        let raw = r#"{"event_id":"evt_1","event_type":"invoice.disputed","occurred_at":"2026-11-24T10:00:00Z",
            "tenant_id":"buyerco","data":{"x":1},"schema":"v2"}"#;
        let event: Event = serde_json::from_str(raw).expect("tolerant");
        assert_eq!(
            event.event_type,
            EventType::Unknown("invoice.disputed".into())
        );
        assert_eq!(
            event.payload().expect("unknown payloads always read"),
            EventPayload::Unknown {
                event_type: "invoice.disputed".into(),
                data: serde_json::json!({"x":1})
            }
        );
        let back = serde_json::to_value(&event).expect("serialises");
        assert_eq!(back["event_type"], "invoice.disputed");
    }

    #[test]
    fn known_event_types_round_trip_by_name() {
        for known in EventType::KNOWN {
            assert_eq!(EventType::from(known.as_str()), known);
        }
    }
}
