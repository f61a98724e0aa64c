//! The partners' answers of the xECM-started use cases in a chaos run: planned from the seed
//! and mixed with the EDI documents, sent through the TG simulator's partner side, and counted
//! from the xECM simulator's store by the identity each function records on what it files.
//!
//! - **recall-campaign** (UC6): the run approves the demo recall `RC-2026-0007` (the
//!   approver's own xECM session, so the four-eyes check passes) and waits for the function
//!   to issue one campaign per affected partner (ACME, FreshMart, MediSupply). Each planned
//!   answer is a partner's campaign response (its form filled from the seed, a photo attached
//!   to about a third); every answer is kept as history and must be filed exactly once, with
//!   each of its files, in `Partner Responses/<partner>` of the incident workspace. The
//!   function records the answer's identity in the description: `Recall <id> answer of
//!   partner <p> at <responded_at>` (files: `Returned by partner <p> with its recall <id>
//!   answer of <responded_at>`). Crossing attempts: a partner answering another partner's
//!   campaign (or Pacific Polymers, not in the recall, answering ACME's) — TG refuses them
//!   (403) and they must be filed nowhere.
//! - **supplier-onboarding** (UC5): the run seeds its own US service suppliers (`Chaos
//!   Supplier NN`, supplier numbers `00009900NN`, TG partners `prt_chaos_onb_NN` it adds to
//!   the TG simulator) and waits for the function's xECM poll to send each one document
//!   request (W-9 and certificate of insurance). Each planned answer is one submission of a
//!   request item: a valid file with valid fields must be filed exactly once — one version
//!   whose SHA-256 is the file's — in `Certificates/Tax Forms` or `Certificates/Insurance`
//!   of that supplier's workspace; an invalid one (an EIN prefix the IRS never assigns, a
//!   liability limit under the minimum) is rejected through TG and filed nowhere; a
//!   crossing attempt (a supplier submitting into another supplier's request) is refused by
//!   TG (403) and filed nowhere.
//! - **po-exception** (UC2): the demo seed's two open exceptions (ACME's price exception
//!   `EXC-4500001234-01` on PO 4500001234, Nordic Fasteners' date exception
//!   `EXC-4500001235-01` on PO 4500001235) are published by the function's xECM poll — one
//!   TG space per order and partner, one `po_exception` thread per exception —; the run waits
//!   for both threads. Each planned answer is the supplier's reply on its thread
//!   (`structured.response` from the allowed responses, a corrected document attached to
//!   about a third): the message and each file filed exactly once in `Exceptions/<exception
//!   id>` of that order's workspace, recognised by the `Partner Document` category's
//!   `Control Number` (the TG message id) the function records. Crossing attempts: the other
//!   supplier posting on the thread (refused by TG, 403; po-exception's own check is the
//!   second lock), and a reply on the supplier's own thread whose `structured.exception_id`
//!   names the other supplier's exception — it must be filed in the supplier's own
//!   exception folder only, never in the one it names.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)] // counts and shares of a test run: small and non-negative

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::Serialize;
use serde_json::{Value, json};

use super::corpus::Rng;
use super::tally::Tally;

/// recall-campaign's name.
pub const RECALL_UC: &str = "recall-campaign";
/// The recall the run issues (the demo seed's incident).
pub const RECALL_ID: &str = "RC-2026-0007";
/// Its incident workspace's name.
pub const RECALL_WORKSPACE: &str = "QI-2026-0007 Sealant contamination";
/// The partners its distribution names.
pub const RECALL_PARTNERS: [&str; 3] = ["prt_acme", "prt_rc_freshmart", "prt_rc_medisupply"];
/// A partner the recall does not reach.
const NOT_IN_RECALL: &str = "prt_pacpoly";

/// supplier-onboarding's name.
pub const ONBOARDING_UC: &str = "supplier-onboarding";

/// The chaos suppliers a run of `events` onboards (two request items each).
pub fn onboarding_suppliers(events: usize) -> usize {
    (answers_per_use_case(events) / 2 + 2).min(40)
}

/// The TG partner of chaos supplier `n` (1-based).
pub fn onboarding_partner(n: usize) -> &'static str {
    // Leaked once per supplier and run: a few dozen short strings.
    Box::leak(format!("prt_chaos_onb_{n:02}").into_boxed_str())
}

/// The workspace name of chaos supplier `n`.
pub fn onboarding_workspace(n: usize) -> String {
    format!("Chaos Supplier {n:02}")
}

fn onboarding_legal_name(n: usize) -> String {
    format!("Chaos Supplier {n:02}, Inc.")
}

fn onboarding_tax_id(n: usize) -> String {
    format!("27-12{n:05}")
}

/// The two items a chaos supplier's request asks for.
pub const ONBOARDING_KINDS: [&str; 2] = ["w9", "insurance_certificate"];

/// po-exception's name.
pub const EXCEPTION_UC: &str = "po-exception";

/// The demo seed's open exceptions: (partner, PO number, exception id).
pub const EXCEPTIONS: [(&str, &str, &str); 2] = [
    ("prt_acme", "4500001234", "EXC-4500001234-01"),
    ("prt_nordfast", "4500001235", "EXC-4500001235-01"),
];

/// Share of a run's events that are answers, per use case.
pub const SHARE_PER_USE_CASE: f64 = 0.05;

/// Where an answer must end up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerExpect {
    /// Filed exactly once (with each of its files) in this workspace's folder, nowhere else.
    Filed {
        /// The workspace's name.
        workspace: String,
        /// The folder path inside it.
        folder: String,
    },
    /// Refused by TG at the door (not the sender's to answer), or rejected by the function
    /// (invalid values): filed nowhere.
    Refused,
}

