//! The fuzz targets of the two signed doors every function has — the Trading Grid webhook and
//! the xECM push — shared by the cargo-fuzz project (`fuzz/`, nightly) and the proptest smoke
//! in `cargo test` (`tests/tests/fuzz_smoke.rs`): both run exactly this code. Each takes
//! arbitrary bytes and panics only on a bug. See `docs/fuzzing.md`.

use gridlink_core::clock::ManualClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_core::webhook::sign;
use gridlink_lambda::HttpRequest;
use gridlink_store::BlobKey;
use gridlink_tgrid::events::Event;
use secrecy::SecretString;

use crate::inbox::check_event_id;
use crate::push::{PushEvent, sign_push, verify_push};
use crate::tg_webhook::verify_delivery;

const NOW: i64 = 1_795_000_000;
const SECRET: &str = "fuzz-secret";

fn request(path: &str, headers: Vec<(String, String)>, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: path.into(),
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        body: body.to_vec(),
        ..HttpRequest::default()
    }
}

/// What the inbox does with an accepted event's id before storing it: the same check, and the
/// raw body's blob key. An id the door lets through must pass both (else a bad body would be
/// answered 503 by the store and redelivered forever).
fn the_inbox_takes(event_id: &str) {
    check_event_id(event_id).unwrap_or_else(|e| panic!("the door accepted event id: {e}"));
    BlobKey::parse(format!("raw/tg/fuzz/2026-01-01/{event_id}.json"))
        .unwrap_or_else(|e| panic!("the door accepted an event id the blob key refuses: {e}"));
}

/// A correctly signed Trading Grid webhook delivery with an arbitrary body: it is either a
/// bad request (400) or an event that re-serialises to itself, whose payload accessors do not
/// panic; an accepted event's id is one the inbox takes or a 400 (never a store error).
pub fn tg_webhook_body(data: &[u8]) {
    let clock = ManualClock::at_unix(NOW);
    let headers = vec![
        ("TG-Timestamp".to_owned(), NOW.to_string()),
        (
            "TG-Signature".to_owned(),
            sign(SECRET.as_bytes(), NOW, data),
        ),
    ];
    let delivery = request("/fuzz/tg/events", headers, data);
    match verify_delivery(&delivery, &SecretString::from(SECRET), &clock) {
        Ok(event) => {
            let json = serde_json::to_vec(&event).expect("an event serialises");
            let again: Event = serde_json::from_slice(&json).expect("an event reads back");
            assert_eq!(again, event, "an accepted event re-serialises to itself");
            let _ = event.payload();
            let _ = (event.document(), event.message_posted(), event.partner());
            let _ = (event.share_answered(), event.request_item_submitted());
            let _ = event.campaign_response();
            if check_event_id(event.event_id.as_str()).is_ok() {
                the_inbox_takes(event.event_id.as_str());
            }
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::BadRequest, "a signed delivery: {e}"),
    }
}

/// A correctly signed xECM push with an arbitrary body: a bad request naming a field, or a
/// push the inbox can process (positive node ids, a printable event type, an event id the
/// inbox takes) that re-serialises to itself.
pub fn xecm_push_body(data: &[u8]) {
    let clock = ManualClock::at_unix(NOW);
    let secret = SecretString::from(SECRET);
    let headers = sign_push(&secret, NOW, data)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let push = request("/fuzz/xecm/events", headers, data);
    match verify_push(&push, Some(&secret), &clock) {
        Ok(event) => {
            assert!(
                event.node_id.get() > 0,
                "accepted node_id {}",
                event.node_id
            );
            assert!(event.workspace_id.is_none_or(|w| w.get() > 0));
            assert!(!event.event_type.trim().is_empty());
            assert!(!event.event_type.chars().any(char::is_control));
            event
                .check()
                .expect("an accepted push passes its own check");
            the_inbox_takes(&event.event_id());
            let json = serde_json::to_vec(&event).expect("a push serialises");
            let again: PushEvent = serde_json::from_slice(&json).expect("a push reads back");
            assert_eq!(again, event, "an accepted push re-serialises to itself");
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::BadRequest, "a signed push: {e}");
            assert!(e.to_string().contains("xECM push body"), "{e}");
        }
    }
}

/// Arbitrary signature headers (`timestamp \n signature \n body`) on both doors: always
/// refused as unauthorized (401), never accepted, never a panic.
pub fn signature_headers(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let timestamp = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let signature = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let clock = ManualClock::at_unix(NOW);
    let secret = SecretString::from(SECRET);
    let tg = request(
        "/fuzz/tg/events",
        vec![
            ("TG-Timestamp".into(), timestamp.clone()),
            ("TG-Signature".into(), signature.clone()),
        ],
        body,
    );
    let refused = verify_delivery(&tg, &secret, &clock).expect_err("a forged delivery");
    assert_eq!(refused.kind(), ErrorKind::Unauthorized, "{refused}");
    let push = request(
        "/fuzz/xecm/events",
        vec![
            ("X-Gridlink-Timestamp".into(), timestamp),
            ("X-Gridlink-Signature".into(), signature),
        ],
        body,
    );
    let refused = verify_push(&push, Some(&secret), &clock).expect_err("a forged push");
    assert_eq!(refused.kind(), ErrorKind::Unauthorized, "{refused}");
}
