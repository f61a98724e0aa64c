//! Filing a document into a workspace folder exactly once per business identity — the one
//! place every use case files through.
//!
//! The filing is an effect ([`Effects::once`]) keyed by the document's business identity, so
//! a replay returns the filed document. A crash between the upload and the ledger's
//! confirmation leaves a document the re-run must **adopt** rather than file twice; adoption
//! is proved, never guessed from the name: every filed document carries its identity's
//! marker (`[gridlink gl-…]`, the effect's idempotency key) at the end of its description,
//! and only a document with that marker is adopted. A different document that happens to
//! have the same name (two identities whose names come out equal, such as invoices
//! `INV/COL-1` and `INV:COL-1`) is never taken for ours: ours is filed under a distinct name,
//! `{stem} [{8 hex of the identity}]{.ext}`, found again the same way after a crash.
//!
//! An adopted document is also given the categories of its filing it lacks (an attempt that
//! stopped between the create and a category apply it needed to make afterwards), so an
//! adopted document ends exactly as a document filed in one go.
//!
//! With [`Filing::with_revisions`], a different content hash for the same identity is a new
//! revision of the same business document: it is added as a version, once per hash.
//!
//! Names are matched as Content Server keeps them unique — ignoring case — through
//! [`Workspaces::node_at_path`], which asks the server with a name filter, so the cost of
//! filing does not grow with the folder.

use gridlink_xecm::{ContentSource, DocumentSpec, NewVersion, Node, NodeId, Workspaces, XecmError};
use serde::{Deserialize, Serialize};

use crate::effects::{EffectError, EffectKey, Effects, Outcome};

/// What to file.
#[derive(Debug, Clone)]
pub struct Filing {
    /// The business identity: one filed document for each.
    pub effect: EffectKey,
    /// The workspace.
    pub workspace: NodeId,
    /// Its sub-folder (`/`-separated; created when missing).
    pub folder: String,
    /// Name, description, MIME type, categories of the document.
    pub document: DocumentSpec,
    /// The content's SHA-256 when revisions are tracked ([`Filing::with_revisions`]).
    pub sha256: Option<String>,
}

impl Filing {
    /// A filing of `document` into `folder` of `workspace`, once per `effect`.
    pub fn new(
        effect: EffectKey,
        workspace: NodeId,
        folder: impl Into<String>,
        document: DocumentSpec,
    ) -> Self {
        Self {
            effect,
            workspace,
            folder: folder.into(),
            document,
            sha256: None,
        }
    }

    /// Tracks revisions: content with another `sha256` for the same identity becomes a new
    /// version of the filed document (once per hash).
    #[must_use]
    pub fn with_revisions(mut self, sha256: impl Into<String>) -> Self {
        self.sha256 = Some(sha256.into());
        self
    }

    /// The marker that proves a document in xECM is this filing's.
    pub fn marker(&self) -> String {
        format!("[gridlink {}]", self.effect.idempotency_key())
    }

    /// The name used when the plain name is taken by another document.
    pub fn distinct_name(&self) -> String {
        let name = &self.document.name;
        let tag = &self.effect.idempotency_key()[3..11];
        match name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 && !ext.contains(' ') => {
                format!("{stem} [{tag}].{ext}")
            }
            _ => format!("{name} [{tag}]"),
        }
    }
}

/// A filed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filed {
    /// The document node.
    pub document_id: i64,
    /// The name it was filed under.
    #[serde(default)]
    pub name: String,
    /// The content it was filed with first, when revisions are tracked.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Whether this call added a version for a changed revision.
    #[serde(default)]
    pub new_version: bool,
    /// Whether this call changed nothing in xECM (the document and this revision were
    /// filed before): callers log "filed" only when it is false.
    #[serde(skip)]
    pub replayed: bool,
}

/// Where a filing stands in xECM before it uploads.
enum Found {
    /// Ours is there (an earlier attempt's lost answer): adopt it.
    Ours(Node),
    /// Nothing of ours; file under this name.
    FileAs(String),
}

