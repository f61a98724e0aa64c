//! # supplier-onboarding
//!
//! Use case 5: the documents a supplier must provide (tax forms, insurance certificates,
//! attestations) are requested through Trading Grid, validated, filed into the supplier
//! workspace, and renewed before they expire. xECM keeps the record; TG asks the supplier
//! through the network they already use.
//!
//! A supplier workspace (type `SUPPLIER_WORKSPACE_TYPE_ID`, category `SUPPLIER_CATEGORY_ID`)
//! is synced when it is created or changed: the requirement matrix ([`matrix`], a
//! versioned JSON document in xECM) says which kinds its class and tax country need; its TG
//! partner is resolved from `Trading Partner ID` (a `prt_…` id or an EDI address) — or the
//! supplier is parked with the reason (`Onboarding Status` `blocked`); one TG document
//! request per supplier and cycle asks for what is missing ([`sync`]).
//!
//! Each `document_request.item_submitted` is validated ([`validate`]): a failure is a
//! rejection through TG's review call whose reason names the field; what cannot be checked
//! goes to a buyer's review; an accepted file is filed once into `Certificates/<kind
//! folder>` with the `Compliance Document` category, a later file of the same kind becoming
//! a new version ([`submission`]). Every requirement's state lives in the ledger
//! ([`standing`]); `Onboarding Status`, the `Requirements` rows and the compliance record
//! (`.json` + `.html`, a version per change) are its projection ([`record`]). A buyer
//! accepts or rejects what waits for review, or waives a requirement, on the `Requirements`
//! rows in xECM, by name and with a reason ([`review`]). The renewals sweep asks for
//! renewals before documents expire and marks them expired after ([`renewals`]), and
//! reminds the supplier in its `onboarding` thread — before an expiry, and weekly after a
//! missed deadline — then escalates ([`reminders`]).
//!
//! ## Triggers
//! - schedule `supplier-onboarding-poll-xecm`: first Trading Grid's event feed — the safety net for
//!   answers TG stopped redelivering: every event of this function's webhook types no webhook
//!   brought, taken into the inbox under its own event id
//!   ([`gridlink_flow::feed::poll_subscribed_tg_events`], cursor `poll-cursor /
//!   supplier-onboarding:tg-events`); then supplier workspaces changed since the ledger cursor
//!   (with an overlap window), each synced; then inbox items left pending.
//! - `POST /supplier-onboarding/xecm/events`: a signed xECM push — the same sync for the
//!   pushed node's workspace, through the inbox.
//! - `POST /supplier-onboarding/tg/events`: `document_request.item_submitted`, accepted
//!   durably into the inbox before the 202.
//! - schedule `supplier-onboarding-renewals`: the renewals sweep, the reminders and
//!   escalations, and from `ATTESTATION_DAY` the year's code-of-conduct campaign
//!   ([`attestation`]).
//! - `POST /supplier-onboarding/tg/events` also takes `campaign.response_received`: an answer
//!   to that campaign, validated and filed ([`attestation`]).
//! - `GET /supplier-onboarding/suppliers/{workspace_id}/calendar` (operator, IAM): the
//!   supplier's expiry calendar (`.ics`, [`calendar`]), also filed in `Compliance`.
//! - `GET /supplier-onboarding/suppliers/{workspace_id}` (operator, IAM): the supplier's
//!   standing — its compliance record as filed ([`record::record_json`]).
//!
//! Effects, each once under a business key: `tg-document-request` (workspace/cycle),
//! `tg-cancel-request` (a superseded request's id),
//! `tg-item-review` (request/item/submitted at), `xecm-compliance-document` (workspace/kind,
//! a version per content hash), `xecm-compliance-record` (workspace/json|html, a version per
//! content hash), `xecm-matrix` (the built-in matrix, filed when none is there),
//! `onboarding-renewal-step` (workspace/kind/valid until/n), `tg-onb-space` and
//! `tg-onb-thread` (workspace/partner), `tg-onb-reminder` (workspace/partner/kind/deadline/n
//! after a deadline, workspace/kind/valid until/n before an expiry),
//! `tg-onb-escalation` (workspace/partner/kind/deadline), `tg-onb-attestation` (year),
//! `tg-onb-attestation-answer` (campaign/partner/responded at).

pub mod attestation;
pub mod calendar;
pub mod config;
pub mod error;
pub mod matrix;
pub mod record;
pub mod reminders;
pub mod renewals;
pub mod review;
pub mod standing;
pub mod submission;
pub mod sync;
pub mod validate;

use gridlink_core::error::Classify;
use gridlink_flow::{Function, InboxItem, Platform, Received, UseCase, UseCaseSpec};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_outbound::{PollSettings, poll_changed, pushed_workspace};
use serde_json::{Value, json};

pub use config::OnboardingConfig;
pub use error::OnboardingError;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "supplier-onboarding";

