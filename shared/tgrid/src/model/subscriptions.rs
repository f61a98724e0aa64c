//! Webhook subscriptions.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;

use super::{CampaignKind, Extra, ThreadKind};
use crate::events::EventType;
use crate::ids::SubscriptionId;

/// The body of `POST /v1/subscriptions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSubscription {
    /// Where events are POSTed.
    pub url: String,
    /// Which events (at least one).
    pub event_types: Vec<EventType>,
    /// Narrower filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<SubscriptionFilter>,
    /// The HMAC key deliveries are signed with.
    #[serde(serialize_with = "expose")]
    pub secret: SecretString,
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// Narrows which events of the chosen types are delivered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionFilter {
    /// `message.posted` only for these thread kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_kinds: Option<Vec<ThreadKind>>,
    /// `document.*` only for these document types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_types: Option<Vec<String>>,
    /// `campaign.*` only for these campaign kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_kinds: Option<Vec<CampaignKind>>,
}

/// A subscription (its secret is never returned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscription's id.
    pub subscription_id: SubscriptionId,
    /// Where events are POSTed.
    pub url: String,
    /// Which events.
    pub event_types: Vec<EventType>,
    /// Narrower filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<SubscriptionFilter>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
