//! Use case 6 in the demo: a class II recall of two sealant lots (RC-2026-0007) to the demo
//! partners. The QA manager approves their own recall: refused, the refusal filed in
//! `Approvals`. The approver approves in their own session: issued — one campaign per
//! affected partner listing only its lots. FreshMart reports all quantities destroyed with a
//! photo; MediSupply declares itself not affected; the rollup is shown and the evidence bundle
//! exported into the workspace.

use super::wait_for;
use std::time::{Duration, Instant};

use gridlink_xecm::{
    AttributeLookup, AttributeValue, CategoryId, NamedAttributes, NodeId, WorkspaceTypeId,
    Workspaces, XecmAuth, XecmClient, XecmConfig,
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
    report.check(
        UC,
        "evidence bundle exported (POST /recall-campaign/recalls/RC-2026-0007/bundle), filed in Evidence Bundle",
        started,
        bundle,
    );
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
    for partner in ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"] {
        let campaigns = partner_campaigns(ctx, partner).await?;
        let [campaign] = campaigns.as_slice() else {
            return Err(format!(
                "{partner} sees {} campaigns, expected one",
                campaigns.len()
            ));
        };
        let lots: std::collections::BTreeSet<String> = campaign["response_form"]["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                f["name"]
                    .as_str()?
                    .split_once('.')
                    .map(|(lot, _)| lot.to_owned())
            })
            .collect();
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
    let multipart = reqwest::multipart::Form::new()
        .text("form_data", form.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(
                b"\xff\xd8\xff\xe0 demo photo: sealant cartridges in the destruction skip".to_vec(),
            )
            .file_name("destruction-photo.jpg")
            .mime_str("image/jpeg")
            .map_err(|e| e.to_string())?,
        );
    let answer = ctx
        .http
        .post(format!(
            "{base}/__sim/partners/prt_rc_freshmart/campaigns/{fresh_id}/respond"
        ))
        .multipart(multipart)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!(
            "FreshMart's answer was refused: {}",
            answer.text().await.unwrap_or_default()
        ));
    }
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
    let url = format!(
        "{}/{UC}/recalls/{RECALL}",
        ctx.gateway_url.trim_end_matches('/')
    );
    let rollup: Value = wait_for(
        Duration::from_secs(30),
        || async {
            ctx.http
                .get(&url)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json::<Value>()
                .await
                .map_err(|e| e.to_string())
        },
        |r: &Value| r["by_state"]["completed"] == 1 && r["by_state"]["impact_reported"] == 1,
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
