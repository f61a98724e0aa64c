//! A dry run writes nothing, by construction: the platform's ledger and blob store refuse
//! every write inside a `gridlink_core::dry_run` scope (and pass them outside one), and
//! `Effects::once` only looks at its claim — an effect already done answers its stored
//! result, one not done yet runs until its first write is refused. On embedded storage and on
//! S3 + DynamoDB (moto). The xECM and TG clients' refusals are tested against the simulators
//! (shared/xecm/tests, shared/tgrid/tests).

use std::time::Duration;

use bytes::Bytes;
use gridlink_core::dry_run;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::dry_run::{GuardedBlobs, GuardedLedger};
use gridlink_flow::{EffectError, EffectKey, Effects, Outcome};
use gridlink_store::blob::{PutOptions, body_from_bytes};
use gridlink_store::testing::{
    BlobsUnderTest, CountingLedger, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs,
    sqlite_ledger,
};
use gridlink_store::{
    BlobKey, BlobStore, Claim, ClaimPeek, LedgerError, NewRecord, RecordId, StoreError,
};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Failed(String);

impl Classify for Failed {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Forbidden
    }
}

impl From<StoreError> for Failed {
    fn from(error: StoreError) -> Self {
        Self(error.to_string())
    }
}

async fn put(blobs: &dyn BlobStore, key: &str) -> Result<(), StoreError> {
    blobs
        .put(
            &BlobKey::parse(key).expect("a key"),
            body_from_bytes(Bytes::from_static(b"filed")),
            PutOptions::with_content_type("text/plain"),
        )
        .await
        .map(|_| ())
}

/// Inside a scope, every write of the guarded ledger and blob store is refused with its typed
/// dry-run error, recorded in the report, and reaches nothing — but a blob put, held in the
/// dry run's memory and read back within it; a claim used as a lock is stood in for (answered
/// acquired, never taken, released for nothing) and completing it refused; reads go through;
/// outside the scope the same calls write.
async fn the_guarded_storage_refuses_writes_inside_a_dry_run_only(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let counted = CountingLedger::new(ledger.ledger.clone());
    let guarded_ledger = GuardedLedger::wrap(counted.clone());
    let guarded_blobs = GuardedBlobs::wrap(blobs.store.clone());
    let id = RecordId::new("inbox", "order-reconcile/tg/evt_1").expect("an id");
    let record = || NewRecord::new(id.clone(), "pending", json!({"event_id": "evt_1"}));

    let (results, report) = dry_run::scope(async {
        let created = guarded_ledger.create(record()).await;
        // A put is staged in memory for the dry run: read back within it, never stored.
        let stored = put(guarded_blobs.as_ref(), "raw/tg/order-reconcile/evt_1.json").await;
        let staged = guarded_blobs
            .get(
                &BlobKey::parse("raw/tg/order-reconcile/evt_1.json").expect("a key"),
                None,
            )
            .await
            .expect("staged")
            .bytes()
            .await
            .expect("read back");
        assert_eq!(staged.as_ref(), b"filed");
        let deleted = guarded_blobs
            .delete(&BlobKey::parse("raw/tg/order-reconcile/evt_1.json").expect("a key"))
            .await;
        assert!(matches!(deleted, Err(StoreError::DryRun(_))), "{deleted:?}");
        // A claim used as a lock: stood in for, not taken; completing it is a write.
        let turn = guarded_ledger
            .claim(&id, Duration::from_secs(30), None)
            .await;
        let completed = match &turn {
            Ok(Claim::Acquired { token, .. }) => {
                let released = guarded_ledger.release_claim(&id, token).await;
                assert!(released.is_ok(), "{released:?}");
                guarded_ledger
                    .complete_claim(&id, token, json!({"done": true}), None)
                    .await
            }
            other => panic!("a free claim is stood in for: {other:?}"),
        };
        (
            created,
            completed,
            stored,
            guarded_ledger.get(&id).await,
            guarded_blobs.list("raw/").await,
        )
    })
    .await;
    let (created, completed, stored, read, listed) = results;
    for error in [created.map(|_| ()), completed] {
        let error = error.expect_err("refused");
        assert!(matches!(error, LedgerError::DryRun(_)), "{error}");
        assert_eq!(error.kind(), ErrorKind::Forbidden);
    }
    assert!(stored.is_ok(), "{stored:?}");
    assert_eq!(read.expect("a read goes through"), None);
    assert_eq!(
        listed
            .expect("a list goes through")
            .iter()
            .map(|e| e.key.as_str().to_owned())
            .collect::<Vec<_>>(),
        ["raw/tg/order-reconcile/evt_1.json"],
        "the staged blob is listed within the dry run"
    );
    assert_eq!(
        report.staged_keys(),
        [("raw/tg/order-reconcile/evt_1.json".to_owned(), 5)]
    );
    let refused: Vec<(String, String)> = report
        .refusals()
        .into_iter()
        .map(|r| (r.system.to_owned(), r.method))
        .collect();
    assert_eq!(
        refused,
        [
            ("ledger".to_owned(), "create".to_owned()),
            ("blobs".to_owned(), "delete".to_owned()),
            ("ledger".to_owned(), "complete_claim".to_owned()),
        ]
    );
    assert_eq!(
        counted.calls().all().keys().copied().collect::<Vec<_>>(),
        ["get", "peek_claim"],
        "no write reached the ledger"
    );
    assert_eq!(
        ledger.ledger.peek_claim(&id, None).await.expect("peek"),
        ClaimPeek::Free,
        "the claim stood in for was never taken"
    );
    assert!(blobs.store.list("raw/").await.expect("list").is_empty());

    // Outside a scope the same calls write.
    guarded_ledger.create(record()).await.expect("created");
    put(guarded_blobs.as_ref(), "raw/tg/order-reconcile/evt_1.json")
        .await
        .expect("stored");
    assert!(ledger.ledger.get(&id).await.expect("get").is_some());
    assert_eq!(blobs.store.list("raw/").await.expect("list").len(), 1);
}

