//! Use case 2 in the demo: the price exception on ACME's order 4500001234 (line 20, seeded in
//! the order's `PO Exception` rows) is published to ACME on its own Trading Grid thread; ACME
//! answers with a corrected document through the TG simulator's partner controls; the answer
//! is filed into the order's `Exceptions/<id>` folder (webhook → gateway); the buyer sets the
//! row's `Status` to `Accepted` and the exception is resolved, in xECM and in Trading Grid;
//! the timeline is filed as versions. A second exception (quantity, line 10, added to the
//! order's rows as the ERP integration would) ends in a PO change: the buyer sets `Status` =
//! `Change Order`, po-exception sends an X12 860 through Trading Grid, ACME answers it with
//! an 865 (the TG simulator's partner side), the `document.received` webhook closes the
//! exception (`Change Acknowledged` → `Resolved`). A third exception (missing confirmation,
//! line 30, no `Response Due`: due after the configured hours) is left unanswered and the
//! deadline schedule is fired on a clock advanced past its due date, then one reminder
//! interval at a time: one reminder per interval (`MAX_REMINDERS`), then `Escalated`, the
//! owner named on the thread and the timeline. The advanced clock is a second po-exception
//! over the same storage, xECM and Trading Grid, reading a manual clock; the running stack
//! keeps the wall clock (its webhook signatures are checked against it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use gridlink_core::clock::{Clock, ManualClock};
use gridlink_core::config::ConfigSource;
use gridlink_lambda::Handler;
use gridlink_xecm::{
    AttributeLookup, AttributeValue, CategoryId, NamedAttributes, NodeId, WorkspaceTypeId,
};
use po_exception::{PoException, PoExceptionConfig};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
    let Some(thread) = report.value(
        UC,
        "ACME sees the exception on its own thread, with the data and a due date",
        started,
        published(ctx, order).await,
    ) else {
        return;
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
    change_order(ctx, order, report).await;
    escalation(ctx, order, report).await;
}

const CHANGE_EXCEPTION: &str = "EXC-4500001234-02";

