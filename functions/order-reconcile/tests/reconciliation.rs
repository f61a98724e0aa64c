//! Reconciliation end to end against the xECM and Trading Grid simulators, on embedded
//! storage and on S3 + DynamoDB (moto): ACME sends acknowledgments, ship notices and invoices
//! for PO 4500001234 (5000 × M-STEEL-BOLT-12 at 0.12 and 5000 × M-STEEL-NUT-12 at 0.08, EUR,
//! as the demo seed orders it) in X12 and EDIFACT, through signed `document.received`
//! webhooks; each is filed, the order re-reconciled, the report filed in `Reconciliation` and
//! `Match Status` written. Everything is read back through the xECM client.

use futures::TryStreamExt;
use gridlink_edi::{
    AckLine, AckStatusCode, BusinessDocument, EdiDate, Invoice, InvoiceLine, LineStatus,
    OrderAcknowledgment, Pack, ProductId, ProductIdKind, Purpose, Quantity, ShipNotice,
    ShippedItem, ShippedOrder,
};
use gridlink_flow::Function;
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::{Stack, StackOptions, Storage};
use gridlink_xecm::{
    AttributeValue, BusinessObject, CategoryId, Node, NodeId, Workspaces, XecmClient,
};
use order_reconcile::{OrderReconcile, OrderReconcileConfig};
use rust_decimal::Decimal;
use serde_json::Value;

const PO: &str = "4500001234";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Syntax {
    X12,
    Edifact,
}

struct World {
    function: Function<OrderReconcile>,
    xecm: XecmClient,
    tg_url: url::Url,
    http: reqwest::Client,
    control: std::sync::atomic::AtomicU32,
    _stack: Stack,
}

fn seed(path: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}/../../local/{path}", env!("CARGO_MANIFEST_DIR")))
}

/// A stack whose demo partnership with ACME (X12 only) also carries EDIFACT.
async fn stack_on(storage: Storage) -> Stack {
    let mut tg_seed: Value =
        serde_json::from_slice(&std::fs::read(seed("tgrid-sim/seeds/demo.json")).expect("tg seed"))
            .expect("tg seed json");
    for partner in tg_seed["partners"].as_array_mut().expect("partners") {
        if partner["partner_id"] == "prt_acme" {
            let receive = partner["partnerships"][0]["receive"]
                .as_array_mut()
                .expect("receive");
            for kind in ["ORDRSP", "DESADV", "INVOIC", "CONTRL"] {
                receive.push(Value::from(kind));
            }
            let send = partner["partnerships"][0]["send"]
                .as_array_mut()
                .expect("send");
            send.push(Value::from("CONTRL"));
        }
    }
    Stack::start_with(
        storage,
        StackOptions {
            tg_seed: Some(serde_json::from_value(tg_seed).expect("tg seed")),
            config: vec![(
                "PRICE_TOLERANCES".into(),
                r#"{"ZZ:ACMESUPPLY": {"percent": "2", "absolute": "0.01"}}"#.into(),
            )],
            ..StackOptions::default()
        },
    )
    .await
}

/// order-reconcile on `stack`, built through the production configuration path.
fn world(stack: Stack) -> World {
    World {
        function: OrderReconcile::function(
            stack.platform(order_reconcile::NAME),
            OrderReconcileConfig::from_source(stack.config()).expect("config"),
        ),
        xecm: stack.xecm.clone(),
        tg_url: stack.tg_sim.base_url.clone(),
        http: reqwest::Client::new(),
        control: std::sync::atomic::AtomicU32::new(9000),
        _stack: stack,
    }
}

fn signed(body: &[u8]) -> HttpRequest {
    gridlink_tests::stack::tg_webhook_now(order_reconcile::NAME, body)
}

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn q(value: &str) -> Quantity {
    Quantity {
        value: d(value),
        unit: "EA".to_owned(),
    }
}

fn product(material: &str) -> Vec<ProductId> {
    vec![ProductId {
        kind: ProductIdKind::BuyerItem,
        value: material.to_owned(),
    }]
}

fn material(line: &str) -> &'static str {
    if line == "10" {
        "M-STEEL-BOLT-12"
    } else {
        "M-STEEL-NUT-12"
    }
}

