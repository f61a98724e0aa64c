//! [`Workspaces`] for [`XecmClient`]: the business helpers, composed from the REST calls.

use std::sync::Arc;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::api::nodes::{ChildQuery, NewDocument};
use crate::api::search::{AuditQuery, SearchQuery, lql_quote};
use crate::api::versions::{Download, NewVersion};
use crate::api::workspaces::{NameMatch, NewWorkspace, Relation, WorkspaceQuery};
use crate::attributes::{AttributeKind, AttributeValue, CategoryDefinition, NamedAttributes};
use crate::error::XecmError;
use crate::ids::{BusinessObject, CategoryId, NodeId, WorkspaceTypeId};
use crate::model::{AuditEntry, Node, Version, subtype};
use crate::port::{
    AttributeLookup, DocumentSpec, EnsuredWorkspace, FiledDocument, WorkspaceSpec, Workspaces,
};
use crate::transport::XecmClient;
use crate::upload::ContentSource;

impl XecmClient {
    /// A category's definition: cached, or read from the first of `hints` that has the
    /// category applied (a workspace template, the target folder, the node itself).
    pub async fn definition(
        &self,
        category: CategoryId,
        hints: &[NodeId],
    ) -> Result<Option<Arc<CategoryDefinition>>, XecmError> {
        if let Some(definition) = self.cached_definition(category) {
            return Ok(Some(definition));
        }
        for hint in hints {
            let applied = self.categories(*hint, false).await?;
            if applied.iter().any(|c| c.id == category) {
                return Ok(self.category(*hint, category).await?.definition);
            }
        }
        Ok(None)
    }

    async fn templates_of(&self, type_id: WorkspaceTypeId) -> Result<Vec<NodeId>, XecmError> {
        let types = self.workspace_types().await?;
        let kind = types
            .iter()
            .find(|t| t.id == type_id.get())
            .ok_or_else(|| XecmError::NotFound(format!("workspace type {type_id}")))?;
        Ok(kind.templates.iter().map(|(id, _)| *id).collect())
    }

    async fn find_existing(&self, spec: &WorkspaceSpec) -> Result<Option<Node>, XecmError> {
        if let Some(bo) = &spec.business_object {
            return self.find_workspace_by_business_object(bo).await;
        }
        let query = WorkspaceQuery {
            type_id: Some(spec.type_id),
            name: Some(NameMatch::Exact(spec.name.clone())),
            ..WorkspaceQuery::default()
        };
        let found: Vec<Node> = self.workspaces(&query).take(50).try_collect().await?;
        Ok(found
            .into_iter()
            .find(|node| node.name.eq_ignore_ascii_case(&spec.name)))
    }

