//! What reconciliation reads: the order as xECM holds it, the partner documents received for
//! it (latest revision of each), and the price tolerance agreed with the partner.

use gridlink_edi::{EdiDate, Invoice, OrderAcknowledgment, ShipNotice};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
    /// `Unit Price`, in the order's currency.
    pub unit_price: Option<Decimal>,
    /// `Delivery Date`.
    pub delivery_date: Option<EdiDate>,
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
}

impl DocumentKind {
    /// The canonical model's kind name (`gridlink_edi::BusinessDocument::kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderAcknowledgment => "OrderAcknowledgment",
            Self::ShipNotice => "ShipNotice",
            Self::Invoice => "Invoice",
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
            .collect();
        refs.sort_by(|a, b| (a.kind, &a.number).cmp(&(b.kind, &b.number)));
        refs
    }

    /// Whether nothing was received.
    pub fn is_empty(&self) -> bool {
        self.acknowledgments.is_empty() && self.ship_notices.is_empty() && self.invoices.is_empty()
    }
}

/// How far an invoiced (or acknowledged) unit price may be from the ordered one.
///
/// Both limits must hold ("the more restrictive wins", as SAP Ariba and Oracle apply them);
/// a limit that is `None` does not restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTolerance {
    /// At most this many percent of the ordered unit price.
    pub percent: Option<Decimal>,
    /// At most this much per unit, in the order's currency.
    pub absolute: Option<Decimal>,
}

impl PriceTolerance {
    /// No difference allowed.
    pub const EXACT: Self = Self {
        percent: Some(Decimal::ZERO),
        absolute: Some(Decimal::ZERO),
    };

    /// Whether `actual` is within the tolerance of `ordered`.
    pub fn allows(&self, ordered: Decimal, actual: Decimal) -> bool {
        let difference = (actual - ordered).abs();
        let within_percent = self
            .percent
            .is_none_or(|percent| difference * Decimal::ONE_HUNDRED <= ordered.abs() * percent);
        let within_absolute = self.absolute.is_none_or(|absolute| difference <= absolute);
        within_percent && within_absolute
    }
}

/// How the rules judge what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Whether an order without an acknowledgment is still waiting for one (`true`), or the
    /// partner does not acknowledge orders.
    pub acknowledgment_required: bool,
    /// The unit-price tolerance.
    pub price_tolerance: PriceTolerance,
}

/// The normalised key of a line number: trimmed, leading zeros of numeric numbers removed
/// (`"0010"`, `" 10"` and `"10"` are the same line).
pub fn line_key(line: &str) -> String {
    let line = line.trim();
    if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
        let stripped = line.trim_start_matches('0');
        if stripped.is_empty() {
            "0".to_owned()
        } else {
            stripped.to_owned()
        }
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    #[test]
    fn line_numbers_with_leading_zeros_are_the_same_line() {
        assert_eq!(line_key("0010"), "10");
        assert_eq!(line_key(" 10 "), "10");
        assert_eq!(line_key("000"), "0");
        assert_eq!(line_key("A-10"), "A-10");
    }

    #[test]
    fn a_price_is_within_tolerance_only_when_both_limits_hold() {
        let tolerance = PriceTolerance {
            percent: Some(d("2")),
            absolute: Some(d("0.05")),
        };
        assert!(tolerance.allows(d("0.12"), d("0.1224")));
        assert!(!tolerance.allows(d("0.12"), d("0.1225")));
        // 2 % of 41.25 is 0.825, but the absolute limit of 0.05 is more restrictive.
        assert!(tolerance.allows(d("41.25"), d("41.30")));
        assert!(!tolerance.allows(d("41.25"), d("41.31")));
        assert!(!tolerance.allows(d("41.25"), d("41.19")));
    }

    #[test]
    fn a_missing_limit_does_not_restrict() {
        let percent_only = PriceTolerance {
            percent: Some(d("10")),
            absolute: None,
        };
        assert!(percent_only.allows(d("100"), d("110")));
        assert!(!percent_only.allows(d("100"), d("110.01")));
        assert!(PriceTolerance::EXACT.allows(d("3.50"), d("3.5")));
        assert!(!PriceTolerance::EXACT.allows(d("3.50"), d("3.51")));
    }
}
