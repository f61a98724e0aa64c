//! Expired tickets, server errors, non-JSON answers, dropped connections and lost answers:
//! the client recovers where it may, gives a clear error where it may not, and never
//! duplicates what it creates.

#![allow(clippy::unwrap_used)] // helpers outside `#[test]` functions are test code too

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use common::*;
use futures::StreamExt;
use gridlink_core::clock::ManualClock;
use gridlink_xecm::{
    BytesSource, ContentSource, ContentStream, DocumentSpec, WorkspaceSpec, Workspaces, XecmAuth,
    XecmClient, XecmError,
};
use gridlink_xecm_sim::FaultConfig;
use secrecy::SecretString;

/// Content whose first reading stalls half-way while the server's clock passes the ticket's
/// expiry — the ticket dies in the middle of the upload.
struct ExpiresMidUpload {
    clock: Arc<ManualClock>,
    first: AtomicBool,
}

#[async_trait]
impl ContentSource for ExpiresMidUpload {
    async fn open(&self) -> std::io::Result<ContentStream> {
        let first = self.first.swap(false, Ordering::SeqCst);
        let clock = self.clock.clone();
        let chunks = (0..8u8).map(move |n| {
            if first && n == 4 {
                clock.advance(Duration::from_secs(31 * 60));
            }
            Ok(Bytes::from(vec![n; 64 * 1024]))
        });
        Ok(futures::stream::iter(chunks).boxed())
    }

    fn size(&self) -> Option<u64> {
        Some(8 * 64 * 1024)
    }
}

#[tokio::test]
async fn ticket_expiry_in_the_middle_of_a_streamed_upload_logs_in_again_and_files_exactly_one_document()
 {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001234"))
        .await
        .unwrap()
        .unwrap();
    let source = ExpiresMidUpload {
        clock: h.clock.clone(),
        first: AtomicBool::new(true),
    };
    let spec = DocumentSpec {
        name: "big-scan.pdf".into(),
        ..DocumentSpec::default()
    };
    let filed = h
        .client
        .file_document(workspace.id, "Invoices", &spec, &source)
        .await
        .unwrap();

    assert_eq!(
        h.client.login_count(),
        2,
        "one login at the start, one after the 401"
    );
    assert_eq!(
        calls(&h.sim, "POST /api/v2/nodes"),
        2,
        "the upload was sent twice, whole"
    );
    let in_folder = h.client.list_children(filed.folder).await.unwrap();
    assert_eq!(
        in_folder
            .iter()
            .filter(|n| n.name == "big-scan.pdf")
            .count(),
        1
    );
    let stored = h.sim.snapshot().nodes[&filed.document.id.get()]
        .versions
        .clone();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].size, 8 * 64 * 1024);
}

#[tokio::test]
async fn expired_tickets_are_renewed_by_one_login_for_many_concurrent_calls() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    // After one more authenticated call, every ticket expires.
    h.sim.set_faults(FaultConfig {
        ticket_expiry_calls: Some(1),
        ..FaultConfig::default()
    });
    h.client.node(node(2000)).await.unwrap();
    h.client.node(node(2000)).await.unwrap();
    h.sim.set_faults(FaultConfig::default());
    assert_eq!(h.client.login_count(), 2);
    assert_eq!(h.sim.fault_counts().ticket_expiries, 1);

    // Expire the ticket by time, then fire eight calls at once.
    h.clock.advance(Duration::from_secs(31 * 60));
    let calls: Vec<_> = (0..8).map(|_| h.client.node(node(2000))).collect();
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(h.client.login_count(), 3, "eight 401s, one login");
}

#[tokio::test]
async fn a_ticket_refused_right_after_a_fresh_login_is_an_auth_error() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.sim.set_faults(FaultConfig {
        ticket_expiry_calls: Some(0),
        ..FaultConfig::default()
    });
    let error = h.client.node(node(2000)).await.unwrap_err();
    assert!(
        matches!(&error, XecmError::Auth(text) if text.contains("Authentication Required")),
        "{error}"
    );
    assert_eq!(
        h.client.login_count(),
        2,
        "exactly one fresh login, no loop"
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_they_stop() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.sim.set_faults(FaultConfig {
        error_500_next: 2,
        ..FaultConfig::default()
    });
    assert_eq!(h.client.node(node(2000)).await.unwrap().name, "Enterprise");
    assert_eq!(calls(&h.sim, "GET /api/v2/nodes/{id}"), 3);
    assert_eq!(h.sim.fault_counts().error_500, 2);
}

