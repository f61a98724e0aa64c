//! Every parsed partner document of an order, kept so reconciliation can always re-run over
//! everything received for the order, whatever the order of arrival.
//!
//! # Format
//! One ledger record per revision, created once (a redelivery finds it and changes nothing):
//! `("order-document", "{function}/{po}|{kind}|{sender}|{number}|{revision}")`, status
//! `received`, indexed under `order-documents#{function}#{po}` (index 1) by
//! `{received at, ms since the epoch, 15 digits}#{kind}|{sender}|{number}|{revision}`:
//! ```json
//! {"po_number":"4500001234","kind":"invoice","sender":"ZZ:ACMESUPPLY","number":"INV-1",
//!  "revision":"<sha256 of the interchange>","received_at":"2026-11-25T01:02:03.456Z",
//!  "tg_document_id":"doc_…","interchange_blob":"documents/order-reconcile/doc_…",
//!  "canonical_blob":"order-documents/order-reconcile/<sha256 of po|kind|sender|number>/<revision>.json"}
//! ```
//! The canonical blob holds the document as `gridlink_edi::BusinessDocument` JSON (a
//! functional acknowledgment's answer as [`AcknowledgedTransaction`] JSON, kind
//! `functional_ack`, number the acknowledged set's control number); the
//! interchange it came in stays where ingress put it. The latest revision of a business
//! document is the one first received last: a redelivered older revision does not count again.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use futures::{StreamExt as _, TryStreamExt as _};
use lru::LruCache;

use gridlink_edi::BusinessDocument;
use gridlink_flow::Platform;
use gridlink_inbound::{InboundError, ReceivedDocument};
use gridlink_store::blob::{PutOptions, body_from_bytes};
use gridlink_store::{BlobKey, IndexName, LedgerError, NewRecord, Query, RecordId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;

use super::functional_ack::AcknowledgedTransaction;
use super::model::{DocumentKind, DocumentRef, PartnerDocuments, Received};

/// The ledger kind of recorded partner documents.
pub const RECORD_KIND: &str = "order-document";

fn partition(platform: &Platform, po_number: &str) -> String {
    format!("order-documents#{}#{}", platform.function, po_number.trim())
}

fn kind_name(kind: DocumentKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One partner document to record.
#[derive(Debug, Clone, Copy)]
pub struct Recording<'a> {
    /// The order it was filed in.
    pub po_number: &'a str,
    /// Who sent it (`qualifier:id`).
    pub sender: &'a str,
    /// Its business number.
    pub number: &'a str,
    /// What was received (the interchange and its hash).
    pub received: &'a ReceivedDocument,
    /// The parsed document.
    pub document: &'a BusinessDocument,
}

/// Records `recording` (once per revision) and keeps it parsed in `cache`, so the
/// reconciliation that follows does not read back what was just written. `None` for a
/// document kind that is not reconciled.
pub async fn record(
    platform: &Platform,
    cache: &CanonicalCache,
    recording: Recording<'_>,
) -> Result<Option<DocumentKind>, InboundError> {
    let Some(kind) = DocumentKind::from_kind_name(recording.document.kind()) else {
        return Ok(None);
    };
    let json = serde_json::to_vec(recording.document)
        .map_err(|e| InboundError::Internal(format!("canonical document: {e}")))?;
    let blob = record_canonical(
        platform,
        Canonical {
            po_number: recording.po_number,
            kind,
            sender: recording.sender,
            number: recording.number,
            received: recording.received,
            json,
        },
    )
    .await?;
    cache.put(
        blob.as_str().to_owned(),
        Arc::new(Parsed::Business(recording.document.clone())),
    );
    Ok(Some(kind))
}

/// A partner's functional acknowledgment of a document the buyer sent for an order, matched
/// to that order by control numbers (rule 6; see [`super::functional_ack`]).
#[derive(Debug, Clone, Copy)]
pub struct RecordingFunctionalAck<'a> {
    /// The order the acknowledged document was sent for.
    pub po_number: &'a str,
    /// Who sent the acknowledgment (`qualifier:id`).
    pub sender: &'a str,
    /// The interchange it came in.
    pub received: &'a ReceivedDocument,
    /// The answer about the order's document.
    pub transaction: &'a AcknowledgedTransaction,
}

