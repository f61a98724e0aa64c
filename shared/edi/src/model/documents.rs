//! The canonical business documents, the same whichever syntax they arrived in.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::envelope::PartyId;

use super::changes::{PurchaseOrderChange, PurchaseOrderChangeAck};
use super::common::{BusinessKeys, EdiDate, EdiTime, Party, ProductId, Purpose, Quantity};

/// The kind of order (X12 BEG02, EDIFACT BGM 1001): `SA` / `220` stand-alone,
/// `BK` / `221` blanket, `RL` / `226` release (call-off).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderType {
    StandAlone,
    Blanket,
    Release,
    /// Any other code, kept as received.
    Other(String),
}

/// A purchase order: X12 850 or EDIFACT ORDERS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrder {
    pub purpose: Purpose,
    pub order_type: OrderType,
    /// BEG03 / BGM C106.
    pub po_number: String,
    /// BEG05 / DTM+137.
    pub po_date: Option<EdiDate>,
    /// DTM*002 / DTM+2.
    pub requested_delivery: Option<EdiDate>,
    /// DTM*010 / DTM+10: when the buyer wants the goods shipped.
    #[serde(default)]
    pub requested_ship: Option<EdiDate>,
    /// CUR02 / CUX C504.
    pub currency: Option<String>,
    pub parties: Vec<Party>,
    pub lines: Vec<OrderLine>,
}

/// One ordered line (PO1 loop / LIN group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// PO101 / LIN 1082.
    pub line_number: String,
    /// PO102+PO103 / QTY+21.
    pub quantity: Quantity,
    /// PO104 / PRI+AAA.
    pub unit_price: Option<Decimal>,
    /// PO106… pairs / LIN C212 and PIA.
    pub product_ids: Vec<ProductId>,
    /// PID*F / IMD+F.
    pub description: Option<String>,
}

/// The supplier's answer to the whole order (X12 BAK02, EDIFACT BGM 1225).
///
/// `AD` (also `AK`, `AT`) / `29` accepted without change; `AC` (also `AE`) / `4` (also `28`)
/// accepted with changes; `RJ` (also `RD`, `RF`, `RN`, `RO`, `RV`) / `27` rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckStatusCode {
    AcceptedNoChange,
    AcceptedWithChanges,
    Rejected,
    /// Any other code, kept as received.
    Other(String),
}

/// The supplier's answer to one line (X12 ACK01; EDIFACT LIN 1229 plus detail).
///
/// | canonical | X12 ACK01 | EDIFACT |
/// |---|---|---|
/// | Accepted | `IA` | LIN 1229 `5` |
/// | AcceptedWithChanges | `IC` | `6` |
/// | Backordered | `IB` | `6` with `QTY+83` (backorder quantity) |
/// | DateRescheduled | `DR` | `3` (changed) with `DTM+69` |
/// | Rejected | `IR` | `7` |
/// | Deleted | `ID` | `2` |
/// | Other | any other code (`IH`, `IS`, `BP`…) | written as `6` |
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LineStatus {
    Accepted,
    AcceptedWithChanges,
    Backordered,
    DateRescheduled,
    Rejected,
    Deleted,
    /// Any other code, kept as received.
    Other(String),
}

/// A purchase order acknowledgment: X12 855 or EDIFACT ORDRSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderAcknowledgment {
    pub purpose: Purpose,
    pub status: AckStatusCode,
    /// BAK03 / RFF+ON (or BGM C106 when no RFF+ON).
    pub po_number: String,
    /// BAK04 / DTM+171 after RFF+ON.
    pub po_date: Option<EdiDate>,
    /// BAK09 / DTM+137.
    pub ack_date: Option<EdiDate>,
    /// BAK08 / RFF+VN.
    pub seller_order_number: Option<String>,
    pub parties: Vec<Party>,
    pub lines: Vec<AckLine>,
}

