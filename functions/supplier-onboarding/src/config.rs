//! supplier-onboarding's own configuration (the platform's keys are read by `gridlink_flow`).

use std::time::Duration;

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_xecm::{CategoryId, NodeId, WorkspaceTypeId};

/// Which workspaces are suppliers, where the matrix and the evidence go, when renewals start.
///
/// Every key has a default matching the xecm-sim demo seed.
#[derive(Debug, Clone)]
pub struct OnboardingConfig {
    /// `SUPPLIER_WORKSPACE_TYPE_ID` (21): the supplier workspace type.
    pub workspace_type: WorkspaceTypeId,
    /// `SUPPLIER_CATEGORY_ID` (9001): `Legal Name`, `Tax Country` (else `Country`), `Tax ID`,
    /// `Supplier Class`, `Trading Partner ID`, and the projected `Onboarding Status`.
    pub supplier_category: CategoryId,
    /// `COMPLIANCE_CATEGORY_ID` (9800): `Supplier Compliance` with the `Requirements` set.
    pub compliance_category: CategoryId,
    /// `COMPLIANCE_DOCUMENT_CATEGORY_ID` (9810): `Compliance Document` on filed files.
    pub document_category: CategoryId,
    /// `PARTNER_ATTRIBUTE` (`Trading Partner ID`): the supplier's TG partner — a `prt_…` id,
    /// or an EDI address (`ZZ:BRIGHTWIRE`) looked up in TG's partner directory.
    pub partner_attribute: String,
    /// `MATRIX_ROOT_ID` (2000, the Enterprise volume) and `MATRIX_PATH`
    /// (`gridlink/Supplier Onboarding/Requirement Matrix.json`): where the requirement
    /// matrix is kept in xECM ([`crate::matrix`]).
    pub matrix_root: NodeId,
    /// See `matrix_root`.
    pub matrix_path: String,
    /// `CERTIFICATES_FOLDER` (`Certificates`): accepted documents go to
    /// `Certificates/<kind folder>`.
    pub certificates_folder: String,
    /// `COMPLIANCE_FOLDER` (`Compliance`): the compliance record (`.json`, `.html`).
    pub compliance_folder: String,
    /// `REQUEST_DUE_DAYS` (30): the deadline of a document request.
    pub request_due: Duration,
    /// `RENEWAL_REMINDER_DAYS` (`60,30,7,0`): days before `valid until` at which a renewal
    /// step is due; the renewal request goes out at the first.
    pub renewal_days: Vec<u32>,
    /// `REMINDER_INTERVAL_DAYS` (7): days between reminders once a deadline has passed (a
    /// request's due date, or an expiry) — [`crate::reminders`].
    pub reminder_interval_days: u32,
    /// `MAX_REMINDERS` (3): reminders after a deadline at most; one interval later the
    /// requirement is escalated.
    pub max_reminders: u32,
    /// `ATTESTATION_DAY` (`01-15`, `MM-DD`; `off` for none): from this day of each year the
    /// renewals sweep makes the year's code-of-conduct campaign ([`crate::attestation`]).
    pub attestation_day: Option<(u8, u8)>,
    /// `RENEWALS_DRY_RUN` (false): the renewals sweep only lists what it would do.
    pub renewals_dry_run: bool,
    /// `POLL_OVERLAP_SECS` (600): how far back each poll re-reads.
    pub poll_overlap: Duration,
    /// `POLL_FIRST_LOOKBACK_SECS` (86400): how far back the very first poll reads.
    pub first_lookback: Duration,
}

fn id<T>(
    reader: &mut gridlink_core::config::ConfigReader<'_>,
    key: &str,
    default: i64,
    make: fn(i64) -> Result<T, gridlink_xecm::XecmError>,
) -> T {
    let raw = reader.optional::<i64>(key, default);
    make(raw).unwrap_or_else(|_| {
        reader.invalid(key, "must be a positive id");
        make(default).expect("the default is positive")
    })
}

