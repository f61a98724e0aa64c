//! The unmatched-queue routes an operator uses, as HTTP answers: list, inspect, reject; and
//! the assign body ([`AssignTarget`]) resolved to a workspace ([`resolve`]). A function's
//! router calls these with its platform.
//!
//! # Format
//! - `GET …/unmatched` → `200 {"items":[{"item_id","status","details":{…}}]}` (open, oldest first)
//! - `GET …/unmatched/{item_id}` → `200 {"item_id","status","details"}`; unknown → 404
//! - `POST …/unmatched/{item_id}/reject` `{"comment"?}` → `200` the closed item; already
//!   closed → 409

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::Platform;
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use gridlink_xecm::{BusinessObject, Node, NodeId, XecmError};
use serde_json::{Value, json};

use crate::config::InboundConfig;
use crate::error::InboundError;
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

/// Where an operator sends an unmatched item.
///
/// # Format
/// The body of `POST /{function}/unmatched/{item_id}/assign` names exactly one of:
/// ```json
/// {"po_number": "4500001235"}   // the purchase-order workspace of this order
/// {"workspace_id": 2051}        // this business workspace (xECM node id)
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignTarget {
    /// The workspace of this purchase order (business object).
    PurchaseOrder(String),
    /// This workspace node.
    Workspace(i64),
}

/// Why an assign request is refused before anything is done (400).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssignError {
    /// The body is not a JSON object.
    #[error("assign body: not a JSON object ({0})")]
    Body(String),
    /// A field is missing, extra or wrong.
    #[error("assign body: `{field}` {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl AssignError {
    fn field(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Field {
            field,
            reason: reason.into(),
        }
    }
}

impl AssignTarget {
    /// Reads the assign body.
    pub fn parse(body: &[u8]) -> Result<Self, AssignError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| AssignError::Body(e.to_string()))?;
        let Some(object) = value.as_object() else {
            return Err(AssignError::Body(
                "expected {\"po_number\": …} or {\"workspace_id\": …}".into(),
            ));
        };
        if let Some(unknown) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "po_number" | "workspace_id" | "comment"))
        {
            return Err(AssignError::Field {
                field: "body",
                reason: format!(
                    "has an unknown field `{unknown}` (give po_number or workspace_id)"
                ),
            });
        }
        match (object.get("po_number"), object.get("workspace_id")) {
            (Some(_), Some(_)) => Err(AssignError::field(
                "workspace_id",
                "given together with po_number: name one target",
            )),
            (None, None) => Err(AssignError::field(
                "po_number",
                "is missing: give po_number or workspace_id",
            )),
            (Some(po), None) => match po.as_str().map(str::trim) {
                Some(po)
                    if !po.is_empty()
                        && po.len() <= 35
                        && po.chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')
                        }) =>
                {
                    Ok(Self::PurchaseOrder(po.to_owned()))
                }
                _ => Err(AssignError::field(
                    "po_number",
                    "must be a PO number (1–35 letters, digits, `-`, `_`, `/`, `.`)",
                )),
            },
            (None, Some(id)) => match id.as_i64() {
                Some(id) if id > 0 => Ok(Self::Workspace(id)),
                _ => Err(AssignError::field(
                    "workspace_id",
                    "must be a positive integer (an xECM node id)",
                )),
            },
        }
    }
}

/// A 400 answer.
pub fn bad_request(message: impl Into<String>) -> FunctionError {
    FunctionError::new(ErrorKind::BadRequest, message)
}

/// The workspace and order an assignment names, checked in xECM (400 when it names none).
pub async fn resolve(
    platform: &Platform,
    config: &InboundConfig,
    target: &AssignTarget,
) -> Result<(Node, String), FunctionError> {
    let xecm_error = |e: XecmError| function_error(&InboundError::from(e));
    match target {
        AssignTarget::PurchaseOrder(po) => {
            let bo = BusinessObject::new(&config.order_bo_system, &config.order_bo_type, po)
                .map_err(|e| bad_request(format!("assign body: `po_number` {e}")))?;
            let workspace = platform
                .xecm
                .find_workspace_by_business_object(&bo)
                .await
                .map_err(xecm_error)?
                .ok_or_else(|| {
                    bad_request(format!(
                        "assign body: `po_number` {po} has no purchase-order workspace"
                    ))
                })?;
            Ok((workspace, po.clone()))
        }
        AssignTarget::Workspace(id) => {
            let node_id = NodeId::new(*id)
                .map_err(|e| bad_request(format!("assign body: `workspace_id` {e}")))?;
            let node = match platform.xecm.get_node(node_id).await {
                Ok(node) => node,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(bad_request(format!(
                        "assign body: `workspace_id` {id} is not a node in xECM"
                    )));
                }
                Err(e) => return Err(xecm_error(e)),
            };
            if node.subtype != BUSINESS_WORKSPACE_SUBTYPE {
                return Err(bad_request(format!(
                    "assign body: `workspace_id` {id} is a {}, not a business workspace",
                    node.type_name.as_deref().unwrap_or("node")
                )));
            }
            let label = node.name.clone();
            Ok((node, label))
        }
    }
}

/// xECM's subtype of business workspaces.
const BUSINESS_WORKSPACE_SUBTYPE: i64 = 848;