/// One acknowledged line (PO1 + ACK / LIN group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckLine {
    /// PO101 / LIN 1082: the line number of the order.
    pub line_number: String,
    /// PO102+PO103 / QTY+21: the quantity ordered, echoed.
    pub ordered_quantity: Option<Quantity>,
    /// PO104 / PRI+AAA.
    pub unit_price: Option<Decimal>,
    pub product_ids: Vec<ProductId>,
    pub status: LineStatus,
    /// ACK02+ACK03 / QTY+113 (or QTY+83 when backordered).
    pub status_quantity: Option<Quantity>,
    /// ACK05 / DTM+69 (or another line DTM, see [`DateKind`]).
    pub scheduled_date: Option<EdiDate>,
    /// What `scheduled_date` is a date of, from the qualifier it came with (ACK04 `068`,
    /// `067`, `079`… / DTM 2005 `69`, `2`, `10`…; see [`DateKind`]); `None` when the qualifier
    /// is missing or unknown. Written back as ACK04 `068` / `067`, DTM `11` / `69`.
    #[serde(default)]
    pub scheduled_date_kind: Option<DateKind>,
}

/// What a date qualifier says a date is: when goods leave, or when they arrive.
///
/// | kind | X12 374 (DTM01, ACK04) | EDIFACT 2005 (DTM C507) |
/// |---|---|---|
/// | `Shipment` | `010` requested ship, `011` shipped, `037` ship not before, `038` ship no later, `068` current schedule ship, `079` promised for shipment, `118` requested pick-up | `10` shipment requested, `11` despatch, `200` pick-up / collection |
/// | `Delivery` | `002` delivery requested, `017` estimated delivery, `063` do not deliver after, `064` do not deliver before, `067` current schedule delivery, `069` promised for delivery, `074` requested for delivery (week of), `106` required by | `2` delivery requested, `17` estimated delivery, `35` delivery actual, `63` delivery latest, `64` delivery earliest, `67` current schedule delivery, `69` delivery promised for |
///
/// X12 qualifiers are three digits, EDIFACT ones one to three without leading zeros, so one
/// table reads both: `010` is X12, `10` EDIFACT, both "requested ship".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateKind {
    /// When the goods are (to be) shipped.
    Shipment,
    /// When the goods are (to be) delivered.
    Delivery,
}

impl DateKind {
    /// The kind of an X12 374 or EDIFACT 2005 qualifier (table above); `None` for others.
    pub fn of_qualifier(qualifier: &str) -> Option<DateKind> {
        match qualifier.trim() {
            "010" | "011" | "037" | "038" | "068" | "079" | "118" | "10" | "11" | "200" => {
                Some(DateKind::Shipment)
            }
            "002" | "017" | "063" | "064" | "067" | "069" | "074" | "106" | "2" | "17" | "35"
            | "63" | "64" | "67" | "69" => Some(DateKind::Delivery),
            _ => None,
        }
    }
}

/// A ship notice: X12 856 or EDIFACT DESADV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipNotice {
    pub purpose: Purpose,
    /// BSN02 / BGM C106.
    pub shipment_id: String,
    /// DTM*011 (or BSN03) / DTM+11.
    pub ship_date: Option<EdiDate>,
    /// DTM*017 / DTM+17.
    pub estimated_delivery: Option<EdiDate>,
    /// TD503 / TDT C040.
    pub carrier_scac: Option<String>,
    /// REF*BM / RFF+BM.
    pub bill_of_lading: Option<String>,
    /// REF*CN / RFF+CN.
    pub pro_number: Option<String>,
    pub parties: Vec<Party>,
    /// Orders in the order they first appear.
    pub orders: Vec<ShippedOrder>,
}

/// The part of a shipment that fills one purchase order (HL O level / RFF+ON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedOrder {
    /// PRF01 / RFF+ON.
    pub po_number: String,
    /// PRF04 / DTM+171.
    pub po_date: Option<EdiDate>,
    /// Packs in the order they first appear; items outside any pack sit in a pack without SSCC.
    pub packs: Vec<Pack>,
}

/// One pack (HL P level, MAN*GM / CPS with GIN+BJ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    /// The 18-digit SSCC (an X12 `00` application identifier prefix is removed).
    pub sscc: Option<String>,
    pub items: Vec<ShippedItem>,
}

