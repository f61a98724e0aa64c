//! Versions and content: list, add (streamed upload), download (streamed).

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::XecmError;
use crate::ids::NodeId;
use crate::model::{Version, results, shape_error};
use crate::transport::{Call, Payload, XecmClient};
use crate::upload::ContentSource;

/// A new version (`POST /api/v2/nodes/{id}/versions`).
#[derive(Debug, Clone, Default)]
pub struct NewVersion {
    /// File name of the upload.
    pub file_name: String,
    /// MIME type (guessed by the server when absent).
    pub mime_type: Option<String>,
    /// Version description.
    pub description: String,
    /// Whether to add a major version.
    pub major: bool,
}

/// A download in progress: the headers are in, the body streams.
pub struct Download {
    /// The file name the server gave (`Content-Disposition`), if any.
    pub file_name: Option<String>,
    /// `Content-Type`.
    pub mime_type: Option<String>,
    /// `Content-Length`, when sent.
    pub size: Option<u64>,
    /// The bytes.
    pub body: BoxStream<'static, Result<Bytes, XecmError>>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Download {
    /// Copies the body into `out`; returns the bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin>(mut self, out: &mut W) -> Result<u64, XecmError> {
        let mut written = 0u64;
        while let Some(chunk) = self.body.next().await {
            let chunk = chunk?;
            out.write_all(&chunk)
                .await
                .map_err(|source| XecmError::Source {
                    what: "download",
                    source,
                })?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(|source| XecmError::Source {
            what: "download",
            source,
        })?;
        Ok(written)
    }
}

fn version_from(item: &Value, what: &'static str) -> Result<Version, XecmError> {
    let data = item.pointer("/data/versions").unwrap_or(item);
    serde_json::from_value(data.clone()).map_err(|e| shape_error(what, &e.to_string(), data))
}

impl XecmClient {
    /// `GET /api/v2/nodes/{id}/versions`, oldest first.
    pub async fn versions(&self, id: NodeId) -> Result<Vec<Version>, XecmError> {
        let path = format!("v2/nodes/{id}/versions");
        let body = self.json(Call::get("list versions", &path, &[])).await?;
        let mut versions: Vec<Version> = results(&body)
            .into_iter()
            .map(|item| version_from(item, "list versions"))
            .collect::<Result<_, _>>()?;
        versions.sort_by_key(|v| v.version_number);
        Ok(versions)
    }

    /// `POST /api/v2/nodes/{id}/versions` with a `file` part streamed from `source`.
    pub async fn add_version(
        &self,
        id: NodeId,
        version: &NewVersion,
        source: &dyn ContentSource,
    ) -> Result<Version, XecmError> {
        let path = format!("v2/nodes/{id}/versions");
        let fields = vec![
            ("description".to_owned(), version.description.clone()),
            (
                "add_major_version".to_owned(),
                json!(version.major).to_string(),
            ),
        ];
        let method = Method::POST;
        let payload = Payload::Upload {
            fields: &fields,
            file_name: &version.file_name,
            mime_type: version.mime_type.as_deref(),
            source,
        };
        let body = self
            .json(Call::with("add version", &method, &path, payload))
            .await?;
        match body.get("results") {
            Some(item) if item.pointer("/data/versions").is_some() => {
                version_from(item, "add version")
            }
            _ => self
                .versions(id)
                .await?
                .pop()
                .ok_or_else(|| shape_error("add version", "no version after adding one", &body)),
        }
    }

    /// `GET /api/v1/nodes/{id}/content` (or `/versions/{n}/content`), streamed. v1 is used as
    /// pyxecm does ("v2 has issues with downloading files").
    pub async fn download(&self, id: NodeId, version: Option<u32>) -> Result<Download, XecmError> {
        let path = match version {
            Some(number) => format!("v1/nodes/{id}/versions/{number}/content"),
            None => format!("v1/nodes/{id}/content"),
        };
        let response = self
            .open_download(Call::download("download", &path))
            .await?;
        let headers = response.headers();
        let text = |name| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let file_name = text(reqwest::header::CONTENT_DISPOSITION).and_then(|d| {
            d.split(';').find_map(|part| {
                part.trim()
                    .strip_prefix("filename=")
                    .map(|n| n.trim_matches('"').to_owned())
            })
        });
        Ok(Download {
            file_name,
            mime_type: text(reqwest::header::CONTENT_TYPE),
            size: response.content_length(),
            body: response
                .bytes_stream()
                .map_err(|source| XecmError::Transport {
                    what: "download",
                    source,
                })
                .boxed(),
        })
    }
}
