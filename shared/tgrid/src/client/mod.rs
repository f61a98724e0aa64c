//! [`TgClient`]: the contract over HTTP, with authentication, idempotency keys, retries and
//! streaming. Each area's calls live in their own file and implement the traits of
//! [`crate::ports`].

mod attachments;
mod auth;
mod campaigns;
mod collaboration;
mod documents;
mod events;
mod partners;
mod requests;
mod shares;

use std::sync::Arc;
use std::time::Duration;

use gridlink_core::clock::{SharedClock, SystemClock};
use gridlink_core::retry::{RetryPolicy, parse_retry_after};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use self::auth::TokenCache;
use crate::error::TgError;
use crate::ids::{IdempotencyKey, TenantId};
use crate::model::ErrorBody;
use crate::stream::{ByteRange, Download};

/// Everything the client needs to reach one tenant.
#[derive(Debug, Clone)]
pub struct TgConfig {
    /// `{tg}`: the API root, e.g. `https://tg.example.com/` (paths are appended to it).
    pub base_url: Url,
    /// The tenant.
    pub tenant_id: TenantId,
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: SecretString,
    /// How transient failures are retried.
    pub retry: RetryPolicy,
    /// Per-request timeout for JSON calls. A streamed download uses it as a connect and
    /// read-idle timeout instead; a streamed upload gets it plus the time its body takes at
    /// [`MIN_UPLOAD_BYTES_PER_SEC`] for the whole exchange, and no read-idle limit.
    pub timeout: Duration,
}

impl TgConfig {
    fn url(&self, path: &str) -> Url {
        let mut url = self.base_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/{}", path.trim_start_matches('/')));
        url
    }
}

/// The slowest upload a streamed transfer is given time for: 1 MiB/s. A 256 MiB attachment
/// gets the configured timeout plus 256 s.
pub const MIN_UPLOAD_BYTES_PER_SEC: u64 = 1024 * 1024;

/// How long one request may take.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Timing {
    /// A JSON call: the configured timeout for the whole exchange.
    Whole,
    /// A streamed download: the configured timeout between reads, however long it runs.
    ReadIdle,
    /// A streamed upload of this many bytes (when known). Trading Grid answers only once the
    /// body is in, so the connection is silent for as long as the upload takes: a read-idle
    /// limit would cut every upload longer than it (it did: a 256 MiB attachment on a busy
    /// machine). The whole exchange gets the configured timeout plus the body's time at
    /// [`MIN_UPLOAD_BYTES_PER_SEC`]; without a length, 15 minutes (Lambda's longest run) —
    /// [`gridlink_core::upload::upload_limit`], the rule the xECM client follows too.
    Upload(Option<u64>),
}

impl Timing {
    fn whole_limit(self, timeout: Duration) -> Option<Duration> {
        match self {
            Self::Whole => Some(timeout),
            Self::ReadIdle => None,
            Self::Upload(size) => Some(gridlink_core::upload::upload_limit(
                timeout,
                size,
                MIN_UPLOAD_BYTES_PER_SEC,
            )),
        }
    }
}

/// The Trading Grid client. Cheap to clone; clones share the token cache.
#[derive(Debug, Clone)]
pub struct TgClient {
    /// JSON calls and downloads: a read-idle limit of the configured timeout.
    http: reqwest::Client,
    /// Uploads: no read-idle limit (see [`Timing::Upload`]).
    upload_http: reqwest::Client,
    config: Arc<TgConfig>,
    tokens: Arc<TokenCache>,
    clock: SharedClock,
}

/// How a request body is attached on each attempt.
pub(crate) type Build<'a> =
    Box<dyn Fn(RequestBuilder) -> Result<RequestBuilder, TgError> + Send + Sync + 'a>;

impl TgClient {
    /// A client for `config`, on the wall clock.
    pub fn new(config: TgConfig) -> Result<Self, TgError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose token expiry and `Retry-After` dates are read from `clock`.
    pub fn with_clock(config: TgConfig, clock: SharedClock) -> Result<Self, TgError> {
        let tls = gridlink_core::tls::client_config().map_err(|reason| TgError::InvalidInput {
            what: "client set-up",
            reason,
        })?;
        let builder = || {
            reqwest::Client::builder()
                .tls_backend_preconfigured(tls.clone())
                .connect_timeout(config.timeout)
        };
        let set_up = |source| TgError::Transport {
            what: "client set-up",
            source,
        };
        let http = builder()
            .read_timeout(config.timeout)
            .build()
            .map_err(set_up)?;
        let upload_http = builder().build().map_err(set_up)?;
        Ok(Self {
            http,
            upload_http,
            tokens: Arc::new(TokenCache::new(clock.clone())),
            config: Arc::new(config),
            clock,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &TgConfig {
        &self.config
    }

    /// Sends one logical call: retried per the policy, with a fresh token (and one refresh
    /// on 401), the idempotency key on every attempt, and the body rebuilt each attempt.
    async fn send(
        &self,
        what: &'static str,
        method: Method,
        path: &str,
        key: Option<&IdempotencyKey>,
        timing: Timing,
        build: Build<'_>,
    ) -> Result<Response, TgError> {
        refuse_in_dry_run(&method, path, || match key {
            Some(key) => format!("{what}, idempotency key {}", key.as_str()),
            None => what.to_owned(),
        })?;
        let url = self.config.url(path);
        self.config
            .retry
            .run(what, |_attempt| {
                let (url, method, build) = (url.clone(), method.clone(), &build);
                async move {
                    let attempt = |token: SecretString| {
                        let http = match timing {
                            Timing::Upload(_) => &self.upload_http,
                            Timing::Whole | Timing::ReadIdle => &self.http,
                        };
                        let mut request = http
                            .request(method.clone(), url.clone())
                            .bearer_auth(token.expose_secret());
                        if let Some(limit) = timing.whole_limit(self.config.timeout) {
                            request = request.timeout(limit);
                        }
                        if let Some(key) = key {
                            request = request.header("Idempotency-Key", key.as_str());
                        }
                        build(request)
                    };
                    let token = self.tokens.token(&self.http, &self.config).await?;
                    let mut response = attempt(token.clone())?
                        .send()
                        .await
                        .map_err(|source| TgError::Transport { what, source })?;
                    if response.status() == StatusCode::UNAUTHORIZED {
                        tracing::debug!(what, "token rejected; refreshing once");
                        self.tokens.invalidate(&token).await;
                        let token = self.tokens.token(&self.http, &self.config).await?;
                        response = attempt(token)?
                            .send()
                            .await
                            .map_err(|source| TgError::Transport { what, source })?;
                    }
                    if response.status().is_success() {
                        Ok(response)
                    } else {
                        Err(api_error(response, self.clock.now()).await)
                    }
                }
            })
            .await
    }

    /// A JSON call: sends `body` (if any) and reads the answer as `T`.
    pub(crate) async fn json<T, B>(
        &self,
        what: &'static str,
        method: Method,
        path: &str,
        key: Option<&IdempotencyKey>,
        body: Option<&B>,
    ) -> Result<T, TgError>
    where
        T: DeserializeOwned,
        B: serde::Serialize + Sync + ?Sized,
    {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|source| TgError::Decode { what, source })?;
        refuse_in_dry_run(&method, path, || body_summary(what, body.as_deref()))?;
        let build: Build<'_> = Box::new(move |request| {
            Ok(match &body {
                Some(body) => request
                    .header("Content-Type", "application/json; charset=utf-8")
                    .body(body.clone()),
                None => request,
            })
        });
        let response = self
            .send(what, method, path, key, Timing::Whole, build)
            .await?;
        read_json(what, response).await
    }

