//! The test kit every function's tests use: a [`Stack`] — both simulators on loopback (port
//! 0, demo seeds), storage on the embedded stack (files + SQLite in a temporary directory) or
//! on moto (S3 + DynamoDB through the real SDK), and each function's platform built through
//! the **production configuration path** (`gridlink_flow::Parts::from_source_with_clocks`,
//! the same keys a deployment and the local runner set) — plus the only fakes the standard
//! allows: the clocks, a storage-outage switch and a crash between an effect and its
//! confirmation.
//!
//! On moto, IAM is enforced and each function's platform acts as **its own role** from
//! `infra/template.yaml` ([`gridlink_store::testing::iam`]): a blob key outside the
//! function's granted prefixes, a DynamoDB action its role lacks, fails the test with a 403,
//! as it would in AWS after the deploy. The bucket and table are created as an admin.
//!
//! ```ignore
//! async fn a_case(stack: Stack) {
//!     let function = OrderReconcile::function(stack.platform(NAME), config(&stack));
//!     let reply = function.handle(stack.tg_webhook(NAME, &event)).await;
//! }
//! gridlink_tests::on_both_stacks!(a_case);
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gridlink_core::clock::{ManualClock, SharedClock, SystemClock};
use gridlink_core::config::ConfigSource;
use gridlink_flow::{EffectKey, FaultInjector, Parts, Platform};
use gridlink_lambda::{HttpRequest, Invocation, ScheduleFiring};
use gridlink_store::blob::{Blob, BlobEntry, BlobMeta, ByteRange, ByteStream, PutOptions};
use gridlink_store::testing::iam::{IamMoto, StorageUnderRoles};
use gridlink_store::testing::{CountingBlobs, CountingLedger, TEST_EPOCH};
use gridlink_store::{BlobKey, BlobStore, DynamoLedger, Ledger, S3BlobStore, StoreError};
use gridlink_tgrid::TgClient;
use gridlink_xecm::XecmClient;
use secrecy::SecretString;

/// The webhook secret every stack's functions verify TG deliveries with.
pub const WEBHOOK_SECRET: &str = "gridlink-test-webhook-secret";
/// The secret every stack's functions verify xECM pushes with.
pub const PUSH_SECRET: &str = "gridlink-test-push-secret";

/// Where a stack keeps blobs and the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Files and SQLite in a temporary directory.
    Embedded,
    /// S3 and DynamoDB on the shared moto server with IAM enforced, a fresh bucket and table;
    /// each function's platform acts as that function's role in `infra/template.yaml`.
    Moto,
}

/// How to set a stack up beyond the defaults.
#[derive(Debug, Default)]
pub struct StackOptions {
    /// The TG simulator's seed (default: the demo seed).
    pub tg_seed: Option<gridlink_tgrid_sim::Seed>,
    /// The largest document the TG simulator takes (default: its own).
    pub max_document_bytes: Option<u64>,
    /// The use cases' clock is a manual one (starting at the real time, which the
    /// simulators keep) instead of the system's.
    pub manual_clock: bool,
    /// More configuration keys, as a deployment would set them.
    pub config: Vec<(String, String)>,
}

/// "Crashes" once after the next effect of an armed kind ran, before its confirmation.
#[derive(Debug, Default)]
pub struct CrashAfter {
    armed: Mutex<HashSet<String>>,
}

impl CrashAfter {
    /// Arms a crash after the next effect of `kind` (`xecm-file`, `tg-space`, …).
    pub fn arm(&self, kind: &str) {
        self.armed
            .lock()
            .expect("the crash switch is not poisoned")
            .insert(kind.to_owned());
    }
}

impl FaultInjector for CrashAfter {
    fn crash_after_effect(&self, key: &EffectKey) -> bool {
        self.armed
            .lock()
            .expect("the crash switch is not poisoned")
            .remove(key.kind())
    }
}

/// A blob store that fails every call while `down` is set (an S3 / disk outage).
#[derive(Debug)]
struct OutageBlobs {
    inner: Arc<dyn BlobStore>,
    down: Arc<AtomicBool>,
}

