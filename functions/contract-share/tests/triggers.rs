//! contract-share's other triggers: the reminder schedule on a manual clock and the signed
//! xECM push route. Simulators on loopback; storage on files + SQLite and on S3 + DynamoDB.

mod common;

use std::time::Duration;

use common::*;
use gridlink_lambda::{Handler, Invocation, Reply};
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::events::EventType;
use serde_json::json;

const DAY: Duration = Duration::from_secs(86_400);

fn reminded(run: &serde_json::Value) -> Vec<u64> {
    run["reminders"]["reminded"]
        .as_array()
        .expect("reminded list")
        .iter()
        .map(|r| r["number"].as_u64().expect("number"))
        .collect()
}

/// The contract threads the partner sees for `contract`, with their messages.
async fn reminder_messages(world: &World, partner: &str) -> Vec<serde_json::Value> {
    let spaces: serde_json::Value = reqwest::Client::new()
        .get(
            world
                .tg_base
                .join(&format!("__sim/partners/{partner}/spaces"))
                .expect("url"),
        )
        .send()
        .await
        .expect("spaces")
        .json()
        .await
        .expect("json");
    let mut messages = Vec::new();
    let spaces = spaces["items"].as_array().cloned().unwrap_or_default();
    let ours: Vec<_> = spaces
        .iter()
        .filter(|s| s["external_ref"]["id"] == world.contract.to_string().as_str())
        .collect();
    assert!(
        ours.len() <= 1,
        "one space per contract and partner: {ours:?}"
    );
    for space in ours {
        let id = space["space_id"].as_str().expect("id");
        let threads: serde_json::Value = reqwest::Client::new()
            .get(
                world
                    .tg_base
                    .join(&format!("__sim/partners/{partner}/spaces/{id}/threads"))
                    .expect("url"),
            )
            .send()
            .await
            .expect("threads")
            .json()
            .await
            .expect("json");
        let threads = threads["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(threads.len(), 1, "one contract thread: {threads:?}");
        assert_eq!(threads[0]["kind"], "contract");
        let thread = threads[0]["thread_id"].as_str().expect("id");
        messages.extend(partner_messages(world, partner, thread).await);
    }
    messages
}

async fn an_overdue_share_is_reminded_once_per_interval_and_never_after_the_answer(stack: Stack) {
    let world = world(stack).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let share_id = partner_shares(&world, "prt_acme").await[0]["share_id"]
        .as_str()
        .expect("id")
        .to_owned();

    assert!(reminded(&remind(&world).await).is_empty(), "not due yet");
    world.clock.advance(14 * DAY + Duration::from_secs(3600));
    assert_eq!(
        reminded(&remind(&world).await),
        vec![1],
        "the first reminder once overdue"
    );
    assert!(
        reminded(&remind(&world).await).is_empty(),
        "not twice in one interval"
    );
    world.clock.advance(DAY);
    assert!(
        reminded(&remind(&world).await).is_empty(),
        "one day later: same interval"
    );
    world.clock.advance(2 * DAY);
    assert_eq!(
        reminded(&remind(&world).await),
        vec![2],
        "the next interval"
    );
    let messages = reminder_messages(&world, "prt_acme").await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0]["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Reminder 1:") && b.contains(&share_id)),
        "{messages:?}"
    );
    assert_eq!(messages[1]["action_request"]["kind"], "acknowledge_share");

    // The schedule paused for long: the third reminder still goes out before any escalation.
    world.clock.advance(20 * DAY);
    assert_eq!(
        reminded(&remind(&world).await),
        vec![3],
        "the last reminder, however late"
    );
    assert_eq!(ack_status(&world).await, Some(text("Pending")));
    world.clock.advance(DAY);
    assert!(reminded(&remind(&world).await).is_empty());
    assert_eq!(
        ack_status(&world).await,
        Some(text("Pending")),
        "not escalated within the interval after the last reminder"
    );
    world.clock.advance(2 * DAY);
    let run = remind(&world).await;
    assert!(
        reminded(&run).is_empty(),
        "no more than ACK_REMINDER_LIMIT (3): {run}"
    );
    assert_eq!(
        ack_status(&world).await,
        Some(text("Overdue")),
        "escalated an interval after the last reminder"
    );

    answer(
        &world,
        "prt_acme",
        &share_id,
        "acknowledge",
        json!({"by": "Jane"}),
    )
    .await;
    world.clock.advance(3 * DAY);
    let run = remind(&world).await;
    assert!(
        reminded(&run).is_empty(),
        "answered in TG: no reminder: {run}"
    );
    deliver(
        &world,
        &answer_event(&world, EventType::ShareAcknowledged, &share_id).await,
    )
    .await;
    world.clock.advance(3 * DAY);
    let run = remind(&world).await;
    assert_eq!(
        run["reminders"]["overdue"], 0,
        "the answered share is closed: {run}"
    );
    assert_eq!(reminder_messages(&world, "prt_acme").await.len(), 3);
    assert_eq!(ack_status(&world).await, Some(text("Acknowledged")));
}

