//! The shipment phase: every item of this order's part of every ship notice (856 / DESADV),
//! summed per line in the order's unit; then each line's shipped quantity against what the
//! partner committed to.

use super::lines::{Findings, LineIndex, LineState, in_order_unit, n, unit_mismatch};
use super::model::{OrderRecord, PartnerDocuments, Rules};
use super::outcome::{FindingCode, ShipmentPart};

/// Sums what every ship notice shipped of each line. A multi-order ship notice counts only
/// its parts for this order (`PRF01` / `RFF+ON` equal to the PO number, spaces ignored).
pub(super) fn shipment_phase(
    order: &OrderRecord,
    received: &PartnerDocuments,
    rules: &Rules,
    index: &LineIndex<'_>,
    findings: &mut Findings,
    state: &mut [LineState],
) {
    let po = order.po_number.trim();
    for notice in &received.ship_notices {
        let shipment_id = notice.document.shipment_id.as_str();
        let parts = notice
            .document
            .orders
            .iter()
            .filter(|o| o.po_number.trim() == po);
        for item in parts
            .flat_map(|o| o.packs.iter())
            .flat_map(|p| p.items.iter())
        {
            let Some(i) = index.find(item.line_number.as_deref(), &item.product_ids) else {
                findings.unknown_line(
                    "ship notice",
                    shipment_id,
                    item.line_number.as_deref(),
                    &item.product_ids,
                );
                continue;
            };
            let quantity = match in_order_unit(&rules.units, &order.lines[i], &item.quantity) {
                Ok((quantity, _)) => quantity,
                Err(unit) => {
                    unit_mismatch(findings, &mut state[i], order, i, shipment_id, unit);
                    continue;
                }
            };
            let shipped = &mut state[i].shipped;
            shipped.quantity += quantity;
            match shipped.shipments.last_mut() {
                Some(last) if last.shipment_id == shipment_id => last.quantity += quantity,
                _ => shipped.shipments.push(ShipmentPart {
                    shipment_id: shipment_id.to_owned(),
                    quantity,
                }),
            }
        }
    }
}

/// Line `i`'s shipped quantity against its committed one: more is an over-shipment; less,
/// once a ship notice arrived, waits for more ship notices until invoicing is complete, and
/// is a short shipment from then on.
pub(super) fn judge_shipment(
    order: &OrderRecord,
    i: usize,
    state: &LineState,
    has_notice: bool,
    invoicing_complete: bool,
    findings: &mut Findings,
) {
    if state.unit_mismatch {
        return;
    }
    let ordered = &order.lines[i];
    let (shipped, committed) = (state.shipped.quantity, state.committed);
    let detail = if committed == ordered.quantity {
        String::new()
    } else {
        format!(" ({} ordered)", n(ordered.quantity))
    };
    let line = &ordered.line;
    if shipped > committed {
        findings.line(
            order,
            i,
            FindingCode::OverShipment,
            None,
            format!(
                "line {line}: {} shipped, {} committed{detail}",
                n(shipped),
                n(committed)
            ),
        );
    } else if has_notice && shipped < committed {
        let (code, tail) = if invoicing_complete {
            (FindingCode::ShortShipment, "")
        } else {
            (
                FindingCode::AwaitingShipment,
                "; more ship notices expected",
            )
        };
        findings.line(
            order,
            i,
            code,
            None,
            format!(
                "line {line}: {} shipped, {} committed{detail}{tail}",
                n(shipped),
                n(committed)
            ),
        );
    }
}
