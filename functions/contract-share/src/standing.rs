//! A contract's standing: every share made of its approved versions, one per partner and
//! document version, with the partner's answer and whether a newer version superseded it —
//! and the `Acknowledgment Status` text derived from it.
//!
//! The standing is one ledger record per contract workspace, changed by compare-and-set, so
//! answers, new shares and supersessions processed at the same time never lose each other.
//! The status attribute is a projection of it: written whenever it differs from what the
//! standing says (read before write), and written again if the standing moved while it was
//! being written. Writing it twice is harmless, so it is not an exactly-once effect; keying
//! it by the standing's version would instead freeze a stale value when two writers race.
//!
//! # Format
//! Ledger record `contract-share-standing / <workspace id>`, status `TRACKED`, data
//! ```text
//! {"entries":[{"share_id":"shr_…","document_id":123456,"version":2,"partner_id":"prt_acme",
//!              "answer":"pending"|"acknowledged"|"declined","superseded_by":3|null,
//!              "overdue":false}]}
//! ```
//! (`revoked` — `{"reason":"partner_removed"|"unapproved"|"workspace_deleted","at","done"}`
//! — only on a share xECM stopped granting.)
//! The status counts live entries (neither superseded nor revoked): with none left because
//! every share was revoked, `Revoked`; with one, `Pending`, `Overdue` (still
//! unanswered after the last reminder — the escalation the contract owner sees),
//! `Acknowledged` or `Declined`; with more, `Acknowledged (2 of 2 acknowledged)`, `Pending (1
//! of 2 acknowledged)`, `Pending (0 of 2 acknowledged, 1 overdue)`, `Declined (1 of 2
//! declined, 1 of 2 acknowledged)`.
//! A partner Trading Grid refuses to share with (unknown or inactive there) is kept in
//! `"refused":[{"partner_id","reason"}]` and named after the status: `Pending; not shared with
//! prt_nobody: refused by Trading Grid` (`Not shared with prt_nobody: refused by Trading Grid`
//! when nothing else is shared) — the other partners are shared with regardless.

use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_xecm::{AttributeValue, NamedAttributes, NodeId};
use serde::{Deserialize, Serialize};

use crate::ContractShare;
use crate::error::ShareError;

/// The ledger kind of a contract's standing.
pub const STANDING_KIND: &str = "contract-share-standing";

/// Compare-and-set attempts before giving up (a transient conflict).
const CAS_ATTEMPTS: usize = 16;

/// A partner's answer to one share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Not answered yet.
    #[default]
    Pending,
    /// Acknowledged.
    Acknowledged,
    /// Declined.
    Declined,
}

/// One share in a contract's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEntry {
    /// The TG share.
    pub share_id: String,
    /// The document.
    pub document_id: i64,
    /// The version shared.
    pub version: u32,
    /// The partner it was shared with.
    pub partner_id: String,
    /// The partner's answer.
    #[serde(default)]
    pub answer: Answer,
    /// The newer version that replaced this one (its share was revoked), if any.
    #[serde(default)]
    pub superseded_by: Option<u32>,
    /// Still unanswered after the last reminder.
    #[serde(default)]
    pub overdue: bool,
    /// Revoked because the record in xECM no longer grants it (see [`Revocation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

impl ShareEntry {
    /// Whether the entry still counts (neither superseded nor revoked).
    pub fn live(&self) -> bool {
        self.superseded_by.is_none() && self.revoked.is_none()
    }
}

/// Why xECM no longer grants a partner a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokeReason {
    /// The partner is no longer in the contract's `Partner ID`.
    PartnerRemoved,
    /// The document is no longer approved (status changed, deleted, or moved out).
    Unapproved,
    /// The contract workspace was deleted.
    WorkspaceDeleted,
    /// The contract was closed, archived, terminated or expired in xECM (its `Contract
    /// Status` is one of `CONTRACT_ENDED_STATUSES`).
    ContractEnded,
}

impl RevokeReason {
    /// In words, for the evidence document.
    pub fn describe(self) -> &'static str {
        match self {
            Self::PartnerRemoved => "the partner was removed from the contract's Partner ID",
            Self::Unapproved => "the document is no longer approved",
            Self::WorkspaceDeleted => "the contract workspace was deleted",
            Self::ContractEnded => {
                "the contract was closed or archived in xECM (its Contract Status)"
            }
        }
    }
}

/// A share revoked because xECM stopped granting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// Why.
    pub reason: RevokeReason,
    /// When gridlink decided it (RFC 3339).
    pub at: String,
    /// Revoked in TG, and its evidence filed (or not fileable: a deleted workspace).
    #[serde(default)]
    pub done: bool,
}

