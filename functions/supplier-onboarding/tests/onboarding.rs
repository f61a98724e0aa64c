//! supplier-onboarding end to end: a new US supplier is asked for its W-9 and insurance
//! certificate through TG, a W-9 with an invalid EIN prefix is rejected naming the field,
//! the resubmission is accepted and filed once; duplicates change nothing; a crash after
//! every effect leaves one of everything; renewals are requested once and become new
//! versions; a supplier without a TG partner is parked; partners are isolated.
//! Simulators on loopback; storage on files + SQLite and on S3 + DynamoDB (moto).

mod common;

use std::time::Duration;

use common::*;
use gridlink_core::clock::Clock;
use gridlink_tests::on_both_stacks;
use gridlink_tests::stack::{Stack, Storage};
use gridlink_tgrid::DocumentRequests;
use gridlink_xecm::{BytesSource, NewVersion, NodeId, Workspaces};
use serde_json::json;

const W9_OK: &str = "27-1234567";
const W9_BAD_PREFIX: &str = "07-1234567";
const RENEWED: &[u8] = b"%PDF-1.7\nrenewed certificate\n%%EOF\n";

async fn onboard_brightwire(world: &World) {
    let polled = poll(world).await;
    let synced = polled["polled"]["synced"].as_array().expect("synced");
    let bright = synced
        .iter()
        .find(|s| s["workspace_id"] == world.brightwire.get())
        .unwrap_or_else(|| panic!("Brightwire synced: {polled}"));
    assert_eq!(
        bright["requested"],
        json!(["insurance_certificate", "w9"]),
        "{bright}"
    );
}

async fn a_new_us_supplier_is_onboarded_through_a_rejection(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    // the matrix is governed in xECM
    let enterprise = NodeId::new(2000).expect("id");
    let matrix = world
        .xecm
        .node_at_path(
            enterprise,
            "gridlink/Supplier Onboarding/Requirement Matrix.json",
        )
        .await
        .expect("path");
    assert!(matrix.is_some(), "the built-in matrix is filed in xECM");
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "requested"
    );
    let requests = partner_requests(&world, BRIGHTWIRE).await;
    assert_eq!(
        requests.len(),
        1,
        "one request per supplier and cycle: {requests:?}"
    );

    // a W-9 with an EIN prefix the IRS never assigns
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields(W9_BAD_PREFIX),
    )
    .await;
    assert_eq!(item["status"], "rejected", "{item}");
    let reason = item["review_reason"].as_str().expect("a reason");
    assert!(
        reason.starts_with("fields.tax_id: EIN prefix 07"),
        "{reason}"
    );
    assert!(
        certificates(&world, world.brightwire).await.is_empty(),
        "nothing filed"
    );
    let rows = requirement_rows(&world, world.brightwire).await;
    let w9 = rows
        .iter()
        .find(|r| row_text(r, "Kind") == "w9")
        .expect("w9 row");
    assert_eq!(row_text(w9, "Status"), "requested");
    assert!(row_text(w9, "Reason").contains("fields.tax_id"), "{w9:?}");

    // resubmitted with a valid EIN: accepted and filed once
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    let filed = documents_in(&world, world.brightwire, "Certificates/Tax Forms").await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(content(&world, filed[0].1).await, PDF);
    let values = world
        .xecm
        .read_attributes(
            filed[0].1,
            gridlink_xecm::CategoryId::new(9810).expect("id"),
        )
        .await
        .expect("document category");
    assert_eq!(values.get("Kind"), Some(&"w9".into()));
    assert!(
        matches!(values.get("SHA-256"), Some(gridlink_xecm::AttributeValue::Text(t)) if t.len() == 64)
    );
    assert!(
        matches!(values.get("Checks Run"), Some(gridlink_xecm::AttributeValue::Text(t)) if t.contains("EIN"))
    );

    // the same event again changes nothing
    let (_, w9_item, _) = request_item(&world, BRIGHTWIRE, world.brightwire, "w9").await;
    let again = submitted_event(&world, &w9_item).await;
    deliver(&world, &again).await;
    assert_eq!(
        documents_in(&world, world.brightwire, "Certificates/Tax Forms")
            .await
            .len(),
        1
    );
    assert_eq!(versions(&world, filed[0].1).await, 1);

    // the certificate: complete
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some("2027-06-30")),
        insurance_fields(),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "complete"
    );
    let record = documents_in(&world, world.brightwire, "Compliance").await;
    let json_record = record
        .iter()
        .find(|(n, _)| n == "Compliance record.json")
        .expect("json record");
    assert!(
        record.iter().any(|(n, _)| n == "Compliance record.html"),
        "{record:?}"
    );
    let text = String::from_utf8(content(&world, json_record.1).await).expect("utf-8");
    assert!(
        text.contains("\"onboarding_status\": \"complete\""),
        "{text}"
    );
    assert!(
        text.contains("rejected"),
        "the history keeps the rejection: {text}"
    );
    assert!(
        versions(&world, json_record.1).await >= 3,
        "a version per change"
    );
    assert_eq!(
        partner_requests(&world, BRIGHTWIRE).await.len(),
        1,
        "no second request"
    );
}

async fn a_supplier_without_a_tg_partner_is_parked_with_the_reason(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let nordic = supplier_numbered(&world.xecm, "0000100077").await;
    assert_eq!(onboarding_status(&world, nordic).await, "blocked");
    let values = world
        .xecm
        .read_attributes(nordic, gridlink_xecm::CategoryId::new(9800).expect("id"))
        .await
        .expect("compliance");
    let reason = match values.get("Status Reason") {
        Some(gridlink_xecm::AttributeValue::Text(t)) => t.clone(),
        other => panic!("a reason: {other:?}"),
    };
    assert!(reason.contains("NORDFAST"), "{reason}");
    let filter = gridlink_tgrid::model::DocumentRequestFilter {
        external_ref: Some(gridlink_tgrid::model::ExternalRef::new(
            "xecm",
            nordic.to_string(),
        )),
        ..Default::default()
    };
    let page = world
        .tg
        .document_requests_page(&filter, gridlink_tgrid::PageRequest::after(None))
        .await
        .expect("list");
    assert!(page.items.is_empty(), "nothing requested: {:?}", page.items);
}

