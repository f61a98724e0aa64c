//! The unmatched queue end to end, on embedded storage and on S3 + DynamoDB (moto), against
//! the xECM and Trading Grid simulators: an operator assigns a parked document (it is filed
//! and the correlation learns the sender's reference), bad assignments are refused, and the
//! retry schedule files what now matches and leaves the rest open.

mod common;

use common::{World, acme_855, initech, world, world_with};
use gridlink_tests::stack::Stack;
use gridlink_xecm::{
    AttributeValue, BusinessObject, CategoryId, NamedAttributes, WorkspaceSpec, WorkspaceTypeId,
    Workspaces,
};
use serde_json::Value;

/// Delivers `payload` from `partner` and returns the id of the unmatched item it became.
async fn parked(world: &World, partner: &str, payload: Vec<u8>) -> String {
    let request = world.partner_sends(partner, payload).await;
    let record = world.deliver(request).await;
    record["outcome"]["documents"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked as unmatched: {record}"))
        .to_owned()
}

async fn assigning_an_unmatched_item_files_it_and_teaches_the_correlation(stack: Stack) {
    let world = world(stack);
    // Initech quotes its own reference "PO-77" for Nordic's order 4500001235: no workspace.
    let item_id = parked(
        &world,
        "prt_initech",
        initech("edifact/ordrsp_order_ack.edi", "PO-77"),
    )
    .await;
    let item = world.item(&item_id).await;
    assert_eq!(
        item["details"]["reason"]["reason"], "no_workspace",
        "{item}"
    );
    let acks_before = world.partner_inbox("prt_initech").await.len();
    assert_eq!(acks_before, 1, "the CONTRL went out at arrival");

    let (status, closed) = world
        .assign(&item_id, r#"{"po_number":"4500001235"}"#)
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "assigned");
    assert_eq!(closed["details"]["outcome"]["by"], "operator");
    let filed = &closed["details"]["outcome"]["filed"];
    assert_eq!(filed["po_number"], "4500001235", "{closed}");
    assert_eq!(filed["taught"]["reference"], "PO-77", "{closed}");
    let workspace = world.workspace("4500001235").await;
    let confirmations = world.documents_in(workspace.id, "Confirmations").await;
    assert_eq!(confirmations.len(), 1, "{confirmations:?}");
    assert_eq!(
        filed["document_id"].as_i64(),
        Some(confirmations[0].id.get())
    );
    assert!(world.open_items().await.is_empty(), "the queue is empty");
    assert_eq!(
        world.partner_inbox("prt_initech").await.len(),
        acks_before,
        "no second acknowledgment for an assignment"
    );

    // The next document from Initech quoting PO-77 goes there without an operator.
    let request = world
        .partner_sends(
            "prt_initech",
            initech("edifact/desadv_ship_notice.edi", "PO-77"),
        )
        .await;
    let record = world.deliver(request).await;
    let filed = &record["outcome"]["documents"][0];
    assert_eq!(
        filed["workspace_id"].as_i64(),
        Some(workspace.id.get()),
        "{record}"
    );
    assert_eq!(
        world
            .documents_in(workspace.id, "Delivery Notes")
            .await
            .len(),
        1
    );

    // Partner isolation: Acme quoting the same "PO-77" is not routed by Initech's lesson.
    let acme_item = parked(&world, "prt_acme", acme_855("PO-77")).await;
    assert_eq!(
        world.item(&acme_item).await["details"]["reason"]["reason"],
        "no_workspace"
    );
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1,
        "nothing of Acme's in Nordic's order"
    );
}

