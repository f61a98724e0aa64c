//! Per-partner auto-accept tolerance: a price, quantity or date exception whose `Actual` is
//! within the partner's tolerance of its `Expected` is resolved without publishing, with a
//! timeline entry saying why (Ariba's confirmation-deviation tolerance, recorded in xECM).
//!
//! # Format
//! `AUTO_ACCEPT_TOLERANCES` (JSON; none by default: every exception is published) maps a
//! partner — its Trading Grid partner id (`prt_acme`) or its EDI address (`ACMESUPPLY`,
//! `ZZ:ACMESUPPLY`), compared without case, see [`crate::by_partner`] — or `*` (every
//! partner not named) to its limits:
//! ```json
//! {"*": {"price_percent": "0.5"},
//!  "ZZ:ACMESUPPLY": {"price_percent": "2", "quantity_units": "10", "date_days": 2}}
//! ```
//! - `price_percent`: |actual − expected| / expected × 100 ≤ the limit (inclusive, exact on
//!   decimals; an expected price of 0 is never within);
//! - `quantity_units`: |actual − expected| ≤ the limit;
//! - `date_days`: the two dates (`YYYY-MM-DD…`) at most that many days apart.
//!
//! A limit a partner's entry leaves out is `*`'s. Amounts are read as a leading decimal
//! (`0.081 EUR`, `4990 EA`; a decimal comma is read as a point); when the two texts carry
//! different units or currencies after the number, or either does not read, the exception
//! is not within (it is published). Only types `price`, `quantity` and `date` are
//! auto-accepted. The decision is taken once per row revision: a later revision outside
//! the tolerance reopens the exception and publishes it.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use time::Date;

use crate::by_partner::ByPartner;

/// One partner's limits (absent: no auto-accept of that type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Price, in percent of the expected.
    #[serde(default)]
    pub price_percent: Option<Decimal>,
    /// Quantity, in units.
    #[serde(default)]
    pub quantity_units: Option<Decimal>,
    /// Date, in days.
    #[serde(default)]
    pub date_days: Option<u32>,
}

impl Limits {
    fn or(&self, fallback: &Limits) -> Limits {
        Limits {
            price_percent: self.price_percent.or(fallback.price_percent),
            quantity_units: self.quantity_units.or(fallback.quantity_units),
            date_days: self.date_days.or(fallback.date_days),
        }
    }
}

/// Every partner's limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tolerances(ByPartner<Limits>);

impl Tolerances {
    /// Reads `AUTO_ACCEPT_TOLERANCES`; the error says what is wrong.
    pub fn parse(json: &str) -> Result<Self, String> {
        ByPartner::parse(json, |value| {
            let limits: Limits = serde_json::from_value(value).map_err(|e| {
                format!("{e} (limits are price_percent, quantity_units, date_days)")
            })?;
            for (name, limit) in [
                ("price_percent", limits.price_percent),
                ("quantity_units", limits.quantity_units),
            ] {
                if limit.is_some_and(|l| l.is_sign_negative()) {
                    return Err(format!("{name} must not be negative"));
                }
            }
            Ok(limits)
        })
        .map(Self)
    }

    /// Whether any limit is set.
    pub fn is_empty(&self) -> bool {
        self.0.names_none()
            && self
                .0
                .default_entry()
                .is_none_or(|d| *d == Limits::default())
    }

    /// The limits of a partner known by any of `names` (partner id, EDI address with or
    /// without qualifier).
    pub fn for_partner(&self, names: &[&str]) -> Limits {
        let default = self.0.default_entry().cloned().unwrap_or_default();
        self.0
            .named(names)
            .map_or_else(|| default.clone(), |l| l.or(&default))
    }
}

/// A leading decimal and what follows it (`0.081 EUR` → 0.081, `EUR`).
fn amount(text: &str) -> Option<(Decimal, String)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || *c == ',' || (*i == 0 && *c == '-')))
        .map_or(text.len(), |(i, _)| i);
    let number = Decimal::from_str(&text[..end].replace(',', ".")).ok()?;
    Some((number, text[end..].trim().to_ascii_uppercase()))
}

