//! The change queries a poller needs beyond the [`Workspaces`](gridlink_xecm::Workspaces)
//! port: workspaces of a type changed since a time, and the workspace a node lies in.

use async_trait::async_trait;
use futures::TryStreamExt;
use gridlink_xecm::api::search::lql_quote;
use gridlink_xecm::model::subtype;
use gridlink_xecm::{Node, NodeId, SearchQuery, WorkspaceTypeId, XecmClient, XecmError};
use time::OffsetDateTime;
use time::macros::format_description;

/// What a poller asks of xECM.
#[async_trait]
pub trait XecmChanges: Send + Sync {
    /// Workspaces of `workspace_type` created or changed (a category value, a name) at or
    /// after `since`, oldest first.
    async fn workspaces_changed_since(
        &self,
        workspace_type: WorkspaceTypeId,
        since: OffsetDateTime,
    ) -> Result<Vec<Node>, XecmError>;

    /// The business workspace `node` lies in (itself, for a workspace), if any.
    async fn enclosing_workspace(&self, node: NodeId) -> Result<Option<NodeId>, XecmError>;
}

#[async_trait]
impl XecmChanges for XecmClient {
    async fn workspaces_changed_since(
        &self,
        workspace_type: WorkspaceTypeId,
        since: OffsetDateTime,
    ) -> Result<Vec<Node>, XecmError> {
        let day = since
            .to_offset(time::UtcOffset::UTC)
            .format(format_description!("[year][month][day]"))
            .map_err(|e| XecmError::Invalid(format!("cannot write the poll day: {e}")))?;
        let query = SearchQuery {
            lql: format!(
                "OTSubType: {} and OTModifyDate: >= {}",
                subtype::WORKSPACE,
                lql_quote(&day)
            ),
            sort: Some("asc_OTModifyDate".to_owned()),
            page_size: 100,
        };
        let hits: Vec<Node> = self.search(&query).try_collect().await?;
        Ok(hits
            .into_iter()
            .filter(|node| {
                node.workspace_type_id
                    .is_none_or(|t| t == workspace_type.get())
            })
            .filter(|node| node.modify_date.is_none_or(|at| at >= since))
            .collect())
    }

    async fn enclosing_workspace(&self, node: NodeId) -> Result<Option<NodeId>, XecmError> {
        XecmClient::enclosing_workspace(self, node).await
    }
}
