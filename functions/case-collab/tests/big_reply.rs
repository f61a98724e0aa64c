//! Memory proof: a partner reply with a large attachment goes TG simulator → case-collab →
//! xECM simulator (all in this process) while peak RSS grows far less than the attachment.
//!
//! The regular test moves 160 MiB; the 200 MB variant named in the issue (and a 1 GiB one)
//! are ignored by default: `cargo test -p case-collab --test big_reply -- --ignored`.
//! Only the regular test runs by default in this binary, so the peak reading is its own; run
//! an ignored one alone, by name, for the same reason (`… -- --ignored a_200_mb`).

mod common;

use bytes::Bytes;
use common::*;
use gridlink_tests::stack::{Stack, Storage};
use sha2::{Digest, Sha256};

const MIB: u64 = 1024 * 1024;

/// Chunk `index` of the generated attachment: deterministic, not compressible.
fn chunk(index: u64, length: usize) -> Bytes {
    let mut state = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut bytes = Vec::with_capacity(length + 8);
    while bytes.len() < length {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(length);
    Bytes::from(bytes)
}

fn chunks(size: u64) -> impl Iterator<Item = Bytes> {
    (0..size.div_ceil(MIB)).map(move |index| {
        let length = (size - index * MIB).min(MIB);
        chunk(index, usize::try_from(length).expect("a chunk fits"))
    })
}

/// Peak resident memory of this process so far, in bytes (`VmHWM`).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .expect("VmHWM line")
        * 1024
}

/// The partner posts a reply whose attachment is streamed from a generator.
async fn partner_replies_with(world: &World, thread: &gridlink_tgrid::ThreadId, size: u64) {
    let body = reqwest::Body::wrap_stream(futures::stream::iter(
        chunks(size).map(Ok::<_, std::io::Error>),
    ));
    let form = reqwest::multipart::Form::new()
        .text("body", "The full scan of the delivery papers.")
        .part(
            "file",
            reqwest::multipart::Part::stream_with_length(body, size)
                .file_name("delivery-scan.bin")
                .mime_str("application/octet-stream")
                .expect("mime"),
        );
    partner_posts(world, thread, form).await;
}

async fn a_large_reply_attachment_is_filed_in_bounded_memory(size: u64) {
    let world = world(Stack::start(Storage::Embedded).await, None).await;
    poll(&world).await;
    let thread = case_thread(&world).await;
    // Warm up every path (clients, pools, both sims) with a small reply first.
    partner_replies_with(&world, &thread, 4 * MIB).await;
    deliver_message_posted(&world).await;
    let expected = hex::encode(
        chunks(size)
            .fold(Sha256::new(), |mut hasher, c| {
                hasher.update(&c);
                hasher
            })
            .finalize(),
    );

    let before = peak_rss();
    partner_replies_with(&world, &thread, size).await;
    let accepted = deliver_message_posted(&world).await;
    let grew = peak_rss().saturating_sub(before);
    assert_eq!(accepted["duplicate"], false);

    let done = world
        .function
        .platform()
        .inbox
        .pending(10)
        .await
        .expect("pending");
    assert!(done.is_empty(), "the reply was processed inline: {done:?}");
    let filed = reply_folder_documents(&world).await;
    let big: Vec<_> = filed
        .iter()
        .filter(|n| n.ends_with("delivery-scan.bin"))
        .collect();
    assert_eq!(big.len(), 2, "the warm-up and the large scan: {filed:?}");
    let snapshot = world.stack.xecm_sim.snapshot();
    let stored = snapshot
        .nodes
        .values()
        .filter(|node| node.name.ends_with("delivery-scan.bin"))
        .filter_map(|node| node.versions.first())
        .find(|version| version.size == size)
        .expect("the large scan is stored in xECM at full size");
    assert_eq!(stored.sha256, expected, "byte for byte");
    let on_disk = std::fs::metadata(world.stack.xecm_sim.content_path(&stored.content_file))
        .expect("content file")
        .len();
    assert_eq!(on_disk, size);
    eprintln!(
        "filed a {} MiB reply attachment; peak memory grew by {} KiB",
        size / MIB,
        grew / 1024
    );
    assert!(
        grew < 64 * MIB,
        "peak memory grew by {} MiB moving a {} MiB attachment",
        grew / MIB,
        size / MIB
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_160_mib_reply_attachment_is_filed_in_bounded_memory() {
    a_large_reply_attachment_is_filed_in_bounded_memory(160 * MIB).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "moves 200 MB; run alone with --ignored a_200_mb"]
async fn a_200_mb_reply_attachment_is_filed_in_bounded_memory() {
    a_large_reply_attachment_is_filed_in_bounded_memory(200_000_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "moves 1 GiB; run alone with --ignored a_1_gib"]
async fn a_1_gib_reply_attachment_is_filed_in_bounded_memory() {
    a_large_reply_attachment_is_filed_in_bounded_memory(1024 * MIB).await;
}
