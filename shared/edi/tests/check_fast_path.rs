//! `gridlink-edi check` (and every report and acknowledgment) reads transactions with a
//! validation-only pass of the typed readers: no document kept, each segment split once for the
//! reader and the length warnings. These tests hold it to the full read — the canonical
//! document's errors followed by the transaction's warnings — on every fixture, on the sample
//! batches `scripts/bench-edi.sh` measures, and on many mutations of each, so that the fast
//! path cannot drift from the full path.

use std::path::Path;

use gridlink_edi::fuzz_targets::check_agrees_with_full_read;
use gridlink_edi::{sample, write_edifact_batch, write_x12_batch};

/// Every file of the fixture and corpus directories.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    for dir in ["fixtures/x12", "fixtures/edifact", "fixtures/bad", "corpus"] {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("the test directories exist")
            .map(|e| e.expect("a readable directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e != "json"))
            .collect();
        entries.sort();
        for path in entries {
            let bytes = std::fs::read(&path).expect("a readable fixture");
            // The 2 GB-declaring fixture is small; anything large is not a fixture.
            assert!(bytes.len() < 1 << 20, "{}", path.display());
            files.push((path.display().to_string(), bytes));
        }
    }
    files
}

/// The sample batches of the benchmark: 850s and INVOICs, three of each.
fn samples() -> Vec<(String, Vec<u8>)> {
    let params = sample::envelope("BUYERCO", "ACMESUPPLY");
    let orders: Vec<_> = (0..3).map(sample::purchase_order).collect();
    let invoices: Vec<_> = (0..3).map(sample::invoice).collect();
    vec![
        (
            "sample 850 batch".to_owned(),
            write_x12_batch(&orders, &params).expect("the sample writes"),
        ),
        (
            "sample INVOIC batch".to_owned(),
            write_edifact_batch(&invoices, &params).expect("the sample writes"),
        ),
    ]
}

/// Bytes that mean something to one syntax or the other (delimiters, release, digits, a
/// decimal mark, letters, UTF-8 and control bytes).
const REPLACEMENTS: &[u8] = b"*~+:'?.,-9AX \n\x00\x01\x80\xC3\xFF";

#[test]
fn check_agrees_with_the_full_read_on_every_fixture_and_sample() {
    for (name, bytes) in inputs().into_iter().chain(samples()) {
        eprintln!("{name}");
        check_agrees_with_full_read(&bytes);
    }
}

#[test]
fn check_agrees_with_the_full_read_on_mutated_inputs() {
    let mut cases = 0usize;
    for (name, bytes) in inputs().into_iter().chain(samples()) {
        for i in 0..bytes.len() {
            // Every position gets one replacement (taken in turn) and a deletion, every 13th
            // all the replacements, every other one a doubling of its byte.
            let all = i % 13 == 0;
            for (r, &byte) in REPLACEMENTS.iter().enumerate() {
                if !all && r != i % REPLACEMENTS.len() {
                    continue;
                }
                let mut mutated = bytes.clone();
                mutated[i] = byte;
                check_agrees_with_full_read(&mutated);
                cases += 1;
            }
            let mut deleted = bytes.clone();
            deleted.remove(i);
            check_agrees_with_full_read(&deleted);
            cases += 1;
            if i % 2 == 0 {
                let mut doubled = bytes.clone();
                doubled.insert(i, bytes[i]);
                check_agrees_with_full_read(&doubled);
                cases += 1;
            }
        }
        // Over-long elements (length warnings, very large elements): text inserted after
        // every element separator of the first 40 segments.
        for (i, _) in bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'*' || b == b'+' || b == b':')
            .take(200)
        {
            for run in [40, 5000] {
                let mut long = bytes[..=i].to_vec();
                long.extend(std::iter::repeat_n(b'7', run));
                long.extend_from_slice(&bytes[i + 1..]);
                check_agrees_with_full_read(&long);
                cases += 1;
            }
        }
        eprintln!("{name}: {cases} inputs so far");
    }
    assert!(cases > 10_000, "only {cases} mutated inputs");
}

/// A transaction too large to be indexed whole (over 1 MiB) is checked segment by segment: the
/// same errors and warnings (very large elements among them).
#[test]
fn check_agrees_with_the_full_read_on_a_transaction_too_large_to_index_whole() {
    let (_, batch) = samples().pop().expect("the INVOIC batch");
    let bgm = batch
        .windows(4)
        .position(|w| w == b"BGM+")
        .expect("an INVOIC has a BGM");
    let after = bgm
        + batch[bgm..]
            .iter()
            .position(|&b| b == b'\'')
            .expect("a terminator")
        + 1;
    let mut large = batch[..after].to_vec();
    for i in 0..300 {
        large.extend(format!("FTX+AAI+++{}:{}'", "X".repeat(3900 + i), "Y".repeat(i)).bytes());
    }
    large.extend_from_slice(&batch[after..]);
    assert!(large.len() > 1 << 20);
    check_agrees_with_full_read(&large);
}
