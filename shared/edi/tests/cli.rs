//! The `gridlink-edi` binary, run as a partner-file handler would run it.

mod common_fixtures;

use std::process::{Command, Output};

use common_fixtures::{PAIRS, fixture_path};
use gridlink_edi::{BusinessDocument, parse_interchange};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridlink-edi"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

#[test]
fn check_prints_a_summary_and_exits_zero_for_a_clean_file() {
    let output = run(&[
        "check",
        fixture_path("x12/850_purchase_order.x12").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        "format=x12 interchanges=1 groups=1 transactions=1 segments=26\n"
    );
    let output = run(&[
        "check",
        fixture_path("edifact/desadv_ship_notice.edi")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output)
            .starts_with("format=edifact interchanges=1 groups=0 transactions=1 segments=")
    );
}

#[test]
fn check_lists_every_error_with_its_position_and_exits_one() {
    let output = run(&[
        "check",
        fixture_path("bad/wrong_counts.x12").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("error offset=695 segment=24 tag=SE segment_in_message=22 element=1:"),
        "{text}"
    );
    assert!(lines[3].contains("tag=IEA element=2"), "{text}");
}

#[test]
fn check_rejects_binary_garbage() {
    let output = run(&["check", fixture_path("bad/garbage.bin").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).starts_with("format=unknown interchanges=0"));
}

#[test]
fn ack_prints_an_acknowledgment_that_parses_back() {
    for (_, x12, edifact) in PAIRS {
        for name in [x12, edifact] {
            let output = run(&[
                "ack",
                fixture_path(name).to_str().unwrap(),
                "--control-number",
                "42",
            ]);
            assert_eq!(output.status.code(), Some(0), "{name}");
            let ack = parse_interchange(&output.stdout).unwrap();
            assert!(
                matches!(ack.documents[0], BusinessDocument::FunctionalAck(_)),
                "{name}"
            );
        }
    }
    let output = run(&[
        "ack",
        fixture_path("x12/810_invoice.x12").to_str().unwrap(),
        "--kind",
        "999",
        "--sender",
        "ZZ:GRIDLINK",
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("*ZZ*GRIDLINK       *") && text.contains("ST*999*0001*005010X231A1~"),
        "{text}"
    );
}

#[test]
fn ack_of_garbage_fails_with_a_message() {
    let output = run(&["ack", fixture_path("bad/garbage.bin").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be addressed"));
}

#[test]
fn json_prints_one_canonical_document_per_line() {
    let output = run(&[
        "json",
        fixture_path("edifact/invoic_invoice.edi").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["document"]["type"], "Invoice");
    assert_eq!(line["keys"]["invoice_number"], "INV-90017");
    assert_eq!(line["document"]["total_amount"], "179.82");
    assert_eq!(line["interchange"]["sender"], "ZZZ:ACMESUPPLY");
    // The fields docs/edi.md names, no more (a map's keys come sorted).
    let fields = |value: &serde_json::Value| -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(
        fields(&line),
        [
            "control_number",
            "document",
            "interchange",
            "keys",
            "set_id"
        ]
    );
    assert_eq!(
        fields(&line["interchange"]),
        ["control_number", "receiver", "sender", "syntax"]
    );
    assert_eq!(line["interchange"]["syntax"], "edifact");
    let document: BusinessDocument = serde_json::from_value(line["document"].clone()).unwrap();
    assert!(matches!(document, BusinessDocument::Invoice(_)));
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let output = run(&["check", "/nonexistent/file.x12"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn check_json_and_ack_read_order_changes_and_their_answers() {
    let cases = [
        ("x12/860_order_change.x12", "PurchaseOrderChange", "860"),
        (
            "x12/865_order_change_ack.x12",
            "PurchaseOrderChangeAck",
            "865",
        ),
        (
            "edifact/ordchg_order_change.edi",
            "PurchaseOrderChange",
            "ORDCHG",
        ),
        (
            "edifact/ordrsp_order_change_response.edi",
            "OrderAcknowledgment",
            "ORDRSP",
        ),
    ];
    for (name, kind, set_id) in cases {
        let path = fixture_path(name);
        let path = path.to_str().unwrap();
        let output = run(&["check", path]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        assert!(
            stdout(&output).contains(" transactions=1 "),
            "{name}: {}",
            stdout(&output)
        );
        assert!(output.stderr.is_empty(), "{name}: no warnings expected");

        let output = run(&["json", path]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        let line: serde_json::Value =
            serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
        assert_eq!(line["document"]["type"], kind, "{name}");
        assert_eq!(line["set_id"], set_id, "{name}");
        assert_eq!(line["keys"]["po_number"], "PO-2024-0042", "{name}");

        let output = run(&["ack", path, "--control-number", "42"]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        let ack = parse_interchange(&output.stdout).unwrap();
        let BusinessDocument::FunctionalAck(ack) = &ack.documents[0] else {
            panic!("{name}: not an acknowledgment");
        };
        let answered: Vec<&str> = ack
            .groups
            .iter()
            .flat_map(|g| g.transactions.iter())
            .chain(ack.messages.iter())
            .map(|t| t.set_id.as_str())
            .collect();
        assert_eq!(answered, [set_id], "{name}");
    }
}
