//! contract-share end to end: xecm-sim and tgrid-sim on loopback, real clients, storage on
//! files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use gridlink_lambda::{Handler, HttpRequest, Invocation};
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::events::EventType;
use gridlink_xecm::AttributeValue;
use sha2::Digest;

async fn an_approved_version_is_shared_once_and_an_unapproved_one_never(stack: Stack) {
    let world = world(stack).await;
    let (approved, draft) = file_contract_documents(&world).await;

    let first = poll(&world).await;
    let shared = first["polled"]["shared"].as_array().expect("shared list");
    assert_eq!(shared.len(), 1, "exactly one version shared: {first}");
    assert_eq!(shared[0]["document_id"], approved.get());
    assert_eq!(shared[0]["version"], 1);
    assert_eq!(shared[0]["partner_id"], "prt_acme");
    let expected_sha = hex::encode(sha2::Sha256::digest(APPROVED_TEXT.as_bytes()));
    assert_eq!(shared[0]["sha256"], expected_sha.as_str());

    let shares = partner_shares(&world, "prt_acme").await;
    assert_eq!(shares.len(), 1, "the partner sees one share: {shares:?}");
    let share = &shares[0];
    assert_eq!(share["ack_required"], true);
    assert_eq!(share["external_ref"]["system"], "xecm");
    assert_eq!(share["external_ref"]["id"], approved.to_string().as_str());
    assert!(
        !share.to_string().contains(&draft.to_string()),
        "the draft is not referenced by the share"
    );
    let due = time::OffsetDateTime::parse(
        share["due_at"].as_str().expect("due date"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    let days = (due - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((13 * 24..=14 * 24).contains(&days), "due in 14 days: {due}");
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Pending".into()))
    );

    let second = poll(&world).await;
    assert_eq!(
        second["polled"]["shared"].as_array().map(Vec::len),
        Some(0),
        "a second poll shares nothing more: {second}"
    );
    assert_eq!(partner_shares(&world, "prt_acme").await.len(), 1);
}

async fn a_partner_acknowledgment_is_filed_once_as_evidence_with_the_shared_hash(stack: Stack) {
    let world = world(stack).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let shares = partner_shares(&world, "prt_acme").await;
    let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();

    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/shares/{share_id}/acknowledge"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({"by": "Jane Partner", "comment": "Agreed as signed."}))
        .send()
        .await
        .expect("acknowledge")
        .error_for_status()
        .expect("the partner acknowledges");
    let event = latest_event(&world, EventType::ShareAcknowledged).await;

    let answer = deliver(&world, &event).await;
    assert_eq!(answer["duplicate"], false);
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
    let text = content(&world, evidence[0].1).await;
    let expected_sha = hex::encode(sha2::Sha256::digest(APPROVED_TEXT.as_bytes()));
    for line in [
        "Decision: acknowledged".to_owned(),
        "Partner: prt_acme".to_owned(),
        "By: Jane Partner".to_owned(),
        "Comment: Agreed as signed.".to_owned(),
        format!("Share: {share_id}"),
        format!("SHA-256 of the version shared: {expected_sha}"),
    ] {
        assert!(text.contains(&line), "evidence has {line:?}:\n{text}");
    }
    assert!(text.contains("\nAt: 20"), "evidence has the time:\n{text}");
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Acknowledged".into()))
    );

    let again = deliver(&world, &event).await;
    assert_eq!(again["duplicate"], true, "a redelivery is recognised");
    let refiled = world
        .function
        .usecase()
        .file_evidence(&event)
        .await
        .expect("processing the same answer again");
    assert_eq!(refiled.document_id, Some(evidence[0].1.get()));
    assert_eq!(
        evidence_documents(&world).await.len(),
        1,
        "nothing is filed twice"
    );
    poll(&world).await;
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Acknowledged".into())),
        "a later poll does not reset the status to Pending"
    );
}

