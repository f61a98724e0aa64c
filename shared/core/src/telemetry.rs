//! Logs: JSON lines on Lambda, readable text locally, with business keys as fields.
//!
//! Use-case steps name their business keys with the field names below, e.g.
//! `#[tracing::instrument(skip_all, fields(partner_id = %p, po_number = %po))]`, so one query in
//! CloudWatch Logs Insights finds every line about one purchase order.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The trading partner (a TG partner id).
pub const PARTNER_ID: &str = "partner_id";
/// A purchase order number.
pub const PO_NUMBER: &str = "po_number";
/// An xECM business workspace node id.
pub const WORKSPACE_ID: &str = "workspace_id";
/// An inbound event id (TG `evt_…`, a schedule firing, an xECM change).
pub const EVENT_ID: &str = "event_id";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object a line (CloudWatch).
    Json,
    /// Human-readable lines.
    Text,
}

impl LogFormat {
    /// `GRIDLINK_LOG_FORMAT=json|text` if set; else Lambda's advanced logging control
    /// `AWS_LAMBDA_LOG_FORMAT=JSON|Text`; else JSON when running on Lambda
    /// (`AWS_LAMBDA_FUNCTION_NAME` set) and text elsewhere.
    pub fn detect() -> Self {
        let chosen = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| match v.to_ascii_lowercase().as_str() {
                    "json" => Some(Self::Json),
                    "text" => Some(Self::Text),
                    _ => None,
                })
        };
        chosen("GRIDLINK_LOG_FORMAT")
            .or_else(|| chosen("AWS_LAMBDA_LOG_FORMAT"))
            .unwrap_or(if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
                Self::Json
            } else {
                Self::Text
            })
    }
}

/// The level filter: `RUST_LOG` if set, else Lambda's `AWS_LAMBDA_LOG_LEVEL` (`TRACE`,
/// `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`), else `info`.
fn filter() -> EnvFilter {
    if let Ok(filter) = EnvFilter::try_from_default_env() {
        return filter;
    }
    let level = match std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .unwrap_or_default()
        .to_ascii_uppercase()
        .as_str()
    {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "WARN" => "warn",
        "ERROR" | "FATAL" => "error",
        _ => "info",
    };
    EnvFilter::new(level)
}

/// Installs the global subscriber (level from [`filter`]'s rules). In JSON every line
/// carries the fields of every span it is in — the invocation's request id, the inbox item's
/// event id, the step's business keys — not only the innermost span's. Calling it twice is
/// harmless (the second call does nothing).
pub fn init(format: LogFormat) {
    let filter = filter();
    let result = match format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(false)
            .with_span_list(true)
            .flatten_event(true)
            .without_time() // CloudWatch stamps every line.
            .try_init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_span_events(FmtSpan::NONE)
            .with_target(false)
            .try_init(),
    };
    // Already initialised (tests, the local runner hosting several functions): keep the first.
    drop(result);
}
