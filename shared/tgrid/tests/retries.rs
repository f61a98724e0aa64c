//! Retries: 429 and 503 retried honouring Retry-After; 4xx never retried.

mod common;

use std::time::{Duration, Instant};

use common::{start, stats};
use gridlink_tgrid::{PartnerId, Partners, TgError};
use gridlink_tgrid_sim::Faults;

#[tokio::test]
async fn rate_limiting_is_retried_after_the_retry_after_delay() {
    let h = start().await;
    h.client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("warm-up");
    h.controls
        .set_faults(&Faults {
            rate_limited: 1,
            unavailable: 0,
            retry_after_secs: Some(1),
            only: None,
        })
        .await
        .expect("faults");
    let started = Instant::now();
    let partner = h
        .client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("succeeds after waiting");
    assert_eq!(partner.partner_id.as_str(), "prt_acme");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited the Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(
        stats(&h).await["api_requests"],
        3,
        "warm-up, the 429, the retry"
    );
}

#[tokio::test]
async fn unavailability_is_retried_with_backoff() {
    let h = start().await;
    h.controls
        .set_faults(&Faults {
            rate_limited: 0,
            unavailable: 2,
            retry_after_secs: None,
            only: None,
        })
        .await
        .expect("faults");
    h.client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("third attempt succeeds");
    assert_eq!(stats(&h).await["api_requests"], 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let h = start().await;
    let error = h
        .client
        .partner(&PartnerId::new("prt_nobody"))
        .await
        .expect_err("404");
    assert!(
        matches!(&error, TgError::Api { status: 404, code, .. } if code == "not_found"),
        "{error:?}"
    );
    assert_eq!(stats(&h).await["api_requests"], 1);
}

#[tokio::test]
async fn persistent_outage_gives_up_after_the_attempt_budget() {
    let h = start().await;
    h.controls
        .set_faults(&Faults {
            rate_limited: 0,
            unavailable: 10,
            retry_after_secs: None,
            only: None,
        })
        .await
        .expect("faults");
    let error = h
        .client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect_err("gives up");
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        stats(&h).await["api_requests"],
        4,
        "the test policy allows 4 attempts"
    );
}

#[tokio::test]
async fn faults_for_one_operation_leave_the_others_alone() {
    let h = start().await;
    h.controls
        .set_faults(&Faults {
            rate_limited: 1,
            unavailable: 0,
            retry_after_secs: Some(0),
            only: Some("GET /v1/partners/prt_acme".into()),
        })
        .await
        .expect("faults");
    h.client
        .partner(&PartnerId::new("prt_nobody"))
        .await
        .expect_err("404, not the injected 429");
    assert_eq!(stats(&h).await["api_requests"], 1, "another call passes");
    h.client
        .partner(&PartnerId::new("prt_acme"))
        .await
        .expect("succeeds on the retry");
    assert_eq!(
        stats(&h).await["api_requests"],
        3,
        "the matching call took the 429, then its retry passed"
    );
}
