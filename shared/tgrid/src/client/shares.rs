//! `/v1/shares…`.

use async_trait::async_trait;
use reqwest::Method;

use super::TgClient;
use super::partners::seg;
use crate::error::TgError;
use crate::ids::{IdempotencyKey, ShareId};
use crate::model::{Acknowledgment, NewShare, Page, Share};
use crate::ports::Shares;

#[async_trait]
impl Shares for TgClient {
    async fn share_documents(
        &self,
        key: &IdempotencyKey,
        share: &NewShare,
    ) -> Result<Share, TgError> {
        self.json(
            "share documents",
            Method::POST,
            "v1/shares",
            Some(key),
            Some(share),
        )
        .await
    }

    async fn share(&self, share_id: &ShareId) -> Result<Share, TgError> {
        self.get(
            "get share",
            &format!("v1/shares/{}", seg(share_id.as_str())),
            Vec::new(),
        )
        .await
    }

    async fn acknowledgments(&self, share_id: &ShareId) -> Result<Vec<Acknowledgment>, TgError> {
        let path = format!("v1/shares/{}/acknowledgments", seg(share_id.as_str()));
        let page: Page<Acknowledgment> =
            self.get("list acknowledgments", &path, Vec::new()).await?;
        Ok(page.items)
    }

    async fn revoke_share(&self, share_id: &ShareId) -> Result<Share, TgError> {
        let path = format!("v1/shares/{}/revoke", seg(share_id.as_str()));
        self.json::<_, ()>("revoke share", Method::POST, &path, None, None)
            .await
    }
}
