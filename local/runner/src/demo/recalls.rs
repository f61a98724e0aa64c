//! Use case 6 in the demo: a class II recall of two sealant lots (RC-2026-0007) to the demo
//! partners plus four generated ones (`prt_rc_gen_0001`…, added to TG through the simulator's
//! `POST /__sim/partners` and to the distribution as a new `Distribution.csv` version while
//! the recall is a draft; each shipped one lot or both). The QA manager approves their own
//! recall: refused, the refusal filed in `Approvals`. The approver approves in their own
//! session: issued — one campaign per affected partner listing only its lots (checked for
//! every generated partner). FreshMart reports all quantities destroyed with a photo;
//! MediSupply declares itself not affected; each generated partner accounts for all its units
//! with a photo; the rollup is shown and the evidence bundle exported into the workspace. Then the QA manager adds a lot after the approval (a new
//! distribution version and a `Lots` row): the recall goes back to `pending approval` with the
//! delta filed, the approver approves the delta and only ACME, the one partner it concerns,
//! gets version 2 listing only the new lot. The approver asks to close while lots are short:
//! the recall waits, the shortfall filed. ACME answers both its campaigns and MediSupply
//! corrects its answer (gridlink keeps both answers); every lot reaches 100 %; the next poll
//! closes the recall: a closeout notice to every partner (its lots only), `Status` `closed`,
//! the closeout record and the final bundle filed. Before the amendment, ACME, which has not
//! answered, goes overdue → reminded → escalated: the deadlines schedule fired by a second
//! recall-campaign over the same storage, xECM and TG reading a manual clock set past the due
//! time, then past `Escalate After Hours` (the running stack keeps the wall clock).

use super::wait_for;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gridlink_core::clock::{Clock, ManualClock};
use gridlink_core::config::ConfigSource;
use gridlink_lambda::Handler;
use recall_campaign::{RecallCampaign, RecallConfig};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, NamedAttributes, NewVersion, NodeId,
    WorkspaceTypeId, Workspaces, XecmAuth, XecmClient, XecmConfig,
};
use serde_json::{Value, json};

use super::{DemoContext, Report};
use crate::schedules;

const UC: &str = "recall-campaign";
const RECALL: &str = "RC-2026-0007";
const CATEGORY: i64 = 9900;

/// Runs the scenario; every step lands in the report.
pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let found = find(ctx).await;
    let Ok((incident, qa, approver)) = found else {
        report.check::<String>(
            UC,
            "find incident RC-2026-0007 in xECM",
            started,
            found.map(|_| String::new()),
        );
        return;
    };
    report.check::<String>(
        UC,
        "find incident RC-2026-0007 in xECM",
        started,
        Ok(format!(
            "workspace {incident}; QA manager 1002 and approver 1003 log in"
        )),
    );

    let started = Instant::now();
    let joined = generated_join(ctx, &qa, incident).await;
    if !report.check(
        UC,
        "4 generated partners join the distribution: registered in TG, a new Distribution.csv version by the QA manager",
        started,
        joined,
    ) {
        return;
    }

    let started = Instant::now();
    let refused = self_approval(ctx, &qa, incident).await;
    if !report.check(
        UC,
        "the QA manager approves their own recall → refused, refusal filed",
        started,
        refused,
    ) {
        return;
    }

    let started = Instant::now();
    let issued = approval(ctx, &qa, &approver, incident).await;
    if !report.check(
        UC,
        "the approver approves → issued: one campaign per partner, its lots only",
        started,
        issued,
    ) {
        return;
    }

    let started = Instant::now();
    let isolated = generated_isolation(ctx).await;
    if !report.check(
        UC,
        "each generated partner sees one campaign listing only its own lots",
        started,
        isolated,
    ) {
        return;
    }

    let started = Instant::now();
    let answered = answers(ctx, incident).await;
    if !report.check(
        UC,
        "FreshMart confirms quantities with a photo; MediSupply is not affected",
        started,
        answered,
    ) {
        return;
    }

    let started = Instant::now();
    let generated = generated_answers(ctx, incident).await;
    if !report.check(
        UC,
        "the generated partners account for every unit of their lots, each with an evidence photo",
        started,
        generated,
    ) {
        return;
    }

    let started = Instant::now();
    let rollup = rollup(ctx).await;
    if !report.check(
        UC,
        "rollup per lot: shipped vs accounted for (GET /recall-campaign/recalls/RC-2026-0007)",
        started,
        rollup,
    ) {
        return;
    }

    let started = Instant::now();
    let bundle = bundle(ctx, incident).await;
    if !report.check(
        UC,
        "evidence bundle exported (POST /recall-campaign/recalls/RC-2026-0007/bundle), filed in Evidence Bundle",
        started,
        bundle,
    ) {
        return;
    }

    let started = Instant::now();
    let escalated = overdue(ctx, incident).await;
    if !report.check(
        UC,
        "ACME does not answer: overdue → reminded → escalated (recall-campaign-deadlines fired later, on a manual clock)",
        started,
        escalated,
    ) {
        return;
    }

    let started = Instant::now();
    let amended = amendment(ctx, &qa, &approver, incident).await;
    if !report.check(
        UC,
        "a lot added after approval → pending approval, the delta approved → version 2 to ACME only, its new lot only",
        started,
        amended,
    ) {
        return;
    }

    let started = Instant::now();
    let waiting = closing_waits(ctx, &approver, incident).await;
    if !report.check(
        UC,
        "the approver asks to close while lots are short → still closing, the shortfall filed in Approvals",
        started,
        waiting,
    ) {
        return;
    }

    let started = Instant::now();
    let accounted = remaining_answers(ctx, incident).await;
    if !report.check(
        UC,
        "ACME answers versions 1 and 2, MediSupply corrects its answer → every lot 100 % accounted for",
        started,
        accounted,
    ) {
        return;
    }

    let started = Instant::now();
    let closed = closed(ctx, incident).await;
    report.check(
        UC,
        "the recall closes: a closeout notice to every partner (its lots only), Status = closed, final bundle filed",
        started,
        closed,
    );
}