/// ACME accepts both lines as ordered.
fn acknowledgment() -> BusinessDocument {
    let line = |number: &str, price: &str| AckLine {
        line_number: number.to_owned(),
        ordered_quantity: Some(q("5000")),
        unit_price: Some(d(price)),
        product_ids: product(material(number)),
        status: LineStatus::Accepted,
        status_quantity: Some(q("5000")),
        scheduled_date: EdiDate::from_ymd(2026, 11, 20),
        scheduled_date_kind: Some(gridlink_edi::DateKind::Shipment),
    };
    BusinessDocument::OrderAcknowledgment(OrderAcknowledgment {
        purpose: Purpose::Original,
        status: AckStatusCode::AcceptedNoChange,
        po_number: PO.to_owned(),
        po_date: EdiDate::from_ymd(2026, 11, 2),
        ack_date: EdiDate::from_ymd(2026, 11, 24),
        seller_order_number: Some("SO-90412".to_owned()),
        parties: Vec::new(),
        lines: vec![line("10", "0.12"), line("20", "0.08")],
    })
}

/// A ship notice `id` with `(line, quantity)` items.
fn ship_notice(id: &str, items: &[(&str, &str)]) -> BusinessDocument {
    BusinessDocument::ShipNotice(ShipNotice {
        purpose: Purpose::Original,
        shipment_id: id.to_owned(),
        ship_date: EdiDate::from_ymd(2026, 11, 18),
        estimated_delivery: EdiDate::from_ymd(2026, 11, 20),
        carrier_scac: Some("ACMF".to_owned()),
        bill_of_lading: Some(format!("BOL-{id}")),
        pro_number: None,
        parties: Vec::new(),
        orders: vec![ShippedOrder {
            po_number: PO.to_owned(),
            po_date: EdiDate::from_ymd(2026, 11, 2),
            packs: vec![Pack {
                sscc: None,
                items: items
                    .iter()
                    .map(|(line, quantity)| ShippedItem {
                        line_number: Some((*line).to_owned()),
                        product_ids: product(material(line)),
                        quantity: q(quantity),
                    })
                    .collect(),
            }],
        }],
    })
}

/// An invoice `number` with `(line, quantity, unit price)` lines, in EUR, totals right.
fn invoice(number: &str, lines: &[(&str, &str, &str)]) -> BusinessDocument {
    let lines: Vec<InvoiceLine> = lines
        .iter()
        .map(|(line, quantity, price)| InvoiceLine {
            line_number: (*line).to_owned(),
            quantity: q(quantity),
            unit_price: d(price),
            product_ids: product(material(line)),
            description: None,
        })
        .collect();
    let total_amount = lines.iter().map(|l| l.quantity.value * l.unit_price).sum();
    BusinessDocument::Invoice(Invoice {
        invoice_number: number.to_owned(),
        invoice_date: EdiDate::from_ymd(2026, 11, 21),
        po_number: Some(PO.to_owned()),
        po_date: EdiDate::from_ymd(2026, 11, 2),
        currency: Some("EUR".to_owned()),
        parties: Vec::new(),
        lines,
        total_amount,
        tax_amount: None,
        charges: Vec::new(),
    })
}

fn full_shipment() -> BusinessDocument {
    ship_notice("SHP-1", &[("10", "5000"), ("20", "5000")])
}

fn invoice_as_ordered() -> BusinessDocument {
    invoice("INV-1", &[("10", "5000", "0.12"), ("20", "5000", "0.08")])
}

impl World {
    fn interchange(&self, document: &BusinessDocument, syntax: Syntax) -> Vec<u8> {
        let mut params = gridlink_edi::sample::envelope("ACMESUPPLY", "BUYERCO");
        let control = self
            .control
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        params.interchange_control_number = control;
        params.group_control_number = control;
        match syntax {
            Syntax::X12 => gridlink_edi::write_x12(document, &params),
            Syntax::Edifact => gridlink_edi::write_edifact(document, &params),
        }
        .expect("written")
    }

    /// ACME puts `payload` into the tenant's inbox; the signed webhook of the event.
    async fn acme_sends(&self, payload: Vec<u8>) -> HttpRequest {
        let url = self
            .tg_url
            .join("__sim/partners/prt_acme/documents")
            .expect("url");
        let response = self
            .http
            .post(url)
            .body(payload)
            .send()
            .await
            .expect("send");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert!(status.is_success(), "partner send: {status} {body}");
        let document_id = body["document_id"].as_str().expect("document id");
        let events = self
            .function
            .platform()
            .tg
            .events_after(None, Some(500))
            .await
            .expect("events")
            .items;
        let event = events
            .iter()
            .find(|e| {
                e.event_type.as_str() == "document.received"
                    && e.document()
                        .is_some_and(|d| d.document_id.as_str() == document_id)
            })
            .expect("document.received emitted");
        signed(&serde_json::to_vec(event).expect("event json"))
    }

