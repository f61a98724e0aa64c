//! The ledger in one DynamoDB table (single-table design).
//!
//! # Format
//! | attribute | type | on | meaning |
//! |---|---|---|---|
//! | `pk` | S | all | partition key: `<kind>#<key>` |
//! | `sk` | S | all | sort key: `record` or `claim` |
//! | `kind`, `key` | S | all | the [`RecordId`] parts |
//! | `status` | S | all | record status; claims `INPROGRESS` / `COMPLETED` |
//! | `version` | N | records | compare-and-set version, from 1 |
//! | `data` | S | records | JSON text |
//! | `gsi1pk`, `gsi1sk` | S | records in index one | keys of GSI `gsi1` |
//! | `gsi2pk`, `gsi2sk` | S | records in index two | keys of GSI `gsi2` |
//! | `created_at_ms`, `updated_at_ms` | N | all (`created_at_ms` on records) | epoch milliseconds |
//! | `expires_at_ms` | N | optional | expiry, epoch milliseconds: what reads and conditions use |
//! | `expires_at_epoch` | N | optional | the same, epoch seconds rounded up: the TTL attribute |
//! | `token` | S | claims | the lease holder's token |
//! | `payload_hash` | S | claims, optional | hash of the request the claim is for |
//! | `result` | S | completed claims | JSON text of the stored result |
//!
//! Key schema `pk` (HASH) + `sk` (RANGE); GSIs `gsi1` (`gsi1pk`, `gsi1sk`) and `gsi2`
//! (`gsi2pk`, `gsi2sk`) with projection `ALL`; TTL on `expires_at_epoch`. TTL deletion is
//! lazy, so every read and condition also compares `expires_at_ms` with the clock.
//! Claims follow the AWS Powertools idempotency layout: one conditional `PutItem`
//! (`attribute_not_exists(pk) OR expires_at_ms <= :now`) with
//! `ReturnValuesOnConditionCheckFailure = ALL_OLD`, so the loser learns what is there
//! without a second read.

mod claims;
mod expr;
mod item;
mod table;

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use gridlink_core::clock::SharedClock;
use serde_json::Value;

use self::expr::{Expr, backend, build_error};
use self::item::{
    Item, RECORD_SK, attr, decode_record, encode_record, expires_at_ms, n, primary_key, s,
    ttl_seconds,
};
pub use self::table::{GSI1, GSI2, ensure_table};
use super::{
    Claim, ClaimPeek, ClaimToken, IndexName, Ledger, LedgerError, LedgerRecord, LedgerWrite,
    NewRecord, Query, RecordChange, RecordId, SortRange, check_transaction, from_millis, to_millis,
};

/// The ledger in a DynamoDB table laid out as the module docs describe.
#[derive(Debug, Clone)]
pub struct DynamoLedger {
    client: Client,
    table: String,
    clock: SharedClock,
}

/// A conditional write of one record, as DynamoDB needs it.
struct Conditional {
    expr: Expr,
    condition: String,
}

impl DynamoLedger {
    /// The ledger in `table`, reading time from `clock`.
    pub fn new(client: Client, table: impl Into<String>, clock: SharedClock) -> Self {
        Self {
            client,
            table: table.into(),
            clock,
        }
    }

    /// Creates the table if it is missing (see [`ensure_table`]).
    pub async fn ensure_table(&self) -> Result<(), LedgerError> {
        ensure_table(&self.client, &self.table).await
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn now_ms(&self) -> i64 {
        self.clock.unix_millis()
    }

    /// A consistent read of one item, expired or not.
    async fn read_item(&self, id: &RecordId, sk: &str) -> Result<Option<Item>, LedgerError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(id, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("get", e))?;
        Ok(output.item)
    }

    /// The item that failed a condition: from the error when DynamoDB returned it, else read.
    async fn failed_item(
        &self,
        id: &RecordId,
        sk: &str,
        returned: Option<&Item>,
    ) -> Result<Option<Item>, LedgerError> {
        match returned {
            Some(item) if !item.is_empty() => Ok(Some(item.clone())),
            _ => self.read_item(id, sk).await,
        }
    }
}

/// Whether `item` is live at `now`.
fn live(item: &Item, now: i64) -> Result<bool, LedgerError> {
    Ok(expires_at_ms(item)?.is_none_or(|at| at > now))
}

