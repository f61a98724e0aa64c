//! Issue 14's benchmarks — not timed tests: ignored, they print figures and assert only that
//! the work was done (docs/benchmarks.md, "po-exception"). The local stack: xecm-sim and
//! tgrid-sim in this process on loopback (demo seeds), the real xECM and TG clients, embedded
//! storage (files + SQLite in a temporary directory), po-exception driven through its handler.
//!
//! Run (each alone, so the other's stack does not share the cores):
//! `cargo test --profile local -p po-exception --test bench -- --ignored --nocapture --test-threads 1`
//! Environment: `REPLIES` (100) for the latency, `EXCEPTIONS` (1000, a multiple of 50: an
//! order holds at most 50 exception rows) for the sweep.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use gridlink_tests::stack::Storage;
use gridlink_xecm::{
    AttributeValue, BusinessObject, CategoryId, NamedAttributes, NodeId, WorkspaceSpec,
    WorkspaceTypeId, Workspaces,
};
use serde_json::json;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn exception_row(id: &str, line: i64) -> NamedAttributes {
    let mut row = NamedAttributes::new();
    row.insert("Exception ID".into(), id.into());
    row.insert("Type".into(), "price".into());
    row.insert("Line".into(), AttributeValue::Integer(line));
    row.insert("Expected".into(), "0.08 EUR".into());
    row.insert("Actual".into(), "0.09 EUR".into());
    row.insert("Owner".into(), AttributeValue::User(1000));
    row.insert("Status".into(), "Open".into());
    row
}

/// The threads of ACME's exceptions on `order`: exception id → thread id.
async fn threads_of(world: &World, order: NodeId) -> Vec<(String, String)> {
    let spaces = partner_spaces(world, "prt_acme", order).await;
    let space = spaces[0]["space_id"].as_str().expect("space").to_owned();
    let mut out = Vec::new();
    for thread in partner_threads(world, "prt_acme", &space).await {
        let id = thread["thread_id"].as_str().expect("id").to_owned();
        let messages = partner_messages(world, "prt_acme", &id).await;
        let exception = messages[0]["structured"]["exception_id"]
            .as_str()
            .expect("exception id")
            .to_owned();
        out.push((exception, id));
    }
    out
}

/// A supplier reply (`message.posted` webhook, a message with a file) → the message and the
/// file filed into `Exceptions/<id>` and a new timeline version: the handler's answer comes
/// after that work (it processes what it accepted inline). 20 exceptions on ACME's order,
/// the replies spread over them; five untimed warm-up deliveries first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures (docs/benchmarks.md)"]
async fn bench_supplier_reply_to_filed_and_timeline() {
    const WARM_UP: usize = 5;
    let replies = env_number("REPLIES", 100);
    let world = world(stack_on(Storage::Embedded).await).await;
    let mut rows = rows(&world, world.acme_order).await;
    for n in 2..=20 {
        rows.push(exception_row(&format!("EXC-{ACME_PO}-B{n:02}"), n));
    }
    write_rows(&world, world.acme_order, rows).await;
    poll(&world).await;
    let threads = threads_of(&world, world.acme_order).await;
    assert_eq!(threads.len(), 20);

    let mut events = Vec::new();
    for n in 0..WARM_UP + replies {
        let (exception, thread) = &threads[n % threads.len()];
        let name = format!("reply-{n:04}.txt");
        let (status, message) = reply(
            &world,
            "prt_acme",
            thread,
            &format!("Reply {n} about {exception}."),
            "explain",
            Some((name.as_str(), b"supporting document\n")),
        )
        .await;
        assert_eq!(status, 201, "{message}");
        events.push(posted_event(&world, message["message_id"].as_str().expect("id")).await);
    }
    for event in &events[..WARM_UP] {
        deliver(&world, event).await;
    }
    let mut took = Vec::with_capacity(replies);
    let started = Instant::now();
    for event in &events[WARM_UP..] {
        let t = Instant::now();
        let answer = deliver(&world, event).await;
        took.push(t.elapsed());
        assert_eq!(answer["duplicate"], false, "{answer}");
    }
    let wall = started.elapsed();

    // The work was done: every reply's message and file filed, a timeline version each.
    let mut answers = 0;
    let mut versions = 0;
    for (exception, _) in &threads {
        let docs = filed(&world, world.acme_order, exception).await;
        answers += docs
            .iter()
            .filter(|(n, _)| !n.starts_with("timeline"))
            .count();
        versions += timeline(&world, world.acme_order, exception).await.1;
    }
    assert_eq!(answers, 2 * (WARM_UP + replies), "message + file per reply");
    assert!(
        versions >= WARM_UP + replies,
        "{versions} timeline versions"
    );

    took.sort();
    println!(
        "po-exception reply → filed + timeline: {replies} replies (one at a time, after {WARM_UP} warm-up) over 20 exceptions: p50 {:?}, p95 {:?}, p99 {:?}, max {:?}; {:.1} replies/s; {versions} timeline.json versions in all",
        percentile(&took, 0.50),
        percentile(&took, 0.95),
        percentile(&took, 0.99),
        took.last().expect("a reply"),
        replies as f64 / wall.as_secs_f64(),
    );
}