/// Trading Grid fails the first attempt at the share (its deadline is fixed then, for an
/// identical retry); the share is made 20 days later, past its deadline: the partner is
/// reminded first — nothing is escalated without the reminders having been sent.
async fn a_share_made_late_is_reminded_before_it_is_escalated(stack: Stack) {
    let world = world(stack).await;
    file_contract_documents(&world).await;
    gridlink_tgrid_sim::controls::SimControls::new(world.tg_base.clone())
        .set_faults(&gridlink_tgrid_sim::Faults {
            unavailable: world.tg.config().retry.max_attempts,
            retry_after_secs: Some(0),
            only: Some("POST /v1/shares".into()),
            ..gridlink_tgrid_sim::Faults::default()
        })
        .await
        .expect("faults set");
    world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect_err("the first attempt fails");
    assert!(partner_shares(&world, "prt_acme").await.is_empty());

    world.clock.advance(20 * DAY);
    world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect("TG is healed: the share is made");
    let shares = partner_shares(&world, "prt_acme").await;
    assert_eq!(shares.len(), 1, "{shares:?}");
    let share_id = shares[0]["share_id"].as_str().expect("id").to_owned();

    assert_eq!(
        reminded(&remind(&world).await),
        vec![1],
        "the first reminder, not an escalation"
    );
    let messages = reminder_messages(&world, "prt_acme").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0]["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Reminder 1:") && b.contains(&share_id)),
        "{messages:?}"
    );
    assert_eq!(
        ack_status(&world).await,
        Some(text("Pending")),
        "not Overdue yet"
    );
    assert!(
        reminded(&remind(&world).await).is_empty(),
        "not twice in one interval"
    );
    world.clock.advance(3 * DAY);
    assert_eq!(
        reminded(&remind(&world).await),
        vec![2],
        "the second reminder an interval later, not an escalation"
    );
    assert_eq!(ack_status(&world).await, Some(text("Pending")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_opening_the_thread_or_posting_a_reminder_leaves_one_of_each() {
    for kind in ["tg-contract-thread", "tg-ack-reminder"] {
        let world = world_crashing_after(stack_on(Storage::Embedded).await, Some(kind)).await;
        file_contract_documents(&world).await;
        poll(&world).await;
        world.clock.advance(14 * DAY + Duration::from_secs(3600));
        assert!(
            fire(&world, "contract-share-ack-reminders").await.is_err(),
            "the crash after {kind} fails the run"
        );
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        let run = remind(&world).await;
        assert_eq!(reminded(&run), vec![1], "after a crash after {kind}: {run}");
        assert_eq!(
            reminder_messages(&world, "prt_acme").await.len(),
            1,
            "one reminder after a crash after {kind}"
        );
        assert!(reminded(&remind(&world).await).is_empty());
    }
}

async fn a_signed_push_shares_the_approved_version_like_the_poll(stack: Stack) {
    let world = world(stack).await;
    let (approved, _) = file_contract_documents(&world).await;
    let body = serde_json::to_vec(&json!({
        "event_type": "document.changed",
        "node_id": approved.get(),
        "occurred_at": "2026-11-25T01:00:00Z",
    }))
    .expect("json");
    for (attempt, duplicate) in [(1, false), (2, true)] {
        let reply = world
            .function
            .handle(Invocation::Http(push_request(&world, &body, PUSH_SECRET)))
            .await
            .expect("the push is accepted");
        let Reply::Http(response) = reply else {
            panic!("a push answers over HTTP")
        };
        assert_eq!(response.status, 202, "attempt {attempt}");
        let answer: serde_json::Value = serde_json::from_slice(&response.body).expect("json");
        assert_eq!(
            answer["duplicate"], duplicate,
            "attempt {attempt}: {answer}"
        );
    }
    let shares = partner_shares(&world, "prt_acme").await;
    assert_eq!(shares.len(), 1, "shared once: {shares:?}");
    assert_eq!(
        shares[0]["external_ref"]["id"],
        approved.to_string().as_str()
    );
    assert_eq!(ack_status(&world).await, Some(text("Pending")));
    let polled = poll(&world).await;
    assert_eq!(
        polled["polled"]["shared"].as_array().map(Vec::len),
        Some(0),
        "{polled}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_with_a_bad_signature_is_401_and_a_malformed_one_400() {
    let world = world(stack_on(Storage::Embedded).await).await;
    let (approved, _) = file_contract_documents(&world).await;
    let good = serde_json::to_vec(&json!({
        "event_type": "document.changed",
        "node_id": approved.get(),
        "occurred_at": "2026-11-25T01:00:00Z",
    }))
    .expect("json");
    let forged = world
        .function
        .handle(Invocation::Http(push_request(
            &world,
            &good,
            "not-the-secret",
        )))
        .await
        .expect_err("a forged push is refused");
    assert_eq!(forged.kind.http_status(), 401);
    let malformed = br#"{"event_type":"document.changed","node_id":"twelve"}"#;
    let refused = world
        .function
        .handle(Invocation::Http(push_request(
            &world,
            malformed,
            PUSH_SECRET,
        )))
        .await
        .expect_err("a malformed push is refused");
    assert_eq!(refused.kind.http_status(), 400);
    assert!(
        partner_shares(&world, "prt_acme").await.is_empty(),
        "nothing shared"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_the_function_does_not_have_is_refused_by_name() {
    let world = world(stack_on(Storage::Embedded).await).await;
    let error = fire(&world, "contract-share-cleanup")
        .await
        .expect_err("an unknown schedule is refused");
    assert_eq!(error.kind.lambda_error_type(), "NonRetryable");
    assert!(
        error.to_string().contains("contract-share-cleanup"),
        "{error}"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;

    an_overdue_share_is_reminded_once_per_interval_and_never_after_the_answer,
    a_share_made_late_is_reminded_before_it_is_escalated,
    a_signed_push_shares_the_approved_version_like_the_poll,
);
