//! The command line's partner actions, seed files and persistence, against a running
//! simulator.

use std::net::SocketAddr;
use std::path::Path;

use clap::Parser;
use gridlink_tgrid_sim::cli::{Cli, run};
use gridlink_tgrid_sim::seed::SeedError;
use gridlink_tgrid_sim::{Seed, SimConfig};

async fn token(base: &url::Url) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(base.join("tenants/buyerco/oauth2/token").expect("url"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "gridlink-local"),
            ("client_secret", "local-test-secret"),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    answer["access_token"].as_str().expect("token").to_owned()
}

async fn tenant_post(
    base: &url::Url,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(base.join(path).expect("url"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

async fn cli(args: &[&str]) -> serde_json::Value {
    let cli = Cli::try_parse_from(std::iter::once("tgrid-sim").chain(args.iter().copied()))
        .expect("arguments parse");
    run(cli)
        .await
        .expect("command succeeds")
        .expect("an answer")
}

#[tokio::test]
async fn partner_commands_reply_send_edi_and_move_statuses() {
    let sim = gridlink_tgrid_sim::start(
        SimConfig::new(Seed::demo()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("start");
    let base = sim.base_url.clone();
    let url = base.as_str();
    let token = token(&base).await;
    let space = tenant_post(
        &base,
        &token,
        "v1/spaces",
        serde_json::json!({"partner_id": "prt_acme", "title": "PO-1"}),
    )
    .await;
    let thread = tenant_post(
        &base,
        &token,
        &format!(
            "v1/spaces/{}/threads",
            space["space_id"].as_str().expect("id")
        ),
        serde_json::json!({"subject": "late", "kind": "shipment"}),
    )
    .await;
    let thread_id = thread["thread_id"].as_str().expect("id");

    let dir = tempfile::tempdir().expect("tmp");
    let pod = dir.path().join("pod.pdf");
    std::fs::write(&pod, b"%PDF proof of delivery").expect("write");
    let reply = cli(&[
        "partner",
        "--sim-url",
        url,
        "--partner",
        "prt_acme",
        "reply",
        "--thread",
        thread_id,
        "--body",
        "Delivered",
        "--file",
        pod.to_str().expect("utf-8"),
        "--structured",
        r#"{"eta":"2026-11-28"}"#,
    ])
    .await;
    assert_eq!(reply["author"]["kind"], "partner");
    assert_eq!(reply["structured"]["eta"], "2026-11-28");
    assert_eq!(reply["attachment_ids"].as_array().expect("ids").len(), 1);
    let listed = cli(&[
        "partner",
        "--sim-url",
        url,
        "--partner",
        "prt_acme",
        "messages",
        "--thread",
        thread_id,
    ])
    .await;
    assert_eq!(listed["items"].as_array().expect("items").len(), 1);

    let edi = dir.path().join("214.x12");
    std::fs::write(&edi, "ISA*00*          *00*          *ZZ*GLOBEXLOG      *ZZ*BUYERCO        *261124*1200*U*00401*000000300*0*P*>~GS*QM*GLOBEXLOG*BUYERCO*20261124*1200*300*X*004010~ST*214*0001~B10*PRO1*SHIP-9*GLBX~SE*3*0001~GE*1*300~IEA*1*000000300~").expect("write");
    let received = cli(&[
        "partner",
        "--sim-url",
        url,
        "--partner",
        "prt_globex",
        "send-edi",
        "--file",
        edi.to_str().expect("utf-8"),
        "--shipment-id",
        "SHIP-9",
    ])
    .await;
    assert_eq!(received["doc_type"], "214", "read from the envelope");
    assert_eq!(received["status"], "new");
    assert_eq!(received["business_refs"]["shipment_id"], "SHIP-9");
    let moved = cli(&[
        "document-status",
        "--sim-url",
        url,
        "--document",
        received["document_id"].as_str().expect("id"),
        "--status",
        "turned_around",
    ])
    .await;
    assert_eq!(moved["status"], "turned_around");
    let mode = cli(&["delivery", "--sim-url", url, "--duplicate"]).await;
    assert_eq!(mode["duplicate"], true);

    let refused = run(Cli::try_parse_from([
        "tgrid-sim",
        "partner",
        "--sim-url",
        url,
        "--partner",
        "prt_globex",
        "messages",
        "--thread",
        thread_id,
    ])
    .expect("parse"))
    .await;
    assert!(refused.is_err_and(|e| e.to_string().contains("403")));
}

#[tokio::test]
async fn a_toml_seed_reads_like_the_json_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("seed.toml");
    std::fs::write(
        &path,
        r#"
[tenant]
tenant_id = "buyerco"
client_id = "id"
client_secret = "secret"
[[tenant.mailboxes]]
mailbox_id = "mbx_1"
edi_addresses = ["ZZ:BUYERCO"]
[[partners]]
partner_id = "prt_acme"
name = "ACME Supply"
edi_addresses = ["ZZ:ACMESUPPLY"]
[[partners.partnerships]]
my_address = "ZZ:BUYERCO"
partner_address = "ZZ:ACMESUPPLY"
send = ["850"]
receive = ["*"]
"#,
    )
    .expect("write");
    let seed = Seed::load(&path).expect("loads");
    assert_eq!(seed.partners[0].partnerships[0].receive, vec!["*"]);
    std::fs::write(&path, "[tenant]\ntenant_id = 1\n").expect("write");
    assert!(matches!(
        Seed::load(&path),
        Err(SeedError::Malformed { .. })
    ));
    assert!(matches!(
        Seed::load(Path::new("/nonexistent/seed.json")),
        Err(SeedError::Read { .. })
    ));
    let shipped = Seed::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seeds/demo.json"
    )))
    .expect("demo seed");
    assert_eq!(shipped.partners.len(), 10);
}

#[tokio::test]
async fn persisted_state_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = || {
        let mut config = SimConfig::new(Seed::demo());
        config.data_dir = Some(dir.path().to_path_buf());
        config.persist = true;
        config
    };
    let sim = gridlink_tgrid_sim::start(config(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("start");
    let token = token(&sim.base_url).await;
    let space = tenant_post(
        &sim.base_url,
        &token,
        "v1/spaces",
        serde_json::json!({"partner_id": "prt_acme", "title": "kept"}),
    )
    .await;
    sim.stop();
    let again = gridlink_tgrid_sim::start(config(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("restart");
    let fetched: serde_json::Value = reqwest::Client::new()
        .get(
            again
                .base_url
                .join(&format!(
                    "v1/spaces/{}",
                    space["space_id"].as_str().expect("id")
                ))
                .expect("url"),
        )
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(fetched["title"], "kept", "the space and the token survived");
}
