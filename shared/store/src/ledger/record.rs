//! Ledger records and the requests that write and read them.

use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;

use super::LedgerError;

/// Longest kind, in bytes.
pub const MAX_KIND_BYTES: usize = 64;
/// Longest key, index partition or index sort value, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Largest `data` as JSON, in bytes (DynamoDB items stop at 400 KB).
pub const MAX_DATA_BYTES: usize = 350 * 1024;

/// The identity of a record (and of a claim): `(kind, key)`.
///
/// # Format
/// `kind`: 1–64 characters of ASCII letters, digits, `_`, `-`, `.`, `:` (never `#`).
/// `key`: 1–1024 bytes of UTF-8 without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId {
    kind: String,
    key: String,
}

impl RecordId {
    /// Checks and builds an id.
    pub fn new(kind: impl Into<String>, key: impl Into<String>) -> Result<Self, LedgerError> {
        let (kind, key) = (kind.into(), key.into());
        if kind.is_empty()
            || kind.len() > MAX_KIND_BYTES
            || !kind
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
        {
            return Err(LedgerError::invalid(
                "kind",
                format!(
                    "{kind:?} must be 1-64 characters of ASCII letters, digits, '_', '-', '.', ':'"
                ),
            ));
        }
        check_text("key", &key)?;
        Ok(Self { kind, key })
    }

    /// What sort of record this is (e.g. `workspace`, `po`, `delivery`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The record's key within its kind (e.g. a PO number).
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.key)
    }
}

fn check_text(field: &'static str, text: &str) -> Result<(), LedgerError> {
    if text.is_empty() || text.len() > MAX_KEY_BYTES || text.chars().any(char::is_control) {
        return Err(LedgerError::invalid(
            field,
            "must be 1-1024 bytes without control characters",
        ));
    }
    Ok(())
}

/// Which secondary index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexName {
    /// Index one (DynamoDB GSI `gsi1`), e.g. every record of one workspace.
    One,
    /// Index two (DynamoDB GSI `gsi2`), e.g. every item due before a time.
    Two,
}

/// A record's place in a secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    /// The group queried together, e.g. `workspace#123` or `due`.
    pub partition: String,
    /// The order within the group, e.g. `doc#0042` or `2025-03-01T12:00:00Z`.
    pub sort: String,
}

impl IndexEntry {
    /// An entry in `partition` at `sort`.
    pub fn new(partition: impl Into<String>, sort: impl Into<String>) -> Self {
        Self {
            partition: partition.into(),
            sort: sort.into(),
        }
    }
}

/// A record of the link state.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRecord {
    /// Identity.
    pub id: RecordId,
    /// Where the record stands (use-case defined, e.g. `OPEN`, `FILED`).
    pub status: String,
    /// Starts at 1, goes up by one with every update.
    pub version: u64,
    /// The links and whatever else the use case keeps (ids in xECM and TG, business keys).
    pub data: Value,
    /// Entry in index one, if any.
    pub index1: Option<IndexEntry>,
    /// Entry in index two, if any.
    pub index2: Option<IndexEntry>,
    /// When it was created (ledger clock).
    pub created_at: OffsetDateTime,
    /// When it was last written (ledger clock).
    pub updated_at: OffsetDateTime,
    /// When it stops existing, if ever.
    pub expires_at: Option<OffsetDateTime>,
}

impl LedgerRecord {
    /// A change based on this record's current state and version, to edit and hand to
    /// [`Ledger::update`](super::Ledger::update).
    pub fn change(&self) -> RecordChange {
        RecordChange {
            id: self.id.clone(),
            expected_version: self.version,
            status: self.status.clone(),
            data: self.data.clone(),
            index1: self.index1.clone(),
            index2: self.index2.clone(),
            expires_at: self.expires_at,
        }
    }

    /// The entry in the given index.
    pub fn index(&self, index: IndexName) -> Option<&IndexEntry> {
        match index {
            IndexName::One => self.index1.as_ref(),
            IndexName::Two => self.index2.as_ref(),
        }
    }
}

/// A record to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    /// Identity.
    pub id: RecordId,
    /// Initial status.
    pub status: String,
    /// Initial data.
    pub data: Value,
    /// Entry in index one.
    pub index1: Option<IndexEntry>,
    /// Entry in index two.
    pub index2: Option<IndexEntry>,
    /// When it stops existing.
    pub expires_at: Option<OffsetDateTime>,
}

impl NewRecord {
    /// A record with no index entries and no expiry.
    pub fn new(id: RecordId, status: impl Into<String>, data: Value) -> Self {
        Self {
            id,
            status: status.into(),
            data,
            index1: None,
            index2: None,
            expires_at: None,
        }
    }

    /// With an entry in index one.
    #[must_use]
    pub fn with_index1(mut self, partition: impl Into<String>, sort: impl Into<String>) -> Self {
        self.index1 = Some(IndexEntry::new(partition, sort));
        self
    }

    /// With an entry in index two.
    #[must_use]
    pub fn with_index2(mut self, partition: impl Into<String>, sort: impl Into<String>) -> Self {
        self.index2 = Some(IndexEntry::new(partition, sort));
        self
    }

