//! Business workspaces: types, lists and look-ups, creation, related workspaces.

use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::envelope::{ApiError, ApiResult, Page, ok, self_link};
use crate::input::FormInput;
use crate::model::{BusinessObjectRef, EventKind, Node, Relation};
use crate::ops::{self, WorkspaceRequest};
use crate::render::{self, DateStyle};
use crate::routes::{Params, path_id};
use crate::server::{AppState, Authed};
use crate::store::Store;

/// Page size when the client names none ("seems to be 500").
const DEFAULT_LIMIT: usize = 500;

/// `GET /api/v2/businessworkspacetypes` (`expand_templates=true` adds the templates).
pub async fn types(State(sim): State<AppState>, _: Authed, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    let with_templates = params.flag("expand_templates");
    let store = sim.store();
    let results: Vec<Value> = store
        .workspace_types
        .values()
        .map(|kind| {
            let mut properties = json!({
                "wksp_type_id": kind.id,
                "wksp_type_name": kind.name,
                "wksp_type_names": {"en": kind.name},
                "rm_enabled": false,
                "wksp_creation": {"location": kind.location_id, "location_value": kind.location_id},
            });
            if with_templates {
                properties["templates"] = Value::Array(
                    kind.templates
                        .iter()
                        .filter_map(|id| store.nodes.get(id))
                        .map(|t| json!({"id": t.id, "name": t.name, "subtype": t.subtype}))
                        .collect(),
                );
            }
            if let Some(binding) = &kind.business_object {
                properties["ext_system_id"] = json!(binding.ext_system_id);
                properties["bo_type"] = json!(binding.bo_type);
                properties["bo_type_id"] = json!(binding.bo_type_id);
            }
            json!({"data": {"properties": properties, "wksp_info": {"wksp_type_icon": type_icon(kind.id), "in_use": true}}})
        })
        .collect();
    ok(&json!({
        "links": self_link("GET", "/api/v2/businessworkspacetypes"),
        "results": results,
    }))
}

/// The icon URL of a workspace type, in the path Content Server serves type icons from.
fn type_icon(type_id: i64) -> String {
    format!("/appimg/ot_bws/icons/{type_id}%2Esvg")
}

/// `GET /api/v1/businessworkspacetypes/{id}`: the v1 shape, `{"icon_url","is_policies_enabled",
/// "workspace_type"}` (pyxecm's `get_workspace_type` example).
pub async fn type_v1(State(sim): State<AppState>, _: Authed, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id)?;
    let store = sim.store();
    let kind = store.workspace_types.get(&id).ok_or_else(|| {
        ApiError::bad_request(format!("The business workspace type {id} does not exist."))
    })?;
    ok(&json!({
        "icon_url": type_icon(kind.id),
        "is_policies_enabled": false,
        "workspace_type": kind.name,
    }))
}

/// `GET /api/v2/businessworkspaces`: filtered, sorted, paged; a page past the end answers
/// the last page, as the real server does.
pub async fn list(State(sim): State<AppState>, _: Authed, RawQuery(raw): RawQuery) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    params.only_filters(&[
        "where_workspace_type_id",
        "where_workspace_type_name",
        "where_name",
        "where_ext_system_id",
        "where_bo_type",
        "where_bo_id",
        "where_is_early",
    ])?;
    let store = sim.store();
    let type_id = params.int("where_workspace_type_id")?;
    let type_name = params
        .get("where_workspace_type_name")
        .map(str::to_lowercase);
    let name = params.get("where_name").map(NameFilter::parse);
    let system = params.get("where_ext_system_id");
    let bo_type = params.get("where_bo_type");
    let bo_id = params.get("where_bo_id");
    let early = params.get("where_is_early").map(crate::envelope::as_flag);
    let mut found: Vec<&Node> = store
        .nodes
        .workspaces(type_id)
        .into_iter()
        .filter(|node| {
            let Some(link) = &node.workspace else {
                return false;
            };
            let kind_name = store
                .workspace_types
                .get(&link.type_id)
                .map(|t| t.name.to_lowercase());
            type_id.is_none_or(|id| link.type_id == id)
                && type_name
                    .as_ref()
                    .is_none_or(|prefix| kind_name.is_some_and(|n| n.starts_with(prefix)))
                && name
                    .as_ref()
                    .is_none_or(|filter| filter.matches(&node.name))
                && early.is_none_or(|early| early == link.references.is_empty())
                && (system.is_none() && bo_type.is_none() && bo_id.is_none()
                    || link.references.iter().any(|r| {
                        system.is_none_or(|s| r.ext_system_id.eq_ignore_ascii_case(s))
                            && bo_type.is_none_or(|t| r.bo_type.eq_ignore_ascii_case(t))
                            && bo_id.is_none_or(|id| r.bo_id == id)
                    }))
        })
        .collect();
    sort_nodes(&mut found, params.get("sort"))?;
    let (page, limit) = params.paging(DEFAULT_LIMIT)?;
    let page = Page::clamped(page, limit, found.len());
    let results: Vec<Value> = found[page.range()]
        .iter()
        .map(|node| render::list_item(&store, node, DateStyle::Local))
        .collect();
    ok(&workspace_list_envelope(
        "/api/v2/businessworkspaces",
        &params,
        page,
        &results,
    ))
}

