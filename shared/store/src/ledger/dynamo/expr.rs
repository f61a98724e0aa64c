//! Expression attribute names and values, and SDK errors as ledger errors.

use std::collections::HashMap;
use std::fmt::Debug;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::ledger::LedgerError;

/// Collects `#name` and `:value` placeholders for one request.
#[derive(Debug, Default)]
pub(super) struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    /// `#attribute`, registered.
    pub(super) fn name(&mut self, attribute: &str) -> String {
        let placeholder = format!("#{attribute}");
        self.names.insert(placeholder.clone(), attribute.to_owned());
        placeholder
    }

    /// `:placeholder` bound to `value`.
    pub(super) fn value(&mut self, placeholder: &str, value: AttributeValue) -> String {
        let placeholder = format!(":{placeholder}");
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// The names, or `None` when there are none (DynamoDB refuses empty maps).
    pub(super) fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    /// The values, or `None` when there are none.
    pub(super) fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// An SDK failure as a backend error, transient for timeouts, connection failures,
/// throttling and server errors.
pub(super) fn backend<E, R>(operation: &'static str, error: SdkError<E, R>) -> LedgerError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug + Send + Sync + 'static,
{
    let transient = crate::aws_error::is_transient(&error);
    tracing::warn!(
        operation,
        transient,
        code = error.code().unwrap_or("-"),
        "dynamodb request failed"
    );
    LedgerError::Backend {
        operation,
        transient,
        source: Box::new(error),
    }
}

/// A request that could not be built (a bug in this adapter, not bad input).
pub(super) fn build_error(
    operation: &'static str,
    error: aws_smithy_types::error::operation::BuildError,
) -> LedgerError {
    LedgerError::Backend {
        operation,
        transient: false,
        source: Box::new(error),
    }
}
