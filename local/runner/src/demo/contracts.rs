//! Use case 3 in the demo: an approved version of ACME's framework agreement is shared with
//! ACME for acknowledgment, a draft is not, and ACME's acknowledgment comes back as evidence
//! in the contract workspace with the contract's `Acknowledgment Status` set. Then legal
//! approves version 2: the poll shares it and revokes version 1's share, the status goes back
//! to `Pending`, and ACME acknowledges version 2 returning a countersigned copy — filed beside
//! the evidence.

use super::wait_for;
use std::time::{Duration, Instant};

use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NewVersion, NodeId, WorkspaceTypeId,
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
    let Some(contract) = report.value(
        UC,
        "find contract 4600000012 in xECM",
        started,
        find_contract(ctx).await,
    ) else {
        return;
    };

    let started = Instant::now();
    let Some(approved) = report.value(
        UC,
        "legal files an approved signed version and an unapproved draft",
        started,
        file_documents(ctx, contract).await,
    ) else {
        return;
    };

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
    let Some(share_id) = report.value(
        UC,
        "only the approved version is shared with ACME, acknowledgment required",
        started,
        share,
    ) else {
        return;
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
    if !report.check(
        UC,
        "the acknowledgment is filed as evidence and the status set (webhook → gateway)",
        started,
        evidence,
    ) {
        return;
    }
    supersede(ctx, report, contract, approved, &share_id).await;
}

/// Version 2 approved: shared, version 1's share revoked, ACME's answer with a returned file.
async fn supersede(
    ctx: &DemoContext<'_>,
    report: &mut Report,
    contract: NodeId,
    approved: NodeId,
    old_share: &str,
) {
    let started = Instant::now();
    let added = ctx
        .platforms
        .xecm()
        .add_document_version(
            approved,
            &NewVersion {
                file_name: APPROVED_NAME.into(),
                description: "revision 2: prices fixed until Q2".into(),
                ..NewVersion::default()
            },
            &BytesSource("Framework agreement 2026, revision 2: prices fixed until Q2.\n".into()),
        )
        .await
        .map(|v| {
            format!(
                "{APPROVED_NAME} version {} added (still Approved)",
                v.version_number
            )
        })
        .map_err(|e| format!("xECM: {e}"));
    if !report.check(
        UC,
        "legal approves version 2 of the signed agreement",
        started,
        added,
    ) {
        return;
    }

    let started = Instant::now();
    let polled = poll(ctx).await;
    if !report.check(UC, "the xECM poll schedule fires again", started, polled) {
        return;
    }

    let started = Instant::now();
    let superseded = superseded_share(ctx, contract, old_share).await;
    let Some(new_share) = report.value(
        UC,
        "version 2 is shared with ACME and version 1's share is revoked; status back to Pending",
        started,
        superseded,
    ) else {
        return;
    };

    let started = Instant::now();
    let countersigned = acknowledge_with_file(ctx, &new_share).await;
    if !report.check(
        UC,
        "ACME acknowledges version 2 and returns a countersigned copy",
        started,
        countersigned,
    ) {
        return;
    }

    let started = Instant::now();
    let evidence = wait_for(
        Duration::from_secs(30),
        || evidence(ctx, contract),
        |(names, status)| {
            status == "Acknowledged"
                && names.iter().any(|n| n.contains(new_share.as_str()))
                && names.iter().any(|n| n.ends_with("countersigned.txt"))
        },
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
        "version 2's evidence and the countersigned copy are filed; status Acknowledged",
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

async fn file_documents(
    ctx: &DemoContext<'_>,
    contract: NodeId,
) -> Result<(NodeId, String), String> {
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
    let approved = xecm
        .file_document(
            contract,
            "Signed",
            &approved,
            &BytesSource("Framework agreement 2026, signed: prices fixed until Q4.\n".into()),
        )
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .document
        .id;
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
    Ok((
        approved,
        format!(
            "Signed › {APPROVED_NAME} (Approved, document {approved}); Drafts › Amendment 1 draft.txt (In Review)"
        ),
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

async fn superseded_share(
    ctx: &DemoContext<'_>,
    contract: NodeId,
    old_share: &str,
) -> Result<(String, String), String> {
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
    let old = shares
        .iter()
        .find(|s| s["share_id"] == old_share)
        .ok_or("version 1's share is gone")?;
    if old["status"] != "revoked" {
        return Err(format!(
            "version 1's share {old_share} is {}",
            old["status"]
        ));
    }
    let live: Vec<_> = shares.iter().filter(|s| s["status"] == "active").collect();
    let [new] = live.as_slice() else {
        return Err(format!(
            "ACME sees {} live shares, expected one",
            live.len()
        ));
    };
    let title = new["title"].as_str().unwrap_or_default();
    if !title.ends_with("(version 2)") {
        return Err(format!("the live share is \"{title}\", not version 2"));
    }
    let (_, status) = evidence(ctx, contract).await?;
    if status != "Pending" {
        return Err(format!(
            "Acknowledgment Status is {status:?}, expected Pending"
        ));
    }
    let id = new["share_id"].as_str().unwrap_or_default().to_owned();
    Ok((
        id.clone(),
        format!(
            "TG share {old_share} revoked; TG share {id} \"{title}\" active, due {}; Acknowledgment Status = {status}",
            new["due_at"].as_str().unwrap_or("?")
        ),
    ))
}

async fn acknowledge_with_file(ctx: &DemoContext<'_>, share_id: &str) -> Result<String, String> {
    let url = format!(
        "{}/__sim/partners/{PARTNER}/shares/{share_id}/acknowledge",
        ctx.tg_url.trim_end_matches('/')
    );
    let file = reqwest::multipart::Part::bytes(
        b"Framework agreement 2026 revision 2, countersigned by ACME.\n".to_vec(),
    )
    .file_name("countersigned.txt")
    .mime_str("text/plain")
    .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new()
        .text("by", "Jane Miller (ACME legal)")
        .text("comment", "Revision 2 agreed; countersigned copy attached.")
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
            "POST {url} (with countersigned.txt) → {}",
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
