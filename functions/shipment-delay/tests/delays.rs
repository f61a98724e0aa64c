//! shipment-delay end to end against the xECM and Trading Grid simulators, on embedded
//! storage and on S3 + DynamoDB (moto): partners send 214 / IFTSTA documents and post
//! messages on shipment threads through the TG simulator's partner controls; the signed
//! webhook TG emitted reaches the function; the outcome is read back from xECM, TG and the
//! function's inbox.

use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt as _;

use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_flow::{Platform, Secrets};
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_store::testing::{
    BlobsUnderTest, LedgerUnderTest, dynamo_ledger, fs_blobs, s3_blobs, sqlite_ledger,
};
use gridlink_tgrid::model::{ExternalRef, NewSpace, NewThread, ThreadKind};
use gridlink_tgrid::{Collaboration as _, EventFeed as _, IdempotencyKey, PartnerId};
use gridlink_tgrid::{TenantId, TgClient, TgConfig};
use gridlink_xecm::{
    AttributeValue, BusinessObject, CategoryId, NamedAttributes, Node, NodeId, XecmAuth,
    XecmClient, XecmConfig,
};
use secrecy::SecretString;
use serde_json::Value;
use shipment_delay::{ShipmentDelay, ShipmentDelayConfig};

const WEBHOOK_SECRET: &str = "uc4-webhook-secret";
const PO: &str = "4500001234";

struct World {
    function: ShipmentDelay,
    tg: TgClient,
    tg_url: url::Url,
    http: reqwest::Client,
    _xecm: gridlink_xecm_sim::RunningSim,
    _tg: gridlink_tgrid_sim::RunningSim,
    _storage: (BlobsUnderTest, LedgerUnderTest),
}

fn repo_path(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR")))
}

async fn world(blobs: BlobsUnderTest, ledger: LedgerUnderTest) -> World {
    let xecm = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::File(repo_path(
                "local/xecm-sim/seeds/demo.json",
            ))),
            ..Default::default()
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("xecm-sim");
    let tg = gridlink_tgrid_sim::start(
        gridlink_tgrid_sim::SimConfig::new(gridlink_tgrid_sim::Seed::demo()),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("tgrid-sim");
    let xecm_client = XecmClient::new(
        XecmConfig::new(
            &xecm.base_url,
            XecmAuth::Password {
                user: "gridlink".into(),
                password: SecretString::from("gridlink-service"),
            },
        )
        .expect("xecm config"),
    )
    .expect("xecm client");
    let tg_client = TgClient::new(TgConfig {
        base_url: tg.base_url.clone(),
        tenant_id: TenantId::new("buyerco"),
        client_id: "gridlink-local".into(),
        client_secret: SecretString::from("local-test-secret"),
        retry: gridlink_core::retry::RetryPolicy::standard(),
        timeout: Duration::from_secs(30),
    })
    .expect("tg client");
    let clock: SharedClock = Arc::new(SystemClock);
    let platform = Platform::assemble(
        shipment_delay::NAME,
        clock,
        blobs.store.clone(),
        ledger.ledger.clone(),
        Arc::new(xecm_client),
        Arc::new(tg_client.clone()),
        Secrets {
            tg_webhook: SecretString::from(WEBHOOK_SECRET),
            xecm_push: None,
        },
    );
    let config =
        ShipmentDelayConfig::from_source(&gridlink_core::config::ConfigSource::from_pairs::<
            String,
            String,
        >([]))
        .expect("config");
    World {
        function: ShipmentDelay::new(platform, config),
        tg: tg_client,
        tg_url: tg.base_url.clone(),
        http: reqwest::Client::new(),
        _xecm: xecm,
        _tg: tg,
        _storage: (blobs, ledger),
    }
}

