//! contract-share's own configuration (the platform's keys are read by `gridlink_flow`).

use std::time::Duration;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_xecm::{CategoryId, WorkspaceTypeId};

/// Which workspaces are contracts, which documents are approved, where evidence goes.
///
/// Every key has a default matching the xecm-sim demo seed.
#[derive(Debug, Clone)]
pub struct ContractShareConfig {
    /// `CONTRACT_WORKSPACE_TYPE_ID` (41): the contract workspace type.
    pub workspace_type: WorkspaceTypeId,
    /// `CONTRACT_CATEGORY_ID` (9200): the contract category on the workspace.
    pub contract_category: CategoryId,
    /// `CONTRACT_PARTNER_ATTRIBUTE` (`Partner ID`): the Trading Grid partner id (`prt_…`),
    /// or several (a multi-value attribute, or one text separated by commas, semicolons or
    /// spaces); each partner gets its own share of every approved version.
    pub partner_attribute: String,
    /// `CONTRACT_STATUS_ATTRIBUTE` (`Contract Status`): the contract's lifecycle status on
    /// the contract category; absent or empty reads as active.
    pub status_attribute: String,
    /// `CONTRACT_ENDED_STATUSES` (`Closed,Archived,Terminated,Expired`): the statuses that end
    /// every partner's access (compared without case): all shares are revoked with evidence,
    /// and nothing is shared while the contract stays so.
    pub ended_statuses: Vec<String>,
    /// `ACK_STATUS_ATTRIBUTE` (`Acknowledgment Status`): `Pending`, `Acknowledged` or
    /// `Declined` is written here — with counts (`Pending (1 of 2 acknowledged)`) when the
    /// contract has more than one live share ([`crate::standing`]).
    pub ack_status_attribute: String,
    /// `SHARING_CATEGORY_ID` (9500): the category with the approval status on documents.
    pub sharing_category: CategoryId,
    /// `APPROVAL_ATTRIBUTE` (`Approval Status`).
    pub approval_attribute: String,
    /// `APPROVED_STATUS` (`Approved`): the value that makes a document's current version
    /// shareable (compared without case).
    pub approved_status: String,
    /// `ACK_FOLDER` (`Acknowledgments`): where acknowledgment evidence is filed; documents
    /// in it are never shared.
    pub ack_folder: String,
    /// `ACK_DUE_DAYS` (14): the acknowledgment deadline, in days after sharing.
    pub ack_due: Duration,
    /// `ACK_REMINDER_INTERVAL_SECS` (259200, three days): an overdue, unanswered share gets
    /// at most one reminder per interval, the first once its due date has passed.
    pub reminder_interval: Duration,
    /// `ACK_REMINDER_LIMIT` (3): reminders per share at most; after that the share is
    /// escalated: the status reads `Overdue` for the contract owner to chase.
    pub reminder_limit: u32,
    /// `POLL_OVERLAP_SECS` (600): how far back each poll re-reads.
    pub poll_overlap: Duration,
    /// `POLL_FIRST_LOOKBACK_SECS` (86400): how far back the very first poll reads.
    pub first_lookback: Duration,
}

impl ContractShareConfig {
    /// Reads the keys, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let workspace_type = reader.optional::<i64>("CONTRACT_WORKSPACE_TYPE_ID", 41);
        let contract_category = reader.optional::<i64>("CONTRACT_CATEGORY_ID", 9200);
        let sharing_category = reader.optional::<i64>("SHARING_CATEGORY_ID", 9500);
        let due_days = reader.optional::<u64>("ACK_DUE_DAYS", 14);
        if due_days == 0 || due_days > 3650 {
            reader.invalid("ACK_DUE_DAYS", "must be between 1 and 3650 days");
        }
        let reminder_interval = reader.seconds(
            "ACK_REMINDER_INTERVAL_SECS",
            Duration::from_secs(3 * 86_400),
        );
        if reminder_interval < Duration::from_secs(60) {
            reader.invalid("ACK_REMINDER_INTERVAL_SECS", "must be at least 60 seconds");
        }
        let reminder_limit = reader.optional::<u32>("ACK_REMINDER_LIMIT", 3);
        if reminder_limit > 100 {
            reader.invalid("ACK_REMINDER_LIMIT", "must be at most 100");
        }
        let mut ended_statuses = reader.list("CONTRACT_ENDED_STATUSES");
        if ended_statuses.is_empty() {
            ended_statuses = ["Closed", "Archived", "Terminated", "Expired"]
                .map(str::to_owned)
                .to_vec();
        }
        let config = Self {
            workspace_type: WorkspaceTypeId::new(workspace_type).unwrap_or_else(|_| {
                reader.invalid("CONTRACT_WORKSPACE_TYPE_ID", "must be a positive id");
                WorkspaceTypeId::new(41).expect("41 is positive")
            }),
            contract_category: CategoryId::new(contract_category).unwrap_or_else(|_| {
                reader.invalid("CONTRACT_CATEGORY_ID", "must be a positive id");
                CategoryId::new(9200).expect("9200 is positive")
            }),
            partner_attribute: reader
                .optional("CONTRACT_PARTNER_ATTRIBUTE", "Partner ID".to_owned()),
            status_attribute: reader
                .optional("CONTRACT_STATUS_ATTRIBUTE", "Contract Status".to_owned()),
            ended_statuses,
            ack_status_attribute: reader
                .optional("ACK_STATUS_ATTRIBUTE", "Acknowledgment Status".to_owned()),
            sharing_category: CategoryId::new(sharing_category).unwrap_or_else(|_| {
                reader.invalid("SHARING_CATEGORY_ID", "must be a positive id");
                CategoryId::new(9500).expect("9500 is positive")
            }),
            approval_attribute: reader.optional("APPROVAL_ATTRIBUTE", "Approval Status".to_owned()),
            approved_status: reader.optional("APPROVED_STATUS", "Approved".to_owned()),
            ack_folder: reader.optional("ACK_FOLDER", "Acknowledgments".to_owned()),
            ack_due: Duration::from_secs(due_days.clamp(1, 3650) * 86_400),
            reminder_interval: reminder_interval.max(Duration::from_secs(60)),
            reminder_limit: reminder_limit.min(100),
            poll_overlap: reader.seconds("POLL_OVERLAP_SECS", Duration::from_secs(600)),
            first_lookback: reader.seconds("POLL_FIRST_LOOKBACK_SECS", Duration::from_secs(86_400)),
        };
        reader.finish()?;
        Ok(config)
    }

    /// The demo defaults.
    pub fn demo() -> Self {
        Self::from_source(&ConfigSource::from_pairs(Vec::<(String, String)>::new()))
            .expect("the defaults are valid")
    }
}