async fn partners_are_isolated(stack: Stack) {
    let world = world(stack).await;
    poll(&world).await;
    let acme = supplier_numbered(&world.xecm, "0000100042").await;
    // ACME cannot answer Brightwire's request
    let (request, item, _) = request_item(&world, BRIGHTWIRE, world.brightwire, "w9").await;
    let status = submit(
        &world,
        "prt_acme",
        &request,
        &item,
        PDF,
        "w9.pdf",
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    assert_eq!(status.as_u16(), 403);
    // ACME's own W-9 goes to ACME's workspace only (checked against ACME's legal name)
    let fields = json!({"tax_id": "41-7654321", "legal_name": "Acme Industrial Supplies Inc", "form_revision": "2024-03"});
    let item = submit_and_deliver(&world, "prt_acme", acme, "w9", PDF, (None, None), fields).await;
    assert_eq!(item["status"], "accepted", "{item}");
    assert_eq!(
        documents_in(&world, acme, "Certificates/Tax Forms")
            .await
            .len(),
        1
    );
    assert!(
        certificates(&world, world.brightwire).await.is_empty(),
        "nothing of ACME's reaches Brightwire"
    );
    // Brightwire's W-9 with ACME's tax id is rejected, never filed
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields("41-7654321"),
    )
    .await;
    assert_eq!(item["status"], "rejected");
    assert!(
        item["review_reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("fields.tax_id")
    );
    assert_eq!(
        documents_in(&world, acme, "Certificates/Tax Forms")
            .await
            .len(),
        1
    );
}

async fn a_renewal_is_requested_once_and_becomes_a_new_version(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    let until = (world.clock.now().date() + time::Duration::days(90)).to_string();
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        insurance_fields(),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    let sweep0 = sweep(&world).await;
    assert!(
        !sweep0["renewals"]
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["workspace_id"] == world.brightwire.get()),
        "90 days left: nothing yet: {sweep0}"
    );
    world.clock.advance(Duration::from_secs(31 * 86_400));
    let swept = sweep(&world).await;
    let mine: Vec<_> = swept["renewals"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|s| s["workspace_id"] == world.brightwire.get())
        .cloned()
        .collect();
    assert_eq!(mine.len(), 1, "{swept}");
    assert_eq!(mine[0]["action"], "renewal request");
    assert_eq!(
        partner_requests(&world, BRIGHTWIRE).await.len(),
        2,
        "the renewal request"
    );
    assert_eq!(onboarding_status(&world, world.brightwire).await, "at risk");
    let (status, ics) = operator_get(
        &world,
        &format!(
            "/supplier-onboarding/suppliers/{}/calendar",
            world.brightwire
        ),
    )
    .await;
    assert_eq!(status, 200, "{ics}");
    assert!(
        ics.contains(&format!("DTSTART;VALUE=DATE:{}", until.replace('-', ""))),
        "{ics}"
    );
    let filed = documents_in(&world, world.brightwire, "Compliance").await;
    assert!(
        filed.iter().any(|(n, _)| n == "Expiry calendar.ics"),
        "{filed:?}"
    );
    let (status, body) = operator_get(&world, "/supplier-onboarding/suppliers/abc/calendar").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("workspace_id"), "{body}");
    // The standing route: the compliance record as filed, the status as in xECM.
    let (status, standing) = operator_get(
        &world,
        &format!("/supplier-onboarding/suppliers/{}", world.brightwire),
    )
    .await;
    assert_eq!(status, 200, "{standing}");
    let standing: serde_json::Value = serde_json::from_str(&standing).expect("json");
    assert_eq!(
        standing["workspace_id"],
        world.brightwire.get(),
        "{standing}"
    );
    assert_eq!(standing["onboarding_status"], "at risk", "{standing}");
    assert!(
        standing["requirements"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["valid_until"] == until.as_str())),
        "{standing}"
    );
    let (status, body) = operator_get(&world, "/supplier-onboarding/suppliers/abc").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("workspace_id"), "{body}");
    let (status, body) = operator_get(&world, "/supplier-onboarding/suppliers/999999").await;
    assert_eq!(status, 404, "{body}");
    let again = sweep(&world).await;
    assert!(
        !again["renewals"]
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["workspace_id"] == world.brightwire.get()),
        "a replayed sweep sends nothing: {again}"
    );
    assert_eq!(partner_requests(&world, BRIGHTWIRE).await.len(), 2);
    assert!(
        onboarding_messages(&world, BRIGHTWIRE).await.is_empty(),
        "the request is the first step"
    );
    // 30 days before expiry: a renewal reminder in the onboarding thread, once
    world.clock.advance(Duration::from_secs(30 * 86_400));
    let swept = sweep(&world).await;
    assert!(
        swept["renewals"]
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["action"] == "reminder"),
        "{swept}"
    );
    sweep(&world).await;
    let messages = onboarding_messages(&world, BRIGHTWIRE).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["structured"]["reason"], "renewal");
    assert_eq!(messages[0]["structured"]["kind"], "insurance_certificate");
    assert_eq!(messages[0]["action_request"]["kind"], "submit_document");
    let rows = requirement_rows(&world, world.brightwire).await;
    let ins = rows
        .iter()
        .find(|r| row_text(r, "Kind") == "insurance_certificate")
        .expect("row");
    assert_eq!(row_number(ins, "Reminders Sent"), 1);
    // the renewed certificate is a new version of the same document
    let next = (world.clock.now().date() + time::Duration::days(365)).to_string();
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        RENEWED,
        (Some("2027-01-01"), Some(next.as_str())),
        insurance_fields(),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    let insurance = documents_in(&world, world.brightwire, "Certificates/Insurance").await;
    assert_eq!(insurance.len(), 1, "{insurance:?}");
    assert_eq!(versions(&world, insurance[0].1).await, 2);
    assert_eq!(content(&world, insurance[0].1).await, RENEWED);
    let values = world
        .xecm
        .read_attributes(
            insurance[0].1,
            gridlink_xecm::CategoryId::new(9810).expect("id"),
        )
        .await
        .expect("category");
    assert_eq!(
        values.get("Supersedes"),
        Some(&gridlink_xecm::AttributeValue::Integer(1))
    );
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "complete"
    );
}

async fn past_expiry_the_supplier_is_incomplete(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    let until = (world.clock.now().date() + time::Duration::days(10)).to_string();
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        insurance_fields(),
    )
    .await;
    sweep(&world).await;
    world.clock.advance(Duration::from_secs(11 * 86_400));
    sweep(&world).await;
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "incomplete"
    );
}

async fn a_new_matrix_version_applies_mid_cycle(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    matrix_version(&world, 2, &["code_of_conduct"]).await;
    let polled = poll(&world).await;
    let bright = polled["polled"]["synced"]
        .as_array()
        .expect("synced")
        .iter()
        .find(|s| s["workspace_id"] == world.brightwire.get())
        .cloned()
        .unwrap_or_else(|| panic!("re-evaluated: {polled}"));
    assert_eq!(
        bright["requested"],
        json!(["code_of_conduct"]),
        "only the new kind: {bright}"
    );
    assert_eq!(partner_requests(&world, BRIGHTWIRE).await.len(), 2);
    // the attestation cannot be checked automatically: a buyer reviews it
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "code_of_conduct",
        PDF,
        (Some("2026-12-01"), None),
        json!({}),
    )
    .await;
    assert_eq!(item["status"], "submitted", "not accepted in TG: {item}");
    let rows = requirement_rows(&world, world.brightwire).await;
    let coc = rows
        .iter()
        .find(|r| row_text(r, "Kind") == "code_of_conduct")
        .expect("row");
    assert_eq!(row_text(coc, "Status"), "in review");
    assert!(row_text(coc, "Reason").contains("buyer"), "{coc:?}");
}

/// The code of conduct submitted: it cannot be checked, so it waits for a buyer.
async fn code_of_conduct_in_review(world: &World) -> (String, String) {
    onboard_brightwire(world).await;
    matrix_version(world, 2, &["code_of_conduct"]).await;
    poll(world).await;
    let item = submit_and_deliver(
        world,
        BRIGHTWIRE,
        world.brightwire,
        "code_of_conduct",
        PDF,
        (Some("2026-12-01"), None),
        json!({}),
    )
    .await;
    assert_eq!(item["status"], "submitted", "{item}");
    let (request, item, _) =
        request_item(world, BRIGHTWIRE, world.brightwire, "code_of_conduct").await;
    (request, item)
}

fn row_of(rows: &[gridlink_xecm::NamedAttributes], kind: &str) -> gridlink_xecm::NamedAttributes {
    rows.iter()
        .find(|r| row_text(r, "Kind") == kind)
        .unwrap_or_else(|| panic!("a row for {kind}"))
        .clone()
}

async fn a_buyer_accepts_in_xecm_what_the_checks_could_not_decide(stack: Stack) {
    let world = world(stack).await;
    let (request, item) = code_of_conduct_in_review(&world).await;
    // no reviewer named: refused by field, nothing decided in TG
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[("Status", "accepted")],
    )
    .await;
    assert_eq!(push(&world, world.brightwire, 1).await, 202);
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_eq!(row_text(&coc, "Status"), "in review", "{coc:?}");
    assert!(row_text(&coc, "Reason").starts_with("Reviewer:"), "{coc:?}");
    assert_eq!(
        tg_item(&world, &request, &item).await["status"],
        "submitted"
    );
    // a named buyer accepts: TG accepts the item, the evidence becomes the requirement's
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[("Status", "accepted"), ("Reviewer", "j.buyer")],
    )
    .await;
    assert_eq!(push(&world, world.brightwire, 2).await, 202);
    let tg = tg_item(&world, &request, &item).await;
    assert_eq!(tg["status"], "accepted", "{tg}");
    assert_eq!(tg["review_reason"], "accepted by j.buyer", "{tg}");
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_eq!(row_text(&coc, "Status"), "accepted", "{coc:?}");
    assert_eq!(row_text(&coc, "Reviewer"), "j.buyer");
    assert!(
        matches!(
            coc.get("Valid Until"),
            Some(gridlink_xecm::AttributeValue::Date(_))
        ),
        "the reviewed evidence's validity: {coc:?}"
    );
    let filed = documents_in(&world, world.brightwire, "Certificates/Attestations").await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    let values = world
        .xecm
        .read_attributes(
            filed[0].1,
            gridlink_xecm::CategoryId::new(9810).expect("id"),
        )
        .await
        .expect("category");
    assert_eq!(
        values.get("Review Status"),
        Some(&"accepted by j.buyer".into())
    );
    // the same push again (a redelivery) and a poll decide nothing twice
    assert_eq!(push(&world, world.brightwire, 2).await, 202, "a redelivery");
    assert_eq!(push(&world, world.brightwire, 3).await, 202);
    poll(&world).await;
    assert_eq!(versions(&world, filed[0].1).await, 1);
    let record = documents_in(&world, world.brightwire, "Compliance").await;
    let json_record = record
        .iter()
        .find(|(n, _)| n == "Compliance record.json")
        .expect("json record");
    let text = String::from_utf8(content(&world, json_record.1).await).expect("utf-8");
    assert_eq!(text.matches("accepted by buyer").count(), 1, "{text}");
}

