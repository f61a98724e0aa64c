//! The REST routes, one module per area, and the query-string reader they share.

pub mod auth;
pub mod categories;
pub mod nodes;
pub mod search;
pub mod sim;
pub mod versions;
pub mod workspaces;

use axum::Router;
use axum::routing::{get, post};

use crate::envelope::ApiError;
use crate::server::AppState;

/// All API routes, relative to `…/api`.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/auth",
            post(auth::login)
                .get(auth::current_user)
                .delete(auth::logout),
        )
        .route("/v1/ping", get(auth::ping))
        .route("/v1/serverinfo", get(auth::server_info))
        .route("/v2/businessworkspacetypes", get(workspaces::types))
        .route("/v1/businessworkspacetypes/{id}", get(workspaces::type_v1))
        .route(
            "/v2/businessworkspaces",
            get(workspaces::list).post(workspaces::create),
        )
        .route("/v2/businessworkspaces/{id}", get(workspaces::one))
        .route(
            "/v2/businessworkspaces/{id}/relateditems",
            get(workspaces::related).post(workspaces::relate),
        )
        .route(
            "/v2/externalsystems/{system}/botypes/{bo_type}/boids/{bo_id}",
            get(workspaces::by_business_object),
        )
        .route(
            "/v1/nodes/{id}/businessworkspace",
            get(workspaces::enclosing),
        )
        .route("/v2/nodes", post(nodes::create))
        .route("/v2/nodes/list", post(nodes::list))
        .route(
            "/v2/nodes/{id}",
            get(nodes::one).put(nodes::update).delete(nodes::remove),
        )
        .route("/v2/nodes/{id}/nodes", get(nodes::children))
        .route("/v2/nodes/{id}/audit", get(search::audit))
        .route(
            "/v2/nodes/{id}/versions",
            get(versions::list).post(versions::add),
        )
        .route("/v2/nodes/{id}/versions/{number}", get(versions::one))
        .route("/v1/nodes/{id}/versions", get(versions::list_v1))
        .route("/v1/nodes/{id}/versions/latest", get(versions::latest_v1))
        .route("/v1/nodes/{id}/versions/{number}", get(versions::one_v1))
        .route("/v1/nodes/{id}/content", get(versions::latest_content))
        .route("/v2/nodes/{id}/content", get(versions::latest_content))
        .route(
            "/v1/nodes/{id}/versions/{number}/content",
            get(versions::content),
        )
        .route(
            "/v2/nodes/{id}/versions/{number}/content",
            get(versions::content),
        )
        .route(
            "/v2/nodes/{id}/categories",
            get(categories::list).post(categories::apply),
        )
        .route(
            "/v2/nodes/{id}/categories/{category}",
            get(categories::one)
                .put(categories::update)
                .delete(categories::remove),
        )
        .route(
            "/v2/nodes/{id}/categories/{category}/inheritance",
            post(categories::inheritance).delete(categories::inheritance),
        )
        .route("/v2/search", post(search::search).get(search::search))
}

/// Query parameters in order, repeated keys kept (`?fields=a&fields=b`), flags without value.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Reads a raw query string.
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::invalid(format!("unreadable query string: {e}")))?;
        Ok(Self(pairs))
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The first value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a key.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a flag is set (`?metadata`, `?metadata=true`).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(crate::envelope::as_flag)
    }

    /// Refuses a filter the route does not implement: every `where_…` parameter must be one
    /// of `known`. A filter left out would change what the caller acts on.
    pub fn only_filters(&self, known: &[&str]) -> Result<(), ApiError> {
        match self
            .0
            .iter()
            .find(|(key, _)| key.starts_with("where_") && !known.contains(&key.as_str()))
        {
            Some((key, _)) => Err(not_implemented(key)),
            None => Ok(()),
        }
    }

    /// An integer parameter, with Content Server's error when it is not one.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid_datatype(key)),
        }
    }

    /// `page` and `limit`, with defaults.
    pub fn paging(&self, default_limit: usize) -> Result<(usize, usize), ApiError> {
        let page = self.int("page")?.unwrap_or(1);
        let limit = self
            .int("limit")?
            .unwrap_or(i64::try_from(default_limit).unwrap_or(100));
        if page < 1 || limit < 1 {
            return Err(ApiError::invalid("page and limit start at 1"));
        }
        Ok((
            usize::try_from(page).unwrap_or(1),
            usize::try_from(limit).unwrap_or(100),
        ))
    }
}

/// 400 "Invalid datatype specified for argument '…'".
pub fn invalid_datatype(argument: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid datatype specified for argument '{argument}'"
    ))
}

/// 400 "One or more parameters are invalid" naming a parameter the simulator does not
/// implement (it refuses rather than ignores it).
pub fn not_implemented(parameter: &str) -> ApiError {
    ApiError::invalid(format!(
        "the simulator does not implement the parameter '{parameter}'"
    ))
}

/// A node id from the path.
pub fn path_id(text: &str) -> Result<i64, ApiError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| invalid_datatype("id"))
}
