//! Exactly-once side effects over at-least-once inputs.
//!
//! Every side effect a use case has on another system — a space created in Trading Grid, a
//! document filed in xECM, a message posted — runs through [`Effects::once`] under an
//! [`EffectKey`] made of business words (`("tg-space", "ws-4711")`). The ledger claim is taken
//! before the effect and completed with its result after, so:
//! - a duplicate or a replay finds the claim completed and gets the stored result, without a
//!   second effect;
//! - a concurrent twin finds the claim held and is told to come back later
//!   ([`EffectError::InProgress`], a transient error);
//! - a failed effect releases the claim so a retry can run at once;
//! - a crash between the effect and its confirmation leaves a lease that expires; the re-run
//!   repeats the effect with the **same idempotency key** ([`EffectKey::idempotency_key`]),
//!   which Trading Grid answers with the original response, and which xECM effects honour by
//!   looking before they write. Either way, exactly one of everything.
//!
//! Inside a dry run (`gridlink_core::dry_run`, an operator's replay with `dry_run`) nothing
//! is claimed or completed: the claim is only looked at ([`Ledger::peek_claim`]). An effect
//! already done answers its stored result and is noted as `already_done`; an effect not done
//! yet runs its closure, whose first write the xECM or TG client refuses (noted as
//! `would_run`, the refusal naming the effect) — the item stops there, since what follows
//! depends on the effect's result. A closure that finds its work done without writing (a
//! filing adopted by its marker) is noted as `would_record` and its result goes on.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_store::{Claim, ClaimPeek, Ledger, LedgerError, RecordId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The ledger kind every claim of an effect is stored under, prefixed to the effect's kind.
const CLAIM_KIND_PREFIX: &str = "effect:";

/// The business identity of one side effect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EffectKey {
    kind: String,
    key: String,
}

impl EffectKey {
    /// An effect of `kind` (`"tg-space"`, `"xecm-file"`) for the business key `key`.
    pub fn new(kind: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            key: key.into(),
        }
    }

    /// The effect's kind.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The effect's business key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The `Idempotency-Key` a Trading Grid create carries for this effect: stable across
    /// retries, replays and processes, at most 64 characters.
    pub fn idempotency_key(&self) -> String {
        let digest = Sha256::new_with_prefix(self.kind.as_bytes())
            .chain_update([0u8])
            .chain_update(self.key.as_bytes())
            .finalize();
        format!("gl-{}", &hex::encode(digest)[..48])
    }

    fn record_id(&self) -> Result<RecordId, LedgerError> {
        let key = if self.key.len() > 512 {
            self.idempotency_key()
        } else {
            self.key.clone()
        };
        RecordId::new(format!("{CLAIM_KIND_PREFIX}{}", self.kind), key)
    }
}

impl std::fmt::Display for EffectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.key)
    }
}

/// How an effect ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The effect ran now.
    Done(T),
    /// The effect had run before; this is the result stored then.
    Replayed(T),
}

impl<T> Outcome<T> {
    /// The result either way.
    pub fn into_inner(self) -> T {
        match self {
            Self::Done(v) | Self::Replayed(v) => v,
        }
    }

    /// Whether the effect ran in this call.
    pub fn ran_now(&self) -> bool {
        matches!(self, Self::Done(_))
    }
}

/// Why an effect did not complete.
#[derive(Debug, thiserror::Error)]
pub enum EffectError<E> {
    /// The effect itself failed; the claim was released.
    #[error("{0}")]
    Effect(E),
    /// Another worker holds the claim until `until`; try again after it.
    #[error("effect {key} is in progress elsewhere until {until}")]
    InProgress {
        /// The effect.
        key: String,
        /// When the other worker's lease ends.
        until: OffsetDateTime,
    },
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] LedgerError),
    /// The stored result of an earlier run does not read as the expected type (a bug, or a
    /// change of result type without a migration).
    #[error("stored result of effect {key} does not decode: {source}")]
    StoredResult {
        /// The effect.
        key: String,
        /// Why.
        source: serde_json::Error,
    },
    /// A fault injected by a test between the effect and its confirmation.
    #[error("injected crash after effect {0} and before its confirmation")]
    InjectedCrash(String),
}

