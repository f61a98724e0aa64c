//! Each adapter on fresh storage, with the faults the conformance suites inject.

use std::path::PathBuf;
use std::sync::Arc;

use gridlink_core::clock::{ManualClock, SharedClock};

use super::{MotoServer, dynamodb_client, s3_client, unique_name};
use crate::{BlobKey, BlobStore, DynamoLedger, FsBlobStore, Ledger, S3BlobStore, SqliteLedger};

/// The instant every test clock starts at: 2025-06-15T14:13:20Z.
pub const TEST_EPOCH: i64 = 1_750_000_400;

/// A manual clock at [`TEST_EPOCH`].
pub fn test_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at_unix(TEST_EPOCH))
}

/// A ledger on fresh storage and the clock it reads.
#[derive(Debug)]
pub struct LedgerUnderTest {
    /// The adapter, as use cases hold it.
    pub ledger: Arc<dyn Ledger>,
    /// Its clock; advance it to expire leases and records.
    pub clock: Arc<ManualClock>,
    pub(super) _storage: Option<tempfile::TempDir>,
}

/// A [`SqliteLedger`] in a fresh temporary file.
pub async fn sqlite_ledger() -> LedgerUnderTest {
    let dir = tempfile::tempdir().expect("a temporary directory for the ledger");
    let clock = test_clock();
    let shared: SharedClock = clock.clone();
    let ledger = SqliteLedger::open(dir.path().join("ledger.sqlite3"), shared)
        .await
        .expect("open the SQLite ledger");
    LedgerUnderTest {
        ledger: Arc::new(ledger),
        clock,
        _storage: Some(dir),
    }
}

/// A [`DynamoLedger`] on a fresh table in the shared moto server.
pub async fn dynamo_ledger() -> LedgerUnderTest {
    let moto = MotoServer::shared();
    let clock = test_clock();
    let shared: SharedClock = clock.clone();
    let ledger = DynamoLedger::new(
        dynamodb_client(moto.endpoint()).await,
        unique_name("ledger"),
        shared,
    );
    ledger
        .ensure_table()
        .await
        .expect("create the ledger table in moto");
    LedgerUnderTest {
        ledger: Arc::new(ledger),
        clock,
        _storage: None,
    }
}

/// A blob store on fresh storage, with a way to damage what it stores.
#[derive(Debug)]
pub struct BlobsUnderTest {
    /// The adapter, as use cases hold it.
    pub store: Arc<dyn BlobStore>,
    pub(super) backing: Backing,
}

#[derive(Debug)]
pub(super) enum Backing {
    Fs {
        store: FsBlobStore,
        sandbox: tempfile::TempDir,
    },
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
    },
}

impl BlobsUnderTest {
    /// Flips the first content byte of the blob behind the store's back, keeping its
    /// recorded SHA-256 (a fault injection: bit rot, a bad disk, a rogue writer).
    pub async fn corrupt(&self, key: &BlobKey) {
        match &self.backing {
            Backing::Fs { store, .. } => {
                let path = store.content_path(key);
                let mut bytes = tokio::fs::read(&path).await.expect("read the blob file");
                bytes[0] ^= 0xff;
                tokio::fs::write(&path, bytes)
                    .await
                    .expect("write the damaged blob file");
            }
            Backing::S3 { client, bucket } => {
                let object = client
                    .get_object()
                    .bucket(bucket)
                    .key(key.as_str())
                    .send()
                    .await
                    .expect("get the object");
                let metadata = object.metadata.clone();
                let content_type = object.content_type.clone();
                let mut bytes = object
                    .body
                    .collect()
                    .await
                    .expect("read the object")
                    .to_vec();
                bytes[0] ^= 0xff;
                client
                    .put_object()
                    .bucket(bucket)
                    .key(key.as_str())
                    .set_metadata(metadata)
                    .set_content_type(content_type)
                    .body(bytes.into())
                    .send()
                    .await
                    .expect("put the damaged object");
            }
        }
    }

    /// Files written outside the store's root (there must be none).
    pub fn files_outside_root(&self) -> Vec<PathBuf> {
        match &self.backing {
            Backing::Fs { store, sandbox } => std::fs::read_dir(sandbox.path())
                .expect("list the sandbox")
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path != store.root())
                .collect(),
            Backing::S3 { .. } => Vec::new(),
        }
    }
}

/// An [`FsBlobStore`] rooted at `<sandbox>/store`, so that anything written beside the root
/// shows up in [`BlobsUnderTest::files_outside_root`].
pub async fn fs_blobs() -> BlobsUnderTest {
    let sandbox = tempfile::tempdir().expect("a temporary directory for blobs");
    let store = FsBlobStore::open(sandbox.path().join("store"))
        .await
        .expect("open the blob directory");
    BlobsUnderTest {
        store: Arc::new(store.clone()),
        backing: Backing::Fs { store, sandbox },
    }
}

/// An [`S3BlobStore`] on a fresh bucket in the shared moto server.
pub async fn s3_blobs() -> BlobsUnderTest {
    let moto = MotoServer::shared();
    let client = s3_client(moto.endpoint()).await;
    let bucket = unique_name("blobs");
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("create the bucket in moto");
    let store = S3BlobStore::new(client.clone(), bucket.clone());
    BlobsUnderTest {
        store: Arc::new(store),
        backing: Backing::S3 { client, bucket },
    }
}
