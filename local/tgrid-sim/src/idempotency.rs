//! `Idempotency-Key`: the same key with the same body answers the original response (same
//! ids, same status); the same key with a different body answers 409 `conflict`.
//!
//! Keys are scoped to the tenant, kept 24 h, and bound to the method and path as well as
//! the body (reusing a key on another endpoint is a different body, so 409). Only successful
//! (2xx) answers are kept: a create that failed can be retried with the same key. Requests
//! with the same key are serialised, so two concurrent retries cannot both create.

use std::sync::Arc;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tokio::sync::OwnedMutexGuard;

use crate::error::ApiError;
use crate::sim::{IDEMPOTENCY_RETENTION_SECS, Sim};
use crate::state::{State, StoredResponse};

/// The held key of one create request (or none, when the caller sent no key).
pub(crate) struct KeyLock {
    key: Option<String>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Sim {
    /// Reads the `Idempotency-Key` header and waits until no other request holds that key.
    pub async fn lock_key(&self, headers: &HeaderMap) -> Result<KeyLock, ApiError> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(KeyLock {
                key: None,
                _guard: None,
            });
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "Idempotency-Key",
                    "Idempotency-Key must be 1-255 visible ASCII characters",
                )
            })?;
        let scoped = self.read(|state| Ok(format!("{}|{key}", state.tenant.tenant_id)))?;
        let mutex = {
            let mut locks = self
                .idempotency_locks
                .lock()
                .map_err(|_| ApiError::internal("lock table poisoned"))?;
            Arc::clone(locks.entry(scoped.clone()).or_default())
        };
        Ok(KeyLock {
            key: Some(scoped),
            _guard: Some(mutex.lock_owned().await),
        })
    }

    /// The original answer if this key was used with the same fingerprint; 409 if it was
    /// used with another one; `None` if it is new.
    pub fn replay(&self, lock: &KeyLock, fingerprint: &str) -> Result<Option<Response>, ApiError> {
        let Some(key) = &lock.key else {
            return Ok(None);
        };
        let now = self.now().unix_timestamp();
        self.read(|state| {
            let Some(stored) = state
                .idempotency
                .get(key)
                .filter(|s| now - s.at_unix < IDEMPOTENCY_RETENTION_SECS)
            else {
                return Ok(None);
            };
            if stored.fingerprint != fingerprint {
                return Err(ApiError::conflict(
                    "this Idempotency-Key was already used with a different request body",
                )
                .with_details(serde_json::json!({ "field": "Idempotency-Key" })));
            }
            let status = StatusCode::from_u16(stored.status)
                .map_err(|_| ApiError::internal("stored status"))?;
            let mut response = (status, Json(stored.body.clone())).into_response();
            response.headers_mut().insert(
                "idempotent-replayed",
                axum::http::HeaderValue::from_static("true"),
            );
            Ok(Some(response))
        })
    }

    /// Keeps a successful answer under the key (inside the same state change as the create).
    pub fn remember(
        &self,
        state: &mut State,
        lock: &KeyLock,
        fingerprint: &str,
        status: StatusCode,
        body: &serde_json::Value,
    ) {
        let Some(key) = &lock.key else { return };
        let now = self.now().unix_timestamp();
        state
            .idempotency
            .retain(|_, s| now - s.at_unix < IDEMPOTENCY_RETENTION_SECS);
        state.idempotency.insert(
            key.clone(),
            StoredResponse {
                fingerprint: fingerprint.to_owned(),
                status: status.as_u16(),
                body: body.clone(),
                at_unix: now,
            },
        );
    }
}

/// The fingerprint of a request: method and path plus the body in canonical form (JSON
/// objects with sorted keys, so whitespace and key order do not matter).
pub(crate) fn fingerprint(route: &str, body: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(route.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.to_string().as_bytes());
    hex::encode(hasher.finalize())
}
