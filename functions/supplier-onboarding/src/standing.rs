//! A supplier's standing: one state per requirement, changed by compare-and-set in the
//! ledger, and the `Onboarding Status` folded from them. The xECM attributes (`Onboarding
//! Status`, the `Requirements` rows) are a projection of it, rewritten when they differ.
//!
//! # States of a requirement
//! ```text
//! missing → requested → submitted → (rejected → requested) → in_review → accepted
//!        accepted → expiring → renewal_requested → accepted (the new document) | expired
//!        expired → (a rejected submission) expired; a renewal in review past `valid until`
//!        stays in review, and counts as expired until the buyer accepts it
//! waived (by a named buyer, with a reason)
//! ```
//! A change of legal name, tax id or tax country sends the tax form back to `missing`; a kind
//! a new matrix no longer requires, while it is asked, settles to `accepted` (a current
//! document on file) or `missing` ([`crate::sync`]).
//!
//! # Format
//! Ledger record `supplier-onboarding / <workspace id>`, status `TRACKED`, index one
//! `supplier-onboarding#suppliers` / `<workspace id, 12 digits>` (the renewals sweep reads
//! it), data [`Standing`] as JSON.

use std::collections::BTreeMap;

use gridlink_store::{IndexName, LedgerError, NewRecord, Query, RecordId};
use serde::{Deserialize, Serialize};

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::validate::Supplier;

/// The ledger kind of a supplier's standing.
pub const STANDING_KIND: &str = "supplier-onboarding";

/// The index-one partition listing every tracked supplier.
pub const SUPPLIERS: &str = "supplier-onboarding#suppliers";

const CAS_ATTEMPTS: usize = 16;

/// Where one requirement stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Required, not asked for yet.
    #[default]
    Missing,
    /// Asked for in a TG document request.
    Requested,
    /// The supplier submitted it; being validated.
    Submitted,
    /// A check failed; the supplier was told why (and may submit again).
    Rejected,
    /// Passed what could be checked; a buyer must review the rest.
    InReview,
    /// Accepted and current.
    Accepted,
    /// Accepted, expiring within the first renewal window.
    Expiring,
    /// A renewal was requested.
    RenewalRequested,
    /// Past its `valid until`, not replaced.
    Expired,
    /// Waived by a named buyer.
    Waived,
}

impl State {
    /// The text shown in xECM.
    pub fn label(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Requested => "requested",
            Self::Submitted => "submitted",
            Self::Rejected => "rejected",
            Self::InReview => "in review",
            Self::Accepted => "accepted",
            Self::Expiring => "expiring",
            Self::RenewalRequested => "renewal requested",
            Self::Expired => "expired",
            Self::Waived => "waived",
        }
    }
}

/// One requirement of one supplier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementState {
    /// The kind.
    pub kind: String,
    /// Whether the current matrix requires it.
    pub required: bool,
    /// Where it stands.
    pub state: State,
    /// Validity of the current document (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Validity of the current document (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_until: Option<String>,
    /// The filed document.
    #[serde(default)]
    pub document_id: Option<i64>,
    /// The document version that holds the current evidence.
    #[serde(default)]
    pub document_version: Option<u32>,
    /// The TG request and item it is asked in.
    #[serde(default)]
    pub request_id: Option<String>,
    /// See `request_id`.
    #[serde(default)]
    pub item_id: Option<String>,
    /// Renewal steps sent for the current `valid_until` (the `n` of the renewal key).
    #[serde(default)]
    pub renewal_steps: u32,
    /// The buyer who reviewed or waived it.
    #[serde(default)]
    pub reviewer: Option<String>,
    /// The last reason (a rejection, what a buyer must review, a waiver).
    #[serde(default)]
    pub reason: Option<String>,
    /// The submission (`submitted_at`) last decided, so a replayed event is not decided
    /// twice.
    #[serde(default)]
    pub decided_submission: Option<String>,
    /// The submission in review (its `decided_submission`) the `Requirements` row showed when
    /// the projection last wrote or confirmed it: a buyer's `accepted` or `rejected` on the
    /// row was made on that submission, and applies only while it is still the one in review
    /// ([`crate::review`]).
    #[serde(default)]
    pub shown_submission: Option<String>,
    /// The `valid until` of the accepted document that passed while a newer submission waits
    /// for a buyer's review: the requirement reads `in review` (so the buyer can decide) and
    /// still counts as expired — the supplier is `incomplete` — until the buyer accepts.
    #[serde(default)]
    pub lapsed: Option<String>,
    /// The evidence of a submission waiting for a buyer's review (`in review`): it becomes
    /// the requirement's when the buyer accepts it ([`crate::review`]).
    #[serde(default)]
    pub pending: Option<Pending>,
    /// The deadline (RFC 3339) of the TG request it is asked in.
    #[serde(default)]
    pub due_at: Option<String>,
    /// Reminders sent to the supplier (`action_request` messages in the onboarding thread)
    /// since the current deadline was set; the `Reminders Sent` column.
    #[serde(default)]
    pub reminders_sent: u32,
    /// When it was escalated (unanswered after the last reminder), if it was.
    #[serde(default)]
    pub escalated: Option<String>,
    /// The deadline (`YYYY-MM-DD`) the overdue reminders count from ([`crate::reminders`]).
    #[serde(default)]
    pub overdue_deadline: Option<String>,
    /// The last overdue reminder sent for `overdue_deadline` (its `n`).
    #[serde(default)]
    pub overdue_sent: u32,
    /// The annual attestation campaign it is asked in ([`crate::attestation`]).
    #[serde(default)]
    pub campaign_id: Option<String>,
}

