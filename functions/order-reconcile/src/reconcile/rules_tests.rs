//! The rules, case by case.

use gridlink_edi::{
    AckLine, AckStatusCode, EdiDate, Invoice, InvoiceLine, LineStatus, OrderAcknowledgment, Pack,
    ProductId, ProductIdKind, Purpose, Quantity, ShipNotice, ShippedItem, ShippedOrder,
};
use rust_decimal::Decimal;

use super::model::{
    DocumentKind, DocumentRef, OrderRecord, OrderedLine, PartnerDocuments, PriceTolerance,
    Received, Rules,
};
use super::outcome::{AckOutcome, FindingCode, MatchStatus, Reconciliation, Severity};
use super::report;
use super::rules::reconcile;

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn q(value: &str) -> Quantity {
    Quantity {
        value: d(value),
        unit: "EA".to_owned(),
    }
}

fn date() -> Option<EdiDate> {
    EdiDate::from_ymd(2026, 11, 20)
}

/// PO 4500001234 as the demo seed has it: 5000 bolts at 0.12, 5000 nuts at 0.08, EUR.
fn order() -> OrderRecord {
    OrderRecord {
        po_number: "4500001234".to_owned(),
        currency: Some("EUR".to_owned()),
        lines: vec![
            OrderedLine {
                line: "10".to_owned(),
                material: Some("M-STEEL-BOLT-12".to_owned()),
                quantity: d("5000"),
                unit_price: Some(d("0.12")),
                delivery_date: date(),
            },
            OrderedLine {
                line: "20".to_owned(),
                material: Some("M-STEEL-NUT-12".to_owned()),
                quantity: d("5000"),
                unit_price: Some(d("0.08")),
                delivery_date: date(),
            },
        ],
    }
}

fn reference(kind: DocumentKind, number: &str) -> DocumentRef {
    DocumentRef {
        kind,
        number: number.to_owned(),
        sender: "ZZ:ACMESUPPLY".to_owned(),
        revision: format!("sha-{number}"),
        received_at: "2026-11-25T00:00:00Z".to_owned(),
    }
}

fn ack_line(line: &str, status: LineStatus, quantity: &str, price: &str) -> AckLine {
    AckLine {
        line_number: line.to_owned(),
        ordered_quantity: Some(q("5000")),
        unit_price: Some(d(price)),
        product_ids: Vec::new(),
        status,
        status_quantity: Some(q(quantity)),
        scheduled_date: date(),
    }
}

fn ack(lines: Vec<AckLine>) -> Received<OrderAcknowledgment> {
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

fn accepted() -> Received<OrderAcknowledgment> {
    ack(vec![
        ack_line("10", LineStatus::Accepted, "5000", "0.12"),
        ack_line("20", LineStatus::Accepted, "5000", "0.08"),
    ])
}

fn item(line: Option<&str>, product: &str, quantity: &str) -> ShippedItem {
    ShippedItem {
        line_number: line.map(str::to_owned),
        product_ids: vec![ProductId {
            kind: ProductIdKind::BuyerItem,
            value: product.to_owned(),
        }],
        quantity: q(quantity),
    }
}

fn notice(id: &str, items: Vec<ShippedItem>) -> Received<ShipNotice> {
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

fn shipped_in_full() -> Received<ShipNotice> {
    notice(
        "SHP-1",
        vec![
            item(Some("10"), "M-STEEL-BOLT-12", "5000"),
            item(Some("20"), "M-STEEL-NUT-12", "5000"),
        ],
    )
}

fn invoice(number: &str, lines: &[(&str, &str, &str)], tax: Option<&str>) -> Received<Invoice> {
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
        },
    }
}

fn invoiced_as_ordered() -> Received<Invoice> {
    invoice(
        "INV-1",
        &[("10", "5000", "0.12"), ("20", "5000", "0.08")],
        Some("190"),
    )
}

fn rules() -> Rules {
    Rules {
        acknowledgment_required: true,
        price_tolerance: PriceTolerance {
            percent: Some(d("2")),
            absolute: Some(d("0.05")),
        },
    }
}

fn run(documents: &PartnerDocuments) -> Reconciliation {
    reconcile(&order(), documents, &rules())
}

fn codes(result: &Reconciliation) -> Vec<FindingCode> {
    result.findings.iter().map(|f| f.code).collect()
}

