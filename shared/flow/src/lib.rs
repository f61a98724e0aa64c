//! # gridlink-flow
//!
//! The use-case runtime: what every gridlink function is built from, so that each one keeps
//! the same promises — at-least-once in, exactly-once effects out, nothing acknowledged that
//! is not durably kept, nothing retried for ever, nothing dropped.
//!
//! ## Layout
//! - [`usecase`]: [`UseCase`] — a use case's typed triggers (routes, schedules) and steps;
//!   [`check_bindings`] proves the manifest and the dispatch agree.
//! - [`function`]: [`Function`] — the one Lambda handler: health, signed TG webhooks and xECM
//!   pushes accepted through one path, the inbox processed by one retry rule, dead letters,
//!   one error mapping; [`Skeleton`] for a use case not built yet.
//! - [`inbox`]: [`Inbox`] — events stored (raw body to the blob store, a record to the
//!   ledger) before the `2xx`; redeliveries recognised; pending, done and dead-letter lists;
//!   [`InboxPolicy`], the retry rule.
//! - [`dead_letters`]: the operators' dead-letter routes every function serves: list,
//!   inspect, requeue one or all, discard with a reason.
//! - [`dry_run`]: the platform's ledger and blob store refuse every write inside a dry run
//!   (`gridlink_core::dry_run`), as the xECM and TG clients do.
//! - [`effects`]: [`Effects::once`] — a side effect claimed in the ledger under a business
//!   key before it happens and confirmed after; replays return the stored result; the
//!   idempotency key handed to Trading Grid comes from the same business key.
//! - [`feed`]: Trading Grid's event feed as the safety net beside webhooks — a poll schedule
//!   takes into the inbox, under the event's own id, what no webhook delivered.
//! - [`filing`]: [`file_once`] — a document filed into a workspace folder once per business
//!   identity, a lost answer adopted only when the document proves it is ours.
//! - [`content`]: content streamed between the systems (an xECM version → a TG upload, a TG
//!   attachment → an xECM upload).
//! - [`metrics`]: [`Metrics`] — business metrics (events processed, retried, dead-lettered,
//!   documents filed, unmatched, acknowledgments, end-to-end latency) as CloudWatch EMF lines.
//! - [`pause`]: pausing a function or a partner — traffic still accepted and kept, not
//!   processed until resumed.
//! - [`platform`]: [`Platform`] — storage (S3 + DynamoDB, or files + SQLite), the xECM and TG
//!   clients and the secrets, built once from configuration.
//! - [`replay`]: an operator's replay of any inbox item — a real one through the normal path
//!   (a no-op where its effects happened), or a dry run that writes nothing and says what
//!   would be filed and sent.
//! - [`push`]: the signed xECM push body and its verification.
//! - [`serve`]: a function's whole `main`: configuration, platform, the Lambda loop.
//! - [`tg_webhook`]: verifying a Trading Grid delivery that came through API Gateway.
//! - [`timeline`]: the timeline by business key — the keys a piece of work is about
//!   ([`timeline::about`]), the entries the runtime writes for them, and reading them back
//!   (`GET /{function}/timeline/{key}`).

#[cfg(feature = "aws")]
pub mod aws_http;
#[cfg(feature = "aws")]
pub mod aws_lazy;
pub mod content;
pub mod cursor;
pub mod dead_letters;
pub mod dry_run;
pub mod effects;
pub mod feed;
pub mod filing;
pub mod function;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod inbox;
pub mod metrics;
pub mod pause;
pub mod platform;
pub mod push;
pub mod replay;
pub mod serve;
pub mod tg_webhook;
pub mod timeline;
pub mod usecase;

pub use cursor::{LedgerCursor, Saved};
pub use effects::{EffectError, EffectKey, Effects, FaultInjector, Outcome, payload_hash};
pub use filing::{Filed, Filing, file_once};
pub use function::{Function, Skeleton, TG_SOURCE, XECM_SOURCE};
pub use inbox::{Acceptance, Inbox, InboxError, InboxItem, InboxPolicy, RunSummary, Settled};
pub use metrics::{Metric, Metrics, MetricsChoice};
pub use platform::{Parts, Platform, PlatformError, Secrets, StorageChoice};
pub use push::{PushError, PushEvent, sign_push, verify_push};
pub use serve::{serve, serve_skeleton};
pub use usecase::{
    NoRoutes, Received, RouteParams, Routes, Schedules, UseCase, UseCaseSpec, check_bindings,
};
