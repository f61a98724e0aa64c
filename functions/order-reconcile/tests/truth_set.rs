//! The truth set: generated orders, each with a consistent 850 / ORDERS, 855 / ORDRSP,
//! 856 / DESADV and 810 / INVOIC set carrying known discrepancies, written in X12 and in
//! EDIFACT by gridlink-edi's writers, read back from the bytes and reconciled offline
//! (`reconcile::offline`, the engine the function runs). Every case asserts the exact finding
//! list — code, line and document, in order — and the status, in both syntaxes.

use gridlink_edi::{
    AckLine, AckStatusCode, BusinessDocument, Charge, ChargeKind, DateKind, EdiDate, Invoice,
    InvoiceLine, LineStatus, OrderAcknowledgment, OrderLine, OrderType, Pack, ProductId,
    ProductIdKind, PurchaseOrder, Purpose, Quantity, ShipNotice, ShippedItem, ShippedOrder,
};
use order_reconcile::reconcile::offline::{InputFile, reconcile_files};
use order_reconcile::reconcile::{
    Invoicing, MatchStatus, Reconciliation, Rules, UnitConversion, UnitConversions,
};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    X12,
    Edifact,
}

const BOTH: [Syntax; 2] = [Syntax::X12, Syntax::Edifact];

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn qty(value: &str, unit: &str) -> Quantity {
    Quantity {
        value: d(value),
        unit: unit.to_owned(),
    }
}

fn buyers_part(material: &str) -> Vec<ProductId> {
    vec![ProductId {
        kind: ProductIdKind::BuyerItem,
        value: material.to_owned(),
    }]
}

fn requested_delivery() -> Option<EdiDate> {
    EdiDate::from_ymd(2026, 11, 20)
}

fn requested_ship() -> Option<EdiDate> {
    EdiDate::from_ymd(2026, 11, 18)
}

/// An ordered line: number, material, quantity, unit, unit price.
type Ordered = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The buyer's order: every line requested for delivery on 2026-11-20, shipment 2026-11-18.
fn purchase_order(po: &str, lines: &[Ordered]) -> BusinessDocument {
    BusinessDocument::PurchaseOrder(PurchaseOrder {
        purpose: Purpose::Original,
        order_type: OrderType::StandAlone,
        po_number: po.to_owned(),
        po_date: EdiDate::from_ymd(2026, 11, 2),
        requested_delivery: requested_delivery(),
        requested_ship: requested_ship(),
        currency: Some("EUR".to_owned()),
        parties: Vec::new(),
        lines: lines
            .iter()
            .map(|(line, material, quantity, unit, price)| OrderLine {
                line_number: (*line).to_owned(),
                quantity: qty(quantity, unit),
                unit_price: Some(d(price)),
                product_ids: buyers_part(material),
                description: None,
            })
            .collect(),
    })
}

/// An acknowledged date with its kind: written as X12 ACK04 `068` (current schedule ship) /
/// EDIFACT `DTM+11` (despatch), or `067` (current schedule delivery) / `DTM+69` (delivery
/// promised for), and read back from those qualifiers.
#[derive(Debug, Clone, Copy)]
enum Dated {
    Ship(EdiDate),
    Delivery(EdiDate),
}

fn ack_line(
    (line, material, ordered, unit, price): Ordered,
    status: LineStatus,
    quantity: Option<Quantity>,
    date: Option<Dated>,
) -> AckLine {
    let (scheduled_date, kind) = match date {
        None => (None, None),
        Some(Dated::Ship(date)) => (Some(date), Some(DateKind::Shipment)),
        Some(Dated::Delivery(date)) => (Some(date), Some(DateKind::Delivery)),
    };
    AckLine {
        line_number: line.to_owned(),
        ordered_quantity: Some(qty(ordered, unit)),
        unit_price: Some(d(price)),
        product_ids: buyers_part(material),
        status,
        status_quantity: quantity,
        scheduled_date,
        scheduled_date_kind: kind,
    }
}

/// Accepted as ordered, promised to ship on the requested ship date.
fn accepted(line: Ordered) -> AckLine {
    ack_line(
        line,
        LineStatus::Accepted,
        Some(qty(line.2, line.3)),
        requested_ship().map(Dated::Ship),
    )
}

