//! The local stack the queue, resilience and big-attachment tests run on: xecm-sim and
//! tgrid-sim in-process on loopback, the real clients, storage from the fixtures (embedded
//! or moto), and the two injected faults the engineering standard allows — a storage outage
//! switch around the blob store and a crash between an effect and its confirmation.

#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use gridlink_flow::Function;
use gridlink_lambda::{Handler, HttpRequest, HttpResponse, Invocation, Reply, ScheduleFiring};
use gridlink_tests::stack::{Stack, StackOptions, Storage};

use bytes::Bytes;
use gridlink_tgrid::IdempotencyKey;
use gridlink_tgrid::model::{BusinessRefs, ControlNumbers, DocumentMetadata, Standard};
use gridlink_tgrid::ports::DocumentPayload;
use gridlink_xecm::{BusinessObject, Node, NodeId, Workspaces, XecmClient};
use order_reconcile::{OrderReconcile, OrderReconcileConfig};
use serde_json::{Value, json};

pub use gridlink_tests::stack::CrashAfter;

/// How to set the stack up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Largest document tgrid-sim takes (its default: 100 MiB).
    pub max_document_bytes: Option<u64>,
    /// Extra configuration of the function.
    pub config: Vec<(String, String)>,
}

pub struct World {
    pub function: Function<OrderReconcile>,
    pub xecm: XecmClient,
    pub tg_url: url::Url,
    pub xecm_root: String,
    pub http: reqwest::Client,
    pub storage_down: Arc<AtomicBool>,
    pub crash: Arc<CrashAfter>,
    pub stack: Stack,
}

fn repo(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
}

pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(repo(&format!("shared/edi/tests/fixtures/{path}"))).expect("fixture")
}

/// The buyer sends its 850 for `po` to Acme (group 101, set 0001); the TG document id.
pub async fn buyer_sends_850(world: &World, po: &str) -> String {
    let bytes = String::from_utf8(fixture("x12/850_purchase_order.x12"))
        .expect("test step")
        .replace("PO-2024-0042", po);
    let metadata = DocumentMetadata {
        sender: "ZZ:BUYERCO".parse().expect("test step"),
        receiver: "ZZ:ACMESUPPLY".parse().expect("test step"),
        standard: Standard::X12,
        doc_type: "850".to_owned(),
        business_refs: BusinessRefs {
            po_number: Some(po.to_owned()),
            ..BusinessRefs::default()
        },
        control_numbers: ControlNumbers {
            interchange: Some("000000101".to_owned()),
            group: Some("101".to_owned()),
            transaction: Some("0001".to_owned()),
        },
        ack_requested: true,
    };
    let sent = world
        .function
        .platform()
        .tg
        .send_document(
            &IdempotencyKey::derive("test-850", po),
            &metadata,
            DocumentPayload::Inline {
                file_name: format!("850 {po}.x12"),
                content_type: "application/edi-x12".to_owned(),
                bytes: Bytes::from(bytes),
            },
        )
        .await
        .expect("test step");
    sent.document_id.as_str().to_owned()
}

/// Acme's 997 answering group 101 / set 0001: the rejecting fixture, or an acceptance.
pub fn acme_997(rejected: bool) -> Vec<u8> {
    if rejected {
        String::from_utf8(fixture("x12/997_rejected.x12"))
            .expect("test step")
            .replace("AK1*PO*102~", "AK1*PO*101~")
            .into_bytes()
    } else {
        "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *240115*1046*U*00401*000000503*0*P*>~GS*FA*ACMESUPPLY*BUYERCO*20240115*1046*503*X*004010~ST*997*0001~AK1*PO*101~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*503~IEA*1*000000503~"
            .as_bytes()
            .to_vec()
    }
}

