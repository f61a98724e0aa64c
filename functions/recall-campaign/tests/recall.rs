//! recall-campaign end to end: four eyes against xECM's audit, the fan-out (one campaign per
//! partner, only its lots, exactly once after crashes, resumable), answers kept as history
//! and filed once per partner, bad input parked, the rollup. Simulators on loopback; storage
//! on files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use gridlink_tests::stack::{Stack, Storage};
use gridlink_xecm::AttributeValue;
use serde_json::{Value, json};

const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 pretend JPEG: 300 units destroyed, photo of the skip";

fn form_fields(campaign: &Value) -> Vec<String> {
    campaign["response_form"]["fields"]
        .as_array()
        .expect("a form")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn the_initiator_cannot_approve_and_the_approver_issues(stack: Stack) {
    let world = world(stack).await;
    // The QA manager approves their own recall: refused, filed, nothing sent.
    approve_as(&world.qa, world.incident, QA_MANAGER).await;
    let run = poll(&world).await;
    let synced = run["polled"]["synced"].to_string();
    assert!(synced.contains("is the initiator"), "{run}");
    let approvals = documents_in(&world, world.incident, "Approvals").await;
    let refusals: Vec<_> = approvals
        .iter()
        .filter(|(n, _)| n.starts_with("Issue refused"))
        .collect();
    assert_eq!(refusals.len(), 1, "{approvals:?}");
    let text = String::from_utf8(content(&world, refusals[0].1).await).expect("text");
    assert!(text.contains("is the initiator"), "{text}");
    poll(&world).await;
    assert_eq!(
        documents_in(&world, world.incident, "Approvals")
            .await
            .len(),
        approvals.len(),
        "the same refusal is filed once"
    );
    // The QA manager names the approver and leaves the status approved: the audit shows the
    // approval was not the approver's.
    write(
        &world.qa,
        world.incident,
        &[("Approved By", AttributeValue::User(APPROVER))],
    )
    .await;
    let run = poll(&world).await;
    assert!(run.to_string().contains("not by the approver"), "{run}");
    assert!(all_campaigns(&world).await.is_empty(), "nothing was sent");
    // Back to pending; the approver approves in their own session.
    write(
        &world.qa,
        world.incident,
        &[
            ("Approved By", AttributeValue::Empty),
            ("Status", AttributeValue::Text("pending approval".into())),
        ],
    )
    .await;
    issue_demo(&world).await;
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    let campaigns = all_campaigns(&world).await;
    assert_eq!(
        campaigns.len(),
        3,
        "one per affected partner: {campaigns:?}"
    );
    let notices: std::collections::BTreeSet<_> = campaigns
        .iter()
        .map(|c| c["attachment_ids"].to_string())
        .collect();
    assert_eq!(
        notices.len(),
        1,
        "the notice is uploaded once and reused: {notices:?}"
    );
    // Each partner sees only its lots.
    let acme = partner_campaigns(&world, "prt_acme").await;
    let fields = form_fields(&acme[0]);
    assert!(
        fields.contains(&"L2026-0412.destroyed".to_owned()),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|f| f.contains("L2026-0415")),
        "{fields:?}"
    );
    assert!(
        !acme[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("L2026-0415")
    );
    let fresh = form_fields(&partner_campaigns(&world, "prt_rc_freshmart").await[0]);
    assert!(
        fresh.iter().any(|f| f.contains("L2026-0415"))
            && fresh.iter().any(|f| f.contains("L2026-0412"))
    );
    // A second poll changes nothing.
    poll(&world).await;
    assert_eq!(all_campaigns(&world).await.len(), 3);
    let (code, rollup) = rollup_route(&world, DEMO_RECALL).await;
    assert_eq!(code, 200, "{rollup}");
    assert_eq!(rollup["partners_invited"], 3, "{rollup}");
    assert_eq!(rollup["by_state"]["invited"], 3, "{rollup}");
    assert_eq!(rollup_route(&world, "RC-NOPE").await.0, 404);
}

async fn answers_are_history_filed_once_per_partner_and_never_regress(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    // FreshMart first only acknowledges, then reports everything destroyed with a photo.
    respond(&world, "prt_rc_freshmart", json!({"acknowledged": true})).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    respond_with_file(
        &world,
        "prt_rc_freshmart",
        all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 300)]),
        "destroyed.jpg",
        PHOTO,
    )
    .await;
    let events = response_events(&world, "prt_rc_freshmart").await;
    assert_eq!(events.len(), 2);
    // Newest first, then the older one late, then the newest again (a redelivery).
    let key = format!("{DEMO_RECALL}/v1/prt_rc_freshmart");
    let state = |p: Option<recall_campaign::records::PartnerRecall>| {
        let p = p.expect("the partner");
        (p.state, p.answers.len())
    };
    deliver(&world, &events[1]).await;
    assert_eq!(
        state(world.usecase.partner_recall(&key).await.expect("ledger")),
        (recall_campaign::answers::PartnerState::Completed, 1)
    );
    deliver(&world, &events[0]).await;
    assert_eq!(
        state(world.usecase.partner_recall(&key).await.expect("ledger")),
        (recall_campaign::answers::PartnerState::Completed, 2),
        "an older answer arriving late is kept and does not regress the state"
    );
    let again = deliver(&world, &events[1]).await;
    assert_eq!(again["duplicate"], true, "{again}");
    let partner = world
        .usecase
        .partner_recall(&key)
        .await
        .expect("ledger")
        .expect("partner");
    assert_eq!(
        partner.answers.len(),
        2,
        "history kept, the redelivery not doubled"
    );
    assert!(partner.answers[0].responded_at < partner.answers[1].responded_at);
    assert!(
        partner.answers[0].form_data.get("affected").is_none(),
        "the older answer is the acknowledgment"
    );
    // Filed once: two answers and the photo, in FreshMart's folder only.
    let filed = documents_in(&world, world.incident, "Partner Responses/prt_rc_freshmart").await;
    assert_eq!(filed.len(), 3, "{filed:?}");
    let photo = filed
        .iter()
        .find(|(n, _)| n.ends_with("destroyed.jpg"))
        .expect("the photo");
    assert_eq!(content(&world, photo.1).await, PHOTO);
    for other in ["prt_acme", "prt_rc_medisupply"] {
        assert!(
            documents_in(
                &world,
                world.incident,
                &format!("Partner Responses/{other}")
            )
            .await
            .is_empty()
        );
    }
    // MediSupply is not affected; a re-answer of it is a second history entry.
    respond(
        &world,
        "prt_rc_medisupply",
        json!({"acknowledged": true, "affected": true}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    respond(
        &world,
        "prt_rc_medisupply",
        json!({"acknowledged": true, "affected": false}),
    )
    .await;
    for event in response_events(&world, "prt_rc_medisupply").await {
        deliver(&world, &event).await;
    }
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    let medi = rollup["partners"]
        .as_array()
        .expect("partners")
        .iter()
        .find(|p| p["partner_id"] == "prt_rc_medisupply")
        .cloned()
        .expect("medi");
    assert_eq!(medi["state"], "impact_reported", "{rollup}");
    assert_eq!(medi["affected"], false);
    assert_eq!(medi["answers"], 2);
    let lot = rollup["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["lot_code"] == "L2026-0412")
        .cloned()
        .expect("lot");
    assert_eq!(lot["shipped"], 900, "{lot}");
    assert_eq!(lot["destroyed"], 500.0);
    assert_eq!(lot["effectiveness_pct"], 55.6, "{lot}");
    // The rollup is filed as a versioned document.
    let bundle = documents_in(&world, world.incident, "Evidence Bundle").await;
    let rollup_doc = bundle
        .iter()
        .find(|(n, _)| n.starts_with("Rollup"))
        .expect("rollup filed");
    let versions = world.xecm.versions(rollup_doc.1).await.expect("versions");
    assert!(
        versions.len() > 1,
        "a new version per change: {}",
        versions.len()
    );
    let filed: Value = serde_json::from_slice(&content(&world, rollup_doc.1).await).expect("json");
    assert_eq!(filed, rollup, "the filed rollup is the served one");
}

async fn a_crash_after_each_campaign_create_leaves_exactly_one_per_partner(stack: Stack) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=6).map(generated_partner).collect();
    generated_incident(&world, "RC-GEN-CRASH", &partners, "").await;
    let incident = recall_workspace(&world.xecm, "RC-GEN-CRASH").await;
    approve_as(&world.approver, incident, APPROVER).await;
    // FANOUT_PER_RUN is 1: each armed poll creates one campaign and "crashes" before the
    // ledger confirms it; the next poll adopts it (found by its external reference).
    let mut crashes = 0;
    for _ in 0..partners.len() {
        world.stack.crash.arm("tg-recall-campaign");
        assert!(
            fire(&world, "recall-campaign-poll-xecm").await.is_err(),
            "the crash fails the poll"
        );
        crashes += 1;
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        poll(&world).await;
    }
    poll(&world).await;
    assert_eq!(
        status(&world, incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    assert_eq!(crashes, 6, "a crash after every create");
    let ours: Vec<_> = all_campaigns(&world)
        .await
        .into_iter()
        .filter(|c| {
            c["external_ref"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("RC-GEN-CRASH/"))
        })
        .collect();
    assert_eq!(ours.len(), 6, "exactly one campaign per partner: {ours:?}");
    let (_, rollup) = rollup_route(&world, "RC-GEN-CRASH").await;
    assert_eq!(rollup["partners_invited"], 6, "{rollup}");
}

async fn bad_input_is_parked_or_refused_with_the_reason(stack: Stack) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=2).map(generated_partner).collect();
    generated_incident(
        &world,
        "RC-GEN-BAD",
        &partners,
        "prt_rc_ghost,GA-1,3,EA,2026-05-01\nprt_rc_gen_0001,ZZ-9,4,EA,2026-05-01\n",
    )
    .await;
    let incident = recall_workspace(&world.xecm, "RC-GEN-BAD").await;
    approve_as(&world.approver, incident, APPROVER).await;
    poll(&world).await;
    let (_, rollup) = rollup_route(&world, "RC-GEN-BAD").await;
    let parked = rollup["parked"].as_array().expect("parked");
    assert_eq!(parked.len(), 2, "{rollup}");
    assert!(
        parked.iter().any(|p| p["partner_id"] == "prt_rc_ghost"
            && p["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("does not know")),
        "{parked:?}"
    );
    assert!(
        parked
            .iter()
            .any(|p| p["row"] == 6 && p["reason"].as_str().unwrap_or_default().contains("ZZ-9")),
        "{parked:?}"
    );
    let ghost = all_campaigns(&world)
        .await
        .into_iter()
        .filter(|c| {
            c["external_ref"]["id"]
                .as_str()
                .is_some_and(|id| id.contains("prt_rc_ghost"))
        })
        .count();
    assert_eq!(ghost, 0, "no campaign for a partner TG does not know");
    assert_eq!(rollup["partners_invited"], 2, "{rollup}");
    let fields = form_fields(&partner_campaigns(&world, "prt_rc_gen_0001").await[0]);
    assert!(!fields.iter().any(|f| f.contains("ZZ-9")), "{fields:?}");
    // A distribution that does not read is refused, naming row and column.
    let other = generated_incident(
        &world,
        "RC-GEN-UNREADABLE",
        &partners,
        "prt_rc_gen_0002,GA-1,lots,EA,\n",
    )
    .await;
    approve_as(&world.approver, other, APPROVER).await;
    poll(&world).await;
    let refusals = documents_in(&world, other, "Approvals").await;
    let refusal = refusals
        .iter()
        .find(|(n, _)| n.starts_with("Issue refused"))
        .expect("refused");
    let text = String::from_utf8(content(&world, refusal.1).await).expect("text");
    assert!(text.contains("row 5, column quantity"), "{text}");
    assert_eq!(
        world
            .usecase
            .issued("RC-GEN-UNREADABLE")
            .await
            .expect("ledger"),
        None
    );
}

/// A lot shipped in two units is refused by name — at the first issue and in an amendment —
/// and filed in `Approvals`; nothing is sent, nothing is added up across units.
async fn a_lot_shipped_in_two_units_is_refused_by_name_never_summed(stack: Stack) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=2).map(generated_partner).collect();
    // prt_rc_gen_0001 got 10 EA of GA-1 and, on row 5, 24 CS more.
    let incident = generated_incident(
        &world,
        "RC-GEN-UNITS",
        &partners,
        "prt_rc_gen_0001,GA-1,24,CS,2026-05-03\n",
    )
    .await;
    approve_as(&world.approver, incident, APPROVER).await;
    let run = poll(&world).await;
    assert!(run.to_string().contains("more than one unit"), "{run}");
    let refusals: Vec<_> = documents_in(&world, incident, "Approvals")
        .await
        .into_iter()
        .filter(|(n, _)| n.starts_with("Issue refused") && n.contains("mixed-units"))
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    let text = String::from_utf8(content(&world, refusals[0].1).await).expect("text");
    assert!(
        text.contains("lot GA-1 is shipped in more than one unit (CS, EA: CS in distribution row(s) 5, EA in distribution row(s) 2, 3;"),
        "{text}"
    );
    assert_eq!(
        world.usecase.issued("RC-GEN-UNITS").await.expect("ledger"),
        None
    );
    assert!(
        all_campaigns(&world)
            .await
            .iter()
            .all(|c| !c["external_ref"]["id"]
                .as_str()
                .unwrap_or_default()
                .starts_with("RC-GEN-UNITS/")),
        "nothing sent"
    );
    // An amendment of the demo recall adding 3 CS of a lot shipped in EA: refused, filed,
    // not sent; the rollup keeps counting the lot in EA alone.
    issue_demo(&world).await;
    new_distribution(&world, "3 cases more", "partner_id,lot_code,quantity,unit,shipped_on\nprt_acme,L2026-0412,400,EA,2026-04-20\nprt_rc_freshmart,L2026-0412,500,EA,2026-04-21\nprt_rc_freshmart,L2026-0415,300,EA,2026-04-22\nprt_rc_medisupply,L2026-0415,250,EA,2026-04-23\nprt_rc_gen_0001,L2026-0412,3,CS,2026-04-26\n").await;
    let run = poll(&world).await;
    assert!(
        run.to_string()
            .contains("lot L2026-0412 is shipped in more than one unit (CS, EA: CS in distribution row(s) 6, EA in distribution row(s) 2, 3;"),
        "{run}"
    );
    poll(&world).await;
    let refusals: Vec<_> = documents_in(&world, world.incident, "Approvals")
        .await
        .into_iter()
        .filter(|(n, _)| n.starts_with("Issue refused") && n.contains("amendment-refused"))
        .collect();
    assert_eq!(refusals.len(), 1, "filed once: {refusals:?}");
    assert!(
        campaigns_of_version(&world, DEMO_RECALL, 2)
            .await
            .is_empty()
    );
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    let lot = rollup["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["lot_code"] == "L2026-0412")
        .cloned()
        .expect("the lot");
    assert_eq!(
        (lot["shipped"].clone(), lot["unit"].clone()),
        (json!(900), json!("EA"))
    );
}

async fn the_fan_out_resumes_from_its_cursor(stack: Stack) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=GENERATED).map(generated_partner).collect();
    generated_incident(&world, "RC-GEN-CHUNKS", &partners, "").await;
    let incident = recall_workspace(&world.xecm, "RC-GEN-CHUNKS").await;
    approve_as(&world.approver, incident, APPROVER).await;
    poll(&world).await;
    let issued = world
        .usecase
        .issued("RC-GEN-CHUNKS")
        .await
        .expect("ledger")
        .expect("issued");
    assert_eq!(issued.cursor, 5, "one run invites FANOUT_PER_RUN partners");
    assert_eq!(
        status(&world, incident).await,
        Some(AttributeValue::Text("issuing".into()))
    );
    poll(&world).await;
    poll(&world).await;
    let issued = world
        .usecase
        .issued("RC-GEN-CHUNKS")
        .await
        .expect("ledger")
        .expect("issued");
    assert_eq!(issued.cursor, GENERATED);
    assert_eq!(
        status(&world, incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    let ours = all_campaigns(&world)
        .await
        .into_iter()
        .filter(|c| {
            c["external_ref"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("RC-GEN-CHUNKS/"))
        })
        .count();
    assert_eq!(ours, GENERATED);
}

async fn chunked_stack(storage: Storage) -> Stack {
    stack_with(
        storage,
        GENERATED,
        vec![
            ("FANOUT_CHUNK".into(), "2".into()),
            ("FANOUT_PER_RUN".into(), "5".into()),
        ],
    )
    .await
}

mod chunked {
    use super::*;
    gridlink_tests::on_both_stacks!(with super::chunked_stack; the_fan_out_resumes_from_its_cursor);
}

async fn one_per_run_stack(storage: Storage) -> Stack {
    stack_with(
        storage,
        GENERATED,
        vec![("FANOUT_PER_RUN".into(), "1".into())],
    )
    .await
}

mod one_per_run {
    use super::*;
    gridlink_tests::on_both_stacks!(with super::one_per_run_stack;
        a_crash_after_each_campaign_create_leaves_exactly_one_per_partner,
        closing_asked_during_the_fan_out_waits_for_every_partner_then_closes,
        version_one_is_reminded_while_its_amendment_fans_out,
    );
}

/// `FANOUT_PER_RUN` 1: version 2 of the demo recall (two more partners, due in 200 h) is still
/// fanning out when version 1 falls due. Version 1's partners are reminded all the same; version 2's
/// invited partner, not yet due, is not.
async fn version_one_is_reminded_while_its_amendment_fans_out(stack: Stack) {
    let world = world(stack).await;
    approve_as(&world.approver, world.incident, APPROVER).await;
    until_active(&world, world.incident, 5).await;
    // Two partners are added to the distribution, answers to them due in 200 h: the
    // amendment, approved.
    new_distribution(&world, "two partners added", "partner_id,lot_code,quantity,unit,shipped_on\nprt_acme,L2026-0412,400,EA,2026-04-20\nprt_rc_freshmart,L2026-0412,500,EA,2026-04-21\nprt_rc_freshmart,L2026-0415,300,EA,2026-04-22\nprt_rc_medisupply,L2026-0415,250,EA,2026-04-23\nprt_rc_gen_0001,L2026-0412,50,EA,2026-04-26\nprt_rc_gen_0002,L2026-0412,60,EA,2026-04-26\n").await;
    write(
        &world.qa,
        world.incident,
        &[("Response Due Hours", AttributeValue::Integer(200))],
    )
    .await;
    let held = poll(&world).await;
    assert!(held.to_string().contains("awaits approval"), "{held}");
    approve_as(&world.approver, world.incident, APPROVER).await;
    let amended = poll(&world).await;
    assert!(amended.to_string().contains("prt_rc_gen_0001"), "{amended}");
    // Version 1 is due 72 h after its issue: 73 h on, it is overdue; version 2 is not.
    world.clock.advance(73 * HOUR);
    let issued = world
        .usecase
        .issued(DEMO_RECALL)
        .await
        .expect("ledger")
        .expect("issued");
    assert_eq!(issued.version, 2);
    assert!(!issued.fanned_out(), "version 2 still fans out: {issued:?}");
    let run = deadlines(&world).await;
    let reminded = run["deadlines"]["reminded"].to_string();
    for partner in ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"] {
        assert!(reminded.contains(partner), "{partner}: {run}");
        assert_eq!(
            ledger_partner(&world, partner).await.reminders,
            1,
            "{partner}"
        );
    }
    assert!(!reminded.contains("prt_rc_gen_0001"), "not due yet: {run}");
    // Version 1's escalation runs during the fan-out too.
    world.clock.advance(97 * HOUR);
    let run = deadlines(&world).await;
    let escalated = run["deadlines"]["escalated"].to_string();
    for partner in ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"] {
        assert!(escalated.contains(partner), "{partner}: {run}");
    }
}

