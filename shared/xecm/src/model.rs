//! What the client reads back: nodes, workspace types and details, versions, audit entries.
//!
//! Dates come in several styles (`2025-01-19T06:57:04Z` on nodes, `2025-06-30T01:14:59` on
//! workspaces, `2025-06-30 01:14:59` in places); all are read, zone-less ones as UTC.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::error::XecmError;
use crate::ids::{BusinessObject, NodeId};

/// Node subtypes gridlink deals with.
pub mod subtype {
    /// Folder.
    pub const FOLDER: i64 = 0;
    /// Document.
    pub const DOCUMENT: i64 = 144;
    /// Business workspace.
    pub const WORKSPACE: i64 = 848;
}

/// A node's properties (`data.properties`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Node {
    /// Node id.
    pub id: NodeId,
    /// Parent id (`-1` for volumes).
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// Name.
    pub name: String,
    /// Subtype (`type`): 0 folder, 144 document, 848 workspace…
    #[serde(rename = "type")]
    pub subtype: i64,
    /// Subtype name.
    #[serde(default)]
    pub type_name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "text_or_null")]
    pub description: String,
    /// Created.
    #[serde(default, deserialize_with = "lenient_date")]
    pub create_date: Option<OffsetDateTime>,
    /// Last changed.
    #[serde(default, deserialize_with = "lenient_date")]
    pub modify_date: Option<OffsetDateTime>,
    /// Size: bytes for documents, item count for containers.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub size: Option<u64>,
    /// MIME type of the current version (documents).
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Whether it holds other nodes.
    #[serde(default)]
    pub container: bool,
    /// Workspace type (`wnf_wksp_type_id`), for workspaces.
    #[serde(default, rename = "wnf_wksp_type_id")]
    pub workspace_type_id: Option<i64>,
    /// Workspace template (`wnf_wksp_template_id`), for workspaces.
    #[serde(default, rename = "wnf_wksp_template_id")]
    pub workspace_template_id: Option<i64>,
}

/// A workspace type with its templates (`GET /api/v2/businessworkspacetypes`).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceType {
    /// `wksp_type_id`.
    pub id: i64,
    /// `wksp_type_name`.
    pub name: String,
    /// Template node ids and names.
    pub templates: Vec<(NodeId, String)>,
    /// Where new workspaces are created, when the server says.
    pub location: Option<i64>,
}

/// A workspace with its business properties (`GET /api/v2/businessworkspaces/{id}`).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceDetails {
    /// Its node properties.
    pub node: Node,
    /// Workspace type id.
    pub type_id: Option<i64>,
    /// Workspace type name.
    pub type_name: Option<String>,
    /// Linked business objects.
    pub business_objects: Vec<BusinessObject>,
}

/// One document version.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Version {
    /// 1-based number.
    pub version_number: u32,
    /// File name.
    #[serde(default)]
    pub file_name: String,
    /// Size in bytes.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub file_size: Option<u64>,
    /// MIME type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "text_or_null")]
    pub description: String,
    /// Added.
    #[serde(default, deserialize_with = "lenient_date")]
    pub create_date: Option<OffsetDateTime>,
    /// The version's name (the document's name when it was added).
    #[serde(default)]
    pub name: Option<String>,
    /// Last changed.
    #[serde(default, deserialize_with = "lenient_date")]
    pub modify_date: Option<OffsetDateTime>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditEntry {
    /// The audited node's id (Content Server writes the node id here, not an entry number).
    #[serde(default)]
    pub id: Option<i64>,
    /// Event type id.
    pub event_type: i64,
    /// Event type name.
    #[serde(default)]
    pub audit_name: String,
    /// When.
    #[serde(default, deserialize_with = "lenient_date")]
    pub audit_date: Option<OffsetDateTime>,
    /// Who.
    #[serde(default)]
    pub user_id: Option<i64>,
    /// For "Attribute Value Changed" entries: each attribute changed, with old and new value
    /// (empty for other entries, and where the server does not say).
    #[serde(default)]
    pub attribute_changes: Vec<AuditAttributeChange>,
}

/// One attribute changed by an audited category change.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct AuditAttributeChange {
    /// The category.
    #[serde(default)]
    pub category_id: i64,
    /// The attribute's (or set's) display name.
    #[serde(default)]
    pub attribute: String,
    /// The value before (absent for a set).
    #[serde(default)]
    pub old_value: serde_json::Value,
    /// The value after (absent for a set).
    #[serde(default)]
    pub new_value: serde_json::Value,
}

/// The logged-in user (`GET /api/v1/auth`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CurrentUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub name: String,
}

/// Parses every date style Content Server writes; zone-less dates are read as UTC.
pub fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Some(at);
    }
    let bare = text.trim_end_matches('Z');
    let with_t = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let with_space = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(at) = PrimitiveDateTime::parse(bare, &with_t)
        .or_else(|_| PrimitiveDateTime::parse(bare, &with_space))
    {
        return Some(at.assume_utc());
    }
    Date::parse(bare, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.midnight().assume_utc())
}

fn lenient_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    Ok(Option::<Value>::deserialize(deserializer)?
        .as_ref()
        .and_then(Value::as_str)
        .and_then(parse_date))
}

fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn text_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads `data.properties` of one `results` item (or of `results` itself).
pub(crate) fn node_from(item: &Value, what: &'static str) -> Result<Node, XecmError> {
    let properties = item.pointer("/data/properties").unwrap_or(item);
    serde_json::from_value(properties.clone())
        .map_err(|e| shape_error(what, &e.to_string(), properties))
}

/// A `Decode` error for a body whose shape is not the expected one.
pub(crate) fn shape_error(what: &'static str, problem: &str, body: &Value) -> XecmError {
    let mut snippet = body.to_string();
    snippet.truncate(300);
    XecmError::Decode {
        what,
        status: 200,
        body_snippet: format!("{problem}: {snippet}"),
    }
}

/// The items of `results`, whether it is a list or a single object.
pub(crate) fn results(body: &Value) -> Vec<&Value> {
    match body.get("results") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(single) => vec![single],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_date_style_content_server_writes_is_read() {
        let expected = time::macros::datetime!(2025-06-30 01:14:59 UTC);
        assert_eq!(parse_date("2025-06-30T01:14:59Z"), Some(expected));
        assert_eq!(parse_date("2025-06-30T01:14:59"), Some(expected));
        assert_eq!(parse_date("2025-06-30 01:14:59"), Some(expected));
        assert_eq!(
            parse_date("2025-06-30"),
            Some(time::macros::datetime!(2025-06-30 00:00 UTC))
        );
        assert_eq!(parse_date("yesterday"), None);
    }
}
