//! What a function is invoked with: an API Gateway HTTP API request (payload 2.0) or an
//! EventBridge Scheduler firing.
//!
//! # Format
//! HTTP: the API Gateway payload 2.0 (`version`, `routeKey`, `rawPath`, `headers`,
//! `requestContext.http.method`, `body`, `isBase64Encoded`, …).
//!
//! Schedules: the template gives every schedule an `Input` naming it, with the Scheduler's
//! context attribute for the planned time:
//! ```json
//! {"schedule": "shipment-delay-poll-inbox", "scheduled_at": "2026-11-24T08:00:00Z"}
//! ```
//! Scheduler's own envelope (`"source": "aws.scheduler"`, the schedule ARN in `resources`) is
//! accepted too, the name taken from the ARN.

use std::collections::BTreeMap;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Why an event could not be turned into an [`Invocation`].
#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    /// Neither an HTTP API request nor a schedule firing.
    #[error("the event is neither an API Gateway HTTP API (2.0) request nor a schedule firing")]
    Unrecognised,
    /// An HTTP API request that does not parse.
    #[error("malformed API Gateway request: {0}")]
    MalformedHttp(#[from] serde_json::Error),
    /// A base64 body that does not decode.
    #[error("the request body is marked base64 but does not decode")]
    BadBase64,
    /// A schedule firing without a name.
    #[error("the schedule firing names no schedule (set Input {{\"schedule\": …}})")]
    UnnamedSchedule,
}

/// One invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// An HTTP request through API Gateway (or the local runner).
    Http(HttpRequest),
    /// A schedule fired.
    Schedule(ScheduleFiring),
}

/// An HTTP request, with the gateway's details reduced to what handlers use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: String,
    /// The concrete path: `/shipment-delay/unmatched/um_1`.
    pub path: String,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// Headers with lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The raw body bytes (base64 already decoded).
    pub body: Vec<u8>,
    /// The gateway's request id, for logs.
    pub request_id: Option<String>,
    /// Who called, when API Gateway's IAM authoriser vouched for it: the caller's ARN
    /// (`requestContext.authorizer.iam.userArn`, else its `callerId`). `None` on a route
    /// without the authoriser, and on the local stack (which checks no identity).
    pub caller: Option<String>,
}

impl HttpRequest {
    /// A header by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The first query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON of type `T`; the error names the field that is wrong.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// A schedule firing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleFiring {
    /// The schedule's name from the manifest.
    pub schedule: String,
    /// When it was planned to fire, if the input says.
    pub scheduled_at: Option<OffsetDateTime>,
}

impl Invocation {
    /// Reads an invocation from the raw event JSON.
    pub fn from_event(event: Value) -> Result<Self, InvocationError> {
        if event.get("requestContext").is_some() || event.get("routeKey").is_some() {
            return http_from_event(event).map(Self::Http);
        }
        let scheduled_at = event
            .get("scheduled_at")
            .or_else(|| event.get("time"))
            .and_then(Value::as_str)
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        if let Some(name) = event.get("schedule").and_then(Value::as_str) {
            return Ok(Self::Schedule(ScheduleFiring {
                schedule: name.to_owned(),
                scheduled_at,
            }));
        }
        if event.get("source").and_then(Value::as_str) == Some("aws.scheduler") {
            let name = event
                .get("resources")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(Value::as_str)
                .and_then(|arn| arn.rsplit('/').next())
                .ok_or(InvocationError::UnnamedSchedule)?;
            return Ok(Self::Schedule(ScheduleFiring {
                schedule: name.to_owned(),
                scheduled_at,
            }));
        }
        Err(InvocationError::Unrecognised)
    }
}

fn http_from_event(event: Value) -> Result<HttpRequest, InvocationError> {
    let request: ApiGatewayV2httpRequest = serde_json::from_value(event)?;
    let body = match request.body {
        None => Vec::new(),
        Some(text) if request.is_base64_encoded => base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|_| InvocationError::BadBase64)?,
        Some(text) => text.into_bytes(),
    };
    let headers = request
        .headers
        .iter()
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|v| (name.as_str().to_ascii_lowercase(), v.to_owned()))
        })
        .collect();
    let caller = caller(&request.request_context);
    let query = request
        .raw_query_string
        .as_deref()
        .filter(|q| !q.is_empty())
        .map(parse_query)
        .unwrap_or_default();
    Ok(HttpRequest {
        method: request.request_context.http.method.as_str().to_owned(),
        path: request
            .raw_path
            .or(request.request_context.http.path)
            .unwrap_or_else(|| "/".to_owned()),
        query,
        headers,
        body,
        caller,
        request_id: request.request_context.request_id,
    })
}

