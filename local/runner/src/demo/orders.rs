//! Use case 7 (order-reconcile) in the demo: ACME confirms purchase order 4500001234 with an
//! 855, ships it with an 856 and bills it with an 810 through Trading Grid — billing line 20 at
//! 0.10 where the order says 0.08. Each document is filed in the order's workspace
//! (`Confirmations`, `Delivery Notes`, `Invoices`) and a 997 goes back; after each, the order
//! is reconciled line by line: `Match Status` goes `waiting_for_documents` →
//! `exceptions`, and the discrepancy report (JSON + HTML) is in the workspace's
//! `Reconciliation` folder. Then Initech sends an order response for Acme's order: it is
//! parked as unmatched and nothing is filed.
//!
//! Everything goes the way it would in production: the partner sends through the TG
//! simulator's partner controls, TG delivers the signed `document.received` webhook to the
//! gateway, the function does the rest. The scenario only watches the outcome (the
//! function's inbox record, the xECM folders and attributes, the partner's view of TG).
//! The three X12 documents are the fixtures order-reconcile's tests send too.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use gridlink_tgrid::EventFeed as _;
use gridlink_xecm::{BusinessObject, Node};
use serde_json::Value;

use super::{DemoContext, Report};

const STEP: &str = "order-reconcile";
const PO: &str = "4500001234";
const POLL_EVERY: Duration = Duration::from_millis(200);
const WAIT_AT_MOST: Duration = Duration::from_secs(20);

/// ACME's order acknowledgment: both lines of PO 4500001234 accepted as ordered.
const ACME_855: &str = include_str!("../../../../fixtures/demo/855_4500001234.x12");
/// ACME's ship notice: both lines shipped in full.
const ACME_856: &str = include_str!("../../../../fixtures/demo/856_4500001234.x12");
/// ACME's invoice: line 20 billed at 0.10 per unit, ordered at 0.08.
const ACME_810: &str = include_str!("../../../../fixtures/demo/810_4500001234.x12");

/// Initech's order response naming Acme's order (Initech is not Acme's partner).
const INITECH_ORDRSP: &str =
    include_str!("../../../../fixtures/demo/ordrsp_initech_4500001234.edi");

type Outcome<T> = Result<T, String>;

/// ACME sends `payload`; the demo waits for the function and checks the document is in
/// `folder` with the expected match status. The function's outcome, if all went well.
async fn acme_sends_and_it_is_filed(
    ctx: &DemoContext<'_>,
    report: &mut Report,
    what: &str,
    file_name: &str,
    payload: &'static str,
    folder: &str,
) -> Option<Value> {
    let started = Instant::now();
    let sent = partner_sends(ctx, "prt_acme", file_name, payload).await;
    let sent = report.value(
        STEP,
        format!("ACME sends its {what} for PO {PO}"),
        started,
        sent,
    )?;
    let started = Instant::now();
    let filed = match processed_outcome(ctx, &sent).await {
        Ok(outcome) => filed_in(ctx, &outcome, folder).await.map(|detail| {
            let status = outcome["documents"][0]["match_status"]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            (
                outcome,
                format!("{detail}; order reconciled: Match Status {status}"),
            )
        }),
        Err(e) => Err(e),
    };
    let what =
        format!("the {what} is filed in the PO workspace's {folder} and the order reconciled");
    report.value(STEP, what, started, filed)
}

pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let Some(acknowledged) = acme_sends_and_it_is_filed(
        ctx,
        report,
        "855",
        "855-4500001234.x12",
        ACME_855,
        "Confirmations",
    )
    .await
    else {
        return;
    };
    let started = Instant::now();
    let ack = ack_reached_partner(ctx, "prt_acme", &acknowledged, "997").await;
    report.check(
        STEP,
        "a 997 goes back to ACME through Trading Grid",
        started,
        ack,
    );

    let Some(shipped) = acme_sends_and_it_is_filed(
        ctx,
        report,
        "856",
        "856-4500001234.x12",
        ACME_856,
        "Delivery Notes",
    )
    .await
    else {
        return;
    };
    let Some(invoiced) = acme_sends_and_it_is_filed(
        ctx,
        report,
        "810",
        "810-4500001234.x12",
        ACME_810,
        "Invoices",
    )
    .await
    else {
        return;
    };

    let started = Instant::now();
    let reconciled = discrepancy_report(ctx, &invoiced).await;
    report.check(
        STEP,
        "the discrepancy report is in the PO workspace's Reconciliation folder and Match Status is exceptions (line 20 billed above the order price)",
        started,
        reconciled,
    );

    let started = Instant::now();
    let sent = partner_sends(ctx, "prt_initech", "ORDRSP-4500001234.edi", INITECH_ORDRSP).await;
    let Some(sent) = report.value(
        STEP,
        "Initech sends an ORDRSP naming Acme's PO 4500001234",
        started,
        sent,
    ) else {
        return;
    };
    let started = Instant::now();
    let parked = parked_not_filed(ctx, &sent).await;
    report.check(
        STEP,
        "Initech's document is parked as unmatched and nothing is filed",
        started,
        parked,
    );

    let started = Instant::now();
    let timeline = order_timeline(
        ctx,
        &[
            ("855", &acknowledged),
            ("856", &shipped),
            ("810", &invoiced),
        ],
    )
    .await;
    report.check(
        STEP,
        format!("GET /order-reconcile/timeline/po:{PO} shows each document received, filed in xECM and acknowledged through TG, in order, and Initech's parked ORDRSP"),
        started,
        timeline,
    );
}

/// The order's timeline, read through the gateway: for each document (`(name, outcome)`), its
/// event received, its filing with the xECM document id the outcome names, its acknowledgment
/// with a TG document id, and its end, in that order; and the unmatched episode of Initech's
/// ORDRSP.
async fn order_timeline(ctx: &DemoContext<'_>, documents: &[(&str, &Value)]) -> Outcome<String> {
    let url = format!(
        "{}/order-reconcile/timeline/po:{PO}?limit=500",
        ctx.gateway_url
    );
    let response = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    let page: Value = response
        .json()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status} {page}"));
    }
    let entries = page["entries"].as_array().cloned().unwrap_or_default();
    let find = |wanted: &dyn Fn(&Value) -> bool| entries.iter().position(wanted);
    let mut seen = Vec::new();
    let mut last = None;
    for (name, outcome) in documents {
        let document_id = &outcome["documents"][0]["document_id"];
        let filed = find(&|e| {
            e["effect"] == "xecm-file" && e["ids"]["xecm"]["document_id"] == *document_id
        })
        .ok_or_else(|| {
            format!("the {name}'s filing (xECM {document_id}) is not on the timeline: {page}")
        })?;
        let item_id = entries[filed]["item_id"].clone();
        let of_item = |kind: &'static str, effect: Option<&'static str>| {
            find(&|e| {
                e["item_id"] == item_id
                    && e["kind"] == kind
                    && effect.is_none_or(|effect| e["effect"] == effect)
            })
            .ok_or_else(|| format!("no {kind} {effect:?} entry for the {name} ({item_id}): {page}"))
        };
        let received = of_item("received", None)?;
        let acked = of_item("effect", Some("tg-ack"))?;
        let done = of_item("done", None)?;
        if !(last.is_none_or(|last| last < received)
            && received < filed
            && filed < acked
            && acked < done)
        {
            return Err(format!("the {name}'s entries are out of order: {page}"));
        }
        last = Some(done);
        seen.push(format!(
            "{name}: event {} received, filed as xECM {document_id}, acknowledged as TG {}",
            entries[received]["event_id"].as_str().unwrap_or("?"),
            entries[acked]["ids"]["tg"]["document_id"]
                .as_str()
                .unwrap_or("?"),
        ));
    }
    find(&|e| e["kind"] == "unmatched")
        .ok_or_else(|| format!("Initech's parked ORDRSP is not on the timeline: {page}"))?;
    Ok(format!(
        "{} entries; {}; Initech's ORDRSP parked as unmatched",
        entries.len(),
        seen.join("; ")
    ))
}

