//! recall-campaign's errors, classified once for HTTP and Lambda.

use gridlink_core::error::{Classify, ErrorKind};

/// Why a recall-campaign step failed.
#[derive(Debug, thiserror::Error)]
pub enum RecallError {
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
    /// The operator asked for a recall gridlink does not know.
    #[error("no recall {0} has been issued")]
    UnknownRecall(String),
    /// A run over many recalls failed for these (recall id, error); the others were done.
    #[error("failed for {} recall(s): {}", .0.len(), failures(.0))]
    Recalls(Vec<(String, RecallError)>),
}

fn failures(failed: &[(String, RecallError)]) -> String {
    failed
        .iter()
        .map(|(recall_id, error)| format!("recall {recall_id}: {error}"))
        .collect::<Vec<_>>()
        .join("; ")
}

impl RecallError {
    pub(crate) fn from_effect(error: gridlink_flow::EffectError<RecallError>) -> Self {
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

    pub(crate) fn malformed(what: impl Into<String>, reason: &impl ToString) -> Self {
        Self::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

impl Classify for RecallError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Xecm(e) => e.kind(),
            Self::Tg(e) => e.kind(),
            Self::Ledger(e) => e.kind(),
            Self::Outbound(e) => e.kind(),
            Self::Feed(e) => e.kind(),
            Self::Effect(_, kind) => *kind,
            Self::Malformed { .. } => ErrorKind::Unprocessable,
            Self::UnknownRecall(_) => ErrorKind::NotFound,
            // The first failure's kind (a retryable one makes the run retryable).
            Self::Recalls(failed) => failed
                .first()
                .map_or(ErrorKind::Unprocessable, |(_, error)| error.kind()),
        }
    }
}
