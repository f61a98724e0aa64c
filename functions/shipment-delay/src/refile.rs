//! What an operator's assignment and the retry schedule file (the routes themselves are
//! [`gridlink_inbound::operator`]'s).
//!
//! A parked 214 / IFTSTA is rebuilt from its record (its content is in the blob store); a
//! parked message from the inbox event that brought it (attachments are fetched from TG
//! again). Assigning files it into the named workspace exactly like a matched report
//! (`routed_by: operator`) and teaches its shipment references for the order; the retry
//! schedule runs the ordinary correlation again.

use gridlink_flow::Platform;
use gridlink_flow::TG_SOURCE;
use gridlink_inbound::ingress;
use gridlink_inbound::operator::{AssignTarget, Refiler};
use gridlink_inbound::unmatched::{self, RetryVerdict, UnmatchedItem};
use gridlink_inbound::{InboundConfig, InboundError};
use gridlink_xecm::{AttributeValue, Node};
use serde_json::{Value, json};

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

/// Files an item an operator assigned to `workspace` and teaches its shipment references
/// for the order (the workspace's `PO Number` when the operator named a workspace).
pub(crate) async fn assign(
    function: &ShipmentDelay,
    item: &UnmatchedItem,
    workspace: Node,
    label: String,
    target: &AssignTarget,
) -> Result<Value, InboundError> {
    let (po_number, teach) = match target {
        AssignTarget::PurchaseOrder(po) => (po.clone(), true),
        AssignTarget::Workspace(_) => {
            let values = function
                .platform()
                .xecm
                .read_attributes(workspace.id, function.config.inbound.order_category)
                .await?;
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
        item_id: item.item_id.clone(),
    };
    let dispositions = refile(function, item, &route).await?;
    Ok(json!(
        dispositions
            .iter()
            .map(Disposition::to_json)
            .collect::<Vec<_>>()
    ))
}

/// Correlates an open item again; files it when it matches now.
pub(crate) async fn retry(
    function: &ShipmentDelay,
    item: &UnmatchedItem,
) -> Result<RetryVerdict, InboundError> {
    let dispositions = refile(function, item, &Route::Correlate).await?;
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
}

impl Refiler for ShipmentDelay {
    fn platform(&self) -> &Platform {
        &self.platform
    }

    fn inbound(&self) -> &InboundConfig {
        &self.config.inbound
    }

    /// Shipment statuses (214, IFTSTA); everything else is order-reconcile's.
    fn takes(&self, doc_type: &str) -> bool {
        gridlink_inbound::shipments::is_shipment_status(doc_type)
    }

    async fn assign(
        &self,
        item: UnmatchedItem,
        workspace: Node,
        label: String,
        target: AssignTarget,
    ) -> Result<Value, InboundError> {
        assign(self, &item, workspace, label, &target).await
    }

    async fn retry(&self, item: UnmatchedItem) -> Result<RetryVerdict, InboundError> {
        retry(self, &item).await
    }
}
