//! # po-exception
//!
//! Use case 2: a purchase-order exception found in the ERP-linked xECM workspace is
//! published to the supplier through Trading Grid; the supplier's answers (explanations,
//! corrected documents, revised confirmations, change requests, disputes) are filed back
//! into the same order workspace; the whole round trip is kept as the exception's timeline.
//!
//! ## What it does
//! 1. **Exceptions** are the rows of the `Exceptions` set of the `PO Exception` category
//!    (9700) on a purchase-order workspace ([`row`]). Each valid row is published
//!    ([`sync`]): one TG space per (order workspace, partner), one `po_exception` thread per
//!    exception, linked both ways (`external_ref` `xecm:<ws>#<id>`, a ledger link, the
//!    row's `TG Thread ID`), a message with the structured exception and an
//!    `action_request` due at `Response Due`. A changed row republishes once per revision.
//!    A row that cannot be published (no `Exception ID`, `Type` or `Line`; the supplier has
//!    no TG partner) is parked with the reason in its `Status`, never dropped.
//! 2. **Answers** ([`answer`]): the partner's `message.posted` on the thread is filed into
//!    `Exceptions/<id>` with the `Partner Document` category, each file once; anyone else
//!    posting on the thread is refused and logged; a reply on a resolved exception reopens
//!    it.
//! 3. **State machine** ([`machine`]) per exception in the ledger, by compare-and-set; the
//!    row's `Status` is its projection; the buyer decides by setting `Status` (`Accepted`,
//!    `Rejected`, `Under Review`, `Change Order`, `Withdrawn`).
//! 4. **Timeline** ([`timeline`]): `Exceptions/<id>/timeline.json` and `.html`, a new version
//!    at every transition.
//! 5. **Deadlines** ([`deadlines`]): reminders after `Response Due`, then escalation.
//!
//! 6. **PO change** ([`change`]): the buyer's `Change Order` sends an X12 860 (EDIFACT
//!    ORDCHG for a supplier whose `EDI Standards` lists EDIFACT first) through Trading Grid,
//!    once, filed into `Exceptions/<id>`; the partner's 865 / ORDRSP answering it closes the
//!    change (`change_acknowledged` → `resolved`) or sends the exception back to the supplier
//!    (`awaiting_supplier`, with the reason); the partner's 997 / CONTRL of it (read from the
//!    change's receiver only) is recorded when it accepts, and sends the exception back to
//!    `awaiting_supplier` with the partner's error codes when it rejects.
//!
//! 7. **Exceptions from order-reconcile's result** ([`reconciled`]): when the order's
//!    `Match Status` is `exceptions`, the discrepancy report order-reconcile filed in
//!    `Reconciliation` yields one exception per finding kind and line (`REC-<line>-<code>`,
//!    stable, so a re-reconciliation duplicates nothing), written as rows of the set and
//!    published like them; one the re-reconciliation no longer finds is resolved with a
//!    timeline entry naming the report, and reopened if it is found again.
//! 8. **Auto-accept tolerance** ([`tolerance`], `AUTO_ACCEPT_TOLERANCES`, per partner): a
//!    price, quantity or date exception inside it is resolved without publishing, with a
//!    timeline entry saying why; a later revision outside it reopens and publishes it.
//! 9. **Evidence** ([`evidence`]): each publication streams the documents the buyer
//!    selected — `EVIDENCE_FOLDERS` (the `Order` folder's PO document by default), the
//!    row's `Evidence` paths, and for a `REC-` exception the discrepancy report — from xECM
//!    to Trading Grid as attachments of the message, each uploaded once.
//!
//! 10. **Deadlines per type and partner** ([`due`], `RESPONSE_DUE_HOURS_BY_TYPE`): a row
//!     without `Response Due` is due after the hours configured for its type, overridable
//!     per partner, else `RESPONSE_DUE_HOURS`; reminders and escalation count from it.
//!
//! ## Benchmark
//! `tests/bench.rs` (ignored tests printing figures): reply → filed + timeline latency, and
//! one deadline sweep over 1 000 open exceptions; figures and goals in docs/benchmarks.md.
//!
//! ## Routing rule: one filer per document
//! po-exception files only thread messages and their files, and the 860 / ORDCHG it sends
//! itself. **Every partner EDI document about an order — a revised 855 / ORDRSP, and the
//! 865 / ORDRSP answering our change included — is order-reconcile's to file** (and to
//! acknowledge with a 997 / CONTRL); po-exception never files it. po-exception receives the
//! same `document.received` events only to *read* an 865 / ORDRSP and move the exception
//! whose change it answers (matched by sender address, PO and change sequence or line; see
//! [`change`]); every other document type is acknowledged and ignored.

