//! The PO change: the buyer's `Change Order` sent to the partner as an X12 **860** (or an
//! EDIFACT **ORDCHG**, by the supplier's `EDI Standards`) through Trading Grid, and the
//! partner's **865** (or **ORDRSP**) answering it closing the change.
//!
//! ## Sending (state `change_requested` → `change_sent`)
//! The change states the row's line with the supplier's value the buyer now accepts into the
//! order (`Actual`): a price exception changes the unit price (`PC`), a quantity exception the
//! quantity (`QI` / `QD`), a date exception the delivery date (`RS`). The document is written
//! by [`gridlink_edi::write_order_change`] with control numbers from the ledger sequence
//! `po-change-control/<our address>` (one number per change, kept on re-run, as the
//! acknowledgments' numbers), sent once (effect `tg-pox-change`, keyed by the exception, its
//! row revision and the decision's entry — a crash after the send then a re-run sends one),
//! filed once into `Exceptions/<id>` (`xecm-pox-change-file`), and recorded on the timeline
//! with the TG document id and the control numbers. Every byte is derived from the ledger
//! (the decision's time, not the clock), so a re-run writes the very same interchange.
//!
//! ## The answer (one filer per document)
//! The partner's 865 / ORDRSP arrives as a TG `document.received`. Like every partner EDI
//! document about an order it is **order-reconcile's to file** (and acknowledge); po-exception
//! files nothing of it. po-exception receives the same event, reads the document's content
//! from Trading Grid, and only moves the exception: an 865 is matched by its sender, PO number
//! and change sequence (BCA05, which echoes our BCH05); an ORDRSP (the model has no
//! `RFF+ACW` reference to the ORDCHG) by its sender, PO number and a changed line, to the
//! exception whose change is still open there. Accepted → `change_acknowledged` → `resolved`;
//! rejected → `awaiting_supplier` with the reason. The sender must be the address the change
//! went to: another partner's 865 never matches, is logged and ignored.
//!
//! ## The functional acknowledgment (997 / 999 / CONTRL of the 860 / ORDCHG)
//! Trading Grid matches the partner's acknowledgment to the change by control numbers, marks
//! the sent document `acknowledged` with `acknowledged_by` = the acknowledgment's document id,
//! and emits `document.status_changed`. po-exception takes that event for a document it sent
//! (the ledger link `po-exception-change-doc`) and reads the acknowledgment the way
//! order-reconcile does, through [`gridlink_inbound::functional_ack`]:
//! 1. `GET /v1/documents/{acknowledged_by}`: it must come from the change's receiver. An
//!    acknowledgment from anyone else records nothing; it is logged (warning) with the
//!    workspace, PO, exception, change sequence and both parties, and the event's outcome says
//!    `refused`.
//! 2. Its content (read from TG into memory, not stored: po-exception files nothing of it;
//!    order-reconcile, receiving the same event, keeps and tracks it on the order) is parsed
//!    and classified; only answers naming the change's control numbers count (GS06 + ST02 for
//!    the 860; UNB 0020 / UNH 0062 for the ORDCHG). None → the event fails as malformed (a
//!    dead letter an operator sees), nothing recorded.
//! 3. **Accepted** (`A`, CONTRL `7`, `8` received) and **accepted with errors** (`E`, CONTRL
//!    `7` listing errors — the partner's system took the change and noted its errors): a
//!    timeline entry with the verdict and codes, the state unchanged — the 865 / ORDRSP still
//!    closes the change.
//!    **Rejected** (`R`, `M`, `W`, `X`, `P`, CONTRL `4`, or a code not known): the partner's
//!    system did not take the change, so no 865 / ORDRSP will
//!    answer it. As for a rejecting 865 (see [`crate::machine`]) the exception goes back to
//!    `awaiting_supplier` (the clock runs again; the buyer may decide `Change Order` again,
//!    which sends a new change with a new sequence), with the partner's verdict and error codes
//!    (`AK5` / `UCM` codes, `segment … at …: code`, `element …: code`) in the entry's event and
//!    the acknowledgment's TG document id in its `tg`. Only the change still `change_sent`
//!    moves: a rejection of an older change, or one arriving after the 865 / ORDRSP already
//!    moved the exception, is a timeline entry only.
//!
//! ## Without the webhook
//! Both events also reach po-exception by the `poll-xecm` schedule's read of Trading Grid's
//! event feed ([`takes_event`] says which), under the same event id as their webhook delivery:
//! an answer TG never managed to deliver still moves the exception, and one both paths deliver
//! is one inbox item.
//!
//! Once per (exception, change sequence, acknowledgment document): the entry's cause is
//! `change-997:<change sequence>:<acknowledgment document id>`, and a cause is recorded once
//! (compare-and-set on the exception record), so a redelivered webhook or the same status
//! change under another event id records nothing more.
//!
//! # Format
//! Ledger: `po-exception-change / <partner address>#<po>#seq:<change sequence>` and
//! `… #<po>#line:<line>` → [`ChangeLink`]; `po-exception-change-doc / <TG document id>` →
//! [`ChangeLink`]. The 860: `BCH*04*SA*<po>**<change sequence>*<decided CCYYMMDD>…` with one
//! `POC*<line>*<PC|QI|QD|RS>…`; the ORDCHG: `BGM+230+<change sequence>+4`, `RFF+ON:<po>`,
//! one `LIN` group.

use std::str::FromStr;

