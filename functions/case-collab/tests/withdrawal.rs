//! Access follows the record (issue 22): a document unflagged after sharing and an action
//! request whose row is removed are withdrawn in the thread once, with evidence in the
//! workspace; an archived or deleted case ends the partner's access (last message, thread
//! closed) — a deletion seen by the poll alone; each across a crash after every new effect.
//! Simulators on loopback; storage on files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use gridlink_tests::kit;
use gridlink_tests::stack::Stack;
use gridlink_tgrid::ThreadId;
use gridlink_xecm::{AttributeValue, CategoryId, NamedAttributes, NodeId, Workspaces};
use serde_json::Value;
use time::macros::datetime;

const CASE: i64 = 9300;
const WITHDRAWALS: &str = "Correspondence/Withdrawals";

async fn write_case(world: &World, case: NodeId, values: &[(&str, AttributeValue)]) {
    let values: NamedAttributes = values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    world
        .xecm
        .write_attributes(case, CategoryId::new(CASE).expect("id"), &values)
        .await
        .expect("the case worker saves the case");
}

/// The case's `Partner Actions` rows: (request, kind).
fn actions(rows: &[(&str, &str)]) -> AttributeValue {
    AttributeValue::Rows(
        rows.iter()
            .map(|(request, kind)| {
                let mut row = NamedAttributes::new();
                row.insert("Request".into(), (*request).into());
                row.insert("Kind".into(), (*kind).into());
                row.insert(
                    "Due".into(),
                    AttributeValue::Date(datetime!(2026-12-05 00:00)),
                );
                row
            })
            .collect(),
    )
}

async fn unflag(world: &World, document: NodeId) {
    let mut values = NamedAttributes::new();
    values.insert("Share with partner".into(), AttributeValue::Boolean(false));
    world
        .xecm
        .write_attributes(document, CategoryId::new(9500).expect("id"), &values)
        .await
        .expect("unflag");
}

/// The messages of the thread the partner sees that withdraw something.
async fn withdrawals_seen(world: &World, thread: &ThreadId) -> Vec<Value> {
    partner_view(world, thread)
        .await
        .into_iter()
        .filter(|m| {
            m["structured"]["withdrawn"].is_object() || m["structured"]["withdrawn"] == true
        })
        .collect()
}

async fn evidence(world: &World, case: NodeId) -> Vec<(String, String)> {
    let mut filed = Vec::new();
    for (name, id) in kit::documents_in(&world.xecm, case, WITHDRAWALS).await {
        filed.push((name, kit::text(&world.xecm, id).await));
    }
    filed.sort();
    filed
}

async fn poll_crashing(world: &World, kind: &str) {
    assert!(
        kit::fire(&world.function, "case-collab-poll-xecm")
            .await
            .is_err(),
        "the crash after {kind} fails the poll"
    );
    world.stack.ledger_clock.advance(Duration::from_secs(3600));
}

/// A thread's status as its partner sees it (the simulator's partner view of the space).
async fn thread_status(world: &World, partner: &str, thread: &ThreadId) -> String {
    for space in kit::sim_items(&world.tg_base, &format!("__sim/partners/{partner}/spaces")).await {
        let space_id = space["space_id"].as_str().unwrap_or_default();
        for t in kit::sim_items(
            &world.tg_base,
            &format!("__sim/partners/{partner}/spaces/{space_id}/threads"),
        )
        .await
        {
            if t["thread_id"] == thread.as_str() {
                return t["status"].as_str().unwrap_or_default().to_owned();
            }
        }
    }
    panic!("{partner} does not see thread {thread:?}")
}

