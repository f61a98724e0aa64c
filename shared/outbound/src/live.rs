//! Workspaces a use case keeps partner access open for, and the sweep that finds the ones
//! deleted in xECM.
//!
//! A poll reads what *changed* in xECM; a deleted workspace is not in any change list (the
//! search no longer finds it, and the subset gridlink speaks has no recycle bin). So a use case
//! that grants a partner access for a workspace (a space and thread, live shares) registers the
//! workspace here while the access lasts, and each poll sweeps a bounded batch of the
//! registered workspaces with `GET /api/v2/nodes/{id}`: the ones xECM answers "not found" are
//! handed back, and the use case ends the partner's access for them — so a deletion is seen by
//! the poll alone, without a push.
//!
//! The sweep goes round the register in workspace order, [`SWEEP_BATCH`] workspaces per poll,
//! so a deletion is seen within `ceil(registered / SWEEP_BATCH)` polls and the poll's cost
//! does not grow with the register. A transient xECM failure stops the sweep where it was.
//!
//! # Format
//! Ledger record `live-workspace / <function>/<workspace id>`, status `LIVE`, indexed in index
//! one under `live-workspace#<function>` by the zero-padded workspace id; data: what the use
//! case needs to end the access once the workspace is gone (case-collab: its space and thread).
//! Record `live-workspace-sweep / <function>`: `{"after": "<the last sort value swept>"}`
//! (`""`: start over).

use gridlink_store::{IndexName, Ledger, LedgerError, NewRecord, Query, RecordId, SortRange};
use gridlink_xecm::{NodeId, Workspaces};
use serde_json::{Value, json};

use crate::error::OutboundError;

/// The ledger kind of a registered workspace.
pub const LIVE_KIND: &str = "live-workspace";

/// The ledger kind of the sweep's position.
pub const SWEEP_KIND: &str = "live-workspace-sweep";

/// Registered workspaces checked per sweep.
pub const SWEEP_BATCH: usize = 50;

/// A registered workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveWorkspace {
    /// The workspace.
    pub workspace_id: NodeId,
    /// What the use case registered with it.
    pub data: Value,
}

/// One function's register of workspaces with live partner access.
#[derive(Clone, Copy)]
pub struct LiveWorkspaces<'a> {
    /// The function (names the records).
    pub function: &'static str,
    /// Where the register is kept.
    pub ledger: &'a dyn Ledger,
    /// Where the workspaces are looked up.
    pub xecm: &'a dyn Workspaces,
}

impl std::fmt::Debug for LiveWorkspaces<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveWorkspaces")
            .field("function", &self.function)
            .finish_non_exhaustive()
    }
}

fn sort_key(workspace: NodeId) -> String {
    format!("{:020}", workspace.get())
}

impl LiveWorkspaces<'_> {
    fn partition(&self) -> String {
        format!("{LIVE_KIND}#{}", self.function)
    }

    fn id(&self, workspace: NodeId) -> Result<RecordId, OutboundError> {
        Ok(RecordId::new(
            LIVE_KIND,
            format!("{}/{workspace}", self.function),
        )?)
    }

    /// Registers `workspace` (with `data`) unless it is registered.
    pub async fn register(&self, workspace: NodeId, data: Value) -> Result<(), OutboundError> {
        let record = NewRecord::new(self.id(workspace)?, "LIVE", data)
            .with_index1(self.partition(), sort_key(workspace));
        match self.ledger.create(record).await {
            Ok(_) | Err(LedgerError::AlreadyExists { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// The registration of `workspace`, if any.
    pub async fn get(&self, workspace: NodeId) -> Result<Option<LiveWorkspace>, OutboundError> {
        Ok(self
            .ledger
            .get(&self.id(workspace)?)
            .await?
            .map(|record| LiveWorkspace {
                workspace_id: workspace,
                data: record.data,
            }))
    }

    /// Ends the registration of `workspace` (no-op when it is not registered).
    pub async fn unregister(&self, workspace: NodeId) -> Result<(), OutboundError> {
        let id = self.id(workspace)?;
        for _ in 0..4 {
            let Some(record) = self.ledger.get(&id).await? else {
                return Ok(());
            };
            match self.ledger.delete(&id, record.version).await {
                Ok(()) => return Ok(()),
                Err(LedgerError::VersionConflict { .. } | LedgerError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// The next batch of registered workspaces that xECM no longer has, advancing the sweep.
    pub async fn sweep_deleted(&self) -> Result<Vec<LiveWorkspace>, OutboundError> {
        let position_id = RecordId::new(SWEEP_KIND, self.function)?;
        let position = self.ledger.get(&position_id).await?;
        let after = position
            .as_ref()
            .and_then(|p| p.data["after"].as_str())
            .unwrap_or_default()
            .to_owned();
        let range = if after.is_empty() {
            SortRange::All
        } else {
            // Sort values are all 20 digits: appending a character is "strictly after".
            SortRange::From(format!("{after}!"))
        };
        let mut query = Query::partition(IndexName::One, self.partition()).range(range);
        query.limit = Some(SWEEP_BATCH);
        let batch = self.ledger.query(query).await?;
        let mut deleted = Vec::new();
        let mut last = String::new();
        for record in &batch {
            let Some(workspace) = record
                .id
                .key()
                .rsplit('/')
                .next()
                .and_then(|k| k.parse::<i64>().ok())
                .and_then(|k| NodeId::new(k).ok())
            else {
                continue;
            };
            match self.xecm.get_node(workspace).await {
                Ok(_) => {}
                Err(error)
                    if gridlink_core::error::Classify::kind(&error)
                        == gridlink_core::error::ErrorKind::NotFound =>
                {
                    tracing::info!(
                        function = self.function,
                        workspace_id = workspace.get(),
                        "a workspace with live partner access is deleted in xECM"
                    );
                    deleted.push(LiveWorkspace {
                        workspace_id: workspace,
                        data: record.data.clone(),
                    });
                }
                Err(error) => return Err(error.into()),
            }
            last = sort_key(workspace);
        }
        let next = if batch.len() < SWEEP_BATCH {
            String::new()
        } else {
            last
        };
        if next != after {
            let data = json!({ "after": next });
            let written = match position {
                Some(record) => {
                    let mut change = record.change();
                    change.data = data;
                    self.ledger.update(change).await.map(|_| ())
                }
                None => self
                    .ledger
                    .create(NewRecord::new(position_id, "SWEEP", data))
                    .await
                    .map(|_| ()),
            };
            // Another poll moved the sweep on at the same time: its position stands.
            match written {
                Ok(())
                | Err(LedgerError::VersionConflict { .. } | LedgerError::AlreadyExists { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(deleted)
    }
}

/// Who last changed `attribute` (an attribute's or a set's display name) on `node`, as xECM's
/// audit has it (`user 1000 at 2026-12-02T09:58:00Z`); `None` when the audit has no such
/// change or cannot be read (the node is gone). For evidence of why partner access changed.
pub async fn who_changed(xecm: &dyn Workspaces, node: NodeId, attribute: &str) -> Option<String> {
    let trail = xecm.audit_trail(node, None).await.ok()?;
    trail
        .iter()
        .find(|e| {
            e.attribute_changes
                .iter()
                .any(|c| c.attribute.eq_ignore_ascii_case(attribute))
        })
        .map(|e| {
            let who = e
                .user_id
                .map_or_else(|| "an unknown user".to_owned(), |u| format!("user {u}"));
            match e.audit_date.and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }) {
                Some(at) => format!("{who} at {at}"),
                None => who,
            }
        })
}
