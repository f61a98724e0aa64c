//! A supplier workspace synced: its master data read, the requirement matrix applied, its
//! TG partner resolved (or the supplier parked with the reason), one TG document request
//! made per supplier and cycle for what is missing, and the standing projected to xECM.
//!
//! Each request cycle is planned in the standing first (its number and kinds), then made
//! under the effect `tg-document-request / <workspace>/<cycle>` whose idempotency key TG
//! replays — so a crash between the TG call and the ledger never asks twice — and recorded
//! as `supplier-onboarding-request / <request id>` (workspace, partner, cycle), which is how
//! a submission finds its supplier.
//!
//! A change of legal name, tax id or tax country sends the tax form back to `missing`; a new
//! matrix that no longer requires a kind drops it. Either way the TG request still asking for
//! it is superseded: the requirement's item stops being current (a late submission to it is
//! ignored and logged), the request's other kinds not yet delivered are asked again in the
//! next request, and the old request is cancelled through TG's cancel call, once
//! (`tg-cancel-request / <request id>`) — after the new request is made, and only when none
//! of its items is still being decided (submitted, in a buyer's review, a renewal or an
//! expired document asked for; those are decided first, the request cancelled on a later
//! sync). TG then refuses submissions to it (409). A kind the matrix drops while it is asked
//! settles: `accepted` when it has a current document on file, else `missing` — a submission
//! that waited for a buyer's review is no longer reviewed, and a buyer's decision on its row
//! finds nothing to decide — and it is asked afresh if a later matrix requires it again.
//!
//! A change of the supplier's TG partner (`Trading Partner ID` corrected from partner A to
//! partner B) withdraws everything from A: each request still asking A for something is
//! superseded and cancelled in TG in the same sync, A's onboarding thread is no longer used
//! (B gets its own, [`crate::reminders`]), and what A was asked — a missing kind, a renewal,
//! an expired document — is asked of B in a fresh request. Nothing about the supplier is
//! sent to A afterwards; A's late submissions are ignored as for any superseded request.

use futures::TryStreamExt;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{EffectKey, Filing};
use gridlink_outbound::{StartedWorkspace, read_started_workspace};
use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_tgrid::model::{ExternalRef, NewDocumentRequest, NewRequestItem, PartnerFilter};
use gridlink_tgrid::{IdempotencyKey, PageRequest, PartnerId, PartyId, RequestId};
use gridlink_xecm::{AttributeValue, BytesSource, DocumentSpec, NamedAttributes, NodeId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::matrix::{Matrix, is_tax_form};
use crate::standing::{PlannedRequest, RequirementState, Standing, State};
use crate::validate::{Supplier, format_date, parse_date};

/// The ledger kind linking a TG request to its supplier.
pub const REQUEST_KIND: &str = "supplier-onboarding-request";

/// The supplier attribute naming the supplier's owner (an xECM user), whom an escalation
/// goes to.
pub const OWNER_ATTRIBUTE: &str = "Supplier Owner";

/// What one sync of a supplier did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SupplierSync {
    /// The workspace.
    pub workspace_id: i64,
    /// Why nothing was done, when it is not a supplier.
    pub skipped: Option<String>,
    /// Why nothing can be requested.
    pub parked: Option<String>,
    /// The request made in this sync, if any.
    pub request_id: Option<String>,
    /// The kinds it asks for.
    pub requested: Vec<String>,
    /// Superseded requests cancelled in TG in this sync.
    pub cancelled: Vec<String>,
    /// The onboarding status now.
    pub status: Option<String>,
}

/// A TG request made by supplier-onboarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The request.
    pub request_id: String,
    /// The supplier workspace.
    pub workspace_id: i64,
    /// The partner asked.
    pub partner_id: String,
    /// The cycle.
    pub cycle: u32,
}

