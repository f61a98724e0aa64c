//! Purchase order changes: the buyer's X12 860 / EDIFACT ORDCHG and the supplier's answer, an
//! X12 865 or an EDIFACT ORDRSP; read from real-shaped fixtures, written, checked, acknowledged.

mod common_fixtures;
mod strategies;

use common_fixtures::{CHANGE_ANSWERS, PAIRS, fixture, judgment_of};
use gridlink_edi::*;
use proptest::prelude::*;
use rust_decimal::Decimal;
use strategies::{edifact_text, order_change, order_change_ack, params, x12_text};

const X12_CHANGE: &str = "x12/860_order_change.x12";
const EDIFACT_CHANGE: &str = "edifact/ordchg_order_change.edi";
const X12_ANSWER: &str = "x12/865_order_change_ack.x12";
const EDIFACT_ANSWER: &str = "edifact/ordrsp_order_change_response.edi";

fn only_document(bytes: &[u8]) -> BusinessDocument {
    let text = String::from_utf8_lossy(bytes);
    let interchange = parse_interchange(bytes).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(interchange.documents.len(), 1, "{text}");
    assert!(interchange.notes.is_empty(), "{:?}", interchange.notes);
    interchange
        .documents
        .into_iter()
        .next()
        .expect("one document")
}

fn change(name: &str) -> PurchaseOrderChange {
    match only_document(&fixture(name)) {
        BusinessDocument::PurchaseOrderChange(change) => change,
        other => panic!("{name} read as {}", other.kind()),
    }
}

fn envelope() -> EnvelopeParams {
    EnvelopeParams {
        sender: PartyId::new("ZZ", "BUYERCO"),
        receiver: PartyId::new("ZZ", "ACMESUPPLY"),
        interchange_control_number: 4711,
        group_control_number: 77,
        first_transaction_control_number: 5,
        application_sender: None,
        application_receiver: None,
        prepared_at: common_fixtures::prepared_at(),
        test: false,
    }
}

fn date(text: &str) -> Option<EdiDate> {
    EdiDate::parse_ccyymmdd(text)
}

#[test]
fn an_860_carries_its_header_and_every_kind_of_line_change() {
    let change = change(X12_CHANGE);
    assert_eq!(change.purpose, ChangePurpose::Change);
    assert_eq!(change.order_type, OrderType::StandAlone);
    assert_eq!(change.po_number, "PO-2024-0042");
    assert_eq!(change.change_sequence.as_deref(), Some("1"));
    assert_eq!(change.po_date, date("20240115"));
    assert_eq!(change.change_date, date("20240120"));
    assert_eq!(change.requested_delivery, date("20240205"));
    assert_eq!(
        change.parties.iter().map(|p| &p.role).collect::<Vec<_>>(),
        [&PartyRole::Buyer, &PartyRole::Supplier]
    );
    let kinds: Vec<_> = change.lines.iter().map(|l| l.change.clone()).collect();
    assert_eq!(
        kinds,
        [
            LineChange::PriceChange,
            LineChange::QuantityDecrease,
            LineChange::DeleteItem,
            LineChange::AddItem
        ]
    );
    let line = &change.lines[1];
    assert_eq!(line.line_number, "2");
    assert_eq!(
        line.quantity,
        Some(Quantity {
            value: Decimal::from(4),
            unit: "CA".to_owned()
        })
    );
    assert_eq!(line.left_to_receive, Some(Decimal::from(4)));
    assert_eq!(line.unit_price, Some(Decimal::new(4125, 2)));
    assert_eq!(line.requested_delivery, date("20240212"));
    assert_eq!(change.lines[0].unit_price, Some(Decimal::new(325, 2)));
    assert_eq!(change.lines[0].requested_delivery, None);
    assert_eq!(
        change.lines[3].product_ids,
        [
            ProductId {
                kind: ProductIdKind::Gtin,
                value: "00614141000067".to_owned()
            },
            ProductId {
                kind: ProductIdKind::VendorItem,
                value: "ACME-310".to_owned()
            }
        ]
    );
}

#[test]
fn an_ordchg_reads_as_the_860_except_for_what_edifact_cannot_say() {
    let edifact = change(EDIFACT_CHANGE);
    let mut expected = change(X12_CHANGE);
    // BGM 1004 is the ORDCHG's own number; LIN 1229 has one "changed" code.
    expected.change_sequence = Some("CHG-0042-1".to_owned());
    for line in &mut expected.lines {
        line.change = LineChange::from_edifact(line.change.to_edifact());
    }
    assert_eq!(
        expected.lines.iter().map(|l| &l.change).collect::<Vec<_>>(),
        [
            &LineChange::ChangeItem,
            &LineChange::ChangeItem,
            &LineChange::DeleteItem,
            &LineChange::AddItem
        ]
    );
    assert_eq!(edifact, expected);
}

