//! Strategies for the document kinds of the first release (changes are in `changes.rs`).

use gridlink_edi::*;
use proptest::collection::vec;
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{amount, date, digits, party, product_id, quantity, time_of_day};

pub fn purchase_order(text: BoxedStrategy<String>) -> impl Strategy<Value = BusinessDocument> {
    let line = (
        digits(),
        quantity(),
        prop::option::of(amount(4)),
        vec(product_id(), 0..4),
        prop::option::of(text.clone()),
    )
        .prop_map(
            |(line_number, quantity, unit_price, product_ids, description)| OrderLine {
                line_number,
                quantity,
                unit_price,
                product_ids,
                description,
            },
        );
    (
        prop::sample::select(vec![
            Purpose::Original,
            Purpose::Replace,
            Purpose::Cancellation,
            Purpose::Duplicate,
        ]),
        prop::sample::select(vec![
            OrderType::StandAlone,
            OrderType::Blanket,
            OrderType::Release,
        ]),
        text.clone(),
        prop::option::of(date()),
        prop::option::of(date()),
        prop::option::of(prop::sample::select(vec![
            "USD".to_owned(),
            "EUR".to_owned(),
        ])),
        vec(party(text), 0..4),
        vec(line, 0..5),
    )
        .prop_map(
            |(
                purpose,
                order_type,
                po_number,
                po_date,
                requested_delivery,
                currency,
                parties,
                lines,
            )| {
                BusinessDocument::PurchaseOrder(PurchaseOrder {
                    purpose,
                    order_type,
                    po_number,
                    po_date,
                    requested_delivery,
                    requested_ship: None,
                    currency,
                    parties,
                    lines,
                })
            },
        )
}

pub fn order_ack(
    text: BoxedStrategy<String>,
    edifact: bool,
) -> impl Strategy<Value = BusinessDocument> {
    let status = prop::sample::select(vec![
        LineStatus::Accepted,
        LineStatus::AcceptedWithChanges,
        LineStatus::Backordered,
        LineStatus::DateRescheduled,
        LineStatus::Rejected,
        LineStatus::Deleted,
    ]);
    let line = (
        digits(),
        prop::option::of(quantity()),
        prop::option::of(amount(4)),
        vec(product_id(), 0..3),
        status,
        prop::option::of(quantity()),
        prop::option::of(date()),
    )
        .prop_map(
            move |(
                line_number,
                ordered_quantity,
                unit_price,
                product_ids,
                status,
                status_quantity,
                scheduled_date,
            )| {
                let status_quantity = if edifact && status == LineStatus::Backordered {
                    Some(status_quantity.unwrap_or(Quantity {
                        value: Decimal::ONE,
                        unit: "EA".to_owned(),
                    }))
                } else {
                    status_quantity
                };
                AckLine {
                    line_number,
                    ordered_quantity,
                    unit_price,
                    product_ids,
                    status,
                    status_quantity,
                    scheduled_date_kind: scheduled_date.map(|_| {
                        if edifact {
                            gridlink_edi::DateKind::Delivery
                        } else {
                            gridlink_edi::DateKind::Shipment
                        }
                    }),
                    scheduled_date,
                }
            },
        );
    let purposes = if edifact {
        vec![Purpose::Original]
    } else {
        vec![Purpose::Original, Purpose::Replace, Purpose::Duplicate]
    };
    (
        prop::sample::select(purposes),
        prop::sample::select(vec![
            AckStatusCode::AcceptedNoChange,
            AckStatusCode::AcceptedWithChanges,
            AckStatusCode::Rejected,
        ]),
        text.clone(),
        prop::option::of(date()),
        prop::option::of(date()),
        prop::option::of(text.clone()),
        vec(party(text), 0..3),
        vec(line, 0..5),
    )
        .prop_map(
            |(
                purpose,
                status,
                po_number,
                po_date,
                ack_date,
                seller_order_number,
                parties,
                lines,
            )| {
                BusinessDocument::OrderAcknowledgment(OrderAcknowledgment {
                    purpose,
                    status,
                    po_number,
                    po_date,
                    ack_date,
                    seller_order_number,
                    parties,
                    lines,
                })
            },
        )
}

pub fn sscc() -> impl Strategy<Value = String> {
    "[0-9]{17}".prop_map(|body| {
        let sum: u32 = body
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
            .sum();
        format!("{body}{}", (10 - sum % 10) % 10)
    })
}

