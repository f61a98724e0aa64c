//! The template's schedules, fired locally.
//!
//! Each schedule of the manifest (the same ones `infra/template.yaml` gives EventBridge
//! Scheduler) is parsed from its AWS expression — `rate(5 minutes)` or
//! `cron(min hour day-of-month month day-of-week year)` in UTC — and fired with the same input
//! the template sends: `{"schedule": "<name>", "scheduled_at": "<RFC 3339>"}`. A `speed` factor
//! divides the waits, so a demo sees a five-minute schedule every five seconds at `--speed 60`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use gridlink_lambda::{Handler, Schedule, dispatch};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An AWS schedule expression.
#[derive(Debug, Clone)]
pub enum Expression {
    /// `rate(N unit)`.
    Rate(Duration),
    /// `cron(…)`, as a schedule in UTC.
    Cron(Box<cron::Schedule>),
}

/// A schedule expression that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("schedule expression `{expression}` is not valid: {reason}")]
pub struct ExpressionError {
    expression: String,
    reason: String,
}

impl FromStr for Expression {
    type Err = ExpressionError;

    fn from_str(expression: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| ExpressionError {
            expression: expression.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(inner) = expression
            .strip_prefix("rate(")
            .and_then(|e| e.strip_suffix(')'))
        {
            let (count, unit) = inner
                .trim()
                .split_once(' ')
                .ok_or_else(|| fail("expected `rate(N unit)`"))?;
            let count: u64 = count
                .parse()
                .map_err(|_| fail("the count is not a whole number"))?;
            if count == 0 {
                return Err(fail("the count must be positive"));
            }
            let unit_secs = match unit.trim() {
                "minute" | "minutes" => 60,
                "hour" | "hours" => 3600,
                "day" | "days" => 86_400,
                _ => return Err(fail("the unit must be minute(s), hour(s) or day(s)")),
            };
            return Ok(Self::Rate(Duration::from_secs(count * unit_secs)));
        }
        if let Some(inner) = expression
            .strip_prefix("cron(")
            .and_then(|e| e.strip_suffix(')'))
        {
            let fields: Vec<&str> = inner.split_whitespace().collect();
            if fields.len() != 6 {
                return Err(fail(
                    "AWS cron has six fields: minutes hours day-of-month month day-of-week year",
                ));
            }
            // The cron crate wants seconds first and `*` where AWS writes `?`.
            let converted: Vec<&str> = fields
                .iter()
                .map(|f| if *f == "?" { "*" } else { f })
                .collect();
            let schedule = cron::Schedule::from_str(&format!("0 {}", converted.join(" ")))
                .map_err(|e| fail(&e.to_string()))?;
            return Ok(Self::Cron(Box::new(schedule)));
        }
        Err(fail("expected rate(…) or cron(…)"))
    }
}

impl Expression {
    /// How long from `now` (Unix seconds) until the next firing, in real (unscaled) time.
    pub fn next_after(&self, now: chrono::DateTime<Utc>) -> Option<Duration> {
        match self {
            Self::Rate(every) => Some(*every),
            Self::Cron(schedule) => {
                let next = schedule.after(&now).next()?;
                (next - now).to_std().ok()
            }
        }
    }
}

/// The input the template gives a schedule's target.
pub fn schedule_input(schedule: &Schedule, at: OffsetDateTime) -> Value {
    json!({"schedule": schedule.name, "scheduled_at": at.format(&Rfc3339).unwrap_or_default()})
}

/// Fires `schedule` of `handler` once, now. The outcome JSON, or the invocation error text.
pub async fn fire(handler: &dyn Handler, schedule: &Schedule) -> Result<Value, String> {
    let input = schedule_input(schedule, OffsetDateTime::now_utc());
    dispatch(handler, input)
        .await
        .map_err(|f| format!("{}: {}", f.error_type, f.error_message))
}

/// Runs every schedule of `handler` until the task is dropped, `speed` times faster than AWS.
pub fn spawn_all(handler: &Arc<dyn Handler>, speed: f64) -> Vec<tokio::task::JoinHandle<()>> {
    let speed = if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        1.0
    };
    handler
        .spec()
        .schedules
        .iter()
        .filter_map(|schedule| {
            let expression = match schedule.expression.parse::<Expression>() {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(schedule = schedule.name, error = %e, "schedule not started");
                    return None;
                }
            };
            let handler = handler.clone();
            Some(tokio::spawn(async move {
                while let Some(wait) = expression.next_after(Utc::now()) {
                    tokio::time::sleep(wait.div_f64(speed)).await;
                    match fire(handler.as_ref(), schedule).await {
                        Ok(outcome) => {
                            tracing::info!(schedule = schedule.name, %outcome, "schedule fired");
                        }
                        Err(error) => {
                            tracing::warn!(schedule = schedule.name, %error, "schedule run failed");
                        }
                    }
                }
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn every_schedule_in_the_manifest_parses() {
        for f in gridlink_lambda::FUNCTIONS {
            for s in f.schedules {
                s.expression
                    .parse::<Expression>()
                    .unwrap_or_else(|e| panic!("{}: {e}", s.name));
            }
        }
    }

    #[test]
    fn rates_and_aws_crons_give_the_next_wait() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 24, 7, 30, 0)
            .single()
            .expect("valid");
        let rate: Expression = "rate(5 minutes)".parse().expect("parses");
        assert_eq!(rate.next_after(now), Some(Duration::from_secs(300)));
        let daily: Expression = "cron(0 8 * * ? *)".parse().expect("parses");
        assert_eq!(daily.next_after(now), Some(Duration::from_secs(1800)));
    }

    #[test]
    fn malformed_expressions_say_what_is_wrong() {
        for bad in [
            "rate(0 minutes)",
            "rate(5 weeks)",
            "cron(0 8 * *)",
            "every day",
        ] {
            let error = bad.parse::<Expression>().expect_err(bad).to_string();
            assert!(error.contains(bad), "{error}");
        }
    }
}
