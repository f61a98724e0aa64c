//! `/v1/attachments…`: streamed upload and download.

use async_trait::async_trait;
use reqwest::Method;
use reqwest::multipart::{Form, Part};

use super::partners::seg;
use super::{Build, TgClient, Timing, read_json};
use crate::error::TgError;
use crate::ids::{AttachmentId, IdempotencyKey};
use crate::model::Attachment;
use crate::ports::Attachments;
use crate::stream::{ByteRange, Download, Upload};

/// A multipart file part streaming `upload` from a freshly opened source.
pub(crate) fn file_part(what: &'static str, upload: &Upload) -> Result<Part, TgError> {
    let body = reqwest::Body::wrap_stream(upload.source.open());
    let part = match upload.source.content_length() {
        Some(len) => Part::stream_with_length(body, len),
        None => Part::stream(body),
    };
    part.file_name(upload.file_name.clone())
        .mime_str(&upload.content_type)
        .map_err(|_| TgError::InvalidInput {
            what,
            reason: format!("content type {:?} is not a media type", upload.content_type),
        })
}

#[async_trait]
impl Attachments for TgClient {
    async fn upload_attachment(
        &self,
        key: &IdempotencyKey,
        upload: Upload,
    ) -> Result<Attachment, TgError> {
        const WHAT: &str = "upload attachment";
        let timing = Timing::Upload(upload.source.content_length());
        let build: Build<'_> = Box::new(move |request| {
            Ok(request.multipart(Form::new().part("file", file_part(WHAT, &upload)?)))
        });
        let response = self
            .send(
                WHAT,
                Method::POST,
                "v1/attachments",
                Some(key),
                timing,
                build,
            )
            .await?;
        read_json(WHAT, response).await
    }

    async fn attachment(&self, attachment_id: &AttachmentId) -> Result<Attachment, TgError> {
        self.get(
            "get attachment",
            &format!("v1/attachments/{}", seg(attachment_id.as_str())),
            Vec::new(),
        )
        .await
    }

    async fn attachment_content(
        &self,
        attachment_id: &AttachmentId,
        range: Option<ByteRange>,
    ) -> Result<Download, TgError> {
        self.download(
            "download attachment",
            &format!("v1/attachments/{}/content", seg(attachment_id.as_str())),
            range,
        )
        .await
    }
}