impl<E: Classify> Classify for EffectError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Effect(e) => e.kind(),
            Self::InProgress { .. } => ErrorKind::Held,
            Self::InjectedCrash(_) => ErrorKind::Unavailable,
            Self::Ledger(e) => e.kind(),
            Self::StoredResult { .. } => ErrorKind::Internal,
        }
    }
}

impl<E: Classify + std::fmt::Display> EffectError<E> {
    /// The effect's own error as it is (`Ok`); any other failure — a claim held elsewhere,
    /// the ledger, an injected crash — as its text and kind (`Err`), for a use case error
    /// that keeps such failures as one variant.
    pub fn into_effect(self) -> Result<E, (String, ErrorKind)> {
        match self {
            Self::Effect(inner) => Ok(inner),
            other => {
                let kind = other.kind();
                Err((other.to_string(), kind))
            }
        }
    }
}

/// Where a test may inject a crash.
pub trait FaultInjector: Send + Sync + std::fmt::Debug {
    /// Whether to "crash" after `key`'s effect ran and before its confirmation.
    fn crash_after_effect(&self, key: &EffectKey) -> bool;
}

/// Runs side effects exactly once.
#[derive(Debug, Clone)]
pub struct Effects {
    ledger: Arc<dyn Ledger>,
    lease: Duration,
    retain: Option<Duration>,
    faults: Option<Arc<dyn FaultInjector>>,
}

impl Effects {
    /// Effects claimed in `ledger`, with a lease of `lease` (longer than the slowest effect,
    /// shorter than the caller's retry interval) and results kept for ever.
    pub fn new(ledger: Arc<dyn Ledger>, lease: Duration) -> Self {
        Self {
            ledger,
            lease,
            retain: None,
            faults: None,
        }
    }

    /// Keeps completed results for `retain` only.
    #[must_use]
    pub fn retaining_for(mut self, retain: Duration) -> Self {
        self.retain = Some(retain);
        self
    }

    /// Injects crashes (tests).
    #[must_use]
    pub fn with_faults(mut self, faults: Arc<dyn FaultInjector>) -> Self {
        self.faults = Some(faults);
        self
    }

    /// The ledger underneath.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }

    /// Runs `effect` once for `key`. The effect receives the idempotency key to pass on.
    ///
    /// `payload_hash`, when given, guards against one business key being reused for another
    /// payload: a completed claim with a different hash is a conflict, not a replay.
    pub async fn once<T, E, F, Fut>(
        &self,
        key: &EffectKey,
        payload_hash: Option<&str>,
        effect: F,
    ) -> Result<Outcome<T>, EffectError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let id = key.record_id()?;
        if gridlink_core::dry_run::active() {
            return self.once_dry(key, &id, payload_hash, effect).await;
        }
        let token = match self.ledger.claim(&id, self.lease, payload_hash).await {
            Ok(Claim::AlreadyCompleted { result }) => {
                tracing::debug!(effect = %key, "effect already done; replaying its result");
                return serde_json::from_value(result)
                    .map(Outcome::Replayed)
                    .map_err(|source| EffectError::StoredResult {
                        key: key.to_string(),
                        source,
                    });
            }
            Ok(Claim::Acquired { token, .. }) => token,
            Err(LedgerError::ClaimHeld { until, .. }) => {
                return Err(EffectError::InProgress {
                    key: key.to_string(),
                    until,
                });
            }
            Err(e) => return Err(EffectError::Ledger(e)),
        };
        let claimed_at = crate::timeline::now();
        let value = match effect(key.idempotency_key()).await {
            Ok(value) => value,
            Err(error) => {
                if let Err(release) = self.ledger.release_claim(&id, &token).await {
                    tracing::warn!(effect = %key, error = %release, "could not release claim; it expires with its lease");
                }
                record_failed(key);
                return Err(EffectError::Effect(error));
            }
        };
        if self
            .faults
            .as_ref()
            .is_some_and(|f| f.crash_after_effect(key))
        {
            return Err(EffectError::InjectedCrash(key.to_string()));
        }
        let stored = serde_json::to_value(&value).map_err(|source| EffectError::StoredResult {
            key: key.to_string(),
            source,
        })?;
        self.ledger
            .complete_claim(&id, &token, stored.clone(), self.retain)
            .await?;
        tracing::info!(effect = %key, "effect done");
        record_done(key, claimed_at, &stored);
        crate::timeline::flush().await;
        Ok(Outcome::Done(value))
    }
}

