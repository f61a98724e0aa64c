//! What each command asks the API and prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::Method;
use serde_json::{Value, json};

use crate::args::{Command, DeadLetterCommand, FUNCTIONS, UNMATCHED_FUNCTIONS, UnmatchedCommand};
use crate::client::Client;
use crate::error::CliError;
use crate::render;

/// Where output goes, and how.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`: the API's JSON, nothing else on stdout.
    pub json: bool,
}

impl Output {
    fn print(self, json: &Value, human: impl FnOnce() -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(json).unwrap_or_default());
        } else {
            print!("{}", human());
        }
    }

    /// A progress bar on stderr for `len` steps; hidden with `--json` or when stderr is not a
    /// terminal.
    fn progress(self, len: u64, what: &str) -> ProgressBar {
        let bar = ProgressBar::new(len);
        if self.json {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        bar
    }
}

/// Runs one command.
pub async fn run(client: &Client, command: Command, out: Output) -> Result<(), CliError> {
    match command {
        Command::Timeline {
            key,
            function,
            page_size,
        } => {
            let key = business_key(&key)?;
            let function = function
                .function
                .unwrap_or_else(|| owner_of(&key).to_owned());
            let page = timeline(client, &function, &key, page_size).await?;
            out.print(&page, || {
                let entries = page["entries"].as_array().cloned().unwrap_or_default();
                format!(
                    "{key}: {} entries, oldest first (asked {function})\n{}\n",
                    entries.len(),
                    render::timeline(&entries)
                )
            });
            Ok(())
        }
        Command::Status { key, function } => {
            let key = business_key(&key)?;
            let function = function
                .function
                .unwrap_or_else(|| owner_of(&key).to_owned());
            let page = timeline(client, &function, &key, 500).await?;
            let entries = page["entries"].as_array().cloned().unwrap_or_default();
            let status = status_of(&key, &entries);
            out.print(&status, || status_text(&status));
            Ok(())
        }
        Command::Unmatched(command) => unmatched(client, command, out).await,
        Command::DeadLetter(command) => dead_letter(client, command, out).await,
        Command::Replay {
            items,
            dry_run,
            function,
        } => replay(client, &items, dry_run, function.function, out).await,
        Command::Pause { target, reason } => {
            let body = json!({"reason": reason});
            let answer = if FUNCTIONS.contains(&target.as_str()) {
                client
                    .call(Method::POST, &[&target, "pause"], &[], Some(&body))
                    .await?
            } else {
                // A partner pause holds the partner in every function: one record, set
                // through any function (order-reconcile's route).
                client
                    .call(
                        Method::POST,
                        &["order-reconcile", "partners", &target, "pause"],
                        &[],
                        Some(&body),
                    )
                    .await?
            };
            let body = answer.body;
            out.print(&body, || {
                let already = body["already_paused"].as_bool().unwrap_or(false);
                format!(
                    "{} {target}\n{}",
                    if already {
                        "already paused:"
                    } else {
                        "paused:"
                    },
                    render::object(&body)
                )
            });
            Ok(())
        }
        Command::Resume { target, reason } => resume(client, &target, reason, out).await,
        Command::Pauses { function } => {
            let function = function
                .function
                .unwrap_or_else(|| "order-reconcile".into());
            let answer = client
                .call(Method::GET, &[&function, "pauses"], &[], None)
                .await?;
            let body = answer.body;
            out.print(&body, || {
                let pauses = body["pauses"].as_array().cloned().unwrap_or_default();
                let aside = body["set_aside"].as_array().cloned().unwrap_or_default();
                let mut text = if pauses.is_empty() {
                    "no pause in force\n".to_owned()
                } else {
                    format!("pauses in force:\n{}\n", render::rows(&pauses))
                };
                if !aside.is_empty() {
                    let _ = writeln!(
                        text,
                        "{function} set aside for paused partners:\n{}",
                        inbox_items(&aside)
                    );
                }
                text
            });
            Ok(())
        }
        Command::Onboarding { workspace_id } => {
            let id = workspace_id.to_string();
            let answer = client
                .call(
                    Method::GET,
                    &["supplier-onboarding", "suppliers", &id],
                    &[],
                    None,
                )
                .await?;
            let body = answer.body;
            out.print(&body, || {
                format!(
                    "{} (workspace {id}): {}\n{}",
                    render::field(&body, "supplier"),
                    render::field(&body, "onboarding_status"),
                    render::object(&body)
                )
            });
            Ok(())
        }
        Command::Recall { id } => {
            let answer = client
                .call(Method::GET, &["recall-campaign", "recalls", &id], &[], None)
                .await?;
            let body = answer.body;
            out.print(&body, || render::object(&body));
            Ok(())
        }
    }
}

