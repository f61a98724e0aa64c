//! What gridlink keeps of a recall in the ledger.
//!
//! # Format
//! - `recall / <recall id>`: [`IssuedRecall`] — the pinned notice and distribution versions,
//!   the lots, the deadline, the fan-out cursor. Status `ISSUING` (index one
//!   `recall#issuing`, sorted by recall id: the polls resume it; the deadlines read it too, so
//!   an amendment's fan-out never pauses the earlier versions' reminders) then `ACTIVE` (index one
//!   `recall#active`, sorted by `<due_at>#<recall id>`: the deadlines read it), `CLOSING`
//!   (`recall#closing`: the polls check it for closeout, the deadlines still remind) and
//!   `CLOSED` (`recall#closed`: nothing reads it on a schedule).
//! - `recall-partner / <recall id>/v<version>/<partner id>`: [`PartnerRecall`] — the
//!   partner's lots, its campaign, every answer (history) and its state; index one
//!   `recall-partners#<recall id>`, sorted by partner id (`<partner id>#v<nnnn>` for an
//!   amendment's record; the rollup reads them all).
//! - `recall-parked / <recall id>/v<version>/<partner id>/<row|partner>`: [`crate::recall::Parked`]
//!   — what could not be sent and why; index one `recall-parked#<recall id>`.

use gridlink_store::{IndexEntry, IndexName, LedgerError, NewRecord, Query, RecordId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::RecallCampaign;
use crate::answers::{Answer, PartnerState};
use crate::error::RecallError;
use crate::recall::{Lot, Parked, PartnerLot};

/// Ledger kind of an issued recall.
pub const RECALL_KIND: &str = "recall";
/// Ledger kind of one partner of a recall.
pub const PARTNER_KIND: &str = "recall-partner";
/// Ledger kind of something parked.
pub const PARKED_KIND: &str = "recall-parked";
/// Index-one partition of recalls still being fanned out (the first issue or an amendment):
/// the polls resume them, the deadlines remind and escalate their invited partners.
pub const ISSUING: &str = "recall#issuing";
/// Index-one partition of recalls whose partners were all invited.
pub const ACTIVE: &str = "recall#active";
/// Index-one partition of recalls being closed (`Status` `closing` seen): the polls check
/// their effectiveness and send the closeout.
pub const CLOSING: &str = "recall#closing";
/// Index-one partition of closed recalls.
pub const CLOSED: &str = "recall#closed";

/// A document version pinned at issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pinned {
    /// The document.
    pub document_id: i64,
    /// Its name.
    pub name: String,
    /// The version issued.
    pub version: u32,
}

/// The notice as uploaded to Trading Grid once, reused by every campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// The TG attachment.
    pub attachment_id: String,
    /// Its file name.
    pub file_name: String,
    /// The sha256 TG computed.
    pub sha256: String,
}

fn default_escalate_after() -> i64 {
    96
}

