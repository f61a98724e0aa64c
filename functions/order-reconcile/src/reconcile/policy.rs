//! How the rules judge an order for one partner: the price tolerance, when invoicing is
//! complete, how units convert, whether acknowledgments are expected.

use gridlink_edi::EdiDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::units::UnitConversions;

/// How far an invoiced (or acknowledged) unit price may be from the ordered one.
///
/// The relative rule: `|actual − ordered| / ordered ≤ percent / 100`, inclusive, computed
/// exactly on decimals (`|actual − ordered| × 100 ≤ ordered × percent`, no division, no
/// rounding) — so 2 % of 41.25 allows 40.425 to 42.075 and nothing beyond. An `absolute` limit
/// per unit applies only when a partner's configuration sets one; when both are set, both
/// must hold (the more restrictive wins, as SAP Ariba and Oracle apply them). A limit that is
/// `None` does not restrict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTolerance {
    /// At most this many percent of the ordered unit price.
    pub percent: Option<Decimal>,
    /// At most this much per unit, in the order's currency (explicit per-partner choice).
    pub absolute: Option<Decimal>,
}

impl PriceTolerance {
    /// No difference allowed.
    pub const EXACT: Self = Self {
        percent: Some(Decimal::ZERO),
        absolute: Some(Decimal::ZERO),
    };

    /// The documented default: 2 %, relative only.
    pub const DEFAULT: Self = Self {
        percent: Some(Decimal::from_parts(2, 0, 0, false, 0)),
        absolute: None,
    };

    /// Whether `actual` is within the tolerance of `ordered`.
    pub fn allows(&self, ordered: Decimal, actual: Decimal) -> bool {
        let difference = (actual - ordered).abs();
        let within_percent = self
            .percent
            .is_none_or(|percent| difference * Decimal::ONE_HUNDRED <= ordered.abs() * percent);
        let within_absolute = self.absolute.is_none_or(|absolute| difference <= absolute);
        within_percent && within_absolute
    }
}

impl Default for PriceTolerance {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// When a partner's invoicing of an order is complete — from then on, what was shipped but
/// not invoiced is an exception (under-billing), not something still to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Invoicing {
    /// One invoice per order (the default): the first invoice completes the invoicing.
    #[default]
    Single,
    /// Several invoices may bill an order. With `final_after_days`, invoicing is complete that
    /// many days after the latest invoice's date (BIG01 / DTM+137; the day it was received
    /// when it has none), judged on the run's date ([`Rules::as_of`]); without, it is never
    /// complete on its own, and what is not invoiced stays waiting.
    Partial {
        /// Days after the latest invoice.
        final_after_days: Option<u32>,
    },
}

/// How the rules judge an order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rules {
    /// Whether an order without an acknowledgment is still waiting for one (`true`), or the
    /// partner does not acknowledge orders.
    pub acknowledgment_required: bool,
    /// The unit-price tolerance.
    pub price_tolerance: PriceTolerance,
    /// When invoicing is complete.
    pub invoicing: Invoicing,
    /// Unit conversions (documents in another unit than the order's).
    pub units: UnitConversions,
    /// The day the reconciliation runs (for [`Invoicing::Partial`] windows); `None` treats
    /// every window as still open.
    pub as_of: Option<EdiDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    #[test]
    fn the_default_tolerance_is_two_percent_relative_inclusive_and_exact() {
        let tolerance = PriceTolerance::default();
        assert_eq!(tolerance.absolute, None);
        // 2 % of 41.25 is 0.825: 42.075 is in, 42.0751 is out; no absolute limit applies.
        assert!(tolerance.allows(d("41.25"), d("42.075")));
        assert!(tolerance.allows(d("41.25"), d("40.425")));
        assert!(!tolerance.allows(d("41.25"), d("42.0751")));
        assert!(!tolerance.allows(d("41.25"), d("40.4249")));
        assert!(tolerance.allows(d("0.12"), d("0.1224")));
        assert!(!tolerance.allows(d("0.12"), d("0.12241")));
    }

    #[test]
    fn an_explicit_absolute_limit_applies_as_well_when_a_partner_sets_one() {
        let tolerance = PriceTolerance {
            percent: Some(d("2")),
            absolute: Some(d("0.05")),
        };
        assert!(tolerance.allows(d("41.25"), d("41.30")));
        assert!(!tolerance.allows(d("41.25"), d("41.31")));
        assert!(tolerance.allows(d("0.12"), d("0.1224")));
        assert!(!tolerance.allows(d("0.12"), d("0.1225")));
    }

    #[test]
    fn a_missing_limit_does_not_restrict_and_exact_allows_no_difference() {
        let percent_only = PriceTolerance {
            percent: Some(d("10")),
            absolute: None,
        };
        assert!(percent_only.allows(d("100"), d("110")));
        assert!(!percent_only.allows(d("100"), d("110.01")));
        assert!(PriceTolerance::EXACT.allows(d("3.50"), d("3.5")));
        assert!(!PriceTolerance::EXACT.allows(d("3.50"), d("3.51")));
        assert!(!PriceTolerance::default().allows(Decimal::ZERO, d("0.01")));
    }
}
