//! The SQL behind each ledger operation, run inside a transaction.

use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Row, Transaction, params, params_from_iter};
use serde_json::Value;

use crate::ledger::{
    Claim, ClaimDecision, ClaimState, ClaimStatus, ClaimToken, IndexEntry, IndexName, LedgerError,
    LedgerRecord, NewRecord, Query, RecordChange, RecordId, SortRange, duration_millis,
    from_millis, to_millis,
};

const RECORD_COLUMNS: &str = "kind, key, status, version, data, index1_partition, index1_sort, \
     index2_partition, index2_sort, created_at_ms, updated_at_ms, expires_at_ms";

/// Whether `record` has expired at `now` (ms).
pub(super) fn expired(record: &LedgerRecord, now: i64) -> bool {
    record.expires_at.is_some_and(|at| to_millis(at) <= now)
}

pub(super) fn backend(operation: &'static str, error: rusqlite::Error) -> LedgerError {
    let transient = matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    LedgerError::Backend {
        operation,
        transient,
        source: Box::new(error),
    }
}

fn read_record(row: &Row<'_>) -> rusqlite::Result<LedgerRecord> {
    let kind: String = row.get(0)?;
    let key: String = row.get(1)?;
    let data: String = row.get(4)?;
    let entry = |partition: Option<String>, sort: Option<String>| {
        partition.zip(sort).map(|(p, s)| IndexEntry::new(p, s))
    };
    let bad = |column, error: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, error)
    };
    Ok(LedgerRecord {
        id: RecordId::new(kind, key).map_err(|e| bad(0, Box::new(e)))?,
        status: row.get(2)?,
        version: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        data: serde_json::from_str(&data).map_err(|e| bad(4, Box::new(e)))?,
        index1: entry(row.get(5)?, row.get(6)?),
        index2: entry(row.get(7)?, row.get(8)?),
        created_at: from_millis(row.get(9)?),
        updated_at: from_millis(row.get(10)?),
        expires_at: row.get::<_, Option<i64>>(11)?.map(from_millis),
    })
}

/// The stored record, expired or not.
pub(super) fn load(
    tx: &Transaction<'_>,
    id: &RecordId,
) -> Result<Option<LedgerRecord>, LedgerError> {
    tx.query_row(
        &format!("SELECT {RECORD_COLUMNS} FROM ledger_records WHERE kind = ?1 AND key = ?2"),
        params![id.kind(), id.key()],
        read_record,
    )
    .optional()
    .map_err(|e| backend("get", e))
}

fn save(
    tx: &Transaction<'_>,
    record: &LedgerRecord,
    operation: &'static str,
) -> Result<(), LedgerError> {
    let index = |entry: &Option<IndexEntry>| {
        entry.as_ref().map_or((None, None), |e| {
            (Some(e.partition.clone()), Some(e.sort.clone()))
        })
    };
    let (index1_partition, index1_sort) = index(&record.index1);
    let (index2_partition, index2_sort) = index(&record.index2);
    tx.execute(
        &format!("INSERT OR REPLACE INTO ledger_records ({RECORD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            record.id.kind(),
            record.id.key(),
            record.status,
            i64::try_from(record.version).unwrap_or(i64::MAX),
            record.data.to_string(),
            index1_partition,
            index1_sort,
            index2_partition,
            index2_sort,
            to_millis(record.created_at),
            to_millis(record.updated_at),
            record.expires_at.map(to_millis),
        ],
    )
    .map_err(|e| backend(operation, e))?;
    Ok(())
}

pub(super) fn create(
    tx: &Transaction<'_>,
    record: NewRecord,
    now: i64,
) -> Result<LedgerRecord, LedgerError> {
    if let Some(existing) = load(tx, &record.id)?.filter(|existing| !expired(existing, now)) {
        return Err(LedgerError::AlreadyExists {
            existing: Box::new(existing),
        });
    }
    let record = record.into_record(from_millis(now))?;
    save(tx, &record, "create")?;
    Ok(record)
}

/// The live record at `expected` version, or the reason there is none.
fn current(
    tx: &Transaction<'_>,
    id: &RecordId,
    expected: u64,
    now: i64,
) -> Result<LedgerRecord, LedgerError> {
    let record = load(tx, id)?
        .filter(|record| !expired(record, now))
        .ok_or_else(|| LedgerError::NotFound { id: id.clone() })?;
    if record.version != expected {
        return Err(LedgerError::VersionConflict {
            id: id.clone(),
            expected,
            found: record.version,
        });
    }
    Ok(record)
}

pub(super) fn update(
    tx: &Transaction<'_>,
    change: RecordChange,
    now: i64,
) -> Result<LedgerRecord, LedgerError> {
    let stored = current(tx, &change.id, change.expected_version, now)?;
    let record = change.into_record(stored.created_at, from_millis(now))?;
    save(tx, &record, "update")?;
    Ok(record)
}

pub(super) fn delete(
    tx: &Transaction<'_>,
    id: &RecordId,
    expected: u64,
    now: i64,
) -> Result<(), LedgerError> {
    current(tx, id, expected, now)?;
    tx.execute(
        "DELETE FROM ledger_records WHERE kind = ?1 AND key = ?2",
        params![id.kind(), id.key()],
    )
    .map_err(|e| backend("delete", e))?;
    Ok(())
}