/// One shipped item (HL I level, LIN + SN1 / LIN + QTY+12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippedItem {
    /// LIN01 / RFF+ON line number (C506 1156).
    pub line_number: Option<String>,
    pub product_ids: Vec<ProductId>,
    /// SN102+SN103 / QTY+12.
    pub quantity: Quantity,
}

/// An invoice: X12 810 or EDIFACT INVOIC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// BIG02 / BGM C106.
    pub invoice_number: String,
    /// BIG01 / DTM+137.
    pub invoice_date: Option<EdiDate>,
    /// BIG04 / RFF+ON.
    pub po_number: Option<String>,
    /// BIG03 / DTM+171 after RFF+ON.
    pub po_date: Option<EdiDate>,
    /// CUR02 / CUX C504.
    pub currency: Option<String>,
    pub parties: Vec<Party>,
    pub lines: Vec<InvoiceLine>,
    /// TDS01 (implied two decimals) / MOA+77.
    pub total_amount: Decimal,
    /// TXI02 / MOA+124.
    pub tax_amount: Option<Decimal>,
    /// Charges and allowances, header and line level: X12 SAC, EDIFACT ALC + MOA.
    #[serde(default)]
    pub charges: Vec<Charge>,
}

/// Whether a [`Charge`] adds to or takes from the invoice (SAC01 / ALC 5463).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// `C` / `C`: a charge (freight, handling…), added.
    Charge,
    /// `A` / `A`: an allowance (discount, rebate…), subtracted.
    Allowance,
}

/// One charge or allowance of an invoice.
///
/// # Format
/// X12 `SAC*C*D240***{amount, implied 2 decimals: 2500 = 25.00}~` (SAC05 is N2);
/// EDIFACT `ALC+C++++FC' MOA+23:25.00'` (or `MOA+8` / `MOA+204` for an allowance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    pub kind: ChargeKind,
    /// SAC02 (`D240` freight…) / ALC C214 7161 (`FC` freight…), as received.
    pub code: Option<String>,
    /// The amount, positive; [`Charge::signed_amount`] applies the kind.
    pub amount: Decimal,
    /// SAC15 / ALC C214 7160.
    pub description: Option<String>,
}

impl Charge {
    /// `amount` for a charge, `-amount` for an allowance.
    pub fn signed_amount(&self) -> Decimal {
        match self.kind {
            ChargeKind::Charge => self.amount,
            ChargeKind::Allowance => -self.amount,
        }
    }
}

impl Invoice {
    /// Σ quantity × unit price over the lines.
    pub fn line_total(&self) -> Decimal {
        self.lines
            .iter()
            .map(|l| l.quantity.value * l.unit_price)
            .sum()
    }

    /// Σ charges − Σ allowances.
    pub fn charge_total(&self) -> Decimal {
        self.charges.iter().map(Charge::signed_amount).sum()
    }
}

/// One invoiced line (IT1 loop / LIN group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// IT101 / LIN 1082.
    pub line_number: String,
    /// IT102+IT103 / QTY+47.
    pub quantity: Quantity,
    /// IT104 / PRI+AAA.
    pub unit_price: Decimal,
    pub product_ids: Vec<ProductId>,
    /// PID*F / IMD+F.
    pub description: Option<String>,
}

/// Which acknowledgment a [`FunctionalAck`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckKind {
    /// X12 997 functional acknowledgment.
    Ack997,
    /// X12 999 implementation acknowledgment.
    Ack999,
    /// EDIFACT CONTRL.
    Contrl,
}

/// An acknowledgment status (AK501/AK901/IK501, UCI/UCF/UCM 0083).
///
/// `A` / `7` accepted; `E` accepted with errors (CONTRL: `7` with errors listed); `P` partially
/// accepted; `R` / `4` rejected; CONTRL `8` received.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckStatus {
    Accepted,
    AcceptedWithErrors,
    PartiallyAccepted,
    Rejected,
    Received,
    /// Any other code, kept as received.
    Other(String),
}

