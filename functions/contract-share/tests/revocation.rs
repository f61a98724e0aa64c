//! Access follows the record (issue 22, part 2): a partner removed from `Partner ID`, a
//! document no longer approved, or a deleted contract workspace revokes exactly what was
//! shared, once, with evidence — also across a crash after each new effect. Simulators on
//! loopback; storage on files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use gridlink_core::error::Classify as _;
use gridlink_lambda::{Handler, Invocation, Reply};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::events::EventType;
use gridlink_xecm::{AttributeValue, CategoryId, NamedAttributes, NodeId, Workspaces as _};
use serde_json::json;

/// Polymer supply contract: shared with prt_initech and prt_globex.
const TWO_PARTNER_CONTRACT: &str = "4600000019";

fn ids(summary: &serde_json::Value, list: &str) -> Vec<String> {
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

async fn set_partners(world: &World, contract: NodeId, partners: &str) {
    let mut values = NamedAttributes::new();
    values.insert("Partner ID".into(), AttributeValue::Text(partners.into()));
    world
        .xecm
        .write_attributes(contract, CategoryId::new(9200).expect("id"), &values)
        .await
        .expect("Partner ID written");
}

async fn set_approval(world: &World, document: NodeId, status: &str) {
    let (category, values) = approval(status).remove(0);
    world
        .xecm
        .write_attributes(document, category, &values)
        .await
        .expect("approval written");
}

async fn revocations(world: &World, contract: NodeId) -> Vec<(String, NodeId)> {
    evidence_in(world, contract)
        .await
        .into_iter()
        .filter(|(name, _)| name.starts_with("Revocation"))
        .collect()
}

/// The two-partner contract with one approved document shared with both.
async fn shared_with_two(world: &World) -> (NodeId, String, String) {
    let contract = contract_numbered(&world.xecm, TWO_PARTNER_CONTRACT).await;
    file_document(
        world,
        contract,
        "Signed",
        "Polymer supply signed.txt",
        "Approved",
        "Polymer supply 2026-2027, signed.\n",
    )
    .await;
    assert_eq!(ids(&poll(world).await, "shared").len(), 2);
    let share = |partner: &'static str| async move {
        partner_shares(world, partner).await[0]["share_id"]
            .as_str()
            .expect("share")
            .to_owned()
    };
    (
        contract,
        share("prt_initech").await,
        share("prt_globex").await,
    )
}

async fn removing_a_partner_revokes_its_share_once_with_evidence(stack: Stack) {
    let world = world(stack).await;
    let (contract, initech, globex) = shared_with_two(&world).await;
    set_partners(&world, contract, "prt_initech").await;
    let polled = poll(&world).await;
    assert_eq!(ids(&polled, "revoked"), vec![globex.clone()], "{polled}");
    assert_eq!(share_status(&world, &globex).await, "revoked");
    assert_eq!(share_status(&world, &initech).await, "active");
    assert_eq!(status_of(&world, contract).await, Some(text("Pending")));
    let evidence = revocations(&world, contract).await;
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    assert!(evidence[0].0.contains("prt_globex"), "{evidence:?}");
    let filed = content(&world, evidence[0].1).await;
    assert!(filed.contains("Partner: prt_globex"), "{filed}");
    assert!(
        filed.contains("Why: the partner was removed from the contract's Partner ID"),
        "{filed}"
    );
    assert!(filed.contains("Partner ID now: prt_initech"), "{filed}");
    assert!(
        filed.contains("Changed in xECM by: user "),
        "the audit names who removed the partner: {filed}"
    );
    assert!(filed.contains("Decided: "), "{filed}");
    // Again: nothing more.
    world.clock.advance(Duration::from_secs(60));
    let again = poll(&world).await;
    assert!(ids(&again, "revoked").is_empty(), "{again}");
    assert_eq!(revocations(&world, contract).await.len(), 1);
    // Added back: a new share, not the revoked one.
    set_partners(&world, contract, "prt_initech, prt_globex").await;
    world.clock.advance(Duration::from_secs(60));
    let back = poll(&world).await;
    let shared = ids(&back, "shared");
    assert_eq!(shared.len(), 1, "{back}");
    assert_ne!(shared[0], globex);
    assert_eq!(share_status(&world, &shared[0]).await, "active");
    assert_eq!(
        status_of(&world, contract).await,
        Some(text("Pending (0 of 2 acknowledged)"))
    );
}

