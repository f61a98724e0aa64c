//! Reconciliation settings.
//!
//! # Configuration
//! | Key | Default | Meaning |
//! |---|---|---|
//! | `FOLDER_RECONCILIATION` | `Reconciliation` | the workspace folder the report goes to |
//! | `PRICE_TOLERANCE_PERCENT` | `2` | unit price may differ by at most this many percent (`none`: no percent limit) |
//! | `PRICE_TOLERANCE_ABSOLUTE` | `0.05` | … and by at most this much per unit (`none`: no absolute limit) |
//! | `PRICE_TOLERANCES` | — | per-partner overrides, JSON (below) |
//! | `ACKNOWLEDGMENT_REQUIRED` | `true` | whether an order stays `waiting_for_documents` until acknowledged |
//!
//! # Format
//! `PRICE_TOLERANCES` maps a partner (its EDI id `ACMESUPPLY` or `ZZ:ACMESUPPLY`, compared
//! without case) to its limits; a limit left out is the default one, `null` means no limit:
//! ```json
//! {"ZZ:ACMESUPPLY": {"percent": "1", "absolute": "0.01"}, "NORDFAST": {"absolute": null}}
//! ```

use std::collections::BTreeMap;

use gridlink_core::config::{ConfigError, ConfigSource};
use rust_decimal::Decimal;

use super::model::{PriceTolerance, Rules};

/// Reconciliation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileConfig {
    /// The folder of the report.
    pub folder: String,
    /// The tolerance of partners without an override.
    pub default_tolerance: PriceTolerance,
    /// Overrides by partner id, as configured.
    pub partner_tolerances: Vec<(String, PriceTolerance)>,
    /// Whether acknowledgments are expected.
    pub acknowledgment_required: bool,
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
        let default_tolerance = PriceTolerance {
            percent: limit(&mut reader, "PRICE_TOLERANCE_PERCENT", "2"),
            absolute: limit(&mut reader, "PRICE_TOLERANCE_ABSOLUTE", "0.05"),
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
        reader.finish()?;
        Ok(Self {
            folder,
            default_tolerance,
            partner_tolerances,
            acknowledgment_required,
        })
    }

    /// The tolerance for `partner` (`qualifier:id`, or just the id).
    pub fn tolerance_for(&self, partner: &str) -> PriceTolerance {
        let bare = partner.split_once(':').map_or(partner, |(_, id)| id);
        self.partner_tolerances
            .iter()
            .find(|(configured, _)| {
                configured.eq_ignore_ascii_case(partner) || configured.eq_ignore_ascii_case(bare)
            })
            .map_or(self.default_tolerance, |(_, tolerance)| *tolerance)
    }

    /// The rules for `partner`.
    pub fn rules_for(&self, partner: &str) -> Rules {
        Rules {
            acknowledgment_required: self.acknowledgment_required,
            price_tolerance: self.tolerance_for(partner),
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
    fn defaults_are_two_percent_and_five_cents() {
        let config = config(&[]).expect("config");
        assert_eq!(config.folder, "Reconciliation");
        assert_eq!(
            config.tolerance_for("ZZ:ANYONE"),
            PriceTolerance {
                percent: Some(Decimal::from(2)),
                absolute: Some(Decimal::new(5, 2)),
            }
        );
        assert!(config.acknowledgment_required);
    }

    #[test]
    fn a_partner_override_applies_by_qualified_or_bare_id_and_inherits_what_it_leaves_out() {
        let config = config(&[
            ("PRICE_TOLERANCE_ABSOLUTE", "none"),
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
        ])
        .expect_err("invalid");
        let text = error.to_string();
        for key in [
            "PRICE_TOLERANCE_PERCENT",
            "PRICE_TOLERANCES",
            "ACKNOWLEDGMENT_REQUIRED",
        ] {
            assert!(text.contains(key), "{key} missing from {text}");
        }
    }
}
