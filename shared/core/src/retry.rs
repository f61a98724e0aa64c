//! Retries with exponential back-off and full jitter.
//!
//! One policy for every outbound call (xECM, Trading Grid, AWS). Errors say whether they may be
//! retried through [`Retryable`]; a server's `Retry-After` wins over the computed delay; the
//! total time is bounded so a Lambda invocation never sleeps past its own deadline.
//!
//! Sleeping uses `tokio::time`, so tests drive it with `tokio::time::pause()`.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after the policy's back-off.
    Retry,
    /// Try again, not before this long (the server said so).
    RetryAfter(Duration),
    /// Do not try again: the same request would fail the same way.
    Fatal,
}

/// Implemented by errors that know whether a retry may help.
pub trait Retryable {
    /// Whether and when to retry after this error.
    fn retry_decision(&self) -> RetryDecision;
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Upper bound of the first back-off.
    pub initial_delay: Duration,
    /// Upper bound of any computed back-off.
    pub max_delay: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt, and no sleep
    /// is allowed to end past it.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// 200 ms initial back-off, 20 s cap, 6 attempts, 60 s in all.
    pub fn standard() -> Self {
        Self {
            initial_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_attempts: 6,
            max_elapsed: Duration::from_mins(1),
        }
    }

    /// One attempt, no retry.
    pub fn none() -> Self {
        Self {
            initial_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_attempts: 1,
            max_elapsed: Duration::ZERO,
        }
    }

    /// The ceiling of the back-off after failed attempt number `attempt` (1-based):
    /// `min(max_delay, initial_delay * 2^(attempt-1))`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.initial_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }

    /// A full-jitter back-off: uniformly random in `[0, backoff_ceiling(attempt)]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }

    /// Runs `op(attempt)` (attempt starts at 1) until it succeeds, fails fatally, or the
    /// attempts or the time budget are spent; the last error is returned.
    pub async fn run<T, E, F, Fut>(&self, what: &'static str, mut op: F) -> Result<T, E>
    where
        E: Retryable + std::fmt::Display,
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let started = tokio::time::Instant::now();
        let mut attempt = 1;
        loop {
            let error = match op(attempt).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let delay = match error.retry_decision() {
                RetryDecision::Fatal => return Err(error),
                RetryDecision::Retry => self.backoff(attempt),
                RetryDecision::RetryAfter(after) => after,
            };
            let elapsed = started.elapsed();
            if attempt >= self.max_attempts || elapsed + delay > self.max_elapsed {
                tracing::warn!(what, attempt, error = %error, "giving up after retries");
                return Err(error);
            }
            tracing::info!(
                what,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// Parses a `Retry-After` value: delta-seconds (`"120"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in the past gives zero.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    let ahead = at - now;
    Some(Duration::try_from(ahead).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[derive(Debug)]
    struct Failure(RetryDecision);

    impl std::fmt::Display for Failure {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }

    impl Retryable for Failure {
        fn retry_decision(&self) -> RetryDecision {
            self.0
        }
    }

    fn counting() -> (Arc<AtomicU32>, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        (calls.clone(), calls)
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_success() {
        let (calls, seen) = counting();
        let result = RetryPolicy::standard()
            .run("test", |attempt| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    if attempt < 3 {
                        Err(Failure(RetryDecision::Retry))
                    } else {
                        Ok(attempt)
                    }
                }
            })
            .await;
        assert_eq!(result.expect("third attempt succeeds"), 3);
        assert_eq!(seen.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn fatal_errors_are_not_retried() {
        let (calls, seen) = counting();
        let result: Result<(), _> = RetryPolicy::standard()
            .run("test", |_| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(Failure(RetryDecision::Fatal))
                }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_bounded() {
        let (calls, seen) = counting();
        let policy = RetryPolicy {
            max_attempts: 4,
            ..RetryPolicy::standard()
        };
        let result: Result<(), _> = policy
            .run("test", |_| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(Failure(RetryDecision::Retry))
                }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(seen.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_honoured_exactly() {
        let started = tokio::time::Instant::now();
        let result = RetryPolicy::standard()
            .run("test", |attempt| async move {
                if attempt == 1 {
                    Err(Failure(RetryDecision::RetryAfter(Duration::from_secs(7))))
                } else {
                    Ok(())
                }
            })
            .await;
        assert!(result.is_ok());
        assert_eq!(started.elapsed().as_secs(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_beyond_the_time_budget_gives_up_at_once() {
        let started = tokio::time::Instant::now();
        let result: Result<(), _> = RetryPolicy::standard()
            .run("test", |_| async {
                Err(Failure(RetryDecision::RetryAfter(Duration::from_secs(
                    3600,
                ))))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn backoff_ceiling_doubles_up_to_the_cap() {
        let policy = RetryPolicy::standard();
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(200));
        assert_eq!(policy.backoff_ceiling(2), Duration::from_millis(400));
        assert_eq!(policy.backoff_ceiling(4), Duration::from_millis(1600));
        assert_eq!(policy.backoff_ceiling(40), Duration::from_secs(20));
        for attempt in 1..10 {
            assert!(policy.backoff(attempt) <= policy.backoff_ceiling(attempt));
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = OffsetDateTime::from_unix_timestamp(1_445_412_400).expect("valid"); // 07:26:40 GMT
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(80))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