/// `attribute_not_exists(pk) OR expires_at_ms <= :now`: nothing live is there.
fn absent_condition(now: i64) -> Conditional {
    let mut expr = Expr::default();
    let condition = format!(
        "attribute_not_exists({pk}) OR {exp} <= {now}",
        pk = expr.name(attr::PK),
        exp = expr.name(attr::EXPIRES_AT_MS),
        now = expr.value("now", n(now)),
    );
    Conditional { expr, condition }
}

/// A live record at `expected` version.
fn version_condition(expected: u64, now: i64) -> Conditional {
    let mut expr = Expr::default();
    let condition = format!(
        "attribute_exists({pk}) AND {version} = {expected} AND (attribute_not_exists({exp}) OR {exp} > {now})",
        pk = expr.name(attr::PK),
        version = expr.name(attr::VERSION),
        expected = expr.value("expected", n(expected)),
        exp = expr.name(attr::EXPIRES_AT_MS),
        now = expr.value("now", n(now)),
    );
    Conditional { expr, condition }
}

/// `SET` every mutable field of `record` (and `REMOVE` the absent optional ones), on top
/// of `conditional`'s placeholders. `created_at_ms` is left as stored.
fn update_expression(record: &LedgerRecord, expr: &mut Expr) -> String {
    let mut set = vec![
        format!(
            "{} = {}",
            expr.name(attr::STATUS),
            expr.value("status", s(&record.status))
        ),
        format!(
            "{} = {}",
            expr.name(attr::VERSION),
            expr.value("version", n(record.version))
        ),
        format!(
            "{} = {}",
            expr.name(attr::DATA),
            expr.value("data", s(record.data.to_string()))
        ),
        format!(
            "{} = {}",
            expr.name(attr::UPDATED_AT_MS),
            expr.value("updated", n(to_millis(record.updated_at)))
        ),
    ];
    let mut remove = Vec::new();
    for (entry, pk, sk) in [
        (&record.index1, attr::GSI1PK, attr::GSI1SK),
        (&record.index2, attr::GSI2PK, attr::GSI2SK),
    ] {
        match entry {
            Some(entry) => {
                set.push(format!(
                    "{} = {}",
                    expr.name(pk),
                    expr.value(pk, s(&entry.partition))
                ));
                set.push(format!(
                    "{} = {}",
                    expr.name(sk),
                    expr.value(sk, s(&entry.sort))
                ));
            }
            None => remove.extend([expr.name(pk), expr.name(sk)]),
        }
    }
    match record.expires_at.map(to_millis) {
        Some(millis) => {
            set.push(format!(
                "{} = {}",
                expr.name(attr::EXPIRES_AT_MS),
                expr.value("expires_ms", n(millis))
            ));
            set.push(format!(
                "{} = {}",
                expr.name(attr::EXPIRES_AT_EPOCH),
                expr.value("expires_epoch", n(ttl_seconds(millis)))
            ));
        }
        None => remove.extend([
            expr.name(attr::EXPIRES_AT_MS),
            expr.name(attr::EXPIRES_AT_EPOCH),
        ]),
    }
    if remove.is_empty() {
        format!("SET {}", set.join(", "))
    } else {
        format!("SET {} REMOVE {}", set.join(", "), remove.join(", "))
    }
}

/// Why a create failed its condition, given what is stored.
fn create_failure(
    id: &RecordId,
    stored: Option<&Item>,
    now: i64,
) -> Result<LedgerError, LedgerError> {
    match stored {
        Some(item) if live(item, now)? => Ok(LedgerError::AlreadyExists {
            existing: Box::new(decode_record(item)?),
        }),
        _ => Ok(raced("create", id)),
    }
}

/// Why a compare-and-set failed its condition, given what is stored.
fn version_failure(
    id: &RecordId,
    expected: u64,
    stored: Option<&Item>,
    now: i64,
) -> Result<LedgerError, LedgerError> {
    match stored {
        Some(item) if live(item, now)? => {
            let found = decode_record(item)?.version;
            if found == expected {
                return Ok(raced("update", id));
            }
            Ok(LedgerError::VersionConflict {
                id: id.clone(),
                expected,
                found,
            })
        }
        _ => Ok(LedgerError::NotFound { id: id.clone() }),
    }
}

/// The item changed between the failed condition and the read that explains it.
fn raced(operation: &'static str, id: &RecordId) -> LedgerError {
    LedgerError::Backend {
        operation,
        transient: true,
        source: format!("record {id} changed concurrently; try again").into(),
    }
}

