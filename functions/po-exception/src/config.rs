//! po-exception's own configuration (the platform's keys are read by `gridlink_flow`).
//!
//! Every key has a default matching the demo seeds.

use std::time::Duration;

use gridlink_core::config::{ConfigError, ConfigReader, ConfigSource};
use gridlink_xecm::{CategoryId, WorkspaceTypeId};

use crate::due::ResponseDue;
use crate::tolerance::Tolerances;

/// Where exceptions are read, where answers go, and the deadlines.
#[derive(Debug, Clone)]
pub struct PoExceptionConfig {
    /// `ORDER_WORKSPACE_TYPE_ID` (31): the purchase-order workspace type.
    pub workspace_type: WorkspaceTypeId,
    /// `ORDER_CATEGORY_ID` (9100): the order category (`PO Number`, `Supplier Number`).
    pub order_category: CategoryId,
    /// `EXCEPTION_CATEGORY_ID` (9700): the `PO Exception` category.
    pub exception_category: CategoryId,
    /// `EXCEPTION_SET_ATTRIBUTE` (`Exceptions`): the set of exception rows in it.
    pub exception_set: String,
    /// `SUPPLIER_BO_SYSTEM` / `SUPPLIER_BO_TYPE` (`SAP_ERP` / `LFA1`): supplier workspaces.
    pub supplier_bo_system: String,
    /// See `supplier_bo_system`.
    pub supplier_bo_type: String,
    /// `SUPPLIER_CATEGORY_ID` (9001): the supplier category.
    pub supplier_category: CategoryId,
    /// `SUPPLIER_PARTNER_ATTRIBUTE` (`Trading Partner ID`): the supplier's EDI address
    /// (`ZZ:ACMESUPPLY` or `ACMESUPPLY`), matched against TG partners' EDI addresses.
    pub supplier_partner_attribute: String,
    /// `DOCUMENT_CATEGORY_ID` (9400): the `Partner Document` category on filed answers.
    pub document_category: CategoryId,
    /// `EXCEPTION_FOLDER` (`Exceptions`): answers and the timeline go to
    /// `<folder>/<exception id>`.
    pub folder: String,
    /// The deadline when a row gives no `Response Due`: `RESPONSE_DUE_HOURS_BY_TYPE` (none;
    /// JSON, hours per exception type and partner, see [`crate::due`]) over
    /// `RESPONSE_DUE_HOURS` (48).
    pub response_due: ResponseDue,
    /// `REMINDER_INTERVAL_SECS` (86400): one reminder per interval after the deadline.
    pub reminder_interval: Duration,
    /// `MAX_REMINDERS` (4): reminders at most; then the exception is escalated.
    pub max_reminders: u32,
    /// `BUYER_EDI_ADDRESS` (`ZZ:BUYERCO`): our EDI address, the sender of order changes
    /// (860 / ORDCHG).
    pub buyer_address: String,
    /// `RECONCILIATION_FOLDER` (`Reconciliation`): where order-reconcile files the order's
    /// discrepancy report (its `FOLDER_RECONCILIATION`), read when `Match Status` is
    /// `exceptions`.
    pub reconciliation_folder: String,
    /// `AUTO_ACCEPT_TOLERANCES` (none): per-partner limits within which an exception is
    /// resolved without publishing (JSON; see [`crate::tolerance`]).
    pub tolerances: Tolerances,
    /// `EVIDENCE_FOLDERS` (`Order`): workspace folders whose documents every publication
    /// attaches (comma-separated; empty: none). See [`crate::evidence`].
    pub evidence_folders: Vec<String>,
    /// `POLL_OVERLAP_SECS` (600).
    pub poll_overlap: Duration,
    /// `POLL_FIRST_LOOKBACK_SECS` (86400).
    pub first_lookback: Duration,
}

