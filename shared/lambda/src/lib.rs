//! # gridlink-lambda
//!
//! The edge every gridlink function shares with AWS Lambda and with the local runner.
//!
//! ## Layout
//! - [`manifest`]: per function, its HTTP routes and schedules: the one source of truth that
//!   `infra/template.yaml` and the local runner agree with.
//! - [`invocation`]: the raw event → [`Invocation`] (HTTP API payload 2.0, or a schedule firing).
//! - [`response`]: [`Reply`], [`HttpResponse`], [`FunctionError`] and their mapping to API
//!   Gateway responses (status, `Retry-After`) in one place.
//! - [`not_implemented`]: the honest `501` of a use case not built yet.
//! - [`runtime`]: the [`Handler`] trait, [`dispatch`] (the one path from raw event to answer,
//!   used by Lambda and by the local runner alike) and [`run`] (the Lambda loop).

pub mod invocation;
pub mod manifest;
pub mod not_implemented;
pub mod openapi;
pub mod response;
pub mod runtime;

pub use invocation::{HttpRequest, Invocation, ScheduleFiring, percent_decode_path};
pub use manifest::{FUNCTIONS, FunctionSpec, Route, Schedule};
pub use response::{FunctionError, HttpResponse, Reply};
pub use runtime::{BoxFuture, Handler, InvocationFailure, dispatch, run};
