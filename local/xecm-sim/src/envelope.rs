//! Response shapes and error bodies, as the real server writes them.
//!
//! # Format
//! ```text
//! one node      {"links":{"data":{"self":{…}}},"results":{"data":{"properties":{…}}}}
//! node lists    {"collection":{"paging":{…},"sorting":{…}},"links":{…},"results":[{"data":{"properties":{…}}}]}
//! workspaces    {"links":{…},"paging":{…,"actions":{"next":{…}}},"results":[…],"wksp_info":{…}}
//! errors        {"error":"…"}            (+ "errorDetail":"…" where the server adds one)
//! ```

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// The text Content Server answers for a node that is missing or not permitted (HTTP 400).
pub const NOT_ACCESSIBLE: &str = "Sorry, the item you requested could not be accessed. Either it \
does not exist or you do not have permission to access it. If you were sent a link to this item, \
please contact the sender for assistance.";
/// 401 text for a missing, unknown or expired ticket.
pub const AUTH_REQUIRED: &str = "Authentication Required";
/// 400 text for a bad parameter.
pub const INVALID_PARAMETERS: &str = "One or more parameters are invalid";
/// 400 text for an unknown REST path.
pub const NO_SUCH_ROUTE: &str = "The REST API URL could not be found in the mappings registry";

/// An error answered as `{"error": …}` with a status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `error` text.
    pub message: String,
    /// The optional `errorDetail` text.
    pub detail: Option<String>,
}

impl ApiError {
    /// An error with a status and text.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            detail: None,
        }
    }

    /// 400 with a text.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 400 "One or more parameters are invalid", with the reason in `errorDetail`.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::bad_request(INVALID_PARAMETERS)
        }
    }

    /// 400 for a node that does not exist (or may not be seen).
    pub fn not_accessible() -> Self {
        Self::bad_request(NOT_ACCESSIBLE)
    }

    /// 401 "Authentication Required".
    pub fn auth_required() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, AUTH_REQUIRED)
    }

    /// 500 with a text (how Content Server reports conflicts and many other failures).
    pub fn server(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 500 "An item with the name '…' already exists."
    pub fn name_taken(name: &str) -> Self {
        Self::server(format!("An item with the name '{name}' already exists."))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(detail) = self.detail {
            body["errorDetail"] = Value::String(detail);
        }
        json_response(self.status, &body)
    }
}

/// A JSON answer with the content type Content Server sends.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=UTF-8",
        )],
        body.to_string(),
    )
        .into_response()
}

/// The result type of every route.
pub type ApiResult = Result<Response, ApiError>;

/// A `200` JSON response.
pub fn ok(body: &Value) -> ApiResult {
    Ok(json_response(StatusCode::OK, body))
}

/// The `links.data.self` block Content Server adds to every answer.
pub fn self_link(method: &str, href: &str) -> Value {
    json!({ "data": { "self": {
        "body": "", "content_type": "", "href": href, "method": method, "name": ""
    }}})
}

/// Paging numbers for a page of `total` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page actually served.
    pub page: usize,
    /// Page size.
    pub limit: usize,
    /// Number of pages (at least 1).
    pub page_total: usize,
    /// Items in all.
    pub total_count: usize,
}

impl Page {
    /// Paging for a request; a page past the end is served as the last page, as the real
    /// server does for workspace lists.
    pub fn clamped(requested_page: usize, limit: usize, total_count: usize) -> Self {
        let limit = limit.max(1);
        let page_total = total_count.div_ceil(limit).max(1);
        Self {
            page: requested_page.clamp(1, page_total),
            limit,
            page_total,
            total_count,
        }
    }

    /// Paging for a request; a page past the end is empty.
    pub fn exact(requested_page: usize, limit: usize, total_count: usize) -> Self {
        let limit = limit.max(1);
        let page_total = total_count.div_ceil(limit).max(1);
        Self {
            page: requested_page.max(1),
            limit,
            page_total,
            total_count,
        }
    }

    /// The index range of this page within the full list.
    pub fn range(&self) -> std::ops::Range<usize> {
        let start = (self.page - 1)
            .saturating_mul(self.limit)
            .min(self.total_count);
        start..(start + self.limit).min(self.total_count)
    }

    /// The `paging` object.
    pub fn to_json(self) -> Value {
        let range = self.range();
        json!({
            "limit": self.limit,
            "page": self.page,
            "page_total": self.page_total,
            "range_min": if range.is_empty() { 0 } else { range.start + 1 },
            "range_max": range.end,
            "total_count": self.total_count,
        })
    }
}

/// Node dates as `/api/v2/nodes` writes them: `2025-01-19T06:57:04Z`.
pub fn node_date(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// Dates as workspace properties and audit entries write them: `2025-06-30T01:14:59`.
pub fn local_date(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// Reads a request field as an integer: JSON numbers and numeric strings both count.
pub fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a request field as text: strings, and numbers written as text.
pub fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a flag the way Content Server does: `true`, `1`, or present with no value.
pub fn as_flag(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "true" | "1"
    )
}
