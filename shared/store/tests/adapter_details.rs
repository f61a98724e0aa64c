//! What each adapter leaves in its backend, checked with the backend's own tools: the
//! DynamoDB table and items as `docs/storage.md` documents them, S3 metadata and multipart
//! clean-up, the filesystem trailer and temp files.

use std::collections::BTreeSet;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{AttributeValue, KeyType, ProjectionType, TimeToLiveStatus};
use bytes::Bytes;
use futures::StreamExt;
use gridlink_core::clock::SharedClock;
use gridlink_store::blob::body_from_bytes;
use gridlink_store::testing::{MotoServer, dynamodb_client, s3_client, test_clock, unique_name};
use gridlink_store::{
    BlobKey, BlobStore, ByteStream, DynamoLedger, FsBlobStore, Ledger, NewRecord, PutOptions,
    RecordId, S3BlobStore, StoreError,
};

const MIB: usize = 1024 * 1024;

fn key(text: &str) -> BlobKey {
    BlobKey::parse(text).expect("a valid key")
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn chunked(bytes: &[u8]) -> ByteStream {
    let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
        .chunks(MIB)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

#[tokio::test]
async fn the_dynamodb_table_and_items_match_the_documented_layout() {
    let client = dynamodb_client(MotoServer::shared().endpoint()).await;
    let table = unique_name("layout");
    let clock = test_clock();
    let shared: SharedClock = clock.clone();
    let ledger = DynamoLedger::new(client.clone(), table.clone(), shared);
    ledger.ensure_table().await.expect("create");
    ledger
        .ensure_table()
        .await
        .expect("a second ensure_table is a no-op");

    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .expect("describe");
    let described = described.table().expect("table");
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| {
        schema
            .iter()
            .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(described.key_schema()),
        [
            ("pk".to_owned(), KeyType::Hash),
            ("sk".to_owned(), KeyType::Range)
        ]
    );
    let mut indexes: Vec<_> = described
        .global_secondary_indexes()
        .iter()
        .map(|gsi| {
            let projection = gsi.projection().and_then(|p| p.projection_type()).cloned();
            (
                gsi.index_name().unwrap_or_default().to_owned(),
                keys(gsi.key_schema()),
                projection,
            )
        })
        .collect();
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        indexes,
        [
            (
                "gsi1".to_owned(),
                vec![
                    ("gsi1pk".to_owned(), KeyType::Hash),
                    ("gsi1sk".to_owned(), KeyType::Range)
                ],
                Some(ProjectionType::All)
            ),
            (
                "gsi2".to_owned(),
                vec![
                    ("gsi2pk".to_owned(), KeyType::Hash),
                    ("gsi2sk".to_owned(), KeyType::Range)
                ],
                Some(ProjectionType::All)
            ),
        ]
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .expect("ttl");
    let ttl = ttl.time_to_live_description().expect("ttl description");
    assert_eq!(ttl.attribute_name(), Some("expires_at_epoch"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));

    let expires =
        gridlink_core::clock::Clock::now(clock.as_ref()) + std::time::Duration::from_millis(90_500);
    let record_id = RecordId::new("workspace", "123#A").expect("id");
    ledger
        .create(
            NewRecord::new(record_id.clone(), "OPEN", serde_json::json!({"xecm": 1}))
                .with_index1("partner#ACME", "po#1")
                .expiring_at(expires),
        )
        .await
        .expect("create");
    let item = client
        .get_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("workspace#123#A".to_owned()))
        .key("sk", AttributeValue::S("record".to_owned()))
        .send()
        .await
        .expect("get item")
        .item
        .expect("the record item");
    let names: BTreeSet<&str> = item.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "pk",
            "sk",
            "kind",
            "key",
            "status",
            "version",
            "data",
            "gsi1pk",
            "gsi1sk",
            "created_at_ms",
            "updated_at_ms",
            "expires_at_ms",
            "expires_at_epoch",
        ])
    );
    let expires_ms = expires.unix_timestamp() * 1000 + i64::from(expires.millisecond());
    assert_eq!(
        item["expires_at_ms"],
        AttributeValue::N(expires_ms.to_string())
    );
    assert_eq!(
        item["expires_at_epoch"],
        AttributeValue::N((expires.unix_timestamp() + 1).to_string())
    );
    assert_eq!(item["data"], AttributeValue::S(r#"{"xecm":1}"#.to_owned()));

    ledger
        .claim(&record_id, std::time::Duration::from_secs(30), Some("h"))
        .await
        .expect("claim");
    let claim = client
        .get_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("workspace#123#A".to_owned()))
        .key("sk", AttributeValue::S("claim".to_owned()))
        .send()
        .await
        .expect("get item")
        .item
        .expect("the claim item");
    assert_eq!(claim["status"], AttributeValue::S("INPROGRESS".to_owned()));
    assert!(claim.contains_key("token") && claim.contains_key("payload_hash"));
}