/// A submission's evidence filed and waiting for a buyer's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Validity (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Validity (`YYYY-MM-DD`).
    #[serde(default)]
    pub valid_until: Option<String>,
    /// The document filed.
    pub document_id: i64,
    /// Its version holding the submission.
    pub version: u32,
}

impl RequirementState {
    /// Whether its document expired and was not replaced: `expired`, or past its `valid
    /// until` while a renewal waits for a buyer's review.
    pub fn is_expired(&self) -> bool {
        self.state == State::Expired || (self.state == State::InReview && self.lapsed.is_some())
    }

    /// Where it stands again when a submission for it is rejected (by the checks or by a
    /// buyer) on `today`: an expired document stays expired, a current one with a validity
    /// waits for its renewal, anything else is asked for again.
    pub fn after_rejection(&self, today: time::Date) -> State {
        if self.is_expired() {
            return State::Expired;
        }
        match self
            .valid_until
            .as_deref()
            .and_then(crate::validate::parse_date)
        {
            Some(until) if self.document_id.is_some() && until < today => State::Expired,
            Some(_) if self.document_id.is_some() => State::RenewalRequested,
            _ => State::Requested,
        }
    }

    /// Clears the reminder count and the escalation (a new document or deadline).
    pub fn reset_reminders(&mut self) {
        self.reminders_sent = 0;
        self.escalated = None;
        self.overdue_deadline = None;
        self.overdue_sent = 0;
    }
}

/// One line of history (kept in the compliance record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When (RFC 3339).
    pub at: String,
    /// The kind, or `supplier`.
    pub kind: String,
    /// What happened.
    pub event: String,
    /// Details.
    #[serde(default)]
    pub detail: String,
}

/// A supplier's standing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// The workspace.
    pub workspace_id: i64,
    /// The TG partner, once resolved.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Why nothing can be requested (no TG partner, …).
    #[serde(default)]
    pub parked: Option<String>,
    /// The master data last seen.
    #[serde(default)]
    pub supplier: Supplier,
    /// The matrix version last applied.
    #[serde(default)]
    pub matrix_version: u32,
    /// Request cycles started (each a TG request for what was missing then).
    #[serde(default)]
    pub cycles: u32,
    /// The kinds of the request cycle being made (planned before the TG call, so a re-run
    /// asks for the same kinds under the same key).
    #[serde(default)]
    pub planned: Option<PlannedRequest>,
    /// The requirements by kind.
    #[serde(default)]
    pub requirements: BTreeMap<String, RequirementState>,
    /// The supplier's owner (`Supplier Owner`, an xECM user on the supplier workspace): whom
    /// an escalation goes to ([`crate::reminders`]).
    #[serde(default)]
    pub owner: Option<i64>,
    /// TG requests superseded (by a change of the tax identity or of the matrix) and not yet
    /// cancelled in TG: each is cancelled once, as soon as none of its items is still being
    /// decided ([`crate::sync`]).
    #[serde(default)]
    pub superseded: Vec<String>,
    /// The supplier's onboarding thread in TG (reminders, escalations), once opened.
    #[serde(default)]
    pub thread: Option<crate::reminders::OnboardingThread>,
    /// What happened.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// A request cycle decided but maybe not yet made in TG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRequest {
    /// The cycle number (part of the effect key).
    pub cycle: u32,
    /// The kinds asked for.
    pub kinds: Vec<String>,
    /// The deadline (RFC 3339).
    pub due_at: String,
    /// Whether it is a renewal.
    #[serde(default)]
    pub renewal: bool,
}