/// Records a functional acknowledgment's answer for its order (once per revision); its
/// number is the acknowledged set's control number (the group's when only the group is
/// answered).
pub async fn record_functional_ack(
    platform: &Platform,
    cache: &CanonicalCache,
    recording: RecordingFunctionalAck<'_>,
) -> Result<(), InboundError> {
    let transaction = recording.transaction;
    let number = transaction
        .control_number
        .as_deref()
        .or(transaction.group_control_number.as_deref())
        .or(transaction.interchange_control_number.as_deref())
        .unwrap_or_default();
    let json = serde_json::to_vec(transaction)
        .map_err(|e| InboundError::Internal(format!("functional acknowledgment: {e}")))?;
    let blob = record_canonical(
        platform,
        Canonical {
            po_number: recording.po_number,
            kind: DocumentKind::FunctionalAck,
            sender: recording.sender,
            number,
            received: recording.received,
            json,
        },
    )
    .await?;
    cache.put(
        blob.as_str().to_owned(),
        Arc::new(Parsed::FunctionalAck(transaction.clone())),
    );
    Ok(())
}

/// What [`record_canonical`] writes: the ledger record's fields and the canonical JSON.
struct Canonical<'a> {
    po_number: &'a str,
    kind: DocumentKind,
    sender: &'a str,
    number: &'a str,
    received: &'a ReceivedDocument,
    json: Vec<u8>,
}

/// Writes the canonical blob and the record (once per revision); the blob's key.
async fn record_canonical(
    platform: &Platform,
    canonical: Canonical<'_>,
) -> Result<BlobKey, InboundError> {
    let Canonical {
        po_number,
        kind,
        sender,
        number,
        received,
        json,
    } = canonical;
    let po = po_number.trim();
    let revision = &received.sha256;
    let business = format!("{po}|{}|{sender}|{number}", kind_name(kind));
    let blob = BlobKey::parse(format!(
        "order-documents/{}/{}/{revision}.json",
        platform.function,
        hex::encode(Sha256::digest(business.as_bytes()))
    ))?;
    let id = RecordId::new(
        RECORD_KIND,
        format!("{}/{business}|{revision}", platform.function),
    )?;
    if platform.ledger.get(&id).await?.is_some() {
        return Ok(blob);
    }
    platform
        .blobs
        .put(
            &blob,
            body_from_bytes(json),
            PutOptions::with_content_type("application/json"),
        )
        .await?;
    let now = platform.clock.now();
    let millis = now.unix_timestamp_nanos() / 1_000_000;
    let record = NewRecord::new(
        id,
        "received",
        json!({
            "po_number": po,
            "kind": kind,
            "sender": sender,
            "number": number,
            "revision": revision,
            "received_at": now.format(&Rfc3339).unwrap_or_default(),
            "tg_document_id": received.document.document_id.as_str(),
            "interchange_blob": received.blob_key.as_str(),
            "canonical_blob": blob.as_str(),
        }),
    )
    .with_index1(
        partition(platform, po),
        format!(
            "{millis:015}#{}|{sender}|{number}|{revision}",
            kind_name(kind)
        ),
    );
    match platform.ledger.create(record).await {
        Ok(_) | Err(LedgerError::AlreadyExists { .. }) => {
            tracing::info!(po_number = %po, kind = kind.as_str(), number = %number, "partner document recorded for reconciliation");
            Ok(blob)
        }
        Err(e) => Err(e.into()),
    }
}

fn field<'a>(data: &'a Value, name: &str) -> &'a str {
    data.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// How many canonical documents one function instance keeps parsed ([`CanonicalCache`]).
pub const CACHED_DOCUMENTS: usize = 4_096;

/// How many canonical blobs [`load`] reads at once.
const CONCURRENT_READS: usize = 8;

/// A recorded document's canonical content, parsed.
#[derive(Debug, Clone)]
enum Parsed {
    FunctionalAck(AcknowledgedTransaction),
    Business(BusinessDocument),
}

/// Canonical documents already read and parsed, by canonical blob key, least recently used
/// dropped first ([`CACHED_DOCUMENTS`]). A canonical blob is never rewritten — its key holds
/// the business document's identity and the revision (the SHA-256 of the interchange it came
/// in) — so what was read once stays true, and a reconciliation reads from the blob store
/// only the documents recorded since the last one this instance ran (a warm Lambda keeps the
/// cache between invocations). Without it, every delivery for an order read every document
/// of the order again: the 400th invoice's reconciliation read 400 blobs
/// (docs/benchmarks.md, "Inbound latency").
#[derive(Debug, Clone)]
pub struct CanonicalCache(Arc<Mutex<LruCache<String, Arc<Parsed>>>>);

