//! A partner's acknowledgment or decline, filed into the contract workspace as evidence,
//! and the workspace's `Acknowledgment Status` set to match. Each is done once, even after
//! a crash between the filing and its ledger confirmation: the re-run finds the document by
//! name first.
//!
//! # Format
//! The evidence document `Acknowledgment <share id> <partner id> <decision>.txt` in the
//! `Acknowledgments` folder:
//! ```text
//! Decision: acknowledged
//! Partner: prt_acme
//! By: Jane Buyer
//! At: 2026-11-24T10:00:00Z
//! Comment: ok
//! Share: shr_…
//! Document: 123456 version 1 (Framework Agreement.pdf)
//! SHA-256 of the version shared: 9f86d0…
//! Event: evt_…
//! ```

use gridlink_flow::EffectKey;
use gridlink_store::RecordId;
use gridlink_tgrid::events::{Event, EventType};
use gridlink_tgrid::model::AckStatus;
use gridlink_xecm::{BytesSource, DocumentSpec, NamedAttributes, NodeId, Workspaces};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::ContractShare;
use crate::error::ShareError;
use crate::share::{SHARE_RECORD_KIND, SharedVersion};

/// What filing one answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FiledEvidence {
    /// Why nothing was filed, if so.
    pub ignored: Option<String>,
    /// The contract workspace.
    pub workspace_id: Option<i64>,
    /// The evidence document.
    pub document_id: Option<i64>,
    /// The status written (`Acknowledged` / `Declined`).
    pub status: Option<String>,
}

fn ignored(why: impl Into<String>) -> FiledEvidence {
    FiledEvidence {
        ignored: Some(why.into()),
        ..FiledEvidence::default()
    }
}

fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl ContractShare {
    /// Files a `share.acknowledged` / `share.declined` event as evidence in its workspace.
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub async fn file_evidence(&self, event: &Event) -> Result<FiledEvidence, ShareError> {
        let (decision, status) = match event.event_type {
            EventType::ShareAcknowledged => ("acknowledged", "Acknowledged"),
            EventType::ShareDeclined => ("declined", "Declined"),
            _ => {
                return Ok(ignored(format!(
                    "{} is not for contract-share",
                    event.event_type
                )));
            }
        };
        let answered = event
            .share_answered()
            .ok_or_else(|| ShareError::Malformed {
                event_id: event.event_id.as_str().to_owned(),
                reason: "the data is not a share answer".into(),
            })?;
        let ack = &answered.acknowledgment;
        let expected = if decision == "acknowledged" {
            AckStatus::Acknowledged
        } else {
            AckStatus::Declined
        };
        if ack.status != expected {
            return Err(ShareError::Malformed {
                event_id: event.event_id.as_str().to_owned(),
                reason: format!(
                    "a {} event carries status {:?}",
                    event.event_type, ack.status
                ),
            });
        }
        let Some(record) = self
            .platform
            .ledger
            .get(&RecordId::new(
                SHARE_RECORD_KIND,
                answered.share_id.as_str(),
            )?)
            .await?
        else {
            return Ok(ignored("not a share contract-share made"));
        };
        let shared: SharedVersion =
            serde_json::from_value(record.data).map_err(|e| ShareError::Malformed {
                event_id: event.event_id.as_str().to_owned(),
                reason: e.to_string(),
            })?;
        if ack.partner_id.as_str() != shared.partner_id {
            return Ok(ignored("the answer is not from the share's partner"));
        }
        let workspace = NodeId::new(shared.workspace_id)?;
        let at = ack
            .at
            .and_then(|at| at.format(&Rfc3339).ok())
            .unwrap_or_else(|| "unknown".into());
        let text = format!(
            "Decision: {decision}\nPartner: {}\nBy: {}\nAt: {at}\nComment: {}\nShare: {}\nDocument: {} version {} ({})\nSHA-256 of the version shared: {}\nEvent: {}\n",
            shared.partner_id,
            ack.by.as_deref().unwrap_or("unknown"),
            ack.comment.as_deref().unwrap_or(""),
            shared.share_id,
            shared.document_id,
            shared.version,
            shared.file_name,
            shared.sha256,
            event.event_id.as_str(),
        );
        let name = safe_name(&format!(
            "Acknowledgment {} {} {decision}.txt",
            shared.share_id, shared.partner_id
        ));
        let spec = DocumentSpec {
            name: name.clone(),
            description: format!(
                "{} {decision} version {} of document {} (sha256 {}) at {at}",
                shared.partner_id, shared.version, shared.document_id, shared.sha256
            ),
            file_name: Some(name.clone()),
            mime_type: Some("text/plain".into()),
            categories: Vec::new(),
        };
        let business_key = format!("{}/{}/{decision}", shared.share_id, shared.partner_id);
        let xecm = self.platform.xecm.clone();
        let folder = self.config.ack_folder.clone();
        let document = self
            .platform
            .effects
            .once(
                &EffectKey::new("xecm-ack-evidence", &business_key),
                None,
                |_| async move {
                    if let Some(existing) =
                        find_in_folder(xecm.as_ref(), workspace, &folder, &spec.name).await?
                    {
                        tracing::info!(document_id = %existing, "evidence from an earlier run found");
                        return Ok::<_, ShareError>(existing.get());
                    }
                    Ok(xecm
                        .file_document(workspace, &folder, &spec, &BytesSource(text.into()))
                        .await?
                        .document
                        .id
                        .get())
                },
            )
            .await
            .map_err(ShareError::from_effect)?
            .into_inner();
        let xecm = self.platform.xecm.clone();
        let category = self.config.contract_category;
        let mut values = NamedAttributes::new();
        values.insert(self.config.ack_status_attribute.clone(), status.into());
        self.platform
            .effects
            .once(
                &EffectKey::new("xecm-ack-status", &business_key),
                None,
                |_| async move {
                    xecm.write_attributes(workspace, category, &values).await?;
                    Ok::<_, ShareError>(true)
                },
            )
            .await
            .map_err(ShareError::from_effect)?;
        tracing::info!(
            workspace_id = shared.workspace_id,
            partner_id = %shared.partner_id,
            share_id = %shared.share_id,
            decision,
            "acknowledgment evidence filed"
        );
        Ok(FiledEvidence {
            ignored: None,
            workspace_id: Some(shared.workspace_id),
            document_id: Some(document),
            status: Some(status.to_owned()),
        })
    }
}

/// The node named `name` in the folder at `path` below `workspace`, if both exist.
async fn find_in_folder(
    xecm: &dyn Workspaces,
    workspace: NodeId,
    path: &str,
    name: &str,
) -> Result<Option<NodeId>, ShareError> {
    let mut current = workspace;
    for segment in path.split('/').map(str::trim).filter(|s| !s.is_empty()) {
        match xecm
            .list_children(current)
            .await?
            .into_iter()
            .find(|c| c.container && c.name.eq_ignore_ascii_case(segment))
        {
            Some(folder) => current = folder.id,
            None => return Ok(None),
        }
    }
    Ok(xecm
        .list_children(current)
        .await?
        .into_iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .map(|c| c.id))
}
