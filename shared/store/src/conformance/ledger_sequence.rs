//! Ledger conformance of [`Sequence`]: numbers once per identity, never shared, wrapping.

use std::collections::HashSet;
use std::sync::Arc;

use crate::ledger::Sequence;
use crate::testing::LedgerUnderTest;

/// An identity asking again gets its number back; the next identity gets the next number.
pub async fn a_sequence_gives_an_identity_its_number_again_and_the_next_one_to_another(
    t: &LedgerUnderTest,
) {
    let sequence = Sequence::new("ack-control/ZZ:BUYERCO", 100_000_000, 999_999_999)
        .expect("a valid sequence");
    let first = sequence
        .number_for(t.ledger.as_ref(), "ZZ:ACMESUPPLY|000000905|ab12")
        .await
        .expect("a number");
    let again = sequence
        .number_for(t.ledger.as_ref(), "ZZ:ACMESUPPLY|000000905|ab12")
        .await
        .expect("the same number");
    let other = sequence
        .number_for(t.ledger.as_ref(), "ZZ:ACMESUPPLY|000000906|cd34")
        .await
        .expect("another number");
    assert_eq!(first, 100_000_000);
    assert_eq!(again, first);
    assert_eq!(other, 100_000_001);
    assert!(Sequence::new("backwards", 10, 9).is_err());
}

/// Sixteen identities asking at once (twice each) get sixteen distinct numbers, and each
/// identity's two answers agree.
pub async fn sixteen_identities_racing_for_a_sequence_get_sixteen_distinct_numbers(
    t: &LedgerUnderTest,
) {
    let sequence = Arc::new(Sequence::new("race", 1, 1_000).expect("a valid sequence"));
    let asks = (0..32).map(|n| {
        let ledger = Arc::clone(&t.ledger);
        let sequence = Arc::clone(&sequence);
        let identity = format!("interchange-{}", n % 16);
        tokio::spawn(async move {
            let number = sequence.number_for(ledger.as_ref(), &identity).await;
            (identity, number)
        })
    });
    let mut by_identity = std::collections::HashMap::new();
    for outcome in futures::future::join_all(asks).await {
        let (identity, number) = outcome.expect("task");
        let number = number.expect("a number under contention");
        let previous = by_identity.insert(identity.clone(), number);
        assert!(
            previous.is_none_or(|p| p == number),
            "{identity} got {previous:?} and {number}"
        );
    }
    let distinct: HashSet<u64> = by_identity.values().copied().collect();
    assert_eq!(by_identity.len(), 16);
    assert_eq!(distinct.len(), 16, "numbers were shared: {by_identity:?}");
    assert!(
        distinct.iter().all(|n| (1..=16).contains(n)),
        "{distinct:?}"
    );
}

/// After its last number a sequence starts again at its first.
pub async fn a_sequence_wraps_around_after_its_last_number(t: &LedgerUnderTest) {
    let sequence = Sequence::new("tiny", 7, 8).expect("a valid sequence");
    let mut numbers = Vec::new();
    for identity in ["a", "b", "c"] {
        numbers.push(
            sequence
                .number_for(t.ledger.as_ref(), identity)
                .await
                .expect("a number"),
        );
    }
    assert_eq!(numbers, [7, 8, 7]);
}

/// What the first ask keeps beside a number (an acknowledgment's preparation time) comes
/// back on every later ask, whatever those pass; a number given without it answers `Null`.
pub async fn what_is_kept_with_a_number_comes_back_with_it(t: &LedgerUnderTest) {
    let sequence = Sequence::new("kept", 1, 100).expect("a valid sequence");
    let first = sequence
        .number_with(
            t.ledger.as_ref(),
            "a",
            serde_json::json!({"prepared_at": 1_795_000_000}),
        )
        .await
        .expect("a number");
    let again = sequence
        .number_with(
            t.ledger.as_ref(),
            "a",
            serde_json::json!({"prepared_at": 1_795_000_999}),
        )
        .await
        .expect("the same number");
    assert_eq!(
        first,
        (1, serde_json::json!({"prepared_at": 1_795_000_000}))
    );
    assert_eq!(again, first, "the first ask's value, not the re-run's");
    let plain = sequence
        .number_for(t.ledger.as_ref(), "b")
        .await
        .expect("a number");
    let kept = sequence
        .number_with(
            t.ledger.as_ref(),
            "b",
            serde_json::json!({"prepared_at": 5}),
        )
        .await
        .expect("the same number");
    assert_eq!(kept, (plain, serde_json::Value::Null));
}
