//! Shared helpers for the integration tests (included with `mod common_fixtures;`).

#![allow(dead_code)]

use std::path::PathBuf;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The six kinds, each as an X12 and an EDIFACT fixture.
pub const PAIRS: [(&str, &str, &str); 6] = [
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
];

pub fn prepared_at() -> time::PrimitiveDateTime {
    time::macros::datetime!(2024-01-15 10:45)
}
