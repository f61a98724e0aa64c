//! What gridlink's use cases need from Trading Grid, in business words.
//!
//! [`crate::TgClient`] implements every trait over the REST contract. Another interface (an
//! AS2 or SFTP mailbox, a licensed API) implements the same traits; an operation it cannot
//! offer returns [`TgError::Unsupported`]. [`TradingGrid`] bundles them all for code that
//! needs the whole of it (`Deps<T: TradingGrid>`).

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};

use crate::error::TgError;
use crate::events::Event;
use crate::ids::{
    AttachmentId, CampaignId, DocumentId, EventId, IdempotencyKey, MailboxId, PartnerId, RequestId,
    RequestItemId, ShareId, SpaceId, SubscriptionId, ThreadId,
};
use crate::model::{
    Acknowledgment, Attachment, Campaign, CampaignResponse, Document, DocumentMetadata,
    DocumentRequest, DocumentRequestFilter, ExternalRef, InboxFilter, ItemReview, Message,
    NewCampaign, NewDocumentRequest, NewMessage, NewReminder, NewShare, NewSpace, NewSubscription,
    NewThread, Page, Partner, PartnerFilter, ReminderSent, Share, Space, SpaceFilter,
    SubmittedDocument, Subscription, Thread, ThreadStatus,
};
use crate::stream::{ByteRange, Download, Upload};

/// Which page of a list to fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page (default 50, max 500).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The page after `cursor`, default size.
    pub fn after(cursor: Option<String>) -> Self {
        Self {
            limit: None,
            cursor,
        }
    }
}

/// Walks every page: calls `fetch` with each `next_cursor` until there is none, yielding
/// items one by one.
pub fn paginate<'a, T, F, Fut>(fetch: F) -> BoxStream<'a, Result<T, TgError>>
where
    T: Send + 'a,
    F: FnMut(Option<String>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T>, TgError>> + Send + 'a,
{
    enum Cursor {
        Start,
        Next(String),
        Done,
    }
    stream::try_unfold((Cursor::Start, fetch), |(cursor, mut fetch)| async move {
        let cursor = match cursor {
            Cursor::Done => return Ok(None),
            Cursor::Start => None,
            Cursor::Next(cursor) => Some(cursor),
        };
        let page = fetch(cursor).await?;
        let next = page.next_cursor.map_or(Cursor::Done, Cursor::Next);
        Ok(Some((
            stream::iter(page.items.into_iter().map(Ok)),
            (next, fetch),
        )))
    })
    .map(|page: Result<_, TgError>| match page {
        Ok(items) => items.left_stream(),
        Err(error) => stream::iter([Err(error)]).right_stream(),
    })
    .flatten()
    .boxed()
}

/// The trading community.
#[async_trait]
pub trait Partners: Send + Sync {
    /// One page of partners.
    async fn partners_page(
        &self,
        filter: &PartnerFilter,
        page: PageRequest,
    ) -> Result<Page<Partner>, TgError>;
    /// One partner.
    async fn partner(&self, partner_id: &PartnerId) -> Result<Partner, TgError>;
    /// Every partner matching `filter`.
    fn partners<'a>(
        &'a self,
        filter: &'a PartnerFilter,
    ) -> BoxStream<'a, Result<Partner, TgError>> {
        paginate(move |cursor| self.partners_page(filter, PageRequest::after(cursor)))
    }
}

/// What to send as a document's payload.
#[derive(Debug, Clone)]
pub enum DocumentPayload {
    /// Streamed as a multipart file part (up to 100 MiB).
    Streamed(Upload),
    /// Sent inline as `payload_base64` in JSON (up to 5 MiB).
    Inline {
        /// The file name.
        file_name: String,
        /// The media type.
        content_type: String,
        /// The bytes.
        bytes: bytes::Bytes,
    },
}

