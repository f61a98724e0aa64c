//! Category attributes by name, through the category definition.
//!
//! Content Server addresses attributes by keys (`{cat}_{attr}`, `{cat}_{set}_{row}_{attr}`);
//! use cases speak of names ("PO Number", row 2 of "Lines"). The definition — read from the
//! `metadata` of `GET /api/v2/nodes/{id}/categories/{cat}?metadata` — maps one to the other.
//!
//! # Format
//! ```text
//! metadata.categories (or metadata itself, in older answers; `GET /api/v2/nodes/{id}
//! ?fields=categories&metadata` nests it per category, as an object or a list):
//!   "9100"        {"name":"Purchase Order","type":-18,"persona":"category"}
//!   "9100_2"      {"name":"PO Number","type":-1,"multi_value":false,…}
//!   "9100_8"      {"name":"Lines","type":-18,"persona":"set","multi_value_length_max":99}
//!   "9100_8_x_10" {"name":"Material","type":-1}          (x stands for the row)
//! types: -1 text, 2 integer, -7 date, 5 boolean, 14 user, -18 set
//! ```

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::error::XecmError;
use crate::ids::CategoryId;

/// What kind of values an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKind {
    /// Text (`-1`).
    Text,
    /// Integer (`2`).
    Integer,
    /// Date (`-7`).
    Date,
    /// Boolean (`5`).
    Boolean,
    /// User id (`14`).
    User,
    /// A set of rows (`-18`).
    Set,
    /// Any other type code; values pass through as text.
    Other(i64),
}

impl AttributeKind {
    fn from_code(code: i64, persona: &str) -> Self {
        match (code, persona) {
            (-18, _) => Self::Set,
            (-1, "user") | (14 | 19, _) => Self::User,
            (-1, _) => Self::Text,
            (2, _) => Self::Integer,
            (-7, _) => Self::Date,
            (5, _) => Self::Boolean,
            (other, _) => Self::Other(other),
        }
    }
}

/// One attribute of a category definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDefinition {
    /// Attribute id within the category.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Value kind.
    pub kind: AttributeKind,
    /// Whether it holds a list.
    pub multi_value: bool,
    /// The columns of a set.
    pub columns: Vec<AttributeDefinition>,
}

/// A category definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryDefinition {
    /// Category id.
    pub id: CategoryId,
    /// Category name.
    pub name: String,
    /// Attributes in definition order.
    pub attributes: Vec<AttributeDefinition>,
}

/// One attribute value, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// No value.
    Empty,
    /// Text.
    Text(String),
    /// Integer.
    Integer(i64),
    /// Boolean.
    Boolean(bool),
    /// Date and time as Content Server keeps it (no zone).
    Date(PrimitiveDateTime),
    /// A user id.
    User(i64),
    /// The values of a multi-value attribute.
    Multi(Vec<AttributeValue>),
    /// The rows of a set, each by column name.
    Rows(Vec<NamedAttributes>),
}

/// Attribute values by attribute name.
pub type NamedAttributes = BTreeMap<String, AttributeValue>;

impl From<&str> for AttributeValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}
impl From<String> for AttributeValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}
impl From<i64> for AttributeValue {
    fn from(number: i64) -> Self {
        Self::Integer(number)
    }
}
impl From<bool> for AttributeValue {
    fn from(flag: bool) -> Self {
        Self::Boolean(flag)
    }
}
impl From<time::Date> for AttributeValue {
    fn from(date: time::Date) -> Self {
        Self::Date(date.midnight())
    }
}

const DATE_TIME: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

