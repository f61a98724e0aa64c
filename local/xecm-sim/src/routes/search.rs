//! `POST /api/v2/search` (LQL in `where`) and `GET /api/v2/nodes/{id}/audit`.

use axum::extract::{Path, RawQuery, State};
use serde_json::{Map, Value, json};

use crate::envelope::{ApiError, ApiResult, Page, local_date, node_date, ok};
use crate::input::FormInput;
use crate::lql;
use crate::model::{EventKind, Node};
use crate::render::{self, DateStyle};
use crate::routes::nodes::collection_envelope;
use crate::routes::{Params, path_id};
use crate::server::{AppState, Authed};
use crate::store::Store;

/// Page size of search when the client names none.
const SEARCH_LIMIT: usize = 10;
/// Page size of audit when the client names none.
const AUDIT_LIMIT: usize = 25;

/// Search parameters that only shape the answer (which fields, facets, highlighting); the
/// simulator answers its one shape whatever they say.
const SHAPE_ONLY: [&str; 7] = [
    "options",
    "select",
    "metadata",
    "fields",
    "expand",
    "actions",
    "suppress_response_codes",
];

/// `location_id1`, `location_id2`, … (pyxecm's "start a search from here"): the containers
/// hits must lie below.
fn locations(fields: &Map<String, Value>) -> Result<Vec<i64>, ApiError> {
    fields
        .iter()
        .filter(|(key, _)| {
            key.strip_prefix("location_id")
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(key, value)| {
            crate::envelope::as_i64(value).ok_or_else(|| crate::routes::invalid_datatype(key))
        })
        .collect()
}

/// Refuses what the simulator cannot search the way the real server would: a `lookfor`
/// other than `complexquery`, `within=content` (there is no full-text index), modifiers,
/// slices, saved queries and templates, and any parameter it does not know.
fn refuse_unsupported(fields: &Map<String, Value>) -> Result<(), ApiError> {
    for (key, value) in fields {
        let text = crate::envelope::as_text(value).unwrap_or_default();
        let supported = match key.as_str() {
            "where" | "sort" | "page" | "limit" => true,
            "lookfor" => text.eq_ignore_ascii_case("complexquery"),
            "within" => ["all", "metadata"].contains(&text.to_ascii_lowercase().as_str()),
            "modifier" | "slice_id" | "query_id" | "template_id" | "slice" => {
                text.is_empty() || text == "0"
            }
            other => {
                SHAPE_ONLY.contains(&other)
                    || other
                        .strip_prefix("location_id")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }
        };
        if !supported {
            return Err(crate::routes::not_implemented(&format!("{key}={text}")));
        }
    }
    Ok(())
}

/// `POST /api/v2/search` (and the deprecated `GET`): `where`, `sort`, `page`, `limit`,
/// `location_id1…N`, as plain fields or in `body`.
pub async fn search(
    State(sim): State<AppState>,
    _: Authed,
    RawQuery(raw): RawQuery,
    input: FormInput,
) -> ApiResult {
    let mut fields: Map<String, Value> = Params::parse(raw.as_deref())?
        .pairs()
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    fields.extend(input.fields);
    refuse_unsupported(&fields)?;
    let scopes = locations(&fields)?;
    let text = |key: &str| fields.get(key).and_then(crate::envelope::as_text);
    let query_text = text("where")
        .filter(|w| !w.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("where is required"))?;
    let query = lql::parse(&query_text).map_err(|e| ApiError::invalid(e.to_string()))?;
    if let Some(region) = lql::unknown_region(&query) {
        return Err(ApiError::invalid(format!(
            "unknown search region '{region}'"
        )));
    }
    let number = |key: &str, default: usize| -> Result<usize, ApiError> {
        match fields.get(key).and_then(crate::envelope::as_i64) {
            None => Ok(default),
            Some(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(default)),
            Some(_) => Err(ApiError::invalid(format!("{key} starts at 1"))),
        }
    };
    let (page, limit) = (number("page", 1)?, number("limit", SEARCH_LIMIT)?);
    let sort = text("sort").unwrap_or_else(|| "relevance".to_owned());
    let store = sim.store();
    for scope in &scopes {
        store.node(*scope)?;
    }
    let mut found: Vec<&Node> = store
        .nodes
        .values()
        .filter(|node| node.parent_id >= 0 && lql::matches(&query, &store, node))
        .filter(|node| {
            scopes.is_empty()
                || scopes
                    .iter()
                    .any(|scope| node.id != *scope && store.is_within(node.id, *scope))
        })
        .collect();
    sort_results(&mut found, &sort)?;
    let page = Page::exact(page, limit, found.len());
    let results: Vec<Value> = found
        .get(page.range())
        .unwrap_or_default()
        .iter()
        .map(|node| search_hit(&store, node))
        .collect();
    let mut body = collection_envelope("/api/v2/search", page, &sort, &results);
    let range = page.range();
    body["collection"]["paging"]["result_header_string"] = json!(format!(
        "Results {} to {} of {} sorted by {}",
        if range.is_empty() { 0 } else { range.start + 1 },
        range.end,
        page.total_count,
        sort
    ));
    body["collection"]["searching"] =
        json!({"cache_id": 1, "regions_metadata": {}, "regions_order": []});
    ok(&body)
}

/// One search hit, as pyxecm's `search` example shows it: the node's properties, its
/// regions (`OTLocation` the ancestor ids from the volume down, as text), the current
/// version of a document, links to its parent and the result metadata.
fn search_hit(store: &Store, node: &Node) -> Value {
    let mut ancestry = vec![node.id];
    let mut current = store.nodes.get(&node.parent_id);
    while let Some(ancestor) = current {
        ancestry.push(ancestor.id);
        current = store.nodes.get(&ancestor.parent_id);
    }
    let location: Vec<String> = ancestry.iter().rev().map(i64::to_string).collect();
    let latest = node.versions.last();
    let parent_name = store
        .nodes
        .get(&node.parent_id)
        .map(|parent| parent.name.clone())
        .unwrap_or_default();
    let mut data = json!({
        "properties": render::properties(store, node, DateStyle::Utc),
        "regions": {
            "OTName": node.name,
            "OTSubType": node.subtype,
            "OTLocation": location.join(" "),
            "OTCreatedBy": node.owner_user_id,
            "OTCreatedBy_formatted": store.user_name(node.owner_user_id),
            "OTMIMEType": latest.map(|v| v.mime_type.clone()),
            "OTObjectDate": node.modify_date.date().to_string().replace('-', ""),
            "OTObjectSize": latest.map_or(0, |v| v.size),
        },
    });
    if let Some(version) = latest {
        data["versions"] = render::version(node, version);
    }
    json!({
        "data": data,
        "links": {
            "parent": {"href": format!("api/v1/nodes/{}", node.parent_id), "name": parent_name},
            "parent_nodes": {"href": format!("api/v1/nodes/{}/nodes", node.parent_id), "name": parent_name},
        },
        "search_result_metadata": {
            "current_version": true,
            "object_href": null,
            "object_id": format!("DataId={}&Version={}", node.id, latest.map_or(1, |v| v.number)),
            "result_type": "264",
            "source_id": "1",
            "version_type": null,
        },
    })
}

fn sort_results(found: &mut [&Node], sort: &str) -> Result<(), ApiError> {
    let (descending, key) = match sort.split_once('_') {
        Some(("asc", key)) => (false, key),
        Some(("desc", key)) => (true, key),
        _ if sort == "relevance" => (false, "OTObjectID"),
        _ => return Err(ApiError::invalid(format!("cannot sort by '{sort}'"))),
    };
    match key {
        "OTName" => found.sort_by_key(|n| (n.name.to_lowercase(), n.id)),
        "OTModifyDate" | "OTObjectDate" => found.sort_by_key(|n| (n.modify_date, n.id)),
        "OTCreateDate" => found.sort_by_key(|n| (n.create_date, n.id)),
        "OTObjectID" => found.sort_by_key(|n| n.id),
        _ => return Err(ApiError::invalid(format!("cannot sort by '{sort}'"))),
    }
    if descending {
        found.reverse();
    }
    Ok(())
}

/// `GET /api/v2/nodes/{id}/audit`: `where_type`, `where_user_id`, `where_audit_date_start`,
/// `where_audit_date_end`, `sort` (`desc_audit_date` by default), `page`, `limit`.
pub async fn audit(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let params = Params::parse(raw.as_deref())?;
    params.only_filters(&[
        "where_type",
        "where_user_id",
        "where_audit_date_start",
        "where_audit_date_end",
    ])?;
    let id = path_id(&id)?;
    let event_type = params.int("where_type")?;
    let user = params.int("where_user_id")?;
    let date = |key: &str, end_of_day: &str| -> Result<Option<String>, ApiError> {
        params
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                let full = if v.len() == 10 {
                    format!("{v}{end_of_day}")
                } else {
                    v.to_owned()
                };
                crate::categories::normalise_date(&full)
                    .ok_or_else(|| crate::routes::invalid_datatype(key))
            })
            .transpose()
    };
    let (start, end) = (
        date("where_audit_date_start", "T00:00:00")?,
        date("where_audit_date_end", "T23:59:59")?,
    );
    let sort = params.get("sort").unwrap_or("desc_audit_date");
    let store = sim.store();
    store.node(id)?;
    let mut entries: Vec<_> = store
        .audit
        .iter()
        .filter(|entry| entry.node_id == id)
        .filter(|entry| event_type.is_none_or(|t| entry.event_type == t))
        .filter(|entry| user.is_none_or(|u| entry.user_id == u))
        .filter(|entry| {
            let at = local_date(entry.audit_date);
            start.as_ref().is_none_or(|s| at >= *s) && end.as_ref().is_none_or(|e| at <= *e)
        })
        .collect();
    match sort {
        "desc_audit_date" => entries.reverse(),
        "asc_audit_date" => {}
        other => {
            return Err(ApiError::server(format!(
                "Invalid column name ({other}) specified for sorting"
            )));
        }
    }
    let (page, limit) = params.paging(AUDIT_LIMIT)?;
    let page = Page::exact(page, limit, entries.len());
    let audit: Vec<Value> = entries
        .get(page.range())
        .unwrap_or_default()
        .iter()
        .map(|entry| {
            json!({
                "id": entry.node_id,
                "event_type": entry.event_type,
                "audit_date": node_date(entry.audit_date),
                "user_id": entry.user_id,
                "agent_id": null,
                "audit_language_code": null,
                "target_user_id": null,
                "audit_name": entry.audit_name,
                "attribute_changes": attribute_changes(entry),
            })
        })
        .collect();
    let event_types: Vec<Value> = [
        EventKind::NodeCreated,
        EventKind::NodeDeleted,
        EventKind::NodeUpdated,
        EventKind::VersionAdded,
        EventKind::CategoryChanged,
    ]
    .iter()
    .map(|kind| {
        let (id, name) = kind.audit();
        json!({"id": id, "name": name})
    })
    .collect();
    let mut body = collection_envelope(&format!("/api/v2/nodes/{id}/audit"), page, sort, &[]);
    body["results"] = json!({"data": {"audit": audit, "audit_event_types": event_types}});
    ok(&body)
}

/// The attribute changes an "Attribute Value Changed" entry records (the simulator's
/// rendering of Content Server's per-attribute audit values; see docs/xecm-subset.md).
fn attribute_changes(entry: &crate::model::AuditEntry) -> Value {
    serde_json::from_str::<Value>(&entry.value)
        .ok()
        .and_then(|detail| detail.get("changes").cloned())
        .unwrap_or_else(|| json!([]))
}
