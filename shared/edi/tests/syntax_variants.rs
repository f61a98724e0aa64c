//! Delimiter and envelope variants partners really send: newline terminators, CRLF, decimal
//! commas, EDIFACT groups, several interchanges with different delimiters.

mod common_fixtures;

use common_fixtures::{fixture, prepared_at};
use gridlink_edi::{
    AckKind, AckOptions, AckStatus, BusinessDocument, EdiError, ack_for, parse_interchange,
    validate,
};
use rust_decimal::Decimal;

fn text(name: &str) -> String {
    String::from_utf8(fixture(name)).expect("fixtures are UTF-8")
}

fn purchase_order(bytes: &[u8]) -> gridlink_edi::PurchaseOrder {
    match parse_interchange(bytes)
        .expect("the variant parses")
        .documents
        .remove(0)
    {
        BusinessDocument::PurchaseOrder(po) => po,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_newline_as_segment_terminator_reads_the_same_as_a_tilde() {
    let tilde = text("x12/850_purchase_order.x12");
    let newline = tilde.replace("~\n", "\n");
    assert_eq!(newline.as_bytes()[105], b'\n');
    assert!(validate(newline.as_bytes()).errors().is_empty());
    assert_eq!(
        purchase_order(newline.as_bytes()),
        purchase_order(tilde.as_bytes())
    );
    let crlf = tilde.replace("~\n", "\r\n");
    assert_eq!(
        purchase_order(crlf.as_bytes()),
        purchase_order(tilde.as_bytes())
    );
}

#[test]
fn crlf_after_each_terminator_and_no_line_breaks_at_all_both_read() {
    let tilde = text("x12/850_purchase_order.x12");
    let crlf = tilde.replace("~\n", "~\r\n");
    let flat = tilde.replace("~\n", "~");
    assert_eq!(
        purchase_order(crlf.as_bytes()),
        purchase_order(tilde.as_bytes())
    );
    assert_eq!(
        purchase_order(flat.as_bytes()),
        purchase_order(tilde.as_bytes())
    );
}

#[test]
fn other_x12_delimiters_are_taken_from_the_isa() {
    let tilde = text("x12/850_purchase_order.x12");
    let other = tilde
        .replace('*', "|")
        .replace('~', "!")
        .replacen("|>!", "|:!", 1);
    assert!(
        validate(other.as_bytes()).errors().is_empty(),
        "{:?}",
        validate(other.as_bytes()).errors()
    );
    assert_eq!(
        purchase_order(other.as_bytes()),
        purchase_order(tilde.as_bytes())
    );
}

#[test]
fn an_edifact_decimal_comma_is_read_exactly() {
    let orders = text("edifact/orders_purchase_order.edi")
        .replace("UNA:+.? '", "UNA:+,? '")
        .replace("PRI+AAA:41.25", "PRI+AAA:41,25");
    let po = purchase_order(orders.as_bytes());
    assert_eq!(po.lines[1].unit_price, Some(Decimal::new(4125, 2)));
}

#[test]
fn edifact_functional_groups_are_checked_and_acknowledged_with_ucf() {
    let orders = text("edifact/orders_purchase_order.edi");
    let grouped = orders
        .replace(
            "UNH+1+ORDERS",
            "UNG+ORDERS+BUYERCO:ZZZ+ACMESUPPLY:ZZZ+240115:1030+77+UN+D:96A'\nUNH+1+ORDERS",
        )
        .replace("UNZ+1+101'", "UNE+1+77'\nUNZ+1+101'");
    let report = validate(grouped.as_bytes());
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.counts.groups, 1);
    let interchange = parse_interchange(grouped.as_bytes()).unwrap();
    assert_eq!(interchange.groups[0].control_number, "77");
    assert_eq!(interchange.groups[0].version, "D:96A");
    let options = AckOptions::for_syntax(gridlink_edi::Syntax::Edifact, 5, prepared_at());
    let ack = String::from_utf8(ack_for(grouped.as_bytes(), &options).unwrap()).unwrap();
    assert!(ack.contains("UCF+77+++7'"), "{ack}");
    let BusinessDocument::FunctionalAck(read) = parse_interchange(ack.as_bytes())
        .unwrap()
        .documents
        .remove(0)
    else {
        panic!()
    };
    assert_eq!(read.groups[0].control_number, "77");
    assert_eq!(read.groups[0].transactions[0].status, AckStatus::Accepted);

    let broken = grouped.replace("UNE+1+77'", "UNE+2+78'");
    let errors = validate(broken.as_bytes())
        .errors()
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| matches!(
        e,
        EdiError::CountMismatch { .. } | EdiError::ControlNumberMismatch { .. }
    )));
    let ack = String::from_utf8(ack_for(broken.as_bytes(), &options).unwrap()).unwrap();
    assert!(ack.contains("UCF+77+++4+29'"), "{ack}");
}

#[test]
fn a_997_of_a_5010_interchange_with_repetition_separator_still_reads() {
    let x12 = text("x12/850_purchase_order.x12")
        .replacen("*U*00401*", "*^*00501*", 1)
        .replace("*X*004010~", "*X*005010~");
    let interchange = parse_interchange(x12.as_bytes()).unwrap();
    assert_eq!(interchange.header.version, "00501");
    let ack = ack_for(
        x12.as_bytes(),
        &AckOptions {
            kind: AckKind::Ack999,
            control_number: 3,
            sender: None,
            prepared_at: prepared_at(),
        },
    )
    .unwrap();
    let text = String::from_utf8(ack).unwrap();
    assert!(text.contains("AK1*PO*101*005010~"), "{text}");
}
