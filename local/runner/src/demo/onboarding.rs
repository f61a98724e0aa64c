//! Use case 5 in the demo: Brightwire Electric, a new US supplier, is onboarded. The poll
//! applies the requirement matrix (filed in xECM) and asks Brightwire through TG for a W-9
//! and a certificate of insurance. Brightwire's first W-9 carries an EIN prefix the IRS never
//! assigns: it is rejected with the reason naming the field; the corrected W-9 is accepted
//! and filed, then the certificate — and the supplier's `Onboarding Status` reads
//! `complete`. The renewals sweep then finds ACME's certificate (seeded, expiring 31
//! December) inside its renewal window and asks ACME for a renewal.
//!
//! At the end of the demo ([`a_year_later`]): eleven months later (a second
//! supplier-onboarding on a manual clock) the renewals sweep asks Brightwire for its
//! certificate's renewal by itself; past the certificate's expiry it marks it expired and
//! Brightwire `incomplete`.

use super::wait_for;
use std::time::{Duration, Instant};

use std::sync::Arc;

use gridlink_core::clock::{Clock as _, ManualClock};
use gridlink_core::config::ConfigSource;
use gridlink_lambda::Handler as _;
use supplier_onboarding::{OnboardingConfig, SupplierOnboarding};
use time::OffsetDateTime;

use gridlink_xecm::{AttributeLookup, AttributeValue, CategoryId, NodeId, WorkspaceTypeId};
use serde_json::{Value, json};

use super::{DemoContext, Report};
use crate::schedules;

const UC: &str = "supplier-onboarding";
const PARTNER: &str = "prt_onb_brightwire";
/// How long Brightwire's certificate of insurance is valid (from the day it is submitted).
const CERTIFICATE_DAYS: i64 = 364;
/// "Eleven months later": inside the 60-day renewal window of that certificate.
const ELEVEN_MONTHS_DAYS: i64 = 334;
const PDF: &[u8] = b"%PDF-1.7\n% demo form\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// Runs the scenario; every step lands in the report.
pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let Some(supplier) = step(
        report,
        "find the new US supplier Brightwire Electric (0000100150)",
        started,
        find_supplier(ctx, "0000100150").await,
    ) else {
        return;
    };
    let started = Instant::now();
    if step(
        report,
        "the xECM poll applies the requirement matrix and requests documents through TG",
        started,
        fire(ctx, "supplier-onboarding-poll-xecm").await,
    )
    .is_none()
    {
        return;
    }
    let started = Instant::now();
    let requested = requested_kinds(ctx, &supplier).await;
    if step(
        report,
        "Brightwire sees one document request: W-9 and certificate of insurance",
        started,
        requested,
    )
    .is_none()
    {
        return;
    }
    let started = Instant::now();
    let bad = submit_and_wait(
        ctx,
        &supplier,
        "w9",
        json!({"tax_id": "07-1234567", "legal_name": "Brightwire Electric, Inc.", "form_revision": "2024-03"}),
        (None, None),
        "rejected",
    )
    .await
    .and_then(|item| {
        let reason = item["review_reason"].as_str().unwrap_or_default().to_owned();
        if reason.starts_with("fields.tax_id") {
            Ok(format!("W-9 rejected in TG: \"{reason}\""))
        } else {
            Err(format!("rejected without naming the field: {item}"))
        }
    });
    if step(
        report,
        "Brightwire submits a W-9 with EIN 07-1234567 → rejected, the reason names the field",
        started,
        bad,
    )
    .is_none()
    {
        return;
    }
    let started = Instant::now();
    let good = submit_and_wait(
        ctx,
        &supplier,
        "w9",
        json!({"tax_id": "27-1234567", "legal_name": "Brightwire Electric, Inc.", "form_revision": "2024-03"}),
        (None, None),
        "accepted",
    )
    .await
    .map(|_| "W-9 accepted in TG".to_owned());
    if step(
        report,
        "Brightwire resubmits the W-9 with EIN 27-1234567 → accepted",
        started,
        good,
    )
    .is_none()
    {
        return;
    }
    let started = Instant::now();
    // a certificate for one year from today (the local stack's clock)
    let today = OffsetDateTime::now_utc().date();
    let valid_from = today.to_string();
    let valid_until = (today + time::Duration::days(CERTIFICATE_DAYS)).to_string();
    let certificate = submit_and_wait(
        ctx,
        &supplier,
        "insurance_certificate",
        json!({
            "general_liability_each_occurrence": 2_000_000,
            "general_liability_aggregate": 4_000_000,
            "endorsements": ["additional_insured", "waiver_of_subrogation"],
            "insured_name": "Brightwire Electric, Inc."
        }),
        (Some(&valid_from), Some(&valid_until)),
        "accepted",
    )
    .await
    .map(|_| "certificate accepted in TG".to_owned());
    if step(report, "Brightwire submits its certificate of insurance (limits, endorsements, insured name) → accepted", started, certificate).is_none() {
        return;
    }
    let started = Instant::now();
    let complete = wait_for(
        Duration::from_secs(30),
        || evidence(ctx, &supplier),
        |(status, docs)| status == "complete" && docs.len() >= 3,
    )
    .await
    .map(|(status, docs)| {
        format!(
            "Onboarding Status = {status}; workspace {supplier}: {}",
            docs.join(", ")
        )
    });
    if step(
        report,
        "the documents and the compliance record are in the workspace; Onboarding Status complete",
        started,
        complete,
    )
    .is_none()
    {
        return;
    }
    let started = Instant::now();
    let renewal = renewals(ctx).await;
    step(
        report,
        "the renewals sweep asks ACME to renew its certificate expiring 2026-12-31",
        started,
        renewal,
    );
}

