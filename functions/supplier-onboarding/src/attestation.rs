//! The annual code-of-conduct re-attestation: one Trading Grid campaign a year to every
//! supplier whose requirements include `code_of_conduct`, instead of one document request
//! each.
//!
//! On the renewals sweep on or after `ATTESTATION_DAY` (`MM-DD`, by default `01-15`; `off`
//! disables it) of a year, the campaign of that year is created once — the effect
//! `tg-onb-attestation / <year>` — to the partners of the tracked, unparked suppliers that
//! need the attestation, with a form of `attested` (boolean), `signature_date` (date) and
//! `signed_attestation` (attachment), all required, due `REQUEST_DUE_DAYS` later. It is
//! recorded as `supplier-onboarding-attestation / <year>` (campaign id and each partner's
//! supplier workspace); each supplier's code-of-conduct requirement, when it was accepted,
//! reads `renewal requested`, so the renewals sweep does not ask for it a second time.
//!
//! Each `campaign.response_received` of that campaign is read again from TG (the event is
//! only a trigger) and validated ([`crate::validate::validate_attestation`]): a valid answer
//! is filed as the supplier's code-of-conduct document (a new version of the same document
//! in `Certificates/Attestations`) and accepts the requirement, valid 365 days
//! (`validity_days`) from the signing date; an invalid one is answered with a message in the
//! supplier's onboarding thread whose text names the field (`form_data.attested`,
//! `form_data.signature_date`, `attachment_ids`, `file`), and the requirement's `Reason` says
//! the same — a campaign answer has no review call, and the partner may answer again. A
//! partner that is not a recipient of the year's campaign is refused (logged, nothing filed).
//! Each answer (campaign, partner, `responded_at`) is decided once.

use gridlink_flow::EffectKey;
use gridlink_store::{LedgerError, NewRecord, RecordId};
use gridlink_tgrid::events::Event;
use gridlink_tgrid::model::{
    CampaignKind, ExternalRef, FieldType, FormField, NewCampaign, NewMessage, ResponseForm,
};
use gridlink_tgrid::{ByteRange, CampaignId, PartnerId};
use gridlink_xecm::NodeId;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use time::Date;

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::matrix::Matrix;
use crate::standing::State;
use crate::submission::{Decided, Provenance};
use crate::sync::{key, rfc3339};
use crate::validate::{FileFacts, Verdict, format_date, validate_attestation};

/// The requirement kind the campaign renews.
pub const KIND: &str = "code_of_conduct";

/// The external reference system of the campaigns (`gridlink-onboarding:coc-<year>`).
pub const EXTERNAL_SYSTEM: &str = "gridlink-onboarding";

/// The ledger kind of a year's campaign.
pub const ATTESTATION_KIND: &str = "supplier-onboarding-attestation";

/// A year's campaign as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationCampaign {
    /// The year.
    pub year: i32,
    /// The campaign.
    pub campaign_id: String,
    /// Each recipient partner's supplier workspace.
    pub recipients: BTreeMap<String, i64>,
}

/// Whether the campaign of `today`'s year is due (`day`: month and day).
pub fn campaign_due(day: Option<(u8, u8)>, today: Date) -> bool {
    day.is_some_and(|(month, d)| (u8::from(today.month()), today.day()) >= (month, d))
}

fn form() -> ResponseForm {
    let field = |name: &str, label: &str, field_type| FormField {
        name: name.into(),
        label: label.into(),
        field_type,
        required: true,
    };
    ResponseForm {
        fields: vec![
            field(
                "attested",
                "I confirm we comply with the supplier code of conduct",
                FieldType::Boolean,
            ),
            field("signature_date", "Date signed", FieldType::Date),
            field(
                "signed_attestation",
                "The signed attestation (PDF)",
                FieldType::Attachment,
            ),
        ],
    }
}

