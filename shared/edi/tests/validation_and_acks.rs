//! Bad input gets typed, positioned errors and the matching rejecting acknowledgment;
//! good input gets an accepting one. Every acknowledgment parses back.

mod common_fixtures;

use common_fixtures::{PAIRS, fixture, prepared_at};
use gridlink_edi::{
    AckError, AckKind, AckOptions, AckStatus, BusinessDocument, EdiError, FunctionalAck, Level,
    Syntax, ack_for, parse_interchange, validate,
};

fn options(kind: AckKind) -> AckOptions {
    AckOptions {
        kind,
        control_number: 900,
        sender: None,
        prepared_at: prepared_at(),
    }
}

fn ack_text(bytes: &[u8], kind: AckKind) -> String {
    String::from_utf8(ack_for(bytes, &options(kind)).expect("test data is valid"))
        .expect("test data is valid")
}

fn read_ack(ack: &str) -> FunctionalAck {
    let interchange = parse_interchange(ack.as_bytes())
        .unwrap_or_else(|e| panic!("ack does not parse: {e}\n{ack}"));
    match interchange.documents.into_iter().next() {
        Some(BusinessDocument::FunctionalAck(ack)) => ack,
        other => panic!("not an ack: {other:?}"),
    }
}

#[test]
fn a_truncated_file_is_rejected_with_ta1_023_and_ak5_code_2() {
    let bytes = fixture("bad/truncated.x12");
    let report = validate(&bytes);
    assert!(report.must_reject());
    let errors = report.errors();
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, EdiError::Truncated { at } if at.offset > 0))
    );
    assert!(errors.iter().any(|e| matches!(e, EdiError::MissingTrailer { level: Level::Transaction, expected, .. } if expected == "SE")));
    let ack = ack_text(&bytes, AckKind::Ack997);
    assert!(ack.contains("TA1*000000101*240115*1030*R*023~"), "{ack}");
    assert!(ack.contains("AK5*R*2~"), "{ack}");
    assert_eq!(read_ack(&ack).groups[0].status, AckStatus::Rejected);
}

#[test]
fn wrong_counts_and_control_numbers_are_each_reported_at_their_trailer() {
    let report = validate(&fixture("bad/wrong_counts.x12"));
    let errors = report.errors();
    let se = errors
        .iter()
        .find(|e| {
            matches!(
                e,
                EdiError::CountMismatch {
                    level: Level::Transaction,
                    ..
                }
            )
        })
        .expect("SE count error");
    let EdiError::CountMismatch {
        at,
        declared,
        actual,
        ..
    } = se
    else {
        unreachable!()
    };
    assert_eq!((declared.as_str(), *actual), ("21", 22));
    assert_eq!(
        (at.segment, at.segment_in_message, at.element),
        (24, Some(22), Some(1))
    );
    assert_eq!(at.tag.unwrap().as_str(), "SE");
    assert!(errors.iter().any(|e| matches!(
        e,
        EdiError::CountMismatch {
            level: Level::Group,
            actual: 1,
            ..
        }
    )));
    assert!(errors.iter().any(|e| matches!(e, EdiError::ControlNumberMismatch { level: Level::Interchange, trailer, .. } if trailer == "000000999")));
    let ack = ack_text(&fixture("bad/wrong_counts.x12"), AckKind::Ack997);
    assert!(ack.contains("TA1*000000101*240115*1030*R*001~"), "{ack}");
    assert!(ack.contains("AK5*R*4~"), "{ack}");
    assert!(ack.contains("AK9*R*1*1*0*5~"), "{ack}");
}

#[test]
fn a_short_isa_is_read_leniently_so_the_rejection_reaches_the_sender() {
    let bytes = fixture("bad/short_isa.x12");
    let report = validate(&bytes);
    let errors = report.errors();
    assert!(
        errors
            .iter()
            .any(|e| matches!(e, EdiError::ShortIsa { found: 98, .. }))
    );
    assert!(errors.iter().any(|e| matches!(
        e,
        EdiError::IsaFieldWidth {
            element: 6,
            expected: 15,
            found: 7,
            ..
        }
    )));
    let ack = ack_text(&bytes, AckKind::Ack997);
    assert!(
        ack.starts_with("ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *"),
        "{ack}"
    );
    assert!(ack.contains("*R*022~"), "{ack}");
    assert!(ack.contains("AK5*R~"), "{ack}");
}

#[test]
fn an_unknown_segment_and_a_bad_number_become_ak3_and_ak4_entries() {
    let bytes = fixture("bad/unknown_segment.x12");
    let ack = ack_text(&bytes, AckKind::Ack997);
    assert!(ack.contains("AK3*PO1*19**8~\nAK4*2**6*6X~"), "{ack}");
    assert!(ack.contains("AK3*ZZQ*21**2~"), "{ack}");
    assert!(ack.contains("AK5*R*5~"), "{ack}");
    let ack999 = ack_text(&bytes, AckKind::Ack999);
    assert!(ack999.contains("ST*999*0001*005010X231A1~"), "{ack999}");
    assert!(ack999.contains("IK3*PO1*19**8~\nIK4*2**6*6X~"), "{ack999}");
    assert!(ack999.contains("IK5*R*5~"), "{ack999}");
    let read = read_ack(&ack999);
    assert_eq!(read.kind, AckKind::Ack999);
    assert_eq!(
        read.groups[0].transactions[0].segment_errors[0].element_errors[0]
            .bad_value
            .as_deref(),
        Some("6X")
    );
}

