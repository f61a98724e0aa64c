//! The harness of shipment-delay's end-to-end tests: both simulators on loopback with the
//! demo seeds, the function on the storage under test, partners acting through the TG
//! simulator's partner controls, and signed webhooks as TG emits them.
#![allow(dead_code)]

use futures::TryStreamExt as _;

use gridlink_flow::Function;
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::Stack;
use gridlink_tgrid::TgClient;
use gridlink_tgrid::model::{ExternalRef, NewSpace, NewThread, ThreadKind};
use gridlink_tgrid::{Collaboration as _, EventFeed as _, IdempotencyKey, PartnerId};
use gridlink_xecm::{AttributeValue, BusinessObject, CategoryId, NamedAttributes, Node, NodeId};
use serde_json::Value;
use shipment_delay::{ShipmentDelay, ShipmentDelayConfig};

pub const PO: &str = "4500001234";

pub struct World {
    pub function: Function<ShipmentDelay>,
    pub tg: TgClient,
    pub tg_url: url::Url,
    pub http: reqwest::Client,
    pub stack: Stack,
}

pub fn repo_path(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
}

/// The world on `stack`: shipment-delay built through the production configuration path.
#[allow(clippy::unused_async)] // async like every harness step the tests await
pub async fn world(stack: Stack) -> World {
    let config = stack.config().clone();
    world_configured(stack, &config)
}

/// [`world`], with the TG inbox poll on the demo mailbox (`TG_MAILBOX_ID=mbx_buyerco`).
pub fn world_polling(stack: Stack) -> World {
    let config = stack.config().clone().with("TG_MAILBOX_ID", "mbx_buyerco");
    world_configured(stack, &config)
}

fn world_configured(stack: Stack, config: &gridlink_core::config::ConfigSource) -> World {
    let function = ShipmentDelay::function(
        stack.platform(shipment_delay::NAME),
        ShipmentDelayConfig::from_source(config).expect("the demo configuration"),
    );
    World {
        function,
        tg: stack.tg.clone(),
        tg_url: stack.tg_sim.base_url.clone(),
        http: reqwest::Client::new(),
        stack,
    }
}

/// `body` as a signed TG webhook delivery to shipment-delay.
pub fn signed(body: &[u8]) -> HttpRequest {
    gridlink_tests::stack::tg_webhook_now(shipment_delay::NAME, body)
}

/// A 214 from `sender` (ISA id) for `shipment`, naming `po` when given, reporting `status` /
/// `reason` on 2026-11-24 08:00 with the delivery now expected on 2026-12-04.
pub fn x12_214(
    sender: &str,
    po: Option<&str>,
    shipment: &str,
    status: &str,
    control: u32,
) -> Vec<u8> {
    let mut body = vec![
        "ST*214*0001".to_owned(),
        format!("B10*PRO-{control}*{shipment}*ACMF"),
        format!("L11*BOL-{shipment}*BM"),
    ];
    if let Some(po) = po {
        body.push(format!("L11*{po}*PO"));
    }
    body.extend([
        "G62*17*20261204".to_owned(),
        "LX*1".to_owned(),
        format!("AT7*{status}*AO***20261124*0800*LT"),
        "MS1*SPRINGFIELD*MO*US".to_owned(),
    ]);
    body.push(format!("SE*{}*0001", body.len() + 1));
    let isa_sender = format!("{sender:<15}");
    let mut segments = vec![
        format!(
            "ISA*00*          *00*          *ZZ*{isa_sender}*ZZ*BUYERCO        *261124*0915*U*00401*{control:09}*0*P*>"
        ),
        format!("GS*QM*{sender}*BUYERCO*20261124*0915*{control}*X*004010"),
    ];
    segments.extend(body);
    segments.push(format!("GE*1*{control}"));
    segments.push(format!("IEA*1*{control:09}"));
    let mut text = segments.join("~\n");
    text.push_str("~\n");
    text.into_bytes()
}