/// A partner of the contract Trading Grid refused to share with (unknown or inactive there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The partner, as the contract's `Partner ID` names it.
    pub partner_id: String,
    /// Trading Grid's answer.
    pub reason: String,
}

/// Every share of one contract.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Oldest first.
    #[serde(default)]
    pub entries: Vec<ShareEntry>,
    /// The partners Trading Grid refused at the last sync (nothing could be shared with them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refused>,
}

impl Standing {
    /// The entry of a share.
    pub fn entry(&self, share_id: &str) -> Option<&ShareEntry> {
        self.entries.iter().find(|e| e.share_id == share_id)
    }

    fn entry_mut(&mut self, share_id: &str) -> Option<&mut ShareEntry> {
        self.entries.iter_mut().find(|e| e.share_id == share_id)
    }

    /// Adds a share unless it is there; true when it changed.
    pub fn add(&mut self, entry: ShareEntry) -> bool {
        if self.entry(&entry.share_id).is_some() {
            return false;
        }
        self.entries.push(entry);
        true
    }

    /// Records an answer; true when it changed.
    pub fn answer(&mut self, share_id: &str, answer: Answer) -> bool {
        match self.entry_mut(share_id) {
            Some(entry) if entry.answer != answer => {
                entry.answer = answer;
                true
            }
            _ => false,
        }
    }

    /// Marks a share as unanswered after the last reminder; true when it changed.
    pub fn escalate(&mut self, share_id: &str) -> bool {
        match self.entry_mut(share_id) {
            Some(entry) if !entry.overdue => {
                entry.overdue = true;
                true
            }
            _ => false,
        }
    }

    /// Marks the partner's shares of older versions of `document` as superseded by
    /// `version`; true when it changed.
    pub fn supersede(&mut self, document_id: i64, partner_id: &str, version: u32) -> bool {
        let mut changed = false;
        for entry in &mut self.entries {
            if entry.document_id == document_id
                && entry.partner_id == partner_id
                && entry.version < version
                && entry.superseded_by.is_none()
            {
                entry.superseded_by = Some(version);
                changed = true;
            }
        }
        changed
    }

    /// The partner's shares of versions of `document` older than `version`.
    pub fn older(&self, document_id: i64, partner_id: &str, version: u32) -> Vec<ShareEntry> {
        self.entries
            .iter()
            .filter(|e| {
                e.document_id == document_id && e.partner_id == partner_id && e.version < version
            })
            .cloned()
            .collect()
    }

    /// Marks a live share revoked for `reason`; true when it changed.
    pub fn revoke(&mut self, share_id: &str, reason: RevokeReason, at: &str) -> bool {
        match self.entry_mut(share_id) {
            Some(entry) if entry.live() => {
                entry.revoked = Some(Revocation {
                    reason,
                    at: at.to_owned(),
                    done: false,
                });
                true
            }
            _ => false,
        }
    }

    /// Marks a revocation carried out (revoked in TG, evidence filed); true when it changed.
    pub fn revocation_done(&mut self, share_id: &str) -> bool {
        match self.entry_mut(share_id).and_then(|e| e.revoked.as_mut()) {
            Some(revocation) if !revocation.done => {
                revocation.done = true;
                true
            }
            _ => false,
        }
    }

    /// Revocations decided but not carried out yet (a crash in between).
    pub fn revocations_pending(&self) -> Vec<ShareEntry> {
        self.entries
            .iter()
            .filter(|e| e.revoked.as_ref().is_some_and(|r| !r.done))
            .cloned()
            .collect()
    }

