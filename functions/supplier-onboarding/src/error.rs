//! supplier-onboarding's errors, classified once for HTTP and Lambda.

use gridlink_core::error::{Classify, ErrorKind};

/// Why a supplier-onboarding step failed.
#[derive(Debug, thiserror::Error)]
pub enum OnboardingError {
    /// Extended ECM failed.
    #[error("xECM: {0}")]
    Xecm(#[from] gridlink_xecm::XecmError),
    /// Trading Grid failed.
    #[error("Trading Grid: {0}")]
    Tg(#[from] gridlink_tgrid::TgError),
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] gridlink_store::LedgerError),
    /// A poll step failed.
    #[error(transparent)]
    Outbound(#[from] gridlink_outbound::OutboundError),
    /// The TG event-feed poll (the safety net for answers no webhook delivered) failed.
    #[error(transparent)]
    Feed(#[from] gridlink_flow::feed::FeedError),
    /// An exactly-once step did not complete.
    #[error("{0}")]
    Effect(String, ErrorKind),
    /// A stored or received record does not read.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// The record or event.
        what: String,
        /// Why.
        reason: String,
    },
    /// The renewals sweep went through every supplier, but some failed (each logged with its
    /// workspace and partner, and on its timeline).
    #[error("the renewals sweep failed for {} supplier(s) ({done} step(s) taken for the others): {}", failed.len(), failed.iter().map(|f| format!("workspace {}: {}", f.workspace_id, f.error)).collect::<Vec<_>>().join("; "))]
    SweepFailed {
        /// Steps the sweep took for the other suppliers.
        done: usize,
        /// The suppliers that failed.
        failed: Vec<crate::renewals::SweepFailure>,
    },
    /// The requirement matrix in xECM does not read (fix the document; nothing is requested
    /// until it does).
    #[error("the requirement matrix {path} is invalid: {reason}")]
    Matrix {
        /// Where it is.
        path: String,
        /// Why.
        reason: String,
    },
}

impl OnboardingError {
    pub(crate) fn from_effect(error: gridlink_flow::EffectError<OnboardingError>) -> Self {
        error
            .into_effect()
            .unwrap_or_else(|(text, kind)| Self::Effect(text, kind))
    }

    pub(crate) fn from_xecm_effect(
        error: gridlink_flow::EffectError<gridlink_xecm::XecmError>,
    ) -> Self {
        error
            .into_effect()
            .map_or_else(|(text, kind)| Self::Effect(text, kind), Self::Xecm)
    }

    pub(crate) fn malformed(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

impl Classify for OnboardingError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Xecm(e) => e.kind(),
            Self::Tg(e) => e.kind(),
            Self::Ledger(e) => e.kind(),
            Self::Outbound(e) => e.kind(),
            Self::Feed(e) => e.kind(),
            Self::Effect(_, kind) => *kind,
            // what failed was permanent (an outage stops the sweep at once): as its first
            Self::SweepFailed { failed, .. } => {
                failed.first().map_or(ErrorKind::Unprocessable, |f| f.kind)
            }
            Self::Malformed { .. } | Self::Matrix { .. } => ErrorKind::Unprocessable,
        }
    }
}