async fn a_buyer_rejects_with_a_reason_the_supplier_reads_and_waives_by_name(stack: Stack) {
    let world = world(stack).await;
    let (request, item) = code_of_conduct_in_review(&world).await;
    // a rejection without the buyer's own reason is refused naming the field
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[("Status", "rejected"), ("Reviewer", "j.buyer")],
    )
    .await;
    push(&world, world.brightwire, 4).await;
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert!(row_text(&coc, "Reason").starts_with("Reason:"), "{coc:?}");
    assert_eq!(
        tg_item(&world, &request, &item).await["status"],
        "submitted"
    );
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[
            ("Status", "rejected"),
            ("Reviewer", "j.buyer"),
            ("Reason", "the attestation is not signed"),
        ],
    )
    .await;
    push(&world, world.brightwire, 5).await;
    let tg = tg_item(&world, &request, &item).await;
    assert_eq!(tg["status"], "rejected", "{tg}");
    assert_eq!(tg["review_reason"], "the attestation is not signed");
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_eq!(row_text(&coc, "Status"), "requested", "{coc:?}");
    // resubmitted to the same item: in review again, a new version of the same document
    let again = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "code_of_conduct",
        RENEWED,
        (Some("2026-12-02"), None),
        json!({}),
    )
    .await;
    assert_eq!(again["status"], "submitted", "{again}");
    let filed = documents_in(&world, world.brightwire, "Certificates/Attestations").await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(versions(&world, filed[0].1).await, 2);
    // a waiver needs a reason too; with one, the requirement no longer holds the supplier
    buyer_sets(
        &world,
        world.brightwire,
        "insurance_certificate",
        &[("Status", "waived"), ("Reviewer", "k.lead")],
    )
    .await;
    push(&world, world.brightwire, 6).await;
    let ins = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "insurance_certificate",
    );
    assert_eq!(row_text(&ins, "Status"), "requested", "{ins:?}");
    assert!(row_text(&ins, "Reason").starts_with("Reason:"), "{ins:?}");
    buyer_sets(
        &world,
        world.brightwire,
        "insurance_certificate",
        &[
            ("Status", "waived"),
            ("Reviewer", "k.lead"),
            ("Reason", "covered by the parent company's policy"),
        ],
    )
    .await;
    push(&world, world.brightwire, 7).await;
    let ins = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "insurance_certificate",
    );
    assert_eq!(row_text(&ins, "Status"), "waived", "{ins:?}");
    assert_eq!(row_text(&ins, "Reviewer"), "k.lead");
    assert_eq!(
        row_text(&ins, "Reason"),
        "covered by the parent company's policy"
    );
}

async fn overdue_requests_are_reminded_weekly_in_the_thread_then_escalated(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    let swept = sweep(&world).await;
    assert!(
        brightwire_reminders(&world, &swept).is_empty(),
        "not due yet: {swept}"
    );
    assert!(onboarding_messages(&world, BRIGHTWIRE).await.is_empty());
    world.clock.advance(Duration::from_secs(31 * 86_400));
    for week in 1..=3_i64 {
        let swept = sweep(&world).await;
        let reminders = brightwire_reminders(&world, &swept);
        assert_eq!(reminders.len(), 2, "week {week}: one per kind: {swept}");
        assert!(
            reminders
                .iter()
                .all(|r| r["action"] == "overdue reminder" && r["n"] == week)
        );
        let again = sweep(&world).await;
        assert!(
            brightwire_reminders(&world, &again).is_empty(),
            "week {week}: a repeated sweep sends nothing: {again}"
        );
        let messages = onboarding_messages(&world, BRIGHTWIRE).await;
        assert_eq!(
            messages.len(),
            usize::try_from(2 * week).expect("small"),
            "{messages:?}"
        );
        let last = messages.last().expect("a message");
        assert_eq!(last["action_request"]["kind"], "submit_document", "{last}");
        assert!(last["action_request"]["due_at"].is_string(), "{last}");
        assert_eq!(last["structured"]["reminder"], week);
        let rows = requirement_rows(&world, world.brightwire).await;
        assert_eq!(row_number(&row_of(&rows, "w9"), "Reminders Sent"), week);
        assert_eq!(
            onboarding_status(&world, world.brightwire).await,
            "requested"
        );
        world.clock.advance(Duration::from_secs(7 * 86_400));
    }
    // a week after the last reminder: escalated, once
    let swept = sweep(&world).await;
    let escalations = brightwire_reminders(&world, &swept);
    assert_eq!(escalations.len(), 2, "{swept}");
    assert!(escalations.iter().all(|r| r["action"] == "escalation"));
    assert!(brightwire_reminders(&world, &sweep(&world).await).is_empty());
    let messages = onboarding_messages(&world, BRIGHTWIRE).await;
    assert_eq!(messages.len(), 8, "{messages:?}");
    let last = messages.last().expect("message");
    assert_eq!(last["structured"]["escalated"], true, "{last}");
    assert!(
        last["body"]
            .as_str()
            .unwrap_or_default()
            .contains("compliance@brightwire.example"),
        "the partner's compliance contact: {last}"
    );
    assert_eq!(onboarding_status(&world, world.brightwire).await, "blocked");
    let values = world
        .xecm
        .read_attributes(
            world.brightwire,
            gridlink_xecm::CategoryId::new(9800).expect("id"),
        )
        .await
        .expect("compliance");
    assert!(
        matches!(values.get("Status Reason"), Some(gridlink_xecm::AttributeValue::Text(t)) if t.starts_with("escalated:") && t.contains("w9") && t.contains("to the Supplier Owner, xECM user 1004")),
        "{values:?}"
    );
    assert_eq!(
        values.get("Escalated To"),
        Some(&gridlink_xecm::AttributeValue::User(1004)),
        "escalated to the seeded Supplier Owner: {values:?}"
    );
    // the schedule replayed (same day, again a day later): nobody is escalated twice
    sweep(&world).await;
    world.clock.advance(Duration::from_secs(86_400));
    assert!(brightwire_reminders(&world, &sweep(&world).await).is_empty());
    let escalated = history_of(&world, "escalated").await;
    assert_eq!(escalated.len(), 2, "one per kind: {escalated:?}");
    assert!(
        escalated.iter().all(|h| h["detail"]
            .as_str()
            .is_some_and(|d| d.contains("xECM user 1004"))),
        "{escalated:?}"
    );
    let (status, timeline) = operator_get(
        &world,
        &format!(
            "/supplier-onboarding/timeline/supplier:{}",
            world.brightwire
        ),
    )
    .await;
    assert_eq!(status, 200, "{timeline}");
    assert!(timeline.contains("\"kind\":\"escalated\""), "{timeline}");
    // the supplier answers: the chase ends
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "blocked",
        "the certificate is still escalated"
    );
    let until = (world.clock.now().date() + time::Duration::days(365)).to_string();
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        insurance_fields(),
    )
    .await;
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "complete"
    );
    let values = world
        .xecm
        .read_attributes(
            world.brightwire,
            gridlink_xecm::CategoryId::new(9800).expect("id"),
        )
        .await
        .expect("compliance");
    assert!(
        matches!(
            values.get("Escalated To"),
            None | Some(gridlink_xecm::AttributeValue::Empty)
        ),
        "the escalation is over: {values:?}"
    );
    world.clock.advance(Duration::from_secs(7 * 86_400));
    assert!(brightwire_reminders(&world, &sweep(&world).await).is_empty());
}

fn brightwire_reminders(world: &World, swept: &serde_json::Value) -> Vec<serde_json::Value> {
    swept["reminders"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|r| r["workspace_id"] == world.brightwire.get())
        .cloned()
        .collect()
}

