//! A partner document filed into its workspace once per business identity, through the one
//! filer (`gridlink_flow::filing`): a changed revision of the same business document becomes
//! a new version of the filed document.

use gridlink_flow::{EffectKey, Filed, Platform};
use gridlink_xecm::{CategoryId, ContentSource, DocumentSpec, NamedAttributes, NodeId};

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
    /// The document's name (made distinct when another document has it).
    pub name: String,
    /// MIME type.
    pub mime_type: String,
    /// Category values.
    pub categories: Vec<(CategoryId, NamedAttributes)>,
}

impl Filing {
    /// As the one filer takes it: the effect `xecm-file / {identity}`, revisions tracked.
    pub fn to_flow(&self) -> gridlink_flow::Filing {
        gridlink_flow::Filing::new(
            EffectKey::new("xecm-file", self.identity.clone()),
            self.workspace,
            self.folder.clone(),
            DocumentSpec {
                name: self.name.clone(),
                description: format!("Received through Trading Grid ({})", self.identity),
                file_name: Some(self.name.clone()),
                mime_type: Some(self.mime_type.clone()),
                categories: self.categories.clone(),
            },
        )
        .with_revisions(self.sha256.clone())
    }
}

/// Files `content` once per business identity; a replay returns the filed document, a new
/// content hash for the same identity adds one version (once per hash).
pub async fn file_once(
    platform: &Platform,
    filing: &Filing,
    content: &dyn ContentSource,
) -> Result<Filed, InboundError> {
    let outcome = platform.file_once(&filing.to_flow(), content).await?;
    if !outcome.ran_now() {
        tracing::debug!(identity = %filing.identity, "already filed; nothing new");
    }
    Ok(outcome.into_inner())
}
