//! The local stack the queue, resilience and big-attachment tests run on: xecm-sim and
//! tgrid-sim in-process on loopback, the real clients, storage from the fixtures (embedded
//! or moto), and the two injected faults the engineering standard allows — a storage outage
//! switch around the blob store and a crash between an effect and its confirmation.

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridlink_core::clock::{ManualClock, SharedClock, SystemClock};
use gridlink_core::retry::RetryPolicy;
use gridlink_flow::{EffectKey, FaultInjector, Platform, Secrets};
use gridlink_lambda::{Handler, HttpRequest, HttpResponse, Invocation, Reply, ScheduleFiring};
use gridlink_store::blob::{Blob, BlobEntry, BlobMeta, ByteRange, ByteStream, PutOptions};
use gridlink_store::testing::{BlobsUnderTest, LedgerUnderTest};
use gridlink_store::{BlobKey, BlobStore, StoreError};
use gridlink_tgrid::{TenantId, TgClient, TgConfig};
use gridlink_xecm::{BusinessObject, Node, NodeId, Workspaces, XecmAuth, XecmClient, XecmConfig};
use order_reconcile::{OrderReconcile, OrderReconcileConfig};
use secrecy::SecretString;
use serde_json::{Value, json};

pub const WEBHOOK_SECRET: &str = "uc7-queue-webhook-secret";

/// A blob store that fails every call while `down` is set (an S3 / disk outage).
#[derive(Debug)]
pub struct OutageBlobs {
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

/// "Crashes" once after the next effect of an armed kind ran, before its confirmation.
#[derive(Debug, Default)]
pub struct CrashAfter {
    armed: Mutex<HashSet<String>>,
}

impl CrashAfter {
    pub fn arm(&self, effect_kind: &str) {
        self.armed.lock().unwrap().insert(effect_kind.to_owned());
    }
}

impl FaultInjector for CrashAfter {
    fn crash_after_effect(&self, key: &EffectKey) -> bool {
        self.armed.lock().unwrap().remove(key.kind())
    }
}

/// How to set the stack up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Largest document tgrid-sim takes (its default: 100 MiB).
    pub max_document_bytes: Option<u64>,
    /// Extra configuration of the function.
    pub config: Vec<(String, String)>,
}

pub struct World {
    pub function: OrderReconcile,
    pub xecm: XecmClient,
    pub tg_url: url::Url,
    pub xecm_root: String,
    pub http: reqwest::Client,
    pub storage_down: Arc<AtomicBool>,
    pub crash: Arc<CrashAfter>,
    /// The ledger's clock: advance it to expire an effect's lease after a "crash".
    pub ledger_clock: Arc<ManualClock>,
    _xecm: gridlink_xecm_sim::RunningSim,
    _tg: gridlink_tgrid_sim::RunningSim,
    _storage: (BlobsUnderTest, LedgerUnderTest),
}

fn repo(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
}

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(repo(&format!("shared/edi/tests/fixtures/{path}"))).expect("fixture")
}

/// The demo TG seed, with Acme also allowed to send PDFs.
fn tg_seed() -> gridlink_tgrid_sim::Seed {
    let mut seed: Value =
        serde_json::from_slice(&std::fs::read(repo("local/tgrid-sim/seeds/demo.json")).unwrap())
            .unwrap();
    for partner in seed["partners"].as_array_mut().unwrap() {
        if partner["partner_id"] == "prt_acme" {
            for ship in partner["partnerships"].as_array_mut().unwrap() {
                ship["receive"].as_array_mut().unwrap().push(json!("PDF"));
            }
        }
    }
    serde_json::from_value(seed).unwrap()
}

pub async fn world(blobs: BlobsUnderTest, ledger: LedgerUnderTest) -> World {
    world_with(blobs, ledger, Options::default()).await
}

