//! Access follows the record: a share xECM no longer grants is revoked in Trading Grid.
//!
//! Each sync of a contract compares its live shares ([`crate::standing`]) with what xECM
//! says now, and revokes a partner's share when
//! - the partner is no longer in the contract's `Partner ID` (`partner_removed`),
//! - the document is no longer approved — its `Approval Status` changed, it was deleted, or
//!   moved into the evidence folder (`unapproved`),
//! - the contract was closed, archived, terminated or expired in xECM: its `Contract Status`
//!   (`CONTRACT_STATUS_ATTRIBUTE`) is one of `CONTRACT_ENDED_STATUSES` (`contract_ended`;
//!   every share; nothing is shared while it stays so; set back to an active status, the
//!   contract is shared again as new shares, as the record grants again);
//! - the contract workspace itself was deleted (`workspace_deleted`, seen when a push or a
//!   sync finds it gone, or by the poll alone: a contract with partners is registered
//!   ([`gridlink_outbound::LiveWorkspaces`]) and each poll sweeps a batch of the register for
//!   workspaces xECM no longer has).
//!
//! # Once, crash-safe
//! The decision is written first (the standing entry's `revoked`, by compare-and-set, so it
//! is taken once); then the TG revoke runs as the effect `tg-share-revoke` (share) — the same
//! effect a superseded version's share uses, so a share is revoked once whatever the reason;
//! then the share leaves the reminder list; then the evidence is filed once
//! (`xecm-revoke-evidence` (share)); last the entry is marked `done`. A crash anywhere in
//! between leaves a decided, unfinished revocation, which the next sync of the contract
//! finishes: one revoke, one evidence document.
//!
//! # Evidence
//! `Revocation <share id> <partner id>.txt` in the `Acknowledgments` folder:
//! ```text
//! Revoked: share shr_… of "Framework Agreement.pdf" version 1 (document 123456)
//! Partner: prt_acme
//! Why: the partner was removed from the contract's Partner ID
//! Partner ID now: prt_globex
//! Changed in xECM by: user 1000 at 2026-11-25T09:58:00Z
//! Decided: 2026-11-25T10:00:00Z by gridlink contract-share, from the contract as xECM had it (workspace last modified 2026-11-25T09:58:00Z)
//! Trading Grid: share shr_… status revoked
//! ```
//! A deleted workspace has nowhere to file it: the decision, reason and time stay in the
//! standing record (and the log). "Changed in xECM by" is read from the audit's
//! `attribute_changes` (the newest change of `Partner ID` on the workspace, or of `Approval
//! Status` on the document — as recall-campaign reads its four-eyes check); `not recorded in
//! xECM's audit` when there is none (a deleted document).
//!
//! The `Acknowledgment Status` counts live shares only; when every share was revoked it
//! reads `Revoked`. A partner added back, or a document approved again, gets a new share
//! (its business key carries how many times that version was revoked from that partner).

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::EffectKey;
use gridlink_tgrid::ShareId;
use gridlink_xecm::{BytesSource, DocumentSpec, Node, NodeId};
use serde_json::json;

use crate::ContractShare;
use crate::error::ShareError;
use crate::share::rfc3339;
use crate::standing::{RevokeReason, ShareEntry};

/// What the contract in xECM grants now.
pub(crate) struct Granted<'a> {
    /// The workspace, when it still exists.
    pub(crate) workspace: Option<&'a Node>,
    /// Its partners.
    pub(crate) partners: &'a [String],
    /// The contract's `Contract Status` when it is an ended one (closed, archived…): every
    /// share is revoked.
    pub(crate) ended: Option<&'a str>,
    /// Its approved documents.
    pub(crate) approved: &'a [Node],
}

impl ContractShare {
    /// Revokes the live shares of `workspace_id` that `granted` no longer covers, and
    /// finishes revocations a crash interrupted; the share ids revoked in this call.
    #[tracing::instrument(skip_all, fields(workspace_id = workspace_id.get()))]
    pub(crate) async fn revoke_ungranted(
        &self,
        workspace_id: NodeId,
        granted: &Granted<'_>,
    ) -> Result<Vec<String>, ShareError> {
        let (standing, _) = self.standing(workspace_id.get()).await?;
        let now = rfc3339(self.platform.clock.now());
        for entry in standing.live() {
            let reason = if granted.workspace.is_none() {
                RevokeReason::WorkspaceDeleted
            } else if granted.ended.is_some() {
                RevokeReason::ContractEnded
            } else if !granted.partners.contains(&entry.partner_id) {
                RevokeReason::PartnerRemoved
            } else if !granted
                .approved
                .iter()
                .any(|d| d.id.get() == entry.document_id)
            {
                RevokeReason::Unapproved
            } else {
                continue;
            };
            tracing::info!(share_id = %entry.share_id, partner_id = %entry.partner_id, ?reason, "share no longer granted in xECM: revoking");
            self.change_standing(workspace_id.get(), |s| {
                s.revoke(&entry.share_id, reason, &now)
            })
            .await?;
        }
        let (standing, _) = self.standing(workspace_id.get()).await?;
        let mut revoked = Vec::new();
        for entry in standing.revocations_pending() {
            if self.carry_out(workspace_id, &entry, granted).await? {
                revoked.push(entry.share_id.clone());
            }
        }
        Ok(revoked)
    }

