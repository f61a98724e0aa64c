//! What can go wrong while taking a partner document in.

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{EffectError, InboxError};
use gridlink_store::{LedgerError, StoreError};
use gridlink_tgrid::TgError;
use gridlink_xecm::XecmError;

/// Why an inbound document could not be taken further (yet).
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The durable inbox failed.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// Trading Grid failed.
    #[error("Trading Grid: {0}")]
    Tg(#[from] TgError),
    /// Extended ECM failed.
    #[error("xECM: {0}")]
    Xecm(#[from] XecmError),
    /// The blob store failed.
    #[error("blob store: {0}")]
    Store(#[from] StoreError),
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// Another worker is doing the same thing right now.
    #[error("{0}")]
    InProgress(String),
    /// The stored event is not what its type promises.
    #[error("event {event_id} is unreadable: {reason}")]
    UnreadableEvent {
        /// The event.
        event_id: String,
        /// Why.
        reason: String,
    },
    /// The content that arrived is not what Trading Grid announced (retried).
    #[error(
        "document {document_id}: stored content hash {stored} differs from the announced {announced}"
    )]
    ContentMismatch {
        /// The TG document.
        document_id: String,
        /// What was stored.
        stored: String,
        /// What TG announced.
        announced: String,
    },
    /// An unmatched item that does not exist.
    #[error("no unmatched item {0}")]
    NoSuchItem(String),
    /// An unmatched item that was already resolved.
    #[error("unmatched item {item_id} is already {status}")]
    AlreadyResolved {
        /// The item.
        item_id: String,
        /// Its status.
        status: String,
    },
    /// An operator's request is malformed; the text names the field.
    #[error("{0}")]
    BadRequest(String),
    /// Something this crate computed could not be stored (a bug).
    #[error("internal: {0}")]
    Internal(String),
}

impl<E: Into<InboundError>> From<EffectError<E>> for InboundError {
    fn from(error: EffectError<E>) -> Self {
        match error {
            EffectError::Effect(e) => e.into(),
            EffectError::Ledger(e) => Self::Ledger(e),
            EffectError::InProgress { key, until } => Self::InProgress(format!(
                "effect {key} is in progress elsewhere until {until}"
            )),
            EffectError::InjectedCrash(key) => {
                Self::InProgress(format!("crash injected after effect {key}"))
            }
            EffectError::StoredResult { key, source } => {
                Self::Internal(format!("effect {key}: {source}"))
            }
        }
    }
}

impl From<gridlink_flow::feed::FeedError> for InboundError {
    fn from(error: gridlink_flow::feed::FeedError) -> Self {
        use gridlink_flow::feed::FeedError;
        match error {
            FeedError::Tg(e) => Self::Tg(e),
            FeedError::Ledger(e) => Self::Ledger(e),
            FeedError::Inbox(e) => Self::Inbox(e),
            FeedError::Encode { event_id, reason } => {
                Self::Internal(format!("event {event_id} could not be stored: {reason}"))
            }
        }
    }
}

impl Classify for InboundError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Inbox(e) => e.kind(),
            Self::Tg(e) => e.kind(),
            Self::Xecm(e) => e.kind(),
            Self::Store(_) | Self::ContentMismatch { .. } => ErrorKind::Unavailable,
            // Held, not failed: the inbox keeps the event pending without spending an attempt
            // until the other worker's claim (or a killed worker's lease) ends.
            Self::InProgress(_) => ErrorKind::Held,
            Self::Ledger(e) => e.kind(),
            Self::UnreadableEvent { .. } => ErrorKind::Unprocessable,
            Self::NoSuchItem(_) => ErrorKind::NotFound,
            Self::BadRequest(_) => ErrorKind::BadRequest,
            Self::AlreadyResolved { .. } => ErrorKind::Conflict,
            Self::Internal(_) => ErrorKind::Internal,
        }
    }
}
