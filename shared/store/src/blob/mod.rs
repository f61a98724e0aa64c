//! The blob port: documents and EDI files, streamed, with their SHA-256.
//!
//! A [`BlobStore`] keeps opaque byte content under a [`BlobKey`], with a content type and a
//! little user metadata. Content is never held whole in memory: `put` consumes a
//! [`ByteStream`] and `get` returns one. The SHA-256 of the content is computed while it
//! streams in, stored beside it, and checked at the end of every full read: a mismatch
//! surfaces as [`StoreError::Corrupt`] from the body stream (see
//! [`StoreError::from_stream_error`] and [`Blob::bytes`]).

mod error;
pub mod fs;
mod key;
#[cfg(feature = "aws")]
pub mod s3;
mod verify;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

pub use error::{BackendError, StoreError};
pub use key::{BlobKey, MAX_KEY_BYTES};
pub(crate) use verify::{Sha256Hasher, VerifiedBody};

/// A stream of content chunks. Errors are `io::Error`s so the stream plugs into
/// `tokio_util::io::StreamReader` and friends; an error an adapter raised on purpose (such as
/// [`StoreError::Corrupt`]) comes back out with [`StoreError::from_stream_error`].
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send>>;

/// The name under which the SHA-256 is stored among the metadata; users may not set it.
pub const SHA256_METADATA: &str = "sha256";

/// The most bytes user metadata (names plus values) may take, as on S3.
pub const MAX_METADATA_BYTES: usize = 2048;

/// Wraps bytes already in memory as a [`ByteStream`].
pub fn body_from_bytes(bytes: impl Into<Bytes>) -> ByteStream {
    let bytes = bytes.into();
    Box::pin(futures::stream::once(async move { Ok(bytes) }))
}

/// How to store a blob besides its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOptions {
    /// MIME type, e.g. `application/edi-x12`. Printable ASCII.
    pub content_type: String,
    /// User metadata. Names: 1–64 characters of `a-z`, `0-9`, `-`; `sha256` is reserved.
    /// Values: printable ASCII. Names and values together at most 2 KiB.
    pub metadata: BTreeMap<String, String>,
}

impl Default for PutOptions {
    fn default() -> Self {
        Self {
            content_type: "application/octet-stream".to_owned(),
            metadata: BTreeMap::new(),
        }
    }
}

impl PutOptions {
    /// Options with this content type and no metadata.
    pub fn with_content_type(content_type: impl Into<String>) -> Self {
        Self {
            content_type: content_type.into(),
            metadata: BTreeMap::new(),
        }
    }

    /// Adds one metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(name.into(), value.into());
        self
    }

    /// Checks what every adapter can store, naming the first problem.
    pub fn validate(&self) -> Result<(), StoreError> {
        let printable = |text: &str| text.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if self.content_type.is_empty()
            || self.content_type.len() > 255
            || !printable(&self.content_type)
        {
            return Err(StoreError::InvalidMetadata {
                name: "content-type".to_owned(),
                reason: "the content type must be 1-255 characters of printable ASCII",
            });
        }
        let mut total = 0;
        for (name, value) in &self.metadata {
            let invalid = |reason| {
                Err(StoreError::InvalidMetadata {
                    name: name.clone(),
                    reason,
                })
            };
            if name.is_empty()
                || name.len() > 64
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return invalid("a metadata name must be 1-64 characters of a-z, 0-9 and '-'");
            }
            if name == SHA256_METADATA {
                return invalid("the name 'sha256' is reserved for the content hash");
            }
            if !printable(value) {
                return invalid("a metadata value must be printable ASCII");
            }
            total += name.len() + value.len();
            if total > MAX_METADATA_BYTES {
                return invalid("metadata names and values together must not exceed 2048 bytes");
            }
        }
        Ok(())
    }
}

/// What is known about a stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    /// Its key.
    pub key: BlobKey,
    /// Size of the whole content in bytes (also for a ranged read).
    pub size: u64,
    /// SHA-256 of the whole content, lowercase hex. `None` only for objects written by other
    /// tools (or, on S3, briefly while a multipart upload is being stamped with its hash).
    pub sha256: Option<String>,
    /// MIME type given at `put`.
    pub content_type: String,
    /// User metadata given at `put`.
    pub metadata: BTreeMap<String, String>,
}

/// A blob being read: its metadata and a stream of its content (or of the range asked for).
pub struct Blob {
    /// The blob's metadata.
    pub meta: BlobMeta,
    /// The content, or the requested range of it. A full read ends with
    /// [`StoreError::Corrupt`] (wrapped in `io::Error`) if the content does not match its hash.
    pub body: ByteStream,
}

impl Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

impl Blob {
    /// Reads the whole body into memory. For small blobs and tests; stream large ones.
    pub async fn bytes(mut self) -> Result<Bytes, StoreError> {
        let mut buffer = BytesMut::new();
        while let Some(chunk) = self.body.next().await {
            buffer.extend_from_slice(&chunk.map_err(StoreError::from_stream_error)?);
        }
        Ok(buffer.freeze())
    }
}

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobEntry {
    /// The blob's key.
    pub key: BlobKey,
    /// Its size in bytes.
    pub size: u64,
}

/// A range of bytes to read: from `start` to `end` (exclusive), or to the end of the blob.
///
/// An `end` beyond the blob is cut to the blob's size; a `start` at or beyond it is
/// [`StoreError::RangeNotSatisfiable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    start: u64,
    end: Option<u64>,
}

impl ByteRange {
    /// From `start` to the end of the blob.
    pub fn from(start: u64) -> Self {
        Self { start, end: None }
    }

    /// From `start` up to (not including) `end`.
    pub fn new(start: u64, end: u64) -> Result<Self, StoreError> {
        if end <= start {
            return Err(StoreError::InvalidRange { start, end });
        }
        Ok(Self {
            start,
            end: Some(end),
        })
    }

    /// First byte.
    pub fn start(self) -> u64 {
        self.start
    }

    /// One past the last byte, if bounded.
    pub fn end(self) -> Option<u64> {
        self.end
    }

    /// The range within a blob of `size` bytes, as `start..end`.
    pub(crate) fn within(
        self,
        key: &BlobKey,
        size: u64,
    ) -> Result<std::ops::Range<u64>, StoreError> {
        if self.start >= size {
            return Err(StoreError::RangeNotSatisfiable {
                key: key.to_string(),
                start: self.start,
                size,
            });
        }
        Ok(self.start..self.end.map_or(size, |end| end.min(size)))
    }
}

/// Where blobs live: S3 in the cloud, a directory locally.
///
/// Every adapter passes the same conformance suite (`conformance::blob`).
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + Debug {
    /// Stores `body` under `key`, replacing any blob already there. The SHA-256 is computed
    /// while streaming; memory stays bounded whatever the size. Nothing is stored if the body
    /// stream fails ([`StoreError::Body`]). Readers see either the old blob or the new one.
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError>;

    /// Opens the blob for reading, whole or the given range.
    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError>;

    /// The blob's metadata without its content.
    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError>;

    /// Removes the blob. Removing a blob that does not exist is not an error.
    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError>;

    /// Every blob whose key starts with `prefix` (plain string prefix), sorted by key.
    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError>;
}