/// `FANOUT_PER_RUN` 1, two partners: `Status` set to `closing` after the first partner was
/// invited. The fan-out goes on to the second partner (`Status` stays `closing`, never back to
/// `active`), then the close follows its rules: effectiveness short → waiting; both partners
/// account for everything → the closeout to each, `closed`.
async fn closing_asked_during_the_fan_out_waits_for_every_partner_then_closes(stack: Stack) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=2).map(generated_partner).collect();
    let incident = generated_incident(&world, "RC-GEN-CLOSING", &partners, "").await;
    approve_as(&world.approver, incident, APPROVER).await;
    let first = poll(&world).await;
    assert!(first.to_string().contains(&partners[0]), "{first}");
    assert!(
        !first.to_string().contains(&partners[1]),
        "one per run: {first}"
    );
    write(
        &world.approver,
        incident,
        &[("Status", AttributeValue::Text("closing".into()))],
    )
    .await;
    let second = poll(&world).await;
    assert!(
        second["polled"]["synced"]
            .to_string()
            .contains(&partners[1]),
        "the fan-out goes on while closing is asked: {second}"
    );
    for _ in 0..3 {
        poll(&world).await;
    }
    let ours = |c: &Value| {
        c["external_ref"]["system"] == "gridlink-recall"
            && c["external_ref"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("RC-GEN-CLOSING/"))
    };
    let invited: Vec<Value> = all_campaigns(&world)
        .await
        .into_iter()
        .filter(|c| ours(c))
        .collect();
    assert_eq!(invited.len(), 2, "both partners invited: {invited:?}");
    let issued = world
        .usecase
        .issued("RC-GEN-CLOSING")
        .await
        .expect("ledger")
        .expect("issued");
    assert!(
        issued.fanned_out() && issued.closing_since.is_some(),
        "{issued:?}"
    );
    assert_eq!(
        status(&world, incident).await,
        Some(AttributeValue::Text("closing".into())),
        "closing is kept, never overwritten by active"
    );
    // Nothing answered yet: the close waits on effectiveness, by lot.
    let waiting = poll(&world).await;
    assert!(
        waiting.to_string().contains("effectiveness below"),
        "{waiting}"
    );
    assert!(closeouts(&world, "RC-GEN-CLOSING").await.is_empty());
    respond(&world, &partners[0], all_destroyed(&[("GA-1", 10)])).await;
    respond(
        &world,
        &partners[1],
        all_destroyed(&[("GA-1", 11), ("GB-2", 5)]),
    )
    .await;
    for partner in &partners {
        for event in response_events(&world, partner).await {
            deliver(&world, &event).await;
        }
    }
    for _ in 0..3 {
        poll(&world).await;
    }
    assert_eq!(
        closeouts(&world, "RC-GEN-CLOSING").await.len(),
        2,
        "the closeout to each partner"
    );
    assert_eq!(
        status(&world, incident).await,
        Some(AttributeValue::Text("closed".into()))
    );
}

const HOUR: Duration = Duration::from_secs(3600);

async fn deadlines(world: &World) -> Value {
    fire(world, "recall-campaign-deadlines")
        .await
        .expect("the deadlines run")
}

fn partner_of(key_partner: &str) -> String {
    format!("{DEMO_RECALL}/v1/{key_partner}")
}

async fn ledger_partner(world: &World, partner: &str) -> recall_campaign::records::PartnerRecall {
    world
        .usecase
        .partner_recall(&partner_of(partner))
        .await
        .expect("ledger")
        .expect("the partner")
}