pub(crate) fn text(values: &NamedAttributes, name: &str) -> String {
    match values.get(name) {
        Some(AttributeValue::Text(t)) => t.trim().to_owned(),
        _ => String::new(),
    }
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn key(text: &str) -> Result<IdempotencyKey, OnboardingError> {
    IdempotencyKey::parse(text).map_err(|e| OnboardingError::malformed(text, e))
}

/// The rows of an existing `Requirements` set read as requirements already on file
/// (`accepted` rows with a document or a validity): what a supplier had before gridlink.
fn imported(values: &NamedAttributes) -> Vec<RequirementState> {
    let Some(AttributeValue::Rows(rows)) = values.get("Requirements") else {
        return Vec::new();
    };
    let date = |row: &NamedAttributes, name: &str| match row.get(name) {
        Some(AttributeValue::Date(d)) => Some(format_date(d.date())),
        Some(AttributeValue::Text(t)) => parse_date(t).map(format_date),
        _ => None,
    };
    rows.iter()
        .filter(|row| text(row, "Status").eq_ignore_ascii_case("accepted"))
        .filter(|row| !text(row, "Kind").is_empty())
        .map(|row| RequirementState {
            kind: text(row, "Kind"),
            required: true,
            state: State::Accepted,
            valid_from: date(row, "Valid From"),
            valid_until: date(row, "Valid Until"),
            document_id: match row.get("Document") {
                Some(AttributeValue::Integer(id)) if *id > 0 => Some(*id),
                _ => None,
            },
            reason: Some(text(row, "Reason")).filter(|r| !r.is_empty()),
            ..RequirementState::default()
        })
        .collect()
}

impl SupplierOnboarding {
    /// Syncs one supplier workspace (see the module docs). Safe to repeat: every effect
    /// runs once.
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace_id))]
    pub async fn sync_supplier(
        &self,
        workspace_id: NodeId,
    ) -> Result<SupplierSync, OnboardingError> {
        gridlink_flow::timeline::about("supplier", &workspace_id.to_string());
        let mut sync = SupplierSync {
            workspace_id: workspace_id.get(),
            ..SupplierSync::default()
        };
        let values = match read_started_workspace(
            self.platform.xecm.as_ref(),
            workspace_id,
            self.config.workspace_type,
            self.config.supplier_category,
            "supplier",
            "supplier",
        )
        .await?
        {
            StartedWorkspace::Found { values, .. } => values,
            StartedWorkspace::Skipped(reason) => {
                sync.skipped = Some(reason);
                return Ok(sync);
            }
        };
        let supplier = Supplier {
            legal_name: text(&values, "Legal Name"),
            tax_id: text(&values, "Tax ID"),
            tax_country: Some(text(&values, "Tax Country"))
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| text(&values, "Country"))
                .to_uppercase(),
            supplier_class: text(&values, "Supplier Class").to_lowercase(),
        };
        let matrix = self.matrix().await?;
        let partner = self.resolve_partner(&values).await?;
        let previous = self.standing(workspace_id.get()).await?;
        let previous_partner = previous.as_ref().and_then(|s| s.partner_id.clone());
        let on_file = if previous.is_none() {
            match self
                .platform
                .xecm
                .read_attributes(workspace_id, self.config.compliance_category)
                .await
            {
                Ok(values) => imported(&values),
                Err(error) if error.is_category_absent() => Vec::new(),
                Err(error) => return Err(error.into()),
            }
        } else {
            Vec::new()
        };
        let now = self.platform.clock.now();
        let at = rfc3339(now);
        let due_at = rfc3339(now + self.config.request_due);
        let required: Vec<String> = matrix
            .required_for(&supplier.supplier_class, &supplier.tax_country)
            .iter()
            .map(|r| r.kind.clone())
            .collect();
        let owner = match values.get(OWNER_ATTRIBUTE) {
            Some(AttributeValue::User(id) | AttributeValue::Integer(id)) if *id > 0 => Some(*id),
            _ => None,
        };
        let standing = self
            .change_standing(workspace_id.get(), |s| {
                let before = s.clone();
                apply(
                    s, &supplier, &matrix, &required, &partner, &on_file, &at, &due_at,
                );
                s.owner = owner;
                *s != before
            })
            .await?;
        sync.parked.clone_from(&standing.parked);
        if let (Some(from), Some(to)) = (&previous_partner, &standing.partner_id)
            && from != to
        {
            tracing::warn!(workspace_id = %workspace_id, former_partner_id = %from, partner_id = %to, superseded = %standing.superseded.join(","), "the supplier's Trading Grid partner changed: the former partner's requests are withdrawn and nothing more goes to it; the new partner is asked");
            gridlink_flow::timeline::record(
                "partner_changed",
                format!("{}|partner-changed|{workspace_id}|{from}|{to}", crate::NAME),
                serde_json::json!({
                    "system": "gridlink",
                    "ids": {"xecm": {"workspace_id": workspace_id.get()},
                            "tg": {"partner_id": to, "former_partner_id": from}},
                    "superseded": standing.superseded,
                }),
            );
        }
        if let Some(reason) = &standing.parked {
            tracing::warn!(workspace_id = %workspace_id, reason, "supplier parked: nothing can be requested");
        }
        for (made, kinds) in self.make_planned(workspace_id.get(), &matrix).await? {
            sync.request_id.get_or_insert(made.request_id);
            sync.requested.extend(kinds);
        }
        for request in cancellable(&standing) {
            self.cancel_superseded(&standing, &request).await?;
            sync.cancelled.push(request);
        }
        sync.status = Some(self.project(workspace_id).await?.to_owned());
        Ok(sync)
    }

    /// Makes the supplier's planned request cycles (see [`Self::make_request`]): the one
    /// planned, then the one its completion planned for what it left unasked, if any. Each
    /// made request with its kinds.
    pub(crate) async fn make_planned(
        &self,
        workspace: i64,
        matrix: &Matrix,
    ) -> Result<Vec<(RequestRecord, Vec<String>)>, OnboardingError> {
        let mut made = Vec::new();
        let mut last = None;
        // a completion plans at most one more cycle; a third would be a concurrent writer's
        for _ in 0..3 {
            let Some(standing) = self.standing(workspace).await? else {
                break;
            };
            let (Some(planned), Some(partner)) = (&standing.planned, &standing.partner_id) else {
                break;
            };
            if last == Some(planned.cycle) {
                break;
            }
            last = Some(planned.cycle);
            let record = self
                .make_request(workspace, partner, planned, matrix)
                .await?;
            made.push((record, planned.kinds.clone()));
        }
        Ok(made)
    }

    /// Makes the planned request in TG once, records it, and marks its requirements
    /// requested. A required kind the request does not ask for and nothing else asks for —
    /// one added to the plan after the TG call was made, or a renewal due while another
    /// cycle was planned — is planned again in a new cycle, never dropped.
    pub(crate) async fn make_request(
        &self,
        workspace: i64,
        partner: &str,
        planned: &PlannedRequest,
        matrix: &Matrix,
    ) -> Result<RequestRecord, OnboardingError> {
        let business_key = format!("{workspace}/{}", planned.cycle);
        let due_at = OffsetDateTime::parse(&planned.due_at, &Rfc3339).map_err(|e| {
            OnboardingError::malformed(format!("planned request {business_key}"), e)
        })?;
        let new = NewDocumentRequest {
            partner_id: PartnerId::new(partner),
            items: planned
                .kinds
                .iter()
                .map(|kind| NewRequestItem {
                    kind: kind.clone(),
                    description: format!(
                        "{}{}",
                        matrix
                            .requirement(kind)
                            .map_or(kind.as_str(), |r| r.title()),
                        if planned.renewal { " (renewal)" } else { "" }
                    ),
                    required: true,
                })
                .collect(),
            due_at: Some(due_at),
            external_ref: Some(ExternalRef::new("xecm", workspace.to_string())),
        };
        let tg = self.platform.tg.clone();
        let partner_owned = partner.to_owned();
        let outcome = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-document-request", &business_key),
                None,
                |k| async move {
                    let request = tg.request_documents(&key(&k)?, &new).await?;
                    Ok::<_, OnboardingError>(request)
                },
            )
            .await
            .map_err(OnboardingError::from_effect)?;
        let ran_now = outcome.ran_now();
        let request = outcome.into_inner();
        let record = RequestRecord {
            request_id: request.request_id.as_str().to_owned(),
            workspace_id: workspace,
            partner_id: partner_owned,
            cycle: planned.cycle,
        };
        let data = serde_json::to_value(&record)
            .map_err(|e| OnboardingError::malformed(&record.request_id, e))?;
        match self
            .platform
            .ledger
            .create(NewRecord::new(
                RecordId::new(REQUEST_KIND, &record.request_id)?,
                "OPEN",
                data,
            ))
            .await
        {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let at = rfc3339(request.created_at);
        let cycle = planned.cycle;
        self.change_standing(workspace, |s| {
            if s.planned.as_ref().is_none_or(|p| p.cycle != cycle) {
                return false;
            }
            for item in &request.items {
                if let Some(req) = s.requirements.get_mut(&item.kind) {
                    req.state = match req.state {
                        // an expired document asked for again stays expired until replaced
                        State::Expired => State::Expired,
                        // a current document's renewal, whatever cycle it is asked in
                        State::Expiring | State::RenewalRequested => State::RenewalRequested,
                        State::Missing => State::Requested,
                        _ if planned.renewal => State::RenewalRequested,
                        _ => State::Requested,
                    };
                    req.request_id = Some(request.request_id.as_str().to_owned());
                    req.item_id = Some(item.item_id.as_str().to_owned());
                    // a new deadline: reminders count from it afresh
                    req.due_at = Some(planned.due_at.clone());
                    req.reset_reminders();
                }
            }
            s.planned = None;
            plan_unasked(s, &planned.due_at);
            s.note(
                &at,
                "supplier",
                if planned.renewal {
                    "renewal requested"
                } else {
                    "requested"
                },
                format!(
                    "TG request {} for {}",
                    request.request_id,
                    planned.kinds.join(", ")
                ),
            );
            true
        })
        .await?;
        if ran_now {
            tracing::info!(workspace_id = workspace, partner_id = %record.partner_id, request_id = %record.request_id, cycle, kinds = %planned.kinds.join(","), "documents requested");
        }
        Ok(record)
    }

    /// Cancels a superseded request in TG once (`tg-cancel-request / <request id>`) and
    /// takes it off the standing's superseded list. A request TG holds fulfilled cannot be
    /// cancelled (409) and has nothing left to answer: that is taken as done.
    async fn cancel_superseded(
        &self,
        standing: &Standing,
        request_id: &str,
    ) -> Result<(), OnboardingError> {
        let tg = self.platform.tg.clone();
        let id = RequestId::new(request_id);
        let outcome = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-cancel-request", request_id),
                None,
                |_| async move {
                    match tg.cancel_document_request(&id).await {
                        Ok(request) => Ok(serde_json::json!({"status": request.status})),
                        Err(error) if error.kind() == ErrorKind::Conflict => {
                            Ok(serde_json::json!({"status": "fulfilled", "tg": error.to_string()}))
                        }
                        Err(error) => Err(OnboardingError::from(error)),
                    }
                },
            )
            .await
            .map_err(OnboardingError::from_effect)?;
        let ran_now = outcome.ran_now();
        let status = outcome.into_inner()["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let at = rfc3339(self.platform.clock.now());
        let request = request_id.to_owned();
        self.change_standing(standing.workspace_id, |s| {
            let before = s.superseded.len();
            s.superseded.retain(|r| *r != request);
            if s.superseded.len() == before {
                return false;
            }
            s.note(
                &at,
                "supplier",
                "superseded request cancelled",
                format!("TG request {request} ({status})"),
            );
            true
        })
        .await?;
        if ran_now {
            tracing::info!(workspace_id = standing.workspace_id, partner_id = ?standing.partner_id, request_id, status, "superseded document request cancelled in TG");
        }
        Ok(())
    }

    /// The request as recorded, if supplier-onboarding made it.
    pub async fn request_record(
        &self,
        request_id: &str,
    ) -> Result<Option<RequestRecord>, OnboardingError> {
        let Some(record) = self
            .platform
            .ledger
            .get(&RecordId::new(REQUEST_KIND, request_id)?)
            .await?
        else {
            return Ok(None);
        };
        serde_json::from_value(record.data)
            .map(Some)
            .map_err(|e| OnboardingError::malformed(request_id, e))
    }

    /// The supplier's TG partner, or why there is none (the supplier is parked).
    async fn resolve_partner(
        &self,
        values: &NamedAttributes,
    ) -> Result<Result<String, String>, OnboardingError> {
        let attribute = &self.config.partner_attribute;
        let raw = text(values, attribute);
        if raw.is_empty() {
            return Ok(Err(format!(
                "the workspace has no `{attribute}`: no Trading Grid partner to ask"
            )));
        }
        if raw.starts_with("prt_") {
            return match self.platform.tg.partner(&PartnerId::new(&raw)).await {
                Ok(partner) => Ok(Ok(partner.partner_id.as_str().to_owned())),
                Err(error) if error.kind() == ErrorKind::NotFound => Ok(Err(format!(
                    "Trading Grid has no partner `{raw}` (from `{attribute}`)"
                ))),
                Err(error) => Err(error.into()),
            };
        }
        let Ok(address) = PartyId::parse(&raw) else {
            return Ok(Err(format!(
                "`{raw}` in `{attribute}` is neither a Trading Grid partner id (prt_…) nor an EDI address (QUALIFIER:ID)"
            )));
        };
        let filter = PartnerFilter {
            edi_address: Some(address),
            ..PartnerFilter::default()
        };
        let page = self
            .platform
            .tg
            .partners_page(&filter, PageRequest::after(None))
            .await?;
        match page.items.as_slice() {
            [] => Ok(Err(format!(
                "no Trading Grid partner has the EDI address `{raw}` (from `{attribute}`)"
            ))),
            [partner] => Ok(Ok(partner.partner_id.as_str().to_owned())),
            several => Ok(Err(format!(
                "{} Trading Grid partners have the EDI address `{raw}`: the supplier's partner is ambiguous",
                several.len()
            ))),
        }
    }

    /// The requirement matrix from xECM; the built-in one is filed there first when none is.
    pub async fn matrix(&self) -> Result<Matrix, OnboardingError> {
        let path = self.config.matrix_path.trim_matches('/');
        let root = self.config.matrix_root;
        let invalid = |reason: String| OnboardingError::Matrix {
            path: path.to_owned(),
            reason,
        };
        if let Some(node) = self.platform.xecm.node_at_path(root, path).await? {
            let download = self.platform.xecm.download_document(node.id).await?;
            let bytes: Vec<u8> = download
                .body
                .try_fold(Vec::new(), |mut all, chunk| async move {
                    all.extend_from_slice(&chunk);
                    Ok::<_, gridlink_xecm::XecmError>(all)
                })
                .await?;
            return Matrix::parse(&bytes).map_err(invalid);
        }
        let builtin = Matrix::builtin();
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        let spec = DocumentSpec {
            name: name.to_owned(),
            description: format!(
                "supplier-onboarding requirement matrix, version {} (add a version with a higher `version` to change it)",
                builtin.version
            ),
            file_name: Some(name.to_owned()),
            mime_type: Some("application/json".into()),
            categories: Vec::new(),
        };
        let filing = Filing::new(
            EffectKey::new("xecm-matrix", format!("builtin-v{}", builtin.version)),
            root,
            folder,
            spec,
        );
        self.platform
            .file_once(&filing, &BytesSource(builtin.to_json().into()))
            .await
            .map_err(OnboardingError::from_xecm_effect)?;
        tracing::info!(
            path,
            version = builtin.version,
            "built-in requirement matrix filed"
        );
        Ok(builtin)
    }
}