async fn s3_store() -> (aws_sdk_s3::Client, String, S3BlobStore) {
    let client = s3_client(MotoServer::shared().endpoint()).await;
    let bucket = unique_name("details");
    client
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    let store = S3BlobStore::new(client.clone(), bucket.clone());
    (client, bucket, store)
}

#[tokio::test]
async fn a_multipart_blob_carries_its_sha256_as_plain_s3_metadata_and_leaves_no_upload_open() {
    let (client, bucket, store) = s3_store().await;
    let content = Bytes::from(
        (0..20 * MIB)
            .map(|n| u8::try_from(n % 251).expect("below 251"))
            .collect::<Vec<u8>>(),
    );
    let blob_key = key("big/multipart.bin");
    store
        .put(
            &blob_key,
            chunked(&content),
            PutOptions::with_content_type("application/pdf").with_metadata("rev", "7"),
        )
        .await
        .expect("put");
    let head = client
        .head_object()
        .bucket(&bucket)
        .key(blob_key.as_str())
        .send()
        .await
        .expect("head");
    let metadata = head.metadata().expect("metadata");
    assert_eq!(
        metadata.get("sha256").map(String::as_str),
        Some(sha256_hex(&content).as_str())
    );
    assert_eq!(metadata.get("rev").map(String::as_str), Some("7"));
    assert_eq!(head.content_type(), Some("application/pdf"));
    assert_eq!(
        head.content_length(),
        Some(i64::try_from(content.len()).expect("size"))
    );
    let open = client
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("list uploads");
    assert!(
        open.uploads().is_empty(),
        "uploads left open: {:?}",
        open.uploads()
    );
}

#[tokio::test]
async fn a_failed_multipart_upload_is_aborted() {
    let (client, bucket, store) = s3_store().await;
    let failing: ByteStream = Box::pin(chunked(&vec![7_u8; 12 * MIB]).chain(
        futures::stream::once(async { Err(std::io::Error::other("upstream closed")) }),
    ));
    let outcome = store
        .put(&key("big/broken.bin"), failing, PutOptions::default())
        .await;
    assert!(
        matches!(outcome, Err(StoreError::Body { .. })),
        "{outcome:?}"
    );
    let open = client
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .expect("list uploads");
    assert!(
        open.uploads().is_empty(),
        "uploads left open: {:?}",
        open.uploads()
    );
}

#[tokio::test]
async fn an_object_written_by_another_tool_reads_without_a_hash() {
    let (client, bucket, store) = s3_store().await;
    client
        .put_object()
        .bucket(&bucket)
        .key("foreign/report.csv")
        .content_type("text/csv")
        .body(Bytes::from_static(b"a,b\n1,2\n").into())
        .send()
        .await
        .expect("put");
    let blob = store
        .get(&key("foreign/report.csv"), None)
        .await
        .expect("get");
    assert_eq!(blob.meta.sha256, None);
    assert_eq!(blob.meta.content_type, "text/csv");
    assert_eq!(blob.bytes().await.expect("read"), "a,b\n1,2\n");
}

#[tokio::test]
async fn a_damaged_trailer_is_reported_as_corrupt_metadata() {
    let dir = tempfile::tempdir().expect("dir");
    let store = FsBlobStore::open(dir.path()).await.expect("open");
    let blob_key = key("inbound/po.edi");
    store
        .put(&blob_key, body_from_bytes("ISA*00~"), PutOptions::default())
        .await
        .expect("put");
    let path = store.content_path(&blob_key);
    let length = std::fs::metadata(&path).expect("stat").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open")
        .set_len(length - 3)
        .expect("truncate");
    assert!(matches!(
        store.head(&blob_key).await,
        Err(StoreError::CorruptMetadata { .. })
    ));
    assert!(matches!(
        store.get(&blob_key, None).await,
        Err(StoreError::CorruptMetadata { .. })
    ));
}

#[tokio::test]
async fn a_failed_filesystem_write_leaves_neither_blob_nor_temp_file() {
    let dir = tempfile::tempdir().expect("dir");
    let store: Arc<dyn BlobStore> = Arc::new(FsBlobStore::open(dir.path()).await.expect("open"));
    let failing: ByteStream = Box::pin(chunked(&vec![1_u8; 3 * MIB]).chain(futures::stream::once(
        async { Err(std::io::Error::other("upstream closed")) },
    )));
    let outcome = store
        .put(&key("inbound/partial.bin"), failing, PutOptions::default())
        .await;
    assert!(
        matches!(outcome, Err(StoreError::Body { .. })),
        "{outcome:?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("inbound"))
        .expect("dir")
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn without_moto_the_error_says_how_to_install_it() {
    let message = gridlink_store::testing::MotoError::NotInstalled.to_string();
    assert!(
        message.contains("pip install 'moto[server]==5.2.5'"),
        "{message}"
    );
}
