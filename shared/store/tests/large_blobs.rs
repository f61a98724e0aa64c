//! Full-size streaming checks, ignored by default because they take minutes and gigabytes of
//! disk (filesystem) or of moto's memory (S3). The conformance suite streams 64 MiB with the
//! same memory check on every run; these prove the same at full size:
//!
//! ```sh
//! cargo test -p gridlink-store --test large_blobs -- --ignored --test-threads 1
//! GRIDLINK_LARGE_BLOB_MIB=512 cargo test -p gridlink-store --test large_blobs -- --ignored
//! ```
//! The size defaults to 2048 MiB.

use futures::StreamExt;
use gridlink_store::testing::{BlobsUnderTest, MemoryWatch, fs_blobs, generated_body, s3_blobs};
use gridlink_store::{BlobKey, ByteStream, PutOptions, StoreError};

const MIB: u64 = 1024 * 1024;
/// How far resident memory may rise during the round trip, whatever the blob size.
const MEMORY_BUDGET: u64 = 64 * MIB;

fn size() -> u64 {
    std::env::var("GRIDLINK_LARGE_BLOB_MIB")
        .ok()
        .and_then(|mib| mib.parse().ok())
        .unwrap_or(2048)
        * MIB
}

async fn hash_of(mut body: ByteStream) -> Result<(u64, String), StoreError> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut bytes = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(StoreError::from_stream_error)?;
        bytes += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

async fn round_trip_in_bounded_memory(t: &BlobsUnderTest) {
    let size = size();
    let key = BlobKey::parse("large/blob.bin").expect("key");
    let (_, expected) = hash_of(generated_body(11, size)).await.expect("generate");
    let watch = MemoryWatch::start().expect("resident memory is readable on Linux");
    let stored = t
        .store
        .put(&key, generated_body(11, size), PutOptions::default())
        .await
        .expect("put");
    assert_eq!(
        (stored.size, stored.sha256.as_deref()),
        (size, Some(expected.as_str()))
    );
    let blob = t.store.get(&key, None).await.expect("get");
    assert_eq!(
        hash_of(blob.body).await.expect("verified read"),
        (size, expected)
    );
    let grown = watch.growth();
    eprintln!(
        "{} MiB round trip: resident memory grew by {} MiB",
        size / MIB,
        grown / MIB
    );
    assert!(
        grown < MEMORY_BUDGET,
        "resident memory grew by {} MiB",
        grown / MIB
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "full-size check: minutes and gigabytes of disk; run with --ignored"]
async fn a_2_gib_blob_streams_through_the_filesystem_store_in_bounded_memory() {
    round_trip_in_bounded_memory(&fs_blobs().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "full-size check: minutes and gigabytes of moto's memory; run with --ignored"]
async fn a_2_gib_blob_streams_through_s3_in_bounded_memory() {
    round_trip_in_bounded_memory(&s3_blobs().await).await;
}