impl OnboardingConfig {
    /// Reads the keys, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let workspace_type = id(
            &mut reader,
            "SUPPLIER_WORKSPACE_TYPE_ID",
            21,
            WorkspaceTypeId::new,
        );
        let supplier_category = id(&mut reader, "SUPPLIER_CATEGORY_ID", 9001, CategoryId::new);
        let compliance_category = id(&mut reader, "COMPLIANCE_CATEGORY_ID", 9800, CategoryId::new);
        let document_category = id(
            &mut reader,
            "COMPLIANCE_DOCUMENT_CATEGORY_ID",
            9810,
            CategoryId::new,
        );
        let matrix_root = id(&mut reader, "MATRIX_ROOT_ID", 2000, NodeId::new);
        let due_days = reader.optional::<u64>("REQUEST_DUE_DAYS", 30);
        if due_days == 0 || due_days > 365 {
            reader.invalid("REQUEST_DUE_DAYS", "must be between 1 and 365 days");
        }
        let mut renewal_days = Vec::new();
        let listed = reader.list("RENEWAL_REMINDER_DAYS");
        for text in &listed {
            match text.parse::<u32>() {
                Ok(days) if days <= 365 => renewal_days.push(days),
                _ => reader.invalid(
                    "RENEWAL_REMINDER_DAYS",
                    format!("`{text}` is not a number of days between 0 and 365"),
                ),
            }
        }
        if listed.is_empty() {
            renewal_days = vec![60, 30, 7, 0];
        }
        let reminder_interval_days = reader.optional::<u32>("REMINDER_INTERVAL_DAYS", 7);
        if reminder_interval_days == 0 || reminder_interval_days > 365 {
            reader.invalid("REMINDER_INTERVAL_DAYS", "must be between 1 and 365 days");
        }
        let max_reminders = reader.optional::<u32>("MAX_REMINDERS", 3);
        if max_reminders > 100 {
            reader.invalid("MAX_REMINDERS", "must be at most 100");
        }
        let day_text = reader.optional("ATTESTATION_DAY", "01-15".to_owned());
        let attestation_day = if day_text.trim().eq_ignore_ascii_case("off") {
            None
        } else {
            let parsed = day_text
                .trim()
                .split_once('-')
                .and_then(|(m, d)| Some((m.parse::<u8>().ok()?, d.parse::<u8>().ok()?)))
                .filter(|(m, d)| {
                    time::Month::try_from(*m).ok().is_some_and(|month| {
                        *d >= 1 && *d <= time::util::days_in_month(month, 2025)
                    })
                });
            if parsed.is_none() {
                reader.invalid(
                    "ATTESTATION_DAY",
                    format!("`{day_text}` is not a day of the year (MM-DD, e.g. 01-15) nor `off`"),
                );
            }
            parsed
        };
        renewal_days.sort_unstable_by(|a, b| b.cmp(a));
        renewal_days.dedup();
        let config = Self {
            workspace_type,
            supplier_category,
            compliance_category,
            document_category,
            partner_attribute: reader
                .optional("PARTNER_ATTRIBUTE", "Trading Partner ID".to_owned()),
            matrix_root,
            matrix_path: reader.optional(
                "MATRIX_PATH",
                "gridlink/Supplier Onboarding/Requirement Matrix.json".to_owned(),
            ),
            certificates_folder: reader.optional("CERTIFICATES_FOLDER", "Certificates".to_owned()),
            compliance_folder: reader.optional("COMPLIANCE_FOLDER", "Compliance".to_owned()),
            request_due: Duration::from_secs(due_days.clamp(1, 365) * 86_400),
            renewal_days,
            reminder_interval_days: reminder_interval_days.clamp(1, 365),
            max_reminders,
            attestation_day,
            renewals_dry_run: reader.optional("RENEWALS_DRY_RUN", false),
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
