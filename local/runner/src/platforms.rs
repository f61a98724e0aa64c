//! The simulators and the platform every function gets locally.
//!
//! By default the stack starts the xECM simulator and the Trading Grid simulator in-process,
//! seeded with their demo seeds and persisting under the data directory, and builds one
//! platform from them: filesystem blobs and a SQLite ledger in the data directory, the real
//! xECM and TG clients pointed at the simulators, and a local webhook secret. With
//! `--external`, the xECM and TG settings come from the environment instead (the same keys a
//! deployment uses, see `gridlink_flow::platform`), so the stack can run against real servers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gridlink_core::clock::SharedClock;
use gridlink_core::config::ConfigSource;
use gridlink_flow::MetricsChoice;
use gridlink_flow::metrics::DEFAULT_NAMESPACE;
use gridlink_flow::platform::{METRICS_KEY, METRICS_NAMESPACE_KEY, Parts};
use gridlink_flow::{Platform, PlatformError};
use gridlink_store::Ledger;
use gridlink_tgrid::TgClient;
use gridlink_xecm::Workspaces;

/// The webhook secret the local stack registers with the TG simulator.
pub const LOCAL_WEBHOOK_SECRET: &str = "gridlink-local-webhook-secret";
/// The file, in the data directory, the local stack's business metrics go to (EMF lines).
pub const METRICS_FILE: &str = "metrics.jsonl";
/// The xECM push secret of the local stack.
pub const LOCAL_XECM_PUSH_SECRET: &str = "gridlink-local-xecm-push-secret";

/// The running simulators, if the stack started them.
#[derive(Debug, Default)]
pub struct Simulators {
    /// The xECM simulator.
    pub xecm: Option<gridlink_xecm_sim::RunningSim>,
    /// The TG simulator.
    pub tg: Option<gridlink_tgrid_sim::RunningSim>,
}

/// Where xECM and TG are, and how to reach them.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The Content Server URL (without `/api`).
    pub xecm_url: String,
    /// The TG base URL.
    pub tg_url: String,
    /// The simulator control root of xECM, when simulated.
    pub xecm_sim_root: Option<String>,
}

/// What every function's platform is built from.
#[derive(Clone)]
pub struct LocalPlatforms {
    parts: Parts,
    /// Where the clients point.
    pub endpoints: Endpoints,
}

impl std::fmt::Debug for LocalPlatforms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalPlatforms")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl LocalPlatforms {
    /// The platform of `function`.
    pub fn platform(&self, function: &'static str) -> Platform {
        Platform::from_parts(function, &self.parts)
    }

    /// The platform of `function` reading `clock` instead of the system clock, over the same
    /// storage and clients: the demo fires a schedule "later" with it (po-exception's
    /// deadlines) without moving the clock of the running stack, whose webhook and push
    /// signatures are checked against the wall clock.
    pub fn platform_at(&self, function: &'static str, clock: SharedClock) -> Platform {
        let mut parts = self.parts.clone();
        parts.clock = clock;
        Platform::from_parts(function, &parts)
    }

    /// The TG client (to register webhooks, and for the demo).
    pub fn tg_client(&self) -> &TgClient {
        &self.parts.tg_client
    }

    /// The xECM port.
    pub fn xecm(&self) -> &Arc<dyn Workspaces> {
        &self.parts.xecm
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.parts.ledger
    }
}

