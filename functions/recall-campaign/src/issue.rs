//! Controlled issue (four eyes without an xECM workflow) and the fan-out.
//!
//! A recall is issued only when its `Status` reads `approved`, `Approved By` names someone
//! other than `Initiated By`, xECM's **audit** shows that this approver is who set `Status`
//! to approved and who wrote `Approved By` (so nobody can approve in another's name by
//! typing an attribute), a notice document is in `Notice`, the `Lots` set is not empty, the
//! distribution document reads and each lot is shipped in one unit (a lot whose rows are in
//! more than one unit — `10 CS` and `24 EA` — is refused naming the lot, its units and rows:
//! quantities in different units are never added up). Otherwise the refusal is logged with its
//! reason and filed in `Approvals` (once per approval and reason). A changed distribution that
//! does not read or mixes units is refused the same way as an amendment (`amendment-refused`).
//!
//! Issuing pins the notice and distribution versions in the ledger ([`crate::records`]),
//! sets `Status` to `issuing`, uploads the notice to Trading Grid once, and invites every
//! affected partner — in partner-id order, `FANOUT_CHUNK` at a time, the cursor saved after
//! each chunk, at most `FANOUT_PER_RUN` per invocation (the polls resume). Each partner gets
//! its own campaign listing only its lots, created once per (recall, version, partner): the
//! effect is claimed in the ledger first, and inside it an existing campaign with the
//! partner's external reference is adopted before anything is created. A partner Trading
//! Grid does not know is parked with the reason. When all are handled `Status` becomes
//! `active`.
//!
//! Throttling: the TG client already waits out a 429/503's `Retry-After` and retries (within
//! its retry budget). When it gives up on one — a storm, or a `Retry-After` longer than the
//! budget — on the notice upload, nothing is invited yet and the same `resume_after` applies
//! (the upload is one effect under one `Idempotency-Key`: the retry gets the attachment TG
//! stored, never a second notice); on a campaign create, the fan-out stops at that partner, saves the cursor there and `resume_after` (the
//! `Retry-After` from now, 30 s when none was sent) in the ledger, and reports it; polls before that
//! time leave the fan-out alone, the first one after resumes from the cursor. The poll does
//! not fail, so nothing is retried in a hurry or dead-lettered.

use bytes::Bytes;
use futures::TryStreamExt;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::content::xecm_version_upload;
use gridlink_flow::{EffectKey, Filing};
use gridlink_outbound::{StartedWorkspace, read_started_workspace};
use gridlink_tgrid::model::{CampaignKind, ExternalRef, NewCampaign};
use gridlink_tgrid::{AttachmentId, IdempotencyKey, PartnerId};
use gridlink_xecm::model::subtype;
use gridlink_xecm::{AttributeValue, BytesSource, DocumentSpec, NamedAttributes, Node, NodeId};
use serde::Serialize;
use serde_json::json;
use sha2::Digest;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::RecallCampaign;
use crate::answers::{PartnerState, response_form};
use crate::error::RecallError;
use crate::recall::{
    Parked, PartnerLot, Plan, RecallSheet, RecallStatus, attr, delta, mixed_units,
    parse_distribution, plan,
};
use crate::records::{IssuedRecall, Notice, PartnerRecall, Pinned};

/// The external reference system of recall campaigns (`<recall>/v<n>/<partner>` as id).
pub const EXTERNAL_SYSTEM: &str = "gridlink-recall";

/// What one sync of an incident workspace did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecallSync {
    /// The workspace.
    pub workspace_id: i64,
    /// The recall.
    pub recall_id: Option<String>,
    /// Why nothing was issued, when nothing was to be done.
    pub skipped: Option<String>,
    /// Why issuing was refused.
    pub refused: Option<String>,
    /// Campaigns created in this sync (partner ids).
    pub invited: Vec<String>,
    /// Partners parked in this sync.
    pub parked: Vec<String>,
    /// Whether every partner has been handled.
    pub fanned_out: bool,
    /// Trading Grid throttled the fan-out (429/503 after the client's retries): where it
    /// stopped and when it resumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttled: Option<String>,
    /// `Status` is `closing` and the effectiveness checks are not met: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing: Option<String>,
    /// Partners sent the closeout notice in this sync.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_out: Vec<String>,
    /// When the recall was closed, once it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    /// An amendment found while active, held for approval: what it would send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendment: Option<String>,
    /// The version an approved amendment was issued as, in this sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amended: Option<u32>,
}

/// The wait a 429 or 503 asks for (its `Retry-After`; 30 s when it sent none), when `error`
/// is one: the fan-out stops there and resumes from its cursor after it.
pub(crate) fn throttled(error: &RecallError) -> Option<time::Duration> {
    match error {
        RecallError::Tg(gridlink_tgrid::TgError::Api {
            status: 429 | 503,
            retry_after,
            ..
        }) => Some(
            retry_after
                .and_then(|d| time::Duration::try_from(d).ok())
                .unwrap_or(time::Duration::seconds(30)),
        ),
        _ => None,
    }
}