fn acknowledgment(po: &str, lines: Vec<AckLine>) -> BusinessDocument {
    BusinessDocument::OrderAcknowledgment(OrderAcknowledgment {
        purpose: Purpose::Original,
        status: AckStatusCode::AcceptedWithChanges,
        po_number: po.to_owned(),
        po_date: EdiDate::from_ymd(2026, 11, 2),
        ack_date: EdiDate::from_ymd(2026, 11, 3),
        seller_order_number: None,
        parties: Vec::new(),
        lines,
    })
}

/// A shipped item: line number (`None`: the buyer's part number only), material, quantity,
/// unit.
type Item = (
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

fn ship_notice(id: &str, parts: &[(&str, &[Item])]) -> BusinessDocument {
    BusinessDocument::ShipNotice(ShipNotice {
        purpose: Purpose::Original,
        shipment_id: id.to_owned(),
        ship_date: requested_ship(),
        estimated_delivery: requested_delivery(),
        carrier_scac: Some("ACMF".to_owned()),
        bill_of_lading: None,
        pro_number: None,
        parties: Vec::new(),
        orders: parts
            .iter()
            .map(|(po, items)| ShippedOrder {
                po_number: (*po).to_owned(),
                po_date: None,
                packs: vec![Pack {
                    sscc: None,
                    items: items
                        .iter()
                        .map(|(line, material, quantity, unit)| ShippedItem {
                            line_number: line.map(str::to_owned),
                            product_ids: buyers_part(material),
                            quantity: qty(quantity, unit),
                        })
                        .collect(),
                }],
            })
            .collect(),
    })
}

/// An invoiced line: number, quantity, unit, unit price.
type Billed = (&'static str, &'static str, &'static str, &'static str);

fn charge(kind: ChargeKind, code: &str, amount: &str) -> Charge {
    Charge {
        kind,
        code: Some(code.to_owned()),
        amount: d(amount),
        description: None,
    }
}

/// An invoice whose stated total is its lines, charges and tax, plus `total_off`.
fn invoice(
    number: &str,
    po: &str,
    lines: &[Billed],
    charges: Vec<Charge>,
    tax: Option<&str>,
    total_off: &str,
) -> BusinessDocument {
    let lines: Vec<InvoiceLine> = lines
        .iter()
        .map(|(line, quantity, unit, price)| InvoiceLine {
            line_number: (*line).to_owned(),
            quantity: qty(quantity, unit),
            unit_price: d(price),
            product_ids: Vec::new(),
            description: None,
        })
        .collect();
    let mut document = Invoice {
        invoice_number: number.to_owned(),
        invoice_date: EdiDate::from_ymd(2026, 11, 21),
        po_number: Some(po.to_owned()),
        po_date: None,
        currency: Some("EUR".to_owned()),
        parties: Vec::new(),
        lines,
        total_amount: Decimal::ZERO,
        tax_amount: tax.map(d),
        charges,
    };
    document.total_amount = document.line_total()
        + document.charge_total()
        + document.tax_amount.unwrap_or_default()
        + d(total_off);
    BusinessDocument::Invoice(document)
}

fn written(document: &BusinessDocument, syntax: Syntax, control: u32) -> Vec<u8> {
    let mut params = gridlink_edi::sample::envelope("ACMESUPPLY", "BUYERCO");
    params.interchange_control_number = control;
    params.group_control_number = control;
    match syntax {
        Syntax::X12 => gridlink_edi::write_x12(document, &params),
        Syntax::Edifact => gridlink_edi::write_edifact(document, &params),
    }
    .expect("the generated document is writable")
}

/// One generated order and what reconciling it must find.
struct Case {
    po: &'static str,
    order: Vec<Ordered>,
    documents: Vec<BusinessDocument>,
    rules: Rules,
    status: MatchStatus,
    /// `(code, line, document)`, in the report's order.
    findings: Vec<(&'static str, Option<&'static str>, Option<&'static str>)>,
}

fn rules() -> Rules {
    Rules {
        acknowledgment_required: true,
        ..Rules::default()
    }
}

/// Writes the case in `syntax`, reads it back and reconciles it offline.
fn reconcile_case(case: &Case, syntax: Syntax) -> Reconciliation {
    let order = written(&purchase_order(case.po, &case.order), syntax, 1);
    let files: Vec<Vec<u8>> = case
        .documents
        .iter()
        .zip(2..)
        .map(|(document, control)| written(document, syntax, control))
        .collect();
    let inputs: Vec<InputFile<'_>> = files
        .iter()
        .map(|bytes| InputFile {
            name: "partner file",
            bytes,
        })
        .collect();
    let run = reconcile_files(
        InputFile {
            name: "order",
            bytes: &order,
        },
        &inputs,
        Some(case.po),
        |_| case.rules.clone(),
    )
    .expect("reconciled offline");
    assert_eq!(run.partner.as_deref(), Some("ZZ:ACMESUPPLY"));
    run.reconciliation
}

/// Asserts the exact finding list and the status of `case` written in `syntax`.
fn check(case: &Case, syntax: Syntax) {
    let result = reconcile_case(case, syntax);
    let found: Vec<(&str, Option<&str>, Option<&str>)> = result
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.line.as_deref(), f.document.as_deref()))
        .collect();
    assert_eq!(
        found, case.findings,
        "{syntax:?}, order {}: {:#?}",
        case.po, result.findings
    );
    assert_eq!(result.status, case.status, "{syntax:?}, order {}", case.po);
}

