//! The signed triggers an xECM-started use case answers — Trading Grid webhooks and xECM
//! push calls — verified and handed to the function's durable inbox in one place.

use std::future::Future;

use bytes::Bytes;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::{InboxItem, Platform, tg_webhook};
use gridlink_lambda::{FunctionError, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::push::verify_push;

/// Which signed trigger a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedTrigger {
    /// A Trading Grid webhook delivery (inbox source `tg`).
    TradingGrid,
    /// An xECM push call (inbox source `xecm`).
    XecmPush,
}

/// Verifies `request` as `trigger` (401 / 400 as the verifiers say), keeps it in the inbox
/// before answering, processes it inline with `handler` when it is new, and answers
/// `202 {"accepted", "duplicate"}`; storage down → 503 with `Retry-After: 30`.
pub async fn accept_signed<F, Fut, E>(
    platform: &Platform,
    trigger: SignedTrigger,
    request: &HttpRequest,
    max_attempts: u64,
    handler: F,
) -> Result<HttpResponse, FunctionError>
where
    F: FnOnce(InboxItem) -> Fut,
    Fut: Future<Output = Result<Value, E>>,
    E: Classify + std::fmt::Display,
{
    let (source, event_id, event_type) = match trigger {
        SignedTrigger::TradingGrid => {
            let event = tg_webhook::verify_delivery(
                request,
                &platform.secrets.tg_webhook,
                platform.clock.as_ref(),
            )
            .map_err(|e| FunctionError::from_error(&e))?;
            (
                "tg",
                event.event_id.as_str().to_owned(),
                event.event_type.as_str().to_owned(),
            )
        }
        SignedTrigger::XecmPush => {
            let push = verify_push(
                request,
                platform.secrets.xecm_push.as_ref(),
                platform.clock.as_ref(),
            )
            .map_err(|e| FunctionError::from_error(&e))?;
            ("xecm", push.event_id(), push.event_type.clone())
        }
    };
    let acceptance = platform
        .inbox
        .accept_and_process(
            source,
            &event_id,
            &event_type,
            Bytes::from(request.body.clone()),
            max_attempts,
            handler,
        )
        .await
        .map_err(|e| {
            let failure = FunctionError::from_error(&e);
            if e.kind() == ErrorKind::Unavailable {
                failure.retry_after(std::time::Duration::from_secs(30))
            } else {
                failure
            }
        })?;
    Ok(acceptance.answer())
}
