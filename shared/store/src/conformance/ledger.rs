//! Ledger conformance: records, versions, indexes, expiry, transactions (claims are in
//! `ledger_claims` and re-exported here).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;

pub use super::ledger_claims::*;
pub use super::ledger_sequence::*;
use crate::ledger::{IndexName, LedgerError, LedgerWrite, NewRecord, Query, RecordId, SortRange};
use crate::testing::LedgerUnderTest;

pub(super) fn id(kind: &str, key: &str) -> RecordId {
    RecordId::new(kind, key).expect("a valid id")
}

pub(super) fn now(t: &LedgerUnderTest) -> OffsetDateTime {
    gridlink_core::clock::Clock::now(t.clock.as_ref())
}

/// Create, then get: version 1, both timestamps from the ledger clock, data intact.
pub async fn a_created_record_reads_back_at_version_one(t: &LedgerUnderTest) {
    let record_id = id("workspace", "PO-4711 / Grüße");
    let data = json!({"xecm_node": 120_334, "tg_id": "tg-9f", "text": "ünïcödé ✓"});
    let created = t
        .ledger
        .create(
            NewRecord::new(record_id.clone(), "OPEN", data.clone())
                .with_index1("partner#ACME", "po#4711"),
        )
        .await
        .expect("create");
    assert_eq!(created.version, 1);
    assert_eq!(created.created_at, now(t));
    assert_eq!(created.updated_at, now(t));
    let read = t
        .ledger
        .get(&record_id)
        .await
        .expect("get")
        .expect("the record exists");
    assert_eq!(read, created);
    assert_eq!(read.data, data);
    assert_eq!(
        t.ledger.get(&id("workspace", "other")).await.expect("get"),
        None
    );
}

