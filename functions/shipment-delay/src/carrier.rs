//! Carriers: who, besides the order's supplier, may report on an order's shipment.
//!
//! A carrier (the sender of most 214s and IFTSTAs) is not the order's trading partner, so the
//! ordinary partner check ([`gridlink_inbound::correlate_order`]) parks its reports. A
//! carrier is **authorised on one shipment of one order** by evidence the system already
//! holds ([`gridlink_inbound::shipments::grant_carrier`]), and by nothing the carrier says
//! about itself:
//!
//! 1. **The supplier's ship notice.** An 856 / DESADV that the order's own trading partner
//!    sent (the same partner check as any document) naming a carrier — X12 `TD503` SCAC,
//!    EDIFACT `TDT` carrier id — authorises carrier `02:{SCAC}` (`02` is the X12 qualifier of
//!    a SCAC) on the shipment's id, bill of lading and PRO number, for each order the notice
//!    fills. shipment-delay reads every ship notice it is sent for this (order-reconcile
//!    files and acknowledges them); a notice from anybody else authorises nobody.
//! 2. **An operator's assignment.** Assigning a parked 214 / IFTSTA to an order through the
//!    unmatched queue (`POST /shipment-delay/unmatched/{item_id}/assign` with a PO number, or
//!    a workspace whose `PO Number` is set) authorises its sender on the report's shipment
//!    references for that order.
//!
//! Who the sender is comes from Trading Grid: the envelope's sender address, and every other
//! EDI address of the TG partner that holds it (a carrier sending as `ZZ:APEXFREIGHT` whose
//! directory entry also lists `02:ACMF` is carrier ACMF). A report is filed for a carrier
//! only when one of those addresses holds a grant for one of the report's shipment
//! references **and** that grant names the order the report is for (the PO it names, or —
//! when it names none — the grant's order). So:
//! - a carrier naming a shipment it does not carry is parked (`partner_mismatch`, or
//!   `no_order_number` when it names no PO either);
//! - a carrier naming another order — another supplier's PO — with a shipment it does carry
//!   is parked (the grant is for the order, not for the carrier);
//! - a carrier can only ever file 214 / IFTSTA status reports (and their note) into that
//!   order's `Shipping` folder: grants are read by shipment-delay alone, never by
//!   [`gridlink_inbound::correlate_order`], so a carrier's 810, 855 or 856 goes through
//!   order-reconcile's partner check and is parked like any stranger's.
//!
//! Not covered: a carrier's free-text messages on TG threads (partner-checked as before), a
//! carrier partner list held in xECM (no such attribute in the seeded categories), and
//! withdrawing a grant when a corrected ship notice names another carrier (the new carrier
//! is added; the earlier one keeps its grant until an operator rejects its reports).
//!
//! # Format
//! Ledger record `("shipment-carrier", "{carrier address}|{kind}|{VALUE}")`, status
//! `granted`:
//! ```json
//! {"carrier":"02:ACMF","kind":"bol","value":"BOL-2026-1118","po_numbers":["4500001234"],
//!  "source":"ship_notice","granted_by":"ZZ:ACMESUPPLY","evidence":"doc_…",
//!  "granted_at":"2026-11-24T14:00:00Z"}
//! ```

use gridlink_edi::BusinessDocument;
use gridlink_inbound::shipments::{self, CarrierGrant, GrantSource};
use gridlink_inbound::{Correlation, InboundError, ShipmentRefs, correlate_order, fetch_content};
use gridlink_tgrid::PartyId;
use gridlink_tgrid::model::Document;
use gridlink_xecm::{BusinessObject, Node};
use serde_json::{Value, json};

use crate::ShipmentDelay;

/// Whether a TG document type is a ship notice (`856`, `DESADV`).
pub fn is_ship_notice(doc_type: &str) -> bool {
    ["856", "DESADV"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(doc_type.trim()))
}

/// A carrier authorised on a report's shipment, and where the report goes.
#[derive(Debug, Clone)]
pub(crate) struct Authorised {
    /// The order's workspace.
    pub(crate) workspace: Node,
    /// The order.
    pub(crate) po_number: String,
    /// The grant that authorises it.
    pub(crate) grant: CarrierGrant,
}