/// `4500001234` → `po:4500001234`; `kind:value` as given. An empty key is refused here; a
/// kind the API does not know is refused by the API, naming the field.
pub fn business_key(key: &str) -> Result<String, CliError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(CliError::Usage("the key is empty".into()));
    }
    if key.contains(':') {
        Ok(key.to_owned())
    } else if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(format!("po:{key}"))
    } else {
        Err(CliError::Usage(format!(
            "`{key}` is neither a PO number nor `kind:value` (po, shipment, bol, invoice, case, contract, supplier, recall, partner, exception)"
        )))
    }
}

/// The function asked for a key's timeline: the one that writes its kind (any would answer
/// the same — the ledger is one table — but this one is the key's home).
pub fn owner_of(key: &str) -> &'static str {
    match key.split_once(':').map_or("", |(kind, _)| kind) {
        "shipment" | "bol" => "shipment-delay",
        "case" => "case-collab",
        "contract" => "contract-share",
        "supplier" => "supplier-onboarding",
        "recall" => "recall-campaign",
        "exception" => "po-exception",
        _ => "order-reconcile",
    }
}

/// Every page of a key's timeline, as one answer of the API's shape.
async fn timeline(
    client: &Client,
    function: &str,
    key: &str,
    page_size: u16,
) -> Result<Value, CliError> {
    let mut entries: Vec<Value> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut query = vec![("limit", page_size.to_string())];
        if let Some(after) = &after {
            query.push(("after", after.clone()));
        }
        let answer = client
            .call(Method::GET, &[function, "timeline", key], &query, None)
            .await?;
        let body = answer.body;
        entries.extend(body["entries"].as_array().cloned().unwrap_or_default());
        match (body["more"].as_bool(), body["cursor"].as_str()) {
            (Some(true), Some(cursor)) => after = Some(cursor.to_owned()),
            _ => {
                return Ok(json!({
                    "key": body.get("key").cloned().unwrap_or_else(|| json!(key)),
                    "more": false,
                    "cursor": null,
                    "entries": entries,
                }));
            }
        }
    }
}

/// A key's standing, from its timeline: per function its entries and last step, and the
/// items still open (last seen as a dead letter, a failed attempt, or parked unmatched).
pub fn status_of(key: &str, entries: &[Value]) -> Value {
    let mut functions: BTreeMap<String, Value> = BTreeMap::new();
    let mut items: BTreeMap<(String, String), Value> = BTreeMap::new();
    for entry in entries {
        let function = render::field(entry, "function");
        let slot = functions.entry(function.clone()).or_insert_with(|| {
            json!({"function": function, "entries": 0, "first_at": entry["at"], "last_at": null, "last_kind": null, "last": null})
        });
        slot["entries"] = json!(slot["entries"].as_u64().unwrap_or(0) + 1);
        slot["last_at"] = entry["at"].clone();
        slot["last_kind"] = entry["kind"].clone();
        slot["last"] = json!(render::entry_what(entry));
        if let Some(item) = entry["item_id"].as_str() {
            items.insert((function, item.to_owned()), entry.clone());
        }
    }
    let open: Vec<Value> = items
        .into_iter()
        .filter_map(|((function, item_id), last)| {
            let state = match last["kind"].as_str()? {
                "dead_letter" => "dead letter",
                "failed" | "effect_failed" => "retrying",
                "unmatched" => "unmatched",
                _ => return None,
            };
            Some(
                json!({"function": function, "item_id": item_id, "state": state,
                        "since": last["at"], "what": render::entry_what(&last)}),
            )
        })
        .collect();
    json!({
        "key": key,
        "entries": entries.len(),
        "first_at": entries.first().map(|e| e["at"].clone()),
        "last_at": entries.last().map(|e| e["at"].clone()),
        "functions": functions.into_values().collect::<Vec<_>>(),
        "open": open,
    })
}

