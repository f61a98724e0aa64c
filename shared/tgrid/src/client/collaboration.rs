//! `/v1/spaces…`, `/v1/threads…`.

use async_trait::async_trait;
use reqwest::Method;

use super::partners::seg;
use super::{TgClient, page_query};
use crate::error::TgError;
use crate::ids::{IdempotencyKey, SpaceId, ThreadId};
use crate::model::{
    Message, NewMessage, NewSpace, NewThread, Page, Space, SpaceFilter, Thread, ThreadStatus,
    ThreadUpdate,
};
use crate::ports::{Collaboration, PageRequest};

#[async_trait]
impl Collaboration for TgClient {
    async fn open_space(&self, key: &IdempotencyKey, space: &NewSpace) -> Result<Space, TgError> {
        self.json(
            "open space",
            Method::POST,
            "v1/spaces",
            Some(key),
            Some(space),
        )
        .await
    }

    async fn space(&self, space_id: &SpaceId) -> Result<Space, TgError> {
        self.get(
            "get space",
            &format!("v1/spaces/{}", seg(space_id.as_str())),
            Vec::new(),
        )
        .await
    }

    async fn spaces_page(
        &self,
        filter: &SpaceFilter,
        page: PageRequest,
    ) -> Result<Page<Space>, TgError> {
        let mut query = page_query(&page);
        if let Some(partner_id) = &filter.partner_id {
            query.push(("where_partner_id", partner_id.to_string()));
        }
        if let Some(external_ref) = &filter.external_ref {
            query.push(("where_external_ref", external_ref.to_string()));
        }
        self.get("list spaces", "v1/spaces", query).await
    }

    async fn open_thread(
        &self,
        key: &IdempotencyKey,
        space_id: &SpaceId,
        thread: &NewThread,
    ) -> Result<Thread, TgError> {
        let path = format!("v1/spaces/{}/threads", seg(space_id.as_str()));
        self.json("open thread", Method::POST, &path, Some(key), Some(thread))
            .await
    }

    async fn set_thread_status(
        &self,
        thread_id: &ThreadId,
        status: ThreadStatus,
    ) -> Result<Thread, TgError> {
        let path = format!("v1/threads/{}", seg(thread_id.as_str()));
        self.json(
            "update thread",
            Method::PATCH,
            &path,
            None,
            Some(&ThreadUpdate { status }),
        )
        .await
    }

    async fn post_message(
        &self,
        key: &IdempotencyKey,
        thread_id: &ThreadId,
        message: &NewMessage,
    ) -> Result<Message, TgError> {
        let path = format!("v1/threads/{}/messages", seg(thread_id.as_str()));
        self.json(
            "post message",
            Method::POST,
            &path,
            Some(key),
            Some(message),
        )
        .await
    }

    async fn messages_page(
        &self,
        thread_id: &ThreadId,
        page: PageRequest,
    ) -> Result<Page<Message>, TgError> {
        let path = format!("v1/threads/{}/messages", seg(thread_id.as_str()));
        self.get("list messages", &path, page_query(&page)).await
    }
}
