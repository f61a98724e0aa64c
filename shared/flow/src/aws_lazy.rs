//! The AWS storage of a function (feature `aws`), built at its **first use** rather than at
//! start: the SDK configuration (`aws_config::load`: profile files, the default credentials
//! chain, region) and each service client (S3, DynamoDB — building one parses the SDK's
//! partition and endpoint rules) are made by the first storage call that needs them, once per
//! process, and shared after that.
//!
//! Why: nothing calls AWS before a function's first event, but building the SDK before it was
//! most of what a start still did before the Lambda runtime's first `next` (docs/benchmarks.md,
//! "Cold start"). What a deployment configures is still judged at start — the bucket, the table
//! and every other variable ([`crate::Parts::from_source`]) —; a secret given by its ARN is
//! read at the first invocation ([`crate::platform::PendingParts::build`]), over the same
//! configuration (loaded then, and not again).
//! Building the SDK cannot fail: credentials, region and endpoint problems show when a request
//! is made, as they did before, in that request's error.

use std::fmt::{self, Debug};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use gridlink_store::blob::{Blob, BlobEntry, BlobMeta, ByteRange, ByteStream, PutOptions};
use gridlink_store::{
    BlobKey, BlobStore, Claim, ClaimPeek, ClaimToken, Ledger, LedgerError, LedgerRecord,
    LedgerWrite, NewRecord, Query, RecordChange, RecordId, StoreError,
};
use serde_json::Value;
use tokio::sync::OnceCell;

type Make<T> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = T> + Send>> + Send + Sync>;

/// A value made by its first use (`make`, once, however many callers wait for it).
pub struct Deferred<T> {
    what: &'static str,
    cell: OnceCell<T>,
    make: Make<T>,
}

impl<T> Deferred<T> {
    /// `what` (for `Debug`), made by `make` at the first [`Deferred::get`].
    pub fn new<F>(what: &'static str, make: impl Fn() -> F + Send + Sync + 'static) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        Self {
            what,
            cell: OnceCell::new(),
            make: Box::new(move || Box::pin(make())),
        }
    }

    /// Already made (a configuration the caller loaded itself).
    pub fn ready(what: &'static str, value: T) -> Self {
        Self {
            what,
            cell: OnceCell::new_with(Some(value)),
            make: Box::new(|| unreachable!("a ready Deferred is never made")),
        }
    }

    /// The value, made now if this is its first use.
    pub async fn value(&self) -> &T {
        self.cell.get_or_init(|| (self.make)()).await
    }

    /// Whether the value has been made (for the tests that hold what a start builds).
    #[cfg(test)]
    pub(crate) fn is_made(&self) -> bool {
        self.cell.initialized()
    }
}

impl<T: Debug> Debug for Deferred<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cell.get() {
            Some(value) => value.fmt(f),
            None => write!(f, "{} (made at first use)", self.what),
        }
    }
}

/// The process's AWS SDK configuration, loaded at its first use.
pub type SharedSdkConfig = Arc<Deferred<aws_config::SdkConfig>>;

/// The configuration `aws_config` loads from the environment (region, credentials chain,
/// `AWS_ENDPOINT_URL`…), with the SDK's HTTP client that reads the trust store at the first
/// request ([`crate::aws_http`]) — loaded at the first use.
pub fn sdk_config_from_env() -> SharedSdkConfig {
    Arc::new(Deferred::new("AWS SDK configuration", || async {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::aws_http::sdk_http_client())
            .load()
            .await
    }))
}

/// S3 over `config`, its client built at the first blob call.
pub fn s3_blobs(config: SharedSdkConfig, bucket: String) -> Deferred<gridlink_store::S3BlobStore> {
    Deferred::new("S3 blob store", move || {
        let config = config.clone();
        let bucket = bucket.clone();
        async move {
            let s3 = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config.value().await)
                    .force_path_style(std::env::var_os("AWS_ENDPOINT_URL").is_some())
                    .build(),
            );
            gridlink_store::S3BlobStore::new(s3, bucket)
        }
    })
}

