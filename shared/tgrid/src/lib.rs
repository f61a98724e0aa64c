//! # gridlink-tgrid
//!
//! A typed, async client for gridlink's Trading Grid / Active Community contract (v1):
//! OAuth2 client credentials with a cached token, an `Idempotency-Key` on every create,
//! retries with the shared policy (honouring `Retry-After`, never retrying 4xx), streamed
//! uploads and downloads, cursor iterators, typed events and webhook verification.
//!
//! Use cases depend on the traits in [`ports`] (`Mailbox`, `Collaboration`, `Shares`, …, or
//! all of them as [`TradingGrid`]); [`TgClient`] implements them over HTTP, and another
//! Trading Grid interface (AS2/SFTP mailbox) can implement them too.
//!
//! ## Layout
//! - [`client`] — [`TgClient`] and [`TgConfig`]; one file per area of the contract, plus the
//!   token cache.
//! - [`ports`] — the traits, [`PageRequest`] and the [`paginate`] helper.
//! - [`model`] — request and resource types, shared with the simulator.
//! - [`events`] — [`Event`], [`EventType`] and the typed payloads.
//! - [`webhook`] — [`verify_webhook`].
//! - [`stream`] — re-openable upload sources and streamed downloads.
//! - [`ids`] — id newtypes, [`PartyId`] and [`IdempotencyKey`].
//! - [`error`] — [`TgError`].

pub mod client;
pub mod error;
pub mod events;
pub mod ids;
pub mod model;
pub mod ports;
pub mod stream;
pub mod webhook;

pub use client::{TgClient, TgConfig};
pub use error::TgError;
pub use events::{Event, EventPayload, EventType};
pub use ids::*;
pub use ports::{
    Attachments, Campaigns, Collaboration, DocumentPayload, DocumentRequests, EventFeed, Mailbox,
    PageRequest, Partners, Shares, TradingGrid, paginate,
};
pub use stream::{
    ByteRange, ByteSource, ByteStream, BytesSource, Download, FileSource, FnSource, Upload,
};
pub use webhook::{WebhookError, verify_webhook};