/// The partner answers the year's attestation campaign (the file uploaded first and named
/// in the form's attachment field); the simulator's answer.
async fn answer_attestation(
    world: &World,
    partner: &str,
    mut form: serde_json::Value,
    file: Option<&'static [u8]>,
) -> serde_json::Value {
    let campaigns = kit_items(world, &format!("__sim/partners/{partner}/campaigns")).await;
    let campaign = campaigns
        .iter()
        .rev()
        .find(|c| c["kind"] == "onboarding")
        .unwrap_or_else(|| panic!("an onboarding campaign for {partner}: {campaigns:?}"));
    let id = campaign["campaign_id"].as_str().expect("id").to_owned();
    let mut attachments = Vec::new();
    if let Some(content) = file {
        let uploaded: serde_json::Value = reqwest::Client::new()
            .post(
                world
                    .tg_base
                    .join(&format!("__sim/partners/{partner}/attachments"))
                    .expect("url"),
            )
            .multipart(
                reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(content)
                        .file_name("code-of-conduct.pdf")
                        .mime_str("application/pdf")
                        .expect("mime"),
                ),
            )
            .send()
            .await
            .expect("upload")
            .json()
            .await
            .expect("json");
        let attachment = uploaded["items"][0]["attachment_id"]
            .as_str()
            .unwrap_or_else(|| panic!("an attachment: {uploaded}"))
            .to_owned();
        form["signed_attestation"] = json!(attachment);
        attachments.push(attachment);
    }
    gridlink_tgrid_sim::controls::SimControls::new(world.tg_base.clone())
        .answer_campaign(partner, &id, "respond", &form, &attachments)
        .await
        .expect("the partner answers")
}

async fn kit_items(world: &World, path: &str) -> Vec<serde_json::Value> {
    gridlink_tests::kit::sim_items(&world.tg_base, path).await
}

/// The latest `campaign.response_received` of a partner.
async fn response_event(world: &World, partner: &str) -> gridlink_tgrid::events::Event {
    gridlink_tests::kit::events_of(
        &world.tg,
        gridlink_tgrid::events::EventType::CampaignResponseReceived,
    )
    .await
    .into_iter()
    .rev()
    .find(|e| {
        e.campaign_response()
            .is_some_and(|r| r.response.partner_id.as_str() == partner)
    })
    .expect("the answer's event")
}

async fn the_annual_attestation_is_one_campaign_validated_and_filed(stack: Stack) {
    let today = {
        use gridlink_core::clock::Clock as _;
        stack.clock.as_ref().expect("manual clock").now().date()
    };
    let world = world_configured(stack, None, |c| {
        c.attestation_day = Some((u8::from(today.month()), today.day()));
    })
    .await;
    onboard_brightwire(&world).await;
    matrix_version(&world, 2, &["code_of_conduct"]).await;
    poll(&world).await;
    let swept = sweep(&world).await;
    let campaign_id = swept["attestation"]["campaign_id"]
        .as_str()
        .unwrap_or_else(|| panic!("a campaign: {swept}"))
        .to_owned();
    assert!(
        swept["attestation"]["recipients"].get(BRIGHTWIRE).is_some(),
        "{swept}"
    );
    sweep(&world).await;
    let filter = format!("__sim/partners/{BRIGHTWIRE}/campaigns");
    let campaigns = kit_items(&world, &filter).await;
    assert_eq!(
        campaigns
            .iter()
            .filter(|c| c["kind"] == "onboarding")
            .count(),
        1,
        "one campaign a year: {campaigns:?}"
    );
    // not attested: refused naming the field, told in the onboarding thread
    answer_attestation(
        &world,
        BRIGHTWIRE,
        json!({"attested": false, "signature_date": today.to_string()}),
        Some(PDF),
    )
    .await;
    let event = response_event(&world, BRIGHTWIRE).await;
    deliver(&world, &event).await;
    let messages = onboarding_messages(&world, BRIGHTWIRE).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("form_data.attested"),
        "{messages:?}"
    );
    let rows = requirement_rows(&world, world.brightwire).await;
    let coc = row_of(&rows, "code_of_conduct");
    assert!(
        row_text(&coc, "Reason").starts_with("form_data.attested"),
        "{coc:?}"
    );
    assert!(certificates(&world, world.brightwire).await.is_empty());
    // attested: filed, accepted for a year from the signing date
    answer_attestation(
        &world,
        BRIGHTWIRE,
        json!({"attested": true, "signature_date": today.to_string()}),
        Some(PDF),
    )
    .await;
    let event = response_event(&world, BRIGHTWIRE).await;
    deliver(&world, &event).await;
    deliver(&world, &event).await;
    let filed = documents_in(&world, world.brightwire, "Certificates/Attestations").await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(
        versions(&world, filed[0].1).await,
        1,
        "a redelivery files nothing twice"
    );
    let values = world
        .xecm
        .read_attributes(
            filed[0].1,
            gridlink_xecm::CategoryId::new(9810).expect("id"),
        )
        .await
        .expect("category");
    assert_eq!(
        values.get("Source Request"),
        Some(&campaign_id.as_str().into())
    );
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_eq!(row_text(&coc, "Status"), "accepted", "{coc:?}");
    let until = (today + time::Duration::days(365)).midnight();
    assert_eq!(
        coc.get("Valid Until"),
        Some(&gridlink_xecm::AttributeValue::Date(until))
    );
    assert_eq!(
        onboarding_messages(&world, BRIGHTWIRE).await.len(),
        1,
        "no message on success"
    );
}

/// recall-campaign subscribes to `campaign.response_received` too: an answer to one of its
/// recall campaigns (external reference `gridlink-recall:…`), or to a campaign nobody here
/// made, reaching supplier-onboarding is acknowledged and settled as ignored — the
/// supplier's standing unchanged, nothing filed, no message, nothing dead-lettered.
async fn a_recall_campaign_answer_is_acknowledged_and_changes_nothing(stack: Stack) {
    use gridlink_tgrid::Campaigns as _;
    use gridlink_tgrid::model::{
        CampaignKind, ExternalRef, FieldType, FormField, NewCampaign, ResponseForm,
    };
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    let standing = format!("/supplier-onboarding/suppliers/{}", world.brightwire);
    let (status, before) = operator_get(&world, &standing).await;
    assert_eq!(status, 200, "{before}");
    let others = [
        (
            CampaignKind::RecallNotice,
            Some(ExternalRef::new(
                "gridlink-recall",
                format!("RC-2026-0007/v1/{BRIGHTWIRE}"),
            )),
        ),
        (CampaignKind::Onboarding, None),
    ];
    for (n, (kind, external_ref)) in others.into_iter().enumerate() {
        let new = NewCampaign {
            kind,
            title: "Not supplier-onboarding's".into(),
            message: "Please acknowledge.".into(),
            partner_ids: vec![gridlink_tgrid::PartnerId::new(BRIGHTWIRE)],
            attachment_ids: Vec::new(),
            response_form: Some(ResponseForm {
                fields: vec![FormField {
                    name: "acknowledged".into(),
                    label: "We received it".into(),
                    field_type: FieldType::Boolean,
                    required: true,
                }],
            }),
            due_at: None,
            external_ref,
        };
        let campaign = world
            .tg
            .start_campaign(
                &gridlink_tgrid::IdempotencyKey::derive("test-foreign-campaign", &n.to_string()),
                &new,
            )
            .await
            .expect("TG starts the campaign");
        gridlink_tgrid_sim::controls::SimControls::new(world.tg_base.clone())
            .answer_campaign(
                BRIGHTWIRE,
                campaign.campaign_id.as_str(),
                "respond",
                &json!({"acknowledged": true}),
                &[],
            )
            .await
            .expect("the partner answers");
        let event = response_event(&world, BRIGHTWIRE).await;
        assert_eq!(
            event.campaign_response().map(|r| r.campaign_id),
            Some(campaign.campaign_id.clone())
        );
        let answer = deliver(&world, &event).await;
        assert_eq!(answer["duplicate"], false, "{answer}");
        let item = gridlink_tests::kit::tg_inbox_item(&world.function, &event).await;
        assert_eq!(item.status(), "done", "{n}: settled: {:?}", item.history());
        let outcome = item.outcome().cloned().unwrap_or_default();
        assert!(
            outcome["ignored"]
                .as_str()
                .is_some_and(|why| why.contains("not an attestation campaign")),
            "{n}: {outcome}"
        );
    }
    assert_eq!(
        operator_get(&world, &standing).await,
        (200, before),
        "the standing is unchanged"
    );
    assert!(certificates(&world, world.brightwire).await.is_empty());
    assert!(onboarding_messages(&world, BRIGHTWIRE).await.is_empty());
    let dead = world
        .function
        .platform()
        .inbox
        .dead_letters(100)
        .await
        .expect("dead letters");
    assert!(dead.is_empty(), "nothing dead-lettered: {dead:?}");
}

