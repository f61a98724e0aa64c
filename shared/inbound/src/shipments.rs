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
//!
//! # Carrier grants
//! [`grant_carrier`] records that a carrier (an EDI address: `02:{SCAC}` from a supplier's
//! ship notice, or the sender an operator assigned) may report on one shipment reference of
//! named orders; [`carrier_grant`] answers for a sender's addresses ([`sender_addresses`]).
//! Record `("shipment-carrier", "{carrier}|{kind}|{VALUE}")`, status `granted`:
//! ```json
//! {"carrier":"02:ACMF","kind":"bol","value":"BOL-2026-1118","po_numbers":["4500001234"],
//!  "source":"ship_notice","granted_by":"ZZ:ACMESUPPLY","evidence":"doc_…","granted_at":"…"}
//! ```
//! Grants are read by shipment-delay only, never by [`crate::correlate_order`]: they let a
//! carrier file status reports, nothing else. Which evidence grants, and why partner isolation
//! still holds, is shipment-delay's `carrier` module.

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

    /// Names the shipment id and bill of lading for the timeline (`shipment:…`, `bol:…`).
    pub fn about(&self) {
        if let Some(shipment) = &self.shipment_id {
            gridlink_flow::timeline::about("shipment", shipment);
        }
        if let Some(bol) = &self.bill_of_lading {
            gridlink_flow::timeline::about("bol", bol);
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

/// The ledger kind of carrier authorisations ([`grant_carrier`]).
pub const CARRIER_GRANT_KIND: &str = "shipment-carrier";

/// Where a carrier's authorisation for a shipment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantSource {
    /// The order's supplier named the carrier (856 TD503 / DESADV TDT carrier id) in a ship
    /// notice for the order, sent from the supplier's own EDI address.
    ShipNotice,
    /// An operator assigned the carrier's parked status report to the order.
    Operator,
}

/// A carrier authorised to report on one shipment reference of some orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierGrant {
    /// The carrier's EDI address (`02:{SCAC}` from a ship notice; the sender's address from
    /// an operator).
    pub carrier: String,
    /// `shipment_id`, `bol` or `pro`.
    pub kind: String,
    /// The reference, trimmed and upper-cased.
    pub value: String,
    /// The orders the shipment fills (a multi-order ship notice names several).
    pub po_numbers: Vec<String>,
    /// Where the latest authorisation came from.
    pub source: GrantSource,
    /// Who gave it: the supplier's EDI address, or `operator`.
    pub granted_by: String,
    /// The evidence: the ship notice's TG document id, or the unmatched item id.
    pub evidence: String,
    /// When (RFC 3339).
    #[serde(default)]
    pub granted_at: String,
}

fn grant_id(carrier: &str, kind: &str, value: &str) -> Result<RecordId, InboundError> {
    Ok(RecordId::new(
        CARRIER_GRANT_KIND,
        format!("{}|{kind}|{value}", carrier.trim().to_uppercase()),
    )?)
}

/// The carrier address a SCAC stands for: `02` is the X12 interchange qualifier of a
/// Standard Carrier Alpha Code, so carrier `ACMF` is `02:ACMF` in Trading Grid's directory.
pub fn scac_address(scac: &str) -> Option<String> {
    let scac = scac.trim().to_uppercase();
    (!scac.is_empty()).then(|| format!("02:{scac}"))
}

