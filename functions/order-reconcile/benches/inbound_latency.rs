//! Inbound latency of order-reconcile on the local stack: a signed `document.received`
//! webhook in → the partner's document filed in xECM and acknowledged (the webhook handler
//! processes what it accepted inline, so its answer comes when the work is done).
//!
//! xecm-sim and tgrid-sim run in this process on loopback, storage is embedded (files +
//! SQLite in a temporary directory), the clients are the real ones. Acme's 810 invoices for
//! PO 4500001234, each with its own invoice number (so each is a new document in
//! `Invoices`), are put into TG first (not timed); then their webhooks are delivered through
//! the function's handler — one at a time for latency, then `CONCURRENCY` at a time for
//! throughput.
//!
//! `PREFILL` documents (default 10) are put into that `Invoices` folder through xecm-sim's
//! REST API before anything is timed, so the figures can be compared for a nearly empty and
//! a full folder (filing looks an earlier attempt's document up by name with a server-side
//! filter, so its cost should not grow with the folder).
//!
//! Run: `cargo bench -p order-reconcile --bench inbound_latency` (environment:
//! `DELIVERIES`, default 200; `CONCURRENCY`, default 4; `PREFILL`, default 10). Figures:
//! docs/benchmarks.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_flow::{Platform, Secrets};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_store::{FsBlobStore, SqliteLedger};
use gridlink_tgrid::{TenantId, TgClient, TgConfig};
use gridlink_xecm::{BytesSource, NewDocument, NodeId, XecmAuth, XecmClient, XecmConfig};
use order_reconcile::{OrderReconcile, OrderReconcileConfig};
use secrecy::SecretString;

const SECRET: &str = "bench-webhook-secret";

fn repo(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
}

fn invoice(n: usize) -> Vec<u8> {
    String::from_utf8(std::fs::read(repo("shared/edi/tests/fixtures/x12/810_invoice.x12")).unwrap())
        .unwrap()
        .replace("INV-90017", &format!("INV-B{n:06}"))
        .replace("PO-2024-0042", "4500001234")
        .into_bytes()
}

fn signed(body: &[u8]) -> HttpRequest {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    HttpRequest {
        method: "POST".into(),
        path: "/order-reconcile/tg/events".into(),
        headers: [
            ("tg-timestamp".to_owned(), now.to_string()),
            (
                "tg-signature".to_owned(),
                gridlink_core::webhook::sign(SECRET.as_bytes(), now, body),
            ),
        ]
        .into_iter()
        .collect(),
        body: body.to_vec(),
        ..HttpRequest::default()
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn xecm_client(base_url: &str) -> XecmClient {
    XecmClient::new(
        XecmConfig::new(
            base_url,
            XecmAuth::Password {
                user: "gridlink".into(),
                password: SecretString::from("gridlink-service"),
            },
        )
        .unwrap(),
    )
    .unwrap()
}

struct Stack {
    function: Arc<gridlink_flow::Function<OrderReconcile>>,
    tg_url: url::Url,
    http: reqwest::Client,
    xecm: gridlink_xecm_sim::RunningSim,
    _tg: gridlink_tgrid_sim::RunningSim,
    _dir: tempfile::TempDir,
}

async fn stack() -> Stack {
    let xecm = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::File(repo(
                "local/xecm-sim/seeds/demo.json",
            ))),
            ..Default::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let seed =
        serde_json::from_slice(&std::fs::read(repo("local/tgrid-sim/seeds/demo.json")).unwrap())
            .unwrap();
    let tg = gridlink_tgrid_sim::start(
        gridlink_tgrid_sim::SimConfig::new(seed),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock: SharedClock = Arc::new(SystemClock);
    let blobs = FsBlobStore::open(dir.path().join("blobs")).await.unwrap();
    let ledger = SqliteLedger::open(dir.path().join("ledger.sqlite3"), clock.clone())
        .await
        .unwrap();
    let xecm_client = xecm_client(&xecm.base_url);
    let tg_client = TgClient::new(TgConfig {
        base_url: tg.base_url.clone(),
        tenant_id: TenantId::new("buyerco"),
        client_id: "gridlink-local".into(),
        client_secret: SecretString::from("local-test-secret"),
        retry: gridlink_core::retry::RetryPolicy::standard(),
        timeout: Duration::from_secs(30),
    })
    .unwrap();
    let platform = Platform::assemble(
        order_reconcile::NAME,
        clock,
        Arc::new(blobs),
        Arc::new(ledger),
        Arc::new(xecm_client),
        Arc::new(tg_client),
        Secrets {
            tg_webhook: SecretString::from(SECRET),
            xecm_push: None,
        },
    );
    let config =
        OrderReconcileConfig::from_source(&gridlink_core::config::ConfigSource::from_pairs::<
            String,
            String,
        >([]))
        .unwrap();
    Stack {
        function: Arc::new(OrderReconcile::function(platform, config)),
        tg_url: tg.base_url.clone(),
        http: reqwest::Client::new(),
        xecm,
        _tg: tg,
        _dir: dir,
    }
}

impl Stack {
    /// The order's `Invoices` folder (the seed creates it with the workspace).
    fn invoices_folder(&self) -> i64 {
        self.xecm.with_store(|store| {
            let workspace = store
                .nodes
                .values()
                .find(|node| node.name == "PO 4500001234")
                .expect("the seed's PO 4500001234")
                .id;
            store
                .child_named(workspace, "Invoices")
                .expect("its Invoices folder")
                .id
        })
    }

    fn folder_size(&self) -> usize {
        let folder = self.invoices_folder();
        self.xecm.with_store(|store| store.child_count(folder))
    }

    /// Puts `count` documents into the `Invoices` folder through the simulator's REST API
    /// (eight uploads at a time; not timed), named as filed invoices of another partner
    /// would be.
    async fn prefill(&self, count: usize) {
        use futures::StreamExt;
        let folder = NodeId::new(self.invoices_folder()).unwrap();
        let client = Arc::new(xecm_client(&self.xecm.base_url));
        let uploads = futures::stream::iter(0..count).map(|n| {
            let client = client.clone();
            async move {
                let document = NewDocument {
                    name: format!("810 INV-P{n:06} PREFILL.x12"),
                    description: format!("prefilled invoice {n}"),
                    mime_type: Some("application/edi-x12".into()),
                    ..NewDocument::default()
                };
                let content = BytesSource(bytes::Bytes::from(format!("invoice {n}\n")));
                client
                    .create_document(folder, &document, &content)
                    .await
                    .unwrap();
            }
        });
        uploads.buffer_unordered(8).collect::<Vec<()>>().await;
    }

    /// The median of 50 look-ups of a name in `Invoices` (the request filing makes to find
    /// an earlier attempt's document), through the real client: the simulator's share.
    async fn lookup_median(&self) -> Duration {
        let folder = NodeId::new(self.invoices_folder()).unwrap();
        let client = xecm_client(&self.xecm.base_url);
        let mut times = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            let found = client
                .child_named(folder, "810 INV-NOT-THERE ACME.x12")
                .await
                .unwrap();
            times.push(t.elapsed());
            assert!(found.is_none());
        }
        times.sort();
        percentile(&times, 0.5)
    }

    /// Puts `count` invoices (numbered from `first`) into TG; their signed webhooks.
    async fn invoices_in_tg(&self, first: usize, count: usize) -> Vec<HttpRequest> {
        let url = self
            .tg_url
            .join("__sim/partners/prt_acme/documents")
            .unwrap();
        let mut documents = Vec::new();
        for n in first..first + count {
            let sent: serde_json::Value = self
                .http
                .post(url.clone())
                .body(invoice(n))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            documents.push(sent["document_id"].as_str().unwrap().to_owned());
        }
        let mut requests = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .function
                .platform()
                .tg
                .events_after(after.as_ref(), Some(500))
                .await
                .unwrap();
            if page.items.is_empty() {
                break;
            }
            for event in &page.items {
                if event.event_type.as_str() == "document.received"
                    && event
                        .document()
                        .is_some_and(|d| documents.contains(&d.document_id.as_str().to_owned()))
                {
                    requests.push(signed(&serde_json::to_vec(event).unwrap()));
                }
            }
            after = page.items.last().map(|e| e.event_id.clone());
        }
        assert_eq!(requests.len(), count, "one webhook per invoice");
        requests
    }

    async fn deliver(&self, request: HttpRequest) -> Duration {
        let started = Instant::now();
        let reply = self
            .function
            .handle(Invocation::Http(request))
            .await
            .expect("accepted");
        let elapsed = started.elapsed();
        let Reply::Http(response) = reply else {
            panic!("http reply")
        };
        assert_eq!(response.status, 202);
        elapsed
    }
}

