//! One purchase-order workspace brought up to date: its `PO Exception` rows read, each valid
//! exception published to the supplier's Trading Grid partner (one space per order and
//! partner, one `po_exception` thread per exception, a message per row revision), the
//! buyer's decisions applied, the rows' `Status` and `TG Thread ID` projected, and each
//! exception's timeline filed. Safe to repeat: every effect runs once.
//!
//! Rows that cannot be published are **parked**, never dropped: the row's `Status` reads
//! `Parked: <reason>` (naming the column, or the missing partner), the ledger keeps the
//! exception with the reason, and a warning is logged with the business keys. Fixing the
//! row or the supplier's `Trading Partner ID` publishes it on the next sync.
//!
//! # Format
//! Space: title `PO <po>: exceptions`, `external_ref` `xecm:<workspace id>`, `context`
//! `{"po_number"}`. Thread: kind `po_exception`, subject `PO <po> exception <id>: <type>,
//! line <n>`, `external_ref` `xecm:<workspace id>#<exception id>`. Message (one per row
//! revision): `structured` `{"exception_id","po_number","type","revision","lines":[{"line",
//! "field","expected","actual"}],"allowed_responses":[…]}`, `action_request`
//! `{"kind":"resolve_po_exception","due_at"}`.

use std::collections::BTreeSet;

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_edi::Syntax;
use gridlink_flow::EffectKey;
use gridlink_outbound::{StartedWorkspace, read_started_workspace};
use gridlink_store::{IndexName, LedgerError, NewRecord, Query, RecordId, SortRange};
use gridlink_tgrid::model::{
    ActionRequest, ExternalRef, NewMessage, NewSpace, NewThread, Partner, ThreadKind, ThreadStatus,
};
use gridlink_tgrid::{IdempotencyKey, PartnerId, ThreadId};
use gridlink_xecm::{AttributeValue, BusinessObject, NamedAttributes, NodeId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::PoException;
use crate::error::ExceptionError;
use crate::evidence::Evidence;
use crate::machine::{
    self, Decision, ExceptionRecord, FileRef, State, THREAD_LINK_KIND, TgIds, ThreadLink,
};
use crate::reconciled::{self, Reconciled};
use crate::row::{self, ExceptionRow, RESPONSES, Row, text};
use crate::tolerance;

/// What one sync of an order did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderSync {
    /// The workspace.
    pub workspace_id: i64,
    /// Why nothing was done, when it is not an order with exceptions.
    pub skipped: Option<String>,
    /// The PO number.
    pub po_number: Option<String>,
    /// Exceptions published (or republished) in this sync: `<exception id>@<revision>`.
    pub published: Vec<String>,
    /// Rows parked, with the reason.
    pub parked: Vec<String>,
    /// Decisions applied: `<exception id>: <state>`.
    pub decided: Vec<String>,
    /// Exceptions withdrawn because their row was removed.
    pub withdrawn: Vec<String>,
}

/// The order's supplier on Trading Grid: the partner, the EDI address the supplier
/// workspace names, and the syntax order changes go in.
#[derive(Debug, Clone)]
struct Supplier {
    partner: Partner,
    address: String,
    syntax: Syntax,
}

/// The syntax of a supplier's order changes: EDIFACT when the first X12-or-EDIFACT value of
/// its `EDI Standards` is `EDIFACT`, else X12.
fn edi_syntax(values: &NamedAttributes) -> Syntax {
    let listed: Vec<String> = match values.get("EDI Standards") {
        Some(AttributeValue::Multi(items)) => items
            .iter()
            .filter_map(|v| match v {
                AttributeValue::Text(t) => Some(t.trim().to_ascii_uppercase()),
                _ => None,
            })
            .collect(),
        Some(AttributeValue::Text(t)) => vec![t.trim().to_ascii_uppercase()],
        _ => Vec::new(),
    };
    match listed.iter().find(|s| *s == "X12" || *s == "EDIFACT") {
        Some(s) if s == "EDIFACT" => Syntax::Edifact,
        _ => Syntax::X12,
    }
}

/// `X12` or `EDIFACT`.
pub(crate) fn syntax_name(syntax: Syntax) -> &'static str {
    match syntax {
        Syntax::X12 => "X12",
        Syntax::Edifact => "EDIFACT",
    }
}

/// The space and thread of one exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Opened {
    space_id: String,
    thread_id: String,
}

/// A posted message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Posted {
    pub(crate) message_id: String,
}

