//! What a function answers: an HTTP response (through API Gateway) or a schedule outcome.

use std::time::Duration;

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use base64::Engine as _;
use gridlink_core::error::{Classify, ErrorBody, ErrorKind};
use http::{HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;

/// An HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A JSON response.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body,
        }
    }

    /// An error response with gridlink's error body.
    pub fn error(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::json(kind.http_status(), &ErrorBody::new(kind, message))
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The API Gateway payload 2.0 response; bodies that are not UTF-8 go base64-encoded.
    pub fn into_apigw(self) -> ApiGatewayV2httpResponse {
        let mut response = ApiGatewayV2httpResponse::default();
        response.status_code = i64::from(self.status);
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                response.headers.append(n, v);
            }
        }
        match String::from_utf8(self.body) {
            Ok(text) if text.is_empty() => {}
            Ok(text) => response.body = Some(Body::Text(text)),
            Err(e) => {
                response.body = Some(Body::Text(
                    base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
                ));
                response.is_base64_encoded = true;
            }
        }
        response
    }
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// For an HTTP invocation.
    Http(HttpResponse),
    /// For a schedule firing: a summary of what it did (logged and returned to Lambda).
    Scheduled(Value),
}

/// A failed invocation, classified once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FunctionError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Human text naming what was wrong (never secrets, never whole payloads).
    pub message: String,
    /// For transient failures: when the caller may try again.
    pub retry_after: Option<Duration>,
}

impl FunctionError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// From any classified error.
    pub fn from_error<E: Classify + std::fmt::Display>(error: &E) -> Self {
        Self::new(error.kind(), error.to_string())
    }

    /// Asks the caller to come back after `after`.
    #[must_use]
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// The HTTP response for this error (503s carry `Retry-After`).
    pub fn into_http(self) -> HttpResponse {
        let retry_after = self.retry_after.or_else(|| {
            matches!(
                self.kind,
                ErrorKind::Unavailable | ErrorKind::Held | ErrorKind::RateLimited
            )
            .then(|| Duration::from_secs(30))
        });
        let response = HttpResponse::error(self.kind, self.message);
        match retry_after {
            Some(after) => response.with_header("retry-after", after.as_secs().max(1).to_string()),
            None => response,
        }
    }
}

impl<E: Classify + std::fmt::Display> From<&E> for FunctionError {
    fn from(error: &E) -> Self {
        Self::from_error(error)
    }
}
