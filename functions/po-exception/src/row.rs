//! One row of the order workspace's `PO Exception` set, read and checked.
//!
//! # Format
//! Columns (by name): `Exception ID` (text, the business identity within the order),
//! `Type` (`price | quantity | date | missing_confirmation | unconfirmed_change | other`;
//! spaces, dashes and case are forgiven), `Line` (positive integer; empty only for type
//! `other`, an exception about the whole order, kept as line 0), `Expected`, `Actual` (text),
//! `Owner` (user), `Response Due` (date), `Evidence` (multi-value text: workspace paths of
//! documents or folders to attach, see [`crate::evidence`]), `Status` (the projection
//! gridlink writes, and the
//! buyer's decision: see [`crate::machine::Decision`]), `Resolution` (text), `TG Thread ID`
//! (written by gridlink).
//!
//! The row's **revision** is the SHA-256 of what the buyer or ERP states about the exception
//! (type, line, expected, actual, response due, evidence when any): a change to any of them
//! republishes the
//! exception once; gridlink's own columns (`Status`, `TG Thread ID`) never count.

use gridlink_xecm::{AttributeValue, NamedAttributes};
use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;

/// The types an exception may have.
pub const TYPES: &[&str] = &[
    "price",
    "quantity",
    "date",
    "missing_confirmation",
    "unconfirmed_change",
    "other",
];

/// What the supplier may answer with (`structured.response`).
pub const RESPONSES: &[&str] = &[
    "explain",
    "corrected_document",
    "revised_confirmation",
    "change_request",
    "dispute",
];

/// A row that names a valid exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    /// `Exception ID`.
    pub exception_id: String,
    /// `Type` (normalised).
    pub kind: String,
    /// `Line` (0: the whole order, type `other` only).
    pub line: i64,
    /// `Expected`.
    pub expected: String,
    /// `Actual`.
    pub actual: String,
    /// `Owner` (xECM user id), when set.
    pub owner: Option<i64>,
    /// `Response Due` (`YYYY-MM-DDTHH:MM:SS`, xECM keeps no zone; read as UTC), when set.
    pub response_due: Option<String>,
    /// `Evidence`: the workspace paths the buyer selected (see [`crate::evidence`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The revision (see the module docs).
    pub revision: String,
}

/// A row as read: valid, or parked with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A valid exception.
    Valid(ExceptionRow),
    /// An exception that cannot be published as it stands.
    Invalid {
        /// Its id, when it has one.
        exception_id: Option<String>,
        /// Why (names the column).
        reason: String,
    },
    /// An empty row (no column set): not an exception.
    Empty,
}

/// Everything the set row says, with the row's index (0-based) in the set.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// Index in the set.
    pub index: usize,
    /// The row's values by column.
    pub values: NamedAttributes,
}

