//! 850 purchase order and 855 acknowledgment.

use crate::error::Position;
use crate::model::{
    AckLine, AckStatusCode, DateKind, LineStatus, OrderAcknowledgment, OrderLine, OrderType,
    PurchaseOrder, Purpose,
};
use crate::read::Fields;
use crate::token::Segment;

use super::{other_segment, party_segment, product_ids};

/// # Format
/// `BEG*00*SA*{po}**{CCYYMMDD}~ CUR*BY*USD~ DTM*002*{date}~ DTM*010*{ship date}~ N1*BY*{name}*UL*{gln}~
/// PO1*{line}*{qty}*{uom}*{price}**{qual}*{id}…~ PID*F****{description}~ CTT*{lines}~`
pub(crate) fn read_purchase_order(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<PurchaseOrder> {
    let mut order: Option<PurchaseOrder> = None;
    // Room for the usual parties and lines: grown once, not from one. The validation-only
    // pass keeps no line (the order is dropped): it counts them.
    let mut parties = Vec::with_capacity(4);
    let mut lines: Vec<OrderLine> = Vec::with_capacity(if fields.keeps() { 8 } else { 0 });
    let mut line_count = 0;
    let mut currency = None;
    let (mut requested_delivery, mut requested_ship) = (None, None);
    for segment in body {
        match segment.tag() {
            b"BEG" => {
                order = Some(PurchaseOrder {
                    purpose: Purpose::from_x12(&fields.required_code(segment, 1, 0, "BEG01")),
                    order_type: OrderType::from_x12(&fields.required_code(segment, 2, 0, "BEG02")),
                    po_number: fields.required_stored(segment, 3, 0, "BEG03"),
                    po_date: fields.date(segment, 5, 0),
                    requested_delivery: None,
                    requested_ship: None,
                    currency: None,
                    parties: Vec::new(),
                    lines: Vec::new(),
                });
            }
            b"CUR" => currency = fields.stored(segment, 2, 0),
            b"DTM" if fields.element(segment, 1).raw() == b"002" && line_count == 0 => {
                requested_delivery = fields.date(segment, 2, 0);
            }
            b"DTM" if fields.element(segment, 1).raw() == b"010" && line_count == 0 => {
                requested_ship = fields.date(segment, 2, 0);
            }
            b"PO1" => {
                let line_number = fields
                    .stored(segment, 1, 0)
                    .unwrap_or_else(|| (line_count + 1).to_string());
                let Some(quantity) = fields.stored_quantity(segment, (2, 0), (3, 0)) else {
                    if fields.element(segment, 2).is_empty() {
                        fields.required_code(segment, 2, 0, "PO102");
                    }
                    continue;
                };
                let line = OrderLine {
                    line_number,
                    quantity,
                    unit_price: fields.decimal(segment, 4, 0),
                    product_ids: product_ids(segment, 6, fields),
                    description: None,
                };
                line_count += 1;
                if fields.keeps() {
                    lines.push(line);
                }
            }
            b"PID" => {
                // Read for a line only (kept or counted).
                if line_count > 0 {
                    let description = fields.stored(segment, 5, 0);
                    if let Some(line) = lines.last_mut() {
                        line.description = description;
                    }
                }
            }
            _ if party_segment(segment, &mut parties, fields) => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut order) = order else {
        fields.missing_segment(at, "BEG");
        return None;
    };
    order.parties = parties;
    order.lines = lines;
    order.currency = currency;
    order.requested_delivery = requested_delivery;
    order.requested_ship = requested_ship;
    Some(order)
}

/// # Format
/// `BAK*00*AC*{po}*{po date}****{seller order}*{ack date}~ N1…~
/// PO1*{line}*{qty}*{uom}*{price}**{qual}*{id}~ ACK*{IA|IB|IC|IR|DR…}*{qty}*{uom}*{date qualifier: 068, 067…}*{date}~`
pub(crate) fn read_order_ack(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<OrderAcknowledgment> {
    let mut ack: Option<OrderAcknowledgment> = None;
    let mut parties = Vec::new();
    let mut lines: Vec<AckLine> = Vec::new();
    for segment in body {
        match segment.tag() {
            b"BAK" => {
                ack = Some(OrderAcknowledgment {
                    purpose: Purpose::from_x12(&fields.required_code(segment, 1, 0, "BAK01")),
                    status: AckStatusCode::from_x12(&fields.required_code(segment, 2, 0, "BAK02")),
                    po_number: fields.required_stored(segment, 3, 0, "BAK03"),
                    po_date: fields.date(segment, 4, 0),
                    ack_date: fields.date(segment, 9, 0),
                    seller_order_number: fields.stored(segment, 8, 0),
                    parties: Vec::new(),
                    lines: Vec::new(),
                });
            }
            b"PO1" => {
                let line_number = fields
                    .stored(segment, 1, 0)
                    .unwrap_or_else(|| (lines.len() + 1).to_string());
                let ordered_quantity = if fields.element(segment, 2).is_empty() {
                    None
                } else {
                    fields.quantity(segment, (2, 0), (3, 0))
                };
                lines.push(AckLine {
                    line_number,
                    ordered_quantity,
                    unit_price: fields.decimal(segment, 4, 0),
                    product_ids: product_ids(segment, 6, fields),
                    status: LineStatus::Accepted,
                    status_quantity: None,
                    scheduled_date: None,
                    scheduled_date_kind: None,
                });
            }
            b"ACK" => {
                if let Some(line) = lines.last_mut() {
                    line.status =
                        LineStatus::from_x12(&fields.required_code(segment, 1, 0, "ACK01"));
                    line.status_quantity = if fields.element(segment, 2).is_empty() {
                        None
                    } else {
                        fields.quantity(segment, (2, 0), (3, 0))
                    };
                    line.scheduled_date = fields.date(segment, 5, 0);
                    line.scheduled_date_kind = line
                        .scheduled_date
                        .and_then(|_| std::str::from_utf8(segment.element(4).raw()).ok())
                        .and_then(DateKind::of_qualifier);
                }
            }
            _ if party_segment(segment, &mut parties, fields) => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut ack) = ack else {
        fields.missing_segment(at, "BAK");
        return None;
    };
    ack.parties = parties;
    ack.lines = lines;
    Some(ack)
}