fn status_text(status: &Value) -> String {
    let key = render::field(status, "key");
    let count = status["entries"].as_u64().unwrap_or(0);
    if count == 0 {
        return format!("{key}: nothing recorded\n");
    }
    let functions = status["functions"].as_array().cloned().unwrap_or_default();
    let mut table = render::table(&["FUNCTION", "ENTRIES", "FIRST", "LAST", "LAST STEP"]);
    for f in &functions {
        table.add_row(vec![
            render::field(f, "function"),
            render::field(f, "entries"),
            render::field(f, "first_at"),
            render::field(f, "last_at"),
            format!(
                "{}: {}",
                render::field(f, "last_kind"),
                render::shorten(&render::field(f, "last"), 80)
            ),
        ]);
    }
    let open = status["open"].as_array().cloned().unwrap_or_default();
    let open_text = if open.is_empty() {
        "nothing open: every item it went through is settled\n".to_owned()
    } else {
        format!("open:\n{}\n", render::rows(&open))
    };
    format!(
        "{key}: {count} entries from {} to {}\n{table}\n{open_text}",
        render::field(status, "first_at"),
        render::field(status, "last_at")
    )
}

fn inbox_items(items: &[Value]) -> String {
    let mut table = render::table(&[
        "ITEM",
        "STATUS",
        "EVENT TYPE",
        "RECEIVED",
        "ATTEMPTS",
        "LAST ERROR",
    ]);
    for item in items {
        table.add_row(vec![
            render::field(item, "item_id"),
            render::field(item, "status"),
            render::field(item, "event_type"),
            render::field(item, "received_at"),
            render::field(item, "attempts"),
            render::shorten(&render::field(item, "last_error"), 100),
        ]);
    }
    table.to_string()
}

/// The function whose inbox (`segment` `dead-letters`) or unmatched queue (`unmatched`) holds
/// `item`, among `candidates`: the one that answers for it.
///
/// A Trading Grid event delivered to several functions is an item of each inbox: then the one
/// where the item has status `prefer` (a dead letter, for a requeue or a discard) is taken if
/// it is the only one; otherwise `--function` must say.
async fn locate(
    client: &Client,
    candidates: &[&str],
    segment: &str,
    item: &str,
    prefer: Option<&str>,
) -> Result<String, CliError> {
    let mut found = Vec::new();
    for function in candidates {
        match client
            .call(Method::GET, &[function, segment, item], &[], None)
            .await
        {
            Ok(answer) => found.push(((*function).to_owned(), answer.body)),
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e),
        }
    }
    if found.len() > 1
        && let Some(prefer) = prefer
    {
        let preferred: Vec<&(String, Value)> = found
            .iter()
            .filter(|(_, b)| b["status"] == prefer)
            .collect();
        if let [(function, _)] = preferred.as_slice() {
            return Ok(function.clone());
        }
    }
    let mut found: Vec<String> = found.into_iter().map(|(f, _)| f).collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(CliError::Api {
            what: format!("GET /{{function}}/{segment}/{item}"),
            status: 404,
            code: Some("not_found".into()),
            message: format!("no function ({}) has item {item}", candidates.join(", ")),
        }),
        _ => Err(CliError::Usage(format!(
            "item {item} is in {}: say which with --function",
            found.join(" and ")
        ))),
    }
}

