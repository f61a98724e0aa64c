//! Every call of the subset, client against the simulator over loopback.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use std::collections::BTreeSet;

use bytes::Bytes;
use common::*;
use futures::TryStreamExt;
use gridlink_core::clock::Clock;
use gridlink_xecm::{
    AttributeLookup, AttributeValue, AuditQuery, BytesSource, ChildQuery, DocumentSpec, NameMatch,
    NamedAttributes, NewVersion, NodeChange, Relation, SearchQuery, WorkspaceQuery, WorkspaceSpec,
    Workspaces, XecmAuth, XecmClient,
};
use gridlink_xecm_sim::Seed;
use secrecy::SecretString;
use serde_json::json;

fn named(pairs: &[(&str, AttributeValue)]) -> NamedAttributes {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[tokio::test]
async fn password_login_ping_and_current_user_work_on_both_install_paths() {
    let h = harness().await;
    for base in [&h.sim.base_url, &h.sim.linux_base_url] {
        let client = password_client(base);
        assert!(client.ping().await.unwrap().get("rest_api").is_some());
        let user = client.current_user().await.unwrap();
        assert_eq!((user.id, user.name.as_str()), (1000, USER));
        assert_eq!(client.login_count(), 1);
    }
}

#[tokio::test]
async fn otds_ticket_and_bearer_token_are_traded_for_an_otcs_ticket() {
    let h = harness().await;
    for auth in [
        XecmAuth::OtdsTicket(SecretString::from(OTDS_TICKET)),
        XecmAuth::Bearer(SecretString::from(OAUTH_TOKEN)),
    ] {
        let client = XecmClient::new(client_config(&h.sim.base_url, auth)).unwrap();
        assert_eq!(client.current_user().await.unwrap().name, USER);
        assert_eq!(client.node(node(2000)).await.unwrap().name, "Enterprise");
    }
    let stranger = XecmClient::new(client_config(
        &h.sim.base_url,
        XecmAuth::Bearer(SecretString::from("nope")),
    ))
    .unwrap();
    let error = stranger.current_user().await.unwrap_err();
    assert!(
        matches!(error, gridlink_xecm::XecmError::Auth(_)),
        "{error}"
    );
}

#[tokio::test]
async fn workspace_types_list_their_templates() {
    let h = harness().await;
    let types = h.client.workspace_types().await.unwrap();
    let po_type = types.iter().find(|t| t.id == PO_TYPE).unwrap();
    assert_eq!(po_type.name, "Purchase Order");
    assert_eq!(
        po_type.templates,
        vec![(node(9502), "Purchase Order".to_owned())]
    );
    assert!(po_type.location.is_some());
}

#[tokio::test]
async fn workspace_is_found_by_business_object_through_both_lookups() {
    let h = harness().await;
    let by_query = h
        .client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_query.name, "PO 4500001234");
    assert_eq!(by_query.workspace_type_id, Some(PO_TYPE));
    let by_path = h
        .client
        .workspace_for_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_path.id, by_query.id);
    let details = h.client.workspace(by_query.id).await.unwrap();
    assert_eq!(details.business_objects, vec![po("4500001234")]);
    assert_eq!(details.type_name.as_deref(), Some("Purchase Order"));
    assert!(
        h.client
            .find_workspace_by_business_object(&po("4599999999"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        h.client
            .workspace_for_business_object(&po("4599999999"))
            .await
            .unwrap()
            .is_none()
    );

    let by_name: Vec<_> = h
        .client
        .workspaces(&WorkspaceQuery {
            name: Some(NameMatch::StartsWith("po 450000123".into())),
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    let seeded_orders = demo_seed()
        .workspaces
        .iter()
        .filter(|w| {
            w.name
                .as_deref()
                .is_some_and(|n| n.starts_with("PO 450000123"))
        })
        .count();
    assert_eq!(by_name.len(), seeded_orders);
    assert!(seeded_orders >= 4);
}

#[tokio::test]
async fn workspace_is_found_by_a_category_attribute_value() {
    let h = harness().await;
    let lookup = |attribute: &str, value: &str| AttributeLookup {
        workspace_type: workspace_type(PO_TYPE),
        category: category(PO_CATEGORY),
        attribute: attribute.into(),
        value: value.into(),
    };
    let found = h
        .client
        .find_workspace_by_attribute(&lookup("PO Number", "4500001236"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.name, "PO 4500001236");
    let by_line = h
        .client
        .find_workspace_by_attribute(&lookup("Material", "M-WASHER-M8"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_line.name, "PO 4500001235");
    assert!(
        h.client
            .find_workspace_by_attribute(&lookup("PO Number", "4511111111"))
            .await
            .unwrap()
            .is_none()
    );
    let error = h
        .client
        .find_workspace_by_attribute(&lookup("Colour", "red"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("'Colour'"), "{error}");
}

#[tokio::test]
async fn duplicate_create_returns_the_existing_workspace() {
    let h = harness().await;
    let spec = WorkspaceSpec {
        type_id: workspace_type(PO_TYPE),
        template_id: None,
        name: "PO 4500009001".into(),
        description: "created by gridlink".into(),
        business_object: Some(po("4500009001")),
        parent_id: None,
        categories: vec![(
            category(PO_CATEGORY),
            named(&[
                ("PO Number", "4500009001".into()),
                ("Tags", AttributeValue::Multi(vec!["edi".into()])),
            ]),
        )],
    };
    let first = h.client.create_workspace_idempotent(&spec).await.unwrap();
    assert!(first.created);
    let second = h.client.create_workspace_idempotent(&spec).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.workspace.id, first.workspace.id);

    // A second client that skips the look-up gets the server's 500 "already exists"…
    let raw = h
        .client
        .create_workspace(&gridlink_xecm::NewWorkspace {
            type_id: workspace_type(PO_TYPE),
            template_id: None,
            name: Some("PO 4500009001 again".into()),
            description: String::new(),
            parent_id: None,
            business_object: Some(po("4500009001")),
            categories: serde_json::Map::new(),
        })
        .await
        .unwrap_err();
    assert!(raw.is_already_exists(), "{raw}");
    assert_eq!(
        calls(&h.sim, "POST /api/v2/businessworkspaces"),
        2,
        "a conflict is not retried"
    );

    let values = h
        .client
        .read_attributes(first.workspace.id, category(PO_CATEGORY))
        .await
        .unwrap();
    assert_eq!(
        values["PO Number"],
        AttributeValue::Text("4500009001".into())
    );
    assert_eq!(values["Tags"], AttributeValue::Multi(vec!["edi".into()]));
    let folders: BTreeSet<String> = h
        .client
        .list_children(first.workspace.id)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert!(
        folders.contains("Invoices") && folders.contains("Correspondence"),
        "{folders:?}"
    );
}

#[tokio::test]
async fn a_document_is_filed_into_a_new_sub_folder_with_categories_and_versions() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    let spec = DocumentSpec {
        name: "ORDRSP 000000042.edi".into(),
        description: "order response".into(),
        mime_type: Some("application/edi-x12".into()),
        categories: vec![(
            category(PARTNER_DOCUMENT_CATEGORY),
            named(&[
                ("Document Type", "855".into()),
                ("Control Number", "000000042".into()),
            ]),
        )],
        ..DocumentSpec::default()
    };
    let content = Bytes::from_static(b"ISA*00*...~ST*855*0001~");
    let filed = h
        .client
        .file_document(
            workspace.id,
            "Correspondence/Partner/Order Responses",
            &spec,
            &BytesSource(content.clone()),
        )
        .await
        .unwrap();
    let folder = h.client.get_node(filed.folder).await.unwrap();
    assert_eq!(folder.name, "Order Responses");
    assert_eq!(
        h.client
            .enclosing_workspace(filed.document.id)
            .await
            .unwrap(),
        Some(workspace.id)
    );
    let values = h
        .client
        .read_attributes(filed.document.id, category(PARTNER_DOCUMENT_CATEGORY))
        .await
        .unwrap();
    assert_eq!(
        values["Control Number"],
        AttributeValue::Text("000000042".into())
    );

    let mut downloaded = Vec::new();
    let download = h.client.download_document(filed.document.id).await.unwrap();
    assert_eq!(download.mime_type.as_deref(), Some("application/edi-x12"));
    download.write_to(&mut downloaded).await.unwrap();
    assert_eq!(downloaded, content);

    let version = NewVersion {
        file_name: "ORDRSP 000000042.edi".into(),
        description: "corrected".into(),
        ..NewVersion::default()
    };
    let added = h
        .client
        .add_document_version(
            filed.document.id,
            &version,
            &BytesSource(Bytes::from_static(b"v2")),
        )
        .await
        .unwrap();
    assert_eq!(added.version_number, 2);
    let versions = h.client.versions(filed.document.id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version_number)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(
        versions
            .iter()
            .all(|v| v.name.as_deref() == Some(filed.document.name.as_str())
                && v.modify_date.is_some()),
        "version records carry the document's name and a modify date: {versions:?}"
    );
    let mut first = Vec::new();
    h.client
        .download(filed.document.id, Some(1))
        .await
        .unwrap()
        .write_to(&mut first)
        .await
        .unwrap();
    assert_eq!(first, content);

    // Filing the same name again is refused, not duplicated.
    let again = h
        .client
        .file_document(
            workspace.id,
            "Correspondence/Partner/Order Responses",
            &spec,
            &BytesSource(content),
        )
        .await
        .unwrap_err();
    assert!(again.is_already_exists(), "{again}");
    assert_eq!(h.client.list_children(filed.folder).await.unwrap().len(), 1);
}

#[tokio::test]
async fn category_attributes_with_sets_and_multi_values_round_trip() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001237"))
        .await
        .unwrap()
        .unwrap();
    let po_category = category(PO_CATEGORY);
    let row = |line: i64, material: &str, quantity: i64| -> NamedAttributes {
        named(&[
            ("Line", line.into()),
            ("Material", material.into()),
            ("Quantity", quantity.into()),
            ("Delivery Date", AttributeValue::Empty),
            ("Unit Price", AttributeValue::Empty),
        ])
    };
    let date = time::macros::date!(2026 - 12 - 24);
    let written = named(&[
        ("Status", "Confirmed".into()),
        ("Acknowledged", true.into()),
        ("Order Date", date.into()),
        (
            "Tags",
            AttributeValue::Multi(vec!["urgent".into(), "steel".into(), "x12".into()]),
        ),
        (
            "Lines",
            AttributeValue::Rows(vec![
                row(10, "M-1", 5),
                row(20, "M-2", 7),
                row(30, "M-3", 9),
            ]),
        ),
    ]);
    h.client
        .write_attributes(workspace.id, po_category, &written)
        .await
        .unwrap();
    let read = h
        .client
        .read_attributes(workspace.id, po_category)
        .await
        .unwrap();
    for (name, value) in &written {
        assert_eq!(&read[name], value, "{name}");
    }
    assert_eq!(
        read["PO Number"],
        AttributeValue::Text("4500001237".into()),
        "untouched attributes stay"
    );

    // Fewer rows and fewer values replace the old ones.
    let shrunk = named(&[
        ("Tags", AttributeValue::Multi(vec!["done".into()])),
        ("Lines", AttributeValue::Rows(vec![row(10, "M-9", 1)])),
    ]);
    h.client
        .write_attributes(workspace.id, po_category, &shrunk)
        .await
        .unwrap();
    let read = h
        .client
        .read_attributes(workspace.id, po_category)
        .await
        .unwrap();
    assert_eq!(read["Tags"], shrunk["Tags"]);
    assert_eq!(read["Lines"], shrunk["Lines"]);

    // A category not yet on the node is applied first.
    h.client
        .write_attributes(
            workspace.id,
            category(SUPPLIER_CATEGORY),
            &named(&[("Supplier Number", "0000100042".into())]),
        )
        .await
        .unwrap();
    let applied: Vec<i64> = h
        .client
        .categories(workspace.id, false)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id.get())
        .collect();
    // The Purchase Order template also applies `PO Exception` (9700, po-exception's).
    assert_eq!(applied, [SUPPLIER_CATEGORY, PO_CATEGORY, 9700]);
    h.client
        .remove_category(workspace.id, category(SUPPLIER_CATEGORY))
        .await
        .unwrap();
    let with_definitions = h.client.categories(workspace.id, true).await.unwrap();
    assert_eq!(
        with_definitions
            .iter()
            .map(|c| (c.id.get(), c.definition.as_ref().map(|d| d.name.clone())))
            .collect::<Vec<_>>(),
        [
            (PO_CATEGORY, Some("Purchase Order".to_owned())),
            (9700, Some("PO Exception".to_owned()))
        ],
        "the categories are named by metadata_order, their definitions read from metadata"
    );

    // A value of the wrong type is the server's 400, naming the attribute.
    let error = h
        .client
        .write_attributes(
            workspace.id,
            po_category,
            &named(&[(
                "Lines",
                AttributeValue::Rows(vec![named(&[("Quantity", "many".into())])]),
            )]),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert!(error.to_string().contains("Quantity"), "{error}");
}

#[tokio::test]
async fn paging_walks_1200_workspaces_and_stops_at_page_total() {
    let h = harness().await;
    let mut seed: Seed = serde_json::from_value(json!({"workspaces": []})).unwrap();
    for n in 0..1200 {
        seed.workspaces.push(
            serde_json::from_value(json!({"type_id": 21, "name": format!("Bulk Supplier {n:04}"), "business_object": {"bo_id": format!("00009{n:05}")}}))
                .unwrap(),
        );
    }
    let loaded: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/__sim/seed", h.sim.root_url))
        .json(&seed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(loaded["workspaces_created"], 1200);
    let query = WorkspaceQuery {
        type_id: Some(workspace_type(SUPPLIER_TYPE)),
        page_size: 100,
        ..Default::default()
    };
    let all: Vec<_> = h.client.workspaces(&query).try_collect().await.unwrap();
    let ids: BTreeSet<_> = all.iter().map(|w| w.id).collect();
    let seeded = demo_seed()
        .workspaces
        .iter()
        .filter(|w| w.type_id == SUPPLIER_TYPE)
        .count();
    assert_eq!(
        (all.len(), ids.len()),
        (seeded + 1200, seeded + 1200),
        "the seeded suppliers and the bulk ones, once each"
    );
    assert_eq!(
        calls(&h.sim, "GET /api/v2/businessworkspaces"),
        ((seeded + 1200) as u64).div_ceil(100),
        "every page once, then stop (the server would answer the page after too)"
    );
}

#[tokio::test]
async fn children_search_audit_and_changed_documents_are_listed() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001235"))
        .await
        .unwrap()
        .unwrap();
    let before = h.clock.now();
    h.clock.advance(std::time::Duration::from_secs(3600));
    let since = h.clock.now();
    for n in 0..7 {
        let spec = DocumentSpec {
            name: format!("note-{n}.txt"),
            ..DocumentSpec::default()
        };
        h.client
            .file_document(
                workspace.id,
                "Invoices",
                &spec,
                &BytesSource(Bytes::from(format!("note {n}"))),
            )
            .await
            .unwrap();
    }
    let invoices = h
        .client
        .child_named(workspace.id, "Invoices")
        .await
        .unwrap()
        .unwrap();
    let paged: Vec<_> = h
        .client
        .children(
            invoices.id,
            &ChildQuery {
                types: vec![144],
                page_size: 3,
                sort: Some("desc_name".into()),
                ..Default::default()
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        paged.iter().map(|n| n.name.as_str()).collect::<Vec<_>>()[..2],
        ["note-6.txt", "note-5.txt"]
    );
    assert_eq!(paged.len(), 7);
    assert!(
        calls(&h.sim, "GET /api/v2/nodes/{id}/nodes") >= 3,
        "three pages of three"
    );

    let changed = h
        .client
        .documents_changed_since(Some(workspace.id), since)
        .await
        .unwrap();
    assert_eq!(changed.len(), 7);
    assert!(
        h.client
            .documents_changed_since(Some(workspace.id), since + time::Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
    let everywhere = h
        .client
        .documents_changed_since(None, before)
        .await
        .unwrap();
    assert!(everywhere.len() >= 7);

    let hits: Vec<_> = h
        .client
        .search(&SearchQuery {
            lql: r#"OTName: "note-*" and OTSubType: 144"#.into(),
            page_size: 2,
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 7);

    let audit = h.client.audit_trail(paged[0].id, None).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .map(|a| a.audit_name.as_str())
            .collect::<Vec<_>>(),
        ["Add Version", "Create"]
    );
    let created_only: Vec<_> = h
        .client
        .audit(
            paged[0].id,
            &AuditQuery {
                event_type: Some(1),
                ..Default::default()
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(created_only.len(), 1);
}

#[tokio::test]
async fn nodes_can_be_renamed_moved_and_deleted() {
    let h = harness().await;
    let folder = h.client.create_folder(node(2000), "Scratch").await.unwrap();
    let other = h.client.create_folder(node(2000), "Archive").await.unwrap();
    let renamed = h
        .client
        .update_node(
            folder.id,
            &NodeChange {
                name: Some("Scratch 2".into()),
                parent_id: Some(other.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.parent_id),
        ("Scratch 2", Some(other.id.get()))
    );
    h.client.delete_node(other.id).await.unwrap();
    let gone = h.client.node(folder.id).await.unwrap_err();
    assert!(gone.is_not_accessible(), "{gone}");
    assert_eq!(gone.status(), Some(400));
}

#[tokio::test]
async fn related_workspaces_are_linked_both_ways() {
    let h = harness().await;
    let supplier = h
        .client
        .find_workspace_by_business_object(
            &gridlink_xecm::BusinessObject::new("SAP_ERP", "LFA1", "0000100042").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    let order = h
        .client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    h.client
        .link_workspaces(supplier.id, order.id)
        .await
        .unwrap();
    let children: Vec<_> = h
        .client
        .related_workspaces(supplier.id, Some(Relation::Child))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        children
            .iter()
            .map(|(n, r)| (n.id, r.as_str()))
            .collect::<Vec<_>>(),
        [(order.id, "child")]
    );
    let parents: Vec<_> = h
        .client
        .related_workspaces(order.id, None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        parents
            .iter()
            .map(|(n, r)| (n.id, r.as_str()))
            .collect::<Vec<_>>(),
        [(supplier.id, "parent")]
    );
    assert_eq!(
        h.client.enclosing_workspace(node(2000)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_the_next_call_logs_in_again() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.client.logout().await.unwrap();
    h.client.current_user().await.unwrap();
    assert_eq!(h.client.login_count(), 2);
}

/// Inside a dry run (`gridlink_core::dry_run`) the client sends no call that changes
/// anything: each is refused before it leaves, with a typed error carrying the method, the
/// path and what it would have written (the file, its name, the folder); reads and the search
/// (a read sent as `POST`) go through. The simulator sees no write, and its repository is as
/// before. Outside the scope the same calls write.
#[tokio::test]
async fn a_dry_run_refuses_every_write_before_it_is_sent_and_reads_go_through() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    let invoices = h
        .client
        .node_at_path(workspace.id, "Invoices")
        .await
        .unwrap()
        .expect("the seed's Invoices folder");
    let before = serde_json::to_value(h.sim.snapshot()).unwrap();
    let calls_before = h.sim.calls();
    let spec = DocumentSpec {
        name: "INV-2026-0815.x12".into(),
        ..DocumentSpec::default()
    };
    let content = BytesSource(Bytes::from_static(b"ISA*00*...~ST*810*0001~"));
    let (results, report) = gridlink_core::dry_run::scope(async {
        let read = h.client.get_node(node(2000)).await;
        let hits: Result<Vec<_>, _> = h
            .client
            .search(&SearchQuery {
                lql: r#"OTName: "PO*""#.into(),
                ..Default::default()
            })
            .try_collect()
            .await;
        let folder = h.client.create_folder(node(2000), "Dry").await;
        let filed = h
            .client
            .file_document(workspace.id, "Invoices", &spec, &content)
            .await;
        let renamed = h
            .client
            .update_node(
                node(2000),
                &NodeChange {
                    name: Some("Renamed".into()),
                    ..NodeChange::default()
                },
            )
            .await;
        (read, hits, folder, filed, renamed)
    })
    .await;
    let (read, hits, folder, filed, renamed) = results;
    assert_eq!(read.unwrap().name, "Enterprise");
    assert!(!hits.unwrap().is_empty(), "the search is a read");
    for error in [
        folder.map(|_| ()).unwrap_err(),
        filed.map(|_| ()).unwrap_err(),
        renamed.map(|_| ()).unwrap_err(),
    ] {
        assert!(
            matches!(error, gridlink_xecm::XecmError::DryRun(_)),
            "{error}"
        );
        assert_eq!(
            gridlink_core::error::Classify::kind(&error),
            gridlink_core::error::ErrorKind::Forbidden
        );
    }
    let refusals = report.refusals();
    let seen: Vec<(&str, &str, &str)> = refusals
        .iter()
        .map(|r| (r.system, r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("xecm", "POST", "v2/nodes"),
            ("xecm", "POST", "v2/nodes"),
            ("xecm", "PUT", "v2/nodes/2000"),
        ]
    );
    assert_eq!(
        refusals[0].summary,
        r#"create folder, name "Dry", in folder 2000"#
    );
    assert_eq!(
        refusals[1].summary,
        format!(
            r#"create document, file "INV-2026-0815.x12", name "INV-2026-0815.x12", in folder {}"#,
            invoices.id
        )
    );
    let writes: Vec<String> = h
        .sim
        .calls()
        .into_iter()
        .filter(|(call, count)| calls_before.get(call) != Some(count))
        .map(|(call, _)| call)
        .filter(|call| {
            !call.starts_with("GET ") && !call.contains("/auth") && !call.contains("/search")
        })
        .collect();
    assert!(writes.is_empty(), "the simulator saw writes: {writes:?}");
    assert_eq!(serde_json::to_value(h.sim.snapshot()).unwrap(), before);

    let folder = h.client.create_folder(node(2000), "Dry").await.unwrap();
    assert_eq!(folder.name, "Dry", "outside a dry run the same call writes");
}
