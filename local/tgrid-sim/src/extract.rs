//! Request extractors that answer in the contract's error shape: the bearer token (with
//! injected faults), JSON bodies and query strings.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::sim::Sim;

/// The largest JSON body accepted (a 5 MiB payload in base64 plus metadata).
pub(crate) const JSON_LIMIT: usize = 8 * 1024 * 1024;

/// Proof that the caller presented a live token for the tenant.
#[derive(Debug)]
pub(crate) struct Tenant;

impl FromRequestParts<Arc<Sim>> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Sim>) -> Result<Self, ApiError> {
        sim.count_request();
        if let Some(fault) = sim.take_fault(parts.method.as_str(), parts.uri.path()) {
            return Err(fault);
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::invalid_token)?;
        let now = sim.now().unix_timestamp();
        sim.read(|state| match state.tokens.get(token) {
            Some(expires) if *expires > now => Ok(Tenant),
            _ => Err(ApiError::invalid_token()),
        })
    }
}

/// A JSON body as `T`, plus the same body as a value (for idempotency fingerprints).
pub(crate) struct ApiJson<T>(pub T, pub serde_json::Value);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::invalid("the body must be application/json"));
        }
        let bytes = axum::body::to_bytes(request.into_body(), JSON_LIMIT)
            .await
            .map_err(|_| ApiError::too_large(JSON_LIMIT as u64))?;
        parse_json(&bytes)
    }
}

/// Reads JSON bytes as `T` (and as a value), naming what was wrong.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &Bytes) -> Result<ApiJson<T>, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(format!("the body is not JSON: {e}")))?;
    let typed = serde_json::from_value(value.clone())
        .map_err(|e| ApiError::invalid(format!("the body is not valid: {e}")))?;
    Ok(ApiJson(typed, value))
}

/// A query string as `T`.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| ApiError::invalid(format!("bad query string: {}", e.body_text())))
    }
}

/// `?limit=&cursor=`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
