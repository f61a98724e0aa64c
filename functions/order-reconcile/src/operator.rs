//! The unmatched-queue routes an operator uses: list, inspect, reject.

use gridlink_inbound::ingress::function_error;
use gridlink_inbound::unmatched;
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use serde_json::{Value, json};

use crate::OrderReconcile;

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
