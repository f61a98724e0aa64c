//! Category values: attribute keys, value checks, set rows, and the definition metadata.
//!
//! # Format
//! ```text
//! {cat}_1                    the category itself (metadata token; ignored on write)
//! {cat}_{attr}               a plain attribute: a value, or an array when multi-value
//! {cat}_{set}_{row}_{attr}   an attribute in row `row` (1-based) of a set
//! {cat}_{set}_{row} = ""     on write: removes that row (later rows move up)
//! {cat}_{set}_x_{attr}       in the metadata: a set attribute, `x` standing for the row
//! ```

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::macros::format_description;

use crate::envelope::ApiError;
use crate::model::{AttributeDef, AttributeKind, CategoryDef};

/// Stored values of one applied category, by flat key.
pub type Values = BTreeMap<String, Value>;

/// The values a freshly applied category starts with: empty, with each set's default rows.
pub fn initial_values(def: &CategoryDef) -> Values {
    let mut values = Values::new();
    for attr in &def.attributes {
        if attr.kind == AttributeKind::Set {
            for row in 1..=attr.rows {
                insert_empty_row(&mut values, def.id, attr, row);
            }
        } else {
            values.insert(format!("{}_{}", def.id, attr.id), empty(attr));
        }
    }
    values
}

fn empty(attr: &AttributeDef) -> Value {
    if attr.multi_value {
        Value::Array(Vec::new())
    } else {
        Value::Null
    }
}

fn insert_empty_row(values: &mut Values, cat: i64, set: &AttributeDef, row: u32) {
    for column in &set.attributes {
        values.insert(
            format!("{cat}_{}_{row}_{}", set.id, column.id),
            empty(column),
        );
    }
}

/// Rows a set currently has.
pub fn row_count(values: &Values, cat: i64, set: &AttributeDef) -> u32 {
    let prefix = format!("{cat}_{}_", set.id);
    values
        .keys()
        .filter_map(|key| key.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('_').next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
}

/// Applies the `{cat}_…` keys of a request to the stored values. Keys of other categories
/// and fields that are not attribute keys are left alone.
pub fn apply_updates(
    def: &CategoryDef,
    values: &mut Values,
    input: &Map<String, Value>,
) -> Result<bool, ApiError> {
    let prefix = format!("{}_", def.id);
    let mut changed = false;
    let mut removals: Vec<(i64, u32)> = Vec::new();
    for (key, value) in input {
        let Some(rest) = key.strip_prefix(&prefix) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('_').collect();
        let numbers: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok()).collect();
        let Some(numbers) = numbers else {
            return Err(unknown_key(def, key));
        };
        match numbers.as_slice() {
            [1] => {}
            [attr_id] => {
                let attr =
                    attribute(&def.attributes, *attr_id).ok_or_else(|| unknown_key(def, key))?;
                if attr.kind == AttributeKind::Set {
                    return Err(ApiError::invalid(format!(
                        "'{key}' is the set '{}'; write its rows as {key}_<row>_<attribute>",
                        attr.name
                    )));
                }
                values.insert(key.clone(), coerce(attr, key, value)?);
                changed = true;
            }
            [set_id, row] => {
                let set = set_named(def, *set_id).ok_or_else(|| unknown_key(def, key))?;
                if !is_blank(value) {
                    return Err(ApiError::invalid(format!(
                        "'{key}' removes a row of set '{}' and takes an empty value",
                        set.name
                    )));
                }
                let row = row_number(*row, set, key)?;
                removals.push((set.id, row));
            }
            [set_id, row, attr_id] => {
                let set = set_named(def, *set_id).ok_or_else(|| unknown_key(def, key))?;
                let row = row_number(*row, set, key)?;
                let attr =
                    attribute(&set.attributes, *attr_id).ok_or_else(|| unknown_key(def, key))?;
                let present = row_count(values, def.id, set);
                for missing in present + 1..=row {
                    insert_empty_row(values, def.id, set, missing);
                }
                values.insert(key.clone(), coerce(attr, key, value)?);
                changed = true;
            }
            _ => return Err(unknown_key(def, key)),
        }
    }
    removals.sort_by_key(|removal| std::cmp::Reverse(removal.1));
    for (set_id, row) in removals {
        if let Some(set) = set_named(def, set_id) {
            remove_row(values, def.id, set, row);
            changed = true;
        }
    }
    Ok(changed)
}

