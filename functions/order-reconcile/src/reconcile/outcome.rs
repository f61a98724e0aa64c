//! What reconciliation finds: the verdict, line by line, with every finding named.
//!
//! # Format
//! Serialised as the JSON discrepancy report (see [`super::report`]); every decimal is a
//! string (`"0.12"`), every date `YYYY-MM-DD`:
//! ```json
//! {"po_number":"4500001234","status":"exceptions","currency":"EUR",
//!  "price_tolerance":{"percent":"2","absolute":null},"invoicing_complete":true,
//!  "documents":[{"kind":"invoice","number":"INV-1","sender":"ZZ:ACMESUPPLY","revision":"<sha256>","received_at":"…"}],
//!  "summary":{"lines":2,"matched":1,"exceptions":1,"waiting":0,"findings":1,"ordered_amount":"1000.00","invoiced_amount":"1100.00"},
//!  "lines":[{"line":"20","material":"M-STEEL-NUT-12","status":"exceptions",
//!    "ordered":{"quantity":"5000","unit":"EA","unit_price":"0.08","delivery_date":"2026-11-20","ship_date":null,"committed":"5000"},
//!    "acknowledged":{"outcome":"accepted","quantity":"5000","unit_price":"0.08","date":"2026-11-18","date_kind":"shipment"},
//!    "shipped":{"quantity":"5000","shipments":[{"shipment_id":"SHP-1","quantity":"5000"}]},
//!    "invoiced":{"quantity":"5000","invoices":[{"invoice_number":"INV-1","quantity":"5000","unit_price":"0.10"}]}}],
//!  "invoices":[{"invoice_number":"INV-1","stated_total":"1100.00","line_total":"1100.00","charges":"0","tax":null,"currency":"EUR"}],
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

/// What was found (the JSON `code`). [`FindingCode::ALL`] with [`FindingCode::meaning`] is
/// the report's legend.
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
    /// The partner confirmed another date of the same kind.
    AckDateChanged,
    /// The partner accepted with changes it did not detail, or answered with another code.
    AckChanged,
    /// A partner document names a line the order does not have.
    UnknownLine,
    /// A document's unit differs from the order's and no configured conversion applies.
    UnitMismatch,
    /// Less shipped than committed, and invoicing is complete.
    ShortShipment,
    /// More shipped than committed.
    OverShipment,
    /// The invoiced unit price is outside the tolerance.
    PriceOutsideTolerance,
    /// The order has no unit price for an invoiced line.
    PriceUnknown,
    /// More invoiced than shipped.
    InvoicedMoreThanShipped,
    /// More invoiced than ordered.
    InvoicedMoreThanOrdered,
    /// Invoicing is complete and a shipped line is billed short.
    InvoicedLessThanShipped,
    /// Invoicing is complete and a shipped line is on no invoice.
    ShippedNotInvoiced,
    /// An invoice's stated total is not its lines plus charges, less allowances, plus tax.
    InvoiceTotalMismatch,
    /// An invoice in another currency than the order.
    CurrencyMismatch,
    /// The partner's system rejected a document the buyer sent for the order (997/999 `R`,
    /// CONTRL `4`).
    FunctionalAckRejected,
    /// The partner's system accepted a document the buyer sent with errors (`E`, CONTRL with
    /// errors).
    FunctionalAckErrors,
    /// No acknowledgment yet.
    AwaitingAcknowledgment,
    /// No ship notice yet.
    AwaitingShipNotice,
    /// Part of a committed line is not shipped yet, and invoicing is not complete.
    AwaitingShipment,
    /// No invoice yet.
    AwaitingInvoice,
    /// Part of what was shipped is not invoiced yet, and invoicing is not complete.
    AwaitingInvoiceForShipped,
}

impl FindingCode {
    /// Every code, in the legend's order.
    pub const ALL: [FindingCode; 26] = [
        Self::NotAcknowledged,
        Self::AckRejected,
        Self::AckBackordered,
        Self::AckQuantityChanged,
        Self::AckPriceChanged,
        Self::AckDateChanged,
        Self::AckChanged,
        Self::UnknownLine,
        Self::UnitMismatch,
        Self::ShortShipment,
        Self::OverShipment,
        Self::PriceOutsideTolerance,
        Self::PriceUnknown,
        Self::InvoicedMoreThanShipped,
        Self::InvoicedMoreThanOrdered,
        Self::InvoicedLessThanShipped,
        Self::ShippedNotInvoiced,
        Self::InvoiceTotalMismatch,
        Self::CurrencyMismatch,
        Self::FunctionalAckRejected,
        Self::FunctionalAckErrors,
        Self::AwaitingAcknowledgment,
        Self::AwaitingShipNotice,
        Self::AwaitingShipment,
        Self::AwaitingInvoice,
        Self::AwaitingInvoiceForShipped,
    ];

