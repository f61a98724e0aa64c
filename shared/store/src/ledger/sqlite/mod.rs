//! The embedded ledger: one SQLite file, the local default.
//!
//! # Format
//! ```sql
//! ledger_records (kind, key)  PRIMARY KEY, status, version, data (JSON text),
//!                index1_partition, index1_sort, index2_partition, index2_sort,
//!                created_at_ms, updated_at_ms, expires_at_ms   -- epoch milliseconds
//! ledger_claims  (kind, key)  PRIMARY KEY, status ('INPROGRESS' | 'COMPLETED'), token,
//!                payload_hash, result (JSON text), expires_at_ms, updated_at_ms
//! ```
//! with partial indexes on `(index1_partition, index1_sort)` and `(index2_partition,
//! index2_sort)`. Text compares bytewise (SQLite's `BINARY` collation), as on DynamoDB.
//!
//! The file runs in WAL mode with a 5 s busy timeout. Every write runs in a
//! `BEGIN IMMEDIATE` transaction that reads, checks the condition and writes, so concurrent
//! writers (threads or processes) serialise on the database lock. Blocking work runs on
//! tokio's blocking pool, each call on a connection from a small pool.

mod rows;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridlink_core::clock::SharedClock;
use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;

use super::{
    Claim, ClaimDecision, ClaimPeek, ClaimToken, Ledger, LedgerError, LedgerRecord, LedgerWrite,
    NewRecord, Query, RecordChange, RecordId, check_transaction,
};

/// How long a writer waits for the database lock before giving up with a transient error.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept for reuse.
const POOL_SIZE: usize = 8;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledger_records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    index1_partition TEXT,
    index1_sort TEXT,
    index2_partition TEXT,
    index2_sort TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_records_index1 ON ledger_records (index1_partition, index1_sort)
    WHERE index1_partition IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_records_index2 ON ledger_records (index2_partition, index2_sort)
    WHERE index2_partition IS NOT NULL;
