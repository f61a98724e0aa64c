//! The state machine of one exception, kept in the ledger and changed by compare-and-set.
//!
//! ```text
//! detected → published → awaiting_supplier → supplier_responded → under_review →
//!     accepted → resolved
//!   | change_requested (the buyer's "Change Order") → change_sent (the 860 / ORDCHG went out
//!       through Trading Grid) → change_acknowledged (the partner's 865 / ORDRSP accepts it)
//!       → resolved; an 865 / ORDRSP rejecting it, or a 997 / CONTRL rejecting the 860 /
//!       ORDCHG itself, → awaiting_supplier, with the reason / the partner's codes
//!   | rejected → awaiting_supplier
//! escalated (after the last reminder) and withdrawn from any open state; a partner reply on
//! a resolved exception reopens it (→ supplier_responded); parked (bad row, no partner)
//! until the row or the supplier is fixed.
//! ```
//! The xECM row's `Status` is a projection of the state ([`State::label`]), written by
//! gridlink. A buyer moves the exception by setting `Status` to a decision
//! ([`Decision::read`]) — a value different from the last projection gridlink wrote.
//!
//! # Format
//! Ledger record `po-exception / <workspace id>#<exception id>`, status `OPEN` (in index
//! one under `po-exception#open`, sorted by `<workspace>#<exception>`, which the reminder
//! sweep reads) or `CLOSED` (resolved, withdrawn), data [`ExceptionRecord`] as JSON; record
//! `po-exception-thread / <thread id>` → [`ThreadLink`]. Every transition appends an
//! [`Entry`] to `history` — what the timeline is made of — so the record is the audit trail
//! and the timeline is reproducible from it.

use gridlink_store::{IndexEntry, LedgerError, NewRecord, RecordId};
use serde::{Deserialize, Serialize};

use crate::error::ExceptionError;
use crate::row::ExceptionRow;

/// The ledger kind of an exception.
pub const EXCEPTION_KIND: &str = "po-exception";
/// The ledger kind linking a TG thread to its exception.
pub const THREAD_LINK_KIND: &str = "po-exception-thread";
/// The index-one partition of open exceptions.
pub const OPEN_EXCEPTIONS: &str = "po-exception#open";

const CAS_ATTEMPTS: usize = 16;

/// Where an exception stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Read from the row, not yet published.
    Detected,
    /// Cannot be published as it stands (see `parked_reason`).
    Parked,
    /// Posted to the partner's thread.
    Published,
    /// Waiting for the partner (the clock runs).
    AwaitingSupplier,
    /// The partner answered (the clock stops).
    SupplierResponded,
    /// The buyer is reviewing the answer.
    UnderReview,
    /// The buyer accepted.
    Accepted,
    /// The buyer wants the order changed; the 860/ORDCHG is being sent.
    ChangeRequested,
    /// The 860/ORDCHG went out through Trading Grid; waiting for the partner's 865/ORDRSP.
    ChangeSent,
    /// The partner's 865/ORDRSP accepted the change.
    ChangeAcknowledged,
    /// The buyer rejected the answer.
    Rejected,
    /// No answer after the last reminder.
    Escalated,
    /// Withdrawn by the buyer (terminal).
    Withdrawn,
    /// Resolved (terminal until the partner replies again).
    Resolved,
}

impl State {
    /// The `Status` text gridlink projects into the row.
    pub fn label(self) -> &'static str {
        match self {
            Self::Detected => "Detected",
            Self::Parked => "Parked",
            Self::Published => "Published",
            Self::AwaitingSupplier => "Awaiting Supplier",
            Self::SupplierResponded => "Supplier Responded",
            Self::UnderReview => "Under Review",
            Self::Accepted => "Accepted",
            Self::ChangeRequested => "Change Requested",
            Self::ChangeSent => "Change Sent",
            Self::ChangeAcknowledged => "Change Acknowledged",
            Self::Rejected => "Rejected",
            Self::Escalated => "Escalated",
            Self::Withdrawn => "Withdrawn",
            Self::Resolved => "Resolved",
        }
    }

    /// Whether the exception is still open (not resolved, withdrawn).
    pub fn open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Withdrawn)
    }

    /// Whether the partner's deadline clock runs.
    pub fn clock_runs(self) -> bool {
        matches!(self, Self::Published | Self::AwaitingSupplier)
    }
}

