//! Nodes: read, browse, create (folders and documents, uploads streamed), change, delete.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use crate::envelope::{ApiError, ApiResult, Page, ok, self_link};
use crate::input::FormInput;
use crate::model::{EventKind, Node, subtype};
use crate::ops;
use crate::render::{self, DateStyle};
use crate::routes::workspaces::sort_nodes;
use crate::routes::{Params, invalid_datatype, path_id};
use crate::server::{AppState, Authed};
use crate::store::Store;

/// Page size when the client names none.
const DEFAULT_LIMIT: usize = 100;

/// The single-node envelope: `{"links":…,"results":{"data":{"properties":…}}}`.
pub fn node_envelope(store: &Store, node: &Node, method: &str, fields: &[&str]) -> Value {
    let mut data = json!({"properties": render::properties(store, node, DateStyle::Utc)});
    if fields.iter().any(|f| f.starts_with("categories")) {
        data["categories"] = render::categories_field(node);
    }
    if fields.iter().any(|f| f.starts_with("versions")) {
        data["versions"] = Value::Array(
            node.versions
                .iter()
                .rev()
                .map(|v| render::version(node, v))
                .collect(),
        );
    }
    json!({
        "links": self_link(method, &format!("/api/v2/nodes/{}", node.id)),
        "results": {"data": data},
    })
}

/// `GET /api/v2/nodes/{id}`.
pub async fn one(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    let id = path_id(&id)?;
    let store = sim.store();
    ok(&node_envelope(
        &store,
        store.node(id)?,
        "GET",
        &params.all("fields"),
    ))
}

/// `GET /api/v2/nodes/{id}/nodes`: children, filtered by `where_type` (repeatable; `-1`
/// containers, `-3` non-containers) and `where_name` (contains, ignoring case), sorted and
/// paged under `collection.paging`.
pub async fn children(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    params.only_filters(&["where_type", "where_name"])?;
    let id = path_id(&id)?;
    let store = sim.store();
    store.node(id)?;
    let types: Vec<i64> = params
        .all("where_type")
        .iter()
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .map_err(|_| crate::routes::invalid_datatype("where_type"))
        })
        .collect::<Result<_, _>>()?;
    let name = params.get("where_name").map(str::to_lowercase);
    let mut found: Vec<&Node> = store
        .children(id)
        .filter(|node| {
            types.is_empty()
                || types.iter().any(|t| match *t {
                    -1 => subtype::is_container(node.subtype),
                    -2 => true,
                    -3 => !subtype::is_container(node.subtype),
                    exact => node.subtype == exact,
                })
        })
        .filter(|node| {
            name.as_ref()
                .is_none_or(|part| node.name.to_lowercase().contains(part.as_str()))
        })
        .collect();
    let sort = params.get("sort");
    sort_nodes(&mut found, sort)?;
    let (page, limit) = params.paging(DEFAULT_LIMIT)?;
    let page = Page::exact(page, limit, found.len());
    let results: Vec<Value> = found
        .get(page.range())
        .unwrap_or_default()
        .iter()
        .map(|node| json!({"data": {"properties": render::properties(&store, node, DateStyle::Utc)}}))
        .collect();
    ok(&collection_envelope(
        &format!("/api/v2/nodes/{id}/nodes"),
        page,
        sort.unwrap_or("asc_name"),
        &results,
    ))
}

/// The envelope of node browse, search and audit: paging under `collection`.
pub fn collection_envelope(path: &str, page: Page, sort: &str, results: &[Value]) -> Value {
    json!({
        "collection": {
            "paging": page.to_json(),
            "sorting": {"sort": [{"key": "sort", "value": sort}]},
        },
        "links": self_link("GET", path),
        "results": results,
    })
}

/// `POST /api/v2/nodes`: a folder (`type` 0) or a document (`type` 144 with a `file` part),
/// `body=<json>` and plain fields merged, `roles.categories` flat or nested.
pub async fn create(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    input: FormInput,
) -> ApiResult {
    sim.still_valid(&headers)?;
    let kind = input
        .int("type")
        .ok_or_else(|| ApiError::invalid("type is required"))?;
    let parent = input
        .int("parent_id")
        .ok_or_else(|| ApiError::invalid("parent_id is required"))?;
    let description = input.text("description").unwrap_or_default();
    let requested = input.roles_categories()?;
    let now = sim.now();
    let (id, response) = {
        let mut store = sim.store();
        let inherited = store.inherited_categories(parent);
        let categories = ops::category_values(&store, inherited, &requested)?;
        let id = match kind {
            subtype::FOLDER => {
                let name = input
                    .text("name")
                    .ok_or_else(|| ApiError::invalid("name is required"))?;
                store.add_node(
                    parent,
                    &name,
                    subtype::FOLDER,
                    &description,
                    caller.user_id,
                    now,
                )?
            }
            subtype::DOCUMENT => {
                let FormInput { fields, file } = input;
                let file =
                    file.ok_or_else(|| ApiError::invalid("a document needs a 'file' part"))?;
                let name = fields
                    .get("name")
                    .and_then(crate::envelope::as_text)
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| file.file_name.clone());
                let id = store.add_node(
                    parent,
                    &name,
                    subtype::DOCUMENT,
                    &description,
                    caller.user_id,
                    now,
                )?;
                store.record(EventKind::NodeCreated, id, caller.user_id, None, now);
                ops::add_version(&mut store, id, file, "", caller.user_id, now)?;
                id
            }
            subtype::WORKSPACE => {
                return Err(ApiError::invalid(
                    "business workspaces are created with /api/v2/businessworkspaces",
                ));
            }
            other => {
                return Err(ApiError::invalid(format!(
                    "the simulator cannot create nodes of type {other}"
                )));
            }
        };
        if kind != subtype::DOCUMENT {
            store.record(EventKind::NodeCreated, id, caller.user_id, None, now);
        }
        store.node_mut(id)?.categories = categories;
        sim.save(&store);
        let response = node_envelope(&store, store.node(id)?, "POST", &[]);
        (id, response)
    };
    tracing::info!(node_id = id, kind, "node created");
    ok(&response)
}

