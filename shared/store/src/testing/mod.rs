//! Test support (feature `test-support`): moto's server, SDK clients pointed at it, and
//! fixtures that build each adapter on fresh, private storage.
//!
//! [`iam`] builds the same fixtures acting as an IAM role, against moto with IAM enforced —
//! for a function, its role from `infra/template.yaml` ([`role`] resolves it).
//!
//! Other crates' tests use it the same way this crate's do:
//! ```no_run
//! # async fn demo() {
//! use gridlink_store::testing::{MotoServer, s3_client, unique_name};
//! let moto = MotoServer::shared();
//! let s3 = s3_client(moto.endpoint()).await;
//! let bucket = unique_name("docs");
//! s3.create_bucket().bucket(&bucket).send().await.expect("bucket");
//! # }
//! ```

mod counting;
mod fixtures;
pub mod iam;
mod moto;
pub mod role;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use bytes::Bytes;

use crate::blob::ByteStream;
use aws_credential_types::Credentials;

pub use counting::{Calls, CountingBlobs, CountingLedger};
pub use fixtures::{
    BlobsUnderTest, LedgerUnderTest, TEST_EPOCH, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
    test_clock,
};
pub use moto::{INSTALL_HINT, MOTO_VERSION, MotoError, MotoServer};

/// SDK configuration for `endpoint` with dummy credentials in `us-east-1`.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "gridlink-tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// An S3 client for `endpoint`, path-style (`http://host/bucket/key`).
pub async fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let config = sdk_config(endpoint).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

/// A DynamoDB client for `endpoint`.
pub async fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(endpoint).await)
}

/// A name no other test uses, valid for buckets and tables: `<prefix>-<32 hex digits>`.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

const MIB: u64 = 1024 * 1024;

/// `size` bytes of deterministic noise (xorshift from `seed`), in 1 MiB chunks, generated as it is read.
pub fn generated_body(seed: u64, size: u64) -> ByteStream {
    Box::pin(futures::stream::unfold(
        (seed, 0_u64),
        move |(state, sent)| async move {
            (sent < size).then(|| {
                let length = (size - sent).min(MIB);
                let (chunk, state) = noise(state, length);
                (Ok(chunk), (state, sent + length))
            })
        },
    ))
}

fn noise(mut state: u64, length: u64) -> (Bytes, u64) {
    let length = usize::try_from(length).expect("a chunk fits in memory");
    let mut chunk = Vec::with_capacity(length + 8);
    while chunk.len() < length {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.extend_from_slice(&state.to_le_bytes());
    }
    chunk.truncate(length);
    (Bytes::from(chunk), state)
}

/// Watches this process's resident memory (`VmRSS`, Linux) from a background thread, so a
/// test can assert that streaming a large body did not buffer it.
#[derive(Debug)]
pub struct MemoryWatch {
    baseline: u64,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    sampler: Option<std::thread::JoinHandle<()>>,
}

impl MemoryWatch {
    /// Starts watching; `None` where the OS does not tell (not Linux).
    pub fn start() -> Option<Self> {
        let baseline = resident_bytes()?;
        let peak = Arc::new(AtomicU64::new(baseline));
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, stop) = (Arc::clone(&peak), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(now) = resident_bytes() {
                        peak.fetch_max(now, Ordering::Relaxed);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        };
        Some(Self {
            baseline,
            peak,
            stop,
            sampler: Some(sampler),
        })
    }

    /// Stops watching; the most the resident memory rose above where it was at the start.
    pub fn growth(mut self) -> u64 {
        self.halt();
        self.peak
            .load(Ordering::Relaxed)
            .saturating_sub(self.baseline)
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(sampler) = self.sampler.take() {
            let _ = sampler.join();
        }
    }
}

impl Drop for MemoryWatch {
    fn drop(&mut self) {
        self.halt();
    }
}

fn resident_bytes() -> Option<u64> {
    proc_status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// This process's resident set now (`VmRSS`) and at its peak so far (`VmHWM`), in KiB, from
/// `/proc/self/status` (Linux; `(0, 0)` elsewhere) — what the benchmarks print as memory.
pub fn rss_kib() -> (u64, u64) {
    rss_kib_at("/proc/self/status")
}

/// [`rss_kib`] of another process, by its id (a benchmark's child process).
pub fn rss_kib_of(pid: u32) -> (u64, u64) {
    rss_kib_at(&format!("/proc/{pid}/status"))
}

fn rss_kib_at(status: &str) -> (u64, u64) {
    (
        proc_status_kib_at(status, "VmRSS:").unwrap_or(0),
        proc_status_kib_at(status, "VmHWM:").unwrap_or(0),
    )
}

fn proc_status_kib(field: &str) -> Option<u64> {
    proc_status_kib_at("/proc/self/status", field)
}

fn proc_status_kib_at(path: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(path).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod memory_tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn the_resident_set_is_read_and_its_peak_is_at_least_it() {
        let (now, peak) = super::rss_kib();
        assert!(now > 0, "VmRSS read");
        assert!(peak >= now, "VmHWM {peak} ≥ VmRSS {now}");
        let (of_pid, _) = super::rss_kib_of(std::process::id());
        assert!(of_pid > 0, "VmRSS read by process id");
        assert_eq!(super::rss_kib_of(u32::MAX), (0, 0), "no such process");
        let watch = super::MemoryWatch::start().expect("Linux tells");
        let block = vec![1u8; 32 * 1024 * 1024];
        std::hint::black_box(&block);
        // The watch samples every 5 ms: give it a few samples while the block is held.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let grown = watch.growth();
        drop(block);
        assert!(
            grown >= 16 * 1024 * 1024,
            "32 MiB touched, {grown} bytes seen"
        );
    }
}
