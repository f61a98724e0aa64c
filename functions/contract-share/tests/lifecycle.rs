//! contract-share over a contract's life: a newer version supersedes the shared one, answers
//! arrive late, early or twice, several partners answer, partners return files — and a crash
//! between each new effect and its ledger confirmation still leaves one of everything.
//! Simulators on loopback; storage on files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::events::EventType;
use serde_json::json;
use sha2::Digest;

const REVISED_TEXT: &str = "Framework agreement 2026, revision 2: prices fixed until Q2.\n";

fn sha(text: &str) -> String {
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn share_ids(summary: &serde_json::Value, list: &str) -> Vec<String> {
    summary["polled"][list]
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            s.get("share_id")
                .and_then(|v| v.as_str())
                .or_else(|| s.as_str())
                .expect("share id")
                .to_owned()
        })
        .collect()
}

async fn a_newer_approved_version_revokes_the_old_share_and_shares_the_new_one(stack: Stack) {
    let world = world(stack).await;
    let (approved, _) = file_contract_documents(&world).await;
    let first = poll(&world).await;
    let old = share_ids(&first, "shared");
    assert_eq!(old.len(), 1, "{first}");

    add_version(&world, approved, REVISED_TEXT).await;
    let second = poll(&world).await;
    let shared = second["polled"]["shared"].as_array().expect("shared");
    assert_eq!(shared.len(), 1, "the new version is shared: {second}");
    assert_eq!(shared[0]["version"], 2);
    assert_eq!(
        shared[0]["sha256"],
        sha(REVISED_TEXT).as_str(),
        "exactly version 2's bytes"
    );
    assert_eq!(
        share_ids(&second, "revoked"),
        old,
        "the old share is revoked"
    );

    assert_eq!(share_status(&world, &old[0]).await, "revoked");
    let new_id = shared[0]["share_id"].as_str().expect("id");
    assert_eq!(share_status(&world, new_id).await, "active");
    assert_eq!(partner_shares(&world, "prt_acme").await.len(), 2);
    assert_eq!(ack_status(&world).await, Some(text("Pending")));

    let third = poll(&world).await;
    assert!(share_ids(&third, "shared").is_empty(), "{third}");
    assert!(
        share_ids(&third, "revoked").is_empty(),
        "revoked once: {third}"
    );
    assert_eq!(partner_shares(&world, "prt_acme").await.len(), 2);
}

async fn a_late_answer_for_a_superseded_version_is_filed_as_such_and_leaves_the_status_alone(
    stack: Stack,
) {
    let world = world(stack).await;
    let (approved, _) = file_contract_documents(&world).await;
    let old = share_ids(&poll(&world).await, "shared");
    answer(
        &world,
        "prt_acme",
        &old[0],
        "acknowledge",
        json!({"by": "Jane Partner"}),
    )
    .await;
    let late = answer_event(&world, EventType::ShareAcknowledged, &old[0]).await;

    add_version(&world, approved, REVISED_TEXT).await;
    let new = share_ids(&poll(&world).await, "shared");
    assert_eq!(new.len(), 1);
    assert_eq!(ack_status(&world).await, Some(text("Pending")));

    deliver(&world, &late).await;
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "the late answer is filed: {evidence:?}");
    let filed = content(&world, evidence[0].1).await;
    assert!(filed.contains(&format!("Share: {}", old[0])), "{filed}");
    assert!(
        filed.contains("Superseded: version 1 was replaced by version 2"),
        "marked as for a superseded version:\n{filed}"
    );
    assert!(
        filed.contains(&sha(APPROVED_TEXT)),
        "version 1's hash:\n{filed}"
    );
    assert_eq!(
        ack_status(&world).await,
        Some(text("Pending")),
        "the late answer does not speak for version 2"
    );

    answer(
        &world,
        "prt_acme",
        &new[0],
        "acknowledge",
        json!({"by": "Jane Partner"}),
    )
    .await;
    deliver(
        &world,
        &answer_event(&world, EventType::ShareAcknowledged, &new[0]).await,
    )
    .await;
    assert_eq!(ack_status(&world).await, Some(text("Acknowledged")));
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 2, "{evidence:?}");
    let current = evidence
        .iter()
        .find(|(name, _)| name.contains(&new[0]))
        .expect("the new version's evidence");
    let filed = content(&world, current.1).await;
    assert!(!filed.contains("Superseded"), "{filed}");
    assert!(filed.contains(&sha(REVISED_TEXT)), "{filed}");
}

