//! The seed file: what a fresh simulator starts with.
//!
//! # Format
//! JSON (or TOML with the same structure). Every list is optional.
//! ```json
//! {
//!   "users": [{"id": 1000, "name": "otadmin", "password": "…", "otds_tokens": ["…"]}],
//!   "categories": [{
//!     "id": 9100, "name": "Purchase Order",
//!     "attributes": [
//!       {"id": 2, "name": "PO Number", "type": "string", "required": true, "max_length": 10},
//!       {"id": 3, "name": "Tags", "type": "string", "multi_value": true, "max_values": 5},
//!       {"id": 4, "name": "Lines", "type": "set", "rows": 1, "max_rows": 99, "attributes": [
//!         {"id": 5, "name": "Material", "type": "string"},
//!         {"id": 6, "name": "Quantity", "type": "integer"}]}]
//!   }],
//!   "workspace_types": [{
//!     "id": 31, "name": "Purchase Order", "location": "Purchasing/Purchase Orders",
//!     "business_object": {"ext_system_id": "SAP_ERP", "bo_type": "BUS2012", "bo_type_id": 43},
//!     "templates": [{"id": 9301, "name": "Purchase Order", "folders": ["Invoices", "Correspondence/Partner"],
//!                    "categories": [9100]}]
//!   }],
//!   "workspaces": [{
//!     "type_id": 31, "name": "PO 4500001234",
//!     "business_object": {"bo_id": "4500001234"},
//!     "categories": {"Purchase Order": {"PO Number": "4500001234", "Tags": ["urgent"],
//!                    "Lines": [{"Material": "M-100", "Quantity": 5}]}},
//!     "folders": ["Extra"],
//!     "documents": [{"folder": "Invoices", "name": "invoice-1.txt", "content": "…"}]
//!   }]
//! }
//! ```
//! Attribute types: `string`, `integer`, `date`, `boolean`, `user`, `set`. Attribute ids
//! start at 2 and are unique within a category (set columns included). `location` is a folder
//! path below the Enterprise volume, created when missing. A workspace's `business_object`
//! takes `ext_system_id` and `bo_type` from its type's binding unless it names them. Category
//! values are keyed by category and attribute *names*; a set takes a list of rows.
//!
//! A workspace whose name is taken in its folder, or whose business object already has a
//! workspace, is refused with an error naming the entry and the duplicate; nothing is
//! skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::envelope::ApiError;
use crate::model::{
    AttributeKind, BusinessObjectType, CategoryDef, Node, User, WorkspaceType, subtype, well_known,
};
use crate::ops::{self, WorkspaceRequest};
use crate::server::ContentDir;
use crate::store::Store;

/// A seed file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seed {
    /// Users who may log in.
    pub users: Vec<User>,
    /// Category definitions.
    pub categories: Vec<CategoryDef>,
    /// Extra folder paths below the Enterprise volume.
    pub folders: Vec<String>,
    /// Workspace types with their templates.
    pub workspace_types: Vec<SeedWorkspaceType>,
    /// Workspaces to create.
    pub workspaces: Vec<SeedWorkspace>,
}

/// A workspace type in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedWorkspaceType {
    /// `wksp_type_id`.
    pub id: i64,
    /// `wksp_type_name`.
    pub name: String,
    /// Folder path below Enterprise where new workspaces go.
    pub location: String,
    /// The business-object type it is bound to.
    #[serde(default)]
    pub business_object: Option<BusinessObjectType>,
    /// Its templates.
    pub templates: Vec<SeedTemplate>,
}

/// A workspace template in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTemplate {
    /// Template node id.
    pub id: i64,
    /// Template name.
    pub name: String,
    /// Folder paths every workspace made from it gets.
    #[serde(default)]
    pub folders: Vec<String>,
    /// Categories every workspace made from it gets.
    #[serde(default)]
    pub categories: Vec<i64>,
}

/// A workspace in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedWorkspace {
    /// Workspace type id.
    pub type_id: i64,
    /// Name (generated from type and business object when absent).
    #[serde(default)]
    pub name: Option<String>,
    /// Template (the type's first when absent).
    #[serde(default)]
    pub template_id: Option<i64>,
    /// Linked business object.
    #[serde(default)]
    pub business_object: Option<SeedBusinessObject>,
    /// Category values: category name → attribute name → value.
    #[serde(default)]
    pub categories: BTreeMap<String, BTreeMap<String, Value>>,
    /// Extra folder paths inside the workspace.
    #[serde(default)]
    pub folders: Vec<String>,
    /// Documents inside the workspace.
    #[serde(default)]
    pub documents: Vec<SeedDocument>,
}

/// A business object reference in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBusinessObject {
    /// External system (the type's when absent).
    #[serde(default)]
    pub ext_system_id: Option<String>,
    /// Business object type (the type's when absent).
    #[serde(default)]
    pub bo_type: Option<String>,
    /// Business object key.
    pub bo_id: String,
}