/// One answer to send.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedAnswer {
    /// Position among the answers.
    pub index: usize,
    /// Sent after this many EDI documents.
    pub after: usize,
    /// The use case it answers.
    pub use_case: &'static str,
    /// The sending TG partner.
    pub partner_id: &'static str,
    /// Whose campaign / thread / request it answers (the sender unless a crossing attempt).
    pub target: &'static str,
    /// What it answers with: recall `form`; onboarding the item's kind, `bad-` first when
    /// its values must be rejected.
    pub variant: String,
    /// Files attached.
    pub files: usize,
    /// Where it must end up.
    pub expect: AnswerExpect,
    /// The seed of its values.
    pub value_seed: u64,
}

impl PlannedAnswer {
    fn what(&self) -> String {
        format!(
            "answer a{} {} from {} to {}'s",
            self.index, self.use_case, self.partner_id, self.target
        )
    }
}

/// How many answers of each use case a run of `events` gets.
pub fn answers_per_use_case(events: usize) -> usize {
    if events < 20 {
        0
    } else {
        ((events as f64 * SHARE_PER_USE_CASE).round() as usize).max(4)
    }
}

/// The answers of a run: `events` in all (EDI documents + answers), deterministic from the
/// seed; answers the EDI documents they are sent after. Returns the number of EDI documents
/// and the answers, ordered by when they are sent.
pub fn plan(events: usize, seed: u64) -> (usize, Vec<PlannedAnswer>) {
    let per = answers_per_use_case(events);
    let documents = events - (3 * per).min(events);
    let mut rng = Rng::new(seed ^ 0xA45E_2026);
    let mut out = Vec::new();
    plan_recall(per, documents, &mut rng, &mut out);
    plan_onboarding(per, events, documents, &mut rng, &mut out);
    plan_exceptions(per, documents, &mut rng, &mut out);
    out.sort_by_key(|a| a.after);
    for (i, a) in out.iter_mut().enumerate() {
        a.index = i;
    }
    (documents, out)
}

fn plan_recall(per: usize, documents: usize, rng: &mut Rng, out: &mut Vec<PlannedAnswer>) {
    for _ in 0..per {
        let roll = rng.unit();
        let own = RECALL_PARTNERS[rng.below(RECALL_PARTNERS.len() as u64) as usize];
        let (partner_id, target, expect) = if roll < 0.10 {
            // Another recall partner answers this one's campaign.
            let other = RECALL_PARTNERS
                .iter()
                .copied()
                .find(|p| *p != own)
                .unwrap_or(own);
            (other, own, AnswerExpect::Refused)
        } else if roll < 0.15 {
            // A partner the recall does not reach answers ACME's campaign.
            (NOT_IN_RECALL, "prt_acme", AnswerExpect::Refused)
        } else {
            (
                own,
                own,
                AnswerExpect::Filed {
                    workspace: RECALL_WORKSPACE.to_owned(),
                    folder: format!("Partner Responses/{own}"),
                },
            )
        };
        out.push(PlannedAnswer {
            index: 0,
            after: rng.below(documents.max(1) as u64) as usize,
            use_case: RECALL_UC,
            partner_id,
            target,
            variant: "form".into(),
            files: usize::from(rng.unit() < 0.33),
            expect,
            value_seed: rng.next_u64(),
        });
    }
}

fn plan_exceptions(per: usize, documents: usize, rng: &mut Rng, out: &mut Vec<PlannedAnswer>) {
    for _ in 0..per {
        let roll = rng.unit();
        let own = rng.below(EXCEPTIONS.len() as u64) as usize;
        let other = (own + 1) % EXCEPTIONS.len();
        let (partner, po, exception) = EXCEPTIONS[own];
        let filed = AnswerExpect::Filed {
            workspace: format!("PO {po}"),
            folder: format!("Exceptions/{exception}"),
        };
        let (partner_id, variant, expect) = if roll < 0.10 {
            // The other supplier posts on this supplier's exception thread.
            (
                EXCEPTIONS[other].0,
                "reply".to_owned(),
                AnswerExpect::Refused,
            )
        } else if roll < 0.20 {
            // A reply on its own thread naming the other supplier's exception.
            (partner, format!("names:{}", EXCEPTIONS[other].2), filed)
        } else {
            (partner, "reply".to_owned(), filed)
        };
        out.push(PlannedAnswer {
            index: 0,
            after: rng.below(documents.max(1) as u64) as usize,
            use_case: EXCEPTION_UC,
            partner_id,
            target: partner,
            variant,
            files: usize::from(rng.unit() < 0.33),
            expect,
            value_seed: rng.next_u64(),
        });
    }
}

/// Each answer a distinct request item (an accepted item cannot be submitted again), in
/// order: supplier 1's W-9, its certificate, supplier 2's W-9, …
fn plan_onboarding(
    per: usize,
    events: usize,
    documents: usize,
    rng: &mut Rng,
    out: &mut Vec<PlannedAnswer>,
) {
    let suppliers = onboarding_suppliers(events);
    let mut slot = 0usize;
    for _ in 0..per {
        let roll = rng.unit();
        let after = rng.below(documents.max(1) as u64) as usize;
        let value_seed = rng.next_u64();
        if roll < 0.15 {
            // A supplier submits into the next supplier's request.
            let n = 1 + rng.below(suppliers as u64) as usize;
            let other = n % suppliers + 1;
            out.push(PlannedAnswer {
                index: 0,
                after,
                use_case: ONBOARDING_UC,
                partner_id: onboarding_partner(n),
                target: onboarding_partner(other),
                variant: ONBOARDING_KINDS[rng.below(2) as usize].into(),
                files: 1,
                expect: AnswerExpect::Refused,
                value_seed,
            });
            continue;
        }
        if slot >= suppliers * 2 {
            break;
        }
        let n = slot / 2 + 1;
        let kind = ONBOARDING_KINDS[slot % 2];
        slot += 1;
        let partner = onboarding_partner(n);
        let (variant, expect) = if roll < 0.30 {
            (format!("bad-{kind}"), AnswerExpect::Refused)
        } else {
            (
                kind.to_owned(),
                AnswerExpect::Filed {
                    workspace: onboarding_workspace(n),
                    folder: format!(
                        "Certificates/{}",
                        if kind == "w9" {
                            "Tax Forms"
                        } else {
                            "Insurance"
                        }
                    ),
                },
            )
        };
        out.push(PlannedAnswer {
            index: 0,
            after,
            use_case: ONBOARDING_UC,
            partner_id: partner,
            target: partner,
            variant,
            files: 1,
            expect,
            value_seed,
        });
    }
}

