//! The timeline by business key as the runtime writes it — inbox items settled, effects done,
//! records written with their entries, a dead letter requeued — on embedded storage and on
//! S3 + DynamoDB (moto), read back through `timeline::read`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{EffectKey, Effects, Inbox, InboxItem, InboxPolicy, timeline};
use gridlink_store::testing::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
};
use gridlink_store::{LedgerError, NewRecord, RecordId};
use serde_json::{Value, json};

const POLICY: InboxPolicy = InboxPolicy {
    batch: 10,
    max_attempts: 3,
};

#[derive(Debug, thiserror::Error)]
#[error("{0:?} failure")]
struct Failure(ErrorKind);

impl Classify for Failure {
    fn kind(&self) -> ErrorKind {
        self.0
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

async fn accept(inbox: &Inbox, event_id: &str) {
    inbox
        .accept(
            "tg",
            event_id,
            "document.received",
            Bytes::from_static(b"{}"),
        )
        .await
        .expect("accepted");
}

async fn entries(ledger: &LedgerUnderTest, key: &str) -> Vec<Value> {
    let page = timeline::read(ledger.ledger.as_ref(), key, Some("500"), None)
        .await
        .expect("read");
    assert!(!page.more);
    page.entries
}

fn kinds(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| match e["effect"].as_str() {
            Some(effect) => format!("{}:{effect}", e["kind"].as_str().unwrap_or_default()),
            None => e["kind"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// One item: its first attempt sends a message (an effect) and then fails transiently, the
/// second fails for good (a dead letter); an operator requeues it and the third attempt
/// succeeds. The PO's timeline shows each episode once and in order: the event received
/// once, the message once (its replays write nothing) with its TG id, the failed attempt, the
/// dead letter, the requeue and the end. The shipment, named only after the message in the
/// first attempt, still has the message.
async fn an_items_episodes_are_each_on_its_timeline_once_and_in_order(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    let effects = Effects::new(ledger.ledger.clone(), Duration::from_secs(60));
    accept(&inbox, "evt_1").await;
    let attempts = Arc::new(AtomicU32::new(0));
    let sends = Arc::new(AtomicU32::new(0));
    let handler = |_: InboxItem| {
        let (effects, attempts, sends, clock) = (
            effects.clone(),
            attempts.clone(),
            sends.clone(),
            ledger.clock.clone(),
        );
        async move {
            timeline::about("po", "4711");
            let attempt = attempts.fetch_add(1, Ordering::SeqCst) + 1;
            effects
                .once(
                    &EffectKey::new("tg-message", "4711/delay"),
                    None,
                    |_| async {
                        sends.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Failure>(json!({"message_id": "msg_1", "thread_id": "thr_1"}))
                    },
                )
                .await
                .map_err(|_| Failure(ErrorKind::Internal))?;
            timeline::about("shipment", "SH-1");
            clock.advance(Duration::from_millis(5));
            match attempt {
                1 => Err(Failure(ErrorKind::Unavailable)),
                2 => Err(Failure(ErrorKind::Unprocessable)),
                _ => Ok(json!({"sent": "msg_1"})),
            }
        }
    };
    inbox
        .process_pending(POLICY, handler)
        .await
        .expect("first run");
    ledger.clock.advance(Duration::from_secs(1));
    inbox
        .process_pending(POLICY, handler)
        .await
        .expect("second run");
    let dead = inbox.dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].timeline_keys(), ["po:4711", "shipment:SH-1"]);
    ledger.clock.advance(Duration::from_secs(1));
    timeline::scoped(
        inbox.timeline_context(),
        inbox.requeue(&dead[0], Some("ops@example.com")),
    )
    .await
    .expect("requeued");
    ledger.clock.advance(Duration::from_secs(1));
    let summary = inbox
        .process_pending(POLICY, handler)
        .await
        .expect("third run");
    assert_eq!(summary.done, 1);
    assert_eq!(
        sends.load(Ordering::SeqCst),
        1,
        "one message, replayed after"
    );

    let po = entries(&ledger, "po:4711").await;
    assert_eq!(
        kinds(&po),
        [
            "received",
            "effect:tg-message",
            "failed",
            "dead_letter",
            "requeued",
            "done"
        ],
        "{po:#?}"
    );
    assert!(po.iter().all(|e| e["item_id"] == "tg:evt_1"), "{po:#?}");
    assert!(po.iter().all(|e| e["function"] == "order-reconcile"));
    assert_eq!(po[1]["system"], "tg");
    assert_eq!(
        po[1]["ids"],
        json!({"tg": {"message_id": "msg_1", "thread_id": "thr_1"}})
    );
    assert_eq!(po[2]["attempts"], 1);
    assert!(
        po[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("Unavailable")),
        "{}",
        po[2]
    );
    assert_eq!(po[3]["attempts"], 2);
    assert_eq!(po[4]["requeues"], 1);
    assert_eq!(po[4]["by"], "ops@example.com");
    assert_eq!(po[5]["outcome"], json!({"sent": "msg_1"}));
    let shipment = entries(&ledger, "shipment:SH-1").await;
    assert_eq!(kinds(&shipment), kinds(&po), "{shipment:#?}");
    assert!(
        entries(&ledger, "po:4712").await.is_empty(),
        "nothing under another key"
    );
}

/// An item about sixty orders settles with 120 entries: more than one transaction holds, so
/// the first 99 go with the inbox record and the rest right after; every order has both.
async fn more_entries_than_a_transaction_holds_are_all_written(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    accept(&inbox, "evt_many").await;
    let summary = inbox
        .process_pending(POLICY, |_| async {
            for po in 0..60 {
                timeline::about("po", &format!("45000{po:05}"));
            }
            Ok::<_, Failure>(json!({"orders": 60}))
        })
        .await
        .expect("run");
    assert_eq!(summary.done, 1);
    for po in [0, 37, 59] {
        let entries = entries(&ledger, &format!("po:45000{po:05}")).await;
        assert_eq!(kinds(&entries), ["received", "done"], "po {po}");
    }
}

/// An entry that is there already (the same item parked twice) cancels the transaction it
/// rides in; the record is then written alone and the entries one by one, so the item still
/// settles and nothing is written twice.
async fn an_entry_there_already_does_not_stop_the_record_it_goes_with(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let inbox = inbox(&blobs, &ledger);
    accept(&inbox, "evt_a").await;
    ledger.clock.advance(Duration::from_secs(1));
    accept(&inbox, "evt_b").await;
    let ledger_port = ledger.ledger.clone();
    let summary = inbox
        .process_pending(POLICY, |_| {
            let (ledger, clock) = (ledger_port.clone(), ledger.clock.clone());
            async move {
                clock.advance(Duration::from_secs(1));
                timeline::about("po", "4711");
                timeline::record(
                    "unmatched",
                    "order-reconcile|unmatched|um-1".to_owned(),
                    json!({"item_id": "um-1"}),
                );
                let parked = NewRecord::new(
                    RecordId::new("parked", "um-1").expect("an id"),
                    "open",
                    json!({}),
                );
                match timeline::create(ledger.as_ref(), parked).await {
                    Ok(_) | Err(LedgerError::AlreadyExists { .. }) => Ok(json!({})),
                    Err(e) => Err(Failure(e.kind())),
                }
            }
        })
        .await
        .expect("run");
    assert_eq!(summary.done, 2, "{summary:?}");
    let po = entries(&ledger, "po:4711").await;
    assert_eq!(
        kinds(&po),
        ["received", "received", "unmatched", "done", "done"],
        "{po:#?}"
    );
    assert_eq!(po[2]["item_id"], "um-1");
    assert_eq!(po[3]["item_id"], "tg:evt_a");
    assert_eq!(po[4]["item_id"], "tg:evt_b");
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    an_items_episodes_are_each_on_its_timeline_once_and_in_order,
    more_entries_than_a_transaction_holds_are_all_written,
    an_entry_there_already_does_not_stop_the_record_it_goes_with,
);
