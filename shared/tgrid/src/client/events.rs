//! `/v1/events` and `/v1/subscriptions…`.

use async_trait::async_trait;
use reqwest::Method;

use super::partners::seg;
use super::{Build, TgClient, Timing};
use crate::error::TgError;
use crate::events::Event;
use crate::ids::{EventId, IdempotencyKey, SubscriptionId};
use crate::model::{NewSubscription, Page, Subscription};
use crate::ports::EventFeed;

#[async_trait]
impl EventFeed for TgClient {
    async fn events_after(
        &self,
        after: Option<&EventId>,
        limit: Option<u32>,
    ) -> Result<Page<Event>, TgError> {
        let mut query = Vec::new();
        if let Some(after) = after {
            query.push(("after", after.to_string()));
        }
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        self.get("poll events", "v1/events", query).await
    }

    async fn subscribe(
        &self,
        key: &IdempotencyKey,
        subscription: &NewSubscription,
    ) -> Result<Subscription, TgError> {
        self.json(
            "subscribe",
            Method::POST,
            "v1/subscriptions",
            Some(key),
            Some(subscription),
        )
        .await
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, TgError> {
        let page: Page<Subscription> = self
            .get("list subscriptions", "v1/subscriptions", Vec::new())
            .await?;
        Ok(page.items)
    }

    async fn unsubscribe(&self, subscription_id: &SubscriptionId) -> Result<(), TgError> {
        let path = format!("v1/subscriptions/{}", seg(subscription_id.as_str()));
        let build: Build<'_> = Box::new(Ok);
        self.send(
            "unsubscribe",
            Method::DELETE,
            &path,
            None,
            Timing::Whole,
            build,
        )
        .await
        .map(drop)
    }
}
