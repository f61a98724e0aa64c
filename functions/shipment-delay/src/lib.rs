//! # shipment-delay
//!
//! Use case 4: partner delay, missing-shipment and customs messages — X12 214 and EDIFACT
//! IFTSTA shipment status documents, and free-text messages (with attachments) on Trading
//! Grid threads of kind `shipment` or `order` — are routed into the purchase-order workspace
//! they belong to, filed in its `Shipping` folder with the `Shipment Notice` category, the
//! order's `Shipment Status` updated, and an internal note filed beside them. Every EDI
//! interchange gets its 997 / CONTRL back through Trading Grid.
//!
//! The demo seed has no separate shipment workspace type: **the purchase-order workspace is
//! the shipment's home** (its `Shipping` folder), found by the PO number's business object.
//!
//! ## Flow
//! - `document.received` (signed webhook or the inbox poller) → durable inbox → only `214` /
//!   `IFTSTA` are taken (order-reconcile takes the other document types) → content streamed
//!   TG → blob store → validated; malformed → rejecting acknowledgment, nothing filed →
//!   each shipment status: the PO from `L11*PO` / `RFF+ON` (or TG's `business_refs`), else
//!   looked up from a shipment id / bill of lading / PRO number an earlier document taught
//!   ([`gridlink_inbound::shipments`]) → the sender must be the order's trading partner, else
//!   the unmatched queue → filed once → `Shipment Status` → note → the document's shipment
//!   references taught for the PO → acknowledgment.
//! - `message.posted` on a `shipment` / `order` thread by a partner → the PO (see
//!   [`message`]) → the author must be the order's partner → the message (as a text
//!   document) and each attachment (streamed TG → blob store → xECM) filed once →
//!   `Shipment Status` → note.
//!
//! ## The internal note
//! The xECM subset gridlink speaks has no comments or notes API, so the note is a short text
//! document (`Note – …txt`) filed in the same `Shipping` folder with the same category: who
//! reported what for which order and shipment, what was filed, and what `Shipment Status`
//! now says.
//!
//! ## Configuration
//! The keys of [`gridlink_inbound::config`], plus:
//! | Key | Default (demo seed) | Meaning |
//! |---|---|---|
//! | `FOLDER_SHIPPING` | `Shipping` | the order workspace's folder for shipment documents |
//! | `SHIPMENT_CATEGORY_ID` | `9600` | the `Shipment Notice` category on every filed document |
//! | `SHIPMENT_STATUS_ATTRIBUTE` | `Shipment Status` | the order category's attribute updated |
//! | `UNMATCHED_RETRY_BATCH` | `25` | open unmatched items the retry schedule takes per run |
//!
//! ## The unmatched queue
//! List, inspect and reject are [`gridlink_inbound::operator`]'s; `assign` (`{"po_number"}` or
//! `{"workspace_id"}`) files the parked 214 / IFTSTA or message there and teaches its
//! shipment references for the order; the schedule `shipment-delay-retry-unmatched`
//! re-correlates open items (an order created later, a reference taught since).
//!
//! ## Layout
//! - `lib.rs`: configuration, routing.
//! - [`process`]: a `document.received` item (214 / IFTSTA), end to end.
//! - [`message`]: a `message.posted` item, end to end.
//! - [`notice`]: what both file: category values, `Shipment Status`, the note.
//! - [`codes`]: status and reason code descriptions.
//! - `operator.rs`: the unmatched queue's `assign` route and retry schedule.

pub mod codes;
pub mod message;
pub mod notice;
mod operator;
pub mod process;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_core::error::ErrorKind;
use gridlink_flow::{InboxItem, Platform};
use gridlink_inbound::ingress::{self, function_error};
use gridlink_inbound::operator as inbound_operator;
use gridlink_inbound::{InboundConfig, InboundError};
use gridlink_lambda::manifest::{self, FunctionSpec};
use gridlink_lambda::{
    BoxFuture, FunctionError, Handler, HttpRequest, Invocation, Reply, not_implemented,
};
use gridlink_tgrid::{Event, EventType};
use gridlink_xecm::CategoryId;
use serde_json::{Value, json};

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "shipment-delay";

