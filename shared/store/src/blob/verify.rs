//! Hashing content as it streams, and checking it at the end of a read.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use sha2::{Digest, Sha256};

use super::{BlobKey, ByteStream, StoreError};

/// SHA-256 fed chunk by chunk, giving lowercase hex.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sha256Hasher {
    hasher: Sha256,
    bytes: u64,
}

impl Sha256Hasher {
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.bytes += chunk.len() as u64;
    }

    pub(crate) fn len(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn finish_hex(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// A body stream that hashes what passes through it and, at its end, yields
/// [`StoreError::Corrupt`] if the content does not hash to the expected value.
pub(crate) struct VerifiedBody {
    inner: ByteStream,
    hasher: Option<Sha256Hasher>,
    key: BlobKey,
    expected_sha256: String,
}

impl VerifiedBody {
    pub(crate) fn new(inner: ByteStream, key: BlobKey, expected_sha256: String) -> Self {
        Self {
            inner,
            hasher: Some(Sha256Hasher::default()),
            key,
            expected_sha256,
        }
    }
}

impl Stream for VerifiedBody {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(hasher) = this.hasher.as_mut() else {
            return Poll::Ready(None);
        };
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                hasher.update(&chunk);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                let actual = this
                    .hasher
                    .take()
                    .map(Sha256Hasher::finish_hex)
                    .unwrap_or_default();
                if actual == this.expected_sha256 {
                    return Poll::Ready(None);
                }
                tracing::error!(blob_key = %this.key, expected = %this.expected_sha256, actual = %actual, "blob content does not match its sha256");
                let corrupt = StoreError::Corrupt {
                    key: this.key.to_string(),
                    expected_sha256: this.expected_sha256.clone(),
                    actual_sha256: actual,
                };
                Poll::Ready(Some(Err(corrupt.into_stream_error())))
            }
            other => other,
        }
    }
}
