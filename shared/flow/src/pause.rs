//! Pausing a function or a partner without losing anything.
//!
//! An operator pauses a **function** (all of its work) or a **partner** (everything a trading
//! partner sends, whichever function it reaches) while a cause is found: a partner sending
//! garbage, an xECM maintenance window, a mapping being fixed. Paused traffic is still
//! accepted: a webhook is verified, kept in the inbox (raw body and record) and answered `202`
//! exactly as before — the sender sees no difference and nothing is lost. It is only not
//! *processed*: a paused function's schedule firings do nothing, its inbox waits; a paused
//! partner's items are **set aside** (inbox status `paused`, on their own list, so they never
//! fill the pending batch and starve other partners). Resuming processes what waited, in
//! arrival order, through the normal path.
//!
//! How it differs from storage being down: then the webhook answers `503` with `Retry-After`
//! and keeps nothing (the sender retries); paused, it answers `202` and keeps everything.
//!
//! ## Records
//! One ledger record per pause, kind `pause`: key `function/{name}` or `partner/{partner id}`,
//! status `active` or `resumed`, on the index partition `pause#active` while active (one query
//! lists every pause in force). A partner pause is global: it holds the partner's traffic in
//! every function, and keeps the partner's EDI addresses (read from Trading Grid when paused),
//! so a document is recognised by its sender (`QUALIFIER:ID`) as well as by `partner_id`.
//! A resumed pause stays on record for a year, with why it was paused and when it ended.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use gridlink_core::clock::SharedClock;
use gridlink_core::error::{Classify, ErrorKind};
use gridlink_store::{
    IndexEntry, IndexName, Ledger, LedgerError, LedgerRecord, NewRecord, Query, RecordId,
};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

/// The ledger kind of pause records.
pub const PAUSE_KIND: &str = "pause";
/// The status of a pause in force.
pub const ACTIVE: &str = "active";
/// The status of a pause that ended.
pub const RESUMED: &str = "resumed";
/// The index partition of the pauses in force.
pub const ACTIVE_PARTITION: &str = "pause#active";
/// How long an ended pause stays on record.
pub const RESUMED_RETENTION: Duration = Duration::from_secs(365 * 86_400);
/// The most pauses in force that are read (and honoured) at once.
pub const MAX_ACTIVE: usize = 500;

/// What is paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A whole function.
    Function(String),
    /// A trading partner (its TG partner id), in every function.
    Partner(String),
}

impl Target {
    fn key(&self) -> String {
        match self {
            Self::Function(name) => format!("function/{name}"),
            Self::Partner(id) => format!("partner/{id}"),
        }
    }

    /// How an answer names it: `{"function": …}` or `{"partner_id": …}`.
    pub fn describe(&self) -> Value {
        match self {
            Self::Function(name) => json!({"function": name}),
            Self::Partner(id) => json!({"partner_id": id}),
        }
    }
}

/// Why a pause or resume was refused.
#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    /// The reason is missing, empty, too long or not printable.
    #[error("`reason` must be 1–500 printable characters: {0}")]
    BadReason(&'static str),
    /// The partner id is not usable.
    #[error(
        "`partner_id` `{0}` is not a Trading Grid partner id (`prt_` and up to 96 letters, digits, `_`, `-`, `.`)"
    )]
    BadPartnerId(String),
    /// The ledger failed.
    #[error("recording the pause failed: {0}")]
    Ledger(#[from] LedgerError),
}

impl Classify for PauseError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::BadReason(_) | Self::BadPartnerId(_) => ErrorKind::BadRequest,
            Self::Ledger(_) => ErrorKind::Unavailable,
        }
    }
}

/// Checks an operator's reason: 1–500 characters, no control characters.
pub fn check_reason(reason: &str) -> Result<(), PauseError> {
    if reason.trim().is_empty() {
        return Err(PauseError::BadReason("it is empty"));
    }
    if reason.chars().count() > 500 {
        return Err(PauseError::BadReason("it is longer than 500 characters"));
    }
    if reason.chars().any(char::is_control) {
        return Err(PauseError::BadReason("it holds control characters"));
    }
    Ok(())
}

/// The type prefix of Trading Grid partner ids (docs/trading-grid-api.md).
const PARTNER_PREFIX: &str = "prt_";