/// The timeline entry of an effect done now: what it was, when it was claimed, the ids its
/// result names.
fn record_done(key: &EffectKey, claimed_at: Option<OffsetDateTime>, result: &serde_json::Value) {
    let system = crate::timeline::system_of(key.kind());
    crate::timeline::record(
        "effect",
        format!("effect|{}|{}", key.kind(), key.key()),
        serde_json::json!({
            "system": system,
            "effect": key.kind(),
            "effect_key": key.key(),
            "claimed_at": claimed_at.map(crate::timeline::format_at),
            "ids": crate::timeline::ids_of(result),
            "result": crate::timeline::bounded(result),
        }),
    );
}

/// The timeline entry of an effect that failed (its claim released for a retry); the error
/// is the item's (its `failed` or `dead_letter` entry).
fn record_failed(key: &EffectKey) {
    let Some(at) = crate::timeline::now() else {
        return;
    };
    crate::timeline::record(
        "effect_failed",
        format!(
            "effect-failed|{}|{}|{}",
            key.kind(),
            key.key(),
            at.unix_timestamp_nanos() / 1_000_000
        ),
        serde_json::json!({
            "system": crate::timeline::system_of(key.kind()),
            "effect": key.kind(),
            "effect_key": key.key(),
        }),
    );
}

impl Effects {
    /// [`Effects::once`] inside a dry run: nothing claimed, nothing completed (see the
    /// module docs).
    async fn once_dry<T, E, F, Fut>(
        &self,
        key: &EffectKey,
        id: &RecordId,
        payload_hash: Option<&str>,
        effect: F,
    ) -> Result<Outcome<T>, EffectError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        use gridlink_core::dry_run::{in_effect, note};
        let name = key.to_string();
        match self.ledger.peek_claim(id, payload_hash).await? {
            ClaimPeek::Completed { result } => {
                note(
                    serde_json::json!({"effect": name, "state": "already_done", "result": result}),
                );
                serde_json::from_value(result)
                    .map(Outcome::Replayed)
                    .map_err(|source| EffectError::StoredResult { key: name, source })
            }
            ClaimPeek::Held { until } => Err(EffectError::InProgress { key: name, until }),
            ClaimPeek::Free => {
                let refused = || gridlink_core::dry_run::report().map_or(0, |r| r.refusal_count());
                let before = refused();
                match in_effect(name.clone(), effect(key.idempotency_key())).await {
                    Ok(value) => {
                        let result = serde_json::to_value(&value).unwrap_or_default();
                        note(
                            serde_json::json!({"effect": name, "state": "would_record", "result": result}),
                        );
                        Ok(Outcome::Done(value))
                    }
                    Err(error) => {
                        // A refused write: the effect would run. Anything else (xECM down, a
                        // name taken) failed as it would in a real run.
                        let state = if refused() > before {
                            "would_run"
                        } else {
                            "failed"
                        };
                        note(serde_json::json!({"effect": name, "state": state}));
                        Err(EffectError::Effect(error))
                    }
                }
            }
        }
    }
}

/// The SHA-256 of some bytes, hex: the payload hash for [`Effects::once`].
pub fn payload_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
