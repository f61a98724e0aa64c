//! The harness: a simulator on a free loopback port, seeded with the demo company, and a
//! client logged in to it with a fast retry policy.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gridlink_core::clock::{ManualClock, SharedClock};
use gridlink_core::retry::RetryPolicy;
use gridlink_xecm::{
    BusinessObject, CategoryId, NodeId, WorkspaceTypeId, XecmAuth, XecmClient, XecmConfig,
};
use gridlink_xecm_sim::{FaultConfig, RunningSim, Seed, SeedSource, SimConfig};
use secrecy::SecretString;

pub const DEMO_SEED: &str = include_str!("../../../../local/xecm-sim/seeds/demo.json");
pub const USER: &str = "otadmin";
pub const PASSWORD: &str = "gridlink-demo";
pub const OTDS_TICKET: &str = "*OTDSSSO*demo-ticket";
pub const OAUTH_TOKEN: &str = "demo-oauth-token";

pub const SUPPLIER_TYPE: i64 = 21;
pub const PO_TYPE: i64 = 31;
pub const PO_CATEGORY: i64 = 9100;
pub const SUPPLIER_CATEGORY: i64 = 9001;
pub const PARTNER_DOCUMENT_CATEGORY: i64 = 9400;

pub fn demo_seed() -> Seed {
    serde_json::from_str(DEMO_SEED).expect("the demo seed parses")
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_attempts: 4,
        max_elapsed: Duration::from_secs(10),
    }
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("loopback address")
}

pub struct Harness {
    pub sim: RunningSim,
    pub client: XecmClient,
    pub clock: Arc<ManualClock>,
}

/// A seeded simulator (demo company) on a manual clock, and a password client.
pub async fn harness() -> Harness {
    harness_with(FaultConfig::default()).await
}

pub async fn harness_with(faults: FaultConfig) -> Harness {
    let clock = Arc::new(ManualClock::at_unix(1_795_000_000));
    let shared: SharedClock = clock.clone();
    let sim = gridlink_xecm_sim::start(
        SimConfig {
            seed: Some(SeedSource::Inline(Box::new(demo_seed()))),
            faults,
            clock: shared,
            ..SimConfig::default()
        },
        loopback(),
    )
    .await
    .expect("the simulator starts");
    let client = password_client(&sim.base_url);
    Harness { sim, client, clock }
}

pub fn client_config(base_url: &str, auth: XecmAuth) -> XecmConfig {
    let mut config = XecmConfig::new(base_url, auth).expect("a valid base URL");
    config.retry = fast_retry();
    config.timeout = Duration::from_secs(30);
    config
}

pub fn password_client(base_url: &str) -> XecmClient {
    let auth = XecmAuth::Password {
        user: USER.to_owned(),
        password: SecretString::from(PASSWORD),
    };
    XecmClient::new(client_config(base_url, auth)).expect("a client")
}

pub fn po(bo_id: &str) -> BusinessObject {
    BusinessObject::new("SAP_ERP", "BUS2012", bo_id).expect("a business object")
}

pub fn node(id: i64) -> NodeId {
    NodeId::new(id).expect("a node id")
}

pub fn category(id: i64) -> CategoryId {
    CategoryId::new(id).expect("a category id")
}

pub fn workspace_type(id: i64) -> WorkspaceTypeId {
    WorkspaceTypeId::new(id).expect("a workspace type id")
}

/// Calls the simulator received for one `METHOD /api/...` shape.
pub fn calls(sim: &RunningSim, key: &str) -> u64 {
    sim.calls().get(key).copied().unwrap_or(0)
}
