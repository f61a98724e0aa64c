//! A poller's position kept in the ledger, moved with compare-and-set: the one way every
//! poll keeps where it is (`gridlink_outbound::PollCursor`'s time windows over xECM,
//! [`crate::feed::poll_tg_events`]' last-read event of Trading Grid's feed).
//!
//! # Format
//! Ledger record `poll-cursor / <function>:<feed>`, status `ACTIVE`; the data is the
//! poller's own (`{"position":"…"}`, `{"after":"evt_…"}`).
//!
//! Two pollers of one feed may run at once (a schedule firing while the previous run is
//! still going). Each saves over the version it read; the one that finds the cursor moved
//! keeps the other's position ([`Saved::MovedByAnother`]) — both read the same feed and every
//! effect downstream is exactly-once, so neither loses anything.

use std::sync::Arc;

use gridlink_store::{Ledger, LedgerError, LedgerRecord, NewRecord, RecordId};
use serde_json::Value;

/// The ledger kind of poll cursors.
pub const CURSOR_KIND: &str = "poll-cursor";

/// One poller's cursor record.
#[derive(Debug, Clone)]
pub struct LedgerCursor {
    ledger: Arc<dyn Ledger>,
    id: RecordId,
}

/// What [`LedgerCursor::save`] did.
#[derive(Debug, Clone)]
pub enum Saved {
    /// The cursor is at the new position; the record as stored (to save over next).
    Moved(Box<LedgerRecord>),
    /// Another poller moved it since it was read; its position is kept.
    MovedByAnother,
}

impl LedgerCursor {
    /// The cursor of `function`'s `feed`.
    pub fn new(ledger: Arc<dyn Ledger>, function: &str, feed: &str) -> Result<Self, LedgerError> {
        Ok(Self {
            ledger,
            id: RecordId::new(CURSOR_KIND, format!("{function}:{feed}"))?,
        })
    }

    /// The record's id (for messages).
    pub fn id(&self) -> &RecordId {
        &self.id
    }

    /// The cursor as stored (none before the first save).
    pub async fn read(&self) -> Result<Option<LedgerRecord>, LedgerError> {
        self.ledger.get(&self.id).await
    }

    /// Saves `data` as the new position over the record that was read (`None`: there was
    /// no cursor yet), without reading it again. A cursor another poller moved meanwhile is
    /// kept as it is; one removed since it was read is written anew.
    pub async fn save(
        &self,
        read: Option<&LedgerRecord>,
        data: Value,
    ) -> Result<Saved, LedgerError> {
        let created = || NewRecord::new(self.id.clone(), "ACTIVE", data.clone());
        let result = match read {
            None => self.ledger.create(created()).await,
            Some(current) => {
                let mut change = current.change();
                change.data = data.clone();
                match self.ledger.update(change).await {
                    Err(LedgerError::NotFound { .. }) => self.ledger.create(created()).await,
                    other => other,
                }
            }
        };
        match result {
            Ok(record) => Ok(Saved::Moved(Box::new(record))),
            Err(LedgerError::AlreadyExists { .. } | LedgerError::VersionConflict { .. }) => {
                Ok(self.moved_by_another())
            }
            Err(error) => Err(error),
        }
    }

    fn moved_by_another(&self) -> Saved {
        tracing::info!(cursor = %self.id, "poll cursor moved by another poller; keeping its position");
        Saved::MovedByAnother
    }
}