/// The attestation answer reaches the function the way it does on the local stack and in a
/// deployment: TG delivers it to the webhook subscribed for the event types the manifest
/// declares for supplier-onboarding — and it is filed.
async fn an_attestation_answer_arriving_by_webhook_is_filed(stack: Stack) {
    let today = {
        use gridlink_core::clock::Clock as _;
        stack.clock.as_ref().expect("manual clock").now().date()
    };
    let world = world_configured(stack, None, |c| {
        c.attestation_day = Some((u8::from(today.month()), today.day()));
    })
    .await;
    onboard_brightwire(&world).await;
    matrix_version(&world, 2, &["code_of_conduct"]).await;
    poll(&world).await;
    let swept = sweep(&world).await;
    assert!(swept["attestation"]["campaign_id"].is_string(), "{swept}");
    let served = gridlink_flow::Function::new(
        world.function.platform().clone(),
        world.function.usecase().clone(),
    );
    gridlink_tests::kit::subscribe_as_declared(&world.tg, std::sync::Arc::new(served)).await;
    answer_attestation(
        &world,
        BRIGHTWIRE,
        json!({"attested": true, "signature_date": today.to_string()}),
        Some(PDF),
    )
    .await;
    // TG delivers in the background: wait for the handler to have finished
    let mut coc = gridlink_xecm::NamedAttributes::new();
    for _ in 0..150 {
        coc = row_of(
            &requirement_rows(&world, world.brightwire).await,
            "code_of_conduct",
        );
        if row_text(&coc, "Status") == "accepted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        row_text(&coc, "Status"),
        "accepted",
        "delivered by TG: {coc:?}"
    );
    let filed = documents_in(&world, world.brightwire, "Certificates/Attestations").await;
    assert_eq!(filed.len(), 1, "filed once: {filed:?}");
}

/// TG gave up redelivering Brightwire's W-9 submission (no webhook ever arrives): the
/// `poll-xecm` schedule takes it from TG's event feed under its own event id, and it is
/// validated and filed exactly as the webhook would have it; the next firing takes nothing,
/// and the webhook arriving at last is the same inbox item.
async fn the_poll_takes_a_submission_no_webhook_delivered_from_the_event_feed(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    let (request, item, _) = request_item(&world, BRIGHTWIRE, world.brightwire, "w9").await;
    let status = submit(
        &world,
        BRIGHTWIRE,
        &request,
        &item,
        PDF,
        "w9.pdf",
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    assert!(status.is_success(), "the partner submits: {status}");
    assert!(
        certificates(&world, world.brightwire).await.is_empty(),
        "no webhook: nothing filed yet"
    );

    let run = poll(&world).await;
    assert_eq!(run["events"]["taken"], 1, "the submission only: {run}");
    assert_eq!(run["events"]["already_delivered"], 0, "{run}");
    assert_eq!(tg_item(&world, &request, &item).await["status"], "accepted");
    let filed = certificates(&world, world.brightwire).await;
    assert_eq!(filed.len(), 1, "filed once: {filed:?}");

    let again = poll(&world).await;
    assert_eq!(again["events"]["taken"], 0, "{again}");
    let event = submitted_event(&world, &item).await;
    let late = deliver(&world, &event).await;
    assert_eq!(late["duplicate"], true, "the same inbox item: {late}");
    assert_eq!(
        certificates(&world, world.brightwire).await.len(),
        1,
        "not filed twice"
    );
}

/// The history entries of a supplier's standing with `event`.
async fn history_of(world: &World, event: &str) -> Vec<serde_json::Value> {
    let (status, body) = operator_get(
        world,
        &format!("/supplier-onboarding/suppliers/{}", world.brightwire),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let record: serde_json::Value = serde_json::from_str(&body).expect("json");
    record["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["event"] == event)
        .cloned()
        .collect()
}

/// A change of legal name supersedes the open request: the new request asks for the tax
/// form and what the old one still asked; the old one is cancelled in TG once; a submission
/// made to it before the change is not filed, and TG refuses new ones.
async fn a_superseded_request_is_cancelled_once_and_its_late_submission_never_filed(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    let (old_request, old_w9, _) = request_item(&world, BRIGHTWIRE, world.brightwire, "w9").await;
    let (_, old_insurance, _) = request_item(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
    )
    .await;
    // the supplier answers the old request, but the event is only delivered later
    assert!(
        submit(
            &world,
            BRIGHTWIRE,
            &old_request,
            &old_w9,
            PDF,
            "w9.pdf",
            (None, None),
            w9_fields(W9_OK)
        )
        .await
        .is_success()
    );
    let late = submitted_event(&world, &old_w9).await;
    let mut renamed = gridlink_xecm::NamedAttributes::new();
    renamed.insert(
        "Legal Name".into(),
        gridlink_xecm::AttributeValue::Text("Brightwire Power, Inc.".into()),
    );
    world
        .xecm
        .write_attributes(
            world.brightwire,
            gridlink_xecm::CategoryId::new(9001).expect("id"),
            &renamed,
        )
        .await
        .expect("the legal name changes");
    assert_eq!(push(&world, world.brightwire, 1).await, 202);
    let old = world
        .tg
        .document_request(&gridlink_tgrid::RequestId::new(&old_request))
        .await
        .expect("the old request");
    assert_eq!(
        old.status,
        gridlink_tgrid::model::RequestStatus::Cancelled,
        "{old:?}"
    );
    let (new_request, _, _) = request_item(&world, BRIGHTWIRE, world.brightwire, "w9").await;
    assert_ne!(new_request, old_request);
    let (also, _, _) = request_item(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
    )
    .await;
    assert_eq!(also, new_request, "the certificate is asked again with it");
    // replays: another push, a poll — nothing asked or cancelled twice
    assert_eq!(push(&world, world.brightwire, 2).await, 202);
    poll(&world).await;
    assert_eq!(partner_requests(&world, BRIGHTWIRE).await.len(), 2);
    let cancelled = history_of(&world, "superseded request cancelled").await;
    assert_eq!(cancelled.len(), 1, "cancelled once: {cancelled:?}");
    assert!(
        cancelled[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&old_request)),
        "{cancelled:?}"
    );
    // the late submission to the cancelled request: ignored, nothing filed
    deliver(&world, &late).await;
    let item = gridlink_tests::kit::tg_inbox_item(&world.function, &late).await;
    assert_eq!(item.status(), "done", "{:?}", item.history());
    assert!(
        item.outcome()
            .and_then(|o| o["ignored"].as_str())
            .is_some_and(|why| why.contains("superseded")),
        "{:?}",
        item.outcome()
    );
    assert!(certificates(&world, world.brightwire).await.is_empty());
    let rows = requirement_rows(&world, world.brightwire).await;
    let w9 = row_of(&rows, "w9");
    assert_eq!(row_text(&w9, "Status"), "requested", "{w9:?}");
    assert_eq!(row_text(&w9, "TG Request"), new_request);
    // TG refuses a submission to the cancelled request
    let refused = submit(
        &world,
        BRIGHTWIRE,
        &old_request,
        &old_insurance,
        PDF,
        "insurance.pdf",
        (Some("2026-01-01"), Some("2027-12-31")),
        insurance_fields(),
    )
    .await;
    assert_eq!(refused, reqwest::StatusCode::CONFLICT);
    // the new request is answered under the new name and filed
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        json!({"tax_id": W9_OK, "legal_name": "Brightwire Power, Inc.", "form_revision": "2024-03"}),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    assert_eq!(
        documents_in(&world, world.brightwire, "Certificates/Tax Forms")
            .await
            .len(),
        1
    );
}

/// Suppliers are swept in workspace-id order: ACME (its workspace deleted, so projecting it
/// fails) comes before Brightwire, and Brightwire still gets its renewal request; the run
/// reports ACME's failure at the end.
async fn one_suppliers_failure_does_not_stop_the_sweep_for_the_others(stack: Stack) {
    let world = world(stack).await;
    let acme = supplier_numbered(&world.xecm, "0000100042").await;
    assert!(acme < world.brightwire, "ACME is swept first");
    let until = (world.clock.now().date() + time::Duration::days(59)).to_string();
    // ACME's insurance certificate on file before gridlink, 59 days out
    buyer_sets(
        &world,
        acme,
        "insurance_certificate",
        &[("Valid Until", until.as_str())],
    )
    .await;
    onboard_brightwire(&world).await;
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        insurance_fields(),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    let before = partner_requests(&world, BRIGHTWIRE).await.len();
    gridlink_tests::kit::delete_node(&world.stack, acme).await;
    let swept = fire(&world, "supplier-onboarding-renewals").await;
    let requests = partner_requests(&world, BRIGHTWIRE).await;
    assert_eq!(
        requests.len(),
        before + 1,
        "Brightwire's renewal request: {requests:?}"
    );
    let error = format!("{:?}", swept.expect_err("ACME's failure is reported"));
    assert!(error.contains(&format!("workspace {acme}")), "{error}");
    let (_, _, renewal) = request_item(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
    )
    .await;
    assert_eq!(renewal["status"], "pending", "{renewal}");
    let ins = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "insurance_certificate",
    );
    assert_eq!(row_text(&ins, "Status"), "renewal requested", "{ins:?}");
}

/// The buyer accepts submission A on the row; before the next projection the supplier
/// resubmits B to the same item (TG allows it while the item is `submitted`). The decision
/// was made on A: it is not applied to B — B stays in review, nothing is accepted in TG, and
/// the history says the decision was superseded. A decision made on B's row then applies.
async fn a_buyer_decision_is_never_applied_to_a_newer_submission(stack: Stack) {
    let world = world(stack).await;
    let (request, item) = code_of_conduct_in_review(&world).await;
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[("Status", "accepted"), ("Reviewer", "j.buyer")],
    )
    .await;
    world.clock.advance(Duration::from_secs(60));
    let b = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "code_of_conduct",
        RENEWED,
        (Some("2026-12-02"), None),
        json!({}),
    )
    .await;
    assert_eq!(b["status"], "submitted", "nothing accepted in TG: {b}");
    let tg = tg_item(&world, &request, &item).await;
    assert_eq!(tg["status"], "submitted", "{tg}");
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_eq!(row_text(&coc, "Status"), "in review", "{coc:?}");
    assert_eq!(row_text(&coc, "Reviewer"), "", "{coc:?}");
    let superseded = history_of(&world, "buyer decision superseded").await;
    assert_eq!(superseded.len(), 1, "{superseded:?}");
    assert!(
        superseded[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("j.buyer")),
        "{superseded:?}"
    );
    assert!(history_of(&world, "accepted by buyer").await.is_empty());
    // a push and a poll change nothing: the row shows B in review
    assert_eq!(push(&world, world.brightwire, 7).await, 202);
    poll(&world).await;
    assert_eq!(
        tg_item(&world, &request, &item).await["status"],
        "submitted"
    );
    // the buyer decides on B's row: applied
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[("Status", "accepted"), ("Reviewer", "j.buyer")],
    )
    .await;
    assert_eq!(push(&world, world.brightwire, 8).await, 202);
    let tg = tg_item(&world, &request, &item).await;
    assert_eq!(tg["status"], "accepted", "{tg}");
    let filed = documents_in(&world, world.brightwire, "Certificates/Attestations").await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(
        content(&world, filed[0].1).await,
        RENEWED,
        "B is what was accepted"
    );
}

