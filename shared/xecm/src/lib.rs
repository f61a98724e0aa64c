//! # gridlink-xecm
//!
//! A typed, async client for the OpenText Extended ECM (Content Server) REST subset gridlink
//! uses (`docs/xecm-subset.md`), and the [`Workspaces`] port the use cases depend
//! on.
//!
//! - Logs in with a user and password (`POST /api/v1/auth`) or trades an OTDS ticket or OAuth
//!   token for an `OTCSTicket` (`GET /api/v1/auth`); swaps in the fresh ticket every answer
//!   carries; on 401 logs in again once — one login at a time across concurrent calls — and
//!   resends.
//! - Sends bodies as the server wants them: `body=<json>` form fields for v2 writes, plain
//!   fields elsewhere, multipart uploads streamed from a re-openable [`ContentSource`].
//! - Retries 5xx, timeouts, dropped connections and non-JSON answers with the shared
//!   [`RetryPolicy`](gridlink_core::retry::RetryPolicy), never 4xx nor 500 "already exists".
//! - Reads both paging envelopes through one stream that stops at `page_total`.
//!
//! ## Layout
//! - [`config`]: base URL, credentials, timeouts, retry policy.
//! - [`transport`]: the request path (tickets, re-login, retries, error bodies).
//! - `api/`: the REST calls per area — [`api::auth`], [`api::workspaces`], [`api::nodes`],
//!   [`api::versions`], [`api::categories`], [`api::search`] (search and audit).
//! - [`paging`]: the paged stream; [`upload`]: re-openable content sources.
//! - [`attributes`]: category definitions and values by name.
//! - [`port`]: the [`Workspaces`] trait; [`business`]: its implementation for [`XecmClient`].
//! - [`model`], [`ids`], [`error`]: what comes back, identifiers, errors.

pub mod api;
pub mod attributes;
pub mod business;
pub mod config;
pub mod error;
pub mod ids;
pub mod model;
pub mod paging;
pub mod port;
pub mod transport;
pub mod upload;

pub use api::categories::AppliedCategory;
pub use api::nodes::{ChildQuery, NewDocument, NodeChange};
pub use api::search::{AuditQuery, SearchQuery};
pub use api::versions::{Download, NewVersion};
pub use api::workspaces::{NameMatch, NewWorkspace, Relation, WorkspaceQuery};
pub use attributes::{AttributeKind, AttributeValue, CategoryDefinition, NamedAttributes};
pub use config::{XecmAuth, XecmConfig};
pub use error::XecmError;
pub use ids::{BusinessObject, CategoryId, NodeId, WorkspaceTypeId};
pub use model::{
    AuditAttributeChange, AuditEntry, CurrentUser, Node, Version, WorkspaceDetails, WorkspaceType,
};
pub use port::{
    AttributeLookup, DocumentSpec, EnsuredWorkspace, FiledDocument, WorkspaceSpec, Workspaces,
};
pub use transport::XecmClient;
pub use upload::{BytesSource, ContentSource, ContentStream, FileSource, ReaderSource};
