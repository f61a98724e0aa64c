//! The harness: a real simulator on a loopback port and a real client pointed at it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gridlink_core::clock::{ManualClock, SharedClock, SystemClock};
use gridlink_core::retry::RetryPolicy;
use gridlink_tgrid::{IdempotencyKey, TenantId, TgClient, TgConfig};
use gridlink_tgrid_sim::controls::SimControls;
use gridlink_tgrid_sim::{DeliveryConfig, RunningSim, Seed, SimConfig};
use secrecy::SecretString;

/// A running simulator, a client for its tenant and the partner controls.
pub struct Harness {
    pub sim: RunningSim,
    pub client: TgClient,
    pub controls: SimControls,
    pub clock: SharedClock,
}

/// Test delivery timings: fast retries.
pub fn fast_delivery() -> DeliveryConfig {
    DeliveryConfig {
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        give_up_after: Duration::from_secs(5),
        timeout: Duration::from_secs(2),
    }
}

/// A fast retry policy for tests (short back-off, a few attempts).
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        max_attempts: 4,
        max_elapsed: Duration::from_secs(10),
    }
}

/// Starts the demo seed with `tune` applied to the config.
pub async fn start_with(tune: impl FnOnce(&mut SimConfig)) -> Harness {
    let mut config = SimConfig::new(Seed::demo());
    config.delivery = fast_delivery();
    tune(&mut config);
    let clock = config.clock.clone();
    let sim = gridlink_tgrid_sim::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("simulator starts");
    let client = client_for(&sim, "local-test-secret", clock.clone());
    let controls = SimControls::new(sim.base_url.clone());
    Harness {
        sim,
        client,
        controls,
        clock,
    }
}

/// Starts the demo seed on the wall clock.
pub async fn start() -> Harness {
    start_with(|_| {}).await
}

/// Starts the demo seed on a manual clock (for token expiry and webhook timestamps).
pub async fn start_on_manual_clock() -> (Harness, Arc<ManualClock>) {
    let manual = Arc::new(ManualClock::at_unix(1_795_000_000));
    let shared: SharedClock = manual.clone();
    let harness = start_with(|config| config.clock = shared).await;
    (harness, manual)
}

/// A client for the demo tenant with `secret`.
pub fn client_for(sim: &RunningSim, secret: &str, clock: SharedClock) -> TgClient {
    TgClient::with_clock(
        TgConfig {
            base_url: sim.base_url.clone(),
            tenant_id: TenantId::new("buyerco"),
            client_id: "gridlink-local".into(),
            client_secret: SecretString::from(secret.to_owned()),
            retry: fast_retry(),
            timeout: Duration::from_secs(10),
        },
        clock,
    )
    .expect("client builds")
}

/// The wall clock, shared.
pub fn wall_clock() -> SharedClock {
    Arc::new(SystemClock)
}

/// A fresh idempotency key.
pub fn key(name: &str) -> IdempotencyKey {
    IdempotencyKey::derive("test", name)
}

/// The simulator's counters.
pub async fn stats(h: &Harness) -> serde_json::Value {
    h.controls.get("__sim/stats").await.expect("stats")
}