    /// Revokes one decided share in TG (once), takes it off the reminder list, files the
    /// evidence (once) and marks it done; whether TG's revoke ran in this call.
    async fn carry_out(
        &self,
        workspace_id: NodeId,
        entry: &ShareEntry,
        granted: &Granted<'_>,
    ) -> Result<bool, ShareError> {
        let Some(revocation) = entry.revoked.clone() else {
            return Ok(false);
        };
        let tg = self.platform.tg.clone();
        let share_id = ShareId::new(&entry.share_id);
        let reason = revocation.reason;
        let outcome = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-share-revoke", &entry.share_id),
                None,
                |_| async move {
                    let share = tg.revoke_share(&share_id).await?;
                    Ok::<_, ShareError>(json!({"status": share.status, "reason": reason}))
                },
            )
            .await
            .map_err(ShareError::from_effect)?;
        let ran_now = outcome.ran_now();
        let tg_status = outcome.into_inner()["status"]
            .as_str()
            .unwrap_or("revoked")
            .to_owned();
        self.close_share(&entry.share_id).await?;
        if let Some(workspace) = granted.workspace {
            self.file_revocation(workspace, entry, granted, &tg_status)
                .await?;
        }
        self.change_standing(workspace_id.get(), |s| s.revocation_done(&entry.share_id))
            .await?;
        if ran_now {
            tracing::info!(share_id = %entry.share_id, partner_id = %entry.partner_id, document_id = entry.document_id, ?reason, "share revoked in Trading Grid");
        }
        Ok(ran_now)
    }

    async fn file_revocation(
        &self,
        workspace: &Node,
        entry: &ShareEntry,
        granted: &Granted<'_>,
        tg_status: &str,
    ) -> Result<i64, ShareError> {
        let Some(revocation) = &entry.revoked else {
            return Ok(0);
        };
        let shared = self.shared_version(&entry.share_id).await?;
        let document_name = shared
            .as_ref()
            .map_or_else(String::new, |s| s.document_name.clone());
        let modified = workspace
            .modify_date
            .map_or_else(|| "unknown".to_owned(), rfc3339);
        let changed = match revocation.reason {
            RevokeReason::PartnerRemoved => Some((workspace.id, &self.config.partner_attribute)),
            RevokeReason::Unapproved => NodeId::new(entry.document_id)
                .ok()
                .map(|d| (d, &self.config.approval_attribute)),
            RevokeReason::ContractEnded => Some((workspace.id, &self.config.status_attribute)),
            RevokeReason::WorkspaceDeleted => None,
        };
        let by = match changed {
            Some((node, attribute)) => {
                gridlink_outbound::live::who_changed(self.platform.xecm.as_ref(), node, attribute)
                    .await
            }
            None => None,
        }
        .unwrap_or_else(|| "not recorded in xECM's audit".to_owned());
        let text = format!(
            "Revoked: share {share} of \"{document_name}\" version {version} (document {document})\n\
             Partner: {partner}\n\
             Why: {why}\n\
             Partner ID now: {partners}\n\
             {status_line}\
             Changed in xECM by: {by}\n\
             Decided: {at} by gridlink contract-share, from the contract as xECM had it (workspace last modified {modified})\n\
             Trading Grid: share {share} status {tg_status}\n",
            share = entry.share_id,
            version = entry.version,
            document = entry.document_id,
            partner = entry.partner_id,
            why = revocation.reason.describe(),
            partners = if granted.partners.is_empty() {
                "(none)".to_owned()
            } else {
                granted.partners.join(", ")
            },
            at = revocation.at,
            status_line = granted
                .ended
                .map(|s| format!("Contract Status now: {s}\n"))
                .unwrap_or_default(),
        );
        let name = crate::evidence::safe_name(&format!(
            "Revocation {} {}.txt",
            entry.share_id, entry.partner_id
        ));
        let spec = DocumentSpec {
            name: name.clone(),
            description: format!(
                "Share of version {} revoked for {}: {}",
                entry.version,
                entry.partner_id,
                revocation.reason.describe()
            ),
            file_name: Some(name),
            mime_type: Some("text/plain".into()),
            categories: Vec::new(),
        };
        self.file_once(
            workspace.id,
            EffectKey::new("xecm-revoke-evidence", &entry.share_id),
            spec,
            &BytesSource(text.into()),
        )
        .await
    }

    /// The contract workspace is gone: every live share of it is revoked (no evidence can be
    /// filed into a deleted workspace; the standing keeps the decision).
    pub(crate) async fn end_access(&self, workspace_id: NodeId) -> Result<Vec<String>, ShareError> {
        let revoked = self
            .revoke_ungranted(
                workspace_id,
                &Granted {
                    workspace: None,
                    ended: None,
                    partners: &[],
                    approved: &[],
                },
            )
            .await?;
        self.live().unregister(workspace_id).await?;
        Ok(revoked)
    }
}

/// Whether an xECM error says the node is gone.
pub(crate) fn is_gone(error: &gridlink_xecm::XecmError) -> bool {
    error.kind() == ErrorKind::NotFound
}