impl Authorised {
    /// As recorded in the outcome.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "carrier": self.grant.carrier,
            "reference": format!("{}:{}", self.grant.kind, self.grant.value),
            "source": self.grant.source,
            "granted_by": self.grant.granted_by,
            "evidence": self.grant.evidence,
        })
    }
}

/// Whether `sender` is a carrier authorised on the shipment `refs` name, for order
/// `po_number` when given (else the grant's order), and that order's workspace.
#[tracing::instrument(skip_all, fields(sender = %sender.id, po_number = po_number.unwrap_or_default()))]
pub(crate) async fn authorised(
    function: &ShipmentDelay,
    sender: &PartyId,
    refs: &ShipmentRefs,
    po_number: Option<&str>,
) -> Result<Option<Authorised>, InboundError> {
    if refs.is_empty() {
        return Ok(None);
    }
    let platform = function.platform();
    let addresses = shipments::sender_addresses(platform, sender).await?;
    let Some((grant, po_number)) =
        shipments::carrier_grant(platform, &addresses, refs, po_number).await?
    else {
        return Ok(None);
    };
    let config = &function.config.inbound;
    let Ok(bo) = BusinessObject::new(&config.order_bo_system, &config.order_bo_type, &po_number)
    else {
        return Ok(None);
    };
    let Some(workspace) = platform.xecm.find_workspace_by_business_object(&bo).await? else {
        return Ok(None);
    };
    tracing::info!(carrier = %grant.carrier, workspace_id = workspace.id.get(), "authorised carrier");
    Ok(Some(Authorised {
        workspace,
        po_number,
        grant,
    }))
}

/// A ship notice (856 / DESADV) seen by shipment-delay: when its sender is the order's
/// trading partner and it names a carrier, that carrier is authorised on the shipment for
/// each order it fills. Nothing is filed or acknowledged here (order-reconcile does that),
/// and a notice that cannot be read or belongs to nobody authorises nobody.
pub(crate) async fn learn_from_ship_notice(
    function: &ShipmentDelay,
    document: Document,
) -> Result<Value, InboundError> {
    let platform = function.platform();
    let received = fetch_content(platform, document).await?;
    let bytes = received.bytes(platform).await?;
    let Ok(interchanges) = gridlink_edi::parse_interchanges(&bytes) else {
        return Ok(json!({"skipped": "an unreadable ship notice authorises no carrier"}));
    };
    let sender = &received.document.metadata.sender;
    let supplier = format!("{}:{}", sender.qualifier, sender.id);
    let mut learned = Vec::new();
    for document in interchanges.iter().flat_map(|i| i.documents.iter()) {
        let BusinessDocument::ShipNotice(notice) = document else {
            continue;
        };
        let Some(carrier) = notice
            .carrier_scac
            .as_deref()
            .and_then(shipments::scac_address)
        else {
            learned.push(json!({"shipment_id": notice.shipment_id, "carrier": null}));
            continue;
        };
        let refs = ShipmentRefs {
            shipment_id: Some(notice.shipment_id.clone()).filter(|s| !s.trim().is_empty()),
            bill_of_lading: notice.bill_of_lading.clone(),
            pro_number: notice.pro_number.clone(),
        };
        for order in &notice.orders {
            match correlate_order(
                platform,
                &function.config.inbound,
                Some(&order.po_number),
                sender,
            )
            .await?
            {
                Correlation::Matched { po_number, .. } => {
                    shipments::grant_carrier(
                        platform,
                        &carrier,
                        &refs,
                        &po_number,
                        GrantSource::ShipNotice,
                        &supplier,
                        received.document.document_id.as_str(),
                    )
                    .await?;
                    learned
                        .push(json!({"carrier": carrier, "po_number": po_number, "granted": true}));
                }
                Correlation::Unmatched(reason) => {
                    tracing::info!(po_number = %order.po_number, %reason, "ship notice from someone other than the order's partner authorises no carrier");
                    learned.push(json!({"carrier": carrier, "po_number": order.po_number, "granted": false, "reason": reason.to_string()}));
                }
            }
        }
    }
    Ok(json!({"ship_notice": learned}))
}
