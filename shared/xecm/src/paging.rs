//! One async iterator over both paging envelopes.
//!
//! # Format
//! ```text
//! node browse, search, audit   {"collection":{"paging":{"page":1,"page_total":3,…}},"results":…}
//! workspace lists, relations   {"paging":{"page":1,"page_total":3,…},"results":[…]}
//! ```
//! The iterator asks for page 1, 2, … and stops after `page_total` (or an empty page): the
//! workspace endpoints answer data for pages past the end, so "until empty" never ends.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde_json::Value;

use crate::error::XecmError;
use crate::transport::{Call, Payload, XecmClient};

/// A paged call: `page` and `limit` are added to the query (GET) or the form (POST).
#[derive(Debug, Clone)]
pub(crate) struct PagedCall {
    pub what: &'static str,
    pub method: Method,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub limit: u32,
}

/// `page_total` from either envelope.
pub(crate) fn page_total(body: &Value) -> Option<u64> {
    let paging = body
        .pointer("/collection/paging")
        .or_else(|| body.get("paging"))?;
    match paging.get("page_total")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Every item of every page, in order.
pub(crate) fn paged<T, F>(
    client: &XecmClient,
    call: PagedCall,
    extract: F,
) -> BoxStream<'static, Result<T, XecmError>>
where
    T: Send + 'static,
    F: Fn(&Value) -> Result<Vec<T>, XecmError> + Send + Sync + 'static,
{
    let client = client.clone();
    let extract = std::sync::Arc::new(extract);
    stream::try_unfold(Some(1u64), move |next| {
        let (client, call, extract) = (client.clone(), call.clone(), extract.clone());
        async move {
            let Some(page) = next else { return Ok(None) };
            let mut params = call.params.clone();
            params.push(("page".to_owned(), page.to_string()));
            params.push(("limit".to_owned(), call.limit.to_string()));
            let body = if call.method == Method::GET {
                client
                    .json(Call::get(call.what, &call.path, &params))
                    .await?
            } else {
                client
                    .json(Call::with(
                        call.what,
                        &call.method,
                        &call.path,
                        Payload::Form(&params),
                    ))
                    .await?
            };
            let items = extract(&body)?;
            let last = items.is_empty() || page_total(&body).is_none_or(|total| page >= total);
            Ok(Some((items, (!last).then_some(page + 1))))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}
