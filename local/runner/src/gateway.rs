//! API Gateway HTTP API emulation: every function's routes on one port.
//!
//! A request is matched against the manifest, turned into the same payload 2.0 event API
//! Gateway would send, handed to the function through [`gridlink_lambda::dispatch`] (the path
//! Lambda uses too), and the function's API Gateway response is turned back into HTTP. As on
//! AWS: an unknown route is `404 {"message":"Not Found"}`, an invocation error is
//! `500 {"message":"Internal Server Error"}`, and a body over Lambda's 6 MB synchronous payload
//! limit is `413`. A client that stops sending its body is answered `408` after
//! [`BODY_TIMEOUT`] (API Gateway's own 30 s limit) instead of holding a connection and a task
//! for ever.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use gridlink_lambda::{Handler, dispatch};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Lambda's synchronous invocation payload limit.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// How long the gateway waits for a request body (API Gateway's integration limit).
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The functions the gateway serves.
#[derive(Clone)]
pub struct Gateway {
    functions: Arc<Vec<Arc<dyn Handler>>>,
    body_timeout: std::time::Duration,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.functions.iter().map(|h| h.spec().name).collect();
        f.debug_struct("Gateway")
            .field("functions", &names)
            .field("body_timeout", &self.body_timeout)
            .finish()
    }
}

impl Gateway {
    /// A gateway over these functions.
    pub fn new(functions: Vec<Arc<dyn Handler>>) -> Self {
        Self {
            functions: Arc::new(functions),
            body_timeout: BODY_TIMEOUT,
        }
    }

    /// The same gateway, waiting at most `timeout` for a request body.
    #[must_use]
    pub fn with_body_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<Arc<dyn Handler>> {
        self.functions
            .iter()
            .find(|h| h.spec().name == name)
            .cloned()
    }

    /// Every function served.
    pub fn functions(&self) -> &[Arc<dyn Handler>] {
        &self.functions
    }

    /// The axum router: `GET /openapi.json` (the routes' OpenAPI document,
    /// `gridlink_lambda::openapi`), `GET /console` (the operator console page,
    /// [`crate::console`]), everything else to the function whose route it is.
    pub fn router(self) -> Router {
        Router::new()
            .route("/openapi.json", axum::routing::get(openapi))
            .route(crate::console::PATH, axum::routing::get(console))
            .fallback(serve)
            .with_state(self)
    }
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        gridlink_lambda::openapi::document_text(),
    )
        .into_response()
}

async fn console() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                crate::console::CONTENT_SECURITY_POLICY,
            ),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        crate::console::PAGE,
    )
        .into_response()
}

async fn serve(State(gateway): State<Gateway>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let Some((handler, route_key, params)) = gateway.functions.iter().find_map(|h| {
        h.spec()
            .route_for(&method, &path)
            .map(|(route, params)| (h.clone(), route.route_key(), params))
    }) else {
        return plain(StatusCode::NOT_FOUND, &json!({"message": "Not Found"}));
    };
    let body = match tokio::time::timeout(gateway.body_timeout, to_bytes(body, MAX_BODY_BYTES))
        .await
    {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &json!({"message": "Request Entity Too Large"}),
            );
        }
        Err(_) => {
            tracing::warn!(method = %method, path = %path, timeout_secs = gateway.body_timeout.as_secs_f64(), "request body did not arrive in time");
            return plain(
                StatusCode::REQUEST_TIMEOUT,
                &json!({"message": "Request Timeout"}),
            );
        }
    };
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|v| {
                    v.push(',');
                    v.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
    }
    let event = http_api_event(&HttpApiRequest {
        method: &method,
        path: &path,
        raw_query: parts.uri.query().unwrap_or(""),
        route_key: &route_key,
        path_parameters: params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        headers,
        body: &body,
    });
    match dispatch(handler.as_ref(), event).await {
        Ok(response) => from_apigw(&response),
        Err(failure) => {
            tracing::error!(
                function = handler.spec().name,
                error_type = %failure.error_type,
                error = %failure.error_message,
                "invocation failed"
            );
            plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"message": "Internal Server Error"}),
            )
        }
    }
}

/// The parts of an HTTP request an API Gateway event carries.
#[derive(Debug)]
pub struct HttpApiRequest<'a> {
    /// Method.
    pub method: &'a str,
    /// Concrete path.
    pub path: &'a str,
    /// Query string without `?`.
    pub raw_query: &'a str,
    /// `METHOD /template/{param}`.
    pub route_key: &'a str,
    /// Path parameters from the template.
    pub path_parameters: BTreeMap<String, String>,
    /// Lower-case header names, repeated values joined with commas.
    pub headers: BTreeMap<String, String>,
    /// Raw body.
    pub body: &'a [u8],
}

/// Builds the API Gateway HTTP API payload 2.0 event for a request.
pub fn http_api_event(request: &HttpApiRequest<'_>) -> Value {
    let now = OffsetDateTime::now_utc();
    let (body, is_base64) = match std::str::from_utf8(request.body) {
        _ if request.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(request.body)),
            true,
        ),
    };
    let query: BTreeMap<&str, &str> = request
        .raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let user_agent = request
        .headers
        .get("user-agent")
        .cloned()
        .unwrap_or_default();
    json!({
        "version": "2.0",
        "routeKey": request.route_key,
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
        "headers": request.headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
        "pathParameters": if request.path_parameters.is_empty() { Value::Null } else { json!(request.path_parameters) },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": user_agent,
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": request.route_key,
            "stage": "$default",
            "timeEpoch": i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or_default(),
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

fn plain(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Turns a function's API Gateway response JSON back into HTTP.
fn from_apigw(value: &Value) -> Response {
    let status = value
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = value.get("body").and_then(Value::as_str).unwrap_or("");
    let body = if value
        .get("isBase64Encoded")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_default()
    } else {
        text.as_bytes().to_vec()
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Some(headers) = value.get("headers").and_then(Value::as_object) {
        for (name, v) in headers {
            if let (Ok(n), Some(Ok(v))) = (
                HeaderName::try_from(name.as_str()),
                v.as_str().map(HeaderValue::try_from),
            ) {
                response.headers_mut().append(n, v);
            }
        }
    }
    response
}