/// The second exception: a change order sent as an 860, answered by ACME's 865.
async fn change_order(ctx: &DemoContext<'_>, order: NodeId, report: &mut Report) {
    let started = Instant::now();
    let raised = async {
        let mut row = NamedAttributes::new();
        row.insert("Exception ID".into(), CHANGE_EXCEPTION.into());
        row.insert("Type".into(), "quantity".into());
        row.insert("Line".into(), AttributeValue::Integer(10));
        row.insert("Expected".into(), "100 EA".into());
        row.insert("Actual".into(), "90 EA".into());
        row.insert("Status".into(), "Open".into());
        add_exception(ctx, order, row).await?;
        poll(ctx).await?;
        let status = column_of(ctx, order, CHANGE_EXCEPTION, "Status").await?;
        if status != "Awaiting Supplier" {
            return Err(format!("Status = {status}, expected Awaiting Supplier"));
        }
        Ok(format!(
            "row {CHANGE_EXCEPTION} (quantity, line 10: expected 100 EA, actual 90 EA) published; Status = {status}"
        ))
    }
    .await;
    if !report.check(
        UC,
        "a second exception on the ACME order is published",
        started,
        raised,
    ) {
        return;
    }
    let started = Instant::now();
    let sent = async {
        set_column(ctx, order, CHANGE_EXCEPTION, "Status", "Change Order").await?;
        poll(ctx).await?;
        let status = column_of(ctx, order, CHANGE_EXCEPTION, "Status").await?;
        if status != "Change Sent" {
            return Err(format!("Status = {status}, expected Change Sent"));
        }
        let documents = get(ctx, &format!("__sim/partners/{PARTNER}/documents")).await?;
        let changes: Vec<&Value> = documents["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["partner_direction"] == "received" && d["document"]["doc_type"] == "860")
            .collect();
        let [change] = changes.as_slice() else {
            return Err(format!("ACME holds {} 860s, expected 1", changes.len()));
        };
        let names = folder_of(ctx, order, CHANGE_EXCEPTION).await?;
        if !names.iter().any(|n| n.starts_with("860 ")) {
            return Err(format!("the 860 is not filed: {names:?}"));
        }
        let document_id = change["document"]["document_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Ok((
            document_id.clone(),
            format!(
                "Status = {status}; TG document {document_id} (860, control numbers {}/{}/{}) in ACME's mailbox; filed in Exceptions/{CHANGE_EXCEPTION}: {}",
                change["document"]["control_numbers"]["interchange"].as_str().unwrap_or("?"),
                change["document"]["control_numbers"]["group"].as_str().unwrap_or("?"),
                change["document"]["control_numbers"]["transaction"].as_str().unwrap_or("?"),
                names.join(", ")
            ),
        ))
    }
    .await;
    let Some(document_id) = report.value(
        UC,
        "the buyer sets Status = Change Order; the poll sends one X12 860 through TG",
        started,
        sent,
    ) else {
        return;
    };
    let started = Instant::now();
    let url = format!(
        "{}/__sim/partners/{PARTNER}/documents/{document_id}/answer_change",
        ctx.tg_url.trim_end_matches('/')
    );
    let answered = async {
        let response = ctx
            .http
            .post(&url)
            .json(&serde_json::json!({"decision": "accept"}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("POST {url} → {status}: {body}"));
        }
        Ok(format!(
            "POST {url} {{\"decision\":\"accept\"}} → {status}: {} {}",
            body["doc_type"].as_str().unwrap_or("?"),
            body["document_id"].as_str().unwrap_or("?")
        ))
    }
    .await;
    if !report.check(
        UC,
        "ACME answers the 860 with an 865 accepting it (TG simulator, partner side)",
        started,
        answered,
    ) {
        return;
    }
    let started = Instant::now();
    let closed = settle(|| async move {
        let status = column_of(ctx, order, CHANGE_EXCEPTION, "Status").await?;
        if status != "Resolved" {
            return Err(format!("Status = {status}, expected Resolved"));
        }
        let states = timeline_states(ctx, order, CHANGE_EXCEPTION).await?;
        if !states.contains("change_acknowledged") {
            return Err(format!("timeline: {states}"));
        }
        Ok(format!(
            "Status = {status}; Exceptions/{CHANGE_EXCEPTION}/timeline.json: {states}"
        ))
    })
    .await;
    report.check(
        UC,
        "the 865 closes the change (webhook → gateway): Change Acknowledged → Resolved",
        started,
        closed,
    );
}

/// Adds an exception row to the order's rows (as the ERP integration would), unless a row
/// with its `Exception ID` is there already.
async fn add_exception(
    ctx: &DemoContext<'_>,
    order: NodeId,
    row: NamedAttributes,
) -> Result<(), String> {
    let category = CategoryId::new(EXCEPTION_CATEGORY).map_err(|e| e.to_string())?;
    let xecm = ctx.platforms.xecm();
    let values = xecm
        .read_attributes(order, category)
        .await
        .map_err(|e| e.to_string())?;
    let mut rows = match values.get("Exceptions") {
        Some(AttributeValue::Rows(rows)) => rows.clone(),
        _ => Vec::new(),
    };
    if rows
        .iter()
        .any(|r| r.get("Exception ID") == row.get("Exception ID"))
    {
        return Ok(());
    }
    rows.push(row);
    let mut write = NamedAttributes::new();
    write.insert("Exceptions".into(), AttributeValue::Rows(rows));
    xecm.write_attributes(order, category, &write)
        .await
        .map_err(|e| e.to_string())
}

const ESCALATED_EXCEPTION: &str = "EXC-4500001234-03";

