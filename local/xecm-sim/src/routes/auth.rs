//! `/api/v1/auth`, `/api/v1/ping` and `/api/v1/serverinfo`.

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use serde_json::json;

use crate::envelope::{ApiError, ApiResult, ok};
use crate::input::FormInput;
use crate::server::{ApiRoot, AppState, Authed, Authentication};

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

/// The Content Server release the simulator answers as.
pub const SERVER_VERSION: &str = "24.4";

/// `GET /api/v1/serverinfo` (no login needed, like `ping`): the shape of pyxecm's
/// `get_server_info` example, with the simulator's URL, clock and ticket lifetime.
pub async fn server_info(
    State(sim): State<AppState>,
    headers: HeaderMap,
    Extension(ApiRoot(root)): Extension<ApiRoot>,
) -> ApiResult {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let base = root.strip_suffix("/api").unwrap_or(root);
    let policy = sim.sessions().policy();
    let lifetime_ms = u64::try_from(policy.ttl.as_millis()).unwrap_or(u64::MAX);
    ok(&json!({
        "mobile": {"cs_viewer_support": false, "offline_use": true},
        "server": {
            "advanced_versioning": true,
            "character_encoding": 1,
            "current_date": crate::envelope::local_date(sim.now()),
            "current_locale_suffix": "_en_US",
            "domain_access_enabled": false,
            "enhanced_advanced_versioning": false,
            "force_download_for_mime_types": [],
            "language_code": "USA",
            "languages": [{"active": true, "default": true, "language_code": "en_US", "language_name": "English (United States)"}],
            "metadata_languages": [{"default": true, "language_code": "en", "language_name": "English"}],
            "url": format!("http://{host}{base}"),
            "version": SERVER_VERSION,
        },
        "sessions": {
            "enabled": true,
            "expire_after_last_login": !policy.sliding,
            "expire_after_last_request": policy.sliding,
            "logout_url": "?func=ll.DoLogout",
            "session_inactivity": lifetime_ms,
            "session_reaction_time": 180_000,
            "session_timeout": lifetime_ms,
        },
        "viewer": {"content_suite": {}},
    }))
}