CREATE TABLE IF NOT EXISTS ledger_claims (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    token TEXT NOT NULL,
    payload_hash TEXT,
    result TEXT,
    expires_at_ms INTEGER,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
";

/// The ledger in a SQLite file.
#[derive(Clone)]
pub struct SqliteLedger {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    clock: SharedClock,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteLedger")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteLedger {
    /// Opens (creating if needed) the ledger file at `path`.
    pub async fn open(path: impl Into<PathBuf>, clock: SharedClock) -> Result<Self, LedgerError> {
        let path = path.into();
        let connection = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                let connection = connect(&path)?;
                connection.execute_batch(SCHEMA)?;
                Ok::<_, rusqlite::Error>(connection)
            })
            .await
            .expect("invariant: opening SQLite does not panic")
            .map_err(|e| rows::backend("open", e))?
        };
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                clock,
                idle: Mutex::new(vec![connection]),
            }),
        })
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` in one transaction on a pooled connection, on the blocking pool, with the
    /// clock read once the transaction holds its lock.
    async fn run<T, F>(
        &self,
        operation: &'static str,
        behavior: TransactionBehavior,
        work: F,
    ) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>, i64) -> Result<T, LedgerError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .idle
                .lock()
                .expect("invariant: the pool lock is never poisoned")
                .pop();
            let mut connection = match pooled {
                Some(connection) => connection,
                None => connect(&inner.path).map_err(|e| rows::backend(operation, e))?,
            };
            let outcome = (|| {
                let transaction = connection
                    .transaction_with_behavior(behavior)
                    .map_err(|e| rows::backend(operation, e))?;
                let now_ms = inner.clock.unix_millis();
                let value = work(&transaction, now_ms)?;
                transaction
                    .commit()
                    .map_err(|e| rows::backend(operation, e))?;
                Ok(value)
            })();
            let mut idle = inner
                .idle
                .lock()
                .expect("invariant: the pool lock is never poisoned");
            if idle.len() < POOL_SIZE {
                idle.push(connection);
            }
            outcome
        })
        .await
        .expect("invariant: ledger work does not panic")
    }
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

#[async_trait::async_trait]
impl Ledger for SqliteLedger {
    #[tracing::instrument(skip_all, fields(kind = %record.id.kind(), key = %record.id.key()))]
    async fn create(&self, record: NewRecord) -> Result<LedgerRecord, LedgerError> {
        self.run("create", TransactionBehavior::Immediate, move |tx, now| {
            rows::create(tx, record, now)
        })
        .await
    }

    async fn get(&self, id: &RecordId) -> Result<Option<LedgerRecord>, LedgerError> {
        let id = id.clone();
        self.run("get", TransactionBehavior::Deferred, move |tx, now| {
            Ok(rows::load(tx, &id)?.filter(|record| !rows::expired(record, now)))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(kind = %change.id.kind(), key = %change.id.key()))]
    async fn update(&self, change: RecordChange) -> Result<LedgerRecord, LedgerError> {
        self.run("update", TransactionBehavior::Immediate, move |tx, now| {
            rows::update(tx, change, now)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
    async fn delete(&self, id: &RecordId, expected_version: u64) -> Result<(), LedgerError> {
        let id = id.clone();
        self.run("delete", TransactionBehavior::Immediate, move |tx, now| {
            rows::delete(tx, &id, expected_version, now)
        })
        .await
    }

    async fn query(&self, query: Query) -> Result<Vec<LedgerRecord>, LedgerError> {
        query.check()?;
        self.run("query", TransactionBehavior::Deferred, move |tx, now| {
            rows::query(tx, &query, now)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(writes = writes.len()))]
    async fn transact(&self, writes: Vec<LedgerWrite>) -> Result<(), LedgerError> {
        check_transaction(&writes)?;
        self.run(
            "transact",
            TransactionBehavior::Immediate,
            move |tx, now| {
                for (index, write) in writes.into_iter().enumerate() {
                    let outcome = match write {
                        LedgerWrite::Create(record) => rows::create(tx, record, now).map(drop),
                        LedgerWrite::Update(change) => rows::update(tx, change, now).map(drop),
                        LedgerWrite::Delete {
                            id,
                            expected_version,
                        } => rows::delete(tx, &id, expected_version, now),
                    };
                    match outcome {
                        Ok(()) => {}
                        Err(
                            cause @ (LedgerError::AlreadyExists { .. }
                            | LedgerError::NotFound { .. }
                            | LedgerError::VersionConflict { .. }),
                        ) => {
                            return Err(LedgerError::TransactionCancelled {
                                index,
                                cause: Box::new(cause),
                            });
                        }
                        Err(other) => return Err(other),
                    }
                }
                Ok(())
            },
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
    async fn claim(
        &self,
        id: &RecordId,
        lease: Duration,
        payload_hash: Option<&str>,
    ) -> Result<Claim, LedgerError> {
        let (id, payload_hash) = (id.clone(), payload_hash.map(str::to_owned));
        self.run("claim", TransactionBehavior::Immediate, move |tx, now| {
            rows::claim(tx, &id, lease, payload_hash.as_deref(), now)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
    async fn complete_claim(
        &self,
        id: &RecordId,
        token: &ClaimToken,
        result: Value,
        retain_for: Option<Duration>,
    ) -> Result<(), LedgerError> {
        let (id, token) = (id.clone(), token.clone());
        self.run(
            "complete_claim",
            TransactionBehavior::Immediate,
            move |tx, now| rows::complete_claim(tx, &id, &token, &result, retain_for, now),
        )
        .await
    }

    async fn peek_claim(
        &self,
        id: &RecordId,
        payload_hash: Option<&str>,
    ) -> Result<ClaimPeek, LedgerError> {
        let (id, payload_hash) = (id.clone(), payload_hash.map(str::to_owned));
        self.run(
            "peek_claim",
            TransactionBehavior::Deferred,
            move |tx, now| {
                let existing = rows::load_claim(tx, &id)?;
                ClaimDecision::about(existing.as_ref(), now, payload_hash.as_deref()).into_peek(&id)
            },
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
    async fn release_claim(&self, id: &RecordId, token: &ClaimToken) -> Result<(), LedgerError> {
        let (id, token) = (id.clone(), token.clone());
        self.run(
            "release_claim",
            TransactionBehavior::Immediate,
            move |tx, _| rows::release_claim(tx, &id, &token),
        )
        .await
    }
}