/// The messages a partner sees in a thread (its own side of the simulator).
async fn partner_messages(world: &World, partner: &str, thread: &str) -> Vec<Value> {
    world
        .partner
        .get(&format!(
            "__sim/partners/{partner}/threads/{thread}/messages"
        ))
        .await
        .expect("partner messages")["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn an_unanswered_partner_is_reminded_then_escalated_once(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    // FreshMart completes on time; Acme and MediSupply do not answer. The demo recall is due
    // 72 h after issue, reminds every 24 h and escalates 96 h past due.
    respond_with_file(
        &world,
        "prt_rc_freshmart",
        all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 300)]),
        "destroyed.jpg",
        PHOTO,
    )
    .await;
    for event in response_events(&world, "prt_rc_freshmart").await {
        deliver(&world, &event).await;
    }
    world.clock.advance(73 * HOUR);
    let run = deadlines(&world).await;
    let reminded = run["deadlines"]["reminded"].to_string();
    assert!(
        reminded.contains("prt_acme") && reminded.contains("prt_rc_medisupply"),
        "{run}"
    );
    assert!(
        !reminded.contains("prt_rc_freshmart"),
        "reminders go to non-responders only: {run}"
    );
    world.clock.advance(24 * HOUR);
    deadlines(&world).await;
    assert_eq!(ledger_partner(&world, "prt_acme").await.reminders, 2);
    assert_eq!(
        ledger_partner(&world, "prt_rc_freshmart").await.reminders,
        0
    );
    // 96 h past due: escalated. The first escalation "crashes" after its message was posted,
    // before the ledger confirmed it; the re-run sends nothing twice.
    world.clock.advance(72 * HOUR);
    world.stack.crash.arm("tg-recall-escalation");
    assert!(
        fire(&world, "recall-campaign-deadlines").await.is_err(),
        "the crash fails the run"
    );
    world.stack.ledger_clock.advance(HOUR);
    let run = deadlines(&world).await;
    let escalated = run["deadlines"]["escalated"].to_string();
    assert!(escalated.contains("prt_acme"), "{run}");
    assert!(escalated.contains("prt_rc_medisupply"), "{run}");
    assert!(!escalated.contains("prt_rc_freshmart"), "{run}");
    let again = deadlines(&world).await;
    assert_eq!(again["deadlines"]["escalated"], json!([]), "{again}");
    assert_eq!(
        again["deadlines"]["reminded"],
        json!([]),
        "no reminders after the escalation: {again}"
    );
    for partner in ["prt_acme", "prt_rc_medisupply"] {
        let recorded = ledger_partner(&world, partner).await;
        let escalation = recorded.escalation.expect("escalated");
        let messages = partner_messages(&world, partner, &escalation.thread_id).await;
        assert_eq!(
            messages.len(),
            1,
            "one escalation message for {partner}: {messages:?}"
        );
        assert_eq!(messages[0]["message_id"], escalation.message_id.as_str());
        assert_eq!(
            messages[0]["action_request"]["kind"], "answer_recall",
            "{messages:?}"
        );
        assert_eq!(messages[0]["structured"]["recall_id"], DEMO_RECALL);
        // The internal record in xECM, in the partner's folder, once.
        let folder = documents_in(
            &world,
            world.incident,
            &format!("Partner Responses/{partner}"),
        )
        .await;
        let notes: Vec<_> = folder
            .iter()
            .filter(|(n, _)| n.starts_with("Escalation"))
            .collect();
        assert_eq!(notes.len(), 1, "{folder:?}");
        assert_eq!(notes[0].0, escalation.note);
        let text = String::from_utf8(content(&world, notes[0].1).await).expect("text");
        assert!(
            text.contains(&format!("partner {partner} ESCALATED")),
            "{text}"
        );
        assert!(text.contains("2 reminder(s) sent"), "{text}");
        assert!(text.contains(&escalation.message_id), "{text}");
    }
    // A partner that completed is never escalated: no escalation, no thread at all.
    assert_eq!(
        ledger_partner(&world, "prt_rc_freshmart").await.escalation,
        None
    );
    let spaces = world
        .partner
        .get("__sim/partners/prt_rc_freshmart/spaces")
        .await
        .expect("spaces");
    assert_eq!(spaces["items"], json!([]), "{spaces}");
    // Visible in the rollup, served and filed.
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    assert_eq!(rollup["escalated"], 2, "{rollup}");
    let filed = documents_in(&world, world.incident, "Evidence Bundle").await;
    let rollup_doc = filed
        .iter()
        .find(|(n, _)| n.starts_with("Rollup"))
        .expect("rollup");
    let filed: Value = serde_json::from_slice(&content(&world, rollup_doc.1).await).expect("json");
    assert_eq!(
        filed["escalated"], 2,
        "the filed rollup shows the escalations: {filed}"
    );
    // MediSupply answers late, after its escalation: recorded, and it moves on.
    respond(
        &world,
        "prt_rc_medisupply",
        json!({"acknowledged": true, "affected": false}),
    )
    .await;
    for event in response_events(&world, "prt_rc_medisupply").await {
        deliver(&world, &event).await;
    }
    let medi = ledger_partner(&world, "prt_rc_medisupply").await;
    assert_eq!(
        medi.state,
        recall_campaign::answers::PartnerState::ImpactReported
    );
    assert_eq!(medi.answers.len(), 1, "the late answer is recorded");
    assert!(medi.escalation.is_some(), "the escalation stays on record");
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    let row = rollup["partners"]
        .as_array()
        .expect("partners")
        .iter()
        .find(|p| p["partner_id"] == "prt_rc_medisupply")
        .cloned()
        .expect("medi");
    assert_eq!(row["state"], "impact_reported", "{rollup}");
    assert!(row["escalation"]["at"].is_string(), "{rollup}");
    assert_eq!(rollup["escalated"], 2, "{rollup}");
    // Still nothing twice.
    world.clock.advance(48 * HOUR);
    deadlines(&world).await;
    let acme = ledger_partner(&world, "prt_acme").await;
    let thread = acme.escalation.expect("escalated").thread_id;
    assert_eq!(partner_messages(&world, "prt_acme", &thread).await.len(), 1);
}

/// The bundle's entries by path (the content read back).
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut entries = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("entry");
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("reads");
        let name = file.name().expect("a UTF-8 name").into_owned();
        entries.insert(name, content);
    }
    entries
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn the_evidence_bundle_holds_every_answer_and_file_with_sha256s(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    respond_with_file(
        &world,
        "prt_rc_freshmart",
        all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 300)]),
        "destroyed.jpg",
        PHOTO,
    )
    .await;
    respond(
        &world,
        "prt_rc_medisupply",
        json!({"acknowledged": true, "affected": false}),
    )
    .await;
    for partner in ["prt_rc_freshmart", "prt_rc_medisupply"] {
        for event in response_events(&world, partner).await {
            deliver(&world, &event).await;
        }
    }
    let (code, report) = bundle_route(&world, DEMO_RECALL).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(report["filed"], true, "{report}");
    assert_eq!(report["partners"], 3, "{report}");
    let filed = documents_in(&world, world.incident, "Evidence Bundle").await;
    let (name, document) = filed
        .iter()
        .find(|(n, _)| n.starts_with("Evidence Bundle "))
        .cloned()
        .expect("the bundle is filed in Evidence Bundle");
    assert_eq!(name, format!("Evidence Bundle {DEMO_RECALL}.zip"));
    assert_eq!(report["document_id"], document.get());
    let bytes = content(&world, document).await;
    assert_eq!(
        sha256(&bytes),
        report["sha256"],
        "the report names the filed zip"
    );
    let entries = unzip(&bytes);
    assert_eq!(entries.len(), report["entries"], "{:?}", entries.keys());
    // The manifest lists every other entry with its sha256, and so does SHA256SUMS.
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).expect("manifest");
    let listed = manifest["entries"].as_array().expect("entries");
    assert_eq!(listed.len(), entries.len() - 2, "{manifest}");
    for entry in listed {
        let path = entry["path"].as_str().expect("path");
        assert_eq!(
            sha256(&entries[path]),
            entry["sha256"],
            "{path}: the manifest's sha256 is the entry's"
        );
    }
    let sums = String::from_utf8(entries["SHA256SUMS"].clone()).expect("text");
    assert!(
        sums.contains(&format!(
            "{}  manifest.json",
            sha256(&entries["manifest.json"])
        )),
        "{sums}"
    );
    assert_eq!(manifest["approved_by"], APPROVER, "{manifest}");
    assert_eq!(manifest["initiated_by"], QA_MANAGER, "{manifest}");
    let v1 = &manifest["versions"][0];
    assert!(v1["notice"]["tg_attachment_id"].is_string(), "{manifest}");
    let notice_entry = v1["notice"]["entry"].as_str().expect("notice entry");
    assert_eq!(v1["notice"]["sha256"], sha256(&entries[notice_entry]));
    assert_eq!(
        v1["notice"]["tg_sha256"], v1["notice"]["sha256"],
        "the notice sent is the notice issued"
    );
    // FreshMart's answer with its TG ids, and the photo byte for byte.
    let fresh: Value =
        serde_json::from_slice(&entries["partners/prt_rc_freshmart/v1/answers.json"])
            .expect("answers");
    assert_eq!(
        fresh["answers"].as_array().map(Vec::len),
        Some(1),
        "{fresh}"
    );
    assert!(
        fresh["answers"][0]["event_id"]
            .as_str()
            .is_some_and(|e| e.starts_with("evt_")),
        "{fresh}"
    );
    assert!(fresh["campaign_id"].is_string(), "{fresh}");
    let photo_entry = fresh["files"][0]["entry"].as_str().expect("file entry");
    assert!(photo_entry.ends_with("destroyed.jpg"), "{photo_entry}");
    assert_eq!(entries[photo_entry], PHOTO);
    assert_eq!(fresh["files"][0]["sha256"], fresh["files"][0]["tg_sha256"]);
    // The rollup inside is the one served.
    let (_, served) = rollup_route(&world, DEMO_RECALL).await;
    let inside: Value = serde_json::from_slice(&entries["rollup.json"]).expect("rollup");
    assert_eq!(inside, served);
    // The FSMA 204 CSV: a header, shipped and disposed rows, sorted.
    let csv = String::from_utf8(entries["fsma204.csv"].clone()).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with(
            "lot_code,gtin,product,quantity,unit,location,event,date,reference_document"
        ),
        "{csv}"
    );
    assert!(
        lines.iter().any(|l| l.contains("prt_rc_freshmart")
            && l.contains("4 destroyed")
            && l.starts_with("L2026-0415,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("prt_acme") && l.contains("0 shipped")),
        "{csv}"
    );
    let keys: Vec<(String, String)> = lines[1..]
        .iter()
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            (fields[0].to_owned(), fields[5].to_owned())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, keys, "sorted by lot code, then location");
    assert!(entries.contains_key("log/reminders-escalations.csv"));
    // The same standing exports the same bytes: no new version.
    let versions = world.xecm.versions(document).await.expect("versions").len();
    let (_, again) = bundle_route(&world, DEMO_RECALL).await;
    assert_eq!(again["filed"], false, "{again}");
    assert_eq!(again["sha256"], report["sha256"]);
    assert_eq!(
        world.xecm.versions(document).await.expect("versions").len(),
        versions
    );
    // A new answer: a new version of the same document.
    respond(&world, "prt_acme", all_destroyed(&[("L2026-0412", 400)])).await;
    for event in response_events(&world, "prt_acme").await {
        deliver(&world, &event).await;
    }
    let (_, changed) = bundle_route(&world, DEMO_RECALL).await;
    assert_eq!(changed["filed"], true, "{changed}");
    assert_eq!(changed["document_id"], report["document_id"]);
    assert_ne!(changed["sha256"], report["sha256"]);
    assert_eq!(
        world.xecm.versions(document).await.expect("versions").len(),
        versions + 1
    );
    // A recall never issued: 404.
    assert_eq!(bundle_route(&world, "RC-NOPE").await.0, 404);
}

