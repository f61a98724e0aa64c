//! Ledger conformance: claims (Powertools-style idempotency).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::ledger::{id, now};
use crate::ledger::{Claim, ClaimPeek, ClaimToken, IndexName, LedgerError, NewRecord, Query};
use crate::testing::LedgerUnderTest;

const LEASE: Duration = Duration::from_secs(30);

async fn acquire(t: &LedgerUnderTest, key: &str, payload_hash: Option<&str>) -> ClaimToken {
    match t
        .ledger
        .claim(&id("webhook", key), LEASE, payload_hash)
        .await
    {
        Ok(Claim::Acquired { token, .. }) => token,
        other => panic!("expected to acquire {key}, got {other:?}"),
    }
}

/// Claim, complete with a result; later callers get the result instead of a lease.
pub async fn a_claim_is_acquired_and_its_result_is_returned_to_later_callers(t: &LedgerUnderTest) {
    let claim_id = id("webhook", "evt-1");
    let acquired = t
        .ledger
        .claim(&claim_id, LEASE, Some("h1"))
        .await
        .expect("claim");
    let Claim::Acquired { token, lease_until } = acquired else {
        panic!("expected Acquired, got {acquired:?}")
    };
    assert_eq!(lease_until, now(t) + LEASE);
    let result = json!({"document_id": 98_001, "filed": true});
    t.ledger
        .complete_claim(
            &claim_id,
            &token,
            result.clone(),
            Some(Duration::from_secs(3600)),
        )
        .await
        .expect("complete");
    for hash in [Some("h1"), None] {
        let again = t
            .ledger
            .claim(&claim_id, LEASE, hash)
            .await
            .expect("claim again");
        assert_eq!(
            again,
            Claim::AlreadyCompleted {
                result: result.clone()
            }
        );
    }
    assert!(matches!(
        t.ledger
            .complete_claim(&claim_id, &token, json!(1), None)
            .await,
        Err(LedgerError::ClaimLost { .. })
    ));
}

/// A peek answers what a claim would find — free, held until the lease ends, completed with
/// its result, another payload refused — and writes nothing: a peek of a free claim leaves
/// it free for the next claim, and a held one is still held by its worker.
pub async fn a_peek_says_what_a_claim_would_find_and_writes_nothing(t: &LedgerUnderTest) {
    let free = id("webhook", "INV-0");
    for _ in 0..2 {
        assert_eq!(
            t.ledger.peek_claim(&free, Some("h1")).await.expect("peek"),
            ClaimPeek::Free
        );
    }
    let started = now(t);
    let token = acquire(t, "INV-1", Some("h1")).await;
    let claim_id = id("webhook", "INV-1");
    assert_eq!(
        t.ledger
            .peek_claim(&claim_id, Some("h1"))
            .await
            .expect("peek"),
        ClaimPeek::Held {
            until: started + LEASE
        }
    );
    let result = json!({"document_id": 4711});
    t.ledger
        .complete_claim(&claim_id, &token, result.clone(), None)
        .await
        .expect("the peek did not take the claim over");
    for hash in [Some("h1"), None] {
        assert_eq!(
            t.ledger.peek_claim(&claim_id, hash).await.expect("peek"),
            ClaimPeek::Completed {
                result: result.clone()
            }
        );
    }
    assert!(matches!(
        t.ledger.peek_claim(&claim_id, Some("h2")).await,
        Err(LedgerError::PayloadMismatch { .. })
    ));
    // The peeked free claim is still free: the next claim acquires it.
    acquire(t, "INV-0", Some("h1")).await;
}

/// While the lease lives, another claim gets `ClaimHeld` with the lease end.
pub async fn a_live_lease_is_not_taken_over(t: &LedgerUnderTest) {
    let claim_id = id("webhook", "evt-2");
    let started = now(t);
    acquire(t, "evt-2", None).await;
    t.clock.advance(Duration::from_millis(29_999));
    match t.ledger.claim(&claim_id, LEASE, None).await {
        Err(LedgerError::ClaimHeld { id, until }) => {
            assert_eq!(id, claim_id);
            assert_eq!(until, started + LEASE);
        }
        other => panic!("expected ClaimHeld, got {other:?}"),
    }
}

/// Once the lease has run out another worker takes over; the first token is then lost.
pub async fn an_expired_lease_is_taken_over_and_the_old_token_is_lost(t: &LedgerUnderTest) {
    let claim_id = id("webhook", "evt-3");
    let first = acquire(t, "evt-3", None).await;
    t.clock.advance(LEASE);
    let second = acquire(t, "evt-3", None).await;
    assert_ne!(first, second);
    assert!(matches!(
        t.ledger
            .complete_claim(&claim_id, &first, json!("late"), None)
            .await,
        Err(LedgerError::ClaimLost { .. })
    ));
    assert!(matches!(
        t.ledger.release_claim(&claim_id, &first).await,
        Err(LedgerError::ClaimLost { .. })
    ));
    t.ledger
        .complete_claim(&claim_id, &second, json!("done"), None)
        .await
        .expect("the new holder completes");
    t.clock.advance(Duration::from_secs(86_400 * 365));
    assert_eq!(
        t.ledger.claim(&claim_id, LEASE, None).await.expect("claim"),
        Claim::AlreadyCompleted {
            result: json!("done")
        },
        "kept for ever without retention"
    );
}

