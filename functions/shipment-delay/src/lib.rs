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
//!   ([`gridlink_inbound::shipments`]), else from the shipment a carrier is authorised on →
//!   the sender must be the order's trading partner **or a carrier authorised on this
//!   shipment of this order** ([`carrier`]), else the unmatched queue → filed once →
//!   `Shipment Status` → note → the document's shipment references taught for the PO →
//!   acknowledgment.
//! - `document.received` of an `856` / `DESADV` → read (not filed, not acknowledged:
//!   order-reconcile does both) → when its sender is the order's trading partner and it names
//!   a carrier (TD503 / TDT), that carrier is authorised on the shipment for each order.
//!
//! ## Carriers
//! Carriers send most 214s and IFTSTAs. A carrier becomes authorised on one shipment of one
//! order by the supplier's ship notice naming its SCAC (the carrier is `02:{SCAC}`, and any
//! address of the TG partner holding that address), or by an operator assigning its parked
//! report to the order; it may then file status reports for that shipment, into that order's
//! `Shipping` folder, and nothing else. Everything else a carrier sends is parked. The rules,
//! what is evidence and what is not: [`carrier`].
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
//! The routes are [`gridlink_inbound::operator`]'s; `assign` (`{"po_number"}` or
//! `{"workspace_id"}`) files the parked 214 / IFTSTA or message there and teaches its
//! shipment references for the order (and authorises its sender, when a carrier, on them —
//! [`carrier`]); the schedule `shipment-delay-retry-unmatched`
//! re-correlates open items (an order created later, a reference taught since).
//!
//! ## Layout
//! - `lib.rs`: the use case on the runtime (`gridlink_flow::Function`): its triggers.
//! - [`config`]: the configuration, [`ShipmentDelayConfig`].
//! - [`process`]: a `document.received` item (214 / IFTSTA), end to end.
//! - [`message`]: a `message.posted` item, end to end.
//! - [`notice`]: what both file: category values, `Shipment Status`, the note.
//! - [`codes`]: status and reason code descriptions.
//! - [`carrier`]: which carrier may report on which shipment, and from what evidence.
//! - `refile.rs`: what an operator's assignment and the retry schedule file.

pub mod carrier;
pub mod codes;
pub mod config;
pub mod message;
pub mod notice;
pub mod process;
mod refile;

use gridlink_flow::{Function, InboxItem, InboxPolicy, Platform, Received, UseCase, UseCaseSpec};
use gridlink_inbound::InboundError;
use gridlink_inbound::operator::{self, UnmatchedRoute};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_tgrid::EventType;
use serde_json::{Value, json};

pub use config::ShipmentDelayConfig;

/// The function's name in the manifest, the template and the runner.
pub const NAME: &str = "shipment-delay";

pub use gridlink_inbound::operator::InboundSchedule as Schedule;

/// The shipment-delay use case.
#[derive(Debug, Clone)]
pub struct ShipmentDelay {
    platform: Platform,
    config: ShipmentDelayConfig,
}

impl ShipmentDelay {
    /// The function: the use case on its platform, in the runtime.
    pub fn function(platform: Platform, config: ShipmentDelayConfig) -> Function<Self> {
        let policy = InboxPolicy {
            batch: config.inbound.inbox_batch,
            ..InboxPolicy::default()
        };
        Function::new(platform.clone(), Self { platform, config }).with_policy(policy)
    }

    /// The platform it runs on.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The configuration.
    pub fn config(&self) -> &ShipmentDelayConfig {
        &self.config
    }
}

impl UseCaseSpec for ShipmentDelay {
    const NAME: &'static str = NAME;
    type Route = UnmatchedRoute;
    type Schedule = Schedule;
}

impl UseCase for ShipmentDelay {
    type Error = InboundError;

    async fn on_event(&self, item: &InboxItem, event: Received) -> Result<Value, InboundError> {
        let Received::Tg(event) = event else {
            return Ok(json!({"skipped": "shipment-delay takes no xECM pushes"}));
        };
        match event.event_type {
            EventType::DocumentReceived => process::process_document(self, item, &event).await,
            EventType::MessagePosted => message::process_message(self, item, &event).await,
            other => {
                Ok(json!({"skipped": format!("event type {other} is not for shipment-delay")}))
            }
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