/// The xECM seed of the chaos suppliers (US, `services`: a W-9 and a certificate of
/// insurance each) and the TG partners they trade as.
pub fn onboarding_seed(events: usize) -> (Value, Vec<Value>) {
    let suppliers = onboarding_suppliers(events);
    let mut workspaces = Vec::new();
    let mut partners = Vec::new();
    for n in 1..=suppliers {
        workspaces.push(json!({
            "type_id": 21,
            "name": onboarding_workspace(n),
            "business_object": {"bo_id": format!("00009900{n:02}")},
            "categories": {"Supplier": {
                "Supplier Number": format!("00009900{n:02}"),
                "Trading Partner ID": onboarding_partner(n),
                "Country": "US",
                "Legal Name": onboarding_legal_name(n),
                "Tax Country": "US",
                "Tax ID": onboarding_tax_id(n),
                "Supplier Class": "services"
            }}
        }));
        partners.push(json!({
            "partner_id": onboarding_partner(n),
            "name": onboarding_legal_name(n),
            "status": "active",
            "van": "GXS",
            "edi_addresses": [format!("ZZ:CHAOSONB{n:02}")],
            "contacts": [],
            "partnerships": []
        }));
    }
    (json!({ "workspaces": workspaces }), partners)
}

/// A campaign form's field: name, type, required.
pub type FormField = (String, String, bool);

/// What the set-up found on the TG side: each target's campaign (or thread / request) and
/// the form its answers fill.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// (use case, target partner) → the id its answers go to.
    pub targets: HashMap<(&'static str, String), String>,
    /// (use case, target partner) → the form's fields (name, type, required).
    pub forms: HashMap<(&'static str, String), Vec<FormField>>,
    /// (target partner, kind) → the request item id (supplier-onboarding).
    pub items: HashMap<(String, String), String>,
}

/// What sending an answer gave.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnswerSent {
    /// TG's HTTP status.
    pub status: u16,
    /// The identity the function files it under (recall: `<partner>|<time>`; onboarding: the
    /// file's SHA-256), when TG took it.
    pub key: Option<String>,
}

/// A time as an exact instant key (RFC 3339 strings of the same instant can differ).
fn instant_key(at: &str) -> Option<String> {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos().to_string())
}

/// Waits until everything the planned answers answer exists on TG (see the module docs):
/// the chaos suppliers must be seeded ([`onboarding_seed`]) and the recall approved
/// ([`approve_recall`]) first. Reads the TG simulator's partner side only.
pub async fn set_up(
    http: reqwest::Client,
    tg_base: String,
    events: usize,
    bound: Duration,
) -> anyhow::Result<Setup> {
    let mut setup = Setup::default();
    set_up_recall(&http, &tg_base, &mut setup, bound).await?;
    set_up_onboarding(&http, &tg_base, events, &mut setup, bound).await?;
    set_up_exceptions(&http, &tg_base, &mut setup, bound).await?;
    Ok(setup)
}

