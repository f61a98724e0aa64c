//! The unmatched queue's `assign` route and the `shipment-delay-retry-unmatched` schedule
//! (list, inspect and reject are [`gridlink_inbound::operator`]'s).
//!
//! A parked 214 / IFTSTA is rebuilt from its record (its content is in the blob store); a
//! parked message from the inbox event that brought it (attachments are fetched from TG
//! again). Assigning files it into the named workspace exactly like a matched report
//! (`routed_by: operator`) and teaches its shipment references for the order; the retry
//! schedule runs the ordinary correlation again.

use gridlink_inbound::InboundError;
use gridlink_inbound::ingress::{self, TG_SOURCE, function_error};
use gridlink_inbound::operator::{self, AssignTarget};
use gridlink_inbound::unmatched::{self, RetryVerdict, UnmatchedItem};
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse, Reply};
use gridlink_xecm::AttributeValue;
use serde_json::json;

use crate::ShipmentDelay;
use crate::message::{Handled, handle_message};
use crate::process::{self, Disposition, Route};

/// Files an unmatched item's reports along `route`.
async fn refile(
    function: &ShipmentDelay,
    item: &UnmatchedItem,
    route: &Route,
) -> Result<Vec<Disposition>, InboundError> {
    let platform = function.platform();
    let event_id = item.text("event_id").unwrap_or_default().to_owned();
    let unreadable = |reason: String| InboundError::UnreadableEvent {
        event_id: event_id.clone(),
        reason: format!("unmatched item {}: {reason}", item.item_id),
    };
    if item.text("doc_type") == Some("message") {
        let inbox_item = platform
            .inbox
            .get(TG_SOURCE, &event_id)
            .await?
            .ok_or_else(|| unreadable("its inbox event is gone".into()))?;
        let event = ingress::event_of(platform, &inbox_item).await?;
        match handle_message(function, &event_id, &event, route).await? {
            Handled::Done(disposition) => Ok(vec![disposition]),
            Handled::Skipped(why) => Err(unreadable(why.to_string())),
        }
    } else {
        let received = unmatched::parked_document(platform, item).await?;
        process::file_statuses(function, &received, &event_id, route).await
    }
}

/// `POST /shipment-delay/unmatched/{item_id}/assign` (`{"po_number": …}` or
/// `{"workspace_id": …}`): files the item there, teaches its shipment references for the
/// order, closes it `assigned`. 400 names the bad field, 404 an unknown item, 409 an item
/// already resolved.
pub(crate) async fn assign(
    function: &ShipmentDelay,
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
    let (workspace, label) = operator::resolve(platform, &function.config.inbound, &target).await?;
    let (po_number, teach) = match &target {
        AssignTarget::PurchaseOrder(po) => (po.clone(), true),
        AssignTarget::Workspace(_) => {
            let values = platform
                .xecm
                .read_attributes(workspace.id, function.config.inbound.order_category)
                .await
                .map_err(|e| function_error(&e.into()))?;
            match values.get("PO Number") {
                Some(AttributeValue::Text(po)) if !po.trim().is_empty() => {
                    (po.trim().to_owned(), true)
                }
                _ => (label, false),
            }
        }
    };
    let route = Route::Assigned {
        workspace: Box::new(workspace),
        po_number,
        teach,
    };
    let closed = unmatched::assign(platform, item_id, |item| async move {
        let dispositions = refile(function, &item, &route).await?;
        Ok(json!(
            dispositions
                .iter()
                .map(Disposition::to_json)
                .collect::<Vec<_>>()
        ))
    })
    .await
    .map_err(|e| function_error(&e))?;
    Ok(Reply::Http(HttpResponse::json(200, &closed)))
}

/// The `shipment-delay-retry-unmatched` schedule: re-correlates open items (bounded batch,
/// least recently tried first) and files those that now match.
pub(crate) async fn retry_unmatched(function: &ShipmentDelay) -> Result<Reply, FunctionError> {
    let summary = unmatched::retry_open(
        function.platform(),
        function.config.unmatched_retry_batch,
        |item| async move {
            let dispositions = refile(function, &item, &Route::Correlate).await?;
            if let Some(reason) = dispositions.iter().find_map(|d| match d {
                Disposition::Parked { reason, .. } => Some(reason.clone()),
                Disposition::Filed(_) => None,
            }) {
                return Ok(RetryVerdict::StillUnmatched(reason));
            }
            if dispositions.is_empty() {
                return Err(InboundError::UnreadableEvent {
                    event_id: item.text("event_id").unwrap_or_default().to_owned(),
                    reason: "the parked document holds no shipment status".into(),
                });
            }
            Ok(RetryVerdict::Filed(json!(
                dispositions
                    .iter()
                    .map(Disposition::to_json)
                    .collect::<Vec<_>>()
            )))
        },
    )
    .await
    .map_err(|e| function_error(&e))?;
    Ok(Reply::Scheduled(json!({"unmatched": summary})))
}
