//! 856 ship notice (the HL hierarchy) and 214 shipment status.

use std::collections::HashMap;

use crate::error::{EdiError, Position};
use crate::model::{
    EdiDate, Pack, ProductId, Purpose, Quantity, ShipNotice, ShipmentStatus, ShippedItem,
    ShippedOrder, StatusEvent,
};
use crate::read::{Fields, sscc_is_valid};
use crate::token::Segment;

use super::{other_segment, party_segment, product_ids};

/// One HL level and what was read inside it.
#[derive(Debug, Default)]
struct Level {
    id: String,
    parent: Option<String>,
    code: String,
    po_number: Option<String>,
    po_date: Option<EdiDate>,
    sscc: Option<String>,
    line_number: Option<String>,
    product_ids: Vec<ProductId>,
    quantity: Option<Quantity>,
}

/// # Format
/// `BSN*00*{shipment id}*{created date}*{time}~ DTM*011*{ship date}~ TD5**2*{SCAC}~ REF*BM*{bol}~
/// HL*1**S~ HL*2*1*O~ PRF*{po}***{po date}~ HL*3*2*P~ MAN*GM*{00 + SSCC-18}~ HL*4*3*I~
/// LIN*{line}*UP*{upc}~ SN1**{qty}*{uom}~ CTT*{hl count}~`
pub(crate) fn read_ship_notice(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<ShipNotice> {
    let mut notice: Option<ShipNotice> = None;
    let mut parties = Vec::new();
    let mut levels: Vec<Level> = Vec::new();
    let (mut ship_date, mut estimated_delivery, mut scac, mut bol, mut pro) =
        (None, None, None, None, None);
    for segment in body {
        match segment.tag() {
            b"BSN" => {
                notice = Some(ShipNotice {
                    purpose: Purpose::from_x12(&fields.required_code(segment, 1, 0, "BSN01")),
                    shipment_id: fields.required(segment, 2, 0, "BSN02"),
                    ship_date: None,
                    estimated_delivery: None,
                    carrier_scac: None,
                    bill_of_lading: None,
                    pro_number: None,
                    parties: Vec::new(),
                    orders: Vec::new(),
                });
            }
            b"DTM" => match segment.element(1).raw() {
                b"011" => ship_date = fields.date(segment, 2, 0),
                b"017" => estimated_delivery = fields.date(segment, 2, 0),
                _ => {}
            },
            b"TD5" => scac = fields.text(segment, 3, 0).or(scac),
            b"REF" => match segment.element(1).raw() {
                b"BM" => bol = fields.text(segment, 2, 0),
                b"CN" => pro = fields.text(segment, 2, 0),
                _ => {}
            },
            b"HL" => levels.push(Level {
                id: fields.required(segment, 1, 0, "HL01"),
                parent: fields.text(segment, 2, 0),
                code: fields.required(segment, 3, 0, "HL03"),
                ..Level::default()
            }),
            b"PRF" => {
                if let Some(level) = levels.last_mut() {
                    level.po_number = Some(fields.required(segment, 1, 0, "PRF01"));
                    level.po_date = fields.date(segment, 4, 0);
                }
            }
            b"MAN" => {
                if let Some(level) = levels.last_mut()
                    && segment.element(1).raw() == b"GM"
                {
                    level.sscc = fields
                        .text(segment, 2, 0)
                        .map(|raw| sscc_of(segment, raw, fields));
                }
            }
            b"LIN" => {
                if let Some(level) = levels.last_mut() {
                    level.line_number = fields.text(segment, 1, 0);
                    level.product_ids = product_ids(segment, 2, fields);
                }
            }
            b"SN1" => {
                if let Some(level) = levels.last_mut() {
                    if level.line_number.is_none() {
                        level.line_number = fields.text(segment, 1, 0);
                    }
                    level.quantity = fields.quantity(segment, (2, 0), (3, 0));
                    if segment.element(2).is_empty() {
                        fields.required(segment, 2, 0, "SN102");
                    }
                }
            }
            _ if levels.last().is_none_or(|l| l.code == "S")
                && party_segment(segment, &mut parties, fields) => {}
            b"N1" | b"N2" | b"N3" | b"N4" => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut notice) = notice else {
        fields.missing_segment(at, "BSN");
        return None;
    };
    notice.orders = build_orders(&levels);
    notice.parties = parties;
    notice.ship_date = ship_date;
    notice.estimated_delivery = estimated_delivery;
    notice.carrier_scac = scac;
    notice.bill_of_lading = bol;
    notice.pro_number = pro;
    Some(notice)
}

/// Strips the `00` application identifier and checks the GS1 check digit.
fn sscc_of(segment: &Segment<'_>, raw: String, fields: &mut Fields<'_>) -> String {
    let sscc = if raw.len() == 20 && raw.starts_with("00") {
        raw[2..].to_owned()
    } else {
        raw
    };
    if !sscc_is_valid(&sscc) {
        fields.errors.push(EdiError::InvalidSscc {
            at: segment.position_of(2, None),
            value: sscc.clone(),
        });
    }
    sscc
}

/// Groups items by their nearest order (O) and pack (P or T) ancestors, whatever the level order.
fn build_orders(levels: &[Level]) -> Vec<ShippedOrder> {
    let index: HashMap<&str, usize> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.id.as_str(), i))
        .collect();
    let ancestor = |start: usize, codes: &[&str]| -> Option<usize> {
        let mut current = levels[start]
            .parent
            .as_deref()
            .and_then(|p| index.get(p).copied());
        for _ in 0..levels.len() {
            let i = current?;
            if codes.contains(&levels[i].code.as_str()) {
                return Some(i);
            }
            current = levels[i]
                .parent
                .as_deref()
                .and_then(|p| index.get(p).copied());
        }
        None
    };
    let mut orders: Vec<(Option<usize>, ShippedOrder, Vec<Option<usize>>)> = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        if level.code == "O" {
            orders.push((Some(i), new_order(level), Vec::new()));
        }
    }
    for (i, level) in levels.iter().enumerate() {
        if level.code != "I" {
            continue;
        }
        let Some(quantity) = level.quantity.clone() else {
            continue;
        };
        let order_at = ancestor(i, &["O"]);
        let pack_at = ancestor(i, &["P", "T"]);
        let slot = if let Some(slot) = orders.iter().position(|(o, _, _)| *o == order_at) {
            slot
        } else {
            orders.push((order_at, new_order(&Level::default()), Vec::new()));
            orders.len() - 1
        };
        let (_, order, pack_keys) = &mut orders[slot];
        let pack_slot = if let Some(p) = pack_keys.iter().position(|p| *p == pack_at) {
            p
        } else {
            pack_keys.push(pack_at);
            order.packs.push(Pack {
                sscc: pack_at.and_then(|p| levels[p].sscc.clone()),
                items: Vec::new(),
            });
            order.packs.len() - 1
        };
        order.packs[pack_slot].items.push(ShippedItem {
            line_number: level.line_number.clone(),
            product_ids: level.product_ids.clone(),
            quantity,
        });
    }
    orders.into_iter().map(|(_, order, _)| order).collect()
}

