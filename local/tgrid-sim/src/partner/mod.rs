//! The partners' side, played by the simulator under `/__sim/partners/{partner_id}/…`.
//!
//! Every action names the acting partner. Acting on a space, thread, share, request or
//! campaign not addressed to that partner is 403, like the real community's visibility
//! rule. Bodies are JSON, or multipart with text fields plus any number of `file` parts
//! (each stored as an attachment owned by the partner).

mod change_answers;
mod collaboration;
mod mailbox;
mod responses;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use axum::routing::{get, post};
use gridlink_tgrid::PartnerId;
use gridlink_tgrid::model::Attachment;

use crate::error::{ApiError, ApiResult};
use crate::extract::{JSON_LIMIT, parse_json};
use crate::routes::attachments::{keep_attachment, receive_file};
use crate::sim::Sim;
use crate::state::Owner;

/// The partner-side routes.
pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route(
            "/__sim/partners/{partner_id}",
            get(collaboration::profile).patch(collaboration::update_profile),
        )
        .route(
            "/__sim/partners/{partner_id}/attachments",
            post(collaboration::upload),
        )
        .route(
            "/__sim/partners/{partner_id}/attachments/{attachment_id}/content",
            get(collaboration::attachment_content),
        )
        .route(
            "/__sim/partners/{partner_id}/spaces",
            get(collaboration::spaces),
        )
        .route(
            "/__sim/partners/{partner_id}/spaces/{space_id}/threads",
            get(collaboration::threads),
        )
        .route(
            "/__sim/partners/{partner_id}/threads/{thread_id}/messages",
            get(collaboration::messages).post(collaboration::post_message),
        )
        .route(
            "/__sim/partners/{partner_id}/shares",
            get(responses::shares),
        )
        .route(
            "/__sim/partners/{partner_id}/shares/{share_id}/{action}",
            post(responses::answer_share),
        )
        .route(
            "/__sim/partners/{partner_id}/document_requests",
            get(responses::requests),
        )
        .route(
            "/__sim/partners/{partner_id}/document_requests/{request_id}/items/{item_id}/submit",
            post(responses::submit_item),
        )
        .route(
            "/__sim/partners/{partner_id}/campaigns",
            get(responses::campaigns),
        )
        .route(
            "/__sim/partners/{partner_id}/campaigns/{campaign_id}/{action}",
            post(responses::answer_campaign),
        )
        .route(
            "/__sim/partners/{partner_id}/documents",
            get(mailbox::documents).post(mailbox::send),
        )
        .route(
            "/__sim/documents/{document_id}/status",
            post(mailbox::move_document),
        )
        .route(
            "/__sim/partners/{partner_id}/documents/{document_id}/answer_change",
            post(change_answers::answer_change),
        )
}

/// A partner action's body: JSON, or multipart text fields plus uploaded files.
pub(crate) struct PartnerBody {
    /// The JSON body, or the multipart text fields as a JSON object (a field holding JSON
    /// is parsed, e.g. `structured` or `form_data`).
    pub fields: serde_json::Value,
    /// Files uploaded with the action, now attachments owned by the partner.
    pub files: Vec<Attachment>,
}

impl PartnerBody {
    /// Reads the body for `partner_id`.
    pub async fn read(sim: &Sim, partner_id: &PartnerId, request: Request) -> ApiResult<Self> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(request, &())
                .await
                .map_err(|e| ApiError::invalid(e.body_text()))?;
            let mut fields = HashMap::new();
            let mut files = Vec::new();
            while let Some(field) = multipart
                .next_field()
                .await
                .map_err(|e| ApiError::invalid(e.body_text()))?
            {
                let name = field.name().unwrap_or_default().to_owned();
                if field.file_name().is_some() || name == "file" {
                    let received =
                        receive_file(sim, field, sim.config.max_attachment_bytes).await?;
                    files.push(
                        keep_attachment(sim, &received, Owner::Partner(partner_id.clone())).await?,
                    );
                } else {
                    let text = field
                        .text()
                        .await
                        .map_err(|e| ApiError::invalid(e.body_text()))?;
                    let value = serde_json::from_str(&text)
                        .ok()
                        .filter(serde_json::Value::is_object)
                        .unwrap_or(serde_json::Value::String(text));
                    fields.insert(name, value);
                }
            }
            return Ok(Self {
                fields: serde_json::Value::Object(fields.into_iter().collect()),
                files,
            });
        }
        let bytes = axum::body::to_bytes(request.into_body(), JSON_LIMIT)
            .await
            .map_err(|_| ApiError::too_large(JSON_LIMIT as u64))?;
        if bytes.is_empty() {
            return Ok(Self {
                fields: serde_json::json!({}),
                files: Vec::new(),
            });
        }
        let crate::extract::ApiJson(fields, _) = parse_json::<serde_json::Value>(&bytes)?;
        Ok(Self {
            fields,
            files: Vec::new(),
        })
    }

    /// A text field.
    pub fn text(&self, name: &str) -> Option<String> {
        self.fields
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    }

    /// Attachment ids named in the body (a JSON array, or a comma list in a form) plus the
    /// uploaded files.
    pub fn attachment_ids(&self) -> Vec<gridlink_tgrid::AttachmentId> {
        let named: Vec<String> = match self.fields.get("attachment_ids") {
            Some(serde_json::Value::Array(ids)) => ids
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(serde_json::Value::String(list)) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        named
            .into_iter()
            .map(gridlink_tgrid::AttachmentId::new)
            .chain(self.files.iter().map(|f| f.attachment_id.clone()))
            .collect()
    }
}

/// The partner must exist (404).
pub(crate) fn known_partner(
    sim: &Sim,
    partner_id: &PartnerId,
) -> ApiResult<gridlink_tgrid::model::Partner> {
    sim.read(|state| Ok(state.partner(partner_id)?.partner.clone()))
}
