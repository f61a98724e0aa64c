//! The polling feed and subscriptions.

mod common;

use common::{key, start};
use futures::TryStreamExt;
use gridlink_tgrid::model::{NewSpace, NewSubscription, NewThread, ThreadKind};
use gridlink_tgrid::{Collaboration, EventFeed, EventPayload, EventType, PartnerId, TgError};
use secrecy::SecretString;

#[tokio::test]
async fn the_feed_pages_through_every_event_type_in_order() {
    let h = start().await;
    let space = h
        .client
        .open_space(
            &key("s"),
            &NewSpace {
                partner_id: PartnerId::new("prt_acme"),
                title: "t".into(),
                external_ref: None,
                context: None,
            },
        )
        .await
        .expect("space");
    let thread = h
        .client
        .open_thread(
            &key("t"),
            &space.space_id,
            &NewThread {
                subject: "s".into(),
                kind: ThreadKind::Case,
                external_ref: None,
            },
        )
        .await
        .expect("thread");
    for n in 0..3 {
        h.controls
            .reply(
                "prt_acme",
                thread.thread_id.as_str(),
                &format!("m{n}"),
                None,
                &[],
            )
            .await
            .expect("reply");
    }
    reqwest::Client::new()
        .patch(
            h.sim
                .base_url
                .join("__sim/partners/prt_umbrella")
                .expect("url"),
        )
        .json(&serde_json::json!({"status": "active"}))
        .send()
        .await
        .expect("patch");

    let first = h.client.events_after(None, Some(2)).await.expect("page 1");
    assert_eq!(first.items.len(), 2);
    let cursor = first
        .items
        .last()
        .map(|e| e.event_id.clone())
        .expect("cursor");
    assert_eq!(first.next_cursor.as_deref(), Some(cursor.as_str()));
    let rest = h
        .client
        .events_after(Some(&cursor), None)
        .await
        .expect("page 2");
    assert_eq!(rest.items.len(), 2);
    assert!(rest.next_cursor.is_none());
    let last = &rest.items[1];
    assert_eq!(last.event_type, EventType::PartnerUpdated);
    let EventPayload::PartnerUpdated(partner) = last.payload().expect("typed") else {
        panic!("{last:?}")
    };
    assert_eq!(partner.status, gridlink_tgrid::model::PartnerStatus::Active);
    let streamed: Vec<_> = h
        .client
        .events_since(None)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), 4);
    let after_first: Vec<_> = h
        .client
        .events_since(Some(&streamed[0].event_id))
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(after_first.len(), 3);
    let unknown = h
        .client
        .events_after(Some(&gridlink_tgrid::EventId::new("evt_gone")), None)
        .await;
    assert!(matches!(unknown, Err(TgError::Api { status: 404, .. })));
}

#[tokio::test]
async fn subscriptions_are_listed_and_removed_and_never_show_their_secret() {
    let h = start().await;
    let new = NewSubscription {
        url: "http://127.0.0.1:9/hooks".into(),
        event_types: vec![EventType::DocumentReceived],
        filter: None,
        secret: SecretString::from("whsec-12345678".to_owned()),
    };
    let created = h
        .client
        .subscribe(&key("sub"), &new)
        .await
        .expect("subscribe");
    let listed = h.client.subscriptions().await.expect("list");
    assert_eq!(listed, vec![created.clone()]);
    assert!(
        !serde_json::to_string(&listed)
            .expect("json")
            .contains("whsec")
    );
    h.client
        .unsubscribe(&created.subscription_id)
        .await
        .expect("delete");
    assert!(h.client.subscriptions().await.expect("list").is_empty());
    let again = h.client.unsubscribe(&created.subscription_id).await;
    assert!(matches!(again, Err(TgError::Api { status: 404, .. })));
    let bad = NewSubscription {
        event_types: vec![EventType::Unknown("x.y".into())],
        ..new
    };
    assert_eq!(
        h.client
            .subscribe(&key("sub2"), &bad)
            .await
            .expect_err("400")
            .status(),
        Some(400)
    );
}
