//! case-collab's own configuration (the platform's keys are read by `gridlink_flow`).

use std::time::Duration;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_xecm::{CategoryId, WorkspaceTypeId};

/// Which workspaces are cases, where their attributes are, what is shared.
///
/// Every key has a default matching the xecm-sim demo seed.
#[derive(Debug, Clone)]
pub struct CaseCollabConfig {
    /// `CASE_WORKSPACE_TYPE_ID` (51): the case workspace type.
    pub workspace_type: WorkspaceTypeId,
    /// `CASE_CATEGORY_ID` (9300): the case category on the workspace.
    pub case_category: CategoryId,
    /// `CASE_TYPES` (`Customer Dispute,Shipment Issue,Compliance Case`): the values of the
    /// `Case Type` attribute that get a partner space.
    pub case_types: Vec<String>,
    /// `CASE_TYPE_ATTRIBUTE` (`Case Type`).
    pub case_type_attribute: String,
    /// `CASE_PARTNER_ATTRIBUTE` (`Partner ID`): the Trading Grid partner id (`prt_…`).
    pub partner_attribute: String,
    /// `CASE_STATUS_ATTRIBUTE` (`Case Status`).
    pub status_attribute: String,
    /// `CASE_CLOSED_STATUSES` (`Closed`): statuses that resolve the thread.
    pub closed_statuses: Vec<String>,
    /// `CASE_ARCHIVED_STATUSES` (`Archived`): statuses that end the partner's access — a
    /// last message, the thread closed ([`crate::withdraw`]).
    pub archived_statuses: Vec<String>,
    /// `WITHDRAWAL_FOLDER` (`Correspondence/Withdrawals`): where the evidence of a
    /// withdrawal (a document, an action request, the access) is filed.
    pub withdrawal_folder: String,
    /// `CASE_SPACE_ATTRIBUTE` (`TG Space ID`): where the space id is written back.
    pub space_attribute: String,
    /// `CASE_THREAD_ATTRIBUTE` (`TG Thread ID`): where the thread id is written back.
    pub thread_attribute: String,
    /// `SHARING_CATEGORY_ID` (9500): the category with the share flag on documents.
    pub sharing_category: CategoryId,
    /// `SHARE_ATTRIBUTE` (`Share with partner`): the boolean flag.
    pub share_attribute: String,
    /// `SHARED_FOLDER` (`Shared with Partner`): documents in this sub-folder are shared too.
    pub shared_folder: String,
    /// `REPLY_FOLDER` (`Correspondence/Partner`): where partner replies are filed.
    pub reply_folder: String,
    /// `CASE_ACTIONS_ATTRIBUTE` (`Partner Actions`): the set on the case category whose rows
    /// are action requests for the partner.
    pub actions_attribute: String,
    /// `ACTION_REQUEST_COLUMN` (`Request`): the set column saying what to do.
    pub action_request_column: String,
    /// `ACTION_KIND_COLUMN` (`Kind`): the set column with the machine kind.
    pub action_kind_column: String,
    /// `ACTION_DUE_COLUMN` (`Due`): the set column with the due date.
    pub action_due_column: String,
    /// `ACTION_DEFAULT_KIND` (`respond`): the kind of a row whose kind is empty.
    pub action_default_kind: String,
    /// `POLL_OVERLAP_SECS` (600): how far back each poll re-reads.
    pub poll_overlap: Duration,
    /// `POLL_FIRST_LOOKBACK_SECS` (86400): how far back the very first poll reads.
    pub first_lookback: Duration,
}

impl CaseCollabConfig {
    /// Reads the keys, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let workspace_type = reader.optional::<i64>("CASE_WORKSPACE_TYPE_ID", 51);
        let case_category = reader.optional::<i64>("CASE_CATEGORY_ID", 9300);
        let sharing_category = reader.optional::<i64>("SHARING_CATEGORY_ID", 9500);
        let mut case_types = reader.list("CASE_TYPES");
        if case_types.is_empty() {
            case_types = ["Customer Dispute", "Shipment Issue", "Compliance Case"]
                .map(String::from)
                .to_vec();
        }
        let mut closed_statuses = reader.list("CASE_CLOSED_STATUSES");
        if closed_statuses.is_empty() {
            closed_statuses = vec!["Closed".to_owned()];
        }
        let mut archived_statuses = reader.list("CASE_ARCHIVED_STATUSES");
        if archived_statuses.is_empty() {
            archived_statuses = vec!["Archived".to_owned()];
        }
        let config = Self {
            workspace_type: WorkspaceTypeId::new(workspace_type).unwrap_or_else(|_| {
                reader.invalid("CASE_WORKSPACE_TYPE_ID", "must be a positive id");
                WorkspaceTypeId::new(51).expect("51 is positive")
            }),
            case_category: CategoryId::new(case_category).unwrap_or_else(|_| {
                reader.invalid("CASE_CATEGORY_ID", "must be a positive id");
                CategoryId::new(9300).expect("9300 is positive")
            }),
            case_types,
            case_type_attribute: reader.optional("CASE_TYPE_ATTRIBUTE", "Case Type".to_owned()),
            partner_attribute: reader.optional("CASE_PARTNER_ATTRIBUTE", "Partner ID".to_owned()),
            status_attribute: reader.optional("CASE_STATUS_ATTRIBUTE", "Case Status".to_owned()),
            closed_statuses,
            archived_statuses,
            withdrawal_folder: reader
                .optional("WITHDRAWAL_FOLDER", "Correspondence/Withdrawals".to_owned()),
            space_attribute: reader.optional("CASE_SPACE_ATTRIBUTE", "TG Space ID".to_owned()),
            thread_attribute: reader.optional("CASE_THREAD_ATTRIBUTE", "TG Thread ID".to_owned()),
            sharing_category: CategoryId::new(sharing_category).unwrap_or_else(|_| {
                reader.invalid("SHARING_CATEGORY_ID", "must be a positive id");
                CategoryId::new(9500).expect("9500 is positive")
            }),
            share_attribute: reader.optional("SHARE_ATTRIBUTE", "Share with partner".to_owned()),
            shared_folder: reader.optional("SHARED_FOLDER", "Shared with Partner".to_owned()),
            reply_folder: reader.optional("REPLY_FOLDER", "Correspondence/Partner".to_owned()),
            actions_attribute: reader
                .optional("CASE_ACTIONS_ATTRIBUTE", "Partner Actions".to_owned()),
            action_request_column: reader.optional("ACTION_REQUEST_COLUMN", "Request".to_owned()),
            action_kind_column: reader.optional("ACTION_KIND_COLUMN", "Kind".to_owned()),
            action_due_column: reader.optional("ACTION_DUE_COLUMN", "Due".to_owned()),
            action_default_kind: reader.optional("ACTION_DEFAULT_KIND", "respond".to_owned()),
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