/// The list envelope of workspace calls: top-level `paging` with a `next` action.
fn workspace_list_envelope(path: &str, params: &Params, page: Page, results: &[Value]) -> Value {
    let mut paging = page.to_json();
    if page.page < page.page_total {
        let mut query: Vec<(String, String)> = params
            .pairs()
            .iter()
            .filter(|(k, _)| k != "page")
            .cloned()
            .collect();
        query.push(("page".to_owned(), (page.page + 1).to_string()));
        let href = format!(
            "{path}?{}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        );
        paging["actions"] = json!({"next": {
            "body": "", "content_type": "", "form_href": "", "href": href, "method": "GET", "name": "Next"
        }});
    }
    json!({
        "links": self_link("GET", path),
        "paging": paging,
        "results": results,
        "wksp_info": {"wksp_type_icon": null},
    })
}

/// `where_name`: exact, `contains_…` or `startswith_…`, ignoring case.
enum NameFilter {
    Exact(String),
    Contains(String),
    StartsWith(String),
}

impl NameFilter {
    fn parse(text: &str) -> Self {
        if let Some(part) = text.strip_prefix("contains_") {
            Self::Contains(part.to_lowercase())
        } else if let Some(part) = text.strip_prefix("startswith_") {
            Self::StartsWith(part.to_lowercase())
        } else {
            Self::Exact(text.to_lowercase())
        }
    }

    fn matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        match self {
            Self::Exact(wanted) => name == *wanted,
            Self::Contains(part) => name.contains(part.as_str()),
            Self::StartsWith(part) => name.starts_with(part.as_str()),
        }
    }
}

/// Sorts by `asc_name` (default), `desc_name`, `asc_modify_date`, `desc_modify_date`, `asc_id`.
pub fn sort_nodes(nodes: &mut [&Node], sort: Option<&str>) -> Result<(), ApiError> {
    match sort.unwrap_or("asc_name") {
        "asc_name" | "name" => nodes.sort_by_key(|n| (n.name.to_lowercase(), n.id)),
        "desc_name" => nodes.sort_by_key(|n| std::cmp::Reverse((n.name.to_lowercase(), n.id))),
        "asc_modify_date" => nodes.sort_by_key(|n| (n.modify_date, n.id)),
        "desc_modify_date" => nodes.sort_by_key(|n| std::cmp::Reverse((n.modify_date, n.id))),
        "asc_id" | "id" => nodes.sort_by_key(|n| n.id),
        other => {
            let column = other.trim_start_matches("asc_").trim_start_matches("desc_");
            return Err(ApiError::server(format!(
                "Invalid column name ({column}) specified for sorting"
            )));
        }
    }
    Ok(())
}

fn workspace(store: &Store, id: i64) -> Result<&Node, ApiError> {
    let node = store.node(id)?;
    if node.workspace.is_none() {
        return Err(ApiError::not_accessible());
    }
    Ok(node)
}