async fn unmatched(
    client: &Client,
    command: UnmatchedCommand,
    out: Output,
) -> Result<(), CliError> {
    let function_of = |function: Option<String>, item: String| async move {
        match function {
            Some(f) => Ok((f, item)),
            None => locate(client, &UNMATCHED_FUNCTIONS, "unmatched", &item, None)
                .await
                .map(|f| (f, item)),
        }
    };
    match command {
        UnmatchedCommand::List { function } => {
            let functions: Vec<&str> = match &function {
                Some(f) => vec![f.as_str()],
                None => UNMATCHED_FUNCTIONS.to_vec(),
            };
            let mut answers = serde_json::Map::new();
            let mut rows = Vec::new();
            for f in &functions {
                let answer = client
                    .call(Method::GET, &[f, "unmatched"], &[], None)
                    .await?;
                for item in answer.body["items"].as_array().cloned().unwrap_or_default() {
                    rows.push((f.to_string(), item));
                }
                answers.insert((*f).to_owned(), answer.body);
            }
            let json = per_function(function.as_deref(), answers);
            out.print(&json, || {
                if rows.is_empty() {
                    return "no open unmatched item\n".to_owned();
                }
                let mut table = render::table(&[
                    "FUNCTION", "ITEM", "STATUS", "DOC TYPE", "PARTNER", "REASON",
                ]);
                for (f, item) in &rows {
                    let details = &item["details"];
                    table.add_row(vec![
                        f.clone(),
                        render::field(item, "item_id"),
                        render::field(item, "status"),
                        render::field(details, "doc_type"),
                        render::field(details, "partner_id"),
                        render::shorten(&reason_of(details), 80),
                    ]);
                }
                format!("{table}\n")
            });
            Ok(())
        }
        UnmatchedCommand::Show {
            item,
            content,
            function,
        } => {
            let (function, item) = function_of(function, item).await?;
            let mut path = vec![function.as_str(), "unmatched", item.as_str()];
            if content {
                path.push("content");
            }
            let body = client.call(Method::GET, &path, &[], None).await?.body;
            if content {
                out.print(&body, || content_text(&body));
            } else {
                out.print(&body, || render::object(&body));
            }
            Ok(())
        }
        UnmatchedCommand::Assign {
            item,
            po,
            workspace,
            function,
        } => {
            let (function, item) = function_of(function, item).await?;
            let body = match (po, workspace) {
                (Some(po), _) => json!({"po_number": po}),
                (None, Some(id)) => json!({"workspace_id": id}),
                (None, None) => return Err(CliError::Usage("--po or --workspace".into())),
            };
            decide_unmatched(client, out, &function, &item, "assign", &body).await
        }
        UnmatchedCommand::Reject {
            item,
            comment,
            function,
        } => {
            let (function, item) = function_of(function, item).await?;
            let body = comment.map_or_else(|| json!({}), |c| json!({"comment": c}));
            decide_unmatched(client, out, &function, &item, "reject", &body).await
        }
    }
}

/// A parked document's content for a terminal: the text, then a line saying what was left
/// out when the preview is cut or not UTF-8.
fn content_text(body: &Value) -> String {
    let mut text = body["content"].as_str().unwrap_or_default().to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if body["truncated"] == true {
        text = format!(
            "{text}… the first {} of {} bytes (the whole document: blob {}, sha256 {})\n",
            render::field(body, "shown_bytes"),
            render::field(body, "size_bytes"),
            render::field(body, "blob_key"),
            render::field(body, "sha256"),
        );
    }
    if body["encoding"] == "utf-8-lossy" {
        text.push_str("(not UTF-8: bytes that are not are shown as \u{fffd})\n");
    }
    text
}

/// Sends an operator's decision (`assign`, `reject`) on an unmatched item and prints the
/// item's new status.
async fn decide_unmatched(
    client: &Client,
    out: Output,
    function: &str,
    item: &str,
    decision: &str,
    body: &Value,
) -> Result<(), CliError> {
    let answer = client
        .call(
            Method::POST,
            &[function, "unmatched", item, decision],
            &[],
            Some(body),
        )
        .await?;
    let body = answer.body;
    out.print(&body, || {
        format!(
            "{item} ({function}): {}\n{}",
            render::field(&body, "status"),
            render::object(&body)
        )
    });
    Ok(())
}

/// Why an unmatched item was parked, from its details.
fn reason_of(details: &Value) -> String {
    match details.get("reason") {
        Some(Value::Object(r)) => r
            .get("reason")
            .map_or_else(|| render::cell(&Value::Object(r.clone())), render::cell),
        Some(other) => render::cell(other),
        None => String::new(),
    }
}

/// One function's answer as it is, or several keyed by function name.
fn per_function(one: Option<&str>, mut answers: serde_json::Map<String, Value>) -> Value {
    match one.and_then(|f| answers.remove(f)) {
        Some(answer) => answer,
        None => Value::Object(answers),
    }
}

/// The function `--function` names, or the one whose inbox has `item` (with status `prefer`
/// when several have it).
async fn item_function(
    client: &Client,
    function: Option<String>,
    item: &str,
    prefer: Option<&str>,
) -> Result<String, CliError> {
    match function {
        Some(f) => Ok(f),
        None => locate(client, &FUNCTIONS, "dead-letters", item, prefer).await,
    }
}

