//! Reconciliation settings.
//!
//! # Configuration
//! | Key | Default | Meaning |
//! |---|---|---|
//! | `FOLDER_RECONCILIATION` | `Reconciliation` | the workspace folder the report goes to |
//! | `FOLDER_ORDER_DOCUMENT` | `Order` | the workspace folder holding the buyer's own 850 / ORDERS, the baseline of an order whose category has no lines (see [`super::baseline`]) |
//! | `PRICE_TOLERANCE_PERCENT` | `2` | unit price may differ by at most this many percent of the ordered one, inclusive (`none`: no percent limit) |
//! | `PRICE_TOLERANCE_ABSOLUTE` | `none` | … and by at most this much per unit (an explicit choice; `none`: no absolute limit) |
//! | `PRICE_TOLERANCES` | — | per-partner overrides, JSON (below) |
//! | `ACKNOWLEDGMENT_REQUIRED` | `true` | whether an order stays `waiting_for_documents` until acknowledged |
//! | `INVOICING` | `single` | when invoicing is complete: `single` (one invoice per order: the first completes it), `partial` (never on its own), `partial:N` (N days after the latest invoice) |
//! | `PARTNER_INVOICING` | — | per-partner `INVOICING`, JSON (below) |
//! | `UNIT_CONVERSIONS` | — | unit conversions, JSON (see [`super::units`]) |
//!
//! # Format
//! `PRICE_TOLERANCES` maps a partner (its EDI id `ACMESUPPLY` or `ZZ:ACMESUPPLY`, compared
//! without case) to its limits; a limit left out is the default one, `null` means no limit:
//! ```json
//! {"ZZ:ACMESUPPLY": {"percent": "1", "absolute": "0.01"}, "NORDFAST": {"absolute": null}}
//! ```
//! `PARTNER_INVOICING` maps a partner the same way to an `INVOICING` value:
//! ```json
//! {"ZZ:ACMESUPPLY": "partial:30", "NORDFAST": "single"}
//! ```

use std::collections::BTreeMap;

use gridlink_core::config::{ConfigError, ConfigSource};
use rust_decimal::Decimal;

use super::model::{Invoicing, PriceTolerance, Rules};
use super::units::UnitConversions;

/// Reconciliation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// The folder of the report.
    pub folder: String,
    /// The folder of the buyer's own purchase order document.
    pub order_document_folder: String,
    /// The tolerance of partners without an override.
    pub default_tolerance: PriceTolerance,
    /// Overrides by partner id, as configured.
    pub partner_tolerances: Vec<(String, PriceTolerance)>,
    /// Whether acknowledgments are expected.
    pub acknowledgment_required: bool,
    /// When invoicing is complete, for partners without an override.
    pub default_invoicing: Invoicing,
    /// Overrides by partner id, as configured.
    pub partner_invoicing: Vec<(String, Invoicing)>,
    /// Unit conversions.
    pub units: UnitConversions,
}

/// An `INVOICING` value: `single`, `partial`, `partial:N`.
pub fn parse_invoicing(text: &str) -> Result<Invoicing, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("single") {
        return Ok(Invoicing::Single);
    }
    if text.eq_ignore_ascii_case("partial") {
        return Ok(Invoicing::Partial {
            final_after_days: None,
        });
    }
    match text.split_once(':') {
        Some((mode, days)) if mode.trim().eq_ignore_ascii_case("partial") => days
            .trim()
            .parse::<u32>()
            .map(|days| Invoicing::Partial {
                final_after_days: Some(days),
            })
            .map_err(|_| format!("{text:?}: the days must be a whole number")),
        _ => Err(format!(
            "{text:?} is not `single`, `partial` or `partial:DAYS`"
        )),
    }
}

fn partner_invoicing(json: &str) -> Result<Vec<(String, Invoicing)>, String> {
    let map: BTreeMap<String, String> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    map.into_iter()
        .map(|(partner, mode)| {
            parse_invoicing(&mode)
                .map(|mode| (partner.trim().to_owned(), mode))
                .map_err(|e| format!("{partner}: {e}"))
        })
        .collect()
}

/// The entry of `partner` (`qualifier:id`, or just the id) in `overrides`.
fn for_partner<'a, T>(overrides: &'a [(String, T)], partner: &str) -> Option<&'a T> {
    let bare = partner.split_once(':').map_or(partner, |(_, id)| id);
    overrides
        .iter()
        .find(|(configured, _)| {
            configured.eq_ignore_ascii_case(partner) || configured.eq_ignore_ascii_case(bare)
        })
        .map(|(_, value)| value)
}

