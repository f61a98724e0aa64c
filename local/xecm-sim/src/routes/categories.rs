//! Categories on nodes: read (with `?metadata`), apply, update, remove.
//!
//! # Format
//! ```text
//! GET …/categories?metadata   {"links":…,"results":[{"data":{"categories":{"9100_2":"…",…}},
//!                               "metadata":{"categories":{"9100":{…},"9100_2":{"name":…,"type":…},…}},
//!                               "metadata_map":{"categories":{"9100":["9100_2","9100_8",…]}},
//!                               "metadata_order":{"categories":["9100"]}}]}
//! GET …/categories/{cat}      the same for one category, `results` an object
//! POST/DELETE …/categories/{cat}/inheritance   {"links":…,"results":{}}
//! ```
//! One result per applied category; `metadata_order.categories` names the *category* (as
//! pyxecm's `get_node_category_ids` reads it: `int(i) for i in metadata_order.categories`),
//! `metadata_map.categories` maps it to its attribute keys.

use axum::extract::{Path, RawQuery, State};
use axum::http::Method;
use serde_json::{Value, json};

use crate::categories;
use crate::envelope::{ApiError, ApiResult, ok, self_link};
use crate::input::FormInput;
use crate::model::{EventKind, Node};
use crate::ops;
use crate::routes::{Params, path_id};
use crate::server::{AppState, Authed};
use crate::store::Store;

fn category_entry(store: &Store, node: &Node, category: i64, with_metadata: bool) -> Option<Value> {
    let values = node.categories.get(&category)?;
    let mut entry = json!({"data": {"categories": values}});
    if with_metadata && let Some(def) = store.categories.get(&category) {
        let (metadata, attribute_keys) = categories::metadata(def);
        let category_key = category.to_string();
        entry["metadata"] = json!({"categories": metadata});
        entry["metadata_map"] = json!({"categories": {category_key.clone(): attribute_keys}});
        entry["metadata_order"] = json!({"categories": [category_key]});
    }
    Some(entry)
}

/// `GET /api/v2/nodes/{id}/categories`.
pub async fn list(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    let id = path_id(&id)?;
    let store = sim.store();
    let node = store.node(id)?;
    let with_metadata = params.flag("metadata");
    let results: Vec<Value> = node
        .categories
        .keys()
        .filter_map(|category| category_entry(&store, node, *category, with_metadata))
        .collect();
    ok(
        &json!({"links": self_link("GET", &format!("/api/v2/nodes/{id}/categories")), "results": results}),
    )
}

/// `GET /api/v2/nodes/{id}/categories/{cat}`.
pub async fn one(
    State(sim): State<AppState>,
    _: Authed,
    Path((id, category)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    let (id, category) = (path_id(&id)?, path_id(&category)?);
    let store = sim.store();
    let node = store.node(id)?;
    let entry = category_entry(&store, node, category, params.flag("metadata"))
        .ok_or_else(|| not_applied(&store, category))?;
    ok(
        &json!({"links": self_link("GET", &format!("/api/v2/nodes/{id}/categories/{category}")), "results": entry}),
    )
}

fn not_applied(store: &Store, category: i64) -> ApiError {
    match store.categories.get(&category) {
        Some(def) => ApiError::bad_request(format!(
            "Category '{}' ({category}) is not applied to this item.",
            def.name
        )),
        None => ApiError::not_accessible(),
    }
}

/// `POST /api/v2/nodes/{id}/categories`: `category_id` and optional first values.
pub async fn apply(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    input: FormInput,
) -> ApiResult {
    let id = path_id(&id)?;
    let category = input
        .int("category_id")
        .ok_or_else(|| ApiError::invalid("category_id is required"))?;
    let now = sim.now();
    let mut store = sim.store();
    ops::apply_category(&mut store, id, category, &input.fields, caller.user_id, now)?;
    sim.save(&store);
    ok(
        &json!({"links": self_link("POST", &format!("/api/v2/nodes/{id}/categories")), "results": {}}),
    )
}

/// `PUT /api/v2/nodes/{id}/categories/{cat}`: `{cat}_{attr}` and `{cat}_{set}_{row}_{attr}`
/// keys, plain or in `body`; `{cat}_{set}_{row}=""` removes a row.
pub async fn update(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    Path((id, category)): Path<(String, String)>,
    input: FormInput,
) -> ApiResult {
    let (id, category) = (path_id(&id)?, path_id(&category)?);
    let now = sim.now();
    let mut store = sim.store();
    store.node(id)?;
    ops::update_category(&mut store, id, category, &input.fields, caller.user_id, now)?;
    sim.save(&store);
    ok(
        &json!({"links": self_link("PUT", &format!("/api/v2/nodes/{id}/categories/{category}")), "results": {}}),
    )
}

/// `DELETE /api/v2/nodes/{id}/categories/{cat}`.
pub async fn remove(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    Path((id, category)): Path<(String, String)>,
) -> ApiResult {
    let (id, category) = (path_id(&id)?, path_id(&category)?);
    let now = sim.now();
    let mut store = sim.store();
    let removed = store.node_mut(id)?.categories.remove(&category);
    if removed.is_none() {
        return Err(not_applied(&store, category));
    }
    store.touch(id, now);
    store.record(
        EventKind::CategoryChanged,
        id,
        caller.user_id,
        Some(json!({"category_id": category, "action": "remove"})),
        now,
    );
    sim.save(&store);
    ok(
        &json!({"links": self_link("DELETE", &format!("/api/v2/nodes/{id}/categories/{category}")), "results": {}}),
    )
}

/// `POST /api/v2/nodes/{id}/categories/{cat}/inheritance` (on) and `DELETE` (off): whether
/// items created in this container get the category with its current values.
pub async fn inheritance(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    method: Method,
    Path((id, category)): Path<(String, String)>,
) -> ApiResult {
    let (id, category) = (path_id(&id)?, path_id(&category)?);
    let enable = method == Method::POST;
    let now = sim.now();
    let mut store = sim.store();
    let node = store.node(id)?;
    if !node.categories.contains_key(&category) {
        return Err(not_applied(&store, category));
    }
    if !crate::model::subtype::is_container(node.subtype) {
        return Err(ApiError::invalid(format!(
            "{} is not a container; only containers pass categories on",
            node.name
        )));
    }
    let changed = {
        let mut node = store.node_mut(id)?;
        if enable {
            node.inherited_categories.insert(category)
        } else {
            node.inherited_categories.remove(&category)
        }
    };
    if changed {
        store.record(
            EventKind::CategoryChanged,
            id,
            caller.user_id,
            Some(json!({"category_id": category, "inheritance": enable})),
            now,
        );
        sim.save(&store);
    }
    let path = format!("/api/v2/nodes/{id}/categories/{category}/inheritance");
    ok(&json!({"links": self_link(method.as_str(), &path), "results": {}}))
}
