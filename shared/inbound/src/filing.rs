//! Filing a partner document into a workspace exactly once; a changed revision of the same
//! business document becomes a new version of the filed document.

use gridlink_flow::{EffectKey, Platform};
use gridlink_xecm::{
    CategoryId, ContentSource, DocumentSpec, NamedAttributes, NewVersion, Node, NodeId, XecmError,
};
use serde::{Deserialize, Serialize};

use crate::error::InboundError;

/// What to file.
#[derive(Debug, Clone)]
pub struct Filing {
    /// The business identity (`sender|doc type|business number`): one filed document each.
    pub identity: String,
    /// The content's SHA-256: a different one for the same identity is a new version.
    pub sha256: String,
    /// The workspace.
    pub workspace: NodeId,
    /// Its sub-folder (`/`-separated).
    pub folder: String,
    /// The document's name (unique in the folder).
    pub name: String,
    /// MIME type.
    pub mime_type: String,
    /// Category values.
    pub categories: Vec<(CategoryId, NamedAttributes)>,
}

/// A filed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filed {
    /// The document node.
    pub document_id: i64,
    /// The content it was filed with first.
    pub sha256: String,
    /// Whether this call added a version for a changed revision.
    #[serde(default)]
    pub new_version: bool,
}

async fn child_named(
    platform: &Platform,
    parent: NodeId,
    name: &str,
) -> Result<Option<Node>, XecmError> {
    Ok(platform
        .xecm
        .list_children(parent)
        .await?
        .into_iter()
        .find(|n| n.name == name))
}

/// The document already filed under `name` in `folder`, if any (an earlier attempt that
/// crashed before its confirmation).
async fn already_filed(platform: &Platform, filing: &Filing) -> Result<Option<Node>, XecmError> {
    let mut container = filing.workspace;
    for part in filing.folder.split('/').filter(|p| !p.is_empty()) {
        match child_named(platform, container, part).await? {
            Some(folder) => container = folder.id,
            None => return Ok(None),
        }
    }
    child_named(platform, container, &filing.name).await
}

/// Files `content` once per business identity; a replay returns the filed document, a new
/// content hash for the same identity adds one version (once per hash).
#[tracing::instrument(skip_all, fields(workspace_id = filing.workspace.get(), identity = %filing.identity))]
pub async fn file_once(
    platform: &Platform,
    filing: &Filing,
    content: &dyn ContentSource,
) -> Result<Filed, InboundError> {
    let key = EffectKey::new("xecm-file", filing.identity.clone());
    let outcome = platform
        .effects
        .once(&key, None, |_| async {
            let node = if let Some(node) = already_filed(platform, filing).await? {
                node
            } else {
                let spec = DocumentSpec {
                    name: filing.name.clone(),
                    description: format!("Received through Trading Grid ({})", filing.identity),
                    file_name: Some(filing.name.clone()),
                    mime_type: Some(filing.mime_type.clone()),
                    categories: filing.categories.clone(),
                };
                platform
                    .xecm
                    .file_document(filing.workspace, &filing.folder, &spec, content)
                    .await?
                    .document
            };
            Ok::<_, XecmError>(Filed {
                document_id: node.id.get(),
                sha256: filing.sha256.clone(),
                new_version: false,
            })
        })
        .await?;
    let filed = outcome.into_inner();
    if filed.sha256 == filing.sha256 {
        return Ok(filed);
    }
    let version_key = EffectKey::new(
        "xecm-version",
        format!("{}#{}", filing.identity, filing.sha256),
    );
    let document = NodeId::new(filed.document_id)?;
    let versioned = platform
        .effects
        .once(&version_key, None, |_| async {
            let version = NewVersion {
                file_name: filing.name.clone(),
                mime_type: Some(filing.mime_type.clone()),
                description: format!("Revision {}", &filing.sha256[..filing.sha256.len().min(12)]),
                major: false,
            };
            platform
                .xecm
                .add_document_version(document, &version, content)
                .await?;
            Ok::<_, XecmError>(())
        })
        .await?;
    Ok(Filed {
        new_version: versioned.ran_now(),
        ..filed
    })
}