const BOLTS: Ordered = ("10", "M-STEEL-BOLT-12", "400", "EA", "0.12");
const NUTS: Ordered = ("20", "M-STEEL-NUT-12", "400", "EA", "0.08");

fn clean(po: &'static str) -> Vec<BusinessDocument> {
    vec![
        acknowledgment(po, vec![accepted(BOLTS), accepted(NUTS)]),
        ship_notice(
            "SHP-1",
            &[(
                po,
                &[
                    (Some("10"), "M-STEEL-BOLT-12", "400", "EA"),
                    (Some("20"), "M-STEEL-NUT-12", "400", "EA"),
                ],
            )],
        ),
        invoice(
            "INV-1",
            po,
            &[("10", "400", "EA", "0.12"), ("20", "400", "EA", "0.08")],
            Vec::new(),
            Some("15.20"),
            "0",
        ),
    ]
}

/// Every case, its documents built for `syntax` (charge codes differ).
fn cases(syntax: Syntax) -> Vec<Case> {
    vec![
        Case {
            po: "PO-CLEAN",
            order: vec![BOLTS, NUTS],
            documents: clean("PO-CLEAN"),
            rules: rules(),
            status: MatchStatus::Matched,
            findings: vec![],
        },
        exact_tolerance_boundaries(),
        backordered_and_rejected_lines_shipped_as_committed(),
        over_shipment_against_the_committed_quantity(),
        split_shipments_and_a_line_named_only_by_the_buyers_part(),
        freight_and_allowances_count_in_the_invoice_total(syntax),
        an_invoice_total_without_its_freight_is_a_mismatch(),
        underbilled_and_missing_invoice_lines(),
        partial_invoicing_waits_for_the_rest(),
        dates_are_compared_like_with_like(),
        a_multi_order_ship_notice_counts_only_this_orders_part(),
        units_convert_through_the_table_or_are_a_mismatch(),
        invoiced_beyond_shipped_and_ordered(),
    ]
}

/// 2 % exactly, both ways, is inside; a hair beyond is outside (relative rule, no absolute).
fn exact_tolerance_boundaries() -> Case {
    const HIGH: Ordered = ("10", "M-HIGH", "40", "EA", "41.25");
    const LOW: Ordered = ("20", "M-LOW", "40", "EA", "41.25");
    const BEYOND: Ordered = ("30", "M-BEYOND", "400", "EA", "0.12");
    let po = "PO-TOLERANCE";
    Case {
        po,
        order: vec![HIGH, LOW, BEYOND],
        documents: vec![
            ship_notice(
                "SHP-T",
                &[(
                    po,
                    &[
                        (Some("10"), "M-HIGH", "40", "EA"),
                        (Some("20"), "M-LOW", "40", "EA"),
                        (Some("30"), "M-BEYOND", "400", "EA"),
                    ],
                )],
            ),
            invoice(
                "INV-T",
                po,
                &[
                    ("10", "40", "EA", "42.075"),
                    ("20", "40", "EA", "40.425"),
                    ("30", "400", "EA", "0.1225"),
                ],
                Vec::new(),
                None,
                "0",
            ),
        ],
        rules: Rules {
            acknowledgment_required: false,
            ..rules()
        },
        status: MatchStatus::Exceptions,
        findings: vec![("price_outside_tolerance", Some("30"), Some("INV-T"))],
    }
}