/// Waits until both seeded exceptions have their thread on TG.
async fn set_up_exceptions(
    http: &reqwest::Client,
    tg_base: &str,
    setup: &mut Setup,
    bound: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for (partner, _, exception) in EXCEPTIONS {
        'wait: loop {
            let spaces: Value = http
                .get(format!("{tg_base}/__sim/partners/{partner}/spaces"))
                .send()
                .await?
                .json()
                .await?;
            for space in spaces["items"].as_array().into_iter().flatten() {
                let space_id = space["space_id"].as_str().unwrap_or_default();
                let threads: Value = http
                    .get(format!(
                        "{tg_base}/__sim/partners/{partner}/spaces/{space_id}/threads"
                    ))
                    .send()
                    .await?
                    .json()
                    .await?;
                let thread = threads["items"].as_array().into_iter().flatten().find(|t| {
                    t["kind"] == "po_exception"
                        && t["external_ref"]["id"]
                            .as_str()
                            .is_some_and(|r| r.ends_with(&format!("#{exception}")))
                });
                if let Some(id) = thread.and_then(|t| t["thread_id"].as_str()) {
                    setup
                        .targets
                        .insert((EXCEPTION_UC, partner.to_owned()), id.to_owned());
                    break 'wait;
                }
            }
            if started.elapsed() > bound {
                bail!("po-exception published no thread for {exception} in {bound:?} (set-up)");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// Waits until every chaos supplier's partner sees its document request.
async fn set_up_onboarding(
    http: &reqwest::Client,
    tg_base: &str,
    events: usize,
    setup: &mut Setup,
    bound: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for n in 1..=onboarding_suppliers(events) {
        let partner = onboarding_partner(n);
        loop {
            let page: Value = http
                .get(format!(
                    "{tg_base}/__sim/partners/{partner}/document_requests"
                ))
                .send()
                .await?
                .json()
                .await?;
            let found = page["items"].as_array().into_iter().flatten().find(|r| {
                ONBOARDING_KINDS.iter().all(|k| {
                    r["items"]
                        .as_array()
                        .is_some_and(|items| items.iter().any(|i| i["kind"] == *k))
                })
            });
            if let Some(request) = found {
                let id = request["request_id"]
                    .as_str()
                    .context("a request id")?
                    .to_owned();
                for item in request["items"].as_array().into_iter().flatten() {
                    if let (Some(kind), Some(item_id)) =
                        (item["kind"].as_str(), item["item_id"].as_str())
                    {
                        setup
                            .items
                            .insert((partner.to_owned(), kind.to_owned()), item_id.to_owned());
                    }
                }
                setup
                    .targets
                    .insert((ONBOARDING_UC, partner.to_owned()), id);
                break;
            }
            if started.elapsed() > bound {
                bail!(
                    "supplier-onboarding sent {partner} no document request in {bound:?} (set-up)"
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// Approves the recall as the approver, in the approver's own xECM session (so the
/// four-eyes check against xECM's audit passes); the function's poll then issues it.
pub async fn approve_recall(xecm_base: &str) -> anyhow::Result<()> {
    use gridlink_xecm::{
        AttributeLookup, AttributeValue, CategoryId, NamedAttributes, WorkspaceTypeId, Workspaces,
        XecmAuth, XecmClient, XecmConfig,
    };
    let approver = XecmClient::new(XecmConfig::new(
        xecm_base,
        XecmAuth::Password {
            user: "qa.approver".into(),
            password: secrecy::SecretString::from("approver-demo".to_owned()),
        },
    )?)?;
    let category = CategoryId::new(9900)?;
    let incident = approver
        .find_workspace_by_attribute(&AttributeLookup {
            workspace_type: WorkspaceTypeId::new(61)?,
            category,
            attribute: "Recall ID".into(),
            value: RECALL_ID.into(),
        })
        .await?
        .with_context(|| format!("the seeded incident {RECALL_ID} is missing"))?
        .id;
    let values: NamedAttributes = [
        ("Approved By".to_owned(), AttributeValue::User(1003)),
        ("Status".to_owned(), AttributeValue::Text("approved".into())),
    ]
    .into_iter()
    .collect();
    approver
        .write_attributes(incident, category, &values)
        .await?;
    Ok(())
}

/// Waits until every recall partner has its campaign.
async fn set_up_recall(
    http: &reqwest::Client,
    tg_base: &str,
    setup: &mut Setup,
    bound: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    for partner in RECALL_PARTNERS {
        loop {
            let page: Value = http
                .get(format!("{tg_base}/__sim/partners/{partner}/campaigns"))
                .send()
                .await?
                .json()
                .await?;
            let campaign = page["items"].as_array().into_iter().flatten().find(|c| {
                c["external_ref"]["id"]
                    .as_str()
                    .is_some_and(|r| r.contains(RECALL_ID))
            });
            if let Some(campaign) = campaign {
                let id = campaign["campaign_id"]
                    .as_str()
                    .context("a campaign id")?
                    .to_owned();
                let fields = campaign["response_form"]["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        (
                            f["name"].as_str().unwrap_or_default().to_owned(),
                            f["type"].as_str().unwrap_or_default().to_owned(),
                            f["required"].as_bool().unwrap_or(false),
                        )
                    })
                    .collect();
                setup.targets.insert((RECALL_UC, partner.to_owned()), id);
                setup.forms.insert((RECALL_UC, partner.to_owned()), fields);
                break;
            }
            if started.elapsed() > bound {
                bail!("recall-campaign issued no campaign to {partner} in {bound:?} (set-up)");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// A form filled from the seed: every field of its type.
fn fill(fields: &[FormField], rng: &mut Rng) -> Value {
    let mut form = serde_json::Map::new();
    for (name, kind, required) in fields {
        let value = match kind.as_str() {
            "boolean" => json!(name != "further_distributed"),
            "number" => json!(rng.below(1000)),
            "date" => json!(format!("2026-12-{:02}", 1 + rng.below(28))),
            "text" => json!(format!("chaos answer {}", rng.below(1_000_000))),
            // An attachment field (or a type this run does not know): left out, and TG's
            // 422 names it if it is required.
            _ => continue,
        };
        let _ = required;
        form.insert(name.clone(), value);
    }
    Value::Object(form)
}

/// Sends one answer through the partner side of the TG simulator.
pub async fn send(
    http: &reqwest::Client,
    tg_base: &str,
    setup: &Setup,
    answer: &PlannedAnswer,
) -> anyhow::Result<AnswerSent> {
    if answer.use_case == ONBOARDING_UC {
        send_submission(http, tg_base, setup, answer).await
    } else if answer.use_case == EXCEPTION_UC {
        send_reply(http, tg_base, setup, answer).await
    } else {
        send_recall(http, tg_base, setup, answer).await
    }
}

/// The partner posts a reply on an exception thread.
async fn send_reply(
    http: &reqwest::Client,
    tg_base: &str,
    setup: &Setup,
    answer: &PlannedAnswer,
) -> anyhow::Result<AnswerSent> {
    const RESPONSES: [&str; 3] = ["explain", "corrected_document", "revised_confirmation"];
    let mut rng = Rng::new(answer.value_seed);
    let thread = setup
        .targets
        .get(&(EXCEPTION_UC, answer.target.to_owned()))
        .with_context(|| format!("no exception thread of {}", answer.target))?;
    let response = RESPONSES[rng.below(RESPONSES.len() as u64) as usize];
    let mut structured = json!({ "response": response });
    if let Some(named) = answer.variant.strip_prefix("names:") {
        structured["exception_id"] = json!(named);
    }
    let mut form = reqwest::multipart::Form::new()
        .text(
            "body",
            format!(
                "Chaos reply {} ({response}), reference {}",
                answer.index,
                rng.next_u64()
            ),
        )
        .text("structured", structured.to_string());
    for f in 0..answer.files {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(
                format!(
                    "corrected document {} {f} {}\n",
                    answer.index,
                    rng.next_u64()
                )
                .into_bytes(),
            )
            .file_name(format!("corrected-{}-{f}.txt", answer.index))
            .mime_str("text/plain")?,
        );
    }
    let response = http
        .post(format!(
            "{tg_base}/__sim/partners/{}/threads/{thread}/messages",
            answer.partner_id
        ))
        .multipart(form)
        .send()
        .await?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or_default();
    let key = (200..300)
        .contains(&status)
        .then(|| body["message_id"].as_str().map(str::to_owned))
        .flatten();
    if key.is_none() && matches!(answer.expect, AnswerExpect::Filed { .. }) {
        tracing::error!(index = answer.index, status, %body, "TG refused a reply that should be taken");
    }
    Ok(AnswerSent { status, key })
}

/// The partner uploads a file and submits it for its request item.
async fn send_submission(
    http: &reqwest::Client,
    tg_base: &str,
    setup: &Setup,
    answer: &PlannedAnswer,
) -> anyhow::Result<AnswerSent> {
    let mut rng = Rng::new(answer.value_seed);
    let kind = answer.variant.trim_start_matches("bad-");
    let bad = answer.variant.starts_with("bad-");
    let request = setup
        .targets
        .get(&(ONBOARDING_UC, answer.target.to_owned()))
        .with_context(|| format!("no document request for {}", answer.target))?;
    let item = setup
        .items
        .get(&(answer.target.to_owned(), kind.to_owned()))
        .with_context(|| format!("no {kind} item for {}", answer.target))?;
    // The fields of the supplier the item belongs to (a crossing attempt copies them).
    let n: usize = answer
        .target
        .trim_start_matches("prt_chaos_onb_")
        .parse()
        .unwrap_or(0);
    let pdf = format!(
        "%PDF-1.7\n% chaos {} {} {}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        answer.partner_id,
        answer.index,
        rng.next_u64()
    );
    let upload = http
        .post(format!(
            "{tg_base}/__sim/partners/{}/attachments",
            answer.partner_id
        ))
        .multipart(
            reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(pdf.into_bytes())
                    .file_name(format!("{kind}-{}.pdf", answer.index))
                    .mime_str("application/pdf")?,
            ),
        )
        .send()
        .await?;
    if !upload.status().is_success() {
        bail!(
            "uploading the file of answer a{}: {}",
            answer.index,
            upload.text().await.unwrap_or_default()
        );
    }
    let uploaded: Value = upload.json().await?;
    let attachment = &uploaded["items"][0];
    let (fields, valid) = if kind == "w9" {
        let tax_id = if bad {
            "07-1234567".to_owned()
        } else {
            onboarding_tax_id(n)
        };
        (
            json!({"tax_id": tax_id, "legal_name": onboarding_legal_name(n), "form_revision": "2024-03"}),
            json!({}),
        )
    } else {
        let each = if bad { 1_000 } else { 2_000_000 };
        (
            json!({
                "general_liability_each_occurrence": each,
                "general_liability_aggregate": 4_000_000,
                "endorsements": ["additional_insured", "waiver_of_subrogation"],
                "insured_name": onboarding_legal_name(n)
            }),
            json!({"valid_from": "2026-11-01", "valid_until": "2027-10-31"}),
        )
    };
    let mut body = json!({
        "attachment_ids": [attachment["attachment_id"]],
        "fields": fields,
    });
    if let (Some(b), Some(v)) = (body.as_object_mut(), valid.as_object()) {
        b.extend(v.clone());
    }
    let response = http
        .post(format!(
            "{tg_base}/__sim/partners/{}/document_requests/{request}/items/{item}/submit",
            answer.partner_id
        ))
        .json(&body)
        .send()
        .await?;
    let status = response.status().as_u16();
    let key = (200..300)
        .contains(&status)
        .then(|| attachment["sha256"].as_str().map(str::to_owned))
        .flatten();
    if key.is_none() && matches!(answer.expect, AnswerExpect::Filed { .. }) {
        let text = response.text().await.unwrap_or_default();
        tracing::error!(index = answer.index, status, %text, "TG refused a submission that should be taken");
    }
    Ok(AnswerSent { status, key })
}

/// The partner answers a recall campaign.
async fn send_recall(
    http: &reqwest::Client,
    tg_base: &str,
    setup: &Setup,
    answer: &PlannedAnswer,
) -> anyhow::Result<AnswerSent> {
    let mut rng = Rng::new(answer.value_seed);
    let target = setup
        .targets
        .get(&(answer.use_case, answer.target.to_owned()))
        .with_context(|| format!("no {} target for {}", answer.use_case, answer.target))?;
    let fields = setup
        .forms
        .get(&(answer.use_case, answer.target.to_owned()))
        .cloned()
        .unwrap_or_default();
    let form = fill(&fields, &mut rng);
    let url = format!(
        "{tg_base}/__sim/partners/{}/campaigns/{target}/respond",
        answer.partner_id
    );
    let request = if answer.files > 0 {
        let mut multipart = reqwest::multipart::Form::new().text("form_data", form.to_string());
        for f in 0..answer.files {
            multipart = multipart.part(
                "file",
                reqwest::multipart::Part::bytes(
                    format!("\u{ff}chaos photo {} {f} {}", answer.index, rng.next_u64())
                        .into_bytes(),
                )
                .file_name(format!("photo-{}-{f}.jpg", answer.index))
                .mime_str("image/jpeg")?,
            );
        }
        http.post(&url).multipart(multipart)
    } else {
        http.post(&url).json(&json!({ "form_data": form }))
    };
    let response = request.send().await?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or_default();
    let key = (200..300)
        .contains(&status)
        .then(|| body["responded_at"].as_str().and_then(instant_key))
        .flatten()
        .map(|at| format!("{}|{at}", answer.partner_id));
    if key.is_none() && matches!(answer.expect, AnswerExpect::Filed { .. }) {
        tracing::error!(index = answer.index, status, %body, "TG refused an answer that should be taken");
    }
    Ok(AnswerSent { status, key })
}

/// The answers TG took that had to be rejected (supplier-onboarding's invalid
/// submissions) and whose request item TG now shows `rejected`.
pub async fn rejected(
    http: &reqwest::Client,
    tg_base: &str,
    planned: &[PlannedAnswer],
    sent: &BTreeMap<usize, AnswerSent>,
    setup: &Setup,
) -> anyhow::Result<HashSet<usize>> {
    let waiting: Vec<&PlannedAnswer> = planned
        .iter()
        .filter(|a| {
            a.use_case == ONBOARDING_UC
                && a.expect == AnswerExpect::Refused
                && sent.get(&a.index).is_some_and(|s| s.key.is_some())
        })
        .collect();
    let mut out = HashSet::new();
    let mut pages: HashMap<&str, Value> = HashMap::new();
    for answer in waiting {
        if !pages.contains_key(answer.target) {
            let page: Value = http
                .get(format!(
                    "{tg_base}/__sim/partners/{}/document_requests",
                    answer.target
                ))
                .send()
                .await?
                .json()
                .await?;
            pages.insert(answer.target, page);
        }
        let kind = answer.variant.trim_start_matches("bad-");
        let Some(item_id) = setup
            .items
            .get(&(answer.target.to_owned(), kind.to_owned()))
        else {
            continue;
        };
        let rejected = pages[answer.target]["items"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["items"].as_array().into_iter().flatten())
            .any(|i| i["item_id"] == item_id.as_str() && i["status"] == "rejected");
        if rejected {
            out.insert(answer.index);
        }
    }
    Ok(out)
}

/// An answer (or one of its files) found filed in xECM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledAnswer {
    /// The use case that filed it.
    pub use_case: &'static str,
    /// The identity recorded on it (`<partner>|<time>`).
    pub key: String,
    /// Whether it is a file of the answer (not the answer itself).
    pub file: bool,
    /// Its workspace's name.
    pub workspace: String,
    /// Its folder path inside the workspace.
    pub folder: String,
    /// Its node id.
    pub node_id: i64,
    /// The version holding it (onboarding: a later file of a kind is a new version).
    pub version: u32,
    /// Whether it is in a place only this run's answers fill (an unexplained one there is
    /// a finding; supplier-onboarding's certificates of the demo's suppliers are not).
    pub ours: bool,
}

/// Every answer the three use cases filed in xECM, by the identity in its description.
pub fn filed_answers(store: &gridlink_xecm_sim::store::Store) -> Vec<FiledAnswer> {
    let place = |parent: i64| -> (String, String) {
        let mut folders = Vec::new();
        let mut id = parent;
        for _ in 0..64 {
            let Some(node) = store.nodes.get(&id) else {
                break;
            };
            if node.workspace.is_some() {
                folders.reverse();
                return (node.name.clone(), folders.join("/"));
            }
            folders.push(node.name.clone());
            id = node.parent_id;
        }
        (String::new(), String::new())
    };
    // po-exception records the TG message id as the `Partner Document` category's
    // `Control Number` (category 9400).
    let attribute_key = |name: &str| {
        store.categories.get(&9400).and_then(|def| {
            def.attributes
                .iter()
                .find(|a| a.name == name)
                .map(|a| format!("9400_{}", a.id))
        })
    };
    let control_key = attribute_key("Control Number");
    let mut out = Vec::new();
    for n in store.nodes.values() {
        if n.subtype != gridlink_xecm_sim::model::subtype::DOCUMENT {
            continue;
        }
        let message_id = control_key
            .as_ref()
            .and_then(|k| n.categories.get(&9400)?.get(k)?.as_str())
            .filter(|c| c.starts_with("msg_"));
        if let Some(message_id) = message_id {
            let (workspace, folder) = place(n.parent_id);
            out.push(FiledAnswer {
                use_case: EXCEPTION_UC,
                key: message_id.to_owned(),
                file: n.description.contains(" bytes, sha256 "),
                workspace,
                folder,
                node_id: n.id,
                version: 1,
                ours: true,
            });
            continue;
        }
        if let Some((key, file)) = answer_identity(&n.description) {
            let (workspace, folder) = place(n.parent_id);
            out.push(FiledAnswer {
                use_case: RECALL_UC,
                key,
                file,
                workspace,
                folder,
                node_id: n.id,
                version: 1,
                ours: true,
            });
            continue;
        }
        // supplier-onboarding: every version of a certificate, by its content's SHA-256.
        let (workspace, folder) = place(n.parent_id);
        if !folder.starts_with("Certificates/") {
            continue;
        }
        let ours = workspace.starts_with("Chaos Supplier ");
        for v in &n.versions {
            out.push(FiledAnswer {
                use_case: ONBOARDING_UC,
                key: v.sha256.clone(),
                file: true,
                workspace: workspace.clone(),
                folder: folder.clone(),
                node_id: n.id,
                version: v.number,
                ours,
            });
        }
    }
    out
}

/// The identity (`<partner>|<instant>`) of an answer or answer file from the description
/// recall-campaign gives it, and whether it is a file.
fn answer_identity(description: &str) -> Option<(String, bool)> {
    let answer_mark = format!("Recall {RECALL_ID} answer of partner ");
    let (partner, at, file) = if let Some(rest) = description.strip_prefix(&answer_mark) {
        let (partner, rest) = rest.split_once(" at ")?;
        (partner, rest.split(';').next()?, false)
    } else if let Some(rest) = description.strip_prefix("Returned by partner ") {
        let (partner, rest) = rest.split_once(" with its recall ")?;
        let (_, rest) = rest.split_once(" answer of ")?;
        (partner, rest.split(';').next()?, true)
    } else {
        return None;
    };
    Some((format!("{partner}|{}", instant_key(at.trim())?), file))
}

/// Counts per use case, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AnswerCounts {
    /// Answers sent.
    pub sent: usize,
    /// Of them, to be filed.
    pub expected_filed: usize,
    /// Filed exactly once with each file, where they belong, nowhere else.
    pub filed: usize,
    /// Of them, to be refused or parked (crossing attempts).
    pub expected_refused: usize,
    /// Refused and filed nowhere.
    pub refused: usize,
}

/// Adds the answers to the tally: lost, doubled, crossed, unexplained as for documents.
pub fn tally<S: std::hash::BuildHasher>(
    planned: &[PlannedAnswer],
    sent: &BTreeMap<usize, AnswerSent>,
    filed: &[FiledAnswer],
    rejected: &HashSet<usize, S>,
    out: &mut Tally,
) {
    let mut by_key: HashMap<(&str, &str), Vec<&FiledAnswer>> = HashMap::new();
    for f in filed {
        by_key
            .entry((f.use_case, f.key.as_str()))
            .or_default()
            .push(f);
    }
    let mut explained: std::collections::HashSet<(i64, u32)> = std::collections::HashSet::new();
    for answer in planned {
        let Some(result) = sent.get(&answer.index) else {
            continue; // not sent (yet)
        };
        let counts = out.answers.entry(answer.use_case.to_owned()).or_default();
        counts.sent += 1;
        let hits: Vec<&FiledAnswer> = result
            .key
            .as_deref()
            .and_then(|k| by_key.get(&(answer.use_case, k)))
            .cloned()
            .unwrap_or_default();
        for h in &hits {
            explained.insert((h.node_id, h.version));
        }
        // recall-campaign files an answer document and each file; supplier-onboarding only
        // the file (a version of the kind's document).
        let (want_answers, want_files) = if answer.use_case == ONBOARDING_UC {
            (0, answer.files)
        } else {
            (1, answer.files)
        };
        let what = answer.what();
        match &answer.expect {
            AnswerExpect::Filed { workspace, folder } => {
                counts.expected_filed += 1;
                let (right, wrong): (Vec<&FiledAnswer>, Vec<&FiledAnswer>) = hits
                    .iter()
                    .partition(|h| &h.workspace == workspace && &h.folder == folder);
                let answers = right.iter().filter(|h| !h.file).count();
                let files = right.iter().filter(|h| h.file).count();
                if !wrong.is_empty() {
                    out.wrong_workspace += 1;
                    out.note(format!(
                        "CROSSED {what}: in {} (belongs in {workspace} › {folder})",
                        places(&wrong)
                    ));
                } else if result.key.is_none() {
                    out.lost += 1;
                    out.note(format!(
                        "LOST {what}: TG answered {} to the partner",
                        result.status
                    ));
                } else if answers > want_answers || files > want_files {
                    out.doubled += 1;
                    out.note(format!(
                        "DOUBLED {what}: {answers} answers and {files} of {want_files} files in {workspace} › {folder}"
                    ));
                } else if answers == want_answers && files == want_files {
                    counts.filed += 1;
                } else {
                    out.lost += 1;
                    out.note(format!(
                        "LOST {what}: {answers} answers and {files} of {want_files} files in {workspace} › {folder}"
                    ));
                }
            }
            AnswerExpect::Refused => {
                counts.expected_refused += 1;
                if hits.is_empty() && (result.key.is_none() || rejected.contains(&answer.index)) {
                    counts.refused += 1;
                } else if hits.is_empty() {
                    // TG took it (an invalid submission): the function must reject it.
                    out.lost += 1;
                    out.note(format!(
                        "LOST {what}: TG took it, the function neither rejected it through TG nor filed it"
                    ));
                } else {
                    out.wrong_workspace += 1;
                    out.note(format!(
                        "CROSSED {what}: had to be refused, filed in {}",
                        places(&hits)
                    ));
                }
            }
        }
    }
    for f in filed {
        if f.ours && !explained.contains(&(f.node_id, f.version)) {
            out.unexplained_filed += 1;
            out.note(format!(
                "UNEXPLAINED {} answer node {} in {} › {}: identity {}",
                f.use_case, f.node_id, f.workspace, f.folder, f.key
            ));
        }
    }
}

fn places(hits: &[&FiledAnswer]) -> String {
    hits.iter()
        .map(|h| {
            format!(
                "{} › {} node {} v{}",
                h.workspace, h.folder, h.node_id, h.version
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(plan: &[PlannedAnswer]) -> (BTreeMap<usize, AnswerSent>, Vec<FiledAnswer>) {
        let mut sent = BTreeMap::new();
        let mut filed = Vec::new();
        for a in plan {
            match &a.expect {
                AnswerExpect::Filed { workspace, folder } => {
                    let key = format!("{}|{}", a.partner_id, 1_000 + a.index);
                    let first = usize::from(a.use_case == ONBOARDING_UC);
                    for f in first..=a.files {
                        filed.push(FiledAnswer {
                            use_case: a.use_case,
                            key: key.clone(),
                            file: f > 0,
                            workspace: workspace.clone(),
                            folder: folder.clone(),
                            node_id: (a.index * 10 + f) as i64,
                            version: 1,
                            ours: true,
                        });
                    }
                    sent.insert(
                        a.index,
                        AnswerSent {
                            status: 200,
                            key: Some(key),
                        },
                    );
                }
                AnswerExpect::Refused => {
                    sent.insert(
                        a.index,
                        AnswerSent {
                            status: 403,
                            key: None,
                        },
                    );
                }
            }
        }
        (sent, filed)
    }

    fn planned() -> Vec<PlannedAnswer> {
        let (documents, plan) = plan(400, 3);
        assert_eq!(documents + 3 * answers_per_use_case(400), 400);
        assert!(plan.iter().any(|a| a.use_case == EXCEPTION_UC));
        assert!(plan.iter().any(|a| a.use_case == ONBOARDING_UC));
        assert!(plan.iter().any(|a| a.expect == AnswerExpect::Refused));
        assert!(plan.iter().any(|a| a.files > 0));
        plan
    }

    #[test]
    fn answers_where_they_belong_pass_and_lost_doubled_crossed_fail() {
        let plan = planned();
        let (sent, filed) = world(&plan);
        let mut t = Tally::default();
        tally(&plan, &sent, &filed, &HashSet::new(), &mut t);
        assert!(!t.failed(), "{t:?}");
        let c = &t.answers[RECALL_UC];
        assert_eq!(c.filed, c.expected_filed);
        assert_eq!(c.refused, c.expected_refused);

        let mut lost = filed.clone();
        lost.remove(0);
        let mut t = Tally::default();
        tally(&plan, &sent, &lost, &HashSet::new(), &mut t);
        assert_eq!(t.lost, 1, "{t:?}");

        let mut doubled = filed.clone();
        let mut twin = filed[0].clone();
        twin.node_id = 99_999;
        doubled.push(twin);
        let mut t = Tally::default();
        tally(&plan, &sent, &doubled, &HashSet::new(), &mut t);
        assert_eq!(t.doubled, 1, "{t:?}");

        let mut crossed = filed.clone();
        crossed[0].workspace = "PO 4591000001".into();
        let mut t = Tally::default();
        tally(&plan, &sent, &crossed, &HashSet::new(), &mut t);
        assert_eq!(t.wrong_workspace, 1, "{t:?}");
        assert!(t.failed());
    }

    #[test]
    fn a_refused_answer_filed_anyway_is_crossed_and_a_stray_one_unexplained() {
        let plan = planned();
        let (mut sent, mut filed) = world(&plan);
        let refused = plan
            .iter()
            .find(|a| a.expect == AnswerExpect::Refused)
            .expect("a crossing attempt");
        sent.insert(
            refused.index,
            AnswerSent {
                status: 200,
                key: Some("prt_x|42".into()),
            },
        );
        filed.push(FiledAnswer {
            use_case: refused.use_case,
            key: "prt_x|42".into(),
            file: false,
            workspace: RECALL_WORKSPACE.into(),
            folder: format!("Partner Responses/{}", refused.target),
            node_id: 77_777,
            version: 1,
            ours: true,
        });
        filed.push(FiledAnswer {
            use_case: RECALL_UC,
            key: "prt_y|43".into(),
            file: false,
            workspace: RECALL_WORKSPACE.into(),
            folder: "Partner Responses/prt_y".into(),
            node_id: 77_778,
            version: 1,
            ours: true,
        });
        let mut t = Tally::default();
        tally(&plan, &sent, &filed, &HashSet::new(), &mut t);
        assert_eq!(t.wrong_workspace, 1, "{t:?}");
        assert_eq!(t.unexplained_filed, 1, "{t:?}");
    }

    #[test]
    fn an_invalid_submission_tg_took_counts_as_refused_only_once_it_is_rejected() {
        let plan = planned();
        let (mut sent, filed) = world(&plan);
        let bad = plan
            .iter()
            .find(|a| a.use_case == ONBOARDING_UC && a.expect == AnswerExpect::Refused)
            .expect("an onboarding answer to refuse");
        sent.insert(
            bad.index,
            AnswerSent {
                status: 200,
                key: Some("ab12".into()),
            },
        );
        let mut t = Tally::default();
        tally(&plan, &sent, &filed, &HashSet::new(), &mut t);
        assert_eq!(t.lost, 1, "{t:?}");
        assert!(!t.settled());
        let mut t = Tally::default();
        tally(&plan, &sent, &filed, &HashSet::from([bad.index]), &mut t);
        assert!(!t.failed(), "{t:?}");
        assert!(t.settled());
    }

    #[test]
    fn the_identity_is_read_from_the_descriptions_recall_campaign_writes() {
        let key = instant_key("2026-12-02T15:50:01.123456789Z").expect("a time");
        assert_eq!(
            Some(key.clone()),
            instant_key("2026-12-02T16:50:01.123456789+01:00")
        );
        assert_eq!(
            answer_identity(
                "Recall RC-2026-0007 answer of partner prt_acme at 2026-12-02T15:50:01.123456789Z; sha256 ab [gridlink gl-1]"
            ),
            Some((format!("prt_acme|{key}"), false))
        );
        assert_eq!(
            answer_identity(
                "Returned by partner prt_rc_freshmart with its recall RC-2026-0007 answer of 2026-12-02T15:50:01.123456789Z; sha256 cd"
            ),
            Some((format!("prt_rc_freshmart|{key}"), true))
        );
        assert_eq!(
            answer_identity("Received through Trading Grid (ZZ:X|810|1)"),
            None
        );
    }
}