use futures::TryStreamExt;
use gridlink_edi::{
    AckStatusCode, BusinessDocument, ChangeLine, ChangePurpose, EdiDate, EnvelopeParams,
    LineChange, LineStatus, OrderType, PurchaseOrderChange, Quantity, Syntax,
};
use gridlink_flow::EffectKey;
use gridlink_inbound::functional_ack::{
    AcknowledgedTransaction, AcknowledgmentRead, FunctionalAckVerdict, read_acknowledgment_unkept,
};
use gridlink_store::{LedgerError, NewRecord, RecordId, Sequence};
use gridlink_tgrid::PartyId;
use gridlink_tgrid::events::{Event, EventPayload};
use gridlink_tgrid::model::{
    BusinessRefs, ControlNumbers, Direction, DocumentMetadata, DocumentStatus, Standard,
};
use gridlink_tgrid::ports::DocumentPayload;
use gridlink_xecm::{BytesSource, DocumentSpec, NodeId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::PoException;
use crate::error::ExceptionError;
use crate::machine::{self, ExceptionRecord, FileRef, State, TgIds};
use crate::row::safe_name;
use crate::sync::{idempotency_key, parse_time, rfc3339};

/// The ledger kind linking a change's business keys to its exception.
pub const CHANGE_LINK_KIND: &str = "po-exception-change";
/// The ledger kind linking a sent change's TG document to its exception.
pub const CHANGE_DOCUMENT_KIND: &str = "po-exception-change-doc";

/// Which exception a change belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLink {
    /// The order workspace.
    pub workspace_id: i64,
    /// The exception.
    pub exception_id: String,
    /// The change sequence number (BCH05 / BGM 1004).
    pub change_sequence: String,
    /// On a line's link: the changes of other exceptions sent on the same line before this
    /// one (an EDIFACT ORDRSP answers a line, not a change sequence, so it answers each).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<ChangeLink>,
}

impl ChangeLink {
    fn same_exception(&self, other: &ChangeLink) -> bool {
        self.workspace_id == other.workspace_id && self.exception_id == other.exception_id
    }

    /// This link for a line whose link was `stored`: the other exceptions' changes on the
    /// line are kept (an exception's newer change replaces its older one).
    fn on_line_after(&self, stored: Option<ChangeLink>) -> ChangeLink {
        let mut link = ChangeLink {
            others: Vec::new(),
            ..self.clone()
        };
        if let Some(mut stored) = stored {
            let earlier = std::mem::take(&mut stored.others);
            for other in earlier.into_iter().chain([stored]) {
                if !other.same_exception(&link)
                    && !link.others.iter().any(|o| o.same_exception(&other))
                {
                    link.others.push(other);
                }
            }
        }
        link
    }
}

/// A change that went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct SentChange {
    document_id: String,
}

/// An 865 / ORDRSP: the document types that answer a change of ours.
fn answers_a_change(doc_type: &str) -> bool {
    matches!(
        doc_type.trim().to_ascii_uppercase().as_str(),
        "865" | "ORDRSP"
    )
}

/// An 860 / ORDCHG: the document types a change of ours goes out as.
fn is_a_change(doc_type: &str) -> bool {
    matches!(
        doc_type.trim().to_ascii_uppercase().as_str(),
        "860" | "ORDCHG"
    )
}

/// Whether po-exception takes `event` from Trading Grid's event feed (the safety net beside
/// its webhook, polled on the `poll-xecm` schedule by
/// [`gridlink_inbound::ingress::poll_tg_events`]): a partner's thread message
/// (`message.posted`, read by [`PoException::file_answer`]), a
/// `document.received` of an 865 / ORDRSP (read by [`PoException::change_answered`]) and a
/// `document.status_changed` of an outbound 860 / ORDCHG turning `acknowledged` (read by
/// [`PoException::change_functionally_acknowledged`]). The same tests those handlers make
/// first; which exception (if any) the message or document concerns, and whether its sender
/// may answer it, they decide on the event as for a webhook. Other documents are not taken:
/// po-exception only acknowledges and ignores them.
pub fn takes_event(event: &Event) -> bool {
    match event.payload() {
        Ok(EventPayload::DocumentReceived(document)) => {
            answers_a_change(&document.metadata.doc_type)
        }
        Ok(EventPayload::DocumentStatusChanged(document)) => {
            document.direction == Direction::Outbound
                && document.status == DocumentStatus::Acknowledged
                && is_a_change(&document.metadata.doc_type)
        }
        Ok(EventPayload::MessagePosted(_)) => true,
        _ => false,
    }
}