async fn look(xecm: &dyn Workspaces, filing: &Filing) -> Result<Found, XecmError> {
    let marker = filing.marker();
    let mut taken = Vec::new();
    for name in [filing.document.name.clone(), filing.distinct_name()] {
        let path = format!("{}/{name}", filing.folder);
        match xecm.node_at_path(filing.workspace, &path).await? {
            Some(node) if node.description.contains(&marker) => return Ok(Found::Ours(node)),
            Some(node) => taken.push(node),
            None => return Ok(Found::FileAs(name)),
        }
    }
    Err(XecmError::Invalid(format!(
        "cannot file {}: both `{}` and `{}` are taken in `{}` by other documents ({})",
        filing.effect,
        filing.document.name,
        filing.distinct_name(),
        filing.folder,
        taken
            .iter()
            .map(|n| n.id.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Gives an adopted document the categories of its filing that it lacks. The earlier attempt
/// may have stopped (crashed, or its category call failed) between the document's create
/// and the apply of a category its create could not carry; values already there as filed
/// are left alone, so adopting a complete document writes nothing.
async fn complete_categories(
    xecm: &dyn Workspaces,
    node: &Node,
    filing: &Filing,
) -> Result<(), XecmError> {
    for (category, wanted) in &filing.document.categories {
        let current = match xecm.read_attributes(node.id, *category).await {
            Ok(current) => Some(current),
            Err(e) if e.is_category_absent() => None,
            Err(e) => return Err(e),
        };
        let complete = current.as_ref().is_some_and(|current| {
            wanted
                .iter()
                .all(|(name, value)| current.get(name) == Some(value))
        });
        if !complete {
            tracing::info!(
                document_id = %node.id,
                category_id = category.get(),
                applied = current.is_some(),
                "adopted document lacked its category values; writing them"
            );
            xecm.write_attributes(node.id, *category, wanted).await?;
        }
    }
    Ok(())
}

/// Files `content` once per business identity (see the module docs); a replay returns the
/// filed document, and with revisions tracked a new content hash adds one version.
#[tracing::instrument(skip_all, fields(workspace_id = filing.workspace.get(), effect = %filing.effect))]
pub async fn file_once(
    effects: &Effects,
    xecm: &dyn Workspaces,
    filing: &Filing,
    content: &dyn ContentSource,
) -> Result<Outcome<Filed>, EffectError<XecmError>> {
    let outcome = effects
        .once(&filing.effect, None, |_| async {
            // A create answered "already exists" is looked at again: either our own create
            // whose answer was lost and retried (ours now, adopted by its marker), or another
            // identity that took the same name at the same moment (a distinct name then).
            let mut conflicts = 0;
            let node = loop {
                match look(xecm, filing).await? {
                    Found::Ours(node) => {
                        tracing::info!(document_id = %node.id, "document from an earlier attempt adopted");
                        complete_categories(xecm, &node, filing).await?;
                        break node;
                    }
                    Found::FileAs(name) => {
                        let mut spec = filing.document.clone();
                        if name != spec.name {
                            tracing::warn!(taken = %spec.name, name = %name, "name taken by another document; filed under a distinct name");
                        }
                        if !spec.description.is_empty() {
                            spec.description.push(' ');
                        }
                        spec.description.push_str(&filing.marker());
                        spec.file_name.get_or_insert_with(|| spec.name.clone());
                        spec.name = name;
                        match xecm
                            .file_document(filing.workspace, &filing.folder, &spec, content)
                            .await
                        {
                            Ok(filed) => break filed.document,
                            Err(e) if e.is_already_exists() && conflicts < 3 => {
                                conflicts += 1;
                                tracing::warn!(name = %spec.name, "name taken while filing; looking again");
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            };
            Ok::<_, XecmError>(Filed {
                document_id: node.id.get(),
                name: node.name,
                sha256: filing.sha256.clone(),
                new_version: false,
                replayed: false,
            })
        })
        .await?;
    let outcome = match outcome {
        Outcome::Done(filed) => {
            tracing::debug!(document_id = filed.document_id, "document filed");
            Outcome::Done(filed)
        }
        Outcome::Replayed(filed) => Outcome::Replayed(Filed {
            replayed: true,
            ..filed
        }),
    };
    let Some(sha256) = filing.sha256.as_deref() else {
        return Ok(outcome);
    };
    let filed = outcome.clone().into_inner();
    if filed.sha256.as_deref() == Some(sha256) {
        return Ok(outcome);
    }
    let version_key = EffectKey::new("xecm-version", format!("{}#{sha256}", filing.effect.key()));
    let document = NodeId::new(filed.document_id).map_err(EffectError::Effect)?;
    let versioned = effects
        .once(&version_key, None, |_| async {
            let version = NewVersion {
                file_name: filing
                    .document
                    .file_name
                    .clone()
                    .unwrap_or_else(|| filed.name.clone()),
                mime_type: filing.document.mime_type.clone(),
                description: format!("Revision {}", &sha256[..sha256.len().min(12)]),
                major: false,
            };
            xecm.add_document_version(document, &version, content)
                .await?;
            Ok::<_, XecmError>(())
        })
        .await?;
    if versioned.ran_now() {
        tracing::info!(
            document_id = filed.document_id,
            "new revision filed as a version"
        );
    }
    let filed = Filed {
        new_version: versioned.ran_now(),
        replayed: !versioned.ran_now(),
        ..filed
    };
    Ok(if versioned.ran_now() {
        Outcome::Done(filed)
    } else {
        Outcome::Replayed(filed)
    })
}
