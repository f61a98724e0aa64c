//! The request path every call takes: log in when needed, send with `OTCSTicket`, swap in the
//! fresh ticket each answer carries, on 401 log in again once (one login at a time across
//! concurrent calls) and resend, retry 5xx / timeouts / dropped connections / non-JSON
//! answers with the shared policy, and turn error bodies into [`XecmError::Api`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::attributes::CategoryDefinition;
use crate::config::{XecmAuth, XecmConfig};
use crate::error::XecmError;
use crate::ids::CategoryId;
use crate::model::WorkspaceType;
use crate::upload::ContentSource;

/// The ticket header, in and out (matched without regard to case).
const TICKET_HEADER: &str = "OTCSTicket";

/// A typed, async client for the Content Server REST subset gridlink uses.
///
/// Cheap to clone; clones share the connection pool, the ticket and the caches.
#[derive(Debug, Clone)]
pub struct XecmClient {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    http: reqwest::Client,
    pub(crate) config: XecmConfig,
    ticket: RwLock<Option<SecretString>>,
    login_lock: tokio::sync::Mutex<()>,
    logins: AtomicU64,
    pub(crate) definitions: Mutex<HashMap<CategoryId, Arc<CategoryDefinition>>>,
    pub(crate) workspace_types: Mutex<Option<Arc<Vec<WorkspaceType>>>>,
}

/// A request body.
#[derive(Clone, Copy)]
pub(crate) enum Payload<'a> {
    /// No body.
    Empty,
    /// `application/x-www-form-urlencoded`.
    Form(&'a [(String, String)]),
    /// `multipart/form-data` with plain fields and a streamed `file` part.
    Upload {
        fields: &'a [(String, String)],
        file_name: &'a str,
        mime_type: Option<&'a str>,
        source: &'a dyn ContentSource,
    },
}

/// One API call, re-sendable.
#[derive(Clone, Copy)]
pub(crate) struct Call<'a> {
    pub what: &'static str,
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub payload: Payload<'a>,
    /// The answer's body is streamed to the caller: only the headers are timed.
    pub streamed_answer: bool,
}

impl<'a> Call<'a> {
    pub(crate) fn get(what: &'static str, path: &'a str, query: &'a [(String, String)]) -> Self {
        Self {
            what,
            method: &Method::GET,
            path,
            query,
            payload: Payload::Empty,
            streamed_answer: false,
        }
    }

    pub(crate) fn with(
        what: &'static str,
        method: &'a Method,
        path: &'a str,
        payload: Payload<'a>,
    ) -> Self {
        Self {
            what,
            method,
            path,
            query: &[],
            payload,
            streamed_answer: false,
        }
    }

    pub(crate) fn download(what: &'static str, path: &'a str) -> Self {
        Self {
            streamed_answer: true,
            ..Self::get(what, path, &[])
        }
    }

    /// Whether the call changes anything in xECM: every method but `GET`, except the search
    /// (a read Content Server takes as a `POST`).
    pub(crate) fn writes(&self) -> bool {
        *self.method != Method::GET && self.path != SEARCH_PATH
    }

    /// What the call would write, shortly (a dry run's report): what it is, the file, and the
    /// name and folder of its `body` form field.
    fn summary(&self) -> String {
        let mut parts = vec![self.what.to_owned()];
        let fields = match self.payload {
            Payload::Empty => &[][..],
            Payload::Form(fields) => fields,
            Payload::Upload {
                fields, file_name, ..
            } => {
                parts.push(format!("file \"{file_name}\""));
                fields
            }
        };
        let body = fields
            .iter()
            .find(|(name, _)| name == "body")
            .and_then(|(_, value)| serde_json::from_str::<Value>(value).ok());
        if let Some(body) = body {
            if let Some(name) = body.get("name").and_then(Value::as_str) {
                parts.push(format!("name \"{name}\""));
            }
            if let Some(parent) = body.get("parent_id") {
                parts.push(format!("in folder {parent}"));
            }
        }
        parts.join(", ")
    }
}

/// The search call's path: a read sent as `POST`.
pub(crate) const SEARCH_PATH: &str = "v2/search";

