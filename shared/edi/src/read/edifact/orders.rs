//! ORDERS and ORDRSP.

use crate::error::Position;
use crate::model::{
    AckLine, AckStatusCode, DateKind, LineStatus, OrderAcknowledgment, OrderLine, OrderType,
    PurchaseOrder, Purpose,
};
use crate::read::Fields;
use crate::token::Segment;

use super::{dtm_date, lin_product, other_segment, party, pia_products, qualifier};

/// # Format
/// `BGM+220+{po}+9' DTM+137:{CCYYMMDD}:102' DTM+2:{date}:102' DTM+10:{ship date}:102' CUX+2:EUR:9' NAD+BY+{gln}::9'
/// LIN+{line}++{gtin}:SRV' PIA+1+{id}:IN' IMD+F++:::{description}' QTY+21:{qty}:{unit}'
/// PRI+AAA:{price}' UNS+S' CNT+2:{lines}'`
pub(crate) fn read_purchase_order(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<PurchaseOrder> {
    let mut order: Option<PurchaseOrder> = None;
    let mut parties = Vec::new();
    let mut lines: Vec<OrderLine> = Vec::new();
    let (mut po_date, mut requested_delivery, mut requested_ship, mut currency) =
        (None, None, None, None);
    for segment in body {
        match segment.tag() {
            b"BGM" => {
                order = Some(PurchaseOrder {
                    purpose: Purpose::from_edifact(&fields.code(segment, 3, 0).unwrap_or_default()),
                    order_type: OrderType::from_edifact(
                        &fields.text(segment, 1, 1).unwrap_or_default(),
                    ),
                    po_number: fields.required(segment, 2, 1, "BGM 1004"),
                    po_date: None,
                    requested_delivery: None,
                    requested_ship: None,
                    currency: None,
                    parties: Vec::new(),
                    lines: Vec::new(),
                });
            }
            b"DTM" if lines.is_empty() => match qualifier(segment) {
                b"137" | b"4" => po_date = dtm_date(segment, fields),
                b"2" => requested_delivery = dtm_date(segment, fields),
                b"10" => requested_ship = dtm_date(segment, fields),
                _ => {}
            },
            b"CUX" => currency = fields.text(segment, 1, 2),
            b"NAD" => parties.push(party(segment, fields)),
            b"LIN" => lines.push(OrderLine {
                line_number: fields
                    .text(segment, 1, 0)
                    .unwrap_or_else(|| (lines.len() + 1).to_string()),
                quantity: crate::model::Quantity {
                    value: rust_decimal::Decimal::ZERO,
                    unit: String::new(),
                },
                unit_price: None,
                product_ids: lin_product(segment, fields),
                description: None,
            }),
            b"PIA" => {
                let ids = pia_products(segment, fields);
                if let Some(line) = lines.last_mut() {
                    line.product_ids.extend(ids);
                }
            }
            b"IMD" => {
                let description = fields.text(segment, 3, 4);
                if let Some(line) = lines.last_mut() {
                    line.description = description;
                }
            }
            b"QTY" if qualifier(segment) == b"21" => {
                let quantity = fields.quantity(segment, (1, 2), (1, 3));
                if let (Some(line), Some(quantity)) = (lines.last_mut(), quantity) {
                    line.quantity = quantity;
                }
            }
            b"PRI" if matches!(qualifier(segment), b"AAA" | b"AAB") => {
                let price = fields.decimal(segment, 1, 2);
                if let Some(line) = lines.last_mut() {
                    line.unit_price = price;
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut order) = order else {
        fields.missing_segment(at, "BGM");
        return None;
    };
    for line in &lines {
        if line.quantity.unit.is_empty() {
            fields.missing_segment(at, &format!("QTY+21 for line {}", line.line_number));
        }
    }
    order.po_date = po_date;
    order.requested_delivery = requested_delivery;
    order.requested_ship = requested_ship;
    order.currency = currency;
    order.parties = parties;
    order.lines = lines;
    Some(order)
}

/// Line details collected before the status is decided.
struct PendingLine {
    line: AckLine,
    action: String,
    backordered: bool,
}

/// # Format
/// `BGM+231+{response no}+{29|4|27}' DTM+137:{ack date}:102' RFF+ON:{po}' DTM+171:{po date}:102'
/// RFF+VN:{seller order}' NAD…' LIN+{line}+{5|6|7|3|2}+{gtin}:SRV' QTY+21:{ordered}'
/// QTY+113:{confirmed}' or QTY+83:{backordered}' PRI+AAA:{price}' DTM+69:{promised}:102'` (the first line DTM whose
/// qualifier has a [`DateKind`]: `69`, `2`, `10`, `11`, `17`…)
pub(crate) fn read_order_ack(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<OrderAcknowledgment> {
    let mut ack: Option<OrderAcknowledgment> = None;
    let mut bgm_number = String::new();
    let (mut po_number, mut po_date, mut ack_date, mut seller_order) = (None, None, None, None);
    let mut parties = Vec::new();
    let mut lines: Vec<PendingLine> = Vec::new();
    let mut last_reference: &[u8] = &[];
    for segment in body {
        match segment.tag() {
            b"BGM" => {
                bgm_number = fields.required(segment, 2, 1, "BGM 1004");
                ack = Some(OrderAcknowledgment {
                    purpose: Purpose::Original,
                    status: AckStatusCode::from_edifact(
                        &fields.text(segment, 3, 0).unwrap_or_default(),
                    ),
                    po_number: String::new(),
                    po_date: None,
                    ack_date: None,
                    seller_order_number: None,
                    parties: Vec::new(),
                    lines: Vec::new(),
                });
            }
            b"RFF" => {
                last_reference = qualifier(segment);
                match qualifier(segment) {
                    b"ON" if lines.is_empty() => po_number = fields.text(segment, 1, 2),
                    b"VN" => seller_order = fields.text(segment, 1, 2),
                    _ => {}
                }
            }
            b"DTM" => match (qualifier(segment), lines.last_mut()) {
                (b"137", None) => ack_date = dtm_date(segment, fields),
                (b"171", None) if last_reference == b"ON" => po_date = dtm_date(segment, fields),
                (code, Some(pending)) if pending.line.scheduled_date.is_none() => {
                    if let Some(kind) = std::str::from_utf8(code)
                        .ok()
                        .and_then(DateKind::of_qualifier)
                    {
                        pending.line.scheduled_date = dtm_date(segment, fields);
                        pending.line.scheduled_date_kind =
                            pending.line.scheduled_date.map(|_| kind);
                    }
                }
                _ => {}
            },
            b"NAD" => parties.push(party(segment, fields)),
            b"LIN" => lines.push(PendingLine {
                line: AckLine {
                    line_number: fields
                        .text(segment, 1, 0)
                        .unwrap_or_else(|| (lines.len() + 1).to_string()),
                    ordered_quantity: None,
                    unit_price: None,
                    product_ids: lin_product(segment, fields),
                    status: LineStatus::Accepted,
                    status_quantity: None,
                    scheduled_date: None,
                    scheduled_date_kind: None,
                },
                action: fields.text(segment, 2, 0).unwrap_or_default(),
                backordered: false,
            }),
            b"PIA" => {
                let ids = pia_products(segment, fields);
                if let Some(pending) = lines.last_mut() {
                    pending.line.product_ids.extend(ids);
                }
            }
            b"QTY" => {
                let quantity = fields.quantity(segment, (1, 2), (1, 3));
                if let Some(pending) = lines.last_mut() {
                    match qualifier(segment) {
                        b"21" => pending.line.ordered_quantity = quantity,
                        b"113" => pending.line.status_quantity = quantity,
                        b"83" => {
                            pending.line.status_quantity = quantity;
                            pending.backordered = true;
                        }
                        _ => {}
                    }
                }
            }
            b"PRI" if matches!(qualifier(segment), b"AAA" | b"AAB") => {
                let price = fields.decimal(segment, 1, 2);
                if let Some(pending) = lines.last_mut() {
                    pending.line.unit_price = price;
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut ack) = ack else {
        fields.missing_segment(at, "BGM");
        return None;
    };
    ack.po_number = po_number.unwrap_or(bgm_number);
    ack.po_date = po_date;
    ack.ack_date = ack_date;
    ack.seller_order_number = seller_order;
    ack.parties = parties;
    ack.lines = lines
        .into_iter()
        .map(|pending| {
            let mut line = pending.line;
            line.status = match pending.action.as_str() {
                "5" | "" => LineStatus::Accepted,
                "6" if pending.backordered => LineStatus::Backordered,
                "6" => LineStatus::AcceptedWithChanges,
                "3" => LineStatus::DateRescheduled,
                "7" => LineStatus::Rejected,
                "2" => LineStatus::Deleted,
                other => LineStatus::Other(other.to_owned()),
            };
            line
        })
        .collect();
    Some(ack)
}