/// Records that `carrier` may report on the shipment known by `refs`, which fills order
/// `po_number`. Idempotent: a grant already naming the order is left as it is; another order
/// for the same reference is added (a shipment filling several orders).
#[tracing::instrument(skip_all, fields(carrier = %carrier, po_number = %po_number))]
pub async fn grant_carrier(
    platform: &Platform,
    carrier: &str,
    refs: &ShipmentRefs,
    po_number: &str,
    source: GrantSource,
    granted_by: &str,
    evidence: &str,
) -> Result<(), InboundError> {
    let po_number = po_number.trim();
    let carrier = carrier.trim().to_uppercase();
    if po_number.is_empty() || carrier.is_empty() {
        return Ok(());
    }
    let now = platform.clock.now().format(&Rfc3339).unwrap_or_default();
    for (kind, value) in refs.present() {
        let id = grant_id(&carrier, kind, &value)?;
        let grant = CarrierGrant {
            carrier: carrier.clone(),
            kind: kind.to_owned(),
            value: value.clone(),
            po_numbers: vec![po_number.to_owned()],
            source,
            granted_by: granted_by.to_owned(),
            evidence: evidence.to_owned(),
            granted_at: now.clone(),
        };
        let data =
            serde_json::to_value(&grant).map_err(|e| InboundError::Internal(e.to_string()))?;
        // Two rounds: a concurrent writer may add another order between read and update.
        for _ in 0..3 {
            match platform
                .ledger
                .create(NewRecord::new(id.clone(), "granted", data.clone()))
                .await
            {
                Ok(_) => {
                    tracing::info!(kind, value = %value, ?source, "carrier authorised for the shipment");
                    break;
                }
                Err(LedgerError::AlreadyExists { existing, .. }) => {
                    let mut known: CarrierGrant = serde_json::from_value(existing.data.clone())
                        .map_err(|e| {
                            InboundError::Internal(format!("carrier grant unreadable: {e}"))
                        })?;
                    if known.po_numbers.iter().any(|p| p == po_number) {
                        break;
                    }
                    known.po_numbers.push(po_number.to_owned());
                    known.source = source;
                    known.granted_by = granted_by.to_owned();
                    known.evidence = evidence.to_owned();
                    known.granted_at = now.clone();
                    let mut change = existing.change();
                    change.data = serde_json::to_value(&known)
                        .map_err(|e| InboundError::Internal(e.to_string()))?;
                    match platform.ledger.update(change).await {
                        Ok(_) => break,
                        Err(LedgerError::VersionConflict { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Every EDI address `sender` is known by: its own, and every other address of the Trading
/// Grid partner that holds it (a carrier sending as `ZZ:APEXFREIGHT` whose directory entry
/// also lists `02:ACMF` is carrier `ACMF`). Trading Grid authenticates the sender; the SCAC a
/// status report names about itself is never taken as who sent it.
pub async fn sender_addresses(
    platform: &Platform,
    sender: &PartyId,
) -> Result<Vec<String>, InboundError> {
    use futures::TryStreamExt as _;
    let own = format!("{}:{}", sender.qualifier, sender.id).to_uppercase();
    let filter = gridlink_tgrid::model::PartnerFilter {
        edi_address: Some(sender.clone()),
        ..Default::default()
    };
    let mut addresses: Vec<String> = platform
        .tg
        .partners(&filter)
        .map_ok(|partner| {
            partner
                .edi_addresses
                .into_iter()
                .map(|a| format!("{}:{}", a.qualifier, a.id).to_uppercase())
                .collect::<Vec<_>>()
        })
        .try_concat()
        .await?;
    addresses.retain(|a| *a != own);
    addresses.sort();
    addresses.dedup();
    addresses.insert(0, own);
    Ok(addresses)
}

/// The grant under which one of `carriers` (EDI addresses) may report on the shipment known
/// by `refs`: for order `po_number` when given (a grant for other orders does not count),
/// else the first order of the first grant found (shipment id, then BOL, then PRO).
pub async fn carrier_grant(
    platform: &Platform,
    carriers: &[String],
    refs: &ShipmentRefs,
    po_number: Option<&str>,
) -> Result<Option<(CarrierGrant, String)>, InboundError> {
    for (kind, value) in refs.present() {
        for carrier in carriers {
            let Some(record) = platform
                .ledger
                .get(&grant_id(carrier, kind, &value)?)
                .await?
            else {
                continue;
            };
            let grant: CarrierGrant = serde_json::from_value(record.data)
                .map_err(|e| InboundError::Internal(format!("carrier grant unreadable: {e}")))?;
            let po = match po_number.map(str::trim) {
                Some(po) => grant.po_numbers.iter().find(|p| p.as_str() == po).cloned(),
                None => grant.po_numbers.first().cloned(),
            };
            if let Some(po) = po {
                return Ok(Some((grant, po)));
            }
        }
    }
    Ok(None)
}
