//! The rules, case by case: fixtures here, cases in [`acknowledgments_and_shipments`] and
//! [`invoices_and_reports`].

mod acknowledgments_and_shipments;
mod invoices_and_reports;

use gridlink_edi::{
    AckLine, AckStatusCode, EdiDate, Invoice, InvoiceLine, LineStatus, OrderAcknowledgment, Pack,
    ProductId, ProductIdKind, Purpose, Quantity, ShipNotice, ShippedItem, ShippedOrder,
};
use rust_decimal::Decimal;

use super::model::{
    DocumentKind, DocumentRef, OrderRecord, OrderedLine, PartnerDocuments, PriceTolerance,
    Received, Rules,
};
use super::outcome::{FindingCode, Reconciliation};
use super::rules::reconcile;

pub(super) fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

pub(super) fn q(value: &str) -> Quantity {
    Quantity {
        value: d(value),
        unit: "EA".to_owned(),
    }
}

pub(super) fn date() -> Option<EdiDate> {
    EdiDate::from_ymd(2026, 11, 20)
}

/// PO 4500001234 as the demo seed has it: 5000 bolts at 0.12, 5000 nuts at 0.08, EUR.
pub(super) fn order() -> OrderRecord {
    OrderRecord {
        po_number: "4500001234".to_owned(),
        currency: Some("EUR".to_owned()),
        lines: vec![
            OrderedLine {
                line: "10".to_owned(),
                material: Some("M-STEEL-BOLT-12".to_owned()),
                quantity: d("5000"),
                unit: Some("EA".to_owned()),
                unit_price: Some(d("0.12")),
                delivery_date: date(),
                ship_date: None,
            },
            OrderedLine {
                line: "20".to_owned(),
                material: Some("M-STEEL-NUT-12".to_owned()),
                quantity: d("5000"),
                unit: Some("EA".to_owned()),
                unit_price: Some(d("0.08")),
                delivery_date: date(),
                ship_date: None,
            },
        ],
    }
}

pub(super) fn reference(kind: DocumentKind, number: &str) -> DocumentRef {
    DocumentRef {
        kind,
        number: number.to_owned(),
        sender: "ZZ:ACMESUPPLY".to_owned(),
        revision: format!("sha-{number}"),
        received_at: "2026-11-25T00:00:00Z".to_owned(),
    }
}

pub(super) fn ack_line(line: &str, status: LineStatus, quantity: &str, price: &str) -> AckLine {
    AckLine {
        line_number: line.to_owned(),
        ordered_quantity: Some(q("5000")),
        unit_price: Some(d(price)),
        product_ids: Vec::new(),
        status,
        status_quantity: Some(q(quantity)),
        scheduled_date: date(),
        scheduled_date_kind: Some(gridlink_edi::DateKind::Delivery),
    }
}

pub(super) fn ack(lines: Vec<AckLine>) -> Received<OrderAcknowledgment> {
    Received {
        reference: reference(DocumentKind::OrderAcknowledgment, "4500001234"),
        document: OrderAcknowledgment {
            purpose: Purpose::Original,
            status: AckStatusCode::AcceptedWithChanges,
            po_number: "4500001234".to_owned(),
            po_date: None,
            ack_date: None,
            seller_order_number: None,
            parties: Vec::new(),
            lines,
        },
    }
}

pub(super) fn accepted() -> Received<OrderAcknowledgment> {
    ack(vec![
        ack_line("10", LineStatus::Accepted, "5000", "0.12"),
        ack_line("20", LineStatus::Accepted, "5000", "0.08"),
    ])
}

pub(super) fn item(line: Option<&str>, product: &str, quantity: &str) -> ShippedItem {
    ShippedItem {
        line_number: line.map(str::to_owned),
        product_ids: vec![ProductId {
            kind: ProductIdKind::BuyerItem,
            value: product.to_owned(),
        }],
        quantity: q(quantity),
    }
}

pub(super) fn notice(id: &str, items: Vec<ShippedItem>) -> Received<ShipNotice> {
    Received {
        reference: reference(DocumentKind::ShipNotice, id),
        document: ShipNotice {
            purpose: Purpose::Original,
            shipment_id: id.to_owned(),
            ship_date: None,
            estimated_delivery: None,
            carrier_scac: None,
            bill_of_lading: None,
            pro_number: None,
            parties: Vec::new(),
            orders: vec![ShippedOrder {
                po_number: "4500001234".to_owned(),
                po_date: None,
                packs: vec![Pack { sscc: None, items }],
            }],
        },
    }
}

pub(super) fn shipped_in_full() -> Received<ShipNotice> {
    notice(
        "SHP-1",
        vec![
            item(Some("10"), "M-STEEL-BOLT-12", "5000"),
            item(Some("20"), "M-STEEL-NUT-12", "5000"),
        ],
    )
}

pub(super) fn invoice(
    number: &str,
    lines: &[(&str, &str, &str)],
    tax: Option<&str>,
) -> Received<Invoice> {
    let lines: Vec<InvoiceLine> = lines
        .iter()
        .map(|(line, quantity, price)| InvoiceLine {
            line_number: (*line).to_owned(),
            quantity: q(quantity),
            unit_price: d(price),
            product_ids: Vec::new(),
            description: None,
        })
        .collect();
    let total = lines
        .iter()
        .map(|l| l.quantity.value * l.unit_price)
        .sum::<Decimal>()
        + tax.map(d).unwrap_or_default();
    Received {
        reference: reference(DocumentKind::Invoice, number),
        document: Invoice {
            invoice_number: number.to_owned(),
            invoice_date: None,
            po_number: Some("4500001234".to_owned()),
            po_date: None,
            currency: Some("EUR".to_owned()),
            parties: Vec::new(),
            lines,
            total_amount: total,
            tax_amount: tax.map(d),
            charges: Vec::new(),
        },
    }
}

pub(super) fn invoiced_as_ordered() -> Received<Invoice> {
    invoice(
        "INV-1",
        &[("10", "5000", "0.12"), ("20", "5000", "0.08")],
        Some("190"),
    )
}

pub(super) fn rules() -> Rules {
    Rules {
        acknowledgment_required: true,
        price_tolerance: PriceTolerance {
            percent: Some(d("2")),
            absolute: Some(d("0.05")),
        },
        ..Rules::default()
    }
}

pub(super) fn run(documents: &PartnerDocuments) -> Reconciliation {
    reconcile(&order(), documents, &rules())
}

pub(super) fn codes(result: &Reconciliation) -> Vec<FindingCode> {
    result.findings.iter().map(|f| f.code).collect()
}