/// An expired insurance certificate whose renewal is rejected by the checks stays expired:
/// the supplier is still `incomplete`, the row still `expired`.
async fn a_rejected_renewal_of_an_expired_document_leaves_it_expired(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    let until = (world.clock.now().date() + time::Duration::days(10)).to_string();
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        insurance_fields(),
    )
    .await;
    sweep(&world).await;
    world.clock.advance(Duration::from_secs(11 * 86_400));
    sweep(&world).await;
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "incomplete"
    );
    let next = (world.clock.now().date() + time::Duration::days(365)).to_string();
    let mut fields = insurance_fields();
    fields["general_liability_each_occurrence"] = json!(1000);
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        RENEWED,
        (Some("2027-01-01"), Some(next.as_str())),
        fields,
    )
    .await;
    assert_eq!(item["status"], "rejected", "{item}");
    let ins = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "insurance_certificate",
    );
    assert_eq!(row_text(&ins, "Status"), "expired", "{ins:?}");
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "incomplete"
    );
}

/// An ISO 9001 renewal waiting for a buyer when the current certificate passes its `valid
/// until`: the supplier is `incomplete` (the row still `in review`, so the buyer can decide),
/// until the buyer accepts the renewal.
async fn an_expiry_during_a_renewals_review_is_marked(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    matrix_version(&world, 2, &["iso9001"]).await;
    poll(&world).await;
    let until = (world.clock.now().date() + time::Duration::days(10)).to_string();
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "iso9001",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        json!({}),
    )
    .await;
    assert_eq!(item["status"], "submitted", "in review: {item}");
    buyer_sets(
        &world,
        world.brightwire,
        "iso9001",
        &[("Status", "accepted"), ("Reviewer", "j.buyer")],
    )
    .await;
    push(&world, world.brightwire, 1).await;
    let iso = row_of(&requirement_rows(&world, world.brightwire).await, "iso9001");
    assert_eq!(row_text(&iso, "Status"), "accepted", "{iso:?}");
    // 10 days left: the renewal is asked for; the supplier sends it, a buyer must review it
    sweep(&world).await;
    let next = (world.clock.now().date() + time::Duration::days(375)).to_string();
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "iso9001",
        RENEWED,
        (Some(until.as_str()), Some(next.as_str())),
        json!({}),
    )
    .await;
    assert_eq!(item["status"], "submitted", "{item}");
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "requested"
    );
    // the old certificate passes its validity while the renewal waits
    world.clock.advance(Duration::from_secs(11 * 86_400));
    let swept = sweep(&world).await;
    assert!(
        swept["renewals"]
            .as_array()
            .expect("list")
            .iter()
            .any(|s| s["kind"] == "iso9001" && s["action"] == "expired"),
        "{swept}"
    );
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "incomplete"
    );
    let iso = row_of(&requirement_rows(&world, world.brightwire).await, "iso9001");
    assert_eq!(row_text(&iso, "Status"), "in review", "{iso:?}");
    assert!(
        history_of(&world, "expired")
            .await
            .iter()
            .any(|h| h["kind"] == "iso9001"),
        "the expiry is in the history"
    );
    sweep(&world).await;
    assert_eq!(history_of(&world, "expired").await.len(), 1, "marked once");
    // the buyer accepts the renewal: current again
    buyer_sets(
        &world,
        world.brightwire,
        "iso9001",
        &[("Status", "accepted"), ("Reviewer", "j.buyer")],
    )
    .await;
    push(&world, world.brightwire, 2).await;
    let iso = row_of(&requirement_rows(&world, world.brightwire).await, "iso9001");
    assert_eq!(row_text(&iso, "Status"), "accepted", "{iso:?}");
    assert_eq!(
        onboarding_status(&world, world.brightwire).await,
        "requested"
    );
}

/// A new matrix version re-evaluates every tracked supplier: ACME (swept first, its
/// workspace deleted) fails and is listed as failed; Brightwire after it is still asked for
/// the newly required kind, and the poll goes on.
async fn a_new_matrix_version_reaches_every_supplier_past_one_that_fails(stack: Stack) {
    let world = world(stack).await;
    let acme = supplier_numbered(&world.xecm, "0000100042").await;
    assert!(acme < world.brightwire, "ACME is re-evaluated first");
    onboard_brightwire(&world).await;
    // Brightwire is re-evaluated for the matrix alone, not as a changed workspace
    poll(&world).await;
    world.clock.advance(Duration::from_secs(3600));
    poll(&world).await;
    let before = partner_requests(&world, BRIGHTWIRE).await.len();
    gridlink_tests::kit::delete_node(&world.stack, acme).await;
    matrix_version(&world, 2, &["code_of_conduct"]).await;
    let polled = fire(&world, "supplier-onboarding-poll-xecm").await;
    assert_eq!(
        partner_requests(&world, BRIGHTWIRE).await.len(),
        before + 1,
        "Brightwire is asked for the code of conduct"
    );
    let polled = polled.expect("the poll goes on past ACME");
    let bright = polled["polled"]["synced"]
        .as_array()
        .expect("synced")
        .iter()
        .find(|s| s["workspace_id"] == world.brightwire.get())
        .cloned()
        .unwrap_or_else(|| panic!("re-evaluated: {polled}"));
    assert_eq!(bright["requested"], json!(["code_of_conduct"]), "{bright}");
    assert!(
        polled["polled"]["failed"]
            .as_array()
            .expect("failed")
            .iter()
            .any(|f| f["workspace_id"] == acme.get()),
        "{polled}"
    );
}