#[tokio::test]
async fn persistent_server_errors_end_in_a_clear_error_after_the_retry_budget() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.sim.set_faults(FaultConfig {
        error_500_next: 100,
        ..FaultConfig::default()
    });
    let error = h.client.node(node(2000)).await.unwrap_err();
    match &error {
        XecmError::Api {
            status: 500, error, ..
        } => assert!(error.contains("Internal Server Error"), "{error}"),
        other => panic!("expected the server's 500, got {other:?}"),
    }
    assert_eq!(
        calls(&h.sim, "GET /api/v2/nodes/{id}"),
        u64::from(fast_retry().max_attempts)
    );
}

#[tokio::test]
async fn non_json_answers_are_retried_and_then_reported_with_the_body() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.sim.set_faults(FaultConfig {
        non_json_next: 1,
        ..FaultConfig::default()
    });
    h.client.node(node(2000)).await.unwrap();
    assert_eq!(h.sim.fault_counts().non_json, 1);

    h.sim.set_faults(FaultConfig {
        non_json_next: 100,
        ..FaultConfig::default()
    });
    let error = h.client.node(node(2000)).await.unwrap_err();
    match &error {
        XecmError::Decode {
            status: 200,
            body_snippet,
            ..
        } => assert!(body_snippet.contains("starting up"), "{body_snippet}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.sim.set_faults(FaultConfig {
        drop_next: 2,
        ..FaultConfig::default()
    });
    assert_eq!(h.client.node(node(2000)).await.unwrap().name, "Enterprise");
    assert_eq!(h.sim.fault_counts().dropped, 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let h = harness().await;
    let error = h.client.node(node(424_242)).await.unwrap_err();
    assert!(error.is_not_accessible(), "{error}");
    assert_eq!(calls(&h.sim, "GET /api/v2/nodes/{id}"), 1);
}

#[tokio::test]
async fn a_lost_create_answer_still_yields_exactly_one_workspace() {
    let h = harness().await;
    h.client.current_user().await.unwrap();
    h.sim.set_faults(FaultConfig {
        lose_response_next: 1,
        only_path_containing: Some("/v2/businessworkspaces".into()),
        only_method: Some("POST".into()),
        ..FaultConfig::default()
    });
    let spec = WorkspaceSpec {
        type_id: workspace_type(PO_TYPE),
        template_id: None,
        name: "PO 4500007777".into(),
        description: String::new(),
        business_object: Some(po("4500007777")),
        parent_id: None,
        categories: Vec::new(),
    };
    let ensured = h.client.create_workspace_idempotent(&spec).await.unwrap();
    assert!(ensured.created, "our own first attempt created it");
    assert_eq!(calls(&h.sim, "POST /api/v2/businessworkspaces"), 2);
    let linked = h
        .sim
        .snapshot()
        .nodes
        .values()
        .filter(|n| {
            n.workspace
                .as_ref()
                .is_some_and(|w| w.references.iter().any(|r| r.bo_id == "4500007777"))
        })
        .count();
    assert_eq!(linked, 1);
}

