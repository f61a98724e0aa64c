//! Content to upload, re-openable: a streamed body cannot be replayed, so each attempt
//! (a retry after a 5xx, a re-login after a 401 in the middle of an upload) opens the source
//! again and sends the whole content from the start. Nothing is read into memory.

use std::path::PathBuf;
use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// A stream of content chunks.
pub type ContentStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + 'static>>;

/// Content that can be read from the start as often as needed.
#[async_trait]
pub trait ContentSource: Send + Sync {
    /// A fresh stream over the whole content. Called once per attempt.
    async fn open(&self) -> std::io::Result<ContentStream>;

    /// The size in bytes, when known (sent as the part length).
    fn size(&self) -> Option<u64> {
        None
    }
}

/// A file on disk.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
}

impl FileSource {
    /// The file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

#[async_trait]
impl ContentSource for FileSource {
    async fn open(&self) -> std::io::Result<ContentStream> {
        let file = tokio::fs::File::open(&self.path).await?;
        Ok(Box::pin(ReaderStream::with_capacity(file, 256 * 1024)))
    }

    fn size(&self) -> Option<u64> {
        std::fs::metadata(&self.path).ok().map(|m| m.len())
    }
}

/// Content already in memory (small documents, tests).
#[derive(Debug, Clone)]
pub struct BytesSource(pub Bytes);

#[async_trait]
impl ContentSource for BytesSource {
    async fn open(&self) -> std::io::Result<ContentStream> {
        let chunk = self.0.clone();
        Ok(Box::pin(futures::stream::once(async move { Ok(chunk) })))
    }

    fn size(&self) -> Option<u64> {
        Some(self.0.len() as u64)
    }
}

/// Content from any reader a closure can open again: a blob-store object, a Trading Grid
/// download, a generated body.
pub struct ReaderSource<F> {
    open: F,
    size: Option<u64>,
}

impl<F> std::fmt::Debug for ReaderSource<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderSource")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl<F, Fut, R> ReaderSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = std::io::Result<R>> + Send,
    R: AsyncRead + Send + 'static,
{
    /// Content read from whatever `open` returns; `size` when known.
    pub fn new(open: F, size: Option<u64>) -> Self {
        Self { open, size }
    }
}

#[async_trait]
impl<F, Fut, R> ContentSource for ReaderSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = std::io::Result<R>> + Send,
    R: AsyncRead + Send + 'static,
{
    async fn open(&self) -> std::io::Result<ContentStream> {
        let reader = (self.open)().await?;
        Ok(Box::pin(ReaderStream::with_capacity(reader, 256 * 1024)))
    }

    fn size(&self) -> Option<u64> {
        self.size
    }
}
