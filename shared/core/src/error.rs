//! Error kinds every gridlink crate maps its errors onto.
//!
//! Each crate keeps its own error enum (thiserror) and implements [`Classify`] once. Entry points
//! (HTTP routes, Lambda handlers) turn a [`ErrorKind`] into an HTTP status or a Lambda error type
//! in exactly one place, so the mapping is stable across functions.

use serde::Serialize;

/// What kind of failure an error is, independent of which system produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input is malformed or names something invalid.
    BadRequest,
    /// Credentials or a signature are missing or wrong.
    Unauthorized,
    /// The caller may not do this (e.g. a partner acting on another partner's item).
    Forbidden,
    /// The thing named does not exist.
    NotFound,
    /// The request clashes with the current state (a lost compare-and-set, a reused key).
    Conflict,
    /// The body is larger than allowed.
    PayloadTooLarge,
    /// The input is well-formed but cannot be processed (business rule).
    Unprocessable,
    /// A downstream system asked us to slow down.
    RateLimited,
    /// A downstream system, or this function, is temporarily unavailable.
    Unavailable,
    /// Another worker holds this work's claim (an effect's lease): it is being done elsewhere,
    /// or waits for a crashed worker's lease to end. Not a failure of the work itself — the
    /// inbox keeps such an item pending without counting the attempt against it.
    Held,
    /// A bug or an unexpected failure.
    Internal,
    /// The route or schedule exists in the manifest but its use case is not built yet.
    NotImplemented,
}

impl ErrorKind {
    /// The HTTP status an API route answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::Unprocessable => 422,
            Self::RateLimited => 429,
            Self::Unavailable | Self::Held => 503,
            Self::Internal => 500,
            Self::NotImplemented => 501,
        }
    }

    /// A stable snake_case code for JSON error bodies.
    pub fn code(self) -> &'static str {
        match self {
            Self::BadRequest => "invalid_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Unprocessable => "unprocessable",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Held => "held",
            Self::Internal => "internal",
            Self::NotImplemented => "not_implemented",
        }
    }

    /// Whether trying the same thing again later may succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::Unavailable | Self::Held | Self::Internal
        )
    }

    /// The `errorType` reported to the Lambda runtime: `Retryable` or `NonRetryable`.
    ///
    /// Scheduler and async invocations are retried by AWS; a non-retryable error should not be.
    pub fn lambda_error_type(self) -> &'static str {
        if self.is_transient() {
            "Retryable"
        } else {
            "NonRetryable"
        }
    }
}

/// Implemented by every crate error so entry points can map it without knowing the crate.
pub trait Classify {
    /// The kind of this error.
    fn kind(&self) -> ErrorKind;
}

/// The JSON body gridlink routes answer errors with.
///
/// # Format
/// ```json
/// {"error": {"code": "invalid_request", "message": "field `po_number` is missing"}}
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    /// The error object.
    pub error: ErrorDetail,
}

/// The inner part of [`ErrorBody`].
#[derive(Debug, Clone, Serialize)]
pub struct ErrorDetail {
    /// [`ErrorKind::code`].
    pub code: &'static str,
    /// Human-readable text naming what was wrong.
    pub message: String,
}

impl ErrorBody {
    /// Builds the body for an error of `kind` with the given message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: kind.code(),
                message: message.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_kinds_are_retryable_for_lambda_and_others_are_not() {
        assert_eq!(ErrorKind::Unavailable.lambda_error_type(), "Retryable");
        assert_eq!(ErrorKind::RateLimited.lambda_error_type(), "Retryable");
        assert_eq!(ErrorKind::BadRequest.lambda_error_type(), "NonRetryable");
        assert_eq!(ErrorKind::Conflict.lambda_error_type(), "NonRetryable");
    }

    #[test]
    fn error_body_serialises_with_code_and_message() {
        let body = ErrorBody::new(ErrorKind::Unprocessable, "no partnership");
        let json = serde_json::to_string(&body).expect("serialises");
        assert_eq!(
            json,
            r#"{"error":{"code":"unprocessable","message":"no partnership"}}"#
        );
    }
}
