//! A **dry run**: a task-local scope in which nothing may be written anywhere.
//!
//! An operator's replay with `dry_run` runs an inbox item through the normal path inside
//! [`scope`]. The lowest layers check [`refuse`] before they write: the xECM and Trading Grid
//! clients before any request that changes something (every method but `GET`, reads sent as
//! `POST` such as xECM's search excepted), the platform's ledger and blob store before any
//! write. Inside a scope they send nothing and fail with their typed dry-run error carrying
//! the [`Refusal`] (method, path, a short summary of what would have been written); outside
//! one, [`refuse`] answers `None` and they go on as always. So "a dry run writes nothing" holds
//! by construction, not by each use case taking care: a write the use case did not expect to
//! make is refused like any other, and listed.
//!
//! One kind of write is held in memory instead of refused: a **staged** blob (a copy of a
//! received document's content, kept so the rest of the work can read it back). The blob
//! store keeps it in the dry run's [`Report`] ([`Report::stage`]), never in the store, and
//! reads it back from there within the same dry run; the report lists it.
//!
//! [`scope`] hands back, with the future's output, what was refused ([`Refusal`]) and what
//! the effects layer noted on the way ([`note`]: an effect already done, with its stored
//! result; an effect that would run) — the dry run's report.
//!
//! The scope is task-local: a task spawned inside it is outside it. Nothing on the processing
//! path of an inbox item spawns a task (a test greps for it).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

/// A write refused inside a dry run: what would have been sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// Where the write was going: `xecm`, `tg`, `ledger`, `blobs`.
    pub system: &'static str,
    /// The HTTP method (`POST`, `PUT`, `DELETE`), or the storage operation (`create`,
    /// `update`, `claim`, `put`, …).
    pub method: String,
    /// The API path, the ledger record id or the blob key.
    pub path: String,
    /// What it would have done, shortly: `create document, file "INV-1.x12", name
    /// "Invoice INV-1", in folder 2071`.
    pub summary: String,
    /// The exactly-once effect (`kind:key`) it belongs to, when it was refused inside one
    /// ([`in_effect`]).
    pub effect: Option<String>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "dry run: would {} {} {} ({})",
            self.method, self.system, self.path, self.summary
        )
    }
}

/// What one dry run saw: the refused writes and the effects layer's notes, in order.
#[derive(Debug, Default)]
pub struct Report {
    refusals: Mutex<Vec<Refusal>>,
    notes: Mutex<Vec<Value>>,
    effects: Mutex<Vec<String>>,
    staged: Mutex<std::collections::BTreeMap<String, Arc<Staged>>>,
}

/// A blob a dry run holds in memory instead of writing it ([`Report::stage`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staged {
    /// The content.
    pub bytes: Vec<u8>,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its user metadata.
    pub metadata: std::collections::BTreeMap<String, String>,
}

impl Report {
    /// The writes refused so far, in order.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.refusals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many writes were refused so far.
    pub fn refusal_count(&self) -> usize {
        self.refusals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Holds `blob` under `key` for the rest of the dry run (replacing one staged before).
    pub fn stage(&self, key: &str, blob: Staged) {
        self.staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), Arc::new(blob));
    }

    /// The blob staged under `key`, if any.
    pub fn staged(&self, key: &str) -> Option<Arc<Staged>> {
        self.staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// Every staged blob's key and size, in key order.
    pub fn staged_keys(&self) -> Vec<(String, u64)> {
        self.staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(key, blob)| (key.clone(), blob.bytes.len() as u64))
            .collect()
    }

    /// The notes so far, in order.
    pub fn notes(&self) -> Vec<Value> {
        self.notes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

tokio::task_local! {
    static SCOPE: Arc<Report>;
}

/// Runs `future` as a dry run; its output and the [`Report`] of what it would have written.
pub async fn scope<F: Future>(future: F) -> (F::Output, Arc<Report>) {
    let report = Arc::new(Report::default());
    let output = SCOPE.scope(report.clone(), future).await;
    (output, report)
}

/// Whether the current task runs inside a dry run.
pub fn active() -> bool {
    SCOPE.try_with(|_| ()).is_ok()
}

/// The current dry run's report, inside one.
pub fn report() -> Option<Arc<Report>> {
    SCOPE.try_with(Arc::clone).ok()
}

/// Called before a write. Inside a dry run: the write is recorded as refused and the
/// [`Refusal`] returned — the caller must then fail with it and send nothing. Outside one:
/// `None`, and the caller writes as always (`summary` is not even built).
pub fn refuse(
    system: &'static str,
    method: &str,
    path: &str,
    summary: impl FnOnce() -> String,
) -> Option<Refusal> {
    SCOPE
        .try_with(|report| {
            let refusal = Refusal {
                system,
                method: method.to_owned(),
                path: path.to_owned(),
                summary: summary(),
                effect: report
                    .effects
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .last()
                    .cloned(),
            };
            tracing::info!(refused = %refusal, "dry run: write refused");
            report
                .refusals
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(refusal.clone());
            refusal
        })
        .ok()
}

/// Runs `future` as the effect `effect` (`kind:key`): the writes refused meanwhile name it.
/// Outside a dry run, just `future`.
pub async fn in_effect<F: Future>(effect: String, future: F) -> F::Output {
    let Some(report) = report() else {
        return future.await;
    };
    let push = |report: &Report| {
        report
            .effects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(effect.clone());
    };
    push(&report);
    let output = future.await;
    report
        .effects
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop();
    output
}

/// Adds a note to the current dry run's report (nothing outside one).
pub fn note(entry: Value) {
    let _ = SCOPE.try_with(|report| {
        report
            .notes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_is_refused_and_recorded_only_inside_a_scope() {
        assert!(!active());
        assert_eq!(refuse("xecm", "POST", "v2/nodes", || unreachable!()), None);
        note(serde_json::json!({"outside": true}));
        let ((outside, inside), report) = scope(async {
            assert!(active());
            note(serde_json::json!({"effect": "x"}));
            let outside = refuse("ledger", "update", "inbox/x", || "record".into());
            let inside = in_effect("tg-ack:997-1".into(), async {
                refuse("tg", "POST", "v1/documents", || "send a 997".into())
            })
            .await;
            (outside, inside)
        })
        .await;
        let (outside, inside) = (outside.expect("refused"), inside.expect("refused"));
        assert_eq!(outside.effect, None);
        assert_eq!(inside.effect.as_deref(), Some("tg-ack:997-1"));
        assert_eq!(inside.method, "POST");
        assert_eq!(report.refusals(), [outside, inside]);
        assert_eq!(report.notes(), [serde_json::json!({"effect": "x"})]);
        assert!(!active(), "the scope ends with the future");
    }

    #[tokio::test]
    async fn two_scopes_do_not_see_each_other() {
        let (a, b) = tokio::join!(
            scope(async {
                tokio::task::yield_now().await;
                refuse("ledger", "create", "a", String::new).is_some()
            }),
            scope(async { refuse("ledger", "create", "b", String::new).is_some() })
        );
        assert!(a.0 && b.0);
        assert_eq!(a.1.refusals()[0].path, "a");
        assert_eq!(b.1.refusals()[0].path, "b");
        assert_eq!((a.1.refusal_count(), b.1.refusal_count()), (1, 1));
    }
}