    /// Delivers the webhook; the function's recorded outcome of the first document.
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
        let answer: Value = serde_json::from_slice(&response.body).expect("json");
        let item = self
            .function
            .platform()
            .inbox
            .get("tg", answer["accepted"].as_str().expect("event id"))
            .await
            .expect("inbox")
            .expect("item");
        assert_eq!(item.status(), "done", "{}", item.record.data);
        item.record.data["outcome"]["documents"][0].clone()
    }

    /// Delivers the webhook; the recorded outcome of every document in it.
    async fn deliver_all(&self, request: HttpRequest) -> Vec<Value> {
        let Reply::Http(response) = self
            .function
            .handle(Invocation::Http(request))
            .await
            .expect("webhook answered")
        else {
            panic!("an HTTP reply");
        };
        assert_eq!(response.status, 202);
        let answer: Value = serde_json::from_slice(&response.body).expect("json");
        let item = self
            .function
            .platform()
            .inbox
            .get("tg", answer["accepted"].as_str().expect("event id"))
            .await
            .expect("inbox")
            .expect("item");
        assert_eq!(item.status(), "done", "{}", item.record.data);
        item.record.data["outcome"]["documents"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The documents in `folder` of order `po`'s workspace.
    async fn documents_of(&self, po: &str, folder: &str) -> Vec<Node> {
        let bo = BusinessObject::new("SAP_ERP", "BUS2012", po).expect("bo");
        let workspace = self
            .xecm
            .find_workspace_by_business_object(&bo)
            .await
            .expect("find")
            .expect("workspace");
        let Some(folder) = self
            .xecm
            .list_children(workspace.id)
            .await
            .expect("children")
            .into_iter()
            .find(|n| n.name == folder)
        else {
            return Vec::new();
        };
        self.xecm
            .list_children(folder.id)
            .await
            .expect("folder children")
    }

    async fn send(&self, document: &BusinessDocument, syntax: Syntax) -> Value {
        let request = self.acme_sends(self.interchange(document, syntax)).await;
        self.deliver(request).await
    }

    async fn workspace(&self) -> Node {
        let bo = BusinessObject::new("SAP_ERP", "BUS2012", PO).expect("bo");
        self.xecm
            .find_workspace_by_business_object(&bo)
            .await
            .expect("find")
            .expect("workspace")
    }

    async fn documents_in(&self, folder: &str) -> Vec<Node> {
        let workspace = self.workspace().await;
        let Some(folder) = self
            .xecm
            .list_children(workspace.id)
            .await
            .expect("children")
            .into_iter()
            .find(|n| n.name == folder)
        else {
            return Vec::new();
        };
        self.xecm
            .list_children(folder.id)
            .await
            .expect("folder children")
    }

    async fn match_status(&self) -> Option<String> {
        let workspace = self.workspace().await;
        let values = self
            .xecm
            .read_attributes(workspace.id, CategoryId::new(9100).expect("id"))
            .await
            .expect("order attributes");
        match values.get("Match Status") {
            Some(AttributeValue::Text(text)) => Some(text.clone()),
            _ => None,
        }
    }

    async fn download(&self, document: i64) -> Vec<u8> {
        let download = self
            .xecm
            .download_document(NodeId::new(document).expect("id"))
            .await
            .expect("download");
        download
            .body
            .try_fold(Vec::new(), |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            })
            .await
            .expect("content")
    }

    /// The JSON report as filed in xECM, and its document node.
    async fn json_report(&self) -> (Value, Node) {
        let documents = self.documents_in("Reconciliation").await;
        let node = documents
            .iter()
            .find(|n| n.name == format!("Reconciliation {PO}.json"))
            .unwrap_or_else(|| panic!("JSON report in Reconciliation: {documents:?}"))
            .clone();
        let report = serde_json::from_slice(&self.download(node.id.get()).await).expect("json");
        (report, node)
    }

    async fn html_report(&self) -> String {
        let documents = self.documents_in("Reconciliation").await;
        let node = documents
            .iter()
            .find(|n| n.name == format!("Reconciliation {PO}.html"))
            .unwrap_or_else(|| panic!("HTML report in Reconciliation: {documents:?}"));
        String::from_utf8(self.download(node.id.get()).await).expect("utf8")
    }

    async fn versions(&self, node: &Node) -> usize {
        self.xecm.versions(node.id).await.expect("versions").len()
    }
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn every_kind_is_filed_and_the_order_reconciled(world: &World, syntax: Syntax) {
    let ack = world.send(&acknowledgment(), syntax).await;
    assert_eq!(ack["match_status"], "waiting_for_documents", "{ack}");
    let notice = world.send(&full_shipment(), syntax).await;
    assert_eq!(notice["match_status"], "waiting_for_documents", "{notice}");
    let billed = world.send(&invoice_as_ordered(), syntax).await;
    assert_eq!(billed["match_status"], "matched", "{billed}");
    for (folder, filed) in [
        ("Confirmations", &ack),
        ("Delivery Notes", &notice),
        ("Invoices", &billed),
    ] {
        let documents = world.documents_in(folder).await;
        assert!(
            documents
                .iter()
                .any(|n| Some(n.id.get()) == filed["document_id"].as_i64()),
            "{syntax:?}: {folder} holds {documents:?}, not {filed}"
        );
    }
    assert_eq!(world.match_status().await.as_deref(), Some("matched"));
    let (report, node) = world.json_report().await;
    assert_eq!(report["status"], "matched", "{report}");
    assert_eq!(report["documents"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        Some(node.id.get()),
        billed["reconciliation"]["json_document_id"].as_i64()
    );
    let html = world.html_report().await;
    assert!(html.contains("id=\"match-status\">matched<"), "{html}");
}

async fn x12_acknowledgment_ship_notice_and_invoice_are_filed_and_the_order_matched(stack: Stack) {
    let world = world(stack);
    every_kind_is_filed_and_the_order_reconciled(&world, Syntax::X12).await;
}

async fn edifact_ordrsp_desadv_and_invoic_are_filed_and_the_order_matched(stack: Stack) {
    let world = world(stack);
    every_kind_is_filed_and_the_order_reconciled(&world, Syntax::Edifact).await;
}

async fn an_invoice_before_the_ship_notice_waits_and_is_reconciled_when_the_ship_notice_arrives(
    stack: Stack,
) {
    let world = world(stack);
    world.send(&acknowledgment(), Syntax::X12).await;
    let billed = world.send(&invoice_as_ordered(), Syntax::Edifact).await;
    assert_eq!(billed["match_status"], "waiting_for_documents", "{billed}");
    assert_eq!(
        world.match_status().await.as_deref(),
        Some("waiting_for_documents")
    );
    let (report, node) = world.json_report().await;
    assert_eq!(codes(&report), vec!["awaiting_ship_notice"], "{report}");
    let versions_before = world.versions(&node).await;

    let notice = world.send(&full_shipment(), Syntax::X12).await;
    assert_eq!(notice["match_status"], "matched", "{notice}");
    assert_eq!(notice["reconciliation"]["new_version"], true, "{notice}");
    assert_eq!(world.match_status().await.as_deref(), Some("matched"));
    let (report, node) = world.json_report().await;
    assert_eq!(report["status"], "matched", "{report}");
    assert_eq!(world.versions(&node).await, versions_before + 1);
}

async fn an_invoice_price_outside_the_tolerance_is_an_exception_in_the_json_and_html_reports(
    stack: Stack,
) {
    let world = world(stack);
    world.send(&acknowledgment(), Syntax::X12).await;
    world.send(&full_shipment(), Syntax::X12).await;
    let billed = world
        .send(
            &invoice(
                "INV-7<b&",
                &[("10", "5000", "0.12"), ("20", "5000", "0.10")],
            ),
            Syntax::X12,
        )
        .await;
    assert_eq!(billed["match_status"], "exceptions", "{billed}");
    assert_eq!(world.match_status().await.as_deref(), Some("exceptions"));
    let (report, _) = world.json_report().await;
    assert_eq!(report["status"], "exceptions");
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "price_outside_tolerance", "{report}");
    assert_eq!(finding["line"], "20");
    assert_eq!(finding["document"], "INV-7<b&");
    assert_eq!(report["lines"][1]["status"], "exceptions");
    assert_eq!(report["lines"][0]["status"], "matched");
    let html = world.html_report().await;
    assert!(html.contains("id=\"match-status\">exceptions<"), "{html}");
    assert!(
        html.contains("<td>exception</td><td>price_outside_tolerance</td><td>20</td>"),
        "the finding's row, not only the legend: {html}"
    );
    assert!(
        html.contains("INV-7&lt;b&amp;"),
        "the invoice number is escaped: {html}"
    );
    assert!(!html.contains("INV-7<b&"), "{html}");
}

async fn a_split_shipment_is_summed_per_line(stack: Stack) {
    let world = world(stack);
    world.send(&acknowledgment(), Syntax::X12).await;
    let first = world
        .send(
            &ship_notice("SHP-A", &[("10", "3000"), ("20", "5000")]),
            Syntax::X12,
        )
        .await;
    assert_eq!(first["match_status"], "waiting_for_documents", "{first}");
    world
        .send(&ship_notice("SHP-B", &[("10", "2000")]), Syntax::Edifact)
        .await;
    let billed = world.send(&invoice_as_ordered(), Syntax::X12).await;
    assert_eq!(billed["match_status"], "matched", "{billed}");
    let (report, _) = world.json_report().await;
    let line = &report["lines"][0];
    assert_eq!(line["shipped"]["quantity"], "5000", "{report}");
    assert_eq!(line["shipped"]["shipments"][0]["shipment_id"], "SHP-A");
    assert_eq!(line["shipped"]["shipments"][0]["quantity"], "3000");
    assert_eq!(line["shipped"]["shipments"][1]["shipment_id"], "SHP-B");
    assert_eq!(world.documents_in("Delivery Notes").await.len(), 2);
}

async fn a_duplicate_delivery_files_no_second_report_version(stack: Stack) {
    let world = world(stack);
    world.send(&acknowledgment(), Syntax::X12).await;
    world.send(&full_shipment(), Syntax::X12).await;
    let payload = world.interchange(&invoice_as_ordered(), Syntax::X12);
    let request = world.acme_sends(payload.clone()).await;
    let billed = world.deliver(request.clone()).await;
    assert_eq!(billed["match_status"], "matched");
    let (_, node) = world.json_report().await;
    let versions = world.versions(&node).await;

    // The same webhook again, and the same interchange again as a new TG document.
    let Reply::Http(again) = world
        .function
        .handle(Invocation::Http(request))
        .await
        .expect("answered")
    else {
        panic!("http")
    };
    let again: Value = serde_json::from_slice(&again.body).expect("json");
    assert_eq!(again["duplicate"], true, "{again}");
    let resent = world.deliver(world.acme_sends(payload).await).await;
    assert_eq!(resent["match_status"], "matched", "{resent}");
    assert_eq!(resent["reconciliation"]["new_version"], false, "{resent}");

    let (report, node) = world.json_report().await;
    assert_eq!(
        world.versions(&node).await,
        versions,
        "no new report version"
    );
    assert_eq!(report["documents"].as_array().map(Vec::len), Some(3));
    assert_eq!(world.documents_in("Invoices").await.len(), 1);
    assert_eq!(world.documents_in("Reconciliation").await.len(), 2);
}

fn demo_fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/demo/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("demo fixture")
}

