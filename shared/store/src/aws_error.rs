//! Which AWS SDK failures are worth retrying.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Error codes (S3 and DynamoDB) after which the same request may succeed.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "InternalError",
    "ServiceUnavailable",
    "RequestTimeout",
    "TransactionConflictException",
    "TransactionInProgressException",
];

/// Whether trying again may help: timeouts, connection failures, unreadable responses,
/// throttling and server errors.
pub(crate) fn is_transient<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(_) => error
            .code()
            .is_some_and(|code| TRANSIENT_CODES.contains(&code)),
        _ => false,
    }
}
