//! contract-share's errors, classified once for HTTP and Lambda.

use gridlink_core::error::{Classify, ErrorKind};

/// Why a contract-share step failed.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
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
    /// Trading Grid refuses to share with the partner (unknown or inactive there: a 4xx that
    /// will not succeed on a retry). Recorded for that partner; the other partners go on.
    #[error("Trading Grid refuses to share with partner {partner_id}: {reason}")]
    PartnerRefused {
        /// The partner (from the contract's `Partner ID`).
        partner_id: String,
        /// Trading Grid's answer.
        reason: String,
    },
    /// A stored or received event does not read.
    #[error("event {event_id} is malformed: {reason}")]
    Malformed {
        /// The event.
        event_id: String,
        /// Why.
        reason: String,
    },
}

impl ShareError {
    pub(crate) fn from_effect(error: gridlink_flow::EffectError<ShareError>) -> Self {
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

impl Classify for ShareError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Xecm(e) => e.kind(),
            Self::Tg(e) => e.kind(),
            Self::Ledger(e) => e.kind(),
            Self::Outbound(e) => e.kind(),
            Self::Feed(e) => e.kind(),
            Self::Effect(_, kind) => *kind,
            Self::PartnerRefused { .. } | Self::Malformed { .. } => ErrorKind::Unprocessable,
        }
    }
}
