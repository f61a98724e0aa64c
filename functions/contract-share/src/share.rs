//! Approved contract versions shared with the contract's partner, once per document version.
//!
//! # Format
//! Ledger record `contract-share / <share id>`, status `SHARED`, data
//! `{"share_id","workspace_id","document_id","version","partner_id","sha256","file_name"}`
//! — how an acknowledgment finds its workspace and the exact bytes it is about. Record
//! `contract-share-due / <document id>/v<version>` keeps the deadline chosen at the first
//! attempt, so a re-run sends the identical share request under the same idempotency key.

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::EffectKey;
use gridlink_outbound::xecm_document_upload;
use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_tgrid::model::{ExternalRef, NewShare};
use gridlink_tgrid::{IdempotencyKey, PartnerId};
use gridlink_xecm::model::subtype;
use gridlink_xecm::{AttributeValue, NamedAttributes, Node, NodeId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ContractShare;
use crate::error::ShareError;

/// The ledger kind linking a TG share back to its contract document version.
pub const SHARE_RECORD_KIND: &str = "contract-share";

/// The ledger kind holding a version's acknowledgment deadline, fixed at the first attempt
/// (`{"due_at": "<RFC 3339>"}`).
pub const DUE_DATE_KIND: &str = "contract-share-due";

/// The attribute value written when a version is shared.
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
    /// The document's version number that was shared.
    pub version: u32,
    /// The partner it was shared with.
    pub partner_id: String,
    /// The SHA-256 (hex) of the bytes shared, as Trading Grid computed it on upload.
    pub sha256: String,
    /// The file name the partner sees.
    pub file_name: String,
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
}

pub(crate) fn text(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        _ => None,
    }
}

pub(crate) fn idempotency_key(text: &str) -> Result<IdempotencyKey, ShareError> {
    IdempotencyKey::parse(text).map_err(|e| ShareError::Malformed {
        event_id: text.to_owned(),
        reason: e.to_string(),
    })
}

/// A category that is not on the node reads as "no values".
fn absent(error: &gridlink_xecm::XecmError) -> bool {
    matches!(error.kind(), ErrorKind::BadRequest | ErrorKind::NotFound)
}

impl ContractShare {
    /// Shares every approved document version of one contract workspace that was not shared
    /// yet. Safe to repeat: every effect runs once.
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace_id))]
    pub async fn sync_contract(&self, workspace_id: NodeId) -> Result<ContractSync, ShareError> {
        let mut sync = ContractSync {
            workspace_id: workspace_id.get(),
            ..ContractSync::default()
        };
        let workspace = self.platform.xecm.get_node(workspace_id).await?;
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
            Err(error) if absent(&error) => {
                sync.skipped = Some("no contract category".into());
                return Ok(sync);
            }
            Err(error) => return Err(error.into()),
        };
        let Some(partner) = text(&values, &self.config.partner_attribute) else {
            sync.skipped = Some("no partner reference".into());
            return Ok(sync);
        };
        for document in self.approved_documents(workspace_id).await? {
            if let Some(shared) = self.share_version(&workspace, &document, &partner).await? {
                sync.shared.push(shared);
            }
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
            Err(error) if absent(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Shares the document's current version once; `Some` when it was shared in this call.
    async fn share_version(
        &self,
        workspace: &Node,
        document: &Node,
        partner: &str,
    ) -> Result<Option<SharedVersion>, ShareError> {
        let Some(current) = self.client.versions(document.id).await?.pop() else {
            return Ok(None);
        };
        let version = current.version_number;
        let file_name = if current.file_name.trim().is_empty() {
            document.name.clone()
        } else {
            current.file_name.clone()
        };
        let upload = xecm_document_upload(self.platform.xecm.clone(), document, &file_name);
        let tg = self.platform.tg.clone();
        let due_at = self.planned_due_date(document.id, version).await?;
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
                &EffectKey::new("tg-share", format!("{}/v{version}", document.id)),
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
                        .await?;
                    Ok::<_, ShareError>(SharedVersion {
                        share_id: share.share_id.as_str().to_owned(),
                        workspace_id: workspace.id.get(),
                        document_id: document.id.get(),
                        version,
                        partner_id: partner.to_owned(),
                        sha256: attachment.sha256,
                        file_name: attachment.file_name,
                    })
                },
            )
            .await
            .map_err(ShareError::from_effect)?;
        let ran_now = shared.ran_now();
        let shared = shared.into_inner();
        self.record_share(&shared).await?;
        if ran_now {
            tracing::info!(
                document_id = shared.document_id,
                version,
                share_id = %shared.share_id,
                partner_id = %shared.partner_id,
                "contract version shared with the partner"
            );
        }
        Ok(ran_now.then_some(shared))
    }

    /// The acknowledgment deadline of a document version's share, fixed at the first attempt
    /// so a re-run after a crash sends Trading Grid the same request under the same key.
    async fn planned_due_date(
        &self,
        document: NodeId,
        version: u32,
    ) -> Result<OffsetDateTime, ShareError> {
        let id = RecordId::new(DUE_DATE_KIND, format!("{document}/v{version}"))?;
        let planned = self.platform.clock.now() + self.config.ack_due;
        let text = planned
            .format(&Rfc3339)
            .map_err(|e| ShareError::Malformed {
                event_id: id.to_string(),
                reason: e.to_string(),
            })?;
        let stored = match self
            .platform
            .ledger
            .create(NewRecord::new(
                id.clone(),
                "PLANNED",
                json!({"due_at": text}),
            ))
            .await
        {
            Ok(_) => return Ok(planned),
            Err(LedgerError::AlreadyExists { .. }) => self.platform.ledger.get(&id).await?,
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

    /// The ledger record, and `Pending` on the workspace, each once per share (a re-run after
    /// a crash between the share and these finishes them).
    async fn record_share(&self, shared: &SharedVersion) -> Result<(), ShareError> {
        let data = serde_json::to_value(shared).map_err(|e| ShareError::Malformed {
            event_id: shared.share_id.clone(),
            reason: e.to_string(),
        })?;
        let record = NewRecord::new(
            RecordId::new(SHARE_RECORD_KIND, &shared.share_id)?,
            "SHARED",
            data,
        );
        match self.platform.ledger.create(record).await {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let xecm = self.platform.xecm.clone();
        let workspace = NodeId::new(shared.workspace_id)?;
        let category = self.config.contract_category;
        let mut pending = NamedAttributes::new();
        pending.insert(self.config.ack_status_attribute.clone(), PENDING.into());
        self.platform
            .effects
            .once(
                &EffectKey::new("xecm-ack-pending", &shared.share_id),
                None,
                |_| async move {
                    xecm.write_attributes(workspace, category, &pending).await?;
                    Ok::<_, ShareError>(json!({"status": PENDING}))
                },
            )
            .await
            .map_err(ShareError::from_effect)?;
        Ok(())
    }
}
