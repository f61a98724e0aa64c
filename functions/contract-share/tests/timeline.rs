//! A contract's timeline, end to end on the simulators and both storage stacks: the poll
//! shares the approved version with Acme (TG share id, xECM document and workspace ids), Acme
//! acknowledges through Trading Grid and the evidence is filed (xECM document id); `GET
//! /contract-share/timeline/contract:{workspace}` shows it in that order, once each, though
//! the contract is polled again.

mod common;

use common::*;
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::events::EventType;
use serde_json::Value;

async fn timeline(world: &World, key: &str) -> Value {
    let request = HttpRequest {
        method: "GET".into(),
        path: format!("/contract-share/timeline/{key}"),
        ..HttpRequest::default()
    };
    match world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect("the timeline answers")
    {
        Reply::Http(response) => {
            let body: Value = serde_json::from_slice(&response.body).expect("json");
            assert_eq!(response.status, 200, "{body}");
            body
        }
        Reply::Scheduled(_) => panic!("an HTTP answer"),
    }
}

fn count(entries: &[Value], effect: &str) -> usize {
    entries.iter().filter(|e| e["effect"] == effect).count()
}

fn position(entries: &[Value], wanted: impl Fn(&Value) -> bool, what: &str) -> usize {
    entries.iter().position(wanted).unwrap_or_else(|| {
        panic!(
            "no {what}: {}",
            serde_json::to_string_pretty(entries).expect("json")
        )
    })
}

async fn a_contracts_timeline_shows_the_share_and_the_partners_acknowledgment_once(stack: Stack) {
    let world = world(stack).await;
    let (approved, _) = file_contract_documents(&world).await;
    poll(&world).await;
    // The function's clock is a test's: it moves only when told, as time would between steps.
    world.clock.advance(std::time::Duration::from_secs(60));
    let share_id = partner_shares(&world, "prt_acme").await[0]["share_id"]
        .as_str()
        .expect("share id")
        .to_owned();
    answer(
        &world,
        "prt_acme",
        &share_id,
        "acknowledge",
        serde_json::json!({"by": "Jane Partner"}),
    )
    .await;
    let event = latest_event(&world, EventType::ShareAcknowledged).await;
    deliver(&world, &event).await;
    world.clock.advance(std::time::Duration::from_secs(60));
    poll(&world).await;
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "{evidence:?}");

    let key = format!("contract:{}", world.contract.get());
    let answer = timeline(&world, &key).await;
    assert_eq!(answer["more"], false);
    let entries = answer["entries"].as_array().expect("entries");
    assert!(entries.iter().all(|e| e["key"] == key.as_str()));
    assert!(entries.iter().all(|e| e["function"] == "contract-share"));
    assert_eq!(
        count(entries, "tg-share"),
        1,
        "shared once, the second poll writes nothing"
    );

    let shared = position(entries, |e| e["effect"] == "tg-share", "share");
    assert_eq!(entries[shared]["system"], "tg");
    assert_eq!(entries[shared]["ids"]["tg"]["share_id"], share_id.as_str());
    assert_eq!(entries[shared]["ids"]["tg"]["partner_id"], "prt_acme");
    assert_eq!(
        entries[shared]["ids"]["xecm"]["document_id"],
        approved.get(),
        "{}",
        entries[shared]
    );
    assert_eq!(
        entries[shared]["ids"]["xecm"]["workspace_id"],
        world.contract.get()
    );

    let item_id = format!("tg:{}", event.event_id.as_str());
    let received = position(
        entries,
        |e| e["kind"] == "received" && e["item_id"] == item_id.as_str(),
        "received acknowledgment",
    );
    assert_eq!(entries[received]["event_type"], "share.acknowledged");
    let filed = position(
        entries,
        |e| e["effect"] == "xecm-ack-evidence" && e["item_id"] == item_id.as_str(),
        "evidence filed",
    );
    assert_eq!(entries[filed]["system"], "xecm");
    assert_eq!(
        entries[filed]["ids"]["xecm"]["document_id"],
        evidence[0].1.get(),
        "{}",
        entries[filed]
    );
    let done = position(
        entries,
        |e| e["kind"] == "done" && e["item_id"] == item_id.as_str(),
        "done",
    );
    assert!(
        shared < received && received < filed && filed < done,
        "{shared} < {received} < {filed} < {done}"
    );
    assert_eq!(count(entries, "xecm-ack-evidence"), 1);
    assert_eq!(
        entries.iter().filter(|e| e["kind"] == "received").count(),
        1,
        "one inbound event"
    );

    let other = timeline(&world, &format!("contract:{}", world.contract.get() + 1)).await;
    assert_eq!(other["entries"], serde_json::json!([]), "{other}");
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    a_contracts_timeline_shows_the_share_and_the_partners_acknowledgment_once,
);
