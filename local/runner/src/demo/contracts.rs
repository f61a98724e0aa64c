//! Use case 3 in the demo: an approved version of ACME's framework agreement is shared with
//! ACME for acknowledgment, a draft is not, and ACME's acknowledgment comes back as evidence
//! in the contract workspace with the contract's `Acknowledgment Status` set.

use std::future::Future;
use std::time::{Duration, Instant};

use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NodeId, WorkspaceTypeId,
};

use super::{DemoContext, Report};
use crate::schedules;

const UC: &str = "contract-share";
const CONTRACT_TYPE: i64 = 41;
const CONTRACT_CATEGORY: i64 = 9200;
const SHARING_CATEGORY: i64 = 9500;
const PARTNER: &str = "prt_acme";
const APPROVED_NAME: &str = "Framework Agreement Acme 2026 signed.txt";

/// Runs the scenario; every step lands in the report.
pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let contract = match find_contract(ctx).await {
        Ok((id, detail)) => {
            report.check::<String>(UC, "find contract 4600000012 in xECM", started, Ok(detail));
            id
        }
        Err(e) => {
            report.check::<String>(UC, "find contract 4600000012 in xECM", started, Err(e));
            return;
        }
    };

    let started = Instant::now();
    let filed = file_documents(ctx, contract).await;
    if !report.check(
        UC,
        "legal files an approved signed version and an unapproved draft",
        started,
        filed,
    ) {
        return;
    }

    let started = Instant::now();
    let polled = poll(ctx).await;
    if !report.check(
        UC,
        "the xECM poll schedule fires (as EventBridge would)",
        started,
        polled,
    ) {
        return;
    }

    let started = Instant::now();
    let share = partner_share(ctx).await;
    let share_id = match share {
        Ok((id, detail)) => {
            report.check::<String>(
                UC,
                "only the approved version is shared with ACME, acknowledgment required",
                started,
                Ok(detail),
            );
            id
        }
        Err(e) => {
            report.check::<String>(
                UC,
                "only the approved version is shared with ACME, acknowledgment required",
                started,
                Err(e),
            );
            return;
        }
    };

    let started = Instant::now();
    let acknowledged = acknowledge(ctx, &share_id).await;
    if !report.check(
        UC,
        "ACME acknowledges the share (TG simulator, partner side)",
        started,
        acknowledged,
    ) {
        return;
    }

    let started = Instant::now();
    let evidence = wait_for(
        Duration::from_secs(30),
        || evidence(ctx, contract),
        |(names, status)| !names.is_empty() && status == "Acknowledged",
    )
    .await
    .map(|(names, status)| {
        format!(
            "workspace {contract} › Acknowledgments: {}; Acknowledgment Status = {status}",
            names.join(", ")
        )
    });
    report.check(
        UC,
        "the acknowledgment is filed as evidence and the status set (webhook → gateway)",
        started,
        evidence,
    );
}

fn category(id: i64) -> Result<CategoryId, String> {
    CategoryId::new(id).map_err(|e| e.to_string())
}

async fn find_contract(ctx: &DemoContext<'_>) -> Result<(NodeId, String), String> {
    let lookup = AttributeLookup {
        workspace_type: WorkspaceTypeId::new(CONTRACT_TYPE).map_err(|e| e.to_string())?,
        category: category(CONTRACT_CATEGORY)?,
        attribute: "Contract Number".into(),
        value: "4600000012".into(),
    };
    match ctx
        .platforms
        .xecm()
        .find_workspace_by_attribute(&lookup)
        .await
    {
        Ok(Some(node)) => Ok((node.id, format!("workspace {} ({})", node.id, node.name))),
        Ok(None) => Err("the seeded contract 4600000012 is missing".into()),
        Err(e) => Err(format!("xECM: {e}")),
    }
}

