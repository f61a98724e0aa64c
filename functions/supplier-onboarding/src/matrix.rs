//! The requirement matrix: which documents a supplier must provide, by supplier class and
//! tax country, each with its validity rule and checks — versioned configuration kept as a
//! document in xECM, so compliance governs it like any other record.
//!
//! # Where it lives
//! `MATRIX_PATH` below `MATRIX_ROOT_ID` (by default `Enterprise/gridlink/Supplier
//! Onboarding/Requirement Matrix.json`). When no document is there, the built-in matrix
//! ([`Matrix::builtin`], version 1) is filed there once, so there always is one to read and
//! to govern; a compliance officer changes it by adding a version of that document with a
//! higher `version`. Every sync reads the current version; each supplier remembers the
//! matrix version it was last evaluated against ([`crate::standing`]).
//!
//! # Format
//! ```json
//! {"version": 1,
//!  "max_file_bytes": 10485760, "file_types": ["pdf", "png", "jpeg"],
//!  "w9_revisions": ["2024-03"],
//!  "requirements": [
//!    {"kind": "w9", "label": "Form W-9", "tax_countries": ["US"]},
//!    {"kind": "w8ben", "label": "Form W-8BEN", "not_tax_countries": ["US"],
//!     "supplier_classes": ["individual"]},
//!    {"kind": "insurance_certificate", "label": "Certificate of insurance",
//!     "insurance": {"min_limits": {"general_liability_each_occurrence": 1000000},
//!                   "endorsements": ["additional_insured"]}},
//!    {"kind": "iso9001", "supplier_classes": ["direct_material"]},
//!    {"kind": "code_of_conduct", "validity_days": 365, "supplier_classes": ["direct_material"]}]}
//! ```
//! A requirement applies when every condition it names holds (`tax_countries`,
//! `not_tax_countries`, `supplier_classes`, `not_supplier_classes`; compared without case).

use serde::{Deserialize, Serialize};

/// The whole matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// Its version (raise it with every change).
    pub version: u32,
    /// The largest file accepted.
    #[serde(default = "default_max_bytes")]
    pub max_file_bytes: u64,
    /// File types accepted, by magic bytes: `pdf`, `png`, `jpeg`, `tiff`.
    #[serde(default = "default_file_types")]
    pub file_types: Vec<String>,
    /// The W-9 form revisions accepted (`2024-03` is "Rev. March 2024").
    #[serde(default)]
    pub w9_revisions: Vec<String>,
    /// The requirements.
    pub requirements: Vec<Requirement>,
}

fn default_max_bytes() -> u64 {
    10 * 1024 * 1024
}

fn default_file_types() -> Vec<String> {
    vec!["pdf".into(), "png".into(), "jpeg".into()]
}

/// One required kind of document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The TG item kind (`w9`, `w8ben`, `w8ben_e`, `insurance_certificate`, `iso9001`,
    /// `code_of_conduct`, `bank_letter`, …).
    pub kind: String,
    /// What the supplier reads.
    #[serde(default)]
    pub label: String,
    /// Only for these tax countries.
    #[serde(default)]
    pub tax_countries: Vec<String>,
    /// Not for these tax countries.
    #[serde(default)]
    pub not_tax_countries: Vec<String>,
    /// Only for these supplier classes.
    #[serde(default)]
    pub supplier_classes: Vec<String>,
    /// Not for these supplier classes.
    #[serde(default)]
    pub not_supplier_classes: Vec<String>,
    /// For dated evidence without its own rule: valid this many days from `valid from`
    /// when the submission gives no `valid until`.
    #[serde(default)]
    pub validity_days: Option<u32>,
    /// Insurance minimums.
    #[serde(default)]
    pub insurance: Option<InsuranceRule>,
}

/// What an insurance certificate must show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsuranceRule {
    /// Field name → minimum amount (USD).
    #[serde(default)]
    pub min_limits: std::collections::BTreeMap<String, u64>,
    /// Endorsements that must be listed.
    #[serde(default)]
    pub endorsements: Vec<String>,
}

fn listed(list: &[String], value: &str) -> bool {
    list.iter()
        .any(|v| v.trim().eq_ignore_ascii_case(value.trim()))
}

impl Requirement {
    /// Whether it applies to a supplier of `class` taxed in `country`.
    pub fn applies(&self, class: &str, country: &str) -> bool {
        (self.tax_countries.is_empty() || listed(&self.tax_countries, country))
            && !listed(&self.not_tax_countries, country)
            && (self.supplier_classes.is_empty() || listed(&self.supplier_classes, class))
            && !listed(&self.not_supplier_classes, class)
    }

