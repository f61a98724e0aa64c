//! # gridlink-tgrid-sim
//!
//! A local Trading Grid / Active Community that serves every endpoint of gridlink's v1
//! contract (`docs/trading-grid.md`) with its validation, statuses, idempotency and
//! visibility rules, plays the partners (`/__sim/partners/{partner_id}/…` and
//! `tgrid-sim partner …`), delivers signed webhooks at least once (and, on demand,
//! duplicated, delayed or reordered), and serves the `/v1/events` polling feed.
//!
//! Start it in-process with [`start`] (tests, the local runner) or as the `tgrid-sim` binary.
//!
//! ## Layout
//! - [`seed`]: the seed file (tenant, mailboxes, partners, partnerships, subscriptions).
//! - `sim`, `state`: the shared simulator value and its serialisable state.
//! - `routes/`: the tenant API, one file per area; `extract`, `error`, `idempotency`:
//!   the request and answer plumbing every route shares.
//! - `documents`, `edi`: routing checks, the status life cycle, 997/CONTRL linking.
//! - `partner/`: the partner-side controls; `control`: delivery modes, faults, counters.
//! - [`delivery`]: the webhook worker.
//! - `blobs`: payloads and attachments on disk, streamed both ways.
//! - [`controls`]: a client for the `/__sim` controls.
//! - [`cli`]: the `tgrid-sim` command line (serve, partner actions).

mod blobs;
pub mod cli;
mod control;
pub mod controls;
pub mod delivery;
mod documents;
mod drain;
mod edi;
mod error;
mod extract;
mod idempotency;
mod partner;
mod routes;
pub mod seed;
mod sim;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::serve::ListenerExt as _;
use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_core::net::no_delay;
use gridlink_tgrid::model::NewSubscription;
use secrecy::SecretString;

pub use delivery::{DeliveryConfig, DeliveryMode};
pub use seed::Seed;
pub use sim::Faults;

use crate::delivery::DeliveryQueue;
use crate::sim::Sim;
use crate::state::State;

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Tenant, partners, partnerships, subscriptions.
    pub seed: Seed,
    /// Where blobs (and, with `persist`, `state.json`) live; a temporary directory when
    /// `None` (removed when the simulator stops).
    pub data_dir: Option<PathBuf>,
    /// Save the state after every change and reload it on start (needs `data_dir`).
    pub persist: bool,
    /// Lifetime of issued tokens.
    pub token_ttl: Duration,
    /// Largest attachment (contract: 5 GiB).
    pub max_attachment_bytes: u64,
    /// Largest streamed document payload (contract: 100 MiB).
    pub max_document_bytes: u64,
    /// Webhook back-off and timeouts.
    pub delivery: DeliveryConfig,
    /// Webhook first attempts in flight at once (at least 1; default 1: each waits for the
    /// receiver's answer to the one before, so a requested reordering is exactly what the
    /// receiver sees). Trading Grid itself does not wait for one receiver before the next;
    /// the chaos command sets 8.
    pub delivery_concurrency: usize,
    /// The clock for timestamps, token expiry and webhook signatures.
    pub clock: SharedClock,
}

impl SimConfig {
    /// Defaults from the contract for `seed`.
    pub fn new(seed: Seed) -> Self {
        Self {
            seed,
            data_dir: None,
            persist: false,
            token_ttl: Duration::from_secs(3600),
            max_attachment_bytes: 5 * 1024 * 1024 * 1024,
            max_document_bytes: 100 * 1024 * 1024,
            delivery: DeliveryConfig::default(),
            delivery_concurrency: 1,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory or the listener could not be set up.
    #[error("cannot start the simulator: {0}")]
    Io(#[from] std::io::Error),
    /// The saved state could not be read.
    #[error("saved state {path} is unreadable: {reason}")]
    State {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The seed is inconsistent.
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    /// A seeded subscription is invalid.
    #[error("seeded subscription {url} is invalid: {reason}")]
    Subscription {
        /// Its URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:<port>/`: the `{tg}` base URL.
    pub base_url: url::Url,
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _temp: Option<tempfile::TempDir>,
    sim: Arc<Sim>,
}

impl RunningSim {
    /// The simulated Trading Grid's state as JSON, for a test comparing before and after:
    /// partners, documents, attachments, spaces, threads, messages, shares, document
    /// requests, campaigns, subscriptions, events and the idempotency keys seen — all but the
    /// access tokens issued (a login changes nothing of the business).
    pub fn snapshot(&self) -> serde_json::Value {
        let state = self
            .sim
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut value = serde_json::to_value(&state).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.remove("tokens");
        }
        value
    }

    /// Stops the server.
    pub fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Starts the simulator on `addr` (port 0 picks a free port).
pub async fn start(config: SimConfig, addr: SocketAddr) -> Result<RunningSim, StartError> {
    config.seed.check()?;
    let (data_dir, temp) = if let Some(dir) = &config.data_dir {
        (dir.clone(), None)
    } else {
        let temp = tempfile::tempdir()?;
        (temp.path().to_path_buf(), Some(temp))
    };
    std::fs::create_dir_all(&data_dir)?;
    let state_file =
        (config.persist && config.data_dir.is_some()).then(|| data_dir.join("state.json"));
    let saved = match &state_file {
        Some(path) if path.exists() => {
            let text = std::fs::read(path)?;
            Some(
                serde_json::from_slice::<State>(&text).map_err(|e| StartError::State {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?,
            )
        }
        _ => None,
    };
    let fresh = saved.is_none();
    let state = saved.unwrap_or_else(|| State::from_seed(&config.seed));
    let sim = Arc::new(Sim {
        clock: config.clock.clone(),
        delivery: DeliveryQueue::start(
            config.delivery.clone(),
            config.clock.clone(),
            config.delivery_concurrency,
        ),
        blobs: blobs::Blobs::new(data_dir.join("blobs"))?,
        state: std::sync::Mutex::new(state),
        faults: std::sync::Mutex::new(Faults::default()),
        idempotency_locks: std::sync::Mutex::new(std::collections::HashMap::new()),
        api_requests: AtomicU64::new(0),
        tokens_issued: AtomicU64::new(0),
        state_file,
        config,
    });
    if fresh {
        for seeded in sim.config.seed.subscriptions.clone() {
            let new = NewSubscription {
                url: seeded.url.clone(),
                event_types: seeded.event_types,
                filter: seeded.filter,
                secret: SecretString::from(seeded.secret),
            };
            sim.write(|state| routes::subscriptions::add(&sim, state, new))
                .map_err(|e| StartError::Subscription {
                    url: seeded.url,
                    reason: e.message,
                })?;
        }
    }
    let app = routes::router()
        .merge(partner::router())
        .merge(control::router())
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(drain::drain_refused_bodies))
        .with_state(Arc::clone(&sim));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let served = axum::serve(listener.tap_io(no_delay), app).with_graceful_shutdown(async {
            let _ = signal.await;
        });
        if let Err(error) = served.await {
            tracing::error!(%error, "tgrid-sim stopped");
        }
    });
    let base_url = url::Url::parse(&format!("http://{addr}/"))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    tracing::info!(%base_url, "tgrid-sim listening");
    Ok(RunningSim {
        base_url,
        addr,
        shutdown: Some(shutdown),
        _temp: temp,
        sim,
    })
}