#[test]
fn an_865_accepts_and_rejects_line_changes() {
    let BusinessDocument::PurchaseOrderChangeAck(ack) = only_document(&fixture(X12_ANSWER)) else {
        panic!("not an 865")
    };
    assert_eq!(ack.purpose, ChangePurpose::Change);
    assert_eq!(ack.status, AckStatusCode::AcceptedWithChanges);
    assert_eq!(ack.po_number, "PO-2024-0042");
    assert_eq!(ack.change_sequence.as_deref(), Some("1"));
    assert_eq!(ack.po_date, date("20240115"));
    assert_eq!(ack.seller_order_number.as_deref(), Some("SO-88121"));
    assert_eq!(ack.ack_date, date("20240121"));
    assert_eq!(ack.change_date, date("20240120"));
    let statuses: Vec<_> = ack.lines.iter().map(|l| l.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            LineStatus::Accepted,
            LineStatus::Accepted,
            LineStatus::Deleted,
            LineStatus::Rejected
        ]
    );
    let rescheduled = &ack.lines[1];
    assert_eq!(rescheduled.line.change, LineChange::QuantityDecrease);
    assert_eq!(rescheduled.scheduled_date, date("20240212"));
    assert_eq!(rescheduled.scheduled_date_kind, Some(DateKind::Delivery));
    assert_eq!(
        ack.lines[3].status_quantity.as_ref().map(|q| q.value),
        Some(Decimal::from(12))
    );
    // The 865 echoes the 860's lines.
    let sent = change(X12_CHANGE);
    let echoed: Vec<_> = ack.lines.iter().map(|l| l.line.clone()).collect();
    assert_eq!(echoed, sent.lines);
}

#[test]
fn the_ordrsp_answering_an_ordchg_reads_as_an_order_acknowledgment() {
    let BusinessDocument::OrderAcknowledgment(answer) = only_document(&fixture(EDIFACT_ANSWER))
    else {
        panic!("not an ORDRSP")
    };
    assert_eq!(answer.po_number, "PO-2024-0042");
    assert_eq!(answer.status, AckStatusCode::AcceptedWithChanges);
    assert_eq!(answer.po_date, date("20240115"));
    assert_eq!(answer.ack_date, date("20240121"));
    assert_eq!(answer.seller_order_number.as_deref(), Some("SO-88121"));
    // Line by line the same answer as the 865 gives to the 860.
    let BusinessDocument::PurchaseOrderChangeAck(x12) = only_document(&fixture(X12_ANSWER)) else {
        panic!("not an 865")
    };
    let edifact_lines: Vec<_> = answer
        .lines
        .iter()
        .map(|l| (l.line_number.clone(), l.status.clone()))
        .collect();
    let x12_lines: Vec<_> = x12
        .lines
        .iter()
        .map(|l| (l.line.line_number.clone(), l.status.clone()))
        .collect();
    assert_eq!(edifact_lines, x12_lines);
    assert_eq!(answer.lines[1].scheduled_date, date("20240212"));
    // It names every line of the ORDCHG it answers.
    let asked: Vec<_> = change(EDIFACT_CHANGE)
        .lines
        .into_iter()
        .map(|l| l.line_number)
        .collect();
    let answered: Vec<_> = answer.lines.iter().map(|l| l.line_number.clone()).collect();
    assert_eq!(asked, answered);
}

#[test]
fn every_change_fixture_passes_check_and_gets_an_accepting_acknowledgment() {
    let names = [X12_CHANGE, EDIFACT_CHANGE, X12_ANSWER, EDIFACT_ANSWER];
    assert!(PAIRS.iter().any(|(_, x12, _)| *x12 == X12_CHANGE));
    assert_eq!(CHANGE_ANSWERS.len(), 2);
    for name in names {
        let bytes = fixture(name);
        let report = validate(&bytes);
        assert!(report.errors().is_empty(), "{name}: {:?}", report.errors());
        assert!(!report.must_reject(), "{name}");
        let syntax = detect(&bytes).expect("a syntax");
        let options = AckOptions::for_syntax(syntax, 9, common_fixtures::prepared_at());
        let ack = ack_for(&report, &options).expect("an acknowledgment");
        assert_eq!(judgment_of(&ack), Verdict::Accepted, "{name}");
        let text = String::from_utf8_lossy(&ack);
        let set_id = &parse_interchange(&bytes).unwrap().transactions[0].set_id;
        let answer = match syntax {
            Syntax::X12 => format!("AK2*{set_id}*0001~"),
            Syntax::Edifact => format!("UCM+1+{set_id}:D:96A:UN"),
        };
        assert!(text.contains(&answer), "{text}");
    }
}

