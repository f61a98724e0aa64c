//! Starting the local stack.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use gridlink_lambda::Handler;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::gateway::Gateway;
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
}

/// What one function reports about itself on its health route.
#[derive(Debug, Clone)]
pub struct FunctionStatus {
    /// Its name.
    pub name: &'static str,
    /// Whether its use case is built.
    pub implemented: bool,
}

/// A running stack. Dropping it stops the gateway and the schedules.
#[derive(Debug)]
pub struct RunningStack {
    /// The gateway's base URL: `http://127.0.0.1:PORT`.
    pub gateway_url: String,
    /// Each function's status.
    pub functions: Vec<FunctionStatus>,
    gateway: Gateway,
    tasks: Vec<JoinHandle<()>>,
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
}

impl RunningStack {
    /// Starts the gateway over every function and, with a speed, their schedules.
    pub async fn start(config: StackConfig) -> Result<Self, StackError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StackError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let gateway = Gateway::new(functions::all());
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
        let router = gateway.clone().router();
        let mut tasks = vec![tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "gateway stopped");
            }
        })];
        let mut statuses = Vec::new();
        for handler in gateway.functions() {
            let implemented = is_implemented(handler.as_ref()).await;
            statuses.push(FunctionStatus {
                name: handler.spec().name,
                implemented,
            });
            if let (Some(speed), true) = (config.speed, implemented) {
                tasks.extend(schedules::spawn_all(handler, speed));
            }
        }
        Ok(Self {
            gateway_url: format!("http://{addr}"),
            functions: statuses,
            gateway,
            tasks,
        })
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<Arc<dyn Handler>> {
        self.gateway.function(name)
    }

    /// A readable list of what runs where.
    pub fn banner(&self) -> String {
        let mut out = format!("gridlink local stack\n  gateway  {}\n", self.gateway_url);
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
        out
    }
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
