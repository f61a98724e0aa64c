//! Use case 2 in the demo: the price exception on ACME's order 4500001234 (line 20, seeded in
//! the order's `PO Exception` rows) is published to ACME on its own Trading Grid thread; ACME
//! answers with a corrected document through the TG simulator's partner controls; the answer
//! is filed into the order's `Exceptions/<id>` folder (webhook → gateway); the buyer sets the
//! row's `Status` to `Accepted` and the exception is resolved, in xECM and in Trading Grid;
//! the timeline is filed as versions. (Not shown: the 860/865 path, which is not built, and
//! escalation, which needs a clock the local stack does not advance — the tests show it.)

use std::time::{Duration, Instant};

use gridlink_xecm::{
    AttributeLookup, AttributeValue, CategoryId, NamedAttributes, NodeId, WorkspaceTypeId,
};
use serde_json::Value;

use super::{DemoContext, Report};
use crate::schedules;

const UC: &str = "po-exception";
const PARTNER: &str = "prt_acme";
const PO: &str = "4500001234";
const EXCEPTION: &str = "EXC-4500001234-01";
const EXCEPTION_CATEGORY: i64 = 9700;

/// Runs the scenario; every step lands in the report.
pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let order = match find_order(ctx).await {
        Ok(order) => {
            report.check::<String>(UC, "find order 4500001234 and its price exception in xECM", started, Ok(format!("workspace {order}, row {EXCEPTION} (price, line 20: expected 0.08 EUR, actual 0.09 EUR)")));
            order
        }
        Err(e) => {
            report.check::<String>(
                UC,
                "find order 4500001234 and its price exception in xECM",
                started,
                Err(e),
            );
            return;
        }
    };
    let started = Instant::now();
    if !report.check(
        UC,
        "the xECM poll schedule fires (as EventBridge would)",
        started,
        poll(ctx).await,
    ) {
        return;
    }
    let started = Instant::now();
    let thread = match published(ctx, order).await {
        Ok((thread, detail)) => {
            report.check::<String>(
                UC,
                "ACME sees the exception on its own thread, with the data and a due date",
                started,
                Ok(detail),
            );
            thread
        }
        Err(e) => {
            report.check::<String>(
                UC,
                "ACME sees the exception on its own thread, with the data and a due date",
                started,
                Err(e),
            );
            return;
        }
    };
    let started = Instant::now();
    if !report.check(
        UC,
        "ACME answers with a corrected document (TG simulator, partner side)",
        started,
        answer(ctx, &thread).await,
    ) {
        return;
    }
    let started = Instant::now();
    let filed = settle(|| answered(ctx, order)).await;
    if !report.check(
        UC,
        "the answer is filed into Exceptions/<id> with Partner Document (webhook → gateway)",
        started,
        filed,
    ) {
        return;
    }
    let started = Instant::now();
    let accepted = accept(ctx, order).await;
    if !report.check(
        UC,
        "the buyer sets Status = Accepted; the poll resolves the exception",
        started,
        accepted,
    ) {
        return;
    }
    let started = Instant::now();
    let timeline = timeline(ctx, order).await;
    report.check(
        UC,
        "the timeline is filed (a version per transition)",
        started,
        timeline,
    );
}

async fn settle<F, Fut>(check: F) -> Result<String, String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<String, String>>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let outcome = check().await;
        if outcome.is_ok() || Instant::now() > deadline {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn find_order(ctx: &DemoContext<'_>) -> Result<NodeId, String> {
    ctx.platforms
        .xecm()
        .find_workspace_by_attribute(&AttributeLookup {
            workspace_type: WorkspaceTypeId::new(31).map_err(|e| e.to_string())?,
            category: CategoryId::new(9100).map_err(|e| e.to_string())?,
            attribute: "PO Number".into(),
            value: PO.into(),
        })
        .await
        .map_err(|e| e.to_string())?
        .map(|w| w.id)
        .ok_or_else(|| format!("no workspace for PO {PO}"))
}

async fn poll(ctx: &DemoContext<'_>) -> Result<String, String> {
    let handler = ctx
        .stack
        .function(UC)
        .ok_or("po-exception is not running")?;
    let schedule = handler
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "po-exception-poll-xecm")
        .ok_or("the manifest lost po-exception-poll-xecm")?;
    let outcome = schedules::fire(handler.as_ref(), schedule).await?;
    Ok(format!("po-exception-poll-xecm → {outcome}"))
}