#[test]
fn a_bad_poc_quantity_is_named_by_segment_element_and_position_and_rejected_in_the_997() {
    let bytes = String::from_utf8(fixture(X12_CHANGE))
        .unwrap()
        .replace("POC*2*QD*4*", "POC*2*QD*4X*");
    let report = validate(bytes.as_bytes());
    let error = report
        .errors()
        .into_iter()
        .find(|e| matches!(e, EdiError::InvalidNumber { .. }))
        .unwrap_or_else(|| panic!("{:?}", report.errors()));
    let at = error.position();
    assert_eq!(at.tag.map(|t| t.as_str()).as_deref(), Some("POC"));
    assert_eq!(at.element, Some(3));
    assert_eq!(at.segment_in_message, Some(11));
    assert!(report.must_reject());
    let options = AckOptions::for_syntax(Syntax::X12, 9, common_fixtures::prepared_at());
    let ack = String::from_utf8(ack_for(&report, &options).unwrap()).unwrap();
    assert!(ack.contains("AK3*POC*11**8~"), "{ack}");
    assert!(ack.contains("AK4*3**6*4X~"), "{ack}");
    assert!(ack.contains("AK5*R"), "{ack}");
}

#[test]
fn missing_headers_and_elements_are_reported_where_they_belong() {
    // No BCH: the 860 cannot be read; the error sits at the ST.
    let text = String::from_utf8(fixture(X12_CHANGE)).unwrap();
    let without_bch: String = text
        .lines()
        .filter(|l| !l.starts_with("BCH*"))
        .map(|l| {
            if l.starts_with("SE*") {
                "SE*16*0001~".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let report = validate(without_bch.as_bytes());
    let missing = report
        .errors()
        .into_iter()
        .find(|e| matches!(e, EdiError::MissingSegment { tag, .. } if tag == "BCH"))
        .unwrap_or_else(|| panic!("{:?}", report.errors()));
    assert_eq!(
        missing.position().tag.map(|t| t.as_str()).as_deref(),
        Some("ST")
    );
    assert!(report.must_reject());

    // An 865 POC without its change type (POC02, mandatory).
    let text = String::from_utf8(fixture(X12_ANSWER))
        .unwrap()
        .replace("POC*3*DI*", "POC*3**");
    let report = validate(text.as_bytes());
    let missing = report
        .errors()
        .into_iter()
        .find(|e| matches!(e, EdiError::MissingElement { name, .. } if name == "POC02"))
        .unwrap_or_else(|| panic!("{:?}", report.errors()));
    assert_eq!(missing.position().element, Some(2));
    assert_eq!(missing.position().segment_in_message, Some(10));

    // An ORDCHG line date that is no date: DTM C507 component 2.
    let text = String::from_utf8(fixture(EDIFACT_CHANGE))
        .unwrap()
        .replace("DTM+2:20240212:102", "DTM+2:2024021X:102");
    let report = validate(text.as_bytes());
    let bad = report
        .errors()
        .into_iter()
        .find(|e| matches!(e, EdiError::InvalidDate { value, .. } if value == "2024021X"))
        .unwrap_or_else(|| panic!("{:?}", report.errors()));
    assert_eq!(bad.position().element, Some(1));
    assert_eq!(bad.position().component, Some(2));
    assert_eq!(bad.position().segment_in_message, Some(20));

    // An ORDCHG without BGM.
    let text = String::from_utf8(fixture(EDIFACT_CHANGE))
        .unwrap()
        .replace("BGM+230+CHG-0042-1+4'\n", "")
        .replace("UNT+34+1'", "UNT+33+1'");
    let report = validate(text.as_bytes());
    assert!(
        report
            .errors()
            .iter()
            .any(|e| matches!(e, EdiError::MissingSegment { tag, .. } if tag == "BGM")),
        "{:?}",
        report.errors()
    );
}

#[test]
fn write_order_change_writes_a_full_envelope_in_either_syntax() {
    let change = change(X12_CHANGE);
    let x12 = write_order_change(&change, Syntax::X12, &envelope()).unwrap();
    let text = String::from_utf8(x12.clone()).unwrap();
    assert!(text.starts_with("ISA*00*"), "{text}");
    assert!(text.contains("*000004711*0*P*>~"), "{text}");
    assert!(text.contains("GS*PC*BUYERCO*ACMESUPPLY*20240115*1045*77*X*004010~"));
    assert!(text.contains("ST*860*0005~"), "{text}");
    assert!(text.contains("BCH*04*SA*PO-2024-0042**1*20240115*****20240120~"));
    assert!(text.contains("POC*2*QD*4*4*CA*41.25*PE*UK*00614141000043*VP*ACME-220~"));
    assert!(text.ends_with("GE*1*77~\nIEA*1*000004711~\n"), "{text}");
    assert!(validate(&x12).errors().is_empty());
    assert_eq!(
        only_document(&x12),
        BusinessDocument::PurchaseOrderChange(change.clone())
    );

    let edifact = write_order_change(&change, Syntax::Edifact, &envelope()).unwrap();
    let text = String::from_utf8(edifact.clone()).unwrap();
    assert!(text.contains("UNH+5+ORDCHG:D:96A:UN'"), "{text}");
    assert!(text.contains("BGM+230+1+4'"), "{text}");
    assert!(text.contains("RFF+ON:PO-2024-0042'"), "{text}");
    assert!(text.contains("LIN+4+1+00614141000067:SRV'"), "{text}");
    assert!(text.ends_with("UNZ+1+4711'\n"), "{text}");
    assert!(validate(&edifact).errors().is_empty());
    let BusinessDocument::PurchaseOrderChange(back) = only_document(&edifact) else {
        panic!("not a change")
    };
    assert_eq!(back.po_number, change.po_number);
    assert_eq!(back.change_sequence, change.change_sequence);
    assert_eq!(back.lines.len(), 4);
}

#[test]
fn an_865_has_no_edifact_form() {
    let BusinessDocument::PurchaseOrderChangeAck(ack) = only_document(&fixture(X12_ANSWER)) else {
        panic!("not an 865")
    };
    let document = BusinessDocument::PurchaseOrderChangeAck(ack);
    assert_eq!(
        write_edifact(&document, &envelope()),
        Err(WriteError::Unsupported {
            kind: "PurchaseOrderChangeAck",
            syntax: "EDIFACT"
        })
    );
    let x12 = write_x12(&document, &envelope()).unwrap();
    assert!(String::from_utf8_lossy(&x12).contains("GS*CA*"));
    assert_eq!(only_document(&x12), document);
}

/// How the supplier in the fixtures answers: deletions done, additions refused, the rest taken.
fn fixture_policy(line: &ChangeLine) -> LineStatus {
    match line.change {
        LineChange::DeleteItem => LineStatus::Deleted,
        LineChange::AddItem => LineStatus::Rejected,
        _ => LineStatus::Accepted,
    }
}

#[test]
fn the_supplier_answer_built_from_a_change_is_the_one_in_the_fixtures() {
    let sent = change(X12_CHANGE);
    let answer = sent.answer_x12(date("20240121"), fixture_policy);
    assert_eq!(answer.status, AckStatusCode::AcceptedWithChanges);
    let document = BusinessDocument::PurchaseOrderChangeAck(answer.clone());
    let bytes = write_x12(&document, &envelope()).unwrap();
    assert_round_trip(&bytes, &document);
    let BusinessDocument::PurchaseOrderChangeAck(fixture_answer) =
        only_document(&fixture(X12_ANSWER))
    else {
        panic!("not an 865")
    };
    let summary = |ack: &PurchaseOrderChangeAck| -> Vec<_> {
        ack.lines
            .iter()
            .map(|l| {
                (
                    l.line.clone(),
                    l.status.clone(),
                    l.scheduled_date,
                    l.scheduled_date_kind,
                )
            })
            .collect()
    };
    assert_eq!(summary(&answer), summary(&fixture_answer));
    assert_eq!(answer.change_sequence, fixture_answer.change_sequence);
    assert_eq!(answer.change_date, fixture_answer.change_date);

    let sent = change(EDIFACT_CHANGE);
    let answer = sent.answer_edifact(date("20240121"), fixture_policy);
    let document = BusinessDocument::OrderAcknowledgment(answer.clone());
    let bytes = write_edifact(&document, &envelope()).unwrap();
    assert_round_trip(&bytes, &document);
    let BusinessDocument::OrderAcknowledgment(fixture_answer) =
        only_document(&fixture(EDIFACT_ANSWER))
    else {
        panic!("not an ORDRSP")
    };
    let summary = |ack: &OrderAcknowledgment| -> Vec<_> {
        ack.lines
            .iter()
            .map(|l| {
                (
                    l.line_number.clone(),
                    l.ordered_quantity.clone(),
                    l.status.clone(),
                    l.scheduled_date,
                )
            })
            .collect()
    };
    assert_eq!(summary(&answer), summary(&fixture_answer));
    assert_eq!(answer.status, fixture_answer.status);
}

#[test]
fn the_header_answer_sums_up_the_line_answers() {
    use LineStatus::{Accepted, Deleted, Rejected};
    assert_eq!(
        AckStatusCode::summing_up(&[Accepted, Accepted]),
        AckStatusCode::AcceptedNoChange
    );
    assert_eq!(
        AckStatusCode::summing_up(&[]),
        AckStatusCode::AcceptedNoChange
    );
    assert_eq!(
        AckStatusCode::summing_up(&[Rejected, Rejected]),
        AckStatusCode::Rejected
    );
    assert_eq!(
        AckStatusCode::summing_up(&[Accepted, Rejected]),
        AckStatusCode::AcceptedWithChanges
    );
    assert_eq!(
        AckStatusCode::summing_up(&[Deleted]),
        AckStatusCode::AcceptedWithChanges
    );
}

fn assert_round_trip(bytes: &[u8], document: &BusinessDocument) {
    let text = String::from_utf8_lossy(bytes);
    let report = validate(bytes);
    assert!(report.errors().is_empty(), "{:?}\n{text}", report.errors());
    assert_eq!(&only_document(bytes), document, "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn an_860_or_865_written_reads_back_the_same(
        document in prop_oneof![order_change(x12_text().boxed(), false), order_change_ack(x12_text().boxed())],
        params in params(),
    ) {
        let bytes = write_x12(&document, &params).unwrap();
        assert_round_trip(&bytes, &document);
        let options = AckOptions::for_syntax(Syntax::X12, 1, common_fixtures::prepared_at());
        let ack = ack_for(&validate(&bytes), &options).unwrap();
        prop_assert_eq!(judgment_of(&ack), Verdict::Accepted);
    }

    #[test]
    fn an_ordchg_written_reads_back_the_same(
        document in order_change(edifact_text().boxed(), true),
        params in params(),
    ) {
        let bytes = write_edifact(&document, &params).unwrap();
        assert_round_trip(&bytes, &document);
        let options = AckOptions::for_syntax(Syntax::Edifact, 1, common_fixtures::prepared_at());
        let ack = ack_for(&validate(&bytes), &options).unwrap();
        prop_assert_eq!(judgment_of(&ack), Verdict::Accepted);
    }

    #[test]
    fn answers_built_from_any_change_are_written_and_read_back(
        x12 in order_change(x12_text().boxed(), false),
        edifact in order_change(edifact_text().boxed(), true),
        statuses in prop::collection::vec(prop::sample::select(vec![
            LineStatus::Accepted,
            LineStatus::AcceptedWithChanges,
            LineStatus::DateRescheduled,
            LineStatus::Rejected,
            LineStatus::Deleted,
        ]), 5),
    ) {
        let (BusinessDocument::PurchaseOrderChange(x12), BusinessDocument::PurchaseOrderChange(edifact)) = (x12, edifact) else {
            unreachable!("the strategy makes changes")
        };
        let mut next = statuses.iter().cycle().cloned();
        let answer = BusinessDocument::PurchaseOrderChangeAck(x12.answer_x12(None, |_| next.next().unwrap_or(LineStatus::Accepted)));
        assert_round_trip(&write_x12(&answer, &envelope()).unwrap(), &answer);
        let answer = BusinessDocument::OrderAcknowledgment(edifact.answer_edifact(None, |_| next.next().unwrap_or(LineStatus::Accepted)));
        assert_round_trip(&write_edifact(&answer, &envelope()).unwrap(), &answer);
    }

    #[test]
    fn a_cut_or_corrupted_change_never_panics_and_errors_stay_inside_the_input(
        document in prop_oneof![order_change(x12_text().boxed(), false), order_change_ack(x12_text().boxed())],
        ordchg in order_change(edifact_text().boxed(), true),
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"*~>+:'?0X ".to_vec()),
    ) {
        for mut bytes in [
            write_x12(&document, &envelope()).unwrap(),
            write_edifact(&ordchg, &envelope()).unwrap(),
        ] {
            let i = at.index(bytes.len());
            bytes[i] = byte;
            bytes.truncate(cut.index(bytes.len() + 1));
            let report = validate(&bytes);
            for error in report.errors() {
                prop_assert!(error.position().offset <= bytes.len() as u64, "{}", error);
            }
            let _ = parse_interchanges(&bytes);
        }
    }
}
