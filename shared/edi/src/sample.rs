//! Deterministic sample documents between BUYERCO and ACMESUPPLY, for demos, benchmarks and
//! load tests (the batch generator example and the throughput bench use them).

use rust_decimal::Decimal;

use crate::envelope::PartyId;
use crate::model::{
    BusinessDocument, EdiDate, IdScheme, Invoice, InvoiceLine, OrderLine, OrderType, Party,
    PartyIdentifier, PartyRole, ProductId, ProductIdKind, PurchaseOrder, Purpose, Quantity,
};
use crate::write::EnvelopeParams;

fn party(role: PartyRole, name: &str, gln: &str) -> Party {
    Party {
        role,
        name: Some(name.to_owned()),
        id: Some(PartyIdentifier {
            scheme: IdScheme::Gln,
            value: gln.to_owned(),
        }),
        address: None,
    }
}

fn product_ids(line: usize) -> Vec<ProductId> {
    vec![
        ProductId {
            kind: ProductIdKind::Gtin,
            value: format!("0061414100{line:04}"),
        },
        ProductId {
            kind: ProductIdKind::VendorItem,
            value: format!("ACME-{line}"),
        },
    ]
}

fn price(line: usize) -> Decimal {
    Decimal::new(350 + 25 * i64::try_from(line).unwrap_or(0), 2)
}

fn quantity(line: usize) -> Quantity {
    Quantity {
        value: Decimal::from(12 * line),
        unit: "EA".to_owned(),
    }
}

/// Purchase order number `n`: three parties, five lines.
pub fn purchase_order(n: usize) -> BusinessDocument {
    BusinessDocument::PurchaseOrder(PurchaseOrder {
        purpose: Purpose::Original,
        order_type: OrderType::StandAlone,
        po_number: format!("PO-{n:08}"),
        po_date: EdiDate::from_ymd(2024, 1, 15),
        requested_delivery: EdiDate::from_ymd(2024, 2, 1),
        requested_ship: None,
        currency: Some("USD".to_owned()),
        parties: vec![
            party(PartyRole::Buyer, "BUYERCO INC", "0614141000005"),
            party(PartyRole::Supplier, "ACME SUPPLY CO", "0614141000012"),
            party(PartyRole::ShipTo, "BUYERCO DC 7", "0614141000029"),
        ],
        lines: (1..=5)
            .map(|line| OrderLine {
                line_number: line.to_string(),
                quantity: quantity(line),
                unit_price: Some(price(line)),
                product_ids: product_ids(line),
                description: Some(format!("ITEM {line} OF ORDER {n}")),
            })
            .collect(),
    })
}

/// Invoice number `n` for purchase order `n`: two parties, five lines, exact total.
pub fn invoice(n: usize) -> BusinessDocument {
    let lines: Vec<InvoiceLine> = (1..=5)
        .map(|line| InvoiceLine {
            line_number: line.to_string(),
            quantity: quantity(line),
            unit_price: price(line),
            product_ids: product_ids(line),
            description: Some(format!("ITEM {line}")),
        })
        .collect();
    let total_amount = lines.iter().map(|l| l.quantity.value * l.unit_price).sum();
    BusinessDocument::Invoice(Invoice {
        invoice_number: format!("INV-{n:08}"),
        invoice_date: EdiDate::from_ymd(2024, 1, 21),
        po_number: Some(format!("PO-{n:08}")),
        po_date: EdiDate::from_ymd(2024, 1, 15),
        currency: Some("EUR".to_owned()),
        parties: vec![
            party(PartyRole::Supplier, "ACME SUPPLY CO", "0614141000012"),
            party(PartyRole::Buyer, "BUYERCO INC", "0614141000005"),
        ],
        lines,
        total_amount,
        tax_amount: None,
        charges: Vec::new(),
    })
}

/// An envelope from `sender` to `receiver` (qualifier `ZZ`), control numbers 1.
pub fn envelope(sender: &str, receiver: &str) -> EnvelopeParams {
    EnvelopeParams {
        sender: PartyId::new("ZZ", sender),
        receiver: PartyId::new("ZZ", receiver),
        interchange_control_number: 1,
        group_control_number: 1,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: time::macros::datetime!(2024-01-15 10:30),
        test: false,
    }
}