pub fn ship_notice(text: BoxedStrategy<String>) -> impl Strategy<Value = BusinessDocument> {
    let item = (
        prop::option::of(digits()),
        vec(product_id(), 0..3),
        quantity(),
    )
        .prop_map(|(line_number, product_ids, quantity)| ShippedItem {
            line_number,
            product_ids,
            quantity,
        });
    let pack = (sscc(), vec(item, 1..3)).prop_map(|(sscc, items)| Pack {
        sscc: Some(sscc),
        items,
    });
    let order = (text.clone(), prop::option::of(date()), vec(pack, 1..3));
    (
        prop::sample::select(vec![Purpose::Original, Purpose::Replace]),
        text.clone(),
        prop::option::of(date()),
        prop::option::of(date()),
        prop::option::of("[A-Z]{4}"),
        prop::option::of(text.clone()),
        prop::option::of(text.clone()),
        vec(party(text), 0..3),
        vec(order, 1..3),
    )
        .prop_map(
            |(
                purpose,
                shipment_id,
                ship_date,
                estimated_delivery,
                carrier_scac,
                bill_of_lading,
                pro_number,
                parties,
                orders,
            )| {
                let orders = orders
                    .into_iter()
                    .enumerate()
                    .map(|(i, (po, po_date, packs))| ShippedOrder {
                        po_number: format!("{po}{i}"),
                        po_date,
                        packs,
                    })
                    .collect();
                BusinessDocument::ShipNotice(ShipNotice {
                    purpose,
                    shipment_id,
                    ship_date,
                    estimated_delivery,
                    carrier_scac,
                    bill_of_lading,
                    pro_number,
                    parties,
                    orders,
                })
            },
        )
}

pub fn invoice(text: BoxedStrategy<String>) -> impl Strategy<Value = BusinessDocument> {
    let line = (
        digits(),
        quantity(),
        amount(4),
        vec(product_id(), 0..3),
        prop::option::of(text.clone()),
    )
        .prop_map(
            |(line_number, quantity, unit_price, product_ids, description)| InvoiceLine {
                line_number,
                quantity,
                unit_price,
                product_ids,
                description,
            },
        );
    (
        text.clone(),
        prop::option::of(date()),
        prop::option::of((text.clone(), prop::option::of(date()))),
        prop::option::of(prop::sample::select(vec![
            "USD".to_owned(),
            "EUR".to_owned(),
        ])),
        vec(party(text), 0..3),
        vec(line, 0..5),
        amount(2),
        prop::option::of(amount(2)),
    )
        .prop_map(
            |(
                invoice_number,
                invoice_date,
                po,
                currency,
                parties,
                lines,
                total_amount,
                tax_amount,
            )| {
                let (po_number, po_date) = po.map_or((None, None), |(n, d)| (Some(n), d));
                BusinessDocument::Invoice(Invoice {
                    invoice_number,
                    invoice_date,
                    po_number,
                    po_date,
                    currency,
                    parties,
                    lines,
                    total_amount,
                    tax_amount,
                    charges: Vec::new(),
                })
            },
        )
}

pub fn shipment_status(
    text: BoxedStrategy<String>,
    edifact: bool,
) -> impl Strategy<Value = BusinessDocument> {
    let event = (
        "[A-Z][A-Z0-9]",
        prop::option::of("[A-Z][A-Z0-9]"),
        prop::option::of((date(), prop::option::of(time_of_day()))),
        prop::option::of(text.clone()),
        prop::option::of("[A-Z]{2}"),
        prop::option::of("[A-Z]{2}"),
    )
        .prop_map(move |(status, reason, when, city, state, country)| {
            let (date, time) = when.map_or((None, None), |(d, t)| (Some(d), t));
            let (state, country) = if edifact {
                (None, None)
            } else {
                (state, country)
            };
            StatusEvent {
                status,
                reason,
                date,
                time,
                city,
                state,
                country,
            }
        });
    (
        prop::option::of(text.clone()),
        prop::option::of(text.clone()),
        prop::option::of("[A-Z]{4}"),
        prop::option::of(text.clone()),
        vec(text, 0..3),
        prop::option::of(date()),
        vec(event, 0..4),
    )
        .prop_map(
            |(
                shipment_id,
                pro_number,
                carrier_scac,
                bill_of_lading,
                po_numbers,
                estimated_delivery,
                events,
            )| {
                BusinessDocument::ShipmentStatus(ShipmentStatus {
                    shipment_id,
                    pro_number,
                    carrier_scac,
                    bill_of_lading,
                    po_numbers,
                    estimated_delivery,
                    events,
                })
            },
        )
}