async fn dead_letter(
    client: &Client,
    command: DeadLetterCommand,
    out: Output,
) -> Result<(), CliError> {
    match command {
        DeadLetterCommand::List { function } => {
            let functions: Vec<&str> = match &function.function {
                Some(f) => vec![f.as_str()],
                None => FUNCTIONS.to_vec(),
            };
            let mut answers = serde_json::Map::new();
            let mut rows = Vec::new();
            for f in &functions {
                let answer = client
                    .call(Method::GET, &[f, "dead-letters"], &[], None)
                    .await?;
                for item in answer.body["items"].as_array().cloned().unwrap_or_default() {
                    rows.push((f.to_string(), item));
                }
                answers.insert((*f).to_owned(), answer.body);
            }
            let json = per_function(function.function.as_deref(), answers);
            out.print(&json, || {
                if rows.is_empty() {
                    return "no dead letter\n".to_owned();
                }
                let mut table = render::table(&[
                    "FUNCTION",
                    "ITEM",
                    "EVENT TYPE",
                    "RECEIVED",
                    "ATTEMPTS",
                    "REQUEUES",
                    "LAST ERROR",
                ]);
                for (f, item) in &rows {
                    table.add_row(vec![
                        f.clone(),
                        render::field(item, "item_id"),
                        render::field(item, "event_type"),
                        render::field(item, "received_at"),
                        render::field(item, "attempts"),
                        render::field(item, "requeues"),
                        render::shorten(&render::field(item, "last_error"), 100),
                    ]);
                }
                format!("{table}\n")
            });
            Ok(())
        }
        DeadLetterCommand::Show { item, function } => {
            let function = item_function(client, function.function, &item, None).await?;
            let answer = client
                .call(Method::GET, &[&function, "dead-letters", &item], &[], None)
                .await?;
            let body = answer.body;
            out.print(&body, || {
                let mut summary = body.clone();
                let event = summary
                    .as_object_mut()
                    .and_then(|o| o.remove("event"))
                    .unwrap_or(Value::Null);
                format!(
                    "{item} in {function}'s inbox\n{}\nraw event:\n{}\n",
                    render::object(&summary),
                    serde_json::to_string_pretty(&event).unwrap_or_default()
                )
            });
            Ok(())
        }
        DeadLetterCommand::Discard {
            item,
            reason,
            function,
        } => {
            let function =
                item_function(client, function.function, &item, Some("dead_letter")).await?;
            let answer = client
                .call(
                    Method::POST,
                    &[&function, "dead-letters", &item, "discard"],
                    &[],
                    Some(&json!({"reason": reason})),
                )
                .await?;
            let body = answer.body;
            out.print(&body, || {
                format!("{item} ({function}): discarded\n{}", render::object(&body))
            });
            Ok(())
        }
        DeadLetterCommand::Requeue {
            item: Some(item),
            function,
            ..
        } => {
            let function =
                item_function(client, function.function, &item, Some("dead_letter")).await?;
            let answer = client
                .call(
                    Method::POST,
                    &[&function, "dead-letters", &item, "requeue"],
                    &[],
                    None,
                )
                .await?;
            let body = answer.body;
            out.print(&body, || {
                format!(
                    "{item} ({function}): requeued and processed once: {}\n{}",
                    render::field(&body, "processed"),
                    render::object(&body)
                )
            });
            if body["processed"] == "dead_letter" {
                return Err(CliError::Partial(format!(
                    "{item} failed again and is a dead letter again: {}",
                    render::field(&body, "last_error")
                )));
            }
            Ok(())
        }
        DeadLetterCommand::Requeue {
            item: None,
            function,
            ..
        } => requeue_all(client, function.function, out).await,
    }
}

