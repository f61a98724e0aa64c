//! Reminders for overdue acknowledgments, on the `contract-share-ack-reminders` schedule.
//!
//! Trading Grid's contract has reminders for campaigns only — a share has none. So a reminder
//! is a message in a `contract` thread with the partner: a collaboration space per contract
//! workspace and partner (`external_ref` `xecm:<workspace id>`), opened on the first
//! reminder, with the reminder as a message carrying an `acknowledge_share` action request
//! due at the share's deadline. (Re-sharing would give the partner a second share to answer;
//! a campaign is a broadcast with a response form, not a reminder of a share.)
//!
//! A share is reminded when it is open (not answered, not superseded, per the ledger), its
//! deadline has passed, and Trading Grid does not already show the partner's answer (its
//! event may still be on the way). Reminders count what was sent, not the time since the
//! deadline: reminder *n* goes out once reminder *n-1* is at least one interval
//! (`ACK_REMINDER_INTERVAL_SECS`) old — the first at the first run after the deadline — and is
//! an exactly-once effect keyed by share and *n*, its count and time noted on the share's
//! record, so however often the schedule fires — or is replayed — a partner gets at most one
//! reminder per interval, and none after `ACK_REMINDER_LIMIT`. One interval after the last
//! reminder the share is escalated (never earlier, so a share made late — its deadline fixed
//! at a failed first attempt — or a schedule paused for long still gets every reminder first)
//! to the contract's owner: its standing entry is marked overdue, and the workspace's
//! `Acknowledgment Status` reads `Overdue` (or counts it: `Pending (0 of 2 acknowledged, 1
//! overdue)`) until the partner answers.
//!
//! # Format
//! The reminder message: body `Reminder <n>: please acknowledge version <v> of <document>
//! (share <share id>); it was due <date>.`, `action_request` `{"kind":"acknowledge_share",
//! "due_at":<deadline>}`, `structured` `{"share_id","document_id","version","reminder":n}`.

use gridlink_core::error::Classify;
use gridlink_flow::EffectKey;
use gridlink_tgrid::model::{
    AckStatus, ActionRequest, ExternalRef, NewMessage, NewSpace, NewThread, ThreadKind,
};
use gridlink_tgrid::{PartnerId, ShareId, ThreadId};
use gridlink_xecm::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ContractShare;
use crate::error::ShareError;
use crate::share::{SharedVersion, idempotency_key};
use crate::standing::Answer;

/// The schedule that sends reminders.
pub const REMINDER_SCHEDULE: &str = "contract-share-ack-reminders";

/// One reminder sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSent {
    /// The share reminded of.
    pub share_id: String,
    /// The partner.
    pub partner_id: String,
    /// Which reminder (1 = the first after the deadline, each one interval after the last).
    pub number: u32,
    /// The thread it was posted to.
    pub thread_id: String,
    /// The message.
    pub message_id: String,
}

/// The space and thread where a partner is reminded about one contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// The space.
    pub space_id: String,
    /// The `contract` thread.
    pub thread_id: String,
}

