//! Blobs in an S3 bucket.
//!
//! # Format
//! - Object key = the [`BlobKey`] as is; `Content-Type` = the content type; user metadata
//!   (`x-amz-meta-<name>`) = the user metadata plus `sha256` (lowercase hex of the content).
//! - Bodies up to 8 MiB go up in one `PutObject`. Larger ones go up as a multipart upload
//!   of 8 MiB parts (CRC32 part checksums), so memory stays near 16 MiB whatever the size.
//!   The SHA-256 is only known at the end, and S3 cannot add metadata to a completed
//!   upload, so the object is then copied onto itself with `sha256` added
//!   (`UploadPartCopy` in parts of up to 5 GiB, conditional on the upload's ETag so a
//!   concurrent overwrite is never stamped with this hash). Between the two steps the
//!   object reads without a hash (`BlobMeta::sha256 == None`), and is not verified.
//! - A failing body stream aborts the multipart upload: nothing is stored.

use std::collections::HashMap;
use std::io;

use aws_sdk_s3::Client;
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use super::{
    Blob, BlobEntry, BlobKey, BlobMeta, BlobStore, ByteRange, ByteStream, PutOptions,
    SHA256_METADATA, Sha256Hasher, StoreError, VerifiedBody,
};
use crate::aws_error::is_transient;

/// Size of each uploaded part, and the largest body sent in a single `PutObject`.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Largest part of a server-side copy (the S3 limit).
const COPY_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// Blobs in one S3 bucket.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
}

/// A multipart upload in progress.
struct Upload {
    id: String,
    parts: Vec<CompletedPart>,
}

fn backend<E, R>(operation: &'static str, error: aws_sdk_s3::error::SdkError<E, R>) -> StoreError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let transient = is_transient(&error);
    tracing::warn!(
        operation,
        transient,
        code = aws_sdk_s3::error::ProvideErrorMetadata::code(&error).unwrap_or("-"),
        "s3 request failed"
    );
    StoreError::Backend {
        operation,
        transient,
        source: Box::new(error),
    }
}

