//! Carriers in the demo (issue 22; shipment-delay): after the order-reconcile scenario has
//! sent ACME's 856 for PO 4500001234 — shipment SHP-2026-1118, carrier SCAC ACMF in TD5 —
//! the carrier, Apex Freight Lines (TG partner `prt_sd_apex`, addresses `ZZ:APEXFREIGHT` and
//! `02:ACMF`), sends its 214 for that shipment without naming the PO: shipment-delay files it
//! into the order's `Shipping` folder without an operator, authorised by ACME's ship notice.
//! (Globex's 214 naming ACME's PO for a shipment it does not carry stays parked: see
//! [`super::shipments`].)

use std::time::Instant;

use serde_json::Value;

use super::shipments::{
    Outcome, event_for, named, order_workspace, partner_sends, processed, shipping,
};
use super::{DemoContext, Report};

const STEP: &str = "shipment-delay";

/// Apex Freight Lines' 214 (sender `ZZ:APEXFREIGHT`; its TG directory entry also holds
/// `02:ACMF`, the SCAC ACME's 856 names in TD5): shipment SHP-2026-1118 out for delivery,
/// expected 2026-11-20. It names no PO: the carrier does not know the buyer's order number.
const APEX_214: &str = "ISA*00*          *00*          *ZZ*APEXFREIGHT    *ZZ*BUYERCO        *261119*0700*U*00401*000004803*0*P*>~\n\
GS*QM*APEXFREIGHT*BUYERCO*20261119*0700*4803*X*004010~\n\
ST*214*0001~\n\
B10*PRO-APX-7781*SHP-2026-1118*ACMF~\n\
L11*BOL-2026-1118*BM~\n\
G62*17*20261120~\n\
LX*1~\n\
AT7*X6*NS***20261119*0645*LT~\n\
MS1*JOLIET*IL*US~\n\
SE*8*0001~\n\
GE*1*4803~\n\
IEA*1*000004803~\n";

pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let learned = carrier_learned(ctx).await;
    report.check(
        STEP,
        "ACME's 856 for PO 4500001234 names carrier ACMF (TD5): shipment-delay authorises it on shipment SHP-2026-1118",
        started,
        learned,
    );
    let started = Instant::now();
    let sent = partner_sends(ctx, "prt_sd_apex", "214-apex-SHP-2026-1118.x12", APEX_214).await;
    let Some(event_id) = report.value(
        STEP,
        "Apex Freight Lines (ZZ:APEXFREIGHT, SCAC ACMF) sends a 214 for SHP-2026-1118, naming no PO",
        started,
        sent,
    ) else {
        return;
    };
    let started = Instant::now();
    let filed = match processed(ctx, &event_id).await {
        Ok(outcome) => carrier_filed(ctx, &outcome["statuses"][0]).await,
        Err(e) => Err(e),
    };
    report.check(
        STEP,
        "the carrier's 214 is filed in PO 4500001234's Shipping folder without an operator",
        started,
        filed,
    );
}

/// Waits until shipment-delay has read ACME's 856 (sent by the order-reconcile scenario) and
/// checks it authorised the carrier the notice names.
async fn carrier_learned(ctx: &DemoContext<'_>) -> Outcome<String> {
    let event_id = event_for(ctx, "document.received", |data| {
        data["doc_type"] == "856" && data["sender"]["id"] == "ACMESUPPLY"
    })
    .await
    .map_err(|e| format!("{e} (ACME's 856 is sent by the order-reconcile scenario)"))?;
    let outcome = processed(ctx, &event_id).await?;
    let learned = &outcome["ship_notice"][0];
    if learned["granted"] != true {
        return Err(format!("no carrier authorised: {outcome}"));
    }
    Ok(format!(
        "carrier {} authorised on PO {} by {event_id}",
        learned["carrier"].as_str().unwrap_or("?"),
        learned["po_number"].as_str().unwrap_or("?"),
    ))
}

/// Checks that the carrier's status was filed by its authorisation, and where.
async fn carrier_filed(ctx: &DemoContext<'_>, status: &Value) -> Outcome<String> {
    if status["routed_by"] != "carrier" {
        return Err(format!(
            "not filed as an authorised carrier's report: {status}"
        ));
    }
    let workspace = order_workspace(ctx).await?;
    let documents = shipping(ctx, &workspace).await?;
    let document = named(&documents, &status["document_id"])?;
    let note = named(&documents, &status["note_document_id"])?;
    let shown = if status["status_shown"] == true {
        format!("Shipment Status = {}", status["shipment_status"])
    } else {
        "Shipment Status keeps the newer report".to_owned()
    };
    let where_filed = format!(
        "xECM workspace {} ({}) / Shipping / \"{}\" (node {}); note \"{}\"; {shown}",
        workspace.id, workspace.name, document.name, document.id, note.name
    );
    let grant = &status["carrier_grant"];
    Ok(format!(
        "{where_filed}; authorised as {} on {} by {} ({} {})",
        grant["carrier"].as_str().unwrap_or("?"),
        grant["reference"].as_str().unwrap_or("?"),
        grant["granted_by"].as_str().unwrap_or("?"),
        grant["source"].as_str().unwrap_or("?"),
        grant["evidence"].as_str().unwrap_or("?"),
    ))
}