gridlink_flow::schedules! {
    /// SupplierOnboarding's schedules.
    pub enum Schedule {
        /// Poll xECM for new and changed supplier workspaces.
        PollXecm = "poll-xecm",
        /// Request renewals of expiring documents.
        Renewals = "renewals",
    }
}

/// The supplier-onboarding use case.
#[derive(Debug, Clone)]
pub struct SupplierOnboarding {
    platform: Platform,
    config: OnboardingConfig,
}

impl SupplierOnboarding {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: OnboardingConfig) -> Function<Self> {
        Function::new(platform.clone(), Self { platform, config })
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// One poll: supplier workspaces changed in the cursor's window, each synced once.
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self) -> Result<Value, OnboardingError> {
        let settings = PollSettings {
            workspace_type: self.config.workspace_type,
            overlap: self.config.poll_overlap,
            first_lookback: self.config.first_lookback,
        };
        let report = poll_changed(&self.platform, settings, |workspace| {
            self.sync_supplier(workspace)
        })
        .await?;
        let mut synced: Vec<sync::SupplierSync> = report
            .synced
            .into_iter()
            .filter(|s| s.skipped.is_none())
            .collect();
        let mut failed = report.failed;
        // a new matrix version applies to every tracked supplier, changed or not; as in the
        // poll above, one supplier's failure is logged and skipped (an outage stops it all)
        let matrix = self.matrix().await?;
        for standing in self.standings().await? {
            if standing.matrix_version != matrix.version
                && !synced
                    .iter()
                    .any(|s| s.workspace_id == standing.workspace_id)
                && !failed
                    .iter()
                    .any(|f| f.workspace_id == standing.workspace_id)
            {
                let workspace = gridlink_xecm::NodeId::new(standing.workspace_id)?;
                match gridlink_flow::timeline::item(self.sync_supplier(workspace)).await {
                    Ok(done) => synced.push(done),
                    Err(error) if renewals::stops_the_sweep(error.kind()) => return Err(error),
                    Err(error) => {
                        tracing::error!(workspace_id = standing.workspace_id, partner_id = standing.partner_id.as_deref().unwrap_or(""), matrix_version = matrix.version, error = %error, "supplier could not be re-evaluated against the new matrix; the poll goes on");
                        failed.push(gridlink_outbound::PollFailure {
                            workspace_id: standing.workspace_id,
                            error: error.to_string(),
                        });
                    }
                }
            }
        }
        Ok(json!({"examined": report.examined, "synced": synced, "failed": failed}))
    }
}

impl UseCaseSpec for SupplierOnboarding {
    const NAME: &'static str = NAME;
    type Route = calendar::OnboardingRoute;
    type Schedule = Schedule;
}

impl UseCase for SupplierOnboarding {
    type Error = OnboardingError;

    async fn on_event(&self, _item: &InboxItem, event: Received) -> Result<Value, OnboardingError> {
        match event {
            Received::Xecm(push) => {
                match pushed_workspace(self.platform.xecm.as_ref(), &push).await? {
                    Some(workspace) => {
                        Ok(serde_json::to_value(self.sync_supplier(workspace).await?)
                            .unwrap_or_default())
                    }
                    None => Ok(json!({"ignored": "the node is in no business workspace"})),
                }
            }
            Received::Tg(event) => {
                let decided = if event.event_type
                    == gridlink_tgrid::events::EventType::CampaignResponseReceived
                {
                    self.on_attestation(&event).await?
                } else {
                    self.on_submission(&event).await?
                };
                Ok(serde_json::to_value(decided).unwrap_or_default())
            }
        }
    }

    async fn on_schedule(&self, schedule: Schedule) -> Result<Value, OnboardingError> {
        match schedule {
            Schedule::PollXecm => {
                // TG's event feed first: what no webhook delivered is taken into the inbox
                // (under the event's own id) and processed with the other pending items after
                // this firing.
                let events =
                    gridlink_flow::feed::poll_subscribed_tg_events::<Self>(&self.platform).await?;
                Ok(json!({"polled": self.poll().await?, "events": events}))
            }
            Schedule::Renewals => {
                let sweep = self.sweep_renewals().await?;
                Ok(json!({
                    "dry_run": self.config.renewals_dry_run,
                    "renewals": sweep.renewals,
                    "reminders": sweep.reminders,
                    "attestation": sweep.attestation,
                }))
            }
        }
    }

    async fn on_route(
        &self,
        route: calendar::OnboardingRoute,
        _: &HttpRequest,
    ) -> Result<HttpResponse, OnboardingError> {
        self.answer(route).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manifest_and_the_dispatch_agree() {
        assert_eq!(
            gridlink_flow::check_bindings::<super::SupplierOnboarding>(),
            Ok(())
        );
    }
}