pub(crate) fn text(values: &NamedAttributes, name: &str) -> Option<String> {
    match values.get(name) {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        Some(AttributeValue::Integer(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn date(values: &NamedAttributes, name: &str) -> Option<PrimitiveDateTime> {
    match values.get(name) {
        Some(AttributeValue::Date(d)) => Some(*d),
        _ => None,
    }
}

/// The normalised type, if it is one of [`TYPES`].
pub fn normalise_type(raw: &str) -> Option<String> {
    let wanted: String = raw
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    TYPES
        .iter()
        .find(|t| **t == wanted)
        .map(|t| (*t).to_owned())
}

fn is_empty(values: &NamedAttributes) -> bool {
    values.values().all(|v| match v {
        AttributeValue::Empty => true,
        AttributeValue::Text(t) => t.trim().is_empty(),
        _ => false,
    })
}

/// Reads one row.
pub fn read(values: &NamedAttributes) -> Row {
    if is_empty(values) {
        return Row::Empty;
    }
    let Some(exception_id) = text(values, "Exception ID") else {
        return Row::Invalid {
            exception_id: None,
            reason: "`Exception ID` is empty".into(),
        };
    };
    let invalid = |reason: String| Row::Invalid {
        exception_id: Some(exception_id.clone()),
        reason,
    };
    let Some(raw_type) = text(values, "Type") else {
        return invalid("`Type` is empty".into());
    };
    let Some(kind) = normalise_type(&raw_type) else {
        return invalid(format!(
            "`Type` {raw_type:?} is not one of {}",
            TYPES.join(", ")
        ));
    };
    let line = match values.get("Line") {
        Some(AttributeValue::Integer(n)) if *n > 0 => *n,
        Some(AttributeValue::Text(t)) if t.trim().parse::<i64>().is_ok_and(|n| n > 0) => {
            t.trim().parse().unwrap_or_default()
        }
        // An exception of type `other` may be about the whole order.
        None | Some(AttributeValue::Empty) if kind == "other" => 0,
        Some(AttributeValue::Text(t)) if kind == "other" && t.trim().is_empty() => 0,
        _ => return invalid("`Line` is empty or not a positive number".into()),
    };
    let expected = text(values, "Expected").unwrap_or_default();
    let actual = text(values, "Actual").unwrap_or_default();
    let owner = match values.get("Owner") {
        Some(AttributeValue::User(id) | AttributeValue::Integer(id)) => Some(*id),
        _ => None,
    };
    let response_due = date(values, "Response Due").map(|d| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute(),
            d.second()
        )
    });
    let stated = format!(
        "{kind}\u{1f}{line}\u{1f}{expected}\u{1f}{actual}\u{1f}{}",
        response_due.as_deref().unwrap_or("")
    );
    let evidence = crate::evidence::selected(values);
    let stated = if evidence.is_empty() {
        stated
    } else {
        format!("{stated}\u{1f}{}", evidence.join("\u{1e}"))
    };
    let revision = gridlink_flow::payload_hash(stated.as_bytes())[..16].to_owned();
    Row::Valid(ExceptionRow {
        exception_id,
        kind,
        line,
        expected,
        actual,
        owner,
        response_due,
        evidence,
        revision,
    })
}

/// The rows of the exception set, by index.
pub fn rows(values: &NamedAttributes, set: &str) -> Vec<RawRow> {
    match values.get(set) {
        Some(AttributeValue::Rows(rows)) => rows
            .iter()
            .enumerate()
            .map(|(index, values)| RawRow {
                index,
                values: values.clone(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A folder name for an exception id (no path separators or control characters).
pub fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, AttributeValue)]) -> NamedAttributes {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn a_complete_row_is_valid_and_its_revision_ignores_gridlinks_columns() {
        let base = [
            ("Exception ID", "EXC-1".into()),
            ("Type", "Price".into()),
            ("Line", AttributeValue::Integer(20)),
            ("Expected", "0.08".into()),
            ("Actual", "0.09".into()),
        ];
        let Row::Valid(a) = read(&row(&base)) else {
            panic!("valid")
        };
        assert_eq!(a.kind, "price");
        let mut with_status = row(&base);
        with_status.insert("Status".into(), "Awaiting Supplier".into());
        with_status.insert("TG Thread ID".into(), "thr_1".into());
        let Row::Valid(b) = read(&with_status) else {
            panic!("valid")
        };
        assert_eq!(a.revision, b.revision);
        let mut edited = row(&base);
        edited.insert("Actual".into(), "0.10".into());
        let Row::Valid(c) = read(&edited) else {
            panic!("valid")
        };
        assert_ne!(a.revision, c.revision);
    }

    #[test]
    fn a_row_without_line_or_type_names_the_column() {
        let no_line = row(&[("Exception ID", "EXC-2".into()), ("Type", "date".into())]);
        assert!(matches!(read(&no_line), Row::Invalid { reason, .. } if reason.contains("`Line`")));
        let no_type = row(&[
            ("Exception ID", "EXC-3".into()),
            ("Line", AttributeValue::Integer(10)),
        ]);
        assert!(matches!(read(&no_type), Row::Invalid { reason, .. } if reason.contains("`Type`")));
        let bad_type = row(&[
            ("Exception ID", "EXC-3".into()),
            ("Type", "colour".into()),
            ("Line", AttributeValue::Integer(10)),
        ]);
        assert!(
            matches!(read(&bad_type), Row::Invalid { reason, .. } if reason.contains("colour"))
        );
        assert_eq!(read(&row(&[("Status", "".into())])), Row::Empty);
    }
}