pub async fn world_with(blobs: BlobsUnderTest, ledger: LedgerUnderTest, options: Options) -> World {
    let xecm_sim = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::File(repo(
                "local/xecm-sim/seeds/demo.json",
            ))),
            ..Default::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("xecm-sim");
    let mut tg_config = gridlink_tgrid_sim::SimConfig::new(tg_seed());
    if let Some(max) = options.max_document_bytes {
        tg_config.max_document_bytes = max;
    }
    let tg_sim = gridlink_tgrid_sim::start(tg_config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("tgrid-sim");
    let mut xecm_config = XecmConfig::new(
        &xecm_sim.base_url,
        XecmAuth::Password {
            user: "gridlink".into(),
            password: SecretString::from("gridlink-service"),
        },
    )
    .unwrap();
    // The client's own retries, kept short so an outage test does not sit in back-off.
    xecm_config.retry = RetryPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_attempts: 3,
        max_elapsed: Duration::from_secs(5),
    };
    let xecm = XecmClient::new(xecm_config).unwrap();
    let tg = TgClient::new(TgConfig {
        base_url: tg_sim.base_url.clone(),
        tenant_id: TenantId::new("buyerco"),
        client_id: "gridlink-local".into(),
        client_secret: SecretString::from("local-test-secret"),
        retry: gridlink_core::retry::RetryPolicy::standard(),
        timeout: Duration::from_secs(120),
    })
    .unwrap();
    let storage_down = Arc::new(AtomicBool::new(false));
    let outage: Arc<dyn BlobStore> = Arc::new(OutageBlobs {
        inner: blobs.store.clone(),
        down: storage_down.clone(),
    });
    let clock: SharedClock = Arc::new(SystemClock);
    let mut platform = Platform::assemble(
        order_reconcile::NAME,
        clock,
        outage,
        ledger.ledger.clone(),
        Arc::new(xecm.clone()),
        Arc::new(tg),
        Secrets {
            tg_webhook: SecretString::from(WEBHOOK_SECRET),
            xecm_push: None,
        },
    );
    let crash = Arc::new(CrashAfter::default());
    platform.effects = platform.effects.clone().with_faults(crash.clone());
    let config = OrderReconcileConfig::from_source(
        &gridlink_core::config::ConfigSource::from_pairs(options.config.clone()),
    )
    .expect("config");
    World {
        function: OrderReconcile::new(platform, config),
        xecm,
        tg_url: tg_sim.base_url.clone(),
        xecm_root: xecm_sim.root_url.clone(),
        http: reqwest::Client::new(),
        storage_down,
        crash,
        ledger_clock: ledger.clock.clone(),
        _xecm: xecm_sim,
        _tg: tg_sim,
        _storage: (blobs, ledger),
    }
}

