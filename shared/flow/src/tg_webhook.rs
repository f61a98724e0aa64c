//! Trading Grid webhook deliveries arriving through API Gateway.

use gridlink_core::clock::Clock;
use gridlink_lambda::HttpRequest;
use gridlink_tgrid::events::Event;
use gridlink_tgrid::webhook::{WebhookError, verify_webhook};
use http::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;

/// Verifies a delivery's signature and timestamp over its raw body, then reads the event.
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
    verify_webhook(&headers, &request.body, secret, clock)
}
