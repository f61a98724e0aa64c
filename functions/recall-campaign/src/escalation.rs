//! Escalation: the last rung of the ladder overdue → reminded(n) → **escalated**.
//!
//! A partner still unanswered (no answer in its history that reads — none, or its latest one
//! refused as not readable, see [`crate::answers::answered`] — and none that reads in Trading
//! Grid's responses of its campaign — an answer whose event is late or lost is taken then
//! instead, see [`RecallCampaign::remind_overdue`]) `Escalate After Hours` past the recall's
//! due time is escalated once per (recall, version, partner):
//!
//! 1. the partner's recall thread — a space mirroring the incident workspace (`xecm:<node
//!    id>`) with one `recall` thread per recall version (external reference
//!    `gridlink-recall:<recall>/v<n>/<partner>`), opened once (`tg-recall-thread`);
//! 2. a message in it carrying an `action_request` (`answer_recall`, due one reminder
//!    interval after the escalation threshold) and the recall, campaign and due time as `structured` — once
//!    (`tg-recall-escalation` `<recall>/v<n>/<partner>`; a re-run after a crash sends the same
//!    `Idempotency-Key`, so Trading Grid answers with the message it already has);
//! 3. the internal record: a note `Escalation <partner> <time>.txt` filed once
//!    (`xecm-recall-escalation`) in `Partner Responses/<partner id>` saying who was escalated,
//!    when and why (due time, reminders sent, `Escalate After Hours`, the TG message). A note
//!    and not an attribute: the `Recall` category is one per incident workspace, so a
//!    per-partner attribute would be a set row per partner — thousands of rows rewritten on
//!    every escalation, with no place for the reason — while the partner's folder already
//!    holds its answers, so the escalation sits in the same record, in time order, and goes
//!    into the evidence with them;
//! 4. the partner's ledger record keeps the [`Escalation`] (the rollup shows it); it is
//!    written last, so a crash anywhere before re-runs steps 1–3, each of which answers what
//!    it did the first time.
//!
//! A partner who answers later is recorded as any answer (Trading Grid takes late answers)
//! and moves on up the ladder; its escalation stays on record. A partner who answered in a way
//! gridlink reads — whatever the answer, even one that did not acknowledge — is never
//! escalated; one whose answer does not read (a quantity that is negative or not a finite
//! number, a yes/no that is neither) is chased as if it had not answered.

use bytes::Bytes;
use gridlink_flow::{EffectKey, Filing};
use gridlink_tgrid::model::{
    ActionRequest, ExternalRef, NewMessage, NewSpace, NewThread, ThreadKind,
};
use gridlink_tgrid::{PartnerId, SpaceId, ThreadId};
use gridlink_xecm::{BytesSource, DocumentSpec, NodeId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::RecallCampaign;
use crate::error::RecallError;
use crate::issue::{EXTERNAL_SYSTEM, key, rfc3339};
use crate::records::{Escalation, IssuedRecall, PartnerRecall};

/// The partner's recall thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Conversation {
    space_id: String,
    thread_id: String,
}

/// The escalation message as posted.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Posted {
    message_id: String,
}

/// Whether `partner` is due for escalation at `now`.
pub fn due_for_escalation(
    issued: &IssuedRecall,
    partner: &PartnerRecall,
    now: OffsetDateTime,
) -> bool {
    let Ok(due) = OffsetDateTime::parse(
        &issued.due_at,
        &time::format_description::well_known::Rfc3339,
    ) else {
        return false;
    };
    // A threshold past any representable time is never reached (such hours are refused at
    // issue; a record from before that check must not panic).
    let Some(threshold) = crate::recall::after_hours(due, issued.escalate_after_hours.max(0))
    else {
        return false;
    };
    // Unanswered: no answer, or none that reads (an answer that does not read is no answer).
    !crate::answers::answered(&partner.lots, &partner.answers)
        && partner.escalation.is_none()
        && partner.campaign_id.is_some()
        && now > threshold
}