/// One limit of a partner override: `"1.5"` or `1.5` a value, `null` no limit.
fn override_limit(value: &serde_json::Value) -> Result<Option<Decimal>, String> {
    let text = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Number(number) => number.to_string(),
        other => return Err(format!("{other} is not a decimal")),
    };
    match text.trim().parse::<Decimal>() {
        Ok(limit) if limit >= Decimal::ZERO => Ok(Some(limit)),
        _ => Err(format!("{text:?} is not a non-negative decimal")),
    }
}

/// The partner overrides of `json`, each limit falling back to `default`.
fn overrides(json: &str, default: PriceTolerance) -> Result<Vec<(String, PriceTolerance)>, String> {
    let map: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut tolerances = Vec::with_capacity(map.len());
    for (partner, limits) in map {
        let mut tolerance = default;
        for (name, value) in &limits {
            let limit = override_limit(value).map_err(|e| format!("{partner} {name}: {e}"))?;
            match name.as_str() {
                "percent" => tolerance.percent = limit,
                "absolute" => tolerance.absolute = limit,
                other => {
                    return Err(format!(
                        "{partner}: unknown limit {other:?} (percent, absolute)"
                    ));
                }
            }
        }
        tolerances.push((partner.trim().to_owned(), tolerance));
    }
    Ok(tolerances)
}

fn limit(
    reader: &mut gridlink_core::config::ConfigReader<'_>,
    key: &str,
    default: &str,
) -> Option<Decimal> {
    let text: String = reader.optional(key, default.to_owned());
    if text.trim().eq_ignore_ascii_case("none") {
        return None;
    }
    match text.trim().parse::<Decimal>() {
        Ok(value) if value >= Decimal::ZERO => Some(value),
        _ => {
            reader.invalid(key, "must be a non-negative decimal or `none`");
            default.parse().ok()
        }
    }
}

