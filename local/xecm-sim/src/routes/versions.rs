//! Versions and content: list, add (multipart, streamed to disk), download (streamed).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio_util::io::ReaderStream;

use crate::envelope::{ApiError, ApiResult, ok, self_link};
use crate::input::FormInput;
use crate::model::{Node, Version, subtype};
use crate::ops;
use crate::render;
use crate::routes::path_id;
use crate::server::{AppState, Authed};
use crate::store::Store;

/// `GET /api/v2/nodes/{id}/versions`: newest last, as `results[].data.versions`.
pub async fn list(State(sim): State<AppState>, _: Authed, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id)?;
    let store = sim.store();
    let node = document(&store, id)?;
    let results: Vec<Value> = node
        .versions
        .iter()
        .map(|version| json!({"data": {"versions": render::version(node, version)}}))
        .collect();
    ok(
        &json!({"links": self_link("GET", &format!("/api/v2/nodes/{id}/versions")), "results": results}),
    )
}

fn document(store: &Store, id: i64) -> Result<&Node, ApiError> {
    let node = store.node(id)?;
    if node.subtype != subtype::DOCUMENT {
        return Err(ApiError::bad_request(format!(
            "{} is not a document and has no versions",
            node.name
        )));
    }
    Ok(node)
}

fn version_number(text: &str) -> Result<u32, ApiError> {
    text.trim()
        .parse()
        .map_err(|_| crate::routes::invalid_datatype("version_number"))
}

fn numbered(node: &Node, number: Option<u32>) -> Result<&Version, ApiError> {
    match number {
        Some(number) => node.versions.iter().find(|v| v.number == number),
        None => node.versions.last(),
    }
    .ok_or_else(|| ApiError::bad_request(format!("{} has no such version", node.name)))
}

/// `GET /api/v2/nodes/{id}/versions/{n}`: one version, `results` an object.
pub async fn one(
    State(sim): State<AppState>,
    _: Authed,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult {
    let (id, number) = (path_id(&id)?, version_number(&number)?);
    let store = sim.store();
    let node = document(&store, id)?;
    let version = numbered(node, Some(number))?;
    ok(&json!({
        "links": self_link("GET", &format!("/api/v2/nodes/{id}/versions/{number}")),
        "results": {"data": {"versions": render::version(node, version)}},
    }))
}

/// `GET /api/v1/nodes/{id}/versions`: v1 shape, `{"data":[…]}`, oldest first.
pub async fn list_v1(State(sim): State<AppState>, _: Authed, Path(id): Path<String>) -> ApiResult {
    let id = path_id(&id)?;
    let store = sim.store();
    let node = document(&store, id)?;
    let versions: Vec<Value> = node
        .versions
        .iter()
        .map(|version| render::version(node, version))
        .collect();
    ok(&json!({ "data": versions }))
}

/// `GET /api/v1/nodes/{id}/versions/latest`: v1 shape, `{"data":{…}}` (pyxecm reads
/// `data.version_number` to find "the current document").
pub async fn latest_v1(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id)?;
    let store = sim.store();
    let node = document(&store, id)?;
    ok(&json!({ "data": render::version(node, numbered(node, None)?) }))
}

/// `GET /api/v1/nodes/{id}/versions/{n}`: v1 shape, `{"data":{…}}`.
pub async fn one_v1(
    State(sim): State<AppState>,
    _: Authed,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult {
    let (id, number) = (path_id(&id)?, version_number(&number)?);
    let store = sim.store();
    let node = document(&store, id)?;
    ok(&json!({ "data": render::version(node, numbered(node, Some(number))?) }))
}

/// `POST /api/v2/nodes/{id}/versions`: multipart `file`, `description`, `add_major_version`.
pub async fn add(
    State(sim): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    input: FormInput,
) -> ApiResult {
    sim.still_valid(&headers)?;
    let id = path_id(&id)?;
    let description = input.text("description").unwrap_or_default();
    let file = input
        .file
        .ok_or_else(|| ApiError::invalid("a new version needs a 'file' part"))?;
    let now = sim.now();
    let mut store = sim.store();
    let number = ops::add_version(&mut store, id, file, &description, caller.user_id, now)?;
    sim.save(&store);
    let node = store.node(id)?;
    let version = node
        .versions
        .iter()
        .find(|v| v.number == number)
        .ok_or_else(ApiError::not_accessible)?;
    ok(&json!({
        "links": self_link("POST", &format!("/api/v2/nodes/{id}/versions")),
        "results": {"data": {"versions": render::version(node, version)}},
    }))
}

/// `GET /api/v{1,2}/nodes/{id}/content`: the latest version's bytes.
pub async fn latest_content(
    State(sim): State<AppState>,
    _: Authed,
    Path(id): Path<String>,
) -> ApiResult {
    let id = path_id(&id)?;
    stream_version(&sim, id, None).await
}

/// `GET /api/v{1,2}/nodes/{id}/versions/{n}/content`.
pub async fn content(
    State(sim): State<AppState>,
    _: Authed,
    Path((id, number)): Path<(String, String)>,
) -> ApiResult {
    let (id, number) = (path_id(&id)?, version_number(&number)?);
    stream_version(&sim, id, Some(number)).await
}

async fn stream_version(sim: &AppState, id: i64, number: Option<u32>) -> ApiResult {
    let (path, file_name, mime_type, size) = {
        let store = sim.store();
        let node = store.node(id)?;
        let version = numbered(node, number)?;
        (
            sim.content.path(&version.content_file),
            version.file_name.clone(),
            version.mime_type.clone(),
            version.size,
        )
    };
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::server(format!("Could not get the content of node {id}: {e}")))?;
    let mut response = Response::new(Body::from_stream(ReaderStream::with_capacity(
        file,
        256 * 1024,
    )));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(value) = HeaderValue::from_str(&mime_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file_name.replace(['"', '\r', '\n'], "_")
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response.into_response())
}
