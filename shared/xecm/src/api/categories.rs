//! Categories on nodes: read (with their definitions), apply, update, remove.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::api::body_field;
use crate::attributes::CategoryDefinition;
use crate::error::XecmError;
use crate::ids::{CategoryId, NodeId};
use crate::model::{results, shape_error};
use crate::transport::{Call, Payload, XecmClient};

/// A category applied to a node: its values by key, and its definition when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedCategory {
    /// Category id.
    pub id: CategoryId,
    /// Values by key (`{cat}_{attr}`, `{cat}_{set}_{row}_{attr}`).
    pub values: Map<String, Value>,
    /// The definition (from `?metadata`).
    pub definition: Option<Arc<CategoryDefinition>>,
}

/// The category a `results` item is about. Content Server names it in
/// `metadata_order.categories` (`["9100"]`) when asked for `?metadata`; without metadata,
/// the `metadata` key without `_` or the first value key's prefix tells.
///
/// # Format
/// ```text
/// {"data":{"categories":{"9100_2":"…"}},
///  "metadata":{"categories":{"9100":{…},"9100_2":{…}}},
///  "metadata_map":{"categories":{"9100":["9100_2",…]}},
///  "metadata_order":{"categories":["9100"]}}
/// ```
fn category_id_of(item: &Value, values: &Map<String, Value>) -> Option<CategoryId> {
    let from_order = item
        .pointer("/metadata_order/categories")
        .and_then(Value::as_array)
        .and_then(|order| order.iter().find_map(category_key));
    let from_metadata = || {
        item.pointer("/metadata/categories")
            .or_else(|| item.get("metadata"))
            .and_then(Value::as_object)
            .and_then(|m| m.keys().find(|k| !k.contains('_')).cloned())
    };
    let from_values = || {
        values
            .keys()
            .find_map(|k| k.split('_').next().map(str::to_owned))
    };
    from_order
        .or_else(|| from_metadata().and_then(|id| CategoryId::parse(&id).ok()))
        .or_else(|| from_values().and_then(|id| CategoryId::parse(&id).ok()))
}

/// Whether a value read back from a node is the value written: equal JSON, or equal text
/// (Content Server answers numbers and booleans sent as form text as their JSON kinds).
fn same_value(current: Option<&Value>, wanted: &Value) -> bool {
    let Some(current) = current else {
        return wanted.is_null();
    };
    if current == wanted {
        return true;
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (current, wanted) {
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(Some(x), y))
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        _ => text(current) == text(wanted),
    }
}

/// A category id as `metadata_order` writes it: `"9100"` or `9100`, never an attribute key.
fn category_key(entry: &Value) -> Option<CategoryId> {
    match entry {
        Value::String(text) if !text.contains('_') => CategoryId::parse(text).ok(),
        Value::Number(number) => number.as_i64().and_then(|id| CategoryId::new(id).ok()),
        _ => None,
    }
}

impl XecmClient {
    fn applied(
        &self,
        item: &Value,
        what: &'static str,
    ) -> Result<Option<AppliedCategory>, XecmError> {
        let values = item
            .pointer("/data/categories")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let Some(id) = category_id_of(item, &values) else {
            return Ok(None);
        };
        let definition = match item.get("metadata") {
            Some(metadata) => {
                let definition = Arc::new(
                    CategoryDefinition::from_metadata(id, metadata)
                        .map_err(|e| shape_error(what, &e.to_string(), metadata))?,
                );
                self.inner
                    .definitions
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(id, definition.clone());
                Some(definition)
            }
            None => None,
        };
        Ok(Some(AppliedCategory {
            id,
            values,
            definition,
        }))
    }

    /// `GET /api/v2/nodes/{id}/categories[?metadata]`: the categories applied to a node.
    pub async fn categories(
        &self,
        node: NodeId,
        with_definitions: bool,
    ) -> Result<Vec<AppliedCategory>, XecmError> {
        let path = format!("v2/nodes/{node}/categories");
        let query: Vec<(String, String)> = if with_definitions {
            vec![("metadata".to_owned(), String::new())]
        } else {
            Vec::new()
        };
        let body = self
            .json(Call::get("list categories", &path, &query))
            .await?;
        let mut applied = Vec::new();
        for item in results(&body) {
            applied.extend(self.applied(item, "list categories")?);
        }
        Ok(applied)
    }

    /// `GET /api/v2/nodes/{id}/categories/{cat}?metadata`: one category with its definition
    /// (which is cached for later name look-ups).
    pub async fn category(
        &self,
        node: NodeId,
        category: CategoryId,
    ) -> Result<AppliedCategory, XecmError> {
        let path = format!("v2/nodes/{node}/categories/{category}");
        let query = [("metadata".to_owned(), String::new())];
        let body = self.json(Call::get("get category", &path, &query)).await?;
        let item = results(&body)
            .into_iter()
            .next()
            .ok_or_else(|| shape_error("get category", "no results", &body))?;
        let mut applied = self
            .applied(item, "get category")?
            .ok_or_else(|| shape_error("get category", "no category", &body))?;
        applied.id = category;
        Ok(applied)
    }