async fn a_partner_who_answered_is_never_escalated_even_without_its_event(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    // Acme answers before the deadline without acknowledging (still an answer); MediSupply
    // answers in Trading Grid but its event never reaches gridlink; FreshMart stays silent.
    respond(&world, "prt_acme", json!({"acknowledged": false})).await;
    for event in response_events(&world, "prt_acme").await {
        deliver(&world, &event).await;
    }
    respond(
        &world,
        "prt_rc_medisupply",
        json!({"acknowledged": true, "affected": false}),
    )
    .await;
    world.clock.advance(73 * HOUR);
    let run = deadlines(&world).await;
    assert!(
        !run["deadlines"]["reminded"]
            .to_string()
            .contains("prt_acme"),
        "a partner who answered is not reminded: {run}"
    );
    world.clock.advance(100 * HOUR);
    let run = deadlines(&world).await;
    let escalated = run["deadlines"]["escalated"].to_string();
    assert!(escalated.contains("prt_rc_freshmart"), "{run}");
    assert!(!escalated.contains("prt_acme"), "{run}");
    assert!(!escalated.contains("prt_rc_medisupply"), "{run}");
    assert!(
        run["deadlines"]["answered_without_event"]
            .to_string()
            .contains("prt_rc_medisupply"),
        "{run}"
    );
    let medi = ledger_partner(&world, "prt_rc_medisupply").await;
    assert_eq!(medi.escalation, None);
    assert_eq!(medi.answers.len(), 1, "the answer TG holds is kept");
    assert_eq!(
        medi.state,
        recall_campaign::answers::PartnerState::ImpactReported
    );
    assert_eq!(ledger_partner(&world, "prt_acme").await.escalation, None);
    for partner in ["prt_acme", "prt_rc_medisupply"] {
        let spaces = world
            .partner
            .get(&format!("__sim/partners/{partner}/spaces"))
            .await
            .expect("spaces");
        assert_eq!(
            spaces["items"],
            json!([]),
            "no escalation thread for {partner}"
        );
    }
    // The event arrives at last: the same answer, not a second one, and filed once.
    for event in response_events(&world, "prt_rc_medisupply").await {
        deliver(&world, &event).await;
    }
    assert_eq!(
        ledger_partner(&world, "prt_rc_medisupply")
            .await
            .answers
            .len(),
        1
    );
    let filed = documents_in(
        &world,
        world.incident,
        "Partner Responses/prt_rc_medisupply",
    )
    .await;
    assert_eq!(filed.len(), 1, "{filed:?}");
}

/// Replaces xecm-sim's fault switches (`{}` clears them).
async fn xecm_faults(world: &World, faults: Value) {
    let response = reqwest::Client::new()
        .put(format!("{}/__sim/faults", world.stack.xecm_sim.root_url))
        .json(&faults)
        .send()
        .await
        .expect("xecm-sim answers");
    assert!(response.status().is_success(), "{}", response.status());
}

/// An answer the deadlines run takes from Trading Grid's responses whose filing in xECM fails
/// stays marked unfiled in the ledger: the next run files it (a crash right after that filing
/// is adopted by the run after), exactly one document in the end, and the mark cleared.
async fn an_answer_taken_from_tg_whose_filing_fails_is_filed_on_the_next_run(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    // Acme and FreshMart answer with their events; MediSupply's event never arrives.
    for partner in ["prt_acme", "prt_rc_freshmart"] {
        respond(
            &world,
            partner,
            json!({"acknowledged": true, "affected": false}),
        )
        .await;
        for event in response_events(&world, partner).await {
            deliver(&world, &event).await;
        }
    }
    respond(
        &world,
        "prt_rc_medisupply",
        json!({"acknowledged": true, "affected": false}),
    )
    .await;
    let folder = "Partner Responses/prt_rc_medisupply";
    // Past the escalation time: the run looks in TG and takes the answer; xECM refuses every
    // document upload.
    world.clock.advance(173 * HOUR);
    xecm_faults(
        &world,
        json!({"error_500_next": 1000, "only_path_containing": "/nodes", "only_method": "POST"}),
    )
    .await;
    let failed = fire(&world, "recall-campaign-deadlines").await;
    assert!(
        failed.is_err(),
        "the filing failure fails the run: {failed:?}"
    );
    let medi = ledger_partner(&world, "prt_rc_medisupply").await;
    assert_eq!(medi.answers.len(), 1, "the answer is recorded");
    assert!(medi.answers[0].unfiled, "but not as filed: {medi:?}");
    assert!(
        documents_in(&world, world.incident, folder)
            .await
            .is_empty()
    );
    xecm_faults(&world, json!({})).await;
    // The next run files it — and "crashes" right after, before the ledger confirms it.
    world.stack.crash.arm("xecm-recall-answer");
    let crashed = fire(&world, "recall-campaign-deadlines").await;
    assert!(
        crashed.is_err(),
        "the unfiled answer is filed on the next run: {crashed:?}"
    );
    assert!(ledger_partner(&world, "prt_rc_medisupply").await.answers[0].unfiled);
    // The run after adopts the document filed before the crash.
    world.stack.ledger_clock.advance(Duration::from_secs(3600));
    let run = deadlines(&world).await;
    assert!(
        run["deadlines"]["filed_late"]
            .to_string()
            .contains("prt_rc_medisupply"),
        "{run}"
    );
    let again = deadlines(&world).await;
    assert_eq!(again["deadlines"]["filed_late"], json!([]), "{again}");
    let medi = ledger_partner(&world, "prt_rc_medisupply").await;
    assert!(!medi.answers[0].unfiled, "{medi:?}");
    assert_eq!(
        medi.escalation, None,
        "a partner who answered is not escalated"
    );
    let filed = documents_in(&world, world.incident, folder).await;
    assert_eq!(filed.len(), 1, "the answer, filed exactly once: {filed:?}");
    assert!(
        filed[0].0.starts_with("Answer prt_rc_medisupply "),
        "{filed:?}"
    );
}

/// TG gave up redelivering Acme's answer (no webhook ever arrives): the `poll-xecm` schedule
/// takes it from TG's event feed under its own event id and records and files it exactly as
/// the webhook would; the next firing takes nothing again, and the webhook arriving at last
/// is the same inbox item.
async fn the_poll_takes_an_answer_no_webhook_delivered_from_the_event_feed(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    respond(
        &world,
        "prt_acme",
        json!({"acknowledged": true, "affected": false}),
    )
    .await;
    let events = response_events(&world, "prt_acme").await;
    assert_eq!(events.len(), 1);
    let key = format!("{DEMO_RECALL}/v1/prt_acme");
    let before = world
        .usecase
        .partner_recall(&key)
        .await
        .expect("ledger")
        .expect("Acme was invited");
    assert!(
        before.answers.is_empty(),
        "no webhook: nothing recorded yet"
    );

    let run = poll(&world).await;
    assert_eq!(run["events"]["taken"], 1, "Acme's answer only: {run}");
    assert_eq!(run["events"]["already_delivered"], 0, "{run}");
    let after = world
        .usecase
        .partner_recall(&key)
        .await
        .expect("ledger")
        .expect("Acme");
    assert_eq!(after.answers.len(), 1, "recorded as the webhook would");
    assert_eq!(
        after.state,
        recall_campaign::answers::PartnerState::ImpactReported
    );
    let filed = documents_in(&world, world.incident, "Partner Responses/prt_acme").await;
    assert_eq!(filed.len(), 1, "{filed:?}");

    let again = poll(&world).await;
    assert_eq!(again["events"]["taken"], 0, "{again}");
    let late = deliver(&world, &events[0]).await;
    assert_eq!(late["duplicate"], true, "the same inbox item: {late}");
    let last = world
        .usecase
        .partner_recall(&key)
        .await
        .expect("ledger")
        .expect("Acme");
    assert_eq!(last.answers.len(), 1, "not recorded twice");
    assert_eq!(
        documents_in(&world, world.incident, "Partner Responses/prt_acme")
            .await
            .len(),
        1,
        "not filed twice"
    );
}

async fn notice_faults(world: &World, rate_limited: u32, retry_after_secs: u64) {
    world
        .partner
        .set_faults(&gridlink_tgrid_sim::Faults {
            rate_limited,
            unavailable: 0,
            retry_after_secs: Some(retry_after_secs),
            only: Some("POST /v1/attachments".into()),
        })
        .await
        .expect("faults set");
}

async fn a_throttled_notice_upload_waits_retries_and_sends_one_notice(stack: Stack) {
    let world = world(stack).await;
    // A 429 with a Retry-After beyond the client's budget: nothing is invited, the recall
    // waits for it, the poll does not fail.
    notice_faults(&world, 1, 120).await;
    let run = issue_demo(&world).await;
    assert!(
        run.to_string().contains("throttled the notice upload"),
        "{run}"
    );
    assert!(all_campaigns(&world).await.is_empty(), "{run}");
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("issuing".into()))
    );
    let waiting = poll(&world).await;
    assert!(
        waiting
            .to_string()
            .contains("waiting for Trading Grid's Retry-After"),
        "{waiting}"
    );
    world.clock.advance(Duration::from_secs(121));
    // Two more 429s with `Retry-After: 0`: the client backs off and retries; the upload goes
    // through, and the run "crashes" before the ledger confirms it. The re-run sends the same
    // Idempotency-Key: Trading Grid answers with the attachment it stored.
    notice_faults(&world, 2, 0).await;
    world.stack.crash.arm("tg-recall-notice");
    assert!(
        fire(&world, "recall-campaign-poll-xecm").await.is_err(),
        "the crash fails the poll"
    );
    world.stack.ledger_clock.advance(HOUR);
    poll(&world).await;
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    let campaigns = all_campaigns(&world).await;
    assert_eq!(campaigns.len(), 3, "{campaigns:?}");
    let notices: std::collections::BTreeSet<String> = campaigns
        .iter()
        .map(|c| c["attachment_ids"].to_string())
        .collect();
    assert_eq!(
        notices.len(),
        1,
        "one notice for every campaign: {notices:?}"
    );
    let issued = world
        .usecase
        .issued(DEMO_RECALL)
        .await
        .expect("ledger")
        .expect("issued");
    let notice = issued.notice.clone().expect("the notice in the ledger");
    assert_eq!(
        campaigns[0]["attachment_ids"],
        json!([notice.attachment_id]),
        "the notice the ledger kept is the one sent"
    );
    assert!(issued.resume_after.is_none() || issued.fanned_out());
}

