//! Proptest strategies for every canonical document kind (shared by the round-trip tests).

#![allow(dead_code)]

use gridlink_edi::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

mod changes;
mod documents;

pub use changes::{order_change, order_change_ack};

use documents::{
    contrl, invoice, order_ack, purchase_order, ship_notice, shipment_status, x12_ack,
};

/// Text safe for X12 (no delimiter can occur in it).
pub fn x12_text() -> impl Strategy<Value = String> {
    "[A-Z0-9][A-Z0-9 ,./-]{0,14}"
}

/// Text for EDIFACT, including the service characters the writer must escape.
pub fn edifact_text() -> impl Strategy<Value = String> {
    "[A-Z0-9][A-Z0-9 +:?'./-]{0,14}"
}

pub fn digits() -> impl Strategy<Value = String> {
    "[0-9]{1,14}"
}

pub fn date() -> impl Strategy<Value = EdiDate> {
    (2000i32..2100, 1u8..=12, 1u8..=28)
        .prop_map(|(y, m, d)| EdiDate::from_ymd(y, m, d).expect("day 1-28 exists in every month"))
}

pub fn time_of_day() -> impl Strategy<Value = EdiTime> {
    (0u8..24, 0u8..60).prop_map(|(hour, minute)| EdiTime { hour, minute })
}

pub fn amount(max_scale: u32) -> impl Strategy<Value = Decimal> {
    (0i64..100_000_000, 0..=max_scale).prop_map(|(m, scale)| Decimal::new(m, scale))
}

pub fn quantity() -> impl Strategy<Value = Quantity> {
    (
        amount(3),
        prop::sample::select(vec!["EA", "CA", "PK", "LB", "KG"]),
    )
        .prop_map(|(value, unit)| Quantity {
            value,
            unit: unit.to_owned(),
        })
}

pub fn product_id() -> impl Strategy<Value = ProductId> {
    (
        prop::sample::select(vec![
            ProductIdKind::Gtin,
            ProductIdKind::Upc,
            ProductIdKind::BuyerItem,
            ProductIdKind::VendorItem,
        ]),
        "[A-Z0-9-]{1,14}",
    )
        .prop_map(|(kind, value)| ProductId { kind, value })
}

pub fn party(text: BoxedStrategy<String>) -> impl Strategy<Value = Party> {
    let role = prop::sample::select(vec![
        PartyRole::Buyer,
        PartyRole::Supplier,
        PartyRole::ShipTo,
        PartyRole::ShipFrom,
        PartyRole::BillTo,
        PartyRole::RemitTo,
        PartyRole::Carrier,
        PartyRole::Consignee,
        PartyRole::Consignor,
    ]);
    let scheme = prop::sample::select(vec![
        IdScheme::Gln,
        IdScheme::Duns,
        IdScheme::AssignedByBuyer,
        IdScheme::AssignedBySeller,
    ]);
    let address = (
        prop::option::of(text.clone()),
        text.clone(),
        prop::option::of("[A-Z]{2}"),
        prop::option::of("[0-9]{5}"),
        prop::option::of("[A-Z]{2}"),
    )
        .prop_map(|(street, city, state, postal_code, country)| Address {
            street,
            city: Some(city),
            state,
            postal_code,
            country,
        });
    (
        role,
        prop::option::of(text),
        prop::option::of((scheme, digits())),
        prop::option::of(address),
    )
        .prop_map(|(role, name, id, address)| Party {
            role,
            name,
            id: id.map(|(scheme, value)| PartyIdentifier { scheme, value }),
            address,
        })
}

pub fn x12_document() -> impl Strategy<Value = BusinessDocument> {
    let text = x12_text().boxed();
    prop_oneof![
        purchase_order(text.clone()),
        order_ack(text.clone(), false),
        ship_notice(text.clone()),
        invoice(text.clone()),
        x12_ack(AckKind::Ack997),
        x12_ack(AckKind::Ack999),
        shipment_status(text.clone(), false),
        order_change(text.clone(), false),
        order_change_ack(text),
    ]
}

pub fn edifact_document() -> impl Strategy<Value = BusinessDocument> {
    let text = edifact_text().boxed();
    prop_oneof![
        purchase_order(text.clone()),
        order_ack(text.clone(), true),
        ship_notice(text.clone()),
        invoice(text.clone()),
        contrl(),
        shipment_status(text.clone(), true),
        order_change(text, true),
    ]
}

pub fn params() -> impl Strategy<Value = EnvelopeParams> {
    (
        "[A-Z0-9]{1,15}",
        "[A-Z0-9]{1,15}",
        1u32..999_999_999,
        1u32..999_999,
        1u32..9_999,
        any::<bool>(),
    )
        .prop_map(
            |(from, to, interchange, group, first, test)| EnvelopeParams {
                sender: PartyId::new("ZZ", from),
                receiver: PartyId::new("ZZ", to),
                interchange_control_number: interchange,
                group_control_number: group,
                first_transaction_control_number: first,
                application_sender: None,
                application_receiver: None,
                prepared_at: time::macros::datetime!(2024-01-15 10:45),
                test,
            },
        )
}
