//! The running simulator: shared state, the API middleware (faults, authentication, fresh
//! tickets) and the router that mounts the API under both Content Server paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use gridlink_core::clock::SharedClock;
use time::OffsetDateTime;

use crate::envelope::{ApiError, NO_SUCH_ROUTE};
use crate::faults::{Fault, FaultState};
use crate::persist::Persistence;
use crate::sessions::{Caller, Sessions};
use crate::store::Store;

/// The two places Content Server serves its REST API (Windows and Linux installs).
pub const API_PREFIXES: [&str; 2] = ["/otcs/cs.exe/api", "/cs/cs/api"];

/// The REST root a request came in under (`/otcs/cs.exe/api` or `/cs/cs/api`), for answers
/// that name the server's own URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRoot(pub &'static str);

/// The shared simulator, as routes see it.
pub type AppState = Arc<Sim>;

/// Everything the simulator holds.
#[derive(Debug)]
pub struct Sim {
    /// The repository.
    pub store: Mutex<Store>,
    /// Sessions and tickets.
    pub sessions: Mutex<Sessions>,
    /// Fault switches.
    pub faults: Mutex<FaultState>,
    /// The clock tickets and dates are read from.
    pub clock: SharedClock,
    /// Where document content lives.
    pub content: ContentDir,
    /// Where the snapshot goes, when persistent.
    pub persistence: Option<Persistence>,
    /// API calls by `METHOD /api/...` with ids replaced by `{id}`.
    pub calls: Mutex<BTreeMap<String, u64>>,
    /// API calls in all.
    pub call_total: AtomicU64,
}

/// The directory document content is streamed into.
#[derive(Debug)]
pub struct ContentDir {
    root: PathBuf,
    _temporary: Option<tempfile::TempDir>,
}

impl ContentDir {
    /// Content kept in `root` (created if missing).
    pub fn at(root: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        Ok(Self {
            root,
            _temporary: None,
        })
    }

    /// Content kept in a temporary directory removed when the simulator stops.
    pub fn temporary() -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("xecm-sim-content-")
            .tempdir()?;
        Ok(Self {
            root: dir.path().to_path_buf(),
            _temporary: Some(dir),
        })
    }

    /// The path of a content file.
    pub fn path(&self, content_file: &str) -> PathBuf {
        self.root.join(content_file)
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Sim {
    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The repository, locked. Poisoning is ignored: a panicking route leaves data that is
    /// still consistent enough for a simulator.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The sessions, locked.
    pub fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The fault switches, locked.
    pub fn faults(&self) -> MutexGuard<'_, FaultState> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes the snapshot after a change, when persistent.
    pub fn save(&self, store: &Store) {
        if let Some(persistence) = &self.persistence
            && let Err(error) = persistence.save(store)
        {
            tracing::error!(error = %error, "could not write the simulator snapshot");
        }
    }

    /// Removes content files no version refers to any more.
    pub fn discard_content(&self, files: &[String]) {
        for file in files {
            let _ = std::fs::remove_file(self.content.path(file));
        }
    }

    fn max_ticket_age(&self) -> Option<Duration> {
        self.faults()
            .config
            .ticket_expiry_secs
            .map(Duration::from_secs)
    }

    /// Who the credentials in these headers belong to.
    pub fn authenticate(&self, headers: &HeaderMap) -> Authentication {
        let now = self.now();
        if let Some(ticket) = header(headers, "otcsticket").or_else(|| ll_cookie(headers)) {
            let caller = self.sessions().check(&ticket, now, self.max_ticket_age());
            return match caller {
                Some(caller) if self.faults().count_authenticated_call() => {
                    tracing::info!(session = caller.session, "fault: every ticket expires now");
                    self.sessions().end_all();
                    Authentication::Rejected
                }
                Some(caller) => Authentication::Valid(caller),
                None => Authentication::Rejected,
            };
        }
        let token = header(headers, "otdsticket").or_else(|| {
            header(headers, "authorization")
                .and_then(|value| value.strip_prefix("Bearer ").map(str::to_owned))
        });
        match token {
            Some(token) => {
                let user = self
                    .store()
                    .users
                    .iter()
                    .find(|user| user.otds_tokens.contains(&token))
                    .map(|user| user.id);
                match user {
                    Some(user_id) => {
                        Authentication::Valid(self.sessions().open_for_token(&token, user_id, now))
                    }
                    None => Authentication::Rejected,
                }
            }
            None => Authentication::Missing,
        }
    }

    /// Checks again, after a long upload, that the caller's ticket is still good.
    pub fn still_valid(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let now = self.now();
        if let Some(ticket) = header(headers, "otcsticket").or_else(|| ll_cookie(headers))
            && self
                .sessions()
                .check(&ticket, now, self.max_ticket_age())
                .is_none()
        {
            return Err(ApiError::auth_required());
        }
        Ok(())
    }

    fn count_call(&self, method: &str, path: &str) {
        self.call_total.fetch_add(1, Ordering::Relaxed);
        let shape: Vec<&str> = path
            .split('/')
            .map(|segment| {
                if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                    "{id}"
                } else {
                    segment
                }
            })
            .collect();
        let key = format!("{method} {}", shape.join("/"));
        *self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_default() += 1;
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn ll_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookies| {
            cookies.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("LLCookie")
                    .then(|| value.trim().to_owned())
            })
        })
}