#[test]
fn acknowledged_shipped_and_invoiced_as_ordered_is_matched() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoiced_as_ordered()],
    });
    assert_eq!(result.status, MatchStatus::Matched, "{:?}", result.findings);
    assert!(result.findings.is_empty());
    assert_eq!(result.summary.matched, 2);
    assert_eq!(result.summary.ordered_amount, d("1000"));
    assert_eq!(result.summary.invoiced_amount, d("1000"));
    assert_eq!(result.documents.len(), 3);
    let line = &result.lines[0];
    assert_eq!(
        line.acknowledged.as_ref().map(|a| a.outcome),
        Some(AckOutcome::Accepted)
    );
    assert_eq!(line.shipped.quantity, d("5000"));
    assert_eq!(line.invoiced.quantity, d("5000"));
}

#[test]
fn nothing_but_an_acknowledgment_waits_for_the_ship_notice_and_the_invoice() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ..PartnerDocuments::default()
    });
    assert_eq!(result.status, MatchStatus::WaitingForDocuments);
    assert_eq!(
        codes(&result),
        vec![
            FindingCode::AwaitingShipNotice,
            FindingCode::AwaitingInvoice
        ]
    );
    assert!(
        result
            .lines
            .iter()
            .all(|l| l.status == MatchStatus::WaitingForDocuments)
    );
}

#[test]
fn an_invoice_before_the_ship_notice_waits_and_is_matched_once_the_ship_notice_arrives() {
    let early = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: Vec::new(),
        invoices: vec![invoiced_as_ordered()],
    });
    assert_eq!(
        early.status,
        MatchStatus::WaitingForDocuments,
        "{:?}",
        early.findings
    );
    assert_eq!(codes(&early), vec![FindingCode::AwaitingShipNotice]);
    let complete = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoiced_as_ordered()],
    });
    assert_eq!(complete.status, MatchStatus::Matched);
}

#[test]
fn an_order_without_acknowledgment_waits_for_one_unless_acknowledgments_are_not_required() {
    let documents = PartnerDocuments {
        acknowledgments: Vec::new(),
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoiced_as_ordered()],
    };
    let result = run(&documents);
    assert_eq!(result.status, MatchStatus::WaitingForDocuments);
    assert_eq!(codes(&result), vec![FindingCode::AwaitingAcknowledgment]);
    let relaxed = Rules {
        acknowledgment_required: false,
        ..rules()
    };
    assert_eq!(
        reconcile(&order(), &documents, &relaxed).status,
        MatchStatus::Matched
    );
}

#[test]
fn acknowledgment_changes_backorders_rejections_and_missing_lines_are_exceptions() {
    let mut changed = ack_line("10", LineStatus::Accepted, "4000", "0.13");
    changed.scheduled_date = EdiDate::from_ymd(2026, 11, 27);
    let result = run(&PartnerDocuments {
        acknowledgments: vec![ack(vec![changed])],
        ..PartnerDocuments::default()
    });
    assert_eq!(result.status, MatchStatus::Exceptions);
    let line_10: Vec<FindingCode> = result
        .findings
        .iter()
        .filter(|f| f.line.as_deref() == Some("10"))
        .map(|f| f.code)
        .collect();
    assert_eq!(
        line_10,
        vec![
            FindingCode::AckQuantityChanged,
            FindingCode::AckPriceChanged,
            FindingCode::AckDateChanged
        ]
    );
    assert_eq!(
        result.lines[0].acknowledged.as_ref().map(|a| a.outcome),
        Some(AckOutcome::Changed)
    );
    assert_eq!(
        result.lines[1].acknowledged.as_ref().map(|a| a.outcome),
        Some(AckOutcome::NotAcknowledged)
    );
    assert!(codes(&result).contains(&FindingCode::NotAcknowledged));

    let result = run(&PartnerDocuments {
        acknowledgments: vec![ack(vec![
            ack_line("10", LineStatus::Backordered, "2000", "0.12"),
            ack_line("20", LineStatus::Rejected, "5000", "0.08"),
        ])],
        ..PartnerDocuments::default()
    });
    assert_eq!(
        result.lines[0].acknowledged.as_ref().map(|a| a.outcome),
        Some(AckOutcome::Backordered)
    );
    assert_eq!(
        result.lines[1].acknowledged.as_ref().map(|a| a.outcome),
        Some(AckOutcome::Rejected)
    );
    assert!(codes(&result).contains(&FindingCode::AckBackordered));
    assert!(codes(&result).contains(&FindingCode::AckRejected));
}

