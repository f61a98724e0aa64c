//! Request bodies as Content Server reads them.
//!
//! Write calls arrive as `application/x-www-form-urlencoded` or `multipart/form-data` (JSON is
//! accepted too, leniently). Plain fields and the fields of the JSON string in the `body`
//! field are merged, `body` winning. A repeated plain field becomes an array. A file part is
//! streamed to the content directory while it arrives, hashed on the way, and never held in
//! memory; it is deleted again unless the route keeps it.

use std::path::PathBuf;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::envelope::ApiError;
use crate::server::AppState;

/// Largest non-file field or url-encoded body accepted.
const FIELD_LIMIT: usize = 4 * 1024 * 1024;

/// The merged fields of a write request and its uploaded file, if any.
#[derive(Debug, Default)]
pub struct FormInput {
    /// Plain fields merged with the fields of `body`.
    pub fields: Map<String, Value>,
    /// The `file` part.
    pub file: Option<UploadedFile>,
}

/// A file part, already on disk.
#[derive(Debug)]
pub struct UploadedFile {
    /// Where it was written.
    pub path: PathBuf,
    /// Its name inside the content directory.
    pub content_file: String,
    /// The file name the client gave.
    pub file_name: String,
    /// The content type the client gave, if any.
    pub content_type: Option<String>,
    /// Bytes received.
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    kept: bool,
}

impl UploadedFile {
    /// A file already written to the content directory (seed documents).
    pub fn on_disk(
        path: PathBuf,
        content_file: String,
        file_name: String,
        size: u64,
        sha256: String,
    ) -> Self {
        Self {
            path,
            content_file,
            file_name,
            content_type: None,
            size,
            sha256,
            kept: false,
        }
    }

    /// Keeps the file (it now belongs to a version); returns its content-directory name.
    pub fn keep(mut self) -> String {
        self.kept = true;
        std::mem::take(&mut self.content_file)
    }
}

impl Drop for UploadedFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl FormInput {
    /// A field as text.
    pub fn text(&self, key: &str) -> Option<String> {
        self.fields.get(key).and_then(crate::envelope::as_text)
    }

    /// A field as an integer.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.fields.get(key).and_then(crate::envelope::as_i64)
    }

    /// `roles.categories` (flat or nested per category; `roles` itself may arrive as a JSON
    /// string in a plain field); empty when absent.
    pub fn roles_categories(&self) -> Result<Map<String, Value>, ApiError> {
        let roles = match self.fields.get("roles") {
            Some(Value::String(text)) => serde_json::from_str(text)
                .map_err(|_| ApiError::invalid("'roles' must be a JSON object"))?,
            Some(other) => other.clone(),
            None => return Ok(Map::new()),
        };
        match roles.get("categories") {
            Some(Value::Object(map)) => Ok(map.clone()),
            None | Some(Value::Null) => Ok(Map::new()),
            Some(_) => Err(ApiError::invalid("'roles.categories' must be an object")),
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> Map<String, Value> {
        let mut fields = Map::new();
        for (key, value) in pairs {
            match fields.get_mut(&key) {
                Some(Value::Array(items)) => items.push(Value::String(value)),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, Value::String(value)]);
                }
                None => {
                    fields.insert(key, Value::String(value));
                }
            }
        }
        fields
    }

    fn merge_body_field(&mut self) -> Result<(), ApiError> {
        let Some(body) = self.fields.remove("body") else {
            return Ok(());
        };
        let text = match body {
            Value::String(text) => text,
            Value::Object(map) => {
                self.fields.extend(map);
                return Ok(());
            }
            _ => {
                return Err(ApiError::invalid(
                    "the 'body' parameter must be a JSON object",
                ));
            }
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => {
                self.fields.extend(map);
                Ok(())
            }
            _ => Err(ApiError::invalid(
                "the 'body' parameter must contain a JSON object",
            )),
        }
    }
}

impl FromRequest<AppState> for FormInput {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut input = if content_type.starts_with("multipart/form-data") {
            let multipart = Multipart::from_request(request, state)
                .await
                .map_err(|e| ApiError::invalid(format!("unreadable multipart body: {e}")))?;
            read_multipart(multipart, state).await?
        } else {
            let bytes = axum::body::to_bytes(request.into_body(), FIELD_LIMIT)
                .await
                .map_err(|e| ApiError::invalid(format!("unreadable body: {e}")))?;
            if content_type.starts_with("application/json") && !bytes.is_empty() {
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(Value::Object(fields)) => FormInput { fields, file: None },
                    _ => return Err(ApiError::invalid("the JSON body must be an object")),
                }
            } else {
                let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                    .map_err(|e| ApiError::invalid(format!("unreadable form body: {e}")))?;
                FormInput {
                    fields: Self::from_pairs(pairs),
                    file: None,
                }
            }
        };
        input.merge_body_field()?;
        Ok(input)
    }
}

async fn read_multipart(mut multipart: Multipart, state: &AppState) -> Result<FormInput, ApiError> {
    let mut pairs = Vec::new();
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::invalid(format!("unreadable multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() || name == "file" {
            if file.is_some() {
                return Err(ApiError::invalid(
                    "only one file may be uploaded per request",
                ));
            }
            file = Some(stream_to_disk(field, state).await?);
        } else {
            let mut value = Vec::new();
            let mut field = field;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| ApiError::invalid(format!("unreadable multipart field: {e}")))?
            {
                if value.len() + chunk.len() > FIELD_LIMIT {
                    return Err(ApiError::invalid(format!("field '{name}' is too large")));
                }
                value.extend_from_slice(&chunk);
            }
            let value = String::from_utf8(value)
                .map_err(|_| ApiError::invalid(format!("field '{name}' is not UTF-8 text")))?;
            pairs.push((name, value));
        }
    }
    Ok(FormInput {
        fields: FormInput::from_pairs(pairs),
        file,
    })
}

async fn stream_to_disk(
    mut field: axum::extract::multipart::Field<'_>,
    state: &AppState,
) -> Result<UploadedFile, ApiError> {
    let content_file = format!("{}.bin", uuid::Uuid::new_v4());
    let path = state.content.path(&content_file);
    let mut upload = UploadedFile {
        path: path.clone(),
        content_file,
        file_name: field.file_name().unwrap_or("file").to_owned(),
        content_type: field.content_type().map(str::to_owned),
        size: 0,
        sha256: String::new(),
        kept: false,
    };
    let io_error = |e: std::io::Error| ApiError::server(format!("could not store the upload: {e}"));
    let out = tokio::fs::File::create(&path).await.map_err(io_error)?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, out);
    let mut hasher = Sha256::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| ApiError::invalid(format!("the upload was interrupted: {e}")))?
    {
        hasher.update(&chunk);
        upload.size += chunk.len() as u64;
        out.write_all(&chunk).await.map_err(io_error)?;
    }
    out.flush().await.map_err(io_error)?;
    upload.sha256 = hex::encode(hasher.finalize());
    Ok(upload)
}