/// An issued recall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRecall {
    /// `Recall ID`.
    pub recall_id: String,
    /// The incident workspace.
    pub workspace_id: i64,
    /// The issue version (1, then one more per amendment).
    pub version: u32,
    /// Class.
    pub class: String,
    /// Reason code.
    pub reason_code: String,
    /// Market.
    pub market: String,
    /// The lots as approved.
    pub lots: Vec<Lot>,
    /// Who initiated it.
    pub initiated_by: i64,
    /// Who approved it (checked against the audit).
    pub approved_by: i64,
    /// The notice document issued.
    pub notice_document: Pinned,
    /// The notice in TG, once uploaded.
    #[serde(default)]
    pub notice: Option<Notice>,
    /// The distribution document issued.
    pub distribution: Pinned,
    /// When it was issued (RFC 3339).
    pub issued_at: String,
    /// Answers are due (RFC 3339).
    pub due_at: String,
    /// Reminder interval, hours.
    pub reminder_interval_hours: i64,
    /// `Escalate After Hours`: an unanswered partner is escalated this long past `due_at`.
    #[serde(default = "default_escalate_after")]
    pub escalate_after_hours: i64,
    /// Trading Grid throttled the fan-out: it resumes from the cursor at this time (RFC 3339;
    /// now + the `Retry-After` it sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_after: Option<String>,
    /// Affected partners in the distribution.
    pub partners_total: usize,
    /// Partners handled so far, in partner-id order (the fan-out cursor).
    pub cursor: usize,
    /// The versions issued before this one (amendments), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<IssuedVersion>,
    /// When `Status` `closing` was first seen (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_since: Option<String>,
    /// Partners sent the closeout so far, in partner-id order (the closeout cursor).
    #[serde(default)]
    pub closeout_cursor: usize,
    /// When the recall was closed (RFC 3339): every partner was sent the closeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// The closeout's last steps (`Status` `closed`, the closeout record, the final rollup and
    /// bundle) are done: only then does the recall leave the closing partition.
    #[serde(default)]
    pub closeout_filed: bool,
}

/// One version of an issued recall as it was issued: the first issue or an amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedVersion {
    /// 1, 2, …
    pub version: u32,
    /// Who approved it.
    pub approved_by: i64,
    /// The notice document issued.
    pub notice_document: Pinned,
    /// The notice in TG.
    #[serde(default)]
    pub notice: Option<Notice>,
    /// The distribution document issued.
    pub distribution: Pinned,
    /// The lots as approved.
    pub lots: Vec<Lot>,
    /// When it was issued.
    pub issued_at: String,
    /// Answers to it are due.
    pub due_at: String,
    /// Partners it went to.
    pub partners_total: usize,
}

impl IssuedRecall {
    /// `<recall id>/v<version>`.
    pub fn key(&self) -> String {
        format!("{}/v{}", self.recall_id, self.version)
    }

    /// `<recall id>/v<version>/<partner id>`: the business identity of a partner's campaign.
    pub fn partner_key(&self, partner: &str) -> String {
        format!("{}/{partner}", self.key())
    }

    /// Whether every partner was handled.
    pub fn fanned_out(&self) -> bool {
        self.cursor >= self.partners_total
    }

    /// The ledger status and index-one entry of the recall's phase.
    pub fn phase(&self) -> (&'static str, IndexEntry) {
        if self.closed_at.is_some() && self.closeout_filed {
            ("CLOSED", IndexEntry::new(CLOSED, self.recall_id.clone()))
        } else if !self.fanned_out() {
            ("ISSUING", IndexEntry::new(ISSUING, self.recall_id.clone()))
        } else if self.closing_since.is_some() {
            ("CLOSING", IndexEntry::new(CLOSING, self.recall_id.clone()))
        } else {
            (
                "ACTIVE",
                IndexEntry::new(ACTIVE, format!("{}#{}", self.due_at, self.recall_id)),
            )
        }
    }

    /// The recall as one of its versions was issued (its number, issue and due times): what
    /// the deadlines of that version's partners run on.
    #[must_use]
    pub fn as_version(&self, version: u32) -> IssuedRecall {
        let mut view = self.clone();
        if let Some(earlier) = self.previous.iter().find(|v| v.version == version) {
            view.version = earlier.version;
            view.issued_at.clone_from(&earlier.issued_at);
            view.due_at.clone_from(&earlier.due_at);
        }
        view
    }

    /// This version as issued.
    pub fn current(&self) -> IssuedVersion {
        IssuedVersion {
            version: self.version,
            approved_by: self.approved_by,
            notice_document: self.notice_document.clone(),
            notice: self.notice.clone(),
            distribution: self.distribution.clone(),
            lots: self.lots.clone(),
            issued_at: self.issued_at.clone(),
            due_at: self.due_at.clone(),
            partners_total: self.partners_total,
        }
    }

