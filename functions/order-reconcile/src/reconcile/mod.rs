//! Line-by-line reconciliation of an order against the acknowledgments (855 / ORDRSP), ship
//! notices (856 / DESADV) and invoices (810 / INVOIC) received for it, and the discrepancy
//! report filed in the order workspace.
//!
//! The engine ([`model`], [`rules`], [`outcome`], [`report`]) is pure — no I/O — so it is
//! unit-tested and benchmarked on its own; [`order`] turns the workspace's category into the
//! order record; the function's side ([`ledger`], [`run`]) records every received document
//! and re-runs the reconciliation whenever one arrives.
//!
//! ## Layout
//! - [`model`]: the order record, the received documents, the price tolerance, the rules.
//! - [`rules`]: [`rules::reconcile`] — the rules, documented there.
//! - [`outcome`]: the result: status, line results, findings (the JSON report's format).
//! - [`report`]: the result as JSON and as an HTML page.
//! - [`order`]: the order record from the `Purchase Order` category (the primary source).
//! - [`config`]: folder, tolerances (default and per partner), acknowledgment rule.
//! - [`ledger`]: every partner document of an order, per revision, in the ledger + blobs.
//! - [`run`]: record → one run per order at a time → reconcile → report filed (JSON + HTML,
//!   one document each, a new version when the result changes) → `Match Status`.

pub mod config;
pub mod ledger;
pub mod model;
pub mod order;
pub mod outcome;
pub mod report;
pub mod rules;
pub mod run;

#[cfg(test)]
mod rules_tests;

pub use config::ReconcileConfig;
pub use model::{
    DocumentKind, DocumentRef, OrderRecord, OrderedLine, PartnerDocuments, PriceTolerance,
    Received, Rules,
};
pub use outcome::{MatchStatus, Reconciliation};
pub use rules::reconcile;
