//! Campaigns: one notice to many partners, with a response from each.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ExternalRef, Extra};
use crate::ids::{AttachmentId, CampaignId, PartnerId};

/// What a campaign is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// A product recall that every affected partner must answer.
    RecallNotice,
    /// Partner onboarding.
    Onboarding,
    /// An announcement.
    Announcement,
    /// A kind this client does not know.
    #[serde(other)]
    Unknown,
}

/// The form partners fill in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseForm {
    /// The fields, in display order.
    pub fields: Vec<FormField>,
}

/// One form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Key in `form_data`.
    pub name: String,
    /// Label shown to the partner.
    #[serde(default)]
    pub label: String,
    /// Value type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Whether a response must carry it.
    #[serde(default)]
    pub required: bool,
}

/// The type of a form field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A string.
    Text,
    /// A JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// An attachment id (`att_…`) that is also listed in the response's `attachment_ids`.
    Attachment,
    /// A type this client does not know.
    #[serde(other)]
    Unknown,
}

/// The body of `POST /v1/campaigns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCampaign {
    /// What it is for.
    pub kind: CampaignKind,
    /// Title.
    pub title: String,
    /// The notice text.
    #[serde(default)]
    pub message: String,
    /// Who receives it (at least one).
    pub partner_ids: Vec<PartnerId>,
    /// Files sent with the notice.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// The form partners answer with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_form: Option<ResponseForm>,
    /// Deadline for responses.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The record this campaign belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// The campaign's id.
    pub campaign_id: CampaignId,
    /// What it is for.
    pub kind: CampaignKind,
    /// Title.
    pub title: String,
    /// The notice text.
    #[serde(default)]
    pub message: String,
    /// Files sent with it.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// The form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_form: Option<ResponseForm>,
    /// Deadline.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The record this campaign belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<ExternalRef>,
    /// Each recipient's state.
    pub recipients: Vec<CampaignRecipient>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Fields this client does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One recipient of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRecipient {
    /// The partner.
    pub partner_id: PartnerId,
    /// Where the partner is.
    pub status: ResponseStatus,
}

/// A recipient's response state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// Notified, nothing yet.
    Invited,
    /// Opened.
    Viewed,
    /// Answered the form.
    Responded,
    /// Said no.
    Declined,
    /// The deadline passed without a response.
    Expired,
    /// A status this client does not know.
    #[serde(other)]
    Unknown,
}

/// One row of `GET /v1/campaigns/{campaign_id}/responses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignResponse {
    /// The partner.
    pub partner_id: PartnerId,
    /// Where the partner is.
    pub status: ResponseStatus,
    /// When the partner answered.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub responded_at: Option<OffsetDateTime>,
    /// The answers, keyed by field name.
    #[serde(default)]
    pub form_data: serde_json::Map<String, serde_json::Value>,
    /// Files the partner returned.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
}

/// The body of `POST /v1/campaigns/{campaign_id}/reminders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReminder {
    /// Who to remind; empty means every recipient who has not responded.
    #[serde(default)]
    pub partner_ids: Vec<PartnerId>,
    /// The reminder text.
    #[serde(default)]
    pub message: String,
}

/// The answer to a reminder (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSent {
    /// Partners who were reminded.
    pub reminded: Vec<PartnerId>,
    /// Partners skipped because they had already responded or declined.
    #[serde(default)]
    pub skipped: Vec<PartnerId>,
}
