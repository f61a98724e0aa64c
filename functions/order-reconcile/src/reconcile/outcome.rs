//! What reconciliation finds: the verdict, line by line, with every finding named.
//!
//! # Format
//! Serialised as the JSON discrepancy report (see [`super::report`]); every decimal is a
//! string (`"0.12"`), every date `YYYY-MM-DD`:
//! ```json
//! {"po_number":"4500001234","status":"exceptions","currency":"EUR",
//!  "price_tolerance":{"percent":"2","absolute":"0.05"},
//!  "documents":[{"kind":"invoice","number":"INV-1","sender":"ZZ:ACMESUPPLY","revision":"<sha256>","received_at":"…"}],
//!  "summary":{"lines":2,"matched":1,"exceptions":1,"waiting":0,"findings":1,"ordered_amount":"1000.00","invoiced_amount":"1100.00"},
//!  "lines":[{"line":"20","material":"M-STEEL-NUT-12","status":"exceptions",
//!    "ordered":{"quantity":"5000","unit_price":"0.08","delivery_date":"2026-11-20"},
//!    "acknowledged":{"outcome":"accepted","quantity":"5000","unit_price":"0.08","date":"2026-11-20"},
//!    "shipped":{"quantity":"5000","shipments":[{"shipment_id":"SHP-1","quantity":"5000"}]},
//!    "invoiced":{"quantity":"5000","invoices":[{"invoice_number":"INV-1","quantity":"5000","unit_price":"0.10"}]}}],
//!  "invoices":[{"invoice_number":"INV-1","stated_total":"1100.00","line_total":"1100.00","tax":null,"currency":"EUR"}],
//!  "findings":[{"severity":"exception","code":"price_outside_tolerance","line":"20","document":"INV-1",
//!    "message":"line 20: invoice INV-1 unit price 0.10 differs from the ordered 0.08 by more than the tolerance"}]}
//! ```

use gridlink_edi::EdiDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::{DocumentRef, PriceTolerance};

/// The order's match status, as written to `Match Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Acknowledged, shipped and invoiced as ordered (within tolerance).
    Matched,
    /// Nothing contradicts the order, but documents are still missing.
    WaitingForDocuments,
    /// At least one finding needs a person.
    Exceptions,
}

impl MatchStatus {
    /// `matched`, `waiting_for_documents`, `exceptions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Matched => "matched",
            Self::WaitingForDocuments => "waiting_for_documents",
            Self::Exceptions => "exceptions",
        }
    }
}

impl std::fmt::Display for MatchStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a finding is a discrepancy or a document still to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A discrepancy: the status is `exceptions`.
    Exception,
    /// Something expected has not arrived: the status is at least `waiting_for_documents`.
    Waiting,
}

/// What was found (the JSON `code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// The acknowledgment does not mention an ordered line.
    NotAcknowledged,
    /// The partner rejected or deleted the line.
    AckRejected,
    /// The partner backordered the line.
    AckBackordered,
    /// The partner confirmed another quantity.
    AckQuantityChanged,
    /// The partner confirmed another price (beyond the tolerance).
    AckPriceChanged,
    /// The partner confirmed another date.
    AckDateChanged,
    /// The partner accepted with changes it did not detail, or answered with another code.
    AckChanged,
    /// A partner document names a line the order does not have.
    UnknownLine,
    /// Less shipped than ordered, and the partner has invoiced.
    ShortShipment,
    /// More shipped than ordered.
    OverShipment,
    /// The invoiced unit price is outside the tolerance.
    PriceOutsideTolerance,
    /// The order has no unit price for an invoiced line.
    PriceUnknown,
    /// More invoiced than shipped.
    InvoicedMoreThanShipped,
    /// More invoiced than ordered.
    InvoicedMoreThanOrdered,
    /// An invoice's stated total is not the sum of its lines plus tax.
    InvoiceTotalMismatch,
    /// An invoice in another currency than the order.
    CurrencyMismatch,
    /// No acknowledgment yet.
    AwaitingAcknowledgment,
    /// No ship notice yet.
    AwaitingShipNotice,
    /// Part of a line is not shipped yet, and nothing is invoiced.
    AwaitingShipment,
    /// No invoice yet.
    AwaitingInvoice,
    /// Part of what was shipped is not invoiced yet.
    AwaitingInvoiceForShipped,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Discrepancy or missing document.
    pub severity: Severity,
    /// What it is.
    pub code: FindingCode,
    /// The order line, when it concerns one.
    pub line: Option<String>,
    /// The partner document's number, when one document is at fault.
    pub document: Option<String>,
    /// A sentence for people.
    pub message: String,
}

