//! The deployed artifact itself: the compiled `order-reconcile` binary, started against an emulated
//! Lambda Runtime API, answers every route and schedule its manifest entry lists, and reports
//! its handler errors as invocation errors without dying.

use std::time::Duration;

use gridlink_tests::runtime_api::{
    HttpApiRequest, InvokeError, RuntimeApi, check_deployable_function_with_env,
};

#[tokio::test]
async fn the_compiled_binary_answers_every_route_and_schedule_of_its_manifest_entry() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_dir = data.path().display().to_string();
    // Nothing listens on port 9: the routes that need xECM or TG answer 503, which is the
    // honest answer; the binary must start and answer every route and schedule.
    let env = [
        ("GRIDLINK_STORAGE", "local"),
        ("GRIDLINK_DATA_DIR", data_dir.as_str()),
        ("XECM_BASE_URL", "http://127.0.0.1:9/otcs/cs.exe"),
        ("XECM_USERNAME", "gridlink"),
        ("XECM_PASSWORD", "unused"),
        ("TG_BASE_URL", "http://127.0.0.1:9/"),
        ("TG_TENANT_ID", "buyerco"),
        ("TG_CLIENT_ID", "gridlink-local"),
        ("TG_CLIENT_SECRET", "unused"),
        ("TG_WEBHOOK_SECRET", "unused"),
    ];
    let report = check_deployable_function_with_env(
        env!("CARGO_BIN_EXE_order-reconcile"),
        order_reconcile::NAME,
        &env,
    )
    .await;
    println!("{report}");
}

#[tokio::test]
async fn a_binary_without_its_configuration_is_reported_as_exited_naming_every_missing_key() {
    let rt = RuntimeApi::start()
        .await
        .expect("the Runtime API emulator binds");
    let _process = rt
        .spawn_function(
            env!("CARGO_BIN_EXE_order-reconcile"),
            &[("GRIDLINK_STORAGE", "local")],
        )
        .expect("spawned");
    let event = HttpApiRequest::get("/order-reconcile/health").into_event();
    let error = rt
        .invoke(&event, Duration::from_secs(20))
        .await
        .expect_err("it cannot start");
    let text = error.to_string();
    assert!(matches!(error, InvokeError::ProcessExited { .. }), "{text}");
    for key in ["XECM_BASE_URL", "TG_BASE_URL", "TG_WEBHOOK_SECRET"] {
        assert!(text.contains(key), "the binary names {key}:\n{text}");
    }
}
