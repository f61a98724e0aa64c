//! The documents a case shares: what is selected, and each selected document's newest
//! version streamed to Trading Grid and posted to the case thread, once per version.
//!
//! A document is selected while it is flagged (`Share with partner` = true in the sharing
//! category) or lies in the `Shared with Partner` sub-folder (at any depth). Each sync shares
//! the newest version of every selected document that was not shared before, keyed by
//! business identity:
//! - `tg-case-attachment` and `tg-case-document-message`, `{workspace}/{document}` for
//!   version 1 (the key it has always had) and `{workspace}/{document}/v{n}` for any later
//!   version — so a new version is uploaded and posted once, and a replay or a crash re-run
//!   posts nothing twice;
//! - versions added and superseded between two syncs are not shared one by one: the partner
//!   gets the newest;
//! - unflagging (or moving the document out of the folder, or deleting it) stops further
//!   versions from being shared and withdraws what was shared ([`crate::withdraw`]); selected
//!   again, the newest version is shared again under keys ending `/s{n}` (`n` withdrawals
//!   before it).
//!
//! Each shared document is recorded (`case-shared-document`, [`crate::withdraw`]) after its
//! message is posted — also for a share posted before the record existed, on the next sync
//! that still finds it selected.
//!
//! # Format
//! The message posted for a version (`structured` is what a partner system reads):
//! ```json
//! {"body": "Document shared from case: Claim letter.txt (version 2)",
//!  "attachment_ids": ["att_…"],
//!  "structured": {"xecm_node_id": 4711, "version": 2, "sha256": "…"}}
//! ```

use gridlink_flow::EffectKey;
use gridlink_tgrid::model::NewMessage;
use gridlink_xecm::model::subtype;
use gridlink_xecm::{AttributeValue, Node, NodeId, Version};
use serde::Serialize;
use serde_json::json;

use crate::CaseCollab;
use crate::case::{CaseLink, idempotency_key, not_applicable};
use crate::error::CaseError;
use crate::withdraw::{
    SHARED, SharedDocument, WITHDRAWING, document_record_id, documents_partition, malformed,
};
use gridlink_flow::content::xecm_version_upload;
use gridlink_store::{LedgerError, NewRecord};

/// One document version posted to the case thread in a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedVersion {
    /// The xECM document.
    pub document_id: i64,
    /// Its version number.
    pub version: u32,
}

/// The ledger business key of a document version's effects.
fn version_key(workspace: NodeId, document: NodeId, version: u32) -> String {
    if version <= 1 {
        format!("{workspace}/{document}")
    } else {
        format!("{workspace}/{document}/v{version}")
    }
}

fn message_body(document: &Node, version: u32) -> String {
    if version <= 1 {
        format!("Document shared from case: {}", document.name)
    } else {
        format!(
            "Document shared from case: {} (version {version})",
            document.name
        )
    }
}

impl CaseCollab {
    /// Documents of the workspace selected for the partner: flagged, or in the shared folder.
    pub(crate) async fn selected_documents(
        &self,
        workspace: NodeId,
    ) -> Result<Vec<Node>, CaseError> {
        let mut selected = Vec::new();
        let mut folders = vec![(workspace, false)];
        while let Some((folder, in_shared)) = folders.pop() {
            for child in self.platform.xecm.list_children(folder).await? {
                if child.subtype == subtype::DOCUMENT {
                    if in_shared || self.flagged(child.id).await? {
                        selected.push(child);
                    }
                } else if child.container && child.subtype != subtype::WORKSPACE {
                    let shared =
                        in_shared || child.name.eq_ignore_ascii_case(&self.config.shared_folder);
                    folders.push((child.id, shared));
                }
            }
        }
        selected.sort_by_key(|d| d.id);
        Ok(selected)
    }

