//! `/v1/document_requests…`.

use async_trait::async_trait;
use reqwest::Method;

use super::TgClient;
use super::partners::seg;
use crate::error::TgError;
use crate::ids::{IdempotencyKey, RequestId, RequestItemId};
use crate::model::{DocumentRequest, ItemReview, NewDocumentRequest};
use crate::ports::DocumentRequests;

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
}
