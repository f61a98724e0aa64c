//! The outcome corpus: broken and borderline partner files, each with the judgment a careful
//! translator gives it — verdict, errors, warnings, acknowledgment — run through the library
//! (slice and stream) and through the `gridlink-edi` binary (`check` and `ack`).
//!
//! The cases are `tests/corpus/*` and their expectations `tests/corpus/manifest.json`. For
//! every case `check` and `ack` must agree: `check` exits 1 exactly when the acknowledgment
//! rejects something, and a file `check` accepts gets an acknowledgment without an `R`.

mod common_fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;

use common_fixtures::judgment_of;
use gridlink_edi::{
    AckKind, AckOptions, Report, Verdict, ack_for, parse_interchanges, validate,
    validate_reader_keeping,
};
use serde::Deserialize;

/// One corpus file and what must come of it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// File name under `tests/corpus/`.
    file: String,
    /// What the case is about (printed when it fails).
    about: String,
    verdict: Verdict,
    /// The `kind` of every error (rejecting or noted), in input order.
    #[serde(default)]
    errors: Vec<String>,
    /// The `kind` of every warning, in input order.
    #[serde(default)]
    warnings: Vec<String>,
    /// Segments `check` counts, when the case is about counting.
    #[serde(default)]
    segments: Option<u64>,
    /// Interchanges read, when the case is about batches.
    #[serde(default)]
    interchanges: Option<u64>,
    /// Segments the acknowledgment must contain (without dates, so the binary's match too).
    #[serde(default)]
    ack: Vec<String>,
    /// True when no acknowledgment can be addressed (no readable interchange header).
    #[serde(default)]
    unaddressable: bool,
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("the manifest parses")
}

fn kinds<'a>(errors: impl IntoIterator<Item = &'a gridlink_edi::EdiError>) -> Vec<String> {
    errors
        .into_iter()
        .map(|e| {
            serde_json::to_value(e).expect("errors serialise")["kind"]
                .as_str()
                .expect("a kind")
                .to_owned()
        })
        .collect()
}

fn options(kind: AckKind) -> AckOptions {
    AckOptions {
        kind,
        control_number: 500,
        sender: None,
        prepared_at: common_fixtures::prepared_at(),
    }
}

fn ack_kind(report: &Report) -> AckKind {
    match report.syntax {
        Some(gridlink_edi::Syntax::Edifact) => AckKind::Contrl,
        _ => AckKind::Ack997,
    }
}

#[test]
fn every_corpus_file_has_a_case_and_every_case_a_file() {
    let mut listed: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    listed.sort();
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "manifest.json")
        .collect();
    files.sort();
    assert_eq!(listed, files);
}

/// Runs `judge` on every case and fails listing every case that failed, not only the first.
fn for_every_case(judge: impl Fn(&Case)) {
    let failed: Vec<String> = cases()
        .iter()
        .filter_map(|case| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| judge(case)))
                .err()
                .map(|_| case.file.clone())
        })
        .collect();
    assert!(failed.is_empty(), "failed cases (see above): {failed:?}");
}

#[test]
fn the_library_judges_every_case_as_the_manifest_says() {
    for_every_case(|case| {
        let name = format!("{} ({})", case.file, case.about);
        let bytes = std::fs::read(corpus_dir().join(&case.file)).expect("corpus file");
        let report = validate(&bytes);
        assert_eq!(report.verdict(), case.verdict, "{name}: {report:#?}");
        assert_eq!(kinds(report.errors()), case.errors, "{name}");
        assert_eq!(kinds(report.warnings()), case.warnings, "{name}");
        for warning in report.warnings() {
            assert!(
                warning.position().offset <= bytes.len() as u64,
                "{name}: {warning}"
            );
        }
        if let Some(segments) = case.segments {
            assert_eq!(report.counts.segments, segments, "{name}");
        }
        if let Some(interchanges) = case.interchanges {
            assert_eq!(report.counts.interchanges, interchanges, "{name}");
        }
        let streamed = validate_reader_keeping(&bytes[..], true).expect("in memory");
        assert_eq!(streamed, report, "{name}: the stream reader differs");
        assert_eq!(
            parse_interchanges(&bytes).is_ok(),
            case.verdict != Verdict::Rejected,
            "{name}: parse_interchanges disagrees with the verdict"
        );
        let ack = ack_for(&report, &options(ack_kind(&report)));
        if case.unaddressable {
            assert!(ack.is_err(), "{name}");
            return;
        }
        let ack = ack.unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8_lossy(&ack);
        for expected in &case.ack {
            assert!(
                text.contains(expected.as_str()),
                "{name}: {expected} not in\n{text}"
            );
        }
        assert_eq!(
            judgment_of(&ack),
            case.verdict,
            "{name}: the ack disagrees\n{text}"
        );
    });
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gridlink-edi"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn check_and_ack_give_every_case_the_manifest_judgment() {
    for_every_case(|case| {
        let name = format!("{} ({})", case.file, case.about);
        let path = corpus_dir().join(&case.file);
        let check = run(&["check", path_arg(&path)]);
        let expected_exit = i32::from(case.verdict == Verdict::Rejected);
        assert_eq!(check.status.code(), Some(expected_exit), "{name}");
        let stdout = String::from_utf8_lossy(&check.stdout);
        let stderr = String::from_utf8_lossy(&check.stderr);
        let error_lines = stdout
            .lines()
            .filter(|l| l.starts_with("error ") || l.starts_with("note "))
            .count();
        assert_eq!(error_lines, case.errors.len(), "{name}:\n{stdout}");
        let warning_lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(
            warning_lines.len(),
            case.warnings.len(),
            "{name}:\n{stderr}"
        );
        for line in &warning_lines {
            assert!(line.starts_with("warning offset="), "{name}: {line}");
        }
        if let Some(segments) = case.segments {
            assert!(
                stdout.contains(&format!(" segments={segments}\n")),
                "{name}: {stdout}"
            );
        }
        let ack = run(&["ack", path_arg(&path), "--control-number", "500"]);
        if case.unaddressable {
            assert_eq!(ack.status.code(), Some(2), "{name}");
            return;
        }
        assert_eq!(ack.status.code(), Some(0), "{name}");
        let text = String::from_utf8_lossy(&ack.stdout);
        for expected in &case.ack {
            assert!(
                text.contains(expected.as_str()),
                "{name}: {expected} not in\n{text}"
            );
        }
        assert_eq!(
            judgment_of(&ack.stdout),
            case.verdict,
            "{name}: check and ack disagree\n{text}"
        );
    });
}