/// Business documents through the tenant's mailboxes.
#[async_trait]
pub trait Mailbox: Send + Sync {
    /// Sends a document to a partner (202 `submitted`).
    async fn send_document(
        &self,
        key: &IdempotencyKey,
        metadata: &DocumentMetadata,
        payload: DocumentPayload,
    ) -> Result<SubmittedDocument, TgError>;
    /// A document with its status history.
    async fn document(&self, document_id: &DocumentId) -> Result<Document, TgError>;
    /// A document's payload, streamed.
    async fn document_content(
        &self,
        document_id: &DocumentId,
        range: Option<ByteRange>,
    ) -> Result<Download, TgError>;
    /// One page of a mailbox's inbox.
    async fn inbox_page(
        &self,
        mailbox_id: &MailboxId,
        filter: &InboxFilter,
        page: PageRequest,
    ) -> Result<Page<Document>, TgError>;
    /// Marks an inbound document `downloaded`.
    async fn mark_downloaded(&self, document_id: &DocumentId) -> Result<Document, TgError>;
    /// Every inbound document matching `filter`.
    fn inbox<'a>(
        &'a self,
        mailbox_id: &'a MailboxId,
        filter: &'a InboxFilter,
    ) -> BoxStream<'a, Result<Document, TgError>> {
        paginate(move |cursor| self.inbox_page(mailbox_id, filter, PageRequest::after(cursor)))
    }
}

/// Stored files shared by documents, messages, shares, requests and campaigns.
#[async_trait]
pub trait Attachments: Send + Sync {
    /// Uploads a file, streamed (up to 5 GiB).
    async fn upload_attachment(
        &self,
        key: &IdempotencyKey,
        upload: Upload,
    ) -> Result<Attachment, TgError>;
    /// A file's metadata.
    async fn attachment(&self, attachment_id: &AttachmentId) -> Result<Attachment, TgError>;
    /// A file's content, streamed.
    async fn attachment_content(
        &self,
        attachment_id: &AttachmentId,
        range: Option<ByteRange>,
    ) -> Result<Download, TgError>;
}

/// Spaces, threads and messages with partners.
#[async_trait]
pub trait Collaboration: Send + Sync {
    /// Opens a space with one partner.
    async fn open_space(&self, key: &IdempotencyKey, space: &NewSpace) -> Result<Space, TgError>;
    /// A space.
    async fn space(&self, space_id: &SpaceId) -> Result<Space, TgError>;
    /// One page of spaces.
    async fn spaces_page(
        &self,
        filter: &SpaceFilter,
        page: PageRequest,
    ) -> Result<Page<Space>, TgError>;
    /// Opens a thread in a space.
    async fn open_thread(
        &self,
        key: &IdempotencyKey,
        space_id: &SpaceId,
        thread: &NewThread,
    ) -> Result<Thread, TgError>;
    /// Resolves, closes or reopens a thread.
    async fn set_thread_status(
        &self,
        thread_id: &ThreadId,
        status: ThreadStatus,
    ) -> Result<Thread, TgError>;
    /// Posts a message as the tenant.
    async fn post_message(
        &self,
        key: &IdempotencyKey,
        thread_id: &ThreadId,
        message: &NewMessage,
    ) -> Result<Message, TgError>;
    /// One page of a thread's messages, both sides, oldest first.
    async fn messages_page(
        &self,
        thread_id: &ThreadId,
        page: PageRequest,
    ) -> Result<Page<Message>, TgError>;
    /// Every space matching `filter`.
    fn spaces<'a>(&'a self, filter: &'a SpaceFilter) -> BoxStream<'a, Result<Space, TgError>> {
        paginate(move |cursor| self.spaces_page(filter, PageRequest::after(cursor)))
    }
    /// Every message of a thread.
    fn messages<'a>(&'a self, thread_id: &'a ThreadId) -> BoxStream<'a, Result<Message, TgError>> {
        paginate(move |cursor| self.messages_page(thread_id, PageRequest::after(cursor)))
    }
}

/// Documents sent to partners for review or acknowledgment.
#[async_trait]
pub trait Shares: Send + Sync {
    /// Shares files with partners.
    async fn share_documents(
        &self,
        key: &IdempotencyKey,
        share: &NewShare,
    ) -> Result<Share, TgError>;
    /// A share.
    async fn share(&self, share_id: &ShareId) -> Result<Share, TgError>;
    /// Each recipient's acknowledgment.
    async fn acknowledgments(&self, share_id: &ShareId) -> Result<Vec<Acknowledgment>, TgError>;
    /// Withdraws a share (e.g. superseded by a new version).
    async fn revoke_share(&self, share_id: &ShareId) -> Result<Share, TgError>;
}