/// TG gave up redelivering Acme's acknowledgment (no webhook ever arrives): the `poll-xecm`
/// schedule takes it from TG's event feed under its own event id and files the evidence
/// exactly as the webhook would; the next firing takes nothing, and the webhook arriving at
/// last is the same inbox item.
async fn the_poll_takes_an_acknowledgment_no_webhook_delivered_from_the_event_feed(stack: Stack) {
    let world = world(stack).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let shares = partner_shares(&world, "prt_acme").await;
    let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();
    answer(
        &world,
        "prt_acme",
        &share_id,
        "acknowledge",
        serde_json::json!({"by": "Jane Partner", "comment": "Agreed as signed."}),
    )
    .await;
    assert!(
        evidence_documents(&world).await.is_empty(),
        "no webhook: nothing filed yet"
    );

    let run = poll(&world).await;
    assert_eq!(run["events"]["taken"], 1, "the acknowledgment only: {run}");
    assert_eq!(run["events"]["already_delivered"], 0, "{run}");
    assert_eq!(
        evidence_documents(&world).await.len(),
        1,
        "filed as evidence"
    );
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Acknowledged".into()))
    );

    let again = poll(&world).await;
    assert_eq!(again["events"]["taken"], 0, "{again}");
    let event = answer_event(&world, EventType::ShareAcknowledged, &share_id).await;
    let late = deliver(&world, &event).await;
    assert_eq!(late["duplicate"], true, "the same inbox item: {late}");
    assert_eq!(
        evidence_documents(&world).await.len(),
        1,
        "nothing is filed twice"
    );
}

async fn a_decline_is_filed_as_evidence_and_sets_declined(stack: Stack) {
    let world = world(stack).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let shares = partner_shares(&world, "prt_acme").await;
    let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();
    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/shares/{share_id}/decline"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({"by": "Jane Partner", "comment": "Clause 7 is wrong."}))
        .send()
        .await
        .expect("decline")
        .error_for_status()
        .expect("the partner declines");
    let event = latest_event(&world, EventType::ShareDeclined).await;
    deliver(&world, &event).await;
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
    let text = content(&world, evidence[0].1).await;
    assert!(text.contains("Decision: declined"), "{text}");
    assert!(text.contains("Comment: Clause 7 is wrong."), "{text}");
    assert_eq!(
        ack_status(&world).await,
        Some(AttributeValue::Text("Declined".into()))
    );
}

