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
//! ## Access follows the record
//! A document unselected after sharing (unflagged, moved out, deleted) and an action request
//! whose row is removed are withdrawn in the thread once, with a `Withdrawal …txt` evidence
//! document (who, when, why) in the workspace; an archived (`Case Status` `Archived`) or
//! deleted case ends the partner's access — a last message, the thread `closed`; a deletion
//! is seen by the poll alone too. Details, crash safety and what Trading Grid cannot take
//! back: [`withdraw`].
//!
//! ## Triggers
//! - `POST /case-collab/xecm/events`: a signed xECM push ([`gridlink_flow::push`]).
//! - schedule `case-collab-poll-xecm`: first Trading Grid's event feed — the safety net for answers
//!   TG stopped redelivering: every event of this function's webhook types no webhook brought,
//!   taken into the inbox under its own event id
//!   ([`gridlink_flow::feed::poll_subscribed_tg_events`], cursor `poll-cursor /
//!   case-collab:tg-events`); then the poller — case workspaces and documents changed since the
//!   ledger cursor (with an overlap window), then any inbox items left pending.
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
//! - [`withdraw`]: what xECM no longer shares, withdrawn; an archived or deleted case's
//!   access ended.
//! - `lib.rs`: the use case on the runtime (`gridlink_flow::Function`): its triggers.
//! - [`error`]: the function's error, [`CaseError`].

pub mod actions;
pub mod case;
pub mod config;
pub mod documents;
pub mod error;
pub mod reply;
pub mod withdraw;

use gridlink_flow::{Function, InboxItem, NoRoutes, Platform, Received, UseCase, UseCaseSpec};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_outbound::{LiveWorkspaces, PollSettings, poll_changed, pushed_workspace};
use serde_json::{Value, json};

pub use config::CaseCollabConfig;
pub use error::CaseError;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "case-collab";

gridlink_flow::schedules! {
    /// case-collab's schedules.
    pub enum Schedule {
        /// Poll xECM for changed case workspaces and documents.
        PollXecm = "poll-xecm",
    }
}

/// The case-collab use case.
#[derive(Debug, Clone)]
pub struct CaseCollab {
    platform: Platform,
    config: CaseCollabConfig,
}

impl CaseCollab {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: CaseCollabConfig) -> Function<Self> {
        Function::new(platform.clone(), Self { platform, config })
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The register of cases with partner access open ([`gridlink_outbound::live`]).
    pub(crate) fn live(&self) -> LiveWorkspaces<'_> {
        LiveWorkspaces {
            function: NAME,
            ledger: self.platform.ledger.as_ref(),
            xecm: self.platform.xecm.as_ref(),
        }
    }

    /// One poll: case workspaces and documents changed in the cursor's window, each case
    /// synced once. A transient failure stops the poll with the cursor in place; a case that
    /// fails permanently is recorded and skipped ([`gridlink_outbound::poll`]).
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self) -> Result<Value, CaseError> {
        let settings = PollSettings {
            workspace_type: self.config.workspace_type,
            overlap: self.config.poll_overlap,
            first_lookback: self.config.first_lookback,
        };
        let report = poll_changed(&self.platform, settings, |workspace| {
            self.sync_case(workspace)
        })
        .await?;
        let mut cases: Vec<_> = report
            .synced
            .into_iter()
            .filter(|sync| sync.skipped.is_none())
            .collect();
        // Deleted workspaces are in no change list: the register finds them.
        for deleted in self.live().sweep_deleted().await? {
            cases.push(gridlink_flow::timeline::item(self.sync_case(deleted.workspace_id)).await?);
        }
        Ok(json!({"examined": report.examined, "cases": cases, "failed": report.failed}))
    }
}

impl UseCaseSpec for CaseCollab {
    const NAME: &'static str = NAME;
    type Route = NoRoutes;
    type Schedule = Schedule;
}

impl UseCase for CaseCollab {
    type Error = CaseError;

    async fn on_event(&self, _item: &InboxItem, event: Received) -> Result<Value, CaseError> {
        match event {
            Received::Xecm(push) => match pushed_workspace(self.platform.xecm.as_ref(), &push)
                .await?
            {
                Some(workspace) => {
                    Ok(serde_json::to_value(self.sync_case(workspace).await?).unwrap_or_default())
                }
                None => Ok(json!({"ignored": "the node is in no business workspace"})),
            },
            Received::Tg(event) => Ok(
                serde_json::to_value(self.file_partner_reply(&event).await?).unwrap_or_default()
            ),
        }
    }

    async fn on_schedule(&self, schedule: Schedule) -> Result<Value, CaseError> {
        match schedule {
            Schedule::PollXecm => {
                // TG's event feed first: what no webhook delivered is taken into the inbox
                // (under the event's own id) and processed with the other pending items after
                // this firing.
                let events =
                    gridlink_flow::feed::poll_subscribed_tg_events::<Self>(&self.platform).await?;
                Ok(json!({"polled": self.poll().await?, "events": events}))
            }
        }
    }

    async fn on_route(&self, route: NoRoutes, _: &HttpRequest) -> Result<HttpResponse, CaseError> {
        match route {}
    }
}
