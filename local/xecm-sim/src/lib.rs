//! # gridlink-xecm-sim
//!
//! A local OpenText Extended ECM (Content Server) that serves the REST subset gridlink uses
//! (`docs/xecm-subset.md`) the way the real server does: the same paths under
//! `/otcs/cs.exe/api` and `/cs/cs/api`, form-encoded bodies with `body=<json>` merged over
//! plain fields, the same envelopes, status codes, error texts and `OTCSTicket` behaviour
//! (a fresh ticket on every success, 401 "Authentication Required" once it expires).
//!
//! Beyond the real API it seeds itself from a file, injects faults on demand, keeps a change
//! feed and audit entries, and can persist to a data directory. Uploads are streamed to disk
//! and downloads streamed from it: a 2 GiB document never sits in memory.
//!
//! Start it in-process with [`start`] (port 0 for tests) or run the `xecm-sim` binary.
//!
//! ## Layout
//! - [`server`]: shared state, the API middleware (faults, authentication, fresh tickets),
//!   the router mounting the API under both prefixes.
//! - `routes/`: one module per area — `auth`, `workspaces`, `nodes`, `versions`,
//!   `categories`, `search` (search and audit), `sim` (`/__sim`).
//! - [`store`] and [`model`]: the repository and what it holds; [`ops`]: operations shared by
//!   routes and the seed loader; [`categories`]: attribute keys, values, sets, metadata.
//! - [`input`]: request bodies (url-encoded, multipart streamed to disk, JSON).
//! - [`envelope`] and [`render`]: response shapes and error bodies.
//! - [`sessions`]: sessions and tickets; [`faults`]: fault switches; [`seed`]: the seed
//!   file; [`persist`]: the data-directory snapshot; [`lql`]: the search query language.

pub mod categories;
pub mod envelope;
pub mod faults;
pub mod input;
pub mod lql;
pub mod model;
pub mod ops;
pub mod persist;
pub mod render;
pub mod routes;
pub mod seed;
pub mod server;
pub mod sessions;
pub mod store;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use axum::serve::ListenerExt as _;
use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_core::net::no_delay;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{FaultConfig, FaultCounts};
pub use seed::{Seed, SeedError};
pub use sessions::TicketPolicy;

use crate::persist::{PersistError, Persistence};
use crate::server::{ContentDir, Sim};
use crate::store::Store;

/// Where the seed comes from.
#[derive(Debug, Clone)]
pub enum SeedSource {
    /// A `.json` or `.toml` seed file.
    File(PathBuf),
    /// A seed built in code.
    Inline(Box<Seed>),
}

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// What to seed a fresh repository with (ignored when the data directory already holds
    /// a snapshot).
    pub seed: Option<SeedSource>,
    /// Where to persist; in memory (content in a temporary directory) when `None`.
    pub data_dir: Option<PathBuf>,
    /// Fault switches in force from the start.
    pub faults: FaultConfig,
    /// Ticket lifetime.
    pub tickets: TicketPolicy,
    /// The clock for tickets and dates.
    pub clock: SharedClock,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: None,
            data_dir: None,
            faults: FaultConfig::default(),
            tickets: TicketPolicy::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The seed is unreadable or inconsistent.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The data directory's snapshot is unreadable.
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// The content directory or the socket failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A simulator serving on a socket.
#[derive(Debug)]
pub struct RunningSim {
    /// The Content Server URL in its Windows form (`http://127.0.0.1:port/otcs/cs.exe`);
    /// the REST root is this plus `/api`.
    pub base_url: String,
    /// The same server in its Linux form (`http://127.0.0.1:port/cs/cs`).
    pub linux_base_url: String,
    /// The simulator root (`http://127.0.0.1:port`), where `/__sim` lives.
    pub root_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    sim: Arc<Sim>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// Replaces the fault switches.
    pub fn set_faults(&self, config: FaultConfig) {
        self.sim.faults().replace(config);
    }

    /// Faults injected so far.
    pub fn fault_counts(&self) -> FaultCounts {
        self.sim.faults().counts
    }

    /// A copy of the repository, for assertions. It clones every node: to read a large
    /// repository often, use [`RunningSim::with_store`].
    pub fn snapshot(&self) -> Store {
        self.sim.store().clone()
    }

    /// Runs `read` on the repository under its lock, without copying it. The simulator
    /// answers no request meanwhile: keep `read` short, and never block or wait in it.
    pub fn with_store<R>(&self, read: impl FnOnce(&Store) -> R) -> R {
        read(&self.sim.store())
    }

    /// API calls received, by `METHOD /api/...` with ids replaced by `{id}`.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.sim
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Where a version's content is stored.
    pub fn content_path(&self, content_file: &str) -> PathBuf {
        self.sim.content.path(content_file)
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
    }
}

/// Builds the simulator's state from a configuration (loading a snapshot or a seed).
pub fn build(config: &SimConfig) -> Result<Arc<Sim>, StartError> {
    let now = config.clock.now();
    let io = |what: &str| {
        let what = what.to_owned();
        move |source| StartError::Io { what, source }
    };
    let (content, persistence, saved) = match &config.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(io("creating the data directory"))?;
            let persistence = Persistence::in_dir(dir);
            let saved = persistence.load()?;
            let content = ContentDir::at(Persistence::content_dir(dir))
                .map_err(io("creating the content directory"))?;
            (content, Some(persistence), saved)
        }
        None => (
            ContentDir::temporary().map_err(io("creating a content directory"))?,
            None,
            None,
        ),
    };
    let store = if let Some(store) = saved {
        store
    } else {
        let mut store = Store::new(now);
        let seed = match &config.seed {
            Some(SeedSource::File(path)) => Some(Seed::from_file(path)?),
            Some(SeedSource::Inline(seed)) => Some((**seed).clone()),
            None => None,
        };
        if let Some(seed) = seed {
            let created = seed::load(&mut store, &seed, &content, now)?;
            tracing::info!(workspaces = created, "seeded");
        }
        if let Some(persistence) = &persistence {
            persistence.save(&store)?;
        }
        store
    };
    Ok(Arc::new(Sim {
        store: Mutex::new(store),
        sessions: Mutex::new(sessions::Sessions::new(config.tickets)),
        faults: Mutex::new(faults::FaultState::new(config.faults.clone())),
        clock: config.clock.clone(),
        content,
        persistence,
        calls: Mutex::new(BTreeMap::new()),
        call_total: AtomicU64::new(0),
    }))
}

/// Starts the simulator on `addr` (port 0 picks a free port) and serves until shut down.
pub async fn start(config: SimConfig, addr: SocketAddr) -> Result<RunningSim, StartError> {
    let sim = build(&config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Io {
            what: format!("binding {addr}"),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Io {
        what: "reading the bound address".to_owned(),
        source,
    })?;
    let app = server::router(sim.clone());
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener.tap_io(no_delay), app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = serve.await {
            tracing::error!(error = %error, "xecm-sim stopped");
        }
    });
    let root_url = format!("http://{addr}");
    tracing::info!(%addr, "xecm-sim listening");
    Ok(RunningSim {
        base_url: format!("{root_url}/otcs/cs.exe"),
        linux_base_url: format!("{root_url}/cs/cs"),
        root_url,
        addr,
        sim,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}
