//! The first step of every xECM-started sync: is the node a workspace of the use case's type,
//! and does it carry the use case's category? A push or a poll may name any node (a folder, a
//! workspace of another type, one whose category was never applied); those are skipped with
//! a reason, not failed.

use gridlink_xecm::model::subtype;
use gridlink_xecm::{
    CategoryId, NamedAttributes, Node, NodeId, WorkspaceTypeId, Workspaces, XecmError,
};

/// What a sync found at the node it was told about.
#[derive(Debug)]
pub enum StartedWorkspace {
    /// A workspace of the type, with the category's values.
    Found {
        /// The workspace node (boxed: a node is large beside a reason).
        workspace: Box<Node>,
        /// Its values of the category.
        values: NamedAttributes,
    },
    /// Not one of the use case's workspaces, or without its category: why, for the summary.
    Skipped(String),
}

/// Reads `category` of `node` if it is a workspace of `workspace_type`. `kind` names the
/// workspace kind and `category_name` the category in the skip reasons ("not a supplier
/// workspace", "no supplier category").
///
/// # Errors
/// The node or its attributes could not be read (other than the category being absent).
pub async fn read_started_workspace(
    xecm: &dyn Workspaces,
    node: NodeId,
    workspace_type: WorkspaceTypeId,
    category: CategoryId,
    kind: &str,
    category_name: &str,
) -> Result<StartedWorkspace, XecmError> {
    let workspace = xecm.get_node(node).await?;
    if workspace.subtype != subtype::WORKSPACE
        || workspace.workspace_type_id != Some(workspace_type.get())
    {
        return Ok(StartedWorkspace::Skipped(format!("not a {kind} workspace")));
    }
    match xecm.read_attributes(node, category).await {
        Ok(values) => Ok(StartedWorkspace::Found {
            workspace: Box::new(workspace),
            values,
        }),
        Err(error) if error.is_category_absent() => Ok(StartedWorkspace::Skipped(format!(
            "no {category_name} category"
        ))),
        Err(error) => Err(error),
    }
}