impl OutageBlobs {
    fn check(&self, operation: &'static str) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Backend {
                operation,
                transient: true,
                source: "injected storage outage".into(),
            })
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl BlobStore for OutageBlobs {
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        self.check("put")?;
        self.inner.put(key, body, options).await
    }
    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError> {
        self.check("get")?;
        self.inner.get(key, range).await
    }
    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError> {
        self.check("head")?;
        self.inner.head(key).await
    }
    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        self.check("delete")?;
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        self.check("list")?;
        self.inner.list(prefix).await
    }
}

/// A running stack (see the module docs). Dropping it stops the simulators.
#[derive(Debug)]
pub struct Stack {
    /// Which storage it runs on.
    pub storage: Storage,
    /// The xECM simulator.
    pub xecm_sim: gridlink_xecm_sim::RunningSim,
    /// The TG simulator.
    pub tg_sim: gridlink_tgrid_sim::RunningSim,
    /// An xECM client of the test's own, a person's (`otadmin`): for set-up and assertions.
    pub xecm: XecmClient,
    /// A TG client of the test's own.
    pub tg: TgClient,
    /// Set it to make every blob call fail (an outage).
    pub storage_down: Arc<AtomicBool>,
    /// Arm it to crash after an effect.
    pub crash: Arc<CrashAfter>,
    /// The use cases' clock, when [`StackOptions::manual_clock`] asked for one.
    pub clock: Option<Arc<ManualClock>>,
    /// The ledger's clock: advance it to expire an effect's lease after a "crash".
    pub ledger_clock: Arc<ManualClock>,
    config: ConfigSource,
    parts: Parts,
    /// On moto: each function's storage, as its role.
    roles: HashMap<&'static str, RoleStorage>,
    /// On moto: DynamoDB as an admin, and the table ([`Stack::storage_snapshot`]).
    dynamo_admin: Option<(aws_sdk_dynamodb::Client, String)>,
    /// The embedded stack's data directory (files and `ledger.sqlite3`).
    data: tempfile::TempDir,
}

/// A function's platform whose storage calls are counted ([`Stack::counted_platform`]).
#[derive(Debug)]
pub struct CountedPlatform {
    /// The platform to build the function on.
    pub platform: Platform,
    /// Its ledger calls.
    pub ledger: Arc<CountingLedger>,
    /// Its blob calls.
    pub blobs: Arc<CountingBlobs>,
}

/// A function's blob store and ledger acting as its deployed role.
#[derive(Debug, Clone)]
struct RoleStorage {
    blobs: Arc<dyn BlobStore>,
    ledger: Arc<dyn Ledger>,
}

impl Stack {
    /// A stack on `storage` with the defaults.
    pub async fn start(storage: Storage) -> Self {
        Self::start_with(storage, StackOptions::default()).await
    }

    /// A stack on `storage` set up as `options` say.
    pub async fn start_with(storage: Storage, options: StackOptions) -> Self {
        // Boxed: starting two simulators and a platform is a large future.
        Box::pin(Self::start_boxed(storage, options)).await
    }