async fn a_document_no_longer_approved_is_revoked_from_every_partner(stack: Stack) {
    let world = world(stack).await;
    let (approved, _) = file_contract_documents(&world).await;
    let shared = ids(&poll(&world).await, "shared");
    assert_eq!(shared.len(), 1);
    set_approval(&world, approved, "Withdrawn").await;
    world.clock.advance(Duration::from_secs(60));
    let polled = poll(&world).await;
    assert_eq!(ids(&polled, "revoked"), shared, "{polled}");
    assert_eq!(share_status(&world, &shared[0]).await, "revoked");
    assert_eq!(ack_status(&world).await, Some(text("Revoked")));
    let evidence = revocations(&world, world.contract).await;
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    let filed = content(&world, evidence[0].1).await;
    assert!(
        filed.contains("Why: the document is no longer approved"),
        "{filed}"
    );
    assert!(filed.contains(&format!("share {}", shared[0])), "{filed}");
    let partner_view = partner_shares(&world, "prt_acme").await;
    assert!(
        partner_view.iter().all(|s| s["status"] == "revoked"),
        "{partner_view:?}"
    );
}

async fn a_crash_after_the_revoke_or_its_evidence_leaves_one_of_each(stack: Stack) {
    let world = world(stack).await;
    let (contract, _, globex) = shared_with_two(&world).await;
    for (kind, partners) in [
        ("tg-share-revoke", "prt_initech"),
        ("xecm-revoke-evidence", ""),
    ] {
        world.stack.crash.arm(kind);
        set_partners(&world, contract, partners).await;
        world.clock.advance(Duration::from_secs(60));
        assert!(
            fire(&world, "contract-share-poll-xecm").await.is_err(),
            "the crash after {kind} fails the poll"
        );
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        world.clock.advance(Duration::from_secs(60));
        poll(&world).await;
    }
    assert_eq!(share_status(&world, &globex).await, "revoked");
    let evidence = revocations(&world, contract).await;
    assert_eq!(evidence.len(), 2, "one per revoked share: {evidence:?}");
    assert_eq!(status_of(&world, contract).await, Some(text("Revoked")));
    world.clock.advance(Duration::from_secs(60));
    let again = poll(&world).await;
    assert!(ids(&again, "revoked").is_empty(), "{again}");
    assert_eq!(revocations(&world, contract).await.len(), 2);
}

async fn a_deleted_contract_workspace_ends_every_share(stack: Stack) {
    let world = world(stack).await;
    let (contract, initech, globex) = shared_with_two(&world).await;
    gridlink_tests::kit::delete_node(&world.stack, contract).await;
    let body = serde_json::to_vec(&json!({
        "event_type": "workspace.deleted",
        "node_id": contract.get(),
        "workspace_id": contract.get(),
        "occurred_at": "2026-11-25T01:00:00Z",
    }))
    .expect("json");
    let Reply::Http(response) = world
        .function
        .handle(Invocation::Http(push_request(&world, &body, PUSH_SECRET)))
        .await
        .expect("push answered")
    else {
        panic!("http")
    };
    assert_eq!(response.status, 202);
    for share in [&initech, &globex] {
        assert_eq!(share_status(&world, share).await, "revoked", "{share}");
    }
    let record = world
        .function
        .platform()
        .ledger
        .get(
            &gridlink_store::RecordId::new(
                contract_share::standing::STANDING_KIND,
                contract.to_string(),
            )
            .expect("id"),
        )
        .await
        .expect("ledger")
        .expect("standing");
    let standing: contract_share::standing::Standing =
        serde_json::from_value(record.data).expect("standing");
    assert_eq!(standing.entries.len(), 2);
    assert!(
        standing
            .entries
            .iter()
            .all(|e| e.revoked.as_ref().is_some_and(|r| {
                r.done && r.reason == contract_share::standing::RevokeReason::WorkspaceDeleted
            })),
        "{standing:?}"
    );
}

/// A contract deleted in xECM with no push: the poll alone sees it (the register's sweep),
/// revokes each of its partners' shares once — also across a crash after the first revoke
/// — and leaves another contract's share alone.
async fn a_contract_deleted_without_a_push_is_ended_by_the_poll_alone(stack: Stack) {
    let world = world(stack).await;
    let (contract, initech, globex) = shared_with_two(&world).await;
    file_contract_documents(&world).await;
    world.clock.advance(Duration::from_secs(60));
    assert_eq!(ids(&poll(&world).await, "shared").len(), 1);
    let acme = partner_shares(&world, "prt_acme").await[0]["share_id"]
        .as_str()
        .expect("share")
        .to_owned();
    gridlink_tests::kit::delete_node(&world.stack, contract).await;
    a_crash_after_the_first_revoke_then_the_poll_finishes(&world, [&initech, &globex]).await;
    for share in [&initech, &globex] {
        assert_eq!(share_status(&world, share).await, "revoked", "{share}");
    }
    assert_eq!(
        share_status(&world, &acme).await,
        "active",
        "another contract's share stays"
    );
    for partner in ["prt_initech", "prt_globex"] {
        let seen = partner_shares(&world, partner).await;
        assert!(
            seen.iter().all(|s| s["status"] == "revoked"),
            "{partner}: {seen:?}"
        );
    }
    world.clock.advance(Duration::from_secs(60));
    let again = poll(&world).await;
    assert!(ids(&again, "revoked").is_empty(), "{again}");
    let registered = world
        .function
        .platform()
        .ledger
        .get(
            &gridlink_store::RecordId::new(
                gridlink_outbound::live::LIVE_KIND,
                format!("contract-share/{contract}"),
            )
            .expect("id"),
        )
        .await
        .expect("ledger");
    assert!(
        registered.is_none(),
        "the deleted contract leaves the register"
    );
}