/// The partner's `comment` and `by` are its own text: a comment with line breaks that would
/// read as `Decision:` and `SHA-256` lines of their own stays inside the `Comment:` line, so
/// the evidence has exactly one of each, and says what gridlink recorded.
async fn a_partner_comment_cannot_forge_lines_of_the_evidence(stack: Stack) {
    let world = world(stack).await;
    file_contract_documents(&world).await;
    poll(&world).await;
    let shares = partner_shares(&world, "prt_acme").await;
    let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();
    let forged_sha = "0".repeat(64);
    let comment = format!("ok\nDecision: declined\r\nSHA-256 of the version shared: {forged_sha}");
    reqwest::Client::new()
        .post(
            world
                .tg_base
                .join(&format!(
                    "__sim/partners/prt_acme/shares/{share_id}/acknowledge"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({"by": "Jane\nPartner: prt_globex", "comment": comment}))
        .send()
        .await
        .expect("acknowledge")
        .error_for_status()
        .expect("the partner acknowledges");
    let event = latest_event(&world, EventType::ShareAcknowledged).await;
    deliver(&world, &event).await;
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
    let text = content(&world, evidence[0].1).await;
    let starting = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(starting("Decision:"), 1, "one Decision line:\n{text}");
    assert_eq!(starting("SHA-256"), 1, "one SHA-256 line:\n{text}");
    assert_eq!(starting("Partner:"), 1, "one Partner line:\n{text}");
    assert!(
        text.lines().any(|l| l == "Decision: acknowledged"),
        "{text}"
    );
    let expected_sha = hex::encode(sha2::Sha256::digest(APPROVED_TEXT.as_bytes()));
    assert!(
        text.lines()
            .any(|l| l == format!("SHA-256 of the version shared: {expected_sha}")),
        "{text}"
    );
    let comment_line = text
        .lines()
        .find(|l| l.starts_with("Comment:"))
        .expect("a Comment line");
    assert!(
        comment_line.starts_with("Comment: ok")
            && comment_line.contains("Decision: declined")
            && comment_line.contains(&forged_sha),
        "the partner's text stays readable on its own line: {comment_line:?}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("By: Jane") && l.contains("prt_globex")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_signed_webhook_is_refused_and_files_nothing() {
    let world = world(stack_on(Storage::Embedded).await).await;
    let body = br#"{"event_id":"evt_forged","event_type":"share.acknowledged","data":{}}"#.to_vec();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let request = HttpRequest {
        method: "POST".into(),
        path: "/contract-share/tg/events".into(),
        query: Vec::new(),
        headers: [
            ("tg-timestamp".to_owned(), now.to_string()),
            (
                "tg-signature".to_owned(),
                gridlink_core::webhook::sign(b"not-the-secret", now, &body),
            ),
        ]
        .into(),
        body,
        request_id: None,
        caller: None,
    };
    let error = world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect_err("a forged webhook is refused");
    assert_eq!(error.kind.http_status(), 401);
    assert!(evidence_documents(&world).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_each_effect_leaves_exactly_one_share_and_one_evidence_document() {
    for kind in ["tg-share", "xecm-ack-evidence"] {
        let world = world_crashing_after(stack_on(Storage::Embedded).await, Some(kind)).await;
        file_contract_documents(&world).await;
        let first = fire(&world, "contract-share-poll-xecm").await;
        if kind == "xecm-ack-evidence" {
            first.expect("the poll succeeds");
        } else {
            assert!(
                first.is_err(),
                "the injected crash after {kind} fails the poll"
            );
            world.stack.ledger_clock.advance(Duration::from_secs(3600));
            poll(&world).await;
        }
        let shares = partner_shares(&world, "prt_acme").await;
        assert_eq!(shares.len(), 1, "one share after a crash after {kind}");
        assert_eq!(
            ack_status(&world).await,
            Some(AttributeValue::Text("Pending".into())),
            "Pending after a crash after {kind}"
        );
        if kind != "xecm-ack-evidence" {
            continue;
        }
        let share_id = shares[0]["share_id"].as_str().expect("share id").to_owned();
        reqwest::Client::new()
            .post(
                world
                    .tg_base
                    .join(&format!(
                        "__sim/partners/prt_acme/shares/{share_id}/acknowledge"
                    ))
                    .expect("url"),
            )
            .json(&serde_json::json!({"by": "Jane Partner"}))
            .send()
            .await
            .expect("acknowledge")
            .error_for_status()
            .expect("the partner acknowledges");
        let event = latest_event(&world, EventType::ShareAcknowledged).await;
        deliver(&world, &event).await;
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        let refiled = world
            .function
            .usecase()
            .file_evidence(&event)
            .await
            .expect("the re-run after the crash");
        let evidence = evidence_documents(&world).await;
        assert_eq!(evidence.len(), 1, "one evidence document: {evidence:?}");
        assert_eq!(refiled.document_id, Some(evidence[0].1.get()));
        assert_eq!(
            ack_status(&world).await,
            Some(AttributeValue::Text("Acknowledged".into()))
        );
    }
}

/// A poll asks xECM which workspace a changed document lies in once per folder, not once per
/// document: ten more documents filed into a folder the poll already reads cost no lookup.
async fn a_poll_looks_up_the_workspace_of_changed_documents_once_per_folder(stack: Stack) {
    const LOOKUP: &str = "GET /api/v1/nodes/{id}/businessworkspace";
    let world = world(stack).await;
    let mut lookups = Vec::new();
    for batch in 0..2 {
        for n in 0..10 {
            file_document(
                &world,
                world.contract,
                "Drafts",
                &format!("Working draft {batch}-{n}.txt"),
                "In Review",
                "draft\n",
            )
            .await;
        }
        let before = world
            .stack
            .xecm_sim
            .calls()
            .get(LOOKUP)
            .copied()
            .unwrap_or(0);
        poll(&world).await;
        lookups.push(
            world
                .stack
                .xecm_sim
                .calls()
                .get(LOOKUP)
                .copied()
                .unwrap_or(0)
                - before,
        );
    }
    // The second poll re-reads the first batch (the 600 s overlap) and reads ten more in the
    // same folder: the same folders, so the same lookups — one per folder, none per document.
    assert_eq!(
        lookups[1], lookups[0],
        "ten more changed documents in a folder already read: no more lookups ({lookups:?})"
    );
}

gridlink_tests::on_both_stacks!(with common::stack_on;

    a_poll_looks_up_the_workspace_of_changed_documents_once_per_folder,

    an_approved_version_is_shared_once_and_an_unapproved_one_never,
    a_partner_acknowledgment_is_filed_once_as_evidence_with_the_shared_hash,
    the_poll_takes_an_acknowledgment_no_webhook_delivered_from_the_event_feed,
    a_decline_is_filed_as_evidence_and_sets_declined,
    a_partner_comment_cannot_forge_lines_of_the_evidence,
);