    /// How many times the partner's share of this document version was revoked: a partner
    /// added back, or a document approved again, gets a new share.
    pub fn times_revoked(&self, document_id: i64, version: u32, partner_id: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                e.document_id == document_id
                    && e.version == version
                    && e.partner_id == partner_id
                    && e.revoked.is_some()
            })
            .count()
    }

    /// Replaces the partners Trading Grid refused; true when it changed.
    pub fn set_refused(&mut self, refused: &[Refused]) -> bool {
        if self.refused == refused {
            return false;
        }
        self.refused = refused.to_vec();
        true
    }

    /// The live shares.
    pub fn live(&self) -> Vec<ShareEntry> {
        self.entries.iter().filter(|e| e.live()).cloned().collect()
    }

    /// The status text (see the module's format), `None` while nothing is shared.
    pub fn summary(&self) -> Option<String> {
        let shares = self.shares_summary();
        if self.refused.is_empty() {
            return shares;
        }
        let names = self
            .refused
            .iter()
            .map(|r| r.partner_id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Some(match shares {
            Some(shares) => format!("{shares}; not shared with {names}: refused by Trading Grid"),
            None => format!("Not shared with {names}: refused by Trading Grid"),
        })
    }

    fn shares_summary(&self) -> Option<String> {
        let live: Vec<&ShareEntry> = self.entries.iter().filter(|e| e.live()).collect();
        let total = live.len();
        let count = |answer| live.iter().filter(|e| e.answer == answer).count();
        let (acknowledged, declined) = (count(Answer::Acknowledged), count(Answer::Declined));
        let overdue = live
            .iter()
            .filter(|e| e.answer == Answer::Pending && e.overdue)
            .count();
        let revoked = self.entries.iter().any(|e| e.revoked.is_some());
        Some(match total {
            0 if revoked => "Revoked".to_owned(),
            0 => return None,
            1 if declined == 1 => "Declined".to_owned(),
            1 if acknowledged == 1 => "Acknowledged".to_owned(),
            1 if overdue == 1 => "Overdue".to_owned(),
            1 => "Pending".to_owned(),
            _ if declined > 0 => format!(
                "Declined ({declined} of {total} declined, {acknowledged} of {total} acknowledged)"
            ),
            _ if acknowledged == total => {
                format!("Acknowledged ({acknowledged} of {total} acknowledged)")
            }
            _ if overdue > 0 => {
                format!("Pending ({acknowledged} of {total} acknowledged, {overdue} overdue)")
            }
            _ => format!("Pending ({acknowledged} of {total} acknowledged)"),
        })
    }
}

fn standing_id(workspace: i64) -> Result<RecordId, ShareError> {
    Ok(RecordId::new(STANDING_KIND, workspace.to_string())?)
}

fn malformed(id: &RecordId, error: &serde_json::Error) -> ShareError {
    ShareError::Malformed {
        event_id: id.to_string(),
        reason: error.to_string(),
    }
}

impl ContractShare {
    /// The contract's standing and the record's version (0 when there is none yet).
    pub async fn standing(&self, workspace: i64) -> Result<(Standing, u64), ShareError> {
        let id = standing_id(workspace)?;
        match self.platform.ledger.get(&id).await? {
            Some(record) => Ok((
                serde_json::from_value(record.data).map_err(|e| malformed(&id, &e))?,
                record.version,
            )),
            None => Ok((Standing::default(), 0)),
        }
    }

    /// Applies `change` to the standing by compare-and-set (`change` says whether it changed
    /// anything); the standing as it is afterwards.
    pub(crate) async fn change_standing(
        &self,
        workspace: i64,
        change: impl Fn(&mut Standing) -> bool,
    ) -> Result<Standing, ShareError> {
        let id = standing_id(workspace)?;
        let mut last_conflict = None;
        for _ in 0..CAS_ATTEMPTS {
            let stored = self.platform.ledger.get(&id).await?;
            let mut standing: Standing = match &stored {
                Some(record) => {
                    serde_json::from_value(record.data.clone()).map_err(|e| malformed(&id, &e))?
                }
                None => Standing::default(),
            };
            if !change(&mut standing) {
                return Ok(standing);
            }
            let data = serde_json::to_value(&standing).map_err(|e| malformed(&id, &e))?;
            let written = match stored {
                Some(record) => {
                    let mut update = record.change();
                    update.data = data;
                    self.platform.ledger.update(update).await.map(drop)
                }
                None => self
                    .platform
                    .ledger
                    .create(NewRecord::new(id.clone(), "TRACKED", data))
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
            || ShareError::Malformed {
                event_id: id.to_string(),
                reason: "no compare-and-set attempt was made".into(),
            },
            ShareError::from,
        ))
    }