impl S3BlobStore {
    /// Blobs in `bucket`, reached through `client`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn start_upload(
        &self,
        key: &BlobKey,
        options: &PutOptions,
    ) -> Result<Upload, StoreError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(&options.content_type)
            .set_metadata(Some(options.metadata.clone().into_iter().collect()))
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .send()
            .await
            .map_err(|e| backend("put", e))?;
        let id = created
            .upload_id
            .ok_or_else(|| missing("put", "CreateMultipartUpload returned no upload id"))?;
        Ok(Upload {
            id,
            parts: Vec::new(),
        })
    }

    async fn upload_part(
        &self,
        key: &BlobKey,
        upload: &mut Upload,
        part: Bytes,
    ) -> Result<(), StoreError> {
        let number = i32::try_from(upload.parts.len() + 1)
            .map_err(|_| missing("put", "more parts than S3 allows"))?;
        let uploaded = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(&upload.id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(SdkByteStream::from(part))
            .send()
            .await
            .map_err(|e| backend("put", e))?;
        upload.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(uploaded.e_tag)
                .set_checksum_crc32(uploaded.checksum_crc32)
                .build(),
        );
        Ok(())
    }

    async fn abort(&self, key: &BlobKey, upload: &Upload) {
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(&upload.id)
            .send()
            .await;
        if let Err(error) = aborted {
            tracing::warn!(blob_key = %key, error = %error, "could not abort a multipart upload; a bucket lifecycle rule will remove it");
        }
    }

    /// Completes the upload; returns the object's ETag.
    async fn complete(&self, key: &BlobKey, upload: Upload) -> Result<String, StoreError> {
        let completed = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(&upload.id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(upload.parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| backend("put", e))?;
        completed
            .e_tag
            .ok_or_else(|| missing("put", "CompleteMultipartUpload returned no ETag"))
    }

    /// Streams the body up, part by part once it passes [`PART_SIZE`].
    async fn upload(
        &self,
        key: &BlobKey,
        mut body: ByteStream,
        options: &PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        let mut hasher = Sha256Hasher::default();
        let mut buffer = BytesMut::new();
        let mut upload: Option<Upload> = None;
        while let Some(chunk) = body.next().await {
            let step = async {
                let chunk = chunk.map_err(|source| StoreError::Body {
                    key: key.to_string(),
                    source,
                })?;
                hasher.update(&chunk);
                buffer.extend_from_slice(&chunk);
                while buffer.len() >= PART_SIZE {
                    let part = buffer.split_to(PART_SIZE).freeze();
                    if upload.is_none() {
                        upload = Some(self.start_upload(key, options).await?);
                    }
                    let current = upload.as_mut().expect("invariant: started just above");
                    self.upload_part(key, current, part).await?;
                }
                Ok::<_, StoreError>(())
            }
            .await;
            if let Err(error) = step {
                if let Some(upload) = &upload {
                    self.abort(key, upload).await;
                }
                return Err(error);
            }
        }
        let size = hasher.len();
        let sha256 = hasher.finish_hex();
        let mut metadata: HashMap<String, String> = options.metadata.clone().into_iter().collect();
        metadata.insert(SHA256_METADATA.to_owned(), sha256.clone());
        match upload {
            None => {
                self.client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(key.as_str())
                    .content_type(&options.content_type)
                    .set_metadata(Some(metadata))
                    .body(SdkByteStream::from(buffer.freeze()))
                    .send()
                    .await
                    .map_err(|e| backend("put", e))?;
            }
            Some(mut upload) => {
                if !buffer.is_empty()
                    && let Err(error) = self.upload_part(key, &mut upload, buffer.freeze()).await
                {
                    self.abort(key, &upload).await;
                    return Err(error);
                }
                let etag = self.complete(key, upload).await?;
                self.stamp(key, &etag, size, &options.content_type, metadata)
                    .await?;
            }
        }
        Ok(BlobMeta {
            key: key.clone(),
            size,
            sha256: Some(sha256),
            content_type: options.content_type.clone(),
            metadata: options.metadata.clone(),
        })
    }

    /// Copies the object onto itself with `metadata` (now holding the hash), if it is
    /// still the one with `etag`.
    async fn stamp(
        &self,
        key: &BlobKey,
        etag: &str,
        size: u64,
        content_type: &str,
        metadata: HashMap<String, String>,
    ) -> Result<(), StoreError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .set_metadata(Some(metadata))
            .send()
            .await
            .map_err(|e| backend("put", e))?;
        let upload_id = created
            .upload_id
            .ok_or_else(|| missing("put", "CreateMultipartUpload returned no upload id"))?;
        let source = format!("{}/{}", self.bucket, encode_copy_source(key.as_str()));
        let mut parts = Vec::new();
        let mut start = 0;
        while start < size {
            let end = (start + COPY_PART_SIZE).min(size);
            let number = i32::try_from(parts.len() + 1)
                .map_err(|_| missing("put", "more copy parts than S3 allows"))?;
            let copied = self
                .client
                .upload_part_copy()
                .bucket(&self.bucket)
                .key(key.as_str())
                .upload_id(&upload_id)
                .part_number(number)
                .copy_source(&source)
                .copy_source_range(format!("bytes={start}-{}", end - 1))
                .copy_source_if_match(etag)
                .send()
                .await;
            match copied {
                Ok(copied) => {
                    let etag = copied.copy_part_result.and_then(|result| result.e_tag);
                    parts.push(
                        CompletedPart::builder()
                            .part_number(number)
                            .set_e_tag(etag)
                            .build(),
                    );
                }
                Err(error) => {
                    let upload = Upload {
                        id: upload_id,
                        parts: Vec::new(),
                    };
                    self.abort(key, &upload).await;
                    if aws_sdk_s3::error::ProvideErrorMetadata::code(&error)
                        == Some("PreconditionFailed")
                    {
                        tracing::info!(blob_key = %key, "blob was overwritten before its hash was stamped; the later write wins");
                        return Ok(());
                    }
                    return Err(backend("put", error));
                }
            }
            start = end;
        }
        self.complete(
            key,
            Upload {
                id: upload_id,
                parts,
            },
        )
        .await?;
        Ok(())
    }
}

fn missing(operation: &'static str, what: &str) -> StoreError {
    StoreError::Backend {
        operation,
        transient: false,
        source: what.to_owned().into(),
    }
}

/// A key as the `x-amz-copy-source` header wants it: percent-encoded, `/` kept.
fn encode_copy_source(key: &str) -> String {
    use std::fmt::Write as _;
    let mut encoded = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            write!(encoded, "%{byte:02X}").expect("invariant: writing to a String cannot fail");
        }
    }
    encoded
}

