//! The events Lambda hands a gridlink function, built the way AWS builds them, and the
//! API Gateway response a function hands back.
//!
//! # Format
//! HTTP API (payload 2.0), as API Gateway sends it:
//! ```json
//! {"version": "2.0", "routeKey": "POST /case-collab/tg/events",
//!  "rawPath": "/case-collab/tg/events", "rawQueryString": "",
//!  "headers": {"content-type": "application/json", "host": "…", …},
//!  "requestContext": {"accountId": "…", "apiId": "…", "domainName": "…", "requestId": "…",
//!                     "routeKey": "…", "stage": "$default", "time": "…", "timeEpoch": 0,
//!                     "http": {"method": "POST", "path": "…", "protocol": "HTTP/1.1",
//!                              "sourceIp": "…", "userAgent": "…"}},
//!  "pathParameters": {…}, "body": "…", "isBase64Encoded": false}
//! ```
//! Scheduler, with the template's input: `{"schedule": "<name>", "scheduled_at": "<RFC 3339>"}`;
//! or Scheduler's own envelope (`"source": "aws.scheduler"`, the schedule ARN in `resources`).
//!
//! The response (API Gateway payload 2.0):
//! `{"statusCode": 200, "headers": {…}, "body": "…", "isBase64Encoded": false}`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use gridlink_lambda::Route;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// An HTTP API request to turn into an API Gateway event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpApiRequest {
    method: String,
    path: String,
    route_key: String,
    path_parameters: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    base64: bool,
}

impl HttpApiRequest {
    /// A request to a concrete path that no route template is known for (route key
    /// `$default`, as API Gateway's catch-all route reports it).
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            route_key: "$default".to_owned(),
            path_parameters: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            base64: false,
        }
    }

    /// `GET path`.
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    /// A request to a manifest route: its route key, and each `{param}` of its template filled
    /// with `example-<param>` (the values are in the event's `pathParameters` too).
    pub fn for_route(route: &Route) -> Self {
        let mut path_parameters = Vec::new();
        let path = route
            .path
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(param) => {
                        let param = param.trim_end_matches('+');
                        let value = format!("example-{param}");
                        path_parameters.push((param.to_owned(), value.clone()));
                        value
                    }
                    None => segment.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/");
        Self {
            route_key: route.route_key(),
            path_parameters,
            ..Self::new(route.method, &path)
        }
    }

    /// Adds a header (names are sent lower-case, as API Gateway does).
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body, with `content-type: application/json`.
    #[must_use]
    pub fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_string().into_bytes())
    }

    /// A body sent as text.
    #[must_use]
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self.base64 = false;
        self
    }

    /// A body sent base64-encoded (`isBase64Encoded: true`), as API Gateway sends binary ones.
    #[must_use]
    pub fn base64_body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self.base64 = true;
        self
    }

    /// The API Gateway HTTP API payload 2.0 event.
    pub fn into_event(self) -> Value {
        let now = OffsetDateTime::now_utc();
        let request_id = format!("{}=", &uuid::Uuid::new_v4().simple().to_string()[..15]);
        let mut headers = Map::new();
        for (name, value) in [
            ("accept", "*/*"),
            ("host", "abc123defg.execute-api.eu-west-1.amazonaws.com"),
            ("user-agent", "gridlink-tests/1.0"),
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-port", "443"),
            ("x-forwarded-proto", "https"),
        ] {
            headers.insert(name.to_owned(), Value::from(value));
        }
        headers.insert(
            "x-amzn-trace-id".to_owned(),
            Value::from(format!(
                "Root=1-{:08x}-{}",
                now.unix_timestamp(),
                &request_id[..12]
            )),
        );
        if let Some(body) = &self.body {
            headers.insert(
                "content-length".to_owned(),
                Value::from(body.len().to_string()),
            );
        }
        for (name, value) in self.headers {
            headers.insert(name, Value::from(value));
        }
        let raw_query = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut event = json!({
            "version": "2.0",
            "routeKey": self.route_key,
            "rawPath": self.path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc123defg",
                "domainName": "abc123defg.execute-api.eu-west-1.amazonaws.com",
                "domainPrefix": "abc123defg",
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "198.51.100.7",
                    "userAgent": "gridlink-tests/1.0",
                },
                "requestId": request_id,
                "routeKey": self.route_key,
                "stage": "$default",
                "time": now
                    .format(format_description!(
                        "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
                    ))
                    .unwrap_or_default(),
                "timeEpoch": i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or_default(),
            },
            "isBase64Encoded": self.base64,
        });
        if !self.query.is_empty() {
            let params: Map<String, Value> = self
                .query
                .into_iter()
                .map(|(k, v)| (k, Value::from(v)))
                .collect();
            event["queryStringParameters"] = Value::Object(params);
        }
        if !self.path_parameters.is_empty() {
            let params: Map<String, Value> = self
                .path_parameters
                .into_iter()
                .map(|(k, v)| (k, Value::from(v)))
                .collect();
            event["pathParameters"] = Value::Object(params);
        }
        if let Some(body) = self.body {
            event["body"] = Value::from(if self.base64 {
                base64::engine::general_purpose::STANDARD.encode(body)
            } else {
                String::from_utf8_lossy(&body).into_owned()
            });
        }
        event
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A schedule firing with the template's input: `{"schedule": name, "scheduled_at": at}`.
pub fn schedule_event(name: &str, scheduled_at: OffsetDateTime) -> Value {
    json!({"schedule": name, "scheduled_at": rfc3339(scheduled_at)})
}