#[test]
fn an_acceptance_with_changes_but_no_difference_is_still_an_exception() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![ack(vec![
            ack_line("10", LineStatus::AcceptedWithChanges, "5000", "0.12"),
            ack_line("0020", LineStatus::Accepted, "5000", "0.08"),
        ])],
        ..PartnerDocuments::default()
    });
    assert_eq!(result.status, MatchStatus::Exceptions);
    assert_eq!(
        result
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Exception)
            .map(|f| f.code)
            .collect::<Vec<_>>(),
        vec![FindingCode::AckChanged]
    );
    assert_eq!(
        result.lines[1].status,
        MatchStatus::WaitingForDocuments,
        "line 0020 is line 20"
    );
}

#[test]
fn split_shipments_are_summed_per_line() {
    let first = notice(
        "SHP-1",
        vec![
            item(Some("10"), "M-STEEL-BOLT-12", "2000"),
            item(Some("10"), "M-STEEL-BOLT-12", "1000"),
            item(Some("20"), "M-STEEL-NUT-12", "5000"),
        ],
    );
    // The second notice names the line only by material.
    let second = notice("SHP-2", vec![item(None, "M-STEEL-BOLT-12", "2000")]);
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![first, second],
        invoices: vec![invoiced_as_ordered()],
    });
    assert_eq!(result.status, MatchStatus::Matched, "{:?}", result.findings);
    let shipped = &result.lines[0].shipped;
    assert_eq!(shipped.quantity, d("5000"));
    let parts: Vec<(&str, Decimal)> = shipped
        .shipments
        .iter()
        .map(|s| (s.shipment_id.as_str(), s.quantity))
        .collect();
    assert_eq!(parts, vec![("SHP-1", d("3000")), ("SHP-2", d("2000"))]);
}

#[test]
fn a_short_shipment_waits_for_more_ship_notices_until_the_partner_invoices() {
    let short = notice(
        "SHP-1",
        vec![
            item(Some("10"), "M-STEEL-BOLT-12", "5000"),
            item(Some("20"), "M-STEEL-NUT-12", "4000"),
        ],
    );
    let before_invoice = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![short.clone()],
        invoices: Vec::new(),
    });
    assert_eq!(before_invoice.status, MatchStatus::WaitingForDocuments);
    assert!(codes(&before_invoice).contains(&FindingCode::AwaitingShipment));
    let invoiced = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![short],
        invoices: vec![invoice(
            "INV-1",
            &[("10", "5000", "0.12"), ("20", "4000", "0.08")],
            None,
        )],
    });
    assert_eq!(invoiced.status, MatchStatus::Exceptions);
    assert_eq!(codes(&invoiced), vec![FindingCode::ShortShipment]);
    assert_eq!(invoiced.lines[0].status, MatchStatus::Matched);
    assert_eq!(invoiced.lines[1].status, MatchStatus::Exceptions);
}

#[test]
fn over_shipment_and_invoicing_beyond_shipped_or_ordered_are_exceptions() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![notice(
            "SHP-1",
            vec![
                item(Some("10"), "M-STEEL-BOLT-12", "5500"),
                item(Some("20"), "M-STEEL-NUT-12", "3000"),
            ],
        )],
        invoices: vec![invoice(
            "INV-1",
            &[("10", "5500", "0.12"), ("20", "3500", "0.08")],
            None,
        )],
    });
    assert_eq!(result.status, MatchStatus::Exceptions);
    let found = codes(&result);
    for code in [
        FindingCode::OverShipment,
        FindingCode::InvoicedMoreThanOrdered,
        FindingCode::InvoicedMoreThanShipped,
        FindingCode::ShortShipment,
    ] {
        assert!(found.contains(&code), "{code:?} missing from {found:?}");
    }
}

#[test]
fn an_invoice_price_outside_the_tolerance_is_an_exception_inside_it_is_not() {
    let inside = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoice(
            "INV-1",
            &[("10", "5000", "0.1224"), ("20", "5000", "0.08")],
            None,
        )],
    });
    assert_eq!(inside.status, MatchStatus::Matched, "{:?}", inside.findings);
    let outside = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoice(
            "INV-1",
            &[("10", "5000", "0.12"), ("20", "5000", "0.10")],
            None,
        )],
    });
    assert_eq!(outside.status, MatchStatus::Exceptions);
    let finding = &outside.findings[0];
    assert_eq!(finding.code, FindingCode::PriceOutsideTolerance);
    assert_eq!(finding.line.as_deref(), Some("20"));
    assert_eq!(finding.document.as_deref(), Some("INV-1"));
    assert!(
        finding.message.contains("0.1") && finding.message.contains("0.08"),
        "{}",
        finding.message
    );
}