async fn file_documents(ctx: &DemoContext<'_>, contract: NodeId) -> Result<String, String> {
    let approval = |status: &str| -> Result<_, String> {
        let mut values = NamedAttributes::new();
        values.insert(
            "Approval Status".into(),
            AttributeValue::Text(status.into()),
        );
        Ok(vec![(category(SHARING_CATEGORY)?, values)])
    };
    let xecm = ctx.platforms.xecm();
    let approved = DocumentSpec {
        name: APPROVED_NAME.into(),
        categories: approval("Approved")?,
        ..DocumentSpec::default()
    };
    xecm.file_document(
        contract,
        "Signed",
        &approved,
        &BytesSource("Framework agreement 2026, signed: prices fixed until Q4.\n".into()),
    )
    .await
    .map_err(|e| format!("xECM: {e}"))?;
    let draft = DocumentSpec {
        name: "Amendment 1 draft.txt".into(),
        categories: approval("In Review")?,
        ..DocumentSpec::default()
    };
    xecm.file_document(
        contract,
        "Drafts",
        &draft,
        &BytesSource("draft: penalty clause to be negotiated\n".into()),
    )
    .await
    .map_err(|e| format!("xECM: {e}"))?;
    Ok(format!(
        "Signed › {APPROVED_NAME} (Approved); Drafts › Amendment 1 draft.txt (In Review)"
    ))
}

async fn poll(ctx: &DemoContext<'_>) -> Result<String, String> {
    let handler = ctx
        .stack
        .function(UC)
        .ok_or("contract-share is not running")?;
    let schedule = handler
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "contract-share-poll-xecm")
        .ok_or("the manifest lost contract-share-poll-xecm")?;
    let outcome = schedules::fire(handler.as_ref(), schedule).await?;
    Ok(format!("contract-share-poll-xecm → {outcome}"))
}

async fn partner_share(ctx: &DemoContext<'_>) -> Result<(String, String), String> {
    let url = format!(
        "{}/__sim/partners/{PARTNER}/shares",
        ctx.tg_url.trim_end_matches('/')
    );
    let page: serde_json::Value = ctx
        .http
        .get(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let shares = page["items"].as_array().cloned().unwrap_or_default();
    let [share] = shares.as_slice() else {
        return Err(format!(
            "ACME sees {} shares, expected exactly one",
            shares.len()
        ));
    };
    if share["ack_required"] != true {
        return Err("the share does not require acknowledgment".into());
    }
    let id = share["share_id"].as_str().unwrap_or_default().to_owned();
    Ok((
        id.clone(),
        format!(
            "TG share {id} \"{}\" for {PARTNER}, due {}, external_ref xecm:{}; the draft stayed in xECM",
            share["title"].as_str().unwrap_or_default(),
            share["due_at"].as_str().unwrap_or("?"),
            share["external_ref"]["id"].as_str().unwrap_or("?"),
        ),
    ))
}

async fn acknowledge(ctx: &DemoContext<'_>, share_id: &str) -> Result<String, String> {
    let url = format!(
        "{}/__sim/partners/{PARTNER}/shares/{share_id}/acknowledge",
        ctx.tg_url.trim_end_matches('/')
    );
    let answer = ctx
        .http
        .post(&url)
        .json(
            &serde_json::json!({"by": "Jane Miller (ACME legal)", "comment": "Agreed as signed."}),
        )
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status().is_success() {
        Ok(format!("POST {url} → {}", answer.status()))
    } else {
        Err(format!(
            "POST {url} → {}: {}",
            answer.status(),
            answer.text().await.unwrap_or_default()
        ))
    }
}

async fn evidence(
    ctx: &DemoContext<'_>,
    contract: NodeId,
) -> Result<(Vec<String>, String), String> {
    let xecm = ctx.platforms.xecm();
    let status = match xecm
        .read_attributes(contract, category(CONTRACT_CATEGORY)?)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .get("Acknowledgment Status")
    {
        Some(AttributeValue::Text(text)) => text.clone(),
        _ => String::new(),
    };
    let children = xecm
        .list_children(contract)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let Some(folder) = children.into_iter().find(|c| c.name == "Acknowledgments") else {
        return Ok((Vec::new(), status));
    };
    let names = xecm
        .list_children(folder.id)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .into_iter()
        .map(|c| c.name)
        .collect();
    Ok((names, status))
}

/// Polls `probe` every 200 ms until `done` holds or `limit` passes.
async fn wait_for<T, F, Fut>(
    limit: Duration,
    mut probe: F,
    done: impl Fn(&T) -> bool,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let value = probe().await?;
        if done(&value) {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(format!("not there after {} s", limit.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
