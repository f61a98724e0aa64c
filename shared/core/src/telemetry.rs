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
    /// JSON when running on Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), text otherwise;
    /// `GRIDLINK_LOG_FORMAT=json|text` overrides.
    pub fn detect() -> Self {
        match std::env::var("GRIDLINK_LOG_FORMAT").as_deref() {
            Ok("json") => Self::Json,
            Ok("text") => Self::Text,
            _ if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() => Self::Json,
            _ => Self::Text,
        }
    }
}

/// Installs the global subscriber. The filter comes from `RUST_LOG` (default `info`).
/// Calling it twice is harmless (the second call does nothing).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let result = match format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .with_span_list(false)
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
