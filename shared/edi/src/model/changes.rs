//! Purchase order changes: the buyer's X12 860 / EDIFACT ORDCHG and the seller's X12 865.
//!
//! The seller's EDIFACT answer to an ORDCHG is an ORDRSP, read as an
//! [`OrderAcknowledgment`](super::OrderAcknowledgment).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::common::{EdiDate, Party, ProductId, Purpose, Quantity};
use super::documents::{
    AckLine, AckStatusCode, DateKind, LineStatus, OrderAcknowledgment, OrderType,
};

/// What a change document does to the order (X12 BCH01 / BCA01, element 353; EDIFACT BGM 1225).
///
/// | canonical | X12 353 | EDIFACT 1225 |
/// |---|---|---|
/// | `Change` | `04` | `4` |
/// | `Cancellation` | `01` | `1` |
/// | `Replace` | `05` | `5` |
/// | `Confirmation` (the buyer confirms a change the seller asked for in an 865 / ORDRSP) | `06` | `6` |
/// | `Original` | `00` | `9` |
/// | `Other` | any other code, kept as received | any other code |
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangePurpose {
    Change,
    Cancellation,
    Replace,
    Confirmation,
    Original,
    /// Any other code, kept as received.
    Other(String),
}

impl ChangePurpose {
    /// From X12 353 (BCH01, BCA01).
    pub fn from_x12(code: &str) -> ChangePurpose {
        match code {
            "04" => ChangePurpose::Change,
            "01" => ChangePurpose::Cancellation,
            "05" => ChangePurpose::Replace,
            "06" => ChangePurpose::Confirmation,
            "00" => ChangePurpose::Original,
            other => ChangePurpose::Other(other.to_owned()),
        }
    }

    /// To X12 353.
    pub fn to_x12(&self) -> &str {
        match self {
            ChangePurpose::Change => "04",
            ChangePurpose::Cancellation => "01",
            ChangePurpose::Replace => "05",
            ChangePurpose::Confirmation => "06",
            ChangePurpose::Original => "00",
            ChangePurpose::Other(code) => code,
        }
    }

    /// From EDIFACT BGM 1225 (message function); an empty code is a change.
    pub fn from_edifact(code: &str) -> ChangePurpose {
        match code {
            "4" | "" => ChangePurpose::Change,
            "1" => ChangePurpose::Cancellation,
            "5" => ChangePurpose::Replace,
            "6" => ChangePurpose::Confirmation,
            "9" => ChangePurpose::Original,
            other => ChangePurpose::Other(other.to_owned()),
        }
    }

    /// To EDIFACT BGM 1225.
    pub fn to_edifact(&self) -> &str {
        match self {
            ChangePurpose::Change => "4",
            ChangePurpose::Cancellation => "1",
            ChangePurpose::Replace => "5",
            ChangePurpose::Confirmation => "6",
            ChangePurpose::Original => "9",
            ChangePurpose::Other(code) => code,
        }
    }
}

/// What a change does to one line (X12 POC02, element 670; EDIFACT LIN 1229).
///
/// | canonical | X12 670 | EDIFACT 1229 |
/// |---|---|---|
/// | `AddItem` | `AI` add additional item | `1` added |
/// | `DeleteItem` | `DI` delete item | `2` deleted |
/// | `ChangeItem` | `CA` changes to line items | `3` changed (also an empty 1229) |
/// | `PriceChange` | `PC` | written as `3`, read back as `ChangeItem` |
/// | `QuantityIncrease` | `QI` | written as `3`, read back as `ChangeItem` |
/// | `QuantityDecrease` | `QD` | written as `3`, read back as `ChangeItem` |
/// | `PriceAndQuantity` | `PQ` unit price/quantity change | written as `3`, read back as `ChangeItem` |
/// | `Reschedule` | `RS` | written as `3`, read back as `ChangeItem` |
/// | `Other` | any other code (`RZ`, `NC`…), kept as received | any other code (`4` no action…), kept as received |
///
/// EDIFACT has one "changed" code: what changed is in the line's QTY, PRI and DTM.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LineChange {
    AddItem,
    DeleteItem,
    ChangeItem,
    PriceChange,
    QuantityIncrease,
    QuantityDecrease,
    PriceAndQuantity,
    Reschedule,
    /// Any other code, kept as received.
    Other(String),
}

