//! 860 purchase order change and 865 purchase order change acknowledgment.

use crate::error::Position;
use crate::model::{
    AckStatusCode, ChangeAckLine, ChangeLine, ChangePurpose, DateKind, LineChange, LineStatus,
    OrderType, PurchaseOrderChange, PurchaseOrderChangeAck,
};
use crate::read::Fields;
use crate::token::Segment;

use super::{other_segment, party_segment, product_ids};

/// `POC*{line}*{AI|DI|CA|PC|QI|QD|PQ|RS…}*{qty ordered}*{qty left to receive}*{unit}*{price}*{basis}*{qual}*{id}…`
fn change_line(segment: &Segment<'_>, number: usize, fields: &mut Fields<'_>) -> ChangeLine {
    let line_number = fields
        .text(segment, 1, 0)
        .unwrap_or_else(|| number.to_string());
    let change = LineChange::from_x12(&fields.required_code(segment, 2, 0, "POC02"));
    let quantity = if segment.element(3).is_empty() {
        None
    } else {
        fields.quantity(segment, (3, 0), (5, 1))
    };
    ChangeLine {
        line_number,
        change,
        quantity,
        left_to_receive: fields.decimal(segment, 4, 0),
        unit_price: fields.decimal(segment, 6, 0),
        product_ids: product_ids(segment, 8, fields),
        requested_delivery: None,
    }
}

/// True for `DTM*002*…`.
fn is_delivery_dtm(segment: &Segment<'_>) -> bool {
    segment.is(b"DTM") && segment.element(1).raw() == b"002"
}

/// # Format
/// `BCH*{04|01|05|06}*{SA…}*{po}**{change seq}*{po date}*****{change date}~ DTM*002*{date}~
/// N1*BY*{name}*UL*{gln}~ POC*{line}*{change}*{qty}*{left}*{unit}*{price}*PE*{qual}*{id}…~
/// DTM*002*{line date}~ CTT*{lines}~`
pub(crate) fn read_order_change(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<PurchaseOrderChange> {
    let mut change: Option<PurchaseOrderChange> = None;
    let mut parties = Vec::new();
    let mut lines: Vec<ChangeLine> = Vec::new();
    let mut requested_delivery = None;
    for segment in body {
        match segment.tag() {
            b"BCH" => {
                change = Some(PurchaseOrderChange {
                    purpose: ChangePurpose::from_x12(&fields.required_code(segment, 1, 0, "BCH01")),
                    order_type: OrderType::from_x12(&fields.required_code(segment, 2, 0, "BCH02")),
                    po_number: fields.required(segment, 3, 0, "BCH03"),
                    change_sequence: fields.text(segment, 5, 0),
                    po_date: fields.date(segment, 6, 0),
                    change_date: fields.date(segment, 11, 0),
                    requested_delivery: None,
                    parties: Vec::new(),
                    lines: Vec::new(),
                });
            }
            b"DTM" if is_delivery_dtm(segment) => {
                let date = fields.date(segment, 2, 0);
                match lines.last_mut() {
                    Some(line) => line.requested_delivery = date,
                    None => requested_delivery = date,
                }
            }
            b"POC" => {
                let line = change_line(segment, lines.len() + 1, fields);
                lines.push(line);
            }
            _ if party_segment(segment, &mut parties, fields) => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut change) = change else {
        fields.missing_segment(at, "BCH");
        return None;
    };
    change.requested_delivery = requested_delivery;
    change.parties = parties;
    change.lines = lines;
    Some(change)
}

/// # Format
/// `BCA*{00|04…}*{AC|AD|AK|RJ…}*{po}**{change seq}*{po date}***{seller order}*{ack date}*{change date}~
/// N1…~ POC*{line}*{change}*{qty}*{left}*{unit}*{price}*PE*{qual}*{id}…~ DTM*002*{date}~
/// ACK*{IA|IR|IC…}*{qty}*{unit}*{068|067…}*{date}~ CTT*{lines}~`
pub(crate) fn read_order_change_ack(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<PurchaseOrderChangeAck> {
    let mut ack: Option<PurchaseOrderChangeAck> = None;
    let mut parties = Vec::new();
    let mut lines: Vec<ChangeAckLine> = Vec::new();
    for segment in body {
        match segment.tag() {
            b"BCA" => {
                ack = Some(PurchaseOrderChangeAck {
                    purpose: ChangePurpose::from_x12(&fields.required_code(segment, 1, 0, "BCA01")),
                    status: AckStatusCode::from_x12(
                        &fields.text(segment, 2, 0).unwrap_or_default(),
                    ),
                    po_number: fields.required(segment, 3, 0, "BCA03"),
                    change_sequence: fields.text(segment, 5, 0),
                    po_date: fields.date(segment, 6, 0),
                    seller_order_number: fields.text(segment, 9, 0),
                    ack_date: fields.date(segment, 10, 0),
                    change_date: fields.date(segment, 11, 0),
                    parties: Vec::new(),
                    lines: Vec::new(),
                });
            }
            b"DTM" if is_delivery_dtm(segment) => {
                let date = fields.date(segment, 2, 0);
                if let Some(pending) = lines.last_mut() {
                    pending.line.requested_delivery = date;
                }
            }
            b"POC" => {
                let line = change_line(segment, lines.len() + 1, fields);
                lines.push(ChangeAckLine {
                    line,
                    status: LineStatus::Accepted,
                    status_quantity: None,
                    scheduled_date: None,
                    scheduled_date_kind: None,
                });
            }
            b"ACK" => {
                let status = LineStatus::from_x12(&fields.required_code(segment, 1, 0, "ACK01"));
                let status_quantity = if segment.element(2).is_empty() {
                    None
                } else {
                    fields.quantity(segment, (2, 0), (3, 0))
                };
                let scheduled_date = fields.date(segment, 5, 0);
                if let Some(pending) = lines.last_mut() {
                    pending.status = status;
                    pending.status_quantity = status_quantity;
                    pending.scheduled_date = scheduled_date;
                    pending.scheduled_date_kind = scheduled_date
                        .and_then(|_| std::str::from_utf8(segment.element(4).raw()).ok())
                        .and_then(DateKind::of_qualifier);
                } else {
                    fields.unknown(segment);
                }
            }
            _ if party_segment(segment, &mut parties, fields) => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut ack) = ack else {
        fields.missing_segment(at, "BCA");
        return None;
    };
    ack.parties = parties;
    ack.lines = lines;
    Some(ack)
}