fn step(
    report: &mut Report,
    what: &str,
    started: Instant,
    result: Result<String, String>,
) -> Option<String> {
    let value = result.clone().ok();
    report.check(UC, what, started, result);
    value
}

async fn find_supplier(ctx: &DemoContext<'_>, number: &str) -> Result<String, String> {
    let lookup = AttributeLookup {
        workspace_type: WorkspaceTypeId::new(21).map_err(|e| e.to_string())?,
        category: CategoryId::new(9001).map_err(|e| e.to_string())?,
        attribute: "Supplier Number".into(),
        value: number.into(),
    };
    match ctx
        .platforms
        .xecm()
        .find_workspace_by_attribute(&lookup)
        .await
    {
        Ok(Some(node)) => Ok(node.id.to_string()),
        Ok(None) => Err(format!("the seeded supplier {number} is missing")),
        Err(e) => Err(format!("xECM: {e}")),
    }
}

async fn fire(ctx: &DemoContext<'_>, name: &str) -> Result<String, String> {
    let handler = ctx
        .stack
        .function(UC)
        .ok_or("supplier-onboarding is not running")?;
    let schedule = handler
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("the manifest lost {name}"))?;
    let outcome = schedules::fire(handler.as_ref(), schedule).await?;
    let text = outcome.to_string();
    Ok(format!(
        "{name} → {}",
        text.chars().take(400).collect::<String>()
    ))
}