/// The rollup as the route serves it.
async fn rollup_now(ctx: &DemoContext<'_>) -> Result<Value, String> {
    ctx.http
        .get(format!(
            "{}/{UC}/recalls/{RECALL}",
            ctx.gateway_url.trim_end_matches('/')
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json::<Value>()
        .await
        .map_err(|e| e.to_string())
}

/// The deadlines schedule fired "later": a second recall-campaign over the same storage, xECM
/// and TG reading a manual clock set past the due time, then past `Escalate After Hours`
/// (the running stack keeps the wall clock its webhook signatures are checked against).
async fn overdue(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    let config = RecallConfig::from_source(&ConfigSource::from_env()).map_err(|e| e.to_string())?;
    let rollup = rollup_now(ctx).await?;
    let due_at = rollup["due_at"]
        .as_str()
        .ok_or("the rollup has no due_at")?;
    let due = OffsetDateTime::parse(due_at, &Rfc3339).map_err(|e| e.to_string())?;
    let clock = Arc::new(ManualClock::new(due + time::Duration::minutes(1)));
    let later = RecallCampaign::function(
        ctx.platforms
            .platform_at(recall_campaign::NAME, clock.clone()),
        config,
    );
    let schedule = later
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "recall-campaign-deadlines")
        .copied()
        .ok_or("the manifest lost recall-campaign-deadlines")?;
    // Every partner but ACME answered (the demo partners and the generated ones).
    let others: Vec<String> = all_partners()
        .into_iter()
        .filter(|p| p != "prt_acme")
        .collect();
    let first = schedules::fire(&later, &schedule).await?;
    let reminded = first["deadlines"]["reminded"].to_string();
    if !reminded.contains("prt_acme") || others.iter().any(|p| reminded.contains(p.as_str())) {
        return Err(format!(
            "at {}: not the non-responder alone reminded: {first}",
            clock.now()
        ));
    }
    // The seed's `Escalate After Hours`.
    let escalate_after = 96;
    clock.set(due + time::Duration::hours(escalate_after) + time::Duration::minutes(1));
    let second = schedules::fire(&later, &schedule).await?;
    let escalated = second["deadlines"]["escalated"].to_string();
    if !escalated.contains("prt_acme") || others.iter().any(|p| escalated.contains(p.as_str())) {
        return Err(format!(
            "at {}: not the non-responder alone escalated: {second}",
            clock.now()
        ));
    }
    let rollup = rollup_now(ctx).await?;
    let acme = rollup["partners"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["partner_id"] == "prt_acme")
        .cloned()
        .ok_or("ACME is not in the rollup")?;
    if acme["reminders"] != 1 || acme["escalation"].is_null() {
        return Err(format!("the rollup does not show it: {acme}"));
    }
    let filed = children(ctx, incident, "Partner Responses/prt_acme").await?;
    let note = filed
        .iter()
        .find(|n| n.starts_with("Escalation prt_acme"))
        .ok_or_else(|| format!("no escalation note filed: {filed:?}"))?;
    Ok(format!(
        "due {due_at}; at due + 1 min: reminder 1 to prt_acme only (FreshMart, MediSupply and the {GENERATED} generated partners answered); at due + {escalate_after} h: escalated — TG message {} with an action_request, Partner Responses › prt_acme › {note}; the rollup shows {} escalated",
        acme["escalation"]["message_id"].as_str().unwrap_or("?"),
        rollup["escalated"]
    ))
}

/// The seeded distribution (local/xecm-sim/seeds/demo.json): the demo partners.
const DISTRIBUTION: &str = "partner_id,lot_code,quantity,unit,shipped_on\nprt_acme,L2026-0412,400,EA,2026-04-20\nprt_rc_freshmart,L2026-0412,500,EA,2026-04-21\nprt_rc_freshmart,L2026-0415,300,EA,2026-04-22\nprt_rc_medisupply,L2026-0415,250,EA,2026-04-23\n";
/// The amendment's row: lot L2026-0420 shipped to ACME.
const AMENDMENT_ROW: &str = "prt_acme,L2026-0420,100,EA,2026-04-25\n";
const NEW_LOT: &str = "L2026-0420";
const PARTNERS: [&str; 3] = ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"];
/// The generated partners the demo adds to the recall (`prt_rc_gen_0001`…, named as the
/// tests' and benchmark's generator names them): few, so the demo stays fast.
const GENERATED: usize = 4;

fn generated_partner(i: usize) -> String {
    format!("prt_rc_gen_{i:04}")
}

/// The lots generated partner `i` was shipped, `(lot, quantity)`: one lot or both, so its
/// campaign shows whether it lists only that partner's lots.
fn generated_lots(i: usize) -> Vec<(&'static str, i64)> {
    let quantity = i64::try_from(10 * i).unwrap_or(i64::MAX);
    match i % 3 {
        1 => vec![("L2026-0412", quantity)],
        2 => vec![("L2026-0415", quantity)],
        _ => vec![("L2026-0412", quantity), ("L2026-0415", quantity)],
    }
}

/// The demo partners and the generated ones.
fn all_partners() -> Vec<String> {
    PARTNERS
        .iter()
        .map(|p| (*p).to_owned())
        .chain((1..=GENERATED).map(generated_partner))
        .collect()
}

/// The distribution with the generated partners' rows, and the amendment's row when
/// `amended`.
fn distribution_csv(amended: bool) -> String {
    let mut csv = String::from(DISTRIBUTION);
    for i in 1..=GENERATED {
        for (lot, quantity) in generated_lots(i) {
            let _ = writeln!(
                csv,
                "{},{lot},{quantity},EA,2026-04-2{}",
                generated_partner(i),
                i % 10
            );
        }
    }
    if amended {
        csv.push_str(AMENDMENT_ROW);
    }
    csv
}

/// The generated partners' TG records, as `POST /__sim/partners` takes them (the seed format),
/// and their rows in a new version of `Approvals/Distribution.csv` filed by the QA manager
/// while the recall is a draft.
async fn generated_join(
    ctx: &DemoContext<'_>,
    qa: &XecmClient,
    incident: NodeId,
) -> Result<String, String> {
    let url = format!("{}/__sim/partners", ctx.tg_url.trim_end_matches('/'));
    let mut joined = Vec::new();
    for i in 1..=GENERATED {
        let partner = generated_partner(i);
        let added = ctx
            .http
            .post(&url)
            .json(&json!({
                "partner_id": partner,
                "name": format!("Generated Retailer {i}"),
                "status": "active",
                "van": "GXS",
                "edi_addresses": [format!("ZZ:RCGEN{i:05}")],
                "contacts": [],
                "partnerships": []
            }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !added.status().is_success() {
            return Err(format!(
                "TG refused {partner}: {}",
                added.text().await.unwrap_or_default()
            ));
        }
        let lots: Vec<String> = generated_lots(i)
            .iter()
            .map(|(lot, quantity)| format!("{lot} {quantity} EA"))
            .collect();
        joined.push(format!("{partner} ({})", lots.join(", ")));
    }
    let document = ctx
        .platforms
        .xecm()
        .node_at_path(incident, "Approvals/Distribution.csv")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("Approvals/Distribution.csv is missing")?;
    let csv = distribution_csv(false);
    let version = qa
        .add_document_version(
            document.id,
            &NewVersion {
                file_name: "Distribution.csv".into(),
                mime_type: Some("text/csv".into()),
                description: format!("{GENERATED} generated partners added"),
                major: false,
            },
            &BytesSource(bytes::Bytes::from(csv.clone())),
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{}; Approvals › Distribution.csv version {}: {} rows",
        joined.join(", "),
        version.version_number,
        csv.lines().count() - 1
    ))
}

/// Partner isolation for the generated partners: each sees exactly one campaign, and it
/// lists exactly the lots that partner was shipped.
async fn generated_isolation(ctx: &DemoContext<'_>) -> Result<String, String> {
    let mut lines = Vec::new();
    for i in 1..=GENERATED {
        let partner = generated_partner(i);
        let campaigns = partner_campaigns(ctx, &partner).await?;
        let [campaign] = campaigns.as_slice() else {
            return Err(format!(
                "{partner} sees {} campaigns, expected one",
                campaigns.len()
            ));
        };
        let listed = lots_of(campaign);
        let own: std::collections::BTreeSet<String> = generated_lots(i)
            .iter()
            .map(|(lot, _)| (*lot).to_owned())
            .collect();
        if listed != own {
            return Err(format!(
                "{partner}'s campaign lists {listed:?}, its lots are {own:?}"
            ));
        }
        lines.push(format!(
            "{partner}: {} lots {listed:?}",
            campaign["campaign_id"].as_str().unwrap_or("?")
        ));
    }
    Ok(lines.join("; "))
}

/// Each generated partner answers its campaign through the TG simulator's partner side:
/// every unit destroyed, with a photo as evidence (so it is `completed`).
async fn generated_answers(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    for i in 1..=GENERATED {
        let partner = generated_partner(i);
        let campaigns = partner_campaigns(ctx, &partner).await?;
        let id = campaigns
            .first()
            .and_then(|c| c["campaign_id"].as_str())
            .ok_or_else(|| format!("no campaign of {partner}"))?
            .to_owned();
        respond_with_photo(
            ctx,
            &partner,
            &id,
            &accounted(&generated_lots(i), "destroyed"),
            b"\xff\xd8\xff\xe0 demo photo: a generated retailer's destroyed stock",
        )
        .await?;
    }
    let mut lines = Vec::new();
    for i in 1..=GENERATED {
        let partner = generated_partner(i);
        let folder = format!("Partner Responses/{partner}");
        let filed = wait_for(
            Duration::from_secs(30),
            || children(ctx, incident, &folder),
            |names| names.len() >= 2,
        )
        .await?;
        lines.push(format!("{partner}: {}", filed.join(", ")));
    }
    Ok(format!("Partner Responses › {}", lines.join("; ")))
}

/// The `Lots` as xECM holds them with lot L2026-0420 added, as the QA manager edits the set.
async fn amended_lots(qa: &XecmClient, incident: NodeId) -> Result<AttributeValue, String> {
    let values = qa
        .read_attributes(incident, category())
        .await
        .map_err(|e| e.to_string())?;
    let Some(AttributeValue::Rows(mut rows)) = values.get("Lots").cloned() else {
        return Err(format!("the incident has no Lots set: {values:?}"));
    };
    let mut row = NamedAttributes::new();
    row.insert("Lot Code".into(), NEW_LOT.into());
    row.insert("GTIN".into(), "04012345000048".into());
    row.insert("Material".into(), "M-SEAL-900".into());
    row.insert("Quantity".into(), AttributeValue::Integer(300));
    row.insert("Unit".into(), "EA".into());
    rows.push(row);
    Ok(AttributeValue::Rows(rows))
}

/// The recall notices (not closeouts) a partner sees.
async fn notices(ctx: &DemoContext<'_>, partner: &str) -> Result<Vec<Value>, String> {
    Ok(partner_campaigns(ctx, partner)
        .await?
        .into_iter()
        .filter(|c| c["kind"] == "recall_notice")
        .collect())
}

/// A partner's amendment (version 2) and its first notice.
fn versions(notices: &[Value]) -> Result<(&Value, &Value), String> {
    let is_v2 = |c: &&Value| {
        c["title"]
            .as_str()
            .is_some_and(|t| t.contains("amendment v2"))
    };
    let (Some(v2), Some(v1), 2) = (
        notices.iter().find(is_v2),
        notices.iter().find(|c| !is_v2(c)),
        notices.len(),
    ) else {
        return Err(format!(
            "expected a first notice and an amendment v2, found {} notices: {:?}",
            notices.len(),
            notices.iter().map(|c| &c["title"]).collect::<Vec<_>>()
        ));
    };
    Ok((v2, v1))
}

fn lots_of(campaign: &Value) -> std::collections::BTreeSet<String> {
    campaign["response_form"]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            f["name"]
                .as_str()?
                .split_once('.')
                .map(|(lot, _)| lot.to_owned())
        })
        .collect()
}

