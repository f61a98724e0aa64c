//! Trading Grid webhook signatures.
//!
//! # Format
//! Every delivery carries two headers:
//! ```text
//! TG-Timestamp: 1732480000
//! TG-Signature: v1=<hex hmac_sha256(secret, "{TG-Timestamp}.{raw body}")>
//! ```
//! A receiver rejects a signature that does not verify, or a timestamp more than
//! [`DEFAULT_TOLERANCE_SECS`] from its clock. Several `v1=` values may be sent, separated by
//! commas, while a secret is being rotated; any one matching is enough.
//!
//! The comparison is constant-time (`hmac`'s `verify_slice`), over the raw body bytes, and both
//! the timestamp and the signature are checked before anything parses the body.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a timestamp may be from our clock, in seconds.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Name of the timestamp header.
pub const TIMESTAMP_HEADER: &str = "TG-Timestamp";
/// Name of the signature header.
pub const SIGNATURE_HEADER: &str = "TG-Signature";

type HmacSha256 = Hmac<Sha256>;

/// Why a signed delivery was refused. The messages name no header: the same scheme signs TG
/// webhooks (`TG-Timestamp`/`TG-Signature`) and xECM pushes (`X-Gridlink-Timestamp`/
/// `X-Gridlink-Signature`), and each caller's error names its own pair.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `TG-Timestamp` header.
    #[error("the timestamp header is missing")]
    MissingTimestamp,
    /// The timestamp is not a whole number of seconds.
    #[error("the timestamp header is not a Unix time in seconds")]
    BadTimestamp,
    /// The timestamp is outside the window.
    #[error("the timestamp is {skew_secs} s away from our clock (more than the allowed window)")]
    StaleTimestamp {
        /// Our time minus theirs.
        skew_secs: i64,
    },
    /// No `TG-Signature` header, or none of its parts is `v1=<hex>`.
    #[error("the signature header is missing or has no v1=<hex> value")]
    MalformedSignature,
    /// No signature matched.
    #[error("the signature does not match the body")]
    Mismatch,
}

impl crate::error::Classify for SignatureError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Unauthorized
    }
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Signs `body` as sent at `timestamp_unix`; returns the `TG-Signature` header value (`v1=<hex>`).
pub fn sign(secret: &[u8], timestamp_unix: i64, body: &[u8]) -> String {
    let tag = mac(secret, &timestamp_unix.to_string(), body)
        .finalize()
        .into_bytes();
    format!("v1={}", hex::encode(tag))
}