fn remove_row(values: &mut Values, cat: i64, set: &AttributeDef, row: u32) {
    let rows = row_count(values, cat, set);
    if row > rows {
        return;
    }
    for current in row..rows {
        for column in &set.attributes {
            let next = values
                .get(&format!("{cat}_{}_{}_{}", set.id, current + 1, column.id))
                .cloned()
                .unwrap_or(Value::Null);
            values.insert(format!("{cat}_{}_{current}_{}", set.id, column.id), next);
        }
    }
    for column in &set.attributes {
        values.remove(&format!("{cat}_{}_{rows}_{}", set.id, column.id));
    }
}

fn attribute(attributes: &[AttributeDef], id: i64) -> Option<&AttributeDef> {
    attributes.iter().find(|attr| attr.id == id)
}

fn set_named(def: &CategoryDef, id: i64) -> Option<&AttributeDef> {
    attribute(&def.attributes, id).filter(|attr| attr.kind == AttributeKind::Set)
}

fn row_number(row: i64, set: &AttributeDef, key: &str) -> Result<u32, ApiError> {
    u32::try_from(row)
        .ok()
        .filter(|row| (1..=set.max_rows).contains(row))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "'{key}': set '{}' has rows 1 to {}, not {row}",
                set.name, set.max_rows
            ))
        })
}

fn unknown_key(def: &CategoryDef, key: &str) -> ApiError {
    ApiError::invalid(format!(
        "'{key}' is not an attribute of category {} ({})",
        def.id, def.name
    ))
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn coerce(attr: &AttributeDef, key: &str, value: &Value) -> Result<Value, ApiError> {
    if attr.multi_value {
        let items: Vec<Value> = match value {
            Value::Array(items) => items.clone(),
            other if is_blank(other) => Vec::new(),
            other => vec![other.clone()],
        };
        if items.len() > attr.max_values as usize {
            return Err(bad_value(
                attr,
                key,
                &format!("at most {} values", attr.max_values),
            ));
        }
        let values: Result<Vec<Value>, ApiError> = items
            .iter()
            .map(|item| coerce_single(attr, key, item))
            .collect();
        return Ok(Value::Array(values?));
    }
    match value {
        Value::Array(items) if items.len() <= 1 => {
            coerce_single(attr, key, items.first().unwrap_or(&Value::Null))
        }
        Value::Array(_) => Err(bad_value(
            attr,
            key,
            "a single value (it is not multi-value)",
        )),
        single => coerce_single(attr, key, single),
    }
}

fn coerce_single(attr: &AttributeDef, key: &str, value: &Value) -> Result<Value, ApiError> {
    if is_blank(value) {
        return Ok(Value::Null);
    }
    let coerced = match attr.kind {
        AttributeKind::String => match value {
            Value::String(s) => Some(Value::String(s.clone())),
            Value::Number(n) => Some(Value::String(n.to_string())),
            Value::Bool(b) => Some(Value::String(b.to_string())),
            _ => None,
        }
        .filter(|text| {
            let length = text.as_str().map_or(0, |s| s.chars().count());
            attr.max_length.is_none_or(|max| length <= max as usize)
        }),
        AttributeKind::Integer | AttributeKind::User => match value {
            Value::Number(n) if n.is_i64() => Some(value.clone()),
            Value::String(s) => s.trim().parse::<i64>().ok().map(|n| json!(n)),
            _ => None,
        },
        AttributeKind::Boolean => match value {
            Value::Bool(_) => Some(value.clone()),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(Value::Bool(true)),
                "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            Value::Number(n) => n.as_i64().map(|n| Value::Bool(n != 0)),
            _ => None,
        },
        AttributeKind::Date => value.as_str().and_then(normalise_date).map(Value::String),
        AttributeKind::Set => None,
    };
    coerced.ok_or_else(|| {
        let expected = match attr.kind {
            AttributeKind::String => match attr.max_length {
                Some(max) => format!("text of at most {max} characters"),
                None => "text".to_owned(),
            },
            AttributeKind::Integer => "an integer".to_owned(),
            AttributeKind::User => "a user id".to_owned(),
            AttributeKind::Boolean => "true or false".to_owned(),
            AttributeKind::Date => "a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)".to_owned(),
            AttributeKind::Set => "set rows".to_owned(),
        };
        bad_value(attr, key, &expected)
    })
}

fn bad_value(attr: &AttributeDef, key: &str, expected: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid value for attribute '{}' ({key}): expected {expected}",
        attr.name
    ))
}

/// Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` and the same with a trailing `Z`; returns the
/// form Content Server stores (`YYYY-MM-DDTHH:MM:SS`).
pub fn normalise_date(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('Z');
    let date_only = format_description!("[year]-[month]-[day]");
    let with_time = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(at) = time::PrimitiveDateTime::parse(text, &with_time) {
        return at.format(&with_time).ok();
    }
    let date = time::Date::parse(text, &date_only).ok()?;
    date.with_hms(0, 0, 0).ok()?.format(&with_time).ok()
}

/// The `metadata` block for a category: the category entry and one entry per attribute, sets
/// using `x` as the row placeholder in their attributes' keys; plus the keys of the
/// category's own attributes (sets included, their columns not), in definition order, for
/// `metadata_map`.
pub fn metadata(def: &CategoryDef) -> (Map<String, Value>, Vec<String>) {
    let mut metadata = Map::new();
    let mut attribute_keys = Vec::new();
    let cat_key = def.id.to_string();
    metadata.insert(
        cat_key.clone(),
        json!({
            "key": cat_key, "name": def.name, "type": -18, "type_name": "Assoc",
            "persona": "category", "multi_value": false, "required": false, "read_only": true,
            "hidden": false, "next_id": next_id(def), "version_number": 1,
        }),
    );
    for attr in &def.attributes {
        let key = format!("{}_{}", def.id, attr.id);
        metadata.insert(key.clone(), attribute_metadata(attr, &key));
        attribute_keys.push(key.clone());
        for column in &attr.attributes {
            let column_key = format!("{key}_x_{}", column.id);
            metadata.insert(column_key.clone(), attribute_metadata(column, &column_key));
        }
    }
    (metadata, attribute_keys)
}

fn next_id(def: &CategoryDef) -> i64 {
    def.attributes
        .iter()
        .flat_map(|attr| std::iter::once(attr.id).chain(attr.attributes.iter().map(|a| a.id)))
        .max()
        .unwrap_or(1)
        + 1
}

fn attribute_metadata(attr: &AttributeDef, key: &str) -> Value {
    let (length_default, length_max) = match attr.kind {
        AttributeKind::Set => (attr.rows, attr.max_rows),
        _ if attr.multi_value => (1, attr.max_values),
        _ => (1, 1),
    };
    let mut entry = json!({
        "key": key,
        "name": attr.name,
        "type": attr.kind.code(),
        "type_name": attr.kind.type_name(),
        "persona": match attr.kind { AttributeKind::Set => "set", AttributeKind::User => "user", _ => "" },
        "required": attr.required,
        "read_only": false,
        "hidden": false,
        "multi_value": attr.multi_value || attr.kind == AttributeKind::Set,
        "multi_value_length_default": length_default,
        "multi_value_length_fixed": attr.kind != AttributeKind::Set && !attr.multi_value,
        "multi_value_length_max": length_max,
        "default_value": null,
        "description": null,
        "valid_values": [],
        "valid_values_name": [],
    });
    if let Some(max) = attr.max_length {
        entry["max_length"] = json!(max);
    }
    if attr.kind == AttributeKind::Date {
        entry["include_time"] = json!(true);
    }
    entry
}

/// Normalises `roles.categories` from a create request: nested (`{"9100":{"9100_2":…}}`) and
/// flat (`{"9100_2":…}`) forms both become category id → keys.
pub fn split_by_category(input: &Map<String, Value>) -> BTreeMap<i64, Map<String, Value>> {
    let mut grouped: BTreeMap<i64, Map<String, Value>> = BTreeMap::new();
    for (key, value) in input {
        if let (Ok(cat), Value::Object(inner)) = (key.parse::<i64>(), value) {
            grouped.entry(cat).or_default().extend(inner.clone());
        } else if let Some(cat) = key.split('_').next().and_then(|c| c.parse::<i64>().ok()) {
            grouped
                .entry(cat)
                .or_default()
                .insert(key.clone(), value.clone());
        }
    }
    grouped
}

