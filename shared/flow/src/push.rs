//! The signed push route xECM calls (an Event Action Center action, a WebReport, a workflow
//! step) when a workspace or a document changes.
//!
//! # Format
//! ```text
//! POST /<function>/xecm/events
//! X-Gridlink-Timestamp: 1795000000
//! X-Gridlink-Signature: v1=<hex hmac_sha256(XECM_PUSH_SECRET, "{timestamp}.{raw body}")>
//! Content-Type: application/json
//!
//! {"event_type":"document.changed","node_id":123456,"workspace_id":123000,
//!  "occurred_at":"2026-11-24T10:00:00Z"}
//! ```
//! The scheme is Trading Grid's webhook scheme under gridlink's own header names: the MAC
//! covers the timestamp and the raw body, the timestamp must be within 300 s of now, and
//! several `v1=` values separated by commas are accepted (secret rotation). `event_type` is
//! free text for the sender (`workspace.created`, `document.changed`, …) — the function looks
//! at the node itself, so the event is only a hint of *where* to look. `workspace_id` may be
//! left out when the sender does not know it; the function finds the enclosing workspace.

use gridlink_core::clock::Clock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_core::webhook::{
    DEFAULT_TOLERANCE_SECS, FieldKind, SignatureError, explain_body_error, sign, verify,
};
use gridlink_lambda::HttpRequest;
use gridlink_xecm::NodeId;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The header carrying the Unix timestamp the sender signed at.
pub const PUSH_TIMESTAMP_HEADER: &str = "X-Gridlink-Timestamp";
/// The header carrying `v1=<hex>` signatures.
pub const PUSH_SIGNATURE_HEADER: &str = "X-Gridlink-Signature";

/// One push from xECM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    /// What happened, in the sender's words (`workspace.created`, `document.changed`, …).
    pub event_type: String,
    /// The node that changed (a workspace or a document).
    pub node_id: NodeId,
    /// The workspace it lies in, when the sender knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<NodeId>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
}

impl PushEvent {
    /// A stable id for the durable inbox: the same push sent twice is one event.
    pub fn event_id(&self) -> String {
        format!(
            "xecm-{}-{}-{}",
            self.node_id,
            self.occurred_at.unix_timestamp(),
            self.event_type
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(40)
                .collect::<String>()
        )
    }
}

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// No push secret is configured, so no push can be trusted (answer 503: configure it).
    #[error("the xECM push route is not configured (XECM_PUSH_SECRET is missing)")]
    NotConfigured,
    /// The signature or timestamp did not verify (answer 401).
    #[error("xECM push signature rejected (X-Gridlink-Timestamp, X-Gridlink-Signature): {0}")]
    Signature(#[from] SignatureError),
    /// The body verified but is not a push event (answer 400); names the field.
    #[error("xECM push body is malformed: {0}")]
    Body(String),
    /// A field of the push can never be processed (answer 400, naming the field).
    #[error("xECM push body: `{field}` {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl Classify for PushError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotConfigured => ErrorKind::Unavailable,
            Self::Signature(_) => ErrorKind::Unauthorized,
            Self::Body(_) | Self::Field { .. } => ErrorKind::BadRequest,
        }
    }
}

/// Verifies a push over its raw body, then reads it.
pub fn verify_push(
    request: &HttpRequest,
    secret: Option<&SecretString>,
    clock: &dyn Clock,
) -> Result<PushEvent, PushError> {
    let secret = secret.ok_or(PushError::NotConfigured)?;
    verify(
        secret.expose_secret().as_bytes(),
        request.header(PUSH_TIMESTAMP_HEADER).unwrap_or(""),
        request.header(PUSH_SIGNATURE_HEADER).unwrap_or(""),
        &request.body,
        clock.unix_seconds(),
        DEFAULT_TOLERANCE_SECS,
    )?;
    let push: PushEvent = serde_json::from_slice(&request.body).map_err(|e| {
        PushError::Body(explain_body_error(
            &request.body,
            &[
                ("event_type", FieldKind::Text, true),
                ("node_id", FieldKind::Integer, true),
                ("workspace_id", FieldKind::Integer, false),
                ("occurred_at", FieldKind::Time, true),
            ],
            &e,
        ))
    })?;
    push.check()?;
    Ok(push)
}

impl PushEvent {
    /// Judges at the door what the inbox could never process: a node id that is no node, an
    /// event type that is empty, too long or holds control characters. Any other text is
    /// fine (`event_type` is the sender's free text: `Dokument geändert` is a push).
    pub fn check(&self) -> Result<(), PushError> {
        let field = |field, reason| Err(PushError::Field { field, reason });
        if self.node_id.get() <= 0 {
            return field("node_id", "must be a positive xECM node id");
        }
        if self.workspace_id.is_some_and(|w| w.get() <= 0) {
            return field("workspace_id", "must be a positive xECM node id when given");
        }
        let text = self.event_type.trim();
        if text.is_empty() {
            return field("event_type", "must not be empty");
        }
        if self.event_type.chars().count() > 200 {
            return field("event_type", "must be at most 200 characters");
        }
        if self.event_type.chars().any(char::is_control) {
            return field("event_type", "must not contain control characters");
        }
        Ok(())
    }
}

