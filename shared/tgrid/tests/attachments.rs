//! Attachments: metadata, ranges, size limits, and uploads retried from a re-opened source.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;
use common::{key, start, start_with, stats};
use futures::StreamExt;
use gridlink_tgrid::{Attachments, ByteRange, ByteStream, FileSource, FnSource, TgError, Upload};
use gridlink_tgrid_sim::Faults;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_file_uploads_with_its_digest_and_downloads_whole_or_in_ranges() {
    let h = start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("certificate.pdf");
    let content: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
    std::fs::write(&path, &content).expect("write");
    let upload = Upload::new(
        "certificate.pdf",
        "application/pdf",
        Arc::new(FileSource::new(&path)),
    );
    let attachment = h
        .client
        .upload_attachment(&key("cert"), upload)
        .await
        .expect("upload");
    assert_eq!(attachment.size_bytes, 200_000);
    assert_eq!(attachment.sha256, hex::encode(Sha256::digest(&content)));
    assert_eq!(
        h.client
            .attachment(&attachment.attachment_id)
            .await
            .expect("get"),
        attachment
    );

    let whole = h
        .client
        .attachment_content(&attachment.attachment_id, None)
        .await
        .expect("download");
    assert_eq!(whole.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        whole.into_bytes().await.expect("bytes"),
        Bytes::from(content.clone())
    );
    let tail = h
        .client
        .attachment_content(
            &attachment.attachment_id,
            Some(ByteRange {
                start: 199_990,
                end: None,
            }),
        )
        .await
        .expect("tail");
    assert_eq!(
        tail.into_bytes().await.expect("bytes"),
        Bytes::from(content[199_990..].to_vec())
    );
    let beyond = h
        .client
        .attachment_content(
            &attachment.attachment_id,
            Some(ByteRange {
                start: 300_000,
                end: None,
            }),
        )
        .await;
    assert!(
        matches!(beyond, Err(TgError::Api { status: 400, .. })),
        "{beyond:?}"
    );
}

#[tokio::test]
async fn an_upload_retried_after_an_outage_resends_the_whole_content() {
    let h = start().await;
    let opened = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&opened);
    let source = FnSource::new(Some(3 * 65_536), move || -> ByteStream {
        counter.fetch_add(1, Ordering::SeqCst);
        futures::stream::iter((0..3u8).map(|n| Ok(Bytes::from(vec![n; 65_536])))).boxed()
    });
    h.client
        .attachment(&gridlink_tgrid::AttachmentId::new("att_warmup"))
        .await
        .ok();
    h.controls
        .set_faults(&Faults {
            rate_limited: 0,
            unavailable: 1,
            retry_after_secs: Some(0),
            only: None,
        })
        .await
        .expect("faults");
    let attachment = h
        .client
        .upload_attachment(
            &key("retried"),
            Upload::new("blob.bin", "application/octet-stream", Arc::new(source)),
        )
        .await
        .expect("upload");
    assert_eq!(attachment.size_bytes, 3 * 65_536);
    assert_eq!(
        opened.load(Ordering::SeqCst),
        2,
        "opened again for the retry"
    );
}

#[tokio::test]
async fn an_attachment_over_the_limit_is_refused_without_retrying() {
    let h = start_with(|config| config.max_attachment_bytes = 1024 * 1024).await;
    let upload = Upload::from_bytes(
        "big.bin",
        "application/octet-stream",
        vec![0u8; 2 * 1024 * 1024],
    );
    let error = h
        .client
        .upload_attachment(&key("big"), upload)
        .await
        .expect_err("413");
    assert!(
        matches!(&error, TgError::Api { status: 413, code, .. } if code == "payload_too_large"),
        "{error:?}"
    );
    assert_eq!(stats(&h).await["api_requests"], 1);
}