    async fn flagged(&self, document: NodeId) -> Result<bool, CaseError> {
        match self
            .platform
            .xecm
            .read_attributes(document, self.config.sharing_category)
            .await
        {
            Ok(values) => Ok(matches!(
                values.get(&self.config.share_attribute),
                Some(AttributeValue::Boolean(true))
            )),
            Err(error) if not_applicable(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Shares the newest version of each selected document not shared before.
    pub(crate) async fn share_selected_documents(
        &self,
        workspace: &Node,
        link: &CaseLink,
        selected: Vec<Node>,
    ) -> Result<Vec<SharedVersion>, CaseError> {
        let mut shared = Vec::new();
        for document in selected {
            let Some(newest) = self.platform.xecm.versions(document.id).await?.pop() else {
                continue;
            };
            if self
                .share_version(workspace.id, &document, &newest, link)
                .await?
            {
                tracing::info!(document_id = %document.id, version = newest.version_number, thread_id = %link.thread_id, "document version shared with the partner");
                shared.push(SharedVersion {
                    document_id: document.id.get(),
                    version: newest.version_number,
                });
            }
        }
        Ok(shared)
    }

    /// Uploads one version and posts it to the thread, each once; true when posted now.
    async fn share_version(
        &self,
        workspace: NodeId,
        document: &Node,
        version: &Version,
        link: &CaseLink,
    ) -> Result<bool, CaseError> {
        let number = version.version_number;
        let record_id = document_record_id(workspace.get(), document.id.get())?;
        let record = self.platform.ledger.get(&record_id).await?;
        let recorded: Option<SharedDocument> = match &record {
            Some(r) => {
                Some(serde_json::from_value(r.data.clone()).map_err(|e| malformed(&r.id, e))?)
            }
            None => None,
        };
        let withdrawals = recorded.as_ref().map_or(0, |r| r.withdrawals);
        if let (Some(r), Some(data)) = (&record, &recorded)
            && ((r.status == SHARED && data.version == number) || r.status == WITHDRAWING)
        {
            return Ok(false);
        }
        let business_key = if withdrawals > 0 {
            format!(
                "{}/s{withdrawals}",
                version_key(workspace, document.id, number)
            )
        } else {
            version_key(workspace, document.id, number)
        };
        let tg = self.platform.tg.clone();
        let upload = xecm_version_upload(
            self.platform.xecm.clone(),
            document.id,
            version,
            &document.name,
            document.mime_type.as_deref(),
        );
        let attachment = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-case-attachment", &business_key),
                None,
                |k| async move {
                    Ok::<_, CaseError>(tg.upload_attachment(&idempotency_key(&k)?, upload).await?)
                },
            )
            .await
            .map_err(CaseError::from_effect)?
            .into_inner();
        let message = NewMessage {
            body: message_body(document, number),
            attachment_ids: vec![attachment.attachment_id.clone()],
            structured: Some(json!({
                "xecm_node_id": document.id.get(),
                "version": number,
                "sha256": attachment.sha256,
            })),
            action_request: None,
        };
        let (message_id, ran_now) = self
            .post_once(
                link,
                EffectKey::new("tg-case-document-message", &business_key),
                message,
            )
            .await?;
        let data = serde_json::to_value(SharedDocument {
            document_id: document.id.get(),
            name: document.name.clone(),
            version: number,
            message_id,
            attachment_id: attachment.attachment_id.as_str().to_owned(),
            withdrawals,
            withdrawal: None,
        })
        .map_err(|e| malformed(&record_id, e))?;
        if record.is_none() {
            let new = NewRecord::new(record_id.clone(), SHARED, data.clone()).with_index1(
                documents_partition(workspace.get()),
                format!("{:020}", document.id.get()),
            );
            match self.platform.ledger.create(new).await {
                Ok(_) => return Ok(ran_now),
                Err(LedgerError::AlreadyExists { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        self.change_record(&record_id, |status, value| {
            if status == WITHDRAWING {
                return false;
            }
            *status = SHARED.into();
            *value = data.clone();
            true
        })
        .await?;
        Ok(ran_now)
    }
}