/// The closeout campaigns of a recall in TG, by partner.
async fn closeouts(world: &World, recall_id: &str) -> Vec<Value> {
    all_campaigns(world)
        .await
        .into_iter()
        .filter(|c| {
            c["external_ref"]["system"] == "gridlink-recall-closeout"
                && c["external_ref"]["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with(&format!("{recall_id}/")))
        })
        .collect()
}

async fn a_recall_closes_only_when_effective_and_tells_every_partner_once(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    respond_with_file(
        &world,
        "prt_rc_freshmart",
        all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 300)]),
        "destroyed.jpg",
        PHOTO,
    )
    .await;
    respond(&world, "prt_acme", all_destroyed(&[("L2026-0412", 400)])).await;
    for partner in ["prt_rc_freshmart", "prt_acme"] {
        for event in response_events(&world, partner).await {
            deliver(&world, &event).await;
        }
    }
    // The approver asks to close while MediSupply's 250 units of L2026-0415 are unaccounted
    // for: not closed, the shortfall filed once, nothing sent.
    write(
        &world.approver,
        world.incident,
        &[("Status", AttributeValue::Text("closing".into()))],
    )
    .await;
    let run = poll(&world).await;
    assert!(run.to_string().contains("L2026-0415"), "{run}");
    poll(&world).await;
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("closing".into()))
    );
    let approvals = documents_in(&world, world.incident, "Approvals").await;
    let waiting: Vec<_> = approvals
        .iter()
        .filter(|(n, _)| n.starts_with("Closeout waiting"))
        .collect();
    assert_eq!(waiting.len(), 1, "filed once per standing: {approvals:?}");
    let text = String::from_utf8(content(&world, waiting[0].1).await).expect("text");
    assert!(text.contains("lot L2026-0415: 300 of 550"), "{text}");
    assert!(closeouts(&world, DEMO_RECALL).await.is_empty());
    // Still closing: the deadlines go on for MediSupply.
    world.clock.advance(73 * HOUR);
    let run = deadlines(&world).await;
    assert!(
        run["deadlines"]["reminded"]
            .to_string()
            .contains("prt_rc_medisupply"),
        "{run}"
    );
    // MediSupply accounts for its units: the next poll closes. The first closeout create
    // "crashes" before the ledger confirms it; the re-run adopts it.
    let mut returned = all_destroyed(&[("L2026-0415", 0)]);
    returned["L2026-0415.returned"] = json!(250);
    respond(&world, "prt_rc_medisupply", returned).await;
    for event in response_events(&world, "prt_rc_medisupply").await {
        deliver(&world, &event).await;
    }
    world.stack.crash.arm("tg-recall-closeout");
    assert!(
        fire(&world, "recall-campaign-poll-xecm").await.is_err(),
        "the crash fails the poll"
    );
    world.stack.ledger_clock.advance(HOUR);
    let run = poll(&world).await;
    assert!(run.to_string().contains("\"closed\""), "{run}");
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("closed".into()))
    );
    poll(&world).await;
    let sent = closeouts(&world, DEMO_RECALL).await;
    assert_eq!(sent.len(), 3, "one closeout per partner: {sent:?}");
    for partner in ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"] {
        let theirs: Vec<_> = partner_campaigns(&world, partner)
            .await
            .into_iter()
            .filter(|c| c["kind"] == "announcement")
            .collect();
        assert_eq!(theirs.len(), 1, "{partner}: {theirs:?}");
        let message = theirs[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Closeout"), "{message}");
    }
    let acme = partner_campaigns(&world, "prt_acme").await;
    let acme_closeout = acme
        .iter()
        .find(|c| c["kind"] == "announcement")
        .expect("closeout");
    assert!(
        !acme_closeout["message"]
            .as_str()
            .unwrap_or_default()
            .contains("L2026-0415"),
        "a partner's closeout lists only its lots"
    );
    let issued = world
        .usecase
        .issued(DEMO_RECALL)
        .await
        .expect("ledger")
        .expect("issued");
    assert!(issued.closed_at.is_some());
    let approvals = documents_in(&world, world.incident, "Approvals").await;
    assert!(
        approvals
            .iter()
            .any(|(n, _)| n == &format!("Closeout {DEMO_RECALL}.txt")),
        "{approvals:?}"
    );
    // The bundle was filed at close and says so.
    let bundle = documents_in(&world, world.incident, "Evidence Bundle")
        .await
        .into_iter()
        .find(|(n, _)| n.starts_with("Evidence Bundle "))
        .expect("the bundle filed at close");
    let entries = unzip(&content(&world, bundle.1).await);
    let manifest: Value = serde_json::from_slice(&entries["manifest.json"]).expect("manifest");
    assert_eq!(manifest["closed_at"], json!(issued.closed_at), "{manifest}");
    // Closed: no more reminders or escalations.
    world.clock.advance(500 * HOUR);
    let run = deadlines(&world).await;
    assert_eq!(run["deadlines"]["reminded"], json!([]), "{run}");
    assert_eq!(run["deadlines"]["escalated"], json!([]), "{run}");
}

/// FreshMart (300 of L2026-0415 shipped) reports 800 destroyed; MediSupply (250) never
/// answers; ACME (400 of L2026-0412) reports 500 destroyed and -100 returned. Neither the
/// over-report nor the negative answer may cover a gap: the recall stays `closing`.
async fn an_over_report_or_a_negative_answer_never_hides_another_partners_gap(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    let freshmart = all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 800)]);
    respond(&world, "prt_rc_freshmart", freshmart).await;
    let mut acme = all_destroyed(&[("L2026-0412", 500)]);
    acme["L2026-0412.returned"] = json!(-100);
    respond(&world, "prt_acme", acme).await;
    for partner in ["prt_rc_freshmart", "prt_acme"] {
        for event in response_events(&world, partner).await {
            deliver(&world, &event).await;
        }
    }
    // ACME's answer is kept, but refused by lot and field, and does not complete it.
    let acme = ledger_partner(&world, "prt_acme").await;
    assert_eq!(acme.answers.len(), 1);
    assert_ne!(
        acme.state,
        recall_campaign::answers::PartnerState::Completed
    );
    let (code, rollup) = rollup_route(&world, DEMO_RECALL).await;
    assert_eq!(code, 200, "{rollup}");
    let partner = |id: &str| {
        rollup["partners"]
            .as_array()
            .expect("partners")
            .iter()
            .find(|p| p["partner_id"] == id)
            .cloned()
            .expect("the partner")
    };
    let refused = partner("prt_acme")["refused"].to_string();
    assert!(
        refused.contains("L2026-0412") && refused.contains("L2026-0412.returned"),
        "{rollup}"
    );
    let lot = |code: &str| {
        rollup["lots"]
            .as_array()
            .expect("lots")
            .iter()
            .find(|l| l["lot_code"] == code)
            .cloned()
            .expect("the lot")
    };
    // L2026-0415: FreshMart's 800 counts as its 300; MediSupply's 250 stay missing.
    let l0415 = lot("L2026-0415");
    assert_eq!(l0415["shipped"], json!(550), "{l0415}");
    assert_eq!(l0415["accounted"], json!(300.0), "{l0415}");
    let row = l0415["partners"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|p| p["partner_id"] == "prt_rc_freshmart")
        .cloned()
        .expect("FreshMart's row");
    assert_eq!(row["reported"], json!(800.0), "{row}");
    assert_eq!(row["shipped"], json!(300), "{row}");
    assert_eq!(row["accounted"], json!(300.0), "{row}");
    assert_eq!(row["over_reported"], json!(500.0), "{row}");
    // L2026-0412: ACME's refused answer counts nothing.
    assert_eq!(lot("L2026-0412")["accounted"], json!(500.0), "{rollup}");
    write(
        &world.approver,
        world.incident,
        &[("Status", AttributeValue::Text("closing".into()))],
    )
    .await;
    let run = poll(&world).await;
    assert!(
        run.to_string().contains("L2026-0415") && run.to_string().contains("L2026-0412"),
        "{run}"
    );
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("closing".into()))
    );
    assert!(closeouts(&world, DEMO_RECALL).await.is_empty());
}

/// ACME answers with texts and blanks, as Trading Grid's form check accepts them: read.
/// FreshMart's answer passes TG's check but does not read ("inf"): it is still chased, as is
/// MediSupply, who never answers.
async fn answers_tg_accepts_are_read_and_one_that_does_not_read_is_chased(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    respond(
        &world,
        "prt_acme",
        json!({"acknowledged": "true", "affected": "true", "L2026-0412.on_hand": "", "L2026-0412.destroyed": "400"}),
    )
    .await;
    respond(
        &world,
        "prt_rc_freshmart",
        json!({"acknowledged": "true", "affected": "true", "L2026-0412.destroyed": "500", "L2026-0415.destroyed": "inf"}),
    )
    .await;
    for partner in ["prt_acme", "prt_rc_freshmart"] {
        for event in response_events(&world, partner).await {
            deliver(&world, &event).await;
        }
    }
    assert_eq!(
        ledger_partner(&world, "prt_acme").await.state,
        recall_campaign::answers::PartnerState::QuantitiesReported
    );
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    let l0412 = rollup["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["lot_code"] == "L2026-0412")
        .cloned()
        .expect("the lot");
    // ACME's 400 count; FreshMart's answer is refused as a whole.
    assert_eq!(l0412["accounted"], json!(400.0), "{l0412}");
    let freshmart = rollup["partners"]
        .as_array()
        .expect("partners")
        .iter()
        .find(|p| p["partner_id"] == "prt_rc_freshmart")
        .cloned()
        .expect("FreshMart");
    assert!(
        freshmart["refused"]
            .to_string()
            .contains("L2026-0415.destroyed"),
        "{freshmart}"
    );
    // Overdue: FreshMart and MediSupply are reminded, ACME is not; then both are escalated.
    world.clock.advance(73 * HOUR);
    let run = deadlines(&world).await;
    let reminded = run["deadlines"]["reminded"].to_string();
    assert!(
        reminded.contains("prt_rc_freshmart") && reminded.contains("prt_rc_medisupply"),
        "{run}"
    );
    assert!(!reminded.contains("prt_acme"), "{run}");
    world.clock.advance(97 * HOUR);
    let run = deadlines(&world).await;
    let escalated = run["deadlines"]["escalated"].to_string();
    assert!(
        escalated.contains("prt_rc_freshmart") && escalated.contains("prt_rc_medisupply"),
        "{run}"
    );
    assert!(!escalated.contains("prt_acme"), "{run}");
    assert!(
        ledger_partner(&world, "prt_rc_freshmart")
            .await
            .escalation
            .is_some()
    );
}

/// `Escalate After Hours` of 100 000 is refused by name at issue (it made the deadlines panic);
/// a recall whose deadlines fail (a record with an impossible reminder interval, as written
/// before that check) does not stop the deadlines of the recalls after it, and the run fails.
async fn impossible_hours_are_refused_by_name_and_one_failing_recall_spares_the_others(
    stack: Stack,
) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=2).map(generated_partner).collect();
    let huge = generated_incident(&world, "RC-GEN-HOURS", &partners, "").await;
    write(
        &world.qa,
        huge,
        &[("Escalate After Hours", AttributeValue::Integer(100_000))],
    )
    .await;
    approve_as(&world.approver, huge, APPROVER).await;
    let run = poll(&world).await;
    assert!(run.to_string().contains("Escalate After Hours"), "{run}");
    let refusals = documents_in(&world, huge, "Approvals").await;
    let refusal = refusals
        .iter()
        .find(|(n, _)| n.starts_with("Issue refused"))
        .expect("refused");
    let text = String::from_utf8(content(&world, refusal.1).await).expect("text");
    assert!(text.contains("`Escalate After Hours` is 100000"), "{text}");
    assert_eq!(
        world.usecase.issued("RC-GEN-HOURS").await.expect("ledger"),
        None
    );
    // Two issued recalls; the first in the deadlines' order (due 48 h after issue, the demo
    // 72 h) carries a reminder interval no time can hold.
    let first = generated_incident(&world, "RC-GEN-FIRST", &partners, "").await;
    approve_as(&world.approver, first, APPROVER).await;
    issue_demo(&world).await;
    assert!(
        world
            .usecase
            .issued("RC-GEN-FIRST")
            .await
            .expect("ledger")
            .is_some()
    );
    let ledger = world.usecase.platform().ledger.clone();
    let id = gridlink_store::RecordId::new(recall_campaign::records::RECALL_KIND, "RC-GEN-FIRST")
        .expect("id");
    let record = ledger.get(&id).await.expect("ledger").expect("the recall");
    let mut update = record.change();
    update.data["reminder_interval_hours"] = json!(i64::MAX);
    ledger.update(update).await.expect("written");
    world.clock.advance(73 * HOUR);
    let error = fire(&world, "recall-campaign-deadlines")
        .await
        .expect_err("the run fails");
    let error = format!("{error:?}");
    assert!(
        error.contains("RC-GEN-FIRST") && error.contains("Reminder Interval Hours"),
        "{error}"
    );
    // The demo recall after it was processed: its partners reminded.
    for partner in ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"] {
        assert_eq!(
            ledger_partner(&world, partner).await.reminders,
            1,
            "{partner}"
        );
    }
}

