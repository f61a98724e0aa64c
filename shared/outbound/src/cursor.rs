//! The poll cursor: where the last successful poll began, kept in the ledger.
//!
//! A poll reads the window `[position − overlap, now]` and, when every change in it was
//! handled, moves the position to the `now` it began at. The overlap reads back changes that
//! the xECM clock dated a little earlier than ours, or that the search index took a while to
//! show; reading them twice is harmless because every effect is exactly-once. A poll that
//! fails leaves the position where it was, so nothing is lost.
//!
//! # Format
//! Ledger record `poll-cursor / <function>:<feed>` ([`gridlink_flow::LedgerCursor`]), status
//! `ACTIVE`, data `{"position":"2026-11-24T10:00:00Z"}` (RFC 3339).

use std::sync::Arc;
use std::time::Duration;

use gridlink_flow::LedgerCursor;
use gridlink_store::{Ledger, LedgerRecord};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::OutboundError;

/// The ledger kind of poll cursors.
pub use gridlink_flow::cursor::CURSOR_KIND;

/// One poller's cursor.
#[derive(Debug, Clone)]
pub struct PollCursor {
    cursor: LedgerCursor,
    overlap: Duration,
    first_lookback: Duration,
}

/// The window one poll reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PollWindow {
    /// Read changes at or after this time (the position minus the overlap).
    pub since: OffsetDateTime,
    /// The time the poll began: the next position once it succeeds.
    pub until: OffsetDateTime,
    /// The cursor as read (what [`PollCursor::advance`] saves over).
    read: Option<LedgerRecord>,
}

impl PollCursor {
    /// The cursor of `function`'s `feed` (`"workspaces"`), reading back `overlap`; a poller
    /// without a position yet starts `first_lookback` before now.
    pub fn new(
        ledger: Arc<dyn Ledger>,
        function: &str,
        feed: &str,
        overlap: Duration,
        first_lookback: Duration,
    ) -> Result<Self, OutboundError> {
        Ok(Self {
            cursor: LedgerCursor::new(ledger, function, feed)?,
            overlap,
            first_lookback,
        })
    }

    /// The window to read now.
    pub async fn window(&self, now: OffsetDateTime) -> Result<PollWindow, OutboundError> {
        match self.cursor.read().await? {
            Some(record) => {
                let position = record
                    .data
                    .get("position")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok())
                    .ok_or_else(|| OutboundError::BadCursor(self.cursor.id().to_string()))?;
                Ok(PollWindow {
                    since: position - self.overlap,
                    until: now,
                    read: Some(record),
                })
            }
            None => Ok(PollWindow {
                since: now - self.first_lookback - self.overlap,
                until: now,
                read: None,
            }),
        }
    }

    /// Moves the position to where `window`'s poll began. Another poller having moved it
    /// meanwhile is not an error: the later position wins.
    pub async fn advance(&self, window: &PollWindow) -> Result<(), OutboundError> {
        let position = window
            .until
            .format(&Rfc3339)
            .map_err(|_| OutboundError::BadCursor(self.cursor.id().to_string()))?;
        self.cursor
            .save(window.read.as_ref(), json!({ "position": position }))
            .await?;
        Ok(())
    }
}