/// A buyer's decision, read from the row's `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// `Under Review`.
    Review,
    /// `Accepted` / `Accept`.
    Accept,
    /// `Rejected` / `Reject`.
    Reject,
    /// `Change Order`.
    ChangeOrder,
    /// `Withdrawn` / `Withdraw`.
    Withdraw,
}

impl Decision {
    /// The decision a `Status` value states, if any.
    pub fn read(status: &str) -> Option<Self> {
        match status.trim().to_ascii_lowercase().as_str() {
            "under review" | "review" => Some(Self::Review),
            "accepted" | "accept" => Some(Self::Accept),
            "rejected" | "reject" => Some(Self::Reject),
            "change order" | "change" => Some(Self::ChangeOrder),
            "withdrawn" | "withdraw" => Some(Self::Withdraw),
            _ => None,
        }
    }
}

/// A file recorded on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The document's name in xECM.
    pub name: String,
    /// Its node id.
    pub document_id: i64,
    /// SHA-256 (hex) of its bytes.
    pub sha256: String,
    /// The TG attachment it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_id: Option<String>,
}

/// Trading Grid ids an entry concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgIds {
    /// Space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_id: Option<String>,
    /// Thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_ids: Vec<String>,
    /// A business document (the 860 / ORDCHG sent, the 865 / ORDRSP or 997 received).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    /// Its control numbers (`interchange/group/transaction`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_numbers: Option<String>,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, …
    pub seq: u32,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: `gridlink`, `xecm:<user or buyer>`, `partner:<partner id> (<name>)`.
    pub actor: String,
    /// What happened (`published`, `supplier responded: corrected_document`, …).
    pub event: String,
    /// The state afterwards.
    pub state: State,
    /// The Trading Grid ids involved.
    #[serde(default)]
    pub tg: TgIds,
    /// Files involved, with their SHA-256.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
    /// A unique key of the cause (`msg:<id>`, `rev:<hash>`, `reminder:<n>`…), so a cause
    /// replayed is recorded once.
    pub cause: String,
}

/// Names the order `po` and its exception `exception_id` for the timeline (`po:{po}`,
/// `exception:{po}/{exception id}`: exception ids are unique within their order).
pub fn about(po: &str, exception_id: &str) {
    gridlink_flow::timeline::about("po", po);
    gridlink_flow::timeline::about(
        "exception",
        &format!("{}/{}", po.trim(), exception_id.trim()),
    );
}