/// A document in the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDocument {
    /// Folder path inside the workspace ("" for the workspace itself).
    #[serde(default)]
    pub folder: String,
    /// Document name.
    pub name: String,
    /// Text content.
    pub content: String,
}

/// Why a seed could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file could not be read.
    #[error("cannot read seed file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a seed.
    #[error("seed file {path} is not valid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An entry contradicts the repository or another entry.
    #[error("seed entry {entry}: {message}")]
    Invalid {
        /// Which entry.
        entry: String,
        /// What is wrong.
        message: String,
    },
}

impl Seed {
    /// Reads a seed from a `.json` or `.toml` file.
    pub fn from_file(path: &Path) -> Result<Self, SeedError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: shown.clone(),
            source,
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            toml::from_str(&text).map_err(|e| SeedError::Parse {
                path: shown,
                message: e.to_string(),
            })
        } else {
            serde_json::from_str(&text).map_err(|e| SeedError::Parse {
                path: shown,
                message: e.to_string(),
            })
        }
    }
}

fn invalid(entry: impl Into<String>, error: impl std::fmt::Display) -> SeedError {
    SeedError::Invalid {
        entry: entry.into(),
        message: error.to_string(),
    }
}

/// Loads a seed into the repository. Users, categories and types with ids already present
/// are replaced. A workspace whose name is taken in its folder, or whose business object
/// already has a workspace, is refused with an error naming the entry and the duplicate —
/// never skipped, since eight suppliers may share a name and a skipped one would be missing
/// without a word. The repository may be half loaded after an error; callers that keep
/// serving load into a copy (see `POST /__sim/seed`).
pub fn load(
    store: &mut Store,
    seed: &Seed,
    content: &ContentDir,
    now: OffsetDateTime,
) -> Result<usize, SeedError> {
    let admin = seed.users.first().map_or(1000, |user| user.id);
    for user in &seed.users {
        store.users.retain(|existing| existing.id != user.id);
        store.users.push(user.clone());
    }
    for def in &seed.categories {
        check_category(def)?;
        store.categories.insert(def.id, def.clone());
        store.insert(bare_node(
            def.id,
            well_known::CATEGORIES,
            &def.name,
            subtype::CATEGORY,
            admin,
            now,
        ));
    }
    for path in &seed.folders {
        ops::ensure_folder_path(store, well_known::ENTERPRISE, path, admin, now)
            .map_err(|e| invalid(format!("folder {path}"), e.message))?;
    }
    for seeded in &seed.workspace_types {
        let entry = format!("workspace type {}", seeded.id);
        let location =
            ops::ensure_folder_path(store, well_known::ENTERPRISE, &seeded.location, admin, now)
                .map_err(|e| invalid(entry.clone(), e.message))?;
        for template in &seeded.templates {
            let mut node = bare_node(
                template.id,
                well_known::TEMPLATES,
                &template.name,
                subtype::WORKSPACE,
                admin,
                now,
            );
            for category in &template.categories {
                let def = store.categories.get(category).ok_or_else(|| {
                    invalid(entry.clone(), format!("unknown category {category}"))
                })?;
                node.categories
                    .insert(*category, crate::categories::initial_values(def));
            }
            store.remove_subtree(template.id);
            store.insert(node);
            for folder in &template.folders {
                ops::ensure_folder_path(store, template.id, folder, admin, now)
                    .map_err(|e| invalid(entry.clone(), e.message))?;
            }
        }
        store.workspace_types.insert(
            seeded.id,
            WorkspaceType {
                id: seeded.id,
                name: seeded.name.clone(),
                templates: seeded.templates.iter().map(|t| t.id).collect(),
                location_id: location,
                business_object: seeded.business_object.clone(),
            },
        );
    }
    for (index, workspace) in seed.workspaces.iter().enumerate() {
        let entry = format!("workspaces[{index}]");
        load_workspace(store, workspace, content, admin, now).map_err(|e| invalid(entry, e))?;
    }
    Ok(seed.workspaces.len())
}