async fn partner_requests(ctx: &DemoContext<'_>, partner: &str) -> Result<Vec<Value>, String> {
    let page: Value = ctx
        .http
        .get(format!(
            "{}/__sim/partners/{partner}/document_requests",
            ctx.tg_url.trim_end_matches('/')
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    Ok(page["items"].as_array().cloned().unwrap_or_default())
}

async fn item_of(
    ctx: &DemoContext<'_>,
    partner: &str,
    workspace: &str,
    kind: &str,
) -> Result<(String, Value), String> {
    let requests = partner_requests(ctx, partner).await?;
    // the latest request of the workspace that asks for the kind
    requests
        .iter()
        .filter(|r| r["external_ref"]["id"].as_str() == Some(workspace))
        .filter_map(|request| {
            let item = request["items"]
                .as_array()?
                .iter()
                .find(|i| i["kind"] == kind)?;
            Some((request, item))
        })
        .max_by_key(|(request, _)| {
            request["created_at"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .map(|(request, item)| {
            (
                request["request_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                item.clone(),
            )
        })
        .ok_or_else(|| format!("{partner} has no request for {kind} of workspace {workspace}"))
}

async fn requested_kinds(ctx: &DemoContext<'_>, workspace: &str) -> Result<String, String> {
    let requests = partner_requests(ctx, PARTNER).await?;
    let mine: Vec<&Value> = requests
        .iter()
        .filter(|r| r["external_ref"]["id"].as_str() == Some(workspace))
        .collect();
    let [request] = mine.as_slice() else {
        return Err(format!(
            "{} requests for the workspace, not one",
            mine.len()
        ));
    };
    let kinds: Vec<&str> = request["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|i| i["kind"].as_str()).collect())
        .unwrap_or_default();
    if kinds.contains(&"w9") && kinds.contains(&"insurance_certificate") {
        Ok(format!(
            "request {} asks for {}",
            request["request_id"].as_str().unwrap_or_default(),
            kinds.join(", ")
        ))
    } else {
        Err(format!("the request asks for {kinds:?}"))
    }
}

/// The partner submits one file with fields (TG simulator, partner side); waits until the
/// webhook → gateway → function has decided the item.
async fn submit_and_wait(
    ctx: &DemoContext<'_>,
    workspace: &str,
    kind: &str,
    fields: Value,
    valid: (Option<&str>, Option<&str>),
    expect: &str,
) -> Result<Value, String> {
    let (request, item) = item_of(ctx, PARTNER, workspace, kind).await?;
    let item_id = item["item_id"].as_str().unwrap_or_default().to_owned();
    let mut form = reqwest::multipart::Form::new()
        .text("fields", fields.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(PDF)
                .file_name(format!("{kind}.pdf"))
                .mime_str("application/pdf")
                .map_err(|e| e.to_string())?,
        );
    if let Some(from) = valid.0 {
        form = form.text("valid_from", from.to_owned());
    }
    if let Some(until) = valid.1 {
        form = form.text("valid_until", until.to_owned());
    }
    ctx.http
        .post(format!(
            "{}/__sim/partners/{PARTNER}/document_requests/{request}/items/{item_id}/submit",
            ctx.tg_url.trim_end_matches('/')
        ))
        .multipart(form)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?;
    wait_for(
        Duration::from_secs(30),
        || async {
            let (_, item) = item_of(ctx, PARTNER, workspace, kind).await?;
            Ok(item)
        },
        |item| item["status"] == expect,
    )
    .await
}

async fn evidence(ctx: &DemoContext<'_>, workspace: &str) -> Result<(String, Vec<String>), String> {
    let id: i64 = workspace.parse().map_err(|e| format!("{e}"))?;
    let node = NodeId::new(id).map_err(|e| e.to_string())?;
    let xecm = ctx.platforms.xecm();
    let values = xecm
        .read_attributes(node, CategoryId::new(9001).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let status = match values.get("Onboarding Status") {
        Some(AttributeValue::Text(t)) => t.clone(),
        _ => String::new(),
    };
    let mut docs = Vec::new();
    for path in [
        "Certificates/Tax Forms",
        "Certificates/Insurance",
        "Compliance",
    ] {
        if let Some(folder) = xecm
            .node_at_path(node, path)
            .await
            .map_err(|e| format!("xECM: {e}"))?
        {
            for child in xecm
                .list_children(folder.id)
                .await
                .map_err(|e| format!("xECM: {e}"))?
            {
                docs.push(format!("{path} › {}", child.name));
            }
        }
    }
    Ok((status, docs))
}

async fn renewals(ctx: &DemoContext<'_>) -> Result<String, String> {
    let acme = find_supplier(ctx, "0000100042").await?;
    let swept = fire(ctx, "supplier-onboarding-renewals").await?;
    let (request, _) = item_of(ctx, "prt_acme", &acme, "insurance_certificate")
        .await
        .map_err(|e| format!("{e} after {swept}"))?;
    Ok(format!(
        "TG request {request} asks prt_acme for a renewed certificate of insurance ({swept})"
    ))
}

/// The end of the demo: eleven months later, then past the expiry of Brightwire's
/// certificate. The renewals sweep is fired by a second supplier-onboarding over the same
/// storage, xECM and TG reading a manual clock (as po-exception's deadlines are): the running
/// stack keeps the wall clock its webhook signatures are checked against.
pub(super) async fn a_year_later(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let Some(supplier) = step(
        report,
        "a year later: find Brightwire again",
        started,
        find_supplier(ctx, "0000100150").await,
    ) else {
        return;
    };
    let started = Instant::now();
    let config = match OnboardingConfig::from_source(&ConfigSource::from_env()) {
        Ok(config) => config,
        Err(e) => {
            step(
                report,
                "read supplier-onboarding's configuration",
                started,
                Err(e.to_string()),
            );
            return;
        }
    };
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::now_utc() + time::Duration::days(ELEVEN_MONTHS_DAYS),
    ));
    let later = SupplierOnboarding::function(ctx.platforms.platform_at(UC, clock.clone()), config);
    let Some(schedule) = later
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "supplier-onboarding-renewals")
        .copied()
    else {
        step(
            report,
            "find the supplier-onboarding-renewals schedule",
            started,
            Err("the manifest lost supplier-onboarding-renewals".into()),
        );
        return;
    };
    let before = item_of(ctx, PARTNER, &supplier, "insurance_certificate")
        .await
        .map(|(request, _)| request);
    let renewal = async {
        let before = before?;
        let today = clock.now().date();
        let swept = schedules::fire(&later, &schedule).await?;
        let (request, item) = item_of(ctx, PARTNER, &supplier, "insurance_certificate").await?;
        if request == before || item["status"] != "pending" {
            return Err(format!(
                "no new request for the certificate on {today} (still {before}): {swept}"
            ));
        }
        let (row, status) = standing_of(ctx, &supplier, "insurance_certificate").await?;
        if row != "renewal requested" {
            return Err(format!("the certificate's row reads {row:?}"));
        }
        Ok(format!(
            "clock {today}: TG request {request} asks Brightwire for the renewed certificate; Requirements row: {row}; Onboarding Status = {status}"
        ))
    }
    .await;
    if step(
        report,
        "eleven months later → the renewals sweep requests the certificate's renewal by itself",
        started,
        renewal,
    )
    .is_none()
    {
        return;
    }
    let started = Instant::now();
    let lapsed = async {
        clock.advance(Duration::from_secs(
            (CERTIFICATE_DAYS + 2 - ELEVEN_MONTHS_DAYS).unsigned_abs() * 86_400,
        ));
        let today = clock.now().date();
        let swept = schedules::fire(&later, &schedule).await?;
        let (row, status) = standing_of(ctx, &supplier, "insurance_certificate").await?;
        if row == "expired" && status == "incomplete" {
            Ok(format!(
                "clock {today}: the certificate's row reads {row}; Onboarding Status = {status}"
            ))
        } else {
            Err(format!(
                "on {today} the certificate reads {row:?}, the supplier {status:?}: {swept}"
            ))
        }
    }
    .await;
    step(
        report,
        "past the certificate's expiry → it is expired and Brightwire is incomplete",
        started,
        lapsed,
    );
}

/// A requirement's `Status` in the `Requirements` rows, and the supplier's `Onboarding
/// Status`.
async fn standing_of(
    ctx: &DemoContext<'_>,
    workspace: &str,
    kind: &str,
) -> Result<(String, String), String> {
    let id: i64 = workspace.parse().map_err(|e| format!("{e}"))?;
    let node = NodeId::new(id).map_err(|e| e.to_string())?;
    let xecm = ctx.platforms.xecm();
    let text = |value: Option<&AttributeValue>| match value {
        Some(AttributeValue::Text(t)) => t.clone(),
        _ => String::new(),
    };
    let compliance = xecm
        .read_attributes(node, CategoryId::new(9800).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let row = match compliance.get("Requirements") {
        Some(AttributeValue::Rows(rows)) => rows
            .iter()
            .find(|r| text(r.get("Kind")) == kind)
            .map(|r| text(r.get("Status")))
            .ok_or_else(|| format!("no Requirements row for {kind}"))?,
        _ => return Err("no Requirements rows".into()),
    };
    let supplier = xecm
        .read_attributes(node, CategoryId::new(9001).map_err(|e| e.to_string())?)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    Ok((row, text(supplier.get("Onboarding Status"))))
}