enum Outcome {
    Sent(ReminderSent),
    Skipped(&'static str),
}

impl ContractShare {
    /// Reminds every partner whose acknowledgment is overdue, at most once per interval.
    #[tracing::instrument(skip_all)]
    pub async fn send_reminders(&self) -> Result<Value, ShareError> {
        let now = self.platform.clock.now();
        let overdue = self.overdue_shares(now).await?;
        let mut reminded = Vec::new();
        let mut skipped = Vec::new();
        let mut first_failure = None;
        for shared in &overdue {
            // Each share's reminder is about its own contract (a timeline scope of its own).
            let reminder = gridlink_flow::timeline::item(async {
                gridlink_flow::timeline::about("contract", &shared.workspace_id.to_string());
                self.remind(shared, now).await
            })
            .await;
            match reminder {
                Ok(Outcome::Sent(sent)) => reminded.push(sent),
                Ok(Outcome::Skipped(why)) => {
                    skipped.push(json!({"share_id": shared.share_id, "why": why}));
                }
                Err(error) => {
                    tracing::warn!(share_id = %shared.share_id, partner_id = %shared.partner_id, %error, kind = ?error.kind(), "reminder failed");
                    first_failure.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_failure {
            return Err(error);
        }
        Ok(json!({"overdue": overdue.len(), "reminded": reminded, "skipped": skipped}))
    }

    #[tracing::instrument(skip_all, fields(share_id = %shared.share_id, partner_id = %shared.partner_id))]
    async fn remind(
        &self,
        shared: &SharedVersion,
        now: OffsetDateTime,
    ) -> Result<Outcome, ShareError> {
        let (standing, _) = self.standing(shared.workspace_id).await?;
        match standing.entry(&shared.share_id) {
            Some(entry) if entry.live() && entry.answer == Answer::Pending => {}
            Some(_) => {
                self.close_share(&shared.share_id).await?;
                return Ok(Outcome::Skipped("answered or superseded"));
            }
            None => return Ok(Outcome::Skipped("not in the contract's standing yet")),
        }
        let rows = self
            .platform
            .tg
            .acknowledgments(&ShareId::new(&shared.share_id))
            .await?;
        if rows.iter().any(|row| {
            row.partner_id.as_str() == shared.partner_id
                && matches!(row.status, AckStatus::Acknowledged | AckStatus::Declined)
        }) {
            return Ok(Outcome::Skipped(
                "answered in Trading Grid; the answer's event is on its way",
            ));
        }
        let due =
            OffsetDateTime::parse(&shared.due_at, &Rfc3339).map_err(|e| ShareError::Malformed {
                event_id: shared.share_id.clone(),
                reason: format!("due date {:?}: {e}", shared.due_at),
            })?;
        // The reminders count what was sent, one interval apart at least — never the time
        // since the deadline: a share made late (its deadline fixed at a failed first attempt)
        // or a schedule paused for long still gets every reminder before it is escalated.
        let interval = time::Duration::try_from(self.config.reminder_interval)
            .unwrap_or(time::Duration::DAY)
            .max(time::Duration::SECOND);
        let last =
            match shared.last_reminded_at.as_deref() {
                Some(at) => Some(OffsetDateTime::parse(at, &Rfc3339).map_err(|e| {
                    ShareError::Malformed {
                        event_id: shared.share_id.clone(),
                        reason: format!("last reminder time {at:?}: {e}"),
                    }
                })?),
                None => None,
            };
        if last.is_some_and(|last| now < last + interval) {
            return Ok(Outcome::Skipped("already reminded in this interval"));
        }
        if shared.reminders_sent >= self.config.reminder_limit {
            let share_id = shared.share_id.clone();
            let before = standing.entry(&share_id).is_some_and(|e| e.overdue);
            if !before {
                self.change_standing(shared.workspace_id, |s| s.escalate(&share_id))
                    .await?;
                tracing::warn!(
                    reminders = shared.reminders_sent,
                    "acknowledgment still overdue an interval after the last reminder; escalated"
                );
            }
            self.publish_standing(NodeId::new(shared.workspace_id)?)
                .await?;
            return Ok(Outcome::Skipped("reminder limit reached; escalated"));
        }
        let number = shared.reminders_sent + 1;
        let conversation = self
            .conversation(shared.workspace_id, &shared.partner_id)
            .await?;
        let tg = self.platform.tg.clone();
        let thread = ThreadId::new(&conversation.thread_id);
        let message = NewMessage {
            body: format!(
                "Reminder {number}: please acknowledge version {} of {} (share {}); it was due {}.",
                shared.version,
                if shared.document_name.is_empty() {
                    &shared.file_name
                } else {
                    &shared.document_name
                },
                shared.share_id,
                due.date()
            ),
            attachment_ids: Vec::new(),
            structured: Some(json!({
                "share_id": shared.share_id,
                "document_id": shared.document_id,
                "version": shared.version,
                "reminder": number,
            })),
            action_request: Some(ActionRequest {
                kind: "acknowledge_share".into(),
                due_at: Some(due),
            }),
        };
        let share_id = shared.share_id.clone();
        let partner_id = shared.partner_id.clone();
        let sent = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-ack-reminder", format!("{}/{number}", shared.share_id)),
                None,
                |k| async move {
                    let posted = tg
                        .post_message(&idempotency_key(&k)?, &thread, &message)
                        .await?;
                    Ok::<_, ShareError>(ReminderSent {
                        share_id,
                        partner_id,
                        number,
                        thread_id: thread.as_str().to_owned(),
                        message_id: posted.message_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(ShareError::from_effect)?;
        // Counted also when a crash came between the post and this note (the effect answers
        // its stored result): the reminder did reach the partner.
        self.note_reminder(&shared.share_id, number, now).await?;
        if !sent.ran_now() {
            return Ok(Outcome::Skipped("already reminded in this interval"));
        }
        let sent = sent.into_inner();
        tracing::info!(number, message_id = %sent.message_id, "acknowledgment reminder posted");
        Ok(Outcome::Sent(sent))
    }

    /// The partner's space and `contract` thread for one contract, opened once.
    async fn conversation(
        &self,
        workspace: i64,
        partner: &str,
    ) -> Result<Conversation, ShareError> {
        let tg = self.platform.tg.clone();
        let xecm = self.platform.xecm.clone();
        let workspace_id = NodeId::new(workspace)?;
        Ok(self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-contract-thread", format!("{workspace}/{partner}")),
                None,
                |k| async move {
                    let contract = xecm.get_node(workspace_id).await?;
                    let reference = ExternalRef::new("xecm", workspace.to_string());
                    let space = tg
                        .open_space(
                            &idempotency_key(&format!("{k}:space"))?,
                            &NewSpace {
                                partner_id: PartnerId::new(partner),
                                title: format!("Contract {}", contract.name),
                                external_ref: Some(reference.clone()),
                                context: Some(json!({"contract_workspace_id": workspace})),
                            },
                        )
                        .await?;
                    let thread = tg
                        .open_thread(
                            &idempotency_key(&format!("{k}:thread"))?,
                            &space.space_id,
                            &NewThread {
                                subject: format!("Acknowledgments of {}", contract.name),
                                kind: ThreadKind::Contract,
                                external_ref: Some(reference),
                            },
                        )
                        .await?;
                    Ok::<_, ShareError>(Conversation {
                        space_id: space.space_id.as_str().to_owned(),
                        thread_id: thread.thread_id.as_str().to_owned(),
                    })
                },
            )
            .await
            .map_err(ShareError::from_effect)?
            .into_inner())
    }
}
