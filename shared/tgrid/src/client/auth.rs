//! The OAuth2 client-credentials token: fetched once, cached, refreshed before it expires
//! and once more when Trading Grid says it is no longer valid.

use gridlink_core::clock::SharedClock;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use super::{TgConfig, api_error};
use crate::error::TgError;
use crate::model::TokenResponse;

/// A token and when to stop using it.
struct Cached {
    token: SecretString,
    refresh_at_unix_ms: i64,
}

/// The token cache. Concurrent callers wait for one refresh instead of each fetching.
pub(crate) struct TokenCache {
    current: Mutex<Option<Cached>>,
    clock: SharedClock,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(clock: SharedClock) -> Self {
        Self {
            current: Mutex::new(None),
            clock,
        }
    }

    /// A token valid for a while yet, fetching a new one if needed.
    pub(crate) async fn token(
        &self,
        http: &reqwest::Client,
        config: &TgConfig,
    ) -> Result<SecretString, TgError> {
        let mut current = self.current.lock().await;
        let now = self.clock.unix_millis();
        if let Some(cached) = current
            .as_ref()
            .filter(|cached| now < cached.refresh_at_unix_ms)
        {
            return Ok(cached.token.clone());
        }
        let fresh = fetch(http, config, self.clock.now()).await?;
        // Refresh a fifth of the lifetime early (at most a minute), so a token never
        // expires between being read here and reaching Trading Grid.
        let lifetime_ms = i64::try_from(fresh.expires_in.saturating_mul(1000)).unwrap_or(i64::MAX);
        let margin_ms = (lifetime_ms / 5).min(60_000);
        let token = SecretString::from(fresh.access_token);
        *current = Some(Cached {
            token: token.clone(),
            refresh_at_unix_ms: now.saturating_add(lifetime_ms - margin_ms),
        });
        tracing::debug!(
            expires_in = fresh.expires_in,
            "trading grid token refreshed"
        );
        Ok(token)
    }

    /// Forgets `rejected` (if it is still the cached token) so the next call fetches anew.
    pub(crate) async fn invalidate(&self, rejected: &SecretString) {
        let mut current = self.current.lock().await;
        if current
            .as_ref()
            .is_some_and(|cached| cached.token.expose_secret() == rejected.expose_secret())
        {
            *current = None;
        }
    }
}

async fn fetch(
    http: &reqwest::Client,
    config: &TgConfig,
    now: time::OffsetDateTime,
) -> Result<TokenResponse, TgError> {
    const WHAT: &str = "oauth2 token";
    let url = config.url(&format!("tenants/{}/oauth2/token", config.tenant_id));
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", config.client_id.as_str()),
        ("client_secret", config.client_secret.expose_secret()),
    ];
    let response = http
        .post(url)
        .form(&form)
        .send()
        .await
        .map_err(|source| TgError::Transport { what: WHAT, source })?;
    if !response.status().is_success() {
        return Err(api_error(response, now).await);
    }
    let body = response
        .bytes()
        .await
        .map_err(|source| TgError::Transport { what: WHAT, source })?;
    serde_json::from_slice(&body).map_err(|source| TgError::Decode { what: WHAT, source })
}
