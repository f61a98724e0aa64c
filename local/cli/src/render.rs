//! Human output: tables (comfy-table) of the API's JSON.

use comfy_table::{Table, presets};
use serde_json::Value;

/// A table with these column headers.
pub fn table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(presets::UTF8_HORIZONTAL_ONLY);
    table.set_header(headers.iter().copied());
    table
}

/// A value as a cell: a string as it is, `null` as empty, anything else as compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field `name` of `value` as a cell.
pub fn field(value: &Value, name: &str) -> String {
    cell(value.get(name).unwrap_or(&Value::Null))
}

/// `ids` as `xecm document_id=10112, tg document_id=doc_9`.
pub fn ids(value: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(systems) = value.as_object() {
        for (system, ids) in systems {
            if let Some(ids) = ids.as_object() {
                for (name, id) in ids {
                    parts.push(format!("{system} {name}={}", cell(id)));
                }
            }
        }
    }
    parts.join(", ")
}

/// What one timeline entry is about, in a few words.
pub fn entry_what(entry: &Value) -> String {
    let kind = entry.get("kind").and_then(Value::as_str).unwrap_or("");
    let text = |name: &str| field(entry, name);
    match kind {
        "received" => text("event_type"),
        "effect" | "effect_failed" => format!("{} {}", text("effect"), text("effect_key")),
        "failed" | "dead_letter" => format!("attempt {}: {}", text("attempts"), text("error")),
        "discarded" => format!("reason: {}", text("reason")),
        "unmatched" => format!("{} {}", text("doc_type"), text("reason")),
        "unmatched_closed" => format!("{} by {}", text("status"), text("by")),
        "done" => entry
            .get("outcome")
            .map(|o| shorten(&cell(o), 120))
            .unwrap_or_default(),
        _ => ["error", "reason", "status"]
            .iter()
            .map(|f| text(f))
            .find(|t| !t.is_empty())
            .unwrap_or_default(),
    }
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The timeline entries as a table: time, function, kind, system, what, ids.
pub fn timeline(entries: &[Value]) -> Table {
    let mut table = table(&["AT", "FUNCTION", "KIND", "SYSTEM", "WHAT", "ITEM", "IDS"]);
    for entry in entries {
        table.add_row(vec![
            field(entry, "at"),
            field(entry, "function"),
            field(entry, "kind"),
            field(entry, "system"),
            entry_what(entry),
            field(entry, "item_id"),
            ids(entry.get("ids").unwrap_or(&Value::Null)),
        ]);
    }
    table
}

/// Any JSON object, for a person: its scalar fields as a two-column table, then each array of
/// objects as a table of its own (columns: the fields its items have), then other nested
/// values as indented JSON.
pub fn object(value: &Value) -> String {
    let Some(map) = value.as_object() else {
        return serde_json::to_string_pretty(value).unwrap_or_default();
    };
    let mut out = String::new();
    let mut fields = table(&["FIELD", "VALUE"]);
    let mut nested = Vec::new();
    for (name, v) in map {
        match v {
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                nested.push((name, rows(items)));
            }
            Value::Object(o) if !o.is_empty() => {
                nested.push((name, serde_json::to_string_pretty(v).unwrap_or_default()));
            }
            _ => {
                fields.add_row(vec![name.clone(), cell(v)]);
            }
        }
    }
    out.push_str(&fields.to_string());
    out.push('\n');
    for (name, text) in nested {
        out.push('\n');
        out.push_str(name);
        out.push_str(":\n");
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// Objects as a table, one column per field any of them has (in first-seen order).
pub fn rows(items: &[Value]) -> String {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        if let Some(map) = item.as_object() {
            for key in map.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    let headers: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut table = table(&headers);
    for item in items {
        table.add_row(
            columns
                .iter()
                .map(|c| field(item, c))
                .collect::<Vec<String>>(),
        );
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_shows_what_happened_and_the_ids_of_both_systems() {
        let entry = json!({"at": "2026-12-03T10:00:00.120Z", "function": "order-reconcile",
            "kind": "effect", "system": "xecm", "effect": "xecm-file",
            "effect_key": "ZZ:ACME|855|4500001234", "item_id": "tg:evt_7",
            "ids": {"xecm": {"document_id": 10112}, "tg": {"document_id": "doc_9"}}});
        assert_eq!(entry_what(&entry), "xecm-file ZZ:ACME|855|4500001234");
        assert_eq!(
            ids(&entry["ids"]),
            "tg document_id=doc_9, xecm document_id=10112"
        );
        let text = timeline(&[entry]).to_string();
        assert!(
            text.contains("10112") && text.contains("tg:evt_7"),
            "{text}"
        );
    }

    #[test]
    fn an_object_shows_its_fields_and_its_lists_as_tables() {
        let text = object(&json!({"item_id": "tg:evt_1", "attempts": 2,
            "history": [{"at": "t1", "then": "failed", "error": "xECM 500"}]}));
        assert!(
            text.contains("item_id") && text.contains("tg:evt_1"),
            "{text}"
        );
        assert!(
            text.contains("history:") && text.contains("xECM 500"),
            "{text}"
        );
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