async fn an_unflagged_document_is_withdrawn_once_with_evidence_and_never_shared_again(
    stack: Stack,
) {
    let world = world(stack, None).await;
    let (photo, letter) = select_documents(&world).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    unflag(&world, photo).await;
    let summary = poll(&world).await;
    let withdrawn = &summary["polled"]["cases"][0]["withdrawn"];
    assert_eq!(withdrawn[0]["what"], "document", "{summary}");
    assert_eq!(withdrawn[0]["id"], photo.to_string(), "{summary}");
    let seen = withdrawals_seen(&world, &thread).await;
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(
        seen[0]["structured"]["withdrawn"]["xecm_node_id"],
        photo.get()
    );
    assert!(
        seen[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("Delivery photo.txt")),
        "{}",
        seen[0]
    );
    let filed = evidence(&world, world.case).await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    let text = &filed[0].1;
    assert!(text.contains("Partner: prt_acme"), "{text}");
    assert!(
        text.contains("Why: the document is no longer selected"),
        "{text}"
    );
    assert!(
        text.contains("Changed in xECM by: user "),
        "the audit names who cleared the flag: {text}"
    );
    assert!(text.contains("Decided: "), "{text}");

    // A new version of the unflagged photo never reaches the partner; the letter is untouched.
    let node = world.xecm.get_node(photo).await.expect("node");
    world
        .xecm
        .add_document_version(
            photo,
            &gridlink_xecm::NewVersion {
                file_name: node.name,
                ..gridlink_xecm::NewVersion::default()
            },
            &gridlink_xecm::BytesSource("photo with internal notes".into()),
        )
        .await
        .expect("version");
    poll(&world).await;
    poll(&world).await;
    assert_eq!(withdrawals_seen(&world, &thread).await.len(), 1);
    assert_eq!(
        shared_file_names(&world, &thread).await,
        ["Claim letter.txt", "Delivery photo.txt"],
        "nothing more of the withdrawn photo"
    );
    assert_eq!(evidence(&world, world.case).await.len(), 1);
    let _ = letter;
}

async fn a_removed_action_row_is_withdrawn_once_and_requested_again_when_added_back(stack: Stack) {
    let world = world(stack, None).await;
    write_case(
        &world,
        world.case,
        &[(
            "Partner Actions",
            actions(&[
                ("Send a credit note", "send_credit_note"),
                ("Confirm the new date", "confirm_ship_date"),
            ]),
        )],
    )
    .await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    let requested: Vec<Value> = partner_view(&world, &thread)
        .await
        .into_iter()
        .filter(|m| m["action_request"].is_object())
        .collect();
    assert_eq!(requested.len(), 2);
    let credit = requested
        .iter()
        .find(|m| m["action_request"]["kind"] == "send_credit_note")
        .expect("the credit note request");

    write_case(
        &world,
        world.case,
        &[(
            "Partner Actions",
            actions(&[("Confirm the new date", "confirm_ship_date")]),
        )],
    )
    .await;
    poll(&world).await;
    poll(&world).await;
    let seen = withdrawals_seen(&world, &thread).await;
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(
        seen[0]["structured"]["action_request_id"],
        credit["structured"]["action_request_id"]
    );
    assert_eq!(
        seen[0]["structured"]["supersedes_message_id"],
        credit["message_id"]
    );
    assert!(
        seen[0]["action_request"].is_null(),
        "a withdrawal asks for nothing"
    );
    let filed = evidence(&world, world.case).await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert!(filed[0].1.contains("Send a credit note"), "{}", filed[0].1);
    assert!(
        filed[0].1.contains("Why: the request's row was removed"),
        "{}",
        filed[0].1
    );
    assert!(
        filed[0].1.contains("Changed in xECM by: user "),
        "{}",
        filed[0].1
    );

    // Added back: requested again (a new revision), once.
    write_case(
        &world,
        world.case,
        &[(
            "Partner Actions",
            actions(&[
                ("Confirm the new date", "confirm_ship_date"),
                ("Send a credit note", "send_credit_note"),
            ]),
        )],
    )
    .await;
    poll(&world).await;
    poll(&world).await;
    let again: Vec<Value> = partner_view(&world, &thread)
        .await
        .into_iter()
        .filter(|m| m["action_request"]["kind"] == "send_credit_note")
        .collect();
    assert_eq!(again.len(), 2, "{again:#?}");
    assert_eq!(again[1]["structured"]["revision"], 2);
    assert_eq!(withdrawals_seen(&world, &thread).await.len(), 1);
}