/// A functional acknowledgment: X12 997 or 999, or EDIFACT CONTRL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionalAck {
    pub kind: AckKind,
    /// CONTRL UCI: the acknowledged interchange (X12 uses TA1 outside the 997 for this).
    pub interchange: Option<InterchangeAck>,
    /// AK1…AK9 / UCF groups.
    pub groups: Vec<GroupAck>,
    /// CONTRL UCMs outside any UCF (interchanges without UNG groups).
    pub messages: Vec<TransactionAck>,
}

/// The answer about a whole interchange (CONTRL UCI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterchangeAck {
    /// UCI 0020: the acknowledged interchange's control reference.
    pub control_number: String,
    /// UCI S002: who sent the acknowledged interchange.
    pub sender: PartyId,
    /// UCI S003: who received it.
    pub receiver: PartyId,
    pub status: AckStatus,
    /// UCI 0085.
    pub error_code: Option<String>,
}

/// The answer about one functional group (AK1…AK9 / UCF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAck {
    /// AK101 / UCF 0038.
    pub functional_id: String,
    /// AK102 / UCF 0048.
    pub control_number: String,
    /// AK103 (5010).
    pub version: Option<String>,
    pub status: AckStatus,
    /// AK905…AK909 / UCF 0085.
    pub error_codes: Vec<String>,
    /// AK902.
    pub sets_included: Option<u32>,
    /// AK903.
    pub sets_received: Option<u32>,
    /// AK904.
    pub sets_accepted: Option<u32>,
    pub transactions: Vec<TransactionAck>,
}

/// The answer about one transaction set or message (AK2…AK5 / IK5, UCM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAck {
    /// AK201 / UCM S009 message type.
    pub set_id: String,
    /// AK202 / UCM 0062.
    pub control_number: String,
    pub status: AckStatus,
    /// AK502…AK506 / UCM 0085.
    pub error_codes: Vec<String>,
    pub segment_errors: Vec<SegmentError>,
}

/// One segment error (AK3 / IK3 / UCS) with its element errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentError {
    /// AK301 / IK301 (CONTRL does not name the segment).
    pub segment_id: Option<String>,
    /// AK302 / IK302 / UCS 0096: position in the set, ST/UNH = 1.
    pub position: u32,
    /// AK304 / IK304 / UCS 0085 (absent when only element errors are reported).
    pub code: Option<String>,
    pub element_errors: Vec<ElementError>,
}

/// One element error (AK4 / IK4 / UCD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementError {
    /// AK401-1 / UCD 0098.
    pub position: u16,
    /// AK401-2 / UCD 0104.
    pub component: Option<u16>,
    /// AK403 / IK403 / UCD 0085.
    pub code: String,
    /// AK404: a copy of the bad element.
    pub bad_value: Option<String>,
}

/// A carrier's shipment status: X12 214 or EDIFACT IFTSTA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentStatus {
    /// B1002 / BGM C106 (or CNI consignment reference).
    pub shipment_id: Option<String>,
    /// B1001 / RFF+CN.
    pub pro_number: Option<String>,
    /// B1003 / NAD+CA id.
    pub carrier_scac: Option<String>,
    /// L11*BM / RFF+BM.
    pub bill_of_lading: Option<String>,
    /// L11*PO / RFF+ON.
    pub po_numbers: Vec<String>,
    /// When the shipment is now expected at the consignee: G62*17 (estimated delivery date)
    /// / DTM+17 (estimated delivery date/time).
    #[serde(default)]
    pub estimated_delivery: Option<EdiDate>,
    pub events: Vec<StatusEvent>,
}

/// One status event (AT7 + MS1 / STS + DTM + LOC). Codes are kept as received: X12 AT701/AT702
/// (element 1650/1651, e.g. `X1`, `D1`, `SD` with reason `NS`, `AO`) or EDIFACT STS C555/C556.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    /// AT701 (or AT703 for appointments) / STS C555 event code.
    pub status: String,
    /// AT702 (or AT704) / STS C556 reason code.
    pub reason: Option<String>,
    /// AT705 / DTM+334.
    pub date: Option<EdiDate>,
    /// AT706 / DTM+334 time part.
    pub time: Option<EdiTime>,
    /// MS101 / LOC+175 name.
    pub city: Option<String>,
    /// MS102.
    pub state: Option<String>,
    /// MS103.
    pub country: Option<String>,
}