    /// Writes the standing's status text to the workspace when it differs, again if the
    /// standing moved meanwhile; the text written, if any.
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
    pub async fn publish_standing(&self, workspace: NodeId) -> Result<Option<String>, ShareError> {
        let mut published = None;
        for _ in 0..3 {
            let (standing, version) = self.standing(workspace.get()).await?;
            let Some(summary) = standing.summary() else {
                return Ok(None);
            };
            let current = self
                .platform
                .xecm
                .read_attributes(workspace, self.config.contract_category)
                .await?;
            let attribute = &self.config.ack_status_attribute;
            if current.get(attribute) != Some(&AttributeValue::Text(summary.clone())) {
                let mut values = NamedAttributes::new();
                values.insert(attribute.clone(), summary.clone().into());
                self.platform
                    .xecm
                    .write_attributes(workspace, self.config.contract_category, &values)
                    .await?;
                tracing::info!(status = %summary, "acknowledgment status written");
            }
            published = Some(summary);
            if self.standing(workspace.get()).await?.1 == version {
                break;
            }
        }
        Ok(published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(share: &str, version: u32, partner: &str, answer: Answer) -> ShareEntry {
        ShareEntry {
            share_id: share.into(),
            document_id: 7,
            version,
            partner_id: partner.into(),
            answer,
            superseded_by: None,
            overdue: false,
            revoked: None,
        }
    }

    #[test]
    fn a_revoked_share_no_longer_counts_and_all_revoked_reads_as_revoked() {
        let mut standing = Standing::default();
        standing.add(entry("shr_1", 1, "prt_a", Answer::Acknowledged));
        standing.add(entry("shr_2", 1, "prt_b", Answer::Pending));
        assert!(standing.revoke("shr_2", RevokeReason::PartnerRemoved, "t"));
        assert!(
            !standing.revoke("shr_2", RevokeReason::Unapproved, "t"),
            "once"
        );
        assert_eq!(standing.summary().as_deref(), Some("Acknowledged"));
        assert_eq!(standing.revocations_pending().len(), 1);
        assert!(standing.revocation_done("shr_2"));
        assert!(standing.revocations_pending().is_empty());
        assert_eq!(standing.times_revoked(7, 1, "prt_b"), 1);
        assert!(standing.revoke("shr_1", RevokeReason::Unapproved, "t"));
        assert_eq!(standing.summary().as_deref(), Some("Revoked"));
    }

    #[test]
    fn one_live_share_reads_as_a_single_word() {
        let mut standing = Standing::default();
        assert_eq!(standing.summary(), None);
        standing.add(entry("shr_1", 1, "prt_a", Answer::Pending));
        assert_eq!(standing.summary().as_deref(), Some("Pending"));
        standing.answer("shr_1", Answer::Declined);
        assert_eq!(standing.summary().as_deref(), Some("Declined"));
    }

    #[test]
    fn several_live_shares_read_as_counts() {
        let mut standing = Standing::default();
        standing.add(entry("shr_1", 1, "prt_a", Answer::Acknowledged));
        standing.add(entry("shr_2", 1, "prt_b", Answer::Pending));
        assert_eq!(
            standing.summary().as_deref(),
            Some("Pending (1 of 2 acknowledged)")
        );
        standing.answer("shr_2", Answer::Acknowledged);
        assert_eq!(
            standing.summary().as_deref(),
            Some("Acknowledged (2 of 2 acknowledged)")
        );
        standing.answer("shr_2", Answer::Declined);
        assert_eq!(
            standing.summary().as_deref(),
            Some("Declined (1 of 2 declined, 1 of 2 acknowledged)")
        );
    }

    #[test]
    fn an_unanswered_share_after_the_last_reminder_reads_as_overdue_until_answered() {
        let mut standing = Standing::default();
        standing.add(entry("shr_1", 1, "prt_a", Answer::Pending));
        assert!(standing.escalate("shr_1"));
        assert!(!standing.escalate("shr_1"), "escalated once");
        assert_eq!(standing.summary().as_deref(), Some("Overdue"));
        standing.add(entry("shr_2", 1, "prt_b", Answer::Pending));
        assert_eq!(
            standing.summary().as_deref(),
            Some("Pending (0 of 2 acknowledged, 1 overdue)")
        );
        standing.answer("shr_1", Answer::Acknowledged);
        assert_eq!(
            standing.summary().as_deref(),
            Some("Pending (1 of 2 acknowledged)")
        );
    }

    #[test]
    fn a_superseded_share_no_longer_counts_even_when_answered_late() {
        let mut standing = Standing::default();
        standing.add(entry("shr_1", 1, "prt_a", Answer::Pending));
        standing.add(entry("shr_2", 2, "prt_a", Answer::Pending));
        assert!(standing.supersede(7, "prt_a", 2));
        assert!(
            !standing.supersede(7, "prt_a", 2),
            "superseding twice is no change"
        );
        assert!(standing.answer("shr_1", Answer::Acknowledged));
        assert_eq!(standing.summary().as_deref(), Some("Pending"));
        assert_eq!(standing.older(7, "prt_a", 2).len(), 1);
        assert_eq!(
            standing.entry("shr_1").and_then(|e| e.superseded_by),
            Some(2)
        );
    }
}