fn new_order(level: &Level) -> ShippedOrder {
    ShippedOrder {
        po_number: level.po_number.clone().unwrap_or_default(),
        po_date: level.po_date,
        packs: Vec::new(),
    }
}

/// # Format
/// `B10*{PRO}*{shipment id}*{SCAC}~ L11*{bol}*BM~ L11*{po}*PO~ G62*17*{CCYYMMDD}~ LX*1~
/// AT7*{status}*{reason}***{CCYYMMDD}*{HHMM}*LT~ MS1*{city}*{state}*{country}~`
pub(crate) fn read_shipment_status(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<ShipmentStatus> {
    let mut status: Option<ShipmentStatus> = None;
    let mut bol = None;
    let mut pro_from_l11 = None;
    let mut po_numbers = Vec::new();
    let mut estimated_delivery = None;
    let mut events: Vec<StatusEvent> = Vec::new();
    for segment in body {
        match segment.tag() {
            b"B10" => {
                status = Some(ShipmentStatus {
                    shipment_id: fields.text(segment, 2, 0),
                    pro_number: fields.text(segment, 1, 0),
                    carrier_scac: fields.text(segment, 3, 0),
                    bill_of_lading: None,
                    po_numbers: Vec::new(),
                    estimated_delivery: None,
                    events: Vec::new(),
                });
            }
            b"G62" if segment.element(1).raw() == b"17" => {
                estimated_delivery = fields.date(segment, 2, 0);
            }
            b"L11" => match segment.element(2).raw() {
                b"BM" => bol = fields.text(segment, 1, 0),
                b"PO" => po_numbers.extend(fields.text(segment, 1, 0)),
                b"CN" => pro_from_l11 = fields.text(segment, 1, 0),
                _ => {}
            },
            b"AT7" => {
                let (code, reason) = if segment.element(1).is_empty() {
                    (fields.text(segment, 3, 0), fields.text(segment, 4, 0))
                } else {
                    (fields.text(segment, 1, 0), fields.text(segment, 2, 0))
                };
                let Some(code) = code else {
                    fields.required(segment, 1, 0, "AT701");
                    continue;
                };
                events.push(StatusEvent {
                    status: code,
                    reason,
                    date: fields.date(segment, 5, 0),
                    time: fields.time(segment, 6, 0),
                    city: None,
                    state: None,
                    country: None,
                });
            }
            b"MS1" => {
                if let Some(event) = events.last_mut() {
                    event.city = fields.text(segment, 1, 0);
                    event.state = fields.text(segment, 2, 0);
                    event.country = fields.text(segment, 3, 0);
                }
            }
            b"N1" | b"N2" | b"N3" | b"N4" => {}
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut status) = status else {
        fields.missing_segment(at, "B10");
        return None;
    };
    status.bill_of_lading = bol;
    if status.pro_number.is_none() {
        status.pro_number = pro_from_l11;
    }
    status.po_numbers = po_numbers;
    status.estimated_delivery = estimated_delivery;
    status.events = events;
    Some(status)
}