async fn status(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    let values = ctx
        .platforms
        .xecm()
        .read_attributes(incident, category())
        .await
        .map_err(|e| e.to_string())?;
    Ok(match values.get("Status") {
        Some(AttributeValue::Text(text)) => text.clone(),
        other => format!("{other:?}"),
    })
}

async fn amendment(
    ctx: &DemoContext<'_>,
    qa: &XecmClient,
    approver: &XecmClient,
    incident: NodeId,
) -> Result<String, String> {
    let distribution = ctx
        .platforms
        .xecm()
        .node_at_path(incident, "Approvals/Distribution.csv")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("Approvals/Distribution.csv is missing")?;
    qa.add_document_version(
        distribution.id,
        &NewVersion {
            file_name: "Distribution.csv".into(),
            mime_type: Some("text/csv".into()),
            description: format!("lot {NEW_LOT} added: 100 EA to prt_acme"),
            major: false,
        },
        &BytesSource(bytes::Bytes::from(distribution_csv(true))),
    )
    .await
    .map_err(|e| e.to_string())?;
    let lots = amended_lots(qa, incident).await?;
    write(qa, incident, &[("Lots", lots)]).await?;
    let held = poll(ctx).await?;
    if !held.to_string().contains("awaits approval") {
        return Err(format!("the amendment was not held for approval: {held}"));
    }
    let standing = status(ctx, incident).await?;
    if standing != "pending approval" {
        return Err(format!("Status is {standing:?}, not pending approval"));
    }
    let approvals = children(ctx, incident, "Approvals").await?;
    let held_doc = approvals
        .iter()
        .find(|n| n.starts_with("Amendment pending approval"))
        .ok_or_else(|| format!("no amendment filed for the approver: {approvals:?}"))?
        .clone();
    let before = notices(ctx, "prt_acme").await?.len();
    if before != 1 {
        return Err(format!(
            "ACME sees {before} notices before the delta is approved"
        ));
    }
    write(
        approver,
        incident,
        &[
            ("Approved By", AttributeValue::User(1003)),
            ("Status", AttributeValue::Text("approved".into())),
        ],
    )
    .await?;
    poll(ctx).await?;
    let standing = status(ctx, incident).await?;
    if standing != "active" {
        return Err(format!("Status is {standing:?} after the delta's approval"));
    }
    let acme = notices(ctx, "prt_acme").await?;
    let (v2, v1) = versions(&acme)?;
    if lots_of(v1).contains(NEW_LOT) {
        return Err(format!("ACME's version 1 changed: {v1}"));
    }
    let lots = lots_of(v2);
    if lots.len() != 1 || !lots.contains(NEW_LOT) {
        return Err(format!(
            "ACME's version 2 lists {lots:?}, not only {NEW_LOT}"
        ));
    }
    for partner in all_partners().iter().filter(|p| *p != "prt_acme") {
        let theirs = notices(ctx, partner).await?.len();
        if theirs != 1 {
            return Err(format!(
                "{partner} sees {theirs} recall notices: the delta is not theirs"
            ));
        }
    }
    Ok(format!(
        "Distribution.csv new version + Lots row {NEW_LOT} → Status pending approval, Approvals › {held_doc}; approved by user 1003 → prt_acme: {} \"{}\" lots {lots:?}; prt_rc_freshmart, prt_rc_medisupply and the {GENERATED} generated partners: nothing new",
        v2["campaign_id"].as_str().unwrap_or("?"),
        v2["title"].as_str().unwrap_or("?"),
    ))
}