    /// The child of `parent` with this exact name (ignoring case), if any.
    pub async fn child_named(&self, parent: NodeId, name: &str) -> Result<Option<Node>, XecmError> {
        let query = ChildQuery {
            name: Some(name.to_owned()),
            ..ChildQuery::default()
        };
        let mut children = self.children(parent, &query);
        while let Some(child) = children.next().await {
            let child = child?;
            if child.name.eq_ignore_ascii_case(name) {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }

    /// The folder at `path` (`/`-separated) below `parent`, created segment by segment.
    pub async fn ensure_folder_path(
        &self,
        parent: NodeId,
        path: &str,
    ) -> Result<NodeId, XecmError> {
        let mut current = parent;
        for segment in path.split('/').map(str::trim).filter(|s| !s.is_empty()) {
            current = match self.child_named(current, segment).await? {
                Some(existing) if existing.container => existing.id,
                Some(existing) => {
                    return Err(XecmError::Invalid(format!(
                        "'{segment}' in {parent} is a document ({}), not a folder",
                        existing.id
                    )));
                }
                None => match self.create_folder(current, segment).await {
                    Ok(folder) => folder.id,
                    Err(error) if error.is_already_exists() => self
                        .child_named(current, segment)
                        .await?
                        .map(|n| n.id)
                        .ok_or(error)?,
                    Err(error) => return Err(error),
                },
            };
        }
        Ok(current)
    }

    /// Splits category values into keys the create call can carry (definition known) and
    /// those to write after creation.
    async fn category_keys(
        &self,
        categories: &[(CategoryId, NamedAttributes)],
        hints: &[NodeId],
    ) -> Result<
        (
            Vec<(CategoryId, Map<String, Value>)>,
            Vec<(CategoryId, NamedAttributes)>,
        ),
        XecmError,
    > {
        let (mut now, mut later) = (Vec::new(), Vec::new());
        for (category, values) in categories {
            match self.definition(*category, hints).await? {
                Some(definition) => now.push((*category, definition.encode(values, |_| 0)?)),
                None => later.push((*category, values.clone())),
            }
        }
        Ok((now, later))
    }
}

fn lql_day(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year][month][day]"))
        .unwrap_or_default()
}

fn value_text(value: &AttributeValue) -> Vec<String> {
    match value {
        AttributeValue::Empty => Vec::new(),
        AttributeValue::Text(t) => vec![t.clone()],
        AttributeValue::Integer(n) | AttributeValue::User(n) => vec![n.to_string()],
        AttributeValue::Boolean(b) => vec![b.to_string()],
        AttributeValue::Date(d) => vec![d.date().to_string()],
        AttributeValue::Multi(items) => items.iter().flat_map(value_text).collect(),
        AttributeValue::Rows(rows) => rows
            .iter()
            .flat_map(|r| r.values().flat_map(value_text))
            .collect(),
    }
}

#[async_trait]
impl Workspaces for XecmClient {
    async fn find_workspace_by_business_object(
        &self,
        business_object: &BusinessObject,
    ) -> Result<Option<Node>, XecmError> {
        let query = WorkspaceQuery {
            business_object: Some(business_object.clone()),
            page_size: 10,
            ..WorkspaceQuery::default()
        };
        self.workspaces(&query).next().await.transpose()
    }

    async fn find_workspace_by_attribute(
        &self,
        lookup: &AttributeLookup,
    ) -> Result<Option<Node>, XecmError> {
        let templates = self.templates_of(lookup.workspace_type).await?;
        let definition = self
            .definition(lookup.category, &templates)
            .await?
            .ok_or_else(|| {
                XecmError::NotFound(format!(
                    "category {} on the templates of workspace type {}",
                    lookup.category, lookup.workspace_type
                ))
            })?;
        let (region, column_of) = match definition.attribute(&lookup.attribute) {
            Ok(attribute) => (format!("Attr_{}_{}", lookup.category, attribute.id), None),
            Err(not_plain) => {
                let (set, column) = definition
                    .attributes
                    .iter()
                    .filter(|a| a.kind == AttributeKind::Set)
                    .find_map(|set| {
                        set.columns
                            .iter()
                            .find(|c| c.name.eq_ignore_ascii_case(&lookup.attribute))
                            .map(|c| (set, c))
                    })
                    .ok_or(not_plain)?;
                (
                    format!("Attr_{}_{}", lookup.category, column.id),
                    Some((set.name.clone(), column.name.clone())),
                )
            }
        };
        let query = SearchQuery {
            lql: format!(
                "OTSubType: {} and {region}: {}",
                subtype::WORKSPACE,
                lql_quote(&lookup.value)
            ),
            ..SearchQuery::default()
        };
        let mut hits = self.search(&query);
        while let Some(hit) = hits.next().await {
            let hit = hit?;
            if hit
                .workspace_type_id
                .is_some_and(|t| t != lookup.workspace_type.get())
            {
                continue;
            }
            let values = self.read_attributes(hit.id, lookup.category).await?;
            let found = match &column_of {
                None => values
                    .get(&definition.attribute(&lookup.attribute)?.name)
                    .map(value_text),
                Some((set, column)) => values.get(set).map(|rows| match rows {
                    AttributeValue::Rows(rows) => rows
                        .iter()
                        .filter_map(|r| r.get(column))
                        .flat_map(value_text)
                        .collect(),
                    _ => Vec::new(),
                }),
            };
            if found.unwrap_or_default().contains(&lookup.value) {
                return Ok(Some(hit));
            }
        }
        Ok(None)
    }

