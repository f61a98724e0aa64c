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
//! `Overdue` (an interval after the last of `ACK_REMINDER_LIMIT` reminders actually sent), or
//! with counts when there are several live shares (`Pending (1 of 2 acknowledged)`).
//! A partner Trading Grid refuses to share with (unknown or inactive there: a 403, 404 or
//! 422) does not hold up the others: it is logged and put on the timeline with TG's reason,
//! kept in the standing, and named in the status (`Pending; not shared with prt_nobody:
//! refused by Trading Grid`) until it is shared with or leaves `Partner ID`. A transient
//! failure (5xx, timeout) for one partner still fails the run for a retry — after every other
//! partner was handled.
//!
//! When a partner acknowledges or declines (`share.acknowledged` / `share.declined`), an
//! evidence document (partner, by, at, comment, decision, the sha256 of the exact version
//! shared) and any files the partner returned with the answer are filed into the
//! workspace's `Acknowledgments` folder. An answer for a superseded version is filed, marked
//! as such, and does not touch the status.
//!
//! ## Access follows the record
//! A share lives only while xECM grants it: when a partner is removed from `Partner ID`, a
//! document stops being approved, the contract is closed or archived (its `Contract Status`
//! is one of `CONTRACT_ENDED_STATUSES`: every share), or the contract workspace is deleted, the next sync (poll
//! or push) revokes that partner's share in TG once, files a `Revocation …txt` evidence
//! document (who, when, why) in `Acknowledgments`, and the status counts only live shares
//! (`Revoked` when none is left). A partner added back, or a document approved again, gets a
//! new share, and so does a contract made active again. Details, crash safety and limits:
//! [`revoke`]. A deletion is seen when xECM pushes it, when a sync meets the workspace gone, or by the
//! poll alone: deleted workspaces are in no change list, so each poll also sweeps a batch
//! of the contracts registered with partners ([`gridlink_outbound::live`]) for ones xECM no
//! longer has.
//!
//! ## Triggers
//! - schedule `contract-share-poll-xecm`: first Trading Grid's event feed — the safety net for
//!   answers TG stopped redelivering: every event of this function's webhook types no webhook
//!   brought, taken into the inbox under its own event id
//!   ([`gridlink_flow::feed::poll_subscribed_tg_events`], cursor `poll-cursor /
//!   contract-share:tg-events`); then contract workspaces and documents changed since the ledger
//!   cursor (with an overlap window), then any inbox items left pending.
//! - `POST /contract-share/xecm/events`: a signed xECM push ([`gridlink_flow::push`]) —
//!   the same sync as the poll, for the pushed node's contract, through the inbox.
//! - `POST /contract-share/tg/events`: Trading Grid webhooks (`share.acknowledged`,
//!   `share.declined`), accepted durably into the inbox before the 202.
//! - schedule `contract-share-ack-reminders`: reminders of overdue acknowledgments
//!   ([`reminders`]).
//!
//! Every effect runs once under a business key: `tg-share` (document/version/partner),
//! `tg-share-revoke` (share), `xecm-revoke-evidence` (share), `xecm-ack-file`
//! (share/partner/attachment),
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
//! - [`revoke`]: shares xECM no longer grants, revoked with evidence.
//! - `lib.rs`: the use case on the runtime (`gridlink_flow::Function`): its triggers, the poll.
//! - [`error`]: the function's error, [`ShareError`].

pub mod config;
pub mod error;
pub mod evidence;
pub mod reminders;
pub mod revoke;
pub mod share;
pub mod standing;

use gridlink_flow::{Function, InboxItem, NoRoutes, Platform, Received, UseCase, UseCaseSpec};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_outbound::{LiveWorkspaces, PollSettings, poll_changed, pushed_workspace};
use serde_json::{Value, json};

pub use config::ContractShareConfig;
pub use error::ShareError;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "contract-share";

gridlink_flow::schedules! {
    /// contract-share's schedules.
    pub enum Schedule {
        /// Poll xECM for approved versions.
        PollXecm = "poll-xecm",
        /// Remind partners of overdue acknowledgments.
        AckReminders = "ack-reminders",
    }
}

/// The contract-share use case.
#[derive(Debug, Clone)]
pub struct ContractShare {
    platform: Platform,
    config: ContractShareConfig,
}

impl ContractShare {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: ContractShareConfig) -> Function<Self> {
        Function::new(platform.clone(), Self { platform, config })
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The register of contracts whose partners may hold shares ([`gridlink_outbound::live`]).
    pub(crate) fn live(&self) -> LiveWorkspaces<'_> {
        LiveWorkspaces {
            function: NAME,
            ledger: self.platform.ledger.as_ref(),
            xecm: self.platform.xecm.as_ref(),
        }
    }

    /// One poll: contract workspaces and documents changed in the cursor's window, each
    /// contract synced once (see [`gridlink_outbound::Poller`] for what a failing contract
    /// does to the poll).
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self) -> Result<Value, ShareError> {
        let settings = PollSettings {
            workspace_type: self.config.workspace_type,
            overlap: self.config.poll_overlap,
            first_lookback: self.config.first_lookback,
        };
        let report = poll_changed(&self.platform, settings, |workspace| {
            self.sync_contract(workspace)
        })
        .await?;
        let shared: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.shared.clone())
            .collect();
        let mut revoked: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.revoked.clone())
            .collect();
        // Deleted workspaces are in no change list: the register finds them.
        for deleted in self.live().sweep_deleted().await? {
            revoked.extend(
                gridlink_flow::timeline::item(self.sync_contract(deleted.workspace_id))
                    .await?
                    .revoked,
            );
        }
        Ok(
            json!({"examined": report.examined, "shared": shared, "revoked": revoked, "failed": report.failed}),
        )
    }
}

impl UseCaseSpec for ContractShare {
    const NAME: &'static str = NAME;
    type Route = NoRoutes;
    type Schedule = Schedule;
}

impl UseCase for ContractShare {
    type Error = ShareError;

    async fn on_event(&self, _item: &InboxItem, event: Received) -> Result<Value, ShareError> {
        match event {
            Received::Xecm(push) => {
                match pushed_workspace(self.platform.xecm.as_ref(), &push).await? {
                    Some(workspace) => {
                        Ok(serde_json::to_value(self.sync_contract(workspace).await?)
                            .unwrap_or_default())
                    }
                    None => Ok(json!({"ignored": "the node is in no business workspace"})),
                }
            }
            Received::Tg(event) => {
                Ok(serde_json::to_value(self.file_evidence(&event).await?).unwrap_or_default())
            }
        }
    }

    async fn on_schedule(&self, schedule: Schedule) -> Result<Value, ShareError> {
        match schedule {
            Schedule::PollXecm => {
                // TG's event feed first: what no webhook delivered is taken into the inbox
                // (under the event's own id) and processed with the other pending items after
                // this firing.
                let events =
                    gridlink_flow::feed::poll_subscribed_tg_events::<Self>(&self.platform).await?;
                Ok(json!({"polled": self.poll().await?, "events": events}))
            }
            Schedule::AckReminders => Ok(json!({"reminders": self.send_reminders().await?})),
        }
    }

    async fn on_route(&self, route: NoRoutes, _: &HttpRequest) -> Result<HttpResponse, ShareError> {
        match route {}
    }
}
