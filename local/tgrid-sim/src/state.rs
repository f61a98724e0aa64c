//! Everything the simulator knows, in one serialisable value behind one mutex.

use std::collections::{BTreeMap, HashMap};

use gridlink_tgrid::model::{
    Acknowledgment, Attachment, Campaign, CampaignResponse, Document, DocumentRequest,
    DocumentStatus, Message, Page, Partner, Share, Space, Subscription, Thread,
};
use gridlink_tgrid::{
    AttachmentId, CampaignId, DocumentId, Event, MailboxId, MessageId, PartnerId, PartyId,
    RequestId, ShareId, SpaceId, SubscriptionId, ThreadId,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::seed::{Seed, TenantSeed};

/// The whole simulated Trading Grid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    pub next_id: u64,
    pub tenant: TenantSeed,
    pub partners: BTreeMap<PartnerId, PartnerRecord>,
    pub tokens: HashMap<String, i64>,
    pub documents: BTreeMap<DocumentId, DocumentRecord>,
    pub attachments: BTreeMap<AttachmentId, AttachmentRecord>,
    pub spaces: BTreeMap<SpaceId, Space>,
    pub threads: BTreeMap<ThreadId, Thread>,
    pub messages: BTreeMap<MessageId, Message>,
    pub shares: BTreeMap<ShareId, ShareRecord>,
    pub requests: BTreeMap<RequestId, DocumentRequest>,
    pub campaigns: BTreeMap<CampaignId, CampaignRecord>,
    pub subscriptions: BTreeMap<SubscriptionId, SubscriptionRecord>,
    pub events: Vec<Event>,
    pub idempotency: HashMap<String, StoredResponse>,
}

/// A partner and its partnerships with the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PartnerRecord {
    pub partner: Partner,
    pub partnerships: Vec<Partnership>,
}

/// One partnership, parsed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Partnership {
    pub my_address: PartyId,
    pub partner_address: PartyId,
    pub send: Vec<String>,
    pub receive: Vec<String>,
    pub status: String,
}

/// A document, where its payload is, and the partner's view of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DocumentRecord {
    pub document: Document,
    pub blob: String,
    pub partner_id: PartnerId,
    /// For inbound documents: the status the *partner's* Sendbox shows (`delivered`, then
    /// `acknowledged` once the tenant's 997/CONTRL referencing it was sent).
    pub partner_status: Option<DocumentStatus>,
}

/// Who uploaded an attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "partner_id")]
pub(crate) enum Owner {
    Tenant,
    Partner(PartnerId),
}

/// A stored attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AttachmentRecord {
    pub attachment: Attachment,
    pub blob: String,
    pub owner: Owner,
}

/// A share and its per-partner acknowledgments.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShareRecord {
    pub share: Share,
    pub acknowledgments: Vec<Acknowledgment>,
}

/// A campaign and its per-partner responses.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CampaignRecord {
    pub campaign: Campaign,
    pub responses: Vec<CampaignResponse>,
    pub reminders: Vec<Reminder>,
}

/// A reminder that was sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Reminder {
    pub partner_ids: Vec<PartnerId>,
    pub message: String,
}

/// A subscription with its secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SubscriptionRecord {
    pub subscription: Subscription,
    pub secret: String,
}

/// A response kept for an idempotency key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredResponse {
    pub fingerprint: String,
    pub status: u16,
    pub body: serde_json::Value,
    pub at_unix: i64,
}

impl State {
    /// The state a seed describes.
    pub fn from_seed(seed: &Seed) -> Self {
        let partners = seed
            .partners
            .iter()
            .map(|p| (p.partner_id.clone(), p.record()))
            .collect();
        Self {
            next_id: 1,
            tenant: seed.tenant.clone(),
            partners,
            tokens: HashMap::new(),
            documents: BTreeMap::new(),
            attachments: BTreeMap::new(),
            spaces: BTreeMap::new(),
            threads: BTreeMap::new(),
            messages: BTreeMap::new(),
            shares: BTreeMap::new(),
            requests: BTreeMap::new(),
            campaigns: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            events: Vec::new(),
            idempotency: HashMap::new(),
        }
    }

