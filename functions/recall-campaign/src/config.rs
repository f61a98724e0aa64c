//! recall-campaign's own configuration (the platform's keys are read by `gridlink_flow`).

use std::time::Duration;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_xecm::{CategoryId, WorkspaceTypeId};

/// Which workspaces are recalls, where their parts are, how the fan-out is paced.
///
/// Every key has a default matching the xecm-sim demo seed.
#[derive(Debug, Clone)]
pub struct RecallConfig {
    /// `RECALL_WORKSPACE_TYPE_ID` (61): the `Quality Incident` workspace type.
    pub workspace_type: WorkspaceTypeId,
    /// `RECALL_CATEGORY_ID` (9900): the `Recall` category on the workspace.
    pub category: CategoryId,
    /// `RECALL_NOTICE_FOLDER` (`Notice`): the notice document (the first one by id) lives here;
    /// a recall without one is never issued.
    pub notice_folder: String,
    /// `RECALL_DISTRIBUTION_PATH` (`Approvals/Distribution.csv`): the distribution document —
    /// which partner received which lot, how much ([`crate::recall::parse_distribution`]).
    pub distribution_path: String,
    /// `RECALL_APPROVALS_FOLDER` (`Approvals`): refusals to issue are filed here.
    pub approvals_folder: String,
    /// `RECALL_RESPONSES_FOLDER` (`Partner Responses`): answers and returned files, one
    /// sub-folder per partner.
    pub responses_folder: String,
    /// `RECALL_BUNDLE_FOLDER` (`Evidence Bundle`): the versioned rollup document.
    pub bundle_folder: String,
    /// `FANOUT_CHUNK` (50): partners invited between two saves of the fan-out cursor.
    pub fanout_chunk: usize,
    /// `FANOUT_PER_RUN` (1000): partners invited by one invocation at most; the rest waits
    /// for the next poll (the cursor is in the ledger), so a 300 s invocation never holds the
    /// whole list.
    pub fanout_per_run: usize,
    /// `CLOSEOUT_TARGET_PCT_CLASS_I`, `…_II`, `…_III` (100 each): a recall in `closing` is
    /// closed once every lot's effectiveness (accounted for ÷ shipped) reaches its class's
    /// target — 100 % is FDA effectiveness level A; a firm whose strategy sets a lower level
    /// for class II or III lowers it here ([`crate::closeout`]).
    pub closeout_target_pct: [f64; 3],
    /// `POLL_OVERLAP_SECS` (600): how far back each poll re-reads.
    pub poll_overlap: Duration,
    /// `POLL_FIRST_LOOKBACK_SECS` (86400): how far back the very first poll reads.
    pub first_lookback: Duration,
}

impl RecallConfig {
    /// Reads the keys, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let workspace_type = reader.optional::<i64>("RECALL_WORKSPACE_TYPE_ID", 61);
        let category = reader.optional::<i64>("RECALL_CATEGORY_ID", 9900);
        let fanout_chunk = reader.optional::<usize>("FANOUT_CHUNK", 50);
        if fanout_chunk == 0 || fanout_chunk > 1000 {
            reader.invalid("FANOUT_CHUNK", "must be between 1 and 1000");
        }
        let fanout_per_run = reader.optional::<usize>("FANOUT_PER_RUN", 1000);
        if fanout_per_run == 0 {
            reader.invalid("FANOUT_PER_RUN", "must be at least 1");
        }
        let mut targets = [100.0; 3];
        for (slot, class) in targets.iter_mut().zip(["I", "II", "III"]) {
            let key = format!("CLOSEOUT_TARGET_PCT_CLASS_{class}");
            let value = reader.optional::<f64>(&key, 100.0);
            if !(0.0..=100.0).contains(&value) {
                reader.invalid(&key, "must be a percentage between 0 and 100");
            }
            *slot = value.clamp(0.0, 100.0);
        }
        let config = Self {
            workspace_type: WorkspaceTypeId::new(workspace_type).unwrap_or_else(|_| {
                reader.invalid("RECALL_WORKSPACE_TYPE_ID", "must be a positive id");
                WorkspaceTypeId::new(61).expect("61 is positive")
            }),
            category: CategoryId::new(category).unwrap_or_else(|_| {
                reader.invalid("RECALL_CATEGORY_ID", "must be a positive id");
                CategoryId::new(9900).expect("9900 is positive")
            }),
            notice_folder: reader.optional("RECALL_NOTICE_FOLDER", "Notice".to_owned()),
            distribution_path: reader.optional(
                "RECALL_DISTRIBUTION_PATH",
                "Approvals/Distribution.csv".to_owned(),
            ),
            approvals_folder: reader.optional("RECALL_APPROVALS_FOLDER", "Approvals".to_owned()),
            responses_folder: reader
                .optional("RECALL_RESPONSES_FOLDER", "Partner Responses".to_owned()),
            bundle_folder: reader.optional("RECALL_BUNDLE_FOLDER", "Evidence Bundle".to_owned()),
            fanout_chunk: fanout_chunk.clamp(1, 1000),
            fanout_per_run: fanout_per_run.max(1),
            closeout_target_pct: targets,
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
