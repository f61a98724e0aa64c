//! Refusals that arrive before the request body was read (a 403 on a multipart upload, a
//! 413 half-way through) would otherwise close the connection under a client still
//! sending, which then sees a broken pipe instead of the answer. This layer reads and drops
//! what is left of a refused request's body (up to a cap) before answering.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use tokio::sync::Mutex;

/// The most of a refused body read before giving up and letting the connection close.
const DRAIN_CAP: u64 = 256 * 1024 * 1024;

/// Runs the handler; after a 4xx, drains the unread rest of the request body.
pub(crate) async fn drain_refused_bodies(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let shared = Arc::new(Mutex::new(body.into_data_stream()));
    let reader = Arc::clone(&shared);
    let stream = futures::stream::unfold(reader, |reader| async move {
        let next = reader.lock().await.next().await;
        next.map(|item| (item, reader))
    });
    let response = next
        .run(Request::from_parts(parts, Body::from_stream(stream)))
        .await;
    if response.status().is_client_error() {
        let mut rest = shared.lock().await;
        let mut drained = 0u64;
        while let Some(Ok(chunk)) = rest.next().await {
            drained += chunk.len() as u64;
            if drained > DRAIN_CAP {
                break;
            }
        }
    }
    response
}