/// Ordered 12, 6 backordered, 6 shipped; a rejected line never shipped: only the
/// acknowledgment findings, no short shipment.
fn backordered_and_rejected_lines_shipped_as_committed() -> Case {
    const BACKORDERED: Ordered = ("10", "M-BO", "12", "EA", "5.00");
    const REJECTED: Ordered = ("20", "M-RJ", "12", "EA", "3.00");
    let po = "PO-COMMITTED";
    Case {
        po,
        order: vec![BACKORDERED, REJECTED],
        documents: vec![
            acknowledgment(
                po,
                vec![
                    ack_line(
                        BACKORDERED,
                        LineStatus::Backordered,
                        Some(qty("6", "EA")),
                        None,
                    ),
                    ack_line(REJECTED, LineStatus::Rejected, None, None),
                ],
            ),
            ship_notice("SHP-C", &[(po, &[(Some("10"), "M-BO", "6", "EA")])]),
            invoice(
                "INV-C",
                po,
                &[("10", "6", "EA", "5.00")],
                Vec::new(),
                None,
                "0",
            ),
        ],
        rules: rules(),
        status: MatchStatus::Exceptions,
        findings: vec![
            ("ack_backordered", Some("10"), Some(po)),
            ("ack_rejected", Some("20"), Some(po)),
        ],
    }
}

/// Committed 6 (12 ordered, 6 backordered), shipped 8: an over-shipment, not a short one.
fn over_shipment_against_the_committed_quantity() -> Case {
    const LINE: Ordered = ("10", "M-OVER", "12", "EA", "5.00");
    let po = "PO-OVER";
    Case {
        po,
        order: vec![LINE],
        documents: vec![
            acknowledgment(
                po,
                vec![ack_line(
                    LINE,
                    LineStatus::Backordered,
                    Some(qty("6", "EA")),
                    None,
                )],
            ),
            ship_notice("SHP-O", &[(po, &[(Some("10"), "M-OVER", "8", "EA")])]),
            invoice(
                "INV-O",
                po,
                &[("10", "8", "EA", "5.00")],
                Vec::new(),
                None,
                "0",
            ),
        ],
        rules: rules(),
        status: MatchStatus::Exceptions,
        findings: vec![
            ("ack_backordered", Some("10"), Some(po)),
            ("over_shipment", Some("10"), None),
        ],
    }
}

/// Two ship notices; the second names line 10 only by the buyer's part number.
fn split_shipments_and_a_line_named_only_by_the_buyers_part() -> Case {
    let po = "PO-SPLIT";
    let mut documents = clean(po);
    documents[1] = ship_notice(
        "SHP-S1",
        &[(
            po,
            &[
                (Some("10"), "M-STEEL-BOLT-12", "150", "EA"),
                (Some("20"), "M-STEEL-NUT-12", "400", "EA"),
            ],
        )],
    );
    documents.insert(
        2,
        ship_notice("SHP-S2", &[(po, &[(None, "M-STEEL-BOLT-12", "250", "EA")])]),
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Matched,
        findings: vec![],
    }
}

/// Freight charged, a discount allowed, tax: the stated total includes them all.
fn freight_and_allowances_count_in_the_invoice_total(syntax: Syntax) -> Case {
    let po = "PO-FREIGHT";
    let mut documents = clean(po);
    documents[2] = invoice(
        "INV-F",
        po,
        &[("10", "400", "EA", "0.12"), ("20", "400", "EA", "0.08")],
        vec![
            charge(
                ChargeKind::Charge,
                if syntax == Syntax::X12 { "D240" } else { "FC" },
                "25.00",
            ),
            charge(
                ChargeKind::Allowance,
                if syntax == Syntax::X12 { "C310" } else { "DI" },
                "4.00",
            ),
        ],
        Some("15.20"),
        "0",
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Matched,
        findings: vec![],
    }
}

/// An invoice stating its lines and tax but charging freight it leaves out of the total.
fn an_invoice_total_without_its_freight_is_a_mismatch() -> Case {
    let po = "PO-FREIGHT-OFF";
    let mut documents = clean(po);
    documents[2] = invoice(
        "INV-FX",
        po,
        &[("10", "400", "EA", "0.12"), ("20", "400", "EA", "0.08")],
        vec![charge(ChargeKind::Charge, "FC", "25.00")],
        Some("15.20"),
        "-25.00",
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Exceptions,
        findings: vec![("invoice_total_mismatch", None, Some("INV-FX"))],
    }
}