fn main() {
    let deliveries = env_number("DELIVERIES", 200);
    let concurrency = env_number("CONCURRENCY", 4).max(1);
    let prefill = env_number("PREFILL", 10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let stack = stack().await;
        let filling = Instant::now();
        stack.prefill(prefill).await;
        println!(
            "prefilled: {prefill} documents in Invoices in {:.1} s (not timed below)",
            filling.elapsed().as_secs_f64()
        );
        println!(
            "one name look-up in Invoices ({} documents): median {:.2} ms",
            stack.folder_size(),
            stack.lookup_median().await.as_secs_f64() * 1e3
        );
        // Warm-up: logins, folder lookups, category definitions.
        for request in stack.invoices_in_tg(0, 5).await {
            stack.deliver(request).await;
        }

        let requests = stack.invoices_in_tg(1000, deliveries).await;
        let before = stack.folder_size();
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(deliveries);
        for request in requests {
            latencies.push(stack.deliver(request).await);
        }
        let sequential = started.elapsed();
        latencies.sort();
        println!(
            "sequential: {deliveries} webhooks → filed (Invoices {before} → {} documents): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.1} documents/s",
            stack.folder_size(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.95).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
            deliveries as f64 / sequential.as_secs_f64()
        );

        let requests = stack.invoices_in_tg(100_000, deliveries).await;
        let before = stack.folder_size();
        let queue = Arc::new(tokio::sync::Mutex::new(requests));
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let queue = queue.clone();
            let function = stack.function.clone();
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let Some(request) = queue.lock().await.pop() else {
                        break;
                    };
                    let t = Instant::now();
                    let reply = function.handle(Invocation::Http(request)).await;
                    assert!(matches!(reply, Ok(Reply::Http(ref r)) if r.status == 202));
                    latencies.push(t.elapsed());
                }
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for worker in workers {
            latencies.extend(worker.await.unwrap());
        }
        let concurrent = started.elapsed();
        // Whatever a twin left pending is finished by the schedule's run.
        stack.function.process_pending().await.unwrap();
        latencies.sort();
        println!(
            "concurrent ×{concurrency}: {deliveries} webhooks (Invoices {before} → {} documents): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; {:.1} documents/s",
            stack.folder_size(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.95).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            deliveries as f64 / concurrent.as_secs_f64()
        );
        let pending = stack.function.platform().inbox.pending(10).await.unwrap();
        assert!(pending.is_empty(), "everything processed");
    });
}