/// The supplier-level status values.
pub mod status {
    /// Nothing requested yet.
    pub const NOT_STARTED: &str = "not started";
    /// Waiting for the supplier.
    pub const REQUESTED: &str = "requested";
    /// Waiting for a buyer's review.
    pub const IN_REVIEW: &str = "in review";
    /// Everything required is current.
    pub const COMPLETE: &str = "complete";
    /// Complete, but something expires soon.
    pub const AT_RISK: &str = "at risk";
    /// Something required expired.
    pub const INCOMPLETE: &str = "incomplete";
    /// Nothing can be requested (see the reason).
    pub const BLOCKED: &str = "blocked";
}

impl Standing {
    /// `Onboarding Status`: a fold over the required requirements.
    pub fn onboarding_status(&self) -> &'static str {
        if self.parked.is_some() {
            return status::BLOCKED;
        }
        let required: Vec<&RequirementState> =
            self.requirements.values().filter(|r| r.required).collect();
        if required.is_empty() {
            return status::NOT_STARTED;
        }
        let any = |states: &[State]| required.iter().any(|r| states.contains(&r.state));
        if required.iter().any(|r| r.is_expired()) {
            status::INCOMPLETE
        } else if self.escalation().is_some() {
            status::BLOCKED
        } else if required
            .iter()
            .all(|r| matches!(r.state, State::Accepted | State::Waived))
        {
            status::COMPLETE
        } else if required.iter().all(|r| {
            matches!(
                r.state,
                State::Accepted | State::Waived | State::Expiring | State::RenewalRequested
            )
        }) {
            status::AT_RISK
        } else if any(&[State::Requested, State::Submitted, State::Rejected]) {
            status::REQUESTED
        } else if any(&[State::InReview]) {
            status::IN_REVIEW
        } else {
            status::NOT_STARTED
        }
    }

    /// Why the supplier is held back by an escalation: the escalated requirements, each
    /// with the deadline it is unanswered since.
    pub fn escalation(&self) -> Option<String> {
        let escalated: Vec<String> = self
            .requirements
            .values()
            .filter(|r| r.required && r.escalated.is_some())
            .filter(|r| !matches!(r.state, State::Accepted | State::Waived))
            .map(|r| {
                format!(
                    "{} unanswered since {} after {} reminders",
                    r.kind,
                    r.overdue_deadline.as_deref().unwrap_or("its deadline"),
                    r.reminders_sent
                )
            })
            .collect();
        (!escalated.is_empty()).then(|| {
            format!(
                "escalated: {}; to {}",
                escalated.join("; "),
                self.owner.map_or_else(
                    || "nobody: no Supplier Owner is set".to_owned(),
                    |u| format!("the Supplier Owner, xECM user {u}")
                )
            )
        })
    }

    /// Adds a history line (once: the same line twice is one line).
    pub fn note(&mut self, at: &str, kind: &str, event: &str, detail: impl Into<String>) {
        let entry = HistoryEntry {
            at: at.to_owned(),
            kind: kind.to_owned(),
            event: event.to_owned(),
            detail: detail.into(),
        };
        if !self.history.contains(&entry) {
            self.history.push(entry);
        }
    }
}

pub(crate) fn standing_id(workspace: i64) -> Result<RecordId, OnboardingError> {
    Ok(RecordId::new(STANDING_KIND, workspace.to_string())?)
}

impl SupplierOnboarding {
    /// The standing as stored (`None` when the supplier was never synced).
    pub async fn standing(&self, workspace: i64) -> Result<Option<Standing>, OnboardingError> {
        let id = standing_id(workspace)?;
        let Some(record) = self.platform.ledger.get(&id).await? else {
            return Ok(None);
        };
        serde_json::from_value(record.data)
            .map(Some)
            .map_err(|e| OnboardingError::malformed(id.to_string(), e))
    }

