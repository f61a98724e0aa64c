//! The Runtime-API check for an implemented function: its binary needs configuration to start,
//! so the check starts both simulators in-process (demo seeds, loopback, port 0), gives the
//! binary the same keys a deployment sets — local storage in a temporary directory, the
//! simulators' URLs, secrets as plain values — and runs [`check_deployable_function_with_env`].
//! Its twin, [`check_missing_configuration_is_named`], starts the binary with no configuration
//! and holds it to exiting with a complaint that names every missing key.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use super::deployable::{DeployReport, check_deployable_function_with_env};
use super::emulator::{InvokeError, RuntimeApi};
use super::events::HttpApiRequest;

/// Keys every implemented function must refuse to start without.
pub const REQUIRED_PLATFORM_KEYS: [&str; 4] = [
    "XECM_BASE_URL",
    "XECM_PASSWORD",
    "TG_BASE_URL",
    "TG_WEBHOOK_SECRET",
];

/// Starts the xECM and TG simulators, configures `bin` against them with local storage, and
/// runs [`check_deployable_function_with_env`]. Panics (with the function's output) on failure.
pub async fn check_configured_function(bin: impl AsRef<Path>, name: &str) -> DeployReport {
    let loopback: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    let xecm = crate::stack::start_xecm_demo_sim().await;
    let tg = gridlink_tgrid_sim::start(
        gridlink_tgrid_sim::SimConfig::new(gridlink_tgrid_sim::Seed::demo()),
        loopback,
    )
    .await
    .expect("the TG simulator starts on loopback");
    let data = tempfile::tempdir().expect("a temporary data directory");
    let data_dir = data.path().display().to_string();
    let xecm_url = xecm.base_url.as_str().trim_end_matches('/').to_owned();
    let tg_url = tg.base_url.to_string();
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
    check_deployable_function_with_env(bin, name, &env).await
}

/// Starts `bin` with local storage and nothing else, invokes its health route, and checks
/// that it exits (an init failure, not an answer) with a complaint naming every key of
/// [`REQUIRED_PLATFORM_KEYS`] at once. Returns the error the emulator reported.
pub async fn check_missing_configuration_is_named(
    bin: impl AsRef<Path>,
    name: &str,
) -> InvokeError {
    let rt = RuntimeApi::start()
        .await
        .expect("the Runtime API emulator binds 127.0.0.1:0");
    let process = rt
        .spawn_function(bin.as_ref(), &[("GRIDLINK_STORAGE", "local")])
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let event = HttpApiRequest::get(&format!("/{name}/health")).into_event();
    match rt.invoke(&event, Duration::from_secs(20)).await {
        Err(error @ InvokeError::ProcessExited { .. }) => {
            let text = error.to_string();
            for key in REQUIRED_PLATFORM_KEYS {
                assert!(
                    text.contains(key),
                    "{name}: the complaint names {key}:\n{text}"
                );
            }
            error
        }
        other => panic!(
            "{name}: a binary without configuration must exit naming what is missing, got {other:?}\n{}",
            process.output()
        ),
    }
}