/// The third exception: never answered; the deadline schedule, fired on a clock advanced past
/// its due date one reminder interval at a time, reminds ACME, then escalates.
async fn escalation(ctx: &DemoContext<'_>, order: NodeId, report: &mut Report) {
    const WHAT: &str = "a third exception (missing confirmation, line 30, no Response Due) is published; ACME does not answer";
    let started = Instant::now();
    let raised = async {
        let mut row = NamedAttributes::new();
        row.insert("Exception ID".into(), ESCALATED_EXCEPTION.into());
        row.insert("Type".into(), "missing_confirmation".into());
        row.insert("Line".into(), AttributeValue::Integer(30));
        row.insert("Expected".into(), "an 855 for line 30".into());
        row.insert("Actual".into(), "none".into());
        row.insert("Owner".into(), AttributeValue::User(1000));
        row.insert("Status".into(), "Open".into());
        add_exception(ctx, order, row).await?;
        poll(ctx).await?;
        let status = column_of(ctx, order, ESCALATED_EXCEPTION, "Status").await?;
        if status != "Awaiting Supplier" {
            return Err(format!("Status = {status}, expected Awaiting Supplier"));
        }
        let (_, timeline) = latest_timeline(ctx, order, ESCALATED_EXCEPTION).await?;
        let due = timeline["due_at"]
            .as_str()
            .and_then(|d| OffsetDateTime::parse(d, &Rfc3339).ok())
            .ok_or_else(|| format!("the timeline has no due date: {}", timeline["due_at"]))?;
        if due <= OffsetDateTime::now_utc() {
            return Err(format!("due {due} is not in the future"));
        }
        let thread = column_of(ctx, order, ESCALATED_EXCEPTION, "TG Thread ID").await?;
        Ok((
            due,
            thread.clone(),
            format!("row {ESCALATED_EXCEPTION} published on TG thread {thread}; Status = {status}; due {due} (the configured hours for its type and partner)"),
        ))
    }
    .await;
    let Some((due, thread)) = report.value(
        UC,
        WHAT,
        started,
        raised.map(|(due, thread, detail)| ((due, thread), detail)),
    ) else {
        return;
    };
    let config = match PoExceptionConfig::from_source(&ConfigSource::from_env()) {
        Ok(config) => config,
        Err(e) => {
            report.check::<String>(
                UC,
                "read po-exception's configuration",
                started,
                Err(e.to_string()),
            );
            return;
        }
    };
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let later = PoException::function(
        ctx.platforms.platform_at(po_exception::NAME, clock.clone()),
        config.clone(),
    );
    let Some(schedule) = later
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "po-exception-deadlines")
        .copied()
    else {
        report.check::<String>(
            UC,
            "find the po-exception-deadlines schedule",
            started,
            Err("the manifest lost po-exception-deadlines".into()),
        );
        return;
    };
    let key = format!("{order}#{ESCALATED_EXCEPTION}");
    let interval = config.reminder_interval;
    // Before the due date nothing is sent; then one reminder per interval, then escalation.
    for n in 0..=config.max_reminders + 1 {
        let started = Instant::now();
        if n == 1 {
            clock.set(due + time::Duration::minutes(1));
        } else if n > 1 {
            clock.advance(interval);
        }
        let at = clock.now();
        let swept = async {
            let summary = schedules::fire(&later, &schedule).await?;
            let messages = thread_messages(ctx, &thread).await?;
            let status = column_of(ctx, order, ESCALATED_EXCEPTION, "Status").await?;
            let reminded = summary["deadlines"]["reminded"].to_string();
            let escalated = summary["deadlines"]["escalated"].to_string();
            let reminders = messages
                .iter()
                .filter(|m| m["structured"]["reminder"].is_u64())
                .count();
            let escalations: Vec<&Value> = messages
                .iter()
                .filter(|m| m["structured"]["escalated"] == true)
                .collect();
            if n == 0 {
                return if reminders == 0 && !reminded.contains(&key) {
                    Ok(format!("clock {at}, before the due date: nothing sent; Status = {status}"))
                } else {
                    Err(format!("reminded before the due date: {summary}"))
                };
            }
            if n <= config.max_reminders {
                let expected = u64::from(n);
                let last = messages.last().map(|m| m["structured"]["reminder"].clone());
                if !reminded.contains(&format!("{key}#{n}"))
                    || reminders != usize::try_from(n).unwrap_or(usize::MAX)
                    || last != Some(Value::from(expected))
                    || status != "Awaiting Supplier"
                {
                    return Err(format!(
                        "reminder {n} expected: sweep {summary}; {reminders} reminders on the thread; Status = {status}"
                    ));
                }
                return Ok(format!(
                    "clock {at}: reminder {n} of {} posted on TG thread {thread} (action_request due {due}); Status = {status}",
                    config.max_reminders
                ));
            }
            let [escalation] = escalations.as_slice() else {
                return Err(format!(
                    "{} escalation messages on the thread; sweep {summary}",
                    escalations.len()
                ));
            };
            let owner = escalation["structured"]["owner"].as_str().unwrap_or_default();
            let states = timeline_states(ctx, order, ESCALATED_EXCEPTION).await?;
            if !escalated.contains(&key)
                || status != "Escalated"
                || owner != "xECM user 1000"
                || !states.ends_with("escalated")
            {
                return Err(format!(
                    "sweep {summary}; Status = {status}; owner {owner:?}; timeline {states}"
                ));
            }
            Ok(format!(
                "clock {at}: Status = {status}; owner named: {owner}; to the partner's contact {}: \"{}\"; Exceptions/{ESCALATED_EXCEPTION}/timeline.json: {states}",
                escalation["structured"]["contact"].as_str().unwrap_or("none known"),
                escalation["body"].as_str().unwrap_or_default()
            ))
        }
        .await;
        let what = match n {
            0 => "the deadline schedule before the due date sends nothing".to_owned(),
            n if n <= config.max_reminders => format!(
                "clock advanced {}: the deadline schedule sends reminder {n}",
                if n == 1 {
                    "past the due date".to_owned()
                } else {
                    format!("{} h more", interval.as_secs() / 3600)
                }
            ),
            _ => {
                "clock advanced past the last reminder: the exception is escalated, the owner named"
                    .to_owned()
            }
        };
        if !report.check(UC, what, started, swept) {
            return;
        }
    }
}

