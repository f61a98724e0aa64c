//! Invoices, totals and the reports.

use super::super::model::{Invoicing, PartnerDocuments, Rules};
use super::super::outcome::{FindingCode, MatchStatus};
use super::super::report;
use super::super::rules::reconcile;
use super::*;

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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
fn a_partly_invoiced_order_waits_for_the_rest_of_partial_invoicing_and_is_underbilled_once_complete()
 {
    let documents = PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoice("INV-1", &[("10", "5000", "0.12")], None)],
        ..PartnerDocuments::default()
    };
    let single = run(&documents);
    assert_eq!(single.status, MatchStatus::Exceptions);
    assert_eq!(codes(&single), vec![FindingCode::ShippedNotInvoiced]);
    let partial = Rules {
        invoicing: Invoicing::Partial {
            final_after_days: None,
        },
        ..rules()
    };
    let result = reconcile(&order(), &documents, &partial);
    assert_eq!(result.status, MatchStatus::WaitingForDocuments);
    assert_eq!(codes(&result), vec![FindingCode::AwaitingInvoiceForShipped]);
    let both = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![
            invoice("INV-1", &[("10", "5000", "0.12")], None),
            invoice("INV-2", &[("20", "5000", "0.08")], None),
        ],
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
            ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
    });
    let html = String::from_utf8(report::to_html(&result)).expect("utf8");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>") && !html.contains("<i>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("S&amp;&lt;b&gt;"));
    assert!(html.contains("id=\"match-status\">exceptions<"));
    assert!(html.contains("<td>exception</td><td>price_outside_tolerance</td><td>10</td>"));
    assert!(html.contains("<table id=\"legend\">"));
}
