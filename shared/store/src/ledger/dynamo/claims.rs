//! Claims on DynamoDB, after the Powertools idempotency layer.

use std::time::Duration;

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use serde_json::Value;

use super::expr::{Expr, backend};
use super::item::{CLAIM_SK, attr, decode_claim, n, primary_key, s, ttl_seconds};
use super::{Conditional, DynamoLedger, absent_condition};
use crate::ledger::{
    Claim, ClaimDecision, ClaimPeek, ClaimStatus, ClaimToken, LedgerError, RecordId,
    duration_millis, from_millis,
};

/// One conditional `PutItem` of an in-progress claim; on a failed condition the stored
/// claim (returned with the error) decides the answer.
#[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
pub(super) async fn claim(
    ledger: &DynamoLedger,
    id: &RecordId,
    lease: Duration,
    payload_hash: Option<&str>,
) -> Result<Claim, LedgerError> {
    let now = ledger.now_ms();
    let token = ClaimToken::generate();
    let lease_until = now.saturating_add(duration_millis(lease));
    let mut item = primary_key(id, CLAIM_SK);
    item.insert(attr::KIND.to_owned(), s(id.kind()));
    item.insert(attr::KEY.to_owned(), s(id.key()));
    item.insert(attr::STATUS.to_owned(), s(ClaimStatus::InProgress.as_str()));
    item.insert(attr::TOKEN.to_owned(), s(token.as_str()));
    item.insert(attr::EXPIRES_AT_MS.to_owned(), n(lease_until));
    item.insert(
        attr::EXPIRES_AT_EPOCH.to_owned(),
        n(ttl_seconds(lease_until)),
    );
    item.insert(attr::UPDATED_AT_MS.to_owned(), n(now));
    if let Some(hash) = payload_hash {
        item.insert(attr::PAYLOAD_HASH.to_owned(), s(hash));
    }
    let Conditional { expr, condition } = absent_condition(now);
    let sent = ledger
        .client
        .put_item()
        .table_name(&ledger.table)
        .set_item(Some(item))
        .condition_expression(condition)
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match sent {
        Ok(_) => Ok(Claim::Acquired {
            token,
            lease_until: from_millis(lease_until),
        }),
        Err(error) => match error.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                let stored = ledger.failed_item(id, CLAIM_SK, failed.item()).await?;
                let state = stored.as_ref().map(decode_claim).transpose()?;
                ClaimDecision::about(state.as_ref(), now, payload_hash).into_answer(id)
            }
            _ => Err(backend("claim", error)),
        },
    }
}

/// What a claim would find: one consistent `GetItem`, no write.
pub(super) async fn peek(
    ledger: &DynamoLedger,
    id: &RecordId,
    payload_hash: Option<&str>,
) -> Result<ClaimPeek, LedgerError> {
    let now = ledger.now_ms();
    let stored = ledger.read_item(id, CLAIM_SK).await?;
    let state = stored.as_ref().map(decode_claim).transpose()?;
    ClaimDecision::about(state.as_ref(), now, payload_hash).into_peek(id)
}

/// `status = INPROGRESS AND token = :token`: the caller still holds the claim.
fn held_condition(token: &ClaimToken, expr: &mut Expr) -> String {
    format!(
        "{status} = {in_progress} AND {token_name} = {token}",
        status = expr.name(attr::STATUS),
        in_progress = expr.value("in_progress", s(ClaimStatus::InProgress.as_str())),
        token_name = expr.name(attr::TOKEN),
        token = expr.value("token", s(token.as_str())),
    )
}

#[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
pub(super) async fn complete(
    ledger: &DynamoLedger,
    id: &RecordId,
    token: &ClaimToken,
    result: &Value,
    retain_for: Option<Duration>,
) -> Result<(), LedgerError> {
    let now = ledger.now_ms();
    let mut expr = Expr::default();
    let condition = held_condition(token, &mut expr);
    let mut update = format!(
        "SET {} = {}, {} = {}, {} = {}",
        expr.name(attr::STATUS),
        expr.value("completed", s(ClaimStatus::Completed.as_str())),
        expr.name(attr::RESULT),
        expr.value("result", s(result.to_string())),
        expr.name(attr::UPDATED_AT_MS),
        expr.value("now", n(now)),
    );
    let expiry = match retain_for.map(|retain| now.saturating_add(duration_millis(retain))) {
        Some(until) => format!(
            ", {} = {}, {} = {}",
            expr.name(attr::EXPIRES_AT_MS),
            expr.value("expires_ms", n(until)),
            expr.name(attr::EXPIRES_AT_EPOCH),
            expr.value("expires_epoch", n(ttl_seconds(until))),
        ),
        None => format!(
            " REMOVE {}, {}",
            expr.name(attr::EXPIRES_AT_MS),
            expr.name(attr::EXPIRES_AT_EPOCH)
        ),
    };
    update.push_str(&expiry);
    let sent = ledger
        .client
        .update_item()
        .table_name(&ledger.table)
        .set_key(Some(primary_key(id, CLAIM_SK)))
        .update_expression(update)
        .condition_expression(condition)
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .send()
        .await;
    match sent {
        Ok(_) => Ok(()),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(UpdateItemError::is_conditional_check_failed_exception) =>
        {
            Err(LedgerError::ClaimLost { id: id.clone() })
        }
        Err(error) => Err(backend("complete_claim", error)),
    }
}

#[tracing::instrument(skip_all, fields(kind = %id.kind(), key = %id.key()))]
pub(super) async fn release(
    ledger: &DynamoLedger,
    id: &RecordId,
    token: &ClaimToken,
) -> Result<(), LedgerError> {
    let mut expr = Expr::default();
    let condition = held_condition(token, &mut expr);
    let sent = ledger
        .client
        .delete_item()
        .table_name(&ledger.table)
        .set_key(Some(primary_key(id, CLAIM_SK)))
        .condition_expression(condition)
        .set_expression_attribute_names(expr.names())
        .set_expression_attribute_values(expr.values())
        .send()
        .await;
    match sent {
        Ok(_) => Ok(()),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(DeleteItemError::is_conditional_check_failed_exception) =>
        {
            Err(LedgerError::ClaimLost { id: id.clone() })
        }
        Err(error) => Err(backend("release_claim", error)),
    }
}
