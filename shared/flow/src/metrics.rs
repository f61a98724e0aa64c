//! Business metrics in CloudWatch's embedded metric format (EMF).
//!
//! Every function counts what an operator alarms on — events processed, retried and
//! dead-lettered, documents filed, documents parked as unmatched, acknowledgments sent — and
//! how long an event took from acceptance to done. Each count is one JSON line on standard
//! output; on Lambda, CloudWatch Logs turns such a line into a metric without an API call, a
//! client library or a permission (the function's log group is already written). Locally the
//! lines go to a file, or nowhere.
//!
//! ## Why by hand
//! The format is one JSON object a line (the `_aws` member names the namespace, the dimension
//! sets and the metrics; the root holds the values). The crates that write it bring their own
//! metrics model and flushing (`metrique`, `aws-embedded-metrics` ports); a dozen lines of
//! `serde_json` over the one shape gridlink needs are simpler to read and to test.
//!
//! ## Shape
//! ```json
//! {"_aws": {"Timestamp": 1796205600250, "CloudWatchMetrics": [{"Namespace": "gridlink/prod",
//!   "Dimensions": [["function"], []], "Metrics": [{"Name": "DeadLettered", "Unit": "Count"}]}]},
//!  "function": "order-reconcile", "DeadLettered": 1, "item_id": "tg:evt_1"}
//! ```
//! Two dimension sets: per function, and the whole stack (the empty set), which the
//! template's alarms watch. Further root members (`item_id`, `partner`) are context for a
//! person reading the log line; they are not dimensions, so they cost no metric.
//!
//! ## Configuration
//! | Key | Meaning |
//! |---|---|
//! | `GRIDLINK_METRICS` | `emf` (standard output; the default on Lambda) or `off` (the default elsewhere) |
//! | `GRIDLINK_METRICS_NAMESPACE` | the CloudWatch namespace (default `gridlink`; the template sets `gridlink/<stack name>`) |

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use gridlink_core::clock::SharedClock;
use serde_json::{Map, Value, json};

/// What gridlink counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// An inbox item processed to done.
    EventsProcessed,
    /// An attempt that failed transiently; the item stays pending.
    EventsRetried,
    /// An item that became a dead letter.
    DeadLettered,
    /// Milliseconds from an item's acceptance to its being done.
    EndToEndLatency,
    /// A document filed into xECM now (not a replay of an earlier filing).
    DocumentsFiled,
    /// A document or message parked as unmatched.
    Unmatched,
    /// A functional acknowledgment (997/999/CONTRL) sent now.
    AcknowledgmentsSent,
}

impl Metric {
    /// Its CloudWatch name.
    pub fn name(self) -> &'static str {
        match self {
            Self::EventsProcessed => "EventsProcessed",
            Self::EventsRetried => "EventsRetried",
            Self::DeadLettered => "DeadLettered",
            Self::EndToEndLatency => "EndToEndLatency",
            Self::DocumentsFiled => "DocumentsFiled",
            Self::Unmatched => "Unmatched",
            Self::AcknowledgmentsSent => "AcknowledgmentsSent",
        }
    }

    /// Its CloudWatch unit.
    pub fn unit(self) -> &'static str {
        match self {
            Self::EndToEndLatency => "Milliseconds",
            _ => "Count",
        }
    }
}

/// Where metric lines go.
pub trait MetricSink: Send + Sync + std::fmt::Debug {
    /// Writes one line (without its newline).
    fn write_line(&self, line: &str);
}

/// Standard output, one line at a time (Lambda: CloudWatch Logs).
#[derive(Debug, Default)]
pub struct StdoutSink;

impl MetricSink for StdoutSink {
    fn write_line(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A metric that cannot be written must never fail the work it counts.
        let _ = writeln!(out, "{line}");
    }
}

/// A file, appended to (the local stack: `<data dir>/metrics.jsonl`).
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSink {
    /// Appends to `path` (created when first written).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }
}

impl MetricSink for FileSink {
    fn write_line(&self, line: &str) {
        let _guard = self.lock.lock();
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| writeln!(file, "{line}"));
        if let Err(error) = written {
            tracing::warn!(path = %self.path.display(), error = %error, "metric not written");
        }
    }
}

/// Lines kept in memory (tests).
#[derive(Debug, Default)]
pub struct MemorySink {
    lines: Mutex<Vec<String>>,
}

impl MemorySink {
    /// Every line written so far, parsed.
    pub fn lines(&self) -> Vec<Value> {
        self.lines
            .lock()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many lines written so far carry `metric` (for a count, how many were counted).
    pub fn count(&self, metric: Metric) -> usize {
        self.lines()
            .iter()
            .filter(|line| line.get(metric.name()).is_some())
            .count()
    }

    /// The sum of `metric` over every line written so far.
    pub fn total(&self, metric: Metric) -> f64 {
        self.lines()
            .iter()
            .filter_map(|line| line.get(metric.name()).and_then(Value::as_f64))
            .sum()
    }
}

impl MetricSink for MemorySink {
    fn write_line(&self, line: &str) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push(line.to_owned());
        }
    }
}