impl CategoryDefinition {
    /// Reads a definition from a category's `metadata` block.
    pub fn from_metadata(id: CategoryId, metadata: &Value) -> Result<Self, XecmError> {
        let own_key = id.to_string();
        let holds_category = |entries: &Map<String, Value>| entries.contains_key(&own_key);
        let entries = match metadata.get("categories") {
            Some(Value::Array(per_category)) => per_category
                .iter()
                .filter_map(Value::as_object)
                .find(|entries| holds_category(entries)),
            Some(Value::Object(entries)) => match entries.get(&own_key) {
                Some(Value::Object(nested)) if holds_category(nested) => Some(nested),
                _ => Some(entries),
            },
            _ => metadata.as_object(),
        };
        let entries = entries
            .ok_or_else(|| XecmError::Invalid(format!("category {id} came without metadata")))?;
        let prefix = format!("{id}_");
        let name = entries
            .get(&id.to_string())
            .and_then(|e| e.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut attributes: Vec<AttributeDefinition> = Vec::new();
        let mut columns: Vec<(i64, AttributeDefinition)> = Vec::new();
        for (key, entry) in entries {
            let Some(rest) = key.strip_prefix(&prefix) else {
                continue;
            };
            let parts: Vec<&str> = rest.split('_').collect();
            let attribute = |attr_id: &str| -> Option<AttributeDefinition> {
                let code = entry.get("type").and_then(Value::as_i64)?;
                let persona = entry.get("persona").and_then(Value::as_str).unwrap_or("");
                let kind = AttributeKind::from_code(code, persona);
                Some(AttributeDefinition {
                    id: attr_id.parse().ok()?,
                    name: entry.get("name").and_then(Value::as_str)?.to_owned(),
                    kind,
                    multi_value: kind != AttributeKind::Set
                        && entry
                            .get("multi_value")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    columns: Vec::new(),
                })
            };
            match parts.as_slice() {
                [attr] => attributes.extend(attribute(attr)),
                [set, "x", attr] => {
                    if let (Ok(set), Some(column)) = (set.parse::<i64>(), attribute(attr)) {
                        columns.push((set, column));
                    }
                }
                _ => {}
            }
        }
        for (set, column) in columns {
            if let Some(owner) = attributes.iter_mut().find(|a| a.id == set) {
                owner.columns.push(column);
            }
        }
        attributes.sort_by_key(|a| a.id);
        for attribute in &mut attributes {
            attribute.columns.sort_by_key(|c| c.id);
        }
        if attributes.is_empty() {
            return Err(XecmError::Invalid(format!(
                "the metadata of category {id} lists no attributes"
            )));
        }
        Ok(Self {
            id,
            name,
            attributes,
        })
    }

    /// The attribute with this name (case-insensitive).
    pub fn attribute(&self, name: &str) -> Result<&AttributeDefinition, XecmError> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                XecmError::Invalid(format!(
                    "category '{}' ({}) has no attribute '{name}'",
                    self.name, self.id
                ))
            })
    }

    /// The key of a plain attribute: `{cat}_{attr}`.
    pub fn key(&self, attribute: &AttributeDefinition) -> String {
        format!("{}_{}", self.id, attribute.id)
    }

    /// Keys and JSON values to send for `values`. Sets replace their rows: rows beyond the
    /// new count (up to `current_rows`) are removed with `{cat}_{set}_{row}=""`.
    pub fn encode(
        &self,
        values: &NamedAttributes,
        current_rows: impl Fn(&AttributeDefinition) -> u32,
    ) -> Result<Map<String, Value>, XecmError> {
        let mut keys = Map::new();
        for (name, value) in values {
            let attribute = self.attribute(name)?;
            if attribute.kind != AttributeKind::Set {
                keys.insert(self.key(attribute), encode_value(self, attribute, value)?);
                continue;
            }
            let AttributeValue::Rows(rows) = value else {
                return Err(XecmError::Invalid(format!(
                    "'{name}' is a set; give it rows"
                )));
            };
            for (index, row) in rows.iter().enumerate() {
                for (column_name, value) in row {
                    let column = attribute
                        .columns
                        .iter()
                        .find(|c| c.name.eq_ignore_ascii_case(column_name))
                        .ok_or_else(|| {
                            XecmError::Invalid(format!(
                                "set '{name}' has no attribute '{column_name}'"
                            ))
                        })?;
                    let key = format!("{}_{}_{}_{}", self.id, attribute.id, index + 1, column.id);
                    keys.insert(key, encode_value(self, column, value)?);
                }
            }
            let new_rows = u32::try_from(rows.len()).unwrap_or(u32::MAX);
            for row in new_rows + 1..=current_rows(attribute) {
                keys.insert(
                    format!("{}_{}_{row}", self.id, attribute.id),
                    Value::String(String::new()),
                );
            }
        }
        Ok(keys)
    }

    /// Values by name from a category's `data.categories` block.
    pub fn decode(&self, data: &Map<String, Value>) -> NamedAttributes {
        let mut named = NamedAttributes::new();
        for attribute in &self.attributes {
            if attribute.kind == AttributeKind::Set {
                let rows = self.rows(attribute, data);
                let decoded = (1..=rows)
                    .map(|row| {
                        attribute
                            .columns
                            .iter()
                            .map(|column| {
                                let key =
                                    format!("{}_{}_{row}_{}", self.id, attribute.id, column.id);
                                (column.name.clone(), decode_value(column, data.get(&key)))
                            })
                            .collect()
                    })
                    .collect();
                named.insert(attribute.name.clone(), AttributeValue::Rows(decoded));
            } else {
                named.insert(
                    attribute.name.clone(),
                    decode_value(attribute, data.get(&self.key(attribute))),
                );
            }
        }
        named
    }

    /// Rows a set has in `data`.
    pub fn rows(&self, set: &AttributeDefinition, data: &Map<String, Value>) -> u32 {
        let prefix = format!("{}_{}_", self.id, set.id);
        data.keys()
            .filter_map(|key| {
                key.strip_prefix(&prefix)?
                    .split('_')
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
            .max()
            .unwrap_or(0)
    }
}

fn encode_value(
    def: &CategoryDefinition,
    attribute: &AttributeDefinition,
    value: &AttributeValue,
) -> Result<Value, XecmError> {
    let scalar = |value: &AttributeValue| -> Result<Value, XecmError> {
        Ok(match value {
            AttributeValue::Empty => Value::Null,
            AttributeValue::Text(text) => Value::String(text.clone()),
            AttributeValue::Integer(n) | AttributeValue::User(n) => json!(n),
            AttributeValue::Boolean(flag) => json!(flag),
            AttributeValue::Date(at) => Value::String(
                at.format(DATE_TIME)
                    .map_err(|e| XecmError::Invalid(e.to_string()))?,
            ),
            AttributeValue::Multi(_) | AttributeValue::Rows(_) => {
                return Err(XecmError::Invalid(format!(
                    "'{}' of category '{}' takes a single value",
                    attribute.name, def.name
                )));
            }
        })
    };
    if attribute.multi_value {
        return match value {
            AttributeValue::Multi(items) => items
                .iter()
                .map(scalar)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            AttributeValue::Empty => Ok(Value::Array(Vec::new())),
            single => Ok(Value::Array(vec![scalar(single)?])),
        };
    }
    scalar(value)
}

fn decode_value(attribute: &AttributeDefinition, value: Option<&Value>) -> AttributeValue {
    let scalar = |value: &Value| -> AttributeValue {
        match (attribute.kind, value) {
            (_, Value::Null) => AttributeValue::Empty,
            (_, Value::String(s)) if s.is_empty() => AttributeValue::Empty,
            (AttributeKind::Integer, v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .map_or_else(
                    || AttributeValue::Text(v.to_string()),
                    AttributeValue::Integer,
                ),
            (AttributeKind::User, v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .map_or_else(|| AttributeValue::Text(v.to_string()), AttributeValue::User),
            (AttributeKind::Boolean, Value::Bool(flag)) => AttributeValue::Boolean(*flag),
            (AttributeKind::Date, Value::String(s)) => crate::model::parse_date(s).map_or_else(
                || AttributeValue::Text(s.clone()),
                |at| AttributeValue::Date(PrimitiveDateTime::new(at.date(), at.time())),
            ),
            (_, Value::String(s)) => AttributeValue::Text(s.clone()),
            (_, other) => AttributeValue::Text(other.to_string()),
        }
    };
    match (attribute.multi_value, value) {
        (true, Some(Value::Array(items))) => AttributeValue::Multi(
            items
                .iter()
                .map(scalar)
                .filter(|v| *v != AttributeValue::Empty)
                .collect(),
        ),
        (true, None | Some(Value::Null)) => AttributeValue::Multi(Vec::new()),
        (true, Some(single)) => AttributeValue::Multi(vec![scalar(single)]),
        (false, Some(Value::Array(items))) => items.first().map_or(AttributeValue::Empty, scalar),
        (false, Some(value)) => scalar(value),
        (false, None) => AttributeValue::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> CategoryDefinition {
        let metadata = json!({"categories": {
            "9100": {"name": "Purchase Order", "type": -18, "persona": "category"},
            "9100_2": {"name": "PO Number", "type": -1, "multi_value": false},
            "9100_7": {"name": "Tags", "type": -1, "multi_value": true},
            "9100_8": {"name": "Lines", "type": -18, "persona": "set", "multi_value": true},
            "9100_8_x_10": {"name": "Material", "type": -1},
            "9100_8_x_11": {"name": "Quantity", "type": 2}
        }});
        CategoryDefinition::from_metadata(CategoryId::new(9100).unwrap(), &metadata).unwrap()
    }

    #[test]
    fn a_definition_is_read_with_its_sets_and_their_columns() {
        let def = definition();
        assert_eq!(def.name, "Purchase Order");
        let lines = def.attribute("lines").unwrap();
        assert_eq!(lines.kind, AttributeKind::Set);
        assert_eq!(
            lines
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["Material", "Quantity"]
        );
        assert!(def.attribute("Tags").unwrap().multi_value);
    }

    #[test]
    fn values_by_name_become_keys_and_shrinking_sets_remove_rows() {
        let def = definition();
        let mut values = NamedAttributes::new();
        values.insert("PO Number".into(), "4500001234".into());
        values.insert(
            "Tags".into(),
            AttributeValue::Multi(vec!["a".into(), "b".into()]),
        );
        values.insert(
            "Lines".into(),
            AttributeValue::Rows(vec![
                [
                    ("Material".to_owned(), "M-1".into()),
                    ("Quantity".to_owned(), 5.into()),
                ]
                .into(),
            ]),
        );
        let keys = def.encode(&values, |_| 3).unwrap();
        assert_eq!(keys["9100_2"], json!("4500001234"));
        assert_eq!(keys["9100_7"], json!(["a", "b"]));
        assert_eq!(keys["9100_8_1_10"], json!("M-1"));
        assert_eq!(keys["9100_8_1_11"], json!(5));
        assert_eq!(keys["9100_8_2"], json!(""));
        assert_eq!(keys["9100_8_3"], json!(""));
    }

    #[test]
    fn definitions_nested_per_category_are_read_like_flat_ones() {
        let flat = definition();
        let nested = json!({"categories": {"9100": {
            "9100": {"name": "Purchase Order", "type": -18, "persona": "category"},
            "9100_2": {"name": "PO Number", "type": -1, "multi_value": false},
            "9100_7": {"name": "Tags", "type": -1, "multi_value": true},
            "9100_8": {"name": "Lines", "type": -18, "persona": "set", "multi_value": true},
            "9100_8_x_10": {"name": "Material", "type": -1},
            "9100_8_x_11": {"name": "Quantity", "type": 2}
        }}});
        let id = CategoryId::new(9100).unwrap();
        assert_eq!(
            CategoryDefinition::from_metadata(id, &nested).unwrap(),
            flat
        );
        let listed = json!({"categories": [nested["categories"]["9100"].clone()]});
        assert_eq!(
            CategoryDefinition::from_metadata(id, &listed).unwrap(),
            flat
        );
    }

    #[test]
    fn an_unknown_attribute_name_is_named_in_the_error() {
        let mut values = NamedAttributes::new();
        values.insert("Colour".into(), "red".into());
        let error = definition().encode(&values, |_| 0).unwrap_err();
        assert!(error.to_string().contains("'Colour'"), "{error}");
    }
}