impl XecmClient {
    /// A client for one Content Server. Nothing is sent until the first call.
    pub fn new(config: XecmConfig) -> Result<Self, XecmError> {
        let tls = gridlink_core::tls::client_config().map_err(XecmError::Config)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("gridlink-xecm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| XecmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                ticket: RwLock::new(None),
                login_lock: tokio::sync::Mutex::new(()),
                logins: AtomicU64::new(0),
                definitions: Mutex::new(HashMap::new()),
                workspace_types: Mutex::new(None),
            }),
        })
    }

    /// How many times the client has logged in (the first login included).
    pub fn login_count(&self) -> u64 {
        self.inner.logins.load(Ordering::Relaxed)
    }

    fn current_ticket(&self) -> Option<SecretString> {
        self.inner
            .ticket
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn store_ticket(&self, ticket: Option<SecretString>) {
        *self
            .inner
            .ticket
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = ticket;
    }

    /// Sends a JSON call with retries; returns the parsed body.
    pub(crate) async fn json(&self, call: Call<'_>) -> Result<Value, XecmError> {
        self.inner
            .config
            .retry
            .run(call.what, |attempt| self.attempt_json(call, attempt))
            .await
    }

    /// Like [`Self::json`], also saying on which attempt it succeeded or failed.
    pub(crate) async fn json_counting(&self, call: Call<'_>) -> (Result<Value, XecmError>, u32) {
        let last = std::sync::atomic::AtomicU32::new(0);
        let result = self
            .inner
            .config
            .retry
            .run(call.what, |attempt| {
                last.store(attempt, Ordering::Relaxed);
                self.attempt_json(call, attempt)
            })
            .await;
        (result, last.load(Ordering::Relaxed))
    }

    async fn attempt_json(&self, call: Call<'_>, attempt: u32) -> Result<Value, XecmError> {
        let response = self.send(call).await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|source| XecmError::Transport {
                what: call.what,
                source,
            })?;
        tracing::debug!(
            what = call.what,
            status = status.as_u16(),
            attempt,
            "xECM answered"
        );
        if !status.is_success() {
            return Err(api_error(call.what, status, &body));
        }
        serde_json::from_slice::<Value>(&body).map_err(|_| XecmError::Decode {
            what: call.what,
            status: status.as_u16(),
            body_snippet: snippet(&body),
        })
    }

    /// Opens a download (with retries until the answer's headers arrive); the body is left
    /// to the caller to stream.
    pub(crate) async fn open_download(&self, call: Call<'_>) -> Result<Response, XecmError> {
        self.inner
            .config
            .retry
            .run(call.what, |_| async move {
                let response = self.send(call).await?;
                let status = response.status();
                if status.is_success() {
                    return Ok(response);
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|source| XecmError::Transport {
                        what: call.what,
                        source,
                    })?;
                Err(api_error(call.what, status, &body))
            })
            .await
    }

    /// Sends once with the current ticket; on 401 logs in again (once) and resends. Inside a
    /// dry run a call that changes anything is refused here, before anything is sent.
    async fn send(&self, call: Call<'_>) -> Result<Response, XecmError> {
        if call.writes()
            && let Some(refusal) =
                gridlink_core::dry_run::refuse("xecm", call.method.as_str(), call.path, || {
                    call.summary()
                })
        {
            return Err(XecmError::DryRun(refusal));
        }
        let ticket = match self.current_ticket() {
            Some(ticket) => ticket,
            None => self.login(None).await?,
        };
        let mut response = self.send_with(call, &ticket).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            tracing::info!(what = call.what, "ticket refused; logging in again");
            let fresh = self.login(Some(&ticket)).await?;
            response = self.send_with(call, &fresh).await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                let body = response.bytes().await.unwrap_or_default();
                return Err(XecmError::Auth(format!(
                    "{} was refused right after a fresh login: {}",
                    call.what,
                    error_text(&body).unwrap_or_else(|| snippet(&body))
                )));
            }
        }
        if response.status().is_success()
            && let Some(fresh) = response
                .headers()
                .get(TICKET_HEADER)
                .and_then(|v| v.to_str().ok())
            && !fresh.is_empty()
        {
            self.store_ticket(Some(SecretString::from(fresh.to_owned())));
        }
        Ok(response)
    }

    async fn send_with(
        &self,
        call: Call<'_>,
        ticket: &SecretString,
    ) -> Result<Response, XecmError> {
        let config = &self.inner.config;
        let url = config.api_url(call.path)?;
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .query(call.query);
        let ticket_value = HeaderValue::from_str(ticket.expose_secret()).map_err(|_| {
            XecmError::Auth("the server issued a ticket that is not a valid header".to_owned())
        })?;
        request = request.header(TICKET_HEADER, ticket_value);
        let timeout = match call.payload {
            Payload::Empty if call.streamed_answer => None,
            Payload::Empty => Some(config.timeout),
            Payload::Form(fields) => {
                request = request.form(fields);
                Some(config.timeout)
            }
            Payload::Upload {
                fields,
                file_name,
                mime_type,
                source,
            } => {
                let stream = source.open().await.map_err(|source| XecmError::Source {
                    what: call.what,
                    source,
                })?;
                let body = reqwest::Body::wrap_stream(stream);
                let size = source.size();
                let mut part = match size {
                    Some(size) => Part::stream_with_length(body, size),
                    None => Part::stream(body),
                }
                .file_name(file_name.to_owned());
                if let Some(mime) = mime_type {
                    part = part
                        .mime_str(mime)
                        .map_err(|e| XecmError::Invalid(format!("MIME type '{mime}': {e}")))?;
                }
                let mut form = Form::new();
                for (name, value) in fields {
                    form = form.text(name.clone(), value.clone());
                }
                request = request.multipart(form.part("file", part));
                Some(gridlink_core::upload::upload_limit(
                    config.timeout,
                    size,
                    config.min_upload_rate,
                ))
            }
        };
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let sent = request.send();
        let sent = if call.streamed_answer {
            tokio::time::timeout(config.timeout, sent)
                .await
                .map_err(|_| XecmError::Decode {
                    what: call.what,
                    status: 0,
                    body_snippet: format!("no answer within {:?}", config.timeout),
                })?
        } else {
            sent.await
        };
        sent.map_err(|source| XecmError::Transport {
            what: call.what,
            source,
        })
    }

    /// Logs in, unless another call already replaced `stale` with a working ticket.
    async fn login(&self, stale: Option<&SecretString>) -> Result<SecretString, XecmError> {
        let _one_login_at_a_time = self.inner.login_lock.lock().await;
        if let Some(current) = self.current_ticket()
            && stale.is_none_or(|stale| stale.expose_secret() != current.expose_secret())
        {
            return Ok(current);
        }
        let ticket = self.request_ticket().await?;
        self.inner.logins.fetch_add(1, Ordering::Relaxed);
        self.store_ticket(Some(ticket.clone()));
        tracing::info!("logged in to xECM");
        Ok(ticket)
    }

    async fn request_ticket(&self) -> Result<SecretString, XecmError> {
        const WHAT: &str = "login";
        let config = &self.inner.config;
        let url = config.api_url("v1/auth")?;
        let request = match &config.auth {
            XecmAuth::Password { user, password } => self.inner.http.post(url).form(&[
                ("username", user.as_str()),
                ("password", password.expose_secret()),
            ]),
            XecmAuth::OtdsTicket(ticket) => self
                .inner
                .http
                .get(url)
                .headers(secret_header("OTDSTicket", ticket.expose_secret())?),
            XecmAuth::Bearer(token) => self.inner.http.get(url).headers(secret_header(
                AUTHORIZATION.as_str(),
                &format!("Bearer {}", token.expose_secret()),
            )?),
        };
        let response = request
            .timeout(config.timeout)
            .send()
            .await
            .map_err(|source| XecmError::Transport { what: WHAT, source })?;
        let status = response.status();
        let header_ticket = response
            .headers()
            .get(TICKET_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|source| XecmError::Transport { what: WHAT, source })?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(XecmError::Auth(
                error_text(&body).unwrap_or_else(|| "credentials refused".to_owned()),
            ));
        }
        if !status.is_success() {
            return Err(api_error(WHAT, status, &body));
        }
        let body_ticket = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("ticket").and_then(Value::as_str).map(str::to_owned));
        body_ticket
            .or(header_ticket)
            .map(SecretString::from)
            .ok_or_else(|| XecmError::Decode {
                what: WHAT,
                status: status.as_u16(),
                body_snippet: snippet(&body),
            })
    }

    /// Ends the session (`DELETE /api/v1/auth`) and forgets the ticket.
    pub async fn logout(&self) -> Result<(), XecmError> {
        if self.current_ticket().is_none() {
            return Ok(());
        }
        let method = Method::DELETE;
        let result = self
            .json(Call::with("logout", &method, "v1/auth", Payload::Empty))
            .await;
        self.store_ticket(None);
        result.map(|_| ())
    }
}

fn secret_header(name: &str, value: &str) -> Result<HeaderMap, XecmError> {
    let mut headers = HeaderMap::new();
    let mut value = HeaderValue::from_str(value).map_err(|_| {
        XecmError::Config(format!("the {name} credential is not a valid header value"))
    })?;
    value.set_sensitive(true);
    let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| XecmError::Config(format!("'{name}' is not a header name")))?;
    headers.insert(name, value);
    Ok(headers)
}

/// The `error` text of an error body, if it has one.
fn error_text(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get("error")?
        .as_str()
        .map(str::to_owned)
}

/// An [`XecmError::Api`] from an error answer; non-JSON bodies keep a snippet as the text.
fn api_error(what: &'static str, status: StatusCode, body: &[u8]) -> XecmError {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let error = parsed
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .map_or_else(|| snippet(body), str::to_owned);
    let error_detail = parsed
        .as_ref()
        .and_then(|v| v.get("errorDetail"))
        .and_then(|d| match d {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        });
    XecmError::Api {
        what,
        status: status.as_u16(),
        error,
        error_detail,
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.trim().replace(['\r', '\n'], " ")
}
