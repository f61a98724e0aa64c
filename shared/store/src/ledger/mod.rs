//! The ledger port: the link state between xECM, Trading Grid and business keys.
//!
//! A [`LedgerRecord`] lives under a [`RecordId`] `(kind, key)`. Use cases decide what kinds,
//! keys, statuses and data mean; the ledger guarantees:
//! - **create-if-absent**: of any number of concurrent [`Ledger::create`] calls for one id,
//!   exactly one wins; the others get [`LedgerError::AlreadyExists`] with the winner's record.
//! - **compare-and-set**: [`Ledger::update`] and [`Ledger::delete`] name the version they are
//!   based on and fail with [`LedgerError::VersionConflict`] if it moved on.
//! - **two secondary indexes**: a record may carry an [`IndexEntry`] (partition, sort) for
//!   each of [`IndexName::One`] and [`IndexName::Two`]; [`Ledger::query`] reads one partition
//!   in sort order, optionally within a [`SortRange`] (`After` the last sort value read is
//!   the next page). Sort values compare as strings, so times go in as RFC 3339 UTC with a
//!   fixed number of digits.
//! - **expiry**: a record whose `expires_at` has passed reads as absent everywhere, even before
//!   the backend deletes it.
//! - **claims** for idempotent side effects, modelled on AWS Powertools idempotency records:
//!   [`Ledger::claim`] takes a lease, [`Ledger::complete_claim`] stores the result for later
//!   callers, [`Ledger::release_claim`] lets a retry run; an expired lease is taken over.
//!   Claims live beside records (a claim and a record may share an id) and never show up
//!   in `get` or `query`.
//! - **transactions**: [`Ledger::transact`] applies several writes all-or-nothing.
//!
//! Times come from the injected [`gridlink_core::clock::SharedClock`] and are kept to the
//! millisecond.

// Without an adapter (`--no-default-features`) the shared claim and record helpers go unused.
#![cfg_attr(
    not(any(feature = "aws", feature = "sqlite")),
    allow(dead_code, unused_imports)
)]

mod claim;
#[cfg(feature = "aws")]
pub mod dynamo;
mod error;
mod record;
mod sequence;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use std::collections::HashSet;
use std::fmt::Debug;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

pub(crate) use claim::{ClaimDecision, ClaimState, ClaimStatus};
pub use error::LedgerError;
pub use record::{
    IndexEntry, IndexName, LedgerRecord, LedgerWrite, NewRecord, Query, RecordChange, RecordId,
    SortRange,
};
pub(crate) use record::{from_millis, to_millis};
pub use sequence::Sequence;

/// What [`Ledger::claim`] would find, read without writing ([`Ledger::peek_claim`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimPeek {
    /// Nothing live is there: a claim would be acquired.
    Free,
    /// The work was done; here is its result.
    Completed {
        /// What `complete_claim` stored.
        result: Value,
    },
    /// A worker holds the claim until `until`.
    Held {
        /// When its lease ends.
        until: OffsetDateTime,
    },
}

/// An opaque proof of holding a claim, handed out by [`Ledger::claim`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken(pub(crate) String);

impl ClaimToken {
    pub(crate) fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The token as text (to carry it across processes).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A token received as text.
    pub fn from_string(token: String) -> Self {
        Self(token)
    }
}

/// The outcome of [`Ledger::claim`] when the caller may go on.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The caller now holds the claim until `lease_until` and should do the work, then call
    /// [`Ledger::complete_claim`] (or [`Ledger::release_claim`] if it failed).
    Acquired {
        /// Proof of holding the claim.
        token: ClaimToken,
        /// When the lease ends and another worker may take the claim over.
        lease_until: OffsetDateTime,
    },
    /// The work was already done; here is its result.
    AlreadyCompleted {
        /// What `complete_claim` stored.
        result: Value,
    },
}

/// The link state. DynamoDB in the cloud, SQLite locally.
///
/// Every adapter passes the same conformance suite (`conformance::ledger`).
#[async_trait::async_trait]
pub trait Ledger: Send + Sync + Debug {
    /// Creates the record if no live record has its id (version 1).
    async fn create(&self, record: NewRecord) -> Result<LedgerRecord, LedgerError>;

    /// The live record with this id, if any.
    async fn get(&self, id: &RecordId) -> Result<Option<LedgerRecord>, LedgerError>;

    /// Replaces status, data, index entries and expiry if the record is still at
    /// `change.expected_version`; the version goes up by one.
    async fn update(&self, change: RecordChange) -> Result<LedgerRecord, LedgerError>;

    /// Deletes the record if it is still at `expected_version`.
    async fn delete(&self, id: &RecordId, expected_version: u64) -> Result<(), LedgerError>;

    /// Live records of one index partition in ascending sort order (ties in any order).
    /// On DynamoDB index reads are eventually consistent.
    async fn query(&self, query: Query) -> Result<Vec<LedgerRecord>, LedgerError>;

    /// Applies all writes or none (at most 100, each id at most once). On failure
    /// [`LedgerError::TransactionCancelled`] names the first write whose condition failed.
    /// Created records are at version 1, updated ones at their expected version plus one.
    async fn transact(&self, writes: Vec<LedgerWrite>) -> Result<(), LedgerError>;

    /// Claims `id` for a side effect, for `lease`.
    ///
    /// - no claim, an expired lease, or an expired completed claim: [`Claim::Acquired`];
    /// - completed and live: [`Claim::AlreadyCompleted`], unless both this call and the
    ///   completed one gave a `payload_hash` and they differ: [`LedgerError::PayloadMismatch`];
    /// - in progress under a live lease: [`LedgerError::ClaimHeld`].
    async fn claim(
        &self,
        id: &RecordId,
        lease: Duration,
        payload_hash: Option<&str>,
    ) -> Result<Claim, LedgerError>;

    /// Marks the claim done with `result`, kept for `retain_for` (for ever if `None`).
    /// [`LedgerError::ClaimLost`] if `token` no longer holds the claim.
    async fn complete_claim(
        &self,
        id: &RecordId,
        token: &ClaimToken,
        result: Value,
        retain_for: Option<Duration>,
    ) -> Result<(), LedgerError>;

    /// What [`Ledger::claim`] would find for `id` now, read without writing anything (a dry
    /// run asks so): [`ClaimPeek::Free`] where `claim` would acquire, the stored result where
    /// it would answer [`Claim::AlreadyCompleted`], the lease where it would be held, and
    /// [`LedgerError::PayloadMismatch`] where it would answer that.
    async fn peek_claim(
        &self,
        id: &RecordId,
        payload_hash: Option<&str>,
    ) -> Result<ClaimPeek, LedgerError>;

    /// Gives the claim up (the work failed) so that a retry can claim it at once.
    /// [`LedgerError::ClaimLost`] if `token` no longer holds the claim.
    async fn release_claim(&self, id: &RecordId, token: &ClaimToken) -> Result<(), LedgerError>;
}

/// Milliseconds of a duration, saturating.
pub(crate) fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The limits every adapter enforces on a transaction (DynamoDB's).
pub(crate) fn check_transaction(writes: &[LedgerWrite]) -> Result<(), LedgerError> {
    if writes.len() > 100 {
        return Err(LedgerError::invalid(
            "writes",
            format!(
                "{} writes, at most 100 fit in one transaction",
                writes.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for write in writes {
        if !seen.insert(write.id()) {
            return Err(LedgerError::invalid(
                "writes",
                format!("record {} is written twice", write.id()),
            ));
        }
    }
    Ok(())
}