fn load_workspace(
    store: &mut Store,
    seeded: &SeedWorkspace,
    content: &ContentDir,
    admin: i64,
    now: OffsetDateTime,
) -> Result<(), String> {
    let categories = category_keys(store, &seeded.categories)?;
    let request = WorkspaceRequest {
        template_id: seeded.template_id,
        type_id: Some(seeded.type_id),
        name: seeded.name.clone(),
        ext_system_id: seeded
            .business_object
            .as_ref()
            .and_then(|b| b.ext_system_id.clone()),
        bo_type: seeded
            .business_object
            .as_ref()
            .and_then(|b| b.bo_type.clone()),
        bo_id: seeded.business_object.as_ref().map(|b| b.bo_id.clone()),
        categories,
        ..WorkspaceRequest::default()
    };
    let id = ops::create_workspace(store, &request, admin, now).map_err(|error| {
        let shown = seeded.name.as_deref().map_or_else(
            || {
                seeded
                    .business_object
                    .as_ref()
                    .map_or_else(String::new, |b| format!("for business object {} ", b.bo_id))
            },
            |name| format!("'{name}' "),
        );
        if error.message.contains("already exists") {
            format!(
                "workspace {shown}duplicates one already there: {} Give it a distinct name \
                 and business object; the seed is refused rather than the workspace skipped",
                error.message
            )
        } else {
            format!("workspace {shown}cannot be created: {}", describe(&error))
        }
    })?;
    for folder in &seeded.folders {
        ops::ensure_folder_path(store, id, folder, admin, now).map_err(|e| describe(&e))?;
    }
    for document in &seeded.documents {
        let folder = ops::ensure_folder_path(store, id, &document.folder, admin, now)
            .map_err(|e| describe(&e))?;
        let doc = store
            .add_node(folder, &document.name, subtype::DOCUMENT, "", admin, now)
            .map_err(|e| describe(&e))?;
        store.record(crate::model::EventKind::NodeCreated, doc, admin, None, now);
        let upload = write_content(content, &document.name, document.content.as_bytes())
            .map_err(|e| e.to_string())?;
        ops::add_version(store, doc, upload, "", admin, now).map_err(|e| describe(&e))?;
    }
    Ok(())
}

fn describe(error: &ApiError) -> String {
    match &error.detail {
        Some(detail) => format!("{} ({detail})", error.message),
        None => error.message.clone(),
    }
}

fn write_content(
    content: &ContentDir,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<crate::input::UploadedFile> {
    use sha2::Digest;
    let content_file = format!("{}.bin", uuid::Uuid::new_v4());
    let path = content.path(&content_file);
    std::fs::File::create(&path)?.write_all(bytes)?;
    Ok(crate::input::UploadedFile::on_disk(
        path,
        content_file,
        name.to_owned(),
        bytes.len() as u64,
        hex::encode(sha2::Sha256::digest(bytes)),
    ))
}

/// Turns category values by names into flat attribute keys.
fn category_keys(
    store: &Store,
    by_name: &BTreeMap<String, BTreeMap<String, Value>>,
) -> Result<Map<String, Value>, String> {
    let mut keys = Map::new();
    for (category_name, values) in by_name {
        let def = store
            .categories
            .values()
            .find(|def| {
                def.name.eq_ignore_ascii_case(category_name) || def.id.to_string() == *category_name
            })
            .ok_or_else(|| format!("unknown category '{category_name}'"))?;
        for (attr_name, value) in values {
            let attr = def
                .attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(attr_name))
                .ok_or_else(|| format!("category '{}' has no attribute '{attr_name}'", def.name))?;
            if attr.kind != AttributeKind::Set {
                keys.insert(format!("{}_{}", def.id, attr.id), value.clone());
                continue;
            }
            let rows = value
                .as_array()
                .ok_or_else(|| format!("set '{attr_name}' takes a list of rows"))?;
            for (index, row) in rows.iter().enumerate() {
                let row_values = row
                    .as_object()
                    .ok_or_else(|| format!("a row of set '{attr_name}' must be an object"))?;
                for (column_name, value) in row_values {
                    let column = attr
                        .attributes
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(column_name))
                        .ok_or_else(|| {
                            format!("set '{attr_name}' has no attribute '{column_name}'")
                        })?;
                    keys.insert(
                        format!("{}_{}_{}_{}", def.id, attr.id, index + 1, column.id),
                        value.clone(),
                    );
                }
            }
        }
    }
    Ok(keys)
}

fn check_category(def: &CategoryDef) -> Result<(), SeedError> {
    let entry = format!("category {}", def.id);
    let mut seen = std::collections::BTreeSet::new();
    for attr in def
        .attributes
        .iter()
        .flat_map(|a| std::iter::once(a).chain(a.attributes.iter()))
    {
        if attr.id < 2 {
            return Err(invalid(
                entry,
                format!(
                    "attribute '{}' has id {}; ids start at 2",
                    attr.name, attr.id
                ),
            ));
        }
        if !seen.insert(attr.id) {
            return Err(invalid(
                entry,
                format!("attribute id {} is used twice", attr.id),
            ));
        }
    }
    for set in def
        .attributes
        .iter()
        .filter(|a| a.kind == AttributeKind::Set)
    {
        if set.attributes.iter().any(|a| a.kind == AttributeKind::Set) {
            return Err(invalid(
                entry,
                format!("set '{}' contains a set; sets do not nest", set.name),
            ));
        }
    }
    Ok(())
}

fn bare_node(id: i64, parent: i64, name: &str, kind: i64, owner: i64, now: OffsetDateTime) -> Node {
    Node {
        id,
        parent_id: parent,
        name: name.to_owned(),
        subtype: kind,
        description: String::new(),
        create_date: now,
        modify_date: now,
        owner_user_id: owner,
        versions: Vec::new(),
        categories: BTreeMap::new(),
        workspace: None,
        inherited_categories: BTreeSet::new(),
    }
}
