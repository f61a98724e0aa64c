//! The seed: who the tenant is, its mailboxes, its partners and partnerships.
//!
//! # Format
//! JSON (`.json`) or TOML (`.toml`), same shape. See `seeds/demo.json`.
//! ```json
//! {
//!   "tenant": {
//!     "tenant_id": "buyerco", "name": "BuyerCo",
//!     "client_id": "gridlink-local", "client_secret": "local-test-secret",
//!     "mailboxes": [{"mailbox_id": "mbx_buyerco", "edi_addresses": ["ZZ:BUYERCO"]}]
//!   },
//!   "partners": [{
//!     "partner_id": "prt_acme", "name": "ACME Supply", "status": "active", "van": "GXS",
//!     "edi_addresses": ["ZZ:ACMESUPPLY"],
//!     "contacts": [{"name": "Ana Diaz", "email": "ana@acme.example", "role": "edi"}],
//!     "partnerships": [{"my_address": "ZZ:BUYERCO", "partner_address": "ZZ:ACMESUPPLY",
//!                       "send": ["850", "997"], "receive": ["855", "856", "810", "997"],
//!                       "status": "active"}]
//!   }],
//!   "subscriptions": [{"url": "http://127.0.0.1:9000/hooks/tg", "event_types": ["message.posted"],
//!                      "secret": "whsec-local"}]
//! }
//! ```
//! `send` lists document types the tenant may send to the partner, `receive` those it may
//! receive; `"*"` allows any type. A partnership whose `status` is not `active` refuses
//! documents (422), like Trading Grid's *Pending Partner Approval*.

use std::path::Path;

use gridlink_tgrid::model::{Contact, PartnerStatus, SubscriptionFilter, Van};
use gridlink_tgrid::{EventType, MailboxId, PartnerId, PartyId, TenantId};
use serde::{Deserialize, Serialize};

/// A whole seed file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    /// The tenant gridlink acts for.
    pub tenant: TenantSeed,
    /// The trading community.
    #[serde(default)]
    pub partners: Vec<PartnerSeed>,
    /// Webhook subscriptions present from the start.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSeed>,
}

/// The tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantSeed {
    /// `{tenant_id}` in the token path and in events.
    pub tenant_id: TenantId,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// OAuth2 client id (test value).
    pub client_id: String,
    /// OAuth2 client secret (test value only; real secrets never live in a seed).
    pub client_secret: String,
    /// The tenant's mailboxes and their EDI addresses.
    pub mailboxes: Vec<MailboxSeed>,
}

/// One tenant mailbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MailboxSeed {
    /// The mailbox id used in `/v1/mailboxes/{mailbox_id}/inbox`.
    pub mailbox_id: MailboxId,
    /// EDI addresses routed to it (`ZZ:BUYERCO`).
    pub edi_addresses: Vec<String>,
}

/// One partner.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnerSeed {
    /// Its id.
    pub partner_id: PartnerId,
    /// Display name.
    pub name: String,
    /// Life-cycle status (default `active`).
    #[serde(default = "active")]
    pub status: PartnerStatus,
    /// Network (default `GXS`).
    #[serde(default = "gxs")]
    pub van: Van,
    /// EDI addresses (`ZZ:ACMESUPPLY`).
    pub edi_addresses: Vec<String>,
    /// Contacts.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Partnerships with the tenant.
    #[serde(default)]
    pub partnerships: Vec<PartnershipSeed>,
}

impl PartnerSeed {
    /// Every inconsistency of this partner: unparseable addresses, partnerships naming a
    /// `my_address` that is not one of `tenant_addresses` or a `partner_address` that is not
    /// its own.
    pub fn problems(&self, tenant_addresses: &[PartyId]) -> Vec<String> {
        let mut problems = Vec::new();
        let mut own = Vec::new();
        for address in &self.edi_addresses {
            match PartyId::parse(address) {
                Ok(party) => own.push(party),
                Err(e) => problems.push(format!("partner {}: {e}", self.partner_id)),
            }
        }
        for ship in &self.partnerships {
            match PartyId::parse(&ship.my_address) {
                Ok(party) if !tenant_addresses.contains(&party) => problems.push(format!(
                    "partner {}: partnership my_address {party} is not a tenant mailbox address",
                    self.partner_id
                )),
                Ok(_) => {}
                Err(e) => problems.push(format!("partner {}: {e}", self.partner_id)),
            }
            match PartyId::parse(&ship.partner_address) {
                Ok(party) if !own.contains(&party) => problems.push(format!(
                    "partner {}: partnership partner_address {party} is not one of its addresses",
                    self.partner_id
                )),
                Ok(_) => {}
                Err(e) => problems.push(format!("partner {}: {e}", self.partner_id)),
            }
        }
        problems
    }