/// A blob's metadata from what S3 returns.
fn meta_from(
    key: &BlobKey,
    size: u64,
    content_type: Option<String>,
    metadata: Option<HashMap<String, String>>,
) -> BlobMeta {
    let mut metadata = metadata.unwrap_or_default();
    let sha256 = metadata.remove(SHA256_METADATA);
    BlobMeta {
        key: key.clone(),
        size,
        sha256,
        content_type: content_type.unwrap_or_else(|| "application/octet-stream".to_owned()),
        metadata: metadata.into_iter().collect(),
    }
}

/// The total size from a `Content-Range: bytes a-b/total` header.
fn total_from_content_range(content_range: &str) -> Option<u64> {
    content_range
        .rsplit_once('/')
        .and_then(|(_, total)| total.parse().ok())
}

fn sdk_body(body: SdkByteStream) -> ByteStream {
    Box::pin(futures::stream::unfold(body, |mut body| async move {
        body.next()
            .await
            .map(|chunk| (chunk.map_err(io::Error::other), body))
    }))
}

#[async_trait::async_trait]
impl BlobStore for S3BlobStore {
    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        options.validate()?;
        let meta = self.upload(key, body, &options).await?;
        tracing::debug!(size = meta.size, "blob stored");
        Ok(meta)
    }

    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError> {
        let header = range.map(|range| match range.end() {
            Some(end) => format!("bytes={}-{}", range.start(), end - 1),
            None => format!("bytes={}-", range.start()),
        });
        let sent = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .set_range(header)
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(error) => {
                if let Some(GetObjectError::NoSuchKey(_)) = error.as_service_error() {
                    return Err(StoreError::NotFound {
                        key: key.to_string(),
                    });
                }
                if let (Some(range), Some("InvalidRange")) =
                    (range, aws_sdk_s3::error::ProvideErrorMetadata::code(&error))
                {
                    let size = self.head(key).await?.size;
                    return Err(StoreError::RangeNotSatisfiable {
                        key: key.to_string(),
                        start: range.start(),
                        size,
                    });
                }
                return Err(backend("get", error));
            }
        };
        let length = output
            .content_length
            .and_then(|length| u64::try_from(length).ok())
            .unwrap_or(0);
        let size = match (&range, output.content_range.as_deref()) {
            (Some(_), Some(content_range)) => {
                total_from_content_range(content_range).unwrap_or(length)
            }
            _ => length,
        };
        let meta = meta_from(key, size, output.content_type, output.metadata);
        let stream = sdk_body(output.body);
        let body: ByteStream = match (&range, &meta.sha256) {
            (None, Some(sha256)) => {
                Box::pin(VerifiedBody::new(stream, key.clone(), sha256.clone()))
            }
            _ => stream,
        };
        Ok(Blob { meta, body })
    }

    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(output) => {
                let size = output
                    .content_length
                    .and_then(|length| u64::try_from(length).ok())
                    .unwrap_or(0);
                Ok(meta_from(key, size, output.content_type, output.metadata))
            }
            Err(error)
                if matches!(error.as_service_error(), Some(HeadObjectError::NotFound(_))) =>
            {
                Err(StoreError::NotFound {
                    key: key.to_string(),
                })
            }
            Err(error) => Err(backend("head", error)),
        }
    }

    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| backend("delete", e))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(prefix = %prefix))]
    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        let mut entries = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| backend("list", e))?;
            for object in page.contents() {
                let Some(name) = object.key() else { continue };
                match BlobKey::parse(name) {
                    Ok(key) => {
                        let size = object
                            .size()
                            .and_then(|size| u64::try_from(size).ok())
                            .unwrap_or(0);
                        entries.push(BlobEntry { key, size });
                    }
                    Err(error) => {
                        tracing::warn!(error = %error, "skipping an object whose key is not a blob key");
                    }
                }
            }
            token = page.next_continuation_token;
            if token.is_none() {
                break;
            }
        }
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_sources_are_percent_encoded_but_keep_slashes() {
        assert_eq!(
            encode_copy_source("in/po 1+ä.edi"),
            "in/po%201%2B%C3%A4.edi"
        );
    }

    #[test]
    fn the_total_size_comes_from_the_content_range() {
        assert_eq!(total_from_content_range("bytes 0-9/100"), Some(100));
        assert_eq!(total_from_content_range("bytes */100"), Some(100));
    }
}