/// One exception as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRecord {
    /// The order workspace.
    pub workspace_id: i64,
    /// The PO number.
    pub po_number: String,
    /// The exception id (unique within the order).
    pub exception_id: String,
    /// The row as last read (absent while the row is invalid).
    #[serde(default)]
    pub row: Option<ExceptionRow>,
    /// The TG partner, once known.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The partner's name.
    #[serde(default)]
    pub partner_name: Option<String>,
    /// The state.
    pub state: State,
    /// Why it is parked.
    #[serde(default)]
    pub parked_reason: Option<String>,
    /// The space.
    #[serde(default)]
    pub space_id: Option<String>,
    /// The thread.
    #[serde(default)]
    pub thread_id: Option<String>,
    /// The row revision last published.
    #[serde(default)]
    pub published_revision: Option<String>,
    /// The deadline (RFC 3339) of the current revision, planned before it is published.
    #[serde(default)]
    pub due_at: Option<String>,
    /// The row revision `due_at` was planned for.
    #[serde(default)]
    pub due_revision: Option<String>,
    /// How many times the supplier was asked again on this revision (an answer or a change
    /// rejected): each time the deadline starts afresh, with reminders and an escalation of
    /// its own ([`ExceptionRecord::clock_key`]).
    #[serde(default)]
    pub due_round: u32,
    /// The `Status` text gridlink last wrote into the row.
    #[serde(default)]
    pub projected_status: Option<String>,
    /// The partner's EDI address the order's supplier names (`ZZ:ACMESUPPLY`): where an
    /// 860 / ORDCHG goes, and the only sender whose 865 / ORDRSP may answer it.
    #[serde(default)]
    pub partner_address: Option<String>,
    /// The partner's syntax for order changes (`X12` or `EDIFACT`).
    #[serde(default)]
    pub partner_syntax: Option<String>,
    /// Why it was resolved without a person deciding, while that holds: `reconciliation`
    /// (order-reconcile no longer finds it) or `tolerance:<revision>` (inside the partner's
    /// auto-accept tolerance). Such an exception reopens when the reason stops holding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_resolved: Option<String>,
    /// How often it was reopened after an automatic resolution (each reopening publishes
    /// anew).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reopened: u32,
    /// The audit trail.
    #[serde(default)]
    pub history: Vec<Entry>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ExceptionRecord {
    /// Names the order and the exception for the timeline (`po:{po}`,
    /// `exception:{po}/{exception id}`).
    pub fn about(&self) {
        about(&self.po_number, &self.exception_id);
    }

    /// A new record in `state`.
    pub fn new(workspace_id: i64, po_number: &str, exception_id: &str) -> Self {
        Self {
            workspace_id,
            po_number: po_number.to_owned(),
            exception_id: exception_id.to_owned(),
            row: None,
            partner_id: None,
            partner_name: None,
            state: State::Detected,
            parked_reason: None,
            space_id: None,
            thread_id: None,
            published_revision: None,
            due_at: None,
            due_revision: None,
            due_round: 0,
            projected_status: None,
            partner_address: None,
            partner_syntax: None,
            auto_resolved: None,
            reopened: 0,
            history: Vec::new(),
        }
    }

    /// What the deadline's reminders and escalation are keyed by: the revision published,
    /// and the round when the supplier was asked again (`<revision>~<round>`).
    pub fn clock_key(&self) -> Option<String> {
        let revision = self.published_revision.as_ref()?;
        Some(if self.due_round == 0 {
            revision.clone()
        } else {
            format!("{revision}~{}", self.due_round)
        })
    }

    /// The supplier is asked again: the deadline starts afresh at `due`, its reminders and
    /// escalation counted anew.
    pub fn restart_clock(&mut self, due: String) {
        self.due_at = Some(due);
        self.due_round += 1;
    }

    /// Whether a cause was recorded.
    pub fn saw(&self, cause: &str) -> bool {
        self.history.iter().any(|e| e.cause == cause)
    }

    /// Moves to `state` with an entry, unless `cause` was recorded; true when it changed.
    #[allow(clippy::too_many_arguments)] // one entry's fields, each named at the call
    pub fn transition(
        &mut self,
        state: State,
        at: &str,
        actor: &str,
        event: impl Into<String>,
        cause: impl Into<String>,
        tg: TgIds,
        files: Vec<FileRef>,
    ) -> bool {
        let cause = cause.into();
        if self.saw(&cause) {
            return false;
        }
        self.state = state;
        let seq = u32::try_from(self.history.len()).unwrap_or(u32::MAX - 1) + 1;
        self.history.push(Entry {
            seq,
            at: at.to_owned(),
            actor: actor.to_owned(),
            event: event.into(),
            state,
            tg,
            files,
            cause,
        });
        true
    }

    /// The `Status` text the row should show.
    pub fn status_text(&self) -> String {
        match (&self.state, &self.parked_reason) {
            (State::Parked, Some(reason)) => format!("Parked: {reason}"),
            (state, _) => state.label().to_owned(),
        }
    }

    /// The record's ledger key.
    pub fn key(&self) -> String {
        key(self.workspace_id, &self.exception_id)
    }
}

/// The ledger key of an exception.
pub fn key(workspace: i64, exception_id: &str) -> String {
    format!("{workspace}#{exception_id}")
}

