//! # contract-share
//!
//! Use case 3: approved contract versions are shared with the contract's Trading Grid
//! partners for acknowledgment; each partner's answer is filed in the contract workspace as
//! evidence; a newer approved version replaces the older share; overdue acknowledgments are
//! reminded.
//!
//! A contract workspace (type `CONTRACT_WORKSPACE_TYPE_ID`, category
//! `CONTRACT_CATEGORY_ID`) names its partners in `Partner ID` (one, or several separated by
//! commas, or a multi-value attribute). A document in it whose `Approval Status` (category
//! `SHARING_CATEGORY_ID`) is `Approved` has its current version — exactly that version's
//! bytes — streamed to a TG attachment and shared with each partner (one share per partner,
//! `ack_required`, due `ACK_DUE_DAYS` from the first attempt, `external_ref` `xecm:<document
//! id>`) exactly once per document version and partner. When a newer version of the document
//! is approved, it is shared and the older version's share is revoked in TG (once). The
//! contract's standing in the ledger ([`standing`]) tracks every share and answer and
//! drives the workspace's `Acknowledgment Status`: `Pending`, `Acknowledged`, `Declined`,
//! `Overdue` (after the last reminder), or with counts when there are several live shares
//! (`Pending (1 of 2 acknowledged)`).
//!
//! When a partner acknowledges or declines (`share.acknowledged` / `share.declined`), an
//! evidence document (partner, by, at, comment, decision, the sha256 of the exact version
//! shared) and any files the partner returned with the answer are filed into the
//! workspace's `Acknowledgments` folder. An answer for a superseded version is filed, marked
//! as such, and does not touch the status.
//!
//! ## Triggers
//! - schedule `contract-share-poll-xecm`: contract workspaces and documents changed since
//!   the ledger cursor (with an overlap window), then any inbox items left pending.
//! - `POST /contract-share/xecm/events`: a signed xECM push ([`gridlink_outbound::push`]) —
//!   the same sync as the poll, for the pushed node's contract, through the inbox.
//! - `POST /contract-share/tg/events`: Trading Grid webhooks (`share.acknowledged`,
//!   `share.declined`), accepted durably into the inbox before the 202.
//! - schedule `contract-share-ack-reminders`: reminders of overdue acknowledgments
//!   ([`reminders`]).
//!
//! Every effect runs once under a business key: `tg-share` (document/version/partner),
//! `tg-share-revoke` (share), `xecm-ack-file` (share/partner/attachment),
//! `xecm-ack-evidence` (share/partner/decision), `tg-contract-thread` (workspace/partner),
//! `tg-ack-reminder` (share/number). The status attribute is a projection of the standing,
//! written when it differs ([`standing`] says why that is not an exactly-once effect).
//!
//! ## Layout
//! - [`config`]: [`ContractShareConfig`] (keys and demo defaults).
//! - [`share`]: approved versions found and shared per partner, superseded shares revoked,
//!   the share records.
//! - [`standing`]: the contract's shares and answers, and the status text derived from them.
//! - [`evidence`]: a partner's answer (and returned files) filed as evidence.
//! - [`reminders`]: overdue acknowledgments reminded in a `contract` thread.
//! - [`triggers`]: the routes, the poll, the inbox processing.
//! - [`error`]: the function's error, [`ShareError`].

pub mod config;
pub mod error;
pub mod evidence;
pub mod reminders;
pub mod share;
pub mod standing;
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