#[test]
fn a_partly_invoiced_order_waits_for_the_rest_of_the_invoicing() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoice("INV-1", &[("10", "5000", "0.12")], None)],
    });
    assert_eq!(result.status, MatchStatus::WaitingForDocuments);
    assert_eq!(codes(&result), vec![FindingCode::AwaitingInvoiceForShipped]);
    let both = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![
            invoice("INV-1", &[("10", "5000", "0.12")], None),
            invoice("INV-2", &[("20", "5000", "0.08")], None),
        ],
    });
    assert_eq!(both.status, MatchStatus::Matched, "{:?}", both.findings);
}

#[test]
fn invoice_totals_must_add_up_to_the_cent_and_currency_must_be_the_orders() {
    let mut wrong = invoiced_as_ordered();
    wrong.document.total_amount += d("0.02");
    wrong.document.currency = Some("USD".to_owned());
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![wrong],
    });
    assert_eq!(
        codes(&result),
        vec![
            FindingCode::CurrencyMismatch,
            FindingCode::InvoiceTotalMismatch
        ]
    );
    let mut rounded = invoiced_as_ordered();
    rounded.document.total_amount += d("0.01");
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![rounded],
    });
    assert_eq!(result.status, MatchStatus::Matched);
    assert_eq!(result.invoices[0].line_total, d("1000"));
}

#[test]
fn lines_the_order_does_not_have_are_exceptions() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![notice(
            "SHP-1",
            vec![
                item(Some("10"), "M-STEEL-BOLT-12", "5000"),
                item(Some("20"), "M-STEEL-NUT-12", "5000"),
                item(None, "M-UNKNOWN", "1"),
            ],
        )],
        invoices: vec![invoice(
            "INV-1",
            &[
                ("10", "5000", "0.12"),
                ("20", "5000", "0.08"),
                ("30", "1", "9"),
            ],
            None,
        )],
    });
    assert_eq!(result.status, MatchStatus::Exceptions);
    let unknown: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.code == FindingCode::UnknownLine)
        .map(|f| f.document.clone().unwrap_or_default())
        .collect();
    assert_eq!(unknown, vec!["SHP-1".to_owned(), "INV-1".to_owned()]);
}

#[test]
fn an_order_line_without_price_cannot_be_invoiced_without_exception() {
    let mut order = order();
    order.lines[1].unit_price = None;
    let result = reconcile(
        &order,
        &PartnerDocuments {
            acknowledgments: vec![accepted()],
            ship_notices: vec![shipped_in_full()],
            invoices: vec![invoiced_as_ordered()],
        },
        &rules(),
    );
    assert_eq!(codes(&result), vec![FindingCode::PriceUnknown]);
}

#[test]
fn the_json_report_names_the_status_and_every_finding() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoice(
            "INV-1",
            &[("10", "5000", "0.12"), ("20", "5000", "0.10")],
            None,
        )],
    });
    let json: serde_json::Value = serde_json::from_slice(&report::to_json(&result)).expect("json");
    assert_eq!(json["status"], "exceptions");
    assert_eq!(json["findings"][0]["code"], "price_outside_tolerance");
    assert_eq!(
        json["lines"][1]["invoiced"]["invoices"][0]["unit_price"],
        "0.10"
    );
    assert_eq!(json["documents"][2]["kind"], "invoice");
    assert_eq!(
        report::to_json(&result),
        report::to_json(&result.clone()),
        "deterministic"
    );
}

#[test]
fn the_html_report_escapes_what_partners_wrote() {
    let mut hostile = invoice(
        "<script>alert('x')</script>",
        &[("10", "5000", "0.50")],
        None,
    );
    hostile.document.lines[0].line_number = "10".to_owned();
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![notice("S&<b>", vec![item(Some("\"><i>"), "X", "1")])],
        invoices: vec![hostile],
    });
    let html = String::from_utf8(report::to_html(&result)).expect("utf8");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>") && !html.contains("<i>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("S&amp;&lt;b&gt;"));
    assert!(html.contains("id=\"match-status\">exceptions<"));
    assert!(html.contains("price_outside_tolerance"));
}