pub(crate) fn idempotency_key(text: &str) -> Result<IdempotencyKey, ExceptionError> {
    IdempotencyKey::parse(text).map_err(|e| ExceptionError::malformed(text, e))
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// The field a type of exception is about.
fn field_of(kind: &str) -> &str {
    match kind {
        "price" => "unit_price",
        "quantity" => "quantity",
        "date" => "delivery_date",
        other => other,
    }
}

impl PoException {
    /// Brings one order workspace's exceptions up to date (see the module docs).
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace_id))]
    pub async fn sync_order(&self, workspace_id: NodeId) -> Result<OrderSync, ExceptionError> {
        let ws = workspace_id.get();
        let mut sync = OrderSync {
            workspace_id: ws,
            ..OrderSync::default()
        };
        let order = match read_started_workspace(
            self.platform.xecm.as_ref(),
            workspace_id,
            self.config.workspace_type,
            self.config.order_category,
            "purchase-order",
            "order",
        )
        .await?
        {
            StartedWorkspace::Found { values, .. } => values,
            StartedWorkspace::Skipped(reason) => {
                sync.skipped = Some(reason);
                return Ok(sync);
            }
        };
        let reconciled = match text(&order, "PO Number") {
            Some(po) => self.reconciled(workspace_id, &order, &po).await?,
            None => None,
        };
        let finds = reconciled.as_ref().is_some_and(|r| !r.found.is_empty());
        let values = match self
            .platform
            .xecm
            .read_attributes(workspace_id, self.config.exception_category)
            .await
        {
            Ok(values) => values,
            // The category is applied with the first row reconciliation writes.
            Err(error) if error.is_category_absent() && finds => NamedAttributes::new(),
            Err(error) if error.is_category_absent() => {
                sync.skipped = Some("no PO Exception category".into());
                return Ok(sync);
            }
            Err(error) => return Err(error.into()),
        };
        let mut rows = row::rows(&values, &self.config.exception_set);
        if let Some(merged) = reconciled
            .as_ref()
            .and_then(|r| reconciled::merged(&rows, r))
        {
            rows = self
                .write_reconciled(workspace_id, merged, &mut sync)
                .await?
                .unwrap_or(rows);
        }
        if rows.iter().all(|r| row::read(&r.values) == Row::Empty) {
            // Every row removed: the exceptions still open on the order are withdrawn.
            self.withdraw_removed(ws, &BTreeSet::new(), &mut sync)
                .await?;
            sync.skipped = Some("no exception rows".into());
            return Ok(sync);
        }
        let Some(po_number) = text(&order, "PO Number") else {
            tracing::warn!("an order workspace with exception rows has no PO Number; parked");
            let statuses = rows
                .iter()
                .map(|r| {
                    (
                        r.index,
                        Some("Parked: the order has no `PO Number`".into()),
                        None,
                    )
                })
                .collect();
            self.project(workspace_id, &rows, statuses).await?;
            sync.parked.push("the order has no `PO Number`".into());
            return Ok(sync);
        };
        sync.po_number = Some(po_number.clone());
        gridlink_flow::timeline::about("po", &po_number);
        let partner = self.partner_of(&order).await?;
        let mut statuses = Vec::new();
        let mut present = BTreeSet::new();
        for raw in &rows {
            let row_status = text(&raw.values, "Status");
            let read = row::read(&raw.values);
            if let Row::Valid(valid) = &read {
                present.insert(valid.exception_id.clone());
            } else if let Row::Invalid {
                exception_id: Some(id),
                ..
            } = &read
            {
                present.insert(id.clone());
            }
            let (exception_id, result) = match read {
                Row::Empty => continue,
                Row::Invalid {
                    exception_id: None,
                    reason,
                } => {
                    tracing::warn!(po_number = %po_number, row = raw.index + 1, %reason, "exception row parked");
                    sync.parked.push(format!("row {}: {reason}", raw.index + 1));
                    statuses.push((raw.index, Some(format!("Parked: {reason}")), None));
                    continue;
                }
                Row::Invalid {
                    exception_id: Some(id),
                    reason,
                } => (id, Err(reason)),
                Row::Valid(valid) => {
                    let id = valid.exception_id.clone();
                    match &partner {
                        Ok(supplier) => (
                            id,
                            Ok((
                                valid,
                                supplier.partner.partner_id.as_str().to_owned(),
                                supplier.partner.name.clone(),
                            )),
                        ),
                        // An exception published before keeps its partner.
                        Err(reason) => match machine::get(
                            self.platform.ledger.as_ref(),
                            &machine::key(ws, &id),
                        )
                        .await?
                        .and_then(|r| Some((r.partner_id?, r.partner_name.unwrap_or_default())))
                        {
                            Some((partner_id, name)) => (id, Ok((valid, partner_id, name))),
                            None => (id, Err(reason.clone())),
                        },
                    }
                }
            };
            // Each exception's work is about its own keys (a timeline scope of its own).
            let record = gridlink_flow::timeline::item(async {
                machine::about(&po_number, &exception_id);
                let record = match result {
                    Err(reason) => {
                        let record = self.park(ws, &po_number, &exception_id, &reason).await?;
                        sync.parked.push(format!("{exception_id}: {reason}"));
                        record
                    }
                    Ok((valid, partner_id, partner_name)) => {
                        let edi = partner.as_ref().ok().map(|s| (s.address.clone(), s.syntax));
                        let finding = Finding::of(&valid.exception_id, reconciled.as_ref());
                        self.advance(
                            ws,
                            &po_number,
                            &valid,
                            (&partner_id, &partner_name, edi),
                            (row_status.as_deref(), &finding),
                            &mut sync,
                        )
                        .await?
                    }
                };
                self.file_timeline(&record).await?;
                Ok::<_, ExceptionError>(record)
            })
            .await?;
            statuses.push((
                raw.index,
                Some(record.status_text()),
                record.thread_id.clone(),
            ));
        }
        let changed = self.project(workspace_id, &rows, statuses).await?;
        for (exception_id, status) in changed {
            self.note_projection(ws, &exception_id, &status).await?;
        }
        self.withdraw_removed(ws, &present, &mut sync).await?;
        Ok(sync)
    }

    /// Withdraws the exceptions still open on order `ws` whose row the buyer removed (their
    /// id is not among `present`): the partner's thread is closed, the timeline says why,
    /// and the deadline sweep no longer chases the partner. Once each.
    async fn withdraw_removed(
        &self,
        ws: i64,
        present: &BTreeSet<String>,
        sync: &mut OrderSync,
    ) -> Result<(), ExceptionError> {
        let open = self
            .platform
            .ledger
            .query(
                Query::partition(IndexName::One, machine::OPEN_EXCEPTIONS)
                    .range(SortRange::Prefix(format!("{ws}#"))),
            )
            .await?;
        for stored in open {
            let record: ExceptionRecord = serde_json::from_value(stored.data)
                .map_err(|e| ExceptionError::malformed(stored.id.to_string(), e))?;
            if record.workspace_id != ws || present.contains(&record.exception_id) {
                continue;
            }
            gridlink_flow::timeline::item(async {
                record.about();
                let at = rfc3339(self.platform.clock.now());
                let (record, changed) =
                    machine::change(self.platform.ledger.as_ref(), &record, |r| {
                        r.state.open()
                            && r.transition(
                                State::Withdrawn,
                                &at,
                                "gridlink",
                                "withdrawn: its row was removed from the order",
                                "row-removed",
                                TgIds::default(),
                                Vec::new(),
                            )
                    })
                    .await?;
                if changed {
                    tracing::info!(
                        workspace_id = ws,
                        po_number = %record.po_number,
                        exception_id = %record.exception_id,
                        partner_id = ?record.partner_id,
                        "exception withdrawn: its row was removed"
                    );
                    sync.withdrawn.push(record.exception_id.clone());
                }
                self.settle(&record).await?;
                self.file_timeline(&record).await?;
                Ok::<_, ExceptionError>(())
            })
            .await?;
        }
        Ok(())
    }

    /// The supplier's Trading Grid partner, or why there is none.
    async fn partner_of(
        &self,
        order: &NamedAttributes,
    ) -> Result<Result<Supplier, String>, ExceptionError> {
        let Some(supplier) = text(order, "Supplier Number") else {
            return Ok(Err("the order has no `Supplier Number`".into()));
        };
        let Ok(bo) = BusinessObject::new(
            &self.config.supplier_bo_system,
            &self.config.supplier_bo_type,
            &supplier,
        ) else {
            return Ok(Err(format!("supplier number {supplier:?} is not valid")));
        };
        let Some(supplier_ws) = self
            .platform
            .xecm
            .find_workspace_by_business_object(&bo)
            .await?
        else {
            return Ok(Err(format!(
                "no supplier workspace for supplier {supplier}"
            )));
        };
        let values = match self
            .platform
            .xecm
            .read_attributes(supplier_ws.id, self.config.supplier_category)
            .await
        {
            Ok(values) => values,
            Err(error) if error.is_category_absent() => NamedAttributes::new(),
            Err(error) => return Err(error.into()),
        };
        let Some(address) = text(&values, &self.config.supplier_partner_attribute) else {
            return Ok(Err(format!(
                "supplier {supplier} has no `{}`",
                self.config.supplier_partner_attribute
            )));
        };
        let syntax = edi_syntax(&values);
        // The one partner the configured id names: a qualified id exactly, an unqualified one
        // only when TG holds it under one address (never the first of several partners).
        Ok(
            match gridlink_inbound::correlate::addressee(&self.platform, &address).await? {
                gridlink_inbound::correlate::Addressee::One { partner, address } => Ok(Supplier {
                    partner: *partner,
                    address: format!("{}:{}", address.qualifier, address.id),
                    syntax,
                }),
                gridlink_inbound::correlate::Addressee::Nobody => Err(format!(
                    "supplier {supplier} ({address}) is no Trading Grid partner"
                )),
                gridlink_inbound::correlate::Addressee::Ambiguous(holders) => Err(format!(
                    "supplier {supplier}'s `{}` {address} is ambiguous: Trading Grid holds {}; qualify it (QUALIFIER:ID)",
                    self.config.supplier_partner_attribute,
                    holders.join(", ")
                )),
            },
        )
    }

    /// Records an exception as parked with `reason` (once per reason).
    async fn park(
        &self,
        ws: i64,
        po_number: &str,
        exception_id: &str,
        reason: &str,
    ) -> Result<ExceptionRecord, ExceptionError> {
        let at = rfc3339(self.platform.clock.now());
        let fresh = ExceptionRecord::new(ws, po_number, exception_id);
        let (record, changed) = machine::change(self.platform.ledger.as_ref(), &fresh, |r| {
            if !r.state.open()
                || (r.state == State::Parked && r.parked_reason.as_deref() == Some(reason))
            {
                return false;
            }
            r.parked_reason = Some(reason.to_owned());
            r.transition(
                State::Parked,
                &at,
                "gridlink",
                format!("parked: {reason}"),
                format!("parked:{}:{reason}", r.history.len()),
                TgIds::default(),
                Vec::new(),
            )
        })
        .await?;
        if changed {
            tracing::warn!(po_number, exception_id, %reason, "exception parked");
        }
        Ok(record)
    }

    /// Moves one valid exception on: published (again, for a new row revision), the buyer's
    /// decision applied, pending Trading Grid effects finished.
    #[tracing::instrument(skip_all, fields(po_number = %po_number, exception_id = %row.exception_id, partner_id = %partner.0))]
    async fn advance(
        &self,
        ws: i64,
        po_number: &str,
        row: &ExceptionRow,
        partner: (&str, &str, Option<(String, Syntax)>),
        (row_status, finding): (Option<&str>, &Finding),
        sync: &mut OrderSync,
    ) -> Result<ExceptionRecord, ExceptionError> {
        let ledger = self.platform.ledger.as_ref();
        let now = self.platform.clock.now();
        let at = rfc3339(now);
        let fresh = ExceptionRecord::new(ws, po_number, &row.exception_id);
        let partner_id = partner.0.to_owned();
        let (mut record, _) = machine::change(ledger, &fresh, |r| {
            let mut changed = false;
            if r.row.as_ref() != Some(row) {
                r.row = Some(row.clone());
                changed = true;
            }
            if r.partner_id.is_none() {
                r.partner_id = Some(partner_id.clone());
                r.partner_name = Some(partner.1.to_owned());
                changed = true;
            }
            if let Some((address, syntax)) = &partner.2
                && r.partner_id.as_deref() == Some(partner_id.as_str())
                && (r.partner_address.as_deref() != Some(address.as_str())
                    || r.partner_syntax.as_deref() != Some(syntax_name(*syntax)))
            {
                r.partner_address = Some(address.clone());
                r.partner_syntax = Some(syntax_name(*syntax).to_owned());
                changed = true;
            }
            if r.history.is_empty() {
                changed |= r.transition(
                    State::Detected,
                    &at,
                    "xecm",
                    format!("detected: {} exception on line {}", row.kind, row.line),
                    "detected",
                    TgIds::default(),
                    Vec::new(),
                );
            } else if r.state == State::Parked {
                r.parked_reason = None;
                let back = if r.published_revision.as_deref() == Some(&row.revision) {
                    State::AwaitingSupplier
                } else {
                    State::Detected
                };
                changed |= r.transition(
                    back,
                    &at,
                    "xecm",
                    "row fixed; no longer parked",
                    format!("unparked:{}", r.history.len()),
                    TgIds::default(),
                    Vec::new(),
                );
            }
            if r.due_revision.as_deref() != Some(&row.revision) {
                let names = partner_names(&partner, r);
                let default = self.config.response_due.for_exception(&names, &row.kind);
                r.due_at = Some(planned_due(row, now, default));
                r.due_revision = Some(row.revision.clone());
                r.due_round = 0;
                changed = true;
            }
            changed
        })
        .await?;
        if record.partner_id.as_deref() != Some(partner_id.as_str()) {
            // The order's supplier moved to another partner: the old thread stays theirs.
            tracing::warn!(recorded = ?record.partner_id, "the order's partner changed; the exception stays with its first partner");
        }
        if let Finding::Gone { reason, report } = finding {
            if record.state.open() {
                record = self
                    .resolve_automatically(&record, "reconciliation", reason, report.clone())
                    .await?;
                sync.decided
                    .push(format!("{}: {}", row.exception_id, record.state.label()));
            }
            self.settle(&record).await?;
            return Ok(record);
        }
        if matches!(finding, Finding::Present { .. })
            && record.state == State::Resolved
            && record.auto_resolved.as_deref() == Some("reconciliation")
        {
            record = self
                .reopen(&record, "reopened: the re-reconciliation finds it again")
                .await?;
        }
        record = self.apply_tolerance(&record, row, &partner, sync).await?;
        if !record.state.open() {
            self.settle(&record).await?;
            return Ok(record);
        }
        let change_out = matches!(record.state, State::ChangeRequested | State::ChangeSent);
        if change_out && record.published_revision.as_deref() != Some(&row.revision) {
            // The row was edited while its order change is out: published again once the
            // partner has answered the change (republishing now would drop the change).
            tracing::info!(revision = %row.revision, state = record.state.label(), "row edited while the order change is out; republished after the partner's answer");
        }
        if !change_out && record.published_revision.as_deref() != Some(&row.revision) {
            let report = match finding {
                Finding::Present { report } => report.as_ref(),
                _ => None,
            };
            let evidence = match self
                .evidence(NodeId::new(ws)?, &row.evidence, report)
                .await?
            {
                Ok(evidence) => evidence,
                Err(reason) => {
                    sync.parked.push(format!("{}: {reason}", row.exception_id));
                    return self.park(ws, po_number, &row.exception_id, &reason).await;
                }
            };
            let opened = self.open_thread(&record, row).await?;
            record = self.publish(&record, row, &opened, evidence).await?;
            sync.published
                .push(format!("{}@{}", row.exception_id, row.revision));
        }
        if let Some(status) = row_status
            && record.projected_status.as_deref() != Some(status)
            && let Some(decision) = Decision::read(status)
        {
            let (decided, changed) = self.decide(&record, decision, row).await?;
            if changed {
                sync.decided
                    .push(format!("{}: {}", row.exception_id, decided.state.label()));
            }
            record = decided;
        }
        if record.state == State::ChangeRequested {
            record = match self.send_change(&record).await {
                Ok(sent) => sent,
                Err(ExceptionError::Malformed { reason, .. }) => {
                    let reason = format!("the change order cannot be written: {reason}");
                    self.park(ws, po_number, &row.exception_id, &reason).await?
                }
                Err(error) => return Err(error),
            };
        }
        self.settle(&record).await?;
        Ok(record)
    }

    /// The exception's space (per order and partner) and thread, each opened once, linked
    /// both ways.
    async fn open_thread(
        &self,
        record: &ExceptionRecord,
        row: &ExceptionRow,
    ) -> Result<Opened, ExceptionError> {
        let ws = record.workspace_id;
        let partner = record.partner_id.clone().unwrap_or_default();
        let tg = self.platform.tg.clone();
        let po = record.po_number.clone();
        let space = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-pox-space", format!("{ws}/{partner}")),
                None,
                |k| async move {
                    let space = tg
                        .open_space(
                            &idempotency_key(&k)?,
                            &NewSpace {
                                partner_id: PartnerId::new(&partner),
                                title: format!("PO {po}: exceptions"),
                                external_ref: Some(ExternalRef::new("xecm", ws.to_string())),
                                context: Some(json!({"po_number": po, "workspace_id": ws})),
                            },
                        )
                        .await?;
                    Ok::<_, ExceptionError>(space.space_id.as_str().to_owned())
                },
            )
            .await
            .map_err(ExceptionError::from_effect)?
            .into_inner();
        let tg = self.platform.tg.clone();
        let subject = format!(
            "PO {} exception {}: {}, line {}",
            record.po_number, record.exception_id, row.kind, row.line
        );
        let reference = ExternalRef::new("xecm", format!("{ws}#{}", record.exception_id));
        let space_id = space.clone();
        let opened = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-pox-thread", record.key()),
                None,
                |k| async move {
                    let thread = tg
                        .open_thread(
                            &idempotency_key(&k)?,
                            &gridlink_tgrid::SpaceId::new(&space_id),
                            &NewThread {
                                subject,
                                kind: ThreadKind::PoException,
                                external_ref: Some(reference),
                            },
                        )
                        .await?;
                    Ok::<_, ExceptionError>(Opened {
                        space_id,
                        thread_id: thread.thread_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(ExceptionError::from_effect)?
            .into_inner();
        let link = ThreadLink {
            workspace_id: ws,
            exception_id: record.exception_id.clone(),
            partner_id: record.partner_id.clone().unwrap_or_default(),
            space_id: opened.space_id.clone(),
        };
        let data = serde_json::to_value(&link)
            .map_err(|e| ExceptionError::malformed(opened.thread_id.clone(), e))?;
        match self
            .platform
            .ledger
            .create(NewRecord::new(
                RecordId::new(THREAD_LINK_KIND, &opened.thread_id)?,
                "LINKED",
                data,
            ))
            .await
        {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        if record.thread_id.as_deref() != Some(&opened.thread_id) {
            let fresh = record.clone();
            let (space_id, thread_id) = (opened.space_id.clone(), opened.thread_id.clone());
            machine::change(self.platform.ledger.as_ref(), &fresh, |r| {
                if r.thread_id.as_deref() == Some(&thread_id) {
                    return false;
                }
                r.space_id = Some(space_id.clone());
                r.thread_id = Some(thread_id.clone());
                true
            })
            .await?;
        }
        Ok(opened)
    }

    /// Posts the row's revision to the thread (once per revision) and moves the exception to
    /// awaiting the supplier.
    async fn publish(
        &self,
        record: &ExceptionRecord,
        row: &ExceptionRow,
        opened: &Opened,
        evidence: Vec<Evidence>,
    ) -> Result<ExceptionRecord, ExceptionError> {
        let files = self.upload_evidence(record, evidence).await?;
        let attachment_ids: Vec<String> = files
            .iter()
            .filter_map(|f| f.attachment_id.clone())
            .collect();
        let due = record
            .due_at
            .as_deref()
            .and_then(parse_time)
            .unwrap_or_else(|| {
                let names: Vec<&str> = [&record.partner_id, &record.partner_address]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                self.platform.clock.now()
                    + self.config.response_due.for_exception(&names, &row.kind)
            });
        let republish = record.published_revision.is_some();
        let message = NewMessage {
            body: format!(
                "{}PO {} {}: {} exception {}. Expected {}, actual {}. Please respond by {} with one of: {}.",
                if republish { "Revised: " } else { "" },
                record.po_number,
                if row.line > 0 {
                    format!("line {}", row.line)
                } else {
                    "(whole order)".to_owned()
                },
                row.kind,
                row.exception_id,
                if row.expected.is_empty() {
                    "—"
                } else {
                    &row.expected
                },
                if row.actual.is_empty() {
                    "—"
                } else {
                    &row.actual
                },
                due.date(),
                RESPONSES.join(", ")
            ),
            attachment_ids: attachment_ids
                .iter()
                .map(gridlink_tgrid::AttachmentId::new)
                .collect(),
            structured: Some(json!({
                "exception_id": row.exception_id,
                "po_number": record.po_number,
                "type": row.kind,
                "evidence": files.iter().map(|f| json!({"name": f.name, "sha256": f.sha256})).collect::<Vec<_>>(),
                "revision": row.revision,
                "source": if reconciled::is_reconciled(&row.exception_id) {
                    "reconciliation"
                } else {
                    "exception_row"
                },
                "lines": [{
                    "line": (row.line > 0).then_some(row.line),
                    "field": field_of(&row.kind),
                    "expected": row.expected,
                    "actual": row.actual,
                }],
                "allowed_responses": RESPONSES,
            })),
            action_request: Some(ActionRequest {
                kind: "resolve_po_exception".into(),
                due_at: Some(due),
            }),
        };
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&opened.thread_id);
        let posted = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-pox-publish", publish_key(record, &row.revision)),
                None,
                |k| async move {
                    let posted = tg
                        .post_message(&idempotency_key(&k)?, &thread, &message)
                        .await?;
                    Ok::<_, ExceptionError>(Posted {
                        message_id: posted.message_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(ExceptionError::from_effect)?;
        if posted.ran_now() {
            tracing::info!(revision = %row.revision, republish, "exception published to the partner");
        }
        let message_id = posted.into_inner().message_id;
        let at = rfc3339(self.platform.clock.now());
        let revision = row.revision.clone();
        let tg_ids = TgIds {
            space_id: Some(opened.space_id.clone()),
            thread_id: Some(opened.thread_id.clone()),
            message_id: Some(message_id),
            attachment_ids,
            ..TgIds::default()
        };
        let due_text = rfc3339(due);
        let (record, _) = machine::change(self.platform.ledger.as_ref(), record, |r| {
            if r.published_revision.as_deref() == Some(&revision) {
                return false;
            }
            let tag = if r.reopened == 0 {
                revision.clone()
            } else {
                format!("{revision}/r{}", r.reopened)
            };
            // Never published before, yet past Detected / Parked: the partner answered this
            // very publication before it was recorded here (a crash between the post and this
            // write) — the answer stands; the publication is recorded without moving back.
            let answered_already = r.published_revision.is_none()
                && !matches!(r.state, State::Detected | State::Parked);
            r.published_revision = Some(revision.clone());
            if answered_already {
                let state = r.state;
                return r.transition(
                    state,
                    &at,
                    "gridlink",
                    format!(
                        "published, due {due_text} (recorded late: the partner had answered it already)"
                    ),
                    format!("publish:{tag}"),
                    tg_ids.clone(),
                    files.clone(),
                );
            }
            r.transition(
                State::Published,
                &at,
                "gridlink",
                if republish {
                    format!("republished (row revision {revision}), due {due_text}")
                } else {
                    format!("published, due {due_text}")
                },
                format!("publish:{tag}"),
                tg_ids.clone(),
                files.clone(),
            );
            r.transition(
                State::AwaitingSupplier,
                &at,
                "gridlink",
                "awaiting supplier",
                format!("await:{tag}"),
                TgIds::default(),
                Vec::new(),
            );
            true
        })
        .await?;
        Ok(record)
    }

    /// Resolves an open exception without a person deciding (`why`: `reconciliation`,
    /// `tolerance:<revision>`), with the timeline's sentence `event` and the file that
    /// shows it; once.
    pub(crate) async fn resolve_automatically(
        &self,
        record: &ExceptionRecord,
        why: &str,
        event: &str,
        evidence: Option<FileRef>,
    ) -> Result<ExceptionRecord, ExceptionError> {
        let at = rfc3339(self.platform.clock.now());
        let (record, changed) = machine::change(self.platform.ledger.as_ref(), record, |r| {
            if !r.state.open() {
                return false;
            }
            r.auto_resolved = Some(why.to_owned());
            let tg = TgIds {
                thread_id: r.thread_id.clone(),
                ..TgIds::default()
            };
            let cause = format!("auto-resolved:{}", r.history.len());
            r.transition(
                State::Resolved,
                &at,
                "gridlink",
                event,
                cause,
                tg,
                evidence.clone().into_iter().collect(),
            )
        })
        .await?;
        if changed {
            tracing::info!(reason = why, "exception resolved automatically: {event}");
        }
        Ok(record)
    }

    /// The partner's auto-accept tolerance ([`crate::tolerance`]) applied to the row's
    /// revision, once: inside it, an open exception not yet published at this revision is
    /// resolved (timeline entry saying why); outside it, one auto-accepted at an earlier
    /// revision is reopened (and then published).
    async fn apply_tolerance(
        &self,
        record: &ExceptionRecord,
        row: &ExceptionRow,
        partner: &(&str, &str, Option<(String, Syntax)>),
        sync: &mut OrderSync,
    ) -> Result<ExceptionRecord, ExceptionError> {
        if self.config.tolerances.is_empty() {
            return Ok(record.clone());
        }
        let limits = self
            .config
            .tolerances
            .for_partner(&partner_names(partner, record));
        let inside = tolerance::within(&limits, &row.kind, &row.expected, &row.actual);
        let this_revision = format!("tolerance:{}", row.revision);
        match inside {
            None if record.state == State::Resolved
                && record
                    .auto_resolved
                    .as_deref()
                    .is_some_and(|w| w.starts_with("tolerance:") && w != this_revision) =>
            {
                let event = format!(
                    "reopened: row revision {} (expected {}, actual {}) is outside the partner's tolerance",
                    row.revision, row.expected, row.actual
                );
                self.reopen(record, &event).await
            }
            Some(why)
                if record.state.open()
                    && !matches!(
                        record.state,
                        State::ChangeRequested | State::ChangeSent | State::ChangeAcknowledged
                    )
                    && record.published_revision.as_deref() != Some(&row.revision) =>
            {
                let resolved = self
                    .resolve_automatically(record, &this_revision, &why, None)
                    .await?;
                sync.decided
                    .push(format!("{}: {}", row.exception_id, resolved.state.label()));
                Ok(resolved)
            }
            _ => Ok(record.clone()),
        }
    }

    /// Reopens an exception resolved automatically whose reason no longer holds; it is
    /// published anew (its thread reopened first).
    pub(crate) async fn reopen(
        &self,
        record: &ExceptionRecord,
        event: &str,
    ) -> Result<ExceptionRecord, ExceptionError> {
        let at = rfc3339(self.platform.clock.now());
        let (record, changed) = machine::change(self.platform.ledger.as_ref(), record, |r| {
            if r.state != State::Resolved || r.auto_resolved.is_none() {
                return false;
            }
            r.auto_resolved = None;
            r.published_revision = None;
            r.reopened += 1;
            let cause = format!("reopened:{}", r.history.len());
            r.transition(
                State::Detected,
                &at,
                "gridlink",
                event,
                cause,
                TgIds::default(),
                Vec::new(),
            )
        })
        .await?;
        if changed {
            tracing::info!(reopened = record.reopened, "exception reopened: {event}");
        }
        if let Some(thread_id) = record.thread_id.clone() {
            let tg = self.platform.tg.clone();
            self.platform
                .effects
                .once(
                    &EffectKey::new(
                        "tg-pox-thread-status",
                        format!("{}/reopen{}", record.key(), record.reopened),
                    ),
                    None,
                    |_| async move {
                        tg.set_thread_status(&ThreadId::new(&thread_id), ThreadStatus::Open)
                            .await?;
                        Ok::<_, ExceptionError>(json!({"status": ThreadStatus::Open}))
                    },
                )
                .await
                .map_err(ExceptionError::from_effect)?;
        }
        Ok(record)
    }

    /// Writes the rows reconciliation found into the set; the rows as they read afterwards,
    /// or `None` (the old rows go on) when xECM refuses them — a full set, say — which is
    /// logged and reported as parked, never failing the order's other exceptions.
    async fn write_reconciled(
        &self,
        workspace: NodeId,
        merged: Vec<NamedAttributes>,
        sync: &mut OrderSync,
    ) -> Result<Option<Vec<row::RawRow>>, ExceptionError> {
        let mut values = NamedAttributes::new();
        values.insert(
            self.config.exception_set.clone(),
            AttributeValue::Rows(merged),
        );
        match self
            .platform
            .xecm
            .write_attributes(workspace, self.config.exception_category, &values)
            .await
        {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::BadRequest => {
                tracing::warn!(error = %error, "the reconciliation's exceptions cannot be written into the exception set");
                sync.parked.push(format!(
                    "the reconciliation's exceptions cannot be written: {error}"
                ));
                return Ok(None);
            }
            Err(error) => return Err(error.into()),
        }
        tracing::info!("the reconciliation's exceptions written into the exception set");
        let values = self
            .platform
            .xecm
            .read_attributes(workspace, self.config.exception_category)
            .await?;
        Ok(Some(row::rows(&values, &self.config.exception_set)))
    }

    /// The deadline when the supplier is asked again at `now` (its answer or a change
    /// rejected): the row's own `Response Due` while it is still ahead, else the hours
    /// configured for the exception's type and partner from now.
    pub(crate) fn due_again(&self, record: &ExceptionRecord, now: OffsetDateTime) -> String {
        let names: Vec<&str> = [&record.partner_id, &record.partner_address]
            .into_iter()
            .filter_map(|n| n.as_deref())
            .collect();
        let kind = record.row.as_ref().map_or("*", |r| r.kind.as_str());
        let default = self.config.response_due.for_exception(&names, kind);
        record
            .row
            .as_ref()
            .map(|row| planned_due(row, now, default))
            .and_then(|due| parse_time(&due))
            .filter(|due| *due > now)
            .map_or_else(|| rfc3339(now + default), rfc3339)
    }

    /// Applies the buyer's decision from the row's `Status`.
    async fn decide(
        &self,
        record: &ExceptionRecord,
        decision: Decision,
        row: &ExceptionRow,
    ) -> Result<(ExceptionRecord, bool), ExceptionError> {
        let now = self.platform.clock.now();
        let at = rfc3339(now);
        let due_again = self.due_again(record, now);
        let actor = match row.owner {
            Some(user) => format!("xecm:user {user}"),
            None => "xecm:buyer".to_owned(),
        };
        let (record, changed) = machine::change(self.platform.ledger.as_ref(), record, |r| {
            let n = r.history.len();
            let tg = TgIds {
                thread_id: r.thread_id.clone(),
                ..TgIds::default()
            };
            let step = |r: &mut ExceptionRecord, state: State, event: &str, cause: &str| {
                r.transition(
                    state,
                    &at,
                    &actor,
                    event,
                    format!("{cause}:{n}"),
                    tg.clone(),
                    Vec::new(),
                )
            };
            match (decision, r.state) {
                (_, State::Parked | State::Detected) => false,
                (Decision::Review, State::SupplierResponded) => {
                    step(r, State::UnderReview, "under review", "review")
                }
                (Decision::Accept, s) if s.open() => {
                    step(r, State::Accepted, "accepted by the buyer", "accept");
                    step(r, State::Resolved, "resolved", "resolve")
                }
                (Decision::Reject, State::SupplierResponded | State::UnderReview) => {
                    step(r, State::Rejected, "answer rejected by the buyer", "reject");
                    let asked = step(
                        r,
                        State::AwaitingSupplier,
                        &format!("awaiting supplier (asked again, due {due_again})"),
                        "reject-await",
                    );
                    if asked {
                        r.restart_clock(due_again.clone());
                    }
                    asked
                }
                (
                    Decision::ChangeOrder,
                    State::AwaitingSupplier
                    | State::SupplierResponded
                    | State::UnderReview
                    | State::Escalated,
                ) => step(
                    r,
                    State::ChangeRequested,
                    "change order decided by the buyer",
                    "change",
                ),
                (Decision::Withdraw, s) if s.open() => {
                    step(r, State::Withdrawn, "withdrawn by the buyer", "withdraw")
                }
                _ => false,
            }
        })
        .await?;
        if changed {
            tracing::info!(
                state = record.state.label(),
                ?decision,
                "buyer decision applied"
            );
        } else {
            tracing::info!(
                status = ?decision,
                state = record.state.label(),
                "the row's Status names a decision that does not apply in this state; ignored"
            );
        }
        Ok((record, changed))
    }

    /// Finishes the Trading Grid effect the exception's last transition calls for: the
    /// thread resolved or closed, the partner told of a rejection. Each once.
    pub(crate) async fn settle(&self, record: &ExceptionRecord) -> Result<(), ExceptionError> {
        if record.state == State::ChangeRequested {
            self.send_change(record).await?;
            return Ok(());
        }
        let (Some(last), Some(thread_id)) = (record.history.last(), record.thread_id.clone())
        else {
            return Ok(());
        };
        let key = format!("{}/{}", record.key(), last.seq);
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&thread_id);
        match last.state {
            State::Resolved | State::Withdrawn => {
                let status = if last.state == State::Resolved {
                    ThreadStatus::Resolved
                } else {
                    ThreadStatus::Closed
                };
                self.platform
                    .effects
                    .once(
                        &EffectKey::new("tg-pox-thread-status", key),
                        None,
                        |_| async move {
                            tg.set_thread_status(&thread, status).await?;
                            Ok::<_, ExceptionError>(json!({"status": status}))
                        },
                    )
                    .await
                    .map_err(ExceptionError::from_effect)?;
            }
            State::AwaitingSupplier if last.cause.starts_with("reject-await:") => {
                let due = record.due_at.as_deref().and_then(parse_time);
                let message = NewMessage {
                    body: format!(
                        "Your answer to exception {} on PO {} was not accepted. Please respond again.",
                        record.exception_id, record.po_number
                    ),
                    attachment_ids: Vec::new(),
                    structured: Some(json!({
                        "exception_id": record.exception_id,
                        "po_number": record.po_number,
                        "decision": "rejected",
                        "allowed_responses": RESPONSES,
                    })),
                    action_request: Some(ActionRequest {
                        kind: "resolve_po_exception".into(),
                        due_at: due,
                    }),
                };
                self.platform
                    .effects
                    .once(
                        &EffectKey::new("tg-pox-decision", key),
                        None,
                        |k| async move {
                            let posted = tg
                                .post_message(&idempotency_key(&k)?, &thread, &message)
                                .await?;
                            Ok::<_, ExceptionError>(Posted {
                                message_id: posted.message_id.as_str().to_owned(),
                            })
                        },
                    )
                    .await
                    .map_err(ExceptionError::from_effect)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes each row's `Status` and `TG Thread ID` where they differ from what it shows
    /// (only those two columns: the buyer's columns are left as they are); the exceptions
    /// whose status was written.
    async fn project(
        &self,
        workspace: NodeId,
        rows: &[row::RawRow],
        statuses: Vec<(usize, Option<String>, Option<String>)>,
    ) -> Result<Vec<(String, String)>, ExceptionError> {
        let mut differs = false;
        let mut written = Vec::new();
        let mut out: Vec<NamedAttributes> = rows
            .iter()
            .map(|r| {
                let mut keep = NamedAttributes::new();
                for column in ["Status", "TG Thread ID"] {
                    keep.insert(
                        column.to_owned(),
                        r.values
                            .get(column)
                            .cloned()
                            .unwrap_or(AttributeValue::Empty),
                    );
                }
                keep
            })
            .collect();
        for (index, status, thread) in statuses {
            let Some(target) = out.get_mut(index) else {
                continue;
            };
            let current = rows.get(index).map(|r| &r.values);
            if let Some(status) = status
                && current.and_then(|v| text(v, "Status")).as_deref() != Some(status.as_str())
            {
                target.insert("Status".into(), status.clone().into());
                if let Some(id) = current.and_then(|v| text(v, "Exception ID")) {
                    written.push((id, status));
                }
                differs = true;
            }
            if let Some(thread) = thread
                && current.and_then(|v| text(v, "TG Thread ID")).as_deref() != Some(thread.as_str())
            {
                target.insert("TG Thread ID".into(), thread.into());
                differs = true;
            }
        }
        if differs {
            let mut values = NamedAttributes::new();
            values.insert(self.config.exception_set.clone(), AttributeValue::Rows(out));
            self.platform
                .xecm
                .write_attributes(workspace, self.config.exception_category, &values)
                .await?;
            tracing::info!(rows = written.len(), "exception rows' Status projected");
        }
        Ok(written)
    }

    /// Remembers the status text written, so the buyer's next change of it reads as a
    /// decision and gridlink's own projection never does.
    async fn note_projection(
        &self,
        ws: i64,
        exception_id: &str,
        status: &str,
    ) -> Result<(), ExceptionError> {
        let Some(record) = machine::get(
            self.platform.ledger.as_ref(),
            &machine::key(ws, exception_id),
        )
        .await?
        else {
            return Ok(());
        };
        machine::change(self.platform.ledger.as_ref(), &record, |r| {
            if r.projected_status.as_deref() == Some(status) {
                return false;
            }
            r.projected_status = Some(status.to_owned());
            true
        })
        .await?;
        Ok(())
    }
}

/// Where an exception stands in the order's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    /// Not one reconciliation yields (a buyer's or the ERP's row).
    NotReconciled,
    /// The current reconciliation finds it.
    Present {
        /// The report that says so.
        report: Option<crate::machine::FileRef>,
    },
    /// The current reconciliation no longer finds it.
    Gone {
        /// The timeline's sentence.
        reason: String,
        /// The report that says so.
        report: Option<crate::machine::FileRef>,
    },
    /// A `REC-` exception while the reconciliation cannot be read: left as it is.
    Unknown,
}

impl Finding {
    fn of(exception_id: &str, reconciled: Option<&Reconciled>) -> Self {
        if !reconciled::is_reconciled(exception_id) {
            return Self::NotReconciled;
        }
        match reconciled {
            None => Self::Unknown,
            Some(r) if r.found.contains_key(exception_id) => Self::Present {
                report: r.report.clone(),
            },
            Some(r) => Self::Gone {
                reason: r.gone_reason(exception_id),
                report: r.report.clone(),
            },
        }
    }
}

/// The effect key of a publication: once per row revision (and per reopening).
fn publish_key(record: &ExceptionRecord, revision: &str) -> String {
    if record.reopened == 0 {
        format!("{}/{revision}", record.key())
    } else {
        format!("{}/{revision}/r{}", record.key(), record.reopened)
    }
}

/// The names a partner's configuration may use ([`crate::by_partner`]): its TG partner id and
/// its EDI addresses (the supplier's, the one recorded).
fn partner_names<'a>(
    partner: &'a (&str, &str, Option<(String, Syntax)>),
    record: &'a ExceptionRecord,
) -> Vec<&'a str> {
    let mut names = vec![partner.0];
    if let Some((address, _)) = &partner.2 {
        names.push(address);
    }
    if let Some(address) = &record.partner_address {
        names.push(address);
    }
    names
}

/// The deadline of a revision: the row's `Response Due` (read as UTC), else the default
/// after `now`.
fn planned_due(row: &ExceptionRow, now: OffsetDateTime, default: std::time::Duration) -> String {
    let stated = row.response_due.as_deref().and_then(|d| {
        PrimitiveDateTime::parse(
            d,
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        )
        .ok()
    });
    match stated {
        Some(due) => rfc3339(due.assume_utc()),
        None => rfc3339(now + default),
    }
}
