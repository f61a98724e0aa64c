//! The claim rules both adapters apply (Powertools idempotency semantics).

use serde_json::Value;

use super::{Claim, ClaimPeek, LedgerError, RecordId, from_millis};

/// Where a claim stands. Stored as Powertools' status strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClaimStatus {
    /// A worker holds a lease.
    InProgress,
    /// The work is done; the result is kept.
    Completed,
}

impl ClaimStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "INPROGRESS",
            Self::Completed => "COMPLETED",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "INPROGRESS" => Some(Self::InProgress),
            "COMPLETED" => Some(Self::Completed),
            _ => None,
        }
    }
}

/// A stored claim. An in-progress claim expires when its lease ends; a completed one when
/// its retention ends (or never).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClaimState {
    pub(crate) status: ClaimStatus,
    pub(crate) token: String,
    pub(crate) payload_hash: Option<String>,
    pub(crate) result: Option<Value>,
    pub(crate) expires_at_ms: Option<i64>,
}

/// What a `claim` call finds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ClaimDecision {
    /// Nothing live is there: write a new in-progress claim.
    Take,
    /// Done before, with this result.
    Completed(Value),
    /// A live lease until this instant (ms).
    Held(i64),
    /// Done before for another payload.
    Mismatch,
}

impl ClaimDecision {
    /// What `claim` finds when `existing` is stored, at `now_ms`, for a call with `payload_hash`.
    pub(crate) fn about(
        existing: Option<&ClaimState>,
        now_ms: i64,
        payload_hash: Option<&str>,
    ) -> Self {
        let Some(existing) =
            existing.filter(|state| state.expires_at_ms.is_none_or(|at| at > now_ms))
        else {
            return Self::Take;
        };
        match existing.status {
            ClaimStatus::InProgress => Self::Held(existing.expires_at_ms.unwrap_or(i64::MAX)),
            ClaimStatus::Completed => match (payload_hash, existing.payload_hash.as_deref()) {
                (Some(asked), Some(stored)) if asked != stored => Self::Mismatch,
                _ => Self::Completed(existing.result.clone().unwrap_or(Value::Null)),
            },
        }
    }

    /// What a [`crate::Ledger::peek_claim`] answers for this decision.
    pub(crate) fn into_peek(self, id: &RecordId) -> Result<ClaimPeek, LedgerError> {
        match self {
            Self::Take => Ok(ClaimPeek::Free),
            Self::Completed(result) => Ok(ClaimPeek::Completed { result }),
            Self::Held(until_ms) => Ok(ClaimPeek::Held {
                until: from_millis(until_ms),
            }),
            Self::Mismatch => Err(LedgerError::PayloadMismatch { id: id.clone() }),
        }
    }

    /// The answer for a decision other than [`ClaimDecision::Take`] (which the adapter acts on).
    pub(crate) fn into_answer(self, id: &RecordId) -> Result<Claim, LedgerError> {
        match self {
            Self::Completed(result) => Ok(Claim::AlreadyCompleted { result }),
            Self::Held(until_ms) => Err(LedgerError::ClaimHeld {
                id: id.clone(),
                until: from_millis(until_ms),
            }),
            Self::Mismatch => Err(LedgerError::PayloadMismatch { id: id.clone() }),
            Self::Take => Err(LedgerError::Backend {
                operation: "claim",
                transient: true,
                source: "the claim changed while it was being taken; try again".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        status: ClaimStatus,
        expires_at_ms: Option<i64>,
        payload_hash: Option<&str>,
    ) -> ClaimState {
        ClaimState {
            status,
            token: "t".to_owned(),
            payload_hash: payload_hash.map(str::to_owned),
            result: Some(Value::from(7)),
            expires_at_ms,
        }
    }

    #[test]
    fn a_lease_that_ended_is_taken_and_a_live_one_is_held() {
        let held = state(ClaimStatus::InProgress, Some(1_000), None);
        assert_eq!(
            ClaimDecision::about(Some(&held), 999, None),
            ClaimDecision::Held(1_000)
        );
        assert_eq!(
            ClaimDecision::about(Some(&held), 1_000, None),
            ClaimDecision::Take
        );
        assert_eq!(ClaimDecision::about(None, 0, None), ClaimDecision::Take);
    }

    #[test]
    fn a_completed_claim_answers_with_its_result_unless_the_payload_differs() {
        let done = state(ClaimStatus::Completed, None, Some("h1"));
        assert_eq!(
            ClaimDecision::about(Some(&done), 5, Some("h1")),
            ClaimDecision::Completed(Value::from(7))
        );
        assert_eq!(
            ClaimDecision::about(Some(&done), 5, None),
            ClaimDecision::Completed(Value::from(7))
        );
        assert_eq!(
            ClaimDecision::about(Some(&done), 5, Some("h2")),
            ClaimDecision::Mismatch
        );
    }
}
