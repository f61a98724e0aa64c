//! Errors of the shared outbound pieces.

use gridlink_core::error::{Classify, ErrorKind};

/// Why a poll or a content transfer failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Extended ECM failed.
    #[error("xECM: {0}")]
    Xecm(#[from] gridlink_xecm::XecmError),
    /// Trading Grid failed.
    #[error("Trading Grid: {0}")]
    Tg(#[from] gridlink_tgrid::TgError),
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] gridlink_store::LedgerError),
    /// The stored cursor does not read.
    #[error("poll cursor {0} is unreadable")]
    BadCursor(String),
}

impl Classify for OutboundError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Xecm(e) => e.kind(),
            Self::Tg(e) => e.kind(),
            Self::Ledger(e) => e.kind(),
            Self::BadCursor(_) => ErrorKind::Internal,
        }
    }
}
