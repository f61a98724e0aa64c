//! Replay and dry run of inbox items (issue 18, item 2), on order-reconcile, on embedded
//! storage and on S3 + DynamoDB (moto): a real replay of a done 810 changes nothing in xECM,
//! Trading Grid or storage (but the item's own `replayed` history entry and its timeline
//! entries); a dry run of a done 810 and of a new one writes nothing at all — xECM (the
//! simulator's repository), TG (the simulator's state) and storage (every ledger row and
//! blob, read behind the function's back) are as before — and says what a real replay would
//! file and send.

mod common;

use bytes::Bytes;
use common::{World, acme_810, world};
use gridlink_tests::stack::Stack;
use serde_json::{Value, json};

/// The operator's identity as API Gateway's IAM authoriser passes it on.
const OPERATOR: &str = "arn:aws:sts::123456789012:assumed-role/gridlink-operator/ops-anna";

async fn replay(world: &World, item_id: &str, dry_run: bool) -> (u16, Value) {
    world
        .operator_as(
            Some(OPERATOR),
            "POST",
            &format!("/order-reconcile/inbox/{item_id}/replay"),
            &json!({ "dry_run": dry_run }).to_string(),
        )
        .await
}

/// Everything xECM, TG and storage hold.
struct Snapshot {
    xecm: Value,
    tg: Value,
    storage: Value,
}

impl Snapshot {
    /// Asserts xECM, TG and storage are as in `self`, and that xECM saw no write since `calls`.
    async fn assert_unchanged(
        &self,
        world: &World,
        calls: &std::collections::BTreeMap<String, u64>,
    ) {
        let after = snapshot(world).await;
        assert_eq!(
            xecm_writes_since(world, calls),
            Vec::<String>::new(),
            "no write reached xECM"
        );
        assert_eq!(
            diff(&self.xecm, &after.xecm),
            Vec::<String>::new(),
            "xECM is as before"
        );
        assert_eq!(
            diff(&self.tg, &after.tg),
            Vec::<String>::new(),
            "Trading Grid is as before"
        );
        assert_eq!(
            after.storage, self.storage,
            "not a ledger row nor a blob written"
        );
    }
}

async fn snapshot(world: &World) -> Snapshot {
    Snapshot {
        xecm: serde_json::to_value(world.stack.xecm_sim.snapshot()).expect("xECM as JSON"),
        tg: world.stack.tg_sim.snapshot(),
        storage: world.stack.storage_snapshot().await,
    }
}

/// The xECM simulator's calls that change something, made since `before`.
fn xecm_writes_since(
    world: &World,
    before: &std::collections::BTreeMap<String, u64>,
) -> Vec<String> {
    world
        .stack
        .xecm_sim
        .calls()
        .into_iter()
        .filter(|(call, count)| before.get(call) != Some(count))
        .map(|(call, _)| call)
        .filter(|call| {
            !call.starts_with("GET ") && !call.contains("/auth") && !call.contains("/search")
        })
        .collect()
}

/// Where two JSON values differ, as `path: before → after` lines (for a failing assertion).
fn differences(path: &str, before: &Value, after: &Value, into: &mut Vec<String>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                let (x, y) = (
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                );
                differences(&format!("{path}/{key}"), x, y, into);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}/{i}"), x, y, into);
            }
        }
        (x, y) if x != y => into.push(format!("{path}: {x:.200} → {y:.200}")),
        _ => {}
    }
}

fn diff(before: &Value, after: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    differences("", before, after, &mut lines);
    lines
}

async fn acks_to_acme(world: &World) -> usize {
    world
        .partner_inbox("prt_acme")
        .await
        .iter()
        .filter(|d| d["doc_type"] == "997")
        .count()
}

/// Delivers Acme's invoice `number`; its item id once done.
async fn a_done_810(world: &World, number: &str, control: u32) -> String {
    let record = world
        .deliver(
            world
                .partner_sends("prt_acme", acme_810(number, control))
                .await,
        )
        .await;
    let event_id = record["event_id"].as_str().expect("event id");
    let item = world.inbox_record(event_id).await;
    assert!(item["outcome"].is_object(), "processed at once: {item}");
    format!("tg:{event_id}")
}