async fn closing_waits(
    ctx: &DemoContext<'_>,
    approver: &XecmClient,
    incident: NodeId,
) -> Result<String, String> {
    write(
        approver,
        incident,
        &[("Status", AttributeValue::Text("closing".into()))],
    )
    .await?;
    let run = poll(ctx).await?;
    let text = run.to_string();
    if !text.contains("effectiveness below") {
        return Err(format!("closing was not held back: {run}"));
    }
    let standing = status(ctx, incident).await?;
    if standing != "closing" {
        return Err(format!("Status is {standing:?}, not closing"));
    }
    let approvals = children(ctx, incident, "Approvals").await?;
    let waiting = approvals
        .iter()
        .find(|n| n.starts_with("Closeout waiting"))
        .ok_or_else(|| format!("no shortfall filed: {approvals:?}"))?;
    for partner in all_partners() {
        if partner_campaigns(ctx, &partner)
            .await?
            .iter()
            .any(|c| c["kind"] == "announcement")
        {
            return Err(format!("{partner} got a closeout while lots are short"));
        }
    }
    Ok(format!(
        "Status stays closing; Approvals › {waiting}; no closeout sent"
    ))
}

async fn respond(
    ctx: &DemoContext<'_>,
    partner: &str,
    campaign: &Value,
    form_data: Value,
) -> Result<(), String> {
    let id = campaign["campaign_id"]
        .as_str()
        .ok_or_else(|| format!("a campaign of {partner} without an id"))?;
    post_answer(ctx, partner, id, |request| {
        request.json(&json!({ "form_data": form_data }))
    })
    .await
}

