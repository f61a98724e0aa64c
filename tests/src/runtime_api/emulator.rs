//! Lambda's side of the Runtime API, on `127.0.0.1:0`.
//!
//! # Format
//! The endpoints a runtime calls (all under `/2018-06-01/runtime`):
//! ```text
//! GET  /invocation/next            blocks until an event is queued; 200 with the event as body and
//!                                  Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms,
//!                                  Lambda-Runtime-Invoked-Function-Arn, Lambda-Runtime-Trace-Id
//! POST /invocation/{id}/response   the answer (JSON); 202 {"status":"OK"}
//! POST /invocation/{id}/error      {"errorType": "…", "errorMessage": "…"}; header
//!                                  Lambda-Runtime-Function-Error-Type; 202 {"status":"OK"}
//! POST /init/error                 same body, for a runtime that cannot start; 202
//! ```
//! An unknown or already answered `{id}` gets `400 {"errorType":"InvalidRequestID", …}`, a
//! malformed error report `400 {"errorType":"InvalidErrorReport", …}`, as Lambda would.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

use super::process::{FunctionProcess, ProcessWatch, SpawnError};

/// The account and region every emulated function lives in.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";
/// Lambda accepts responses up to 6 MB; leave room for a runtime that sends a little more.
const MAX_REPORT_BYTES: usize = 8 * 1024 * 1024;

/// How an invocation ended, as Lambda saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The runtime posted to `/invocation/{id}/response`.
    Response(Value),
    /// The runtime posted to `/invocation/{id}/error`.
    Error {
        /// `errorType`: gridlink uses `Retryable`, `NonRetryable`, `UnrecognisedEvent`.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
    },
    /// The runtime posted to `/init/error`: the function never got to serve.
    InitError {
        /// `errorType`.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
    },
}

/// Why [`RuntimeApi::invoke`] got no [`Outcome`]. Each message carries the function's output.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// Nothing answered in time.
    #[error(
        "invocation {request_id} got no answer within {after:?} (did the function start and poll \
         /runtime/invocation/next?)\n{output}"
    )]
    TimedOut {
        /// The request id the event was queued with.
        request_id: String,
        /// The timeout.
        after: Duration,
        /// The function's captured output.
        output: String,
    },
    /// The function process ended before answering.
    #[error(
        "the function process exited ({status}) before answering invocation {request_id}\n{output}"
    )]
    ProcessExited {
        /// The request id the event was queued with.
        request_id: String,
        /// How it exited.
        status: String,
        /// The function's captured output.
        output: String,
    },
    /// The runtime answered with something the Runtime API does not accept.
    #[error("invocation {request_id}: the runtime posted a malformed {what}: {body}\n{output}")]
    MalformedReport {
        /// The request id.
        request_id: String,
        /// `response` or `error report`.
        what: &'static str,
        /// The body, lossily decoded.
        body: String,
        /// The function's captured output.
        output: String,
    },
}

/// How many reports of each kind the emulator has received, to prove which path an answer took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportCounts {
    /// Events handed out through `/invocation/next`.
    pub events_delivered: usize,
    /// Posts to `/invocation/{id}/response`.
    pub responses: usize,
    /// Posts to `/invocation/{id}/error`.
    pub errors: usize,
    /// Posts to `/init/error`.
    pub init_errors: usize,
}

/// An event waiting for the runtime's next poll.
#[derive(Debug)]
struct QueuedEvent {
    request_id: String,
    body: Bytes,
    deadline_ms: u128,
}

/// What the runtime posted for one request id.
#[derive(Debug)]
enum Report {
    Response(Value),
    Error {
        error_type: String,
        error_message: String,
    },
    Malformed {
        what: &'static str,
        body: String,
    },
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<VecDeque<QueuedEvent>>,
    queued: Notify,
    waiting: Mutex<HashMap<String, oneshot::Sender<Report>>>,
    init_error: Mutex<Option<(String, String)>>,
    init_error_reported: Notify,
    counts: Mutex<ReportCounts>,
    function: Mutex<Option<ProcessWatch>>,
    /// When a runtime first asked for an event (`GET /invocation/next`): the end of its init.
    first_next: Mutex<Option<std::time::Instant>>,
    first_next_seen: Notify,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    async fn next_event(&self) -> QueuedEvent {
        loop {
            let queued = self.queued.notified();
            if let Some(event) = lock(&self.queue).pop_front() {
                lock(&self.counts).events_delivered += 1;
                return event;
            }
            queued.await;
        }
    }

