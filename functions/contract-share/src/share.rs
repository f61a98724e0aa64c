//! Approved contract versions shared with each of the contract's partners, once per
//! document version and partner; an older version's share revoked when a newer one is
//! approved.
//!
//! Each partner gets its own share (never one share to several partners): partners never see
//! who else the contract went to, a partner added to the contract later gets the current
//! version, and revocation, reminders and answers are per partner.
//!
//! # Format
//! Ledger record `contract-share / <share id>`, status `OPEN` (in index one under
//! `contract-share#open`, sorted by `<due_at>#<share id>`, which the reminders read) or
//! `CLOSED` (answered or superseded), data [`SharedVersion`] as JSON — how an acknowledgment
//! finds its workspace and the exact bytes it is about, plus `reminders_sent` and
//! `last_reminded_at` once reminded ([`crate::reminders`]). Record `contract-share-due /
//! <document id>/v<version>/<partner id>` keeps the deadline chosen at the first attempt, so a
//! re-run sends the identical share request under the same idempotency key (a share made
//! long after a failed first attempt may be past its deadline at once: it is reminded, not
//! escalated, since escalation waits for every reminder to have been sent).

use gridlink_flow::EffectKey;
use gridlink_flow::content::xecm_version_upload;
use gridlink_store::{IndexName, LedgerError, NewRecord, Query, RecordId, SortRange};
use gridlink_tgrid::model::{ExternalRef, NewShare};
use gridlink_tgrid::{IdempotencyKey, PartnerId, ShareId};
use gridlink_xecm::model::{Version, subtype};
use gridlink_xecm::{AttributeValue, NamedAttributes, Node, NodeId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ContractShare;
use crate::error::ShareError;
use crate::standing::{Answer, Refused, ShareEntry};
use gridlink_core::error::Classify;

/// The ledger kind linking a TG share back to its contract document version.
pub const SHARE_RECORD_KIND: &str = "contract-share";

/// The ledger kind holding a share's acknowledgment deadline, fixed at the first attempt
/// (`{"due_at": "<RFC 3339>"}`).
pub const DUE_DATE_KIND: &str = "contract-share-due";

/// The index-one partition of shares still waiting for an answer.
pub const OPEN_SHARES: &str = "contract-share#open";

/// The attribute value written when a version is shared with one partner.
pub const PENDING: &str = "Pending";

/// One shared document version, as kept in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedVersion {
    /// The TG share.
    pub share_id: String,
    /// The contract workspace.
    pub workspace_id: i64,
    /// The document.
    pub document_id: i64,
    /// The document's name in xECM.
    #[serde(default)]
    pub document_name: String,
    /// The document's version number that was shared.
    pub version: u32,
    /// The partner it was shared with.
    pub partner_id: String,
    /// The SHA-256 (hex) of the bytes shared, as Trading Grid computed it on upload.
    pub sha256: String,
    /// The file name the partner sees.
    pub file_name: String,
    /// The acknowledgment deadline (RFC 3339, whole seconds, UTC).
    pub due_at: String,
    /// Reminders sent so far ([`crate::reminders`]); escalation waits for all of them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reminders_sent: u32,
    /// When the last reminder was sent (RFC 3339), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reminded_at: Option<String>,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What one sync of a contract workspace did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContractSync {
    /// The workspace.
    pub workspace_id: i64,
    /// Why nothing was done, when it is not a shareable contract.
    pub skipped: Option<String>,
    /// Versions shared in this sync.
    pub shared: Vec<SharedVersion>,
    /// Shares revoked in this sync: superseded versions, and shares xECM no longer grants
    /// ([`crate::revoke`]).
    pub revoked: Vec<String>,
    /// The acknowledgment status the contract has now.
    pub status: Option<String>,
    /// Partners Trading Grid refused to share with (unknown or inactive there); every other
    /// partner was handled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refused>,
}

pub(crate) fn text(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        _ => None,
    }
}

