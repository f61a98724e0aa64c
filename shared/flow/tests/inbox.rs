//! The durable inbox, on embedded storage and on S3 + DynamoDB (moto).

use bytes::Bytes;
use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{Acceptance, Inbox, InboxError};
use gridlink_store::testing::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
};
use serde_json::json;

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

async fn processed_and_failed_items_leave_the_pending_list(
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
    let failed = inbox.failed(10).await.expect("failed");
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

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    a_redelivery_is_recognised_and_nothing_is_written_twice,
    processed_and_failed_items_leave_the_pending_list,
    an_unusable_event_id_is_refused_before_anything_is_stored,
);
