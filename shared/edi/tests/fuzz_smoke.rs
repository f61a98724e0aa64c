//! The proptest fuzz smoke CI runs (cargo-fuzz needs a nightly toolchain; see docs/edi.md):
//! arbitrary bytes and mutated seed files never panic, every error carries a position inside
//! the input, the streaming reader — fed a few bytes at a time — finds exactly what the slice
//! reader finds, and the acknowledgment rejects something exactly when the report rejects the
//! file (one judgment drives both).

mod common_fixtures;

use std::io::Read;

use common_fixtures::fixture;
use gridlink_edi::token::Segments;
use gridlink_edi::{
    AckKind, AckOptions, Report, Verdict, ack_for, parse_interchanges, validate,
    validate_reader_keeping,
};
use proptest::prelude::*;

const SEEDS: [&str; 20] = [
    "x12/850_purchase_order.x12",
    "x12/855_order_ack.x12",
    "x12/856_ship_notice.x12",
    "x12/810_invoice.x12",
    "x12/214_shipment_status.x12",
    "x12/860_order_change.x12",
    "x12/865_order_change_ack.x12",
    "x12/997_rejected.x12",
    "x12/999_implementation_ack.x12",
    "edifact/orders_purchase_order.edi",
    "edifact/ordrsp_order_ack.edi",
    "edifact/desadv_ship_notice.edi",
    "edifact/invoic_invoice.edi",
    "edifact/iftsta_shipment_status.edi",
    "edifact/ordchg_order_change.edi",
    "edifact/ordrsp_order_change_response.edi",
    "edifact/contrl_rejected.edi",
    "bad/short_isa.x12",
    "bad/truncated.edi",
    "bad/wrong_counts.x12",
];

/// A reader that hands out at most `step` bytes per call, to cut segments at every boundary.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn check_positions(report: &Report, len: usize) {
    for error in report.errors() {
        let at = error.position();
        assert!(
            at.offset <= len as u64,
            "{error} is outside the {len}-byte input"
        );
        if at.segment_in_message.is_some() {
            assert!(
                at.segment > 0 && at.tag.is_some(),
                "{error} has a message position but no segment"
            );
        }
    }
}

fn exercise(bytes: &[u8], step: usize) {
    let report = validate(bytes);
    check_positions(&report, bytes.len());
    let streamed =
        validate_reader_keeping(Trickle { data: bytes, step }, true).expect("test data is valid");
    assert_eq!(
        streamed, report,
        "streaming in {step}-byte reads differs from the slice reader"
    );
    let _ = parse_interchanges(bytes);
    if let Ok(segments) = Segments::new(bytes) {
        for segment in segments.take(10_000).flatten() {
            let _ = segment
                .elements()
                .map(|e| e.components().count())
                .sum::<usize>();
        }
    }
    let prepared_at = common_fixtures::prepared_at();
    for kind in [AckKind::Ack997, AckKind::Ack999, AckKind::Contrl] {
        let ack = ack_for(
            &report,
            &AckOptions {
                kind,
                control_number: 7,
                sender: None,
                prepared_at,
            },
        );
        if let Ok(ack) = ack
            && parse_interchanges(&ack).is_ok()
        {
            assert_eq!(
                common_fixtures::judgment_of(&ack) == Verdict::Rejected,
                report.must_reject(),
                "check and ack disagree on {:?}\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&ack)
            );
        }
    }
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
    let special = prop::sample::select(b"*~>^+:'?\r\nISAUNBGSTSEUNHUNT0123456789 ".to_vec());
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
                let start = at % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start.min(end)..end);
            }
            Mutation::Insert { at, bytes: extra } => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, extra.iter().copied());
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600), step in 1usize..9) {
        exercise(&bytes, step);
    }

    #[test]
    fn bytes_after_a_valid_header_never_panic(
        header in prop::sample::select(vec![&b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*>~"[..], b"UNA:+.? 'UNB+UNOC:3+A:1+B:1+240101:1200+1'", b"UNB+UNOC:4+A+B+1+2'"]),
        tail in prop::collection::vec(prop_oneof![any::<u8>(), prop::sample::select(b"*~>+:'?UNHTSE".to_vec())], 0..400),
        step in 1usize..9,
    ) {
        let mut bytes = header.to_vec();
        bytes.extend(tail);
        exercise(&bytes, step);
    }

    #[test]
    fn mutated_seed_files_never_panic(seed in 0usize..SEEDS.len(), mutations in prop::collection::vec(mutation(), 1..5), step in 1usize..64) {
        let bytes = apply(fixture(SEEDS[seed]), &mutations);
        exercise(&bytes, step);
    }
}

#[test]
fn the_seed_files_stream_identically_in_one_byte_reads() {
    for seed in SEEDS {
        exercise(&fixture(seed), 1);
    }
}
