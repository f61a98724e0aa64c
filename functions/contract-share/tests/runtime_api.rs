//! The deployed artifact itself: the compiled `contract-share` binary, configured for local
//! storage and pointed at both simulators, started against an emulated Lambda Runtime API,
//! answers every route and schedule its manifest entry lists, and reports its handler errors
//! as invocation errors without dying.

use gridlink_tests::runtime_api::check_deployable_function_with_env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compiled_binary_answers_every_route_and_schedule_of_its_manifest_entry() {
    let loopback: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let seed = serde_json::from_str(include_str!("../../../local/xecm-sim/seeds/demo.json"))
        .expect("seed");
    let xecm = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::Inline(Box::new(seed))),
            ..Default::default()
        },
        loopback,
    )
    .await
    .expect("xecm-sim starts");
    let tg = gridlink_tgrid_sim::start(
        gridlink_tgrid_sim::SimConfig::new(gridlink_tgrid_sim::Seed::demo()),
        loopback,
    )
    .await
    .expect("tgrid-sim starts");
    let data = tempfile::tempdir().expect("data dir");
    let data_dir = data.path().display().to_string();
    let (xecm_url, tg_url) = (
        xecm.base_url.as_str().trim_end_matches('/').to_owned(),
        tg.base_url.to_string(),
    );
    let env = [
        ("GRIDLINK_STORAGE", "local"),
        ("GRIDLINK_DATA_DIR", data_dir.as_str()),
        ("XECM_BASE_URL", xecm_url.as_str()),
        ("XECM_USERNAME", "otadmin"),
        ("XECM_PASSWORD", "gridlink-demo"),
        ("TG_BASE_URL", tg_url.as_str()),
        ("TG_TENANT_ID", "buyerco"),
        ("TG_CLIENT_ID", "gridlink-local"),
        ("TG_CLIENT_SECRET", "local-test-secret"),
        ("TG_WEBHOOK_SECRET", "runtime-api-test"),
        ("XECM_PUSH_SECRET", "runtime-api-test-push"),
    ];
    let report = check_deployable_function_with_env(
        env!("CARGO_BIN_EXE_contract-share"),
        contract_share::NAME,
        &env,
    )
    .await;
    println!("{report}");
}

#[test]
fn a_binary_without_configuration_exits_listing_every_missing_key() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_contract-share"))
        .env_clear()
        .env("GRIDLINK_STORAGE", "local")
        .output()
        .expect("the binary runs");
    assert!(
        !output.status.success(),
        "a binary without configuration must not start"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    for key in [
        "XECM_BASE_URL",
        "XECM_PASSWORD",
        "TG_BASE_URL",
        "TG_WEBHOOK_SECRET",
    ] {
        assert!(stderr.contains(key), "the complaint names {key}: {stderr}");
    }
}