/// The poll crashes right after the first share's revoke; the next poll (once the claim's
/// lease is over) finishes that revoke and makes the others — and revokes only `shares`.
async fn a_crash_after_the_first_revoke_then_the_poll_finishes(
    world: &World,
    shares: [&String; 2],
) {
    world.stack.crash.arm("tg-share-revoke");
    world.clock.advance(Duration::from_secs(60));
    assert!(
        fire(world, "contract-share-poll-xecm").await.is_err(),
        "the crash after the first revoke fails the poll"
    );
    world.stack.ledger_clock.advance(Duration::from_secs(3600));
    world.clock.advance(Duration::from_secs(60));
    let polled = poll(world).await;
    let revoked = ids(&polled, "revoked");
    assert!(
        !revoked.is_empty() && revoked.iter().all(|r| shares.contains(&r)),
        "{polled}"
    );
}

async fn set_contract_status(world: &World, contract: NodeId, status: &str) {
    let mut values = NamedAttributes::new();
    values.insert(
        "Contract Status".into(),
        AttributeValue::Text(status.into()),
    );
    world
        .xecm
        .write_attributes(contract, CategoryId::new(9200).expect("id"), &values)
        .await
        .expect("Contract Status written");
}

/// A contract archived in xECM (its `Contract Status`) ends every partner's access: each
/// share revoked once with evidence naming the status — also across a crash after the first
/// revoke —; nothing new is shared while it stays archived; active again, new shares.
async fn an_archived_contract_ends_every_share_with_evidence(stack: Stack) {
    let world = world(stack).await;
    let (contract, initech, globex) = shared_with_two(&world).await;
    set_contract_status(&world, contract, "Archived").await;
    a_crash_after_the_first_revoke_then_the_poll_finishes(&world, [&initech, &globex]).await;
    assert_eq!(share_status(&world, &initech).await, "revoked");
    assert_eq!(share_status(&world, &globex).await, "revoked");
    assert_eq!(status_of(&world, contract).await, Some(text("Revoked")));
    let evidence = revocations(&world, contract).await;
    assert_eq!(evidence.len(), 2, "{evidence:?}");
    for (_, node) in &evidence {
        let filed = content(&world, *node).await;
        assert!(
            filed
                .contains("Why: the contract was closed or archived in xECM (its Contract Status)"),
            "{filed}"
        );
        assert!(filed.contains("Contract Status now: Archived"), "{filed}");
        assert!(filed.contains("Changed in xECM by: user "), "{filed}");
    }
    // A newly approved document is not shared while the contract stays archived.
    file_document(
        &world,
        contract,
        "Amendments",
        "Polymer supply amendment 1.txt",
        "Approved",
        "Amendment 1.\n",
    )
    .await;
    world.clock.advance(Duration::from_secs(60));
    let still = poll(&world).await;
    assert!(ids(&still, "shared").is_empty(), "{still}");
    assert!(ids(&still, "revoked").is_empty(), "{still}");
    assert_eq!(revocations(&world, contract).await.len(), 2);
    // Active again: the record grants again, so both partners get new shares.
    set_contract_status(&world, contract, "Active").await;
    world.clock.advance(Duration::from_secs(60));
    let again = poll(&world).await;
    let shared = ids(&again, "shared");
    assert_eq!(
        shared.len(),
        4,
        "two documents × two partners, all new: {again}"
    );
    assert!(!shared.contains(&initech) && !shared.contains(&globex));
}

