//! # order-reconcile
//!
//! Use case 7: order acknowledgments (855 / ORDRSP), ship notices (856 / DESADV) and
//! invoices (810 / INVOIC) — and PDFs and notes about an order — come in through Trading
//! Grid, are filed into the purchase-order workspace they belong to (when the sender is that
//! order's partner), and are acknowledged with a 997 / CONTRL.
//!
//! ## Flow
//! `document.received` (signed webhook, or the inbox poller) → durable inbox → content
//! streamed from TG to the blob store → validated; malformed → rejecting acknowledgment,
//! nothing filed → parsed → PO number → purchase-order workspace (business object
//! `SAP_ERP/BUS2012/{po}`) → the sender must be the `Trading Partner ID` of the order's
//! supplier workspace, else the unmatched queue → filed once per business identity
//! (`sender|doc type|business number`; a changed revision becomes a version) into the
//! folder of its kind with the `Partner Document` category → an 855 / ORDRSP, 856 / DESADV
//! or 810 / INVOIC is recorded per revision (ledger + canonical JSON blob) and the whole order
//! is reconciled line by line against everything received for it ([`reconcile`]): the
//! discrepancy report (JSON + HTML) is filed in the workspace's `Reconciliation` folder (a
//! new version when the result changes) and `Match Status` set to `matched`, `exceptions` or
//! `waiting_for_documents` → 997 / CONTRL back → done.
//!
//! ## The order record
//! The order's lines are read from the order workspace's `Purchase Order` category (`Lines`:
//! `Line`, `Material`, `Quantity`, `Delivery Date`, `Unit Price`; plus `Currency`), the record
//! the ERP integration keeps current. Only for an order whose category has no lines is the
//! buyer's 850 / ORDERS filed in `Order` (`FOLDER_ORDER_DOCUMENT`) the baseline. See
//! [`reconcile::order`] and [`reconcile::baseline`].
//!
//! ## Who files what (with po-exception)
//! One filer per document: every partner **EDI document** about an order — a revised
//! 855 / ORDRSP after a PO exception, an ORDRSP answering an ORDCHG included — is
//! order-reconcile's to file and reconcile; po-exception files only what arrives on its TG
//! exception threads (`message.posted` and their attachments) and follows the order's
//! `Match Status`. An 865 (PO change acknowledgment) is filed here too, under
//! `Correspondence/Partner`, and acknowledged like any other: po-exception, which sent the
//! 860 / ORDCHG, receives the same `document.received` and only *reads* the 865 / ORDRSP to
//! close (or reopen) the change on its exception — it never files it.
//!
//! ## The unmatched queue
//! Documents that find no workspace they may go into are parked
//! ([`gridlink_inbound::unmatched`]). An operator lists, inspects, rejects, or assigns them:
//! `POST /order-reconcile/unmatched/{item_id}/assign` with `{"po_number": "…"}` or
//! `{"workspace_id": n}` re-reads the parked document from the blob store, files it exactly
//! like a matched one, closes the item `assigned`, and teaches the correlation index
//! ([`gridlink_inbound::taught`]) that this sender's PO reference means that workspace. The
//! schedule `order-reconcile-retry-unmatched` re-correlates open items in bounded batches and
//! files those that now match.
//!
//! ## Not implemented yet (answered honestly with 501)
//! See the README section for what is not done yet.
//!
//! ## Configuration
//! The keys of [`gridlink_inbound::config`], plus:
//! | Key | Default | Meaning |
//! |---|---|---|
//! | `FOLDER_ORDER_ACKS` | `Confirmations` | where 855 / ORDRSP go |
//! | `FOLDER_SHIP_NOTICES` | `Delivery Notes` | where 856 / DESADV go |
//! | `FOLDER_INVOICES` | `Invoices` | where 810 / INVOIC go |
//! | `FOLDER_OTHER` | `Correspondence/Partner` | PDFs, notes and anything else |
//! | `UNMATCHED_RETRY_BATCH` | `25` | open unmatched items the retry schedule takes per run |
//!
//! and the reconciliation keys of [`reconcile::config`]: `FOLDER_RECONCILIATION`
//! (`Reconciliation`), `PRICE_TOLERANCE_PERCENT` (`2`), `PRICE_TOLERANCE_ABSOLUTE` (`none`:
//! the relative rule only), `PRICE_TOLERANCES` (per-partner JSON), `INVOICING` /
//! `PARTNER_INVOICING` (when invoicing is complete), `UNIT_CONVERSIONS`,
//! `ACKNOWLEDGMENT_REQUIRED` (`true`).
//!
//! ## Functional acknowledgments
//! A partner's 997 / 999 / CONTRL is never answered with one of ours; what it accepts or
//! rejects is recorded on the inbox item ([`reconcile::functional_ack::classify`]). When it
//! answers an order document the buyer sent (850 / ORDERS, 860 / ORDCHG), it is tracked on
//! the order from TG's `document.status_changed` of that outbound document (`acknowledged`,
//! `acknowledged_by`): an accepted one is a ledger entry listed among the order's documents in
//! the reconciliation report, an error or rejection an exception on the order
//! (`functional_ack_rejected` / `functional_ack_errors`) carrying the partner's codes. Once
//! per acknowledged control number and acknowledgment content. See `acknowledged.rs` for
//! why the status change and not the inbound 997 is the way in. The status change comes by
//! webhook and, as the safety net, by the `poll-inbox` schedule's poll of TG's event feed.
//!
//! ## Layout
//! - `lib.rs`: the use case on the runtime (`gridlink_flow::Function`): its triggers.
//! - [`config`]: the configuration, [`OrderReconcileConfig`].
//! - `process.rs`: one received document, end to end.
//! - `acknowledged.rs`: a partner's functional acknowledgment of the buyer's 850 / 860,
//!   taken from the outbound document's status change and tracked on the order.
//! - `refile.rs`: a parked document rebuilt from its unmatched record and filed (an
//!   operator's assignment, the retry schedule); the queue's routes are
//!   [`gridlink_inbound::operator`]'s.
//! - [`reconcile`]: line-by-line reconciliation (a pure engine), the discrepancy report, the
//!   per-order ledger of received documents, and the run after each filed document (one
//!   per order at a time: callers in one process queue for the order and share a run that
//!   started after their document was recorded, [`reconcile::turns`]).