async fn an_unmatched_item_s_document_is_shown_as_it_arrived(stack: Stack) {
    let world = world(stack);
    let payload = initech("edifact/ordrsp_order_ack.edi", "PO-78");
    let item_id = parked(&world, "prt_initech", payload.clone()).await;
    let item = world.item(&item_id).await;
    let (status, content) = world
        .operator(
            "GET",
            &format!("/order-reconcile/unmatched/{item_id}/content"),
            "",
        )
        .await;
    assert_eq!(status, 200, "{content}");
    assert_eq!(
        content["content"].as_str().map(str::as_bytes),
        Some(payload.as_slice()),
        "the interchange as Initech sent it"
    );
    assert_eq!(content["size_bytes"].as_u64(), Some(payload.len() as u64));
    assert_eq!(content["shown_bytes"], content["size_bytes"]);
    assert_eq!(content["truncated"], false);
    assert_eq!(content["encoding"], "utf-8");
    assert_eq!(content["blob_key"], item["details"]["blob_key"], "{item}");
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&payload));
    assert_eq!(content["sha256"], sha256.as_str());
    assert_eq!(item["details"]["sha256"], sha256.as_str());

    let (status, unknown) = world
        .operator("GET", "/order-reconcile/unmatched/um-nope/content", "")
        .await;
    assert_eq!(status, 404, "{unknown}");
    // Reading changes nothing: the item is still open, with no attempt counted.
    let again = world.item(&item_id).await;
    assert_eq!(again["status"], "open");
    assert_eq!(again["details"]["attempts"], item["details"]["attempts"]);
}