/// Applies the master data, the matrix and the partner to the standing, and plans a request
/// cycle for what is missing.
#[allow(clippy::too_many_arguments)]
fn apply(
    s: &mut Standing,
    supplier: &Supplier,
    matrix: &Matrix,
    required: &[String],
    partner: &Result<String, String>,
    on_file: &[RequirementState],
    at: &str,
    due_at: &str,
) {
    if s.requirements.is_empty() && s.history.is_empty() {
        for found in on_file {
            s.requirements.insert(found.kind.clone(), found.clone());
            s.note(
                at,
                &found.kind,
                "on file",
                "imported from the workspace's Requirements",
            );
        }
    }
    let known = s.supplier != Supplier::default();
    let identity = |x: &Supplier| {
        (
            crate::validate::normalise_name(&x.legal_name),
            x.tax_id
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>(),
            x.tax_country.clone(),
        )
    };
    if known && identity(&s.supplier) != identity(supplier) {
        for req in s.requirements.values_mut().filter(|r| is_tax_form(&r.kind)) {
            if req.state != State::Missing {
                supersede(&mut s.superseded, req);
                req.state = State::Missing;
                req.reason = Some(
                    "legal name, tax id or tax country changed: a new tax form is needed".into(),
                );
                req.renewal_steps = 0;
            }
        }
        s.note(
            at,
            "supplier",
            "tax identity changed",
            "tax forms requested again",
        );
    }
    s.supplier = supplier.clone();
    let mut reasked = Vec::new();
    let mut moved = false;
    if let Ok(to) = partner
        && let Some(from) = s.partner_id.clone()
        && from != *to
    {
        reasked = change_partner(s, &from, to, at);
        moved = true;
    }
    for kind in required {
        let entry = s
            .requirements
            .entry(kind.clone())
            .or_insert_with(|| RequirementState {
                kind: kind.clone(),
                ..RequirementState::default()
            });
        if !entry.required && asked(entry.state) && entry.request_id.is_none() {
            // required again, but left asked with nothing open (a standing from before
            // dropped kinds were settled): it stands on its evidence, asked again if none
            settle(entry);
        }
        entry.required = true;
    }
    for (kind, req) in &mut s.requirements {
        if !required.contains(kind) {
            if req.required && supersede(&mut s.superseded, req) {
                // no longer asked for: it stands on the evidence it has, and is asked
                // afresh if it is required again
                settle(req);
                req.reason = Some(format!(
                    "no longer required (matrix version {}): its open request was withdrawn",
                    matrix.version
                ));
            }
            req.required = false;
        }
    }
    reask_superseded(s, at);
    if s.matrix_version != matrix.version {
        s.note(
            at,
            "supplier",
            "matrix applied",
            format!("version {}", matrix.version),
        );
        s.matrix_version = matrix.version;
    }
    match partner {
        Ok(partner) => {
            s.parked = None;
            s.partner_id = Some(partner.clone());
        }
        Err(reason) => {
            if s.parked.as_deref() != Some(reason) {
                s.note(at, "supplier", "parked", reason.clone());
            }
            s.parked = Some(reason.clone());
        }
    }
    if s.parked.is_some() {
        return;
    }
    let missing: Vec<String> = s
        .requirements
        .values()
        .filter(|r| r.required)
        .filter(|r| unasked(r) || reasked.contains(&r.kind))
        .filter(|r| {
            s.planned
                .as_ref()
                .is_none_or(|p| !p.kinds.contains(&r.kind))
        })
        .map(|r| r.kind.clone())
        .collect();
    match &mut s.planned {
        // a plan renumbered for a new partner: not made in TG yet, it takes the rest
        Some(planned) if moved => planned.kinds.extend(missing),
        Some(_) => {}
        None if missing.is_empty() => {}
        None => {
            s.cycles += 1;
            let renewal = missing.iter().all(|k| {
                s.requirements
                    .get(k)
                    .is_some_and(|r| matches!(r.state, State::Expiring | State::Expired))
            });
            s.planned = Some(PlannedRequest {
                cycle: s.cycles,
                kinds: missing,
                due_at: due_at.to_owned(),
                renewal,
            });
        }
    }
}

