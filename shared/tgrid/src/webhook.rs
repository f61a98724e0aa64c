//! Receiving webhooks: check the signature and the timestamp, then read the event.
//!
//! # Format
//! Headers `TG-Event-Id`, `TG-Event-Type`, `TG-Timestamp` (Unix seconds) and
//! `TG-Signature: v1=<hex hmac_sha256(secret, "{TG-Timestamp}.{raw body}")>`; the body is one
//! [`Event`] as JSON. A receiver must verify over the raw bytes, before parsing.

use gridlink_core::clock::Clock;
use gridlink_core::webhook::{
    DEFAULT_TOLERANCE_SECS, FieldKind, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER,
    explain_body_error, verify,
};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};

use crate::events::Event;

/// Why a webhook delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The signature or timestamp did not verify (answer 401).
    #[error("webhook signature rejected (TG-Timestamp, TG-Signature): {0}")]
    Signature(#[from] SignatureError),
    /// The body verified but is not an event (answer 400); names the field.
    #[error("webhook body is not a Trading Grid event: {0}")]
    Body(String),
}

impl gridlink_core::error::Classify for WebhookError {
    fn kind(&self) -> gridlink_core::error::ErrorKind {
        match self {
            Self::Signature(_) => gridlink_core::error::ErrorKind::Unauthorized,
            Self::Body(_) => gridlink_core::error::ErrorKind::BadRequest,
        }
    }
}

/// Verifies a delivery (300 s window) and reads its event.
pub fn verify_webhook(
    headers: &HeaderMap,
    raw_body: &[u8],
    secret: &SecretString,
    clock: &dyn Clock,
) -> Result<Event, WebhookError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    };
    verify(
        secret.expose_secret().as_bytes(),
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        raw_body,
        clock.unix_seconds(),
        DEFAULT_TOLERANCE_SECS,
    )?;
    serde_json::from_slice(raw_body).map_err(|e| {
        WebhookError::Body(explain_body_error(
            raw_body,
            &[
                ("event_id", FieldKind::Text, true),
                ("event_type", FieldKind::Text, true),
                ("occurred_at", FieldKind::Time, true),
                ("tenant_id", FieldKind::Text, true),
                ("data", FieldKind::Any, true),
            ],
            &e,
        ))
    })
}
