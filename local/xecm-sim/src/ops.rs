//! Repository operations shared by the routes and the seed loader: workspaces from templates,
//! folder paths, documents and versions, categories. They check what the real server checks
//! and answer with its errors; the caller records events and saves.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::categories;
use crate::envelope::ApiError;
use crate::input::UploadedFile;
use crate::model::{BusinessObjectRef, EventKind, Version, WorkspaceLink, subtype};
use crate::store::Store;

/// What a workspace is created from (`POST /api/v2/businessworkspaces` after merging).
#[derive(Debug, Clone, Default)]
pub struct WorkspaceRequest {
    /// `template_id`.
    pub template_id: Option<i64>,
    /// `wksp_type_id`.
    pub type_id: Option<i64>,
    /// `parent_id`; the type's location when absent.
    pub parent_id: Option<i64>,
    /// `name`; generated from the type and business object when absent.
    pub name: Option<String>,
    /// `description`.
    pub description: String,
    /// `ext_system_id`.
    pub ext_system_id: Option<String>,
    /// `bo_type`.
    pub bo_type: Option<String>,
    /// `bo_type_id`.
    pub bo_type_id: Option<i64>,
    /// `bo_id`.
    pub bo_id: Option<String>,
    /// `roles.categories`, nested or flat.
    pub categories: Map<String, Value>,
}

/// Creates (or finds) each folder of a `/`-separated path below `parent`; returns the last.
pub fn ensure_folder_path(
    store: &mut Store,
    parent: i64,
    path: &str,
    user: i64,
    now: OffsetDateTime,
) -> Result<i64, ApiError> {
    let mut current = parent;
    for segment in path.split('/').map(str::trim).filter(|s| !s.is_empty()) {
        current = if let Some(existing) = store.child_named(current, segment) {
            existing.id
        } else {
            let id = store.add_node(current, segment, subtype::FOLDER, "", user, now)?;
            store.record(EventKind::NodeCreated, id, user, None, now);
            id
        };
    }
    Ok(current)
}

/// Creates a business workspace from its template, with its business-object link, the
/// template's folders and categories, and the requested category values.
pub fn create_workspace(
    store: &mut Store,
    request: &WorkspaceRequest,
    user: i64,
    now: OffsetDateTime,
) -> Result<i64, ApiError> {
    let workspace_type = if let Some(template) = request.template_id {
        store
            .workspace_types
            .values()
            .find(|t| t.templates.contains(&template))
            .ok_or_else(|| {
                ApiError::invalid(format!("{template} is not a business workspace template"))
            })?
    } else if let Some(type_id) = request.type_id {
        store
            .workspace_types
            .get(&type_id)
            .ok_or_else(|| ApiError::invalid(format!("no workspace type with id {type_id}")))?
    } else if let Some(bo_type_id) = request.bo_type_id {
        store
            .workspace_types
            .values()
            .find(|t| {
                t.business_object
                    .as_ref()
                    .is_some_and(|b| b.bo_type_id == bo_type_id)
            })
            .ok_or_else(|| {
                ApiError::invalid(format!("no workspace type for bo_type_id {bo_type_id}"))
            })?
    } else if let (Some(system), Some(bo_type)) = (&request.ext_system_id, &request.bo_type) {
        store
            .workspace_types
            .values()
            .find(|t| {
                t.business_object.as_ref().is_some_and(|b| {
                    b.ext_system_id.eq_ignore_ascii_case(system)
                        && b.bo_type.eq_ignore_ascii_case(bo_type)
                })
            })
            .ok_or_else(|| ApiError::invalid(format!("no workspace type for {system} {bo_type}")))?
    } else {
        return Err(ApiError::invalid("template_id or wksp_type_id is required"));
    };
    let workspace_type = workspace_type.clone();
    let template_id = request
        .template_id
        .or_else(|| workspace_type.templates.first().copied())
        .ok_or_else(|| {
            ApiError::server(format!(
                "workspace type {} has no template",
                workspace_type.id
            ))
        })?;

    let reference = match &request.bo_id {
        Some(bo_id) if !bo_id.trim().is_empty() => {
            let binding = workspace_type.business_object.as_ref();
            let ext_system_id = request
                .ext_system_id
                .clone()
                .or_else(|| binding.map(|b| b.ext_system_id.clone()))
                .ok_or_else(|| ApiError::invalid("ext_system_id is required with bo_id"))?;
            let bo_type = request
                .bo_type
                .clone()
                .or_else(|| binding.map(|b| b.bo_type.clone()))
                .ok_or_else(|| ApiError::invalid("bo_type is required with bo_id"))?;
            Some(BusinessObjectRef {
                ext_system_id,
                bo_type,
                bo_id: bo_id.trim().to_owned(),
            })
        }
        _ => None,
    };
    if let Some(reference) = &reference
        && store.workspace_for(reference).is_some()
    {
        return Err(ApiError::server(format!(
            "A business workspace for business object {} {} {} already exists.",
            reference.ext_system_id, reference.bo_type, reference.bo_id
        )));
    }
    let name = match (&request.name, &reference) {
        (Some(name), _) if !name.trim().is_empty() => name.trim().to_owned(),
        (_, Some(reference)) => format!("{} {}", workspace_type.name, reference.bo_id),
        _ => {
            return Err(ApiError::invalid(
                "name is required for a workspace without a business object",
            ));
        }
    };
    let parent = request.parent_id.unwrap_or(workspace_type.location_id);
    let template_categories = store.node(template_id)?.categories.clone();
    let categories = category_values(store, template_categories, &request.categories)?;
    let id = store.add_node(
        parent,
        &name,
        subtype::WORKSPACE,
        &request.description,
        user,
        now,
    )?;
    {
        let mut node = store.node_mut(id)?;
        node.workspace = Some(WorkspaceLink {
            type_id: workspace_type.id,
            template_id,
            references: reference.into_iter().collect(),
            relations: Vec::new(),
        });
        node.categories = categories;
    }
    store.record(EventKind::NodeCreated, id, user, None, now);
    copy_folders(store, template_id, id, user, now)?;
    Ok(id)
}