/// The link of a thread to its exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadLink {
    /// The order workspace.
    pub workspace_id: i64,
    /// The exception.
    pub exception_id: String,
    /// The partner the thread is with.
    pub partner_id: String,
    /// The space.
    pub space_id: String,
}

fn record_id(key: &str) -> Result<RecordId, ExceptionError> {
    Ok(RecordId::new(EXCEPTION_KIND, key)?)
}

/// Reads an exception.
pub async fn get(
    ledger: &dyn gridlink_store::Ledger,
    key: &str,
) -> Result<Option<ExceptionRecord>, ExceptionError> {
    let id = record_id(key)?;
    match ledger.get(&id).await? {
        Some(record) => serde_json::from_value(record.data)
            .map(Some)
            .map_err(|e| ExceptionError::malformed(id.to_string(), e)),
        None => Ok(None),
    }
}

/// Applies `change` to the exception by compare-and-set (`change` says whether it changed
/// anything; it gets `None`'s replacement `fresh` when the record does not exist yet); the
/// record afterwards, and whether this call changed it.
pub async fn change(
    ledger: &dyn gridlink_store::Ledger,
    fresh: &ExceptionRecord,
    change: impl Fn(&mut ExceptionRecord) -> bool,
) -> Result<(ExceptionRecord, bool), ExceptionError> {
    let id = record_id(&fresh.key())?;
    let mut last_conflict = None;
    for _ in 0..CAS_ATTEMPTS {
        let stored = ledger.get(&id).await?;
        let mut record: ExceptionRecord = match &stored {
            Some(r) => serde_json::from_value(r.data.clone())
                .map_err(|e| ExceptionError::malformed(id.to_string(), e))?,
            None => fresh.clone(),
        };
        let changed = change(&mut record);
        if !changed && stored.is_some() {
            return Ok((record, false));
        }
        let data = serde_json::to_value(&record)
            .map_err(|e| ExceptionError::malformed(id.to_string(), e))?;
        let (status, index) = if record.state.open() {
            ("OPEN", Some((OPEN_EXCEPTIONS.to_owned(), record.key())))
        } else {
            ("CLOSED", None)
        };
        #[allow(clippy::single_match_else)]
        let written = match stored {
            Some(r) => {
                let mut update = r.change();
                update.data = data;
                update.status = status.into();
                update.index1 = index.map(|(p, s)| IndexEntry::new(p, s));
                ledger.update(update).await.map(drop)
            }
            None => {
                let mut new = NewRecord::new(id.clone(), status, data);
                if let Some((partition, sort)) = index {
                    new = new.with_index1(partition, sort);
                }
                ledger.create(new).await.map(drop)
            }
        };
        match written {
            Ok(()) => return Ok((record, true)),
            Err(
                conflict @ (LedgerError::VersionConflict { .. }
                | LedgerError::AlreadyExists { .. }
                | LedgerError::NotFound { .. }),
            ) => last_conflict = Some(conflict),
            Err(error) => return Err(error.into()),
        }
    }
    Err(last_conflict.map_or_else(
        || ExceptionError::malformed(id.to_string(), "no compare-and-set attempt was made"),
        ExceptionError::from,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_recorded_once() {
        let mut record = ExceptionRecord::new(1, "4500001234", "EXC-1");
        assert!(record.transition(
            State::AwaitingSupplier,
            "t",
            "gridlink",
            "published",
            "rev:a",
            TgIds::default(),
            Vec::new()
        ));
        assert!(!record.transition(
            State::Published,
            "t",
            "gridlink",
            "published",
            "rev:a",
            TgIds::default(),
            Vec::new()
        ));
        assert_eq!(record.state, State::AwaitingSupplier);
        assert_eq!(record.history.len(), 1);
    }

    #[test]
    fn decisions_are_read_from_the_status_forgiving_case() {
        assert_eq!(Decision::read(" accepted "), Some(Decision::Accept));
        assert_eq!(Decision::read("Change Order"), Some(Decision::ChangeOrder));
        assert_eq!(Decision::read("Awaiting Supplier"), None);
        assert!(!State::Resolved.open());
        assert!(State::Escalated.open());
    }
}