/// Any document gridlink reads or writes, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BusinessDocument {
    PurchaseOrder(PurchaseOrder),
    OrderAcknowledgment(OrderAcknowledgment),
    ShipNotice(ShipNotice),
    Invoice(Invoice),
    FunctionalAck(FunctionalAck),
    ShipmentStatus(ShipmentStatus),
    /// X12 860 / EDIFACT ORDCHG.
    PurchaseOrderChange(PurchaseOrderChange),
    /// X12 865 (EDIFACT answers an ORDCHG with an ORDRSP: [`BusinessDocument::OrderAcknowledgment`]).
    PurchaseOrderChangeAck(PurchaseOrderChangeAck),
}

impl BusinessDocument {
    /// The keys that correlate this document with others.
    pub fn business_keys(&self) -> BusinessKeys {
        match self {
            BusinessDocument::PurchaseOrder(po) => BusinessKeys {
                po_number: Some(po.po_number.clone()),
                ..BusinessKeys::default()
            },
            BusinessDocument::OrderAcknowledgment(ack) => BusinessKeys {
                po_number: Some(ack.po_number.clone()),
                ..BusinessKeys::default()
            },
            BusinessDocument::ShipNotice(asn) => BusinessKeys {
                po_number: asn.orders.first().map(|o| o.po_number.clone()),
                shipment_id: Some(asn.shipment_id.clone()),
                bol: asn.bill_of_lading.clone(),
                pro: asn.pro_number.clone(),
                ..BusinessKeys::default()
            },
            BusinessDocument::Invoice(invoice) => BusinessKeys {
                po_number: invoice.po_number.clone(),
                invoice_number: Some(invoice.invoice_number.clone()),
                ..BusinessKeys::default()
            },
            BusinessDocument::PurchaseOrderChange(change) => BusinessKeys {
                po_number: Some(change.po_number.clone()),
                ..BusinessKeys::default()
            },
            BusinessDocument::PurchaseOrderChangeAck(ack) => BusinessKeys {
                po_number: Some(ack.po_number.clone()),
                ..BusinessKeys::default()
            },
            BusinessDocument::FunctionalAck(_) => BusinessKeys::default(),
            BusinessDocument::ShipmentStatus(status) => BusinessKeys {
                po_number: status.po_numbers.first().cloned(),
                shipment_id: status.shipment_id.clone(),
                bol: status.bill_of_lading.clone(),
                pro: status.pro_number.clone(),
                ..BusinessKeys::default()
            },
        }
    }

    /// Every PO number the document names: each order part of a ship notice (a multi-order
    /// 856 / DESADV names several), the one order of the other kinds. Duplicates removed, in
    /// the order they first appear.
    pub fn po_numbers(&self) -> Vec<String> {
        match self {
            BusinessDocument::ShipNotice(asn) => {
                let mut numbers: Vec<String> = Vec::with_capacity(asn.orders.len());
                for order in &asn.orders {
                    let po = order.po_number.trim();
                    if !po.is_empty() && !numbers.iter().any(|n| n == po) {
                        numbers.push(po.to_owned());
                    }
                }
                numbers
            }
            BusinessDocument::ShipmentStatus(status) => status.po_numbers.clone(),
            other => other.business_keys().po_number.into_iter().collect(),
        }
    }

    /// The document kind as a name (`PurchaseOrder`, `Invoice`…).
    pub fn kind(&self) -> &'static str {
        match self {
            BusinessDocument::PurchaseOrder(_) => "PurchaseOrder",
            BusinessDocument::OrderAcknowledgment(_) => "OrderAcknowledgment",
            BusinessDocument::ShipNotice(_) => "ShipNotice",
            BusinessDocument::Invoice(_) => "Invoice",
            BusinessDocument::FunctionalAck(_) => "FunctionalAck",
            BusinessDocument::ShipmentStatus(_) => "ShipmentStatus",
            BusinessDocument::PurchaseOrderChange(_) => "PurchaseOrderChange",
            BusinessDocument::PurchaseOrderChangeAck(_) => "PurchaseOrderChangeAck",
        }
    }
}
