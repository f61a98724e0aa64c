//! Evidence on the published message: the documents the buyer selected, streamed from xECM
//! to Trading Grid as attachments of the exception's message (never held whole in memory).
//!
//! # Format
//! What is attached to a publication, each the document's current version:
//! - every document in the folders `EVIDENCE_FOLDERS` names (`Order`, the buyer's PO
//!   document, by default; comma-separated workspace paths; empty: none);
//! - what the row's `Evidence` column names (multi-value text; each a path in the order
//!   workspace, a document `Order/PO 4500001234.pdf` or a folder `Quality` for every
//!   document in it) — the buyer's selection;
//! - for an exception order-reconcile's result yields (`REC-…`), the discrepancy report it
//!   came from (the HTML beside the JSON when there is one).
//!
//! At most [`MAX_FILES`] files; each uploaded once per exception and document version
//! (effect `tg-pox-evidence`, `<ws>#<exception>/<document>v<version>`) and listed on the
//! timeline's publication entry with its SHA-256 (Trading Grid's). An `Evidence` path that
//! is not in the workspace parks the row with the path named.

use std::collections::BTreeSet;

use gridlink_flow::EffectKey;
use gridlink_flow::content::xecm_version_upload;
use gridlink_tgrid::model::Attachment;
use gridlink_xecm::model::subtype;
use gridlink_xecm::{AttributeValue, NamedAttributes, Node, NodeId};

use crate::PoException;
use crate::error::ExceptionError;
use crate::machine::{ExceptionRecord, FileRef};
use crate::sync::idempotency_key;

/// The most files one publication carries.
pub const MAX_FILES: usize = 10;

/// The `Evidence` column: the paths the buyer selected.
pub fn selected(values: &NamedAttributes) -> Vec<String> {
    let items: Vec<String> = match values.get("Evidence") {
        Some(AttributeValue::Multi(items)) => items
            .iter()
            .filter_map(|v| match v {
                AttributeValue::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
        Some(AttributeValue::Text(t)) => t.split([';', '\n']).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .map(|p| p.trim().trim_matches('/').to_owned())
        .filter(|p| !p.is_empty() && seen.insert(p.clone()))
        .collect()
}

/// A document to attach.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    pub(crate) document: Node,
}

impl PoException {
    /// The documents at `path` in the workspace: the document, or the documents of the
    /// folder; `None` when nothing is there.
    async fn documents_at(
        &self,
        workspace: NodeId,
        path: &str,
    ) -> Result<Option<Vec<Node>>, ExceptionError> {
        let xecm = self.platform.xecm.as_ref();
        let Some(node) = xecm.node_at_path(workspace, path).await? else {
            return Ok(None);
        };
        if node.subtype != subtype::DOCUMENT {
            let mut documents: Vec<Node> = xecm
                .list_children(node.id)
                .await?
                .into_iter()
                .filter(|n| n.subtype == subtype::DOCUMENT)
                .collect();
            documents.sort_by(|a, b| a.name.cmp(&b.name));
            return Ok(Some(documents));
        }
        Ok(Some(vec![node]))
    }

    /// What a publication attaches (see the module docs); `Err` names a selected path that
    /// is not in the workspace.
    pub(crate) async fn evidence(
        &self,
        workspace: NodeId,
        selection: &[String],
        report: Option<&FileRef>,
    ) -> Result<Result<Vec<Evidence>, String>, ExceptionError> {
        let mut documents: Vec<Node> = Vec::new();
        for folder in &self.config.evidence_folders {
            if let Some(found) = self.documents_at(workspace, folder).await? {
                documents.extend(found);
            }
        }
        for path in selection {
            match self.documents_at(workspace, path).await? {
                Some(found) => documents.extend(found),
                None => {
                    return Ok(Err(format!(
                        "`Evidence` names {path:?}, which is not in the order workspace"
                    )));
                }
            }
        }
        if let Some(report) = report {
            let node = self
                .platform
                .xecm
                .get_node(
                    NodeId::new(report.document_id)
                        .map_err(|e| ExceptionError::malformed(report.name.clone(), e))?,
                )
                .await?;
            let html = match node.parent_id.and_then(|p| NodeId::new(p).ok()) {
                Some(parent) => {
                    let stem = report.name.trim_end_matches(".json");
                    self.platform
                        .xecm
                        .child_named(parent, &format!("{stem}.html"))
                        .await?
                }
                None => None,
            };
            documents.push(html.unwrap_or(node));
        }
        let mut seen = BTreeSet::new();
        Ok(Ok(documents
            .into_iter()
            .filter(|d| seen.insert(d.id.get()))
            .take(MAX_FILES)
            .map(|document| Evidence { document })
            .collect()))
    }

    /// Uploads each piece of evidence once (its current version) for `record`; the
    /// attachments with the files the timeline lists.
    pub(crate) async fn upload_evidence(
        &self,
        record: &ExceptionRecord,
        evidence: Vec<Evidence>,
    ) -> Result<Vec<FileRef>, ExceptionError> {
        let mut files = Vec::new();
        for Evidence { document } in evidence {
            let Some(version) = self.platform.xecm.versions(document.id).await?.pop() else {
                continue;
            };
            let upload = xecm_version_upload(
                self.platform.xecm.clone(),
                document.id,
                &version,
                &document.name,
                document.mime_type.as_deref(),
            );
            let tg = self.platform.tg.clone();
            let attachment: Attachment = self
                .platform
                .effects
                .once(
                    &EffectKey::new(
                        "tg-pox-evidence",
                        format!(
                            "{}/{}v{}",
                            record.key(),
                            document.id.get(),
                            version.version_number
                        ),
                    ),
                    None,
                    |k| async move {
                        Ok::<_, ExceptionError>(
                            tg.upload_attachment(&idempotency_key(&k)?, upload).await?,
                        )
                    },
                )
                .await
                .map_err(ExceptionError::from_effect)?
                .into_inner();
            files.push(FileRef {
                name: document.name.clone(),
                document_id: document.id.get(),
                sha256: attachment.sha256.clone(),
                attachment_id: Some(attachment.attachment_id.as_str().to_owned()),
            });
        }
        Ok(files)
    }
}
