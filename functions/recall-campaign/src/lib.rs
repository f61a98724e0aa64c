//! # recall-campaign
//!
//! Use case 6: a product recall decided in an xECM `Quality Incident` workspace goes to every
//! affected Trading Grid partner as a campaign listing only that partner's lots; each answer
//! (lot-level quantities, evidence) is kept as history and filed back; the rollup tells,
//! per lot, how much of what was shipped is accounted for.
//!
//! - Data ([`recall`]): the `Recall` category (Recall ID, class, reason, status, initiated
//!   by, approved by, response due, reminder interval, escalate after, market) with its
//!   `Lots` set; the distribution as a CSV document (`Approvals/Distribution.csv`; why a
//!   document and not a set: [`recall`]).
//! - Controlled issue ([`issue`]): four eyes checked against xECM's audit; a lot shipped in
//!   more than one unit refused by name (never added up); every refusal logged and filed in
//!   `Approvals`.
//! - Fan-out ([`issue`]): one campaign per (recall, version, partner), resumable in chunks
//!   with the cursor in the ledger ([`records`]); partners TG does not know and lots not in
//!   `Lots` are parked with the reason.
//! - Answers ([`intake`], [`answers`]): history by `responded_at`, state ladder, each answer
//!   and file filed once under `Partner Responses/<partner id>` with sha256; read as Trading
//!   Grid's form check accepts them (`"true"`, `"10"`, blanks); a negative or unreadable
//!   value refuses the answer (kept, named by lot and field, counting nothing). An answer is
//!   recorded marked `unfiled` and the mark cleared only once its filing is done: one whose
//!   filing failed (xECM down during the deadlines run that took it from Trading Grid) is
//!   filed, once, by the next deadlines run.
//! - Deadlines ([`intake`], [`escalation`]): overdue → reminded(n) (campaign reminders, to
//!   non-responders only — a partner whose latest answer does not read is one — once per
//!   interval, for every version's partners, also while an amendment fans out; each recall on
//!   its own: one failing does not stop the others, the run fails at
//!   the end naming it; the hours attributes at most [`recall::MAX_HOURS`], refused by name at
//!   issue) → escalated (still unanswered `Escalate After
//!   Hours` past due: a message with an `action_request` in the partner's recall thread and
//!   a note filed in `Partner Responses/<partner id>` — why a note and not an attribute:
//!   [`escalation`]). A later answer is still recorded and moves the partner on.
//! - Throttling ([`issue`]): a 429/503 the TG client's retries did not get past stops the
//!   fan-out at that partner; the cursor and the `Retry-After` time are kept in the ledger and
//!   the next poll after it resumes from the cursor (the poll itself does not fail).
//! - Closeout ([`closeout`]): `Status` `closing` (asked during a fan-out: the fan-out reaches
//!   every partner first, `Status` staying `closing`) → every lot's effectiveness checked against
//!   its class's target on each poll (the shortfall filed in `Approvals` once per standing)
//!   → a GS1-style closeout notice to every invited partner (its lots only, once, resumable)
//!   → `Status` `closed`, the closeout record, the final rollup and the evidence bundle.
//! - Rollup ([`rollup`]): each partner's quantity of a lot counted at most up to what was
//!   shipped to it (an over-report shown, never covering another partner's gap); served by `GET /recall-campaign/recalls/{recall_id}` and filed as a
//!   versioned `Rollup <recall id>.json` in `Evidence Bundle`.
//! - Evidence bundle ([`bundle`]): `POST /recall-campaign/recalls/{recall_id}/bundle` builds a
//!   zip from the ledger (notice, distribution, rollup, every answer and file, the
//!   reminder/escalation log, an FSMA 204 CSV, a manifest with sha256s), streamed through a
//!   temporary file, and files it as a versioned `Evidence Bundle <recall id>.zip`.
//!
//! ## Triggers
//! - schedule `recall-campaign-poll-xecm`: first Trading Grid's event feed — the safety net for
//!   answers TG stopped redelivering: every event of this function's webhook types no webhook
//!   brought, taken into the inbox under its own event id
//!   ([`gridlink_flow::feed::poll_subscribed_tg_events`], cursor `poll-cursor /
//!   recall-campaign:tg-events`); then incident workspaces changed since the ledger cursor, every
//!   recall whose fan-out is unfinished and every recall being closed; then pending inbox items.
//! - `POST /recall-campaign/xecm/events`: a signed xECM push — the same sync, for the pushed
//!   node's workspace, through the inbox.
//! - `POST /recall-campaign/tg/events`: `campaign.response_received`, durably into the inbox.
//! - schedule `recall-campaign-deadlines`: overdue partners reminded once per interval,
//!   escalated once `Escalate After Hours` past due.
//!
//! Effects, each once under a business key: `tg-recall-notice` (recall/version),
//! `tg-recall-campaign` (recall/version/partner), `tg-recall-reminder`
//! (recall/version/partner/number), `tg-recall-thread` and `tg-recall-escalation`
//! (recall/version/partner), `xecm-recall-escalation` (recall/version/partner),
//! `xecm-recall-refusal` (recall/approval/reason),
//! `xecm-recall-answer` (recall/version/partner/responded_at/hash), `xecm-recall-file`
//! (recall/version/partner/attachment), `xecm-recall-rollup` (recall/version, a version per
//! content hash), `xecm-recall-bundle` (recall, a version per content hash), `tg-recall-closeout`
//! (recall/partner), `xecm-recall-closeout-waiting` (recall/shortfall hash),
//! `xecm-recall-closeout` (recall). `Status` (`issuing`, `active`, `closed`) is a projection
//! written by gridlink.