/// `GET /api/v2/businessworkspaces/{id}` with properties, business properties, references
/// and (with `fields=categories`) category values.
pub async fn one(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    let id = path_id(&id)?;
    let store = sim.store();
    let node = workspace(&store, id)?;
    let link = node
        .workspace
        .as_ref()
        .ok_or_else(ApiError::not_accessible)?;
    let kind = store.workspace_types.get(&link.type_id);
    let type_name = kind.map(|k| k.name.clone()).unwrap_or_default();
    let bo_type_id = kind
        .and_then(|k| k.business_object.as_ref())
        .map(|b| b.bo_type_id);
    let first = link.references.first();
    let mut data = json!({
        "properties": render::properties(&store, node, DateStyle::Local),
        "business_properties": {
            "business_object_id": first.map(|r| r.bo_id.clone()),
            "business_object_type": first.map(|r| r.bo_type.clone()),
            "business_object_type_id": bo_type_id,
            "external_system_id": first.map(|r| r.ext_system_id.clone()),
            "workspace_type_id": link.type_id,
            "workspace_type_name": type_name,
            "isEarly": link.references.is_empty(),
            "display_url": null,
        },
        "workspace_references": link.references.iter().map(|r| json!({
            "business_object_id": r.bo_id,
            "business_object_type": r.bo_type,
            "business_object_type_id": bo_type_id,
            "external_system_id": r.ext_system_id,
            "workspace_type_id": link.type_id,
            "has_default_display": true,
            "has_default_search": true,
        })).collect::<Vec<_>>(),
    });
    if params
        .all("fields")
        .iter()
        .any(|f| f.starts_with("categories"))
    {
        data["categories"] = render::categories_field(node);
    }
    ok(&json!({
        "links": self_link("GET", &format!("/api/v2/businessworkspaces/{id}")),
        "results": {"data": data},
    }))
}

/// `POST /api/v2/businessworkspaces`: `body=<json>` (plain fields merged) →
/// `{"results":{"id":…,"direct_open":true,"sub_folder_id":0}}`.
pub async fn create(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    input: FormInput,
) -> ApiResult {
    let categories = input.roles_categories()?;
    let request = WorkspaceRequest {
        template_id: input.int("template_id"),
        type_id: input.int("wksp_type_id"),
        parent_id: input.int("parent_id"),
        name: input.text("name"),
        description: input.text("description").unwrap_or_default(),
        ext_system_id: input.text("ext_system_id").filter(|s| !s.is_empty()),
        bo_type: input.text("bo_type").filter(|s| !s.is_empty()),
        bo_type_id: input.int("bo_type_id"),
        bo_id: input.text("bo_id"),
        categories,
    };
    let now = sim.now();
    let mut store = sim.store();
    let id = ops::create_workspace(&mut store, &request, caller.user_id, now)?;
    sim.save(&store);
    tracing::info!(workspace_id = id, "workspace created");
    ok(&json!({
        "links": self_link("POST", "/api/v2/businessworkspaces"),
        "results": {"id": id, "direct_open": true, "sub_folder_id": 0},
    }))
}

/// `GET /api/v2/externalsystems/{sys}/botypes/{type}/boids/{id}`: the workspace linked to a
/// business object, in the workspace-list envelope.
pub async fn by_business_object(
    State(sim): State<AppState>,
    _: Authed,
    Path((system, bo_type, bo_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    let store = sim.store();
    let reference = BusinessObjectRef {
        ext_system_id: system.clone(),
        bo_type: bo_type.clone(),
        bo_id: bo_id.clone(),
    };
    let results: Vec<Value> = store
        .workspace_for(&reference)
        .map(|node| render::list_item(&store, node, DateStyle::Local))
        .into_iter()
        .collect();
    let page = Page::exact(1, DEFAULT_LIMIT, results.len());
    let path = format!("/api/v2/externalsystems/{system}/botypes/{bo_type}/boids/{bo_id}");
    ok(&workspace_list_envelope(&path, &params, page, &results))
}

/// A set-valued parameter as Content Server writes it: `{'child','parent'}`, `{1,2}`, or a
/// plain comma-separated list.
fn set_values(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .map(|part| part.trim().trim_matches(['\'', '"']).trim().to_lowercase())
        .filter(|part| !part.is_empty())
        .collect()
}

/// `GET /api/v2/businessworkspaces/{id}/relateditems`: filtered by `where_relationtype`
/// (`child`/`parent`) or `where_rel_types={'child','parent'}`, `where_name` (exact,
/// `contains_…`, `startswith_…`), `where_workspace_type_id` or `where_workspace_type_ids={1,2}`.
pub async fn related(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    params.only_filters(&[
        "where_relationtype",
        "where_rel_types",
        "where_name",
        "where_workspace_type_id",
        "where_workspace_type_ids",
    ])?;
    let id = path_id(&id)?;
    let mut rel_types: Vec<String> = params
        .all("where_rel_types")
        .iter()
        .flat_map(|text| set_values(text))
        .collect();
    rel_types.extend(params.get("where_relationtype").map(str::to_lowercase));
    let mut type_ids: Vec<i64> = params
        .all("where_workspace_type_ids")
        .iter()
        .flat_map(|text| set_values(text))
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| crate::routes::invalid_datatype("where_workspace_type_ids"))
        })
        .collect::<Result<_, _>>()?;
    type_ids.extend(params.int("where_workspace_type_id")?);
    let name = params.get("where_name").map(NameFilter::parse);
    let store = sim.store();
    let node = workspace(&store, id)?;
    let related: Vec<(&Relation, &Node)> = node
        .workspace
        .iter()
        .flat_map(|link| link.relations.iter())
        .filter(|relation| {
            rel_types.is_empty() || rel_types.contains(&relation.rel_type.to_lowercase())
        })
        .filter_map(|relation| Some((relation, store.nodes.get(&relation.workspace_id)?)))
        .filter(|(_, other)| {
            name.as_ref()
                .is_none_or(|filter| filter.matches(&other.name))
        })
        .filter(|(_, other)| {
            type_ids.is_empty()
                || other
                    .workspace
                    .as_ref()
                    .is_some_and(|link| type_ids.contains(&link.type_id))
        })
        .collect();
    let (page, limit) = params.paging(DEFAULT_LIMIT)?;
    let page = Page::clamped(page, limit, related.len());
    let results: Vec<Value> = related[page.range()]
        .iter()
        .map(|(relation, other)| {
            let mut item = render::list_item(&store, other, DateStyle::Local);
            item["data"]["properties"]["rel_type"] = json!(relation.rel_type);
            item
        })
        .collect();
    ok(&workspace_list_envelope(
        &format!("/api/v2/businessworkspaces/{id}/relateditems"),
        &params,
        page,
        &results,
    ))
}

