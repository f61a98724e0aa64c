//! Acknowledgments, committed quantities and shipments.

use gridlink_edi::LineStatus;
use rust_decimal::Decimal;

use super::super::model::{PartnerDocuments, Rules};
use super::super::outcome::{AckOutcome, FindingCode, MatchStatus, Severity};
use super::super::rules::reconcile;
use super::*;

#[test]
fn acknowledged_shipped_and_invoiced_as_ordered_is_matched() {
    let result = run(&PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoiced_as_ordered()],
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
    });
    assert_eq!(complete.status, MatchStatus::Matched);
}

#[test]
fn an_order_without_acknowledgment_waits_for_one_unless_acknowledgments_are_not_required() {
    let documents = PartnerDocuments {
        acknowledgments: Vec::new(),
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoiced_as_ordered()],
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
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
        ..PartnerDocuments::default()
    });
    assert_eq!(invoiced.status, MatchStatus::Exceptions);
    assert_eq!(codes(&invoiced), vec![FindingCode::ShortShipment]);
    assert_eq!(invoiced.lines[0].status, MatchStatus::Matched);
    assert_eq!(invoiced.lines[1].status, MatchStatus::Exceptions);
}

#[test]
fn a_partners_functional_rejection_of_the_order_is_an_exception_with_its_codes() {
    use super::super::functional_ack::{AcknowledgedTransaction, FunctionalAckVerdict};
    use super::super::model::{DocumentKind, Received};

    let answered = |verdict, errors: &[&str]| Received {
        reference: reference(DocumentKind::FunctionalAck, "0001"),
        document: AcknowledgedTransaction {
            ack_kind: gridlink_edi::AckKind::Ack997,
            interchange_control_number: None,
            functional_id: Some("PO".to_owned()),
            group_control_number: Some("17".to_owned()),
            set_id: Some("850".to_owned()),
            control_number: Some("0001".to_owned()),
            verdict,
            errors: errors.iter().map(|e| (*e).to_owned()).collect(),
        },
    };
    let documents = |verdict, errors: &[&str]| PartnerDocuments {
        acknowledgments: vec![accepted()],
        ship_notices: vec![shipped_in_full()],
        invoices: vec![invoiced_as_ordered()],
        functional_acks: vec![answered(verdict, errors)],
    };
    let accepted_only = run(&documents(FunctionalAckVerdict::Accepted, &[]));
    assert_eq!(accepted_only.status, MatchStatus::Matched);
    assert_eq!(accepted_only.documents.len(), 4, "the 997 is listed");
    let rejected = run(&documents(
        FunctionalAckVerdict::Rejected,
        &["5", "segment PO1 at 7: 8"],
    ));
    assert_eq!(rejected.status, MatchStatus::Exceptions);
    assert_eq!(codes(&rejected), vec![FindingCode::FunctionalAckRejected]);
    assert_eq!(
        rejected.findings[0].message,
        "the partner's system rejected 850 0001 (error codes 5, segment PO1 at 7: 8)"
    );
    let with_errors = run(&documents(FunctionalAckVerdict::AcceptedWithErrors, &[]));
    assert_eq!(codes(&with_errors), vec![FindingCode::FunctionalAckErrors]);
}

#[test]
fn a_backordered_line_shipped_as_committed_is_not_short_and_beyond_it_is_over() {
    let backordered = ack(vec![
        ack_line("10", LineStatus::Backordered, "2000", "0.12"),
        ack_line("20", LineStatus::Accepted, "5000", "0.08"),
    ]);
    let shipped = |bolts: &str| {
        notice(
            "SHP-1",
            vec![
                item(Some("10"), "M-STEEL-BOLT-12", bolts),
                item(Some("20"), "M-STEEL-NUT-12", "5000"),
            ],
        )
    };
    let as_committed = run(&PartnerDocuments {
        acknowledgments: vec![backordered.clone()],
        ship_notices: vec![shipped("3000")],
        invoices: vec![invoice(
            "INV-1",
            &[("10", "3000", "0.12"), ("20", "5000", "0.08")],
            None,
        )],
        ..PartnerDocuments::default()
    });
    assert_eq!(codes(&as_committed), vec![FindingCode::AckBackordered]);
    assert_eq!(as_committed.lines[0].ordered.committed, d("3000"));
    let beyond = run(&PartnerDocuments {
        acknowledgments: vec![backordered],
        ship_notices: vec![shipped("4000")],
        ..PartnerDocuments::default()
    });
    assert_eq!(
        codes(&beyond),
        vec![
            FindingCode::AwaitingInvoice,
            FindingCode::AckBackordered,
            FindingCode::OverShipment
        ]
    );
    assert_eq!(
        beyond.findings[2].message,
        "line 10: 4000 shipped, 3000 committed (5000 ordered)"
    );
}