/// Requeues every dead letter of `function` (every function when `None`), a batch per call,
/// with a progress bar.
async fn requeue_all(
    client: &Client,
    function: Option<String>,
    out: Output,
) -> Result<(), CliError> {
    let functions: Vec<String> = match function {
        Some(f) => vec![f],
        None => FUNCTIONS.iter().map(|f| (*f).to_owned()).collect(),
    };
    let mut counts = Vec::new();
    let mut total = 0u64;
    for f in &functions {
        let listed = client
            .call(Method::GET, &[f, "dead-letters"], &[], None)
            .await?;
        let n = listed.body["items"].as_array().map_or(0, Vec::len) as u64;
        counts.push(n);
        total += n;
    }
    let bar = out.progress(total, "requeueing dead letters");
    let mut processed: Vec<Value> = Vec::new();
    for (f, n) in functions.iter().zip(counts) {
        if n == 0 {
            continue;
        }
        let mut after: Option<String> = None;
        loop {
            let body = after
                .as_ref()
                .map_or_else(|| json!({}), |a| json!({"after": a}));
            let answer = client
                .call(
                    Method::POST,
                    &[f, "dead-letters", "requeue"],
                    &[],
                    Some(&body),
                )
                .await?;
            let answer = answer.body;
            for item in answer["items"].as_array().cloned().unwrap_or_default() {
                bar.inc(1);
                processed.push(json!({"function": f, "item_id": item["item_id"], "processed": item["processed"]}));
            }
            let remaining = answer["remaining"].as_u64().unwrap_or(0);
            bar.set_length((bar.position() + remaining).max(bar.length().unwrap_or(0)));
            match answer["next_after"].as_str() {
                Some(next) if remaining > 0 && answer["requeued"].as_u64().unwrap_or(0) > 0 => {
                    after = Some(next.to_owned());
                }
                _ => break,
            }
        }
    }
    bar.finish_and_clear();
    let again = processed
        .iter()
        .filter(|p| p["processed"] == "dead_letter")
        .count();
    let json = json!({"requeued": processed.len(), "items": processed, "dead_letter_again": again});
    out.print(&json, || {
        if processed.is_empty() {
            "no dead letter to requeue\n".to_owned()
        } else {
            format!(
                "{} requeued and processed:\n{}\n",
                processed.len(),
                render::rows(&processed)
            )
        }
    });
    if again > 0 {
        return Err(CliError::Partial(format!(
            "{again} of {} failed again and are dead letters again",
            processed.len()
        )));
    }
    Ok(())
}

