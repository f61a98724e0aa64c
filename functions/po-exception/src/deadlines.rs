//! Deadlines, on the `po-exception-deadlines` schedule: an exception still waiting for its
//! partner after its `Response Due` gets one reminder per interval (`REMINDER_INTERVAL_SECS`),
//! at most `MAX_REMINDERS`; after that it is **escalated**: state `escalated` (the row's
//! `Status` reads `Escalated`), a warning log with the business keys naming the row's owner,
//! and a message on the thread addressed to the partner's escalation contact (a contact with
//! role `escalation`, else `sales`, when Trading Grid knows one). A partner reply stops the
//! clock (the exception leaves `awaiting supplier`).
//!
//! Reminder *n* of a revision is an exactly-once effect keyed by exception, revision and
//! *n*, so however often the schedule fires a partner gets at most one reminder per interval.
//!
//! # Format
//! Reminder message: `structured` `{"exception_id","po_number","reminder":n}`,
//! `action_request` `{"kind":"resolve_po_exception","due_at"}`. Escalation message:
//! `structured` `{"exception_id","po_number","escalated":true,"owner","contact"}`.

use gridlink_core::error::Classify;
use gridlink_flow::EffectKey;
use gridlink_store::{IndexName, Query};
use gridlink_tgrid::model::{ActionRequest, NewMessage};
use gridlink_tgrid::{PartnerId, ThreadId};
use gridlink_xecm::NodeId;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::PoException;
use crate::error::ExceptionError;
use crate::machine::{self, ExceptionRecord, OPEN_EXCEPTIONS, State, TgIds};
use crate::sync::{Posted, idempotency_key, parse_time, rfc3339};

