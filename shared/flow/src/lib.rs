//! # gridlink-flow
//!
//! What every gridlink use case is built from, so that each one keeps the same promises:
//! at-least-once in, exactly-once effects out, nothing acknowledged that is not durably kept.
//!
//! ## Layout
//! - [`effects`]: [`Effects::once`] — a side effect claimed in the ledger under a business
//!   key before it happens and confirmed after; replays return the stored result; the
//!   idempotency key handed to Trading Grid comes from the same business key.
//! - [`inbox`]: [`Inbox`] — partner events stored (raw body to the blob store, a record to the
//!   ledger) before the `2xx`; redeliveries recognised; pending, done and failed lists.
//! - [`platform`]: [`Platform`] — storage (S3 + DynamoDB, or files + SQLite), the xECM and TG
//!   clients and the secrets, built once from configuration.
//! - [`tg_webhook`]: verifying a Trading Grid delivery that came through API Gateway.

pub mod effects;
pub mod inbox;
pub mod platform;
pub mod tg_webhook;

pub use effects::{EffectError, EffectKey, Effects, FaultInjector, Outcome, payload_hash};
pub use inbox::{Acceptance, Inbox, InboxError, InboxItem, RunSummary};
pub use platform::{Parts, Platform, PlatformError, Secrets, StorageChoice};
