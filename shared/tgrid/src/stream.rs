//! Streamed content: what to upload (re-openable, so a retry resends it all) and what
//! comes back from a download (a byte stream, never the whole file in memory).

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::TgError;

/// A stream of upload chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// Content that can be read from the start as many times as needed.
///
/// A retried upload (after a 401, a 503 or a dropped connection) calls [`ByteSource::open`]
/// again and sends everything once more.
pub trait ByteSource: Send + Sync + fmt::Debug {
    /// A fresh stream over the whole content.
    fn open(&self) -> ByteStream;
    /// The content length, when known up front.
    fn content_length(&self) -> Option<u64>;
}

/// A file on disk, read in chunks.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
    len: Option<u64>,
}

impl FileSource {
    /// The file at `path` (its length is read now, if it can be).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let len = std::fs::metadata(&path).ok().map(|meta| meta.len());
        Self { path, len }
    }
}

impl ByteSource for FileSource {
    fn open(&self) -> ByteStream {
        let path = self.path.clone();
        futures::stream::once(async move { tokio::fs::File::open(path).await })
            .map_ok(|file| tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024))
            .try_flatten()
            .boxed()
    }

    fn content_length(&self) -> Option<u64> {
        self.len
    }
}

/// Content already in memory (small payloads, tests).
#[derive(Debug, Clone)]
pub struct BytesSource(pub Bytes);

impl ByteSource for BytesSource {
    fn open(&self) -> ByteStream {
        futures::stream::iter([Ok(self.0.clone())]).boxed()
    }

    fn content_length(&self) -> Option<u64> {
        u64::try_from(self.0.len()).ok()
    }
}

/// Content produced by a function, called once per attempt (generated bodies, S3 objects).
pub struct FnSource<F> {
    open: F,
    len: Option<u64>,
}

impl<F> FnSource<F>
where
    F: Fn() -> ByteStream + Send + Sync,
{
    /// Wraps `open`, which must yield the whole content each time it is called.
    pub fn new(len: Option<u64>, open: F) -> Self {
        Self { open, len }
    }
}

impl<F> fmt::Debug for FnSource<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnSource")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl<F> ByteSource for FnSource<F>
where
    F: Fn() -> ByteStream + Send + Sync,
{
    fn open(&self) -> ByteStream {
        (self.open)()
    }

    fn content_length(&self) -> Option<u64> {
        self.len
    }
}

/// A file to upload: its name, media type and content.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file name Trading Grid stores.
    pub file_name: String,
    /// The media type (`application/pdf`, …).
    pub content_type: String,
    /// The content.
    pub source: Arc<dyn ByteSource>,
}

impl Upload {
    /// An upload from its parts.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        source: Arc<dyn ByteSource>,
    ) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: content_type.into(),
            source,
        }
    }

    /// An upload of bytes already in memory.
    pub fn from_bytes(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        Self::new(file_name, content_type, Arc::new(BytesSource(bytes.into())))
    }
}

/// A byte range of a download (`Range: bytes=start-end`, `end` inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive); `None` means to the end.
    pub end: Option<u64>,
}

impl ByteRange {
    /// The header value.
    pub fn header_value(self) -> String {
        match self.end {
            Some(end) => format!("bytes={}-{end}", self.start),
            None => format!("bytes={}-", self.start),
        }
    }
}

/// Downloaded content, as it arrives.
pub struct Download {
    /// Bytes of the content (or of the requested range).
    pub content_length: Option<u64>,
    /// The media type Trading Grid reports.
    pub content_type: Option<String>,
    /// The chunks.
    pub stream: Pin<Box<dyn Stream<Item = Result<Bytes, TgError>> + Send>>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_length", &self.content_length)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl Download {
    /// Collects the whole content. Only for content known to be small.
    pub async fn into_bytes(mut self) -> Result<Bytes, TgError> {
        let mut all = bytes::BytesMut::new();
        while let Some(chunk) = self.stream.next().await {
            all.extend_from_slice(&chunk?);
        }
        Ok(all.freeze())
    }

    /// Writes the content to `writer` chunk by chunk and returns the byte count.
    pub async fn write_to<W>(mut self, writer: &mut W) -> Result<u64, TgError>
    where
        W: tokio::io::AsyncWrite + Unpin,
    {
        use tokio::io::AsyncWriteExt;
        let mut written = 0u64;
        while let Some(chunk) = self.stream.next().await {
            let chunk = chunk?;
            writer
                .write_all(&chunk)
                .await
                .map_err(|source| TgError::Source {
                    what: "download",
                    source,
                })?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(|source| TgError::Source {
            what: "download",
            source,
        })?;
        Ok(written)
    }
}