    /// The simulator's record of this partner (call [`Self::problems`] first: unparseable
    /// addresses are left out).
    pub(crate) fn record(&self) -> crate::state::PartnerRecord {
        let partner = gridlink_tgrid::model::Partner {
            partner_id: self.partner_id.clone(),
            name: self.name.clone(),
            status: self.status,
            edi_addresses: self
                .edi_addresses
                .iter()
                .filter_map(|a| PartyId::parse(a).ok())
                .collect(),
            van: self.van,
            contacts: self.contacts.clone(),
            extra: serde_json::Map::new(),
        };
        let partnerships = self
            .partnerships
            .iter()
            .filter_map(|s| {
                Some(crate::state::Partnership {
                    my_address: PartyId::parse(&s.my_address).ok()?,
                    partner_address: PartyId::parse(&s.partner_address).ok()?,
                    send: s.send.clone(),
                    receive: s.receive.clone(),
                    status: s.status.clone(),
                })
            })
            .collect();
        crate::state::PartnerRecord {
            partner,
            partnerships,
        }
    }
}

impl TenantSeed {
    /// The tenant's EDI addresses (every mailbox's), those that parse.
    pub fn addresses(&self) -> Vec<PartyId> {
        self.mailboxes
            .iter()
            .flat_map(|m| &m.edi_addresses)
            .filter_map(|a| PartyId::parse(a).ok())
            .collect()
    }
}

fn active() -> PartnerStatus {
    PartnerStatus::Active
}

fn gxs() -> Van {
    Van::Gxs
}

/// A trading partnership between one tenant address and one partner address.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartnershipSeed {
    /// The tenant's address.
    pub my_address: String,
    /// The partner's address.
    pub partner_address: String,
    /// Document types the tenant sends (`"*"` = any).
    #[serde(default)]
    pub send: Vec<String>,
    /// Document types the tenant receives (`"*"` = any).
    #[serde(default)]
    pub receive: Vec<String>,
    /// `active`, `pending_partner_approval` or `terminated`.
    #[serde(default = "active_text")]
    pub status: String,
}

fn active_text() -> String {
    "active".into()
}

/// A subscription present from the start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionSeed {
    /// Where events go.
    pub url: String,
    /// Which events.
    pub event_types: Vec<EventType>,
    /// Filters.
    #[serde(default)]
    pub filter: Option<SubscriptionFilter>,
    /// The signing secret (test value).
    pub secret: String,
}

/// Why a seed could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file could not be read.
    #[error("cannot read seed {path}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON/TOML of the seed shape.
    #[error("seed {path} is malformed: {reason}")]
    Malformed {
        /// The file.
        path: String,
        /// What the parser said.
        reason: String,
    },
    /// The seed parsed but is inconsistent; every problem is listed.
    #[error("seed is inconsistent:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

impl Seed {
    /// Reads a seed file (TOML if it ends in `.toml`, JSON otherwise) and checks it.
    pub fn load(path: &Path) -> Result<Self, SeedError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: shown.clone(),
            source,
        })?;
        let seed: Seed = if path.extension().is_some_and(|ext| ext == "toml") {
            toml::from_str(&text).map_err(|e| SeedError::Malformed {
                path: shown.clone(),
                reason: e.to_string(),
            })?
        } else {
            serde_json::from_str(&text).map_err(|e| SeedError::Malformed {
                path: shown.clone(),
                reason: e.to_string(),
            })?
        };
        seed.check()?;
        Ok(seed)
    }

    /// The demo seed shipped with the simulator (`seeds/demo.json`).
    pub fn demo() -> Self {
        serde_json::from_str(include_str!("../seeds/demo.json"))
            .expect("the shipped demo seed is valid JSON")
    }

    /// Lists every inconsistency (unparseable addresses, partnerships naming addresses that
    /// belong to nobody, duplicate ids).
    pub fn check(&self) -> Result<(), SeedError> {
        let mut problems = Vec::new();
        let mut tenant_addresses = Vec::new();
        if self.tenant.mailboxes.is_empty() {
            problems.push("tenant has no mailbox".to_owned());
        }
        for mailbox in &self.tenant.mailboxes {
            for address in &mailbox.edi_addresses {
                match PartyId::parse(address) {
                    Ok(party) => tenant_addresses.push(party),
                    Err(e) => problems.push(format!("mailbox {}: {e}", mailbox.mailbox_id)),
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for partner in &self.partners {
            if !seen.insert(partner.partner_id.clone()) {
                problems.push(format!("partner id {} appears twice", partner.partner_id));
            }
            problems.extend(partner.problems(&tenant_addresses));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SeedError::Invalid(problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seed_is_consistent() {
        Seed::demo().check().expect("demo seed is consistent");
    }

    #[test]
    fn inconsistent_seeds_list_every_problem() {
        let mut seed = Seed::demo();
        seed.partners[0].edi_addresses.push("NOCOLON".into());
        seed.partners[0].partnerships[0].my_address = "ZZ:NOBODY".into();
        let Err(SeedError::Invalid(problems)) = seed.check() else {
            panic!("must be invalid")
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
