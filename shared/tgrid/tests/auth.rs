//! OAuth2 client credentials: one token reused, refreshed before expiry and once on 401.

mod common;

use std::time::Duration;

use common::{client_for, start, start_on_manual_clock, stats};
use gridlink_tgrid::{PartnerId, Partners, TgError};

#[tokio::test]
async fn one_token_serves_many_calls() {
    let h = start().await;
    for _ in 0..5 {
        h.client
            .partner(&PartnerId::new("prt_acme"))
            .await
            .expect("partner");
    }
    assert_eq!(stats(&h).await["tokens_issued"], 1);
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_it_is_refused() {
    let (h, clock) = start_on_manual_clock().await;
    h.client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("first call");
    // Past the refresh point (a minute before expiry) but before the token expires.
    clock.advance(Duration::from_secs(3550));
    h.client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("second call");
    let stats = stats(&h).await;
    assert_eq!(stats["tokens_issued"], 2, "refreshed proactively");
    assert_eq!(
        stats["api_requests"], 2,
        "no call was refused with 401 first"
    );
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_and_the_call_succeeds() {
    let h = start().await;
    h.client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("first call");
    h.controls
        .post_json("__sim/tokens/revoke", &serde_json::json!({}))
        .await
        .expect("revoke");
    let partner = h
        .client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("refreshed and retried");
    assert_eq!(partner.name, "ACME Supply");
    let stats = stats(&h).await;
    assert_eq!(stats["tokens_issued"], 2);
    assert_eq!(
        stats["api_requests"], 3,
        "first call, the refused one, the retried one"
    );
}

#[tokio::test]
async fn wrong_client_credentials_fail_at_once_with_invalid_client() {
    let h = start().await;
    let client = client_for(&h.sim, "not-the-secret", h.clock.clone());
    let error = client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, TgError::Api { status: 401, code, .. } if code == "invalid_client"),
        "{error:?}"
    );
    assert_eq!(stats(&h).await["tokens_issued"], 0);
}