/// `partner` answers campaign `id` through the TG simulator's partner side with `form_data`
/// and a photo (`destruction-photo.jpg`) as its evidence file.
async fn respond_with_photo(
    ctx: &DemoContext<'_>,
    partner: &str,
    id: &str,
    form_data: &Value,
    photo: &'static [u8],
) -> Result<(), String> {
    let multipart = reqwest::multipart::Form::new()
        .text("form_data", form_data.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(photo)
                .file_name("destruction-photo.jpg")
                .mime_str("image/jpeg")
                .map_err(|e| e.to_string())?,
        );
    post_answer(ctx, partner, id, |request| request.multipart(multipart)).await
}

/// Posts `partner`'s answer to campaign `id` on the TG simulator's partner side, its body set
/// by `body`; a refusal is an error carrying TG's answer.
async fn post_answer(
    ctx: &DemoContext<'_>,
    partner: &str,
    id: &str,
    body: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<(), String> {
    let request = ctx.http.post(format!(
        "{}/__sim/partners/{partner}/campaigns/{id}/respond",
        ctx.tg_url.trim_end_matches('/')
    ));
    let answer = body(request).send().await.map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!(
            "{partner}'s answer to {id} was refused: {}",
            answer.text().await.unwrap_or_default()
        ));
    }
    Ok(())
}

