//! Use case 1 in the demo: a partner case in xECM gets its Trading Grid space and thread, only
//! the selected documents go out, the partner's reply comes back into the workspace; then the
//! case worker requests an action with a due date and saves a new version of a shared
//! document, and each reaches the thread once (a replayed poll adds nothing); last the
//! photo is unflagged, and its withdrawal is posted and recorded once.

use super::wait_for;
use std::time::{Duration, Instant};

use futures::TryStreamExt as _;
use gridlink_tgrid::model::{ExternalRef, SpaceFilter};
use gridlink_tgrid::{Attachments as _, Collaboration as _, ThreadId};
use gridlink_xecm::{
    AttributeLookup, AttributeValue, BytesSource, CategoryId, DocumentSpec, NamedAttributes,
    NodeId, WorkspaceTypeId,
};

use super::{DemoContext, Report};
use crate::schedules;

const UC: &str = "case-collab";
const CASE_TYPE: i64 = 51;
const CASE_CATEGORY: i64 = 9300;
const SHARING_CATEGORY: i64 = 9500;
const PARTNER: &str = "prt_acme";

/// Runs the scenario; every step lands in the report.
pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    let started = Instant::now();
    let case = find_case(ctx).await;
    let Some(case) = report.value(UC, "find case CASE-2026-0042 in xECM", started, case) else {
        return;
    };

    let started = Instant::now();
    let selected = select_documents(ctx, case).await;
    if !report.check(
        UC,
        "an internal user selects two documents for the partner",
        started,
        selected,
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
    let thread = mirrored_thread(ctx, case).await;
    let Some(thread) = report.value(
        UC,
        "the case is mirrored to a TG space and case thread, linked both ways",
        started,
        thread,
    ) else {
        return;
    };

    let started = Instant::now();
    let shared = shared_files(ctx, &thread).await.and_then(|names| {
        let expected = ["Claim letter.txt", "Delivery photo.txt"];
        if names == expected {
            Ok(format!(
                "TG thread {thread} carries exactly {}; the internal-only document stayed in xECM",
                names.join(", ")
            ))
        } else {
            Err(format!(
                "TG thread {thread} carries {names:?}, expected {expected:?}"
            ))
        }
    });
    report.check(
        UC,
        "only the selected documents leave xECM",
        started,
        shared,
    );

    let started = Instant::now();
    let replied = partner_replies(ctx, &thread).await;
    if !report.check(
        UC,
        "ACME replies in the thread with a carrier report (TG simulator, partner side)",
        started,
        replied,
    ) {
        return;
    }

    let started = Instant::now();
    let filed = wait_for(
        Duration::from_secs(30),
        || reply_documents(ctx, case),
        |names| names.len() >= 2,
    )
    .await;
    let filed = filed.map(|names| {
        format!(
            "workspace {case} › Correspondence › Partner: {}",
            names.join(", ")
        )
    });
    report.check(
        UC,
        "the reply and its attachment are filed back into the case workspace (webhook → gateway)",
        started,
        filed,
    );

    let started = Instant::now();
    let due = time::OffsetDateTime::now_utc().date() + time::Duration::days(10);
    let changed = request_credit_note_and_revise_claim(ctx, case, due).await;
    if !report.check(
        UC,
        "the case worker asks ACME for a credit note (Partner Actions row with a due date) and saves version 2 of the claim letter",
        started,
        changed,
    ) {
        return;
    }
    for (what, pass) in [
        (
            "the next poll posts the action request with its due date and re-shares the claim letter's version 2",
            "first poll",
        ),
        (
            "a replayed poll posts neither again (exactly once per request and per version)",
            "replay",
        ),
    ] {
        let started = Instant::now();
        let updates = match poll(ctx).await {
            Ok(_) => thread_updates(ctx, &thread, due, pass).await,
            Err(e) => Err(e),
        };
        report.check(UC, what, started, updates);
    }

    let started = Instant::now();
    let withdrawn = match unflag_photo(ctx, case).await {
        Ok(()) => match (poll(ctx).await, poll(ctx).await) {
            (Ok(_), Ok(_)) => withdrawal(ctx, case, &thread).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        Err(e) => Err(e),
    };
    report.check(
        UC,
        "the case worker unflags Delivery photo.txt: the poll posts one withdrawal to the thread and files its evidence (a replayed poll adds none)",
        started,
        withdrawn,
    );
}

async fn unflag_photo(ctx: &DemoContext<'_>, case: NodeId) -> Result<(), String> {
    let xecm = ctx.platforms.xecm();
    let photo = xecm
        .node_at_path(case, "Evidence/Delivery photo.txt")
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .ok_or("Evidence › Delivery photo.txt is gone")?;
    let mut flag = NamedAttributes::new();
    flag.insert("Share with partner".into(), AttributeValue::Boolean(false));
    xecm.write_attributes(photo.id, category(SHARING_CATEGORY)?, &flag)
        .await
        .map_err(|e| format!("xECM: {e}"))
}

/// Exactly one withdrawal message in the thread and one evidence document in the workspace.
async fn withdrawal(
    ctx: &DemoContext<'_>,
    case: NodeId,
    thread: &ThreadId,
) -> Result<String, String> {
    let messages: Vec<_> = ctx
        .platforms
        .tg_client()
        .messages(thread)
        .try_collect()
        .await
        .map_err(|e| format!("TG: {e}"))?;
    let withdrawals: Vec<_> = messages
        .iter()
        .filter(|m| {
            m.structured
                .as_ref()
                .is_some_and(|s| s["withdrawn"].is_object())
        })
        .collect();
    let xecm = ctx.platforms.xecm();
    let evidence = match xecm
        .node_at_path(case, "Correspondence/Withdrawals")
        .await
        .map_err(|e| format!("xECM: {e}"))?
    {
        Some(folder) => xecm
            .list_children(folder.id)
            .await
            .map_err(|e| format!("xECM: {e}"))?
            .into_iter()
            .map(|n| n.name)
            .collect(),
        None => Vec::new(),
    };
    match (withdrawals.as_slice(), evidence.as_slice()) {
        ([message], [filed]) => Ok(format!(
            "TG thread {thread}: one withdrawal \"{}\"; workspace {case} › Correspondence › Withdrawals › {filed}",
            message.body
        )),
        _ => Err(format!(
            "TG thread {thread} holds {} withdrawals and the workspace {} evidence documents ({evidence:?}); expected one each",
            withdrawals.len(),
            evidence.len()
        )),
    }
}

async fn request_credit_note_and_revise_claim(
    ctx: &DemoContext<'_>,
    case: NodeId,
    due: time::Date,
) -> Result<String, String> {
    let xecm = ctx.platforms.xecm();
    let mut row = NamedAttributes::new();
    row.insert(
        "Request".into(),
        "Send a credit note for the 12 damaged pallets".into(),
    );
    row.insert("Kind".into(), "send_credit_note".into());
    row.insert(
        "Due".into(),
        AttributeValue::Date(time::PrimitiveDateTime::new(due, time::Time::MIDNIGHT)),
    );
    let mut values = NamedAttributes::new();
    values.insert("Partner Actions".into(), AttributeValue::Rows(vec![row]));
    xecm.write_attributes(case, category(CASE_CATEGORY)?, &values)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let folder = xecm
        .list_children(case)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .into_iter()
        .find(|c| c.name == "Shared with Partner")
        .ok_or("the case has no Shared with Partner folder")?;
    let letter = xecm
        .list_children(folder.id)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .into_iter()
        .find(|c| c.name == "Claim letter.txt")
        .ok_or("Claim letter.txt is gone")?;
    let version = xecm
        .add_document_version(
            letter.id,
            &gridlink_xecm::NewVersion {
                file_name: letter.name.clone(),
                description: "12 pallets plus freight costs".into(),
                ..gridlink_xecm::NewVersion::default()
            },
            &BytesSource("we claim 12 pallets plus 840 EUR freight".into()),
        )
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    Ok(format!(
        "workspace {case}: Partner Actions = send_credit_note due {due}; Shared with Partner › Claim letter.txt now version {}",
        version.version_number
    ))
}

/// The thread's action requests and version-2 posts: exactly one of each, due date as set.
async fn thread_updates(
    ctx: &DemoContext<'_>,
    thread: &ThreadId,
    due: time::Date,
    pass: &str,
) -> Result<String, String> {
    let messages: Vec<_> = ctx
        .platforms
        .tg_client()
        .messages(thread)
        .try_collect()
        .await
        .map_err(|e| format!("TG: {e}"))?;
    let requests: Vec<_> = messages
        .iter()
        .filter_map(|m| m.action_request.as_ref())
        .collect();
    let revised = messages
        .iter()
        .filter(|m| m.body == "Document shared from case: Claim letter.txt (version 2)")
        .count();
    match requests.as_slice() {
        [request] if revised == 1 && request.due_at.is_some_and(|at| at.date() == due) => {
            Ok(format!(
                "{pass}: TG thread {thread} holds one action request ({}, due {due}) and one post of Claim letter.txt version 2",
                request.kind
            ))
        }
        _ => Err(format!(
            "{pass}: TG thread {thread} holds {} action requests {requests:?} and {revised} posts of version 2; expected one each, due {due}",
            requests.len()
        )),
    }
}

fn category(id: i64) -> Result<CategoryId, String> {
    CategoryId::new(id).map_err(|e| e.to_string())
}

async fn find_case(ctx: &DemoContext<'_>) -> Result<(NodeId, String), String> {
    let lookup = AttributeLookup {
        workspace_type: WorkspaceTypeId::new(CASE_TYPE).map_err(|e| e.to_string())?,
        category: category(CASE_CATEGORY)?,
        attribute: "Case Number".into(),
        value: "CASE-2026-0042".into(),
    };
    match ctx
        .platforms
        .xecm()
        .find_workspace_by_attribute(&lookup)
        .await
    {
        Ok(Some(node)) => Ok((node.id, format!("workspace {} ({})", node.id, node.name))),
        Ok(None) => Err("the seeded case CASE-2026-0042 is missing".into()),
        Err(e) => Err(format!("xECM: {e}")),
    }
}

async fn select_documents(ctx: &DemoContext<'_>, case: NodeId) -> Result<String, String> {
    let mut flag = NamedAttributes::new();
    flag.insert("Share with partner".into(), AttributeValue::Boolean(true));
    let flagged = DocumentSpec {
        name: "Delivery photo.txt".into(),
        categories: vec![(category(SHARING_CATEGORY)?, flag)],
        ..DocumentSpec::default()
    };
    let xecm = ctx.platforms.xecm();
    xecm.file_document(
        case,
        "Evidence",
        &flagged,
        &BytesSource("photo of damaged pallets".into()),
    )
    .await
    .map_err(|e| format!("xECM: {e}"))?;
    let in_folder = DocumentSpec {
        name: "Claim letter.txt".into(),
        ..DocumentSpec::default()
    };
    xecm.file_document(
        case,
        "Shared with Partner",
        &in_folder,
        &BytesSource("we claim 12 pallets".into()),
    )
    .await
    .map_err(|e| format!("xECM: {e}"))?;
    Ok("Evidence › Delivery photo.txt flagged \"Share with partner\"; Shared with Partner › Claim letter.txt".into())
}

async fn poll(ctx: &DemoContext<'_>) -> Result<String, String> {
    let handler = ctx.stack.function(UC).ok_or("case-collab is not running")?;
    let schedule = handler
        .spec()
        .schedules
        .iter()
        .find(|s| s.name == "case-collab-poll-xecm")
        .ok_or("the manifest lost case-collab-poll-xecm")?;
    let outcome = schedules::fire(handler.as_ref(), schedule).await?;
    Ok(format!("case-collab-poll-xecm → {outcome}"))
}

async fn mirrored_thread(
    ctx: &DemoContext<'_>,
    case: NodeId,
) -> Result<(ThreadId, String), String> {
    let filter = SpaceFilter {
        partner_id: None,
        external_ref: Some(ExternalRef::new("xecm", case.to_string())),
    };
    let spaces: Vec<_> = ctx
        .platforms
        .tg_client()
        .spaces(&filter)
        .try_collect()
        .await
        .map_err(|e| format!("TG: {e}"))?;
    let [space] = spaces.as_slice() else {
        return Err(format!(
            "expected one TG space for xecm:{case}, found {}",
            spaces.len()
        ));
    };
    let values = ctx
        .platforms
        .xecm()
        .read_attributes(case, category(CASE_CATEGORY)?)
        .await
        .map_err(|e| format!("xECM: {e}"))?;
    let Some(AttributeValue::Text(thread)) = values.get("TG Thread ID") else {
        return Err("the workspace does not name its TG thread".into());
    };
    if space.partner_id.as_str() != PARTNER {
        return Err(format!(
            "the space belongs to {}, not {PARTNER}",
            space.partner_id.as_str()
        ));
    }
    Ok((
        ThreadId::new(thread),
        format!(
            "TG space {} for {PARTNER} (external_ref xecm:{case}), case thread {thread} recorded on the workspace",
            space.space_id.as_str()
        ),
    ))
}

async fn shared_files(ctx: &DemoContext<'_>, thread: &ThreadId) -> Result<Vec<String>, String> {
    let tg = ctx.platforms.tg_client();
    let messages: Vec<_> = tg
        .messages(thread)
        .try_collect()
        .await
        .map_err(|e| format!("TG: {e}"))?;
    let mut names = Vec::new();
    for message in messages {
        for id in &message.attachment_ids {
            names.push(
                tg.attachment(id)
                    .await
                    .map_err(|e| format!("TG: {e}"))?
                    .file_name,
            );
        }
    }
    names.sort();
    Ok(names)
}

async fn partner_replies(ctx: &DemoContext<'_>, thread: &ThreadId) -> Result<String, String> {
    let form = reqwest::multipart::Form::new()
        .text(
            "body",
            "Pallets were damaged in transit; see the carrier report.",
        )
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"carrier report: 12 pallets crushed".to_vec())
                .file_name("carrier-report.txt")
                .mime_str("text/plain")
                .map_err(|e| e.to_string())?,
        );
    let url = format!(
        "{}/__sim/partners/{PARTNER}/threads/{}/messages",
        ctx.tg_url.trim_end_matches('/'),
        thread.as_str()
    );
    let answer = ctx
        .http
        .post(&url)
        .multipart(form)
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

async fn reply_documents(ctx: &DemoContext<'_>, case: NodeId) -> Result<Vec<String>, String> {
    let xecm = ctx.platforms.xecm();
    let mut current = case;
    for segment in ["Correspondence", "Partner"] {
        let children = xecm
            .list_children(current)
            .await
            .map_err(|e| format!("xECM: {e}"))?;
        let Some(folder) = children.into_iter().find(|c| c.name == segment) else {
            return Ok(Vec::new());
        };
        current = folder.id;
    }
    let mut names: Vec<String> = xecm
        .list_children(current)
        .await
        .map_err(|e| format!("xECM: {e}"))?
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    Ok(names)
}
