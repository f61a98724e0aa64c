//! Nodes, workspaces and versions as JSON, in the shapes the real server writes.

use serde_json::{Value, json};

use crate::envelope::{local_date, node_date};
use crate::model::{Node, Version, subtype};
use crate::store::Store;

/// How dates are written: `/api/v2/nodes` adds a `Z`, workspace lists do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `2025-01-19T06:57:04Z`.
    Utc,
    /// `2025-06-30T01:14:59`.
    Local,
}

/// `data.properties` of a node, with the keys Content Server writes (pyxecm's `get_node`
/// and `search` examples): the simulator has no external sources, reservations or
/// permissions, so those keys carry their empty values.
pub fn properties(store: &Store, node: &Node, dates: DateStyle) -> Value {
    let date = |at| match dates {
        DateStyle::Utc => node_date(at),
        DateStyle::Local => local_date(at),
    };
    let children = store.child_count(node.id);
    let latest = node.versions.last();
    let container = subtype::is_container(node.subtype);
    let document = node.subtype == subtype::DOCUMENT;
    let (icon, icon_large) = icons(node);
    let mut properties = json!({
        "id": node.id,
        "parent_id": node.parent_id,
        "name": node.name,
        "name_multilingual": {"en": node.name},
        "type": node.subtype,
        "type_name": subtype::name(node.subtype),
        "description": node.description,
        "description_multilingual": {"en": node.description},
        "advanced_versioning": if document { json!(false) } else { Value::Null },
        "create_date": date(node.create_date),
        "create_user_id": node.owner_user_id,
        "modify_date": date(node.modify_date),
        "modify_user_id": node.owner_user_id,
        "owner": store.user_name(node.owner_user_id),
        "owner_user_id": node.owner_user_id,
        "owner_group_id": 1001,
        "container": container,
        "container_size": if container { children } else { 0 },
        "size": latest.map_or(children as u64, |v| v.size),
        "size_formatted": latest.map_or_else(|| format!("{children} Items"), |v| format!("{} KB", v.size.div_ceil(1024))),
        "mime_type": latest.map(|v| v.mime_type.clone()),
        "icon": icon,
        "icon_large": icon_large,
        "volume_id": -store.volume_of(node.id),
        "permissions_model": "advanced",
        "external_create_date": null,
        "external_identity": "",
        "external_identity_type": "",
        "external_modify_date": null,
        "external_source": "",
        "reserved": false,
        "reserved_user_id": 0,
        "reserved_date": null,
        "reserved_shared_collaboration": false,
        "status": null,
        "hidden": false,
        "favorite": false,
        "versionable": document,
        "versions_control_advanced": false,
    });
    if let Some(link) = &node.workspace {
        properties["wnf_wksp_type_id"] = json!(link.type_id);
        properties["wnf_wksp_template_id"] = json!(link.template_id);
        if let Some(kind) = store.workspace_types.get(&link.type_id) {
            properties["wksp_type_name"] = json!(kind.name);
        }
    }
    properties
}

/// `icon` and `icon_large`, in the paths Content Server serves its type icons from.
fn icons(node: &Node) -> (String, String) {
    let stem = match node.subtype {
        subtype::DOCUMENT => match node.versions.last().map(|v| v.mime_type.as_str()) {
            Some("application/pdf") => "/cssupport/webdoc/apppdf",
            Some(mime) if mime.starts_with("text/") => "/cssupport/webdoc/apptext",
            _ => "/cssupport/webdoc/doc",
        },
        subtype::WORKSPACE => "/cssupport/otsapxecm/wksp",
        subtype::CATEGORY => "/cssupport/webattribute/16category",
        _ => "/cssupport/webdoc/folder",
    };
    (format!("{stem}.gif"), format!("{stem}_large.gif"))
}

/// One `results[]` item of a list: `{"data":{"properties":…}}`.
pub fn list_item(store: &Store, node: &Node, dates: DateStyle) -> Value {
    json!({
        "actions": {"data": {}, "map": {}, "order": []},
        "data": {"properties": properties(store, node, dates)},
    })
}

/// `data.versions` of one version, with the keys of pyxecm's `get_document_versions`
/// example. The content's provider id is the version id (the simulator stores each version
/// once); the version carries the document's name, as a new version does.
pub fn version(node: &Node, version: &Version) -> Value {
    let version_id = node.id * 1000 + i64::from(version.number);
    json!({
        "id": node.id,
        "name": node.name,
        "version_id": version_id,
        "provider_id": version_id,
        "version_number": version.number,
        "version_number_major": 0,
        "version_number_minor": version.number,
        "version_number_name": version.number.to_string(),
        "file_name": version.file_name,
        "file_size": version.size,
        "file_type": version.file_name.rsplit_once('.').map(|(_, e)| e.to_owned()).unwrap_or_default(),
        "file_create_date": node_date(version.create_date),
        "file_modify_date": node_date(version.create_date),
        "mime_type": version.mime_type,
        "description": version.description,
        "create_date": node_date(version.create_date),
        "modify_date": node_date(version.create_date),
        "owner_id": version.owner_user_id,
        "has_generation": false,
        "locked": false,
        "locked_date": null,
        "locked_user_id": null,
        "external_create_date": null,
        "external_identity": "",
        "external_identity_type": "",
        "external_modify_date": null,
        "external_source": "",
    })
}

/// The categories of a node as `fields=categories` shows them: one object per category.
pub fn categories_field(node: &Node) -> Value {
    Value::Array(
        node.categories
            .iter()
            .map(|(cat, values)| {
                let mut object = serde_json::Map::new();
                object.insert(format!("{cat}_1"), json!({}));
                object.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
                Value::Object(object)
            })
            .collect(),
    )
}
