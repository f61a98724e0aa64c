//! # gridlink-inbound
//!
//! What the inbound use cases (shipment-delay, order-reconcile) share: partner documents and
//! messages come in through Trading Grid, are kept before they are acknowledged, find their
//! order workspace, are checked against the partner linked to it, are filed once, and get
//! their functional acknowledgment back through Trading Grid.
//!
//! ## Layout
//! - [`config`] — [`InboundConfig`] — business object types, categories, attribute names.
//! - [`ingress`] — the Trading Grid inbox poller (webhooks and the inbox processing are the
//!   use-case runtime's, `gridlink_flow::Function`).
//! - [`intake`] — EDI intake: detect, validate, rejecting acknowledgment, parse.
//! - [`received`] — a document's content streamed from TG into the blob store.
//! - [`correlate`] — PO number → purchase-order workspace; partner isolation.
//! - [`taught`] — the correlation index operators teach by assigning unmatched items.
//! - [`filing`] — a partner document through the one filer (`gridlink_flow::filing`): once
//!   per business identity; revisions become versions.
//! - [`acks`] — 997 / CONTRL back through TG, once per interchange.
//! - [`functional_ack`] — a partner's 997 / 999 / CONTRL of a document gridlink sent: read
//!   from the receiver only, classified, matched by control numbers.
//! - [`shipments`] — shipment id / bill of lading / PRO number → the order, as earlier
//!   documents taught the ledger (per sender).
//! - [`unmatched`] — the queue of documents that found no workspace they may go into: list,
//!   inspect, assign, reject, and the retry schedule ([`unmatched::retry_open`]).
//! - [`operator`] — the queue's operator routes (list, inspect, assign, reject) and the retry
//!   schedule, typed ([`operator::UnmatchedRoute`]); what is filed is the function's
//!   ([`operator::Refiler`]).
//! - [`error`] — the crate error type, [`InboundError`].

pub mod acks;
pub mod config;
pub mod correlate;
pub mod error;
pub mod filing;
pub mod functional_ack;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod ingress;
pub mod intake;
pub mod operator;
pub mod received;
pub mod shipments;
pub mod taught;
pub mod unmatched;

pub use config::InboundConfig;
pub use correlate::{Correlation, UnmatchedReason, correlate_order};
pub use error::InboundError;
pub use filing::{Filing, file_once};
pub use gridlink_flow::Filed;
pub use intake::{Accepted, Intake, intake};
pub use operator::{Refiler, UnmatchedRoute};
pub use received::{ReceivedAttachment, ReceivedDocument, fetch_attachment, fetch_content};
pub use shipments::ShipmentRefs;
