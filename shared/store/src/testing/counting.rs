//! A [`Ledger`] and a [`BlobStore`] that count the calls made through them, by operation: for
//! tests that pin how many ledger reads and writes and blob requests a piece of work costs
//! (each is a DynamoDB or S3 request in the cloud; docs/cost.md prices them).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::blob::{
    Blob, BlobEntry, BlobKey, BlobMeta, BlobStore, ByteRange, ByteStream, PutOptions, StoreError,
};
use crate::ledger::{
    Claim, ClaimPeek, ClaimToken, Ledger, LedgerError, LedgerRecord, LedgerWrite, NewRecord, Query,
    RecordChange, RecordId,
};

/// Calls counted by operation name.
#[derive(Debug, Default)]
pub struct Calls(Mutex<BTreeMap<&'static str, u64>>);

impl Calls {
    /// The calls so far, by operation.
    pub fn all(&self) -> BTreeMap<&'static str, u64> {
        self.0.lock().expect("counter lock").clone()
    }

    /// The calls of one operation so far.
    pub fn count(&self, operation: &str) -> u64 {
        self.all().get(operation).copied().unwrap_or(0)
    }

    /// Forgets the calls counted so far.
    pub fn reset(&self) {
        self.0.lock().expect("counter lock").clear();
    }

    fn note(&self, operation: &'static str) {
        *self
            .0
            .lock()
            .expect("counter lock")
            .entry(operation)
            .or_default() += 1;
    }
}

/// Wraps a ledger and counts every call by operation name (`get`, `create`, `update`, …).
#[derive(Debug)]
pub struct CountingLedger {
    inner: Arc<dyn Ledger>,
    calls: Calls,
}

impl CountingLedger {
    /// Counts the calls made to `inner` through the returned ledger.
    pub fn new(inner: Arc<dyn Ledger>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            calls: Calls::default(),
        })
    }

    /// The calls counted so far.
    pub fn calls(&self) -> &Calls {
        &self.calls
    }

    fn note(&self, operation: &'static str) {
        self.calls.note(operation);
    }
}

/// Wraps a blob store and counts every call by operation name (`put`, `get`, `head`,
/// `delete`, `list`).
#[derive(Debug)]
pub struct CountingBlobs {
    inner: Arc<dyn BlobStore>,
    calls: Calls,
}

impl CountingBlobs {
    /// Counts the calls made to `inner` through the returned store.
    pub fn new(inner: Arc<dyn BlobStore>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            calls: Calls::default(),
        })
    }

    /// The calls counted so far.
    pub fn calls(&self) -> &Calls {
        &self.calls
    }
}

#[async_trait::async_trait]
impl BlobStore for CountingBlobs {
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        self.calls.note("put");
        self.inner.put(key, body, options).await
    }

    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError> {
        self.calls.note("get");
        self.inner.get(key, range).await
    }

    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError> {
        self.calls.note("head");
        self.inner.head(key).await
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        self.calls.note("delete");
        self.inner.delete(key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        self.calls.note("list");
        self.inner.list(prefix).await
    }
}

#[async_trait::async_trait]
impl Ledger for CountingLedger {
    async fn create(&self, record: NewRecord) -> Result<LedgerRecord, LedgerError> {
        self.note("create");
        self.inner.create(record).await
    }

    async fn get(&self, id: &RecordId) -> Result<Option<LedgerRecord>, LedgerError> {
        self.note("get");
        self.inner.get(id).await
    }

    async fn update(&self, change: RecordChange) -> Result<LedgerRecord, LedgerError> {
        self.note("update");
        self.inner.update(change).await
    }

    async fn delete(&self, id: &RecordId, expected_version: u64) -> Result<(), LedgerError> {
        self.note("delete");
        self.inner.delete(id, expected_version).await
    }

    async fn query(&self, query: Query) -> Result<Vec<LedgerRecord>, LedgerError> {
        self.note("query");
        self.inner.query(query).await
    }

    async fn transact(&self, writes: Vec<LedgerWrite>) -> Result<(), LedgerError> {
        self.note("transact");
        self.inner.transact(writes).await
    }

    async fn claim(
        &self,
        id: &RecordId,
        lease: Duration,
        payload_hash: Option<&str>,
    ) -> Result<Claim, LedgerError> {
        self.note("claim");
        self.inner.claim(id, lease, payload_hash).await
    }

    async fn complete_claim(
        &self,
        id: &RecordId,
        token: &ClaimToken,
        result: Value,
        retain_for: Option<Duration>,
    ) -> Result<(), LedgerError> {
        self.note("complete_claim");
        self.inner
            .complete_claim(id, token, result, retain_for)
            .await
    }

    async fn release_claim(&self, id: &RecordId, token: &ClaimToken) -> Result<(), LedgerError> {
        self.note("release_claim");
        self.inner.release_claim(id, token).await
    }

    async fn peek_claim(
        &self,
        id: &RecordId,
        payload_hash: Option<&str>,
    ) -> Result<ClaimPeek, LedgerError> {
        self.note("peek_claim");
        self.inner.peek_claim(id, payload_hash).await
    }
}