impl PoException {
    /// Reminds or escalates every open exception past its deadline.
    #[tracing::instrument(skip_all)]
    pub async fn sweep_deadlines(&self) -> Result<Value, ExceptionError> {
        let now = self.platform.clock.now();
        let records = self
            .platform
            .ledger
            .query(Query::partition(IndexName::One, OPEN_EXCEPTIONS))
            .await?;
        let (mut reminded, mut escalated, mut first_failure) = (Vec::new(), Vec::new(), None);
        for stored in records {
            let record: ExceptionRecord = match serde_json::from_value(stored.data) {
                Ok(record) => record,
                Err(error) => {
                    tracing::warn!(record = %stored.id, %error, "exception record does not read");
                    continue;
                }
            };
            // Each exception's deadline is about its own keys (a timeline scope of its own).
            let chased = gridlink_flow::timeline::item(async {
                record.about();
                self.chase(&record, now).await
            })
            .await;
            match chased {
                Ok(Some((true, n))) => reminded.push(format!("{}#{n}", record.key())),
                Ok(Some((false, _))) => escalated.push(record.key()),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(po_number = %record.po_number, exception_id = %record.exception_id, %error, kind = ?error.kind(), "deadline step failed");
                    first_failure.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_failure {
            return Err(error);
        }
        Ok(json!({"reminded": reminded, "escalated": escalated}))
    }

    /// One exception: `Some((true, n))` reminder n sent now, `Some((false, _))` escalated now.
    #[tracing::instrument(skip_all, fields(po_number = %record.po_number, exception_id = %record.exception_id))]
    async fn chase(
        &self,
        record: &ExceptionRecord,
        now: OffsetDateTime,
    ) -> Result<Option<(bool, u32)>, ExceptionError> {
        let already_escalated = record.state == State::Escalated;
        if !record.state.clock_runs() && !already_escalated {
            return Ok(None);
        }
        let (Some(due), Some(thread_id), Some(revision)) = (
            record.due_at.as_deref().and_then(parse_time),
            record.thread_id.clone(),
            record.clock_key(),
        ) else {
            return Ok(None);
        };
        if now <= due {
            return Ok(None);
        }
        let overdue = u64::try_from((now - due).whole_seconds()).unwrap_or(0);
        let interval = self.config.reminder_interval.as_secs().max(1);
        let n = u32::try_from(overdue / interval + 1).unwrap_or(u32::MAX);
        let thread = ThreadId::new(&thread_id);
        let tg = self.platform.tg.clone();
        let at = rfc3339(now);
        if n <= self.config.max_reminders && !already_escalated {
            let message = NewMessage {
                body: format!(
                    "Reminder {n}: exception {} on PO {} was due {}. Please respond.",
                    record.exception_id,
                    record.po_number,
                    due.date()
                ),
                attachment_ids: Vec::new(),
                structured: Some(json!({"exception_id": record.exception_id,
                    "po_number": record.po_number, "reminder": n})),
                action_request: Some(ActionRequest {
                    kind: "resolve_po_exception".into(),
                    due_at: Some(due),
                }),
            };
            let posted = self
                .platform
                .effects
                .once(
                    &EffectKey::new(
                        "tg-pox-reminder",
                        format!("{}/{revision}/{n}", record.key()),
                    ),
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
            let ran_now = posted.ran_now();
            let message_id = posted.into_inner().message_id;
            let tg_ids = TgIds {
                thread_id: Some(thread_id.clone()),
                message_id: Some(message_id),
                ..TgIds::default()
            };
            let (record, _) = machine::change(self.platform.ledger.as_ref(), record, |r| {
                let state = r.state;
                r.transition(
                    state,
                    &at,
                    "gridlink",
                    format!("reminder {n} sent (due {})", rfc3339(due)),
                    format!("reminder:{revision}:{n}"),
                    tg_ids.clone(),
                    Vec::new(),
                )
            })
            .await?;
            self.file_timeline(&record).await?;
            if ran_now {
                tracing::info!(n, "exception reminder posted");
            }
            return Ok(ran_now.then_some((true, n)));
        }
        let partner = match &record.partner_id {
            Some(p) => Some(self.platform.tg.partner(&PartnerId::new(p)).await?),
            None => None,
        };
        let contact = partner.as_ref().and_then(|p| {
            ["escalation", "sales"].iter().find_map(|role| {
                p.contacts
                    .iter()
                    .find(|c| c.role.eq_ignore_ascii_case(role))
                    .map(|c| format!("{} <{}>", c.name, c.email))
            })
        });
        let owner = record
            .row
            .as_ref()
            .and_then(|r| r.owner)
            .map_or_else(|| "no owner set".to_owned(), |u| format!("xECM user {u}"));
        let (escalated, changed) = machine::change(self.platform.ledger.as_ref(), record, |r| {
            if !r.state.clock_runs() {
                return false;
            }
            r.transition(
                State::Escalated,
                &at,
                "gridlink",
                format!(
                    "escalated after {} reminders; owner {owner}",
                    self.config.max_reminders
                ),
                format!("escalate:{revision}"),
                TgIds {
                    thread_id: Some(thread_id.clone()),
                    ..TgIds::default()
                },
                Vec::new(),
            )
        })
        .await?;
        if escalated.state != State::Escalated {
            return Ok(None);
        }
        if changed {
            tracing::warn!(
            workspace_id = record.workspace_id,
            partner_id = ?record.partner_id,
            owner = %owner,
            due_at = ?record.due_at,
            "exception unanswered after the last reminder; escalated"
            );
        }
        let message = NewMessage {
            body: format!(
                "Escalation{}: exception {} on PO {} is unanswered after {} reminders (due {}). The buyer's owner is {owner}.",
                contact
                    .as_deref()
                    .map(|c| format!(" for {c}"))
                    .unwrap_or_default(),
                record.exception_id,
                record.po_number,
                self.config.max_reminders,
                due.date()
            ),
            attachment_ids: Vec::new(),
            structured: Some(json!({"exception_id": record.exception_id,
                "po_number": record.po_number, "escalated": true, "owner": owner,
                "contact": contact})),
            action_request: Some(ActionRequest {
                kind: "resolve_po_exception".into(),
                due_at: Some(due),
            }),
        };
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&thread_id);
        let sent = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-pox-escalation", format!("{}/{revision}", record.key())),
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
        if changed || sent.ran_now() {
            self.sync_order(NodeId::new(escalated.workspace_id)?)
                .await?;
        }
        Ok(changed.then_some((false, 0)))
    }
}
