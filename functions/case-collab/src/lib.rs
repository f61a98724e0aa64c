//! # case-collab
//!
//! Use case 1: a case workspace in Extended ECM (a customer dispute, a shipment issue, a
//! compliance case) with a partner reference gets the partner's Trading Grid collaboration
//! space and a `case` thread, linked both ways (a ledger record, the `TG Space ID` /
//! `TG Thread ID` attributes on the workspace, `external_ref` `xecm:<workspace id>` in TG).
//! Only what is selected leaves xECM: documents flagged `Share with partner` or filed in the
//! `Shared with Partner` sub-folder are streamed to TG attachments and posted to the thread,
//! once per version (a new version is shared again; an unflagged document no longer is).
//! Rows of the `Partner Actions` set (request, kind, due date) are posted as action
//! requests with `action_request {kind, due_at}`, once each, and again once per changed due
//! date. Status changes are posted; a closed case resolves the thread. Partner replies
//! (`message.posted` on the thread) are filed back into the workspace as documents, with
//! their attachments (streamed, any size), author and time.
//!
//! ## Triggers
//! - `POST /case-collab/xecm/events`: a signed xECM push ([`gridlink_outbound::push`]).
//! - schedule `case-collab-poll-xecm`: the poller — case workspaces and documents changed
//!   since the ledger cursor (with an overlap window), then any inbox items left pending.
//! - `POST /case-collab/tg/events`: Trading Grid webhooks (`message.posted`).
//!
//! Every trigger only says *where* to look; [`CaseCollab::sync_case`] reads the workspace
//! as it is now and does what is missing, each effect exactly once.
//!
//! ## Layout
//! - [`config`]: [`CaseCollabConfig`] (keys and demo defaults).
//! - [`case`]: the space, thread, links, status updates, resolution; one sync of a case.
//! - [`documents`]: which documents are selected; each version shared once.
//! - [`actions`]: action requests with due dates.
//! - [`reply`]: partner replies filed into the workspace.
//! - [`source`]: [`CaseSource`], the xECM queries beyond the port (changes, versions).
//! - [`triggers`]: the routes, the poll, the inbox processing.
//! - [`error`]: the function's error, [`CaseError`].

pub mod actions;
pub mod case;
pub mod config;
pub mod documents;
pub mod error;
pub mod reply;
pub mod source;
pub mod triggers;

use std::sync::Arc;

use gridlink_flow::Platform;
use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};

pub use config::CaseCollabConfig;
pub use error::CaseError;
pub use source::CaseSource;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "case-collab";

/// The case-collab function.
#[derive(Clone)]
pub struct CaseCollab {
    spec: &'static FunctionSpec,
    platform: Platform,
    config: CaseCollabConfig,
    source: Arc<dyn CaseSource>,
}

impl std::fmt::Debug for CaseCollab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseCollab")
            .field("platform", &self.platform)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl CaseCollab {
    /// Builds the function on `platform`; `source` answers the poller's change queries and
    /// the version queries (the same xECM the platform talks to).
    pub fn new(platform: Platform, config: CaseCollabConfig, source: Arc<dyn CaseSource>) -> Self {
        Self {
            spec: manifest::function(NAME).expect("case-collab is in the manifest"),
            platform,
            config,
            source,
        }
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl Handler for CaseCollab {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(self.route(invocation))
    }
}
