//! # gridlink-outbound
//!
//! What the use cases that start in Extended ECM share. xECM has no outbound webhooks, so
//! something must tell gridlink that a workspace or a document changed:
//! - **push**: an Event Action Center action, a WebReport or a workflow step calls the
//!   function's `POST /<function>/xecm/events` route with a small signed body
//!   ([`push`]);
//! - **poll** (the default): a schedule asks the REST API for workspaces and documents
//!   changed since a cursor kept in the ledger, reading back an overlap window so clock skew
//!   and slow indexing never lose an event; replays are harmless because every effect runs
//!   through `gridlink_flow::Effects` ([`cursor`], [`changes`]).
//!
//! Content moves between the two systems streamed, never whole in memory ([`content`]).
//!
//! ## Layout
//! - [`trigger`]: [`accept_signed`] — a TG webhook or an xECM push verified and kept in the
//!   function's inbox, processed inline when new.
//! - [`push`]: the push body, its signature scheme, verification.
//! - [`cursor`]: the poll cursor in the ledger, with its overlap window.
//! - [`poll`]: [`Poller`] — one poll over the changed workspaces; a transient failure stops
//!   it with the cursor in place, a permanent one is recorded on the workspace and skipped.
//! - [`changes`]: [`XecmChanges`], the change queries a poller needs, for [`gridlink_xecm::XecmClient`].
//! - [`content`]: an xECM document as a Trading Grid upload; a Trading Grid attachment as an
//!   xECM upload.
//! - [`error`]: the crate's error, [`OutboundError`].

pub mod changes;
pub mod content;
pub mod cursor;
pub mod error;
pub mod poll;
pub mod push;
pub mod trigger;

pub use changes::XecmChanges;
pub use content::{tg_attachment_content, xecm_document_upload};
pub use cursor::{PollCursor, PollWindow};
pub use error::OutboundError;
pub use poll::{PollFailure, PollReport, Poller};
pub use push::{PushError, PushEvent, sign_push, verify_push};
pub use trigger::{SignedTrigger, accept_signed};
