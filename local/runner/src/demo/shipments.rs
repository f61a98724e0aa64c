//! Use case 4 (shipment-delay) in the demo: ACME reports a delay of its shipment for purchase
//! order 4500001234 with an X12 214 through Trading Grid; it is filed in the order
//! workspace's `Shipping` folder with the `Shipment Notice` category, the order's
//! `Shipment Status` says so, an internal note lies beside it, and a 997 goes back. Then ACME
//! writes on the order's shipment thread that the shipment is held at customs, attaching the
//! customs notice: message and attachment are filed too. Last, Globex sends a 214 naming
//! ACME's order: it is parked as unmatched and nothing is filed. (A carrier's 214, filed
//! without an operator, is [`super::carriers`], after order-reconcile's 856.)
//!
//! As in production: partners act through the TG simulator's partner controls, TG delivers
//! the signed webhooks to the gateway, the function does the rest; the scenario watches the
//! function's inbox record, the xECM folder and attributes, and the partner's view of TG.

use std::time::{Duration, Instant};

use gridlink_tgrid::model::{ExternalRef, NewSpace, NewThread, ThreadKind};
use gridlink_tgrid::{Collaboration as _, EventFeed as _, IdempotencyKey, PartnerId};
use gridlink_xecm::{AttributeValue, BusinessObject, CategoryId, Node};
use serde_json::Value;

use super::{DemoContext, Report};

const STEP: &str = "shipment-delay";
const PO: &str = "4500001234";
const POLL_EVERY: Duration = Duration::from_millis(200);
const WAIT_AT_MOST: Duration = Duration::from_secs(20);

/// ACME's 214: shipment SHP-77001 of PO 4500001234 delayed by weather, now expected 2026-12-04.
const ACME_214: &str = "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*0915*U*00401*000004801*0*P*>~\n\
GS*QM*ACMESUPPLY*BUYERCO*20261124*0915*4801*X*004010~\n\
ST*214*0001~\n\
B10*PRO-99120034*SHP-77001*ACMF~\n\
L11*BOL-4455001*BM~\n\
L11*4500001234*PO~\n\
G62*17*20261204~\n\
LX*1~\n\
AT7*SD*AO***20261124*0800*LT~\n\
MS1*SPRINGFIELD*MO*US~\n\
SE*9*0001~\n\
GE*1*4801~\n\
IEA*1*000004801~\n";

/// Globex's 214 naming ACME's order (Globex is not the order's partner).
const GLOBEX_214: &str = "ISA*00*          *00*          *ZZ*GLOBEXLOG      *ZZ*BUYERCO        *261124*0930*U*00401*000004802*0*P*>~\n\
GS*QM*GLOBEXLOG*BUYERCO*20261124*0930*4802*X*004010~\n\
ST*214*0001~\n\
B10*PRO-GX-5501*SHP-GX-5501*GLBX~\n\
L11*4500001234*PO~\n\
LX*1~\n\
AT7*SD*AI***20261124*0900*LT~\n\
SE*6*0001~\n\
GE*1*4802~\n\
IEA*1*000004802~\n";

pub(super) type Outcome<T> = Result<T, String>;

pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let sent = partner_sends(ctx, "prt_acme", "214-SHP-77001.x12", ACME_214).await;
    let Some(event_id) = report.value(
        STEP,
        "ACME sends a 214: shipment SHP-77001 of PO 4500001234 delayed",
        started,
        sent,
    ) else {
        return;
    };
    let started = Instant::now();
    let filed = match processed(ctx, &event_id).await {
        Ok(outcome) => filed_status(ctx, &outcome["statuses"][0]).await,
        Err(e) => Err(e),
    };
    report.check(
        STEP,
        "the 214 is filed in the PO workspace's Shipping folder, Shipment Status updated, a note beside it",
        started,
        filed,
    );
    let started = Instant::now();
    let ack = match processed(ctx, &event_id).await {
        Ok(outcome) => ack_reached(ctx, "prt_acme", &outcome, "997").await,
        Err(e) => Err(e),
    };
    report.check(
        STEP,
        "a 997 goes back to ACME through Trading Grid",
        started,
        ack,
    );

    let started = Instant::now();
    let posted = partner_posts_on_shipment_thread(ctx).await;
    let Some(event_id) = report.value(
        STEP,
        "ACME writes on the order's shipment thread: held at customs, notice attached",
        started,
        posted,
    ) else {
        return;
    };
    let started = Instant::now();
    let filed = match processed(ctx, &event_id).await {
        Ok(outcome) => filed_message(ctx, &outcome).await,
        Err(e) => Err(e),
    };
    report.check(
        STEP,
        "the message and its attachment are filed in Shipping; Shipment Status follows",
        started,
        filed,
    );

    let started = Instant::now();
    let sent = partner_sends(ctx, "prt_globex", "214-globex.x12", GLOBEX_214).await;
    let Some(event_id) = report.value(
        STEP,
        "Globex sends a 214 naming ACME's PO 4500001234",
        started,
        sent,
    ) else {
        return;
    };
    let started = Instant::now();
    let parked = parked_not_filed(ctx, &event_id).await;
    report.check(
        STEP,
        "Globex's 214 is parked as unmatched and nothing is filed",
        started,
        parked,
    );
}

