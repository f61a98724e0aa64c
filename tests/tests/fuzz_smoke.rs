//! The proptest smoke of the cargo-fuzz targets (`fuzz/`, docs/fuzzing.md), on stable, in
//! `cargo test`: every target function the fuzzer runs, run here on arbitrary bytes and on
//! mutated seeds (the fuzz project's seed corpus), a bounded number of cases each. A target
//! panics on a bug (a panic in the reader or a broken invariant), so a failing case here is a
//! bug to fix with a regression test in the owning crate.

use std::path::PathBuf;

use proptest::prelude::*;

/// The targets, by their cargo-fuzz name, and the function both run.
type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("tg_webhook", gridlink_flow::fuzz_targets::tg_webhook_body),
    ("xecm_push", gridlink_flow::fuzz_targets::xecm_push_body),
    (
        "signature_headers",
        gridlink_flow::fuzz_targets::signature_headers,
    ),
    (
        "unmatched_assign",
        gridlink_inbound::fuzz_targets::assign_body,
    ),
    (
        "unmatched_reject",
        gridlink_inbound::fuzz_targets::reject_body,
    ),
    ("edi_read", gridlink_edi::fuzz_targets::read_and_validate),
    ("edi_typed", gridlink_edi::fuzz_targets::typed_roundtrip),
    (
        "edi_order_changes",
        gridlink_edi::fuzz_targets::order_changes,
    ),
    ("edi_acks", gridlink_edi::fuzz_targets::acknowledgments),
    (
        "functional_ack",
        order_reconcile::fuzz_targets::functional_ack,
    ),
];

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The committed seeds of a target (`fuzz/corpus/<target>/seed-*`).
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-"))
        })
        .map(|path| std::fs::read(&path).expect("a seed reads"))
        .collect();
    seeds.sort();
    seeds
}

fn target(name: &str) -> Target {
    TARGETS
        .iter()
        .find_map(|(n, f)| (*n == name).then_some(*f))
        .unwrap_or_else(|| panic!("no target {name}"))
}

#[test]
fn every_cargo_fuzz_target_is_smoked_here_and_has_seeds() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let fuzzed: Vec<&str> = manifest
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .filter(|name| *name != "gridlink-fuzz")
        .collect();
    let smoked: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(fuzzed, smoked, "fuzz/Cargo.toml's targets and this smoke's");
    for (name, run) in TARGETS {
        let seeds = seeds(name);
        assert!(!seeds.is_empty(), "{name} has no seed");
        for seed in seeds {
            run(&seed);
        }
    }
}

/// Cases per target and input kind: 64 in CI; `FUZZ_SMOKE_CASES=N` for a long run by hand
/// (how the targets that need the AWS SDK were run at length, see docs/fuzzing.md).
fn cases() -> u32 {
    std::env::var("FUZZ_SMOKE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Duplicate { at: usize, len: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop::sample::select(
        b"*~>^+:'?\r\n\0\"{}[],-0123456789 ISAUNBGSTSEUNHUNTnulltrue\xc3\xa4\x7f".to_vec(),
    );
    prop_oneof![
        (any::<usize>(), prop_oneof![any::<u8>(), special.clone()])
            .prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), prop::collection::vec(special, 1..6))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..200).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip { at, byte } => {
                if !bytes.is_empty() {
                    bytes[at % len] = *byte;
                }
            }
            Mutation::Delete { at, len: n } => {
                let start = (at % len).min(bytes.len());
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Insert { at, bytes: insert } => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, insert.iter().copied());
            }
            Mutation::Duplicate { at, len: n } => {
                let start = (at % len).min(bytes.len());
                let end = (start + n).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Truncate { at } => bytes.truncate(at % len),
        }
    }
    bytes
}

macro_rules! smoke {
    ($($test:ident => $name:literal),* $(,)?) => {$(
        proptest! {
            #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]
            #[test]
            fn $test(
                random in prop::collection::vec(any::<u8>(), 0..512),
                seed in any::<prop::sample::Index>(),
                mutations in prop::collection::vec(mutation(), 1..8),
            ) {
                let run = target($name);
                run(&random);
                let seeds = seeds($name);
                run(&apply(seed.get(&seeds).clone(), &mutations));
            }
        }
    )*};
}

smoke! {
    tg_webhook => "tg_webhook",
    xecm_push => "xecm_push",
    signature_headers => "signature_headers",
    unmatched_assign => "unmatched_assign",
    unmatched_reject => "unmatched_reject",
    edi_read => "edi_read",
    edi_typed => "edi_typed",
    edi_order_changes => "edi_order_changes",
    edi_acks => "edi_acks",
    functional_ack => "functional_ack",
}

/// The EDI targets on what follows a valid interchange header (where the envelope readers do
/// most of their work), and the streaming reader at every read size from 1 to 63 bytes — the
/// `edi_read` target takes its read size from the first byte, which a header fixes.
const EDI_HEADERS: [&[u8]; 3] = [
    b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*>~",
    b"UNA:+.? 'UNB+UNOC:3+A:1+B:1+240101:1200+1'",
    b"UNB+UNOC:4+A+B+1+2'",
];

const EDI_TARGETS: [&str; 4] = ["edi_read", "edi_typed", "edi_order_changes", "edi_acks"];

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edi_bytes_after_a_valid_header(
        header in prop::sample::select(EDI_HEADERS.to_vec()),
        tail in prop::collection::vec(
            prop_oneof![any::<u8>(), prop::sample::select(b"*~>+:'?UNHTSEGSGE\r\n".to_vec())],
            0..400,
        ),
        step in 1usize..64,
    ) {
        let mut bytes = header.to_vec();
        bytes.extend(tail);
        gridlink_edi::fuzz_targets::streams_alike(&bytes, step);
        for name in EDI_TARGETS {
            target(name)(&bytes);
        }
    }

    #[test]
    fn edi_mutated_seeds_stream_alike_at_any_read_size(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
        step in 1usize..64,
    ) {
        let seeds = seeds("edi_read");
        gridlink_edi::fuzz_targets::streams_alike(&apply(seed.get(&seeds).clone(), &mutations), step);
    }
}

#[test]
fn edi_seeds_stream_alike_in_one_byte_reads() {
    for seed in seeds("edi_read") {
        gridlink_edi::fuzz_targets::streams_alike(&seed, 1);
    }
}

/// Every input a libFuzzer run found (`fuzz/regressions/<target>-…`) is replayed through its
/// target; each also has a regression test in the owning crate.
#[test]
fn the_regression_inputs_pass_their_targets() {
    let dir = fuzz_dir().join("regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a regression entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some((_, run)) = TARGETS
            .iter()
            .find(|(t, _)| name.starts_with(&format!("{t}-")))
        else {
            panic!("{name}: a regression input is named <target>-<what>");
        };
        run(&std::fs::read(&path).expect("a regression input reads"));
        replayed += 1;
    }
    assert!(replayed > 0, "no regression input in {}", dir.display());
}