/// A document a partner put into the tenant's TG inbox.
struct Sent {
    document_id: String,
    event_id: String,
}

fn tg_control(ctx: &DemoContext<'_>, path: &str) -> String {
    format!("{}/__sim/{path}", ctx.tg_url.trim_end_matches('/'))
}

/// The partner sends `payload` through the TG simulator; returns the TG document and the
/// `document.received` event TG emitted for it.
async fn partner_sends(
    ctx: &DemoContext<'_>,
    partner: &str,
    file_name: &str,
    payload: &'static str,
) -> Outcome<(Sent, String)> {
    let url = tg_control(ctx, &format!("partners/{partner}/documents"));
    let response = ctx
        .http
        .post(&url)
        .query(&[("file_name", file_name)])
        .body(payload)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("POST {url} → {status}: {body}"));
    }
    let document_id = body["document_id"]
        .as_str()
        .ok_or_else(|| format!("POST {url}: no document_id in {body}"))?
        .to_owned();
    let event_id = received_event(ctx, &document_id).await?;
    let metadata = &body;
    let detail = format!(
        "TG document {document_id} ({} {}) from {}:{} to {}:{}, event {event_id}",
        metadata["standard"].as_str().unwrap_or("?"),
        metadata["doc_type"].as_str().unwrap_or("?"),
        metadata["sender"]["qualifier"].as_str().unwrap_or("?"),
        metadata["sender"]["id"].as_str().unwrap_or("?"),
        metadata["receiver"]["qualifier"].as_str().unwrap_or("?"),
        metadata["receiver"]["id"].as_str().unwrap_or("?"),
    );
    Ok((
        Sent {
            document_id,
            event_id,
        },
        detail,
    ))
}

/// The id of the `document.received` event for `document_id` (read from TG's event feed).
async fn received_event(ctx: &DemoContext<'_>, document_id: &str) -> Outcome<String> {
    let tg = ctx.platforms.tg_client();
    let mut after = None;
    for _ in 0..50 {
        let page = tg
            .events_after(after.as_ref(), Some(200))
            .await
            .map_err(|e| format!("TG event feed: {e}"))?;
        if let Some(event) = page.items.iter().find(|e| {
            e.event_type.as_str() == "document.received"
                && e.document()
                    .is_some_and(|d| d.document_id.as_str() == document_id)
        }) {
            return Ok(event.event_id.as_str().to_owned());
        }
        match (page.next_cursor, page.items.last()) {
            (Some(cursor), _) => after = Some(gridlink_tgrid::EventId::new(cursor)),
            (None, _) => break,
        }
    }
    Err(format!(
        "TG emitted no document.received event for {document_id}"
    ))
}

