//! The port use cases depend on: what gridlink asks of xECM, in business words.
//! [`XecmClient`](crate::XecmClient) implements it against a real server or the simulator.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::api::versions::{Download, NewVersion};
use crate::attributes::NamedAttributes;
use crate::error::XecmError;
use crate::ids::{BusinessObject, CategoryId, NodeId, WorkspaceTypeId};
use crate::model::{AuditEntry, Node, Version};
use crate::upload::ContentSource;

/// A workspace found by a category attribute value (e.g. the "PO Number" of a purchase order
/// workspace whose business object is not linked yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeLookup {
    /// The workspace type to look in (its template tells the category definition).
    pub workspace_type: WorkspaceTypeId,
    /// The category holding the attribute.
    pub category: CategoryId,
    /// The attribute name (a plain attribute or a set column).
    pub attribute: String,
    /// The value to find.
    pub value: String,
}

/// A workspace that should exist.
#[derive(Debug, Clone)]
pub struct WorkspaceSpec {
    /// Workspace type.
    pub type_id: WorkspaceTypeId,
    /// Template; the type's first when absent.
    pub template_id: Option<NodeId>,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The business object it stands for (the identity used to find it again).
    pub business_object: Option<BusinessObject>,
    /// Where to create it; the type's location when absent.
    pub parent_id: Option<NodeId>,
    /// Category values by attribute name.
    pub categories: Vec<(CategoryId, NamedAttributes)>,
}

/// The outcome of [`Workspaces::create_workspace_idempotent`].
#[derive(Debug, Clone, PartialEq)]
pub struct EnsuredWorkspace {
    /// The workspace.
    pub workspace: Node,
    /// Whether this call created it (false: it existed already).
    pub created: bool,
}

/// A document to file.
#[derive(Debug, Clone, Default)]
pub struct DocumentSpec {
    /// Node name (unique within its folder).
    pub name: String,
    /// Description.
    pub description: String,
    /// File name of the upload (the node name when absent).
    pub file_name: Option<String>,
    /// MIME type (guessed by the server when absent).
    pub mime_type: Option<String>,
    /// Category values by attribute name.
    pub categories: Vec<(CategoryId, NamedAttributes)>,
}

/// The outcome of [`Workspaces::file_document`].
#[derive(Debug, Clone, PartialEq)]
pub struct FiledDocument {
    /// The new document.
    pub document: Node,
    /// The folder it went into.
    pub folder: NodeId,
}

/// What gridlink's use cases need from Extended ECM.
#[async_trait]
pub trait Workspaces: Send + Sync {
    /// The workspace linked to a business object (`ext_system_id`, `bo_type`, `bo_id`).
    async fn find_workspace_by_business_object(
        &self,
        business_object: &BusinessObject,
    ) -> Result<Option<Node>, XecmError>;

    /// The workspace of a type whose category attribute has a value.
    async fn find_workspace_by_attribute(
        &self,
        lookup: &AttributeLookup,
    ) -> Result<Option<Node>, XecmError>;

    /// The workspace for `spec`, created unless it exists (found by business object, else by
    /// name within its type). A create the server rejects as "already exists" (a concurrent
    /// creator, or our own retried request) is answered with the existing workspace.
    async fn create_workspace_idempotent(
        &self,
        spec: &WorkspaceSpec,
    ) -> Result<EnsuredWorkspace, XecmError>;

    /// Files a document into the workspace's sub-folder `folder_path` (`/`-separated,
    /// created when missing), streamed from `content`, with category values by name.
    async fn file_document(
        &self,
        workspace: NodeId,
        folder_path: &str,
        document: &DocumentSpec,
        content: &dyn ContentSource,
    ) -> Result<FiledDocument, XecmError>;

    /// Adds a version to a document, streamed from `content`.
    async fn add_document_version(
        &self,
        document: NodeId,
        version: &NewVersion,
        content: &dyn ContentSource,
    ) -> Result<Version, XecmError>;

    /// A node's values of one category, by attribute name.
    async fn read_attributes(
        &self,
        node: NodeId,
        category: CategoryId,
    ) -> Result<NamedAttributes, XecmError>;

    /// Writes values by attribute name (applying the category first when needed). Sets
    /// replace their rows; attributes not named are left as they are.
    async fn write_attributes(
        &self,
        node: NodeId,
        category: CategoryId,
        values: &NamedAttributes,
    ) -> Result<(), XecmError>;

    /// Documents (below `within`, when given) changed at or after `since`, oldest first.
    async fn documents_changed_since(
        &self,
        within: Option<NodeId>,
        since: OffsetDateTime,
    ) -> Result<Vec<Node>, XecmError>;

    /// Streams a document's current content.
    async fn download_document(&self, document: NodeId) -> Result<Download, XecmError>;

    /// A document's versions, oldest first.
    async fn versions(&self, document: NodeId) -> Result<Vec<Version>, XecmError>;

    /// Streams one version's content (the version named, even when a newer one exists).
    async fn download_version(&self, document: NodeId, version: u32)
    -> Result<Download, XecmError>;

    /// Workspaces of `workspace_type` created or changed (a category value, a name) at or
    /// after `since`, oldest first.
    async fn workspaces_changed_since(
        &self,
        workspace_type: WorkspaceTypeId,
        since: OffsetDateTime,
    ) -> Result<Vec<Node>, XecmError>;

    /// The business workspace `node` lies in (itself, for a workspace), if any.
    async fn enclosing_workspace(&self, node: NodeId) -> Result<Option<NodeId>, XecmError>;

    /// The child of `parent` named `name`, if any. Content Server keeps names unique within
    /// a container regardless of case, so this is the one matching rule: equal ignoring
    /// case. Asked with a server-side name filter, so its cost does not grow with the
    /// folder.
    async fn child_named(&self, parent: NodeId, name: &str) -> Result<Option<Node>, XecmError>;

    /// The node at `path` (`/`-separated names, each matched as [`Workspaces::child_named`])
    /// below `parent`, if every segment exists.
    async fn node_at_path(&self, parent: NodeId, path: &str) -> Result<Option<Node>, XecmError> {
        let mut current: Option<Node> = None;
        let mut container = parent;
        for segment in path.split('/').map(str::trim).filter(|s| !s.is_empty()) {
            match self.child_named(container, segment).await? {
                Some(node) => {
                    container = node.id;
                    current = Some(node);
                }
                None => return Ok(None),
            }
        }
        Ok(current)
    }

    /// One node.
    async fn get_node(&self, id: NodeId) -> Result<Node, XecmError>;

    /// All children of a container.
    async fn list_children(&self, container: NodeId) -> Result<Vec<Node>, XecmError>;

    /// Makes `child` a related child workspace of `parent`.
    async fn link_workspaces(&self, parent: NodeId, child: NodeId) -> Result<(), XecmError>;

    /// A node's audit entries since a time, newest first.
    async fn audit_trail(
        &self,
        node: NodeId,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<AuditEntry>, XecmError>;
}