impl PoException {
    /// Sends the change the exception's last `change_requested` entry decided (once) and
    /// moves it to `change_sent`.
    #[tracing::instrument(skip_all, fields(po_number = %record.po_number, exception_id = %record.exception_id))]
    pub(crate) async fn send_change(
        &self,
        record: &ExceptionRecord,
    ) -> Result<ExceptionRecord, ExceptionError> {
        let Some(decision) = record
            .history
            .iter()
            .rev()
            .find(|e| e.state == State::ChangeRequested)
            .cloned()
        else {
            return Ok(record.clone());
        };
        let (Some(row), Some(address)) = (record.row.clone(), record.partner_address.clone())
        else {
            return Err(ExceptionError::malformed(
                record.key(),
                "a change order needs the row and the partner's EDI address",
            ));
        };
        let syntax = if record.partner_syntax.as_deref() == Some("EDIFACT") {
            Syntax::Edifact
        } else {
            Syntax::X12
        };
        let receiver =
            PartyId::parse(&address).map_err(|e| ExceptionError::malformed(&address, e))?;
        let sender = PartyId::parse(&self.config.buyer_address)
            .map_err(|e| ExceptionError::malformed("BUYER_EDI_ADDRESS", e))?;
        let identity = format!("{}/{}/{}", record.key(), row.revision, decision.seq);
        let ledger = self.platform.ledger.as_ref();
        let control = Sequence::new(
            format!("po-change-control/{}:{}", sender.qualifier, sender.id),
            1,
            99_999_999,
        )?
        .number_for(ledger, &identity)
        .await?;
        let control =
            u32::try_from(control).map_err(|e| ExceptionError::malformed(identity.clone(), e))?;
        let sequence = control.to_string();
        let decided = parse_time(&decision.at).unwrap_or_else(|| self.platform.clock.now());
        let change = order_change(record, &row.kind, row.line, &row.actual, &sequence, decided)?;
        let params = EnvelopeParams {
            sender: gridlink_edi::PartyId::new(&sender.qualifier, &sender.id),
            receiver: gridlink_edi::PartyId::new(&receiver.qualifier, &receiver.id),
            interchange_control_number: control,
            group_control_number: control,
            first_transaction_control_number: 1,
            application_sender: None,
            application_receiver: None,
            prepared_at: time::PrimitiveDateTime::new(decided.date(), decided.time())
                .replace_nanosecond(0)
                .unwrap_or(time::PrimitiveDateTime::new(
                    decided.date(),
                    time::Time::MIDNIGHT,
                )),
            test: false,
        };
        let bytes = gridlink_edi::write_order_change(&change, syntax, &params)
            .map_err(|e| ExceptionError::malformed(identity.clone(), e))?;
        let (doc_type, standard, extension, group) = match syntax {
            Syntax::X12 => ("860", Standard::X12, "x12", Some(control.to_string())),
            Syntax::Edifact => ("ORDCHG", Standard::Edifact, "edi", None),
        };
        let controls = ControlNumbers {
            interchange: Some(format!("{control:09}")),
            group,
            transaction: Some("0001".to_owned()),
        };
        let link = ChangeLink {
            workspace_id: record.workspace_id,
            exception_id: record.exception_id.clone(),
            change_sequence: sequence.clone(),
            others: Vec::new(),
        };
        put_link(
            ledger,
            CHANGE_LINK_KIND,
            &format!("{address}#{}#seq:{sequence}", record.po_number),
            |_| link.clone(),
        )
        .await?;
        put_link(
            ledger,
            CHANGE_LINK_KIND,
            &format!("{address}#{}#line:{}", record.po_number, row.line),
            |stored| link.on_line_after(stored),
        )
        .await?;
        let metadata = DocumentMetadata {
            sender: sender.clone(),
            receiver: receiver.clone(),
            standard,
            doc_type: doc_type.to_owned(),
            business_refs: BusinessRefs {
                po_number: Some(record.po_number.clone()),
                ..BusinessRefs::default()
            },
            control_numbers: controls.clone(),
            ack_requested: true,
        };
        let file_name = safe_name(&format!(
            "{doc_type} {} change {sequence}.{extension}",
            record.po_number
        ));
        let tg = self.platform.tg.clone();
        let payload = bytes.clone();
        let name = file_name.clone();
        let sent = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-pox-change", identity.clone()),
                None,
                |k| async move {
                    let submitted = tg
                        .send_document(
                            &idempotency_key(&k)?,
                            &metadata,
                            DocumentPayload::Inline {
                                file_name: name,
                                content_type: "application/edi".to_owned(),
                                bytes: bytes::Bytes::from(payload),
                            },
                        )
                        .await?;
                    Ok::<_, ExceptionError>(SentChange {
                        document_id: submitted.document_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(ExceptionError::from_effect)?;
        if sent.ran_now() {
            tracing::info!(doc_type, control, partner_address = %address, "order change sent to the partner");
        }
        let document_id = sent.into_inner().document_id;
        put_link(ledger, CHANGE_DOCUMENT_KIND, &document_id, |_| link.clone()).await?;
        let workspace = NodeId::new(record.workspace_id)?;
        let folder = format!("{}/{}", self.config.folder, safe_name(&record.exception_id));
        let sha256 = gridlink_flow::payload_hash(&bytes);
        let spec = DocumentSpec {
            name: file_name.clone(),
            description: format!(
                "{doc_type} sent to {address} for exception {} of PO {} (TG document {document_id}, control {control:09})",
                record.exception_id, record.po_number
            ),
            file_name: Some(file_name.clone()),
            mime_type: Some("application/edi".into()),
            categories: vec![(
                self.config.document_category,
                sent_document(doc_type, &address, control),
            )],
        };
        let filed = self
            .file_into(
                workspace,
                &folder,
                EffectKey::new("xecm-pox-change-file", identity.clone()),
                spec,
                &BytesSource(bytes.into()),
            )
            .await?;
        let at = rfc3339(self.platform.clock.now());
        let numbers = format!(
            "{}/{}/{}",
            controls.interchange.clone().unwrap_or_default(),
            controls.group.clone().unwrap_or_default(),
            controls.transaction.clone().unwrap_or_default()
        );
        let tg_ids = TgIds {
            thread_id: record.thread_id.clone(),
            document_id: Some(document_id.clone()),
            control_numbers: Some(numbers),
            ..TgIds::default()
        };
        let files = vec![FileRef {
            name: file_name,
            document_id: filed,
            sha256,
            attachment_id: None,
        }];
        let cause = format!("change-sent:{}", decision.seq);
        let (record, _) = machine::change(ledger, record, |r| {
            if r.state != State::ChangeRequested {
                return false;
            }
            r.transition(
                State::ChangeSent,
                &at,
                "gridlink",
                format!(
                    "{doc_type} change {sequence} sent to {address}: line {} {} → {}",
                    row.line, row.kind, row.actual
                ),
                cause.clone(),
                tg_ids.clone(),
                files.clone(),
            )
        })
        .await?;
        Ok(record)
    }

    /// A `document.received`: when it is the partner's 865 / ORDRSP answering one of our
    /// changes, the exception moves on (nothing is filed here; see the module docs).
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub(crate) async fn change_answered(&self, event: &Event) -> Result<Value, ExceptionError> {
        let Some(document) = event.document() else {
            return Err(ExceptionError::malformed(
                event.event_id.as_str(),
                "no document",
            ));
        };
        let doc_type = document.metadata.doc_type.trim().to_ascii_uppercase();
        if !answers_a_change(&doc_type) {
            return Ok(
                json!({"ignored": format!("{doc_type} is order-reconcile's to file; not a change answer")}),
            );
        }
        let sender = format!(
            "{}:{}",
            document.metadata.sender.qualifier, document.metadata.sender.id
        );
        let download = self
            .platform
            .tg
            .document_content(&document.document_id, None)
            .await?;
        let chunks: Vec<bytes::Bytes> = download.stream.try_collect().await?;
        let bytes = chunks.concat();
        let Ok(interchange) = gridlink_edi::parse_interchange(&bytes) else {
            return Ok(
                json!({"ignored": "the document does not read as EDI (order-reconcile rejects it)"}),
            );
        };
        let document_id = document.document_id.as_str().to_owned();
        let numbers = format!(
            "{}/{}/{}",
            document
                .metadata
                .control_numbers
                .interchange
                .clone()
                .unwrap_or_default(),
            document
                .metadata
                .control_numbers
                .group
                .clone()
                .unwrap_or_default(),
            document
                .metadata
                .control_numbers
                .transaction
                .clone()
                .unwrap_or_default()
        );
        let mut moved = Vec::new();
        for answer in answers(&interchange.documents) {
            let mut keys = Vec::new();
            if let Some(sequence) = &answer.change_sequence {
                keys.push(format!("{sender}#{}#seq:{sequence}", answer.po_number));
            }
            for (line, _) in &answer.lines {
                keys.push(format!("{sender}#{}#line:{line}", answer.po_number));
            }
            // The change the answer names by its sequence (an 865's BCA05); else, per line it
            // answers (an ORDRSP answers lines), the oldest change still sent on that line —
            // partners answer changes in the order they got them — or, when none is, the
            // line's last change (answered before: recorded as such below).
            let ledger = self.platform.ledger.as_ref();
            let sent = |link: ChangeLink| async move {
                let record =
                    machine::get(ledger, &machine::key(link.workspace_id, &link.exception_id))
                        .await?;
                Ok::<_, ExceptionError>(record.is_some_and(|r| r.state == State::ChangeSent))
            };
            let mut chosen: Vec<(ChangeLink, bool)> = Vec::new();
            let by_sequence = match &answer.change_sequence {
                Some(_) => get_link(ledger, CHANGE_LINK_KIND, &keys[0]).await?,
                None => None,
            };
            if let Some(link) = by_sequence {
                let is_sent = sent(link.clone()).await?;
                chosen.push((link, is_sent));
            } else {
                for key in keys.iter().filter(|k| k.contains("#line:")) {
                    let Some(mut newest) = get_link(ledger, CHANGE_LINK_KIND, key).await? else {
                        continue;
                    };
                    let mut in_order = std::mem::take(&mut newest.others);
                    in_order.push(newest);
                    let mut pick = None;
                    for link in &in_order {
                        if sent(link.clone()).await? {
                            pick = Some((link.clone(), true));
                            break;
                        }
                    }
                    let pick = match pick {
                        Some(pick) => pick,
                        None => match in_order.pop() {
                            Some(last) => (last, false),
                            None => continue,
                        },
                    };
                    if !chosen.iter().any(|(c, _)| c.same_exception(&pick.0)) {
                        chosen.push(pick);
                    }
                }
            }
            if chosen.iter().any(|(_, is_sent)| *is_sent) {
                chosen.retain(|(_, is_sent)| *is_sent);
            }
            if chosen.is_empty() {
                tracing::info!(sender = %sender, po_number = %answer.po_number, doc_type = %doc_type, "no change of ours to this sender answers it; ignored");
                continue;
            }
            let candidates: Vec<ChangeLink> = chosen.into_iter().map(|(link, _)| link).collect();
            for link in candidates {
                let Some(record) = machine::get(
                    self.platform.ledger.as_ref(),
                    &machine::key(link.workspace_id, &link.exception_id),
                )
                .await?
                else {
                    continue;
                };
                record.about();
                if record.partner_address.as_deref() != Some(sender.as_str()) {
                    tracing::warn!(sender = %sender, exception_id = %record.exception_id, "a change answer from another partner refused");
                    continue;
                }
                let line = record
                    .row
                    .as_ref()
                    .map(|r| r.line.to_string())
                    .unwrap_or_default();
                let line_status = answer
                    .lines
                    .iter()
                    .find(|(n, _)| n.trim_start_matches('0') == line.trim_start_matches('0'))
                    .map(|(_, s)| s.clone());
                let outcome = ChangeOutcome::of(line_status.as_ref(), &answer.status);
                let now = self.platform.clock.now();
                let at = rfc3339(now);
                let actor = format!(
                    "partner:{} ({})",
                    record.partner_id.clone().unwrap_or_default(),
                    record.partner_name.clone().unwrap_or_default()
                );
                let tg = TgIds {
                    thread_id: record.thread_id.clone(),
                    document_id: Some(document_id.clone()),
                    control_numbers: Some(numbers.clone()),
                    ..TgIds::default()
                };
                let reason = format!(
                    "{doc_type} {} (header {:?}, line {line} {:?})",
                    match outcome {
                        ChangeOutcome::Rejected => "rejects the change",
                        ChangeOutcome::Accepted => "accepts the change",
                        ChangeOutcome::Qualified => "answers the change with changes of its own",
                    },
                    answer.status,
                    line_status
                );
                let sequence = link.change_sequence.clone();
                let due_again = self.due_again(&record, now);
                let (changed_record, changed) = machine::change(self.platform.ledger.as_ref(), &record, |r| {
                if r.state != State::ChangeSent {
                    return false;
                }
                if outcome == ChangeOutcome::Qualified {
                    // Accepted with changes, backordered, rescheduled, deleted: not the change
                    // the buyer ordered — the buyer decides, as on any answer.
                    return r.transition(
                        State::SupplierResponded,
                        &at,
                        &actor,
                        format!("change {sequence} answered: {reason}; the buyer decides"),
                        format!("change-answer:{document_id}"),
                        tg.clone(),
                        Vec::new(),
                    );
                }
                if outcome == ChangeOutcome::Rejected {
                    let asked = r.transition(
                        State::AwaitingSupplier,
                        &at,
                        &actor,
                        format!("change {sequence} rejected by the partner: {reason}; awaiting supplier, due {due_again}"),
                        format!("change-answer:{document_id}"),
                        tg.clone(),
                        Vec::new(),
                    );
                    if asked {
                        r.restart_clock(due_again.clone());
                    }
                    asked
                } else {
                    r.transition(
                        State::ChangeAcknowledged,
                        &at,
                        &actor,
                        format!("change {sequence} acknowledged by the partner: {reason}"),
                        format!("change-answer:{document_id}"),
                        tg.clone(),
                        Vec::new(),
                    );
                    r.transition(
                        State::Resolved,
                        &at,
                        "gridlink",
                        "resolved by the acknowledged change",
                        format!("change-resolved:{document_id}"),
                        TgIds::default(),
                        Vec::new(),
                    )
                }
            })
            .await?;
                if changed {
                    tracing::info!(
                        workspace_id = link.workspace_id,
                        po_number = %changed_record.po_number,
                        exception_id = %changed_record.exception_id,
                        partner_id = ?changed_record.partner_id,
                        document_id = %document_id,
                        state = changed_record.state.label(),
                        "change answered by the partner"
                    );
                }
                let workspace = NodeId::new(link.workspace_id)?;
                self.sync_order(workspace).await?;
                moved.push(
                json!({"exception_id": link.exception_id, "state": changed_record.state.label()}),
            );
            }
        }
        if moved.is_empty() {
            return Ok(
                json!({"ignored": format!("{doc_type} {document_id} answers no change of ours")}),
            );
        }
        Ok(json!({"changes": moved}))
    }

    /// A `document.status_changed` of a change we sent turning `acknowledged` (the partner's
    /// 997 / 999 / CONTRL): read from the change's receiver only, classified; an accepting
    /// answer is a timeline entry, a rejecting one sends the change back to awaiting the
    /// supplier with the partner's codes (see the module documentation). Once per
    /// (exception, change sequence, acknowledgment document).
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub(crate) async fn change_functionally_acknowledged(
        &self,
        event: &Event,
    ) -> Result<Value, ExceptionError> {
        let Some(document) = event.document() else {
            return Err(ExceptionError::malformed(
                event.event_id.as_str(),
                "no document",
            ));
        };
        if document.status.as_str() != "acknowledged" {
            return Ok(json!({"ignored": "not an acknowledgment"}));
        }
        let document_id = document.document_id.as_str().to_owned();
        let ledger = self.platform.ledger.as_ref();
        let Some(link) = get_link(ledger, CHANGE_DOCUMENT_KIND, &document_id).await? else {
            return Ok(json!({"ignored": "not a change of ours"}));
        };
        let Some(record) =
            machine::get(ledger, &machine::key(link.workspace_id, &link.exception_id)).await?
        else {
            return Ok(json!({"ignored": "the exception is not in the ledger"}));
        };
        record.about();
        let acknowledgment = match read_acknowledgment_unkept(&self.platform, &document).await? {
            AcknowledgmentRead::Read(acknowledgment) => *acknowledgment,
            AcknowledgmentRead::Skipped(reason) => return Ok(json!({ "ignored": reason })),
            AcknowledgmentRead::ForeignSender(foreign) => {
                tracing::warn!(
                    workspace_id = link.workspace_id,
                    po_number = %record.po_number,
                    exception_id = %record.exception_id,
                    partner_id = ?record.partner_id,
                    change_sequence = %link.change_sequence,
                    reason = %foreign.reason,
                    "an acknowledgment of our change from another party than its receiver is refused; nothing recorded"
                );
                return Ok(json!({"refused": foreign.reason, "exception_id": link.exception_id}));
            }
        };
        let by = acknowledgment.acknowledged_by.clone();
        let numbers = &document.metadata.control_numbers;
        if acknowledgment.answered.is_empty() {
            // TG linked it, but it names none of the change's control numbers: a dead letter.
            return Err(ExceptionError::malformed(
                format!("acknowledgment {by} of change {}", link.change_sequence),
                format!(
                    "it names no control number of TG document {document_id} (interchange {:?}, group {:?}, set {:?})",
                    numbers.interchange, numbers.group, numbers.transaction
                ),
            ));
        }
        let verdict = ChangeVerdict::of(&acknowledgment.answered);
        let ack_type = acknowledgment.document.metadata.doc_type.clone();
        let now = self.platform.clock.now();
        let at = rfc3339(now);
        let actor = format!(
            "partner:{} ({})",
            record.partner_id.clone().unwrap_or_default(),
            record.partner_name.clone().unwrap_or_default()
        );
        let tg = TgIds {
            thread_id: record.thread_id.clone(),
            document_id: Some(by.clone()),
            control_numbers: Some(format!(
                "{}/{}/{}",
                numbers.interchange.clone().unwrap_or_default(),
                numbers.group.clone().unwrap_or_default(),
                numbers.transaction.clone().unwrap_or_default()
            )),
            ..TgIds::default()
        };
        let sequence = link.change_sequence.clone();
        let cause = format!("change-997:{sequence}:{by}");
        let due_again = self.due_again(&record, now);
        let (record, changed) = machine::change(ledger, &record, |r| {
            // Only the change still waiting for its answer moves back; an acknowledgment of
            // an older change, or one arriving after the 865 / ORDRSP, is recorded only.
            let current = r.state == State::ChangeSent
                && r.history
                    .iter()
                    .rev()
                    .find(|e| e.state == State::ChangeSent)
                    .is_some_and(|e| e.tg.document_id.as_deref() == Some(document_id.as_str()));
            if verdict.rejected && current {
                let asked = r.transition(
                    State::AwaitingSupplier,
                    &at,
                    &actor,
                    format!(
                        "change {sequence} rejected by the partner's {ack_type} {by} (functional acknowledgment of TG document {document_id}: {}); awaiting supplier, due {due_again}",
                        verdict.detail
                    ),
                    cause.clone(),
                    tg.clone(),
                    Vec::new(),
                );
                if asked {
                    r.restart_clock(due_again.clone());
                }
                asked
            } else {
                let state = r.state;
                let event = if verdict.rejected {
                    format!(
                        "change {sequence} rejected by the partner's {ack_type} {by} (functional acknowledgment of TG document {document_id}: {}); the exception is {} already, nothing moves",
                        verdict.detail,
                        state.label()
                    )
                } else {
                    format!(
                        "change {sequence} functionally acknowledged ({ack_type} {by}: {}) of TG document {document_id}",
                        verdict.detail
                    )
                };
                r.transition(state, &at, &actor, event, cause.clone(), tg.clone(), Vec::new())
            }
        })
        .await?;
        if changed {
            let fields = (link.workspace_id, &record.po_number, &record.exception_id);
            if verdict.rejected {
                tracing::warn!(workspace_id = fields.0, po_number = %fields.1, exception_id = %fields.2, partner_id = ?record.partner_id, change_sequence = %sequence, acknowledged = %document_id, acknowledged_by = %by, codes = %verdict.detail, state = record.state.label(), "the partner's functional acknowledgment rejects our change");
            } else {
                tracing::info!(workspace_id = fields.0, po_number = %fields.1, exception_id = %fields.2, partner_id = ?record.partner_id, change_sequence = %sequence, acknowledged = %document_id, acknowledged_by = %by, "the partner's functional acknowledgment accepts our change");
            }
        }
        if record.state == State::ChangeSent || !verdict.rejected {
            self.file_timeline(&record).await?;
        } else {
            // The row's Status follows the state; the timeline is filed with it.
            self.sync_order(NodeId::new(link.workspace_id)?).await?;
        }
        Ok(json!({
            "acknowledged": document_id,
            "acknowledged_by": by,
            "exception_id": link.exception_id,
            "change_sequence": sequence,
            "rejected": verdict.rejected,
            "functional_acks": acknowledgment.answered,
            "state": record.state.label(),
        }))
    }
}

/// What a partner's functional acknowledgment says about our change.
struct ChangeVerdict {
    /// Whether it rejects the change: an answer rejected (`R`, `M`, `W`, `X`, `P` / CONTRL
    /// `4`, or a code not known) — the partner's system did not take the change. Accepted
    /// with errors (`E` / CONTRL `7` listing errors) is not a rejection: the set was taken,
    /// its errors noted, and the 865 / ORDRSP still answers it.
    rejected: bool,
    /// Every answer's verdict and the partner's codes, as the timeline states them.
    detail: String,
}

impl ChangeVerdict {
    fn of(answered: &[AcknowledgedTransaction]) -> Self {
        let rejected = answered
            .iter()
            .any(|t| t.verdict == FunctionalAckVerdict::Rejected);
        let detail = answered
            .iter()
            .map(|t| {
                let verdict = match t.verdict {
                    FunctionalAckVerdict::Accepted => "accepted",
                    FunctionalAckVerdict::Received => "received",
                    FunctionalAckVerdict::AcceptedWithErrors => "accepted with errors",
                    FunctionalAckVerdict::Rejected => "rejected",
                };
                let set = t.control_number.as_deref().map_or_else(
                    || format!("group {}", t.group_control_number.as_deref().unwrap_or("-")),
                    |n| format!("set {n}"),
                );
                if t.errors.is_empty() {
                    format!("{set} {verdict}")
                } else {
                    format!("{set} {verdict}, codes {}", t.errors.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        Self { rejected, detail }
    }
}

/// An answer to a change, read from an 865 or an ORDRSP.
struct ChangeAnswer {
    po_number: String,
    change_sequence: Option<String>,
    status: AckStatusCode,
    lines: Vec<(String, LineStatus)>,
}

/// What a partner's 865 / ORDRSP says of a change of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeOutcome {
    /// Taken as sent (line `IA` / LIN 1229 `5`; without the line, header accepted without
    /// changes): the exception resolves.
    Accepted,
    /// Refused (line `IR` / `7`; without the line, header rejected): back to awaiting the
    /// supplier.
    Rejected,
    /// Anything else — accepted with changes, backordered, rescheduled, deleted, another code:
    /// the partner answered with something other than the change; the buyer decides.
    Qualified,
}

impl ChangeOutcome {
    /// The outcome from the answer's status for the exception's line, else its header's.
    fn of(line: Option<&LineStatus>, header: &AckStatusCode) -> Self {
        match (line, header) {
            (Some(LineStatus::Accepted), _) | (None, AckStatusCode::AcceptedNoChange) => {
                Self::Accepted
            }
            (Some(LineStatus::Rejected), _) | (None, AckStatusCode::Rejected) => Self::Rejected,
            _ => Self::Qualified,
        }
    }
}

fn answers(documents: &[BusinessDocument]) -> Vec<ChangeAnswer> {
    documents
        .iter()
        .filter_map(|d| match d {
            BusinessDocument::PurchaseOrderChangeAck(ack) => Some(ChangeAnswer {
                po_number: ack.po_number.clone(),
                change_sequence: ack.change_sequence.clone(),
                status: ack.status.clone(),
                lines: ack
                    .lines
                    .iter()
                    .map(|l| (l.line.line_number.clone(), l.status.clone()))
                    .collect(),
            }),
            BusinessDocument::OrderAcknowledgment(ack) => Some(ChangeAnswer {
                po_number: ack.po_number.clone(),
                change_sequence: None,
                status: ack.status.clone(),
                lines: ack
                    .lines
                    .iter()
                    .map(|l| (l.line_number.clone(), l.status.clone()))
                    .collect(),
            }),
            _ => None,
        })
        .collect()
}

/// The change the exception's row asks for: its line with the supplier's `Actual` value.
fn order_change(
    record: &ExceptionRecord,
    kind: &str,
    line: i64,
    actual: &str,
    sequence: &str,
    decided: time::OffsetDateTime,
) -> Result<PurchaseOrderChange, ExceptionError> {
    let bad = |why: &str| {
        ExceptionError::malformed(
            format!("exception {} Actual {actual:?}", record.exception_id),
            why,
        )
    };
    let mut words = actual.split_whitespace();
    let first = words.next().unwrap_or_default();
    let mut change_line = ChangeLine {
        line_number: line.to_string(),
        change: LineChange::ChangeItem,
        quantity: None,
        left_to_receive: None,
        unit_price: None,
        product_ids: Vec::new(),
        requested_delivery: None,
    };
    match kind {
        "price" => {
            change_line.change = LineChange::PriceChange;
            change_line.unit_price =
                Some(Decimal::from_str(first).map_err(|_| bad("a price change needs a number"))?);
        }
        "quantity" => {
            let value =
                Decimal::from_str(first).map_err(|_| bad("a quantity change needs a number"))?;
            let expected = Decimal::from_str(
                record
                    .row
                    .as_ref()
                    .and_then(|r| r.expected.split_whitespace().next())
                    .unwrap_or_default(),
            )
            .ok();
            change_line.change = if expected.is_some_and(|e| value < e) {
                LineChange::QuantityDecrease
            } else {
                LineChange::QuantityIncrease
            };
            change_line.quantity = Some(Quantity {
                value,
                unit: words.next().unwrap_or("EA").to_owned(),
            });
        }
        "date" => {
            let date = time::Date::parse(
                first,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| bad("a date change needs YYYY-MM-DD"))?;
            change_line.change = LineChange::Reschedule;
            change_line.requested_delivery = Some(EdiDate(date));
        }
        _ => {}
    }
    Ok(PurchaseOrderChange {
        purpose: ChangePurpose::Change,
        order_type: OrderType::StandAlone,
        po_number: record.po_number.clone(),
        change_sequence: Some(sequence.to_owned()),
        po_date: None,
        change_date: Some(EdiDate(decided.date())),
        requested_delivery: None,
        parties: Vec::new(),
        lines: vec![change_line],
    })
}

fn sent_document(doc_type: &str, partner: &str, control: u32) -> gridlink_xecm::NamedAttributes {
    let mut values = gridlink_xecm::NamedAttributes::new();
    values.insert("Document Type".into(), doc_type.into());
    values.insert("Direction".into(), "outbound".into());
    values.insert("Trading Partner ID".into(), partner.into());
    values.insert("Control Number".into(), format!("{control:09}").into());
    values
}

/// Writes a link: `link` of what is stored (nothing, or the link an earlier change wrote),
/// created or replacing it.
async fn put_link(
    ledger: &dyn gridlink_store::Ledger,
    kind: &str,
    key: &str,
    link: impl Fn(Option<ChangeLink>) -> ChangeLink,
) -> Result<(), ExceptionError> {
    let id = RecordId::new(kind, key)?;
    let encode = |link: &ChangeLink| {
        serde_json::to_value(link).map_err(|e| ExceptionError::malformed(key, e))
    };
    for _ in 0..8 {
        let data = encode(&link(None))?;
        match ledger
            .create(NewRecord::new(id.clone(), "LINKED", data.clone()))
            .await
        {
            Ok(_) => return Ok(()),
            Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let Some(stored) = ledger.get(&id).await? else {
            continue;
        };
        let before = serde_json::from_value(stored.data.clone()).ok();
        let data = encode(&link(before))?;
        if stored.data == data {
            return Ok(());
        }
        let mut update = stored.change();
        update.data = data.clone();
        match ledger.update(update).await {
            Ok(_) => return Ok(()),
            Err(LedgerError::VersionConflict { .. } | LedgerError::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Err(ExceptionError::malformed(key, "the link stayed contended"))
}

async fn get_link(
    ledger: &dyn gridlink_store::Ledger,
    kind: &str,
    key: &str,
) -> Result<Option<ChangeLink>, ExceptionError> {
    let id = RecordId::new(kind, key)?;
    match ledger.get(&id).await? {
        Some(record) => serde_json::from_value(record.data)
            .map(Some)
            .map_err(|e| ExceptionError::malformed(key, e)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use gridlink_inbound::functional_ack::{AcknowledgedTransaction, FunctionalAckVerdict};

    use super::ChangeVerdict;

    fn answer(verdict: FunctionalAckVerdict, errors: &[&str]) -> AcknowledgedTransaction {
        AcknowledgedTransaction {
            ack_kind: gridlink_edi::AckKind::Ack997,
            interchange_control_number: None,
            functional_id: Some("PC".into()),
            group_control_number: Some("7".into()),
            set_id: Some("860".into()),
            control_number: Some("0001".into()),
            verdict,
            errors: errors.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    #[test]
    fn only_a_rejection_sends_the_change_back_accepted_with_errors_does_not() {
        let rejected = ChangeVerdict::of(&[answer(FunctionalAckVerdict::Rejected, &["5"])]);
        assert!(rejected.rejected);
        assert_eq!(rejected.detail, "set 0001 rejected, codes 5");
        let noted = ChangeVerdict::of(&[answer(
            FunctionalAckVerdict::AcceptedWithErrors,
            &["segment POC at 3: 8"],
        )]);
        assert!(!noted.rejected, "E: the set was taken, its errors noted");
        assert_eq!(
            noted.detail,
            "set 0001 accepted with errors, codes segment POC at 3: 8"
        );
        assert!(!ChangeVerdict::of(&[answer(FunctionalAckVerdict::Accepted, &[])]).rejected);
        assert!(
            ChangeVerdict::of(&[
                answer(FunctionalAckVerdict::Accepted, &[]),
                answer(FunctionalAckVerdict::Rejected, &[])
            ])
            .rejected
        );
    }

    #[test]
    fn only_an_accepted_line_resolves_a_change_anything_else_but_a_rejection_goes_to_the_buyer() {
        use super::ChangeOutcome;
        use gridlink_edi::{AckStatusCode, LineStatus};
        let any = AckStatusCode::AcceptedNoChange;
        assert_eq!(
            ChangeOutcome::of(Some(&LineStatus::Accepted), &AckStatusCode::Rejected),
            ChangeOutcome::Accepted,
            "the line's status decides over the header's"
        );
        assert_eq!(
            ChangeOutcome::of(Some(&LineStatus::Rejected), &any),
            ChangeOutcome::Rejected
        );
        for qualified in [
            LineStatus::AcceptedWithChanges,
            LineStatus::Backordered,
            LineStatus::DateRescheduled,
            LineStatus::Deleted,
            LineStatus::Other("IH".into()),
        ] {
            assert_eq!(
                ChangeOutcome::of(Some(&qualified), &any),
                ChangeOutcome::Qualified,
                "{qualified:?}"
            );
        }
        assert_eq!(ChangeOutcome::of(None, &any), ChangeOutcome::Accepted);
        assert_eq!(
            ChangeOutcome::of(None, &AckStatusCode::Rejected),
            ChangeOutcome::Rejected
        );
        for header in [
            AckStatusCode::AcceptedWithChanges,
            AckStatusCode::Other("AP".into()),
        ] {
            assert_eq!(
                ChangeOutcome::of(None, &header),
                ChangeOutcome::Qualified,
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_lines_link_keeps_the_other_exceptions_changes_oldest_first() {
        use super::ChangeLink;
        let link = |exception: &str, sequence: &str| ChangeLink {
            workspace_id: 7,
            exception_id: exception.into(),
            change_sequence: sequence.into(),
            others: Vec::new(),
        };
        let first = link("A", "1").on_line_after(None);
        assert!(first.others.is_empty());
        let second = link("B", "2").on_line_after(Some(first));
        assert_eq!(second.exception_id, "B");
        assert_eq!(second.others, [link("A", "1")]);
        // A's newer change replaces its older one; B's stays, the older first.
        let third = link("A", "3").on_line_after(Some(second.clone()));
        assert_eq!(third.others, [link("B", "2")]);
        let again = link("B", "2").on_line_after(Some(second.clone()));
        assert_eq!(again, second, "rewriting the same change changes nothing");
    }
}