async fn assigning_by_workspace_id_files_into_that_workspace(stack: Stack) {
    let world = world(stack);
    let item_id = parked(&world, "prt_acme", acme_855("ACME-REF-9")).await;
    let workspace = world.workspace("4500001237").await;
    let (status, closed) = world
        .assign(
            &item_id,
            &format!(r#"{{"workspace_id":{}}}"#, workspace.id.get()),
        )
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(
        closed["details"]["outcome"]["filed"]["workspace_id"].as_i64(),
        Some(workspace.id.get())
    );
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
}

async fn assign_refuses_bad_bodies_unknown_items_and_resolved_items(stack: Stack) {
    let world = world(stack);
    let documents_before = world.xecm_documents().await;
    let item_id = parked(&world, "prt_acme", acme_855("4599999999")).await;
    let workspace = world.workspace("4500001234").await;
    let folder = world
        .xecm
        .list_children(workspace.id)
        .await
        .expect("children")
        .into_iter()
        .find(|n| n.name == "Order")
        .expect("Order folder");
    let folder_body = format!(r#"{{"workspace_id":{}}}"#, folder.id.get());
    let cases: [(&str, &str); 8] = [
        ("not json", "assign body"),
        ("{}", "`po_number` is missing"),
        (r#"{"po_number":""}"#, "`po_number`"),
        (r#"{"workspace_id":"12"}"#, "`workspace_id`"),
        (
            r#"{"po_number":"4500001234","workspace_id":1}"#,
            "`workspace_id`",
        ),
        (r#"{"po":"4500001234"}"#, "unknown field `po`"),
        (
            r#"{"po_number":"4599999998"}"#,
            "no purchase-order workspace",
        ),
        (&folder_body, "not a business workspace"),
    ];
    for (body, names) in cases {
        let (status, answer) = world.assign(&item_id, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer.to_string().contains(names),
            "{body}: the answer names {names:?}: {answer}"
        );
    }
    assert_eq!(world.item(&item_id).await["status"], "open", "still open");
    assert_eq!(
        world.xecm_documents().await,
        documents_before,
        "nothing filed"
    );

    let (status, answer) = world
        .assign("um-does-not-exist", r#"{"po_number":"4500001234"}"#)
        .await;
    assert_eq!(status, 404, "{answer}");

    let (status, _) = world
        .operator(
            "POST",
            &format!("/order-reconcile/unmatched/{item_id}/reject"),
            r#"{"comment":"test"}"#,
        )
        .await;
    assert_eq!(status, 200);
    let (status, answer) = world
        .assign(&item_id, r#"{"po_number":"4500001234"}"#)
        .await;
    assert_eq!(status, 409, "{answer}");

    let other = parked(&world, "prt_acme", acme_855("4599999997")).await;
    let (status, _) = world.assign(&other, r#"{"po_number":"4500001234"}"#).await;
    assert_eq!(status, 200);
    let (status, answer) = world.assign(&other, r#"{"po_number":"4500001234"}"#).await;
    assert_eq!(status, 409, "assigned twice: {answer}");
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
}

/// Creates the purchase-order workspace of `po` for Acme's supplier 0000100042.
async fn create_order_workspace(world: &World, po: &str) -> gridlink_xecm::Node {
    let mut values = NamedAttributes::new();
    values.insert("PO Number".into(), AttributeValue::Text(po.into()));
    values.insert(
        "Supplier Number".into(),
        AttributeValue::Text("0000100042".into()),
    );
    let spec = WorkspaceSpec {
        type_id: WorkspaceTypeId::new(31).expect("type"),
        template_id: None,
        name: format!("PO {po}"),
        description: "created after the partner's document arrived".into(),
        business_object: Some(BusinessObject::new("SAP_ERP", "BUS2012", po).expect("bo")),
        parent_id: None,
        categories: vec![(CategoryId::new(9100).expect("category"), values)],
    };
    world
        .xecm
        .create_workspace_idempotent(&spec)
        .await
        .expect("workspace created")
        .workspace
}

async fn the_retry_schedule_files_an_item_once_its_workspace_exists(stack: Stack) {
    let world = world(stack);
    let item_id = parked(&world, "prt_acme", acme_855("4500009999")).await;

    let summary = world.retry_unmatched().await;
    assert_eq!(summary["unmatched"]["still_unmatched"], 1, "{summary}");
    let item = world.item(&item_id).await;
    assert_eq!(item["status"], "open");
    assert_eq!(item["details"]["attempts"], 1);
    assert_eq!(item["details"]["last_reason"]["reason"], "no_workspace");

    let workspace = create_order_workspace(&world, "4500009999").await;
    let summary = world.retry_unmatched().await;
    assert_eq!(summary["unmatched"]["assigned"], 1, "{summary}");
    let item = world.item(&item_id).await;
    assert_eq!(item["status"], "assigned", "{item}");
    assert_eq!(item["details"]["outcome"]["by"], "retry");
    let filed = world.documents_in(workspace.id, "Confirmations").await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(
        item["details"]["outcome"]["filed"]["document_id"].as_i64(),
        Some(filed[0].id.get())
    );

    let summary = world.retry_unmatched().await;
    assert_eq!(summary["unmatched"]["tried"], 0, "nothing left: {summary}");
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
}

async fn the_retry_schedule_leaves_what_still_does_not_match_open_and_takes_turns(stack: Stack) {
    let world = world_with(
        stack,
        &common::Options {
            config: vec![("UNMATCHED_RETRY_BATCH".into(), "1".into())],
            ..Default::default()
        },
    );
    // Initech for Acme's order: a partner mismatch, which no retry cures.
    let mismatch = parked(
        &world,
        "prt_initech",
        initech("edifact/ordrsp_order_ack.edi", "4500001234"),
    )
    .await;
    let missing = parked(&world, "prt_acme", acme_855("4500008888")).await;

    // One item per run, least recently tried first: each gets its turn.
    let first = world.retry_unmatched().await;
    assert_eq!(first["unmatched"]["tried"], 1, "{first}");
    let second = world.retry_unmatched().await;
    assert_eq!(second["unmatched"]["tried"], 1, "{second}");
    for item_id in [&mismatch, &missing] {
        let item = world.item(item_id).await;
        assert_eq!(item["status"], "open", "{item}");
        assert_eq!(item["details"]["attempts"], 1, "each tried once: {item}");
    }
    assert_eq!(
        world.item(&mismatch).await["details"]["last_reason"]["reason"],
        "partner_mismatch"
    );
    world.retry_unmatched().await;
    assert_eq!(world.item(&mismatch).await["details"]["attempts"], 2);
    let acme = world.workspace("4500001234").await;
    assert!(
        world
            .documents_in(acme.id, "Confirmations")
            .await
            .is_empty(),
        "nothing of Initech's in Acme's order"
    );
    let open: Vec<Value> = world.open_items().await;
    assert_eq!(open.len(), 2);
}

gridlink_tests::on_both_stacks!(with common::stack_on;
    assigning_an_unmatched_item_files_it_and_teaches_the_correlation,
    an_unmatched_item_s_document_is_shown_as_it_arrived,
    assigning_by_workspace_id_files_into_that_workspace,
    assign_refuses_bad_bodies_unknown_items_and_resolved_items,
    the_retry_schedule_files_an_item_once_its_workspace_exists,
    the_retry_schedule_leaves_what_still_does_not_match_open_and_takes_turns,
);