    async fn start_boxed(storage: Storage, options: StackOptions) -> Self {
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let xecm_sim = start_xecm_demo_sim().await;
        let mut tg_config = gridlink_tgrid_sim::SimConfig::new(
            options
                .tg_seed
                .unwrap_or_else(gridlink_tgrid_sim::Seed::demo),
        );
        if let Some(max) = options.max_document_bytes {
            tg_config.max_document_bytes = max;
        }
        let tg_sim = gridlink_tgrid_sim::start(tg_config, loopback)
            .await
            .expect("the TG simulator starts on loopback");
        let data = tempfile::tempdir().expect("a temporary data directory");
        let mut pairs: Vec<(String, String)> = [
            ("XECM_BASE_URL", xecm_sim.base_url.clone()),
            // The service account, as the local runner and a deployment use.
            ("XECM_USERNAME", "gridlink".to_owned()),
            ("XECM_PASSWORD", "gridlink-service".to_owned()),
            ("TG_BASE_URL", tg_sim.base_url.to_string()),
            ("TG_TENANT_ID", "buyerco".to_owned()),
            ("TG_CLIENT_ID", "gridlink-local".to_owned()),
            ("TG_CLIENT_SECRET", "local-test-secret".to_owned()),
            ("TG_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("XECM_PUSH_SECRET", PUSH_SECRET.to_owned()),
            // Short client retries, so an outage test does not sit in back-off.
            ("HTTP_RETRY_MAX_ATTEMPTS", "3".to_owned()),
            ("HTTP_RETRY_MAX_ELAPSED_SECS", "5".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let aws = match storage {
            Storage::Embedded => {
                pairs.push(("GRIDLINK_STORAGE".into(), "local".into()));
                pairs.push((
                    "GRIDLINK_DATA_DIR".into(),
                    data.path().display().to_string(),
                ));
                None
            }
            Storage::Moto => {
                let mut under_roles = StorageUnderRoles::fresh().await;
                // The stack passes secrets as configuration; the roles' secret grants only
                // need ARNs to resolve (roles_enforced.rs tests them against real secrets).
                for parameter in [
                    "XecmPasswordSecretArn",
                    "XecmPushSecretArn",
                    "TgClientSecretArn",
                    "TgWebhookSecretArn",
                ] {
                    let arn = format!(
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:{}/{parameter}",
                        under_roles.table
                    );
                    under_roles.names = under_roles.names.clone().with_parameter(parameter, &arn);
                }
                let moto = IamMoto::shared();
                pairs.push(("GRIDLINK_STORAGE".into(), "aws".into()));
                pairs.push(("GRIDLINK_BUCKET".into(), under_roles.bucket.clone()));
                pairs.push(("GRIDLINK_TABLE".into(), under_roles.table.clone()));
                // The stack's own parts (for what no single function does) act as an admin.
                Some((moto.admin().sdk_config(moto.endpoint()).await, under_roles))
            }
        };
        pairs.extend(options.config);
        let config = ConfigSource::from_pairs(pairs);
        let ledger_clock = Arc::new(ManualClock::at_unix(TEST_EPOCH));
        let clock = options
            .manual_clock
            .then(|| Arc::new(ManualClock::new(time::OffsetDateTime::now_utc())));
        let use_case_clock: SharedClock = match &clock {
            Some(manual) => manual.clone(),
            None => Arc::new(SystemClock),
        };
        let mut parts = Parts::from_source_with_clocks(
            &config,
            false,
            aws.as_ref().map(|(admin, _)| admin),
            use_case_clock,
            ledger_clock.clone(),
        )
        .await
        .expect("the stack's configuration builds a platform");
        let storage_down = Arc::new(AtomicBool::new(false));
        parts.blobs = Arc::new(OutageBlobs {
            inner: parts.blobs.clone(),
            down: storage_down.clone(),
        });
        let xecm = XecmClient::new(
            gridlink_xecm::XecmConfig::new(
                &xecm_sim.base_url,
                gridlink_xecm::XecmAuth::Password {
                    user: "otadmin".into(),
                    password: SecretString::from("gridlink-demo"),
                },
            )
            .expect("an xECM client configuration"),
        )
        .expect("an xECM client");
        let mut roles = HashMap::new();
        if let Some((_, under_roles)) = &aws {
            let sessions = gridlink_lambda::manifest::FUNCTIONS
                .iter()
                .map(|spec| async { (spec.name, under_roles.as_function(spec.name).await) });
            for (name, stores) in futures::future::join_all(sessions).await {
                let blobs: Arc<dyn BlobStore> = Arc::new(OutageBlobs {
                    inner: Arc::new(S3BlobStore::new(stores.s3.clone(), &stores.bucket)),
                    down: storage_down.clone(),
                });
                let ledger: Arc<dyn Ledger> = Arc::new(DynamoLedger::new(
                    stores.dynamodb.clone(),
                    stores.table.clone(),
                    ledger_clock.clone(),
                ));
                roles.insert(name, RoleStorage { blobs, ledger });
            }
        }
        let tg = parts.tg_client.clone();
        let dynamo_admin = aws.as_ref().map(|(admin, under_roles)| {
            (
                aws_sdk_dynamodb::Client::new(admin),
                under_roles.table.clone(),
            )
        });
        Self {
            storage,
            xecm_sim,
            tg_sim,
            xecm,
            tg,
            storage_down,
            crash: Arc::new(CrashAfter::default()),
            clock,
            ledger_clock,
            config,
            parts,
            roles,
            dynamo_admin,
            data,
        }
    }

    /// Everything the stack's storage holds, for a test comparing before and after: every
    /// ledger row (records, claims, sequences: on SQLite every row of every table, on
    /// DynamoDB every item of the table, each as text, sorted) and every blob (key and size).
    /// Read behind the functions' backs: as the store holds it, not as a function reads it.
    pub async fn storage_snapshot(&self) -> serde_json::Value {
        let ledger = match &self.dynamo_admin {
            Some((client, table)) => dynamo_rows(client, table).await,
            None => sqlite_rows(&self.data.path().join("ledger.sqlite3")),
        };
        let blobs: Vec<serde_json::Value> = self
            .parts
            .blobs
            .list("")
            .await
            .expect("the blob store lists")
            .into_iter()
            .map(|entry| serde_json::json!([entry.key.as_str(), entry.size]))
            .collect();
        serde_json::json!({"ledger": ledger, "blobs": blobs})
    }

    /// The configuration a deployment of this stack would have (function configs read it).
    pub fn config(&self) -> &ConfigSource {
        &self.config
    }

    /// The platform of `function`, with the crash switch wired into its effects; on moto its
    /// storage acts as the function's role.
    pub fn platform(&self, function: &'static str) -> Platform {
        self.platform_on(function, &self.parts_of(function))
    }

    /// [`Stack::platform`] with every ledger and blob call it makes counted (what a piece of
    /// work costs in DynamoDB and S3 requests; docs/cost.md).
    pub fn counted_platform(&self, function: &'static str) -> CountedPlatform {
        let mut parts = self.parts_of(function);
        let ledger = CountingLedger::new(parts.ledger.clone());
        let blobs = CountingBlobs::new(parts.blobs.clone());
        parts.ledger = ledger.clone();
        parts.blobs = blobs.clone();
        CountedPlatform {
            platform: self.platform_on(function, &parts),
            ledger,
            blobs,
        }
    }

    /// The stack's parts, with `function`'s role storage on moto.
    fn parts_of(&self, function: &str) -> Parts {
        let mut parts = self.parts.clone();
        if let Some(role) = self.roles.get(function) {
            parts.blobs = role.blobs.clone();
            parts.ledger = role.ledger.clone();
        }
        parts
    }

    fn platform_on(&self, function: &'static str, parts: &Parts) -> Platform {
        let mut platform = Platform::from_parts(function, parts);
        platform.effects = platform.effects.clone().with_faults(self.crash.clone());
        platform
    }

    /// The Unix time the functions' clock reads now.
    pub fn now_unix(&self) -> i64 {
        self.clock.as_ref().map_or_else(
            || time::OffsetDateTime::now_utc().unix_timestamp(),
            |clock| gridlink_core::clock::Clock::unix_seconds(clock.as_ref()),
        )
    }

    /// `body` delivered to `function`'s TG webhook route, signed as Trading Grid signs.
    pub fn tg_webhook(&self, function: &str, body: &[u8]) -> HttpRequest {
        signed_tg_webhook(function, body, WEBHOOK_SECRET, self.now_unix())
    }

    /// `body` pushed to `function`'s xECM route, signed with the push secret.
    pub fn xecm_push(&self, function: &str, body: &[u8]) -> HttpRequest {
        signed_xecm_push(function, body, PUSH_SECRET, self.now_unix())
    }
}

/// A TG webhook delivery of `body` to `function`, signed with `secret` at `now`.
pub fn signed_tg_webhook(function: &str, body: &[u8], secret: &str, now: i64) -> HttpRequest {
    let signature = gridlink_core::webhook::sign(secret.as_bytes(), now, body);
    HttpRequest {
        method: "POST".into(),
        path: format!("/{function}/tg/events"),
        headers: [
            ("tg-timestamp".to_owned(), now.to_string()),
            ("tg-signature".to_owned(), signature),
            ("content-type".to_owned(), "application/json".to_owned()),
        ]
        .into_iter()
        .collect(),
        body: body.to_vec(),
        ..HttpRequest::default()
    }
}

/// `body` delivered to `function`'s TG webhook route, signed with [`WEBHOOK_SECRET`] at the
/// real time (the simulators' time).
pub fn tg_webhook_now(function: &str, body: &[u8]) -> HttpRequest {
    signed_tg_webhook(
        function,
        body,
        WEBHOOK_SECRET,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    )
}

/// An xECM push of `body` to `function`, signed with `secret` at `now`.
pub fn signed_xecm_push(function: &str, body: &[u8], secret: &str, now: i64) -> HttpRequest {
    let headers = gridlink_flow::sign_push(&SecretString::from(secret), now, body);
    HttpRequest {
        method: "POST".into(),
        path: format!("/{function}/xecm/events"),
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .chain([("content-type".to_owned(), "application/json".to_owned())])
            .collect(),
        body: body.to_vec(),
        ..HttpRequest::default()
    }
}

/// A firing of the schedule `name`.
pub fn schedule(name: &str) -> Invocation {
    Invocation::Schedule(ScheduleFiring {
        schedule: name.to_owned(),
        scheduled_at: None,
    })
}

/// Runs each named test (an `async fn(Stack)`) twice: on the embedded stack and on moto.
/// `on_both_stacks!(with start; a, b)` makes each stack with `start(Storage) -> Stack`
/// (a stack with options) instead of [`Stack::start`].
#[macro_export]
macro_rules! on_both_stacks {
    (with $($start:ident)::+; $($case:ident),* $(,)?) => {
        async fn stack_for_both(storage: $crate::stack::Storage) -> $crate::stack::Stack {
            $($start)::+(storage).await
        }
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::stack_for_both($crate::stack::Storage::Embedded).await).await
                }
            )*
        }
        mod aws {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::stack_for_both($crate::stack::Storage::Moto).await).await
                }
            )*
        }
    };
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case($crate::stack::Stack::start($crate::stack::Storage::Embedded).await).await
                }
            )*
        }
        mod aws {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case($crate::stack::Stack::start($crate::stack::Storage::Moto).await).await
                }
            )*
        }
    };
}

