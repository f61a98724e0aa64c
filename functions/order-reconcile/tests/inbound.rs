//! order-reconcile end to end against the xECM and Trading Grid simulators, on embedded
//! storage and on S3 + DynamoDB (moto): a partner sends EDI into the tenant's TG inbox, the
//! signed `document.received` webhook reaches the function, and the document is filed in the
//! purchase-order workspace (or parked, or rejected) and acknowledged through TG.

mod common;

use common::acme_810;
use gridlink_flow::Function;
use gridlink_lambda::{Handler, HttpRequest, Invocation, Reply};
use gridlink_tests::stack::Stack;
use gridlink_xecm::{BusinessObject, Node, NodeId};
use order_reconcile::{OrderReconcile, OrderReconcileConfig};
use serde_json::Value;

struct World {
    function: Function<OrderReconcile>,
    tg_url: url::Url,
    http: reqwest::Client,
    _stack: Stack,
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../shared/edi/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// order-reconcile on `stack`, built through the production configuration path (the demo
/// xECM seed: Acme's `Trading Partner ID` is its TG EDI address `ZZ:ACMESUPPLY`).
fn world(stack: Stack) -> World {
    World {
        function: OrderReconcile::function(
            stack.platform(order_reconcile::NAME),
            OrderReconcileConfig::from_source(stack.config()).expect("config"),
        ),
        tg_url: stack.tg_sim.base_url.clone(),
        http: reqwest::Client::new(),
        _stack: stack,
    }
}

impl World {
    /// The partner puts `payload` into the tenant's inbox; returns the signed webhook request
    /// for the `document.received` event TG emitted.
    async fn partner_sends(&self, partner: &str, payload: Vec<u8>) -> HttpRequest {
        let before = self
            .function
            .platform()
            .tg
            .events_after(None, Some(500))
            .await
            .expect("events")
            .items
            .len();
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
        let events = self
            .function
            .platform()
            .tg
            .events_after(None, Some(500))
            .await
            .expect("events")
            .items;
        let event = events[before..]
            .iter()
            .find(|e| e.event_type.as_str() == "document.received")
            .expect("document.received emitted");
        signed(&serde_json::to_vec(event).expect("event json"))
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

    async fn outcome(&self, event_id: &str) -> Value {
        let item = self
            .function
            .platform()
            .inbox
            .get("tg", event_id)
            .await
            .expect("inbox")
            .expect("item");
        item.record.data.clone()
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

    async fn documents_in(&self, workspace: NodeId, folder: &str) -> Vec<Node> {
        let xecm = &self.function.platform().xecm;
        let Some(folder) = xecm
            .list_children(workspace)
            .await
            .expect("children")
            .into_iter()
            .find(|n| n.name == folder)
        else {
            return Vec::new();
        };
        xecm.list_children(folder.id)
            .await
            .expect("folder children")
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
}

fn signed(body: &[u8]) -> HttpRequest {
    gridlink_tests::stack::tg_webhook_now(order_reconcile::NAME, body)
}

fn order_ack_855(po: &str) -> Vec<u8> {
    String::from_utf8(fixture("x12/855_order_ack.x12"))
        .expect("utf8")
        .replace("PO-2024-0042", po)
        .into_bytes()
}

async fn an_order_acknowledgment_is_filed_in_its_order_workspace_and_acknowledged(stack: Stack) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", order_ack_855("4500001234"))
        .await;
    let answer = world.deliver(request).await;
    let event_id = answer["accepted"].as_str().expect("event id").to_owned();
    let record = world.outcome(&event_id).await;
    assert_eq!(
        record["outcome"]["documents"][0]["po_number"], "4500001234",
        "{record}"
    );
    let workspace = world.workspace("4500001234").await;
    let filed = world.documents_in(workspace.id, "Confirmations").await;
    assert_eq!(filed.len(), 1, "one document in Confirmations: {filed:?}");
    assert!(
        filed[0].name.starts_with("855 4500001234 ACMESUPPLY"),
        "{}",
        filed[0].name
    );
    let acks = world.partner_inbox("prt_acme").await;
    assert!(
        acks.iter().any(|d| d["doc_type"] == "997"),
        "a 997 went back to the partner: {acks:?}"
    );
    assert_eq!(record["outcome"]["ack"]["rejecting"], false);
}

/// Two different invoices whose file names come out the same (`/` and `:` both become `-`)
/// are both filed: the second under a distinct name, each found again by its own identity —
/// never one taken for the other (issue 20, defect 1).
async fn two_invoices_whose_names_collide_are_both_filed(stack: Stack) {
    let world = world(stack);
    let mut documents = Vec::new();
    for (number, control) in [("INV/COL-1", 4801), ("INV:COL-1", 4802)] {
        let answer = world
            .deliver(
                world
                    .partner_sends("prt_acme", acme_810(number, control))
                    .await,
            )
            .await;
        let event_id = answer["accepted"].as_str().expect("event id").to_owned();
        let record = world.outcome(&event_id).await;
        documents.push(
            record["outcome"]["documents"][0]["document_id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{number} filed: {record}")),
        );
    }
    assert_ne!(documents[0], documents[1], "two invoices, two documents");
    let workspace = world.workspace("4500001234").await;
    let filed = world.documents_in(workspace.id, "Invoices").await;
    assert_eq!(filed.len(), 2, "{filed:?}");
    assert_ne!(filed[0].name, filed[1].name, "{filed:?}");
    for node in &filed {
        assert!(
            node.description.contains("[gridlink gl-"),
            "each carries its identity: {node:?}"
        );
    }
}

/// ACME's 855 for PO 4500001234 as the seed orders it (lines 10 and 20, 5000 each), with
/// `line_20` confirmed on line 20 and `control` as interchange control number.
fn acme_855(line_20: u32, control: u32) -> Vec<u8> {
    format!(
        "ISA*00*          *00*          *ZZ*ACMESUPPLY     *ZZ*BUYERCO        *261124*0915*U*00401*{control:09}*0*P*>~\n\
GS*PR*ACMESUPPLY*BUYERCO*20261124*0915*{control}*X*004010~\n\
ST*855*0001~\n\
BAK*00*AC*4500001234*20261102****SO-90412*20261124~\n\
PO1*10*5000*EA*0.12**BP*M-STEEL-BOLT-12~\n\
ACK*IA*5000*EA*068*20261120~\n\
PO1*20*5000*EA*0.08**BP*M-STEEL-NUT-12~\n\
ACK*IA*{line_20}*EA*068*20261120~\n\
CTT*2~\n\
SE*8*0001~\n\
GE*1*{control}~\n\
IEA*1*{control:09}~\n"
    )
    .into_bytes()
}

async fn match_status(world: &World) -> Option<String> {
    let workspace = world.workspace("4500001234").await;
    let values = world
        .function
        .platform()
        .xecm
        .read_attributes(
            workspace.id,
            gridlink_xecm::CategoryId::new(9100).expect("id"),
        )
        .await
        .expect("order attributes");
    match values.get("Match Status") {
        Some(gridlink_xecm::AttributeValue::Text(text)) => Some(text.clone()),
        _ => None,
    }
}

async fn an_order_acknowledgment_is_reconciled_against_the_order_lines(stack: Stack) {
    let world = world(stack);
    let request = world.partner_sends("prt_acme", acme_855(5000, 4711)).await;
    let answer = world.deliver(request).await;
    let record = world
        .outcome(answer["accepted"].as_str().expect("id"))
        .await;
    // Acknowledged as ordered; the ship notice and the invoice are still to come.
    assert_eq!(
        record["outcome"]["documents"][0]["match_status"], "waiting_for_documents",
        "{record}"
    );
    assert_eq!(
        match_status(&world).await.as_deref(),
        Some("waiting_for_documents")
    );
    // A revision confirming less on line 20 becomes a new version and a discrepancy.
    let request = world.partner_sends("prt_acme", acme_855(4000, 4712)).await;
    let answer = world.deliver(request).await;
    let record = world
        .outcome(answer["accepted"].as_str().expect("id"))
        .await;
    let expected = "exceptions";
    assert_eq!(
        record["outcome"]["documents"][0]["match_status"], expected,
        "{record}"
    );
    assert_eq!(record["outcome"]["documents"][0]["new_version"], true);
    assert_eq!(match_status(&world).await.as_deref(), Some(expected));
}

async fn three_concurrent_deliveries_of_one_document_file_it_once(stack: Stack) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", order_ack_855("4500001234"))
        .await;
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
    // The same interchange sent again as a new TG document is the same business document.
    let again = world
        .partner_sends("prt_acme", order_ack_855("4500001234"))
        .await;
    world.deliver(again).await;
    world
        .function
        .process_pending()
        .await
        .expect("schedule run");
    let workspace = world.workspace("4500001234").await;
    assert_eq!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .len(),
        1
    );
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

async fn a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed(stack: Stack) {
    let world = world(stack);
    let ordrsp = String::from_utf8(fixture("edifact/ordrsp_order_ack.edi"))
        .expect("utf8")
        .replace(
            "ACMESUPPLY:ZZZ+BUYERCO:ZZZ",
            "5012345000017:14+4012345000009:14",
        )
        .replace("PO-2024-0042", "4500001234");
    let request = world
        .partner_sends("prt_initech", ordrsp.into_bytes())
        .await;
    let answer = world.deliver(request).await;
    let record = world
        .outcome(answer["accepted"].as_str().expect("id"))
        .await;
    assert!(
        record["outcome"]["documents"][0]["unmatched"].is_string(),
        "{record}"
    );
    let workspace = world.workspace("4500001234").await;
    assert!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .is_empty(),
        "nothing filed in Acme's order"
    );
    let Reply::Http(list) = world
        .function
        .handle(Invocation::Http(HttpRequest {
            method: "GET".into(),
            path: "/order-reconcile/unmatched".into(),
            ..HttpRequest::default()
        }))
        .await
        .expect("list")
    else {
        panic!("http")
    };
    let list: Value = serde_json::from_slice(&list.body).expect("json");
    assert_eq!(
        list["items"][0]["details"]["reason"]["reason"], "partner_mismatch",
        "{list}"
    );
    let acks = world.partner_inbox("prt_initech").await;
    assert!(
        acks.iter().any(|d| d["doc_type"] == "CONTRL"),
        "the interchange itself is acknowledged: {acks:?}"
    );
}

