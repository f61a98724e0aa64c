//! `GET /api/v1/ping` and `GET /api/v1/auth`.

use serde_json::Value;

use crate::error::XecmError;
use crate::model::{CurrentUser, shape_error};
use crate::transport::{Call, XecmClient};

impl XecmClient {
    /// `GET /api/v1/ping`: whether the REST API answers (logs in first if needed).
    pub async fn ping(&self) -> Result<Value, XecmError> {
        self.json(Call::get("ping", "v1/ping", &[])).await
    }

    /// `GET /api/v1/auth`: the user the client is logged in as.
    pub async fn current_user(&self) -> Result<CurrentUser, XecmError> {
        let body = self.json(Call::get("current user", "v1/auth", &[])).await?;
        let data = body.get("data").unwrap_or(&body);
        serde_json::from_value(data.clone())
            .map_err(|e| shape_error("current user", &e.to_string(), &body))
    }
}