impl ReconcileConfig {
    /// Reads the keys above, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let folder = reader.optional("FOLDER_RECONCILIATION", "Reconciliation".to_owned());
        let order_document_folder = reader.optional("FOLDER_ORDER_DOCUMENT", "Order".to_owned());
        let default_tolerance = PriceTolerance {
            percent: limit(&mut reader, "PRICE_TOLERANCE_PERCENT", "2"),
            absolute: limit(&mut reader, "PRICE_TOLERANCE_ABSOLUTE", "none"),
        };
        let mut partner_tolerances = Vec::new();
        if let Some(json) = reader.maybe::<String>("PRICE_TOLERANCES") {
            match overrides(&json, default_tolerance) {
                Ok(found) => partner_tolerances = found,
                Err(e) => reader.invalid(
                    "PRICE_TOLERANCES",
                    format!(
                        "must be a JSON object of partner → {{\"percent\", \"absolute\"}}: {e}"
                    ),
                ),
            }
        }
        let acknowledgment_required = reader.optional("ACKNOWLEDGMENT_REQUIRED", true);
        let invoicing: String = reader.optional("INVOICING", "single".to_owned());
        let default_invoicing = parse_invoicing(&invoicing).unwrap_or_else(|e| {
            reader.invalid("INVOICING", e);
            Invoicing::Single
        });
        let mut partner_invoicing_modes = Vec::new();
        if let Some(json) = reader.maybe::<String>("PARTNER_INVOICING") {
            match partner_invoicing(&json) {
                Ok(found) => partner_invoicing_modes = found,
                Err(e) => reader.invalid(
                    "PARTNER_INVOICING",
                    format!("must be a JSON object of partner → INVOICING value: {e}"),
                ),
            }
        }
        let mut units = UnitConversions::default();
        if let Some(json) = reader.maybe::<String>("UNIT_CONVERSIONS") {
            match UnitConversions::from_json(&json) {
                Ok(found) => units = found,
                Err(e) => reader.invalid(
                    "UNIT_CONVERSIONS",
                    format!("must be a JSON list of {{\"from\", \"to\", \"factor\"}}: {e}"),
                ),
            }
        }
        reader.finish()?;
        Ok(Self {
            folder,
            order_document_folder,
            default_tolerance,
            partner_tolerances,
            acknowledgment_required,
            default_invoicing,
            partner_invoicing: partner_invoicing_modes,
            units,
        })
    }

    /// The tolerance for `partner` (`qualifier:id`, or just the id).
    pub fn tolerance_for(&self, partner: &str) -> PriceTolerance {
        for_partner(&self.partner_tolerances, partner)
            .copied()
            .unwrap_or(self.default_tolerance)
    }

    /// When `partner`'s invoicing of an order is complete.
    pub fn invoicing_for(&self, partner: &str) -> Invoicing {
        for_partner(&self.partner_invoicing, partner)
            .copied()
            .unwrap_or(self.default_invoicing)
    }

    /// The rules for `partner` (without a run date: see [`Rules::as_of`]).
    pub fn rules_for(&self, partner: &str) -> Rules {
        Rules {
            acknowledgment_required: self.acknowledgment_required,
            price_tolerance: self.tolerance_for(partner),
            invoicing: self.invoicing_for(partner),
            units: self.units.clone(),
            as_of: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<ReconcileConfig, ConfigError> {
        ReconcileConfig::from_source(&ConfigSource::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn defaults_are_two_percent_relative_only_and_one_invoice_per_order() {
        let config = config(&[]).expect("config");
        assert_eq!(config.folder, "Reconciliation");
        assert_eq!(
            config.tolerance_for("ZZ:ANYONE"),
            PriceTolerance {
                percent: Some(Decimal::from(2)),
                absolute: None,
            }
        );
        assert!(config.acknowledgment_required);
        assert_eq!(config.invoicing_for("ZZ:ANYONE"), Invoicing::Single);
        assert_eq!(config.units, UnitConversions::default());
    }

    #[test]
    fn invoicing_and_unit_conversions_are_configured_per_partner_and_once() {
        let config = config(&[
            ("INVOICING", "partial"),
            (
                "PARTNER_INVOICING",
                r#"{"ACMESUPPLY": "partial:30", "ZZ:NORDFAST": "single"}"#,
            ),
            (
                "UNIT_CONVERSIONS",
                r#"[{"from": "CA", "to": "EA", "factor": "12"}]"#,
            ),
        ])
        .expect("config");
        assert_eq!(
            config.invoicing_for("ZZ:ACMESUPPLY"),
            Invoicing::Partial {
                final_after_days: Some(30)
            }
        );
        assert_eq!(config.invoicing_for("zz:nordfast"), Invoicing::Single);
        assert_eq!(
            config.invoicing_for("OTHER"),
            Invoicing::Partial {
                final_after_days: None
            }
        );
        let rules = config.rules_for("ZZ:OTHER");
        assert_eq!(
            rules
                .units
                .conversion(None, "CA", "EA")
                .map(|c| c.quantity(Decimal::ONE)),
            Some(Decimal::from(12))
        );
    }

    #[test]
    fn a_partner_override_applies_by_qualified_or_bare_id_and_inherits_what_it_leaves_out() {
        let config = config(&[
            (
                "PRICE_TOLERANCES",
                r#"{"ACMESUPPLY": {"percent": "0.5"}, "ZZ:NORDFAST": {"percent": null, "absolute": 1}}"#,
            ),
        ])
        .expect("config");
        let acme = config.tolerance_for("ZZ:ACMESUPPLY");
        assert_eq!(acme.percent, Some(Decimal::new(5, 1)));
        assert_eq!(acme.absolute, None);
        let nordfast = config.tolerance_for("zz:nordfast");
        assert_eq!(nordfast.percent, None);
        assert_eq!(nordfast.absolute, Some(Decimal::ONE));
        assert_eq!(
            config.tolerance_for("OTHER").percent,
            Some(Decimal::from(2))
        );
    }

    #[test]
    fn every_bad_setting_is_named_at_once() {
        let error = config(&[
            ("PRICE_TOLERANCE_PERCENT", "-1"),
            ("PRICE_TOLERANCES", "{not json"),
            ("ACKNOWLEDGMENT_REQUIRED", "maybe"),
            ("INVOICING", "sometimes"),
            ("PARTNER_INVOICING", r#"{"ACME": "partial:x"}"#),
            (
                "UNIT_CONVERSIONS",
                r#"[{"from": "CA", "to": "EA", "factor": "-1"}]"#,
            ),
        ])
        .expect_err("invalid");
        let text = error.to_string();
        for key in [
            "PRICE_TOLERANCE_PERCENT",
            "PRICE_TOLERANCES",
            "ACKNOWLEDGMENT_REQUIRED",
            "INVOICING",
            "PARTNER_INVOICING",
            "UNIT_CONVERSIONS",
        ] {
            assert!(text.contains(key), "{key} missing from {text}");
        }
    }
}