/// A form accounting for every unit of `lots` as `how` (returned or destroyed).
fn accounted(lots: &[(&str, i64)], how: &str) -> Value {
    let mut form = json!({"acknowledged": true, "affected": true, "further_distributed": false, "disposition_date": "2026-12-03"});
    for (lot, quantity) in lots {
        for field in ["on_hand", "quarantined", "returned", "destroyed"] {
            form[format!("{lot}.{field}")] = json!(if field == how { *quantity } else { 0 });
        }
    }
    form
}

async fn remaining_answers(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    let acme = notices(ctx, "prt_acme").await?;
    let (v2, v1) = versions(&acme)?;
    respond(
        ctx,
        "prt_acme",
        v1,
        accounted(&[("L2026-0412", 400)], "returned"),
    )
    .await?;
    respond(
        ctx,
        "prt_acme",
        v2,
        accounted(&[(NEW_LOT, 100)], "destroyed"),
    )
    .await?;
    let medi = notices(ctx, "prt_rc_medisupply").await?;
    let [medi] = medi.as_slice() else {
        return Err(format!("MediSupply sees {} recall notices", medi.len()));
    };
    respond(
        ctx,
        "prt_rc_medisupply",
        medi,
        accounted(&[("L2026-0415", 250)], "quarantined"),
    )
    .await?;
    let rollup: Value = wait_for(
        Duration::from_secs(30),
        || rollup_now(ctx),
        |r: &Value| {
            r["lots"].as_array().is_some_and(|lots| {
                lots.len() == 3 && lots.iter().all(|l| l["effectiveness_pct"] == 100.0)
            }) && r["partners"].as_array().is_some_and(|p| {
                p.iter()
                    .any(|p| p["partner_id"] == "prt_rc_medisupply" && p["answers"] == 2)
            })
        },
    )
    .await?;
    let medi_filed = children(ctx, incident, "Partner Responses/prt_rc_medisupply").await?;
    let answers = medi_filed
        .iter()
        .filter(|n| n.starts_with("Answer "))
        .count();
    if answers != 2 {
        return Err(format!(
            "MediSupply's folder holds {answers} answers, expected both: {medi_filed:?}"
        ));
    }
    let lots: Vec<String> = rollup["lots"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "{} {} of {} ({}%)",
                l["lot_code"].as_str().unwrap_or("?"),
                l["accounted"],
                l["shipped"],
                l["effectiveness_pct"]
            )
        })
        .collect();
    Ok(format!(
        "{}; MediSupply's first answer (not affected) and its correction both kept in Partner Responses; partners by state {}",
        lots.join("; "),
        rollup["by_state"]
    ))
}

async fn closed(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    let mut standing = String::new();
    for _ in 0..3 {
        poll(ctx).await?;
        standing = status(ctx, incident).await?;
        if standing == "closed" {
            break;
        }
    }
    if standing != "closed" {
        return Err(format!("Status is {standing:?} after three polls"));
    }
    let mut lines = Vec::new();
    for partner in all_partners() {
        let closeouts: Vec<Value> = partner_campaigns(ctx, &partner)
            .await?
            .into_iter()
            .filter(|c| c["kind"] == "announcement")
            .collect();
        let [closeout] = closeouts.as_slice() else {
            return Err(format!(
                "{partner} got {} closeout notices, expected one",
                closeouts.len()
            ));
        };
        let message = closeout["message"].as_str().unwrap_or_default();
        if !message.contains("Closeout") {
            return Err(format!("{partner}'s closeout reads {message:?}"));
        }
        if partner == "prt_acme" && message.contains("L2026-0415") {
            return Err(format!(
                "ACME's closeout names a lot it never had: {message}"
            ));
        }
        if let Some(i) = (1..=GENERATED).find(|i| generated_partner(*i) == partner) {
            let own = generated_lots(i);
            if let Some(other) = ["L2026-0412", "L2026-0415", NEW_LOT]
                .into_iter()
                .find(|lot| message.contains(lot) && !own.iter().any(|(l, _)| l == lot))
            {
                return Err(format!(
                    "{partner}'s closeout names lot {other}, which it never had: {message}"
                ));
            }
        }
        lines.push(format!(
            "{partner}: {}",
            closeout["campaign_id"].as_str().unwrap_or("?")
        ));
    }
    let approvals = children(ctx, incident, "Approvals").await?;
    let record = format!("Closeout {RECALL}.txt");
    if !approvals.contains(&record) {
        return Err(format!("no {record} in Approvals: {approvals:?}"));
    }
    let evidence = children(ctx, incident, "Evidence Bundle").await?;
    Ok(format!(
        "Status = closed; closeout notices {}; Approvals › {record}; Evidence Bundle › {}",
        lines.join(", "),
        evidence.join(", ")
    ))
}

