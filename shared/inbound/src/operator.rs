//! The unmatched queue's operator routes — the one implementation both inbound functions
//! serve: list, inspect, assign, reject ([`UnmatchedRoute`], answered by [`answer`]), and the
//! retry schedule ([`retry_unmatched`]). What assigning or retrying *files* is the function's
//! ([`Refiler`]).
//!
//! # Format
//! - `GET …/unmatched` → `200 {"items":[{"item_id","status","details":{…}}]}` (open, oldest first)
//! - `GET …/unmatched/{item_id}` → `200 {"item_id","status","details"}`; unknown → 404
//! - `GET …/unmatched/{item_id}/content` → `200` the parked document's content as it arrived
//!   (the first 256 KiB as text, [`unmatched::content`]); unknown → 404
//! - `POST …/unmatched/{item_id}/assign` `{"po_number": …}` or `{"workspace_id": …}` → `200`
//!   the closed item; 400 names the bad field, 404 an unknown item, 409 one already resolved
//! - `POST …/unmatched/{item_id}/reject` `{"comment"?}` → `200` the closed item; already
//!   closed → 409

use std::future::Future;

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::Platform;
use gridlink_flow::usecase::{RouteParams, Routes, param};
use gridlink_lambda::{HttpRequest, HttpResponse};
use gridlink_xecm::{BusinessObject, Node, NodeId};
use serde_json::{Value, json};

use crate::config::InboundConfig;
use crate::error::InboundError;
use crate::unmatched::{self, RetryVerdict, UnmatchedItem};

/// The unmatched queue's routes, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnmatchedRoute {
    /// `GET unmatched`.
    List,
    /// `GET unmatched/{item_id}`.
    Inspect(String),
    /// `GET unmatched/{item_id}/content`.
    Content(String),
    /// `POST unmatched/{item_id}/assign`.
    Assign(String),
    /// `POST unmatched/{item_id}/reject`.
    Reject(String),
}

impl Routes for UnmatchedRoute {
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[
        ("GET", "unmatched"),
        ("GET", "unmatched/{item_id}"),
        ("GET", "unmatched/{item_id}/content"),
        ("POST", "unmatched/{item_id}/assign"),
        ("POST", "unmatched/{item_id}/reject"),
    ];

    fn parse(method: &str, template: &str, params: &RouteParams) -> Option<Self> {
        let item = || param(params, "item_id");
        match (method, template) {
            ("GET", "unmatched") => Some(Self::List),
            ("GET", "unmatched/{item_id}") => Some(Self::Inspect(item())),
            ("GET", "unmatched/{item_id}/content") => Some(Self::Content(item())),
            ("POST", "unmatched/{item_id}/assign") => Some(Self::Assign(item())),
            ("POST", "unmatched/{item_id}/reject") => Some(Self::Reject(item())),
            _ => None,
        }
    }
}

/// What an inbound function files when an operator assigns an unmatched item, or the retry
/// schedule finds it matches now. Filing must be exactly-once per business identity.
pub trait Refiler: Send + Sync {
    /// The platform.
    fn platform(&self) -> &Platform;

    /// Correlation settings.
    fn inbound(&self) -> &InboundConfig;

    /// Files `item` into `workspace`, which the operator named as `target` (`label`: the
    /// PO number, or the workspace's name); returns what was filed.
    fn assign(
        &self,
        item: UnmatchedItem,
        workspace: Node,
        label: String,
        target: AssignTarget,
    ) -> impl Future<Output = Result<Value, InboundError>> + Send;

    /// Whether this function files inbound documents of `doc_type` (`214`, `DESADV`…): its
    /// TG inbox poll takes only those and leaves the others `new` for their function.
    fn takes(&self, doc_type: &str) -> bool;

    /// Whether this function wants `event` from Trading Grid's event feed
    /// (`GET /v1/events`), polled on the inbox schedule beside the TG inbox: events that are
    /// not new documents (a `document.status_changed`) have no other safety net than this
    /// poll. `None` (the default): the function does not poll the feed.
    fn takes_event(&self) -> Option<fn(&gridlink_tgrid::Event) -> bool> {
        None
    }

    /// Correlates `item` again; files it when it matches now.
    fn retry(
        &self,
        item: UnmatchedItem,
    ) -> impl Future<Output = Result<RetryVerdict, InboundError>> + Send;
}

