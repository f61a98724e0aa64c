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
//! folder of its kind with the `Partner Document` category → an 855 / ORDRSP is reconciled
//! line by line against the order's `Lines` (line number, acceptance, quantity) and the
//! verdict written to the order's `Match Status` → 997 / CONTRL back → done.
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
//! Reconciliation of 856 / 810 and prices and dates; the discrepancy report. See the README
//! section.
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
//! ## Layout
//! - `lib.rs`: configuration, routing.
//! - `process.rs`: one inbox item, end to end.
//! - `operator.rs`: the unmatched-queue routes (list, inspect, assign, reject) and the retry
//!   schedule.
//! - `refile.rs`: a parked document rebuilt from its unmatched record and filed (assign, retry).
//! - `reconcile.rs`: an order acknowledgment against the order's lines → `Match Status`.

mod operator;
mod process;
mod reconcile;
mod refile;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_core::error::ErrorKind;
use gridlink_flow::Platform;
use gridlink_inbound::InboundConfig;
use gridlink_inbound::ingress::{self, function_error};
use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{
    BoxFuture, FunctionError, Handler, HttpRequest, Invocation, Reply, not_implemented,
};
use serde_json::json;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "order-reconcile";

/// The function's configuration.
#[derive(Debug, Clone)]
pub struct OrderReconcileConfig {
    /// Correlation and filing.
    pub inbound: InboundConfig,
    /// Folder of order acknowledgments.
    pub folder_order_acks: String,
    /// Folder of ship notices.
    pub folder_ship_notices: String,
    /// Folder of invoices.
    pub folder_invoices: String,
    /// Folder of everything else.
    pub folder_other: String,
    /// Open unmatched items the retry schedule takes per run.
    pub unmatched_retry_batch: usize,
}

impl OrderReconcileConfig {
    /// Reads the configuration, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let inbound = InboundConfig::from_source(source);
        let mut reader = source.reader();
        let folder_order_acks = reader.optional("FOLDER_ORDER_ACKS", "Confirmations".to_owned());
        let folder_ship_notices =
            reader.optional("FOLDER_SHIP_NOTICES", "Delivery Notes".to_owned());
        let folder_invoices = reader.optional("FOLDER_INVOICES", "Invoices".to_owned());
        let folder_other = reader.optional("FOLDER_OTHER", "Correspondence/Partner".to_owned());
        let unmatched_retry_batch = reader.optional("UNMATCHED_RETRY_BATCH", 25_usize);
        if unmatched_retry_batch == 0 {
            reader.invalid("UNMATCHED_RETRY_BATCH", "must be at least 1");
        }
        let mine = reader.finish();
        match (inbound, mine) {
            (Ok(inbound), Ok(())) => Ok(Self {
                inbound,
                folder_order_acks,
                folder_ship_notices,
                folder_invoices,
                folder_other,
                unmatched_retry_batch,
            }),
            (Err(mut a), Err(b)) => {
                a.problems.extend(b.problems);
                Err(a)
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}

/// The order-reconcile function.
#[derive(Debug, Clone)]
pub struct OrderReconcile {
    spec: &'static FunctionSpec,
    platform: Platform,
    config: OrderReconcileConfig,
}

impl OrderReconcile {
    /// Builds the function on a platform.
    pub fn new(platform: Platform, config: OrderReconcileConfig) -> Self {
        Self {
            spec: manifest::function(NAME).expect("order-reconcile is in the manifest"),
            platform,
            config,
        }
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// Processes what is pending in the inbox (after a webhook, and from the schedules).
    pub async fn process_pending(&self) -> Result<ingress::RunSummary, FunctionError> {
        ingress::process_pending(
            &self.platform,
            self.config.inbound.inbox_batch,
            |item, event| process::process_event(self, item, event),
        )
        .await
        .map_err(|e| function_error(&e))
    }

    async fn http(&self, request: HttpRequest) -> Result<Reply, FunctionError> {
        let Some((route, params)) = self.spec.route_for(&request.method, &request.path) else {
            return Err(FunctionError::new(
                ErrorKind::NotFound,
                format!("{NAME}: no route {} {}", request.method, request.path),
            ));
        };
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        match (route.method, route.path) {
            (_, "/order-reconcile/health") => Ok(not_implemented::health(self.spec, true)),
            ("POST", "/order-reconcile/tg/events") => {
                let accepted = ingress::accept_tg_webhook(&self.platform, &request).await?;
                if let Err(e) = self.process_pending().await {
                    tracing::warn!(error = %e, "inline processing stopped; the schedule picks the rest up");
                }
                Ok(Reply::Http(accepted))
            }
            ("GET", "/order-reconcile/unmatched") => operator::list(self).await,
            ("GET", "/order-reconcile/unmatched/{item_id}") => {
                operator::inspect(self, &param("item_id")).await
            }
            ("POST", "/order-reconcile/unmatched/{item_id}/assign") => {
                operator::assign(self, &param("item_id"), &request).await
            }
            ("POST", "/order-reconcile/unmatched/{item_id}/reject") => {
                operator::reject(self, &param("item_id"), &request).await
            }
            _ => Err(FunctionError::new(
                ErrorKind::NotImplemented,
                format!(
                    "{NAME}: `{}` is not implemented yet; nothing was processed",
                    route.route_key()
                ),
            )),
        }
    }

    async fn schedule(&self, name: &str) -> Result<Reply, FunctionError> {
        match name {
            "order-reconcile-poll-inbox" => {
                let polled = match &self.config.inbound.mailbox {
                    Some(mailbox) => ingress::poll_tg_inbox(&self.platform, mailbox)
                        .await
                        .map_err(|e| function_error(&e))?,
                    None => 0,
                };
                let summary = self.process_pending().await?;
                Ok(Reply::Scheduled(
                    json!({"polled": polled, "processed": summary}),
                ))
            }
            "order-reconcile-retry-unmatched" => operator::retry_unmatched(self).await,
            other => Err(FunctionError::new(
                ErrorKind::NotImplemented,
                format!("{NAME}: schedule `{other}` is not implemented yet; nothing was processed"),
            )),
        }
    }
}

impl Handler for OrderReconcile {
    fn spec(&self) -> &'static FunctionSpec {
        self.spec
    }

    fn handle(&self, invocation: Invocation) -> BoxFuture<'_, Result<Reply, FunctionError>> {
        Box::pin(async move {
            match invocation {
                Invocation::Http(request) => self.http(request).await,
                Invocation::Schedule(firing) => self.schedule(&firing.schedule).await,
            }
        })
    }
}
