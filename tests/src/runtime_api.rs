//! A Lambda Runtime API (2018-06-01) on loopback, for running the real function binaries.
//!
//! On Lambda, a function's bootstrap binary long-polls `GET /runtime/invocation/next` on the
//! address in `AWS_LAMBDA_RUNTIME_API` and posts each answer back. [`RuntimeApi`] plays
//! Lambda's side of that conversation inside a test, so a test can start the very binary that
//! gets deployed, hand it events, and read what it answers — including the invocation errors
//! that only exist at this level (a schedule that fails, an event nobody recognises).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use gridlink_tests::runtime_api::{ApiResponse, HttpApiRequest, Outcome, RuntimeApi};
//!
//! // In a function crate's tests/: env!("CARGO_BIN_EXE_case-collab").
//! let bin = "target/debug/case-collab";
//! let rt = RuntimeApi::start().await?;
//! let _function = rt.spawn_function(bin, &[])?;
//! let event = HttpApiRequest::get("/case-collab/health").into_event();
//! let Outcome::Response(response) = rt.invoke(&event, Duration::from_secs(10)).await? else {
//!     panic!("the health route answers");
//! };
//! assert_eq!(ApiResponse::from_value(&response)?.status, 200);
//! # Ok(()) }
//! ```
//!
//! ## Layout
//! - [`emulator`]: [`RuntimeApi`], the Runtime API server, and [`RuntimeApi::invoke`] with its
//!   [`Outcome`]s and [`InvokeError`]s.
//! - [`process`]: [`FunctionProcess`], a function binary started against the emulator, its
//!   captured output, killed when dropped.
//! - [`events`]: realistic API Gateway HTTP API (payload 2.0) and Scheduler events, and
//!   [`ApiResponse`] to read what an HTTP invocation answered.
//! - [`deployable`]: [`check_deployable_function`], the one check every function crate runs
//!   against its own binary, driven by the manifest.
//! - [`configured`]: [`check_configured_function`] — the same check for an implemented
//!   function, configured against both simulators — and
//!   [`check_missing_configuration_is_named`].
//! - [`secrets_by_arn`]: [`check_secrets_by_arn_are_read_at_the_first_invocation`], a function
//!   whose secrets are given by ARN starts without AWS and reads them at its first invocation.

pub mod configured;
pub mod deployable;
pub mod emulator;
pub mod events;
pub mod process;
pub mod secrets_by_arn;

pub use configured::{
    REQUIRED_PLATFORM_KEYS, check_configured_function, check_missing_configuration_is_named,
};
pub use deployable::{
    DeployReport, check_deployable_function, check_deployable_function_with_env,
    check_startup_failure_is_reported,
};
pub use emulator::{InvokeError, Outcome, ReportCounts, RuntimeApi};
pub use events::{
    ApiResponse, HttpApiRequest, ResponseShapeError, schedule_event, scheduler_envelope_event,
};
pub use process::{FunctionProcess, SpawnError};
pub use secrets_by_arn::check_secrets_by_arn_are_read_at_the_first_invocation;

#[cfg(test)]
mod emulator_tests;