/// The IAM identity API Gateway's authoriser put on the request, if any.
fn caller(context: &aws_lambda_events::apigw::ApiGatewayV2httpRequestContext) -> Option<String> {
    let iam = context.authorizer.as_ref()?.iam.as_ref()?;
    iam.user_arn
        .clone()
        .or_else(|| iam.caller_id.clone())
        .filter(|who| !who.is_empty())
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// A path segment as sent (`po%3A4711`, `INV%2F1`) decoded (`po:4711`, `INV/1`); unlike a
/// query value, `+` stays `+`.
pub fn percent_decode_path(segment: &str) -> String {
    percent_decode(&segment.replace('+', "%2B"))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (other, None) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn http_event(body: Option<&str>, base64: bool) -> Value {
        json!({
            "version": "2.0",
            "routeKey": "POST /shipment-delay/unmatched/{item_id}/assign",
            "rawPath": "/shipment-delay/unmatched/um_7/assign",
            "rawQueryString": "dry_run=true&note=a%20b",
            "headers": {"Content-Type": "application/json", "tg-event-id": "evt_1"},
            "requestContext": {
                "http": {"method": "POST", "path": "/shipment-delay/unmatched/um_7/assign",
                         "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
                "requestId": "req-1", "routeKey": "POST /shipment-delay/unmatched/{item_id}/assign",
                "stage": "$default", "timeEpoch": 0
            },
            "body": body,
            "isBase64Encoded": base64
        })
    }

    #[test]
    fn an_http_api_event_becomes_an_http_invocation() {
        let Invocation::Http(req) =
            Invocation::from_event(http_event(Some(r#"{"workspace_id":1}"#), false))
                .expect("parses")
        else {
            panic!("expected HTTP");
        };
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/shipment-delay/unmatched/um_7/assign");
        assert_eq!(req.header("TG-Event-Id"), Some("evt_1"));
        assert_eq!(req.query_param("note"), Some("a b"));
        assert_eq!(req.body, br#"{"workspace_id":1}"#);
        assert_eq!(req.request_id.as_deref(), Some("req-1"));
        assert_eq!(req.caller, None, "no authoriser, no caller");
    }

    #[test]
    fn the_iam_authorisers_caller_is_kept() {
        let mut event = http_event(None, false);
        event["requestContext"]["authorizer"] = json!({"iam": {
            "accessKey": "ASIA0000", "accountId": "123456789012", "callerId": "AROA0000:ops-anna",
            "userArn": "arn:aws:sts::123456789012:assumed-role/gridlink-operator/ops-anna",
            "userId": "AROA0000:ops-anna"
        }});
        let Invocation::Http(req) = Invocation::from_event(event.clone()).expect("parses") else {
            panic!("expected HTTP");
        };
        assert_eq!(
            req.caller.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/gridlink-operator/ops-anna")
        );
        event["requestContext"]["authorizer"]["iam"]
            .as_object_mut()
            .expect("iam")
            .remove("userArn");
        let Invocation::Http(req) = Invocation::from_event(event).expect("parses") else {
            panic!("expected HTTP");
        };
        assert_eq!(req.caller.as_deref(), Some("AROA0000:ops-anna"));
    }

    #[test]
    fn a_base64_body_is_decoded_to_its_raw_bytes() {
        let Invocation::Http(req) =
            Invocation::from_event(http_event(Some("AAEC/w=="), true)).expect("parses")
        else {
            panic!("expected HTTP");
        };
        assert_eq!(req.body, [0u8, 1, 2, 255]);
        assert!(matches!(
            Invocation::from_event(http_event(Some("%%%"), true)),
            Err(InvocationError::BadBase64)
        ));
    }

    #[test]
    fn schedule_input_and_the_scheduler_envelope_both_name_the_schedule() {
        let named = json!({"schedule": "order-reconcile-poll-inbox", "scheduled_at": "2026-11-24T08:00:00Z"});
        let Invocation::Schedule(f) = Invocation::from_event(named).expect("parses") else {
            panic!("expected schedule");
        };
        assert_eq!(f.schedule, "order-reconcile-poll-inbox");
        assert_eq!(
            f.scheduled_at.map(OffsetDateTime::unix_timestamp),
            Some(1_795_507_200)
        );

        let envelope = json!({
            "source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": "{}",
            "time": "2026-11-24T08:00:00Z",
            "resources": ["arn:aws:scheduler:eu-west-1:123456789012:schedule/default/order-reconcile-poll-inbox"]
        });
        let Invocation::Schedule(f) = Invocation::from_event(envelope).expect("parses") else {
            panic!("expected schedule");
        };
        assert_eq!(f.schedule, "order-reconcile-poll-inbox");
    }

    #[test]
    fn anything_else_is_unrecognised() {
        assert!(matches!(
            Invocation::from_event(json!({"hello": 1})),
            Err(InvocationError::Unrecognised)
        ));
    }
}
