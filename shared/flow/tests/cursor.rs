//! The ledger cursor every poll keeps its position in, on the embedded ledger and on
//! DynamoDB (moto): saved, read back, and kept when another poller moved it first.

use gridlink_flow::{LedgerCursor, Saved};
use gridlink_store::testing::{LedgerUnderTest, dynamo_ledger, sqlite_ledger};
use serde_json::json;

async fn a_cursor_is_saved_read_back_and_moved(under: LedgerUnderTest) {
    let cursor =
        LedgerCursor::new(under.ledger.clone(), "order-reconcile", "tg-events").expect("cursor");
    assert!(cursor.read().await.expect("read").is_none());
    let Saved::Moved { version: first } = cursor
        .save(None, json!({"after": "evt_1"}))
        .await
        .expect("save")
    else {
        panic!("the first save creates the cursor");
    };
    let read = cursor.read().await.expect("read").expect("saved");
    assert_eq!(read.data, json!({"after": "evt_1"}));
    assert_eq!(read.id.to_string(), "poll-cursor/order-reconcile:tg-events");
    let Saved::Moved { version: second } = cursor
        .save(Some(first), json!({"after": "evt_2"}))
        .await
        .expect("save")
    else {
        panic!("a save over the version read moves the cursor");
    };
    assert_ne!(second, first);
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
        Saved::Moved { .. }
    ));
    assert!(matches!(
        cursor
            .save(None, json!({"position": "b"}))
            .await
            .expect("save"),
        Saved::MovedByAnother
    ));
    // Two pollers read version v; the first moves it, the second keeps the first's position.
    let v = cursor.read().await.expect("read").expect("saved").version;
    assert!(matches!(
        cursor
            .save(Some(v), json!({"position": "c"}))
            .await
            .expect("save"),
        Saved::Moved { .. }
    ));
    assert!(matches!(
        cursor
            .save(Some(v), json!({"position": "d"}))
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
    a_cursor_another_poller_moved_keeps_its_position,
);
