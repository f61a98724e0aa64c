//! Partner answers: acknowledging or declining shares, submitting requested documents,
//! answering campaigns.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Request, State};
use gridlink_tgrid::model::{
    AckStatus, Campaign, CampaignResponse, DocumentRequest, FieldType, ItemStatus, Page,
    RequestStatus, ResponseForm, ResponseStatus, Share, ShareStatus,
};
use gridlink_tgrid::{CampaignId, EventType, PartnerId, RequestId, ShareId};

use super::{PartnerBody, known_partner};
use crate::error::{ApiError, ApiResult};
use crate::routes::campaigns::{expire, sync_recipients};
use crate::routes::requests::settle;
use crate::sim::Sim;

pub(crate) async fn shares(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
) -> ApiResult<Json<Page<Share>>> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    sim.read(|state| {
        let items = state
            .shares
            .values()
            .filter(|r| {
                r.share
                    .recipients
                    .iter()
                    .any(|x| x.partner_id == partner_id)
            })
            .map(|r| r.share.clone())
            .collect();
        Ok(Json(Page {
            items,
            next_cursor: None,
        }))
    })
}

/// `view`, `acknowledge` or `decline` a share (`{"by","comment","attachment_ids"}`).
/// Emits `share.acknowledged` / `share.declined`. Answering the same way again is a no-op;
/// changing an answer, or answering a revoked share, is 409.
pub(crate) async fn answer_share(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, share_id, action)): Path<(String, String, String)>,
    request: Request,
) -> ApiResult<Json<Share>> {
    let (partner_id, share_id) = (PartnerId::new(partner_id), ShareId::new(share_id));
    known_partner(&sim, &partner_id)?;
    let target = match action.as_str() {
        "view" => AckStatus::Viewed,
        "acknowledge" => AckStatus::Acknowledged,
        "decline" => AckStatus::Declined,
        other => return Err(ApiError::not_found("share action", other)),
    };
    sim.read(|state| {
        recipient_check(
            state.shares.get(&share_id).map(|r| &r.share),
            &partner_id,
            &share_id,
        )
    })?;
    let body = PartnerBody::read(&sim, &partner_id, request).await?;
    let now = sim.now();
    sim.write(|state| {
        let record = state.shares.get_mut(&share_id).ok_or_else(|| ApiError::not_found("share", share_id.as_str()))?;
        if record.share.status == ShareStatus::Revoked {
            return Err(ApiError::conflict(format!("share {share_id} was revoked")));
        }
        let ack = record.acknowledgments.iter_mut().find(|a| a.partner_id == partner_id).ok_or_else(|| ApiError::internal("recipient without row"))?;
        let settled = matches!(ack.status, AckStatus::Acknowledged | AckStatus::Declined);
        if ack.status == target || (settled && target == AckStatus::Viewed) {
            return Ok(Json(record.share.clone()));
        }
        if settled {
            return Err(ApiError::conflict(format!("partner {partner_id} already answered share {share_id}")));
        }
        ack.status = target;
        ack.at = Some(now);
        ack.by = body.text("by").or_else(|| Some(partner_id.to_string()));
        ack.comment = body.text("comment");
        ack.attachment_ids = body.attachment_ids();
        let ack = ack.clone();
        for recipient in &mut record.share.recipients {
            if recipient.partner_id == partner_id {
                recipient.status = target;
            }
        }
        let share = record.share.clone();
        let event = match target {
            AckStatus::Acknowledged => Some(EventType::ShareAcknowledged),
            AckStatus::Declined => Some(EventType::ShareDeclined),
            _ => None,
        };
        if let Some(event) = event {
            let data = serde_json::json!({"share_id": share.share_id, "external_ref": share.external_ref, "acknowledgment": ack});
            sim.emit(state, event, data);
        }
        Ok(Json(share))
    })
}

fn recipient_check(
    share: Option<&Share>,
    partner_id: &PartnerId,
    share_id: &ShareId,
) -> ApiResult<()> {
    let share = share.ok_or_else(|| ApiError::not_found("share", share_id.as_str()))?;
    if share.recipients.iter().any(|r| &r.partner_id == partner_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "share {share_id} is not addressed to partner {partner_id}"
        )))
    }
}

