//! Business workspaces: types, lists, details, creation, business-object look-up, relations.

use std::sync::Arc;

use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::api::body_field;
use crate::error::XecmError;
use crate::ids::{BusinessObject, NodeId, WorkspaceTypeId};
use crate::model::{Node, WorkspaceDetails, WorkspaceType, node_from, results, shape_error};
use crate::paging::{PagedCall, paged};
use crate::transport::{Call, Payload, XecmClient};

/// How `where_name` matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameMatch {
    /// The whole name (the server ignores case).
    Exact(String),
    /// `contains_…`.
    Contains(String),
    /// `startswith_…`.
    StartsWith(String),
}

/// Filters for `GET /api/v2/businessworkspaces` (always sent with `expanded_view=true`, so
/// the search covers all workspaces, not the recently accessed ones).
#[derive(Debug, Clone, Default)]
pub struct WorkspaceQuery {
    /// `where_workspace_type_id`.
    pub type_id: Option<WorkspaceTypeId>,
    /// `where_workspace_type_name` (matches as starts-with).
    pub type_name: Option<String>,
    /// `where_name`.
    pub name: Option<NameMatch>,
    /// `where_ext_system_id`, `where_bo_type`, `where_bo_id`.
    pub business_object: Option<BusinessObject>,
    /// `sort`, e.g. `asc_name`.
    pub sort: Option<String>,
    /// Page size (100 when 0).
    pub page_size: u32,
}

/// A workspace to create (`POST /api/v2/businessworkspaces`).
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    /// `wksp_type_id`.
    pub type_id: WorkspaceTypeId,
    /// `template_id`; the server picks the type's template when absent.
    pub template_id: Option<NodeId>,
    /// `name`; the server's naming rule applies when absent.
    pub name: Option<String>,
    /// `description`.
    pub description: String,
    /// `parent_id`; the type's location when absent.
    pub parent_id: Option<NodeId>,
    /// The business object to link.
    pub business_object: Option<BusinessObject>,
    /// `roles.categories`, nested per category: `{"9100":{"9100_2":"…"}}`.
    pub categories: Map<String, Value>,
}

/// Which way a workspace relation points, seen from the workspace asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The other workspace is a child.
    Child,
    /// The other workspace is a parent.
    Parent,
}

impl Relation {
    fn as_str(self) -> &'static str {
        match self {
            Relation::Child => "child",
            Relation::Parent => "parent",
        }
    }
}

fn list_items(body: &Value) -> Result<Vec<Node>, XecmError> {
    results(body)
        .into_iter()
        .map(|item| node_from(item, "workspace list"))
        .collect()
}

