//! Idempotency keys: a replayed create returns the original; a reused key with another body
//! is 409; concurrent retries create once.

mod common;

use std::sync::Arc;

use common::{key, start};
use futures::TryStreamExt;
use gridlink_tgrid::model::{ExternalRef, NewSpace, SpaceFilter};
use gridlink_tgrid::{Attachments, Collaboration, PartnerId, TgError, Upload};

fn space(title: &str) -> NewSpace {
    NewSpace {
        partner_id: PartnerId::new("prt_acme"),
        title: title.into(),
        external_ref: Some(ExternalRef::new("xecm", "777")),
        context: None,
    }
}

#[tokio::test]
async fn a_replayed_create_returns_the_original_space() {
    let h = start().await;
    let first = h
        .client
        .open_space(&key("space:xecm:777"), &space("Workspace 777"))
        .await
        .expect("create");
    let again = h
        .client
        .open_space(&key("space:xecm:777"), &space("Workspace 777"))
        .await
        .expect("replay");
    assert_eq!(first, again);
    let all: Vec<_> = h
        .client
        .spaces(&SpaceFilter::default())
        .try_collect()
        .await
        .expect("list");
    assert_eq!(all.len(), 1, "no second space");
}

#[tokio::test]
async fn reusing_a_key_with_a_different_body_is_a_conflict() {
    let h = start().await;
    h.client
        .open_space(&key("space:xecm:777"), &space("Workspace 777"))
        .await
        .expect("create");
    let error = h
        .client
        .open_space(&key("space:xecm:777"), &space("Another title"))
        .await
        .expect_err("409");
    assert!(
        matches!(&error, TgError::Api { status: 409, code, .. } if code == "conflict"),
        "{error:?}"
    );
}

#[tokio::test]
async fn concurrent_retries_with_one_key_create_one_space() {
    let h = Arc::new(start().await);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let h = Arc::clone(&h);
            tokio::spawn(async move {
                h.client
                    .open_space(&key("space:race"), &space("Race"))
                    .await
            })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        ids.insert(
            task.await
                .expect("joined")
                .expect("created or replayed")
                .space_id,
        );
    }
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn a_replayed_upload_returns_the_original_attachment() {
    let h = start().await;
    let upload = || Upload::from_bytes("spec.pdf", "application/pdf", b"%PDF spec v1".to_vec());
    let first = h
        .client
        .upload_attachment(&key("att:spec"), upload())
        .await
        .expect("upload");
    let again = h
        .client
        .upload_attachment(&key("att:spec"), upload())
        .await
        .expect("replay");
    assert_eq!(first.attachment_id, again.attachment_id);
    let other = Upload::from_bytes("spec.pdf", "application/pdf", b"%PDF spec v2".to_vec());
    let error = h
        .client
        .upload_attachment(&key("att:spec"), other)
        .await
        .expect_err("409");
    assert_eq!(error.status(), Some(409));
}