/// One invoice per order (the default): line 10 billed short, line 20 not billed.
fn underbilled_and_missing_invoice_lines() -> Case {
    let po = "PO-UNDER";
    let mut documents = clean(po);
    documents[2] = invoice(
        "INV-U",
        po,
        &[("10", "390", "EA", "0.12")],
        Vec::new(),
        None,
        "0",
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Exceptions,
        findings: vec![
            ("invoiced_less_than_shipped", Some("10"), None),
            ("shipped_not_invoiced", Some("20"), None),
        ],
    }
}

/// The same invoice from a partner that invoices in parts, 30 days after the invoice: still
/// waiting on day 29.
fn partial_invoicing_waits_for_the_rest() -> Case {
    let mut case = underbilled_and_missing_invoice_lines();
    case.po = "PO-PARTIAL";
    let po = case.po;
    case.documents = clean(po);
    case.documents[2] = invoice(
        "INV-P",
        po,
        &[("10", "390", "EA", "0.12")],
        Vec::new(),
        None,
        "0",
    );
    case.rules = Rules {
        invoicing: Invoicing::Partial {
            final_after_days: Some(30),
        },
        as_of: EdiDate::from_ymd(2026, 12, 20),
        ..rules()
    };
    case.status = MatchStatus::WaitingForDocuments;
    case.findings = vec![
        ("awaiting_invoice_for_shipped", Some("10"), None),
        ("awaiting_invoice_for_shipped", Some("20"), None),
    ];
    case
}

/// Line 10 promises shipment on the requested ship date (no change, though it is two days
/// before the requested delivery date); line 20 promises delivery two days late.
fn dates_are_compared_like_with_like() -> Case {
    let po = "PO-DATES";
    let mut documents = clean(po);
    documents[0] = acknowledgment(
        po,
        vec![
            accepted(BOLTS),
            ack_line(
                NUTS,
                LineStatus::Accepted,
                Some(qty("400", "EA")),
                EdiDate::from_ymd(2026, 11, 22).map(Dated::Delivery),
            ),
        ],
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Exceptions,
        findings: vec![("ack_date_changed", Some("20"), Some(po))],
    }
}

/// One ship notice for two orders: this order counts its own part only.
fn a_multi_order_ship_notice_counts_only_this_orders_part() -> Case {
    let po = "PO-MULTI-A";
    let mut documents = clean(po);
    documents[1] = ship_notice(
        "SHP-M",
        &[
            (
                "PO-MULTI-B",
                &[(Some("10"), "M-STEEL-BOLT-12", "700", "EA")],
            ),
            (
                po,
                &[
                    (Some("10"), "M-STEEL-BOLT-12", "400", "EA"),
                    (Some("20"), "M-STEEL-NUT-12", "400", "EA"),
                ],
            ),
        ],
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Matched,
        findings: vec![],
    }
}

/// Ordered in EA; acknowledged, shipped and billed in cases of 12 (configured) — matched;
/// line 20 shipped in KG, which nothing converts — a unit mismatch, its quantities not
/// compared.
fn units_convert_through_the_table_or_are_a_mismatch() -> Case {
    const CASES: Ordered = ("10", "M-CASED", "24", "EA", "1.50");
    const BULK: Ordered = ("20", "M-BULK", "100", "EA", "2.00");
    let po = "PO-UNITS";
    Case {
        po,
        order: vec![CASES, BULK],
        documents: vec![
            acknowledgment(
                po,
                vec![
                    ack_line(
                        ("10", "M-CASED", "2", "CA", "18.00"),
                        LineStatus::Accepted,
                        Some(qty("2", "CA")),
                        None,
                    ),
                    accepted(BULK),
                ],
            ),
            ship_notice(
                "SHP-U",
                &[(
                    po,
                    &[
                        (Some("10"), "M-CASED", "2", "CA"),
                        (Some("20"), "M-BULK", "50", "KGM"),
                    ],
                )],
            ),
            invoice(
                "INV-UN",
                po,
                &[("10", "2", "CA", "18.00"), ("20", "100", "EA", "2.00")],
                Vec::new(),
                None,
                "0",
            ),
        ],
        rules: Rules {
            units: UnitConversions(vec![UnitConversion {
                material: None,
                from: "CA".to_owned(),
                to: "EA".to_owned(),
                factor: d("12"),
            }]),
            ..rules()
        },
        status: MatchStatus::Exceptions,
        findings: vec![("unit_mismatch", Some("20"), Some("SHP-U"))],
    }
}