    fn function_name(&self) -> String {
        lock(&self.function)
            .as_ref()
            .map_or_else(|| "function".to_owned(), |f| f.name.clone())
    }

    fn output(&self) -> String {
        lock(&self.function).as_ref().map_or_else(
            || "(no function process was started)".to_owned(),
            ProcessWatch::describe_output,
        )
    }

    fn forget(&self, request_id: &str) {
        lock(&self.waiting).remove(request_id);
        lock(&self.queue).retain(|e| e.request_id != request_id);
    }
}

/// A Lambda Runtime API on loopback, serving one function process at a time (as one Lambda
/// execution environment does). Stops when dropped.
#[derive(Debug)]
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl RuntimeApi {
    /// Binds `127.0.0.1:0` and starts serving.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(invocation_response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(invocation_error),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("the Runtime API emulator stopped: {e}");
            }
        });
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Starts the function binary `bin` against this Runtime API.
    ///
    /// The environment is cleared except `PATH`, `HOME`, `TMPDIR`, `LANG`, `RUST_LOG`,
    /// `RUST_BACKTRACE`; then Lambda's variables are set (`AWS_LAMBDA_RUNTIME_API`,
    /// `AWS_LAMBDA_FUNCTION_NAME` = the binary's file name, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`
    /// from the manifest or 128, `AWS_LAMBDA_FUNCTION_VERSION`, `AWS_LAMBDA_LOG_GROUP_NAME`,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`, `AWS_REGION`, `AWS_DEFAULT_REGION`, `AWS_EXECUTION_ENV`,
    /// `_HANDLER`, `TZ`); then `env`, which overrides any of them.
    ///
    /// Invocations are served by the most recently started process.
    pub fn spawn_function(
        &self,
        bin: impl AsRef<Path>,
        env: &[(&str, &str)],
    ) -> Result<FunctionProcess, SpawnError> {
        let bin = bin.as_ref();
        let name = bin.file_stem().map_or_else(
            || "function".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        );
        let memory = gridlink_lambda::manifest::function(&name).map_or(128, |f| f.memory_mb);
        let lambda_env: Vec<(String, String)> = [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory.to_string()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("2026/11/24/[$LATEST]{}", uuid::Uuid::new_v4().simple()),
            ),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
            ("TZ", ":UTC".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let process = FunctionProcess::spawn(bin, &name, &lambda_env, env)?;
        *lock(&self.shared.function) = Some(process.watch());
        Ok(process)
    }

    /// When the runtime first asked for an event (`GET /invocation/next`, the moment its init
    /// ended), waiting up to `timeout` for it; `None` if it did not ask in time.
    pub async fn first_next(&self, timeout: Duration) -> Option<std::time::Instant> {
        let wait = async {
            loop {
                let seen = self.shared.first_next_seen.notified();
                if let Some(at) = *lock(&self.shared.first_next) {
                    return at;
                }
                seen.await;
            }
        };
        tokio::time::timeout(timeout, wait).await.ok()
    }

    /// Queues `event`, waits up to `timeout` for the runtime's answer.
    ///
    /// The event's deadline (`Lambda-Runtime-Deadline-Ms`) is now + `timeout`. If the function
    /// reported an init error, or its process exits before answering, that is the result
    /// instead of a wait for the timeout.
    pub async fn invoke(&self, event: &Value, timeout: Duration) -> Result<Outcome, InvokeError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let outcome = self.invoke_as(&request_id, event, timeout).await;
        self.shared.forget(&request_id);
        outcome
    }

    async fn invoke_as(
        &self,
        request_id: &str,
        event: &Value,
        timeout: Duration,
    ) -> Result<Outcome, InvokeError> {
        let init_reported = self.shared.init_error_reported.notified();
        if let Some(outcome) = self.init_failure() {
            return Ok(outcome);
        }
        let (answer_tx, mut answer) = oneshot::channel();
        lock(&self.shared.waiting).insert(request_id.to_owned(), answer_tx);
        lock(&self.shared.queue).push_back(QueuedEvent {
            request_id: request_id.to_owned(),
            body: Bytes::from(event.to_string()),
            deadline_ms: unix_millis() + timeout.as_millis(),
        });
        self.shared.queued.notify_one();
        let function = lock(&self.shared.function).clone();
        let exited = async {
            match &function {
                Some(f) => f.exited().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            report = &mut answer => self.read_report(request_id, report.ok()),
            () = init_reported => Ok(self
                .init_failure()
                .expect("invariant: the init error is stored before waiters are notified")),
            status = exited => match answer.try_recv() {
                Ok(report) => self.read_report(request_id, Some(report)),
                Err(_) => Err(InvokeError::ProcessExited {
                    request_id: request_id.to_owned(),
                    status,
                    output: self.shared.output(),
                }),
            },
            () = tokio::time::sleep(timeout) => Err(InvokeError::TimedOut {
                request_id: request_id.to_owned(),
                after: timeout,
                output: self.shared.output(),
            }),
        }
    }

    fn read_report(
        &self,
        request_id: &str,
        report: Option<Report>,
    ) -> Result<Outcome, InvokeError> {
        match report {
            Some(Report::Response(value)) => Ok(Outcome::Response(value)),
            Some(Report::Error {
                error_type,
                error_message,
            }) => Ok(Outcome::Error {
                error_type,
                error_message,
            }),
            Some(Report::Malformed { what, body }) => Err(InvokeError::MalformedReport {
                request_id: request_id.to_owned(),
                what,
                body,
                output: self.shared.output(),
            }),
            None => Err(InvokeError::ProcessExited {
                request_id: request_id.to_owned(),
                status: "unknown: the emulator dropped the invocation".to_owned(),
                output: self.shared.output(),
            }),
        }
    }

    fn init_failure(&self) -> Option<Outcome> {
        lock(&self.shared.init_error)
            .clone()
            .map(|(error_type, error_message)| Outcome::InitError {
                error_type,
                error_message,
            })
    }

    /// How many events and reports went through so far.
    pub fn counts(&self) -> ReportCounts {
        *lock(&self.shared.counts)
    }

    /// The output of the function process, framed for a failure message.
    pub fn function_output(&self) -> String {
        self.shared.output()
    }
}