/// Verifies a delivery's headers against its raw body.
pub fn verify(
    secret: &[u8],
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let timestamp_text = timestamp_header.trim();
    if timestamp_text.is_empty() {
        return Err(SignatureError::MissingTimestamp);
    }
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    let skew_secs = now_unix.saturating_sub(timestamp);
    if skew_secs.abs() > tolerance_secs {
        return Err(SignatureError::StaleTimestamp { skew_secs });
    }
    let candidates: Vec<Vec<u8>> = signature_header
        .split(',')
        .filter_map(|part| part.trim().strip_prefix("v1="))
        .filter_map(|hex_tag| hex::decode(hex_tag).ok())
        .collect();
    if candidates.is_empty() {
        return Err(SignatureError::MalformedSignature);
    }
    let expected = mac(secret, timestamp_text, body);
    if candidates
        .iter()
        .any(|tag| expected.clone().verify_slice(tag).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// What a field of a signed JSON body must hold, for [`explain_body_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A JSON string.
    Text,
    /// An RFC 3339 date-time string.
    Time,
    /// A whole number that fits in 64 bits.
    Integer,
    /// Any JSON value.
    Any,
}

impl FieldKind {
    fn holds(self, value: &serde_json::Value) -> bool {
        match self {
            Self::Text => value.is_string(),
            Self::Time => value.as_str().is_some_and(|text| {
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .is_ok()
            }),
            Self::Integer => value.is_i64(),
            Self::Any => true,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Text => "a string",
            Self::Time => "an RFC 3339 date-time string (2026-11-24T10:00:00Z)",
            Self::Integer => "a whole number",
            Self::Any => "present",
        }
    }
}

/// Why a signed body did not read as the struct `error` came from, naming the field: serde's
/// messages name a missing or duplicate field but not one of the wrong type, and a sender
/// must be told which field to fix. `fields` lists `(name, kind, required)`.
pub fn explain_body_error(
    body: &[u8],
    fields: &[(&str, FieldKind, bool)],
    error: &serde_json::Error,
) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return format!("`body` is not JSON ({error})");
    };
    let Some(object) = value.as_object() else {
        return "`body` must be a JSON object".to_owned();
    };
    for &(name, kind, required) in fields {
        match object.get(name) {
            None if required => return format!("`{name}` is missing"),
            None | Some(serde_json::Value::Null) if !required => {}
            Some(value) if !kind.holds(value) => {
                return format!("`{name}` must be {}", kind.describe());
            }
            _ => {}
        }
    }
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const NOW: i64 = 1_732_480_000;

    #[test]
    fn a_signed_body_verifies() {
        let body = br#"{"event_id":"evt_1"}"#;
        let signature = sign(SECRET, NOW, body);
        assert!(signature.starts_with("v1="));
        assert_eq!(
            verify(SECRET, &NOW.to_string(), &signature, body, NOW + 10, 300),
            Ok(())
        );
    }

    #[test]
    fn known_vector_matches_an_independent_hmac() {
        // Python: hmac.new(b"key", b"1.x", hashlib.sha256).hexdigest()
        assert_eq!(
            sign(b"key", 1, b"x"),
            "v1=fc4913c41a7bf793267e2a384f3261c9436ec2cd097bd745e7b0d99113f510ec"
        );
    }

    #[test]
    fn a_changed_body_is_a_mismatch() {
        let signature = sign(SECRET, NOW, b"original");
        assert_eq!(
            verify(SECRET, &NOW.to_string(), &signature, b"tampered", NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_wrong_secret_is_a_mismatch() {
        let signature = sign(b"other", NOW, b"body");
        assert_eq!(
            verify(SECRET, &NOW.to_string(), &signature, b"body", NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_timestamp_outside_the_window_is_stale_in_both_directions() {
        let signature = sign(SECRET, NOW, b"body");
        assert_eq!(
            verify(
                SECRET,
                &NOW.to_string(),
                &signature,
                b"body",
                NOW + 301,
                300
            ),
            Err(SignatureError::StaleTimestamp { skew_secs: 301 })
        );
        assert_eq!(
            verify(
                SECRET,
                &NOW.to_string(),
                &signature,
                b"body",
                NOW - 301,
                300
            ),
            Err(SignatureError::StaleTimestamp { skew_secs: -301 })
        );
    }

    #[test]
    fn a_signature_for_another_timestamp_does_not_verify() {
        let signature = sign(SECRET, NOW - 1, b"body");
        assert_eq!(
            verify(SECRET, &NOW.to_string(), &signature, b"body", NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_named() {
        assert_eq!(
            verify(SECRET, "", "v1=00", b"", NOW, 300),
            Err(SignatureError::MissingTimestamp)
        );
        assert_eq!(
            verify(SECRET, "yesterday", "v1=00", b"", NOW, 300),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            verify(SECRET, &NOW.to_string(), "sha256=abc", b"", NOW, 300),
            Err(SignatureError::MalformedSignature)
        );
        assert_eq!(
            verify(SECRET, &NOW.to_string(), "v1=not-hex", b"", NOW, 300),
            Err(SignatureError::MalformedSignature)
        );
    }

    #[test]
    fn any_of_several_rotated_signatures_may_match() {
        let good = sign(SECRET, NOW, b"body");
        let old = sign(b"old-secret", NOW, b"body");
        let header = format!("{old}, {good}");
        assert_eq!(
            verify(SECRET, &NOW.to_string(), &header, b"body", NOW, 300),
            Ok(())
        );
    }
}
