//! `/v1/campaigns…` (tenant side).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gridlink_tgrid::CampaignId;
use gridlink_tgrid::model::{
    Campaign, CampaignKind, CampaignRecipient, CampaignResponse, ExternalRef, NewCampaign,
    NewReminder, Page, ReminderSent, ResponseStatus,
};
use serde::Deserialize;
use time::OffsetDateTime;

use super::{check_recipients, created};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Tenant};
use crate::idempotency::fingerprint;
use crate::sim::Sim;
use crate::state::{CampaignRecord, Reminder, limit, page};

pub(crate) async fn create(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewCampaign>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint("POST /v1/campaigns", &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    if new.kind == CampaignKind::Unknown {
        return Err(ApiError::invalid_field(
            "kind",
            "kind must be recall_notice, onboarding or announcement",
        ));
    }
    if new.title.trim().is_empty() {
        return Err(ApiError::invalid_field("title", "title must not be empty"));
    }
    if let Some(form) = &new.response_form {
        let mut names = std::collections::HashSet::new();
        for (position, field) in form.fields.iter().enumerate() {
            if field.name.trim().is_empty() || !names.insert(field.name.as_str()) {
                return Err(ApiError::invalid_field(
                    &format!("response_form.fields[{position}].name"),
                    "field names must be non-empty and unique",
                ));
            }
            if field.field_type == gridlink_tgrid::model::FieldType::Unknown {
                return Err(ApiError::invalid_field(
                    &format!("response_form.fields[{position}].type"),
                    "type must be text, number, boolean, date or attachment",
                ));
            }
        }
    }
    sim.write(|state| {
        check_recipients(state, &new.partner_ids, &new.attachment_ids)?;
        let campaign = Campaign {
            campaign_id: CampaignId::new(state.new_id("cmp_")),
            kind: new.kind,
            title: new.title,
            message: new.message,
            attachment_ids: new.attachment_ids,
            response_form: new.response_form,
            due_at: new.due_at,
            external_ref: new.external_ref,
            recipients: new
                .partner_ids
                .iter()
                .map(|p| CampaignRecipient {
                    partner_id: p.clone(),
                    status: ResponseStatus::Invited,
                })
                .collect(),
            created_at: sim.now(),
            extra: serde_json::Map::new(),
        };
        let responses = new
            .partner_ids
            .iter()
            .map(|p| CampaignResponse {
                partner_id: p.clone(),
                status: ResponseStatus::Invited,
                responded_at: None,
                form_data: serde_json::Map::new(),
                attachment_ids: Vec::new(),
            })
            .collect();
        state.campaigns.insert(
            campaign.campaign_id.clone(),
            CampaignRecord {
                campaign: campaign.clone(),
                responses,
                reminders: Vec::new(),
            },
        );
        created(&sim, state, &lock, &print, StatusCode::CREATED, &campaign)
    })
}

/// Recipients past the deadline without an answer become `expired`.
pub(crate) fn expire(record: &mut CampaignRecord, now: OffsetDateTime) {
    if record.campaign.due_at.is_none_or(|due| due >= now) {
        return;
    }
    for response in &mut record.responses {
        if matches!(
            response.status,
            ResponseStatus::Invited | ResponseStatus::Viewed
        ) {
            response.status = ResponseStatus::Expired;
        }
    }
    sync_recipients(record);
}

/// Copies each response's status onto the campaign's recipient list.
pub(crate) fn sync_recipients(record: &mut CampaignRecord) {
    for recipient in &mut record.campaign.recipients {
        if let Some(response) = record
            .responses
            .iter()
            .find(|r| r.partner_id == recipient.partner_id)
        {
            recipient.status = response.status;
        }
    }
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Campaign>> {
    let now = sim.now();
    sim.write(|state| {
        let record = state
            .campaigns
            .get_mut(&CampaignId::new(&id))
            .ok_or_else(|| ApiError::not_found("campaign", &id))?;
        expire(record, now);
        Ok(Json(record.campaign.clone()))
    })
}

pub(crate) async fn responses(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Page<CampaignResponse>>> {
    let now = sim.now();
    sim.write(|state| {
        let record = state
            .campaigns
            .get_mut(&CampaignId::new(&id))
            .ok_or_else(|| ApiError::not_found("campaign", &id))?;
        expire(record, now);
        Ok(Json(Page {
            items: record.responses.clone(),
            next_cursor: None,
        }))
    })
}

/// Reminds recipients who have not answered (202); those who responded or declined are
/// skipped; a partner who is not a recipient is 422.
pub(crate) async fn remind(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(new, raw): ApiJson<NewReminder>,
) -> ApiResult<Response> {
    let lock = sim.lock_key(&headers).await?;
    let print = fingerprint(&format!("POST /v1/campaigns/{id}/reminders"), &raw);
    if let Some(replayed) = sim.replay(&lock, &print)? {
        return Ok(replayed);
    }
    let now = sim.now();
    sim.write(|state| {
        let record = state
            .campaigns
            .get_mut(&CampaignId::new(&id))
            .ok_or_else(|| ApiError::not_found("campaign", &id))?;
        expire(record, now);
        if let Some(stranger) = new
            .partner_ids
            .iter()
            .find(|p| !record.responses.iter().any(|r| &r.partner_id == *p))
        {
            return Err(ApiError::unprocessable(format!(
                "partner {stranger} is not a recipient of campaign {id}"
            )));
        }
        let wanted = |p: &gridlink_tgrid::PartnerId| {
            new.partner_ids.is_empty() || new.partner_ids.contains(p)
        };
        let (mut reminded, mut skipped) = (Vec::new(), Vec::new());
        for response in record.responses.iter().filter(|r| wanted(&r.partner_id)) {
            if matches!(
                response.status,
                ResponseStatus::Invited | ResponseStatus::Viewed | ResponseStatus::Expired
            ) {
                reminded.push(response.partner_id.clone());
            } else {
                skipped.push(response.partner_id.clone());
            }
        }
        record.reminders.push(Reminder {
            partner_ids: reminded.clone(),
            message: new.message,
        });
        created(
            &sim,
            state,
            &lock,
            &print,
            StatusCode::ACCEPTED,
            &ReminderSent { reminded, skipped },
        )
    })
}

/// Unknown parameters (another filter) are refused, never ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CampaignQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    where_external_ref: Option<String>,
}

/// `GET /v1/campaigns?where_external_ref=system:id&limit=&cursor=`: the campaigns carrying
/// that external reference (all campaigns without the filter), oldest first.
pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> ApiResult<Json<Page<Campaign>>> {
    let limit = limit(q.limit)?;
    let external_ref = q
        .where_external_ref
        .as_deref()
        .map(|r| {
            ExternalRef::parse(r).ok_or_else(|| {
                ApiError::invalid_field(
                    "where_external_ref",
                    "where_external_ref must be system:id",
                )
            })
        })
        .transpose()?;
    let now = sim.now();
    sim.write(|state| {
        let items = state
            .campaigns
            .values_mut()
            .filter(|c| {
                external_ref
                    .as_ref()
                    .is_none_or(|r| c.campaign.external_ref.as_ref() == Some(r))
            })
            .map(|record| {
                expire(record, now);
                (
                    record.campaign.campaign_id.to_string(),
                    record.campaign.clone(),
                )
            })
            .collect();
        Ok(Json(page(items, q.cursor.as_deref(), limit)))
    })
}