/// The outcome of reading a request's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authentication {
    /// No credentials.
    Missing,
    /// Credentials that are unknown, forged or expired.
    Rejected,
    /// A live caller.
    Valid(Caller),
}

/// Extractor for routes that need a logged-in caller; answers 401 otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Authed(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authentication>() {
            Some(Authentication::Valid(caller)) => Ok(Authed(*caller)),
            _ => Err(ApiError::auth_required()),
        }
    }
}

async fn api_middleware(State(sim): State<AppState>, mut request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let full_path = request.uri().path().to_owned();
    // Inside the nested router the prefix is already stripped; name calls as `/api/...`.
    let rest = API_PREFIXES
        .iter()
        .find_map(|prefix| full_path.strip_prefix(prefix))
        .unwrap_or(&full_path);
    let path = format!("/api{rest}");
    sim.count_call(&method, &path);
    let latency = sim.faults().config.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let is_login = path == "/api/v1/auth";
    let answers_json = !path.contains("/content");
    let fault = if is_login {
        None
    } else {
        sim.faults().choose(&method, &path, answers_json)
    };
    match fault {
        Some(Fault::Error500) => {
            return ApiError::server("Internal Server Error (injected fault)").into_response();
        }
        Some(Fault::NonJson) => return maintenance_page(),
        Some(Fault::Drop) => return dropped_connection(),
        Some(Fault::LoseResponse) | None => {}
    }
    let suppress_codes = request.uri().query().is_some_and(|q| {
        q.split('&')
            .any(|pair| pair.split('=').next() == Some("suppress_response_codes"))
    });
    let authentication = sim.authenticate(request.headers());
    request.extensions_mut().insert(authentication);
    let mut response = next.run(request).await;
    if fault == Some(Fault::LoseResponse) {
        return dropped_connection();
    }
    if let Authentication::Valid(caller) = authentication
        && response.status().is_success()
        && !response.headers().contains_key("otcsticket")
    {
        let ticket = sim.sessions().fresh_ticket(caller, sim.now());
        if let Some(value) = ticket.and_then(|t| HeaderValue::from_str(&t).ok()) {
            response.headers_mut().insert("OTCSTicket", value);
        }
    }
    if suppress_codes && !response.status().is_success() {
        return with_status_in_body(response).await;
    }
    response
}

/// `suppress_response_codes`: the status moves into the body as `statusCode`; HTTP says 200.
async fn with_status_in_body(response: Response) -> Response {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap_or_default();
    let mut body = serde_json::from_slice::<serde_json::Value>(&bytes)
        .unwrap_or_else(|_| serde_json::json!({}));
    if let Some(object) = body.as_object_mut() {
        object.insert("statusCode".to_owned(), serde_json::json!(status.as_u16()));
    }
    crate::envelope::json_response(StatusCode::OK, &body)
}

fn maintenance_page() -> Response {
    (
        StatusCode::OK,
        [("content-type", "text/html; charset=UTF-8")],
        "<html><head><title>Content Server</title></head>\
         <body>The server is starting up. Please try again later.</body></html>",
    )
        .into_response()
}

/// An answer whose body fails at once, so the client's connection is torn down.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

/// An unknown path, or a known path with a method it does not take (`POST` to a `GET`-only
/// path): Content Server looks both up in one mappings registry, so both get its JSON
/// error — never an empty 405.
async fn unknown_api_route() -> ApiError {
    ApiError::bad_request(NO_SUCH_ROUTE)
}

/// The whole router: the API under both prefixes, and `/__sim`.
pub fn router(sim: AppState) -> Router {
    let api = crate::routes::api_routes()
        .fallback(unknown_api_route)
        .method_not_allowed_fallback(unknown_api_route)
        .layer(middleware::from_fn_with_state(sim.clone(), api_middleware))
        .layer(DefaultBodyLimit::disable());
    let mut app = Router::new();
    for prefix in API_PREFIXES {
        app = app.nest(prefix, api.clone().layer(axum::Extension(ApiRoot(prefix))));
    }
    app.nest("/__sim", crate::routes::sim::routes())
        .with_state(sim)
}