fn tg_control(ctx: &DemoContext<'_>, path: &str) -> String {
    format!("{}/__sim/{path}", ctx.tg_url.trim_end_matches('/'))
}

async fn json_of(response: reqwest::Response, what: &str) -> Outcome<Value> {
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{what}: {e}"))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("{what} → {status}: {body}"))
    }
}

/// The id of the first event of `event_type` whose data `matches` (read from TG's feed).
pub(super) async fn event_for(
    ctx: &DemoContext<'_>,
    event_type: &str,
    matches: impl Fn(&Value) -> bool,
) -> Outcome<String> {
    let tg = ctx.platforms.tg_client();
    let mut after = None;
    for _ in 0..50 {
        let page = tg
            .events_after(after.as_ref(), Some(200))
            .await
            .map_err(|e| format!("TG event feed: {e}"))?;
        if let Some(event) = page
            .items
            .iter()
            .find(|e| e.event_type.as_str() == event_type && matches(&e.data))
        {
            return Ok(event.event_id.as_str().to_owned());
        }
        match page.next_cursor {
            Some(cursor) => after = Some(gridlink_tgrid::EventId::new(cursor)),
            None => break,
        }
    }
    Err(format!("TG emitted no matching {event_type} event"))
}

/// The partner sends `payload`; the `document.received` event id and what was sent.
pub(super) async fn partner_sends(
    ctx: &DemoContext<'_>,
    partner: &str,
    file_name: &str,
    payload: &'static str,
) -> Outcome<(String, String)> {
    let url = tg_control(ctx, &format!("partners/{partner}/documents"));
    let response = ctx
        .http
        .post(&url)
        .query(&[("file_name", file_name)])
        .body(payload)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let body = json_of(response, &format!("POST {url}")).await?;
    let document_id = body["document_id"].as_str().unwrap_or_default().to_owned();
    let event_id = event_for(ctx, "document.received", |data| {
        data["document_id"] == document_id.as_str()
    })
    .await?;
    Ok((
        event_id.clone(),
        format!(
            "TG document {document_id} ({} {}) from {}:{}, event {event_id}",
            body["standard"].as_str().unwrap_or("?"),
            body["doc_type"].as_str().unwrap_or("?"),
            body["sender"]["qualifier"].as_str().unwrap_or("?"),
            body["sender"]["id"].as_str().unwrap_or("?"),
        ),
    ))
}