#[tokio::test]
async fn a_lost_upload_answer_still_yields_exactly_one_document() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001236"))
        .await
        .unwrap()
        .unwrap();
    let folder = h
        .client
        .ensure_folder_path(workspace.id, "Invoices")
        .await
        .unwrap();
    h.sim.set_faults(FaultConfig {
        lose_response_next: 1,
        only_path_containing: Some("/v2/nodes".into()),
        only_method: Some("POST".into()),
        ..FaultConfig::default()
    });
    let spec = DocumentSpec {
        name: "INVOIC 991.edi".into(),
        ..DocumentSpec::default()
    };
    let filed = h
        .client
        .file_document(
            workspace.id,
            "Invoices",
            &spec,
            &BytesSource(Bytes::from_static(b"UNB+...")),
        )
        .await
        .unwrap();
    assert_eq!(filed.folder, folder);
    assert_eq!(h.client.list_children(folder).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_without_retries() {
    let h = harness().await;
    let auth = XecmAuth::Password {
        user: USER.into(),
        password: SecretString::from("wrong"),
    };
    let client = XecmClient::new(client_config(&h.sim.base_url, auth)).unwrap();
    let error = client.node(node(2000)).await.unwrap_err();
    match &error {
        XecmError::Auth(text) => assert!(text.contains("Invalid username/password"), "{text}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(calls(&h.sim, "POST /api/v1/auth"), 1);
}

/// Chaos finding (docs/chaos.md, "The 10 000-event run"): the first create of a document
/// failed before any work (a 500), another document took the name while the client waited to
/// retry, and the retry's "already exists" adopted that other document as ours — a shipment's
/// 08:00 status came back as its 14:30 twin's document and was never filed. A retry may only
/// adopt the document it described; another's is the caller's conflict (filing then takes a
/// distinct name, shared/flow/src/filing.rs).
#[tokio::test]
async fn a_retried_create_never_adopts_another_document_that_took_the_name_meanwhile() {
    let h = harness().await;
    let workspace = h
        .client
        .find_workspace_by_business_object(&po("4500001236"))
        .await
        .unwrap()
        .unwrap();
    let folder = h
        .client
        .ensure_folder_path(workspace.id, "Invoices")
        .await
        .unwrap();
    // The filer's retry waits up to 2 s (full jitter): nearly always after the other
    // document took the name. A round whose retry came first (ours filed, theirs refused) is
    // not the race, and another round is run.
    let mut config = client_config(
        &h.sim.base_url,
        XecmAuth::Password {
            user: USER.into(),
            password: SecretString::from(PASSWORD),
        },
    );
    config.retry.initial_delay = Duration::from_secs(2);
    config.retry.max_delay = Duration::from_secs(2);
    let filer = Arc::new(XecmClient::new(config).unwrap());
    filer.current_user().await.unwrap();
    let mut raced = false;
    for round in 0..10 {
        let name = format!("IFTSTA SHP-{round} 6 2026-11-24 NORDFAST.edi");
        let failures = h.sim.fault_counts().error_500;
        h.sim.set_faults(FaultConfig {
            error_500_next: 1,
            only_path_containing: Some("/v2/nodes".into()),
            only_method: Some("POST".into()),
            ..FaultConfig::default()
        });
        let ours = DocumentSpec {
            name: name.clone(),
            description: format!("08:00 status [gridlink gl-0800-{round}]"),
            ..DocumentSpec::default()
        };
        let filing = {
            let filer = Arc::clone(&filer);
            tokio::spawn(async move {
                filer
                    .file_document(
                        workspace.id,
                        "Invoices",
                        &ours,
                        &BytesSource(Bytes::from_static(b"UNB+0800")),
                    )
                    .await
            })
        };
        for _ in 0..500 {
            if h.sim.fault_counts().error_500 > failures {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            h.sim.fault_counts().error_500,
            failures + 1,
            "our first create failed"
        );
        let theirs_description = format!("14:30 status [gridlink gl-1430-{round}]");
        let theirs = h
            .client
            .file_document(
                workspace.id,
                "Invoices",
                &DocumentSpec {
                    name: name.clone(),
                    description: theirs_description.clone(),
                    ..DocumentSpec::default()
                },
                &BytesSource(Bytes::from_static(b"UNB+1430")),
            )
            .await;
        let filed = filing.await.unwrap();
        let Ok(theirs) = theirs else {
            // Our retry came first: ours is filed, theirs refused — not the race.
            assert_eq!(
                filed.unwrap().document.description,
                format!("08:00 status [gridlink gl-0800-{round}]")
            );
            continue;
        };
        let error = filed.expect_err("another's document is never taken for ours");
        assert!(error.is_already_exists(), "{error}");
        let named: Vec<_> = h
            .client
            .list_children(folder)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.name == name)
            .collect();
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].id, theirs.document.id);
        assert_eq!(named[0].description, theirs_description);
        raced = true;
        break;
    }
    assert!(
        raced,
        "in ten rounds the retry never came after the other create"
    );
}