#[test]
fn an_unknown_segment_alone_is_accepted_with_errors() {
    let good = String::from_utf8(fixture("x12/850_purchase_order.x12")).unwrap();
    let noted = good
        .replace("CTT*2*30~", "ZZQ*MYSTERY~\nCTT*2*30~")
        .replace("SE*22*0001", "SE*23*0001");
    let report = validate(noted.as_bytes());
    assert!(!report.must_reject());
    let ack = ack_text(noted.as_bytes(), AckKind::Ack997);
    assert!(
        ack.contains("AK5*E*5~") && ack.contains("AK9*E*1*1*1~"),
        "{ack}"
    );
    let interchange = parse_interchange(noted.as_bytes()).unwrap();
    assert!(matches!(
        interchange.notes[0],
        EdiError::UnknownSegment { .. }
    ));
}

#[test]
fn declared_sizes_of_two_gigabytes_are_compared_never_allocated() {
    let report = validate(&fixture("bad/declared_2gb.x12"));
    let errors = report.errors();
    assert!(errors.iter().any(|e| matches!(e, EdiError::CountMismatch { declared, actual: 22, .. } if declared == "2147483648")));
    assert!(errors.iter().any(
        |e| matches!(e, EdiError::CountMismatch { declared, .. } if declared == "4294967296")
    ));
    assert!(ack_text(&fixture("bad/declared_2gb.x12"), AckKind::Ack997).contains("*R*021~"));
}

#[test]
fn edifact_trailer_errors_give_a_rejecting_contrl() {
    let bytes = fixture("bad/wrong_counts.edi");
    let report = validate(&bytes);
    assert_eq!(report.syntax, Some(Syntax::Edifact));
    assert_eq!(report.errors().len(), 3);
    let ack = ack_text(&bytes, AckKind::Contrl);
    assert!(
        ack.contains("UCI+101+BUYERCO:ZZZ+ACMESUPPLY:ZZZ+4+29'"),
        "{ack}"
    );
    assert!(ack.contains("UCM+1+ORDERS:D:96A:UN+4+29'"), "{ack}");
    let read = read_ack(&ack);
    assert_eq!(read.interchange.unwrap().status, AckStatus::Rejected);
    let truncated = ack_text(&fixture("bad/truncated.edi"), AckKind::Contrl);
    assert!(truncated.contains("+4+13'"), "{truncated}");
}

#[test]
fn binary_garbage_is_not_edi_and_cannot_be_acknowledged() {
    let bytes = fixture("bad/garbage.bin");
    let report = validate(&bytes);
    assert!(report.must_reject());
    assert!(matches!(report.errors()[0], EdiError::NotEdi { .. }));
    assert_eq!(
        ack_for(&bytes, &options(AckKind::Ack997)),
        Err(AckError::Unaddressable)
    );
    assert!(parse_interchange(&bytes).is_err());
}

#[test]
fn the_wrong_ack_kind_for_a_syntax_is_refused() {
    let bytes = fixture("edifact/orders_purchase_order.edi");
    assert!(matches!(
        ack_for(&bytes, &options(AckKind::Ack997)),
        Err(AckError::KindMismatch { .. })
    ));
}

#[test]
fn every_good_fixture_is_accepted_and_its_ack_parses_back_referencing_it() {
    for (_, x12, edifact) in PAIRS {
        let bytes = fixture(x12);
        let received = parse_interchange(&bytes).unwrap();
        for kind in [AckKind::Ack997, AckKind::Ack999] {
            let ack = read_ack(&ack_text(&bytes, kind));
            let group = &ack.groups[0];
            assert_eq!(group.status, AckStatus::Accepted, "{x12} {kind:?}");
            assert_eq!(group.control_number, received.groups[0].control_number);
            assert_eq!(
                group.transactions[0].set_id,
                received.transactions[0].set_id
            );
            assert_eq!(group.transactions[0].status, AckStatus::Accepted);
        }
        let bytes = fixture(edifact);
        let received = parse_interchange(&bytes).unwrap();
        let ack = read_ack(&ack_text(&bytes, AckKind::Contrl));
        let uci = ack.interchange.unwrap();
        assert_eq!(
            uci.control_number, received.header.control_number,
            "{edifact}"
        );
        assert_eq!(uci.status, AckStatus::Accepted);
        assert_eq!(ack.messages[0].set_id, received.transactions[0].set_id);
        assert_eq!(ack.messages[0].status, AckStatus::Accepted);
    }
}

#[test]
fn the_ack_is_addressed_back_to_the_sender_with_our_control_number() {
    let ack = ack_text(&fixture("x12/850_purchase_order.x12"), AckKind::Ack997);
    let interchange = parse_interchange(ack.as_bytes()).unwrap();
    assert_eq!(interchange.header.sender.to_string(), "ZZ:ACMESUPPLY");
    assert_eq!(interchange.header.receiver.to_string(), "ZZ:BUYERCO");
    assert_eq!(interchange.header.control_number, "000000900");
    assert_eq!(interchange.groups[0].functional_id, "FA");
}