/// The documents the local demo sends (855, 856, then an 810 billing line 20 at 0.10).
async fn the_demo_documents_leave_the_order_with_a_price_exception(stack: Stack) {
    let world = world(stack);
    let mut last = Value::Null;
    for name in [
        "855_4500001234.x12",
        "856_4500001234.x12",
        "810_4500001234.x12",
    ] {
        last = world
            .deliver(world.acme_sends(demo_fixture(name)).await)
            .await;
        assert!(last["document_id"].is_i64(), "{name} filed: {last}");
    }
    assert_eq!(last["match_status"], "exceptions", "{last}");
    let (report, _) = world.json_report().await;
    assert_eq!(codes(&report), vec!["price_outside_tolerance"], "{report}");
    assert_eq!(report["findings"][0]["document"], "INV-2026-0815");
    assert_eq!(report["lines"][0]["status"], "matched");
    assert_eq!(report["lines"][1]["shipped"]["quantity"], "5000");
}

async fn a_ship_notice_teaches_its_shipment_references_for_the_order_to_its_sender_only(
    stack: Stack,
) {
    use gridlink_inbound::shipments::{ShipmentRefs, lookup};
    let world = world(stack);
    world
        .send(&ship_notice("SHP-T1", &[("10", "5000")]), Syntax::X12)
        .await;
    let platform = world.function.platform();
    let acme = gridlink_tgrid::PartyId::new("ZZ", "ACMESUPPLY");
    let by_id = ShipmentRefs {
        shipment_id: Some("SHP-T1".to_owned()),
        bill_of_lading: None,
        pro_number: None,
    };
    let by_bol = ShipmentRefs {
        shipment_id: None,
        bill_of_lading: Some("BOL-SHP-T1".to_owned()),
        pro_number: None,
    };
    assert_eq!(
        lookup(platform, &acme, &by_id).await.expect("lookup"),
        Some(PO.to_owned())
    );
    assert_eq!(
        lookup(platform, &acme, &by_bol).await.expect("lookup"),
        Some(PO.to_owned())
    );
    let globex = gridlink_tgrid::PartyId::new("ZZ", "GLOBEXLOG");
    assert_eq!(
        lookup(platform, &globex, &by_id).await.expect("lookup"),
        None
    );
}