/// The supplier's partner in TG, as `Trading Partner ID` names it.
async fn set_trading_partner(world: &World, partner: &str) {
    let mut values = gridlink_xecm::NamedAttributes::new();
    values.insert(
        "Trading Partner ID".into(),
        gridlink_xecm::AttributeValue::Text(partner.into()),
    );
    world
        .xecm
        .write_attributes(
            world.brightwire,
            gridlink_xecm::CategoryId::new(9001).expect("id"),
            &values,
        )
        .await
        .expect("the partner mapping is written");
}

/// The requests a partner holds for Brightwire's workspace.
async fn brightwire_requests_of(world: &World, partner: &str) -> Vec<serde_json::Value> {
    let workspace = world.brightwire.to_string();
    partner_requests(world, partner)
        .await
        .into_iter()
        .filter(|r| r["external_ref"]["id"].as_str() == Some(workspace.as_str()))
        .collect()
}

/// Brightwire is first mapped to the wrong partner (Umbrella), asked there and reminded
/// there until overdue; an operator corrects `Trading Partner ID` to Brightwire's own
/// partner. From then on nothing about Brightwire reaches Umbrella: its requests are
/// cancelled, its thread gets no reminder and no escalation (which names Brightwire's
/// compliance contact), and Brightwire is asked and chased in a thread of its own.
async fn a_corrected_partner_mapping_withdraws_everything_from_the_former_partner(stack: Stack) {
    const WRONG: &str = "prt_umbrella";
    let world = world(stack).await;
    set_trading_partner(&world, WRONG).await;
    poll(&world).await;
    let wrong = brightwire_requests_of(&world, WRONG).await;
    assert_eq!(wrong.len(), 1, "asked of the mapped partner: {wrong:?}");
    let wrong_request = wrong[0]["request_id"].as_str().expect("id").to_owned();
    world.clock.advance(Duration::from_secs(31 * 86_400));
    let swept = sweep(&world).await;
    assert_eq!(brightwire_reminders(&world, &swept).len(), 2, "{swept}");
    let before = onboarding_messages(&world, WRONG).await;
    assert_eq!(
        before.len(),
        2,
        "overdue in the wrong partner's thread: {before:?}"
    );

    set_trading_partner(&world, "ZZ:BRIGHTWIRE").await;
    assert_eq!(push(&world, world.brightwire, 1).await, 202);
    let old = world
        .tg
        .document_request(&gridlink_tgrid::RequestId::new(&wrong_request))
        .await
        .expect("the former partner's request");
    assert_eq!(
        old.status,
        gridlink_tgrid::model::RequestStatus::Cancelled,
        "withdrawn from the former partner: {old:?}"
    );
    let own = brightwire_requests_of(&world, BRIGHTWIRE).await;
    assert_eq!(own.len(), 1, "asked of the corrected partner: {own:?}");
    assert_eq!(own[0]["status"], "open", "{own:?}");
    let mut kinds: Vec<&str> = own[0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["insurance_certificate", "w9"]);
    let changed = history_of(&world, "partner changed").await;
    assert_eq!(changed.len(), 1, "{changed:?}");

    // past the new deadline, three weekly reminders and the escalation
    world.clock.advance(Duration::from_secs(31 * 86_400));
    let mut escalated = 0;
    for _ in 0..5 {
        let swept = sweep(&world).await;
        escalated += brightwire_reminders(&world, &swept)
            .iter()
            .filter(|r| r["action"] == "escalation")
            .count();
        world.clock.advance(Duration::from_secs(7 * 86_400));
    }
    assert_eq!(escalated, 2, "one escalation per kind");
    let after = onboarding_messages(&world, WRONG).await;
    assert_eq!(
        after, before,
        "nothing more about Brightwire in the former partner's thread"
    );
    let mine = onboarding_messages(&world, BRIGHTWIRE).await;
    assert_eq!(
        mine.len(),
        8,
        "reminded and escalated in its own thread: {mine:?}"
    );
    assert!(
        mine.iter()
            .all(|m| m["structured"]["request_id"] == own[0]["request_id"]),
        "about the corrected partner's request: {mine:?}"
    );
    assert!(
        mine.last().expect("a message")["body"]
            .as_str()
            .is_some_and(|b| b.contains("compliance@brightwire.example")),
        "{mine:?}"
    );
    // the former partner's request stays withdrawn, and it is never asked again
    assert_eq!(brightwire_requests_of(&world, WRONG).await.len(), 1);
    assert_eq!(brightwire_requests_of(&world, BRIGHTWIRE).await.len(), 1);
}

/// A matrix change plans a cycle for the code of conduct, but TG answers 503 to its request;
/// 60 days before the certificate expires, the renewal comes due while that cycle is still
/// planned. The sweep makes the planned cycle and then asks for the renewal: nothing is
/// dropped, and the renewal is asked in a request of its own, not pointed at the old item.
async fn a_renewal_due_while_another_cycle_is_planned_is_still_requested(stack: Stack) {
    let world = world(stack).await;
    onboard_brightwire(&world).await;
    submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "w9",
        PDF,
        (None, None),
        w9_fields(W9_OK),
    )
    .await;
    let until = (world.clock.now().date() + time::Duration::days(90)).to_string();
    let item = submit_and_deliver(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
        PDF,
        (Some("2026-01-01"), Some(until.as_str())),
        insurance_fields(),
    )
    .await;
    assert_eq!(item["status"], "accepted", "{item}");
    let (first_request, first_item, _) = request_item(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
    )
    .await;
    let controls = gridlink_tgrid_sim::controls::SimControls::new(world.tg_base.clone());
    controls
        .set_faults(&gridlink_tgrid_sim::Faults {
            unavailable: 50,
            retry_after_secs: Some(0),
            only: Some("POST /v1/document_requests".into()),
            ..gridlink_tgrid_sim::Faults::default()
        })
        .await
        .expect("faults set");
    matrix_version(&world, 2, &["code_of_conduct"]).await;
    // Brightwire's workspace changes: the new matrix applies and a code-of-conduct cycle is
    // planned, but TG is unavailable, so it stays planned
    assert_eq!(push(&world, world.brightwire, 1).await, 202);
    let (status, record) = operator_get(
        &world,
        &format!("/supplier-onboarding/suppliers/{}", world.brightwire),
    )
    .await;
    assert_eq!(status, 200, "{record}");
    assert!(record.contains("\"matrix_version\": 2"), "{record}");
    assert_eq!(
        partner_requests(&world, BRIGHTWIRE).await.len(),
        1,
        "nothing requested while TG answers 503"
    );
    controls
        .set_faults(&gridlink_tgrid_sim::Faults::default())
        .await
        .expect("faults cleared");
    // 60 days before `valid until`: the renewal request is due
    world.clock.advance(Duration::from_secs(30 * 86_400));
    let swept = sweep(&world).await;
    assert!(
        swept["renewals"]
            .as_array()
            .expect("renewals")
            .iter()
            .any(|r| r["kind"] == "insurance_certificate" && r["action"] == "renewal request"),
        "{swept}"
    );
    let (request, renewal_item, item) = request_item(
        &world,
        BRIGHTWIRE,
        world.brightwire,
        "insurance_certificate",
    )
    .await;
    assert_ne!(
        (request.as_str(), renewal_item.as_str()),
        (first_request.as_str(), first_item.as_str()),
        "the renewal is asked in a TG item of its own"
    );
    assert_eq!(item["status"], "pending", "{item}");
    assert!(
        item["description"]
            .as_str()
            .is_some_and(|d| d.contains("renewal")),
        "{item}"
    );
    let (coc_request, _, _) =
        request_item(&world, BRIGHTWIRE, world.brightwire, "code_of_conduct").await;
    assert_ne!(coc_request, first_request, "the planned cycle was made too");
    let rows = requirement_rows(&world, world.brightwire).await;
    let insurance = row_of(&rows, "insurance_certificate");
    assert_eq!(
        row_text(&insurance, "Status"),
        "renewal requested",
        "{insurance:?}"
    );
    assert_eq!(row_text(&insurance, "TG Request"), request);
    assert_eq!(
        row_text(&row_of(&rows, "code_of_conduct"), "Status"),
        "requested"
    );
}