/// The time a throttled fan-out waits for, while it is still ahead.
pub(crate) fn waiting(issued: &IssuedRecall, now: OffsetDateTime) -> Option<String> {
    let until = issued.resume_after.as_deref()?;
    let at = OffsetDateTime::parse(until, &Rfc3339).ok()?;
    (now < at).then(|| until.to_owned())
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn key(text: &str) -> Result<IdempotencyKey, RecallError> {
    IdempotencyKey::parse(text).map_err(|e| RecallError::malformed(text, &e))
}

/// A refusal to issue: a short code (part of its identity) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code.
    pub code: &'static str,
    /// Why, for people.
    pub reason: String,
}

fn refuse(code: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        code,
        reason: reason.into(),
    }
}

/// The refusal when the distribution version to be issued was added after the approval: a
/// change of the distribution, like one of `Lots`, must be approved again. (The audit and
/// the version dates are to the second: a version added within the approval's second is
/// taken as approved with it.)
fn distribution_after_approval(
    distribution: &Pinned,
    added: Option<OffsetDateTime>,
    approved_at: Option<OffsetDateTime>,
) -> Option<Refusal> {
    let (Some(added), Some(approved_at)) = (added, approved_at) else {
        return None;
    };
    (added > approved_at).then(|| {
        refuse(
            "distribution-changed-after-approval",
            format!(
                "the distribution `{}` got version {} at {} after the approval at {}: the approver must approve again",
                distribution.name,
                distribution.version,
                rfc3339(added),
                rfc3339(approved_at)
            ),
        )
    })
}