/// FreshMart answers with a photo, then answers again naming the same photo: the bundle holds
/// it once (zip refuses a duplicate entry, which failed the export and every closeout poll).
async fn one_attachment_in_two_answers_is_bundled_once(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    respond_with_file(
        &world,
        "prt_rc_freshmart",
        all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 300)]),
        "destroyed.jpg",
        PHOTO,
    )
    .await;
    for event in response_events(&world, "prt_rc_freshmart").await {
        deliver(&world, &event).await;
    }
    let first = ledger_partner(&world, "prt_rc_freshmart").await;
    let photo = first.answers[0].attachment_ids[0].clone();
    world.clock.advance(HOUR);
    let mut again = all_destroyed(&[("L2026-0412", 500), ("L2026-0415", 300)]);
    again["L2026-0415.returned"] = json!(0);
    again["disposition_date"] = json!("2026-12-04");
    world
        .partner
        .answer_campaign(
            "prt_rc_freshmart",
            &campaign_of(&world, "prt_rc_freshmart").await,
            "respond",
            &again,
            std::slice::from_ref(&photo),
        )
        .await
        .expect("the partner answers again");
    for event in response_events(&world, "prt_rc_freshmart").await {
        deliver(&world, &event).await;
    }
    let kept = ledger_partner(&world, "prt_rc_freshmart").await;
    assert_eq!(kept.answers.len(), 2);
    assert!(
        kept.answers
            .iter()
            .all(|a| a.attachment_ids == [photo.clone()])
    );
    let (code, report) = bundle_route(&world, DEMO_RECALL).await;
    assert_eq!(code, 200, "{report}");
    let bundle = documents_in(&world, world.incident, "Evidence Bundle")
        .await
        .into_iter()
        .find(|(n, _)| n.starts_with("Evidence Bundle "))
        .expect("the bundle");
    let entries = unzip(&content(&world, bundle.1).await);
    let photos: Vec<_> = entries
        .keys()
        .filter(|k| k.starts_with("partners/prt_rc_freshmart/") && k.contains("/files/"))
        .collect();
    assert_eq!(photos.len(), 1, "{photos:?}");
    assert_eq!(entries[photos[0]], PHOTO);
    let record: Value =
        serde_json::from_slice(&entries["partners/prt_rc_freshmart/v1/answers.json"])
            .expect("answers.json");
    let files = record["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "each answer lists its file: {record}");
    assert!(
        files.iter().all(|f| f["entry"] == photos[0].as_str()),
        "{record}"
    );
}

/// The demo recall's `Lots` with one more lot.
fn lots_with(extra: &str) -> AttributeValue {
    let row = |code: &str, gtin: &str, material: &str, quantity: i64| {
        let mut row = gridlink_xecm::NamedAttributes::new();
        row.insert("Lot Code".into(), code.into());
        row.insert("GTIN".into(), gtin.into());
        row.insert("Material".into(), material.into());
        row.insert("Quantity".into(), AttributeValue::Integer(quantity));
        row.insert("Unit".into(), "EA".into());
        row
    };
    AttributeValue::Rows(vec![
        row("L2026-0412", "04012345000017", "M-SEAL-300", 1200),
        row("L2026-0415", "04012345000024", "M-SEAL-600", 800),
        row(extra, "04012345000048", "M-SEAL-900", 300),
    ])
}