    /// The cached definition of a category, if one was read before.
    pub fn cached_definition(&self, category: CategoryId) -> Option<Arc<CategoryDefinition>> {
        self.inner
            .definitions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&category)
            .cloned()
    }

    /// `POST /api/v2/nodes/{id}/categories`: applies a category, with first values by key.
    ///
    /// The node ends with the category and these values exactly once, also when the answer
    /// of an earlier attempt was lost: a retried `POST` is answered 400 "already applied"
    /// (the first attempt did the work), so the values on the node are read; equal values are
    /// done, others are set with one `PUT` (for instance values another writer applied the
    /// category with).
    pub async fn apply_category(
        &self,
        node: NodeId,
        category: CategoryId,
        values: &Map<String, Value>,
    ) -> Result<(), XecmError> {
        let mut body = json!({"category_id": category.get()});
        for (key, value) in values {
            body[key.as_str()] = value.clone();
        }
        let form = body_field(&body);
        let path = format!("v2/nodes/{node}/categories");
        let method = Method::POST;
        let applied = self
            .json(Call::with(
                "apply category",
                &method,
                &path,
                Payload::Form(&form),
            ))
            .await;
        match applied {
            Ok(_) => Ok(()),
            Err(error) if error.is_category_already_applied() => {
                let current = self
                    .categories(node, false)
                    .await?
                    .into_iter()
                    .find(|c| c.id == category)
                    .ok_or(error)?;
                let differing: Vec<&String> = values
                    .iter()
                    .filter(|(key, value)| !same_value(current.values.get(key.as_str()), value))
                    .map(|(key, _)| key)
                    .collect();
                if differing.is_empty() {
                    tracing::info!(
                        node_id = node.get(),
                        category_id = category.get(),
                        "category already applied with these values (an earlier attempt's answer was lost)"
                    );
                    return Ok(());
                }
                tracing::info!(
                    node_id = node.get(),
                    category_id = category.get(),
                    differing = differing.len(),
                    "category already applied with other values; updating them"
                );
                self.update_category(node, category, values).await
            }
            Err(error) => Err(error),
        }
    }

    /// `PUT /api/v2/nodes/{id}/categories/{cat}` (`body=<json>` so lists and types survive).
    pub async fn update_category(
        &self,
        node: NodeId,
        category: CategoryId,
        values: &Map<String, Value>,
    ) -> Result<(), XecmError> {
        let form = body_field(&Value::Object(values.clone()));
        let path = format!("v2/nodes/{node}/categories/{category}");
        let method = Method::PUT;
        self.json(Call::with(
            "update category",
            &method,
            &path,
            Payload::Form(&form),
        ))
        .await
        .map(|_| ())
    }

    /// `DELETE /api/v2/nodes/{id}/categories/{cat}`.
    pub async fn remove_category(
        &self,
        node: NodeId,
        category: CategoryId,
    ) -> Result<(), XecmError> {
        let path = format!("v2/nodes/{node}/categories/{category}");
        let method = Method::DELETE;
        self.json(Call::with(
            "remove category",
            &method,
            &path,
            Payload::Empty,
        ))
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_back_is_the_value_written_when_its_json_or_its_text_is_equal() {
        assert!(same_value(Some(&json!("214")), &json!("214")));
        assert!(same_value(Some(&json!(42)), &json!("42")));
        assert!(same_value(Some(&json!(true)), &json!("true")));
        assert!(same_value(Some(&json!(["a", 1])), &json!(["a", "1"])));
        assert!(same_value(None, &Value::Null));
        assert!(!same_value(Some(&json!("855")), &json!("810")));
        assert!(!same_value(None, &json!("810")));
        assert!(!same_value(Some(&json!(["a"])), &json!("a")));
        assert!(!same_value(Some(&json!(["a"])), &json!(["a", "b"])));
    }

    fn values(keys: &[&str]) -> Map<String, Value> {
        keys.iter()
            .map(|k| ((*k).to_owned(), Value::String(String::new())))
            .collect()
    }

    #[test]
    fn the_category_is_read_from_metadata_order_as_the_real_server_writes_it() {
        let item = json!({
            "metadata": {"categories": {"9100_2": {}, "9100_8_x_9": {}}},
            "metadata_order": {"categories": ["9100"]},
        });
        let id = category_id_of(&item, &values(&["9100_2"])).unwrap();
        assert_eq!(id.get(), 9100);
        let numeric = json!({"metadata_order": {"categories": [9200]}});
        assert_eq!(category_id_of(&numeric, &Map::new()).unwrap().get(), 9200);
    }

    #[test]
    fn attribute_keys_in_metadata_order_are_never_taken_for_a_category() {
        let item = json!({
            "metadata": {"categories": {"9100": {}, "9100_2": {}, "9100_8_x_9": {}}},
            "metadata_order": {"categories": ["9100_2", "9100_8_x_9"]},
        });
        assert_eq!(category_id_of(&item, &Map::new()).unwrap().get(), 9100);
        let without_metadata = json!({"data": {"categories": {}}});
        assert_eq!(
            category_id_of(&without_metadata, &values(&["9300_4"]))
                .unwrap()
                .get(),
            9300
        );
    }
}