fn signed(body: &[u8]) -> HttpRequest {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = gridlink_core::webhook::sign(WEBHOOK_SECRET.as_bytes(), now, body);
    HttpRequest {
        method: "POST".into(),
        path: "/shipment-delay/tg/events".into(),
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

/// A 214 from `sender` (ISA id) for `shipment`, naming `po` when given, reporting `status` /
/// `reason` on 2026-11-24 08:00 with the delivery now expected on 2026-12-04.
fn x12_214(sender: &str, po: Option<&str>, shipment: &str, status: &str, control: u32) -> Vec<u8> {
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
fn nordfast_iftsta() -> Vec<u8> {
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
    async fn event_count(&self) -> usize {
        self.tg
            .events_after(None, Some(500))
            .await
            .expect("events")
            .items
            .len()
    }

    /// The signed webhook for the first event of `event_type` after the first `before`.
    async fn signed_event_after(&self, before: usize, event_type: &str) -> HttpRequest {
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
    async fn partner_sends(&self, partner: &str, payload: Vec<u8>) -> HttpRequest {
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
    async fn shipment_thread(&self) -> String {
        self.thread_with(Some(ExternalRef::new("po", PO))).await
    }

    /// The tenant opens a shipment thread with ACME with `external_ref`.
    async fn thread_with(&self, external_ref: Option<ExternalRef>) -> String {
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
    async fn partner_posts(&self, thread: &str, body: &str, structured: &str) -> HttpRequest {
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

    async fn deliver(&self, request: HttpRequest) -> Value {
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
    async fn outcome_of(&self, request: HttpRequest) -> Value {
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

    async fn workspace(&self, po: &str) -> Node {
        let bo = BusinessObject::new("SAP_ERP", "BUS2012", po).expect("bo");
        self.function
            .platform()
            .xecm
            .find_workspace_by_business_object(&bo)
            .await
            .expect("find")
            .expect("workspace")
    }

    async fn shipping(&self, po: &str) -> Vec<Node> {
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

    async fn values(&self, node: i64, category: i64) -> NamedAttributes {
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

    async fn shipment_status(&self, po: &str) -> Option<String> {
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
    async fn partner_inbox(&self, partner: &str) -> Vec<Value> {
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

    async fn note_text(&self, note: i64) -> String {
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
    async fn call(&self, method: &str, path: &str, body: &str) -> (u16, Value) {
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

fn text(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

fn date(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Date(at)) => Some(at.date().to_string()),
        _ => None,
    }
}

async fn a_214_delay_is_filed_with_its_attributes_status_and_note_and_acknowledged(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 811),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(status["po_number"], PO, "{outcome}");
    let shipping = world.shipping(PO).await;
    let document = status["document_id"].as_i64().expect("filed");
    let filed = shipping
        .iter()
        .find(|n| n.id.get() == document)
        .unwrap_or_else(|| panic!("filed in Shipping: {shipping:?}"));
    assert!(
        filed
            .name
            .starts_with("214 SHP-77001 SD 2026-11-24 ACMESUPPLY"),
        "{}",
        filed.name
    );
    let values = world.values(document, 9600).await;
    assert_eq!(text(&values, "Partner").as_deref(), Some("ZZ:ACMESUPPLY"));
    assert_eq!(text(&values, "PO Number").as_deref(), Some(PO));
    assert_eq!(text(&values, "Shipment ID").as_deref(), Some("SHP-77001"));
    assert_eq!(text(&values, "Status Code").as_deref(), Some("SD"));
    assert_eq!(text(&values, "Reason").as_deref(), Some("AO"));
    assert_eq!(
        date(&values, "Expected Date").as_deref(),
        Some("2026-12-04")
    );
    let partner_document = world.values(document, 9400).await;
    assert_eq!(
        text(&partner_document, "Document Type").as_deref(),
        Some("214")
    );
    let expected = "SD shipment delayed (AO weather or natural disaster) on 2026-11-24 08:00; expected 2026-12-04; shipment SHP-77001; 214 from ZZ:ACMESUPPLY";
    assert_eq!(world.shipment_status(PO).await.as_deref(), Some(expected));
    let note = status["note_document_id"].as_i64().expect("note");
    assert!(
        shipping.iter().any(|n| n.id.get() == note),
        "the note is in Shipping"
    );
    let note = world.note_text(note).await;
    assert!(
        note.contains("purchase order 4500001234") && note.contains(expected),
        "{note}"
    );
    assert_eq!(outcome["ack"]["rejecting"], false, "{outcome}");
    assert!(
        world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "a 997 went back to ACME"
    );
}

async fn an_iftsta_is_filed_with_its_attributes_status_and_note_and_acknowledged(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let request = world.partner_sends("prt_nordfast", nordfast_iftsta()).await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(outcome["syntax"], "EDIFACT", "{outcome}");
    assert_eq!(status["po_number"], "4500001235", "{outcome}");
    let document = status["document_id"].as_i64().expect("filed");
    let values = world.values(document, 9600).await;
    assert_eq!(text(&values, "Shipment ID").as_deref(), Some("SHP-88002"));
    assert_eq!(
        text(&values, "Bill of Lading").as_deref(),
        Some("BOL-88002")
    );
    assert_eq!(text(&values, "Status Code").as_deref(), Some("6"));
    assert_eq!(text(&values, "Reason").as_deref(), Some("AS"));
    assert_eq!(date(&values, "Status Date").as_deref(), Some("2026-11-24"));
    assert_eq!(
        date(&values, "Expected Date").as_deref(),
        Some("2026-11-30")
    );
    let shown = world
        .shipment_status("4500001235")
        .await
        .expect("Shipment Status");
    assert!(
        shown.starts_with(
            "6 (AS hold due to customs documentation) on 2026-11-24 07:00; expected 2026-11-30"
        ),
        "{shown}"
    );
    let names: Vec<String> = world
        .shipping("4500001235")
        .await
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names.len(), 2, "the IFTSTA and its note: {names:?}");
    assert!(names.iter().any(|n| n.starts_with("Note")), "{names:?}");
    assert!(
        world
            .partner_inbox("prt_nordfast")
            .await
            .iter()
            .any(|d| d["doc_type"] == "CONTRL"),
        "a CONTRL went back to Nordic Fasteners"
    );
}

async fn a_free_text_message_with_an_attachment_is_filed_in_the_order(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let thread = world.shipment_thread().await;
    let request = world
        .partner_posts(
            &thread,
            "Shipment SHP-99003 is held at customs, see the attached notice. New ETA 2026-12-08.",
            r#"{"shipment_id":"SHP-99003","status_code":"SD","reason":"AS","expected_date":"2026-12-08"}"#,
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(outcome["po_number"], PO, "{outcome}");
    let shipping = world.shipping(PO).await;
    let attachment = outcome["attachments"][0]
        .as_i64()
        .expect("attachment filed");
    let attached = shipping
        .iter()
        .find(|n| n.id.get() == attachment)
        .expect("attachment in Shipping");
    assert!(
        attached.name.ends_with("customs-hold.txt"),
        "{}",
        attached.name
    );
    assert_eq!(
        world.note_text(attachment).await,
        "Customs hold notice: missing commercial invoice\n"
    );
    let message = outcome["document_id"].as_i64().expect("message filed");
    assert!(world.note_text(message).await.contains("held at customs"));
    let values = world.values(message, 9600).await;
    assert_eq!(text(&values, "Source").as_deref(), Some("message"));
    assert_eq!(text(&values, "Shipment ID").as_deref(), Some("SHP-99003"));
    assert_eq!(
        date(&values, "Expected Date").as_deref(),
        Some("2026-12-08")
    );
    let shown = world.shipment_status(PO).await.expect("Shipment Status");
    assert!(
        shown.starts_with("SD (AS hold due to customs documentation)")
            || shown.starts_with("SD shipment delayed"),
        "{shown}"
    );
    assert!(shown.contains("message from ZZ:ACMESUPPLY"), "{shown}");
    assert_eq!(shipping.len(), 3, "message, attachment, note: {shipping:?}");
    // The message taught its shipment id: a 214 naming only SHP-99003 finds the order.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-99003", "X1", 812),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(
        outcome["statuses"][0]["routed_by"], "shipment_reference",
        "{outcome}"
    );
}

async fn three_concurrent_deliveries_of_one_214_file_it_once(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let payload = x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 821);
    let request = world.partner_sends("prt_acme", payload.clone()).await;
    let (a, b, c) = tokio::join!(
        world.deliver(request.clone()),
        world.deliver(request.clone()),
        world.deliver(request.clone())
    );
    let duplicates = [&a, &b, &c]
        .iter()
        .filter(|r| r["duplicate"] == true)
        .count();
    assert_eq!(duplicates, 2, "one acceptance, two duplicates: {a} {b} {c}");
    // The same interchange again as a new TG document is the same business document.
    let again = world.partner_sends("prt_acme", payload).await;
    world.deliver(again).await;
    world
        .function
        .process_pending()
        .await
        .expect("schedule run");
    let names: Vec<String> = world
        .shipping(PO)
        .await
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names.len(), 2, "one 214 and one note: {names:?}");
    assert!(
        world
            .function
            .platform()
            .inbox
            .pending(10)
            .await
            .expect("pending")
            .is_empty(),
        "nothing left pending"
    );
}

async fn a_214_naming_only_a_shipment_id_goes_to_the_order_an_earlier_document_taught(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    // A status with no PO and an unknown shipment: nothing to route by.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-55005", "AF", 831),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert!(outcome["statuses"][0]["unmatched"].is_string(), "{outcome}");
    // The first status names the PO, and teaches SHP-55005.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-55005", "X3", 832),
        )
        .await;
    world.outcome_of(request).await;
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-55005", "SD", 833),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let status = &outcome["statuses"][0];
    assert_eq!(status["po_number"], PO, "{outcome}");
    assert_eq!(status["routed_by"], "shipment_reference");
    let values = world
        .values(status["document_id"].as_i64().expect("filed"), 9600)
        .await;
    assert_eq!(text(&values, "PO Number").as_deref(), Some(PO));
    // What ACME taught does not route another partner's status for the same shipment id.
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", None, "SHP-55005", "SD", 834),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert!(outcome["statuses"][0]["unmatched"].is_string(), "{outcome}");
}

async fn a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let request = world
        .partner_sends(
            "prt_globex",
            x12_214("GLOBEXLOG", Some(PO), "SHP-66006", "SD", 841),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let item_id = outcome["statuses"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {outcome}"))
        .to_owned();
    assert!(
        world.shipping(PO).await.is_empty(),
        "nothing filed in ACME's order"
    );
    assert_eq!(world.shipment_status(PO).await, None);
    let Reply::Http(list) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "GET".into(),
            path: "/shipment-delay/unmatched".into(),
            ..HttpRequest::default()
        }))
        .await
        .expect("list")
    else {
        panic!("http")
    };
    let list: Value = serde_json::from_slice(&list.body).expect("json");
    assert_eq!(list["items"][0]["item_id"], item_id.as_str(), "{list}");
    assert_eq!(
        list["items"][0]["details"]["reason"]["reason"],
        "partner_mismatch"
    );
    let Reply::Http(rejected) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "POST".into(),
            path: format!("/shipment-delay/unmatched/{item_id}/reject"),
            body: br#"{"comment":"Globex is not ACME's carrier"}"#.to_vec(),
            ..HttpRequest::default()
        }))
        .await
        .expect("reject")
    else {
        panic!("http")
    };
    assert_eq!(rejected.status, 200);
    let Reply::Http(inspected) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "GET".into(),
            path: format!("/shipment-delay/unmatched/{item_id}"),
            ..HttpRequest::default()
        }))
        .await
        .expect("inspect")
    else {
        panic!("http")
    };
    let inspected: Value = serde_json::from_slice(&inspected.body).expect("json");
    assert_eq!(inspected["status"], "rejected", "{inspected}");
    assert!(
        world
            .partner_inbox("prt_globex")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "the interchange itself is acknowledged"
    );
}

async fn a_malformed_214_gets_a_rejecting_ack_and_nothing_is_filed(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let broken = String::from_utf8(x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 851))
        .expect("utf8")
        .replace("SE*9*0001", "SE*99*0001");
    let request = world.partner_sends("prt_acme", broken.into_bytes()).await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(outcome["rejected"], true, "{outcome}");
    assert_eq!(outcome["ack"]["rejecting"], true, "{outcome}");
    assert!(world.shipping(PO).await.is_empty());
    assert_eq!(world.shipment_status(PO).await, None);
    assert!(
        world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997")
    );
}

async fn a_bad_signature_is_refused_and_nothing_is_kept(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let mut request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-77001", "SD", 861),
        )
        .await;
    request
        .headers
        .insert("tg-signature".into(), "v1=00".into());
    let error = world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect_err("refused");
    assert_eq!(error.kind.http_status(), 401);
    assert!(
        world
            .function
            .platform()
            .inbox
            .pending(10)
            .await
            .expect("pending")
            .is_empty()
    );
}