async fn a_malformed_interchange_gets_a_rejecting_ack_and_nothing_is_filed(stack: Stack) {
    let world = world(stack);
    let broken = String::from_utf8(order_ack_855("4500001234"))
        .expect("utf8")
        .replace("SE*12*0001", "SE*99*0001");
    let request = world.partner_sends("prt_acme", broken.into_bytes()).await;
    let answer = world.deliver(request).await;
    let record = world
        .outcome(answer["accepted"].as_str().expect("id"))
        .await;
    assert_eq!(record["outcome"]["rejected"], true, "{record}");
    assert_eq!(record["outcome"]["ack"]["rejecting"], true, "{record}");
    let workspace = world.workspace("4500001234").await;
    assert!(
        world
            .documents_in(workspace.id, "Confirmations")
            .await
            .is_empty()
    );
    assert!(
        world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997")
    );
}

async fn a_shipment_status_is_left_to_shipment_delay_neither_filed_nor_acknowledged_here(
    stack: Stack,
) {
    let world = world(stack);
    let request = world
        .partner_sends("prt_acme", fixture("x12/214_shipment_status.x12"))
        .await;
    let answer = world.deliver(request).await;
    let record = world
        .outcome(answer["accepted"].as_str().expect("id"))
        .await;
    assert!(
        record["outcome"]["skipped"]
            .as_str()
            .is_some_and(|s| s.contains("shipment-delay")),
        "{record}"
    );
    assert!(
        !world
            .partner_inbox("prt_acme")
            .await
            .iter()
            .any(|d| d["doc_type"] == "997"),
        "shipment-delay sends the 997, not order-reconcile"
    );
}

async fn a_bad_signature_is_refused_and_nothing_is_kept(stack: Stack) {
    let world = world(stack);
    let mut request = world
        .partner_sends("prt_acme", order_ack_855("4500001234"))
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

gridlink_tests::on_both_stacks!(
    an_order_acknowledgment_is_filed_in_its_order_workspace_and_acknowledged,
    two_invoices_whose_names_collide_are_both_filed,
    an_order_acknowledgment_is_reconciled_against_the_order_lines,
    three_concurrent_deliveries_of_one_document_file_it_once,
    a_partner_sending_for_another_partners_order_is_parked_and_nothing_is_filed,
    a_malformed_interchange_gets_a_rejecting_ack_and_nothing_is_filed,
    a_bad_signature_is_refused_and_nothing_is_kept,
    a_shipment_status_is_left_to_shipment_delay_neither_filed_nor_acknowledged_here,
);
