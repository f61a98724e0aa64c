//! What the simulated Content Server stores: nodes, versions, applied categories, workspace
//! links, category definitions, workspace types, users, change events and audit entries.
//!
//! The same types are the persistence snapshot and (for definitions, types and users) the
//! seed file, so there is one description of each thing.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

/// Node subtypes the simulator knows (Content Server `type` numbers).
pub mod subtype {
    /// Folder.
    pub const FOLDER: i64 = 0;
    /// Category definition.
    pub const CATEGORY: i64 = 131;
    /// Categories volume.
    pub const CATEGORIES_VOLUME: i64 = 133;
    /// Enterprise workspace volume.
    pub const ENTERPRISE: i64 = 141;
    /// Document.
    pub const DOCUMENT: i64 = 144;
    /// Business workspace.
    pub const WORKSPACE: i64 = 848;
    /// Content Server document templates volume.
    pub const TEMPLATES_VOLUME: i64 = 20541;

    /// The `type_name` Content Server shows for a subtype.
    pub fn name(subtype: i64) -> &'static str {
        match subtype {
            FOLDER => "Folder",
            CATEGORY => "Category",
            CATEGORIES_VOLUME => "Categories Volume",
            ENTERPRISE => "Enterprise Workspace",
            DOCUMENT => "Document",
            WORKSPACE => "Business Workspace",
            TEMPLATES_VOLUME => "Content Server Document Templates",
            _ => "Unknown",
        }
    }

    /// Whether nodes of this subtype hold other nodes.
    pub fn is_container(subtype: i64) -> bool {
        subtype != DOCUMENT && subtype != CATEGORY
    }
}

/// Well-known node ids.
pub mod well_known {
    /// The Enterprise workspace volume (Content Server convention).
    pub const ENTERPRISE: i64 = 2000;
    /// The categories volume.
    pub const CATEGORIES: i64 = 2003;
    /// The document templates volume.
    pub const TEMPLATES: i64 = 2004;
    /// The first id handed to created nodes.
    pub const FIRST_FREE_ID: i64 = 10_000;
}

/// One node (folder, document, workspace, volume, category, template).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    /// Node id.
    pub id: i64,
    /// Parent node id (`-1` for volumes).
    pub parent_id: i64,
    /// Name, unique among its siblings.
    pub name: String,
    /// Content Server subtype (`type`).
    pub subtype: i64,
    /// Free-text description.
    #[serde(default)]
    pub description: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub create_date: OffsetDateTime,
    /// When it was last changed (metadata, content or categories).
    #[serde(with = "time::serde::rfc3339")]
    pub modify_date: OffsetDateTime,
    /// The user who created it.
    pub owner_user_id: i64,
    /// Versions, oldest first (documents only).
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Applied categories: category id → flat attribute key → value.
    #[serde(default)]
    pub categories: BTreeMap<i64, BTreeMap<String, Value>>,
    /// Business-workspace data (subtype 848 only).
    #[serde(default)]
    pub workspace: Option<WorkspaceLink>,
    /// Applied categories whose inheritance is on: items created in this container get
    /// them with their current values (`POST …/categories/{cat}/inheritance`).
    #[serde(default)]
    pub inherited_categories: BTreeSet<i64>,
}

/// What makes a node a business workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceLink {
    /// Workspace type id (`wnf_wksp_type_id`).
    pub type_id: i64,
    /// Template it was created from (`wnf_wksp_template_id`).
    pub template_id: i64,
    /// Linked business objects (empty for an "early" workspace).
    #[serde(default)]
    pub references: Vec<BusinessObjectRef>,
    /// Relations to other workspaces.
    #[serde(default)]
    pub relations: Vec<Relation>,
}

/// A business object in a leading system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessObjectRef {
    /// External system id, e.g. `SAP_ERP`.
    pub ext_system_id: String,
    /// Business object type, e.g. `BUS2012`.
    pub bo_type: String,
    /// Business object key, e.g. `4500001234`.
    pub bo_id: String,
}

/// A relation from one workspace to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// The related workspace.
    pub workspace_id: i64,
    /// `child` or `parent`, seen from the owning workspace.
    pub rel_type: String,
}

/// One version of a document; its content lives in the content directory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    /// 1-based version number.
    pub number: u32,
    /// File name given at upload.
    pub file_name: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type given at upload (or guessed from the name).
    pub mime_type: String,
    /// Version description.
    #[serde(default)]
    pub description: String,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    pub create_date: OffsetDateTime,
    /// Who added it.
    pub owner_user_id: i64,
    /// File name inside the content directory.
    pub content_file: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// Attribute types of a category definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    /// Text field (`type` -1).
    String,
    /// Integer (`type` 2).
    Integer,
    /// Date, with or without time (`type` -7).
    Date,
    /// Boolean flag (`type` 5).
    Boolean,
    /// A user id (`type` 14).
    User,
    /// A set: rows of the nested attributes (`type` -18).
    Set,
}

