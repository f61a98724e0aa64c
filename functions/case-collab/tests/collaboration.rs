//! case-collab end to end: xecm-sim and tgrid-sim on loopback, real clients, storage on
//! files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use futures::TryStreamExt;
use gridlink_lambda::{Handler, Invocation, ScheduleFiring};
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::Collaboration;
use gridlink_tgrid::model::{SpaceFilter, ThreadStatus};
use gridlink_xecm::{AttributeLookup, CategoryId, NamedAttributes, WorkspaceTypeId, Workspaces};

async fn a_partner_case_is_mirrored_and_only_selected_documents_leave_xecm(stack: Stack) {
    let world = world(stack, None).await;
    select_documents(&world).await;
    let summary = poll(&world).await;
    assert!(
        summary["polled"]["cases"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "the case was synced: {summary}"
    );
    let thread = case_thread(&world).await;
    assert_eq!(
        shared_file_names(&world, &thread).await,
        ["Claim letter.txt", "Delivery photo.txt"],
        "the unflagged internal estimate never leaves xECM"
    );

    poll(&world).await;
    assert_eq!(
        shared_file_names(&world, &thread).await.len(),
        2,
        "a second poll shares nothing twice"
    );
    case_thread(&world).await;

    partner_replies(&world, &thread).await;
    let first = deliver_message_posted(&world).await;
    assert_eq!(first["duplicate"], false);
    let filed = reply_folder_documents(&world).await;
    assert_eq!(
        filed.len(),
        2,
        "the reply and its attachment are filed: {filed:?}"
    );
    assert!(
        filed.iter().any(|n| n.ends_with("carrier-report.txt")),
        "{filed:?}"
    );
    assert!(
        filed.iter().any(|n| n.starts_with("Partner reply")
            && std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "txt")
            && n.contains("ACME Supply")),
        "{filed:?}"
    );

    let again = deliver_message_posted(&world).await;
    assert_eq!(again["duplicate"], true);
    assert_eq!(
        reply_folder_documents(&world).await.len(),
        2,
        "a redelivery files nothing twice"
    );
}

/// TG gave up redelivering the partner's reply (no webhook ever arrives): the `poll-xecm`
/// schedule takes it from TG's event feed under its own event id and files it exactly as the
/// webhook would; the webhook arriving at last is the same inbox item and files nothing twice.
async fn the_poll_takes_a_reply_no_webhook_delivered_from_the_event_feed(stack: Stack) {
    let world = world(stack, None).await;
    select_documents(&world).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    partner_replies(&world, &thread).await;
    assert!(
        reply_folder_documents(&world).await.is_empty(),
        "no webhook: nothing filed yet"
    );

    let run = poll(&world).await;
    let taken = run["events"]["taken"]
        .as_u64()
        .expect("the feed poll's summary");
    assert!(
        taken >= 1,
        "the reply (and gridlink's own posts, ignored): {run}"
    );
    assert_eq!(run["events"]["already_delivered"], 0, "{run}");
    let filed = reply_folder_documents(&world).await;
    assert_eq!(
        filed.len(),
        2,
        "the reply and its attachment are filed: {filed:?}"
    );

    let late = deliver_message_posted(&world).await;
    assert_eq!(late["duplicate"], true, "the same inbox item: {late}");
    poll(&world).await;
    assert_eq!(
        reply_folder_documents(&world).await,
        filed,
        "nothing filed twice"
    );
}

async fn closing_the_case_resolves_the_thread(stack: Stack) {
    let world = world(stack, None).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    let mut closed = NamedAttributes::new();
    closed.insert("Case Status".into(), "Closed".into());
    world
        .xecm
        .write_attributes(world.case, CategoryId::new(9300).expect("id"), &closed)
        .await
        .expect("close");
    poll(&world).await;
    let messages: Vec<_> = world
        .tg
        .messages(&thread)
        .try_collect()
        .await
        .expect("messages");
    assert!(
        messages.iter().any(|m| m.body == "Case status: Closed"),
        "the status change is posted"
    );
    let page = world
        .tg
        .spaces_page(
            &SpaceFilter::default(),
            gridlink_tgrid::PageRequest::default(),
        )
        .await
        .expect("spaces");
    assert!(!page.items.is_empty());
    let threads = reqwest::Client::new()
        .get(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/spaces/{}/threads",
                    page.items[0].space_id.as_str()
                ))
                .expect("url"),
        )
        .send()
        .await
        .expect("threads")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    let status = threads.to_string();
    assert!(
        status.contains(&format!("{:?}", ThreadStatus::Resolved).to_lowercase()),
        "the thread is resolved: {status}"
    );
}