//! ## Triggers
//! - schedule `po-exception-poll-xecm`: Trading Grid's event feed (`GET /v1/events?after=`,
//!   cursor `poll-cursor / po-exception:tg-events`, through
//!   [`gridlink_inbound::ingress::poll_tg_events`]) for what the webhook may never deliver
//!   (TG gives up after 24 h): the partners' thread messages (`message.posted`),
//!   `document.received` of an 865 / ORDRSP and `document.status_changed` of our 860 /
//!   ORDCHG turning `acknowledged` ([`change::takes_event`]), each taken into the inbox under
//!   its own event id, so one delivered by both paths is one inbox item; then order
//!   workspaces changed since the xECM cursor (with an overlap window), each synced; then
//!   inbox items left pending.
//! - `POST /po-exception/xecm/events`: a signed xECM push — the same sync, for the pushed
//!   node's workspace, through the inbox.
//! - `POST /po-exception/tg/events`: Trading Grid webhooks (`message.posted`;
//!   `document.received` for 865 / ORDRSP answers to our changes; `document.status_changed`
//!   for the 997 / CONTRL of our 860 / ORDCHG).
//! - schedule `po-exception-deadlines`: reminders and escalation.
//!
//! Effects, each once under a business key: `tg-pox-space` (ws/partner), `tg-pox-thread`
//! (ws#exception), `tg-pox-publish` (ws#exception/revision), `tg-pox-decision`,
//! `tg-pox-thread-status` (ws#exception/entry), `tg-pox-reminder` (ws#exception/revision/n;
//! `revision~round` once the supplier was asked again), `tg-pox-escalation`
//! (ws#exception/revision, likewise), `tg-pox-change` and `xecm-pox-change-file`
//! (ws#exception/revision/decision entry), `xecm-pox-file` (message/attachment),
//! `xecm-pox-timeline` (ws#exception/json|html, a version per content).

pub mod answer;
pub mod by_partner;
pub mod change;
pub mod config;
pub mod deadlines;
pub mod due;
pub mod error;
pub mod evidence;
pub mod machine;
pub mod reconciled;
pub mod row;
pub mod sync;
pub mod timeline;
pub mod tolerance;

use gridlink_flow::{Function, InboxItem, NoRoutes, Platform, Received, UseCase, UseCaseSpec};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_outbound::{PollSettings, poll_changed, pushed_workspace};
use gridlink_tgrid::events::EventType;
use serde_json::{Value, json};

pub use config::PoExceptionConfig;
pub use error::ExceptionError;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "po-exception";

gridlink_flow::schedules! {
    /// po-exception's schedules.
    pub enum Schedule {
        /// Poll xECM for new and changed PO exceptions, and Trading Grid's event feed for
        /// the answers to our changes (the safety net beside the webhook).
        PollXecm = "poll-xecm",
        /// Remind partners of overdue exceptions; escalate after the last reminder.
        Deadlines = "deadlines",
    }
}

/// The po-exception use case.
#[derive(Debug, Clone)]
pub struct PoException {
    platform: Platform,
    config: PoExceptionConfig,
}

impl PoException {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: PoExceptionConfig) -> Function<Self> {
        Function::new(platform.clone(), Self { platform, config })
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// One poll: order workspaces changed in the cursor's window, each synced once.
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self) -> Result<Value, ExceptionError> {
        let settings = PollSettings {
            workspace_type: self.config.workspace_type,
            overlap: self.config.poll_overlap,
            first_lookback: self.config.first_lookback,
        };
        let report = poll_changed(&self.platform, settings, |workspace| {
            self.sync_order(workspace)
        })
        .await?;
        let published: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.published.clone())
            .collect();
        let parked: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.parked.clone())
            .collect();
        let decided: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.decided.clone())
            .collect();
        let withdrawn: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.withdrawn.clone())
            .collect();
        Ok(
            json!({"examined": report.examined, "published": published, "parked": parked,
                  "decided": decided, "withdrawn": withdrawn, "failed": report.failed}),
        )
    }
}

impl UseCaseSpec for PoException {
    const NAME: &'static str = NAME;
    type Route = NoRoutes;
    type Schedule = Schedule;
}

impl UseCase for PoException {
    type Error = ExceptionError;

    async fn on_event(&self, _item: &InboxItem, event: Received) -> Result<Value, ExceptionError> {
        match event {
            Received::Xecm(push) => {
                match pushed_workspace(self.platform.xecm.as_ref(), &push).await? {
                    Some(workspace) => {
                        Ok(serde_json::to_value(self.sync_order(workspace).await?)
                            .unwrap_or_default())
                    }
                    None => Ok(json!({"ignored": "the node is in no business workspace"})),
                }
            }
            Received::Tg(event) => match event.event_type {
                EventType::DocumentReceived => self.change_answered(&event).await,
                EventType::DocumentStatusChanged => {
                    self.change_functionally_acknowledged(&event).await
                }
                _ => Ok(serde_json::to_value(self.file_answer(&event).await?).unwrap_or_default()),
            },
        }
    }

    async fn on_schedule(&self, schedule: Schedule) -> Result<Value, ExceptionError> {
        match schedule {
            Schedule::PollXecm => {
                // The event feed first: what it takes is in the inbox, processed with the
                // other pending items after this firing (or the next, if the xECM poll fails).
                let events =
                    gridlink_inbound::ingress::poll_tg_events(&self.platform, &change::takes_event)
                        .await?;
                Ok(json!({"polled": self.poll().await?, "events": events}))
            }
            Schedule::Deadlines => Ok(json!({"deadlines": self.sweep_deadlines().await?})),
        }
    }

    async fn on_route(
        &self,
        route: NoRoutes,
        _: &HttpRequest,
    ) -> Result<HttpResponse, ExceptionError> {
        match route {}
    }
}