async fn an_answer_arriving_before_its_share_is_in_the_ledger_is_filed_once_it_is(stack: Stack) {
    let world = world_crashing_after(stack, Some("tg-share")).await;
    file_contract_documents(&world).await;
    assert!(
        fire(&world, "contract-share-poll-xecm").await.is_err(),
        "the crash after the share fails the poll"
    );
    let shares = partner_shares(&world, "prt_acme").await;
    assert_eq!(shares.len(), 1, "the share exists in TG, not in the ledger");
    let share_id = shares[0]["share_id"].as_str().expect("id").to_owned();
    answer(
        &world,
        "prt_acme",
        &share_id,
        "acknowledge",
        json!({"by": "Early Bird"}),
    )
    .await;
    let event = answer_event(&world, EventType::ShareAcknowledged, &share_id).await;

    let accepted = deliver(&world, &event).await;
    assert_eq!(accepted["duplicate"], false);
    assert!(
        evidence_documents(&world).await.is_empty(),
        "nothing filed while the share is unconfirmed"
    );
    let again = deliver(&world, &event).await;
    assert_eq!(
        again["duplicate"], true,
        "the same answer twice is one event"
    );

    world.stack.ledger_clock.advance(Duration::from_secs(3600));
    let run = poll(&world).await;
    assert_eq!(
        run["inbox"]["done"], 1,
        "the parked answer is processed: {run}"
    );
    let evidence = evidence_documents(&world).await;
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert!(
        content(&world, evidence[0].1)
            .await
            .contains("By: Early Bird")
    );
    assert_eq!(ack_status(&world).await, Some(text("Acknowledged")));
    assert_eq!(
        partner_shares(&world, "prt_acme").await.len(),
        1,
        "still one share"
    );
    poll(&world).await;
    assert_eq!(evidence_documents(&world).await.len(), 1);
    assert_eq!(ack_status(&world).await, Some(text("Acknowledged")));
}

async fn two_partners_each_get_a_share_and_each_answer_is_counted(stack: Stack) {
    let world = world(stack).await;
    let contract = contract_numbered(&world.xecm, "4600000019").await;
    file_document(
        &world,
        contract,
        "Signed",
        "Polymer supply signed.txt",
        "Approved",
        "Polymer supply 2026-2027, signed.\n",
    )
    .await;
    let shared = poll(&world).await;
    assert_eq!(share_ids(&shared, "shared").len(), 2, "{shared}");
    assert_eq!(
        status_of(&world, contract).await,
        Some(text("Pending (0 of 2 acknowledged)"))
    );
    let initech = partner_shares(&world, "prt_initech").await;
    let globex = partner_shares(&world, "prt_globex").await;
    assert_eq!((initech.len(), globex.len()), (1, 1), "one share each");
    assert_ne!(initech[0]["share_id"], globex[0]["share_id"]);
    assert_eq!(
        initech[0]["recipients"].as_array().map(Vec::len),
        Some(1),
        "partners never see each other"
    );

    for (partner, share, expected) in [
        ("prt_initech", &initech[0], "Pending (1 of 2 acknowledged)"),
        (
            "prt_globex",
            &globex[0],
            "Acknowledged (2 of 2 acknowledged)",
        ),
    ] {
        let id = share["share_id"].as_str().expect("id");
        answer(
            &world,
            partner,
            id,
            "acknowledge",
            json!({"by": format!("{partner} legal")}),
        )
        .await;
        deliver(
            &world,
            &answer_event(&world, EventType::ShareAcknowledged, id).await,
        )
        .await;
        assert_eq!(status_of(&world, contract).await, Some(text(expected)));
    }
    let evidence = evidence_in(&world, contract).await;
    assert_eq!(
        evidence.len(),
        2,
        "one evidence document per partner: {evidence:?}"
    );
    for partner in ["prt_initech", "prt_globex"] {
        let (_, document) = evidence
            .iter()
            .find(|(name, _)| name.contains(partner))
            .expect("the partner's evidence");
        let filed = content(&world, *document).await;
        assert!(filed.contains(&format!("Partner: {partner}")), "{filed}");
        assert!(filed.contains(&format!("By: {partner} legal")), "{filed}");
    }
}