/// What changed between two value sets of one category, attribute by attribute, as the audit
/// records it: `{"category_id","attribute","old_value","new_value"}` for each plain attribute
/// whose value differs, and `{"category_id","attribute":"<set name>"}` (no values) once for a
/// set with any row changed.
pub fn attribute_changes(def: &CategoryDef, before: &Values, after: &Values) -> Vec<Value> {
    let mut changes = Vec::new();
    for attr in &def.attributes {
        if attr.kind == AttributeKind::Set {
            let prefix = format!("{}_{}_", def.id, attr.id);
            let rows = |values: &Values| -> Vec<(String, Value)> {
                values
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            if rows(before) != rows(after) {
                changes.push(json!({"category_id": def.id, "attribute": attr.name}));
            }
            continue;
        }
        let key = format!("{}_{}", def.id, attr.id);
        let (old, new) = (before.get(&key), after.get(&key));
        if old != new {
            changes.push(json!({
                "category_id": def.id,
                "attribute": attr.name,
                "old_value": old.cloned().unwrap_or(Value::Null),
                "new_value": new.cloned().unwrap_or(Value::Null),
            }));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> CategoryDef {
        serde_json::from_value(json!({"id": 9100, "name": "Purchase Order", "attributes": [
            {"id": 2, "name": "PO Number", "type": "string", "max_length": 10},
            {"id": 7, "name": "Tags", "type": "string", "multi_value": true, "max_values": 2},
            {"id": 8, "name": "Lines", "type": "set", "rows": 1, "max_rows": 5, "attributes": [
                {"id": 10, "name": "Material", "type": "string"},
                {"id": 11, "name": "Quantity", "type": "integer"}]}
        ]}))
        .unwrap()
    }

    fn input(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn removing_a_set_row_moves_later_rows_up() {
        let def = definition();
        let mut values = initial_values(&def);
        let rows =
            json!({"9100_8_1_10": "A", "9100_8_2_10": "B", "9100_8_3_10": "C", "9100_8_3_11": "3"});
        apply_updates(&def, &mut values, &input(rows)).unwrap();
        assert_eq!(row_count(&values, 9100, &def.attributes[2]), 3);
        apply_updates(&def, &mut values, &input(json!({"9100_8_1": ""}))).unwrap();
        assert_eq!(row_count(&values, 9100, &def.attributes[2]), 2);
        assert_eq!(values["9100_8_1_10"], json!("B"));
        assert_eq!(values["9100_8_2_10"], json!("C"));
        assert_eq!(
            values["9100_8_2_11"],
            json!(3),
            "numeric text becomes an integer"
        );
    }

    #[test]
    fn values_are_checked_against_the_definition() {
        let def = definition();
        let mut values = initial_values(&def);
        let too_long =
            apply_updates(&def, &mut values, &input(json!({"9100_2": "12345678901"}))).unwrap_err();
        assert!(
            too_long.message.contains("at most 10 characters"),
            "{too_long:?}"
        );
        let too_many = apply_updates(
            &def,
            &mut values,
            &input(json!({"9100_7": ["a", "b", "c"]})),
        )
        .unwrap_err();
        assert!(
            too_many.message.contains("at most 2 values"),
            "{too_many:?}"
        );
        let past_rows =
            apply_updates(&def, &mut values, &input(json!({"9100_8_6_10": "x"}))).unwrap_err();
        assert!(past_rows.detail.unwrap().contains("rows 1 to 5"));
        assert_eq!(
            normalise_date("2026-11-24"),
            Some("2026-11-24T00:00:00".into())
        );
        assert_eq!(
            normalise_date("2026-11-24T10:11:12Z"),
            Some("2026-11-24T10:11:12".into())
        );
        assert_eq!(normalise_date("24.11.2026"), None);
    }

    #[test]
    fn nested_and_flat_create_categories_are_grouped_alike() {
        let nested = split_by_category(&input(json!({"9100": {"9100_2": "x"}, "9200_3": "y"})));
        assert_eq!(nested[&9100]["9100_2"], json!("x"));
        assert_eq!(nested[&9200]["9200_3"], json!("y"));
    }
}