/// Answers one unmatched-queue route.
pub async fn answer<R: Refiler>(
    refiler: &R,
    route: UnmatchedRoute,
    request: &HttpRequest,
) -> Result<HttpResponse, InboundError> {
    let platform = refiler.platform();
    let item = match route {
        UnmatchedRoute::List => {
            let items = unmatched::list_open(platform, 100).await?;
            return Ok(HttpResponse::json(200, &json!({"items": items})));
        }
        UnmatchedRoute::Inspect(item_id) => unmatched::get(platform, &item_id).await?,
        UnmatchedRoute::Content(item_id) => {
            let content =
                unmatched::content(platform, &item_id, unmatched::CONTENT_PREVIEW_BYTES).await?;
            return Ok(HttpResponse::json(200, &content));
        }
        UnmatchedRoute::Reject(item_id) => {
            let comment = reject_comment(&request.body).map_err(InboundError::BadRequest)?;
            unmatched::close(platform, &item_id, "rejected", json!({"comment": comment})).await?
        }
        UnmatchedRoute::Assign(item_id) => {
            let target = AssignTarget::parse(&request.body)
                .map_err(|e| InboundError::BadRequest(e.to_string()))?;
            let item = unmatched::get(platform, &item_id).await?;
            if !item.is_open() {
                return Err(InboundError::AlreadyResolved {
                    item_id,
                    status: item.status,
                });
            }
            let (workspace, label) = resolve(platform, refiler.inbound(), &target).await?;
            unmatched::assign(platform, &item_id, |item| {
                refiler.assign(item, workspace, label, target)
            })
            .await?
        }
    };
    Ok(HttpResponse::json(200, &item))
}

gridlink_flow::schedules! {
    /// The schedules of an inbound function.
    pub enum InboundSchedule {
        /// Poll the TG inbox (the safety net beside webhooks).
        PollInbox = "poll-inbox",
        /// Correlate open unmatched items again.
        RetryUnmatched = "retry-unmatched",
    }
}

/// Runs one inbound schedule for `refiler`: the TG inbox poll (when `TG_MAILBOX_ID` is set)
/// and, for a function that takes events ([`Refiler::takes_event`]), the TG event-feed poll;
/// or the retry of up to `batch` open unmatched items.
pub async fn run_schedule<R: Refiler>(
    refiler: &R,
    schedule: InboundSchedule,
    batch: usize,
) -> Result<Value, InboundError> {
    match schedule {
        InboundSchedule::PollInbox => {
            let mut answer = match &refiler.inbound().mailbox {
                Some(mailbox) => {
                    let takes = |doc_type: &str| refiler.takes(doc_type);
                    let summary =
                        crate::ingress::poll_tg_inbox(refiler.platform(), mailbox, &takes).await?;
                    json!(summary)
                }
                None => json!({"polled": 0, "why": "TG_MAILBOX_ID is not set"}),
            };
            if let Some(takes) = refiler.takes_event() {
                let events = crate::ingress::poll_tg_events(refiler.platform(), &takes).await?;
                answer["events"] = json!(events);
            }
            Ok(answer)
        }
        InboundSchedule::RetryUnmatched => retry_unmatched(refiler, batch).await,
    }
}

/// The retry schedule: re-correlates up to `batch` open items (least recently tried first)
/// and files those that now match.
pub async fn retry_unmatched<R: Refiler>(refiler: &R, batch: usize) -> Result<Value, InboundError> {
    let summary =
        unmatched::retry_open(refiler.platform(), batch, |item| refiler.retry(item)).await?;
    Ok(json!({"unmatched": summary}))
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

/// The longest comment a reject body may carry, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Reads the body of `POST /{function}/unmatched/{item_id}/reject`: empty, or a JSON object
/// with an optional `comment` (a string of at most [`MAX_COMMENT_CHARS`] characters). A
/// comment of another type, or another field, is refused naming it (400), never ignored.
pub fn reject_comment(body: &[u8]) -> Result<String, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("reject body: not a JSON object ({e})"))?;
    let Some(object) = value.as_object() else {
        return Err("reject body: not a JSON object (expected {} or {\"comment\": \"…\"})".into());
    };
    if let Some(unknown) = object.keys().find(|k| k.as_str() != "comment") {
        return Err(format!(
            "reject body: `body` has an unknown field `{unknown}` (a reject takes only `comment`)"
        ));
    }
    match object.get("comment") {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) if text.chars().count() <= MAX_COMMENT_CHARS => Ok(text.clone()),
        Some(Value::String(_)) => Err(format!(
            "reject body: `comment` must be at most {MAX_COMMENT_CHARS} characters"
        )),
        Some(_) => Err("reject body: `comment` must be a string".into()),
    }
}

/// The workspace and order an assignment names, checked in xECM (400 when it names none).
pub async fn resolve(
    platform: &Platform,
    config: &InboundConfig,
    target: &AssignTarget,
) -> Result<(Node, String), InboundError> {
    let xecm_error = InboundError::from;
    let bad_request = InboundError::BadRequest;
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