impl RecallCampaign {
    /// Reads one incident workspace and does what its status asks: issue it (after the
    /// four-eyes checks) or resume its fan-out. Safe to repeat.
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace_id, recall_id = tracing::field::Empty))]
    pub async fn sync_recall(&self, workspace_id: NodeId) -> Result<RecallSync, RecallError> {
        let mut sync = RecallSync {
            workspace_id: workspace_id.get(),
            ..RecallSync::default()
        };
        let (workspace, values) = match read_started_workspace(
            self.platform.xecm.as_ref(),
            workspace_id,
            self.config.workspace_type,
            self.config.category,
            "quality incident",
            "Recall",
        )
        .await?
        {
            StartedWorkspace::Found { workspace, values } => (workspace, values),
            StartedWorkspace::Skipped(reason) => {
                sync.skipped = Some(reason);
                return Ok(sync);
            }
        };
        let sheet = match RecallSheet::read(&values) {
            Ok(sheet) => sheet,
            Err(reason) => {
                tracing::warn!(%reason, "recall category does not read");
                sync.skipped = Some(reason);
                return Ok(sync);
            }
        };
        gridlink_flow::timeline::about("recall", &sheet.recall_id);
        sync.recall_id = Some(sheet.recall_id.clone());
        let span = tracing::Span::current();
        span.record("recall_id", sheet.recall_id.as_str());
        match (sheet.status, self.issued(&sheet.recall_id).await?) {
            // Issued and fanned out: a change to `Lots` or the distribution since is an
            // amendment — held for approval while active, issued once approved.
            (Some(status @ (RecallStatus::Approved | RecallStatus::Active)), Some(issued))
                if issued.fanned_out()
                    && issued.closing_since.is_none()
                    && issued.workspace_id == workspace_id.get() =>
            {
                match self.amendment(workspace_id, &sheet, &issued).await? {
                    None if status == RecallStatus::Approved => {
                        self.fan_out(issued, &mut sync).await?;
                    }
                    None => sync.skipped = Some("status is active".into()),
                    Some(Err(reason)) => {
                        tracing::warn!(recall_id = %issued.recall_id, %reason, "the changed distribution does not read: no amendment");
                        // Filed for the approver like any refusal to issue (once per approval).
                        self.file_refusal(
                            &workspace,
                            &sheet,
                            &refuse(
                                "amendment-refused",
                                format!("the changed distribution is not issued: {reason}"),
                            ),
                        )
                        .await?;
                        sync.refused = Some(reason);
                    }
                    Some(Ok(change)) if status == RecallStatus::Active => {
                        sync.amendment =
                            Some(self.hold_amendment(workspace_id, &issued, &change).await?);
                    }
                    Some(Ok(_)) => {
                        Box::pin(self.issue_amendment(&workspace, &sheet, issued, &mut sync))
                            .await?;
                    }
                }
            }
            (Some(RecallStatus::Approved | RecallStatus::Issuing), Some(issued)) => {
                if issued.workspace_id != workspace_id.get() {
                    sync.refused = Some(format!(
                        "recall {} was issued from workspace {}",
                        issued.recall_id, issued.workspace_id
                    ));
                    return Ok(sync);
                }
                self.fan_out(issued, &mut sync).await?;
            }
            // `closed` too while gridlink's own closeout is unfinished (a crash after it wrote
            // the status): the remaining steps are re-run, each once.
            (Some(RecallStatus::Closing | RecallStatus::Closed), Some(issued))
                if issued.closing_since.is_some()
                    || sheet.status == Some(RecallStatus::Closing) =>
            {
                if issued.closeout_filed {
                    sync.skipped = Some("closed".into());
                    return Ok(sync);
                }
                if issued.workspace_id != workspace_id.get() {
                    sync.refused = Some(format!(
                        "recall {} was issued from workspace {}",
                        issued.recall_id, issued.workspace_id
                    ));
                    return Ok(sync);
                }
                Box::pin(self.close(issued, &mut sync)).await?;
            }
            (Some(RecallStatus::Approved), None) => {
                match self.check_issue(&workspace, &sheet).await? {
                    Err(refusal) => {
                        self.file_refusal(&workspace, &sheet, &refusal).await?;
                        sync.refused = Some(refusal.reason);
                    }
                    Ok((issued, plan)) => {
                        let issued = self.create_issued(&issued).await?;
                        for parked in &plan.parked {
                            let row = parked.row.unwrap_or_default();
                            self.park(&issued, &format!("{}/row-{row}", parked.partner_id), parked)
                                .await?;
                            sync.parked.push(parked.partner_id.clone());
                        }
                        self.write_status(workspace_id, RecallStatus::Issuing)
                            .await?;
                        tracing::info!(recall_id = %issued.recall_id, partners = issued.partners_total, approved_by = issued.approved_by, "recall issued: inviting partners");
                        self.fan_out(issued, &mut sync).await?;
                    }
                }
            }
            (status, _) => {
                sync.skipped = Some(format!(
                    "status is {}",
                    status.map_or("unreadable", RecallStatus::as_str)
                ));
            }
        }
        Ok(sync)
    }

    /// The four-eyes checks and the inputs of an issue; `Ok(Err(refusal))` when it must not
    /// be issued.
    async fn check_issue(
        &self,
        workspace: &Node,
        sheet: &RecallSheet,
    ) -> Result<Result<(IssuedRecall, Plan), Refusal>, RecallError> {
        let (Some(initiator), Some(approver)) = (sheet.initiated_by, sheet.approved_by) else {
            return Ok(Err(refuse(
                "no-approver",
                "`Initiated By` and `Approved By` must both name users",
            )));
        };
        if initiator == approver {
            return Ok(Err(refuse(
                "approver-is-initiator",
                format!(
                    "the approver (user {approver}) is the initiator: a second person must approve"
                ),
            )));
        }
        let approved_at = match self.check_audit(workspace.id, approver).await? {
            Ok(approved_at) => approved_at,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Err(reason) = sheet.check_hours() {
            return Ok(Err(refuse("bad-hours", reason)));
        }
        if sheet.lots.is_empty() {
            return Ok(Err(refuse("no-lots", "the `Lots` set is empty")));
        }
        let Some(notice) = self.notice_document(workspace.id).await? else {
            return Ok(Err(refuse(
                "no-notice",
                format!("no notice document in `{}`", self.config.notice_folder),
            )));
        };
        let Some(distribution) = self
            .platform
            .xecm
            .node_at_path(workspace.id, &self.config.distribution_path)
            .await?
        else {
            return Ok(Err(refuse(
                "no-distribution",
                format!(
                    "no distribution document `{}`",
                    self.config.distribution_path
                ),
            )));
        };
        let (distribution, distribution_added) = self.pin_dated(&distribution).await?;
        if let Some(refusal) =
            distribution_after_approval(&distribution, distribution_added, approved_at)
        {
            return Ok(Err(refusal));
        }
        let text = self.download_text(&distribution).await?;
        let shipments = match parse_distribution(&text) {
            Ok(shipments) => shipments,
            Err(error) => return Ok(Err(refuse("bad-distribution", error.to_string()))),
        };
        let mixed = mixed_units(&sheet.lots, &shipments);
        if !mixed.is_empty() {
            for lot in &mixed {
                tracing::warn!(recall_id = %sheet.recall_id, lot = %lot.lot_code, units = %lot.units.join(", "), "lot shipped in more than one unit: not issued");
            }
            let reasons: Vec<String> = mixed.iter().map(ToString::to_string).collect();
            return Ok(Err(refuse(
                "mixed-units",
                format!(
                    "the distribution `{}`: {}",
                    distribution.name,
                    reasons.join("; ")
                ),
            )));
        }
        let plan = plan(&sheet.lots, &shipments);
        if plan.partners.is_empty() {
            return Ok(Err(refuse(
                "no-partners",
                "the distribution names no partner with a lot of the recall",
            )));
        }
        let now = self.platform.clock.now();
        let Some(due_at) = crate::recall::after_hours(now, sheet.response_due_hours) else {
            return Ok(Err(refuse(
                "bad-hours",
                format!(
                    "`{}` is {}: the due time is past any date",
                    crate::recall::attr::RESPONSE_DUE_HOURS,
                    sheet.response_due_hours
                ),
            )));
        };
        let notice_document = self.pin(&notice).await?;
        Ok(Ok((
            IssuedRecall {
                recall_id: sheet.recall_id.clone(),
                workspace_id: workspace.id.get(),
                version: 1,
                class: sheet.class.clone(),
                reason_code: sheet.reason_code.clone(),
                market: sheet.market.clone(),
                lots: sheet.lots.clone(),
                initiated_by: initiator,
                approved_by: approver,
                notice_document,
                notice: None,
                distribution,
                issued_at: rfc3339(now),
                due_at: rfc3339(due_at),
                reminder_interval_hours: sheet.reminder_interval_hours,
                escalate_after_hours: sheet.escalate_after_hours,
                resume_after: None,
                partners_total: plan.partners.len(),
                cursor: 0,
                previous: Vec::new(),
                closing_since: None,
                closeout_cursor: 0,
                closed_at: None,
                closeout_filed: false,
            },
            plan,
        )))
    }

    /// Who the audit says set `Status` to approved and last wrote `Approved By` — both must
    /// be the approver named; when the approval was (the audit entry's time, if it has one).
    async fn check_audit(
        &self,
        workspace: NodeId,
        approver: i64,
    ) -> Result<Result<Option<OffsetDateTime>, Refusal>, RecallError> {
        let category = self.config.category.get();
        let trail = self.platform.xecm.audit_trail(workspace, None).await?;
        // The trail is newest first.
        let position = |attribute: &str, value: Option<&str>| {
            trail.iter().position(|entry| {
                entry.attribute_changes.iter().any(|c| {
                    c.category_id == category
                        && c.attribute == attribute
                        && value.is_none_or(|v| {
                            c.new_value
                                .as_str()
                                .and_then(RecallStatus::parse)
                                .is_some_and(|s| s.as_str() == v)
                        })
                })
            })
        };
        let last_change = |attribute: &str, value: Option<&str>| {
            position(attribute, value).map(|index| trail[index].user_id)
        };
        match last_change(attr::STATUS, Some(RecallStatus::Approved.as_str())) {
            None => {
                return Ok(Err(refuse(
                    "no-audit",
                    "xECM's audit shows nobody setting `Status` to approved",
                )));
            }
            Some(user) if user != Some(approver) => {
                return Ok(Err(refuse(
                    "approved-by-other",
                    format!(
                        "xECM's audit shows `Status` set to approved by user {}, not by the approver (user {approver})",
                        user.map_or("unknown".into(), |u| u.to_string())
                    ),
                )));
            }
            Some(_) => {}
        }
        // Newest first: a `Lots` change above the approval was made after it, unapproved.
        if let (Some(lots), Some(approval)) = (
            position(attr::LOTS, None),
            position(attr::STATUS, Some(RecallStatus::Approved.as_str())),
        ) && lots < approval
        {
            return Ok(Err(refuse(
                "changed-after-approval",
                "xECM's audit shows the `Lots` set changed after the approval: the approver must approve again",
            )));
        }
        let approved_at = position(attr::STATUS, Some(RecallStatus::Approved.as_str()))
            .and_then(|index| trail[index].audit_date);
        match last_change(attr::APPROVED_BY, None) {
            Some(user) if user == Some(approver) => Ok(Ok(approved_at)),
            user => Ok(Err(refuse(
                "approver-named-by-other",
                format!(
                    "xECM's audit shows `Approved By` written by user {}, not by the approver (user {approver}) themself",
                    user.flatten().map_or("unknown".into(), |u| u.to_string())
                ),
            ))),
        }
    }

    /// The notice: the first document (by id) in the notice folder.
    async fn notice_document(&self, workspace: NodeId) -> Result<Option<Node>, RecallError> {
        let Some(folder) = self
            .platform
            .xecm
            .child_named(workspace, &self.config.notice_folder)
            .await?
        else {
            return Ok(None);
        };
        let mut documents: Vec<Node> = self
            .platform
            .xecm
            .list_children(folder.id)
            .await?
            .into_iter()
            .filter(|n| n.subtype == subtype::DOCUMENT)
            .collect();
        documents.sort_by_key(|d| d.id);
        Ok(documents.into_iter().next())
    }

    async fn pin(&self, document: &Node) -> Result<Pinned, RecallError> {
        Ok(self.pin_dated(document).await?.0)
    }

    /// [`Self::pin`], with when the pinned version was added (if xECM says).
    async fn pin_dated(
        &self,
        document: &Node,
    ) -> Result<(Pinned, Option<OffsetDateTime>), RecallError> {
        let latest = self.platform.xecm.versions(document.id).await?.pop();
        Ok((
            Pinned {
                document_id: document.id.get(),
                name: document.name.clone(),
                version: latest.as_ref().map_or(1, |v| v.version_number),
            },
            latest.and_then(|v| v.create_date),
        ))
    }

    pub(crate) async fn download_text(&self, pinned: &Pinned) -> Result<String, RecallError> {
        let id = NodeId::new(pinned.document_id)
            .map_err(|e| RecallError::malformed("document id", &e))?;
        let download = self
            .platform
            .xecm
            .download_version(id, pinned.version)
            .await?;
        let chunks: Vec<Bytes> = download.body.try_collect().await?;
        String::from_utf8(chunks.concat()).map_err(|_| {
            RecallError::malformed(
                format!("distribution document {}", pinned.name),
                &"it is not UTF-8 text",
            )
        })
    }

    /// Files the refusal in `Approvals`, once per approval (the audit's latest entry) and
    /// reason; logs it every time it is decided.
    async fn file_refusal(
        &self,
        workspace: &Node,
        sheet: &RecallSheet,
        refusal: &Refusal,
    ) -> Result<(), RecallError> {
        tracing::warn!(recall_id = %sheet.recall_id, code = refusal.code, reason = %refusal.reason, "recall not issued: refused");
        let latest = self
            .platform
            .xecm
            .audit_trail(workspace.id, None)
            .await?
            .into_iter()
            .find(|e| !e.attribute_changes.is_empty())
            .and_then(|e| e.audit_date)
            .map_or_else(|| "none".to_owned(), rfc3339);
        let stamp: String = latest.chars().filter(char::is_ascii_alphanumeric).collect();
        let text = format!(
            "Recall {} was NOT issued.\nReason: {}\nCheck: {}\nInitiated by: {}\nApproved by: {}\nStatus: {}\nApproval audited at: {latest}\nDecided at: {}\n",
            sheet.recall_id,
            refusal.reason,
            refusal.code,
            sheet.initiated_by.map_or("-".into(), |u| u.to_string()),
            sheet.approved_by.map_or("-".into(), |u| u.to_string()),
            sheet.status.map_or("-", RecallStatus::as_str),
            rfc3339(self.platform.clock.now()),
        );
        let filing = Filing::new(
            EffectKey::new(
                "xecm-recall-refusal",
                format!("{}/{stamp}/{}", sheet.recall_id, refusal.code),
            ),
            workspace.id,
            self.config.approvals_folder.clone(),
            DocumentSpec {
                name: format!(
                    "Issue refused {} {stamp} {}.txt",
                    sheet.recall_id, refusal.code
                ),
                description: format!("Recall {} not issued: {}", sheet.recall_id, refusal.reason),
                mime_type: Some("text/plain".into()),
                ..DocumentSpec::default()
            },
        );
        self.platform
            .file_once(&filing, &BytesSource(Bytes::from(text)))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        Ok(())
    }

    pub(crate) async fn write_status(
        &self,
        workspace: NodeId,
        status: RecallStatus,
    ) -> Result<(), RecallError> {
        let mut values = NamedAttributes::new();
        values.insert(
            attr::STATUS.into(),
            AttributeValue::Text(status.as_str().into()),
        );
        self.platform
            .xecm
            .write_attributes(workspace, self.config.category, &values)
            .await?;
        Ok(())
    }

    /// The plan of one issued version, from its pinned distribution version (everything it
    /// covers, before any delta).
    async fn version_plan(
        &self,
        recall_id: &str,
        distribution: &Pinned,
        lots: &[crate::recall::Lot],
    ) -> Result<Plan, RecallError> {
        let text = self.download_text(distribution).await?;
        let shipments = parse_distribution(&text)
            .map_err(|e| RecallError::malformed(format!("recall {recall_id}"), &e))?;
        Ok(plan(lots, &shipments))
    }

    /// The plans of the versions issued before the current one.
    async fn previous_plans(&self, issued: &IssuedRecall) -> Result<Vec<Plan>, RecallError> {
        let mut plans = Vec::new();
        for version in &issued.previous {
            plans.push(
                self.version_plan(&issued.recall_id, &version.distribution, &version.lots)
                    .await?,
            );
        }
        Ok(plans)
    }

    /// What the current version sends: the whole plan for version 1, the delta over the
    /// earlier versions for an amendment ([`crate::recall::delta`]).
    pub(crate) async fn issued_plan(&self, issued: &IssuedRecall) -> Result<Plan, RecallError> {
        let current = self
            .version_plan(&issued.recall_id, &issued.distribution, &issued.lots)
            .await?;
        if issued.previous.is_empty() {
            return Ok(current);
        }
        Ok(delta(&self.previous_plans(issued).await?, &current))
    }

    /// The amendment the workspace holds over what was issued, if any: the delta of the
    /// `Lots` set and the newest distribution version over every version issued.
    async fn amendment(
        &self,
        workspace: NodeId,
        sheet: &RecallSheet,
        issued: &IssuedRecall,
    ) -> Result<Option<Result<Plan, String>>, RecallError> {
        let Some(document) = self
            .platform
            .xecm
            .node_at_path(workspace, &self.config.distribution_path)
            .await?
        else {
            return Ok(None);
        };
        let latest = self.pin(&document).await?;
        if latest == issued.distribution && sheet.lots == issued.lots {
            return Ok(None);
        }
        let text = self.download_text(&latest).await?;
        let shipments = match parse_distribution(&text) {
            Ok(shipments) => shipments,
            Err(error) => return Ok(Some(Err(error.to_string()))),
        };
        let mixed = mixed_units(&sheet.lots, &shipments);
        if !mixed.is_empty() {
            let reasons: Vec<String> = mixed.iter().map(ToString::to_string).collect();
            return Ok(Some(Err(reasons.join("; "))));
        }
        let mut previous = self.previous_plans(issued).await?;
        previous.push(
            self.version_plan(&issued.recall_id, &issued.distribution, &issued.lots)
                .await?,
        );
        let change = delta(&previous, &plan(&sheet.lots, &shipments));
        Ok((change != Plan::default()).then_some(Ok(change)))
    }

    /// An amendment found while the recall is active: back to `pending approval` for the
    /// delta, and the delta filed once in `Approvals` for the approver.
    async fn hold_amendment(
        &self,
        workspace: NodeId,
        issued: &IssuedRecall,
        change: &Plan,
    ) -> Result<String, RecallError> {
        let lines: Vec<String> = change
            .partners
            .iter()
            .map(|(partner, lots)| {
                let lots: Vec<String> = lots
                    .iter()
                    .map(|l| format!("{} ({} {})", l.lot_code, l.shipped, l.unit))
                    .collect();
                format!("  notify {partner}: {}", lots.join(", "))
            })
            .chain(
                change
                    .parked
                    .iter()
                    .map(|p| format!("  not sent: {}", p.reason)),
            )
            .collect();
        let summary = format!(
            "amendment v{} of recall {} awaits approval: {} partner(s) to notify, {} change(s) not sent",
            issued.version + 1,
            issued.recall_id,
            change.partners.len(),
            change.parked.len()
        );
        let text = format!(
            "Recall {}: the Lots set or the distribution changed after version {} was issued.\nStatus set back to pending approval: the approver approves the delta (version {}), which goes only to these partners:\n{}\n",
            issued.recall_id,
            issued.version,
            issued.version + 1,
            lines.join("\n")
        );
        let hash = hex::encode(sha2::Sha256::digest(text.as_bytes()));
        self.write_status(workspace, RecallStatus::PendingApproval)
            .await?;
        tracing::warn!(recall_id = %issued.recall_id, version = issued.version + 1, partners = change.partners.len(), "recall changed after issue: pending approval for the delta");
        let filing = Filing::new(
            EffectKey::new(
                "xecm-recall-amendment",
                format!(
                    "{}/v{}/{}",
                    issued.recall_id,
                    issued.version + 1,
                    &hash[..16]
                ),
            ),
            workspace,
            self.config.approvals_folder.clone(),
            DocumentSpec {
                name: format!(
                    "Amendment pending approval {} v{} {}.txt",
                    issued.recall_id,
                    issued.version + 1,
                    &hash[..8]
                ),
                description: summary.clone(),
                mime_type: Some("text/plain".into()),
                ..DocumentSpec::default()
            },
        );
        self.platform
            .file_once(&filing, &BytesSource(Bytes::from(text)))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        Ok(summary)
    }

    /// The approved amendment issued as the next version: four eyes checked as for the first
    /// issue, the delta parked where it cannot be sent, then the fan-out of the delta.
    async fn issue_amendment(
        &self,
        workspace: &Node,
        sheet: &RecallSheet,
        issued: IssuedRecall,
        sync: &mut RecallSync,
    ) -> Result<(), RecallError> {
        let fresh = match self.check_issue(workspace, sheet).await? {
            Err(refusal) => {
                self.file_refusal(workspace, sheet, &refusal).await?;
                sync.refused = Some(refusal.reason);
                return Ok(());
            }
            Ok((fresh, _)) => fresh,
        };
        let mut next = IssuedRecall {
            version: issued.version + 1,
            previous: issued.versions(),
            partners_total: 0,
            ..fresh
        };
        let change = self.issued_plan(&next).await?;
        next.partners_total = change.partners.len();
        if next.notice_document == issued.notice_document {
            next.notice.clone_from(&issued.notice);
        }
        let from = issued.version;
        let amended = self
            .change_issued(&issued.recall_id, |r| {
                if r.version == from {
                    *r = next.clone();
                }
            })
            .await?;
        for parked in &change.parked {
            let key = format!(
                "{}/{}",
                parked.partner_id,
                &hex::encode(sha2::Sha256::digest(parked.reason.as_bytes()))[..16]
            );
            self.park(&amended, &key, parked).await?;
            sync.parked.push(parked.partner_id.clone());
        }
        self.write_status(workspace.id, RecallStatus::Issuing)
            .await?;
        tracing::info!(recall_id = %amended.recall_id, version = amended.version, partners = amended.partners_total, approved_by = amended.approved_by, "amendment issued: inviting the delta only");
        sync.amended = Some(amended.version);
        self.fan_out(amended, sync).await
    }

    /// Invites the partners not handled yet, from the cursor on (see the module docs).
    pub(crate) async fn fan_out(
        &self,
        issued: IssuedRecall,
        sync: &mut RecallSync,
    ) -> Result<(), RecallError> {
        let workspace = NodeId::new(issued.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let mut issued = issued;
        if let Some(until) = waiting(&issued, self.platform.clock.now()) {
            sync.throttled = Some(format!(
                "waiting for Trading Grid's Retry-After until {until}; the fan-out resumes from partner {} of {}",
                issued.cursor + 1,
                issued.partners_total
            ));
            return Ok(());
        }
        if !issued.fanned_out() {
            let notice = match self.upload_notice(&issued).await {
                Ok(notice) => notice,
                Err(error) => {
                    let Some(after) = throttled(&error) else {
                        return Err(error);
                    };
                    // The upload is an effect under one Idempotency-Key: the next attempt
                    // either uploads or gets the attachment TG already stored, never a second.
                    let resume_after =
                        rfc3339(self.platform.clock.now() + after.max(time::Duration::seconds(1)));
                    issued = self
                        .change_issued(&issued.recall_id, |r| {
                            r.resume_after = Some(resume_after.clone());
                        })
                        .await?;
                    tracing::warn!(recall_id = %issued.recall_id, retry_after_secs = after.whole_seconds(), error = %error, "notice upload throttled by Trading Grid; the fan-out resumes after Retry-After");
                    sync.throttled = Some(format!(
                        "Trading Grid throttled the notice upload ({error}); it resumes after {resume_after}"
                    ));
                    return Ok(());
                }
            };
            if issued.notice.as_ref() != Some(&notice) {
                issued = self
                    .change_issued(&issued.recall_id, |r| r.notice = Some(notice.clone()))
                    .await?;
            }
            let plan = self.issued_plan(&issued).await?;
            let partners: Vec<(&String, &Vec<PartnerLot>)> = plan.partners.iter().collect();
            let mut budget = self.config.fanout_per_run;
            while issued.cursor < partners.len() && budget > 0 {
                let end =
                    (issued.cursor + self.config.fanout_chunk.min(budget)).min(partners.len());
                let mut done = issued.cursor;
                let mut throttle = None;
                for (partner, lots) in &partners[issued.cursor..end] {
                    match self.invite(&issued, &notice, partner, lots).await {
                        Ok(true) => sync.invited.push((*partner).clone()),
                        Ok(false) => sync.parked.push((*partner).clone()),
                        Err(error) => match throttled(&error) {
                            Some(after) => {
                                throttle = Some((after, error.to_string()));
                                break;
                            }
                            None => return Err(error),
                        },
                    }
                    done += 1;
                }
                budget -= done - issued.cursor;
                let resume_after = throttle.as_ref().map(|&(after, _)| {
                    rfc3339(self.platform.clock.now() + after.max(time::Duration::seconds(1)))
                });
                issued = self
                    .change_issued(&issued.recall_id, |r| {
                        r.cursor = r.cursor.max(done);
                        r.resume_after.clone_from(&resume_after);
                    })
                    .await?;
                if let Some((after, error)) = throttle {
                    tracing::warn!(recall_id = %issued.recall_id, cursor = issued.cursor, total = issued.partners_total, retry_after_secs = after.whole_seconds(), error = %error, "fan-out throttled by Trading Grid; resumes from the cursor after Retry-After");
                    sync.throttled = Some(format!(
                        "Trading Grid throttled the fan-out at partner {} of {} ({error}); it resumes after {}",
                        issued.cursor + 1,
                        issued.partners_total,
                        issued.resume_after.clone().unwrap_or_default()
                    ));
                    break;
                }
                tracing::info!(recall_id = %issued.recall_id, cursor = issued.cursor, total = issued.partners_total, "fan-out chunk done");
            }
        }
        sync.fanned_out = issued.fanned_out();
        if issued.fanned_out() {
            // Closing was asked for during the fan-out: `Status` stays `closing` (the close
            // follows, [`crate::closeout`]).
            if issued.closing_since.is_none() {
                self.write_status(workspace, RecallStatus::Active).await?;
            }
            self.file_rollup(&issued).await?;
        }
        Ok(())
    }

    /// The notice uploaded to Trading Grid once per recall version.
    async fn upload_notice(&self, issued: &IssuedRecall) -> Result<Notice, RecallError> {
        if let Some(notice) = &issued.notice {
            return Ok(notice.clone());
        }
        let pinned = &issued.notice_document;
        let document = NodeId::new(pinned.document_id)
            .map_err(|e| RecallError::malformed("document id", &e))?;
        let version = self
            .platform
            .xecm
            .versions(document)
            .await?
            .into_iter()
            .find(|v| v.version_number == pinned.version)
            .ok_or_else(|| {
                RecallError::malformed(
                    format!("notice {}", pinned.name),
                    &format!("version {} is gone", pinned.version),
                )
            })?;
        let file_name = if version.file_name.trim().is_empty() {
            pinned.name.clone()
        } else {
            version.file_name.clone()
        };
        let upload = xecm_version_upload(
            self.platform.xecm.clone(),
            document,
            &version,
            &file_name,
            None,
        );
        let tg = self.platform.tg.clone();
        let notice = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-recall-notice", issued.key()),
                None,
                |k| async move {
                    let attachment = tg.upload_attachment(&key(&k)?, upload).await?;
                    Ok::<_, RecallError>(Notice {
                        attachment_id: attachment.attachment_id.as_str().to_owned(),
                        file_name: attachment.file_name,
                        sha256: attachment.sha256,
                    })
                },
            )
            .await
            .map_err(RecallError::from_effect)?;
        Ok(notice.into_inner())
    }

    /// One partner's campaign, once; `false` when the partner was parked.
    #[tracing::instrument(skip_all, fields(recall_id = %issued.recall_id, partner_id = %partner))]
    async fn invite(
        &self,
        issued: &IssuedRecall,
        notice: &Notice,
        partner: &str,
        lots: &[PartnerLot],
    ) -> Result<bool, RecallError> {
        let partner_key = issued.partner_key(partner);
        if self.partner_recall(&partner_key).await?.is_none() {
            match self.platform.tg.partner(&PartnerId::new(partner)).await {
                Ok(_) => {}
                Err(error) if matches!(error.kind(), ErrorKind::NotFound) => {
                    self.park(
                        issued,
                        &format!("{partner}/partner"),
                        &Parked {
                            partner_id: partner.to_owned(),
                            row: None,
                            reason: format!("Trading Grid does not know partner {partner}"),
                        },
                    )
                    .await?;
                    return Ok(false);
                }
                Err(error) => return Err(error.into()),
            }
            self.create_partner(
                &partner_key,
                &PartnerRecall {
                    recall_id: issued.recall_id.clone(),
                    version: issued.version,
                    workspace_id: issued.workspace_id,
                    partner_id: partner.to_owned(),
                    lots: lots.to_vec(),
                    campaign_id: None,
                    answers: Vec::new(),
                    state: PartnerState::Invited,
                    reminders: 0,
                    escalation: None,
                },
            )
            .await?;
        }
        let external_ref = ExternalRef::new(EXTERNAL_SYSTEM, partner_key.clone());
        let due_at = OffsetDateTime::parse(&issued.due_at, &Rfc3339)
            .map_err(|e| RecallError::malformed(format!("recall {}", issued.recall_id), &e))?;
        let lines: Vec<String> = lots
            .iter()
            .map(|l| {
                format!(
                    "- lot {} · GTIN {} · {} · {} {} shipped to you",
                    l.lot_code, l.gtin, l.material, l.shipped, l.unit
                )
            })
            .collect();
        let campaign = NewCampaign {
            kind: CampaignKind::RecallNotice,
            title: if issued.version > 1 {
                format!(
                    "Recall {} amendment v{} (class {}): {} more lot(s)",
                    issued.recall_id,
                    issued.version,
                    issued.class,
                    lots.len()
                )
            } else {
                format!(
                    "Recall {} (class {}): {} lot(s)",
                    issued.recall_id,
                    issued.class,
                    lots.len()
                )
            },
            message: format!(
                "Product recall {} (class {}, reason {}, market {}). Our records show these lots shipped to you:\n{}\nStop distribution, quarantine the stock, tell us what you hold, returned or destroyed, and notify your own customers. The notice is attached. Answer by {}.",
                issued.recall_id,
                issued.class,
                issued.reason_code,
                issued.market,
                lines.join("\n"),
                issued.due_at
            ),
            partner_ids: vec![PartnerId::new(partner)],
            attachment_ids: vec![AttachmentId::new(&notice.attachment_id)],
            response_form: Some(response_form(lots)),
            due_at: Some(due_at),
            external_ref: Some(external_ref.clone()),
        };
        let (campaign_id, ran_now) = self
            .start_campaign_once(
                &EffectKey::new("tg-recall-campaign", &partner_key),
                external_ref,
                campaign,
            )
            .await?;
        self.change_partner(&partner_key, |p| {
            if p.campaign_id.as_deref() == Some(campaign_id.as_str()) {
                return false;
            }
            p.campaign_id = Some(campaign_id.clone());
            true
        })
        .await?;
        if ran_now {
            tracing::info!(%campaign_id, "partner invited to the recall campaign");
        }
        Ok(true)
    }

    /// Starts `campaign` once per `effect` (a partner's notice, a partner's closeout). A
    /// campaign an earlier attempt started, whose answer was lost, is found by its
    /// `external_ref` and adopted, never started twice. The campaign id, and whether this call
    /// did the work.
    pub(crate) async fn start_campaign_once(
        &self,
        effect: &EffectKey,
        external_ref: ExternalRef,
        campaign: NewCampaign,
    ) -> Result<(String, bool), RecallError> {
        let tg = self.platform.tg.clone();
        let started = self
            .platform
            .effects
            .once(effect, None, |k| async move {
                if let Some(existing) = tg
                    .campaigns_by_external_ref(&external_ref)
                    .await?
                    .into_iter()
                    .next()
                {
                    tracing::info!(campaign_id = %existing.campaign_id, "campaign from an earlier attempt adopted");
                    return Ok::<_, RecallError>(json!({"campaign_id": existing.campaign_id}));
                }
                let campaign = tg.start_campaign(&key(&k)?, &campaign).await?;
                Ok::<_, RecallError>(json!({"campaign_id": campaign.campaign_id}))
            })
            .await
            .map_err(RecallError::from_effect)?;
        let ran_now = started.ran_now();
        let campaign_id = started.into_inner()["campaign_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Ok((campaign_id, ran_now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).expect("time")
    }

    #[test]
    fn a_distribution_version_added_after_the_approval_is_refused() {
        let pinned = Pinned {
            document_id: 9,
            name: "Distribution.csv".into(),
            version: 2,
        };
        let approved = Some(at("2026-12-03T10:00:00Z"));
        let refusal =
            distribution_after_approval(&pinned, Some(at("2026-12-03T10:00:01Z")), approved)
                .expect("refused");
        assert_eq!(refusal.code, "distribution-changed-after-approval");
        assert!(
            refusal
                .reason
                .contains("`Distribution.csv` got version 2 at 2026-12-03T10:00:01Z"),
            "{}",
            refusal.reason
        );
        for before_or_with in ["2026-12-03T09:59:59Z", "2026-12-03T10:00:00Z"] {
            assert!(
                distribution_after_approval(&pinned, Some(at(before_or_with)), approved).is_none(),
                "{before_or_with}"
            );
        }
        // Without dates (a server that does not say), the audit's `Lots` check stands alone.
        assert!(distribution_after_approval(&pinned, None, approved).is_none());
        assert!(
            distribution_after_approval(&pinned, Some(at("2027-01-01T00:00:00Z")), None).is_none()
        );
    }
}
