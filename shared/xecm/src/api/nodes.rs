//! Nodes: read, browse, create folders and documents (streamed upload), change, delete.

use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::api::body_field;
use crate::error::XecmError;
use crate::ids::NodeId;
use crate::model::{Node, node_from, results, shape_error, subtype};
use crate::paging::{PagedCall, paged};
use crate::transport::{Call, Payload, XecmClient};
use crate::upload::ContentSource;

/// Filters for `GET /api/v2/nodes/{id}/nodes`.
#[derive(Debug, Clone, Default)]
pub struct ChildQuery {
    /// `where_type` values (repeated): subtypes, or `-1` containers / `-3` non-containers.
    pub types: Vec<i64>,
    /// `where_name` (the server matches parts of names; callers wanting one name compare).
    pub name: Option<String>,
    /// `sort`, e.g. `asc_name`.
    pub sort: Option<String>,
    /// Page size (100 when 0).
    pub page_size: u32,
}

/// A document to create (`POST /api/v2/nodes`, type 144).
#[derive(Debug, Clone, Default)]
pub struct NewDocument {
    /// Node name.
    pub name: String,
    /// Description.
    pub description: String,
    /// File name of the upload (the node name when absent).
    pub file_name: Option<String>,
    /// MIME type of the upload (guessed by the server when absent).
    pub mime_type: Option<String>,
    /// `roles.categories`, flat keys (`{"9400_2":"…"}`).
    pub categories: Map<String, Value>,
}

/// Changes to a node (`PUT /api/v2/nodes/{id}`).
#[derive(Debug, Clone, Default)]
pub struct NodeChange {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New parent (a move).
    pub parent_id: Option<NodeId>,
}

impl XecmClient {
    /// `GET /api/v2/nodes/{id}`.
    pub async fn node(&self, id: NodeId) -> Result<Node, XecmError> {
        let path = format!("v2/nodes/{id}");
        let body = self.json(Call::get("get node", &path, &[])).await?;
        let item = body
            .get("results")
            .ok_or_else(|| shape_error("get node", "no results", &body))?;
        node_from(item, "get node")
    }

    /// `GET /api/v2/nodes/{id}/nodes`: every matching child, page by page.
    pub fn children(
        &self,
        id: NodeId,
        query: &ChildQuery,
    ) -> BoxStream<'static, Result<Node, XecmError>> {
        let mut params: Vec<(String, String)> = query
            .types
            .iter()
            .map(|t| ("where_type".to_owned(), t.to_string()))
            .collect();
        if let Some(name) = &query.name {
            params.push(("where_name".to_owned(), name.clone()));
        }
        if let Some(sort) = &query.sort {
            params.push(("sort".to_owned(), sort.clone()));
        }
        let call = PagedCall {
            what: "list children",
            method: Method::GET,
            path: format!("v2/nodes/{id}/nodes"),
            params,
            limit: if query.page_size == 0 {
                100
            } else {
                query.page_size
            },
        };
        paged(self, call, |body| {
            results(body)
                .into_iter()
                .map(|item| node_from(item, "list children"))
                .collect()
        })
    }

    /// `POST /api/v2/nodes` with `type` 0.
    pub async fn create_folder(&self, parent: NodeId, name: &str) -> Result<Node, XecmError> {
        let form =
            body_field(&json!({"type": subtype::FOLDER, "parent_id": parent.get(), "name": name}));
        let method = Method::POST;
        let body = self
            .json(Call::with(
                "create folder",
                &method,
                "v2/nodes",
                Payload::Form(&form),
            ))
            .await?;
        created_node(&body, "create folder")
    }

    /// `POST /api/v2/nodes` with `type` 144 and a `file` part streamed from `source`. A retry
    /// or a re-login opens the source again and sends it whole.
    pub async fn create_document(
        &self,
        parent: NodeId,
        document: &NewDocument,
        source: &dyn ContentSource,
    ) -> Result<Node, XecmError> {
        self.create_document_counting(parent, document, source)
            .await
            .0
    }

    pub(crate) async fn create_document_counting(
        &self,
        parent: NodeId,
        document: &NewDocument,
        source: &dyn ContentSource,
    ) -> (Result<Node, XecmError>, u32) {
        let mut body = json!({
            "type": subtype::DOCUMENT,
            "parent_id": parent.get(),
            "name": document.name,
            "description": document.description,
        });
        if !document.categories.is_empty() {
            body["roles"] = json!({"categories": document.categories});
        }
        let fields = body_field(&body);
        let file_name = document.file_name.as_deref().unwrap_or(&document.name);
        let method = Method::POST;
        let payload = Payload::Upload {
            fields: &fields,
            file_name,
            mime_type: document.mime_type.as_deref(),
            source,
        };
        let (result, attempts) = self
            .json_counting(Call::with("create document", &method, "v2/nodes", payload))
            .await;
        (
            result.and_then(|body| created_node(&body, "create document")),
            attempts,
        )
    }

    /// `PUT /api/v2/nodes/{id}` (`body=<json>`): rename, describe, move.
    pub async fn update_node(&self, id: NodeId, change: &NodeChange) -> Result<Node, XecmError> {
        let mut body = json!({});
        if let Some(name) = &change.name {
            body["name"] = json!(name);
        }
        if let Some(description) = &change.description {
            body["description"] = json!(description);
        }
        if let Some(parent) = change.parent_id {
            body["parent_id"] = json!(parent.get());
        }
        let form = body_field(&body);
        let path = format!("v2/nodes/{id}");
        let method = Method::PUT;
        let body = self
            .json(Call::with(
                "update node",
                &method,
                &path,
                Payload::Form(&form),
            ))
            .await?;
        created_node(&body, "update node")
    }

    /// `DELETE /api/v2/nodes/{id}`.
    pub async fn delete_node(&self, id: NodeId) -> Result<(), XecmError> {
        let path = format!("v2/nodes/{id}");
        let method = Method::DELETE;
        self.json(Call::with("delete node", &method, &path, Payload::Empty))
            .await
            .map(|_| ())
    }
}

fn created_node(body: &Value, what: &'static str) -> Result<Node, XecmError> {
    let item = body
        .get("results")
        .ok_or_else(|| shape_error(what, "no results", body))?;
    node_from(item, what)
}