/// The tenant opens ACME's shipment thread for the order (external ref `po:4500001234`);
/// ACME posts on it with the customs notice attached. The `message.posted` event id.
async fn partner_posts_on_shipment_thread(ctx: &DemoContext<'_>) -> Outcome<(String, String)> {
    let tg = ctx.platforms.tg_client();
    let space = tg
        .open_space(
            &IdempotencyKey::derive("demo-shipments-space", "prt_acme"),
            &NewSpace {
                partner_id: PartnerId::new("prt_acme"),
                title: "ACME shipments".into(),
                external_ref: None,
                context: None,
            },
        )
        .await
        .map_err(|e| format!("TG open space: {e}"))?;
    let thread = tg
        .open_thread(
            &IdempotencyKey::derive("demo-shipments-thread", PO),
            &space.space_id,
            &NewThread {
                subject: format!("Shipments of PO {PO}"),
                kind: ThreadKind::Shipment,
                external_ref: Some(ExternalRef::new("po", PO)),
            },
        )
        .await
        .map_err(|e| format!("TG open thread: {e}"))?;
    let thread_id = thread.thread_id.as_str().to_owned();
    let url = tg_control(
        ctx,
        &format!("partners/prt_acme/threads/{thread_id}/messages"),
    );
    let file = reqwest::multipart::Part::bytes(
        b"Customs hold notice\nShipment SHP-77001 held at Kansas City: commercial invoice missing.\n"
            .to_vec(),
    )
    .file_name("customs-hold-SHP-77001.txt")
    .mime_str("text/plain")
    .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new()
        .text(
            "body",
            "Shipment SHP-77001 for PO 4500001234 is held at customs (commercial invoice missing). New ETA 2026-12-08.",
        )
        .text(
            "structured",
            r#"{"shipment_id":"SHP-77001","status_code":"SD","reason":"AS","expected_date":"2026-12-08"}"#,
        )
        .part("file", file);
    let response = ctx
        .http
        .post(&url)
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let message = json_of(response, &format!("POST {url}")).await?;
    let message_id = message["message_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let event_id = event_for(ctx, "message.posted", |data| {
        data["message"]["message_id"] == message_id.as_str()
    })
    .await?;
    Ok((
        event_id.clone(),
        format!(
            "TG thread {thread_id} (kind shipment, po:{PO}), message {message_id} with 1 attachment, event {event_id}"
        ),
    ))
}

/// Waits (bounded) until shipment-delay has processed the event; its recorded outcome.
pub(super) async fn processed(ctx: &DemoContext<'_>, event_id: &str) -> Outcome<Value> {
    let platform = ctx.platforms.platform(shipment_delay::NAME);
    let deadline = Instant::now() + WAIT_AT_MOST;
    let mut last = "not delivered yet".to_owned();
    while Instant::now() < deadline {
        match platform.inbox.get("tg", event_id).await {
            Ok(Some(item)) if item.status() == "done" => {
                return Ok(item.record.data["outcome"].clone());
            }
            Ok(Some(item)) if item.status() == gridlink_flow::inbox::DEAD_LETTER => {
                return Err(format!("event {event_id} failed: {}", item.record.data));
            }
            Ok(Some(item)) => last = format!("inbox status {}", item.status()),
            Ok(None) => {}
            Err(e) => last = format!("inbox: {e}"),
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    Err(format!(
        "event {event_id} not processed within {} s ({last})",
        WAIT_AT_MOST.as_secs()
    ))
}

pub(super) async fn order_workspace(ctx: &DemoContext<'_>) -> Outcome<Node> {
    let bo = BusinessObject::new("SAP_ERP", "BUS2012", PO).map_err(|e| e.to_string())?;
    ctx.platforms
        .xecm()
        .find_workspace_by_business_object(&bo)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .ok_or_else(|| format!("xECM: no workspace for PO {PO}"))
}

pub(super) async fn shipping(ctx: &DemoContext<'_>, workspace: &Node) -> Outcome<Vec<Node>> {
    let xecm = ctx.platforms.xecm();
    let Some(folder) = xecm
        .list_children(workspace.id)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .into_iter()
        .find(|n| n.name == "Shipping")
    else {
        return Ok(Vec::new());
    };
    xecm.list_children(folder.id)
        .await
        .map_err(|e| format!("xECM: {e}"))
}

async fn shipment_status(ctx: &DemoContext<'_>, workspace: &Node) -> Outcome<String> {
    let category = CategoryId::new(9100).map_err(|e| e.to_string())?;
    let values = ctx
        .platforms
        .xecm()
        .read_attributes(workspace.id, category)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    match values.get("Shipment Status") {
        Some(AttributeValue::Text(text)) => Ok(text.clone()),
        other => Err(format!(
            "xECM: Shipment Status of workspace {} is {other:?}",
            workspace.id
        )),
    }
}

pub(super) fn named<'a>(documents: &'a [Node], id: &Value) -> Outcome<&'a Node> {
    let id = id
        .as_i64()
        .ok_or_else(|| format!("no document id in {id}"))?;
    documents
        .iter()
        .find(|d| d.id.get() == id)
        .ok_or_else(|| format!("xECM: document {id} is not in Shipping"))
}

