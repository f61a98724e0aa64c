//! Exactly-once effects, on the embedded ledger and on DynamoDB (moto).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{EffectError, EffectKey, Effects, FaultInjector, Outcome};
use gridlink_store::testing::{LedgerUnderTest, dynamo_ledger, sqlite_ledger};

#[derive(Debug, thiserror::Error)]
#[error("partner system said no")]
struct Refused;

impl Classify for Refused {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Unprocessable
    }
}

#[derive(Debug)]
struct CrashOnce(AtomicU32);

impl FaultInjector for CrashOnce {
    fn crash_after_effect(&self, _key: &EffectKey) -> bool {
        self.0.fetch_add(1, Ordering::SeqCst) == 0
    }
}

async fn concurrent_duplicates_run_the_effect_once(under: LedgerUnderTest) {
    let effects = Effects::new(under.ledger.clone(), Duration::from_secs(60));
    let runs = Arc::new(AtomicU32::new(0));
    let key = EffectKey::new("tg-space", "workspace-4711");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (effects, runs, key) = (effects.clone(), runs.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            effects
                .once(&key, None, |idempotency_key| async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, Refused>(idempotency_key)
                })
                .await
        }));
    }
    let mut done = 0;
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(Outcome::Done(_)) => done += 1,
            Ok(Outcome::Replayed(_)) | Err(EffectError::InProgress { .. }) => {}
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the effect ran exactly once"
    );
    assert_eq!(done, 1);
    let replay = effects
        .once(&key, None, |_| async {
            Ok::<String, Refused>("second".into())
        })
        .await
        .expect("replay");
    assert_eq!(
        replay,
        Outcome::Replayed(key.idempotency_key()),
        "the stored result comes back"
    );
}

async fn a_failed_effect_can_be_retried_at_once(under: LedgerUnderTest) {
    let effects = Effects::new(under.ledger.clone(), Duration::from_secs(60));
    let key = EffectKey::new("xecm-file", "ACME/810/INV-1");
    let failed = effects
        .once(&key, None, |_| async { Err::<u32, _>(Refused) })
        .await;
    let error = failed.expect_err("the effect failed");
    assert!(matches!(error, EffectError::Effect(Refused)));
    assert_eq!(error.kind(), ErrorKind::Unprocessable);
    let retried = effects
        .once(&key, None, |_| async { Ok::<u32, Refused>(7) })
        .await
        .expect("retry runs");
    assert_eq!(retried, Outcome::Done(7));
}

async fn a_crash_before_confirmation_reruns_with_the_same_idempotency_key(under: LedgerUnderTest) {
    let lease = Duration::from_secs(60);
    let effects = Effects::new(under.ledger.clone(), lease)
        .with_faults(Arc::new(CrashOnce(AtomicU32::new(0))));
    let key = EffectKey::new("tg-share", "contract-9/v3");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let run = |seen: Arc<std::sync::Mutex<Vec<String>>>| {
        let effects = effects.clone();
        let key = key.clone();
        async move {
            effects
                .once(&key, None, |idem| async move {
                    seen.lock().expect("lock").push(idem.clone());
                    Ok::<String, Refused>(idem)
                })
                .await
        }
    };
    let crashed = run(seen.clone()).await;
    assert!(matches!(crashed, Err(EffectError::InjectedCrash(_))));
    let held = run(seen.clone()).await;
    assert!(
        matches!(held, Err(EffectError::InProgress { .. })),
        "the crashed lease is still live"
    );
    under.clock.advance(lease + Duration::from_secs(1));
    let rerun = run(seen.clone())
        .await
        .expect("the expired lease is taken over");
    assert!(rerun.ran_now());
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0], seen[1],
        "both attempts carried the same idempotency key"
    );
}

async fn a_reused_business_key_with_another_payload_is_a_conflict(under: LedgerUnderTest) {
    let effects = Effects::new(under.ledger.clone(), Duration::from_secs(60));
    let key = EffectKey::new("xecm-file", "ACME/855/PO-1");
    effects
        .once(&key, Some("aaa"), |_| async { Ok::<u8, Refused>(1) })
        .await
        .expect("first");
    let error = effects
        .once(&key, Some("bbb"), |_| async { Ok::<u8, Refused>(2) })
        .await
        .expect_err("conflict");
    assert_eq!(error.kind(), ErrorKind::Conflict);
}

macro_rules! on_both_ledgers {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $case() { super::$case(super::sqlite_ledger().await).await } )* }
        mod dynamodb { $( #[tokio::test] async fn $case() { super::$case(super::dynamo_ledger().await).await } )* }
    };
}

on_both_ledgers!(
    concurrent_duplicates_run_the_effect_once,
    a_failed_effect_can_be_retried_at_once,
    a_crash_before_confirmation_reruns_with_the_same_idempotency_key,
    a_reused_business_key_with_another_payload_is_a_conflict,
);

#[test]
fn idempotency_keys_are_stable_short_and_distinct() {
    let a = EffectKey::new("tg-space", "ws-1").idempotency_key();
    assert_eq!(a, EffectKey::new("tg-space", "ws-1").idempotency_key());
    assert_ne!(a, EffectKey::new("tg-space", "ws-2").idempotency_key());
    assert_ne!(a, EffectKey::new("tg-share", "ws-1").idempotency_key());
    assert!(a.len() <= 64 && a.starts_with("gl-"));
}
