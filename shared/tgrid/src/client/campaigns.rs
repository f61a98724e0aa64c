//! `/v1/campaigns…`.

use async_trait::async_trait;
use reqwest::Method;

use super::TgClient;
use super::partners::seg;
use crate::error::TgError;
use crate::ids::{CampaignId, IdempotencyKey};
use crate::model::{
    Campaign, CampaignResponse, ExternalRef, NewCampaign, NewReminder, Page, ReminderSent,
};
use crate::ports::Campaigns;

#[async_trait]
impl Campaigns for TgClient {
    async fn start_campaign(
        &self,
        key: &IdempotencyKey,
        campaign: &NewCampaign,
    ) -> Result<Campaign, TgError> {
        self.json(
            "start campaign",
            Method::POST,
            "v1/campaigns",
            Some(key),
            Some(campaign),
        )
        .await
    }

    async fn campaign(&self, campaign_id: &CampaignId) -> Result<Campaign, TgError> {
        self.get(
            "get campaign",
            &format!("v1/campaigns/{}", seg(campaign_id.as_str())),
            Vec::new(),
        )
        .await
    }

    async fn campaign_responses(
        &self,
        campaign_id: &CampaignId,
    ) -> Result<Vec<CampaignResponse>, TgError> {
        let path = format!("v1/campaigns/{}/responses", seg(campaign_id.as_str()));
        let page: Page<CampaignResponse> = self
            .get("list campaign responses", &path, Vec::new())
            .await?;
        Ok(page.items)
    }

    async fn remind(
        &self,
        key: &IdempotencyKey,
        campaign_id: &CampaignId,
        reminder: &NewReminder,
    ) -> Result<ReminderSent, TgError> {
        let path = format!("v1/campaigns/{}/reminders", seg(campaign_id.as_str()));
        self.json(
            "send campaign reminder",
            Method::POST,
            &path,
            Some(key),
            Some(reminder),
        )
        .await
    }

    async fn campaigns_by_external_ref(
        &self,
        external_ref: &ExternalRef,
    ) -> Result<Vec<Campaign>, TgError> {
        let mut campaigns = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![
                ("where_external_ref", external_ref.to_string()),
                ("limit", "500".to_owned()),
            ];
            if let Some(cursor) = cursor.take() {
                query.push(("cursor", cursor));
            }
            let page: Page<Campaign> = self
                .get("list campaigns by external ref", "v1/campaigns", query)
                .await?;
            campaigns.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(campaigns),
            }
        }
    }
}