/// DynamoDB over `config`, its client built at the first ledger call.
pub fn dynamo_ledger(
    config: SharedSdkConfig,
    table: String,
    clock: gridlink_core::clock::SharedClock,
) -> Deferred<gridlink_store::DynamoLedger> {
    Deferred::new("DynamoDB ledger", move || {
        let config = config.clone();
        let table = table.clone();
        let clock = clock.clone();
        async move {
            let dynamo = aws_sdk_dynamodb::Client::new(config.value().await);
            gridlink_store::DynamoLedger::new(dynamo, table, clock)
        }
    })
}

#[async_trait::async_trait]
impl<T: BlobStore> BlobStore for Deferred<T> {
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        self.value().await.put(key, body, options).await
    }

    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError> {
        self.value().await.get(key, range).await
    }

    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError> {
        self.value().await.head(key).await
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        BlobStore::delete(self.value().await, key).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        self.value().await.list(prefix).await
    }
}

#[async_trait::async_trait]
impl<T: Ledger> Ledger for Deferred<T> {
    async fn create(&self, record: NewRecord) -> Result<LedgerRecord, LedgerError> {
        self.value().await.create(record).await
    }

    async fn get(&self, id: &RecordId) -> Result<Option<LedgerRecord>, LedgerError> {
        self.value().await.get(id).await
    }

    async fn update(&self, change: RecordChange) -> Result<LedgerRecord, LedgerError> {
        self.value().await.update(change).await
    }

    async fn delete(&self, id: &RecordId, expected_version: u64) -> Result<(), LedgerError> {
        Ledger::delete(self.value().await, id, expected_version).await
    }

    async fn query(&self, query: Query) -> Result<Vec<LedgerRecord>, LedgerError> {
        self.value().await.query(query).await
    }

    async fn transact(&self, writes: Vec<LedgerWrite>) -> Result<(), LedgerError> {
        self.value().await.transact(writes).await
    }

    async fn claim(
        &self,
        id: &RecordId,
        lease: Duration,
        payload_hash: Option<&str>,
    ) -> Result<Claim, LedgerError> {
        self.value().await.claim(id, lease, payload_hash).await
    }

    async fn complete_claim(
        &self,
        id: &RecordId,
        token: &ClaimToken,
        result: Value,
        retain_for: Option<Duration>,
    ) -> Result<(), LedgerError> {
        self.value()
            .await
            .complete_claim(id, token, result, retain_for)
            .await
    }

    async fn peek_claim(
        &self,
        id: &RecordId,
        payload_hash: Option<&str>,
    ) -> Result<ClaimPeek, LedgerError> {
        self.value().await.peek_claim(id, payload_hash).await
    }

