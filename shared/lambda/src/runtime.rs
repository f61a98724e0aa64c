//! The Lambda loop and the one dispatch path both Lambda and the local runner use.

use std::future::Future;
use std::pin::Pin;

use gridlink_core::error::ErrorKind;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use tracing::Instrument;

use crate::invocation::{Invocation, InvocationError};
use crate::manifest::FunctionSpec;
use crate::response::{FunctionError, HttpResponse, Reply};

/// A boxed future, so handlers can live behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A gridlink function: its manifest entry and its handler.
pub trait Handler: Send + Sync + 'static {
    /// The manifest entry.
    fn spec(&self) -> &'static FunctionSpec;

    /// Handles one invocation. HTTP errors become HTTP responses; schedule errors become
    /// Lambda invocation errors.
    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>>;
}

/// An invocation error as the Lambda Runtime API reports it. The Lambda runtime logs it once
/// (with its `Debug` form, which reads as one line: `Retryable: what went wrong`); gridlink
/// does not log it again.
#[derive(Clone, PartialEq, Eq)]
pub struct InvocationFailure {
    /// `Retryable`, `NonRetryable` or `UnrecognisedEvent`.
    pub error_type: String,
    /// What went wrong.
    pub error_message: String,
}

impl std::fmt::Debug for InvocationFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.error_message)
    }
}

impl From<InvocationFailure> for Diagnostic {
    fn from(failure: InvocationFailure) -> Self {
        Diagnostic {
            error_type: failure.error_type,
            error_message: failure.error_message,
        }
    }
}

/// Dispatches one raw event to `handler` and shapes the answer: an API Gateway response for
/// HTTP (errors included, with their status), the outcome JSON for schedules, or an
/// invocation failure.
pub async fn dispatch<H: Handler + ?Sized>(
    handler: &H,
    event: Value,
) -> Result<Value, InvocationFailure> {
    let spec = handler.spec();
    let invocation = Invocation::from_event(event).map_err(|e| InvocationFailure {
        error_type: match e {
            InvocationError::Unrecognised => "UnrecognisedEvent".to_owned(),
            _ => ErrorKind::BadRequest.lambda_error_type().to_owned(),
        },
        error_message: e.to_string(),
    })?;
    let is_http = matches!(invocation, Invocation::Http(_));
    let result = handler.handle(invocation).await;
    match (result, is_http) {
        (Ok(Reply::Http(response)), _) => Ok(http_json(response)),
        (Ok(Reply::Scheduled(outcome)), _) => Ok(outcome),
        (Err(error), true) => {
            if error.kind == ErrorKind::Internal {
                tracing::error!(function = spec.name, error = %error, "request failed");
            } else {
                tracing::warn!(function = spec.name, kind = ?error.kind, error = %error, "request refused");
            }
            Ok(http_json(error.into_http()))
        }
        (Err(error), false) => {
            // Logged once, by whoever runs the invocation: the Lambda runtime, or the local
            // runner's scheduler.
            Err(InvocationFailure {
                error_type: error.kind.lambda_error_type().to_owned(),
                error_message: error.message,
            })
        }
    }
}

fn http_json(response: HttpResponse) -> Value {
    serde_json::to_value(response.into_apigw()).unwrap_or(Value::Null)
}

/// Runs the Lambda Runtime API loop for `handler` until the process ends. Every log line of
/// an invocation carries its Lambda request id (`request_id`) and the function's name.
pub async fn run<H: Handler>(handler: H) -> Result<(), lambda_runtime::Error> {
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let span = tracing::info_span!(
            "invocation",
            function = handler.spec().name,
            request_id = %event.context.request_id
        );
        async move { dispatch(handler, event.payload).await }.instrument(span)
    }))
    .await
}