impl Default for CanonicalCache {
    fn default() -> Self {
        Self::with_capacity(CACHED_DOCUMENTS)
    }
}

impl CanonicalCache {
    /// A cache of at most `documents` parsed documents (at least one).
    pub fn with_capacity(documents: usize) -> Self {
        let capacity = NonZeroUsize::new(documents).unwrap_or(NonZeroUsize::MIN);
        Self(Arc::new(Mutex::new(LruCache::new(capacity))))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Arc<Parsed>>> {
        // A panic while holding the lock leaves a usable cache (entries are whole values).
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &str) -> Option<Arc<Parsed>> {
        self.lock().get(key).cloned()
    }

    fn put(&self, key: String, document: Arc<Parsed>) {
        self.lock().put(key, document);
    }
}

/// Reads and parses one canonical blob.
async fn read_canonical(
    platform: &Platform,
    kind: DocumentKind,
    key: &BlobKey,
) -> Result<Parsed, InboundError> {
    let bytes = platform.blobs.get(key, None).await?.bytes().await?;
    let unreadable = |e: serde_json::Error| {
        InboundError::Internal(format!("canonical document {}: {e}", key.as_str()))
    };
    Ok(if kind == DocumentKind::FunctionalAck {
        Parsed::FunctionalAck(serde_json::from_slice(&bytes).map_err(unreadable)?)
    } else {
        Parsed::Business(serde_json::from_slice(&bytes).map_err(unreadable)?)
    })
}

/// The latest revision of every business document recorded for `po_number`, oldest first.
/// Documents `cache` holds are not read again; the others are read [`CONCURRENT_READS`] at a
/// time and kept in it.
pub async fn load(
    platform: &Platform,
    cache: &CanonicalCache,
    po_number: &str,
) -> Result<PartnerDocuments, InboundError> {
    let records = platform
        .ledger
        .query(Query::partition(
            IndexName::One,
            partition(platform, po_number),
        ))
        .await?;
    // Sorted by first receipt: the last record of a business document is its latest revision.
    let mut latest: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (i, record) in records.iter().enumerate() {
        let data = &record.data;
        latest.insert(
            (
                field(data, "kind").to_owned(),
                field(data, "sender").to_owned(),
                field(data, "number").to_owned(),
            ),
            i,
        );
    }
    let mut chosen: Vec<usize> = latest.into_values().collect();
    chosen.sort_unstable();
    let mut wanted = Vec::with_capacity(chosen.len());
    for i in chosen {
        let data = &records[i].data;
        let Some(kind) = serde_json::from_value::<DocumentKind>(data["kind"].clone()).ok() else {
            continue;
        };
        let key = BlobKey::parse(field(data, "canonical_blob"))?;
        let reference = DocumentRef {
            kind,
            number: field(data, "number").to_owned(),
            sender: field(data, "sender").to_owned(),
            revision: field(data, "revision").to_owned(),
            received_at: field(data, "received_at").to_owned(),
        };
        wanted.push((reference, key));
    }
    let reads: Vec<(DocumentKind, BlobKey)> = wanted
        .iter()
        .map(|(reference, key)| (reference.kind, key.clone()))
        .collect();
    let parsed: Vec<Arc<Parsed>> = futures::stream::iter(reads)
        .map(|(kind, key)| async move {
            if let Some(hit) = cache.get(key.as_str()) {
                return Ok(hit);
            }
            let document = Arc::new(read_canonical(platform, kind, &key).await?);
            cache.put(key.as_str().to_owned(), Arc::clone(&document));
            Ok::<_, InboundError>(document)
        })
        .buffered(CONCURRENT_READS)
        .try_collect()
        .await?;
    let mut documents = PartnerDocuments::default();
    for ((reference, _), canonical) in wanted.into_iter().zip(parsed) {
        match Parsed::clone(&canonical) {
            Parsed::FunctionalAck(document) => {
                documents.functional_acks.push(Received {
                    reference,
                    document,
                });
            }
            Parsed::Business(BusinessDocument::OrderAcknowledgment(document)) => {
                documents.acknowledgments.push(Received {
                    reference,
                    document,
                });
            }
            Parsed::Business(BusinessDocument::ShipNotice(document)) => {
                documents.ship_notices.push(Received {
                    reference,
                    document,
                });
            }
            Parsed::Business(BusinessDocument::Invoice(document)) => {
                documents.invoices.push(Received {
                    reference,
                    document,
                });
            }
            Parsed::Business(_) => {}
        }
    }
    Ok(documents)
}