    /// The label, or the kind.
    pub fn title(&self) -> &str {
        if self.label.is_empty() {
            &self.kind
        } else {
            &self.label
        }
    }
}

/// Whether a kind is a tax form (invalidated by a change of legal name, tax id or country).
pub fn is_tax_form(kind: &str) -> bool {
    matches!(kind, "w9" | "w8ben" | "w8ben_e")
}

impl Matrix {
    /// The matrix filed when xECM has none (version 1).
    pub fn builtin() -> Self {
        serde_json::from_str(BUILTIN).expect("the built-in matrix reads")
    }

    /// Reads a matrix document, naming what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let matrix: Self = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if matrix.version == 0 {
            return Err("`version` must be 1 or more".into());
        }
        let mut kinds = std::collections::BTreeSet::new();
        for (i, r) in matrix.requirements.iter().enumerate() {
            if r.kind.trim().is_empty() {
                return Err(format!("`requirements[{i}].kind` is empty"));
            }
            if !kinds.insert(r.kind.as_str()) {
                return Err(format!(
                    "`requirements[{i}].kind` `{}` is listed twice",
                    r.kind
                ));
            }
        }
        Ok(matrix)
    }

    /// The requirements that apply to a supplier, in matrix order.
    pub fn required_for(&self, class: &str, country: &str) -> Vec<&Requirement> {
        self.requirements
            .iter()
            .filter(|r| r.applies(class, country))
            .collect()
    }

    /// One requirement by kind.
    pub fn requirement(&self, kind: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.kind == kind)
    }

    /// The file name it is kept under.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

const BUILTIN: &str = r#"{
  "version": 1,
  "max_file_bytes": 10485760,
  "file_types": ["pdf", "png", "jpeg"],
  "w9_revisions": ["2024-03"],
  "requirements": [
    {"kind": "w9", "label": "Form W-9 (Request for Taxpayer Identification Number)", "tax_countries": ["US"]},
    {"kind": "w8ben", "label": "Form W-8BEN (individual)", "not_tax_countries": ["US"], "supplier_classes": ["individual"]},
    {"kind": "w8ben_e", "label": "Form W-8BEN-E (entity)", "not_tax_countries": ["US"], "not_supplier_classes": ["individual"]},
    {"kind": "insurance_certificate", "label": "Certificate of insurance (general liability)",
     "insurance": {"min_limits": {"general_liability_each_occurrence": 1000000, "general_liability_aggregate": 2000000},
                   "endorsements": ["additional_insured", "waiver_of_subrogation"]}},
    {"kind": "iso9001", "label": "ISO 9001 certificate", "supplier_classes": ["direct_material"]},
    {"kind": "code_of_conduct", "label": "Supplier code of conduct attestation (annual)", "validity_days": 365, "supplier_classes": ["direct_material", "indirect_material"]},
    {"kind": "bank_letter", "label": "Bank confirmation letter", "supplier_classes": ["direct_material", "indirect_material"]}
  ]
}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_us_services_supplier_needs_a_w9_and_insurance() {
        let m = Matrix::builtin();
        let kinds: Vec<_> = m
            .required_for("services", "US")
            .iter()
            .map(|r| r.kind.as_str())
            .collect();
        assert_eq!(kinds, ["w9", "insurance_certificate"]);
    }

    #[test]
    fn a_foreign_entity_needs_a_w8ben_e_and_a_foreign_individual_a_w8ben() {
        let m = Matrix::builtin();
        let entity: Vec<_> = m
            .required_for("direct_material", "de")
            .iter()
            .map(|r| r.kind.as_str())
            .collect();
        assert_eq!(
            entity,
            [
                "w8ben_e",
                "insurance_certificate",
                "iso9001",
                "code_of_conduct",
                "bank_letter"
            ]
        );
        let person: Vec<_> = m
            .required_for("individual", "SE")
            .iter()
            .map(|r| r.kind.as_str())
            .collect();
        assert_eq!(person, ["w8ben", "insurance_certificate"]);
    }

    #[test]
    fn a_matrix_naming_a_kind_twice_is_refused() {
        let text = r#"{"version":2,"requirements":[{"kind":"w9"},{"kind":"w9"}]}"#;
        assert!(
            Matrix::parse(text.as_bytes())
                .unwrap_err()
                .contains("requirements[1].kind")
        );
        assert!(Matrix::parse(br#"{"version":0,"requirements":[]}"#).is_err());
    }
}
