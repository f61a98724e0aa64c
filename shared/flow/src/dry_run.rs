//! The platform's storage under a dry run ([`gridlink_core::dry_run`]): the ledger and the
//! blob store every [`Platform`](crate::Platform) hands out are wrapped so that, inside a
//! dry-run scope, every write is refused — recorded in the dry run's report and failed with
//! [`LedgerError::DryRun`] / [`StoreError::DryRun`] — and nothing reaches the store. Reads go
//! through. Outside a scope the wrappers only pass calls on.
//!
//! One kind of write is stood in for instead of refused: taking a **claim** used as a lock (a
//! use case's turn, such as order-reconcile's one reconciliation per order). Inside a dry
//! run the claim is only looked at ([`Ledger::peek_claim`]): a free one is answered
//! `Acquired` with a token that stands for nothing ([`DRY_RUN_TOKEN`]; releasing it writes
//! nothing), a held or completed one as `claim` would answer. So a dry run goes past a turn
//! to the effects behind it, as the real run would. Completing a claim records work done: it
//! is refused like any other write.
//!
//! And one kind of blob write is held in memory instead of refused: a **put** (the copy of a
//! received document's content a use case stages to read it back) is kept in the dry run's
//! report (`gridlink_core::dry_run::Report::stage`, at most [`MAX_STAGED_BYTES`]; a larger one
//! is refused) and read back from there by `get`, `head` and `list` within the same dry run —
//! never written to the store. A delete is refused.
//!
//! With the xECM and Trading Grid clients refusing their writes the same way, a dry run
//! writes nothing by construction. [`Effects::once`](crate::Effects::once) adds the report's
//! words: an effect already done (its stored result), an effect that would run.

use std::sync::Arc;
use std::time::Duration;