/// Checks a partner id given in a route.
pub fn check_partner_id(partner_id: &str) -> Result<(), PauseError> {
    let ok = partner_id.len() > PARTNER_PREFIX.len()
        && partner_id.starts_with(PARTNER_PREFIX)
        && partner_id.len() <= 100
        && partner_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(PauseError::BadPartnerId(
            partner_id.chars().take(64).collect(),
        ))
    }
}

/// One pause, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Pause {
    /// Its record.
    pub record: LedgerRecord,
}

impl Pause {
    /// Whether it is in force.
    pub fn is_active(&self) -> bool {
        self.record.status == ACTIVE
    }

    /// What an operator sees of it.
    ///
    /// # Format
    /// ```json
    /// {"target": {"partner_id": "prt_acme"}, "status": "active", "reason": "…",
    ///  "paused_at": "…", "edi_addresses": ["ZZ:ACMESUPPLY"]}
    /// ```
    pub fn summary(&self) -> Value {
        let mut summary = self.record.data.clone();
        summary["status"] = json!(self.record.status);
        summary
    }
}

/// The pauses in force, read once for a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Active {
    functions: BTreeSet<String>,
    partners: BTreeSet<String>,
}

impl Active {
    /// Whether `function` is paused.
    pub fn function_paused(&self, function: &str) -> bool {
        self.functions.contains(function)
    }

    /// Whether any partner is paused.
    pub fn any_partner(&self) -> bool {
        !self.partners.is_empty()
    }

    /// The paused partners among `names` (partner ids and `QUALIFIER:ID` addresses).
    pub fn paused_among<'a>(&self, names: &'a [String]) -> Vec<&'a str> {
        names
            .iter()
            .filter(|n| self.partners.contains(n.as_str()))
            .map(String::as_str)
            .collect()
    }
}

