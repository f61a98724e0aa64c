//! What can go wrong talking to Content Server, and whether trying again may help.

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_core::retry::{RetryDecision, Retryable};

/// An xECM client error.
#[derive(Debug, thiserror::Error)]
pub enum XecmError {
    /// The server answered with an error status and (usually) `{"error": …, "errorDetail": …}`.
    #[error("xECM answered {status} to {what}: {error}{}", error_detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Api {
        /// The call.
        what: &'static str,
        /// HTTP status.
        status: u16,
        /// The server's `error` text.
        error: String,
        /// The server's `errorDetail`, when given.
        error_detail: Option<String>,
    },
    /// Logging in failed, or a fresh login was refused again.
    #[error("xECM login failed: {0}")]
    Auth(String),
    /// The connection failed, timed out or was dropped.
    #[error("xECM call {what} failed in transit: {source}")]
    Transport {
        /// The call.
        what: &'static str,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// A 2xx answer that is not the JSON expected (a maintenance page, a proxy error, a
    /// changed shape).
    #[error("xECM sent an unreadable answer to {what} (status {status}): {body_snippet}")]
    Decode {
        /// The call.
        what: &'static str,
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body_snippet: String,
    },
    /// The content to upload could not be read.
    #[error("the content for {what} could not be read: {source}")]
    Source {
        /// The call.
        what: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The caller asked for something that cannot be sent (unknown attribute name, bad path).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Something the caller named does not exist (workspace type, category on a node).
    #[error("not found: {0}")]
    NotFound(String),
    /// The configuration is unusable.
    #[error("invalid xECM configuration: {0}")]
    Config(String),
    /// A write refused inside a dry run (`gridlink_core::dry_run`): nothing was sent.
    #[error("{0}")]
    DryRun(gridlink_core::dry_run::Refusal),
}

/// Content Server's text for a node that is missing or not permitted (answered with 400).
const NOT_ACCESSIBLE: &str = "could not be accessed";

impl XecmError {
    /// Whether the server said the item already exists (Content Server reports conflicts as
    /// 500 with "already exists").
    pub fn is_already_exists(&self) -> bool {
        matches!(self, XecmError::Api { error, .. } if error.contains("already exists"))
    }

    /// Whether the server refused to apply a category because it is on the node already
    /// (Content Server's 400 "Category '…' (9400) is already applied to this item").
    pub fn is_category_already_applied(&self) -> bool {
        matches!(self, XecmError::Api { status: 400, error, .. } if error.contains("already applied"))
    }

    /// Whether the server said the node does not exist or may not be seen.
    pub fn is_not_accessible(&self) -> bool {
        matches!(self, XecmError::Api { status: 400 | 404, error, .. } if error.contains(NOT_ACCESSIBLE))
    }

    /// Whether a read of a node's category failed because the category is not on the node
    /// (or the node is gone): callers read that as "no values", not as an outage.
    pub fn is_category_absent(&self) -> bool {
        matches!(self.kind(), ErrorKind::BadRequest | ErrorKind::NotFound)
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            XecmError::Api { status, .. } | XecmError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl Retryable for XecmError {
    fn retry_decision(&self) -> RetryDecision {
        match self {
            XecmError::Api { status, .. } if *status >= 500 && !self.is_already_exists() => {
                RetryDecision::Retry
            }
            XecmError::Transport { .. } | XecmError::Decode { .. } => RetryDecision::Retry,
            XecmError::Source { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                RetryDecision::Retry
            }
            _ => RetryDecision::Fatal,
        }
    }
}

impl Classify for XecmError {
    fn kind(&self) -> ErrorKind {
        match self {
            XecmError::Api { .. } if self.is_already_exists() => ErrorKind::Conflict,
            XecmError::Api { .. } if self.is_not_accessible() => ErrorKind::NotFound,
            XecmError::Api { status: 401, .. } | XecmError::Auth(_) => ErrorKind::Unauthorized,
            XecmError::Api { status: 403, .. } | XecmError::DryRun(_) => ErrorKind::Forbidden,
            XecmError::Api { status: 404, .. } | XecmError::NotFound(_) => ErrorKind::NotFound,
            XecmError::Api { status: 429, .. } => ErrorKind::RateLimited,
            XecmError::Api { status, .. } if *status >= 500 => ErrorKind::Unavailable,
            XecmError::Api { .. } | XecmError::Invalid(_) => ErrorKind::BadRequest,
            XecmError::Transport { .. } | XecmError::Decode { .. } | XecmError::Source { .. } => {
                ErrorKind::Unavailable
            }
            XecmError::Config(_) => ErrorKind::Internal,
        }
    }
}