    /// Every version issued, oldest first (the current one last).
    pub fn versions(&self) -> Vec<IssuedVersion> {
        let mut all = self.previous.clone();
        all.push(self.current());
        all
    }
}

/// One partner of a recall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerRecall {
    /// The recall.
    pub recall_id: String,
    /// Its version.
    pub version: u32,
    /// The workspace.
    pub workspace_id: i64,
    /// The partner.
    pub partner_id: String,
    /// Its lots only.
    pub lots: Vec<PartnerLot>,
    /// Its campaign, once created.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// Every answer, oldest `responded_at` first.
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// Where it stands.
    pub state: PartnerState,
    /// Reminders sent.
    #[serde(default)]
    pub reminders: u32,
    /// The escalation, once sent (it stays when the partner answers later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation: Option<Escalation>,
}

/// A partner escalated: still unanswered `Escalate After Hours` past the due time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// When (RFC 3339).
    pub at: String,
    /// Why, for people.
    pub reason: String,
    /// Reminders sent before it.
    pub reminders: u32,
    /// The TG thread it was posted in.
    pub thread_id: String,
    /// The TG message carrying the action request.
    pub message_id: String,
    /// The note filed in `Partner Responses/<partner id>`.
    pub note: String,
}

/// The partners partition of a recall.
pub fn partners_partition(recall_id: &str) -> String {
    format!("recall-partners#{recall_id}")
}

/// The parked partition of a recall.
pub fn parked_partition(recall_id: &str) -> String {
    format!("recall-parked#{recall_id}")
}

fn read<T: DeserializeOwned>(id: &RecordId, data: serde_json::Value) -> Result<T, RecallError> {
    serde_json::from_value(data).map_err(|e| RecallError::malformed(id.to_string(), &e))
}

fn value<T: Serialize>(what: &str, item: &T) -> Result<serde_json::Value, RecallError> {
    serde_json::to_value(item).map_err(|e| RecallError::malformed(what, &e))
}

impl RecallCampaign {
    /// The issued recall, if gridlink issued it.
    pub async fn issued(&self, recall_id: &str) -> Result<Option<IssuedRecall>, RecallError> {
        let id = RecordId::new(RECALL_KIND, recall_id)?;
        match self.platform.ledger.get(&id).await? {
            Some(record) => read(&id, record.data).map(Some),
            None => Ok(None),
        }
    }

    /// Creates the recall's record, or returns the one there.
    pub(crate) async fn create_issued(
        &self,
        recall: &IssuedRecall,
    ) -> Result<IssuedRecall, RecallError> {
        let id = RecordId::new(RECALL_KIND, &recall.recall_id)?;
        let record = NewRecord::new(id.clone(), "ISSUING", value(&recall.recall_id, recall)?)
            .with_index1(ISSUING, recall.recall_id.clone());
        match self.platform.ledger.create(record).await {
            Ok(_) => Ok(recall.clone()),
            Err(LedgerError::AlreadyExists { existing, .. }) => read(&id, existing.data),
            Err(error) => Err(error.into()),
        }
    }