/// Onboarding and compliance evidence asked of partners.
#[async_trait]
pub trait DocumentRequests: Send + Sync {
    /// Asks a partner for documents.
    async fn request_documents(
        &self,
        key: &IdempotencyKey,
        request: &NewDocumentRequest,
    ) -> Result<DocumentRequest, TgError>;
    /// A request with its items.
    async fn document_request(&self, request_id: &RequestId) -> Result<DocumentRequest, TgError>;
    /// Accepts or rejects a submitted item.
    async fn review_item(
        &self,
        request_id: &RequestId,
        item_id: &RequestItemId,
        review: &ItemReview,
    ) -> Result<DocumentRequest, TgError>;
    /// One page of requests by partner, external reference and/or status (at least one).
    async fn document_requests_page(
        &self,
        filter: &DocumentRequestFilter,
        page: PageRequest,
    ) -> Result<Page<DocumentRequest>, TgError>;
    /// Withdraws a superseded request (a no-op when it is cancelled already).
    async fn cancel_document_request(
        &self,
        request_id: &RequestId,
    ) -> Result<DocumentRequest, TgError>;
    /// Every request matching `filter` (recovery after a crash: what was asked of whom).
    fn document_requests<'a>(
        &'a self,
        filter: &'a DocumentRequestFilter,
    ) -> BoxStream<'a, Result<DocumentRequest, TgError>> {
        paginate(move |cursor| self.document_requests_page(filter, PageRequest::after(cursor)))
    }
}

/// One notice to many partners, with a response from each.
#[async_trait]
pub trait Campaigns: Send + Sync {
    /// Starts a campaign.
    async fn start_campaign(
        &self,
        key: &IdempotencyKey,
        campaign: &NewCampaign,
    ) -> Result<Campaign, TgError>;
    /// A campaign.
    async fn campaign(&self, campaign_id: &CampaignId) -> Result<Campaign, TgError>;
    /// Each recipient's response.
    async fn campaign_responses(
        &self,
        campaign_id: &CampaignId,
    ) -> Result<Vec<CampaignResponse>, TgError>;
    /// Reminds recipients who have not answered.
    async fn remind(
        &self,
        key: &IdempotencyKey,
        campaign_id: &CampaignId,
        reminder: &NewReminder,
    ) -> Result<ReminderSent, TgError>;
    /// The campaigns carrying `external_ref` (`GET /v1/campaigns?where_external_ref=`),
    /// every page: how a creator whose answer was lost finds what it created.
    async fn campaigns_by_external_ref(
        &self,
        external_ref: &ExternalRef,
    ) -> Result<Vec<Campaign>, TgError>;
}

/// Events by webhook subscription or by polling.
#[async_trait]
pub trait EventFeed: Send + Sync {
    /// Events after `after` (oldest first), at most `limit`.
    async fn events_after(
        &self,
        after: Option<&EventId>,
        limit: Option<u32>,
    ) -> Result<Page<Event>, TgError>;
    /// Subscribes a webhook.
    async fn subscribe(
        &self,
        key: &IdempotencyKey,
        subscription: &NewSubscription,
    ) -> Result<Subscription, TgError>;
    /// Every subscription.
    async fn subscriptions(&self) -> Result<Vec<Subscription>, TgError>;
    /// Removes a subscription.
    async fn unsubscribe(&self, subscription_id: &SubscriptionId) -> Result<(), TgError>;
    /// Every event after `after` (all kept events when `None`), oldest first, page by page.
    fn events_since<'a>(
        &'a self,
        after: Option<&'a EventId>,
    ) -> BoxStream<'a, Result<Event, TgError>> {
        paginate(move |cursor: Option<String>| async move {
            let from = cursor.map(EventId::new).or_else(|| after.cloned());
            self.events_after(from.as_ref(), None).await
        })
    }
}

/// All of Trading Grid.
pub trait TradingGrid:
    Partners + Mailbox + Attachments + Collaboration + Shares + DocumentRequests + Campaigns + EventFeed
{
}

impl<T> TradingGrid for T where
    T: Partners
        + Mailbox
        + Attachments
        + Collaboration
        + Shares
        + DocumentRequests
        + Campaigns
        + EventFeed
{
}