impl LineChange {
    /// From X12 670 (POC02).
    pub fn from_x12(code: &str) -> LineChange {
        match code {
            "AI" => LineChange::AddItem,
            "DI" => LineChange::DeleteItem,
            "CA" => LineChange::ChangeItem,
            "PC" => LineChange::PriceChange,
            "QI" => LineChange::QuantityIncrease,
            "QD" => LineChange::QuantityDecrease,
            "PQ" => LineChange::PriceAndQuantity,
            "RS" => LineChange::Reschedule,
            other => LineChange::Other(other.to_owned()),
        }
    }

    /// To X12 670.
    pub fn to_x12(&self) -> &str {
        match self {
            LineChange::AddItem => "AI",
            LineChange::DeleteItem => "DI",
            LineChange::ChangeItem => "CA",
            LineChange::PriceChange => "PC",
            LineChange::QuantityIncrease => "QI",
            LineChange::QuantityDecrease => "QD",
            LineChange::PriceAndQuantity => "PQ",
            LineChange::Reschedule => "RS",
            LineChange::Other(code) => code,
        }
    }

    /// From EDIFACT LIN 1229.
    pub fn from_edifact(code: &str) -> LineChange {
        match code {
            "1" => LineChange::AddItem,
            "2" => LineChange::DeleteItem,
            "3" | "" => LineChange::ChangeItem,
            other => LineChange::Other(other.to_owned()),
        }
    }

    /// To EDIFACT LIN 1229 (see the table above).
    pub fn to_edifact(&self) -> &str {
        match self {
            LineChange::AddItem => "1",
            LineChange::DeleteItem => "2",
            LineChange::ChangeItem
            | LineChange::PriceChange
            | LineChange::QuantityIncrease
            | LineChange::QuantityDecrease
            | LineChange::PriceAndQuantity
            | LineChange::Reschedule => "3",
            LineChange::Other(code) => code,
        }
    }
}

/// A buyer's change to a purchase order: X12 860 or EDIFACT ORDCHG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderChange {
    /// BCH01 / BGM 1225.
    pub purpose: ChangePurpose,
    /// BCH02 (EDIFACT has none: an ORDCHG reads as `StandAlone`).
    pub order_type: OrderType,
    /// BCH03 / RFF+ON (BGM 1004 when there is no RFF+ON).
    pub po_number: String,
    /// BCH05 change order sequence number / BGM 1004 (the ORDCHG's own number) when an RFF+ON
    /// names the order and the two differ.
    pub change_sequence: Option<String>,
    /// BCH06 / DTM+171 after RFF+ON.
    pub po_date: Option<EdiDate>,
    /// BCH11 (date of the change request) / DTM+137.
    pub change_date: Option<EdiDate>,
    /// DTM*002 / DTM+2 before the first line.
    pub requested_delivery: Option<EdiDate>,
    pub parties: Vec<Party>,
    pub lines: Vec<ChangeLine>,
}

/// One changed line (POC loop / LIN group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLine {
    /// POC01 / LIN 1082: the line number of the order.
    pub line_number: String,
    /// POC02 / LIN 1229.
    pub change: LineChange,
    /// POC03 + POC05 / QTY+21: the quantity now ordered.
    pub quantity: Option<Quantity>,
    /// POC04 / QTY+113 (quantity still to be delivered), in the unit of `quantity` (X12 has
    /// one unit for both).
    pub left_to_receive: Option<Decimal>,
    /// POC06 / PRI+AAA.
    pub unit_price: Option<Decimal>,
    /// POC08… pairs / LIN C212 and PIA.
    pub product_ids: Vec<ProductId>,
    /// DTM*002 / DTM+2 inside the line.
    pub requested_delivery: Option<EdiDate>,
}

/// A seller's answer to a purchase order change (or a change the seller asks for): X12 865.
///
/// EDIFACT answers an ORDCHG with an ORDRSP, read as an
/// [`OrderAcknowledgment`](super::OrderAcknowledgment); this type has no EDIFACT writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseOrderChangeAck {
    /// BCA01.
    pub purpose: ChangePurpose,
    /// BCA02 acknowledgment type (`AC`, `AD`, `AK`, `RJ`…; see [`AckStatusCode`]).
    pub status: AckStatusCode,
    /// BCA03.
    pub po_number: String,
    /// BCA05: the change order sequence number of the 860 acknowledged.
    pub change_sequence: Option<String>,
    /// BCA06.
    pub po_date: Option<EdiDate>,
    /// BCA09: the seller's order number.
    pub seller_order_number: Option<String>,
    /// BCA10: when the seller acknowledged.
    pub ack_date: Option<EdiDate>,
    /// BCA11: the date of the change request acknowledged.
    pub change_date: Option<EdiDate>,
    pub parties: Vec<Party>,
    pub lines: Vec<ChangeAckLine>,
}

