//! # gridlink-core
//!
//! What every gridlink function and tool shares.
//!
//! ## Layout
//! - [`clock`]: the injected clock (`Clock`, `SystemClock`, `ManualClock`).
//! - [`config`]: typed configuration from the environment and an optional TOML file, validated
//!   at start with every problem listed in one error.
//! - [`telemetry`]: tracing set-up (JSON lines on Lambda, readable locally) and the business-key
//!   field names every log line uses.
//! - [`dry_run`]: the task-local dry-run scope in which the clients and stores refuse every
//!   write (an operator's replay with `dry_run`).
//! - [`error`]: the error kinds every crate maps onto, with their HTTP status and Lambda error type.
//! - [`retry`]: exponential back-off with full jitter, `Retry-After`, a bounded total time.
//! - `tls` (feature `tls`): one TLS client configuration per process, the trust store read once
//!   and only at the first handshake.
//! - [`upload`]: how long a streamed upload may take as a whole (both clients' rule).
//! - [`webhook`]: Trading Grid webhook signatures (HMAC-SHA256 over `"{ts}.{body}"`).

pub mod clock;
pub mod config;
pub mod dry_run;
pub mod error;
pub mod net;
pub mod retry;
pub mod telemetry;
#[cfg(feature = "tls")]
pub mod tls;
pub mod upload;
pub mod webhook;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use error::{Classify, ErrorKind};
pub use retry::{RetryDecision, RetryPolicy, Retryable};
