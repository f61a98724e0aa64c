//! Configuration keyed by partner: a JSON object whose keys are a Trading Grid partner id
//! (`prt_acme`) or an EDI address (`ACMESUPPLY`, `ZZ:ACMESUPPLY`), compared without case —
//! `ZZ:ACMESUPPLY` also matches an entry `ACMESUPPLY` and the other way round, but never an
//! entry under another qualifier (`01:ACMESUPPLY` is another partner's address) — or `*` for
//! every partner not named. Shared by `AUTO_ACCEPT_TOLERANCES` ([`crate::tolerance`]) and
//! `RESPONSE_DUE_HOURS_BY_TYPE` ([`crate::due`]).

use std::collections::BTreeMap;

use serde_json::Value;

/// Each partner's entry, and the `*` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByPartner<T> {
    default: Option<T>,
    partners: BTreeMap<String, T>,
}

impl<T> Default for ByPartner<T> {
    fn default() -> Self {
        Self {
            default: None,
            partners: BTreeMap::new(),
        }
    }
}

fn normal(key: &str) -> String {
    key.trim().to_ascii_uppercase()
}

/// Whether an entry's key and a partner's name are the same address: equal, or one of them
/// unqualified and equal to the other's id. Two qualified addresses must be equal whole.
fn same_address(key: &str, name: &str) -> bool {
    match (key.split_once(':'), name.split_once(':')) {
        (Some(_), Some(_)) | (None, None) => key == name,
        (Some((_, id)), None) => id == name,
        (None, Some((_, id))) => key == id,
    }
}

impl<T> ByPartner<T> {
    /// Reads the object, each entry through `entry` (whose error is prefixed with the
    /// entry's key); the error says what is wrong.
    pub fn parse(
        json: &str,
        mut entry: impl FnMut(Value) -> Result<T, String>,
    ) -> Result<Self, String> {
        let raw: BTreeMap<String, Value> =
            serde_json::from_str(json).map_err(|e| format!("not a JSON object: {e}"))?;
        let mut by = Self::default();
        for (key, value) in raw {
            let value = entry(value).map_err(|e| format!("{key:?}: {e}"))?;
            if key.trim() == "*" {
                by.default = Some(value);
            } else {
                by.partners.insert(normal(&key), value);
            }
        }
        Ok(by)
    }

    /// The `*` entry.
    pub fn default_entry(&self) -> Option<&T> {
        self.default.as_ref()
    }

    /// Whether no partner is named (the `*` entry aside).
    pub fn names_none(&self) -> bool {
        self.partners.is_empty()
    }

    /// The entry of a partner known by any of `names` (partner id, EDI address with or
    /// without qualifier), the first name that has one.
    pub fn named(&self, names: &[&str]) -> Option<&T> {
        names.iter().find_map(|name| {
            let name = normal(name);
            self.partners.get(&name).or_else(|| {
                self.partners
                    .iter()
                    .find_map(|(key, value)| same_address(key, &name).then_some(value))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partners_are_found_by_id_or_address_with_or_without_qualifier() {
        let by = ByPartner::parse(
            r#"{"*": 1, "ZZ:ACMESUPPLY": 2, "prt_globex": 3, "NORDFAST": 4}"#,
            |v| v.as_u64().ok_or_else(|| "a number".to_owned()),
        )
        .expect("valid");
        assert_eq!(by.default_entry(), Some(&1));
        assert_eq!(by.named(&["prt_acme", "ACMESUPPLY"]), Some(&2));
        assert_eq!(by.named(&["acmesupply"]), Some(&2));
        assert_eq!(by.named(&["PRT_GLOBEX"]), Some(&3));
        assert_eq!(by.named(&["ZZ:NORDFAST"]), Some(&4));
        assert_eq!(by.named(&["prt_other", "ZZ:OTHER"]), None);
        // Another qualifier is another partner's address.
        assert_eq!(by.named(&["01:ACMESUPPLY"]), None);
        assert_eq!(by.named(&["prt_x", "14:ACMESUPPLY"]), None);
        assert_eq!(by.named(&["01:NORDFAST"]), Some(&4));
        let error = ByPartner::parse(r#"{"ACME": "x"}"#, |v| {
            v.as_u64().ok_or_else(|| "a number".to_owned())
        })
        .expect_err("refused");
        assert_eq!(error, "\"ACME\": a number");
        assert!(ByPartner::parse("[]", Ok).is_err());
    }
}