pub(crate) async fn requests(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
) -> ApiResult<Json<Page<DocumentRequest>>> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    sim.read(|state| {
        Ok(Json(Page {
            items: state
                .requests
                .values()
                .filter(|r| r.partner_id == partner_id)
                .cloned()
                .collect(),
            next_cursor: None,
        }))
    })
}

/// Submits evidence for one item (`{"attachment_ids","valid_from","valid_until"}` or
/// multipart with files). Emits `document_request.item_submitted`. A rejected item can be
/// submitted again; an accepted one cannot (409).
pub(crate) async fn submit_item(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, request_id, item_id)): Path<(String, String, String)>,
    request: Request,
) -> ApiResult<Json<DocumentRequest>> {
    let (partner_id, request_id) = (PartnerId::new(partner_id), RequestId::new(request_id));
    known_partner(&sim, &partner_id)?;
    sim.read(|state| {
        let found = state
            .requests
            .get(&request_id)
            .ok_or_else(|| ApiError::not_found("document request", request_id.as_str()))?;
        if found.partner_id == partner_id {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "document request {request_id} is not addressed to partner {partner_id}"
            )))
        }
    })?;
    let body = PartnerBody::read(&sim, &partner_id, request).await?;
    let fields = crate::routes::requests::submission_fields(body.fields.get("fields"))?;
    let attachment_ids = body.attachment_ids();
    if attachment_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "attachment_ids",
            "submit at least one file",
        ));
    }
    let now = sim.now();
    sim.write(|state| {
        for id in &attachment_ids {
            if !state.attachment_visible_to(id, &partner_id) {
                return Err(ApiError::forbidden(format!(
                    "attachment {id} is not visible to partner {partner_id}"
                )));
            }
        }
        let found = state
            .requests
            .get_mut(&request_id)
            .ok_or_else(|| ApiError::not_found("document request", request_id.as_str()))?;
        if found.status == RequestStatus::Cancelled {
            return Err(ApiError::conflict(format!(
                "document request {request_id} was cancelled"
            )));
        }
        let item = found
            .items
            .iter_mut()
            .find(|i| i.item_id.as_str() == item_id)
            .ok_or_else(|| ApiError::not_found("request item", &item_id))?;
        if item.status == ItemStatus::Accepted {
            return Err(ApiError::conflict(format!(
                "item {item_id} was already accepted"
            )));
        }
        item.status = ItemStatus::Submitted;
        item.attachment_ids = attachment_ids;
        item.valid_from = body.text("valid_from");
        item.valid_until = body.text("valid_until");
        item.submitted_at = Some(now);
        item.review_reason = None;
        item.fields = fields;
        let item_id = item.item_id.clone();
        settle(found, now);
        let found = found.clone();
        sim.emit(
            state,
            EventType::DocumentRequestItemSubmitted,
            serde_json::json!({"item_id": item_id, "request": found}),
        );
        Ok(Json(found))
    })
}

pub(crate) async fn campaigns(
    State(sim): State<Arc<Sim>>,
    Path(partner_id): Path<String>,
) -> ApiResult<Json<Page<Campaign>>> {
    let partner_id = PartnerId::new(partner_id);
    known_partner(&sim, &partner_id)?;
    sim.read(|state| {
        let items = state
            .campaigns
            .values()
            .filter(|r| {
                r.campaign
                    .recipients
                    .iter()
                    .any(|x| x.partner_id == partner_id)
            })
            .map(|r| r.campaign.clone())
            .collect();
        Ok(Json(Page {
            items,
            next_cursor: None,
        }))
    })
}

