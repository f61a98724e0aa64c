//! Shipment references → the order they belong to, as earlier documents taught the ledger.
//!
//! A ship notice (856 / DESADV), a shipment status (214 / IFTSTA) or a partner message that
//! names a PO number *teaches* its shipment references; a later document that names only a
//! shipment id, bill of lading or PRO number *looks* the PO up. Records are keyed per sender,
//! so one partner cannot route into another partner's order with a guessed shipment id (and
//! the order's partner is still checked by [`crate::correlate_order`] afterwards).
//!
//! # Format
//! Ledger record `("shipment-ref", "{qualifier}:{id}|{kind}|{VALUE}")`, `kind` one of
//! `shipment_id`, `bol`, `pro`; the value trimmed and upper-cased; status `taught`:
//! ```json
//! {"po_number":"4500001234","sender":"ZZ:ACMESUPPLY","kind":"shipment_id","value":"SHP-77001",
//!  "taught_at":"2026-11-25T01:00:00Z"}
//! ```
//! A reference taught again for another PO points to the newer PO (a carrier reusing an id).

use gridlink_flow::Platform;
use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_tgrid::PartyId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::error::InboundError;

/// The ledger kind of taught shipment references.
pub const SHIPMENT_REF_KIND: &str = "shipment-ref";

/// The document types shipment-delay takes (carrier / shipper shipment status); the other
/// inbound functions leave them to it, since every function subscribed to
/// `document.received` sees every document.
pub const SHIPMENT_STATUS_DOC_TYPES: [&str; 2] = ["214", "IFTSTA"];

/// Whether a TG document type is a shipment status (`214`, `IFTSTA`).
pub fn is_shipment_status(doc_type: &str) -> bool {
    SHIPMENT_STATUS_DOC_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(doc_type.trim()))
}

/// The references a shipment is known by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentRefs {
    /// The shipper's shipment id (BSN02 / B1002 / BGM).
    pub shipment_id: Option<String>,
    /// Bill of lading (REF*BM / L11*BM / RFF+BM).
    pub bill_of_lading: Option<String>,
    /// The carrier's PRO number (B1001 / REF*CN / RFF+CN).
    pub pro_number: Option<String>,
}

impl ShipmentRefs {
    /// The references from a canonical document's business keys.
    pub fn from_keys(keys: &gridlink_edi::BusinessKeys) -> Self {
        Self {
            shipment_id: keys.shipment_id.clone(),
            bill_of_lading: keys.bol.clone(),
            pro_number: keys.pro.clone(),
        }
    }

    /// `(kind, normalised value)` of every reference present, most specific first.
    fn present(&self) -> Vec<(&'static str, String)> {
        [
            ("shipment_id", &self.shipment_id),
            ("bol", &self.bill_of_lading),
            ("pro", &self.pro_number),
        ]
        .into_iter()
        .filter_map(|(kind, value)| {
            let value = value.as_deref()?.trim().to_uppercase();
            (!value.is_empty()).then_some((kind, value))
        })
        .collect()
    }

    /// Whether no reference is present.
    pub fn is_empty(&self) -> bool {
        self.present().is_empty()
    }
}

fn record_id(sender: &PartyId, kind: &str, value: &str) -> Result<RecordId, InboundError> {
    Ok(RecordId::new(
        SHIPMENT_REF_KIND,
        format!("{}:{}|{kind}|{value}", sender.qualifier, sender.id),
    )?)
}

/// Records that `sender`'s shipment `refs` belong to order `po_number`.
#[tracing::instrument(skip_all, fields(po_number = %po_number, sender = %sender.id))]
pub async fn teach(
    platform: &Platform,
    sender: &PartyId,
    refs: &ShipmentRefs,
    po_number: &str,
) -> Result<(), InboundError> {
    let po_number = po_number.trim();
    if po_number.is_empty() {
        return Ok(());
    }
    let now = platform.clock.now().format(&Rfc3339).unwrap_or_default();
    for (kind, value) in refs.present() {
        let id = record_id(sender, kind, &value)?;
        let data = json!({
            "po_number": po_number,
            "sender": format!("{}:{}", sender.qualifier, sender.id),
            "kind": kind,
            "value": value,
            "taught_at": now,
        });
        match platform
            .ledger
            .create(NewRecord::new(id, "taught", data.clone()))
            .await
        {
            Ok(_) => tracing::info!(kind, value = %value, "shipment reference taught"),
            Err(LedgerError::AlreadyExists { existing, .. }) => {
                if existing.data.get("po_number").and_then(Value::as_str) == Some(po_number) {
                    continue;
                }
                tracing::warn!(kind, value = %value, "shipment reference now names another order");
                let mut change = existing.change();
                change.data = data;
                match platform.ledger.update(change).await {
                    // A concurrent teacher won; its answer stands.
                    Ok(_) | Err(LedgerError::VersionConflict { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The PO number `sender`'s shipment `refs` were taught for (shipment id first, then bill of
/// lading, then PRO number), if any.
#[tracing::instrument(skip_all, fields(sender = %sender.id))]
pub async fn lookup(
    platform: &Platform,
    sender: &PartyId,
    refs: &ShipmentRefs,
) -> Result<Option<String>, InboundError> {
    for (kind, value) in refs.present() {
        if let Some(record) = platform
            .ledger
            .get(&record_id(sender, kind, &value)?)
            .await?
            && let Some(po) = record.data.get("po_number").and_then(Value::as_str)
        {
            tracing::info!(kind, value = %value, po_number = po, "order found by shipment reference");
            return Ok(Some(po.to_owned()));
        }
    }
    Ok(None)
}