/// Whether a requirement waits to be asked for: `missing`, or `expiring` — its renewal due
/// (a renewal step took it there) and not yet requested.
fn unasked(r: &RequirementState) -> bool {
    matches!(r.state, State::Missing | State::Expiring)
}

/// Plans a request cycle for the required kinds waiting to be asked for ([`unasked`]) that no
/// plan holds, when none is planned: a renewal that came due while another cycle was
/// planned, or a kind left out of the request made for its plan.
pub(crate) fn plan_unasked(s: &mut Standing, due_at: &str) {
    if s.planned.is_some() || s.parked.is_some() {
        return;
    }
    let kinds: Vec<String> = s
        .requirements
        .values()
        .filter(|r| r.required && unasked(r))
        .map(|r| r.kind.clone())
        .collect();
    if kinds.is_empty() {
        return;
    }
    let renewal = kinds.iter().all(|k| {
        s.requirements
            .get(k)
            .is_some_and(|r| r.state == State::Expiring)
    });
    s.cycles += 1;
    s.planned = Some(PlannedRequest {
        cycle: s.cycles,
        kinds,
        due_at: due_at.to_owned(),
        renewal,
    });
}

/// The supplier's TG partner changed from `from` to `to` (an operator corrected a wrong
/// `Trading Partner ID`): nothing about the supplier may reach `from` again. Every request
/// still asking `from` for something is superseded (and cancelled in TG in this sync: nothing
/// of it is being decided any more), the onboarding thread with `from` is forgotten (`to`
/// gets its own), and a plan not yet made is renumbered so it is made with `to` under a new
/// key. What was asked of `from` is asked of `to` in the next request: a kind not yet
/// delivered, or delivered but not decided, from scratch (`missing`); a renewal as a renewal;
/// an expired document again. The kinds to ask again that are not `missing` are returned.
fn change_partner(s: &mut Standing, from: &str, to: &str, at: &str) -> Vec<String> {
    let mut reasked = Vec::new();
    let mut asked_again = Vec::new();
    for req in s.requirements.values_mut() {
        if !asked(req.state) || req.request_id.is_none() {
            continue;
        }
        let renewal = req.state == State::RenewalRequested
            || (req.document_id.is_some()
                && req.valid_until.is_some()
                && matches!(
                    req.state,
                    State::Submitted | State::InReview | State::Rejected
                ));
        let state = if req.is_expired() {
            State::Expired
        } else if renewal {
            State::Expiring
        } else {
            State::Missing
        };
        supersede(&mut s.superseded, req);
        req.state = state;
        req.lapsed = None;
        req.shown_submission = None;
        req.reason = Some(format!(
            "Trading Partner ID changed from {from} to {to}: asked again of {to}"
        ));
        if req.required {
            asked_again.push(req.kind.clone());
            if state != State::Missing {
                reasked.push(req.kind.clone());
            }
        }
    }
    s.thread = None;
    if let Some(planned) = &mut s.planned {
        // made with `from` under its old key maybe: the new partner is asked under a new one
        s.cycles += 1;
        planned.cycle = s.cycles;
    }
    s.note(
        at,
        "supplier",
        "partner changed",
        format!(
            "from {from} to {to}; {}",
            if asked_again.is_empty() {
                "nothing was open with the former partner".to_owned()
            } else {
                format!("asked again of {to}: {}", asked_again.join(", "))
            }
        ),
    );
    reasked
}