/// Most ids `POST /api/v2/nodes/list` takes at once (fitschgo/xecm: "Maximum of 250 Node
/// IDs supported").
const LIST_LIMIT: usize = 250;

/// `POST /api/v2/nodes/list`: `body={"ids":[…]}` (or plain `ids` fields) → the nodes, in
/// the order asked, as `results[].data.properties`. Ids that are missing (or could not be
/// seen) are left out, as lists leave out what the caller may not see.
pub async fn list(State(sim): State<AppState>, _: Authed, input: FormInput) -> ApiResult {
    let ids: Vec<i64> = match input.fields.get("ids") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| crate::envelope::as_i64(item).ok_or_else(|| invalid_datatype("ids")))
            .collect::<Result<_, _>>()?,
        Some(Value::String(text)) => text
            .split(',')
            .map(|part| part.trim().parse().map_err(|_| invalid_datatype("ids")))
            .collect::<Result<_, _>>()?,
        Some(Value::Number(number)) => {
            vec![number.as_i64().ok_or_else(|| invalid_datatype("ids"))?]
        }
        _ => return Err(ApiError::invalid("ids is required: a list of node ids")),
    };
    if ids.is_empty() || ids.len() > LIST_LIMIT {
        return Err(ApiError::invalid(format!(
            "ids takes 1 to {LIST_LIMIT} node ids, not {}",
            ids.len()
        )));
    }
    let store = sim.store();
    let results: Vec<Value> = ids
        .iter()
        .filter_map(|id| store.nodes.get(id))
        .map(|node| json!({"data": {"properties": render::properties(&store, node, DateStyle::Utc)}}))
        .collect();
    ok(&json!({"links": self_link("POST", "/api/v2/nodes/list"), "results": results}))
}

/// `PUT /api/v2/nodes/{id}`: `name`, `description`, `parent_id` (move).
pub async fn update(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    input: FormInput,
) -> ApiResult {
    let id = path_id(&id)?;
    let now = sim.now();
    let mut store = sim.store();
    let node = store.node(id)?.clone();
    if node.parent_id < 0 {
        return Err(ApiError::invalid("volumes cannot be changed"));
    }
    let name = input
        .text("name")
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let parent = input.int("parent_id").unwrap_or(node.parent_id);
    if parent != node.parent_id {
        let target = store.node(parent)?;
        if !subtype::is_container(target.subtype) || store.is_within(parent, id) {
            return Err(ApiError::invalid(format!(
                "node {id} cannot be moved into {parent}"
            )));
        }
    }
    let new_name = name.unwrap_or_else(|| node.name.clone());
    if (parent != node.parent_id || !new_name.eq_ignore_ascii_case(&node.name))
        && store
            .child_named(parent, &new_name)
            .is_some_and(|other| other.id != id)
    {
        return Err(ApiError::name_taken(&new_name));
    }
    {
        let mut target = store.node_mut(id)?;
        target.name = new_name;
        target.parent_id = parent;
        if let Some(description) = input.text("description") {
            target.description = description;
        }
        target.modify_date = now;
    }
    store.record(EventKind::NodeUpdated, id, caller.user_id, None, now);
    sim.save(&store);
    ok(&node_envelope(&store, store.node(id)?, "PUT", &[]))
}

/// `DELETE /api/v2/nodes/{id}`: the node and everything below it.
pub async fn remove(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id)?;
    let now = sim.now();
    let files = {
        let mut store = sim.store();
        if store.node(id)?.parent_id < 0 {
            return Err(ApiError::invalid("volumes cannot be deleted"));
        }
        store.record(EventKind::NodeDeleted, id, caller.user_id, None, now);
        let files = store.remove_subtree(id);
        sim.save(&store);
        files
    };
    sim.discard_content(&files);
    ok(&json!({"links": self_link("DELETE", &format!("/api/v2/nodes/{id}")), "results": {}}))
}