async fn get(ctx: &DemoContext<'_>, path: &str) -> Result<Value, String> {
    let url = format!("{}/{path}", ctx.tg_url.trim_end_matches('/'));
    ctx.http
        .get(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())
}

async fn published(ctx: &DemoContext<'_>, order: NodeId) -> Result<(String, String), String> {
    let spaces = get(ctx, &format!("__sim/partners/{PARTNER}/spaces")).await?;
    let space = spaces["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["external_ref"]["id"] == order.to_string().as_str())
        .ok_or("ACME has no space for the order")?;
    let space_id = space["space_id"].as_str().unwrap_or_default();
    let threads = get(
        ctx,
        &format!("__sim/partners/{PARTNER}/spaces/{space_id}/threads"),
    )
    .await?;
    let thread = threads["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["kind"] == "po_exception")
        .ok_or("no po_exception thread")?;
    let thread_id = thread["thread_id"].as_str().unwrap_or_default().to_owned();
    let messages = get(
        ctx,
        &format!("__sim/partners/{PARTNER}/threads/{thread_id}/messages"),
    )
    .await?;
    let message = messages["items"]
        .get(0)
        .ok_or("the thread has no message")?;
    let s = &message["structured"];
    if s["exception_id"] != EXCEPTION {
        return Err(format!("the message names {}", s["exception_id"]));
    }
    Ok((
        thread_id.clone(),
        format!(
            "space {space_id} › thread {thread_id} (external_ref xecm:{}): exception {} PO {} line {} {} expected {} actual {}; allowed {}; action {} due {}",
            thread["external_ref"]["id"].as_str().unwrap_or("?"),
            s["exception_id"],
            s["po_number"],
            s["lines"][0]["line"],
            s["lines"][0]["field"],
            s["lines"][0]["expected"],
            s["lines"][0]["actual"],
            s["allowed_responses"],
            message["action_request"]["kind"],
            message["action_request"]["due_at"]
        ),
    ))
}

async fn answer(ctx: &DemoContext<'_>, thread: &str) -> Result<String, String> {
    let url = format!(
        "{}/__sim/partners/{PARTNER}/threads/{thread}/messages",
        ctx.tg_url.trim_end_matches('/')
    );
    let file = reqwest::multipart::Part::bytes(
        b"855 corrected: PO 4500001234 line 20 unit price 0.08 EUR\n".to_vec(),
    )
    .file_name("855-corrected.txt")
    .mime_str("text/plain")
    .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new()
        .text(
            "body",
            "Our mistake: corrected confirmation attached, line 20 at 0.08 EUR.",
        )
        .text("structured", r#"{"response":"corrected_document"}"#)
        .part("file", file);
    let answer = ctx
        .http
        .post(&url)
        .multipart(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status().is_success() {
        Ok(format!(
            "POST {url} (structured.response = corrected_document, 855-corrected.txt) → {}",
            answer.status()
        ))
    } else {
        Err(format!(
            "POST {url} → {}: {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        ))
    }
}

async fn row_status(ctx: &DemoContext<'_>, order: NodeId) -> Result<String, String> {
    let values = ctx
        .platforms
        .xecm()
        .read_attributes(
            order,
            CategoryId::new(EXCEPTION_CATEGORY).map_err(|e| e.to_string())?,
        )
        .await
        .map_err(|e| e.to_string())?;
    let Some(AttributeValue::Rows(rows)) = values.get("Exceptions") else {
        return Err("no exception rows".into());
    };
    rows.iter()
        .find(|r| r.get("Exception ID") == Some(&AttributeValue::Text(EXCEPTION.into())))
        .and_then(|r| match r.get("Status") {
            Some(AttributeValue::Text(t)) => Some(t.clone()),
            _ => None,
        })
        .ok_or_else(|| "the row has no Status".into())
}

async fn row_thread(ctx: &DemoContext<'_>, order: NodeId) -> Result<String, String> {
    let values = ctx
        .platforms
        .xecm()
        .read_attributes(
            order,
            CategoryId::new(EXCEPTION_CATEGORY).map_err(|e| e.to_string())?,
        )
        .await
        .map_err(|e| e.to_string())?;
    let Some(AttributeValue::Rows(rows)) = values.get("Exceptions") else {
        return Err("no exception rows".into());
    };
    rows.iter()
        .find(|r| r.get("Exception ID") == Some(&AttributeValue::Text(EXCEPTION.into())))
        .and_then(|r| match r.get("TG Thread ID") {
            Some(AttributeValue::Text(t)) if !t.is_empty() => Some(t.clone()),
            _ => None,
        })
        .ok_or_else(|| "the row has no TG Thread ID".into())
}

async fn folder(ctx: &DemoContext<'_>, order: NodeId) -> Result<Vec<String>, String> {
    let xecm = ctx.platforms.xecm();
    let Some(folder) = xecm
        .node_at_path(order, &format!("Exceptions/{EXCEPTION}"))
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(Vec::new());
    };
    Ok(xecm
        .list_children(folder.id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|n| n.name)
        .collect())
}

async fn answered(ctx: &DemoContext<'_>, order: NodeId) -> Result<String, String> {
    let status = row_status(ctx, order).await?;
    let names = folder(ctx, order).await?;
    if status != "Supplier Responded" || !names.iter().any(|n| n.ends_with("855-corrected.txt")) {
        return Err(format!(
            "Status = {status}; Exceptions/{EXCEPTION}: {names:?}"
        ));
    }
    Ok(format!(
        "workspace {order} › Exceptions/{EXCEPTION}: {}; Status = {status}",
        names.join(", ")
    ))
}

async fn accept(ctx: &DemoContext<'_>, order: NodeId) -> Result<String, String> {
    let category = CategoryId::new(EXCEPTION_CATEGORY).map_err(|e| e.to_string())?;
    let xecm = ctx.platforms.xecm();
    let values = xecm
        .read_attributes(order, category)
        .await
        .map_err(|e| e.to_string())?;
    let Some(AttributeValue::Rows(mut rows)) = values.get("Exceptions").cloned() else {
        return Err("no exception rows".into());
    };
    for row in &mut rows {
        if row.get("Exception ID") == Some(&AttributeValue::Text(EXCEPTION.into())) {
            row.insert("Status".into(), "Accepted".into());
        }
    }
    let mut write = NamedAttributes::new();
    write.insert("Exceptions".into(), AttributeValue::Rows(rows));
    xecm.write_attributes(order, category, &write)
        .await
        .map_err(|e| e.to_string())?;
    poll(ctx).await?;
    let status = row_status(ctx, order).await?;
    if status != "Resolved" {
        return Err(format!("Status = {status}, expected Resolved"));
    }
    let thread = row_thread(ctx, order).await?;
    let spaces = get(ctx, &format!("__sim/partners/{PARTNER}/spaces")).await?;
    let mut thread_status = None;
    for space in spaces["items"].as_array().into_iter().flatten() {
        let id = space["space_id"].as_str().unwrap_or_default();
        let threads = get(
            ctx,
            &format!("__sim/partners/{PARTNER}/spaces/{id}/threads"),
        )
        .await?;
        if let Some(t) = threads["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["thread_id"] == thread.as_str())
        {
            thread_status = t["status"].as_str().map(str::to_owned);
        }
    }
    match thread_status.as_deref() {
        Some("resolved") => Ok(format!(
            "Status = {status}; TG thread {thread} (the row's TG Thread ID) is resolved"
        )),
        other => Err(format!(
            "TG thread {thread} is {other:?}, expected resolved"
        )),
    }
}

async fn timeline(ctx: &DemoContext<'_>, order: NodeId) -> Result<String, String> {
    let xecm = ctx.platforms.xecm();
    let node = xecm
        .node_at_path(order, &format!("Exceptions/{EXCEPTION}/timeline.json"))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no timeline.json")?;
    let versions = xecm.versions(node.id).await.map_err(|e| e.to_string())?;
    let latest = versions.last().ok_or("no version")?;
    let download = xecm
        .download_version(node.id, latest.version_number)
        .await
        .map_err(|e| e.to_string())?;
    let bytes: Vec<bytes::Bytes> = futures::TryStreamExt::try_collect(download.body)
        .await
        .map_err(|e| e.to_string())?;
    let json: Value = serde_json::from_slice(&bytes.concat()).map_err(|e| e.to_string())?;
    let states: Vec<String> = json["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{} ({})",
                e["state"].as_str().unwrap_or("?"),
                e["actor"].as_str().unwrap_or("?")
            )
        })
        .collect();
    Ok(format!(
        "Exceptions/{EXCEPTION}/timeline.json v{} (+ timeline.html): {}",
        versions.len(),
        states.join(" → ")
    ))
}