#[async_trait::async_trait]
impl Ledger for DynamoLedger {
    #[tracing::instrument(skip_all, fields(kind = %record.id.kind(), key = %record.id.key()))]
    async fn create(&self, record: NewRecord) -> Result<LedgerRecord, LedgerError> {
        let now = self.now_ms();
        let record = record.into_record(from_millis(now))?;
        let Conditional { expr, condition } = absent_condition(now);
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode_record(&record)))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(record),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let stored = self
                        .failed_item(&record.id, RECORD_SK, failed.item())
                        .await?;
                    Err(create_failure(&record.id, stored.as_ref(), now)?)
                }
                _ => Err(backend("create", error)),
            },
        }
    }

    async fn get(&self, id: &RecordId) -> Result<Option<LedgerRecord>, LedgerError> {
        let now = self.now_ms();
        match self.read_item(id, RECORD_SK).await? {
            Some(item) if live(&item, now)? => Ok(Some(decode_record(&item)?)),
            _ => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, fields(kind = %change.id.kind(), key = %change.id.key()))]
    async fn update(&self, change: RecordChange) -> Result<LedgerRecord, LedgerError> {
        let now = self.now_ms();
        let expected = change.expected_version;
        let record = change.into_record(from_millis(now), from_millis(now))?;
        let Conditional {
            mut expr,
            condition,
        } = version_condition(expected, now);
        let update = update_expression(&record, &mut expr);
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(&record.id, RECORD_SK)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match sent {
            Ok(output) => decode_record(&output.attributes.unwrap_or_default()),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    let stored = self
                        .failed_item(&record.id, RECORD_SK, failed.item())
                        .await?;
                    Err(version_failure(&record.id, expected, stored.as_ref(), now)?)
                }
                _ => Err(backend("update", error)),
            },
        }
    }

    #[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
    async fn delete(&self, id: &RecordId, expected_version: u64) -> Result<(), LedgerError> {
        let now = self.now_ms();
        let Conditional { expr, condition } = version_condition(expected_version, now);
        let sent = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(primary_key(id, RECORD_SK)))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(DeleteItemError::ConditionalCheckFailedException(failed)) => {
                    let stored = self.failed_item(id, RECORD_SK, failed.item()).await?;
                    Err(version_failure(id, expected_version, stored.as_ref(), now)?)
                }
                _ => Err(backend("delete", error)),
            },
        }
    }

    async fn query(&self, query: Query) -> Result<Vec<LedgerRecord>, LedgerError> {
        query.check()?;
        if let SortRange::Between { from, to } = &query.range
            && from > to
        {
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        let (index, pk, sk) = match query.index {
            IndexName::One => (GSI1, attr::GSI1PK, attr::GSI1SK),
            IndexName::Two => (GSI2, attr::GSI2PK, attr::GSI2SK),
        };
        let mut expr = Expr::default();
        let partition_condition = format!(
            "{} = {}",
            expr.name(pk),
            expr.value("partition", s(&query.partition))
        );
        let sort = match &query.range {
            SortRange::All => String::new(),
            _ => expr.name(sk),
        };
        let sort_condition = match &query.range {
            SortRange::All => None,
            SortRange::Prefix(prefix) => Some(format!(
                "begins_with({sort}, {})",
                expr.value("sort", s(prefix))
            )),
            SortRange::Before(limit) => Some(format!("{sort} < {}", expr.value("sort", s(limit)))),
            SortRange::From(limit) => Some(format!("{sort} >= {}", expr.value("sort", s(limit)))),
            SortRange::After(limit) => Some(format!("{sort} > {}", expr.value("sort", s(limit)))),
            SortRange::Between { from, to } => Some(format!(
                "{sort} BETWEEN {} AND {}",
                expr.value("from", s(from)),
                expr.value("to", s(to))
            )),
        };
        let key_condition = match sort_condition {
            Some(sort_condition) => format!("{partition_condition} AND {sort_condition}"),
            None => partition_condition,
        };
        let filter = format!(
            "attribute_not_exists({exp}) OR {exp} > {now}",
            exp = expr.name(attr::EXPIRES_AT_MS),
            now = expr.value("now", n(now))
        );
        let limit = query.limit.unwrap_or(usize::MAX);
        let mut records = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(&key_condition)
                .filter_expression(&filter)
                .set_expression_attribute_names(expr.names())
                .set_expression_attribute_values(expr.values())
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| backend("query", e))?;
            for item in page.items() {
                records.push(decode_record(item)?);
                if records.len() >= limit {
                    return Ok(records);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(records);
            }
        }
    }

    #[tracing::instrument(skip_all, fields(writes = writes.len()))]
    async fn transact(&self, writes: Vec<LedgerWrite>) -> Result<(), LedgerError> {
        check_transaction(&writes)?;
        if writes.is_empty() {
            return Ok(());
        }
        let now = self.now_ms();
        let mut items = Vec::with_capacity(writes.len());
        for write in &writes {
            items.push(self.transact_item(write.clone(), now)?);
        }
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let Err(error) = sent else {
            return Ok(());
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.as_service_error()
        else {
            return Err(backend("transact", error));
        };
        let failed = cancelled
            .cancellation_reasons()
            .iter()
            .enumerate()
            .find(|(_, reason)| reason.code() == Some("ConditionalCheckFailed"));
        let Some((index, reason)) = failed else {
            return Err(backend("transact", error));
        };
        let write = &writes[index];
        let stored = self
            .failed_item(write.id(), RECORD_SK, reason.item())
            .await?;
        let cause = match write {
            LedgerWrite::Create(record) => create_failure(&record.id, stored.as_ref(), now)?,
            LedgerWrite::Update(change) => {
                version_failure(&change.id, change.expected_version, stored.as_ref(), now)?
            }
            LedgerWrite::Delete {
                id,
                expected_version,
            } => version_failure(id, *expected_version, stored.as_ref(), now)?,
        };
        if let LedgerError::Backend { .. } = cause {
            return Err(cause);
        }
        Err(LedgerError::TransactionCancelled {
            index,
            cause: Box::new(cause),
        })
    }

    async fn claim(
        &self,
        id: &RecordId,
        lease: Duration,
        payload_hash: Option<&str>,
    ) -> Result<Claim, LedgerError> {
        claims::claim(self, id, lease, payload_hash).await
    }

    async fn complete_claim(
        &self,
        id: &RecordId,
        token: &ClaimToken,
        result: Value,
        retain_for: Option<Duration>,
    ) -> Result<(), LedgerError> {
        claims::complete(self, id, token, &result, retain_for).await
    }

    async fn release_claim(&self, id: &RecordId, token: &ClaimToken) -> Result<(), LedgerError> {
        claims::release(self, id, token).await
    }

    async fn peek_claim(
        &self,
        id: &RecordId,
        payload_hash: Option<&str>,
    ) -> Result<ClaimPeek, LedgerError> {
        claims::peek(self, id, payload_hash).await
    }
}

