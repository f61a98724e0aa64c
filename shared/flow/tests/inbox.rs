//! The durable inbox, on embedded storage and on S3 + DynamoDB (moto).

use bytes::Bytes;
use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::inbox::{DEAD_LETTER, DISCARDED, MAX_HISTORY};
use gridlink_flow::{Acceptance, Inbox, InboxError, InboxPolicy, RunSummary};

const POLICY: InboxPolicy = InboxPolicy {
    batch: 10,
    max_attempts: 3,
};
use gridlink_store::testing::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
};
use serde_json::{Value, json};

/// A handler failure of a given kind, as a function's own error would be.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} failure")]
struct Failure(ErrorKind);

impl Classify for Failure {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

/// What the test handler does with an event, chosen by its event type.
async fn handle(inbox: &Inbox, item: gridlink_flow::InboxItem) -> Result<Value, Failure> {
    match item.event_type() {
        "ok" => {
            let raw = inbox
                .raw(&item)
                .await
                .map_err(|_| Failure(ErrorKind::Internal))?;
            Ok(json!({"bytes": raw.len()}))
        }
        "busy" => Err(Failure(ErrorKind::Unavailable)),
        "held" => Err(Failure(ErrorKind::Held)),
        _ => Err(Failure(ErrorKind::Unprocessable)),
    }
}

fn inbox(blobs: &BlobsUnderTest, ledger: &LedgerUnderTest) -> Inbox {
    let clock: SharedClock = ledger.clock.clone();
    Inbox::new(
        "order-reconcile",
        blobs.store.clone(),
        ledger.ledger.clone(),
        clock,
    )
}

async fn a_redelivery_is_recognised_and_nothing_is_written_twice(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    let raw = Bytes::from_static(br#"{"event_id":"evt_1","event_type":"document.received"}"#);
    let first = inbox
        .accept("tg", "evt_1", "document.received", raw.clone())
        .await
        .expect("accepted");
    assert!(matches!(first, Acceptance::Accepted(_)));
    let again = inbox
        .accept("tg", "evt_1", "document.received", raw.clone())
        .await
        .expect("seen");
    assert!(matches!(again, Acceptance::Duplicate(_)));
    assert_eq!(inbox.pending(10).await.expect("pending").len(), 1);
    assert_eq!(
        inbox.raw(first.item()).await.expect("raw"),
        raw,
        "the raw body is kept byte for byte"
    );
    assert_eq!(blobs.store.list("raw/").await.expect("list").len(), 1);
}

async fn processed_and_dead_lettered_items_leave_the_pending_list(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    let a = inbox
        .accept(
            "tg",
            "evt_a",
            "document.received",
            Bytes::from_static(b"{}"),
        )
        .await
        .expect("a");
    let b = inbox
        .accept("tg", "evt_b", "message.posted", Bytes::from_static(b"{}"))
        .await
        .expect("b");
    let c = inbox
        .accept("tg", "evt_c", "message.posted", Bytes::from_static(b"{}"))
        .await
        .expect("c");
    inbox
        .mark_done(a.item(), json!({"filed": 1}))
        .await
        .expect("done");
    inbox
        .mark_failed(b.item(), "xECM unavailable", false)
        .await
        .expect("transient");
    inbox
        .mark_failed(c.item(), "unknown partner", true)
        .await
        .expect("permanent");
    let pending: Vec<String> = inbox
        .pending(10)
        .await
        .expect("pending")
        .iter()
        .map(|i| i.event_id().to_owned())
        .collect();
    assert_eq!(pending, ["evt_b"]);
    let b_now = inbox
        .get("tg", "evt_b")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(b_now.attempts(), 1);
    let failed = inbox.dead_letters(10).await.expect("failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].event_id(), "evt_c");
    let a_now = inbox.get("tg", "evt_a").await.expect("get").expect("kept");
    assert_eq!(a_now.status(), "done");
    let again = inbox
        .accept(
            "tg",
            "evt_a",
            "document.received",
            Bytes::from_static(b"{}"),
        )
        .await
        .expect("seen");
    assert!(
        matches!(again, Acceptance::Duplicate(_)),
        "a processed event redelivered is still a duplicate"
    );
}

async fn an_event_type_in_any_language_is_kept_as_sent(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    let accepted = inbox
        .accept(
            "xecm",
            "evt_de",
            "Dokument geändert",
            Bytes::from_static(b"{}"),
        )
        .await
        .expect("a non-ASCII event type is stored, not refused as an outage");
    assert!(matches!(accepted, Acceptance::Accepted(_)));
    let kept = inbox
        .get("xecm", "evt_de")
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(kept.event_type(), "Dokument geändert");
    assert_eq!(inbox.raw(&kept).await.expect("raw").as_ref(), b"{}");
}

async fn an_unusable_event_id_is_refused_before_anything_is_stored(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    for bad in ["", "../etc/passwd", "a/b", &"x".repeat(300)] {
        let error = inbox
            .accept("tg", bad, "document.received", Bytes::new())
            .await
            .expect_err(bad);
        assert!(matches!(error, InboxError::BadEventId(_)));
        assert_eq!(error.kind(), ErrorKind::BadRequest);
    }
    assert!(blobs.store.list("").await.expect("list").is_empty());
}

async fn a_processing_run_settles_each_item_by_the_kind_of_its_failure(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    for (event_id, event_type) in [("evt_ok", "ok"), ("evt_busy", "busy"), ("evt_bad", "bad")] {
        inbox
            .accept("tg", event_id, event_type, Bytes::from_static(b"{\"x\":1}"))
            .await
            .expect("accepted");
    }
    let first = inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    assert_eq!(
        first,
        RunSummary {
            pending: 3,
            done: 1,
            retrying: 1,
            dead_lettered: 1,
            ..RunSummary::default()
        }
    );
    let done = inbox.get("tg", "evt_ok").await.expect("get").expect("kept");
    assert_eq!(done.status(), "done");
    assert_eq!(done.record.data["outcome"], json!({"bytes": 7}));
    let failed: Vec<String> = inbox
        .dead_letters(10)
        .await
        .expect("failed")
        .iter()
        .map(|i| i.event_id().to_owned())
        .collect();
    assert_eq!(
        failed,
        ["evt_bad"],
        "a permanent failure is dead-lettered at once"
    );

    let second = inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    assert_eq!(
        (second.pending, second.retrying),
        (1, 1),
        "only the transient one is tried again"
    );
    let third = inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    assert_eq!(
        third,
        RunSummary {
            pending: 1,
            done: 0,
            retrying: 0,
            dead_lettered: 1,
            ..RunSummary::default()
        },
        "the third transient failure reaches max_attempts and gives up"
    );
    assert!(inbox.pending(10).await.expect("pending").is_empty());
    assert_eq!(inbox.dead_letters(10).await.expect("failed").len(), 2);
}

async fn a_dead_letter_is_requeued_with_a_fresh_count_and_its_last_error_kept(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    inbox
        .accept("tg", "evt_bad", "bad", Bytes::from_static(b"{}"))
        .await
        .expect("accepted");
    inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    let dead = inbox.dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].item_id(), "tg:evt_bad");
    assert_eq!(dead[0].status(), gridlink_flow::inbox::DEAD_LETTER);
    let found = inbox
        .find("tg:evt_bad")
        .await
        .expect("find")
        .expect("exists");
    let requeued = inbox.requeue(&found, None).await.expect("requeued");
    assert_eq!(requeued.status(), "pending");
    assert_eq!(requeued.attempts(), 0);
    assert!(
        requeued.last_error().is_some(),
        "the last error stays on the item"
    );
    assert_eq!(requeued.summary()["requeues"], 1);
    assert!(
        inbox
            .dead_letters(10)
            .await
            .expect("dead letters")
            .is_empty()
    );
    assert_eq!(inbox.pending(10).await.expect("pending").len(), 1);
    let again = inbox
        .requeue(&requeued, None)
        .await
        .expect_err("only dead letters");
    assert_eq!(again.kind(), ErrorKind::Conflict);
    assert_eq!(
        inbox.find("evt_bad").await.expect_err("no source").kind(),
        ErrorKind::BadRequest
    );
}

/// A kill in the middle of an effect leaves its claim held until the lease ends; every run
/// before then finds the work held elsewhere. Those runs must not spend the item's attempts
/// (chaos found items dead-lettered after a SIGKILL long before the lease ended): the item
/// stays pending however many runs see it held, and keeps its last error for the operator.
async fn work_held_by_another_claim_stays_pending_without_spending_attempts(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    inbox
        .accept("tg", "evt_held", "held", Bytes::from_static(b"{}"))
        .await
        .expect("accepted");
    for run in 1..=POLICY.max_attempts + 2 {
        let summary = inbox
            .process_pending(POLICY, |item| handle(&inbox, item))
            .await
            .expect("run");
        assert_eq!(
            (summary.retrying, summary.dead_lettered),
            (1, 0),
            "run {run}: held work is retried, never dead-lettered"
        );
    }
    let item = inbox
        .get("tg", "evt_held")
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(item.status(), "pending");
    assert_eq!(item.attempts(), 0, "no attempt was counted");
    assert!(
        item.record.data["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("Held")),
        "{:?}",
        item.record.data
    );
    assert!(
        inbox
            .dead_letters(10)
            .await
            .expect("dead letters")
            .is_empty()
    );
}

const OPERATOR: &str = "arn:aws:sts::123456789012:assumed-role/gridlink-operator/ops-anna";

/// An operator sees every attempt of an item, not only the last error: each with its time,
/// the kind and text of its error, and what followed (still pending, a dead letter, done); a
/// requeue joins the history with who asked. The history stays bounded: the oldest entries
/// beyond `MAX_HISTORY` are dropped and counted.
async fn every_attempt_and_requeue_is_kept_in_the_items_history(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    inbox
        .accept("tg", "evt_busy", "busy", Bytes::from_static(b"{}"))
        .await
        .expect("accepted");
    for _ in 0..POLICY.max_attempts {
        inbox
            .process_pending(POLICY, |item| handle(&inbox, item))
            .await
            .expect("run");
    }
    let dead = inbox
        .find("tg:evt_busy")
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(dead.status(), DEAD_LETTER);
    let history = dead.history();
    assert_eq!(history.len(), 3, "{history:?}");
    for (n, entry) in history.iter().enumerate() {
        assert_eq!(entry["event"], "attempt");
        assert_eq!(entry["attempt"], n + 1);
        assert_eq!(entry["kind"], "unavailable");
        assert_eq!(entry["error"], "Unavailable failure");
        assert!(entry["at"].is_string(), "{entry}");
    }
    let then: Vec<&Value> = history.iter().map(|e| &e["then"]).collect();
    assert_eq!(
        then,
        [&json!("pending"), &json!("pending"), &json!("dead_letter")]
    );

    let requeued = inbox
        .requeue(&dead, Some(OPERATOR))
        .await
        .expect("requeued");
    let last = requeued.history().last().expect("an entry");
    assert_eq!(
        (&last["event"], &last["by"]),
        (&json!("requeued"), &json!(OPERATOR))
    );
    inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    let again = inbox
        .find("tg:evt_busy")
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(again.history().len(), 5);
    assert_eq!(
        again.history()[4]["attempt"],
        1,
        "a fresh count after the requeue"
    );

    // Done: the last entry says so.
    inbox
        .accept("tg", "evt_ok", "ok", Bytes::from_static(b"{}"))
        .await
        .expect("accepted");
    inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    let done = inbox.find("tg:evt_ok").await.expect("find").expect("kept");
    assert_eq!(done.history().len(), 1);
    assert_eq!(done.history()[0]["then"], "done");

    // Held work, seen many times: the history keeps the last MAX_HISTORY entries.
    let held = inbox
        .accept("tg", "evt_held", "held", Bytes::from_static(b"{}"))
        .await
        .expect("accepted");
    let mut item = held.item().clone();
    for n in 0..MAX_HISTORY + 5 {
        item = inbox
            .mark_held(&item, &format!("held, run {n}: {}", "x".repeat(2000)))
            .await
            .expect("recorded");
    }
    assert_eq!(item.history().len(), MAX_HISTORY);
    assert_eq!(item.record.data["history_dropped"], 5);
    assert!(
        item.history()[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("held, run 5:") && e.chars().count() == 1001),
        "the oldest kept is run 5, its error cut: {}",
        item.history()[0]
    );
    assert_eq!(item.history()[0]["counted"], false);
    assert_eq!(item.attempts(), 0);
}

/// A dead letter an operator discards with a reason: status `discarded`, off the dead-letter
/// and pending lists, never processed; the raw event, the history and who discarded it, when
/// and why stay on the record, which does not expire (a redelivery stays recognised). Only a
/// dead letter is discarded, and a discarded item is neither requeued nor discarded again.
async fn a_dead_letter_is_discarded_with_a_reason_and_kept(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    let raw = Bytes::from_static(br#"{"event_id":"evt_bad","event_type":"bad"}"#);
    inbox
        .accept("tg", "evt_bad", "bad", raw.clone())
        .await
        .expect("accepted");
    inbox
        .accept("tg", "evt_ok", "ok", Bytes::from_static(b"{}"))
        .await
        .expect("accepted");
    inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    let done = inbox.find("tg:evt_ok").await.expect("find").expect("kept");
    let refused = inbox
        .discard(&done, "not needed", Some(OPERATOR))
        .await
        .expect_err("only dead letters");
    assert_eq!(refused.kind(), ErrorKind::Conflict);
    assert!(refused.to_string().contains("discarded"), "{refused}");

    let dead = inbox.find("tg:evt_bad").await.expect("find").expect("kept");
    let reason = "duplicate of INV-7 — geändert ✓";
    let discarded = inbox
        .discard(&dead, reason, Some(OPERATOR))
        .await
        .expect("discarded");
    assert_eq!(discarded.status(), DISCARDED);
    let now = inbox.find("tg:evt_bad").await.expect("find").expect("kept");
    assert_eq!(now, discarded);
    let summary = now.summary();
    assert_eq!(summary["discarded"]["by"], OPERATOR);
    assert_eq!(summary["discarded"]["reason"], reason);
    assert!(summary["discarded"]["at"].is_string(), "{summary}");
    assert_eq!(
        now.record.expires_at, None,
        "a discarded item does not expire"
    );
    assert_eq!(
        now.history().len(),
        2,
        "the failed attempt, then the discard"
    );
    assert_eq!(now.history()[1]["event"], "discarded");
    assert_eq!(
        inbox.raw(&now).await.expect("raw"),
        raw,
        "the raw event is kept"
    );
    assert!(inbox.dead_letters(10).await.expect("dead").is_empty());
    assert!(inbox.pending(10).await.expect("pending").is_empty());
    for refused in [
        inbox
            .requeue(&now, None)
            .await
            .expect_err("not a dead letter"),
        inbox
            .discard(&now, "again", None)
            .await
            .expect_err("not a dead letter"),
    ] {
        assert_eq!(refused.kind(), ErrorKind::Conflict);
    }
    let again = inbox
        .accept("tg", "evt_bad", "bad", raw)
        .await
        .expect("seen");
    assert!(
        matches!(again, Acceptance::Duplicate(_)),
        "a redelivery is not taken in again"
    );
}

/// Dead letters are read page by page after a cursor (an item's sort key), oldest first.
async fn dead_letters_are_read_after_a_cursor(blobs: BlobsUnderTest, ledger: LedgerUnderTest) {
    let inbox = inbox(&blobs, &ledger);
    for n in 1..=5 {
        inbox
            .accept("tg", &format!("evt_{n}"), "bad", Bytes::from_static(b"{}"))
            .await
            .expect("accepted");
    }
    inbox
        .process_pending(POLICY, |item| handle(&inbox, item))
        .await
        .expect("run");
    let ids = |items: &[gridlink_flow::InboxItem]| -> Vec<String> {
        items.iter().map(|i| i.event_id().to_owned()).collect()
    };
    let first = inbox.dead_letters_after(None, 2).await.expect("page");
    assert_eq!(ids(&first), ["evt_1", "evt_2"]);
    let second = inbox
        .dead_letters_after(Some(&first[1].sort_key()), 2)
        .await
        .expect("page");
    assert_eq!(ids(&second), ["evt_3", "evt_4"]);
    let last = inbox
        .dead_letters_after(Some(&second[1].sort_key()), 10)
        .await
        .expect("page");
    assert_eq!(ids(&last), ["evt_5"]);
    assert!(
        inbox
            .dead_letters_after(Some(&last[0].sort_key()), 10)
            .await
            .expect("page")
            .is_empty()
    );
}

/// How many items a handler saw in flight at once, at most.
#[derive(Default)]
struct InFlight {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl InFlight {
    /// An item's work: in flight until `wanted` items have been in flight together (or 5 s
    /// pass, a failure: the run did not attempt that many at once).
    async fn work(&self, wanted: usize) -> Result<Value, Failure> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        let reached = loop {
            if self.peak.load(SeqCst) >= wanted {
                break true;
            }
            if tokio::time::Instant::now() >= deadline {
                break false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        self.now.fetch_sub(1, SeqCst);
        if reached {
            Ok(json!({"in_flight": now}))
        } else {
            Err(Failure(ErrorKind::Unavailable))
        }
    }
}

async fn a_run_attempts_as_many_items_at_once_as_its_policy_says(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    for n in 0..7 {
        inbox
            .accept("tg", &format!("evt_{n}"), "ok", Bytes::from_static(b"{}"))
            .await
            .expect("accepted");
    }
    // Three at a time: every item waits until three are in flight together, which one at a
    // time never happens (each would wait its 5 s out and fail).
    let seen = InFlight::default();
    let run = inbox
        .process_pending_concurrently(POLICY, 3, |_| seen.work(3))
        .await
        .expect("run");
    assert_eq!(
        run,
        RunSummary {
            pending: 7,
            done: 7,
            ..RunSummary::default()
        }
    );
    assert_eq!(
        seen.peak.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "never more than three at once"
    );
    assert!(inbox.pending(10).await.expect("pending").is_empty());

    // The default: one at a time.
    for n in 0..3 {
        inbox
            .accept("tg", &format!("one_{n}"), "ok", Bytes::from_static(b"{}"))
            .await
            .expect("accepted");
    }
    let seen = InFlight::default();
    let run = inbox
        .process_pending(POLICY, |_| seen.work(1))
        .await
        .expect("run");
    assert_eq!((run.pending, run.done), (3, 3));
    assert_eq!(seen.peak.load(std::sync::atomic::Ordering::SeqCst), 1);
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    a_redelivery_is_recognised_and_nothing_is_written_twice,
    processed_and_dead_lettered_items_leave_the_pending_list,
    an_unusable_event_id_is_refused_before_anything_is_stored,
    an_event_type_in_any_language_is_kept_as_sent,
    a_processing_run_settles_each_item_by_the_kind_of_its_failure,
    a_dead_letter_is_requeued_with_a_fresh_count_and_its_last_error_kept,
    work_held_by_another_claim_stays_pending_without_spending_attempts,
    every_attempt_and_requeue_is_kept_in_the_items_history,
    a_dead_letter_is_discarded_with_a_reason_and_kept,
    dead_letters_are_read_after_a_cursor,
    a_run_attempts_as_many_items_at_once_as_its_policy_says,
);