impl XecmClient {
    /// `GET /api/v2/businessworkspacetypes?expand_templates=true`, read once and cached.
    pub async fn workspace_types(&self) -> Result<Arc<Vec<WorkspaceType>>, XecmError> {
        if let Some(types) = self
            .inner
            .workspace_types
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
        {
            return Ok(types);
        }
        let query = [("expand_templates".to_owned(), "true".to_owned())];
        let body = self
            .json(Call::get(
                "workspace types",
                "v2/businessworkspacetypes",
                &query,
            ))
            .await?;
        let mut types = Vec::new();
        for item in results(&body) {
            let properties = item.pointer("/data/properties").unwrap_or(item);
            let id = properties.get("wksp_type_id").and_then(Value::as_i64);
            let name = properties.get("wksp_type_name").and_then(Value::as_str);
            let (Some(id), Some(name)) = (id, name) else {
                return Err(shape_error(
                    "workspace types",
                    "a type without id or name",
                    properties,
                ));
            };
            let templates = properties
                .get("templates")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|t| {
                            let id = NodeId::new(t.get("id")?.as_i64()?).ok()?;
                            Some((
                                id,
                                t.get("name")
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let location = properties
                .pointer("/wksp_creation/location")
                .and_then(Value::as_i64);
            types.push(WorkspaceType {
                id,
                name: name.to_owned(),
                templates,
                location,
            });
        }
        let types = Arc::new(types);
        *self
            .inner
            .workspace_types
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(types.clone());
        Ok(types)
    }

    /// `GET /api/v2/businessworkspaces`: every matching workspace, page by page.
    pub fn workspaces(
        &self,
        query: &WorkspaceQuery,
    ) -> BoxStream<'static, Result<Node, XecmError>> {
        let mut params = vec![("expanded_view".to_owned(), "true".to_owned())];
        if let Some(type_id) = query.type_id {
            params.push(("where_workspace_type_id".to_owned(), type_id.to_string()));
        }
        if let Some(name) = &query.type_name {
            params.push(("where_workspace_type_name".to_owned(), name.clone()));
        }
        if let Some(name) = &query.name {
            let value = match name {
                NameMatch::Exact(n) => n.clone(),
                NameMatch::Contains(n) => format!("contains_{n}"),
                NameMatch::StartsWith(n) => format!("startswith_{n}"),
            };
            params.push(("where_name".to_owned(), value));
        }
        if let Some(bo) = &query.business_object {
            params.push(("where_ext_system_id".to_owned(), bo.ext_system_id.clone()));
            params.push(("where_bo_type".to_owned(), bo.bo_type.clone()));
            params.push(("where_bo_id".to_owned(), bo.bo_id.clone()));
        }
        if let Some(sort) = &query.sort {
            params.push(("sort".to_owned(), sort.clone()));
        }
        let call = PagedCall {
            what: "list workspaces",
            method: Method::GET,
            path: "v2/businessworkspaces".to_owned(),
            params,
            limit: if query.page_size == 0 {
                100
            } else {
                query.page_size
            },
        };
        paged(self, call, list_items)
    }

    /// `GET /api/v2/businessworkspaces/{id}`: properties, business properties, references.
    pub async fn workspace(&self, id: NodeId) -> Result<WorkspaceDetails, XecmError> {
        let path = format!("v2/businessworkspaces/{id}");
        let query = [
            ("fields".to_owned(), "properties".to_owned()),
            ("fields".to_owned(), "business_properties".to_owned()),
            ("fields".to_owned(), "workspace_references".to_owned()),
        ];
        let body = self.json(Call::get("get workspace", &path, &query)).await?;
        let item = results(&body)
            .into_iter()
            .next()
            .ok_or_else(|| shape_error("get workspace", "no results", &body))?;
        let node = node_from(item, "get workspace")?;
        let business = item.pointer("/data/business_properties");
        let text = |v: Option<&Value>, key: &str| {
            v.and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let business_objects = item
            .pointer("/data/workspace_references")
            .and_then(Value::as_array)
            .map(|refs| {
                refs.iter()
                    .filter_map(|r| {
                        BusinessObject::new(
                            &text(Some(r), "external_system_id")?,
                            &text(Some(r), "business_object_type")?,
                            &text(Some(r), "business_object_id")?,
                        )
                        .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(WorkspaceDetails {
            type_id: business
                .and_then(|b| b.get("workspace_type_id"))
                .and_then(Value::as_i64)
                .or(node.workspace_type_id),
            type_name: text(business, "workspace_type_name"),
            business_objects,
            node,
        })
    }

    /// `POST /api/v2/businessworkspaces` (`body=<json>`): the new workspace's id.
    pub async fn create_workspace(&self, new: &NewWorkspace) -> Result<NodeId, XecmError> {
        let (result, _) = self.create_workspace_counting(new).await;
        result
    }

    /// Creates a workspace and says on which attempt the call ended.
    pub(crate) async fn create_workspace_counting(
        &self,
        new: &NewWorkspace,
    ) -> (Result<NodeId, XecmError>, u32) {
        let mut body =
            json!({"wksp_type_id": new.type_id.get(), "type": 848, "description": new.description});
        if let Some(template) = new.template_id {
            body["template_id"] = json!(template.get());
        }
        if let Some(name) = &new.name {
            body["name"] = json!(name);
        }
        if let Some(parent) = new.parent_id {
            body["parent_id"] = json!(parent.get());
        }
        if let Some(bo) = &new.business_object {
            body["ext_system_id"] = json!(bo.ext_system_id);
            body["bo_type"] = json!(bo.bo_type);
            body["bo_id"] = json!(bo.bo_id);
        }
        if !new.categories.is_empty() {
            body["roles"] = json!({"categories": new.categories});
        }
        let form = body_field(&body);
        let method = Method::POST;
        let call = Call::with(
            "create workspace",
            &method,
            "v2/businessworkspaces",
            Payload::Form(&form),
        );
        let (result, attempts) = self.json_counting(call).await;
        let id = result.and_then(|body| {
            body.pointer("/results/id")
                .and_then(Value::as_i64)
                .ok_or_else(|| shape_error("create workspace", "no results.id", &body))
                .and_then(NodeId::new)
        });
        (id, attempts)
    }

    /// `GET /api/v2/externalsystems/{sys}/botypes/{type}/boids/{id}`: the workspace linked to
    /// a business object, if any.
    pub async fn workspace_for_business_object(
        &self,
        bo: &BusinessObject,
    ) -> Result<Option<Node>, XecmError> {
        let path = format!(
            "v2/externalsystems/{}/botypes/{}/boids/{}",
            segment(&bo.ext_system_id),
            segment(&bo.bo_type),
            segment(&bo.bo_id)
        );
        let body = self
            .json(Call::get("workspace for business object", &path, &[]))
            .await?;
        Ok(list_items(&body)?.into_iter().next())
    }

    /// `GET /api/v2/businessworkspaces/{id}/relateditems`, optionally one direction only.
    pub fn related_workspaces(
        &self,
        id: NodeId,
        relation: Option<Relation>,
    ) -> BoxStream<'static, Result<(Node, String), XecmError>> {
        let mut params = Vec::new();
        if let Some(relation) = relation {
            params.push((
                "where_relationtype".to_owned(),
                relation.as_str().to_owned(),
            ));
        }
        let call = PagedCall {
            what: "related workspaces",
            method: Method::GET,
            path: format!("v2/businessworkspaces/{id}/relateditems"),
            params,
            limit: 100,
        };
        paged(self, call, |body| {
            results(body)
                .into_iter()
                .map(|item| {
                    let rel = item
                        .pointer("/data/properties/rel_type")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    Ok((node_from(item, "related workspaces")?, rel))
                })
                .collect()
        })
    }

    /// `POST /api/v2/businessworkspaces/{id}/relateditems` (form `rel_bw_id`, `rel_type`).
    pub async fn relate_workspaces(
        &self,
        id: NodeId,
        other: NodeId,
        relation: Relation,
    ) -> Result<(), XecmError> {
        let path = format!("v2/businessworkspaces/{id}/relateditems");
        let form = vec![
            ("rel_bw_id".to_owned(), other.to_string()),
            ("rel_type".to_owned(), relation.as_str().to_owned()),
        ];
        let method = Method::POST;
        self.json(Call::with(
            "relate workspaces",
            &method,
            &path,
            Payload::Form(&form),
        ))
        .await
        .map(|_| ())
    }

    /// `GET /api/v1/nodes/{id}/businessworkspace`: the workspace a node lies in, if any.
    pub async fn enclosing_workspace(&self, id: NodeId) -> Result<Option<NodeId>, XecmError> {
        let path = format!("v1/nodes/{id}/businessworkspace");
        match self
            .json(Call::get("enclosing workspace", &path, &[]))
            .await
        {
            Ok(body) => {
                let id = body
                    .get("id")
                    .or_else(|| body.pointer("/results/data/properties/id"))
                    .and_then(Value::as_i64);
                Ok(id.and_then(|id| NodeId::new(id).ok()))
            }
            Err(XecmError::Api {
                status: 400, error, ..
            }) if error.contains("not part of a business workspace") => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// A path segment, percent-encoded.
pub(crate) fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