/// Nordic Fasteners' IFTSTA for its PO 4500001235: shipment SHP-88002 held by customs
/// (`STS+1+6+AS`), now expected 2026-11-30.
pub fn nordfast_iftsta() -> Vec<u8> {
    "UNA:+.? '\n\
UNB+UNOC:3+NORDFAST:ZZZ+BUYERCO:ZZZ+261124:0815+702'\n\
UNH+1+IFTSTA:D:96A:UN'\n\
BGM+23+SHP-88002+9'\n\
DTM+137:202611240815:203'\n\
DTM+17:20261130:102'\n\
RFF+BM:BOL-88002'\n\
RFF+ON:4500001235'\n\
CNI+1+SHP-88002'\n\
STS+1+6+AS'\n\
DTM+334:202611240700:203'\n\
LOC+175+USSGF:::SPRINGFIELD'\n\
UNT+11+1'\n\
UNZ+1+702'\n"
        .as_bytes()
        .to_vec()
}

impl World {
    pub async fn event_count(&self) -> usize {
        self.tg
            .events_after(None, Some(500))
            .await
            .expect("events")
            .items
            .len()
    }

    /// The signed webhook for the first event of `event_type` after the first `before`.
    pub async fn signed_event_after(&self, before: usize, event_type: &str) -> HttpRequest {
        let events = self
            .tg
            .events_after(None, Some(500))
            .await
            .expect("events")
            .items;
        let event = events[before..]
            .iter()
            .find(|e| e.event_type.as_str() == event_type)
            .unwrap_or_else(|| panic!("{event_type} emitted"));
        signed(&serde_json::to_vec(event).expect("event json"))
    }

