//! The fuzz targets of the EDI readers, shared by the cargo-fuzz project (`fuzz/` at the
//! repository root, nightly) and the proptest smoke in `cargo test` (`tests/tests/fuzz_smoke.rs`
//! in `gridlink-tests`): both run exactly this code. Each takes arbitrary bytes and panics only
//! on a bug (a panic in a reader, or a broken invariant). See `docs/fuzzing.md`.

use std::io::Read;

use crate::token::Segments;
use crate::{
    AckKind, AckOptions, BusinessDocument, EnvelopeParams, PartyId, Syntax, ack_for,
    parse_interchanges, validate, validate_reader_keeping,
};

fn prepared_at() -> time::PrimitiveDateTime {
    time::macros::datetime!(2024-01-15 10:45)
}

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

/// Interchange reading and validation, X12 and EDIFACT (the `gridlink-edi check` path): the
/// tokeniser walks every element, component and repetition; then [`streams_alike`], with a read
/// size of 1–31 bytes taken from the first byte.
pub fn read_and_validate(data: &[u8]) {
    if let Ok(segments) = Segments::new(data) {
        for segment in segments.take(20_000).flatten() {
            for element in segment.elements() {
                let _ = element.text();
                for component in element.components() {
                    let _ = component.text();
                }
                let _ = element.repetitions().count();
            }
        }
    }
    let step = 1 + data.first().map_or(0, |b| usize::from(*b % 31));
    streams_alike(data, step);
    check_agrees_with_full_read(data);
}

/// `check`'s validation-only pass judges every transaction exactly as the full read: the
/// errors of [`crate::stream::Transaction::check`] are those of
/// [`crate::stream::Transaction::document`] followed by
/// [`crate::stream::Transaction::warnings`], in the same order, with the same positions.
pub fn check_agrees_with_full_read(data: &[u8]) {
    for item in crate::stream::SliceReader::new(data) {
        if let crate::stream::Item::Transaction(transaction) = item {
            let (_, mut full) = transaction.document();
            full.extend(transaction.warnings());
            assert_eq!(
                transaction.check(),
                full,
                "the validation-only pass of {} {} drifted from the full read",
                transaction.header().set_id,
                transaction.header().control_number
            );
        }
    }
}

/// The report's errors lie inside the input, and a message position implies a segment; the
/// streaming reader fed `step` bytes per read judges exactly as the slice reader.
pub fn streams_alike(data: &[u8], step: usize) {
    let report = validate(data);
    for error in report.errors() {
        let at = error.position();
        assert!(
            at.offset <= data.len() as u64,
            "{error} lies outside the {}-byte input",
            data.len()
        );
        if at.segment_in_message.is_some() {
            assert!(
                at.segment > 0 && at.tag.is_some(),
                "{error} has a message position but no segment"
            );
        }
    }
    let step = step.max(1);
    let streamed = validate_reader_keeping(Trickle { data, step }, true)
        .expect("an in-memory reader does not fail");
    assert_eq!(
        streamed, report,
        "streaming in {step}-byte reads judges differently from the slice reader"
    );
    let _ = report.verdict();
    let _ = report.warnings();
    let _ = report.rejected_outside_interchanges();
}

/// The typed readers of every kind (850/855/856/810/214/860/865/997/999 and their EDIFACT
/// peers): whatever reads is written back in its own syntax, and the written interchange
/// reads again as the same kinds of document.
pub fn typed_roundtrip(data: &[u8]) {
    let Ok(interchanges) = parse_interchanges(data) else {
        return;
    };
    let params = EnvelopeParams {
        sender: PartyId::new("ZZ", "FUZZ"),
        receiver: PartyId::new("ZZ", "TARGET"),
        interchange_control_number: 1,
        group_control_number: 1,
        first_transaction_control_number: 1,
        application_sender: None,
        application_receiver: None,
        prepared_at: prepared_at(),
        test: true,
    };
    for interchange in interchanges {
        for document in &interchange.documents {
            let _ = document.business_keys();
            let _ = document.po_numbers();
            let written = match interchange.header.syntax {
                Syntax::X12 => crate::write_x12(document, &params),
                Syntax::Edifact => crate::write_edifact(document, &params),
            };
            // A document the writer refuses (a field it cannot express) is not a reader bug.
            if let Ok(bytes) = written {
                let _ = parse_interchanges(&bytes);
            }
        }
    }
}

/// Purchase order changes (X12 860 / EDIFACT ORDCHG) and their answers (865 / ORDRSP): every
/// change that reads can be answered in both syntaxes, and each answer writes.
pub fn order_changes(data: &[u8]) {
    let Ok(interchanges) = parse_interchanges(data) else {
        return;
    };
    for interchange in interchanges {
        for document in interchange.documents {
            match document {
                BusinessDocument::PurchaseOrderChange(change) => {
                    let x12 = change.answer_x12(None, |_| crate::LineStatus::Accepted);
                    let edifact = change.answer_edifact(None, |_| crate::LineStatus::Rejected);
                    let _ = (x12.lines.len(), edifact.lines.len());
                }
                BusinessDocument::PurchaseOrderChangeAck(ack) => {
                    let _ = ack.lines.len();
                }
                _ => {}
            }
        }
    }
}

/// The functional acknowledgment gridlink answers with (997, 999, CONTRL): whenever the input
/// names whom to answer, each acknowledgment reads back as one functional acknowledgment, and
/// it rejects something exactly when the report rejects the input.
pub fn acknowledgments(data: &[u8]) {
    let report = validate(data);
    for kind in [AckKind::Ack997, AckKind::Ack999, AckKind::Contrl] {
        let options = AckOptions {
            kind,
            control_number: 7,
            sender: None,
            prepared_at: prepared_at(),
        };
        let Ok(ack) = ack_for(&report, &options) else {
            continue;
        };
        // The ack echoes the partner's envelope ids; an ack that does not read back (ids with
        // characters the partner's own syntax allowed) is judged by the input's report alone.
        let Ok(read) = parse_interchanges(&ack) else {
            continue;
        };
        let mut rejecting = false;
        if let Ok(segments) = Segments::new(&ack) {
            for segment in segments.flatten() {
                if segment.is(b"TA1") {
                    rejecting |= !matches!(segment.element(4).raw(), b"A" | b"E");
                }
            }
        }
        for interchange in read {
            for document in interchange.documents {
                let BusinessDocument::FunctionalAck(ack) = document else {
                    panic!("an acknowledgment reads back as a {}", document.kind());
                };
                rejecting |= functional_ack_rejects(&ack);
            }
        }
        assert_eq!(
            rejecting,
            report.must_reject(),
            "the {kind:?} and the report disagree on whether the input is rejected"
        );
    }
}

/// Whether a functional acknowledgment rejects anything (an `R` or `P` anywhere).
pub fn functional_ack_rejects(ack: &crate::FunctionalAck) -> bool {
    use crate::AckStatus::{PartiallyAccepted, Rejected};
    let bad = |s: &crate::AckStatus| matches!(s, Rejected | PartiallyAccepted);
    ack.interchange.as_ref().is_some_and(|i| bad(&i.status))
        || ack
            .groups
            .iter()
            .any(|g| bad(&g.status) || g.transactions.iter().any(|t| bad(&t.status)))
        || ack.messages.iter().any(|t| bad(&t.status))
}