impl RecallCampaign {
    /// Escalates one partner (see the module docs); the escalation as recorded.
    #[tracing::instrument(skip_all, fields(recall_id = %issued.recall_id, partner_id = %partner.partner_id))]
    pub(crate) async fn escalate(
        &self,
        issued: &IssuedRecall,
        partner: &PartnerRecall,
        now: OffsetDateTime,
    ) -> Result<Escalation, RecallError> {
        let partner_key = issued.partner_key(&partner.partner_id);
        let conversation = self.recall_thread(issued, &partner.partner_id).await?;
        let at = rfc3339(now);
        let reason = format!(
            "no answer to recall {} (campaign {}) {} h after it was due at {}; {} reminder(s) sent",
            issued.recall_id,
            partner.campaign_id.clone().unwrap_or_default(),
            issued.escalate_after_hours,
            issued.due_at,
            partner.reminders
        );
        // Derived from the recall, not the clock: a re-run after a crash sends the same body
        // under the same `Idempotency-Key` (a different body would be a 409).
        let due = OffsetDateTime::parse(
            &issued.due_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|e| RecallError::malformed(format!("recall {}", issued.recall_id), &e))?;
        let action_due = issued
            .escalate_after_hours
            .max(0)
            .checked_add(issued.reminder_interval_hours.max(1))
            .and_then(|h| crate::recall::after_hours(due, h))
            .ok_or_else(|| {
                RecallError::malformed(
                    format!("recall {}", issued.recall_id),
                    &format!(
                        "`{}` {} + `{}` {} from the due time {} is past any date (at most {} hours each)",
                        crate::recall::attr::ESCALATE_AFTER_HOURS,
                        issued.escalate_after_hours,
                        crate::recall::attr::REMINDER_INTERVAL_HOURS,
                        issued.reminder_interval_hours,
                        issued.due_at,
                        crate::recall::MAX_HOURS
                    ),
                )
            })?;
        let message = NewMessage {
            body: format!(
                "Escalation: recall {} (class {}) was due at {} and we have no answer from you after {} reminder(s). Answer the recall campaign now: confirm receipt, whether you are affected, and your quantities per lot.",
                issued.recall_id, issued.class, issued.due_at, partner.reminders
            ),
            attachment_ids: Vec::new(),
            structured: Some(json!({
                "recall_id": issued.recall_id,
                "version": issued.version,
                "partner_id": partner.partner_id,
                "campaign_id": partner.campaign_id,
                "due_at": issued.due_at,
                "reminders": partner.reminders,
                "escalation": true,
            })),
            action_request: Some(ActionRequest {
                kind: "answer_recall".into(),
                due_at: Some(action_due),
            }),
        };
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&conversation.thread_id);
        let posted = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-recall-escalation", &partner_key),
                None,
                |k| async move {
                    let posted = tg.post_message(&key(&k)?, &thread, &message).await?;
                    Ok::<_, RecallError>(Posted {
                        message_id: posted.message_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(RecallError::from_effect)?;
        let ran_now = posted.ran_now();
        let posted = posted.into_inner();
        let note = self
            .file_escalation_note(issued, partner, &at, &reason, &conversation, &posted)
            .await?;
        let escalation = Escalation {
            at,
            reason,
            reminders: partner.reminders,
            thread_id: conversation.thread_id,
            message_id: posted.message_id,
            note,
        };
        let recorded = escalation.clone();
        let updated = self
            .change_partner(&partner_key, |p| {
                if p.escalation.is_some() {
                    return false;
                }
                p.escalation = Some(recorded.clone());
                true
            })
            .await?;
        if ran_now {
            tracing::warn!(message_id = %escalation.message_id, reason = %escalation.reason, "unanswered partner escalated");
        }
        Ok(updated.escalation.unwrap_or(escalation))
    }

    /// The partner's space for the incident and its thread for this recall version, once.
    async fn recall_thread(
        &self,
        issued: &IssuedRecall,
        partner: &str,
    ) -> Result<Conversation, RecallError> {
        let tg = self.platform.tg.clone();
        let partner_key = issued.partner_key(partner);
        let new_space = NewSpace {
            partner_id: PartnerId::new(partner),
            title: format!("Quality incident {}", issued.recall_id),
            external_ref: Some(ExternalRef::new("xecm", issued.workspace_id.to_string())),
            context: Some(json!({"recall_id": issued.recall_id})),
        };
        let new_thread = NewThread {
            subject: format!("Recall {} v{}", issued.recall_id, issued.version),
            kind: ThreadKind::Recall,
            external_ref: Some(ExternalRef::new(EXTERNAL_SYSTEM, partner_key.clone())),
        };
        Ok(self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-recall-thread", &partner_key),
                None,
                |k| async move {
                    let space = tg
                        .open_space(&key(&format!("{k}:space"))?, &new_space)
                        .await?;
                    let space_id = SpaceId::new(space.space_id.as_str());
                    let thread = tg
                        .open_thread(&key(&format!("{k}:thread"))?, &space_id, &new_thread)
                        .await?;
                    Ok::<_, RecallError>(Conversation {
                        space_id: space.space_id.as_str().to_owned(),
                        thread_id: thread.thread_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(RecallError::from_effect)?
            .into_inner())
    }

    /// The internal record in the partner's folder, once; its document name.
    async fn file_escalation_note(
        &self,
        issued: &IssuedRecall,
        partner: &PartnerRecall,
        at: &str,
        reason: &str,
        conversation: &Conversation,
        posted: &Posted,
    ) -> Result<String, RecallError> {
        let workspace = NodeId::new(issued.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let stamp: String = at.chars().filter(char::is_ascii_alphanumeric).collect();
        let text = format!(
            "Recall {} v{}: partner {} ESCALATED.\nWhen: {at}\nWhy: {reason}\nDue at: {}\nEscalate after: {} h past due\nReminders sent: {}\nCampaign: {}\nTrading Grid: space {}, thread {}, message {} (action request answer_recall)\n",
            issued.recall_id,
            issued.version,
            partner.partner_id,
            issued.due_at,
            issued.escalate_after_hours,
            partner.reminders,
            partner.campaign_id.clone().unwrap_or_default(),
            conversation.space_id,
            conversation.thread_id,
            posted.message_id,
        );
        let filing = Filing::new(
            EffectKey::new(
                "xecm-recall-escalation",
                issued.partner_key(&partner.partner_id),
            ),
            workspace,
            format!("{}/{}", self.config.responses_folder, partner.partner_id),
            DocumentSpec {
                name: format!("Escalation {} {stamp}.txt", partner.partner_id),
                description: format!(
                    "Recall {}: partner {} escalated at {at}: {reason}",
                    issued.recall_id, partner.partner_id
                ),
                mime_type: Some("text/plain".into()),
                ..DocumentSpec::default()
            },
        );
        let outcome = self
            .platform
            .file_once(&filing, &BytesSource(Bytes::from(text)))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        Ok(outcome.into_inner().name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answers::PartnerState;
    use crate::records::Pinned;

    fn issued() -> IssuedRecall {
        let pinned = Pinned {
            document_id: 1,
            name: "n".into(),
            version: 1,
        };
        IssuedRecall {
            recall_id: "RC-1".into(),
            workspace_id: 7,
            version: 1,
            class: "II".into(),
            reason_code: "R".into(),
            market: "US".into(),
            lots: Vec::new(),
            initiated_by: 1,
            approved_by: 2,
            notice_document: pinned.clone(),
            notice: None,
            distribution: pinned,
            issued_at: "2026-12-01T00:00:00Z".into(),
            due_at: "2026-12-04T00:00:00Z".into(),
            reminder_interval_hours: 24,
            escalate_after_hours: 96,
            resume_after: None,
            partners_total: 1,
            cursor: 1,
            previous: Vec::new(),
            closing_since: None,
            closeout_cursor: 0,
            closed_at: None,
            closeout_filed: false,
        }
    }

    fn partner(state: PartnerState) -> PartnerRecall {
        let answers = if state == PartnerState::Invited {
            Vec::new()
        } else {
            vec![answer()]
        };
        PartnerRecall {
            recall_id: "RC-1".into(),
            version: 1,
            workspace_id: 7,
            partner_id: "prt_a".into(),
            lots: Vec::new(),
            campaign_id: Some("cmp_1".into()),
            answers,
            state,
            reminders: 3,
            escalation: None,
        }
    }

    fn answer() -> crate::answers::Answer {
        crate::answers::Answer {
            responded_at: "2026-12-03T00:00:00Z".into(),
            declined: false,
            form_data: serde_json::Map::new(),
            attachment_ids: Vec::new(),
            event_id: "evt_1".into(),
            unfiled: false,
        }
    }

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).expect("time")
    }

    #[test]
    fn only_an_unanswered_partner_is_escalated_and_only_past_the_threshold() {
        let recall = issued();
        let unanswered = partner(PartnerState::Invited);
        // Due 2026-12-04, escalate after 96 h: from 2026-12-08 on.
        assert!(!due_for_escalation(
            &recall,
            &unanswered,
            at("2026-12-06T00:00:00Z")
        ));
        assert!(!due_for_escalation(
            &recall,
            &unanswered,
            at("2026-12-08T00:00:00Z")
        ));
        assert!(due_for_escalation(
            &recall,
            &unanswered,
            at("2026-12-08T00:00:01Z")
        ));
        for answered in [
            PartnerState::Acknowledged,
            PartnerState::ImpactReported,
            PartnerState::QuantitiesReported,
            PartnerState::Completed,
            PartnerState::Declined,
        ] {
            assert!(!due_for_escalation(
                &recall,
                &partner(answered),
                at("2027-01-01T00:00:00Z")
            ));
        }
        let mut once = partner(PartnerState::Invited);
        once.escalation = Some(Escalation {
            at: "2026-12-08T01:00:00Z".into(),
            reason: "r".into(),
            reminders: 3,
            thread_id: "thr_1".into(),
            message_id: "msg_1".into(),
            note: "Escalation prt_a.txt".into(),
        });
        assert!(
            !due_for_escalation(&recall, &once, at("2027-01-01T00:00:00Z")),
            "once"
        );
        let mut unacknowledged = partner(PartnerState::Invited);
        unacknowledged.answers.push(answer());
        assert!(
            !due_for_escalation(&recall, &unacknowledged, at("2027-01-01T00:00:00Z")),
            "a partner who answered, even without acknowledging, is not escalated"
        );
        let mut uninvited = partner(PartnerState::Invited);
        uninvited.campaign_id = None;
        assert!(!due_for_escalation(
            &recall,
            &uninvited,
            at("2027-01-01T00:00:00Z")
        ));
    }
}
