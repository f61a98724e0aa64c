//! `/api/v1/auth` and `/api/v1/ping`.

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use serde_json::json;

use crate::envelope::{ApiError, ApiResult, ok};
use crate::input::FormInput;
use crate::server::{AppState, Authed, Authentication};

/// `POST /api/v1/auth`: form `username`, `password` → `{"ticket": …}`.
pub async fn login(State(sim): State<AppState>, input: FormInput) -> ApiResult {
    let username = input.text("username").filter(|s| !s.is_empty());
    let password = input.text("password").filter(|s| !s.is_empty());
    let Some(username) = username else {
        return Err(ApiError::server("Argument username is required"));
    };
    let Some(password) = password else {
        return Err(ApiError::server("Argument password is required"));
    };
    let user_id = sim
        .store()
        .user_named(&username)
        .filter(|user| user.password == password)
        .map(|user| user.id)
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "Invalid username/password specified",
            )
        })?;
    let (_, ticket) = sim.sessions().open(user_id, sim.now());
    tracing::info!(user_id, "login");
    let mut response = axum::Json(json!({ "ticket": ticket })).into_response();
    if let Ok(value) = HeaderValue::from_str(&ticket) {
        response.headers_mut().insert("OTCSTicket", value);
    }
    Ok(response)
}

/// `GET /api/v1/auth`: the current user. With `OTDSTicket` or `Authorization: Bearer` this is
/// how a client trades its OTDS credential for an `OTCSTicket` (response header).
pub async fn current_user(
    State(sim): State<AppState>,
    Extension(authentication): Extension<Authentication>,
) -> ApiResult {
    let Authentication::Valid(caller) = authentication else {
        return Err(ApiError::auth_required());
    };
    let store = sim.store();
    let name = store
        .users
        .iter()
        .find(|user| user.id == caller.user_id)
        .map_or_else(
            || format!("user{}", caller.user_id),
            |user| user.name.clone(),
        );
    ok(&json!({
        "data": {
            "id": caller.user_id,
            "name": name,
            "display_name": name,
            "type": 0,
            "type_name": "User",
            "deleted": false,
        }
    }))
}

/// `DELETE /api/v1/auth`: ends the session.
pub async fn logout(State(sim): State<AppState>, Authed(caller): Authed) -> ApiResult {
    sim.sessions().end(caller.session);
    ok(&json!({}))
}

/// `GET /api/v1/ping`: readiness, no login needed.
pub async fn ping() -> ApiResult {
    ok(&json!({
        "rest_api": [
            {"build": 2, "href": "api/v1", "version": 1},
            {"build": 2, "href": "api/v2", "version": 2}
        ]
    }))
}