    /// Expiring at `at`.
    #[must_use]
    pub fn expiring_at(mut self, at: OffsetDateTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Checks the fields and builds the record as it will be stored at `now`.
    pub(crate) fn into_record(self, now: OffsetDateTime) -> Result<LedgerRecord, LedgerError> {
        check_fields(
            &self.status,
            &self.data,
            self.index1.as_ref(),
            self.index2.as_ref(),
        )?;
        let now = truncate(now);
        Ok(LedgerRecord {
            id: self.id,
            status: self.status,
            version: 1,
            data: self.data,
            index1: self.index1,
            index2: self.index2,
            created_at: now,
            updated_at: now,
            expires_at: self.expires_at.map(truncate),
        })
    }
}

/// A compare-and-set replacement of a record's mutable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    /// Which record.
    pub id: RecordId,
    /// The version this change is based on.
    pub expected_version: u64,
    /// New status.
    pub status: String,
    /// New data.
    pub data: Value,
    /// New entry in index one (`None` removes it from the index).
    pub index1: Option<IndexEntry>,
    /// New entry in index two.
    pub index2: Option<IndexEntry>,
    /// New expiry.
    pub expires_at: Option<OffsetDateTime>,
}

impl RecordChange {
    /// Checks the fields and builds the record as it will be stored at `now`.
    pub(crate) fn into_record(
        self,
        created_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<LedgerRecord, LedgerError> {
        check_fields(
            &self.status,
            &self.data,
            self.index1.as_ref(),
            self.index2.as_ref(),
        )?;
        Ok(LedgerRecord {
            id: self.id,
            status: self.status,
            version: self.expected_version.saturating_add(1),
            data: self.data,
            index1: self.index1,
            index2: self.index2,
            created_at,
            updated_at: truncate(now),
            expires_at: self.expires_at.map(truncate),
        })
    }
}

fn check_fields(
    status: &str,
    data: &Value,
    index1: Option<&IndexEntry>,
    index2: Option<&IndexEntry>,
) -> Result<(), LedgerError> {
    if status.is_empty() || status.len() > 64 || status.chars().any(char::is_control) {
        return Err(LedgerError::invalid(
            "status",
            "must be 1-64 bytes without control characters",
        ));
    }
    for (entry, partition, sort) in [
        (index1, "index1.partition", "index1.sort"),
        (index2, "index2.partition", "index2.sort"),
    ] {
        if let Some(entry) = entry {
            check_text(partition, &entry.partition)?;
            check_text(sort, &entry.sort)?;
        }
    }
    let size = serde_json::to_vec(data).map_or(usize::MAX, |json| json.len());
    if size > MAX_DATA_BYTES {
        return Err(LedgerError::invalid(
            "data",
            format!("is {size} bytes of JSON, at most {MAX_DATA_BYTES} fit"),
        ));
    }
    Ok(())
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum LedgerWrite {
    /// Create if absent.
    Create(NewRecord),
    /// Compare-and-set update.
    Update(RecordChange),
    /// Compare-and-set delete.
    Delete {
        /// Which record.
        id: RecordId,
        /// The version it must be at.
        expected_version: u64,
    },
}

impl LedgerWrite {
    /// The record this write touches.
    pub fn id(&self) -> &RecordId {
        match self {
            Self::Create(record) => &record.id,
            Self::Update(change) => &change.id,
            Self::Delete { id, .. } => id,
        }
    }
}

/// Which sort values of a partition to read. Values compare as strings (byte order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortRange {
    /// The whole partition.
    All,
    /// Sort values starting with this text.
    Prefix(String),
    /// Sort values strictly before this one (e.g. "due before T").
    Before(String),
    /// Sort values at or after this one.
    From(String),
    /// Sort values strictly after this one: the next page after the last sort value read
    /// (a cursor), when sort values are unique in their partition.
    After(String),
    /// Sort values from `from` to `to`, both included.
    Between {
        /// Lowest value included.
        from: String,
        /// Highest value included.
        to: String,
    },
}

impl SortRange {
    /// Whether `sort` lies in the range.
    pub fn contains(&self, sort: &str) -> bool {
        match self {
            Self::All => true,
            Self::Prefix(prefix) => sort.starts_with(prefix.as_str()),
            Self::Before(limit) => sort < limit.as_str(),
            Self::From(limit) => sort >= limit.as_str(),
            Self::After(limit) => sort > limit.as_str(),
            Self::Between { from, to } => sort >= from.as_str() && sort <= to.as_str(),
        }
    }
}

/// A read of one index partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Which index.
    pub index: IndexName,
    /// Which partition of it.
    pub partition: String,
    /// Which sort values.
    pub range: SortRange,
    /// At most this many records (all if `None`).
    pub limit: Option<usize>,
}

impl Query {
    /// Every live record in `partition` of `index`.
    pub fn partition(index: IndexName, partition: impl Into<String>) -> Self {
        Self {
            index,
            partition: partition.into(),
            range: SortRange::All,
            limit: None,
        }
    }

    /// Narrowed to `range`.
    #[must_use]
    pub fn range(mut self, range: SortRange) -> Self {
        self.range = range;
        self
    }

    /// At most `limit` records.
    #[must_use]
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    pub(crate) fn check(&self) -> Result<(), LedgerError> {
        check_text("partition", &self.partition)?;
        if self.limit == Some(0) {
            return Err(LedgerError::invalid("limit", "must be at least 1"));
        }
        Ok(())
    }
}

/// Milliseconds since the epoch.
pub(crate) fn to_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The instant `millis` after the epoch (clamped to what `time` can represent).
pub(crate) fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn truncate(at: OffsetDateTime) -> OffsetDateTime {
    from_millis(to_millis(at))
}