use gridlink_core::dry_run::refuse;
use gridlink_store::blob::{
    Blob, BlobEntry, BlobMeta, ByteRange, ByteStream, PutOptions, body_from_bytes,
};
use gridlink_store::{
    BlobKey, BlobStore, Claim, ClaimPeek, ClaimToken, Ledger, LedgerError, LedgerRecord,
    LedgerWrite, NewRecord, Query, RecordChange, RecordId, StoreError,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The token of a claim a dry run stood in for: it holds nothing.
pub const DRY_RUN_TOKEN: &str = "dry-run";

/// A ledger that refuses writes inside a dry run.
#[derive(Debug)]
pub struct GuardedLedger {
    inner: Arc<dyn Ledger>,
}

impl GuardedLedger {
    /// `inner`, guarded.
    pub fn wrap(inner: Arc<dyn Ledger>) -> Arc<dyn Ledger> {
        Arc::new(Self { inner })
    }
}

fn ledger_write(
    operation: &str,
    id: &RecordId,
    summary: impl FnOnce() -> String,
) -> Result<(), LedgerError> {
    match refuse("ledger", operation, &id.to_string(), summary) {
        Some(refusal) => Err(LedgerError::DryRun(refusal)),
        None => Ok(()),
    }
}

/// What a record write would store, shortly.
fn record_summary(status: &str, data: &Value) -> String {
    let keys: Vec<&str> = data
        .as_object()
        .map(|fields| fields.keys().map(String::as_str).take(8).collect())
        .unwrap_or_default();
    format!("status {status}, data {{{}}}", keys.join(", "))
}

#[async_trait::async_trait]
impl Ledger for GuardedLedger {
    async fn create(&self, record: NewRecord) -> Result<LedgerRecord, LedgerError> {
        ledger_write("create", &record.id, || {
            record_summary(&record.status, &record.data)
        })?;
        self.inner.create(record).await
    }

    async fn get(&self, id: &RecordId) -> Result<Option<LedgerRecord>, LedgerError> {
        self.inner.get(id).await
    }

    async fn update(&self, change: RecordChange) -> Result<LedgerRecord, LedgerError> {
        ledger_write("update", &change.id, || {
            record_summary(&change.status, &change.data)
        })?;
        self.inner.update(change).await
    }

    async fn delete(&self, id: &RecordId, expected_version: u64) -> Result<(), LedgerError> {
        ledger_write("delete", id, || format!("at version {expected_version}"))?;
        self.inner.delete(id, expected_version).await
    }

    async fn query(&self, query: Query) -> Result<Vec<LedgerRecord>, LedgerError> {
        self.inner.query(query).await
    }

    async fn transact(&self, writes: Vec<LedgerWrite>) -> Result<(), LedgerError> {
        if let Some(first) = writes.first() {
            ledger_write("transact", first.id(), || {
                format!("{} writes in one transaction", writes.len())
            })?;
        }
        self.inner.transact(writes).await
    }

    async fn claim(
        &self,
        id: &RecordId,
        lease: Duration,
        payload_hash: Option<&str>,
    ) -> Result<Claim, LedgerError> {
        if !gridlink_core::dry_run::active() {
            return self.inner.claim(id, lease, payload_hash).await;
        }
        match self.inner.peek_claim(id, payload_hash).await? {
            ClaimPeek::Free => Ok(Claim::Acquired {
                token: ClaimToken::from_string(DRY_RUN_TOKEN.to_owned()),
                lease_until: time::OffsetDateTime::now_utc() + lease,
            }),
            ClaimPeek::Completed { result } => Ok(Claim::AlreadyCompleted { result }),
            ClaimPeek::Held { until } => Err(LedgerError::ClaimHeld {
                id: id.clone(),
                until,
            }),
        }
    }

    async fn complete_claim(
        &self,
        id: &RecordId,
        token: &ClaimToken,
        result: Value,
        retain_for: Option<Duration>,
    ) -> Result<(), LedgerError> {
        ledger_write("complete_claim", id, || format!("result {result}"))?;
        self.inner
            .complete_claim(id, token, result, retain_for)
            .await
    }

    async fn release_claim(&self, id: &RecordId, token: &ClaimToken) -> Result<(), LedgerError> {
        if token.as_str() == DRY_RUN_TOKEN && gridlink_core::dry_run::active() {
            return Ok(());
        }
        ledger_write("release_claim", id, String::new)?;
        self.inner.release_claim(id, token).await
    }

    async fn peek_claim(
        &self,
        id: &RecordId,
        payload_hash: Option<&str>,
    ) -> Result<ClaimPeek, LedgerError> {
        self.inner.peek_claim(id, payload_hash).await
    }
}

/// The largest blob a dry run holds in memory; a larger put is refused.
pub const MAX_STAGED_BYTES: usize = 64 * 1024 * 1024;

/// A blob store that refuses writes inside a dry run.
#[derive(Debug)]
pub struct GuardedBlobs {
    inner: Arc<dyn BlobStore>,
}

impl GuardedBlobs {
    /// `inner`, guarded.
    pub fn wrap(inner: Arc<dyn BlobStore>) -> Arc<dyn BlobStore> {
        Arc::new(Self { inner })
    }
}

fn blob_write(
    operation: &str,
    key: &BlobKey,
    summary: impl FnOnce() -> String,
) -> Result<(), StoreError> {
    match refuse("blobs", operation, key.as_str(), summary) {
        Some(refusal) => Err(StoreError::DryRun(refusal)),
        None => Ok(()),
    }
}

#[async_trait::async_trait]
impl BlobStore for GuardedBlobs {
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        let Some(report) = gridlink_core::dry_run::report() else {
            return self.inner.put(key, body, options).await;
        };
        options.validate()?;
        let Some(bytes) = read_bounded(body, MAX_STAGED_BYTES)
            .await
            .map_err(|source| StoreError::Body {
                key: key.to_string(),
                source,
            })?
        else {
            let refused = refuse("blobs", "put", key.as_str(), || {
                format!(
                    "content type {}, more than {MAX_STAGED_BYTES} bytes: too large to hold in a dry run",
                    options.content_type
                )
            });
            return Err(refused.map_or_else(
                || StoreError::Backend {
                    operation: "put",
                    transient: false,
                    source: "a dry run ended while staging".into(),
                },
                StoreError::DryRun,
            ));
        };
        let staged = gridlink_core::dry_run::Staged {
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes,
            content_type: options.content_type,
            metadata: options.metadata,
        };
        tracing::info!(key = %key, size = staged.bytes.len(), "dry run: blob staged in memory");
        let meta = staged_meta(key, &staged);
        report.stage(key.as_str(), staged);
        Ok(meta)
    }

    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError> {
        let Some(staged) = staged(key) else {
            return self.inner.get(key, range).await;
        };
        let size = staged.bytes.len() as u64;
        let (start, end) = match range {
            None => (0, size),
            Some(range) if range.start() >= size => {
                return Err(StoreError::RangeNotSatisfiable {
                    key: key.to_string(),
                    start: range.start(),
                    size,
                });
            }
            Some(range) => (range.start(), range.end().map_or(size, |end| end.min(size))),
        };
        let (start, end) = (
            usize::try_from(start).unwrap_or(usize::MAX),
            usize::try_from(end).unwrap_or(usize::MAX),
        );
        let part = staged.bytes.get(start..end).unwrap_or_default().to_vec();
        Ok(Blob {
            meta: staged_meta(key, &staged),
            body: body_from_bytes(part),
        })
    }

    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError> {
        match staged(key) {
            Some(staged) => Ok(staged_meta(key, &staged)),
            None => self.inner.head(key).await,
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        blob_write("delete", key, String::new)?;
        self.inner.delete(key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        let mut entries = self.inner.list(prefix).await?;
        if let Some(report) = gridlink_core::dry_run::report() {
            for (key, size) in report.staged_keys() {
                if key.starts_with(prefix) {
                    entries.retain(|entry| entry.key.as_str() != key);
                    entries.push(BlobEntry {
                        key: BlobKey::parse(key)?,
                        size,
                    });
                }
            }
            entries.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
        }
        Ok(entries)
    }
}

/// The blob the current dry run staged under `key`, if any.
fn staged(key: &BlobKey) -> Option<Arc<gridlink_core::dry_run::Staged>> {
    gridlink_core::dry_run::report()?.staged(key.as_str())
}

fn staged_meta(key: &BlobKey, staged: &gridlink_core::dry_run::Staged) -> BlobMeta {
    BlobMeta {
        key: key.clone(),
        size: staged.bytes.len() as u64,
        sha256: Some(staged.sha256.clone()),
        content_type: staged.content_type.clone(),
        metadata: staged.metadata.clone(),
    }
}

/// The whole body, or `None` when it is longer than `limit` bytes.
async fn read_bounded(mut body: ByteStream, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    use futures::StreamExt;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}