pub fn x12_ack(kind: AckKind) -> impl Strategy<Value = BusinessDocument> {
    let element = (
        1u16..30,
        prop::option::of(1u16..6),
        prop::sample::select(vec!["1", "2", "6", "7", "8"]),
        prop::option::of("[A-Z0-9]{1,8}"),
    )
        .prop_map(|(position, component, code, bad_value)| ElementError {
            position,
            component,
            code: code.to_owned(),
            bad_value,
        });
    let segment = (
        "[A-Z][A-Z0-9]{1,2}",
        1u32..60,
        prop::option::of(prop::sample::select(vec!["1", "2", "3", "8"])),
        vec(element, 0..3),
    )
        .prop_map(|(id, position, code, element_errors)| SegmentError {
            segment_id: Some(id),
            position,
            code: code.map(str::to_owned),
            element_errors,
        });
    let status = || {
        prop::sample::select(vec![
            AckStatus::Accepted,
            AckStatus::AcceptedWithErrors,
            AckStatus::Rejected,
        ])
    };
    let set = (
        "[0-9]{4,9}",
        status(),
        vec(
            prop::sample::select(vec!["1", "2", "3", "4", "5"]).prop_map(str::to_owned),
            0..3,
        ),
        vec(segment, 0..3),
    )
        .prop_map(
            |(control_number, status, error_codes, segment_errors)| TransactionAck {
                set_id: "850".to_owned(),
                control_number,
                status,
                error_codes,
                segment_errors,
            },
        );
    (
        prop::sample::select(vec!["PO", "IN", "SH"]),
        "[0-9]{1,9}",
        status(),
        0u32..100,
        vec(set, 0..3),
        vec(
            prop::sample::select(vec!["1", "3", "5"]).prop_map(str::to_owned),
            0..2,
        ),
    )
        .prop_map(
            move |(functional_id, control_number, status, count, transactions, error_codes)| {
                let version = (kind == AckKind::Ack999).then(|| "005010".to_owned());
                BusinessDocument::FunctionalAck(FunctionalAck {
                    kind,
                    interchange: None,
                    groups: vec![GroupAck {
                        functional_id: functional_id.to_owned(),
                        control_number,
                        version,
                        status,
                        error_codes,
                        sets_included: Some(count),
                        sets_received: Some(count),
                        sets_accepted: Some(count / 2),
                        transactions,
                    }],
                    messages: Vec::new(),
                })
            },
        )
}

pub fn contrl() -> impl Strategy<Value = BusinessDocument> {
    let element = (
        1u16..30,
        prop::option::of(1u16..6),
        prop::sample::select(vec!["12", "13", "16", "39"]),
    )
        .prop_map(|(position, component, code)| ElementError {
            position,
            component,
            code: code.to_owned(),
            bad_value: None,
        });
    let segment = (
        1u32..60,
        prop::option::of(prop::sample::select(vec!["13", "15", "35"])),
        vec(element, 0..3),
    )
        .prop_map(|(position, code, element_errors)| SegmentError {
            segment_id: None,
            position,
            code: code.map(str::to_owned),
            element_errors,
        });
    let message = (
        "[0-9]{1,6}",
        prop::option::of("1[2-6]"),
        vec(segment, 0..3),
        any::<bool>(),
    )
        .prop_map(|(control_number, code, segment_errors, reject)| {
            let has_errors = code.is_some() || !segment_errors.is_empty();
            let status = match (reject, has_errors) {
                (true, _) => AckStatus::Rejected,
                (false, true) => AckStatus::AcceptedWithErrors,
                (false, false) => AckStatus::Accepted,
            };
            TransactionAck {
                set_id: "ORDERS".to_owned(),
                control_number,
                status,
                error_codes: code.into_iter().collect(),
                segment_errors,
            }
        });
    (
        "[0-9]{1,9}",
        "[A-Z0-9]{1,12}",
        "[A-Z0-9]{1,12}",
        prop::option::of("2[0-9]"),
        any::<bool>(),
        vec(message, 0..4),
    )
        .prop_map(|(control_number, from, to, error_code, reject, messages)| {
            let status = match (reject, error_code.is_some()) {
                (true, _) => AckStatus::Rejected,
                (false, true) => AckStatus::AcceptedWithErrors,
                (false, false) => AckStatus::Accepted,
            };
            BusinessDocument::FunctionalAck(FunctionalAck {
                kind: AckKind::Contrl,
                interchange: Some(InterchangeAck {
                    control_number,
                    sender: PartyId::new("14", from),
                    receiver: PartyId::new("ZZZ", to),
                    status,
                    error_code,
                }),
                groups: Vec::new(),
                messages,
            })
        })
}
