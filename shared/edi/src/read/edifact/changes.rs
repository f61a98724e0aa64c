//! ORDCHG (the answer, an ORDRSP, is read by `orders::read_order_ack`).

use crate::error::Position;
use crate::model::{ChangeLine, ChangePurpose, LineChange, OrderType, PurchaseOrderChange};
use crate::read::Fields;
use crate::token::Segment;

use super::{dtm_date, lin_product, other_segment, party, pia_products, qualifier};

/// # Format
/// `BGM+230+{change number}+{4|1|5|6}' DTM+137:{change date}:102' DTM+2:{delivery}:102'
/// RFF+ON:{po}' DTM+171:{po date}:102' NAD…' LIN+{line}+{1|2|3}+{gtin}:SRV' PIA+1+{id}:SA'
/// QTY+21:{qty}:{unit}' QTY+113:{left to receive}:{unit}' DTM+2:{line delivery}:102'
/// PRI+AAA:{price}' UNS+S' CNT+2:{lines}'`
pub(crate) fn read_order_change(
    body: &[Segment<'_>],
    at: &Position,
    fields: &mut Fields<'_>,
) -> Option<PurchaseOrderChange> {
    let mut purpose: Option<ChangePurpose> = None;
    let mut bgm_number = String::new();
    let (mut po_number, mut po_date, mut change_date, mut requested_delivery) =
        (None, None, None, None);
    let mut parties = Vec::new();
    let mut lines: Vec<ChangeLine> = Vec::new();
    let mut last_reference: &[u8] = &[];
    for segment in body {
        match segment.tag() {
            b"BGM" => {
                bgm_number = fields.required(segment, 2, 1, "BGM 1004");
                purpose = Some(ChangePurpose::from_edifact(
                    &fields.text(segment, 3, 0).unwrap_or_default(),
                ));
            }
            b"RFF" => {
                last_reference = qualifier(segment);
                if qualifier(segment) == b"ON" && lines.is_empty() {
                    po_number = fields.text(segment, 1, 2);
                }
            }
            b"DTM" => match (qualifier(segment), lines.last_mut()) {
                (b"137", None) => change_date = dtm_date(segment, fields),
                (b"2", None) => requested_delivery = dtm_date(segment, fields),
                (b"171", None) if last_reference == b"ON" => po_date = dtm_date(segment, fields),
                (b"2", Some(line)) => line.requested_delivery = dtm_date(segment, fields),
                _ => {}
            },
            b"NAD" => parties.push(party(segment, fields)),
            b"LIN" => lines.push(ChangeLine {
                line_number: fields
                    .text(segment, 1, 0)
                    .unwrap_or_else(|| (lines.len() + 1).to_string()),
                change: LineChange::from_edifact(&fields.code(segment, 2, 0).unwrap_or_default()),
                quantity: None,
                left_to_receive: None,
                unit_price: None,
                product_ids: lin_product(segment, fields),
                requested_delivery: None,
            }),
            b"PIA" => {
                let ids = pia_products(segment, fields);
                if let Some(line) = lines.last_mut() {
                    line.product_ids.extend(ids);
                }
            }
            b"QTY" => match qualifier(segment) {
                b"21" => {
                    let quantity = fields.quantity(segment, (1, 2), (1, 3));
                    if let Some(line) = lines.last_mut() {
                        line.quantity = quantity;
                    }
                }
                b"113" => {
                    let left = fields.decimal(segment, 1, 2);
                    if let Some(line) = lines.last_mut() {
                        line.left_to_receive = left;
                    }
                }
                _ => {}
            },
            b"PRI" if matches!(qualifier(segment), b"AAA" | b"AAB") => {
                let price = fields.decimal(segment, 1, 2);
                if let Some(line) = lines.last_mut() {
                    line.unit_price = price;
                }
            }
            _ => other_segment(segment, fields),
        }
    }
    let Some(purpose) = purpose else {
        fields.missing_segment(at, "BGM");
        return None;
    };
    let (po_number, change_sequence) = match po_number {
        Some(po) => {
            let sequence = (!bgm_number.is_empty() && bgm_number != po).then_some(bgm_number);
            (po, sequence)
        }
        None => (bgm_number, None),
    };
    Some(PurchaseOrderChange {
        purpose,
        order_type: OrderType::StandAlone,
        po_number,
        change_sequence,
        po_date,
        change_date,
        requested_delivery,
        parties,
        lines,
    })
}