async fn a_crash_after_each_effect_leaves_exactly_one_of_everything(aws: bool) {
    for kind in [
        "tg-space",
        "tg-case-thread",
        "xecm-case-link",
        "tg-case-attachment",
        "tg-case-document-message",
    ] {
        let stack = if aws {
            Stack::start(Storage::Moto).await
        } else {
            Stack::start(Storage::Embedded).await
        };
        let world = world(stack, Some(kind)).await;
        select_documents(&world).await;
        let firing = ScheduleFiring {
            schedule: "case-collab-poll-xecm".into(),
            scheduled_at: None,
        };
        assert!(
            world
                .function
                .handle(Invocation::Schedule(firing))
                .await
                .is_err(),
            "the injected crash after {kind} fails the poll"
        );
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        poll(&world).await;
        let thread = case_thread(&world).await;
        assert_eq!(
            shared_file_names(&world, &thread).await,
            ["Claim letter.txt", "Delivery photo.txt"],
            "after a crash after {kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_of_everything_on_embedded_storage() {
    a_crash_after_each_effect_leaves_exactly_one_of_everything(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_of_everything_on_aws_storage() {
    a_crash_after_each_effect_leaves_exactly_one_of_everything(true).await;
}

async fn a_crash_between_filing_a_reply_and_its_confirmation_files_it_once(aws: bool) {
    let stack = if aws {
        Stack::start(Storage::Moto).await
    } else {
        Stack::start(Storage::Embedded).await
    };
    let world = world(stack, Some("xecm-case-reply")).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    partner_replies(&world, &thread).await;
    let accepted = deliver_message_posted(&world).await;
    assert_eq!(
        accepted["duplicate"], false,
        "the event is accepted although its processing crashed"
    );
    let after_crash = reply_folder_documents(&world).await;
    assert_eq!(
        after_crash.len(),
        1,
        "the attachment was filed, then the crash hit before its confirmation: {after_crash:?}"
    );
    let pending = world
        .function
        .platform()
        .inbox
        .pending(10)
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1, "the crashed event stays pending");

    world.stack.ledger_clock.advance(Duration::from_secs(3600));
    let summary = poll(&world).await;
    assert_eq!(summary["inbox"]["done"], 1, "{summary}");
    let filed = reply_folder_documents(&world).await;
    assert_eq!(
        filed.len(),
        2,
        "exactly one attachment document and one reply document: {filed:?}"
    );
    assert_eq!(
        filed
            .iter()
            .filter(|n| n.ends_with("carrier-report.txt"))
            .count(),
        1,
        "{filed:?}"
    );
    poll(&world).await;
    assert_eq!(reply_folder_documents(&world).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_filing_a_reply_and_its_confirmation_files_it_once_on_embedded_storage() {
    a_crash_between_filing_a_reply_and_its_confirmation_files_it_once(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_filing_a_reply_and_its_confirmation_files_it_once_on_aws_storage() {
    a_crash_between_filing_a_reply_and_its_confirmation_files_it_once(true).await;
}

async fn a_case_whose_partner_is_refused_is_recorded_and_the_other_cases_are_still_mirrored(
    stack: Stack,
) {
    let world = world(stack, None).await;
    let invoice_case = world
        .xecm
        .find_workspace_by_attribute(&AttributeLookup {
            workspace_type: WorkspaceTypeId::new(51).expect("id"),
            category: CategoryId::new(9300).expect("id"),
            attribute: "Case Number".into(),
            value: "CASE-2026-0043".into(),
        })
        .await
        .expect("lookup")
        .expect("the second demo case exists")
        .id;
    let set_partner = async |partner: &str| {
        let mut values = NamedAttributes::new();
        values.insert("Case Type".into(), "Customer Dispute".into());
        values.insert("Partner ID".into(), partner.into());
        world
            .xecm
            .write_attributes(invoice_case, CategoryId::new(9300).expect("id"), &values)
            .await
            .expect("partner written");
    };
    set_partner("prt_nobody").await;

    let first = poll(&world).await;
    let failed = first["polled"]["failed"].as_array().expect("failed list");
    assert_eq!(failed.len(), 1, "{first}");
    assert_eq!(failed[0]["workspace_id"], invoice_case.get(), "{first}");
    case_thread(&world).await;

    set_partner("prt_acme").await;
    let second = poll(&world).await;
    assert_eq!(
        second["polled"]["failed"],
        serde_json::json!([]),
        "{second}"
    );
    let spaces = world
        .tg
        .spaces_page(
            &SpaceFilter {
                partner_id: None,
                external_ref: Some(gridlink_tgrid::model::ExternalRef::new(
                    "xecm",
                    invoice_case.to_string(),
                )),
            },
            gridlink_tgrid::PageRequest::default(),
        )
        .await
        .expect("spaces");
    assert_eq!(
        spaces.items.len(),
        1,
        "mirrored once its partner is fixed: {second}"
    );
}

gridlink_tests::on_both_stacks!(
    a_partner_case_is_mirrored_and_only_selected_documents_leave_xecm,
    the_poll_takes_a_reply_no_webhook_delivered_from_the_event_feed,
    a_case_whose_partner_is_refused_is_recorded_and_the_other_cases_are_still_mirrored,
    closing_the_case_resolves_the_thread,
);