impl DynamoLedger {
    /// One write of a transaction, with its condition.
    fn transact_item(
        &self,
        write: LedgerWrite,
        now: i64,
    ) -> Result<TransactWriteItem, LedgerError> {
        let on_failure = ReturnValuesOnConditionCheckFailure::AllOld;
        let item = match write {
            LedgerWrite::Create(record) => {
                let record = record.into_record(from_millis(now))?;
                let Conditional { expr, condition } = absent_condition(now);
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(encode_record(&record)))
                    .condition_expression(condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(|e| build_error("transact", e))?;
                TransactWriteItem::builder().put(put).build()
            }
            LedgerWrite::Update(change) => {
                let expected = change.expected_version;
                let record = change.into_record(from_millis(now), from_millis(now))?;
                let Conditional {
                    mut expr,
                    condition,
                } = version_condition(expected, now);
                let update_expression = update_expression(&record, &mut expr);
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(primary_key(&record.id, RECORD_SK)))
                    .update_expression(update_expression)
                    .condition_expression(condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(|e| build_error("transact", e))?;
                TransactWriteItem::builder().update(update).build()
            }
            LedgerWrite::Delete {
                id,
                expected_version,
            } => {
                let Conditional { expr, condition } = version_condition(expected_version, now);
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(primary_key(&id, RECORD_SK)))
                    .condition_expression(condition)
                    .set_expression_attribute_names(expr.names())
                    .set_expression_attribute_values(expr.values())
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(|e| build_error("transact", e))?;
                TransactWriteItem::builder().delete(delete).build()
            }
        };
        Ok(item)
    }
}
