//! Webhooks: a real receiver verifies signatures with `verify_webhook`, refuses bad
//! signatures and stale timestamps, and sees the simulator's retries, duplicates and
//! reordering.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{key, start, start_on_manual_clock};
use gridlink_core::clock::{Clock, ManualClock, SharedClock};
use gridlink_tgrid::model::{
    ExternalRef, NewSpace, NewSubscription, NewThread, SubscriptionFilter, ThreadKind,
};
use gridlink_tgrid::{
    Collaboration, Event, EventFeed, EventPayload, EventType, PartnerId, WebhookError,
    verify_webhook,
};
use gridlink_tgrid_sim::DeliveryMode;
use secrecy::SecretString;

const SECRET: &str = "whsec-test-0123456789";

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    accepted: Vec<Event>,
    refused: Vec<String>,
    fail_next: u32,
}

#[derive(Clone)]
struct Receiver {
    seen: Arc<Mutex<Seen>>,
    clock: SharedClock,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = SecretString::from(SECRET.to_owned());
    let mut seen = receiver.seen.lock().expect("lock");
    if seen.fail_next > 0 {
        seen.fail_next -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match verify_webhook(&headers, &body, &secret, receiver.clock.as_ref()) {
        Ok(event) => {
            seen.accepted.push(event);
            StatusCode::NO_CONTENT
        }
        Err(error) => {
            seen.refused.push(error.to_string());
            StatusCode::UNAUTHORIZED
        }
    }
}

/// Starts a receiver on a loopback port; answers its URL and what it saw.
async fn receiver(clock: SharedClock) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = axum::Router::new()
        .route("/hooks/tg", axum::routing::post(receive))
        .with_state(Receiver {
            seen: Arc::clone(&seen),
            clock,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks/tg"), seen)
}

async fn wait_for(seen: &Arc<Mutex<Seen>>, count: usize) -> Vec<Event> {
    for _ in 0..200 {
        {
            let seen = seen.lock().expect("lock");
            if seen.accepted.len() >= count {
                return seen.accepted.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "only {} of {count} deliveries arrived",
        seen.lock().expect("lock").accepted.len()
    );
}

/// Waits (up to 5 s) until the receiver has refused at least `count` deliveries.
async fn wait_for_refusals(seen: &Arc<Mutex<Seen>>, count: usize) -> Vec<String> {
    for _ in 0..250 {
        {
            let seen = seen.lock().expect("lock");
            if seen.refused.len() >= count {
                return seen.refused.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "only {} of {count} refusals",
        seen.lock().expect("lock").refused.len()
    );
}

async fn subscribe(h: &common::Harness, url: &str, secret: &str) {
    let subscription = NewSubscription {
        url: url.into(),
        event_types: vec![EventType::MessagePosted, EventType::ShareAcknowledged],
        filter: Some(SubscriptionFilter {
            thread_kinds: Some(vec![ThreadKind::PoException]),
            doc_types: None,
            campaign_kinds: None,
        }),
        secret: SecretString::from(secret.to_owned()),
    };
    h.client
        .subscribe(&key(&format!("sub:{url}:{secret}")), &subscription)
        .await
        .expect("subscribe");
}

/// Opens a space and a thread of `kind`; answers the thread id.
async fn thread(h: &common::Harness, kind: ThreadKind) -> String {
    let space = h
        .client
        .open_space(
            &key(&format!("space:{kind:?}")),
            &NewSpace {
                partner_id: PartnerId::new("prt_acme"),
                title: "PO".into(),
                external_ref: Some(ExternalRef::new("xecm", "4711")),
                context: None,
            },
        )
        .await
        .expect("space");
    h.client
        .open_thread(
            &key(&format!("thread:{kind:?}")),
            &space.space_id,
            &NewThread {
                subject: "PO-1".into(),
                kind,
                external_ref: None,
            },
        )
        .await
        .expect("thread")
        .thread_id
        .to_string()
}

#[tokio::test]
async fn a_partner_reply_is_delivered_signed_and_typed() {
    let h = start().await;
    let (url, seen) = receiver(common::wall_clock()).await;
    subscribe(&h, &url, SECRET).await;
    let thread_id = thread(&h, ThreadKind::PoException).await;
    let other = thread(&h, ThreadKind::General).await;
    h.controls
        .reply("prt_acme", &other, "filtered out", None, &[])
        .await
        .expect("reply");
    h.controls
        .reply("prt_acme", &thread_id, "Ships Friday", None, &[])
        .await
        .expect("reply");
    let events = wait_for(&seen, 1).await;
    let EventPayload::MessagePosted(posted) = events[0].payload().expect("typed") else {
        panic!("{:?}", events[0])
    };
    assert_eq!(posted.thread_id.as_str(), thread_id);
    assert_eq!(posted.thread_kind, ThreadKind::PoException);
    assert_eq!(posted.external_ref, Some(ExternalRef::new("xecm", "4711")));
    assert_eq!(posted.message.body, "Ships Friday");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        seen.lock().expect("lock").accepted.len(),
        1,
        "the general thread was filtered out"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_retried_until_given_up() {
    let h = start().await;
    let (url, seen) = receiver(common::wall_clock()).await;
    subscribe(&h, &url, "not-the-receivers-secret").await;
    let thread_id = thread(&h, ThreadKind::PoException).await;
    h.controls
        .reply("prt_acme", &thread_id, "hello", None, &[])
        .await
        .expect("reply");
    let refused = wait_for_refusals(&seen, 2).await;
    assert!(seen.lock().expect("lock").accepted.is_empty());
    assert!(refused[0].contains("does not match"), "{refused:?}");
}

#[tokio::test]
async fn a_stale_timestamp_is_refused() {
    let (h, sim_clock) = start_on_manual_clock().await;
    let receiver_clock = Arc::new(ManualClock::at_unix(sim_clock.unix_seconds() + 301));
    let (url, seen) = receiver(receiver_clock).await;
    subscribe(&h, &url, SECRET).await;
    let thread_id = thread(&h, ThreadKind::PoException).await;
    h.controls
        .reply("prt_acme", &thread_id, "hello", None, &[])
        .await
        .expect("reply");
    let refused = wait_for_refusals(&seen, 1).await;
    assert!(seen.lock().expect("lock").accepted.is_empty());
    assert!(refused[0].contains("301 s"), "{refused:?}");
}

#[test]
fn verification_separates_signature_failures_from_bad_bodies() {
    let clock = ManualClock::at_unix(1_800_000_000);
    let body = br#"{"not":"an event"}"#;
    let mut headers = HeaderMap::new();
    headers.insert("TG-Timestamp", "1800000000".parse().expect("header"));
    headers.insert(
        "TG-Signature",
        gridlink_core::webhook::sign(SECRET.as_bytes(), 1_800_000_000, body)
            .parse()
            .expect("header"),
    );
    let secret = SecretString::from(SECRET.to_owned());
    assert!(matches!(
        verify_webhook(&headers, body, &secret, &clock),
        Err(WebhookError::Body(_))
    ));
    headers.remove("TG-Timestamp");
    assert!(matches!(
        verify_webhook(&headers, body, &secret, &clock),
        Err(WebhookError::Signature(_))
    ));
}

#[tokio::test]
async fn failed_deliveries_are_retried_until_the_receiver_accepts() {
    let h = start().await;
    let (url, seen) = receiver(common::wall_clock()).await;
    seen.lock().expect("lock").fail_next = 2;
    subscribe(&h, &url, SECRET).await;
    let thread_id = thread(&h, ThreadKind::PoException).await;
    h.controls
        .reply("prt_acme", &thread_id, "hello", None, &[])
        .await
        .expect("reply");
    let events = wait_for(&seen, 1).await;
    assert_eq!(events.len(), 1);
    // The simulator logs an attempt once the answer is back, just after the receiver saw it.
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let log = h.controls.get("__sim/deliveries").await.expect("log");
        statuses = log["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|a| a["status"].as_u64())
            .collect();
        if statuses.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        statuses,
        [Some(503), Some(503), Some(204)],
        "two 503s, then 204"
    );
}

#[tokio::test]
async fn duplicates_arrive_with_the_same_event_id_when_asked_for() {
    let h = start().await;
    let (url, seen) = receiver(common::wall_clock()).await;
    subscribe(&h, &url, SECRET).await;
    h.controls
        .set_delivery(&DeliveryMode {
            duplicate: true,
            delay_ms: 0,
            reorder_hold: 0,
        })
        .await
        .expect("mode");
    let thread_id = thread(&h, ThreadKind::PoException).await;
    h.controls
        .reply("prt_acme", &thread_id, "hello", None, &[])
        .await
        .expect("reply");
    let events = wait_for(&seen, 2).await;
    assert_eq!(events[0].event_id, events[1].event_id);
}

#[tokio::test]
async fn held_deliveries_arrive_in_reverse_order_when_asked_for() {
    let h = start().await;
    let (url, seen) = receiver(common::wall_clock()).await;
    subscribe(&h, &url, SECRET).await;
    h.controls
        .set_delivery(&DeliveryMode {
            duplicate: false,
            delay_ms: 0,
            reorder_hold: 3,
        })
        .await
        .expect("mode");
    let thread_id = thread(&h, ThreadKind::PoException).await;
    for n in 1..=3 {
        h.controls
            .reply("prt_acme", &thread_id, &format!("message {n}"), None, &[])
            .await
            .expect("reply");
    }
    let events = wait_for(&seen, 3).await;
    let bodies: Vec<String> = events
        .iter()
        .map(|e| e.message_posted().expect("typed").message.body)
        .collect();
    assert_eq!(bodies, ["message 3", "message 2", "message 1"]);
    let polled = h.client.events_after(None, None).await.expect("poll");
    let in_order: Vec<String> = polled
        .items
        .iter()
        .filter_map(Event::message_posted)
        .map(|m| m.message.body)
        .collect();
    assert_eq!(
        in_order,
        ["message 1", "message 2", "message 3"],
        "the feed keeps occurrence order"
    );
}

/// Deliveries in flight now, the most in flight at once, and deliveries taken.
type Overlap = Arc<Mutex<(usize, usize, usize)>>;

/// A receiver that answers each delivery only once `wanted` deliveries have been in flight
/// together (503 after 3 s without): what it saw in flight at once, at most, and how many it
/// took.
async fn overlapping_receiver(wanted: usize) -> (String, Overlap) {
    async fn receive(State((wanted, seen)): State<(usize, Overlap)>) -> StatusCode {
        {
            let mut seen = seen.lock().expect("lock");
            seen.0 += 1;
            seen.1 = seen.1.max(seen.0);
        }
        let mut reached = false;
        for _ in 0..300 {
            if seen.lock().expect("lock").1 >= wanted {
                reached = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut seen = seen.lock().expect("lock");
        seen.0 -= 1;
        if reached {
            seen.2 += 1;
            StatusCode::NO_CONTENT
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
    let seen = Arc::new(Mutex::new((0, 0, 0)));
    let app = axum::Router::new()
        .route("/hooks/tg", axum::routing::post(receive))
        .with_state((wanted, Arc::clone(&seen)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks/tg"), seen)
}

/// Sends `n` messages on one thread and waits until `receiver` took `n` deliveries.
async fn deliveries_taken(h: &common::Harness, seen: &Overlap, n: usize) {
    let thread_id = thread(h, ThreadKind::PoException).await;
    for k in 0..n {
        h.controls
            .reply("prt_acme", &thread_id, &format!("message {k}"), None, &[])
            .await
            .expect("reply");
    }
    for _ in 0..500 {
        if seen.lock().expect("lock").2 >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "only {} of {n} deliveries taken",
        seen.lock().expect("lock").2
    );
}

#[tokio::test]
async fn first_attempts_overlap_up_to_the_configured_delivery_concurrency() {
    // Three at once: every delivery waits until three are in flight together, which one at
    // a time never happens (each would be answered 503 after 3 s and retried alike).
    let h = common::start_with(|config| config.delivery_concurrency = 3).await;
    let (url, seen) = overlapping_receiver(3).await;
    subscribe(&h, &url, SECRET).await;
    deliveries_taken(&h, &seen, 6).await;
    assert_eq!(
        seen.lock().expect("lock").1,
        3,
        "never more than three at once"
    );

    // The default: one at a time, each waiting for the receiver's answer to the one before.
    let h = start().await;
    let (url, seen) = overlapping_receiver(1).await;
    subscribe(&h, &url, SECRET).await;
    deliveries_taken(&h, &seen, 4).await;
    assert_eq!(seen.lock().expect("lock").1, 1);
}
