//! Payloads and attachments on disk: written chunk by chunk with a running SHA-256, read
//! back as a stream (whole or a byte range).

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::error::ApiError;

/// The blob directory.
#[derive(Debug)]
pub(crate) struct Blobs {
    dir: PathBuf,
}

/// A blob written but not yet given a name.
#[derive(Debug)]
pub(crate) struct Written {
    pub temp: PathBuf,
    pub size_bytes: u64,
    pub sha256: String,
}

impl Blobs {
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// Streams `chunks` to a temporary file, refusing more than `limit` bytes (413).
    pub async fn write<S, E>(&self, mut chunks: S, limit: u64) -> Result<Written, ApiError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let temp = self.dir.join(format!("incoming-{}.part", uuid_like()));
        let mut file = tokio::fs::File::create(&temp).await.map_err(io_error)?;
        let mut hasher = Sha256::new();
        let mut size_bytes = 0u64;
        let outcome = async {
            while let Some(chunk) = chunks.next().await {
                let chunk =
                    chunk.map_err(|e| ApiError::invalid(format!("the upload broke off: {e}")))?;
                size_bytes += chunk.len() as u64;
                if size_bytes > limit {
                    return Err(ApiError::too_large(limit));
                }
                hasher.update(&chunk);
                file.write_all(&chunk).await.map_err(io_error)?;
            }
            file.flush().await.map_err(io_error)
        }
        .await;
        if let Err(error) = outcome {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(error);
        }
        Ok(Written {
            temp,
            size_bytes,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Gives a written blob its final name.
    pub async fn keep(&self, written: &Written, name: &str) -> Result<String, ApiError> {
        tokio::fs::rename(&written.temp, self.dir.join(name))
            .await
            .map_err(io_error)?;
        Ok(name.to_owned())
    }

    /// Drops a written blob (a replayed or refused upload).
    pub async fn discard(&self, written: &Written) {
        let _ = tokio::fs::remove_file(&written.temp).await;
    }

    /// Answers a content GET: the whole blob (200) or one `Range` (206), streamed.
    pub async fn serve(
        &self,
        name: &str,
        size: u64,
        content_type: &str,
        headers: &HeaderMap,
    ) -> Result<Response, ApiError> {
        let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
            None => None,
            Some(text) => Some(parse_range(text, size).ok_or_else(|| {
                ApiError::invalid_field(
                    "range",
                    format!("cannot satisfy range {text:?} of {size} bytes"),
                )
                .with_details(serde_json::json!({"field": "range", "size_bytes": size}))
            })?),
        };
        let mut file = tokio::fs::File::open(self.dir.join(name))
            .await
            .map_err(io_error)?;
        let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
        let length = if size == 0 { 0 } else { end - start + 1 };
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(io_error)?;
        let stream = tokio_util::io::ReaderStream::with_capacity(file.take(length), 64 * 1024);
        let mut response = Response::new(Body::from_stream(stream));
        if range.is_some() {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        }
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Ok(value) = HeaderValue::from_str(content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        if range.is_some()
            && let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}"))
        {
            headers.insert(header::CONTENT_RANGE, value);
        }
        Ok(response)
    }
}

/// Reads `bytes=a-b`, `bytes=a-` or `bytes=-n` against `size`; `None` if unsatisfiable.
pub(crate) fn parse_range(text: &str, size: u64) -> Option<(u64, u64)> {
    let spec = text.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (start, end) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (size.checked_sub(n.min(size))?, size - 1)
        }
        (first, "") => (first.parse().ok()?, size - 1),
        (first, last) => (first.parse().ok()?, last.parse::<u64>().ok()?.min(size - 1)),
    };
    (start <= end && start < size).then_some((start, end))
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(io_error)`
fn io_error(error: std::io::Error) -> ApiError {
    ApiError::internal(format!("blob store: {error}"))
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_are_read_and_clamped() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
