//! # contract-share
//!
//! Use case 3: approved contract versions are shared with the contract's Trading Grid
//! partner for acknowledgment; the partner's answer is filed in the contract workspace as
//! evidence.
//!
//! A contract workspace (type `CONTRACT_WORKSPACE_TYPE_ID`, category
//! `CONTRACT_CATEGORY_ID`) names its partner in `Partner ID`. A document in it whose
//! `Approval Status` (category `SHARING_CATEGORY_ID`) is `Approved` has its current version
//! streamed to a TG attachment and shared with the partner (`ack_required`, due
//! `ACK_DUE_DAYS` from now, `external_ref` `xecm:<document id>`) exactly once per
//! document version; the share is recorded in the ledger (share → workspace, document,
//! version, sha256) and the workspace's `Acknowledgment Status` becomes `Pending`. When the
//! partner acknowledges or declines (`share.acknowledged` / `share.declined`), an evidence
//! document (partner, by, at, comment, decision, the sha256 of the exact version shared) is
//! filed into the workspace's `Acknowledgments` folder and the status becomes
//! `Acknowledged` / `Declined`.
//!
//! ## Triggers
//! - schedule `contract-share-poll-xecm`: contract workspaces and documents changed since
//!   the ledger cursor (with an overlap window), then any inbox items left pending.
//! - `POST /contract-share/tg/events`: Trading Grid webhooks (`share.acknowledged`,
//!   `share.declined`), accepted durably into the inbox before the 202.
//! - Not implemented yet (answer 501 / fail as `NonRetryable`): the xECM push route
//!   `POST /contract-share/xecm/events` and the `contract-share-ack-reminders` schedule.
//!
//! ## Layout
//! - [`config`]: [`ContractShareConfig`] (keys and demo defaults).
//! - [`share`]: approved versions found and shared, the ledger record, `Pending`.
//! - [`evidence`]: a partner's answer filed as evidence, the status written.
//! - [`triggers`]: the routes, the poll, the inbox processing.
//! - [`error`]: the function's error, [`ShareError`].

pub mod config;
pub mod error;
pub mod evidence;
pub mod share;
pub mod triggers;

use gridlink_flow::Platform;
use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{BoxFuture, FunctionError, Handler, Invocation, Reply};
use gridlink_xecm::XecmClient;

pub use config::ContractShareConfig;
pub use error::ShareError;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "contract-share";

/// The contract-share function.
#[derive(Clone)]
pub struct ContractShare {
    spec: &'static FunctionSpec,
    platform: Platform,
    config: ContractShareConfig,
    /// Change queries and version lists, which are not on the platform's port.
    client: XecmClient,
}

impl std::fmt::Debug for ContractShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContractShare")
            .field("platform", &self.platform)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ContractShare {
    /// Builds the function on `platform`; `client` is the same xECM the platform talks to,
    /// for the poller's change queries and the document version lists.
    pub fn new(platform: Platform, config: ContractShareConfig, client: XecmClient) -> Self {
        Self {
            spec: manifest::function(NAME).expect("contract-share is in the manifest"),
            platform,
            config,
            client,
        }
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }
}

impl Handler for ContractShare {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(self.route(invocation))
    }
}