pub fn signed(body: &[u8]) -> HttpRequest {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = gridlink_core::webhook::sign(WEBHOOK_SECRET.as_bytes(), now, body);
    HttpRequest {
        method: "POST".into(),
        path: "/order-reconcile/tg/events".into(),
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

/// Acme's 855 for `po` (the EDI fixture, its PO number replaced).
pub fn acme_855(po: &str) -> Vec<u8> {
    String::from_utf8(fixture("x12/855_order_ack.x12"))
        .unwrap()
        .replace("PO-2024-0042", po)
        .into_bytes()
}

/// Initech's EDIFACT `fixture` (ORDRSP, DESADV…) naming `po`.
pub fn initech(fixture_path: &str, po: &str) -> Vec<u8> {
    String::from_utf8(fixture(fixture_path))
        .unwrap()
        .replace(
            "ACMESUPPLY:ZZZ+BUYERCO:ZZZ",
            "5012345000017:14+4012345000009:14",
        )
        .replace("PO-2024-0042", po)
        .into_bytes()
}

impl World {
    /// The partner puts `payload` into the tenant's inbox; the signed webhook of the
    /// `document.received` TG emitted.
    pub async fn partner_sends(&self, partner: &str, payload: Vec<u8>) -> HttpRequest {
        let url = self
            .tg_url
            .join(&format!("__sim/partners/{partner}/documents"))
            .unwrap();
        let response = self.http.post(url).body(payload).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "partner send: {}",
            response.status()
        );
        let sent: Value = response.json().await.unwrap();
        self.webhook_for(sent["document_id"].as_str().unwrap())
            .await
    }

    /// The signed webhook of the `document.received` event of TG document `document_id`.
    pub async fn webhook_for(&self, document_id: &str) -> HttpRequest {
        let events = self
            .function
            .platform()
            .tg
            .events_after(None, Some(500))
            .await
            .unwrap()
            .items;
        let event = events
            .iter()
            .rev()
            .find(|e| {
                e.event_type.as_str() == "document.received"
                    && e.document()
                        .is_some_and(|d| d.document_id.as_str() == document_id)
            })
            .expect("document.received emitted");
        signed(&serde_json::to_vec(event).unwrap())
    }

    /// Delivers a webhook; the function must answer 202. Returns the event's inbox record.
    pub async fn deliver(&self, request: HttpRequest) -> Value {
        let response = self.call(request).await;
        assert_eq!(response.status, 202, "{}", body_text(&response));
        let answer: Value = serde_json::from_slice(&response.body).unwrap();
        self.inbox_record(answer["accepted"].as_str().unwrap())
            .await
    }

    pub async fn inbox_record(&self, event_id: &str) -> Value {
        self.function
            .platform()
            .inbox
            .get("tg", event_id)
            .await
            .unwrap()
            .expect("inbox item")
            .record
            .data
    }

    /// Any HTTP call, as API Gateway would answer it (errors become their responses).
    pub async fn call(&self, request: HttpRequest) -> HttpResponse {
        match self.function.handle(Invocation::Http(request)).await {
            Ok(Reply::Http(response)) => response,
            Ok(other) => panic!("an HTTP reply, not {other:?}"),
            Err(error) => error.into_http(),
        }
    }

    /// An operator call: status and JSON body.
    pub async fn operator(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let response = self
            .call(HttpRequest {
                method: method.into(),
                path: path.into(),
                headers: [("content-type".to_owned(), "application/json".to_owned())]
                    .into_iter()
                    .collect(),
                body: body.as_bytes().to_vec(),
                ..HttpRequest::default()
            })
            .await;
        let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, json)
    }

    pub async fn assign(&self, item_id: &str, body: &str) -> (u16, Value) {
        self.operator(
            "POST",
            &format!("/order-reconcile/unmatched/{item_id}/assign"),
            body,
        )
        .await
    }

    pub async fn item(&self, item_id: &str) -> Value {
        let (status, item) = self
            .operator("GET", &format!("/order-reconcile/unmatched/{item_id}"), "")
            .await;
        assert_eq!(status, 200, "{item}");
        item
    }

    pub async fn open_items(&self) -> Vec<Value> {
        let (status, list) = self.operator("GET", "/order-reconcile/unmatched", "").await;
        assert_eq!(status, 200, "{list}");
        list["items"].as_array().cloned().unwrap_or_default()
    }

    /// Fires a schedule; its JSON summary.
    pub async fn schedule(&self, name: &str) -> Value {
        match self
            .function
            .handle(Invocation::Schedule(ScheduleFiring {
                schedule: name.into(),
                scheduled_at: None,
            }))
            .await
        {
            Ok(Reply::Scheduled(summary)) => summary,
            other => panic!("schedule {name}: {other:?}"),
        }
    }

    pub async fn retry_unmatched(&self) -> Value {
        self.schedule("order-reconcile-retry-unmatched").await
    }

    pub async fn workspace(&self, po: &str) -> Node {
        let bo = BusinessObject::new("SAP_ERP", "BUS2012", po).unwrap();
        self.xecm
            .find_workspace_by_business_object(&bo)
            .await
            .unwrap()
            .expect("workspace")
    }

    pub async fn documents_in(&self, workspace: NodeId, folder: &str) -> Vec<Node> {
        let mut container = workspace;
        for part in folder.split('/') {
            let Some(next) = self
                .xecm
                .list_children(container)
                .await
                .unwrap()
                .into_iter()
                .find(|n| n.name == part)
            else {
                return Vec::new();
            };
            container = next.id;
        }
        self.xecm.list_children(container).await.unwrap()
    }

    /// Documents the partner got back from the tenant (acknowledgments).
    pub async fn partner_inbox(&self, partner: &str) -> Vec<Value> {
        let url = self
            .tg_url
            .join(&format!("__sim/partners/{partner}/documents"))
            .unwrap();
        let body: Value = self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|i| i["document"].clone())
            .filter(|d| d["direction"] == "outbound")
            .collect()
    }

    /// Replaces xecm-sim's fault switches (`{}` clears them).
    pub async fn xecm_faults(&self, faults: Value) {
        let response = self
            .http
            .put(format!("{}/__sim/faults", self.xecm_root))
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// How many documents xecm-sim holds, all workspaces together.
    pub async fn xecm_documents(&self) -> u64 {
        let stats: Value = self
            .http
            .get(format!("{}/__sim/stats", self.xecm_root))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        stats["documents"].as_u64().unwrap()
    }
}

pub fn body_text(response: &HttpResponse) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

/// Runs each scenario on embedded storage (fs + SQLite) and on S3 + DynamoDB (moto).
#[macro_export]
macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(gridlink_store::testing::fs_blobs().await, gridlink_store::testing::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(gridlink_store::testing::s3_blobs().await, gridlink_store::testing::dynamo_ledger().await).await } )* }
    };
}
