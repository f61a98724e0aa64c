//! Memory proof: a 256 MiB attachment goes up and comes back down through client and
//! simulator (same process) while peak RSS grows far less than the body.
//!
//! The 5 GiB variant is ignored by default; run it with
//! `cargo test -p gridlink-tgrid --test streaming -- --ignored` (needs ~5 GiB free disk).

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::{key, start};
use futures::StreamExt;
use gridlink_tgrid::{Attachments, ByteStream, FnSource, Upload};
use sha2::{Digest, Sha256};

const CHUNK: usize = 1024 * 1024;

/// Chunk `n` of the generated body: deterministic, not all zeros.
#[allow(clippy::cast_possible_truncation)] // `% 256` fits a byte
fn chunk(n: u64) -> Bytes {
    let mut bytes = vec![0u8; CHUNK];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (n.wrapping_mul(31).wrapping_add(i as u64) % 256) as u8;
    }
    Bytes::from(bytes)
}

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM line")
}

async fn round_trip(mib: u64, allowed_growth_mib: u64) {
    let h = start().await;
    let expected = {
        let mut hasher = Sha256::new();
        for n in 0..mib {
            hasher.update(chunk(n));
        }
        hex::encode(hasher.finalize())
    };
    let before = peak_rss_kib();
    let source = FnSource::new(Some(mib * CHUNK as u64), move || -> ByteStream {
        futures::stream::iter(0..mib).map(|n| Ok(chunk(n))).boxed()
    });
    let attachment = h
        .client
        .upload_attachment(
            &key(&format!("stream-{mib}")),
            Upload::new("big.bin", "application/octet-stream", Arc::new(source)),
        )
        .await
        .expect("upload");
    assert_eq!(attachment.size_bytes, mib * CHUNK as u64);
    assert_eq!(attachment.sha256, expected);

    let mut download = h
        .client
        .attachment_content(&attachment.attachment_id, None)
        .await
        .expect("download");
    let mut hasher = Sha256::new();
    let mut received = 0u64;
    while let Some(piece) = download.stream.next().await {
        let piece = piece.expect("chunk");
        received += piece.len() as u64;
        hasher.update(&piece);
    }
    assert_eq!(received, mib * CHUNK as u64);
    assert_eq!(hex::encode(hasher.finalize()), expected);
    let growth_mib = peak_rss_kib().saturating_sub(before) / 1024;
    assert!(
        growth_mib < allowed_growth_mib,
        "peak RSS grew {growth_mib} MiB for a {mib} MiB body"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_attachment_streams_up_and_down_in_bounded_memory() {
    round_trip(256, 64).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "5 GiB through disk; run with --ignored"]
async fn a_5_gib_attachment_streams_up_and_down_in_bounded_memory() {
    round_trip(5 * 1024, 64).await;
}

/// A server that hands out a token and then takes uploads without ever answering: the upload
/// ends at its whole-exchange limit (the configured timeout plus the body's time at 1 MiB/s),
/// not never, and not at a read-idle limit.
#[tokio::test]
async fn an_upload_to_a_server_that_never_answers_ends_at_its_whole_limit() {
    use std::time::{Duration, Instant};

    use axum::Router;
    use axum::routing::post;
    use gridlink_tgrid::{TenantId, TgClient, TgConfig, TgError};

    let app = Router::new()
        .route(
            "/tenants/buyerco/oauth2/token",
            post(|| async {
                axum::Json(serde_json::json!({
                    "access_token": "t", "token_type": "Bearer", "expires_in": 3600
                }))
            }),
        )
        .route(
            "/v1/attachments",
            post(|| async {
                std::future::pending::<()>().await;
                ""
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = TgClient::new(TgConfig {
        base_url: format!("http://{addr}/").parse().expect("url"),
        tenant_id: TenantId::new("buyerco"),
        client_id: "gridlink-local".into(),
        client_secret: secrecy::SecretString::from("s".to_owned()),
        retry: gridlink_core::retry::RetryPolicy {
            max_attempts: 1,
            ..common::fast_retry()
        },
        timeout: Duration::from_secs(1),
    })
    .expect("client builds");
    let body = Bytes::from(vec![7_u8; 1024]);
    let source = FnSource::new(Some(1024), move || -> ByteStream {
        futures::stream::iter([Ok(body.clone())]).boxed()
    });
    let started = Instant::now();
    let error = client
        .upload_attachment(
            &key("silent"),
            Upload::new("a.bin", "application/octet-stream", Arc::new(source)),
        )
        .await
        .expect_err("nobody answers");
    let took = started.elapsed();
    assert!(
        matches!(&error, TgError::Transport { source, .. } if source.is_timeout()),
        "{error:?}"
    );
    // 1 s configured + 1 s for the first (only) MiB started.
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "ended after {took:?}"
    );
}
