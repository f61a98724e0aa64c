//! The fuzz target of the functional-acknowledgment classification (a partner's 997, 999 or
//! CONTRL about what gridlink sent), shared by the cargo-fuzz project (`fuzz/`, nightly) and
//! the proptest smoke in `cargo test` (`tests/tests/fuzz_smoke.rs`). See `docs/fuzzing.md`.

use gridlink_edi::{AckStatus, BusinessDocument};

use crate::reconcile::functional_ack::{FunctionalAckVerdict, classify};

/// Arbitrary bytes read as interchanges; every functional acknowledgment in them classifies
/// without panicking into one entry per answered transaction (or per group answered without
/// transactions, or the interchange when nothing else is answered), and a transaction the
/// partner rejected is never classified as accepted.
pub fn functional_ack(data: &[u8]) {
    let Ok(interchanges) = gridlink_edi::parse_interchanges(data) else {
        return;
    };
    for interchange in interchanges {
        for document in interchange.documents {
            let BusinessDocument::FunctionalAck(ack) = document else {
                continue;
            };
            let answered = classify(&ack);
            let expected = ack
                .groups
                .iter()
                .map(|g| g.transactions.len().max(1))
                .sum::<usize>()
                + ack.messages.len();
            let expected = if expected == 0 {
                usize::from(ack.interchange.is_some())
            } else {
                expected
            };
            assert_eq!(answered.len(), expected, "one entry per answered item");
            let rejected = ack
                .groups
                .iter()
                .flat_map(|g| &g.transactions)
                .chain(&ack.messages)
                .filter(|t| matches!(t.status, AckStatus::Rejected))
                .count();
            let classified_rejected = answered
                .iter()
                .filter(|a| a.verdict == FunctionalAckVerdict::Rejected)
                .count();
            assert!(
                classified_rejected >= rejected,
                "{rejected} rejected transactions, {classified_rejected} classified rejected"
            );
        }
    }
}