    /// A fresh id with `prefix`; ids sort in creation order.
    pub fn new_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}{:010}", self.next_id);
        self.next_id += 1;
        id
    }

    /// A partner, or 404.
    pub fn partner(&self, partner_id: &PartnerId) -> Result<&PartnerRecord, ApiError> {
        self.partners
            .get(partner_id)
            .ok_or_else(|| ApiError::not_found("partner", partner_id.as_str()))
    }

    /// The partner owning an EDI address.
    pub fn partner_by_address(&self, address: &PartyId) -> Option<&PartnerRecord> {
        self.partners
            .values()
            .find(|p| p.partner.edi_addresses.contains(address))
    }

    /// The tenant mailbox an address routes to.
    pub fn mailbox_of(&self, address: &PartyId) -> Option<MailboxId> {
        self.tenant
            .mailboxes
            .iter()
            .find(|m| {
                m.edi_addresses
                    .iter()
                    .any(|a| PartyId::parse(a).is_ok_and(|p| &p == address))
            })
            .map(|m| m.mailbox_id.clone())
    }

    /// Whether an attachment may be shown to (or re-sent towards) `partner_id`: it is the
    /// partner's own, or the tenant's.
    pub fn attachment_usable_for(
        &self,
        attachment_id: &AttachmentId,
        partner_id: &PartnerId,
    ) -> Result<(), ApiError> {
        let record = self.attachments.get(attachment_id).ok_or_else(|| {
            ApiError::unprocessable(format!("attachment {attachment_id} does not exist"))
        })?;
        match &record.owner {
            Owner::Tenant => Ok(()),
            Owner::Partner(owner) if owner == partner_id => Ok(()),
            Owner::Partner(_) => Err(ApiError::forbidden(format!(
                "attachment {attachment_id} belongs to another partner and cannot be shown to {partner_id}"
            ))),
        }
    }

    /// Whether `partner_id` can see an attachment: its own, or one the tenant sent it in a
    /// message, share or campaign.
    pub fn attachment_visible_to(
        &self,
        attachment_id: &AttachmentId,
        partner_id: &PartnerId,
    ) -> bool {
        let Some(record) = self.attachments.get(attachment_id) else {
            return false;
        };
        if record.owner == Owner::Partner(partner_id.clone()) {
            return true;
        }
        if record.owner != Owner::Tenant {
            return false;
        }
        let in_messages = self.messages.values().any(|m| {
            m.attachment_ids.contains(attachment_id)
                && self
                    .threads
                    .get(&m.thread_id)
                    .and_then(|t| self.spaces.get(&t.space_id))
                    .is_some_and(|s| &s.partner_id == partner_id)
        });
        let in_shares = self.shares.values().any(|s| {
            s.share.attachment_ids.contains(attachment_id)
                && s.share
                    .recipients
                    .iter()
                    .any(|r| &r.partner_id == partner_id)
        });
        let in_campaigns = self.campaigns.values().any(|c| {
            c.campaign.attachment_ids.contains(attachment_id)
                && c.campaign
                    .recipients
                    .iter()
                    .any(|r| &r.partner_id == partner_id)
        });
        in_messages || in_shares || in_campaigns
    }
}

/// Reads `limit` (default 50, 1..=500).
pub(crate) fn limit(raw: Option<u32>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(50),
        Some(n @ 1..=500) => Ok(n as usize),
        Some(n) => Err(ApiError::invalid_field(
            "limit",
            format!("limit must be 1..=500, got {n}"),
        )),
    }
}

/// One page of `items` (already in list order, keyed by a sortable id): the items after
/// `cursor`, at most `limit`. The cursor is the last id of the page.
pub(crate) fn page<T>(items: Vec<(String, T)>, cursor: Option<&str>, limit: usize) -> Page<T> {
    let mut after: Vec<(String, T)> = items
        .into_iter()
        .filter(|(id, _)| cursor.is_none_or(|cursor| id.as_str() > cursor))
        .collect();
    let more = after.len() > limit;
    after.truncate(limit);
    let next_cursor = if more {
        after.last().map(|(id, _)| id.clone())
    } else {
        None
    };
    Page {
        items: after.into_iter().map(|(_, item)| item).collect(),
        next_cursor,
    }
}