/// `Effects::once` in a dry run: an effect done before answers its stored result (noted
/// `already_done`); one not done yet runs until its first write is refused (noted
/// `would_run`, the refusal naming the effect) and fails; one whose work needs no write
/// goes on with its result (noted `would_record`). No claim is taken or completed: every
/// claim reads as before, and the ledger saw only reads.
async fn effects_in_a_dry_run_look_at_their_claims_and_write_nothing(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let counted = CountingLedger::new(ledger.ledger.clone());
    let guarded = GuardedLedger::wrap(counted.clone());
    let effects = Effects::new(guarded.clone(), Duration::from_secs(60));
    let done = EffectKey::new("xecm-file", "INV-1");
    let filed = json!({"document_id": 4711, "name": "INV-1.x12"});
    effects
        .once(&done, None, |_| async { Ok::<_, Failed>(filed.clone()) })
        .await
        .expect("filed for real");
    counted.calls().reset();

    let new = EffectKey::new("xecm-file", "INV-2");
    let found = EffectKey::new("xecm-file", "INV-3");
    let (outcomes, report) = dry_run::scope(async {
        let replayed = effects
            .once(&done, None, |_| async {
                Err::<Value, _>(Failed("an effect done before never runs again".into()))
            })
            .await;
        let refused = effects
            .once(&new, None, |_| async {
                let record = NewRecord::new(
                    RecordId::new("filed", "INV-2").expect("an id"),
                    "filed",
                    json!({}),
                );
                guarded
                    .create(record)
                    .await
                    .map_err(|e| Failed(e.to_string()))?;
                Ok::<_, Failed>(json!({"document_id": 4712}))
            })
            .await;
        let adopted = effects
            .once(&found, None, |_| async {
                Ok::<_, Failed>(json!({"document_id": 4713, "adopted": true}))
            })
            .await;
        (replayed, refused, adopted)
    })
    .await;
    let (replayed, refused, adopted) = outcomes;
    assert_eq!(
        replayed.expect("replayed"),
        Outcome::Replayed(filed.clone())
    );
    match refused {
        Err(EffectError::Effect(Failed(text))) => assert!(text.contains("dry run"), "{text}"),
        other => panic!("the refused write fails the effect: {other:?}"),
    }
    assert!(adopted.expect("goes on").ran_now());
    let states: Vec<(Value, Value)> = report
        .notes()
        .into_iter()
        .map(|n| (n["effect"].clone(), n["state"].clone()))
        .collect();
    assert_eq!(
        states,
        [
            (json!("xecm-file:INV-1"), json!("already_done")),
            (json!("xecm-file:INV-2"), json!("would_run")),
            (json!("xecm-file:INV-3"), json!("would_record")),
        ]
    );
    assert_eq!(report.notes()[0]["result"], filed);
    let refusals = report.refusals();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].effect.as_deref(), Some("xecm-file:INV-2"));
    assert_eq!(refusals[0].path, "filed/INV-2");
    assert_eq!(
        counted.calls().all().keys().copied().collect::<Vec<_>>(),
        ["peek_claim"],
        "the dry run only looked at its claims"
    );
    for (key, id) in [(&new, "INV-2"), (&found, "INV-3")] {
        let claim = RecordId::new(format!("effect:{}", key.kind()), id).expect("an id");
        assert_eq!(
            ledger.ledger.peek_claim(&claim, None).await.expect("peek"),
            ClaimPeek::Free,
            "{key} is still to do"
        );
    }
    assert!(blobs.store.list("").await.expect("list").is_empty());
}

/// The dry-run scope is task-local: a task spawned inside it would write for real. Nothing
/// that processes an inbox item may spawn one — the runtime, the shared crates and the use
/// cases (their tests and the stores' conformance suites may).
#[test]
fn nothing_on_the_processing_path_spawns_a_task() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut sources = Vec::new();
    for area in ["shared", "functions"] {
        let Ok(crates) = std::fs::read_dir(root.join(area)) else {
            panic!("{area}/ is readable");
        };
        for krate in crates.flatten() {
            collect(&krate.path().join("src"), &mut sources);
        }
    }
    assert!(sources.len() > 50, "only {} sources found", sources.len());
    let spawning: Vec<String> = sources
        .iter()
        .filter(|path| {
            let text = path.to_string_lossy();
            !text.contains("/conformance/") && !text.contains("/testing/")
        })
        .filter(|path| {
            std::fs::read_to_string(path).is_ok_and(|text| {
                text.contains("tokio::spawn")
                    || text.contains("spawn_blocking")
                    || text.contains("task::spawn")
            })
        })
        .map(|path| path.display().to_string())
        .collect();
    // The SQLite ledger and the file blob store run their I/O on the blocking pool: storage
    // below the guard, which a refused write never reaches.
    let allowed = ["store/src/ledger/sqlite/", "store/src/blob/fs.rs"];
    let spawning: Vec<&String> = spawning
        .iter()
        .filter(|path| !allowed.iter().any(|a| path.contains(a)))
        .collect();
    assert!(spawning.is_empty(), "these spawn tasks: {spawning:?}");
}

fn collect(dir: &std::path::Path, into: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    the_guarded_storage_refuses_writes_inside_a_dry_run_only,
    effects_in_a_dry_run_look_at_their_claims_and_write_nothing,
);
