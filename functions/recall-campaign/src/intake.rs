//! `campaign.response_received`: each answer kept as history, filed once with its files
//! under `Partner Responses/<partner id>`, the partner's state and the rollup updated.
//!
//! The answer is taken from the signed event (it is what the partner sent at that moment —
//! Trading Grid itself keeps only the latest). The campaign's external reference names the
//! recall, version and partner; the response's partner must be that partner, so an answer
//! and its files are only ever filed in the folder of the partner who sent them.

use bytes::Bytes;
use gridlink_flow::content::tg_attachment_content;
use gridlink_flow::{EffectKey, Filing};
use gridlink_tgrid::AttachmentId;
use gridlink_tgrid::events::Event;
use gridlink_tgrid::model::ResponseStatus;
use gridlink_xecm::{BytesSource, DocumentSpec, NodeId};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::RecallCampaign;
use crate::answers::{self, Answer, PartnerState};
use crate::error::RecallError;
use crate::issue::EXTERNAL_SYSTEM;
use crate::records::PartnerRecall;

/// What one answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AnswerIntake {
    /// The recall.
    pub recall_id: String,
    /// The partner.
    pub partner_id: String,
    /// Whether the answer was new (not a redelivery).
    pub recorded: bool,
    /// The partner's state after it.
    pub state: Option<PartnerState>,
    /// Answers kept for the partner.
    pub answers: usize,
    /// Documents filed in this call (answer and files).
    pub filed: Vec<String>,
    /// Why the partner's latest answer is refused (each names the field and lot); empty when
    /// it reads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
    /// Why the event was not for this use case.
    pub ignored: Option<String>,
}