/// Waits (bounded) until the function has processed the event; its recorded outcome.
async fn processed_outcome(ctx: &DemoContext<'_>, sent: &Sent) -> Outcome<Value> {
    let platform = ctx.platforms.platform(order_reconcile::NAME);
    let deadline = Instant::now() + WAIT_AT_MOST;
    let mut last = "not delivered yet".to_owned();
    while Instant::now() < deadline {
        match platform.inbox.get("tg", &sent.event_id).await {
            Ok(Some(item)) if item.status() == "done" => {
                return Ok(item.record.data["outcome"].clone());
            }
            Ok(Some(item)) if item.status() == gridlink_flow::inbox::DEAD_LETTER => {
                return Err(format!(
                    "event {} (TG document {}) failed: {}",
                    sent.event_id, sent.document_id, item.record.data
                ));
            }
            Ok(Some(item)) => last = format!("inbox status {}", item.status()),
            Ok(None) => {}
            Err(e) => last = format!("inbox: {e}"),
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    Err(format!(
        "event {} (TG document {}) not processed within {} s ({last})",
        sent.event_id,
        sent.document_id,
        WAIT_AT_MOST.as_secs()
    ))
}

async fn order_workspace(ctx: &DemoContext<'_>) -> Outcome<Node> {
    let bo = BusinessObject::new("SAP_ERP", "BUS2012", PO).map_err(|e| e.to_string())?;
    ctx.platforms
        .xecm()
        .find_workspace_by_business_object(&bo)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .ok_or_else(|| format!("xECM: no workspace for PO {PO}"))
}

/// The documents in the order workspace's `folder`.
async fn folder_documents(
    ctx: &DemoContext<'_>,
    workspace: &Node,
    folder: &str,
) -> Outcome<Vec<Node>> {
    let xecm = ctx.platforms.xecm();
    let folder = xecm
        .list_children(workspace.id)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .into_iter()
        .find(|n| n.name == folder)
        .ok_or_else(|| format!("xECM: workspace {} has no {folder} folder", workspace.id))?;
    xecm.list_children(folder.id)
        .await
        .map_err(|e| format!("xECM: {e}"))
}

/// Checks in xECM that the document the function says it filed is in `folder`.
async fn filed_in(ctx: &DemoContext<'_>, outcome: &Value, folder: &str) -> Outcome<String> {
    let filed = &outcome["documents"][0];
    let Some(document_id) = filed["document_id"].as_i64() else {
        return Err(format!("the function filed nothing: {outcome}"));
    };
    let workspace = order_workspace(ctx).await?;
    if filed["workspace_id"].as_i64() != Some(workspace.id.get()) {
        return Err(format!(
            "filed into workspace {}, not PO {PO}'s workspace {}",
            filed["workspace_id"], workspace.id
        ));
    }
    let documents = folder_documents(ctx, &workspace, folder).await?;
    let document = documents
        .iter()
        .find(|d| d.id.get() == document_id)
        .ok_or_else(|| {
            format!(
                "xECM: document {document_id} is not in {folder} of workspace {}",
                workspace.id
            )
        })?;
    Ok(format!(
        "xECM workspace {} ({}) / {folder} / \"{}\" (node {document_id}, {} bytes)",
        workspace.id,
        workspace.name,
        document.name,
        document.size.unwrap_or_default()
    ))
}

/// Reads the order's `Match Status` and the filed report back from xECM: `exceptions`, with
/// the price finding on line 20 in the JSON and the HTML.
async fn discrepancy_report(ctx: &DemoContext<'_>, outcome: &Value) -> Outcome<String> {
    let xecm = ctx.platforms.xecm();
    let workspace = order_workspace(ctx).await?;
    let category = gridlink_xecm::CategoryId::new(9100).map_err(|e| e.to_string())?;
    let values = xecm
        .read_attributes(workspace.id, category)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let status = match values.get("Match Status") {
        Some(gridlink_xecm::AttributeValue::Text(text)) => text.clone(),
        other => {
            return Err(format!(
                "xECM: Match Status of workspace {} is {other:?}",
                workspace.id
            ));
        }
    };
    if status != "exceptions" || outcome["documents"][0]["match_status"] != status.as_str() {
        return Err(format!(
            "xECM: Match Status of workspace {} is \"{status}\" (function said {}), expected \"exceptions\"",
            workspace.id, outcome["documents"][0]["match_status"]
        ));
    }
    let reconciliation = &outcome["documents"][0]["reconciliation"];
    let folder = reconciliation["folder"]
        .as_str()
        .unwrap_or("Reconciliation");
    let documents = folder_documents(ctx, &workspace, folder).await?;
    let named = |id: &Value| {
        documents
            .iter()
            .find(|d| Some(d.id.get()) == id.as_i64())
            .cloned()
            .ok_or_else(|| {
                format!(
                    "xECM: report {id} is not in {folder} of workspace {}",
                    workspace.id
                )
            })
    };
    let json_node = named(&reconciliation["json_document_id"])?;
    let html_node = named(&reconciliation["html_document_id"])?;
    let download = |node: Node| async move {
        xecm.download_document(node.id)
            .await
            .map_err(|e| format!("xECM: {e}"))?
            .body
            .try_fold(Vec::new(), |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            })
            .await
            .map_err(|e| format!("xECM: {e}"))
    };
    let json: Value = serde_json::from_slice(&download(json_node.clone()).await?)
        .map_err(|e| format!("the JSON report is not JSON: {e}"))?;
    let html = String::from_utf8_lossy(&download(html_node.clone()).await?).into_owned();
    let findings: Vec<String> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["message"].as_str().unwrap_or("?").to_owned())
        .collect();
    if json["status"] != "exceptions"
        || json["findings"][0]["code"] != "price_outside_tolerance"
        || !html.contains("price_outside_tolerance")
    {
        return Err(format!(
            "the report does not show the price exception: {} / {findings:?}",
            json["status"]
        ));
    }
    Ok(format!(
        "xECM workspace {} ({}) / category Purchase Order / Match Status = \"{status}\"; report in {} / {folder}: \"{}\" (node {}) and \"{}\" (node {}); findings: {}",
        workspace.id,
        workspace.name,
        workspace.name,
        json_node.name,
        json_node.id,
        html_node.name,
        html_node.id,
        findings.join("; ")
    ))
}

