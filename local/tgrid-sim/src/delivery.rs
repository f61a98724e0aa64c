//! Webhook delivery: signed POSTs, retried with exponential back-off on any non-2xx or
//! timeout, and — on demand — duplicated, delayed or reordered, so receivers can be tested
//! against at-least-once delivery.
//!
//! First attempts start in queue order, at most `concurrency` in flight at once (1 by
//! default: one at a time, so a requested reordering is exactly what the receiver sees);
//! retries run in the background.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridlink_core::clock::SharedClock;
use gridlink_core::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use gridlink_tgrid::{Event, SubscriptionId};
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc};

/// Back-off and timeouts for deliveries.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Wait before the first retry; doubles each retry.
    pub initial_backoff: Duration,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// Stop retrying an event this long after its first attempt (contract: 24 h).
    pub give_up_after: Duration,
    /// Per-attempt timeout (contract: 10 s).
    pub timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
            give_up_after: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
        }
    }
}

/// How deliveries misbehave, set with `POST /__sim/delivery`.
///
/// # Format
/// `{"duplicate":true,"delay_ms":0,"reorder_hold":3}`: every delivery is sent twice; each
/// first attempt waits `delay_ms`; with `reorder_hold` = N, deliveries are held until N are
/// waiting and then sent newest first (`POST /__sim/delivery/flush` releases fewer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMode {
    /// Send every delivery twice.
    #[serde(default)]
    pub duplicate: bool,
    /// Wait this long before each first attempt.
    #[serde(default)]
    pub delay_ms: u64,
    /// Hold this many deliveries, then send them in reverse order (0 = off).
    #[serde(default)]
    pub reorder_hold: u32,
}

/// One delivery attempt, as `GET /__sim/deliveries` lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// The event.
    pub event_id: String,
    /// The subscription.
    pub subscription_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
}

struct Job {
    subscription_id: SubscriptionId,
    url: String,
    secret: String,
    event: Event,
}

enum Command {
    Deliver(Job),
    Flush,
}

/// The queue handle kept by the simulator.
pub(crate) struct DeliveryQueue {
    commands: mpsc::UnboundedSender<Command>,
    pub mode: Arc<Mutex<DeliveryMode>>,
    pub log: Arc<Mutex<Vec<DeliveryAttempt>>>,
}

impl DeliveryQueue {
    /// Starts the delivery worker: `concurrency` first attempts in flight at once (at least 1).
    pub fn start(config: DeliveryConfig, clock: SharedClock, concurrency: usize) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let mode = Arc::new(Mutex::new(DeliveryMode::default()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let worker = Worker {
            http: reqwest::Client::builder()
                .timeout(config.timeout)
                .build()
                .unwrap_or_default(),
            config,
            clock,
            mode: Arc::clone(&mode),
            log: Arc::clone(&log),
            in_flight: Arc::new(Semaphore::new(concurrency.max(1))),
        };
        tokio::spawn(worker.run(receiver));
        Self {
            commands,
            mode,
            log,
        }
    }

    /// Queues an event for one subscription.
    pub fn enqueue(
        &self,
        subscription_id: SubscriptionId,
        url: String,
        secret: String,
        event: Event,
    ) {
        let _ = self.commands.send(Command::Deliver(Job {
            subscription_id,
            url,
            secret,
            event,
        }));
    }

    /// Releases held deliveries now.
    pub fn flush(&self) {
        let _ = self.commands.send(Command::Flush);
    }
}

#[derive(Clone)]
struct Worker {
    http: reqwest::Client,
    config: DeliveryConfig,
    clock: SharedClock,
    mode: Arc<Mutex<DeliveryMode>>,
    log: Arc<Mutex<Vec<DeliveryAttempt>>>,
    /// One permit per first attempt in flight.
    in_flight: Arc<Semaphore>,
}

impl Worker {
    async fn run(self, mut receiver: mpsc::UnboundedReceiver<Command>) {
        let mut held: Vec<Job> = Vec::new();
        while let Some(command) = receiver.recv().await {
            let mode = self.mode.lock().map(|m| m.clone()).unwrap_or_default();
            match command {
                Command::Deliver(job) if mode.reorder_hold > 0 => {
                    held.push(job);
                    if held.len() >= mode.reorder_hold as usize {
                        for job in held.drain(..).rev().collect::<Vec<_>>() {
                            self.dispatch(job, &mode).await;
                        }
                    }
                }
                Command::Deliver(job) => self.dispatch(job, &mode).await,
                Command::Flush => {
                    for job in held.drain(..).rev().collect::<Vec<_>>() {
                        self.dispatch(job, &mode).await;
                    }
                }
            }
        }
    }

    /// First attempt now (twice when duplicating); retries in the background.
    async fn dispatch(&self, job: Job, mode: &DeliveryMode) {
        if mode.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(mode.delay_ms)).await;
        }
        let job = Arc::new(job);
        let copies = if mode.duplicate { 2 } else { 1 };
        for _ in 0..copies {
            // Permits are handed out in the order asked for: attempts start in queue order.
            let Ok(permit) = Arc::clone(&self.in_flight).acquire_owned().await else {
                return;
            };
            let worker = self.clone();
            let job = Arc::clone(&job);
            tokio::spawn(async move {
                let delivered = worker.attempt(&job, 1).await;
                drop(permit);
                if !delivered {
                    worker.retry(job).await;
                }
            });
        }
    }

    async fn retry(self, job: Arc<Job>) {
        let started = tokio::time::Instant::now();
        let mut backoff = self.config.initial_backoff;
        let mut attempt = 2;
        while started.elapsed() + backoff <= self.config.give_up_after {
            tokio::time::sleep(backoff).await;
            if self.attempt(&job, attempt).await {
                return;
            }
            attempt += 1;
            backoff = (backoff * 2).min(self.config.max_backoff);
        }
        tracing::warn!(event_id = %job.event.event_id, subscription_id = %job.subscription_id, "webhook delivery given up");
    }

    /// One signed POST; true when the receiver answered 2xx.
    async fn attempt(&self, job: &Job, attempt: u32) -> bool {
        let body = serde_json::to_vec(&job.event).unwrap_or_default();
        let timestamp = self.clock.unix_seconds();
        let signature = sign(job.secret.as_bytes(), timestamp, &body);
        let result = self
            .http
            .post(&job.url)
            .header("Content-Type", "application/json")
            .header("TG-Event-Id", job.event.event_id.as_str())
            .header("TG-Event-Type", job.event.event_type.as_str())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let (status, error) = match &result {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) => (None, Some(error.to_string())),
        };
        tracing::debug!(event_id = %job.event.event_id, attempt, status, "webhook delivery attempt");
        if let Ok(mut log) = self.log.lock() {
            log.push(DeliveryAttempt {
                event_id: job.event.event_id.to_string(),
                subscription_id: job.subscription_id.to_string(),
                attempt,
                status,
                error,
            });
        }
        status.is_some_and(|s| (200..300).contains(&s))
    }
}