fn unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

async fn next_invocation(State(shared): State<Arc<Shared>>) -> Response {
    {
        let mut first = lock(&shared.first_next);
        if first.is_none() {
            *first = Some(std::time::Instant::now());
            shared.first_next_seen.notify_waiters();
        }
    }
    let event = shared.next_event().await;
    let arn = format!(
        "arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}",
        shared.function_name()
    );
    let trace_id = format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        unix_millis() / 1000,
        &uuid::Uuid::new_v4().simple().to_string()[..24],
        &uuid::Uuid::new_v4().simple().to_string()[..16],
    );
    let headers = [
        (
            HeaderName::from_static("lambda-runtime-aws-request-id"),
            event.request_id,
        ),
        (
            HeaderName::from_static("lambda-runtime-deadline-ms"),
            event.deadline_ms.to_string(),
        ),
        (
            HeaderName::from_static("lambda-runtime-invoked-function-arn"),
            arn,
        ),
        (HeaderName::from_static("lambda-runtime-trace-id"), trace_id),
        (header::CONTENT_TYPE, "application/json".to_owned()),
    ];
    (StatusCode::OK, headers, event.body).into_response()
}

async fn invocation_response(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let Some(waiter) = lock(&shared.waiting).remove(&id) else {
        return unknown_request(&id);
    };
    lock(&shared.counts).responses += 1;
    let report = match serde_json::from_slice(&body) {
        Ok(value) => Report::Response(value),
        Err(_) => Report::Malformed {
            what: "response (not JSON)",
            body: String::from_utf8_lossy(&body).into_owned(),
        },
    };
    let _ = waiter.send(report);
    accepted()
}

async fn invocation_error(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Response {
    let Some(waiter) = lock(&shared.waiting).remove(&id) else {
        return unknown_request(&id);
    };
    lock(&shared.counts).errors += 1;
    let Some((error_type, error_message)) = parse_error_report(&body) else {
        let _ = waiter.send(Report::Malformed {
            what: "error report",
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        return invalid_error_report();
    };
    let _ = waiter.send(Report::Error {
        error_type,
        error_message,
    });
    accepted()
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some(report) = parse_error_report(&body) else {
        return invalid_error_report();
    };
    lock(&shared.counts).init_errors += 1;
    *lock(&shared.init_error) = Some(report);
    shared.init_error_reported.notify_waiters();
    accepted()
}

/// `{"errorType": "…", "errorMessage": "…"}` → its two strings.
fn parse_error_report(body: &[u8]) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    Some((field("errorType")?, field("errorMessage")?))
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}

fn unknown_request(id: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "errorType": "InvalidRequestID",
            "errorMessage": format!("no invocation {id} is waiting for an answer"),
        })),
    )
        .into_response()
}

fn invalid_error_report() -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "errorType": "InvalidErrorReport",
            "errorMessage": "an error report is {\"errorType\": string, \"errorMessage\": string}",
        })),
    )
        .into_response()
}