    /// Changes the recall record by compare-and-set; the status and index follow
    /// [`IssuedRecall::phase`].
    pub(crate) async fn change_issued(
        &self,
        recall_id: &str,
        change: impl Fn(&mut IssuedRecall),
    ) -> Result<IssuedRecall, RecallError> {
        let id = RecordId::new(RECALL_KIND, recall_id)?;
        loop {
            let record = self
                .platform
                .ledger
                .get(&id)
                .await?
                .ok_or_else(|| RecallError::UnknownRecall(recall_id.to_owned()))?;
            let mut recall: IssuedRecall = read(&id, record.data.clone())?;
            change(&mut recall);
            let mut update = record.change();
            update.data = value(recall_id, &recall)?;
            let (status, index) = recall.phase();
            update.status = status.into();
            update.index1 = Some(index);
            if update.data == record.data && update.status == record.status {
                return Ok(recall);
            }
            match self.platform.ledger.update(update).await {
                Ok(_) => return Ok(recall),
                Err(LedgerError::VersionConflict { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Recalls in one index-one partition.
    pub(crate) async fn recalls_in(
        &self,
        partition: &str,
    ) -> Result<Vec<IssuedRecall>, RecallError> {
        let records = self
            .platform
            .ledger
            .query(Query::partition(IndexName::One, partition))
            .await?;
        records.into_iter().map(|r| read(&r.id, r.data)).collect()
    }

    /// A partner's record.
    pub async fn partner_recall(&self, key: &str) -> Result<Option<PartnerRecall>, RecallError> {
        let id = RecordId::new(PARTNER_KIND, key)?;
        match self.platform.ledger.get(&id).await? {
            Some(record) => read(&id, record.data).map(Some),
            None => Ok(None),
        }
    }

    /// Creates a partner's record unless it exists.
    pub(crate) async fn create_partner(
        &self,
        key: &str,
        partner: &PartnerRecall,
    ) -> Result<(), RecallError> {
        let record = NewRecord::new(
            RecordId::new(PARTNER_KIND, key)?,
            "OPEN",
            value(key, partner)?,
        )
        .with_index1(
            partners_partition(&partner.recall_id),
            // Version 1 sorts by partner id alone; an amendment's record right after it.
            if partner.version > 1 {
                format!("{}#v{:04}", partner.partner_id, partner.version)
            } else {
                partner.partner_id.clone()
            },
        );
        match self.platform.ledger.create(record).await {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Changes a partner's record by compare-and-set; `change` answers whether it changed
    /// anything.
    pub(crate) async fn change_partner(
        &self,
        key: &str,
        change: impl Fn(&mut PartnerRecall) -> bool,
    ) -> Result<PartnerRecall, RecallError> {
        let id = RecordId::new(PARTNER_KIND, key)?;
        loop {
            let record = self.platform.ledger.get(&id).await?.ok_or_else(|| {
                RecallError::malformed(id.to_string(), &"no such partner of the recall")
            })?;
            let mut partner: PartnerRecall = read(&id, record.data.clone())?;
            if !change(&mut partner) {
                return Ok(partner);
            }
            let mut update = record.change();
            update.data = value(key, &partner)?;
            match self.platform.ledger.update(update).await {
                Ok(_) => return Ok(partner),
                Err(LedgerError::VersionConflict { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Every partner of a recall, by partner id.
    pub async fn partners_of(&self, recall_id: &str) -> Result<Vec<PartnerRecall>, RecallError> {
        let records = self
            .platform
            .ledger
            .query(Query::partition(
                IndexName::One,
                partners_partition(recall_id),
            ))
            .await?;
        records.into_iter().map(|r| read(&r.id, r.data)).collect()
    }

    /// Parks something of a recall with its reason (once per `key`), and logs it.
    pub(crate) async fn park(
        &self,
        recall: &IssuedRecall,
        key: &str,
        parked: &Parked,
    ) -> Result<(), RecallError> {
        let full = format!("{}/{key}", recall.key());
        let record = NewRecord::new(
            RecordId::new(PARKED_KIND, &full)?,
            "PARKED",
            value(&full, parked)?,
        )
        .with_index1(parked_partition(&recall.recall_id), full.clone());
        match self.platform.ledger.create(record).await {
            Ok(_) => {
                tracing::warn!(recall_id = %recall.recall_id, partner_id = %parked.partner_id, reason = %parked.reason, "parked: not sent");
                Ok(())
            }
            Err(LedgerError::AlreadyExists { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Everything parked for a recall.
    pub async fn parked_of(&self, recall_id: &str) -> Result<Vec<Parked>, RecallError> {
        let records = self
            .platform
            .ledger
            .query(Query::partition(
                IndexName::One,
                parked_partition(recall_id),
            ))
            .await?;
        records.into_iter().map(|r| read(&r.id, r.data)).collect()
    }
}