    async fn create_workspace_idempotent(
        &self,
        spec: &WorkspaceSpec,
    ) -> Result<EnsuredWorkspace, XecmError> {
        if let Some(existing) = self.find_existing(spec).await? {
            return Ok(EnsuredWorkspace {
                workspace: existing,
                created: false,
            });
        }
        let template = match spec.template_id {
            Some(template) => Some(template),
            None => self.templates_of(spec.type_id).await?.first().copied(),
        };
        let hints: Vec<NodeId> = template.into_iter().collect();
        let (with_create, after_create) = self.category_keys(&spec.categories, &hints).await?;
        let new = NewWorkspace {
            type_id: spec.type_id,
            template_id: template,
            name: Some(spec.name.clone()),
            description: spec.description.clone(),
            parent_id: spec.parent_id,
            business_object: spec.business_object.clone(),
            categories: with_create
                .into_iter()
                .map(|(cat, keys)| (cat.to_string(), Value::Object(keys)))
                .collect(),
        };
        let (result, attempts) = self.create_workspace_counting(&new).await;
        let (id, created) = match result {
            Ok(id) => (id, true),
            Err(error) if error.is_already_exists() => match self.find_existing(spec).await? {
                Some(existing) => {
                    tracing::info!(workspace_id = %existing.id, attempts, "workspace already existed");
                    (existing.id, attempts > 1)
                }
                None => return Err(error),
            },
            Err(error) => return Err(error),
        };
        if created {
            for (category, values) in &after_create {
                self.write_attributes(id, *category, values).await?;
            }
        }
        Ok(EnsuredWorkspace {
            workspace: self.node(id).await?,
            created,
        })
    }

    async fn file_document(
        &self,
        workspace: NodeId,
        folder_path: &str,
        document: &DocumentSpec,
        content: &dyn ContentSource,
    ) -> Result<FiledDocument, XecmError> {
        let folder = self.ensure_folder_path(workspace, folder_path).await?;
        let (with_create, after_create) = self
            .category_keys(&document.categories, &[folder, workspace])
            .await?;
        let new = NewDocument {
            name: document.name.clone(),
            description: document.description.clone(),
            file_name: document.file_name.clone(),
            mime_type: document.mime_type.clone(),
            categories: with_create.into_iter().flat_map(|(_, keys)| keys).collect(),
        };
        let (result, attempts) = self.create_document_counting(folder, &new, content).await;
        let node = match result {
            Ok(node) => node,
            // A retried create answered "already exists" is our earlier attempt's only when
            // the document there is the one we described: the first attempt may as well have
            // failed before any work (a 500, a dropped call) while another document took the
            // name (chaos: a shipment's 08:00 status adopted its 14:30 twin's document and was
            // never filed). Another's document is the caller's conflict to resolve.
            Err(error) if error.is_already_exists() && attempts > 1 => {
                match self.child_named(folder, &document.name).await? {
                    Some(node) if node.description == document.description => {
                        tracing::info!(%folder, attempts, "document from an earlier attempt found");
                        node
                    }
                    _ => return Err(error),
                }
            }
            Err(error) => return Err(error),
        };
        for (category, values) in &after_create {
            self.write_attributes(node.id, *category, values).await?;
        }
        Ok(FiledDocument {
            document: node,
            folder,
        })
    }

    async fn add_document_version(
        &self,
        document: NodeId,
        version: &NewVersion,
        content: &dyn ContentSource,
    ) -> Result<Version, XecmError> {
        self.add_version(document, version, content).await
    }