/// Sixteen concurrent creates of one id: exactly one wins, the others see the winner.
pub async fn sixteen_concurrent_creates_of_one_key_have_exactly_one_winner(t: &LedgerUnderTest) {
    let record_id = id("delivery", "evt-0001");
    let attempts = (0..16).map(|n| {
        let ledger = Arc::clone(&t.ledger);
        let record = NewRecord::new(record_id.clone(), "RECEIVED", json!({"attempt": n}));
        tokio::spawn(async move { ledger.create(record).await })
    });
    let outcomes = futures::future::join_all(attempts).await;
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for outcome in outcomes {
        match outcome.expect("task") {
            Ok(record) => winners.push(record),
            Err(LedgerError::AlreadyExists { existing }) => losers.push(*existing),
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one create wins");
    assert_eq!(losers.len(), 15);
    let winner = &winners[0];
    assert!(
        losers.iter().all(|existing| existing == winner),
        "losers see the winner's record"
    );
    assert_eq!(
        t.ledger.get(&record_id).await.expect("get").as_ref(),
        Some(winner)
    );
}

/// A second create gets `AlreadyExists` with the stored record; nothing changes.
pub async fn creating_over_a_live_record_returns_the_existing_one(t: &LedgerUnderTest) {
    let record_id = id("workspace", "ws-1");
    let first = t
        .ledger
        .create(NewRecord::new(record_id.clone(), "OPEN", json!({"n": 1})))
        .await
        .expect("create");
    let second = t
        .ledger
        .create(NewRecord::new(record_id.clone(), "OTHER", json!({"n": 2})))
        .await;
    match second {
        Err(LedgerError::AlreadyExists { existing }) => assert_eq!(*existing, first),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(t.ledger.get(&record_id).await.expect("get"), Some(first));
}

/// Past `expires_at` a record reads as absent (before any TTL sweep) and its id is free.
pub async fn an_expired_record_reads_as_absent_and_can_be_created_again(t: &LedgerUnderTest) {
    let record_id = id("dedupe", "msg-77");
    let expires = now(t) + Duration::from_secs(60);
    t.ledger
        .create(
            NewRecord::new(record_id.clone(), "SEEN", json!(null))
                .expiring_at(expires)
                .with_index1("seen", "msg-77"),
        )
        .await
        .expect("create");
    t.clock.advance(Duration::from_secs(59));
    assert!(
        t.ledger.get(&record_id).await.expect("get").is_some(),
        "still live a second before expiry"
    );
    t.clock.advance(Duration::from_secs(1));
    assert_eq!(
        t.ledger.get(&record_id).await.expect("get"),
        None,
        "expired at expires_at"
    );
    let listed = t
        .ledger
        .query(Query::partition(IndexName::One, "seen"))
        .await
        .expect("query");
    assert!(
        listed.is_empty(),
        "expired records are not listed: {listed:?}"
    );
    let again = t
        .ledger
        .create(NewRecord::new(
            record_id.clone(),
            "SEEN",
            json!({"again": true}),
        ))
        .await
        .expect("re-create");
    assert_eq!(again.version, 1);
    assert_eq!(again.expires_at, None);
}

/// An update at the current version replaces the fields and bumps the version.
pub async fn an_update_at_the_current_version_bumps_the_version(t: &LedgerUnderTest) {
    let record_id = id("po", "4711");
    let created = t
        .ledger
        .create(NewRecord::new(
            record_id.clone(),
            "OPEN",
            json!({"lines": 3}),
        ))
        .await
        .expect("create");
    t.clock.advance(Duration::from_secs(5));
    let mut change = created.change();
    "ACKNOWLEDGED".clone_into(&mut change.status);
    change.data = json!({"lines": 3, "ack": "855-1"});
    let updated = t.ledger.update(change).await.expect("update");
    assert_eq!(updated.version, 2);
    assert_eq!(updated.status, "ACKNOWLEDGED");
    assert_eq!(updated.created_at, created.created_at);
    assert_eq!(updated.updated_at, now(t));
    assert_eq!(t.ledger.get(&record_id).await.expect("get"), Some(updated));
}

/// An update based on an old version fails with `VersionConflict { expected, found }`.
pub async fn an_update_at_a_stale_version_is_a_typed_version_conflict(t: &LedgerUnderTest) {
    let record_id = id("po", "4712");
    let created = t
        .ledger
        .create(NewRecord::new(record_id.clone(), "OPEN", json!({})))
        .await
        .expect("create");
    t.ledger
        .update(created.change())
        .await
        .expect("first update");
    let stale = t.ledger.update(created.change()).await;
    match stale {
        Err(LedgerError::VersionConflict {
            id,
            expected,
            found,
        }) => {
            assert_eq!((id, expected, found), (record_id.clone(), 1, 2));
        }
        other => panic!("expected VersionConflict, got {other:?}"),
    }
    assert_eq!(
        t.ledger
            .get(&record_id)
            .await
            .expect("get")
            .expect("exists")
            .version,
        2
    );
}

/// Updating a record that never existed, or has expired, is `NotFound`.
pub async fn an_update_of_a_missing_or_expired_record_is_not_found(t: &LedgerUnderTest) {
    let missing = t
        .ledger
        .create(NewRecord::new(id("po", "tmp"), "OPEN", json!({})))
        .await
        .expect("create");
    let mut change = missing.change();
    change.id = id("po", "never");
    assert!(matches!(
        t.ledger.update(change).await,
        Err(LedgerError::NotFound { .. })
    ));

    let expiring = t
        .ledger
        .create(
            NewRecord::new(id("po", "short"), "OPEN", json!({}))
                .expiring_at(now(t) + Duration::from_secs(10)),
        )
        .await
        .expect("create");
    t.clock.advance(Duration::from_secs(10));
    assert!(matches!(
        t.ledger.update(expiring.change()).await,
        Err(LedgerError::NotFound { .. })
    ));
    assert!(matches!(
        t.ledger.delete(&expiring.id, 1).await,
        Err(LedgerError::NotFound { .. })
    ));
}

/// Sixteen concurrent updates from one version: exactly one wins, the rest conflict.
pub async fn sixteen_concurrent_updates_from_one_version_have_exactly_one_winner(
    t: &LedgerUnderTest,
) {
    let created = t
        .ledger
        .create(NewRecord::new(id("counter", "c"), "OPEN", json!({"n": 0})))
        .await
        .expect("create");
    let attempts = (0..16).map(|n| {
        let ledger = Arc::clone(&t.ledger);
        let mut change = created.change();
        change.data = json!({"n": n});
        tokio::spawn(async move { ledger.update(change).await })
    });
    let mut won = 0;
    for outcome in futures::future::join_all(attempts).await {
        match outcome.expect("task") {
            Ok(record) => {
                assert_eq!(record.version, 2);
                won += 1;
            }
            Err(LedgerError::VersionConflict {
                expected: 1,
                found: 2,
                ..
            }) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(won, 1);
}

/// A delete at a stale version conflicts; at the current version it removes the record.
pub async fn a_delete_needs_the_current_version(t: &LedgerUnderTest) {
    let record_id = id("link", "l-1");
    let created = t
        .ledger
        .create(NewRecord::new(record_id.clone(), "OPEN", json!({})))
        .await
        .expect("create");
    let updated = t.ledger.update(created.change()).await.expect("update");
    assert!(matches!(
        t.ledger.delete(&record_id, 1).await,
        Err(LedgerError::VersionConflict {
            expected: 1,
            found: 2,
            ..
        })
    ));
    t.ledger
        .delete(&record_id, updated.version)
        .await
        .expect("delete");
    assert_eq!(t.ledger.get(&record_id).await.expect("get"), None);
    assert!(matches!(
        t.ledger.delete(&record_id, 2).await,
        Err(LedgerError::NotFound { .. })
    ));
}

/// A query reads one partition of index one, in sort order, by prefix, with a limit.
pub async fn a_query_returns_one_partition_in_sort_order(t: &LedgerUnderTest) {
    for (key, partition, sort) in [
        ("d3", "workspace#123", "doc#0003"),
        ("d1", "workspace#123", "doc#0001"),
        ("n1", "workspace#123", "note#0001"),
        ("d2", "workspace#123", "doc#0002"),
        ("x1", "workspace#999", "doc#0001"),
    ] {
        t.ledger
            .create(
                NewRecord::new(id("document", key), "FILED", json!({}))
                    .with_index1(partition, sort),
            )
            .await
            .expect("create");
    }
    t.ledger
        .create(NewRecord::new(
            id("document", "unindexed"),
            "FILED",
            json!({}),
        ))
        .await
        .expect("create");
    let keys = |records: Vec<crate::LedgerRecord>| {
        records
            .into_iter()
            .map(|r| r.id.key().to_owned())
            .collect::<Vec<_>>()
    };

    let all = t
        .ledger
        .query(Query::partition(IndexName::One, "workspace#123"))
        .await
        .expect("query");
    assert_eq!(keys(all), ["d1", "d2", "d3", "n1"]);
    let docs = t
        .ledger
        .query(
            Query::partition(IndexName::One, "workspace#123")
                .range(SortRange::Prefix("doc#".to_owned())),
        )
        .await
        .expect("query");
    assert_eq!(keys(docs), ["d1", "d2", "d3"]);
    let first_two = t
        .ledger
        .query(Query::partition(IndexName::One, "workspace#123").limit(2))
        .await
        .expect("query");
    assert_eq!(keys(first_two), ["d1", "d2"]);
    let none = t
        .ledger
        .query(Query::partition(IndexName::Two, "workspace#123"))
        .await
        .expect("query");
    assert!(none.is_empty(), "index two is separate: {none:?}");
}

/// Index two with RFC 3339 sort values answers "due before T", "from T" and "between".
pub async fn a_query_on_index_two_finds_items_due_before_a_time(t: &LedgerUnderTest) {
    for (key, due) in [
        ("inv-3", "2025-06-17T09:00:00Z"),
        ("inv-1", "2025-06-15T09:00:00Z"),
        ("inv-2", "2025-06-16T09:00:00Z"),
        ("inv-4", "2025-06-18T09:00:00Z"),
    ] {
        t.ledger
            .create(
                NewRecord::new(id("invoice", key), "OPEN", json!({"due": due}))
                    .with_index2("due", due),
            )
            .await
            .expect("create");
    }
    t.ledger
        .create(
            NewRecord::new(id("invoice", "inv-0"), "OPEN", json!({}))
                .with_index2("due", "2025-06-14T09:00:00Z")
                .expiring_at(now(t) + Duration::from_secs(1)),
        )
        .await
        .expect("create");
    t.clock.advance(Duration::from_secs(1));
    let keys = |records: Vec<crate::LedgerRecord>| {
        records
            .into_iter()
            .map(|r| r.id.key().to_owned())
            .collect::<Vec<_>>()
    };
    let due = |range| Query::partition(IndexName::Two, "due").range(range);

    let before = t
        .ledger
        .query(due(SortRange::Before("2025-06-17T09:00:00Z".to_owned())))
        .await
        .expect("query");
    assert_eq!(
        keys(before),
        ["inv-1", "inv-2"],
        "strictly before, expired inv-0 left out"
    );
    let from = t
        .ledger
        .query(due(SortRange::From("2025-06-17T09:00:00Z".to_owned())))
        .await
        .expect("query");
    assert_eq!(keys(from), ["inv-3", "inv-4"]);
    let between = t
        .ledger
        .query(due(SortRange::Between {
            from: "2025-06-16T09:00:00Z".to_owned(),
            to: "2025-06-17T09:00:00Z".to_owned(),
        }))
        .await
        .expect("query");
    assert_eq!(keys(between), ["inv-2", "inv-3"], "both ends included");
    let backwards = t
        .ledger
        .query(due(SortRange::Between {
            from: "2025-06-18T00:00:00Z".to_owned(),
            to: "2025-06-01T00:00:00Z".to_owned(),
        }))
        .await
        .expect("an empty range is not an error");
    assert!(backwards.is_empty());
}

/// `record` with an entry in `index`.
fn indexed(record: NewRecord, index: IndexName, partition: &str, sort: &str) -> NewRecord {
    match index {
        IndexName::One => record.with_index1(partition, sort),
        IndexName::Two => record.with_index2(partition, sort),
    }
}

/// A cursor pages through a partition: `After(last sort value read)` starts strictly after
/// it — a value extending the cursor (`…#a` after `…`) is next, the cursor itself is not
/// repeated — and with a limit, page after page, every live record comes exactly once, in
/// order (an expired one left out), whichever index holds them.
pub async fn a_cursor_pages_through_a_partition_strictly_after_the_last_sort_value(
    t: &LedgerUnderTest,
) {
    let sorts = [
        "2025-06-15T09:00:00.000Z#0001",
        "2025-06-15T09:00:00.000Z#0001#a",
        "2025-06-15T09:00:00.000Z#0002",
        "2025-06-15T09:00:00.001Z#0001",
        "2025-06-16T00:00:00.000Z#0001",
        "2025-06-16T00:00:00.000Z#0002",
        "2025-07-01T12:30:00.000Z#0001",
    ];
    for (index, name) in [(IndexName::One, "one"), (IndexName::Two, "two")] {
        let partition = format!("timeline#po:4711#{name}");
        // Created out of order, with an expired record in the middle.
        for (n, sort) in sorts.iter().enumerate().rev() {
            let record = NewRecord::new(
                id("timeline", &format!("{name}-{n}")),
                "RECORDED",
                json!({}),
            );
            t.ledger
                .create(indexed(record, index, &partition, sort))
                .await
                .expect("create");
        }
        let gone = NewRecord::new(
            id("timeline", &format!("{name}-gone")),
            "RECORDED",
            json!({}),
        )
        .expiring_at(now(t) + Duration::from_secs(1));
        t.ledger
            .create(indexed(
                gone,
                index,
                &partition,
                "2025-06-15T09:00:00.000Z#0001#b",
            ))
            .await
            .expect("create");
        t.clock.advance(Duration::from_secs(1));

        let after_first = t
            .ledger
            .query(
                Query::partition(index, partition.clone())
                    .range(SortRange::After(sorts[0].to_owned()))
                    .limit(1),
            )
            .await
            .expect("query");
        assert_eq!(
            after_first
                .iter()
                .map(|r| r.index(index).map(|e| e.sort.clone()))
                .collect::<Vec<_>>(),
            [Some(sorts[1].to_owned())],
            "strictly after the cursor, and a value extending it comes next"
        );

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut query = Query::partition(index, partition.clone()).limit(3);
            if let Some(cursor) = &cursor {
                query = query.range(SortRange::After(cursor.clone()));
            }
            let page = t.ledger.query(query).await.expect("query");
            pages += 1;
            assert!(pages <= 4, "paging does not end: {seen:?}");
            let Some(last) = page.last() else { break };
            cursor = last.index(index).map(|e| e.sort.clone());
            let full = page.len() == 3;
            seen.extend(
                page.into_iter()
                    .map(|r| r.index(index).map(|e| e.sort.clone()).unwrap_or_default()),
            );
            if !full {
                break;
            }
        }
        assert_eq!(
            seen, sorts,
            "every live record once, in order, on index {name}"
        );
        let past_the_end = t
            .ledger
            .query(
                Query::partition(index, partition.clone())
                    .range(SortRange::After(sorts[6].to_owned())),
            )
            .await
            .expect("query");
        assert!(past_the_end.is_empty(), "{past_the_end:?}");
    }
}

/// An update can move a record to another partition or take it out of an index.
pub async fn an_update_moves_a_record_between_index_partitions(t: &LedgerUnderTest) {
    let created = t
        .ledger
        .create(
            NewRecord::new(id("item", "i-1"), "OPEN", json!({}))
                .with_index1("partner#ACME#open", "i-1")
                .with_index2("due", "2025-07-01T00:00:00Z"),
        )
        .await
        .expect("create");
    let mut change = created.change();
    "CLOSED".clone_into(&mut change.status);
    change.index1 = Some(crate::IndexEntry::new("partner#ACME#closed", "i-1"));
    change.index2 = None;
    let updated = t.ledger.update(change).await.expect("update");
    assert_eq!(updated.index2, None);
    let count = |index, partition: &'static str| {
        let ledger = Arc::clone(&t.ledger);
        async move {
            ledger
                .query(Query::partition(index, partition))
                .await
                .expect("query")
                .len()
        }
    };
    assert_eq!(count(IndexName::One, "partner#ACME#open").await, 0);
    assert_eq!(count(IndexName::One, "partner#ACME#closed").await, 1);
    assert_eq!(count(IndexName::Two, "due").await, 0);
}

/// A transaction of a create, an update and a delete applies all three.
pub async fn a_transaction_applies_all_its_writes(t: &LedgerUnderTest) {
    let old = t
        .ledger
        .create(NewRecord::new(id("link", "old"), "OPEN", json!({})))
        .await
        .expect("create");
    let moving = t
        .ledger
        .create(NewRecord::new(id("link", "moving"), "OPEN", json!({})))
        .await
        .expect("create");
    let mut change = moving.change();
    "LINKED".clone_into(&mut change.status);
    t.ledger
        .transact(vec![
            LedgerWrite::Create(NewRecord::new(
                id("link", "new"),
                "OPEN",
                json!({"from": "old"}),
            )),
            LedgerWrite::Update(change),
            LedgerWrite::Delete {
                id: old.id.clone(),
                expected_version: old.version,
            },
        ])
        .await
        .expect("transact");
    let new = t
        .ledger
        .get(&id("link", "new"))
        .await
        .expect("get")
        .expect("created");
    assert_eq!(new.version, 1);
    let moved = t
        .ledger
        .get(&moving.id)
        .await
        .expect("get")
        .expect("updated");
    assert_eq!((moved.status.as_str(), moved.version), ("LINKED", 2));
    assert_eq!(t.ledger.get(&old.id).await.expect("get"), None);
    t.ledger
        .transact(Vec::new())
        .await
        .expect("an empty transaction is fine");
}

/// One failing condition cancels the whole transaction and is named by position.
pub async fn a_transaction_with_one_failing_condition_changes_nothing_and_names_the_write(
    t: &LedgerUnderTest,
) {
    let a = t
        .ledger
        .create(NewRecord::new(id("pair", "a"), "OPEN", json!({})))
        .await
        .expect("create");
    let b = t
        .ledger
        .create(NewRecord::new(id("pair", "b"), "OPEN", json!({})))
        .await
        .expect("create");
    t.ledger
        .update(b.change())
        .await
        .expect("move b to version 2");
    let mut change_a = a.change();
    "PAIRED".clone_into(&mut change_a.status);
    let outcome = t
        .ledger
        .transact(vec![
            LedgerWrite::Update(change_a),
            LedgerWrite::Create(NewRecord::new(id("pair", "c"), "OPEN", json!({}))),
            LedgerWrite::Update(b.change()),
        ])
        .await;
    match outcome {
        Err(LedgerError::TransactionCancelled { index: 2, cause }) => {
            assert!(
                matches!(
                    *cause,
                    LedgerError::VersionConflict {
                        expected: 1,
                        found: 2,
                        ..
                    }
                ),
                "{cause}"
            );
        }
        other => panic!("expected the third write to fail, got {other:?}"),
    }
    assert_eq!(
        t.ledger.get(&a.id).await.expect("get").expect("a").status,
        "OPEN"
    );
    assert_eq!(t.ledger.get(&id("pair", "c")).await.expect("get"), None);

    let outcome = t
        .ledger
        .transact(vec![LedgerWrite::Create(NewRecord::new(
            a.id.clone(),
            "OPEN",
            json!({}),
        ))])
        .await;
    assert!(
        matches!(&outcome, Err(LedgerError::TransactionCancelled { index: 0, cause }) if matches!(**cause, LedgerError::AlreadyExists { .. })),
        "{outcome:?}"
    );
    let outcome = t
        .ledger
        .transact(vec![LedgerWrite::Delete {
            id: id("pair", "zzz"),
            expected_version: 1,
        }])
        .await;
    assert!(
        matches!(&outcome, Err(LedgerError::TransactionCancelled { index: 0, cause }) if matches!(**cause, LedgerError::NotFound { .. })),
        "{outcome:?}"
    );
}

/// Bad ids, empty statuses, empty index values and duplicate transaction ids are refused.
pub async fn invalid_ids_and_fields_are_refused(t: &LedgerUnderTest) {
    for (kind, key) in [
        ("", "k"),
        ("has#hash", "k"),
        ("kind", ""),
        ("kind", "nul\0"),
    ] {
        assert!(
            matches!(RecordId::new(kind, key), Err(LedgerError::Invalid { .. })),
            "{kind:?}/{key:?}"
        );
    }
    let empty_status = t
        .ledger
        .create(NewRecord::new(id("k", "1"), "", json!({})))
        .await;
    assert!(
        matches!(
            empty_status,
            Err(LedgerError::Invalid {
                field: "status",
                ..
            })
        ),
        "{empty_status:?}"
    );
    let empty_sort = t
        .ledger
        .create(NewRecord::new(id("k", "2"), "OPEN", json!({})).with_index1("p", ""))
        .await;
    assert!(
        matches!(
            empty_sort,
            Err(LedgerError::Invalid {
                field: "index1.sort",
                ..
            })
        ),
        "{empty_sort:?}"
    );
    let twice = t
        .ledger
        .transact(vec![
            LedgerWrite::Create(NewRecord::new(id("k", "3"), "OPEN", json!({}))),
            LedgerWrite::Delete {
                id: id("k", "3"),
                expected_version: 1,
            },
        ])
        .await;
    assert!(
        matches!(
            twice,
            Err(LedgerError::Invalid {
                field: "writes",
                ..
            })
        ),
        "{twice:?}"
    );
    assert_eq!(t.ledger.get(&id("k", "3")).await.expect("get"), None);
}