/// Every partner an event names: each `partner_id` anywhere in it, and each party with a
/// `qualifier` and an `id` (a document's `sender`) as `QUALIFIER:ID`. An xECM push names none.
pub fn partners_named(event: &Value) -> Vec<String> {
    fn walk(value: &Value, found: &mut BTreeSet<String>) {
        match value {
            Value::Object(fields) => {
                if let Some(Value::String(id)) = fields.get("partner_id") {
                    found.insert(id.clone());
                }
                if let Some(Value::Object(sender)) = fields.get("sender")
                    && let (Some(Value::String(q)), Some(Value::String(id))) =
                        (sender.get("qualifier"), sender.get("id"))
                {
                    found.insert(format!("{q}:{id}"));
                }
                for field in fields.values() {
                    walk(field, found);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    walk(event, &mut found);
    found.into_iter().collect()
}

/// The pause records.
#[derive(Debug, Clone)]
pub struct Pauses {
    ledger: Arc<dyn Ledger>,
    clock: SharedClock,
}

impl Pauses {
    /// Pauses kept in `ledger`.
    pub fn new(ledger: Arc<dyn Ledger>, clock: SharedClock) -> Self {
        Self { ledger, clock }
    }

    fn id(target: &Target) -> Result<RecordId, LedgerError> {
        RecordId::new(PAUSE_KIND, target.key())
    }

    fn now(&self) -> String {
        self.clock.now().format(&Rfc3339).unwrap_or_default()
    }

    /// The pauses in force (one ledger query).
    pub async fn active(&self) -> Result<Active, LedgerError> {
        let mut active = Active::default();
        for pause in self.list().await?.iter().filter(|p| p.is_active()) {
            let data = &pause.record.data;
            if let Some(function) = data["target"]["function"].as_str() {
                active.functions.insert(function.to_owned());
            }
            if let Some(partner) = data["target"]["partner_id"].as_str() {
                active.partners.insert(partner.to_owned());
                for address in data["edi_addresses"].as_array().into_iter().flatten() {
                    if let Some(address) = address.as_str() {
                        active.partners.insert(address.to_owned());
                    }
                }
            }
        }
        Ok(active)
    }

    /// Every pause in force, for an operator.
    pub async fn list(&self) -> Result<Vec<Pause>, LedgerError> {
        Ok(self
            .ledger
            .query(Query::partition(IndexName::One, ACTIVE_PARTITION).limit(MAX_ACTIVE))
            .await?
            .into_iter()
            .map(|record| Pause { record })
            .collect())
    }

    /// The pause of `target`, active or ended, if there ever was one.
    pub async fn get(&self, target: &Target) -> Result<Option<Pause>, LedgerError> {
        Ok(self
            .ledger
            .get(&Self::id(target)?)
            .await?
            .map(|record| Pause { record }))
    }

    /// Pauses `target`; `Ok((pause, false))` when it was already paused (nothing changed).
    pub async fn pause(
        &self,
        target: &Target,
        reason: &str,
        edi_addresses: &[String],
    ) -> Result<(Pause, bool), PauseError> {
        check_reason(reason)?;
        let id = Self::id(target)?;
        let now = self.now();
        let data = json!({
            "target": target.describe(),
            "reason": reason,
            "paused_at": now,
            "edi_addresses": edi_addresses,
        });
        let sort = target.key();
        loop {
            let record = NewRecord::new(id.clone(), ACTIVE, data.clone())
                .with_index1(ACTIVE_PARTITION, sort.clone());
            match self.ledger.create(record).await {
                Ok(record) => {
                    tracing::warn!(target = %sort, reason, "paused");
                    return Ok((Pause { record }, true));
                }
                Err(LedgerError::AlreadyExists { existing, .. }) if existing.status == ACTIVE => {
                    return Ok((Pause { record: *existing }, false));
                }
                Err(LedgerError::AlreadyExists { existing, .. }) => {
                    // Paused before and resumed since: in force again.
                    let mut change = existing.change();
                    ACTIVE.clone_into(&mut change.status);
                    change.data = data.clone();
                    change.index1 = Some(IndexEntry::new(ACTIVE_PARTITION, sort.clone()));
                    change.expires_at = None;
                    match self.ledger.update(change).await {
                        Ok(record) => {
                            tracing::warn!(target = %sort, reason, "paused again");
                            return Ok((Pause { record }, true));
                        }
                        Err(LedgerError::VersionConflict { .. } | LedgerError::NotFound { .. }) => {
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Ends the pause of `target`; `Ok(None)` when it was not paused.
    pub async fn resume(&self, target: &Target) -> Result<Option<Pause>, PauseError> {
        loop {
            let Some(pause) = self.get(target).await? else {
                return Ok(None);
            };
            if !pause.is_active() {
                return Ok(None);
            }
            let mut change = pause.record.change();
            RESUMED.clone_into(&mut change.status);
            if let Some(data) = change.data.as_object_mut() {
                data.insert("resumed_at".to_owned(), json!(self.now()));
            }
            change.index1 = None;
            change.expires_at = Some(self.clock.now() + RESUMED_RETENTION);
            match self.ledger.update(change).await {
                Ok(record) => {
                    tracing::warn!(target = %target.key(), "resumed");
                    return Ok(Some(Pause { record }));
                }
                Err(LedgerError::VersionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{check_partner_id, check_reason, partners_named};

    #[test]
    fn an_event_names_its_partner_ids_and_its_senders_address() {
        let event = json!({
            "event_id": "evt_1",
            "data": {"document": {"partner_id": "prt_acme", "metadata": {
                "sender": {"qualifier": "ZZ", "id": "ACMESUPPLY"},
                "receiver": {"qualifier": "ZZ", "id": "BUYERCO"}}}}
        });
        assert_eq!(partners_named(&event), vec!["ZZ:ACMESUPPLY", "prt_acme"]);
        assert!(partners_named(&json!({"node_id": 7, "event_type": "x"})).is_empty());
    }

    #[test]
    fn a_reason_is_one_to_five_hundred_printable_characters() {
        assert!(check_reason("partner sends broken 855s").is_ok());
        assert!(check_reason("").is_err());
        assert!(check_reason("   ").is_err());
        assert!(check_reason(&"x".repeat(501)).is_err());
        assert!(check_reason(&"ä".repeat(500)).is_ok());
        assert!(check_reason("a\u{0}b").is_err());
        assert!(check_partner_id("prt_acme").is_ok());
        assert!(check_partner_id("prt acme").is_err());
        assert!(check_partner_id("").is_err());
        assert!(check_partner_id("prt_").is_err());
        assert!(check_partner_id("acme").is_err(), "not a partner id");
    }
}