/// The `document.status_changed` event of `document_id` turning `acknowledged`, as TG
/// emitted it.
pub async fn acknowledged_event(world: &World, document_id: &str) -> Value {
    let events = world
        .function
        .platform()
        .tg
        .events_after(None, Some(500))
        .await
        .expect("test step")
        .items;
    let event = events
        .iter()
        .find(|e| {
            e.event_type.as_str() == "document.status_changed"
                && e.document().is_some_and(|d| {
                    d.document_id.as_str() == document_id && d.status.as_str() == "acknowledged"
                })
        })
        .expect("TG emitted the 850's acknowledged status change");
    serde_json::to_value(event).expect("test step")
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

/// A stack for order-reconcile's tests: the demo seeds, Acme also allowed to send PDFs.
pub async fn stack_on(storage: Storage) -> Stack {
    stack_with(storage, &Options::default()).await
}

/// [`stack_on`] with `options`' TG limits.
pub async fn stack_with(storage: Storage, options: &Options) -> Stack {
    Stack::start_with(
        storage,
        StackOptions {
            tg_seed: Some(tg_seed()),
            max_document_bytes: options.max_document_bytes,
            ..StackOptions::default()
        },
    )
    .await
}

pub fn world(stack: Stack) -> World {
    world_with(stack, &Options::default())
}

/// The world on `stack`: order-reconcile built through the production configuration path,
/// with `options`' extra configuration.
pub fn world_with(stack: Stack, options: &Options) -> World {
    let mut config = stack.config().clone();
    for (key, value) in &options.config {
        config = config.with(key, value);
    }
    let platform = stack.platform(order_reconcile::NAME);
    world_on(stack, platform, &config)
}

/// The world on `stack`, order-reconcile built on `platform` (a counted one, say) with
/// `config`.
pub fn world_on(
    stack: Stack,
    platform: gridlink_flow::Platform,
    config: &gridlink_core::config::ConfigSource,
) -> World {
    let function = OrderReconcile::function(
        platform,
        OrderReconcileConfig::from_source(config).expect("the demo configuration"),
    );
    World {
        function,
        xecm: stack.xecm.clone(),
        tg_url: stack.tg_sim.base_url.clone(),
        xecm_root: stack.xecm_sim.root_url.clone(),
        http: reqwest::Client::new(),
        storage_down: stack.storage_down.clone(),
        crash: stack.crash.clone(),
        stack,
    }
}

/// `body` as a signed TG webhook delivery to order-reconcile.
pub fn signed(body: &[u8]) -> HttpRequest {
    gridlink_tests::stack::tg_webhook_now(order_reconcile::NAME, body)
}

/// Acme's 855 for `po` (the EDI fixture, its PO number replaced).
pub fn acme_855(po: &str) -> Vec<u8> {
    String::from_utf8(fixture("x12/855_order_ack.x12"))
        .unwrap()
        .replace("PO-2024-0042", po)
        .into_bytes()
}

/// ACME's invoice `number` for PO 4500001234 (the demo's 810), with `control` as interchange
/// control number.
pub fn acme_810(number: &str, control: u32) -> Vec<u8> {
    std::fs::read_to_string(repo("fixtures/demo/810_4500001234.x12"))
        .expect("the demo 810")
        .replace("INV-2026-0815", number)
        .replace("000004714", &format!("{control:09}"))
        .replace("*4714*", &format!("*{control}*"))
        .replace("GE*1*4714", &format!("GE*1*{control}"))
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
        let answer = self.accept(request).await;
        self.inbox_record(answer["accepted"].as_str().unwrap())
            .await
    }

    /// Delivers a webhook; the function must answer 202. Returns its answer (`accepted`, and
    /// `duplicate` for an event it already holds).
    pub async fn accept(&self, request: HttpRequest) -> Value {
        let response = self.call(request).await;
        assert_eq!(response.status, 202, "{}", body_text(&response));
        serde_json::from_slice(&response.body).unwrap()
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
        self.operator_as(None, method, path, body).await
    }

    /// An operator call by `caller`, the IAM identity API Gateway's authoriser vouched for
    /// (none on the local stack): status and JSON body.
    pub async fn operator_as(
        &self,
        caller: Option<&str>,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, Value) {
        let response = self
            .call(HttpRequest {
                method: method.into(),
                path: path.into(),
                headers: [("content-type".to_owned(), "application/json".to_owned())]
                    .into_iter()
                    .collect(),
                body: body.as_bytes().to_vec(),
                caller: caller.map(str::to_owned),
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

    /// Every document upload to xECM (`POST …/nodes`) fails with 500 for the next `calls`
    /// calls — more than the client's retries — until the faults are cleared.
    pub async fn fail_uploads(&self, calls: u64) {
        self.xecm_faults(json!({"error_500_next": calls, "only_path_containing": "/nodes", "only_method": "POST"}))
            .await;
    }

    /// Replaces tgrid-sim's fault switches (`{}` clears them), e.g.
    /// `{"unavailable": 1000, "only": "GET /v1/events"}`.
    pub async fn tg_faults(&self, faults: Value) {
        let url = self.tg_url.join("__sim/faults").unwrap();
        let response = self.http.post(url).json(&faults).send().await.unwrap();
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
