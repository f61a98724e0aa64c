//! # gridlink-outbound
//!
//! What the use cases that start in Extended ECM share. xECM has no outbound webhooks, so
//! something must tell gridlink that a workspace or a document changed:
//! - **push**: an Event Action Center action, a WebReport or a workflow step calls the
//!   function's `POST /<function>/xecm/events` route with a small signed body
//!   (`gridlink_flow::push`, accepted by the use-case runtime like a TG webhook);
//! - **poll** (the default): a schedule asks the REST API for workspaces and documents
//!   changed since a cursor kept in the ledger, reading back an overlap window so clock skew
//!   and slow indexing never lose an event; replays are harmless because every effect runs
//!   through `gridlink_flow::Effects` ([`cursor`], [`poll`]).
//!
//! Content moves between the two systems streamed, never whole in memory
//! (`gridlink_flow::content`).
//!
//! ## Layout
//! - [`cursor`]: the poll cursor in the ledger, with its overlap window.
//! - [`poll`]: [`Poller`] — one poll over the changed workspaces; a transient failure stops
//!   it with the cursor in place, a permanent one is recorded on the workspace and skipped.
//! - [`live`]: [`LiveWorkspaces`] — the workspaces a use case keeps partner access open for,
//!   swept each poll for the ones deleted in xECM (a deletion is in no change list); and
//!   [`live::who_changed`], who changed an attribute, from xECM's audit.
//! - [`started`]: [`read_started_workspace`] — the node a sync was told about, if it is one of
//!   the use case's workspaces with its category.
//! - [`error`]: the crate's error, [`OutboundError`].

pub mod cursor;
pub mod error;
pub mod live;
pub mod poll;
pub mod started;

pub use cursor::{PollCursor, PollWindow};
pub use error::OutboundError;
pub use live::{LiveWorkspace, LiveWorkspaces};
pub use poll::{PollFailure, PollReport, PollSettings, Poller, poll_changed, pushed_workspace};
pub use started::{StartedWorkspace, read_started_workspace};
