//! Trading Grid webhook deliveries arriving through API Gateway.

use gridlink_core::clock::Clock;
use gridlink_lambda::HttpRequest;
use gridlink_tgrid::events::Event;
use gridlink_tgrid::webhook::{WebhookError, verify_webhook};
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;

/// The longest event type a delivery may carry (Trading Grid's are a few dozen characters; the
/// inbox keeps the type beside the raw event).
pub const MAX_EVENT_TYPE_CHARS: usize = 200;

/// Verifies a delivery's signature and timestamp over its raw body, then reads the event and
/// its `data` as the payload its (known) type promises: a payload the use case could never
/// read is refused here (400 naming `data`), not accepted and dead-lettered.
pub fn verify_delivery(
    request: &HttpRequest,
    secret: &SecretString,
    clock: &dyn Clock,
) -> Result<Event, WebhookError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            headers.insert(n, v);
        }
    }
    let event = verify_webhook(&headers, &request.body, secret, clock)?;
    if event.event_type.as_str().chars().count() > MAX_EVENT_TYPE_CHARS {
        return Err(WebhookError::Body(format!(
            "`event_type` must be at most {MAX_EVENT_TYPE_CHARS} characters"
        )));
    }
    if let Err(e) = event.payload() {
        return Err(WebhookError::Body(format!(
            "`data` is not a {} payload ({e})",
            event.event_type
        )));
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridlink_core::clock::ManualClock;
    use gridlink_core::error::{Classify, ErrorKind};

    fn delivery(body: &[u8]) -> HttpRequest {
        let now = 1_795_000_000;
        HttpRequest {
            method: "POST".into(),
            path: "/case-collab/tg/events".into(),
            headers: [
                ("tg-timestamp".to_owned(), now.to_string()),
                (
                    "tg-signature".to_owned(),
                    gridlink_core::webhook::sign(b"s", now, body),
                ),
            ]
            .into_iter()
            .collect(),
            body: body.to_vec(),
            ..HttpRequest::default()
        }
    }

    fn refusal(body: &str) -> String {
        let error = verify_delivery(
            &delivery(body.as_bytes()),
            &SecretString::from("s"),
            &ManualClock::at_unix(1_795_000_000),
        )
        .expect_err(body);
        assert_eq!(error.kind(), ErrorKind::BadRequest, "{error}");
        error.to_string()
    }

    #[test]
    fn a_body_the_inbox_could_never_process_is_refused_naming_the_field() {
        let event = |event_id: &str, event_type: &str, data: &str| {
            format!(
                r#"{{"event_id":{event_id},"event_type":{event_type},"occurred_at":"2026-11-24T10:00:00Z","tenant_id":"t","data":{data}}}"#
            )
        };
        for (body, field) in [
            (event("5", r#""x""#, "{}"), "`event_id`"),
            (event(r#""e1""#, "7", "{}"), "`event_type`"),
            (
                event(r#""e1""#, &format!("\"{}\"", "x".repeat(201)), "{}"),
                "`event_type`",
            ),
            (event(r#""e1""#, r#""document.received""#, "{}"), "`data`"),
            (event(r#""e1""#, r#""message.posted""#, r#""text""#), "`data`"),
            (
                r#"{"event_id":"e1","event_type":"x","occurred_at":"today","tenant_id":"t","data":{}}"#.to_owned(),
                "`occurred_at`",
            ),
            ("[1]".to_owned(), "`body`"),
            (String::new(), "`body`"),
        ] {
            let message = refusal(&body);
            assert!(message.contains(field), "{message} names {field}");
        }
    }
}
