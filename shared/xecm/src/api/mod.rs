//! The REST calls of the subset, one module per area, as methods of [`XecmClient`].
//!
//! [`XecmClient`]: crate::XecmClient

pub mod auth;
pub mod categories;
pub mod nodes;
pub mod search;
pub mod versions;
pub mod workspaces;

use serde_json::Value;

/// The form of a call whose body the server wants as `body=<json>`.
pub(crate) fn body_field(body: &Value) -> Vec<(String, String)> {
    vec![("body".to_owned(), body.to_string())]
}