/// `EXCEPTIONS` open exceptions (50 per order on as many new ACME orders), all published and
/// overdue; one firing of the `po-exception-deadlines` schedule reminds every one of them
/// (a reminder message on its thread, a ledger change, a timeline version, json and html).
/// Timed: that firing; memory: this process's RSS before and after, and its peak during the
/// firing (`VmHWM`, reset just before) — the simulators run in this process and keep what
/// they are sent in memory, so their growth counts too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures (docs/benchmarks.md)"]
async fn bench_deadline_sweep_of_open_exceptions() {
    let exceptions = env_number("EXCEPTIONS", 1000);
    assert!(
        exceptions.is_multiple_of(50),
        "EXCEPTIONS must be a multiple of 50"
    );
    let world = world(stack_on(Storage::Embedded).await).await;
    let setup = Instant::now();
    for o in 0..exceptions / 50 {
        let po = format!("46{o:08}");
        let mut values = NamedAttributes::new();
        values.insert("PO Number".into(), AttributeValue::Text(po.clone()));
        values.insert(
            "Supplier Number".into(),
            AttributeValue::Text("0000100042".into()),
        );
        let rows: Vec<_> = (1..=50)
            .map(|n| exception_row(&format!("EXC-{po}-{n:02}"), n))
            .collect();
        let mut exception_set = NamedAttributes::new();
        exception_set.insert("Exceptions".into(), AttributeValue::Rows(rows));
        world
            .xecm
            .create_workspace_idempotent(&WorkspaceSpec {
                type_id: WorkspaceTypeId::new(31).expect("type"),
                template_id: None,
                name: format!("PO {po}"),
                description: "benchmark order".into(),
                business_object: Some(BusinessObject::new("SAP_ERP", "BUS2012", &po).expect("bo")),
                parent_id: None,
                categories: vec![
                    (CategoryId::new(9100).expect("category"), values),
                    (exception_category(), exception_set),
                ],
            })
            .await
            .expect("order created");
    }
    let polled = poll(&world).await;
    let published = polled["polled"]["published"].as_array().map_or(0, Vec::len);
    assert!(
        published >= exceptions,
        "{published} published, {}",
        polled["polled"]["failed"]
    );
    println!(
        "setup: {exceptions} exceptions on {} orders published in {:?}",
        exceptions / 50,
        setup.elapsed()
    );

    world.clock.advance(Duration::from_secs(48 * 3600 + 60));
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    let (rss_before, hwm_reset) = gridlink_store::testing::rss_kib();
    let started = Instant::now();
    let swept = deadlines(&world).await;
    let took = started.elapsed();
    let (rss_after, peak) = gridlink_store::testing::rss_kib();
    let reminded = swept["deadlines"]["reminded"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(reminded >= exceptions, "{reminded} reminded");

    let again = Instant::now();
    let idle = deadlines(&world).await;
    let idle_took = again.elapsed();
    assert_eq!(
        idle["deadlines"]["reminded"],
        json!([]),
        "once per interval"
    );

    println!(
        "po-exception deadline sweep: {reminded} open exceptions reminded in one firing in {took:?} ({:.1} ms each); the next firing (nothing due) {idle_took:?}; RSS {} → {} MiB (growth {:+.1} MiB), peak during the firing {} MiB (VmHWM reset to {} MiB just before)",
        took.as_secs_f64() * 1000.0 / reminded as f64,
        rss_before / 1024,
        rss_after / 1024,
        (rss_after as f64 - rss_before as f64) / 1024.0,
        peak / 1024,
        hwm_reset / 1024,
    );
}