/// Checks in xECM what the function says it did for the 214.
pub(super) async fn filed_status(ctx: &DemoContext<'_>, status: &Value) -> Outcome<String> {
    let workspace = order_workspace(ctx).await?;
    let documents = shipping(ctx, &workspace).await?;
    let document = named(&documents, &status["document_id"])?;
    let note = named(&documents, &status["note_document_id"])?;
    let category = CategoryId::new(9600).map_err(|e| e.to_string())?;
    let values = ctx
        .platforms
        .xecm()
        .read_attributes(document.id, category)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let shown = shipment_status(ctx, &workspace).await?;
    if status["shipment_status"] != shown.as_str() {
        return Err(format!(
            "Shipment Status is \"{shown}\", the function wrote {}",
            status["shipment_status"]
        ));
    }
    let attribute = |name: &str| match values.get(name) {
        Some(AttributeValue::Text(t)) => t.clone(),
        Some(AttributeValue::Date(d)) => d.date().to_string(),
        _ => "-".into(),
    };
    Ok(format!(
        "xECM workspace {} ({}) / Shipping / \"{}\" (node {}; Shipment Notice: Shipment ID {}, Status Code {}, Reason {}, Expected Date {}); note \"{}\"; Shipment Status = \"{shown}\"",
        workspace.id,
        workspace.name,
        document.name,
        document.id,
        attribute("Shipment ID"),
        attribute("Status Code"),
        attribute("Reason"),
        attribute("Expected Date"),
        note.name
    ))
}

/// Checks in xECM that the message and its attachment are in Shipping.
async fn filed_message(ctx: &DemoContext<'_>, outcome: &Value) -> Outcome<String> {
    let workspace = order_workspace(ctx).await?;
    let documents = shipping(ctx, &workspace).await?;
    let message = named(&documents, &outcome["document_id"])?;
    let attachment = named(&documents, &outcome["attachments"][0])?;
    let shown = shipment_status(ctx, &workspace).await?;
    Ok(format!(
        "xECM workspace {} / Shipping / \"{}\" and \"{}\"; Shipment Status = \"{shown}\"",
        workspace.id, message.name, attachment.name
    ))
}

/// Checks in TG (as the partner sees it) that the acknowledgment arrived.
async fn ack_reached(
    ctx: &DemoContext<'_>,
    partner: &str,
    outcome: &Value,
    doc_type: &str,
) -> Outcome<String> {
    let Some(ack_id) = outcome["ack"]["document_id"].as_str() else {
        return Err(format!(
            "the function recorded no acknowledgment: {outcome}"
        ));
    };
    let url = tg_control(ctx, &format!("partners/{partner}/documents"));
    let response = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let body = json_of(response, &format!("GET {url}")).await?;
    let seen = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["document"]["document_id"] == ack_id)
        .ok_or_else(|| format!("{partner} does not see acknowledgment {ack_id} in TG"))?;
    if seen["document"]["doc_type"] != doc_type {
        return Err(format!(
            "acknowledgment {ack_id} is a {}, not a {doc_type}",
            seen["document"]["doc_type"]
        ));
    }
    Ok(format!(
        "TG document {ack_id} ({doc_type}) to {partner}, rejecting: {}",
        outcome["ack"]["rejecting"]
    ))
}

/// Checks that the function parked Globex's 214, the operator list shows it, and nothing of
/// Globex's is in the order's Shipping folder.
async fn parked_not_filed(ctx: &DemoContext<'_>, event_id: &str) -> Outcome<String> {
    let outcome = processed(ctx, event_id).await?;
    let Some(item_id) = outcome["statuses"][0]["unmatched"].as_str() else {
        return Err(format!("not parked: {outcome}"));
    };
    let url = format!("{}/shipment-delay/unmatched", ctx.gateway_url);
    let response = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let list = json_of(response, &format!("GET {url}")).await?;
    let item = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["item_id"] == item_id)
        .ok_or_else(|| format!("GET {url} does not list {item_id}: {list}"))?;
    let workspace = order_workspace(ctx).await?;
    let names: Vec<String> = shipping(ctx, &workspace)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    if names
        .iter()
        .any(|n| n.contains("GLOBEXLOG") || n.contains("SHP-GX"))
    {
        return Err(format!("Globex's status was filed: {names:?}"));
    }
    Ok(format!(
        "GET {url} lists {item_id} ({}); Shipping of workspace {} holds only ACME's: {names:?}",
        item["details"]["reason_text"].as_str().unwrap_or("?"),
        workspace.id
    ))
}