/// Which sink, from configuration.
#[derive(Debug, Clone, Default)]
pub enum MetricsChoice {
    /// No metrics.
    #[default]
    Off,
    /// EMF lines to standard output, in `namespace`.
    Emf {
        /// The CloudWatch namespace.
        namespace: String,
    },
    /// EMF lines to a file, in `namespace`.
    File {
        /// The file.
        path: PathBuf,
        /// The CloudWatch namespace written into each line.
        namespace: String,
    },
    /// EMF lines to a sink of the caller's (tests).
    Sink {
        /// The sink.
        sink: Arc<dyn MetricSink>,
        /// The namespace.
        namespace: String,
    },
}

/// The default namespace.
pub const DEFAULT_NAMESPACE: &str = "gridlink";

/// One function's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    function: &'static str,
    namespace: String,
    sink: Option<Arc<dyn MetricSink>>,
    clock: SharedClock,
}

impl Metrics {
    /// Metrics of `function` that go nowhere.
    pub fn off(function: &'static str, clock: SharedClock) -> Self {
        Self {
            function,
            namespace: DEFAULT_NAMESPACE.to_owned(),
            sink: None,
            clock,
        }
    }

    /// Metrics of `function` as `choice` says.
    pub fn new(function: &'static str, clock: SharedClock, choice: &MetricsChoice) -> Self {
        let (sink, namespace): (Option<Arc<dyn MetricSink>>, &str) = match choice {
            MetricsChoice::Off => (None, DEFAULT_NAMESPACE),
            MetricsChoice::Emf { namespace } => (Some(Arc::new(StdoutSink)), namespace),
            MetricsChoice::File { path, namespace } => {
                (Some(Arc::new(FileSink::new(path.clone()))), namespace)
            }
            MetricsChoice::Sink { sink, namespace } => (Some(sink.clone()), namespace),
        };
        Self {
            function,
            namespace: namespace.to_owned(),
            sink,
            clock,
        }
    }

    /// Whether lines are written at all.
    pub fn enabled(&self) -> bool {
        self.sink.is_some()
    }

    /// Records `value` of `metric`, with `context` members for a person reading the line.
    pub fn record(&self, metric: Metric, value: f64, context: &[(&str, &str)]) {
        let Some(sink) = &self.sink else {
            return;
        };
        sink.write_line(&self.line(metric, value, context).to_string());
    }

    /// Counts one `metric`.
    pub fn count(&self, metric: Metric, context: &[(&str, &str)]) {
        self.record(metric, 1.0, context);
    }

    fn line(&self, metric: Metric, value: f64, context: &[(&str, &str)]) -> Value {
        let timestamp = self.clock.now().unix_timestamp_nanos() / 1_000_000;
        let mut root = Map::new();
        for (key, text) in context {
            root.insert((*key).to_owned(), json!(text));
        }
        root.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["function"], []],
                    "Metrics": [{"Name": metric.name(), "Unit": metric.unit()}],
                }],
            }),
        );
        root.insert("function".to_owned(), json!(self.function));
        root.insert(metric.name().to_owned(), json!(value));
        Value::Object(root)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gridlink_core::clock::ManualClock;
    use serde_json::json;
    use time::macros::datetime;

    use super::{MemorySink, Metric, Metrics, MetricsChoice};

    fn metrics(sink: &Arc<MemorySink>) -> Metrics {
        Metrics::new(
            "order-reconcile",
            Arc::new(ManualClock::new(datetime!(2026-12-02 10:00:00.250 UTC))),
            &MetricsChoice::Sink {
                sink: sink.clone(),
                namespace: "gridlink/test".into(),
            },
        )
    }

    #[test]
    fn a_count_is_one_emf_line_with_the_function_and_the_whole_stack_as_dimension_sets() {
        let sink = Arc::new(MemorySink::default());
        metrics(&sink).count(Metric::DeadLettered, &[("item_id", "tg:evt_1")]);
        assert_eq!(
            sink.lines(),
            vec![json!({
                "_aws": {
                    "Timestamp": 1_796_205_600_250_i64,
                    "CloudWatchMetrics": [{
                        "Namespace": "gridlink/test",
                        "Dimensions": [["function"], []],
                        "Metrics": [{"Name": "DeadLettered", "Unit": "Count"}],
                    }],
                },
                "function": "order-reconcile",
                "DeadLettered": 1.0,
                "item_id": "tg:evt_1",
            })]
        );
    }

    #[test]
    fn a_context_member_never_overwrites_the_metric_or_its_directive() {
        let sink = Arc::new(MemorySink::default());
        metrics(&sink).record(
            Metric::EndToEndLatency,
            42.0,
            &[("EndToEndLatency", "x"), ("_aws", "x"), ("function", "x")],
        );
        let line = &sink.lines()[0];
        assert_eq!(line["EndToEndLatency"], json!(42.0));
        assert_eq!(line["function"], "order-reconcile");
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
            "Milliseconds"
        );
        assert!((sink.total(Metric::EndToEndLatency) - 42.0).abs() < f64::EPSILON);
        assert_eq!(sink.count(Metric::EndToEndLatency), 1);
    }

    #[test]
    fn metrics_that_are_off_write_nothing() {
        let clock = Arc::new(ManualClock::new(datetime!(2026-12-02 10:00 UTC)));
        let off = Metrics::off("order-reconcile", clock);
        assert!(!off.enabled());
        off.count(Metric::DocumentsFiled, &[]);
    }
}