/// A time as RFC 3339 UTC with its full precision (answers seconds apart must stay ordered).
fn exact(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn stamp(at: &str) -> String {
    at.chars().filter(char::is_ascii_alphanumeric).collect()
}

impl RecallCampaign {
    /// Records one `campaign.response_received` (see the module docs).
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    pub async fn take_answer(&self, event: &Event) -> Result<AnswerIntake, RecallError> {
        let mut intake = AnswerIntake::default();
        let Some(received) = event.campaign_response() else {
            intake.ignored = Some(format!(
                "event type {:?} is not a campaign response",
                event.event_type
            ));
            return Ok(intake);
        };
        let Some(reference) = received
            .external_ref
            .as_ref()
            .filter(|r| r.system == EXTERNAL_SYSTEM)
        else {
            intake.ignored = Some("not a recall campaign of gridlink".into());
            return Ok(intake);
        };
        let partner_key = reference.id.clone();
        let Some(partner) = self.partner_recall(&partner_key).await? else {
            return Err(RecallError::malformed(
                format!("event {}", event.event_id),
                &format!("no recall partner {partner_key} is known"),
            ));
        };
        let responder = received.response.partner_id.as_str();
        if responder != partner.partner_id {
            return Err(RecallError::malformed(
                format!("event {}", event.event_id),
                &format!(
                    "the response is from {responder}, but campaign {} was sent to {}",
                    received.campaign_id, partner.partner_id
                ),
            ));
        }
        if partner
            .campaign_id
            .as_deref()
            .is_some_and(|c| c != received.campaign_id.as_str())
        {
            return Err(RecallError::malformed(
                format!("event {}", event.event_id),
                &format!(
                    "campaign {} is not the recall campaign {} of {partner_key}",
                    received.campaign_id,
                    partner.campaign_id.clone().unwrap_or_default()
                ),
            ));
        }
        gridlink_flow::timeline::about("recall", &partner.recall_id);
        intake.recall_id = partner.recall_id.clone();
        intake.partner_id = partner.partner_id.clone();
        let response = &received.response;
        let declined = match response.status {
            ResponseStatus::Responded => false,
            ResponseStatus::Declined => true,
            other => {
                intake.ignored = Some(format!("response status {other:?} carries no answer"));
                return Ok(intake);
            }
        };
        let answer = Answer {
            responded_at: exact(response.responded_at.unwrap_or(event.occurred_at)),
            declined,
            form_data: response.form_data.clone(),
            attachment_ids: response
                .attachment_ids
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            event_id: event.event_id.as_str().to_owned(),
            unfiled: false,
        };
        let kept = self
            .keep_answer(&partner_key, received.campaign_id.as_str(), answer)
            .await?;
        intake.recorded = kept.recorded;
        intake.state = kept.state;
        intake.answers = kept.answers;
        intake.filed = kept.filed;
        intake.refused = kept.refused;
        Ok(intake)
    }

    /// Adds one answer to the partner's history (unless it is there) marked `unfiled`, files it
    /// — as it is kept in the history, so the same answer reached twice (an event and Trading
    /// Grid's response list) is filed once — then clears the mark, and files the rollup. A
    /// filing that fails leaves the mark: the next deadlines run files it
    /// ([`Self::file_unfiled`]).
    // Quantities are far below 2^52: the conversion to f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) async fn keep_answer(
        &self,
        partner_key: &str,
        campaign_id: &str,
        answer: Answer,
    ) -> Result<AnswerIntake, RecallError> {
        let added_now = std::sync::atomic::AtomicBool::new(false);
        let updated = self
            .change_partner(partner_key, |p| {
                let added = answers::record(
                    &mut p.answers,
                    Answer {
                        unfiled: true,
                        ..answer.clone()
                    },
                );
                added_now.store(added, std::sync::atomic::Ordering::Relaxed);
                let state = answers::state(&p.lots, &p.answers);
                let changed = added || p.state != state || p.campaign_id.is_none();
                p.state = state;
                if p.campaign_id.is_none() {
                    p.campaign_id = Some(campaign_id.to_owned());
                }
                changed
            })
            .await?;
        let kept = updated
            .answers
            .iter()
            .find(|a| a.same_content(&answer))
            .cloned()
            .unwrap_or(answer);
        let mut intake = AnswerIntake {
            recall_id: updated.recall_id.clone(),
            partner_id: updated.partner_id.clone(),
            recorded: added_now.load(std::sync::atomic::Ordering::Relaxed),
            state: Some(updated.state),
            answers: updated.answers.len(),
            refused: updated
                .answers
                .last()
                .map(|a| a.refusals(&updated.lots))
                .unwrap_or_default(),
            ..AnswerIntake::default()
        };
        tracing::info!(recall_id = %updated.recall_id, partner_id = %updated.partner_id, responded_at = %kept.responded_at, state = ?updated.state, recorded = intake.recorded, "recall answer taken");
        if let Some(latest) = updated.answers.last() {
            for reason in latest.refusals(&updated.lots) {
                tracing::warn!(recall_id = %updated.recall_id, partner_id = %updated.partner_id, responded_at = %latest.responded_at, %reason, "recall answer refused: its quantities count for nothing");
            }
            for lot in &updated.lots {
                if let Some(reported) = latest
                    .counted_quantities(&updated.lots, &lot.lot_code)
                    .map(|q| q.iter().sum::<f64>())
                    .filter(|r| *r > lot.shipped as f64)
                {
                    tracing::warn!(recall_id = %updated.recall_id, partner_id = %updated.partner_id, lot = %lot.lot_code, reported, shipped = lot.shipped, "partner reported more than was shipped to it: counted only up to what was shipped");
                }
            }
        }
        intake.filed = self.file_answer(&updated, &kept, campaign_id).await?;
        self.mark_filed(partner_key, &kept).await?;
        if let Some(issued) = self.issued(&updated.recall_id).await? {
            self.file_rollup(&issued).await?;
        }
        Ok(intake)
    }

    /// Clears the `unfiled` mark of `answer` in the partner's history: its filing is done.
    async fn mark_filed(&self, partner_key: &str, answer: &Answer) -> Result<(), RecallError> {
        self.change_partner(partner_key, |p| {
            let mut changed = false;
            for kept in p
                .answers
                .iter_mut()
                .filter(|a| a.unfiled && a.same_content(answer))
            {
                kept.unfiled = false;
                changed = true;
            }
            changed
        })
        .await?;
        Ok(())
    }

    /// Files each answer of the partner that is recorded but not filed (an earlier filing
    /// failed or was cut short), each once under its effect key, and clears its mark; the
    /// documents filed now.
    pub(crate) async fn file_unfiled(
        &self,
        partner_key: &str,
        partner: &PartnerRecall,
    ) -> Result<Vec<String>, RecallError> {
        let mut filed = Vec::new();
        let campaign_id = partner.campaign_id.clone().unwrap_or_default();
        for answer in partner.answers.iter().filter(|a| a.unfiled) {
            tracing::warn!(recall_id = %partner.recall_id, partner_id = %partner.partner_id, responded_at = %answer.responded_at, "recall answer recorded but not filed: filing it now");
            filed.extend(self.file_answer(partner, answer, &campaign_id).await?);
            self.mark_filed(partner_key, answer).await?;
        }
        Ok(filed)
    }

    /// What Trading Grid holds of a partner's answer, when gridlink has none (its event late
    /// or lost): taken as any answer. `None` when TG has no answer either.
    pub(crate) async fn answer_in_tg(
        &self,
        partner_key: &str,
        partner: &PartnerRecall,
    ) -> Result<Option<AnswerIntake>, RecallError> {
        let Some(campaign_id) = partner.campaign_id.as_deref() else {
            return Ok(None);
        };
        let responses = self
            .platform
            .tg
            .campaign_responses(&gridlink_tgrid::CampaignId::new(campaign_id))
            .await?;
        let Some(response) = responses.into_iter().find(|r| {
            r.partner_id.as_str() == partner.partner_id
                && matches!(
                    r.status,
                    ResponseStatus::Responded | ResponseStatus::Declined
                )
        }) else {
            return Ok(None);
        };
        let Some(responded_at) = response.responded_at else {
            return Ok(None);
        };
        let answer = Answer {
            responded_at: exact(responded_at),
            declined: response.status == ResponseStatus::Declined,
            form_data: response.form_data,
            attachment_ids: response
                .attachment_ids
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            event_id: format!("tg-responses:{campaign_id}"),
            unfiled: false,
        };
        tracing::warn!(recall_id = %partner.recall_id, partner_id = %partner.partner_id, %campaign_id, "an answer Trading Grid holds reached gridlink without its event: taken from the campaign's responses");
        self.keep_answer(partner_key, campaign_id, answer)
            .await
            .map(Some)
    }

    /// The answer and each of its files, filed once in the partner's folder.
    async fn file_answer(
        &self,
        partner: &PartnerRecall,
        answer: &Answer,
        campaign_id: &str,
    ) -> Result<Vec<String>, RecallError> {
        let workspace = NodeId::new(partner.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let folder = format!("{}/{}", self.config.responses_folder, partner.partner_id);
        let base = format!(
            "{}/v{}/{}",
            partner.recall_id, partner.version, partner.partner_id
        );
        let mut filed = Vec::new();
        let mut files = Vec::new();
        for attachment_id in &answer.attachment_ids {
            let attachment = self
                .platform
                .tg
                .attachment(&AttachmentId::new(attachment_id))
                .await?;
            let filing = Filing::new(
                EffectKey::new("xecm-recall-file", format!("{base}/{attachment_id}")),
                workspace,
                folder.clone(),
                DocumentSpec {
                    name: format!("{attachment_id} {}", attachment.file_name),
                    description: format!(
                        "Returned by partner {} with its recall {} answer of {}; sha256 {}",
                        partner.partner_id,
                        partner.recall_id,
                        answer.responded_at,
                        attachment.sha256
                    ),
                    file_name: Some(attachment.file_name.clone()),
                    mime_type: Some(attachment.content_type.clone()),
                    ..DocumentSpec::default()
                },
            );
            let content = tg_attachment_content(self.platform.tg.clone(), &attachment);
            let outcome = self
                .platform
                .file_once(&filing, &content)
                .await
                .map_err(RecallError::from_xecm_effect)?;
            if outcome.ran_now() {
                filed.push(outcome.into_inner().name);
            }
            files.push(json!({"attachment_id": attachment_id, "file_name": attachment.file_name, "sha256": attachment.sha256, "size_bytes": attachment.size_bytes}));
        }
        let record = json!({
            "recall_id": partner.recall_id,
            "version": partner.version,
            "partner_id": partner.partner_id,
            "campaign_id": campaign_id,
            "responded_at": answer.responded_at,
            "status": if answer.declined { "declined" } else { "responded" },
            "form_data": answer.form_data,
            "files": files,
            "event_id": answer.event_id,
        });
        let bytes =
            serde_json::to_vec_pretty(&record).map_err(|e| RecallError::malformed("answer", &e))?;
        let sha = hex::encode(Sha256::digest(&bytes));
        let filing = Filing::new(
            EffectKey::new(
                "xecm-recall-answer",
                format!("{base}/{}/{}", stamp(&answer.responded_at), &sha[..16]),
            ),
            workspace,
            folder,
            DocumentSpec {
                name: format!(
                    "Answer {} {}.json",
                    partner.partner_id,
                    stamp(&answer.responded_at)
                ),
                description: format!(
                    "Recall {} answer of partner {} at {}; sha256 {sha}",
                    partner.recall_id, partner.partner_id, answer.responded_at
                ),
                mime_type: Some("application/json".into()),
                ..DocumentSpec::default()
            },
        );
        let outcome = self
            .platform
            .file_once(&filing, &BytesSource(Bytes::from(bytes)))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        if outcome.ran_now() {
            filed.push(outcome.into_inner().name);
        }
        Ok(filed)
    }

    /// Each open recall — issuing (an amendment's fan-out under way), active or closing — is
    /// processed on its own: one that fails is logged with its id, the
    /// others go on, and the run fails at the end naming every recall that failed.
    ///
    /// Reminds invited partners who have not answered (or whose answer does not read, see
    /// [`answers::answered`]) once the recall is overdue, once per
    /// reminder interval (through the campaign reminder call, to that partner only), and
    /// escalates those still unanswered `Escalate After Hours` past due
    /// ([`crate::escalation`]; an escalated partner gets no more reminders). Before an
    /// escalation, Trading Grid's responses of the campaign are read: an answer there whose
    /// event gridlink has not (yet) received is taken instead, and nobody is escalated.
    ///
    /// First, every answer recorded whose filing failed (it is marked `unfiled` in the ledger
    /// until its filing is done) is filed, once, under the effect key it was first tried with
    /// (`filed_late` in the report): an answer taken here is never lost because xECM failed.
    pub async fn remind_overdue(&self) -> Result<serde_json::Value, RecallError> {
        let now = self.platform.clock.now();
        let mut reminded = Vec::new();
        let mut escalated = Vec::new();
        let mut answered = Vec::new();
        let mut filed_late = Vec::new();
        // Issuing too: while an amendment (version n+1) fans out, the partners of the earlier
        // versions keep their reminders and escalations (and a long first fan-out's invited
        // partners theirs).
        let mut open = self.recalls_in(crate::records::ISSUING).await?;
        open.extend(self.recalls_in(crate::records::ACTIVE).await?);
        open.extend(self.recalls_in(crate::records::CLOSING).await?);
        let mut failed = Vec::new();
        for recall in open {
            // Each recall's reminders are about its own key (a timeline scope of its own).
            let done = gridlink_flow::timeline::item(async {
                gridlink_flow::timeline::about("recall", &recall.recall_id);
                let mut changed = false;
                for partner in self.partners_of(&recall.recall_id).await? {
                    // The partner's own version: its due time and its keys.
                    let issued = recall.as_version(partner.version);
                    // An answer recorded whose filing failed is filed now (once), due or not.
                    if partner.answers.iter().any(|a| a.unfiled) {
                        let documents = self
                            .file_unfiled(&issued.partner_key(&partner.partner_id), &partner)
                            .await?;
                        filed_late.push(json!({"recall_id": issued.recall_id, "partner_id": partner.partner_id, "documents": documents}));
                        changed = true;
                    }
                    let Ok(due) = OffsetDateTime::parse(
                        &issued.due_at,
                        &time::format_description::well_known::Rfc3339,
                    ) else {
                        continue;
                    };
                    if now <= due {
                        continue;
                    }
                    let interval = crate::recall::hours(issued.reminder_interval_hours.max(1))
                        .ok_or_else(|| {
                            RecallError::malformed(
                                format!("recall {}", issued.recall_id),
                                &format!(
                                    "`{}` is {}: at most {} hours",
                                    crate::recall::attr::REMINDER_INTERVAL_HOURS,
                                    issued.reminder_interval_hours,
                                    crate::recall::MAX_HOURS
                                ),
                            )
                        })?;
                    let number = u32::try_from(
                        (now - due).whole_seconds() / interval.whole_seconds().max(1),
                    )
                    .unwrap_or(0)
                        + 1;
                    if crate::escalation::due_for_escalation(&issued, &partner, now) {
                        // An answer whose event is late or lost is in Trading Grid: a partner
                        // who answered is never escalated.
                        let key = issued.partner_key(&partner.partner_id);
                        if let Some(taken) = self.answer_in_tg(&key, &partner).await?
                            && taken.refused.is_empty()
                        {
                            answered.push(json!({"recall_id": issued.recall_id, "partner_id": partner.partner_id, "state": taken.state}));
                            continue;
                        }
                        let escalation = self.escalate(&issued, &partner, now).await?;
                        escalated.push(json!({"recall_id": issued.recall_id, "partner_id": partner.partner_id, "at": escalation.at, "message_id": escalation.message_id, "note": escalation.note}));
                        changed = true;
                        continue;
                    }
                    // A partner whose answer does not read is still reminded.
                    if answers::answered(&partner.lots, &partner.answers)
                        || partner.reminders >= number
                        || partner.escalation.is_some()
                    {
                        continue;
                    }
                    let Some(campaign_id) = partner.campaign_id.clone() else {
                        continue;
                    };
                    let tg = self.platform.tg.clone();
                    let partner_id = partner.partner_id.clone();
                    let recall_id = issued.recall_id.clone();
                    let outcome = self
                        .platform
                        .effects
                        .once(
                            &EffectKey::new(
                                "tg-recall-reminder",
                                format!("{}/{number}", issued.partner_key(&partner.partner_id)),
                            ),
                            None,
                            |k| async move {
                                let sent = tg
                                    .remind(
                                        &crate::issue::key(&k)?,
                                        &gridlink_tgrid::CampaignId::new(&campaign_id),
                                        &gridlink_tgrid::model::NewReminder {
                                            partner_ids: vec![gridlink_tgrid::PartnerId::new(&partner_id)],
                                            message: format!("Reminder {number}: recall {recall_id} is overdue; please answer."),
                                        },
                                    )
                                    .await?;
                                Ok::<_, RecallError>(json!({"reminded": sent.reminded}))
                            },
                        )
                        .await
                        .map_err(RecallError::from_effect)?;
                    self.change_partner(&issued.partner_key(&partner.partner_id), |p| {
                        if p.reminders >= number {
                            return false;
                        }
                        p.reminders = number;
                        true
                    })
                    .await?;
                    changed = true;
                    if outcome.ran_now() {
                        tracing::info!(recall_id = %issued.recall_id, partner_id = %partner.partner_id, number, "overdue partner reminded");
                        reminded.push(json!({"recall_id": issued.recall_id, "partner_id": partner.partner_id, "number": number}));
                    }
                }
                if changed {
                    self.file_rollup(&recall).await?;
                }
                Ok::<_, RecallError>(())
            })
            .await;
            // One recall's failure does not stop the others; the run still fails at the end.
            if let Err(error) = done {
                tracing::error!(recall_id = %recall.recall_id, %error, "deadlines of this recall failed; the other recalls are processed");
                failed.push((recall.recall_id.clone(), error));
            }
        }
        if !failed.is_empty() {
            return Err(RecallError::Recalls(failed));
        }
        Ok(
            json!({"reminded": reminded, "escalated": escalated, "answered_without_event": answered, "filed_late": filed_late}),
        )
    }
}