/// What was ordered on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ordered {
    /// Quantity.
    pub quantity: Decimal,
    /// Unit price.
    pub unit_price: Option<Decimal>,
    /// Delivery date.
    pub delivery_date: Option<EdiDate>,
}

/// The partner's answer to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckOutcome {
    /// Accepted as ordered.
    Accepted,
    /// Accepted with another quantity, price or date.
    Changed,
    /// Backordered.
    Backordered,
    /// Rejected or deleted.
    Rejected,
    /// The acknowledgment does not mention the line.
    NotAcknowledged,
}

/// What the acknowledgment says about a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    /// The verdict.
    pub outcome: AckOutcome,
    /// The confirmed (or backordered) quantity.
    pub quantity: Option<Decimal>,
    /// The confirmed unit price.
    pub unit_price: Option<Decimal>,
    /// The confirmed date.
    pub date: Option<EdiDate>,
}

/// One ship notice's part of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentPart {
    /// The shipment id (BSN02 / BGM).
    pub shipment_id: String,
    /// Quantity shipped of the line in it.
    pub quantity: Decimal,
}

/// What was shipped of a line, over all ship notices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipped {
    /// The sum.
    pub quantity: Decimal,
    /// Per ship notice, in the order they were received.
    pub shipments: Vec<ShipmentPart>,
}

/// One invoice's part of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePart {
    /// The invoice number.
    pub invoice_number: String,
    /// Quantity invoiced.
    pub quantity: Decimal,
    /// Unit price invoiced.
    pub unit_price: Decimal,
}

/// What was invoiced of a line, over all invoices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoiced {
    /// The sum.
    pub quantity: Decimal,
    /// Per invoice line.
    pub invoices: Vec<InvoicePart>,
}

/// One order line, reconciled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineResult {
    /// The line number as the order has it.
    pub line: String,
    /// The buyer's material.
    pub material: Option<String>,
    /// The line's verdict.
    pub status: MatchStatus,
    /// What was ordered.
    pub ordered: Ordered,
    /// The acknowledgment's answer, when an acknowledgment arrived.
    pub acknowledged: Option<Acknowledged>,
    /// What was shipped.
    pub shipped: Shipped,
    /// What was invoiced.
    pub invoiced: Invoiced,
}

/// One invoice's arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceCheck {
    /// The invoice number.
    pub invoice_number: String,
    /// TDS01 / MOA+77.
    pub stated_total: Decimal,
    /// Σ quantity × unit price.
    pub line_total: Decimal,
    /// TXI / MOA+124.
    pub tax: Option<Decimal>,
    /// CUR / CUX.
    pub currency: Option<String>,
}

/// Counts and amounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Order lines.
    pub lines: usize,
    /// Lines matched.
    pub matched: usize,
    /// Lines with an exception.
    pub exceptions: usize,
    /// Lines waiting for documents.
    pub waiting: usize,
    /// Findings of both severities.
    pub findings: usize,
    /// Σ ordered quantity × ordered unit price (lines with a price).
    pub ordered_amount: Decimal,
    /// Σ invoiced quantity × invoiced unit price.
    pub invoiced_amount: Decimal,
}

/// The reconciliation of one order against everything received for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// The order.
    pub po_number: String,
    /// The verdict: `exceptions` if any finding is an exception, else `waiting_for_documents`
    /// if any is a missing document, else `matched`.
    pub status: MatchStatus,
    /// The order's currency.
    pub currency: Option<String>,
    /// The tolerance applied.
    pub price_tolerance: PriceTolerance,
    /// The documents (and revisions) this reconciliation read, by kind and number.
    pub documents: Vec<DocumentRef>,
    /// Counts.
    pub summary: Summary,
    /// Every order line.
    pub lines: Vec<LineResult>,
    /// Every invoice's arithmetic.
    pub invoices: Vec<InvoiceCheck>,
    /// Everything found, order-level first, then by line.
    pub findings: Vec<Finding>,
}
