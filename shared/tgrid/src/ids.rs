//! Identifiers: opaque resource ids, party ids and idempotency keys.
//!
//! # Format
//! Resource ids are opaque strings with a type prefix (`doc_…`, `spc_…`, `thr_…`, `msg_…`,
//! `att_…`, `shr_…`, `req_…`, `cmp_…`, `sub_…`, `prt_…`, `evt_…`). Party ids are
//! `{"qualifier":"ZZ","id":"BUYERCO"}` on the wire and `ZZ:BUYERCO` in paths and logs.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Declares an opaque, prefixed id newtype.
macro_rules! resource_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The type prefix ids of this kind carry on the wire.
            pub const PREFIX: &'static str = $prefix;

            /// Wraps an id received from Trading Grid (or built by a simulator). Any
            /// non-empty string is accepted: ids are opaque.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The id as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

resource_id!(/// A business document (`doc_…`).
    DocumentId, "doc_");
resource_id!(/// An Active Community space (`spc_…`).
    SpaceId, "spc_");
resource_id!(/// A thread inside a space (`thr_…`).
    ThreadId, "thr_");
resource_id!(/// A message in a thread (`msg_…`).
    MessageId, "msg_");
resource_id!(/// A stored attachment (`att_…`).
    AttachmentId, "att_");
resource_id!(/// A share sent for review or acknowledgment (`shr_…`).
    ShareId, "shr_");
resource_id!(/// A document request (`req_…`).
    RequestId, "req_");
resource_id!(/// One item of a document request (`itm_…`).
    RequestItemId, "itm_");
resource_id!(/// A campaign (`cmp_…`).
    CampaignId, "cmp_");
resource_id!(/// A webhook subscription (`sub_…`).
    SubscriptionId, "sub_");
resource_id!(/// A trading partner in the community (`prt_…`).
    PartnerId, "prt_");
resource_id!(/// An event (`evt_…`).
    EventId, "evt_");
resource_id!(/// A Trading Grid mailbox (`mbx_…` or a mailbox number).
    MailboxId, "mbx_");
resource_id!(/// The Trading Grid tenant.
    TenantId, "");

/// An EDI address: interchange qualifier plus id, e.g. `ZZ:BUYERCO`.
///
/// # Format
/// Wire: `{"qualifier":"ZZ","id":"BUYERCO"}`. Text: `ZZ:BUYERCO` (the first `:` separates).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartyId {
    /// ISA05/ISA07 or UNB 0007 qualifier (`ZZ`, `01`, `14`, …).
    pub qualifier: String,
    /// The id within that qualifier (ISA06/ISA08 without padding).
    pub id: String,
}

/// Why a text could not be read as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A party id needs `QUALIFIER:ID`, both parts non-empty.
    #[error("party id {0:?} is not QUALIFIER:ID (e.g. ZZ:BUYERCO)")]
    BadPartyId(String),
    /// An idempotency key must be 1–255 visible ASCII characters.
    #[error("idempotency key must be 1-255 visible ASCII characters, got {len} characters")]
    BadIdempotencyKey {
        /// The length of the rejected key.
        len: usize,
    },
}

impl PartyId {
    /// A party id from its parts.
    pub fn new(qualifier: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            qualifier: qualifier.into(),
            id: id.into(),
        }
    }

    /// Reads `ZZ:BUYERCO`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        match text.split_once(':') {
            Some((qualifier, id)) if !qualifier.trim().is_empty() && !id.trim().is_empty() => {
                Ok(Self::new(qualifier.trim(), id.trim()))
            }
            _ => Err(IdError::BadPartyId(text.to_owned())),
        }
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.qualifier, self.id)
    }
}

impl FromStr for PartyId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The `Idempotency-Key` sent with every create.
///
/// The caller derives it from its own ledger key (e.g. `space:xecm:12345`), so a retried
/// or replayed side effect presents the same key and Trading Grid returns the original
/// resource instead of creating a second one.
///
/// # Format
/// 1–255 visible ASCII characters (`!`..=`~`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key Trading Grid keeps.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps a key.
    pub fn parse(key: impl Into<String>) -> Result<Self, IdError> {
        let key = key.into();
        let visible = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > Self::MAX_LEN || !visible {
            return Err(IdError::BadIdempotencyKey {
                len: key.chars().count(),
            });
        }
        Ok(Self(key))
    }

    /// Builds a key from a ledger key and a purpose, e.g. `("space", "xecm:12345")` →
    /// `space:xecm:12345`. Characters outside visible ASCII are percent-encoded and keys
    /// longer than 255 characters are shortened to a prefix plus a SHA-256 digest, so any
    /// ledger key yields a valid, stable key.
    pub fn derive(purpose: &str, ledger_key: &str) -> Self {
        use sha2::{Digest, Sha256};
        let mut key = String::with_capacity(purpose.len() + ledger_key.len() + 1);
        for c in purpose
            .chars()
            .chain(std::iter::once(':'))
            .chain(ledger_key.chars())
        {
            if c.is_ascii_graphic() && c != '%' {
                key.push(c);
            } else {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(key, "%{b:02X}");
                }
            }
        }
        if key.len() > Self::MAX_LEN {
            let digest = hex::encode(Sha256::digest(key.as_bytes()));
            key.truncate(Self::MAX_LEN - digest.len() - 1);
            key.push('~');
            key.push_str(&digest);
        }
        Self(key)
    }

    /// The key as sent in the header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_id_reads_and_writes_qualifier_colon_id() {
        let party = PartyId::parse("ZZ:BUYERCO").expect("valid");
        assert_eq!(party, PartyId::new("ZZ", "BUYERCO"));
        assert_eq!(party.to_string(), "ZZ:BUYERCO");
        assert_eq!(
            PartyId::parse("ZZBUYERCO"),
            Err(IdError::BadPartyId("ZZBUYERCO".into()))
        );
        assert!(PartyId::parse(":X").is_err());
    }

    #[test]
    fn idempotency_key_rejects_empty_long_and_invisible_keys() {
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("a b").is_err());
        assert!(IdempotencyKey::parse("x".repeat(256)).is_err());
        assert!(IdempotencyKey::parse("x".repeat(255)).is_ok());
    }

    #[test]
    fn derived_keys_are_stable_valid_and_distinct() {
        let a = IdempotencyKey::derive("space", "xecm:12345");
        assert_eq!(a.as_str(), "space:xecm:12345");
        assert_eq!(a, IdempotencyKey::derive("space", "xecm:12345"));
        assert_ne!(a, IdempotencyKey::derive("share", "xecm:12345"));
        let long = IdempotencyKey::derive("message", &"é ".repeat(300));
        assert!(IdempotencyKey::parse(long.as_str()).is_ok());
        assert_ne!(long, IdempotencyKey::derive("message", &"é ".repeat(301)));
    }
}