/// One acknowledged line change (POC + ACK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAckLine {
    /// The POC echoed (or the change the seller asks for), with its DTM*002.
    pub line: ChangeLine,
    /// ACK01 (`IA`, `IR`, `IC`…); `Accepted` when the line has no ACK.
    pub status: LineStatus,
    /// ACK02 + ACK03.
    pub status_quantity: Option<Quantity>,
    /// ACK05.
    pub scheduled_date: Option<EdiDate>,
    /// What ACK04 says `scheduled_date` is; written back as `068` / `067`.
    pub scheduled_date_kind: Option<DateKind>,
}

impl AckStatusCode {
    /// The header answer that sums up line answers: `AcceptedNoChange` when every line is
    /// accepted (or there are none), `Rejected` when every line is rejected,
    /// `AcceptedWithChanges` otherwise.
    pub fn summing_up<'a>(statuses: impl IntoIterator<Item = &'a LineStatus>) -> AckStatusCode {
        let (mut accepted, mut rejected, mut total) = (0usize, 0usize, 0usize);
        for status in statuses {
            total += 1;
            match status {
                LineStatus::Accepted => accepted += 1,
                LineStatus::Rejected => rejected += 1,
                _ => {}
            }
        }
        if accepted == total {
            AckStatusCode::AcceptedNoChange
        } else if rejected == total {
            AckStatusCode::Rejected
        } else {
            AckStatusCode::AcceptedWithChanges
        }
    }
}

impl PurchaseOrderChange {
    /// The supplier's X12 865 answering this change line by line: each POC echoed with the
    /// status `status_of` gives it; an accepted line confirms its quantity (ACK02/03) and its
    /// requested delivery date (ACK04 `067`). The header status sums the lines up
    /// ([`AckStatusCode::summing_up`]). Adjust the returned lines for partial answers.
    pub fn answer_x12(
        &self,
        ack_date: Option<EdiDate>,
        mut status_of: impl FnMut(&ChangeLine) -> LineStatus,
    ) -> PurchaseOrderChangeAck {
        let lines: Vec<ChangeAckLine> = self
            .lines
            .iter()
            .map(|line| {
                let status = status_of(line);
                let accepted = status == LineStatus::Accepted;
                let scheduled_date = line.requested_delivery.filter(|_| accepted);
                ChangeAckLine {
                    line: line.clone(),
                    status_quantity: line.quantity.clone().filter(|_| accepted),
                    scheduled_date,
                    scheduled_date_kind: scheduled_date.map(|_| DateKind::Delivery),
                    status,
                }
            })
            .collect();
        PurchaseOrderChangeAck {
            purpose: self.purpose.clone(),
            status: AckStatusCode::summing_up(lines.iter().map(|l| &l.status)),
            po_number: self.po_number.clone(),
            change_sequence: self.change_sequence.clone(),
            po_date: self.po_date,
            seller_order_number: None,
            ack_date,
            change_date: self.change_date,
            parties: self.parties.clone(),
            lines,
        }
    }

    /// The supplier's EDIFACT ORDRSP answering this change (an ORDCHG) line by line, in the
    /// same way as [`PurchaseOrderChange::answer_x12`]: LIN 1229 from the status, `QTY+21` the
    /// quantity now ordered, `QTY+113` and `DTM+69` confirming an accepted line.
    pub fn answer_edifact(
        &self,
        ack_date: Option<EdiDate>,
        mut status_of: impl FnMut(&ChangeLine) -> LineStatus,
    ) -> OrderAcknowledgment {
        let lines: Vec<AckLine> = self
            .lines
            .iter()
            .map(|line| {
                let status = status_of(line);
                let accepted = status == LineStatus::Accepted;
                let scheduled_date = line.requested_delivery.filter(|_| accepted);
                AckLine {
                    line_number: line.line_number.clone(),
                    ordered_quantity: line.quantity.clone(),
                    unit_price: line.unit_price,
                    product_ids: line.product_ids.clone(),
                    status_quantity: line.quantity.clone().filter(|_| accepted),
                    scheduled_date,
                    scheduled_date_kind: scheduled_date.map(|_| DateKind::Delivery),
                    status,
                }
            })
            .collect();
        OrderAcknowledgment {
            purpose: Purpose::Original,
            status: AckStatusCode::summing_up(lines.iter().map(|l| &l.status)),
            po_number: self.po_number.clone(),
            po_date: self.po_date,
            ack_date,
            seller_order_number: None,
            parties: self.parties.clone(),
            lines,
        }
    }
}
