//! `POST /api/v2/search` and `GET /api/v2/nodes/{id}/audit`.

use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::XecmError;
use crate::ids::NodeId;
use crate::model::{AuditEntry, Node, node_from, results, shape_error};
use crate::paging::{PagedCall, paged};
use crate::transport::XecmClient;

/// A search (`where` in LQL, e.g. `OTSubType: 144 and OTLocation: 2000`).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// The LQL query.
    pub lql: String,
    /// `sort`, e.g. `asc_OTModifyDate`.
    pub sort: Option<String>,
    /// Page size (100 when 0).
    pub page_size: u32,
}

/// Filters for a node's audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// `where_type`.
    pub event_type: Option<i64>,
    /// `where_audit_date_start`.
    pub since: Option<OffsetDateTime>,
    /// `where_audit_date_end`.
    pub until: Option<OffsetDateTime>,
    /// Page size (100 when 0).
    pub page_size: u32,
}

fn date_param(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// Quotes a value for LQL.
pub fn lql_quote(value: &str) -> String {
    format!("\"{}\"", value.replace('"', " "))
}

impl XecmClient {
    /// `POST /api/v2/search`: every hit, page by page.
    pub fn search(&self, query: &SearchQuery) -> BoxStream<'static, Result<Node, XecmError>> {
        let mut params = vec![("where".to_owned(), query.lql.clone())];
        if let Some(sort) = &query.sort {
            params.push(("sort".to_owned(), sort.clone()));
        }
        let call = PagedCall {
            what: "search",
            method: Method::POST,
            path: crate::transport::SEARCH_PATH.to_owned(),
            params,
            limit: if query.page_size == 0 {
                100
            } else {
                query.page_size
            },
        };
        paged(self, call, |body| {
            results(body)
                .into_iter()
                .map(|item| node_from(item, "search"))
                .collect()
        })
    }

    /// `GET /api/v2/nodes/{id}/audit`: the node's audit entries, newest first.
    pub fn audit(
        &self,
        node: NodeId,
        query: &AuditQuery,
    ) -> BoxStream<'static, Result<AuditEntry, XecmError>> {
        let mut params = Vec::new();
        if let Some(event_type) = query.event_type {
            params.push(("where_type".to_owned(), event_type.to_string()));
        }
        if let Some(since) = query.since {
            params.push(("where_audit_date_start".to_owned(), date_param(since)));
        }
        if let Some(until) = query.until {
            params.push(("where_audit_date_end".to_owned(), date_param(until)));
        }
        let call = PagedCall {
            what: "audit",
            method: Method::GET,
            path: format!("v2/nodes/{node}/audit"),
            params,
            limit: if query.page_size == 0 {
                100
            } else {
                query.page_size
            },
        };
        paged(self, call, |body: &Value| {
            let entries = body
                .pointer("/results/data/audit")
                .and_then(Value::as_array)
                .ok_or_else(|| shape_error("audit", "no results.data.audit", body))?;
            entries
                .iter()
                .map(|entry| {
                    serde_json::from_value(entry.clone())
                        .map_err(|e| shape_error("audit", &e.to_string(), entry))
                })
                .collect()
        })
    }
}