fn date(text: &str) -> Option<Date> {
    let head = text.trim().get(..10)?;
    Date::parse(
        head,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Why an exception of `kind` stating `expected` / `actual` is within `limits`, or `None`.
pub fn within(limits: &Limits, kind: &str, expected: &str, actual: &str) -> Option<String> {
    match kind {
        "price" => {
            let limit = limits.price_percent?;
            let ((e, eu), (a, au)) = (amount(expected)?, amount(actual)?);
            if eu != au || e <= Decimal::ZERO {
                return None;
            }
            let off = (a - e).abs() * Decimal::ONE_HUNDRED;
            (off <= limit * e).then(|| {
                format!(
                    "auto-accepted: price {actual} is within the partner's tolerance of {} % of the expected {expected}",
                    limit.normalize()
                )
            })
        }
        "quantity" => {
            let limit = limits.quantity_units?;
            let ((e, eu), (a, au)) = (amount(expected)?, amount(actual)?);
            if eu != au {
                return None;
            }
            ((a - e).abs() <= limit).then(|| {
                format!(
                    "auto-accepted: quantity {actual} is within the partner's tolerance of {} units of the expected {expected}",
                    limit.normalize()
                )
            })
        }
        "date" => {
            let limit = limits.date_days?;
            let days = (date(actual)? - date(expected)?)
                .whole_days()
                .unsigned_abs();
            (days <= u64::from(limit)).then(|| {
                format!(
                    "auto-accepted: date {actual} is within the partner's tolerance of {limit} days of the expected {expected}"
                )
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tolerances() -> Tolerances {
        Tolerances::parse(
            r#"{"*": {"price_percent": "0.5"},
                "ZZ:ACMESUPPLY": {"price_percent": "2", "quantity_units": "10", "date_days": 2}}"#,
        )
        .expect("valid")
    }

    #[test]
    fn limits_are_the_partners_by_id_or_address_else_the_default() {
        let t = tolerances();
        let acme = t.for_partner(&["prt_acme", "ACMESUPPLY"]);
        assert_eq!(acme.price_percent, Some(Decimal::new(2, 0)));
        assert_eq!(acme.date_days, Some(2));
        let other = t.for_partner(&["prt_globex", "ZZ:GLOBEX"]);
        assert_eq!(other.price_percent, Some(Decimal::new(5, 1)));
        assert_eq!(other.quantity_units, None);
    }

    #[test]
    fn within_is_inclusive_exact_and_needs_the_same_unit() {
        let acme = tolerances().for_partner(&["ZZ:ACMESUPPLY"]);
        assert!(
            within(&acme, "price", "0.08 EUR", "0.0816 EUR").is_some(),
            "2 % exactly"
        );
        assert!(within(&acme, "price", "0.08 EUR", "0.08161 EUR").is_none());
        assert!(
            within(&acme, "price", "0.08 EUR", "0.0785 USD").is_none(),
            "another currency"
        );
        assert!(within(&acme, "price", "0 EUR", "0 EUR").is_none());
        assert!(within(&acme, "quantity", "5000 EA", "4990 EA").is_some());
        assert!(within(&acme, "quantity", "5000 EA", "4989 EA").is_none());
        assert!(within(&acme, "quantity", "5000", "4995 CS").is_none());
        assert!(within(&acme, "date", "2026-11-20", "2026-11-22").is_some());
        assert!(within(&acme, "date", "2026-11-20", "2026-11-17").is_none());
        assert!(
            within(&acme, "other", "a", "a").is_none(),
            "only price, quantity, date"
        );
        assert!(within(&acme, "price", "n/a", "0.08").is_none());
        let reason = within(&acme, "price", "0.08 EUR", "0.081 EUR").expect("within");
        assert!(
            reason.contains("2 %") && reason.contains("0.081 EUR"),
            "{reason}"
        );
    }

    #[test]
    fn bad_configuration_is_refused_by_name() {
        assert!(Tolerances::parse("[1]").is_err());
        let unknown = Tolerances::parse(r#"{"ACME": {"percent": "1"}}"#).expect_err("unknown");
        assert!(
            unknown.contains("\"ACME\"") && unknown.contains("percent"),
            "{unknown}"
        );
        let negative =
            Tolerances::parse(r#"{"ACME": {"quantity_units": "-1"}}"#).expect_err("negative");
        assert!(negative.contains("quantity_units"), "{negative}");
        assert!(Tolerances::parse(r#"{"ACME": {"date_days": "x"}}"#).is_err());
        assert!(Tolerances::parse("{}").expect("empty").is_empty());
    }
}