impl AttributeKind {
    /// Content Server's numeric attribute type.
    pub fn code(self) -> i64 {
        match self {
            AttributeKind::String => -1,
            AttributeKind::Integer => 2,
            AttributeKind::Date => -7,
            AttributeKind::Boolean => 5,
            AttributeKind::User => 14,
            AttributeKind::Set => -18,
        }
    }

    /// Content Server's `type_name`.
    pub fn type_name(self) -> &'static str {
        match self {
            AttributeKind::String => "String",
            AttributeKind::Integer => "Integer",
            AttributeKind::Date => "Date",
            AttributeKind::Boolean => "Boolean",
            AttributeKind::User => "User",
            AttributeKind::Set => "Set",
        }
    }
}

/// A category definition (seeded).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryDef {
    /// Category id (a node id, type 131).
    pub id: i64,
    /// Category name.
    pub name: String,
    /// Attributes; ids start at 2 (`{cat}_1` is the category itself).
    pub attributes: Vec<AttributeDef>,
}

/// One attribute (or set) of a category.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttributeDef {
    /// Attribute id, unique within the category (≥ 2).
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Value type.
    #[serde(rename = "type")]
    pub kind: AttributeKind,
    /// Whether a value is required.
    #[serde(default)]
    pub required: bool,
    /// Whether it holds a list of values.
    #[serde(default)]
    pub multi_value: bool,
    /// Maximum number of values of a multi-value attribute.
    #[serde(default = "default_max_values")]
    pub max_values: u32,
    /// Maximum length of a string value.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Rows a set starts with.
    #[serde(default = "default_rows")]
    pub rows: u32,
    /// Maximum rows of a set.
    #[serde(default = "default_max_rows")]
    pub max_rows: u32,
    /// The attributes of each row of a set.
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
}

fn default_max_values() -> u32 {
    50
}
fn default_rows() -> u32 {
    1
}
fn default_max_rows() -> u32 {
    50
}

/// A workspace type with its template(s), creation location and business-object binding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceType {
    /// `wksp_type_id`.
    pub id: i64,
    /// `wksp_type_name`.
    pub name: String,
    /// Templates (node ids in the templates volume).
    pub templates: Vec<i64>,
    /// Folder new workspaces of this type are created in.
    pub location_id: i64,
    /// Business-object binding, when the type is bound to one.
    #[serde(default)]
    pub business_object: Option<BusinessObjectType>,
}

/// The business-object type a workspace type is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessObjectType {
    /// External system id.
    pub ext_system_id: String,
    /// Business object type.
    pub bo_type: String,
    /// Internal id (`bo_type_id`).
    pub bo_type_id: i64,
}

/// A Content Server user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// User id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Password for `POST /api/v1/auth`.
    pub password: String,
    /// OTDS tickets or OAuth tokens this user may present (`OTDSTicket` / `Bearer`).
    #[serde(default)]
    pub otds_tokens: Vec<String>,
}

/// What happened, in the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A node was created.
    NodeCreated,
    /// Name, description or location changed.
    NodeUpdated,
    /// A node (and its subtree) was deleted.
    NodeDeleted,
    /// A document got a new version.
    VersionAdded,
    /// Category values were applied, changed or removed.
    CategoryChanged,
}

impl EventKind {
    /// The audit event type id and name recorded for this change.
    pub fn audit(self) -> (i64, &'static str) {
        match self {
            EventKind::NodeCreated => (1, "Create"),
            EventKind::NodeDeleted => (2, "Delete"),
            EventKind::NodeUpdated => (7, "Change"),
            EventKind::VersionAdded => (5, "Add Version"),
            EventKind::CategoryChanged => (10, "Attribute Value Changed"),
        }
    }
}

/// One entry of the simulator's change feed (`GET /__sim/events`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// Monotonic event id (the `after` cursor).
    pub id: u64,
    /// What happened.
    pub kind: EventKind,
    /// The node concerned.
    pub node_id: i64,
    /// Its parent at the time.
    pub parent_id: i64,
    /// The enclosing business workspace, if any.
    pub workspace_id: Option<i64>,
    /// The node's name at the time.
    pub name: String,
    /// Node subtype.
    pub subtype: i64,
    /// Extra detail (version number, category id).
    #[serde(default)]
    pub detail: Option<Value>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub user_id: i64,
}

/// One audit entry (`GET /api/v2/nodes/{id}/audit`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The simulator's own sequence number (never shown: Content Server writes the node id
    /// as an entry's `id`).
    pub id: u64,
    /// The node it belongs to.
    pub node_id: i64,
    /// Event type id.
    pub event_type: i64,
    /// Event type name.
    pub audit_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub audit_date: OffsetDateTime,
    /// Who.
    pub user_id: i64,
    /// Extra detail, as text.
    #[serde(default)]
    pub value: String,
}