    async fn read_attributes(
        &self,
        node: NodeId,
        category: CategoryId,
    ) -> Result<NamedAttributes, XecmError> {
        let applied = self.category(node, category).await?;
        let definition = applied
            .definition
            .or_else(|| self.cached_definition(category))
            .ok_or_else(|| XecmError::NotFound(format!("the definition of category {category}")))?;
        Ok(definition.decode(&applied.values))
    }

    async fn write_attributes(
        &self,
        node: NodeId,
        category: CategoryId,
        values: &NamedAttributes,
    ) -> Result<(), XecmError> {
        let applied = self.categories(node, false).await?;
        if let Some(current) = applied.iter().find(|c| c.id == category) {
            let definition = match self.cached_definition(category) {
                Some(definition) => definition,
                None => self
                    .category(node, category)
                    .await?
                    .definition
                    .ok_or_else(|| {
                        XecmError::NotFound(format!("the definition of category {category}"))
                    })?,
            };
            let keys = definition.encode(values, |set| definition.rows(set, &current.values))?;
            return self.update_category(node, category, &keys).await;
        }
        if let Some(definition) = self.cached_definition(category) {
            let keys = definition.encode(values, |_| 0)?;
            return self.apply_category(node, category, &keys).await;
        }
        self.apply_category(node, category, &Map::new()).await?;
        let fresh = self.category(node, category).await?;
        let definition = fresh
            .definition
            .ok_or_else(|| XecmError::NotFound(format!("the definition of category {category}")))?;
        let keys = definition.encode(values, |set| definition.rows(set, &fresh.values))?;
        self.update_category(node, category, &keys).await
    }

    async fn documents_changed_since(
        &self,
        within: Option<NodeId>,
        since: OffsetDateTime,
    ) -> Result<Vec<Node>, XecmError> {
        let changed = format!(
            "OTSubType: {} and OTModifyDate: >= {}",
            subtype::DOCUMENT,
            lql_quote(&lql_day(since))
        );
        let lql = match within {
            Some(within) => format!("{changed} and OTLocation: {within}"),
            None => changed,
        };
        let query = SearchQuery {
            lql,
            sort: Some("asc_OTModifyDate".to_owned()),
            page_size: 100,
        };
        let hits: Vec<Node> = self.search(&query).try_collect().await?;
        Ok(hits
            .into_iter()
            .filter(|node| node.modify_date.is_none_or(|at| at >= since))
            .collect())
    }

    async fn download_document(&self, document: NodeId) -> Result<Download, XecmError> {
        self.download(document, None).await
    }

    async fn versions(&self, document: NodeId) -> Result<Vec<Version>, XecmError> {
        XecmClient::versions(self, document).await
    }

    async fn download_version(
        &self,
        document: NodeId,
        version: u32,
    ) -> Result<Download, XecmError> {
        self.download(document, Some(version)).await
    }

    async fn workspaces_changed_since(
        &self,
        workspace_type: WorkspaceTypeId,
        since: OffsetDateTime,
    ) -> Result<Vec<Node>, XecmError> {
        let query = SearchQuery {
            lql: format!(
                "OTSubType: {} and OTModifyDate: >= {}",
                subtype::WORKSPACE,
                lql_quote(&lql_day(since))
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

    async fn child_named(&self, parent: NodeId, name: &str) -> Result<Option<Node>, XecmError> {
        XecmClient::child_named(self, parent, name).await
    }

    async fn get_node(&self, id: NodeId) -> Result<Node, XecmError> {
        self.node(id).await
    }

    async fn list_children(&self, container: NodeId) -> Result<Vec<Node>, XecmError> {
        self.children(container, &ChildQuery::default())
            .try_collect()
            .await
    }

    async fn link_workspaces(&self, parent: NodeId, child: NodeId) -> Result<(), XecmError> {
        self.relate_workspaces(parent, child, Relation::Child).await
    }

    async fn audit_trail(
        &self,
        node: NodeId,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<AuditEntry>, XecmError> {
        self.audit(
            node,
            &AuditQuery {
                since,
                ..AuditQuery::default()
            },
        )
        .try_collect()
        .await
    }
}