/// Takes a requirement out of the TG request it is asked in, when that request is still open
/// for it: the request joins the superseded ones (to be cancelled), the requirement's item is
/// no longer current — a late submission to it is ignored ([`crate::submission`]).
/// Whether it was.
fn supersede(superseded: &mut Vec<String>, req: &mut RequirementState) -> bool {
    if let (true, Some(request)) = (asked(req.state), req.request_id.take()) {
        if !superseded.contains(&request) {
            superseded.push(request);
        }
        req.item_id = None;
        req.due_at = None;
        req.pending = None;
        req.reset_reminders();
        return true;
    }
    false
}

/// The state of a requirement taken out of its request (no longer asked for anything): the
/// document it has on file, when one is and has not expired, is `accepted` (its renewal to
/// be asked afresh); otherwise it is `missing`. A submission that waited for a buyer's review
/// is no longer reviewed (its request is withdrawn): a buyer's decision on the row then has
/// nothing to apply to, and the row reads the settled state.
fn settle(req: &mut RequirementState) {
    let current = req.document_id.is_some() && !req.is_expired() && req.state != State::Expired;
    req.state = if current {
        State::Accepted
    } else {
        State::Missing
    };
    req.renewal_steps = 0;
    req.lapsed = None;
    req.pending = None;
    req.shown_submission = None;
}

