//! `POST /tenants/{tenant_id}/oauth2/token` (client credentials).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use gridlink_tgrid::model::TokenResponse;
use rand::Rng;
use serde::Deserialize;

use crate::error::ApiError;
use crate::sim::Sim;

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Issues a bearer token valid for the configured lifetime.
pub(crate) async fn token(
    State(sim): State<Arc<Sim>>,
    Path(tenant_id): Path<String>,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Ok(Form(form)) = form else {
        return Err(ApiError::invalid(
            "the body must be application/x-www-form-urlencoded",
        ));
    };
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Err(ApiError::invalid_field(
            "grant_type",
            "grant_type must be client_credentials",
        ));
    }
    let ttl = sim.config.token_ttl.as_secs().max(1);
    let now = sim.now().unix_timestamp();
    let access_token = sim.write(|state| {
        let tenant = &state.tenant;
        let known = tenant.tenant_id.as_str() == tenant_id
            && form.client_id.as_deref() == Some(tenant.client_id.as_str())
            && form.client_secret.as_deref() == Some(tenant.client_secret.as_str());
        if !known {
            return Err(ApiError::invalid_client());
        }
        state.tokens.retain(|_, expires| *expires > now);
        let token = hex::encode(rand::rng().random::<[u8; 24]>());
        state
            .tokens
            .insert(token.clone(), now + i64::try_from(ttl).unwrap_or(i64::MAX));
        Ok(token)
    })?;
    sim.tokens_issued.fetch_add(1, Ordering::SeqCst);
    Ok(axum::Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl,
    })
    .into_response())
}
