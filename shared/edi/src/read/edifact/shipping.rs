//! DESADV (the CPS packing hierarchy) and IFTSTA.

use crate::error::{EdiError, Position};
use crate::model::{
    EdiDate, Pack, Purpose, ShipNotice, ShipmentStatus, ShippedItem, ShippedOrder, StatusEvent,
};
use crate::read::{Fields, sscc_is_valid};
use crate::token::Segment;

use super::{dtm_date, dtm_time, lin_product, other_segment, party, pia_products, qualifier};

/// An item read inside a CPS group, before grouping by order.
struct PendingItem {
    pack: usize,
    po_number: Option<String>,
    item: ShippedItem,
}

/// # Format
/// `BGM+351+{despatch no}+9' DTM+11:{ship date}:102' DTM+17:{delivery}:102' RFF+BM:{bol}'
/// RFF+CN:{pro}' NAD…' TDT+20++30+31+{SCAC}:172' CPS+1' CPS+2+1' PAC+1++CT' GIN+BJ+{SSCC-18}'
/// LIN+1++{gtin}:SRV' QTY+12:{qty}:{unit}' RFF+ON:{po}:{po line}' DTM+171:{po date}:102'`
pub(crate) fn read_ship_notice(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<ShipNotice> {
    let mut notice: Option<ShipNotice> = None;
    let mut parties = Vec::new();
    let (mut ship_date, mut estimated_delivery, mut scac, mut bol, mut pro) =
        (None, None, None, None, None);
    let mut header_po: Option<String> = None;
    let mut po_dates: Vec<(String, EdiDate)> = Vec::new();
    let mut last_po: Option<String> = None;
    let mut packs: Vec<Option<String>> = Vec::new();
    let mut items: Vec<PendingItem> = Vec::new();
    for segment in body {
        match segment.tag() {
            b"BGM" => {
                notice = Some(ShipNotice {
                    purpose: Purpose::from_edifact(&fields.code(segment, 3, 0).unwrap_or_default()),
                    shipment_id: fields.required(segment, 2, 1, "BGM 1004"),
                    ship_date: None,
                    estimated_delivery: None,
                    carrier_scac: None,
                    bill_of_lading: None,
                    pro_number: None,
                    parties: Vec::new(),
                    orders: Vec::new(),
                });
            }
            b"DTM" => match qualifier(segment) {
                b"11" => ship_date = dtm_date(segment, fields),
                b"17" => estimated_delivery = dtm_date(segment, fields),
                b"171" => {
                    if let (Some(po), Some(date)) = (last_po.clone(), dtm_date(segment, fields)) {
                        po_dates.push((po, date));
                    }
                }
                _ => {}
            },
            b"RFF" => match qualifier(segment) {
                b"BM" => bol = fields.text(segment, 1, 2),
                b"CN" => pro = fields.text(segment, 1, 2),
                b"ON" => {
                    let po = fields.text(segment, 1, 2);
                    last_po.clone_from(&po);
                    match items.last_mut() {
                        Some(pending) => {
                            pending.po_number = po;
                            pending.item.line_number = fields.text(segment, 1, 3);
                        }
                        None => header_po = po,
                    }
                }
                _ => {}
            },
            b"NAD" if packs.is_empty() => parties.push(party(segment, fields)),
            b"TDT" => scac = fields.text(segment, 5, 1).or(scac),
            b"CPS" => packs.push(None),
            b"GIN" if segment.element(1).raw() == b"BJ" => {
                let sscc = fields.text(segment, 2, 1);
                if let Some(sscc) = &sscc
                    && !sscc_is_valid(sscc)
                {
                    fields.errors.push(EdiError::InvalidSscc {
                        at: segment.position_of(2, Some(1)),
                        value: sscc.clone(),
                    });
                }
                if let Some(pack) = packs.last_mut() {
                    *pack = sscc;
                }
            }
            b"LIN" => {
                if packs.is_empty() {
                    packs.push(None);
                }
                items.push(PendingItem {
                    pack: packs.len() - 1,
                    po_number: None,
                    item: ShippedItem {
                        line_number: None,
                        product_ids: lin_product(segment, fields),
                        quantity: crate::model::Quantity {
                            value: rust_decimal::Decimal::ZERO,
                            unit: String::new(),
                        },
                    },
                });
            }
            b"PIA" => {
                let ids = pia_products(segment, fields);
                if let Some(pending) = items.last_mut() {
                    pending.item.product_ids.extend(ids);
                }
            }
            b"QTY" if qualifier(segment) == b"12" => {
                let quantity = fields.quantity(segment, (1, 2), (1, 3));
                if let (Some(pending), Some(quantity)) = (items.last_mut(), quantity) {
                    pending.item.quantity = quantity;
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut notice) = notice else {
        fields.missing_segment(at, "BGM");
        return None;
    };
    let mut orders: Vec<(ShippedOrder, Vec<usize>)> = Vec::new();
    for pending in items {
        if pending.item.quantity.unit.is_empty() {
            fields.missing_segment(at, "QTY+12");
            continue;
        }
        let po = pending
            .po_number
            .or_else(|| header_po.clone())
            .unwrap_or_default();
        let slot = if let Some(slot) = orders.iter().position(|(o, _)| o.po_number == po) {
            slot
        } else {
            let po_date = po_dates.iter().find(|(p, _)| *p == po).map(|(_, d)| *d);
            orders.push((
                ShippedOrder {
                    po_number: po,
                    po_date,
                    packs: Vec::new(),
                },
                Vec::new(),
            ));
            orders.len() - 1
        };
        let (order, pack_keys) = &mut orders[slot];
        let pack_slot = if let Some(p) = pack_keys.iter().position(|k| *k == pending.pack) {
            p
        } else {
            pack_keys.push(pending.pack);
            order.packs.push(Pack {
                sscc: packs.get(pending.pack).cloned().flatten(),
                items: Vec::new(),
            });
            order.packs.len() - 1
        };
        order.packs[pack_slot].items.push(pending.item);
    }
    notice.orders = orders.into_iter().map(|(o, _)| o).collect();
    notice.parties = parties;
    notice.ship_date = ship_date;
    notice.estimated_delivery = estimated_delivery;
    notice.carrier_scac = scac;
    notice.bill_of_lading = bol;
    notice.pro_number = pro;
    Some(notice)
}

/// # Format
/// `BGM+23+{shipment id}+9' DTM+17:{CCYYMMDD}:102' NAD+CA+{SCAC}::172' RFF+BM:{bol}'
/// RFF+CN:{pro}' RFF+ON:{po}' CNI+1+{consignment ref}' STS+1+{event}+{reason}' DTM+334:{CCYYMMDDHHMM}:203'
/// LOC+175+{code}:::{place name}'`
pub(crate) fn read_shipment_status(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<ShipmentStatus> {
    let mut status: Option<ShipmentStatus> = None;
    let (mut scac, mut bol, mut pro, mut consignment) = (None, None, None, None);
    let mut po_numbers = Vec::new();
    let mut estimated_delivery = None;
    let mut events: Vec<StatusEvent> = Vec::new();
    for segment in body {
        match segment.tag() {
            b"BGM" => {
                status = Some(ShipmentStatus {
                    shipment_id: fields.text(segment, 2, 1),
                    pro_number: None,
                    carrier_scac: None,
                    bill_of_lading: None,
                    po_numbers: Vec::new(),
                    estimated_delivery: None,
                    events: Vec::new(),
                });
            }
            b"DTM" if qualifier(segment) == b"17" => {
                estimated_delivery = dtm_date(segment, fields);
            }
            b"NAD" if segment.element(1).raw() == b"CA" => scac = fields.text(segment, 2, 1),
            b"RFF" => match qualifier(segment) {
                b"BM" => bol = fields.text(segment, 1, 2),
                b"CN" => pro = fields.text(segment, 1, 2),
                b"ON" => po_numbers.extend(fields.text(segment, 1, 2)),
                _ => {}
            },
            b"CNI" => consignment = consignment.or(fields.text(segment, 2, 1)),
            b"STS" => {
                let Some(code) = fields.text(segment, 2, 1) else {
                    fields.required(segment, 2, 1, "STS C555");
                    continue;
                };
                events.push(StatusEvent {
                    status: code,
                    reason: fields.text(segment, 3, 1),
                    date: None,
                    time: None,
                    city: None,
                    state: None,
                    country: None,
                });
            }
            b"DTM" if matches!(qualifier(segment), b"334" | b"7" | b"178") => {
                let date = dtm_date(segment, fields);
                let time = dtm_time(segment, fields);
                if let Some(event) = events.last_mut() {
                    event.date = date;
                    event.time = time;
                }
            }
            b"LOC" => {
                let place = fields
                    .text(segment, 2, 4)
                    .or_else(|| fields.text(segment, 2, 1));
                if let Some(event) = events.last_mut() {
                    event.city = place;
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    let Some(mut status) = status else {
        fields.missing_segment(at, "BGM");
        return None;
    };
    if status.shipment_id.is_none() {
        status.shipment_id = consignment;
    }
    status.carrier_scac = scac;
    status.bill_of_lading = bol;
    status.pro_number = pro;
    status.po_numbers = po_numbers;
    status.estimated_delivery = estimated_delivery;
    status.events = events;
    Some(status)
}
