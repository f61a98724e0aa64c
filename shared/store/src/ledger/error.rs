//! What can go wrong with the ledger.

use time::OffsetDateTime;

use super::{LedgerRecord, RecordId};
use crate::blob::BackendError;

/// Why a ledger operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A field of a record or request is not acceptable.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field (`"kind"`, `"key"`, `"index1.partition"`, ...).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `create` found a live record under the same id; it is returned.
    #[error("record {} already exists", .existing.id)]
    AlreadyExists {
        /// The record that is there.
        existing: Box<LedgerRecord>,
    },
    /// No live record has this id.
    #[error("no record {id}")]
    NotFound {
        /// The id asked for.
        id: RecordId,
    },
    /// The record's version is not the one the change was based on.
    #[error("record {id} is at version {found}, the change expected {expected}")]
    VersionConflict {
        /// The record.
        id: RecordId,
        /// The version the change was based on.
        expected: u64,
        /// The version stored.
        found: u64,
    },
    /// Another worker holds a live lease on this claim.
    #[error("claim {id} is held by another worker until {until}")]
    ClaimHeld {
        /// The claim.
        id: RecordId,
        /// When that lease ends.
        until: OffsetDateTime,
    },
    /// The claim was completed for a different payload (same idempotency key, other request).
    #[error("claim {id} was completed for a different payload")]
    PayloadMismatch {
        /// The claim.
        id: RecordId,
    },
    /// The token no longer owns the claim: its lease expired and another worker took it
    /// over, or it was already completed or released.
    #[error("claim {id} is no longer held by this token")]
    ClaimLost {
        /// The claim.
        id: RecordId,
    },
    /// A transaction was cancelled because write number `index` (0-based) failed its
    /// condition; nothing was changed.
    #[error("transaction cancelled: write {index} failed: {cause}")]
    TransactionCancelled {
        /// Position of the failing write in the list given to `transact`.
        index: usize,
        /// Why it failed: `AlreadyExists`, `NotFound` or `VersionConflict`.
        cause: Box<LedgerError>,
    },
    /// The backend failed. `transient` says whether trying again may help.
    #[error("ledger backend failed during {operation} ({}): {source}", if *.transient { "transient" } else { "permanent" })]
    Backend {
        /// What was being done (`"create"`, `"query"`, ...).
        operation: &'static str,
        /// Whether a retry may succeed (timeouts, throttling, lock contention, 5xx).
        transient: bool,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A write refused inside a dry run (`gridlink_core::dry_run`): nothing was written.
    #[error("{0}")]
    DryRun(gridlink_core::dry_run::Refusal),
}

impl LedgerError {
    /// Whether trying the same operation again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Backend {
                transient: true,
                ..
            }
        )
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl gridlink_core::error::Classify for LedgerError {
    fn kind(&self) -> gridlink_core::error::ErrorKind {
        use gridlink_core::error::ErrorKind;
        match self {
            Self::Invalid { .. } => ErrorKind::BadRequest,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::AlreadyExists { .. }
            | Self::VersionConflict { .. }
            | Self::ClaimHeld { .. }
            | Self::ClaimLost { .. }
            | Self::PayloadMismatch { .. }
            | Self::TransactionCancelled { .. } => ErrorKind::Conflict,
            Self::Backend { transient, .. } => {
                if *transient {
                    ErrorKind::Unavailable
                } else {
                    ErrorKind::Internal
                }
            }
            Self::DryRun(_) => ErrorKind::Forbidden,
        }
    }
}

impl gridlink_core::retry::Retryable for LedgerError {
    /// Transient backend failures are retried, and so is a claim held by another worker
    /// (it may finish or its lease run out). A lost compare-and-set is fatal for the same
    /// request: the caller has to read again and decide anew.
    fn retry_decision(&self) -> gridlink_core::retry::RetryDecision {
        use gridlink_core::retry::RetryDecision;
        match self {
            Self::Backend {
                transient: true, ..
            }
            | Self::ClaimHeld { .. } => RetryDecision::Retry,
            _ => RetryDecision::Fatal,
        }
    }
}

#[cfg(test)]
mod tests {
    use gridlink_core::error::{Classify, ErrorKind};
    use gridlink_core::retry::{RetryDecision, Retryable};

    use super::*;

    #[test]
    fn conflicts_are_fatal_and_held_claims_and_outages_are_retried() {
        let id = RecordId::new("po", "1").expect("id");
        let conflict = LedgerError::VersionConflict {
            id: id.clone(),
            expected: 1,
            found: 2,
        };
        assert_eq!(
            (conflict.kind(), conflict.retry_decision()),
            (ErrorKind::Conflict, RetryDecision::Fatal)
        );
        let held = LedgerError::ClaimHeld {
            id,
            until: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(
            (held.kind(), held.retry_decision()),
            (ErrorKind::Conflict, RetryDecision::Retry)
        );
        let outage = LedgerError::Backend {
            operation: "get",
            transient: true,
            source: "busy".into(),
        };
        assert_eq!(
            (outage.kind(), outage.retry_decision()),
            (ErrorKind::Unavailable, RetryDecision::Retry)
        );
    }
}