/// Every row of every table of the SQLite ledger at `path`, as text, sorted.
fn sqlite_rows(path: &std::path::Path) -> Vec<String> {
    let connection =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("the ledger file opens");
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<_, _>>()
        })
        .expect("the ledger's tables");
    let mut rows = Vec::new();
    for table in tables {
        let mut statement = connection
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("a table reads");
        let columns = statement.column_count();
        let read = statement
            .query_map([], |row| {
                let mut values = Vec::with_capacity(columns);
                for column in 0..columns {
                    let value: rusqlite::types::Value = row.get(column)?;
                    values.push(format!("{value:?}"));
                }
                Ok(format!("{table}: {}", values.join(" ")))
            })
            .expect("rows read")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows read");
        rows.extend(read);
    }
    rows.sort();
    rows
}

/// Every item of the DynamoDB table, as text, sorted.
async fn dynamo_rows(client: &aws_sdk_dynamodb::Client, table: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("the table scans");
        for item in page.items() {
            let sorted: std::collections::BTreeMap<_, _> = item.iter().collect();
            rows.push(format!("{sorted:?}"));
        }
        match page.last_evaluated_key() {
            Some(key) if !key.is_empty() => start = Some(key.clone()),
            _ => break,
        }
    }
    rows.sort();
    rows
}

/// The xECM simulator with the demo seed (local/xecm-sim/seeds/demo.json) on a loopback port,
/// as every test stack and the local runner start it.
pub async fn start_xecm_demo_sim() -> gridlink_xecm_sim::RunningSim {
    let seed = serde_json::from_str(include_str!("../../local/xecm-sim/seeds/demo.json"))
        .expect("the xECM demo seed is JSON");
    gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::Inline(Box::new(seed))),
            ..Default::default()
        },
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the xECM simulator starts on loopback")
}
