//! po-exception's errors, classified once for HTTP and Lambda.

use gridlink_core::error::{Classify, ErrorKind};

/// Why a po-exception step failed.
#[derive(Debug, thiserror::Error)]
pub enum ExceptionError {
    /// Extended ECM failed.
    #[error("xECM: {0}")]
    Xecm(#[from] gridlink_xecm::XecmError),
    /// Trading Grid failed.
    #[error("Trading Grid: {0}")]
    Tg(#[from] gridlink_tgrid::TgError),
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] gridlink_store::LedgerError),
    /// Reading a partner's document from Trading Grid failed.
    #[error(transparent)]
    Inbound(#[from] gridlink_inbound::InboundError),
    /// A poll step failed.
    #[error(transparent)]
    Outbound(#[from] gridlink_outbound::OutboundError),
    /// An exactly-once step did not complete.
    #[error("{0}")]
    Effect(String, ErrorKind),
    /// A stored or received record does not read.
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// The event or record.
        what: String,
        /// Why.
        reason: String,
    },
}

impl ExceptionError {
    #[allow(clippy::needless_pass_by_value)] // callers hand over errors they no longer need
    pub(crate) fn malformed(what: impl Into<String>, reason: impl ToString) -> Self {
        Self::Malformed {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn from_effect(error: gridlink_flow::EffectError<ExceptionError>) -> Self {
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
}

impl Classify for ExceptionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Xecm(e) => e.kind(),
            Self::Tg(e) => e.kind(),
            Self::Ledger(e) => e.kind(),
            Self::Outbound(e) => e.kind(),
            Self::Inbound(e) => e.kind(),
            Self::Effect(_, kind) => *kind,
            Self::Malformed { .. } => ErrorKind::Unprocessable,
        }
    }
}
