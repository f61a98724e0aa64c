//! What can go wrong with blobs.

use std::io;

/// A boxed error from a backend (an SDK or the operating system).
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The key is not a valid [`BlobKey`](super::BlobKey).
    #[error("invalid blob key {key:?}: {reason}")]
    InvalidKey {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A user metadata name or value cannot be stored.
    #[error("invalid blob metadata {name:?}: {reason}")]
    InvalidMetadata {
        /// The metadata name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A byte range whose end is not after its start.
    #[error("invalid byte range {start}..{end}: the end must be after the start")]
    InvalidRange {
        /// First byte asked for.
        start: u64,
        /// One past the last byte asked for.
        end: u64,
    },
    /// The range starts at or beyond the end of the blob.
    #[error("range starting at byte {start} is outside blob {key:?} of {size} bytes")]
    RangeNotSatisfiable {
        /// The blob.
        key: String,
        /// First byte asked for.
        start: u64,
        /// Size of the blob.
        size: u64,
    },
    /// No blob has this key.
    #[error("no blob {key:?}")]
    NotFound {
        /// The key asked for.
        key: String,
    },
    /// The content read does not hash to the SHA-256 stored when it was written.
    #[error(
        "blob {key:?} is corrupt: stored sha256 {expected_sha256}, content hashes to {actual_sha256}"
    )]
    Corrupt {
        /// The blob.
        key: String,
        /// SHA-256 (hex) recorded at write time.
        expected_sha256: String,
        /// SHA-256 (hex) of what was read.
        actual_sha256: String,
    },
    /// The stored metadata of a blob cannot be read (damaged file, foreign object).
    #[error("metadata of blob {key:?} is unreadable: {reason}")]
    CorruptMetadata {
        /// The blob.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The body stream handed to `put` failed; nothing was stored.
    #[error("the body stream of blob {key:?} failed: {source}")]
    Body {
        /// The blob being written.
        key: String,
        /// The stream's error.
        #[source]
        source: io::Error,
    },
    /// The backend failed. `transient` says whether trying again may help.
    #[error("blob backend failed during {operation} ({}): {source}", if *.transient { "transient" } else { "permanent" })]
    Backend {
        /// What was being done (`"put"`, `"get"`, ...).
        operation: &'static str,
        /// Whether a retry may succeed (timeouts, throttling, 5xx).
        transient: bool,
        /// The backend's error.
        #[source]
        source: BackendError,
    },
    /// A write refused inside a dry run (`gridlink_core::dry_run`): nothing was written.
    #[error("{0}")]
    DryRun(gridlink_core::dry_run::Refusal),
}

impl StoreError {
    /// Whether trying the same operation again may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Backend { transient, .. } => *transient,
            Self::Body { .. } => true,
            _ => false,
        }
    }

    /// A local-filesystem failure during `operation`.
    pub(crate) fn io(operation: &'static str, source: io::Error) -> Self {
        let transient = matches!(
            source.kind(),
            io::ErrorKind::Interrupted | io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        );
        Self::Backend {
            operation,
            transient,
            source: Box::new(source),
        }
    }

    /// Wraps this error for a body stream, which carries `io::Error`s.
    /// [`StoreError::from_stream_error`] unwraps it again.
    pub fn into_stream_error(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// Turns an error read from a blob body stream back into a [`StoreError`]:
    /// the one the adapter put there (e.g. [`StoreError::Corrupt`]) or a transient backend error.
    pub fn from_stream_error(error: io::Error) -> Self {
        if error
            .get_ref()
            .is_some_and(<dyn std::error::Error + Send + Sync>::is::<StoreError>)
        {
            let inner = error
                .into_inner()
                .expect("invariant: checked that an inner error exists");
            return *inner
                .downcast::<StoreError>()
                .expect("invariant: checked that it is a StoreError");
        }
        Self::Backend {
            operation: "get",
            transient: true,
            source: Box::new(error),
        }
    }
}

impl gridlink_core::error::Classify for StoreError {
    fn kind(&self) -> gridlink_core::error::ErrorKind {
        use gridlink_core::error::ErrorKind;
        match self {
            Self::InvalidKey { .. }
            | Self::InvalidMetadata { .. }
            | Self::InvalidRange { .. }
            | Self::RangeNotSatisfiable { .. } => ErrorKind::BadRequest,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Corrupt { .. } | Self::CorruptMetadata { .. } => ErrorKind::Internal,
            Self::Body { .. } => ErrorKind::Unavailable,
            Self::Backend { transient, .. } => {
                if *transient {
                    ErrorKind::Unavailable
                } else {
                    ErrorKind::Internal
                }
            }
            Self::DryRun(_) => ErrorKind::Forbidden,
        }
    }
}

impl gridlink_core::retry::Retryable for StoreError {
    /// Transient backend failures are retried; a failed body stream only by a caller that
    /// can open the body again (the decision says `Retry`, the caller's closure re-opens it).
    fn retry_decision(&self) -> gridlink_core::retry::RetryDecision {
        use gridlink_core::retry::RetryDecision;
        if self.is_transient() {
            RetryDecision::Retry
        } else {
            RetryDecision::Fatal
        }
    }
}

#[cfg(test)]
mod tests {
    use gridlink_core::error::{Classify, ErrorKind};
    use gridlink_core::retry::{RetryDecision, Retryable};

    use super::*;

    #[test]
    fn bad_keys_are_bad_requests_and_outages_are_retried() {
        let bad = StoreError::InvalidKey {
            key: "../x".to_owned(),
            reason: "no",
        };
        assert_eq!(
            (bad.kind(), bad.retry_decision()),
            (ErrorKind::BadRequest, RetryDecision::Fatal)
        );
        let outage = StoreError::Backend {
            operation: "get",
            transient: true,
            source: "timeout".into(),
        };
        assert_eq!(
            (outage.kind(), outage.retry_decision()),
            (ErrorKind::Unavailable, RetryDecision::Retry)
        );
        let corrupt = StoreError::Corrupt {
            key: "k".to_owned(),
            expected_sha256: "a".to_owned(),
            actual_sha256: "b".to_owned(),
        };
        assert_eq!(
            (corrupt.kind(), corrupt.retry_decision()),
            (ErrorKind::Internal, RetryDecision::Fatal)
        );
    }

    #[test]
    fn an_error_carried_through_a_body_stream_comes_back_out_unchanged() {
        let carried = StoreError::NotFound {
            key: "k".to_owned(),
        }
        .into_stream_error();
        assert!(matches!(
            StoreError::from_stream_error(carried),
            StoreError::NotFound { .. }
        ));
        let foreign =
            StoreError::from_stream_error(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
        assert!(matches!(
            foreign,
            StoreError::Backend {
                transient: true,
                ..
            }
        ));
    }
}