/// Line 10 billed beyond what was shipped and ordered; line 20 shipped short and billed as
/// shipped (the invoice completes the invoicing: short shipment).
fn invoiced_beyond_shipped_and_ordered() -> Case {
    let po = "PO-BEYOND";
    let mut documents = clean(po);
    documents[1] = ship_notice(
        "SHP-B",
        &[(
            po,
            &[
                (Some("10"), "M-STEEL-BOLT-12", "400", "EA"),
                (Some("20"), "M-STEEL-NUT-12", "300", "EA"),
            ],
        )],
    );
    documents[2] = invoice(
        "INV-B",
        po,
        &[("10", "450", "EA", "0.12"), ("20", "300", "EA", "0.08")],
        Vec::new(),
        None,
        "0",
    );
    Case {
        po,
        order: vec![BOLTS, NUTS],
        documents,
        rules: rules(),
        status: MatchStatus::Exceptions,
        findings: vec![
            ("invoiced_more_than_ordered", Some("10"), None),
            ("invoiced_more_than_shipped", Some("10"), None),
            ("short_shipment", Some("20"), None),
        ],
    }
}

#[test]
fn every_generated_order_gives_exactly_its_known_findings_in_both_syntaxes() {
    for syntax in BOTH {
        let cases = cases(syntax);
        assert_eq!(cases.len(), 13);
        for case in &cases {
            check(case, syntax);
        }
    }
}

#[test]
fn the_committed_quantity_is_what_shipments_are_judged_against() {
    for syntax in BOTH {
        let result = reconcile_case(&over_shipment_against_the_committed_quantity(), syntax);
        let line = &result.lines[0];
        assert_eq!(line.ordered.quantity, d("12"));
        assert_eq!(line.ordered.committed, d("6"));
        assert_eq!(line.shipped.quantity, d("8"));
        let result = reconcile_case(
            &backordered_and_rejected_lines_shipped_as_committed(),
            syntax,
        );
        assert_eq!(result.lines[1].ordered.committed, Decimal::ZERO);
    }
}

#[test]
fn charges_and_allowances_are_read_back_and_shown_per_invoice() {
    for syntax in BOTH {
        let result = reconcile_case(
            &freight_and_allowances_count_in_the_invoice_total(syntax),
            syntax,
        );
        let check = &result.invoices[0];
        assert_eq!(check.charges, d("21.00"), "{syntax:?}");
        assert_eq!(check.line_total, d("80"), "{syntax:?}");
        assert_eq!(check.stated_total, d("116.20"), "{syntax:?}");
    }
}

#[test]
fn partial_invoicing_completes_once_its_window_has_passed() {
    for syntax in BOTH {
        let mut case = partial_invoicing_waits_for_the_rest();
        case.rules.as_of = EdiDate::from_ymd(2026, 12, 21);
        case.status = MatchStatus::Exceptions;
        case.findings = vec![
            ("invoiced_less_than_shipped", Some("10"), None),
            ("shipped_not_invoiced", Some("20"), None),
        ];
        check(&case, syntax);
    }
}

#[test]
fn the_report_of_an_offline_run_is_the_functions_report_format() {
    let case = underbilled_and_missing_invoice_lines();
    let result = reconcile_case(&case, Syntax::X12);
    let json: serde_json::Value =
        serde_json::from_slice(&order_reconcile::reconcile::report::to_json(&result))
            .expect("json");
    assert_eq!(json["status"], "exceptions");
    assert_eq!(json["invoicing_complete"], true);
    assert_eq!(json["price_tolerance"]["percent"], "2");
    assert_eq!(json["price_tolerance"]["absolute"], serde_json::Value::Null);
    assert_eq!(json["findings"][1]["code"], "shipped_not_invoiced");
    let html =
        String::from_utf8(order_reconcile::reconcile::report::to_html(&result)).expect("utf8");
    assert!(html.contains("<table id=\"legend\">"), "{html}");
    assert!(
        html.contains("<td>shipped_not_invoiced</td><td>exception</td>"),
        "{html}"
    );
}
