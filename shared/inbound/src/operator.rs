//! The unmatched-queue routes an operator uses, as HTTP answers: list, inspect, reject.
//! A function's router calls these with its platform.
//!
//! # Format
//! - `GET …/unmatched` → `200 {"items":[{"item_id","status","details":{…}}]}` (open, oldest first)
//! - `GET …/unmatched/{item_id}` → `200 {"item_id","status","details"}`; unknown → 404
//! - `POST …/unmatched/{item_id}/reject` `{"comment"?}` → `200` the closed item; already
//!   closed → 409

use gridlink_core::error::ErrorKind;
use gridlink_flow::Platform;
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use serde_json::{Value, json};

use crate::ingress::function_error;
use crate::unmatched;

/// Open items, oldest first (at most 100).
pub async fn list(platform: &Platform) -> Result<Reply, FunctionError> {
    let items = unmatched::list_open(platform, 100)
        .await
        .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(
        200,
        &json!({"items": items}),
    )))
}

/// One item.
pub async fn inspect(platform: &Platform, item_id: &str) -> Result<Reply, FunctionError> {
    let item = unmatched::get(platform, item_id)
        .await
        .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(200, &item)))
}

/// Closes an open item as `rejected`, keeping the operator's comment.
pub async fn reject(
    platform: &Platform,
    item_id: &str,
    request: &HttpRequest,
) -> Result<Reply, FunctionError> {
    let body: Value = if request.body.is_empty() {
        json!({})
    } else {
        request
            .json()
            .map_err(|e| FunctionError::new(ErrorKind::BadRequest, format!("reject body: {e}")))?
    };
    let comment = body
        .get("comment")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let item = unmatched::close(platform, item_id, "rejected", json!({"comment": comment}))
        .await
        .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(200, &item)))
}
