//! # gridlink-store
//!
//! Where gridlink keeps things, behind two ports in business words:
//!
//! - [`BlobStore`]: documents and EDI files, streamed in and out with their SHA-256 kept as
//!   metadata and checked on every full read.
//! - [`Ledger`]: the link state — records keyed by `(kind, key)` that tie xECM ids, Trading
//!   Grid ids and business keys together, with versions for compare-and-set, two secondary
//!   indexes, expiry, and Powertools-style claims for idempotent side effects.
//!
//! Each port has a cloud adapter and a local one, and one conformance suite runs unchanged
//! against both (see `docs/storage.md` for the storage layouts).
//!
//! ## Layout
//! - [`blob`]: the [`BlobStore`] port, [`BlobKey`], [`BlobMeta`], byte ranges, [`StoreError`].
//!   - [`blob::fs`]: [`FsBlobStore`], a directory (temp file + fsync + atomic rename).
//!   - `blob::s3`: `S3BlobStore` (feature `aws`), multipart above 8 MiB.
//! - [`ledger`]: the [`Ledger`] port, [`LedgerRecord`], claims, transactions, [`LedgerError`].
//!   - `ledger::dynamo`: `DynamoLedger` (feature `aws`), single-table design.
//!   - `ledger::sqlite`: `SqliteLedger` (feature `sqlite`), one WAL-mode file.
//! - `testing` (feature `test-support`): the moto server launcher, SDK clients pointed at it,
//!   and fixtures that build each adapter on fresh storage.
//! - `conformance` (feature `test-support`): the conformance cases and the macros that turn
//!   them into one `#[tokio::test]` per (case, adapter).

#[cfg(feature = "aws")]
mod aws_error;
pub mod blob;
pub mod ledger;

#[cfg(feature = "test-support")]
pub mod conformance;
#[cfg(feature = "test-support")]
pub mod testing;

pub use blob::fs::FsBlobStore;
#[cfg(feature = "aws")]
pub use blob::s3::S3BlobStore;
pub use blob::{
    Blob, BlobEntry, BlobKey, BlobMeta, BlobStore, ByteRange, ByteStream, PutOptions, StoreError,
};
#[cfg(feature = "aws")]
pub use ledger::dynamo::DynamoLedger;
#[cfg(feature = "sqlite")]
pub use ledger::sqlite::SqliteLedger;
pub use ledger::{
    Claim, ClaimPeek, ClaimToken, IndexEntry, IndexName, Ledger, LedgerError, LedgerRecord,
    LedgerWrite, NewRecord, Query, RecordChange, RecordId, Sequence, SortRange,
};