/// Files matrix `version`: the built-in one, with services suppliers asked for the kinds in
/// `for_services` too.
async fn matrix_version(world: &World, version: u32, for_services: &[&str]) {
    let enterprise = NodeId::new(2000).expect("id");
    let matrix = world
        .xecm
        .node_at_path(
            enterprise,
            "gridlink/Supplier Onboarding/Requirement Matrix.json",
        )
        .await
        .expect("path")
        .expect("filed");
    let mut builtin = supplier_onboarding::matrix::Matrix::builtin();
    builtin.version = version;
    for r in &mut builtin.requirements {
        if for_services.contains(&r.kind.as_str()) {
            r.supplier_classes.push("services".into());
        }
    }
    world
        .xecm
        .add_document_version(
            matrix.id,
            &NewVersion {
                file_name: "Requirement Matrix.json".into(),
                description: format!("version {version}: services asked for {for_services:?} too"),
                ..NewVersion::default()
            },
            &BytesSource(builtin.to_json().into()),
        )
        .await
        .expect("new matrix version");
}

/// The code of conduct waits for a buyer's review when a new matrix stops requiring it: its
/// request is withdrawn and it no longer reads `in review`; a buyer accepting the row
/// afterwards does not break the supplier's sync; required again, it is asked afresh.
async fn a_kind_in_review_dropped_by_the_matrix_is_settled_and_asked_again_when_required(
    stack: Stack,
) {
    let world = world(stack).await;
    let (old_request, old_item) = code_of_conduct_in_review(&world).await;
    matrix_version(&world, 3, &[]).await;
    let polled = poll(&world).await;
    assert!(
        polled["polled"]["failed"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{polled}"
    );
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_ne!(row_text(&coc, "Status"), "in review", "{coc:?}");
    let old = world
        .tg
        .document_request(&gridlink_tgrid::RequestId::new(&old_request))
        .await
        .expect("the old request");
    assert_eq!(
        old.status,
        gridlink_tgrid::model::RequestStatus::Cancelled,
        "{old:?}"
    );
    // a buyer accepts the row anyway: nothing to decide, the supplier still syncs
    buyer_sets(
        &world,
        world.brightwire,
        "code_of_conduct",
        &[("Status", "accepted"), ("Reviewer", "j.buyer")],
    )
    .await;
    assert_eq!(push(&world, world.brightwire, 1).await, 202);
    let polled = poll(&world).await;
    assert!(
        polled["polled"]["failed"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{polled}"
    );
    let synced = world
        .function
        .usecase()
        .sync_supplier(world.brightwire)
        .await
        .expect("the supplier still syncs");
    assert_eq!(synced.status.as_deref(), Some("requested"), "{synced:?}");
    assert_eq!(
        tg_item(&world, &old_request, &old_item).await["status"],
        "submitted",
        "nothing decided on the withdrawn request"
    );
    // required again: asked for in a new request
    matrix_version(&world, 4, &["code_of_conduct"]).await;
    let polled = poll(&world).await;
    let bright = polled["polled"]["synced"]
        .as_array()
        .expect("synced")
        .iter()
        .find(|s| s["workspace_id"] == world.brightwire.get())
        .cloned()
        .unwrap_or_else(|| panic!("re-evaluated: {polled}"));
    assert_eq!(bright["requested"], json!(["code_of_conduct"]), "{bright}");
    let (request, _, item) =
        request_item(&world, BRIGHTWIRE, world.brightwire, "code_of_conduct").await;
    assert_ne!(request, old_request);
    assert_eq!(item["status"], "pending", "{item}");
    let coc = row_of(
        &requirement_rows(&world, world.brightwire).await,
        "code_of_conduct",
    );
    assert_eq!(row_text(&coc, "Status"), "requested", "{coc:?}");
    assert_eq!(row_text(&coc, "TG Request"), request);
}

on_both_stacks!(with stack_on;
    a_kind_in_review_dropped_by_the_matrix_is_settled_and_asked_again_when_required,
    a_renewal_due_while_another_cycle_is_planned_is_still_requested,
    a_corrected_partner_mapping_withdraws_everything_from_the_former_partner,
    a_new_matrix_version_reaches_every_supplier_past_one_that_fails,
    a_rejected_renewal_of_an_expired_document_leaves_it_expired,
    an_expiry_during_a_renewals_review_is_marked,
    a_buyer_decision_is_never_applied_to_a_newer_submission,
    one_suppliers_failure_does_not_stop_the_sweep_for_the_others,
    the_poll_takes_a_submission_no_webhook_delivered_from_the_event_feed,
    a_superseded_request_is_cancelled_once_and_its_late_submission_never_filed,
    a_recall_campaign_answer_is_acknowledged_and_changes_nothing,
    an_attestation_answer_arriving_by_webhook_is_filed,
    the_annual_attestation_is_one_campaign_validated_and_filed,
    a_buyer_accepts_in_xecm_what_the_checks_could_not_decide,
    a_buyer_rejects_with_a_reason_the_supplier_reads_and_waives_by_name,
    overdue_requests_are_reminded_weekly_in_the_thread_then_escalated,
    a_new_us_supplier_is_onboarded_through_a_rejection,
    a_supplier_without_a_tg_partner_is_parked_with_the_reason,
    partners_are_isolated,
    a_renewal_is_requested_once_and_becomes_a_new_version,
    past_expiry_the_supplier_is_incomplete,
    a_new_matrix_version_applies_mid_cycle,
);

/// A crash right after each effect, before its confirmation: the re-run leaves exactly one
/// request, one review, one document.
async fn a_crash_after_every_effect_leaves_one_of_everything(storage: Storage) {
    for kind in [
        "xecm-matrix",
        "tg-document-request",
        "xecm-compliance-record",
        "tg-item-review",
        "xecm-compliance-document",
    ] {
        let world = world_crashing_after(stack_on(storage).await, Some(kind)).await;
        let first = fire(&world, "supplier-onboarding-poll-xecm").await;
        if matches!(
            kind,
            "xecm-matrix" | "tg-document-request" | "xecm-compliance-record"
        ) {
            assert!(first.is_err(), "{kind}: the crash fails the first poll");
        }
        world.stack.ledger_clock.advance(Duration::from_secs(3600));
        if first.is_err() {
            poll(&world).await;
        }
        poll(&world).await;
        assert_eq!(
            partner_requests(&world, BRIGHTWIRE).await.len(),
            1,
            "{kind}: one request"
        );
        let (request, item, _) = request_item(&world, BRIGHTWIRE, world.brightwire, "w9").await;
        assert!(
            submit(
                &world,
                BRIGHTWIRE,
                &request,
                &item,
                PDF,
                "w9.pdf",
                (None, None),
                w9_fields(W9_OK)
            )
            .await
            .is_success()
        );
        let event = submitted_event(&world, &item).await;
        deliver(&world, &event).await;
        world.stack.ledger_clock.advance(Duration::from_secs(7200));
        poll(&world).await;
        deliver(&world, &event).await;
        assert_eq!(
            tg_item(&world, &request, &item).await["status"],
            "accepted",
            "{kind}"
        );
        let filed = documents_in(&world, world.brightwire, "Certificates/Tax Forms").await;
        assert_eq!(filed.len(), 1, "{kind}: one document {filed:?}");
        assert_eq!(versions(&world, filed[0].1).await, 1, "{kind}");
        let record = documents_in(&world, world.brightwire, "Compliance").await;
        assert_eq!(
            record.len(),
            3,
            "{kind}: one json, one html, one ics {record:?}"
        );
        let rows = requirement_rows(&world, world.brightwire).await;
        let w9 = rows
            .iter()
            .find(|r| row_text(r, "Kind") == "w9")
            .expect("row");
        assert_eq!(row_text(w9, "Status"), "accepted", "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_every_effect_leaves_one_of_everything_embedded() {
    a_crash_after_every_effect_leaves_one_of_everything(Storage::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_every_effect_leaves_one_of_everything_aws() {
    a_crash_after_every_effect_leaves_one_of_everything(Storage::Moto).await;
}