/// Checks in TG (as the partner sees it) that the acknowledgment the function sent arrived.
async fn ack_reached_partner(
    ctx: &DemoContext<'_>,
    partner: &str,
    outcome: &Value,
    doc_type: &str,
) -> Outcome<String> {
    let ack = &outcome["ack"];
    let Some(ack_id) = ack["document_id"].as_str() else {
        return Err(format!(
            "the function recorded no acknowledgment: {outcome}"
        ));
    };
    let url = tg_control(ctx, &format!("partners/{partner}/documents"));
    let body: Value = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let seen = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["document"]["document_id"] == ack_id)
        .ok_or_else(|| format!("{partner} does not see acknowledgment {ack_id} in TG"))?;
    let document = &seen["document"];
    if document["doc_type"] != doc_type {
        return Err(format!(
            "acknowledgment {ack_id} is a {}, not a {doc_type}",
            document["doc_type"]
        ));
    }
    Ok(format!(
        "TG document {ack_id} ({doc_type}, {}) to {partner}, status for the partner: {}, rejecting: {}",
        document["file_name"].as_str().unwrap_or("?"),
        seen["partner_status"].as_str().unwrap_or("?"),
        ack["rejecting"]
    ))
}

/// Checks that the function parked the document, the operator list shows it, and the order's
/// Confirmations hold only ACME's 855.
async fn parked_not_filed(ctx: &DemoContext<'_>, sent: &Sent) -> Outcome<String> {
    let outcome = processed_outcome(ctx, sent).await?;
    let Some(item_id) = outcome["documents"][0]["unmatched"].as_str() else {
        return Err(format!("not parked: {outcome}"));
    };
    let url = format!("{}/order-reconcile/unmatched", ctx.gateway_url);
    let list: Value = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let item = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["item_id"] == item_id)
        .ok_or_else(|| format!("GET {url} does not list {item_id}: {list}"))?;
    let workspace = order_workspace(ctx).await?;
    let names: Vec<String> = folder_documents(ctx, &workspace, "Confirmations")
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    if names.len() != 1 {
        return Err(format!(
            "Confirmations of workspace {} should hold only ACME's 855, holds {names:?}",
            workspace.id
        ));
    }
    let ack = ack_reached_partner(ctx, "prt_initech", &outcome, "CONTRL").await?;
    Ok(format!(
        "GET {url} lists {item_id} ({}; sender {}); Confirmations of workspace {} still hold only {names:?}; the interchange itself is acknowledged: {ack}",
        item["details"]["reason_text"].as_str().unwrap_or("?"),
        item["details"]["sender"].as_str().unwrap_or("?"),
        workspace.id
    ))
}
