//! Shared helpers for the integration tests (included with `mod common_fixtures;`).

#![allow(dead_code)]

use std::path::PathBuf;

use gridlink_edi::token::Segments;
use gridlink_edi::{AckStatus, BusinessDocument, FunctionalAck, Verdict, parse_interchanges};

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The kinds that have both syntaxes, each as an X12 and an EDIFACT fixture (the 865 has no
/// EDIFACT twin: see [`CHANGE_ANSWERS`]).
pub const PAIRS: [(&str, &str, &str); 7] = [
    (
        "PurchaseOrder",
        "x12/850_purchase_order.x12",
        "edifact/orders_purchase_order.edi",
    ),
    (
        "OrderAcknowledgment",
        "x12/855_order_ack.x12",
        "edifact/ordrsp_order_ack.edi",
    ),
    (
        "ShipNotice",
        "x12/856_ship_notice.x12",
        "edifact/desadv_ship_notice.edi",
    ),
    (
        "Invoice",
        "x12/810_invoice.x12",
        "edifact/invoic_invoice.edi",
    ),
    (
        "FunctionalAck",
        "x12/997_functional_ack.x12",
        "edifact/contrl_functional_ack.edi",
    ),
    (
        "ShipmentStatus",
        "x12/214_shipment_status.x12",
        "edifact/iftsta_shipment_status.edi",
    ),
    (
        "PurchaseOrderChange",
        "x12/860_order_change.x12",
        "edifact/ordchg_order_change.edi",
    ),
];

/// The supplier's answers to the change in [`PAIRS`]: an X12 865, and the EDIFACT ORDRSP that
/// answers an ORDCHG.
pub const CHANGE_ANSWERS: [(&str, &str); 2] = [
    ("PurchaseOrderChangeAck", "x12/865_order_change_ack.x12"),
    (
        "OrderAcknowledgment",
        "edifact/ordrsp_order_change_response.edi",
    ),
];

pub fn prepared_at() -> time::PrimitiveDateTime {
    time::macros::datetime!(2024-01-15 10:45)
}

/// The judgment an acknowledgment expresses: any `R` or `P` (TA1, AK5, AK9, UCI, UCF, UCM)
/// rejects; any `E` (or a listed error under an accepting CONTRL) accepts with errors.
pub fn judgment_of(ack: &[u8]) -> Verdict {
    let mut statuses: Vec<AckStatus> = Vec::new();
    for segment in Segments::new(ack)
        .expect("the acknowledgment tokenises")
        .flatten()
    {
        if segment.is(b"TA1") {
            statuses.push(match segment.element(4).raw() {
                b"A" => AckStatus::Accepted,
                b"E" => AckStatus::AcceptedWithErrors,
                _ => AckStatus::Rejected,
            });
        }
    }
    for interchange in parse_interchanges(ack).expect("the acknowledgment parses back") {
        for document in interchange.documents {
            let BusinessDocument::FunctionalAck(FunctionalAck {
                interchange,
                groups,
                messages,
                ..
            }) = document
            else {
                panic!("not an acknowledgment");
            };
            statuses.extend(interchange.map(|i| i.status));
            for group in groups {
                statuses.push(group.status);
                statuses.extend(group.transactions.into_iter().map(|t| t.status));
            }
            statuses.extend(messages.into_iter().map(|t| t.status));
        }
    }
    if statuses
        .iter()
        .any(|s| matches!(s, AckStatus::Rejected | AckStatus::PartiallyAccepted))
    {
        Verdict::Rejected
    } else if statuses.contains(&AckStatus::AcceptedWithErrors) {
        Verdict::AcceptedWithErrors
    } else {
        Verdict::Accepted
    }
}