    async fn release_claim(&self, id: &RecordId, token: &ClaimToken) -> Result<(), LedgerError> {
        self.value().await.release_claim(id, token).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_smithy_runtime_api::client::http::SharedHttpClient;
    use gridlink_core::clock::{SharedClock, SystemClock};
    use gridlink_core::config::ConfigSource;

    use super::*;
    use crate::aws_http::tests::{Counting, Counts, config_over};
    use crate::platform::Parts;

    /// A configuration whose HTTP client counts (the SDK validates it whenever it builds a
    /// service client) and refuses every request.
    async fn refusing_config(counts: &Arc<Counts>) -> aws_config::SdkConfig {
        config_over(SharedHttpClient::new(Counting(counts.clone())), None).await
    }

    fn aws_source(omitted: &[&str]) -> ConfigSource {
        let pairs = [
            ("GRIDLINK_STORAGE", "aws"),
            ("GRIDLINK_BUCKET", "gridlink-test"),
            ("GRIDLINK_TABLE", "gridlink-test"),
            ("XECM_BASE_URL", "http://127.0.0.1:9/otcs/cs.exe"),
            ("XECM_USERNAME", "gridlink"),
            ("XECM_PASSWORD", "pw"),
            ("TG_BASE_URL", "http://127.0.0.1:9"),
            ("TG_TENANT_ID", "buyerco"),
            ("TG_CLIENT_ID", "gridlink"),
            ("TG_CLIENT_SECRET", "secret"),
            ("TG_WEBHOOK_SECRET", "webhook"),
        ];
        ConfigSource::from_pairs(pairs.into_iter().filter(|(key, _)| !omitted.contains(key)))
    }

    /// A start on AWS storage (`Parts::build_over`, as `Parts::start_from_env` does it) over
    /// `config`.
    async fn start(config: &SharedSdkConfig) -> Parts {
        let system: SharedClock = Arc::new(SystemClock);
        Parts::build_over(
            &aws_source(&[]),
            true,
            Some(config.clone()),
            system.clone(),
            system,
        )
        .await
        .expect("an AWS platform")
    }

    fn record() -> gridlink_store::RecordId {
        gridlink_store::RecordId::new("test", "one").expect("an id")
    }

    #[tokio::test]
    async fn aws_storage_loads_the_sdk_at_its_first_call_once_for_both_stores() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counts = Arc::new(Counts::default());
        let config: SharedSdkConfig = {
            let (loads, counts) = (loads.clone(), counts.clone());
            Arc::new(Deferred::new("test configuration", move || {
                loads.fetch_add(1, Ordering::SeqCst);
                let counts = counts.clone();
                async move { refusing_config(&counts).await }
            }))
        };
        let parts = start(&config).await;
        assert_eq!(loads.load(Ordering::SeqCst), 0, "nothing loaded at start");
        assert!(!config.is_made());
        assert_eq!(counts.validations(), 0, "no SDK client built at start");
        assert!(format!("{:?}", parts.ledger).contains("made at first use"));
        assert!(format!("{:?}", parts.blobs).contains("made at first use"));

        let (id, key) = (record(), BlobKey::parse("test/one").expect("a key"));
        let (ledger, blobs) = tokio::join!(parts.ledger.get(&id), parts.blobs.head(&key));
        assert!(ledger.is_err(), "the connector refuses: {ledger:?}");
        assert!(blobs.is_err(), "the connector refuses: {blobs:?}");
        assert_eq!(loads.load(Ordering::SeqCst), 1, "one load for both stores");
        assert_eq!(counts.requests(), 2, "each call reached the SDK");
        assert!(!format!("{:?}", parts.ledger).contains("made at first use"));

        let again = parts.ledger.get(&record()).await;
        assert!(again.is_err());
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert_eq!(counts.requests(), 3);
    }

    #[tokio::test]
    async fn a_start_over_a_loaded_configuration_builds_no_sdk_client_either() {
        // A configuration loaded before the start (the stack tests hand one in): the S3 and DynamoDB clients still wait for the
        // first call. The SDK validates the HTTP client whenever it builds a service client.
        let counts = Arc::new(Counts::default());
        let config: SharedSdkConfig = Arc::new(Deferred::ready(
            "test configuration",
            refusing_config(&counts).await,
        ));
        let loaded = counts.validations();
        let parts = start(&config).await;
        assert_eq!(counts.validations(), loaded, "no SDK client built at start");

        // The control: the first ledger call builds the DynamoDB client (and only it).
        let refused = parts.ledger.get(&record()).await;
        assert!(refused.is_err(), "the connector refuses: {refused:?}");
        assert!(
            counts.validations() > loaded,
            "the first call built a client"
        );
        let with_dynamo = counts.validations();
        let refused = parts.ledger.get(&record()).await;
        assert!(refused.is_err());
        assert_eq!(counts.validations(), with_dynamo, "built once");
        assert_eq!(counts.requests(), 2);
    }

    #[tokio::test]
    async fn a_bad_configuration_still_stops_the_aws_platform_at_start_naming_every_problem() {
        let config = sdk_config_from_env();
        let system: SharedClock = Arc::new(SystemClock);
        let source = aws_source(&["GRIDLINK_TABLE", "TG_CLIENT_ID"]);
        let error = Parts::build_over(&source, true, Some(config.clone()), system.clone(), system)
            .await
            .map(|_| ())
            .expect_err("no table, no client id");
        for key in ["GRIDLINK_TABLE", "TG_CLIENT_ID"] {
            assert!(error.to_string().contains(key), "{key}: {error}");
        }
        assert!(!config.is_made(), "refused before anything was loaded");
    }
}
