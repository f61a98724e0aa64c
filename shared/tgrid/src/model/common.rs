//! Shapes shared by every area: pages, external references, extra fields.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Fields a resource carried that this version of the client does not know.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// One page of a list.
///
/// # Format
/// `{"items":[…],"next_cursor":null|"…"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page, in list order.
    pub items: Vec<T>,
    /// Pass as `cursor=` to get the next page; `None` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A reference to the record in another system that a resource belongs to.
///
/// # Format
/// `{"system":"xecm","id":"12345"}`; written `xecm:12345` in `where_external_ref` filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalRef {
    /// The other system (`xecm`, `erp`, …).
    pub system: String,
    /// The record's id there (e.g. the xECM workspace node id).
    pub id: String,
}

impl ExternalRef {
    /// A reference from its parts.
    pub fn new(system: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            id: id.into(),
        }
    }

    /// Reads `system:id`.
    pub fn parse(text: &str) -> Option<Self> {
        let (system, id) = text.split_once(':')?;
        (!system.is_empty() && !id.is_empty()).then(|| Self::new(system, id))
    }
}

impl fmt::Display for ExternalRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.system, self.id)
    }
}

/// The error body every non-2xx response carries.
///
/// # Format
/// `{"error":{"code":"<snake_case>","message":"<human text>","details":{…}?}}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable snake_case code (`invalid_request`, `conflict`, …).
    pub code: String,
    /// Human text.
    pub message: String,
    /// Structured details (e.g. which field was wrong).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The OAuth2 token response.
///
/// # Format
/// `{"access_token":"…","token_type":"Bearer","expires_in":3600}`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}
