//! One reconciliation per order at a time within this process, shared by those who waited.
//!
//! A document's reconciliation must start *after* the document was recorded; any run that
//! started later covers it (it reads everything recorded for the order). So the callers for
//! one order queue behind the run in progress (first come, first served, woken when the turn
//! is handed over — nobody polls), and a caller whose document was recorded before the last
//! run started takes that run's outcome instead of running again: four invoices for one
//! order arriving together cost two runs, not four, and the three that waited return as soon
//! as the second run ends.
//!
//! This is the process's own queue; between processes (Lambda instances, two runners on one
//! ledger) the ledger's per-order claim still decides ([`super::run`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

type Slot<T> = Arc<tokio::sync::Mutex<Option<(u64, T)>>>;

/// The per-order queues of one process.
pub struct Turns<T> {
    clock: AtomicU64,
    orders: Mutex<HashMap<String, Slot<T>>>,
}

/// What a caller got from [`Turns::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn<T> {
    /// The outcome of the run that covered the caller's document.
    pub outcome: T,
    /// Whether that run was another caller's (started after this caller asked).
    pub shared: bool,
}

impl<T> Default for Turns<T> {
    fn default() -> Self {
        Self {
            clock: AtomicU64::new(0),
            orders: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> std::fmt::Debug for Turns<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turns")
            .field("orders", &self.lock_orders().len())
            .finish_non_exhaustive()
    }
}

impl<T: Clone> Turns<T> {
    /// Runs `run` for `order` once the turn is ours — or, when a run for `order` started
    /// after this call began and succeeded, answers with its outcome without running. Call
    /// it only once the document it reconciles for is recorded.
    pub async fn run<E, F, Fut>(&self, order: &str, run: F) -> Result<Turn<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let asked = self.tick();
        let slot = self.slot(order);
        let result = {
            let mut last = slot.lock().await;
            match &*last {
                Some((started, outcome)) if *started > asked => Ok(Turn {
                    outcome: outcome.clone(),
                    shared: true,
                }),
                _ => {
                    let started = self.tick();
                    let outcome = run().await?;
                    *last = Some((started, outcome.clone()));
                    Ok(Turn {
                        outcome,
                        shared: false,
                    })
                }
            }
        };
        self.forget_if_idle(order, &slot);
        result
    }

    /// Orders with a caller running or waiting.
    #[cfg(test)]
    fn busy(&self) -> usize {
        self.lock_orders().len()
    }

    /// Callers running or waiting for `order`.
    #[cfg(test)]
    fn waiting(&self, order: &str) -> usize {
        self.lock_orders()
            .get(order)
            .map_or(0, |slot| Arc::strong_count(slot) - 1)
    }
}

impl<T> Turns<T> {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    fn lock_orders(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot<T>>> {
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn slot(&self, order: &str) -> Slot<T> {
        self.lock_orders()
            .entry(order.to_owned())
            .or_default()
            .clone()
    }

    /// Drops the order's queue when nobody else holds it (its last outcome is only needed
    /// by callers already waiting).
    fn forget_if_idle(&self, order: &str, slot: &Slot<T>) {
        let mut orders = self.lock_orders();
        if Arc::strong_count(slot) == 2 {
            orders.remove(order);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;

    async fn until(what: &str, done: impl Fn() -> bool) {
        for _ in 0..2000 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("{what} did not happen");
    }

    // The callers here run concurrently in one task (`tokio::join!`), not in spawned tasks:
    // nothing in a function's sources spawns one (`shared/flow/tests/dry_run.rs` holds it),
    // and a turn is about concurrent callers, not threads.

    #[tokio::test]
    async fn callers_that_waited_share_the_run_that_started_after_them() {
        let turns = &Turns::<usize>::default();
        let runs = &AtomicUsize::new(0);
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let caller = move || {
            turns.run("4500001234", move || async move {
                Ok::<_, ()>(runs.fetch_add(1, Ordering::SeqCst) + 1)
            })
        };
        let (first, waiters, ()) = tokio::join!(
            turns.run("4500001234", move || async move {
                let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                held.await.ok();
                Ok::<_, ()>(n)
            }),
            async {
                until("the first run", || runs.load(Ordering::SeqCst) == 1).await;
                tokio::join!(caller(), caller(), caller())
            },
            async {
                until("the first run", || runs.load(Ordering::SeqCst) == 1).await;
                until("three waiting", || turns.waiting("4500001234") == 4).await;
                release.send(()).ok();
            },
        );
        assert_eq!(
            first,
            Ok(Turn {
                outcome: 1,
                shared: false
            })
        );
        let answers = [waiters.0, waiters.1, waiters.2].map(|w| w.map(|t| (t.outcome, t.shared)));
        // The first waiter ran once more (its document came after the first run started);
        // the other two took that run's outcome.
        assert_eq!(answers, [Ok((2, false)), Ok((2, true)), Ok((2, true))]);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(turns.busy(), 0, "an idle order's queue is dropped");
    }

    #[tokio::test]
    async fn a_caller_after_a_finished_run_runs_again_and_orders_do_not_wait_for_each_other() {
        let turns = Turns::<&str>::default();
        let once = turns.run("A", || async { Ok::<_, ()>("a1") }).await;
        let again = turns.run("A", || async { Ok::<_, ()>("a2") }).await;
        assert_eq!(once.map(|t| t.outcome), Ok("a1"));
        assert_eq!(
            again,
            Ok(Turn {
                outcome: "a2",
                shared: false
            })
        );
        // B runs while A's turn is held.
        let held = turns.run("A", || async {
            turns
                .run("B", || async { Ok::<_, ()>("b") })
                .await
                .map(|b| b.outcome)
        });
        assert_eq!(held.await.map(|t| t.outcome), Ok("b"));
    }

    #[tokio::test]
    async fn a_failed_run_is_not_shared() {
        let turns = &Turns::<u8>::default();
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        let started = &AtomicUsize::new(0);
        let (first, (failing, after), ()) = tokio::join!(
            turns.run("A", move || async move {
                started.fetch_add(1, Ordering::SeqCst);
                held.await.ok();
                Ok::<_, &str>(1)
            }),
            async {
                until("the first run", || started.load(Ordering::SeqCst) == 1).await;
                tokio::join!(turns.run("A", || async { Err::<u8, _>("down") }), async {
                    until("one waiting", || turns.waiting("A") == 2).await;
                    turns.run("A", || async { Ok::<_, &str>(3) }).await
                },)
            },
            async {
                until("the first run", || started.load(Ordering::SeqCst) == 1).await;
                until("two waiting", || turns.waiting("A") == 3).await;
                release.send(()).ok();
            },
        );
        assert!(first.is_ok());
        assert_eq!(failing, Err("down"));
        // The failed run covered nothing: the caller behind it runs on its own.
        assert_eq!(
            after,
            Ok(Turn {
                outcome: 3,
                shared: false
            })
        );
    }
}