async fn bundle(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    let url = format!(
        "{}/{UC}/recalls/{RECALL}/bundle",
        ctx.gateway_url.trim_end_matches('/')
    );
    let response = ctx
        .http
        .post(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let report: Value = response.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("the export answered {status}: {report}"));
    }
    let filed = children(ctx, incident, "Evidence Bundle").await?;
    let name = report["name"].as_str().unwrap_or_default();
    if !filed.iter().any(|n| n == name) {
        return Err(format!("{name} is not in Evidence Bundle: {filed:?}"));
    }
    Ok(format!(
        "Evidence Bundle › {name}: {} entries (manifest with sha256s, every answer and file, FSMA 204 CSV), {} bytes, sha256 {}",
        report["entries"],
        report["size_bytes"],
        report["sha256"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(16)
            .collect::<String>()
    ))
}

fn session(ctx: &DemoContext<'_>, user: &str, password: &str) -> Result<XecmClient, String> {
    let config = XecmConfig::new(
        &ctx.platforms.endpoints.xecm_url,
        XecmAuth::Password {
            user: user.into(),
            password: secrecy::SecretString::from(password.to_owned()),
        },
    )
    .map_err(|e| e.to_string())?;
    XecmClient::new(config).map_err(|e| e.to_string())
}

fn category() -> CategoryId {
    CategoryId::new(CATEGORY).expect("9900 is positive")
}

async fn find(ctx: &DemoContext<'_>) -> Result<(NodeId, XecmClient, XecmClient), String> {
    let incident = ctx
        .platforms
        .xecm()
        .find_workspace_by_attribute(&AttributeLookup {
            workspace_type: WorkspaceTypeId::new(61).map_err(|e| e.to_string())?,
            category: category(),
            attribute: "Recall ID".into(),
            value: RECALL.into(),
        })
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the seeded incident RC-2026-0007 is missing")?
        .id;
    Ok((
        incident,
        session(ctx, "qa.manager", "qa-demo")?,
        session(ctx, "qa.approver", "approver-demo")?,
    ))
}

async fn write(
    who: &XecmClient,
    incident: NodeId,
    values: &[(&str, AttributeValue)],
) -> Result<(), String> {
    let values: NamedAttributes = values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    who.write_attributes(incident, category(), &values)
        .await
        .map_err(|e| e.to_string())
}

async fn poll(ctx: &DemoContext<'_>) -> Result<Value, String> {
    let handler = ctx
        .stack
        .function(UC)
        .ok_or("recall-campaign is not running")?;
    let schedule = handler
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "recall-campaign-poll-xecm")
        .ok_or("the manifest lost recall-campaign-poll-xecm")?;
    schedules::fire(handler.as_ref(), schedule).await
}

async fn self_approval(
    ctx: &DemoContext<'_>,
    qa: &XecmClient,
    incident: NodeId,
) -> Result<String, String> {
    write(
        qa,
        incident,
        &[
            ("Approved By", AttributeValue::User(1002)),
            ("Status", AttributeValue::Text("approved".into())),
        ],
    )
    .await?;
    let outcome = poll(ctx).await?;
    let text = outcome.to_string();
    if !text.contains("is the initiator") {
        return Err(format!("not refused: {outcome}"));
    }
    let approvals = children(ctx, incident, "Approvals").await?;
    let refusal = approvals
        .iter()
        .find(|n| n.starts_with("Issue refused"))
        .ok_or_else(|| format!("no refusal filed in Approvals: {approvals:?}"))?;
    Ok(format!(
        "refused: the approver (user 1002) is the initiator; Approvals › {refusal}; nothing sent to TG"
    ))
}