/// A real replay of a done 810 goes through the normal path and is a no-op where its effects
/// happened: the same documents in xECM (none added, no new version, nothing changed), no
/// second acknowledgment or anything else in TG, every ledger row and blob as before — but
/// the item's own record (its history says who replayed it, when, and that it came to done)
/// and the timeline's `replayed` entries.
async fn a_real_replay_of_a_done_810_changes_nothing_in_xecm_tg_or_the_ledger(stack: Stack) {
    let world = world(stack);
    let item_id = a_done_810(&world, "INV-RP-1", 6101).await;
    let workspace = world.workspace("4500001234").await;
    let invoices = world.documents_in(workspace.id, "Invoices").await.len();
    let acks = acks_to_acme(&world).await;
    let before = snapshot(&world).await;
    let calls = world.stack.xecm_sim.calls();

    let (status, answer) = replay(&world, &item_id, false).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["processed"], "done", "{answer}");
    assert_eq!(answer["status"], "done", "the item stays done: {answer}");

    let after = snapshot(&world).await;
    assert_eq!(
        xecm_writes_since(&world, &calls),
        Vec::<String>::new(),
        "no write reached xECM"
    );
    assert_eq!(
        diff(&before.xecm, &after.xecm),
        Vec::<String>::new(),
        "xECM is as before"
    );
    assert_eq!(
        diff(&before.tg, &after.tg),
        Vec::<String>::new(),
        "Trading Grid is as before"
    );
    assert_eq!(acks_to_acme(&world).await, acks, "no second acknowledgment");
    assert_eq!(
        world.documents_in(workspace.id, "Invoices").await.len(),
        invoices,
        "no second document"
    );
    assert_eq!(
        after.storage["blobs"], before.storage["blobs"],
        "no blob written"
    );
    let event_id = item_id.trim_start_matches("tg:");
    let rows = |snapshot: &Snapshot| -> Vec<String> {
        snapshot.storage["ledger"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let (old, new) = (rows(&before), rows(&after));
    let changed: Vec<&String> = old
        .iter()
        .filter(|row| !new.contains(row))
        .chain(new.iter().filter(|row| !old.contains(row)))
        .collect();
    let own_record = |row: &str| {
        row.contains(&format!("order-reconcile/tg/{event_id}")) && row.contains("inbox")
    };
    let others: Vec<&&String> = changed
        .iter()
        .filter(|row| !own_record(row) && !row.contains("timeline"))
        .collect();
    assert!(
        others.is_empty(),
        "only the item's own record and its timeline changed: {others:#?}"
    );
    assert_eq!(
        changed.iter().filter(|row| own_record(row)).count(),
        2,
        "the item's record, before and after: {changed:#?}"
    );
    let (_, shown) = world
        .operator(
            "GET",
            &format!("/order-reconcile/dead-letters/{item_id}"),
            "",
        )
        .await;
    let last = shown["history"].as_array().and_then(|h| h.last()).cloned();
    assert_eq!(
        last.as_ref().map(|e| (&e["event"], &e["by"], &e["then"])),
        Some((&json!("replayed"), &json!(OPERATOR), &json!("done"))),
        "{shown}"
    );

    let (status, _) = replay(&world, "tg:evt_never_seen", false).await;
    assert_eq!(status, 404);
}

/// A dry run of a done 810 writes nothing — not even the item's history — and says so: every
/// effect already done (the filing, the acknowledgment), nothing a real replay would write,
/// the item would be done.
async fn a_dry_run_of_a_done_810_writes_nothing_and_finds_every_effect_done(stack: Stack) {
    let world = world(stack);
    let item_id = a_done_810(&world, "INV-RP-2", 6102).await;
    let before = snapshot(&world).await;
    let calls = world.stack.xecm_sim.calls();

    let (status, answer) = replay(&world, &item_id, true).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["dry_run"], true);
    assert_eq!(answer["verdict"], "done", "{answer:#}");
    assert_eq!(answer["would_be_done"], true);
    assert_eq!(answer["would"], json!([]), "{answer:#}");
    let done: Vec<&str> = answer["already_done"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|e| e["effect"].as_str())
        .collect();
    assert!(
        done.iter().any(|e| e.starts_with("xecm-file:")),
        "the filing is done: {done:?}"
    );
    assert!(
        done.iter().any(|e| e.starts_with("tg")),
        "the acknowledgment is done: {done:?}"
    );

    before.assert_unchanged(&world, &calls).await;
}

