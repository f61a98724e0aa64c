//! Ledger records and claims as DynamoDB items.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::ledger::{
    ClaimState, ClaimStatus, IndexEntry, LedgerError, LedgerRecord, RecordId, from_millis,
    to_millis,
};

/// A DynamoDB item.
pub(super) type Item = HashMap<String, AttributeValue>;

/// Sort key of a record item.
pub(super) const RECORD_SK: &str = "record";
/// Sort key of a claim item.
pub(super) const CLAIM_SK: &str = "claim";

/// Attribute names (see `docs/storage.md`).
pub(super) mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const KIND: &str = "kind";
    pub const KEY: &str = "key";
    pub const STATUS: &str = "status";
    pub const VERSION: &str = "version";
    pub const DATA: &str = "data";
    pub const GSI1PK: &str = "gsi1pk";
    pub const GSI1SK: &str = "gsi1sk";
    pub const GSI2PK: &str = "gsi2pk";
    pub const GSI2SK: &str = "gsi2sk";
    pub const CREATED_AT_MS: &str = "created_at_ms";
    pub const UPDATED_AT_MS: &str = "updated_at_ms";
    pub const EXPIRES_AT_MS: &str = "expires_at_ms";
    pub const EXPIRES_AT_EPOCH: &str = "expires_at_epoch";
    pub const TOKEN: &str = "token";
    pub const PAYLOAD_HASH: &str = "payload_hash";
    pub const RESULT: &str = "result";
}

/// The partition key of a record or claim: `<kind>#<key>` (kinds never contain `#`).
pub(super) fn partition_key(id: &RecordId) -> String {
    format!("{}#{}", id.kind(), id.key())
}

