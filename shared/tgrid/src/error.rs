//! What can go wrong talking to Trading Grid.

use std::time::Duration;

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_core::retry::{RetryDecision, Retryable};

/// An error from the Trading Grid client.
#[derive(Debug, thiserror::Error)]
pub enum TgError {
    /// Trading Grid answered with an error status.
    #[error("trading grid answered {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The contract's snake_case code (`conflict`, `invalid_token`, …).
        code: String,
        /// Human text from Trading Grid.
        message: String,
        /// Structured details, if any.
        details: Option<serde_json::Value>,
        /// The `Retry-After` delay on 429/503, if sent.
        retry_after: Option<Duration>,
    },
    /// The request did not complete (connect, timeout, broken body).
    #[error("trading grid request for {what} failed in transport")]
    Transport {
        /// The operation.
        what: &'static str,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// Trading Grid answered 2xx but the body was not what the contract promises.
    #[error("trading grid answer for {what} could not be read")]
    Decode {
        /// The operation.
        what: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Reading the local content to upload failed.
    #[error("reading the content to upload for {what} failed")]
    Source {
        /// The operation.
        what: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The caller passed something the contract does not allow; nothing was sent.
    #[error("invalid input for {what}: {reason}")]
    InvalidInput {
        /// The operation.
        what: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// This Trading Grid interface does not offer the operation (e.g. collaboration over an
    /// AS2 mailbox).
    #[error("this trading grid interface does not support {operation}")]
    Unsupported {
        /// The operation.
        operation: &'static str,
    },
    /// A write refused inside a dry run (`gridlink_core::dry_run`): nothing was sent.
    #[error("{0}")]
    DryRun(gridlink_core::dry_run::Refusal),
}

impl TgError {
    /// The HTTP status, for errors Trading Grid answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The contract's error code, for errors Trading Grid answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether this is the given contract error code.
    pub fn is(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
}

impl Retryable for TgError {
    fn retry_decision(&self) -> RetryDecision {
        match self {
            Self::Api {
                status,
                retry_after,
                ..
            } => match (*status, retry_after) {
                (429 | 503, Some(after)) => RetryDecision::RetryAfter(*after),
                (429 | 500..=599, _) => RetryDecision::Retry,
                _ => RetryDecision::Fatal,
            },
            Self::Transport { source, .. } => {
                if source.is_builder() || source.is_redirect() {
                    RetryDecision::Fatal
                } else {
                    RetryDecision::Retry
                }
            }
            Self::Decode { .. }
            | Self::Source { .. }
            | Self::InvalidInput { .. }
            | Self::Unsupported { .. }
            | Self::DryRun(_) => RetryDecision::Fatal,
        }
    }
}

impl Classify for TgError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Api { status, .. } => match status {
                400 => ErrorKind::BadRequest,
                401 => ErrorKind::Unauthorized,
                403 => ErrorKind::Forbidden,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                413 => ErrorKind::PayloadTooLarge,
                422 => ErrorKind::Unprocessable,
                429 => ErrorKind::RateLimited,
                503 => ErrorKind::Unavailable,
                _ if *status >= 500 => ErrorKind::Internal,
                _ => ErrorKind::BadRequest,
            },
            Self::Transport { .. } => ErrorKind::Unavailable,
            Self::Decode { .. } | Self::Source { .. } => ErrorKind::Internal,
            Self::InvalidInput { .. } => ErrorKind::BadRequest,
            Self::Unsupported { .. } => ErrorKind::Unprocessable,
            Self::DryRun(_) => ErrorKind::Forbidden,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, retry_after: Option<Duration>) -> TgError {
        TgError::Api {
            status,
            code: "x".into(),
            message: String::new(),
            details: None,
            retry_after,
        }
    }

    #[test]
    fn client_errors_are_never_retried() {
        for status in [400, 401, 403, 404, 409, 413, 422] {
            assert_eq!(
                api(status, None).retry_decision(),
                RetryDecision::Fatal,
                "{status}"
            );
        }
    }

    #[test]
    fn throttling_and_outages_are_retried_honouring_retry_after() {
        let after = Duration::from_secs(2);
        assert_eq!(
            api(429, Some(after)).retry_decision(),
            RetryDecision::RetryAfter(after)
        );
        assert_eq!(
            api(503, Some(after)).retry_decision(),
            RetryDecision::RetryAfter(after)
        );
        assert_eq!(api(429, None).retry_decision(), RetryDecision::Retry);
        assert_eq!(api(500, None).retry_decision(), RetryDecision::Retry);
        assert_eq!(api(503, None).kind(), ErrorKind::Unavailable);
    }
}