/// `POST /api/v2/businessworkspaces/{id}/relateditems`: form `rel_bw_id`, `rel_type`
/// (`child` by default); the relation is recorded on both workspaces.
pub async fn relate(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    input: FormInput,
) -> ApiResult {
    let id = path_id(&id)?;
    let other = input
        .int("rel_bw_id")
        .ok_or_else(|| ApiError::invalid("rel_bw_id is required"))?;
    let rel_type = input
        .text("rel_type")
        .unwrap_or_else(|| "child".to_owned())
        .to_lowercase();
    let inverse = match rel_type.as_str() {
        "child" => "parent",
        "parent" => "child",
        _ => return Err(ApiError::invalid("rel_type must be 'child' or 'parent'")),
    };
    let now = sim.now();
    let mut store = sim.store();
    workspace(&store, id)?;
    workspace(&store, other)?;
    if id == other {
        return Err(ApiError::invalid("a workspace cannot be related to itself"));
    }
    let exists = store
        .node(id)?
        .workspace
        .iter()
        .flat_map(|l| l.relations.iter())
        .any(|r| r.workspace_id == other);
    if exists {
        return Err(ApiError::server("The relationship already exists."));
    }
    for (from, to, kind) in [(id, other, rel_type.as_str()), (other, id, inverse)] {
        if let Some(link) = store.node_mut(from)?.workspace.as_mut() {
            link.relations.push(Relation {
                workspace_id: to,
                rel_type: kind.to_owned(),
            });
        }
        store.touch(from, now);
        store.record(
            EventKind::NodeUpdated,
            from,
            caller.user_id,
            Some(json!({"related_workspace": to, "rel_type": kind})),
            now,
        );
    }
    sim.save(&store);
    ok(
        &json!({"links": self_link("POST", &format!("/api/v2/businessworkspaces/{id}/relateditems")), "results": {}}),
    )
}

/// `GET /api/v1/nodes/{id}/businessworkspace`: the workspace a node lies in.
pub async fn enclosing(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id)?;
    let store = sim.store();
    store.node(id)?;
    let workspace_id = store
        .enclosing_workspace(id)
        .ok_or_else(|| ApiError::bad_request("The item is not part of a business workspace."))?;
    let node = store.node(workspace_id)?;
    let link = node
        .workspace
        .as_ref()
        .ok_or_else(ApiError::not_accessible)?;
    ok(&json!({
        "id": workspace_id,
        "name": node.name,
        "type": node.subtype,
        "workspace_type_id": link.type_id,
        "isLinked": !link.references.is_empty(),
    }))
}