/// Whether a requirement in `state` is still asked in its TG request (its item open there).
fn asked(state: State) -> bool {
    matches!(
        state,
        State::Requested
            | State::Rejected
            | State::Submitted
            | State::InReview
            | State::RenewalRequested
            | State::Expired
    )
}

/// Whether a superseded request can be cancelled now: none of its items is still being
/// decided (submitted, in a buyer's review, a renewal or an expired document asked for) —
/// those stay answerable in TG until decided, and the request is cancelled afterwards.
fn still_deciding(s: &Standing, request: &str) -> bool {
    s.requirements.values().any(|r| {
        r.request_id.as_deref() == Some(request)
            && matches!(
                r.state,
                State::Submitted | State::InReview | State::RenewalRequested | State::Expired
            )
    })
}

/// The superseded requests that can be cancelled now: the other kinds they still ask for
/// (requested or rejected, not yet delivered) go back to `missing`, to be asked again in the
/// next request.
fn reask_superseded(s: &mut Standing, at: &str) {
    let ready: Vec<String> = s
        .superseded
        .iter()
        .filter(|request| !still_deciding(s, request))
        .cloned()
        .collect();
    for request in ready {
        let mut asked_again = Vec::new();
        for req in s.requirements.values_mut() {
            if req.request_id.as_deref() != Some(request.as_str())
                || !matches!(req.state, State::Requested | State::Rejected)
            {
                continue;
            }
            req.request_id = None;
            req.item_id = None;
            req.due_at = None;
            req.reset_reminders();
            if req.required {
                req.state = State::Missing;
                req.reason = Some(format!("asked again: TG request {request} was superseded"));
                asked_again.push(req.kind.clone());
            }
        }
        if !asked_again.is_empty() {
            s.note(
                at,
                "supplier",
                "asked again",
                format!(
                    "{} (TG request {request} superseded)",
                    asked_again.join(", ")
                ),
            );
        }
    }
}

/// The superseded requests that ask for nothing any more: to cancel in TG now.
pub(crate) fn cancellable(s: &Standing) -> Vec<String> {
    s.superseded
        .iter()
        .filter(|request| {
            !s.requirements
                .values()
                .any(|r| r.request_id.as_deref() == Some(request.as_str()) && asked(r.state))
        })
        .cloned()
        .collect()
}
