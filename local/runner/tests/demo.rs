//! The README's main job, as a user runs it: the built `gridlink-local` binary's `demo` command
//! (`cargo run --profile local -p gridlink-local -- demo`; here the test profile's build, on a
//! fresh data directory). It starts the local stack on the embedded defaults and drives all seven
//! use cases through the simulators; this test holds it to its word: exit status 0, a report in
//! which every function of the manifest has a step that passed, no step failed and none is
//! "not implemented".
//! Without it, nothing in `bash scripts/test.sh` would notice the main job breaking.

use std::process::Command;

#[test]
fn the_demo_drives_every_use_case_and_every_step_passes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data_dir = dir.path().join("demo");
    let output = Command::new(env!("CARGO_BIN_EXE_gridlink-local"))
        .arg("demo")
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .expect("gridlink-local runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let context = || {
        format!(
            "stdout:\n{stdout}\nstderr (last 4 000 bytes):\n{}",
            tail(&stderr)
        )
    };
    assert!(
        output.status.success(),
        "the demo exits 0 ({}); {}",
        output.status,
        context()
    );

    // The report's last count line: "demo: N passed, F failed, X use case(s) not implemented".
    let counts = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with("demo: "))
        .unwrap_or_else(|| panic!("the report's count line; {}", context()));
    assert!(
        counts.contains(" 0 failed,") && counts.ends_with(" 0 use case(s) not implemented"),
        "no step failed and every use case is built: {counts:?}; {}",
        context()
    );

    // Each use case has at least one step that passed: "[ok  ] <use case> ...".
    let passed: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("[ok  ] "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    // Every function of the manifest (the seven use cases), by the name the report gives it.
    let functions = gridlink_lambda::manifest::FUNCTIONS;
    assert_eq!(functions.len(), 7, "the README's seven use cases");
    for use_case in functions.iter().map(|f| f.name) {
        assert!(
            passed.contains(&use_case),
            "{use_case} has a step that passed in the demo's report; {}",
            context()
        );
    }
    assert!(
        !stdout.contains("[FAIL]") && !stdout.contains("[n/i ]"),
        "no failed or unimplemented step in the report; {}",
        context()
    );
    // The demo keeps its data where it said, for `up --data-dir` afterwards.
    assert!(
        data_dir.is_dir(),
        "the demo's data stay in {}",
        data_dir.display()
    );
}

/// The last 4 000 bytes of `text` (a failing demo's log is long), cut at a character boundary.
fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(4_000);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