    /// A GET with query parameters.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        what: &'static str,
        path: &str,
        query: Vec<(&'static str, String)>,
    ) -> Result<T, TgError> {
        let build: Build<'_> = Box::new(move |request| Ok(request.query(&query)));
        let response = self
            .send(what, Method::GET, path, None, Timing::Whole, build)
            .await?;
        read_json(what, response).await
    }

    /// A streamed GET of content, optionally a range.
    pub(crate) async fn download(
        &self,
        what: &'static str,
        path: &str,
        range: Option<ByteRange>,
    ) -> Result<Download, TgError> {
        use futures::TryStreamExt;
        let build: Build<'_> = Box::new(move |request| {
            Ok(match range {
                Some(range) => request.header("Range", range.header_value()),
                None => request,
            })
        });
        let response = self
            .send(what, Method::GET, path, None, Timing::ReadIdle, build)
            .await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(Download {
            content_length: response.content_length(),
            content_type,
            stream: Box::pin(
                response
                    .bytes_stream()
                    .map_err(move |source| TgError::Transport { what, source }),
            ),
        })
    }
}

/// Inside a dry run (`gridlink_core::dry_run`), refuses every call but a `GET` before
/// anything is sent; outside one, lets it through.
fn refuse_in_dry_run(
    method: &Method,
    path: &str,
    summary: impl FnOnce() -> String,
) -> Result<(), TgError> {
    if *method == Method::GET {
        return Ok(());
    }
    match gridlink_core::dry_run::refuse("tg", method.as_str(), path, summary) {
        Some(refusal) => Err(TgError::DryRun(refusal)),
        None => Ok(()),
    }
}

/// What a JSON call would send, shortly (a dry run's report): what it is and the body's
/// telling fields (the document type, the partner, the file, the subject…).
fn body_summary(what: &str, body: Option<&[u8]>) -> String {
    const TELLING: [&str; 10] = [
        "doc_type",
        "partner_id",
        "receiver",
        "file_name",
        "subject",
        "name",
        "kind",
        "space_id",
        "thread_id",
        "status",
    ];
    let mut parts = vec![what.to_owned()];
    if let Some(serde_json::Value::Object(fields)) =
        body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
    {
        for name in TELLING {
            match fields.get(name) {
                Some(serde_json::Value::String(text)) => {
                    parts.push(format!(
                        "{name} \"{}\"",
                        text.chars().take(80).collect::<String>()
                    ));
                }
                Some(value @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
                    parts.push(format!("{name} {value}"));
                }
                _ => {}
            }
        }
    }
    parts.join(", ")
}

/// Reads a successful answer as `T`.
async fn read_json<T: DeserializeOwned>(
    what: &'static str,
    response: Response,
) -> Result<T, TgError> {
    let body = response
        .bytes()
        .await
        .map_err(|source| TgError::Transport { what, source })?;
    serde_json::from_slice(&body).map_err(|source| TgError::Decode { what, source })
}

/// Turns an error answer into [`TgError::Api`], keeping the contract's code and any
/// `Retry-After`.
pub(crate) async fn api_error(response: Response, now: time::OffsetDateTime) -> TgError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, now));
    let body = response.bytes().await.unwrap_or_default();
    let (code, message, details) = match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(ErrorBody { error }) => (error.code, error.message, error.details),
        Err(_) => (
            format!("http_{}", status.as_u16()),
            status
                .canonical_reason()
                .unwrap_or("unexpected status")
                .to_owned(),
            None,
        ),
    };
    TgError::Api {
        status: status.as_u16(),
        code,
        message,
        details,
        retry_after,
    }
}

/// Query pairs for a list call.
pub(crate) fn page_query(page: &crate::ports::PageRequest) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(limit) = page.limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(cursor) = &page.cursor {
        query.push(("cursor", cursor.clone()));
    }
    query
}
