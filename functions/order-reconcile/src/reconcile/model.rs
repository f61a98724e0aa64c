//! What reconciliation reads: the order record, and the partner documents received for it
//! (latest revision of each). How they are judged is [`super::policy`].

use gridlink_edi::{EdiDate, Invoice, OrderAcknowledgment, ShipNotice};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use super::functional_ack::AcknowledgedTransaction;
pub use super::policy::{Invoicing, PriceTolerance, Rules};

/// The order record: the purchase order's lines as the order workspace's category holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// The PO number.
    pub po_number: String,
    /// The order's currency (`Currency`), when known.
    pub currency: Option<String>,
    /// The ordered lines in the order's sequence.
    pub lines: Vec<OrderedLine>,
}

/// One ordered line (a row of the `Lines` set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderedLine {
    /// `Line`: the line number partners echo (PO101 / LIN 1082).
    pub line: String,
    /// `Material`: the buyer's item number.
    pub material: Option<String>,
    /// `Quantity`.
    pub quantity: Decimal,
    /// `Unit` (X12 355 / UN/ECE Rec. 20 code, `EA`…); `None` when the order does not say,
    /// and then every document's unit is taken as the order's.
    #[serde(default)]
    pub unit: Option<String>,
    /// `Unit Price`, in the order's currency, per `unit`.
    pub unit_price: Option<Decimal>,
    /// `Delivery Date`: the requested **delivery** date (DTM*002 / DTM+2). Compared only with
    /// acknowledged dates of the delivery kind.
    pub delivery_date: Option<EdiDate>,
    /// `Ship Date`: the requested **ship** date (DTM*010 / DTM+10). Compared only with
    /// acknowledged dates of the shipment kind.
    #[serde(default)]
    pub ship_date: Option<EdiDate>,
}

/// The kinds of partner documents reconciled against an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 855 / ORDRSP.
    OrderAcknowledgment,
    /// 856 / DESADV.
    ShipNotice,
    /// 810 / INVOIC.
    Invoice,
    /// 997 / 999 / CONTRL answering a document the buyer sent for the order (850 / ORDERS,
    /// 860 / ORDCHG).
    FunctionalAck,
}

impl DocumentKind {
    /// The canonical model's kind name (`gridlink_edi::BusinessDocument::kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderAcknowledgment => "OrderAcknowledgment",
            Self::ShipNotice => "ShipNotice",
            Self::Invoice => "Invoice",
            Self::FunctionalAck => "FunctionalAck",
        }
    }

    /// The kind of a canonical kind name; `None` for documents not reconciled.
    pub fn from_kind_name(name: &str) -> Option<Self> {
        match name {
            "OrderAcknowledgment" => Some(Self::OrderAcknowledgment),
            "ShipNotice" => Some(Self::ShipNotice),
            "Invoice" => Some(Self::Invoice),
            _ => None,
        }
    }
}

/// Which received document (and which revision of it) a reconciliation used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// What it is.
    pub kind: DocumentKind,
    /// Its business number: PO number (acknowledgment), shipment id, invoice number.
    pub number: String,
    /// Who sent it (`qualifier:id`).
    pub sender: String,
    /// The SHA-256 of the interchange it came in: the revision.
    pub revision: String,
    /// When this revision was first received (RFC 3339).
    pub received_at: String,
}

/// A received document with the reference it is known by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received<T> {
    /// Which document and revision.
    pub reference: DocumentRef,
    /// Its canonical content.
    pub document: T,
}

/// Everything received for one order: the latest revision of each business document, oldest
/// first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerDocuments {
    /// 855 / ORDRSP.
    pub acknowledgments: Vec<Received<OrderAcknowledgment>>,
    /// 856 / DESADV.
    pub ship_notices: Vec<Received<ShipNotice>>,
    /// 810 / INVOIC.
    pub invoices: Vec<Received<Invoice>>,
    /// The partner's functional acknowledgments of what the buyer sent for this order, one
    /// acknowledged transaction each (see [`super::functional_ack`]).
    pub functional_acks: Vec<Received<AcknowledgedTransaction>>,
}

impl PartnerDocuments {
    /// Every document's reference, sorted by kind, then number.
    pub fn references(&self) -> Vec<DocumentRef> {
        let mut refs: Vec<DocumentRef> = self
            .acknowledgments
            .iter()
            .map(|r| r.reference.clone())
            .chain(self.ship_notices.iter().map(|r| r.reference.clone()))
            .chain(self.invoices.iter().map(|r| r.reference.clone()))
            .chain(self.functional_acks.iter().map(|r| r.reference.clone()))
            .collect();
        refs.sort_by(|a, b| (a.kind, &a.number).cmp(&(b.kind, &b.number)));
        refs
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.acknowledgments.is_empty()
            && self.ship_notices.is_empty()
            && self.invoices.is_empty()
            && self.functional_acks.is_empty()
    }
}

/// The normalised key of a line number: trimmed, leading zeros of numeric numbers removed
/// (`"0010"`, `" 10"` and `"10"` are the same line). A slice of `line`: no allocation.
pub fn line_key(line: &str) -> &str {
    let line = line.trim();
    if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
        let stripped = line.trim_start_matches('0');
        if stripped.is_empty() {
            &line[line.len() - 1..]
        } else {
            stripped
        }
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_with_leading_zeros_are_the_same_line() {
        assert_eq!(line_key("0010"), "10");
        assert_eq!(line_key(" 10 "), "10");
        assert_eq!(line_key("000"), "0");
        assert_eq!(line_key("A-10"), "A-10");
    }
}