/// The primary key of the record or claim item for `id`.
pub(super) fn primary_key(id: &RecordId, sk: &str) -> Item {
    HashMap::from([
        (attr::PK.to_owned(), AttributeValue::S(partition_key(id))),
        (attr::SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub(super) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

pub(super) fn n(number: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// The TTL attribute value for an expiry in milliseconds: whole seconds, rounded up, so
/// DynamoDB never deletes an item before it has expired.
pub(super) fn ttl_seconds(expires_at_ms: i64) -> i64 {
    expires_at_ms.div_euclid(1000) + i64::from(expires_at_ms.rem_euclid(1000) != 0)
}

/// The full item for a record.
pub(super) fn encode_record(record: &LedgerRecord) -> Item {
    let mut item = primary_key(&record.id, RECORD_SK);
    item.insert(attr::KIND.to_owned(), s(record.id.kind()));
    item.insert(attr::KEY.to_owned(), s(record.id.key()));
    item.insert(attr::STATUS.to_owned(), s(&record.status));
    item.insert(attr::VERSION.to_owned(), n(record.version));
    item.insert(attr::DATA.to_owned(), s(record.data.to_string()));
    item.insert(
        attr::CREATED_AT_MS.to_owned(),
        n(to_millis(record.created_at)),
    );
    item.insert(
        attr::UPDATED_AT_MS.to_owned(),
        n(to_millis(record.updated_at)),
    );
    for (entry, pk, sk) in [
        (&record.index1, attr::GSI1PK, attr::GSI1SK),
        (&record.index2, attr::GSI2PK, attr::GSI2SK),
    ] {
        if let Some(entry) = entry {
            item.insert(pk.to_owned(), s(&entry.partition));
            item.insert(sk.to_owned(), s(&entry.sort));
        }
    }
    if let Some(expires_at) = record.expires_at {
        let millis = to_millis(expires_at);
        item.insert(attr::EXPIRES_AT_MS.to_owned(), n(millis));
        item.insert(attr::EXPIRES_AT_EPOCH.to_owned(), n(ttl_seconds(millis)));
    }
    item
}

fn damaged(reason: String) -> LedgerError {
    LedgerError::Backend {
        operation: "decode",
        transient: false,
        source: reason.into(),
    }
}

fn text<'a>(item: &'a Item, name: &str) -> Result<&'a str, LedgerError> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Ok(text),
        other => Err(damaged(format!(
            "attribute {name} should be a string, is {other:?}"
        ))),
    }
}

fn optional_text(item: &Item, name: &str) -> Option<String> {
    match item.get(name) {
        Some(AttributeValue::S(text)) => Some(text.clone()),
        _ => None,
    }
}

fn number(item: &Item, name: &str) -> Result<i64, LedgerError> {
    match item.get(name) {
        Some(AttributeValue::N(number)) => number
            .parse()
            .map_err(|_| damaged(format!("attribute {name} is not an integer: {number}"))),
        other => Err(damaged(format!(
            "attribute {name} should be a number, is {other:?}"
        ))),
    }
}

fn optional_number(item: &Item, name: &str) -> Result<Option<i64>, LedgerError> {
    if item.contains_key(name) {
        number(item, name).map(Some)
    } else {
        Ok(None)
    }
}

/// The expiry of any ledger item, in milliseconds.
pub(super) fn expires_at_ms(item: &Item) -> Result<Option<i64>, LedgerError> {
    optional_number(item, attr::EXPIRES_AT_MS)
}

/// A record from its item.
pub(super) fn decode_record(item: &Item) -> Result<LedgerRecord, LedgerError> {
    let entry = |pk, sk| {
        optional_text(item, pk)
            .zip(optional_text(item, sk))
            .map(|(p, s)| IndexEntry::new(p, s))
    };
    Ok(LedgerRecord {
        id: RecordId::new(text(item, attr::KIND)?, text(item, attr::KEY)?)?,
        status: text(item, attr::STATUS)?.to_owned(),
        version: u64::try_from(number(item, attr::VERSION)?)
            .map_err(|e| damaged(format!("version: {e}")))?,
        data: serde_json::from_str(text(item, attr::DATA)?)
            .map_err(|e| damaged(format!("data is not JSON: {e}")))?,
        index1: entry(attr::GSI1PK, attr::GSI1SK),
        index2: entry(attr::GSI2PK, attr::GSI2SK),
        created_at: from_millis(number(item, attr::CREATED_AT_MS)?),
        updated_at: from_millis(number(item, attr::UPDATED_AT_MS)?),
        expires_at: expires_at_ms(item)?.map(from_millis),
    })
}

/// A claim from its item.
pub(super) fn decode_claim(item: &Item) -> Result<ClaimState, LedgerError> {
    let status = text(item, attr::STATUS)?;
    Ok(ClaimState {
        status: ClaimStatus::parse(status)
            .ok_or_else(|| damaged(format!("unknown claim status {status:?}")))?,
        token: text(item, attr::TOKEN)?.to_owned(),
        payload_hash: optional_text(item, attr::PAYLOAD_HASH),
        result: optional_text(item, attr::RESULT)
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| damaged(format!("result is not JSON: {e}")))?,
        expires_at_ms: expires_at_ms(item)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_rounds_up_to_the_next_whole_second() {
        assert_eq!(ttl_seconds(1_000), 1);
        assert_eq!(ttl_seconds(1_001), 2);
        assert_eq!(ttl_seconds(1_999), 2);
    }

    #[test]
    fn a_record_survives_the_round_trip_through_an_item() {
        let record = LedgerRecord {
            id: RecordId::new("po", "4711#A").expect("id"),
            status: "OPEN".to_owned(),
            version: 3,
            data: serde_json::json!({"xecm": 12, "tg": "abc"}),
            index1: Some(IndexEntry::new("partner#ACME", "po#4711")),
            index2: None,
            created_at: from_millis(1_700_000_000_123),
            updated_at: from_millis(1_700_000_100_000),
            expires_at: Some(from_millis(1_800_000_000_500)),
        };
        let item = encode_record(&record);
        assert_eq!(item.get(attr::PK), Some(&s("po#4711#A")));
        assert_eq!(item.get(attr::EXPIRES_AT_EPOCH), Some(&n(1_800_000_001)));
        assert_eq!(decode_record(&item).expect("decode"), record);
    }
}
