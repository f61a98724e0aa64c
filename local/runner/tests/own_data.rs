//! `gridlink-local up --seed DIR`, over the real simulators: an integrator's own TG partner,
//! supplier workspace and 850 go in, and the partner's 855 for that order is filed by
//! order-reconcile into the order workspace made from the 850.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use gridlink_local::own_data::SeedDir;
use gridlink_local::stack::{RunningStack, StackConfig};
use gridlink_tgrid::PartnerId;
use gridlink_tgrid::ports::Partners;
use gridlink_xecm::BusinessObject;
use serde_json::{Value, json};

const PO: &str = "4500777001";

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../shared/edi/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// Acme's fixture `path` as NewCo's (its address, our PO number).
fn as_newco(path: &str) -> String {
    fixture(path)
        .replace("ACMESUPPLY     ", "NEWCO          ")
        .replace("*ACMESUPPLY*", "*NEWCO*")
        .replace("PO-2024-0042", PO)
}

fn write_seed_dir(dir: &Path, workspaces: &Value) {
    std::fs::write(
        dir.join("tgrid.json"),
        json!({"partners": [{
            "partner_id": "prt_newco", "name": "NewCo Parts", "edi_addresses": ["ZZ:NEWCO"],
            "partnerships": [{"my_address": "ZZ:BUYERCO", "partner_address": "ZZ:NEWCO",
                              "send": ["850", "997"], "receive": ["855", "856", "810", "997"]}]
        }]})
        .to_string(),
    )
    .expect("test step");
    std::fs::write(
        dir.join("xecm.json"),
        json!({ "workspaces": workspaces }).to_string(),
    )
    .expect("test step");
    std::fs::create_dir_all(dir.join("orders")).expect("test step");
    std::fs::write(
        dir.join("orders/po.x12"),
        as_newco("x12/850_purchase_order.x12"),
    )
    .expect("test step");
}

fn newco_supplier(name: &str, number: &str) -> Value {
    json!({"type_id": 21, "name": name, "business_object": {"bo_id": number},
           "categories": {"Supplier": {"Supplier Number": number, "Trading Partner ID": "ZZ:NEWCO"}}})
}

async fn stack(dir: &Path) -> RunningStack {
    RunningStack::start(StackConfig {
        data_dir: dir.join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        speed: None,
        external: false,
        body_timeout: Duration::from_secs(1),
    })
    .await
    .expect("stack starts")
}

#[tokio::test]
async fn own_partners_suppliers_and_an_850_are_loaded_and_the_partners_855_is_filed() {
    let dir = tempfile::tempdir().expect("test step");
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed).expect("test step");
    write_seed_dir(&seed, &json!([newco_supplier("NewCo Parts", "0000200001")]));
    let stack = stack(dir.path()).await;
    let endpoints = &stack.platforms.endpoints;
    let loaded = SeedDir::read(&seed)
        .expect("test step")
        .load(
            &endpoints.tg_url,
            endpoints.xecm_sim_root.as_deref().expect("test step"),
            &reqwest::Client::new(),
        )
        .await
        .expect("test step");
    assert_eq!(
        loaded,
        vec![
            "TG partner prt_newco added".to_owned(),
            "xECM seed: 1 workspace(s) added".to_owned(),
            format!(
                "order workspace PO {PO} added (2 line(s), supplier ZZ:NEWCO, 850 filed in Order)"
            ),
        ]
    );
    let partner = stack
        .platforms
        .tg_client()
        .partner(&PartnerId::new("prt_newco"))
        .await
        .expect("test step");
    assert_eq!(partner.name, "NewCo Parts");
    let xecm = stack.platforms.xecm();
    let order = xecm
        .find_workspace_by_business_object(
            &BusinessObject::new("SAP_ERP", "BUS2012", PO).expect("test step"),
        )
        .await
        .expect("test step")
        .expect("the order workspace");
    assert_eq!(order.name, format!("PO {PO}"));

    // NewCo's 855 for the order reaches order-reconcile through the stack's webhook and is
    // filed in the workspace made from the 850.
    let http = reqwest::Client::new();
    let sent = http
        .post(format!(
            "{}/__sim/partners/prt_newco/documents",
            endpoints.tg_url.trim_end_matches('/')
        ))
        .body(as_newco("x12/855_order_ack.x12"))
        .send()
        .await
        .expect("test step");
    assert!(sent.status().is_success(), "{}", sent.status());
    let mut filed = Vec::new();
    for _ in 0..100 {
        let confirmations = xecm
            .node_at_path(order.id, "Confirmations")
            .await
            .expect("test step");
        if let Some(folder) = confirmations {
            filed = xecm.list_children(folder.id).await.expect("test step");
            if !filed.is_empty() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(filed.len(), 1, "NewCo's 855 filed in Confirmations");
    assert!(
        filed[0].name.starts_with(&format!("855 {PO} NEWCO")),
        "{}",
        filed[0].name
    );
}

#[tokio::test]
async fn a_seed_directory_with_a_duplicate_workspace_name_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("test step");
    let seed = dir.path().join("seed");
    std::fs::create_dir_all(&seed).expect("test step");
    write_seed_dir(
        &seed,
        &json!([
            newco_supplier("NewCo Parts", "0000200001"),
            newco_supplier("NewCo Parts", "0000200002")
        ]),
    );
    let stack = stack(dir.path()).await;
    let endpoints = &stack.platforms.endpoints;
    let error = SeedDir::read(&seed)
        .expect("test step")
        .load(
            &endpoints.tg_url,
            endpoints.xecm_sim_root.as_deref().expect("test step"),
            &reqwest::Client::new(),
        )
        .await
        .expect_err("must fail")
        .to_string();
    assert!(error.contains("xecm.json refused"), "{error}");
    assert!(error.contains("'NewCo Parts'"), "{error}");
    assert!(error.contains("workspaces[1]"), "{error}");
}