fn copy_folders(
    store: &mut Store,
    from: i64,
    to: i64,
    user: i64,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let folders: Vec<(i64, String)> = store
        .children(from)
        .filter(|node| node.subtype == subtype::FOLDER)
        .map(|node| (node.id, node.name.clone()))
        .collect();
    for (source, name) in folders {
        let copy = store.add_node(to, &name, subtype::FOLDER, "", user, now)?;
        store.record(EventKind::NodeCreated, copy, user, None, now);
        copy_folders(store, source, copy, user, now)?;
    }
    Ok(())
}

/// The categories a new node gets: `base` (e.g. the template's) with the requested values
/// (`roles.categories`, nested or flat) applied, categories not in `base` applied fresh.
/// Nothing is stored; a bad key or value fails the whole request.
pub fn category_values(
    store: &Store,
    mut base: BTreeMap<i64, categories::Values>,
    requested: &Map<String, Value>,
) -> Result<BTreeMap<i64, categories::Values>, ApiError> {
    for (category, input) in categories::split_by_category(requested) {
        let def = store
            .categories
            .get(&category)
            .ok_or_else(|| ApiError::invalid(format!("{category} is not a category")))?;
        let values = base
            .entry(category)
            .or_insert_with(|| categories::initial_values(def));
        categories::apply_updates(def, values, &input)?;
    }
    Ok(base)
}

/// Applies a category to a node, with optional first values.
pub fn apply_category(
    store: &mut Store,
    node_id: i64,
    category: i64,
    input: &Map<String, Value>,
    user: i64,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let def = store
        .categories
        .get(&category)
        .cloned()
        .ok_or_else(|| ApiError::invalid(format!("{category} is not a category")))?;
    let node = store.node(node_id)?;
    if node.categories.contains_key(&category) {
        return Err(ApiError::bad_request(format!(
            "Category '{}' ({category}) is already applied to this item.",
            def.name
        )));
    }
    let mut values = categories::initial_values(&def);
    categories::apply_updates(&def, &mut values, input)?;
    let changes = categories::attribute_changes(&def, &categories::initial_values(&def), &values);
    {
        let mut node = store.node_mut(node_id)?;
        node.categories.insert(category, values);
        node.modify_date = now;
    }
    store.record(
        EventKind::CategoryChanged,
        node_id,
        user,
        Some(json!({"category_id": category, "action": "apply", "changes": changes})),
        now,
    );
    Ok(())
}

/// Changes values of a category already applied to a node.
pub fn update_category(
    store: &mut Store,
    node_id: i64,
    category: i64,
    input: &Map<String, Value>,
    user: i64,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let def = store
        .categories
        .get(&category)
        .cloned()
        .ok_or_else(ApiError::not_accessible)?;
    let changes = {
        let mut node = store.node_mut(node_id)?;
        let values = node.categories.get_mut(&category).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Category '{}' ({category}) is not applied to this item.",
                def.name
            ))
        })?;
        let mut updated = values.clone();
        if !categories::apply_updates(&def, &mut updated, input)? {
            return Ok(());
        }
        let changes = categories::attribute_changes(&def, values, &updated);
        *values = updated;
        node.modify_date = now;
        changes
    };
    store.record(
        EventKind::CategoryChanged,
        node_id,
        user,
        Some(json!({"category_id": category, "action": "update", "changes": changes})),
        now,
    );
    Ok(())
}

/// The MIME type for an upload: the one given, else one guessed from the file name.
pub fn mime_for(given: Option<&str>, file_name: &str) -> String {
    if let Some(given) = given.filter(|m| !m.is_empty() && *m != "application/octet-stream") {
        return given.to_owned();
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "pdf" => "application/pdf",
        "txt" | "edi" | "x12" | "edifact" => "text/plain",
        "xml" => "application/xml",
        "json" => "application/json",
        "csv" => "text/csv",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
    .to_owned()
}

/// Adds a version to a document from an upload already on disk.
pub fn add_version(
    store: &mut Store,
    node_id: i64,
    upload: UploadedFile,
    description: &str,
    user: i64,
    now: OffsetDateTime,
) -> Result<u32, ApiError> {
    let number = {
        let mut node = store.node_mut(node_id)?;
        if node.subtype != subtype::DOCUMENT {
            return Err(ApiError::bad_request(format!(
                "{} is not a document and has no versions",
                node.name
            )));
        }
        let number = u32::try_from(node.versions.len()).unwrap_or(u32::MAX - 1) + 1;
        let mime_type = mime_for(upload.content_type.as_deref(), &upload.file_name);
        let (file_name, size, sha256) =
            (upload.file_name.clone(), upload.size, upload.sha256.clone());
        node.versions.push(Version {
            number,
            file_name,
            size,
            mime_type,
            description: description.to_owned(),
            create_date: now,
            owner_user_id: user,
            content_file: upload.keep(),
            sha256,
        });
        node.modify_date = now;
        number
    };
    store.record(
        EventKind::VersionAdded,
        node_id,
        user,
        Some(json!({"version_number": number})),
        now,
    );
    Ok(number)
}