async fn replay(
    client: &Client,
    items: &[String],
    dry_run: bool,
    function: Option<String>,
    out: Output,
) -> Result<(), CliError> {
    let body = json!({"dry_run": dry_run});
    if let [item] = items {
        let function = item_function(client, function, item, None).await?;
        let answer = client
            .call(
                Method::POST,
                &[&function, "inbox", item, "replay"],
                &[],
                Some(&body),
            )
            .await?;
        let body = answer.body;
        out.print(&body, || replay_text(item, &function, &body));
        return Ok(());
    }
    let bar = out.progress(
        items.len() as u64,
        if dry_run { "dry-running" } else { "replaying" },
    );
    let mut results = Vec::new();
    let mut failed = 0;
    for item in items {
        let outcome = match item_function(client, function.clone(), item, None).await {
            Ok(f) => client
                .call(
                    Method::POST,
                    &[&f, "inbox", item, "replay"],
                    &[],
                    Some(&body),
                )
                .await
                .map(|a| (f, a.body)),
            Err(e) => Err(e),
        };
        match outcome {
            Ok((f, answer)) => {
                results.push(json!({"item_id": item, "function": f, "answer": answer}));
            }
            Err(e) => {
                failed += 1;
                bar.suspend(|| eprintln!("{item}: {e}"));
                results.push(json!({"item_id": item, "error": e.to_string()}));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let json = json!({"dry_run": dry_run, "results": results});
    out.print(&json, || {
        let mut table = render::table(&["ITEM", "FUNCTION", "RESULT"]);
        for r in &results {
            let result = if r.get("error").is_some() {
                render::field(r, "error")
            } else if dry_run {
                format!(
                    "verdict {}, would be done: {}",
                    render::field(&r["answer"], "verdict"),
                    render::field(&r["answer"], "would_be_done")
                )
            } else {
                render::field(&r["answer"], "status")
            };
            table.add_row(vec![
                render::field(r, "item_id"),
                render::field(r, "function"),
                result,
            ]);
        }
        format!("{table}\n")
    });
    if failed > 0 {
        return Err(CliError::Partial(format!(
            "{failed} of {} replays failed",
            items.len()
        )));
    }
    Ok(())
}

fn replay_text(item: &str, function: &str, body: &Value) -> String {
    if body["dry_run"] == true {
        let list = |name: &str| {
            body[name].as_array().filter(|a| !a.is_empty()).map_or_else(
                || format!("{name}: none\n"),
                |a| format!("{name}:\n{}\n", render::rows(a)),
            )
        };
        format!(
            "dry run of {item} ({function}), nothing written\nverdict: {}, would be done: {}{}\n{}{}{}{}",
            render::field(body, "verdict"),
            render::field(body, "would_be_done"),
            body.get("stopped")
                .filter(|s| !s.is_null())
                .map(|s| format!("\nstopped: {}", render::cell(s)))
                .unwrap_or_default(),
            list("already_done"),
            list("would"),
            list("would_record"),
            list("would_stage"),
        )
    } else {
        format!("replayed {item} ({function})\n{}", render::object(body))
    }
}

async fn resume(
    client: &Client,
    target: &str,
    reason: Option<String>,
    out: Output,
) -> Result<(), CliError> {
    let body = reason.map_or_else(|| json!({}), |r| json!({"reason": r}));
    if FUNCTIONS.contains(&target) {
        let answer = client
            .call(Method::POST, &[target, "resume"], &[], Some(&body))
            .await?;
        let body = answer.body;
        out.print(&body, || {
            format!(
                "{}{target}\n{}",
                if body["was_paused"] == true {
                    "resumed: "
                } else {
                    "was not paused: "
                },
                render::object(&body)
            )
        });
        return Ok(());
    }
    // A partner: resumed once (the first call ends the pause), then every function
    // processes what it set aside for the partner now rather than at its next schedule.
    let bar = out.progress(FUNCTIONS.len() as u64, "resuming in every function");
    let mut answers = serde_json::Map::new();
    for f in FUNCTIONS {
        let answer = client
            .call(
                Method::POST,
                &[f, "partners", target, "resume"],
                &[],
                Some(&body),
            )
            .await?;
        answers.insert(f.to_owned(), answer.body);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let was_paused = answers.values().any(|a| a["was_paused"] == true);
    let json = Value::Object(answers.clone());
    out.print(&json, || {
        let mut table = render::table(&["FUNCTION", "WAS PAUSED", "INBOX"]);
        for (f, a) in &answers {
            table.add_row(vec![
                f.clone(),
                render::field(a, "was_paused"),
                render::field(a, "inbox"),
            ]);
        }
        format!(
            "{}{target}\n{table}\n",
            if was_paused {
                "resumed: "
            } else {
                "was not paused: "
            }
        )
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_number_is_a_po_and_each_kind_asks_its_home_function() {
        assert_eq!(business_key("4500001234").expect("key"), "po:4500001234");
        assert_eq!(business_key("po:4500001234").expect("key"), "po:4500001234");
        assert!(business_key("PO 42").is_err());
        assert!(business_key(" ").is_err());
        assert_eq!(owner_of("po:1"), "order-reconcile");
        assert_eq!(owner_of("bol:1"), "shipment-delay");
        assert_eq!(owner_of("recall:R-1"), "recall-campaign");
        assert_eq!(owner_of("exception:4500/1"), "po-exception");
    }

    #[test]
    fn the_status_names_what_is_still_open() {
        let entries = vec![
            json!({"at": "t1", "function": "order-reconcile", "kind": "received", "item_id": "tg:1", "event_type": "document.received"}),
            json!({"at": "t2", "function": "order-reconcile", "kind": "dead_letter", "item_id": "tg:1", "attempts": 8, "error": "xECM 500"}),
            json!({"at": "t3", "function": "shipment-delay", "kind": "unmatched", "item_id": "um_1", "doc_type": "214", "reason": "no order"}),
            json!({"at": "t4", "function": "order-reconcile", "kind": "received", "item_id": "tg:2"}),
            json!({"at": "t5", "function": "order-reconcile", "kind": "done", "item_id": "tg:2", "outcome": {}}),
        ];
        let status = status_of("po:1", &entries);
        let open = status["open"].as_array().expect("open");
        assert_eq!(open.len(), 2, "{status}");
        assert_eq!(open[0]["state"], "dead letter");
        assert_eq!(open[1]["state"], "unmatched");
        assert_eq!(status["functions"][0]["entries"], 4);
        assert_eq!(status["functions"][0]["last_kind"], "done");
    }
}
