//! Trading partners: the community the tenant trades with.

use serde::{Deserialize, Serialize};

use super::Extra;
use crate::ids::{PartnerId, PartyId};

/// A trading partner as `GET /v1/partners/{partner_id}` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partner {
    /// The partner's id.
    pub partner_id: PartnerId,
    /// Display name (`ACME Supply`).
    pub name: String,
    /// Where the partner is in its life cycle.
    pub status: PartnerStatus,
    /// The partner's EDI addresses.
    #[serde(default)]
    pub edi_addresses: Vec<PartyId>,
    /// Whether the partner is on Trading Grid (`GXS`) or another VAN (`Interconnect`).
    pub van: Van,
    /// People to contact.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A partner's life-cycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Trading.
    Active,
    /// Being onboarded.
    Onboarding,
    /// Not allowed to trade.
    Suspended,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// The network a partner is reached through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Van {
    /// On OpenText Trading Grid.
    #[serde(rename = "GXS")]
    Gxs,
    /// On another VAN, reached through an interconnect.
    Interconnect,
    /// A value this client does not know.
    #[serde(other)]
    Unknown,
}

/// A person at a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Role (`edi`, `sales`, `quality`, …).
    #[serde(default)]
    pub role: String,
}

/// Filters for `GET /v1/partners`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerFilter {
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    /// One of the partner's EDI addresses.
    pub edi_address: Option<PartyId>,
}
