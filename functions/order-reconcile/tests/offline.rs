//! `gridlink-reconcile`, the offline command: files in, the function's report out. Run as a
//! process on the demo's documents and on hand-written interchanges (an 850 as the order, an
//! 810 with freight in SAC, an INVOIC with ALC + MOA).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn demo(name: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}/../../fixtures/demo/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("written");
    path
}

/// Runs the command with `args`; its exit status, standard output and standard error.
fn run(args: &[&Path], extra: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_gridlink-reconcile"))
        .args(extra)
        .args(args)
        .env_remove("PRICE_TOLERANCE_ABSOLUTE")
        .env_remove("INVOICING")
        .output()
        .expect("the command runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_owned(),
                f["line"].as_str().unwrap_or_default().to_owned(),
                f["document"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const CATEGORY: &str = r#"{"PO Number": "4500001234", "Currency": "EUR", "Lines": [
  {"Line": 10, "Material": "M-STEEL-BOLT-12", "Quantity": 5000, "Delivery Date": "2026-11-20", "Unit Price": "0.12"},
  {"Line": 20, "Material": "M-STEEL-NUT-12", "Quantity": 5000, "Delivery Date": "2026-11-20", "Unit Price": "0.08"}]}"#;

#[test]
fn the_demo_documents_against_the_category_json_give_the_functions_report() {
    let dir = tempfile::tempdir().expect("dir");
    let order = write(dir.path(), "order.json", CATEGORY);
    let (status, out, err) = run(
        &[
            &order,
            &demo("855_4500001234.x12"),
            &demo("856_4500001234.x12"),
            &demo("810_4500001234.x12"),
        ],
        &[],
    );
    assert_eq!(status, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(report["po_number"], "4500001234");
    assert_eq!(report["status"], "exceptions");
    // The 855's date is a ship date (ACK04 068): not compared with the Delivery Date.
    assert_eq!(
        findings(&report),
        vec![(
            "price_outside_tolerance".to_owned(),
            "20".to_owned(),
            "INV-2026-0815".to_owned()
        )]
    );
    assert_eq!(report["documents"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["lines"][0]["acknowledged"]["date_kind"], "shipment");

    let (status, html, _) = run(
        &[&order, &demo("810_4500001234.x12")],
        &["--html", "--as-of", "2026-12-01"],
    );
    assert_eq!(status, 0);
    assert!(html.contains("id=\"match-status\">exceptions<"), "{html}");
    assert!(html.contains("<table id=\"legend\">"), "{html}");
}

const ORDER_850: &str = "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ACMESUPPLY     *261102*0900*U*00401*000000001*0*P*>~\
GS*PO*BUYERCO*ACMESUPPLY*20261102*0900*1*X*004010~\
ST*850*0001~\
BEG*00*SA*4500007777**20261102~\
CUR*BY*EUR~\
DTM*002*20261120~\
DTM*010*20261118~\
PO1*10*100*EA*2.50**BP*M-FLANGE-40~\
PO1*20*24*EA*1.50**BP*M-GASKET~\
CTT*2~\
SE*9*0001~\
GE*1*1~\
IEA*1*000000001~";

const ACK_855: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261103*0900*U*00401*000000002*0*P*>~\
GS*PR*ACMESUPPLY*BUYERCO*20261103*0900*2*X*004010~\
ST*855*0001~\
BAK*00*AC*4500007777*20261102~\
PO1*10*100*EA*2.50**BP*M-FLANGE-40~\
ACK*IA*100*EA*068*20261118~\
PO1*20*24*EA*1.50**BP*M-GASKET~\
ACK*IA*24*EA*067*20261125~\
CTT*2~\
SE*8*0001~\
GE*1*2~\
IEA*1*000000002~";

const NOTICE_856: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261118*0900*U*00401*000000003*0*P*>~\
GS*SH*ACMESUPPLY*BUYERCO*20261118*0900*3*X*004010~\
ST*856*0001~\
BSN*00*SHP-7777*20261118*0900~\
HL*1**S~\
HL*2*1*O~\
PRF*4500007777~\
HL*3*2*I~\
LIN**BP*M-FLANGE-40~\
SN1**100*EA~\
HL*4*2*I~\
LIN*20*BP*M-GASKET~\
SN1**24*EA~\
CTT*4~\
SE*13*0001~\
GE*1*3~\
IEA*1*000000003~";

const INVOICE_810: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261121*0900*U*00401*000000004*0*P*>~\
GS*IN*ACMESUPPLY*BUYERCO*20261121*0900*4*X*004010~\
ST*810*0001~\
BIG*20261121*INV-7777**4500007777~\
CUR*SE*EUR~\
IT1*10*100*EA*2.50**BP*M-FLANGE-40~\
IT1*20*24*EA*1.50**BP*M-GASKET~\
TDS*31100~\
SAC*C*D240***2500~\
CTT*2~\
SE*9*0001~\
GE*1*4~\
IEA*1*000000004~";

#[test]
fn an_850_is_the_order_and_freight_in_sac_counts_in_the_invoice_total() {
    let dir = tempfile::tempdir().expect("dir");
    let paths = [
        write(dir.path(), "850.x12", ORDER_850),
        write(dir.path(), "855.x12", ACK_855),
        write(dir.path(), "856.x12", NOTICE_856),
        write(dir.path(), "810.x12", INVOICE_810),
    ];
    let args: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (status, out, err) = run(&args, &[]);
    assert_eq!(status, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    // Line 10: shipment promised on the requested ship date; line 10 shipped without a line
    // number, joined on the buyer's part; freight 25.00 in the 311.00 total. Line 20:
    // delivery promised on the 25th, the 20th requested.
    assert_eq!(
        findings(&report),
        vec![(
            "ack_date_changed".to_owned(),
            "20".to_owned(),
            "4500007777".to_owned()
        )]
    );
    assert_eq!(report["invoices"][0]["charges"], "25.00");
    assert_eq!(report["lines"][0]["shipped"]["quantity"], "100");
    assert_eq!(report["lines"][0]["ordered"]["ship_date"], "2026-11-18");
}

const INVOIC: &str = "UNA:+.? '\
UNB+UNOC:3+ACMESUPPLY:ZZ+BUYERCO:ZZ+261121:0900+5'\
UNH+1+INVOIC:D:96A:UN'\
BGM+380+INV-E-7777+9'\
DTM+137:20261121:102'\
RFF+ON:4500007777'\
CUX+2:EUR:4'\
ALC+C++++FC'\
MOA+23:25.00'\
ALC+A++++DI'\
MOA+204:10.00'\
LIN+10++M-FLANGE-40:IN'\
QTY+47:100:EA'\
MOA+203:250.00'\
PRI+AAA:2.50'\
LIN+20++M-GASKET:IN'\
QTY+47:24:EA'\
MOA+203:36.00'\
PRI+AAA:1.50'\
UNS+S'\
MOA+79:286.00'\
MOA+77:301.00'\
UNT+21+1'\
UNZ+1+5'";

#[test]
fn charges_and_allowances_in_alc_count_and_a_missing_one_is_a_total_mismatch() {
    let dir = tempfile::tempdir().expect("dir");
    let order = write(dir.path(), "850.x12", ORDER_850);
    let invoice = write(dir.path(), "invoic.edi", INVOIC);
    let (status, out, err) = run(&[&order, &invoice], &["--as-of", "2026-12-01"]);
    assert_eq!(status, 0, "{err}");
    let report: Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(report["invoices"][0]["charges"], "15.00");
    assert_eq!(
        findings(&report),
        vec![
            (
                "awaiting_acknowledgment".to_owned(),
                String::new(),
                String::new()
            ),
            (
                "awaiting_ship_notice".to_owned(),
                String::new(),
                String::new()
            ),
        ]
    );
    let wrong = write(
        dir.path(),
        "invoic-wrong.edi",
        &INVOIC.replace("MOA+77:301.00", "MOA+77:286.00"),
    );
    let (_, out, _) = run(&[&order, &wrong], &[]);
    let report: Value = serde_json::from_str(&out).expect("json report");
    assert_eq!(findings(&report)[0].0, "invoice_total_mismatch");
}

#[test]
fn unreadable_input_and_bad_usage_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let order = write(dir.path(), "order.json", "{\"nothing\": 1}");
    let (status, _, err) = run(&[&order], &[]);
    assert_eq!(status, 1);
    assert!(err.contains("order.json"), "{err}");
    let (status, _, err) = run(&[], &[]);
    assert_eq!(status, 2);
    assert!(err.contains("usage"), "{err}");
}
