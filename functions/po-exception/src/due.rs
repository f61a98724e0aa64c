//! The deadline of an exception whose row gives no `Response Due`: per exception type,
//! overridable per partner.
//!
//! # Format
//! `RESPONSE_DUE_HOURS_BY_TYPE` (JSON; none by default) maps a partner — its Trading Grid
//! partner id or EDI address, compared as for `AUTO_ACCEPT_TOLERANCES` (see
//! [`crate::by_partner`]) — or `*` (every partner not named) to hours per exception type
//! (the types of [`crate::row::TYPES`], spelled as the row's `Type` may be; `*` for every
//! type the entry does not name):
//! ```json
//! {"*": {"price": 24, "missing_confirmation": 72},
//!  "ZZ:ACMESUPPLY": {"price": 12, "*": 36}}
//! ```
//! An exception's deadline is the first of: its row's `Response Due`; the partner's entry
//! for its type; the partner's `*`; the `*` entry for its type; the `*` entry's `*`;
//! `RESPONSE_DUE_HOURS` (48). Hours are whole numbers from 1 to 8760; anything else, an
//! unknown type or a value that is not an object stops the function at start with an error
//! naming the key.
//!
//! The deadline is planned once per row revision (from the moment the revision is seen) and
//! kept on the exception's ledger record (`due_at`); the publication's `action_request`,
//! the reminders and the escalation (see [`crate::deadlines`]) all read it from there.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::by_partner::ByPartner;
use crate::row::normalise_type;

/// Hours per type (`*`: every other type).
type HoursByType = BTreeMap<String, u64>;

/// The configured deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseDue {
    by_partner: ByPartner<HoursByType>,
    fallback: Duration,
}

/// The longest deadline, in hours (a year).
pub const MAX_HOURS: u64 = 24 * 365;

fn hours_by_type(value: Value) -> Result<HoursByType, String> {
    let entries = match value {
        Value::Object(entries) => entries,
        other => return Err(format!("must be an object of hours per type, not {other}")),
    };
    let mut hours = HoursByType::new();
    for (kind, value) in entries {
        let kind = if kind.trim() == "*" {
            "*".to_owned()
        } else {
            normalise_type(&kind).ok_or_else(|| {
                format!(
                    "unknown type {kind:?} (types are {}, or *)",
                    crate::row::TYPES.join(", ")
                )
            })?
        };
        let n = value
            .as_u64()
            .filter(|n| (1..=MAX_HOURS).contains(n))
            .ok_or_else(|| {
                format!("{kind}: {value} is not a whole number of hours from 1 to {MAX_HOURS}")
            })?;
        hours.insert(kind, n);
    }
    Ok(hours)
}

impl ResponseDue {
    /// Every deadline `fallback` (`RESPONSE_DUE_HOURS`).
    pub fn uniform(fallback: Duration) -> Self {
        Self {
            by_partner: ByPartner::default(),
            fallback,
        }
    }

    /// Reads `RESPONSE_DUE_HOURS_BY_TYPE` over `fallback`; the error says what is wrong.
    pub fn parse(json: &str, fallback: Duration) -> Result<Self, String> {
        Ok(Self {
            by_partner: ByPartner::parse(json, hours_by_type)?,
            fallback,
        })
    }

    /// The deadline, from now, of an exception of type `kind` (normalised, as in the row)
    /// for the partner known by any of `names`.
    pub fn for_exception(&self, names: &[&str], kind: &str) -> Duration {
        let pick = |entry: Option<&HoursByType>| {
            entry.and_then(|hours| hours.get(kind).or_else(|| hours.get("*")).copied())
        };
        pick(self.by_partner.named(names))
            .or_else(|| pick(self.by_partner.default_entry()))
            .map_or(self.fallback, |h| Duration::from_secs(h * 3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3600;

    fn due() -> ResponseDue {
        ResponseDue::parse(
            r#"{"*": {"price": 24, "Missing Confirmation": 72},
                "ZZ:ACMESUPPLY": {"price": 12, "*": 36},
                "prt_nordfast": {"date": 96}}"#,
            Duration::from_secs(48 * HOUR),
        )
        .expect("valid")
    }

    #[test]
    fn the_partners_type_then_its_star_then_the_defaults_type_then_the_fallback() {
        let due = due();
        let hours = |names: &[&str], kind: &str| due.for_exception(names, kind).as_secs() / HOUR;
        let acme = ["prt_acme", "ACMESUPPLY"];
        assert_eq!(hours(&acme, "price"), 12, "ACME's own price deadline");
        assert_eq!(
            hours(&acme, "missing_confirmation"),
            36,
            "ACME's * before the default's type"
        );
        let nordfast = ["prt_nordfast", "ZZ:NORDFAST"];
        assert_eq!(hours(&nordfast, "date"), 96);
        assert_eq!(hours(&nordfast, "price"), 24, "the default's price");
        assert_eq!(hours(&nordfast, "missing_confirmation"), 72);
        assert_eq!(hours(&nordfast, "quantity"), 48, "RESPONSE_DUE_HOURS");
        assert_eq!(hours(&["prt_globex"], "other"), 48);
        let uniform = ResponseDue::uniform(Duration::from_secs(5 * HOUR));
        assert_eq!(uniform.for_exception(&acme, "price").as_secs(), 5 * HOUR);
        let star =
            ResponseDue::parse(r#"{"*": {"*": 10}}"#, Duration::from_secs(HOUR)).expect("valid");
        assert_eq!(star.for_exception(&acme, "date").as_secs(), 10 * HOUR);
    }

    #[test]
    fn bad_deadlines_are_refused_naming_partner_and_type() {
        let fallback = Duration::from_secs(HOUR);
        let unknown =
            ResponseDue::parse(r#"{"ACME": {"cost": 5}}"#, fallback).expect_err("unknown");
        assert!(
            unknown.contains("\"ACME\"") && unknown.contains("cost"),
            "{unknown}"
        );
        for bad in ["0", "8761", "-3", "1.5", "\"24\""] {
            let error = ResponseDue::parse(&format!(r#"{{"*": {{"price": {bad}}}}}"#), fallback)
                .expect_err(bad);
            assert!(
                error.contains("price") && error.contains("\"*\""),
                "{error}"
            );
        }
        assert!(ResponseDue::parse(r#"{"ACME": 24}"#, fallback).is_err());
        assert!(ResponseDue::parse("[24]", fallback).is_err());
    }
}
