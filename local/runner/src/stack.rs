//! Starting the local stack: simulators (or external endpoints), embedded storage, the
//! gateway over every function, webhook subscriptions, and the schedules.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::serve::ListenerExt as _;
use gridlink_core::net::no_delay;
use gridlink_lambda::Handler;
use gridlink_tgrid::model::subscriptions::NewSubscription;
use gridlink_tgrid::{EventFeed as _, EventType, IdempotencyKey};
use secrecy::SecretString;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::gateway::Gateway;
use crate::platforms::{self, LOCAL_WEBHOOK_SECRET, LocalPlatforms, Simulators};
use crate::{functions, schedules};

/// How to run the stack.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// Where embedded storage and simulator data live.
    pub data_dir: PathBuf,
    /// The gateway's address (port 0 picks a free one).
    pub listen: SocketAddr,
    /// How much faster than AWS schedules fire; `None` fires them only on demand.
    pub speed: Option<f64>,
    /// Use xECM and TG from the environment instead of starting the simulators.
    pub external: bool,
    /// How long the gateway waits for a request body ([`crate::gateway::BODY_TIMEOUT`]).
    pub body_timeout: std::time::Duration,
}

/// What one function reports about itself on its health route.
#[derive(Debug, Clone)]
pub struct FunctionStatus {
    /// Its name.
    pub name: &'static str,
    /// Whether its use case is built.
    pub implemented: bool,
}

/// A running stack. Dropping it stops the gateway, the schedules and the simulators.
#[derive(Debug)]
pub struct RunningStack {
    /// The gateway's base URL: `http://127.0.0.1:PORT`.
    pub gateway_url: String,
    /// Each function's status.
    pub functions: Vec<FunctionStatus>,
    /// The platforms the functions run on.
    pub platforms: LocalPlatforms,
    /// TG webhook subscriptions made for this stack: (function, subscription id).
    pub subscriptions: Vec<(&'static str, String)>,
    gateway: Gateway,
    tasks: Vec<JoinHandle<()>>,
    _simulators: Simulators,
}

impl Drop for RunningStack {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A stack that could not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// A function's configuration is malformed.
    #[error(transparent)]
    Config(#[from] gridlink_core::config::ConfigError),
    /// The data directory cannot be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The gateway port cannot be bound.
    #[error("cannot listen on {addr}: {source} (is another gridlink-local running? try --port 0)")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The simulators or the platform.
    #[error(transparent)]
    Platforms(#[from] platforms::PlatformsError),
    /// A webhook subscription could not be made.
    #[error("registering the {function} webhook with Trading Grid failed: {reason}")]
    Subscribe {
        /// The function.
        function: &'static str,
        /// Why.
        reason: String,
    },
}

impl RunningStack {
    /// Starts everything.
    pub async fn start(config: StackConfig) -> Result<Self, StackError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StackError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let (simulators, platforms) = if config.external {
            (
                Simulators::default(),
                platforms::from_environment(&config.data_dir).await?,
            )
        } else {
            platforms::start_simulated(&config.data_dir).await?
        };
        let gateway =
            Gateway::new(functions::all(&platforms)?).with_body_timeout(config.body_timeout);
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StackError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StackError::Listen {
            addr: config.listen,
            source,
        })?;
        let gateway_url = format!("http://{addr}");
        let router = gateway.clone().router();
        let mut tasks = vec![tokio::spawn(async move {
            if let Err(e) = axum::serve(listener.tap_io(no_delay), router).await {
                tracing::error!(error = %e, "gateway stopped");
            }
        })];
        let mut statuses = Vec::new();
        let mut subscriptions = Vec::new();
        for handler in gateway.functions() {
            let implemented = is_implemented(handler.as_ref()).await;
            statuses.push(FunctionStatus {
                name: handler.spec().name,
                implemented,
            });
            if !implemented {
                continue;
            }
            if let Some(id) = subscribe(&platforms, handler.as_ref(), &gateway_url).await? {
                subscriptions.push((handler.spec().name, id));
            }
            if let Some(speed) = config.speed {
                tasks.extend(schedules::spawn_all(handler, speed));
            }
        }
        Ok(Self {
            gateway_url,
            functions: statuses,
            platforms,
            subscriptions,
            gateway,
            tasks,
            _simulators: simulators,
        })
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<Arc<dyn Handler>> {
        self.gateway.function(name)
    }

    /// A readable list of what runs where.
    pub fn banner(&self) -> String {
        let endpoints = &self.platforms.endpoints;
        let mut out = format!(
            "gridlink local stack\n  gateway        {}\n  console        {}{}\n  xECM           {}\n  Trading Grid   {}\n",
            self.gateway_url,
            self.gateway_url,
            crate::console::PATH,
            endpoints.xecm_url,
            endpoints.tg_url
        );
        for status in &self.functions {
            let spec = gridlink_lambda::manifest::function(status.name);
            let state = if status.implemented {
                "implemented"
            } else {
                "NOT IMPLEMENTED (answers 501)"
            };
            let _ = writeln!(out, "  {:<20} {state}", status.name);
            for route in spec.map(|s| s.routes).unwrap_or_default() {
                let _ = writeln!(
                    out,
                    "      {:<6} {}{}",
                    route.method, self.gateway_url, route.path
                );
            }
            for schedule in spec.map(|s| s.schedules).unwrap_or_default() {
                let note = if status.implemented {
                    ""
                } else {
                    "  (not scheduled)"
                };
                let _ = writeln!(
                    out,
                    "      every  {:<22} {}{note}",
                    schedule.expression, schedule.name
                );
            }
        }
        for (function, id) in &self.subscriptions {
            let _ = writeln!(out, "  TG webhook     {function} ← subscription {id}");
        }
        out
    }
}

/// Subscribes an implemented function's TG webhook route, if it has one.
async fn subscribe(
    platforms: &LocalPlatforms,
    handler: &dyn Handler,
    gateway_url: &str,
) -> Result<Option<String>, StackError> {
    let spec = handler.spec();
    let Some(route) = spec.routes.iter().find(|r| r.path.ends_with("/tg/events")) else {
        return Ok(None);
    };
    if spec.tg_event_types.is_empty() {
        return Ok(None);
    }
    let url = format!("{gateway_url}{}", route.path);
    let subscription = NewSubscription {
        url: url.clone(),
        event_types: spec
            .tg_event_types
            .iter()
            .map(|t| EventType::from(*t))
            .collect(),
        filter: None,
        secret: SecretString::from(LOCAL_WEBHOOK_SECRET.to_owned()),
    };
    let key = IdempotencyKey::derive("local-subscription", &url);
    let created = platforms
        .tg_client()
        .subscribe(&key, &subscription)
        .await
        .map_err(|e| StackError::Subscribe {
            function: spec.name,
            reason: e.to_string(),
        })?;
    Ok(Some(created.subscription_id.to_string()))
}

async fn is_implemented(handler: &dyn Handler) -> bool {
    let path = format!("/{}/health", handler.spec().name);
    let event = crate::gateway::http_api_event(&crate::gateway::HttpApiRequest {
        method: "GET",
        path: &path,
        raw_query: "",
        route_key: &format!("GET {path}"),
        path_parameters: std::collections::BTreeMap::new(),
        headers: std::collections::BTreeMap::new(),
        body: &[],
    });
    let Ok(response) = gridlink_lambda::dispatch(handler, event).await else {
        return false;
    };
    response
        .get("body")
        .and_then(Value::as_str)
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .and_then(|b| b.get("implemented").and_then(Value::as_bool))
        .unwrap_or(false)
}