/// `ship_notice(id, items)` shipping the same items for each of `orders`.
fn multi_order_notice(id: &str, items: &[(&str, &str)], orders: &[&str]) -> BusinessDocument {
    let BusinessDocument::ShipNotice(mut notice) = ship_notice(id, items) else {
        unreachable!("ship_notice builds a ship notice")
    };
    let part = notice.orders[0].clone();
    notice.orders = orders
        .iter()
        .map(|po| ShippedOrder {
            po_number: (*po).to_owned(),
            ..part.clone()
        })
        .collect();
    BusinessDocument::ShipNotice(notice)
}

async fn a_ship_notice_for_several_orders_is_filed_and_reconciled_for_each_order_of_its_sender(
    stack: Stack,
) {
    let world = world(stack);
    // ACME ships for its orders 4500001234 and 4500001237, and names Nordic's 4500001235.
    let notice = multi_order_notice(
        "SHP-M1",
        &[("10", "2500")],
        &[PO, "4500001237", "4500001235"],
    );
    let request = world
        .acme_sends(world.interchange(&notice, Syntax::X12))
        .await;
    let parts = world.deliver_all(request).await;
    assert_eq!(parts.len(), 3, "one part per order: {parts:?}");
    for (part, po) in parts.iter().zip([PO, "4500001237"]) {
        assert_eq!(part["po_number"], po, "{part}");
        assert!(part["document_id"].is_i64(), "filed: {part}");
        assert!(
            part["identity"]
                .as_str()
                .is_some_and(|i| i.ends_with(&format!("|{po}"))),
            "{part}"
        );
        assert_eq!(
            world.documents_of(po, "Delivery Notes").await.len(),
            1,
            "{po}"
        );
    }
    assert!(parts[2]["unmatched"].is_string(), "parked: {}", parts[2]);
    assert!(
        world
            .documents_of("4500001235", "Delivery Notes")
            .await
            .is_empty(),
        "nothing filed into another supplier's order"
    );
    // PO 4500001234 counts only its own part: line 10 shipped 2500 of 5000.
    let (report, _) = world.json_report().await;
    let line = &report["lines"][0];
    assert_eq!(line["shipped"]["quantity"], "2500", "{report}");
    assert_eq!(line["shipped"]["shipments"][0]["shipment_id"], "SHP-M1");
}

gridlink_tests::on_both_stacks!(with stack_on;
    a_ship_notice_for_several_orders_is_filed_and_reconciled_for_each_order_of_its_sender,
    a_ship_notice_teaches_its_shipment_references_for_the_order_to_its_sender_only,
    x12_acknowledgment_ship_notice_and_invoice_are_filed_and_the_order_matched,
    edifact_ordrsp_desadv_and_invoic_are_filed_and_the_order_matched,
    an_invoice_before_the_ship_notice_waits_and_is_reconciled_when_the_ship_notice_arrives,
    an_invoice_price_outside_the_tolerance_is_an_exception_in_the_json_and_html_reports,
    a_split_shipment_is_summed_per_line,
    a_duplicate_delivery_files_no_second_report_version,
    the_demo_documents_leave_the_order_with_a_price_exception,
);