    /// Changes the standing by compare-and-set: `change` runs on the stored value (a new
    /// one when there is none) and returns whether it changed anything; a concurrent
    /// writer makes it run again on the newer value.
    pub(crate) async fn change_standing(
        &self,
        workspace: i64,
        change: impl Fn(&mut Standing) -> bool,
    ) -> Result<Standing, OnboardingError> {
        let id = standing_id(workspace)?;
        let mut last_conflict = None;
        for _ in 0..CAS_ATTEMPTS {
            let stored = self.platform.ledger.get(&id).await?;
            let mut standing: Standing = match &stored {
                Some(record) => serde_json::from_value(record.data.clone())
                    .map_err(|e| OnboardingError::malformed(id.to_string(), e))?,
                None => Standing {
                    workspace_id: workspace,
                    ..Standing::default()
                },
            };
            if !change(&mut standing) {
                return Ok(standing);
            }
            let data = serde_json::to_value(&standing)
                .map_err(|e| OnboardingError::malformed(id.to_string(), e))?;
            let written = match stored {
                Some(record) => {
                    let mut update = record.change();
                    update.data = data;
                    self.platform.ledger.update(update).await.map(drop)
                }
                None => self
                    .platform
                    .ledger
                    .create(
                        NewRecord::new(id.clone(), "TRACKED", data)
                            .with_index1(SUPPLIERS, format!("{workspace:012}")),
                    )
                    .await
                    .map(drop),
            };
            match written {
                Ok(()) => return Ok(standing),
                Err(
                    conflict @ (LedgerError::VersionConflict { .. }
                    | LedgerError::AlreadyExists { .. }
                    | LedgerError::NotFound { .. }),
                ) => last_conflict = Some(conflict),
                Err(error) => return Err(error.into()),
            }
        }
        Err(last_conflict.map_or_else(
            || OnboardingError::malformed(id.to_string(), "no compare-and-set attempt was made"),
            OnboardingError::from,
        ))
    }

    /// Every tracked supplier's standing.
    pub async fn standings(&self) -> Result<Vec<Standing>, OnboardingError> {
        let mut all = Vec::new();
        for record in self
            .platform
            .ledger
            .query(Query::partition(IndexName::One, SUPPLIERS))
            .await?
        {
            match serde_json::from_value::<Standing>(record.data) {
                Ok(standing) => all.push(standing),
                Err(error) => {
                    tracing::warn!(record = %record.id, %error, "supplier standing does not read");
                }
            }
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(states: &[(&str, State)]) -> Standing {
        let mut s = Standing::default();
        for (kind, state) in states {
            s.requirements.insert(
                (*kind).into(),
                RequirementState {
                    kind: (*kind).into(),
                    required: true,
                    state: *state,
                    ..RequirementState::default()
                },
            );
        }
        s
    }

    #[test]
    fn the_status_is_a_fold_over_the_requirements() {
        assert_eq!(with(&[]).onboarding_status(), status::NOT_STARTED);
        assert_eq!(
            with(&[("w9", State::Requested), ("ins", State::Accepted)]).onboarding_status(),
            status::REQUESTED
        );
        assert_eq!(
            with(&[("w9", State::InReview), ("ins", State::Accepted)]).onboarding_status(),
            status::IN_REVIEW
        );
        assert_eq!(
            with(&[("w9", State::Accepted), ("ins", State::Waived)]).onboarding_status(),
            status::COMPLETE
        );
        assert_eq!(
            with(&[("w9", State::Accepted), ("ins", State::RenewalRequested)]).onboarding_status(),
            status::AT_RISK
        );
        assert_eq!(
            with(&[("w9", State::Expired), ("ins", State::Requested)]).onboarding_status(),
            status::INCOMPLETE
        );
        let mut lapsed = with(&[("w9", State::Accepted), ("iso", State::InReview)]);
        assert_eq!(lapsed.onboarding_status(), status::IN_REVIEW);
        lapsed.requirements.get_mut("iso").expect("iso").lapsed = Some("2026-12-01".into());
        assert_eq!(lapsed.onboarding_status(), status::INCOMPLETE);
        let mut parked = with(&[("w9", State::Missing)]);
        parked.parked = Some("no partner".into());
        assert_eq!(parked.onboarding_status(), status::BLOCKED);
        let mut optional = with(&[("w9", State::Accepted), ("iso", State::Missing)]);
        optional.requirements.get_mut("iso").expect("iso").required = false;
        assert_eq!(optional.onboarding_status(), status::COMPLETE);
    }
}