mod acknowledged;
pub mod config;
#[doc(hidden)]
pub mod fuzz_targets;
mod process;
pub mod reconcile;
mod refile;

use gridlink_flow::{Function, InboxItem, InboxPolicy, Platform, Received, UseCase, UseCaseSpec};
use gridlink_inbound::InboundError;
use gridlink_inbound::operator::{self, UnmatchedRoute};
use gridlink_lambda::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

pub use config::OrderReconcileConfig;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "order-reconcile";

pub use gridlink_inbound::operator::InboundSchedule as Schedule;

/// The order-reconcile use case.
#[derive(Debug, Clone)]
pub struct OrderReconcile {
    platform: Platform,
    config: OrderReconcileConfig,
    /// The order documents this instance has read, parsed (kept across a warm Lambda's
    /// invocations; see [`reconcile::ledger::CanonicalCache`]).
    documents: reconcile::ledger::CanonicalCache,
    /// This process's queue of reconciliations per order ([`reconcile::turns`]).
    turns: std::sync::Arc<reconcile::turns::Turns<reconcile::run::ReconcileOutcome>>,
}

impl OrderReconcile {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: OrderReconcileConfig) -> Function<Self> {
        let policy = InboxPolicy {
            batch: config.inbound.inbox_batch,
            ..InboxPolicy::default()
        };
        Function::new(
            platform.clone(),
            Self {
                platform,
                config,
                documents: reconcile::ledger::CanonicalCache::default(),
                turns: std::sync::Arc::default(),
            },
        )
        .with_policy(policy)
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The parsed order documents this instance keeps.
    pub fn document_cache(&self) -> &reconcile::ledger::CanonicalCache {
        &self.documents
    }
}

impl UseCaseSpec for OrderReconcile {
    const NAME: &'static str = NAME;
    type Route = UnmatchedRoute;
    type Schedule = Schedule;
}

impl UseCase for OrderReconcile {
    type Error = InboundError;

    async fn on_event(&self, item: &InboxItem, event: Received) -> Result<Value, InboundError> {
        match event {
            Received::Tg(event) => process::process_event(self, item, &event).await,
            Received::Xecm(_) => Ok(json!({"skipped": "order-reconcile takes no xECM pushes"})),
        }
    }

    async fn on_schedule(&self, schedule: Schedule) -> Result<Value, InboundError> {
        operator::run_schedule(self, schedule, self.config.unmatched_retry_batch).await
    }

    async fn on_route(
        &self,
        route: UnmatchedRoute,
        request: &HttpRequest,
    ) -> Result<HttpResponse, InboundError> {
        operator::answer(self, route, request).await
    }
}
