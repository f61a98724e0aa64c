//! Strategies for purchase order changes (860 / ORDCHG) and change acknowledgments (865).

use gridlink_edi::*;
use proptest::collection::vec;
use proptest::prelude::*;

use super::{amount, date, digits, party, product_id, quantity};

fn change_line(edifact: bool) -> impl Strategy<Value = ChangeLine> {
    let changes = if edifact {
        // EDIFACT LIN 1229 has one "changed" code: the finer X12 kinds read back as ChangeItem.
        vec![
            LineChange::AddItem,
            LineChange::DeleteItem,
            LineChange::ChangeItem,
            LineChange::Other("4".to_owned()),
        ]
    } else {
        vec![
            LineChange::AddItem,
            LineChange::DeleteItem,
            LineChange::ChangeItem,
            LineChange::PriceChange,
            LineChange::QuantityIncrease,
            LineChange::QuantityDecrease,
            LineChange::PriceAndQuantity,
            LineChange::Reschedule,
            LineChange::Other("RZ".to_owned()),
        ]
    };
    (
        digits(),
        prop::sample::select(changes),
        prop::option::of(quantity()),
        prop::option::of(amount(3)),
        prop::option::of(amount(4)),
        vec(product_id(), 0..4),
        prop::option::of(date()),
    )
        .prop_map(
            |(
                line_number,
                change,
                quantity,
                left_to_receive,
                unit_price,
                product_ids,
                requested_delivery,
            )| ChangeLine {
                line_number,
                change,
                quantity,
                left_to_receive,
                unit_price,
                product_ids,
                requested_delivery,
            },
        )
}

fn purposes() -> Vec<ChangePurpose> {
    vec![
        ChangePurpose::Change,
        ChangePurpose::Cancellation,
        ChangePurpose::Replace,
        ChangePurpose::Confirmation,
        ChangePurpose::Original,
    ]
}

/// An 860 (`edifact` false) or an ORDCHG: EDIFACT has no order type (reads `StandAlone`) and
/// carries the change sequence in BGM 1004, so a sequence equal to the PO number reads as none.
pub fn order_change(
    text: BoxedStrategy<String>,
    edifact: bool,
) -> impl Strategy<Value = BusinessDocument> {
    let mut purposes = purposes();
    purposes.push(ChangePurpose::Other(
        if edifact { "31" } else { "19" }.to_owned(),
    ));
    let order_types = if edifact {
        vec![OrderType::StandAlone]
    } else {
        vec![
            OrderType::StandAlone,
            OrderType::Blanket,
            OrderType::Release,
        ]
    };
    (
        (
            prop::sample::select(purposes),
            prop::sample::select(order_types),
            text.clone(),
            prop::option::of("[0-9]{1,8}"),
        ),
        (
            prop::option::of(date()),
            prop::option::of(date()),
            prop::option::of(date()),
        ),
        vec(party(text), 0..3),
        vec(change_line(edifact), 0..5),
    )
        .prop_map(
            |(
                (purpose, order_type, po_number, change_sequence),
                (po_date, change_date, requested_delivery),
                parties,
                lines,
            )| {
                let change_sequence = change_sequence.filter(|s| *s != po_number);
                BusinessDocument::PurchaseOrderChange(PurchaseOrderChange {
                    purpose,
                    order_type,
                    po_number,
                    change_sequence,
                    po_date,
                    change_date,
                    requested_delivery,
                    parties,
                    lines,
                })
            },
        )
}

/// An 865 (X12 only).
pub fn order_change_ack(text: BoxedStrategy<String>) -> impl Strategy<Value = BusinessDocument> {
    let line = (
        change_line(false),
        prop::sample::select(vec![
            LineStatus::Accepted,
            LineStatus::AcceptedWithChanges,
            LineStatus::Backordered,
            LineStatus::DateRescheduled,
            LineStatus::Rejected,
            LineStatus::Deleted,
            LineStatus::Other("IS".to_owned()),
        ]),
        prop::option::of(quantity()),
        prop::option::of((
            date(),
            prop::sample::select(vec![DateKind::Shipment, DateKind::Delivery]),
        )),
    )
        .prop_map(|(line, status, status_quantity, scheduled)| ChangeAckLine {
            line,
            status,
            status_quantity,
            scheduled_date: scheduled.map(|(date, _)| date),
            scheduled_date_kind: scheduled.map(|(_, kind)| kind),
        });
    let mut purposes = purposes();
    purposes.push(ChangePurpose::Other("19".to_owned()));
    (
        (
            prop::sample::select(purposes),
            prop::sample::select(vec![
                AckStatusCode::AcceptedNoChange,
                AckStatusCode::AcceptedWithChanges,
                AckStatusCode::Rejected,
                AckStatusCode::Other("ZZ".to_owned()),
            ]),
            text.clone(),
            prop::option::of("[0-9]{1,8}"),
            prop::option::of(text.clone()),
        ),
        (
            prop::option::of(date()),
            prop::option::of(date()),
            prop::option::of(date()),
        ),
        vec(party(text), 0..3),
        vec(line, 0..5),
    )
        .prop_map(
            |(
                (purpose, status, po_number, change_sequence, seller_order_number),
                (po_date, ack_date, change_date),
                parties,
                lines,
            )| {
                BusinessDocument::PurchaseOrderChangeAck(PurchaseOrderChangeAck {
                    purpose,
                    status,
                    po_number,
                    change_sequence,
                    po_date,
                    seller_order_number,
                    ack_date,
                    change_date,
                    parties,
                    lines,
                })
            },
        )
}