    /// The JSON name (`price_outside_tolerance`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotAcknowledged => "not_acknowledged",
            Self::AckRejected => "ack_rejected",
            Self::AckBackordered => "ack_backordered",
            Self::AckQuantityChanged => "ack_quantity_changed",
            Self::AckPriceChanged => "ack_price_changed",
            Self::AckDateChanged => "ack_date_changed",
            Self::AckChanged => "ack_changed",
            Self::UnknownLine => "unknown_line",
            Self::UnitMismatch => "unit_mismatch",
            Self::ShortShipment => "short_shipment",
            Self::OverShipment => "over_shipment",
            Self::PriceOutsideTolerance => "price_outside_tolerance",
            Self::PriceUnknown => "price_unknown",
            Self::InvoicedMoreThanShipped => "invoiced_more_than_shipped",
            Self::InvoicedMoreThanOrdered => "invoiced_more_than_ordered",
            Self::InvoicedLessThanShipped => "invoiced_less_than_shipped",
            Self::ShippedNotInvoiced => "shipped_not_invoiced",
            Self::InvoiceTotalMismatch => "invoice_total_mismatch",
            Self::CurrencyMismatch => "currency_mismatch",
            Self::FunctionalAckRejected => "functional_ack_rejected",
            Self::FunctionalAckErrors => "functional_ack_errors",
            Self::AwaitingAcknowledgment => "awaiting_acknowledgment",
            Self::AwaitingShipNotice => "awaiting_ship_notice",
            Self::AwaitingShipment => "awaiting_shipment",
            Self::AwaitingInvoice => "awaiting_invoice",
            Self::AwaitingInvoiceForShipped => "awaiting_invoice_for_shipped",
        }
    }

    /// Exception or waiting, whatever the case.
    pub fn severity(self) -> Severity {
        match self {
            Self::AwaitingAcknowledgment
            | Self::AwaitingShipNotice
            | Self::AwaitingShipment
            | Self::AwaitingInvoice
            | Self::AwaitingInvoiceForShipped => Severity::Waiting,
            _ => Severity::Exception,
        }
    }

    /// The rule behind the code, for the report's legend.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::NotAcknowledged => {
                "An acknowledgment arrived but does not mention this ordered line."
            }
            Self::AckRejected => "The partner rejected or deleted the line (committed quantity 0).",
            Self::AckBackordered => {
                "The partner backordered the line or part of it (committed = ordered − backordered)."
            }
            Self::AckQuantityChanged => {
                "The partner confirmed another quantity than ordered (after unit conversion)."
            }
            Self::AckPriceChanged => "The confirmed unit price is outside the price tolerance.",
            Self::AckDateChanged => {
                "The confirmed date differs from the ordered date of the same kind (ship with Ship Date, delivery with Delivery Date)."
            }
            Self::AckChanged => {
                "The partner accepted with changes it did not detail, or answered with another code."
            }
            Self::UnknownLine => {
                "A partner document names a line (or, without line number, a part number) the order does not have."
            }
            Self::UnitMismatch => {
                "A document's unit of measure differs from the order's and no configured conversion applies; its quantities are not compared."
            }
            Self::ShortShipment => {
                "Less shipped (all ship notices) than committed, and invoicing is complete."
            }
            Self::OverShipment => "More shipped (all ship notices) than committed.",
            Self::PriceOutsideTolerance => {
                "An invoiced unit price is outside the tolerance (|invoiced − ordered| / ordered ≤ limit, inclusive)."
            }
            Self::PriceUnknown => "The order has no unit price for an invoiced line.",
            Self::InvoicedMoreThanShipped => {
                "More invoiced than shipped, once a ship notice arrived."
            }
            Self::InvoicedMoreThanOrdered => "More invoiced than ordered.",
            Self::InvoicedLessThanShipped => {
                "Invoicing is complete and a shipped line is billed for less than was shipped."
            }
            Self::ShippedNotInvoiced => {
                "Invoicing is complete and a shipped line is on no invoice."
            }
            Self::InvoiceTotalMismatch => {
                "An invoice's stated total is not its lines plus charges, less allowances, plus tax (to the cent)."
            }
            Self::CurrencyMismatch => "An invoice is in another currency than the order.",
            Self::FunctionalAckRejected => {
                "The partner's system rejected a document the buyer sent for the order (997/999 R, CONTRL 4), with its error codes."
            }
            Self::FunctionalAckErrors => {
                "The partner's system accepted a document the buyer sent with errors (997/999 E, CONTRL with errors), with its error codes."
            }
            Self::AwaitingAcknowledgment => {
                "No acknowledgment yet (when acknowledgments are required)."
            }
            Self::AwaitingShipNotice => "No ship notice yet.",
            Self::AwaitingShipment => {
                "Part of a committed line is not shipped yet; more ship notices may come."
            }
            Self::AwaitingInvoice => "No invoice yet.",
            Self::AwaitingInvoiceForShipped => {
                "Part of what was shipped is not invoiced yet; invoicing is not complete."
            }
        }
    }
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
    /// Unit of measure, when the order says.
    pub unit: Option<String>,
    /// Unit price.
    pub unit_price: Option<Decimal>,
    /// Requested delivery date.
    pub delivery_date: Option<EdiDate>,
    /// Requested ship date.
    pub ship_date: Option<EdiDate>,
    /// What shipments are judged against: ordered, less what the acknowledgment backordered;
    /// 0 for a rejected line; the confirmed quantity of a changed line.
    pub committed: Decimal,
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
    /// What the date is a date of, from its qualifier (`None`: not said, not compared).
    pub date_kind: Option<gridlink_edi::DateKind>,
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
    /// Σ charges − Σ allowances (SAC / ALC + MOA).
    pub charges: Decimal,
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
    /// Whether the partner's invoicing of the order is complete ([`super::Invoicing`]).
    pub invoicing_complete: bool,
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
