//! Units of measure: a document's quantity in another unit than the order's is converted
//! through a configured table, or the line is flagged as a unit mismatch — raw numbers are
//! never compared across units.
//!
//! # Format
//! `UNIT_CONVERSIONS` is a JSON list; each entry says one `from` is `factor` `to`, for every
//! material or only for `material` (a material's own entry wins). The reverse direction is
//! implied (1 EA = 1/12 CA):
//! ```json
//! [{"from": "CA", "to": "EA", "factor": "12"},
//!  {"material": "M-STEEL-BOLT-12", "from": "BX", "to": "EA", "factor": "100"}]
//! ```
//! Units are compared without case; the readers already read EDIFACT `PCE` / `C62` as `EA`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One configured conversion: 1 `from` = `factor` `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitConversion {
    /// Only for this material; `None` for every material.
    #[serde(default)]
    pub material: Option<String>,
    /// The unit converted from.
    pub from: String,
    /// The unit converted to.
    pub to: String,
    /// How many `to` one `from` is; positive.
    pub factor: Decimal,
}

/// The configured conversions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitConversions(pub Vec<UnitConversion>);

/// How a quantity converts: × `multiply` ÷ `divide` (a configured factor one way or the
/// other), so that 24 EA in cases of 12 is exactly 2 CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    /// Multiplied by.
    pub multiply: Decimal,
    /// Divided by.
    pub divide: Decimal,
}

impl Conversion {
    /// No conversion.
    pub const SAME: Self = Self {
        multiply: Decimal::ONE,
        divide: Decimal::ONE,
    };

    /// Whether it changes nothing for `value` (the same unit): no decimal arithmetic is
    /// needed, as `value × 1 ÷ 1` is `value`, scale included — except for a zero with a scale
    /// (`0.000 ÷ 1` is `0`), left to the arithmetic (see the test).
    fn is_same(self, value: Decimal) -> bool {
        self.multiply == Decimal::ONE && self.divide == Decimal::ONE && !value.is_zero()
    }

    /// A quantity in the target unit.
    pub fn quantity(self, value: Decimal) -> Decimal {
        if self.is_same(value) {
            return value;
        }
        value * self.multiply / self.divide
    }

    /// A price per source unit as a price per target unit.
    pub fn price(self, value: Decimal) -> Decimal {
        if self.is_same(value) {
            return value;
        }
        value * self.divide / self.multiply
    }
}

impl UnitConversions {
    /// How `from` converts into `to` for `material`: unchanged for the same unit, through the
    /// configured factor (or its inverse), `None` when nothing converts them.
    pub fn conversion(&self, material: Option<&str>, from: &str, to: &str) -> Option<Conversion> {
        let (from, to) = (from.trim(), to.trim());
        if from.eq_ignore_ascii_case(to) {
            return Some(Conversion::SAME);
        }
        let applies = |c: &&UnitConversion, own: bool| match (&c.material, material) {
            (Some(m), Some(wanted)) => own && m.trim() == wanted.trim(),
            (None, _) => !own,
            (Some(_), None) => false,
        };
        for own in [true, false] {
            for conversion in self.0.iter().filter(|c| applies(c, own)) {
                if conversion.factor <= Decimal::ZERO {
                    continue;
                }
                if conversion.from.eq_ignore_ascii_case(from)
                    && conversion.to.eq_ignore_ascii_case(to)
                {
                    return Some(Conversion {
                        multiply: conversion.factor,
                        divide: Decimal::ONE,
                    });
                }
                if conversion.from.eq_ignore_ascii_case(to)
                    && conversion.to.eq_ignore_ascii_case(from)
                {
                    return Some(Conversion {
                        multiply: Decimal::ONE,
                        divide: conversion.factor,
                    });
                }
            }
        }
        None
    }

    /// Parses the JSON list above.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let parsed: Self = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if let Some(bad) = parsed.0.iter().find(|c| c.factor <= Decimal::ZERO) {
            return Err(format!(
                "{} → {}: the factor must be positive",
                bad.from, bad.to
            ));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_conversion_returns_the_value_as_the_arithmetic_would_scale_included() {
        for text in [
            "5",
            "5.00",
            "0.120",
            "1234.5678",
            "-3.10",
            "0",
            "0.000",
            "79228162514264337593543950335",
        ] {
            let value: Decimal = text.parse().expect("decimal");
            let computed = value * Decimal::ONE / Decimal::ONE;
            assert_eq!(
                Conversion::SAME.quantity(value).to_string(),
                computed.to_string(),
                "{text}"
            );
            assert_eq!(
                Conversion::SAME.price(value).to_string(),
                computed.to_string(),
                "{text}"
            );
        }
    }

    fn table() -> UnitConversions {
        UnitConversions::from_json(
            r#"[{"from": "CA", "to": "EA", "factor": "12"},
                {"material": "M-BOLT", "from": "CA", "to": "EA", "factor": "50"}]"#,
        )
        .expect("table")
    }

    #[test]
    fn the_same_unit_converts_by_one_and_a_configured_pair_both_ways() {
        let table = table();
        let convert = |material, from, to, value: &str| {
            table
                .conversion(material, from, to)
                .map(|c| c.quantity(value.parse().expect("decimal")))
        };
        assert_eq!(convert(None, "ea", "EA", "7"), Some(Decimal::from(7)));
        assert_eq!(convert(None, "CA", "EA", "2"), Some(Decimal::from(24)));
        assert_eq!(
            convert(Some("M-NUT"), "EA", "CA", "24"),
            Some(Decimal::from(2))
        );
        assert_eq!(convert(None, "KG", "EA", "1"), None);
        let per_case = table.conversion(None, "CA", "EA").expect("configured");
        assert_eq!(per_case.price(Decimal::from(18)), Decimal::new(15, 1));
    }

    #[test]
    fn a_materials_own_conversion_wins() {
        assert_eq!(
            table()
                .conversion(Some("M-BOLT"), "CA", "EA")
                .map(|c| c.quantity(Decimal::ONE)),
            Some(Decimal::from(50))
        );
    }

    #[test]
    fn a_factor_that_is_not_positive_is_refused() {
        assert!(UnitConversions::from_json(r#"[{"from":"CA","to":"EA","factor":"0"}]"#).is_err());
        assert!(UnitConversions::from_json("{").is_err());
    }
}
