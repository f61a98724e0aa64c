//! po-exception under failure and over time: a crash after every effect leaves exactly one
//! of each; overdue exceptions are reminded once per interval, then escalated; a row without
//! `Response Due` is due after its type's hours, overridden per partner.

mod common;

use std::time::Duration;

use common::*;
use gridlink_core::clock::Clock;
use gridlink_core::config::ConfigSource;
use gridlink_tests::stack::{Stack, Storage};
use po_exception::PoExceptionConfig;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const HOUR: Duration = Duration::from_secs(3600);

/// Runs a schedule until it succeeds, letting the crashed effect's lease run out in between.
async fn until_ok(world: &World, schedule: &str) -> Value {
    for _ in 0..4 {
        match fire(world, schedule).await {
            Ok(summary) => return summary,
            Err(error) => {
                println!("{schedule} failed (expected once after an injected crash): {error:?}");
                world.stack.ledger_clock.advance(HOUR);
            }
        }
    }
    panic!("{schedule} never succeeded");
}

/// ACME posts a corrected confirmation (with its file) on `thread`; the `message.posted` event.
async fn acme_sends_a_correction(world: &World, thread: &str) -> gridlink_tgrid::events::Event {
    let (status, message) = reply(
        world,
        "prt_acme",
        thread,
        "Corrected confirmation attached.",
        "corrected_document",
        Some(("855-corrected.txt", b"855 corrected\n")),
    )
    .await;
    assert_eq!(status, 201, "{message}");
    posted_event(world, message["message_id"].as_str().expect("id")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_of_each() {
    for kind in [
        "tg-pox-space",
        "tg-pox-thread",
        "tg-pox-publish",
        "xecm-pox-timeline",
        "xecm-pox-file",
        "tg-pox-thread-status",
    ] {
        let world = world_with(stack_on(Storage::Embedded).await, Some(kind), |_| {}).await;
        until_ok(&world, "po-exception-poll-xecm").await;
        let (_, thread) = acme_thread(&world).await;
        let event = acme_sends_a_correction(&world, &thread).await;
        deliver(&world, &event).await;
        world.stack.ledger_clock.advance(HOUR);
        until_ok(&world, "po-exception-poll-xecm").await;
        deliver(&world, &event).await;
        set_column(
            &world,
            world.acme_order,
            ACME_EXC,
            "Status",
            "Accepted".into(),
        )
        .await;
        until_ok(&world, "po-exception-poll-xecm").await;
        until_ok(&world, "po-exception-poll-xecm").await;

        let (space, thread) = acme_thread(&world).await;
        let messages = partner_messages(&world, "prt_acme", &thread).await;
        let published = messages
            .iter()
            .filter(|m| m["structured"]["allowed_responses"].is_array())
            .count();
        assert_eq!(published, 1, "one publication after a crash after {kind}");
        let docs = filed(&world, world.acme_order, ACME_EXC).await;
        let names: Vec<_> = docs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            docs.len(),
            4,
            "message, file and the two timelines after a crash after {kind}: {names:?}"
        );
        assert_eq!(
            status_of(&world, world.acme_order, ACME_EXC).await,
            "Resolved",
            "after {kind}"
        );
        let threads = partner_threads(&world, "prt_acme", &space).await;
        assert_eq!(threads[0]["status"], "resolved", "after {kind}");
        let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
        let answered = tl["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["state"] == "supplier_responded")
            .count();
        assert_eq!(answered, 1, "one answer on the timeline after {kind}");
    }
}

async fn an_overdue_exception_is_reminded_once_per_interval_then_escalated(stack: Stack) {
    let world = world_with(stack, None, |c| {
        c.max_reminders = 2;
        c.reminder_interval = HOUR;
    })
    .await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    assert_eq!(
        deadlines(&world).await["deadlines"]["reminded"],
        serde_json::json!([]),
        "not due yet"
    );
    world.clock.advance(Duration::from_secs(48 * 3600 + 60));
    let first = deadlines(&world).await;
    assert_eq!(
        first["deadlines"]["reminded"].as_array().map(Vec::len),
        Some(2),
        "ACME and Nordic Fasteners: {first}"
    );
    let again = deadlines(&world).await;
    assert_eq!(
        again["deadlines"]["reminded"],
        serde_json::json!([]),
        "once per interval: {again}"
    );
    world.clock.advance(HOUR);
    deadlines(&world).await;
    world.clock.advance(HOUR);
    let escalated = deadlines(&world).await;
    assert_eq!(
        escalated["deadlines"]["escalated"].as_array().map(Vec::len),
        Some(2),
        "{escalated}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Escalated"
    );
    let messages = partner_messages(&world, "prt_acme", &thread).await;
    assert_eq!(
        messages.len(),
        4,
        "publication, two reminders, the escalation: {messages:?}"
    );
    let escalation = messages[3]["body"].as_str().unwrap_or_default();
    assert!(
        escalation.contains("Tom Reyes"),
        "to the partner's sales contact: {escalation}"
    );
    assert!(
        escalation.contains("xECM user 1000"),
        "names the owner: {escalation}"
    );
    world.clock.advance(HOUR * 5);
    let later = deadlines(&world).await;
    assert_eq!(
        later["deadlines"]["reminded"],
        serde_json::json!([]),
        "{later}"
    );
    assert_eq!(
        later["deadlines"]["escalated"],
        serde_json::json!([]),
        "{later}"
    );
    assert_eq!(partner_messages(&world, "prt_acme", &thread).await.len(), 4);
    // a reply stops the clock
    let (_, message) = reply(
        &world,
        "prt_acme",
        &thread,
        "Sorry, here is why.",
        "explain",
        None,
    )
    .await;
    deliver(
        &world,
        &posted_event(&world, message["message_id"].as_str().expect("id")).await,
    )
    .await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Supplier Responded"
    );
}

/// The deadline the partner was given in the exception's publication.
async fn published_due(world: &World, partner: &str, thread: &str) -> OffsetDateTime {
    let messages = partner_messages(world, partner, thread).await;
    let due = messages[0]["action_request"]["due_at"]
        .as_str()
        .expect("the publication's due date");
    OffsetDateTime::parse(due, &Rfc3339).expect("RFC 3339")
}

/// Neither seeded row has a `Response Due`: ACME's price exception is due after ACME's own
/// price hours (6), Nordic Fasteners' date exception after the default's date hours (30) —
/// not `RESPONSE_DUE_HOURS` (48) — and the reminders count from there.
async fn a_row_without_response_due_is_due_after_its_types_hours_for_its_partner(stack: Stack) {
    let source = ConfigSource::from_pairs([(
        "RESPONSE_DUE_HOURS_BY_TYPE".to_owned(),
        r#"{"*": {"date": 30, "price": 20}, "ACMESUPPLY": {"price": 6}}"#.to_owned(),
    )]);
    let configured = PoExceptionConfig::from_source(&source).expect("valid");
    let world = world_with(stack, None, |c| {
        c.response_due = configured.response_due;
        c.reminder_interval = HOUR;
    })
    .await;
    // Deadlines are kept to the second.
    let start = world.clock.now().replace_nanosecond(0).expect("0 ns");
    poll(&world).await;
    let (_, acme) = acme_thread(&world).await;
    assert_eq!(
        published_due(&world, "prt_acme", &acme).await - start,
        time::Duration::hours(6),
        "ACME's price hours"
    );
    let spaces = partner_spaces(&world, "prt_nordfast", world.nordfast_order).await;
    let space = spaces[0]["space_id"].as_str().expect("space");
    let threads = partner_threads(&world, "prt_nordfast", space).await;
    let nordfast = threads[0]["thread_id"].as_str().expect("thread").to_owned();
    assert_eq!(
        published_due(&world, "prt_nordfast", &nordfast).await - start,
        time::Duration::hours(30),
        "the default's date hours"
    );
    world.clock.advance(Duration::from_secs(6 * 3600 + 60));
    let first = deadlines(&world).await;
    let reminded = first["deadlines"]["reminded"].to_string();
    assert!(
        reminded.contains(ACME_EXC) && !reminded.contains(NORDFAST_EXC),
        "only ACME is overdue: {first}"
    );
    world.clock.advance(Duration::from_secs(24 * 3600));
    let later = deadlines(&world).await;
    assert!(
        later["deadlines"]["reminded"]
            .to_string()
            .contains(NORDFAST_EXC),
        "Nordic Fasteners is overdue after 30 h: {later}"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let due =
        OffsetDateTime::parse(tl["due_at"].as_str().expect("due_at"), &Rfc3339).expect("RFC 3339");
    assert_eq!(
        due - start,
        time::Duration::hours(6),
        "on the timeline: {tl}"
    );
}

/// The publication is posted, then the invocation dies before recording it; the partner
/// answers the message meanwhile. When the publication is recorded on the next poll, the answer
/// stands (Supplier Responded), and nobody reminds the partner about a question it answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_to_a_publication_recorded_late_stands() {
    let world = world_with(
        stack_on(Storage::Embedded).await,
        Some("tg-pox-publish"),
        |_| {},
    )
    .await;
    assert!(
        fire(&world, "po-exception-poll-xecm").await.is_err(),
        "the injected crash after the post"
    );
    let (_, thread) = acme_thread(&world).await;
    assert_eq!(
        partner_messages(&world, "prt_acme", &thread).await.len(),
        1,
        "the publication reached the partner"
    );
    let event = acme_sends_a_correction(&world, &thread).await;
    deliver(&world, &event).await;
    world.stack.ledger_clock.advance(HOUR);
    until_ok(&world, "po-exception-poll-xecm").await;
    deliver(&world, &event).await;
    until_ok(&world, "po-exception-poll-xecm").await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Supplier Responded"
    );
    let (tl, _) = timeline(&world, world.acme_order, ACME_EXC).await;
    let states: Vec<&str> = tl["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["state"].as_str())
        .collect();
    assert!(
        states.contains(&"supplier_responded") && !states.contains(&"awaiting_supplier"),
        "{states:?}"
    );
    world.clock.advance(Duration::from_secs(48 * 3600 + 60));
    let swept = deadlines(&world).await;
    assert!(
        !swept["deadlines"]["reminded"]
            .to_string()
            .contains(ACME_EXC),
        "no reminder about an answered exception: {swept}"
    );
}

/// An escalated exception the supplier then answers, and the buyer rejects the answer: the
/// supplier is asked again with a fresh deadline (not the one long past), reminded again once
/// it passes, and escalated again — the earlier round's reminders and escalation do not count.
async fn a_rejected_answer_starts_a_fresh_deadline_with_its_own_reminders_and_escalation(
    stack: Stack,
) {
    let world = world_with(stack, None, |c| {
        c.max_reminders = 1;
        c.reminder_interval = HOUR;
    })
    .await;
    poll(&world).await;
    let (_, thread) = acme_thread(&world).await;
    world.clock.advance(Duration::from_secs(48 * 3600 + 60));
    deadlines(&world).await;
    world.clock.advance(HOUR);
    let escalated = deadlines(&world).await;
    assert!(
        escalated["deadlines"]["escalated"]
            .to_string()
            .contains(ACME_EXC),
        "{escalated}"
    );
    let (_, message) = reply(
        &world,
        "prt_acme",
        &thread,
        "Sorry for the delay: 0.09 EUR stands.",
        "explanation",
        None,
    )
    .await;
    let event = posted_event(&world, message["message_id"].as_str().expect("id")).await;
    deliver(&world, &event).await;
    set_column(
        &world,
        world.acme_order,
        ACME_EXC,
        "Status",
        "Rejected".into(),
    )
    .await;
    poll(&world).await;
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Awaiting Supplier"
    );
    let asked_again = partner_messages(&world, "prt_acme", &thread).await;
    let last = asked_again.last().expect("a message");
    assert!(
        last["body"]
            .as_str()
            .unwrap_or_default()
            .contains("not accepted"),
        "{last}"
    );
    let due = last["action_request"]["due_at"].as_str().expect("due_at");
    let due = OffsetDateTime::parse(due, &Rfc3339).expect("a time");
    assert!(due > world.clock.now(), "a deadline ahead: {due}");

    let chased =
        |report: &Value, what: &str| report["deadlines"][what].to_string().contains(ACME_EXC);
    let now = deadlines(&world).await;
    assert!(
        !chased(&now, "reminded") && !chased(&now, "escalated"),
        "not due yet: {now}"
    );
    world.clock.advance(Duration::from_secs(48 * 3600 + 60));
    let reminded = deadlines(&world).await;
    assert!(chased(&reminded, "reminded"), "reminded again: {reminded}");
    world.clock.advance(HOUR);
    let escalated = deadlines(&world).await;
    assert!(
        chased(&escalated, "escalated"),
        "escalated again: {escalated}"
    );
    assert_eq!(
        status_of(&world, world.acme_order, ACME_EXC).await,
        "Escalated"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    an_overdue_exception_is_reminded_once_per_interval_then_escalated,
    a_rejected_answer_starts_a_fresh_deadline_with_its_own_reminders_and_escalation,
    a_row_without_response_due_is_due_after_its_types_hours_for_its_partner,
);

#[test]
fn a_bad_response_due_configuration_is_refused_naming_the_key() {
    for bad in [
        r#"{"ZZ:ACMESUPPLY": {"cost": 12}}"#,
        r#"{"*": {"price": 0}}"#,
        r#"{"*": 24}"#,
        "not json",
    ] {
        let source =
            ConfigSource::from_pairs([("RESPONSE_DUE_HOURS_BY_TYPE".to_owned(), bad.to_owned())]);
        let error = PoExceptionConfig::from_source(&source)
            .expect_err(bad)
            .to_string();
        assert!(
            error.contains("RESPONSE_DUE_HOURS_BY_TYPE"),
            "{bad}: {error}"
        );
    }
}