/// The demo contract's document is shared with prt_acme and acknowledged; then `Partner ID`
/// reads `partners` (prt_acme and prt_nobody, a partner Trading Grid does not know) and a
/// version 2 is approved: prt_acme gets version 2 and its version-1 share is revoked whatever
/// the order, prt_nobody is recorded by name, and the run does not fail.
async fn a_refused_partner_blocks_no_other(world: &World, partners: &str) {
    let (document, _) = file_contract_documents(world).await;
    poll(world).await;
    let v1 = partner_shares(world, "prt_acme").await[0]["share_id"]
        .as_str()
        .expect("share")
        .to_owned();
    answer(
        world,
        "prt_acme",
        &v1,
        "acknowledge",
        json!({"by": "Jane Partner"}),
    )
    .await;
    deliver(
        world,
        &latest_event(world, EventType::ShareAcknowledged).await,
    )
    .await;
    assert_eq!(ack_status(world).await, Some(text("Acknowledged")));

    set_partners(world, world.contract, partners).await;
    add_version(world, document, "Framework agreement 2026, version 2.\n").await;
    let synced = world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect("a partner Trading Grid refuses does not fail the contract");
    let shared: Vec<_> = synced
        .shared
        .iter()
        .map(|s| (s.partner_id.as_str(), s.version))
        .collect();
    assert_eq!(shared, [("prt_acme", 2)], "{synced:?}");
    assert_eq!(
        synced.revoked,
        std::slice::from_ref(&v1),
        "version 1 is superseded"
    );
    assert_eq!(share_status(world, &v1).await, "revoked");
    assert_eq!(synced.refused.len(), 1, "{synced:?}");
    assert_eq!(synced.refused[0].partner_id, "prt_nobody");
    assert!(
        synced.refused[0].reason.contains("prt_nobody"),
        "the reason names the partner: {:?}",
        synced.refused[0]
    );
    assert_eq!(
        ack_status(world).await,
        Some(text(
            "Pending; not shared with prt_nobody: refused by Trading Grid"
        ))
    );

    let again = world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect("the next run does not fail either");
    assert!(again.shared.is_empty(), "{again:?}");
    assert_eq!(again.refused.len(), 1, "still recorded: {again:?}");

    // The typo corrected: the status no longer names it.
    set_partners(world, world.contract, "prt_acme").await;
    world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect("sync");
    assert_eq!(ack_status(world).await, Some(text("Pending")));
}

async fn a_refused_partner_listed_first_blocks_no_other(stack: Stack) {
    let world = world(stack).await;
    a_refused_partner_blocks_no_other(&world, "prt_nobody, prt_acme").await;
}

async fn a_refused_partner_listed_last_blocks_no_other(stack: Stack) {
    let world = world(stack).await;
    a_refused_partner_blocks_no_other(&world, "prt_acme, prt_nobody").await;
}

/// Trading Grid is unavailable for the first partner's share (every attempt of the client's
/// retries): the run fails for a retry, but only after prt_acme was shared with; the retry
/// shares with prt_globex.
async fn a_transient_failure_fails_the_run_after_the_other_partners(stack: Stack) {
    let world = world(stack).await;
    set_partners(&world, world.contract, "prt_globex, prt_acme").await;
    file_contract_documents(&world).await;
    gridlink_tgrid_sim::controls::SimControls::new(world.tg_base.clone())
        .set_faults(&gridlink_tgrid_sim::Faults {
            // Every attempt the client makes at prt_globex's share.
            unavailable: world.tg.config().retry.max_attempts,
            retry_after_secs: Some(0),
            only: Some("POST /v1/shares".into()),
            ..gridlink_tgrid_sim::Faults::default()
        })
        .await
        .expect("faults set");
    let failed = world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect_err("a transient failure fails the run");
    assert!(failed.kind().is_transient(), "{failed}");
    assert!(partner_shares(&world, "prt_globex").await.is_empty());
    assert_eq!(
        partner_shares(&world, "prt_acme").await.len(),
        1,
        "prt_acme was shared with before the run failed"
    );
    assert_eq!(ack_status(&world).await, Some(text("Pending")));

    let retried = world
        .function
        .usecase()
        .sync_contract(world.contract)
        .await
        .expect("the retry succeeds");
    let shared: Vec<_> = retried
        .shared
        .iter()
        .map(|s| s.partner_id.as_str())
        .collect();
    assert_eq!(shared, ["prt_globex"], "{retried:?}");
    assert_eq!(partner_shares(&world, "prt_acme").await.len(), 1);
    assert_eq!(
        ack_status(&world).await,
        Some(text("Pending (0 of 2 acknowledged)"))
    );
}

gridlink_tests::on_both_stacks!(
    with common::stack_on;
    a_refused_partner_listed_first_blocks_no_other,
    a_refused_partner_listed_last_blocks_no_other,
    a_transient_failure_fails_the_run_after_the_other_partners,
    removing_a_partner_revokes_its_share_once_with_evidence,
    a_document_no_longer_approved_is_revoked_from_every_partner,
    a_crash_after_the_revoke_or_its_evidence_leaves_one_of_each,
    an_archived_contract_ends_every_share_with_evidence,
    a_deleted_contract_workspace_ends_every_share,
    a_contract_deleted_without_a_push_is_ended_by_the_poll_alone,
);