/// Releasing (the work failed) frees the claim at once; a foreign token cannot release it.
pub async fn a_released_claim_can_be_claimed_again_at_once(t: &LedgerUnderTest) {
    let claim_id = id("webhook", "evt-4");
    let token = acquire(t, "evt-4", None).await;
    let stranger = ClaimToken::from_string("not-the-holder".to_owned());
    assert!(matches!(
        t.ledger.release_claim(&claim_id, &stranger).await,
        Err(LedgerError::ClaimLost { .. })
    ));
    assert!(matches!(
        t.ledger.claim(&claim_id, LEASE, None).await,
        Err(LedgerError::ClaimHeld { .. })
    ));
    t.ledger
        .release_claim(&claim_id, &token)
        .await
        .expect("release");
    acquire(t, "evt-4", None).await;
}

/// The same idempotency key with another payload hash is refused once completed.
pub async fn a_completed_claim_for_another_payload_is_refused(t: &LedgerUnderTest) {
    let claim_id = id("webhook", "evt-5");
    let token = acquire(t, "evt-5", Some("hash-a")).await;
    t.ledger
        .complete_claim(&claim_id, &token, json!({"ok": true}), None)
        .await
        .expect("complete");
    match t.ledger.claim(&claim_id, LEASE, Some("hash-b")).await {
        Err(LedgerError::PayloadMismatch { id }) => assert_eq!(id, claim_id),
        other => panic!("expected PayloadMismatch, got {other:?}"),
    }
}

/// A completed claim is kept for its retention, then the key can be claimed afresh.
pub async fn a_completed_claim_expires_after_its_retention(t: &LedgerUnderTest) {
    let claim_id = id("schedule", "nightly#2025-06-15");
    let Claim::Acquired { token, .. } =
        t.ledger.claim(&claim_id, LEASE, None).await.expect("claim")
    else {
        panic!("expected to acquire")
    };
    t.ledger
        .complete_claim(&claim_id, &token, json!(3), Some(Duration::from_secs(3600)))
        .await
        .expect("complete");
    t.clock.advance(Duration::from_secs(3599));
    assert_eq!(
        t.ledger.claim(&claim_id, LEASE, None).await.expect("claim"),
        Claim::AlreadyCompleted { result: json!(3) }
    );
    t.clock.advance(Duration::from_secs(1));
    assert!(matches!(
        t.ledger.claim(&claim_id, LEASE, None).await.expect("claim"),
        Claim::Acquired { .. }
    ));
}

/// Sixteen concurrent claims of one key: exactly one acquires, the rest see it held.
pub async fn sixteen_concurrent_claims_have_exactly_one_holder(t: &LedgerUnderTest) {
    let claim_id = id("webhook", "evt-6");
    let attempts = (0..16).map(|_| {
        let ledger = Arc::clone(&t.ledger);
        let claim_id = claim_id.clone();
        tokio::spawn(async move { ledger.claim(&claim_id, LEASE, None).await })
    });
    let mut acquired = 0;
    for outcome in futures::future::join_all(attempts).await {
        match outcome.expect("task") {
            Ok(Claim::Acquired { .. }) => acquired += 1,
            Err(LedgerError::ClaimHeld { .. }) => {}
            other => panic!("unexpected outcome: {other:?}"),
        }
    }
    assert_eq!(acquired, 1);
}

/// A claim and a record may share an id; claims never show in `get` or `query`.
pub async fn claims_and_records_with_the_same_id_are_independent(t: &LedgerUnderTest) {
    let shared_id = id("webhook", "evt-7");
    acquire(t, "evt-7", None).await;
    assert_eq!(t.ledger.get(&shared_id).await.expect("get"), None);
    let record = t
        .ledger
        .create(
            NewRecord::new(shared_id.clone(), "RECEIVED", json!({}))
                .with_index1("webhooks", "evt-7"),
        )
        .await
        .expect("a record beside the claim");
    assert_eq!(
        t.ledger
            .query(Query::partition(IndexName::One, "webhooks"))
            .await
            .expect("query"),
        vec![record]
    );
    assert!(matches!(
        t.ledger.claim(&shared_id, LEASE, None).await,
        Err(LedgerError::ClaimHeld { .. })
    ));
}
