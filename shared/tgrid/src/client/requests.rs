//! `/v1/document_requests…`.

use async_trait::async_trait;
use reqwest::Method;

use super::partners::seg;
use super::{TgClient, page_query};
use crate::error::TgError;
use crate::ids::{IdempotencyKey, RequestId, RequestItemId};
use crate::model::{DocumentRequest, DocumentRequestFilter, ItemReview, NewDocumentRequest, Page};
use crate::ports::{DocumentRequests, PageRequest};

#[async_trait]
impl DocumentRequests for TgClient {
    async fn request_documents(
        &self,
        key: &IdempotencyKey,
        request: &NewDocumentRequest,
    ) -> Result<DocumentRequest, TgError> {
        self.json(
            "request documents",
            Method::POST,
            "v1/document_requests",
            Some(key),
            Some(request),
        )
        .await
    }

    async fn document_request(&self, request_id: &RequestId) -> Result<DocumentRequest, TgError> {
        self.get(
            "get document request",
            &format!("v1/document_requests/{}", seg(request_id.as_str())),
            Vec::new(),
        )
        .await
    }

    async fn review_item(
        &self,
        request_id: &RequestId,
        item_id: &RequestItemId,
        review: &ItemReview,
    ) -> Result<DocumentRequest, TgError> {
        let path = format!(
            "v1/document_requests/{}/items/{}/review",
            seg(request_id.as_str()),
            seg(item_id.as_str())
        );
        self.json(
            "review requested item",
            Method::POST,
            &path,
            None,
            Some(review),
        )
        .await
    }

    async fn document_requests_page(
        &self,
        filter: &DocumentRequestFilter,
        page: PageRequest,
    ) -> Result<Page<DocumentRequest>, TgError> {
        let mut query = page_query(&page);
        if let Some(partner) = &filter.partner_id {
            query.push(("where_partner_id", partner.as_str().to_owned()));
        }
        if let Some(reference) = &filter.external_ref {
            query.push(("where_external_ref", reference.to_string()));
        }
        if let Some(status) = filter.status {
            let text = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            query.push(("where_status", text));
        }
        self.get("list document requests", "v1/document_requests", query)
            .await
    }

    async fn cancel_document_request(
        &self,
        request_id: &RequestId,
    ) -> Result<DocumentRequest, TgError> {
        let path = format!("v1/document_requests/{}/cancel", seg(request_id.as_str()));
        self.json::<DocumentRequest, ()>("cancel document request", Method::POST, &path, None, None)
            .await
    }
}