/// The function's configuration.
#[derive(Debug, Clone)]
pub struct ShipmentDelayConfig {
    /// Correlation and filing.
    pub inbound: InboundConfig,
    /// The order workspace's folder for shipment documents.
    pub folder_shipping: String,
    /// The category on every filed shipment document.
    pub shipment_category: CategoryId,
    /// The order category's shipment status attribute.
    pub shipment_status_attribute: String,
    /// Open unmatched items the retry schedule takes per run.
    pub unmatched_retry_batch: usize,
}

impl ShipmentDelayConfig {
    /// Reads the configuration, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let inbound = InboundConfig::from_source(source);
        let mut reader = source.reader();
        let folder_shipping = reader.optional("FOLDER_SHIPPING", "Shipping".to_owned());
        let category_id = reader.optional::<i64>("SHIPMENT_CATEGORY_ID", 9600);
        let shipment_category = CategoryId::new(category_id).unwrap_or_else(|_| {
            reader.invalid("SHIPMENT_CATEGORY_ID", "must be a positive node id");
            CategoryId::new(9600).expect("invariant: the default category id is positive")
        });
        let shipment_status_attribute =
            reader.optional("SHIPMENT_STATUS_ATTRIBUTE", "Shipment Status".to_owned());
        let unmatched_retry_batch = reader.optional("UNMATCHED_RETRY_BATCH", 25_usize);
        if unmatched_retry_batch == 0 {
            reader.invalid("UNMATCHED_RETRY_BATCH", "must be at least 1");
        }
        let mine = reader.finish();
        match (inbound, mine) {
            (Ok(inbound), Ok(())) => Ok(Self {
                inbound,
                folder_shipping,
                shipment_category,
                shipment_status_attribute,
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

/// The shipment-delay function.
#[derive(Debug, Clone)]
pub struct ShipmentDelay {
    spec: &'static FunctionSpec,
    platform: Platform,
    config: ShipmentDelayConfig,
}

impl ShipmentDelay {
    /// Builds the function on a platform.
    pub fn new(platform: Platform, config: ShipmentDelayConfig) -> Self {
        Self {
            spec: manifest::function(NAME).expect("shipment-delay is in the manifest"),
            platform,
            config,
        }
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The configuration.
    pub fn config(&self) -> &ShipmentDelayConfig {
        &self.config
    }

    /// Processes what is pending in the inbox (after a webhook, and from the schedules).
    pub async fn process_pending(&self) -> Result<ingress::RunSummary, FunctionError> {
        ingress::process_pending(
            &self.platform,
            self.config.inbound.inbox_batch,
            |item, event| self.process_event(item, event),
        )
        .await
        .map_err(|e| function_error(&e))
    }

    /// One inbox item: a received document, a posted message, or something to skip.
    async fn process_event(&self, item: InboxItem, event: Event) -> Result<Value, InboundError> {
        match event.event_type {
            EventType::DocumentReceived => process::process_document(self, &item, &event).await,
            EventType::MessagePosted => message::process_message(self, &item, &event).await,
            other => {
                Ok(json!({"skipped": format!("event type {other} is not for shipment-delay")}))
            }
        }
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
            (_, "/shipment-delay/health") => Ok(not_implemented::health(self.spec, true)),
            ("POST", "/shipment-delay/tg/events") => {
                let accepted = ingress::accept_tg_webhook(&self.platform, &request).await?;
                if let Err(e) = self.process_pending().await {
                    tracing::warn!(error = %e, "inline processing stopped; the schedule picks the rest up");
                }
                Ok(Reply::Http(accepted))
            }
            ("GET", "/shipment-delay/unmatched") => inbound_operator::list(&self.platform).await,
            ("GET", "/shipment-delay/unmatched/{item_id}") => {
                inbound_operator::inspect(&self.platform, &param("item_id")).await
            }
            ("POST", "/shipment-delay/unmatched/{item_id}/reject") => {
                inbound_operator::reject(&self.platform, &param("item_id"), &request).await
            }
            ("POST", "/shipment-delay/unmatched/{item_id}/assign") => {
                operator::assign(self, &param("item_id"), &request).await
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
            "shipment-delay-poll-inbox" => {
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
            "shipment-delay-retry-unmatched" => operator::retry_unmatched(self).await,
            other => Err(FunctionError::new(
                ErrorKind::NotImplemented,
                format!("{NAME}: schedule `{other}` is not implemented yet; nothing was processed"),
            )),
        }
    }
}

impl Handler for ShipmentDelay {
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