/// The campaigns of one recall version in TG.
async fn campaigns_of_version(world: &World, recall_id: &str, version: u32) -> Vec<Value> {
    let prefix = format!("{recall_id}/v{version}/");
    all_campaigns(world)
        .await
        .into_iter()
        .filter(|c| {
            c["external_ref"]["system"] == "gridlink-recall"
                && c["external_ref"]["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with(&prefix))
        })
        .collect()
}

/// The QA manager files a new version of the incident's `Distribution.csv` (in `Approvals`):
/// `csv`, described as `description`.
async fn new_distribution(world: &World, description: &str, csv: &'static str) {
    use gridlink_xecm::Workspaces as _;
    let distribution = documents_in(world, world.incident, "Approvals")
        .await
        .into_iter()
        .find(|(n, _)| n == "Distribution.csv")
        .expect("the distribution")
        .1;
    world
        .qa
        .add_document_version(
            distribution,
            &gridlink_xecm::NewVersion {
                file_name: "Distribution.csv".into(),
                mime_type: Some("text/csv".into()),
                description: description.into(),
                major: false,
            },
            &gridlink_xecm::BytesSource(bytes::Bytes::from_static(csv.as_bytes())),
        )
        .await
        .expect("a new version");
}

async fn an_amendment_is_approved_again_and_reaches_only_the_delta(stack: Stack) {
    let world = world(stack).await;
    issue_demo(&world).await;
    assert_eq!(campaigns_of_version(&world, DEMO_RECALL, 1).await.len(), 3);
    // The QA manager adds lot L2026-0420 (to Acme) and a partner (to a generated one), and
    // corrects MediSupply's quantity: a new distribution version, then the Lots set.
    new_distribution(&world, "lot L2026-0420 added", "partner_id,lot_code,quantity,unit,shipped_on\nprt_acme,L2026-0412,400,EA,2026-04-20\nprt_rc_freshmart,L2026-0412,500,EA,2026-04-21\nprt_rc_freshmart,L2026-0415,300,EA,2026-04-22\nprt_rc_medisupply,L2026-0415,260,EA,2026-04-23\nprt_acme,L2026-0420,100,EA,2026-04-25\nprt_rc_gen_0001,L2026-0412,50,EA,2026-04-26\n").await;
    write(
        &world.qa,
        world.incident,
        &[("Lots", lots_with("L2026-0420"))],
    )
    .await;
    // Active and changed: back to pending approval, the delta filed for the approver,
    // nothing sent.
    let run = poll(&world).await;
    assert!(run.to_string().contains("awaits approval"), "{run}");
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("pending approval".into()))
    );
    let approvals = documents_in(&world, world.incident, "Approvals").await;
    let held: Vec<_> = approvals
        .iter()
        .filter(|(n, _)| n.starts_with("Amendment pending approval"))
        .collect();
    assert_eq!(held.len(), 1, "{approvals:?}");
    let text = String::from_utf8(content(&world, held[0].1).await).expect("text");
    assert!(
        text.contains("notify prt_acme: L2026-0420 (100 EA)"),
        "{text}"
    );
    assert!(
        text.contains("notify prt_rc_gen_0001: L2026-0412 (50 EA)"),
        "{text}"
    );
    assert!(text.contains("from 250 to 260"), "{text}");
    assert!(
        campaigns_of_version(&world, DEMO_RECALL, 2)
            .await
            .is_empty()
    );
    // The initiator cannot approve the delta.
    approve_as(&world.qa, world.incident, QA_MANAGER).await;
    let run = poll(&world).await;
    assert!(run.to_string().contains("is the initiator"), "{run}");
    assert!(
        campaigns_of_version(&world, DEMO_RECALL, 2)
            .await
            .is_empty()
    );
    // The approver approves: version 2 goes to the two partners of the delta only.
    write(
        &world.qa,
        world.incident,
        &[
            ("Approved By", AttributeValue::Empty),
            ("Status", AttributeValue::Text("pending approval".into())),
        ],
    )
    .await;
    issue_demo(&world).await;
    poll(&world).await;
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    let v2 = campaigns_of_version(&world, DEMO_RECALL, 2).await;
    let mut reached: Vec<String> = v2
        .iter()
        .map(|c| {
            c["recipients"][0]["partner_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    reached.sort();
    assert_eq!(reached, ["prt_acme", "prt_rc_gen_0001"], "{v2:?}");
    assert_eq!(
        campaigns_of_version(&world, DEMO_RECALL, 1).await.len(),
        3,
        "v1 stays"
    );
    let acme_v2 = v2
        .iter()
        .find(|c| c["recipients"][0]["partner_id"] == "prt_acme")
        .expect("acme v2");
    let fields = form_fields(acme_v2);
    assert!(
        fields.contains(&"L2026-0420.destroyed".to_owned()),
        "{fields:?}"
    );
    assert!(
        !fields.iter().any(|f| f.contains("L2026-0412")),
        "only the new lot: {fields:?}"
    );
    assert!(
        acme_v2["title"]
            .as_str()
            .unwrap_or_default()
            .contains("amendment v2"),
        "{acme_v2}"
    );
    // The rollup counts both versions; the quantity change is parked with its reason.
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    assert_eq!(rollup["version"], 2, "{rollup}");
    assert_eq!(rollup["partners_total"], 5, "{rollup}");
    assert_eq!(rollup["partners_invited"], 5, "{rollup}");
    assert!(
        rollup["parked"].to_string().contains("from 250 to 260"),
        "{rollup}"
    );
    let new_lot = rollup["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["lot_code"] == "L2026-0420")
        .cloned()
        .expect("the new lot");
    assert_eq!(new_lot["shipped"], 100, "{rollup}");
    // Acme answers its v2 campaign: kept on its v2 record, counted for the new lot.
    let campaign = acme_v2["campaign_id"].as_str().expect("id");
    world
        .partner
        .answer_campaign(
            "prt_acme",
            campaign,
            "respond",
            &all_destroyed(&[("L2026-0420", 100)]),
            &[],
        )
        .await
        .expect("answered");
    for event in response_events(&world, "prt_acme").await {
        deliver(&world, &event).await;
    }
    let v2_record = world
        .usecase
        .partner_recall(&format!("{DEMO_RECALL}/v2/prt_acme"))
        .await
        .expect("ledger")
        .expect("v2 record");
    assert_eq!(v2_record.answers.len(), 1);
    assert!(
        ledger_partner(&world, "prt_acme").await.answers.is_empty(),
        "v1 untouched"
    );
    let (_, rollup) = rollup_route(&world, DEMO_RECALL).await;
    let new_lot = rollup["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["lot_code"] == "L2026-0420")
        .cloned()
        .expect("the new lot");
    assert_eq!(new_lot["effectiveness_pct"], 100.0, "{rollup}");
    // Nothing twice.
    poll(&world).await;
    assert_eq!(campaigns_of_version(&world, DEMO_RECALL, 2).await.len(), 2);
    // One rollup document for the recall, whatever its version: the amendment's rollup is a
    // new version of it, not a second document.
    let rollups: Vec<_> = documents_in(&world, world.incident, "Evidence Bundle")
        .await
        .into_iter()
        .filter(|(n, _)| n.starts_with("Rollup"))
        .collect();
    assert_eq!(rollups.len(), 1, "{rollups:?}");
    assert_eq!(rollups[0].0, format!("Rollup {DEMO_RECALL}.json"));
    let filed: Value = serde_json::from_slice(&content(&world, rollups[0].1).await).expect("json");
    assert_eq!(filed, rollup, "the filed rollup is the served one");
}

/// A new version of the distribution added after the approval, before gridlink issued: not
/// issued, refused with the reason and filed; once the approver approves again, issued with
/// the new version.
async fn a_distribution_changed_after_the_approval_is_approved_again(stack: Stack) {
    let world = world(stack).await;
    approve_as(&world.approver, world.incident, APPROVER).await;
    // The audit and the version dates are to the second: the change comes a second later.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    new_distribution(&world, "a partner added after the approval", "partner_id,lot_code,quantity,unit,shipped_on\nprt_acme,L2026-0412,400,EA,2026-04-20\nprt_rc_freshmart,L2026-0412,500,EA,2026-04-21\nprt_rc_freshmart,L2026-0415,300,EA,2026-04-22\nprt_rc_medisupply,L2026-0415,250,EA,2026-04-23\nprt_rc_gen_0001,L2026-0412,50,EA,2026-04-26\n").await;
    let run = poll(&world).await;
    assert!(run.to_string().contains("got version 2 at"), "{run}");
    assert!(all_campaigns(&world).await.is_empty(), "nothing was sent");
    let refusals: Vec<_> = documents_in(&world, world.incident, "Approvals")
        .await
        .into_iter()
        .filter(|(n, _)| n.starts_with("Issue refused"))
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    let text = String::from_utf8(content(&world, refusals[0].1).await).expect("text");
    assert!(
        text.contains("Distribution.csv") && text.contains("approve again"),
        "{text}"
    );
    assert_ne!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    // The approver looks at the new version and approves again: issued with it.
    write(
        &world.approver,
        world.incident,
        &[("Status", AttributeValue::Text("pending approval".into()))],
    )
    .await;
    issue_demo(&world).await;
    assert_eq!(
        status(&world, world.incident).await,
        Some(AttributeValue::Text("active".into()))
    );
    let mut reached: Vec<String> = all_campaigns(&world)
        .await
        .iter()
        .map(|c| {
            c["recipients"][0]["partner_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    reached.sort();
    assert_eq!(
        reached,
        [
            "prt_acme",
            "prt_rc_freshmart",
            "prt_rc_gen_0001",
            "prt_rc_medisupply"
        ]
    );
    let issued = world
        .usecase
        .issued(DEMO_RECALL)
        .await
        .expect("ledger")
        .expect("issued");
    assert_eq!(issued.distribution.version, 2, "the version approved");
}

const STORM_PARTNERS: usize = 30;

async fn storm_stack(storage: Storage) -> Stack {
    stack_with(
        storage,
        STORM_PARTNERS,
        vec![
            ("FANOUT_CHUNK".into(), "3".into()),
            ("FANOUT_PER_RUN".into(), "6".into()),
        ],
    )
    .await
}

async fn storm_faults(world: &World, rate_limited: u32, unavailable: u32, retry_after_secs: u64) {
    world
        .partner
        .set_faults(&gridlink_tgrid_sim::Faults {
            rate_limited,
            unavailable,
            retry_after_secs: Some(retry_after_secs),
            only: Some("POST /v1/campaigns".into()),
        })
        .await
        .expect("faults set");
}

async fn a_429_storm_on_campaign_creates_leaves_exactly_one_campaign_per_partner(stack: Stack) {
    let world = world(stack).await;
    let partners: Vec<String> = (1..=STORM_PARTNERS).map(generated_partner).collect();
    generated_incident(&world, "RC-GEN-STORM", &partners, "").await;
    let incident = recall_workspace(&world.xecm, "RC-GEN-STORM").await;
    approve_as(&world.approver, incident, APPROVER).await;
    let cursor = |world: &World| {
        let usecase = world.usecase.clone();
        async move {
            usecase
                .issued("RC-GEN-STORM")
                .await
                .expect("ledger")
                .map_or(0, |i| i.cursor)
        }
    };
    let (mut rounds, mut throttled) = (0, 0);
    while status(&world, incident).await != Some(AttributeValue::Text("active".into())) {
        rounds += 1;
        assert!(rounds <= 40, "the fan-out finishes");
        // Every round, the next campaign creates answer 429/503: twice with `Retry-After: 0`
        // (the client waits and retries: the create goes through), or with `Retry-After: 120`
        // (more than the client's retry budget: it gives up at once and the fan-out must
        // stop, keep its cursor and wait 120 s before resuming).
        let long = rounds % 3 == 0;
        match rounds % 3 {
            1 => storm_faults(&world, 2, 0, 0).await,
            2 => storm_faults(&world, 1, 1, 0).await,
            _ => storm_faults(&world, 1, 1, 120).await,
        }
        let before = cursor(&world).await;
        let run = poll(&world).await;
        if !long {
            continue;
        }
        assert!(run.to_string().contains("throttled"), "{run}");
        throttled += 1;
        let at = cursor(&world).await;
        assert!(at >= before, "no partner handled is lost");
        // Before the Retry-After has passed, a poll leaves the fan-out where it is.
        let waiting = poll(&world).await;
        assert!(
            waiting
                .to_string()
                .contains("waiting for Trading Grid's Retry-After"),
            "{waiting}"
        );
        assert_eq!(cursor(&world).await, at, "{waiting}");
        world.clock.advance(Duration::from_secs(121));
    }
    storm_faults(&world, 0, 0, 0).await;
    assert!(throttled >= 1, "the storm throttled the fan-out");
    let ours: Vec<Value> = all_campaigns(&world)
        .await
        .into_iter()
        .filter(|c| {
            c["external_ref"]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("RC-GEN-STORM/"))
        })
        .collect();
    let per_partner: std::collections::BTreeMap<String, usize> =
        ours.iter()
            .fold(std::collections::BTreeMap::new(), |mut m, c| {
                *m.entry(
                    c["external_ref"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
                .or_insert(0) += 1;
                m
            });
    assert_eq!(per_partner.len(), STORM_PARTNERS, "{per_partner:?}");
    assert!(per_partner.values().all(|n| *n == 1), "{per_partner:?}");
    let (_, rollup) = rollup_route(&world, "RC-GEN-STORM").await;
    assert_eq!(rollup["partners_invited"], STORM_PARTNERS, "{rollup}");
    assert_eq!(rollup["parked"], json!([]), "{rollup}");
    let dead = world
        .usecase
        .platform()
        .inbox
        .dead_letters(100)
        .await
        .expect("dead letters");
    assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");
}

/// supplier-onboarding subscribes to `campaign.response_received` too: an answer to its
/// annual attestation campaign (external reference `gridlink-onboarding:coc-<year>`, kind
/// `onboarding`) reaching recall-campaign is acknowledged and settled as ignored — no recall
/// partner touched, nothing filed, nothing dead-lettered.
async fn an_onboarding_campaign_answer_is_acknowledged_and_changes_nothing(stack: Stack) {
    use gridlink_tgrid::Campaigns as _;
    use gridlink_tgrid::model::{
        CampaignKind, ExternalRef, FieldType, FormField, NewCampaign, ResponseForm,
    };
    let world = world(stack).await;
    issue_demo(&world).await;
    let partner = "prt_rc_freshmart";
    let key = format!("{DEMO_RECALL}/v1/{partner}");
    let before_partner = world.usecase.partner_recall(&key).await.expect("ledger");
    let (_, before_rollup) = rollup_route(&world, DEMO_RECALL).await;
    let attestation = NewCampaign {
        kind: CampaignKind::Onboarding,
        title: "Supplier code of conduct 2026".into(),
        message: "Please confirm for 2026.".into(),
        partner_ids: vec![gridlink_tgrid::PartnerId::new(partner)],
        attachment_ids: Vec::new(),
        response_form: Some(ResponseForm {
            fields: vec![FormField {
                name: "attested".into(),
                label: "I confirm".into(),
                field_type: FieldType::Boolean,
                required: true,
            }],
        }),
        due_at: None,
        external_ref: Some(ExternalRef::new("gridlink-onboarding", "coc-2026")),
    };
    let campaign = world
        .tg
        .start_campaign(
            &gridlink_tgrid::IdempotencyKey::derive("test-attestation", "coc-2026"),
            &attestation,
        )
        .await
        .expect("TG starts the onboarding campaign");
    world
        .partner
        .answer_campaign(
            partner,
            campaign.campaign_id.as_str(),
            "respond",
            &json!({"attested": true}),
            &[],
        )
        .await
        .expect("the partner answers the attestation");
    let event = response_events(&world, partner)
        .await
        .into_iter()
        .find(|e| {
            e.campaign_response()
                .is_some_and(|r| r.campaign_id == campaign.campaign_id)
        })
        .expect("the attestation answer's event");
    let answer = deliver(&world, &event).await;
    assert_eq!(answer["duplicate"], false, "{answer}");
    let item = gridlink_tests::kit::tg_inbox_item(&world.function, &event).await;
    assert_eq!(
        item.status(),
        "done",
        "settled, not retried: {:?}",
        item.history()
    );
    let outcome = item.outcome().cloned().unwrap_or_default();
    assert!(
        outcome["ignored"]
            .as_str()
            .is_some_and(|why| why.contains("not a recall campaign")),
        "{outcome}"
    );
    assert_eq!(
        world.usecase.partner_recall(&key).await.expect("ledger"),
        before_partner,
        "the recall partner is untouched"
    );
    assert_eq!(rollup_route(&world, DEMO_RECALL).await.1, before_rollup);
    assert!(
        documents_in(
            &world,
            world.incident,
            &format!("Partner Responses/{partner}")
        )
        .await
        .is_empty(),
        "nothing filed"
    );
    let dead = world
        .function
        .platform()
        .inbox
        .dead_letters(100)
        .await
        .expect("dead letters");
    assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");
}

mod storm {
    use super::*;
    gridlink_tests::on_both_stacks!(with super::storm_stack; a_429_storm_on_campaign_creates_leaves_exactly_one_campaign_per_partner);
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    an_onboarding_campaign_answer_is_acknowledged_and_changes_nothing,
    an_unanswered_partner_is_reminded_then_escalated_once,
    the_evidence_bundle_holds_every_answer_and_file_with_sha256s,
    a_partner_who_answered_is_never_escalated_even_without_its_event,
    an_answer_taken_from_tg_whose_filing_fails_is_filed_on_the_next_run,
    the_poll_takes_an_answer_no_webhook_delivered_from_the_event_feed,
    a_throttled_notice_upload_waits_retries_and_sends_one_notice,
    a_recall_closes_only_when_effective_and_tells_every_partner_once,
    an_over_report_or_a_negative_answer_never_hides_another_partners_gap,
    answers_tg_accepts_are_read_and_one_that_does_not_read_is_chased,
    impossible_hours_are_refused_by_name_and_one_failing_recall_spares_the_others,
    one_attachment_in_two_answers_is_bundled_once,
    an_amendment_is_approved_again_and_reaches_only_the_delta,
    a_distribution_changed_after_the_approval_is_approved_again,
    the_initiator_cannot_approve_and_the_approver_issues,
    answers_are_history_filed_once_per_partner_and_never_regress,
    bad_input_is_parked_or_refused_with_the_reason,
    a_lot_shipped_in_two_units_is_refused_by_name_never_summed,
);

/// 5 000 partners: run with
/// `cargo test --workspace --test recall -- --ignored five_thousand --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "5 000 partners: minutes, not seconds"]
async fn five_thousand_partners_get_exactly_one_campaign_each() {
    let stack = stack_with(Storage::Embedded, 5_000, Vec::new()).await;
    let world = world(stack).await;
    let partners: Vec<String> = (1..=5_000).map(generated_partner).collect();
    generated_incident(&world, "RC-GEN-5000", &partners, "").await;
    let incident = recall_workspace(&world.xecm, "RC-GEN-5000").await;
    approve_as(&world.approver, incident, APPROVER).await;
    for _ in 0..10 {
        poll(&world).await;
        if status(&world, incident).await == Some(AttributeValue::Text("active".into())) {
            break;
        }
    }
    let (_, rollup) = rollup_route(&world, "RC-GEN-5000").await;
    assert_eq!(rollup["partners_invited"], 5_000);
}

/// Polls until the recall is `active` (at most `limit` polls); the polls it took. The use
/// case's clock moves 2 s after each poll, past any `Retry-After` the fan-out waits for (a
/// deployment waits for its next scheduled poll instead; that wait is not in the figures).
async fn until_active(world: &World, incident: gridlink_xecm::NodeId, limit: usize) -> usize {
    let mut polls = 0;
    while status(world, incident).await != Some(AttributeValue::Text("active".into())) {
        polls += 1;
        assert!(polls <= limit, "issued within {limit} polls");
        poll(world).await;
        world.clock.advance(Duration::from_secs(2));
    }
    polls
}

/// The campaigns of a recall (every version) in TG, counted 50 a page: the benchmark's
/// process holds one page at a time (all of TG's campaigns at once — up to 2 000, each with
/// its 84-field form — were a 70–140 MiB spike of the test's own in the RSS it measures).
async fn campaigns_of_recall(world: &World, recall_id: &str) -> usize {
    let prefix = format!("{recall_id}/");
    let mut count = 0;
    each_campaign_page(world, 50, |page| {
        count += page
            .iter()
            .filter(|c| {
                c["external_ref"]["system"] == "gridlink-recall"
                    && c["external_ref"]["id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with(&prefix))
            })
            .count();
    })
    .await;
    count
}

fn met(figure: f64, goal: f64) -> &'static str {
    if figure <= goal { "met" } else { "NOT met" }
}

/// The simulators of [`bench_500_partners_issue_rollup_and_bundle`] in their own process
/// ([`ChildSimulators`] runs this test binary again with only this test and
/// `RECALL_BENCH_SIMULATORS_PARTNERS` set): prints their URLs and serves until its stdin
/// closes or it is killed. Run alone, it checks that both simulators start with the
/// benchmark's seeds and answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the benchmark's simulator process"]
async fn simulators_for_the_benchmark() {
    let partners: Option<usize> = std::env::var(SIMULATORS_PARTNERS)
        .ok()
        .map(|n| n.parse().expect("a number of partners"));
    let (xecm, tg) = start_simulators(partners.unwrap_or(GENERATED)).await;
    if partners.is_some() {
        // On a line of its own: libtest has written `test <name> ... ` without a line break.
        println!("\n{SIMULATORS_LINE} {} {}", xecm.base_url, tg.base_url);
        std::io::Write::flush(&mut std::io::stdout()).expect("the URLs reach the parent");
        tokio::task::spawn_blocking(|| {
            let mut rest = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut rest);
        })
        .await
        .expect("stdin read");
        return;
    }
    let admin = gridlink_xecm::XecmClient::new(
        gridlink_xecm::XecmConfig::new(
            &xecm.base_url,
            gridlink_xecm::XecmAuth::Password {
                user: "otadmin".into(),
                password: secrecy::SecretString::from("gridlink-demo"),
            },
        )
        .expect("config"),
    )
    .expect("client");
    recall_workspace(&admin, DEMO_RECALL).await;
    let last = gridlink_tgrid_sim::controls::SimControls::new(tg.base_url.clone())
        .get(&format!(
            "__sim/partners/{}/campaigns",
            generated_partner(GENERATED)
        ))
        .await
        .expect("the last generated partner is known");
    assert_eq!(last["items"], json!([]), "{last}");
}

/// The benchmark of docs/benchmarks.md (recall-campaign), every goal of issue 16 item 8; the
/// figures there come from
/// `cargo test -p recall-campaign --profile perf --test recall -- --ignored bench_500 --nocapture`
/// (`--profile local` builds faster, less optimised).
/// 500 generated partners × 20 lots each, embedded storage; both simulators in a child
/// process ([`ChildSimulators`]), so this process holds the function, its storage and the
/// test's clients:
/// 1. the issue without faults (approval → `active`), then 100 partners answer every lot with
///    a photo, the rollup route (3 calls) and the evidence bundle, each timed; this process's
///    RSS (the function's) before the issue and after the bundle, and the simulators';
/// 2. a second recall to the same 500 partners with 125 of its 625 campaign creates (20 %)
///    answered 429 `Retry-After: 1` by the TG simulator's faults;
/// 3. a third stack (`FANOUT_PER_RUN` 250): a crash after the 251st campaign create, before
///    the ledger confirms it; exactly 500 campaigns after the resume.
///
/// The counts are asserted (correctness); the times are printed beside their goals, not
/// asserted (a benchmark, not a timed test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: minutes in debug"]
async fn bench_500_partners_issue_rollup_and_bundle() {
    const N: usize = 500;
    const LOTS: usize = 20;
    const ANSWERED: usize = 100;
    let sims = ChildSimulators::spawn(N);
    let world = world_beside(stack_beside(&sims, Vec::new()).await, &sims).await;
    let partners: Vec<String> = (1..=N).map(generated_partner).collect();
    let lots: Vec<(String, i64)> = (1..=LOTS)
        .map(|i| (generated_lot(i), i64::try_from(10 + i).expect("small")))
        .collect();
    // Every unit of every lot destroyed.
    let lot_refs: Vec<(&str, i64)> = lots.iter().map(|(l, q)| (l.as_str(), *q)).collect();

    // 1. Without faults.
    let incident = generated_lots_incident(&world, "RC-BENCH-500", &partners, LOTS).await;
    let (rss_before, _) = gridlink_store::testing::rss_kib();
    let (sims_before, _) = sims.rss_kib();
    approve_as(&world.approver, incident, APPROVER).await;
    let started = std::time::Instant::now();
    let polls = until_active(&world, incident, 5).await;
    let issue = started.elapsed();
    let (rss_issued, _) = gridlink_store::testing::rss_kib();
    assert_eq!(campaigns_of_recall(&world, "RC-BENCH-500").await, N);
    let answers_started = std::time::Instant::now();
    for partner in partners.iter().take(ANSWERED) {
        let campaign = partner_campaigns(&world, partner).await[0]["campaign_id"]
            .as_str()
            .expect("id")
            .to_owned();
        let multipart = reqwest::multipart::Form::new()
            .text("form_data", all_destroyed(&lot_refs).to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(PHOTO)
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime"),
            );
        reqwest::Client::new()
            .post(
                world
                    .tg_url
                    .join(&format!(
                        "__sim/partners/{partner}/campaigns/{campaign}/respond"
                    ))
                    .expect("url"),
            )
            .multipart(multipart)
            .send()
            .await
            .expect("answer")
            .error_for_status()
            .expect("answered");
    }
    let events = gridlink_tests::kit::events_of(
        &world.tg,
        gridlink_tgrid::events::EventType::CampaignResponseReceived,
    )
    .await;
    assert_eq!(events.len(), ANSWERED);
    for event in &events {
        deliver(&world, event).await;
    }
    let answers_time = answers_started.elapsed();
    let (rss_answered, _) = gridlink_store::testing::rss_kib();
    let mut rollup_times = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let (code, rollup) = rollup_route(&world, "RC-BENCH-500").await;
        rollup_times.push(started.elapsed());
        assert_eq!(code, 200);
        assert_eq!(rollup["partners_invited"], N);
        assert_eq!(rollup["lots"].as_array().map(Vec::len), Some(LOTS));
        let answered = rollup["partners"]
            .as_array()
            .expect("partners")
            .iter()
            .filter(|p| p["answers"].as_u64() > Some(0))
            .count();
        assert_eq!(answered, ANSWERED, "{}", rollup["by_state"]);
    }
    let (rss_rolled_up, _) = gridlink_store::testing::rss_kib();
    let started = std::time::Instant::now();
    let (code, bundle) = bundle_route(&world, "RC-BENCH-500").await;
    let bundle_time = started.elapsed();
    assert_eq!(code, 200, "{bundle}");
    assert_eq!(bundle["partners"], N, "{bundle}");
    let (rss_after, rss_peak) = gridlink_store::testing::rss_kib();
    let (sims_after, _) = sims.rss_kib();

    // 2. 20 % of the campaign creates answered 429: the first 125 of 625 calls (faults are
    // taken before the create, so 500 successes mean every one of them was served).
    let storm = generated_lots_incident(&world, "RC-BENCH-429", &partners, LOTS).await;
    let rate_limited = u32::try_from(N / 4).expect("small");
    world
        .partner
        .set_faults(&gridlink_tgrid_sim::Faults {
            rate_limited,
            unavailable: 0,
            retry_after_secs: Some(1),
            only: Some("POST /v1/campaigns".into()),
        })
        .await
        .expect("faults set");
    approve_as(&world.approver, storm, APPROVER).await;
    let started = std::time::Instant::now();
    let storm_polls = until_active(&world, storm, 200).await;
    let storm_time = started.elapsed();
    storm_faults(&world, 0, 0, 0).await;
    assert_eq!(
        campaigns_of_recall(&world, "RC-BENCH-429").await,
        N,
        "exactly one campaign per partner through the 429s"
    );
    let (rss_end, _) = gridlink_store::testing::rss_kib();
    drop(world);

    // 3. A crash mid-fan-out.
    let stack = stack_beside(&sims, vec![("FANOUT_PER_RUN".into(), (N / 2).to_string())]).await;
    let world = world_beside(stack, &sims).await;
    let crashed = generated_lots_incident(&world, "RC-BENCH-CRASH", &partners, LOTS).await;
    approve_as(&world.approver, crashed, APPROVER).await;
    let started = std::time::Instant::now();
    poll(&world).await;
    assert_eq!(campaigns_of_recall(&world, "RC-BENCH-CRASH").await, N / 2);
    world.stack.crash.arm("tg-recall-campaign");
    assert!(
        fire(&world, "recall-campaign-poll-xecm").await.is_err(),
        "the crash fails the poll"
    );
    assert_eq!(
        campaigns_of_recall(&world, "RC-BENCH-CRASH").await,
        N / 2 + 1,
        "the 251st campaign was created before the crash"
    );
    world.stack.ledger_clock.advance(HOUR);
    let crash_polls = until_active(&world, crashed, 5).await;
    let crash_time = started.elapsed();
    assert_eq!(
        campaigns_of_recall(&world, "RC-BENCH-CRASH").await,
        N,
        "exactly 500 campaigns after the crash"
    );
    let (_, rollup) = rollup_route(&world, "RC-BENCH-CRASH").await;
    assert_eq!(
        rollup["partners_invited"], N,
        "{}",
        rollup["partners_invited"]
    );

    let rollup_max = rollup_times.iter().max().copied().unwrap_or_default();
    let growth_mib =
        f64::from(u32::try_from(rss_after.saturating_sub(rss_before)).unwrap_or(u32::MAX)) / 1024.0;
    println!(
        "BENCH recall {N} partners x {LOTS} lots\n\
         BENCH issue without faults: {:.1} s ({polls} polls) [goal <= 60 s: {}]\n\
         BENCH issue with 20 % 429s ({rate_limited} of {} creates, Retry-After 1 s): {:.1} s ({storm_polls} polls) [goal <= 180 s: {}]\n\
         BENCH crash after create {} of {N}: {} campaigns after the resume [goal exactly {N}: met], resume done in {:.1} s ({crash_polls} polls after the crash)\n\
         BENCH {ANSWERED} answers x {LOTS} lots with a photo, delivered: {:.1} s\n\
         BENCH rollup route ({N} partners x {LOTS} lots): {} ms [goal <= 1000 ms: {}]\n\
         BENCH bundle ({N} partners): {:.1} s, {} entries, {} bytes [goal <= 30 s: {}]\n\
         BENCH RSS of the function's process (the simulators in a child process): {} MiB before the issue, {} MiB after the bundle (growth {growth_mib:.1} MiB) [goal <= 64 MiB: {}], peak {} MiB; {} MiB after the 429 run\n\
         BENCH RSS by step (MiB, the function's process): {} after the issue, {} after the answers, {} after the rollups, {} after the bundle\n\
         BENCH RSS of the simulators' process (not the function's): {} MiB before the issue, {} MiB after the bundle",
        issue.as_secs_f64(),
        met(issue.as_secs_f64(), 60.0),
        N + N / 4,
        storm_time.as_secs_f64(),
        met(storm_time.as_secs_f64(), 180.0),
        N / 2 + 1,
        N,
        crash_time.as_secs_f64(),
        answers_time.as_secs_f64(),
        rollup_times
            .iter()
            .map(|t| t.as_millis().to_string())
            .collect::<Vec<_>>()
            .join(" / "),
        met(rollup_max.as_secs_f64(), 1.0),
        bundle_time.as_secs_f64(),
        bundle["entries"],
        bundle["size_bytes"],
        met(bundle_time.as_secs_f64(), 30.0),
        rss_before / 1024,
        rss_after / 1024,
        met(growth_mib, 64.0),
        rss_peak / 1024,
        rss_end / 1024,
        rss_issued / 1024,
        rss_answered / 1024,
        rss_rolled_up / 1024,
        rss_after / 1024,
        sims_before / 1024,
        sims_after / 1024,
    );
}