/// The headers a sender puts on `body` signed at `timestamp_unix` (for senders and tests).
pub fn sign_push(
    secret: &SecretString,
    timestamp_unix: i64,
    body: &[u8],
) -> [(&'static str, String); 2] {
    [
        (PUSH_TIMESTAMP_HEADER, timestamp_unix.to_string()),
        (
            PUSH_SIGNATURE_HEADER,
            sign(secret.expose_secret().as_bytes(), timestamp_unix, body),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridlink_core::clock::ManualClock;

    fn request(headers: &[(&str, String)], body: &[u8]) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/case-collab/xecm/events".into(),
            query: Vec::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: body.to_vec(),
            request_id: None,
            caller: None,
        }
    }

    const BODY: &[u8] =
        br#"{"event_type":"document.changed","node_id":42,"occurred_at":"2026-11-24T10:00:00Z"}"#;

    #[test]
    fn a_correctly_signed_push_is_read() {
        let clock = ManualClock::at_unix(1_795_000_000);
        let secret = SecretString::from("push-secret");
        let headers = sign_push(&secret, 1_795_000_000, BODY);
        let event = verify_push(&request(&headers, BODY), Some(&secret), &clock).expect("verifies");
        assert_eq!(event.node_id.get(), 42);
        assert_eq!(event.workspace_id, None);
        assert_eq!(event.event_id(), "xecm-42-1795514400-documentchanged");
    }

    #[test]
    fn a_push_signed_with_another_secret_or_too_old_is_refused() {
        let clock = ManualClock::at_unix(1_795_000_000);
        let secret = SecretString::from("push-secret");
        let forged = sign_push(&SecretString::from("guess"), 1_795_000_000, BODY);
        let error =
            verify_push(&request(&forged, BODY), Some(&secret), &clock).expect_err("forged");
        assert_eq!(error.kind(), ErrorKind::Unauthorized);
        let message = error.to_string();
        assert!(
            message.contains("X-Gridlink-Signature") && !message.contains("TG-"),
            "names the push's own headers: {message}"
        );
        let stale = sign_push(&secret, 1_795_000_000 - 3600, BODY);
        assert!(matches!(
            verify_push(&request(&stale, BODY), Some(&secret), &clock),
            Err(PushError::Signature(SignatureError::StaleTimestamp { .. }))
        ));
        let unsigned =
            verify_push(&request(&[], BODY), Some(&secret), &clock).expect_err("unsigned");
        assert_eq!(unsigned.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn without_a_configured_secret_no_push_is_trusted() {
        let clock = ManualClock::at_unix(1_795_000_000);
        let headers = sign_push(&SecretString::from("x"), 1_795_000_000, BODY);
        assert!(matches!(
            verify_push(&request(&headers, BODY), None, &clock),
            Err(PushError::NotConfigured)
        ));
    }

    #[test]
    fn a_push_that_could_never_be_processed_is_refused_at_the_door_naming_the_field() {
        let clock = ManualClock::at_unix(1_795_000_000);
        let secret = SecretString::from("push-secret");
        for (body, field) in [
            (
                r#"{"event_type":"x","node_id":0,"occurred_at":"2026-11-24T10:00:00Z"}"#,
                "node_id",
            ),
            (
                r#"{"event_type":"x","node_id":-5,"occurred_at":"2026-11-24T10:00:00Z"}"#,
                "node_id",
            ),
            (
                r#"{"event_type":"x","node_id":7,"workspace_id":-1,"occurred_at":"2026-11-24T10:00:00Z"}"#,
                "workspace_id",
            ),
            (
                r#"{"event_type":" ","node_id":7,"occurred_at":"2026-11-24T10:00:00Z"}"#,
                "event_type",
            ),
            (
                "{\"event_type\":\"a\\u0000b\",\"node_id\":7,\"occurred_at\":\"2026-11-24T10:00:00Z\"}",
                "event_type",
            ),
        ] {
            let headers = sign_push(&secret, 1_795_000_000, body.as_bytes());
            let error = verify_push(&request(&headers, body.as_bytes()), Some(&secret), &clock)
                .expect_err(body);
            assert_eq!(error.kind(), ErrorKind::BadRequest, "{body}");
            assert!(error.to_string().contains(field), "{error} names {field}");
        }
        let free_text = r#"{"event_type":"Dokument geändert","node_id":9223372036854775807,"occurred_at":"2026-11-24T10:00:00Z"}"#;
        let headers = sign_push(&secret, 1_795_000_000, free_text.as_bytes());
        let push = verify_push(
            &request(&headers, free_text.as_bytes()),
            Some(&secret),
            &clock,
        )
        .expect("free text is a push");
        assert_eq!(push.event_type, "Dokument geändert");
    }

    #[test]
    fn a_signed_body_that_is_not_a_push_event_is_a_bad_request() {
        let clock = ManualClock::at_unix(1_795_000_000);
        let secret = SecretString::from("push-secret");
        let body = br#"{"node_id":"not a number"}"#;
        let headers = sign_push(&secret, 1_795_000_000, body);
        let error = verify_push(&request(&headers, body), Some(&secret), &clock).expect_err("bad");
        assert_eq!(error.kind(), ErrorKind::BadRequest);
    }
}