async fn a_crash_after_each_withdrawal_effect_leaves_one_withdrawal_each(stack: Stack) {
    let world = world(stack, None).await;
    let (photo, _) = select_documents(&world).await;
    write_case(
        &world,
        world.case,
        &[(
            "Partner Actions",
            actions(&[("First", "respond"), ("Second", "respond")]),
        )],
    )
    .await;
    poll(&world).await;
    let thread = case_thread(&world).await;

    world.stack.crash.arm("tg-case-document-withdraw");
    unflag(&world, photo).await;
    poll_crashing(&world, "tg-case-document-withdraw").await;
    poll(&world).await;

    world.stack.crash.arm("tg-case-action-withdraw");
    write_case(
        &world,
        world.case,
        &[("Partner Actions", actions(&[("Second", "respond")]))],
    )
    .await;
    poll_crashing(&world, "tg-case-action-withdraw").await;
    poll(&world).await;

    world.stack.crash.arm("xecm-case-withdrawal");
    write_case(&world, world.case, &[("Partner Actions", actions(&[]))]).await;
    poll_crashing(&world, "xecm-case-withdrawal").await;
    poll(&world).await;
    poll(&world).await;

    let seen = withdrawals_seen(&world, &thread).await;
    assert_eq!(seen.len(), 3, "one per withdrawn item: {seen:#?}");
    let filed = evidence(&world, world.case).await;
    assert_eq!(filed.len(), 3, "one evidence document each: {filed:?}");
}

async fn archiving_the_case_ends_the_partners_access_once(stack: Stack) {
    let world = world(stack, None).await;
    select_documents(&world).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    world.stack.crash.arm("tg-case-thread-close");
    write_case(&world, world.case, &[("Case Status", "Archived".into())]).await;
    poll_crashing(&world, "tg-case-thread-close").await;
    let summary = poll(&world).await;
    assert_eq!(
        thread_status(&world, "prt_acme", &thread).await,
        "closed",
        "{summary}"
    );
    let ended: Vec<Value> = partner_view(&world, &thread)
        .await
        .into_iter()
        .filter(|m| m["structured"]["case_access_ended"] == "archived")
        .collect();
    assert_eq!(ended.len(), 1, "{ended:#?}");
    let filed = evidence(&world, world.case).await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert!(
        filed[0].1.contains("Why: the case was archived in xECM"),
        "{}",
        filed[0].1
    );

    // The partner can no longer post; reopening the case in xECM does not reopen access.
    let refused = reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/threads/{}/messages",
                    thread.as_str()
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({"body": "still there?"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status().as_u16(), 409);
    write_case(&world, world.case, &[("Case Status", "Open".into())]).await;
    let before = partner_view(&world, &thread).await.len();
    poll(&world).await;
    assert_eq!(partner_view(&world, &thread).await.len(), before);
    assert_eq!(thread_status(&world, "prt_acme", &thread).await, "closed");
}

async fn a_case_deleted_without_a_push_is_ended_by_the_poll_alone(stack: Stack) {
    let world = world(stack, None).await;
    // Another case, with another partner, stays as it is.
    let other = kit::workspace_with(&world.xecm, 51, CASE, "Case Number", "CASE-2026-0043").await;
    write_case(
        &world,
        other,
        &[
            ("Case Type", "Customer Dispute".into()),
            ("Partner ID", "prt_globex".into()),
        ],
    )
    .await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    let values = world
        .xecm
        .read_attributes(other, CategoryId::new(CASE).expect("id"))
        .await
        .expect("values");
    let Some(AttributeValue::Text(other_thread)) = values.get("TG Thread ID") else {
        panic!("the other case has its thread: {values:?}");
    };
    let other_thread = ThreadId::new(other_thread);

    kit::delete_node(&world.stack, world.case).await;
    world.stack.crash.arm("tg-case-access-end");
    poll_crashing(&world, "tg-case-access-end").await;
    let summary = poll(&world).await;
    assert_eq!(
        thread_status(&world, "prt_acme", &thread).await,
        "closed",
        "{summary}"
    );
    let ended: Vec<Value> = partner_view(&world, &thread)
        .await
        .into_iter()
        .filter(|m| m["structured"]["case_access_ended"] == "deleted")
        .collect();
    assert_eq!(ended.len(), 1, "{ended:#?}");
    poll(&world).await;
    assert_eq!(
        partner_view(&world, &thread)
            .await
            .iter()
            .filter(|m| m["structured"]["case_access_ended"] == "deleted")
            .count(),
        1
    );
    assert_eq!(
        thread_status(&world, "prt_globex", &other_thread).await,
        "open"
    );
}

gridlink_tests::on_both_stacks!(
    an_unflagged_document_is_withdrawn_once_with_evidence_and_never_shared_again,
    a_removed_action_row_is_withdrawn_once_and_requested_again_when_added_back,
    a_crash_after_each_withdrawal_effect_leaves_one_withdrawal_each,
    archiving_the_case_ends_the_partners_access_once,
    a_case_deleted_without_a_push_is_ended_by_the_poll_alone,
);
