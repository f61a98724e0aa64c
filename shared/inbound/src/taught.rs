//! The correlation index operators teach: when an operator assigns an unmatched document to a
//! workspace, the sender's reference it carried (its PO number, as the partner wrote it) is
//! remembered, so the next document **from the same sender with the same reference** goes to
//! that workspace without an operator.
//!
//! ## The rule, and why partner isolation still holds
//! [`correlate_order`](crate::correlate_order) consults this index before it looks up the
//! purchase-order business object. A taught route is an explicit operator override for one
//! `(sender, reference)` pair only:
//! - it is keyed by the sender's full EDI address (`qualifier:id`), so another partner quoting
//!   the same number never uses it — their documents go through the ordinary lookup and its
//!   partner check, and are parked when they do not belong;
//! - it covers one reference, not the workspace: the same sender quoting any other PO number
//!   is correlated (and partner-checked) as usual;
//! - teaching the same pair again replaces the route (the latest operator decision wins); a
//!   route whose workspace is gone is ignored and the ordinary lookup runs.
//!
//! Routes are not scoped by function: "Initech's `PO-77` is PO 4500001235" is a fact about
//! the business, so shipment-delay and order-reconcile both use what either was taught.
//! A document without a reference teaches nothing (it is filed, nothing more).
//!
//! # Format
//! Ledger record `("correlation-route", "po|{sender}|{reference}")`, status `active`:
//! ```json
//! {"sender":"14:5012345000017","reference":"PO-77","workspace_id":2051,
//!  "po_number":"4500001235","item_id":"um-…","taught_at":"2026-11-25T01:00:00Z"}
//! ```

use gridlink_flow::Platform;
use gridlink_store::{LedgerError, NewRecord, RecordId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::error::InboundError;

/// The ledger kind of taught routes.
pub const ROUTE_KIND: &str = "correlation-route";

/// A route an operator taught: `sender` + `reference` → workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaughtRoute {
    /// The sender's EDI address (`qualifier:id`).
    pub sender: String,
    /// The reference the sender's documents carry (their PO number).
    pub reference: String,
    /// The workspace those documents go to.
    pub workspace_id: i64,
    /// The order that workspace stands for (or its name when assigned by workspace id).
    pub po_number: String,
    /// The unmatched item whose assignment taught it.
    #[serde(default)]
    pub item_id: String,
}

fn route_id(sender: &str, reference: &str) -> Result<RecordId, InboundError> {
    Ok(RecordId::new(
        ROUTE_KIND,
        format!("po|{}|{}", sender.trim(), reference.trim()),
    )?)
}

/// Remembers `route` (replacing an earlier route for the same sender and reference).
#[tracing::instrument(skip_all, fields(sender = %route.sender, reference = %route.reference, workspace_id = route.workspace_id))]
pub async fn teach(platform: &Platform, route: &TaughtRoute) -> Result<(), InboundError> {
    let id = route_id(&route.sender, &route.reference)?;
    let mut data =
        serde_json::to_value(route).map_err(|e| InboundError::Internal(e.to_string()))?;
    if let Some(map) = data.as_object_mut() {
        map.insert(
            "taught_at".to_owned(),
            json!(platform.clock.now().format(&Rfc3339).unwrap_or_default()),
        );
    }
    match platform
        .ledger
        .create(NewRecord::new(id, "active", data.clone()))
        .await
    {
        Ok(_) => {}
        Err(LedgerError::AlreadyExists { existing, .. }) => {
            if existing.data.get("workspace_id") != data.get("workspace_id")
                || existing.data.get("po_number") != data.get("po_number")
            {
                let mut change = existing.change();
                change.data = data;
                platform.ledger.update(change).await?;
            }
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!("correlation route taught");
    Ok(())
}

/// The route taught for `sender` + `reference`, if any.
pub async fn lookup(
    platform: &Platform,
    sender: &str,
    reference: &str,
) -> Result<Option<TaughtRoute>, InboundError> {
    let Some(record) = platform.ledger.get(&route_id(sender, reference)?).await? else {
        return Ok(None);
    };
    serde_json::from_value(record.data)
        .map(Some)
        .map_err(|e| InboundError::Internal(format!("taught route unreadable: {e}")))
}