/// Why the simulators or the platform could not start.
#[derive(Debug, thiserror::Error)]
pub enum PlatformsError {
    /// The xECM simulator.
    #[error("xECM simulator: {0}")]
    XecmSim(#[from] gridlink_xecm_sim::StartError),
    /// The TG simulator.
    #[error("Trading Grid simulator: {0}")]
    TgSim(#[from] gridlink_tgrid_sim::StartError),
    /// Storage, clients or configuration.
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts both simulators (demo seeds, persisted under `data_dir`) and builds the platforms.
pub async fn start_simulated(
    data_dir: &Path,
) -> Result<(Simulators, LocalPlatforms), PlatformsError> {
    let xecm_sim = gridlink_xecm_sim::start(
        gridlink_xecm_sim::SimConfig {
            seed: Some(gridlink_xecm_sim::SeedSource::File(
                seed_dir().join("xecm-sim/seeds/demo.json"),
            )),
            data_dir: Some(data_dir.join("xecm-sim")),
            ..gridlink_xecm_sim::SimConfig::default()
        },
        loopback(),
    )
    .await?;
    let mut tg_config = gridlink_tgrid_sim::SimConfig::new(gridlink_tgrid_sim::seed::Seed::demo());
    tg_config.data_dir = Some(data_dir.join("tgrid-sim"));
    tg_config.persist = true;
    let tg_sim = gridlink_tgrid_sim::start(tg_config, loopback()).await?;
    let source = ConfigSource::from_pairs([
        ("XECM_BASE_URL", xecm_sim.base_url.clone()),
        ("XECM_USERNAME", "gridlink".to_owned()),
        ("XECM_PASSWORD", "gridlink-service".to_owned()),
        ("TG_BASE_URL", tg_sim.base_url.to_string()),
        ("TG_TENANT_ID", "buyerco".to_owned()),
        ("TG_CLIENT_ID", "gridlink-local".to_owned()),
        ("TG_CLIENT_SECRET", "local-test-secret".to_owned()),
        ("TG_WEBHOOK_SECRET", LOCAL_WEBHOOK_SECRET.to_owned()),
        ("XECM_PUSH_SECRET", LOCAL_XECM_PUSH_SECRET.to_owned()),
        // Webhooks and the inbox poll, as deployed: the poll is the safety net for a webhook
        // that never came (a crash between TG's delivery and the inbox; TG giving up on
        // redelivery), so the local stack runs both (issue 20, defect 4).
        ("TG_MAILBOX_ID", "mbx_buyerco".to_owned()),
    ]);
    let endpoints = Endpoints {
        xecm_url: xecm_sim.base_url.clone(),
        tg_url: tg_sim.base_url.to_string(),
        xecm_sim_root: Some(xecm_sim.root_url.clone()),
    };
    let platforms = build(&source, data_dir, endpoints).await?;
    Ok((
        Simulators {
            xecm: Some(xecm_sim),
            tg: Some(tg_sim),
        },
        platforms,
    ))
}

/// Builds the platforms from configuration (`--external`: real xECM and TG).
pub async fn from_environment(data_dir: &Path) -> Result<LocalPlatforms, PlatformsError> {
    let source = ConfigSource::from_env();
    let endpoints = Endpoints {
        xecm_url: source.get("XECM_BASE_URL").unwrap_or_default().to_owned(),
        tg_url: source.get("TG_BASE_URL").unwrap_or_default().to_owned(),
        xecm_sim_root: None,
    };
    Ok(build(&source, data_dir, endpoints).await?)
}

async fn build(
    source: &ConfigSource,
    data_dir: &Path,
    endpoints: Endpoints,
) -> Result<LocalPlatforms, PlatformError> {
    let source = source
        .clone()
        .with("GRIDLINK_STORAGE", "local")
        .with("GRIDLINK_DATA_DIR", data_dir.to_string_lossy());
    let mut parts = Parts::from_source(&source, false, None).await?;
    // Locally, business metrics go to a file beside the ledger, in the same EMF lines a
    // deployment writes to CloudWatch Logs, unless `GRIDLINK_METRICS` says otherwise.
    if source.get(METRICS_KEY).is_none() {
        parts.metrics = MetricsChoice::File {
            path: data_dir.join(METRICS_FILE),
            namespace: source
                .get(METRICS_NAMESPACE_KEY)
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned(),
        };
    }
    Ok(LocalPlatforms { parts, endpoints })
}