/// A dry run of a new 810 writes nothing and says what a real replay would do first. Never
/// tried yet: it would open the document in TG, which marks it read there — refused, so the
/// dry run stops there (TG's document stays new). Tried once and failed on an xECM outage
/// (the usual case an operator dry-runs): it would file the invoice in xECM — the document,
/// its file and folder, under its filing effect — and stops there; the item stays pending,
/// its attempts unspent. A real replay then files it once, and a dry run afterwards finds
/// nothing left to do. The item is named by its TG event id alone too.
async fn a_dry_run_of_a_new_810_says_what_it_would_do_first_and_writes_nothing(stack: Stack) {
    let world = world(stack);
    let workspace = world.workspace("4500001234").await;
    let invoices = world.documents_in(workspace.id, "Invoices").await.len();

    // Never tried: kept in the inbox only.
    let request = world
        .partner_sends("prt_acme", acme_810("INV-RP-3", 6103))
        .await;
    let event: Value = serde_json::from_slice(&request.body).expect("the event");
    let untried = event["event_id"].as_str().expect("id").to_owned();
    world
        .function
        .platform()
        .inbox
        .accept(
            "tg",
            &untried,
            "document.received",
            Bytes::from(request.body.clone()),
        )
        .await
        .expect("kept, not processed yet");
    let before = snapshot(&world).await;
    let calls = world.stack.xecm_sim.calls();
    let (status, answer) = replay(&world, &untried, true).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["item_id"], format!("tg:{untried}"));
    assert_eq!(answer["verdict"], "stops_at_a_write", "{answer:#}");
    assert_eq!(
        (&answer["would"][0]["system"], &answer["would"][0]["method"]),
        (&json!("tg"), &json!("GET")),
        "{answer:#}"
    );
    assert!(
        answer["would"][0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("marks it read")),
        "{answer:#}"
    );
    // TG's document is still new.
    before.assert_unchanged(&world, &calls).await;

    // Tried once, failed on an xECM outage: pending, its content kept, TG's document read.
    world.fail_uploads(1000).await;
    let record = world
        .deliver(
            world
                .partner_sends("prt_acme", acme_810("INV-RP-4", 6104))
                .await,
        )
        .await;
    world.xecm_faults(json!({})).await;
    let event_id = record["event_id"].as_str().expect("id").to_owned();
    assert_eq!(record["attempts"], 1, "{record}");
    let before = snapshot(&world).await;
    let calls = world.stack.xecm_sim.calls();

    let (status, answer) = replay(&world, &event_id, true).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "pending");
    assert_eq!(answer["verdict"], "stops_at_a_write", "{answer:#}");
    assert_eq!(answer["would_be_done"], false);
    assert_eq!(answer["already_done"], json!([]), "{answer:#}");
    let first = &answer["would"][0];
    assert_eq!(
        (&first["system"], &first["method"]),
        (&json!("xecm"), &json!("POST")),
        "{answer:#}"
    );
    assert!(
        first["effect"]
            .as_str()
            .is_some_and(|e| e.starts_with("xecm-file:")),
        "{answer:#}"
    );
    assert!(
        first["summary"]
            .as_str()
            .is_some_and(|s| s.contains("create document") && s.contains("INV-RP-4")),
        "the document it would file: {answer:#}"
    );
    assert!(
        answer["stopped"]
            .as_str()
            .is_some_and(|s| s.contains("dry run")),
        "{answer:#}"
    );
    before.assert_unchanged(&world, &calls).await;
    assert_eq!(world.inbox_record(&event_id).await["attempts"], 1);

    let (status, replayed) = replay(&world, &event_id, false).await;
    assert_eq!(status, 200, "{replayed}");
    assert_eq!(replayed["processed"], "done", "{replayed}");
    assert_eq!(
        world.documents_in(workspace.id, "Invoices").await.len(),
        invoices + 1,
        "filed once"
    );
    let (_, again) = replay(&world, &format!("tg:{event_id}"), true).await;
    assert_eq!(
        (&again["verdict"], &again["would"]),
        (&json!("done"), &json!([])),
        "{again:#}"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_real_replay_of_a_done_810_changes_nothing_in_xecm_tg_or_the_ledger,
    a_dry_run_of_a_done_810_writes_nothing_and_finds_every_effect_done,
    a_dry_run_of_a_new_810_says_what_it_would_do_first_and_writes_nothing,
);
