//! One poll over the workspaces that changed in the cursor's window: workspaces of the
//! poller's type changed themselves, and the workspaces of documents changed below them. Each
//! is synced by the use case; what happens when one fails is decided here, once:
//!
//! - a **transient** failure (xECM or TG unavailable, rate limited) stops the poll and leaves
//!   the cursor where it was — the next poll reads the same window again, and everything
//!   already done is a no-op then, because every effect is exactly-once;
//! - a **permanent** failure (a partner id Trading Grid refuses, a category value that cannot
//!   be written) is recorded on the workspace, logged with its id, and the poll goes on, so
//!   one bad workspace never holds every other one back. The workspace is synced again when it
//!   changes (someone fixes the partner id: its modify date moves into a later window); its
//!   failure record is removed by the first sync that succeeds.
//!
//! # Format
//! Ledger record `poll-failure / <function>/<workspace id>`, status `FAILED`, indexed under
//! `poll-failure#<function>` by workspace id:
//! ```json
//! {"workspace_id": 5120, "error": "Trading Grid: 422 …", "kind": "Unprocessable",
//!  "attempts": 2, "last_failed_at": "2026-11-25T01:00:00Z"}
//! ```

use std::collections::HashMap;
use std::future::Future;

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_store::{IndexName, Ledger, LedgerError, NewRecord, Query, RecordId};
use gridlink_xecm::{NodeId, WorkspaceTypeId, Workspaces};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cursor::PollCursor;
use crate::error::OutboundError;

/// The ledger kind of workspaces a poll could not sync.
pub const POLL_FAILURE_KIND: &str = "poll-failure";

/// What a poll looks at and where it keeps its state.
#[derive(Clone, Copy)]
pub struct Poller<'a> {
    /// The function polling (names the failure records).
    pub function: &'static str,
    /// Its cursor.
    pub cursor: &'a PollCursor,
    /// Workspace and document change queries.
    pub xecm: &'a dyn Workspaces,
    /// Where failures are recorded.
    pub ledger: &'a dyn Ledger,
    /// The workspace type polled.
    pub workspace_type: WorkspaceTypeId,
}

impl std::fmt::Debug for Poller<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("function", &self.function)
            .field("cursor", self.cursor)
            .field("workspace_type", &self.workspace_type)
            .finish_non_exhaustive()
    }
}

/// A workspace a poll could not sync, permanently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollFailure {
    /// The workspace.
    pub workspace_id: i64,
    /// Why.
    pub error: String,
}

/// What one poll did.
#[derive(Debug, Clone, Serialize)]
pub struct PollReport<T> {
    /// Workspaces looked at.
    pub examined: usize,
    /// What each synced workspace reported.
    pub synced: Vec<T>,
    /// Workspaces that failed permanently (recorded, skipped).
    pub failed: Vec<PollFailure>,
}