/// The partner ids in a (multi-value, or comma / semicolon / space separated) attribute, in
/// order, each once.
pub fn partner_ids(values: &NamedAttributes, name: &str) -> Vec<String> {
    let texts: Vec<&str> = match values.get(name) {
        Some(AttributeValue::Text(t)) => vec![t.as_str()],
        Some(AttributeValue::Multi(items)) => items
            .iter()
            .filter_map(|v| match v {
                AttributeValue::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut partners: Vec<String> = Vec::new();
    for id in texts
        .into_iter()
        .flat_map(|t| t.split(|c: char| c == ',' || c == ';' || c.is_whitespace()))
        .filter(|s| !s.is_empty())
    {
        if !partners.iter().any(|p| p == id) {
            partners.push(id.to_owned());
        }
    }
    partners
}

pub(crate) fn idempotency_key(text: &str) -> Result<IdempotencyKey, ShareError> {
    IdempotencyKey::parse(text).map_err(|e| ShareError::Malformed {
        event_id: text.to_owned(),
        reason: e.to_string(),
    })
}

/// A share Trading Grid refused for its partner (unknown, inactive or not allowed: a 403, 404
/// or 422, which a retry does not change) as [`ShareError::PartnerRefused`]; any other failure
/// as it is.
fn refusal(partner: &str, error: gridlink_tgrid::TgError) -> ShareError {
    match error.status() {
        Some(403 | 404 | 422) => ShareError::PartnerRefused {
            partner_id: partner.to_owned(),
            reason: error.to_string(),
        },
        _ => ShareError::Tg(error),
    }
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

impl ContractShare {
    /// Shares every approved document version of one contract workspace with each of its
    /// partners where that was not done yet, revokes the shares of superseded versions, and
    /// writes the acknowledgment status. Safe to repeat: every effect runs once.
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace_id))]
    pub async fn sync_contract(&self, workspace_id: NodeId) -> Result<ContractSync, ShareError> {
        gridlink_flow::timeline::about("contract", &workspace_id.to_string());
        let mut sync = ContractSync {
            workspace_id: workspace_id.get(),
            ..ContractSync::default()
        };
        let workspace = match self.platform.xecm.get_node(workspace_id).await {
            Ok(workspace) => workspace,
            Err(error) if crate::revoke::is_gone(&error) => {
                sync.revoked = self.end_access(workspace_id).await?;
                sync.skipped =
                    Some("the workspace is deleted: its partners' shares are revoked".into());
                return Ok(sync);
            }
            Err(error) => return Err(error.into()),
        };
        if workspace.subtype != subtype::WORKSPACE
            || workspace.workspace_type_id != Some(self.config.workspace_type.get())
        {
            sync.skipped = Some("not a contract workspace".into());
            return Ok(sync);
        }
        let values = match self
            .platform
            .xecm
            .read_attributes(workspace_id, self.config.contract_category)
            .await
        {
            Ok(values) => values,
            Err(error) if error.is_category_absent() => {
                sync.skipped = Some("no contract category".into());
                return Ok(sync);
            }
            Err(error) => return Err(error.into()),
        };
        let partners = partner_ids(&values, &self.config.partner_attribute);
        // `text` trims: the status compared and shown is the trimmed one.
        let ended = text(&values, &self.config.status_attribute).filter(|status| {
            self.config
                .ended_statuses
                .iter()
                .any(|e| e.eq_ignore_ascii_case(status))
        });
        if let Some(status) = ended {
            // Closed or archived in xECM: every partner's access ends; nothing is shared.
            sync.revoked = self
                .revoke_ungranted(
                    workspace_id,
                    &crate::revoke::Granted {
                        workspace: Some(&workspace),
                        ended: Some(status.as_str()),
                        partners: &partners,
                        approved: &[],
                    },
                )
                .await?;
            self.live().unregister(workspace_id).await?;
            sync.skipped = Some(format!(
                "the contract's {} is {status}: its partners' shares are revoked and nothing is shared",
                self.config.status_attribute
            ));
            self.change_standing(workspace_id.get(), |s| s.set_refused(&[]))
                .await?;
            sync.status = self.publish_standing(workspace_id).await?;
            return Ok(sync);
        }
        let approved = if partners.is_empty() {
            Vec::new()
        } else {
            self.approved_documents(workspace_id).await?
        };
        // Access follows the record: what xECM no longer grants is revoked first.
        sync.revoked = self
            .revoke_ungranted(
                workspace_id,
                &crate::revoke::Granted {
                    workspace: Some(&workspace),
                    ended: None,
                    partners: &partners,
                    approved: &approved,
                },
            )
            .await?;
        if partners.is_empty() {
            sync.skipped = Some("no partner reference".into());
            self.change_standing(workspace_id.get(), |s| s.set_refused(&[]))
                .await?;
            // Shares revoked now, or by a run a crash interrupted, show in the status.
            sync.status = self.publish_standing(workspace_id).await?;
            return Ok(sync);
        }
        // Registered while partners may hold shares, so the poll alone sees a deletion.
        self.live().register(workspace_id, json!({})).await?;
        // A partner Trading Grid refuses (unknown or inactive there) is recorded and skipped;
        // a transient failure fails the run for a retry, but only after every other partner
        // was handled.
        let mut refused: Vec<Refused> = Vec::new();
        let mut transient: Option<ShareError> = None;
        for document in approved {
            let Some(current) = self.platform.xecm.versions(document.id).await?.pop() else {
                continue;
            };
            for partner in &partners {
                if refused.iter().any(|r| &r.partner_id == partner) {
                    continue;
                }
                match self
                    .share_version(&workspace, &document, &current, partner)
                    .await
                {
                    Ok(shared) => sync.shared.extend(shared),
                    Err(ShareError::PartnerRefused { partner_id, reason }) => {
                        tracing::warn!(
                            partner_id = %partner_id,
                            document_id = %document.id,
                            version = current.version_number,
                            %reason,
                            "Trading Grid refuses the partner: nothing is shared with it; the other partners are"
                        );
                        gridlink_flow::timeline::record(
                            "share_refused",
                            format!(
                                "{}|share-refused|{}|v{}|{partner_id}",
                                crate::NAME,
                                document.id,
                                current.version_number
                            ),
                            json!({
                                "system": "gridlink",
                                "ids": {"xecm": {"workspace_id": workspace_id.get(), "document_id": document.id.get()},
                                        "tg": {"partner_id": partner_id}},
                                "version": current.version_number,
                                "error": gridlink_flow::timeline::bounded_text(&reason),
                            }),
                        );
                        refused.push(Refused { partner_id, reason });
                        continue;
                    }
                    Err(error) if error.kind().is_transient() => {
                        tracing::warn!(
                            partner_id = %partner,
                            document_id = %document.id,
                            version = current.version_number,
                            %error,
                            "sharing with the partner failed for now; the other partners go on, the run is retried"
                        );
                        transient.get_or_insert(error);
                        continue;
                    }
                    Err(error) => return Err(error),
                }
                sync.revoked.extend(
                    self.supersede_older(
                        workspace_id,
                        document.id,
                        current.version_number,
                        partner,
                    )
                    .await?,
                );
            }
        }
        self.change_standing(workspace_id.get(), |s| s.set_refused(&refused))
            .await?;
        sync.refused = refused;
        sync.status = self.publish_standing(workspace_id).await?;
        if let Some(error) = transient {
            return Err(error);
        }
        Ok(sync)
    }

    /// Documents of the workspace (outside the evidence folder) whose approval status is
    /// the approved value.
    async fn approved_documents(&self, workspace: NodeId) -> Result<Vec<Node>, ShareError> {
        let mut approved = Vec::new();
        let mut folders = vec![workspace];
        while let Some(folder) = folders.pop() {
            for child in self.platform.xecm.list_children(folder).await? {
                if child.subtype == subtype::DOCUMENT {
                    if self.is_approved(child.id).await? {
                        approved.push(child);
                    }
                } else if child.container
                    && child.subtype != subtype::WORKSPACE
                    && !child.name.eq_ignore_ascii_case(&self.config.ack_folder)
                {
                    folders.push(child.id);
                }
            }
        }
        approved.sort_by_key(|d| d.id);
        Ok(approved)
    }

    async fn is_approved(&self, document: NodeId) -> Result<bool, ShareError> {
        match self
            .platform
            .xecm
            .read_attributes(document, self.config.sharing_category)
            .await
        {
            Ok(values) => Ok(text(&values, &self.config.approval_attribute)
                .is_some_and(|s| s.eq_ignore_ascii_case(&self.config.approved_status))),
            Err(error) if error.is_category_absent() => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Shares the document's `current` version with `partner` once; `Some` when it was
    /// shared in this call.
    #[tracing::instrument(skip_all, fields(document_id = %document.id, version = current.version_number, partner_id = %partner))]
    async fn share_version(
        &self,
        workspace: &Node,
        document: &Node,
        current: &Version,
        partner: &str,
    ) -> Result<Option<SharedVersion>, ShareError> {
        let version = current.version_number;
        let file_name = if current.file_name.trim().is_empty() {
            document.name.clone()
        } else {
            current.file_name.clone()
        };
        let upload = xecm_version_upload(
            self.platform.xecm.clone(),
            document.id,
            current,
            &file_name,
            None,
        );
        let tg = self.platform.tg.clone();
        // A partner added back, or a document approved again, after a revocation gets a
        // new share: the key counts the revocations of this version for this partner.
        let revocations = self.standing(workspace.id.get()).await?.0.times_revoked(
            document.id.get(),
            version,
            partner,
        );
        let business_key = match revocations {
            0 => format!("{}/v{version}/{partner}", document.id),
            n => format!("{}/v{version}/{partner}/after-revocation-{n}", document.id),
        };
        let due_at = self.planned_due_date(&business_key).await?;
        let new_share = |attachment_id| NewShare {
            partner_ids: vec![PartnerId::new(partner)],
            title: format!("{} — {} (version {version})", workspace.name, document.name),
            message: format!(
                "Please acknowledge version {version} of {} by {}.",
                document.name,
                due_at.date()
            ),
            attachment_ids: vec![attachment_id],
            ack_required: true,
            due_at: Some(due_at),
            external_ref: Some(ExternalRef::new("xecm", document.id.to_string())),
        };
        let shared = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-share", &business_key),
                None,
                |k| async move {
                    let attachment = tg
                        .upload_attachment(&idempotency_key(&format!("{k}:attachment"))?, upload)
                        .await?;
                    let share = tg
                        .share_documents(
                            &idempotency_key(&k)?,
                            &new_share(attachment.attachment_id.clone()),
                        )
                        .await
                        .map_err(|error| refusal(partner, error))?;
                    Ok::<_, ShareError>(SharedVersion {
                        share_id: share.share_id.as_str().to_owned(),
                        workspace_id: workspace.id.get(),
                        document_id: document.id.get(),
                        document_name: document.name.clone(),
                        version,
                        partner_id: partner.to_owned(),
                        sha256: attachment.sha256,
                        file_name: attachment.file_name,
                        due_at: rfc3339(due_at),
                        reminders_sent: 0,
                        last_reminded_at: None,
                    })
                },
            )
            .await
            .map_err(ShareError::from_effect)?;
        let ran_now = shared.ran_now();
        let shared = shared.into_inner();
        self.record_share(&shared).await?;
        if ran_now {
            tracing::info!(share_id = %shared.share_id, "contract version shared with the partner");
        }
        Ok(ran_now.then_some(shared))
    }

    /// Revokes the partner's shares of versions of `document` older than `version` (each
    /// once: TG's revoke is a no-op the second time, and the effect is confirmed in the
    /// ledger) after marking them superseded; the share ids revoked in this call.
    async fn supersede_older(
        &self,
        workspace: NodeId,
        document: NodeId,
        version: u32,
        partner: &str,
    ) -> Result<Vec<String>, ShareError> {
        let standing = self
            .change_standing(workspace.get(), |s| {
                s.supersede(document.get(), partner, version)
            })
            .await?;
        let mut revoked = Vec::new();
        for old in standing.older(document.get(), partner, version) {
            let tg = self.platform.tg.clone();
            let share_id = ShareId::new(&old.share_id);
            let outcome = self
                .platform
                .effects
                .once(
                    &EffectKey::new("tg-share-revoke", &old.share_id),
                    None,
                    |_| async move {
                        let share = tg.revoke_share(&share_id).await?;
                        Ok::<_, ShareError>(
                            json!({"status": share.status, "superseded_by": version}),
                        )
                    },
                )
                .await
                .map_err(ShareError::from_effect)?;
            self.close_share(&old.share_id).await?;
            if outcome.ran_now() {
                tracing::info!(
                    share_id = %old.share_id,
                    old_version = old.version,
                    version,
                    "share of a superseded version revoked"
                );
                revoked.push(old.share_id);
            }
        }
        Ok(revoked)
    }

    /// The acknowledgment deadline of one partner's share of a document version, fixed at the
    /// first attempt so a re-run after a crash sends Trading Grid the same request under the
    /// same key.
    async fn planned_due_date(&self, business_key: &str) -> Result<OffsetDateTime, ShareError> {
        let id = RecordId::new(DUE_DATE_KIND, business_key)?;
        let now = self.platform.clock.now();
        let planned = (now + self.config.ack_due)
            .replace_nanosecond(0)
            .unwrap_or(now + self.config.ack_due)
            .to_offset(time::UtcOffset::UTC);
        let stored = match self
            .platform
            .ledger
            .create(NewRecord::new(
                id.clone(),
                "PLANNED",
                json!({"due_at": rfc3339(planned)}),
            ))
            .await
        {
            Ok(_) => return Ok(planned),
            Err(LedgerError::AlreadyExists { existing, .. }) => Some(*existing),
            Err(error) => return Err(error.into()),
        };
        stored
            .and_then(|r| {
                r.data
                    .get("due_at")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            })
            .and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok())
            .ok_or_else(|| ShareError::Malformed {
                event_id: id.to_string(),
                reason: "the planned due date does not read".into(),
            })
    }

    /// The ledger record (open, for the reminders) and the contract's standing, each once per
    /// share (a re-run after a crash between the share and these finishes them).
    async fn record_share(&self, shared: &SharedVersion) -> Result<(), ShareError> {
        let data = serde_json::to_value(shared).map_err(|e| ShareError::Malformed {
            event_id: shared.share_id.clone(),
            reason: e.to_string(),
        })?;
        let record = NewRecord::new(
            RecordId::new(SHARE_RECORD_KIND, &shared.share_id)?,
            "OPEN",
            data,
        )
        .with_index1(
            OPEN_SHARES,
            format!("{}#{}", shared.due_at, shared.share_id),
        );
        match self.platform.ledger.create(record).await {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let entry = ShareEntry {
            share_id: shared.share_id.clone(),
            document_id: shared.document_id,
            version: shared.version,
            partner_id: shared.partner_id.clone(),
            answer: Answer::Pending,
            superseded_by: None,
            overdue: false,
            revoked: None,
        };
        self.change_standing(shared.workspace_id, |s| s.add(entry.clone()))
            .await?;
        Ok(())
    }

    /// The share as recorded, if contract-share made it.
    pub async fn shared_version(
        &self,
        share_id: &str,
    ) -> Result<Option<SharedVersion>, ShareError> {
        let Some(record) = self
            .platform
            .ledger
            .get(&RecordId::new(SHARE_RECORD_KIND, share_id)?)
            .await?
        else {
            return Ok(None);
        };
        serde_json::from_value(record.data)
            .map(Some)
            .map_err(|e| ShareError::Malformed {
                event_id: share_id.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Notes reminder `number` sent at `at` on the share's record (never lowering the count):
    /// the reminders count what was sent, not the time since the deadline.
    pub(crate) async fn note_reminder(
        &self,
        share_id: &str,
        number: u32,
        at: OffsetDateTime,
    ) -> Result<(), ShareError> {
        let id = RecordId::new(SHARE_RECORD_KIND, share_id)?;
        for _ in 0..4 {
            let Some(record) = self.platform.ledger.get(&id).await? else {
                return Ok(());
            };
            let mut shared: SharedVersion =
                serde_json::from_value(record.data.clone()).map_err(|e| ShareError::Malformed {
                    event_id: share_id.to_owned(),
                    reason: e.to_string(),
                })?;
            if shared.reminders_sent >= number {
                return Ok(());
            }
            shared.reminders_sent = number;
            shared.last_reminded_at = Some(rfc3339(
                at.replace_nanosecond(0)
                    .unwrap_or(at)
                    .to_offset(time::UtcOffset::UTC),
            ));
            let mut change = record.change();
            change.data = serde_json::to_value(&shared).map_err(|e| ShareError::Malformed {
                event_id: share_id.to_owned(),
                reason: e.to_string(),
            })?;
            match self.platform.ledger.update(change).await {
                Ok(_) => return Ok(()),
                Err(LedgerError::VersionConflict { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Err(ShareError::Effect(
            format!("the reminder count of share {share_id} kept changing under us"),
            gridlink_core::error::ErrorKind::Unavailable,
        ))
    }

    /// Takes a share off the open list (answered or superseded): no more reminders.
    pub(crate) async fn close_share(&self, share_id: &str) -> Result<(), ShareError> {
        let id = RecordId::new(SHARE_RECORD_KIND, share_id)?;
        for _ in 0..4 {
            let Some(record) = self.platform.ledger.get(&id).await? else {
                return Ok(());
            };
            if record.status == "CLOSED" {
                return Ok(());
            }
            let mut change = record.change();
            change.status = "CLOSED".into();
            change.index1 = None;
            match self.platform.ledger.update(change).await {
                Ok(_) => return Ok(()),
                Err(LedgerError::VersionConflict { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// Open shares whose deadline is before `now`, oldest deadline first.
    pub(crate) async fn overdue_shares(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<SharedVersion>, ShareError> {
        let query =
            Query::partition(IndexName::One, OPEN_SHARES).range(SortRange::Before(rfc3339(
                now.replace_nanosecond(0)
                    .unwrap_or(now)
                    .to_offset(time::UtcOffset::UTC),
            )));
        let mut overdue = Vec::new();
        for record in self.platform.ledger.query(query).await? {
            if record.status != "OPEN" {
                continue;
            }
            match serde_json::from_value::<SharedVersion>(record.data) {
                Ok(shared) => overdue.push(shared),
                Err(error) => {
                    tracing::warn!(record = %record.id, %error, "open share record does not read");
                }
            }
        }
        Ok(overdue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(value: AttributeValue) -> NamedAttributes {
        let mut values = NamedAttributes::new();
        values.insert("Partner ID".into(), value);
        values
    }

    #[test]
    fn partners_are_read_from_separated_text_each_once() {
        let read = partner_ids(
            &values(" prt_acme, prt_globex;prt_acme  prt_initech ".into()),
            "Partner ID",
        );
        assert_eq!(read, ["prt_acme", "prt_globex", "prt_initech"]);
    }

    #[test]
    fn partners_are_read_from_a_multi_value_attribute() {
        let read = partner_ids(
            &values(AttributeValue::Multi(vec![
                "prt_acme".into(),
                AttributeValue::Empty,
                "prt_globex, prt_acme".into(),
            ])),
            "Partner ID",
        );
        assert_eq!(read, ["prt_acme", "prt_globex"]);
    }

    #[test]
    fn no_partner_attribute_means_no_partners() {
        assert!(partner_ids(&NamedAttributes::new(), "Partner ID").is_empty());
        assert!(partner_ids(&values(" , ".into()), "Partner ID").is_empty());
    }
}