pub mod answers;
pub mod bundle;
pub mod closeout;
pub mod config;
pub mod error;
pub mod escalation;
pub mod intake;
pub mod issue;
pub mod recall;
pub mod records;
pub mod rollup;

use gridlink_flow::{
    Function, InboxItem, Platform, Received, RouteParams, Routes, UseCase, UseCaseSpec,
};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_outbound::{PollSettings, poll_changed, pushed_workspace};
use serde_json::{Value, json};

pub use config::RecallConfig;
pub use error::RecallError;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "recall-campaign";

gridlink_flow::schedules! {
    /// recall-campaign's schedules.
    pub enum Schedule {
        /// Poll xECM for recalls to issue, and resume unfinished fan-outs.
        PollXecm = "poll-xecm",
        /// Remind overdue partners.
        Deadlines = "deadlines",
    }
}

/// recall-campaign's operator routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /recall-campaign/recalls/{recall_id}`: the rollup.
    Recall(String),
    /// `POST /recall-campaign/recalls/{recall_id}/bundle`: builds and files the evidence
    /// bundle ([`bundle`]); the body is ignored.
    Bundle(String),
}

impl Routes for Route {
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[
        ("GET", "recalls/{recall_id}"),
        ("POST", "recalls/{recall_id}/bundle"),
    ];

    fn parse(method: &str, template: &str, params: &RouteParams) -> Option<Self> {
        let recall_id = || gridlink_flow::usecase::param(params, "recall_id");
        match (method, template) {
            ("GET", "recalls/{recall_id}") => Some(Self::Recall(recall_id())),
            ("POST", "recalls/{recall_id}/bundle") => Some(Self::Bundle(recall_id())),
            _ => None,
        }
    }
}

/// The recall-campaign use case.
#[derive(Debug, Clone)]
pub struct RecallCampaign {
    platform: Platform,
    config: RecallConfig,
}

impl RecallCampaign {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: RecallConfig) -> Function<Self> {
        Function::new(platform.clone(), Self { platform, config })
    }

    /// The use case alone (tests, the demo).
    pub fn new(platform: Platform, config: RecallConfig) -> Self {
        Self { platform, config }
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// One poll: incident workspaces changed in the cursor's window, then every other recall
    /// whose fan-out is not finished or which is being closed (each recall synced once per
    /// poll).
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self) -> Result<Value, RecallError> {
        let settings = PollSettings {
            workspace_type: self.config.workspace_type,
            overlap: self.config.poll_overlap,
            first_lookback: self.config.first_lookback,
        };
        let report = poll_changed(&self.platform, settings, |workspace| {
            self.sync_recall(workspace)
        })
        .await?;
        let mut synced: Vec<Value> = report
            .synced
            .iter()
            .map(|s| serde_json::to_value(s).unwrap_or_default())
            .collect();
        let seen: std::collections::BTreeSet<i64> = report
            .synced
            .iter()
            .map(|s| s.workspace_id)
            .chain(report.failed.iter().map(|f| f.workspace_id))
            .collect();
        let mut unfinished = self.recalls_in(records::ISSUING).await?;
        unfinished.extend(self.recalls_in(records::CLOSING).await?);
        for issuing in unfinished {
            if seen.contains(&issuing.workspace_id) {
                continue;
            }
            let workspace = gridlink_xecm::NodeId::new(issuing.workspace_id)
                .map_err(|e| RecallError::malformed("workspace id", &e))?;
            let sync = gridlink_flow::timeline::item(self.sync_recall(workspace)).await?;
            synced.push(serde_json::to_value(sync).unwrap_or_default());
        }
        Ok(json!({"examined": report.examined, "synced": synced, "failed": report.failed}))
    }
}

impl UseCaseSpec for RecallCampaign {
    const NAME: &'static str = NAME;
    type Route = Route;
    type Schedule = Schedule;
}

impl UseCase for RecallCampaign {
    type Error = RecallError;

    async fn on_event(&self, _item: &InboxItem, event: Received) -> Result<Value, RecallError> {
        match event {
            Received::Xecm(push) => {
                match pushed_workspace(self.platform.xecm.as_ref(), &push).await? {
                    Some(workspace) => Ok(serde_json::to_value(self.sync_recall(workspace).await?)
                        .unwrap_or_default()),
                    None => Ok(json!({"ignored": "the node is in no business workspace"})),
                }
            }
            Received::Tg(event) => {
                Ok(serde_json::to_value(self.take_answer(&event).await?).unwrap_or_default())
            }
        }
    }

    async fn on_schedule(&self, schedule: Schedule) -> Result<Value, RecallError> {
        match schedule {
            Schedule::PollXecm => {
                // TG's event feed first: what no webhook delivered is taken into the inbox
                // (under the event's own id) and processed with the other pending items after
                // this firing.
                let events =
                    gridlink_flow::feed::poll_subscribed_tg_events::<Self>(&self.platform).await?;
                Ok(json!({"polled": self.poll().await?, "events": events}))
            }
            Schedule::Deadlines => Ok(json!({"deadlines": self.remind_overdue().await?})),
        }
    }

    async fn on_route(&self, route: Route, _: &HttpRequest) -> Result<HttpResponse, RecallError> {
        match route {
            Route::Recall(recall_id) => {
                let rollup = self.rollup_of(&recall_id).await?;
                Ok(HttpResponse::json(200, &rollup))
            }
            Route::Bundle(recall_id) => {
                let report = self.export_bundle(&recall_id).await?;
                Ok(HttpResponse::json(200, &report))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manifest_and_the_dispatch_agree() {
        assert_eq!(
            gridlink_flow::check_bindings::<super::RecallCampaign>(),
            Ok(())
        );
    }
}