impl Poller<'_> {
    /// The workspaces changed at or after `since` (their own changes and their documents'),
    /// each once, in id order.
    pub async fn changed_workspaces(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<NodeId>, OutboundError> {
        let mut workspaces: Vec<NodeId> = self
            .xecm
            .workspaces_changed_since(self.workspace_type, since)
            .await?
            .into_iter()
            .map(|w| w.id)
            .collect();
        // A document lies in the workspace its folder lies in: ask once per folder, not once
        // per document — a poll reads every document changed in the window, across the
        // repository, and the inbound functions file thousands into a few folders.
        let mut by_folder: HashMap<i64, Option<NodeId>> = HashMap::new();
        for document in self.xecm.documents_changed_since(None, since).await? {
            let cached = document
                .parent_id
                .and_then(|folder| by_folder.get(&folder).copied());
            let workspace = if let Some(workspace) = cached {
                workspace
            } else {
                let workspace = self.xecm.enclosing_workspace(document.id).await?;
                if let Some(folder) = document.parent_id {
                    by_folder.insert(folder, workspace);
                }
                workspace
            };
            workspaces.extend(workspace);
        }
        workspaces.sort();
        workspaces.dedup();
        Ok(workspaces)
    }

    /// Reads the cursor's window as of `now`, syncs every changed workspace with `sync`
    /// (see the module doc for failures), and advances the cursor unless a transient failure
    /// stopped the poll.
    pub async fn poll<T, E, F, Fut>(
        &self,
        now: OffsetDateTime,
        mut sync: F,
    ) -> Result<PollReport<T>, E>
    where
        F: FnMut(NodeId) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<OutboundError> + Classify + std::fmt::Display,
    {
        let window = self.cursor.window(now).await?;
        let workspaces = self.changed_workspaces(window.since).await?;
        let mut report = PollReport {
            examined: workspaces.len(),
            synced: Vec::new(),
            failed: Vec::new(),
        };
        for workspace in workspaces {
            // Each workspace's sync is about its own business keys (a timeline scope of its
            // own); a failure is on its timeline too.
            let synced = gridlink_flow::timeline::item(async {
                let synced = sync(workspace).await;
                if let Err(error) = &synced {
                    gridlink_flow::timeline::record(
                        "sync_failed",
                        format!(
                            "{}|sync-failed|{}|{}",
                            self.function,
                            workspace.get(),
                            now.unix_timestamp()
                        ),
                        serde_json::json!({
                            "system": "gridlink",
                            "ids": {"xecm": {"workspace_id": workspace.get()}},
                            "error": gridlink_flow::timeline::bounded_text(&error.to_string()),
                        }),
                    );
                }
                synced
            })
            .await;
            match synced {
                Ok(outcome) => {
                    self.clear_failure(workspace).await?;
                    report.synced.push(outcome);
                }
                Err(error) if stops_the_poll(error.kind()) => {
                    tracing::warn!(function = self.function, workspace_id = workspace.get(), error = %error, "poll stopped by a transient failure; the cursor stays");
                    return Err(error);
                }
                Err(error) => {
                    tracing::error!(function = self.function, workspace_id = workspace.get(), error = %error, "workspace could not be synced; recorded, the poll goes on");
                    self.record_failure(workspace, &error.to_string(), error.kind(), now)
                        .await?;
                    report.failed.push(PollFailure {
                        workspace_id: workspace.get(),
                        error: error.to_string(),
                    });
                }
            }
        }
        self.cursor.advance(&window).await?;
        Ok(report)
    }

    /// The workspaces recorded as failed, by id.
    pub async fn failures(&self) -> Result<Vec<Value>, OutboundError> {
        let query = Query::partition(IndexName::One, self.partition());
        Ok(self
            .ledger
            .query(query)
            .await?
            .into_iter()
            .map(|r| r.data)
            .collect())
    }

    fn partition(&self) -> String {
        format!("{POLL_FAILURE_KIND}#{}", self.function)
    }

    fn record_id(&self, workspace: NodeId) -> Result<RecordId, OutboundError> {
        Ok(RecordId::new(
            POLL_FAILURE_KIND,
            format!("{}/{}", self.function, workspace.get()),
        )?)
    }

    async fn record_failure(
        &self,
        workspace: NodeId,
        error: &str,
        kind: ErrorKind,
        now: OffsetDateTime,
    ) -> Result<(), OutboundError> {
        let id = self.record_id(workspace)?;
        let at = now.format(&Rfc3339).unwrap_or_default();
        let data = |attempts: u64| {
            json!({"workspace_id": workspace.get(), "error": error, "kind": format!("{kind:?}"),
                   "attempts": attempts, "last_failed_at": at})
        };
        let sort = format!("{:020}", workspace.get());
        let result = match self.ledger.get(&id).await? {
            None => self
                .ledger
                .create(NewRecord::new(id, "FAILED", data(1)).with_index1(self.partition(), sort))
                .await
                .map(|_| ()),
            Some(existing) => {
                let attempts = existing
                    .data
                    .get("attempts")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let mut change = existing.change();
                change.data = data(attempts + 1);
                self.ledger.update(change).await.map(|_| ())
            }
        };
        match result {
            // A twin poll recorded the same failure meanwhile.
            Ok(())
            | Err(LedgerError::AlreadyExists { .. } | LedgerError::VersionConflict { .. }) => {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn clear_failure(&self, workspace: NodeId) -> Result<(), OutboundError> {
        let id = self.record_id(workspace)?;
        if let Some(existing) = self.ledger.get(&id).await? {
            match self.ledger.delete(&id, existing.version).await {
                Ok(())
                | Err(LedgerError::NotFound { .. } | LedgerError::VersionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            tracing::info!(
                function = self.function,
                workspace_id = workspace.get(),
                "workspace synced again; its failure record is cleared"
            );
        }
        Ok(())
    }
}

/// Whether a failure stops the poll with the cursor in place: only an outage or a rate limit.
/// Anything else (a bug included) is recorded on the workspace and skipped, so one workspace
/// never pins the cursor for every other one.
fn stops_the_poll(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Unavailable | ErrorKind::Held | ErrorKind::RateLimited
    )
}

/// What an xECM-started use case polls: its workspace type and its cursor's windows.
#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    /// The workspace type polled.
    pub workspace_type: WorkspaceTypeId,
    /// How far each poll reads back before the cursor.
    pub overlap: std::time::Duration,
    /// How far the first poll reads back.
    pub first_lookback: std::time::Duration,
}

/// One poll of `platform`'s function over its `xecm` feed with `settings`, each changed
/// workspace synced with `sync` (see [`Poller::poll`]).
pub async fn poll_changed<T, E, F, Fut>(
    platform: &gridlink_flow::Platform,
    settings: PollSettings,
    sync: F,
) -> Result<PollReport<T>, E>
where
    F: FnMut(NodeId) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<OutboundError> + Classify + std::fmt::Display,
{
    let cursor = PollCursor::new(
        platform.ledger.clone(),
        platform.function,
        "xecm",
        settings.overlap,
        settings.first_lookback,
    )?;
    let poller = Poller {
        function: platform.function,
        cursor: &cursor,
        xecm: platform.xecm.as_ref(),
        ledger: platform.ledger.as_ref(),
        workspace_type: settings.workspace_type,
    };
    poller.poll(platform.clock.now(), sync).await
}

/// The workspace a push points at: the one it names, else the one its node lies in (none:
/// the node is in no business workspace).
pub async fn pushed_workspace(
    xecm: &dyn Workspaces,
    push: &gridlink_flow::PushEvent,
) -> Result<Option<NodeId>, gridlink_xecm::XecmError> {
    match push.workspace_id {
        Some(workspace) => Ok(Some(workspace)),
        None => xecm.enclosing_workspace(push.node_id).await,
    }
}
