//! The unmatched queue as an operator and the schedule use it: list, inspect, assign, reject,
//! and the retry schedule.

use gridlink_inbound::InboundError;
use gridlink_inbound::ingress::function_error;
use gridlink_inbound::operator::{self, AssignTarget};
use gridlink_inbound::unmatched;
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use serde_json::{Value, json};

use crate::{OrderReconcile, refile};

pub(crate) async fn list(function: &OrderReconcile) -> Result<Reply, FunctionError> {
    let items = unmatched::list_open(function.platform(), 100)
        .await
        .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(
        200,
        &json!({"items": items}),
    )))
}

pub(crate) async fn inspect(
    function: &OrderReconcile,
    item_id: &str,
) -> Result<Reply, FunctionError> {
    let item = unmatched::get(function.platform(), item_id)
        .await
        .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(200, &item)))
}

pub(crate) async fn reject(
    function: &OrderReconcile,
    item_id: &str,
    request: &HttpRequest,
) -> Result<Reply, FunctionError> {
    let body: Value = if request.body.is_empty() {
        json!({})
    } else {
        request.json().map_err(|e| {
            FunctionError::new(
                gridlink_core::error::ErrorKind::BadRequest,
                format!("reject body: {e}"),
            )
        })?
    };
    let comment = body
        .get("comment")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let item = unmatched::close(
        function.platform(),
        item_id,
        "rejected",
        json!({"comment": comment}),
    )
    .await
    .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(200, &item)))
}

/// `POST /order-reconcile/unmatched/{item_id}/assign`: files the item where the operator
/// says, teaches the correlation, closes it `assigned`. 400 names the bad field, 404 an
/// unknown item, 409 an item already resolved.
pub(crate) async fn assign(
    function: &OrderReconcile,
    item_id: &str,
    request: &HttpRequest,
) -> Result<Reply, FunctionError> {
    let target =
        AssignTarget::parse(&request.body).map_err(|e| operator::bad_request(e.to_string()))?;
    let platform = function.platform();
    let item = unmatched::get(platform, item_id)
        .await
        .map_err(|e| function_error(&e))?;
    if !item.is_open() {
        return Err(function_error(&InboundError::AlreadyResolved {
            item_id: item_id.to_owned(),
            status: item.status,
        }));
    }
    let (workspace, po_number) =
        operator::resolve(platform, &function.config.inbound, &target).await?;
    let closed = unmatched::assign(platform, item_id, |item| async move {
        refile::assign(function, &item, &workspace, &po_number).await
    })
    .await
    .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(200, &closed)))
}

/// The `order-reconcile-retry-unmatched` schedule: re-correlates open items (bounded batch,
/// least recently tried first) and files those that now match.
pub(crate) async fn retry_unmatched(function: &OrderReconcile) -> Result<Reply, FunctionError> {
    let summary = unmatched::retry_open(
        function.platform(),
        function.config.unmatched_retry_batch,
        |item| refile::retry(function, item),
    )
    .await
    .map_err(|e| function_error(&e))?;
    Ok(Reply::Scheduled(json!({"unmatched": summary})))
}