/// The messages of a thread, as ACME reads them.
async fn thread_messages(ctx: &DemoContext<'_>, thread: &str) -> Result<Vec<Value>, String> {
    let page = get(
        ctx,
        &format!("__sim/partners/{PARTNER}/threads/{thread}/messages"),
    )
    .await?;
    Ok(page["items"].as_array().cloned().unwrap_or_default())
}

async fn set_column(
    ctx: &DemoContext<'_>,
    order: NodeId,
    exception: &str,
    column: &str,
    value: &str,
) -> Result<(), String> {
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
        if row.get("Exception ID") == Some(&AttributeValue::Text(exception.into())) {
            row.insert(column.into(), value.into());
        }
    }
    let mut write = NamedAttributes::new();
    write.insert("Exceptions".into(), AttributeValue::Rows(rows));
    xecm.write_attributes(order, category, &write)
        .await
        .map_err(|e| e.to_string())
}

async fn column_of(
    ctx: &DemoContext<'_>,
    order: NodeId,
    exception: &str,
    column: &str,
) -> Result<String, String> {
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
        .find(|r| r.get("Exception ID") == Some(&AttributeValue::Text(exception.into())))
        .and_then(|r| match r.get(column) {
            Some(AttributeValue::Text(t)) => Some(t.clone()),
            _ => None,
        })
        .ok_or_else(|| format!("row {exception} has no {column}"))
}

async fn folder_of(
    ctx: &DemoContext<'_>,
    order: NodeId,
    exception: &str,
) -> Result<Vec<String>, String> {
    let xecm = ctx.platforms.xecm();
    let Some(folder) = xecm
        .node_at_path(order, &format!("Exceptions/{exception}"))
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

/// The newest `Exceptions/<exception>/timeline.json` of `order`: how many versions it has,
/// and its content.
async fn latest_timeline(
    ctx: &DemoContext<'_>,
    order: NodeId,
    exception: &str,
) -> Result<(usize, Value), String> {
    let xecm = ctx.platforms.xecm();
    let node = xecm
        .node_at_path(order, &format!("Exceptions/{exception}/timeline.json"))
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
    Ok((versions.len(), json))
}

async fn timeline_states(
    ctx: &DemoContext<'_>,
    order: NodeId,
    exception: &str,
) -> Result<String, String> {
    let (_, json) = latest_timeline(ctx, order, exception).await?;
    Ok(json["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["state"].as_str().unwrap_or("?").to_owned())
        .collect::<Vec<_>>()
        .join(" → "))
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
    column_of(ctx, order, EXCEPTION, "Status").await
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
    folder_of(ctx, order, EXCEPTION).await
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
    let (versions, json) = latest_timeline(ctx, order, EXCEPTION).await?;
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
        versions,
        states.join(" → ")
    ))
}