async fn an_operator_assigns_a_parked_214_and_its_shipment_id_is_taught(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-44004", "SD", 871),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    let item_id = outcome["statuses"][0]["unmatched"]
        .as_str()
        .unwrap_or_else(|| panic!("parked: {outcome}"))
        .to_owned();
    let path = format!("/shipment-delay/unmatched/{item_id}/assign");
    let (status, answer) = world.call("POST", &path, r#"{"po_number":""}"#).await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = world
        .call("POST", &path, &format!(r#"{{"po_number":"{PO}"}}"#))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "assigned", "{answer}");
    let filed = &answer["details"]["outcome"]["filed"][0];
    assert_eq!(filed["routed_by"], "operator", "{answer}");
    let document = filed["document_id"].as_i64().expect("filed");
    assert!(
        world
            .shipping(PO)
            .await
            .iter()
            .any(|n| n.id.get() == document)
    );
    let (status, _) = world
        .call("POST", &path, &format!(r#"{{"po_number":"{PO}"}}"#))
        .await;
    assert_eq!(status, 409, "an assigned item cannot be assigned again");
    // The assignment taught SHP-44004: ACME's next status for it finds the order itself.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", None, "SHP-44004", "X1", 872),
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert_eq!(
        outcome["statuses"][0]["routed_by"], "shipment_reference",
        "{outcome}"
    );
}

async fn the_retry_schedule_files_a_parked_message_once_its_shipment_is_known(
    blobs: BlobsUnderTest,
    ledger: LedgerUnderTest,
) {
    let world = world(blobs, ledger).await;
    let thread = world.thread_with(None).await;
    let request = world
        .partner_posts(
            &thread,
            "Shipment SHP-33003 missed the vessel; next sailing in a week.",
            r#"{"shipment_id":"SHP-33003","status_code":"SD","reason":"AJ"}"#,
        )
        .await;
    let outcome = world.outcome_of(request).await;
    assert!(outcome["unmatched"].is_string(), "{outcome}");
    assert!(world.shipping(PO).await.is_empty());
    let retried = world
        .function
        .handle(Invocation::Schedule(gridlink_lambda::ScheduleFiring {
            schedule: "shipment-delay-retry-unmatched".into(),
            scheduled_at: None,
        }))
        .await
        .expect("retry");
    let Reply::Scheduled(summary) = retried else {
        panic!("a schedule reply")
    };
    assert_eq!(summary["unmatched"]["still_unmatched"], 1, "{summary}");
    // ACME's 214 names the PO and SHP-33003; the next retry files the message.
    let request = world
        .partner_sends(
            "prt_acme",
            x12_214("ACMESUPPLY", Some(PO), "SHP-33003", "X3", 881),
        )
        .await;
    world.outcome_of(request).await;
    let Reply::Scheduled(summary) = world
        .function
        .handle(Invocation::Schedule(gridlink_lambda::ScheduleFiring {
            schedule: "shipment-delay-retry-unmatched".into(),
            scheduled_at: None,
        }))
        .await
        .expect("retry")
    else {
        panic!("a schedule reply")
    };
    assert_eq!(summary["unmatched"]["assigned"], 1, "{summary}");
    let names: Vec<String> = world
        .shipping(PO)
        .await
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("Partner message") && n.ends_with("customs-hold.txt")),
        "the message's attachment is filed: {names:?}"
    );
    assert!(
        world.call("GET", "/shipment-delay/unmatched", "").await.1["items"]
            .as_array()
            .expect("items")
            .is_empty()
    );
}

macro_rules! on_both_stacks {
    ($($case:ident),* $(,)?) => {
        mod embedded { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::fs_blobs().await, super::sqlite_ledger().await).await } )* }
        mod aws { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $case() { super::$case(super::s3_blobs().await, super::dynamo_ledger().await).await } )* }
    };
}

on_both_stacks!(
    a_214_delay_is_filed_with_its_attributes_status_and_note_and_acknowledged,
    an_iftsta_is_filed_with_its_attributes_status_and_note_and_acknowledged,
    a_free_text_message_with_an_attachment_is_filed_in_the_order,
    three_concurrent_deliveries_of_one_214_file_it_once,
    a_214_naming_only_a_shipment_id_goes_to_the_order_an_earlier_document_taught,
    a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed,
    a_malformed_214_gets_a_rejecting_ack_and_nothing_is_filed,
    a_bad_signature_is_refused_and_nothing_is_kept,
    an_operator_assigns_a_parked_214_and_its_shipment_id_is_taught,
    the_retry_schedule_files_a_parked_message_once_its_shipment_is_known,
);