async fn a_file_returned_with_an_answer_is_filed_beside_the_evidence(stack: Stack) {
    const SIGNED: &[u8] = b"countersigned by ACME, 2026-11-25\n";
    let world = world(stack).await;
    file_contract_documents(&world).await;
    let share = share_ids(&poll(&world).await, "shared");
    answer_with_file(
        &world,
        "prt_acme",
        &share[0],
        "acknowledge",
        "countersigned.txt",
        SIGNED,
    )
    .await;
    let event = answer_event(&world, EventType::ShareAcknowledged, &share[0]).await;
    deliver(&world, &event).await;

    let filed = evidence_documents(&world).await;
    assert_eq!(
        filed.len(),
        2,
        "the evidence and the returned file: {filed:?}"
    );
    let (_, file) = filed
        .iter()
        .find(|(name, _)| name.ends_with("countersigned.txt"))
        .expect("the returned file");
    assert_eq!(content(&world, *file).await.as_bytes(), SIGNED);
    let (_, evidence) = filed
        .iter()
        .find(|(name, _)| name.starts_with("Acknowledgment "))
        .expect("the evidence");
    let text = content(&world, *evidence).await;
    assert!(
        text.contains(&format!(
            "Returned file: countersigned.txt ({}",
            event
                .share_answered()
                .expect("answer")
                .acknowledgment
                .attachment_ids[0]
        )),
        "{text}"
    );
    assert!(
        text.contains(&hex::encode(sha2::Sha256::digest(SIGNED))),
        "{text}"
    );
    world
        .function
        .usecase()
        .file_evidence(&event)
        .await
        .expect("again");
    assert_eq!(
        evidence_documents(&world).await.len(),
        2,
        "nothing filed twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_revoking_or_filing_a_returned_file_leaves_one_of_everything() {
    let world =
        world_crashing_after(stack_on(Storage::Embedded).await, Some("tg-share-revoke")).await;
    let (approved, _) = file_contract_documents(&world).await;
    let old = share_ids(&poll(&world).await, "shared");
    add_version(&world, approved, REVISED_TEXT).await;
    assert!(fire(&world, "contract-share-poll-xecm").await.is_err());
    assert_eq!(
        share_status(&world, &old[0]).await,
        "revoked",
        "revoked before the crash"
    );
    world.stack.ledger_clock.advance(Duration::from_secs(3600));
    poll(&world).await;
    let shares = partner_shares(&world, "prt_acme").await;
    assert_eq!(shares.len(), 2, "one old, one new share: {shares:?}");
    assert_eq!(
        shares.iter().filter(|s| s["status"] == "active").count(),
        1,
        "only the new one is live"
    );
    assert_eq!(ack_status(&world).await, Some(text("Pending")));

    let world =
        world_crashing_after(stack_on(Storage::Embedded).await, Some("xecm-ack-file")).await;
    file_contract_documents(&world).await;
    let share = share_ids(&poll(&world).await, "shared");
    answer_with_file(
        &world,
        "prt_acme",
        &share[0],
        "acknowledge",
        "countersigned.txt",
        b"signed\n",
    )
    .await;
    deliver(
        &world,
        &answer_event(&world, EventType::ShareAcknowledged, &share[0]).await,
    )
    .await;
    world.stack.ledger_clock.advance(Duration::from_secs(3600));
    let run = poll(&world).await;
    assert_eq!(run["inbox"]["done"], 1, "{run}");
    let filed = evidence_documents(&world).await;
    assert_eq!(filed.len(), 2, "one evidence, one returned file: {filed:?}");
    assert_eq!(ack_status(&world).await, Some(text("Acknowledged")));
}

gridlink_tests::on_both_stacks!(with common::stack_on;

    a_newer_approved_version_revokes_the_old_share_and_shares_the_new_one,
    a_late_answer_for_a_superseded_version_is_filed_as_such_and_leaves_the_status_alone,
    an_answer_arriving_before_its_share_is_in_the_ledger_is_filed_once_it_is,
    two_partners_each_get_a_share_and_each_answer_is_counted,
    a_file_returned_with_an_answer_is_filed_beside_the_evidence,
);
