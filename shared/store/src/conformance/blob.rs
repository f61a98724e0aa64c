//! Blob store conformance.

use std::io;

use bytes::Bytes;
use futures::StreamExt;

use crate::blob::{BlobKey, ByteRange, ByteStream, PutOptions, StoreError, body_from_bytes};
use crate::testing::{BlobsUnderTest, MemoryWatch, generated_body};

const MIB: u64 = 1024 * 1024;

fn key(text: &str) -> BlobKey {
    BlobKey::parse(text).expect("a valid key")
}

/// Hashes a stream to its end without keeping it: (bytes, sha256 hex), or the stream's error.
async fn drain(mut body: ByteStream) -> Result<(u64, String), StoreError> {
    let mut hasher = crate::blob::Sha256Hasher::default();
    while let Some(chunk) = body.next().await {
        hasher.update(&chunk.map_err(StoreError::from_stream_error)?);
    }
    Ok((hasher.len(), hasher.finish_hex()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut hasher = crate::blob::Sha256Hasher::default();
    hasher.update(bytes);
    hasher.finish_hex()
}

/// Put then get: same bytes, content type, user metadata and the SHA-256 of the content.
pub async fn a_blob_reads_back_with_its_content_type_metadata_and_sha256(t: &BlobsUnderTest) {
    let blob_key = key("inbound/ACME/850-0001.edi");
    let content = Bytes::from_static(b"ISA*00*          *00*          *ZZ*ACME~");
    let options = PutOptions::with_content_type("application/edi-x12")
        .with_metadata("partner-id", "ACME")
        .with_metadata("control-number", "000000001");
    let stored = t
        .store
        .put(&blob_key, body_from_bytes(content.clone()), options.clone())
        .await
        .expect("put");
    assert_eq!(stored.size, content.len() as u64);
    assert_eq!(
        stored.sha256.as_deref(),
        Some(sha256_hex(&content).as_str())
    );
    let head = t.store.head(&blob_key).await.expect("head");
    assert_eq!(head, stored);
    assert_eq!(head.content_type, "application/edi-x12");
    assert_eq!(head.metadata, options.metadata);
    let blob = t.store.get(&blob_key, None).await.expect("get");
    assert_eq!(blob.meta, stored);
    assert_eq!(blob.bytes().await.expect("read"), content);
}

/// 64 MiB in and out as streams (multipart on S3), hash checked both ways, memory bounded.
pub async fn a_64_mib_blob_streams_in_and_out_with_its_sha256_checked(t: &BlobsUnderTest) {
    const SIZE: u64 = 64 * MIB;
    let blob_key = key("archive/big.bin");
    let (_, expected) = drain(generated_body(7, SIZE)).await.expect("generate");
    let watch = MemoryWatch::start();
    let stored = t
        .store
        .put(&blob_key, generated_body(7, SIZE), PutOptions::default())
        .await
        .expect("put");
    assert_eq!(
        (stored.size, stored.sha256.as_deref()),
        (SIZE, Some(expected.as_str()))
    );
    let blob = t.store.get(&blob_key, None).await.expect("get");
    assert_eq!(blob.meta.sha256.as_deref(), Some(expected.as_str()));
    let (read, actual) = drain(blob.body)
        .await
        .expect("the content matches its hash");
    assert_eq!((read, actual), (SIZE, expected));
    if let Some(watch) = watch {
        let grown = watch.growth();
        eprintln!(
            "64 MiB round trip: resident memory grew by {} MiB",
            grown / MIB
        );
        assert!(
            grown < 48 * MIB,
            "resident memory grew by {} MiB while streaming 64 MiB",
            grown / MIB
        );
    }
}

/// Ranges give exactly the bytes asked for; an end past the blob is cut to its size.
pub async fn byte_ranges_return_the_requested_bytes(t: &BlobsUnderTest) {
    let blob_key = key("ranges/alphabet.txt");
    let content = Bytes::from_static(b"abcdefghijklmnopqrstuvwxyz");
    t.store
        .put(
            &blob_key,
            body_from_bytes(content.clone()),
            PutOptions::default(),
        )
        .await
        .expect("put");
    for (range, expected) in [
        (ByteRange::new(0, 3).expect("range"), &b"abc"[..]),
        (ByteRange::new(23, 26).expect("range"), b"xyz"),
        (ByteRange::new(24, 1000).expect("range"), b"yz"),
        (ByteRange::from(20), b"uvwxyz"),
        (ByteRange::new(25, 26).expect("range"), b"z"),
    ] {
        let blob = t
            .store
            .get(&blob_key, Some(range))
            .await
            .expect("get range");
        assert_eq!(blob.meta.size, 26, "size is the whole blob's");
        assert_eq!(blob.bytes().await.expect("read"), expected, "{range:?}");
    }
    assert!(matches!(
        ByteRange::new(5, 5),
        Err(StoreError::InvalidRange { start: 5, end: 5 })
    ));
}

/// A range that starts at or past the end is `RangeNotSatisfiable` with the size.
pub async fn a_range_starting_past_the_end_is_not_satisfiable(t: &BlobsUnderTest) {
    let blob_key = key("ranges/short.txt");
    t.store
        .put(
            &blob_key,
            body_from_bytes("0123456789"),
            PutOptions::default(),
        )
        .await
        .expect("put");
    for start in [10, 11, 1000] {
        match t.store.get(&blob_key, Some(ByteRange::from(start))).await {
            Err(StoreError::RangeNotSatisfiable {
                start: s, size: 10, ..
            }) => assert_eq!(s, start),
            other => panic!("expected RangeNotSatisfiable, got {other:?}"),
        }
    }
}

/// Missing blobs are `NotFound` for `head` and `get`.
pub async fn head_and_get_of_a_missing_blob_are_not_found(t: &BlobsUnderTest) {
    let blob_key = key("nothing/here.pdf");
    assert!(matches!(
        t.store.head(&blob_key).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        t.store.get(&blob_key, None).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        t.store.get(&blob_key, Some(ByteRange::from(0))).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Delete removes the blob; deleting again (or something never stored) is fine.
pub async fn delete_removes_a_blob_and_deleting_twice_is_fine(t: &BlobsUnderTest) {
    let blob_key = key("outbound/855.edi");
    t.store
        .put(&blob_key, body_from_bytes("ack"), PutOptions::default())
        .await
        .expect("put");
    t.store.delete(&blob_key).await.expect("delete");
    assert!(matches!(
        t.store.head(&blob_key).await,
        Err(StoreError::NotFound { .. })
    ));
    t.store.delete(&blob_key).await.expect("delete again");
    t.store
        .delete(&key("never/stored"))
        .await
        .expect("delete a blob never stored");
}

/// `list` returns every key with the prefix (a plain string prefix), sorted, with sizes.
pub async fn listing_by_prefix_returns_matching_keys_in_order(t: &BlobsUnderTest) {
    for (name, content) in [
        ("a/b", "1"),
        ("a/bc", "22"),
        ("a/b/c", "333"),
        ("ab", "4444"),
        ("a", "5"),
        ("z/y", "6"),
    ] {
        t.store
            .put(&key(name), body_from_bytes(content), PutOptions::default())
            .await
            .expect("put");
    }
    let listed = |prefix: &'static str| {
        let store = std::sync::Arc::clone(&t.store);
        async move {
            store
                .list(prefix)
                .await
                .expect("list")
                .into_iter()
                .map(|e| (e.key.to_string(), e.size))
                .collect::<Vec<_>>()
        }
    };
    let owned = |pairs: &[(&str, u64)]| {
        pairs
            .iter()
            .map(|(k, s)| ((*k).to_owned(), *s))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed("a/b").await,
        owned(&[("a/b", 1), ("a/b/c", 3), ("a/bc", 2)])
    );
    assert_eq!(
        listed("a/").await,
        owned(&[("a/b", 1), ("a/b/c", 3), ("a/bc", 2)])
    );
    assert_eq!(
        listed("a").await,
        owned(&[("a", 1), ("a/b", 1), ("a/b/c", 3), ("a/bc", 2), ("ab", 4)])
    );
    assert_eq!(listed("").await.len(), 6);
    assert!(listed("q").await.is_empty());
    assert!(listed("../").await.is_empty());
}

/// Content changed behind the store's back fails the read with `Corrupt`.
pub async fn a_corrupted_blob_is_detected_on_read(t: &BlobsUnderTest) {
    let blob_key = key("inbound/rotten.edi");
    let content = Bytes::from(vec![b'x'; 100_000]);
    let stored = t
        .store
        .put(&blob_key, body_from_bytes(content), PutOptions::default())
        .await
        .expect("put");
    t.corrupt(&blob_key).await;
    let blob = t
        .store
        .get(&blob_key, None)
        .await
        .expect("get opens the blob");
    match blob.bytes().await {
        Err(StoreError::Corrupt {
            key,
            expected_sha256,
            actual_sha256,
        }) => {
            assert_eq!(key, blob_key.as_str());
            assert_eq!(Some(expected_sha256), stored.sha256);
            assert_ne!(actual_sha256, key);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// Unicode, spaces, dots and odd characters round-trip; traversal keys never get in.
pub async fn keys_with_unicode_slashes_and_dots_round_trip_and_stay_inside(t: &BlobsUnderTest) {
    let names = [
        "räksmörgås/日本語/文書 1.pdf",
        "..hidden/...",
        "a..b/.c/d.",
        "per%cent/ti~lde/hash#/back\\slash/colon:/plus+",
        "emoji/📦.bin",
    ];
    for (n, name) in names.iter().enumerate() {
        t.store
            .put(
                &key(name),
                body_from_bytes(format!("content {n}")),
                PutOptions::default(),
            )
            .await
            .expect(name);
    }
    for (n, name) in names.iter().enumerate() {
        let blob = t.store.get(&key(name), None).await.expect(name);
        assert_eq!(blob.meta.key.as_str(), *name);
        assert_eq!(blob.bytes().await.expect("read"), format!("content {n}"));
    }
    let mut expected: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
    expected.sort();
    let listed: Vec<String> = t
        .store
        .list("")
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.key.to_string())
        .collect();
    assert_eq!(listed, expected);
    for bad in [
        "../escape",
        "a/../../escape",
        "/etc/passwd",
        "a/./b",
        "a//b",
        "nul\0byte",
    ] {
        assert!(
            matches!(BlobKey::parse(bad), Err(StoreError::InvalidKey { .. })),
            "{bad:?}"
        );
    }
    assert!(
        t.files_outside_root().is_empty(),
        "wrote outside the root: {:?}",
        t.files_outside_root()
    );
}

/// A second put replaces content, content type and metadata.
pub async fn an_overwrite_replaces_content_and_metadata(t: &BlobsUnderTest) {
    let blob_key = key("docs/contract.pdf");
    t.store
        .put(
            &blob_key,
            body_from_bytes("first version"),
            PutOptions::with_content_type("text/plain").with_metadata("rev", "1"),
        )
        .await
        .expect("put");
    let second = t
        .store
        .put(
            &blob_key,
            body_from_bytes("second"),
            PutOptions::with_content_type("application/pdf").with_metadata("rev", "2"),
        )
        .await
        .expect("overwrite");
    assert_eq!(t.store.head(&blob_key).await.expect("head"), second);
    assert_eq!(
        t.store
            .get(&blob_key, None)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("read"),
        "second"
    );
}

/// A body that fails mid-way (past the first 8 MiB part) leaves nothing behind.
pub async fn a_failing_body_stores_nothing(t: &BlobsUnderTest) {
    let blob_key = key("broken/upload.bin");
    let failing: ByteStream = Box::pin(generated_body(3, 12 * MIB).chain(futures::stream::once(
        async {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            ))
        },
    )));
    match t.store.put(&blob_key, failing, PutOptions::default()).await {
        Err(StoreError::Body { source, .. }) => {
            assert_eq!(source.kind(), io::ErrorKind::ConnectionReset);
        }
        other => panic!("expected Body, got {other:?}"),
    }
    assert!(matches!(
        t.store.head(&blob_key).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(t.store.list("broken/").await.expect("list").is_empty());
}

/// The reserved `sha256` name, bad names, non-ASCII values and bad content types are refused.
pub async fn reserved_or_malformed_metadata_is_refused(t: &BlobsUnderTest) {
    let blob_key = key("meta/x");
    for options in [
        PutOptions::default().with_metadata("sha256", "0000"),
        PutOptions::default().with_metadata("Upper", "x"),
        PutOptions::default().with_metadata("", "x"),
        PutOptions::default().with_metadata("note", "grüße"),
        PutOptions::with_content_type(""),
        PutOptions::default().with_metadata("big", "x".repeat(3000)),
    ] {
        let outcome = t
            .store
            .put(&blob_key, body_from_bytes("x"), options.clone())
            .await;
        assert!(
            matches!(outcome, Err(StoreError::InvalidMetadata { .. })),
            "{options:?}: {outcome:?}"
        );
    }
    assert!(matches!(
        t.store.head(&blob_key).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// A zero-byte blob is stored, listed and read like any other.
pub async fn an_empty_blob_round_trips(t: &BlobsUnderTest) {
    let blob_key = key("empty/marker");
    let stored = t
        .store
        .put(
            &blob_key,
            body_from_bytes(Bytes::new()),
            PutOptions::default(),
        )
        .await
        .expect("put");
    assert_eq!(stored.size, 0);
    assert_eq!(stored.sha256.as_deref(), Some(sha256_hex(b"").as_str()));
    assert_eq!(
        t.store
            .get(&blob_key, None)
            .await
            .expect("get")
            .bytes()
            .await
            .expect("read"),
        Bytes::new()
    );
    assert_eq!(t.store.list("empty/").await.expect("list").len(), 1);
}