    /// The partner puts `payload` into the tenant's inbox; the signed `document.received`.
    pub async fn partner_sends(&self, partner: &str, payload: Vec<u8>) -> HttpRequest {
        let before = self.event_count().await;
        let url = self
            .tg_url
            .join(&format!("__sim/partners/{partner}/documents"))
            .expect("url");
        let response = self
            .http
            .post(url)
            .body(payload)
            .send()
            .await
            .expect("send");
        assert!(
            response.status().is_success(),
            "partner send: {} {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
        self.signed_event_after(before, "document.received").await
    }

    /// The tenant opens a shipment thread with ACME about the order (its external ref names
    /// the PO).
    pub async fn shipment_thread(&self) -> String {
        self.thread_with(Some(ExternalRef::new("po", PO))).await
    }

    /// The tenant opens a shipment thread with ACME with `external_ref`.
    pub async fn thread_with(&self, external_ref: Option<ExternalRef>) -> String {
        let space = self
            .tg
            .open_space(
                &IdempotencyKey::derive("test-space", "acme"),
                &NewSpace {
                    partner_id: PartnerId::new("prt_acme"),
                    title: "ACME shipments".into(),
                    external_ref: None,
                    context: None,
                },
            )
            .await
            .expect("space");
        let thread = self
            .tg
            .open_thread(
                &IdempotencyKey::derive("test-thread", &format!("{external_ref:?}")),
                &space.space_id,
                &NewThread {
                    subject: "Shipments".into(),
                    kind: ThreadKind::Shipment,
                    external_ref,
                },
            )
            .await
            .expect("thread");
        thread.thread_id.as_str().to_owned()
    }

    /// ACME posts `body` with one attached file on `thread`; the signed `message.posted`.
    pub async fn partner_posts(&self, thread: &str, body: &str, structured: &str) -> HttpRequest {
        let before = self.event_count().await;
        let url = self
            .tg_url
            .join(&format!(
                "__sim/partners/prt_acme/threads/{thread}/messages"
            ))
            .expect("url");
        let form = reqwest::multipart::Form::new()
            .text("body", body.to_owned())
            .text("structured", structured.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(
                    b"Customs hold notice: missing commercial invoice\n".to_vec(),
                )
                .file_name("customs-hold.txt")
                .mime_str("text/plain")
                .expect("mime"),
            );
        let response = self
            .http
            .post(url)
            .multipart(form)
            .send()
            .await
            .expect("post");
        assert!(
            response.status().is_success(),
            "partner post: {} {}",
            response.status(),
            response.text().await.unwrap_or_default()
        );
        self.signed_event_after(before, "message.posted").await
    }

    pub async fn deliver(&self, request: HttpRequest) -> Value {
        let Reply::Http(response) = self
            .function
            .handle(Invocation::Http(request))
            .await
            .expect("webhook answered")
        else {
            panic!("an HTTP reply");
        };
        assert_eq!(
            response.status,
            202,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        serde_json::from_slice(&response.body).expect("json")
    }

    /// Delivers and returns the item's recorded outcome.
    pub async fn outcome_of(&self, request: HttpRequest) -> Value {
        let answer = self.deliver(request).await;
        let event_id = answer["accepted"].as_str().expect("event id");
        let item = self
            .function
            .platform()
            .inbox
            .get("tg", event_id)
            .await
            .expect("inbox")
            .expect("item");
        assert_eq!(item.status(), "done", "{}", item.record.data);
        item.record.data["outcome"].clone()
    }

    pub async fn workspace(&self, po: &str) -> Node {
        let bo = BusinessObject::new("SAP_ERP", "BUS2012", po).expect("bo");
        self.function
            .platform()
            .xecm
            .find_workspace_by_business_object(&bo)
            .await
            .expect("find")
            .expect("workspace")
    }

    pub async fn shipping(&self, po: &str) -> Vec<Node> {
        let xecm = &self.function.platform().xecm;
        let workspace = self.workspace(po).await;
        let Some(folder) = xecm
            .list_children(workspace.id)
            .await
            .expect("children")
            .into_iter()
            .find(|n| n.name == "Shipping")
        else {
            return Vec::new();
        };
        xecm.list_children(folder.id)
            .await
            .expect("folder children")
    }

    pub async fn values(&self, node: i64, category: i64) -> NamedAttributes {
        self.function
            .platform()
            .xecm
            .read_attributes(
                NodeId::new(node).expect("node"),
                CategoryId::new(category).expect("category"),
            )
            .await
            .expect("attributes")
    }

    pub async fn shipment_status(&self, po: &str) -> Option<String> {
        let workspace = self.workspace(po).await;
        match self
            .values(workspace.id.get(), 9100)
            .await
            .get("Shipment Status")
        {
            Some(AttributeValue::Text(text)) => Some(text.clone()),
            _ => None,
        }
    }

    /// Documents the partner sees coming from the tenant (acknowledgments).
    pub async fn partner_inbox(&self, partner: &str) -> Vec<Value> {
        let url = self
            .tg_url
            .join(&format!("__sim/partners/{partner}/documents"))
            .expect("url");
        let body: Value = self
            .http
            .get(url)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|i| i["document"].clone())
            .filter(|d| d["direction"] == "outbound")
            .collect()
    }

    pub async fn note_text(&self, note: i64) -> String {
        let download = self
            .function
            .platform()
            .xecm
            .download_document(NodeId::new(note).expect("node"))
            .await
            .expect("download");
        let chunks: Vec<bytes::Bytes> = download.body.try_collect().await.expect("content");
        String::from_utf8_lossy(&chunks.concat()).into_owned()
    }
}

impl World {
    pub async fn call(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
        let reply = self
            .function
            .handle(Invocation::Http(HttpRequest {
                method: method.into(),
                path: path.into(),
                body: body.as_bytes().to_vec(),
                ..HttpRequest::default()
            }))
            .await;
        match reply {
            Ok(Reply::Http(response)) => (
                response.status,
                serde_json::from_slice(&response.body).expect("json"),
            ),
            Ok(other) => panic!("not an HTTP reply: {other:?}"),
            Err(error) => (error.kind.http_status(), Value::String(error.to_string())),
        }
    }
}

pub fn text(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

pub fn date(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Date(at)) => Some(at.date().to_string()),
        _ => None,
    }
}