async fn approval(
    ctx: &DemoContext<'_>,
    qa: &XecmClient,
    approver: &XecmClient,
    incident: NodeId,
) -> Result<String, String> {
    write(
        qa,
        incident,
        &[
            ("Approved By", AttributeValue::Empty),
            ("Status", AttributeValue::Text("pending approval".into())),
        ],
    )
    .await?;
    write(
        approver,
        incident,
        &[
            ("Approved By", AttributeValue::User(1003)),
            ("Status", AttributeValue::Text("approved".into())),
        ],
    )
    .await?;
    poll(ctx).await?;
    let mut lines = Vec::new();
    for partner in PARTNERS {
        let campaigns = partner_campaigns(ctx, partner).await?;
        let [campaign] = campaigns.as_slice() else {
            return Err(format!(
                "{partner} sees {} campaigns, expected one",
                campaigns.len()
            ));
        };
        let lots = lots_of(campaign);
        lines.push(format!(
            "{partner}: {} lots {:?}",
            campaign["campaign_id"].as_str().unwrap_or("?"),
            lots
        ));
    }
    Ok(format!("Status = active; {}", lines.join("; ")))
}

async fn partner_campaigns(ctx: &DemoContext<'_>, partner: &str) -> Result<Vec<Value>, String> {
    let url = format!(
        "{}/__sim/partners/{partner}/campaigns",
        ctx.tg_url.trim_end_matches('/')
    );
    let page: Value = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    Ok(page["items"].as_array().cloned().unwrap_or_default())
}

async fn children(
    ctx: &DemoContext<'_>,
    incident: NodeId,
    path: &str,
) -> Result<Vec<String>, String> {
    let xecm = ctx.platforms.xecm();
    let Some(folder) = xecm
        .node_at_path(incident, path)
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

async fn answers(ctx: &DemoContext<'_>, incident: NodeId) -> Result<String, String> {
    let base = ctx.tg_url.trim_end_matches('/');
    let fresh = partner_campaigns(ctx, "prt_rc_freshmart").await?;
    let fresh_id = fresh
        .first()
        .and_then(|c| c["campaign_id"].as_str())
        .ok_or("no FreshMart campaign")?;
    let form = json!({"acknowledged": true, "affected": true, "further_distributed": false, "disposition_date": "2026-12-03",
        "L2026-0412.on_hand": 0, "L2026-0412.quarantined": 0, "L2026-0412.returned": 100, "L2026-0412.destroyed": 400,
        "L2026-0415.on_hand": 0, "L2026-0415.quarantined": 0, "L2026-0415.returned": 0, "L2026-0415.destroyed": 300});
    respond_with_photo(
        ctx,
        "prt_rc_freshmart",
        fresh_id,
        &form,
        b"\xff\xd8\xff\xe0 demo photo: sealant cartridges in the destruction skip",
    )
    .await?;
    let medi = partner_campaigns(ctx, "prt_rc_medisupply").await?;
    let medi_id = medi
        .first()
        .and_then(|c| c["campaign_id"].as_str())
        .ok_or("no MediSupply campaign")?;
    let answer = ctx
        .http
        .post(format!(
            "{base}/__sim/partners/prt_rc_medisupply/campaigns/{medi_id}/respond"
        ))
        .json(&json!({"form_data": {"acknowledged": true, "affected": false}}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!(
            "MediSupply's answer was refused: {}",
            answer.text().await.unwrap_or_default()
        ));
    }
    let filed = wait_for(
        Duration::from_secs(30),
        || children(ctx, incident, "Partner Responses/prt_rc_freshmart"),
        |names| names.len() >= 2,
    )
    .await?;
    let medi_filed = wait_for(
        Duration::from_secs(30),
        || children(ctx, incident, "Partner Responses/prt_rc_medisupply"),
        |names| !names.is_empty(),
    )
    .await?;
    Ok(format!(
        "Partner Responses › prt_rc_freshmart: {}; prt_rc_medisupply: {}",
        filed.join(", "),
        medi_filed.join(", ")
    ))
}

async fn rollup(ctx: &DemoContext<'_>) -> Result<String, String> {
    let rollup: Value = wait_for(
        Duration::from_secs(30),
        || rollup_now(ctx),
        |r: &Value| {
            r["by_state"]["completed"] == 1 + GENERATED && r["by_state"]["impact_reported"] == 1
        },
    )
    .await?;
    let lots: Vec<String> = rollup["lots"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "{} shipped {} accounted {} ({}%)",
                l["lot_code"].as_str().unwrap_or("?"),
                l["shipped"],
                l["accounted"],
                l["effectiveness_pct"]
            )
        })
        .collect();
    Ok(format!(
        "{}; partners by state {}; overall {}%",
        lots.join("; "),
        rollup["by_state"],
        rollup["effectiveness_pct"]
    ))
}
