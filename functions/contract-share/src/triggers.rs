//! The triggers: the xECM push, Trading Grid webhooks, the poll and reminder schedules —
//! through the durable inbox or the cursor, so nothing acknowledged is ever lost.

use gridlink_core::error::ErrorKind;
use gridlink_flow::{InboxItem, RunSummary};
use gridlink_lambda::{FunctionError, HttpRequest, Invocation, Reply, not_implemented};
use gridlink_outbound::{PollCursor, Poller, PushEvent, SignedTrigger, XecmChanges, accept_signed};
use gridlink_tgrid::events::Event;
use serde_json::{Value, json};

use crate::ContractShare;
use crate::error::ShareError;
use crate::reminders::REMINDER_SCHEDULE;

/// The schedule that polls xECM for approved versions.
pub const POLL_SCHEDULE: &str = "contract-share-poll-xecm";
/// Inbox items processed per invocation.
const BATCH: usize = 25;
/// Attempts before a transient failure is given up on.
const MAX_ATTEMPTS: u64 = 8;

fn function_error(error: &ShareError) -> FunctionError {
    let mut failure = FunctionError::from_error(error);
    if failure.kind == ErrorKind::Unavailable {
        failure = failure.retry_after(std::time::Duration::from_secs(30));
    }
    failure
}

impl ContractShare {
    pub(crate) async fn route(&self, invocation: Invocation) -> Result<Reply, FunctionError> {
        match invocation {
            Invocation::Http(request) => {
                if not_implemented::is_health(self.spec, &request.method, &request.path) {
                    return Ok(not_implemented::health(self.spec, true));
                }
                match self
                    .spec
                    .route_for(&request.method, &request.path)
                    .map(|(r, _)| r.path)
                {
                    Some("/contract-share/tg/events") => {
                        self.receive(SignedTrigger::TradingGrid, &request).await
                    }
                    Some("/contract-share/xecm/events") => {
                        self.receive(SignedTrigger::XecmPush, &request).await
                    }
                    _ => Err(FunctionError::new(
                        ErrorKind::NotFound,
                        format!(
                            "contract-share: no route {} {}",
                            request.method, request.path
                        ),
                    )),
                }
            }
            Invocation::Schedule(firing) if firing.schedule == REMINDER_SCHEDULE => {
                let reminders = self
                    .send_reminders()
                    .await
                    .map_err(|e| function_error(&e))?;
                Ok(Reply::Scheduled(
                    json!({"schedule": firing.schedule, "reminders": reminders}),
                ))
            }
            Invocation::Schedule(firing) if firing.schedule != POLL_SCHEDULE => {
                Err(FunctionError::new(
                    ErrorKind::NotFound,
                    format!("contract-share: no schedule {}", firing.schedule),
                ))
            }
            Invocation::Schedule(firing) => {
                let polled = self.poll().await.map_err(|e| function_error(&e))?;
                let processed = self
                    .process_pending()
                    .await
                    .map_err(|e| function_error(&e))?;
                Ok(Reply::Scheduled(
                    json!({"schedule": firing.schedule, "polled": polled, "inbox": processed}),
                ))
            }
        }
    }

    async fn receive(
        &self,
        trigger: SignedTrigger,
        request: &HttpRequest,
    ) -> Result<Reply, FunctionError> {
        let answer = accept_signed(
            &self.platform,
            trigger,
            request,
            MAX_ATTEMPTS,
            |item| async move { self.handle_item(&item).await },
        )
        .await?;
        Ok(Reply::Http(answer))
    }

    /// Processes what is pending in the inbox (after a transient failure or a crash).
    pub async fn process_pending(&self) -> Result<RunSummary, ShareError> {
        Ok(self
            .platform
            .inbox
            .process_pending(BATCH, MAX_ATTEMPTS, |item| async move {
                self.handle_item(&item).await
            })
            .await?)
    }

    async fn handle_item(&self, item: &InboxItem) -> Result<Value, ShareError> {
        let raw = self.platform.inbox.raw(item).await?;
        let malformed = |e: serde_json::Error| ShareError::Malformed {
            event_id: item.event_id().to_owned(),
            reason: e.to_string(),
        };
        if item.record.data.get("source").and_then(Value::as_str) == Some("xecm") {
            let push: PushEvent = serde_json::from_slice(&raw).map_err(malformed)?;
            let workspace = match push.workspace_id {
                Some(workspace) => Some(workspace),
                None => XecmChanges::enclosing_workspace(&self.client, push.node_id).await?,
            };
            return match workspace {
                Some(workspace) => {
                    Ok(serde_json::to_value(self.sync_contract(workspace).await?)
                        .unwrap_or_default())
                }
                None => Ok(json!({"ignored": "the node is in no business workspace"})),
            };
        }
        let event: Event = serde_json::from_slice(&raw).map_err(malformed)?;
        Ok(serde_json::to_value(self.file_evidence(&event).await?).unwrap_or_default())
    }

    /// One poll: contract workspaces and documents changed in the cursor's window, each
    /// contract synced once (see [`Poller`] for what a failing contract does to the poll).
    #[tracing::instrument(skip_all)]
    pub async fn poll(&self) -> Result<Value, ShareError> {
        let cursor = PollCursor::new(
            self.platform.ledger.clone(),
            crate::NAME,
            "xecm",
            self.config.poll_overlap,
            self.config.first_lookback,
        )?;
        let poller = Poller {
            function: crate::NAME,
            cursor: &cursor,
            changes: &self.client,
            xecm: self.platform.xecm.as_ref(),
            ledger: self.platform.ledger.as_ref(),
            workspace_type: self.config.workspace_type,
        };
        let report = poller
            .poll(self.platform.clock.now(), |workspace| {
                self.sync_contract(workspace)
            })
            .await?;
        let shared: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.shared.clone())
            .collect();
        let revoked: Vec<_> = report
            .synced
            .iter()
            .flat_map(|s| s.revoked.clone())
            .collect();
        Ok(
            json!({"examined": report.examined, "shared": shared, "revoked": revoked, "failed": report.failed}),
        )
    }
}