/// A schedule firing in EventBridge Scheduler's own envelope (no custom input).
pub fn scheduler_envelope_event(name: &str, scheduled_at: OffsetDateTime) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": "123456789012",
        "time": rfc3339(scheduled_at),
        "region": "eu-west-1",
        "resources": [format!("arn:aws:scheduler:eu-west-1:123456789012:schedule/default/{name}")],
        "detail": "{}",
    })
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Why an invocation's answer is not an API Gateway payload 2.0 response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseShapeError {
    /// `statusCode` missing or not an HTTP status.
    #[error("`statusCode` is missing or not a status code between 100 and 599")]
    Status,
    /// `headers` is not an object of strings.
    #[error("`headers` is not an object of string values")]
    Headers,
    /// `body` is not a string.
    #[error("`body` is not a string")]
    Body,
    /// `isBase64Encoded` is true but the body does not decode.
    #[error("`isBase64Encoded` is true but `body` is not base64")]
    Base64,
}

/// An API Gateway HTTP API response, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    /// The status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body bytes (base64 decoded when it was encoded).
    pub body: Vec<u8>,
}

impl ApiResponse {
    /// Reads an invocation's answer as an API Gateway payload 2.0 response.
    pub fn from_value(value: &Value) -> Result<Self, ResponseShapeError> {
        let status = value
            .get("statusCode")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (100..=599).contains(s))
            .ok_or(ResponseShapeError::Status)?;
        let headers = match value.get("headers") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|v| (k.to_ascii_lowercase(), v.to_owned()))
                        .ok_or(ResponseShapeError::Headers)
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(ResponseShapeError::Headers),
        };
        let text = match value.get("body") {
            None | Some(Value::Null) => "",
            Some(Value::String(text)) => text.as_str(),
            Some(_) => return Err(ResponseShapeError::Body),
        };
        let body = if value.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| ResponseShapeError::Base64)?
        } else {
            text.as_bytes().to_vec()
        };
        Ok(Self {
            status,
            headers,
            body,
        })
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// gridlink's error body `{"error": {"code", "message"}}`, as `(code, message)`.
    pub fn error_detail(&self) -> Option<(String, String)> {
        let body = self.json()?;
        let error = body.get("error")?;
        Some((
            error.get("code")?.as_str()?.to_owned(),
            error.get("message")?.as_str()?.to_owned(),
        ))
    }

    /// The body as text, for failure messages.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use gridlink_lambda::{Invocation, manifest};

    use super::*;

    #[test]
    fn a_route_event_is_what_the_lambda_edge_reads_as_that_request() {
        let spec = manifest::function("shipment-delay").expect("in the manifest");
        let route = spec
            .routes
            .iter()
            .find(|r| r.path.ends_with("{item_id}/assign"))
            .expect("the assign route");
        let event = HttpApiRequest::for_route(route)
            .query("note", "a b&c")
            .base64_body(vec![0, 1, 2, 255])
            .into_event();
        assert_eq!(event["pathParameters"]["item_id"], "example-item_id");
        assert_eq!(
            event["routeKey"],
            "POST /shipment-delay/unmatched/{item_id}/assign"
        );

        let Ok(Invocation::Http(request)) = Invocation::from_event(event) else {
            panic!("an HTTP invocation");
        };
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.path,
            "/shipment-delay/unmatched/example-item_id/assign"
        );
        assert_eq!(request.query_param("note"), Some("a b&c"));
        assert_eq!(request.body, [0, 1, 2, 255]);
        assert_eq!(request.header("content-length"), Some("4"));
        assert!(spec.route_for(&request.method, &request.path).is_some());
    }

    #[test]
    fn both_schedule_shapes_name_the_schedule() {
        let at = OffsetDateTime::from_unix_timestamp(1_795_507_200).expect("a valid time");
        for event in [
            schedule_event("order-reconcile-poll-inbox", at),
            scheduler_envelope_event("order-reconcile-poll-inbox", at),
        ] {
            let Ok(Invocation::Schedule(firing)) = Invocation::from_event(event.clone()) else {
                panic!("a schedule firing: {event}");
            };
            assert_eq!(firing.schedule, "order-reconcile-poll-inbox");
            assert_eq!(firing.scheduled_at, Some(at));
        }
    }

    #[test]
    fn a_response_is_read_with_its_base64_body_and_a_malformed_one_is_refused() {
        let response = ApiResponse::from_value(&json!({
            "statusCode": 404, "headers": {"Content-Type": "application/json"},
            "body": "eyJlcnJvciI6eyJjb2RlIjoibm90X2ZvdW5kIiwibWVzc2FnZSI6Im5vIn19",
            "isBase64Encoded": true
        }))
        .expect("a valid response");
        assert_eq!(response.status, 404);
        assert_eq!(response.headers["content-type"], "application/json");
        assert_eq!(
            response.error_detail(),
            Some(("not_found".to_owned(), "no".to_owned()))
        );

        assert_eq!(
            ApiResponse::from_value(&json!({"statusCode": 42})),
            Err(ResponseShapeError::Status)
        );
        assert_eq!(
            ApiResponse::from_value(&json!({"statusCode": 200, "body": 7})),
            Err(ResponseShapeError::Body)
        );
        assert_eq!(
            ApiResponse::from_value(
                &json!({"statusCode": 200, "body": "%%", "isBase64Encoded": true})
            ),
            Err(ResponseShapeError::Base64)
        );
    }
}