fn category(reader: &mut ConfigReader<'_>, key: &str, default: i64) -> CategoryId {
    let id = reader.optional::<i64>(key, default);
    CategoryId::new(id).unwrap_or_else(|_| {
        reader.invalid(key, "must be a positive id");
        CategoryId::new(default).expect("invariant: the default id is positive")
    })
}

impl PoExceptionConfig {
    /// Reads the keys, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let workspace_type = reader.optional::<i64>("ORDER_WORKSPACE_TYPE_ID", 31);
        let due_hours = reader.optional::<u64>("RESPONSE_DUE_HOURS", 48);
        if due_hours == 0 || due_hours > 24 * 365 {
            reader.invalid("RESPONSE_DUE_HOURS", "must be between 1 and 8760 hours");
        }
        let reminder_interval =
            reader.seconds("REMINDER_INTERVAL_SECS", Duration::from_secs(86_400));
        if reminder_interval < Duration::from_secs(60) {
            reader.invalid("REMINDER_INTERVAL_SECS", "must be at least 60 seconds");
        }
        let max_reminders = reader.optional::<u32>("MAX_REMINDERS", 4);
        if max_reminders > 100 {
            reader.invalid("MAX_REMINDERS", "must be at most 100");
        }
        let fallback_due = Duration::from_secs(due_hours.clamp(1, 24 * 365) * 3600);
        let response_due = match reader.maybe::<String>("RESPONSE_DUE_HOURS_BY_TYPE") {
            Some(json) => ResponseDue::parse(&json, fallback_due).unwrap_or_else(|e| {
                reader.invalid("RESPONSE_DUE_HOURS_BY_TYPE", e);
                ResponseDue::uniform(fallback_due)
            }),
            None => ResponseDue::uniform(fallback_due),
        };
        let tolerances = match reader.maybe::<String>("AUTO_ACCEPT_TOLERANCES") {
            Some(json) => Tolerances::parse(&json).unwrap_or_else(|e| {
                reader.invalid("AUTO_ACCEPT_TOLERANCES", e);
                Tolerances::default()
            }),
            None => Tolerances::default(),
        };
        let evidence_folders: String = reader.optional("EVIDENCE_FOLDERS", "Order".to_owned());
        let config = Self {
            evidence_folders: evidence_folders
                .split(',')
                .map(|f| f.trim().trim_matches('/').to_owned())
                .filter(|f| !f.is_empty())
                .collect(),
            tolerances,
            workspace_type: WorkspaceTypeId::new(workspace_type).unwrap_or_else(|_| {
                reader.invalid("ORDER_WORKSPACE_TYPE_ID", "must be a positive id");
                WorkspaceTypeId::new(31).expect("31 is positive")
            }),
            order_category: category(&mut reader, "ORDER_CATEGORY_ID", 9100),
            exception_category: category(&mut reader, "EXCEPTION_CATEGORY_ID", 9700),
            exception_set: reader.optional("EXCEPTION_SET_ATTRIBUTE", "Exceptions".to_owned()),
            supplier_bo_system: reader.optional("SUPPLIER_BO_SYSTEM", "SAP_ERP".to_owned()),
            supplier_bo_type: reader.optional("SUPPLIER_BO_TYPE", "LFA1".to_owned()),
            supplier_category: category(&mut reader, "SUPPLIER_CATEGORY_ID", 9001),
            supplier_partner_attribute: reader.optional(
                "SUPPLIER_PARTNER_ATTRIBUTE",
                "Trading Partner ID".to_owned(),
            ),
            document_category: category(&mut reader, "DOCUMENT_CATEGORY_ID", 9400),
            folder: reader.optional("EXCEPTION_FOLDER", "Exceptions".to_owned()),
            response_due,
            reminder_interval: reminder_interval.max(Duration::from_secs(60)),
            max_reminders: max_reminders.min(100),
            buyer_address: reader.optional("BUYER_EDI_ADDRESS", "ZZ:BUYERCO".to_owned()),
            reconciliation_folder: reader
                .optional("RECONCILIATION_FOLDER", "Reconciliation".to_owned()),
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