pub(super) fn query(
    tx: &Transaction<'_>,
    query: &Query,
    now: i64,
) -> Result<Vec<LedgerRecord>, LedgerError> {
    let (partition, sort) = match query.index {
        IndexName::One => ("index1_partition", "index1_sort"),
        IndexName::Two => ("index2_partition", "index2_sort"),
    };
    let mut values = vec![SqlValue::from(query.partition.clone()), SqlValue::from(now)];
    let range = match &query.range {
        SortRange::All => String::new(),
        SortRange::Prefix(prefix) => {
            values.push(SqlValue::from(prefix.clone()));
            format!("AND substr({sort}, 1, length(?3)) = ?3")
        }
        SortRange::Before(limit) => {
            values.push(SqlValue::from(limit.clone()));
            format!("AND {sort} < ?3")
        }
        SortRange::From(limit) => {
            values.push(SqlValue::from(limit.clone()));
            format!("AND {sort} >= ?3")
        }
        SortRange::After(limit) => {
            values.push(SqlValue::from(limit.clone()));
            format!("AND {sort} > ?3")
        }
        SortRange::Between { from, to } => {
            values.push(SqlValue::from(from.clone()));
            values.push(SqlValue::from(to.clone()));
            format!("AND {sort} >= ?3 AND {sort} <= ?4")
        }
    };
    let limit = query
        .limit
        .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM ledger_records \
         WHERE {partition} = ?1 AND (expires_at_ms IS NULL OR expires_at_ms > ?2) {range} \
         ORDER BY {sort}, kind, key LIMIT {limit}"
    );
    let mut statement = tx.prepare(&sql).map_err(|e| backend("query", e))?;
    let records = statement
        .query_map(params_from_iter(values), read_record)
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .map_err(|e| backend("query", e))?;
    Ok(records)
}

pub(super) fn load_claim(
    tx: &Transaction<'_>,
    id: &RecordId,
) -> Result<Option<ClaimState>, LedgerError> {
    tx.query_row(
        "SELECT status, token, payload_hash, result, expires_at_ms FROM ledger_claims WHERE kind = ?1 AND key = ?2",
        params![id.kind(), id.key()],
        |row| {
            let status: String = row.get(0)?;
            let result: Option<String> = row.get(3)?;
            Ok(ClaimState {
                status: ClaimStatus::parse(&status).unwrap_or(ClaimStatus::InProgress),
                token: row.get(1)?,
                payload_hash: row.get(2)?,
                result: result.and_then(|text| serde_json::from_str(&text).ok()),
                expires_at_ms: row.get(4)?,
            })
        },
    )
    .optional()
    .map_err(|e| backend("claim", e))
}

pub(super) fn claim(
    tx: &Transaction<'_>,
    id: &RecordId,
    lease: Duration,
    payload_hash: Option<&str>,
    now: i64,
) -> Result<Claim, LedgerError> {
    let existing = load_claim(tx, id)?;
    match ClaimDecision::about(existing.as_ref(), now, payload_hash) {
        ClaimDecision::Take => {
            let token = ClaimToken::generate();
            let lease_until = now.saturating_add(duration_millis(lease));
            tx.execute(
                "INSERT OR REPLACE INTO ledger_claims (kind, key, status, token, payload_hash, result, expires_at_ms, updated_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7)",
                params![id.kind(), id.key(), ClaimStatus::InProgress.as_str(), token.as_str(), payload_hash, lease_until, now],
            )
            .map_err(|e| backend("claim", e))?;
            Ok(Claim::Acquired {
                token,
                lease_until: from_millis(lease_until),
            })
        }
        other => other.into_answer(id),
    }
}

/// The claim if `token` holds it (in progress, same token), else `ClaimLost`.
fn held(
    tx: &Transaction<'_>,
    id: &RecordId,
    token: &ClaimToken,
) -> Result<ClaimState, LedgerError> {
    load_claim(tx, id)?
        .filter(|state| state.status == ClaimStatus::InProgress && state.token == token.as_str())
        .ok_or_else(|| LedgerError::ClaimLost { id: id.clone() })
}

pub(super) fn complete_claim(
    tx: &Transaction<'_>,
    id: &RecordId,
    token: &ClaimToken,
    result: &Value,
    retain_for: Option<Duration>,
    now: i64,
) -> Result<(), LedgerError> {
    held(tx, id, token)?;
    let expires_at = retain_for.map(|retain| now.saturating_add(duration_millis(retain)));
    tx.execute(
        "UPDATE ledger_claims SET status = ?3, result = ?4, expires_at_ms = ?5, updated_at_ms = ?6 WHERE kind = ?1 AND key = ?2",
        params![id.kind(), id.key(), ClaimStatus::Completed.as_str(), result.to_string(), expires_at, now],
    )
    .map_err(|e| backend("complete_claim", e))?;
    Ok(())
}

pub(super) fn release_claim(
    tx: &Transaction<'_>,
    id: &RecordId,
    token: &ClaimToken,
) -> Result<(), LedgerError> {
    held(tx, id, token)?;
    tx.execute(
        "DELETE FROM ledger_claims WHERE kind = ?1 AND key = ?2",
        params![id.kind(), id.key()],
    )
    .map_err(|e| backend("release_claim", e))?;
    Ok(())
}
