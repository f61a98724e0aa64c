//! Reconciliation of a 1 000 000-line order: the pure engine and the JSON report.
//!
//! Generated in memory: an order of 1 000 000 lines; one acknowledgment accepting every line;
//! 200 ship notices of 10 000 items — every line shipped in two parts by two notices (split
//! shipments, summed per line); 100 invoices of 10 000 lines (1 000 000 invoice lines), every
//! 1000th line priced 10 % above the order (1000 `price_outside_tolerance` findings).
//!
//! - `reconcile_1m_lines`: `order_reconcile::reconcile::reconcile` over all of it;
//! - `report_json_1m_lines`: the result serialised as the JSON report (into a sink);
//! - `report_html_1m_lines`: the result rendered as the HTML page.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-uc47 cargo bench -p order-reconcile --bench reconcile`.
//! Figures are recorded in docs/benchmarks.md (order-reconcile section).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gridlink_edi::{
    AckLine, AckStatusCode, EdiDate, Invoice, InvoiceLine, LineStatus, OrderAcknowledgment, Pack,
    Purpose, Quantity, ShipNotice, ShippedItem, ShippedOrder,
};
use order_reconcile::reconcile::report;
use order_reconcile::reconcile::{
    DocumentKind, DocumentRef, MatchStatus, OrderRecord, OrderedLine, PartnerDocuments,
    PriceTolerance, Received, Rules, reconcile,
};
use rust_decimal::Decimal;

const LINES: usize = 1_000_000;
const BLOCK: usize = 10_000;
const PO: &str = "4500999999";

fn quantity(line: usize) -> Decimal {
    Decimal::from(10 + line % 7)
}

fn price(line: usize) -> Decimal {
    Decimal::new(100 + i64::try_from(line % 900).unwrap_or(0), 2)
}

fn ea(value: Decimal) -> Quantity {
    Quantity {
        value,
        unit: "EA".to_owned(),
    }
}

fn reference(kind: DocumentKind, number: String) -> DocumentRef {
    DocumentRef {
        kind,
        revision: format!("{number}-sha"),
        number,
        sender: "ZZ:ACMESUPPLY".to_owned(),
        received_at: "2026-11-25T00:00:00Z".to_owned(),
    }
}

fn order() -> OrderRecord {
    OrderRecord {
        po_number: PO.to_owned(),
        currency: Some("EUR".to_owned()),
        lines: (1..=LINES)
            .map(|line| OrderedLine {
                line: line.to_string(),
                material: Some(format!("M-{line}")),
                quantity: quantity(line),
                unit: Some("EA".to_owned()),
                unit_price: Some(price(line)),
                delivery_date: EdiDate::from_ymd(2026, 12, 1),
                ship_date: None,
            })
            .collect(),
    }
}

fn documents() -> PartnerDocuments {
    let acknowledgment = Received {
        reference: reference(DocumentKind::OrderAcknowledgment, PO.to_owned()),
        document: OrderAcknowledgment {
            purpose: Purpose::Original,
            status: AckStatusCode::AcceptedNoChange,
            po_number: PO.to_owned(),
            po_date: None,
            ack_date: None,
            seller_order_number: None,
            parties: Vec::new(),
            lines: (1..=LINES)
                .map(|line| AckLine {
                    line_number: line.to_string(),
                    ordered_quantity: Some(ea(quantity(line))),
                    unit_price: Some(price(line)),
                    product_ids: Vec::new(),
                    status: LineStatus::Accepted,
                    status_quantity: Some(ea(quantity(line))),
                    scheduled_date: EdiDate::from_ymd(2026, 12, 1),
                    scheduled_date_kind: Some(gridlink_edi::DateKind::Delivery),
                })
                .collect(),
        },
    };
    let blocks = LINES / BLOCK;
    let notice = |n: usize, part: usize| {
        let id = format!("SHP-{part}-{n:04}");
        let items = (n * BLOCK + 1..=(n + 1) * BLOCK)
            .map(|line| ShippedItem {
                line_number: Some(line.to_string()),
                product_ids: Vec::new(),
                quantity: ea(if part == 0 {
                    quantity(line) - Decimal::from(3)
                } else {
                    Decimal::from(3)
                }),
            })
            .collect();
        Received {
            reference: reference(DocumentKind::ShipNotice, id.clone()),
            document: ShipNotice {
                purpose: Purpose::Original,
                shipment_id: id,
                ship_date: None,
                estimated_delivery: None,
                carrier_scac: None,
                bill_of_lading: None,
                pro_number: None,
                parties: Vec::new(),
                orders: vec![ShippedOrder {
                    po_number: PO.to_owned(),
                    po_date: None,
                    packs: vec![Pack { sscc: None, items }],
                }],
            },
        }
    };
    let ship_notices = (0..2)
        .flat_map(|part| (0..blocks).map(move |n| (n, part)))
        .map(|(n, part)| notice(n, part))
        .collect();
    let invoices = (0..blocks)
        .map(|n| {
            let number = format!("INV-{n:04}");
            let lines: Vec<InvoiceLine> = (n * BLOCK + 1..=(n + 1) * BLOCK)
                .map(|line| InvoiceLine {
                    line_number: line.to_string(),
                    quantity: ea(quantity(line)),
                    unit_price: if line % 1000 == 0 {
                        price(line) * Decimal::new(11, 1)
                    } else {
                        price(line)
                    },
                    product_ids: Vec::new(),
                    description: None,
                })
                .collect();
            let total_amount = lines.iter().map(|l| l.quantity.value * l.unit_price).sum();
            Received {
                reference: reference(DocumentKind::Invoice, number.clone()),
                document: Invoice {
                    invoice_number: number,
                    invoice_date: None,
                    po_number: Some(PO.to_owned()),
                    po_date: None,
                    currency: Some("EUR".to_owned()),
                    parties: Vec::new(),
                    lines,
                    total_amount,
                    tax_amount: None,
                    charges: Vec::new(),
                },
            }
        })
        .collect();
    PartnerDocuments {
        acknowledgments: vec![acknowledgment],
        ship_notices,
        invoices,
        functional_acks: Vec::new(),
    }
}

/// Counts bytes written, keeps none.
#[derive(Default)]
struct Counting(u64);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let order = order();
    let documents = documents();
    let rules = Rules {
        acknowledgment_required: true,
        price_tolerance: PriceTolerance {
            percent: Some(Decimal::from(2)),
            absolute: Some(Decimal::new(5, 2)),
        },
        ..Rules::default()
    };
    let result = reconcile(&order, &documents, &rules);
    assert_eq!(result.status, MatchStatus::Exceptions);
    assert_eq!(result.summary.findings, LINES / 1000);
    assert_eq!(result.summary.matched, LINES - LINES / 1000);
    let mut size = Counting::default();
    report::write_json(&result, &mut size).expect("json");
    println!(
        "1 000 000 lines: {} findings, JSON report {} MB, HTML report {} MB",
        result.summary.findings,
        size.0 / 1_000_000,
        report::to_html(&result).len() / 1_000_000
    );

    let mut group = c.benchmark_group("order-reconcile");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(LINES as u64));
    group.bench_function("reconcile_1m_lines", |b| {
        b.iter(|| reconcile(black_box(&order), black_box(&documents), &rules));
    });
    group.bench_function("report_json_1m_lines", |b| {
        b.iter(|| report::write_json(black_box(&result), Counting::default()));
    });
    group.bench_function("report_html_1m_lines", |b| {
        b.iter(|| report::to_html(black_box(&result)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
