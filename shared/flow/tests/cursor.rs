//! The ledger cursor every poll keeps its position in, on the embedded ledger and on
//! DynamoDB (moto): saved, read back, and kept when another poller moved it first.

use std::sync::Arc;

use gridlink_flow::{LedgerCursor, Saved};
use gridlink_store::Ledger;
use gridlink_store::testing::{CountingLedger, LedgerUnderTest, dynamo_ledger, sqlite_ledger};
use serde_json::json;

async fn a_cursor_is_saved_read_back_and_moved(under: LedgerUnderTest) {
    let counted = CountingLedger::new(under.ledger.clone());
    let cursor = LedgerCursor::new(
        Arc::clone(&counted) as Arc<dyn Ledger>,
        "order-reconcile",
        "tg-events",
    )
    .expect("cursor");
    assert!(cursor.read().await.expect("read").is_none());
    let Saved::Moved(first) = cursor
        .save(None, json!({"after": "evt_1"}))
        .await
        .expect("save")
    else {
        panic!("the first save creates the cursor");
    };
    let read = cursor.read().await.expect("read").expect("saved");
    assert_eq!(read.data, json!({"after": "evt_1"}));
    assert_eq!(*first, read, "save returns the record as stored");
    assert_eq!(read.id.to_string(), "poll-cursor/order-reconcile:tg-events");
    // A poller saves page after page over the record it got back: one write per page, no read.
    counted.calls().reset();
    let Saved::Moved(second) = cursor
        .save(Some(&first), json!({"after": "evt_2"}))
        .await
        .expect("save")
    else {
        panic!("a save over the record read moves the cursor");
    };
    let Saved::Moved(third) = cursor
        .save(Some(&second), json!({"after": "evt_3"}))
        .await
        .expect("save")
    else {
        panic!("a save over the record the last save returned moves the cursor");
    };
    assert_eq!(
        counted.calls().all().into_iter().collect::<Vec<_>>(),
        vec![("update", 2)],
        "two saves cost two conditional writes and nothing else"
    );
    assert!(first.version < second.version && second.version < third.version);
    assert_eq!(
        cursor.read().await.expect("read").expect("saved").data,
        json!({"after": "evt_3"})
    );
}

async fn a_cursor_removed_since_it_was_read_is_written_anew(under: LedgerUnderTest) {
    let cursor =
        LedgerCursor::new(under.ledger.clone(), "po-exception", "tg-events").expect("cursor");
    let Saved::Moved(read) = cursor
        .save(None, json!({"after": "evt_1"}))
        .await
        .expect("save")
    else {
        panic!("the first save creates the cursor");
    };
    under
        .ledger
        .delete(&read.id, read.version)
        .await
        .expect("delete");
    assert!(matches!(
        cursor
            .save(Some(&read), json!({"after": "evt_2"}))
            .await
            .expect("save"),
        Saved::Moved(_)
    ));
    assert_eq!(
        cursor.read().await.expect("read").expect("saved").data,
        json!({"after": "evt_2"})
    );
}

async fn a_cursor_another_poller_moved_keeps_its_position(under: LedgerUnderTest) {
    let cursor =
        LedgerCursor::new(under.ledger.clone(), "contract-share", "workspaces").expect("cursor");
    // Two pollers read no cursor; the first creates it, the second finds it there.
    assert!(matches!(
        cursor
            .save(None, json!({"position": "a"}))
            .await
            .expect("save"),
        Saved::Moved(_)
    ));
    assert!(matches!(
        cursor
            .save(None, json!({"position": "b"}))
            .await
            .expect("save"),
        Saved::MovedByAnother
    ));
    // Two pollers read version v; the first moves it, the second keeps the first's position.
    let v = cursor.read().await.expect("read").expect("saved");
    assert!(matches!(
        cursor
            .save(Some(&v), json!({"position": "c"}))
            .await
            .expect("save"),
        Saved::Moved(_)
    ));
    assert!(matches!(
        cursor
            .save(Some(&v), json!({"position": "d"}))
            .await
            .expect("save"),
        Saved::MovedByAnother
    ));
    assert_eq!(
        cursor.read().await.expect("read").expect("saved").data,
        json!({"position": "c"})
    );
}

macro_rules! on_both_ledgers {
    ($($case:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $case() { super::$case(super::sqlite_ledger().await).await } )* }
        mod dynamodb { $( #[tokio::test] async fn $case() { super::$case(super::dynamo_ledger().await).await } )* }
    };
}

on_both_ledgers!(
    a_cursor_is_saved_read_back_and_moved,
    a_cursor_removed_since_it_was_read_is_written_anew,
    a_cursor_another_poller_moved_keeps_its_position,
);