impl SupplierOnboarding {
    /// The year's campaign, created once when it is due; `None` before the day, when it is
    /// off, or when no supplier needs the attestation.
    pub(crate) async fn attestation_campaign(
        &self,
        matrix: &Matrix,
        today: Date,
    ) -> Result<Option<AttestationCampaign>, OnboardingError> {
        if !campaign_due(self.config.attestation_day, today) {
            return Ok(None);
        }
        let year = today.year();
        let id = RecordId::new(ATTESTATION_KIND, year.to_string())?;
        if let Some(record) = self.platform.ledger.get(&id).await? {
            return serde_json::from_value(record.data)
                .map(Some)
                .map_err(|e| OnboardingError::malformed(id.to_string(), e));
        }
        let Some(rule) = matrix.requirement(KIND) else {
            return Ok(None);
        };
        let mut recipients = BTreeMap::new();
        for standing in self.standings().await? {
            if standing.parked.is_some() {
                continue;
            }
            let needs = standing
                .requirements
                .get(KIND)
                .is_some_and(|r| r.required && r.state != State::Waived);
            if let (true, Some(partner)) = (needs, standing.partner_id.clone()) {
                recipients.insert(partner, standing.workspace_id);
            }
        }
        if recipients.is_empty() {
            return Ok(None);
        }
        if self.config.renewals_dry_run {
            return Ok(Some(AttestationCampaign {
                year,
                campaign_id: String::new(),
                recipients,
            }));
        }
        let due_at = self.platform.clock.now() + self.config.request_due;
        let new = NewCampaign {
            kind: CampaignKind::Onboarding,
            title: format!("{} {year}", rule.title()),
            message: format!(
                "Please confirm for {year} that your company complies with our supplier code of conduct: answer `attested`, the date you signed, and the signed attestation as a PDF."
            ),
            partner_ids: recipients.keys().map(PartnerId::new).collect(),
            attachment_ids: Vec::new(),
            response_form: Some(form()),
            due_at: Some(due_at),
            external_ref: Some(ExternalRef::new(EXTERNAL_SYSTEM, format!("coc-{year}"))),
        };
        let tg = self.platform.tg.clone();
        let created = self
            .platform
            .effects
            .once(
                &EffectKey::new("tg-onb-attestation", year.to_string()),
                None,
                |k| async move {
                    let campaign = tg.start_campaign(&key(&k)?, &new).await?;
                    Ok::<_, OnboardingError>(json!({
                        "campaign_id": campaign.campaign_id.as_str(),
                        "partner_ids": campaign.recipients.iter().map(|r| r.partner_id.as_str().to_owned()).collect::<Vec<_>>(),
                    }))
                },
            )
            .await
            .map_err(OnboardingError::from_effect)?
            .into_inner();
        let campaign_id = created["campaign_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // the recipients TG has (a replayed creation keeps the first attempt's)
        let invited: Vec<String> = created["partner_ids"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        recipients.retain(|partner, _| invited.contains(partner));
        let campaign = AttestationCampaign {
            year,
            campaign_id,
            recipients,
        };
        let data = serde_json::to_value(&campaign)
            .map_err(|e| OnboardingError::malformed(id.to_string(), e))?;
        match self
            .platform
            .ledger
            .create(NewRecord::new(id, "OPEN", data))
            .await
        {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let at = rfc3339(self.platform.clock.now());
        for (partner, workspace) in &campaign.recipients {
            let campaign_id = campaign.campaign_id.clone();
            self.change_standing(*workspace, |s| {
                let Some(r) = s.requirements.get_mut(KIND) else {
                    return false;
                };
                if r.campaign_id.as_deref() == Some(campaign_id.as_str()) {
                    return false;
                }
                r.campaign_id = Some(campaign_id.clone());
                if matches!(r.state, State::Accepted | State::Expiring) {
                    r.state = State::RenewalRequested;
                    r.renewal_steps = r.renewal_steps.max(1);
                }
                s.note(
                    &at,
                    KIND,
                    "attestation requested",
                    format!("TG campaign {campaign_id} ({year})"),
                );
                true
            })
            .await?;
            tracing::info!(workspace_id = workspace, partner_id = %partner, campaign_id = %campaign.campaign_id, year, "annual attestation requested");
        }
        Ok(Some(campaign))
    }

    /// Handles a `campaign.response_received` (see the module docs).
    #[tracing::instrument(skip_all, fields(event_id = %event.event_id))]
    #[allow(clippy::single_match_else)] // accepted with its one file, or refused
    pub async fn on_attestation(&self, event: &Event) -> Result<Decided, OnboardingError> {
        let ignored = |why: &str| Decided {
            ignored: Some(why.to_owned()),
            ..Decided::default()
        };
        let Some(received) = event.campaign_response() else {
            return Err(OnboardingError::malformed(
                event.event_id.as_str(),
                "the data is not a campaign response",
            ));
        };
        let Some(year) = received
            .external_ref
            .as_ref()
            .filter(|r| r.system == EXTERNAL_SYSTEM)
            .and_then(|r| r.id.strip_prefix("coc-"))
            .and_then(|y| y.parse::<i32>().ok())
        else {
            return Ok(ignored(
                "not an attestation campaign of supplier-onboarding",
            ));
        };
        let id = RecordId::new(ATTESTATION_KIND, year.to_string())?;
        let Some(record) = self.platform.ledger.get(&id).await? else {
            return Ok(ignored("no attestation campaign is recorded for that year"));
        };
        let campaign: AttestationCampaign = serde_json::from_value(record.data)
            .map_err(|e| OnboardingError::malformed(id.to_string(), e))?;
        if campaign.campaign_id != received.campaign_id.as_str() {
            return Ok(ignored("not this year's attestation campaign"));
        }
        let partner = received.response.partner_id.as_str().to_owned();
        let Some(&workspace) = campaign.recipients.get(&partner) else {
            tracing::warn!(campaign_id = %campaign.campaign_id, partner_id = %partner, "an answer from a partner the attestation was not sent to: nothing filed");
            return Ok(ignored("the partner is not a recipient of the campaign"));
        };
        gridlink_flow::timeline::about("supplier", &workspace.to_string());
        let Some(standing) = self.standing(workspace).await? else {
            return Ok(ignored("the supplier is not tracked"));
        };
        if standing.partner_id.as_deref() != Some(partner.as_str()) {
            tracing::warn!(workspace_id = workspace, partner_id = %partner, "the answering partner is no longer the supplier's partner: nothing filed");
            return Ok(ignored("the partner is no longer this supplier's partner"));
        }
        // the event is a trigger: the answer as TG has it now
        let campaign_id = CampaignId::new(&campaign.campaign_id);
        let responses = self.platform.tg.campaign_responses(&campaign_id).await?;
        let Some(response) = responses
            .into_iter()
            .find(|r| r.partner_id.as_str() == partner)
        else {
            return Ok(ignored("TG has no answer of the partner"));
        };
        let Some(responded_at) = response.responded_at else {
            return Ok(ignored("the partner has not answered"));
        };
        let answer_key = format!(
            "{}/{partner}/{}",
            campaign.campaign_id,
            responded_at.unix_timestamp_nanos()
        );
        let Some(requirement) = standing.requirements.get(KIND).cloned() else {
            return Ok(ignored("the supplier no longer needs the attestation"));
        };
        if requirement.decided_submission.as_deref() == Some(answer_key.as_str()) {
            return Ok(ignored("this answer was decided already"));
        }
        let matrix = self.matrix().await?;
        let Some(rule) = matrix.requirement(KIND).cloned() else {
            return Ok(ignored("the matrix no longer lists the attestation"));
        };
        let mut attachments = Vec::new();
        let mut files = Vec::new();
        for attachment_id in &response.attachment_ids {
            let attachment = self.platform.tg.attachment(attachment_id).await?;
            let head = if attachment.size_bytes == 0 {
                Vec::new()
            } else {
                self.platform
                    .tg
                    .attachment_content(
                        &attachment.attachment_id,
                        Some(ByteRange {
                            start: 0,
                            end: Some(attachment.size_bytes.min(16) - 1),
                        }),
                    )
                    .await?
                    .into_bytes()
                    .await?
                    .to_vec()
            };
            files.push(FileFacts {
                size: attachment.size_bytes,
                head,
            });
            attachments.push(attachment);
        }
        let verdict = validate_attestation(
            &matrix,
            &rule,
            &response.form_data,
            &files,
            self.platform.clock.now(),
        );
        let at = rfc3339(self.platform.clock.now());
        let mut decided = Decided {
            workspace_id: Some(workspace),
            kind: Some(KIND.to_owned()),
            ..Decided::default()
        };
        let ws = NodeId::new(workspace)?;
        match (&verdict, attachments.as_slice()) {
            (
                Verdict::Accepted {
                    valid_from,
                    valid_until,
                    checks,
                },
                [attachment],
            ) => {
                let (document_id, version) = self
                    .file_compliance_document(
                        ws,
                        &rule,
                        attachment,
                        &Provenance {
                            source_request: campaign.campaign_id.clone(),
                            source_item: format!("attestation {}", campaign.year),
                            description: format!(
                                "{} from TG campaign {} ({}; sha256 {})",
                                rule.title(),
                                campaign.campaign_id,
                                campaign.year,
                                attachment.sha256
                            ),
                            review_status: "accepted",
                        },
                        *valid_from,
                        *valid_until,
                        checks,
                        requirement.document_version,
                    )
                    .await?;
                let (from, until) = (valid_from.map(format_date), valid_until.map(format_date));
                self.change_standing(workspace, |s| {
                    let Some(r) = s.requirements.get_mut(KIND) else {
                        return false;
                    };
                    if r.decided_submission.as_deref() == Some(answer_key.as_str()) {
                        return false;
                    }
                    r.state = State::Accepted;
                    r.valid_from.clone_from(&from);
                    r.valid_until.clone_from(&until);
                    r.document_id = Some(document_id);
                    r.document_version = Some(version);
                    r.renewal_steps = 0;
                    r.pending = None;
                    r.reason = None;
                    r.reviewer = None;
                    r.reset_reminders();
                    r.decided_submission = Some(answer_key.clone());
                    s.note(
                        &at,
                        KIND,
                        "attested",
                        format!(
                            "campaign {} ({year}): document {document_id} version {version}; checks: {}",
                            campaign.campaign_id,
                            checks.join("; ")
                        ),
                    );
                    true
                })
                .await?;
                tracing::info!(workspace_id = workspace, partner_id = %partner, campaign_id = %campaign.campaign_id, document_id, version, "attestation accepted");
                decided.decision = Some("accepted".into());
                decided.document_id = Some(document_id);
                decided.version = Some(version);
            }
            _ => {
                let reason = verdict.rejection().unwrap_or_else(|| {
                    "attachment_ids: send exactly one signed attestation".into()
                });
                let message = NewMessage {
                    body: format!(
                        "Your code of conduct attestation for {year} could not be accepted: {reason}. Please answer the campaign again."
                    ),
                    attachment_ids: Vec::new(),
                    structured: Some(json!({
                        "workspace_id": workspace, "kind": KIND,
                        "campaign_id": campaign.campaign_id, "decision": "rejected",
                        "reason": reason,
                    })),
                    action_request: Some(gridlink_tgrid::model::ActionRequest {
                        kind: "answer_campaign".into(),
                        due_at: None,
                    }),
                };
                self.post_onboarding(
                    &standing,
                    "tg-onb-attestation-answer",
                    answer_key.clone(),
                    message,
                )
                .await?;
                self.change_standing(workspace, |s| {
                    let Some(r) = s.requirements.get_mut(KIND) else {
                        return false;
                    };
                    if r.decided_submission.as_deref() == Some(answer_key.as_str()) {
                        return false;
                    }
                    r.reason = Some(reason.clone());
                    r.decided_submission = Some(answer_key.clone());
                    s.note(&at, KIND, "attestation rejected", reason.clone());
                    true
                })
                .await?;
                tracing::info!(workspace_id = workspace, partner_id = %partner, campaign_id = %campaign.campaign_id, reason, "attestation rejected");
                decided.decision = Some("rejected".into());
                decided.reason = Some(reason);
            }
        }
        decided.status = Some(self.project(ws).await?.to_owned());
        Ok(decided)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_campaign_is_due_from_its_day_to_the_end_of_the_year() {
        let day = Some((1, 15));
        assert!(!campaign_due(day, date!(2027 - 01 - 14)));
        assert!(campaign_due(day, date!(2027 - 01 - 15)));
        assert!(campaign_due(day, date!(2027 - 12 - 31)));
        assert!(!campaign_due(None, date!(2027 - 12 - 31)), "off");
    }
}