/// `view`, `respond` (`{"form_data":{…},"attachment_ids":[…]}`, checked against the
/// campaign's form: 422 naming the field) or `decline`. Responding and declining emit
/// `campaign.response_received`.
pub(crate) async fn answer_campaign(
    State(sim): State<Arc<Sim>>,
    Path((partner_id, campaign_id, action)): Path<(String, String, String)>,
    request: Request,
) -> ApiResult<Json<CampaignResponse>> {
    let (partner_id, campaign_id) = (PartnerId::new(partner_id), CampaignId::new(campaign_id));
    known_partner(&sim, &partner_id)?;
    let target = match action.as_str() {
        "view" => ResponseStatus::Viewed,
        "respond" => ResponseStatus::Responded,
        "decline" => ResponseStatus::Declined,
        other => return Err(ApiError::not_found("campaign action", other)),
    };
    sim.read(|state| {
        let found = state
            .campaigns
            .get(&campaign_id)
            .ok_or_else(|| ApiError::not_found("campaign", campaign_id.as_str()))?;
        if found
            .campaign
            .recipients
            .iter()
            .any(|r| r.partner_id == partner_id)
        {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "campaign {campaign_id} is not addressed to partner {partner_id}"
            )))
        }
    })?;
    let body = PartnerBody::read(&sim, &partner_id, request).await?;
    let form_data = match body.fields.get("form_data") {
        None => serde_json::Map::new(),
        Some(serde_json::Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "form_data",
                "form_data must be a JSON object",
            ));
        }
    };
    let attachment_ids = body.attachment_ids();
    let now = sim.now();
    sim.write(|state| {
        for id in &attachment_ids {
            if !state.attachment_visible_to(id, &partner_id) {
                return Err(ApiError::forbidden(format!("attachment {id} is not visible to partner {partner_id}")));
            }
        }
        let record = state.campaigns.get_mut(&campaign_id).ok_or_else(|| ApiError::not_found("campaign", campaign_id.as_str()))?;
        expire(record, now);
        if target == ResponseStatus::Responded
            && let Some(form) = &record.campaign.response_form {
                check_form(form, &form_data, &attachment_ids)?;
            }
        let (kind, external_ref) = (record.campaign.kind, record.campaign.external_ref.clone());
        let response = record.responses.iter_mut().find(|r| r.partner_id == partner_id).ok_or_else(|| ApiError::internal("recipient without row"))?;
        match (response.status, target) {
            // A late answer (after `expired`) is still an answer: recorded, its `responded_at`
            // after `due_at`; only viewing changes nothing.
            (ResponseStatus::Expired | ResponseStatus::Responded | ResponseStatus::Declined, ResponseStatus::Viewed) => return Ok(Json(response.clone())),
            (ResponseStatus::Declined, ResponseStatus::Responded) => {
                return Err(ApiError::conflict(format!("partner {partner_id} declined campaign {campaign_id}")));
            }
            _ => {}
        }
        response.status = target;
        if target != ResponseStatus::Viewed {
            response.responded_at = Some(now);
            response.form_data = form_data;
            response.attachment_ids = attachment_ids;
        }
        let response = response.clone();
        sync_recipients(record);
        if target != ResponseStatus::Viewed {
            let data = serde_json::json!({"campaign_id": campaign_id, "campaign_kind": kind, "external_ref": external_ref, "response": response});
            sim.emit(state, EventType::CampaignResponseReceived, data);
        }
        Ok(Json(response))
    })
}

/// Checks answers against the form: required fields present, values of the right type,
/// attachment fields naming attachments of the response, no unknown fields.
fn check_form(
    form: &ResponseForm,
    data: &serde_json::Map<String, serde_json::Value>,
    attachment_ids: &[gridlink_tgrid::AttachmentId],
) -> ApiResult<()> {
    let field_error = |name: &str, message: String| {
        ApiError::unprocessable(message).with_details(serde_json::json!({"field": name}))
    };
    if let Some(unknown) = data
        .keys()
        .find(|k| !form.fields.iter().any(|f| &f.name == *k))
    {
        return Err(field_error(
            unknown,
            format!("the form has no field {unknown:?}"),
        ));
    }
    for field in &form.fields {
        let value = data
            .get(&field.name)
            .filter(|v| !v.is_null() && v.as_str() != Some(""));
        let Some(value) = value else {
            if field.required {
                return Err(field_error(
                    &field.name,
                    format!("field {:?} is required", field.name),
                ));
            }
            continue;
        };
        let fits = match field.field_type {
            FieldType::Text => value.is_string(),
            FieldType::Number => {
                value.is_number() || value.as_str().is_some_and(|s| s.parse::<f64>().is_ok())
            }
            FieldType::Boolean => {
                value.is_boolean() || matches!(value.as_str(), Some("true" | "false"))
            }
            FieldType::Date => value.as_str().is_some_and(|s| {
                time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                    .is_ok()
            }),
            FieldType::Attachment => value
                .as_str()
                .is_some_and(|s| attachment_ids.iter().any(|a| a.as_str() == s)),
            FieldType::Unknown => true,
        };
        if !fits {
            return Err(field_error(
                &field.name,
                format!(
                    "field {:?} must be a {:?} value",
                    field.name, field.field_type
                ),
            ));
        }
    }
    Ok(())
}
